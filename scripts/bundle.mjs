// Bundles the CLI into CommonJS for Node >= 20: dist/ndc-shim.cjs (the launch path) and
// dist/ndc-shim-extras.cjs (pino, pino-pretty, dotenv, signal-exit: only some paths use them, so
// they are kept out of the script parsed at every start). The single-file executables embed the
// first as their main script and the second as an asset.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

export const EXTRAS_NAME = 'ndc-shim-extras.cjs';

const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', minify: true, legalComments: 'none', logLevel: 'warning', metafile: true };

/** Leaves `./extras` out of the main bundle: src/libraries.ts loads it by name at run time. */
const extrasApart = {
  name: 'extras-apart',
  setup(builder) {
    builder.onResolve({ filter: /^\.\/extras$/ }, () => ({ path: `./${EXTRAS_NAME}`, external: true }));
  },
};

export async function bundle() {
  const outfile = join(root, 'dist', 'ndc-shim.cjs');
  const extrasFile = join(root, 'dist', EXTRAS_NAME);
  const [main] = await Promise.all([
    build({
      ...common,
      entryPoints: [join(root, 'src', 'main.ts')],
      outfile,
      define: { __NDC_SHIM_VERSION__: JSON.stringify(version), __NDC_SHIM_EXTRAS__: JSON.stringify(EXTRAS_NAME) },
      plugins: [extrasApart],
    }),
    build({ ...common, entryPoints: [join(root, 'src', 'extras.ts')], outfile: extrasFile }),
  ]);
  return { outfile, extrasFile, metafile: main.metafile };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { outfile } = await bundle();
  console.log(`bundled ${outfile}`);
}
