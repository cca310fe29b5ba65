/**
 * `ndc-shim metadata --check FILE`, for a connector's CI: is FILE's nativeToolchainDefinition what
 * the manifest generates? Compared line by line, ignoring blank and comment lines, CRs, and the
 * `packages` list (written by `package --base-uri`, which the manifest alone cannot know).
 */
import * as fs from 'node:fs';
import { ExitCode, ShimError, configError } from '../errors';
import { writeOut } from '../output';
import { findBlock } from '../packaging/metadata';
import type { LaunchCommand } from '../cli';
import { metadataYaml } from '../metadata-yaml';

const significant = (line: string) => line.trim() !== '' && !/^\s*#/.test(line);

/** The block's lines without its `packages:` entry and what is indented under it. */
export function comparableLines(block: string): string[] {
  const lines = block.replace(/\r/g, '').split('\n').filter(significant);
  const kept: string[] = [];
  let skipIndent: number | undefined;
  for (const line of lines) {
    const indent = line.length - line.trimStart().length;
    if (skipIndent !== undefined) {
      if (indent > skipIndent || (indent === skipIndent && line.trimStart().startsWith('- '))) continue;
      skipIndent = undefined;
    }
    if (/^\s+packages\s*:/.test(line) && indent > 0) {
      skipIndent = indent;
      continue;
    }
    kept.push(line.replace(/\s+$/, ''));
  }
  return kept;
}

/** A line diff (longest common subsequence): `- ` expected, `+ ` found. */
export function lineDiff(expected: readonly string[], found: readonly string[]): string[] {
  const rows = expected.length;
  const cols = found.length;
  const common: number[][] = Array.from({ length: rows + 1 }, () => new Array<number>(cols + 1).fill(0));
  for (let i = rows - 1; i >= 0; i--) {
    for (let j = cols - 1; j >= 0; j--) {
      common[i][j] = expected[i] === found[j] ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < rows || j < cols) {
    if (i < rows && j < cols && expected[i] === found[j]) { i++; j++; }
    else if (j < cols && (i === rows || common[i][j + 1] >= common[i + 1][j])) out.push(`+ ${found[j++]}`);
    else out.push(`- ${expected[i++]}`);
  }
  return out;
}

export function checkMetadata(file: string, commands: readonly LaunchCommand[]): number {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw configError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code ?? (error as Error).message}`, 'name the connector-metadata.yaml to check with --check');
  }
  const found = findBlock(text);
  if (!found) {
    throw new ShimError(`${file} has no top-level nativeToolchainDefinition`, ExitCode.failure,
      'add the one `ndc-shim metadata` prints, or write the file with `ndc-shim package --metadata FILE`');
  }
  const diff = lineDiff(comparableLines(metadataYaml(commands)), comparableLines(text.slice(found.start, found.end)));
  if (!diff.length) {
    writeOut(`${file}: nativeToolchainDefinition is what the manifest generates\n`);
    return 0;
  }
  writeOut(`--- generated from the manifest\n+++ ${file}\n${diff.join('\n')}\n`);
  throw new ShimError(`${file}'s nativeToolchainDefinition differs from what the manifest generates (lines above)`, ExitCode.failure,
    'replace it with what `ndc-shim metadata` prints, or write the file with `ndc-shim package --metadata FILE`');
}
