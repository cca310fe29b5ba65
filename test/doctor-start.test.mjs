// doctor sees what start will see: on the same broken layouts the two reach the same verdict, and
// the problem doctor names is the very line start stops with. Both use the child's final
// environment (inherited, env files, `env`, `path`) and the launch's own lookup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { SHIMS, runShim, tempDir } from './helpers.mjs';

/** The "connector" says that it ran: start got past all of its checks. */
const CONNECTOR = '#!/bin/sh\necho CONNECTOR-RAN\n';
const fakeJava = (banner) => `#!/bin/sh\necho '${banner}' >&2\n`;

/** Each layout: files to write (relative path -> content, executable), the manifest, extra options and variables. */
const LAYOUTS = {
  'sound': { files: { 'bin/tool': CONNECTOR }, manifest: { commands: { start: ['tool'] }, path: ['{connectorDir}/bin'] } },
  'bare name not on PATH': { files: {}, manifest: { commands: { start: ['no-such-connector-xyz'] } } },
  'bare name only in a missing path entry': { files: {}, manifest: { commands: { start: ['ts-node'] }, path: ['{connectorDir}/node_modules/.bin'] } },
  'required path entry missing, command found elsewhere': { files: { 'run.sh': CONNECTOR }, manifest: { commands: { start: ['{connectorDir}/run.sh'] }, path: ['{connectorDir}/gone'] } },
  'optional path entry missing, command found elsewhere': { files: { 'run.sh': CONNECTOR }, manifest: { commands: { start: ['{connectorDir}/run.sh'] }, path: [{ dir: '{connectorDir}/gone', optional: true }] } },
  'runtime too old': { files: { 'run.sh': CONNECTOR, 'bin/node': '#!/bin/sh\necho v18.19.0\n' }, manifest: { commands: { start: ['{connectorDir}/run.sh'] }, path: ['{connectorDir}/bin'], requires: { node: '>=20' } } },
  'runtime new enough, only through path': { files: { 'run.sh': CONNECTOR, 'bin/node': '#!/bin/sh\necho v22.1.0\n' }, manifest: { commands: { start: ['{connectorDir}/run.sh'] }, path: ['{connectorDir}/bin'], requires: { node: '>=20' } } },
  'runtime missing': { files: { 'run.sh': CONNECTOR }, manifest: { commands: { start: ['{connectorDir}/run.sh'] }, requires: { python: '>=3.10' } } },
  'JAVA_HOME target missing (set by an env file)': {
    files: { 'run.sh': CONNECTOR, 'bin/java': fakeJava('openjdk version "21" 2023-09-19'), 'java.env': 'JAVA_HOME=/nonexistent/jdk-21\n' },
    manifest: { commands: { start: ['{connectorDir}/run.sh'] }, path: ['{connectorDir}/bin'], requires: { java: '>=17' }, envFiles: ['java.env'] },
  },
  'java on PATH new enough, JAVA_HOME from the manifest\'s env too old': {
    files: { 'run.sh': CONNECTOR, 'bin/java': fakeJava('openjdk version "21" 2023-09-19'), 'jdk8/bin/java': fakeJava('java version "1.8.0_392"') },
    manifest: { commands: { start: ['{connectorDir}/run.sh'] }, path: ['{connectorDir}/bin'], requires: { java: '>=17' }, env: { JAVA_HOME: '{connectorDir}/jdk8' } },
  },
};

/** A python that says its version, and otherwise runs the "connector". */
const fakePython = (version) => `#!/bin/sh\nif [ "$1" = --version ]; then echo 'Python ${version}'; else echo CONNECTOR-RAN; fi\n`;
/** What a virtualenv made on another machine leaves behind: links to a Python that is not here. */
const FOREIGN_VENV = { 'venv/pyvenv.cfg': 'home = /nonexistent-build-machine/python/bin\ninclude-system-site-packages = false\nversion = 3.11.7\n' };
const FOREIGN_VENV_LINKS = { 'venv/bin/python3': '/nonexistent-build-machine/python/bin/python3.11', 'venv/bin/python': 'python3' };

/**
 * Items 2-4 of issue 21: links to missing targets, virtualenvs made elsewhere, the interpreter the
 * command really runs, ranges with upper bounds. `passes`: whether start gets past its checks.
 */
const INTERPRETER_LAYOUTS = {
  'venv from another machine, its python named in the command': {
    files: { ...FOREIGN_VENV }, links: FOREIGN_VENV_LINKS, passes: false,
    manifest: { commands: { start: ['{connectorDir}/venv/bin/python3', '-m', 'app'] } },
  },
  'venv from another machine first on PATH, a python later on PATH': {
    files: { ...FOREIGN_VENV, 'bin/python3': fakePython('3.11.7') }, links: FOREIGN_VENV_LINKS, passes: false,
    manifest: { commands: { start: ['python3', '-m', 'app'] }, path: ['{connectorDir}/venv/bin', '{connectorDir}/bin'] },
  },
  'dangling link first on PATH, a runnable tool later on PATH': {
    files: { 'bin/tool': CONNECTOR }, links: { 'links/tool': '{dir}/gone/tool' }, passes: false,
    manifest: { commands: { start: ['tool'] }, path: ['{connectorDir}/links', '{connectorDir}/bin'] },
  },
  'script whose #! interpreter is a dangling venv link': {
    files: { ...FOREIGN_VENV, 'app.py': '#!{dir}/venv/bin/python3\nprint("hello")\n' }, links: FOREIGN_VENV_LINKS, passes: false,
    manifest: { commands: { start: ['{connectorDir}/app.py'] } },
  },
  'venv from another machine whose python is a copy': {
    files: { ...FOREIGN_VENV, 'venv/bin/python3': fakePython('3.11.7') }, passes: false,
    manifest: { commands: { start: ['{connectorDir}/venv/bin/python3', '-m', 'app'] } },
  },
  'venv python too old, a new enough python3 on PATH': {
    files: { 'venv/bin/python3.9': fakePython('3.9.18'), 'bin/python3': fakePython('3.11.7') }, links: { 'venv/bin/python3': 'python3.9' }, passes: false,
    manifest: { commands: { start: ['{connectorDir}/venv/bin/python3', '-m', 'app'] }, path: ['{connectorDir}/bin'], requires: { python: '>=3.11' } },
  },
  'venv python new enough, an old python3 on PATH': {
    files: { 'venv/bin/python3.11': fakePython('3.11.7'), 'bin/python3': fakePython('3.9.18') }, links: { 'venv/bin/python3': 'python3.11' }, passes: true,
    manifest: { commands: { start: ['{connectorDir}/venv/bin/python3', '-m', 'app'] }, path: ['{connectorDir}/bin'], requires: { python: '>=3.11' } },
  },
  'script whose #! interpreter is too old, a new enough python3 on PATH': {
    files: { 'old/python3': fakePython('3.9.18'), 'bin/python3': fakePython('3.11.7'), 'app.py': '#!{dir}/old/python3\n' }, passes: false,
    manifest: { commands: { start: ['{connectorDir}/app.py'] }, path: ['{connectorDir}/bin'], requires: { python: '>=3.11' } },
  },
  'script with #!/usr/bin/env python3, the python3 on PATH new enough': {
    files: { 'bin/python3': fakePython('3.11.7'), 'app.py': '#!/usr/bin/env python3\n' }, passes: true,
    manifest: { commands: { start: ['{connectorDir}/app.py'] }, path: ['{connectorDir}/bin'], requires: { python: '>=3.11' } },
  },
  'python 3.12 first on PATH, requires >=3.11 <3.12': {
    files: { 'bin/python3': fakePython('3.12.1') }, passes: false,
    manifest: { commands: { start: ['python3', '-m', 'app'] }, path: ['{connectorDir}/bin'], requires: { python: '>=3.11 <3.12' } },
  },
  'python 3.12 first on PATH, requires ==3.11': {
    files: { 'run.sh': CONNECTOR, 'bin/python3': fakePython('3.12.1') }, passes: false,
    manifest: { commands: { start: ['{connectorDir}/run.sh'] }, path: ['{connectorDir}/bin'], requires: { python: '==3.11' } },
  },
  'python 3.11 on PATH, requires ~3.11': {
    files: { 'run.sh': CONNECTOR, 'bin/python3': fakePython('3.11.7') }, passes: true,
    manifest: { commands: { start: ['{connectorDir}/run.sh'] }, path: ['{connectorDir}/bin'], requires: { python: '~3.11' } },
  },
  'python 3.11 on PATH, requires >=3.11,<3.12 and 3.11.*': {
    files: { 'run.sh': CONNECTOR, 'bin/python3': fakePython('3.11.0') }, passes: true,
    manifest: { commands: { start: ['{connectorDir}/run.sh'] }, path: ['{connectorDir}/bin'], requires: { python: '>=3.11,<3.12' } },
  },
};
Object.assign(LAYOUTS, INTERPRETER_LAYOUTS);
// Issue 18 item 14: a configuration "directory" that is a file.
LAYOUTS['configuration is a regular file'] = { files: { 'run.sh': CONNECTOR }, options: ['--configuration', '{dir}/run.sh'], passes: false,
  manifest: { commands: { start: ['{connectorDir}/run.sh'] } } };

function lay(layout) {
  const dir = tempDir();
  const here = (text) => text.replaceAll('{dir}', dir);
  for (const [file, content] of Object.entries(layout.files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), here(content), { mode: 0o755 });
  }
  for (const [file, target] of Object.entries(layout.links ?? {})) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    symlinkSync(here(target), join(dir, file));
  }
  const manifest = join(dir, 'ndc-shim.json');
  writeFileSync(manifest, JSON.stringify(layout.manifest));
  return { dir, args: ['--manifest', manifest, '--connector-dir', dir, ...(layout.options ?? []).map(here)] };
}

// No runtime of the machine's: the verdicts depend on the layout alone.
const env = { ...process.env, PATH: '/nonexistent-dir' };
delete env.JAVA_HOME;

for (const shim of SHIMS) {
  for (const [name, layout] of Object.entries(LAYOUTS)) {
    test(`${shim.name}: doctor and start agree: ${name}`, async () => {
      const { args } = lay(layout);
      const doctor = await runShim(shim, [...args, 'doctor', '--json'], { env });
      const report = JSON.parse(doctor.stdout);
      const start = await runShim(shim, [...args, 'start'], { env });
      const startPassed = start.stdout.includes('CONNECTOR-RAN');
      assert.equal(report.ok, startPassed, `doctor: ${doctor.stdout}\nstart: ${start.code} ${start.stdout} ${start.stderr}`);
      assert.equal(doctor.code, report.ok ? 0 : 1);
      if (startPassed) {
        assert.equal(start.code, 0, start.stderr);
        for (const warning of report.checks.filter((check) => check.warning)) assert.ok(start.stderr.includes(warning.detail), `start warns too: ${warning.detail}`);
      } else {
        assert.notEqual(start.code, 0);
        const line = start.stderr.trim();
        assert.equal(line.split('\n').length, 1, line);
        const problems = report.checks.filter((check) => !check.ok).map((check) => `${check.detail}; ${check.fix}`);
        assert.ok(problems.some((problem) => line.endsWith(problem)), `start stopped with a line doctor reported:\n${line}\n${problems.join('\n')}`);
      }
      assert.equal(layout.passes ?? (name === 'sound' || name.startsWith('optional path entry') || name.includes('new enough, only')), startPassed, 'the layout is what its name says');
    });
  }
}

/** What start says for each broken interpreter layout: the cause, named (the same line is doctor's). */
const START_LINES = {
  'venv from another machine, its python named in the command':
    /^ERROR \(ndc-shim\): executable not found: \S+\/venv\/bin\/python3 is a symbolic link to \/nonexistent-build-machine\/python\/bin\/python3\.11, which does not exist, part of a virtualenv made on another machine \(\S+pyvenv\.cfg names home \/nonexistent-build-machine\/python\/bin, which does not exist here\); recreate the virtualenv on this machine .*pip install --target/,
  'venv from another machine first on PATH, a python later on PATH':
    /^ERROR \(ndc-shim\): command not found on PATH: python3: \S+\/venv\/bin\/python3 is a symbolic link to \/nonexistent-build-machine\/python\/bin\/python3\.11, which does not exist, part of a virtualenv made on another machine/,
  'dangling link first on PATH, a runnable tool later on PATH': /^ERROR \(ndc-shim\): command not found on PATH: tool: \S+\/links\/tool is a symbolic link to \S+\/gone\/tool, which does not exist; /,
  'script whose #! interpreter is a dangling venv link': /its interpreter \S+\/venv\/bin\/python3 \(from the #! line\) is a symbolic link to \/nonexistent-build-machine\/python\/bin\/python3\.11, which does not exist, part of a virtualenv made on another machine/,
  'venv from another machine whose python is a copy': /^ERROR \(ndc-shim\): cannot run \S+\/venv\/bin\/python3: part of a virtualenv made on another machine \(.*names home \/nonexistent-build-machine\/python\/bin, which does not exist here\); recreate/,
  'venv python too old, a new enough python3 on PATH': /^ERROR \(ndc-shim\): python 3\.9\.18 at \S+\/venv\/bin\/python3 is too old: this connector needs python >=3\.11; install Python 3\.11 or later .*, then point the start command at it/,
  'script whose #! interpreter is too old, a new enough python3 on PATH': /^ERROR \(ndc-shim\): python 3\.9\.18 at \S+\/old\/python3 is too old: this connector needs python >=3\.11; .*, then point the #! line of \S+\/app\.py at it/,
  'python 3.12 first on PATH, requires >=3.11 <3.12': /^ERROR \(ndc-shim\): python 3\.12\.1 at \S+\/bin\/python3 is too new: this connector needs python >=3\.11 <3\.12; install Python matching >=3\.11 <3\.12 /,
  'python 3.12 first on PATH, requires ==3.11': /^ERROR \(ndc-shim\): python 3\.12\.1 at \S+\/bin\/python3 is too new: this connector needs python ==3\.11; install Python matching ==3\.11 /,
};

const sea = SHIMS.find((shim) => shim.name === 'sea') ?? SHIMS[0];
for (const [name, pattern] of Object.entries(START_LINES)) {
  test(`${sea.name}: start names the cause: ${name}`, async () => {
    const { args } = lay(INTERPRETER_LAYOUTS[name]);
    const start = await runShim(sea, [...args, 'start'], { env });
    assert.match(start.stderr.trim(), pattern);
    assert.equal(start.code, /not found|symbolic link to/.test(start.stderr) ? 127 : /cannot run/.test(start.stderr) ? 126 : 1, start.stderr);
  });
}

test(`${sea.name}: a configuration that is a file is named a file, not "does not exist" (issue 18 item 14)`, async () => {
  const { args } = lay(LAYOUTS['configuration is a regular file']);
  const start = await runShim(sea, [...args, 'start'], { env });
  assert.equal(start.code, 1);
  assert.match(start.stderr, /^ERROR \(ndc-shim\): configuration directory is a file, not a directory: \S+\/run\.sh; /);
});

// Issue 18 item 26: without a manifest, `start -- EXECUTABLE` works; doctor agrees, and checks that command.
for (const shim of SHIMS) {
  test(`${shim.name}: without a manifest, doctor -- EXECUTABLE agrees with start -- EXECUTABLE`, async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'run.sh'), CONNECTOR, { mode: 0o755 });
    for (const [words, passes] of [[[join(dir, 'run.sh')], true], [[join(dir, 'missing.sh')], false], [[], true]]) {
      const doctor = await runShim(shim, ['--connector-dir', dir, 'doctor', '--json', '--', ...words], { env });
      const report = JSON.parse(doctor.stdout);
      assert.equal(report.ok, passes, doctor.stdout);
      assert.equal(report.checks.find((check) => check.name === 'manifest').ok, true, 'an absent, unnamed manifest is no problem');
      if (words.length === 0) continue;
      const start = await runShim(shim, ['--connector-dir', dir, 'start', '--', ...words], { env });
      assert.equal(start.stdout.includes('CONNECTOR-RAN'), passes, `${start.code} ${start.stderr}`);
      if (!passes) assert.ok(report.checks.some((check) => !check.ok && start.stderr.trim().endsWith(`${check.detail}; ${check.fix}`)), start.stderr);
    }
  });
}

const LEVEL = 'd'.repeat(200);

// Issue 18 item 12: a working directory deeper than PATH_MAX (25 levels of 200 characters) exists
// and works; it is never "no longer exists". Made and entered one level at a time by the shell, as
// no call takes such a path whole; removed by rm, which walks it the same way.
for (const shim of SHIMS) {
  test(`${shim.name}: a working directory deeper than PATH_MAX: start runs, doctor passes`, { skip: process.platform !== 'linux' && 'Linux only (/proc/self/cwd)' }, async (t) => {
    const base = tempDir();
    t.after(() => spawnSync('/bin/rm', ['-rf', join(base, LEVEL)]));
    const inDeep = (args) => spawnSync('/bin/sh', ['-c', `cd "$1" && shift && i=0 && while [ $i -lt 25 ]; do /bin/mkdir -p ${LEVEL} && cd -P ${LEVEL} || exit 99; i=$((i+1)); done; exec "$@"`,
      'sh', base, ...shim.command, ...args], { encoding: 'utf8', env, timeout: 60000 });
    const start = inDeep(['start', '--', '/bin/echo', 'CONNECTOR-RAN']);
    assert.equal(start.status, 0, start.stderr);
    assert.match(start.stdout, /CONNECTOR-RAN/);
    assert.doesNotMatch(start.stderr, /no longer exists/);
    const doctor = inDeep(['doctor', '--', '/bin/echo']);
    assert.equal(doctor.status, 0, doctor.stdout + doctor.stderr);
  });
}

// Issue 18 item 13: a context directory the connector's user may not enter is a problem for doctor as for start.
const canDropPrivileges = process.getuid?.() === 0 && existsSync('/usr/bin/setpriv');
for (const shim of SHIMS) {
  test(`${shim.name}: context directory at mode 000, as an unprivileged user: doctor reports what start fails on`,
    { skip: !canDropPrivileges && 'needs root to run the shim as another user through setpriv' }, async () => {
      const dir = tempDir();
      chmodSync(dir, 0o755);
      writeFileSync(join(dir, 'run.sh'), CONNECTOR, { mode: 0o755 });
      const context = join(dir, 'context');
      mkdirSync(context, { mode: 0o000 });
      chmodSync(context, 0o000);
      const asNobody = (args) => runShim({ command: ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...shim.command] }, args, { env });
      const args = ['--connector-dir', dir, '--context', context];
      const doctor = await asNobody([...args, 'doctor', '--json', '--', join(dir, 'run.sh')]);
      const report = JSON.parse(doctor.stdout);
      const start = await asNobody([...args, 'start', '--', join(dir, 'run.sh')]);
      assert.equal(start.stdout.includes('CONNECTOR-RAN'), false, start.stdout);
      assert.equal(start.code, 1, start.stderr);
      assert.equal(report.ok, false, doctor.stdout);
      assert.match(start.stderr.trim(), /context directory cannot be entered: EACCES \(permission denied\): \S+\/context; /);
      assert.ok(report.checks.some((check) => !check.ok && start.stderr.trim().endsWith(`${check.detail}; ${check.fix}`)), `${doctor.stdout}\n${start.stderr}`);
    });
}
