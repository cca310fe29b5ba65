// scripts/elf-strip.mjs on hand-made ELF files: it removes the symbol table and DWARF sections past
// every segment, moves what is kept behind them, renumbers section links, and leaves anything it
// cannot strip safely as it is. (The real Node binaries are covered by test/build.test.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripElf } from '../scripts/elf-strip.mjs';

const SHT = { PROGBITS: 1, SYMTAB: 2, STRTAB: 3 };
const SHF_ALLOC = 2;

/**
 * An ELF64 with one LOAD segment [0, 0x200) holding .text, then non-loaded sections laid out in
 * the given order from 0x200, then the section table. Each section: { name, type, flags, size, link, align, fill }.
 */
function makeElf(tail) {
  const sections = [{ name: '', type: 0, size: 0 }, { name: '.text', type: SHT.PROGBITS, flags: SHF_ALLOC | 4, offset: 0x100, size: 0x100, fill: 0xcc }, ...tail];
  const names = Buffer.from(`\0${sections.slice(1).map((s) => s.name).join('\0')}\0.shstrtab\0`, 'latin1');
  sections.push({ name: '.shstrtab', type: SHT.STRTAB, size: names.length, content: names });
  let position = 0x200;
  for (const section of sections.slice(2)) {
    position = Math.ceil(position / (section.align ?? 1)) * (section.align ?? 1);
    section.offset = position;
    position += section.size;
  }
  const shoff = Math.ceil(position / 8) * 8;
  const bytes = Buffer.alloc(shoff + sections.length * 64);
  bytes.writeUInt32BE(0x7f454c46, 0);
  bytes[4] = 2;
  bytes[5] = 1;
  bytes.writeBigUInt64LE(64n, 0x20);
  bytes.writeBigUInt64LE(BigInt(shoff), 0x28);
  bytes.writeUInt16LE(56, 0x36);
  bytes.writeUInt16LE(1, 0x38);
  bytes.writeUInt16LE(64, 0x3a);
  bytes.writeUInt16LE(sections.length, 0x3c);
  bytes.writeUInt16LE(sections.length - 1, 0x3e);
  bytes.writeUInt32LE(1, 64); // PT_LOAD
  bytes.writeBigUInt64LE(0x200n, 64 + 32);
  bytes.writeBigUInt64LE(0x200n, 64 + 40);
  bytes.writeBigUInt64LE(0x1000n, 64 + 48);
  let nameOffset = 1;
  sections.forEach((section, i) => {
    const at = shoff + i * 64;
    if (i > 0) {
      bytes.writeUInt32LE(section.name === '.shstrtab' ? names.indexOf('.shstrtab\0') : nameOffset, at);
      if (section.name !== '.shstrtab') nameOffset += section.name.length + 1;
    }
    bytes.writeUInt32LE(section.type, at + 4);
    bytes.writeBigUInt64LE(BigInt(section.flags ?? 0), at + 8);
    bytes.writeBigUInt64LE(BigInt(section.offset ?? 0), at + 24);
    bytes.writeBigUInt64LE(BigInt(section.size), at + 32);
    bytes.writeUInt32LE(section.link ?? 0, at + 40);
    bytes.writeBigUInt64LE(BigInt(section.align ?? 1), at + 48);
    if (section.content) section.content.copy(bytes, section.offset);
    else if (section.size) bytes.fill(section.fill ?? i, section.offset, section.offset + section.size);
  });
  return bytes;
}

/** [{ name, offset, size, link }] of an ELF64 file's sections. */
function sectionsOf(bytes) {
  const [shoff, shnum, shstrndx] = [Number(bytes.readBigUInt64LE(0x28)), bytes.readUInt16LE(0x3c), bytes.readUInt16LE(0x3e)];
  const names = Number(bytes.readBigUInt64LE(shoff + shstrndx * 64 + 24));
  return Array.from({ length: shnum }, (_, i) => {
    const at = shoff + i * 64;
    const from = names + bytes.readUInt32LE(at);
    return { name: bytes.toString('latin1', from, bytes.indexOf(0, from)), offset: Number(bytes.readBigUInt64LE(at + 24)), size: Number(bytes.readBigUInt64LE(at + 32)), link: bytes.readUInt32LE(at + 40) };
  });
}

test('the symbol table and DWARF go; what is kept behind them moves down and its links follow', () => {
  const input = makeElf([
    { name: '.comment', type: SHT.PROGBITS, size: 0x10, fill: 0x11 },
    { name: '.debug_info', type: SHT.PROGBITS, size: 0x80 },
    { name: '.symtab', type: SHT.SYMTAB, size: 0x48, link: 6, align: 8 },
    { name: '.notes', type: SHT.PROGBITS, size: 0x20, link: 7, align: 16, fill: 0x22 },
    { name: '.strtab', type: SHT.STRTAB, size: 0x30 },
  ]);
  const { bytes, saved } = stripElf(input);
  const sections = sectionsOf(bytes);
  assert.deepEqual(sections.map((s) => s.name), ['', '.text', '.comment', '.notes', '.shstrtab']);
  assert.equal(saved, input.length - bytes.length);
  assert.ok(saved > 0);
  const [, text, comment, notes] = sections;
  assert.deepEqual([text.offset, comment.offset], [0x100, 0x200], 'everything before the first removed section stays put');
  assert.ok(bytes.subarray(0x40, 0x210).equals(input.subarray(0x40, 0x210)), 'the loaded bytes (past the ELF header) are untouched');
  assert.equal(notes.offset % 16, 0, 'a moved section keeps its alignment');
  assert.ok(bytes.subarray(notes.offset, notes.offset + 0x20).every((byte) => byte === 0x22), 'its contents moved with it');
  assert.equal(notes.link, 4, 'a link to a kept section is renumbered (.shstrtab: 7 to 4)');
  assert.equal(bytes.readUInt16LE(0x3e), 4, 'the section-name table index follows');
  assert.equal(stripElf(bytes).saved, 0, 'stripping again finds nothing');
});

test('a kept section that links to a removed one, or anything that is not ELF64 LSB, is left as it is', () => {
  const linked = makeElf([
    { name: '.symtab', type: SHT.SYMTAB, size: 0x48, link: 4, align: 8 },
    { name: '.my.index', type: SHT.PROGBITS, size: 0x10, link: 2 },
    { name: '.strtab', type: SHT.STRTAB, size: 0x30 },
  ]);
  for (const input of [linked, Buffer.from('MZ not an ELF file'), Buffer.alloc(0)]) {
    const { bytes, saved } = stripElf(input);
    assert.equal(saved, 0);
    assert.ok(bytes.equals(input));
  }
});

test('a removable section inside a loaded segment is left alone', () => {
  const input = makeElf([{ name: '.debug_line', type: SHT.PROGBITS, size: 0x40 }]);
  // Make the segment cover the debug section too.
  input.writeBigUInt64LE(0x240n, 64 + 32);
  input.writeBigUInt64LE(0x240n, 64 + 40);
  assert.equal(stripElf(input).saved, 0);
});
