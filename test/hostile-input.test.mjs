// Hostile input: each mistake gets one line on stderr naming the cause and the fix, its documented
// exit code, at once, and never a stack trace: missing directories (before the executable), FIFOs,
// directories and devices as the manifest or an env file, a deleted working directory, NUL
// characters, a URL as HASURA_CONNECTOR_HOST, E2BIG and ETXTBSY while supervising.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHIMS, isAlive, runShim, tempDir, track, waitFor } from './helpers.mjs';

/** Exactly one line, the shim's, and nothing that looks like a stack trace or a build path. */
function assertOneLine(stderr, pattern, what) {
  assert.match(stderr, /^ERROR \(ndc-shim\): [^\n]+\n$/, `${what}: one line\n${stderr}`);
  assert.match(stderr, pattern, what);
  assert.doesNotMatch(stderr, /\n\s+at |node:internal|internal error|\.cjs:\d/, what);
}

function manifestIn(dir, content) {
  const file = join(dir, 'ndc-shim.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

for (const shim of SHIMS) {
  test(`${shim.name}: a missing connector, context or configuration directory is reported before the executable is looked for (exit 1)`, async () => {
    const dir = tempDir();
    const manifest = manifestIn(dir, { commands: { start: ['{connectorDir}/connector', 'serve'] } });
    const missing = join(dir, 'missing');
    const cases = [
      [['--connector-dir', missing], /connector directory does not exist: .*missing; set HASURA_DDN_NATIVE_CONNECTOR_DIR or --connector-dir/],
      // The context is the configuration directory here: one line, naming it as such.
      [['--connector-dir', dir, '--context', missing], /configuration directory does not exist: .*missing; create it, or point --configuration \/ --context/],
      [['--connector-dir', dir, '--context', missing, '--configuration', dir], /context directory does not exist: .*missing/],
      [['--connector-dir', dir, '--configuration', missing], /configuration directory does not exist: .*missing/],
    ];
    // The connector is missing too (it would live in the missing directory): the directory is named first.
    for (const [args, pattern] of cases) {
      for (const flags of [[], ['--no-exec']]) {
        const { code, stderr } = await runShim(shim, ['--manifest', manifest, ...flags, ...args, 'start']);
        assert.equal(code, 1, `${args.join(' ')}: ${stderr}`);
        assertOneLine(stderr, pattern, args.join(' '));
      }
    }
    const doctor = await runShim(shim, ['--manifest', manifest, '--connector-dir', missing, '--context', join(dir, 'ctx-missing'), '--configuration', dir, 'doctor']);
    assert.equal(doctor.code, 1);
    assert.match(doctor.stdout, /problem  connector directory: connector directory does not exist: .*missing;/);
    assert.match(doctor.stdout, /problem  context directory: context directory does not exist: .*ctx-missing;/);
    assert.ok(doctor.stdout.indexOf('connector directory') < doctor.stdout.indexOf('command start'), 'directories come before the commands');
  });

  test(`${shim.name}: a FIFO, a directory or a device as the manifest or an env file is refused at once (exit 78), naming it`, async () => {
    const dir = tempDir();
    const fifo = join(dir, 'pipe');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const kinds = [[fifo, /named pipe \(FIFO\), not a regular file/], [dir, /directory/], ['/dev/zero', /character device, not a regular file/], ['/dev/null', /character device, not a regular file/]];
    for (const [file, pattern] of kinds) {
      const asManifest = await runShim(shim, ['--manifest', file, 'start'], { timeoutMs: 10000 });
      assert.equal(asManifest.code, 78, `manifest ${file}: ${asManifest.stderr}`);
      assertOneLine(asManifest.stderr, new RegExp(`cannot read manifest ${file}: .*${pattern.source}`), `manifest ${file}`);
      const asEnvFile = await runShim(shim, ['--manifest', manifestIn(tempDir(), { commands: { start: ['true'] }, envFiles: [file] }), '--dry-run', 'start'], { timeoutMs: 10000 });
      assert.equal(asEnvFile.code, 78, `env file ${file}: ${asEnvFile.stderr}`);
      assertOneLine(asEnvFile.stderr, new RegExp(`cannot read env file ${file}: .*${pattern.source}`), `env file ${file}`);
      const viaEnv = await runShim(shim, ['doctor'], { env: { ...process.env, NDC_SHIM_MANIFEST: file }, timeoutMs: 10000 });
      assert.equal(viaEnv.code, 1);
      assert.match(viaEnv.stdout, new RegExp(`problem  manifest: cannot read manifest ${file}: .*${pattern.source}`));
    }
  });

  test(`${shim.name}: a deleted working directory is named, with the fix (exit 1)`, async () => {
    const cwd = join(tempDir(), 'gone');
    const dir = tempDir();
    const manifest = manifestIn(dir, { commands: { start: ['true'], update: ['true'] } });
    // The shell enters the directory and deletes it; the shim then starts inside it.
    const script = `cd '${cwd}' && rmdir '${cwd}' && exec "$@"`;
    for (const args of [['start'], ['--no-exec', 'start'], ['--dry-run', 'start'], ['update'], ['doctor'], ['metadata'], ['health']]) {
      mkdirSync(cwd);
      const { code, stdout, stderr } = await runShim({ command: ['sh', '-c', script, 'sh', ...shim.command] }, ['--manifest', manifest, ...args]);
      assert.equal(code, 1, `${args.join(' ')}: ${stdout} ${stderr}`);
      assertOneLine(stderr, /the working directory no longer exists \(it was deleted or unmounted\); cd to an existing directory/, args.join(' '));
    }
    mkdirSync(cwd);
    const help = await runShim({ command: ['sh', '-c', script, 'sh', ...shim.command] }, ['--help']);
    assert.equal(help.code, 0, 'what needs no directory still works');
  });

  test(`${shim.name}: a NUL character in a manifest argument, env value, or env file is refused (exit 78), naming where`, async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'nul.env'), 'GOOD=1\nBAD="a\0b"\n');
    const cases = [
      [{ commands: { start: ['true', 'a\0b'] } }, /\$\.commands\.start\[1\]: contains a NUL character/],
      [{ commands: { start: ['tr\0ue'] } }, /\$\.commands\.start\[0\]: contains a NUL character/],
      [{ commands: { start: ['true'] }, env: { X: 'a\0b' } }, /\$\.env\.X: contains a NUL character/],
      [{ commands: { start: ['true'] }, envFiles: ['nul.env'] }, /env file .*nul\.env: the value of BAD contains a NUL character/],
    ];
    for (const [content, pattern] of cases) {
      for (const flags of [[], ['--no-exec'], ['--dry-run']]) {
        const { code, stderr } = await runShim(shim, ['--manifest', manifestIn(dir, content), ...flags, 'start']);
        assert.equal(code, 78, `${JSON.stringify(content)} ${flags}: ${stderr}`);
        assertOneLine(stderr, pattern, JSON.stringify(content));
      }
    }
  });

  test(`${shim.name}: HASURA_CONNECTOR_HOST that is a URL, or has a port, is a configuration error (78) for start and health, a problem for doctor`, async () => {
    for (const host of ['http://x', 'http://127.0.0.1:8080', '127.0.0.1:8080', '[::1]', 'a b']) {
      const env = { ...process.env, HASURA_CONNECTOR_HOST: host };
      for (const args of [['start', '--', 'true'], ['--no-exec', 'start', '--', 'true'], ['health']]) {
        const { code, stderr } = await runShim(shim, args, { env });
        assert.equal(code, 78, `${host} ${args.join(' ')}: ${stderr}`);
        assertOneLine(stderr, /HASURA_CONNECTOR_HOST is '.*', which is not an IP address or a host name; set it to the address the connector listens on/, `${host} ${args}`);
      }
      const doctor = await runShim(shim, ['doctor'], { env });
      assert.equal(doctor.code, 1);
      assert.match(doctor.stdout, /problem  connector host: HASURA_CONNECTOR_HOST is/);
    }
    for (const host of ['127.0.0.1', '::1', 'localhost', '0.0.0.0']) {
      const { code, stderr } = await runShim(shim, ['start', '--', 'true'], { env: { ...process.env, HASURA_CONNECTOR_HOST: host } });
      assert.equal(code, 0, `${host}: ${stderr}`);
    }
  });
}

for (const shim of SHIMS) {
  test(`${shim.name}: control characters in a path are shown as \\xNN, never sent to the terminal`, async () => {
    const hostile = join(tempDir(), 'a\x1b]0;pwned\x07\x1b[2Jb.json');
    for (const args of [['--manifest', hostile, 'start'], ['--manifest', hostile, 'doctor'], ['--connector-dir', hostile, 'doctor'], ['--connector-dir', hostile, 'start', '--', 'true']]) {
      const { stdout, stderr } = await runShim(shim, args);
      assert.doesNotMatch(stdout + stderr, /[\x00-\x08\x0b-\x1f\x7f]/, args.join(' '));
      assert.match(stdout + stderr, /a\\x1b\]0;pwned\\x07\\x1b\[2Jb\.json/, args.join(' '));
    }
  });
}

for (const shim of SHIMS) {
  const flags = shim.execs ? ['--no-exec'] : [];
  test(`${shim.name} supervising: E2BIG (arguments too large) and ETXTBSY (file being written) are one line each, exit 126`, async () => {
    const dir = tempDir();
    const huge = 'x'.repeat(120000);
    const manifest = manifestIn(dir, { commands: { start: ['true', ...Array(25).fill(huge)] } });
    const big = await runShim(shim, ['--manifest', manifest, ...flags, 'start']);
    assert.equal(big.code, 126, big.stderr);
    assertOneLine(big.stderr, /its arguments and environment take \d+ bytes, over the kernel's limit of \d+ here \(E2BIG\)/, 'E2BIG');

    const busy = join(dir, 'busy-connector');
    copyFileSync('/bin/true', busy);
    chmodSync(busy, 0o755);
    const fd = openSync(busy, 'r+'); // this test process holds it open for writing
    try {
      const { code, stderr } = await runShim(shim, [...flags, 'start', '--', busy]);
      assert.equal(code, 126, stderr);
      assertOneLine(stderr, /cannot execute .*busy-connector: ETXTBSY \(the file is open for writing\); another process has it \(or its #! interpreter\) open for writing/, 'ETXTBSY');
    } finally {
      closeSync(fd);
    }
  });
}

// Nothing in the shim's own code is known to throw unexpectedly, so a failure is injected into the
// real bundle with a preload (the executables ignore NODE_OPTIONS and take no preload).
const bundle = SHIMS.find((shim) => shim.name === 'bundle');
test('bundle: an uncaught exception or unhandled rejection anywhere ends the shim with one line, exit 1, and takes the child along', { skip: !bundle && 'dist/ndc-shim.cjs is not built' }, async () => {
  const dir = tempDir();
  for (const [kind, failure] of [['exception', "throw new Error('injected failure')"], ['rejection', "Promise.reject(new TypeError('injected failure'))"]]) {
    const preload = join(dir, `${kind}.cjs`);
    writeFileSync(preload, `setTimeout(() => { ${failure}; }, 500);\n`);
    const pidFile = join(dir, `${kind}.pid`);
    const { code, stderr } = await runShim({ command: [bundle.command[0], '--require', preload, ...bundle.command.slice(1)] },
      ['start', '--', 'sh', '-c', `echo $$ > '${pidFile}'; exec sleep 30`]);
    assert.equal(code, 1, stderr);
    assertOneLine(stderr.replace('internal error', 'INTERNAL'), /INTERNAL: injected failure; please report it with the command you ran/, kind);
    const childPid = Number(readFileSync(pidFile, 'utf8'));
    track(childPid);
    await waitFor(() => !isAlive(childPid), 5000, `the child of the failed shim (${kind}) to end`);
  }
});
