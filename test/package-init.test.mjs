// `ndc-shim init`: a starting ndc-shim.json for a native, Node or Python connector folder, what is
// left to fill, and never a file overwritten.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SEA, run, tempDir } from './helpers.mjs';
import { bareEnv } from './package-helpers.mjs';

const skip = existsSync(SEA) ? false : 'dist/ndc-shim-linux-x64 is not built (npm run build -- --targets linux-x64)';
const init = (args, cwd) => run(SEA, ['init', ...args], { env: bareEnv(), cwd });

function write(root, file, content) {
  mkdirSync(join(root, file, '..'), { recursive: true });
  writeFileSync(join(root, file), content);
}

/** The smallest PE header the reading takes: MZ, e_lfanew, PE\0\0, machine x86-64. */
function peHeader() {
  const data = Buffer.alloc(0x100);
  data.write('MZ', 0, 'latin1');
  data.writeUInt32LE(0x80, 0x3c);
  data.write('PE\0\0', 0x80, 'latin1');
  data.writeUInt16LE(0x8664, 0x84);
  return data;
}

async function initAndRead(dir) {
  const result = await init(['--from', dir]);
  assert.equal(result.code, 0, result.stderr);
  const manifest = JSON.parse(readFileSync(join(dir, 'ndc-shim.json'), 'utf8'));
  // The shim itself accepts what init wrote.
  const metadata = await run(SEA, ['--manifest', join(dir, 'ndc-shim.json'), 'metadata']);
  assert.equal(metadata.code, 0, metadata.stderr);
  return { result, manifest };
}

test('init: one native executable per platform folder', { skip }, async () => {
  const dir = join(tempDir(), 'ndc-fruits');
  mkdirSync(join(dir, 'linux-x64'), { recursive: true });
  copyFileSync('/bin/true', join(dir, 'linux-x64', 'ndc-fruits'));
  write(dir, 'windows-amd64/ndc-fruits.exe', peHeader());
  write(dir, 'common/README.md', 'hi\n');
  const { result, manifest } = await initAndRead(dir);
  assert.deepEqual(manifest.commands, { start: ['{connectorDir}/ndc-fruits', 'serve'] });
  assert.deepEqual(manifest.os, { windows: { commands: { start: ['{connectorDir}\\ndc-fruits.exe', 'serve'] } } });
  assert.equal(manifest.name, 'ndc-fruits');
  assert.match(result.stdout, /^wrote .*ndc-shim\.json for a native connector \(ndc-fruits, in linux-x64, windows-amd64\)$/m);
  assert.match(result.stdout, /^left to fill:\n {2}- commands\.start: /m);
});

test('init: a package.json start script, engines.node as requires', { skip }, async () => {
  const dir = tempDir();
  write(dir, 'package.json', JSON.stringify({ name: '@acme/ndc-things', scripts: { start: 'node dist/index.js serve' }, engines: { node: '^20.10' } }));
  write(dir, 'dist/index.js', '');
  write(dir, 'node_modules/.keep', '');
  const { result, manifest } = await initAndRead(dir);
  assert.deepEqual(manifest.commands, { start: ['node', '{connectorDir}/dist/index.js', 'serve'] });
  assert.deepEqual(manifest.requires, { node: '>=20.10' });
  assert.equal(manifest.name, 'ndc-things');
  assert.equal(manifest.path, undefined);
  assert.match(result.stdout, /a Node connector/);
  assert.doesNotMatch(result.stdout, /requires\.node/);

  const bin = tempDir();
  write(bin, 'package.json', JSON.stringify({ scripts: { start: 'ts-node src/index.ts serve' } }));
  write(bin, 'src/index.ts', '');
  write(bin, 'node_modules/.bin/ts-node', '#!/usr/bin/env node\n');
  const second = await initAndRead(bin);
  assert.deepEqual(second.manifest.commands.start, ['ts-node', '{connectorDir}/src/index.ts', 'serve']);
  assert.deepEqual(second.manifest.path, ['{connectorDir}/node_modules/.bin']);
  assert.match(second.result.stdout, /requires\.node: /);
});

test('init: a Python entry point with vendored dependencies; a venv is pointed out', { skip }, async () => {
  const dir = tempDir();
  write(dir, 'main.py', 'print(1)\n');
  write(dir, 'vendor/ndc_sdk/__init__.py', '');
  write(dir, 'pyproject.toml', '[project]\nname = "x"\nrequires-python = ">=3.11"\n');
  write(dir, '.venv/pyvenv.cfg', 'home = /usr/bin\n');
  const { result, manifest } = await initAndRead(dir);
  assert.deepEqual(manifest.commands, { start: ['python3', '{connectorDir}/main.py', 'serve'] });
  assert.deepEqual(manifest.env, { PYTHONUNBUFFERED: '1', PYTHONPATH: { prepend: '{connectorDir}/vendor' } });
  assert.deepEqual(manifest.os.windows.commands.start, ['python', '{connectorDir}\\main.py', 'serve']);
  assert.deepEqual(manifest.requires, { python: '>=3.11' });
  assert.match(result.stdout, /\.venv\/ is a virtualenv/);
});

test('init: never overwrites a file; nothing recognisable is one line, nothing written', { skip }, async () => {
  const dir = tempDir();
  write(dir, 'main.py', '');
  writeFileSync(join(dir, 'ndc-shim.json'), '{"mine": true}\n');
  const refused = await init([], dir);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /ndc-shim\.json already exists; init never overwrites a file/);
  assert.equal(readFileSync(join(dir, 'ndc-shim.json'), 'utf8'), '{"mine": true}\n');

  const empty = tempDir();
  write(empty, 'notes.txt', '');
  const nothing = await init(['--from', empty]);
  assert.equal(nothing.code, 1);
  assert.equal(nothing.stderr.trim().split('\n').length, 1);
  assert.match(nothing.stderr, /found no connector in /);
  assert.deepEqual(readdirSync(empty), ['notes.txt']);
  const usage = await init(['--form', empty]);
  assert.equal(usage.code, 2);
});
