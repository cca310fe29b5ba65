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

/** What the shim's runtime needs open at once, measured on Linux (README "Known limits"): the fix asks for a comfortable margin. */
const OPEN_FILES_NEEDED = 64;

/**
 * EMFILE/ENFILE where the shim's own code opens something (the manifest, the port probe, the
 * child's pipes): the cause is the open-files limit, never the file or the port. The limit is
 * named with its value where the system gives it.
 */
export function openFilesLimitError(code: string | undefined): ShimError | undefined {
  if (code === 'ENFILE') {
    return failure('too many open files in the whole system (ENFILE)', 'close programs or raise the system\'s limit (fs.file-max), then run the command again');
  }
  if (code !== 'EMFILE') return undefined;
  let limit: string | number | undefined;
  try {
    // The diagnostic report asks getrlimit, opening nothing (a file such as /proc/self/limits cannot be opened now).
    const report = (process.report?.getReport() ?? {}) as { userLimits?: { open_files?: { soft?: string | number } } };
    limit = report.userLimits?.open_files?.soft;
  } catch { /* the limit is named without its value */ }
  return failure(`too many open files (EMFILE): this process's limit of open files (ulimit -n)${limit !== undefined ? ` is ${limit}` : ' is too low'}`,
    `raise it to at least ${OPEN_FILES_NEEDED} (ulimit -n ${OPEN_FILES_NEEDED}, or the service manager's LimitNOFILE)`);
}

/**
 * The exit code and line for an exec or spawn that failed with `code` (an errno name), as a shell
 * would: not found 127, any other reason the file cannot be executed 126, anything else 1.
 */
export function launchFailure(file: string, code: string | undefined, detail?: string): ShimError {
  const limited = openFilesLimitError(code);
  if (limited) return limited;
  const reason = code ? describeErrno(code) : (detail ?? 'unknown error');
  if (code === 'ENOENT') return new ShimError(`cannot execute ${file}: ${reason}`, ExitCode.notFound, 'check that the file and its interpreter exist');
  if (code !== undefined && CANNOT_EXECUTE.has(code)) {
    return new ShimError(`cannot execute ${file}: ${reason}`, ExitCode.notExecutable, code === 'ETXTBSY'
      ? 'another process has it (or its #! interpreter) open for writing: wait for that copy or build to finish'
      : code === 'E2BIG' ? 'make the environment or the arguments smaller' : 'check that it is an executable for this system');
  }
  return new ShimError(`cannot start ${file}: ${reason}`, ExitCode.failure, 'check the command in the manifest and the system\'s resources');
}

const CANNOT_EXECUTE: ReadonlySet<string> = new Set(['EACCES', 'EPERM', 'ENOEXEC', 'EISDIR', 'ETXTBSY', 'E2BIG', 'ELOOP', 'ENOTDIR', 'ENAMETOOLONG', 'ELIBBAD', 'EIO', 'EINVAL']);
const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file, or its interpreter is missing', EACCES: 'permission denied', EPERM: 'operation not permitted',
  ENOEXEC: 'not a format this system can run', EISDIR: 'is a directory', ETXTBSY: 'the file is open for writing',
  E2BIG: 'arguments and environment too large', ELOOP: 'too many levels of symbolic links or interpreters',
  ENOTDIR: 'a path component is not a directory', ENAMETOOLONG: 'path too long', ENOMEM: 'out of memory',
  ELIBBAD: 'corrupt dynamic loader', EIO: 'input/output error', EINVAL: 'invalid executable format',
};

/** An errno name with what it means to a user: `ELOOP (too many levels of symbolic links or interpreters)`. */
export const describeErrno = (code: string) => `${code}${ERRNO_TEXT[code] ? ` (${ERRNO_TEXT[code]})` : ''}`;

/** A known failure of Node's that reached the top without a ShimError around it, told in the user's terms. */
function knownFailure(error: unknown): ShimError | undefined {
  const { code, syscall, message } = (error ?? {}) as NodeJS.ErrnoException;
  if (syscall === 'uv_cwd' && (code === 'ENOENT' || code === undefined)) return cwdGone();
  if (syscall === 'uv_cwd') return failure(`cannot read the working directory's path: ${describeErrno(code ?? 'unknown')}`, 'run the command from a directory with a shorter path');
  if (code === 'ERR_INVALID_ARG_VALUE' && /null bytes/.test(message)) {
    return configError('a value for the child contains a NUL character, which no program can receive',
      'remove it from the manifest or the env file that holds it');
  }
  if (typeof syscall === 'string' && syscall.startsWith('spawn')) return launchFailure((error as { path?: string }).path ?? 'the command', code, message);
  return undefined;
}

/** The one line printed for any error: cause, then the fix after "; ". One line, secrets redacted. */
export function describeError(error: unknown): { line: string; exitCode: number } {
  const known = error instanceof ShimError ? error : knownFailure(error);
  // Redacted before the line breaks are escaped: a private key's lines are still lines then.
  if (known) {
    const text = known.fix ? `${known.message}; ${known.fix}` : known.message;
    return { line: oneLine(redact(text)), exitCode: known.exitCode };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { line: oneLine(redact(`internal error: ${message}; please report it with the command you ran`)), exitCode: ExitCode.failure };
}

/**
 * One line, the text given shown exactly: line breaks and tabs as \n, \r and \t, other control
 * characters (escape sequences) as \xNN, and Unicode's line separators and direction overrides as
 * \uNNNN. A path is printed as the path given, and hostile input cannot drive the terminal, start a
 * line of its own or hide part of the line.
 */
export const oneLine = (text: string) => text.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, escapeCharacter);

/** Multi-line text (an answer on stdout): the same, but for tab and newline. */
export const escapeControls = (text: string) =>
  text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, escapeCharacter);

const NAMED_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeCharacter(char: string): string {
  const code = char.charCodeAt(0);
  return NAMED_ESCAPES[char] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}
