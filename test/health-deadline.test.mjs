// `health` ends within its deadline against servers that never finish: header lines that trickle
// forever, a 2xx whose body never ends, a connection that is accepted and never answered.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { SHIMS, runShim } from './helpers.mjs';

const servers = [];
const sockets = new Set();
after(() => {
  for (const socket of sockets) socket.destroy();
  for (const server of servers) server.close();
});

/** A raw TCP server on 127.0.0.1: `onConnection(socket)` writes what it likes, a line every 100 ms forever. */
function rawServer(onConnection) {
  return new Promise((resolve) => {
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
      onConnection(socket);
    });
    servers.push(server);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

/** Writes `head` at once, then `line()` every 100 ms until the client goes away. */
const trickle = (head, line) => (socket) => {
  socket.write(head);
  const timer = setInterval(() => socket.write(line()), 100);
  socket.on('close', () => clearInterval(timer));
};

const cases = {
  'header lines sent slowly forever': trickle('HTTP/1.1 200 OK\r\n', () => `X-Slow-${Date.now()}: x\r\n`),
  'a 2xx whose body streams forever': trickle('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n', () => '2\r\nok\r\n'),
  'a connection accepted and never answered': () => {},
};

// The bounds below are generous (a loaded machine): what is tested is that health ends at all.
for (const shim of SHIMS) {
  for (const [name, behaviour] of Object.entries(cases)) {
    const healthy = name.startsWith('a 2xx');
    for (const wait of [[], ['--wait', '2']]) {
      test(`${shim.name}: health${wait.length ? ' --wait 2' : ''} ends, against ${name}`, async () => {
        const port = await rawServer(behaviour);
        const result = await runShim(shim, ['health', ...wait], { env: { ...process.env, HASURA_CONNECTOR_PORT: String(port) }, timeoutMs: 30000 });
        if (healthy) {
          assert.equal(result.code, 0, result.stderr);
          assert.equal(result.stdout, `healthy: http://127.0.0.1:${port}/health answered 200\n`);
        } else {
          assert.equal(result.code, 1, result.stderr);
          assert.match(result.stderr, new RegExp(`http://127\\.0\\.0\\.1:${port}/health .*timed out`));
        }
      });
    }
  }
}
