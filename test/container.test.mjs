// As a container's entrypoint (PID 1 in its own PID namespace, made with `unshare` as root): the
// shim does not exec the connector but an init (the embedded static tini), so a connector without a
// SIGTERM handler still stops on `docker stop`, every orphan is reaped, the status is 128+N or the
// connector's own, and no Node process stays resident. Where nothing can be written (a read-only
// root), it supervises with Node after one warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SEA, RECORDER, NODE, seaShim, start, exited, tempDir, waitFor, readIfExists, freePort, isAlive, track } from './helpers.mjs';

const canUnshare = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { stdio: 'ignore' }).status === 0;
const skip = !seaShim() ? 'the executable is not built' : !canUnshare ? 'unshare --pid needs root (CI runs as root)' : false;
// The init is embedded when the build could fetch the pinned tini (apt-get with its package lists);
// .ci/run builds with --strict, which fails without it, so there this never skips.
const initFile = join(ROOT, '.cache', 'tini', 'init-linux-x64.br');
const hasInit = !skip && existsSync(initFile) && readFileSync(SEA).includes(readFileSync(initFile));
const initSkip = skip || (!hasInit && 'the executable has no PID 1 init (run apt-get update, then npm run build; see scripts/init-binary.mjs)');
const EXAMPLE = join(ROOT, 'examples', 'connector');

const childrenOf = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
};
const stateOf = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0];
  } catch {
    return undefined;
  }
};

/** Starts `ndc-shim args` as PID 1 of a new PID namespace; returns the unshare process and the shim's host PID. */
async function asPid1(args, env) {
  const container = start('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', SEA, ...args], { env });
  const shimPid = await waitFor(() => childrenOf(container.pid)[0], 5000, 'the shim to start');
  track(shimPid);
  return { container, shimPid };
}

test('PID 1: the plan is to supervise, with the reason', { skip }, async () => {
  const result = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', SEA, '--dry-run', 'serve', '--', 'true'], { encoding: 'utf8' });
  const plan = JSON.parse(result.stdout);
  assert.equal(plan.mode, 'supervise');
  assert.match(plan.modeReason, /PID 1/);
});

test('PID 1: SIGTERM (docker stop) ends the SDK connector, which has no handler of its own; exit 143', { skip }, async () => {
  const port = await freePort();
  const { container, shimPid } = await asPid1(['--manifest', join(EXAMPLE, 'ndc-shim.json'), '--connector-dir', EXAMPLE, 'serve'], {
    ...process.env, HASURA_CONNECTOR_PORT: String(port), HASURA_CONFIGURATION_DIRECTORY: join(EXAMPLE, 'configuration'),
  });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => ({ status: 0 }))).status === 200, 20000, '/health');
  const [connectorPid] = childrenOf(shimPid);
  assert.ok(connectorPid, 'the connector is the shim\'s child');
  track(connectorPid);
  assert.notEqual(stateOf(connectorPid), 'Z');
  for (const pid of childrenOf(shimPid)) assert.notEqual(stateOf(pid), 'Z', 'no child of the shim is a zombie while it runs');
  process.kill(shimPid, 'SIGTERM');
  const status = await exited(container, 5000);
  assert.equal(status.code, 143);
  assert.equal(isAlive(connectorPid), false);
});

test('PID 1: SIGINT (Ctrl+C of docker run -it) ends it too; exit 130', { skip }, async () => {
  const port = await freePort();
  const { container, shimPid } = await asPid1(['--manifest', join(EXAMPLE, 'ndc-shim.json'), '--connector-dir', EXAMPLE, 'serve'], {
    ...process.env, HASURA_CONNECTOR_PORT: String(port), HASURA_CONFIGURATION_DIRECTORY: join(EXAMPLE, 'configuration'),
  });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => ({ status: 0 }))).status === 200, 20000, '/health');
  process.kill(shimPid, 'SIGINT');
  assert.equal((await exited(container, 5000)).code, 130);
});

test('PID 1: a connector that ignores SIGTERM is SIGKILLed after --kill-after; a clean exit passes its code', { skip }, async () => {
  const dir = tempDir();
  const env = { ...process.env, RECORD_FILE: join(dir, 'signals'), READY_FILE: join(dir, 'ready'), IGNORE_TERM: '1', HASURA_CONNECTOR_PORT: String(await freePort()) };
  const { container, shimPid } = await asPid1(['--kill-after', '1', 'serve', '--', NODE, RECORDER], env);
  await waitFor(() => readIfExists(env.READY_FILE), 10000, 'the stand-in');
  process.kill(shimPid, 'SIGTERM');
  assert.equal((await exited(container, 6000)).code, 137);
  assert.match(readIfExists(env.RECORD_FILE), /SIGTERM/);

  const clean = await asPid1(['serve', '--', 'sh', '-c', 'exit 7'], { ...process.env, HASURA_CONNECTOR_PORT: String(await freePort()) });
  assert.equal((await exited(clean.container, 5000)).code, 7);
});

test('PID 1: the connector under the init starts with default signal dispositions and an empty mask, not the runtime\'s ignored SIGPIPE', { skip }, async () => {
  const dir = tempDir();
  const out = join(dir, 'status');
  const { container } = await asPid1(['serve', '--', '/bin/sh', '-c', `grep -E '^Sig(Ign|Blk):' /proc/self/status > '${out}'`],
    { ...process.env, HASURA_CONNECTOR_PORT: String(await freePort()) });
  const status = await exited(container, 10000);
  assert.equal(status.code, 0, container.output.stderr);
  assert.equal(readIfExists(out), 'SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n');
});

test('PID 1: 50 orphans reparented to the shim leave no zombie after a second; no Node stays resident, no lifeline', { skip: initSkip }, async () => {
  const dir = tempDir();
  const ready = join(dir, 'ready');
  const script = `for i in $(seq 50); do (sleep 1 &); done; : > '${ready}'; exec sleep 30`;
  const { container, shimPid } = await asPid1(['serve', '--', '/bin/sh', '-c', script], { ...process.env, HASURA_CONNECTOR_PORT: String(await freePort()) });
  await waitFor(() => readIfExists(ready) !== '' || childrenOf(shimPid).length > 50, 10000, 'the orphans to be made');
  assert.ok(childrenOf(shimPid).length > 50, 'the orphans were reparented to PID 1');
  await new Promise((resolve) => setTimeout(resolve, 1000 + 1000));
  const children = childrenOf(shimPid);
  assert.deepEqual(children.filter((pid) => stateOf(pid) === 'Z'), [], 'no zombie under PID 1');
  assert.equal(children.length, 1, 'only the connector is left');
  assert.notEqual(readlinkSync(`/proc/${shimPid}/exe`), realpathSync(SEA), 'PID 1 is the init, not the shim\'s runtime');
  assert.ok(Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${shimPid}/status`, 'utf8'))[1]) < 4096, 'the init is small');
  assert.equal(children.filter((pid) => readIfExists(`/proc/${pid}/cmdline`).includes('ndc-shim-lifeline')).length, 0, 'no lifeline at PID 1');
  process.kill(shimPid, 'SIGTERM');
  assert.equal((await exited(container, 5000)).code, 143);
});

test('PID 1 with a read-only root and /dev/shm: one warning, then Node supervision; SIGTERM still ends the connector (143)', { skip }, async () => {
  // TMPDIR and /dev/shm read-only in the container's mount namespace (not /tmp itself, which may hold this checkout).
  const tmp = tempDir();
  const readOnly = 'mount -t tmpfs -o ro tmpfs "$TMPDIR" && mount -t tmpfs -o ro tmpfs /dev/shm && exec "$@"';
  const container = start('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', '/bin/sh', '-c', readOnly, 'sh', SEA, 'serve', '--', 'sleep', '30'],
    { env: { ...process.env, TMPDIR: tmp, HASURA_CONNECTOR_PORT: String(await freePort()) } });
  const shimPid = await waitFor(() => childrenOf(container.pid)[0], 5000, 'the shim to start');
  track(shimPid);
  await waitFor(() => childrenOf(shimPid).some((pid) => readIfExists(`/proc/${pid}/cmdline`).startsWith('sleep')), 10000, 'the connector');
  assert.equal(readlinkSync(`/proc/${shimPid}/exe`), realpathSync(SEA), 'the shim supervises');
  process.kill(shimPid, 'SIGTERM');
  assert.equal((await exited(container, 5000)).code, 143);
  const lines = container.output.stderr.trim().split('\n');
  assert.equal(lines.length, 1, container.output.stderr);
  assert.match(lines[0], /PID 1 .*cannot reap.*(\/tmp|\/dev\/shm)/);
});

test('examples/Dockerfile: the shim is the entrypoint, serve the command, and every file it copies exists', async () => {
  const dockerfile = readFileSync(join(ROOT, 'examples', 'Dockerfile'), 'utf8');
  assert.match(dockerfile, /^ENTRYPOINT \["\/usr\/local\/bin\/ndc-shim"\]$/m);
  assert.match(dockerfile, /^CMD \["serve"\]$/m);
  assert.match(dockerfile, /HASURA_CONFIGURATION_DIRECTORY=\/etc\/connector/);
  const sdkVersion = JSON.parse(readFileSync(join(ROOT, 'node_modules', '@hasura', 'ndc-sdk-typescript', 'package.json'), 'utf8')).version;
  assert.match(dockerfile, new RegExp(`@hasura/ndc-sdk-typescript@${sdkVersion.replace(/\./g, '\\.')}`), 'the image uses the SDK version the tests run');
  const { existsSync } = await import('node:fs');
  for (const [, sources] of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
    for (const source of sources.split(/\s+/)) {
      if (source.startsWith('dist/')) continue; // built by npm run build
      assert.ok(existsSync(join(ROOT, source)), `${source} exists`);
    }
  }
  const manifest = JSON.parse(readFileSync(join(EXAMPLE, 'ndc-shim.json'), 'utf8'));
  assert.match(manifest.commands.start.join(' '), /\{connectorDir\}\/connector\.cjs serve/, 'HASURA_DDN_NATIVE_CONNECTOR_DIR=/opt/connector is where connector.cjs is copied');
});
