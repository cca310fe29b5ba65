// Reproducible builds: two clean builds of the same sources, in two checkouts at different paths,
// one of them with nothing on PATH but node (no binutils, no which, no qemu), give byte-identical
// executables and SHA256SUMS. One Linux target keeps the run time reasonable; the build's table of
// all five targets is checked on the way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, run, tempDir } from './helpers.mjs';

/**
 * A checkout of the build's inputs at a new path: no dist/, no pkg home. The downloaded inputs that
 * the build verifies against pins (the Node base binaries, Debian's tini-static) are shared: a
 * machine without apt-get then still has the same init.
 */
function checkout() {
  const dir = tempDir('ndc-shim-repro-');
  for (const entry of ['package.json', 'tsconfig.json', 'src', 'scripts', 'dist-config']) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  mkdirSync(join(dir, '.cache'));
  for (const shared of ['node', 'tini']) {
    mkdirSync(join(ROOT, '.cache', shared), { recursive: true });
    symlinkSync(join(ROOT, '.cache', shared), join(dir, '.cache', shared));
  }
  return dir;
}

async function build(dir, env) {
  const result = await run(process.execPath, [join(dir, 'scripts', 'build.mjs'), '--targets', 'linux-x64'], { cwd: dir, env, timeoutMs: 170000 });
  assert.equal(result.code, 0, result.stdout + result.stderr);
  return result.stdout;
}

test('two clean builds of linux-x64, at different paths and with different tools installed, are byte-identical', { timeout: 360000 }, async () => {
  const first = checkout();
  const firstLog = await build(first, process.env);
  // The table names every target, and this one with its embedded Node and its code cache.
  assert.match(firstLog, /^ndc-shim-linux-x64 +[\d.]+ MiB +22\.\d+\.\d+ +yes +tini +n\/a$/m);
  for (const name of ['ndc-shim-linux-arm64', 'ndc-shim-macos-x64', 'ndc-shim-macos-arm64', 'ndc-shim-win-x64.exe']) assert.match(firstLog, new RegExp(`^${name.replace('.', '\\.')} +not built`, 'm'));

  const second = checkout();
  const bin = tempDir();
  symlinkSync(process.execPath, join(bin, 'node'));
  await build(second, { ...process.env, PATH: bin });

  for (const dir of [first, second]) assert.ok(existsSync(join(dir, 'dist', 'code-cache', 'linux-x64')), `${dir}: the code cache was made`);
  const [a, b] = [first, second].map((dir) => readFileSync(join(dir, 'dist', 'ndc-shim-linux-x64')));
  let differing = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) differing++;
  assert.deepEqual({ lengths: b.length - a.length, differing }, { lengths: 0, differing: 0 }, 'the executables differ');
  assert.equal(readFileSync(join(second, 'dist', 'SHA256SUMS'), 'utf8'), readFileSync(join(first, 'dist', 'SHA256SUMS'), 'utf8'));

  // The build made with no tools at all still runs with its code cache.
  const { stderr } = await run(join(second, 'dist', 'ndc-shim-linux-x64'), ['--log-level', 'debug', '--version']);
  assert.match(stderr, /launch script code cache: accepted/);
});

test('--strict refuses to start, naming the command that installs what is missing, when linux-arm64 could not get its code cache', async () => {
  const dir = checkout();
  const bin = tempDir();
  symlinkSync(process.execPath, join(bin, 'node'));
  const result = await run(process.execPath, [join(dir, 'scripts', 'build.mjs'), '--strict', '--targets', 'linux-x64,linux-arm64'], { cwd: dir, env: { ...process.env, PATH: bin } });
  assert.equal(result.code, 1, result.stdout + result.stderr);
  assert.equal(result.stderr, 'build failed: --strict: this machine cannot build linux-arm64 as released (missing: qemu-aarch64-static and the arm64 C and C++ libraries); install: dpkg --add-architecture arm64 && apt-get update && apt-get install -y qemu-user-static libc6:arm64 libstdc++6:arm64\n');
  assert.ok(!existsSync(join(dir, 'dist')), 'nothing was built');
});

test('--strict: a skipped target shows in the table with its reason and fails the build', { timeout: 240000 }, async () => {
  const dir = checkout();
  const configFile = join(dir, 'dist-config', 'node.json');
  const config = JSON.parse(readFileSync(configFile, 'utf8'));
  delete config.targets['macos-x64'].npmPackage;
  writeFileSync(configFile, JSON.stringify(config));
  const result = await run(process.execPath, [join(dir, 'scripts', 'build.mjs'), '--strict', '--targets', 'linux-x64,macos-x64'], { cwd: dir, timeoutMs: 200000 });
  assert.equal(result.code, 1, result.stdout + result.stderr);
  assert.match(result.stdout, /^ndc-shim-linux-x64 +[\d.]+ MiB/m);
  assert.match(result.stdout, /^ndc-shim-macos-x64 +skipped: no npm package publishes Node 22\.\d+\.\d+ for macos-x64$/m);
  assert.equal(result.stderr, 'build failed: --strict: 1 target(s) skipped: macos-x64\n');
});

test('--strict: a tini-static whose sha256 is not the pinned one is not embedded, shows in the table and fails the build', { timeout: 240000 }, async () => {
  const dir = checkout();
  const configFile = join(dir, 'dist-config', 'init.json');
  const config = JSON.parse(readFileSync(configFile, 'utf8'));
  config.sha256.amd64 = '0'.repeat(64);
  writeFileSync(configFile, JSON.stringify(config));
  const result = await run(process.execPath, [join(dir, 'scripts', 'build.mjs'), '--strict', '--targets', 'linux-x64'], { cwd: dir, timeoutMs: 200000 });
  assert.equal(result.code, 1, result.stdout + result.stderr);
  assert.match(result.stdout, /^warning: linux-x64: no init embedded, .*has sha256 [0-9a-f]{64}, not the 0{64} pinned in dist-config\/init\.json/m);
  assert.match(result.stdout, /^ndc-shim-linux-x64 +[\d.]+ MiB +22\.\d+\.\d+ +yes +missing +n\/a$/m);
  assert.equal(result.stderr, 'build failed: --strict: no PID 1 init could be embedded in linux-x64 (see the warning above)\n');
});

test('nothing comes from the network but the npm registry: with every other way out cut, macos-arm64 builds from the seeded base', { timeout: 240000 }, async () => {
  const dir = checkout();
  // Preloaded into every Node the build starts (pkg, the blob generator): any connection attempt fails the build.
  const guard = join(tempDir(), 'no-network.cjs');
  writeFileSync(guard, `const refuse = (what) => () => { throw new Error('network access attempted: ' + what); };
globalThis.fetch = refuse('fetch');
for (const name of ['http', 'https', 'net', 'tls']) {
  const mod = require(name);
  for (const fn of ['request', 'get', 'connect', 'createConnection']) if (typeof mod[fn] === 'function') mod[fn] = refuse(name + '.' + fn);
}
`);
  const result = await run(process.execPath, [join(dir, 'scripts', 'build.mjs'), '--strict', '--targets', 'macos-arm64'], { cwd: dir, timeoutMs: 200000, env: { ...process.env, NODE_OPTIONS: `--require ${guard}` } });
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /^ndc-shim-macos-arm64 +[\d.]+ MiB +22\.\d+\.\d+ +n\/a/m);
  const header = readFileSync(join(dir, 'dist', 'ndc-shim-macos-arm64')).subarray(0, 8);
  assert.deepEqual([header.readUInt32LE(0), header.readUInt32LE(4)], [0xfeedfacf, 0x0100000c], 'a 64-bit Mach-O for arm64');
});
