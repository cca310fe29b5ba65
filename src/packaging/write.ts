/**
 * Writing a command's outputs all or nothing: each file goes to a temporary name beside its final
 * one and is renamed only once every file is written. On failure the temporary files are removed,
 * and so is the output folder if this run created it; a folder that existed keeps what it had.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { failure } from '../errors';

const PARTIAL = '.ndc-shim-partial';

export function writeOutputs(out: string, outputs: ReadonlyMap<string, Uint8Array>): void {
  let created: string | undefined;
  const partials: string[] = [];
  try {
    const stat = statOrUndefined(out);
    if (stat && !stat.isDirectory()) throw failure(`the output ${out} exists and is not a folder`, 'name a folder with --out');
    if (!stat) created = fs.mkdirSync(out, { recursive: true }) ?? out;
    for (const [name, data] of outputs) {
      const partial = path.join(out, `${name}${PARTIAL}`);
      partials.push(partial);
      fs.writeFileSync(partial, data);
    }
    for (const name of outputs.keys()) fs.renameSync(path.join(out, `${name}${PARTIAL}`), path.join(out, name));
  } catch (error) {
    for (const partial of partials) fs.rmSync(partial, { force: true });
    if (created) fs.rmSync(created, { recursive: true, force: true });
    if (error instanceof Error && 'exitCode' in error) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw failure(`cannot write to ${out}: ${code ?? (error as Error).message}; nothing was written`, 'check that the folder is writable and the disk has room');
  }
}

/** Writes one file the same way: a temporary name, then a rename; never over an existing file when `exclusive`. */
export function writeFileAtomically(file: string, data: string | Uint8Array): void {
  writeOutputs(path.dirname(file), new Map([[path.basename(file), typeof data === 'string' ? Buffer.from(data) : data]]));
}

function statOrUndefined(file: string) {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}
