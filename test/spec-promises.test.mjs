// Promises of the README and SPEC that no other file checks: the {shimDir} placeholder, the warning
// when /bin/sh (the lifeline) is missing, and the 128+N fallback when re-raising the child's
// signal does not end the shim.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, linkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BUNDLE, MODES, NODE, ROOT, SHIMS, runShim, tempDir } from './helpers.mjs';

/** A private user, mount and PID namespace (no root needed where unprivileged user namespaces are allowed). */
const NAMESPACES = ['unshare', '--user', '--map-root-user', '--mount', '--pid', '--fork', '--kill-child'];
/** The same without the PID namespace (where the shim would be PID 1, which starts no lifeline). */
const MOUNT_NAMESPACE = ['unshare', '--user', '--map-root-user', '--mount'];
const namespaceSkip = process.platform !== 'linux' ? 'Linux only'
  : spawnSync(NAMESPACES[0], [...NAMESPACES.slice(1), 'true']).status !== 0 ? 'needs unshare --user --mount --pid (unprivileged user namespaces, or root)' : false;

/** The shim's file, hard-linked (or copied) into `dir`, with what it needs beside it. */
function shimIn(shim, dir) {
  const place = (file) => {
    const target = join(dir, basename(file));
    try { linkSync(file, target); } catch { copyFileSync(file, target); }
    return target;
  };
  if (shim.execs) return { ...shim, command: [place(shim.command[0])] };
  place(join(ROOT, 'dist', 'ndc-shim-extras.cjs'));
  return { ...shim, command: [NODE, place(BUNDLE)] };
}

for (const shim of SHIMS) {
  test(`${shim.name}: {shimDir} is the directory of the shim's own file (and the connector directory's default)`, async () => {
    const dir = tempDir();
    const moved = shimIn(shim, dir);
    const elsewhere = tempDir();
    const manifest = join(elsewhere, 'ndc-shim.json');
    writeFileSync(manifest, JSON.stringify({ commands: {
      start: ['sh', '-c', 'echo "shimDir=$1 connectorDir=$2 arg=$3"', 'sh', '{shimDir}', '{connectorDir}', 'x{shimDir}/y'],
    } }));
    const env = { ...process.env };
    delete env.HASURA_DDN_NATIVE_CONNECTOR_DIR;
    const result = await runShim(moved, ['--manifest', manifest, 'start'], { cwd: elsewhere, env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `shimDir=${dir} connectorDir=${dir} arg=x${dir}/y\n`);
    // The connector directory given elsewhere does not move {shimDir}.
    const given = await runShim(moved, ['--manifest', manifest, '--connector-dir', elsewhere, 'start'], { cwd: elsewhere, env });
    assert.equal(given.stdout, `shimDir=${dir} connectorDir=${elsewhere} arg=x${dir}/y\n`);
  });
}

for (const mode of MODES) {
  const supervises = !mode.shim.execs || mode.flags.includes('--no-exec');
  test(`${mode.label}: without an executable /bin/sh ${supervises ? 'the shim warns that the connector is not protected, and runs it' : 'exec needs no lifeline: no warning'}`, { skip: namespaceSkip }, async () => {
    const dir = tempDir();
    const notShell = join(dir, 'not-a-shell');
    writeFileSync(notShell, 'not executable\n', { mode: 0o644 });
    // In a private mount namespace, a non-executable file is bind-mounted over /bin/sh; the shell
    // that mounts it has already started, and the connector does not need it.
    const prefix = [...MOUNT_NAMESPACE, '--', 'sh', '-c', 'mount --bind "$0" /bin/sh && exec "$@"', notShell];
    const wrapped = { ...mode.shim, command: [...prefix, ...mode.shim.command] };
    const result = await runShim(wrapped, [...mode.flags, 'start', '--', '/bin/echo', 'connector ran'], { cwd: dir, timeoutMs: 30000 });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.split('\n').filter((line) => !/\(ndc-shim\)/.test(line)).join('\n'), 'connector ran\n');
    const warning = /^WARN \(ndc-shim\): \/bin\/sh is missing: if the shim is killed, the connector keeps running$/m;
    if (supervises) assert.match(result.stderr, warning);
    else assert.doesNotMatch(result.stderr + result.stdout, /bin\/sh/);
  });
}

// The bundle on Node, as PID 1 of a PID namespace, supervises the connector itself; the kernel
// ignores a default-action signal that PID 1 sends itself, so re-raising the child's signal does
// not end it: it must still end, with 128+N, not hang or exit 0.
const bundle = SHIMS.find((shim) => !shim.execs);
test('bundle as PID 1: the child dies by SIGTERM, SIGINT or SIGHUP; re-raising it does not end the shim, which exits with 128+N', { skip: namespaceSkip || (!bundle && 'the bundle is not built') }, async () => {
  for (const [signal, number] of [['TERM', 15], ['INT', 2], ['HUP', 1]]) {
    const pid1 = { ...bundle, command: [...NAMESPACES, '--', ...bundle.command] };
    const result = await runShim(pid1, ['start', '--', 'sh', '-c', `kill -${signal} $$`], { timeoutMs: 30000 });
    assert.equal(result.signal, null, `SIG${signal}: ${result.stderr}`);
    assert.equal(result.code, 128 + number, `SIG${signal}: ${result.stderr}`);
  }
});
