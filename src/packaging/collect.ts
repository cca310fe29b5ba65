/**
 * What goes into each platform's package from the connector's folder (--from): DIR/<platform>/
 * (selector or target name) over DIR/common/ when DIR has per-platform folders, else all of DIR
 * for every platform. Python's bytecode caches (__pycache__, *.pyc) are left out: they are rebuilt
 * on the target and tie the package to the build's Python. Symlinks stay links, as written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { failure } from '../errors';
import { DDN_PLATFORMS, folderNames, type DdnPlatform } from './platforms';
import type { TarEntry } from './tarball';

/** The names the package writes itself at its root: a connector's own copies are replaced. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['ndc-shim', 'ndc-shim.exe', 'ndc-shim.json', 'SHA256SUMS']);

const isLeftOut = (name: string, isDirectory: boolean) => (isDirectory ? name === '__pycache__' : name.endsWith('.pyc'));

export interface Layout {
  perPlatform: boolean;
  /** Source folders for a platform, in order (later ones win), or undefined when it has none. */
  sourcesFor(platform: DdnPlatform): string[] | undefined;
}

export function layoutOf(from: string): Layout {
  const folderOf = (platform: DdnPlatform) => folderNames(platform).map((name) => path.join(from, name)).find((dir) => isDirectory(dir));
  const perPlatform = DDN_PLATFORMS.some(folderOf);
  const common = path.join(from, 'common');
  return {
    perPlatform,
    sourcesFor(platform) {
      if (!perPlatform) return [from];
      const own = folderOf(platform);
      if (!own) return undefined;
      return isDirectory(common) ? [common, own] : [own];
    },
  };
}

function isDirectory(dir: string) {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** File contents read once, shared by every platform that packs the same file. */
export type ReadCache = Map<string, Buffer>;

/**
 * The entries under `sources`, paths relative with `/`; `skip` holds absolute paths never to
 * enter (the output folder when it sits inside the connector's).
 */
export function collectEntries(sources: readonly string[], skip: ReadonlySet<string>, cache: ReadCache): TarEntry[] {
  const entries = new Map<string, TarEntry>();
  const walk = (dir: string, prefix: string) => {
    let names: fs.Dirent[];
    try {
      names = fs.readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      throw failure(`cannot read ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'check that the connector folder is readable');
    }
    for (const dirent of names) {
      const absolute = path.join(dir, dirent.name);
      const name = prefix ? `${prefix}/${dirent.name}` : dirent.name;
      if (skip.has(absolute) || (!prefix && RESERVED_NAMES.has(dirent.name))) continue;
      if (dirent.isSymbolicLink()) {
        entries.set(name, { name, type: 'symlink', target: fs.readlinkSync(absolute).replace(/\\/g, '/') });
      } else if (dirent.isDirectory()) {
        if (isLeftOut(dirent.name, true)) continue;
        entries.set(name, { name, type: 'directory' });
        walk(absolute, name);
      } else if (dirent.isFile()) {
        if (isLeftOut(dirent.name, false)) continue;
        let data = cache.get(absolute);
        if (!data) cache.set(absolute, (data = readFile(absolute)));
        entries.set(name, { name, type: 'file', data, executable: isExecutableContent(data) });
      } else {
        throw failure(`${absolute} is neither a file, a folder nor a symlink (a socket, FIFO or device)`, 'remove it from the connector folder');
      }
    }
  };
  for (const source of sources) walk(source, '');
  return [...entries.values()];
}

function readFile(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw failure(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'check that the connector folder is readable');
  }
}

/**
 * Mode 755 for what a system runs (a `#!` script, an ELF, Mach-O or PE binary), 644 for the rest:
 * decided from the bytes, not the file's mode, which Windows does not have (the same tarball from any OS).
 */
export function isExecutableContent(data: Uint8Array): boolean {
  if (data.length < 4) return false;
  if (data[0] === 0x23 && data[1] === 0x21) return true;
  if (data[0] === 0x4d && data[1] === 0x5a) return true;
  const magic = Buffer.from(data.subarray(0, 4)).readUInt32BE(0);
  return magic === 0x7f454c46 || [0xfeedface, 0xcefaedfe, 0xfeedfacf, 0xcffaedfe].includes(magic)
    || (magic === 0xcafebabe && data.length >= 8 && Buffer.from(data.subarray(4, 8)).readUInt32BE(0) < 45);
}
