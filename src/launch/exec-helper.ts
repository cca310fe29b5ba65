/**
 * The exec helper (POSIX supervise mode, where the runtime has execve). A direct spawn goes through
 * libc's execvp, which hands a file the kernel refused with ENOEXEC to /bin/sh as a script (a 32-bit
 * ELF on a kernel without 32-bit support, a malformed ELF the pre-exec check accepts: binary
 * garbage on stderr, exit 2 or 127). So the supervisor spawns the shim itself with EXEC_HELPER_ARG,
 * and the helper replaces itself with the connector by a plain execve, exactly as exec mode does:
 * a refusal is one line and 126, in both modes. The child's PID (and start time) is the helper's,
 * so the supervisor and the lifeline watch the connector from the spawn on.
 *
 * The request comes on fd 3, never in argv (which `ps` shows) or in the helper's environment (which
 * is empty: nothing meant for the connector, NODE_OPTIONS or NODE_DEBUG, affects its runtime).
 * The helper closes fd 3 just before the execve: the supervisor sees its end close and knows that
 * from then on a signal reaches the connector, not the helper.
 */
import * as fs from 'node:fs';
import type { LogFormat, LogLevel } from '../cli';
import { ExitCode } from '../errors';
import { createLogger } from '../logging';
import { writeErrorLine } from '../output';
import { exitOnLaunchFailure, prepareForExec, replaceProcess } from './exec';

export const EXEC_HELPER_ARG = '--ndc-shim-exec-helper';
/** The helper's fd that carries the request (stdin, stdout and stderr are the connector's). */
export const EXEC_HELPER_FD = 3;

export interface ExecRequest {
  file: string;
  /** argv[0] included. */
  argv: string[];
  env: Record<string, string>;
  logLevel: LogLevel;
  logFormat: LogFormat;
}

export function runExecHelper(): never {
  let request: ExecRequest;
  try {
    request = JSON.parse(fs.readFileSync(EXEC_HELPER_FD, 'utf8')) as ExecRequest;
  } catch (error) {
    writeErrorLine(`ERROR (ndc-shim): ${EXEC_HELPER_ARG} is internal to the shim's supervisor (${(error as Error).message}); run \`ndc-shim --help\` for the command line`);
    process.exit(ExitCode.usage);
  }
  const fail = exitOnLaunchFailure(createLogger({ level: request.logLevel, format: request.logFormat, infoFd: 2 }));
  fs.closeSync(EXEC_HELPER_FD);
  prepareForExec();
  return replaceProcess(request.file, request.argv, request.env, fail);
}
