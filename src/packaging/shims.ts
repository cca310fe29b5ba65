/** The release executables a package takes (--shims DIR), each checked against the release's SHA256SUMS. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { failure } from '../errors';
import { releaseName, type DdnPlatform } from './platforms';

export const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** `sha256sum` output: `<hex>  <name>` or `<hex> *<name>` (binary mode). */
export function parseSums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line);
    if (match) sums.set(match[2], match[1].toLowerCase());
  }
  return sums;
}

export interface ShimFolder {
  dir: string;
  sums: Map<string, string>;
  has(platform: DdnPlatform): boolean;
}

export function openShimFolder(dir: string): ShimFolder {
  const sumsFile = path.join(dir, 'SHA256SUMS');
  let text: string;
  try {
    text = fs.readFileSync(sumsFile, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw failure(`cannot read ${sumsFile}: ${code === 'ENOENT' ? 'no such file' : code ?? (error as Error).message}`,
      '--shims names the folder of the downloaded release executables and the release\'s SHA256SUMS');
  }
  const sums = parseSums(text);
  return { dir, sums, has: (platform) => fs.existsSync(path.join(dir, releaseName(platform))) };
}

/** The executable's bytes, refused (exit 1) unless SHA256SUMS lists it with exactly this sha256. */
export function verifiedShim(folder: ShimFolder, platform: DdnPlatform): Buffer {
  const name = releaseName(platform);
  const file = path.join(folder.dir, name);
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw failure(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code ?? (error as Error).message}`,
      `download ${name} from the release into ${folder.dir}, or leave ${platform.selector} out of --platforms`);
  }
  const expected = folder.sums.get(name);
  if (!expected) throw failure(`${file} is not listed in ${path.join(folder.dir, 'SHA256SUMS')}`, 'use the SHA256SUMS of the release the executable comes from');
  const actual = sha256(data);
  if (actual !== expected) {
    throw failure(`${file} does not match SHA256SUMS (sha256 ${actual}, expected ${expected}): it was changed or damaged`,
      `download ${name} again from the release`);
  }
  return data;
}
