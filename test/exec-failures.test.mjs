// A file that passes the existence and X_OK checks but that the kernel cannot run ends in one line
// naming the file and the cause, with 127 (missing interpreter or loader) or 126 (anything else
// that cannot be executed), alike in exec and supervise modes: never an abort, a native stack
// trace or a core file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { SHIMS, exited, runShim, start, tempDir, waitFor, MODES, run, shellWord, shimLine } from './helpers.mjs';

function executable(dir, name, content) {
  const file = join(dir, name);
  writeFileSync(file, content);
  chmodSync(file, 0o755);
  return file;
}

/** A copy of /bin/true (an ELF program for this machine) with `patch` applied to its bytes. */
function patchedTrue(dir, name, patch) {
  const bytes = readFileSync('/bin/true');
  return executable(dir, name, patch(Buffer.from(bytes)));
}

function cases(dir) {
  // /bin/true's dynamic loader (its PT_INTERP), and the same path with `ld-` turned into `lx-`: missing.
  const loader = /\/[\w./-]*\/ld-[\w.-]+/.exec(readFileSync('/bin/true').toString('latin1'))[0];
  const missingLoader = loader.replace(/\/ld-([^/]*)$/, '/lx-$1');
  return [
    { name: 'missing #! interpreter', file: executable(dir, 'bad-interp', '#!/nonexistent/interp\necho ran\n'), code: 127,
      stderr: /bad-interp: its interpreter \/nonexistent\/interp \(from the #! line\) does not exist/ },
    { name: '#! interpreter not executable', file: executable(dir, 'plain-interp', `#!${join(dir, 'data.txt')}\necho ran\n`), code: 126,
      stderr: /plain-interp: its interpreter .*data\.txt \(from the #! line\) is not executable/, setup: () => writeFileSync(join(dir, 'data.txt'), 'x') },
    { name: '#!/usr/bin/env with a name not on the child\'s PATH', file: executable(dir, 'env-missing', '#!/usr/bin/env no-such-runtime-xyz\necho ran\n'), code: 127,
      stderr: /env-missing: `no-such-runtime-xyz` \(from its first line, #!\/usr\/bin\/env no-such-runtime-xyz\) is not found on the child's PATH/ },
    { name: '#!/usr/bin/env with arguments but no -S', file: executable(dir, 'env-args', '#!/usr/bin/env sh -e\necho ran\n'), code: 127,
      stderr: /`sh -e` .* is not found on the child's PATH; env takes the rest of the #! line as one name/ },
    { name: '#! line with Windows line endings', file: executable(dir, 'crlf', '#!/bin/sh\r\necho ran\r\n'), code: 127,
      stderr: /crlf: its interpreter \/bin\/sh\\r \(from the #! line\) does not exist; the file has Windows line endings \(CRLF\): convert it to LF/ },
    { name: '#!/usr/bin/env with Windows line endings', file: executable(dir, 'env-crlf', '#!/usr/bin/env sh\r\necho ran\r\n'), code: 127,
      stderr: /env-crlf: `sh\\r` .* is not found on the child's PATH; the file has Windows line endings/ },
    { name: 'no #! line', file: executable(dir, 'no-shebang', 'echo ran\n'), code: 126,
      stderr: /no-shebang: it has no #! line and is not a binary for this machine; if it is a shell script, make "#!\/bin\/sh" its first line/ },
    { name: 'empty file', file: executable(dir, 'empty', ''), code: 126, stderr: /empty: it has no #! line/ },
    { name: 'truncated ELF', file: executable(dir, 'truncated', readFileSync('/bin/true').subarray(0, 600)), code: 126,
      stderr: /truncated: it is truncated \(600 bytes, (its program headers end|a segment ends) at \d+\)/ },
    { name: 'ELF for another machine', file: patchedTrue(dir, 'foreign', (b) => { b.writeUInt16LE(b.readUInt16LE(18) === 62 ? 183 : 62, 18); return b; }), code: 126,
      stderr: /foreign: it is built for (arm64 \(aarch64\)|x86-64), and this machine is/ },
    { name: 'ELF whose dynamic loader is missing', code: 127, stderr: new RegExp(`no-loader: its dynamic loader ${missingLoader.replace(/[.]/g, '\\.')} does not exist`),
      file: patchedTrue(dir, 'no-loader', (b) => { b.write(missingLoader, b.indexOf(loader)); return b; }) },
    { name: 'Windows executable', file: executable(dir, 'win.exe', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200)])), code: 126, stderr: /win\.exe: it is a Windows executable \(PE\)/ },
    { name: 'Mach-O executable', file: executable(dir, 'mac', Buffer.concat([Buffer.from([0xcf, 0xfa, 0xed, 0xfe]), Buffer.alloc(200)])), code: 126, stderr: /mac: it is a macOS executable \(Mach-O\)/ },
  ];
}

/**
 * The mode's shim run with the core-file limit raised (to the hard limit when not unlimited), so
 * that a crash would leave a core: "no core file" is then a claim that can fail. Whatever
 * core_pattern says (a pipe to a handler leaves no file), a crash also shows as a signal death.
 */
const RAISE_CORE_LIMIT = 'ulimit -c unlimited 2>/dev/null || ulimit -c "$(ulimit -H -c)"';
const withCoreFiles = (shim) => ({ ...shim, command: ['sh', '-c', `${RAISE_CORE_LIMIT}; exec "$@"`, 'sh', ...shim.command] });
const coreLimit = spawnSync('sh', ['-c', `${RAISE_CORE_LIMIT}; ulimit -c`], { encoding: 'utf8' }).stdout.trim();

function assertNoCrash({ code, signal, stderr }, dir, context) {
  assert.ok(!['SIGABRT', 'SIGSEGV', 'SIGBUS', 'SIGILL', 'SIGTRAP'].includes(signal) && ![134, 135, 132, 133, 139].includes(code), `${context}: no crash (${signal ?? code}): ${stderr}`);
  assert.deepEqual(readdirSync(dir).filter((name) => /^core/.test(name)), [], `${context}: no core file`);
}

test(`a crash under this core limit would leave a core or show as a signal death (core limit raised to ${coreLimit})`, { skip: process.platform !== 'linux' && 'Linux only' }, async () => {
  // The check above, shown to fail: a process that aborts.
  const dir = tempDir();
  const crashed = await run('sh', ['-c', `${RAISE_CORE_LIMIT}; exec "$0" -e "process.abort()"`, process.execPath], { cwd: dir });
  assert.equal(crashed.signal, 'SIGABRT');
  assert.throws(() => assertNoCrash(crashed, dir, 'abort'));
});

function assertOneCleanLine(stderr, context) {
  assert.equal(stderr.trim().split('\n').length, 1, `${context}: one line: ${stderr}`);
  assert.doesNotMatch(stderr, /Native stack trace|JavaScript stack trace|\n\s+at /, `${context}: no stack trace`);
}

for (const mode of MODES) {
  test(`${mode.label}: a file the kernel cannot run ends in one line and 126/127, never an abort or a core file`, async () => {
    const dir = tempDir();
    for (const expected of cases(dir)) {
      expected.setup?.();
      const { code, signal, stdout, stderr } = await runShim(withCoreFiles(mode.shim), [...mode.flags, 'start', '--', expected.file], { cwd: dir });
      assertNoCrash({ code, signal, stderr }, dir, expected.name);
      assert.equal(signal, null, `${expected.name}: ${stderr}`);
      assert.equal(code, expected.code, `${expected.name}: ${stderr}`);
      assert.match(stderr, expected.stderr, expected.name);
      assertOneCleanLine(stderr, expected.name);
      assert.doesNotMatch(stdout, /ran/, `${expected.name}: nothing ran`);
    }
    assert.deepEqual(readdirSync(dir).filter((name) => /^core/.test(name)), [], 'no core file');
  });

  test(`${mode.label}: #!/usr/bin/env NAME finds NAME on the child's PATH (the manifest's env included), and -S splits`, async () => {
    const dir = tempDir();
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    executable(bin, 'my-runtime', '#!/bin/sh\necho "runtime ran $*"\n');
    const script = executable(dir, 'script', '#!/usr/bin/env my-runtime\n');
    const split = executable(dir, 'split', '#!/usr/bin/env -S my-runtime --flag\n');
    const manifest = join(dir, 'ndc-shim.json');
    writeFileSync(manifest, JSON.stringify({ commands: { start: [script], cli: [split] }, env: { PATH: `${bin}:/usr/bin:/bin` } }));
    const env = { ...process.env, PATH: '/usr/bin:/bin' };
    const started = await runShim(mode.shim, ['--manifest', manifest, ...mode.flags, 'start'], { cwd: dir, env });
    // The manifest's env only fills what is unset, so PATH stays the inherited one: my-runtime is not there.
    assert.equal(started.code, 127, started.stderr);
    assert.match(started.stderr, /`my-runtime` .* is not found on the child's PATH/);
    const withPath = { ...env, PATH: `${bin}:/usr/bin:/bin` };
    const ran = await runShim(mode.shim, ['--manifest', manifest, ...mode.flags, 'cli', 'x'], { cwd: dir, env: withPath });
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /runtime ran --flag .*split x/);
  });

  test(`${mode.label}: arguments and environment over the kernel's limits (E2BIG) end in one line and 126`, async () => {
    const dir = tempDir();
    const big = join(dir, 'big.json');
    writeFileSync(big, JSON.stringify({ commands: { start: ['true'] }, env: { ONE_BIG_VALUE: 'x'.repeat(140 * 1024) } }));
    const one = await runShim(withCoreFiles(mode.shim), ['--manifest', big, ...mode.flags, 'start'], { cwd: dir });
    assertNoCrash(one, dir, 'one big variable');
    assert.equal(one.code, 126, one.stderr);
    assert.match(one.stderr, /the variable ONE_BIG_VALUE is \d+ bytes, over the kernel's limit of 131071 for one variable \(E2BIG\)/);
    assertOneCleanLine(one.stderr, 'one big variable');
    // Many variables, each under the per-variable limit, together over a quarter of the stack limit.
    const envFile = join(dir, 'many.env');
    writeFileSync(envFile, Array.from({ length: 80 }, (_, i) => `MANY_${i}=${'y'.repeat(100 * 1024)}`).join('\n'));
    const many = join(dir, 'many.json');
    writeFileSync(many, JSON.stringify({ commands: { start: ['true'] }, envFiles: ['many.env'] }));
    const total = await runShim(withCoreFiles(mode.shim), ['--manifest', many, ...mode.flags, 'start'], { cwd: dir });
    assertNoCrash(total, dir, 'many variables');
    assert.equal(total.code, 126, total.stderr);
    assert.match(total.stderr, /its arguments and environment take \d+ bytes, over the kernel's limit of \d+ here \(E2BIG\)/);
    assertOneCleanLine(total.stderr, 'many variables');
    assert.deepEqual(readdirSync(dir).filter((name) => /^core/.test(name)), [], 'no core file');
  });
}

// The kernel's own limit, run for real: the check must refuse exactly what the kernel would.
for (const mode of MODES) {
  test(`${mode.label}: five nested #! scripts run as they do directly; six end in one line and 126`, async () => {
    const dir = tempDir();
    executable(dir, 's0', '#!/bin/sh\necho "ran with $# arguments"\n');
    for (let i = 1; i <= 5; i++) executable(dir, `s${i}`, `#!${join(dir, `s${i - 1}`)}\n`);
    const direct = await run(join(dir, 's4'), [], { cwd: dir });
    assert.equal(direct.code, 0, 'five scripts deep runs directly');
    const five = await runShim(mode.shim, [...mode.flags, '--log-level', 'error', 'start', '--', join(dir, 's4')], { cwd: dir });
    assert.equal(five.code, 0, five.stderr);
    assert.equal(five.stdout, direct.stdout);
    await assert.rejects(run(join(dir, 's5'), [], { cwd: dir }), { code: 'ELOOP' }, 'six scripts deep fails directly');
    const six = await runShim(mode.shim, [...mode.flags, 'start', '--', join(dir, 's5')], { cwd: dir });
    assert.equal(six.code, 126, six.stderr);
    assert.match(six.stderr, /cannot execute .*\/s5: its #! interpreters nest 6 scripts deep \(down to .*\/s0\), and this system follows at most 5; point the #! line at a binary/);
    assertOneCleanLine(six.stderr, 'six scripts');
  });
}

// A binary with execute but not read permission runs (the kernel needs no read access to load
// it); the check cannot read its bytes and must leave it to the kernel. Root reads everything, so
// the shim runs as nobody.
const asNobody = process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0 ? ['setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups'] : undefined;
for (const mode of MODES) {
  test(`${mode.label}: an execute-only binary (mode 0111) runs as it does directly`, { skip: asNobody ? false : 'needs root and setpriv (util-linux) to run the shim as another user' }, async () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const binary = join(dir, 'exec-only');
    copyFileSync('/bin/echo', binary);
    chmodSync(binary, 0o111);
    const direct = await run(asNobody[0], [...asNobody.slice(1), binary, 'ran'], { cwd: dir });
    assert.equal(direct.stdout, 'ran\n', direct.stderr);
    const shim = await run(asNobody[0], [...asNobody.slice(1), ...mode.shim.command, ...mode.flags, '--log-level', 'error', 'start', '--', binary, 'ran'], { cwd: dir });
    assert.equal(shim.code, 0, shim.stderr);
    assert.equal(shim.stdout, 'ran\n');
  });
}

/** A copy of /bin/true held open for writing by another process (ETXTBSY), in a fresh directory. */
async function busyProgram() {
  const dir = tempDir();
  const busy = join(dir, 'busy');
  copyFileSync('/bin/true', busy);
  chmodSync(busy, 0o755);
  return { dir, busy, holder: await holdOpenForWriting(busy) };
}

/** A process that holds `file` open for writing (so the kernel refuses to execute it: ETXTBSY) until killed. */
async function holdOpenForWriting(file) {
  const holder = start(process.execPath, ['-e', `require('fs').openSync(${JSON.stringify(file)}, 'r+'); console.log('holding'); setInterval(() => {}, 1000)`]);
  await waitFor(() => holder.output.stdout.includes('holding'), 10000, 'the holder to open the file');
  return holder;
}

// ETXTBSY passes every check made before the exec (nothing cheap sees another process's open
// file), so in exec mode it is the failure of process.execve itself: the case that used to abort.
for (const mode of MODES) {
  test(`${mode.label}: a program held open for writing (ETXTBSY) ends in one line and 126, no abort, no core file`, async () => {
    const { dir, busy, holder } = await busyProgram();
    try {
      // ulimit -c unlimited: an abort would leave a core file in dir (where the kernel's pattern allows).
      const { code, signal, stdout, stderr } = await run('sh', ['-c', `ulimit -c unlimited 2>/dev/null; exec ${shimLine(mode)} start -- ${shellWord(busy)}`], { cwd: dir });
      assert.equal(signal, null, stderr);
      assert.equal(code, 126, stderr);
      assert.match(stderr, /cannot execute .*busy: ETXTBSY \(the file is open for writing\); another process has it \(or its #! interpreter\) open for writing/);
      assertOneCleanLine(stderr, 'ETXTBSY');
      assert.equal(stdout, '');
      assert.deepEqual(readdirSync(dir).filter((name) => /^core/.test(name)), [], 'no core file');
    } finally {
      holder.kill('SIGKILL');
    }
  });

  test(`${mode.label}: ETXTBSY with stderr a pipe nobody reads ends by SIGPIPE, as any error line of the shim does`, async () => {
    const { dir, busy, holder } = await busyProgram();
    try {
      const shim = start(mode.shim.command[0], [...mode.shim.command.slice(1), ...mode.flags, 'start', '--', busy], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      shim.stderr.destroy(); // the reader is gone long before the shim has anything to say
      const { code, signal } = await exited(shim);
      assert.deepEqual({ code, signal }, { code: null, signal: 'SIGPIPE' }, 'not an abort (SIGABRT), nor a handled SIGPIPE and another exit code');
    } finally {
      holder.kill('SIGKILL');
    }
  });

  test(`${mode.label}: a script whose #! interpreter is held open for writing ends in one line and 126`, async () => {
    const dir = tempDir();
    const interpreter = join(dir, 'interp');
    copyFileSync('/bin/true', interpreter);
    chmodSync(interpreter, 0o755);
    const script = executable(dir, 'script', `#!${interpreter}\n`);
    const holder = await holdOpenForWriting(interpreter);
    try {
      const { code, signal, stderr } = await runShim(mode.shim, [...mode.flags, '--log-format', 'json', 'start', '--', script], { cwd: dir });
      assert.equal(signal, null, stderr);
      assert.equal(code, 126, stderr);
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
      const record = JSON.parse(stderr);
      assert.match(record.msg, /cannot execute .*script: ETXTBSY/, 'the JSON log format holds for this line too');
    } finally {
      holder.kill('SIGKILL');
    }
  });
}

for (const shim of SHIMS) {
  test(`${shim.name}: doctor reports a command the kernel cannot run, with the same line`, async () => {
    const dir = tempDir();
    const script = executable(dir, 'bad-interp', '#!/nonexistent/interp\n');
    const manifest = join(dir, 'ndc-shim.json');
    writeFileSync(manifest, JSON.stringify({ commands: { start: [script], cli: ['sh'] } }));
    const { code, stdout } = await runShim(shim, ['--manifest', manifest, '--connector-dir', dir, 'doctor'], { cwd: dir });
    assert.equal(code, 1);
    assert.match(stdout, /problem  command start: cannot execute .*bad-interp: its interpreter \/nonexistent\/interp \(from the #! line\) does not exist; fix: install it/);
    assert.match(stdout, /ok       command cli: \/.*\/sh\n/);
  });
}
