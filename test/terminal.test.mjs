// At a terminal (a real pseudo-terminal, driven by python3's pty): Ctrl+C and Ctrl+\ reach the
// connector once, not twice; Ctrl+Z stops shim and connector, and `fg` resumes both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SHIMS, RECORDER, NODE, FIXTURES, start, exited, tempDir, waitFor, readIfExists, isAlive, track, procStat } from './helpers.mjs';

const havePython = spawnSync('python3', ['-c', 'import pty'], { stdio: 'ignore' }).status === 0;
const DRIVER = join(FIXTURES, 'pty-driver.py');


function terminal(command, env) {
  const dir = tempDir();
  const files = { log: join(dir, 'screen'), pid: join(dir, 'pid'), record: join(dir, 'signals'), ready: join(dir, 'ready') };
  const driver = start('python3', [DRIVER, files.log, files.pid, '--', ...command], {
    env: { ...process.env, RECORD_FILE: files.record, READY_FILE: files.ready, PS1: 'prompt$ ', TERM: 'dumb', ...env },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  const type = (hex) => driver.stdin.write(`${hex}\n`);
  const received = () => readIfExists(files.record).split('\n').filter(Boolean);
  return { driver, files, type, received, screen: () => readIfExists(files.log) };
}

for (const shim of SHIMS) {
  const flags = shim.execs ? ['--no-exec'] : [];
  const label = shim.execs ? `${shim.name} --no-exec` : `${shim.name} supervise`;

  test(`${label}: Ctrl+C and Ctrl+\\ typed at the terminal reach the connector exactly once`, { skip: !havePython && 'python3 with pty is not installed' }, async () => {
    const term = terminal([...shim.command, ...flags, 'start', '--', NODE, RECORDER], {});
    const recorderPid = Number(await waitFor(() => readIfExists(term.files.ready), 10000, 'the recorder'));
    track(recorderPid);
    const shimPid = Number(readIfExists(term.files.pid));
    assert.notEqual(recorderPid, shimPid);
    term.type('03');
    await waitFor(() => term.received().includes('SIGINT'), 5000, 'SIGINT');
    term.type('1c');
    await waitFor(() => term.received().includes('SIGQUIT'), 5000, 'SIGQUIT');
    assert.ok(isAlive(shimPid), 'the shim waits for its child');
    process.kill(shimPid, 'SIGTERM');
    await waitFor(() => !isAlive(recorderPid) && !isAlive(shimPid), 5000, 'both to end');
    // The connector is gone: its record is complete. Before SIGTERM, each key's signal once.
    // (The freeze around SIGTERM sends a SIGCONT that a handler may see first: not a key's signal.)
    const record = term.received().filter((name) => name !== 'SIGCONT');
    assert.deepEqual(record.slice(0, record.indexOf('SIGTERM')), ['SIGINT', 'SIGQUIT'], 'once each');
    term.driver.stdin.end();
    await exited(term.driver);
  });

  test(`${label}: SIGINT, SIGQUIT and SIGWINCH sent with kill(2) to the shim alone, in the terminal's foreground group, are forwarded once`, { skip: !havePython && 'python3 with pty is not installed' }, async () => {
    const term = terminal([...shim.command, ...flags, 'start', '--', NODE, RECORDER], {});
    const recorderPid = Number(await waitFor(() => readIfExists(term.files.ready), 10000, 'the recorder'));
    track(recorderPid);
    const shimPid = Number(readIfExists(term.files.pid));
    for (const signal of ['SIGINT', 'SIGQUIT', 'SIGWINCH']) {
      process.kill(shimPid, signal); // the shim alone: the terminal's group did not get it
      await waitFor(() => term.received().includes(signal), 5000, `${signal} to be forwarded`);
    }
    term.type('03'); // and Ctrl+C typed there still reaches the connector once, from the terminal
    await waitFor(() => term.received().filter((name) => name === 'SIGINT').length === 2, 5000, 'the typed SIGINT');
    process.kill(shimPid, 'SIGTERM');
    await waitFor(() => !isAlive(recorderPid) && !isAlive(shimPid), 5000, 'both to end');
    const record = term.received().filter((name) => name !== 'SIGCONT');
    assert.deepEqual(record.slice(0, record.indexOf('SIGTERM')), ['SIGINT', 'SIGQUIT', 'SIGWINCH', 'SIGINT'], 'each once');
    term.driver.stdin.end();
    await exited(term.driver);
  });

  test(`${label}: a connector that reads the terminal gets what is typed (it stays in the foreground group: no SIGTTIN)`, { skip: !havePython && 'python3 with pty is not installed' }, async () => {
    const dir = tempDir();
    const answer = join(dir, 'answer');
    const term = terminal([...shim.command, ...flags, 'start', '--', '/bin/sh', '-c', `: > '${answer}.ready'; read line; echo "got:$line" > '${answer}'`], {});
    await waitFor(() => existsSync(`${answer}.ready`), 10000, 'the connector to start');
    term.type(Buffer.from('hello\n').toString('hex'));
    await waitFor(() => readIfExists(answer), 5000, 'the connector to read the line');
    assert.equal(readIfExists(answer), 'got:hello\n');
    term.driver.stdin.end();
    await exited(term.driver);
  });

  test(`${label}: Ctrl+Z in an interactive shell stops shim and connector; fg resumes both`, { skip: !havePython && 'python3 with pty is not installed' }, async () => {
    const term = terminal(['bash', '--norc', '--noprofile', '-i'], { DEFAULT_SIGNALS: 'SIGTSTP,SIGCONT' });
    await waitFor(() => /[#$] $/.test(term.screen()), 10000, 'the prompt');
    const quoted = [...shim.command, ...flags, 'start', '--', NODE, RECORDER].map((word) => `'${word}'`).join(' ');
    term.type(Buffer.from(`${quoted}\n`).toString('hex'));
    const recorderPid = Number(await waitFor(() => readIfExists(term.files.ready), 10000, 'the recorder'));
    track(recorderPid);
    const shimPid = procStat(recorderPid).ppid;
    track(shimPid);
    term.type('1a');
    await waitFor(() => procStat(recorderPid)?.state === 'T' && procStat(shimPid)?.state === 'T', 5000, 'both to stop');
    await waitFor(() => /Stopped/.test(term.screen()), 5000, 'the shell to report the job stopped');
    term.type(Buffer.from('fg\n').toString('hex'));
    await waitFor(() => procStat(recorderPid)?.state !== 'T' && procStat(shimPid)?.state !== 'T', 5000, 'both to resume');
    term.type('03');
    await waitFor(() => term.received().includes('SIGINT'), 5000, 'SIGINT after resuming');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(term.received(), ['SIGINT']);
    process.kill(shimPid, 'SIGTERM');
    await waitFor(() => !isAlive(recorderPid) && !isAlive(shimPid), 5000, 'both to end');
    term.driver.stdin.end();
    await exited(term.driver);
  });
}
