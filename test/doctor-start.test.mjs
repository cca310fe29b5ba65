// doctor sees what start will see: on the same broken layouts the two reach the same verdict, and
// the problem doctor names is the very line start stops with. Both use the child's final
// environment (inherited, env files, `env`, `path`) and the launch's own lookup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
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

function lay(layout) {
  const dir = tempDir();
  for (const [file, content] of Object.entries(layout.files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), content, { mode: 0o755 });
  }
  const manifest = join(dir, 'ndc-shim.json');
  writeFileSync(manifest, JSON.stringify(layout.manifest));
  return { dir, args: ['--manifest', manifest, '--connector-dir', dir] };
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
      assert.equal(name === 'sound' || name.startsWith('optional path entry') || name.includes('new enough, only'), startPassed, 'the layout is what its name says');
    });
  }
}
