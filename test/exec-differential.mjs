// Differential test of the executable check (src/launch/executable-check.ts) against the kernel of
// this machine (test/exec-differential-*.test.mjs run it, one mode each): a corpus of files is run once directly with a bare execve (Python's os.execve: no
// /bin/sh fallback on ENOEXEC, unlike Node's spawn and execvp) and then through the shim in every
// mode. Where the kernel runs a file, the shim must run it too, with the same stdout, stderr and
// exit code; where the kernel refuses it, the shim ends as a shell would (ENOENT 127, anything
// else 126) with one line naming the file. The check's worst bug is a false refusal: this finds them.
// The kernel's answer is taken live, on the machine running the tests (a kernel without 32-bit x86
// support refuses what another runs): nothing here records what some kernel once said. Linux only;
// Python 3 gives the bare execve; some cases need root (setpriv, unshare).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODES, run, runShim, tempDir } from './helpers.mjs';

const PYTHON = ['/usr/bin/python3', '/usr/local/bin/python3'].find((file) => existsSync(file));
const skip = process.platform !== 'linux' ? 'Linux only' : !PYTHON ? 'needs python3 (for a bare execve)' : false;
const isRoot = process.getuid?.() === 0;
const asNobody = isRoot && spawnSync('setpriv', ['--version']).status === 0 ? ['setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups'] : undefined;
const canUnshare = isRoot && spawnSync('unshare', ['--mount', 'true']).status === 0;
const x64 = process.arch === 'x64';
const canBinfmt = spawnSync('unshare', ['--user', '--map-root-user', '--mount', '--', 'mount', '-t', 'binfmt_misc', 'none', '/proc/sys/fs/binfmt_misc']).status === 0;

/** The kernel's verdict: execve and nothing else; a failure says its errno on stderr, exit 255. */
const ORACLE = `import errno, os, sys
try:
    os.execve(sys.argv[1], sys.argv[1:], os.environ)
except OSError as error:
    sys.stderr.write('execve failed: ' + errno.errorcode[error.errno] + '\\n')
    sys.exit(255)
`;

function file(path, content, mode = 0o755) {
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

/** A minimal static ELF program for x86-64 (64-bit) or x86 (32-bit) that writes `text` and exits 0. */
function tinyElf(bits, text) {
  const message = Buffer.from(text);
  const base = bits === 64 ? 0x400000 : 0x08048000;
  const headers = bits === 64 ? 64 + 56 : 52 + 32;
  let code;
  if (bits === 64) {
    // mov eax,1; mov edi,1; lea rsi,[rip+16]; mov edx,len; syscall; mov eax,60; xor edi,edi; syscall
    code = Buffer.from([0xb8, 1, 0, 0, 0, 0xbf, 1, 0, 0, 0, 0x48, 0x8d, 0x35, 16, 0, 0, 0, 0xba, message.length, 0, 0, 0, 0x0f, 0x05,
      0xb8, 60, 0, 0, 0, 0x31, 0xff, 0x0f, 0x05]);
  } else {
    // mov eax,4; mov ebx,1; mov ecx,msg; mov edx,len; int 0x80; mov eax,1; xor ebx,ebx; int 0x80
    code = Buffer.from([0xb8, 4, 0, 0, 0, 0xbb, 1, 0, 0, 0, 0xb9, 0, 0, 0, 0, 0xba, message.length, 0, 0, 0, 0xcd, 0x80,
      0xb8, 1, 0, 0, 0, 0x31, 0xdb, 0xcd, 0x80]);
    code.writeUInt32LE(base + headers + code.length, 11);
  }
  const image = Buffer.concat([Buffer.alloc(headers), code, message]);
  image.write('\x7fELF', 0, 'latin1');
  image[4] = bits === 64 ? 2 : 1; image[5] = 1; image[6] = 1;
  image.writeUInt16LE(2, 16); // ET_EXEC
  image.writeUInt16LE(bits === 64 ? 62 : 3, 18);
  image.writeUInt32LE(1, 20);
  if (bits === 64) {
    image.writeBigUInt64LE(BigInt(base + headers), 24);
    image.writeBigUInt64LE(64n, 32);
    image.writeUInt16LE(64, 52); image.writeUInt16LE(56, 54); image.writeUInt16LE(1, 56);
    image.writeUInt32LE(1, 64); image.writeUInt32LE(5, 68); // PT_LOAD, R+X
    image.writeBigUInt64LE(BigInt(base), 80); image.writeBigUInt64LE(BigInt(base), 88);
    image.writeBigUInt64LE(BigInt(image.length), 96); image.writeBigUInt64LE(BigInt(image.length), 104);
    image.writeBigUInt64LE(0x1000n, 112);
  } else {
    image.writeUInt32LE(base + headers, 24);
    image.writeUInt32LE(52, 28);
    image.writeUInt16LE(52, 40); image.writeUInt16LE(32, 42); image.writeUInt16LE(1, 44);
    image.writeUInt32LE(1, 52); image.writeUInt32LE(0, 56); image.writeUInt32LE(base, 60); image.writeUInt32LE(base, 64);
    image.writeUInt32LE(image.length, 68); image.writeUInt32LE(image.length, 72); image.writeUInt32LE(5, 76); image.writeUInt32LE(0x1000, 80);
  }
  return image;
}

/** /bin/echo with its PT_INTERP (dynamic loader path) replaced by `loader` (NUL-padded; no longer than the original). */
function echoWithLoader(loader) {
  const bytes = Buffer.from(readFileSync('/bin/echo'));
  const original = /\/[\w./-]*\/ld-[\w.-]+/.exec(bytes.toString('latin1'))[0];
  assert.ok(loader.length <= original.length, `${loader} fits in place of ${original}`);
  const at = bytes.indexOf(original);
  bytes.fill(0, at, at + original.length);
  bytes.write(loader, at, 'latin1');
  return bytes;
}

const ECHO_LOADER = /\/[\w./-]*\/ld-[\w.-]+/.exec(readFileSync('/bin/echo').toString('latin1'))?.[0];
/** A short absolute path for a loader symlink (PT_INTERP has room for the original's length only). */
const SHORT_LOADER = `/tmp/ndcld-${process.pid}`;

/**
 * The corpus. Each case: `file` (run with `args`), in `cwd` = the context directory (the working
 * directory `start` gives the connector), with `env`; `user: 'nobody'` runs both sides as nobody;
 * `wrap` prefixes both commands (a mount namespace); `root: true` needs root; `documented` marks an
 * intended difference (the exit code the shim gives instead). To extend it, add a block of
 * `add(name, { file, ... })` calls: what the kernel says is asked when the test runs.
 */
function corpus(root) {
  const ctx = join(root, 'ctx');
  const bin = join(root, 'bin');
  const rt = join(root, 'rt');
  for (const dir of [ctx, bin, rt, join(root, 'elsewhere')]) mkdirSync(dir);
  const cases = [];
  const add = (name, props) => cases.push({ name, args: [], env: {}, ...props });
  let n = 0;
  const script = (content, mode) => file(join(root, `f${n++}`), content, mode);

  // A runtime for #!/usr/bin/env NAME: prints what it got, and whether MYVAR reached it.
  file(join(rt, 'myrt'), '#!/bin/sh\necho "myrt:${MYVAR-unset}:$#:$*"\n');
  file(join(rt, 'my rt'), '#!/bin/sh\necho "my rt:$*"\n');
  const rtPath = `${rt}:/usr/bin:/bin`;

  // #! line spelling: the kernel splits at the first space or tab, passes the rest (trimmed) as one argument.
  add('#!/bin/sh script', { file: script('#!/bin/sh\necho ran "$@"\n'), args: ['a', 'b c'] });
  add('#! with a space after #!', { file: script('#! /bin/echo\n') });
  add('#! with tabs around and inside', { file: script('#!\t/bin/echo\targ\tmore\t\n') });
  add('#! with many spaces, argument with spaces', { file: script('#!   /bin/echo   a  b   \n'), args: ['x'] });
  add('#! with a trailing space only', { file: script('#!/bin/echo \n') });
  add('#! argument in quotes (kept literally)', { file: script('#!/bin/echo "a b"\n') });
  add('#! line with no newline at all', { file: script('#!/bin/echo') });
  add('#! with CRLF', { file: script('#!/bin/echo\r\n') });
  add('#! with CRLF after an argument (the CR goes to the argument)', { file: script('#!/bin/echo arg\r\n') });
  add('a file of only #! (an empty interpreter name)', { file: script('#!') });
  add('#! and spaces only, no newline', { file: script('#!   ') });
  add('#! and a newline', { file: script('#!\n') });
  add('#! and spaces, then a newline', { file: script('#!  \t \necho ran\n') });
  add('#! with a NUL ending the interpreter', { file: script('#!/bin/echo\0junk\n') });
  add('#! with a NUL inside the argument', { file: script('#!/bin/echo a\0b\n') });
  add('#! with a NUL right after #!', { file: script('#!\0/bin/echo\n') });
  add('empty file', { file: script('') });
  // README: a file without #! is refused in both modes (126), as the kernel refuses it (ENOEXEC),
  // although a shell, and spawn through execvp, would run it with /bin/sh.
  add('no #! line', { file: script('echo ran\n') });

  // Long #! lines: the kernel reads 256 bytes (BINPRM_BUF_SIZE) and uses 255 of them; a line with
  // no newline there keeps its interpreter if a space, tab or NUL ends the name within them (the
  // argument is cut), else it is ENOEXEC.
  add('long #! line: argument cut at 255 bytes', { file: script(`#!/bin/echo ${'x'.repeat(300)}\n`) });
  add('long #! line: trailing spaces past 256 bytes', { file: script(`#!/bin/sh${' '.repeat(300)}\necho ran\n`) });
  add('long #! line: interpreter name past 256 bytes', { file: script(`#!/${'a'.repeat(300)}\n`) });
  // Interpreter paths of exact lengths (a symlink to /bin/echo in a deep enough directory).
  const exact = (length) => {
    let dir = join(root, 'long');
    mkdirSync(dir, { recursive: true });
    while (length - dir.length - 1 > 200) { dir = join(dir, 'd'.repeat(100)); mkdirSync(dir, { recursive: true }); }
    const target = join(dir, 'e'.repeat(length - dir.length - 1));
    if (!existsSync(target)) symlinkSync('/bin/echo', target);
    assert.equal(target.length, length);
    return target;
  };
  add('#! interpreter of 253 bytes, newline at byte 255', { file: script(`#!${exact(253)}\n`) });
  add('#! interpreter of 253 bytes, space at byte 255, argument after', { file: script(`#!${exact(253)} arg\n`) });
  add('#! interpreter of 252 bytes, space, argument from byte 255 (cut to nothing)', { file: script(`#!${exact(252)} arg\n`) });
  add('#! interpreter of 254 bytes (no room for its end)', { file: script(`#!${exact(254)}\n`) });

  // Interpreter paths.
  mkdirSync(join(ctx, 'tools'));
  symlinkSync('/bin/echo', join(ctx, 'tools', 'echo'));
  add('relative #! interpreter, found in the connector\'s working directory', { file: script('#!tools/echo\n') });
  add('relative #! interpreter with ./', { file: script('#!./tools/echo arg\n') });
  mkdirSync(join(root, 'elsewhere', 'only-here'));
  symlinkSync('/bin/echo', join(root, 'elsewhere', 'only-here', 'echo'));
  add('relative #! interpreter present only where the shim was started', { file: script('#!only-here/echo\n') });
  symlinkSync('/bin/echo', join(bin, 'echo-link'));
  symlinkSync(join(bin, 'echo-link'), join(bin, 'echo-link2'));
  symlinkSync(join(bin, 'echo-link2'), join(bin, 'echo-link3'));
  add('#! interpreter that is a symlink', { file: script(`#!${join(bin, 'echo-link')}\n`) });
  add('#! interpreter behind a chain of symlinks', { file: script(`#!${join(bin, 'echo-link3')} x\n`) });
  symlinkSync(join(bin, 'nowhere'), join(bin, 'dangling'));
  add('#! interpreter that is a dangling symlink', { file: script(`#!${join(bin, 'dangling')}\n`) });
  symlinkSync(join(bin, 'loop-b'), join(bin, 'loop-a'));
  symlinkSync(join(bin, 'loop-a'), join(bin, 'loop-b'));
  add('#! interpreter that is a symlink loop', { file: script(`#!${join(bin, 'loop-a')}\n`) });
  add('#! interpreter under a file (not a directory)', { file: script('#!/bin/sh/x\n') });
  add('#! interpreter with a trailing slash', { file: script('#!/bin/echo/\n') });
  add('#! interpreter that is a directory', { file: script('#!/usr/bin\n') });
  file(join(bin, 'not-exec'), '#!/bin/sh\necho no\n', 0o644);
  add('#! interpreter without execute permission', { file: script(`#!${join(bin, 'not-exec')}\n`) });
  add('#! interpreter path with // and /./', { file: script('#!//bin/.//echo\n') });
  // `..` after a symlink: the kernel goes up from where the link points, not from the link.
  mkdirSync(join(root, 'sub', 'deep'), { recursive: true });
  symlinkSync(join(root, 'sub', 'deep'), join(root, 'lnk'));
  file(join(root, 'sub', 'interp'), '#!/bin/sh\necho physical "$@"\n');
  add('#! interpreter path with .. after a symlink', { file: script(`#!${root}/lnk/../interp\n`) });
  const fifo = join(bin, 'fifo');
  spawnSync('mkfifo', [fifo]);
  chmodSync(fifo, 0o755);
  add('#! interpreter that is a FIFO', { file: script(`#!${fifo}\n`) });

  // Interpreters that are scripts: Linux follows at most 5 (the file itself included).
  let previous = '/bin/sh';
  for (let depth = 1; depth <= 6; depth++) {
    const nested = file(join(root, `nest${depth}`), depth === 1 ? '#!/bin/sh\necho "nested, $# arguments"\n' : `#!${previous}\n`);
    add(`${depth} nested #! scripts`, { file: nested });
    previous = nested;
  }
  file(join(ctx, 'rel-interp'), '#!/bin/sh\necho "relative inner $#"\n');
  add('nested #! script whose interpreter is relative', { file: script(`#!${script('#!rel-interp\n')}\n`) });

  // #!/usr/bin/env: env looks NAME up on the child's PATH.
  const withRt = { PATH: rtPath, MYVAR: 'set' };
  add('env NAME', { file: script('#!/usr/bin/env myrt\n'), env: withRt });
  add('env NAME not on PATH (documented: the check says so, with env\'s exit code)', { file: script('#!/usr/bin/env no-such-rt\n'), env: withRt, documented: 127 });
  add('env -S NAME args', { file: script('#!/usr/bin/env -S myrt --flag a\n'), env: withRt });
  add('env -SNAME (attached)', { file: script('#!/usr/bin/env -Smyrt\n'), env: withRt });
  add('env --split-string=NAME', { file: script('#!/usr/bin/env --split-string=myrt x\n'), env: withRt });
  add('env -S with a double-quoted NAME', { file: script('#!/usr/bin/env -S "my rt" x\n'), env: withRt });
  add('env -S with single quotes', { file: script("#!/usr/bin/env -S 'myrt' 'a b'\n"), env: withRt });
  add('env -S with ${VAR} as NAME', { file: script('#!/usr/bin/env -S ${RT_NAME} x\n'), env: { ...withRt, RT_NAME: 'myrt' } });
  add('env -S with a # comment', { file: script('#!/usr/bin/env -S myrt # a comment\n'), env: withRt });
  add('env -S with assignments', { file: script('#!/usr/bin/env -S MYVAR=changed A=1 myrt\n'), env: withRt });
  add('env -S -u VAR NAME', { file: script('#!/usr/bin/env -S -u MYVAR myrt\n'), env: withRt });
  add('env -S --unset=VAR NAME', { file: script('#!/usr/bin/env -S --unset=MYVAR myrt\n'), env: withRt });
  add('env -S -u PATH NAME (env\'s default PATH then)', { file: script('#!/usr/bin/env -S -u PATH sh\necho "default path"\n'), env: { PATH: rt } });
  add('env -S -i NAME found only on the default PATH', { file: script('#!/usr/bin/env -S -i sh\necho "emptied"\n'), env: { PATH: rt } });
  add('env -S -i NAME found only on the child\'s PATH (documented: env would fail, 127)', { file: script('#!/usr/bin/env -S -i myrt\n'), env: withRt, documented: 127 });
  add('env -S - NAME (- is -i)', { file: script('#!/usr/bin/env -S - sh\necho "emptied"\n'), env: { PATH: rt } });
  add('env -S PATH=... NAME', { file: script(`#!/usr/bin/env -S PATH=${rt} myrt\n`), env: { PATH: '/usr/bin:/bin' } });
  add('env -S -- NAME', { file: script('#!/usr/bin/env -S -- myrt\n'), env: withRt });
  add('env -- NAME without -S (env refuses the option)', { file: script('#!/usr/bin/env -- myrt\n'), env: withRt });
  add('env -i NAME without -S (one word: env refuses)', { file: script('#!/usr/bin/env -i myrt\n'), env: withRt });
  add('env -vS NAME (options before S)', { file: script('#!/usr/bin/env -vS myrt a\n'), env: withRt });
  add('env -S -v NAME', { file: script('#!/usr/bin/env -S -v myrt a\n'), env: withRt });
  add('env -S -C DIR ./NAME', { file: script(`#!/usr/bin/env -S -C ${rt} ./myrt\n`), env: { PATH: '/usr/bin:/bin' } });
  add('env -S --chdir=DIR NAME', { file: script(`#!/usr/bin/env -S --chdir=${rt} myrt\n`), env: withRt });
  add('env NAME with a slash (absolute)', { file: script('#!/usr/bin/env /bin/echo\n') });
  mkdirSync(join(ctx, 'rel'));
  file(join(ctx, 'rel', 'myrt'), '#!/bin/sh\necho "relative myrt $#"\n');
  add('env NAME with a slash (relative to the working directory)', { file: script('#!/usr/bin/env rel/myrt\n') });
  const dirFirst = join(root, 'dirfirst');
  mkdirSync(join(dirFirst, 'myrt'), { recursive: true });
  file(join(dirFirst, 'plain'), 'x', 0o644);
  add('env NAME: a directory of that name on PATH first', { file: script('#!/usr/bin/env myrt\n'), env: { PATH: `${dirFirst}:${rtPath}` } });
  mkdirSync(join(root, 'noexecfirst'));
  file(join(root, 'noexecfirst', 'myrt'), 'x', 0o644);
  add('env NAME: a non-executable file of that name on PATH first', { file: script('#!/usr/bin/env myrt\n'), env: { PATH: `${join(root, 'noexecfirst')}:${rtPath}` } });
  file(join(ctx, 'cwdrt'), '#!/bin/sh\necho "cwd runtime"\n');
  add('env NAME: an empty PATH entry (the working directory)', { file: script('#!/usr/bin/env cwdrt\n'), env: { PATH: ':/usr/bin:/bin' } });
  add('env NAME: a trailing empty PATH entry', { file: script('#!/usr/bin/env cwdrt\n'), env: { PATH: '/usr/bin:/bin:' } });
  add('env NAME: a . PATH entry', { file: script('#!/usr/bin/env cwdrt\n'), env: { PATH: '/usr/bin:.:/bin' } });
  add('env NAME with PATH unset (env\'s default PATH)', { file: script('#!/usr/bin/env sh\necho "no PATH"\n'), env: { PATH: undefined } });

  // The connector file itself.
  symlinkSync('/bin/echo', join(bin, 'c-link1'));
  symlinkSync(join(bin, 'c-link1'), join(bin, 'c-link2'));
  add('connector behind a chain of symlinks', { file: join(bin, 'c-link2'), args: ['hi'] });
  add('connector that is a symlink loop', { file: join(bin, 'loop-a') });
  add('connector under a file (not a directory)', { file: '/bin/echo/x' });
  add('connector whose name is over 255 bytes', { file: join(root, 'n'.repeat(300)) });
  add('connector that is a FIFO', { file: fifo });
  file(join(root, 'sub', 'prog'), '#!/bin/sh\necho physical\n');
  file(join(root, 'prog'), '#!/bin/sh\necho lexical\n');
  add('connector path with .. after a symlink', { file: `${join(root, 'lnk')}/../prog` });

  // ELF binaries.
  add('dynamic ELF (/bin/echo)', { file: file(join(bin, 'echo'), readFileSync('/bin/echo')), args: ['dynamic'] });
  if (x64) {
    add('static ELF, 64-bit', { file: file(join(bin, 'static64'), tinyElf(64, 'static 64\n')) });
    add('static ELF, 32-bit x86', { file: file(join(bin, 'static32'), tinyElf(32, 'static 32\n')) });
    const type = tinyElf(64, 'x\n');
    type.writeUInt16LE(1, 16);
    add('ELF relocatable object (ET_REL)', { file: file(join(bin, 'object'), type) });
  }
  if (ECHO_LOADER) {
    symlinkSync(ECHO_LOADER, join(ctx, 'ld'));
    add('PT_INTERP relative, found in the working directory', { file: file(join(bin, 'echo-relld'), echoWithLoader('./ld')), args: ['relative loader'] });
    symlinkSync(ECHO_LOADER, SHORT_LOADER);
    add('PT_INTERP a symlink to the loader', { file: file(join(bin, 'echo-linkld'), echoWithLoader(SHORT_LOADER)), args: ['linked loader'] });
    mkdirSync(join(ctx, 'lddir'));
    add('PT_INTERP a directory', { file: file(join(bin, 'echo-dirld'), echoWithLoader('./lddir')) });
    copyFileSync(ECHO_LOADER, join(ctx, 'ld-noexec'));
    chmodSync(join(ctx, 'ld-noexec'), 0o644);
    add('PT_INTERP not executable', { file: file(join(bin, 'echo-noexecld'), echoWithLoader('./ld-noexec')) });
    file(join(ctx, 'ld-script'), '#!/bin/sh\necho loader script\n');
    add('PT_INTERP a #! script', { file: file(join(bin, 'echo-scriptld'), echoWithLoader('./ld-script')) });
  }
  const foreign = Buffer.from(readFileSync('/bin/echo'));
  foreign.writeUInt16LE(foreign.readUInt16LE(18) === 62 ? 183 : 62, 18);
  add('ELF for another machine', { file: file(join(bin, 'foreign'), foreign) });
  add('truncated ELF', { file: file(join(bin, 'truncated'), readFileSync('/bin/echo').subarray(0, 600)) });

  // Permissions and set-id bits, as root and as nobody.
  for (const [mode, rootRuns, nobodyRuns] of [[0o111, true, true], [0o100, true, false], [0o010, true, false], [0o001, true, true]]) {
    const octal = mode.toString(8).padStart(4, '0');
    const binary = file(join(bin, `echo-${octal}`), readFileSync('/bin/echo'), mode);
    add(`binary mode ${octal} as root`, { file: binary, args: ['perm'], root: true });
    add(`binary mode ${octal} as nobody`, { file: binary, args: ['perm'], user: 'nobody' });
  }
  add('script mode 0111 as nobody (the kernel reads its #! line; sh cannot read it)', { file: script('#!/bin/sh\necho ran\n', 0o111), user: 'nobody' });
  add('#!/bin/echo script mode 0111 as nobody', { file: script('#!/bin/echo\n', 0o111), user: 'nobody' });
  add('execute-only script with a missing interpreter, as nobody', { file: script('#!/no/such/interp\n', 0o111), user: 'nobody' });
  add('setuid root binary as nobody', { file: file(join(bin, 'id-setuid'), readFileSync('/usr/bin/id'), 0o4755), args: ['-u'], user: 'nobody' });
  add('setgid root binary as nobody', { file: file(join(bin, 'id-setgid'), readFileSync('/usr/bin/id'), 0o2755), args: ['-g'], user: 'nobody' });
  add('setuid script as nobody (the bit is ignored)', { file: script('#!/bin/sh\nid -u\n', 0o4755), user: 'nobody' });
  const noRead = join(root, 'no-read');
  mkdirSync(noRead);
  file(join(noRead, 'echo'), readFileSync('/bin/echo'));
  file(join(noRead, 'interp'), '#!/bin/sh\necho "interp in a no-read directory"\n');
  chmodSync(noRead, 0o711);
  add('binary in a directory with x but no r, as nobody', { file: join(noRead, 'echo'), args: ['hi'], user: 'nobody' });
  add('#! interpreter in a directory with x but no r, as nobody', { file: script(`#!${join(noRead, 'interp')}\n`), user: 'nobody' });
  const noSearch = join(root, 'no-search');
  mkdirSync(noSearch);
  file(join(noSearch, 'echo'), readFileSync('/bin/echo'));
  file(join(noSearch, 'interp'), '#!/bin/sh\necho "interp in a no-search directory"\n');
  chmodSync(noSearch, 0o644);
  add('binary in a directory without search permission, as root', { file: join(noSearch, 'echo'), args: ['hi'], root: true });
  add('binary in a directory without search permission, as nobody', { file: join(noSearch, 'echo'), args: ['hi'], user: 'nobody' });
  add('#! interpreter in a directory without search permission, as nobody', { file: script(`#!${join(noSearch, 'interp')}\n`), user: 'nobody' });

  // A noexec mount (a private mount namespace: nothing outside sees it).
  const mnt = join(root, 'mnt');
  mkdirSync(mnt);
  const noexec = ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c',
    'mount -t tmpfs -o noexec,mode=755 none "$0" && cp /bin/echo "$0/echo" && printf "#!/bin/sh\\necho on noexec\\n" >"$0/script" && chmod 755 "$0/script" && exec "$@"', mnt];
  add('binary on a noexec mount', { file: join(mnt, 'echo'), args: ['hi'], wrap: noexec, root: true });
  add('script on a noexec mount', { file: join(mnt, 'script'), wrap: noexec, root: true });
  add('#! interpreter on a noexec mount', { file: script(`#!${join(mnt, 'echo')}\n`), wrap: noexec, root: true });

  // The kernel's limit on one argument, MAX_ARG_STRLEN (128 KiB with the NUL), just met. One over
  // it cannot even reach the shim (test/exec-failures.test.mjs passes it through a manifest).
  add('argument of 131071 bytes', { file: join(bin, 'echo'), args: ['a'.repeat(131071)] });

  // binfmt_misc, registered in a private user and mount namespace (Linux 6.7+; nothing outside sees
  // it): by magic, by extension, and for an ELF binary of another machine (qemu-user's way), each
  // with /bin/echo as the interpreter.
  const foreignMagic = foreign.subarray(0, 20).toString('latin1').replace(/[\s\S]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  const binfmt = ['unshare', '--user', '--map-root-user', '--mount', '--', 'sh', '-c',
    `mount -t binfmt_misc none /proc/sys/fs/binfmt_misc && for entry in ':ndcmagic:M::NDCMAGIC::/bin/echo:' ':ndcext:E::ndcx::/bin/echo:' ':ndcelf:M::${foreignMagic}::/bin/echo:'; do printf '%s' "$entry" >/proc/sys/fs/binfmt_misc/register || exit 99; done && exec "$@"`, 'sh'];
  add('binfmt_misc entry by magic', { file: file(join(bin, 'magic'), 'NDCMAGIC and more\n'), args: ['a'], wrap: binfmt, binfmt: true });
  add('binfmt_misc entry by extension', { file: file(join(bin, 'prog.ndcx'), 'anything\n'), wrap: binfmt, binfmt: true });
  add('binfmt_misc entry for an ELF of another machine', { file: join(bin, 'foreign'), wrap: binfmt, binfmt: true });

  // --- Malformed ELF headers (helper `signals`, issue 19 item 1) -----------------------------------
  // Headers the pre-exec check may accept but the kernel refuses (ENOEXEC and kin): supervise mode
  // spawned through libc's execvp, which hands an ENOEXEC file to /bin/sh as a script (`Syntax
  // error`, exit 2). Every mode must end as the kernel says: one line and 126.
  {
    const elf = () => Buffer.from(readFileSync('/bin/true'));
    const patched = (name, edit) => { const bytes = elf(); edit(bytes); return file(join(bin, name), bytes); };
    const ELF64 = elf()[4] === 2;
    const PHENTSIZE = ELF64 ? 54 : 42;
    const PHNUM = ELF64 ? 56 : 44;
    const PHOFF = ELF64 ? 32 : 28;
    add('malformed ELF: e_phentsize 0x30', { file: patched('bad-phentsize', (b) => b.writeUInt16LE(0x30, PHENTSIZE)) });
    add('malformed ELF: e_phentsize 0', { file: patched('zero-phentsize', (b) => b.writeUInt16LE(0, PHENTSIZE)) });
    add('malformed ELF: e_phnum 0', { file: patched('zero-phnum', (b) => b.writeUInt16LE(0, PHNUM)) });
    add('malformed ELF: e_phnum 0xffff', { file: patched('huge-phnum', (b) => b.writeUInt16LE(0xffff, PHNUM)) });
    add('malformed ELF: program headers past the end of the file', {
      file: patched('phoff-past-end', (b) => { if (ELF64) b.writeBigUInt64LE(BigInt(b.length - 8), PHOFF); else b.writeUInt32LE(b.length - 8, PHOFF); }),
    });
    const whole = elf();
    const tableEnd = (ELF64 ? Number(whole.readBigUInt64LE(PHOFF)) : whole.readUInt32LE(PHOFF)) + whole.readUInt16LE(PHENTSIZE) * whole.readUInt16LE(PHNUM);
    add('malformed ELF: program headers cut short', { file: file(join(bin, 'phdrs-cut'), whole.subarray(0, tableEnd - 10)) });
    if (ECHO_LOADER) {
      file(join(ctx, 'ld-text'), 'not an ELF loader at all\n');
      add('malformed ELF: PT_INTERP a text file', { file: file(join(bin, 'echo-textld'), echoWithLoader('./ld-text')) });
      file(join(ctx, 'ld-garbage'), Buffer.from('\x7fELF\x02\x01\x01 truncated', 'latin1'));
      add('malformed ELF: PT_INTERP a truncated ELF', { file: file(join(bin, 'echo-garbageld'), echoWithLoader('./ld-garbage')) });
    }
  }
  // --- end of the malformed ELF block ----------------------------------------------------------

  return cases.filter((c) => (c.user !== 'nobody' || asNobody) && (c.binfmt ? canBinfmt : !c.wrap || canUnshare) && (!c.root || isRoot));
}

/** What this machine cannot show, said as a skipped test rather than left out silently. */
const NOT_HERE = [
  !asNobody && 'cases as nobody (need root and setpriv)',
  !canUnshare && 'the noexec mount (needs root and unshare --mount)',
  !x64 && 'the hand-made static and 32-bit x86 ELF programs (x86-64 only)',
  !canBinfmt && 'binfmt_misc (needs a private one: unshare --user --mount, Linux 6.7+)',
].filter(Boolean);

const environmentFor = (c) => {
  const env = { ...process.env, ...c.env };
  for (const [name, value] of Object.entries(c.env)) if (value === undefined) delete env[name];
  return env;
};
const prefixFor = (c) => [...(c.wrap ?? []), ...(c.user === 'nobody' ? asNobody : [])];

/** Runs `jobs` (functions returning promises), `limit` at a time. */
async function pool(jobs, limit = 4) {
  const results = [];
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < jobs.length) {
      const index = next++;
      results[index] = await jobs[index]();
    }
  }));
  return results;
}

async function kernelVerdict(c, ctx) {
  const [command, ...rest] = [...prefixFor(c), PYTHON, '-c', ORACLE, c.file, ...c.args];
  const result = await run(command, rest, { cwd: ctx, env: environmentFor(c), timeoutMs: 30000 })
    .catch((error) => ({ code: 'timeout', stdout: '', stderr: String(error.message).split('\n')[0] }));
  const failed = /^execve failed: (\w+)\n$/.exec(result.stderr);
  return failed && result.code === 255 ? { errno: failed[1] } : { code: result.code, stdout: result.stdout, stderr: result.stderr };
}

/**
 * The tests, for the modes named (their labels in MODES): one file per mode, since the per-file time
 * limit of the runner is what a loaded machine runs out of. Each file asks the kernel itself.
 */
export function differentialTests(labels) {
  let root;
  let ctx;
  let cases;
  let kernel;
  before(async () => {
    if (skip) return;
    root = tempDir();
    chmodSync(root, 0o755); // nobody walks it too
    ctx = join(root, 'ctx');
    cases = corpus(root);
    kernel = await pool(cases.map((c) => () => kernelVerdict(c, ctx)));
  });
  after(() => rmSync(SHORT_LOADER, { force: true }));

  test(`not run on this machine: ${NOT_HERE.join('; ') || 'nothing'}`, { skip: skip || (NOT_HERE.length > 0 && NOT_HERE.join('; ')) }, () => {});

  test('the kernel answered every case (a bare execve, on this machine)', { skip }, (t) => {
    const refused = cases.filter((c, i) => kernel[i].errno !== undefined).length;
    t.diagnostic(`${cases.length} cases: the kernel runs ${cases.length - refused}, refuses ${refused}`);
    assert.deepEqual(cases.map((c, i) => [c.name, kernel[i].code === 'timeout' ? 'timeout' : 'answered']).filter(([, what]) => what !== 'answered'), []);
  });

  for (const mode of MODES.filter((m) => labels.includes(m.label))) {
    test(`${mode.label}: the shim runs what the kernel runs, and refuses what it refuses as a shell would`, { skip }, async (t) => {
      const shim = (c) => {
        const prefix = prefixFor(c);
        const wrapped = { command: [...prefix, ...mode.shim.command] };
        return runShim(wrapped, [...mode.flags, '--log-level', 'error', '--context', ctx, 'start', '--', c.file, ...c.args],
          { cwd: join(root, 'elsewhere'), env: environmentFor(c), timeoutMs: 30000 }).catch((error) => ({ code: 'timeout', stdout: '', stderr: String(error.message).split('\n')[0] }));
      };
      const results = await pool(cases.map((c) => () => shim(c)));
      const differences = [];
      const shellFallbacks = [];
      for (const [index, c] of cases.entries()) {
        const direct = kernel[index];
        const got = results[index];
        // A runtime without execve (the bundle on Node 20) can only spawn, and spawn hands a file the
        // kernel refused with ENOEXEC to /bin/sh: README, Known limits. The executables never do.
        if (!mode.shim.execs && direct.errno === 'ENOEXEC' && got.code !== 126) {
          shellFallbacks.push(c.name);
          continue;
        }
        const shown = { code: got.code, stdout: got.stdout.slice(0, 200), stderr: got.stderr.slice(0, 300) };
        if (direct.errno === undefined && c.documented === undefined) {
          if (got.code !== direct.code || got.stdout !== direct.stdout || got.stderr !== direct.stderr) {
            differences.push(`${c.name}: the kernel runs it (${JSON.stringify({ code: direct.code, stdout: direct.stdout.slice(0, 200), stderr: direct.stderr.slice(0, 300) })}), the shim: ${JSON.stringify(shown)}`);
          }
          continue;
        }
        // Documented: the check refuses what env would fail on anyway, with env's exit code.
        if (c.documented !== undefined && direct.code !== c.documented) differences.push(`${c.name}: env itself exits ${direct.code}, not ${c.documented}`);
        const expected = c.documented ?? (direct.errno === 'ENOENT' ? 127 : 126);
        const lines = got.stderr.trim().split('\n');
        if (got.code !== expected || lines.length !== 1 || !lines[0].includes(c.file) || got.stdout !== '') {
          differences.push(`${c.name}: the kernel says ${direct.errno ?? `runs, exit ${direct.code}`}, so ${expected} and one line naming the file; the shim: ${JSON.stringify(shown)}`);
        }
      }
      if (shellFallbacks.length) t.diagnostic(`run by /bin/sh after the kernel's ENOEXEC (no execve in this runtime: a known limit): ${shellFallbacks.join('; ')}`);
      assert.deepEqual(differences, []);
    });
  }
}
