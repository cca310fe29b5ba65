// Many `start`s at once on one free port: their bind probes meet, and none may call the port busy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { runShim, seaShim, freePort, tempDir } from './helpers.mjs';

const SIMULTANEOUS = 30;

// Through the direct probe (an address) and through net (a host name: the longer probe, where
// collisions showed most). The executable only: the code is the bundle's too, and 60 Node 20s at once are slow.
const shim = seaShim();
for (const host of [undefined, '127.0.0.1', 'localhost']) {
  test(`sea: ${SIMULTANEOUS} simultaneous starts on one free port${host ? ` (host ${host})` : ''}: none is told the port is in use`, { skip: shim ? false : 'dist/ndc-shim-linux-x64 is not built' }, async (t) => {
    if (host === 'localhost') {
      try { await lookup('localhost'); } catch { return t.skip('localhost does not resolve on this machine'); }
    }
    const port = await freePort();
    const cwd = tempDir();
    const env = { ...process.env, HASURA_CONNECTOR_PORT: String(port), ...(host ? { HASURA_CONNECTOR_HOST: host } : {}) };
    for (let round = 0; round < 2; round++) {
      const results = await Promise.all(Array.from({ length: SIMULTANEOUS }, () => runShim(shim, ['start', '--', 'true'], { env, cwd, timeoutMs: 60000 })));
      const busy = results.filter((result) => /in use|EADDRINUSE/.test(result.stderr + result.stdout));
      assert.equal(busy.length, 0, busy[0]?.stderr);
    }
  });
}
