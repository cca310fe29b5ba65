/** Which OS and machine a binary is for, from its header (ELF, Mach-O, PE), as the executable check reads them. */
import { MACHINES, isElf, isMachO } from '../launch/executable-check';
import type { DdnPlatform } from './platforms';

export interface BinaryKind {
  os: 'linux' | 'darwin' | 'windows';
  /** Node's names (x64, arm64, ia32...) for the machines it contains (a universal Mach-O has several). */
  cpus: string[];
  /** In words: "a Linux x86-64 binary (ELF)". */
  description: string;
}

const ELF_CPU: Record<number, string> = { 62: 'x64', 3: 'ia32', 183: 'arm64', 40: 'arm' };
const MACHO_CPU: Record<number, string> = { 0x01000007: 'x64', 7: 'ia32', 0x0100000c: 'arm64', 12: 'arm' };
const PE_CPU: Record<number, string> = { 0x8664: 'x64', 0x14c: 'ia32', 0xaa64: 'arm64' };
const CPU_WORDS: Record<string, string> = { x64: 'x86-64', ia32: 'x86 (32-bit)', arm64: 'arm64', arm: 'arm (32-bit)' };

/** Undefined for anything that is not a program or library of one of the three formats. */
export function binaryKind(head: Uint8Array): BinaryKind | undefined {
  const data = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (isElf(head) && data.length >= 20) {
    const littleEndian = data[5] !== 2;
    const type = littleEndian ? data.readUInt16LE(16) : data.readUInt16BE(16);
    if (type !== 2 && type !== 3) return undefined; // object files and core dumps are not run
    const machine = littleEndian ? data.readUInt16LE(18) : data.readUInt16BE(18);
    const cpu = ELF_CPU[machine] ?? `elf-${machine}`;
    return { os: 'linux', cpus: [cpu], description: `a Linux ${CPU_WORDS[cpu] ?? MACHINES[machine] ?? `machine ${machine}`} binary (ELF)` };
  }
  if (isMachO(head) && data.length >= 8) {
    const magic = data.readUInt32BE(0);
    if (magic === 0xcafebabe) {
      const count = data.readUInt32BE(4);
      if (count >= 45) return undefined; // a Java class file shares the magic
      const cpus = Array.from({ length: count }, (_, index) => 8 + index * 20).filter((at) => at + 4 <= data.length)
        .map((at) => MACHO_CPU[data.readUInt32BE(at)] ?? 'other');
      return { os: 'darwin', cpus, description: `a macOS universal binary (Mach-O: ${cpus.map((cpu) => CPU_WORDS[cpu] ?? cpu).join(', ')})` };
    }
    const cputype = magic === 0xfeedface || magic === 0xfeedfacf ? data.readUInt32BE(4) : data.readUInt32LE(4);
    const cpu = MACHO_CPU[cputype] ?? 'other';
    return { os: 'darwin', cpus: [cpu], description: `a macOS ${CPU_WORDS[cpu] ?? 'other machine'} binary (Mach-O)` };
  }
  if (data.length >= 0x40 && data[0] === 0x4d && data[1] === 0x5a) {
    const peOffset = data.readUInt32LE(0x3c);
    if (peOffset + 6 > data.length || data.readUInt32BE(peOffset) !== 0x50450000) return undefined;
    const cpu = PE_CPU[data.readUInt16LE(peOffset + 4)] ?? 'other';
    return { os: 'windows', cpus: [cpu], description: `a Windows ${CPU_WORDS[cpu] ?? 'other machine'} binary (PE)` };
  }
  return undefined;
}

/** Machines each platform runs: a 64-bit x86 system also runs 32-bit x86 programs. */
const RUNS: Record<string, string[]> = { x64: ['x64', 'ia32'], arm64: ['arm64'] };

export const runsOn = (kind: BinaryKind, platform: DdnPlatform) =>
  kind.os === platform.os && kind.cpus.some((cpu) => RUNS[platform.cpu].includes(cpu));
