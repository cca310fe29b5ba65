/** The manifest (`ndc-shim.json`): reading, validating with precise JSON paths, placeholders. */
import * as path from 'node:path';
import type { LaunchCommand } from './cli';
import { ShimError, configError } from './errors';
import { NOT_UTF8, readRegularFile } from './files';
import { osSectionsFor, OS_SECTION_NAMES, type OsSectionName } from './platform';
import { MAX_KILL_AFTER_SECONDS } from './signals';
import { RUNTIME_NAMES, isRuntimeName, parseVersionRange, type Requirements } from './versions';

/**
 * One variable of `env`. A plain string is `{"default": ...}`. `set` forces the value, `default`
 * fills it when unset; `prepend` / `append` then join text to whatever it ends up as, with the
 * platform's list separator, after every other layer (like `path`).
 */
export interface EnvEntry {
  set?: string;
  default?: string;
  prepend?: string;
  append?: string;
}
export const ENV_ENTRY_KEYS = ['set', 'default', 'prepend', 'append'] as const;

/** A `path` entry: required unless `optional` (then a missing one is skipped without a word). */
export interface PathEntry {
  dir: string;
  optional: boolean;
}

/** What a per-OS section may hold; merged over the top level by manifestForPlatform. */
export interface ManifestSection {
  commands: Partial<Record<LaunchCommand, string[]>>;
  /** Variable name -> how to set it (a null-prototype map: any name, `__proto__` included). */
  env: Record<string, EnvEntry>;
  /** Directories put in front of PATH, in order (placeholders allowed). */
  path: PathEntry[];
  /** Runtime floors: `{"node": ">=20"}`. */
  requires: Requirements;
  /** Seconds between a forwarded SIGTERM/SIGINT and SIGKILL in supervise mode (--kill-after wins). */
  killAfter?: number;
}

export interface Manifest extends ManifestSection {
  name?: string;
  envFiles: string[];
  /** Per-OS sections, as written; manifestForPlatform merges the ones that apply. */
  os: Partial<Record<OsSectionName, Partial<ManifestSection>>>;
}

export interface LoadedManifest {
  file: string;
  dir: string;
  manifest: Manifest;
}

export const MANIFEST_FILE_NAME = 'ndc-shim.json';
export const PLACEHOLDERS = ['connectorDir', 'pluginDir', 'contextDir', 'configurationDir', 'shimDir', 'port'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

const COMMAND_KEYS: readonly LaunchCommand[] = ['start', 'update', 'upgrade', 'watch', 'cli'];
/** Names a connector author may bring from connector-metadata.yaml; each gets a hint. */
const COMMAND_KEY_HINTS: ReadonlyMap<string, LaunchCommand> = new Map([
  ['serve', 'start'], ['upgradeConfiguration', 'upgrade'], ['cliPluginEntrypoint', 'cli'],
]);
const TOP_LEVEL_KEYS = new Set(['$schema', '$comment', 'name', 'commands', 'env', 'envFiles', 'path', 'requires', 'killAfter', 'os']);
const SECTION_KEYS = new Set(['$comment', 'commands', 'env', 'path', 'requires', 'killAfter']);
const HINT = 'see the manifest reference in the README (or the $schema in schema/ndc-shim.schema.json)';

/**
 * Reads the manifest. `required` is true when the user named the file (--manifest or
 * NDC_SHIM_MANIFEST): then a missing file is an error. The default file beside the shim is optional.
 */
export function loadManifest(file: string, required: boolean): LoadedManifest | undefined {
  const read = readRegularFile(file);
  if ('problem' in read) {
    if (!required && (read.code === 'ENOENT' || read.code === 'ENOTDIR')) return undefined;
    if (read.code === NOT_UTF8) throw configError(`manifest ${file}: ${read.problem}`, 'save the manifest as UTF-8 (write other characters as \\uXXXX escapes)');
    throw configError(`cannot read manifest ${file}: ${read.problem}`,
      'point --manifest or NDC_SHIM_MANIFEST at the ndc-shim.json file');
  }
  const text = read.text;
  return { file, dir: path.dirname(file), manifest: parseManifest(text, file) };
}

/**
 * A JSON value's type in words, never the value itself (it may be a secret); only a string the
 * caller knows to be harmless (what looks like a version range under `requires`) is quoted.
 */
function describe(value: unknown, harmless = false): string {
  if (harmless && typeof value === 'string' && /^[\w\s.,<>=~^*|!-]{1,40}$/.test(value) && !/[A-Za-z]{3}/.test(value)) {
    return `string ${JSON.stringify(value)}`;
  }
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  if (typeof value === 'object') return 'an object';
  if (value === '') return 'an empty string';
  return `a ${typeof value}`;
}

export function parseManifest(text: string, file: string): Manifest {
  let data: unknown;
  const json = text.replace(/^\uFEFF/, '');
  try {
    data = JSON.parse(json);
  } catch (error) {
    throw configError(`manifest ${file} is not valid JSON: ${jsonErrorWhere(json, error as Error)}`, 'fix the JSON syntax');
  }
  // Errors name the JSON path and the type expected and found, never the value: it may be a secret.
  const problem = (jsonPath: string, expected: string, got: unknown, harmless = false) =>
    configError(`manifest ${file}: ${jsonPath}: expected ${expected}, got ${describe(got, harmless)}`, HINT);
  if (!isPlainObject(data)) throw problem('$', 'an object', data);
  for (const key of Object.keys(data)) {
    if (!TOP_LEVEL_KEYS.has(key)) throw problem(`$.${key}`, `no such key (known: ${[...TOP_LEVEL_KEYS].join(', ')})`, data[key]);
  }
  const reader = sectionReader(file, problem);
  const manifest: Manifest = { commands: {}, env: nullPrototype<EnvEntry>(), path: [], requires: {}, ...reader(data, '$', TOP_LEVEL_KEYS), envFiles: [], os: {} };
  if (data.name !== undefined) {
    if (typeof data.name !== 'string' || data.name === '') throw problem('$.name', 'a non-empty string', data.name);
    reader.noNul(data.name, '$.name');
    manifest.name = data.name;
  }
  if (!manifest.commands.start) throw problem('$.commands.start', 'the start command (the only required one)', undefined);
  if (data.envFiles !== undefined) {
    if (!Array.isArray(data.envFiles)) throw problem('$.envFiles', 'an array of file paths', data.envFiles);
    data.envFiles.forEach((item, index) => {
      if (typeof item !== 'string' || item === '') throw problem(`$.envFiles[${index}]`, 'a non-empty file path', item);
      reader.noNul(item, `$.envFiles[${index}]`);
      checkPlaceholders(item, `$.envFiles[${index}]`, file);
    });
    manifest.envFiles = data.envFiles as string[];
  }
  if (data.os !== undefined) {
    if (!isPlainObject(data.os)) throw problem('$.os', `an object of per-OS sections (${OS_SECTION_NAMES.join(', ')})`, data.os);
    for (const [name, section] of Object.entries(data.os)) {
      if (!(OS_SECTION_NAMES as readonly string[]).includes(name)) throw problem(`$.os.${name}`, `one of ${OS_SECTION_NAMES.join(', ')}`, section);
      if (!isPlainObject(section)) throw problem(`$.os.${name}`, `an object with any of ${[...SECTION_KEYS].filter((key) => key !== '$comment').join(', ')}`, section);
      manifest.os[name as OsSectionName] = reader(section, `$.os.${name}`, SECTION_KEYS);
    }
  }
  return manifest;
}

type Problem = (jsonPath: string, expected: string, got: unknown, harmless?: boolean) => ShimError;

/** Reads the keys a section may hold (the top level, or one of `os`), each checked where it stands. */
function sectionReader(file: string, problem: Problem) {
  // No program can receive a NUL character (the system's strings end there).
  const noNul = (text: string, jsonPath: string) => {
    if (text.includes('\0')) {
      throw configError(`manifest ${file}: ${jsonPath}: contains a NUL character (\\u0000), which no program can receive`, 'remove it');
    }
  };
  const checkedString = (value: string, jsonPath: string) => {
    noNul(value, jsonPath);
    checkPlaceholders(value, jsonPath, file);
    return value;
  };
  const read = (data: Record<string, unknown>, base: string, keys: ReadonlySet<string>): Partial<ManifestSection> => {
    const section: Partial<ManifestSection> = {};
    for (const key of Object.keys(data)) {
      if (!keys.has(key)) throw problem(`${base}.${key}`, `no such key (known: ${[...keys].join(', ')})`, data[key]);
    }
    if (data.commands !== undefined || base === '$') {
      if (!isPlainObject(data.commands)) throw problem(`${base}.commands`, 'an object of commands such as {"start": ["{connectorDir}/my-connector", "serve"]}', data.commands);
      section.commands = {};
      for (const [key, value] of Object.entries(data.commands)) {
        const jsonPath = `${base}.commands.${key}`;
        if (!(COMMAND_KEYS as readonly string[]).includes(key)) {
          const hint = COMMAND_KEY_HINTS.get(key);
          throw problem(jsonPath, hint ? `the key "${hint}" (the manifest's name for ${key})` : `one of ${COMMAND_KEYS.join(', ')}`, value);
        }
        if (!Array.isArray(value) || value.length === 0) throw problem(jsonPath, 'a non-empty array of strings (the executable, then its arguments)', value);
        value.forEach((item, index) => {
          if (typeof item !== 'string') throw problem(`${jsonPath}[${index}]`, 'a string', item);
          checkedString(item, `${jsonPath}[${index}]`);
        });
        if (value[0] === '') throw problem(`${jsonPath}[0]`, 'the executable (a non-empty string)', value[0]);
        section.commands[key as LaunchCommand] = value as string[];
      }
    }
    if (data.env !== undefined) {
      if (!isPlainObject(data.env)) throw problem(`${base}.env`, 'an object of variable names to values', data.env);
      section.env = nullPrototype<EnvEntry>();
      for (const [name, value] of Object.entries(data.env)) {
        const jsonPath = `${base}.env.${name}`;
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw problem(jsonPath, 'a variable name of letters, digits and _', name);
        if (typeof value === 'string') {
          section.env[name] = { default: checkedString(value, jsonPath) };
          continue;
        }
        if (!isPlainObject(value)) throw problem(jsonPath, 'a string', value);
        if (Object.keys(value).length === 0) throw problem(jsonPath, 'an object with "set" or "default" and/or "prepend", "append" (strings)', value);
        const entry: EnvEntry = {};
        for (const [key, part] of Object.entries(value)) {
          if (!(ENV_ENTRY_KEYS as readonly string[]).includes(key)) throw problem(`${jsonPath}.${key}`, `one of ${ENV_ENTRY_KEYS.join(', ')}`, part);
          if (typeof part !== 'string') throw problem(`${jsonPath}.${key}`, 'a string', part);
          entry[key as keyof EnvEntry] = checkedString(part, `${jsonPath}.${key}`);
        }
        if (entry.set !== undefined && entry.default !== undefined) throw problem(`${jsonPath}.default`, 'nothing beside "set" (set forces the value, default only fills it)', entry.default);
        section.env[name] = entry;
      }
    }
    if (data.path !== undefined) {
      if (!Array.isArray(data.path)) throw problem(`${base}.path`, 'an array of directories such as ["{connectorDir}/node_modules/.bin"]', data.path);
      section.path = data.path.map((item: unknown, index: number) => {
        const jsonPath = `${base}.path[${index}]`;
        const expected = 'a non-empty directory path, or {"dir": "...", "optional": true}';
        if (typeof item === 'string') {
          if (item === '') throw problem(jsonPath, expected, item);
          return { dir: checkedString(item, jsonPath), optional: false };
        }
        if (!isPlainObject(item)) throw problem(jsonPath, expected, item);
        for (const key of Object.keys(item)) if (key !== 'dir' && key !== 'optional') throw problem(`${jsonPath}.${key}`, 'no such key (known: dir, optional)', item[key]);
        if (typeof item.dir !== 'string' || item.dir === '') throw problem(`${jsonPath}.dir`, 'a non-empty directory path', item.dir);
        if (item.optional !== undefined && typeof item.optional !== 'boolean') throw problem(`${jsonPath}.optional`, 'true or false', item.optional);
        return { dir: checkedString(item.dir, `${jsonPath}.dir`), optional: item.optional === true };
      });
    }
    if (data.requires !== undefined) {
      if (!isPlainObject(data.requires)) throw problem(`${base}.requires`, 'an object of runtime floors or ranges such as {"node": ">=20"}', data.requires);
      section.requires = {};
      for (const [runtime, floor] of Object.entries(data.requires)) {
        // A version range is not a secret: it is quoted, since the user needs to see what was refused.
        if (!isRuntimeName(runtime)) throw problem(`${base}.requires.${runtime}`, `a runtime the shim checks (${RUNTIME_NAMES.join(', ')})`, floor, true);
        if (typeof floor !== 'string' || !parseVersionRange(floor)) {
          throw problem(`${base}.requires.${runtime}`, 'a version range: a floor such as ">=20" or ">=3.10", with an upper bound if needed (">=3.11 <3.12", ">=3.11,<3.12", "~3.11", "3.11.*", "==3.11", "3.11")', floor, true);
        }
        section.requires[runtime] = floor;
      }
    }
    if (data.killAfter !== undefined) {
      const value = data.killAfter;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_KILL_AFTER_SECONDS) {
        throw problem(`${base}.killAfter`, `a number of seconds from 0 (never) to ${MAX_KILL_AFTER_SECONDS}`, value);
      }
      section.killAfter = value;
    }
    return section;
  };
  return Object.assign(read, { noNul });
}

/**
 * The manifest as it applies on `platform`: the top level, then each per-OS section that applies
 * (posix, then linux or macos; or windows), most specific last. A later section replaces a command,
 * a variable, a runtime or killAfter of the earlier one; its `path` entries go in front of theirs.
 */
export function manifestForPlatform(manifest: Manifest, platform: NodeJS.Platform): Manifest {
  const merged: Manifest = {
    ...manifest,
    commands: { ...manifest.commands },
    env: Object.assign(nullPrototype<EnvEntry>(), manifest.env),
    path: [...manifest.path],
    requires: { ...manifest.requires },
  };
  for (const name of osSectionsFor(platform)) {
    const section = manifest.os[name];
    if (!section) continue;
    Object.assign(merged.commands, section.commands);
    Object.assign(merged.env, section.env);
    Object.assign(merged.requires, section.requires);
    if (section.path) merged.path = [...section.path, ...merged.path];
    if (section.killAfter !== undefined) merged.killAfter = section.killAfter;
  }
  return merged;
}

/** Every command some platform's manifest defines (the DDN CLI's metadata serves them all). */
export const commandsOnAnyPlatform = (manifest: Manifest): LaunchCommand[] =>
  COMMAND_KEYS.filter((command) => manifest.commands[command] || Object.values(manifest.os).some((section) => section?.commands?.[command]));

type PlaceholderValues = Partial<Record<Placeholder, string>>;

/** Where a missing placeholder's value comes from, for the error message. */
const PLACEHOLDER_SOURCES: Record<Placeholder, string> = {
  connectorDir: '--connector-dir or HASURA_DDN_NATIVE_CONNECTOR_DIR',
  pluginDir: '--plugin-dir or HASURA_DDN_NATIVE_CONNECTOR_PLUGIN_DIR',
  contextDir: '--context or HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH',
  configurationDir: '--configuration, --context, HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH or HASURA_CONFIGURATION_DIRECTORY',
  shimDir: 'the shim location',
  port: '--port or HASURA_CONNECTOR_PORT',
};

/**
 * `{name}` (an identifier) is a placeholder, `{env:NAME}` / `{env:NAME:-default}` a variable of the
 * shim's environment, and `{{...}}` the literal text `{...}`. Any other brace is literal, so JSON or
 * templates in an argument pass through untouched; but `{env:...}` that does not parse is an error.
 */
const PLACEHOLDER_PATTERN = /\{\{([A-Za-z_]\w*(?::[^{}]*)?)\}\}|\{env:([^{}]*)\}|\{([A-Za-z_]\w*)\}/g;
/** `NAME` or `NAME:-default` (the default may be empty; it holds no braces). */
const ENV_PLACEHOLDER = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([^{}]*))?$/;
const PLACEHOLDER_LIST = () => `${PLACEHOLDERS.map((name) => `{${name}}`).join(', ')}, {env:NAME}, {env:NAME:-default}`;

function checkPlaceholders(text: string, jsonPath: string, file: string) {
  for (const match of text.matchAll(PLACEHOLDER_PATTERN)) {
    if (match[2] !== undefined && !ENV_PLACEHOLDER.test(match[2])) {
      throw configError(`manifest ${file}: ${jsonPath}: {env:${match[2]}} is not a placeholder`,
        'write {env:NAME} or {env:NAME:-default}, NAME of letters, digits and _ (or {{env:...}} for the literal text)');
    }
    if (match[3] !== undefined && !(PLACEHOLDERS as readonly string[]).includes(match[3])) {
      throw configError(`manifest ${file}: ${jsonPath}: unknown placeholder {${match[3]}}`,
        `use one of ${PLACEHOLDER_LIST()}, or write {{${match[3]}}} for a literal {${match[3]}}`);
    }
  }
}

/**
 * Replaces each placeholder with its value; `{{...}}` stands for the literal `{...}`. `readEnv`
 * answers `{env:NAME}` (the shim's own environment). A placeholder without a value is an error
 * (78): `{env:NAME}` of an unset variable too, so that nothing falls back silently; an empty or
 * unset variable takes the `:-` default when there is one.
 */
export function expandPlaceholders(text: string, values: PlaceholderValues, where: string, readEnv: (name: string) => string | undefined = () => undefined): string {
  return text.replace(PLACEHOLDER_PATTERN, (_whole, literal: string | undefined, variable: string | undefined, name: string | undefined) => {
    if (literal !== undefined) return `{${literal}}`;
    if (variable !== undefined) {
      const parsed = ENV_PLACEHOLDER.exec(variable);
      if (!parsed) throw configError(`${where}: {env:${variable}} is not a placeholder`, 'write {env:NAME} or {env:NAME:-default}');
      const value = readEnv(parsed[1]);
      if (parsed[2] !== undefined) return value ? value : parsed[2];
      if (value === undefined) {
        throw configError(`${where}: placeholder {env:${parsed[1]}} has no value: ${parsed[1]} is not set`,
          `set ${parsed[1]}, or give a default: {env:${parsed[1]}:-default}`);
      }
      return value;
    }
    const key = name as Placeholder;
    if (!(PLACEHOLDERS as readonly string[]).includes(key)) {
      throw configError(`${where}: unknown placeholder {${name}}`, `use one of ${PLACEHOLDER_LIST()}`);
    }
    const value = values[key];
    if (value === undefined) throw configError(`${where}: placeholder {${key}} has no value`, `set it with ${PLACEHOLDER_SOURCES[key]}`);
    return value;
  });
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A map from any name to a value: no inherited `constructor` or `__proto__` to collide with. */
export const nullPrototype = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

/**
 * "line L column C" for a JSON.parse error, whatever the Node version's message format. V8 may
 * quote up to 10 characters either side of the error ("Unexpected token 'x', ..."text"..."): that
 * text is used to find the position and never printed, since it may be part of a secret.
 */
function jsonErrorWhere(text: string, error: Error): string {
  const message = error.message;
  const at = /at position (\d+)/.exec(message);
  const quoted = /^Unexpected token '?(.)'?, (\.\.\.)?"([\s\S]*)"(?:\.\.\.)? is not valid JSON$/.exec(message);
  let position: number | undefined;
  let reason: string;
  if (at) {
    position = Number(at[1]);
    reason = message.replace(/ (in JSON )?at position \d+.*$/s, '');
  } else if (quoted) {
    reason = 'unexpected character';
    const start = text.indexOf(quoted[3]);
    if (start !== -1) position = start + (quoted[2] ? 10 : Math.max(0, quoted[3].indexOf(quoted[1])));
  } else if (/end of JSON input/.test(message)) {
    reason = 'unexpected end of the file';
    position = text.length;
  } else {
    // An unknown format: keep its words, never what it quotes.
    reason = message.replace(/,?\s*(\.\.\.)?["'][\s\S]*$/, '');
  }
  if (position === undefined) return reason;
  const before = text.slice(0, position);
  const lineNumber = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return `${reason} at line ${lineNumber} column ${column}`;
}
