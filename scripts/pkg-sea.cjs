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
    // execArgv ['--']: Node scans its whole command line, up to a `--`, for --env-file forms and loads
    // (or, missing, exits 9 on) those files before any of our code runs; the embedded `--` comes before
    // every user argument, so `ndc-shim cli --env-file x` reaches the plugin verbatim and the shim's
    // own --env-file is its own. Invisible to the shim (process.execArgv stays empty).
    seaConfig: { ...(job.seaMain ? { main: job.seaMain } : {}), disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: job.useCodeCache, execArgvExtension: 'none', execArgv: ['--'], assets: job.assets ?? {} },
  });
})().catch((error) => {
  console.error(String(error && error.message ? error.message : error).split('\n')[0]);
  process.exit(1);
});
