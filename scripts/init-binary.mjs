// The static init that the Linux executables embed for PID 1 (src/launch/init.ts): Debian's
// `tini-static` from the `tini` package of the target's architecture, at the version pinned in
// dist-config/init.json, fetched with `apt-get download tini:<arch>=<version>` (the arm64 index
// needs `dpkg --add-architecture arm64`), unpacked under .cache/tini/<version>/<arch>/, checked
// against the pinned sha256 and to be a static ELF for that machine, then brotli-compressed into
// .cache/tini/init-<target>.br. Without it the executable still works (as PID 1 it then supervises
// with Node, without reaping) and the build says so; `--strict` refuses such a build.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants } from 'node:zlib';
import { cacheDir, root } from './node-binaries.mjs';

const pinned = JSON.parse(readFileSync(join(root, 'dist-config', 'init.json'), 'utf8'));

/** Asset key, as src/launch/init.ts reads it. */
export const INIT_ASSET = 'init.br';
/** The compressed init embedded in `target` (kept out of dist/sea/, which each bundle run clears). */
export const initAssetFile = (target) => join(cacheDir, 'tini', `init-${target}.br`);

const TARGETS = { 'linux-x64': { arch: 'amd64', machine: 62 }, 'linux-arm64': { arch: 'arm64', machine: 183 } };

/** A 64-bit little-endian ELF executable for `machine` (e_machine), with no program interpreter (static). */
function isStaticElfFor(bytes, machine) {
  if (bytes.length < 64 || bytes.readUInt32BE(0) !== 0x7f454c46 || bytes[4] !== 2 || bytes[5] !== 1) return false;
  if (bytes.readUInt16LE(18) !== machine) return false;
  const [phoff, phentsize, phnum] = [Number(bytes.readBigUInt64LE(32)), bytes.readUInt16LE(54), bytes.readUInt16LE(56)];
  for (let i = 0; i < phnum; i++) if (bytes.readUInt32LE(phoff + i * phentsize) === 3) return false; // PT_INTERP
  return true;
}

function fromDebianPackage(arch) {
  const dir = join(cacheDir, 'tini', pinned.version, arch);
  const binary = join(dir, 'usr', 'bin', 'tini-static');
  if (existsSync(binary)) return binary;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const spec = `${pinned.debianPackage}:${arch}=${pinned.version}`;
  const download = spawnSync('apt-get', ['download', spec], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  const deb = readdirSync(dir).find((name) => name.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${spec} failed: ${(download.stderr || download.error?.message || '').trim().split('\n').pop()}`);
  const unpack = spawnSync('dpkg-deb', ['-x', join(dir, deb), dir], { encoding: 'utf8', timeout: 60_000 });
  if (unpack.status !== 0 || !existsSync(binary)) throw new Error(`dpkg-deb -x ${deb} failed: ${(unpack.stderr || '').trim()}`);
  return binary;
}

/** Whether `target`'s executable embeds the init (the Linux ones). */
export const hasInit = (target) => target in TARGETS;

/** { [INIT_ASSET]: file } for a Linux target, or {} with a warning when it cannot be had. */
export function initAsset(target, warnings) {
  const spec = TARGETS[target];
  if (!spec) return {};
  try {
    const bytes = readFileSync(fromDebianPackage(spec.arch));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== pinned.sha256[spec.arch]) throw new Error(`tini-static of tini:${spec.arch}=${pinned.version} has sha256 ${sha256}, not the ${pinned.sha256[spec.arch]} pinned in dist-config/init.json`);
    if (!isStaticElfFor(bytes, spec.machine)) throw new Error(`tini-static of tini:${spec.arch} is not a static ${target} executable`);
    const file = initAssetFile(target);
    writeFileSync(file, brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY } }));
    return { [INIT_ASSET]: file };
  } catch (error) {
    warnings.push(`${target}: no init embedded, so as PID 1 it cannot reap orphans (${error.message}; needs apt-get and dpkg-deb${spec.arch === 'arm64' ? ', and dpkg --add-architecture arm64 && apt-get update' : ''})`);
    return {};
  }
}
