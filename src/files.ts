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

/**
 * Reads `file` as UTF-8 if it is a regular file. Opened non-blocking, then checked on the open
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
    return { text: fs.readFileSync(fd, 'utf8') };
  } catch (error) {
    return { problem: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
  } finally {
    fs.closeSync(fd);
  }
}
