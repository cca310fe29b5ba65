// Connectors that run on an interpreter, end to end as the DDN CLI runs them: `bash -c` with the
// line from `ndc-shim metadata`, working directory .hasura-connector/, the CLI's variables.
// - examples/typescript-connector: @hasura/ndc-sdk-typescript, started by ts-node from the
//   connector's own node_modules/.bin (its manifest's `path`), `requires.node`. Its node_modules is
//   installed by .ci/run (npm ci in the example); when it is missing the test installs it once.
// - examples/python-connector: standard library plus termcolor vendored in vendor/ (PYTHONPATH
//   `prepend`), `python3` (`python` on Windows, per-OS sections), `requires.python`, killAfter.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, linkSync, lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ROOT, SEA, exited, freePort, isAlive, processesMatching, run, seaShim, start, tempDir, waitFor, portIsFree } from './helpers.mjs';
import { DDN_PLATFORM } from '../scripts/package.mjs';

const TS_EXAMPLE = join(ROOT, 'examples', 'typescript-connector');
const PY_EXAMPLE = join(ROOT, 'examples', 'python-connector');
const TS_NODE_MODULES = join(TS_EXAMPLE, 'node_modules');
const python3 = (await run('sh', ['-c', 'command -v python3'])).code === 0;
/** bash by its full path: some tests give the CLI's environment a PATH without it. */
const BASH = (await run('sh', ['-c', 'command -v bash'])).stdout.trim();
const skip = !seaShim() && 'the executable is not built';
const skipPython = skip || (!python3 && 'python3 is not installed');

before(async () => {
  if (skip || existsSync(join(TS_NODE_MODULES, '.bin', 'ts-node'))) return;
  // Normally done by .ci/run; bounded, from the npm cache when it holds the packages.
  const installed = await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: TS_EXAMPLE, timeoutMs: 300000 });
  assert.equal(installed.code, 0, `npm ci in ${TS_EXAMPLE}: ${installed.stderr}`);
});

/** A connector installed as the CLI lays it out: shim, manifest and files in one directory; a context with spaces. */
function install(example, { nodeModules = true } = {}) {
  const root = tempDir();
  const connectorDir = join(root, 'native', 'connector');
  const context = join(root, 'my project', 'app', 'connector', 'é 日本');
  const hasuraConnector = join(context, '.hasura-connector');
  for (const dir of [connectorDir, hasuraConnector]) mkdirSync(dir, { recursive: true });
  try {
    linkSync(SEA, join(connectorDir, 'ndc-shim'));
  } catch {
    copyFileSync(SEA, join(connectorDir, 'ndc-shim'));
  }
  cpSync(example, connectorDir, { recursive: true, filter: (source) => !source.startsWith(join(example, 'node_modules')) && !source.startsWith(join(example, 'configuration')) });
  // The example's installed dependencies, as `npm ci` in the connector directory leaves them.
  if (example === TS_EXAMPLE && nodeModules) symlinkSync(TS_NODE_MODULES, join(connectorDir, 'node_modules'));
  cpSync(join(example, 'configuration'), context, { recursive: true });
  return { root, connectorDir, context, hasuraConnector };
}

async function cliEnvironment(layout, extra = {}) {
  return {
    ...process.env,
    HASURA_DDN_NATIVE_CONNECTOR_DIR: layout.connectorDir,
    HASURA_DDN_NATIVE_CONNECTOR_PLUGIN_DIR: layout.connectorDir,
    HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: layout.context,
    HASURA_CONNECTOR_PORT: String(await freePort()),
    HASURA_SERVICE_TOKEN_SECRET: 'e2e-token',
    ...extra,
  };
}

async function startLine(layout) {
  const { stdout, code } = await run(join(layout.connectorDir, 'ndc-shim'), ['metadata']);
  assert.equal(code, 0);
  return parseYaml(stdout).nativeToolchainDefinition.commands.start.bash;
}

const get = async (port, path, token) => {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(5000) });
  return { status: response.status, body: await response.text() };
};
const healthy = async (port) => (await get(port, '/health').catch(() => ({ status: 0 }))).status === 200;
const doctor = (layout, env) => run(join(layout.connectorDir, 'ndc-shim'), ['doctor'], { env, cwd: layout.hasuraConnector });

/**
 * Starts the connector through the CLI's bash line in a process group of its own (as a terminal's
 * foreground job), waits for /health, checks what `check` asks, then stops it with `signal` sent
 * the way it comes: SIGTERM to the PID the CLI holds, SIGINT (Ctrl+C) to the whole group.
 */
async function startAndStop(layout, env, signal, check) {
  const port = Number(env.HASURA_CONNECTOR_PORT);
  const bash = start(BASH, ['-c', await startLine(layout)], { env, cwd: layout.hasuraConnector, detached: true });
  await waitFor(() => healthy(port), 30000, `the connector to answer /health (${bash.output.stderr})`);
  await check(port);
  process.kill(signal === 'SIGINT' ? -bash.pid : bash.pid, signal);
  const status = await exited(bash, 10000);
  assert.deepEqual(status, { code: null, signal }, `the connector died by ${signal} (${bash.output.stderr.slice(-500)})`);
  assert.equal(isAlive(bash.pid), false);
  await waitFor(() => portIsFree(port), 5000, 'the port to be free');
  assert.deepEqual(processesMatching(layout.connectorDir), [], 'nothing of the connector is left running');
}

test('TypeScript: doctor passes; start through bash -c runs ts-node from node_modules/.bin; health, schema, query; SIGTERM and Ctrl+C stop it and free the port', { skip, timeout: 120000 }, async () => {
  const layout = install(TS_EXAMPLE);
  const env = await cliEnvironment(layout);
  const report = await doctor(layout, env);
  assert.equal(report.code, 0, report.stdout);
  assert.match(report.stdout, /^ok       runtime node: node \d+\.\d+\.\d+ at \/.* \(needs >=20\)$/m);
  assert.match(report.stdout, new RegExp(`^ok       command start: ${layout.connectorDir}/node_modules/\\.bin/ts-node$`, 'm'));
  for (const signal of ['SIGTERM', 'SIGINT']) {
    await startAndStop(layout, { ...env, HASURA_CONNECTOR_PORT: String(await freePort()) }, signal, async (port) => {
      assert.equal((await get(port, '/schema')).status, 401, 'the token is required');
      const schema = JSON.parse((await get(port, '/schema', 'e2e-token')).body);
      assert.deepEqual(schema.collections.map((collection) => collection.name), ['greetings']);
      const query = { collection: 'greetings', query: { fields: { text: { type: 'column', column: 'text' } } }, arguments: {}, collection_relationships: {} };
      const response = await fetch(`http://127.0.0.1:${port}/query`, {
        method: 'POST', headers: { authorization: 'Bearer e2e-token', 'content-type': 'application/json' }, body: JSON.stringify(query), signal: AbortSignal.timeout(5000),
      });
      assert.deepEqual(await response.json(), [{ rows: [{ text: 'Hello, Ada!' }, { text: 'Hello, Grace!' }] }]);
    });
  }
});

test('TypeScript: without node_modules, or without a new enough node, doctor and start both fail with the line that says so', { skip, timeout: 60000 }, async () => {
  const bare = install(TS_EXAMPLE, { nodeModules: false });
  const env = await cliEnvironment(bare);
  const report = await doctor(bare, env);
  assert.equal(report.code, 1, report.stdout);
  const bin = join(bare.connectorDir, 'node_modules', '.bin');
  assert.match(report.stdout, new RegExp(`^problem  path: the manifest's path entry ${bin} does not exist; fix: install the connector's dependencies \\(npm ci in its directory\\)$`, 'm'));
  assert.match(report.stdout, new RegExp(`^problem  command start: command not found on PATH: ts-node \\(the manifest's path entry ${bin} does not exist\\); fix: install the connector's dependencies`, 'm'));
  const started = await run(BASH, ['-c', await startLine(bare)], { env, cwd: bare.hasuraConnector });
  assert.equal(started.code, 127);
  assert.match(started.stderr, /command not found on PATH: ts-node \(the manifest's path entry .* does not exist\); install the connector's dependencies/);

  // node_modules present, but the only node on PATH is too old, or there is none.
  const layout = install(TS_EXAMPLE);
  const oldNode = join(layout.root, 'old-node');
  mkdirSync(oldNode);
  writeFileSync(join(oldNode, 'node'), '#!/bin/sh\necho v18.19.0\n', { mode: 0o755 });
  for (const [PATH, expected] of [
    [`${oldNode}:${process.env.PATH}`, new RegExp(`node 18\\.19\\.0 at ${oldNode}/node is too old: this connector needs node >=20`)],
    [join(layout.root, 'empty'), /this connector needs node >=20, but no node was found on PATH/],
  ]) {
    const broken = await cliEnvironment(layout, { PATH });
    const failed = await doctor(layout, broken);
    assert.equal(failed.code, 1, failed.stdout);
    assert.match(failed.stdout, new RegExp(`^problem  runtime node: ${expected.source}; fix: install Node\\.js 20 or later`, 'm'));
    const refused = await run(BASH, ['-c', await startLine(layout)], { env: broken, cwd: layout.hasuraConnector });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, expected);
    assert.equal(refused.stdout, '');
  }
});

test('Python: doctor passes; start through bash -c; health, capabilities, schema; SIGTERM and Ctrl+C stop it and free the port', { skip: skipPython, timeout: 60000 }, async () => {
  const layout = install(PY_EXAMPLE);
  // The user's own PYTHONPATH does not hide the vendored package: the manifest prepends it.
  const env = await cliEnvironment(layout, { PYTHONPATH: join(layout.root, 'user-site') });
  const report = await doctor(layout, env);
  assert.equal(report.code, 0, report.stdout);
  assert.match(report.stdout, /^ok       runtime python: python 3\.\d+\.\d+\S* at \/.* \(needs >=3\.10\)$/m);
  for (const signal of ['SIGTERM', 'SIGINT']) {
    await startAndStop(layout, { ...env, HASURA_CONNECTOR_PORT: String(await freePort()) }, signal, async (port) => {
      assert.equal((await get(port, '/capabilities')).status, 401);
      assert.equal(JSON.parse((await get(port, '/capabilities', 'e2e-token')).body).version, '0.2.0');
      const schema = JSON.parse((await get(port, '/schema', 'e2e-token')).body);
      assert.deepEqual(schema.collections.map((collection) => collection.name), ['books', 'authors']);
    });
  }
});

test('Python: without python, or with one too old, doctor and start both fail naming it', { skip: skipPython }, async () => {
  const layout = install(PY_EXAMPLE);
  const old = join(layout.root, 'old-python');
  mkdirSync(old);
  writeFileSync(join(old, 'python3'), '#!/bin/sh\necho "Python 3.8.10"\n', { mode: 0o755 });
  // The start command is `python3` itself: when there is none, start stops at that lookup (127, as
  // for any missing executable) and doctor reports both the command and the runtime.
  for (const [PATH, expected, startLine127] of [
    [old, new RegExp(`python 3\\.8\\.10 at ${old}/python3 is too old: this connector needs python >=3\\.10`)],
    [join(layout.root, 'empty'), /this connector needs python >=3\.10, but no python3 or python was found on PATH/, /command not found on PATH: python3; install Python 3/],
  ]) {
    const env = await cliEnvironment(layout, { PATH });
    const failed = await doctor(layout, env);
    assert.equal(failed.code, 1, failed.stdout);
    assert.match(failed.stdout, new RegExp(`^problem  runtime python: ${expected.source}; fix: install Python 3\\.10 or later`, 'm'));
    const refused = await run(BASH, ['-c', await startLine(layout)], { env, cwd: layout.hasuraConnector });
    assert.equal(refused.code, startLine127 ? 127 : 1);
    assert.match(refused.stderr, startLine127 ?? expected);
    if (startLine127) assert.match(failed.stdout, /^problem  command start: command not found on PATH: python3; fix: install Python 3/m);
  }
});

test('package: an interpreted connector gets a tarball per platform with the same files (symlinks of node_modules/.bin kept) and starts from it', { skip: skipPython, timeout: 240000 }, async () => {
  const from = join(tempDir(), 'python connector');
  cpSync(PY_EXAMPLE, from, { recursive: true });
  // What an npm-installed connector has: a relative symlink in node_modules/.bin.
  mkdirSync(join(from, 'node_modules', '.bin'), { recursive: true });
  mkdirSync(join(from, 'node_modules', 'tool'));
  writeFileSync(join(from, 'node_modules', 'tool', 'cli.js'), '#!/usr/bin/env node\n', { mode: 0o755 });
  symlinkSync('../tool/cli.js', join(from, 'node_modules', '.bin', 'tool'));
  const out = tempDir();
  const targets = existsSync(join(ROOT, 'dist', 'ndc-shim-win-x64.exe')) ? 'linux-x64,win-x64' : 'linux-x64';
  const packaged = await run(process.execPath, [join(ROOT, 'scripts', 'package.mjs'), '--manifest', join(from, 'ndc-shim.json'), '--from', from, '--version', '0.1.0', '--out', out, '--targets', targets], { timeoutMs: 150000 });
  assert.equal(packaged.code, 0, packaged.stderr);
  const listings = {};
  for (const target of targets.split(',')) {
    const tarball = join(out, `ndc-example-python-0.1.0-${DDN_PLATFORM[target]}.tar.gz`);
    listings[target] = (await run('tar', ['tzf', tarball])).stdout.split('\n').filter((name) => !/ndc-shim(\.exe)?$|SHA256SUMS$/.test(name)).sort();
  }
  for (const listing of Object.values(listings)) assert.deepEqual(listing, listings['linux-x64'], 'the same connector files for every platform');

  const unpacked = tempDir();
  assert.equal((await run('tar', ['xzf', join(out, `ndc-example-python-0.1.0-${DDN_PLATFORM['linux-x64']}.tar.gz`), '-C', unpacked])).code, 0);
  assert.equal(readlinkSync(join(unpacked, 'node_modules', '.bin', 'tool')), '../tool/cli.js', 'the symlink stays relative');
  assert.ok(lstatSync(join(unpacked, 'connector.py')).mode & 0o100, 'connector.py keeps its executable bit');
  const verify = await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: unpacked });
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  assert.match(verify.stdout, /^node_modules\/\.bin\/tool: OK$/m, 'the symlink\'s target is covered by SHA256SUMS');

  rmSync(join(unpacked, 'configuration'), { recursive: true });
  const layout = { connectorDir: unpacked, context: join(tempDir(), 'ctx'), hasuraConnector: undefined };
  cpSync(join(PY_EXAMPLE, 'configuration'), layout.context, { recursive: true });
  layout.hasuraConnector = layout.context;
  await startAndStop(layout, await cliEnvironment(layout), 'SIGTERM', async () => {});
});
