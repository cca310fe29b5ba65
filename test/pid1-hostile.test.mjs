// PID 1 (unshare, as root) under hostile conditions: an exec the kernel refuses (ETXTBSY) reports
// like exec and supervise modes; a full TMPDIR leaves no truncated init behind; SIGTERM reaches a
// server two processes below the init (tini -g).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SEA, seaShim, start, exited, tempDir, waitFor, readIfExists, freePort, track, run } from './helpers.mjs';

const isRoot = process.getuid?.() === 0;
const canUnshare = isRoot && spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { stdio: 'ignore' }).status === 0;
const skip = !seaShim() ? 'the executable is not built' : !isRoot ? 'needs root (unshare --pid, mount)' : !canUnshare ? 'unshare --pid --fork --mount-proc does not work here' : false;
const initFile = join(ROOT, '.cache', 'tini', 'init-linux-x64.br');
const hasInit = !skip && existsSync(initFile) && readFileSync(SEA).includes(readFileSync(initFile));
const initSkip = skip || (!hasInit && 'the executable has no PID 1 init (run apt-get update, then npm run build; see scripts/init-binary.mjs)');

const childrenOf = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
};

/** A process that holds `file` open for writing (the kernel then refuses to execute it: ETXTBSY) until killed. */
async function holdOpenForWriting(file) {
  const holder = start(process.execPath, ['-e', `require('fs').openSync(${JSON.stringify(file)}, 'r+'); console.log('holding'); setInterval(() => {}, 1000)`]);
  await waitFor(() => holder.output.stdout.includes('holding'), 10000, 'the holder to open the file');
  return holder;
}

for (const format of ['pretty', 'json']) {
  test(`PID 1 (${format}): a program held open for writing (ETXTBSY) gives the shim's one line and 126, as exec and supervise modes do`, { skip: initSkip }, async () => {
    const dir = tempDir();
    const busy = join(dir, 'busy');
    copyFileSync('/bin/true', busy);
    chmodSync(busy, 0o755);
    const holder = await holdOpenForWriting(busy);
    try {
      const env = { ...process.env, HASURA_CONNECTOR_PORT: String(await freePort()) };
      const asPid1 = await run('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', SEA, '--log-format', format, 'start', '--', busy], { cwd: dir, env });
      const exec = await run(SEA, ['--log-format', format, 'start', '--', busy], { cwd: dir, env });
      assert.equal(exec.code, 126, exec.stderr);
      assert.equal(asPid1.code, 126, asPid1.stderr);
      assert.doesNotMatch(asPid1.stderr, /tini|FATAL/);
      const mask = (text) => text.replace(/"time":\d+/g, '"time":T');
      assert.equal(mask(asPid1.stderr), mask(exec.stderr));
      assert.equal(asPid1.stderr.trim().split('\n').length, 1, asPid1.stderr);
    } finally {
      holder.kill('SIGKILL');
    }
  });
}

test('PID 1 with a full TMPDIR and /dev/shm (64 KiB tmpfs): no truncated init is left, the warning names the cause, the connector still runs', { skip: initSkip }, async () => {
  const tmp = tempDir();
  const out = join(tempDir(), 'listing'); // outside the full tmpfs
  // The tmpfs mounts exist only in the container's mount namespace; the listing is taken there, after the shim.
  const script = [
    'mount -t tmpfs -o size=64k tmpfs "$TMPDIR" && mount -t tmpfs -o size=64k tmpfs /dev/shm || exit 99',
    `unshare --pid --fork --mount-proc --kill-child "$@"; status=$?`,
    `{ ls -A "$TMPDIR" "$TMPDIR"/ndc-shim-0 /dev/shm /dev/shm/ndc-shim-0; df -k "$TMPDIR" /dev/shm | awk 'NR>1 {print "used", $3}'; } > ${JSON.stringify(out)} 2>&1`,
    'exit $status',
  ].join('\n');
  const result = await run('unshare', ['--mount', '--propagation', 'private', '/bin/sh', '-c', script, 'sh', SEA, 'start', '--', '/bin/sh', '-c', 'exit 7'],
    { env: { ...process.env, TMPDIR: tmp, HASURA_CONNECTOR_PORT: String(await freePort()) }, timeoutMs: 30000 });
  assert.notEqual(result.code, 99, `mount failed: ${result.stderr}`);
  assert.equal(result.code, 7, result.stderr);
  const listing = readFileSync(out, 'utf8');
  assert.match(listing, /ndc-shim-0/, listing);
  assert.doesNotMatch(listing, /init-[0-9a-f]+\./, `a partial init was left behind:\n${listing}`);
  assert.doesNotMatch(listing, /init-[0-9a-f]+/, listing);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0], /PID 1 .*ENOSPC/);
});

test('PID 1: SIGTERM reaches a server two levels below the init (sh -c "server; echo"), not only its parent', { skip: initSkip }, async () => {
  const dir = tempDir();
  const record = join(dir, 'server-got');
  const ready = join(dir, 'ready');
  const server = join(dir, 'server.cjs');
  // The server writes which signal it got; sh runs it as a child (not exec: `; echo` follows). sh's
  // trap (a handler, so its child starts with the default) keeps sh there until the server has
  // ended: else sh dies at once and, PID 1 gone, the kernel SIGKILLs the server before it writes.
  writeFileSync(server, `const fs = require('fs');
process.on('SIGTERM', () => { fs.writeFileSync(${JSON.stringify(record)}, 'SIGTERM'); process.exit(0); });
fs.writeFileSync(${JSON.stringify(ready)}, 'ready'); setInterval(() => {}, 1000);`);
  const container = start('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', SEA, 'start', '--', '/bin/sh', '-c', `trap : TERM; ${JSON.stringify(process.execPath)} ${JSON.stringify(server)}; echo after`],
    { env: { ...process.env, HASURA_CONNECTOR_PORT: String(await freePort()) } });
  const shimPid = await waitFor(() => childrenOf(container.pid)[0], 5000, 'the shim to start');
  track(shimPid);
  await waitFor(() => readIfExists(ready), 20000, 'the server');
  process.kill(shimPid, 'SIGTERM');
  await exited(container, 10000).catch(() => {});
  assert.equal(readIfExists(record), 'SIGTERM', `the server two levels down got SIGTERM (shim's stderr: ${container.output.stderr})`);
});
