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

/** A release folder as a user downloads it: the executable under its release name and SHA256SUMS. */
export function releaseFolder() {
  const dir = tempDir('ndc-shim-release-');
  copyFileSync(SEA, join(dir, 'ndc-shim-linux-x64'));
  const sum = createHash('sha256').update(readFileSync(SEA)).digest('hex');
  writeFileSync(join(dir, 'SHA256SUMS'), `${sum}  ndc-shim-linux-x64\n`);
  return dir;
}

export const packageWith = (args, { env = bareEnv(), cwd } = {}) => run(SEA, ['package', ...args], { env, cwd, timeoutMs: 240000 });

