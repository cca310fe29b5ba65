/**
 * fds 0-2 stay as the shim received them. Node makes a pipe or socket non-blocking (O_NONBLOCK)
 * when it first creates process.stdin/stdout/stderr, and that flag belongs to the open file
 * description, which the child shares: a plugin writing 20 MB to a slowly read pipe would then get
 * EAGAIN and stop. Many things create those streams without writing to them (Readable.pipe, which
 * pino-pretty uses, compares its destination with them; loading `assert` asks whether stderr is a
 * terminal), at any moment, in exec and supervise alike. So the streams are created through a
 * getter that puts back the blocking mode the descriptor had, the way Node itself does for a
 * terminal; the shim's own writes then block, which for its few lines costs nothing.
 */
import * as fs from 'node:fs';

interface Guarded {
  fd: number;
  stream: { _handle?: { setBlocking?(blocking: boolean): number } };
  blocking: boolean;
}

const guarded: Guarded[] = [];
const O_NONBLOCK = 0o4000;

/** Installs the getters; call before anything can touch process.stdin/stdout/stderr. */
export function guardStdio(): void {
  for (const [name, fd] of [['stdin', 0], ['stdout', 1], ['stderr', 2]] as const) {
    const descriptor = Object.getOwnPropertyDescriptor(process, name);
    const original = descriptor?.get;
    if (!original || !descriptor.configurable) continue;
    let stream: Guarded['stream'] | undefined;
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable: descriptor.enumerable,
      get() {
        if (stream) return stream;
        const blocking = isBlocking(fd);
        stream = original.call(process) as Guarded['stream'];
        const entry = { fd, stream, blocking };
        guarded.push(entry);
        applyMode(entry);
        return stream;
      },
    });
  }
}

/** Puts every created stream's descriptor back in the mode it was received in (before exec or spawn). */
export function restoreStdio(): void {
  for (const entry of guarded) applyMode(entry);
}

function applyMode({ stream, blocking }: Guarded): void {
  // Files and terminals need nothing (Node writes files synchronously and sets terminals blocking itself);
  // pipes and sockets are libuv streams, whose setBlocking clears or sets O_NONBLOCK.
  stream._handle?.setBlocking?.(blocking);
}

/**
 * Whether `fd` was blocking. Linux shows the open flags in /proc; elsewhere the usual case,
 * blocking, is assumed (a caller that hands over a non-blocking pipe gets it back blocking).
 */
function isBlocking(fd: number): boolean {
  try {
    const flags = /^flags:\s*([0-7]+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1];
    return flags === undefined || (parseInt(flags, 8) & O_NONBLOCK) === 0;
  } catch {
    return true;
  }
}
