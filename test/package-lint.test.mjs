// The packaging lint: what cannot work once unpacked on another machine is refused, one line per
// finding with its fix, nothing written; --allow KIND makes a kind a warning; Python's bytecode
// caches are left out silently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SEA, run, tempDir } from './helpers.mjs';
import { packageWith, smallRelease } from './package-helpers.mjs';

const skip = existsSync(SEA) ? false : 'dist/ndc-shim-linux-x64 is not built (npm run build -- --targets linux-x64)';

function manifestIn(dir) {
  const file = join(dir, 'ndc-shim.json');
  writeFileSync(file, JSON.stringify({ name: 'lint', commands: { start: ['python3', '{connectorDir}/main.py'] } }));
  return file;
}

function write(root, file, content, mode) {
  mkdirSync(join(root, file, '..'), { recursive: true });
  writeFileSync(join(root, file), content, mode ? { mode } : undefined);
}

/** A header of an ELF shared object for `machine` (62 x86-64, 183 arm64), enough for the lint. */
function elfHeader(machine) {
  const header = Buffer.alloc(64);
  header.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  header.writeUInt16LE(3, 16);
  header.writeUInt16LE(machine, 18);
  return header;
}

/** A Mach-O 64-bit arm64 header. */
function machOHeader() {
  const header = Buffer.alloc(32);
  header.writeUInt32LE(0xfeedfacf, 0);
  header.writeUInt32LE(0x0100000c, 4);
  return header;
}

/** A release folder with the real linux-x64 executable and a stand-in Windows one (its sum listed). */
function releaseWithWindows() {
  const dir = smallRelease();
  const fake = Buffer.from('MZ stand-in for ndc-shim-win-x64.exe');
  writeFileSync(join(dir, 'ndc-shim-win-x64.exe'), fake);
  writeFileSync(join(dir, 'SHA256SUMS'), `${readFileSync(join(dir, 'SHA256SUMS'), 'utf8')}${createHash('sha256').update(fake).digest('hex')}  ndc-shim-win-x64.exe\n`);
  return dir;
}

const findingLines = (stderr) => stderr.split('\n').filter((line) => /; fix: .*\(or --allow [a-z-]+\)$/.test(line));

test('lint: a venv with an absolute home, absolute and escaping symlinks, and #! lines into the build tree or outside the system are refused', { skip }, async () => {
  const from = join(tempDir(), 'build', 'connector');
  write(from, 'main.py', 'print("hi")\n');
  write(from, 'venv/pyvenv.cfg', 'home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.12.3\n');
  mkdirSync(join(from, 'venv', 'bin'), { recursive: true });
  symlinkSync('/usr/bin/python3', join(from, 'venv', 'bin', 'python3'));
  symlinkSync('../../../etc/hostname', join(from, 'venv', 'escape'));
  symlinkSync('../main.py', join(from, 'venv', 'fine-link'));
  write(from, 'venv/bin/cli', `#!${from}/venv/bin/python3\nimport sys\n`, 0o755);
  write(from, 'bin/tool', '#!/opt/python3.12/bin/python3\n', 0o755);
  write(from, 'bin/ok-env', '#!/usr/bin/env python3\n', 0o755);
  write(from, 'bin/ok-sh', '#!/bin/sh\nexit 0\n', 0o755);
  const out = join(tempDir(), 'out');
  const result = await packageWith(['--manifest', manifestIn(tempDir()), '--from', from, '--shims', smallRelease(), '--out', out]);
  assert.equal(result.code, 1, result.stderr);
  const lines = findingLines(result.stderr);
  const expected = [
    /linux-amd64: venv\/pyvenv\.cfg is a virtualenv whose Python is \/usr\/bin .*not relocatable.*; fix: vendor the dependencies with pip install --target DIR .*\(or --allow venv\)$/,
    /linux-amd64: venv\/bin\/python3 is a symlink to the absolute path \/usr\/bin\/python3.*\(or --allow symlink\)$/,
    /linux-amd64: venv\/escape is a symlink to \.\.\/\.\.\/\.\.\/etc\/hostname, outside the package.*\(or --allow symlink\)$/,
    /linux-amd64: venv\/bin\/cli has #!.*\/build\/connector\/venv\/bin\/python3, inside the build tree.*; fix: make its first line #!\/usr\/bin\/env NAME.*\(or --allow shebang\)$/,
    /linux-amd64: bin\/tool has #!\/opt\/python3\.12\/bin\/python3, outside the package and the system directories.*\(or --allow shebang\)$/,
  ];
  assert.equal(lines.length, expected.length, result.stderr);
  for (const pattern of expected) assert.ok(lines.some((line) => pattern.test(line)), `${pattern} in\n${result.stderr}`);
  assert.match(result.stderr, /package refused: 5 problems above would break the connector on another machine; nothing was written/);
  assert.equal(existsSync(out), false, 'nothing written');

  // Allowed kinds become warnings; what is still refused is refused.
  const partly = await packageWith(['--manifest', manifestIn(tempDir()), '--from', from, '--shims', smallRelease(), '--out', out, '--allow', 'venv,symlink']);
  assert.equal(partly.code, 1);
  assert.match(partly.stderr, /package refused: 2 problems/);
  const allowed = await packageWith(['--manifest', manifestIn(tempDir()), '--from', from, '--shims', smallRelease(), '--out', out, '--allow', 'venv,symlink', '--allow', 'shebang']);
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.equal(findingLines(allowed.stderr).length, 5);
  assert.match(allowed.stderr, /WARN/);
  assert.ok(existsSync(join(out, 'lint-0.0.0-linux-amd64.tar.gz')));
});

test('lint: a binary for another OS or machine in a platform\'s tarball is refused (.node addons included)', { skip }, async () => {
  const from = tempDir();
  write(from, 'main.py', 'print("hi")\n');
  write(from, 'lib/_speedups.cpython-312-x86_64-linux-gnu.so', elfHeader(62));
  write(from, 'node_modules/addon/build/Release/addon.node', elfHeader(183));
  write(from, 'bin/helper-macos', machOHeader());
  const out = join(tempDir(), 'out');
  const result = await packageWith(['--manifest', manifestIn(tempDir()), '--from', from, '--shims', releaseWithWindows(), '--out', out]);
  assert.equal(result.code, 1, result.stderr);
  const lines = findingLines(result.stderr);
  const expected = [
    /: windows-amd64: lib\/_speedups\.cpython-312-x86_64-linux-gnu\.so is a Linux x86-64 binary \(ELF\), for another OS or machine; fix: put per-platform files in FROM\/<platform>\/ .*\(or --allow foreign-binary\)$/,
    /linux-amd64, windows-amd64: node_modules\/addon\/build\/Release\/addon\.node is a Linux arm64 binary \(ELF\)/,
    /linux-amd64, windows-amd64: bin\/helper-macos is a macOS arm64 binary \(Mach-O\)/,
  ];
  assert.equal(lines.length, expected.length, result.stderr);
  for (const pattern of expected) assert.ok(lines.some((line) => pattern.test(line)), `${pattern} in\n${result.stderr}`);
  assert.equal(existsSync(out), false);
});

test('lint: __pycache__ and .pyc are left out silently; a matching native binary passes', { skip }, async () => {
  const from = tempDir();
  write(from, 'main.py', 'print("hi")\n');
  write(from, '__pycache__/main.cpython-312.pyc', 'bytecode');
  write(from, 'pkg/__pycache__/x.cpython-312.pyc', 'bytecode');
  write(from, 'pkg/old.pyc', 'bytecode');
  write(from, 'pkg/fast.so', elfHeader(62));
  const out = tempDir();
  const result = await packageWith(['--manifest', manifestIn(tempDir()), '--from', from, '--shims', smallRelease(), '--out', out, '--platforms', 'linux-amd64']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  const listing = (await run('tar', ['tzf', join(out, 'lint-0.0.0-linux-amd64.tar.gz')])).stdout;
  assert.doesNotMatch(listing, /pycache|\.pyc/);
  assert.match(listing, /^\.\/pkg\/fast\.so$/m);
});
