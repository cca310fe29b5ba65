// Strips a Linux Node binary's symbol table and DWARF sections (about 18 MB) in JavaScript, so that
// the build needs no binutils for any target and the bytes do not depend on which strip (or none)
// a machine has. Only sections the program never loads are removed (not SHF_ALLOC, named .debug*,
// .symtab, .strtab or .symtab_shndx), and only when they lie past every segment's contents: the
// kept sections behind them and the section table move down, section indices are renumbered.
// Anything not laid out that way is left as it is.
import { readElfHeader, readSections, readSegments } from './elf-layout.mjs';

const SHF_ALLOC = 0x2;
const SHF_INFO_LINK = 0x40;
const SHT_NOBITS = 8;

const removable = (name) => name.startsWith('.debug') || ['.symtab', '.strtab', '.symtab_shndx'].includes(name);
const alignUp = (value, align) => Math.ceil(value / align) * align;

/** Returns { bytes, saved }: the stripped executable and how many bytes came out (0: left as it was). */
export function stripElf(input) {
  const unchanged = { bytes: input, saved: 0 };
  const header = readElfHeader(input);
  if (!header) return unchanged;
  const { phoff, shoff, phentsize, phnum, shentsize, shnum, shstrndx } = header;
  if (shentsize !== 64 || shnum === 0 || shstrndx >= shnum || shoff + shnum * shentsize > input.length) return unchanged;
  const sections = readSections(header);
  const names = sections[shstrndx];
  for (const section of sections) {
    const from = names.offset + section.nameOffset;
    const end = input.indexOf(0, from);
    section.name = end === -1 ? '' : input.toString('latin1', from, end);
  }
  const isRemoved = (s) => s.index !== 0 && s.index !== shstrndx && !(s.flags & SHF_ALLOC) && s.type !== SHT_NOBITS && removable(s.name);
  const removed = sections.filter(isRemoved);
  if (!removed.length) return unchanged;
  const kept = sections.filter((s) => !isRemoved(s));
  const cutFrom = Math.min(...removed.map((s) => s.offset));
  const segmentsEnd = Math.max(phoff + phnum * phentsize, ...readSegments(header).map((segment) => segment.offset + segment.filesz));
  const movedKept = kept.filter((s) => s.type !== SHT_NOBITS && s.offset >= cutFrom);
  // Nothing loaded may move, and nothing kept may refer to a removed section.
  const refersToRemoved = kept.some((s) => (s.link && isRemoved(sections[s.link] ?? {})) || ((s.flags & SHF_INFO_LINK) && isRemoved(sections[s.info] ?? {})));
  if (cutFrom < segmentsEnd || shoff < cutFrom || refersToRemoved || movedKept.some((s) => s.flags & SHF_ALLOC)) return unchanged;

  const newIndex = new Map(kept.map((s, i) => [s.index, i]));
  const chunks = [input.subarray(0, cutFrom)];
  let position = cutFrom;
  const newOffset = new Map();
  for (const section of [...movedKept].sort((a, b) => a.offset - b.offset)) {
    const at = alignUp(position, section.align);
    chunks.push(Buffer.alloc(at - position), input.subarray(section.offset, section.offset + section.size));
    newOffset.set(section.index, at);
    position = at + section.size;
  }
  const tableAt = alignUp(position, 8);
  const table = Buffer.alloc(kept.length * shentsize);
  kept.forEach((section, i) => {
    const entry = table.subarray(i * shentsize, (i + 1) * shentsize);
    input.copy(entry, 0, section.at, section.at + shentsize);
    if (newOffset.has(section.index)) entry.writeBigUInt64LE(BigInt(newOffset.get(section.index)), 24);
    if (section.link) entry.writeUInt32LE(newIndex.get(section.link) ?? 0, 40);
    if (section.flags & SHF_INFO_LINK) entry.writeUInt32LE(newIndex.get(section.info) ?? 0, 44);
  });
  const bytes = Buffer.concat([...chunks, Buffer.alloc(tableAt - position), table]);
  bytes.writeBigUInt64LE(BigInt(tableAt), 0x28);
  bytes.writeUInt16LE(kept.length, 0x3c);
  bytes.writeUInt16LE(newIndex.get(shstrndx), 0x3e);
  return { bytes, saved: input.length - bytes.length };
}
