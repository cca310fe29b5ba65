// The planner: (command line, environment, manifest, platform) -> launch plan, without starting anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine } from '../build/cli.js';
import { parseManifest } from '../build/manifest.js';
import { planLaunch } from '../build/plan.js';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHIMS, run, runShim, shellWord, tempDir } from './helpers.mjs';

const POSIX = { family: 'posix', platform: 'linux', execAvailable: true, isPid1: false };
const WINDOWS = { family: 'windows', platform: 'win32', execAvailable: false, isPid1: false };

/** A file system made of a listing: path -> 'dir' | 'exe' | 'file' | text content (a file). */
function fakeFs(listing) {
  return {
    kind: (file) => (listing[file] === undefined ? 'missing' : listing[file] === 'dir' ? 'directory' : 'file'),
    isExecutable: (file) => listing[file] === 'exe',
    readText: (file) => (typeof listing[file] === 'string' && !['dir', 'exe', 'file'].includes(listing[file]) ? listing[file] : undefined),
  };
}

const MANIFEST = { commands: { start: ['{connectorDir}/conn', 'serve'], update: ['{pluginDir}/plug', 'update'], cli: ['{pluginDir}/plug'] }, env: { RUST_LOG: 'info', HASURA_CONFIGURATION_DIRECTORY: 'from-manifest' } };

function plan(argv, { env = {}, manifest = MANIFEST, listing = {}, platform = POSIX, envFiles = {}, cwd = '/work' } = {}) {
  const loaded = manifest && { file: '/m/ndc-shim.json', dir: '/m', manifest: parseManifest(JSON.stringify(manifest), '/m/ndc-shim.json') };
  return planLaunch({
    commandLine: parseCommandLine(argv), env, platform, cwd, shimPath: '/shim/ndc-shim', manifest: loaded,
    fs: fakeFs({ '/conn dir/conn': 'exe', '/shim/conn': 'exe', '/plug/plug': 'exe', '/usr/bin/node': 'exe', ...listing }),
    readEnvFile: (file) => {
      if (!(file in envFiles)) throw Object.assign(new Error(`cannot read env file ${file}`), { exitCode: 78 });
      return envFiles[file];
    },
  });
}

test('directories: flags first, then the CLI variables, then the shim\'s own directory', () => {
  const fromShim = plan(['start'], {});
  assert.equal(fromShim.directories.connectorDir, '/shim');
  assert.equal(fromShim.directories.pluginDir, '/shim');
  assert.equal(fromShim.executable, '/shim/conn');
  const fromEnv = plan(['start'], { env: { HASURA_DDN_NATIVE_CONNECTOR_DIR: '/conn dir', HASURA_DDN_NATIVE_CONNECTOR_PLUGIN_DIR: '/plug', HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: '/ctx é' } });
  assert.equal(fromEnv.executable, '/conn dir/conn');
  assert.deepEqual(fromEnv.argv, ['/conn dir/conn', 'serve']);
  const withPlaceholder = plan(['start'], { env: { HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: '/ctx é' }, manifest: { commands: { start: ['{connectorDir}/conn', '--configuration', '{configurationDir}', '--port={port}'] } } });
  assert.deepEqual(withPlaceholder.argv, ['/shim/conn', '--configuration', '/ctx é', '--port=8080']);
  assert.equal(fromEnv.directories.pluginDir, '/plug');
  const fromFlags = plan(['--connector-dir', 'rel', '--plugin-dir', '/p2', '--context', 'ctx', 'start'], {
    env: { HASURA_DDN_NATIVE_CONNECTOR_DIR: '/conn dir', HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: '/ctx' }, listing: { '/work/rel/conn': 'exe' } });
  assert.equal(fromFlags.directories.connectorDir, '/work/rel');
  assert.equal(fromFlags.directories.pluginDir, '/p2');
  assert.equal(fromFlags.directories.contextDir, '/work/ctx');
});

test('HASURA_CONFIGURATION_DIRECTORY: --configuration, else the context dir, else the inherited value; never the manifest\'s', () => {
  const env = { HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: '/ctx', HASURA_CONFIGURATION_DIRECTORY: '/inherited' };
  assert.equal(plan(['--configuration', '/cfg', 'start'], { env }).env.HASURA_CONFIGURATION_DIRECTORY, '/cfg');
  assert.equal(plan(['start'], { env }).env.HASURA_CONFIGURATION_DIRECTORY, '/ctx');
  const inheritedOnly = plan(['start'], { env: { HASURA_CONFIGURATION_DIRECTORY: '/inherited' } });
  assert.equal(inheritedOnly.env.HASURA_CONFIGURATION_DIRECTORY, '/inherited');
  assert.deepEqual({ ...inheritedOnly.envChanges.set }, { RUST_LOG: 'info' });
  assert.equal(plan(['start'], {}).env.HASURA_CONFIGURATION_DIRECTORY, 'from-manifest');
});

test('HASURA_CONNECTOR_PORT: --port, else inherited, else unset (the connector defaults to 8080)', () => {
  assert.equal(plan(['--port', '9001', 'start'], { env: { HASURA_CONNECTOR_PORT: '7000' } }).env.HASURA_CONNECTOR_PORT, '9001');
  const inherited = plan(['start'], { env: { HASURA_CONNECTOR_PORT: '7000' } });
  assert.equal(inherited.env.HASURA_CONNECTOR_PORT, '7000');
  assert.equal(inherited.port, 7000);
  const none = plan(['start'], {});
  assert.equal('HASURA_CONNECTOR_PORT' in none.env, false);
  assert.equal(none.port, 8080);
  assert.throws(() => plan(['start'], { env: { HASURA_CONNECTOR_PORT: 'abc' } }),
    (error) => error.exitCode === 78 && /HASURA_CONNECTOR_PORT is 'abc', not a port number/.test(error.message));
  assert.equal(plan(['--port', '9002', 'start'], { env: { HASURA_CONNECTOR_PORT: 'abc' } }).env.HASURA_CONNECTOR_PORT, '9002', '--port wins');
});

test('environment: inherited values win over env files, which win over the manifest; HASURA_* and internals', () => {
  const result = plan(['--env-file', 'a.env', '--env-file', '/b.env', 'start'], {
    env: { RUST_LOG: 'debug', HASURA_PLUGIN_DDN_PAT: 'keep', HASURA_DDN_NATIVE_CONNECTOR_DIR: '/conn dir', PKG_EXECPATH: '/x', HASURA_OTLP_ENDPOINT: 'http://otel:4317', OTEL_SERVICE_NAME: 'set', HASURA_OTEL_SERVICE_NAME: 'draft' },
    envFiles: { '/work/a.env': { FROM_A: 'a', SHARED: 'a', RUST_LOG: 'file' }, '/b.env': { SHARED: 'b', FROM_B: 'b' } },
  });
  assert.equal(result.env.RUST_LOG, 'debug');
  assert.equal(result.env.SHARED, 'a');
  assert.equal(result.env.FROM_B, 'b');
  assert.equal(result.env.HASURA_PLUGIN_DDN_PAT, 'keep');
  assert.equal(result.env.HASURA_DDN_NATIVE_CONNECTOR_DIR, '/conn dir');
  assert.equal('PKG_EXECPATH' in result.env, false);
  assert.deepEqual(result.envChanges.removed, ['PKG_EXECPATH']);
  assert.equal(result.env.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://otel:4317');
  assert.equal(result.env.OTEL_SERVICE_NAME, 'set');
  assert.throws(() => plan(['--env-file', 'missing.env', 'start'], {}), /cannot read env file \/work\/missing.env/);
});

test('manifest env and envFiles expand placeholders; envFiles are relative to the manifest', () => {
  const result = plan(['start'], {
    manifest: { commands: { start: ['{connectorDir}/conn'] }, env: { CONFIG: '{configurationDir}/config.json' }, envFiles: ['{contextDir}/.env', 'local.env'] },
    env: { HASURA_DDN_NATIVE_CONNECTOR_DIR: '/conn dir', HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: '/ctx' },
    envFiles: { '/ctx/.env': { A: '1' }, '/m/local.env': { B: '2' } },
  });
  assert.equal(result.env.CONFIG, '/ctx/config.json');
  assert.equal(result.env.A, '1');
  assert.equal(result.env.B, '2');
  assert.throws(() => plan(['start'], { manifest: { commands: { start: ['{contextDir}/x'] } } }),
    (error) => error.exitCode === 78 && /\$\.commands\.start\[0\]: placeholder \{contextDir\} has no value/.test(error.message));
});

test('working directory: the context dir for start and watch, unchanged for plugin commands', () => {
  const env = { HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: '/ctx', HASURA_DDN_NATIVE_CONNECTOR_PLUGIN_DIR: '/plug' };
  assert.equal(plan(['start'], { env }).cwd, '/ctx');
  assert.equal(plan(['update'], { env }).cwd, '/work');
  assert.equal(plan(['cli', 'x'], { env }).cwd, '/work');
  assert.equal(plan(['start'], {}).cwd, '/work');
});

test('extra arguments are appended verbatim, without placeholder expansion', () => {
  const result = plan(['cli', '{connectorDir}', '', '--help'], { env: { HASURA_DDN_NATIVE_CONNECTOR_PLUGIN_DIR: '/plug' } });
  assert.deepEqual(result.argv, ['/plug/plug', '{connectorDir}', '', '--help']);
});

test('executables: relative paths from the manifest directory, bare names on PATH, 127 and 126', () => {
  const manifest = (start) => ({ commands: { start } });
  assert.equal(plan(['start'], { manifest: manifest(['./bin/c']), listing: { '/m/bin/c': 'exe' } }).executable, '/m/bin/c');
  assert.equal(plan(['start'], { manifest: manifest(['node', 'x.js']), env: { PATH: '/nope:/usr/bin' } }).executable, '/usr/bin/node');
  // Relative PATH entries: a real shim and a real file system, below (a fake one cannot tell).
  const code = (fn) => { try { fn(); } catch (error) { return error.exitCode; } return 0; };
  assert.equal(code(() => plan(['start'], { manifest: manifest(['./missing']) })), 127);
  assert.equal(code(() => plan(['start'], { manifest: manifest(['python3']), env: { PATH: '/usr/bin' } })), 127);
  assert.equal(code(() => plan(['start'], { manifest: manifest(['./plain']), listing: { '/m/plain': 'file' } })), 126);
  assert.equal(code(() => plan(['start'], { manifest: manifest(['./adir']), listing: { '/m/adir': 'dir' } })), 126);
  assert.throws(() => plan(['start'], { manifest: manifest(['java']), env: { PATH: '/usr/bin' } }), (error) => /install a Java runtime/.test(error.fix));
});

test('without a manifest: start -- EXECUTABLE, --plugin for update/upgrade/cli, otherwise exit 78', () => {
  const start = plan(['start', '--', 'node', 'server.js'], { manifest: null, env: { PATH: '/usr/bin' } });
  assert.deepEqual(start.argv, ['node', 'server.js']);
  const update = plan(['--plugin', '/plug/plug', 'update', '--', '--force'], { manifest: null });
  assert.deepEqual(update.argv, ['/plug/plug', 'update', '--force']);
  assert.deepEqual(plan(['--plugin', '/plug/plug', 'upgrade'], { manifest: null }).argv, ['/plug/plug', 'upgrade']);
  assert.deepEqual(plan(['--plugin', '/plug/plug', 'cli', 'a'], { manifest: null }).argv, ['/plug/plug', 'a']);
  const code = (argv, manifest) => { try { plan(argv, { manifest }); } catch (error) { return `${error.exitCode} ${error.message}`; } return 'ok'; };
  assert.match(code(['start'], null), /^78 no manifest found and no connector given/);
  assert.match(code(['update'], null), /^78 no manifest found and no plugin given for update/);
  assert.match(code(['watch'], MANIFEST), /^78 manifest \/m\/ndc-shim.json defines no watch command/);
});

test('mode: exec where possible; supervise on Windows, with --no-exec, as PID 1, or without execve', () => {
  assert.equal(plan(['start']).mode, 'exec');
  assert.equal(plan(['--no-exec', 'start']).mode, 'supervise');
  assert.equal(plan(['start'], { platform: { ...POSIX, isPid1: true } }).mode, 'supervise');
  assert.equal(plan(['start'], { platform: { ...POSIX, execAvailable: false } }).mode, 'supervise');
  assert.equal(plan(['start', '--kill-after', '3']).killAfterSeconds, 3);
  assert.equal(plan(['start']).killAfterSeconds, 10);
});

test('Windows: PATHEXT finds .exe and .cmd; batch files go through cmd.exe; npm shims run node directly', () => {
  const listing = {
    'C:\\conn\\conn.exe': 'file', 'C:\\conn\\tool.cmd': '@echo off\r\necho hi %*\r\n', 'C:\\Program Files\\nodejs\\node.exe': 'file',
    'C:\\npm\\plug.cmd': '@ECHO off\r\nGOTO start\r\n:find_dp0\r\nSET dp0=%~dp0\r\nEXIT /b\r\n:start\r\nSETLOCAL\r\nCALL :find_dp0\r\n\r\nIF EXIST "%dp0%\\node.exe" (\r\n  SET "_prog=%dp0%\\node.exe"\r\n) ELSE (\r\n  SET "_prog=node"\r\n  SET PATHEXT=%PATHEXT:;.JS;=;%\r\n)\r\n\r\nendLocal & goto #_undefined_# 2>NUL || title %COMSPEC% & "%_prog%"  "%dp0%\\node_modules\\plug\\bin\\cli.js" %*\r\n',
  };
  const env = { Path: 'C:\\Program Files\\nodejs;C:\\npm', PATHEXT: '.COM;.EXE;.BAT;.CMD', ComSpec: 'C:\\Windows\\system32\\cmd.exe', HASURA_DDN_NATIVE_CONNECTOR_DIR: 'C:\\conn' };
  const winPlan = (manifest, argv = ['start']) => plan(argv, { platform: WINDOWS, env, listing, manifest, cwd: 'C:\\work' });
  const exe = winPlan({ commands: { start: ['{connectorDir}/conn', 'serve'] } });
  assert.equal(exe.executable, 'C:\\conn\\conn.exe');
  assert.equal(exe.windowsVerbatimArguments, false);
  assert.equal(exe.mode, 'supervise');
  const batch = winPlan({ commands: { start: ['{connectorDir}\\tool', 'a b'] } });
  assert.equal(batch.executable, 'C:\\Windows\\system32\\cmd.exe');
  assert.deepEqual(batch.argv.slice(1), ['/d', '/s', '/c', '""C:\\conn\\tool.cmd" ^^^"a^^^ b^^^""']);
  assert.equal(batch.windowsVerbatimArguments, true);
  const npm = winPlan({ commands: { start: ['x'], cli: ['plug'] } }, ['cli', 'a"b', '']);
  assert.equal(npm.executable, 'C:\\Program Files\\nodejs\\node.exe');
  assert.deepEqual(npm.argv.slice(1), ['C:\\npm\\node_modules\\plug\\bin\\cli.js', 'a"b', '']);
  assert.equal(npm.windowsVerbatimArguments, false);
  assert.throws(() => winPlan({ commands: { start: ['{connectorDir}\\tool', 'line1\nline2'] } }), (error) => error.exitCode === 2 && /line break/.test(error.message));
});

// README (Decisions): bare names are looked up in PATH's absolute directories only; relative entries
// (`.`, an empty one, `bin`) are skipped, so an executable `c` in the working directory (or the
// manifest's) is not run through PATH=.:/usr/bin:/bin, though a shell would run it.
for (const shim of SHIMS) {
  test(`${shim.name}: a bare name is not looked up in relative PATH entries (., empty, bin), only in absolute ones`, async () => {
    const dir = tempDir();
    const marker = join(dir, 'ran');
    const connector = `#!/bin/sh\necho ran >> ${shellWord(marker)}\n`;
    writeFileSync(join(dir, 'c'), connector, { mode: 0o755 });
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'c'), connector, { mode: 0o755 });
    writeFileSync(join(dir, 'ndc-shim.json'), JSON.stringify({ commands: { start: ['c'] } }));
    const shell = await run('sh', ['-c', 'c'], { cwd: dir, env: { ...process.env, PATH: '.:/usr/bin:/bin' } });
    assert.equal(shell.code, 0, `a shell runs ./c through PATH=. (${shell.stderr})`);
    rmSync(marker);
    for (const PATH of ['.:/usr/bin:/bin', ':/usr/bin:/bin', '/usr/bin:/bin:', 'bin:/usr/bin:/bin']) {
      for (const args of [['start', '--', 'c'], ['--manifest', join(dir, 'ndc-shim.json'), 'start']]) {
        const result = await runShim(shim, args, { cwd: dir, env: { ...process.env, PATH } });
        assert.equal(result.code, 127, `PATH=${PATH} ${args.join(' ')}: ${result.stderr}`);
        assert.match(result.stderr, /command not found on PATH: c\b/);
        assert.equal(result.stderr.trim().split('\n').length, 1);
        assert.equal(existsSync(marker), false, `PATH=${PATH} ${args.join(' ')}: c must not have run`);
      }
    }
    // The same file through an absolute entry is found and run.
    const found = await runShim(shim, ['start', '--', 'c'], { cwd: dir, env: { ...process.env, PATH: `${dir}:/usr/bin:/bin` } });
    assert.equal(found.code, 0, found.stderr);
    assert.equal(existsSync(marker), true, 'c ran through an absolute PATH entry');
  });
}
