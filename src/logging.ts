/**
 * The shim's own messages: pino, printed synchronously and in-process (no worker-thread
 * transport, which does not survive single-file packaging), through pino-pretty as plain lines
 * or as pino's JSON lines. pino is only loaded when a message is actually written, so the
 * silent success path of a launch pays nothing for it.
 */
import type { LogFormat, LogLevel } from './cli';
import { oneLine } from './errors';
import { redact } from './redaction';
import { loadExtras } from './libraries';

const LEVEL_VALUES: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

export interface LoggerSettings {
  level: LogLevel;
  format: LogFormat;
  /** Where info and debug lines go: stdout for `start`, stderr for plugin commands (stdout is the child's). */
  infoFd: 1 | 2;
}

export interface Logger {
  readonly settings: LoggerSettings;
  isEnabled(level: Exclude<LogLevel, 'silent'>): boolean;
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

type PinoLogger = Record<Exclude<LogLevel, 'silent'>, (message: string) => void>;

export function createLogger(settings: LoggerSettings): Logger {
  let pino: PinoLogger | undefined;
  const threshold = LEVEL_VALUES[settings.level];
  const write = (level: Exclude<LogLevel, 'silent'>) => (message: string) => {
    if (LEVEL_VALUES[level] < threshold) return;
    pino ??= createPino(settings);
    // Messages may quote URIs, connection strings or JSON from the manifest or the command line;
    // a path with a line break or an escape sequence is shown as given, on one line.
    pino[level](oneLine(redact(message)));
  };
  return {
    settings,
    isEnabled: (level) => LEVEL_VALUES[level] >= threshold,
    trace: write('trace'), debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error'),
  };
}

function createPino(settings: LoggerSettings): PinoLogger {
  // Loaded here, not at the top, so that paths that print nothing never load them (tty alone loads net).
  const { pino, pinoPretty } = loadExtras();
  const stream = (fd: 1 | 2) => {
    if (settings.format === 'json') return pino.pino.destination({ fd, sync: true });
    return pinoPretty({
      destination: fd,
      sync: true,
      colorize: (require('node:tty') as typeof import('node:tty')).isatty(fd) && !process.env.NO_COLOR,
      ignore: 'pid,hostname,time',
      singleLine: true,
    });
  };
  const streams = settings.infoFd === 2
    ? [{ level: 'trace' as const, stream: stream(2) }]
    : [{ level: 'trace' as const, stream: stream(1) }, { level: 'warn' as const, stream: stream(2) }];
  return pino.pino(
    { name: 'ndc-shim', level: settings.level, base: {} },
    pino.pino.multistream(streams, { dedupe: true }),
  ) as unknown as PinoLogger;
}
