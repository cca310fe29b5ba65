// Bundles the CLI into one CommonJS file (dist/ndc-shim.cjs) that runs on Node >= 20 and is what
// the single-file executables embed. Libraries required inside functions stay lazy: esbuild wraps
// each module and evaluates it on its first require.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

export async function bundle() {
  const outfile = join(root, 'dist', 'ndc-shim.cjs');
  const result = await build({
    entryPoints: [join(root, 'src', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    define: { __NDC_SHIM_VERSION__: JSON.stringify(version) },
    logLevel: 'warning',
    metafile: true,
  });
  return { outfile, metafile: result.metafile };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { outfile } = await bundle();
  console.log(`bundled ${outfile}`);
}
