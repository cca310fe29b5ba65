// cmd.exe runs a line of at most 8191 characters; past that, a .cmd/.bat silently does not run (under
// Wine: the shim exited 0). The Windows executable refuses such an argument list up front, exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.mjs';
import { prepareWine, winPath, wineShim, wineSkip } from './wine.mjs';

const skip = wineSkip;
prepareWine();

/** A batch file that records that it ran (without expanding its arguments, which has a limit of its own). */
function batchFile() {
  const dir = tempDir();
  const file = join(dir, 'b.cmd');
  writeFileSync(file, '@echo off\r\necho ran> "%~dp0ran.txt"\r\n');
  return { dir, file, ran: join(dir, 'ran.txt') };
}

test('windows (wine): arguments that make the cmd.exe line of a .cmd longer than 8191 characters are refused with exit 2, naming the limit', { skip }, async () => {
  const { dir, file, ran } = batchFile();
  const { code, stdout, stderr } = await wineShim(dir, ['--plugin', winPath(file), 'update', '--', 'x'.repeat(8200)]);
  assert.equal(code, 2, stderr);
  assert.equal(stdout, '');
  assert.match(stderr, /cmd\.exe .*8191 characters/);
  assert.equal(stderr.trim().split('\n').length, 1, stderr);
  assert.equal(existsSync(ran), false);
});

test('windows (wine): a long argument list that fits cmd.exe\'s line still runs the .cmd', { skip }, async () => {
  const { dir, file, ran } = batchFile();
  const { code, stderr } = await wineShim(dir, ['--plugin', winPath(file), 'update', '--', 'x'.repeat(7000)]);
  assert.equal(code, 0, stderr);
  assert.equal(existsSync(ran), true, 'the batch file ran');
});
