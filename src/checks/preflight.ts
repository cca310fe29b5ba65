/** What `start` checks before launching (and `doctor` reports): each failure one line with its fix. */
import * as fs from 'node:fs';
import { ExitCode, ShimError, configError, describeErrno, openFilesLimitError } from '../errors';
import { danglingLinkTarget } from '../links';
import { readEnv, type OsFamily } from '../platform';
import type { Directories } from '../resolution';
import type { Requirements } from '../versions';
import type { CheckResult } from './result';
import { checkRuntimes, type RuntimeLookup } from './runtimes';

/**
 * Why `dir` cannot serve as a directory, in words ("does not exist", "is a file, not a directory",
 * "cannot be reached: EACCES (permission denied)"), or undefined when it can. `enter`: it must be
 * searchable too (start makes it the connector's working directory).
 */
export function directoryProblem(dir: string, enter = false): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
    if (code === 'ENOENT') {
      const target = danglingLinkTarget(dir);
      return target === undefined ? 'does not exist' : `is a symbolic link to ${target}, which does not exist`;
    }
    if (code === 'ENOTDIR') return 'does not exist (a part of its path is a file)';
    return `cannot be reached: ${describeErrno(code)}`;
  }
  if (stat.isFile()) return 'is a file, not a directory';
  if (!stat.isDirectory()) return 'is not a directory';
  if (enter) {
    try {
      fs.accessSync(dir, fs.constants.X_OK);
    } catch (error) {
      return `cannot be entered: ${describeErrno((error as NodeJS.ErrnoException).code ?? 'unknown')}`;
    }
  }
  return undefined;
}

/** "context directory does not exist: DIR", "configuration directory is a file, not a directory: DIR". */
function directoryCheck(name: string, dir: string, fix: string, enter = false): CheckResult {
  const problem = directoryProblem(dir, enter);
  return problem === undefined
    ? { name, ok: true, detail: dir }
    : { name, ok: false, detail: `${name} ${problem}: ${dir}`, fix: problem.startsWith('cannot be') ? 'give the user the connector runs as access to it (chmod, chown), or choose another directory' : fix, exitCode: ExitCode.failure };
}

export function checkConnectorDir(directories: Directories): CheckResult {
  return directoryCheck('connector directory', directories.connectorDir, 'set HASURA_DDN_NATIVE_CONNECTOR_DIR or --connector-dir to the directory holding the connector');
}

export function checkConfigurationDir(directories: Directories): CheckResult {
  const dir = directories.configurationDir;
  if (dir === undefined) {
    return { name: 'configuration directory', ok: true, detail: 'not set: the connector uses its own default' };
  }
  return directoryCheck('configuration directory', dir,
    'create it, or point --configuration / --context / HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH at the connector\'s configuration (a directory)');
}

/**
 * The working directory of `start`, when a context is given: it must exist and be enterable. When it
 * is the configuration directory too, only what the configuration check does not see is reported.
 */
export function checkContextDir(directories: Directories): CheckResult | undefined {
  const dir = directories.contextDir;
  if (dir === undefined) return undefined;
  const check = directoryCheck('context directory', dir,
    'create it, or point --context / HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH at the project\'s connector directory', true);
  if (dir === directories.configurationDir && (check.ok || directoryProblem(dir) !== undefined)) return undefined;
  return check;
}

/** The directories `start` needs, checked before the executable is looked for (it may live in one of them). */
export function directoryChecks(directories: Directories): CheckResult[] {
  return [checkConnectorDir(directories), checkContextDir(directories), checkConfigurationDir(directories)]
    .filter((check): check is CheckResult => check !== undefined);
}

export interface StartCheckInput {
  directories: Directories;
  port: number;
  /** The manifest's required `path` entries that do not exist. */
  missingPathEntries: string[];
  requires: Requirements;
  /** The child's final environment (HASURA_CONNECTOR_HOST, the runtimes) and the lookup the launch uses. */
  runtimeLookup: RuntimeLookup;
}

/**
 * What `start` checks once the executable is found: host and port, required `path` entries, runtimes.
 * Runtimes cost a process each, so they are looked at only when `requires` lists them.
 */
export async function launchChecks(input: StartCheckInput): Promise<CheckResult[]> {
  return [
    await checkHostAndPort(input.port, input.runtimeLookup.env, input.runtimeLookup.platform.family),
    ...input.missingPathEntries.map(missingPathEntry),
    ...(Object.keys(input.requires).length > 0 ? checkRuntimes(input.requires, input.runtimeLookup) : []),
  ];
}

/**
 * Everything `start` checks before launching, in order; `doctor` reports the same list, so that
 * whenever doctor passes, start gets past its checks.
 */
export async function startChecks(input: StartCheckInput): Promise<CheckResult[]> {
  return [...directoryChecks(input.directories), ...await launchChecks(input)];
}

async function checkHostAndPort(port: number, env: Record<string, string | undefined>, family: OsFamily): Promise<CheckResult> {
  let host: string | undefined;
  try {
    host = connectorHost(family, env);
  } catch (error) {
    if (!(error instanceof ShimError)) throw error;
    const { message, fix, exitCode } = error;
    return { name: 'connector host', ok: false, detail: message, fix, exitCode };
  }
  return checkPortFree(port, host);
}

/**
 * HASURA_CONNECTOR_HOST as the connector will listen on it: an IP address or a host name, nothing
 * else (a URL, a port or brackets would make the connector fail as well). Unset means all addresses.
 */
export function connectorHost(family: OsFamily, env: Record<string, string | undefined>): string | undefined {
  const host = readEnv(family, env, 'HASURA_CONNECTOR_HOST');
  if (host === undefined) return undefined;
  const ipv4 = /^\d{1,3}(\.\d{1,3}){3}$/;
  const ipv6 = /^(?=[^:]*:[^:]*:)[0-9A-Fa-f:.]+(%[\w.-]+)?$/; // at least two colons: `host:port` is not one
  const hostName = /^(?=.{1,253}\.?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
  if (ipv4.test(host) || ipv6.test(host) || hostName.test(host)) return host;
  throw configError(`HASURA_CONNECTOR_HOST is '${host}', which is not an IP address or a host name`,
    'set it to the address the connector listens on, without scheme or port (e.g. 0.0.0.0, ::, 127.0.0.1), or unset it');
}

/**
 * A required `path` entry that does not exist: a problem (exit 1), since the command would
 * otherwise run with whatever PATH finds instead (a system python3 instead of the venv's).
 */
export const missingPathEntry = (dir: string): CheckResult => ({
  name: 'path', ok: false, exitCode: ExitCode.failure, detail: `the manifest's path entry ${dir} ${whyNotADirectory(dir)}`,
  fix: /node_modules[\\/]\.bin$/.test(dir) ? 'install the connector\'s dependencies (npm ci in its directory)'
    // The shim expands neither $NAME nor ~ (a shell would): they stay literal text.
    : /\$|(^|[\\/])~([\\/]|$)/.test(dir) ? 'the shim does not expand $NAME or ~: write {env:NAME} (or {env:NAME:-default}) in the manifest'
      : 'create it, or mark it optional in the manifest\'s "path": {"dir": "...", "optional": true}',
});

/** "does not exist", or what is there instead: a link to a missing target (named), or a file. */
function whyNotADirectory(dir: string): string {
  try {
    if (!fs.lstatSync(dir).isSymbolicLink()) return 'is not a directory';
    const target = fs.readlinkSync(dir);
    return fs.existsSync(dir) ? `is a link to ${target}, which is not a directory` : `is a link to ${target}, which does not exist`;
  } catch {
    return 'does not exist';
  }
}

export async function checkPortFree(port: number, host: string | undefined): Promise<CheckResult> {
  // Another shim starting at the same moment holds a free port for its own probe (bind, listen,
  // close: microseconds, or milliseconds through net), and the two probes meet: EADDRINUSE for a
  // port no one holds. A real holder keeps it, so "in use" is said only after it was seen busy
  // at every one of a few retries, each after a random pause (so that colliding probes part).
  const PROBE_RETRIES = 8;
  let error = await bindProbe(port, host);
  for (let retry = 0; error === 'EADDRINUSE' && retry < PROBE_RETRIES; retry++) {
    await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 45));
    error = await bindProbe(port, host);
  }
  const name = 'port';
  if (!error) return { name, ok: true, detail: `${port} is free` };
  const limited = openFilesLimitError(error);
  if (limited) return { name, ok: false, detail: limited.message, fix: limited.fix, exitCode: limited.exitCode };
  if (error === 'EADDRINUSE') {
    return { name, ok: false, detail: `port ${port} is already in use: something else holds it`,
      fix: 'stop that process, or give this connector another port with --port or HASURA_CONNECTOR_PORT', exitCode: ExitCode.failure };
  }
  return { name, ok: false, detail: `cannot listen on port ${port}: ${error}`,
    fix: error === 'EACCES' ? 'use a port above 1023 or run with the needed privileges' : 'check HASURA_CONNECTOR_HOST and --port', exitCode: ExitCode.failure };
}

/**
 * Whether the connector could listen on `port`: binds it the way Node's server does (HASURA_CONNECTOR_HOST,
 * default `::`, which covers IPv4 too, SO_REUSEADDR as libuv sets it) and releases it at once.
 * Returns the error code, or undefined when the port is free.
 */
export function bindProbe(port: number, host: string | undefined): Promise<string | undefined> {
  const direct = directBindProbe(port, host);
  return direct === unavailable ? netBindProbe(port, host) : Promise.resolve(direct);
}

const unavailable = Symbol('unavailable');

interface TcpWrapBinding {
  TCP: new (type: number) => { bind(address: string, port: number): number; bind6(address: string, port: number, flags: number): number; listen(backlog: number): number; close(): void };
  constants: { SERVER: number };
}

/**
 * The same bind + listen through the TCP handle `net` itself uses, synchronously. Loading `net`
 * and listening costs about 10 ms (net loads the stream stack, and listen() loads cluster and
 * child_process), a third of Node's whole start-up; this costs about 1 ms. The handle's interface
 * is Node's own, so it is used only when it has the expected shape (Node 22, which every
 * executable embeds, is tested) and `net` does the work otherwise, as for a host given by name.
 */
export function directBindProbe(port: number, host: string | undefined): string | undefined | typeof unavailable {
  const isV4 = host !== undefined && /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
  const isV6 = host === undefined || host.includes(':');
  if (!isV4 && !isV6) return unavailable;
  let binding: TcpWrapBinding;
  try {
    binding = (process as unknown as { binding(name: string): TcpWrapBinding }).binding('tcp_wrap');
    if (typeof binding.TCP !== 'function' || typeof binding.constants?.SERVER !== 'number') return unavailable;
  } catch {
    return unavailable;
  }
  // One handle per attempt, as net does: a handle whose bind failed keeps that socket's address family.
  const attempt = (bind: (handle: InstanceType<TcpWrapBinding['TCP']>) => number) => {
    const handle = new binding.TCP(binding.constants.SERVER);
    try {
      const bound = bind(handle);
      return bound !== 0 ? { bound } : { listened: handle.listen(511) };
    } finally {
      handle.close();
    }
  };
  let result = isV4 ? attempt((handle) => handle.bind(host!, port)) : attempt((handle) => handle.bind6(host ?? '::', port, 0));
  // Like net: with no host, where `::` cannot be bound (no IPv6) it binds 0.0.0.0. (A port in use
  // shows at listen(): libuv reports EADDRINUSE there, so it gets no second attempt, in net neither.)
  if (result.bound !== undefined && host === undefined) result = attempt((handle) => handle.bind('0.0.0.0', port));
  const status = result.bound ?? result.listened;
  return status === 0 ? undefined : (require('node:util') as typeof import('node:util')).getSystemErrorName(status);
}

export function netBindProbe(port: number, host: string | undefined): Promise<string | undefined> {
  const net = require('node:net') as typeof import('node:net');
  return new Promise<string | undefined>((resolve) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    // Without a host Node binds `::` (dual-stack, IPv4 too), else 0.0.0.0: the connector's default.
    // Giving the host as text costs a DNS-resolver start-up (about 10 ms), so it is left out then.
    server.listen(host === undefined ? { port, exclusive: true } : { port, host, exclusive: true },
      () => server.close(() => resolve(undefined)));
  });
}
