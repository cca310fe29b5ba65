// Exit codes: the child's own pass through (0..255), signal deaths show up to a parent shell as
// 128+N, and the shim's own failures use their documented codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { SHIMS, run, runShim, tempDir, signalNumber, start, exited, freePort, MODES, shimLine } from './helpers.mjs';

const withFreePort = async () => ({ ...process.env, HASURA_CONNECTOR_PORT: String(await freePort()) });

// Every exit code 0..255 in every mode (768 launches): test/exit-codes-*.test.mjs, a quarter of the
// codes each, so that no file nears the runner's time limit on a loaded machine.
for (const mode of MODES) {
  test(`${mode.label}: a child killed by TERM, INT, HUP, QUIT, KILL, ABRT shows as 128+N to a parent shell`, async () => {
    for (const signal of ['TERM', 'INT', 'HUP', 'QUIT', 'KILL', 'ABRT']) {
      const script = `${shimLine(mode)} start -- sh -c 'kill -${signal} $$'; echo "status=$?"`;
      const { stdout, stderr } = await run('bash', ['-c', script], { env: await withFreePort() });
      assert.match(stdout, new RegExp(`status=${128 + signalNumber(`SIG${signal}`)}\\b`), `SIG${signal}: ${stderr}`);
    }
  });

  test(`${mode.label}: supervise mode warns about a connector that exited 0, and only then`, async () => {
    const warning = /exited with status 0, but a connector is a server/;
    const clean = await runShim(mode.shim, [...mode.flags, 'start', '--', 'sh', '-c', 'exit 0']);
    assert.equal(clean.code, 0, clean.stderr);
    // Exec mode has exec'd: only a supervising shim is left to say it.
    if (mode.flags.includes('--no-exec') || !mode.shim.execs) assert.match(clean.stderr, warning);
    else assert.doesNotMatch(clean.stderr, warning);
    const failed = await runShim(mode.shim, [...mode.flags, 'start', '--', 'sh', '-c', 'exit 3']);
    assert.equal(failed.code, 3, failed.stderr);
    assert.doesNotMatch(failed.stderr, warning);
  });

  test(`${mode.label}: the shim dies by the child's own signal, so its parent sees a signal death`, async () => {
    const { code, signal } = await runShim(mode.shim, [...mode.flags, 'start', '--', 'sh', '-c', 'kill -TERM $$']);
    assert.equal(code, null);
    assert.equal(signal, 'SIGTERM');
  });
}

for (const shim of SHIMS) {
  test(`${shim.name}: not found 127, not executable 126, bad command line 2, bad manifest 78, each one line naming the cause`, async () => {
    const dir = tempDir();
    const plain = join(dir, 'plain');
    writeFileSync(plain, 'echo hi\n');
    chmodSync(plain, 0o644);
    const manifest = join(dir, 'bad.json');
    writeFileSync(manifest, JSON.stringify({ commands: { start: 'oops' } }));
    const envManifest = join(dir, 'env.json');
    writeFileSync(envManifest, JSON.stringify({ commands: { start: ['true'] }, envFiles: ['absent.env'] }));
    const cases = [
      { args: ['start', '--', 'no-such-command-xyz'], code: 127, stderr: /command not found on PATH: no-such-command-xyz/ },
      { args: ['start', '--', './missing'], code: 127, stderr: /executable not found: .*missing/ },
      { args: ['start', '--', plain], code: 126, stderr: /is not executable; make it executable/ },
      { args: ['start', '--', dir], code: 126, stderr: /is a directory/ },
      { args: ['frobnicate'], code: 2, stderr: /unknown command 'frobnicate'/ },
      { args: ['start', 'x'], code: 2, stderr: /unexpected argument 'x'/ },
      { args: ['--manifest', manifest, 'start'], code: 78, stderr: new RegExp(`manifest ${manifest}: \\$\\.commands\\.start: expected a non-empty array`) },
      { args: ['--manifest', join(dir, 'absent.json'), 'start'], code: 78, stderr: /cannot read manifest .*absent.json: no such file/ },
      { args: ['--manifest', envManifest, 'start'], code: 78, stderr: /cannot read env file .*absent.env: no such file/ },
      { args: ['update'], code: 78, stderr: /no manifest found and no plugin given for update/ },
    ];
    for (const expected of cases) {
      const { code, stderr, stdout } = await runShim(shim, expected.args, { cwd: dir });
      assert.equal(code, expected.code, `${expected.args.join(' ')}: ${stderr}`);
      assert.match(stderr, expected.stderr);
      assert.equal(stderr.trim().split('\n').length, 1, `one line: ${stderr}`);
      assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
      assert.equal(stdout, '');
    }
  });

  test(`${shim.name}: a busy port stops start before the connector runs (exit 1, the port named)`, async () => {
    const port = await freePort();
    const holder = start(process.execPath, ['-e', `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('listening'))`]);
    try {
      await new Promise((resolve) => holder.stdout.once('data', resolve));
      const dir = tempDir();
      const marker = join(dir, 'started');
      const { code, stderr } = await runShim(shim, ['--port', String(port), 'start', '--', 'sh', '-c', `touch ${marker}`]);
      assert.equal(code, 1);
      assert.match(stderr, new RegExp(`port ${port} is already in use`));
      assert.match(stderr, /--port or HASURA_CONNECTOR_PORT/);
      const { code: markerCode } = await run('test', ['-e', marker]);
      assert.equal(markerCode, 1, 'the connector must not have started');
    } finally {
      holder.kill('SIGKILL');
      await exited(holder);
    }
  });

  test(`${shim.name}: missing configuration or connector directory stops start with exit 1 and the fix`, async () => {
    const dir = tempDir();
    const missingConfig = await runShim(shim, ['--configuration', join(dir, 'nope'), 'start', '--', 'true']);
    assert.equal(missingConfig.code, 1);
    assert.match(missingConfig.stderr, /configuration directory does not exist: .*nope; create it/);
    const missingConnector = await runShim(shim, ['--connector-dir', join(dir, 'gone'), 'start', '--', 'true']);
    assert.equal(missingConnector.code, 1);
    assert.match(missingConnector.stderr, /connector directory does not exist: .*gone/);
  });
}

for (const shim of SHIMS) {
  test(`${shim.name}: a missing --env-file is a configuration error of the shim's own (78, one line); the bundle's Node reports it itself (9)`, async () => {
    const dir = tempDir();
    const { code, stderr } = await runShim(shim, ['--env-file', join(dir, 'absent.env'), 'start', '--', 'true']);
    if (shim.execs) {
      assert.equal(code, 78, stderr);
      assert.match(stderr, /^ERROR \(ndc-shim\): cannot read env file .*absent\.env: no such file; [^\n]+\n$/);
    } else {
      assert.equal(code, 9);
      assert.match(stderr, /absent\.env: not found/);
    }
  });
}
