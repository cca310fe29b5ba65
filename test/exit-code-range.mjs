// Every exit code passes through the shim, in every mode: a range of codes per test file (the
// runner's time limit is per file), 32 launches per test, two tests at a time. Each shell gets a
// free port of its own: `start` checks it, and 8080 may be busy on this machine.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MODES, freePort, run, shimLine } from './helpers.mjs';

const BATCH = 32;

export function exitCodesPassThrough(first, last) {
  for (const mode of MODES) {
    describe(`${mode.label}: exit codes ${first}..${last} pass through`, { concurrency: 2 }, () => {
      for (let from = first; from <= last; from += BATCH) {
        const codes = Array.from({ length: Math.min(BATCH, last - from + 1) }, (_, i) => from + i);
        test(`exit codes ${codes[0]}..${codes.at(-1)}`, async () => {
          const script = `for i in ${codes.join(' ')}; do ${shimLine(mode)} start -- sh -c "exit $i"; printf '%s ' "$?"; done`;
          const env = { ...process.env, HASURA_CONNECTOR_PORT: String(await freePort()) };
          const { stdout, stderr, code } = await run('bash', ['-c', script], { env, timeoutMs: 150000 });
          assert.equal(code, 0, stderr);
          assert.deepEqual(stdout.trim().split(' ').map(Number), codes, stderr);
        });
      }
    });
  }
}
