// npm run package: one tarball per DDN platform, named by the CLI's selector (connector files, shim,
// manifest, SHA256SUMS) and the connector-metadata.yaml fragment; a connector unpacked from it starts
// through the shim; the same inputs give the same tarball bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ROOT, run, start, exited, tempDir, waitFor, freePort } from './helpers.mjs';

const EXAMPLE = join(ROOT, 'examples', 'connector');
/** The tests that package for Windows need its executable (not built with NDC_SHIM_TEST_TARGETS=linux-x64). */
const windowsSkip = !existsSync(join(ROOT, 'dist', 'ndc-shim-win-x64.exe')) && 'dist/ndc-shim-win-x64.exe is not built (npm run build -- --targets linux-x64,win-x64)';

test('package the example connector, unpack the linux-amd64 tarball, verify it and start the connector from it', { skip: windowsSkip }, async () => {
  const out = tempDir();
  const packaged = await run(process.execPath, [join(ROOT, 'scripts', 'package.mjs'), '--manifest', join(EXAMPLE, 'ndc-shim.json'), '--from', EXAMPLE, '--version', '1.2.3', '--out', out, '--targets', 'linux-amd64,win-x64'], { timeoutMs: 120000 });
  assert.equal(packaged.code, 0, packaged.stderr);
  const tarball = join(out, 'ndc-example-fruits-1.2.3-linux-amd64.tar.gz');
  assert.match(packaged.stdout, /wrote .*ndc-example-fruits-1\.2\.3-linux-amd64\.tar\.gz/);
  // Named by the DDN CLI's selectors, whichever name --targets used; nothing else.
  assert.deepEqual(readdirSync(out).sort(), ['SHA256SUMS', 'connector-metadata.yaml', 'ndc-example-fruits-1.2.3-linux-amd64.tar.gz', 'ndc-example-fruits-1.2.3-windows-amd64.tar.gz']);
  const sumsOfTarballs = await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out });
  assert.equal(sumsOfTarballs.code, 0, sumsOfTarballs.stdout + sumsOfTarballs.stderr);
  const metadataText = readFileSync(join(out, 'connector-metadata.yaml'), 'utf8');
  for (const platform of ['linux-amd64', 'windows-amd64']) {
    const file = `ndc-example-fruits-1.2.3-${platform}.tar.gz`;
    const sha256 = createHash('sha256').update(readFileSync(join(out, file))).digest('hex');
    assert.match(metadataText, new RegExp(`^#   ${platform}: ${file.replace(/\./g, '\\.')} sha256 ${sha256}$`, 'm'));
  }

  const windowsListing = (await run('tar', ['tzf', join(out, 'ndc-example-fruits-1.2.3-windows-amd64.tar.gz')])).stdout;
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
  const unknown = await run(process.execPath, [join(ROOT, 'scripts', 'package.mjs'), '--manifest', join(EXAMPLE, 'ndc-shim.json'), '--from', EXAMPLE, '--targets', 'linux-amd64,linux-x86_64']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^package: unknown platform linux-x86_64 \(known: linux-amd64, linux-arm64, darwin-amd64, darwin-arm64, windows-amd64\)$/m);
});

test('package: per-platform folders named by DDN selector or target; a platform without one is skipped by its selector, and refused when asked for', { skip: windowsSkip }, async () => {
  const from = tempDir();
  for (const [folder, file] of [['common', 'shared.txt'], ['linux-amd64', 'connector-linux'], ['win-x64', 'connector.exe']]) {
    mkdirSync(join(from, folder));
    writeFileSync(join(from, folder, file), `${folder}\n`);
  }
  const packageMjs = join(ROOT, 'scripts', 'package.mjs');
  const manifest = join(EXAMPLE, 'ndc-shim.json');
  // Asked for by name, a platform with its executable but no folder is an error naming the folder.
  const macBuilt = readFileSync(join(ROOT, 'dist', 'SHA256SUMS'), 'utf8').includes('  ndc-shim-macos-arm64\n');
  if (macBuilt) {
    const asked = await run(process.execPath, [packageMjs, '--manifest', manifest, '--from', from, '--out', tempDir(), '--targets', 'linux-x64,darwin-arm64'], { timeoutMs: 120000 });
    assert.equal(asked.code, 1, asked.stderr);
    assert.match(asked.stderr, /cannot package darwin-arm64: no darwin-arm64\/ \(or macos-arm64\/\) folder in /);
  }
  // Not asked for, it is skipped by its selector.
  const out = tempDir();
  const packaged = await run(process.execPath, [packageMjs, '--manifest', manifest, '--from', from, '--out', out], { timeoutMs: 120000 });
  assert.equal(packaged.code, 0, packaged.stderr);
  assert.match(packaged.stdout, /^skipped darwin-arm64: /m);
  const listing = async (platform) => (await run('tar', ['tzf', join(out, `ndc-example-fruits-0.0.0-${platform}.tar.gz`)])).stdout.split('\n').filter(Boolean).sort();
  assert.deepEqual(await listing('linux-amd64'), ['./', './SHA256SUMS', './connector-linux', './ndc-shim', './ndc-shim.json', './shared.txt']);
  assert.deepEqual(await listing('windows-amd64'), ['./', './SHA256SUMS', './connector.exe', './ndc-shim.exe', './ndc-shim.json', './shared.txt']);
});

test('package: the same inputs give byte-identical tarballs (sorted, owner 0, fixed mtimes, gzip -n)', async () => {
  const tarballs = [];
  for (const attempt of [1, 2]) {
    const out = tempDir();
    // A second apart at least, so that a file's copy time or gzip's timestamp would show.
    if (attempt === 2) await new Promise((resolve) => setTimeout(resolve, 1100));
    const packaged = await run(process.execPath, [join(ROOT, 'scripts', 'package.mjs'), '--manifest', join(EXAMPLE, 'ndc-shim.json'), '--from', EXAMPLE, '--out', out, '--targets', 'linux-amd64'], { timeoutMs: 120000 });
    assert.equal(packaged.code, 0, packaged.stderr);
    tarballs.push(readFileSync(join(out, 'ndc-example-fruits-0.0.0-linux-amd64.tar.gz')));
  }
  assert.ok(tarballs[0].equals(tarballs[1]), 'the two tarballs differ');
});
