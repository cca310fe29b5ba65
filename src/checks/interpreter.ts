/**
 * Which file of a runtime the start command really runs: the executable itself when it is that
 * runtime (by its name, or the name of what its link points at: venv/bin/python3 -> python3.9), or
 * the `#!` interpreter of a script (a path, or `#!/usr/bin/env NAME` looked up on the child's PATH).
 * `requires` checks that very file; only when there is none does it look the runtime up on PATH.
 */
import * as nodeFs from 'node:fs';
import { pathFor, type PlatformFacts } from '../platform';
import { findExecutable, type FileSystemView } from '../resolution';
import { realExecutableView } from '../launch/executable-check';
import type { RuntimeName } from '../versions';

/** Names each runtime's program goes by (python3.11, pythonw.exe, nodejs, javaw.exe). */
const RUNTIME_PROGRAM: Record<RuntimeName, RegExp> = {
  node: /^(node|nodejs)(\.exe)?$/i,
  python: /^python(\d+(\.\d+)?)?[a-z]?(w)?(\.exe)?$/i,
  java: /^javaw?(\.exe)?$/i,
};

export interface InterpreterView {
  /** The first line of a file (up to the kernel's 256 bytes), or undefined when it cannot be read. */
  firstLine(file: string): string | undefined;
  /** Where a file's links lead, or undefined. */
  realPath(file: string): string | undefined;
}

export const realInterpreterView: InterpreterView = {
  // The executable check's reader: regular files only, never waiting on a FIFO.
  firstLine(file) {
    const head = realExecutableView.read(file, 0, 256);
    return head && Buffer.from(head).toString('latin1').split('\n')[0];
  },
  realPath(file) {
    try {
      return nodeFs.realpathSync(file);
    } catch {
      return undefined;
    }
  },
};

export interface RunningRuntime {
  file: string;
  /** How the start command reaches it, for the fix: "the start command", "the #! line of X". */
  via: string;
}

export interface InterpreterLookup {
  env: Record<string, string>;
  platform: PlatformFacts;
  fs: FileSystemView;
}

/** The file of `runtime` that running `executable` starts, when it starts one; else undefined. */
export function runtimeThatRuns(runtime: RuntimeName, executable: string, lookup: InterpreterLookup, view: InterpreterView = realInterpreterView): RunningRuntime | undefined {
  const path = pathFor(lookup.platform.family);
  const isRuntime = (file: string) => {
    if (RUNTIME_PROGRAM[runtime].test(path.basename(file))) return true;
    const real = view.realPath(file);
    return real !== undefined && RUNTIME_PROGRAM[runtime].test(path.basename(real));
  };
  if (isRuntime(executable)) return { file: executable, via: 'the start command' };
  if (lookup.platform.family !== 'posix') return undefined;
  const line = view.firstLine(executable);
  if (!line?.startsWith('#!')) return undefined;
  const [interpreter, ...words] = line.slice(2).trim().split(/[ \t]+/);
  let file: string | undefined = interpreter;
  if (interpreter && path.basename(interpreter) === 'env') {
    // `#!/usr/bin/env [-S] [-i] [NAME=VALUE...] NAME`: NAME is found on the child's PATH, as env does.
    const name = words.find((word) => !word.startsWith('-') && !word.includes('='));
    try {
      file = name ? findExecutable({ command: name, baseDir: '/', ...lookup }) : undefined;
    } catch {
      file = undefined;
    }
  }
  if (!file || !path.isAbsolute(file) || !isRuntime(file)) return undefined;
  return { file, via: `the #! line of ${executable}` };
}
