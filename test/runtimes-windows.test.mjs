// `path` and `requires` in the Windows executable, under Wine: entries joined with `;` in front of
// the variable Windows spells its own way, a bare name found through them with PATHEXT, and
// runtimes whose version comes from a .cmd (read through cmd.exe) or from the `py -3` launcher.
// Skipped, with the reason, where Wine or the Windows build is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROBE, run, tempDir } from './helpers.mjs';
import { NODE_DIR, prepareWine, winPath, wineShim, wineSkip } from './wine.mjs';

const skip = wineSkip;
prepareWine();

/** tools\ holds the "connector" (probe.cmd, found by its bare name) and whatever fake runtimes a test writes. */
function layout(manifestExtra, tools = {}) {
  const dir = tempDir();
  const toolsDir = join(dir, 'tools dir');
  mkdirSync(toolsDir);
  writeFileSync(join(toolsDir, 'probe.cmd'), `@"${winPath(join(NODE_DIR, 'node.exe'))}" "${winPath(PROBE)}" %*\r\n`);
  for (const [name, text] of Object.entries(tools)) writeFileSync(join(toolsDir, name), text.replace(/\n/g, '\r\n'));
  const manifest = join(dir, 'ndc-shim.json');
  writeFileSync(manifest, JSON.stringify({ commands: { start: ['probe', 'serve'] }, path: ['{connectorDir}\\tools dir', { dir: '{connectorDir}\\missing', optional: true }], ...manifestExtra }));
  return { dir, toolsDir, args: ['--manifest', winPath(manifest), '--connector-dir', winPath(dir), '--port', '18998'], out: join(dir, 'probe.json') };
}

test('windows (wine): path entries go in front of the child\'s Path with ;, a bare name is found there with PATHEXT, a missing optional one is skipped without a word', { skip }, async () => {
  const { dir, toolsDir, args, out } = layout({});
  const started = await wineShim(dir, [...args, 'start'], { PROBE_OUT: winPath(out) });
  assert.equal(started.code, 0, started.stderr);
  const seen = JSON.parse(readFileSync(out, 'utf8'));
  const pathKeys = Object.keys(seen.env).filter((key) => key.toUpperCase() === 'PATH');
  assert.equal(pathKeys.length, 1, `one PATH variable, not two spellings: ${pathKeys}`);
  const entries = seen.env[pathKeys[0]].split(';');
  assert.equal(entries[0].toLowerCase(), winPath(toolsDir).toLowerCase());
  assert.ok(entries.length > 1, 'the inherited entries follow');
  assert.deepEqual(seen.argv, ['serve']);
  assert.doesNotMatch(started.stderr, /missing/);
});

test('windows (wine): a runtime whose version comes from a .cmd (through cmd.exe) is checked; too old stops start with one line', { skip }, async () => {
  const old = layout({ requires: { node: '>=20' } }, { 'node.cmd': '@echo v18.19.0\n' });
  const refused = await wineShim(old.dir, [...old.args, 'start'], { PROBE_OUT: winPath(old.out) });
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /node 18\.19\.0 at .*tools dir\\node\.cmd is too old: this connector needs node >=20; install Node\.js 20 or later/i);
  assert.equal(refused.stderr.trim().split('\n').filter((line) => !/WARN/.test(line)).length, 1, refused.stderr);
  assert.equal(existsSync(old.out), false, 'the connector did not run');

  const fine = layout({ requires: { node: '>=20' } }, { 'node.cmd': '@echo v22.3.0\n' });
  const doctor = await wineShim(fine.dir, [...fine.args, 'doctor']);
  assert.match(doctor.stdout, /^ok       runtime node: node 22\.3\.0 at .*tools dir\\node\.cmd \(needs >=20\)/mi);
});

// (That `-3` reaches the launcher is checked by runtimes.test.mjs: Wine's cmd.exe parses escaped arguments unlike Windows'.)
test('windows (wine): python3 and python absent, the py -3 launcher answers', { skip }, async () => {
  const { dir, args } = layout({ requires: { python: '>=3.10' } }, { 'py.cmd': '@echo Python 3.12.1\n' });
  const doctor = await wineShim(dir, [...args, 'doctor']);
  assert.match(doctor.stdout, /^ok       runtime python: python 3\.12\.1 at .*tools dir\\py\.cmd \(py -3\) \(needs >=3\.10\)/mi, doctor.stdout + doctor.stderr);
});
