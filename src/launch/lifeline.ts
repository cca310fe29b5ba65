/**
 * The lifeline: a small helper that ends the child if the supervising shim dies without saying so,
 * SIGKILL included (nothing inside a killed process can run). It runs in its own session, outside
 * the terminal's reach, and holds the read end of a pipe from the shim. When the pipe closes
 * without the word "done", the shim is gone: if the child is still the same process (PID and start
 * time), the lifeline sends it SIGTERM, then SIGKILL after the grace period.
 *
 * Unlike a watchdog that polls its parent, it costs nothing while waiting, never signals a
 * recycled PID, and cannot be stopped by Ctrl+C meant for the connector.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { PlatformFacts } from '../platform';
import { processIdentity } from '../signals';

import { LIFELINE_FLAG } from './lifeline-flag';
const POLL_MS = 50;

export interface Lifeline {
  /** The child ended normally: the lifeline exits without acting. */
  release(): void;
}

/** Starts the lifeline for `childPid`; `selfCommand` re-invokes this shim (executable + leading args). */
export function startLifeline(selfCommand: string[], childPid: number, identity: string, graceSeconds: number): Lifeline {
  const helper: ChildProcess = spawn(selfCommand[0], [...selfCommand.slice(1), LIFELINE_FLAG, String(childPid), identity, String(graceSeconds)], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
    // The helper inherits no variables of the connector's: it only needs to run.
    env: { PATH: process.env.PATH ?? '' },
  });
  helper.on('error', () => { /* spawn failure: the child is still supervised while the shim lives */ });
  helper.stdin?.on('error', () => { /* the helper is gone: nothing to release */ });
  helper.unref();
  (helper.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return {
    release() {
      helper.stdin?.end('done\n');
    },
  };
}

/** The helper's own main: wait for the pipe to close, then act only if the shim did not say "done". */
export function runLifeline(args: string[], facts: PlatformFacts): void {
  const [pidText, identity, graceText] = args;
  const pid = Number(pidText);
  const graceMs = Math.max(0, Number(graceText) * 1000);
  let released = false;
  let received = '';
  process.stdin.on('data', (chunk: Buffer) => {
    received += chunk.toString();
    if (received.includes('done')) released = true;
  });
  process.stdin.on('error', () => {});
  process.stdin.on('close', () => {
    if (released || !pid) process.exit(0);
    const sameChild = () => processIdentity(pid, facts) === identity;
    if (!sameChild()) process.exit(0);
    signal(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    const timer = setInterval(() => {
      if (!sameChild()) process.exit(0);
      if (Date.now() >= deadline) {
        signal(pid, 'SIGKILL');
        clearInterval(timer);
        process.exit(0);
      }
    }, POLL_MS);
  });
}

function signal(pid: number, name: NodeJS.Signals) {
  try {
    process.kill(pid, name);
  } catch {
    /* already gone */
  }
}
