/** The manifest (`ndc-shim.json`): reading, validating with precise JSON paths, placeholders. */
import * as path from 'node:path';
import type { LaunchCommand } from './cli';
import { configError } from './errors';
import { readRegularFile } from './files';
import { isSecretName, isSecretOption } from './redaction';
import { RUNTIME_NAMES, isRuntimeName, parseVersionRange, type Requirements } from './versions';

export interface Manifest {
  name?: string;
  commands: Partial<Record<LaunchCommand, string[]>>;
  env: Record<string, string>;
  envFiles: string[];
  /** Directories put in front of PATH, in order (placeholders allowed). */
  path: string[];
  /** Runtime floors: `{"node": ">=20"}`. */
  requires: Requirements;
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
const COMMAND_KEY_HINTS: Record<string, LaunchCommand> = {
  serve: 'start', upgradeConfiguration: 'upgrade', cliPluginEntrypoint: 'cli',
};
const TOP_LEVEL_KEYS = new Set(['$schema', '$comment', 'name', 'commands', 'env', 'envFiles', 'path', 'requires']);

/**
 * Reads the manifest. `required` is true when the user named the file (--manifest or
 * NDC_SHIM_MANIFEST): then a missing file is an error. The default file beside the shim is optional.
 */
export function loadManifest(file: string, required: boolean): LoadedManifest | undefined {
  const read = readRegularFile(file);
  if ('problem' in read) {
    if (!required && (read.code === 'ENOENT' || read.code === 'ENOTDIR')) return undefined;
    throw configError(`cannot read manifest ${file}: ${read.problem}`,
      'point --manifest or NDC_SHIM_MANIFEST at the ndc-shim.json file');
  }
  const text = read.text;
  return { file, dir: path.dirname(file), manifest: parseManifest(text, file) };
}

export function parseManifest(text: string, file: string): Manifest {
  let data: unknown;
  const json = text.replace(/^\uFEFF/, '');
  try {
    data = JSON.parse(json);
  } catch (error) {
    throw configError(`manifest ${file} is not valid JSON: ${jsonErrorWhere(json, error as Error)}`, 'fix the JSON syntax');
  }
  // A value is quoted only where it cannot be a secret: never under a secret-named key, nor beside a misplaced key.
  const problem = (jsonPath: string, expected: string, got: unknown, quote = !jsonPath.split(/[.[\]]/).some(isSecretName)) =>
    configError(`manifest ${file}: ${jsonPath}: expected ${expected}, got ${describe(got, quote)}`,
      'see the manifest reference in the README (or the $schema in schema/ndc-shim.schema.json)');
  // No program can receive a NUL character (the system's strings end there).
  const noNul = (text: string, jsonPath: string) => {
    if (text.includes('\0')) {
      throw configError(`manifest ${file}: ${jsonPath}: contains a NUL character (\\u0000), which no program can receive`, 'remove it');
    }
  };

  if (!isPlainObject(data)) throw problem('$', 'an object', data);
  for (const key of Object.keys(data)) {
    if (!TOP_LEVEL_KEYS.has(key)) throw problem(`$.${key}`, `no such key (known: ${[...TOP_LEVEL_KEYS].join(', ')})`, data[key], false);
  }
  const manifest: Manifest = { commands: {}, env: {}, envFiles: [], path: [], requires: {} };
  if (data.name !== undefined) {
    if (typeof data.name !== 'string' || data.name === '') throw problem('$.name', 'a non-empty string', data.name);
    noNul(data.name, '$.name');
    manifest.name = data.name;
  }
  if (!isPlainObject(data.commands)) throw problem('$.commands', 'an object of commands such as {"start": ["{connectorDir}/my-connector", "serve"]}', data.commands);
  for (const [key, value] of Object.entries(data.commands)) {
    const jsonPath = `$.commands.${key}`;
    if (!(COMMAND_KEYS as readonly string[]).includes(key)) {
      const hint = COMMAND_KEY_HINTS[key];
      throw problem(jsonPath, hint ? `the key "${hint}" (the manifest's name for ${key})` : `one of ${COMMAND_KEYS.join(', ')}`, value);
    }
    if (!Array.isArray(value) || value.length === 0) throw problem(jsonPath, 'a non-empty array of strings (the executable, then its arguments)', value);
    value.forEach((item, index) => {
      if (typeof item !== 'string') throw problem(`${jsonPath}[${index}]`, 'a string', item, !isSecretOption(value[index - 1]));
      noNul(item, `${jsonPath}[${index}]`);
      checkPlaceholders(item, `${jsonPath}[${index}]`, file);
    });
    if (value[0] === '') throw problem(`${jsonPath}[0]`, 'the executable (a non-empty string)', value[0]);
    manifest.commands[key as LaunchCommand] = value as string[];
  }
  if (!manifest.commands.start) throw problem('$.commands.start', 'the start command (the only required one)', undefined);
  if (data.env !== undefined) {
    if (!isPlainObject(data.env)) throw problem('$.env', 'an object of variable names to string values', data.env);
    for (const [name, value] of Object.entries(data.env)) {
      if (typeof value !== 'string') throw problem(`$.env.${name}`, 'a string', value);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw problem(`$.env.${name}`, 'a variable name of letters, digits and _', name);
      noNul(value, `$.env.${name}`);
      checkPlaceholders(value, `$.env.${name}`, file);
      manifest.env[name] = value;
    }
  }
  if (data.envFiles !== undefined) {
    if (!Array.isArray(data.envFiles)) throw problem('$.envFiles', 'an array of file paths', data.envFiles);
    data.envFiles.forEach((item, index) => {
      if (typeof item !== 'string' || item === '') throw problem(`$.envFiles[${index}]`, 'a non-empty file path', item);
      noNul(item, `$.envFiles[${index}]`);
      checkPlaceholders(item, `$.envFiles[${index}]`, file);
    });
    manifest.envFiles = data.envFiles as string[];
  }
  if (data.path !== undefined) {
    if (!Array.isArray(data.path)) throw problem('$.path', 'an array of directories such as ["{connectorDir}/node_modules/.bin"]', data.path);
    data.path.forEach((item, index) => {
      if (typeof item !== 'string' || item === '') throw problem(`$.path[${index}]`, 'a non-empty directory path', item);
      checkPlaceholders(item, `$.path[${index}]`, file);
    });
    manifest.path = data.path as string[];
  }
  if (data.requires !== undefined) {
    if (!isPlainObject(data.requires)) throw problem('$.requires', 'an object of runtime floors or ranges such as {"node": ">=20"}', data.requires);
    for (const [runtime, floor] of Object.entries(data.requires)) {
      if (!isRuntimeName(runtime)) throw problem(`$.requires.${runtime}`, `a runtime the shim checks (${RUNTIME_NAMES.join(', ')})`, floor);
      if (typeof floor !== 'string' || !parseVersionRange(floor)) {
        throw problem(`$.requires.${runtime}`, 'a version range: a floor such as ">=20" or ">=3.10", with an upper bound if needed (">=3.11 <3.12", ">=3.11,<3.12", "~3.11", "3.11.*", "==3.11", "3.11")', floor);
      }
      manifest.requires[runtime] = floor;
    }
  }
  return manifest;
}

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
 * `{name}` (an identifier) is a placeholder and `{{name}}` a literal `{name}`; any other brace is
 * literal, so JSON or templates in an argument pass through untouched.
 */
const PLACEHOLDER_PATTERN = /\{\{([A-Za-z_]\w*)\}\}|\{([A-Za-z_]\w*)\}/g;

function checkPlaceholders(text: string, jsonPath: string, file: string) {
  for (const match of text.matchAll(PLACEHOLDER_PATTERN)) {
    if (match[2] !== undefined && !(PLACEHOLDERS as readonly string[]).includes(match[2])) {
      throw configError(`manifest ${file}: ${jsonPath}: unknown placeholder {${match[2]}}`,
        `use one of ${PLACEHOLDERS.map((name) => `{${name}}`).join(', ')}, or write {{${match[2]}}} for a literal {${match[2]}}`);
    }
  }
}

/** Replaces {name} with its value; {{name}} stands for a literal {name}. */
export function expandPlaceholders(text: string, values: PlaceholderValues, where: string): string {
  return text.replace(PLACEHOLDER_PATTERN, (_whole, literal: string | undefined, name: string | undefined) => {
    if (literal !== undefined) return `{${literal}}`;
    const key = name as Placeholder;
    if (!(PLACEHOLDERS as readonly string[]).includes(key)) {
      throw configError(`${where}: unknown placeholder {${name}}`, `use one of ${PLACEHOLDERS.map((n) => `{${n}}`).join(', ')}`);
    }
    const value = values[key];
    if (value === undefined) throw configError(`${where}: placeholder {${key}} has no value`, `set it with ${PLACEHOLDER_SOURCES[key]}`);
    return value;
  });
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function describe(value: unknown, quote: boolean): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  if (typeof value === 'object') return 'an object';
  if (!quote) return `a ${typeof value}`;
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 40 ? `${text.slice(0, 37)}...` : text}`;
}

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
