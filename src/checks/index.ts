/**
 * Would this start fail? The one place that answers it, for `start` (which stops at the first
 * problem) and `doctor` (which reports them all): the directories, host and port, `path` entries,
 * runtimes (src/checks/preflight.ts, runtimes.ts) and whether the kernel would run the executable
 * (src/launch/executable-check.ts). Below it: the manifest, the resolution and the plan's leaves;
 * nothing below imports it back (test/import-cycles.test.mjs).
 */
import type { Runtime } from '../runtime';
import { ExitCode, ShimError } from '../errors';
import { foreignVirtualenv } from '../links';
import { pathFor } from '../platform';
import type { Directories } from '../resolution';
import type { Requirements } from '../versions';
import type { StartCheckInput } from './preflight';
import { readVersionBySpawning } from './runtimes';

export { connectorHost, directoryChecks, launchChecks, missingPathEntry, startChecks, type StartCheckInput } from './preflight';
export type { CheckResult } from './result';

/** What the checks need of a plan or of doctor's context: the directories and the child's final environment. */
export interface CheckedContext {
  directories: Directories;
  env: Record<string, string>;
  missingPathEntries: string[];
  requires: Requirements;
}

/**
 * The checks `start` makes before launching, with the child's own environment; doctor reports the
 * same. `runs`: the start command's executable, whose own runtime `requires` checks (see interpreter.ts).
 */
export function startCheckInput(context: CheckedContext, port: number, runtime: Runtime, runs?: string): StartCheckInput {
  return {
    directories: context.directories,
    port,
    missingPathEntries: context.missingPathEntries,
    requires: context.requires,
    runtimeLookup: { env: context.env, platform: runtime.facts, fs: runtime.fs, readVersion: readVersionBySpawning, runs },
  };
}

/** What is about to run: the plan's executable, arguments, environment and working directory. */
export interface LaunchTarget {
  executable: string;
  argv: readonly string[];
  env: Readonly<Record<string, string>>;
  cwd: string;
}

/** Why the kernel would refuse to run the plan's executable (see launch/executable-check.ts), or undefined; start and doctor alike. */
export function executableProblem(target: LaunchTarget, runtime: Runtime): ShimError | undefined {
  // Loaded when asked: the check reads files, and a dry run never needs it.
  const { checkExecutable, realExecutableView } = require('../launch/executable-check') as typeof import('../launch/executable-check');
  const refused = checkExecutable({ executable: target.executable, argv: target.argv, env: target.env, cwd: target.cwd,
    facts: runtime.facts, arch: process.arch, fs: realExecutableView });
  if (refused) return refused;
  // It would start, but a virtualenv's python finds neither its standard library nor its packages
  // where the virtualenv was made: named here rather than as the connector's ImportError.
  const venv = foreignVirtualenv(target.executable, runtime.fs, pathFor(runtime.facts.family));
  return venv && new ShimError(`cannot run ${target.executable}: ${venv.reason}`, ExitCode.notExecutable, venv.fix);
}
