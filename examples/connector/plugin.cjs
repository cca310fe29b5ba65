#!/usr/bin/env node
// The example CLI plugin. `update` re-reads the configuration and records the collections it found
// (as an introspecting plugin would); `upgrade` reports that nothing needs upgrading; any other
// arguments are echoed as JSON on stdout, which is how the tests see exactly what arrived.
const fs = require('node:fs');
const path = require('node:path');

const [command, ...rest] = process.argv.slice(2);
const context = process.env.HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH;
if (command === 'update' || command === 'upgrade') {
  if (!context) {
    console.error('HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH is not set');
    process.exit(1);
  }
  const file = path.join(context, 'config.json');
  const configuration = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (command === 'update') {
    configuration.introspected = Object.keys(configuration.collections).sort();
    fs.writeFileSync(file, `${JSON.stringify(configuration, null, 2)}\n`);
  }
  process.stdout.write(`${JSON.stringify({ command, file, collections: Object.keys(configuration.collections).length, args: rest })}\n`);
} else {
  process.stdout.write(`${JSON.stringify({ args: process.argv.slice(2) })}\n`);
}
