// Shared test helpers: the shims under test, bounded runs of real processes, PID tracking and teardown.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures');
export const PROBE = join(FIXTURES, 'probe.cjs');
export const RECORDER = join(FIXTURES, 'signal-recorder.cjs');
/** The machine's Node: what `node` means for connectors, and the runtime of the bundle variant. */
export const NODE = process.execPath;
export const SEA = join(ROOT, 'dist', 'ndc-shim-linux-x64');
export const BUNDLE = join(ROOT, 'dist', 'ndc-shim.cjs');

/**
 * The shims under test. `sea` is the shipped single-file executable (Node 22: exec mode);
 * `bundle` is the same code on the machine's Node 20, which has no execve (supervise mode).
 */
const ALL_SHIMS = [
  { name: 'sea', command: [SEA], execs: true, target: 'linux-x64' },
  { name: 'bundle', command: [NODE, BUNDLE], execs: false },
];
/**
 * A shim whose file is missing is never dropped silently: it fails when its target was asked for
 * (NDC_SHIM_TEST_TARGETS names it, or is unset: `npm test` builds this machine's executable), and
 * is a visible skip otherwise. The bundle is built with every target, so it is always asked for.
 */
const askedTargets = process.env.NDC_SHIM_TEST_TARGETS?.split(',').map((target) => target.trim());
export const MISSING_SHIMS = ALL_SHIMS.filter((shim) => !existsSync(shim.command.at(-1))).map((shim) => ({
  ...shim, asked: !shim.target || !askedTargets || askedTargets.includes(shim.target),
}));
for (const shim of MISSING_SHIMS) {
  const file = shim.command.at(-1).slice(ROOT.length + 1);
  const why = `${file} is not built (npm run build -- --targets ${shim.target ?? 'linux-x64'}): every ${shim.name} test of this file is left out`;
  test(`${shim.name}: ${file} is there`, { skip: !shim.asked && why }, () => { assert.fail(why); });
}
export const SHIMS = ALL_SHIMS.filter((shim) => !MISSING_SHIMS.some((missing) => missing.name === shim.name));

export const seaShim = () => SHIMS.find((shim) => shim.name === 'sea');

const tracked = new Set();
const tempDirs = [];

/** Every process a test starts is tracked by PID and killed in teardown if it is still there. */
export function track(pid) {
  if (pid) tracked.add(pid);
  return pid;
}

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

after(() => {
  for (const pid of tracked) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  for (const dir of tempDirs) removeTree(dir);
});

/** Removes a test's directory, including directories a test made unreadable or unsearchable (as a normal user, rm needs them back). */
function removeTree(dir) {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    spawnSync('chmod', ['-R', 'u+rwX', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}

export function tempDir(prefix = 'ndc-shim-test-') {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  tempDirs.push(dir);
  return dir;
}

/**
 * Runs a command to completion within `timeoutMs` (then SIGKILLs it and fails): generous, for a
 * loaded machine (a start-up took over 20 s at a load average of 19 on 2 cores).
 * Returns exit code, signal, stdout and stderr.
 */
export function run(command, args = [], { env = process.env, cwd, timeoutMs = 60000, input, stdio } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: stdio ?? ['pipe', 'pipe', 'pipe'] });
    track(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => { stdout += chunk; });
    child.stderr?.on('data', (chunk) => { stderr += chunk; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out after ${timeoutMs} ms: ${command} ${args.join(' ')}\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', (error) => { clearTimeout(timer); reject(error); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, pid: child.pid });
    });
    if (input !== undefined) child.stdin.end(input);
    else child.stdin?.end();
  });
}

/**
 * A port for each shim run: `start` checks that its port is free, so tests running side by side
 * must not share the default 8080. Ranges differ per test process (one per file), and stay below
 * the kernel's ephemeral range (32768 and up), where freePort() and every client socket get theirs.
 */
let nextPort = 10000 + (process.pid % 1100) * 20;
const withTestPort = (options = {}) => {
  const env = options.env ?? process.env;
  return 'HASURA_CONNECTOR_PORT' in env ? options : { ...options, env: { ...env, HASURA_CONNECTOR_PORT: String(nextPort++) } };
};

export const runShim = (shim, args, options) => run(shim.command[0], [...shim.command.slice(1), ...args], withTestPort(options));

/** Starts a long-running process and returns it (tracked); the caller waits for it with `exited`. */
export function start(command, args = [], { env = process.env, cwd, stdio = ['ignore', 'pipe', 'pipe'], detached = false } = {}) {
  const child = spawn(command, args, { env, cwd, stdio, detached });
  track(child.pid);
  child.output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk) => { child.output.stdout += chunk; });
  child.stderr?.on('data', (chunk) => { child.output.stderr += chunk; });
  child.done = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return child;
}

export const startShim = (shim, args, options) => start(shim.command[0], [...shim.command.slice(1), ...args], withTestPort(options));

/** Resolves once `child` has closed, or rejects after `timeoutMs`. */
export function exited(child, timeoutMs = 10000) {
  let timer;
  return Promise.race([
    child.done.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`process ${child.pid} still running after ${timeoutMs} ms`)), timeoutMs); }),
  ]);
}

/** Polls `predicate` every 20 ms until it returns a truthy value, or fails after `timeoutMs`. */
export async function waitFor(predicate, timeoutMs = 10000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const readIfExists = (file) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

/** PIDs of processes whose command line contains `text` (from /proc). */
export function processesMatching(text) {
  const result = spawnSync('pgrep', ['-f', '--', text], { encoding: 'utf8' });
  return result.stdout.split('\n').filter(Boolean).map(Number).filter((pid) => pid !== process.pid);
}

/** A free TCP port on 127.0.0.1, chosen by the kernel. */
export async function freePort() {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Whether nothing listens on `port` of 127.0.0.1 (a connector that was stopped has let it go). */
export async function portIsFree(port) {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Arguments that must reach a child byte for byte. */
export const CORPUS = ['', ' ', 'a b', '"', "'", 'say "hi"', 'back\\slash', 'q\\"x', '\\\\"', 'ends\\', '--', '--help', '-e', '--manifest',
  '$HOME', '${PATH}', '`id`', '%PATH%', '!PATH!', '^&|<>()', 'a;b', '*', '~', 'é ü 日本 🚀', 'x'.repeat(10000), 'line1\nline2', '\t'];

export const signalNumber = (name) => ({ SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGUSR1: 10, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 })[name];

/** Each way of launching: exec (the SEA) and supervise (the SEA with --no-exec, and the bundle on Node 20). */
export const MODES = SHIMS.flatMap((shim) => (shim.execs
  ? [{ label: `${shim.name} exec`, shim, flags: [] }, { label: `${shim.name} --no-exec`, shim, flags: ['--no-exec'] }]
  : [{ label: `${shim.name} supervise`, shim, flags: [] }]));

/** A word quoted for a POSIX shell. */
export const shellWord = (text) => `'${text.replace(/'/g, "'\\''")}'`;
/** The shell words that run a mode's shim, for `bash -c` lines. */
export const shimLine = (mode) => [...mode.shim.command, ...mode.flags].map(shellWord).join(' ');

/** The shim's own debug line with its plan: present exactly when the level lets debug lines through. */
export const DEBUG_PLAN_LINE = /^DEBUG \(ndc-shim\): plan: /m;
/** This process's environment without a log level of its own (NDC_SHIM_LOG_LEVEL, HASURA_PLUGIN_LOG_LEVEL). */
export const envWithoutLogLevels = () => Object.fromEntries(Object.entries(process.env).filter(([name]) => !['NDC_SHIM_LOG_LEVEL', 'HASURA_PLUGIN_LOG_LEVEL'].includes(name)));

/** A process's state letter and parent, read from /proc/PID/stat after the last `)` (a name may hold anything). */
export function procStat(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}
