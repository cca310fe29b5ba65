// npm run package -- --manifest FILE --from DIR [--version V] [--out DIR] [--targets a,b] [any other `ndc-shim package` option]
// A thin call of `ndc-shim package` (the executable built for this machine does all the work; see
// README "Ship your connector"), with this checkout's dist/ as the release folder (--shims) and
// dist/packages as the default output. Targets whose executable is not built are skipped.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_TARGETS, executableName } from './build.mjs';
import { hostTarget, root } from './node-binaries.mjs';

/** The DDN CLI's platform selector for each shim target (ndc-shim-<os>-<arch>[.exe]). */
export const DDN_PLATFORM = { 'linux-x64': 'linux-amd64', 'linux-arm64': 'linux-arm64', 'macos-x64': 'darwin-amd64', 'macos-arm64': 'darwin-arm64', 'win-x64': 'windows-amd64' };
const DDN_PLATFORMS = ALL_TARGETS.map((target) => DDN_PLATFORM[target]);

/** A shim target from either name (linux-x64 or linux-amd64); throws on anything else. */
export function targetOf(name) {
  const target = ALL_TARGETS.find((t) => t === name || DDN_PLATFORM[t] === name);
  if (!target) throw new Error(`unknown platform ${name} (known: ${DDN_PLATFORMS.join(', ')})`);
  return target;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const fail = (message, code) => {
    console.error(`package: ${message}`);
    process.exit(code);
  };
  const take = (name) => {
    const index = args.indexOf(`--${name}`);
    if (index === -1) return undefined;
    const [, value] = args.splice(index, 2);
    return value;
  };
  const targets = take('targets')?.split(',');
  for (const name of targets ?? []) {
    try { targetOf(name); } catch (error) { fail(error.message, 2); }
  }
  const manifestIndex = args.indexOf('--manifest');
  if (manifestIndex !== -1 && !existsSync(args[manifestIndex + 1] ?? '')) fail(`manifest not found: ${args[manifestIndex + 1]}`, 1);
  const hostShim = join(root, 'dist', executableName(hostTarget()));
  if (!existsSync(hostShim)) fail(`${hostShim} is not built: run npm run build first`, 1);
  // dist/SHA256SUMS lists the executables built from the current sources: an older one is skipped like a missing one.
  const sums = existsSync(join(root, 'dist', 'SHA256SUMS')) ? readFileSync(join(root, 'dist', 'SHA256SUMS'), 'utf8') : '';
  const built = (targets ?? ALL_TARGETS).map(targetOf).filter((target) => {
    const name = executableName(target);
    if (existsSync(join(root, 'dist', name)) && sums.split('\n').some((line) => line.endsWith(`  ${name}`))) return true;
    console.log(`skipped ${DDN_PLATFORM[target]}: dist/${name} is ${existsSync(join(root, 'dist', name)) ? 'older than the sources (not in dist/SHA256SUMS)' : 'not built'}`);
    return false;
  });
  if (!args.includes('--out')) args.push('--out', join(root, 'dist', 'packages'));
  if (!args.includes('--shims')) args.push('--shims', join(root, 'dist'));
  if (targets) args.push('--platforms', built.map((target) => DDN_PLATFORM[target]).join(','));
  const { status, signal } = spawnSync(hostShim, ['package', ...args], { stdio: 'inherit' });
  process.exit(status ?? (signal ? 1 : 0));
}
