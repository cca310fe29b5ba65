// npm run build [-- --targets linux-x64,win-x64] [--strict]
// Bundles the CLI with esbuild, then bakes it into single-file executables with @yao-pkg/pkg
// (Node SEA), one per target, plus dist/SHA256SUMS, and ends with a table of every target. Base Node
// binaries come from the npm registry (verified, cached). Builds are reproducible: the bytes depend
// on the commit alone, not on the machine or on what it has installed (see README, Reproducible
// builds). The one tool some targets need is a way to run their Node for the code cache (qemu-user
// for linux-arm64 on x64): without it the target is built without the cache and a warning says it
// differs from a release build; --strict refuses to start instead, naming the command that installs it.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAUNCH_CACHE_NAME, LAUNCH_NAME, bundle } from './bundle.mjs';
import { compactElf } from './elf-compact.mjs';
import { signMachO } from './macho-codesign.mjs';
import { stripElf } from './elf-strip.mjs';
import { hasInit, initAsset } from './init-binary.mjs';
import { baseNodeBinary, buildNode, cacheDir, distConfig, hostTarget, root } from './node-binaries.mjs';

export const ALL_TARGETS = Object.keys(distConfig.targets);
/** dist/.stamps/<target> holds the sha256 of what that executable embeds and how it was made (hashEmbedded). */
export const STAMPS = join(root, 'dist', '.stamps');
/** dist/code-cache/<target>: the launch script's code cache baked into that executable (kept for the benchmarks' size notes). */
export const codeCacheFile = (target) => join(root, 'dist', 'code-cache', target);
export const executableName = (target) => `ndc-shim-${target}${target.startsWith('win') ? '.exe' : ''}`;

/**
 * V8 flags the launch script's code cache is made under. V8 serializes some objects in hash-table
 * order, and a process's hash seed comes from its random number generator: a fixed random seed
 * makes the cache the same bytes at every build. V8 leaves --random-seed out of the flag hash it
 * checks a cache against (so that caches can be made predictably), so the executables, which run
 * with V8's default flags and seeds, accept it. (A fixed --hash-seed would do too, but the
 * executables would have to run with it, and V8 would then reject Node's own code cache for its
 * built-in modules: start-up was 18% slower.)
 */
export const CODE_CACHE_FLAGS = ['--random-seed=1'];

/** The main script's name in the SEA blob. */
const SEA_MAIN = 'ndc-shim-main.cjs';

/** How an executable is made, besides what it embeds: a change to any of these rebuilds it. */
const RECIPE = ['scripts/build.mjs', 'scripts/pkg-sea.cjs', 'scripts/code-cache.cjs', 'scripts/elf-compact.mjs', 'scripts/elf-strip.mjs', 'scripts/elf-layout.mjs', 'scripts/macho-codesign.mjs', 'scripts/init-binary.mjs', 'dist-config/node.json', 'dist-config/init.json'].map((file) => join(root, file));

/** What an executable embeds (its main script and the wrapped bundles) and how it is made. */
const hashEmbedded = ({ main, assets }) => [main, ...Object.values(assets), ...RECIPE].reduce((hash, file) => hash.update(readFileSync(file)), createHash('sha256')).digest('hex');

const onPath = (tool) => spawnSync(process.platform === 'win32' ? 'where' : 'which', [tool], { stdio: 'ignore' }).status === 0;

/**
 * Fills pkg's SEA cache (HOME/.pkg-cache/sea) with `bytes` as the target's Node binary, so that pkg
 * uses it and never downloads one (the version is given in full, so pkg asks nodejs.org nothing).
 */
function seedPkgCache(pkgHome, target, bytes) {
  const [os, arch] = target.split('-');
  const nodeOs = { linux: 'linux', macos: 'darwin', win: 'win' }[os];
  const stem = `node-v${distConfig.version}-${nodeOs}-${arch}`;
  const dir = join(pkgHome, '.pkg-cache', 'sea');
  mkdirSync(dir, { recursive: true });
  const archive = join(dir, `${stem}.${nodeOs === 'win' ? 'zip' : 'tar.gz'}`);
  // The archive is never read when its marker and the extracted binary are present: a stand-in suffices.
  writeFileSync(archive, `stand-in: ${stem} comes from the npm registry, verified by scripts/node-binaries.mjs\n`);
  writeFileSync(`${archive}.ok`, '');
  const extracted = nodeOs === 'win' ? join(dir, `${stem}.exe`) : join(dir, stem, 'bin', 'node');
  mkdirSync(join(extracted, '..'), { recursive: true });
  writeFileSync(extracted, bytes);
  chmodSync(extracted, 0o755);
  writeFileSync(`${extracted}.ok`, '');
}

/**
 * The base binary to bake: Linux ones without their symbol table and DWARF sections (about 18 MB)
 * and the linker's zero padding (1.1 MiB on x64), done here rather than by binutils so that every
 * machine makes the same bytes. The result is also written beside the original (node.stripped),
 * the bare runtime the benchmarks time.
 */
function prepareBase(target) {
  const binary = baseNodeBinary(target);
  const bytes = readFileSync(binary);
  if (!target.startsWith('linux-')) return bytes;
  const stripped = compactElf(stripElf(bytes).bytes).bytes;
  // Written aside and renamed: the benchmarks may be running the previous one.
  writeFileSync(`${binary}.stripped.${process.pid}`, stripped, { mode: 0o755 });
  renameSync(`${binary}.stripped.${process.pid}`, `${binary}.stripped`);
  return stripped;
}

/** Targets whose executables carry the launch script's code cache: those whose Node a Linux build machine can run. */
const hasCodeCache = (target) => target.startsWith('linux-');

/** For each Linux target: qemu-user's name for its CPU, Debian's architecture name and multiarch directory. */
const QEMU = { 'linux-x64': ['x86_64', 'amd64', 'x86_64-linux-gnu'], 'linux-arm64': ['aarch64', 'arm64', 'aarch64-linux-gnu'] };

/**
 * How to run `target`'s Node binary here, for its code cache: { runner } (natively, or under
 * qemu-user), or { missing, install } naming what this machine lacks and the command that installs it.
 */
function nodeRunnerFor(target) {
  if (target === hostTarget()) return { runner: [baseNodeBinary(target)] };
  const [qemuArch, debArch, multiarch] = QEMU[target];
  if (!hostTarget().startsWith('linux-')) return { missing: `a Linux machine to run ${target}'s Node`, install: `build on Linux (${target}'s code cache is made by its own Node)` };
  const qemu = `qemu-${qemuArch}-static`;
  // Node needs the target's C library and libstdc++ (qemu-user runs it with the host's root as its own).
  if (onPath(qemu) && ['libc.so.6', 'libstdc++.so.6'].every((lib) => existsSync(join('/usr/lib', multiarch, lib)) || existsSync(join('/lib', multiarch, lib)))) {
    return { runner: [qemu, '-L', '/', baseNodeBinary(target)] };
  }
  return {
    missing: `${qemu} and the ${debArch} C and C++ libraries`,
    install: `dpkg --add-architecture ${debArch} && apt-get update && apt-get install -y qemu-user-static libc6:${debArch} libstdc++6:${debArch}`,
  };
}

/** What the build machine lacks to build `targets` exactly as a release build does: [{ target, missing, install }]. */
export function missingRequirements(targets) {
  return targets.filter(hasCodeCache).map((target) => ({ target, ...nodeRunnerFor(target) })).filter((need) => need.missing);
}

/**
 * The launch script's code cache, made by the Node binary that `target` embeds (see
 * scripts/code-cache.cjs), or undefined when that binary cannot run here (a warning says why).
 */
function launchCodeCache(target, script, warnings) {
  const cacheFile = codeCacheFile(target);
  rmSync(cacheFile, { force: true });
  if (!hasCodeCache(target)) return undefined;
  const slower = `${target}: built without the launch script's code cache, so it starts slower and differs from a release build`;
  const { runner, missing, install } = nodeRunnerFor(target);
  if (!runner) {
    warnings.push(`${slower} (missing: ${missing}; install: ${install})`);
    return undefined;
  }
  mkdirSync(join(cacheFile, '..'), { recursive: true });
  const [command, ...args] = runner;
  // Without NODE_OPTIONS, as the executables run (they ignore it).
  const result = spawnSync(command, [...args, ...CODE_CACHE_FLAGS, join(root, 'scripts', 'code-cache.cjs'), script, cacheFile],
    { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NODE_OPTIONS: undefined } });
  if (result.status === 0 && existsSync(cacheFile)) return cacheFile;
  warnings.push(`${slower} (${(result.stderr || result.error?.message || `exit ${result.status}`).trim().split('\n').pop()})`);
  return undefined;
}

const mib = (bytes) => `${(bytes / 1048576).toFixed(1)} MiB`;

/** The closing table: one row per target, built now, built before from the same sources, or why not. */
function summaryTable(targets, built, skipped, isFresh) {
  const rows = ALL_TARGETS.map((target) => {
    const entry = built.find((b) => b.target === target);
    const name = executableName(target);
    const signature = (signed) => (target.startsWith('macos-') ? signed ?? 'unsigned' : 'n/a');
    if (entry) {
      return [name, mib(entry.size), distConfig.version, entry.codeCache ? 'yes' : hasCodeCache(target) ? 'missing' : 'n/a',
        entry.init ? 'tini' : hasInit(target) ? 'missing' : 'n/a', signature(entry.signature)];
    }
    const skip = skipped.find((s) => s.target === target);
    if (skip) return [name, `skipped: ${skip.reason}`];
    if (!targets.includes(target) && isFresh(target)) return [name, mib(statSync(join(root, 'dist', name)).size), distConfig.version, '(built before)', '', ''];
    return [name, 'not built (not in --targets)'];
  });
  const header = ['executable', 'size', 'Node', 'code cache', 'PID 1 init', 'signature'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.filter((row) => i === 0 || row.length > 2).map((row) => (row[i] ?? '').length)));
  const line = (row) => (row.length === 2 ? `${row[0].padEnd(widths[0])}  ${row[1]}` : row.map((cell, i) => cell.padEnd(widths[i])).join('  ')).trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const currentStamp = (bundleHash) => (target) => existsSync(join(root, 'dist', executableName(target)))
  && existsSync(join(STAMPS, target)) && readFileSync(join(STAMPS, target), 'utf8') === bundleHash;

/**
 * Bakes `main` (with `assets`) into `target`'s base binary at `output` with pkg, which finds nothing
 * in its home but that binary (a fresh home per call, removed after); Linux output is compacted.
 * Returns undefined, or why pkg failed. Also used by the benchmarks for the bare-runtime SEA.
 */
export function bakeSea({ target, main, assets = {}, output, useCodeCache = false }) {
  const [platform, arch] = target.split('-');
  mkdirSync(cacheDir, { recursive: true });
  const pkgHome = mkdtempSync(join(cacheDir, `pkg-home-${target}-`));
  try {
    seedPkgCache(pkgHome, target, prepareBase(target));
    // The SEA blob records the main script's path as the config gives it. pkg would give it
    // absolute (the checkout's path); instead it is relative to pkg's temp dir, made in a TMPDIR of our own.
    const tmp = join(pkgHome, 'tmp');
    mkdirSync(tmp);
    copyFileSync(main, join(tmp, SEA_MAIN));
    const job = { entry: main, seaMain: `../${SEA_MAIN}`, nodeVersion: distConfig.version, platform, arch, output, useCodeCache, assets };
    const result = spawnSync(buildNode(), [join(root, 'scripts', 'pkg-sea.cjs'), JSON.stringify(job)], {
      cwd: root, env: { ...process.env, HOME: pkgHome, USERPROFILE: pkgHome, TMPDIR: tmp, TMP: tmp, TEMP: tmp }, encoding: 'utf8', timeout: 300_000,
    });
    if (result.status !== 0) return (result.stderr || result.error?.message || 'pkg failed').trim().split('\n').pop();
    if (platform === 'linux') writeFileSync(output, compactElf(readFileSync(output)).bytes);
    return undefined;
  } finally {
    rmSync(pkgHome, { recursive: true, force: true });
  }
}

export async function buildExecutables({ targets = ALL_TARGETS, strict = false, log = console.log } = {}) {
  const unknown = targets.filter((target) => !distConfig.targets[target]);
  if (unknown.length) throw new Error(`unknown target ${unknown.join(', ')} (known: ${ALL_TARGETS.join(', ')})`);
  if (strict) {
    const missing = missingRequirements(targets);
    if (missing.length) throw new Error(`--strict: this machine cannot build ${missing.map(({ target, missing: what }) => `${target} as released (missing: ${what})`).join('; ')}; install: ${[...new Set(missing.map(({ install }) => install))].join('; ')}`);
  }
  const { sea } = await bundle();
  const bundleHash = hashEmbedded(sea);
  const built = [];
  const skipped = [];
  const warnings = [];
  for (const target of targets) {
    const output = join(root, 'dist', executableName(target));
    try {
      baseNodeBinary(target);
    } catch (error) {
      skipped.push({ target, reason: String(error.message ?? error).split('\n')[0] });
      continue;
    }
    const codeCache = launchCodeCache(target, sea.assets[LAUNCH_NAME], warnings);
    // Node's own code cache would only duplicate, for the tiny main script, what the launch cache holds.
    const init = initAsset(target, warnings);
    const assets = { ...sea.assets, ...(codeCache ? { [LAUNCH_CACHE_NAME]: codeCache } : {}), ...init };
    const failed = bakeSea({ target, main: sea.main, assets, output });
    if (failed) {
      skipped.push({ target, reason: failed });
      continue;
    }
    let signature;
    if (target.startsWith('macos-')) {
      // Signed here, last: pkg's injection broke Node's signature (pkg itself never signs: see pkg-sea.cjs).
      try {
        writeFileSync(output, signMachO(readFileSync(output), { identifier: 'ndc-shim' }));
        signature = 'ad-hoc signed';
      } catch (error) {
        signature = `unsigned: ${error.message}`;
        warnings.push(`${target}: ${signature}; run "codesign --sign - ${executableName(target)}" on a Mac before shipping it${target.endsWith('arm64') ? ' (macOS kills unsigned arm64 executables)' : ''}`);
      }
    }
    built.push({ target, file: output, size: statSync(output).size, codeCache: Boolean(codeCache), init: Object.keys(init).length > 0, ...(signature ? { signature } : {}) });
    mkdirSync(STAMPS, { recursive: true });
    writeFileSync(join(STAMPS, target), bundleHash);
    log(`built ${executableName(target)}`);
  }
  // SHA256SUMS covers every executable that embeds this bundle, built now or before.
  const isFresh = currentStamp(bundleHash);
  const sums = ALL_TARGETS.filter(isFresh).map((target) => `${createHash('sha256').update(readFileSync(join(root, 'dist', executableName(target)))).digest('hex')}  ${executableName(target)}`);
  writeFileSync(join(root, 'dist', 'SHA256SUMS'), sums.length ? `${sums.join('\n')}\n` : '');
  for (const warning of warnings) log(`warning: ${warning}`);
  log(summaryTable(targets, built, skipped, isFresh));
  const cacheless = built.filter((entry) => hasCodeCache(entry.target) && !entry.codeCache).map(({ target }) => target);
  if (strict && cacheless.length) throw new Error(`--strict: no code cache could be made for ${cacheless.join(', ')} (see the warning above)`);
  const initless = built.filter((entry) => hasInit(entry.target) && !entry.init).map(({ target }) => target);
  if (strict && initless.length) throw new Error(`--strict: no PID 1 init could be embedded in ${initless.join(', ')} (see the warning above)`);
  const unsigned = built.filter((entry) => entry.signature?.startsWith('unsigned')).map(({ target }) => target);
  if (strict && unsigned.length) throw new Error(`--strict: ${unsigned.join(', ')} could not be signed (see the warning above)`);
  if (strict && skipped.length) throw new Error(`--strict: ${skipped.length} target(s) skipped: ${skipped.map(({ target }) => target).join(', ')}`);
  return { built, skipped, warnings };
}

/**
 * Makes sure the executables for `targets` embed the current sources (rebuilding the stale ones)
 * and returns their paths; fails when this machine's own executable cannot be built.
 */
export async function ensureFreshExecutables(targets, log = console.log) {
  const { sea } = await bundle();
  const bundleHash = hashEmbedded(sea);
  const isFresh = currentStamp(bundleHash);
  const stale = targets.filter((target) => !isFresh(target));
  if (stale.length) {
    log(`building ${stale.join(', ')} (the sources changed since the last build)...`);
    const { skipped } = await buildExecutables({ targets: stale, log });
    if (skipped.some(({ target }) => target === hostTarget())) throw new Error(`cannot build the executable for this machine (${hostTarget()})`);
  }
  return targets.map((target) => join(root, 'dist', executableName(target)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const strict = args.includes('--strict');
  const targetsIndex = args.indexOf('--targets');
  const targets = targetsIndex === -1 ? ALL_TARGETS : args[targetsIndex + 1].split(',').filter(Boolean);
  buildExecutables({ targets, strict }).catch((error) => {
    console.error(`build failed: ${error.message}`);
    process.exit(1);
  });
}
