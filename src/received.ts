/**
 * The arguments and environment exactly as the kernel handed them to the shim (Linux: /proc/self).
 * Node decodes them as UTF-8, so bytes that are not UTF-8 become U+FFFD and a variable whose name
 * is not UTF-8 disappears; and Node passes only text to exec and spawn. Such input cannot reach the
 * child intact, so it is refused with one line instead of being passed on corrupted.
 */
import { isUtf8 } from 'node:buffer';
import * as fs from 'node:fs';
import { ExitCode, ShimError, usageError } from './errors';

const readEntries = (file: string): Buffer[] | undefined => {
  try {
    const raw = fs.readFileSync(file);
    const entries: Buffer[] = [];
    let start = 0;
    for (let end = raw.indexOf(0); end !== -1; start = end + 1, end = raw.indexOf(0, start)) entries.push(raw.subarray(start, end));
    if (start < raw.length) entries.push(raw.subarray(start));
    return entries;
  } catch {
    return undefined; // not Linux, or no /proc
  }
};

/** Printable form of bytes that are not all UTF-8: ASCII as is, anything else as \xNN. */
const escaped = (bytes: Buffer) => Array.from(bytes, (byte) => (byte >= 0x20 && byte < 0x7f && byte !== 0x5c
  ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`)).join('');

/**
 * Refuses arguments (exit 2) and environment entries (exit 78) that are not UTF-8, which the runtime
 * could pass on only corrupted. `argCount`: how many of the command line's last entries are the
 * shim's arguments (before them come the runtime, and the script when a Node binary runs the bundle).
 */
export function checkReceivedBytes(argCount: number): void {
  const args = argCount === 0 ? [] : readEntries('/proc/self/cmdline')?.slice(-argCount) ?? [];
  for (const [index, arg] of args.entries()) {
    if (isUtf8(arg)) continue;
    throw usageError(`argument ${index + 1} ("${escaped(arg)}") is not valid UTF-8, and the shim can pass only UTF-8 text to the child`,
      'pass it as UTF-8 (file names too: rename the file, or reach it through a symbolic link with a UTF-8 name)');
  }
  for (const entry of readEntries('/proc/self/environ') ?? []) {
    if (isUtf8(entry)) continue;
    const equals = entry.indexOf(0x3d);
    const name = equals === -1 ? entry : entry.subarray(0, equals);
    // The value may be a secret: only the name is shown.
    const what = isUtf8(name) ? `the value of the environment variable ${name.toString('utf8')}` : `the environment variable name "${escaped(name)}"`;
    throw new ShimError(`${what} is not valid UTF-8, and the shim can pass only UTF-8 text to the child`,
      ExitCode.config, 'set it as UTF-8, or unset it before starting the shim');
  }
}
