// Secrets in every output of the built shims, after the redesign of issue 18: environment values
// are never printed but for an allow-list, and the pattern filter (second line of defence) hides
// every shape that round of testing found, in --dry-run, logs (pretty and JSON, debug and trace),
// error lines and doctor (text and --json), without ever cutting the JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { redact } from '../build/redaction.js';
import { SHIMS, runShim, tempDir } from './helpers.mjs';

/** Every secret below contains "SEKRIT", so one pattern finds any leak. */
const LEAK = /SEKRIT/;

/**
 * The shapes a pattern list used to miss (issue 18). Each secret holds "SEKRIT" somewhere, and
 * the part after a character the old patterns stopped at holds it too, so a half-hidden value shows.
 */
const HARD_SHAPES = [
  "postgres://u:SEKRIT'SEKRIT-q1@db/x", 'postgres://u:SEKRIT"SEKRIT-q2@db/x', 'postgres://u:SEKRIT<SEKRIT-q3@db/x', 'postgres://u:SEKRIT>SEKRIT-q4@db/x',
  'postgres://u:SEK@SEKRIT/18@db/x', '{"pwd": "SEKRIT-pwd"}', '{"auth": "SEKRIT-auth"}', 'authorization: bearer SEKRIT-bearer-abcdef',
  '-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYSEKRITpgp\n=SEKR\n-----END PGP PRIVATE KEY BLOCK-----', 'name: x\npassword: SEKRIT yaml\nport: 1',
  'MYSQL_PWD=SEKRIT-mysql', 'DB_PASS=SEKRIT-dbpass', 'SESSION_JWT=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJTRUtSSVQifQ.SEKRIT-jwt-sig', 'passphrase=SEKRIT-phrase',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJTRUtSSVQifQ.SEKRITbarejwt',
];

test('redact hides every shape of issue 18, also inside JSON text, and keeps the JSON valid', () => {
  for (const text of HARD_SHAPES) {
    assert.doesNotMatch(redact(text), LEAK, text);
    const json = redact(JSON.stringify({ argv: [text, 'after'] }));
    assert.doesNotMatch(json, LEAK, `as JSON: ${text}`);
    assert.equal(JSON.parse(json).argv[1], 'after', json);
  }
});

/** Every output of the built shim, with `env` (and a manifest holding `commands`, `env` and `extra` keys): their stdout and stderr. */
async function everyOutput(shim, { commands, env: manifestEnv = {}, inherited = {}, extraArgs = [] }) {
  const dir = tempDir();
  const manifest = join(dir, 'ndc-shim.json');
  writeFileSync(manifest, JSON.stringify({ commands, env: manifestEnv }));
  const env = { ...process.env, ...inherited };
  const runs = [
    ['--dry-run', 'start', '--', ...extraArgs], ['--log-level', 'trace', '--no-exec', 'start', '--', ...extraArgs],
    ['--log-level', 'trace', '--log-format', 'json', '--no-exec', 'start', '--', ...extraArgs], ['--log-level', 'debug', 'start', '--', ...extraArgs],
    ['doctor'], ['doctor', '--json'],
  ];
  const results = [];
  for (const args of runs) results.push({ args, ...await runShim(shim, ['--manifest', manifest, ...args], { env }) });
  return results;
}

/** No secret in any output; JSON outputs parse (dry-run, doctor --json, each line of --log-format json). */
function assertNothingLeaks(results, leak = LEAK) {
  for (const { args, stdout, stderr } of results) {
    const what = args.join(' ');
    assert.doesNotMatch(stdout + stderr, leak, what);
    // A dry run of a missing executable answers with an error line only.
    if ((args[0] === '--dry-run' && stdout) || args.includes('--json')) assert.doesNotThrow(() => JSON.parse(stdout), `${what}: ${stdout}`);
    if (args.includes('json')) for (const line of (stdout + stderr).split('\n').filter(Boolean)) assert.doesNotThrow(() => JSON.parse(line), `${what}: ${line}`);
  }
}

for (const shim of SHIMS) {
  test(`${shim.name}: environment values are never printed but for the allow-list: names, set or not, and lengths`, async () => {
    const inherited = { HASURA_CONNECTOR_PORT: '18123', SOME_PLAIN_SETTING: 'SEKRIT-plain-inherited', CONNECTION_URI: 'SEKRIT-opaque' };
    const results = await everyOutput(shim, {
      commands: { start: ['true'] },
      env: { FEATURE_FLAG: 'SEKRIT-looks-harmless', DB_HOST: 'SEKRIT-host', RUST_LOG: 'debug' },
      inherited,
    });
    assertNothingLeaks(results);
    const plan = JSON.parse(results[0].stdout);
    assert.match(plan.env.set.FEATURE_FLAG, /^<hidden: 21 characters>$/);
    assert.equal(plan.env.set.RUST_LOG, 'debug', 'a log level is on the allow-list');
    assert.equal(plan.port, 18123);
  });

  test(`${shim.name}: every shape of issue 18, in arguments, environment and the executable path, never reaches any output`, async () => {
    const env = Object.fromEntries(HARD_SHAPES.map((text, index) => [`VALUE_${index}`, text]));
    Object.assign(env, { MYSQL_PWD: 'SEKRIT-mysql-pwd', DB_PASS: 'SEKRIT-db-pass', SESSION_JWT: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJTRUtSSVQifQ.SEKRIT' });
    assertNothingLeaks(await everyOutput(shim, { commands: { start: ['true', ...HARD_SHAPES] }, env, extraArgs: HARD_SHAPES }));
    // The same shapes as the executable itself: the "executable not found" line, pretty and JSON,
    // and doctor, which checks the executables of five commands at a time.
    const paths = HARD_SHAPES.filter((shape) => !shape.includes('\n'));
    for (const text of paths) {
      const dir = tempDir();
      const manifest = join(dir, 'ndc-shim.json');
      writeFileSync(manifest, JSON.stringify({ commands: { start: [text] } }));
      for (const args of [['start'], ['--log-format', 'json', 'start']]) {
        const { stderr, code } = await runShim(shim, ['--manifest', manifest, ...args]);
        assert.ok(code === 127 || code === 126, `${text}: ${stderr}`);
        assertNothingLeaks([{ args, stdout: '', stderr }]);
      }
    }
    for (let first = 0; first < paths.length; first += 5) {
      const commands = Object.fromEntries(['start', 'update', 'upgrade', 'watch', 'cli'].map((name, index) => [name, [paths[first + index] ?? 'true']]));
      const dir = tempDir();
      const manifest = join(dir, 'ndc-shim.json');
      writeFileSync(manifest, JSON.stringify({ commands }));
      for (const args of [['doctor'], ['doctor', '--json']]) assertNothingLeaks([{ args, ...await runShim(shim, ['--manifest', manifest, ...args]) }]);
    }
  });

  test(`${shim.name}: a path holding a private-key header never cuts doctor --json or --dry-run short`, async () => {
    const dir = tempDir();
    const odd = join(dir, '-----BEGIN PRIVATE KEY-----');
    const manifest = join(dir, 'ndc-shim.json');
    writeFileSync(manifest, JSON.stringify({ commands: { start: ['true', odd, 'after-the-key'] } }));
    const doctor = await runShim(shim, ['--manifest', manifest, '--configuration', odd, 'doctor', '--json']);
    const report = JSON.parse(doctor.stdout);
    assert.ok(report.checks.some((check) => check.name === 'port'), doctor.stdout);
    const dry = await runShim(shim, ['--manifest', manifest, '--configuration', odd, '--dry-run', 'start']);
    const plan = JSON.parse(dry.stdout);
    assert.equal(plan.argv.at(-1), 'after-the-key');
    assert.equal(plan.command, 'start');
    // Plain lines too: the error line keeps its fix, doctor's line its own.
    const missing = await runShim(shim, ['start', '--', join(odd, 'connector')]);
    assert.match(missing.stderr, /executable not found: .*; check the path/, missing.stderr);
    const text = await runShim(shim, ['--manifest', manifest, '--configuration', join(odd, 'gone'), 'doctor']);
    assert.match(text.stdout, /^problem +configuration.*; fix: /m, text.stdout);
  });
}

