/** Which directories, which manifest, which executable: the SPEC's resolution table as pure functions. */
import { isPortNumber, type GlobalOptions } from './cli';
import { ExitCode, ShimError, configError, describeErrno } from './errors';
import type { Env } from './environment';
import { foreignVirtualenv } from './links';
import { MANIFEST_FILE_NAME } from './manifest';
import { DEFAULT_PATHEXT, hasPathSeparator, pathFor, pathListDelimiter, readEnv, type PlatformFacts } from './platform';
import type { ProcessLaunch } from './process-launch';
import { batchFileLaunch, isBatchFile, npmCmdShimTarget } from './windows-command';

/** What the planner may ask of the file system; tests pass a fake. */
export interface FileSystemView {
  kind(file: string): 'file' | 'directory' | 'missing';
  /** Why a 'missing' file could not be looked up (ENOENT, ELOOP, ENOTDIR, EACCES...); absent means ENOENT. */
  lookupError?(file: string): string | undefined;
  isExecutable(file: string): boolean;
  readText(file: string): string | undefined;
  /** When a 'missing' file is a symbolic link whose target does not exist: that target (see links.ts). */
  danglingLink?(file: string): string | undefined;
}

export interface Directories {
  connectorDir: string;
  pluginDir: string;
  contextDir?: string;
  configurationDir?: string;
  port?: number;
  shimDir: string;
}

export interface ResolutionInput {
  options: GlobalOptions;
  env: Env;
  platform: PlatformFacts;
  cwd: string;
  /** Path of the running shim executable (or script, when run by a Node binary). */
  shimPath: string;
}

export function resolveDirectories({ options, env, platform, cwd, shimPath }: ResolutionInput): Directories {
  const path = pathFor(platform.family);
  const read = (name: string) => readEnv(platform.family, env, name);
  const absolute = (dir: string | undefined) => (dir === undefined ? undefined : path.resolve(cwd, dir));
  const shimDir = path.dirname(shimPath);
  const connectorDir = absolute(options.connectorDir ?? read('HASURA_DDN_NATIVE_CONNECTOR_DIR')) ?? shimDir;
  const pluginDir = absolute(options.pluginDir ?? read('HASURA_DDN_NATIVE_CONNECTOR_PLUGIN_DIR')) ?? connectorDir;
  const contextDir = absolute(options.context ?? read('HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH'));
  const configurationDir = absolute(options.configuration) ?? contextDir ?? absolute(read('HASURA_CONFIGURATION_DIRECTORY'));
  const inheritedPort = read('HASURA_CONNECTOR_PORT');
  let port = options.port;
  if (port === undefined && inheritedPort !== undefined) {
    if (!isPortNumber(inheritedPort)) {
      throw configError(`HASURA_CONNECTOR_PORT is '${inheritedPort}', not a port number from 1 to 65535`, 'set it to a port number, or pass --port');
    }
    port = Number(inheritedPort);
  }
  return { connectorDir, pluginDir, contextDir, configurationDir, port, shimDir };
}

/** The manifest file and whether the user named it (then it must exist). */
export function resolveManifestPath({ options, env, platform, cwd, shimPath }: ResolutionInput): { file: string; required: boolean } {
  const path = pathFor(platform.family);
  const named = options.manifest ?? readEnv(platform.family, env, 'NDC_SHIM_MANIFEST');
  if (named) return { file: path.resolve(cwd, named), required: true };
  return { file: path.join(path.dirname(shimPath), MANIFEST_FILE_NAME), required: false };
}

export interface ExecutableLookup {
  command: string;
  /** Directory a relative path is taken against (the manifest's, or the working directory). */
  baseDir: string;
  env: Env;
  platform: PlatformFacts;
  fs: FileSystemView;
}

/**
 * Finds the file a command names, as a shell would: a name with a path separator is a path,
 * a bare name is looked up in PATH's absolute directories (never in the working directory). On Windows, a name without
 * an extension is tried with each PATHEXT extension. Not found: exit 127; found but not
 * runnable: exit 126.
 */
export function findExecutable({ command, baseDir, env, platform, fs }: ExecutableLookup): string {
  const path = pathFor(platform.family);
  const windows = platform.family === 'windows';
  const extensions = windows
    ? (readEnv(platform.family, env, 'PATHEXT') ?? DEFAULT_PATHEXT).split(';').filter(Boolean).map((ext) => ext.toLowerCase())
    : [];
  const candidatesFor = (file: string) => {
    if (!windows) return [file];
    const ext = path.extname(file).toLowerCase();
    const withExtensions = extensions.map((e) => file + e);
    return ext && extensions.includes(ext) ? [file, ...withExtensions] : withExtensions;
  };
  let notRunnable: string | undefined;
  // A link to a file that is not there is named, never passed over for a later one (a virtualenv
  // copied from another machine would silently give way to the system's python).
  let dangling: { file: string; target: string } | undefined;
  const firstRunnable = (file: string) => {
    for (const candidate of candidatesFor(file)) {
      const kind = fs.kind(candidate);
      if (kind === 'missing') {
        const target = fs.danglingLink?.(candidate);
        if (target !== undefined) {
          dangling = { file: candidate, target };
          return undefined;
        }
        continue;
      }
      if (kind === 'file' && (windows || fs.isExecutable(candidate))) return candidate;
      notRunnable ??= candidate;
    }
    return undefined;
  };

  if (hasPathSeparator(platform.family, command)) {
    // A `..` after a symlink goes up from where the link points, for the kernel as for a shell;
    // path.resolve would take it lexically and so pick another file: such a path stays as written.
    const file = !windows && command.split('/').includes('..')
      ? (path.isAbsolute(command) ? command : `${baseDir}/${command}`) : path.resolve(baseDir, command);
    const found = firstRunnable(file);
    if (found) return found;
    if (dangling) throw danglingLinkError('executable not found: ', dangling, fs, platform);
    if (notRunnable) throw notRunnableError(command, notRunnable, fs);
    // A path the kernel cannot walk (a symlink loop, a file as a directory, a directory it may not
    // search, a name too long) is not "not found": a shell says 126 with the reason, and so does the shim.
    const why = windows ? undefined : fs.lookupError?.(file);
    if (why && why !== 'ENOENT') {
      throw new ShimError(`cannot execute ${file}: ${describeErrno(why)}`, ExitCode.notExecutable, 'check the path and the permissions of its directories');
    }
    throw new ShimError(`executable not found: ${file}${windows ? ` (tried ${candidatesFor(file).map((c) => path.basename(c)).join(', ')})` : ''}`,
      ExitCode.notFound, 'check the path in the manifest (relative paths are taken from the manifest\'s directory) or the directory options');
  }
  // Relative PATH entries (`.`, empty) are skipped: a bare name is never looked up relative to some directory.
  const searchPath = (readEnv(platform.family, env, 'PATH') ?? '').split(pathListDelimiter(platform.family)).filter((dir) => path.isAbsolute(dir));
  for (const dir of searchPath) {
    const found = firstRunnable(path.join(dir, command));
    if (found) return found;
    if (dangling) throw danglingLinkError(`command not found on PATH: ${command}: `, dangling, fs, platform);
  }
  if (notRunnable) throw notRunnableError(command, notRunnable, fs);
  throw new ShimError(`command not found on PATH: ${command}`, ExitCode.notFound, notFoundFix(command));
}

/** A command that resolved to a symbolic link whose target is missing (exit 127): named, never skipped. */
export class DanglingLinkError extends ShimError {}

function danglingLinkError(prefix: string, { file, target }: { file: string; target: string }, fs: FileSystemView, platform: PlatformFacts): ShimError {
  const venv = foreignVirtualenv(file, fs, pathFor(platform.family));
  return new DanglingLinkError(`${prefix}${file} is a symbolic link to ${target}, which does not exist${venv ? `, ${venv.reason}` : ''}`, ExitCode.notFound,
    venv?.fix ?? 'point the link at an existing file (or remove it), or point the command at the real executable');
}

function notRunnableError(command: string, file: string, fs: FileSystemView): ShimError {
  const why = fs.kind(file) === 'directory' ? 'is a directory' : 'is not executable';
  return new ShimError(`${command}: ${file} ${why}`, ExitCode.notExecutable,
    why === 'is a directory' ? 'point the command at the executable inside it' : `make it executable (chmod +x "${file}")`);
}

const INTERPRETER_HINTS: Record<string, string> = {
  node: 'install Node.js (https://nodejs.org) and make sure `node` is on PATH',
  python3: 'install Python 3 and make sure `python3` is on PATH (on Windows, not the Microsoft Store alias)',
  python: 'install Python 3 and make sure it is on PATH',
  java: 'install a Java runtime (JDK/JRE) and make sure `java` is on PATH',
  deno: 'install Deno and make sure `deno` is on PATH',
  bun: 'install Bun and make sure `bun` is on PATH',
};
const notFoundFix = (command: string) => (Object.hasOwn(INTERPRETER_HINTS, command.toLowerCase()) ? INTERPRETER_HINTS[command.toLowerCase()] : undefined) ?? `install ${command} or put its directory on PATH`;

export type { ProcessLaunch } from './process-launch';

/**
 * How to start a found file with these arguments. POSIX and Windows `.exe`: directly.
 * Windows npm `.cmd` shims: their `node` target directly. Other `.cmd`/`.bat`: through cmd.exe.
 */
export function launchFor(file: string, args: readonly string[], lookup: Omit<ExecutableLookup, 'command' | 'baseDir'>): ProcessLaunch {
  if (lookup.platform.family !== 'windows' || !isBatchFile(file)) {
    return { executable: file, args: [...args], windowsVerbatimArguments: false };
  }
  const path = pathFor('windows');
  const shim = npmCmdShimTarget(lookup.fs.readText(file) ?? '');
  if (shim) {
    const dir = path.dirname(file);
    const nodeBeside = path.join(dir, 'node.exe');
    const node = shim.nodeBesideShim && lookup.fs.kind(nodeBeside) === 'file'
      ? nodeBeside
      : findExecutable({ ...lookup, command: 'node', baseDir: dir });
    return { executable: node, args: [path.join(dir, shim.script), ...args], windowsVerbatimArguments: false };
  }
  return batchFileLaunch(file, args, readEnv('windows', lookup.env, 'COMSPEC'));
}
