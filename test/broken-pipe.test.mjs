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
