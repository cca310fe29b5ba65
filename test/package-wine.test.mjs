// The same `package` run by the Windows executable (under Wine) and the Linux one writes
// byte-identical tarballs, metadata and sums: the tar bytes, modes, order and gzip header depend
// on nothing of the OS that runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SEA, tempDir } from './helpers.mjs';
import { packageWith, smallRelease } from './package-helpers.mjs';
import { prepareWine, wineShim, wineSkip, winPath } from './wine.mjs';

prepareWine();
const skip = wineSkip || (!existsSync(SEA) && 'dist/ndc-shim-linux-x64 is not built (npm run build -- --targets linux-x64)');

test('package under Wine (win-x64) writes the same bytes as on Linux', { skip }, async () => {
  const from = join(tempDir(), 'connector');
  cpSync(join(ROOT, 'examples', 'connector'), from, { recursive: true });
  // Content decides the mode (no mode bits on Windows): a script, and a plain file marked executable here.
  writeFileSync(join(from, 'run.sh'), '#!/bin/sh\nexec true\n', { mode: 0o755 });
  writeFileSync(join(from, 'data.txt'), 'x\n', { mode: 0o755 });
  mkdirSync(join(from, 'deep', 'é 日本', 'a'.repeat(120)), { recursive: true });
  writeFileSync(join(from, 'deep', 'é 日本', 'a'.repeat(120), 'long-name.json'), '{}\n');
  const shims = smallRelease();
  const manifest = join(ROOT, 'examples', 'connector', 'ndc-shim.json');
  const common = ['--version', '1.2.3', '--base-uri', 'https://example.com/r', '--platforms', 'linux-amd64'];

  const linuxOut = tempDir();
  const linux = await packageWith(['--manifest', manifest, '--from', from, '--shims', shims, '--out', linuxOut, ...common]);
  assert.equal(linux.code, 0, linux.stderr);

  const work = tempDir();
  const windowsOut = tempDir();
  const windows = await wineShim(work, ['package', '--manifest', winPath(manifest), '--from', winPath(from), '--shims', winPath(shims), '--out', winPath(windowsOut), ...common]);
  assert.equal(windows.code, 0, windows.stderr);
  assert.deepEqual(readdirSync(windowsOut).sort(), readdirSync(linuxOut).sort());
  for (const file of readdirSync(linuxOut)) {
    assert.ok(readFileSync(join(windowsOut, file)).equals(readFileSync(join(linuxOut, file))), `${file} differs between Linux and Windows`);
  }
});
