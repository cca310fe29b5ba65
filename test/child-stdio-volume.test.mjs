// A plugin writing 20 MB into a slowly read pipe loses nothing, whatever the shim's log level (the
// pipe stays blocking), and the level chosen took effect. Its own file: it is the heaviest of the
// stdio tests, and the runner's time limit is per file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEBUG_PLAN_LINE as PLAN_LINE, envWithoutLogLevels as withoutLevels, run, tempDir, MODES, shimLine, shellWord, freePort } from './helpers.mjs';

// A free port: `start` checks it by binding it, and port 1 would need root. Nothing listens on it.
const PORT = String(await freePort());

const digest = (bytes) => createHash('sha256').update(bytes).digest('hex');
/** How the level is chosen: the default, the DDN CLI's variable, the shim's own option. */
const LEVELS = [
  { label: 'default level', env: {}, flags: [], debug: false },
  { label: 'HASURA_PLUGIN_LOG_LEVEL=debug', env: { HASURA_PLUGIN_LOG_LEVEL: 'debug' }, flags: [], debug: true },
  { label: '--log-level trace', env: {}, flags: ['--log-level', 'trace'], debug: true },
];
const levelTookEffect = (level, what, text) => assert.equal(PLAN_LINE.test(text), level.debug, `${level.label}, ${what}: the level took effect (debug lines ${level.debug ? 'shown' : 'hidden'}): ${text.slice(0, 300)}`);

for (const mode of MODES) {
  test(`${mode.label}: 20 MB from the child through a slowly read pipe arrive whole, at every log level`, async () => {
    const dir = tempDir();
    const data = join(dir, 'data.bin');
    const bytes = randomBytes(20 * 1024 * 1024);
    writeFileSync(data, bytes);
    const out = join(dir, 'out.bin');
    // The reader waits before reading, so the 64 KiB pipe fills and the child's writes must wait too.
    const slowReader = `{ sleep 0.5; cat > ${shellWord(out)}; }`;
    for (const level of LEVELS) {
      const shim = `${shimLine(mode)} ${level.flags.map(shellWord).join(' ')}`;
      // The shim's own lines go where the child's data does not: stderr for cli, stdout for start.
      const cases = [
        { what: 'cli, stdout', script: `${shim} --plugin cat cli ${shellWord(data)} 2>${shellWord(join(dir, 'err'))} | ${slowReader}`, code: 0, shimLines: join(dir, 'err') },
        { what: 'start, stderr', script: `${shim} start -- sh -c 'cat "$0" >&2; exit 3' ${shellWord(data)} 2>&1 >${shellWord(join(dir, 'stdout'))} | ${slowReader}; exit "\${PIPESTATUS[0]}"`, code: 3, shimLines: join(dir, 'stdout') },
      ];
      for (const { what, script, code, shimLines } of cases) {
        writeFileSync(out, '');
        writeFileSync(shimLines, '');
        const result = await run('bash', ['-c', `set -o pipefail; ${script}`], { env: { ...withoutLevels(), HASURA_CONNECTOR_PORT: PORT, ...level.env }, timeoutMs: 60000 });
        const received = readFileSync(out);
        assert.equal(received.length, bytes.length, `${level.label}, ${what}: byte count (status ${result.code}: ${result.stderr}${readFileSync(join(dir, 'err'), 'utf8').slice(0, 300)})`);
        assert.equal(digest(received), digest(bytes), `${level.label}, ${what}: checksum`);
        assert.equal(result.code, code, `${level.label}, ${what}: ${result.stderr}`);
        levelTookEffect(level, what, readFileSync(shimLines, 'utf8'));
      }
    }
  });
}

