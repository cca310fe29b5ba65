// npm run package -- --manifest FILE --from DIR [--version V] [--out DIR] [--targets a,b]
// One tarball per platform: the connector's files for that platform, the shim (named ndc-shim or
// ndc-shim.exe), the manifest as ndc-shim.json and a SHA256SUMS of all of them; plus the
// connector-metadata.yaml fragment that calls the shim. Connector files: DIR/<target>/ for each
// target (linux-x64, win-x64, ...) plus DIR/common/ when DIR has per-target folders; otherwise
// every file of DIR, for every platform (a connector in an interpreted language).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, copyFileSync, chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_TARGETS, executableName } from './build.mjs';
import { hostTarget, root } from './node-binaries.mjs';

function usage(message) {
  console.error(`package: ${message}\nusage: npm run package -- --manifest FILE --from DIR [--version V] [--out DIR] [--targets ${ALL_TARGETS.join(',')}]`);
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
  const perTarget = ALL_TARGETS.some((target) => existsSync(join(from, target)));
  const available = (targets ?? ALL_TARGETS).filter((target) => existsSync(join(root, 'dist', executableName(target))));
  mkdirSync(out, { recursive: true });
  const written = [];
  const skipped = [];
  for (const target of targets ?? ALL_TARGETS) {
    if (!available.includes(target)) {
      skipped.push(`${target}: dist/${executableName(target)} is not built`);
      continue;
    }
    if (perTarget && !existsSync(join(from, target))) {
      skipped.push(`${target}: ${join(from, target)} does not exist`);
      continue;
    }
    const staging = mkdtempSync(join(tmpdir(), 'ndc-shim-package-'));
    try {
      const sources = perTarget ? [join(from, 'common'), join(from, target)].filter(existsSync) : [from];
      // Symlinks stay as written: node_modules/.bin holds relative ones, which cpSync would otherwise make absolute (into this machine's tree).
      for (const source of sources) cpSync(source, staging, { recursive: true, verbatimSymlinks: true });
      const shimName = target.startsWith('win') ? 'ndc-shim.exe' : 'ndc-shim';
      copyFileSync(join(root, 'dist', executableName(target)), join(staging, shimName));
      chmodSync(join(staging, shimName), 0o755);
      copyFileSync(manifest, join(staging, 'ndc-shim.json'));
      rmSync(join(staging, 'SHA256SUMS'), { force: true });
      const sums = filesUnder(staging).map((file) => `${createHash('sha256').update(readFileSync(join(staging, file))).digest('hex')}  ${file}`);
      writeFileSync(join(staging, 'SHA256SUMS'), `${sums.join('\n')}\n`);
      const tarball = join(out, `${name}-${version}-${target}.tar.gz`);
      execFileSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-czf', tarball, '-C', staging, '.']);
      written.push(tarball);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  const metadataFile = join(out, 'connector-metadata.yaml');
  writeFileSync(metadataFile, `# nativeToolchainDefinition for ${name} ${version}: merge into .hasura-connector/connector-metadata.yaml\n${fragment}`);
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
  try {
    const { written, skipped, metadataFile } = packageConnector({
      manifest, from, version: option('version'), out: option('out'), targets: option('targets')?.split(','),
    });
    for (const file of written) console.log(`wrote ${file}`);
    for (const reason of skipped) console.log(`skipped ${reason}`);
    console.log(`wrote ${metadataFile}`);
  } catch (error) {
    console.error(`package: ${error.message}`);
    process.exit(1);
  }
}
