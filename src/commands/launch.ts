/** start / update / upgrade / watch / cli: plan, check, then exec or supervise. */
import type { CommandLine, LaunchCommand } from '../cli';
import { ShimError } from '../errors';
import type { Logger } from '../logging';
import { loadManifest, type LoadedManifest } from '../manifest';
import { writeOut } from '../output';
import { DEFAULT_CONNECTOR_PORT, planLaunch, type LaunchPlan } from '../plan';
import { connectorHost, directoryChecks, checkPortFree, type CheckResult } from '../preflight';
import { redactArgv, redactEnvironment } from '../redaction';
import { resolveDirectories, resolveManifestPath, type ResolutionInput } from '../resolution';
import type { Runtime } from '../runtime';

/** What resolution needs from this process: its options, environment, platform, directory and location. */
export const resolutionInputFor = (commandLine: CommandLine, runtime: Runtime): ResolutionInput => ({
  options: commandLine.options, env: process.env, platform: runtime.facts, cwd: process.cwd(), shimPath: runtime.shimPath,
});

export function loadManifestFor(commandLine: CommandLine, runtime: Runtime): LoadedManifest | undefined {
  const { file, required } = resolveManifestPath(resolutionInputFor(commandLine, runtime));
  return loadManifest(file, required);
}

export function planFor(commandLine: CommandLine & { command: LaunchCommand }, runtime: Runtime,
  manifest = loadManifestFor(commandLine, runtime)): LaunchPlan {
  return planLaunch({
    commandLine,
    env: process.env,
    platform: runtime.facts,
    cwd: process.cwd(),
    shimPath: runtime.shimPath,
    manifest,
    fs: runtime.fs,
    readEnvFile: runtime.readEnvFile,
  });
}

/** The plan as --dry-run prints it: what runs, where, and what the environment gains or loses. */
export function describePlan(plan: LaunchPlan) {
  return {
    command: plan.command,
    mode: plan.mode,
    modeReason: plan.modeReason,
    executable: plan.executable,
    argv: redactArgv(plan.argv),
    cwd: plan.cwd,
    env: { set: redactEnvironment(plan.envChanges.set), removed: plan.envChanges.removed },
    killAfterSeconds: plan.mode === 'supervise' ? plan.killAfterSeconds : undefined,
    port: plan.port,
    manifest: plan.manifestFile ?? null,
    directories: plan.directories,
  };
}

const stopAtFirstProblem = (checks: CheckResult[]) => {
  const failed = checks.find((check) => !check.ok);
  if (failed) throw new ShimError(failed.detail, failed.exitCode!, failed.fix);
};

export async function runLaunchCommand(commandLine: CommandLine & { command: LaunchCommand }, runtime: Runtime, logger: Logger): Promise<void> {
  const manifest = loadManifestFor(commandLine, runtime);
  // start checks in the order a user fixes things: the manifest (above), the directories, the
  // executable (planning finds it), then the host and port.
  const checked = commandLine.command === 'start' && !commandLine.options.dryRun;
  if (checked) stopAtFirstProblem(directoryChecks(resolveDirectories(resolutionInputFor(commandLine, runtime))));
  const plan = planFor(commandLine, runtime, manifest);
  if (commandLine.options.dryRun) {
    writeOut(`${JSON.stringify(describePlan(plan), null, 2)}\n`);
    return;
  }
  if (checked) stopAtFirstProblem([await checkPortFree(plan.port ?? DEFAULT_CONNECTOR_PORT, connectorHost(runtime.facts.family, plan.env))]);
  if (logger.isEnabled('debug')) {
    logger.debug(`${plan.mode}: ${plan.modeReason}`);
    logger.debug(`plan: ${JSON.stringify(describePlan(plan))}`);
  }
  if (plan.mode === 'exec') {
    // Loaded per path, so that each launch pays only for the code it runs.
    const { execChild } = require('../launch/exec') as typeof import('../launch/exec');
    execChild(plan);
  }
  const { superviseChild } = require('../launch/supervise') as typeof import('../launch/supervise');
  await superviseChild(plan, { facts: runtime.facts, logger, selfCommand: runtime.selfCommand });
}
