/**
 * What cannot work once a package is unpacked on another machine, found before it is written:
 * symlinks that are absolute or leave the package, virtualenvs tied to the build machine's
 * Python, `#!` lines naming the build tree or a path outside the system, and binaries for
 * another OS or machine. Each finding is refused unless its kind is allowed (then a warning).
 */
import * as path from 'node:path';
import { binaryKind, runsOn } from './binary-format';
import type { DdnPlatform } from './platforms';
import type { TarEntry } from './tarball';

export const LINT_KINDS = ['symlink', 'venv', 'shebang', 'foreign-binary'] as const;
export type LintKind = (typeof LINT_KINDS)[number];

export interface Finding {
  kind: LintKind;
  /** The entry's path inside the package. */
  file: string;
  problem: string;
  fix: string;
}

/** Interpreters every target system has at these paths (`#!/usr/bin/env python3` is the portable form). */
const SYSTEM_DIRS = ['/bin/', '/usr/bin/', '/sbin/', '/usr/sbin/'];

const isAbsoluteAnywhere = (target: string) => target.startsWith('/') || /^[A-Za-z]:[\\/]/.test(target) || target.startsWith('\\');

/** `buildTree`: the connector folder's absolute path (with `/` separators), where nothing may point. */
export function lintPackage(entries: readonly TarEntry[], platform: DdnPlatform, buildTree: string): Finding[] {
  const findings: Finding[] = [];
  const inBuildTree = (file: string) => file === buildTree || file.startsWith(`${buildTree.replace(/\/$/, '')}/`);
  for (const entry of entries) {
    if (entry.type === 'symlink') {
      const { target } = entry;
      if (isAbsoluteAnywhere(target)) {
        findings.push({ kind: 'symlink', file: entry.name, problem: `is a symlink to the absolute path ${target}, which the target machine does not have`,
          fix: 'make it relative to a file inside the package, or replace it with a copy' });
      } else {
        const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(entry.name), target));
        if (resolved === '..' || resolved.startsWith('../')) {
          findings.push({ kind: 'symlink', file: entry.name, problem: `is a symlink to ${target}, outside the package`,
            fix: 'point it at a file inside the package, or replace it with a copy' });
        }
      }
      continue;
    }
    if (entry.type !== 'file') continue;
    const { data } = entry;
    if (path.posix.basename(entry.name) === 'pyvenv.cfg') {
      const home = /^\s*home\s*=\s*(.*?)\s*$/m.exec(Buffer.from(data).toString('utf8'))?.[1];
      if (home && isAbsoluteAnywhere(home)) {
        findings.push({ kind: 'venv', file: entry.name, problem: `is a virtualenv whose Python is ${home} on the build machine (home is absolute: not relocatable)`,
          fix: `vendor the dependencies with pip install --target DIR (and put DIR in PYTHONPATH), or ship a relocatable Python` });
      }
      continue;
    }
    if (data[0] === 0x23 && data[1] === 0x21) {
      const line = Buffer.from(data.subarray(0, Math.min(data.length, 256))).toString('utf8').split('\n')[0].replace(/\r$/, '');
      const interpreter = line.slice(2).trim().split(/[ \t]/)[0] ?? '';
      if (!interpreter.startsWith('/')) continue;
      if (inBuildTree(interpreter)) {
        findings.push({ kind: 'shebang', file: entry.name, problem: `has #!${interpreter}, inside the build tree, which the target machine does not have`,
          fix: 'make its first line #!/usr/bin/env NAME, or run it through the interpreter in ndc-shim.json' });
      } else if (!SYSTEM_DIRS.some((dir) => interpreter.startsWith(dir))) {
        findings.push({ kind: 'shebang', file: entry.name, problem: `has #!${interpreter}, outside the package and the system directories`,
          fix: 'make its first line #!/usr/bin/env NAME, or run it through the interpreter in ndc-shim.json' });
      }
      continue;
    }
    const kind = binaryKind(data.subarray(0, 4096));
    if (kind && !runsOn(kind, platform)) {
      findings.push({ kind: 'foreign-binary', file: entry.name, problem: `is ${kind.description}, for another OS or machine`,
        fix: 'put per-platform files in FROM/<platform>/ folders (DDN selector names; shared ones in FROM/common/), or leave it out' });
    }
  }
  return findings;
}
