/** `package` and `init`: the commands that write a connector's files, with their own options. */
import type { CommandLine } from '../cli';
import type { Logger } from '../logging';
import { writeOut } from '../output';
import { PACKAGE_USAGE, parsePackageArgs, runPackage } from './package';
import { INIT_USAGE, parseInitArgs, runInit } from './init';

export async function runPackagingCommand(commandLine: CommandLine & { command: 'package' | 'init' }, logger: Logger): Promise<number> {
  if (commandLine.command === 'package') {
    const options = parsePackageArgs(commandLine.extraArgs, commandLine.options.manifest);
    if (options === 'help') {
      writeOut(`usage: ${PACKAGE_USAGE}\n`);
      return 0;
    }
    return runPackage(options, logger);
  }
  const options = parseInitArgs(commandLine.extraArgs);
  if (options === 'help') {
    writeOut(`usage: ${INIT_USAGE}\n`);
    return 0;
  }
  return runInit(options);
}
