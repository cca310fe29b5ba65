// No window without protection: a signal sent to a supervising shim at any moment of its start-up
// ends with the connector stopped or never started. SIGTERM, SIGINT and SIGKILL at every 2 ms from
// 0 to 100 ms after the shim is spawned. The connector is a shell running `sleep` without exec (a
// tree), except under SIGINT: a shell catches SIGINT and waits to see whether its child dies of it,
// so a SIGINT that reaches it before it has forked leaves it running, with or without a shim (that
// is the shell's own semantics); there the connector is `sleep` itself. `sleep` is given a number
// unique to the try, so that a survivor is found by its command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seaShim, startShim, exited, tempDir, waitFor, track, freePort } from './helpers.mjs';

const DELAYS = Array.from({ length: 51 }, (_, i) => i * 2);
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

test('sea --no-exec: SIGTERM, SIGINT or SIGKILL at any moment of start-up (0-100 ms, every 2 ms) leaves no connector running', { skip: !seaShim() && 'the executable is not built', timeout: 300_000 }, async () => {
  const dir = tempDir();
  const tries = SIGNALS.flatMap((signal) => DELAYS.map((delay) => ({ signal, delay })));
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
    await new Promise((resolve) => setTimeout(resolve, delay));
    process.kill(shim.pid, signal);
    await exited(shim, 10000);
    // A stopped connector is gone within the lifeline's first SIGTERM; give it a bounded moment.
    try {
      await waitFor(() => pidsWith(`sleep ${marker}`).length === 0, 3000, 'the connector to end');
    } catch {
      const left = pidsWith(`sleep ${marker}`);
      for (const pid of left) track(pid);
      const describe = (pid) => `${pid} ${readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^\d+ /, '').split(' ').slice(0, 4).join(' ')}`;
      survivors.push(`${signal} at ${delay} ms: ${left.map(describe).join(', ')}`);
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
