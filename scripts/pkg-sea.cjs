// Runs @yao-pkg/pkg's SEA baking for one target. Started by scripts/build.mjs with a Node 22 of the
// embedded version (pkg needs Node >= 22, and the blob must come from the same Node version).
// Its cache (HOME/.pkg-cache/sea) has been filled with the verified base binary beforehand.
const sea = require('@yao-pkg/pkg/lib-es5/sea.js');

(async () => {
  const job = JSON.parse(process.argv[2]);
  await sea.default(job.entry, {
    targets: [{ nodeRange: `node${job.nodeVersion}`, platform: job.platform, arch: job.arch, output: job.output }],
    // Never pkg's own signing: it uses codesign or ldid when one is on PATH, so the bytes would
    // depend on what the build machine has installed (scripts/build.mjs signs macOS executables).
    signature: false,
    // execArgvExtension none: NODE_OPTIONS is meant for a Node connector (a --require of its tracing, an
    // --inspect port), not for the shim, which passes it on untouched.
    // main: overrides pkg's absolute path of the entry, which the blob would record (see scripts/build.mjs).
    // execArgv --no-use-env-proxy: NODE_USE_ENV_PROXY (with HTTP(S)_PROXY) is the connector's too; the
    // runtime would otherwise route the shim's own requests (health) through the proxy and print
    // "[UNDICI-EHPA] Warning" on every command. --no-warnings: no runtime warning ever reaches the
    // user (nor NODE_REDIRECT_WARNINGS's file); the shim says what it has to say itself.
    // execArgv ['--']: Node scans its whole command line, up to a `--`, for --env-file forms and loads
    // (or, missing, exits 9 on) those files before any of our code runs; the embedded `--` comes before
    // every user argument, so `ndc-shim cli --env-file x` reaches the plugin verbatim and the shim's
    // own --env-file is its own.
    seaConfig: { ...(job.seaMain ? { main: job.seaMain } : {}), disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: job.useCodeCache, execArgvExtension: 'none', execArgv: ['--no-use-env-proxy', '--no-warnings', '--'], assets: job.assets ?? {} },
  });
})().catch((error) => {
  console.error(String(error && error.message ? error.message : error).split('\n')[0]);
  process.exit(1);
});
