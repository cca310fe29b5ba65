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

export interface Entry { pid: number; ppid: number; identity: string }

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
    return execFileSync('ps', ['-A', '-o', 'pid=,ppid=,stat=,lstart='], { encoding: 'utf8', timeout: 2000 })
      .split('\n').map((line) => line.trim().split(/\s+/)).filter((words) => words.length > 3 && !words[2].startsWith('Z'))
      .map(([pid, ppid, , ...started]) => ({ pid: Number(pid), ppid: Number(ppid), identity: started.join(' ') }));
  } catch {
    return [];
  }
}

function readLinuxEntry(pid: number): Entry | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : { pid, ppid: Number(fields[1]), identity: fields[19] };
  } catch {
    return undefined;
  }
}

/** The descendants of `root` (not `root` itself), parents before children. */
export function descendantsOf(root: number, facts: PlatformFacts): Entry[] {
  const all = snapshot(facts);
  const found: Entry[] = [];
  let frontier = new Set([root]);
  while (frontier.size > 0) {
    const next = new Set<number>();
    for (const entry of all) {
      if (frontier.has(entry.ppid) && entry.pid !== root && !found.some((seen) => seen.pid === entry.pid)) {
        found.push(entry);
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

/** Signals each of `entries` that is still the same process. */
export function signalEntries(entries: Entry[], signal: NodeJS.Signals, facts: PlatformFacts): void {
  for (const entry of stillRunning(entries, facts)) {
    try {
      process.kill(entry.pid, signal);
    } catch {
      /* gone since the check */
    }
  }
}

/**
 * Sends `signal` to the child (through `signalChild`, which knows whether it is still unreaped) and
 * to every descendant it has now; returns those descendants. The tree is taken before anything is
 * signalled, so that a parent that dies at once does not hide its children (they would be
 * reparented out of the tree).
 */
export function signalTree(childPid: number, signal: NodeJS.Signals, facts: PlatformFacts, signalChild: (signal: NodeJS.Signals) => void): Entry[] {
  const descendants = descendantsOf(childPid, facts);
  signalChild(signal);
  signalEntries(descendants, signal, facts);
  return descendants;
}
