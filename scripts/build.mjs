// npm run build [-- --targets linux-x64,win-x64] [--strict]
// Bundles the CLI with esbuild, then bakes it into single-file executables with @yao-pkg/pkg
// (Node SEA), one per target, plus dist/SHA256SUMS. Base Node binaries come from the npm registry
// (verified, cached) and, for a target no npm package publishes, from pkg's own download; a target
// whose base binary cannot be had is reported as skipped (an error with --strict).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAUNCH_CACHE_NAME, LAUNCH_NAME, bundle } from './bundle.mjs';
import { compactElf } from './elf-compact.mjs';
import { initAsset } from './init-binary.mjs';
import { baseNodeBinary, buildNode, cacheDir, distConfig, hostTarget, root } from './node-binaries.mjs';

export const ALL_TARGETS = Object.keys(distConfig.targets);
/** dist/.stamps/<target> holds the sha256 of what that executable embeds and how it was made (hashEmbedded). */
export const STAMPS = join(root, 'dist', '.stamps');
/** dist/code-cache/<target>: the launch script's code cache baked into that executable (kept for the benchmarks' size notes). */
export const codeCacheFile = (target) => join(root, 'dist', 'code-cache', target);
export const executableName = (target) => `ndc-shim-${target}${target.startsWith('win') ? '.exe' : ''}`;

/** How an executable is made, besides what it embeds: a change to any of these rebuilds it. */
const RECIPE = ['scripts/build.mjs', 'scripts/pkg-sea.cjs', 'scripts/code-cache.cjs', 'scripts/elf-compact.mjs', 'scripts/init-binary.mjs', 'dist-config/node.json'].map((file) => join(root, file));

/** What an executable embeds (its main script and the wrapped bundles) and how it is made. */
const hashEmbedded = ({ main, assets }) => [main, ...Object.values(assets), ...RECIPE].reduce((hash, file) => hash.update(readFileSync(file)), createHash('sha256')).digest('hex');

const onPath = (tool) => spawnSync(process.platform === 'win32' ? 'where' : 'which', [tool], { stdio: 'ignore' }).status === 0;

/** Fills pkg's SEA cache (HOME/.pkg-cache/sea) so that pkg uses this binary instead of downloading one. */
function seedPkgCache(pkgHome, target, binary) {
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
  copyFileSync(binary, extracted);
  chmodSync(extracted, 0o755);
  writeFileSync(`${extracted}.ok`, '');
}

/** Strips debug symbols from a Linux base binary (about 18 MB less); returns the binary to bake. */
function prepareBase(target, binary, warnings) {
  const stripTool = distConfig.targets[target].strip;
  if (!stripTool) return binary;
  if (!onPath(stripTool)) {
    warnings.push(`${target}: ${stripTool} not found, base binary not stripped (apt-get install ${stripTool === 'strip' ? 'binutils' : 'binutils-aarch64-linux-gnu'})`);
    return binary;
  }
  const stripped = `${binary}.stripped`;
  if (!existsSync(stripped)) {
    execFileSync(stripTool, ['-o', `${stripped}.tmp`, binary]);
    execFileSync('mv', [`${stripped}.tmp`, stripped]);
  }
  return stripped;
}

/** How to run `target`'s Node binary here: natively, or linux-arm64 through qemu-user; else undefined. */
function nodeRunnerFor(target) {
  if (target === hostTarget() && process.platform !== 'win32') return [baseNodeBinary(target)];
  if (target === 'linux-arm64' && hostTarget() === 'linux-x64' && onPath('qemu-aarch64-static')) return ['qemu-aarch64-static', '-L', '/', baseNodeBinary(target)];
  return undefined;
}

/**
 * The launch script's code cache, made by the Node binary that `target` embeds (see
 * scripts/code-cache.cjs), or undefined when that binary cannot run here (a warning says why).
 */
function launchCodeCache(target, script, warnings) {
  const cacheFile = codeCacheFile(target);
  rmSync(cacheFile, { force: true });
  const runner = nodeRunnerFor(target);
  const slower = `${target}: no code cache for the launch script, so its start-up is slower`;
  if (!runner) {
    if (target === 'linux-arm64') warnings.push(`${slower} (install qemu-user-static and libc6:arm64 to make one)`);
    return undefined;
  }
  mkdirSync(join(cacheFile, '..'), { recursive: true });
  const [command, ...args] = runner;
  // Without NODE_OPTIONS, as the executables run (they ignore it): V8 rejects a cache made under other flags.
  const result = spawnSync(command, [...args, join(root, 'scripts', 'code-cache.cjs'), script, cacheFile],
    { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NODE_OPTIONS: undefined } });
  if (result.status === 0 && existsSync(cacheFile)) return cacheFile;
  warnings.push(`${slower} (${(result.stderr || result.error?.message || `exit ${result.status}`).trim().split('\n').pop()})`);
  return undefined;
}

export async function buildExecutables({ targets = ALL_TARGETS, strict = false, log = console.log } = {}) {
  const { sea } = await bundle();
  const bundleHash = hashEmbedded(sea);
  const runner = buildNode();
  const built = [];
  const skipped = [];
  const warnings = [];
  for (const target of targets) {
    if (!distConfig.targets[target]) throw new Error(`unknown target ${target} (known: ${ALL_TARGETS.join(', ')})`);
    const output = join(root, 'dist', executableName(target));
    const [platform, arch] = target.split('-');
    const pkgHome = join(cacheDir, 'pkg-home', target);
    rmSync(pkgHome, { recursive: true, force: true });
    let source = 'npm registry';
    if (distConfig.targets[target].npmPackage) {
      try {
        seedPkgCache(pkgHome, target, prepareBase(target, baseNodeBinary(target), warnings));
      } catch (error) {
        skipped.push({ target, reason: String(error.message ?? error).split('\n')[0] });
        continue;
      }
    } else {
      source = "pkg's own download (no npm package publishes this Node)";
    }
    const codeCache = launchCodeCache(target, sea.assets[LAUNCH_NAME], warnings);
    const assets = { ...sea.assets, ...(codeCache ? { [LAUNCH_CACHE_NAME]: codeCache } : {}), ...initAsset(target, warnings) };
    // Node's own code cache would only duplicate, for the tiny main script, what the launch cache holds.
    const job = { entry: sea.main, nodeVersion: distConfig.version, platform, arch, output, useCodeCache: false, assets };
    const result = spawnSync(runner, [join(root, 'scripts', 'pkg-sea.cjs'), JSON.stringify(job)], {
      cwd: root, env: { ...process.env, HOME: pkgHome, USERPROFILE: pkgHome }, encoding: 'utf8', timeout: 300_000,
    });
    if (result.status !== 0) {
      const reason = (result.stderr || result.error?.message || 'pkg failed').trim().split('\n').pop();
      skipped.push({ target, reason: `${source}: ${reason}` });
      continue;
    }
    if (platform === 'linux') writeFileSync(output, compactElf(readFileSync(output)).bytes);
    if (platform === 'macos' && !onPath('codesign') && !onPath('ldid')) {
      warnings.push(`${target}: neither codesign nor ldid is on PATH, so the executable is not ad-hoc signed; run "codesign --sign - ${executableName(target)}" on a Mac before shipping it${arch === 'arm64' ? ' (macOS kills unsigned arm64 executables)' : ''}`);
    }
    built.push({ target, file: output, size: statSync(output).size, source });
    mkdirSync(STAMPS, { recursive: true });
    writeFileSync(join(STAMPS, target), bundleHash);
    log(`built ${executableName(target)} (${(statSync(output).size / 1048576).toFixed(1)} MiB, Node ${distConfig.version} from the ${source})`);
  }
  // SHA256SUMS covers every executable that embeds this bundle, built now or before.
  const current = ALL_TARGETS.filter((target) => existsSync(join(root, 'dist', executableName(target)))
    && existsSync(join(STAMPS, target)) && readFileSync(join(STAMPS, target), 'utf8') === bundleHash);
  const sums = current.map((target) => `${createHash('sha256').update(readFileSync(join(root, 'dist', executableName(target)))).digest('hex')}  ${executableName(target)}`);
  writeFileSync(join(root, 'dist', 'SHA256SUMS'), sums.length ? `${sums.join('\n')}\n` : '');
  for (const warning of warnings) log(`warning: ${warning}`);
  for (const { target, reason } of skipped) log(`skipped ${target}: ${reason}`);
  if (strict && skipped.length) throw new Error(`--strict: ${skipped.length} target(s) skipped`);
  return { built, skipped, warnings };
}

/**
 * Makes sure the executables for `targets` embed the current sources (rebuilding the stale ones)
 * and returns their paths; fails when this machine's own executable cannot be built.
 */
export async function ensureFreshExecutables(targets, log = console.log) {
  const { sea } = await bundle();
  const bundleHash = hashEmbedded(sea);
  const isFresh = (target) => existsSync(join(root, 'dist', executableName(target)))
    && existsSync(join(STAMPS, target)) && readFileSync(join(STAMPS, target), 'utf8') === bundleHash;
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
