// The command line: what is interpreted, what is passed on verbatim, and usage errors (exit 2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine } from '../build/cli.js';

const usage = (argv, pattern) => assert.throws(() => parseCommandLine(argv), (error) => error.exitCode === 2 && pattern.test(error.message));

test('after `cli` nothing is interpreted: --, --help, --manifest and empty strings are the plugin\'s', () => {
  const argv = ['--', '--help', '--manifest', 'x', '', '-V', 'a b', '--port=1'];
  const line = parseCommandLine(['--log-level', 'debug', 'cli', ...argv]);
  assert.equal(line.command, 'cli');
  assert.deepEqual(line.extraArgs, argv);
  assert.equal(line.options.logLevel, 'debug');
  assert.equal(line.options.manifest, undefined);
});

test('global options are accepted before and after the command, and `--` ends them', () => {
  const line = parseCommandLine(['--port', '9000', 'start', '--context=/ctx', '--env-file', 'a', '--env-file', 'b', '--no-exec', '--', '--port', '1']);
  assert.equal(line.command, 'start');
  assert.equal(line.options.port, 9000);
  assert.equal(line.options.context, '/ctx');
  assert.deepEqual(line.options.envFiles, ['a', 'b']);
  assert.equal(line.options.noExec, true);
  assert.deepEqual(line.extraArgs, ['--port', '1']);
});

test('serve is start; upgradeConfiguration is upgrade', () => {
  assert.equal(parseCommandLine(['serve']).command, 'start');
  assert.equal(parseCommandLine(['upgradeConfiguration']).command, 'upgrade');
});

test('--help and --version win over a command, except after cli', () => {
  assert.equal(parseCommandLine(['start', '--help']).command, 'help');
  assert.equal(parseCommandLine(['--version']).command, 'version');
  assert.equal(parseCommandLine(['cli', '--version']).command, 'cli');
});

test('doctor --json and health --wait belong to their commands', () => {
  assert.equal(parseCommandLine(['doctor', '--json']).json, true);
  assert.equal(parseCommandLine(['health', '--wait', '2.5']).waitSeconds, 2.5);
  usage(['start', '--json'], /--json belongs to `doctor`/);
  usage(['start', '--wait', '1'], /--wait belongs to `health`/);
});

test('bad command lines are usage errors that say what is wrong', () => {
  usage([], /no command given/);
  usage(['launch'], /unknown command 'launch'/);
  usage(['start', 'extra'], /unexpected argument 'extra' after 'start'/);
  usage(['--bogus', 'start'], /unknown option --bogus/);
  usage(['start', '--port'], /--port needs a value/);
  usage(['start', '--port', '70000'], /port number from 1 to 65535/);
  usage(['start', '--port', 'abc'], /port number/);
  usage(['start', '--kill-after', '-1'], /number of seconds/);
  usage(['start', '--log-level', 'loud'], /--log-level must be one of/);
  usage(['start', '--log-format', 'xml'], /pretty or json/);
  usage(['--port', '1', '--', 'x'], /unknown command 'x'/);
  usage(['start', '--dry-run=yes'], /takes no value/);
  usage(['start', '--context', ''], /non-empty value/);
});

test('--env-file is the shim\'s env-file option (--dotenv its alias); a `--` before the command (the runtime\'s end of options) is ignored, one after `cli` is the plugin\'s', () => {
  assert.deepEqual(parseCommandLine(['--dotenv', 'a', '--dotenv=b', '--env-file', 'c', 'start']).options.envFiles, ['a', 'b', 'c']);
  const line = parseCommandLine(['--', '--port', '9000', 'cli', '--', '--env-file', 'x']);
  assert.equal(line.command, 'cli');
  assert.equal(line.options.port, 9000);
  assert.deepEqual(line.extraArgs, ['--', '--env-file', 'x']);
  assert.deepEqual(parseCommandLine(['--', 'start', '--', 'a']).extraArgs, ['a']);
  assert.equal(parseCommandLine(['--', '--', 'start']).command, 'start');
  const late = parseCommandLine(['--plugin', 'p', '--', 'cli', '--env-file', 'x']);
  assert.equal(late.options.plugin, 'p');
  assert.deepEqual(late.extraArgs, ['--env-file', 'x']);
});
