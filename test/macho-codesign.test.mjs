// The Mach-O ad-hoc signer (scripts/macho-codesign.mjs), checked by an independent verifier
// (test/macho-verify.mjs) on Node's real macOS release binaries, on the build's SEA executables and
// on small synthetic files for the edge cases; the verifier itself is checked against Apple's own
// signatures and against tampered copies. No Mac is needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers.mjs';
import { removeSignature, signMachO } from '../scripts/macho-codesign.mjs';
import { baseNodeBinary } from '../scripts/node-binaries.mjs';
import { verifyMachO } from './macho-verify.mjs';

const CS_ADHOC = 0x2;
const SEA_SECTION = ['NODE_SEA', '__NODE_SEA_BLOB'];

/**
 * Node's macOS release binaries from npm (Apple-signed). Only a binary that cannot be fetched here
 * (no npm, no network) is a skip; any other error (an integrity mismatch above all) fails.
 */
const nodeBinaries = {};
const nodeErrors = {};
for (const target of ['macos-x64', 'macos-arm64']) {
  try {
    nodeBinaries[target] = readFileSync(baseNodeBinary(target));
  } catch (error) {
    if (error.code === 'NODE_BINARY_UNAVAILABLE') nodeBinaries[target] = `cannot fetch Node for ${target}: ${String(error.message).split('\n')[0]}`;
    else nodeErrors[target] = error;
  }
}
const skipNode = (target) => (typeof nodeBinaries[target] === 'string' && nodeBinaries[target])
  || (nodeErrors[target] && `Node's binary for ${target} failed its own test: ${String(nodeErrors[target].message).split('\n')[0]}`);

for (const target of ['macos-x64', 'macos-arm64']) {
  test(`${target}: Node's base binary is fetched and matches the integrity pinned in dist-config/node.json`, { skip: typeof nodeBinaries[target] === 'string' && nodeBinaries[target] }, () => {
    if (nodeErrors[target]) throw nodeErrors[target];
    assert.ok(Buffer.isBuffer(nodeBinaries[target]) && nodeBinaries[target].length > 0);
  });
}

const problemsOf = (bytes, options) => verifyMachO(bytes, options).problems;
const flipped = (bytes, offset) => {
  const copy = Buffer.from(bytes);
  copy[offset] ^= 0x01;
  return copy;
};
/** Offsets of the bytes that differ between two equally long buffers. */
const differences = (a, b) => {
  const offsets = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) offsets.push(i);
  return offsets;
};
/** Load command offsets by type, and the __LINKEDIT segment command's offset. */
function commands(bytes) {
  const found = { codeSignature: [], linkedit: undefined, ncmds: bytes.readUInt32LE(16) };
  let at = 32;
  for (let i = 0; i < found.ncmds; i++) {
    const cmd = bytes.readUInt32LE(at);
    if (cmd === 0x1d) found.codeSignature.push(at);
    if (cmd === 0x19 && bytes.toString('latin1', at + 8, at + 18) === '__LINKEDIT') found.linkedit = at;
    at += bytes.readUInt32LE(at + 4);
  }
  found.end = at;
  return found;
}

/**
 * A small synthetic 64-bit Mach-O: __TEXT (one section of `textSize` pseudo-random bytes after
 * `headerpad` bytes of header padding) then __LINKEDIT (`linkeditSize` bytes), unsigned.
 */
function tinyMachO({ cputype = 0x0100000c, headerpad = 64, textSize = 5000, linkeditSize = 300 } = {}) {
  const sizeofcmds = (72 + 80) + 72;
  const sectionOffset = 32 + sizeofcmds + headerpad;
  const textFilesize = Math.ceil((sectionOffset + textSize) / 0x4000) * 0x4000;
  const bytes = Buffer.alloc(textFilesize + linkeditSize);
  for (let i = sectionOffset; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
  bytes.writeUInt32LE(0xfeedfacf, 0);
  bytes.writeUInt32LE(cputype, 4);
  bytes.writeUInt32LE(2, 12); // MH_EXECUTE
  bytes.writeUInt32LE(2, 16);
  bytes.writeUInt32LE(sizeofcmds, 20);
  const segment = (at, name, vmaddr, vmsize, fileoff, filesize, nsects) => {
    bytes.writeUInt32LE(0x19, at);
    bytes.writeUInt32LE(72 + nsects * 80, at + 4);
    bytes.write(name, at + 8, 'latin1');
    bytes.writeBigUInt64LE(BigInt(vmaddr), at + 24);
    bytes.writeBigUInt64LE(BigInt(vmsize), at + 32);
    bytes.writeBigUInt64LE(BigInt(fileoff), at + 40);
    bytes.writeBigUInt64LE(BigInt(filesize), at + 48);
    bytes.writeUInt32LE(nsects, at + 64);
  };
  segment(32, '__TEXT', 0x100000000, textFilesize, 0, textFilesize, 1);
  bytes.write('__text', 32 + 72, 'latin1');
  bytes.write('__TEXT', 32 + 72 + 16, 'latin1');
  bytes.writeBigUInt64LE(BigInt(textSize), 32 + 72 + 40);
  bytes.writeUInt32LE(sectionOffset, 32 + 72 + 48);
  segment(32 + 152, '__LINKEDIT', 0x100000000 + textFilesize, Math.ceil(linkeditSize / 0x4000) * 0x4000, textFilesize, linkeditSize, 0);
  return bytes;
}

/**
 * `signed` (the signer's output) re-signed the way codesign signs for old macOS versions: a SHA-1
 * CodeDirectory in slot 0 and a SHA-256 one as alternate 0x1000, both over the same pages.
 */
function withTwoCodeDirectories(signed) {
  const { signature, codeDirectories: [cd] } = verifyMachO(signed);
  const codeLimit = signature.offset;
  const fixed = signed.subarray(cd.at, cd.at + cd.identOffset + cd.identifier.length + 1); // fields and identifier
  const requirements = Buffer.from('fade0c010000000c00000000', 'hex');
  const cdLength = (hashSize) => fixed.length + (cd.nSpecialSlots + cd.nCodeSlots) * hashSize;
  const length = 12 + 3 * 8 + cdLength(20) + cdLength(32) + requirements.length;
  const out = Buffer.alloc(codeLimit + Math.ceil(length / 16) * 16);
  signed.copy(out, 0, 0, codeLimit);
  const { codeSignature: [lc], linkedit } = commands(out);
  out.writeUInt32LE(out.length - codeLimit, lc + 12);
  out.writeBigUInt64LE(BigInt(out.length - Number(out.readBigUInt64LE(linkedit + 40))), linkedit + 48);
  const codeDirectory = (algorithm, hashSize, hashType) => {
    const blob = Buffer.alloc(cdLength(hashSize));
    fixed.copy(blob);
    const hashOffset = fixed.length + cd.nSpecialSlots * hashSize;
    blob.writeUInt32BE(blob.length, 4);
    blob.writeUInt32BE(hashOffset, 16);
    blob[36] = hashSize;
    blob[37] = hashType;
    createHash(algorithm).update(requirements).digest().copy(blob, hashOffset - 2 * hashSize);
    for (let page = 0; page < cd.nCodeSlots; page++) {
      createHash(algorithm).update(out.subarray(page * 4096, Math.min((page + 1) * 4096, codeLimit))).digest().copy(blob, hashOffset + page * hashSize);
    }
    return blob;
  };
  const sha1 = codeDirectory('sha1', 20, 1);
  const sha256 = codeDirectory('sha256', 32, 2);
  const index = Buffer.alloc(36);
  [0xfade0cc0, length, 3, 0, 36, 2, 36 + sha1.length, 0x1000, 36 + sha1.length + 12].forEach((value, i) => index.writeUInt32BE(value, i * 4));
  Buffer.concat([index, sha1, requirements, sha256]).copy(out, codeLimit);
  return out;
}

test('the verifier checks every CodeDirectory of a signature that has several (SHA-1 primary, SHA-256 alternate)', () => {
  const twice = withTwoCodeDirectories(signMachO(tinyMachO({ textSize: 9000 }), { identifier: 'tiny' }));
  const report = verifyMachO(twice, { adhoc: true });
  assert.deepEqual(report.problems, []);
  assert.deepEqual(report.codeDirectories.map((cd) => cd.hashType), [1, 2]);
  assert.deepEqual(report.blobs.map((blob) => blob.slot), [0, 2, 0x1000]);
  const problems = problemsOf(flipped(twice, 5000)).join('\n');
  assert.match(problems, /CodeDirectory 0 \(sha1\): 1 page hash\(es\) do not match, first page 1\b/);
  assert.match(problems, /CodeDirectory 0x1000 \(sha256\): 1 page hash\(es\) do not match, first page 1\b/);
  // A wrong hash in the alternate alone is found too.
  const [, alternate] = report.codeDirectories;
  assert.match(problemsOf(flipped(twice, alternate.at + alternate.hashOffset + 32)).join('\n'), /^CodeDirectory 0x1000 \(sha256\): 1 page hash\(es\) do not match, first page 1\b/);
  // Two CodeDirectories of one hash type: xnu refuses them.
  const sameType = Buffer.from(twice);
  sameType[report.codeDirectories[0].at + 37] = 2;
  assert.match(problemsOf(sameType).join('\n'), /two CodeDirectories use the same hash type/);
  // The signer replaces both with its one SHA-256 CodeDirectory.
  const resigned = signMachO(twice, { identifier: 'tiny' });
  assert.deepEqual(problemsOf(resigned, { adhoc: true }), []);
  assert.equal(verifyMachO(resigned).codeDirectories.length, 1);
});

for (const target of ['macos-x64', 'macos-arm64']) {
  test(`${target}: the verifier accepts Node's Apple signature (CMS, entitlements, a code limit inside a page)`, { skip: skipNode(target) }, () => {
    const node = nodeBinaries[target];
    const report = verifyMachO(node);
    assert.deepEqual(report.problems, []);
    assert.ok(report.blobs.some((blob) => blob.slot === 0x10000 && blob.length > 8), 'a CMS signature is present');
    assert.ok(report.codeDirectories.every((cd) => !(cd.flags & CS_ADHOC)), 'not ad-hoc');
    assert.notEqual(report.codeDirectories[0].codeLimit % 4096, 0, 'the last page is partial, so its hash covers less than 4 KiB');
    assert.match(problemsOf(node, { adhoc: true }).join('\n'), /CS_ADHOC flag is not set/);
  });

  test(`${target}: one byte changed anywhere under Apple's hashes is rejected`, { skip: skipNode(target) }, () => {
    const node = nodeBinaries[target];
    const { codeLimit } = verifyMachO(node).codeDirectories[0];
    for (const offset of [0x18, Math.floor(codeLimit / 2), codeLimit - 1]) {
      assert.match(problemsOf(flipped(node, offset)).join('\n'), new RegExp(`page hash\\(es\\) do not match, first page ${Math.floor(offset / 4096)}\\b`), `offset ${offset}`);
    }
  });

  test(`${target}: signing Node's binary replaces Apple's signature with a valid ad-hoc one, changing nothing else`, { skip: skipNode(target) }, () => {
    const node = nodeBinaries[target];
    const oldOffset = verifyMachO(node).signature.offset;
    const signed = signMachO(node, { identifier: 'ndc-shim' });
    const report = verifyMachO(signed, { adhoc: true });
    assert.deepEqual(report.problems, []);
    assert.equal(report.codeDirectories.length, 1);
    const [cd] = report.codeDirectories;
    assert.deepEqual([cd.version, cd.hashType, cd.flags, cd.identifier, cd.nSpecialSlots], [0x20400, 2, CS_ADHOC, 'ndc-shim', 2]);
    assert.deepEqual(report.blobs.map(({ slot, length }) => [slot, length]), [[0, report.blobs[0].length], [2, 12]], 'a CodeDirectory and an empty requirement set, no CMS blob');
    assert.equal(report.signature.offset, oldOffset, 'the new signature starts where the old one did');
    assert.ok(report.signature.padding < 16, `only alignment padding follows the SuperBlob (${report.signature.padding})`);
    // Below the signature only LC_CODE_SIGNATURE's datasize and __LINKEDIT's sizes may change.
    const { codeSignature: [lc], linkedit } = commands(node);
    const range = (from, count) => Array.from({ length: count }, (_, i) => from + i);
    const allowed = new Set([...range(lc + 12, 4), ...range(linkedit + 32, 8), ...range(linkedit + 48, 8)]);
    assert.deepEqual(differences(node.subarray(0, oldOffset), signed.subarray(0, oldOffset)).filter((offset) => !allowed.has(offset)), []);
  });

  test(`${target}: an unsigned binary (signature removed) gets the load command added and verifies; signing is idempotent and deterministic`, { skip: skipNode(target) }, () => {
    const node = nodeBinaries[target];
    const unsigned = removeSignature(node);
    assert.deepEqual(problemsOf(unsigned), ['no LC_CODE_SIGNATURE: the file is unsigned']);
    assert.equal(commands(unsigned).ncmds, commands(node).ncmds - 1);
    assert.equal(unsigned.length, verifyMachO(node).signature.offset, 'cut where the signature began');
    const signed = signMachO(unsigned, { identifier: 'ndc-shim' });
    assert.deepEqual(problemsOf(signed, { adhoc: true }), []);
    const { codeSignature, end } = commands(signed);
    assert.deepEqual(codeSignature, [end - 16], 'LC_CODE_SIGNATURE is added after the other load commands');
    assert.ok(signMachO(signed, { identifier: 'ndc-shim' }).equals(signed), 'signing the signed output again gives identical bytes');
    assert.ok(signMachO(unsigned, { identifier: 'ndc-shim' }).equals(signed), 'deterministic');
    assert.ok(signMachO(node, { identifier: 'ndc-shim' }).equals(signed), 're-signing in place and signing the stripped copy agree');
  });
}

const builtSkip = (target) => !existsSync(join(ROOT, 'dist', `ndc-shim-${target}`)) && `dist/ndc-shim-${target} is not built (npm run build -- --targets ${target})`;
for (const target of ['macos-x64', 'macos-arm64']) {
  test(`${target}: the built SEA executable is ad-hoc signed, and the hashes cover the injected blob`, { skip: builtSkip(target) }, () => {
    const built = readFileSync(join(ROOT, 'dist', `ndc-shim-${target}`));
    const report = verifyMachO(built, { adhoc: true, section: SEA_SECTION });
    assert.deepEqual(report.problems, []);
    assert.equal(report.codeDirectories[0].identifier, 'ndc-shim');
    assert.ok(report.section.bytes.includes(readFileSync(join(ROOT, 'dist', 'sea', 'ndc-shim.cjs'))), 'the launch script is inside the NODE_SEA_BLOB section');
    assert.ok(signMachO(built, { identifier: 'ndc-shim' }).equals(built), 'the build signed last: signing again changes nothing');
    const inBlob = report.section.offset + Math.floor(report.section.size / 2);
    assert.match(problemsOf(flipped(built, inBlob), { adhoc: true, section: SEA_SECTION }).join('\n'), new RegExp(`first page ${Math.floor(inBlob / 4096)}\\b`));
    // What the build signs (pkg's output: no LC_CODE_SIGNATURE, __LINKEDIT not 16-byte aligned at its end) signs the same way.
    assert.ok(signMachO(removeSignature(built), { identifier: 'ndc-shim' }).equals(built));
  });
}

test('synthetic files: every code size around page and alignment boundaries signs and verifies, the last page hashed only to the code limit', () => {
  for (const cputype of [0x01000007, 0x0100000c]) {
    // The last sizes make the signature push __LINKEDIT past its vmsize, which must then grow.
    for (const linkeditSize of [1, 15, 16, 17, 4095, 4096, 4097, 8192 - 1, 8192 + 5, 0x4000 - 16, 0x4000 + 5]) {
      const unsigned = tinyMachO({ cputype, linkeditSize });
      const signed = signMachO(unsigned, { identifier: 'tiny' });
      const report = verifyMachO(signed, { adhoc: true });
      assert.deepEqual(report.problems, [], `cpu ${cputype.toString(16)}, __LINKEDIT ${linkeditSize}`);
      const codeLimit = Math.ceil(unsigned.length / 16) * 16;
      assert.equal(report.signature.offset, codeLimit);
      assert.equal(report.codeDirectories[0].nCodeSlots, Math.ceil(codeLimit / 4096));
      assert.equal(signed.length % 16, 0);
      // __LINKEDIT grew to end with the signature; its vmsize is page-rounded for the architecture.
      const at = commands(signed).linkedit;
      const filesize = Number(signed.readBigUInt64LE(at + 48));
      assert.equal(Number(signed.readBigUInt64LE(at + 40)) + filesize, signed.length);
      const segmentAlign = cputype === 0x0100000c ? 0x4000 : 0x1000;
      const vmsize = Number(signed.readBigUInt64LE(at + 32));
      assert.equal(vmsize, Math.max(Number(unsigned.readBigUInt64LE(at + 32)), Math.ceil(filesize / segmentAlign) * segmentAlign));
      assert.ok(vmsize >= filesize);
      assert.ok(signMachO(signed, { identifier: 'tiny' }).equals(signed));
    }
  }
});

test('the verifier rejects what careless signers get wrong', () => {
  const signed = signMachO(tinyMachO({ linkeditSize: 100 }), { identifier: 'tiny' });
  const report = verifyMachO(signed, { adhoc: true });
  assert.deepEqual(report.problems, []);
  const [cd] = report.codeDirectories;
  const lastPage = cd.nCodeSlots - 1;
  const hashAt = cd.at + cd.hashOffset + lastPage * 32;

  // The last page hashed past the code limit (zero-filled to 4 KiB).
  const padded = Buffer.from(signed);
  const page = Buffer.alloc(4096);
  signed.copy(page, 0, lastPage * 4096, cd.codeLimit);
  createHash('sha256').update(page).digest().copy(padded, hashAt);
  assert.match(problemsOf(padded).join('\n'), new RegExp(`first page ${lastPage}\\b`));

  // Bytes after the signature; a non-zero byte in the padding after the SuperBlob.
  assert.match(problemsOf(Buffer.concat([signed, Buffer.from([0])])).join('\n'), /does not end with the signature/);
  assert.ok(report.signature.padding > 0, 'this size leaves alignment padding to tamper with');
  assert.match(problemsOf(flipped(signed, signed.length - 1)).join('\n'), /after the SuperBlob .* not zero/);

  // The requirement set changed without its special slot.
  const requirements = report.blobs.find((blob) => blob.slot === 2);
  assert.ok(requirements);
  assert.match(problemsOf(flipped(signed, report.signature.offset + report.signature.length - 1)).join('\n'), /special slot -2 \(requirements\) does not match/);

  // A code limit short of the signature offset leaves bytes unhashed.
  const short = Buffer.from(signed);
  short.writeUInt32BE(cd.codeLimit - 16, cd.at + 32);
  assert.match(problemsOf(short).join('\n'), /code limit .* is not the signature offset/);

  // An unaligned signature offset (the load command moved by one byte).
  const { codeSignature: [lc] } = commands(signed);
  const unaligned = Buffer.from(signed);
  unaligned.writeUInt32LE(unaligned.readUInt32LE(lc + 8) + 1, lc + 8);
  assert.match(problemsOf(unaligned).join('\n'), /not 16-byte aligned/);
});

test('bad input gives a one-line error naming the cause and the fix', () => {
  const signed = signMachO(tinyMachO(), { identifier: 'tiny' });
  const fat = Buffer.alloc(64);
  fat.writeUInt32BE(0xcafebabe, 0);
  fat.writeUInt32BE(2, 4);
  const thirtyTwo = Buffer.alloc(64);
  thirtyTwo.writeUInt32LE(0xfeedface, 0);
  const elf = Buffer.from(readFileSync(process.execPath).subarray(0, 4096));
  const cases = [
    [signed.subarray(0, 20), /too short for a Mach-O header/],
    [signed.subarray(0, 200), /run past the end of the file \(truncated file\?\)/],
    [signed.subarray(0, signed.length - 100), /runs past the end of the file \(truncated file\?\)/],
    [elf, /not a Mach-O file \(starts with 0x7f454c46\)/],
    [Buffer.from('#!/bin/sh\necho hello\n'), /not a Mach-O file/],
    [fat, /fat \(universal\) Mach-O; sign each architecture's thin file/],
    [thirtyTwo, /32-bit Mach-O/],
    [Buffer.concat([signed, Buffer.alloc(32)]), /not at the end of __LINKEDIT and of the file/],
    [Buffer.concat([tinyMachO(), Buffer.alloc(32)]), /32 bytes follow __LINKEDIT/],
    [tinyMachO({ headerpad: 8 }), /no room for an LC_CODE_SIGNATURE load command before the first section; relink with a larger -headerpad/],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(() => signMachO(bytes, { identifier: 'tiny' }), (error) => {
      assert.match(error.message, /^cannot sign: /);
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    });
  }
  assert.ok(signMachO(tinyMachO({ headerpad: 16 }), { identifier: 'tiny' }), 'exactly 16 bytes of room suffice');
  for (const identifier of [undefined, '', 'with space', 'nul\0']) {
    assert.throws(() => signMachO(tinyMachO(), { identifier }), /identifier must be a non-empty printable ASCII string/);
  }
});
