/**
 * Every difference between operating systems lives here, so the rest of the code asks questions
 * ("can this process exec?", "how are paths joined?") instead of testing process.platform.
 */
import * as path from 'node:path';

export type OsFamily = 'posix' | 'windows';

export interface PlatformFacts {
  family: OsFamily;
  /** process.platform of the machine, or of the target a test simulates. */
  platform: NodeJS.Platform;
  /** process.execve exists (Node >= 22.15 on POSIX). */
  execAvailable: boolean;
  /** The shim is PID 1 (a container's entrypoint): the kernel then ignores default-action signals. */
  isPid1: boolean;
}

export function currentPlatform(): PlatformFacts {
  const family: OsFamily = process.platform === 'win32' ? 'windows' : 'posix';
  return {
    family,
    platform: process.platform,
    execAvailable: family === 'posix' && typeof (process as { execve?: unknown }).execve === 'function',
    isPid1: process.pid === 1,
  };
}

export const pathFor = (family: OsFamily): path.PlatformPath => (family === 'windows' ? path.win32 : path.posix);

export const pathListDelimiter = (family: OsFamily) => (family === 'windows' ? ';' : ':');

export const hasPathSeparator = (family: OsFamily, name: string) =>
  family === 'windows' ? /[\\/]/.test(name) : name.includes('/');

/**
 * How many `#!` scripts the kernel follows before it must reach a binary: Linux runs a script
 * whose interpreter is a script, five deep (its binfmt recursion limit; a sixth is ELOOP); macOS
 * and the BSDs refuse a script as an interpreter at all.
 */
export const scriptNestingLimit = (facts: Pick<PlatformFacts, 'platform'>): number => (facts.platform === 'linux' ? 5 : 1);

export const DEFAULT_PATHEXT = '.COM;.EXE;.BAT;.CMD';

/**
 * The commands that may start Python 3, in the order a runtime check tries them: python3, then
 * python; on Windows also python.org's `py -3` launcher, often the only one there is.
 */
export function pythonCommands(family: OsFamily): { command: string; args: string[] }[] {
  const common = [{ command: 'python3', args: [] }, { command: 'python', args: [] }];
  return family === 'windows' ? [...common, { command: 'py', args: ['-3'] }] : common;
}

/** Windows environment names are case-insensitive: find the key as spelled in this environment. */
export function envKey(family: OsFamily, env: Record<string, string | undefined>, name: string): string {
  if (family !== 'windows') return name;
  const upper = name.toUpperCase();
  return Object.keys(env).find((key) => key.toUpperCase() === upper) ?? name;
}

export function readEnv(family: OsFamily, env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[envKey(family, env, name)];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Signals that reach both the shim and the child when typed at a terminal whose foreground
 * process group holds them both; forwarding them again would deliver them twice.
 */
export const TERMINAL_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set(['SIGINT', 'SIGQUIT', 'SIGWINCH']);

/**
 * Signals the supervisor forwards to the child. Left out: SIGKILL and SIGSTOP (uncatchable),
 * SIGCHLD (about the shim's own children), SIGIO/SIGPOLL (raised by the kernel for the receiving
 * process's own asynchronous descriptors, so equally about the shim; Node also mis-dispatches it), synchronous faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL:
 * they concern the shim's own code), and the job-control signals SIGTSTP, SIGTTIN, SIGTTOU and
 * SIGCONT, which the supervisor handles itself so that Ctrl+Z and `fg` work. On Windows the console
 * delivers Ctrl+C and Ctrl+Break to every attached process, so nothing is forwarded there.
 */
export function forwardedSignals(facts: PlatformFacts): NodeJS.Signals[] {
  if (facts.family === 'windows') return [];
  const common: NodeJS.Signals[] = [
    'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGPIPE', 'SIGALRM',
    'SIGWINCH', 'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGSYS', 'SIGTRAP', 'SIGABRT',
  ];
  return facts.platform === 'linux' ? [...common, 'SIGPWR', 'SIGSTKFLT'] : common;
}

/**
 * The signal the shim asks its terminal sentinel with (see launch/sentinel.ts): one numbered above
 * SIGINT, SIGQUIT and SIGWINCH (28), so that a shell runs their traps first. SIGSYS is 31 on Linux,
 * 12 on macOS and the BSDs, where SIGUSR2 is 31. None on Windows.
 */
export const terminalProbeSignal = (facts: Pick<PlatformFacts, 'family' | 'platform'>): NodeJS.Signals | undefined =>
  (facts.family === 'windows' ? undefined : facts.platform === 'linux' ? 'SIGSYS' : 'SIGUSR2');

/**
 * The shell that runs the lifeline (see launch/lifeline.ts): any POSIX `sh`. None on Windows, where
 * the child is in the shim's job object and dies with it.
 */
export const lifelineShell = (facts: PlatformFacts): string | undefined => (facts.family === 'posix' ? '/bin/sh' : undefined);

/**
 * A command that ends a process and all its descendants at once, where the supervisor does not
 * reach them with signals (Windows: `taskkill /T /F`). Undefined on POSIX: launch/tree.ts signals them.
 * By full path: for a bare name libuv would look in the working directory first.
 */
export const treeKillCommand = (facts: PlatformFacts, pid: number, env: Record<string, string | undefined> = process.env): string[] | undefined =>
  (facts.family === 'windows'
    ? [path.win32.join(readEnv('windows', env, 'SystemRoot') ?? 'C:\\Windows', 'System32', 'taskkill.exe'), '/T', '/F', '/PID', String(pid)]
    : undefined);

/**
 * Signals whose default action dumps core. When the child dies by one, the shim exits with
 * 128+N instead of re-raising it: re-raising could write a core file of the shim itself into the
 * working directory (the user's configuration directory under `start`).
 */
export const CORE_DUMPING_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set([
  'SIGQUIT', 'SIGABRT', 'SIGIOT', 'SIGSEGV', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGTRAP', 'SIGSYS', 'SIGXCPU', 'SIGXFSZ',
]);

/** The manifest's per-OS sections (`"os": {...}`). */
export const OS_SECTION_NAMES = ['posix', 'linux', 'macos', 'windows'] as const;
export type OsSectionName = (typeof OS_SECTION_NAMES)[number];

/**
 * The per-OS sections that apply on `platform`, least specific first: `posix` on every system
 * but Windows, then `linux` or `macos`; `windows` on Windows. (The BSDs get `posix` alone.)
 */
export function osSectionsFor(platform: NodeJS.Platform): OsSectionName[] {
  if (platform === 'win32') return ['windows'];
  if (platform === 'linux') return ['posix', 'linux'];
  if (platform === 'darwin') return ['posix', 'macos'];
  return ['posix'];
}
