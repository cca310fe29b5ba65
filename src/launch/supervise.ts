/**
 * Supervision, where exec is not possible (Windows, --no-exec, PID 1, a Node without execve):
 * the child gets the shim's own stdio; signals are forwarded once, to the child's whole tree;
 * Ctrl+Z and `fg` stop and resume both; the shim never exits before the child and leaves with its
 * exit code, or dies by its signal. As PID 1 on Linux it execs an init instead (see init.ts).
 *
 * No moment of start-up leaves the child unprotected: the signal listeners and the lifeline exist
 * before the child is spawned (a signal that arrives during the spawn waits in the event loop and is
 * forwarded right after it), and the lifeline learns the child's PID as soon as spawn returns.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { ExitCode, launchFailure, type ShimError } from '../errors';
import type { Logger } from '../logging';
import { DEFAULT_KILL_AFTER_SECONDS, type LaunchPlan } from '../plan';
import { CORE_DUMPING_SIGNALS, TERMINAL_SIGNALS, forwardedSignals, lifelineShell, treeKillCommand, type PlatformFacts } from '../platform';
import { realFileSystem } from '../runtime';
import { inTerminalForeground, signalNumber } from '../signals';
import { startLifeline, type Lifeline } from './lifeline';
import { descendantsOf, signalEntries, signalTree, stillRunning, type Entry } from './tree';

/** How long to wait for a re-raised signal to end the shim before exiting with 128+N instead. */
const RERAISE_FALLBACK_MS = 300;

export interface SuperviseContext {
  facts: PlatformFacts;
  logger: Logger;
  /** Command that re-invokes this shim, for the init's inner supervisor. */
  selfCommand: string[];
  /** The shim's own arguments, likewise. */
  shimArgs: string[];
  /** --kill-after was given: as PID 1 a supervisor with a timer must stay under the init. */
  killAfterGiven: boolean;
  /** Ends the shim with an error's line and exit code, from where throwing is not possible. */
  fail: (error: ShimError) => never;
}

export function superviseChild(plan: LaunchPlan, context: SuperviseContext): Promise<never> {
  const { facts, logger } = context;
  if (facts.isPid1) {
    const { execInit } = require('./init') as typeof import('./init');
    const reason = execInit(plan, context);
    logger.warn(`as PID 1 the shim supervises with Node, which cannot reap orphaned processes: ${reason}`);
  }
  return new Promise<never>((_resolve, reject) => {
    const listeners = new Map<NodeJS.Signals, () => void>();
    let lifeline: Lifeline | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let exited = false;
    let child: ChildProcess | undefined;
    /** Descendants asked to stop (SIGTERM/SIGINT): --kill-after holds for them even once the child is gone. */
    let stopping: Entry[] = [];

    // To the child and its descendants (a launcher's server is a grandchild).
    const send = (signal: NodeJS.Signals): Entry[] => {
      if (exited || child?.pid === undefined) return [];
      const direct = child;
      return signalTree(direct.pid!, signal, facts, (name) => {
        try {
          direct.kill(name);
        } catch {
          /* gone between the check and the kill */
        }
      });
    };
    // Windows: the whole tree at once, with taskkill /T /F; then the child itself, in case taskkill is
    // missing or refuses (Wine 8's rejects /T and then ends nothing): the direct child goes at least.
    const endTreeOnWindows = (command: string[]) => {
      const direct = child!;
      spawnSync(command[0], command.slice(1), { stdio: 'ignore', windowsHide: true, timeout: 5000 });
      try {
        direct.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const armKillAfter = (signal: NodeJS.Signals) => {
      if (plan.killAfterSeconds <= 0 || killTimer) return;
      killTimer = setTimeout(() => {
        logger.warn(`the child (pid ${child?.pid}) did not stop within ${plan.killAfterSeconds}s of ${signal}: sending SIGKILL (see --kill-after)`);
        const command = exited || child?.pid === undefined ? undefined : treeKillCommand(facts, child.pid);
        if (command) return endTreeOnWindows(command);
        send('SIGKILL');
        signalEntries(stopping, 'SIGKILL', facts);
      }, plan.killAfterSeconds * 1000);
    };
    const listen = (signal: NodeJS.Signals, listener: () => void) => {
      listeners.set(signal, listener);
      process.on(signal, listener);
    };

    // Listeners first: from here on a signal to the shim is queued, never fatal, and is handled
    // once the child exists (listeners run only after this synchronous block, spawn included).
    for (const signal of forwardedSignals(facts)) {
      listen(signal, () => {
        let reached: Entry[];
        if (TERMINAL_SIGNALS.has(signal) && inTerminalForeground(facts)) {
          logger.debug(`${signal} came from the terminal, which delivered it to the child as well`);
          // ...and to its descendants: they are remembered as a forwarded signal's are, so that a
          // server ignoring Ctrl+C is not left behind by a launcher that dies of it.
          reached = exited || child?.pid === undefined ? [] : descendantsOf([child.pid], facts);
        } else {
          logger.debug(`forwarding ${signal} to the child (pid ${child?.pid}) and its descendants`);
          reached = send(signal);
        }
        if (signal === 'SIGTERM' || signal === 'SIGINT') {
          stopping = [...stopping, ...reached];
          armKillAfter(signal);
        }
      });
    }
    if (facts.family === 'windows') {
      // The console sends Ctrl+C / Ctrl+Break / close to every attached process, the child included.
      // The shim only has to outlive it, so it listens (otherwise Node would exit) and waits; after
      // Ctrl+C or Ctrl+Break, --kill-after ends the tree of a child that ignores them. On close,
      // Windows ends the shim within seconds whatever it does.
      for (const signal of ['SIGINT', 'SIGBREAK', 'SIGHUP'] as NodeJS.Signals[]) {
        listen(signal, () => {
          logger.debug(`${signal} came from the console, which delivered it to the child as well`);
          if (signal !== 'SIGHUP') armKillAfter(signal);
        });
      }
    } else {
      // Job control. Ctrl+Z stops the whole foreground group; a SIGTSTP sent to the shim alone is passed on.
      // Either way the shim then stops itself, so the shell sees the job stopped and gives its prompt back.
      listen('SIGTSTP', () => {
        if (!inTerminalForeground(facts)) send('SIGTSTP');
        process.kill(process.pid, 'SIGSTOP');
      });
      // `fg`/`bg` continue the whole group; a SIGCONT to the shim alone is passed on (twice is harmless).
      listen('SIGCONT', () => send('SIGCONT'));
    }

    // The lifeline exists before the child (not at PID 1: the namespace dies with the shim).
    const shell = facts.isPid1 ? undefined : lifelineShell(facts);
    if (shell) {
      if (realFileSystem.isExecutable(shell)) lifeline = startLifeline(shell, plan.killAfterSeconds > 0 ? plan.killAfterSeconds : DEFAULT_KILL_AFTER_SECONDS);
      else logger.warn(`${shell} is missing: if the shim is killed, the connector keeps running`);
    }

    const stopListening = () => {
      for (const [signal, listener] of listeners) process.removeListener(signal, listener);
      listeners.clear();
      removeExitHook();
      if (killTimer) clearTimeout(killTimer);
    };
    // Whatever ends the shim unexpectedly (an internal error, process.exit elsewhere), the child's tree
    // goes too. Every catchable signal that would end the shim has a listener above, so 'exit' sees
    // all the rest (signal-exit is not needed, and not loading it keeps the supervisor small).
    const exitHook = () => {
      if (exited || child?.pid === undefined) return;
      const command = treeKillCommand(facts, child.pid);
      if (command) endTreeOnWindows(command);
      else send('SIGTERM');
    };
    process.once('exit', exitHook);
    const removeExitHook = () => process.removeListener('exit', exitHook);

    try {
      child = spawn(plan.executable, plan.argv.slice(1), {
        argv0: plan.argv[0],
        cwd: plan.cwd,
        env: plan.env,
        stdio: 'inherit',
        windowsVerbatimArguments: plan.windowsVerbatimArguments,
        windowsHide: false,
      });
    } catch (error) {
      exited = true;
      lifeline?.release(); // while SIGPIPE still has a listener, should the lifeline be gone
      stopListening();
      // spawn throws (rather than emitting 'error') for ETXTBSY, ENOEXEC, E2BIG and the like.
      reject(launchFailure(plan.executable, (error as NodeJS.ErrnoException).code, (error as Error).message));
      return;
    }
    if (child.pid !== undefined) lifeline?.watch(child.pid);

    child.on('error', (error: NodeJS.ErrnoException) => {
      if (exited) return;
      exited = true;
      lifeline?.release(); // while SIGPIPE still has a listener, should the lifeline be gone
      stopListening();
      // Checked before spawning (executable-check.ts): the races where the file changed since, and ETXTBSY.
      reject(launchFailure(plan.executable, error.code, error.message));
    });

    child.on('exit', (code, signal) => {
      if (exited) return;
      exited = true;
      const finish = () => {
        lifeline?.release(); // while SIGPIPE still has a listener, should the lifeline be gone
        stopListening();
        if (signal) return dieBySignal(signal, facts, logger);
        if (code === 0 && plan.command === 'start') {
          logger.warn('the connector exited with status 0, but a connector is a server that should keep running: see its output above');
        }
        process.exit(code ?? ExitCode.failure);
      };
      // A launcher that dies at once would orphan a server still shutting down (or ignoring SIGTERM):
      // the shim waits for the descendants it asked to stop, and --kill-after applies to them.
      const left = killTimer ? stillRunning(stopping, facts) : [];
      if (left.length === 0) return finish();
      lifeline?.alsoWatch(left); // out of the child's tree now: the lifeline would not find them
      logger.debug('the child is gone; waiting for its descendants that were asked to stop');
      const poll = setInterval(() => {
        if (stillRunning(stopping, facts).length > 0) return;
        clearInterval(poll);
        finish();
      }, 50);
    });
  });
}


/**
 * Leaves the way the child did: by the same signal, so that a parent sees a signal death, not an
 * exit code (another listener, signal-exit's included, must not turn it into exit 0). Falls back
 * to 128+N when the signal does not end the shim (PID 1, an inherited ignore) or dumps core.
 */
function dieBySignal(signal: NodeJS.Signals, facts: PlatformFacts, logger: Logger): never | void {
  const code = 128 + signalNumber(signal);
  logger.debug(`the child died by ${signal}`);
  if (CORE_DUMPING_SIGNALS.has(signal) || facts.family === 'windows') process.exit(code);
  process.exitCode = code;
  process.removeAllListeners(signal);
  try {
    process.kill(process.pid, signal);
  } catch {
    process.exit(code);
  }
  setTimeout(() => process.exit(code), RERAISE_FALLBACK_MS);
}
