// The executable check on a fake file system: what the machine here cannot show (binfmt_misc,
// another OS, nested interpreters, the stack limit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { checkExecutable } from '../build/launch/executable-check.js';

const LINUX = { family: 'posix', platform: 'linux' };
const TRUE = readFileSync('/bin/true');
const machine = TRUE.readUInt16LE(18);
const arch = machine === 62 ? 'x64' : 'arm64';
const foreignElf = () => { const bytes = Buffer.from(TRUE); bytes.writeUInt16LE(machine === 62 ? 183 : 62, 18); return bytes; };

/** files: path -> Buffer (a file) | 'dir'; texts: path -> string (for /proc). */
function view(files, texts = {}) {
  const content = (file) => (typeof files[file] === 'string' && files[file] !== 'dir' ? Buffer.from(files[file]) : files[file]);
  return {
    kind: (file) => (files[file] === 'dir' ? 'directory' : file in files ? 'file' : 'missing'),
    isExecutable: (file) => file in files && files[file] !== 'dir',
    read: (file, offset, length) => content(file)?.subarray(offset, offset + length),
    size: (file) => content(file)?.length,
    readText: (file) => texts[file],
    list: (dir) => Object.keys(texts).filter((name) => name.startsWith(`${dir}/`)).map((name) => name.slice(dir.length + 1)),
  };
}

const check = (executable, fs, { env = { PATH: '/usr/bin:/bin' }, argv = [executable], facts = LINUX } = {}) =>
  checkExecutable({ executable, argv, env, cwd: '/work', facts, arch, fs });

const LOADER = { '/lib64/ld-linux-x86-64.so.2': TRUE, '/lib/ld-linux-aarch64.so.1': TRUE };

test('a binary for another machine passes when an enabled binfmt_misc entry matches its magic, not otherwise', () => {
  const bytes = foreignElf();
  const magic = bytes.subarray(0, 20).toString('hex');
  const mask = 'ff'.repeat(20);
  const files = { '/c/conn': bytes, ...LOADER };
  assert.match(check('/c/conn', view(files)).message, /it is built for/);
  const proc = (state) => ({ '/proc/sys/fs/binfmt_misc/status': 'enabled\n', '/proc/sys/fs/binfmt_misc/qemu': `${state}\ninterpreter /usr/bin/qemu\nflags: F\noffset 0\nmagic ${magic}\nmask ${mask}\n` });
  assert.equal(check('/c/conn', view(files, proc('enabled'))), undefined);
  assert.match(check('/c/conn', view(files, proc('disabled'))).message, /it is built for/);
});

test('other operating systems\' binaries are named; Mach-O passes on macOS, ELF does not', () => {
  const macho = Buffer.concat([Buffer.from([0xcf, 0xfa, 0xed, 0xfe]), Buffer.alloc(60)]);
  assert.match(check('/c/m', view({ '/c/m': macho })).message, /a macOS executable \(Mach-O\)/);
  assert.equal(check('/c/m', view({ '/c/m': macho }), { facts: { family: 'posix', platform: 'darwin' } }), undefined);
  assert.match(check('/c/e', view({ '/c/e': TRUE }), { facts: { family: 'posix', platform: 'darwin' } }).message, /a Linux executable \(ELF\)/);
  assert.equal(check('C:\\x.exe', view({}), { facts: { family: 'windows', platform: 'win32' } }), undefined, 'Windows: nothing to check');
});

test('nested #! interpreters are followed as deep as the kernel does: five scripts on Linux, none on macOS', () => {
  const files = { '/bin/sh': TRUE, ...LOADER };
  files['/s/0'] = '#!/bin/sh\n';
  for (let i = 1; i <= 6; i++) files[`/s/${i}`] = `#!/s/${i - 1}\n`;
  // /s/4 -> /s/3 -> /s/2 -> /s/1 -> /s/0 -> /bin/sh: five scripts, which Linux runs; /s/5 is ELOOP.
  assert.equal(check('/s/4', view(files)), undefined);
  assert.match(check('/s/5', view(files)).message, /cannot execute \/s\/5: its #! interpreters nest 6 scripts deep \(down to \/s\/0\), and this system follows at most 5/);
  const darwin = { facts: { family: 'posix', platform: 'darwin' } };
  const macFiles = { '/bin/sh': Buffer.concat([Buffer.from([0xcf, 0xfa, 0xed, 0xfe]), Buffer.alloc(60)]), '/s/0': '#!/bin/sh\n', '/s/1': '#!/s/0\n' };
  assert.equal(check('/s/0', view(macFiles), darwin), undefined);
  assert.match(check('/s/1', view(macFiles), darwin).message, /nest 2 scripts deep \(down to \/s\/0\), and this system follows no script as an interpreter/);
  files['/s/0'] = '#!/missing/sh\n';
  assert.match(check('/s/2', view(files)).message, /\/s\/0: its interpreter \/missing\/sh .* does not exist/);
});

test('#!/usr/bin/env: the child\'s PATH (execvp\'s default when unset), -S splitting, variable assignments, other options left to env', () => {
  const files = { '/usr/bin/env': TRUE, '/opt/node/bin/node': TRUE, '/bin/sh': TRUE, ...LOADER };
  const script = (line) => ({ ...files, '/c/s': `#!${line}\n` });
  assert.equal(check('/c/s', view(script('/usr/bin/env node')), { env: { PATH: '/opt/node/bin' } }), undefined);
  assert.equal(check('/c/s', view(script('/usr/bin/env node')), { env: { PATH: '/usr/bin' } }).exitCode, 127);
  assert.equal(check('/c/s', view(script('/usr/bin/env sh')), { env: {} }), undefined, 'unset PATH: /bin:/usr/bin');
  assert.equal(check('/c/s', view(script('/usr/bin/env -S FOO=1 node --flag')), { env: { PATH: '/opt/node/bin' } }), undefined);
  assert.equal(check('/c/s', view(script('/usr/bin/env -i node')), { env: { PATH: '/x' } }), undefined, 'not second-guessed');
});

test('E2BIG: one string over 128 KiB; in total, a quarter of the stack limit (at most 6 MiB, at least 128 KiB)', () => {
  const files = { '/c/conn': TRUE, ...LOADER };
  const limits = (stack) => ({ '/proc/self/limits': `Limit  Soft Limit  Hard Limit  Units\nMax stack size            ${stack}              unlimited            bytes\n` });
  const env = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`V${i}`, 'x'.repeat(100 * 1024)]));
  assert.equal(check('/c/conn', view(files, limits('unlimited')), { env }), undefined, '3 MiB fits under 6 MiB');
  assert.match(check('/c/conn', view(files, limits('8388608')), { env }).message, /over the kernel's limit of \d+ here \(E2BIG\)/);
  const seven = Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`V${i}`, 'x'.repeat(100 * 1024)]));
  assert.match(check('/c/conn', view(files, limits('unlimited')), { env: seven }).message, /E2BIG/, 'never more than 6 MiB');
  assert.match(check('/c/conn', view(files), { argv: ['/c/conn', 'y'.repeat(131072)] }).message, /argument 1 is 131072 bytes/);
  assert.equal(check('/c/conn', view(files), { argv: ['/c/conn', 'y'.repeat(131071)] }), undefined, 'exactly at the limit');
});

test('under qemu-user (the runtime built for another machine than the CPU, as /proc/cpuinfo tells), the CPU\'s own binaries pass', () => {
  const files = { '/c/conn': TRUE, ...LOADER };
  const otherArch = arch === 'x64' ? 'arm64' : 'x64';
  const hostCpu = arch === 'x64' ? 'processor\t: 0\nvendor_id\t: AuthenticAMD\n' : 'processor\t: 0\nCPU implementer\t: 0x41\n';
  const run = (cpuinfo) => checkExecutable({ executable: '/c/conn', argv: ['/c/conn'], env: {}, cwd: '/', facts: LINUX, arch: otherArch, fs: view(files, cpuinfo === undefined ? {} : { '/proc/cpuinfo': cpuinfo }) });
  assert.equal(run(hostCpu), undefined);
  assert.match(run(undefined).message, /it is built for/, 'no cpuinfo: the runtime\'s architecture is the machine\'s');
});

test('the #! line is read as Linux reads it: 255 bytes, a NUL ends a word, a cut interpreter name is refused', () => {
  const files = { '/bin/echo': TRUE, ...LOADER };
  const script = (line) => view({ ...files, '/c/s': line });
  assert.equal(check('/c/s', script('#!/bin/echo\0junk\n')), undefined, 'the NUL ends the name');
  assert.match(check('/c/s', script('#!\0/bin/echo\n')).message, /names no interpreter/);
  assert.equal(check('/c/s', script('#!\0/bin/echo\n')).exitCode, 126);
  assert.equal(check('/c/s', script(`#!/bin/echo ${'x'.repeat(300)}\n`)), undefined, 'only the argument is cut');
  assert.match(check('/c/s', script(`#!/${'a'.repeat(300)}\n`)).message, /longer than the 255 bytes the kernel reads of it/);
  assert.equal(check('/c/s', script(`#!/bin/echo${' '.repeat(300)}\n`)), undefined);
});

test('#!/usr/bin/env -S: quotes and ${VAR} as env splits them; -i, -u and assignments change the PATH env searches', () => {
  const files = { '/usr/bin/env': TRUE, '/opt/rt/my rt': TRUE, '/opt/rt/rt': TRUE, '/bin/sh': TRUE, ...LOADER };
  const script = (line) => view({ ...files, '/c/s': `#!${line}\n` });
  const env = { PATH: '/opt/rt', RT: 'rt' };
  assert.equal(check('/c/s', script('/usr/bin/env -S "my rt" x'), { env }), undefined);
  assert.equal(check('/c/s', script("/usr/bin/env -S 'rt' 'a b'"), { env }), undefined);
  assert.equal(check('/c/s', script('/usr/bin/env -S ${RT} x'), { env }), undefined);
  assert.equal(check('/c/s', script('/usr/bin/env -S -u RT rt'), { env }), undefined, 'the word after -u is a variable');
  assert.equal(check('/c/s', script('/usr/bin/env -S -i sh'), { env }), undefined, '-i: execvp\'s default PATH has sh');
  assert.match(check('/c/s', script('/usr/bin/env -S -i rt'), { env }).message, /`rt` .* is not found on the PATH env searches \(unset: \/bin:\/usr\/bin\)/);
  assert.equal(check('/c/s', script('/usr/bin/env -S PATH=/opt/rt rt'), { env: { PATH: '/usr/bin' } }), undefined);
  assert.equal(check('/c/s', script('/usr/bin/env -S -C /opt/rt ./rt'), { env }), undefined, '-C: left to env');
  assert.equal(check('/c/s', script('/usr/bin/env -S rt\\_x'), { env }), undefined, 'escapes: left to env');
});
