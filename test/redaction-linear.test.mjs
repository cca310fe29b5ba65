// redact (src/redaction.ts) runs on every line the shim prints, and the text may be hostile (a
// path or an argument of any length): its patterns are bounded, so its time grows linearly with
// the text. Checked by CPU time at two sizes, which a busy machine does not distort.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { redact } from '../build/redaction.js';

/**
 * The least CPU time (not wall time: other processes on a busy machine do not count) of a few runs,
 * each after a full garbage collection.
 */
function fastest(fn, runs = 3) {
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  let best = Infinity;
  for (let index = 0; index < runs; index++) {
    gc();
    const begun = process.cpuUsage();
    fn();
    const spent = process.cpuUsage(begun);
    best = Math.min(best, spent.user + spent.system);
  }
  return best;
}

test('redact stays linear on hostile text: eight times the text takes far less than 64 times as long', () => {
  for (const unit of ['ab://x:', 'a://', 'a://u:', ' password={', " password='", ' password=\\"', '\\"password\\": \\"', '"x": "', ' a=', 'password: ',
    '-----BEGIN PRIVATE KEY-----', '-----BEGIN PRIVATE KEY-----AAAA', 'eyJa.eyJa.', 'Bearer ', '@', 'a:b@']) {
    // Large enough that fixed costs do not count.
    const small = unit.repeat(Math.ceil(10_000 / unit.length));
    const large = unit.repeat(Math.ceil(80_000 / unit.length));
    redact(small); // warm up the regular expressions
    const ratio = fastest(() => redact(large)) / fastest(() => redact(small));
    // Linear: about 8. Quadratic: about 64. The margin absorbs a busy machine.
    assert.ok(ratio < 32, `${JSON.stringify(unit)}: 8x the text took ${ratio.toFixed(1)}x as long`);
  }
});
