// Signals: exec keeps the PID; supervision forwards every catchable signal exactly once, honours
// --kill-after, and never leaves the child (or a helper) behind, even when the shim is SIGKILLed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { SHIMS, RECORDER, NODE, SEA, seaShim, startShim, exited, tempDir, waitFor, readIfExists, isAlive, track } from './helpers.mjs';

const SUPERVISORS = SHIMS.map((shim) => ({ shim, flags: shim.execs ? ['--no-exec'] : [], label: shim.execs ? `${shim.name} --no-exec` : `${shim.name} supervise` }));

async function startRecorder(shim, flags, { extraEnv = {}, shimArgs = [] } = {}) {
  const dir = tempDir();
  const files = { record: join(dir, 'signals'), ready: join(dir, 'ready') };
  const env = { ...process.env, RECORD_FILE: files.record, READY_FILE: files.ready, ...extraEnv };
  const child = startShim(shim, [...flags, ...shimArgs, 'start', '--', NODE, RECORDER], { env });
  const recorderPid = Number(await waitFor(() => readIfExists(files.ready), 10000, 'the recorder to be ready'));
  track(recorderPid);
  const received = () => readIfExists(files.record).split('\n').filter(Boolean);
  return { child, recorderPid, received, files };
}

/** The lifeline the shim `shimPid` started (a /bin/sh named ndc-shim-lifeline), found while the shim lives. */
function lifelineOf(shimPid) {
  let children = [];
  try {
    children = readFileSync(`/proc/${shimPid}/task/${shimPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch { /* gone */ }
  return children.find((pid) => readIfExists(`/proc/${pid}/cmdline`).split('\0').includes('ndc-shim-lifeline'));
}

/**
 * A finished record up to SIGTERM, without the SIGCONT of the freeze around SIGTERM (STOP, TERM,
 * CONT), which a handler may see before SIGTERM itself: trailing SIGCONTs only, so that a SIGCONT
 * forwarded twice still shows.
 */
function beforeTermination(record) {
  const upTo = record.includes('SIGTERM') ? record.slice(0, record.indexOf('SIGTERM')) : record;
  while (upTo.at(-1) === 'SIGCONT' && upTo.filter((name) => name === 'SIGCONT').length > 1) upTo.pop();
  return upTo;
}

const FORWARDED = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGWINCH', 'SIGPIPE', 'SIGURG', 'SIGVTALRM', 'SIGPROF', 'SIGPWR', 'SIGXCPU', 'SIGXFSZ', 'SIGCONT',
  'SIGABRT', 'SIGSYS', 'SIGTRAP', 'SIGSTKFLT'];

for (const { shim, flags, label } of SUPERVISORS) {
  test(`${label}: every catchable signal sent to the shim reaches the child exactly once; SIGTERM ends both`, async () => {
    const { child, recorderPid, received } = await startRecorder(shim, flags, { extraEnv: { RECORD_MORE: '1' } });
    assert.notEqual(recorderPid, child.pid, 'supervised: the child is a separate process');
    for (const signal of FORWARDED) {
      process.kill(child.pid, signal);
      await waitFor(() => received().includes(signal), 5000, `${signal} to arrive`);
    }
    // Neither forwarded: SIGCHLD is about the shim's own children, SIGIO about its own descriptors.
    process.kill(child.pid, 'SIGCHLD');
    process.kill(child.pid, 'SIGIO');
    process.kill(child.pid, 'SIGTERM');
    const { code, signal } = await exited(child);
    assert.deepEqual({ code, signal }, { code: 0, signal: null });
    assert.equal(isAlive(recorderPid), false);
    // The child is gone: its record is complete. Up to SIGTERM (the freeze around it adds a SIGCONT),
    // each signal exactly once, in the order sent, and nothing else.
    assert.deepEqual(beforeTermination(received()), FORWARDED, 'each exactly once, nothing else');
  });

  test(`${label}: a SIGTSTP sent to the shim alone is passed on to the child`, async () => {
    const { child, recorderPid, received } = await startRecorder(shim, flags);
    process.kill(child.pid, 'SIGTSTP');
    await waitFor(() => received().includes('SIGTSTP'), 5000, 'SIGTSTP to arrive');
    // The recorder handles SIGTSTP and runs on: so does the shim (it stops only once its child has).
    process.kill(child.pid, 'SIGTERM');
    assert.deepEqual(await exited(child), { code: 0, signal: null });
    assert.equal(isAlive(recorderPid), false);
  });

  test(`${label}: --kill-after SIGKILLs a child that ignores SIGTERM; 0 never does`, async () => {
    const stubborn = await startRecorder(shim, flags, { extraEnv: { IGNORE_TERM: '1' }, shimArgs: ['--kill-after', '1'] });
    process.kill(stubborn.child.pid, 'SIGTERM');
    const result = await exited(stubborn.child, 10000);
    assert.ok(stubborn.received().includes('SIGTERM'));
    assert.equal(result.signal, 'SIGKILL', 'the shim dies the way its child did');
    assert.equal(isAlive(stubborn.recorderPid), false);

    const patient = await startRecorder(shim, flags, { extraEnv: { IGNORE_TERM: '1' }, shimArgs: ['--kill-after', '0'] });
    process.kill(patient.child.pid, 'SIGTERM');
    await waitFor(() => patient.received().includes('SIGTERM'), 5000, 'SIGTERM to arrive');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(isAlive(patient.recorderPid), true, 'with --kill-after 0 the child is left to finish');
    process.kill(patient.recorderPid, 'SIGKILL');
    await exited(patient.child);
  });

  test(`${label}: when the shim is SIGKILLed, the child is gone within the grace period plus one second`, async () => {
    const polite = await startRecorder(shim, flags, { shimArgs: ['--kill-after', '2'] });
    process.kill(polite.child.pid, 'SIGKILL'); // the lifeline started before the child
    await waitFor(() => !isAlive(polite.recorderPid), 1000 + 500, 'a child that obeys SIGTERM to go');
    // The lifeline freezes the tree (SIGSTOP), sends SIGTERM, then SIGCONT: a handler may see the SIGCONT.
    assert.deepEqual(polite.received().filter((name) => name !== 'SIGCONT'), ['SIGTERM']);

    const stubborn = await startRecorder(shim, flags, { extraEnv: { IGNORE_TERM: '1' }, shimArgs: ['--kill-after', '1'] });
    const lifeline = track(lifelineOf(stubborn.child.pid));
    assert.ok(lifeline, 'a lifeline beside the child');
    process.kill(stubborn.child.pid, 'SIGKILL');
    await waitFor(() => !isAlive(stubborn.recorderPid), 1000 + 1000 + 500, 'a child that ignores SIGTERM to be killed');
    await waitFor(() => !isAlive(lifeline), 2000, 'the lifeline to leave');
    assert.deepEqual(stubborn.received().filter((name) => name !== 'SIGCONT'), ['SIGTERM'], 'SIGTERM first, then SIGKILL after the grace');
  });

  test(`${label}: no helper process is left behind after the child exits`, async () => {
    const { child } = await startRecorder(shim, flags);
    const lifeline = track(lifelineOf(child.pid));
    assert.ok(lifeline, 'a lifeline beside the child');
    assert.ok(Number(/^VmRSS:\s+(\d+)/m.exec(readIfExists(`/proc/${lifeline}/status`))?.[1]) < 8192, 'the lifeline is a small shell, not a second runtime');
    process.kill(child.pid, 'SIGTERM');
    await exited(child);
    await waitFor(() => !isAlive(lifeline), 1000, 'the lifeline to leave with the shim');
  });
}

test('sea exec: the connector takes over the shim\'s PID and nothing of the shim remains', { skip: !seaShim() && 'no built executable' }, async () => {
  const { child, recorderPid, received } = await startRecorder(seaShim(), []);
  assert.equal(recorderPid, child.pid, 'same PID');
  assert.equal(readlinkSync(`/proc/${child.pid}/exe`), realpathSync(NODE), 'the process image is the connector\'s');
  const seaPath = realpathSync(SEA);
  const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  assert.deepEqual(children.filter((pid) => readlinkSync(`/proc/${pid}/exe`) === seaPath), [], 'no shim process under the connector');
  assert.equal(children.filter((pid) => readIfExists(`/proc/${pid}/cmdline`).includes('ndc-shim-lifeline')).length, 0, 'no lifeline: nothing to supervise');
  assert.doesNotMatch(readFileSync(`/proc/${child.pid}/status`, 'utf8'), /^Threads:\s+1$/m, 'sanity: a Node process');
  process.kill(child.pid, 'SIGUSR2');
  await waitFor(() => received().includes('SIGUSR2'), 5000, 'SIGUSR2 to arrive directly');
  process.kill(child.pid, 'SIGTERM');
  assert.deepEqual(await exited(child), { code: 0, signal: null });
});
