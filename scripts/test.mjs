// npm test: type-check and compile (build/), make sure the single-file executables under test
// embed the current sources (rebuilding them when not), then run Node's test runner.
// NDC_SHIM_TEST_TARGETS picks the executables to build (default: this machine's, win-x64, and
// linux-arm64, macos-x64 and macos-arm64 when they were built before).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureFreshExecutables, executableName } from './build.mjs';
import { hostTarget, root } from './node-binaries.mjs';

execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
// linux-arm64 (run under qemu-user) and the macOS executables (their signatures checked) are tested
// when they have been built: keep them current too.
const builtOthers = ['linux-arm64', 'macos-x64', 'macos-arm64'].filter((target) => target !== hostTarget() && existsSync(join(root, 'dist', executableName(target)))).map((target) => `,${target}`).join('');
await ensureFreshExecutables((process.env.NDC_SHIM_TEST_TARGETS ?? `${hostTarget()},win-x64${builtOthers}`).split(',').filter(Boolean));
const files = readdirSync(join(root, 'test')).filter((name) => name.endsWith('.test.mjs')).sort().map((name) => join('test', name));
const only = process.argv.slice(2);
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=180000', ...(only.length ? only : files)], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
