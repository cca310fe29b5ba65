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
    const [tpgid, pgid] = execFileSync('/bin/ps', ['-o', 'tpgid=,pgid=', '-p', String(process.pid)], { encoding: 'utf8', timeout: 2000 })
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

/**
 * Linux real-time signals, SIGRTMIN..SIGRTMAX as glibc numbers them (32 and 33 are glibc's own).
 * Node has no names for them, so process.on cannot listen to them and they would end the shim.
 */
export const REALTIME_SIGNALS: readonly number[] = Array.from({ length: 31 }, (_, index) => 34 + index);

interface SignalHandle { onsignal?: (signum: number) => void; start(signum: number): number; close(): void; unref?(): void }

/**
 * Listens to a signal by number with the runtime's own signal handle (the one process.on uses for
 * named signals), which takes any number. Returns the function that stops listening, or undefined
 * where the runtime does not offer the handle (then the signal keeps its default action).
 */
export function listenBySignalNumber(signum: number, listener: () => void): (() => void) | undefined {
  const quiet = process.noDeprecation;
  try {
    // process.binding warns (DEP0111) once; no runtime warning may reach the user.
    process.noDeprecation = true;
    const { Signal } = (process as unknown as { binding(name: string): { Signal: new () => SignalHandle } }).binding('signal_wrap');
    const handle = new Signal();
    handle.onsignal = () => listener();
    if (handle.start(signum) !== 0) {
      handle.close();
      return undefined;
    }
    // Like process.on's handles: listening does not keep the shim alive.
    handle.unref?.();
    return () => handle.close();
  } catch {
    return undefined;
  } finally {
    process.noDeprecation = quiet;
  }
}

// setTimeout turns a delay of 2^31 ms or more into 1 ms: the longest grace it can wait.
export const MAX_KILL_AFTER_SECONDS = 2147483;
