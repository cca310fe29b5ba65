/** What `start` checks before launching (and `doctor` reports): each failure one line with its fix. */
import * as fs from 'node:fs';
import { ExitCode } from './errors';
import type { Directories } from './resolution';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
  exitCode?: number;
}

const isDirectory = (dir: string) => {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
};

export function checkConnectorDir(directories: Directories): CheckResult {
  const dir = directories.connectorDir;
  return isDirectory(dir)
    ? { name: 'connector directory', ok: true, detail: dir }
    : { name: 'connector directory', ok: false, detail: `connector directory does not exist: ${dir}`,
      fix: 'set HASURA_DDN_NATIVE_CONNECTOR_DIR or --connector-dir to the directory holding the connector', exitCode: ExitCode.failure };
}

export function checkConfigurationDir(directories: Directories): CheckResult {
  const dir = directories.configurationDir;
  if (dir === undefined) {
    return { name: 'configuration directory', ok: true, detail: 'not set: the connector uses its own default' };
  }
  return isDirectory(dir)
    ? { name: 'configuration directory', ok: true, detail: dir }
    : { name: 'configuration directory', ok: false, detail: `configuration directory does not exist: ${dir}`,
      fix: 'create it, or point --configuration / --context / HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH at the connector\'s configuration', exitCode: ExitCode.failure };
}

/**
 * Whether something listens on `port`: binds it on the connector's host (HASURA_CONNECTOR_HOST,
 * default `::`, which covers IPv4 too) and releases it at once. (Reading /proc/net/tcp instead
 * costs the kernel more: it walks its socket hash tables, about 6 ms a file.)
 */
/** Everything `start` checks before launching, in order (and `doctor` reports). */
export async function startChecks(directories: Directories, port: number, host: string | undefined): Promise<CheckResult[]> {
  return [checkConnectorDir(directories), checkConfigurationDir(directories), await checkPortFree(port, host)];
}

export async function checkPortFree(port: number, host: string | undefined): Promise<CheckResult> {
  const error = await bindProbe(port, host);
  const name = 'port';
  if (!error) return { name, ok: true, detail: `${port} is free` };
  if (error === 'EADDRINUSE') {
    return { name, ok: false, detail: `port ${port} is already in use: something else holds it`,
      fix: 'stop that process, or give this connector another port with --port or HASURA_CONNECTOR_PORT', exitCode: ExitCode.failure };
  }
  return { name, ok: false, detail: `cannot listen on port ${port}: ${error}`,
    fix: error === 'EACCES' ? 'use a port above 1023 or run with the needed privileges' : 'check HASURA_CONNECTOR_HOST and --port', exitCode: ExitCode.failure };
}

function bindProbe(port: number, host: string | undefined): Promise<string | undefined> {
  const net = require('node:net') as typeof import('node:net');
  const attempt = (bindHost: string | undefined) => new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error));
    // Without a host Node binds `::` (dual-stack, IPv4 too), else 0.0.0.0: the connector's default.
    // Giving the host as text costs a DNS-resolver start-up (about 10 ms), so it is left out then.
    server.listen(bindHost === undefined ? { port, exclusive: true } : { port, host: bindHost, exclusive: true },
      () => server.close(() => resolve(undefined)));
  });
  return attempt(host).then((error) => (error ? error.code ?? error.message : undefined));
}
