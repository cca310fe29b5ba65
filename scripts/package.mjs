// npm run package -- --manifest FILE --from DIR [--version V] [--out DIR] [--targets a,b]
// One tarball per DDN platform, named by the DDN CLI's selector (<name>-<version>-linux-amd64.tar.gz):
// the connector's files for that platform, the shim (named ndc-shim or ndc-shim.exe), the manifest
// as ndc-shim.json and a SHA256SUMS of all of them; plus the connector-metadata.yaml fragment that
// calls the shim, headed by each platform's selector, tarball and sha256, and a SHA256SUMS of the
// tarballs. Connector files: DIR/<platform>/ for each platform (a DDN selector such as linux-amd64,
// or the shim's target name, linux-x64) plus DIR/common/ when DIR has per-platform folders;
// otherwise every file of DIR, for every platform (a connector in an interpreted language).
// Tarballs are reproducible: sorted, owned by 0, every mtime SOURCE_DATE_EPOCH (default 0), gzip -n.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, copyFileSync, chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_TARGETS, executableName } from './build.mjs';
import { hostTarget, root } from './node-binaries.mjs';

/** The DDN CLI's platform selector for each shim target (ndc-shim-<os>-<arch>[.exe]). */
export const DDN_PLATFORM = { 'linux-x64': 'linux-amd64', 'linux-arm64': 'linux-arm64', 'macos-x64': 'darwin-amd64', 'macos-arm64': 'darwin-arm64', 'win-x64': 'windows-amd64' };
const DDN_PLATFORMS = ALL_TARGETS.map((target) => DDN_PLATFORM[target]);

/** A shim target from either name (linux-x64 or linux-amd64); throws on anything else. */
export function targetOf(name) {
  const target = ALL_TARGETS.find((t) => t === name || DDN_PLATFORM[t] === name);
  if (!target) throw new Error(`unknown platform ${name} (known: ${DDN_PLATFORMS.join(', ')})`);
  return target;
}

function usage(message) {
  console.error(`package: ${message}\nusage: npm run package -- --manifest FILE --from DIR [--version V] [--out DIR] [--targets ${DDN_PLATFORMS.join(',')}]`);
  process.exit(2);
}

/** Files to list in SHA256SUMS: regular files and symlinks to files (node_modules/.bin), as sha256sum -c reads them. */
function filesUnder(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() || (entry.isSymbolicLink() && isFileBehind(join(entry.parentPath ?? entry.path, entry.name))))
    .map((entry) => relative(dir, join(entry.parentPath ?? entry.path, entry.name)))
    .sort();
}

const isFileBehind = (link) => {
  try {
    return statSync(link).isFile();
  } catch {
    return false;
  }
};

export function packageConnector({ manifest, from, version = '0.0.0', out = join(root, 'dist', 'packages'), targets }) {
  if (!existsSync(manifest)) throw new Error(`manifest not found: ${manifest}`);
  if (!existsSync(from) || !statSync(from).isDirectory()) throw new Error(`connector directory not found: ${from}`);
  const hostShim = join(root, 'dist', executableName(hostTarget()));
  if (!existsSync(hostShim)) throw new Error(`${hostShim} is not built: run npm run build first`);
  // The manifest is checked and the metadata written by the shim itself.
  const fragment = execFileSync(hostShim, ['--manifest', resolve(manifest), 'metadata'], { encoding: 'utf8' });
  const { name = basename(resolve(from)) } = JSON.parse(readFileSync(manifest, 'utf8'));
  const wanted = (targets ?? ALL_TARGETS).map(targetOf);
  // A platform's folder is named by its DDN selector or by the shim's target name.
  const folderOf = (target) => [DDN_PLATFORM[target], target].map((name) => join(from, name)).find(existsSync);
  const perTarget = ALL_TARGETS.some(folderOf);
  mkdirSync(out, { recursive: true });
  const written = [];
  const skipped = [];
  const platforms = [];
  const mtime = process.env.SOURCE_DATE_EPOCH ?? '0';
  for (const target of wanted) {
    const platform = DDN_PLATFORM[target];
    if (!existsSync(join(root, 'dist', executableName(target)))) {
      skipped.push(`${platform}: dist/${executableName(target)} is not built`);
      continue;
    }
    if (perTarget && !folderOf(target)) {
      skipped.push(`${platform}: neither ${join(from, platform)} nor ${join(from, target)} exists`);
      continue;
    }
    const staging = mkdtempSync(join(tmpdir(), 'ndc-shim-package-'));
    try {
      const sources = perTarget ? [join(from, 'common'), folderOf(target)].filter(existsSync) : [from];
      // Symlinks stay as written: node_modules/.bin holds relative ones, which cpSync would otherwise make absolute (into this machine's tree).
      for (const source of sources) cpSync(source, staging, { recursive: true, verbatimSymlinks: true });
      const shimName = target.startsWith('win') ? 'ndc-shim.exe' : 'ndc-shim';
      copyFileSync(join(root, 'dist', executableName(target)), join(staging, shimName));
      chmodSync(join(staging, shimName), 0o755);
      copyFileSync(manifest, join(staging, 'ndc-shim.json'));
      rmSync(join(staging, 'SHA256SUMS'), { force: true });
      const sums = filesUnder(staging).map((file) => `${createHash('sha256').update(readFileSync(join(staging, file))).digest('hex')}  ${file}`);
      writeFileSync(join(staging, 'SHA256SUMS'), `${sums.join('\n')}\n`);
      const tarball = join(out, `${name}-${version}-${platform}.tar.gz`);
      const tar = execFileSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', `--mtime=@${mtime}`, '--format=gnu', '-cf', '-', '-C', staging, '.'], { maxBuffer: 2 ** 31 - 1 });
      // GNU gzip, whose output is the same everywhere (Node's zlib may depend on the CPU's features); -n: no name or timestamp.
      writeFileSync(tarball, execFileSync('gzip', ['-n'], { input: tar, maxBuffer: 2 ** 31 - 1 }));
      written.push(tarball);
      platforms.push({ platform, file: basename(tarball), sha256: createHash('sha256').update(readFileSync(tarball)).digest('hex') });
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  writeFileSync(join(out, 'SHA256SUMS'), platforms.map(({ file, sha256 }) => `${sha256}  ${file}\n`).join(''));
  const metadataFile = join(out, 'connector-metadata.yaml');
  const listing = platforms.map(({ platform, file, sha256 }) => `#   ${platform}: ${file} sha256 ${sha256}\n`).join('');
  writeFileSync(metadataFile, `# nativeToolchainDefinition for ${name} ${version}: merge into .hasura-connector/connector-metadata.yaml\n# Platforms (DDN CLI selector: tarball):\n${listing}${fragment}`);
  return { written, skipped, metadataFile };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const option = (name) => {
    const index = args.indexOf(`--${name}`);
    return index === -1 ? undefined : args[index + 1];
  };
  const manifest = option('manifest');
  const from = option('from');
  if (!manifest || !from) usage('--manifest and --from are required');
  const targets = option('targets')?.split(',');
  for (const name of targets ?? []) {
    try { targetOf(name); } catch (error) { usage(error.message); }
  }
  try {
    const { written, skipped, metadataFile } = packageConnector({
      manifest, from, version: option('version'), out: option('out'), targets,
    });
    for (const file of written) console.log(`wrote ${file}`);
    for (const reason of skipped) console.log(`skipped ${reason}`);
    console.log(`wrote ${metadataFile}`);
  } catch (error) {
    console.error(`package: ${error.message}`);
    process.exit(1);
  }
}
