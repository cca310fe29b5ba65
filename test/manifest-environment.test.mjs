// The manifest's environment composition (issue 21 items 1 and 5-8, issue 18 items 16-17 and the
// manifest's secrets): `env` as {set | default | prepend | append}, `{env:NAME}` placeholders,
// per-OS sections, optional `path` entries, killAfter; every variable name reaches the child;
// bytes that are not UTF-8 are refused; errors never quote a value. First the planner alone, then
// the built executables, where doctor must find a problem exactly when start fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseCommandLine } from '../build/cli.js';
import { parseManifest, manifestForPlatform } from '../build/manifest.js';
import { planLaunch } from '../build/plan.js';
import { decodeUtf8 } from '../build/files.js';
import { parseKeepingEveryName } from '../build/runtime.js';
import { PROBE, SHIMS, runShim, seaShim, startShim, exited, waitFor, tempDir } from './helpers.mjs';

const dotenv = createRequire(import.meta.url)('dotenv');

const POSIX = { family: 'posix', platform: 'linux', execAvailable: true, isPid1: false };
const MACOS = { family: 'posix', platform: 'darwin', execAvailable: true, isPid1: false };
const WINDOWS = { family: 'windows', platform: 'win32', execAvailable: false, isPid1: false };
const FILE = '/m/ndc-shim.json';

function plan(manifest, { env = {}, listing = {}, platform = POSIX, argv = ['start'], envFiles = {} } = {}) {
  const windows = platform === WINDOWS;
  const dir = windows ? 'C:\\m' : '/m';
  const file = windows ? 'C:\\m\\ndc-shim.json' : FILE;
  const text = typeof manifest === 'string' ? manifest : JSON.stringify(manifest);
  return planLaunch({
    commandLine: parseCommandLine(argv), env, platform, cwd: dir, shimPath: windows ? 'C:\\shim\\ndc-shim.exe' : '/shim/ndc-shim',
    manifest: { file, dir, manifest: parseManifest(text, file) },
    fs: {
      kind: (f) => (listing[f] === undefined ? 'missing' : listing[f] === 'dir' ? 'directory' : 'file'),
      isExecutable: (f) => listing[f] === 'exe',
      readText: () => undefined,
    },
    readEnvFile: (f) => envFiles[f],
  });
}

const rejects = (manifest, pattern, options) => assert.throws(() => plan(manifest, options),
  (error) => error.exitCode === 78 && pattern.test(error.message), String(pattern));
const TOOL = { '/usr/bin/tool': 'exe', 'C:\\bin\\tool.exe': 'file' };

// --- the planner ----------------------------------------------------------------------------------

test('env: a string fills what is unset; set forces; prepend/append join with the platform separator, last, with no empty entry', () => {
  const manifest = {
    commands: { start: ['tool'] },
    envFiles: ['a.env'],
    env: {
      FILLED: 'manifest', FORCED: { set: 'manifest' }, DEFAULTED: { default: 'd' },
      PYTHONPATH: { prepend: '{connectorDir}/vendor' }, NODE_PATH: { prepend: '/first', append: '/last' },
      CLASSPATH: { default: '/base', append: '/extra' }, EMPTY_BEFORE: { prepend: '/only' },
    },
  };
  const env = { PATH: '/usr/bin', HASURA_DDN_NATIVE_CONNECTOR_DIR: '/conn', FILLED: 'user', FORCED: 'user', DEFAULTED: 'user', PYTHONPATH: '/user/lib', EMPTY_BEFORE: '' };
  const result = plan(manifest, { env, listing: TOOL, envFiles: { '/m/a.env': { FORCED: 'file', NODE_PATH: '/from-file' } } });
  assert.equal(result.env.FILLED, 'user', 'a string only fills');
  assert.equal(result.env.FORCED, 'manifest', 'set wins over the caller and env files');
  assert.equal(result.env.DEFAULTED, 'user');
  assert.equal(result.env.PYTHONPATH, '/conn/vendor:/user/lib', 'the caller\'s PYTHONPATH no longer replaces the vendored one');
  assert.equal(result.env.NODE_PATH, '/first:/from-file:/last', 'joined after env files');
  assert.equal(result.env.CLASSPATH, '/base:/extra');
  assert.equal(result.env.EMPTY_BEFORE, '/only', 'no empty entry (it would mean the working directory)');
  assert.equal(result.envChanges.set.PYTHONPATH, '/conn/vendor:/user/lib', '--dry-run shows the result');
  const unset = plan(manifest, { env: { PATH: '/usr/bin', HASURA_DDN_NATIVE_CONNECTOR_DIR: '/conn' }, listing: TOOL, envFiles: { '/m/a.env': {} } });
  assert.equal(unset.env.PYTHONPATH, '/conn/vendor');
  assert.equal(unset.env.FILLED, 'manifest');

  const windows = plan({ commands: { start: ['tool'] }, env: { PYTHONPATH: { prepend: '{connectorDir}\\vendor' } } },
    { platform: WINDOWS, env: { Path: 'C:\\bin', PythonPath: 'C:\\user', HASURA_DDN_NATIVE_CONNECTOR_DIR: 'C:\\conn' }, listing: TOOL });
  assert.equal(windows.env.PythonPath, 'C:\\conn\\vendor;C:\\user', 'Windows: `;`, the spelling the caller used');
  assert.equal('PYTHONPATH' in windows.env, false);
});

test('env entries and placeholders that are wrong: 78 naming the JSON path, never the value', () => {
  rejects({ commands: { start: ['tool'] }, env: { A: {} } }, /\$\.env\.A: expected an object with "set" or "default" and\/or "prepend", "append" \(strings\), got an object$/);
  rejects({ commands: { start: ['tool'] }, env: { A: { force: 'x' } } }, /\$\.env\.A\.force: expected one of set, default, prepend, append/);
  rejects({ commands: { start: ['tool'] }, env: { A: { set: 'x', default: 'y' } } }, /\$\.env\.A\.default: expected nothing beside "set"/);
  rejects({ commands: { start: ['tool'] }, env: { A: { prepend: 7 } } }, /\$\.env\.A\.prepend: expected a string, got a number$/);
  rejects({ commands: { start: ['tool'] }, env: { A: '{foo}/x' } }, /\$\.env\.A: unknown placeholder \{foo\}/);
  rejects({ commands: { start: ['tool'] }, path: ['{env:}/bin'] }, /\$\.path\[0\]: \{env:\} is not a placeholder/);
  rejects({ commands: { start: ['tool', '{env:A-B}'] } }, /\$\.commands\.start\[1\]: \{env:A-B\} is not a placeholder/);
  rejects({ commands: { start: ['tool'] }, env: { B: { prepend: '{env:NOPE}' } } }, /\$\.env\.B\.prepend: placeholder \{env:NOPE\} has no value: NOPE is not set/, { listing: TOOL, env: { PATH: '/usr/bin' } });
  // issue 18: a numeric secret is not quoted.
  assert.throws(() => parseManifest(JSON.stringify({ commands: { start: ['x'] }, env: { DB_PASS: 86753091 } }), FILE),
    (error) => error.exitCode === 78 && /\$\.env\.DB_PASS: expected a string.*, got a number$/.test(error.message) && !/86753091/.test(`${error.message} ${error.fix}`));
  for (const [manifest, secret] of [
    [{ commands: { start: ['x', '--password', 12345678] } }, '12345678'],
    [{ commands: { start: ['x'] }, name: 987654321 }, '987654321'],
    [{ commands: { start: ['x'] }, requires: { node: 'hunter2-secret' } }, 'hunter2-secret'],
    [{ commands: { start: ['x'] }, bogus: 'sekrit-value' }, 'sekrit-value'],
  ]) {
    assert.throws(() => parseManifest(JSON.stringify(manifest), FILE), (error) => error.exitCode === 78 && !error.message.includes(secret), secret);
  }
});

test('{env:NAME} and {env:NAME:-default} read the shim\'s environment; {{env:X}} is literal', () => {
  const manifest = {
    commands: { start: ['{env:VIRTUAL_ENV}/bin/python3', '{env:MODE:-serve}', '{{env:X}}'] },
    env: { HOME_COPY: '{env:HOME_DIR:-/none}' },
    path: ['{env:VIRTUAL_ENV}/bin'],
  };
  const listing = { '/venv/bin': 'dir', '/venv/bin/python3': 'exe' };
  const result = plan(manifest, { env: { VIRTUAL_ENV: '/venv', MODE: '' }, listing });
  assert.deepEqual(result.argv, ['/venv/bin/python3', 'serve', '{env:X}'], 'an empty variable takes the default too');
  assert.equal(result.env.HOME_COPY, '/none');
  assert.equal(result.env.PATH, '/venv/bin');
  rejects(manifest, /\$\.path\[0\]: placeholder \{env:VIRTUAL_ENV\} has no value/, { env: {}, listing });
  // Windows names are case-insensitive.
  const windows = plan({ commands: { start: ['{env:virtual_env}\\Scripts\\python.exe'] } }, { platform: WINDOWS, env: { VIRTUAL_ENV: 'C:\\venv' }, listing: { 'C:\\venv\\Scripts\\python.exe': 'file' } });
  assert.equal(windows.executable, 'C:\\venv\\Scripts\\python.exe');
});

test('path: a missing entry is required (listed as missing) unless optional (skipped, also when its variable is unset)', () => {
  const result = plan({
    commands: { start: ['tool'] },
    path: ['{connectorDir}/venv/bin', { dir: '{connectorDir}/opt', optional: true }, { dir: '{env:EXTRA}/bin', optional: true }, { dir: '/here' }],
  }, { env: { PATH: '/usr/bin', HASURA_DDN_NATIVE_CONNECTOR_DIR: '/conn' }, listing: { ...TOOL, '/here': 'dir' } });
  assert.deepEqual(result.missingPathEntries, ['/conn/venv/bin']);
  assert.deepEqual(result.skippedOptionalPathEntries, ['/conn/opt', '{env:EXTRA}/bin']);
  assert.equal(result.env.PATH, '/here:/usr/bin');
  rejects({ commands: { start: ['tool'] }, path: [{ dir: '/x', optional: 'yes' }] }, /\$\.path\[0\]\.optional: expected true or false, got a string$/);
  rejects({ commands: { start: ['tool'] }, path: [{ directory: '/x' }] }, /\$\.path\[0\]\.directory: expected no such key/);
  rejects({ commands: { start: ['tool'] }, path: [{ optional: true }] }, /\$\.path\[0\]\.dir: expected a non-empty directory path, got nothing/);
});

test('per-OS sections: one manifest, merged for each platform, most specific last; its path entries first', () => {
  const manifest = {
    commands: { start: ['python3', '{connectorDir}/connector.py'] },
    path: ['{connectorDir}/tools'],
    env: { A: 'top', B: 'top' },
    requires: { python: '>=3.10' },
    killAfter: 20,
    os: {
      posix: { path: ['{connectorDir}/venv/bin'], env: { A: 'posix' } },
      linux: { env: { A: 'linux' }, requires: { python: '>=3.11' } },
      macos: { killAfter: 5 },
      windows: { commands: { start: ['python', '{connectorDir}\\connector.py'] }, path: ['{connectorDir}\\venv\\Scripts'], env: { B: 'windows' } },
    },
  };
  const parsed = parseManifest(JSON.stringify(manifest), FILE);
  const linux = manifestForPlatform(parsed, 'linux');
  assert.deepEqual(linux.path.map((entry) => entry.dir), ['{connectorDir}/venv/bin', '{connectorDir}/tools']);
  assert.equal(linux.env.A.default, 'linux');
  assert.equal(linux.requires.python, '>=3.11');
  assert.equal(linux.killAfter, 20);
  const macos = manifestForPlatform(parsed, 'darwin');
  assert.equal(macos.env.A.default, 'posix');
  assert.equal(macos.killAfter, 5);
  assert.equal(macos.requires.python, '>=3.10');
  assert.deepEqual(manifestForPlatform(parsed, 'freebsd').path.map((entry) => entry.dir), ['{connectorDir}/venv/bin', '{connectorDir}/tools']);
  const windows = manifestForPlatform(parsed, 'win32');
  assert.deepEqual(windows.commands.start, ['python', '{connectorDir}\\connector.py']);
  assert.deepEqual(windows.path.map((entry) => entry.dir), ['{connectorDir}\\venv\\Scripts', '{connectorDir}/tools']);
  assert.equal(windows.env.A.default, 'top');
  assert.equal(windows.env.B.default, 'windows');
  assert.equal(parsed.env.A.default, 'top', 'the parsed manifest is not changed');

  // Planned on each platform with only its own layout present: nothing missing anywhere.
  const linuxPlan = plan(manifest, { env: { PATH: '/usr/bin', HASURA_DDN_NATIVE_CONNECTOR_DIR: '/c' }, listing: { '/c/tools': 'dir', '/c/venv/bin': 'dir', '/c/venv/bin/python3': 'exe' } });
  assert.deepEqual(linuxPlan.missingPathEntries, []);
  assert.equal(linuxPlan.executable, '/c/venv/bin/python3');
  assert.equal(linuxPlan.killAfterSeconds, 20);
  const macPlan = plan(manifest, { platform: MACOS, env: { PATH: '/usr/bin', HASURA_DDN_NATIVE_CONNECTOR_DIR: '/c' }, listing: { '/c/tools': 'dir', '/c/venv/bin': 'dir', '/c/venv/bin/python3': 'exe' } });
  assert.equal(macPlan.killAfterSeconds, 5);
  const windowsPlan = plan(manifest, { platform: WINDOWS, env: { Path: 'C:\\Windows', HASURA_DDN_NATIVE_CONNECTOR_DIR: 'C:\\c' },
    listing: { 'C:\\c\\tools': 'dir', 'C:\\c\\venv\\Scripts': 'dir', 'C:\\c\\venv\\Scripts\\python.exe': 'file' } });
  assert.deepEqual(windowsPlan.missingPathEntries, []);
  assert.equal(windowsPlan.executable, 'C:\\c\\venv\\Scripts\\python.exe');
  assert.equal(windowsPlan.env.Path, 'C:\\c\\venv\\Scripts;C:\\c\\tools;C:\\Windows');

  rejects({ commands: { start: ['x'] }, os: { win32: {} } }, /\$\.os\.win32: expected one of posix, linux, macos, windows/);
  rejects({ commands: { start: ['x'] }, os: { linux: { name: 'x' } } }, /\$\.os\.linux\.name: expected no such key/);
  rejects({ commands: { start: ['x'] }, os: { windows: { path: ['{nope}'] } } }, /\$\.os\.windows\.path\[0\]: unknown placeholder \{nope\}/);
  rejects({ commands: { start: ['x'] }, os: { posix: { commands: { serve: ['y'] } } } }, /\$\.os\.posix\.commands\.serve: expected the key "start"/);
});

test('killAfter: from the manifest unless --kill-after is given; beyond what a timer can wait, negative or not a number: 78', () => {
  const manifest = { commands: { start: ['tool'] }, killAfter: 30 };
  const options = { env: { PATH: '/usr/bin' }, listing: TOOL };
  assert.equal(plan(manifest, options).killAfterSeconds, 30);
  assert.equal(plan(manifest, options).killAfterSource, 'manifest');
  assert.equal(plan(manifest, { ...options, argv: ['--kill-after', '3', 'start'] }).killAfterSeconds, 3);
  assert.equal(plan(manifest, { ...options, argv: ['--kill-after', '0', 'start'] }).killAfterSeconds, 0);
  assert.equal(plan({ commands: { start: ['tool'] } }, options).killAfterSeconds, 10);
  assert.equal(plan({ ...manifest, killAfter: 2147483 }, options).killAfterSeconds, 2147483);
  for (const value of [2147484, -1, '10', null, 1e400]) {
    rejects({ ...manifest, killAfter: value }, /\$\.killAfter: expected a number of seconds from 0 \(never\) to 2147483, got /, options);
  }
});

test('every variable name reaches the plan: constructor, toString, valueOf, hasOwnProperty, __proto__ (null-prototype maps)', () => {
  const names = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__'];
  const text = `{"commands": {"start": ["tool"]}, "env": {${names.map((name, index) => `"${name}": "M${index}"`).join(', ')}}}`;
  const inherited = JSON.parse('{"PATH": "/usr/bin", "__proto__": "P3"}');
  const fromManifest = plan(text, { env: { PATH: '/usr/bin' }, listing: TOOL });
  names.forEach((name, index) => assert.equal(Object.getOwnPropertyDescriptor(fromManifest.env, name)?.value, `M${index}`, name));
  const kept = plan(text, { env: inherited, listing: TOOL });
  assert.equal(Object.getOwnPropertyDescriptor(kept.env, '__proto__')?.value, 'P3', 'an inherited __proto__ is kept (the manifest only fills)');
  const fileValues = parseKeepingEveryName(dotenv.parse, '__proto__=E1\nconstructor=E2\ntoString=E3\n');
  assert.deepEqual(Object.entries(fileValues), [['__proto__', 'E1'], ['constructor', 'E2'], ['toString', 'E3']]);
  assert.equal(Object.getPrototypeOf({}), Object.prototype, 'the prototype setter is restored');
  const fromFile = plan({ commands: { start: ['tool'] }, envFiles: ['a.env'] }, { env: { PATH: '/usr/bin' }, listing: TOOL, envFiles: { '/m/a.env': fileValues } });
  assert.equal(Object.getOwnPropertyDescriptor(fromFile.env, '__proto__')?.value, 'E1');
  assert.equal(Object.getOwnPropertyDescriptor(fromFile.env, 'constructor')?.value, 'E2');
});

test('UTF-8 check: the first line that is not UTF-8', () => {
  assert.deepEqual(decodeUtf8(Buffer.from('A=1\nB=é\n')), { text: 'A=1\nB=é\n' });
  assert.deepEqual(decodeUtf8(Buffer.concat([Buffer.from('A=1\n# é\nX=a'), Buffer.from([0xff, 0xfe]), Buffer.from('b\nC=2\n')])), { badLine: 3 });
  assert.deepEqual(decodeUtf8(Buffer.from([0x41, 0xc3])), { badLine: 1 }, 'a sequence cut at the end');
});

// --- the built executables --------------------------------------------------------------------------

/** A stand-in python3: the real one is the machine's business. This one "imports" from PYTHONPATH. */
const fakePython = (label) => `#!/bin/sh
# A stand-in interpreter (${label}): it finds its package only in a venv or through PYTHONPATH.
case "$0" in */venv/bin/*) ;; *) case ":$PYTHONPATH:" in *"/vendor:"*) ;; *) echo "ModuleNotFoundError: No module named 'ndc_sdk_python'" >&2; exit 1;; esac;; esac
echo CONNECTOR-RAN
`;

/**
 * Broken and sound layouts: a system python3 on PATH that lacks the connector's package, and
 * the manifest that should make start use the venv or the vendored package.
 */
const LAYOUTS = {
  '1: path entry of a venv that is not shipped': {
    files: {}, manifest: { commands: { start: ['python3', '{connectorDir}/connector.py'] }, path: ['{connectorDir}/venv/bin'] }, startFails: 1,
  },
  '1: the same venv, shipped': {
    files: { 'venv/bin/python3': fakePython('venv') }, manifest: { commands: { start: ['python3', '{connectorDir}/connector.py'] }, path: ['{connectorDir}/venv/bin'] },
  },
  '1: an optional entry that is not there': {
    files: {}, manifest: { commands: { start: ['python3', '{connectorDir}/connector.py'] }, env: { PYTHONPATH: { prepend: '{connectorDir}/vendor' } }, path: [{ dir: '{connectorDir}/venv/bin', optional: true }] },
  },
  '5: the caller\'s PYTHONPATH and a vendored package, prepended': {
    files: { 'vendor/termcolor.py': '' }, env: { PYTHONPATH: '/user/site' }, manifest: { commands: { start: ['python3', '{connectorDir}/connector.py'] }, env: { PYTHONPATH: { prepend: '{connectorDir}/vendor' } } },
  },
  '6: {env:VIRTUAL_ENV} in path': {
    files: { 'venv/bin/python3': fakePython('venv') }, env: { VIRTUAL_ENV: '<dir>/venv' }, manifest: { commands: { start: ['python3', '{connectorDir}/connector.py'] }, path: ['{env:VIRTUAL_ENV}/bin'] },
  },
  '6: $VIRTUAL_ENV in path stays literal: a missing entry': {
    files: { 'venv/bin/python3': fakePython('venv') }, env: { VIRTUAL_ENV: '<dir>/venv' }, manifest: { commands: { start: ['python3', '{connectorDir}/connector.py'] }, path: ['$VIRTUAL_ENV/bin'] }, startFails: 1,
  },
  '6: ~ in path stays literal: a missing entry': {
    files: {}, manifest: { commands: { start: ['python3', '{connectorDir}/connector.py'] }, path: ['~/venv/bin'] }, startFails: 1,
  },
  '6: {env:} is not a placeholder': {
    files: {}, manifest: { commands: { start: ['python3', '{connectorDir}/connector.py'] }, path: ['{env:}/bin'] }, startFails: 78,
  },
  '6: {env:VIRTUAL_ENV} unset': {
    files: {}, manifest: { commands: { start: ['python3', '{connectorDir}/connector.py'] }, path: ['{env:VIRTUAL_ENV}/bin'] }, startFails: 78,
  },
  '7: bin and Scripts both listed': {
    files: { 'venv/bin/python3': fakePython('venv') }, manifest: { commands: { start: ['python3', '{connectorDir}/connector.py'] }, path: ['{connectorDir}/venv/bin', '{connectorDir}/venv/Scripts'] }, startFails: 1,
  },
  '7: per-OS path and commands': {
    files: { 'venv/bin/python3': fakePython('venv') },
    manifest: {
      commands: { start: ['python3', '{connectorDir}/connector.py'] },
      os: { posix: { path: ['{connectorDir}/venv/bin'] }, windows: { path: ['{connectorDir}\\venv\\Scripts'], commands: { start: ['python', '{connectorDir}\\connector.py'] } } },
    },
  },
  '8: killAfter in the manifest': {
    files: { 'venv/bin/python3': fakePython('venv') }, manifest: { commands: { start: ['python3', '{connectorDir}/connector.py'] }, path: ['{connectorDir}/venv/bin'], killAfter: 30 },
  },
  '8: killAfter beyond what a timer can wait': {
    files: { 'venv/bin/python3': fakePython('venv') }, manifest: { commands: { start: ['python3', '{connectorDir}/connector.py'] }, path: ['{connectorDir}/venv/bin'], killAfter: 2147484 }, startFails: 78,
  },
};

function lay(layout) {
  const dir = tempDir();
  const files = { 'system/python3': fakePython('system'), 'connector.py': '', ...layout.files };
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), content, { mode: 0o755 });
  }
  const manifest = join(dir, 'ndc-shim.json');
  writeFileSync(manifest, JSON.stringify(layout.manifest));
  // Independent of the caller's PATH (pyenv shims and the like): only the stand-in system python3.
  const env = { HOME: process.env.HOME ?? '/root', PATH: `${join(dir, 'system')}:/usr/bin:/bin` };
  for (const [name, value] of Object.entries(layout.env ?? {})) env[name] = value.replace('<dir>', dir);
  return { dir, env, args: ['--manifest', manifest, '--connector-dir', dir] };
}

for (const [name, layout] of Object.entries(LAYOUTS)) {
  test(`doctor has a problem exactly when start fails: layout ${name}`, { skip: !seaShim() && 'the executable is not built' }, async () => {
    const { env, args } = lay(layout);
    const doctor = await runShim(seaShim(), [...args, 'doctor', '--json'], { env });
    const report = JSON.parse(doctor.stdout);
    const start = await runShim(seaShim(), [...args, 'start'], { env });
    const startPassed = start.stdout.includes('CONNECTOR-RAN');
    const context = `doctor: ${doctor.stdout}\nstart: ${start.code} ${start.stdout} ${start.stderr}`;
    assert.equal(report.ok, startPassed, context);
    assert.equal(doctor.code, report.ok ? 0 : 1, context);
    if (layout.startFails) {
      assert.equal(start.code, layout.startFails, context);
      assert.equal(start.stderr.trim().split('\n').length, 1, `one line: ${start.stderr}`);
      const problem = report.checks.find((check) => !check.ok);
      assert.ok(start.stderr.includes(problem.detail), `start says what doctor says: ${context}`);
    } else {
      assert.equal(start.code, 0, context);
      assert.equal(start.stderr, '', 'no warning on a platform the manifest serves');
      assert.deepEqual(report.checks.filter((check) => check.warning), [], 'and none in doctor');
    }
  });
}

test('a missing required path entry: start names it and the fix, in one line, exit 1, before running anything', { skip: !seaShim() && 'the executable is not built' }, async () => {
  const { dir, env, args } = lay(LAYOUTS['1: path entry of a venv that is not shipped']);
  const start = await runShim(seaShim(), [...args, 'start'], { env });
  assert.equal(start.code, 1);
  assert.match(start.stderr, new RegExp(`the manifest's path entry ${dir}/venv/bin does not exist; create it, or mark it optional in the manifest's "path": \\{"dir": "...", "optional": true\\}\\n$`));
  const literal = lay(LAYOUTS['6: $VIRTUAL_ENV in path stays literal: a missing entry']);
  assert.match((await runShim(seaShim(), [...literal.args, 'start'], { env: literal.env })).stderr, /the shim does not expand \$NAME or ~: write \{env:NAME\}/);
  // A link whose target is missing is named as such, with its target.
  const linked = lay({ files: {}, manifest: { commands: { start: ['python3'] }, path: ['{connectorDir}/venv/bin'] } });
  mkdirSync(join(linked.dir, 'venv'));
  symlinkSync('/nonexistent/python-home/bin', join(linked.dir, 'venv', 'bin'));
  const dangling = await runShim(seaShim(), [...linked.args, 'start'], { env: linked.env });
  assert.equal(dangling.code, 1);
  assert.match(dangling.stderr, new RegExp(`path entry ${linked.dir}/venv/bin is a link to /nonexistent/python-home/bin, which does not exist;`));
  const doctored = JSON.parse((await runShim(seaShim(), [...linked.args, 'doctor', '--json'], { env: linked.env })).stdout);
  assert.ok(doctored.checks.some((check) => !check.ok && check.detail.includes('is a link to /nonexistent/python-home/bin, which does not exist')));
  // The plugin commands too: no silent fallback anywhere.
  const update = lay({ files: {}, manifest: { commands: { start: ['python3'], update: ['python3', '{connectorDir}/connector.py'] }, path: ['{connectorDir}/venv/bin'] } });
  const updated = await runShim(seaShim(), [...update.args, 'update'], { env: update.env });
  assert.equal(updated.code, 1, updated.stderr);
  assert.doesNotMatch(updated.stderr + updated.stdout, /CONNECTOR-RAN|ModuleNotFound/);
  // An optional one is mentioned at debug level only.
  const optional = lay(LAYOUTS['1: an optional entry that is not there']);
  const debug = await runShim(seaShim(), [...optional.args, '--log-level', 'debug', 'start'], { env: optional.env });
  assert.equal(debug.code, 0, debug.stderr);
  assert.match(debug.stdout + debug.stderr, /DEBUG.*optional entry .*venv\/bin is not there/);
});

test('--dry-run shows the composed environment, the skipped optional entries and the manifest\'s killAfter (the command line wins)', { skip: !seaShim() && 'the executable is not built' }, async () => {
  const { dir, env, args } = lay({
    files: { 'venv/bin/python3': fakePython('venv') },
    env: { PYTHONPATH: '/user/site' },
    manifest: {
      commands: { start: ['python3', '{connectorDir}/connector.py'] }, killAfter: 42,
      env: { PYTHONPATH: { prepend: '{connectorDir}/vendor' }, MODE: { set: 'forced' } },
      path: ['{connectorDir}/venv/bin', { dir: '{connectorDir}/gone', optional: true }],
    },
  });
  const dry = JSON.parse((await runShim(seaShim(), [...args, '--no-exec', '--dry-run', 'start'], { env: { ...env, MODE: 'caller' } })).stdout);
  assert.equal(dry.env.set.PYTHONPATH, `${dir}/vendor:/user/site`);
  assert.equal(dry.killAfterSeconds, 42);
  assert.deepEqual(dry.skippedOptionalPathEntries, [join(dir, 'gone')]);
  assert.equal(dry.missingPathEntries, undefined);
  const given = JSON.parse((await runShim(seaShim(), [...args, '--no-exec', '--kill-after', '7', '--dry-run', 'start'], { env })).stdout);
  assert.equal(given.killAfterSeconds, 7);
});

test('supervise: the manifest\'s killAfter is the grace before SIGKILL; --kill-after wins', { skip: !seaShim() && 'the executable is not built' }, async () => {
  const dir = tempDir();
  // A connector that takes 3 s to stop on SIGTERM, then exits 7.
  const connector = join(dir, 'slow-stop.sh');
  const ready = join(dir, 'ready');
  writeFileSync(connector, `#!/bin/sh\ntrap 'sleep 3; exit 7' TERM\ntouch "${ready}"\nwhile :; do sleep 1; done\n`, { mode: 0o755 });
  const manifest = join(dir, 'ndc-shim.json');
  writeFileSync(manifest, JSON.stringify({ commands: { start: [connector] }, killAfter: 1 }));
  for (const [extra, expected] of [[[], { signal: 'SIGKILL' }], [['--kill-after', '60'], { code: 7 }]]) {
    rmSync(ready, { force: true });
    const child = startShim(seaShim(), ['--manifest', manifest, '--no-exec', ...extra, 'start']);
    await waitFor(() => existsSync(ready), 20000, 'the connector to start');
    child.kill('SIGTERM');
    const { code, signal } = await exited(child, 90000);
    // The shim ends the way its child did: by SIGKILL.
    if (expected.signal) assert.ok(signal === 'SIGKILL' || code === 137, `killed 1 s after SIGTERM (manifest killAfter): ${code} ${signal} ${child.output.stderr}`);
    else assert.equal(code, 7, `graceful with --kill-after 60: ${child.output.stderr}`);
  }
});

for (const shim of SHIMS) {
  for (const mode of shim.execs ? [[], ['--no-exec']] : [[]]) {
    test(`${shim.name} ${mode.join(' ') || 'exec'}: every variable name reaches the child exactly (manifest, env file, inherited)`, async () => {
      const dir = tempDir();
      const names = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__'];
      const manifest = join(dir, 'ndc-shim.json');
      writeFileSync(manifest, `{"commands": {"start": ["${process.execPath}", "${PROBE}"]}, "env": {${names.map((name, index) => `"${name}": "M${index}"`).join(', ')}}}`);
      const out = join(dir, 'probe.json');
      const seen = async (extra, env) => {
        const result = await runShim(shim, ['--manifest', manifest, ...mode, ...extra, 'start'], { env: { ...env, PROBE_OUT: out } });
        assert.equal(result.code, 0, result.stderr);
        return JSON.parse(readFileSync(out, 'utf8')).env;
      };
      const own = (env, name) => Object.getOwnPropertyDescriptor(env, name)?.value;
      const plain = await seen([], { PATH: process.env.PATH });
      names.forEach((name, index) => assert.equal(own(plain, name), `M${index}`, name));
      const envFile = join(dir, 'a.env');
      writeFileSync(envFile, '__proto__=E1\nconstructor=E2\n');
      const fromFile = await seen(['--env-file', envFile], { PATH: process.env.PATH });
      assert.equal(own(fromFile, '__proto__'), 'E1');
      assert.equal(own(fromFile, 'constructor'), 'E2');
      const inherited = { PATH: process.env.PATH };
      Object.defineProperty(inherited, '__proto__', { value: 'P3', enumerable: true });
      assert.equal(own(await seen([], inherited), '__proto__'), 'P3');
    });
  }
}

test('bytes that are not UTF-8 in an env file or the manifest: 78, naming the file and the line, never the value', { skip: !seaShim() && 'the executable is not built' }, async () => {
  const dir = tempDir();
  const envFile = join(dir, 'bad.env');
  writeFileSync(envFile, Buffer.concat([Buffer.from('A=1\nX=a'), Buffer.from([0xff, 0xfe]), Buffer.from('b\n')]));
  const manifest = join(dir, 'ndc-shim.json');
  writeFileSync(manifest, JSON.stringify({ commands: { start: [process.execPath, PROBE] } }));
  const out = join(dir, 'probe.json');
  for (const args of [['--env-file', envFile, 'start'], ['--env-file', envFile, '--no-exec', 'start']]) {
    const result = await runShim(seaShim(), ['--manifest', manifest, ...args], { env: { ...process.env, PROBE_OUT: out } });
    assert.equal(result.code, 78, result.stderr);
    assert.match(result.stderr, new RegExp(`env file ${envFile}: line 2 is not valid UTF-8 text; save the file as UTF-8\n$`));
    assert.doesNotMatch(result.stderr, /\ufffd|a..b/);
    assert.equal(existsSync(out), false, 'the connector never ran');
  }
  const badManifest = join(dir, 'bad.json');
  writeFileSync(badManifest, Buffer.concat([Buffer.from('{\n  "commands": {"start": ["x"]},\n  "env": {"DB_PASS": "se'), Buffer.from([0xe9]), Buffer.from('cret"}\n}\n')]));
  for (const command of ['start', 'doctor']) {
    const result = await runShim(seaShim(), ['--manifest', badManifest, command]);
    assert.equal(result.code, command === 'start' ? 78 : 1, result.stderr + result.stdout);
    assert.match(result.stderr + result.stdout, new RegExp(`manifest ${badManifest}: line 3 is not valid UTF-8 text`));
    assert.doesNotMatch(result.stderr + result.stdout, /se.?cret|\ufffd/);
  }
});

test('a manifest error about a numeric secret names the JSON path and the type, never the value', { skip: !seaShim() && 'the executable is not built' }, async () => {
  const dir = tempDir();
  const manifest = join(dir, 'ndc-shim.json');
  writeFileSync(manifest, JSON.stringify({ commands: { start: ['x'] }, env: { DB_PASS: 86753091 } }));
  for (const command of ['start', 'doctor']) {
    const result = await runShim(seaShim(), ['--manifest', manifest, command]);
    assert.match(result.stderr + result.stdout, /\$\.env\.DB_PASS: expected a string.*got a number/);
    assert.doesNotMatch(result.stderr + result.stdout, /86753091/);
  }
});

test('the JSON Schema describes the new keys as the loader reads them; the example manifests pass both', async (t) => {
  let Ajv;
  try {
    Ajv = createRequire(import.meta.url)('ajv/dist/2020').default;
  } catch {
    t.skip('ajv is not installed (it comes with the dev dependencies)');
    return;
  }
  const { ROOT } = await import('./helpers.mjs');
  const validate = new Ajv({ strict: false }).compile(JSON.parse(readFileSync(join(ROOT, 'schema', 'ndc-shim.schema.json'), 'utf8')));
  for (const example of ['connector', 'python-connector', 'typescript-connector']) {
    const text = readFileSync(join(ROOT, 'examples', example, 'ndc-shim.json'), 'utf8');
    assert.ok(validate(JSON.parse(text)), `${example}: ${JSON.stringify(validate.errors)}`);
    for (const platform of ['linux', 'darwin', 'win32']) assert.ok(manifestForPlatform(parseManifest(text, example), platform).commands.start, `${example} on ${platform}`);
  }
  const cases = [
    [{ commands: { start: ['x'] }, env: { A: { prepend: '/a', append: '/b' }, B: { set: 'x' }, C: 'y' }, path: ['a', { dir: 'b', optional: true }], killAfter: 30, os: { posix: { path: ['c'] }, windows: { commands: { start: ['y'] }, killAfter: 0 } } }, true],
    [{ commands: { start: ['x'] }, env: { A: { set: 'x', default: 'y' } } }, false],
    [{ commands: { start: ['x'] }, env: { A: {} } }, false],
    [{ commands: { start: ['x'] }, path: [{ dir: 'b', optional: 'yes' }] }, false],
    [{ commands: { start: ['x'] }, killAfter: 2147484 }, false],
    [{ commands: { start: ['x'] }, killAfter: -1 }, false],
    [{ commands: { start: ['x'] }, os: { win32: {} } }, false],
    [{ commands: { start: ['x'] }, os: { linux: { name: 'x' } } }, false],
  ];
  for (const [manifest, valid] of cases) {
    assert.equal(validate(manifest), valid, `schema: ${JSON.stringify(manifest)}`);
    const loads = (() => { try { parseManifest(JSON.stringify(manifest), FILE); return true; } catch { return false; } })();
    assert.equal(loads, valid, `loader: ${JSON.stringify(manifest)}`);
  }
});
