// Output into a pipe whose reader has gone: the shim ends as `cat` does, by SIGPIPE (a shell shows
// 141), printing nothing, never a stack trace. Tested with a pipe whose reader closed before the
// shim started, and with a reader that leaves in the middle of a large output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHIMS, run, tempDir } from './helpers.mjs';

const havePython = spawnSync('python3', ['-c', 'import os'], { stdio: 'ignore' }).status === 0;

// Runs a command with stdout on a pipe whose read end is already closed; prints
// {"status": exit code or -signal, "stderr": text}.
const CLOSED_PIPE = `
import json, os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run(sys.argv[1:], stdout=w, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=20)
print(json.dumps({"status": p.returncode, "stderr": p.stderr.decode("utf-8", "replace")}))
`;

function layout() {
  const dir = tempDir();
  const manifest = join(dir, 'ndc-shim.json');
  // Many long arguments: --dry-run prints far more than a pipe holds (64 KiB).
  const big = Array.from({ length: 400 }, (_, i) => `argument-${i}-${'x'.repeat(500)}`);
  writeFileSync(manifest, JSON.stringify({ commands: { start: ['true', ...big], update: ['true'], cli: ['true'] } }));
  return manifest;
}

const COMMANDS = (manifest) => [
  ['--help'], ['--version'], ['--manifest', manifest, '--dry-run', 'start'], ['--manifest', manifest, 'doctor'],
  ['--manifest', manifest, 'doctor', '--json'], ['--manifest', manifest, 'metadata'],
];

for (const shim of SHIMS) {
  test(`${shim.name}: into a pipe whose reader has already exited, the shim dies by SIGPIPE and prints nothing`, { skip: !havePython && 'python3 is not installed' }, async () => {
    const manifest = layout();
    for (const args of COMMANDS(manifest)) {
      const { stdout, code } = await run('python3', ['-c', CLOSED_PIPE, ...shim.command, ...args]);
      assert.equal(code, 0);
      const result = JSON.parse(stdout);
      assert.deepEqual(result, { status: -13, stderr: '' }, args.join(' '));
    }
  });

  test(`${shim.name}: a reader that leaves in the middle of a large output (| head -c 100): SIGPIPE, status 141 in the shell, no message`, async () => {
    const manifest = layout();
    const line = [...shim.command, '--manifest', manifest, '--dry-run', 'start'].map((word) => `'${word}'`).join(' ');
    for (const reader of ['head -c 100 >/dev/null', 'head -1']) {
      const { stdout, stderr, code } = await run('bash', ['-c', `${line} | ${reader}; echo "status=\${PIPESTATUS[0]}"`]);
      assert.equal(code, 0);
      assert.equal(stderr, '', reader);
      assert.match(stdout, /(^|\n)status=141\n$/, reader);
    }
  });
}

// stdout may be a pipe another process made non-blocking (Node itself does that to pipes it opens
// as streams): the shim still delivers everything to a slow reader, without a message.
const NONBLOCKING_PIPE = `
import fcntl, json, os, subprocess, sys, time
r, w = os.pipe()
fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)
p = subprocess.Popen(sys.argv[1:], stdout=w, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
os.close(w)
time.sleep(0.5)  # the shim fills the pipe and meets EAGAIN
data = b""
while True:
    chunk = os.read(r, 4096)
    if not chunk:
        break
    data += chunk
    time.sleep(0.001)
p.wait(timeout=20)
print(json.dumps({"status": p.returncode, "stderr": p.stderr.read().decode("utf-8", "replace"), "bytes": len(data), "tail": data[-40:].decode()}))
`;

for (const shim of SHIMS) {
  test(`${shim.name}: a large answer into a non-blocking pipe with a slow reader arrives whole`, { skip: !havePython && 'python3 is not installed' }, async () => {
    const manifest = layout();
    const expected = await run(shim.command[0], [...shim.command.slice(1), '--manifest', manifest, '--dry-run', 'start']);
    assert.ok(expected.stdout.length > 150000, 'more than two pipe buffers');
    const { stdout, code } = await run('python3', ['-c', NONBLOCKING_PIPE, ...shim.command, '--manifest', manifest, '--dry-run', 'start'], { timeoutMs: 60000 });
    assert.equal(code, 0);
    const result = JSON.parse(stdout);
    assert.deepEqual(result, { status: 0, stderr: '', bytes: Buffer.byteLength(expected.stdout), tail: expected.stdout.slice(-40) });
  });
}
