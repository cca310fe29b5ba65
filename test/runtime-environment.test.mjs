// The executable's own runtime ignores the environment meant for a Node connector (NODE_USE_ENV_PROXY
// with a proxy, NODE_DEBUG) and passes it on untouched, as it does NODE_OPTIONS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runShim, seaShim, tempDir, freePort } from './helpers.mjs';

const sea = seaShim();
const skip = sea ? false : 'dist/ndc-shim-linux-x64 is not built';

const CONNECTOR_ENV = {
  NODE_USE_ENV_PROXY: '1', HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9',
  NODE_DEBUG: 'child_process,net,http,stream,timer,fs,module,process,sea,worker,esm,tls,dns',
};

/** Every command, run with and without the connector's variables: stdout and stderr must not differ. */
const cases = (root, port) => [
  ['--help'], ['--version'], ['doctor'], ['metadata'], ['health'], ['start', '--', 'true'], ['--no-exec', 'start', '--', 'true'],
  ['--log-level', 'debug', '--no-exec', 'update', '--', 'true'], ['cli', 'x'],
].map((args) => ({ args, env: { HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: root, HASURA_CONNECTOR_PORT: String(port) } }));

test('NODE_USE_ENV_PROXY and NODE_DEBUG change nothing the executable prints, on any command', { skip }, async () => {
  const root = tempDir();
  const port = await freePort();
  for (const { args, env } of cases(root, port)) {
    const plain = await runShim(sea, args, { env: { ...process.env, ...env }, cwd: root });
    const withConnectorEnv = await runShim(sea, args, { env: { ...process.env, ...env, ...CONNECTOR_ENV }, cwd: root });
    const mask = (text) => text.replace(/\d{10,}/g, 'T');
    assert.doesNotMatch(withConnectorEnv.stderr, /UNDICI|EnvHttpProxyAgent|Warning|CHILD_PROCESS|NET \d|STREAM \d|TIMER \d/, args.join(' '));
    assert.equal(mask(withConnectorEnv.stderr), mask(plain.stderr), args.join(' '));
    assert.equal(mask(withConnectorEnv.stdout), mask(plain.stdout), args.join(' '));
    assert.equal(withConnectorEnv.code, plain.code, args.join(' '));
  }
});

for (const mode of [[], ['--no-exec']]) {
  test(`sea${mode.length ? ' --no-exec' : ''}: NODE_USE_ENV_PROXY, the proxies and NODE_DEBUG reach the connector unchanged`, { skip }, async () => {
    const root = tempDir();
    const out = join(root, 'seen');
    const names = Object.keys(CONNECTOR_ENV);
    const script = `for n in ${names.join(' ')}; do eval "printf '%s=%s\\n' $n \\"\\$$n\\""; done > "$0"`;
    const { code, stderr } = await runShim(sea, [...mode, 'start', '--', 'sh', '-c', script, out],
      { env: { ...process.env, ...CONNECTOR_ENV, HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: root }, cwd: root });
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /UNDICI|Warning:|CHILD_PROCESS|STREAM \d|HTTP \d|PATH/);
    assert.equal(readFileSync(out, 'utf8'), names.map((name) => `${name}=${CONNECTOR_ENV[name]}\n`).join(''));
  });
}
