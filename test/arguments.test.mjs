// Arguments after `cli` (and after `--` for the other commands) reach the child byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHIMS, PROBE, CORPUS, runShim, tempDir } from './helpers.mjs';

function setup() {
  const dir = tempDir();
  const manifest = join(dir, 'ndc-shim.json');
  writeFileSync(manifest, JSON.stringify({ commands: { start: [PROBE, 'serve'], update: [PROBE, 'update'], upgrade: [PROBE, 'upgrade'], watch: [PROBE, 'watch'], cli: [PROBE] } }));
  return { dir, manifest, out: join(dir, 'probe.json') };
}

for (const shim of SHIMS) {
  for (const flags of shim.execs ? [[], ['--no-exec']] : [[]]) {
    const label = `${shim.name}${flags.length ? ' --no-exec' : ''}`;
    test(`${label}: everything after cli reaches the plugin unchanged`, async () => {
      const { manifest, out } = setup();
      const { code, stderr } = await runShim(shim, ['--manifest', manifest, ...flags, 'cli', ...CORPUS], { env: { ...process.env, PROBE_OUT: out } });
      assert.equal(code, 0, stderr);
      assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')).argv, CORPUS);
    });

    test(`${label}: everything after -- reaches start, update, upgrade and watch unchanged, after the manifest's own words`, async () => {
      const { manifest, out } = setup();
      for (const [command, word] of [['start', 'serve'], ['serve', 'serve'], ['update', 'update'], ['upgrade', 'upgrade'], ['watch', 'watch']]) {
        const { code, stderr } = await runShim(shim, ['--manifest', manifest, ...flags, command, '--', ...CORPUS], { env: { ...process.env, PROBE_OUT: out } });
        assert.equal(code, 0, stderr);
        assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')).argv, [word, ...CORPUS], command);
      }
    });
  }
}
