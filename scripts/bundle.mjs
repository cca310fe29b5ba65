// Bundles the CLI into CommonJS for Node >= 20: dist/ndc-shim.cjs (the launch path) and
// dist/ndc-shim-extras.cjs (pino, pino-pretty, dotenv, signal-exit: only some paths use them, so
// they are kept out of the script parsed at every start). For the single executables, dist/sea/
// holds their main script (src/sea-main.ts) and the two bundles as embedded assets, each wrapped
// as a module function (src/embedded.ts runs them; scripts/code-cache.cjs compiles the same text).
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** File names, which are also the executables' asset keys (as src/embedded.ts reads them). */
export const LAUNCH_NAME = 'ndc-shim.cjs';
export const EXTRAS_NAME = 'ndc-shim-extras.cjs';
export const LAUNCH_CACHE_NAME = 'ndc-shim.cjs.code-cache';
export const SEA_DIR = join(root, 'dist', 'sea');

const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', minify: true, legalComments: 'none', logLevel: 'warning', metafile: true };

/** Leaves `./extras` out of the main bundle: src/libraries.ts loads it by name at run time. */
const extrasApart = {
  name: 'extras-apart',
  setup(builder) {
    builder.onResolve({ filter: /^\.\/extras$/ }, () => ({ path: `./${EXTRAS_NAME}`, external: true }));
  },
};

const wrapAsModuleFunction = (code) => `(function (exports, require, module, __filename, __dirname) {${code}\n})`;

export async function bundle() {
  const outfile = join(root, 'dist', LAUNCH_NAME);
  const extrasFile = join(root, 'dist', EXTRAS_NAME);
  const seaMain = join(SEA_DIR, 'main.cjs');
  rmSync(SEA_DIR, { recursive: true, force: true });
  mkdirSync(SEA_DIR, { recursive: true });
  const [main] = await Promise.all([
    build({
      ...common,
      entryPoints: [join(root, 'src', 'main.ts')],
      outfile,
      define: { __NDC_SHIM_VERSION__: JSON.stringify(version), __NDC_SHIM_EXTRAS__: JSON.stringify(EXTRAS_NAME) },
      plugins: [extrasApart],
    }),
    build({ ...common, entryPoints: [join(root, 'src', 'extras.ts')], outfile: extrasFile }),
    build({ ...common, entryPoints: [join(root, 'src', 'sea-main.ts')], outfile: seaMain }),
  ]);
  const launchAsset = join(SEA_DIR, LAUNCH_NAME);
  writeFileSync(launchAsset, wrapAsModuleFunction(readFileSync(outfile, 'utf8')));
  // The extras are compressed: only some paths load them, and they are most of the executable's own bytes.
  const extrasAsset = join(SEA_DIR, `${EXTRAS_NAME}.br`);
  writeFileSync(extrasAsset, brotliCompressSync(wrapAsModuleFunction(readFileSync(extrasFile, 'utf8')),
    { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY } }));
  const assets = { [LAUNCH_NAME]: launchAsset, [`${EXTRAS_NAME}.br`]: extrasAsset };
  return { outfile, extrasFile, sea: { main: seaMain, assets }, metafile: main.metafile };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { outfile } = await bundle();
  console.log(`bundled ${outfile}`);
}
