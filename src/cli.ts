/** The command line: turns argv into a CommandLine, or a usage error (exit 2). Nothing here touches the system. */
import { usageError } from './errors';
import { MAX_KILL_AFTER_SECONDS } from './signals';

export type LaunchCommand = 'start' | 'update' | 'upgrade' | 'watch' | 'cli';
export type CommandName = LaunchCommand | 'doctor' | 'metadata' | 'health' | 'package' | 'init' | 'help' | 'version';
/** Commands that read their own options (everything after the command name is theirs). */
const OWN_OPTIONS_COMMANDS: ReadonlySet<CommandName> = new Set(['package', 'init']);

export const LAUNCH_COMMANDS: readonly LaunchCommand[] = ['start', 'update', 'upgrade', 'watch', 'cli'];
export const isLaunchCommand = (name: CommandName): name is LaunchCommand => (LAUNCH_COMMANDS as readonly string[]).includes(name);
/** Plugin commands: stdout belongs to the child, the shim writes to stderr only. */
export const isPluginCommand = (name: CommandName) => name !== 'start' && isLaunchCommand(name);

export type LogFormat = 'pretty' | 'json';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface GlobalOptions {
  manifest?: string;
  connectorDir?: string;
  pluginDir?: string;
  context?: string;
  configuration?: string;
  port?: number;
  envFiles: string[];
  logLevel?: LogLevel;
  logFormat?: LogFormat;
  noExec: boolean;
  killAfter?: number;
  plugin?: string;
  dryRun: boolean;
  /** Print environment values and secrets as they are (a terminal only: see main.ts). */
  showValues: boolean;
}

export interface CommandLine {
  command: CommandName;
  options: GlobalOptions;
  /** After `cli`: every argument, untouched. After `--` for the other launch commands. */
  extraArgs: string[];
  /** doctor --json */
  json: boolean;
  /** health --wait SECONDS */
  waitSeconds?: number;
  /** metadata --check FILE */
  checkFile?: string;
}

const COMMAND_ALIASES: Record<string, CommandName> = {
  start: 'start', serve: 'start', update: 'update', upgrade: 'upgrade', upgradeConfiguration: 'upgrade',
  watch: 'watch', cli: 'cli', doctor: 'doctor', metadata: 'metadata', health: 'health', package: 'package', init: 'init',
};

type ValueOption = 'manifest' | 'connector-dir' | 'plugin-dir' | 'context' | 'configuration' | 'port' | 'dotenv' | 'env-file'
  | 'log-level' | 'log-format' | 'kill-after' | 'plugin';
/** `--env-file` (the SPEC's name; the executables keep their runtime off it) and its alias `--dotenv`. */
const VALUE_OPTIONS: ReadonlySet<string> = new Set<ValueOption>([
  'manifest', 'connector-dir', 'plugin-dir', 'context', 'configuration', 'port', 'dotenv', 'env-file', 'log-level',
  'log-format', 'kill-after', 'plugin',
]);
const FLAG_OPTIONS: ReadonlySet<string> = new Set(['no-exec', 'dry-run', 'show-values', 'help', 'version', 'json']);

export function parseCommandLine(argv: readonly string[]): CommandLine {
  const options: GlobalOptions = { envFiles: [], noExec: false, dryRun: false, showValues: false };
  const line: CommandLine = { command: 'help', options, extraArgs: [], json: false };
  let command: CommandName | undefined;
  let wantsHelp = false;
  let wantsVersion = false;

  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    if (command === 'cli') {
      // After `cli` nothing is interpreted, not even `--` or `--help`.
      line.extraArgs = argv.slice(index);
      break;
    }
    if (command && OWN_OPTIONS_COMMANDS.has(command)) {
      line.extraArgs = argv.slice(index);
      break;
    }
    // A `--` before the command means nothing to the shim (it ends the runtime's own --env-file
    // scan, which matters for the bundle run by a system Node; some wrappers put one there).
    if (arg === '--' && !command) continue;
    if (arg === '--') {
      line.extraArgs = argv.slice(index + 1);
      break;
    }
    if (arg === '-h') { wantsHelp = true; continue; }
    if (arg === '-V' || arg === '-v') { wantsVersion = true; continue; }
    if (arg.startsWith('--')) {
      const equals = arg.indexOf('=');
      const name = arg.slice(2, equals === -1 ? undefined : equals);
      if (FLAG_OPTIONS.has(name)) {
        if (equals !== -1) throw usageError(`option --${name} takes no value`);
        if (name === 'help') wantsHelp = true;
        else if (name === 'version') wantsVersion = true;
        else if (name === 'no-exec') options.noExec = true;
        else if (name === 'dry-run') options.dryRun = true;
        else if (name === 'show-values') options.showValues = true;
        else if (name === 'json') {
          if (command !== 'doctor') throw usageError('--json belongs to `doctor`');
          line.json = true;
        }
        continue;
      }
      if (VALUE_OPTIONS.has(name) || (name === 'wait' && command === 'health') || (name === 'check' && command === 'metadata')) {
        let value: string;
        if (equals !== -1) value = arg.slice(equals + 1);
        else {
          if (index + 1 >= argv.length) throw usageError(`option --${name} needs a value`);
          value = argv[++index];
        }
        applyValueOption(line, name, value);
        continue;
      }
      if (name === 'wait') throw usageError('--wait belongs to `health`');
      if (name === 'check') throw usageError('--check belongs to `metadata` (ndc-shim metadata --check FILE)');
      throw usageError(`unknown option ${arg.slice(0, equals === -1 ? undefined : equals)}`);
    }
    if (arg.startsWith('-') && arg.length > 1) throw usageError(`unknown option ${arg}`);
    if (!command) {
      const named = COMMAND_ALIASES[arg];
      if (!named) throw usageError(`unknown command '${arg}'`, 'commands are start (serve), update, upgrade, watch, cli, doctor, metadata, health, package, init');
      command = named;
      continue;
    }
    throw usageError(`unexpected argument '${arg}' after '${command}'`, 'put arguments for the connector or plugin after `--`');
  }

  if (wantsHelp && command !== 'cli' && !(command && OWN_OPTIONS_COMMANDS.has(command))) line.command = 'help';
  else if (wantsVersion && command !== 'cli') line.command = 'version';
  else if (command) line.command = command;
  else throw usageError('no command given');
  return line;
}

/**
 * The log format the command line asks for, read without judging the rest of it: a usage error is
 * printed in the format asked for, whether the bad argument comes before or after `--log-format`.
 * The shim's options end where parseCommandLine's do (after `cli`, `package` and `init`, after `--`
 * that follows the command); an option's value is skipped as it is there. When `--log-format` itself is the bad
 * option (no value, or not pretty or json), the last good one counts, else pretty.
 */
export function requestedLogFormat(argv: readonly string[]): LogFormat | undefined {
  let format: LogFormat | undefined;
  let command: CommandName | undefined;
  for (let index = 0; index < argv.length && command !== 'cli' && !(command && OWN_OPTIONS_COMMANDS.has(command)); index++) {
    const arg = argv[index];
    if (arg === '--') {
      if (command) break;
      continue;
    }
    if (arg.startsWith('--')) {
      const equals = arg.indexOf('=');
      const name = arg.slice(2, equals === -1 ? undefined : equals);
      const takesValue = VALUE_OPTIONS.has(name) || (name === 'wait' && command === 'health') || (name === 'check' && command === 'metadata');
      const value = equals !== -1 ? arg.slice(equals + 1) : takesValue ? argv[++index] : undefined;
      if (name === 'log-format' && (value === 'pretty' || value === 'json')) format = value;
      continue;
    }
    if (!arg.startsWith('-') && !command) command = COMMAND_ALIASES[arg] ?? 'help';
  }
  return format;
}

function applyValueOption(line: CommandLine, name: string, value: string) {
  const options = line.options;
  const nonEmpty = () => {
    if (value === '') throw usageError(`option --${name} needs a non-empty value`);
    return value;
  };
  switch (name) {
    case 'manifest': options.manifest = nonEmpty(); break;
    case 'connector-dir': options.connectorDir = nonEmpty(); break;
    case 'plugin-dir': options.pluginDir = nonEmpty(); break;
    case 'context': options.context = nonEmpty(); break;
    case 'configuration': options.configuration = nonEmpty(); break;
    case 'plugin': options.plugin = nonEmpty(); break;
    case 'dotenv': case 'env-file': options.envFiles.push(nonEmpty()); break;
    case 'port': options.port = parsePort(value, '--port'); break;
    case 'kill-after':
      options.killAfter = parseSeconds(value, '--kill-after');
      if (options.killAfter > MAX_KILL_AFTER_SECONDS) {
        throw usageError(`--kill-after must be at most ${MAX_KILL_AFTER_SECONDS} seconds (about 24 days), not '${value}'`, 'pass a shorter grace, or 0 to never SIGKILL the child');
      }
      break;
    case 'wait': line.waitSeconds = parseSeconds(value, '--wait'); break;
    case 'check': line.checkFile = nonEmpty(); break;
    case 'log-level': options.logLevel = parseLogLevel(value, '--log-level'); break;
    case 'log-format':
      if (value !== 'pretty' && value !== 'json') throw usageError(`--log-format must be pretty or json, not '${value}'`);
      options.logFormat = value;
      break;
  }
}

/** A TCP port as text: digits only, 1 to 65535. */
export const isPortNumber = (value: string) => /^\d{1,5}$/.test(value) && Number(value) >= 1 && Number(value) <= 65535;

export function parsePort(value: string, source: string): number {
  if (!isPortNumber(value)) {
    throw usageError(`${source} must be a port number from 1 to 65535, not '${value}'`, `pass e.g. ${source} 8080`);
  }
  return Number(value);
}

function parseSeconds(value: string, source: string): number {
  if (!/^\d+(\.\d+)?$/.test(value)) throw usageError(`${source} must be a number of seconds (0 or more), not '${value}'`);
  return Number(value);
}

export function parseLogLevel(value: string, source: string): LogLevel {
  const level = value.toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw usageError(`${source} must be one of ${LOG_LEVELS.join(', ')}, not '${value}'`);
  }
  return level as LogLevel;
}
