// `path` and `requires` in the Windows executable, under Wine: entries joined with `;` in front of
// the variable Windows spells its own way, a bare name found through them with PATHEXT, and
// runtimes whose version comes from a .cmd (read through cmd.exe) or from the `py -3` launcher.
// Skipped, with the reason, where Wine or the Windows build is missing.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, PROBE, run, tempDir } from './helpers.mjs';

const WIN_SHIM = join(ROOT, 'dist', 'ndc-shim-win-x64.exe');
const { version } = JSON.parse(readFileSync(join(ROOT, 'dist-config', 'node.json'), 'utf8'));
const NODE_DIR = join(ROOT, '.cache', 'node', version, 'win-x64');
const haveWine = spawnSync('wine', ['--version'], { stdio: 'ignore' }).status === 0;
const skip = !haveWine ? 'Wine is not installed (apt-get install -y wine)'
  : !existsSync(WIN_SHIM) ? 'dist/ndc-shim-win-x64.exe is not built (npm run build)'
    : !existsSync(join(NODE_DIR, 'node.exe')) ? 'the Windows node.exe base binary is not cached (npm run build)' : false;

const WINE_ENV = { ...process.env, WINEPREFIX: join(ROOT, '.cache', 'wine'), WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' };
before(async () => {
  if (skip) return;
  // Node refuses Windows versions before 8.1, and a new Wine prefix reports Windows 7.
  const { code, stderr } = await run('wine', ['reg', 'add', 'HKEY_CURRENT_USER\\Software\\Wine', '/v', 'Version', '/t', 'REG_SZ', '/d', 'win10', '/f'],
    { env: WINE_ENV, timeoutMs: 120000, stdio: ['ignore', 'ignore', 'pipe'] });
  assert.equal(code, 0, `could not set the Wine prefix to Windows 10: ${stderr}`);
});

const winPath = (unixPath) => `Z:${unixPath.replace(/\//g, '\\')}`;

/** The Windows shim under Wine, stdout/stderr in files (a Node program under Wine needs that). */
async function wineShim(dir, args, env = {}) {
  const out = join(dir, 'stdout.txt');
  const err = join(dir, 'stderr.txt');
  const stdoutFd = openSync(out, 'w');
  const stderrFd = openSync(err, 'w');
  try {
    const { code } = await run('wine', [WIN_SHIM, ...args], { env: { ...WINE_ENV, ...env }, cwd: dir, stdio: ['ignore', stdoutFd, stderrFd], timeoutMs: 120000 });
    return { code, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') };
  } finally {
    closeSync(stdoutFd);
    closeSync(stderrFd);
  }
}

/** tools\ holds the "connector" (probe.cmd, found by its bare name) and whatever fake runtimes a test writes. */
function layout(manifestExtra, tools = {}) {
  const dir = tempDir();
  const toolsDir = join(dir, 'tools dir');
  mkdirSync(toolsDir);
  writeFileSync(join(toolsDir, 'probe.cmd'), `@"${winPath(join(NODE_DIR, 'node.exe'))}" "${winPath(PROBE)}" %*\r\n`);
  for (const [name, text] of Object.entries(tools)) writeFileSync(join(toolsDir, name), text.replace(/\n/g, '\r\n'));
  const manifest = join(dir, 'ndc-shim.json');
  writeFileSync(manifest, JSON.stringify({ commands: { start: ['probe', 'serve'] }, path: ['{connectorDir}\\tools dir', '{connectorDir}\\missing'], ...manifestExtra }));
  return { dir, toolsDir, args: ['--manifest', winPath(manifest), '--connector-dir', winPath(dir), '--port', '18998'], out: join(dir, 'probe.json') };
}

test('windows (wine): path entries go in front of the child\'s Path with ;, a bare name is found there with PATHEXT, a missing one is a warning', { skip }, async () => {
  const { dir, toolsDir, args, out } = layout({});
  const started = await wineShim(dir, [...args, 'start'], { PROBE_OUT: winPath(out) });
  assert.equal(started.code, 0, started.stderr);
  const seen = JSON.parse(readFileSync(out, 'utf8'));
  const pathKeys = Object.keys(seen.env).filter((key) => key.toUpperCase() === 'PATH');
  assert.equal(pathKeys.length, 1, `one PATH variable, not two spellings: ${pathKeys}`);
  const entries = seen.env[pathKeys[0]].split(';');
  assert.equal(entries[0].toLowerCase(), winPath(toolsDir).toLowerCase());
  assert.ok(entries.length > 1, 'the inherited entries follow');
  assert.deepEqual(seen.argv, ['serve']);
  assert.match(started.stderr, /path: .*\\missing does not exist, left off PATH/);
});

test('windows (wine): a runtime whose version comes from a .cmd (through cmd.exe) is checked; too old stops start with one line', { skip }, async () => {
  const old = layout({ requires: { node: '>=20' } }, { 'node.cmd': '@echo v18.19.0\n' });
  const refused = await wineShim(old.dir, [...old.args, 'start'], { PROBE_OUT: winPath(old.out) });
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /node 18\.19\.0 at .*tools dir\\node\.cmd is too old: this connector needs node >=20; install Node\.js 20 or later/i);
  assert.equal(refused.stderr.trim().split('\n').filter((line) => !/WARN/.test(line)).length, 1, refused.stderr);
  assert.equal(existsSync(old.out), false, 'the connector did not run');

  const fine = layout({ requires: { node: '>=20' } }, { 'node.cmd': '@echo v22.3.0\n' });
  const doctor = await wineShim(fine.dir, [...fine.args, 'doctor']);
  assert.match(doctor.stdout, /^ok       runtime node: node 22\.3\.0 at .*tools dir\\node\.cmd \(needs >=20\)/mi);
});

// (That `-3` reaches the launcher is checked by runtimes.test.mjs: Wine's cmd.exe parses escaped arguments unlike Windows'.)
test('windows (wine): python3 and python absent, the py -3 launcher answers', { skip }, async () => {
  const { dir, args } = layout({ requires: { python: '>=3.10' } }, { 'py.cmd': '@echo Python 3.12.1\n' });
  const doctor = await wineShim(dir, [...args, 'doctor']);
  assert.match(doctor.stdout, /^ok       runtime python: python 3\.12\.1 at .*tools dir\\py\.cmd \(py -3\) \(needs >=3\.10\)/mi, doctor.stdout + doctor.stderr);
});
