// node scripts/code-cache.cjs <wrapped launch script> <cache file>
// Run by scripts/build.mjs with the very Node binary an executable embeds (V8 accepts a code cache
// only from its own version and flags). Compiles the launch script as src/embedded.ts does, runs
// it along `start`'s silent path up to the exec, and writes V8's code cache at that moment: it then
// holds every function a launch calls, not only the top level that Node's own SEA cache holds.
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');

const [scriptFile, cacheFile] = process.argv.slice(2).map((file) => path.resolve(file));
const name = path.basename(scriptFile);
const script = new vm.Script(fs.readFileSync(scriptFile, 'utf8'), { filename: name });
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ndc-shim-code-cache-'));

const server = net.createServer().listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  server.close(() => {
    process.env = { PATH: process.env.PATH, HASURA_DDN_NATIVE_CONNECTOR_DIR: work, HASURA_PLUGIN_CONNECTOR_CONTEXT_PATH: work, HASURA_CONNECTOR_PORT: String(port) };
    process.argv = [process.execPath, __filename, 'start', '--', process.execPath, '--version'];
    // The launch ends in process.execve: that is where its work is done and the cache is complete.
    process.execve = () => {
      fs.writeFileSync(cacheFile, script.createCachedData());
      process.exit(0);
    };
    process.on('exit', (code) => {
      fs.rmSync(work, { recursive: true, force: true });
      if (!fs.existsSync(cacheFile)) {
        console.error(`the launch script did not reach its exec (exit ${code}): no code cache`);
        process.exitCode = 1;
      }
    });
    const module = { exports: {} };
    script.runInThisContext()(module.exports, require, module, name, '.');
  });
});
