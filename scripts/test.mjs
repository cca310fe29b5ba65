// npm test: type-check and compile (build/), bundle, make sure the single-file executables under
// test match the current bundle (rebuilding them when not), then run Node's test runner.
// NDC_SHIM_TEST_TARGETS picks the executables to build (default: this machine's and win-x64).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildExecutables, executableName } from './build.mjs';
import { bundle } from './bundle.mjs';
import { hostTarget, root } from './node-binaries.mjs';

execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
const { outfile } = await bundle();
const bundleHash = createHash('sha256').update(readFileSync(outfile)).digest('hex');
const stamp = join(root, 'dist', '.bundle-sha256');
const targets = (process.env.NDC_SHIM_TEST_TARGETS ?? `${hostTarget()},win-x64`).split(',').filter(Boolean);
const stale = !existsSync(stamp) || readFileSync(stamp, 'utf8') !== bundleHash
  || targets.some((target) => !existsSync(join(root, 'dist', executableName(target))));
if (stale) {
  console.log(`building ${targets.join(', ')} for the tests...`);
  await buildExecutables({ targets });
  writeFileSync(stamp, bundleHash);
}
const files = readdirSync(join(root, 'test')).filter((name) => name.endsWith('.test.mjs')).sort().map((name) => join('test', name));
const only = process.argv.slice(2);
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=180000', ...(only.length ? only : files)], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
