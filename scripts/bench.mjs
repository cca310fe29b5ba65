// npm run bench [-- --runs N]: measures the built linux-x64 executable against the RFC's bash
// wrapper, a direct call and the embedded Node's own bare start-up, and writes docs/benchmarks.md.
// Benchmarks never fail: they report. Only 127.0.0.1 is used for traffic.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync, cpSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ALL_TARGETS, bakeSea, codeCacheFile, ensureFreshExecutables, executableName } from './build.mjs';
import { EXTRAS_NAME, LAUNCH_NAME, SEA_DIR } from './bundle.mjs';
import { DDN_PLATFORM } from './package.mjs';
import { initAssetFile } from './init-binary.mjs';
import { distConfig, hostTarget, root, cacheDir } from './node-binaries.mjs';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg === -1 ? 40 : Number(process.argv[runsArg + 1]);
const now = () => performance.timeOrigin + performance.now();
const work = mkdtempSync(join(tmpdir(), 'ndc-shim-bench-'));
// Every target is kept current for the size table (macOS and Windows: sizes only, they cannot run here).
const shim = (await ensureFreshExecutables([hostTarget(), ...ALL_TARGETS.filter((target) => target !== hostTarget())]))[0];
const TRUE = execFileSync('which', ['true'], { encoding: 'utf8' }).trim();
const SLEEP = execFileSync('which', ['sleep'], { encoding: 'utf8' }).trim();
const nodeDir = join(cacheDir, 'node', distConfig.version, hostTarget());
const bareNode = existsSync(join(nodeDir, 'node.stripped')) ? join(nodeDir, 'node.stripped') : join(nodeDir, 'node');

const freePort = () => new Promise((resolve) => {
  const server = createServer();
  server.listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)); });
});
const benchPort = String(await freePort());
const env = { ...process.env, HASURA_CONNECTOR_PORT: benchPort, HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: work, HASURA_DDN_NATIVE_CONNECTOR_DIR: work };

// The RFC's own start script (native-connector-packaging RFC), with the connector replaced by a stand-in.
const rfcWrapper = (connector, args) => `#!/usr/bin/env bash\nset -eu -o pipefail\nHASURA_CONFIGURATION_DIRECTORY="$HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH" ${connector} ${args}\n`;
let scriptCount = 0;
/** The same script shipped as a file and run as `bash -c ./start.sh` (the shape ndc-nodejs-lambda ships). */
function rfcScriptFile(connector, args) {
  const file = join(work, `start-${scriptCount++}.sh`);
  writeFileSync(file, rfcWrapper(connector, args), { mode: 0o755 });
  return ['-c', `"${file}"`];
}

/** A single executable of `code` baked from the same Node binary: the runtime's own start-up. */
function bareSea(name, code) {
  const entry = join(work, `${name}.cjs`);
  writeFileSync(entry, code);
  const output = join(work, name);
  // Baked as the executables are (same stripped base, same V8 flags).
  const failed = bakeSea({ target: hostTarget(), main: entry, output, useCodeCache: true });
  if (failed) console.error(`bench: no ${name} SEA (${failed})`);
  return failed ? undefined : output;
}

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: at(0.5), p10: at(0.1), p90: at(0.9) };
}

/**
 * Times every launcher in rounds (one run of each per round, in turn), so that whatever else the
 * machine does drifts over all of them alike instead of skewing the one measured at that moment.
 * The rounds run in a fresh, small Node process: this one has held whole executables in memory
 * (the bare SEAs are baked and compacted here), and forking a large process costs more than a
 * launch itself (a 1 ms `true` measured 20 ms from here).
 */
function timeLaunches(launchers) {
  const timer = `
    const { spawnSync } = require('node:child_process');
    const { launchers, runs, env } = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
    const entries = Object.entries(launchers);
    const now = () => performance.timeOrigin + performance.now();
    for (const [, [command, args]] of entries) for (let i = 0; i < 3; i++) spawnSync(command, args, { env, stdio: 'ignore' });
    const samples = Object.fromEntries(entries.map(([name]) => [name, []]));
    for (let round = 0; round < runs; round++) {
      for (const [name, [command, args]] of entries) {
        const started = now();
        const result = spawnSync(command, args, { env, stdio: 'ignore' });
        samples[name].push(now() - started);
        if (result.status !== 0) throw new Error(command + ' ' + args.join(' ') + ' exited with ' + result.status);
      }
    }
    process.stdout.write(JSON.stringify(samples));`;
  const result = spawnSync(process.execPath, ['-e', timer], { input: JSON.stringify({ launchers, runs: RUNS, env }), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`timing the launchers failed: ${result.stderr.trim()}`);
  const samples = JSON.parse(result.stdout);
  return { samples, ...Object.fromEntries(Object.keys(launchers).map((name) => [name, stats(samples[name])])) };
}

/** Sum of `field` (VmRSS, RssAnon...) in /proc/PID/status over a process and its descendants, KiB. */
const treeStatus = (pid, field) => {
  let total = 0;
  const pattern = new RegExp(`${field}:\\s+(\\d+)`);
  const visit = (p) => {
    try {
      total += Number(pattern.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
      for (const child of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) visit(Number(child));
    } catch { /* gone */ }
  };
  visit(pid);
  return total;
};
const findLeaf = (pid, name) => {
  const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  if (comm === name) return pid;
  for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) {
    const found = findLeaf(Number(child), name);
    if (found) return found;
  }
  return undefined;
};
const sleepMs = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function residentMemory(command, args) {
  const child = spawn(command, args, { env, stdio: 'ignore' });
  await sleepMs(700);
  const leaf = findLeaf(child.pid, 'sleep');
  // Supervise mode's lifeline is a child of the shim (in a session of its own): the tree counts it.
  const added = (field) => treeStatus(child.pid, field) - treeStatus(leaf, field);
  const result = { rss: added('VmRSS'), anon: added('RssAnon') };
  child.kill('SIGKILL');
  if (leaf && leaf !== child.pid) try { process.kill(leaf, 'SIGKILL'); } catch { /* gone */ }
  await sleepMs(200);
  return result;
}

/**
 * The executable's clean pages count in RSS as the kernel maps them, and a recent kernel (seen on
 * 6.18) maps the whole large folio around a faulting page: a file whose page cache was made by one big write (as the
 * build or a download leaves it) shows about 10 MiB more of it than the same file read in by
 * running it. The settled state is the one a machine reaches after a reboot or once that cache is
 * dropped; it is measured by dropping the file's cache first (dd's nocache: posix_fadvise DONTNEED)
 * and running it once. The as-written state is measured on a copy made by one write.
 */
function settledCopy(file) {
  const copy = join(work, 'shim-settled');
  cpSync(file, copy);
  spawnSync('sync', [copy]);
  const dropped = spawnSync('dd', [`if=${copy}`, 'iflag=nocache', 'count=0', 'status=none']);
  spawnSync(copy, ['--version'], { stdio: 'ignore' });
  return dropped.status === 0 ? copy : undefined;
}
function writtenCopy(file) {
  const copy = join(work, 'shim-written');
  writeFileSync(copy, readFileSync(file), { mode: 0o755 });
  return copy;
}

async function signalLatency(command, args, label) {
  const samples = [];
  let undelivered = 0;
  const script = join(work, 'term-stamp.cjs');
  writeFileSync(script, "const fs=require('fs');process.on('SIGTERM',()=>{fs.writeFileSync(process.env.STAMP,String(performance.timeOrigin+performance.now()));process.exit(0)});fs.writeFileSync(process.env.READY,'1');setTimeout(()=>{},10000);");
  for (let i = 0; i < Math.min(RUNS, 15); i++) {
    const stamp = join(work, `stamp-${label}-${i}`);
    const ready = join(work, `ready-${label}-${i}`);
    const child = spawn(command, args(script), { env: { ...env, STAMP: stamp, READY: ready }, stdio: 'ignore' });
    const deadline = Date.now() + 5000;
    while (!existsSync(ready) && Date.now() < deadline) await sleepMs(5);
    await sleepMs(50);
    const sent = now();
    child.kill('SIGTERM');
    const until = Date.now() + 2000;
    while (!existsSync(stamp) && Date.now() < until) await sleepMs(1);
    if (existsSync(stamp)) samples.push(Number(readFileSync(stamp, 'utf8')) - sent);
    else undelivered++;
    spawnSync('pkill', ['-KILL', '-f', `${script}`]);
    child.kill('SIGKILL');
  }
  return { ...(samples.length ? stats(samples) : {}), undelivered, runs: Math.min(RUNS, 15) };
}

/**
 * Supervise mode's lifeline: how long it stays after the shim, when the child ended normally
 * (SIGTERM to the shim) and when the shim was SIGKILLed (then it ends the child first).
 */
async function lifelineExit(kind) {
  const samples = [];
  for (let i = 0; i < Math.min(RUNS, 15); i++) {
    const child = spawn(shim, ['--no-exec', 'start', '--', SLEEP, '30'], { env, stdio: 'ignore' });
    const gone = new Promise((resolve) => child.on('exit', () => resolve(now())));
    await sleepMs(500);
    const lifeline = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).map(Number)
      .find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('ndc-shim-lifeline'));
    child.kill(kind);
    const shimGone = await gone;
    while (existsSync(`/proc/${lifeline}`) && !readFileSync(`/proc/${lifeline}/stat`, 'utf8').includes(') Z') && now() - shimGone < 5000) await sleepMs(1);
    samples.push(now() - shimGone);
  }
  return stats(samples);
}

/** The issue-4 comparison: SIGTERM to `bash -c <start line>`, with the real SDK connector; is it still serving? */
async function orphanCheck(line, label) {
  const port = String(await freePort());
  const example = join(root, 'examples', 'connector');
  const context = join(work, `ctx-${label}`);
  cpSync(join(example, 'configuration'), context, { recursive: true });
  const connectorDir = join(work, `connector-${label}`);
  cpSync(example, connectorDir, { recursive: true });
  cpSync(shim, join(connectorDir, 'ndc-shim'));
  const bash = spawn('bash', ['-c', line], {
    env: { ...process.env, NODE_PATH: join(root, 'node_modules'), HASURA_CONNECTOR_PORT: port, HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: context, HASURA_DDN_NATIVE_CONNECTOR_DIR: connectorDir },
    stdio: 'ignore',
  });
  const health = async () => (await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) }).catch(() => ({ status: 0 }))).status;
  const deadline = Date.now() + 20000;
  while ((await health()) !== 200 && Date.now() < deadline) await sleepMs(100);
  const exitedAs = new Promise((resolve) => bash.on('exit', (code, signal) => resolve(signal ?? `exit ${code}`)));
  bash.kill('SIGTERM');
  const status = await Promise.race([exitedAs, sleepMs(3000).then(() => 'still running')]);
  await sleepMs(2000);
  const after = await health();
  spawnSync('pkill', ['-KILL', '-f', join(connectorDir, 'connector.cjs')]);
  return { status, servingAfter2s: after === 200 };
}

console.log(`benchmarking ${shim} (${RUNS} runs each)...`);
const sea = bareSea('empty-sea', '');
// The floor for exec mode: Node's own process.execve loads its worker and stream modules first.
const execSea = bareSea('exec-sea', `process.removeAllListeners('warning'); process.execve(${JSON.stringify(TRUE)}, ['true', 'serve'], process.env);`);
const emptyScript = join(work, 'empty.js');
writeFileSync(emptyScript, '');
const wrapperFile = join(work, 'start.sh');
writeFileSync(wrapperFile, rfcWrapper(TRUE, 'serve'));
/** A manifest whose start is the same stand-in, with a runtime floor to check first. */
function requiresManifest() {
  const file = join(work, 'requires.json');
  writeFileSync(file, JSON.stringify({ commands: { start: [TRUE, 'serve'] }, requires: { node: '>=18' } }));
  return file;
}
const { samples: launchSamples, ...launch } = timeLaunches({
  direct: [TRUE, ['serve']],
  'RFC bash wrapper, inline (bash -c)': ['bash', ['-c', readFileSync(wrapperFile, 'utf8')]],
  'RFC bash wrapper as ./start.sh': ['bash', rfcScriptFile(TRUE, 'serve')],
  'Node bare (node empty.js)': [bareNode, [emptyScript]],
  ...(sea ? { 'Node bare (empty SEA)': [sea, []] } : {}),
  ...(execSea ? { 'Node bare, only process.execve (SEA)': [execSea, []] } : {}),
  'ndc-shim --version': [shim, ['--version']],
  'ndc-shim start (exec)': [shim, ['start', '--', TRUE, 'serve']],
  // --log-level error: the stand-in exits 0 at once, which a supervising shim reports with a warning
  // whose logger (pino, pino-pretty) takes about 30 ms to load; a running connector never pays it.
  'ndc-shim start --no-exec': [shim, ['--no-exec', '--log-level', 'error', 'start', '--', TRUE, 'serve']],
  // `requires` runs the runtime for its version before the exec: the machine's node here.
  'ndc-shim start, manifest requires node (exec)': [shim, ['--manifest', requiresManifest(), 'start']],
});
const settled = settledCopy(shim);
if (!settled) console.error('bench: could not drop the executable\'s page cache (GNU dd iflag=nocache): the settled row is measured as the file was left');
const settledShim = settled ?? shim;
const memory = {
  'ndc-shim start (exec)': await residentMemory(settledShim, ['start', '--', SLEEP, '30']),
  'ndc-shim start --no-exec (shim + lifeline)': await residentMemory(settledShim, ['--no-exec', 'start', '--', SLEEP, '30']),
  'ndc-shim start --no-exec, executable as just written': await residentMemory(writtenCopy(shim), ['--no-exec', 'start', '--', SLEEP, '30']),
  'RFC bash wrapper, inline (bash -c)': await residentMemory('bash', ['-c', rfcWrapper(SLEEP, '30')]),
  'RFC bash wrapper as ./start.sh': await residentMemory('bash', rfcScriptFile(SLEEP, '30')),
};
const latency = {
  'ndc-shim start (exec)': await signalLatency(shim, (script) => ['start', '--', process.execPath, script], 'exec'),
  'ndc-shim start --no-exec': await signalLatency(shim, (script) => ['--no-exec', 'start', '--', process.execPath, script], 'supervise'),
  'RFC bash wrapper, inline (bash -c)': await signalLatency('bash', (script) => ['-c', rfcWrapper(process.execPath, script)], 'bash'),
  'RFC bash wrapper as ./start.sh': await signalLatency('bash', (script) => rfcScriptFile(process.execPath, script), 'bash-file'),
};
const lifeline = {
  'the child ended (SIGTERM to the shim)': await lifelineExit('SIGTERM'),
  'the shim was SIGKILLed (the lifeline ends the child first)': await lifelineExit('SIGKILL'),
};
const orphans = {
  'ndc-shim (metadata start line)': await orphanCheck('exec "$HASURA_DDN_NATIVE_CONNECTOR_DIR/ndc-shim" start', 'shim'),
  'RFC bash wrapper, inline (bash -c)': await orphanCheck(rfcWrapper('node "$HASURA_DDN_NATIVE_CONNECTOR_DIR/connector.cjs"', 'serve'), 'rfc'),
  'RFC bash wrapper as ./start.sh': await orphanCheck(rfcScriptFile('node "$HASURA_DDN_NATIVE_CONNECTOR_DIR/connector.cjs"', 'serve')[1], 'rfc-file'),
};
const sizes = ALL_TARGETS.map((target) => {
  if (!existsSync(join(root, 'dist', executableName(target)))) return { target };
  const bytes = readFileSync(join(root, 'dist', executableName(target)));
  return { target, raw: bytes.length, gzip: gzipSync(bytes).length };
});
const sizeOf = (file) => (existsSync(file) ? statSync(file).size : undefined);
const bundleSize = sizeOf(join(root, 'dist', 'ndc-shim.cjs')) + sizeOf(join(root, 'dist', 'ndc-shim-extras.cjs'));
const strippedNode = sizeOf(join(nodeDir, 'node.stripped'));

/** The linux-x64 executable against its target: no larger than the stripped Node binary plus the bundle. */
function sizeNotes() {
  const executable = sizes.find((s) => s.target === 'linux-x64')?.raw;
  if (!strippedNode || !executable) return [];
  const kib = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
  const embedded = [
    ['the launch script', sizeOf(join(SEA_DIR, LAUNCH_NAME))],
    ['its V8 code cache', sizeOf(codeCacheFile('linux-x64'))],
    ['the extras bundle, brotli-compressed', sizeOf(join(SEA_DIR, `${EXTRAS_NAME}.br`))],
    ['the main script', sizeOf(join(SEA_DIR, 'main.cjs'))],
    ['the PID 1 init, static tini, brotli-compressed', sizeOf(initAssetFile('linux-x64'))],
  ].filter(([, size]) => size !== undefined);
  const init = sizeOf(initAssetFile('linux-x64')) ?? 0;
  const rest = executable - strippedNode - embedded.reduce((sum, [, size]) => sum + size, 0);
  const margin = strippedNode + bundleSize + init - executable;
  return [
    `linux-x64 is the stripped Node binary (${mib(strippedNode)} MiB: no symbol table or DWARF, no linker padding; scripts/elf-strip.mjs and scripts/elf-compact.mjs) plus ${embedded.map(([what, size]) => `${what} (${kib(size)})`).join(', ')},`,
    `plus ${kib(rest)} of SEA blob header, page alignment and ELF tables. The build removes the zero padding LIEF leaves around the injected segment (scripts/elf-compact.mjs, about 270 KiB).`,
    `Target: no larger than the stripped Node binary plus the two bundles (${kib(bundleSize)})${init ? ` and the init (${kib(init)})` : ''}: ${margin >= 0 ? `met, ${kib(margin)} under` : `**missed**, ${kib(-margin)} over`}.`,
  ];
}

const ms = (value) => (value === undefined ? 'n/a' : value.toFixed(1));
const mib = (bytes) => (bytes / 1048576).toFixed(1);
const direct = launch.direct.median;
const shimOwn = launch['ndc-shim start (exec)'].median - direct;
const bareName = launch['Node bare (empty SEA)'] ? 'Node bare (empty SEA)' : 'Node bare (node empty.js)';
const bare = launch[bareName];
const bareLabel = bareName === 'Node bare (empty SEA)' ? 'the empty SEA' : 'node empty.js';
// Per round, so that the drift of a busy machine cancels out: (shim start - direct) / bare runtime.
const overhead = stats(launchSamples['ndc-shim start (exec)'].map((shimMs, round) => ((shimMs - launchSamples.direct[round]) / launchSamples[bareName][round] - 1) * 100));
const pct = (value) => `${value >= 0 ? '+' : ''}${value.toFixed(0)}%`;
// Supervise against exec, round by round: start --no-exec / start.
const superviseRatio = stats(launchSamples['ndc-shim start --no-exec'].map((supervised, round) => supervised / launchSamples['ndc-shim start (exec)'][round]));
const superviseKiB = memory['ndc-shim start --no-exec (shim + lifeline)'].rss;
const writtenKiB = memory['ndc-shim start --no-exec, executable as just written'].rss;
const lines = [
  '# Benchmarks',
  '',
  `Reproduce with \`npm run bench\` (\`-- --runs N\` for more runs). Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'},`,
  `Linux, the linux-x64 executable (embedded Node ${distConfig.version}), ${RUNS} runs per row. Benchmarks never fail CI; they report.`,
  '',
  '## Launch overhead',
  '',
  'Wall time from spawning the launcher to its exit, with a stand-in connector (`true serve`) that exits at once.',
  'The launchers are timed in rounds, one run of each per round, so that background load affects all alike.',
  '',
  '| launcher | median ms | p10 | p90 | × direct | × bare runtime |',
  '|---|---|---|---|---|---|',
  ...Object.entries(launch).map(([name, s]) => `| ${name} | ${ms(s.median)} | ${ms(s.p10)} | ${ms(s.p90)} | ${(s.median / direct).toFixed(1)} | ${(s.median / bare.median).toFixed(2)} |`),
  '',
  `The shim's own work (\`start\` in exec mode, minus the direct call) is ${ms(shimOwn)} ms; ${bareLabel} alone takes ${ms(bare.median)} ms.`,
  `Taken round by round, the shim adds **${pct(overhead.median)}** to the embedded runtime's bare start-up (p10 ${pct(overhead.p10)}, p90 ${pct(overhead.p90)}; target: at most +20%, ${overhead.median <= 20 ? 'met' : '**missed**'}).`,
  'Of that, Node\'s own `process.execve` accounts for the row "only process.execve": before replacing the process it loads its worker and stream modules,',
  'which costs about what a normal exit saves. The launch script runs with a V8 code cache made at build time after running `start`\'s path (scripts/code-cache.cjs),',
  'so none of its functions is compiled at start-up; the port check binds through the TCP handle `net` uses, without loading `net` (about 10 ms).',
  `A manifest's \`requires\` costs ${ms(launch['ndc-shim start, manifest requires node (exec)'].median - launch['ndc-shim start (exec)'].median)} ms more (running \`node --version\` of the machine's Node before the exec); without \`requires\` nothing is run.`,
  '',
  `Supervise mode (\`start --no-exec\`) takes **${superviseRatio.median.toFixed(2)}×** the time of \`start\` (exec), round by round (p10 ${superviseRatio.p10.toFixed(2)}, p90 ${superviseRatio.p90.toFixed(2)};`,
  `target: at most 1.3×, ${superviseRatio.median <= 1.3 ? 'met' : '**missed**'}). Its extra work: loading \`child_process\`, a \`/bin/sh\` lifeline spawned before the child,`,
  'and waiting for the child instead of replacing itself. It runs with `--log-level error`, because the stand-in exits 0 at once, which a supervising shim',
  'reports with a warning whose logger takes about 30 ms to load: a cost no running connector pays.',
  '',
  '## Resident memory added while the connector runs',
  '',
  'Sum of VmRSS (and of its anonymous part, RssAnon) of every process the launcher leaves running, minus the connector stand-in (`sleep`) itself.',
  'bash 5.x runs the last command of a `bash -c` string with an implicit exec, so the inline wrapper leaves no bash behind; a script file gets no such treatment.',
  '',
  '| launcher | added KiB | of which anonymous |',
  '|---|---|---|',
  ...Object.entries(memory).map(([name, { rss, anon }]) => `| ${name} | ${rss} | ${anon} |`),
  '',
  `Supervise mode adds ${(superviseKiB / 1024).toFixed(1)} MiB in total (target: at most 50 MiB, ${superviseKiB <= 50 * 1024 ? 'met' : '**missed**'}): the shim's Node process waiting for the child, and the lifeline,`,
  'a `/bin/sh` of about 1.7 MiB (it was a second Node process, 121 MiB for both). Most of the shim\'s share is file-backed: clean pages of the executable itself,',
  `shared with every process running it and reclaimable. How many of them count depends on the page cache, not on the shim: a recent kernel (this one is ${release()})`,
  'maps the whole large folio around a faulting page, and a file written in one piece (as the build or a download leaves it) sits in the cache in large folios.',
  `Measured on such a copy the same run adds ${(writtenKiB / 1024).toFixed(1)} MiB (the row "as just written"); the target is judged in the settled state, the one a machine`,
  `reaches after a reboot or once that cache is dropped (the file's cache is dropped with \`dd iflag=nocache\` and the file run once before measuring${settled ? '' : '; **that failed here, so this run measured the file as it was left**'}).`,
  'As PID 1 nothing of Node stays: the embedded static tini (about 0.7 MiB) replaces the shim.',
  '',
  '## Lifeline: how long it stays after the shim',
  '',
  '| case | median ms | p10 | p90 |',
  '|---|---|---|---|',
  ...Object.entries(lifeline).map(([name, s]) => `| ${name} | ${ms(s.median)} | ${ms(s.p10)} | ${ms(s.p90)} |`),
  '',
  '## Signal delivery',
  '',
  'Time from SIGTERM sent to the launcher\'s PID until the connector\'s SIGTERM handler runs.',
  '',
  '| launcher | median ms | p10 | p90 | not delivered within 2 s |',
  '|---|---|---|---|---|',
  ...Object.entries(latency).map(([name, s]) => `| ${name} | ${ms(s.median)} | ${ms(s.p10)} | ${ms(s.p90)} | ${s.undelivered} of ${s.runs} |`),
  '',
  '## SIGTERM to `bash -c <start line>`, the real SDK connector (issue 4\'s comparison)',
  '',
  'The DDN CLI holds the PID of the bash it started. Sent SIGTERM there; then, 2 s later, does the connector still answer `/health`?',
  'The inline form is saved by bash\'s implicit exec of a last command; the same lines in a script file are not (and neither is any wrapper that does something after the connector, or traps a signal).',
  '',
  '| start line | bash ended by | connector still serving |',
  '|---|---|---|',
  ...Object.entries(orphans).map(([name, r]) => `| ${name} | ${r.status} | ${r.servingAfter2s ? '**yes: orphaned, port held**' : 'no'} |`),
  '',
  '## Executable size',
  '',
  'Every target, built by the same `npm run build` (byte-identical on any machine); the macOS and Windows executables are measured by size only (they cannot run here).',
  '',
  '| executable | DDN platform | raw MiB | gzip MiB |',
  '|---|---|---|---|',
  ...sizes.map(({ target, raw, gzip }) => `| ${executableName(target)} | ${DDN_PLATFORM[target]} | ${raw === undefined ? 'not built' : mib(raw)} | ${gzip === undefined ? 'not built' : mib(gzip)} |`),
  '',
  ...sizeNotes(),
  '',
];
writeFileSync(join(root, 'docs', 'benchmarks.md'), `${lines.join('\n')}\n`);
rmSync(work, { recursive: true, force: true });
console.log(lines.join('\n'));
