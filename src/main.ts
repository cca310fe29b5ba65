/** Entry point: parse, pick the command, report any failure as one line with its exit code. */
import { isLaunchCommand, parseCommandLine, parseLogLevel, requestedLogFormat, type CommandLine, type LogLevel } from './cli';
import { codeCacheState } from './embedded';
import { describeError, usageError } from './errors';
import { endByBrokenPipe, isBrokenPipe, writeErrorLine, writeOut } from './output';
import { HELP_TEXT, shimVersion } from './commands/help';
import { createLogger, type Logger, type LoggerSettings } from './logging';
import { readEnv } from './platform';
import { revealValues } from './redaction';
import { guardStdio } from './stdio';
import { INIT_CHILD_ARG } from './launch/init-exec';
import { EXEC_HELPER_ARG, runExecHelper } from './launch/exec-helper';
import { currentRuntime, type Runtime } from './runtime';

function loggerSettings(commandLine: CommandLine | undefined, runtime: Runtime): LoggerSettings {
  const read = (name: string) => readEnv(runtime.facts.family, process.env, name);
  let level: LogLevel = 'info';
  const fromShim = commandLine?.options.logLevel ?? read('NDC_SHIM_LOG_LEVEL');
  if (fromShim) level = parseLogLevel(fromShim, commandLine?.options.logLevel ? '--log-level' : 'NDC_SHIM_LOG_LEVEL');
  else {
    // The CLI's level for its plugins, used only when it is one the shim knows.
    const fromCli = read('HASURA_PLUGIN_LOG_LEVEL');
    try {
      if (fromCli) level = parseLogLevel(fromCli, 'HASURA_PLUGIN_LOG_LEVEL');
    } catch { /* not a level name: keep info */ }
  }
  return {
    level,
    format: commandLine?.options.logFormat ?? 'pretty',
    // Only `start` (like a connector) prints information on stdout; elsewhere stdout is the child's or the answer's.
    infoFd: commandLine?.command === 'start' ? 1 : 2,
  };
}

let logger: Logger | undefined;

/**
 * Whatever escapes (an exception in a callback, a rejected promise, an 'error' event nobody
 * listens to) ends the shim with one line and exit 1, never a stack trace; a closed pipe quietly.
 */
function lastResort(error: unknown): never {
  if (isBrokenPipe(error)) endByBrokenPipe();
  const { line, exitCode } = describeError(error);
  try {
    if (!logger) throw error;
    logger.error(line);
  } catch (failed) {
    if (isBrokenPipe(failed)) endByBrokenPipe();
    writeErrorLine(`ERROR (ndc-shim): ${line}`);
  }
  process.exit(exitCode);
}

/**
 * `--show-values`: for a person debugging at a terminal. Refused when stdout or stderr is anything
 * else (a pipe, a file, a CI log), where secrets would be kept.
 */
function showValues(): void {
  const { isatty } = require('node:tty') as typeof import('node:tty');
  if (!isatty(1) || !isatty(2)) {
    throw usageError('--show-values prints environment values and secrets as they are, so it works only when stdout and stderr are a terminal',
      'run the command at a terminal, without redirecting its output, or leave --show-values out');
  }
  revealValues();
}

async function main(): Promise<void> {
  // The supervisor's own exec helper (see launch/exec-helper.ts): before anything touches stdio.
  if (process.argv[2] === EXEC_HELPER_ARG && process.argv.length === 3) runExecHelper();
  guardStdio(); // before anything can create process.stdout & co. (see stdio.ts)
  process.on('uncaughtException', lastResort);
  process.on('unhandledRejection', lastResort);
  const runtime = currentRuntime();
  // As PID 1, the init runs the shim again to exec the connector (see launch/init-exec.ts).
  if (runtime.args[0] === INIT_CHILD_ARG) (require('./launch/init-exec') as typeof import('./launch/init-exec')).execInitChild(runtime.args.slice(1));
  // Until the command line is judged: a usage error comes out in the format it asks for.
  logger = createLogger({ level: 'info', format: requestedLogFormat(runtime.args) ?? 'pretty', infoFd: 2 });
  try {
    const commandLine = parseCommandLine(runtime.args);
    logger = createLogger(loggerSettings(commandLine, runtime));
    if (commandLine.options.showValues) showValues();
    if (logger.isEnabled('debug')) logger.debug(`launch script code cache: ${codeCacheState()}`);
    const { command } = commandLine;
    if (command === 'help') writeOut(HELP_TEXT);
    else if (command === 'version') writeOut(`ndc-shim ${shimVersion()}\n`);
    else if (isLaunchCommand(command)) {
      // Each path loads only the modules it uses: start-up time is the shim's main cost.
      const { runLaunchCommand } = require('./commands/launch') as typeof import('./commands/launch');
      await runLaunchCommand({ ...commandLine, command }, runtime, logger);
    }
    else if (command === 'package' || command === 'init') {
      const { runPackagingCommand } = require('./commands/packaging-commands') as typeof import('./commands/packaging-commands');
      process.exitCode = await runPackagingCommand({ ...commandLine, command }, logger);
    }
    else {
      const { runToolCommand } = require('./commands/tools') as typeof import('./commands/tools');
      process.exitCode = await runToolCommand({ ...commandLine, command }, runtime, logger);
    }
  } catch (error) {
    if (isBrokenPipe(error)) endByBrokenPipe();
    const { line, exitCode } = describeError(error);
    logger.error(line);
    process.exitCode = exitCode;
  }
}

void main();
