/** The shim's own exit codes (README "Exit codes"). A child's own code or signal passes through unchanged. */
import { redact } from './redaction';

export const ExitCode = {
  failure: 1,
  usage: 2,
  notExecutable: 126,
  notFound: 127,
  config: 78,
} as const;

/**
 * A failure the user can act on: one line naming the cause, one naming the fix.
 * Anything thrown that is not a ShimError is a bug and is still reported in one line, exit 1.
 */
export class ShimError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly fix?: string,
  ) {
    super(message);
    this.name = 'ShimError';
  }
}

export const usageError = (message: string, fix = 'run `ndc-shim --help` for the command line') =>
  new ShimError(message, ExitCode.usage, fix);

export const configError = (message: string, fix?: string) => new ShimError(message, ExitCode.config, fix);

export const failure = (message: string, fix?: string) => new ShimError(message, ExitCode.failure, fix);

/** The working directory was deleted (or unmounted) under the shim: process.cwd() fails with uv_cwd. */
const cwdGone = () => failure('the working directory no longer exists (it was deleted or unmounted)',
  'cd to an existing directory and run the command again');

/**
 * Why a program could not be started, from the system's error code: not found 127, not runnable
 * 126 (as shells do), anything else 1; each with what to do about it.
 */
export function launchError(executable: string, error: NodeJS.ErrnoException): ShimError {
  const code = error.code ?? '';
  const cannot = `cannot start ${executable}`;
  switch (code) {
    case 'ENOENT': return new ShimError(`${cannot}: not found (ENOENT)`, ExitCode.notFound, 'check that the file exists, and its #! interpreter if it is a script');
    case 'EACCES': return new ShimError(`${cannot}: permission denied (EACCES)`, ExitCode.notExecutable, 'check that the file and its directories are executable');
    case 'ETXTBSY': return new ShimError(`${cannot}: the file is open for writing by another process (ETXTBSY)`, ExitCode.notExecutable,
      'wait until it has been completely written (an unfinished copy or download?), then run again');
    case 'E2BIG': return new ShimError(`${cannot}: its arguments and environment are larger than the system allows (E2BIG)`, ExitCode.notExecutable,
      'shorten the arguments or the environment (Linux allows 128 KiB per value and about 2 MiB in all), e.g. by moving large values into files');
    default: return failure(`${cannot}: ${code || error.message}`, 'check the command in the manifest');
  }
}

/** A known failure of Node's that reached the top without a ShimError around it, told in the user's terms. */
function knownFailure(error: unknown): ShimError | undefined {
  const { code, syscall, message } = (error ?? {}) as NodeJS.ErrnoException;
  if (syscall === 'uv_cwd') return cwdGone();
  if (code === 'ERR_INVALID_ARG_VALUE' && /null bytes/.test(message)) {
    return configError('a value for the child contains a NUL character, which no program can receive',
      'remove it from the manifest or the env file that holds it');
  }
  if (typeof syscall === 'string' && syscall.startsWith('spawn')) return launchError((error as { path?: string }).path ?? 'the command', error as NodeJS.ErrnoException);
  return undefined;
}

/** The one line printed for any error: cause, then the fix after "; ". One line, secrets redacted. */
export function describeError(error: unknown): { line: string; exitCode: number } {
  const known = error instanceof ShimError ? error : knownFailure(error);
  if (known) {
    const text = known.fix ? `${known.message}; ${known.fix}` : known.message;
    return { line: redact(oneLine(text)), exitCode: known.exitCode };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { line: redact(oneLine(`internal error: ${message}; please report it with the command you ran`)), exitCode: ExitCode.failure };
}

/**
 * Flattens line breaks so that a message stays one line, and shows other control characters as
 * \xNN: a hostile path must not drive the terminal (escape sequences) or hide part of the line.
 */
export const oneLine = (text: string) => escapeControls(text.replace(/\s*[\r\n]+\s*/g, ' '));

/** Control characters but tab and newline, shown as \xNN. */
export const escapeControls = (text: string) =>
  text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
