/**
 * The terminal sentinel (POSIX, when the shim has a controlling terminal): tells a SIGINT, SIGQUIT
 * or SIGWINCH that the terminal sent to the whole foreground group (the child got it as well: not to
 * be forwarded again) from one sent to the shim alone with kill(2) (`timeout -s INT`, a supervisor:
 * to be forwarded). Node does not show a signal's sender, so the shim keeps a witness in its own
 * process group: a `/bin/sh` that records those three signals with traps. A signal that reached the
 * group reached the sentinel too; one sent to the shim alone did not.
 *
 * The shim asks with a probe signal numbered above all three: a shell runs pending traps in signal
 * number order, so the answer ("ASK") comes after the names of every group signal already pending.
 * The kernel queues a group signal to every member before it returns to the sender, so it is
 * pending at the sentinel before the shim's own listener can run. The sentinel leaves when the
 * shim's pipe closes (the shim exited or was killed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { terminalProbeSignal, type PlatformFacts } from '../platform';

/** $0 of the sentinel's shell: how it shows in `ps`. */
export const SENTINEL_NAME = 'ndc-shim-sentinel';
/** How long an answer may take before the shim decides without it (as before: the terminal sent it). */
const ANSWER_MS = 1000;
/** A sighting no question took within this long was not about a signal to the shim (it was not in the foreground then). */
const SIGHTING_MS = 5000;

// $1: the probe signal's trap name. The reader in the background (its stdin the shim's pipe, kept
// on fd 3: an asynchronous list's stdin is /dev/null) ends when the pipe closes; `wait` returns
// above 128 each time a trap interrupts it. Job control signals are ignored: Ctrl+Z stops the child
// and the shim, and the sentinel has nothing to stop.
const SCRIPT = `
trap 'echo INT' INT
trap 'echo QUIT' QUIT
trap 'echo WINCH' WINCH
trap 'echo ASK' "$1"
trap '' TSTP TTIN TTOU
exec 3<&0
{ while read -r _ <&3; do :; done; } &
reader=$!
while :; do
  wait "$reader" && break
  [ $? -gt 128 ] || break
done
`;

const SHORT_NAMES: Record<string, string> = { SIGINT: 'INT', SIGQUIT: 'QUIT', SIGWINCH: 'WINCH' };

function hasControllingTerminal(): boolean {
  try {
    fs.closeSync(fs.openSync('/dev/tty', 'r'));
    return true;
  } catch {
    return false;
  }
}

export class TerminalSentinel {
  /** Group signals the sentinel saw that no question has taken yet, with when they were seen. */
  private seen = new Map<string, number>();
  private waiting: ((seen: Map<string, number> | undefined) => void)[] = [];
  private pending = '';

  private constructor(private readonly shell: ChildProcess, private readonly probe: NodeJS.Signals) {
    shell.stdout?.setEncoding('utf8');
    shell.stdout?.on('data', (chunk: string) => this.read(chunk));
    shell.on('error', () => this.answerAll(undefined));
    shell.on('exit', () => this.answerAll(undefined));
    shell.stdin?.on('error', () => { /* gone: answers stop, and the shim decides without them */ });
  }

  /** Starts the sentinel where there is a terminal to tell apart; undefined elsewhere. */
  static start(facts: PlatformFacts, shell: string): TerminalSentinel | undefined {
    const probe = terminalProbeSignal(facts);
    if (!probe || !hasControllingTerminal()) return undefined;
    let child: ChildProcess;
    try {
      child = spawn(shell, ['-c', SCRIPT, SENTINEL_NAME, probe.slice(3)], {
        stdio: ['pipe', 'pipe', 'ignore'],
        cwd: '/',
        env: { PATH: '/usr/bin:/bin' },
      });
    } catch {
      return undefined;
    }
    if (child.pid === undefined) return undefined;
    // Neither the sentinel nor its pipes keep the shim alive.
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
    return new TerminalSentinel(child, probe);
  }

  /**
   * Whether `signal` reached the shim's whole process group (the terminal, or a kill of the group),
   * so that the child got it too; undefined when the sentinel cannot say (gone, or no answer in time).
   */
  reachedGroup(signal: NodeJS.Signals): Promise<boolean | undefined> {
    if (!this.alive()) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), ANSWER_MS);
      this.waiting.push((seen) => {
        clearTimeout(timer);
        if (seen === undefined) return resolve(undefined);
        // Each sighting answers one question: an answer may come after the next signal's name
        // (two signals close together), and that one must still be there for its own question.
        const name = SHORT_NAMES[signal];
        const at = seen.get(name);
        seen.delete(name);
        resolve(at !== undefined && Date.now() - at < SIGHTING_MS);
      });
      try {
        process.kill(this.shell.pid!, this.probe);
      } catch {
        this.answerAll(undefined);
      }
    });
  }

  /** The shim is done: the sentinel leaves when its pipe closes. */
  stop(): void {
    if (this.alive()) this.shell.stdin?.end();
  }

  private alive(): boolean {
    return this.shell.exitCode === null && this.shell.signalCode === null;
  }

  private read(chunk: string): void {
    this.pending += chunk;
    let end: number;
    while ((end = this.pending.indexOf('\n')) !== -1) {
      const line = this.pending.slice(0, end);
      this.pending = this.pending.slice(end + 1);
      if (line !== 'ASK') this.seen.set(line, Date.now());
      else this.answerAll(this.seen);
    }
  }

  private answerAll(seen: Map<string, number> | undefined): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const answer of waiting) answer(seen);
  }
}
