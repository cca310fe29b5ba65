/**
 * PID 1 (a container's entrypoint): the shim becomes a real init. Node cannot wait for processes
 * it did not spawn (no waitpid(-1)), so orphans reparented to PID 1 would stay zombies under a Node
 * supervisor. Instead the Linux executables embed Debian's static `tini` (asset INIT_ASSET), write
 * it once to a private directory, and exec it with the connector as its child: tini forwards
 * signals to the connector's process group, reaps every zombie, and exits with the connector's
 * status, and no Node process stays resident.
 *
 * An explicit --kill-after needs a supervisor with a timer: tini then runs the shim again with
 * --no-exec as its only child (tini still reaps and forwards; the inner shim forwards to the tree
 * and keeps the timer). Where nothing can be written and executed (a read-only root with no
 * writable tmpfs, a noexec /tmp), the caller supervises with Node as before, after one warning.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isSingleExecutable } from '../embedded';
import type { LaunchPlan } from '../plan';
import type { PlatformFacts } from '../platform';
import type { ShimError } from '../errors';
import { prepareForExec, replaceProcess } from './exec';
import { initChildArgs } from './init-exec';
import type { Logger } from '../logging';

/** Asset key of the static init, as scripts/build.mjs embeds it (brotli-compressed). */
export const INIT_ASSET = 'init.br';

interface InitContext {
  facts: PlatformFacts;
  /** Re-invokes this shim: [executable, ...leading args]. */
  selfCommand: string[];
  /** The shim's own arguments, for the inner supervisor. */
  shimArgs: string[];
  /** --kill-after was given explicitly. */
  killAfterGiven: boolean;
  /** How the shim logs: the init's child reports a failed exec the same way. */
  logger: Logger;
  /** Ends the shim with the error's line and exit code (the exec failed after every check). */
  fail: (error: ShimError) => never;
}

/**
 * Execs the embedded init with the child (never returns), or returns why it cannot, for the one
 * warning line of the fallback. Every check happens before the exec: past it, a failure can only
 * end the shim (see replaceProcess), not fall back.
 */
export function execInit(plan: LaunchPlan, { facts, selfCommand, shimArgs, killAfterGiven, logger, fail }: InitContext): string {
  if (facts.platform !== 'linux' || typeof (process as { execve?: unknown }).execve !== 'function' || !isSingleExecutable()) return 'only the Linux executables embed an init';
  let binary: Buffer;
  try {
    const sea = require('node:sea') as { getAsset(key: string): ArrayBuffer };
    binary = (require('node:zlib') as typeof import('node:zlib')).brotliDecompressSync(sea.getAsset(INIT_ASSET));
  } catch {
    return 'this executable was built without an init (see scripts/init-binary.mjs)';
  }
  const file = installInit(binary);
  if (typeof file !== 'string') return file.reason;
  try {
    process.chdir(plan.cwd);
  } catch {
    return `cannot enter the working directory ${plan.cwd}`;
  }
  prepareForExec(); // the connector must not inherit the runtime's ignored SIGPIPE, or a non-blocking stdout
  // -g: signals go to the connector's whole process group (a launcher's server included).
  // The init's child is the shim again, which execs the connector in its place (see init-exec.ts):
  // an exec the kernel refuses is then reported as in every other mode, not by the init.
  const args = killAfterGiven
    ? ['ndc-shim-init', '--', ...selfCommand, '--no-exec', ...shimArgs]
    : ['ndc-shim-init', '-g', '--', ...selfCommand, ...initChildArgs(logger.settings.format, logger.settings.level, plan.executable, plan.argv)];
  return replaceProcess(file, args, killAfterGiven ? process.env as Record<string, string> : plan.env, fail);
}

/**
 * Writes the init to a directory only this user can write (reused when its content matches), in
 * the first place that lets it run: $TMPDIR or /tmp, then /dev/shm (a tmpfs even under a
 * read-only root). Returns its path, or why none worked.
 */
function installInit(binary: Buffer): string | { reason: string } {
  const digest = createHash('sha256').update(binary).digest('hex').slice(0, 16);
  const uid = process.getuid?.() ?? 0;
  const reasons: string[] = [];
  for (const base of [...new Set([os.tmpdir(), '/dev/shm'])]) {
    const dir = path.join(base, `ndc-shim-${uid}`);
    const file = path.join(dir, `init-${digest}`);
    try {
      try {
        fs.mkdirSync(dir, { mode: 0o700 });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      // Never trust a directory someone else could have prepared: ours, a real directory, private.
      const stat = fs.lstatSync(dir);
      if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o077) !== 0) throw new Error(`${dir} is not a private directory`);
      if (!sameContent(file, binary)) {
        // Unique across PID namespaces too: every container's shim is PID 1, and containers may share a TMPDIR.
        const temporary = `${file}.${process.pid}-${randomBytes(6).toString('hex')}`;
        try {
          fs.writeFileSync(temporary, binary, { mode: 0o700 });
          fs.renameSync(temporary, file);
        } catch (error) {
          // A full file system (ENOSPC) must not keep a truncated copy, nor stay full because of it.
          fs.rmSync(temporary, { force: true });
          throw error;
        }
      }
      // X_OK fails on a noexec mount; a trial run catches the rest (a binary the kernel cannot run
      // here, as under an emulator without binfmt_misc), before an exec that would abort.
      fs.accessSync(file, fs.constants.X_OK);
      const trial = spawnSync(file, ['--version'], { stdio: 'ignore', timeout: 2000, env: {} });
      if (trial.error || trial.status !== 0) throw new Error(`it does not run here (${(trial.error as NodeJS.ErrnoException | undefined)?.code ?? `status ${trial.status}`})`);
      return file;
    } catch (error) {
      reasons.push(`${base}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  return { reason: `no writable, executable place for it (${reasons.join(', ')})` };
}

function sameContent(file: string, binary: Buffer): boolean {
  try {
    return fs.readFileSync(file).equals(binary);
  } catch {
    return false;
  }
}
