// npm run package: one tarball per platform (connector files, shim, manifest, SHA256SUMS) and the
// connector-metadata.yaml fragment; a connector unpacked from it starts through the shim.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ROOT, run, start, exited, tempDir, waitFor, freePort } from './helpers.mjs';

const EXAMPLE = join(ROOT, 'examples', 'connector');

test('package the example connector, unpack the linux-x64 tarball, verify it and start the connector from it', async () => {
  const out = tempDir();
  const packaged = await run(process.execPath, [join(ROOT, 'scripts', 'package.mjs'), '--manifest', join(EXAMPLE, 'ndc-shim.json'), '--from', EXAMPLE, '--version', '1.2.3', '--out', out, '--targets', 'linux-x64,win-x64']);
  assert.equal(packaged.code, 0, packaged.stderr);
  const tarball = join(out, 'ndc-example-fruits-1.2.3-linux-x64.tar.gz');
  assert.match(packaged.stdout, /wrote .*ndc-example-fruits-1\.2\.3-linux-x64\.tar\.gz/);

  const windowsListing = (await run('tar', ['tzf', join(out, 'ndc-example-fruits-1.2.3-win-x64.tar.gz')])).stdout;
  assert.match(windowsListing, /^\.\/ndc-shim\.exe$/m);
  assert.doesNotMatch(windowsListing, /^\.\/ndc-shim$/m);

  const unpacked = tempDir();
  assert.equal((await run('tar', ['xzf', tarball, '-C', unpacked])).code, 0);
  const verify = await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: unpacked });
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  for (const file of ['ndc-shim', 'ndc-shim.json', 'connector.cjs', 'plugin.cjs', 'SHA256SUMS']) {
    assert.ok(readFileSync(join(unpacked, file)).length > 0, file);
  }
  assert.equal((await run(join(unpacked, 'ndc-shim'), ['doctor', '--json'], { env: { ...process.env, HASURA_CONNECTOR_PORT: String(await freePort()), HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: join(EXAMPLE, 'configuration') } })).code, 0);

  const fragment = parseYaml(readFileSync(join(out, 'connector-metadata.yaml'), 'utf8'));
  const line = fragment.nativeToolchainDefinition.commands.start.bash;
  const port = await freePort();
  const context = join(tempDir(), 'ctx');
  mkdirSync(context);
  const { cpSync } = await import('node:fs');
  cpSync(join(EXAMPLE, 'configuration'), context, { recursive: true });
  const connector = start('bash', ['-c', line], {
    env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules'), HASURA_DDN_NATIVE_CONNECTOR_DIR: unpacked, HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: context, HASURA_CONNECTOR_PORT: String(port) },
  });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => ({ status: 0 }))).status === 200, 20000, '/health');
  process.kill(connector.pid, 'SIGTERM');
  assert.equal((await exited(connector, 5000)).signal, 'SIGTERM');
});

test('package: a missing manifest or connector directory is a one-line error', async () => {
  const result = await run(process.execPath, [join(ROOT, 'scripts', 'package.mjs'), '--manifest', '/no/such.json', '--from', EXAMPLE]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^package: manifest not found: \/no\/such\.json$/m);
  const usage = await run(process.execPath, [join(ROOT, 'scripts', 'package.mjs')]);
  assert.equal(usage.code, 2);
});
