/**
 * connector-metadata.yaml: the nativeToolchainDefinition block the shim generates, put into the
 * connector's own file by replacing that one top-level block as text (every other byte, comments
 * included, stays as it was: a YAML round trip would lose them), plus the hub's
 * connector-packaging.json. See docs of the DDN release artifacts in the README "Ship your connector".
 */
import type { LaunchCommand } from '../cli';
import { metadataYaml } from '../metadata-yaml';

export interface PackageReference {
  selector: string;
  uri: string;
  sha256: string;
  /** The executable the DDN CLI runs, inside the unpacked package. */
  bin: string;
}

const yamlQuote = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The block, with the per-platform `packages` the DDN CLI downloads when they are known. */
export function toolchainBlock(commands: readonly LaunchCommand[], packages: readonly PackageReference[]): string {
  const [head, ...rest] = metadataYaml(commands).split('\n');
  if (!packages.length) return [head, ...rest].join('\n');
  const entries = packages.flatMap(({ selector, uri, sha256, bin }) => [
    `    - selector: ${selector}`, `      uri: ${yamlQuote(uri)}`, `      sha256: ${sha256}`, `      bin: ${bin}`]);
  return [head, '  packages:', ...entries, ...rest].join('\n');
}

/** Where the top-level key's block is in `text`: from its line to the next top-level key (comments before that key stay with it). */
export function findBlock(text: string, key = 'nativeToolchainDefinition'): { start: number; end: number } | undefined {
  const lines = text.split(/(?<=\n)/);
  let offset = 0;
  let start: number | undefined;
  let startLine = 0;
  const offsets: number[] = [];
  for (const [index, line] of lines.entries()) {
    offsets.push(offset);
    if (start === undefined && new RegExp(`^${key}\\s*:`).test(line)) {
      start = offset;
      startLine = index;
    }
    offset += line.length;
  }
  offsets.push(offset);
  if (start === undefined) return undefined;
  let endLine = lines.length;
  for (let index = startLine + 1; index < lines.length; index++) {
    const line = lines[index];
    if (/^[^\s#]/.test(line)) {
      endLine = index;
      break;
    }
  }
  // Blank lines and column-0 comments just before the next key belong to it.
  if (endLine < lines.length) {
    while (endLine - 1 > startLine && /^(#.*)?\r?\n?$/.test(lines[endLine - 1])) endLine--;
  }
  return { start, end: offsets[endLine] };
}

/** `existing` with its nativeToolchainDefinition replaced by `block` (added at the end when it has none), in its own line endings. */
export function replaceBlock(existing: string, block: string): string {
  const crlf = /\r\n/.test(existing);
  const fitted = crlf ? block.replace(/\n/g, '\r\n') : block;
  const found = findBlock(existing);
  if (!found) return `${existing}${existing === '' || existing.endsWith('\n') ? '' : crlf ? '\r\n' : '\n'}${fitted}`;
  const after = existing.slice(found.end);
  return `${existing.slice(0, found.start)}${fitted}${after}`;
}

/** A connector-metadata.yaml with nothing but what is required beside the block. */
export function minimalMetadata(block: string, name: string, version: string): string {
  return `# connector-metadata.yaml for ${name} ${version}, written by ndc-shim package\n`
    + 'packagingDefinition:\n  type: ManagedDockerBuild\nsupportedEnvironmentVariables: []\ncommands: {}\ndockerComposeWatch: []\n'
    + block;
}

/** The hub's registry entry (registry/<ns>/<name>/releases/<version>/connector-packaging.json). */
export function connectorPackaging(version: string, uri: string, sha256: string): string {
  return `${JSON.stringify({ version: `v${version}`, uri, checksum: { type: 'sha256', value: sha256 } }, null, 2)}\n`;
}

/** Semantic versioning 2.0.0, without the leading v. */
export const isSemver = (version: string) =>
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/.test(version);
