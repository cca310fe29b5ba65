/**
 * The child's whole process tree, for signals the supervisor sends. A connector started through a
 * launcher (an npm bin running ts-node, a `.sh` without `exec`) has its server as a grandchild, so
 * signalling the direct child alone would leave the server on the port.
 *
 * The child stays in the shim's process group (a group of its own would be in the background of a
 * terminal: SIGTTIN on reads, Ctrl+C not delivered), so the tree is found at kill time instead:
 * /proc on Linux, `ps` elsewhere. Each PID is signalled only while its start time is still the one
 * seen in the snapshot, so a PID recycled in between is never hit.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { PlatformFacts } from '../platform';
import { procStatFields } from '../signals';

export interface Entry { pid: number; ppid: number; identity: string }

/** A signal by name, or by number for those Node has no name for (Linux real-time signals). */
export type Signal = NodeJS.Signals | number;

/**
 * `ps` by absolute path: the shim never runs anything of its own through the caller's PATH or
 * working directory (a planted `./ps` would run with the shim's rights). Tests replace it with one
 * that logs its calls, to see that the `ps` path ran.
 */
export const processTools = { ps: '/bin/ps' };

/** Every live process: PID, parent and start time (zombies left out: they have finished). */
function snapshot(facts: PlatformFacts): Entry[] {
  if (facts.platform === 'linux') {
    const entries: Entry[] = [];
    let names: string[];
    try {
      names = fs.readdirSync('/proc');
    } catch {
      return [];
    }
    for (const name of names) {
      if (!/^\d+$/.test(name)) continue;
      const entry = readLinuxEntry(Number(name));
      if (entry) entries.push(entry);
    }
    return entries;
  }
  try {
    // lstart is several words: everything after the PID and PPID.
    return execFileSync(processTools.ps, ['-A', '-o', 'pid=,ppid=,stat=,lstart='], { encoding: 'utf8', timeout: 2000 })
      .split('\n').map((line) => line.trim().split(/\s+/)).filter((words) => words.length > 3 && !words[2].startsWith('Z'))
      .map(([pid, ppid, , ...started]) => ({ pid: Number(pid), ppid: Number(ppid), identity: started.join(' ') }));
  } catch {
    return [];
  }
}

function readLinuxEntry(pid: number): Entry | undefined {
  const fields = procStatFields(pid);
  return !fields || fields[0] === 'Z' ? undefined : { pid, ppid: Number(fields[1]), identity: fields[19] };
}

/** Children of `pid` from /proc/PID/task/TID/children (all threads), or undefined where the kernel has no such file. */
function linuxChildren(pid: number): number[] | undefined {
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const tid of tids) {
    try {
      for (const child of fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) if (child.trim()) children.push(Number(child));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && fs.existsSync(`/proc/${pid}/task/${tid}`)) return undefined;
    }
  }
  return children;
}

/**
 * The descendants of `roots` (not the roots themselves), parents before children. On Linux from the
 * kernel's per-thread children lists (a few reads, so the tree is taken in microseconds); from a
 * whole-system snapshot elsewhere, or where those lists are missing.
 */
export function descendantsOf(roots: number[], facts: PlatformFacts): Entry[] {
  const found: Entry[] = [];
  const seen = new Set(roots);
  if (facts.platform === 'linux') {
    let frontier = roots;
    let complete = true;
    while (frontier.length > 0 && complete) {
      const next: number[] = [];
      for (const pid of frontier) {
        const children = linuxChildren(pid);
        if (!children) { complete = false; break; }
        for (const child of children) {
          const entry = seen.has(child) ? undefined : readLinuxEntry(child);
          if (!entry) continue;
          seen.add(child);
          found.push(entry);
          next.push(child);
        }
      }
      frontier = next;
    }
    if (complete) return found;
    found.length = 0;
    seen.clear();
    for (const root of roots) seen.add(root);
  }
  const all = snapshot(facts);
  let frontier = new Set(roots);
  while (frontier.size > 0) {
    const next = new Set<number>();
    for (const entry of all) {
      if (frontier.has(entry.ppid) && !seen.has(entry.pid)) {
        found.push(entry);
        seen.add(entry.pid);
        next.add(entry.pid);
      }
    }
    frontier = next;
  }
  return found;
}

/** Those of `entries` that are still the same processes (PID and start time). */
export function stillRunning(entries: Entry[], facts: PlatformFacts): Entry[] {
  if (entries.length === 0) return [];
  if (facts.platform === 'linux') return entries.filter((entry) => readLinuxEntry(entry.pid)?.identity === entry.identity);
  const now = new Map(snapshot(facts).map((entry) => [entry.pid, entry.identity]));
  return entries.filter((entry) => now.get(entry.pid) === entry.identity);
}

/** Whether `pid` is stopped (job control), from /proc on Linux and `ps` elsewhere. */
export function isStopped(pid: number, facts: PlatformFacts): boolean {
  if (facts.platform === 'linux') return /^[Tt]$/.test(procStatFields(pid)?.[0] ?? '');
  try {
    return execFileSync(processTools.ps, ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8', timeout: 2000 }).trim().startsWith('T');
  } catch {
    return false;
  }
}

/** Signals each of `entries` that is still the same process. */
export function signalEntries(entries: Entry[], signal: Signal, facts: PlatformFacts): void {
  for (const entry of stillRunning(entries, facts)) {
    try {
      process.kill(entry.pid, signal);
    } catch {
      /* gone since the check */
    }
  }
}

/**
 * Signals that end the tree: it is frozen first, so that none of it forks out of reach meanwhile.
 * Not SIGINT: shells catch it and wait to see whether their child dies of it, and a frozen shell
 * that sees its child survive goes on.
 */
const FREEZING: ReadonlySet<Signal> = new Set(['SIGTERM', 'SIGKILL']);

/**
 * Sends `signal` to the child (through `signalChild`, which knows whether it is still unreaped) and
 * to every descendant it has; returns those descendants.
 *
 * A process that forks just before it dies would hand its new child to init, out of the tree. So
 * for the signals that end the tree (SIGTERM, SIGKILL), the tree is first frozen with
 * SIGSTOP, taken again until nothing new appears, signalled, then continued with SIGCONT (which a
 * process with a SIGCONT handler sees). That is what a signal to a process group does atomically;
 * the child cannot have a group of its own without leaving the terminal's foreground. Other
 * signals go to the tree as it is, taken before (a parent that dies at once would hide its
 * children) and again after signalling.
 */
export function signalTree(childPid: number, signal: Signal, facts: PlatformFacts, signalChild: (signal: Signal) => void): Entry[] {
  if (FREEZING.has(signal)) {
    signalChild('SIGSTOP');
    const known: Entry[] = [];
    for (let round = 0; round < 50; round++) {
      const fresh = descendantsOf([childPid, ...known.map((entry) => entry.pid)], facts);
      if (fresh.length === 0) break;
      signalEntries(fresh, 'SIGSTOP', facts);
      known.push(...fresh);
    }
    signalChild(signal);
    signalEntries(known, signal, facts);
    if (signal !== 'SIGKILL') {
      signalChild('SIGCONT');
      signalEntries(known, 'SIGCONT', facts);
    }
    return known;
  }
  const before = descendantsOf([childPid], facts);
  signalChild(signal);
  signalEntries(before, signal, facts);
  const after = descendantsOf([childPid, ...before.map((entry) => entry.pid)], facts);
  signalEntries(after, signal, facts);
  return [...before, ...after];
}
