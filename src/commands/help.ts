/** `--help` and `--version`: printed to stdout, because the user asked for them. */

declare const __NDC_SHIM_VERSION__: string | undefined;

export function shimVersion(): string {
  if (typeof __NDC_SHIM_VERSION__ === 'string') return __NDC_SHIM_VERSION__;
  return (require('../../package.json') as { version: string }).version;
}

export const HELP_TEXT = `ndc-shim: launches a Hasura NDC connector's native commands with correct signals,
exit codes, environment and arguments, the same way on Linux, macOS and Windows.

Usage:
  ndc-shim [options] start   [-- extra connector args]   (alias: serve)
  ndc-shim [options] update  [-- extra plugin args]
  ndc-shim [options] upgrade [-- extra plugin args]      (upgradeConfiguration)
  ndc-shim [options] watch   [-- extra args]             (only if the manifest defines it)
  ndc-shim [options] cli     <plugin args, passed verbatim>
  ndc-shim [options] doctor  [--json]
  ndc-shim [options] metadata [--check FILE]
  ndc-shim [options] health  [--wait SECONDS]
  ndc-shim package --manifest FILE --from DIR --shims DIR --out DIR [--version V]
                   [--base-uri URL] [--platforms linux-amd64,...] [--metadata FILE] [--allow KIND]
  ndc-shim init    [--from DIR]
  ndc-shim --help | --version

Options (before or after the command, never after \`cli\`; a first \`--\` is ignored):
  --manifest FILE        the manifest (env NDC_SHIM_MANIFEST; default: ndc-shim.json beside the shim)
  --connector-dir DIR    default: HASURA_DDN_NATIVE_CONNECTOR_DIR, else the shim's directory
  --plugin-dir DIR       default: HASURA_DDN_NATIVE_CONNECTOR_PLUGIN_DIR, else the connector dir
  --context DIR          default: HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH
  --configuration DIR    HASURA_CONFIGURATION_DIRECTORY for the child (default: the context dir)
  --port N               HASURA_CONNECTOR_PORT for the child
  --env-file FILE        load variables that are not already set (repeatable; alias --dotenv)
  --log-level LEVEL      fatal, error, warn, info, debug, trace, silent (env NDC_SHIM_LOG_LEVEL)
  --log-format FORMAT    pretty (default) or json
  --no-exec              supervise the child instead of replacing the shim with it
  --kill-after SECONDS   SIGKILL the child this long after a forwarded SIGTERM/SIGINT (default: the manifest's killAfter, else 10; 0 = never)
  --plugin EXECUTABLE    the plugin for update/upgrade/cli when there is no manifest
  --dry-run              print the launch plan (environment values hidden) and run nothing
  --show-values          print environment values and secrets as they are (at a terminal only)

Exit codes: the child's own; 128+N when it died by signal N; 2 bad command line;
78 bad manifest or configuration; 126 not executable; 127 not found; 1 other failures.
`;
