/** start / update / upgrade / watch / cli: plan, check, then exec or supervise. */
import type { CommandLine, LaunchCommand } from '../cli';
import { ShimError } from '../errors';
import type { Logger } from '../logging';
import { loadManifest, type LoadedManifest } from '../manifest';
import { writeJson } from '../output';
import { planContext, planLaunch, type LaunchContext, type LaunchPlan, type PlanInput } from '../plan';
import { directoryChecks, executableProblem, launchChecks, missingPathEntry, startCheckInput, type CheckResult } from '../checks';
import { redactArgv, redactDeep, shownEnvironment } from '../redaction';
import { resolveDirectories, resolveManifestPath, type ResolutionInput } from '../resolution';
import { workingDirectory, type Runtime } from '../runtime';

/** What resolution needs from this process: its options, environment, platform, directory and location. */
export const resolutionInputFor = (commandLine: CommandLine, runtime: Runtime): ResolutionInput => ({
  options: commandLine.options, env: process.env, platform: runtime.facts, cwd: workingDirectory(), shimPath: runtime.shimPath,
});

export function loadManifestFor(commandLine: CommandLine, runtime: Runtime): LoadedManifest | undefined {
  const { file, required } = resolveManifestPath(resolutionInputFor(commandLine, runtime));
  return loadManifest(file, required);
}

const planInputFor = <C extends CommandLine>(commandLine: C, runtime: Runtime, manifest = loadManifestFor(commandLine, runtime)) => ({
  commandLine,
  env: process.env,
  platform: runtime.facts,
  cwd: workingDirectory(),
  shimPath: runtime.shimPath,
  manifest,
  fs: runtime.fs,
  readEnvFile: runtime.readEnvFile,
} satisfies Omit<PlanInput, 'commandLine'> & { commandLine: C });

export function planFor(commandLine: CommandLine & { command: LaunchCommand }, runtime: Runtime, manifest?: LoadedManifest): LaunchPlan {
  return planLaunch(planInputFor(commandLine, runtime, manifest ?? loadManifestFor(commandLine, runtime)));
}

/** The directories and the child's final environment, without a command: what doctor checks with. */
export function contextFor(commandLine: CommandLine, runtime: Runtime): LaunchContext {
  return planContext(planInputFor(commandLine, runtime));
}

/**
 * The plan as --dry-run and the debug log print it: what runs, where, and what the environment
 * gains (values hidden but for the allow-list, see redaction.ts) or loses; every string redacted.
 */
export function describePlan(plan: LaunchPlan) {
  return redactDeep({
    command: plan.command,
    mode: plan.mode,
    modeReason: plan.modeReason,
    executable: plan.executable,
    argv: redactArgv(plan.argv),
    cwd: plan.cwd,
    env: { set: shownEnvironment(plan.envChanges.set), removed: plan.envChanges.removed },
    killAfterSeconds: plan.mode === 'supervise' ? plan.killAfterSeconds : undefined,
    port: plan.port,
    manifest: plan.manifestFile ?? null,
    directories: plan.directories,
    // Checked by start, not here: a dry run runs nothing.
    requires: Object.keys(plan.requires).length ? plan.requires : undefined,
    missingPathEntries: plan.missingPathEntries.length ? plan.missingPathEntries : undefined,
    skippedOptionalPathEntries: plan.skippedOptionalPathEntries.length ? plan.skippedOptionalPathEntries : undefined,
  });
}

function warnAbout(checks: CheckResult[], logger: Logger) {
  for (const check of checks) if (check.warning) logger.warn(`${check.name}: ${check.detail}${check.fix ? `; ${check.fix}` : ''}`);
}

const stopAtFirstProblem = (checks: CheckResult[]) => {
  const failed = checks.find((check) => !check.ok);
  if (failed) throw new ShimError(failed.detail, failed.exitCode!, failed.fix);
};

export async function runLaunchCommand(commandLine: CommandLine & { command: LaunchCommand }, runtime: Runtime, logger: Logger): Promise<void> {
  // Bytes the runtime cannot pass on intact are refused before anything else (POSIX: Linux /proc).
  if (runtime.facts.family === 'posix') (require('../received') as typeof import('../received')).checkReceivedBytes(runtime.args.length);
  const manifest = loadManifestFor(commandLine, runtime);
  // start checks in the order a user fixes things: the manifest (above), the directories, the
  // executable (planning finds it), then the host and port, `path` entries and runtimes.
  const checked = commandLine.command === 'start' && !commandLine.options.dryRun;
  if (checked) stopAtFirstProblem(directoryChecks(resolveDirectories(resolutionInputFor(commandLine, runtime))));
  const plan = planFor(commandLine, runtime, manifest);
  if (commandLine.options.dryRun) {
    writeJson(describePlan(plan));
    return;
  }
  if (checked) {
    const checks = await launchChecks(startCheckInput(plan, plan.port!, runtime, plan.executable));
    stopAtFirstProblem(checks);
    warnAbout(checks, logger);
  } else {
    stopAtFirstProblem(plan.missingPathEntries.map(missingPathEntry));
  }
  for (const dir of plan.skippedOptionalPathEntries) logger.debug(`path: optional entry ${dir} is not there, left off PATH`);
  // Both modes refuse what the kernel would refuse, alike, before exec can abort on it (see there).
  const unrunnable = executableProblem(plan, runtime);
  if (unrunnable) throw unrunnable;
  if (logger.isEnabled('debug')) {
    logger.debug(`${plan.mode}: ${plan.modeReason}`);
    logger.debug(`plan: ${JSON.stringify(describePlan(plan))}`);
  }
  const { exitOnLaunchFailure } = require('../launch/exec') as typeof import('../launch/exec');
  const fail = exitOnLaunchFailure(logger);
  if (plan.mode === 'exec') {
    // Loaded per path, so that each launch pays only for the code it runs.
    const { execChild } = require('../launch/exec') as typeof import('../launch/exec');
    execChild(plan, fail);
  }
  const { superviseChild } = require('../launch/supervise') as typeof import('../launch/supervise');
  await superviseChild(plan, {
    facts: runtime.facts, logger, selfCommand: runtime.selfCommand, shimArgs: runtime.args, killAfterGiven: plan.killAfterSource !== 'default', fail,
  });
}
