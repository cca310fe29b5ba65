// End to end, the way the DDN CLI runs a native connector: `bash -c` with the line from
// `ndc-shim metadata`, working directory .hasura-connector/, the CLI's variables, a context path
// with spaces and non-ASCII, an ephemeral port, a service token. The connector is the example
// built on @hasura/ndc-sdk-typescript, which installs no signal handler of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, linkSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ROOT, SEA, seaShim, run, start, exited, tempDir, waitFor, freePort, isAlive, portIsFree } from './helpers.mjs';

const EXAMPLE = join(ROOT, 'examples', 'connector');
const skip = !seaShim() && 'the executable is not built';

/** A connector installed as the CLI lays it out: shim, manifest and connector in one directory. */
function install() {
  const root = tempDir();
  const connectorDir = join(root, 'native', 'connector');
  const pluginDir = join(root, 'native', 'plugin');
  const context = join(root, 'my project', 'app', 'connector', 'fruits é 日本');
  const hasuraConnector = join(context, '.hasura-connector');
  for (const dir of [connectorDir, pluginDir, hasuraConnector]) mkdirSync(dir, { recursive: true });
  try {
    linkSync(SEA, join(connectorDir, 'ndc-shim'));
  } catch {
    copyFileSync(SEA, join(connectorDir, 'ndc-shim'));
  }
  copyFileSync(join(EXAMPLE, 'ndc-shim.json'), join(connectorDir, 'ndc-shim.json'));
  copyFileSync(join(EXAMPLE, 'connector.cjs'), join(connectorDir, 'connector.cjs'));
  copyFileSync(join(EXAMPLE, 'plugin.cjs'), join(pluginDir, 'plugin.cjs'));
  cpSync(join(EXAMPLE, 'configuration'), context, { recursive: true });
  return { root, connectorDir, pluginDir, context, hasuraConnector };
}

async function cliEnvironment(layout) {
  return {
    ...process.env,
    // The copied connector finds its SDK in the project's node_modules.
    NODE_PATH: join(ROOT, 'node_modules'),
    HASURA_DDN_NATIVE_CONNECTOR_DIR: layout.connectorDir,
    HASURA_DDN_NATIVE_CONNECTOR_PLUGIN_DIR: layout.pluginDir,
    HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: layout.context,
    HASURA_CONNECTOR_PORT: String(await freePort()),
    HASURA_SERVICE_TOKEN_SECRET: 'e2e-token',
    HASURA_PLUGIN_LOG_LEVEL: 'info',
  };
}

async function metadataFor(layout) {
  const { stdout, code } = await run(join(layout.connectorDir, 'ndc-shim'), ['metadata']);
  assert.equal(code, 0);
  return parseYaml(stdout).nativeToolchainDefinition.commands;
}

const request = async (port, path, { token, body } = {}) => {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(5000),
  });
  return { status: response.status, body: await response.text() };
};

test('metadata: valid YAML, ShellScript with both shells for every manifest command, the CLI\'s key names', { skip }, async () => {
  const layout = install();
  const commands = await metadataFor(layout);
  assert.deepEqual(Object.keys(commands), ['start', 'update', 'upgradeConfiguration', 'cliPluginEntrypoint']);
  for (const [key, command] of Object.entries(commands)) {
    assert.equal(command.type, 'ShellScript', key);
    assert.match(command.bash, /^exec "\$HASURA_DDN_NATIVE_CONNECTOR_DIR\/ndc-shim" (start|update|upgrade|cli)$/);
    assert.match(command.powershell, /^& \{ & "\$env:HASURA_DDN_NATIVE_CONNECTOR_DIR\\ndc-shim\.exe" (start|update|upgrade|cli) @args; exit \$LASTEXITCODE \}$/);
  }
});

test('start through `bash -c`, as the CLI runs it: health, capabilities, schema, query with and without the token; SIGTERM to bash ends the connector and frees the port', { skip }, async () => {
  const layout = install();
  const env = await cliEnvironment(layout);
  const port = Number(env.HASURA_CONNECTOR_PORT);
  const { start: startCommand } = await metadataFor(layout);
  const bash = start('bash', ['-c', startCommand.bash], { env, cwd: layout.hasuraConnector });
  await waitFor(async () => (await request(port, '/health').catch(() => ({ status: 0 }))).status === 200, 20000, 'the connector to answer /health');
  assert.equal((await request(port, '/capabilities', { token: 'e2e-token' })).status, 200);
  const schema = JSON.parse((await request(port, '/schema', { token: 'e2e-token' })).body);
  assert.deepEqual(schema.collections.map((collection) => collection.name).sort(), ['fruits', 'vegetables']);
  const query = { collection: 'fruits', query: { fields: { name: { type: 'column', column: 'name' } }, limit: 2 }, arguments: {}, collection_relationships: {} };
  const answer = await request(port, '/query', { token: 'e2e-token', body: query });
  assert.equal(answer.status, 200);
  assert.deepEqual(JSON.parse(answer.body), [{ rows: [{ name: 'apple' }, { name: 'banana' }] }]);
  assert.equal((await request(port, '/query', { body: query })).status, 401, 'no token, no data');

  // bash exec'd the shim, which exec'd the connector: the PID the CLI holds is the connector's.
  process.kill(bash.pid, 'SIGTERM');
  const status = await exited(bash, 5000);
  assert.deepEqual(status, { code: null, signal: 'SIGTERM' }, 'the connector died by SIGTERM (exit status 143 to a shell)');
  assert.equal(isAlive(bash.pid), false);
  await waitFor(() => portIsFree(port), 5000, 'the port to be free');
});

test('update and cliPluginEntrypoint through `bash -c`, arguments appended with a space as the CLI does', { skip }, async () => {
  const layout = install();
  const env = await cliEnvironment(layout);
  const commands = await metadataFor(layout);
  const update = await run('bash', ['-c', commands.update.bash], { env, cwd: layout.hasuraConnector });
  assert.equal(update.code, 0, update.stderr);
  const report = JSON.parse(update.stdout);
  assert.equal(report.command, 'update');
  assert.equal(report.file, join(layout.context, 'config.json'));
  assert.deepEqual(JSON.parse(readFileSync(join(layout.context, 'config.json'), 'utf8')).introspected, ['fruits', 'vegetables']);
  assert.equal(update.stderr, '', 'nothing of the shim on stderr either');

  const userArgs = `version --json 'two words' "" --help -- '$HOME' 'é'`;
  const cli = await run('bash', ['-c', `${commands.cliPluginEntrypoint.bash} ${userArgs}`], { env, cwd: layout.hasuraConnector });
  assert.equal(cli.code, 0, cli.stderr);
  assert.deepEqual(JSON.parse(cli.stdout), { args: ['version', '--json', 'two words', '', '--help', '--', '$HOME', 'é'] });
});

test('a connector that fails during startup makes start exit with its code and its reason on stderr', { skip }, async () => {
  const layout = install();
  const env = await cliEnvironment(layout);
  const { start: startCommand } = await metadataFor(layout);
  // A context without config.json: the SDK's parseConfiguration throws.
  const empty = join(layout.root, 'empty context');
  mkdirSync(empty);
  const failed = await run('bash', ['-c', startCommand.bash], { env: { ...env, HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: empty }, cwd: layout.hasuraConnector });
  assert.equal(failed.code, 1, 'the connector\'s own exit code');
  assert.match(failed.stderr, /config\.json/, 'the connector\'s own reason');
  const missing = await run('bash', ['-c', startCommand.bash], { env: { ...env, HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: join(layout.root, 'nope') }, cwd: layout.hasuraConnector });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /configuration directory does not exist: .*nope/);
});
