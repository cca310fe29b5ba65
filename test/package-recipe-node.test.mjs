// README "Ship your connector", the Node recipe (see package-recipe-helpers.mjs for what each recipe test checks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SEA, run, tempDir } from './helpers.mjs';
import { RECIPES, haveGcc, havePython, shipAndRun, skip, write } from './package-recipe-helpers.mjs';

test('recipe: a Node connector with its node_modules inside (.bin symlinks relative)', { skip }, async () => {
  const buildTree = join(tempDir(), 'build');
  const from = join(buildTree, 'connector');
  write(from, 'package.json', JSON.stringify({ name: 'ndc-node-fruits', scripts: { start: 'node connector.cjs serve' }, engines: { node: '>=20' } }));
  write(from, 'connector.cjs', "require('fruit-server').serve(Number(process.env.HASURA_CONNECTOR_PORT));\n");
  write(from, 'node_modules/fruit-server/package.json', JSON.stringify({ name: 'fruit-server', main: 'index.js', bin: { 'fruits-cli': 'cli.js' } }));
  write(from, 'node_modules/fruit-server/index.js', "exports.serve = (port) => require('node:http').createServer((_, res) => res.end('{}')).listen(port, '127.0.0.1');\n");
  write(from, 'node_modules/fruit-server/cli.js', '#!/usr/bin/env node\nprocess.stdout.write(JSON.stringify(process.argv.slice(2)));\n', 0o755);
  mkdirSync(join(from, 'node_modules', '.bin'));
  symlinkSync('../fruit-server/cli.js', join(from, 'node_modules', '.bin', 'fruits-cli'));
  // As the recipe says: init writes the start manifest; the CLI plugin is the one thing added by hand.
  const initialized = await run(SEA, ['init', '--from', from], { env: { PATH: tempDir() } });
  assert.equal(initialized.code, 0, initialized.stderr);
  const manifestData = JSON.parse(readFileSync(join(from, 'ndc-shim.json'), 'utf8'));
  assert.deepEqual(manifestData.commands.start, ['node', '{connectorDir}/connector.cjs', 'serve']);
  manifestData.commands.cli = ['fruits-cli'];
  manifestData.path = ['{connectorDir}/node_modules/.bin'];
  const manifest = join(buildTree, 'ndc-shim.json');
  writeFileSync(manifest, JSON.stringify(manifestData));
  await shipAndRun({ buildTree, from, manifest, name: 'ndc-node-fruits', context: tempDir(), readCliArgs: (stdout) => JSON.parse(stdout) });
});
