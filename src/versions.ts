/** Runtimes and their versions: the names `requires` knows, the range grammar, what a runtime prints. A leaf: no imports. */
export const RUNTIME_NAMES = ['node', 'python', 'java'] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];
export type Requirements = Partial<Record<RuntimeName, string>>;

export const isRuntimeName = (name: string): name is RuntimeName => (RUNTIME_NAMES as readonly string[]).includes(name);

/** `>=MAJOR[.MINOR[.PATCH]]` alone: a pure floor (its install hint says "X or later"). */
export function parseVersionFloor(text: string): number[] | undefined {
  const match = /^>=\s*(\d{1,9}(?:\.\d{1,9}){0,2})$/.exec(text);
  return match ? match[1].split('.').map(Number) : undefined;
}

/**
 * One condition of a range. `prefix`: the version starts with these parts (`3.11`, `==3.11`,
 * `3.11.*`); the others compare numerically, missing parts counting as 0.
 */
export interface Comparator {
  op: '>=' | '>' | '<=' | '<' | 'prefix';
  parts: number[];
}

/**
 * The `requires` grammar: conditions separated by commas or spaces, all of which must hold.
 *   >=V  >V  <=V  <V   numeric comparison (3.9 < 3.10), missing parts are 0
 *   V  ==V  V.*  ==V.*  the version starts with V: `3.11` and `==3.11` accept every 3.11.x
 *   ~V  at least V, same MAJOR.MINOR (`~3.11` = `>=3.11 <3.12`; `~3` = `3.*`)
 * where V is MAJOR[.MINOR[.PATCH]]. The JSON Schema's `versionRange` pattern is the same grammar.
 */
export function parseVersionRange(text: string): Comparator[] | undefined {
  const version = '\\d{1,9}(?:\\.\\d{1,9}){0,2}';
  const condition = new RegExp(`^(?:(>=|<=|>|<|==|~)\\s*)?(${version})(\\.\\*)?$`);
  // `>= 3.10`: an operator may stand apart from its version.
  const words = text.replace(/(>=|<=|==|>|<|~)\s+/g, '$1').split(/\s*,\s*|\s+/);
  if (text !== text.trim() || words.some((word) => word === '')) return undefined;
  const comparators: Comparator[] = [];
  for (const word of words) {
    const match = condition.exec(word);
    if (!match) return undefined;
    const [, op, numbers, star] = match;
    const parts = numbers.split('.').map(Number);
    if (star && ((op && op !== '==') || parts.length > 2)) return undefined;
    if (!op || op === '==') comparators.push({ op: 'prefix', parts });
    else if (op === '~') comparators.push(...(parts.length === 1 ? [{ op: 'prefix' as const, parts }] : [{ op: '>=' as const, parts }, { op: 'prefix' as const, parts: parts.slice(0, 2) }]));
    else comparators.push({ op: op as Comparator['op'], parts });
  }
  return comparators;
}

/** found - wanted, part by part (missing parts are 0): negative, 0 or positive. */
export function compareVersions(found: readonly number[], wanted: readonly number[]): number {
  for (let index = 0; index < Math.max(found.length, wanted.length); index++) {
    const difference = (found[index] ?? 0) - (wanted[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** Whether a version meets every condition; if not, whether it is below the range or above it. */
export function checkVersionRange(found: readonly number[], range: readonly Comparator[]): 'ok' | 'too old' | 'too new' {
  for (const { op, parts } of range) {
    const order = op === 'prefix' ? compareVersions(found.slice(0, parts.length), parts) : compareVersions(found, parts);
    const holds = op === '>=' ? order >= 0 : op === '>' ? order > 0 : op === '<=' ? order <= 0 : op === '<' ? order < 0 : order === 0;
    if (!holds) return op === '<' || op === '<=' || (op === 'prefix' && order > 0) ? 'too new' : 'too old';
  }
  return 'ok';
}

export interface FoundVersion {
  /** As the runtime printed it (`20.11.1`, `3.12.1`, `1.8.0_392`, `21`). */
  text: string;
  /** MAJOR, MINOR, PATCH for comparison; Java's legacy `1.8.0_392` is 8.0.392. */
  parts: number[];
}

/** The version in what `node --version`, `python --version` or `java -version` printed (stdout and stderr together). */
export function parseRuntimeVersion(runtime: RuntimeName, output: string): FoundVersion | undefined {
  if (runtime === 'node') {
    const match = /(?:^|\s)v(\d+)\.(\d+)\.(\d+)/.exec(output);
    return match ? { text: `${match[1]}.${match[2]}.${match[3]}`, parts: match.slice(1, 4).map(Number) } : undefined;
  }
  if (runtime === 'python') {
    const match = /\bPython (\d+)\.(\d+)(?:\.(\d+))?\S*/.exec(output);
    return match ? { text: match[0].slice('Python '.length), parts: [match[1], match[2], match[3] ?? '0'].map(Number) } : undefined;
  }
  // `openjdk version "17.0.9" 2023-10-17`, `java version "1.8.0_392"`, `openjdk version "21" 2023-09-19`, `"21-ea"`.
  const quoted = /\bversion "([^"]+)"/.exec(output)?.[1];
  if (!quoted) return undefined;
  const legacy = /^1\.(\d+)(?:\.(\d+))?(?:_(\d+))?/.exec(quoted);
  if (legacy) return { text: quoted, parts: [legacy[1], legacy[2] ?? '0', legacy[3] ?? '0'].map(Number) };
  const modern = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(quoted);
  return modern ? { text: quoted, parts: [modern[1], modern[2] ?? '0', modern[3] ?? '0'].map(Number) } : undefined;
}

export const meetsFloor = (found: number[], floor: number[]): boolean => compareVersions(found, floor) >= 0;

