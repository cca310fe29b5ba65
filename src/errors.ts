/** The shim's own exit codes (README "Exit codes"). A child's own code or signal passes through unchanged. */
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

/** The one line printed for any error: cause, then the fix after " - ". Newlines are flattened so it stays one line. */
export function describeError(error: unknown): { line: string; exitCode: number } {
  if (error instanceof ShimError) {
    const text = error.fix ? `${error.message}; ${error.fix}` : error.message;
    return { line: oneLine(text), exitCode: error.exitCode };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { line: oneLine(`internal error: ${message}; please report it with the command you ran`), exitCode: ExitCode.failure };
}

/** Flattens line breaks so that a message stays one line. */
export const oneLine = (text: string) => text.replace(/\s*[\r\n]+\s*/g, ' ');
