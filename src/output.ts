/**
 * What the user asked for (--help, --version, --dry-run, doctor, metadata, health) goes to stdout
 * through `writeOut`: redacted, written synchronously, and a reader that went away (`| head -1`)
 * ends the shim quietly, as it ends `cat`.
 */
import * as fs from 'node:fs';
import { currentPlatform } from './platform';
import { escapeControls } from './errors';
import { redact } from './redaction';

/** The exit status a shell shows for a death by SIGPIPE (128 + 13); used where the signal cannot end the shim. */
export const BROKEN_PIPE_STATUS = 141;

export function writeOut(text: string): void {
  const safe = escapeControls(redact(text));
  // A Windows console needs Node's own conversion to UTF-16; its pipes and files take bytes.
  if (currentPlatform().family === 'windows') process.stdout.write(safe);
  else writeAll(1, safe);
}

/** The last-resort error line, written without the logger (which may be what failed). Never throws. */
export function writeErrorLine(line: string): void {
  try {
    writeAll(2, `${redact(line)}\n`);
  } catch { /* stderr is gone too: nothing can be said */ }
}

export const isBrokenPipe = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';

/**
 * Plain blocking-style writes straight to the descriptor: process.stdout on a pipe would make the
 * pipe non-blocking for every process sharing it, and would report EPIPE later, as an event.
 */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  for (let offset = 0; offset < bytes.length;) {
    try {
      offset += fs.writeSync(fd, bytes, offset);
    } catch (error) {
      // A descriptor another process made non-blocking: wait for room, as a blocking write would.
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
      else if (isBrokenPipe(error)) endByBrokenPipe();
      else throw error;
    }
  }
}

/**
 * The reader of our output is gone: end as `cat` does, by SIGPIPE (a shell shows 141), with no
 * message. Node ignores SIGPIPE; removing the last listener of a signal restores its default
 * action. Where the signal does not end the process (Windows, a blocked signal), exit 141.
 */
export function endByBrokenPipe(): never {
  if (currentPlatform().family === 'posix') {
    const listener = () => {};
    process.on('SIGPIPE', listener);
    process.removeListener('SIGPIPE', listener);
    try {
      process.kill(process.pid, 'SIGPIPE');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    } catch { /* fall through */ }
  }
  process.exit(BROKEN_PIPE_STATUS);
}
