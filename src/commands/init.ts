/**
 * `ndc-shim init [--from DIR]`: a starting ndc-shim.json for what DIR holds (a native executable
 * per platform folder, or one at the top; a package.json with a start script; a Python entry
 * point with its vendored dependencies), with `requires` and `path` filled where they can be,
 * and a list of what is left to fill. It never overwrites a file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExitCode, ShimError, failure, usageError } from '../errors';
import { MANIFEST_FILE_NAME } from '../manifest';
import { writeOut } from '../output';
import { binaryKind } from '../packaging/binary-format';
import { DDN_PLATFORMS, folderNames } from '../packaging/platforms';

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

interface Draft {
  kind: string;
  manifest: {
    name: string; commands: Record<string, string[]>; env?: Record<string, string | { prepend: string }>; path?: string[]; requires?: Record<string, string>;
    os?: { windows: { commands: Record<string, string[]> } };
  };
  toFill: string[];
}

const list = (dir: string) => {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
};

function head(file: string): Buffer {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const buffer = Buffer.alloc(4096);
    return buffer.subarray(0, fs.readSync(fd, buffer, 0, buffer.length, 0));
  } catch {
    return Buffer.alloc(0);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The top-level native executables of a folder, by name without `.exe`. */
const nativeExecutables = (dir: string) => list(dir)
  .filter((entry) => entry.isFile() && !/\.(so|dylib|dll|node)$/.test(entry.name) && binaryKind(head(path.join(dir, entry.name))))
  .map((entry) => entry.name.replace(/\.exe$/i, '')).sort();

/** `>=X.Y` from an engines or requires-python range (>=20, ^20.1, ~3.11, 20.x), or undefined. */
export function versionFloor(range: string | undefined): string | undefined {
  const match = /^\s*(?:>=|\^|~|=)?\s*v?(\d+(?:\.\d+){0,2})(?:\.x)?\s*(?:,.*|<.*)?$/.exec(range ?? '');
  return match ? `>=${match[1]}` : undefined;
}

function nativeDraft(from: string, name: string): Draft | undefined {
  const folders = DDN_PLATFORMS.map((platform) => folderNames(platform).map((folder) => path.join(from, folder)).find((dir) => fs.existsSync(dir))).filter((dir): dir is string => Boolean(dir));
  const candidates = folders.length ? folders.map(nativeExecutables) : [nativeExecutables(from)];
  const common = candidates.reduce((shared, names) => shared.filter((item) => names.includes(item)));
  if (!common.length) return undefined;
  const [program, ...others] = common;
  const toFill = [`commands.start: the arguments ${program} needs to serve (ndc-rs connectors take "serve"; check its --help)`];
  if (others.length) toFill.push(`which of ${common.join(', ')} is the connector (${program} was taken) and whether another is the CLI plugin (commands.cli)`);
  else toFill.push('commands.update / upgrade / cli, if the connector has a CLI plugin');
  const manifest: Draft['manifest'] = { name, commands: { start: [`{connectorDir}/${program}`, 'serve'] } };
  // Windows runs the .exe by its full name (the manifest's per-OS section).
  if (folders.some((dir) => fs.existsSync(path.join(dir, `${program}.exe`)))) manifest.os = { windows: { commands: { start: [`{connectorDir}\\${program}.exe`, 'serve'] } } };
  return {
    kind: `a native connector (${program}${folders.length ? `, in ${folders.map((dir) => path.basename(dir)).join(', ')}` : ''})`,
    manifest,
    toFill,
  };
}

function nodeDraft(from: string, name: string): Draft | undefined {
  const file = path.join(from, 'package.json');
  if (!fs.existsSync(file)) return undefined;
  let data: { name?: string; scripts?: Record<string, string>; engines?: Record<string, string> };
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ShimError(`${file} is not valid JSON: ${(error as Error).message}`, ExitCode.config, 'fix it, or run init where the connector\'s files are');
  }
  const start = data.scripts?.start;
  if (!start) return undefined;
  const toFill: string[] = [];
  const manifest: Draft['manifest'] = { name: data.name?.replace(/^@[^/]+\//, '') ?? name, commands: {} };
  if (/[&|;<>$`()"'\\]/.test(start)) {
    manifest.commands.start = ['node', '{connectorDir}/FILL-IN.js', 'serve'];
    toFill.push(`commands.start: package.json's start script (${start}) uses the shell; write its program and arguments as words`);
  } else {
    const words = start.trim().split(/\s+/);
    const inBin = fs.existsSync(path.join(from, 'node_modules', '.bin', words[0]));
    manifest.commands.start = words.map((word, index) => (index > 0 && !word.startsWith('-') && fs.existsSync(path.join(from, word)) ? `{connectorDir}/${word.replace(/^\.\//, '')}` : word));
    if (inBin || words[0] !== 'node') manifest.path = ['{connectorDir}/node_modules/.bin'];
    if (!fs.existsSync(path.join(from, 'node_modules'))) toFill.push('node_modules: install the production dependencies into the folder before packaging (npm ci --omit=dev)');
  }
  const floor = versionFloor(data.engines?.node);
  if (floor) manifest.requires = { node: floor };
  else toFill.push('requires.node: the oldest Node the connector runs on (package.json has no engines.node), e.g. ">=20"');
  toFill.push('commands.update / upgrade / cli, if the connector has a CLI plugin');
  return { kind: 'a Node connector (package.json start script)', manifest, toFill };
}

const PYTHON_ENTRIES = ['main.py', 'connector.py', 'app.py', 'server.py', '__main__.py'];
const VENDOR_DIRS = ['vendor', '_vendor', 'vendored', 'deps', 'site-packages', 'lib', 'packages'];

function pythonDraft(from: string, name: string): Draft | undefined {
  const entry = PYTHON_ENTRIES.find((file) => fs.existsSync(path.join(from, file)));
  if (!entry) return undefined;
  const toFill: string[] = [];
  const manifest: Draft['manifest'] = {
    name, commands: { start: ['python3', `{connectorDir}/${entry}`, 'serve'] }, env: { PYTHONUNBUFFERED: '1' },
    // Windows installs python, not python3.
    os: { windows: { commands: { start: ['python', `{connectorDir}\\${entry}`, 'serve'] } } },
  };
  // A folder of packages (or single-module dependencies) as pip install --target leaves them.
  const vendor = VENDOR_DIRS.find((dir) => list(path.join(from, dir)).some((item) => (item.isFile() && item.name.endsWith('.py'))
    || (item.isDirectory() && (item.name.endsWith('.dist-info') || fs.existsSync(path.join(from, dir, item.name, '__init__.py'))))));
  if (vendor) manifest.env!.PYTHONPATH = { prepend: `{connectorDir}/${vendor}` };
  else toFill.push('env.PYTHONPATH: vendor the dependencies into the folder (pip install --target vendor -r requirements.txt) and point PYTHONPATH at it');
  const venv = list(from).find((item) => item.isDirectory() && fs.existsSync(path.join(from, item.name, 'pyvenv.cfg')));
  if (venv) toFill.push(`${venv.name}/ is a virtualenv, tied to this machine's Python: package refuses it; vendor instead and leave it out of the package folder`);
  const pyproject = fs.existsSync(path.join(from, 'pyproject.toml')) ? fs.readFileSync(path.join(from, 'pyproject.toml'), 'utf8') : '';
  const floor = versionFloor(/^\s*requires-python\s*=\s*["']([^"']+)["']/m.exec(pyproject)?.[1]);
  if (floor) manifest.requires = { python: floor };
  else toFill.push('requires.python: the oldest Python the connector runs on, e.g. ">=3.10"');
  toFill.push(`commands.start: check that ${entry} takes "serve" (the NDC Python SDK does)`);
  return { kind: `a Python connector (${entry}${vendor ? `, dependencies in ${vendor}/` : ''})`, manifest, toFill };
}

export function runInit(options: InitOptions): number {
  const from = path.resolve(options.from);
  if (!fs.existsSync(from) || !fs.statSync(from).isDirectory()) throw failure(`${from} is not a folder`, 'run init in the connector\'s folder, or name it with --from');
  const target = path.join(from, MANIFEST_FILE_NAME);
  if (fs.existsSync(target)) throw failure(`${target} already exists; init never overwrites a file`, 'edit it, or move it away and run init again');
  const name = path.basename(from);
  const draft = nativeDraft(from, name) ?? nodeDraft(from, name) ?? pythonDraft(from, name);
  if (!draft) {
    throw failure(`found no connector in ${from}: no native executable (at the top or per platform folder), no package.json with a start script, no ${PYTHON_ENTRIES.join('/')}`,
      'run init in the folder you will package, or write ndc-shim.json by hand (README "Manifest")');
  }
  const text = `${JSON.stringify({ $schema: 'https://github.com/hasura/ndc-shim/schema/ndc-shim.schema.json', ...draft.manifest }, null, 2)}\n`;
  try {
    fs.writeFileSync(target, text, { flag: 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw failure(`cannot write ${target}: ${code === 'EEXIST' ? 'it already exists; init never overwrites a file' : code ?? (error as Error).message}`, 'check the folder, then run init again');
  }
  writeOut(`wrote ${target} for ${draft.kind}\nleft to fill:\n${draft.toFill.map((line) => `  - ${line}\n`).join('')}then check it with: ndc-shim --manifest ${target} doctor\n`);
  return 0;
}
