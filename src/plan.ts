/**
 * Plan, then act: turns (command line, environment, manifest, platform) into a LaunchPlan.
 * Pure: everything it needs from the system comes in through the input (file-system view,
 * env-file reader), so most behaviour is tested without starting a process.
 */
import type { CommandLine, LaunchCommand } from './cli';
import { ExitCode, ShimError, configError } from './errors';
import { buildChildEnvironment, draftOtelDefaults, emptyEnv, type EnvironmentChanges, type EnvironmentJoin, type Env } from './environment';
import { expandPlaceholders, manifestForPlatform, type EnvEntry, type LoadedManifest, type Placeholder } from './manifest';
import { missingPathEntry } from './checks/preflight';
import { envKey, hasPathSeparator, pathFor, pathListDelimiter, type PlatformFacts } from './platform';
import { findExecutable, launchFor, resolveDirectories, type Directories, type FileSystemView } from './resolution';
import type { Requirements } from './versions';

export const DEFAULT_KILL_AFTER_SECONDS = 10;
export const DEFAULT_CONNECTOR_PORT = 8080;

export type LaunchMode = 'exec' | 'supervise';

export interface LaunchPlan {
  command: LaunchCommand;
  /** Absolute path of the program started (cmd.exe for a batch file, node for an npm shim). */
  executable: string;
  /** argv[0] as the child sees it, then its arguments. */
  argv: string[];
  windowsVerbatimArguments: boolean;
  cwd: string;
  env: Record<string, string>;
  envChanges: EnvironmentChanges;
  mode: LaunchMode;
  modeReason: string;
  killAfterSeconds: number;
  /** Where killAfterSeconds comes from: --kill-after wins over the manifest's killAfter. */
  killAfterSource: 'command line' | 'manifest' | 'default';
  directories: Directories;
  /** The port `start` checks before launching (the connector's default when none is set). */
  port?: number;
  manifestFile?: string;
  /** The manifest's required `path` entries that do not exist (left off PATH; `start` refuses to run). */
  missingPathEntries: string[];
  /** Its optional entries that do not exist: left off PATH, logged at debug level only. */
  skippedOptionalPathEntries: string[];
  /** Runtime floors `start` checks before launching. */
  requires: Requirements;
}

export interface PlanInput {
  commandLine: CommandLine & { command: LaunchCommand };
  env: Env;
  platform: PlatformFacts;
  cwd: string;
  shimPath: string;
  manifest?: LoadedManifest;
  fs: FileSystemView;
  /** Reads one env file (dotenv syntax); throws when it is missing. */
  readEnvFile(file: string): Record<string, string>;
}

/**
 * What every command of one invocation shares: the directories, the placeholders' values and the
 * child's final environment (inherited, files, `env`, then `path` in front of PATH). `doctor`
 * checks with this very environment, so that it sees what `start` will see.
 */
export interface LaunchContext {
  directories: Directories;
  placeholders: Partial<Record<Placeholder, string>>;
  env: Record<string, string>;
  envChanges: EnvironmentChanges;
  /** The manifest's required `path` entries that do not exist: left off PATH, a problem for start and doctor. */
  missingPathEntries: string[];
  /** Its optional entries that do not exist (or whose variable is unset): left off PATH without a word. */
  skippedOptionalPathEntries: string[];
  requires: Requirements;
  /** The manifest's killAfter, if it gives one. */
  killAfterSeconds?: number;
}

export type ContextInput = Omit<PlanInput, 'commandLine'> & { commandLine: CommandLine };

/** The manifest as it applies on the planned platform (its per-OS sections merged). */
const manifestFor = (input: Pick<PlanInput, 'manifest' | 'platform'>): LoadedManifest | undefined =>
  input.manifest && { ...input.manifest, manifest: manifestForPlatform(input.manifest.manifest, input.platform.platform) };

export function planContext(input: ContextInput): LaunchContext {
  const { commandLine: { options }, env, platform, fs } = input;
  const manifest = manifestFor(input);
  const path = pathFor(platform.family);
  const directories = resolveDirectories({ options, env, platform, cwd: input.cwd, shimPath: input.shimPath });
  const placeholders: Partial<Record<Placeholder, string>> = {
    connectorDir: directories.connectorDir,
    pluginDir: directories.pluginDir,
    contextDir: directories.contextDir,
    configurationDir: directories.configurationDir,
    shimDir: directories.shimDir,
    port: String(directories.port ?? DEFAULT_CONNECTOR_PORT),
  };
  // `{env:NAME}` reads the shim's own environment (not env files: their names may use placeholders too).
  const readVariable = (name: string) => env[envKey(platform.family, env, name)];
  const expand = (text: string, jsonPath: string) => expandPlaceholders(text, placeholders, `manifest ${manifest!.file}: ${jsonPath}`, readVariable);

  const envFileValues: Record<string, string>[] = [];
  for (const name of options.envFiles) envFileValues.push(input.readEnvFile(path.resolve(input.cwd, name)));
  for (const [index, name] of (manifest?.manifest.envFiles ?? []).entries()) {
    envFileValues.push(input.readEnvFile(path.resolve(manifest!.dir, expand(name, `$.envFiles[${index}]`))));
  }
  // The manifest's env, split by what each entry does (see EnvEntry); null-prototype maps throughout.
  const forced = emptyEnv();
  const manifestDefaults = emptyEnv();
  const joins: EnvironmentJoin[] = [];
  for (const [name, entry] of Object.entries(manifest?.manifest.env ?? {})) {
    // A plain string is a lone `default`: its JSON path is the variable's own.
    const where = (key: keyof EnvEntry) => (key === 'default' && Object.keys(entry).length === 1 ? `$.env.${name}` : `$.env.${name}.${key}`);
    const part = (key: keyof EnvEntry) => (entry[key] === undefined ? undefined : expand(entry[key], where(key)));
    const set = part('set');
    const fill = part('default');
    if (set !== undefined) forced[name] = set;
    if (fill !== undefined) manifestDefaults[name] = fill;
    if (entry.prepend !== undefined || entry.append !== undefined) joins.push({ name, prepend: part('prepend'), append: part('append') });
  }
  const { env: childEnv, changes } = buildChildEnvironment(platform.family, {
    inherited: env,
    forced,
    overrides: {
      HASURA_CONFIGURATION_DIRECTORY: directories.configurationDir,
      HASURA_CONNECTOR_PORT: options.port === undefined ? undefined : String(options.port),
    },
    defaults: [...envFileValues, manifestDefaults, draftOtelDefaults(platform.family, env)],
    joins,
  });

  // `path` goes in front of the final PATH (whatever layer set it), so the child and the lookup of
  // bare command names below both see it. Relative entries are taken from the manifest's directory.
  // A missing entry is left off PATH: a problem for start and doctor unless the manifest marks it
  // optional (then it is only listed in the plan), so that nothing falls back silently.
  const missingPathEntries: string[] = [];
  const skippedOptionalPathEntries: string[] = [];
  const present: string[] = [];
  for (const [index, entry] of (manifest?.manifest.path ?? []).entries()) {
    let dir: string;
    try {
      dir = path.resolve(manifest!.dir, expand(entry.dir, `$.path[${index}]`));
    } catch (error) {
      // An optional entry whose variable is unset is simply not there.
      if (entry.optional && error instanceof ShimError) {
        skippedOptionalPathEntries.push(entry.dir);
        continue;
      }
      throw error;
    }
    if (fs.kind(dir) === 'directory') present.push(dir);
    else (entry.optional ? skippedOptionalPathEntries : missingPathEntries).push(dir);
  }
  if (present.length > 0) {
    const key = envKey(platform.family, childEnv, 'PATH');
    const value = [...present, ...(childEnv[key] ? [childEnv[key]] : [])].join(pathListDelimiter(platform.family));
    childEnv[key] = value;
    changes.set[key] = value;
  }
  return {
    directories, placeholders, env: childEnv, envChanges: changes, missingPathEntries, skippedOptionalPathEntries,
    requires: manifest?.manifest.requires ?? {}, killAfterSeconds: manifest?.manifest.killAfter,
  };
}

export function planLaunch(input: PlanInput): LaunchPlan {
  const { commandLine, platform, fs } = input;
  const { command } = commandLine;
  const context = planContext(input);
  const { directories, env } = context;

  // Executables are looked up on the child's PATH: the one that `path` and env files shaped.
  const { words, baseDir } = commandWords(input, context.placeholders);
  const file = findWithPathHint(context, hasPathSeparator(platform.family, words[0]), () => findExecutable({ command: words[0], baseDir, env, platform, fs }));
  const launch = launchFor(file, words.slice(1), { env, platform, fs });

  const usesContextAsCwd = (command === 'start' || command === 'watch') && directories.contextDir !== undefined;
  const { mode, reason } = chooseMode(commandLine, platform);
  return {
    command,
    executable: launch.executable,
    argv: [launch.executable === file ? words[0] : launch.executable, ...launch.args],
    windowsVerbatimArguments: launch.windowsVerbatimArguments,
    cwd: usesContextAsCwd ? directories.contextDir! : input.cwd,
    env,
    envChanges: context.envChanges,
    mode,
    modeReason: reason,
    killAfterSeconds: commandLine.options.killAfter ?? context.killAfterSeconds ?? DEFAULT_KILL_AFTER_SECONDS,
    killAfterSource: commandLine.options.killAfter !== undefined ? 'command line' : context.killAfterSeconds !== undefined ? 'manifest' : 'default',
    directories,
    port: command === 'start' ? (directories.port ?? DEFAULT_CONNECTOR_PORT) : undefined,
    manifestFile: input.manifest?.file,
    missingPathEntries: context.missingPathEntries,
    skippedOptionalPathEntries: context.skippedOptionalPathEntries,
    requires: context.requires,
  };
}

/** A bare name not found while a `path` entry is missing: most likely it lives there (node_modules/.bin before `npm ci`). */
function findWithPathHint(context: LaunchContext, isPath: boolean, find: () => string): string {
  try {
    return find();
  } catch (error) {
    const missing = context.missingPathEntries;
    if (isPath || !(error instanceof ShimError) || error.exitCode !== ExitCode.notFound || missing.length === 0) throw error;
    const which = missing.length === 1 ? `path entry ${missing[0]} does not exist` : `path entries ${missing.join(', ')} do not exist`;
    throw new ShimError(`${error.message} (the manifest's ${which})`, error.exitCode, missingPathEntry(missing[0]).fix);
  }
}

/** The command's words: the manifest's (placeholders expanded) plus the extra arguments, or the ones given by hand. */
function commandWords(input: PlanInput, placeholders: Partial<Record<Placeholder, string>>): { words: string[]; baseDir: string } {
  const { commandLine: { command, options, extraArgs }, env, platform } = input;
  const manifest = manifestFor(input);
  const readVariable = (name: string) => env[envKey(platform.family, env, name)];
  const fromManifest = manifest?.manifest.commands[command];
  if (fromManifest) {
    const expanded = fromManifest.map((word, index) =>
      expandPlaceholders(word, placeholders, `manifest ${manifest!.file}: $.commands.${command}[${index}]`, readVariable));
    return { words: [...expanded, ...input.commandLine.extraArgs], baseDir: manifest!.dir };
  }
  if (command === 'start') {
    if (extraArgs.length === 0 || extraArgs[0] === '') {
      throw configError(manifest ? `manifest ${manifest.file} has no start command` : 'no manifest found and no connector given',
        'pass the connector after `--` (ndc-shim start -- ./my-connector serve) or name a manifest with --manifest');
    }
    return { words: [...extraArgs], baseDir: input.cwd };
  }
  if (options.plugin && command !== 'watch') {
    const subcommand = command === 'cli' ? [] : [command];
    return { words: [options.plugin, ...subcommand, ...extraArgs], baseDir: input.cwd };
  }
  if (manifest) {
    throw configError(`manifest ${manifest.file} defines no ${command} command`,
      command === 'watch' ? 'this connector has no watch mode' : `add "${command}" to its commands, or name the plugin with --plugin`);
  }
  throw configError(`no manifest found and no plugin given for ${command}`,
    'name the plugin executable with --plugin, or the manifest with --manifest / NDC_SHIM_MANIFEST');
}

function chooseMode(commandLine: CommandLine, platform: PlatformFacts): { mode: LaunchMode; reason: string } {
  if (platform.family === 'windows') return { mode: 'supervise', reason: 'Windows has no exec: the shim supervises the child' };
  if (commandLine.options.noExec) return { mode: 'supervise', reason: '--no-exec' };
  if (platform.isPid1) return { mode: 'supervise', reason: 'the shim is PID 1, where the kernel ignores default-action signals: it hands the connector to the embedded init (tini), which forwards signals and reaps orphans, or supervises it itself where it cannot' };
  if (!platform.execAvailable) return { mode: 'supervise', reason: 'this Node runtime has no process.execve (needs >= 22.15)' };
  return { mode: 'exec', reason: 'the shim replaces itself with the child (same PID)' };
}

