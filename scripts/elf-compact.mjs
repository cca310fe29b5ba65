// Removes the zero padding that LIEF (inside postject, which pkg uses to inject the SEA blob) leaves
// in a Linux executable: before the segment it appends (about 240 KiB on linux-x64) and at that
// segment's end, past the blob; and the linker's before a segment whose first section is aligned
// beyond what the segment needs (about 1.1 MiB before Node's lpstub on linux-x64). Only whole zero-filled ranges are removed and every file offset
// behind them is moved down by a multiple of the alignments they need, so the program the kernel
// and the dynamic loader see is unchanged: Node finds the blob through its PT_NOTE segment, whose
// address stays put. Anything not laid out as expected is left as it is.
import { readElfHeader, readSections, readSegments } from './elf-layout.mjs';

const PT_LOAD = 1;
const SHT_NOBITS = 8;

function readLayout(bytes) {
  const header = readElfHeader(bytes);
  if (!header) return undefined;
  return { view: header.view, header, segments: readSegments(header), sections: readSections(header) };
}

const within = (segment, offset) => offset >= segment.offset && offset < segment.offset + segment.filesz;
const isZero = (bytes, from, to) => bytes.subarray(from, to).every((byte) => byte === 0);
const alignUp = (value, align, remainder = 0) => value + ((remainder - value) % align + align) % align;

/**
 * Cuts [from, to) out of the file and moves every offset at or past `to` down to match.
 * The caller has checked that the range is zeros and that nothing straddles it.
 */
function cut(bytes, layout, from, to) {
  const delta = to - from;
  const { view, header, segments, sections } = layout;
  const set64 = (at, value) => view.setBigUint64(at, BigInt(value), true);
  for (const segment of segments) if (segment.offset >= to) set64(segment.at + 8, (segment.offset -= delta));
  for (const section of sections) if (section.offset >= to && section.type !== SHT_NOBITS) set64(section.at + 24, (section.offset -= delta));
  // The tables are rewritten in place above, so read the new header values after.
  if (header.shoff >= to) set64(0x28, (header.shoff -= delta));
  if (header.phoff >= to) set64(0x20, (header.phoff -= delta));
  return Buffer.concat([bytes.subarray(0, from), bytes.subarray(to)]);
}

/** Returns { bytes, saved }: the compacted executable and how many bytes came out (0: left as it was). */
export function compactElf(input) {
  let bytes = Buffer.from(input);
  let layout = readLayout(bytes);
  if (!layout) return { bytes, saved: 0 };
  const loads = layout.segments.filter((segment) => segment.type === PT_LOAD);
  if (!loads.length) return { bytes, saved: 0 };
  const last = loads.reduce((a, b) => (b.offset > a.offset ? b : a));

  // 1. The zero gap before each loaded segment (LIEF's, before the segment it appends; the linker's,
  // where a section's address alignment exceeds its segment's): the segment and everything behind it
  // move down by a multiple of every alignment they have, so each stays congruent to its address.
  const order = loads.filter((s) => s.offset > 0).sort((a, b) => a.offset - b.offset).map((s) => s.at);
  for (const at of order) {
    const segment = layout.segments.find((s) => s.at === at);
    const before = [
      64, layout.header.phoff < segment.offset ? layout.header.phoff + layout.header.phnum * layout.header.phentsize : 0,
      layout.header.shoff < segment.offset ? layout.header.shoff + layout.header.shnum * layout.header.shentsize : 0,
      ...layout.segments.filter((s) => s.offset < segment.offset).map((s) => s.offset + s.filesz),
      ...layout.sections.filter((s) => s.type !== SHT_NOBITS && s.offset < segment.offset).map((s) => s.offset + s.size),
    ];
    const contentEnd = Math.max(...before);
    // A section inside a segment moves with it; only sections outside any segment need their own alignment.
    const loose = layout.sections.filter((s) => s.type !== SHT_NOBITS && s.offset >= segment.offset && !layout.segments.some((g) => g.type === PT_LOAD && within(g, s.offset)));
    const step = Math.max(8, ...layout.segments.filter((s) => s.offset >= segment.offset && s.filesz > 0).map((s) => s.align), ...loose.map((s) => s.align));
    const delta = Math.floor((segment.offset - contentEnd) / step) * step;
    if (delta > 0 && isZero(bytes, contentEnd, segment.offset)) {
      bytes = cut(bytes, layout, segment.offset - delta, segment.offset);
      layout = readLayout(bytes);
    }
  }

  // 2. The zeros at the end of the appended segment, past the notes and sections it holds.
  const segment = layout.segments.find((s) => s.at === last.at);
  const held = [
    ...layout.segments.filter((s) => s !== segment && s.filesz > 0 && within(segment, s.offset)).map((s) => s.offset + s.filesz),
    ...layout.sections.filter((s) => s.type !== SHT_NOBITS && s.size > 0 && within(segment, s.offset)).map((s) => s.offset + s.size),
  ];
  const segmentEnd = segment.offset + segment.filesz;
  // What follows moves down by a multiple of the largest alignment it has (8 for the section table).
  const step = Math.max(8, ...layout.sections.filter((s) => s.offset >= segmentEnd).map((s) => s.align));
  if (held.length && segment.filesz === segment.memsz) {
    const usedEnd = Math.max(...held);
    const keepTo = segmentEnd - Math.floor((segmentEnd - usedEnd) / step) * step;
    if (keepTo < segmentEnd && isZero(bytes, usedEnd, segmentEnd)) {
      const newSize = keepTo - segment.offset;
      layout.view.setBigUint64(segment.at + 32, BigInt(newSize), true);
      layout.view.setBigUint64(segment.at + 40, BigInt(newSize), true);
      bytes = cut(bytes, layout, keepTo, segmentEnd);
    }
  }
  return { bytes, saved: input.length - bytes.length };
}
