// What the child gets: HASURA_CONFIGURATION_DIRECTORY, HASURA_CONNECTOR_PORT, working directory,
// defaults that never override, env files, nothing internal, and the system's own `node`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHIMS, PROBE, NODE, runShim, seaShim, tempDir } from './helpers.mjs';

function layout() {
  const root = tempDir();
  const context = join(root, 'my project', 'app connector é日本');
  mkdirSync(context, { recursive: true });
  const connectorDir = join(root, 'connector dir');
  mkdirSync(connectorDir);
  const manifest = join(connectorDir, 'ndc-shim.json');
  writeFileSync(manifest, JSON.stringify({
    commands: { start: ['node', PROBE, '{configurationDir}'], update: [PROBE, 'update'] },
    env: { FROM_MANIFEST: 'manifest', OVERRIDDEN: 'manifest', CONFIG_FILE: '{configurationDir}/config.json' },
  }));
  return { root, context, connectorDir, manifest, out: join(root, 'probe.json') };
}

const probe = (out) => JSON.parse(readFileSync(out, 'utf8'));

for (const mode of [[], ['--no-exec']]) {
  test(`sea${mode.length ? ' --no-exec' : ''}: NODE_OPTIONS is the connector's, untouched, and the executable itself ignores it`, async () => {
    const root = tempDir();
    const out = join(root, 'node-options');
    // A preload that does not exist would end any Node process that honoured it.
    const nodeOptions = `--require ${join(root, 'missing-preload.js')} --max-old-space-size=96`;
    const { code, stderr } = await runShim(seaShim(), [...mode, 'start', '--', 'sh', '-c', 'printf %s "$NODE_OPTIONS" > "$0"', out],
      { env: { ...process.env, NODE_OPTIONS: nodeOptions, HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: root } });
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /Cannot find module|missing-preload|Error/);
    assert.equal(readFileSync(out, 'utf8'), nodeOptions);
  });
}

for (const shim of SHIMS) {
  test(`${shim.name}: start sets HASURA_CONFIGURATION_DIRECTORY from the context (spaces, non-ASCII) and runs there`, async () => {
    const { context, manifest, out, connectorDir } = layout();
    const env = {
      ...process.env, PROBE_OUT: out, HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: context, HASURA_DDN_NATIVE_CONNECTOR_DIR: connectorDir,
      HASURA_CONFIGURATION_DIRECTORY: '/stale', HASURA_CONNECTOR_PORT: '9123', HASURA_PLUGIN_DDN_PAT: 'pat', OVERRIDDEN: 'inherited',
      HASURA_OTLP_ENDPOINT: 'http://127.0.0.1:4317', PKG_EXECPATH: '/should/not/leak',
    };
    const { code, stderr } = await runShim(shim, ['--manifest', manifest, 'start'], { env, cwd: connectorDir });
    assert.equal(code, 0, stderr);
    const seen = probe(out);
    assert.equal(seen.env.HASURA_CONFIGURATION_DIRECTORY, context);
    assert.deepEqual(seen.argv, [context]);
    assert.equal(seen.cwd, context);
    assert.equal(seen.env.HASURA_CONNECTOR_PORT, '9123');
    assert.equal(seen.env.HASURA_PLUGIN_DDN_PAT, 'pat');
    assert.equal(seen.env.HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH, context);
    assert.equal(seen.env.HASURA_DDN_NATIVE_CONNECTOR_DIR, connectorDir);
    assert.equal(seen.env.FROM_MANIFEST, 'manifest');
    assert.equal(seen.env.OVERRIDDEN, 'inherited');
    assert.equal(seen.env.CONFIG_FILE, join(context, 'config.json'));
    assert.equal(seen.env.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://127.0.0.1:4317');
    assert.equal(Object.keys(seen.env).filter((name) => name.startsWith('PKG_')).length, 0, 'nothing of pkg leaks');
  });

  test(`${shim.name}: --configuration and --port win; plugin commands keep the caller's working directory`, async () => {
    const { root, context, manifest, out } = layout();
    const env = { ...process.env, PROBE_OUT: out, HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: context, HASURA_CONNECTOR_PORT: '9123' };
    const { code } = await runShim(shim, ['--manifest', manifest, '--configuration', root, '--port', '9555', 'start'], { env, cwd: root });
    assert.equal(code, 0);
    assert.equal(probe(out).env.HASURA_CONFIGURATION_DIRECTORY, root);
    assert.equal(probe(out).env.HASURA_CONNECTOR_PORT, '9555');
    const update = await runShim(shim, ['--manifest', manifest, 'update'], { env, cwd: root });
    assert.equal(update.code, 0);
    assert.equal(probe(out).cwd, root);
    assert.equal(probe(out).env.HASURA_CONFIGURATION_DIRECTORY, context);
  });

  test(`${shim.name}: --env-file fills only unset variables, first file first`, async () => {
    const { root, manifest, out, context } = layout();
    writeFileSync(join(root, 'a.env'), 'FROM_A=a\nSHARED=from-a\nOVERRIDDEN=from-file\nQUOTED="two words"\n');
    writeFileSync(join(root, 'b.env'), 'SHARED=from-b\nFROM_B=b\n');
    const env = { ...process.env, PROBE_OUT: out, OVERRIDDEN: 'inherited', HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: context };
    const { code, stderr } = await runShim(shim, ['--manifest', manifest, '--env-file', join(root, 'a.env'), '--env-file', join(root, 'b.env'), 'start'], { env });
    assert.equal(code, 0, stderr);
    const seen = probe(out).env;
    assert.deepEqual([seen.FROM_A, seen.SHARED, seen.FROM_B, seen.OVERRIDDEN, seen.QUOTED], ['a', 'from-a', 'b', 'inherited', 'two words']);
  });

  test(`${shim.name}: \`node\` as a command is the system's Node on PATH, never the shim's embedded runtime`, async () => {
    const { manifest, out, context } = layout();
    const { code } = await runShim(shim, ['--manifest', manifest, 'start'], { env: { ...process.env, PROBE_OUT: out, HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: context } });
    assert.equal(code, 0);
    assert.equal(probe(out).version, process.version);
    assert.equal(probe(out).execPath, NODE);
  });
}
