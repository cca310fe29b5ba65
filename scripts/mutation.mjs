// npm run test:mutation: plants known bugs in src/, one at a time, and runs the tests that should
// catch each; reports which were caught and which survived. Not part of `npm test` or CI (each
// mutant is a rebuild of the linux-x64 executable plus a few test files: minutes each).
//
// The work happens in a temporary copy of the repository (git's tracked files, with node_modules and
// .cache linked), so src/ here is never modified, whatever happens to this process (Ctrl+C included).
//
//   node scripts/mutation.mjs                 every mutant
//   node scripts/mutation.mjs ID...           those mutants
//   node scripts/mutation.mjs --list          the mutants and their tests
//   node scripts/mutation.mjs --check         that every edit still applies to src/ (no build, no tests)
//   --report FILE                             also write the results as Markdown (docs/mutation.md)
//
// Run it niced on a shared machine: `nice -n 10 npm run test:mutation`.
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Each mutant: one plausible bug (`find` replaced by `replace` in `file`, which must occur exactly
 * once) and the test files that must fail on it. `area` groups them in the report.
 */
export const MUTANTS = [
  // Resolution and the command line.
  { id: 'port-65536', area: 'resolution', file: 'src/cli.ts', find: 'Number(value) <= 65535', replace: 'Number(value) <= 65536',
    what: '--port and HASURA_CONNECTOR_PORT accept 65536', tests: ['test/port-values.test.mjs'] },
  { id: 'port-zero', area: 'resolution', file: 'src/cli.ts', find: 'Number(value) >= 1 &&', replace: 'Number(value) >= 0 &&',
    what: 'port 0 accepted', tests: ['test/port-values.test.mjs'] },
  { id: 'relative-path-entries', area: 'resolution', file: 'src/resolution.ts', find: '.filter((dir) => path.isAbsolute(dir));', replace: '.filter((dir) => dir !== undefined);',
    what: 'bare names looked up in relative PATH entries (., empty, bin)', tests: ['test/plan.test.mjs'] },
  { id: 'shimdir-is-cwd', area: 'resolution', file: 'src/resolution.ts', find: 'const shimDir = path.dirname(shimPath);', replace: 'const shimDir = cwd;',
    what: '{shimDir} (and the connector directory default) is the working directory', tests: ['test/spec-promises.test.mjs'] },
  { id: 'not-found-126', area: 'resolution', file: 'src/errors.ts', find: 'notFound: 127,', replace: 'notFound: 126,',
    what: 'a command not found exits 126 instead of 127', tests: ['test/exit-codes.test.mjs'] },
  { id: 'script-nesting-6', area: 'resolution', file: 'src/platform.ts', find: "(facts.platform === 'linux' ? 5 : 1)", replace: "(facts.platform === 'linux' ? 6 : 1)",
    what: 'the check lets six nested #! scripts through (the kernel stops at five)', tests: ['test/exec-failures.test.mjs'] },

  // Logging.
  { id: 'ndc-shim-log-level-ignored', area: 'environment', file: 'src/main.ts', find: "commandLine?.options.logLevel ?? read('NDC_SHIM_LOG_LEVEL');", replace: 'commandLine?.options.logLevel;',
    what: 'NDC_SHIM_LOG_LEVEL ignored', tests: ['test/log-level.test.mjs'] },
  { id: 'plugin-log-level-ignored', area: 'environment', file: 'src/main.ts', find: "if (fromCli) level = parseLogLevel(fromCli, 'HASURA_PLUGIN_LOG_LEVEL');", replace: 'void fromCli;',
    what: 'HASURA_PLUGIN_LOG_LEVEL ignored', tests: ['test/log-level.test.mjs'] },

  // The child's environment.
  { id: 'defaults-override', area: 'environment', file: 'src/environment.ts', find: 'if (!Object.hasOwn(env, key)) assign(name, value);', replace: 'assign(name, value);',
    what: "env files and the manifest's env override inherited variables instead of filling what is unset", tests: ['test/environment.test.mjs', 'test/child-environment.test.mjs'] },
  { id: 'internal-variables-kept', area: 'environment', file: 'src/environment.ts', find: '    if (key in env) {\n      delete env[key];', replace: '    if (key in env && false) {\n      delete env[key];',
    what: "the shim's internal variables reach the child", tests: ['test/environment.test.mjs', 'test/child-environment.test.mjs'] },
  { id: 'port-not-checked', area: 'launch', file: 'src/checks/preflight.ts', find: '  return checkPortFree(port, host);\n}', replace: "  return { name: 'port', ok: true, detail: `port ${port}` };\n}",
    what: 'start does not check that the port is free', tests: ['test/exit-codes.test.mjs'] },

  // Launch (exec and supervise).
  { id: 'sigpipe-inherited', area: 'launch', file: 'src/launch/exec.ts', find: "RUNTIME_IGNORED_SIGNALS: NodeJS.Signals[] = ['SIGPIPE', 'SIGXFSZ'];", replace: "RUNTIME_IGNORED_SIGNALS: NodeJS.Signals[] = ['SIGXFSZ'];",
    what: "exec: the child inherits the runtime's ignored SIGPIPE", tests: ['test/child-signals.test.mjs'] },
  { id: 'tini-without-g', area: 'launch', file: 'src/launch/init.ts', find: "['ndc-shim-init', '-g', '--',", replace: "['ndc-shim-init', '--',",
    what: 'the embedded tini started without -g (signals reach the connector only, not its group)', tests: ['test/container.test.mjs', 'test/pid1-hostile.test.mjs'] },
  { id: 'stdio-mode-not-restored', area: 'launch', file: 'src/stdio.ts', find: '  stream._handle?.setBlocking?.(blocking);', replace: '  void stream;',
    what: 'fds 0-2 are not put back in the mode they were received in', tests: ['test/child-stdio.test.mjs'] },
  { id: 'exit-status-0-warning-always', area: 'launch', file: 'src/launch/supervise.ts', find: "if (code === 0 && this.plan.command === 'start') {", replace: "if (this.plan.command === 'start') {",
    what: 'supervise warns that the connector exited with 0 whatever its status', tests: ['test/exit-codes.test.mjs'] },

  // Signals.
  { id: 'sigabrt-not-forwarded', area: 'signal', file: 'src/platform.ts', find: "'SIGSYS', 'SIGTRAP', 'SIGABRT',", replace: "'SIGSYS', 'SIGTRAP',",
    what: 'SIGABRT not forwarded to the child', tests: ['test/signals.test.mjs'] },
  { id: 'sigchld-forwarded', area: 'signal', file: 'src/platform.ts', find: "[...common, 'SIGPWR', 'SIGSTKFLT']", replace: "[...common, 'SIGPWR', 'SIGSTKFLT', 'SIGCHLD']",
    what: "SIGCHLD (about the shim's own children) forwarded", tests: ['test/supervise-hostile.test.mjs', 'test/signals.test.mjs'] },
  { id: 'no-signal-death', area: 'signal', file: 'src/launch/supervise.ts', find: '    if (signal) return this.dieBySignal(signal);', replace: '    if (signal) process.exit(128 + (signal === \'SIGTERM\' ? 15 : 1));',
    what: "supervise exits with a code instead of dying by the child's signal", tests: ['test/exit-codes.test.mjs'] },
  { id: 'fallback-code-wrong', area: 'signal', file: 'src/launch/supervise.ts', find: '  const code = 128 + signalNumber(signal);', replace: '  const code = 1;',
    what: 'the 128+N fallback (core-dumping signals, PID 1) exits 1', tests: ['test/exit-codes.test.mjs', 'test/spec-promises.test.mjs'] },
  { id: 'core-signal-reraised', area: 'signal', file: 'src/platform.ts', find: "'SIGQUIT', 'SIGABRT', 'SIGIOT',", replace: "'SIGQUIT', 'SIGIOT',",
    what: 'a child dead of SIGABRT: the shim re-raises it (a core file of the shim) instead of exiting 134', tests: ['test/exit-codes.test.mjs', 'test/signals.test.mjs'] },

  // The process tree and the lifeline.
  { id: 'tree-start-time-ignored', area: 'tree', file: 'src/launch/tree.ts', find: "if (facts.platform === 'linux') return entries.filter((entry) => readLinuxEntry(entry.pid)?.identity === entry.identity);",
    replace: "if (facts.platform === 'linux') return entries.filter((entry) => readLinuxEntry(entry.pid) !== undefined);",
    what: 'Linux: a recycled PID (another start time) is signalled', tests: ['test/tree-ps.test.mjs', 'test/supervise-tree.test.mjs', 'test/signals.test.mjs'] },
  { id: 'tree-not-frozen', area: 'tree', file: 'src/launch/tree.ts', find: "const FREEZING: ReadonlySet<Signal> = new Set(['SIGTERM', 'SIGKILL']);", replace: 'const FREEZING: ReadonlySet<Signal> = new Set([]);',
    what: 'the tree is not frozen before SIGTERM/SIGKILL', tests: ['test/supervise-tree.test.mjs'] },
  { id: 'lifeline-not-started', area: 'lifeline', file: 'src/launch/supervise.ts', find: '    this.lifeline = startLifeline(shell, this.plan.killAfterSeconds', replace: '    this.lifeline = undefined && startLifeline(shell, this.plan.killAfterSeconds',
    what: 'no lifeline: a SIGKILLed shim leaves the connector running', tests: ['test/supervise-tree.test.mjs', 'test/spec-promises.test.mjs'] },
  { id: 'lifeline-grace-in-ticks', area: 'lifeline', file: 'src/launch/lifeline.ts', find: 'const grace = Math.max(0, graceSeconds);', replace: 'const grace = Math.max(0, graceSeconds * 4);',
    what: "the lifeline's grace four times too long", tests: ['test/tree-ps.test.mjs', 'test/supervise-tree.test.mjs'] },

  // Redaction.
  { id: 'redact-password-name', area: 'redaction', file: 'src/redaction.ts', find: '/SECRET|TOKEN|PASSWORD|PASSWD|PASSPHRASE|KEY|CREDENTIAL|JWT|PRIVATE|AUTH/i', replace: '/SECRET|TOKEN|PASSWD|PASSPHRASE|KEY|CREDENTIAL|JWT|PRIVATE|AUTH/i',
    what: 'variables named *PASSWORD* are printed', tests: ['test/secrets.test.mjs'] },
  { id: 'redact-uri-userinfo', area: 'redaction', file: 'src/redaction.ts', find: '    .replace(URI_USERINFO, (', replace: '    .replace(/(?!)/g, (',
    what: "a URI's user:password@ is printed", tests: ['test/secrets.test.mjs'] },
  { id: 'redact-bearer', area: 'redaction', file: 'src/redaction.ts', find: "    .replace(BEARER, (_whole, scheme: string) => `${scheme} ${REDACTED}`)", replace: '',
    what: 'Bearer tokens are printed', tests: ['test/secrets.test.mjs'] },
  { id: 'show-every-value', area: 'redaction', file: 'src/redaction.ts', find: "  if (SHOWN_VARIABLES.has(name.toUpperCase())) return redact(value);", replace: '  return redact(value);',
    what: 'environment values off the allow-list are printed (filtered by patterns only)', tests: ['test/secrets-outputs.test.mjs', 'test/output.test.mjs'] },
  { id: 'pem-swallows', area: 'redaction', file: 'src/redaction.ts', find: "(?:[A-Za-z0-9+/=\\r\\n]|\\\\[nr]){0,65536}/g;", replace: "[\\s\\S]*/g;",
    what: 'a private-key header without its end hides the rest of the text', tests: ['test/secrets-outputs.test.mjs'] },
  { id: 'line-break-as-space', area: 'redaction', file: 'src/errors.ts', find: "const NAMED_ESCAPES: Record<string, string> = { '\\n': '\\\\n',", replace: "const NAMED_ESCAPES: Record<string, string> = { '\\n': ' ',",
    what: 'a line break in a path is shown as a space', tests: ['test/output-format.test.mjs'] },
];

/** Applies a mutant to the text of its file; undefined when `find` does not occur exactly once. */
export function mutate(text, mutant) {
  const at = text.indexOf(mutant.find);
  if (at === -1 || text.indexOf(mutant.find, at + 1) !== -1) return undefined;
  return text.slice(0, at) + mutant.replace + text.slice(at + mutant.find.length);
}

function parseArgs(argv) {
  const options = { ids: [], list: false, check: false, report: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--list') options.list = true;
    else if (argv[i] === '--check') options.check = true;
    else if (argv[i] === '--report') options.report = argv[++i];
    else if (argv[i].startsWith('--report=')) options.report = argv[i].slice('--report='.length);
    else if (argv[i].startsWith('-')) { console.error(`mutation: unknown option ${argv[i]}`); process.exit(2); }
    else options.ids.push(argv[i]);
  }
  for (const id of options.ids) {
    if (!MUTANTS.some((mutant) => mutant.id === id)) { console.error(`mutation: unknown mutant ${id} (see --list)`); process.exit(2); }
  }
  return options;
}

/** A copy of the repository's tracked files (as they are in the working tree), node_modules and .cache linked. */
function copyRepository() {
  const copy = mkdtempSync(join(tmpdir(), 'ndc-shim-mutation-'));
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    if (!existsSync(join(root, file))) continue;
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(root, file), join(copy, file), { verbatimSymlinks: true });
  }
  for (const link of ['node_modules', '.cache', 'examples/typescript-connector/node_modules']) {
    if (existsSync(join(root, link))) symlinkSync(join(root, link), join(copy, link));
  }
  return copy;
}

let current;
/** Runs a command in the copy; resolves with its exit code and the tail of its output. */
function runIn(cwd, command, args, env) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    current = child;
    let output = '';
    const keep = (chunk) => { output = (output + chunk).slice(-20000); };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('close', (code, signal) => { current = undefined; resolve({ code: code ?? signal, output }); });
  });
}

function failingTests(output) {
  return [...new Set([...output.matchAll(/^\s*not ok \d+ - (.*)$/gm)].map((match) => match[1].trim()).filter((name) => !name.startsWith('/')))].slice(0, 5);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const chosen = options.ids.length ? MUTANTS.filter((mutant) => options.ids.includes(mutant.id)) : MUTANTS;
  if (options.list) {
    for (const mutant of chosen) console.log(`${mutant.id.padEnd(30)} ${mutant.file.padEnd(26)} ${mutant.what}\n${' '.repeat(31)}tests: ${mutant.tests.join(' ')}`);
    return;
  }
  const stale = chosen.filter((mutant) => !existsSync(join(root, mutant.file)) || mutate(readFileSync(join(root, mutant.file), 'utf8'), mutant) === undefined);
  for (const mutant of stale) console.error(`mutation: ${mutant.id}: its text no longer occurs exactly once in ${mutant.file}; update the mutant`);
  if (options.check) process.exit(stale.length ? 1 : 0);

  const copy = copyRepository();
  const cleanUp = () => { if (current) try { process.kill(-current.pid, 'SIGKILL'); } catch { /* gone */ } rmSync(copy, { recursive: true, force: true }); };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => { cleanUp(); process.exit(130); });
  const results = [];
  try {
    for (const mutant of chosen) {
      if (stale.includes(mutant)) { results.push({ mutant, outcome: 'stale' }); continue; }
      const file = join(copy, mutant.file);
      const original = readFileSync(file, 'utf8');
      writeFileSync(file, mutate(original, mutant));
      const started = Date.now();
      process.stdout.write(`${mutant.id}: `);
      const tests = mutant.tests.filter((test) => existsSync(join(copy, test)));
      let outcome;
      let detail = '';
      if (tests.length === 0) {
        outcome = 'no tests';
      } else {
        // scripts/test.mjs type-checks (a mutant that does not compile counts as caught by the compiler),
        // rebuilds the linux-x64 executable from the mutated sources, then runs the files.
        const result = await runIn(copy, process.execPath, [join(copy, 'scripts', 'test.mjs'), ...tests], { NDC_SHIM_TEST_TARGETS: 'linux-x64' });
        if (result.code === 0) outcome = 'survived';
        else if (/error TS\d+/.test(result.output)) outcome = 'caught (does not compile)';
        else { outcome = 'caught'; detail = failingTests(result.output).join('; '); }
      }
      writeFileSync(file, original);
      const seconds = Math.round((Date.now() - started) / 1000);
      console.log(`${outcome} (${seconds} s)${detail ? `: ${detail}` : ''}`);
      results.push({ mutant, outcome, detail, seconds, tests });
    }
  } finally {
    cleanUp();
  }
  const survived = results.filter((result) => result.outcome === 'survived');
  console.log(`\n${results.filter((result) => result.outcome.startsWith('caught')).length} caught, ${survived.length} survived, of ${results.length}`);
  if (options.report) {
    const file = join(root, options.report);
    writeFileSync(file, report(results, chosen.length === MUTANTS.length, existsSync(file) ? readFileSync(file, 'utf8') : ''));
  }
  process.exitCode = survived.length || stale.length ? 1 : 0;
}

/** The report: this run's results, and the rows of an earlier report for the mutants not run this time. */
function report(results, all, previous) {
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const row = ({ mutant, outcome, detail, tests }) => `| \`${mutant.id}\` | ${mutant.area} | ${mutant.what} | ${(tests ?? mutant.tests).map((test) => test.replace(/^test\//, '')).join(', ')} | ${outcome}${detail ? ` (${detail.replace(/\|/g, '\\|').slice(0, 200)})` : ''} | ${date} |`;
  const earlier = new Map();
  for (const line of previous.split('\n')) {
    const id = /^\| `([\w-]+)` \|/.exec(line)?.[1];
    if (id && MUTANTS.some((mutant) => mutant.id === id) && !results.some((result) => result.mutant.id === id)) earlier.set(id, line);
  }
  const rows = MUTANTS.map((mutant) => {
    const result = results.find((r) => r.mutant === mutant);
    return result ? row(result) : earlier.get(mutant.id) ?? `| \`${mutant.id}\` | ${mutant.area} | ${mutant.what} | ${mutant.tests.map((test) => test.replace(/^test\//, '')).join(', ')} | not run | |`;
  });
  const outcomes = rows.map((line) => line.split(' | ')[4] ?? '');
  const lines = [
    '# Mutation run',
    '',
    '`npm run test:mutation` (scripts/mutation.mjs) plants one bug at a time in src/, builds the linux-x64 executable',
    'from it in a temporary copy of the repository, and runs the test files listed for it. A mutant is caught when',
    'one of them fails. Each row says when it was last run; `not run` rows have not been run yet.',
    '',
    `Last run: ${date} UTC, ${all ? 'every mutant' : `${results.length} of ${MUTANTS.length} mutants (${results.map((result) => `\`${result.mutant.id}\``).join(', ')})`}.`,
    '',
    `In this table: caught ${outcomes.filter((o) => o.startsWith('caught')).length}, survived ${outcomes.filter((o) => o.startsWith('survived')).length}, not run ${outcomes.filter((o) => o.startsWith('not run')).length}, of ${MUTANTS.length}.`,
    '',
    '| mutant | area | the bug | tests run | outcome | run (UTC) |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
  ];
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
