// How the shim's own lines look whatever they quote or however they are asked for: a path with
// control characters shown escaped, as given, on one line; --log-format json for usage errors too;
// --show-values only at a terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHIMS, run, runShim, tempDir } from './helpers.mjs';

for (const shim of SHIMS) {
  test(`${shim.name}: a path with a line break, a tab or an escape sequence is shown escaped, as given, on one line`, async () => {
    const path = '/no/such\ndir\twith\x1b[31mred\r\u2028end';
    const shown = '/no/such\\ndir\\twith\\x1b[31mred\\r\\u2028end';
    const pretty = await runShim(shim, ['start', '--', path]);
    assert.equal(pretty.code, 127);
    assert.equal(pretty.stderr.split('\n').length, 2, pretty.stderr);
    assert.ok(pretty.stderr.includes(`executable not found: ${shown};`), pretty.stderr);
    const json = await runShim(shim, ['--log-format', 'json', 'start', '--', path]);
    assert.ok(JSON.parse(json.stderr).msg.includes(`executable not found: ${shown};`), json.stderr);
    // doctor's text lines too, one per check.
    const doctor = await runShim(shim, ['--configuration', path, 'doctor']);
    const line = doctor.stdout.split('\n').find((text) => text.includes('configuration'));
    assert.ok(line.includes(shown), doctor.stdout);
  });

  test(`${shim.name}: --log-format json holds for usage errors, before or after the bad argument`, async () => {
    const asked = [
      ['--log-format', 'json', '--bogus'], ['--bogus', '--log-format', 'json'], ['--log-format=json', 'start', 'stray'], ['start', 'stray', '--log-format=json'],
      ['start', '--port', 'x', '--log-format', 'json'], ['--log-format', 'json', 'nonsense'], ['--log-format', 'json', '--log-format', 'xml', 'start'],
      ['--manifest', '--log-format', 'json', '--log-format', 'json', '--bogus'], ['--log-format', 'json', 'start', '--kill-after'],
    ];
    for (const args of asked) {
      const { code, stdout, stderr } = await runShim(shim, args);
      assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
      assert.equal(stdout, '');
      const lines = stderr.trim().split('\n');
      assert.equal(lines.length, 1, stderr);
      const line = JSON.parse(lines[0]);
      assert.equal(line.level, 50, stderr);
    }
    const level = await runShim(shim, ['--log-format', 'json', 'doctor'], { env: { ...process.env, NDC_SHIM_LOG_LEVEL: 'loud' } });
    assert.equal(level.code, 2);
    assert.equal(JSON.parse(level.stderr).level, 50, level.stderr);
    // Not the shim's: an unknown format, and `--log-format json` after `cli` (the plugin's own).
    for (const args of [['--log-format', 'xml', 'start'], ['--bogus', 'cli', '--log-format', 'json'], ['start', '--bogus', '--', '--log-format', 'json']]) {
      const { code, stderr } = await runShim(shim, args);
      assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
      assert.match(stderr, /^ERROR \(ndc-shim\): /, args.join(' '));
    }
  });

  test(`${shim.name}: --show-values is refused unless stdout and stderr are a terminal, and shows values at one`, async (t) => {
    const dir = tempDir();
    const manifest = join(dir, 'ndc-shim.json');
    writeFileSync(manifest, JSON.stringify({ commands: { start: ['true', 'postgres://u:SHOWN-PW@db/x'] }, env: { HIDDEN_NAME: 'SHOWN-VALUE' } }));
    const piped = await runShim(shim, ['--show-values', '--manifest', manifest, '--dry-run', 'start']);
    assert.equal(piped.code, 2);
    assert.equal(piped.stdout, '');
    assert.match(piped.stderr, /--show-values .* works only when stdout and stderr are a terminal/);
    const python = spawnSync('python3', ['-c', 'import pty'], { encoding: 'utf8' });
    if (python.status !== 0) return t.skip('python3 with pty is needed for a terminal');
    const atTerminal = await run('python3', ['-c', 'import pty, sys; pty.spawn(sys.argv[1:])', ...shim.command, '--show-values', '--manifest', manifest, '--dry-run', 'start'],
      { env: { ...process.env, HASURA_CONNECTOR_PORT: '18124' } });
    assert.equal(atTerminal.code, 0, atTerminal.stdout);
    assert.match(atTerminal.stdout, /"HIDDEN_NAME": "SHOWN-VALUE"/);
    assert.match(atTerminal.stdout, /postgres:\/\/u:SHOWN-PW@db\/x/);
  });
}
