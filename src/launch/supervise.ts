/**
 * Supervision, where exec is not possible (Windows, --no-exec, PID 1, a Node without execve):
 * the child gets the shim's own stdio; signals are forwarded once; Ctrl+Z and `fg` stop and resume
 * both; the shim never exits before the child and leaves with its exit code, or dies by its signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ExitCode, launchFailure } from '../errors';
import { loadExtras } from '../libraries';
import type { Logger } from '../logging';
import { DEFAULT_KILL_AFTER_SECONDS, type LaunchPlan } from '../plan';
import { CORE_DUMPING_SIGNALS, TERMINAL_SIGNALS, forwardedSignals, type PlatformFacts } from '../platform';
import { inTerminalForeground, processIdentity, signalNumber } from '../signals';
import { startLifeline, type Lifeline } from './lifeline';

/** How long to wait for a re-raised signal to end the shim before exiting with 128+N instead. */
const RERAISE_FALLBACK_MS = 300;

export interface SuperviseContext {
  facts: PlatformFacts;
  logger: Logger;
  /** Command that re-invokes this shim, for the lifeline. */
  selfCommand: string[];
}

export function superviseChild(plan: LaunchPlan, { facts, logger, selfCommand }: SuperviseContext): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    const listeners = new Map<NodeJS.Signals, () => void>();
    let lifeline: Lifeline | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let exited = false;

    let child: ChildProcess;
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
      // spawn throws (rather than emitting 'error') for ETXTBSY, ENOEXEC, E2BIG and the like.
      return reject(launchFailure(plan.executable, (error as NodeJS.ErrnoException).code, (error as Error).message));
    }

    const stopListening = () => {
      for (const [signal, listener] of listeners) process.removeListener(signal, listener);
      listeners.clear();
      removeExitHook();
      if (killTimer) clearTimeout(killTimer);
    };
    // Whatever ends the shim unexpectedly (an internal error, an unhandled signal), the child goes too.
    const removeExitHook = loadExtras().signalExit.onExit(() => {
      if (!exited && child.pid !== undefined) child.kill('SIGTERM');
    }, { alwaysLast: true });

    child.on('error', (error: NodeJS.ErrnoException) => {
      if (exited) return;
      exited = true;
      stopListening();
      lifeline?.release();
      // Checked before spawning (executable-check.ts): the races where the file changed since, and ETXTBSY.
      reject(launchFailure(plan.executable, error.code, error.message));
    });

    child.on('exit', (code, signal) => {
      if (exited) return;
      exited = true;
      stopListening();
      lifeline?.release();
      if (signal) return dieBySignal(signal, facts, logger);
      if (code === 0 && plan.command === 'start') {
        logger.warn('the connector exited with status 0, but a connector is a server that should keep running: see its output above');
      }
      process.exit(code ?? ExitCode.failure);
    });

    if (child.pid === undefined) return; // 'error' follows
    if (facts.family === 'posix') {
      const identity = processIdentity(child.pid, facts);
      if (identity) {
        const grace = plan.killAfterSeconds > 0 ? plan.killAfterSeconds : DEFAULT_KILL_AFTER_SECONDS;
        lifeline = startLifeline(selfCommand, child.pid, identity, grace);
      }
    }

    const send = (signal: NodeJS.Signals) => {
      if (exited) return;
      try {
        child.kill(signal);
      } catch {
        /* gone between the check and the kill */
      }
    };
    const listen = (signal: NodeJS.Signals, listener: () => void) => {
      listeners.set(signal, listener);
      process.on(signal, listener);
    };

    for (const signal of forwardedSignals(facts)) {
      listen(signal, () => {
        if (TERMINAL_SIGNALS.has(signal) && inTerminalForeground(facts)) {
          logger.debug(`${signal} came from the terminal, which delivered it to the child as well`);
        } else {
          logger.debug(`forwarding ${signal} to the child (pid ${child.pid})`);
          send(signal);
        }
        if ((signal === 'SIGTERM' || signal === 'SIGINT') && plan.killAfterSeconds > 0 && !killTimer) {
          killTimer = setTimeout(() => {
            logger.warn(`the child (pid ${child.pid}) did not stop within ${plan.killAfterSeconds}s of ${signal}: sending SIGKILL (see --kill-after)`);
            send('SIGKILL');
          }, plan.killAfterSeconds * 1000);
        }
      });
    }

    if (facts.family === 'windows') {
      // The console sends Ctrl+C / Ctrl+Break / close to every attached process, the child included.
      // The shim only has to outlive it, so it listens (otherwise Node would exit) and waits.
      for (const signal of ['SIGINT', 'SIGBREAK', 'SIGHUP'] as NodeJS.Signals[]) listen(signal, () => {});
      return;
    }

    // Job control. Ctrl+Z stops the whole foreground group; a SIGTSTP sent to the shim alone is passed on.
    // Either way the shim then stops itself, so the shell sees the job stopped and gives its prompt back.
    listen('SIGTSTP', () => {
      if (!inTerminalForeground(facts)) send('SIGTSTP');
      process.kill(process.pid, 'SIGSTOP');
    });
    // `fg`/`bg` continue the whole group; a SIGCONT to the shim alone is passed on (twice is harmless).
    listen('SIGCONT', () => send('SIGCONT'));
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
