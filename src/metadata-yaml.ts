/** The nativeToolchainDefinition block of connector-metadata.yaml: a leaf that `metadata`, its --check and packaging share. */
import { LAUNCH_COMMANDS, type LaunchCommand } from './cli';

/** The connector-metadata.yaml key for each manifest command. */
export const METADATA_KEYS: Record<LaunchCommand, string> = {
  start: 'start', update: 'update', upgrade: 'upgradeConfiguration', watch: 'watch', cli: 'cliPluginEntrypoint',
};

/**
 * One-liners the DDN CLI runs with `bash -c` / `powershell -Command`. bash: `exec` leaves no bash
 * behind, and words the CLI appends become the shim's arguments. PowerShell: a script block whose
 * $args receive the appended words, splatted with @args (kept apart), then `exit $LASTEXITCODE`
 * so that the exit code survives `powershell -Command`. The exact lines of the SPEC: the
 * executables end their runtime's --env-file scan themselves (see scripts/pkg-sea.cjs).
 */
export function shellLines(command: LaunchCommand): { bash: string; powershell: string } {
  return {
    bash: `exec "$HASURA_DDN_NATIVE_CONNECTOR_DIR/ndc-shim" ${command}`,
    powershell: `& { & "$env:HASURA_DDN_NATIVE_CONNECTOR_DIR\\ndc-shim.exe" ${command} @args; exit $LASTEXITCODE }`,
  };
}

const yamlQuote = (text: string) => `'${text.replace(/'/g, "''")}'`;

export function metadataYaml(commands: readonly LaunchCommand[]): string {
  const lines = ['nativeToolchainDefinition:', '  commands:'];
  for (const command of LAUNCH_COMMANDS.filter((name) => commands.includes(name))) {
    const { bash, powershell } = shellLines(command);
    lines.push(`    ${METADATA_KEYS[command]}:`, '      type: ShellScript', `      bash: ${yamlQuote(bash)}`, `      powershell: ${yamlQuote(powershell)}`);
  }
  return `${lines.join('\n')}\n`;
}
