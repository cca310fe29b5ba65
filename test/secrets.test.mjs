// Secrets never appear in anything the shim prints: one redaction filter (src/redaction.ts), tested
// here on a corpus of real connection-string shapes, then on every output path of the built shims
// (logs, errors, --dry-run, doctor, doctor --json, metadata).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { redact, redactArgv, shownEnvironment } from '../build/redaction.js';
import { HELP_TEXT } from '../build/commands/help.js';
import { ROOT, SHIMS, runShim, tempDir } from './helpers.mjs';

/** Every secret below contains "SEKRIT" (or is the PEM body), so one pattern finds any leak. */
const LEAK = /SEKRIT|MIIEvQIBADANBg/;

/** [text, what must still be readable after redaction] */
const CORPUS = [
  ['postgresql://app:pwSEKRIT1@db.example.com:5432/shop?sslmode=require', 'db.example.com:5432/shop?sslmode=require'],
  ['postgres://app:p@ss@wSEKRIT@db:5432/x', 'db:5432/x'],
  ['postgres://app:pa/sSEKRIT@db/x', 'db/x'],
  ['postgres://db.example.com/shop?user=app&password=SEKRIT2&sslmode=verify-full', 'sslmode=verify-full'],
  ['postgres://db/shop?sslpassword=SEKRIT3;password=SEKRIT4', 'postgres://db/shop?'],
  ['host=db port=5432 user=app password=SEKRIT5 dbname=shop', 'dbname=shop'],
  ["host=db password='with spaces SEKRIT6' dbname=shop", 'dbname=shop'],
  ['mysql://root:SEKRIT7@127.0.0.1:3306/app', '127.0.0.1:3306/app'],
  ['Server=db;Database=app;Uid=root;Pwd=SEKRIT8;', 'Database=app'],
  ['mongodb+srv://app:SEKRIT9%40x@cluster0.abcde.mongodb.net/app?retryWrites=true&w=majority', 'cluster0.abcde.mongodb.net'],
  ['mongodb://app:SEKRIT10@h1:27017,h2:27017/app?replicaSet=rs0', 'replicaSet=rs0'],
  ['jdbc:postgresql://db:5432/shop?user=app&password=SEKRIT11', 'jdbc:postgresql://db:5432/shop'],
  ['jdbc:mysql://app:SEKRIT12@db:3306/shop', 'db:3306/shop'],
  ['jdbc:sqlserver://db:1433;databaseName=shop;user=app;password=SEKRIT13;encrypt=true', 'encrypt=true'],
  ['jdbc:oracle:thin:scott/SEKRIT14@//db:1521/ORCL', 'db:1521/ORCL'],
  ['Server=tcp:db.database.windows.net,1433;Initial Catalog=shop;User ID=app;Password=SEKRIT15;Encrypt=True;', 'Encrypt=True'],
  ['Server=db;User Id=app;Password={SEKRIT;16};', 'Server=db'],
  ['Server=db;Password="SEKRIT;16b";Database=x', 'Database=x'],
  ['password=SEK\\"RIT16c,SEKRIT16d)', 'password='],
  ['DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=SEKRIT17==;EndpointSuffix=core.windows.net', 'AccountName=acct'],
  ['snowflake://app:SEKRIT18@xy12345.eu-west-1/shop/public?warehouse=wh', 'warehouse=wh'],
  ['jdbc:snowflake://xy12345.snowflakecomputing.com/?user=app&password=SEKRIT19&db=shop', 'db=shop'],
  ['redis://:SEKRIT20@cache:6379/0', 'cache:6379/0'],
  [`postgres://iam-user:SEKRIT-jwt.${'e'.repeat(3000)}@db/x`, 'db/x'],
  ['rediss://default:SEKRIT21@cache:6380', 'cache:6380'],
  ['https://user:SEKRIT22@example.com/hook', 'example.com/hook'],
  ['Authorization: Bearer SEKRIT23abcdefgh', 'Authorization: Bearer'],
  ['--db-password=SEKRIT24', '--db-password='],
  ['DB_PASSWORD=SEKRIT25', 'DB_PASSWORD='],
  [JSON.stringify({ type: 'service_account', project_id: 'proj', private_key_id: 'SEKRIT26', private_key: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n', client_email: 'sa@proj.iam.gserviceaccount.com' }), 'sa@proj.iam.gserviceaccount.com'],
  ['-----BEGIN RSA PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END RSA PRIVATE KEY-----', ''],
  ['{"DB_PASSWORD": "SEKRIT27", "API_TOKEN": "SEKRIT28", "name": "x"}', '"name": "x"'],
];

test('redact hides the credentials of every connection-string shape in the corpus, keeping the rest', () => {
  for (const [text, kept] of CORPUS) {
    const shown = redact(text);
    assert.doesNotMatch(shown, LEAK, text);
    assert.ok(shown.includes(kept), `${text} -> ${shown} keeps ${kept}`);
    assert.match(shown, /<redacted>/, text);
    assert.equal(redact(shown), shown, `redaction is stable: ${shown}`);
    // The same text quoted inside JSON (as --dry-run and doctor --json print it): hidden, and still JSON.
    const json = redact(JSON.stringify({ argv: [text, 'password=', 'x'] }));
    assert.doesNotMatch(json, LEAK, `as JSON: ${text}`);
    assert.deepEqual(JSON.parse(json).argv.slice(1), ['password=', 'x'], json);
  }
});

test('redact leaves harmless text alone', () => {
  for (const text of [
    'http://host:8080/path?email=someone@example.com', 'http://127.0.0.1:8080/health', 'PATH=/usr/bin:/bin', 'HASURA_CONNECTOR_PORT=8080',
    'plan: {"env":{"set":{"DB_PASSWORD":"<hidden: 6 characters>"}}}', 'C:\\Users\\me\\ndc-shim.exe', 'file:///etc/connector', 'user@example.com', 'key-value store', 'exec "$HASURA_DDN_NATIVE_CONNECTOR_DIR/ndc-shim" start',
    HELP_TEXT,
  ]) assert.equal(redact(text), text);
});

test('shownEnvironment and redactArgv: values but the allow-list\'s hidden, and the value after --password and the like', () => {
  assert.deepEqual(shownEnvironment({ DB_PASSWORD: 'SEKRIT', HASURA_PLUGIN_DDN_PAT: 'x', PATH: '/bin:/SEKRIT://u:SEKRIT@h', URL: 'redis://:SEKRIT@h', Path: 'C:\\bin', RUST_LOG: 'info' }),
    { DB_PASSWORD: '<hidden: 6 characters>', HASURA_PLUGIN_DDN_PAT: '<hidden: 1 character>', PATH: '/bin:/SEKRIT://u:<redacted>@h', URL: '<hidden: 17 characters>', Path: 'C:\\bin', RUST_LOG: 'info' });
  assert.deepEqual(redactArgv(['conn', '--password', 'SEKRIT', '--api-key', 'SEKRIT', '--port', '8080', '-p', 'x']),
    ['conn', '--password', '<redacted>', '--api-key', '<redacted>', '--port', '8080', '-p', 'x']);
});

/** A manifest (and env file) whose every value is a secret in some shape. */
function secretLayout() {
  const dir = tempDir();
  const envFile = join(dir, 'secrets.env');
  writeFileSync(envFile, 'FROM_FILE_TOKEN=SEKRIT-file-1\nFROM_FILE_URL=postgres://u:SEKRIT-file-2@db/x?sslpassword=SEKRIT-file-3\n');
  const manifest = join(dir, 'ndc-shim.json');
  writeFileSync(manifest, JSON.stringify({
    commands: {
      start: ['true', ...CORPUS.map(([text]) => text), '--password', 'SEKRIT-arg'],
      update: ['true', 'mongodb+srv://u:p@SEKRIT-update@h/x'],
    },
    env: { DB_PASSWORD: 'SEKRIT-env-1', DATABASE_URL: 'mysql://u:p@ss@SEKRIT-env-2@db/x', JDBC_URL: 'jdbc:postgresql://db/x?password=SEKRIT-env-3' },
    envFiles: ['secrets.env'],
  }));
  const env = { ...process.env, HASURA_SERVICE_TOKEN_SECRET: 'SEKRIT-inherited-1', HASURA_PLUGIN_DDN_PAT: 'SEKRIT-inherited-2',
    CONNECTION_URI: 'postgres://u:SEKRIT-inherited-3@127.0.0.1/db?password=SEKRIT-inherited-4' };
  return { dir, manifest, env };
}

/** A manifest in which `text` is the problem. */
function badManifest(text) {
  const dir = tempDir();
  const manifest = join(dir, 'ndc-shim.json');
  writeFileSync(manifest, text);
  return manifest;
}

for (const shim of SHIMS) {
  test(`${shim.name}: --dry-run, logs at trace level (pretty and JSON), doctor and doctor --json print no secret`, async () => {
    const { manifest, env } = secretLayout();
    const runs = [
      ['--dry-run', 'start'], ['--dry-run', 'update'], ['--dry-run', 'start', '--', '--token', 'SEKRIT-extra', 'password=SEKRIT-extra-2'],
      ['--log-level', 'trace', '--no-exec', 'start'], ['--log-level', 'trace', '--log-format', 'json', '--no-exec', 'update'],
      ['doctor'], ['doctor', '--json'],
    ];
    for (const args of runs) {
      const { stdout, stderr } = await runShim(shim, ['--manifest', manifest, ...args], { env });
      assert.doesNotMatch(stdout + stderr, LEAK, args.join(' '));
      if (args[0] !== 'doctor') assert.match(stdout + stderr, /<redacted>/, `${args.join(' ')} printed the redacted values`);
    }
    const { stdout } = await runShim(shim, ['--manifest', manifest, '--dry-run', 'start'], { env });
    const plan = JSON.parse(stdout);
    assert.equal(plan.env.set.FROM_FILE_TOKEN, '<hidden: 13 characters>');
    assert.equal(plan.env.set.DATABASE_URL, '<hidden: 32 characters>');
    assert.equal(plan.argv.at(-1), '<redacted>');
  });

  test(`${shim.name}: manifest errors never quote a secret (numeric value, misplaced key, JSON syntax error)`, async () => {
    const cases = [
      [JSON.stringify({ commands: { start: ['true'] }, env: { DB_PASSWORD: 12345678 } }), /\$\.env\.DB_PASSWORD: expected a string, got a number/, /12345678/],
      [JSON.stringify({ commands: { start: ['true'] }, database: 'postgres://u:SEKRIT@db/x' }), /\$\.database: expected no such key/, LEAK],
      [JSON.stringify({ commands: { start: ['true', '--password', 87654321] } }), /\$\.commands\.start\[2\]: expected a string, got a number/, /87654321/],
      [JSON.stringify({ commands: { start: ['true'] }, connection: 'SEKRITSEKRIT' }), /\$\.connection: expected no such key .* got a string/, LEAK],
      ['{"commands": {"start": ["true"]}, "env": {"DB_PASSWORD": SEKRIT_unquoted}}', /not valid JSON: .*line 1 column 58/, LEAK],
      ['{"env": {"DB_PASSWORD": "SEKRIT\u0001"}, "commands": {"start": ["true"]}}', /not valid JSON: .*line 1 column 32/, LEAK],
      ['{"env": {"DB_PASSWORD": "SEKRIT"', /not valid JSON/, LEAK],
      ['{"env":{"A":SEKRIT}}', /not valid JSON: .*line 1 column 13/, LEAK],
    ];
    for (const [text, expected, leak] of cases) {
      const manifest = badManifest(text);
      for (const args of [['start'], ['--dry-run', 'start'], ['doctor'], ['doctor', '--json'], ['metadata'], ['cli', 'x']]) {
        const { stdout, stderr, code } = await runShim(shim, ['--manifest', manifest, ...args]);
        assert.equal(code, args[0] === 'doctor' ? 1 : 78, `${text} ${args.join(' ')}: ${stderr}`);
        assert.match(args[0] === 'doctor' ? stdout : stderr, expected, `${text} ${args.join(' ')}`);
        assert.doesNotMatch(stdout + stderr, leak, `${text} ${args.join(' ')}`);
      }
    }
  });

  test(`${shim.name}: an executable path shaped like a URI with credentials is redacted in errors and doctor`, async () => {
    const dir = tempDir();
    const manifest = join(dir, 'ndc-shim.json');
    writeFileSync(manifest, JSON.stringify({ commands: { start: ['postgres://u:SEKRIT@db/x/connector'], cli: ['mysql://u:p@SEKRIT@db'] } }));
    for (const args of [['start'], ['--no-exec', 'start'], ['cli'], ['doctor'], ['doctor', '--json']]) {
      const { stdout, stderr } = await runShim(shim, ['--manifest', manifest, ...args]);
      assert.match(stdout + stderr, /not found/, args.join(' '));
      assert.doesNotMatch(stdout + stderr, LEAK, args.join(' '));
    }
    const { stderr, code } = await runShim(shim, ['start', '--', 'redis://:SEKRIT@cache/connector']);
    assert.equal(code, 127);
    assert.doesNotMatch(stderr, LEAK);
  });
}

test('every writer of the shim redacts: the logger (pretty and JSON, every level), describeError and the last-resort error line', () => {
  const script = `
    const { createLogger } = require('./build/logging.js');
    const { describeError, ShimError } = require('./build/errors.js');
    const { writeErrorLine } = require('./build/output.js');
    const secret = 'postgres://u:SEK@SEKRIT/18@db/x password: SEKRIT-yaml';
    for (const format of ['pretty', 'json']) {
      const logger = createLogger({ level: 'trace', format, infoFd: 2 });
      for (const level of ['trace', 'debug', 'info', 'warn', 'error']) logger[level](secret);
    }
    writeErrorLine(describeError(new ShimError(secret, 1, secret)).line);
    writeErrorLine(describeError(new Error(secret)).line);
    writeErrorLine(secret);`;
  const result = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30000 });
  assert.equal(result.status, 0, result.stderr);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 13, result.stderr);
  assert.doesNotMatch(result.stderr, LEAK);
  assert.match(result.stderr, /postgres:\/\/u:<redacted>@db\/x/);
});
