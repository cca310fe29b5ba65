// The port check before `start`: its direct bind probe must answer exactly as binding with Node's
// own `net` does (what the connector's server will do), for every pairing of a holder's address
// and the connector's host, on this Node and on the Node the executables embed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT, freePort } from './helpers.mjs';
import { bindProbe, directBindProbe, netBindProbe } from '../build/checks/preflight.js';

const hold = (port, host) => new Promise((resolve, reject) => {
  const server = createServer();
  server.once('error', reject);
  server.listen({ port, host, exclusive: true }, () => resolve(server));
});
const release = (server) => new Promise((resolve) => server.close(resolve));

const HOLDERS = [undefined, '::', '0.0.0.0', '127.0.0.1', '::1'];
const HOSTS = [undefined, '::', '0.0.0.0', '127.0.0.1', '::1'];

test('the direct probe and net agree on a free port', async () => {
  const port = await freePort();
  for (const host of HOSTS) {
    assert.equal(directBindProbe(port, host), undefined, `host ${host}`);
    assert.equal(await netBindProbe(port, host), undefined, `host ${host}`);
  }
});

for (const holder of HOLDERS) {
  test(`the direct probe answers as net does when the port is held on ${holder ?? 'the default address'}`, async () => {
    const port = await freePort();
    const server = await hold(port, holder);
    try {
      let busySomewhere = false;
      for (const host of HOSTS) {
        const direct = directBindProbe(port, host);
        assert.equal(typeof direct === 'symbol', false, `the direct probe was unavailable for host ${host}`);
        assert.equal(direct, await netBindProbe(port, host), `host ${host}`);
        busySomewhere ||= direct === 'EADDRINUSE';
      }
      assert.ok(busySomewhere, 'some host saw the port as busy');
      // The connector's default (no host) binds `::`, which every holder blocks.
      assert.equal(await bindProbe(port, undefined), 'EADDRINUSE');
    } finally {
      await release(server);
    }
  });
}

test('a host given by name is left to net, which resolves it', async () => {
  const port = await freePort();
  assert.equal(typeof directBindProbe(port, 'localhost'), 'symbol');
  const server = await hold(port, '127.0.0.1');
  try {
    assert.equal(await bindProbe(port, 'localhost'), 'EADDRINUSE');
  } finally {
    await release(server);
  }
  assert.equal(await bindProbe(port, 'localhost'), undefined);
});

test('the direct probe leaves the port free for the connector', async () => {
  const port = await freePort();
  assert.equal(directBindProbe(port, undefined), undefined);
  const server = await hold(port, undefined);
  await release(server);
});

test('the Node the executables embed has the handle the direct probe uses', () => {
  const config = JSON.parse(readFileSync(join(ROOT, 'dist-config', 'node.json'), 'utf8'));
  const embedded = join(ROOT, '.cache', 'node', config.version, `linux-${process.arch}`, 'node');
  assert.ok(existsSync(embedded), `${embedded} (fetched by the build)`);
  const script = `const p = require(${JSON.stringify(join(ROOT, 'build', 'checks', 'preflight.js'))});
    const n = require('node:net').createServer().listen(0, '127.0.0.1', () => {
      const port = n.address().port;
      process.stdout.write(JSON.stringify([String(p.directBindProbe(port, undefined)), String(p.directBindProbe(port, '127.0.0.1'))]));
      n.close();
    });`;
  const result = spawnSync(embedded, ['-e', script], { encoding: 'utf8', timeout: 20000 });
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), ['EADDRINUSE', 'EADDRINUSE']);
  assert.equal(result.stderr, '', 'no deprecation or other warning');
});
