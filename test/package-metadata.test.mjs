// package's metadata: the connector's own connector-metadata.yaml with only nativeToolchainDefinition
// replaced (every other byte kept), or a minimal one; with --base-uri the per-platform packages,
// the connector definition tarball and connector-packaging.json. And `metadata --check FILE`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ROOT, SEA, run, tempDir } from './helpers.mjs';
import { bareEnv, packageWith, smallRelease } from './package-helpers.mjs';

const EXAMPLE = join(ROOT, 'examples', 'connector');
const MANIFEST = join(EXAMPLE, 'ndc-shim.json');
const skip = existsSync(SEA) ? false : 'dist/ndc-shim-linux-x64 is not built (npm run build -- --targets linux-x64)';
const sha256 = (data) => createHash('sha256').update(data).digest('hex');

const BEFORE = `# The fruits connector (a comment the shim must keep)\npackagingDefinition:\n  type: PrebuiltDockerImage\n  dockerImage: ghcr.io/x/fruits:v1   # pinned\nsupportedEnvironmentVariables:\n  - name: FRUITS_URL\n    description: "where, 'quoted' oddly"\n`;
const OLD_BLOCK = `nativeToolchainDefinition:\n  commands:\n    start:\n      type: ShellScript\n      bash: ./old-start.sh\n  # an indented comment inside the old block\n`;
const AFTER = `\n# about the commands below\ncommands: {}\ndockerComposeWatch: []\n`;

test('package --metadata: only nativeToolchainDefinition is replaced, every other byte kept (LF and CRLF); absent, it is appended', { skip }, async () => {
  const shims = smallRelease();
  const { stdout: generated } = await run(SEA, ['--manifest', MANIFEST, 'metadata']);
  for (const [label, text, expected] of [
    ['LF', BEFORE + OLD_BLOCK + AFTER, BEFORE + generated + AFTER],
    ['CRLF', (BEFORE + OLD_BLOCK + AFTER).replace(/\n/g, '\r\n'), (BEFORE + generated + AFTER).replace(/\n/g, '\r\n')],
    ['none', BEFORE + AFTER.trimEnd(), `${BEFORE + AFTER.trimEnd()}\n${generated}`],
  ]) {
    const file = join(tempDir(), 'connector-metadata.yaml');
    writeFileSync(file, text);
    const out = tempDir();
    const result = await packageWith(['--manifest', MANIFEST, '--from', EXAMPLE, '--shims', shims, '--out', out, '--metadata', file, '--base-uri', 'https://example.com/r/']);
    assert.equal(result.code, 0, result.stderr);
    const written = readFileSync(join(out, 'connector-metadata.yaml'), 'utf8');
    // The generated block gains its packages; everything else is byte for byte.
    const withoutPackages = written.replace(/^  packages:\r?\n(?: {4}- .*\r?\n(?: {6}.*\r?\n)*)+/m, '');
    assert.equal(withoutPackages, expected, label);
    assert.equal(readFileSync(file, 'utf8'), text, 'the input is left as it was');
  }
});

test('package --base-uri: packages (selector, uri, sha256, bin), the definition tarball and connector-packaging.json', { skip }, async () => {
  const definition = join(tempDir(), '.hasura-connector');
  mkdirSync(definition);
  writeFileSync(join(definition, 'connector-metadata.yaml'), BEFORE + AFTER);
  writeFileSync(join(definition, 'Dockerfile'), 'FROM scratch\n');
  const out = tempDir();
  const result = await packageWith(['--manifest', MANIFEST, '--from', EXAMPLE, '--shims', smallRelease(), '--out', out, '--version', 'v2.0.1-rc.1',
    '--metadata', join(definition, 'connector-metadata.yaml'), '--base-uri', 'https://github.com/o/r/releases/download/v2.0.1-rc.1']);
  assert.equal(result.code, 0, result.stderr);
  const metadataText = readFileSync(join(out, 'connector-metadata.yaml'), 'utf8');
  const metadata = parseYaml(metadataText);
  const tarballName = 'ndc-example-fruits-2.0.1-rc.1-linux-amd64.tar.gz';
  assert.deepEqual(metadata.nativeToolchainDefinition.packages, [{
    selector: 'linux-amd64', uri: `https://github.com/o/r/releases/download/v2.0.1-rc.1/${tarballName}`,
    sha256: sha256(readFileSync(join(out, tarballName))), bin: 'ndc-shim',
  }]);
  assert.equal(metadata.nativeToolchainDefinition.commands.start.bash, 'exec "$HASURA_DDN_NATIVE_CONNECTOR_DIR/ndc-shim" start');
  assert.equal(metadata.packagingDefinition.dockerImage, 'ghcr.io/x/fruits:v1');

  const definitionTarball = readFileSync(join(out, 'connector-definition.tgz'));
  const packaging = JSON.parse(readFileSync(join(out, 'connector-packaging.json'), 'utf8'));
  assert.deepEqual(packaging, {
    version: 'v2.0.1-rc.1', uri: 'https://github.com/o/r/releases/download/v2.0.1-rc.1/connector-definition.tgz',
    checksum: { type: 'sha256', value: sha256(definitionTarball) },
  });
  // The hub's validator: version is v + semver, the checksum sha256.
  assert.match(packaging.version, /^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/);
  const unpacked = tempDir();
  assert.equal((await run('tar', ['xzf', join(out, 'connector-definition.tgz'), '-C', unpacked])).code, 0);
  assert.equal(readFileSync(join(unpacked, '.hasura-connector', 'connector-metadata.yaml'), 'utf8'), metadataText);
  assert.equal(readFileSync(join(unpacked, '.hasura-connector', 'Dockerfile'), 'utf8'), 'FROM scratch\n');
  const sums = readFileSync(join(out, 'SHA256SUMS'), 'utf8');
  assert.match(sums, new RegExp(`^${sha256(definitionTarball)}  connector-definition\\.tgz$`, 'm'));
  assert.equal((await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out })).code, 0);
});

test('package without --metadata: a minimal valid connector-metadata.yaml', { skip }, async () => {
  const out = tempDir();
  const result = await packageWith(['--manifest', MANIFEST, '--from', EXAMPLE, '--shims', smallRelease(), '--out', out]);
  assert.equal(result.code, 0, result.stderr);
  const metadata = parseYaml(readFileSync(join(out, 'connector-metadata.yaml'), 'utf8'));
  assert.deepEqual(Object.keys(metadata).sort(), ['commands', 'dockerComposeWatch', 'nativeToolchainDefinition', 'packagingDefinition', 'supportedEnvironmentVariables']);
  assert.deepEqual(Object.keys(metadata.nativeToolchainDefinition.commands), ['start', 'update', 'upgradeConfiguration', 'cliPluginEntrypoint']);
});

test('metadata --check: 0 when the block is what the manifest generates (packages and comments aside), 1 with the differing lines', { skip }, async () => {
  const { stdout: generated } = await run(SEA, ['--manifest', MANIFEST, 'metadata']);
  const dir = tempDir();
  const good = join(dir, 'good.yaml');
  writeFileSync(good, `${BEFORE}${generated.replace('  commands:\n', '  packages:\n    - selector: linux-amd64\n      uri: https://x/y.tar.gz\n      sha256: abc\n      bin: ndc-shim\n  commands:\n')}${AFTER}`.replace(/\n/g, '\r\n'));
  const ok = await run(SEA, ['--manifest', MANIFEST, 'metadata', '--check', good], { env: bareEnv() });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /nativeToolchainDefinition is what the manifest generates/);

  const stale = join(dir, 'stale.yaml');
  writeFileSync(stale, BEFORE + OLD_BLOCK + AFTER);
  const bad = await run(SEA, ['--manifest', MANIFEST, 'metadata', '--check', stale], { env: bareEnv() });
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /^- {7}bash: 'exec "\$HASURA_DDN_NATIVE_CONNECTOR_DIR\/ndc-shim" start'$/m);
  assert.match(bad.stdout, /^\+ {7}bash: \.\/old-start\.sh$/m);
  assert.match(bad.stdout, /^- {5}cliPluginEntrypoint:$/m);
  assert.doesNotMatch(bad.stdout, /^[-+] {3}commands:$/m);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.match(bad.stderr, /stale\.yaml's nativeToolchainDefinition differs from what the manifest generates/);

  const none = join(dir, 'none.yaml');
  writeFileSync(none, BEFORE);
  const missing = await run(SEA, ['--manifest', MANIFEST, 'metadata', '--check', none]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /has no top-level nativeToolchainDefinition/);
  const unreadable = await run(SEA, ['--manifest', MANIFEST, 'metadata', '--check', join(dir, 'nope.yaml')]);
  assert.equal(unreadable.code, 78);
  const misplaced = await run(SEA, ['--manifest', MANIFEST, 'doctor', '--check', good]);
  assert.equal(misplaced.code, 2);
  assert.match(misplaced.stderr, /--check belongs to `metadata`/);
});
