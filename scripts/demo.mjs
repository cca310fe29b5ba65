// npm run demo: builds this machine's executable if needed, then starts the example connector
// (examples/connector, built on @hasura/ndc-sdk-typescript) through it on port 8080 (PORT to change),
// the way the DDN CLI would: HASURA_DDN_NATIVE_CONNECTOR_DIR, HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureFreshExecutables } from './build.mjs';
import { hostTarget, root } from './node-binaries.mjs';

const [shim] = await ensureFreshExecutables([hostTarget()]);
const port = process.env.PORT ?? '8080';
const connectorDir = join(root, 'examples', 'connector');
const base = `http://127.0.0.1:${port}`;
console.log(`
Starting the example connector through ${shim}
  connector dir: ${connectorDir}   configuration: ${join(connectorDir, 'configuration')}   port: ${port}

Try, from another terminal:
  curl ${base}/health
  curl ${base}/schema
  curl -X POST ${base}/query -H 'content-type: application/json' \\
    -d '{"collection":"fruits","query":{"fields":{"name":{"type":"column","column":"name"}},"limit":2},"arguments":{},"collection_relationships":{}}'
  ${shim} --port ${port} health
  ${shim} --manifest ${join(connectorDir, 'ndc-shim.json')} metadata
Stop it with Ctrl+C: the connector gets SIGINT directly (the shim has exec'd into it).
`);
const child = spawn(shim, ['--manifest', join(connectorDir, 'ndc-shim.json'), 'start'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    HASURA_DDN_NATIVE_CONNECTOR_DIR: connectorDir,
    HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: join(connectorDir, 'configuration'),
    HASURA_CONNECTOR_PORT: port,
  },
});
// Ctrl+C reaches the connector from the terminal; this script only waits and passes its status on.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? 128 + ({ SIGINT: 2, SIGTERM: 15 }[signal] ?? 1)));
