// Reading a 64-bit little-endian ELF file's header, program headers and section headers: what
// scripts/elf-strip.mjs and scripts/elf-compact.mjs both rewrite. `at` is each entry's own offset
// in the file, so that a caller can write a changed field back in place.

/** The ELF header fields the build uses, or undefined when `bytes` is not a 64-bit little-endian ELF file. */
export function readElfHeader(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length <= 64 || view.getUint32(0) !== 0x7f454c46 || bytes[4] !== 2 || bytes[5] !== 1) return undefined;
  const u16 = (at) => view.getUint16(at, true);
  const u64 = (at) => Number(view.getBigUint64(at, true));
  return { view, phoff: u64(0x20), shoff: u64(0x28), phentsize: u16(0x36), phnum: u16(0x38), shentsize: u16(0x3a), shnum: u16(0x3c), shstrndx: u16(0x3e) };
}

const u64 = (view, at) => Number(view.getBigUint64(at, true));

export function readSegments({ view, phoff, phentsize, phnum }) {
  return Array.from({ length: phnum }, (_, i) => {
    const at = phoff + i * phentsize;
    return { at, type: view.getUint32(at, true), offset: u64(view, at + 8), vaddr: u64(view, at + 16), filesz: u64(view, at + 32), memsz: u64(view, at + 40), align: Math.max(1, u64(view, at + 48)) };
  });
}

export function readSections({ view, shoff, shentsize, shnum }) {
  return Array.from({ length: shnum }, (_, index) => {
    const at = shoff + index * shentsize;
    return {
      index, at, nameOffset: view.getUint32(at, true), type: view.getUint32(at + 4, true), flags: u64(view, at + 8), offset: u64(view, at + 24),
      size: u64(view, at + 32), link: view.getUint32(at + 40, true), info: view.getUint32(at + 44, true), align: Math.max(1, u64(view, at + 48)),
    };
  });
}
