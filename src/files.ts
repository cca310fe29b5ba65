/** Reading a file the user names (manifest, env file): a regular file only, refused at once otherwise. */
import * as fs from 'node:fs';
import { openFilesLimitError } from './errors';

/** What a path is, in words, when it is not a regular file. */
function kindOf(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

export type ReadResult = { text: string } | { problem: string; code?: string };

/** The code of a file that is not UTF-8 text. */
export const NOT_UTF8 = 'NOT_UTF8';

/**
 * The text of `bytes`, or the first line (from 1) that is not UTF-8. A lenient decoder would turn
 * such bytes into U+FFFD and so silently change a value (a password) on its way to the child.
 */
export function decodeUtf8(bytes: Uint8Array): { text: string } | { badLine: number } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const strict = new TextDecoder('utf-8', { fatal: true });
    let line = 1;
    let start = 0;
    for (;;) {
      const end = bytes.indexOf(0x0a, start);
      try {
        strict.decode(bytes.subarray(start, end === -1 ? bytes.length : end));
      } catch {
        return { badLine: line };
      }
      if (end === -1) return { badLine: line };
      start = end + 1;
      line++;
    }
  }
}

/**
 * Reads `file` as UTF-8 if it is a regular file (bytes that are not UTF-8: a problem naming the line). Opened non-blocking, then checked on the open
 * descriptor: opening a FIFO for reading would otherwise wait for a writer, and checking the
 * path before opening it would leave a window for it to change.
 */
export function readRegularFile(file: string): ReadResult {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const limited = openFilesLimitError(code);
    if (limited) throw limited; // about the process, not the file
    return { problem: code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory, not a file' : code ?? (error as Error).message, code };
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return { problem: `it is ${kindOf(stat)}, not a regular file`, code: 'ENOTFILE' };
    const decoded = decodeUtf8(fs.readFileSync(fd));
    // Only the line is named: its bytes may be part of a secret.
    return 'text' in decoded ? decoded : { problem: `line ${decoded.badLine} is not valid UTF-8 text`, code: NOT_UTF8 };
  } catch (error) {
    return { problem: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
  } finally {
    fs.closeSync(fd);
  }
}
