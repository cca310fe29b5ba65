/**
 * How a Windows command is launched: `.exe` directly (libuv quotes each argument for the C
 * runtime), `.cmd`/`.bat` through cmd.exe with cross-spawn's escaping, and npm's `.cmd` shims
 * unwrapped to their `node` target so that the server is the shim's direct child.
 * Pure functions, golden-tested on every OS.
 */
import { usageError } from './errors';

// cross-spawn's own escaping functions; its parse() only applies them when the host is Windows,
// so the shim builds the cmd.exe line itself (the same shape cross-spawn builds) and can plan
// Windows launches on any OS.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const crossSpawnEscape = require('cross-spawn/lib/util/escape.js') as {
  command(text: string): string;
  argument(text: string, doubleEscapeMetaChars: boolean): string;
};

export const isBatchFile = (file: string) => /\.(cmd|bat)$/i.test(file);

export interface WindowsLaunch {
  executable: string;
  args: string[];
  /** The args are one pre-quoted cmd.exe line and must reach CreateProcess untouched. */
  verbatim: boolean;
}

/**
 * cmd.exe /d /s /c "<escaped batch path> <escaped args>": the line cross-spawn builds, with two
 * of its gaps closed. Every batch file's arguments are escaped twice (cross-spawn does it only for
 * files under node_modules/.bin), because a batch file that passes %* on makes cmd.exe parse the
 * line a second time. A line break cannot be passed through cmd.exe at all (it ends the command),
 * so an argument holding one is refused instead of being cut short.
 */
export function batchFileLaunch(batchFile: string, args: readonly string[], comspec: string | undefined): WindowsLaunch {
  args.forEach((arg, index) => {
    if (/[\r\n]/.test(arg)) {
      throw usageError(`argument ${index + 1} contains a line break, which cmd.exe cannot pass to the batch file ${batchFile}`,
        'pass it without line breaks, or point the manifest at an .exe instead of a .cmd/.bat');
    }
  });
  const line = [crossSpawnEscape.command(batchFile), ...args.map((arg) => crossSpawnEscape.argument(arg, true))].join(' ');
  return { executable: comspec || 'cmd.exe', args: ['/d', '/s', '/c', `"${line}"`], verbatim: true };
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
