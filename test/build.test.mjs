// The shipped artefacts: checksums, every target runnable where this machine can run it (linux-arm64
// under qemu-user), the embedded Node version, nothing of pkg leaking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, openSync, readSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, PROBE, CORPUS, run, tempDir } from './helpers.mjs';
import { compactElf } from '../scripts/elf-compact.mjs';

const dist = (name) => join(ROOT, 'dist', name);
const { version: packageVersion } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const nodeConfig = JSON.parse(readFileSync(join(ROOT, 'dist-config', 'node.json'), 'utf8'));

test('dist-config: one embedded Node version, new enough for process.execve (>= 22.15), a 22.x that Wine runs', () => {
  const [major, minor] = nodeConfig.version.split('.').map(Number);
  assert.equal(major, 22);
  assert.ok(minor >= 15);
  for (const [target, spec] of Object.entries(nodeConfig.targets)) {
    if (spec.npmPackage) assert.match(spec.integrity, /^sha512-[A-Za-z0-9+/]+=*$/, `${target} has a pinned integrity`);
  }
});

test('dist/SHA256SUMS matches every executable it lists, and lists the ones the tests run', () => {
  const lines = readFileSync(dist('SHA256SUMS'), 'utf8').trim().split('\n');
  const listed = lines.map((line) => line.split(/\s+/)[1]);
  assert.ok(listed.includes('ndc-shim-linux-x64'));
  for (const line of lines) {
    const [hash, name] = line.split(/\s+/);
    assert.equal(createHash('sha256').update(readFileSync(dist(name))).digest('hex'), hash, name);
  }
});

test('linux-x64: --version names the package version; the embedded runtime is the configured Node', async () => {
  const { stdout } = await run(dist('ndc-shim-linux-x64'), ['--version']);
  assert.equal(stdout, `ndc-shim ${packageVersion}\n`);
  // The embedded runtime never runs user scripts (`node` means the one on PATH); its version shows in the binary.
  const binary = readFileSync(dist('ndc-shim-linux-x64'));
  assert.ok(binary.includes(Buffer.from(`v${nodeConfig.version}`)), `embeds Node v${nodeConfig.version}`);
});

/** The NODE_SEA_BLOB note's contents, found the way Node finds it: through the PT_NOTE program headers. */
function seaBlobOf(bytes) {
  const phoff = Number(bytes.readBigUInt64LE(0x20));
  for (let i = 0; i < bytes.readUInt16LE(0x38); i++) {
    const at = phoff + i * bytes.readUInt16LE(0x36);
    if (bytes.readUInt32LE(at) !== 4) continue;
    const start = Number(bytes.readBigUInt64LE(at + 8));
    const end = start + Number(bytes.readBigUInt64LE(at + 32));
    for (let note = start; note < end;) {
      const [namesz, descsz] = [bytes.readUInt32LE(note), bytes.readUInt32LE(note + 4)];
      const name = bytes.subarray(note + 12, note + 12 + namesz).toString('latin1').replace(/\0+$/, '');
      const desc = note + 12 + Math.ceil(namesz / 4) * 4;
      if (name === 'NODE_SEA_BLOB') return bytes.subarray(desc, desc + descsz);
      note = desc + Math.ceil(descsz / 4) * 4;
    }
  }
  return undefined;
}

for (const target of ['linux-x64', 'linux-arm64']) {
  test(`${target}: no padding is left around the injected blob, whose note holds the launch script and its code cache`, { skip: !existsSync(dist(`ndc-shim-${target}`)) && 'not built' }, () => {
    const bytes = readFileSync(dist(`ndc-shim-${target}`));
    assert.equal(compactElf(bytes).saved, 0, 'compacting again finds nothing to remove');
    const blob = seaBlobOf(bytes);
    assert.ok(blob, 'the NODE_SEA_BLOB note is reachable from the program headers');
    assert.ok(blob.includes(readFileSync(dist('sea/ndc-shim.cjs'))), 'the launch script is whole');
    // Made when the build could run this target's Node (natively, or under qemu-user).
    if (existsSync(dist(`code-cache/${target}`))) assert.ok(blob.includes(readFileSync(dist(`code-cache/${target}`))), 'the code cache the build made is inside');
  });
}

test('linux-x64: the launch script runs with the code cache the build made (V8 accepts it)', async () => {
  const { stderr } = await run(dist('ndc-shim-linux-x64'), ['--log-level', 'debug', '--version']);
  assert.match(stderr, /launch script code cache: accepted/);
  // V8 flags from NODE_OPTIONS would make V8 reject the cache, but the executable ignores NODE_OPTIONS.
  const withOptions = await run(dist('ndc-shim-linux-x64'), ['--log-level', 'debug', '--version'], { env: { ...process.env, NODE_OPTIONS: '--max-semi-space-size=4 --max-old-space-size=100' } });
  assert.match(withOptions.stderr, /launch script code cache: accepted/);
});

const qemu = spawnSync('qemu-aarch64-static', ['--version'], { stdio: 'ignore' }).status === 0;
const armSkip = !existsSync(dist('ndc-shim-linux-arm64')) ? 'dist/ndc-shim-linux-arm64 is not built (npm run build)'
  : !qemu ? 'qemu-user-static is not installed' : !existsSync('/lib/ld-linux-aarch64.so.1') ? 'the arm64 C library is not installed (libc6:arm64)' : false;
if (armSkip) console.log(`# skipping linux-arm64: ${armSkip}`);

test('linux-arm64 (under qemu-user): version, arguments verbatim, exit codes, 127', { skip: armSkip }, async () => {
  const arm = (args, options) => run('qemu-aarch64-static', ['-L', '/', dist('ndc-shim-linux-arm64'), ...args], { timeoutMs: 60000, ...options });
  assert.equal((await arm(['--version'])).stdout, `ndc-shim ${packageVersion}\n`);
  assert.match((await arm(['--log-level', 'debug', '--version'])).stderr, /launch script code cache: accepted/);
  const out = join(tempDir(), 'probe.json');
  const cli = await arm(['--plugin', PROBE, 'cli', ...CORPUS], { env: { ...process.env, PROBE_OUT: out } });
  assert.equal(cli.code, 0, cli.stderr);
  assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')).argv, CORPUS);
  for (const code of [0, 3, 255]) assert.equal((await arm(['start', '--', 'sh', '-c', `exit ${code}`], { env: { ...process.env, HASURA_CONNECTOR_PORT: '29871' } })).code, code);
  assert.equal((await arm(['start', '--', 'no-such-command-xyz'])).code, 127);
});

for (const [target, cpuType] of [['macos-x64', 0x01000007], ['macos-arm64', 0x0100000c]]) {
  const macSkip = !existsSync(dist(`ndc-shim-${target}`)) ? `dist/ndc-shim-${target} is not built (npm run build)` : false;
  test(`${target}: a 64-bit Mach-O executable for its CPU carrying the same bundle (it cannot run here)`, { skip: macSkip }, () => {
    const fd = openSync(dist(`ndc-shim-${target}`), 'r');
    const header = Buffer.alloc(8);
    readSync(fd, header, 0, 8, 0);
    closeSync(fd);
    assert.equal(header.readUInt32LE(0), 0xfeedfacf);
    assert.equal(header.readUInt32LE(4), cpuType);
    assert.ok(readFileSync(dist(`ndc-shim-${target}`)).includes(Buffer.from('ndc-shim-lifeline')), 'the shim\'s bundle is inside');
  });
}

/** Names of an ELF64 file's sections. */
function sectionNames(bytes) {
  const [shoff, shnum, shstrndx] = [Number(bytes.readBigUInt64LE(0x28)), bytes.readUInt16LE(0x3c), bytes.readUInt16LE(0x3e)];
  const names = Number(bytes.readBigUInt64LE(shoff + shstrndx * 64 + 24));
  return Array.from({ length: shnum }, (_, i) => {
    const from = names + bytes.readUInt32LE(shoff + i * 64);
    return bytes.toString('latin1', from, bytes.indexOf(0, from));
  });
}

for (const target of ['linux-x64', 'linux-arm64']) {
  test(`${target}: stripped by the build (no symbol table, no DWARF), sections intact`, { skip: !existsSync(dist(`ndc-shim-${target}`)) && 'not built' }, () => {
    const names = sectionNames(readFileSync(dist(`ndc-shim-${target}`)));
    for (const name of ['.text', '.rodata', '.dynsym', '.dynstr', '.shstrtab']) assert.ok(names.includes(name), name);
    assert.deepEqual(names.filter((name) => name === '.symtab' || name === '.strtab' || name.startsWith('.debug')), []);
  });
}
