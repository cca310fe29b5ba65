// README "Ship your connector": what the recipe tests (package-recipe*.test.mjs) share. Each recipe is built as the recipe says, packaged by the
// built executable with nothing on PATH (no node, no npm), the build tree removed, the tarball
// unpacked under another root, then run as the DDN CLI runs it: the generated bash line under
// `bash -c` with the CLI's variables. /health answers, doctor passes, `cli` arguments arrive
// verbatim, SIGTERM frees the port.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ROOT, SEA, run, start, exited, tempDir, waitFor, freePort, portIsFree, shellWord } from './helpers.mjs';
import { packageWith, releaseFolder } from './package-helpers.mjs';

export const RECIPES = join(ROOT, 'test', 'fixtures', 'recipes');
export const haveGcc = (await run('sh', ['-c', 'command -v gcc'])).code === 0;
export const havePython = (await run('sh', ['-c', 'command -v python3'])).code === 0;
export const skip = !existsSync(SEA) ? 'dist/ndc-shim-linux-x64 is not built (npm run build -- --targets linux-x64)' : false;

/** Arguments the `cli` command must pass on byte for byte (what the DDN CLI appends, shell-quoted). */
export const CLI_ARGS = ['', ' ', 'a b', '"', "'", '$HOME', '`id`', 'é ü 日本 🚀', 'line1\nline2', '--help', '--manifest', '--', '-e'];

export function write(root, file, content, mode) {
  mkdirSync(join(root, file, '..'), { recursive: true });
  writeFileSync(join(root, file), content, mode ? { mode } : undefined);
}

/**
 * Packages `from` with `manifest`, removes the build tree, unpacks the linux-amd64 tarball under
 * another root and runs it through the generated lines; `readCliArgs` decodes what `cli` printed.
 */
export async function shipAndRun({ buildTree, from, manifest, name, context, readCliArgs }) {
  const out = tempDir();
  const packaged = await packageWith(['--manifest', manifest, '--from', from, '--shims', releaseFolder(), '--out', out, '--version', '1.0.0', '--base-uri', 'https://example.com/releases/v1.0.0']);
  assert.equal(packaged.code, 0, packaged.stderr);
  rmSync(buildTree, { recursive: true, force: true });
  const unpacked = join(tempDir(), 'elsewhere', 'connector');
  mkdirSync(unpacked, { recursive: true });
  const untar = await run('tar', ['xzf', join(out, `${name}-1.0.0-linux-amd64.tar.gz`), '-C', unpacked]);
  assert.equal(untar.code, 0, untar.stderr);
  assert.equal((await run('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: unpacked })).code, 0);
  const metadata = parseYaml(readFileSync(join(out, 'connector-metadata.yaml'), 'utf8')).nativeToolchainDefinition;
  assert.equal(metadata.packages[0].bin, 'ndc-shim');

  const port = await freePort();
  const { NODE_PATH: _nodePath, ...inherited } = process.env;
  const env = {
    ...inherited,
    HASURA_DDN_NATIVE_CONNECTOR_DIR: unpacked,
    HASURA_DDN_NATIVE_CONNECTOR_PLUGIN_DIR: unpacked,
    HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: context,
    HASURA_CONNECTOR_PORT: String(port),
    HASURA_PLUGIN_LOG_LEVEL: 'info',
  };
  const doctor = await run(join(unpacked, 'ndc-shim'), ['doctor'], { env, cwd: context, timeoutMs: 60000 });
  assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);

  const cliLine = `${metadata.commands.cliPluginEntrypoint.bash} ${CLI_ARGS.map(shellWord).join(' ')}`;
  const cli = await run('bash', ['-c', cliLine], { env, cwd: context, timeoutMs: 60000 });
  assert.equal(cli.code, 0, cli.stderr);
  assert.deepEqual(readCliArgs(cli.stdout), CLI_ARGS);

  const connector = start('bash', ['-c', metadata.commands.start.bash], { env, cwd: context });
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(3000) }).catch(() => ({ status: 0 }))).status === 200,
      60000, `/health on ${port} (stderr: ${connector.output.stderr})`);
    process.kill(connector.pid, 'SIGTERM');
    await exited(connector, 20000);
    await waitFor(() => portIsFree(port), 20000, `port ${port} to be free`);
  } finally {
    if (connector.exitCode === null && connector.signalCode === null) connector.kill('SIGKILL');
  }
}

