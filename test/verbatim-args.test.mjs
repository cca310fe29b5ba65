// Arguments the embedded Node runtime would take for its own `--env-file` reach the plugin
// verbatim, through the one-liners `metadata` prints and by hand (the executables end the runtime's
// scan before every user argument: scripts/pkg-sea.cjs), and the environment the plugin gets is the
// one the shim received. The shim's own --env-file (alias --dotenv) is the shim's. The bundle run
// by the machine's Node keeps that Node's scan: its limit is pinned below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHIMS, run, runShim, seaShim, tempDir } from './helpers.mjs';

/**
 * A plugin that records its arguments and environment. Not a Node script: the machine's Node
 * would itself scan the plugin's arguments for --env-file.
 */
const SH_PROBE = `#!/bin/sh
for arg in "$@"; do printf '%s\\0' "$arg"; done > "$PROBE_OUT.args"
env > "$PROBE_OUT.env"
`;

function setup() {
  const dir = tempDir();
  const manifest = join(dir, 'ndc-shim.json');
  const plugin = join(dir, 'plugin.sh');
  writeFileSync(plugin, SH_PROBE);
  chmodSync(plugin, 0o755);
  writeFileSync(manifest, JSON.stringify({ commands: { start: [plugin, 'serve'], cli: [plugin] } }));
  writeFileSync(join(dir, 'one.env'), 'FROM_ONE=1\n');
  writeFileSync(join(dir, 'two.env'), 'FROM_TWO=2\n');
  return { dir, manifest, out: join(dir, 'probe.json') };
}

/** Every spelling Node's start-up scan takes for its own (a prefix match on `--env-file`), missing files included. */
const RUNTIME_FORMS = (dir) => ['--env-file', join(dir, 'one.env'), '--env-file=two.env', '--env-file-if-exists', join(dir, 'absent.env'),
  '--env-file', 'absent.env', '--env-file=absent.env', '--env-filed', 'x', 'after'];

const probe = (out) => ({
  argv: readFileSync(`${out}.args`, 'utf8').split('\0').slice(0, -1),
  env: Object.fromEntries(readFileSync(`${out}.env`, 'utf8').split('\n').filter(Boolean).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])),
});

test('the metadata one-liners pass --env-file forms to the plugin verbatim, with the environment as received', { skip: !seaShim() && 'no single executable built' }, async () => {
  const { dir, manifest, out } = setup();
  symlinkSync(seaShim().command[0], join(dir, 'ndc-shim'));
  const metadata = await runShim(seaShim(), ['--manifest', manifest, 'metadata']);
  assert.equal(metadata.code, 0, metadata.stderr);
  const bash = /cliPluginEntrypoint:[\s\S]*?bash: '(.*)'/.exec(metadata.stdout)[1].replace(/''/g, "'");
  const words = RUNTIME_FORMS(dir);
  const env = { ...process.env, HASURA_DDN_NATIVE_CONNECTOR_DIR: dir, NDC_SHIM_MANIFEST: manifest, PROBE_OUT: out };
  const quoted = words.map((word) => `'${word}'`).join(' ');
  const { code, stderr } = await run('bash', ['-c', `${bash} ${quoted}`], { env, cwd: dir });
  assert.equal(code, 0, stderr);
  const seen = probe(out);
  assert.deepEqual(seen.argv, words);
  assert.equal(seen.env.FROM_ONE, undefined, 'one.env not loaded');
  assert.equal(seen.env.FROM_TWO, undefined, 'two.env not loaded');
});

for (const shim of SHIMS) {
  for (const flags of shim.execs ? [[], ['--no-exec']] : [[]]) {
    const label = `${shim.name}${flags.length ? ' --no-exec' : ''}`;

    test(`${label}: by hand, \`ndc-shim -- cli ...\` passes every --env-file form verbatim`, async () => {
      const { dir, manifest, out } = setup();
      const words = RUNTIME_FORMS(dir);
      const { code, stderr } = await runShim(shim, ['--', '--manifest', manifest, ...flags, 'cli', ...words], { env: { ...process.env, PROBE_OUT: out }, cwd: dir });
      assert.equal(code, 0, stderr);
      assert.deepEqual(probe(out).argv, words);
      assert.equal(probe(out).env.FROM_ONE, undefined);
    });

    // The bundle runs on the machine's Node, which scans them itself (pinned below).
    if (shim.execs) test(`${label}: by hand without \`--\`, every --env-file form after cli, missing files included, reaches the plugin verbatim`, async () => {
      const { dir, manifest, out } = setup();
      const words = RUNTIME_FORMS(dir);
      const { code, stderr } = await runShim(shim, ['--manifest', manifest, ...flags, 'cli', ...words], { env: { ...process.env, PROBE_OUT: out, FROM_TWO: 'inherited' }, cwd: dir });
      assert.equal(code, 0, stderr);
      assert.equal(stderr, '', 'the runtime said nothing about the files');
      const seen = probe(out);
      assert.deepEqual(seen.argv, words);
      assert.equal(seen.env.FROM_ONE, undefined, 'one.env not loaded into the plugin\'s environment');
      assert.equal(seen.env.FROM_TWO, 'inherited');
    });

    test(`${label}: --env-file FILE (alias --dotenv) fills unset variables; a missing one is a configuration error (78)`, async () => {
      const { dir, manifest, out } = setup();
      const env = { ...process.env, PROBE_OUT: out, FROM_TWO: 'inherited' };
      for (const option of [['--dotenv', 'one.env', '--dotenv=two.env'], ['--env-file', 'one.env', '--env-file=two.env']]) {
        const { code, stderr } = await runShim(shim, ['--manifest', manifest, ...flags, ...option, 'cli'], { env, cwd: dir });
        assert.equal(code, 0, stderr);
        assert.deepEqual([probe(out).env.FROM_ONE, probe(out).env.FROM_TWO], ['1', 'inherited'], option[0]);
      }
      const missing = await runShim(shim, ['--manifest', manifest, ...flags, '--dotenv', 'absent.env', 'cli'], { env, cwd: dir });
      assert.equal(missing.code, 78);
      assert.match(missing.stderr, /cannot read env file .*absent\.env: no such file/);
    });
  }

  // The executables end that scan before the user's arguments (tested above).
  if (!shim.execs) test(`${shim.name}: pinned limit of the bundle (not shipped): the machine's Node stops at a missing --env-file after cli (exit 9)`, async () => {
    const { dir, manifest } = setup();
    const { code, stderr } = await runShim(shim, ['--manifest', manifest, 'cli', '--env-file', 'absent.env'], { cwd: dir });
    assert.equal(code, 9);
    assert.match(stderr, /absent\.env: not found/);
  });
}
