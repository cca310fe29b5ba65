/** `ndc-shim init [--from DIR]`: a starting ndc-shim.json for what the folder holds. */
import { usageError } from '../errors';

export const INIT_USAGE = 'ndc-shim init [--from DIR]';

export interface InitOptions { from: string }

export function parseInitArgs(args: readonly string[]): InitOptions | 'help' {
  let from = '.';
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--from' || arg.startsWith('--from=')) {
      const value = arg === '--from' ? args[++index] : arg.slice('--from='.length);
      if (!value) throw usageError('option --from needs a value', `usage: ${INIT_USAGE}`);
      from = value;
      continue;
    }
    throw usageError(`unexpected argument '${arg}' for init`, `usage: ${INIT_USAGE}`);
  }
  return { from };
}

export function runInit(_options: InitOptions): number {
  return 1;
}
