/** doctor, metadata and health: the commands that answer instead of launching. */
import * as http from 'node:http';
import { LAUNCH_COMMANDS, type CommandLine, type LaunchCommand } from '../cli';
import { ExitCode, ShimError, configError, describeError, oneLine } from '../errors';
import type { Logger } from '../logging';
import { DEFAULT_CONNECTOR_PORT, type LaunchContext } from '../plan';
import { commandsOnAnyPlatform, manifestForPlatform } from '../manifest';
import { metadataYaml } from '../metadata-yaml';
import { writeJson, writeOut } from '../output';
import { redact } from '../redaction';
import { connectorHost, executableProblem, startChecks, startCheckInput, type CheckResult } from '../checks';
import { resolveDirectories, resolveManifestPath } from '../resolution';
import type { Runtime } from '../runtime';
import { contextFor, loadManifestFor, planFor, resolutionInputFor } from './launch';

type ToolCommand = 'doctor' | 'metadata' | 'health';

export async function runToolCommand(commandLine: CommandLine & { command: ToolCommand }, runtime: Runtime, logger: Logger): Promise<number> {
  switch (commandLine.command) {
    case 'metadata': return printMetadata(commandLine, runtime);
    case 'health': return health(commandLine, runtime, logger);
    case 'doctor': return doctor(commandLine, runtime);
  }
}

// --- metadata ----------------------------------------------------------------------------------

// Kept here for callers of the metadata command's module; the block itself is a leaf (no cycle with packaging).
export { METADATA_KEYS, metadataYaml, shellLines } from '../metadata-yaml';

function printMetadata(commandLine: CommandLine, runtime: Runtime): number {
  const loaded = loadManifestFor(commandLine, runtime);
  if (!loaded) {
    const { file } = resolveManifestPath(resolutionInputFor(commandLine, runtime));
    throw configError(`no manifest found at ${file}`, 'metadata is written from a manifest: name it with --manifest');
  }
  const commands = commandsOnAnyPlatform(loaded.manifest);
  if (commandLine.checkFile !== undefined) {
    const { checkMetadata } = require('./metadata-check') as typeof import('./metadata-check');
    return checkMetadata(commandLine.checkFile, commands);
  }
  writeOut(metadataYaml(commands));
  return 0;
}

// --- health ------------------------------------------------------------------------------------

const HEALTH_POLL_MS = 200;
/** The whole of one attempt (connect, status line, headers), not only a silence: a server that trickles bytes forever must not hold health. */
const HEALTH_ATTEMPT_MS = 2000;

function healthTarget(commandLine: CommandLine, runtime: Runtime): { url: string } {
  const directories = resolveDirectories(resolutionInputFor(commandLine, runtime));
  const host = connectorHost(runtime.facts.family, process.env);
  // A wildcard listener answers on loopback.
  const target = !host || host === '::' || host === '0.0.0.0' ? '127.0.0.1' : host;
  const hostPart = target.includes(':') ? `[${target}]` : target;
  return { url: `http://${hostPart}:${directories.port ?? DEFAULT_CONNECTOR_PORT}/health` };
}

/**
 * One request, settled within `limitMs` whatever the server does. The status is all health
 * needs: the body is never awaited (it may stream forever) and the connection is closed at once
 * (no keep-alive agent either), so nothing is left to keep the shim running.
 */
function getStatus(url: string, limitMs: number): Promise<number | string> {
  return new Promise((resolve) => {
    const request = http.get(url, { agent: false }, (response) => {
      settle(response.statusCode ?? 0);
    });
    const timer = setTimeout(() => settle('timed out'), limitMs);
    function settle(status: number | string) {
      clearTimeout(timer);
      request.destroy();
      resolve(status);
    }
    request.on('error', (error: NodeJS.ErrnoException) => settle(error.code ?? error.message));
  });
}

async function health(commandLine: CommandLine, runtime: Runtime, logger: Logger): Promise<number> {
  const { url } = healthTarget(commandLine, runtime);
  // --wait bounds the total, except that the first attempt always has its whole time (without --wait, it is the only one).
  const deadline = Date.now() + (commandLine.waitSeconds ?? 0) * 1000;
  for (let first = true; ; first = false) {
    const status = await getStatus(url, first ? HEALTH_ATTEMPT_MS : Math.max(1, Math.min(HEALTH_ATTEMPT_MS, deadline - Date.now())));
    if (typeof status === 'number' && status >= 200 && status < 300) {
      writeOut(`healthy: ${url} answered ${status}\n`);
      return 0;
    }
    if (Date.now() + HEALTH_POLL_MS >= deadline) {
      const what = typeof status === 'number' ? `answered ${status}` : status === 'timed out' ? `timed out (no complete answer within ${HEALTH_ATTEMPT_MS / 1000}s)` : `is unreachable (${status})`;
      logger.error(`${url} ${what}${commandLine.waitSeconds ? ` after waiting ${commandLine.waitSeconds}s` : ''}; check that the connector is running on that port (--port / HASURA_CONNECTOR_PORT), or wait longer with --wait`);
      return ExitCode.failure;
    }
    await new Promise((resolve) => setTimeout(resolve, HEALTH_POLL_MS));
  }
}

// --- doctor ------------------------------------------------------------------------------------

function problemFrom(name: string, error: unknown): CheckResult {
  if (error instanceof ShimError) {
    return { name, ok: false, detail: error.message, fix: error.fix, exitCode: error.exitCode };
  }
  const { line, exitCode } = describeError(error);
  return { name, ok: false, detail: line, exitCode };
}

async function doctor(commandLine: CommandLine, runtime: Runtime): Promise<number> {
  const checks: CheckResult[] = [];
  const { file } = resolveManifestPath(resolutionInputFor(commandLine, runtime));
  let commands: LaunchCommand[] = [];
  const given = commandLine.extraArgs.length > 0;
  try {
    const loaded = loadManifestFor(commandLine, runtime);
    if (loaded) {
      checks.push({ name: 'manifest', ok: true, detail: loaded.file });
      commands = LAUNCH_COMMANDS.filter((name) => manifestForPlatform(loaded.manifest, runtime.facts.platform).commands[name]);
    } else {
      // Unnamed and absent is fine, as for start: `doctor -- EXECUTABLE ARGS` checks what `start -- ...` would run.
      checks.push(given
        ? { name: 'manifest', ok: true, detail: `none at ${file}: checking the command given after --` }
        : { name: 'manifest', ok: true, warning: true, detail: `none at ${file}, so start needs the connector after --`,
          fix: 'check it with `ndc-shim doctor -- ./my-connector serve`, or put ndc-shim.json beside the shim / name it with --manifest' });
    }
  } catch (error) {
    checks.push(problemFrom('manifest', error));
  }
  if (given && !commands.includes('start')) commands = ['start', ...commands];
  // The child's final environment (env files, `env`, `path`), as start builds it: every check below uses it.
  let context: Pick<LaunchContext, 'directories' | 'env' | 'missingPathEntries' | 'requires'>;
  try {
    context = contextFor(commandLine, runtime);
  } catch (error) {
    if (checks.every((check) => check.ok)) checks.push(problemFrom('environment', error));
    context = { directories: resolveDirectories(resolutionInputFor(commandLine, runtime)), env: process.env as Record<string, string>, missingPathEntries: [], requires: {} };
  }
  // `requires` checks the runtime the start command itself runs, as start does.
  let startExecutable: string | undefined;
  try {
    if (commands.includes('start')) startExecutable = planFor({ ...commandLine, command: 'start' }, runtime).executable;
  } catch {
    // Reported below, under "command start".
  }
  checks.push(...await startChecks(startCheckInput(context, context.directories.port ?? DEFAULT_CONNECTOR_PORT, runtime, startExecutable)));
  for (const command of commands) {
    try {
      // The words after -- belong to start, as in `start -- ...`.
      const plan = planFor({ ...commandLine, command, extraArgs: command === 'start' ? commandLine.extraArgs : [] }, runtime);
      const unrunnable = executableProblem(plan, runtime);
      if (unrunnable) throw unrunnable;
      checks.push({ name: `command ${command}`, ok: true, detail: plan.executable });
    } catch (error) {
      checks.push(problemFrom(`command ${command}`, error));
    }
  }
  const ok = checks.every((check) => check.ok);
  if (commandLine.json) {
    writeJson({ ok, checks: checks.map(({ exitCode: _exitCode, ...check }) => check) });
  } else {
    for (const check of checks) {
      const status = !check.ok ? 'problem ' : check.warning ? 'warning ' : 'ok      ';
      // One line per check: a path with a line break in it is shown escaped, as in error lines.
      writeOut(`${status} ${oneLine(redact(`${check.name}: ${check.detail}${!check.ok || check.warning ? (check.fix ? `; fix: ${check.fix}` : '') : ''}`))}\n`);
    }
    const warnings = checks.filter((check) => check.warning).length;
    const warned = warnings ? ` (${warnings} warning${warnings > 1 ? 's' : ''})` : '';
    writeOut(ok ? `all checks passed${warned}\n` : `${checks.filter((check) => !check.ok).length} problem(s) found${warned}\n`);
  }
  return ok ? 0 : ExitCode.failure;
}
