/**
 * POSIX exec: the shim replaces itself with the child. Same PID, so signals from the CLI, a shell
 * or a terminal reach the connector directly and its exit status is the parent's to see; nothing
 * of the shim stays resident.
 */
import { describeError, failure, launchFailure, type ShimError } from '../errors';
import type { Logger } from '../logging';
import { endByBrokenPipe, isBrokenPipe } from '../output';
import type { LaunchPlan } from '../plan';
import { restoreStdio } from '../stdio';

type Execve = (file: string, args: string[], env: Record<string, string>) => never;

/**
 * The runtime ignores these (SIG_IGN) and an ignored signal stays ignored across execve, so the
 * child would inherit it: `connector | head -1` would then see EPIPE instead of dying by SIGPIPE.
 * A caught signal is reset to the default by execve, so catching them here hands the child the
 * default disposition. (Every other signal the runtime already reset to the default at start-up.)
 */
const RUNTIME_IGNORED_SIGNALS: NodeJS.Signals[] = ['SIGPIPE', 'SIGXFSZ'];

/**
 * What every process.execve of the shim (the connector's, the PID 1 init's) must do first, so that
 * what runs next starts as if the shim had never been there: no runtime warning on its stderr, the
 * default disposition for the signals the runtime ignores, and fds 0-2 in the mode they came with.
 */
export function prepareForExec(): void {
  // process.execve emits an ExperimentalWarning through the default 'warning' listener, which
  // would print to the connector's stderr. The shim has no other use for warnings.
  process.removeAllListeners('warning');
  for (const signal of RUNTIME_IGNORED_SIGNALS) process.on(signal, caughtForExec);
  restoreStdio();
}

const caughtForExec = () => {};

/**
 * A failed exec cannot be thrown past (see replaceProcess): it ends the shim from where it is,
 * as main() would (a closed stderr: by SIGPIPE), and nothing may escape it.
 */
export const exitOnLaunchFailure = (logger: Logger) => (error: ShimError): never => {
  const { line, exitCode } = describeError(error);
  try {
    logger.error(line);
  } catch (failed) {
    if (isBrokenPipe(failed)) endByBrokenPipe();
  }
  process.exit(exitCode);
};

/** The exec failed: SIGPIPE is the shim's own again, so its error line into a closed pipe ends it as anywhere else. */
function undoPrepareForExec(): void {
  for (const signal of RUNTIME_IGNORED_SIGNALS) process.removeListener(signal, caughtForExec);
}

/**
 * Node 22 does not throw when execve fails: it prints a native stack trace and aborts (SIGABRT,
 * exit 134, a core file where core dumps are on). Before that it builds the error with
 * ErrnoException, which assigns `syscall` by an ordinary property set, after `code`. An accessor
 * on Error.prototype sees that assignment and ends the process there instead, through `fail`
 * (which must not return: a throw inside Node's C++ would abort as well). This is what keeps a
 * failure the pre-exec checks cannot see (ETXTBSY, a file replaced since, a security module's
 * refusal) to one line and a documented exit code. test/exec-failures.test.mjs pins it against
 * the embedded Node; a runtime that throws instead is handled by the catch.
 */
export function replaceProcess(file: string, args: string[], env: Record<string, string>, fail: (error: ShimError) => never): never {
  const execve = (process as unknown as { execve?: Execve }).execve;
  if (!execve) throw failure('this runtime cannot exec', 'run with --no-exec');
  const previous = Object.getOwnPropertyDescriptor(Error.prototype, 'syscall');
  Object.defineProperty(Error.prototype, 'syscall', {
    configurable: true,
    set(this: NodeJS.ErrnoException, value: unknown) {
      if (value === 'execve') {
        undoPrepareForExec();
        fail(launchFailure(file, this.code));
      }
      // Any other error made meanwhile keeps `syscall` as its own ordinary property.
      Object.defineProperty(this, 'syscall', { value, writable: true, enumerable: true, configurable: true });
    },
  });
  try {
    execve.call(process, file, args, env);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw launchFailure(file, code, message);
  } finally {
    if (previous) Object.defineProperty(Error.prototype, 'syscall', previous);
    else delete (Error.prototype as { syscall?: unknown }).syscall;
  }
  throw failure('process.execve returned');
}

export function execChild(plan: LaunchPlan, fail: (error: ShimError) => never): never {
  try {
    process.chdir(plan.cwd);
  } catch (error) {
    throw failure(`cannot enter the working directory ${plan.cwd}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      'check that the context directory exists and is readable');
  }
  prepareForExec();
  return replaceProcess(plan.executable, plan.argv, plan.env, fail);
}
