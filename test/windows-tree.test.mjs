// The Windows executable under Wine, supervising a connector's process tree (Windows always
// supervises): what each way out of the shim does to the child and to a grandchild. Under Wine every
// Windows process is a Linux process whose command line shows the Windows one, so the test finds them
// in /proc/*/cmdline by a name unique to the test. Skipped, with the reason, where Wine or the Windows
// build is missing; the grandchild part of --kill-after also where Wine's taskkill has no /T.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FIXTURES, exited, isAlive, processesMatching, readIfExists, run, start, tempDir, track, waitFor } from './helpers.mjs';
import { NODE_DIR, WINE_ENV, WIN_SHIM, prepareWine, winPath, wineSkip } from './wine.mjs';

const skip = wineSkip;
if (skip) console.log(`# skipping the Windows process-tree tests: ${skip}`);
prepareWine();

const NODE_EXE = winPath(join(NODE_DIR, 'node.exe'));
const TREE = winPath(join(FIXTURES, 'win-tree.cjs'));

let count = 0;
/** A directory and names unique to one test: `server-ID` is on the server's command line, `launch-ID` on cmd.exe's. */
function layout() {
  const id = `${process.pid}-${++count}`;
  return { dir: tempDir(), id, server: `server-${id}` };
}

/** A batch launcher that runs the server without handing over (like a `.sh` without exec): the server is a grandchild. */
function cmdLauncher({ dir, id, server }) {
  const file = join(dir, `launch-${id}.cmd`);
  writeFileSync(file, `@"${NODE_EXE}" "${TREE}" server "${winPath(dir)}" ${server}\r\n@echo launcher: the server ended\r\n`);
  return winPath(file);
}

/** The shim under Wine, left running; stdout/stderr in files (a Node program under Wine needs that). */
function startWineShim(dir, args, env = {}) {
  const stdout = openSync(join(dir, 'stdout.txt'), 'w');
  const stderr = openSync(join(dir, 'stderr.txt'), 'w');
  try {
    const shim = start('wine', [WIN_SHIM, ...args], { env: { ...WINE_ENV, ...env }, cwd: dir, stdio: ['ignore', stdout, stderr] });
    shim.stderrText = () => readFileSync(join(dir, 'stderr.txt'), 'utf8');
    return shim;
  } finally {
    closeSync(stdout);
    closeSync(stderr);
  }
}

/** The one live Linux process whose command line has `marker`, other than the shim (whose own arguments may name it); tracked. */
async function linuxPid(marker, shim, what) {
  const [pid] = await waitFor(() => {
    const pids = processesMatching(marker).filter((found) => found !== shim.pid && isAlive(found));
    return pids.length === 1 && pids;
  }, 30000, `${what} (command line with ${marker})`);
  return track(pid);
}

/** Waits for the server's PID file: returns its Windows PID and its Linux PID. */
async function serverStarted(layoutOf, shim) {
  const winPid = Number(await waitFor(() => readIfExists(join(layoutOf.dir, `${layoutOf.server}.pid`)), 60000, 'the server to start'));
  return { winPid, pid: await linuxPid(layoutOf.server, shim, 'the server') };
}

test('windows (wine): a hard kill of the shim ends its direct child (libuv\'s job object); a grandchild started by a .cmd launcher survives (a documented limit)', { skip }, async () => {
  const where = layout();
  const shim = startWineShim(where.dir, ['start', '--', cmdLauncher(where)]);
  const server = await serverStarted(where, shim);
  const cmd = await linuxPid(`launch-${where.id}`, shim, 'cmd.exe running the launcher');
  process.kill(shim.pid, 'SIGKILL'); // under Wine, what TerminateProcess (Task Manager's End task) is on Windows
  await exited(shim, 10000);
  await waitFor(() => !isAlive(cmd), 10000, 'the direct child (cmd.exe) to end with the shim\'s job object');
  await sleep(1000);
  assert.equal(isAlive(server.pid), true, 'the grandchild broke away from the job: nothing can reach it once the shim is killed');
  process.kill(server.pid, 'SIGKILL');
});

test('windows (wine): after Ctrl+C, --kill-after ends a child that ignores it: taskkill /T /F /PID <child>, then the child itself; the shim exits 137', { skip }, async () => {
  const where = layout();
  // trace+process: Wine logs each CreateProcess of the shim (to its stderr), so the test sees the taskkill command line.
  const shim = startWineShim(where.dir, ['--kill-after', '2', 'start', '--', NODE_EXE, TREE, 'server', winPath(where.dir), where.server],
    { IGNORE_CTRL: '1', WINEDEBUG: '-all,trace+process' });
  const server = await serverStarted(where, shim);
  // Wine turns SIGINT into CTRL_C_EVENT for the shim's handlers. A console would deliver Ctrl+C to the server
  // as well; it ignores it, so sending it to the shim alone is the same case.
  process.kill(shim.pid, 'SIGINT');
  await sleep(500);
  assert.equal(isAlive(server.pid), true, 'the child has its --kill-after grace');
  const { code } = await exited(shim, 30000);
  assert.equal(code, 137, shim.stderrText().split('\n').filter((line) => !line.includes(':trace:')).join('\n'));
  await waitFor(() => !isAlive(server.pid), 5000, 'the child to end');
  assert.match(shim.stderrText(), new RegExp(`CreateProcessInternalW app L"[^"]*\\\\\\\\System32\\\\\\\\taskkill\\.exe" cmdline L"[^"]*taskkill\\.exe /T /F /PID ${server.winPid}"`, 'i'));
  assert.match(shim.stderrText(), /did not stop within 2s of SIGINT/);
});

/** Why taskkill /T cannot end a tree under this Wine, or false. */
async function taskkillTreeSkip() {
  const { stdout, stderr } = await run('wine', ['taskkill', '/T', '/F', '/PID', '999999'], { env: WINE_ENV, timeoutMs: 60000 });
  const said = `${stdout}${stderr}`.split('\n').find((line) => /invalid command line option/i.test(line));
  return said ? `this Wine's taskkill rejects /T ("${said.trim()}"; Wine 8 has no /T) and then ends nothing, so the tree kill cannot run here; `
    + 'the shim then ends the direct child itself (previous test), and on Windows taskkill /T /F ends the whole tree' : false;
}

test('windows (wine): after Ctrl+C, --kill-after ends a grandchild started by a .cmd launcher too (taskkill /T)', { skip }, async (t) => {
  const noTree = await taskkillTreeSkip();
  if (noTree) return t.skip(noTree);
  const where = layout();
  const shim = startWineShim(where.dir, ['--kill-after', '1', 'start', '--', cmdLauncher(where)], { IGNORE_CTRL: '1' });
  const server = await serverStarted(where, shim);
  process.kill(shim.pid, 'SIGINT');
  await exited(shim, 30000);
  await waitFor(() => !isAlive(server.pid), 5000, 'the grandchild to end');
});

test('windows (wine): a child that exits leaving a detached server behind: the shim exits with its code, the server is left running (as on POSIX; documented)', { skip }, async () => {
  const where = layout();
  const shim = startWineShim(where.dir, ['start', '--', NODE_EXE, TREE, 'daemonize', winPath(where.dir), where.server]);
  const { code } = await exited(shim, 60000);
  assert.equal(code, 3);
  const server = await linuxPid(where.server, shim, 'the detached server');
  await sleep(1000);
  assert.equal(isAlive(server), true, 'the shim does not end what its child left when it exited by itself');
  process.kill(server, 'SIGKILL');
});
