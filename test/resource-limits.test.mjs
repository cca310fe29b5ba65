// Tiny resource limits: where the shim's own code runs into them, it names the limit and exits 1
// (EMFILE is never a manifest or port problem). Below what the runtime itself needs to start, the
// runtime crashes before any of our code: README "Known limits" gives the measured minimum.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { seaShim, run, tempDir, freePort, shellWord } from './helpers.mjs';

const sea = seaShim();
const skip = sea ? false : 'dist/ndc-shim-linux-x64 is not built';

// 21-27 are the limits at which, with fds 0-2 only, the runtime starts and our code then runs out
// (reading the manifest, probing the port, starting the child in supervise mode).
for (const flags of [[], ['--no-exec']]) {
  test(`sea${flags.length ? ' --no-exec' : ''}: ulimit -n just above what the runtime needs: one line naming the limit, exit 1, never a manifest error`, { skip }, async () => {
    const dir = tempDir();
    const port = await freePort();
    for (const limit of [21, 22, 23, 24, 25, 26, 27]) {
      const line = `ulimit -c 0; ulimit -n ${limit}; exec ${[sea.command[0], ...flags, 'start', '--', 'true'].map(shellWord).join(' ')}`;
      const { code, stderr } = await run('bash', ['-c', line], { cwd: dir, env: { ...process.env, HASURA_CONNECTOR_PORT: String(port) } });
      if (code === 0) continue; // enough for this path
      assert.equal(code, 1, `ulimit -n ${limit}: ${stderr}`);
      assert.doesNotMatch(stderr, /manifest|check HASURA_CONNECTOR_HOST|check the command/, `ulimit -n ${limit}`);
      assert.match(stderr, new RegExp(`too many open files .*ulimit -n\\)? is ${limit}\\b.*raise it`), `ulimit -n ${limit}: ${stderr}`);
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
    }
    assert.deepEqual(readdirSync(dir).filter((name) => name.startsWith('core')), []);
  });
}

test('sea: health and doctor name the open-files limit too', { skip }, async () => {
  const dir = tempDir();
  const port = await freePort();
  for (const command of ['health', 'doctor']) {
    const { code, stdout, stderr } = await run('bash', ['-c', `ulimit -n 21; exec ${shellWord(sea.command[0])} ${command}`], { cwd: dir, env: { ...process.env, HASURA_CONNECTOR_PORT: String(port) } });
    assert.equal(code, 1, stderr);
    assert.match(stdout + stderr, /too many open files .*is 21\b/, command);
  }
});

// README "Known limits": Node's C++ start-up opens /dev/null on a closed fd 0-2 before any of our
// code runs. Pinned, so that a runtime that stops doing it (the child could then get the closed fd) is noticed.
for (const flags of [[], ['--no-exec']]) {
  test(`sea${flags.length ? ' --no-exec' : ''}: a closed fd 0 reaches the child as /dev/null (the runtime reopens it before any JavaScript)`, { skip }, async () => {
    const dir = tempDir();
    const line = `exec 0<&-; exec ${[sea.command[0], ...flags, 'start', '--', '/bin/sh', '-c', 'readlink /proc/self/fd/0 || echo closed'].map(shellWord).join(' ')}`;
    const { code, stdout, stderr } = await run('bash', ['-c', line], { cwd: dir, env: { ...process.env, HASURA_CONNECTOR_PORT: String(await freePort()) } });
    assert.equal(code, 0, stderr);
    assert.equal(stdout, '/dev/null\n');
  });
}
