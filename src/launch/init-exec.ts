/**
 * The init's child, as PID 1 (see init.ts): the init runs the shim again with this hidden first
 * argument, and that shim execs the connector in its place (same PID: the init's child is the
 * connector). The init itself would report a refused exec (ETXTBSY, a security module) its own
 * way, `[FATAL tini (9)] ... failed`, exit 1; here it is the same one line and exit code as in
 * exec and supervise modes. Kept apart from init.ts so that main loads only this on that path.
 */
import { createLogger } from '../logging';
import type { LogFormat, LogLevel } from '../cli';

export const INIT_CHILD_ARG = '--ndc-shim-init-child';

/** The arguments after INIT_CHILD_ARG: how to log, then the file and the connector's whole argv. */
export const initChildArgs = (format: LogFormat, level: LogLevel, file: string, argv: readonly string[]) => [INIT_CHILD_ARG, format, level, file, ...argv];

/** Execs the connector with this process's environment (the plan's, as the init received it); never returns. */
export function execInitChild(args: readonly string[]): never {
  const [format, level, file, ...argv] = args;
  const { exitOnLaunchFailure, prepareForExec, replaceProcess } = require('./exec') as typeof import('./exec');
  const fail = exitOnLaunchFailure(createLogger({ level: level as LogLevel, format: format as LogFormat, infoFd: 2 }));
  prepareForExec();
  return replaceProcess(file, argv, process.env as Record<string, string>, fail);
}
