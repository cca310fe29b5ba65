#!/usr/bin/env node
// The example NDC connector: serves the collections of configuration/config.json (read-only),
// built on @hasura/ndc-sdk-typescript. Like every connector built on that SDK it installs no
// signal handler of its own: it relies on its launcher to deliver SIGTERM to it.
const fs = require('node:fs');
const path = require('node:path');
const sdk = require('@hasura/ndc-sdk-typescript');

const columnTypes = { id: 'Int', name: 'String', color: 'String' };

const connector = {
  async parseConfiguration(configurationDir) {
    try {
      const file = path.join(configurationDir, 'config.json');
      const configuration = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (!configuration.collections || typeof configuration.collections !== 'object') {
        throw new Error(`${file}: expected an object "collections"`);
      }
      return configuration;
    } catch (error) {
      // sdk.start() prints startup errors but exits with 0, which looks like success to the
      // DDN CLI; a failed startup must end with a non-zero status (packaging RFC).
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
  getCapabilities() {
    return { query: { variables: {} }, mutation: {} };
  },
  async getSchema(configuration) {
    const rowType = {
      description: 'A row of the example data',
      fields: Object.fromEntries(Object.entries(columnTypes).map(([name, type]) => [name, { type: { type: 'named', name: type } }])),
      foreign_keys: {},
    };
    return {
      scalar_types: {
        Int: { representation: { type: 'int32' }, aggregate_functions: {}, comparison_operators: {} },
        String: { representation: { type: 'string' }, aggregate_functions: {}, comparison_operators: {} },
      },
      object_types: { row: rowType },
      collections: Object.keys(configuration.collections).map((name) => ({
        name, arguments: {}, type: 'row', uniqueness_constraints: { [`${name}_by_id`]: { unique_columns: ['id'] } },
      })),
      functions: [],
      procedures: [],
    };
  },
  async queryExplain() {
    throw new sdk.NotSupported('explain is not supported');
  },
  async mutationExplain() {
    throw new sdk.NotSupported('explain is not supported');
  },
  async mutation() {
    throw new sdk.NotSupported('this example is read-only');
  },
  async query(configuration, _state, request) {
    const rows = configuration.collections[request.collection];
    if (!rows) throw new sdk.UnprocessableContent(`unknown collection ${request.collection}`);
    const { fields = {}, offset = 0, limit } = request.query;
    const window = rows.slice(offset ?? 0, limit == null ? undefined : (offset ?? 0) + limit);
    const project = (row) => Object.fromEntries(Object.entries(fields).map(([alias, field]) => [alias, row[field.column] ?? null]));
    return (request.variables ?? [{}]).map(() => ({ rows: window.map(project) }));
  },
};

sdk.start(connector);
