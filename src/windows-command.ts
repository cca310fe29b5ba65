/**
 * How a Windows command is launched: `.exe` directly (libuv quotes each argument for the C
 * runtime), `.cmd`/`.bat` through cmd.exe with cross-spawn's escaping, and npm's `.cmd` shims
 * unwrapped to their `node` target so that the server is the shim's direct child.
 * Pure functions, golden-tested on every OS.
 */
import { usageError } from './errors';
import type { ProcessLaunch } from './process-launch';

// cross-spawn's cmd.exe metacharacter escaping; its parse() only applies it when the host is
// Windows, so the shim builds the cmd.exe line itself (the shape cross-spawn builds) and can plan
// Windows launches on any OS.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const crossSpawnEscape = require('cross-spawn/lib/util/escape.js') as {
  /** Puts a caret before each of cmd.exe's metacharacters. */
  command(text: string): string;
};

export const isBatchFile = (file: string) => /\.(cmd|bat)$/i.test(file);

/**
 * cmd.exe reads a command of at most 8191 characters (Microsoft's documented limit); a longer
 * line after /c is cut or dropped, and the batch file silently does not run. Counted on the line
 * as cmd.exe gets it, quotes and carets included. (What the batch file itself expands, %*
 * included, has the same limit, which only its author can keep.)
 */
export const CMD_LINE_LIMIT = 8191;

/**
 * Quotes one argument for the C runtime's parser (CommandLineToArgvW rules): a run of n
 * backslashes before a quote becomes 2n+1 backslashes and the quote; a run at the end is doubled
 * before the closing quote. cross-spawn's own version (since its ReDoS fix) doubles only the last
 * backslash of a run, so `\\"` would arrive mangled: this replaces that step.
 */
export function quoteForMsvcrt(arg: string): string {
  const escaped = arg
    .replace(/(\\*)"/g, (_whole, slashes: string) => `${slashes}${slashes}\\"`)
    .replace(/(\\+)$/, (slashes: string) => slashes + slashes);
  return `"${escaped}"`;
}

/**
 * cmd.exe /d /s /c ""<batch path>" <escaped args>": the line cross-spawn builds, with its
 * gaps closed. Arguments are quoted correctly for the C runtime (see quoteForMsvcrt), and every
 * batch file's arguments get cmd.exe's caret escaping twice (cross-spawn does it only for files
 * under node_modules/.bin), because a batch file that passes %* on makes cmd.exe parse the line a
 * second time. A line break cannot be passed through cmd.exe at all (it ends the command), so an
 * argument holding one is refused instead of being cut short, and so is a line over cmd.exe's limit.
 */
export function batchFileLaunch(batchFile: string, args: readonly string[], comspec: string | undefined): ProcessLaunch {
  args.forEach((arg, index) => {
    if (/[\r\n]/.test(arg)) {
      throw usageError(`argument ${index + 1} contains a line break, which cmd.exe cannot pass to the batch file ${batchFile}`,
        'pass it without line breaks, or point the manifest at an .exe instead of a .cmd/.bat');
    }
  });
  const escapeMeta = crossSpawnEscape.command;
  // The path is quoted rather than caret-escaped: a Windows path cannot contain a quote, quoting
  // keeps its spaces and metacharacters literal, and Wine's cmd.exe rejects caret-escaped spaces.
  const line = `"${[`"${batchFile}"`, ...args.map((arg) => escapeMeta(escapeMeta(quoteForMsvcrt(arg))))].join(' ')}"`;
  if (line.length > CMD_LINE_LIMIT) {
    throw usageError(`the arguments make the cmd.exe line that runs the batch file ${batchFile} ${line.length} characters long (escaped), over cmd.exe's limit of ${CMD_LINE_LIMIT} characters, past which the batch file does not run`,
      'pass fewer or shorter arguments (a file that holds them, if the command takes one), or point the manifest at an .exe instead of a .cmd/.bat');
  }
  // The args are one pre-quoted cmd.exe line and must reach CreateProcess untouched.
  return { executable: comspec || 'cmd.exe', args: ['/d', '/s', '/c', line], windowsVerbatimArguments: true };
}

/**
 * npm's cmd-shim (`npm install -g` and node_modules/.bin on Windows) runs
 * `"%_prog%" "%dp0%\<relative script>" %*`, with _prog = node.exe beside the shim or else node.
 * Returns the script it runs, so the shim can start node directly: no cmd.exe in between, arguments
 * passed exactly, and the server dies with the shim.
 */
export function npmCmdShimTarget(content: string): { script: string; nodeBesideShim: boolean } | undefined {
  if (!/SET "_prog=%dp0%\\node\.exe"/i.test(content) && !/"%_prog%"/i.test(content)) return undefined;
  const match = /"%_prog%"\s+"%dp0%\\([^"%]+)"\s+%\*/i.exec(content);
  if (!match) return undefined;
  return { script: match[1], nodeBesideShim: /IF EXIST "%dp0%\\node\.exe"/i.test(content) };
}
