/**
 * Runtime floors (the manifest's `requires`): finds node, python and java the way the child will
 * (its final environment and PATH, the same lookup as the launch), reads each one's version and
 * compares it with the floor. Costs a process per runtime, so it runs only when `requires` is set.
 */
import { redact } from '../redaction';
import { ExitCode } from '../errors';
import { pathFor, pythonCommands, readEnv, type PlatformFacts } from '../platform';
import type { ProcessLaunch } from '../process-launch';
import { DanglingLinkError, findExecutable, launchFor, type FileSystemView } from '../resolution';
import { checkVersionRange, parseRuntimeVersion, parseVersionFloor, parseVersionRange, type Requirements, type RuntimeName } from '../versions';
import { runtimeThatRuns } from './interpreter';
import type { CheckResult } from './result';

const VERSION_ARGS: Record<RuntimeName, string[]> = { node: ['--version'], python: ['--version'], java: ['-version'] };

/** How to get a runtime the range accepts: "X or later" for a pure floor, the range itself otherwise. */
function installHint(runtime: RuntimeName, range: string): string {
  const floor = parseVersionFloor(range);
  const version = floor ? `${floor.join('.')} or later` : `matching ${range}`;
  switch (runtime) {
    case 'node': return `install Node.js ${version} (https://nodejs.org) and put it first on PATH, or add its directory to the manifest's "path"`;
    case 'python': return `install Python ${version} (https://www.python.org/downloads/; on Windows not the Microsoft Store alias) and put it first on PATH, or add its directory to the manifest's "path"`;
    case 'java': return `install a Java ${version} runtime (JDK or JRE) and set JAVA_HOME to it, or put its bin directory first on PATH`;
  }
}

/** What running a runtime's version command gave: its output, or why it could not run. */
export type VersionOutput = { output: string; status: number | null } | { error: string };
export type VersionReader = (launch: ProcessLaunch, env: Record<string, string>) => VersionOutput;

export interface RuntimeLookup {
  /** The child's final environment: its PATH, JAVA_HOME and the rest. */
  env: Record<string, string>;
  platform: PlatformFacts;
  fs: FileSystemView;
  readVersion: VersionReader;
  /** The file the start command runs: when it is (or its #! line names) a runtime of `requires`, that one is checked. */
  runs?: string;
}

interface Candidate {
  /** As a message names it: `node`, `py -3`, `JAVA_HOME`. */
  label: string;
  command: string;
  args: string[];
  /** Already resolved (JAVA_HOME's java). */
  file?: string;
}

function candidatesFor(runtime: RuntimeName, lookup: RuntimeLookup): Candidate[] {
  if (runtime === 'python') return pythonCommands(lookup.platform.family).map(({ command, args }) => ({ label: [command, ...args].join(' '), command, args }));
  return [{ label: runtime, command: runtime, args: [] }];
}

/**
 * The line that says why a runtime printed no version, for the message. A JVM first echoes
 * JAVA_TOOL_OPTIONS ("Picked up ..."), which may hold a password: such lines are never shown.
 */
const firstLine = (text: string) =>
  redact(text.split(/\r?\n/).map((line) => line.trim()).find((line) => line && !/^Picked up /.test(line))?.slice(0, 120) ?? '');

/**
 * One check per required runtime. The first candidate that is found and answers with a version is
 * the one the child gets; it passes when that version meets the floor.
 */
export function checkRuntimes(requires: Requirements, lookup: RuntimeLookup): CheckResult[] {
  return (Object.entries(requires) as [RuntimeName, string][]).map(([runtime, floor]) => checkRuntime(runtime, floor, lookup));
}

function checkRuntime(runtime: RuntimeName, floor: string, lookup: RuntimeLookup): CheckResult {
  const name = `runtime ${runtime}`;
  const range = parseVersionRange(floor) ?? [];
  const fix = installHint(runtime, floor);
  const problem = (detail: string, fixText = fix): CheckResult => ({ name, ok: false, detail, fix: fixText, exitCode: ExitCode.failure });
  const needs = `this connector needs ${runtime} ${floor}`;

  /** The verdict on one runtime file, or why it is unusable (it printed no version). */
  const judge = (file: string, args: string[], where: string): CheckResult | string => {
    const result = lookup.readVersion(launchFor(file, [...args, ...VERSION_ARGS[runtime]], lookup), lookup.env);
    const version = 'output' in result ? parseRuntimeVersion(runtime, result.output) : undefined;
    if (!version) {
      const why = 'error' in result ? result.error : `exit ${result.status}${firstLine(result.output) ? `: ${firstLine(result.output)}` : ', no output'}`;
      return `${where} printed no ${runtime} version (${why})`;
    }
    const verdict = checkVersionRange(version.parts, range);
    if (verdict !== 'ok') return problem(`${runtime} ${version.text} at ${where} is ${verdict}: ${needs}`);
    return { name, ok: true, detail: `${runtime} ${version.text} at ${where} (needs ${floor})` };
  };

  // The interpreter that runs is the one checked: the start command's own runtime, when it has one.
  const own = lookup.runs === undefined ? undefined : runtimeThatRuns(runtime, lookup.runs, lookup);
  if (own) {
    // Where to put a better one is not PATH here: the command (or its #! line) names this very file.
    const ownFix = `${fix.replace(/ and put it first on PATH.*$| and set JAVA_HOME.*$/, '')}, then point ${own.via} at it (a virtualenv: recreate it with that ${runtime})`;
    const verdict = judge(own.file, [], own.file);
    if (typeof verdict === 'string') return problem(`${needs}, but ${verdict}`, ownFix);
    return verdict.ok ? verdict : { ...verdict, fix: ownFix };
  }

  // Java: JAVA_HOME, when set, is what JVM launchers use first; a JAVA_HOME without a java is a broken set-up.
  const javaHome = runtime === 'java' ? readEnv(lookup.platform.family, lookup.env, 'JAVA_HOME') : undefined;
  const candidates: Candidate[] = [];
  if (javaHome !== undefined) {
    const file = pathFor(lookup.platform.family).join(javaHome, 'bin', 'java');
    try {
      candidates.push({ label: 'JAVA_HOME', command: file, args: [], file: findExecutable({ command: file, baseDir: javaHome, ...lookup }) });
    } catch {
      return problem(`${needs}, but JAVA_HOME is ${javaHome} and ${file} does not exist or is not executable`,
        `point JAVA_HOME at a Java ${parseVersionFloor(floor) ? `${floor.replace(/^>=\s*/, '')} or later` : `(${floor})`} installation (the directory holding bin/java), or unset it to use the java on PATH`);
    }
  }
  const unusable: string[] = [];
  const tried: string[] = [];
  for (const candidate of javaHome !== undefined ? candidates : candidatesFor(runtime, lookup)) {
    tried.push(candidate.label);
    let file = candidate.file;
    if (!file) {
      try {
        file = findExecutable({ command: candidate.command, baseDir: '/', ...lookup });
      } catch (error) {
        if ((error as { exitCode?: number }).exitCode === ExitCode.notExecutable || error instanceof DanglingLinkError) unusable.push(`${candidate.label}: ${(error as Error).message}`);
        continue;
      }
    }
    const where = `${file}${candidate.label === 'JAVA_HOME' ? ' (JAVA_HOME)' : candidate.args.length ? ` (${candidate.label})` : ''}`;
    const verdict = judge(file, candidate.args, where);
    // A stand-in that does not answer (the Windows Store's python alias exits 9009): try the next one.
    if (typeof verdict === 'string') {
      unusable.push(verdict);
      continue;
    }
    return verdict;
  }
  const notFound = `no ${tried.join(' or ')} was found on PATH`;
  return problem(unusable.length ? `${needs}, but ${unusable.join('; ')}` : `${needs}, but ${notFound}`);
}

/** Runs a version command with the child's environment, bounded in time, never through a shell. */
export function readVersionBySpawning(launch: ProcessLaunch, env: Record<string, string>): VersionOutput {
  // Loaded here: only a manifest with `requires` pays for child_process.
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const result = spawnSync(launch.executable, launch.args, {
    env, encoding: 'utf8', timeout: VERSION_TIMEOUT_MS, killSignal: 'SIGKILL', stdio: ['ignore', 'pipe', 'pipe'],
    windowsVerbatimArguments: launch.windowsVerbatimArguments, windowsHide: true, maxBuffer: 1024 * 1024,
  });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    return { error: code === 'ETIMEDOUT' ? `no answer within ${VERSION_TIMEOUT_MS / 1000} s` : code ?? result.error.message };
  }
  return { output: `${result.stdout ?? ''}\n${result.stderr ?? ''}`, status: result.status };
}

/** A JVM's first start can be slow on a cold disk; a hung runtime must not hang `start`. */
const VERSION_TIMEOUT_MS = 15000;
