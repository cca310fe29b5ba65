/**
 * POSIX exec: the shim replaces itself with the child. Same PID, so signals from the CLI, a shell
 * or a terminal reach the connector directly and its exit status is the parent's to see; nothing
 * of the shim stays resident.
 */
import { ExitCode, ShimError, failure } from '../errors';
import type { LaunchPlan } from '../plan';

type Execve = (file: string, args: string[], env: Record<string, string>) => never;

export function execChild(plan: LaunchPlan): never {
  const execve = (process as unknown as { execve?: Execve }).execve;
  if (!execve) throw failure('this runtime cannot exec', 'run with --no-exec');
  try {
    process.chdir(plan.cwd);
  } catch (error) {
    throw failure(`cannot enter the working directory ${plan.cwd}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      'check that the context directory exists and is readable');
  }
  // process.execve emits an ExperimentalWarning through the default 'warning' listener, which
  // would print to the connector's stderr. The shim has no other use for warnings.
  process.removeAllListeners('warning');
  try {
    execve.call(process, plan.executable, plan.argv, plan.env);
  } catch (error) {
    // The executable was checked before this point; this is the race where it changed since.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ShimError(`executable not found: ${plan.executable}`, ExitCode.notFound, 'check the manifest');
    if (code === 'EACCES' || code === 'ENOEXEC' || code === 'EISDIR') {
      throw new ShimError(`cannot execute ${plan.executable}: ${code}`, ExitCode.notExecutable, 'check that it is an executable for this platform');
    }
    throw failure(`cannot execute ${plan.executable}: ${code ?? (error as Error).message}`);
  }
  throw failure('process.execve returned');
}
