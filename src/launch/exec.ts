/**
 * POSIX exec: the shim replaces itself with the child. Same PID, so signals from the CLI, a shell
 * or a terminal reach the connector directly and its exit status is the parent's to see; nothing
 * of the shim stays resident.
 */
import { failure, launchFailure } from '../errors';
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
  for (const signal of RUNTIME_IGNORED_SIGNALS) process.on(signal, () => {});
  restoreStdio();
}

export function execChild(plan: LaunchPlan): never {
  const execve = (process as unknown as { execve?: Execve }).execve;
  if (!execve) throw failure('this runtime cannot exec', 'run with --no-exec');
  try {
    process.chdir(plan.cwd);
  } catch (error) {
    throw failure(`cannot enter the working directory ${plan.cwd}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      'check that the context directory exists and is readable');
  }
  prepareForExec();
  try {
    execve.call(process, plan.executable, plan.argv, plan.env);
  } catch (error) {
    // Node 22 aborts when execve fails rather than throwing (the executable check exists for that);
    // a runtime that throws instead gets the same line and exit code as spawn.
    const { code, message } = error as NodeJS.ErrnoException;
    throw launchFailure(plan.executable, code, message);
  }
  throw failure('process.execve returned');
}
