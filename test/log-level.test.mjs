// The shim's log level: --log-level, else NDC_SHIM_LOG_LEVEL, else HASURA_PLUGIN_LOG_LEVEL (the
// DDN CLI's), else info. Each test looks at what the level lets through, so a level that is
// ignored fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEBUG_PLAN_LINE as PLAN_LINE, SHIMS, envWithoutLogLevels as withoutLevels, runShim, tempDir } from './helpers.mjs';

const WARNING = /^WARN \(ndc-shim\): the connector exited with status 0/m;

for (const shim of SHIMS) {
  test(`${shim.name}: NDC_SHIM_LOG_LEVEL sets the level (debug shows the plan, error hides warnings, silent hides errors), below --log-level and above HASURA_PLUGIN_LOG_LEVEL`, async () => {
    const dir = tempDir();
    const manifest = join(dir, 'ndc-shim.json');
    // A connector that exits with 0: a supervising `start` warns about it (a server should keep running).
    writeFileSync(manifest, JSON.stringify({ commands: { start: ['sh', '-c', 'echo connector'], cli: ['sh', '-c', 'echo plugin'] } }));
    const supervise = shim.execs ? ['--no-exec'] : [];
    const runWith = (command, env, flags = []) => runShim(shim, [...flags, '--manifest', manifest, command], { env: { ...withoutLevels(), ...env } });

    // The default (info): the warning, no debug lines. `cli` writes its own lines on stderr.
    const plain = await runWith('cli', {});
    assert.equal(plain.code, 0, plain.stderr);
    assert.doesNotMatch(plain.stderr, PLAN_LINE);
    const warned = await runWith('start', {}, supervise);
    assert.match(warned.stderr, WARNING, 'the default level shows the warning');

    const debug = await runWith('cli', { NDC_SHIM_LOG_LEVEL: 'debug' });
    assert.equal(debug.stdout, 'plugin\n');
    assert.match(debug.stderr, PLAN_LINE, 'NDC_SHIM_LOG_LEVEL=debug shows the plan');

    // `start` prints information on stdout (as a connector does), warnings on stderr.
    const startDebug = await runWith('start', { NDC_SHIM_LOG_LEVEL: 'debug' });
    assert.equal(startDebug.code, 0, startDebug.stderr);
    assert.match(startDebug.stdout, PLAN_LINE, 'start, NDC_SHIM_LOG_LEVEL=debug');
    assert.match(startDebug.stdout, /^connector$/m);

    const quiet = await runWith('start', { NDC_SHIM_LOG_LEVEL: 'error' }, supervise);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stderr, WARNING, 'NDC_SHIM_LOG_LEVEL=error hides the warning');
    assert.equal(quiet.stdout, 'connector\n');

    // Above the CLI's variable, below the option.
    const overCli = await runWith('cli', { NDC_SHIM_LOG_LEVEL: 'info', HASURA_PLUGIN_LOG_LEVEL: 'debug' });
    assert.doesNotMatch(overCli.stderr, PLAN_LINE, 'NDC_SHIM_LOG_LEVEL=info wins over HASURA_PLUGIN_LOG_LEVEL=debug');
    const cliLevel = await runWith('cli', { HASURA_PLUGIN_LOG_LEVEL: 'debug' });
    assert.match(cliLevel.stderr, PLAN_LINE, 'HASURA_PLUGIN_LOG_LEVEL=debug alone shows the plan');
    const option = await runWith('cli', { NDC_SHIM_LOG_LEVEL: 'debug' }, ['--log-level', 'warn']);
    assert.doesNotMatch(option.stderr, PLAN_LINE, '--log-level warn wins over NDC_SHIM_LOG_LEVEL=debug');
    assert.equal(option.stdout, 'plugin\n');

    // silent: not even the shim's own failure line; the exit code still says it.
    const silent = await runShim(shim, ['start', '--', 'no-such-command-xyz'], { env: { ...withoutLevels(), NDC_SHIM_LOG_LEVEL: 'silent' } });
    assert.equal(silent.code, 127);
    assert.equal(silent.stderr + silent.stdout, '');

    // Not a level: one line naming the variable (a usage problem, 2).
    const bad = await runWith('cli', { NDC_SHIM_LOG_LEVEL: 'loud' });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /^ERROR \(ndc-shim\): NDC_SHIM_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not 'loud'/);
    assert.equal(bad.stdout, '');
  });
}
