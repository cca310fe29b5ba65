// The child gets fds 0-2 exactly as the shim received them: in particular a pipe stays blocking
// whatever the shim's log level (20 MB through a slow pipe: test/child-stdio-volume.test.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEBUG_PLAN_LINE as PLAN_LINE, envWithoutLogLevels as withoutLevels, run, MODES, shimLine, freePort } from './helpers.mjs';

// A free port: `start` checks it by binding it, and port 1 would need root. Nothing listens on it.
const PORT = String(await freePort());

// Pinned limit (README "Known limits"): Node marks every inherited descriptor above 2 close-on-exec
// at start-up and has no way to clear that flag, so exec cannot pass them on; supervise passes 0-2 only.
for (const mode of MODES) {
  test(`${mode.label}: descriptors above 2 that the caller left open do not reach the child (documented limit)`, async () => {
    const script = `exec 7</dev/null; ${shimLine(mode)} start -- sh -c 'if [ -e /proc/self/fd/7 ]; then echo fd7=open; else echo fd7=closed; fi; exit 3'; echo "status=$?"`;
    const direct = await run('bash', ['-c', `exec 7</dev/null; sh -c 'if [ -e /proc/self/fd/7 ]; then echo fd7=open; fi'`]);
    assert.equal(direct.stdout, 'fd7=open\n', 'a shell passes it on');
    const { stdout } = await run('bash', ['-c', script], { env: { ...process.env, HASURA_CONNECTOR_PORT: PORT } });
    assert.equal(stdout, 'fd7=closed\nstatus=3\n');
  });
}

/**
 * Runs `command` (argv) with stdout on a pipe whose write end is (non-)blocking; returns what the
 * child reports on stderr. posix_spawn, because Python's subprocess makes the pipe blocking again.
 */
function flagsThroughPipe(command, nonBlocking) {
  const python = `
import fcntl, os, sys
r, w = os.pipe()
if ${nonBlocking ? 'True' : 'False'}:
    fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)
er, ew = os.pipe()
pid = os.posix_spawnp(sys.argv[1], sys.argv[1:], os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, w, 1), (os.POSIX_SPAWN_DUP2, ew, 2)])
os.close(w)
os.close(ew)
chunks = []
while True:
    chunk = os.read(er, 65536)
    if not chunk:
        break
    chunks.append(chunk)
os.waitpid(pid, 0)
sys.stdout.write(b"".join(chunks).decode())
`;
  return run('python3', ['-c', python, ...command], { env: { ...withoutLevels(), HASURA_CONNECTOR_PORT: PORT, HASURA_PLUGIN_LOG_LEVEL: 'debug' } });
}

// fd 3, a copy of fd 1 (the same open file description, so the same flags): grep's own fd 1 is redirected.
const SHOW_FD1 = ['sh', '-c', 'exec 3>&1; grep "^flags" /proc/self/fdinfo/3 >&2'];

for (const mode of MODES) {
  test(`${mode.label}: at debug level the child's stdout pipe has the open flags a direct child gets (blocking)`, async () => {
    const direct = (await flagsThroughPipe(SHOW_FD1, false)).stdout;
    assert.match(direct, /^flags:\s+0*1\n$/, 'a blocking write end');
    const { stdout } = await flagsThroughPipe([...mode.shim.command, ...mode.flags, '--plugin=sh', 'cli', ...SHOW_FD1.slice(1)], false);
    assert.match(stdout, PLAN_LINE, 'the shim ran at debug level');
    assert.equal(stdout.split('\n').filter((line) => line.startsWith('flags')).join('\n') + '\n', direct);
  });
}

for (const mode of MODES.filter((m) => m.shim.execs && !m.flags.length)) {
  test(`${mode.label}: a non-blocking stdout from the caller stays non-blocking (exec mode: exactly as received)`, async () => {
    const direct = (await flagsThroughPipe(SHOW_FD1, true)).stdout;
    assert.match(direct, /^flags:\s+0*4001\n$/);
    const { stdout } = await flagsThroughPipe([...mode.shim.command, '--plugin=sh', 'cli', ...SHOW_FD1.slice(1)], true);
    assert.match(stdout, PLAN_LINE, 'the shim ran at debug level');
    assert.equal(stdout.split('\n').filter((line) => line.startsWith('flags')).join('\n') + '\n', direct);
  });
}
