/** The real system behind the planner's inputs: where the shim is, the file system, env files. */
import * as fs from 'node:fs';
import { isSingleExecutable } from './embedded';
import { ExitCode, ShimError } from './errors';
import { NOT_UTF8, readRegularFile } from './files';
import { loadExtras } from './libraries';
import { danglingLinkTarget } from './links';
import { currentPlatform, type PlatformFacts } from './platform';
import type { FileSystemView } from './resolution';

export interface Runtime {
  facts: PlatformFacts;
  /** The shim executable, or the script when a Node binary runs the bundle. */
  shimPath: string;
  /** Re-invokes this shim: [executable, ...leading args]. */
  selfCommand: string[];
  /** Arguments given to the shim. */
  args: string[];
  fs: FileSystemView;
  readEnvFile(file: string): Record<string, string>;
}

export function currentRuntime(): Runtime {
  const sea = isSingleExecutable();
  // In a single executable, argv[1] repeats the executable's path; the shim's arguments follow.
  const shimPath = sea ? process.execPath : fs.realpathSync(process.argv[1]);
  return {
    facts: currentPlatform(),
    shimPath,
    selfCommand: sea ? [process.execPath] : [process.execPath, shimPath],
    args: process.argv.slice(2),
    fs: realFileSystem,
    readEnvFile,
  };
}

/**
 * The working directory, as a path the shim and its child can use. A directory whose path is
 * longer than getcwd() can return (deeper than PATH_MAX: Node reports ERANGE or ENAMETOOLONG) still
 * exists and still works: on Linux it is reached as /proc/self/cwd (in the child too, which
 * inherits it). Elsewhere the cause is named. A deleted directory (ENOENT) is left to main's
 * "no longer exists".
 */
export function workingDirectory(): string {
  try {
    return process.cwd();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ERANGE' && code !== 'ENAMETOOLONG') throw error;
    if (process.platform === 'linux' && fs.existsSync('/proc/self/cwd/.')) return '/proc/self/cwd';
    throw new ShimError(`the working directory's path is longer than this system can report (${code}: deeper than PATH_MAX)`, ExitCode.failure,
      'run the command from a directory with a shorter path (a symbolic link to it is enough)');
  }
}

export const realFileSystem: FileSystemView = {
  kind(file) {
    try {
      const stat = fs.statSync(file);
      return stat.isDirectory() ? 'directory' : 'file';
    } catch {
      return 'missing';
    }
  },
  lookupError(file) {
    try {
      fs.statSync(file);
      return undefined;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code;
    }
  },
  isExecutable(file) {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
  readText(file) {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  },
  danglingLink: danglingLinkTarget,
};

/** Parses an env file with dotenv (loaded only when an env file is asked for). Never touches process.env. */
function readEnvFile(file: string): Record<string, string> {
  const read = readRegularFile(file);
  if ('problem' in read) {
    if (read.code === NOT_UTF8) throw new ShimError(`env file ${file}: ${read.problem}`, ExitCode.config, 'save the file as UTF-8');
    throw new ShimError(`cannot read env file ${file}: ${read.problem}`, ExitCode.config,
      'point --env-file / the manifest\'s envFiles at an existing file, or remove it from there');
  }
  const values = parseKeepingEveryName(loadExtras().dotenv.parse, read.text);
  for (const [name, value] of Object.entries(values)) {
    // No program can receive a NUL character (the system's strings end there).
    if (value.includes('\0')) {
      throw new ShimError(`env file ${file}: the value of ${name} contains a NUL character, which no program can receive`, ExitCode.config,
        'remove it from the file');
    }
  }
  return values;
}

/**
 * dotenv's parse, into a null-prototype map that holds every name. dotenv stores each entry with
 * `obj[key] = value` on a plain object, where `__proto__=x` calls the prototype setter (which
 * ignores a string) and is lost. For the length of the (synchronous) call, that setter stores a
 * string as an own property instead; anything else still goes to the original setter.
 */
export function parseKeepingEveryName(parse: (text: string) => Record<string, string>, text: string): Record<string, string> {
  const original = Object.getOwnPropertyDescriptor(Object.prototype, '__proto__')!;
  Object.defineProperty(Object.prototype, '__proto__', {
    ...original,
    set(this: object, value: unknown) {
      if (typeof value === 'string') Object.defineProperty(this, '__proto__', { value, writable: true, enumerable: true, configurable: true });
      else original.set!.call(this, value);
    },
  });
  let parsed: Record<string, string>;
  try {
    parsed = parse(text);
  } finally {
    Object.defineProperty(Object.prototype, '__proto__', original);
  }
  return Object.assign(Object.create(null) as Record<string, string>, Object.fromEntries(Object.entries(parsed)));
}
