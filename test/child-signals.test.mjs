// The child starts with the signal dispositions and mask of a default caller: the runtime's own
// ignored SIGPIPE and SIGXFSZ are not passed on, so `connector | head -1` ends by SIGPIPE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, MODES, shimLine, freePort } from './helpers.mjs';

const SHOW = 'grep -E "^Sig(Ign|Blk|Cgt)" /proc/self/status';
// A free port: `start` checks it by binding it, and port 1 would need root.
const env = { ...process.env, HASURA_CONNECTOR_PORT: String(await freePort()) };

for (const mode of MODES) {
  test(`${mode.label}: the child's ignored and blocked signals are a default caller's (SIGPIPE, SIGXFSZ not ignored)`, async () => {
    // This test's own children are started with default dispositions and an empty mask (libuv resets them).
    const direct = await run('sh', ['-c', SHOW]);
    const expected = direct.stdout.split('\n').filter((line) => /^Sig(Ign|Blk)/.test(line));
    assert.deepEqual(expected, ['SigBlk:\t0000000000000000', 'SigIgn:\t0000000000000000']);
    for (const command of ['start', 'cli']) {
      const args = command === 'start' ? ['start', '--', 'sh', '-c', SHOW] : ['--plugin', 'sh', 'cli', '-c', SHOW];
      const { code, stdout, stderr } = await run(mode.shim.command[0], [...mode.shim.command.slice(1), ...mode.flags, ...args], { env });
      assert.equal(code, 0, stderr);
      assert.deepEqual(stdout.split('\n').filter((line) => /^Sig(Ign|Blk)/.test(line)), expected, command);
    }
  });

  test(`${mode.label}: a child writing into a closed pipe dies by SIGPIPE (\`connector | head -1\` is 141)`, async () => {
    for (const command of ['start -- yes', '--plugin yes cli']) {
      const script = `${shimLine(mode)} ${command} 2>/dev/null | head -1; echo "status=\${PIPESTATUS[0]}"`;
      const { stdout } = await run('bash', ['-c', script], { env });
      assert.match(stdout, /^y\nstatus=141\n$/, command);
    }
  });
}
