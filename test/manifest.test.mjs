// The manifest: every mistake is reported with the file, the JSON path and what was expected (exit 78).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifest, expandPlaceholders } from '../build/manifest.js';
import { ROOT } from './helpers.mjs';

const FILE = '/c/ndc-shim.json';
const rejects = (json, pattern) => assert.throws(() => parseManifest(typeof json === 'string' ? json : JSON.stringify(json), FILE),
  (error) => error.exitCode === 78 && error.message.includes(FILE) && pattern.test(error.message), `expected ${pattern}`);

test('a valid manifest is read as written', () => {
  const manifest = parseManifest(JSON.stringify({
    $schema: './schema/ndc-shim.schema.json', name: 'ndc-x',
    commands: { start: ['{connectorDir}/x', 'serve'], cli: ['{pluginDir}/p'] }, env: { RUST_LOG: 'info' }, envFiles: ['{contextDir}/.env'],
  }), FILE);
  assert.deepEqual(manifest.commands.start, ['{connectorDir}/x', 'serve']);
  assert.deepEqual({ ...manifest.env }, { RUST_LOG: { default: 'info' } }, 'a string is a default');
  assert.deepEqual(manifest.envFiles, ['{contextDir}/.env']);
});

test('errors name the JSON path and what was expected', () => {
  rejects('{"commands": {"start": ["x"],}}', /not valid JSON: .*line 1 column/);
  rejects([], /\$: expected an object, got an empty array/);
  rejects({ commands: { start: 'x serve' } }, /\$\.commands\.start: expected a non-empty array of strings/);
  rejects({ commands: { start: [] } }, /\$\.commands\.start: expected a non-empty array/);
  rejects({ commands: { start: ['x', 3] } }, /\$\.commands\.start\[1\]: expected a string, got a number$/);
  rejects({ commands: { start: [''] } }, /\$\.commands\.start\[0\]: expected the executable/);
  rejects({ commands: { update: ['x'] } }, /\$\.commands\.start: expected the start command/);
  rejects({ commands: { start: ['x'], upgradeConfiguration: ['y'] } }, /\$\.commands\.upgradeConfiguration: expected the key "upgrade"/);
  rejects({ commands: { start: ['x'], deploy: ['y'] } }, /\$\.commands\.deploy: expected one of start, update, upgrade, watch, cli/);
  rejects({ commands: { start: ['x'] }, env: { A: 1 } }, /\$\.env\.A: expected a string, got a number$/);
  rejects({ commands: { start: ['x'] }, env: { 'A-B': 'x' } }, /\$\.env\.A-B: expected a variable name/);
  rejects({ commands: { start: ['x'] }, envFiles: 'a' }, /\$\.envFiles: expected an array/);
  rejects({ comands: {} }, /\$\.comands: expected no such key/);
  rejects({ commands: { start: ['{connectorDri}/x'] } }, /\$\.commands\.start\[0\]: unknown placeholder \{connectorDri\}/);
});

test('placeholders expand; {{name}} is a literal {name}; other braces are literal; a missing value names its sources', () => {
  assert.equal(expandPlaceholders('{connectorDir}/bin/{{x}}', { connectorDir: '/c d' }, 'w'), '/c d/bin/{x}');
  assert.equal(expandPlaceholders('{"a":{"b":[1]}} {port}', { port: '8080' }, 'w'), '{"a":{"b":[1]}} 8080');
  assert.doesNotThrow(() => parseManifest(JSON.stringify({ commands: { start: ['x', '{"json": true}', '{ spaced }', '{{literal}}'] } }), FILE));
  assert.throws(() => expandPlaceholders('{contextDir}/a', {}, 'where'),
    (error) => error.exitCode === 78 && /where: placeholder \{contextDir\} has no value/.test(error.message) && /HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH/.test(error.fix));
});

test('the shipped JSON Schema and the example manifest agree with the loader', () => {
  const schema = JSON.parse(readFileSync(join(ROOT, 'schema', 'ndc-shim.schema.json'), 'utf8'));
  assert.deepEqual(Object.keys(schema.properties.commands.properties).sort(), ['cli', 'start', 'update', 'upgrade', 'watch']);
  assert.deepEqual(schema.properties.commands.required, ['start']);
  const example = readFileSync(join(ROOT, 'examples', 'connector', 'ndc-shim.json'), 'utf8');
  assert.ok(parseManifest(example, 'example').commands.start);
});
