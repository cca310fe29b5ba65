/**
 * Reproducible .tar.gz, written by the shim itself (tar-stream from the extras bundle, zlib from
 * the runtime): entries sorted by name, owner and group 0 with no names, one mtime for all
 * (SOURCE_DATE_EPOCH or 0), modes normalised, fixed deflate settings, and a gzip header with no
 * name, no time and the same OS byte wherever it runs. Same entries in, same bytes out, on any OS.
 */
import * as zlib from 'node:zlib';
import { loadExtras } from '../libraries';

export type TarEntry =
  | { name: string; type: 'file'; data: Uint8Array; executable: boolean }
  | { name: string; type: 'symlink'; target: string }
  | { name: string; type: 'directory' };

/** gzip's OS byte for Unix: zlib writes its build's own (10 on Windows), which would differ by OS. */
const GZIP_OS_UNIX = 3;

/** Paths inside the tarball, `./`-prefixed as `tar -C dir .` writes them; `entries` use `/` separators without it. */
export async function tarGz(entries: readonly TarEntry[], mtimeSeconds: number): Promise<Buffer> {
  const { tarStream } = loadExtras();
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (chunk) => { chunks.push(Buffer.from(chunk as Uint8Array)); });
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  const common = { mtime: new Date(mtimeSeconds * 1000), uid: 0, gid: 0, uname: '', gname: '' };
  const add = (header: Parameters<typeof pack.entry>[0], data?: Uint8Array) => new Promise<void>((resolve, reject) => {
    const callback = (error?: Error | null) => (error ? reject(error) : resolve());
    if (data) pack.entry(header, data, callback);
    else pack.entry(header, callback);
  });
  await add({ ...common, name: './', type: 'directory', mode: 0o755 });
  // Sorted by UTF-16 code units of the /-separated path, the same on every OS.
  for (const entry of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const name = `./${entry.name}`;
    if (entry.type === 'directory') await add({ ...common, name, type: 'directory', mode: 0o755 });
    else if (entry.type === 'symlink') await add({ ...common, name, type: 'symlink', linkname: entry.target, mode: 0o777 });
    else await add({ ...common, name, type: 'file', mode: entry.executable ? 0o755 : 0o644, size: entry.data.byteLength }, entry.data);
  }
  pack.finalize();
  await done;
  return gzip(Buffer.concat(chunks));
}

export function gzip(data: Uint8Array): Buffer {
  const compressed = zlib.gzipSync(data, { level: 6, memLevel: 8, windowBits: 15, strategy: zlib.constants.Z_DEFAULT_STRATEGY });
  compressed[9] = GZIP_OS_UNIX;
  return compressed;
}
