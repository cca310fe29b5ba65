/** Signal facts the supervisor needs: numbers, terminal foreground (the process tree is in launch/tree.ts). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { PlatformFacts } from './platform';

export const signalNumber = (signal: NodeJS.Signals): number => os.constants.signals[signal] ?? 0;

/**
 * True when this process is in the foreground process group of its controlling terminal: then a
 * Ctrl+C, Ctrl+\ or window resize typed there has already been delivered by the kernel to the
 * child too (same process group), and forwarding it would deliver it twice.
 */
export function inTerminalForeground(facts: PlatformFacts): boolean {
  if (facts.family === 'windows') return true;
  if (facts.platform === 'linux') {
    const stat = readProcStat(process.pid);
    // tty_nr 0: no controlling terminal, so nothing was typed at one.
    return stat !== undefined && stat.ttyNr !== 0 && stat.tpgid === stat.pgrp;
  }
  try {
    const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
    const [tpgid, pgid] = execFileSync('ps', ['-o', 'tpgid=,pgid=', '-p', String(process.pid)], { encoding: 'utf8', timeout: 2000 })
      .trim().split(/\s+/).map(Number);
    return tpgid > 0 && tpgid === pgid;
  } catch {
    return false;
  }
}

/**
 * The fields of /proc/PID/stat after the command name (Linux): [0] state, [1] ppid, [2] pgrp,
 * [4] tty_nr, [5] tpgid, [19] start time. Undefined when the process cannot be read.
 */
export function procStatFields(pid: number): string[] | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: fields start after the last ')'.
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

interface ProcStat { pgrp: number; ttyNr: number; tpgid: number }

function readProcStat(pid: number): ProcStat | undefined {
  const fields = procStatFields(pid);
  return fields && { pgrp: Number(fields[2]), ttyNr: Number(fields[4]), tpgid: Number(fields[5]) };
}
// setTimeout turns a delay of 2^31 ms or more into 1 ms: the longest grace it can wait.
export const MAX_KILL_AFTER_SECONDS = 2147483;
