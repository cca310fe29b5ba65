// Windows quoting, golden-tested on any OS: cross-spawn's cmd.exe escaping with its gaps closed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { batchFileLaunch, npmCmdShimTarget, quoteForMsvcrt } from '../build/windows-command.js';

/**
 * A model of what reaches a batch file's program: cmd.exe /s /c strips the outer quotes and
 * removes one level of carets (the escaping never leaves an unescaped quote, so cmd never enters
 * quoted mode); the batch file's `%*` is parsed once more (a second level); then the C runtime
 * splits the line (CommandLineToArgvW rules).
 */
function receivedBy(launch) {
  const line = launch.args[3].slice(1, -1);
  const unescape = (text) => text.replace(/\^(.)/g, '$1');
  const afterCmd = unescape(unescape(line));
  return parseMsvcrt(afterCmd).slice(1);
}

function parseMsvcrt(line) {
  const args = [];
  let current = '';
  let inQuotes = false;
  let started = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '\\') {
      let count = 0;
      while (line[i] === '\\') { count++; i++; }
      if (line[i] === '"') {
        current += '\\'.repeat(Math.floor(count / 2));
        if (count % 2 === 1) current += '"';
        else { inQuotes = !inQuotes; }
        started = true;
      } else {
        current += '\\'.repeat(count);
        i--;
        started = true;
      }
    } else if (ch === '"') {
      inQuotes = !inQuotes;
      started = true;
    } else if ((ch === ' ' || ch === '\t') && !inQuotes) {
      if (started) { args.push(current); current = ''; started = false; }
    } else {
      current += ch;
      started = true;
    }
  }
  if (started) args.push(current);
  return args;
}

const CORPUS = ['', 'plain', 'a b', ' lead', 'trail ', '"', 'say "hi"', 'back\\slash', 'ends\\', 'q\\"x', '\\\\"', 'two\\\\', '\\\\\\"x', '--', '--help', '-e',
  '$HOME', '%PATH%', '!PATH!', '^&|<>()', 'a&b', 'x|y', '(paren)', '50%', '%%', 'caret^', 'semi;colon', 'comma,', 'é ü 日本', '*?[]', '`tick`'];

test('every batch file gets the double-escaped line cross-spawn builds (golden)', () => {
  const launch = batchFileLaunch('C:\\My Tools\\run.cmd', ['a b', '%PATH%', 'x&y', '"q"', ''], 'C:\\Windows\\system32\\cmd.exe');
  assert.equal(launch.executable, 'C:\\Windows\\system32\\cmd.exe');
  assert.equal(launch.windowsVerbatimArguments, true);
  assert.deepEqual(launch.args, ['/d', '/s', '/c',
    '""C:\\My Tools\\run.cmd" ^^^"a^^^ b^^^" ^^^"^^^%PATH^^^%^^^" ^^^"x^^^&y^^^" ^^^"\\^^^"q\\^^^"^^^" ^^^"^^^""']);
  assert.equal(batchFileLaunch('x.bat', [], undefined).executable, 'cmd.exe');
});

test('the whole corpus survives cmd.exe + a batch file\'s %* + the C runtime, byte for byte', () => {
  // All but the 10000-character argument, which no cmd.exe line can hold (see the limit test below).
  const fitting = CORPUS.filter((arg) => arg.length < 1000);
  assert.deepEqual(receivedBy(batchFileLaunch('C:\\t\\run.cmd', fitting, 'cmd.exe')), fitting);
  assert.deepEqual(receivedBy(batchFileLaunch('C:\\t\\run.cmd', ['x'.repeat(8000)], 'cmd.exe')), ['x'.repeat(8000)]);
});

test('cross-spawn\'s own argument quoting mangles backslash runs before a quote; the shim\'s does not', () => {
  const crossSpawn = createRequire(import.meta.url)('cross-spawn/lib/util/escape.js');
  const upstreamLine = `"run.cmd ${crossSpawn.argument('\\\\"', true)}"`;
  assert.notDeepEqual(receivedBy({ args: ['/d', '/s', '/c', upstreamLine] }), ['\\\\"'], 'cross-spawn fixed this: the workaround may go');
  // Two backslashes and a quote: five backslashes (2n+1) escape the quote, inside the outer quotes.
  assert.equal(quoteForMsvcrt('\\\\"'), `"${'\\'.repeat(5)}""`);
  assert.equal(quoteForMsvcrt('two\\\\'), `"two${'\\'.repeat(4)}"`);
});

test('single escaping (cross-spawn\'s default outside node_modules/.bin) would lose arguments: the gap is real', () => {
  const line = batchFileLaunch('C:\\t\\run.cmd', ['a&b'], 'cmd.exe').args[3];
  // One caret level fewer: after cmd.exe the batch file's %* would carry a bare & and split the command.
  const singleLevel = line.replace(/\^\^\^/g, '^');
  assert.match(singleLevel.slice(1, -1).replace(/\^(.)/g, '$1'), /"a&b"/);
});

test('a line break in an argument is refused with a clear error (cmd.exe would end the command there)', () => {
  for (const arg of ['a\nb', 'a\r\nb', '\r']) {
    assert.throws(() => batchFileLaunch('C:\\t\\run.cmd', ['ok', arg], 'cmd.exe'),
      (error) => error.exitCode === 2 && /argument 2 contains a line break/.test(error.message) && /\.exe/.test(error.fix));
  }
});

test('npm cmd-shims are recognised and unwrapped to their script', () => {
  const shim = '@ECHO off\r\nGOTO start\r\n:find_dp0\r\nSET dp0=%~dp0\r\nEXIT /b\r\n:start\r\nSETLOCAL\r\nCALL :find_dp0\r\n\r\nIF EXIST "%dp0%\\node.exe" (\r\n  SET "_prog=%dp0%\\node.exe"\r\n) ELSE (\r\n  SET "_prog=node"\r\n  SET PATHEXT=%PATHEXT:;.JS;=;%\r\n)\r\n\r\nendLocal & goto #_undefined_# 2>NUL || title %COMSPEC% & "%_prog%"  "%dp0%\\..\\typescript\\bin\\tsc" %*\r\n';
  assert.deepEqual(npmCmdShimTarget(shim), { script: '..\\typescript\\bin\\tsc', nodeBesideShim: true });
  assert.equal(npmCmdShimTarget('@echo off\r\nnode "%~dp0\\x.js" %*\r\n'), undefined);
});

test('a .cmd line longer than cmd.exe\'s 8191 characters is refused with exit 2 naming the limit; 8191 itself passes', () => {
  const file = 'C:\\t\\run.cmd';
  // The line: "<"file"> <arg escaped>", the argument quoted and its quotes caret-escaped twice (^^^" each side).
  const overhead = `""${file}" ^^^"^^^""`.length;
  const fits = batchFileLaunch(file, ['x'.repeat(8191 - overhead)], 'cmd.exe');
  assert.equal(fits.args.at(-1).length, 8191);
  assert.throws(() => batchFileLaunch(file, ['x'.repeat(8192 - overhead)], 'cmd.exe'),
    (error) => error.exitCode === 2 && /8192 characters long .*limit of 8191 characters/.test(error.message) && /\.exe/.test(error.fix));
  assert.throws(() => batchFileLaunch(file, Array.from({ length: 1000 }, () => 'abcdefgh'), 'cmd.exe'), (error) => error.exitCode === 2);
});
