// doctor, health and metadata, run through every shim.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHIMS, ROOT, runShim, tempDir, freePort } from './helpers.mjs';

const EXAMPLE = join(ROOT, 'examples', 'connector');

function serve(handler) {
  return new Promise((resolve) => {
    const server = createServer(handler);
    server.listen(0, '127.0.0.1', () => resolve({ server, port: server.address().port }));
  });
}

for (const shim of SHIMS) {
  test(`${shim.name}: doctor passes for a sound connector and prints one ok line per check`, async () => {
    const env = { ...process.env, HASURA_CONNECTOR_PORT: String(await freePort()), HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: join(EXAMPLE, 'configuration') };
    const { code, stdout } = await runShim(shim, ['--manifest', join(EXAMPLE, 'ndc-shim.json'), '--connector-dir', EXAMPLE, 'doctor'], { env });
    assert.equal(code, 0, stdout);
    const lines = stdout.trim().split('\n');
    for (const name of ['manifest', 'connector directory', 'configuration directory', 'port', 'command start', 'command update', 'command upgrade', 'command cli']) {
      assert.ok(lines.some((line) => line.startsWith(`ok       ${name}:`)), name);
    }
    assert.equal(lines.at(-1), 'all checks passed');
  });

  test(`${shim.name}: doctor reports every problem with its fix, exits 1; --json for machines`, async () => {
    const dir = tempDir();
    const manifest = join(dir, 'ndc-shim.json');
    writeFileSync(manifest, JSON.stringify({ commands: { start: ['./missing-connector'], update: ['no-such-plugin-xyz'] } }));
    const { server, port } = await serve((_request, response) => response.end());
    try {
      const env = { ...process.env, HASURA_CONNECTOR_PORT: String(port), HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: join(dir, 'absent') };
      const { code, stdout } = await runShim(shim, ['--manifest', manifest, '--connector-dir', dir, 'doctor'], { env });
      assert.equal(code, 1);
      assert.match(stdout, /^problem  configuration directory: configuration directory does not exist: .*absent; fix: create it/m);
      assert.match(stdout, new RegExp(`^problem  port: port ${port} is already in use.*; fix: stop that process`, 'm'));
      assert.match(stdout, /^problem  command start: executable not found: .*missing-connector; fix: /m);
      assert.match(stdout, /^problem  command update: command not found on PATH: no-such-plugin-xyz; fix: install/m);
      assert.match(stdout, /^4 problem\(s\) found$/m);
      const json = await runShim(shim, ['--manifest', manifest, '--connector-dir', dir, 'doctor', '--json'], { env });
      const report = JSON.parse(json.stdout);
      assert.equal(report.ok, false);
      assert.deepEqual(report.checks.filter((check) => !check.ok).map((check) => check.name), ['configuration directory', 'port', 'command start', 'command update']);
    } finally {
      server.close();
    }
  });

  test(`${shim.name}: health exits 0 on a 2xx, 1 otherwise; --wait keeps trying until the deadline`, async () => {
    let healthy = false;
    const { server, port } = await serve((request, response) => {
      response.statusCode = request.url === '/health' && healthy ? 200 : 503;
      response.end();
    });
    try {
      const env = { ...process.env, HASURA_CONNECTOR_PORT: String(port) };
      const down = await runShim(shim, ['health'], { env });
      assert.equal(down.code, 1);
      assert.match(down.stderr, new RegExp(`http://127\\.0\\.0\\.1:${port}/health answered 503`));
      setTimeout(() => { healthy = true; }, 600);
      const waited = await runShim(shim, ['health', '--wait', '10'], { env });
      assert.equal(waited.code, 0, waited.stderr);
      assert.equal(waited.stdout, `healthy: http://127.0.0.1:${port}/health answered 200\n`);
    } finally {
      server.close();
    }
    const closedPort = await freePort();
    const unreachable = await runShim(shim, ['--port', String(closedPort), 'health', '--wait', '0.5']);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /is unreachable \(ECONNREFUSED\) after waiting 0\.5s/);
  });

  test(`${shim.name}: metadata without a manifest is a configuration error (78)`, async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'x'));
    const { code, stderr, stdout } = await runShim(shim, ['--manifest', join(dir, 'x', 'ndc-shim.json'), 'metadata']);
    assert.equal(code, 78);
    assert.match(stderr, /cannot read manifest/);
    assert.equal(stdout, '');
  });
}
