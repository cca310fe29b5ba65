// The manifest's `path`: directories in front of the child's PATH, in order, used for finding bare
// command names too; Windows' `Path` spelling and `;`; a missing entry is a problem unless optional.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommandLine } from '../build/cli.js';
import { parseManifest } from '../build/manifest.js';
import { planLaunch } from '../build/plan.js';
import { PROBE, runShim, seaShim, SHIMS, tempDir } from './helpers.mjs';

const POSIX = { family: 'posix', platform: 'linux', execAvailable: true, isPid1: false };
const WINDOWS = { family: 'windows', platform: 'win32', execAvailable: false, isPid1: false };

function plan(manifest, { env = {}, listing = {}, platform = POSIX, argv = ['start'], envFiles = {} } = {}) {
  const dir = platform === WINDOWS ? 'C:\\m' : '/m';
  const file = platform === WINDOWS ? 'C:\\m\\ndc-shim.json' : '/m/ndc-shim.json';
  return planLaunch({
    commandLine: parseCommandLine(argv), env, platform, cwd: dir, shimPath: platform === WINDOWS ? 'C:\\shim\\ndc-shim.exe' : '/shim/ndc-shim',
    manifest: { file, dir, manifest: parseManifest(JSON.stringify(manifest), file) },
    fs: {
      kind: (f) => (listing[f] === undefined ? 'missing' : listing[f] === 'dir' ? 'directory' : 'file'),
      isExecutable: (f) => listing[f] === 'exe',
      readText: () => undefined,
    },
    readEnvFile: (f) => envFiles[f],
  });
}

test('path entries go in front of PATH in order, placeholders expanded, relative ones from the manifest\'s directory', () => {
  const result = plan({ commands: { start: ['ts-node', 'index.ts'] }, path: ['{connectorDir}/node_modules/.bin', 'tools', '/opt/x/bin'] }, {
    env: { PATH: '/usr/bin:/bin', HASURA_DDN_NATIVE_CONNECTOR_DIR: '/conn' },
    listing: { '/conn/node_modules/.bin': 'dir', '/m/tools': 'dir', '/opt/x/bin': 'dir', '/conn/node_modules/.bin/ts-node': 'exe', '/usr/bin/ts-node': 'exe' },
  });
  assert.equal(result.env.PATH, '/conn/node_modules/.bin:/m/tools:/opt/x/bin:/usr/bin:/bin');
  assert.equal(result.envChanges.set.PATH, result.env.PATH, '--dry-run shows the resulting PATH');
  assert.equal(result.executable, '/conn/node_modules/.bin/ts-node', 'the bare name is found on the new PATH first');
  assert.deepEqual(result.missingPathEntries, []);
});

test('an entry that does not exist is left off PATH and reported; the lookup then goes on as before', () => {
  const result = plan({ commands: { start: ['node', 'x.js'] }, path: ['{connectorDir}/venv/bin', '{connectorDir}/bin'] }, {
    env: { PATH: '/usr/bin', HASURA_DDN_NATIVE_CONNECTOR_DIR: '/conn' },
    listing: { '/conn/bin': 'dir', '/usr/bin/node': 'exe', '/conn/venv/bin': 'file' },
  });
  assert.equal(result.env.PATH, '/conn/bin:/usr/bin');
  assert.deepEqual(result.missingPathEntries, ['/conn/venv/bin'], 'a file is not a directory');
  assert.equal(result.executable, '/usr/bin/node');
  const none = plan({ commands: { start: ['node'] }, path: ['/gone'] }, { env: { PATH: '/usr/bin' }, listing: { '/usr/bin/node': 'exe' } });
  assert.equal(none.env.PATH, '/usr/bin');
  assert.equal('PATH' in none.envChanges.set, false, 'PATH unchanged when no entry exists');
});

test('a bare name found only through path: not found (127) without it', () => {
  const manifest = { commands: { start: ['ts-node'] }, path: ['{connectorDir}/node_modules/.bin'] };
  const env = { PATH: '/usr/bin', HASURA_DDN_NATIVE_CONNECTOR_DIR: '/conn' };
  assert.equal(plan(manifest, { env, listing: { '/conn/node_modules/.bin': 'dir', '/conn/node_modules/.bin/ts-node': 'exe' } }).executable, '/conn/node_modules/.bin/ts-node');
  assert.throws(() => plan(manifest, { env, listing: {} }), (error) => error.exitCode === 127
    && error.message === "command not found on PATH: ts-node (the manifest's path entry /conn/node_modules/.bin does not exist)"
    && /npm ci/.test(error.fix));
  // A path (not a bare name) that is missing gets no such hint: the path entry has nothing to do with it.
  assert.throws(() => plan({ ...manifest, commands: { start: ['{connectorDir}/server'] } }, { env, listing: {} }),
    (error) => error.exitCode === 127 && error.message === 'executable not found: /conn/server');
});

test('Windows: the variable keeps its spelling (Path), entries are joined with ;, PATHEXT applies', () => {
  const result = plan({ commands: { start: ['ts-node', 'index.ts'] }, path: ['{connectorDir}\\node_modules\\.bin'] }, {
    platform: WINDOWS,
    env: { Path: 'C:\\Windows\\system32;C:\\node', PATHEXT: '.EXE;.CMD', HASURA_DDN_NATIVE_CONNECTOR_DIR: 'C:\\conn' },
    listing: { 'C:\\conn\\node_modules\\.bin': 'dir', 'C:\\conn\\node_modules\\.bin\\ts-node.exe': 'file' },
  });
  assert.equal(result.env.Path, 'C:\\conn\\node_modules\\.bin;C:\\Windows\\system32;C:\\node');
  assert.equal('PATH' in result.env, false, 'no second, differently spelled PATH');
  assert.equal(result.executable, 'C:\\conn\\node_modules\\.bin\\ts-node.exe');
});

test('path applies after env files and env: a PATH that only an env file sets still gets the entries in front', () => {
  const result = plan({ commands: { start: ['tool'] }, path: ['/extra'], envFiles: ['a.env'] }, {
    env: {}, envFiles: { '/m/a.env': { PATH: '/from-file' } }, listing: { '/extra': 'dir', '/from-file/tool': 'exe' },
  });
  assert.equal(result.env.PATH, '/extra:/from-file');
  assert.equal(result.executable, '/from-file/tool', 'the lookup uses the child\'s PATH, env file included');
});

test('path in the manifest: errors (78) with the JSON path', () => {
  const rejects = (pathValue, pattern) => assert.throws(() => parseManifest(JSON.stringify({ commands: { start: ['x'] }, path: pathValue }), '/c/ndc-shim.json'),
    (error) => error.exitCode === 78 && pattern.test(error.message), String(pattern));
  rejects('{connectorDir}/bin', /\$\.path: expected an array of directories/);
  rejects(['ok', ''], /\$\.path\[1\]: expected a non-empty directory path.*, got an empty string$/);
  rejects([3], /\$\.path\[0\]: expected a non-empty directory path.*, got a number$/);
  rejects(['{connectorDri}/bin'], /\$\.path\[0\]: unknown placeholder \{connectorDri\}/);
});

// --- against the built executables -------------------------------------------------------------

for (const shim of SHIMS) {
  test(`${shim.name}: the child gets the entries in front of PATH; a bare name resolves through them; a missing optional entry is skipped without a word`, async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'bin dir é'));
    // A bare-named "connector" that exists only in a path entry: the probe, through a wrapper.
    writeFileSync(join(dir, 'bin dir é', 'my-connector'), `#!/bin/sh\nexec "${process.execPath}" "${PROBE}" "$@"\n`, { mode: 0o755 });
    const manifest = join(dir, 'ndc-shim.json');
    writeFileSync(manifest, JSON.stringify({ commands: { start: ['my-connector', 'serve'] }, path: [{ dir: '{connectorDir}/missing', optional: true }, '{connectorDir}/bin dir é'] }));
    const out = join(dir, 'probe.json');
    const env = { ...process.env, PATH: '/usr/bin:/bin', PROBE_OUT: out };
    const result = await runShim(shim, ['--manifest', manifest, '--connector-dir', dir, 'start'], { env });
    assert.equal(result.code, 0, result.stderr);
    const seen = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(seen.env.PATH, `${join(dir, 'bin dir é')}:/usr/bin:/bin`);
    assert.deepEqual(seen.argv, ['serve']);
    assert.doesNotMatch(result.stderr, /missing|path/, 'not a word about the optional entry');
    assert.equal(result.stdout, '');

    const dry = await runShim(shim, ['--manifest', manifest, '--connector-dir', dir, '--dry-run', 'start'], { env });
    const printed = JSON.parse(dry.stdout);
    assert.equal(printed.env.set.PATH, `${join(dir, 'bin dir é')}:/usr/bin:/bin`);
    assert.deepEqual(printed.skippedOptionalPathEntries, [join(dir, 'missing')]);
    assert.equal(printed.missingPathEntries, undefined);
    assert.equal(printed.executable, join(dir, 'bin dir é', 'my-connector'));
  });
}

test('doctor: a missing required path entry is a problem, with the fix; start stops on the same line (exit 1)', { skip: !seaShim() && 'the executable is not built' }, async () => {
  const dir = tempDir();
  const manifest = join(dir, 'ndc-shim.json');
  writeFileSync(manifest, JSON.stringify({ commands: { start: [process.execPath, PROBE] }, path: ['{connectorDir}/node_modules/.bin'] }));
  const { code, stdout } = await runShim(seaShim(), ['--manifest', manifest, '--connector-dir', dir, 'doctor']);
  assert.equal(code, 1, stdout);
  assert.match(stdout, new RegExp(`^problem  path: the manifest's path entry ${dir}/node_modules/\\.bin does not exist; fix: install the connector's dependencies \\(npm ci in its directory\\)$`, 'm'));
  assert.match(stdout, /^1 problem\(s\) found$/m);
  const json = JSON.parse((await runShim(seaShim(), ['--manifest', manifest, '--connector-dir', dir, 'doctor', '--json'])).stdout);
  assert.equal(json.ok, false);
  assert.deepEqual(json.checks.filter((check) => !check.ok).map((check) => check.name), ['path']);
  const started = await runShim(seaShim(), ['--manifest', manifest, '--connector-dir', dir, 'start'], { env: { ...process.env, PROBE_OUT: join(dir, 'probe.json') } });
  assert.equal(started.code, 1);
  assert.match(started.stderr, new RegExp(`the manifest's path entry ${dir}/node_modules/\\.bin does not exist; install the connector's dependencies`));
});
