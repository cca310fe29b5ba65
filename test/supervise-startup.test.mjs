// No window without protection: a signal sent to a supervising shim at any moment of its start-up
// ends with the connector stopped or never started. The moment the connector starts is measured
// first on this machine (loaded or not); SIGTERM, SIGINT and SIGKILL are then sent at 51 moments
// from 0 to twice that, and once more each right after the connector has started, so that both
// sides of the spawn are always exercised. The connector is a shell running `sleep` without exec (a
// tree), except under SIGINT: a shell catches SIGINT and waits to see whether its child dies of it,
// so a SIGINT that reaches it before it has forked leaves it running, with or without a shim (that
// is the shell's own semantics); there the connector is `sleep` itself. `sleep` is given a number
// unique to the try, so that a survivor is found by its command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seaShim, startShim, exited, tempDir, waitFor, track, freePort } from './helpers.mjs';

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGKILL'];
const PARALLEL = 4;

/** PIDs whose command line contains `text` (read from /proc, cheaper than pgrep at this volume). */
function pidsWith(text) {
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(text)) found.push(Number(name));
    } catch { /* gone */ }
  }
  return found;
}

/** Milliseconds from spawning the shim to its connector's first command, measured `count` times (median). */
async function startupMs(dir, count) {
  const times = [];
  await Promise.all(Array.from({ length: count }, async (_, n) => {
    const stamp = join(dir, `calibrate-${n}`);
    const env = { ...process.env, HASURA_CONNECTOR_PORT: String(await freePort()) };
    const spawned = Date.now();
    const shim = startShim(seaShim(), ['--no-exec', 'start', '--', '/bin/sh', '-c', `date +%s%N > '${stamp}'; exec sleep 60`], { env, stdio: 'ignore' });
    try {
      const nanoseconds = await waitFor(() => { const text = existsSync(stamp) && readFileSync(stamp, 'utf8'); return /^\d+\n$/.test(text) && text; }, 30000, 'the calibration connector to start');
      times.push(Number(BigInt(nanoseconds.trim()) / 1000000n) - spawned);
    } finally {
      process.kill(shim.pid, 'SIGTERM');
      await exited(shim, 15000);
    }
  }));
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

test('sea --no-exec: SIGTERM, SIGINT or SIGKILL at any moment of start-up (aimed around when the connector starts here) leaves no connector running', { skip: !seaShim() && 'the executable is not built', timeout: 400_000 }, async (t) => {
  const dir = tempDir();
  const measured = await startupMs(dir, PARALLEL);
  const span = Math.max(20, 2 * measured);
  const delays = Array.from({ length: 51 }, (_, i) => Math.round((i * span) / 50));
  t.diagnostic(`the connector starts about ${measured} ms after the shim is spawned; signals from 0 to ${span} ms, and once after it started`);
  const tries = SIGNALS.flatMap((signal) => [...delays.map((delay) => ({ signal, delay })), { signal, delay: 'started' }]);
  const survivors = [];
  let started = 0;
  let index = 0;
  const one = async ({ signal, delay }, n) => {
    const marker = `${900 + n}.${process.pid}`;
    const startedFile = join(dir, `started-${n}`);
    const connector = signal === 'SIGINT'
      ? ['/bin/sh', '-c', `: > '${startedFile}'; exec sleep ${marker}`]
      : ['/bin/sh', '-c', `: > '${startedFile}'; sleep ${marker}; :`];
    // A port per try: `start` checks by binding it, and tries run side by side.
    const env = { ...process.env, HASURA_CONNECTOR_PORT: String(await freePort()) };
    const shim = startShim(seaShim(), ['--no-exec', 'start', '--', ...connector], { env, stdio: 'ignore' });
    if (delay === 'started') await waitFor(() => existsSync(startedFile), 30000, 'the connector to start');
    else await new Promise((resolve) => setTimeout(resolve, delay));
    process.kill(shim.pid, signal);
    await exited(shim, 10000);
    // A stopped connector is gone within the lifeline's first SIGTERM; give it a bounded moment.
    try {
      await waitFor(() => pidsWith(`sleep ${marker}`).length === 0, 3000, 'the connector to end');
    } catch {
      const left = pidsWith(`sleep ${marker}`);
      for (const pid of left) track(pid);
      const describe = (pid) => `${pid} ${readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^\d+ /, '').split(' ').slice(0, 4).join(' ')}`;
      survivors.push(`${signal} at ${delay === 'started' ? 'the connector\'s start' : `${delay} ms`}: ${left.map(describe).join(', ')}`);
    }
    if (existsSync(startedFile)) started++;
  };
  await Promise.all(Array.from({ length: PARALLEL }, async () => {
    while (index < tries.length) {
      const n = index++;
      await one(tries[n], n);
    }
  }));
  assert.deepEqual(survivors, [], 'no connector outlives a signal sent during start-up');
  assert.ok(started > 0, 'some tries reached the connector (the window after the spawn was exercised)');
  assert.ok(started < tries.length, 'some tries ended the shim before the spawn');
});
