// The forwarded signals that signals.test.mjs does not send (issue 19 item 14): SIGABRT, SIGSYS,
// SIGTRAP and SIGSTKFLT sent to a supervising shim reach the child. (Each waited for, no timing.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SHIMS, RECORDER, NODE, startShim, exited, tempDir, waitFor, readIfExists, track } from './helpers.mjs';

const MORE = ['SIGABRT', 'SIGSYS', 'SIGTRAP', 'SIGSTKFLT'];

for (const shim of SHIMS) {
  const flags = shim.execs ? ['--no-exec'] : [];
  test(`${shim.name}${shim.execs ? ' --no-exec' : ' supervise'}: ${MORE.join(', ')} sent to the shim reach the child`, { skip: process.platform !== 'linux' && 'Linux only (SIGSTKFLT)' }, async () => {
    const dir = tempDir();
    const record = join(dir, 'signals');
    const ready = join(dir, 'ready');
    const env = { ...process.env, RECORD_FILE: record, READY_FILE: ready, RECORD_MORE: '1' };
    const child = startShim(shim, [...flags, 'start', '--', NODE, RECORDER], { env });
    const recorderPid = Number(await waitFor(() => readIfExists(ready), 30000, 'the recorder to be ready'));
    track(recorderPid);
    const received = () => readIfExists(record).split('\n').filter(Boolean);
    for (const signal of MORE) {
      process.kill(child.pid, signal);
      await waitFor(() => received().includes(signal), 15000, `${signal} to reach the child`);
    }
    process.kill(child.pid, 'SIGTERM');
    const { code, signal } = await exited(child, 30000);
    assert.deepEqual({ code, signal }, { code: 0, signal: null });
  });
}
