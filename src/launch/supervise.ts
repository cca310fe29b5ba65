/**
 * Supervision, where exec is not possible (Windows, --no-exec, PID 1, a Node without execve):
 * the child gets the shim's own stdio; signals are forwarded once, to the child's whole tree;
 * Ctrl+Z and `fg` stop and resume both; the shim never exits before the child and leaves with its
 * exit code, or dies by its signal. As PID 1 on Linux it execs an init instead (see init.ts).
 *
 * No moment of start-up leaves the child unprotected: the signal listeners and the lifeline exist
 * before the child is spawned (a signal that arrives during the spawn waits in the event loop and is
 * forwarded right after it), and the lifeline learns the child's PID as soon as spawn returns.
 *
 * The parts, each a method of Supervisor: `listen` (which signal does what), `forward` (to the
 * tree, or held until the connector runs), `spawnChild` (directly, or through the exec helper),
 * `armKillAfter`, `suspend` (job control), `deliver` (with the terminal sentinel's word on who sent it), `watchForExit` and `onChildExit`/`finish` (the way out).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import type { Socket } from 'node:net';
import { ExitCode, launchFailure, type ShimError } from '../errors';
import type { Logger } from '../logging';
import { DEFAULT_KILL_AFTER_SECONDS, type LaunchPlan } from '../plan';
import { CORE_DUMPING_SIGNALS, TERMINAL_SIGNALS, forwardedSignals, lifelineShell, treeKillCommand, type PlatformFacts } from '../platform';
import { realFileSystem } from '../runtime';
import { MAX_KILL_AFTER_SECONDS, REALTIME_SIGNALS, inTerminalForeground, listenBySignalNumber, signalNumber } from '../signals';
import { EXEC_HELPER_ARG, EXEC_HELPER_FD, type ExecRequest } from './exec-helper';
import { startLifeline, type Lifeline } from './lifeline';
import { TerminalSentinel } from './sentinel';
import { descendantsOf, isStopped, signalEntries, signalTree, stillRunning, type Entry, type Signal } from './tree';

/** How long to wait for a re-raised signal to end the shim before exiting with 128+N instead. */
const RERAISE_FALLBACK_MS = 300;
/**
 * How often the shim asks the runtime to look for the child's end. The runtime learns it from
 * SIGCHLD, written into a pipe that a flood of other signals can fill: then that SIGCHLD is lost and
 * the shim would wait forever beside a zombie. A SIGCHLD the shim sends itself makes the runtime
 * look again (a wait without blocking): harmless, and once every few seconds is cheap.
 */
const EXIT_CHECK_MS = 2000;
/** How long Ctrl+Z waits for the child to stop before the shim stops too (see suspend). */
const STOP_WAIT_MS = 2000;
const STOP_POLL_MS = 20;

export interface SuperviseContext {
  facts: PlatformFacts;
  logger: Logger;
  /** Command that re-invokes this shim, for the init's inner supervisor and the exec helper. */
  selfCommand: string[];
  /** The shim's own arguments, likewise. */
  shimArgs: string[];
  /** --kill-after was given: as PID 1 a supervisor with a timer must stay under the init. */
  killAfterGiven: boolean;
  /** Ends the shim with an error's line and exit code, from where throwing is not possible. */
  fail: (error: ShimError) => never;
}

export function superviseChild(plan: LaunchPlan, context: SuperviseContext): Promise<never> {
  if (context.facts.isPid1) {
    const { execInit } = require('./init') as typeof import('./init');
    const reason = execInit(plan, context);
    context.logger.warn(`as PID 1 the shim supervises with Node, which cannot reap orphaned processes: ${reason}`);
  }
  return new Promise<never>((_resolve, reject) => new Supervisor(plan, context, reject).start());
}

/** The shim's signal listeners, named and numbered, so that each can be removed by its signal. */
class SignalListeners {
  private readonly named = new Map<NodeJS.Signals, () => void>();
  private readonly numbered = new Map<number, () => void>();

  add(signal: Signal, listener: () => void): void {
    if (typeof signal === 'number') {
      const stop = listenBySignalNumber(signal, listener);
      if (stop) this.numbered.set(signal, stop);
      return;
    }
    this.named.set(signal, listener);
    process.on(signal, listener);
  }

  remove(signal: Signal): void {
    if (typeof signal === 'number') {
      this.numbered.get(signal)?.();
      this.numbered.delete(signal);
      return;
    }
    const listener = this.named.get(signal);
    if (listener) process.removeListener(signal, listener);
    this.named.delete(signal);
  }

  removeAll(): void {
    for (const signal of [...this.named.keys(), ...this.numbered.keys()]) this.remove(signal);
  }
}

class Supervisor {
  private readonly facts: PlatformFacts;
  private readonly logger: Logger;
  private readonly listeners = new SignalListeners();
  private child: ChildProcess | undefined;
  private lifeline: Lifeline | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  private exitCheck: NodeJS.Timeout | undefined;
  private exited = false;
  /** False while the exec helper has not yet become the connector: signals forwarded meanwhile wait in `held`. */
  private connectorRunning = false;
  private held: Signal[] = [];
  /** Tells a terminal's signals from those sent to the shim alone (see sentinel.ts). */
  private sentinel: TerminalSentinel | undefined;
  /** A Ctrl+Z is being handled (see suspend). */
  private suspending = false;
  /** Descendants asked to stop (SIGTERM/SIGINT): --kill-after holds for them even once the child is gone. */
  private stopping: Entry[] = [];

  constructor(
    private readonly plan: LaunchPlan,
    private readonly context: SuperviseContext,
    private readonly reject: (error: ShimError) => void,
  ) {
    this.facts = context.facts;
    this.logger = context.logger;
  }

  start(): void {
    // Listeners first: from here on a signal to the shim is queued, never fatal, and is handled
    // once the child exists (listeners run only after this synchronous block, spawn included).
    this.listen();
    // The lifeline exists before the child (not at PID 1: the namespace dies with the shim).
    this.startLifeline();
    process.once('exit', this.exitHook);
    if (!this.spawnChild()) return;
    if (this.child!.pid !== undefined) this.lifeline?.watch(this.child!.pid);
    this.child!.on('error', (error: NodeJS.ErrnoException) => this.onSpawnError(error));
    this.child!.on('exit', (code, signal) => this.onChildExit(code, signal));
    this.watchForExit();
  }

  // --- signals -------------------------------------------------------------------------------

  private listen(): void {
    const { facts, logger } = this;
    for (const signal of forwardedSignals(facts)) this.listeners.add(signal, () => this.onForwardable(signal));
    // Node has no names for the real-time signals; the runtime's signal handle takes their numbers.
    if (facts.platform === 'linux') for (const signal of REALTIME_SIGNALS) this.listeners.add(signal, () => this.onForwardable(signal));
    if (facts.family === 'windows') {
      // The console sends Ctrl+C / Ctrl+Break / close to every attached process, the child included.
      // The shim only has to outlive it, so it listens (otherwise Node would exit) and waits; after
      // Ctrl+C or Ctrl+Break, --kill-after ends the tree of a child that ignores them. On close,
      // Windows ends the shim within seconds whatever it does.
      for (const signal of ['SIGINT', 'SIGBREAK', 'SIGHUP'] as NodeJS.Signals[]) {
        this.listeners.add(signal, () => {
          logger.debug(`${signal} came from the console, which delivered it to the child as well`);
          if (signal !== 'SIGHUP') this.armKillAfter(signal);
        });
      }
      return;
    }
    // Job control: Ctrl+Z / a SIGTSTP sent to the shim (see suspend); `fg`/`bg` continue the whole
    // group, and a SIGCONT to the shim alone is passed on (twice is harmless).
    this.listeners.add('SIGTSTP', () => this.suspend());
    this.listeners.add('SIGCONT', () => this.forward('SIGCONT'));
    // SIGIO is about the shim's own descriptors (not forwarded), and its default action would end
    // the shim, and then the connector with it.
    this.listeners.add('SIGIO', () => logger.debug('SIGIO is about the shim\'s own descriptors: not forwarded'));
  }

  private onForwardable(signal: Signal): void {
    if (typeof signal === 'string' && TERMINAL_SIGNALS.has(signal) && inTerminalForeground(this.facts)) {
      // Typed at the terminal (the whole group got it), or sent to the shim alone with kill(2)?
      // The sentinel tells; without it, the terminal is assumed, as a double delivery is worse.
      if (!this.sentinel) return this.deliver(signal, true);
      void this.sentinel.reachedGroup(signal).then((group) => this.deliver(signal, group !== false));
      return;
    }
    this.deliver(signal, false);
  }

  private deliver(signal: Signal, byTheGroup: boolean): void {
    let reached: Entry[];
    if (byTheGroup) {
      this.logger.debug(`${signalName(signal)} reached the shim's whole process group (the terminal), the child included`);
      // ...and its descendants: they are remembered as a forwarded signal's are, so that a
      // server ignoring Ctrl+C is not left behind by a launcher that dies of it.
      reached = this.exited || this.child?.pid === undefined ? [] : descendantsOf([this.child.pid], this.facts);
    } else {
      this.logger.debug(`forwarding ${signalName(signal)} to the child (pid ${this.child?.pid}) and its descendants`);
      reached = this.forward(signal);
    }
    if (signal === 'SIGTERM' || signal === 'SIGINT') {
      this.stopping = [...this.stopping, ...reached];
      this.armKillAfter(signal);
    }
  }

  /** To the child and its descendants (a launcher's server is a grandchild); held while the exec helper has not exec'd yet. */
  private forward(signal: Signal): Entry[] {
    if (this.exited || this.child?.pid === undefined) return [];
    if (!this.connectorRunning) {
      // The helper is the shim's runtime: a signal would reach it, not the connector (SIGUSR1
      // would even start its inspector). It goes to the connector as soon as that runs.
      this.held.push(signal);
      return [];
    }
    const direct = this.child;
    return signalTree(direct.pid!, signal, this.facts, (sent) => {
      try {
        if (typeof sent === 'number') process.kill(direct.pid!, sent);
        else direct.kill(sent);
      } catch {
        /* gone between the check and the kill */
      }
    });
  }

  /**
   * The helper closes its channel just before its execve: a held signal sent at that instant went
   * to the helper's runtime and was lost now and then under load (the connector then ran on until
   * --kill-after). On Linux, wait until /proc shows the exec done (bounded); elsewhere go on.
   */
  private afterHelperExec(then: () => void): void {
    const pid = this.child?.pid;
    if (pid === undefined || this.facts.platform !== 'linux') return then();
    const deadline = Date.now() + 2000;
    const check = (): void => {
      let cmdline = '';
      try {
        cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1');
      } catch { /* gone: its exit says the rest */ }
      if (cmdline === '' || !cmdline.split('\0').includes(EXEC_HELPER_ARG) || Date.now() > deadline) return then();
      setTimeout(check, 5);
    };
    check();
  }

  private connectorStarted(): void {
    if (this.connectorRunning) return;
    this.connectorRunning = true;
    const held = this.held;
    this.held = [];
    for (const signal of held) {
      const reached = this.forward(signal);
      if (signal === 'SIGTERM' || signal === 'SIGINT') this.stopping = [...this.stopping, ...reached];
    }
  }

  private armKillAfter(signal: NodeJS.Signals): void {
    if (this.plan.killAfterSeconds <= 0 || this.killTimer) return;
    // The command line refuses longer graces; this keeps setTimeout from ever firing at once.
    const seconds = Math.min(this.plan.killAfterSeconds, MAX_KILL_AFTER_SECONDS);
    this.killTimer = setTimeout(() => {
      this.logger.warn(`the child (pid ${this.child?.pid}) did not stop within ${this.plan.killAfterSeconds}s of ${signal}: sending SIGKILL (see --kill-after)`);
      const command = this.exited || this.child?.pid === undefined ? undefined : treeKillCommand(this.facts, this.child.pid);
      if (command) return this.endTreeOnWindows(command);
      this.connectorRunning = true; // SIGKILL ends the exec helper as well
      this.forward('SIGKILL');
      signalEntries(this.stopping, 'SIGKILL', this.facts);
    }, seconds * 1000);
  }

  /**
   * Ctrl+Z stops the whole foreground group; a SIGTSTP sent to the shim alone is passed on. The shim
   * then stops itself, so that the shell sees the job stopped and gives its prompt back, but only
   * once the child has stopped: in an orphaned process group (`setsid`, a parent gone) the kernel
   * discards SIGTSTP for the child, and a child may catch it and go on. A shim stopped beside a
   * running child would hold back every later signal, SIGTERM included, until a SIGCONT.
   */
  private suspend(): void {
    if (!inTerminalForeground(this.facts)) this.forward('SIGTSTP');
    if (this.suspending) return;
    this.suspending = true;
    const deadline = Date.now() + STOP_WAIT_MS;
    const check = () => {
      const pid = this.child?.pid;
      if (this.exited || pid === undefined) {
        this.suspending = false;
        return;
      }
      if (isStopped(pid, this.facts)) {
        this.suspending = false;
        process.kill(process.pid, 'SIGSTOP');
        return;
      }
      if (Date.now() < deadline) {
        setTimeout(check, STOP_POLL_MS);
        return;
      }
      this.suspending = false;
      this.logger.debug('SIGTSTP did not stop the child (an orphaned process group, or it handles SIGTSTP): the shim does not stop either');
    };
    check();
  }

  // --- the child -----------------------------------------------------------------------------

  private startLifeline(): void {
    const shell = this.facts.isPid1 ? undefined : lifelineShell(this.facts);
    if (!shell) return;
    if (!realFileSystem.isExecutable(shell)) {
      this.logger.warn(`${shell} is missing: if the shim is killed, the connector keeps running`);
      return;
    }
    this.lifeline = startLifeline(shell, this.plan.killAfterSeconds > 0 ? this.plan.killAfterSeconds : DEFAULT_KILL_AFTER_SECONDS);
    this.sentinel = TerminalSentinel.start(this.facts, shell);
  }

  /** Spawns the child; false (and the promise rejected) when spawn threw. */
  private spawnChild(): boolean {
    const { plan } = this;
    // Where the runtime has execve (POSIX), the exec helper starts the connector, so that a file the
    // kernel refuses is never handed to /bin/sh (see exec-helper.ts). Windows has no such fallback.
    const viaHelper = this.facts.execAvailable;
    try {
      this.child = viaHelper
        ? spawn(this.context.selfCommand[0], [...this.context.selfCommand.slice(1), EXEC_HELPER_ARG], {
          cwd: plan.cwd,
          env: process.env.NO_COLOR === undefined ? {} : { NO_COLOR: process.env.NO_COLOR },
          stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
        })
        : spawn(plan.executable, plan.argv.slice(1), {
          argv0: plan.argv[0],
          cwd: plan.cwd,
          env: plan.env,
          stdio: 'inherit',
          windowsVerbatimArguments: plan.windowsVerbatimArguments,
          windowsHide: false,
        });
    } catch (error) {
      // spawn throws (rather than emitting 'error') for ETXTBSY, ENOEXEC, E2BIG and the like.
      this.abandon(launchFailure(plan.executable, (error as NodeJS.ErrnoException).code, (error as Error).message));
      return false;
    }
    if (!viaHelper) {
      this.connectorRunning = true;
      return true;
    }
    // No stdio at all when spawn failed with EMFILE/ENFILE (Node then emits 'error' without setting it up).
    const channel = this.child.stdio?.[EXEC_HELPER_FD] as Socket | null | undefined;
    if (!channel) {
      this.connectorRunning = true;
      return true;
    }
    const request: ExecRequest = {
      file: plan.executable,
      argv: plan.argv,
      env: plan.env,
      logLevel: this.logger.settings.level,
      logFormat: this.logger.settings.format,
    };
    channel.on('error', () => { /* the helper is gone: its exit says the rest */ });
    // The helper closes its end just before the execve (or dies): from then on the connector runs.
    channel.on('close', () => this.afterHelperExec(() => this.connectorStarted()));
    channel.resume();
    channel.end(JSON.stringify(request));
    return true;
  }

  private onSpawnError(error: NodeJS.ErrnoException): void {
    if (this.exited) return;
    // Checked before spawning (executable-check.ts): the races where the file changed since, and ETXTBSY.
    this.abandon(launchFailure(this.plan.executable, error.code, error.message));
  }

  /** The child never ran: nothing to wait for, the error is the shim's answer. */
  private abandon(error: ShimError): void {
    this.exited = true;
    this.lifeline?.release(); // while SIGPIPE still has a listener, should the lifeline be gone
    this.sentinel?.stop();
    this.listeners.removeAll();
    this.stopTimers();
    this.reject(error);
  }

  /** See EXIT_CHECK_MS: the child's end is noticed whatever the signal traffic. */
  private watchForExit(): void {
    if (this.facts.family === 'windows') return; // no SIGCHLD there: the runtime waits on the process handle
    this.exitCheck = setInterval(() => {
      if (!this.exited) process.kill(process.pid, 'SIGCHLD');
    }, EXIT_CHECK_MS);
    this.exitCheck.unref();
  }

  private onChildExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exited) return;
    this.exited = true;
    // A launcher that dies at once would orphan a server still shutting down (or ignoring SIGTERM):
    // the shim waits for the descendants it asked to stop, and --kill-after applies to them.
    const left = this.killTimer ? stillRunning(this.stopping, this.facts) : [];
    if (left.length === 0) return this.finish(code, signal);
    this.lifeline?.alsoWatch(left); // out of the child's tree now: the lifeline would not find them
    this.logger.debug('the child is gone; waiting for its descendants that were asked to stop');
    const poll = setInterval(() => {
      if (stillRunning(this.stopping, this.facts).length > 0) return;
      clearInterval(poll);
      this.finish(code, signal);
    }, 50);
  }

  /**
   * Leaves with the child's code, or dies by its signal. The signal listeners stay until the
   * process ends: removed, a signal arriving now would end the shim by its default action and
   * replace the child's exit code (138 instead of 7 under a stream of SIGUSR1).
   */
  private finish(code: number | null, signal: NodeJS.Signals | null): void {
    this.lifeline?.release(); // while SIGPIPE still has a listener, should the lifeline be gone
    this.sentinel?.stop();
    this.stopTimers();
    process.removeListener('exit', this.exitHook);
    if (signal) return this.dieBySignal(signal);
    if (code === 0 && this.plan.command === 'start') {
      this.logger.warn('the connector exited with status 0, but a connector is a server that should keep running: see its output above');
    }
    process.exit(code ?? ExitCode.failure);
  }

  /**
   * Leaves the way the child did: by the same signal, so that a parent sees a signal death, not an
   * exit code (another listener, signal-exit's included, must not turn it into exit 0). Falls back
   * to 128+N when the signal does not end the shim (PID 1, an inherited ignore) or dumps core.
   */
  private dieBySignal(signal: NodeJS.Signals): void {
    const code = 128 + signalNumber(signal);
    this.logger.debug(`the child died by ${signal}`);
    if (CORE_DUMPING_SIGNALS.has(signal) || this.facts.family === 'windows') process.exit(code);
    process.exitCode = code;
    this.listeners.remove(signal);
    process.removeAllListeners(signal);
    try {
      process.kill(process.pid, signal);
    } catch {
      process.exit(code);
    }
    setTimeout(() => process.exit(code), RERAISE_FALLBACK_MS);
  }

  private stopTimers(): void {
    if (this.killTimer) clearTimeout(this.killTimer);
    if (this.exitCheck) clearInterval(this.exitCheck);
  }

  /**
   * Whatever ends the shim unexpectedly (an internal error, process.exit elsewhere), the child's tree
   * goes too. Every catchable signal that would end the shim has a listener, so 'exit' sees all the
   * rest (signal-exit is not needed, and not loading it keeps the supervisor small).
   */
  private readonly exitHook = (): void => {
    if (this.exited || this.child?.pid === undefined) return;
    const command = treeKillCommand(this.facts, this.child.pid);
    if (command) return this.endTreeOnWindows(command);
    this.connectorRunning = true;
    this.forward('SIGTERM');
  };

  /**
   * Windows: the whole tree at once, with taskkill /T /F; then the child itself, in case taskkill is
   * missing or refuses (Wine 8's rejects /T and then ends nothing): the direct child goes at least.
   */
  private endTreeOnWindows(command: string[]): void {
    const direct = this.child!;
    spawnSync(command[0], command.slice(1), { stdio: 'ignore', windowsHide: true, timeout: 5000 });
    try {
      direct.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

const signalName = (signal: Signal): string => (typeof signal === 'number' ? `signal ${signal}` : signal);
