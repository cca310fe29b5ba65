/** The child's environment (what the shim prints of it is redacted by redaction.ts). */
import { envKey, pathListDelimiter, type OsFamily } from './platform';

export type Env = Record<string, string | undefined>;

/** Variables the shim's runtime or packaging may add that must never reach the child. */
const INTERNAL_VARIABLES = ['PKG_EXECPATH', 'PKG_DUMMY_ENTRYPOINT'];

/** A map from any variable name to its value: no inherited `constructor` or `__proto__` to collide with. */
export const emptyEnv = <T = string>(): Record<string, T> => Object.create(null) as Record<string, T>;

export interface EnvironmentChanges {
  /** Variables the shim sets or changes, with their new values. */
  set: Record<string, string>;
  /** Variables present in the shim's environment that the child does not get. */
  removed: string[];
}

/** Text joined to a variable's value with the platform's list separator (`:` or `;`). */
export interface EnvironmentJoin {
  name: string;
  prepend?: string;
  append?: string;
}

export interface EnvironmentLayers {
  inherited: Env;
  /** Values the manifest forces (`set`): they win over inherited ones and env files. */
  forced?: Record<string, string>;
  /** Values the shim decides (HASURA_CONFIGURATION_DIRECTORY, HASURA_CONNECTOR_PORT): they win over inherited and forced ones. */
  overrides: Record<string, string | undefined>;
  /** Defaults, most important first (env files, then the manifest's env): each fills only what is still unset. */
  defaults: Record<string, string>[];
  /** Applied last, in order, to whatever each variable has become (an empty or unset one gets the text alone). */
  joins?: EnvironmentJoin[];
}

export function buildChildEnvironment(family: OsFamily, layers: EnvironmentLayers): { env: Record<string, string>; changes: EnvironmentChanges } {
  const env = emptyEnv();
  for (const [name, value] of Object.entries(layers.inherited)) if (value !== undefined) env[name] = value;
  const changes: EnvironmentChanges = { set: emptyEnv(), removed: [] };
  for (const name of INTERNAL_VARIABLES) {
    const key = envKey(family, env, name);
    if (key in env) {
      delete env[key];
      changes.removed.push(key);
    }
  }
  const assign = (name: string, value: string) => {
    const key = envKey(family, env, name);
    if (env[key] === value) return;
    env[key] = value;
    changes.set[key] = value;
  };
  for (const [name, value] of Object.entries(layers.forced ?? {})) assign(name, value);
  for (const [name, value] of Object.entries(layers.overrides)) if (value !== undefined) assign(name, value);
  for (const layer of layers.defaults) {
    for (const [name, value] of Object.entries(layer)) {
      const key = envKey(family, env, name);
      if (!Object.hasOwn(env, key)) assign(name, value);
    }
  }
  const separator = pathListDelimiter(family);
  for (const { name, prepend, append } of layers.joins ?? []) {
    // No empty entry: in PYTHONPATH, NODE_PATH or PATH an empty entry means the working directory.
    const current = env[envKey(family, env, name)];
    const parts = [prepend, current, append].filter((part): part is string => part !== undefined && part !== '');
    assign(name, parts.join(separator));
  }
  return { env, changes };
}

/**
 * The packaging RFC's draft names, honoured for older deployments: each fills its standard
 * OpenTelemetry variable when that is unset.
 */
export function draftOtelDefaults(family: OsFamily, env: Env): Record<string, string> {
  const defaults = emptyEnv();
  const pairs: [draft: string, standard: string][] = [
    ['HASURA_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT'],
    ['HASURA_OTEL_SERVICE_NAME', 'OTEL_SERVICE_NAME'],
  ];
  for (const [draft, standard] of pairs) {
    const value = env[envKey(family, env, draft)];
    if (value) defaults[standard] = value;
  }
  return defaults;
}
