// Bytes that are not UTF-8 cannot pass through the runtime (it decodes argv and environ as UTF-8
// and passes only text on): they are refused with one line instead of reaching the child as U+FFFD
// or, for a variable's name, not at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, tempDir, MODES, shimLine, shellWord } from './helpers.mjs';

for (const mode of MODES) {
  test(`${mode.label}: \\xff\\xfe in an argument, an env value, an env name or the context path is refused in one line, and nothing runs`, async () => {
    const dir = tempDir();
    const marker = join(dir, 'ran');
    const plugin = join(dir, 'plugin.sh');
    writeFileSync(plugin, `#!/bin/sh\ntouch ${shellWord(marker)}\n`, { mode: 0o755 });
    const shim = `${shimLine(mode)} --plugin ${shellWord(plugin)}`;
    const cases = [
      { what: 'an argument after cli', script: `${shim} cli ok $'a\\xff\\xfeb'`, code: 2, stderr: /argument \d \("a\\xff\\xfeb"\) is not valid UTF-8/ },
      { what: '--context', script: `${shim} --context $'${dir}/ctx\\xff' cli`, code: 2, stderr: /argument \d \(".*ctx\\xff"\) is not valid UTF-8/ },
      { what: 'an env value', script: `env $'BAD_VALUE=x\\xff\\xfe' ${shim} cli`, code: 78, stderr: /the value of the environment variable BAD_VALUE is not valid UTF-8/ },
      { what: 'an env name', script: `env $'BAD\\xff\\xfeNAME=1' ${shim} cli`, code: 78, stderr: /the environment variable name "BAD\\xff\\xfeNAME" is not valid UTF-8/ },
      { what: 'the context path', script: `HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH=$'${dir}/ctx\\xff' ${shim} cli`, code: 78,
        stderr: /the value of the environment variable HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH is not valid UTF-8/ },
    ];
    for (const { what, script, code, stderr: pattern } of cases) {
      const { code: status, stderr } = await run('bash', ['-c', script], { env: { ...process.env, HASURA_CONNECTOR_PORT: '1' } });
      assert.equal(status, code, `${what}: ${stderr}`);
      assert.match(stderr, pattern, what);
      assert.equal(stderr.trim().split('\n').length, 1, `${what}: one line: ${stderr}`);
      assert.doesNotMatch(stderr, /\n\s+at /);
      assert.equal((await run('test', ['-e', marker])).code, 1, `${what}: the plugin did not run`);
    }
    // Text that is UTF-8, however exotic, passes.
    const ok = await run('bash', ['-c', `env $'GOOD=\\xc3\\xa9\\xe6\\x97\\xa5' ${shim} cli $'\\xf0\\x9f\\x9a\\x80'`], { env: { ...process.env, HASURA_CONNECTOR_PORT: '1' } });
    assert.equal(ok.code, 0, ok.stderr);
  });
}
