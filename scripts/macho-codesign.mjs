// Ad-hoc code signing of thin 64-bit Mach-O executables, made here because the build runs where
// neither codesign nor ldid exists, and macOS kills an arm64 executable whose signature is missing or
// no longer matches its bytes (injecting the SEA blob breaks Node's own signature).
// What it writes is what `codesign --sign - --force` writes for a bare executable, minus the empty
// CMS wrapper: a SuperBlob with one SHA-256 CodeDirectory (flags CS_ADHOC only: CS_LINKER_SIGNED
// marks ld's own placeholder signature, which this is not) and an empty requirements set, bound
// through special slot -2 (slot -1, Info.plist, is zero: there is none). Layout as codesign_allocate
// does it: the signature at a 16-byte aligned offset right after __LINKEDIT's data, the code limit
// equal to that offset, __LINKEDIT grown to end with it, nothing after it in the file.
// Structures: xnu osfmk/kern/cs_blobs.h. Usage: node scripts/macho-codesign.mjs FILE [--identifier ID] [--remove]
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const MH_MAGIC_64 = 0xfeedfacf;
const MH_EXECUTE = 2;
const LC_SEGMENT_64 = 0x19;
const LC_CODE_SIGNATURE = 0x1d;
const CPU_TYPE_X86_64 = 0x01000007;
const CPU_TYPE_ARM64 = 0x0100000c;
const S_ZEROFILL = 0x1;
const S_THREAD_LOCAL_ZEROFILL = 0x12;

const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
const CSMAGIC_REQUIREMENTS = 0xfade0c01;
const CSSLOT_CODEDIRECTORY = 0;
const CSSLOT_REQUIREMENTS = 2;
const CS_ADHOC = 0x2;
const CS_EXECSEG_MAIN_BINARY = 0x1;
const CS_HASHTYPE_SHA256 = 2;
const CD_VERSION = 0x20400; // the first version with the execSeg fields
const CD_HEADER_SIZE = 88; // struct CS_CodeDirectory up to execSegFlags
const PAGE_SHIFT = 12; // hashes cover 4 KiB pages on every architecture
const PAGE_SIZE = 1 << PAGE_SHIFT;
const HASH_SIZE = 32;
const SPECIAL_SLOTS = CSSLOT_REQUIREMENTS; // slots -1 (Info.plist, absent) and -2 (requirements)
const SIGNATURE_ALIGN = 16;
// An empty requirement set: magic, length, count 0 (what codesign writes for an ad-hoc signature).
const EMPTY_REQUIREMENTS = Buffer.from([0xfa, 0xde, 0x0c, 0x01, 0, 0, 0, 12, 0, 0, 0, 0]);

/** The segment alignment the kernel maps with: __LINKEDIT's vmsize is rounded up to it. */
const SEGMENT_ALIGN = { [CPU_TYPE_X86_64]: 0x1000, [CPU_TYPE_ARM64]: 0x4000 };

const alignUp = (value, align) => Math.ceil(value / align) * align;
const fail = (message) => { throw new Error(`cannot sign: ${message}`); };

/** The parts of a thin 64-bit little-endian Mach-O that signing touches; throws with a reason otherwise. */
function parse(bytes) {
  if (!Buffer.isBuffer(bytes)) fail('expected the executable\'s bytes as a Buffer');
  const tooShort = () => fail(`${bytes.length} bytes is too short for a Mach-O header (truncated file?); give the whole macOS executable`);
  if (bytes.length < 4) tooShort();
  const magicBE = bytes.readUInt32BE(0);
  if (magicBE === 0xcafebabe || magicBE === 0xcafebabf) fail('a fat (universal) Mach-O; sign each architecture\'s thin file (lipo -thin ARCH) and merge them afterwards');
  const magic = bytes.readUInt32LE(0);
  if (magic === 0xfeedface || magicBE === 0xfeedface) fail('a 32-bit Mach-O; only 64-bit executables (x86_64, arm64) are supported');
  if (magic !== MH_MAGIC_64) fail(`not a Mach-O file (starts with 0x${magicBE.toString(16).padStart(8, '0')}); give a macOS executable`);
  if (bytes.length < 32) tooShort();
  const cputype = bytes.readUInt32LE(4);
  if (!SEGMENT_ALIGN[cputype]) fail(`unsupported CPU type 0x${cputype.toString(16)}; only x86_64 and arm64 are supported`);
  const header = { cputype, filetype: bytes.readUInt32LE(12), ncmds: bytes.readUInt32LE(16), sizeofcmds: bytes.readUInt32LE(20) };
  const commandsEnd = 32 + header.sizeofcmds;
  if (commandsEnd > bytes.length) fail('the load commands run past the end of the file (truncated file?)');
  const segments = [];
  let codeSignature;
  let lowestContent = Infinity; // where the first section's (or segment's) data starts: load commands must end before it
  let at = 32;
  for (let i = 0; i < header.ncmds; i++) {
    if (at + 8 > commandsEnd) fail('load command table is shorter than ncmds says (corrupt file)');
    const cmd = bytes.readUInt32LE(at);
    const cmdsize = bytes.readUInt32LE(at + 4);
    if (cmdsize < 8 || cmdsize % 8 || at + cmdsize > commandsEnd) fail(`load command ${i} has a bad size ${cmdsize} (corrupt file)`);
    if (cmd === LC_SEGMENT_64) {
      if (cmdsize < 72) fail(`segment command ${i} is too short (corrupt file)`);
      const segment = {
        at,
        name: bytes.toString('latin1', at + 8, at + 24).replace(/\0.*$/s, ''),
        vmaddr: Number(bytes.readBigUInt64LE(at + 24)),
        vmsize: Number(bytes.readBigUInt64LE(at + 32)),
        fileoff: Number(bytes.readBigUInt64LE(at + 40)),
        filesize: Number(bytes.readBigUInt64LE(at + 48)),
      };
      const nsects = bytes.readUInt32LE(at + 64);
      if (72 + nsects * 80 > cmdsize) fail(`segment ${segment.name} lists more sections than its command holds (corrupt file)`);
      if (segment.fileoff + segment.filesize > bytes.length) fail(`segment ${segment.name} runs past the end of the file (truncated file?)`);
      for (let s = 0; s < nsects; s++) {
        const section = at + 72 + s * 80;
        const size = Number(bytes.readBigUInt64LE(section + 40));
        const offset = bytes.readUInt32LE(section + 48);
        const type = bytes.readUInt32LE(section + 64) & 0xff;
        if (size && type !== S_ZEROFILL && type !== S_THREAD_LOCAL_ZEROFILL) lowestContent = Math.min(lowestContent, offset);
      }
      if (!nsects && segment.filesize) lowestContent = Math.min(lowestContent, segment.fileoff);
      segments.push(segment);
    } else if (cmd === LC_CODE_SIGNATURE) {
      if (codeSignature) fail('more than one LC_CODE_SIGNATURE (corrupt file)');
      codeSignature = { at, dataoff: bytes.readUInt32LE(at + 8), datasize: bytes.readUInt32LE(at + 12) };
    }
    at += cmdsize;
  }
  const linkedit = segments.find((segment) => segment.name === '__LINKEDIT');
  const text = segments.find((segment) => segment.name === '__TEXT');
  if (!linkedit) fail('no __LINKEDIT segment to hold the signature');
  if (!text) fail('no __TEXT segment');
  if (segments.some((segment) => segment !== linkedit && segment.vmsize && segment.vmaddr >= linkedit.vmaddr)) fail('__LINKEDIT is not the last segment in memory, so it cannot grow');
  return { header, commandsEnd, segments, linkedit, text, codeSignature, lowestContent };
}

/** Where the signature goes: what is signed ends there (its data, the old signature removed). */
function unsignedLength(bytes, { linkedit, codeSignature }) {
  const linkeditEnd = linkedit.fileoff + linkedit.filesize;
  if (codeSignature) {
    const { dataoff, datasize } = codeSignature;
    if (dataoff + datasize !== bytes.length || linkeditEnd !== bytes.length) fail('the existing signature is not at the end of __LINKEDIT and of the file; this layout is not supported');
    if (dataoff < linkedit.fileoff) fail('the existing signature lies outside __LINKEDIT (corrupt file)');
    return dataoff;
  }
  if (linkeditEnd !== bytes.length) fail(`${bytes.length - linkeditEnd} bytes follow __LINKEDIT; a signature must be the last thing in the file, so this layout is not supported`);
  return bytes.length;
}

/** The SuperBlob for the first `codeLimit` bytes of `image`. */
function superBlob(image, codeLimit, identifier, text, isMain) {
  const nCodeSlots = Math.ceil(codeLimit / PAGE_SIZE);
  const identOffset = CD_HEADER_SIZE;
  const hashOffset = identOffset + identifier.length + 1 + SPECIAL_SLOTS * HASH_SIZE;
  const cdLength = hashOffset + nCodeSlots * HASH_SIZE;
  const indexEnd = 12 + 2 * 8;
  const length = indexEnd + cdLength + EMPTY_REQUIREMENTS.length;
  const blob = Buffer.alloc(length);
  blob.writeUInt32BE(CSMAGIC_EMBEDDED_SIGNATURE, 0);
  blob.writeUInt32BE(length, 4);
  blob.writeUInt32BE(2, 8);
  blob.writeUInt32BE(CSSLOT_CODEDIRECTORY, 12);
  blob.writeUInt32BE(indexEnd, 16);
  blob.writeUInt32BE(CSSLOT_REQUIREMENTS, 20);
  blob.writeUInt32BE(indexEnd + cdLength, 24);

  const cd = blob.subarray(indexEnd, indexEnd + cdLength);
  cd.writeUInt32BE(CSMAGIC_CODEDIRECTORY, 0);
  cd.writeUInt32BE(cdLength, 4);
  cd.writeUInt32BE(CD_VERSION, 8);
  cd.writeUInt32BE(CS_ADHOC, 12);
  cd.writeUInt32BE(hashOffset, 16);
  cd.writeUInt32BE(identOffset, 20);
  cd.writeUInt32BE(SPECIAL_SLOTS, 24);
  cd.writeUInt32BE(nCodeSlots, 28);
  cd.writeUInt32BE(codeLimit, 32);
  cd[36] = HASH_SIZE;
  cd[37] = CS_HASHTYPE_SHA256;
  cd[38] = 0; // platform: not a platform binary
  cd[39] = PAGE_SHIFT;
  // spare2, scatterOffset, teamOffset (none for ad-hoc), spare3 and codeLimit64 (codeLimit fits 32 bits) stay 0.
  cd.writeBigUInt64BE(BigInt(text.fileoff), 64);
  cd.writeBigUInt64BE(BigInt(text.filesize), 72);
  cd.writeBigUInt64BE(BigInt(isMain ? CS_EXECSEG_MAIN_BINARY : 0), 80);
  cd.write(identifier, identOffset, 'latin1'); // followed by the NUL that Buffer.alloc left
  createHash('sha256').update(EMPTY_REQUIREMENTS).digest().copy(cd, hashOffset - CSSLOT_REQUIREMENTS * HASH_SIZE);
  for (let slot = 0; slot < nCodeSlots; slot++) {
    // The last page is hashed only up to the code limit, never past it.
    const page = image.subarray(slot * PAGE_SIZE, Math.min((slot + 1) * PAGE_SIZE, codeLimit));
    createHash('sha256').update(page).digest().copy(cd, hashOffset + slot * HASH_SIZE);
  }
  EMPTY_REQUIREMENTS.copy(blob, indexEnd + cdLength);
  return blob;
}

/** The size of the SuperBlob superBlob() makes, without making it (the load commands need it first). */
const superBlobLength = (codeLimit, identifier) => 12 + 2 * 8 + CD_HEADER_SIZE + identifier.length + 1
  + (SPECIAL_SLOTS + Math.ceil(codeLimit / PAGE_SIZE)) * HASH_SIZE + EMPTY_REQUIREMENTS.length;

/**
 * Returns a copy of `bytes` (a thin x86_64 or arm64 Mach-O) with any old signature removed and an
 * ad-hoc one written. Deterministic, and signing its own output again gives identical bytes.
 * Throws `cannot sign: <reason and fix>` for anything else.
 */
export function signMachO(bytes, { identifier } = {}) {
  if (typeof identifier !== 'string' || !/^[\x21-\x7e]+$/.test(identifier)) fail('the identifier must be a non-empty printable ASCII string without spaces (e.g. ndc-shim)');
  const layout = parse(bytes);
  const { header, linkedit, text } = layout;
  let image = Buffer.from(bytes.subarray(0, unsignedLength(bytes, layout)));
  let commandAt = layout.codeSignature?.at;
  if (commandAt === undefined) {
    // As codesign_allocate: the new command goes right after the others, in the header's padding.
    if (layout.commandsEnd + 16 > layout.lowestContent) fail('no room for an LC_CODE_SIGNATURE load command before the first section; relink with a larger -headerpad');
    if (image.subarray(layout.commandsEnd, layout.commandsEnd + 16).some((byte) => byte !== 0)) fail('the header padding where LC_CODE_SIGNATURE would go is not empty (corrupt file)');
    commandAt = layout.commandsEnd;
    image.writeUInt32LE(header.ncmds + 1, 16);
    image.writeUInt32LE(header.sizeofcmds + 16, 20);
    image.writeUInt32LE(LC_CODE_SIGNATURE, commandAt);
    image.writeUInt32LE(16, commandAt + 4);
  }
  const codeLimit = alignUp(image.length, SIGNATURE_ALIGN);
  // Zero padding up to 16 bytes keeps the file 16-byte aligned after the signature too (as ld64 pads it).
  const datasize = alignUp(superBlobLength(codeLimit, identifier), SIGNATURE_ALIGN);
  if (codeLimit + datasize > 0xffffffff) fail('the file is larger than 4 GiB, which LC_CODE_SIGNATURE cannot describe');
  const signed = Buffer.alloc(codeLimit + datasize);
  image.copy(signed);
  image = undefined;
  signed.writeUInt32LE(codeLimit, commandAt + 8);
  signed.writeUInt32LE(datasize, commandAt + 12);
  const filesize = signed.length - linkedit.fileoff;
  const vmsize = Math.max(linkedit.vmsize, alignUp(filesize, SEGMENT_ALIGN[header.cputype]));
  signed.writeBigUInt64LE(BigInt(vmsize), linkedit.at + 32);
  signed.writeBigUInt64LE(BigInt(filesize), linkedit.at + 48);
  superBlob(signed, codeLimit, identifier, text, header.filetype === MH_EXECUTE).copy(signed, codeLimit);
  return signed;
}

/**
 * Returns a copy of `bytes` without its signature, as `codesign --remove-signature` leaves it: the
 * LC_CODE_SIGNATURE command removed and the file cut where the signature started (__LINKEDIT's
 * filesize shrunk to match; its vmsize kept). An unsigned file is returned unchanged.
 */
export function removeSignature(bytes) {
  const layout = parse(bytes);
  const { header, linkedit, codeSignature } = layout;
  if (!codeSignature) return Buffer.from(bytes);
  const image = Buffer.from(bytes.subarray(0, unsignedLength(bytes, layout)));
  image.copy(image, codeSignature.at, codeSignature.at + 16, layout.commandsEnd);
  image.fill(0, layout.commandsEnd - 16, layout.commandsEnd);
  image.writeUInt32LE(header.ncmds - 1, 16);
  image.writeUInt32LE(header.sizeofcmds - 16, 20);
  const linkeditAt = linkedit.at > codeSignature.at ? linkedit.at - 16 : linkedit.at;
  image.writeBigUInt64LE(BigInt(image.length - linkedit.fileoff), linkeditAt + 48);
  return image;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const file = args.find((arg, i) => !arg.startsWith('--') && args[i - 1] !== '--identifier');
  const identifierAt = args.indexOf('--identifier');
  if (!file) {
    console.error('usage: node scripts/macho-codesign.mjs FILE [--identifier ID] [--remove]');
    process.exit(2);
  }
  try {
    const bytes = readFileSync(file);
    const result = args.includes('--remove') ? removeSignature(bytes) : signMachO(bytes, { identifier: identifierAt === -1 ? basename(file) : args[identifierAt + 1] });
    writeFileSync(file, result);
  } catch (error) {
    console.error(`${file}: ${error.message}`);
    process.exit(1);
  }
}
