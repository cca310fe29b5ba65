// Shared by the package*.test.mjs files: the built executable run with nothing on PATH, and a
// release folder as a connector author downloads it.
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SEA, run, tempDir } from './helpers.mjs';

/** An environment whose PATH holds nothing: no node, no npm, no tar. */
export function bareEnv(extra = {}) {
  const empty = tempDir('ndc-shim-empty-path-');
  const env = { HOME: process.env.HOME ?? '/root', PATH: empty, ...extra };
  return env;
}

/**
 * A release folder as a user downloads it: the executable under its release name and SHA256SUMS.
 * `stand-in` bytes replace the real executable where a test never runs the packed shim: packing
 * the 100 MB executable costs seconds of CPU per run.
 */
export function releaseFolder({ standIn } = {}) {
  const dir = tempDir('ndc-shim-release-');
  const target = join(dir, 'ndc-shim-linux-x64');
  if (standIn) writeFileSync(target, standIn);
  else copyFileSync(SEA, target);
  const sum = createHash('sha256').update(readFileSync(target)).digest('hex');
  writeFileSync(join(dir, 'SHA256SUMS'), `${sum}  ndc-shim-linux-x64\n`);
  return dir;
}

/** A small ELF stand-in for the release executable (see releaseFolder). */
export const SMALL_SHIM = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.alloc(57), Buffer.from('stand-in for ndc-shim-linux-x64\n')]);
export const smallRelease = () => releaseFolder({ standIn: SMALL_SHIM });

export const packageWith = (args, { env = bareEnv(), cwd } = {}) => run(SEA, ['package', ...args], { env, cwd, timeoutMs: 240000 });

