// The Windows executable, run under Wine: arguments verbatim through an .exe and a .cmd plugin,
// PATHEXT resolution, exit codes, a missing executable. Skipped, with the reason, where Wine or
// the Windows build is missing. Under Wine a Node program's stdout/stderr must go to files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROBE, CORPUS, run, tempDir } from './helpers.mjs';
import { NODE_DIR, prepareWine, winPath, wineShim, wineSkip } from './wine.mjs';

const skip = wineSkip;
if (skip) console.log(`# skipping the Windows tests: ${skip}`);
prepareWine();

function layout() {
  const dir = tempDir();
  const pluginDir = join(dir, 'plugin dir');
  mkdirSync(pluginDir);
  // A batch file that passes its arguments on with %*, as npm-style wrappers do.
  writeFileSync(join(pluginDir, 'probe.cmd'), `@"${winPath(join(NODE_DIR, 'node.exe'))}" "${winPath(PROBE)}" %*\r\n`);
  const manifest = join(dir, 'ndc-shim.json');
  writeFileSync(manifest, JSON.stringify({
    commands: {
      start: [`${winPath(NODE_DIR)}\\node`, winPath(PROBE), 'serve'],
      cli: [`${winPath(NODE_DIR)}\\node.exe`, winPath(PROBE)],
      update: ['{pluginDir}/probe', 'update'],
      upgrade: ['{pluginDir}\\missing-plugin', 'upgrade'],
    },
  }));
  return { dir, pluginDir, manifest, out: join(dir, 'probe.json') };
}

const probe = (file) => JSON.parse(readFileSync(file, 'utf8'));

test('windows (wine): every argument after cli reaches an .exe plugin byte for byte', { skip }, async () => {
  const { dir, manifest, out } = layout();
  const args = CORPUS.filter((arg) => !/[\r\n]/.test(arg));
  const { code, stderr } = await wineShim(dir, ['--manifest', winPath(manifest), 'cli', ...args], { PROBE_OUT: winPath(out) });
  assert.equal(code, 0, stderr);
  assert.deepEqual(probe(out).argv, args);
});

test('windows (wine): a .cmd plugin found through PATHEXT gets spaces, empty strings, quotes, parentheses and non-ASCII intact', { skip }, async () => {
  const { dir, pluginDir, manifest, out } = layout();
  const args = ['a b', '', 'say "hi"', '"', '(paren)', 'x (y) z', 'é ü 日本', '  two  spaces  '];
  const { code, stderr } = await wineShim(dir, ['--manifest', winPath(manifest), '--plugin-dir', winPath(pluginDir), 'update', '--', ...args], { PROBE_OUT: winPath(out) });
  assert.equal(code, 0, stderr);
  assert.deepEqual(probe(out).argv, ['update', ...args]);
});

test('windows (wine): a path given without .exe is resolved with PATHEXT; HASURA_CONFIGURATION_DIRECTORY is set', { skip }, async () => {
  const { dir, manifest, out } = layout();
  const context = join(dir, 'my context é');
  mkdirSync(context);
  const { code, stderr } = await wineShim(dir, ['--manifest', winPath(manifest), '--context', winPath(context), '--port', '18999', 'start'], { PROBE_OUT: winPath(out) });
  assert.equal(code, 0, stderr);
  const seen = probe(out);
  assert.deepEqual(seen.argv, ['serve']);
  assert.equal(seen.env.HASURA_CONFIGURATION_DIRECTORY, winPath(context));
  assert.equal(seen.env.HASURA_CONNECTOR_PORT, '18999');
  assert.equal(seen.cwd.toLowerCase(), winPath(context).toLowerCase());
});

test('windows (wine): exit codes 0, 1, 2 and 255 pass through; a missing executable is 127 with one line', { skip }, async () => {
  const { dir, manifest, out } = layout();
  for (const exitCode of [0, 1, 2, 255]) {
    const { code } = await wineShim(dir, ['--manifest', winPath(manifest), 'cli', 'x'], { PROBE_OUT: winPath(out), PROBE_EXIT: String(exitCode) });
    assert.equal(code, exitCode);
  }
  const missing = await wineShim(dir, ['--manifest', winPath(manifest), 'upgrade']);
  assert.equal(missing.code, 127);
  assert.match(missing.stderr, /executable not found: .*missing-plugin \(tried missing-plugin\.com, missing-plugin\.exe, missing-plugin\.bat, missing-plugin\.cmd\b/i);
  assert.equal(missing.stderr.trim().split('\n').length, 1);
  const usage = await wineShim(dir, ['--bogus']);
  assert.equal(usage.code, 2);
});

test('windows (wine): --env-file forms after cli reach the plugin verbatim (missing files included), with or without a `--` before the command', { skip }, async () => {
  const dir = tempDir();
  const out = join(dir, 'argv.json');
  // The plugin is Node too: its own `--` keeps its runtime from scanning the arguments that follow.
  const manifest = join(dir, 'ndc-shim.json');
  writeFileSync(manifest, JSON.stringify({ commands: { start: ['x'], cli: [`${winPath(NODE_DIR)}\\node.exe`, '-e',
    'require("fs").writeFileSync(process.env.PROBE_OUT, JSON.stringify(process.argv.slice(1)))', '--'] } }));
  const args = ['--env-file', 'absent.env', '--env-file=absent.env', '--env-file-if-exists', 'absent.env', 'x'];
  const { code, stderr } = await wineShim(dir, ['--', '--manifest', winPath(manifest), 'cli', ...args], { PROBE_OUT: winPath(out) });
  assert.equal(code, 0, stderr);
  assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), args);
  // Without it too: the executable ends its runtime's --env-file scan before the user's arguments.
  rmSync(out, { force: true });
  const bare = await wineShim(dir, ['--manifest', winPath(manifest), 'cli', ...args], { PROBE_OUT: winPath(out) });
  assert.equal(bare.code, 0, bare.stderr);
  assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), args);
});
