// scripts/elf-compact.mjs on hand-made ELF files: it removes zero padding only, keeps every segment
// congruent to its address, moves every offset behind a cut, and leaves anything else alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compactElf } from '../scripts/elf-compact.mjs';

const PT_LOAD = 1;
const PT_NOTE = 4;
const SHT_NOTE = 7;
const NOTE_BYTES = Buffer.from('NODE_SEA_BLOB stand-in: 32 bytes');

/** `size` zero bytes with a little-endian ELF64 header: program headers at 64, 56 bytes each; sections at `shoff`, 64 bytes each. */
function elf64(size, { shoff, phnum, shnum }) {
  const bytes = Buffer.alloc(size);
  bytes.writeUInt32BE(0x7f454c46, 0);
  bytes[4] = 2; // 64-bit
  bytes[5] = 1; // little-endian
  bytes.writeBigUInt64LE(64n, 0x20); // e_phoff
  bytes.writeBigUInt64LE(BigInt(shoff), 0x28); // e_shoff
  bytes.writeUInt16LE(56, 0x36);
  bytes.writeUInt16LE(phnum, 0x38);
  bytes.writeUInt16LE(64, 0x3a);
  bytes.writeUInt16LE(shnum, 0x3c);
  return bytes;
}

/** Program header `i`: file and memory sizes both `size`, physical address the virtual one. */
function programHeader(bytes, i, type, offset, address, size, align) {
  const at = 64 + i * 56;
  bytes.writeUInt32LE(type, at);
  bytes.writeBigUInt64LE(BigInt(offset), at + 8);
  bytes.writeBigUInt64LE(BigInt(address), at + 16);
  bytes.writeBigUInt64LE(BigInt(address), at + 24);
  bytes.writeBigUInt64LE(BigInt(size), at + 32);
  bytes.writeBigUInt64LE(BigInt(size), at + 40);
  bytes.writeBigUInt64LE(BigInt(align), at + 48);
}

/**
 * An ELF64 like LIEF's output: a first LOAD at 0, then zeros up to `gapEnd`, where a LOAD with a
 * PT_NOTE (32 bytes) starts and runs on, zero-filled, for `segmentSize`; the section table follows.
 */
function makeElf({ gapEnd = 0x3000, segmentSize = 0x1000, vaddr = 0x10000000 } = {}) {
  const shoff = gapEnd + segmentSize;
  const bytes = elf64(shoff + 2 * 64, { shoff, phnum: 3, shnum: 2 });
  programHeader(bytes, 0, PT_LOAD, 0, 0x400000, 0x200, 0x1000);
  programHeader(bytes, 1, PT_LOAD, gapEnd, vaddr, segmentSize, 0x1000);
  programHeader(bytes, 2, PT_NOTE, gapEnd, vaddr, NOTE_BYTES.length, 4);
  bytes.fill(0xcc, 64 + 3 * 56, 0x200); // the first segment's contents
  NOTE_BYTES.copy(bytes, gapEnd);
  const noteSection = shoff + 64;
  bytes.writeUInt32LE(SHT_NOTE, noteSection + 4);
  bytes.writeBigUInt64LE(BigInt(vaddr), noteSection + 16);
  bytes.writeBigUInt64LE(BigInt(gapEnd), noteSection + 24);
  bytes.writeBigUInt64LE(BigInt(NOTE_BYTES.length), noteSection + 32);
  bytes.writeBigUInt64LE(4n, noteSection + 48);
  return bytes;
}

const phdrField = (bytes, i, field) => Number(bytes.readBigUInt64LE(64 + i * 56 + { offset: 8, filesz: 32, memsz: 40 }[field]));
const shoff = (bytes) => Number(bytes.readBigUInt64LE(0x28));

test('the gap before the appended segment and the zeros at its end are removed; offsets follow', () => {
  const input = makeElf();
  const { bytes, saved } = compactElf(input);
  // 0x200 of content, so the segment moves to 0x1000: the first offset congruent to its address.
  assert.equal(phdrField(bytes, 1, 'offset'), 0x1000);
  assert.equal(phdrField(bytes, 2, 'offset'), 0x1000);
  assert.equal(phdrField(bytes, 1, 'filesz'), NOTE_BYTES.length);
  assert.equal(phdrField(bytes, 1, 'memsz'), NOTE_BYTES.length);
  assert.equal(shoff(bytes), 0x1000 + NOTE_BYTES.length);
  assert.equal(bytes.length, 0x1000 + NOTE_BYTES.length + 2 * 64);
  assert.equal(saved, input.length - bytes.length);
  assert.deepEqual(bytes.subarray(0x1000, 0x1000 + NOTE_BYTES.length), NOTE_BYTES);
  assert.equal(Number(bytes.readBigUInt64LE(shoff(bytes) + 64 + 24)), 0x1000, 'the note section points at the moved note');
  assert.deepEqual(input.subarray(64 + 3 * 56, 0x200), bytes.subarray(64 + 3 * 56, 0x200), 'the first segment\'s contents are untouched');
  assert.equal(compactElf(bytes).saved, 0, 'a compacted file stays as it is');
});

test('a segment address not on a page boundary keeps its remainder', () => {
  const { bytes } = compactElf(makeElf({ vaddr: 0x10000230, gapEnd: 0x3230 }));
  // The content ends at 0x200, and 0x230 is the first offset from there with the address's remainder.
  assert.equal(phdrField(bytes, 1, 'offset'), 0x230);
});

test('a non-zero byte in the gap keeps the segment where it is (the end is still trimmed)', () => {
  const input = makeElf();
  input[0x2000] = 1;
  const { bytes } = compactElf(input);
  assert.equal(phdrField(bytes, 1, 'offset'), 0x3000);
  assert.equal(bytes[0x2000], 1);
  assert.equal(phdrField(bytes, 1, 'filesz'), NOTE_BYTES.length);
});

test('a non-zero byte past the note keeps the segment its size', () => {
  const input = makeElf();
  input[0x3000 + 0x800] = 1;
  const { bytes } = compactElf(input);
  assert.equal(phdrField(bytes, 1, 'offset'), 0x1000);
  assert.equal(phdrField(bytes, 1, 'filesz'), 0x1000);
  assert.equal(bytes[0x1000 + 0x800], 1);
});

test('anything that is not a 64-bit little-endian ELF file is returned unchanged', () => {
  for (const input of [Buffer.from('MZ not an ELF file'), Buffer.alloc(0), (() => { const elf = makeElf(); elf[4] = 1; return elf; })()]) {
    const { bytes, saved } = compactElf(input);
    assert.equal(saved, 0);
    assert.deepEqual(bytes, input);
  }
});

test('a zero gap before a segment in the middle goes too, and every later segment moves with it', () => {
  // LOAD 0 at 0 (0x200 bytes), LOAD 1 at 0x3000 (0x100 bytes of 0xaa), LOAD 2 at 0x5000 (0x20 bytes of 0xbb); sections follow.
  const bytes = elf64(0x5020 + 64, { shoff: 0x5020, phnum: 3, shnum: 1 });
  [[0, 0x400000, 0x200], [0x3000, 0x503000, 0x100], [0x5000, 0x10005000, 0x20]].forEach(([offset, address, size], i) => {
    programHeader(bytes, i, PT_LOAD, offset, address, size, 0x1000);
  });
  bytes.fill(0xaa, 0x3000, 0x3100);
  bytes.fill(0xbb, 0x5000, 0x5020);
  const { bytes: out, saved } = compactElf(bytes);
  assert.equal(phdrField(out, 1, 'offset'), 0x1000);
  assert.equal(phdrField(out, 2, 'offset'), 0x2000);
  assert.equal(shoff(out), 0x2020);
  assert.equal(saved, 0x3000);
  assert.ok(out.subarray(0x1000, 0x1100).every((byte) => byte === 0xaa) && out.subarray(0x2000, 0x2020).every((byte) => byte === 0xbb));
});
