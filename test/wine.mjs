// The Windows executable under Wine, shared by the Windows test files: whether it can run here,
// a prefix that reports Windows 10, and a runner with stdout/stderr in files (a Node program under
// Wine needs that).
import { before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, run } from './helpers.mjs';

export const WIN_SHIM = join(ROOT, 'dist', 'ndc-shim-win-x64.exe');
const { version } = JSON.parse(readFileSync(join(ROOT, 'dist-config', 'node.json'), 'utf8'));
/** Where the build caches the Windows node.exe (a real `node` for connectors under Wine). */
export const NODE_DIR = join(ROOT, '.cache', 'node', version, 'win-x64');

const haveWine = spawnSync('wine', ['--version'], { stdio: 'ignore' }).status === 0;
/** Why the Windows tests cannot run here, or false. */
export const wineSkip = !haveWine ? 'Wine is not installed (apt-get install -y wine)'
  : !existsSync(WIN_SHIM) ? 'dist/ndc-shim-win-x64.exe is not built (npm run build)'
    : !existsSync(join(NODE_DIR, 'node.exe')) ? 'the Windows node.exe base binary is not cached (npm run build)' : false;

export const WINE_ENV = { ...process.env, WINEPREFIX: join(ROOT, '.cache', 'wine'), WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' };

/** Registers, in the calling test file, the one-time set-up of the Wine prefix. */
export function prepareWine() {
  before(async () => {
    if (wineSkip) return;
    // Node refuses Windows versions before 8.1, and a new Wine prefix reports Windows 7.
    const { code, stderr } = await run('wine', ['reg', 'add', 'HKEY_CURRENT_USER\\Software\\Wine', '/v', 'Version', '/t', 'REG_SZ', '/d', 'win10', '/f'],
      { env: WINE_ENV, timeoutMs: 120000, stdio: ['ignore', 'ignore', 'pipe'] });
    assert.equal(code, 0, `could not set the Wine prefix to Windows 10: ${stderr}`);
  });
}

export const winPath = (unixPath) => `Z:${unixPath.replace(/\//g, '\\')}`;

/** Runs the Windows shim under Wine with stdout/stderr in files; returns the exit code and both outputs. */
export async function wineShim(dir, args, env = {}) {
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
