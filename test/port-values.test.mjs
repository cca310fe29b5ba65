// Port values: --port and HASURA_CONNECTOR_PORT take a port number from 1 to 65535 written in
// digits, nothing else (65536 is one past the end; 0 means "any port" to bind and is no
// connector's port). --port is the command line (usage, 2); the variable is configuration (78).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SHIMS, runShim } from './helpers.mjs';

const REFUSED = ['65536', '70000', '0', '-1', '1.5', ' 80', '80 ', '0x50', '+80', '1e3', '99999999999999999999'];

for (const shim of SHIMS) {
  test(`${shim.name}: --port and HASURA_CONNECTOR_PORT refuse ${REFUSED.map((value) => `'${value}'`).join(', ')} in one line, and nothing runs`, async () => {
    const failures = [];
    for (const value of REFUSED) {
      const flag = await runShim(shim, [`--port=${value}`, 'start', '--', 'sh', '-c', 'echo ran']);
      if (flag.code !== 2 || flag.stdout !== '' || !flag.stderr.includes('--port must be a port number from 1 to 65535') || flag.stderr.trim().split('\n').length !== 1) {
        failures.push(`--port=${value}: ${JSON.stringify(flag)}`);
      }
      const variable = await runShim(shim, ['start', '--', 'sh', '-c', 'echo ran'], { env: { ...process.env, HASURA_CONNECTOR_PORT: value } });
      if (variable.code !== 78 || variable.stdout !== '' || !variable.stderr.includes(`HASURA_CONNECTOR_PORT is '${value}', not a port number from 1 to 65535`) || variable.stderr.trim().split('\n').length !== 1) {
        failures.push(`HASURA_CONNECTOR_PORT=${value}: ${JSON.stringify(variable)}`);
      }
    }
    assert.deepEqual(failures, []);
    // The separate-word form too.
    const spaced = await runShim(shim, ['--port', '65536', 'start', '--', 'sh', '-c', 'echo ran']);
    assert.equal(spaced.code, 2, spaced.stderr);
    assert.match(spaced.stderr, /--port must be a port number from 1 to 65535, not '65536'/);
  });

  test(`${shim.name}: the edges 1 and 65535 are port numbers (given to the child as they were written)`, async () => {
    for (const value of ['1', '65535']) {
      // `cli` does not check the port, so nothing needs to be free or allowed.
      const flag = await runShim(shim, ['--port', value, '--plugin', 'sh', 'cli', '-c', 'echo "port=$HASURA_CONNECTOR_PORT"']);
      assert.equal(flag.code, 0, flag.stderr);
      assert.equal(flag.stdout, `port=${value}\n`);
      const variable = await runShim(shim, ['--plugin', 'sh', 'cli', '-c', 'echo "port=$HASURA_CONNECTOR_PORT"'], { env: { ...process.env, HASURA_CONNECTOR_PORT: value } });
      assert.equal(variable.code, 0, variable.stderr);
      assert.equal(variable.stdout, `port=${value}\n`);
    }
  });
}
