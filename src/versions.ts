/** Runtimes and their versions: the names `requires` knows, the range grammar, what a runtime prints. A leaf: no imports. */
export const RUNTIME_NAMES = ['node', 'python', 'java'] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];
export type Requirements = Partial<Record<RuntimeName, string>>;

export const isRuntimeName = (name: string): name is RuntimeName => (RUNTIME_NAMES as readonly string[]).includes(name);

/** `>=MAJOR[.MINOR[.PATCH]]`, the only range form: a floor is all a launcher can act on. */
export function parseVersionFloor(text: string): number[] | undefined {
  const match = /^>=\s*(\d{1,9}(?:\.\d{1,9}){0,2})$/.exec(text);
  return match ? match[1].split('.').map(Number) : undefined;
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

export function meetsFloor(found: number[], floor: number[]): boolean {
  for (let index = 0; index < Math.max(found.length, floor.length); index++) {
    const difference = (found[index] ?? 0) - (floor[index] ?? 0);
    if (difference !== 0) return difference > 0;
  }
  return true;
}

