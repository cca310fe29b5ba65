// `ndc-shim package` on the built executable, with no node or npm on PATH: one reproducible
// tarball per DDN platform from the release executables (each checked against the release's
// SHA256SUMS), a SHA256SUMS of the tarballs, the metadata; errors are one line, nothing written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SEA, run, tempDir } from './helpers.mjs';
import { randomBytes } from 'node:crypto';
import { bareEnv, packageWith, releaseFolder, smallRelease } from './package-helpers.mjs';

const EXAMPLE = join(ROOT, 'examples', 'connector');
const skip = existsSync(SEA) ? false : 'dist/ndc-shim-linux-x64 is not built (npm run build -- --targets linux-x64)';

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

test('package: release executables in, tarball + SHA256SUMS + metadata out, with no node or npm on PATH', { skip }, async () => {
  const shims = releaseFolder();
  const out = join(tempDir(), 'out');
  const result = await packageWith(['--manifest', join(EXAMPLE, 'ndc-shim.json'), '--from', EXAMPLE, '--shims', shims, '--out', out, '--version', '1.2.3']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^skipped windows-amd64: no ndc-shim-win-x64\.exe in /m);
  assert.deepEqual(readdirSync(out).sort(), ['SHA256SUMS', 'connector-metadata.yaml', 'ndc-example-fruits-1.2.3-linux-amd64.tar.gz']);
  const tarball = join(out, 'ndc-example-fruits-1.2.3-linux-amd64.tar.gz');
  assert.equal(readFileSync(join(out, 'SHA256SUMS'), 'utf8'), `${sha256(tarball)}  ndc-example-fruits-1.2.3-linux-amd64.tar.gz\n`);
  // The system's tar reads it: sorted, owner 0, epoch 0, modes from the content.
  const listing = await run('tar', ['tvzf', tarball]);
  assert.equal(listing.code, 0, listing.stderr);
  const lines = listing.stdout.trim().split('\n');
  assert.deepEqual(lines.map((line) => line.split(/\s+/).at(-1)), ['./', './SHA256SUMS', './configuration', './configuration/config.json', './connector.cjs', './ndc-shim', './ndc-shim.json', './plugin.cjs']);
  for (const line of lines) assert.match(line, /^[-d]rw.r..r.. 0\/0 .* 1970-01-01 00:00 /);
  assert.match(lines.find((line) => line.endsWith(' ./ndc-shim')), /^-rwxr-xr-x /);
  const unpacked = tempDir();
  assert.equal((await run('tar', ['xzf', tarball, '-C', unpacked])).code, 0);
  const verify = await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: unpacked });
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  assert.ok(readFileSync(join(unpacked, 'ndc-shim')).equals(readFileSync(SEA)));
});

test('package: the same inputs give byte-identical tarballs, whatever the files\' times and the output folder', { skip }, async () => {
  const shims = smallRelease();
  const outputs = [];
  for (const attempt of [1, 2]) {
    const from = join(tempDir(), 'connector');
    cpSync(EXAMPLE, from, { recursive: true });
    if (attempt === 2) await new Promise((resolve) => setTimeout(resolve, 1100));
    const out = tempDir();
    const result = await packageWith(['--manifest', join(EXAMPLE, 'ndc-shim.json'), '--from', from, '--shims', shims, '--out', out, '--base-uri', 'https://example.com/r']);
    assert.equal(result.code, 0, result.stderr);
    outputs.push(out);
  }
  for (const file of readdirSync(outputs[0])) {
    assert.ok(readFileSync(join(outputs[0], file)).equals(readFileSync(join(outputs[1], file))), `${file} differs`);
  }
  // SOURCE_DATE_EPOCH sets every entry's time.
  const out = tempDir();
  const dated = await packageWith(['--manifest', join(EXAMPLE, 'ndc-shim.json'), '--from', EXAMPLE, '--shims', shims, '--out', out], { env: bareEnv({ SOURCE_DATE_EPOCH: '1700000000' }) });
  assert.equal(dated.code, 0, dated.stderr);
  const listing = await run('tar', ['tvzf', join(out, 'ndc-example-fruits-0.0.0-linux-amd64.tar.gz'), '--utc']);
  assert.match(listing.stdout, / 2023-11-14 22:13 \.\/ndc-shim$/m);
});

test('package: a release executable with one changed byte is refused, naming the file; nothing is written', { skip }, async () => {
  const shims = releaseFolder({ standIn: randomBytes(1 << 20) });
  const executable = join(shims, 'ndc-shim-linux-x64');
  const bytes = readFileSync(executable);
  bytes[bytes.length >> 1] ^= 1;
  writeFileSync(executable, bytes);
  const out = join(tempDir(), 'out');
  const result = await packageWith(['--manifest', join(EXAMPLE, 'ndc-shim.json'), '--from', EXAMPLE, '--shims', shims, '--out', out]);
  assert.equal(result.code, 1, result.stderr);
  const errors = result.stderr.trim().split('\n');
  assert.equal(errors.length, 1, result.stderr);
  assert.match(errors[0], /ndc-shim-linux-x64 does not match SHA256SUMS .*download ndc-shim-linux-x64 again/);
  assert.equal(existsSync(out), false);
});

test('package: bad command lines exit 2, unreadable inputs 78 or 1, each in one line', { skip }, async () => {
  const shims = smallRelease();
  const base = ['--manifest', join(EXAMPLE, 'ndc-shim.json'), '--from', EXAMPLE, '--shims', shims];
  const cases = [
    [['--from', EXAMPLE], 2, /package needs --manifest, --shims, --out/],
    [[...base, '--out', tempDir(), '--platforms', 'linux-x86_64'], 2, /unknown platform 'linux-x86_64' in --platforms/],
    [[...base, '--out', tempDir(), '--version', 'latest'], 2, /--version must be a semantic version/],
    [[...base, '--out', tempDir(), '--base-uri', 'ftp://x'], 2, /--base-uri must be an http or https URL/],
    [[...base, '--out', tempDir(), '--allow', 'everything'], 2, /unknown kind 'everything' for --allow/],
    [['--manifest', '/no/such.json', '--from', EXAMPLE, '--shims', shims, '--out', tempDir()], 78, /cannot read manifest \/no\/such\.json: no such file/],
    [[...base, '--out', tempDir(), '--metadata', '/no/such.yaml'], 78, /cannot read metadata \/no\/such\.yaml/],
    [['--manifest', join(EXAMPLE, 'ndc-shim.json'), '--from', '/no/such/dir', '--shims', shims, '--out', tempDir()], 1, /the connector folder \/no\/such\/dir does not exist/],
    [['--manifest', join(EXAMPLE, 'ndc-shim.json'), '--from', EXAMPLE, '--shims', tempDir(), '--out', tempDir()], 1, /cannot read .*SHA256SUMS: no such file/],
    [[...base, '--out', tempDir(), '--platforms', 'darwin-arm64'], 1, /cannot package darwin-arm64: no ndc-shim-macos-arm64 in /],
  ];
  for (const [args, code, pattern] of cases) {
    const result = await packageWith(args);
    assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, pattern);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  }
});

test('package: per-platform folders (selector or target name) over common/', { skip }, async () => {
  const from = tempDir();
  for (const [folder, file] of [['common', 'shared.txt'], ['linux-x64', 'connector-linux'], ['common', 'connector-linux']]) {
    mkdirSync(join(from, folder), { recursive: true });
    writeFileSync(join(from, folder, file), `${folder}\n`);
  }
  const out = tempDir();
  const result = await packageWith(['--manifest', join(EXAMPLE, 'ndc-shim.json'), '--from', from, '--shims', smallRelease(), '--out', out]);
  assert.equal(result.code, 0, result.stderr);
  const unpacked = tempDir();
  await run('tar', ['xzf', join(out, 'ndc-example-fruits-0.0.0-linux-amd64.tar.gz'), '-C', unpacked]);
  assert.deepEqual(readdirSync(unpacked).sort(), ['SHA256SUMS', 'connector-linux', 'ndc-shim', 'ndc-shim.json', 'shared.txt']);
  assert.equal(readFileSync(join(unpacked, 'connector-linux'), 'utf8'), 'linux-x64\n');
});

test('package: a write that fails half-way leaves nothing: a new --out is removed, an existing one keeps exactly what it had', { skip }, async () => {
  // 4 MiB that deflate cannot shrink: the tarball outgrows the 2 MiB file size limit below.
  const shims = releaseFolder({ standIn: randomBytes(4 << 20) });
  // A file size limit (SIGXFSZ ignored, so the write fails with EFBIG) stops the tarball half-written.
  const limited = (out) => run('bash', ['-c', 'trap "" XFSZ; ulimit -f 2000; exec "$@"', 'bash', SEA, 'package', '--manifest', join(EXAMPLE, 'ndc-shim.json'), '--from', EXAMPLE, '--shims', shims, '--out', out],
    { env: bareEnv({ PATH: '/usr/bin:/bin' }), timeoutMs: 240000 });
  const parent = tempDir();
  const fresh = join(parent, 'new', 'out');
  const failed = await limited(fresh);
  assert.equal(failed.code, 1, failed.stderr);
  assert.equal(failed.stderr.trim().split('\n').length, 1, failed.stderr);
  assert.match(failed.stderr, /cannot write to .*\/new\/out: EFBIG; nothing was written; check that the folder is writable and the disk has room/);
  assert.deepEqual(readdirSync(parent), []);

  const existing = tempDir();
  writeFileSync(join(existing, 'notes.txt'), 'mine\n');
  writeFileSync(join(existing, 'connector-metadata.yaml'), 'an earlier run\n');
  const again = await limited(existing);
  assert.equal(again.code, 1, again.stderr);
  assert.deepEqual(readdirSync(existing).sort(), ['connector-metadata.yaml', 'notes.txt']);
  assert.equal(readFileSync(join(existing, 'connector-metadata.yaml'), 'utf8'), 'an earlier run\n');
});
