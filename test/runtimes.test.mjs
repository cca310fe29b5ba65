// Runtime floors (`requires`): versions as node, python and java really print them, the lookup the
// child's own (PATH, JAVA_HOME, python3 -> python -> py -3), and `start` refusing a missing or too
// old runtime with one line. No JDK is needed: fake `java` scripts print the real formats to stderr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifest } from '../build/manifest.js';
import { checkRuntimes } from '../build/checks/runtimes.js';
import { checkVersionRange, meetsFloor, parseRuntimeVersion, parseVersionFloor, parseVersionRange, RUNTIME_NAMES } from '../build/versions.js';
import { ROOT, run, runShim, seaShim, tempDir } from './helpers.mjs';

const POSIX = { family: 'posix', platform: 'linux', execAvailable: true, isPid1: false };
const WINDOWS = { family: 'windows', platform: 'win32', execAvailable: false, isPid1: false };
const skip = !seaShim() && 'the executable is not built';

test('versions as each runtime prints them, Java\'s three formats included', () => {
  assert.deepEqual(parseRuntimeVersion('node', 'v20.11.1\n'), { text: '20.11.1', parts: [20, 11, 1] });
  assert.deepEqual(parseRuntimeVersion('python', 'Python 3.10.12\n'), { text: '3.10.12', parts: [3, 10, 12] });
  assert.deepEqual(parseRuntimeVersion('python', 'Python 3.13.0rc1\n'), { text: '3.13.0rc1', parts: [3, 13, 0] });
  const java = (version, rest = '') => `openjdk version "${version}"${rest}\nOpenJDK Runtime Environment (build x)\nOpenJDK 64-Bit Server VM (build x, mixed mode)\n`;
  assert.deepEqual(parseRuntimeVersion('java', java('17.0.9', ' 2023-10-17')), { text: '17.0.9', parts: [17, 0, 9] });
  assert.deepEqual(parseRuntimeVersion('java', java('21', ' 2023-09-19')), { text: '21', parts: [21, 0, 0] });
  assert.deepEqual(parseRuntimeVersion('java', 'java version "1.8.0_392"\nJava(TM) SE Runtime Environment (build 1.8.0_392-b08)\n'), { text: '1.8.0_392', parts: [8, 0, 392] });
  assert.deepEqual(parseRuntimeVersion('java', 'Picked up JAVA_TOOL_OPTIONS: -Xmx1g\nopenjdk version "22-ea" 2024-03-19\n'), { text: '22-ea', parts: [22, 0, 0] });
  assert.equal(parseRuntimeVersion('java', 'Error: could not find libjava.so'), undefined);
  assert.equal(parseRuntimeVersion('node', 'Python 3.11.2'), undefined);
  assert.equal(parseRuntimeVersion('python', 'Python was not found; run without arguments to install from the Microsoft Store'), undefined);
});

test('floors: >=MAJOR[.MINOR[.PATCH]] only, compared part by part', () => {
  assert.deepEqual(parseVersionFloor('>=20'), [20]);
  assert.deepEqual(parseVersionFloor('>= 3.10'), [3, 10]);
  assert.deepEqual(parseVersionFloor('>=17.0.2'), [17, 0, 2]);
  for (const bad of ['20', '^20', '>20', '>=', '>=3.x', '>=1.2.3.4', '>=20 <22', '~3.10', '>=20 ', '']) assert.equal(parseVersionFloor(bad), undefined, bad);
  assert.equal(meetsFloor([3, 9, 18], [3, 10]), false, '3.9 < 3.10: numbers, not text');
  assert.equal(meetsFloor([3, 10, 0], [3, 10]), true);
  assert.equal(meetsFloor([8, 0, 392], [17]), false);
  assert.equal(meetsFloor([20, 0, 0], [20]), true);
  assert.equal(meetsFloor([19, 99, 99], [20]), false);
});

test('requires in the manifest: unknown runtimes and malformed floors are errors (78) with the JSON path', () => {
  const parse = (requires) => parseManifest(JSON.stringify({ commands: { start: ['x'] }, requires }), '/c/ndc-shim.json');
  assert.deepEqual(parse({ node: '>=20', python: '>=3.10', java: '>=17' }).requires, { node: '>=20', python: '>=3.10', java: '>=17' });
  const rejects = (requires, pattern) => assert.throws(() => parse(requires), (error) => error.exitCode === 78 && pattern.test(error.message), String(pattern));
  rejects({ ruby: '>=3' }, /\/c\/ndc-shim\.json: \$\.requires\.ruby: expected a runtime the shim checks \(node, python, java\), got string ">=3"/);
  rejects({ node: '^20' }, /\$\.requires\.node: expected a version range: a floor such as ">=20" or ">=3\.10", with an upper bound if needed \(">=3\.11 <3\.12", .*\), got string "\^20"/);
  rejects({ java: 17 }, /\$\.requires\.java: expected a version range.*got a number$/);
  rejects(['node'], /\$\.requires: expected an object of runtime floors/);
  const schema = JSON.parse(readFileSync(join(ROOT, 'schema', 'ndc-shim.schema.json'), 'utf8'));
  assert.deepEqual(Object.keys(schema.properties.requires.properties), [...RUNTIME_NAMES]);
  const pattern = new RegExp(schema.$defs.versionRange.pattern);
  for (const floor of ['>=20', '>= 3.10', '>=17.0.2', '^20', '>=1.2.3.4', '>=20 ']) assert.equal(pattern.test(floor), parseVersionFloor(floor) !== undefined, floor);
  // The schema's pattern is the grammar the shim parses, for every form, good and bad.
  for (const range of [...RANGES_ACCEPTED, ...RANGES_REFUSED]) assert.equal(pattern.test(range), parseVersionRange(range) !== undefined, range);
});

const RANGES_ACCEPTED = ['>=3.11 <3.12', '>=3.11,<3.12', '>=3.11, <3.12', '>= 3.11 , < 3.12', '~3.11', '~3', '~3.11.2', '3.11.*', '3.*', '==3.11.*',
  '==3.11', '3.11', '3', '3.11.4', '>20', '<=22.1', '>=17 <22'];
const RANGES_REFUSED = ['', ' ', '^20', '>=3.11 <', '>=3.11,', ',>=3.11', '>=3.11,,<3.12', '~3.*', '>=3.*', '3.11.2.*', '3.11.x', '=3.11', '~=3.11',
  '>=1.2.3.4', '>=20 ', ' >=20', '3.11 || 3.12', 'latest'];

test('requires ranges: upper bounds, ~, .*, == and bare versions; all conditions must hold', () => {
  for (const range of RANGES_ACCEPTED) assert.ok(parseVersionRange(range), range);
  for (const range of RANGES_REFUSED) assert.equal(parseVersionRange(range), undefined, range);
  const verdict = (range, version) => checkVersionRange(version.split('.').map(Number), parseVersionRange(range));
  const cases = [
    ['>=3.11 <3.12', '3.11.7', 'ok'], ['>=3.11 <3.12', '3.12.0', 'too new'], ['>=3.11 <3.12', '3.9.18', 'too old'],
    ['>=3.11,<3.12', '3.12.1', 'too new'], ['>=3.11,<3.12', '3.11.0', 'ok'],
    ['~3.11', '3.11.9', 'ok'], ['~3.11', '3.12.0', 'too new'], ['~3.11', '3.10.13', 'too old'], ['~3.11.2', '3.11.1', 'too old'], ['~3', '3.99.0', 'ok'], ['~3', '4.0.0', 'too new'],
    ['3.11.*', '3.11.0', 'ok'], ['3.11.*', '3.1.0', 'too old'], ['3.11.*', '3.12.0', 'too new'],
    ['==3.11', '3.11.7', 'ok'], ['==3.11', '3.12.1', 'too new'], ['3.11', '3.11.7', 'ok'], ['3.11', '3.10.0', 'too old'], ['3.11.4', '3.11.5', 'too new'],
    ['>20', '20.0.0', 'too old'], ['>20', '20.0.1', 'ok'], ['<=22.1', '22.1.0', 'ok'], ['<=22.1', '22.1.9', 'too new'],
    ['>=3.10', '3.9.18', 'too old'], ['>=3.10', '3.10.0', 'ok'],
  ];
  for (const [range, version, expected] of cases) assert.equal(verdict(range, version), expected, `${version} against ${range}`);
  const parse = (python) => parseManifest(JSON.stringify({ commands: { start: ['x'] }, requires: { python } }), '/c/ndc-shim.json');
  for (const range of RANGES_ACCEPTED) assert.equal(parse(range).requires.python, range);
});

test('a version outside the range: one line naming the range, the version found and its path', () => {
  const view = lookup(POSIX, { PATH: '/usr/bin' }, { '/usr/bin/python3': 'Python 3.12.1' });
  const [tooNew] = checkRuntimes({ python: '>=3.11 <3.12' }, view);
  assert.equal(tooNew.ok, false);
  assert.equal(tooNew.detail, 'python 3.12.1 at /usr/bin/python3 is too new: this connector needs python >=3.11 <3.12');
  assert.match(tooNew.fix, /^install Python matching >=3\.11 <3\.12 /);
  const [inside] = checkRuntimes({ python: '~3.12' }, view);
  assert.equal(inside.ok, true, inside.detail);
});

/** A file system and version reader made of a listing: path -> printed version (or 'dir'). */
function lookup(platform, env, listing) {
  const ran = [];
  return {
    ran,
    env, platform,
    fs: {
      kind: (file) => (listing[file] === undefined ? 'missing' : listing[file] === 'dir' ? 'directory' : 'file'),
      isExecutable: (file) => listing[file] !== undefined,
      readText: () => undefined,
    },
    readVersion: (launch) => {
      ran.push([launch.executable, ...launch.args].join(' '));
      const printed = listing[launch.executable];
      return typeof printed === 'object' ? printed : { output: printed, status: 0 };
    },
  };
}

test('Windows: python3 that is the Store alias (no version) falls through to python, then to py -3', () => {
  const env = { Path: 'C:\\Apps;C:\\Py', PATHEXT: '.EXE' };
  const storeAlias = { output: 'Python was not found; run without arguments to install from the Microsoft Store', status: 9009 };
  const withLauncher = lookup(WINDOWS, env, { 'C:\\Apps\\python3.exe': storeAlias, 'C:\\Py\\py.exe': 'Python 3.12.1' });
  const [check] = checkRuntimes({ python: '>=3.10' }, withLauncher);
  assert.equal(check.ok, true, check.detail);
  assert.equal(check.detail, 'python 3.12.1 at C:\\Py\\py.exe (py -3) (needs >=3.10)');
  assert.deepEqual(withLauncher.ran, ['C:\\Apps\\python3.exe --version', 'C:\\Py\\py.exe -3 --version']);
  const onlyAlias = lookup(WINDOWS, env, { 'C:\\Apps\\python3.exe': storeAlias });
  const [missing] = checkRuntimes({ python: '>=3.10' }, onlyAlias);
  assert.equal(missing.ok, false);
  assert.match(missing.detail, /^this connector needs python >=3\.10, but C:\\Apps\\python3\.exe printed no python version \(exit 9009: Python was not found/);
  assert.match(missing.fix, /install Python 3\.10 or later .*not the Microsoft Store alias/);
  const jvmOptions = { output: 'Picked up JAVA_TOOL_OPTIONS: -Djavax.net.ssl.trustStorePassword=hunter2\nError: dl failure on line 542 for postgres://u:hunter2@db/x\n', status: 1 };
  const [broken] = checkRuntimes({ java: '>=17' }, lookup(POSIX, { PATH: '/usr/bin' }, { '/usr/bin/java': jvmOptions }));
  assert.equal(broken.detail, 'this connector needs java >=17, but /usr/bin/java printed no java version (exit 1: Error: dl failure on line 542 for postgres://u:<redacted>@db/x)');
  const none = checkRuntimes({ python: '>=3.10' }, lookup(POSIX, { PATH: '/usr/bin' }, {}))[0];
  assert.equal(none.detail, 'this connector needs python >=3.10, but no python3 or python was found on PATH');
});

test('Java: JAVA_HOME first (even when PATH has a newer java); a JAVA_HOME without bin/java is a problem of its own', () => {
  const listing = { '/jdk11/bin/java': 'openjdk version "11.0.21" 2023-10-17', '/usr/bin/java': 'openjdk version "21" 2023-09-19' };
  const [old] = checkRuntimes({ java: '>=17' }, lookup(POSIX, { PATH: '/usr/bin', JAVA_HOME: '/jdk11' }, listing));
  assert.equal(old.detail, 'java 11.0.21 at /jdk11/bin/java (JAVA_HOME) is too old: this connector needs java >=17');
  assert.match(old.fix, /install a Java 17 or later runtime \(JDK or JRE\) and set JAVA_HOME to it/);
  const [fromPath] = checkRuntimes({ java: '>=17' }, lookup(POSIX, { PATH: '/usr/bin' }, listing));
  assert.equal(fromPath.detail, 'java 21 at /usr/bin/java (needs >=17)');
  const [broken] = checkRuntimes({ java: '>=17' }, lookup(POSIX, { PATH: '/usr/bin', JAVA_HOME: '/gone' }, listing));
  assert.equal(broken.ok, false);
  assert.equal(broken.detail, 'this connector needs java >=17, but JAVA_HOME is /gone and /gone/bin/java does not exist or is not executable');
  assert.match(broken.fix, /point JAVA_HOME at a Java 17 or later installation .* or unset it/);
  const [windows] = checkRuntimes({ java: '>=17' }, lookup(WINDOWS, { Path: 'C:\\x', PATHEXT: '.EXE', java_home: 'C:\\jdk' }, { 'C:\\jdk\\bin\\java.exe': 'java version "1.8.0_392"' }));
  assert.equal(windows.detail, 'java 1.8.0_392 at C:\\jdk\\bin\\java.exe (JAVA_HOME) is too old: this connector needs java >=17');
});

// --- against the built executable: fake runtimes on the child's PATH ---------------------------

/** A connector directory whose bin/ holds fake runtimes; `start` runs a marker command and the manifest requires `requires`. */
function layout(requires, fakes = {}, extra = {}) {
  const dir = tempDir();
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const [name, script] of Object.entries(fakes)) writeFileSync(join(bin, name), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  // The "connector": says that it ran; start got past its checks.
  writeFileSync(join(dir, 'connector.sh'), '#!/bin/sh\necho CONNECTOR-RAN\n', { mode: 0o755 });
  const manifest = join(dir, 'ndc-shim.json');
  writeFileSync(manifest, JSON.stringify({ commands: { start: ['{connectorDir}/connector.sh'] }, path: ['{connectorDir}/bin'], requires, ...extra }));
  return { dir, bin, manifest, args: ['--manifest', manifest, '--connector-dir', dir] };
}

/** Prints a java -version banner on stderr, as a JDK does. */
const fakeJava = (line) => `[ "$1" = -version ] || exit 3\necho '${line}' >&2\necho 'OpenJDK Runtime Environment (build x)' >&2`;
/** A PATH with the machine's tools but none of the runtimes: only the fake ones in bin/ count. */
const bareEnv = (extra = {}) => {
  const env = { ...process.env, PATH: '/nonexistent-runtime-free-dir' };
  delete env.JAVA_HOME;
  return { ...env, ...extra };
};

test('start refuses a Java too old in each real format, accepts a new enough one, exit 1 and one line', { skip }, async () => {
  const shim = seaShim();
  const cases = [
    ['openjdk version "17.0.9" 2023-10-17', true, '17.0.9'],
    ['openjdk version "21" 2023-09-19', true, '21'],
    ['java version "1.8.0_392"', false, '1.8.0_392'],
    ['openjdk version "11.0.21" 2023-10-17', false, '11.0.21'],
  ];
  for (const [banner, passes, shown] of cases) {
    const { bin, args } = layout({ java: '>=17' }, { java: fakeJava(banner) });
    const result = await runShim(shim, [...args, 'start'], { env: bareEnv() });
    if (passes) {
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, 'CONNECTOR-RAN\n');
    } else {
      assert.equal(result.code, 1, banner);
      assert.equal(result.stdout, '', 'the connector did not run');
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, new RegExp(`java ${shown.replace(/\./g, '\\.')} at ${bin}/java is too old: this connector needs java >=17; install a Java 17 or later runtime`));
    }
  }
});

test('start: JAVA_HOME first; JAVA_HOME pointing nowhere stops start; node and python missing or old are named', { skip }, async () => {
  const shim = seaShim();
  const jdk = tempDir();
  mkdirSync(join(jdk, 'bin'));
  writeFileSync(join(jdk, 'bin', 'java'), `#!/bin/sh\n${fakeJava('openjdk version "11.0.2" 2019-01-15')}\n`, { mode: 0o755 });
  const java = layout({ java: '>=17' }, { java: fakeJava('openjdk version "21" 2023-09-19') });
  const viaHome = await runShim(shim, [...java.args, 'start'], { env: bareEnv({ JAVA_HOME: jdk }) });
  assert.equal(viaHome.code, 1);
  assert.match(viaHome.stderr, new RegExp(`java 11\\.0\\.2 at ${jdk}/bin/java \\(JAVA_HOME\\) is too old`));
  const nowhere = await runShim(shim, [...java.args, 'start'], { env: bareEnv({ JAVA_HOME: join(jdk, 'missing') }) });
  assert.equal(nowhere.code, 1);
  assert.match(nowhere.stderr, /but JAVA_HOME is .*missing and .*missing\/bin\/java does not exist or is not executable; point JAVA_HOME at/);

  const node = layout({ node: '>=20' }, { node: 'echo v18.19.0' });
  const oldNode = await runShim(shim, [...node.args, 'start'], { env: bareEnv() });
  assert.equal(oldNode.code, 1);
  assert.match(oldNode.stderr, new RegExp(`node 18\\.19\\.0 at ${node.bin}/node is too old: this connector needs node >=20; install Node\\.js 20 or later \\(https://nodejs\\.org\\)`));
  const noNode = layout({ node: '>=20' });
  const missing = await runShim(shim, [...noNode.args, 'start'], { env: bareEnv() });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /this connector needs node >=20, but no node was found on PATH; install Node\.js 20 or later/);

  // python3 absent, python present: the fallback is used, and its version counts.
  const python = layout({ python: '>=3.10' }, { python: 'echo "Python 3.9.18"' });
  const oldPython = await runShim(shim, [...python.args, 'start'], { env: bareEnv() });
  assert.equal(oldPython.code, 1);
  assert.match(oldPython.stderr, new RegExp(`python 3\\.9\\.18 at ${python.bin}/python is too old: this connector needs python >=3\\.10`));
  writeFileSync(join(python.bin, 'python3'), '#!/bin/sh\necho "Python 3.12.1"\n', { mode: 0o755 });
  const newPython = await runShim(shim, [...python.args, 'start'], { env: bareEnv() });
  assert.equal(newPython.code, 0, newPython.stderr);
});

test('version checks cost nothing without `requires`: no runtime is run at all', { skip }, async () => {
  const shim = seaShim();
  const marker = join(tempDir(), 'ran');
  const fake = `echo ran >> "${marker}"\necho v22.0.0`;
  const without = layout(undefined, { node: fake });
  writeFileSync(without.manifest, JSON.stringify({ commands: { start: ['{connectorDir}/connector.sh'] }, path: ['{connectorDir}/bin'] }));
  assert.equal((await runShim(shim, [...without.args, 'start'], { env: bareEnv() })).code, 0);
  assert.equal(existsSync(marker), false, 'node was not run');
  const withFloor = layout({ node: '>=20' }, { node: fake });
  const started = await runShim(shim, [...withFloor.args, 'start'], { env: bareEnv() });
  assert.equal(started.code, 0, started.stderr);
  assert.equal(readFileSync(marker, 'utf8'), 'ran\n', 'node was run once, for its version');
});

test('the machine\'s own runtimes are found and read (real node; real python3 and java where installed)', { skip }, async () => {
  const { args } = layout({ node: '>=18' });
  const requires = { node: '>=18' };
  const whichPython = await run('sh', ['-c', 'command -v python3']);
  const whichJava = await run('sh', ['-c', 'command -v java']);
  if (whichPython.code === 0) requires.python = '>=3';
  if (whichJava.code === 0) requires.java = '>=8';
  writeFileSync(args[1], JSON.stringify({ commands: { start: ['{connectorDir}/connector.sh'] }, requires }));
  const doctor = await runShim(seaShim(), [...args, 'doctor']);
  assert.equal(doctor.code, 0, doctor.stdout);
  assert.match(doctor.stdout, new RegExp(`^ok       runtime node: node ${process.versions.node.replace(/\./g, '\\.')} at /`, 'm'));
  if (requires.python) assert.match(doctor.stdout, /^ok       runtime python: python 3\.\d+\.\d+\S* at \//m);
  if (requires.java) assert.match(doctor.stdout, /^ok       runtime java: java \d[^ ]* at \//m);
});

test('a malformed floor stops start and doctor as a manifest error (78) naming the JSON path, before anything runs', { skip }, async () => {
  const { args, manifest } = layout({ node: '>=20' });
  writeFileSync(manifest, JSON.stringify({ commands: { start: ['{connectorDir}/connector.sh'] }, requires: { node: '^20' } }));
  const started = await runShim(seaShim(), [...args, 'start'], { env: bareEnv() });
  assert.equal(started.code, 78);
  assert.equal(started.stdout, '');
  assert.match(started.stderr, /manifest .*ndc-shim\.json: \$\.requires\.node: expected a version range: a floor such as ">=20" or ">=3\.10", .*got string "\^20"/);
  assert.equal(started.stderr.trim().split('\n').length, 1);
  const doctor = await runShim(seaShim(), [...args, 'doctor'], { env: bareEnv() });
  assert.equal(doctor.code, 1);
  assert.match(doctor.stdout, /^problem  manifest: .*\$\.requires\.node: expected a version range/m);
});
