// The `ps` paths, which macOS takes where Linux reads /proc: launch/tree.ts (the shim's own signals to
// the child's tree) and the lifeline's shell. procps `ps` takes the same options as macOS's
// (`-A -o pid=,ppid=,stat=,lstart=`; each `=` only empties that column's header on macOS), so both run
// here for real: tree.ts with PlatformFacts of macOS, the lifeline with its `ps` switch. A `ps` first
// on PATH logs each call, so a test fails if the /proc path ran instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processTools, signalEntries, signalTree, stillRunning } from '../build/launch/tree.js';
import { FIXTURES, NODE, exited, isAlive, processesMatching, readIfExists, start, tempDir, track, waitFor } from './helpers.mjs';

const MACOS = { family: 'posix', platform: 'darwin', execAvailable: true, isPid1: false };
const STANDIN = join(FIXTURES, 'lifeline-standin.cjs');
const REAL_PS = spawnSync('sh', ['-c', 'command -v ps'], { encoding: 'utf8' }).stdout.trim();

/** A directory with a `ps` that logs its arguments to `log`, then runs the real one. */
function loggingPs() {
  const dir = tempDir();
  const log = join(dir, 'ps.log');
  writeFileSync(join(dir, 'ps'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${REAL_PS}' "$@"\n`);
  chmodSync(join(dir, 'ps'), 0o755);
  return { dir, log, calls: () => readIfExists(log) };
}

// tree.ts runs `ps` by absolute path: the logging one here.
const psForTree = loggingPs();
processTools.ps = join(psForTree.dir, 'ps');

/** Every process from /proc: pid -> { ppid, state } (the test's own view, not the code's). */
function procTable() {
  const table = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(name), { state: fields[0], ppid: Number(fields[1]) });
    } catch { /* gone */ }
  }
  return table;
}

/** The live (not zombie) descendants of `root`, from /proc. */
function descendants(root, { zombies = false } = {}) {
  const table = procTable();
  const found = [];
  let frontier = [root];
  while (frontier.length > 0) {
    const next = [...table].filter(([, entry]) => frontier.includes(entry.ppid)).map(([pid]) => pid);
    found.push(...next);
    frontier = next;
  }
  return found.filter((pid) => zombies || table.get(pid)?.state !== 'Z').sort((a, b) => a - b);
}

const lstart = (pid) => spawnSync(REAL_PS, ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim().split(/\s+/).join(' ');

/** A child of this process running `script` in /bin/sh, once it has `count` live descendants (when given). */
async function shellTree(script, count) {
  const child = spawn('/bin/sh', ['-c', script], { stdio: 'ignore' });
  track(child.pid);
  child.done = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  if (count === undefined) return { child, below: [] };
  const below = await waitFor(() => { const found = descendants(child.pid); return found.length === count && found; }, 5000, `${count} descendants`);
  below.forEach(track);
  return { child, below };
}

test('tree.ts with ps (macOS): SIGTERM reaches the child and every descendant, each with the start time ps shows', async () => {
  const { child, below } = await shellTree('sh -c "sleep 300; :" & sleep 300; :', 3);
  const started = new Map(below.map((pid) => [pid, lstart(pid)]));
  const before = psForTree.calls();
  const reached = signalTree(child.pid, 'SIGTERM', MACOS, (signal) => child.kill(signal));
  assert.match(psForTree.calls().slice(before.length), /^-A -o pid=,ppid=,stat=,lstart=$/m, 'tree.ts took its ps path');
  assert.deepEqual(reached.map((entry) => entry.pid).sort((a, b) => a - b), below);
  for (const entry of reached) assert.equal(entry.identity, started.get(entry.pid), `pid ${entry.pid}: its start time as ps prints it`);
  assert.deepEqual((await child.done).signal, 'SIGTERM');
  await waitFor(() => below.every((pid) => !isAlive(pid)), 3000, 'every descendant to end');
});

test('tree.ts with ps (macOS): a zombie descendant is left out, a live one is not', async () => {
  // The exec'd `sleep 301` never reaps the `sleep 0` it inherits: a zombie beside a live `sleep 300`.
  const { child } = await shellTree('sleep 0 & sleep 300 & exec sleep 301');
  const [live, zombie] = await waitFor(() => {
    const all = descendants(child.pid, { zombies: true });
    const live = descendants(child.pid);
    return all.length === 2 && live.length === 1 && [live[0], all.find((pid) => pid !== live[0])];
  }, 5000, 'a live grandchild beside a zombie');
  track(live);
  const reached = signalTree(child.pid, 'SIGWINCH', MACOS, (signal) => child.kill(signal));
  const pids = new Set(reached.map((entry) => entry.pid));
  assert.equal(pids.has(live), true, 'the live grandchild is found');
  assert.equal(pids.has(zombie), false, 'the zombie is not');
  child.kill('SIGKILL');
  process.kill(live, 'SIGKILL');
});

test('tree.ts with ps (macOS): a PID whose start time is not the one seen (a recycled PID) is never signalled', async () => {
  const { child } = await shellTree('exec sleep 300');
  const seen = { pid: child.pid, ppid: process.pid, identity: lstart(child.pid) };
  const recycled = { ...seen, identity: 'Thu Jan 1 00:00:00 1970' };
  assert.deepEqual(stillRunning([recycled], MACOS), []);
  assert.deepEqual(stillRunning([seen], MACOS), [seen]);
  signalEntries([recycled], 'SIGTERM', MACOS);
  await sleep(200);
  assert.equal(isAlive(child.pid), true, 'the other process at that PID was left alone');
  signalEntries([seen], 'SIGTERM', MACOS);
  assert.equal((await child.done).signal, 'SIGTERM');
});

const LINUX = { family: 'posix', platform: 'linux', execAvailable: true, isPid1: false };
const procStartTime = (pid) => { const stat = readFileSync(`/proc/${pid}/stat`, 'utf8'); return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]; };

test('tree.ts with /proc (Linux): a PID whose start time is not the one seen (a recycled PID) is never signalled', async () => {
  const { child } = await shellTree('exec sleep 300');
  const seen = { pid: child.pid, ppid: process.pid, identity: procStartTime(child.pid) };
  const recycled = { ...seen, identity: String(Number(seen.identity) - 1) };
  const before = psForTree.calls();
  assert.deepEqual(stillRunning([recycled], LINUX), []);
  assert.deepEqual(stillRunning([seen], LINUX), [seen]);
  signalEntries([recycled], 'SIGTERM', LINUX);
  await sleep(200);
  assert.equal(isAlive(child.pid), true, 'the other process at that PID was left alone');
  assert.equal(psForTree.calls(), before, 'read from /proc, not ps');
  signalEntries([seen], 'SIGTERM', LINUX);
  assert.equal((await child.done).signal, 'SIGTERM');
});

/** Starts the stand-in shim with its lifeline on `ps`; returns it, what it wrote, and its lifeline's PID. */
async function standIn(args, env) {
  const dir = tempDir();
  const out = join(dir, 'standin.json');
  const ps = loggingPs();
  const standin = start(NODE, [STANDIN, out, ...args], { env: { ...process.env, LIFELINE_PS: join(ps.dir, 'ps'), LIFELINE_TABLE: 'ps', ...env } });
  const facts = JSON.parse(await waitFor(() => readIfExists(out), 10000, 'the stand-in to start its child'));
  const [lifeline] = spawnSync('pgrep', ['-P', String(standin.pid), '-f', 'ndc-shim-lifeline'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
  assert.ok(lifeline, 'the lifeline runs');
  track(lifeline);
  return { standin, facts, lifeline, ps };
}

test('lifeline with ps (macOS): when the shim is SIGKILLed, it ends the child and every descendant, then leaves', async () => {
  const { standin, facts, lifeline, ps } = await standIn(['tree'], { CHILD_SCRIPT: 'sh -c "sleep 300; :" & sleep 300; :' });
  const below = await waitFor(() => { const found = descendants(facts.child); return found.length === 3 && found; }, 5000, 'the tree');
  below.forEach(track);
  process.kill(standin.pid, 'SIGKILL');
  await exited(standin);
  await waitFor(() => [facts.child, ...below].every((pid) => !isAlive(pid)), 3000, 'the child and its descendants to end');
  await waitFor(() => !isAlive(lifeline), 3000, 'the lifeline to leave');
  assert.match(ps.calls(), /^-A -o pid=,ppid=,stat=,lstart=$/m, 'its snapshot came from ps');
  assert.match(ps.calls(), /^-o stat=,lstart= -p \d+$/m, 'its identity checks too');
});

test('lifeline with ps (macOS): a tree that ignores SIGTERM is frozen, then SIGKILLed after the grace', async () => {
  const { standin, facts, lifeline } = await standIn(['tree'], { GRACE: '2', CHILD_SCRIPT: 'trap "" TERM; sh -c "sleep 300; :" & sleep 300; :' });
  const below = await waitFor(() => { const found = descendants(facts.child); return found.length === 3 && found; }, 5000, 'the tree');
  below.forEach(track);
  process.kill(standin.pid, 'SIGKILL');
  await exited(standin);
  await sleep(800);
  assert.equal([facts.child, ...below].every(isAlive), true, 'SIGTERM is ignored: all are there during the grace');
  await waitFor(() => [facts.child, ...below].every((pid) => !isAlive(pid)), 4000, 'SIGKILL after the grace');
  await waitFor(() => !isAlive(lifeline), 3000, 'the lifeline to leave');
});

const canUnshare = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { stdio: 'ignore' }).status === 0;

// Both ways of reading the process table: a recycled PID's children are someone else's.
for (const table of ['ps', 'proc']) {
  test(`lifeline with ${table === 'ps' ? 'ps (macOS)' : '/proc (Linux)'}: the child's PID recycled by another process: that process and its child are left alone`, { skip: !canUnshare && 'needs root for unshare --pid and ns_last_pid (CI runs as root)' }, async () => {
    const dir = tempDir();
    const out = join(dir, 'standin.json');
    const mark = `${process.pid}${Date.now() % 100000}`;
    const ps = loggingPs();
    // PID 1 of the namespace outlives the stand-in (its death would end the namespace), then the test ends it.
    const container = start('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', '/bin/sh', '-c', `"$0" "$1" "$2" recycle ${mark} & wait; sleep 60`, NODE, STANDIN, out],
      { env: { ...process.env, LIFELINE_PS: join(ps.dir, 'ps'), LIFELINE_TABLE: table === 'ps' ? 'ps' : 'auto' } });
    const facts = JSON.parse(await waitFor(() => readIfExists(out), 15000, 'the stand-in to recycle its child\'s PID'));
    assert.equal(facts.decoy, facts.child, 'the decoy got the PID the child had');
    const standinLine = `^${NODE} ${STANDIN} ${out}`; // not the shell's or unshare's command line, which hold these words too
    const [standin] = await waitFor(() => processesMatching(standinLine).length === 1 && processesMatching(standinLine), 5000, 'the stand-in');
    const [lifeline] = spawnSync('pgrep', ['-P', String(standin), '-f', 'ndc-shim-lifeline'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
    assert.ok(lifeline, 'the lifeline runs');
    const [decoy] = processesMatching(`decoy-${mark}`);
    const [decoyChild] = await waitFor(() => processesMatching(`^sleep 300.${mark}`).length === 1 && processesMatching(`^sleep 300.${mark}`), 5000, 'the decoy\'s child');
    [lifeline, decoy, decoyChild].forEach(track);
    process.kill(standin, 'SIGKILL');
    await waitFor(() => !isAlive(lifeline), 5000, 'the lifeline to leave');
    for (const pid of [decoy, decoyChild]) {
      assert.equal(isAlive(pid), true, `pid ${pid} of the decoy's tree was left alone`);
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      assert.notEqual(stat.slice(stat.lastIndexOf(')') + 2)[0], 'T', `pid ${pid} was not left stopped`);
    }
    if (table === 'ps') assert.match(ps.calls(), /^-o stat=,lstart= -p \d+$/m, 'the lifeline checked identities with ps');
    else assert.equal(ps.calls(), '', 'the lifeline read /proc');
    container.kill('SIGKILL');
    await exited(container);
  });
}
