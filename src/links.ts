/**
 * What a file that "is there but does not run" really is: a symbolic link whose target is missing
 * (followed link by link), or a program inside a virtualenv whose `pyvenv.cfg` names a `home` that
 * is not on this machine. A leaf: the resolution and the checks both ask it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Links followed before giving up: the kernel's own limit (ELOOP is reported elsewhere). */
const MAX_LINKS = 40;

/**
 * When `file` is a symbolic link (or a chain of them) that ends at a file that does not exist:
 * that missing target, absolute. Otherwise undefined (not a link, a loop, or the target exists).
 */
export function danglingLinkTarget(file: string): string | undefined {
  let current = file;
  for (let hop = 0; hop < MAX_LINKS; hop++) {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(current);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return hop > 0 && (code === 'ENOENT' || code === 'ENOTDIR') ? current : undefined;
    }
    if (!stat.isSymbolicLink()) return undefined;
    try {
      current = path.resolve(path.dirname(current), fs.readlinkSync(current));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** What reading a virtualenv needs of the file system (the planner's view has it). */
export interface VirtualenvView {
  kind(file: string): 'file' | 'directory' | 'missing';
  readText(file: string): string | undefined;
}

export interface Virtualenv {
  dir: string;
  config: string;
  /** The `home` line: the directory of the Python the virtualenv was made from. */
  home?: string;
  homeExists: boolean;
}

/**
 * The virtualenv `file` belongs to, when it sits in one's bin/ (Scripts\ on Windows): the
 * directory above holds `pyvenv.cfg`. A virtualenv is tied to the Python it was made from (its
 * `home`): copied to a machine without that Python, its interpreter is a dangling link or finds no
 * standard library.
 */
export function virtualenvOf(file: string, view: VirtualenvView, pathModule: Pick<typeof path, 'dirname' | 'join'> = path): Virtualenv | undefined {
  const dir = pathModule.dirname(pathModule.dirname(file));
  const config = pathModule.join(dir, 'pyvenv.cfg');
  const text = view.readText(config);
  if (text === undefined) return undefined;
  const home = /^\s*home\s*=\s*(.*?)\s*$/m.exec(text)?.[1] || undefined;
  return { dir, config, home, homeExists: home !== undefined && view.kind(home) === 'directory' };
}

/** The fix for a virtualenv made elsewhere: it cannot be repaired by copying, only recreated or replaced. */
export const virtualenvFix = (venv: Virtualenv) =>
  `recreate the virtualenv on this machine (python3 -m venv --clear ${venv.dir}, then install its packages again), or vendor the packages with pip install --target and run this machine's python with PYTHONPATH pointing there`;

/** "part of a virtualenv made on another machine (...)", when `file` is in one whose home is missing. */
export function foreignVirtualenv(file: string, view: VirtualenvView, pathModule?: Pick<typeof path, 'dirname' | 'join'>): { reason: string; fix: string } | undefined {
  const venv = virtualenvOf(file, view, pathModule);
  if (!venv || venv.homeExists) return undefined;
  const why = venv.home === undefined ? `${venv.config} names no home` : `${venv.config} names home ${venv.home}, which does not exist here`;
  return { reason: `part of a virtualenv made on another machine (${why})`, fix: virtualenvFix(venv) };
}
