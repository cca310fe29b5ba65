// README "Ship your connector", the native binary recipe (see package-recipe-helpers.mjs for what each recipe test checks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SEA, run, tempDir } from './helpers.mjs';
import { RECIPES, haveGcc, havePython, shipAndRun, skip, write } from './package-recipe-helpers.mjs';

test('recipe: a native binary connector, one build per platform folder', { skip: skip || (!haveGcc && 'gcc is not installed (apt-get install -y gcc)') }, async () => {
  const buildTree = join(tempDir(), 'build');
  const from = join(buildTree, 'dist');
  mkdirSync(join(from, 'linux-amd64'), { recursive: true });
  const compiled = await run('gcc', ['-O2', '-o', join(from, 'linux-amd64', 'ndc-fruits'), join(RECIPES, 'ndc-fruits.c')], { timeoutMs: 120000 });
  assert.equal(compiled.code, 0, compiled.stderr);
  const manifest = join(buildTree, 'ndc-shim.json');
  writeFileSync(manifest, JSON.stringify({ name: 'ndc-fruits', commands: { start: ['{connectorDir}/ndc-fruits', 'serve'], cli: ['{connectorDir}/ndc-fruits', 'cli'] } }));
  const context = tempDir();
  await shipAndRun({ buildTree, from, manifest, name: 'ndc-fruits', context, readCliArgs: (stdout) => stdout.split('\0').slice(0, -1) });
});
