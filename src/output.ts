/**
 * What the user asked for (--help, --version, --dry-run, doctor, metadata, health) goes to stdout
 * through `writeOut` or `writeJson`: redacted, written synchronously, and a reader that went away (`| head -1`)
 * ends the shim quietly, as it ends `cat`.
 */
import * as fs from 'node:fs';
import { currentPlatform } from './platform';
import { escapeControls, oneLine } from './errors';
import { redact, redactDeep } from './redaction';

/** The exit status a shell shows for a death by SIGPIPE (128 + 13); used where the signal cannot end the shim. */
export const BROKEN_PIPE_STATUS = 141;

export function writeOut(text: string): void {
  writeText(escapeControls(redact(text)));
}

function writeText(safe: string): void {
  // A Windows console needs Node's own conversion to UTF-16; its pipes and files take bytes.
  if (currentPlatform().family === 'windows') process.stdout.write(safe);
  else writeAll(1, safe);
}

/**
 * An answer in JSON (--dry-run, doctor --json): each string redacted on its own before the value is
 * written, so that no pattern can cut the JSON, and the characters JSON leaves raw (DEL, C1
 * controls, Unicode line separators) written as \uNNNN, which JSON reads back as they were.
 */
export function writeJson(value: unknown): void {
  const text = JSON.stringify(redactDeep(value), null, 2)
    .replace(/[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  writeText(`${text}\n`);
}

/** The last-resort error line, written without the logger (which may be what failed). Never throws. */
export function writeErrorLine(line: string): void {
  try {
    writeAll(2, `${oneLine(redact(line))}\n`);
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
