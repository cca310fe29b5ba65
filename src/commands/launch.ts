/** start / update / upgrade / watch / cli: plan, check, then exec or supervise. */
import type { CommandLine, LaunchCommand } from '../cli';
import { ShimError } from '../errors';
import { redactEnvironment, redactUriCredentials } from '../environment';
import type { Logger } from '../logging';
import { loadManifest, type LoadedManifest } from '../manifest';
import { planLaunch, type LaunchPlan } from '../plan';
import { readEnv } from '../platform';
import { startChecks } from '../preflight';
import { resolveManifestPath, type ResolutionInput } from '../resolution';
import type { Runtime } from '../runtime';

/** What resolution needs from this process: its options, environment, platform, directory and location. */
export const resolutionInputFor = (commandLine: CommandLine, runtime: Runtime): ResolutionInput => ({
  options: commandLine.options, env: process.env, platform: runtime.facts, cwd: process.cwd(), shimPath: runtime.shimPath,
});

export function loadManifestFor(commandLine: CommandLine, runtime: Runtime): LoadedManifest | undefined {
  const { file, required } = resolveManifestPath(resolutionInputFor(commandLine, runtime));
  return loadManifest(file, required);
}

export function planFor(commandLine: CommandLine & { command: LaunchCommand }, runtime: Runtime): LaunchPlan {
  return planLaunch({
    commandLine,
    env: process.env,
    platform: runtime.facts,
    cwd: process.cwd(),
    shimPath: runtime.shimPath,
    manifest: loadManifestFor(commandLine, runtime),
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
    argv: plan.argv.map(redactUriCredentials),
    cwd: plan.cwd,
    env: { set: redactEnvironment(plan.envChanges.set), removed: plan.envChanges.removed },
    killAfterSeconds: plan.mode === 'supervise' ? plan.killAfterSeconds : undefined,
    port: plan.port,
    manifest: plan.manifestFile ?? null,
    directories: plan.directories,
  };
}

export async function runLaunchCommand(commandLine: CommandLine & { command: LaunchCommand }, runtime: Runtime, logger: Logger): Promise<void> {
  const plan = planFor(commandLine, runtime);
  if (commandLine.options.dryRun) {
    process.stdout.write(`${JSON.stringify(describePlan(plan), null, 2)}\n`);
    return;
  }
  if (plan.command === 'start') {
    const failed = (await startChecks(plan.directories, plan.port!, readEnv(runtime.facts.family, plan.env, 'HASURA_CONNECTOR_HOST')))
      .find((check) => !check.ok);
    if (failed) throw new ShimError(failed.detail, failed.exitCode!, failed.fix);
  }
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
  await superviseChild(plan, {
    facts: runtime.facts, logger, selfCommand: runtime.selfCommand, shimArgs: runtime.args, killAfterGiven: commandLine.options.killAfter !== undefined,
  });
}
