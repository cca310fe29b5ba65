/**
 * `ndc-shim package`: the connector's release from the release executables alone. Plans every
 * output in memory (tarballs, SHA256SUMS, metadata), refuses what the lint finds, then writes
 * them all or nothing (see writeOutputs).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExitCode, ShimError, configError, failure, usageError } from '../errors';
import type { Logger } from '../logging';
import { commandsOnAnyPlatform, loadManifest } from '../manifest';
import { writeOut } from '../output';
import { collectEntries, layoutOf, type ReadCache } from '../packaging/collect';
import { LINT_KINDS, lintPackage, type Finding, type LintKind } from '../packaging/lint';
import { connectorPackaging, isSemver, minimalMetadata, replaceBlock, toolchainBlock, type PackageReference } from '../packaging/metadata';
import { DDN_PLATFORMS, platformNamed, releaseName, shimNameInPackage, type DdnPlatform } from '../packaging/platforms';
import { openShimFolder, sha256, verifiedShim } from '../packaging/shims';
import { tarGz, type TarEntry } from '../packaging/tarball';
import { writeOutputs } from '../packaging/write';

export const PACKAGE_USAGE = 'ndc-shim package --manifest FILE --from DIR --shims DIR --out DIR [--version V] [--base-uri URL] [--platforms linux-amd64,...] [--metadata FILE] [--allow KIND]';
/** The connector definition tarball's name (the hub stores its URI, any name works). */
export const DEFINITION_TARBALL = 'connector-definition.tgz';

export interface PackageOptions {
  manifest: string;
  from: string;
  shims: string;
  out: string;
  version: string;
  baseUri?: string;
  platforms?: DdnPlatform[];
  metadata?: string;
  allow: Set<LintKind>;
}

const VALUE_OPTIONS = new Set(['manifest', 'from', 'shims', 'out', 'version', 'base-uri', 'platforms', 'metadata', 'allow']);

export function parsePackageArgs(args: readonly string[], manifestBefore?: string): PackageOptions | 'help' {
  const values = new Map<string, string[]>();
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (arg === '--help' || arg === '-h') return 'help';
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    if (!match) throw usageError(`unexpected argument '${arg}' for package`, `usage: ${PACKAGE_USAGE}`);
    const [, name, inline] = match;
    if (!VALUE_OPTIONS.has(name)) throw usageError(`unknown option --${name} for package`, `usage: ${PACKAGE_USAGE}`);
    let value = inline;
    if (value === undefined) {
      if (index + 1 >= args.length) throw usageError(`option --${name} needs a value`, `usage: ${PACKAGE_USAGE}`);
      value = args[++index];
    }
    if (value === '') throw usageError(`option --${name} needs a non-empty value`, `usage: ${PACKAGE_USAGE}`);
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  const one = (name: string) => values.get(name)?.at(-1);
  const manifest = one('manifest') ?? manifestBefore;
  const missing = [manifest ? undefined : '--manifest', ...['from', 'shims', 'out'].map((name) => (one(name) ? undefined : `--${name}`))].filter(Boolean);
  if (missing.length) throw usageError(`package needs ${missing.join(', ')}`, `usage: ${PACKAGE_USAGE}`);
  const version = (one('version') ?? '0.0.0').replace(/^v(?=\d)/, '');
  if (!isSemver(version)) throw usageError(`--version must be a semantic version such as 1.2.3, not '${one('version')}'`, 'the hub requires v + semver; pass e.g. --version 1.2.3');
  const baseUri = one('base-uri');
  if (baseUri !== undefined && !/^https?:\/\/[^\s/]+/.test(baseUri)) {
    throw usageError(`--base-uri must be an http or https URL, not '${baseUri}'`, 'pass the folder URL the tarballs are downloaded from, e.g. https://github.com/OWNER/REPO/releases/download/v1.2.3');
  }
  let platforms: DdnPlatform[] | undefined;
  if (one('platforms') !== undefined) {
    platforms = [];
    for (const name of one('platforms')!.split(',').map((item) => item.trim()).filter(Boolean)) {
      const platform = platformNamed(name);
      if (!platform) throw usageError(`unknown platform '${name}' in --platforms`, `known: ${DDN_PLATFORMS.map((item) => item.selector).join(', ')}`);
      if (!platforms.includes(platform)) platforms.push(platform);
    }
    if (!platforms.length) throw usageError('--platforms names no platform', `known: ${DDN_PLATFORMS.map((item) => item.selector).join(', ')}`);
  }
  const allow = new Set<LintKind>();
  for (const kind of (values.get('allow') ?? []).flatMap((value) => value.split(',')).map((item) => item.trim()).filter(Boolean)) {
    if (!(LINT_KINDS as readonly string[]).includes(kind)) throw usageError(`unknown kind '${kind}' for --allow`, `kinds: ${LINT_KINDS.join(', ')}`);
    allow.add(kind as LintKind);
  }
  return {
    manifest: manifest!, from: one('from')!, shims: one('shims')!, out: one('out')!, version, baseUri, platforms, metadata: one('metadata'), allow,
  };
}

const toPosix = (file: string) => file.replace(/\\/g, '/');

/** SHA256SUMS inside a package: files, and symlinks that lead to one inside it (sha256sum -c follows them). */
function packageSums(entries: readonly TarEntry[]): string {
  const byName = new Map(entries.map((entry) => [entry.name, entry]));
  const fileBehind = (entry: TarEntry, depth = 0): Uint8Array | undefined => {
    if (entry.type === 'file') return entry.data;
    if (entry.type !== 'symlink' || depth > 40) return undefined;
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(entry.name), entry.target));
    const next = byName.get(target);
    return next && fileBehind(next, depth + 1);
  };
  const lines: string[] = [];
  for (const entry of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const data = fileBehind(entry);
    if (data) lines.push(`${sha256(data)}  ${entry.name}\n`);
  }
  return lines.join('');
}

const mtimeSeconds = () => {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch === undefined || epoch === '') return 0;
  if (!/^\d+$/.test(epoch)) throw usageError(`SOURCE_DATE_EPOCH must be a number of seconds, not '${epoch}'`, 'unset it, or set it to e.g. the last commit\'s time (git log -1 --format=%ct)');
  return Number(epoch);
};

function readInput(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw configError(`cannot read ${what} ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code ?? (error as Error).message}`, `check the path given to ${what === 'metadata' ? '--metadata' : '--manifest'}`);
  }
}

export async function runPackage(options: PackageOptions, logger: Logger): Promise<number> {
  const mtime = mtimeSeconds();
  const loaded = loadManifest(path.resolve(options.manifest), true)!;
  const manifestBytes = fs.readFileSync(loaded.file);
  const from = path.resolve(options.from);
  let fromStat: fs.Stats | undefined;
  try { fromStat = fs.statSync(from); } catch { /* reported below */ }
  if (!fromStat?.isDirectory()) throw failure(`the connector folder ${from} ${fromStat ? 'is not a folder' : 'does not exist'}`, 'point --from at the folder holding the connector\'s files');
  const out = path.resolve(options.out);
  const name = loaded.manifest.name ?? path.basename(from);
  const existingMetadata = options.metadata === undefined ? undefined : readInput(options.metadata, 'metadata');
  const shims = openShimFolder(path.resolve(options.shims));
  const layout = layoutOf(from);

  // Which platforms: those asked for (each must have its executable and, per platform, its folder), else every one that can be packed.
  const platforms: DdnPlatform[] = [];
  for (const platform of options.platforms ?? DDN_PLATFORMS) {
    const why = !shims.has(platform) ? `no ${releaseName(platform)} in ${shims.dir}`
      : !layout.sourcesFor(platform) ? `no ${platform.selector}/ (or ${platform.target}/) folder in ${from}` : undefined;
    if (!why) platforms.push(platform);
    else if (options.platforms) throw failure(`cannot package ${platform.selector}: ${why}`, `add it, or leave ${platform.selector} out of --platforms`);
    else writeOut(`skipped ${platform.selector}: ${why}\n`);
  }
  if (!platforms.length) throw failure(`nothing to package: no platform has both its release executable in ${shims.dir} and its files in ${from}`, 'put the release executables (ndc-shim-linux-x64, ...) and SHA256SUMS in the --shims folder');

  const cache: ReadCache = new Map();
  // Neither the output nor the release folder is packed when it sits inside the connector's.
  const skip = new Set([out, shims.dir]);
  const planned: { platform: DdnPlatform; file: string; entries: TarEntry[] }[] = [];
  const findings = new Map<string, { finding: Finding; platforms: string[] }>();
  for (const platform of platforms) {
    const entries = collectEntries(layout.sourcesFor(platform)!, skip, cache);
    for (const finding of lintPackage(entries, platform, toPosix(from))) {
      const key = `${finding.kind}\0${finding.file}\0${finding.problem}`;
      const seen = findings.get(key);
      if (seen) seen.platforms.push(platform.selector);
      else findings.set(key, { finding, platforms: [platform.selector] });
    }
    const shim = verifiedShim(shims, platform);
    entries.push({ name: shimNameInPackage(platform), type: 'file', data: shim, executable: true });
    entries.push({ name: 'ndc-shim.json', type: 'file', data: manifestBytes, executable: false });
    entries.push({ name: 'SHA256SUMS', type: 'file', data: Buffer.from(packageSums(entries)), executable: false });
    planned.push({ platform, file: `${name}-${options.version}-${platform.selector}.tar.gz`, entries });
  }
  let refused = 0;
  for (const { finding, platforms: where } of findings.values()) {
    const line = `${where.join(', ')}: ${finding.file} ${finding.problem}; fix: ${finding.fix} (or --allow ${finding.kind})`;
    if (options.allow.has(finding.kind)) logger.warn(line);
    else {
      logger.error(line);
      refused++;
    }
  }
  if (refused) throw new ShimError(`package refused: ${refused} problem${refused > 1 ? 's' : ''} above would break the connector on another machine; nothing was written`, ExitCode.failure, 'fix each one, or pass --allow KIND to accept a kind');

  const outputs = new Map<string, Buffer>();
  const references: PackageReference[] = [];
  const base = options.baseUri?.replace(/\/+$/, '');
  for (const { platform, file, entries } of planned) {
    const tarball = await tarGz(entries, mtime);
    outputs.set(file, tarball);
    references.push({ selector: platform.selector, uri: `${base}/${file}`, sha256: sha256(tarball), bin: shimNameInPackage(platform) });
  }
  const commands = commandsOnAnyPlatform(loaded.manifest);
  let block = toolchainBlock(commands, base ? references : []);
  if (!base) {
    const listing = references.map(({ selector, sha256: sum }) => `#   ${selector}: ${name}-${options.version}-${selector}.tar.gz sha256 ${sum}\n`).join('');
    block = `# Packages (DDN CLI selector: tarball); pass --base-uri to list them as packages:\n${listing}${block}`;
  }
  const metadata = existingMetadata === undefined ? minimalMetadata(block, name, options.version) : replaceBlock(existingMetadata, block);
  outputs.set('connector-metadata.yaml', Buffer.from(metadata));
  if (base) {
    const definition: TarEntry[] = [{ name: '.hasura-connector', type: 'directory' }];
    const metadataDir = options.metadata && path.dirname(path.resolve(options.metadata));
    if (metadataDir && path.basename(metadataDir) === '.hasura-connector') {
      // The definition's other files (scripts, Dockerfile) travel with it; the metadata is the one just written.
      const others = collectEntries([metadataDir], new Set([path.join(metadataDir, 'connector-metadata.yaml'), out]), cache);
      definition.push(...others.map((entry) => ({ ...entry, name: `.hasura-connector/${entry.name}` })));
    }
    definition.push({ name: '.hasura-connector/connector-metadata.yaml', type: 'file', data: Buffer.from(metadata), executable: false });
    const tarball = await tarGz(definition, mtime);
    outputs.set(DEFINITION_TARBALL, tarball);
    outputs.set('connector-packaging.json', Buffer.from(connectorPackaging(options.version, `${base}/${DEFINITION_TARBALL}`, sha256(tarball))));
  }
  const sums = [...outputs].filter(([file]) => file.endsWith('.tar.gz') || file.endsWith('.tgz')).sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([file, data]) => `${sha256(data)}  ${file}\n`).join('');
  outputs.set('SHA256SUMS', Buffer.from(sums));
  writeOutputs(out, outputs);
  for (const file of outputs.keys()) writeOut(`wrote ${path.join(out, file)}\n`);
  return 0;
}
