// README "Ship your connector", one test per recipe: built as the recipe says, packaged by the
// built executable with nothing on PATH (no node, no npm), the build tree removed, the tarball
// unpacked under another root, then run as the DDN CLI runs it: the generated bash line under
// `bash -c` with the CLI's variables. /health answers, doctor passes, `cli` arguments arrive
// verbatim, SIGTERM frees the port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ROOT, SEA, run, start, exited, tempDir, waitFor, freePort, portIsFree, shellWord } from './helpers.mjs';
import { packageWith, releaseFolder } from './package-helpers.mjs';

const RECIPES = join(ROOT, 'test', 'fixtures', 'recipes');
const haveGcc = (await run('sh', ['-c', 'command -v gcc'])).code === 0;
const havePython = (await run('sh', ['-c', 'command -v python3'])).code === 0;
const skip = !existsSync(SEA) ? 'dist/ndc-shim-linux-x64 is not built (npm run build -- --targets linux-x64)' : false;

/** Arguments the `cli` command must pass on byte for byte (what the DDN CLI appends, shell-quoted). */
const CLI_ARGS = ['', ' ', 'a b', '"', "'", '$HOME', '`id`', 'é ü 日本 🚀', 'line1\nline2', '--help', '--manifest', '--', '-e'];

function write(root, file, content, mode) {
  mkdirSync(join(root, file, '..'), { recursive: true });
  writeFileSync(join(root, file), content, mode ? { mode } : undefined);
}

/**
 * Packages `from` with `manifest`, removes the build tree, unpacks the linux-amd64 tarball under
 * another root and runs it through the generated lines; `readCliArgs` decodes what `cli` printed.
 */
async function shipAndRun({ buildTree, from, manifest, name, context, readCliArgs }) {
  const out = tempDir();
  const packaged = await packageWith(['--manifest', manifest, '--from', from, '--shims', releaseFolder(), '--out', out, '--version', '1.0.0', '--base-uri', 'https://example.com/releases/v1.0.0']);
  assert.equal(packaged.code, 0, packaged.stderr);
  rmSync(buildTree, { recursive: true, force: true });
  const unpacked = join(tempDir(), 'elsewhere', 'connector');
  mkdirSync(unpacked, { recursive: true });
  const untar = await run('tar', ['xzf', join(out, `${name}-1.0.0-linux-amd64.tar.gz`), '-C', unpacked]);
  assert.equal(untar.code, 0, untar.stderr);
  assert.equal((await run('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: unpacked })).code, 0);
  const metadata = parseYaml(readFileSync(join(out, 'connector-metadata.yaml'), 'utf8')).nativeToolchainDefinition;
  assert.equal(metadata.packages[0].bin, 'ndc-shim');

  const port = await freePort();
  const { NODE_PATH: _nodePath, ...inherited } = process.env;
  const env = {
    ...inherited,
    HASURA_DDN_NATIVE_CONNECTOR_DIR: unpacked,
    HASURA_DDN_NATIVE_CONNECTOR_PLUGIN_DIR: unpacked,
    HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: context,
    HASURA_CONNECTOR_PORT: String(port),
    HASURA_PLUGIN_LOG_LEVEL: 'info',
  };
  const doctor = await run(join(unpacked, 'ndc-shim'), ['doctor'], { env, cwd: context, timeoutMs: 60000 });
  assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);

  const cliLine = `${metadata.commands.cliPluginEntrypoint.bash} ${CLI_ARGS.map(shellWord).join(' ')}`;
  const cli = await run('bash', ['-c', cliLine], { env, cwd: context, timeoutMs: 60000 });
  assert.equal(cli.code, 0, cli.stderr);
  assert.deepEqual(readCliArgs(cli.stdout), CLI_ARGS);

  const connector = start('bash', ['-c', metadata.commands.start.bash], { env, cwd: context });
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(3000) }).catch(() => ({ status: 0 }))).status === 200,
      60000, `/health on ${port} (stderr: ${connector.output.stderr})`);
    process.kill(connector.pid, 'SIGTERM');
    await exited(connector, 20000);
    await waitFor(() => portIsFree(port), 20000, `port ${port} to be free`);
  } finally {
    if (connector.exitCode === null && connector.signalCode === null) connector.kill('SIGKILL');
  }
}

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

test('recipe: a Python connector with vendored dependencies and no venv', { skip: skip || (!havePython && 'python3 is not installed') }, async () => {
  const buildTree = join(tempDir(), 'build');
  const from = join(buildTree, 'connector');
  cpSync(join(ROOT, 'examples', 'python-connector', 'connector.py'), join(from, 'connector.py'));
  write(from, 'main.py', 'import fruitlib\nfruitlib.main()\n');
  // What `pip install --target vendor` leaves: the packages, their dist-info, and bytecode caches (left out of the package).
  write(from, 'vendor/fruitlib/__init__.py', [
    'import json, os, runpy, sys',
    'def main():',
    '    if sys.argv[1:2] == ["cli"]:',
    '        sys.stdout.write(json.dumps(sys.argv[2:]))',
    '        return',
    '    sys.argv = [sys.argv[0]] + sys.argv[1:]',
    '    runpy.run_path(os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "connector.py"), run_name="__main__")',
    '',
  ].join('\n'));
  write(from, 'vendor/fruitlib-1.0.dist-info/METADATA', 'Name: fruitlib\n');
  write(from, 'vendor/fruitlib/__pycache__/__init__.cpython-311.pyc', 'bytecode');
  write(from, 'pyproject.toml', '[project]\nname = "fruits"\nrequires-python = ">=3.10"\n');
  const initialized = await run(SEA, ['init', '--from', from], { env: { PATH: tempDir() } });
  assert.equal(initialized.code, 0, initialized.stderr);
  const manifestData = JSON.parse(readFileSync(join(from, 'ndc-shim.json'), 'utf8'));
  assert.deepEqual(manifestData.env.PYTHONPATH, { prepend: '{connectorDir}/vendor' });
  manifestData.commands.cli = ['python3', '{connectorDir}/main.py', 'cli'];
  const manifest = join(buildTree, 'ndc-shim.json');
  writeFileSync(manifest, JSON.stringify({ ...manifestData, name: 'ndc-python-fruits' }));
  const context = tempDir();
  cpSync(join(ROOT, 'examples', 'python-connector', 'configuration'), context, { recursive: true });
  await shipAndRun({ buildTree, from, manifest, name: 'ndc-python-fruits', context, readCliArgs: (stdout) => JSON.parse(stdout) });
});
