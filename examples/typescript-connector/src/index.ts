// An NDC connector in TypeScript, shipped the way Hasura's TypeScript connectors are: sources plus
// node_modules, started by ts-node from the connector's own node_modules/.bin (the manifest puts
// that directory on PATH). Serves the functions of configuration/functions.json as read-only
// collections of one row each. Like every connector built on @hasura/ndc-sdk-typescript, it
// installs no signal handler: SIGTERM and Ctrl+C end it by their default action.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as sdk from '@hasura/ndc-sdk-typescript';

interface Configuration {
  greeting: string;
  names: string[];
}

const connector: sdk.Connector<Configuration, Record<string, never>> = {
  async parseConfiguration(configurationDir: string): Promise<Configuration> {
    const file = path.join(configurationDir, 'configuration.json');
    try {
      const configuration = JSON.parse(fs.readFileSync(file, 'utf8')) as Configuration;
      if (typeof configuration.greeting !== 'string' || !Array.isArray(configuration.names)) {
        throw new Error(`${file}: expected "greeting" (a string) and "names" (an array)`);
      }
      return configuration;
    } catch (error) {
      // sdk.start() reports a startup error but exits 0; a failed start must not look like success.
      process.exitCode = 1;
      throw error;
    }
  },
  async tryInitState() {
    return {};
  },
  async fetchMetrics() {
    return undefined;
  },
  getCapabilities(): sdk.Capabilities {
    return { query: { variables: {} }, mutation: {} };
  },
  async getSchema(): Promise<sdk.SchemaResponse> {
    return {
      scalar_types: { String: { representation: { type: 'string' }, aggregate_functions: {}, comparison_operators: {} } },
      object_types: { greeting: { description: 'One greeting per configured name', fields: { name: { type: { type: 'named', name: 'String' } }, text: { type: { type: 'named', name: 'String' } } }, foreign_keys: {} } },
      collections: [{ name: 'greetings', arguments: {}, type: 'greeting', uniqueness_constraints: {} }],
      functions: [],
      procedures: [],
    };
  },
  async queryExplain(): Promise<sdk.ExplainResponse> {
    throw new sdk.NotSupported('explain is not supported');
  },
  async mutationExplain(): Promise<sdk.ExplainResponse> {
    throw new sdk.NotSupported('explain is not supported');
  },
  async mutation(): Promise<sdk.MutationResponse> {
    throw new sdk.NotSupported('this example is read-only');
  },
  async query(configuration, _state, request): Promise<sdk.QueryResponse> {
    if (request.collection !== 'greetings') throw new sdk.UnprocessableContent(`unknown collection ${request.collection}`);
    const rows = configuration.names.map((name) => ({ name, text: `${configuration.greeting}, ${name}!` }));
    const fields = request.query.fields ?? {};
    const project = (row: Record<string, string>) =>
      Object.fromEntries(Object.entries(fields).map(([alias, field]) => [alias, field.type === 'column' ? row[field.column] ?? null : null]));
    return (request.variables ?? [{}]).map(() => ({ rows: rows.map(project) }));
  },
};

sdk.start(connector);
