// stdout belongs to the child for plugin commands; `start` prints information on stdout and problems
// on stderr; logs are pino lines (pretty or JSON); secrets never appear.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHIMS, runShim, startShim, exited, tempDir } from './helpers.mjs';

const CHILD_OUTPUT = '{"exact":"child output"}\n';

function manifestFile() {
  const dir = tempDir();
  const manifest = join(dir, 'ndc-shim.json');
  const print = ['sh', '-c', `printf '%s\\n' '${CHILD_OUTPUT.trim()}'`];
  writeFileSync(manifest, JSON.stringify({ commands: { start: print, update: print, upgrade: print, watch: print, cli: print } }));
  return manifest;
}

for (const shim of SHIMS) {
  test(`${shim.name}: for update, upgrade, cli and watch the shim writes nothing to stdout, even at trace level`, async () => {
    const manifest = manifestFile();
    for (const command of ['update', 'upgrade', 'cli', 'watch']) {
      for (const flags of [[], ['--no-exec'], ['--log-format', 'json']]) {
        const { code, stdout, stderr } = await runShim(shim, ['--manifest', manifest, '--log-level', 'trace', ...flags, command]);
        assert.equal(code, 0, stderr);
        assert.equal(stdout, CHILD_OUTPUT, `${command} ${flags.join(' ')}`);
        assert.match(stderr, /plan:/, 'the shim\'s own lines went to stderr');
      }
    }
  });

  test(`${shim.name}: start prints its information on stdout and its errors on stderr`, async () => {
    const manifest = manifestFile();
    const { stdout, stderr } = await runShim(shim, ['--manifest', manifest, '--log-level', 'debug', '--no-exec', 'start']);
    assert.match(stdout, /DEBUG \(ndc-shim\): plan:/);
    assert.ok(stdout.endsWith(CHILD_OUTPUT));
    assert.equal(stderr, 'WARN (ndc-shim): the connector exited with status 0, but a connector is a server that should keep running: see its output above\n',
      'warnings go to stderr');
    const failed = await runShim(shim, ['--manifest', manifest, '--configuration', '/no/such/dir', 'start']);
    assert.equal(failed.stdout, '');
    assert.match(failed.stderr, /^ERROR \(ndc-shim\): configuration directory does not exist/);
  });

  test(`${shim.name}: --log-format json gives pino JSON lines`, async () => {
    const { stderr, code } = await runShim(shim, ['--log-format', 'json', 'start', '--', 'no-such-command-xyz']);
    assert.equal(code, 127);
    const line = JSON.parse(stderr.trim());
    assert.equal(line.level, 50);
    assert.equal(line.name, 'ndc-shim');
    assert.match(line.msg, /command not found on PATH: no-such-command-xyz/);
  });

  test(`${shim.name}: secrets never appear in --dry-run or in logs`, async () => {
    const secrets = { HASURA_SERVICE_TOKEN_SECRET: 'tok-SECRET-1', MY_API_KEY: 'key-SECRET-2', CONNECTION_URI: 'postgres://user:pw-SECRET-3@127.0.0.1:5432/db', HASURA_PLUGIN_DDN_PAT: 'pat-SECRET-4' };
    const dir = tempDir();
    const manifest = join(dir, 'ndc-shim.json');
    writeFileSync(manifest, JSON.stringify({ commands: { start: ['true', 'postgres://admin:pw-SECRET-5@127.0.0.1/x'] }, env: { DB_PASSWORD: 'pw-SECRET-6', DEFAULT_URL: 'https://u:pw-SECRET-7@127.0.0.1' } }));
    for (const args of [['--dry-run', 'start'], ['--log-level', 'trace', '--no-exec', 'start'], ['--log-level', 'trace', '--log-format', 'json', '--no-exec', 'start']]) {
      const { stdout, stderr, code } = await runShim(shim, ['--manifest', manifest, ...args], { env: { ...process.env, ...secrets } });
      assert.equal(code, 0, stderr);
      assert.doesNotMatch(stdout + stderr, /SECRET-\d/, args.join(' '));
    }
    const { stdout } = await runShim(shim, ['--manifest', manifest, '--dry-run', 'start'], { env: { ...process.env, ...secrets } });
    const plan = JSON.parse(stdout);
    assert.equal(plan.env.set.DB_PASSWORD, '<hidden: 11 characters>');
    assert.equal(plan.env.set.DEFAULT_URL, '<hidden: 31 characters>');
    assert.deepEqual(plan.argv, ['true', 'postgres://admin:<redacted>@127.0.0.1/x']);
  });
}

for (const shim of SHIMS) {
  test(`${shim.name}: stdin, stdout and stderr are the child's own, never piped through the shim`, async () => {
    for (const flags of shim.execs ? [[], ['--no-exec']] : [[]]) {
      const piped = await runShim(shim, [...flags, '--plugin', '/bin/sh', 'cli', '-c', 'cat; echo to-stderr >&2'], { input: 'from stdin\n' });
      assert.equal(piped.code, 0);
      assert.equal(piped.stdout, 'from stdin\n');
      assert.equal(piped.stderr, 'to-stderr\n');
      // The very same open files: the shim's fds 0-2 are files here, and the child's must be those files.
      const dir = tempDir();
      const paths = ['in', 'out', 'err'].map((name) => join(dir, name));
      writeFileSync(paths[0], '');
      const fds = [openSync(paths[0], 'r'), openSync(paths[1], 'w'), openSync(paths[2], 'w')];
      const report = join(dir, 'fds');
      const child = startShim(shim, [...flags, '--plugin', '/bin/sh', 'cli', '-c', `links=$(readlink /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2); printf '%s\\n' "$links" > '${report}'`], { stdio: fds });
      assert.equal((await exited(child)).code, 0);
      fds.forEach((fd) => closeSync(fd));
      assert.deepEqual(readFileSync(report, 'utf8').trim().split('\n'), paths);
    }
  });
}
