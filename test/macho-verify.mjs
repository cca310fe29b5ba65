// An independent check of a Mach-O code signature, written apart from scripts/macho-codesign.mjs
// (it shares no code with the signer) so that a mistake in one is not repeated in the other.
// It accepts Apple's own signatures (Node's release binaries: one or more CodeDirectories, a CMS
// blob, entitlements) as well as the build's ad-hoc ones, and reports every problem it finds:
// - every page hash of every CodeDirectory recomputed (the last page only up to the code limit);
// - the code limit equals the signature's offset, which is 16-byte aligned;
// - the file ends where LC_CODE_SIGNATURE's data ends, inside and at the end of __LINKEDIT; after
//   the SuperBlob's declared length only zero bytes may follow within that data (codesign reserves
//   more than it writes and zero-fills the rest);
// - the special slots: a blob the SuperBlob holds must hash to its slot, a slot with no blob is zero;
// - execSeg base/limit equal __TEXT's file range, the main-binary flag on an executable;
// - with { adhoc: true }: the CS_ADHOC flag, and no CMS signature beyond an empty wrapper;
// - with { section: [segment, section] }: that section exists and lies wholly under the hashes.
// Usage: node test/macho-verify.mjs FILE [--adhoc]
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const HASHES = { 1: ['sha1', 20], 2: ['sha256', 32], 3: ['sha256', 20], 4: ['sha384', 48] };
const SLOT_NAMES = { 1: 'Info.plist', 2: 'requirements', 3: 'resource directory', 4: 'application specific', 5: 'entitlements', 6: 'rep-specific', 7: 'DER entitlements' };
const CODEDIRECTORY_SLOTS = [0, 0x1000, 0x1001, 0x1002, 0x1003, 0x1004];
const CMS_SLOT = 0x10000;

const cstring = (view, from, to) => {
  let end = from;
  while (end < to && view.getUint8(end) !== 0) end++;
  return end < to ? new TextDecoder('latin1').decode(new Uint8Array(view.buffer, view.byteOffset + from, end - from)) : undefined;
};

/** Load commands, segments (with sections) and the LC_CODE_SIGNATURE of a thin 64-bit Mach-O. */
function readMachO(bytes, problems) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 32 || view.getUint32(0, true) !== 0xfeedfacf) {
    problems.push('not a thin 64-bit little-endian Mach-O');
    return undefined;
  }
  const filetype = view.getUint32(12, true);
  const ncmds = view.getUint32(16, true);
  const end = 32 + view.getUint32(20, true);
  const segments = [];
  const signatures = [];
  let at = 32;
  for (let i = 0; i < ncmds; i++) {
    if (at + 8 > end || end > bytes.length) { problems.push('load commands overrun sizeofcmds'); return undefined; }
    const cmd = view.getUint32(at, true);
    const size = view.getUint32(at + 4, true);
    if (size < 8 || at + size > end) { problems.push(`load command ${i} has a bad size`); return undefined; }
    if (cmd === 0x19) {
      const u64 = (offset) => Number(view.getBigUint64(at + offset, true));
      const sections = [];
      for (let s = 0; s < view.getUint32(at + 64, true); s++) {
        const base = at + 72 + s * 80;
        sections.push({ name: cstring(view, base, base + 16) ?? new TextDecoder('latin1').decode(bytes.subarray(base, base + 16)), offset: view.getUint32(base + 48, true), size: Number(view.getBigUint64(base + 40, true)) });
      }
      segments.push({ name: cstring(view, at + 8, at + 24) ?? new TextDecoder('latin1').decode(bytes.subarray(at + 8, at + 24)), vmaddr: u64(24), vmsize: u64(32), fileoff: u64(40), filesize: u64(48), sections });
    } else if (cmd === 0x1d) {
      signatures.push({ dataoff: view.getUint32(at + 8, true), datasize: view.getUint32(at + 12, true) });
    }
    at += size;
  }
  return { view, filetype, segments, signatures };
}

/** One CodeDirectory's fields (cs_blobs.h), the ones introduced by later versions only when present. */
function readCodeDirectory(view, at, length) {
  const u32 = (offset) => view.getUint32(at + offset);
  const version = u32(8);
  const cd = {
    at, length, version, flags: u32(12), hashOffset: u32(16), identOffset: u32(20), nSpecialSlots: u32(24), nCodeSlots: u32(28),
    codeLimit: u32(32), hashSize: view.getUint8(at + 36), hashType: view.getUint8(at + 37), pageShift: view.getUint8(at + 39),
  };
  if (version >= 0x20300 && length >= 64) {
    const codeLimit64 = Number(view.getBigUint64(at + 56));
    if (codeLimit64) cd.codeLimit = codeLimit64;
  }
  if (version >= 0x20400 && length >= 88) {
    cd.execSeg = { base: Number(view.getBigUint64(at + 64)), limit: Number(view.getBigUint64(at + 72)), flags: Number(view.getBigUint64(at + 80)) };
  }
  const identEnd = cd.hashOffset - cd.nSpecialSlots * cd.hashSize;
  cd.identifier = cd.identOffset < length ? cstring(view, at + cd.identOffset, at + Math.min(length, Math.max(identEnd, cd.identOffset))) : undefined;
  return cd;
}

/**
 * Checks the code signature of `bytes`. Returns { problems: string[] (empty when it verifies),
 * signature, codeDirectories, section }.
 */
export function verifyMachO(bytes, { adhoc = false, section } = {}) {
  const problems = [];
  const report = { problems, codeDirectories: [] };
  const macho = readMachO(bytes, problems);
  if (!macho) return report;
  const { view, segments } = macho;
  if (macho.signatures.length !== 1) {
    problems.push(macho.signatures.length ? 'more than one LC_CODE_SIGNATURE' : 'no LC_CODE_SIGNATURE: the file is unsigned');
    return report;
  }
  const [{ dataoff, datasize }] = macho.signatures;
  const signatureEnd = dataoff + datasize;
  if (dataoff % 16) problems.push(`the signature offset ${dataoff} is not 16-byte aligned`);
  if (signatureEnd !== bytes.length) problems.push(`the file does not end with the signature: it ends at ${bytes.length}, the signature at ${signatureEnd}`);
  if (signatureEnd > bytes.length) return report;

  const linkedit = segments.find((segment) => segment.name === '__LINKEDIT');
  const text = segments.find((segment) => segment.name === '__TEXT');
  if (!linkedit) problems.push('no __LINKEDIT segment');
  else {
    if (dataoff < linkedit.fileoff || signatureEnd > linkedit.fileoff + linkedit.filesize) problems.push('the signature is not inside __LINKEDIT');
    if (linkedit.fileoff + linkedit.filesize !== signatureEnd) problems.push('__LINKEDIT does not end with the signature');
    if (linkedit.filesize > linkedit.vmsize) problems.push('__LINKEDIT filesize exceeds its vmsize');
    for (const other of segments) {
      if (other !== linkedit && other.filesize && other.fileoff + other.filesize > linkedit.fileoff) problems.push(`segment ${other.name} overlaps __LINKEDIT in the file`);
      if (other !== linkedit && other.vmsize && other.vmaddr < linkedit.vmaddr + linkedit.vmsize && linkedit.vmaddr < other.vmaddr + other.vmsize) problems.push(`segment ${other.name} overlaps __LINKEDIT in memory`);
    }
  }

  // The SuperBlob (big-endian throughout).
  if (datasize < 12 || view.getUint32(dataoff) !== 0xfade0cc0) {
    problems.push('the signature data does not start with an embedded-signature SuperBlob');
    return report;
  }
  const length = view.getUint32(dataoff + 4);
  const count = view.getUint32(dataoff + 8);
  report.signature = { offset: dataoff, size: datasize, length, padding: datasize - length };
  if (length > datasize || 12 + count * 8 > length) {
    problems.push(`the SuperBlob's length ${length} (${count} blobs) does not fit the ${datasize} bytes LC_CODE_SIGNATURE gives it`);
    return report;
  }
  if (bytes.subarray(dataoff + length, signatureEnd).some((byte) => byte !== 0)) problems.push('bytes after the SuperBlob (inside the signature data) are not zero');

  const blobs = new Map();
  for (let i = 0; i < count; i++) {
    const type = view.getUint32(dataoff + 12 + i * 8);
    const offset = view.getUint32(dataoff + 16 + i * 8);
    if (offset + 8 > length) { problems.push(`blob ${i} (slot 0x${type.toString(16)}) starts outside the SuperBlob`); continue; }
    const blobLength = view.getUint32(dataoff + offset + 4);
    if (blobLength < 8 || offset + blobLength > length) { problems.push(`blob ${i} (slot 0x${type.toString(16)}) runs outside the SuperBlob`); continue; }
    if (blobs.has(type)) problems.push(`slot 0x${type.toString(16)} appears twice`);
    blobs.set(type, { at: dataoff + offset, magic: view.getUint32(dataoff + offset), length: blobLength });
  }
  if (!blobs.has(0)) problems.push('no CodeDirectory in slot 0');
  report.blobs = [...blobs].map(([slot, { magic, length: blobLength }]) => ({ slot, magic, length: blobLength }));

  for (const slot of CODEDIRECTORY_SLOTS) {
    const blob = blobs.get(slot);
    if (!blob) continue;
    if (blob.magic !== 0xfade0c02) { problems.push(`slot 0x${slot.toString(16)} does not hold a CodeDirectory`); continue; }
    if (blob.length < 44) { problems.push(`CodeDirectory in slot 0x${slot.toString(16)} is too short`); continue; }
    const cd = readCodeDirectory(view, blob.at, blob.length);
    report.codeDirectories.push(cd);
    const name = `CodeDirectory ${slot ? `0x${slot.toString(16)}` : 0} (${HASHES[cd.hashType]?.[0] ?? `hash type ${cd.hashType}`})`;
    const [algorithm, hashSize] = HASHES[cd.hashType] ?? [];
    if (!algorithm || hashSize !== cd.hashSize) { problems.push(`${name}: unknown hash type or size ${cd.hashSize}`); continue; }
    if (cd.version < 0x20001) problems.push(`${name}: version 0x${cd.version.toString(16)} is too old`);
    if (cd.identifier === undefined) problems.push(`${name}: the identifier is not a NUL-terminated string inside the CodeDirectory`);
    // xnu accepts pages from 4 KiB up to its own page size (16 KiB on arm64).
    if (cd.pageShift < 12 || cd.pageShift > 14) { problems.push(`${name}: page size 2^${cd.pageShift} is not one macOS accepts`); continue; }
    if (cd.hashOffset < cd.nSpecialSlots * cd.hashSize || cd.hashOffset + cd.nCodeSlots * cd.hashSize > cd.length) { problems.push(`${name}: the hash slots lie outside the CodeDirectory`); continue; }
    if (cd.codeLimit !== dataoff) problems.push(`${name}: the code limit ${cd.codeLimit} is not the signature offset ${dataoff}`);
    const pageSize = 2 ** cd.pageShift;
    const codeLimit = Math.min(cd.codeLimit, bytes.length);
    if (cd.nCodeSlots !== Math.ceil(cd.codeLimit / pageSize)) problems.push(`${name}: ${cd.nCodeSlots} page hashes for a code limit of ${cd.codeLimit} (expected ${Math.ceil(cd.codeLimit / pageSize)})`);
    const storedHash = (index) => bytes.subarray(cd.at + cd.hashOffset + index * cd.hashSize, cd.at + cd.hashOffset + (index + 1) * cd.hashSize);
    const digest = (data) => createHash(algorithm).update(data).digest().subarray(0, hashSize);
    const bad = [];
    for (let page = 0; page < Math.min(cd.nCodeSlots, Math.ceil(codeLimit / pageSize)); page++) {
      const start = page * pageSize;
      if (!digest(bytes.subarray(start, Math.min(start + pageSize, codeLimit))).equals(storedHash(page))) bad.push(page);
    }
    if (bad.length) problems.push(`${name}: ${bad.length} page hash(es) do not match, first page ${bad[0]} (file offset ${bad[0] * pageSize})`);
    for (let special = 1; special <= cd.nSpecialSlots; special++) {
      const stored = storedHash(-special);
      const bound = blobs.get(special);
      const label = `${name}: special slot -${special} (${SLOT_NAMES[special] ?? 'unknown'})`;
      if (bound) {
        if (!digest(bytes.subarray(bound.at, bound.at + bound.length)).equals(stored)) problems.push(`${label} does not match its blob`);
      } else if (stored.some((byte) => byte !== 0)) {
        problems.push(`${label} holds a hash but the signature has no such blob`);
      }
    }
    for (const type of blobs.keys()) {
      if (type > 0 && type < 0x1000 && type > cd.nSpecialSlots) problems.push(`${name}: the blob in slot ${type} is not bound by a special slot`);
    }
    if (cd.version >= 0x20400) {
      if (!cd.execSeg) problems.push(`${name}: version 0x${cd.version.toString(16)} but too short for the execSeg fields`);
      else if (!text) problems.push('no __TEXT segment');
      else {
        if (cd.execSeg.base !== text.fileoff || cd.execSeg.limit !== text.filesize) problems.push(`${name}: execSeg ${cd.execSeg.base}+${cd.execSeg.limit} is not __TEXT's ${text.fileoff}+${text.filesize}`);
        if (macho.filetype === 2 && !(cd.execSeg.flags & 1)) problems.push(`${name}: an executable without CS_EXECSEG_MAIN_BINARY`);
      }
    }
  }
  // xnu rejects two CodeDirectories of the same hash type as suspicious.
  const hashTypes = report.codeDirectories.map((cd) => cd.hashType);
  if (new Set(hashTypes).size !== hashTypes.length) problems.push('two CodeDirectories use the same hash type');
  const identifiers = new Set(report.codeDirectories.map((cd) => cd.identifier));
  if (identifiers.size > 1) problems.push('the CodeDirectories name different identifiers');

  if (adhoc) {
    const primary = report.codeDirectories.find((cd) => cd.at === blobs.get(0)?.at);
    if (!primary || !(primary.flags & 0x2)) problems.push('the CS_ADHOC flag is not set');
    const cms = blobs.get(CMS_SLOT);
    if (cms && cms.length > 8) problems.push('an ad-hoc signature with a CMS signature in it');
  }

  if (section) {
    const [segmentName, sectionName] = section;
    const found = segments.find((segment) => segment.name === segmentName)?.sections.find((candidate) => candidate.name === sectionName);
    if (!found || !found.size) problems.push(`no ${segmentName},${sectionName} section`);
    else {
      report.section = { offset: found.offset, size: found.size, bytes: bytes.subarray(found.offset, found.offset + found.size) };
      if (found.offset + found.size > dataoff) problems.push(`${segmentName},${sectionName} is not wholly below the code limit, so the hashes do not cover it`);
    }
  }
  return report;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, ...flags] = process.argv.slice(2);
  const { problems, codeDirectories, signature } = verifyMachO(readFileSync(file), { adhoc: flags.includes('--adhoc') });
  for (const cd of codeDirectories) console.log(`CodeDirectory v0x${cd.version.toString(16)} ${HASHES[cd.hashType]?.[0]} flags 0x${cd.flags.toString(16)} identifier ${cd.identifier} pages ${cd.nCodeSlots} code limit ${cd.codeLimit}`);
  if (signature) console.log(`signature at ${signature.offset}, ${signature.length} bytes + ${signature.padding} zero padding`);
  for (const problem of problems) console.log(`problem: ${problem}`);
  process.exit(problems.length ? 1 : 0);
}
