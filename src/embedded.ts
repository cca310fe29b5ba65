/**
 * Scripts embedded in the single executable as assets. Each asset is a whole CommonJS module
 * already wrapped by the build as `(function (exports, require, module, __filename, __dirname) {...})`,
 * so that the build can compile exactly the same text when it makes a script's code cache.
 */
import type * as vm from 'node:vm';

// Asset keys, as scripts/bundle.mjs and scripts/build.mjs name them.
export const LAUNCH_ASSET = 'ndc-shim.cjs';
export const LAUNCH_CACHE_ASSET = 'ndc-shim.cjs.code-cache';
/** Compressed (brotli): only some paths load it, and it is the largest part of the executable's own. */
export const EXTRAS_ASSET = 'ndc-shim-extras.cjs.br';

/** How the launch script's code cache fared in this process (shown by `--log-level debug`). */
export type CodeCacheState = 'accepted' | 'rejected' | 'not embedded' | 'not a single executable';
const CODE_CACHE_STATE = Symbol.for('ndc-shim.code-cache');

export function codeCacheState(): CodeCacheState {
  return (globalThis as Record<symbol, CodeCacheState | undefined>)[CODE_CACHE_STATE] ?? 'not a single executable';
}

interface SeaApi {
  isSea(): boolean;
  getAsset(key: string): ArrayBuffer;
  getAsset(key: string, encoding: string): string;
}

/** Whether this process is a single executable (node:sea is absent before Node 20). */
export function isSingleExecutable(): boolean {
  try {
    return (require('node:sea') as SeaApi).isSea();
  } catch {
    return false;
  }
}

type ModuleFunction = (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;

/** Compiles an embedded module (with its code cache, when given); a name ending in .br is brotli-compressed. */
function compileEmbedded(name: string, require: NodeJS.Require, cachedData?: Buffer): vm.Script {
  const sea = require('node:sea') as SeaApi;
  const { Script } = require('node:vm') as typeof vm;
  const source = name.endsWith('.br')
    ? (require('node:zlib') as typeof import('node:zlib')).brotliDecompressSync(sea.getAsset(name)).toString('utf8')
    : sea.getAsset(name, 'utf8');
  return new Script(source, { filename: name.replace(/\.br$/, ''), cachedData });
}

/** Runs a compiled module with `require` (the executable's own: builtins only); returns its exports. */
function runCompiled(script: vm.Script, name: string, require: NodeJS.Require): unknown {
  const module = { exports: {} };
  (script.runInThisContext() as ModuleFunction)(module.exports, require, module, name, '.');
  return module.exports;
}

export const runEmbedded = (name: string, require: NodeJS.Require): unknown => runCompiled(compileEmbedded(name, require), name, require);

/**
 * The executable's main script: runs the launch script with the V8 code cache the build made after
 * running it along `start`'s path, so that the functions a launch calls are not compiled at every
 * start (Node's own SEA code cache is made before any code runs, so it holds only the top level).
 */
export function runLaunchScript(require: NodeJS.Require): void {
  silenceRuntimeStderr(require);
  const sea = require('node:sea') as SeaApi;
  let cachedData: Buffer | undefined;
  try {
    cachedData = Buffer.from(sea.getAsset(LAUNCH_CACHE_ASSET));
  } catch { /* not embedded: the build could not run this target's runtime */ }
  const script = compileEmbedded(LAUNCH_ASSET, require, cachedData);
  (globalThis as Record<symbol, CodeCacheState>)[CODE_CACHE_STATE] = cachedData ? (script.cachedDataRejected ? 'rejected' : 'accepted') : 'not embedded';
  runCompiled(script, LAUNCH_ASSET, require);
}

/**
 * NODE_DEBUG is the connector's (as NODE_OPTIONS is): the runtime reads it before any of our code
 * and, for the modules the shim uses (child_process, net, stream, http...), would print its debug
 * lines, the child's whole environment among them, through process.stderr. No option turns that
 * off, so in the executable process.stderr is a sink: the shim writes its own lines to fd 2
 * directly (see output.ts, logging.ts), and the runtime's warnings are off (--no-warnings, see
 * scripts/pkg-sea.cjs). The descriptor itself is untouched and reaches the child as it came.
 */
function silenceRuntimeStderr(require: NodeJS.Require): void {
  let sink: NodeJS.WriteStream | undefined;
  Object.defineProperty(process, 'stderr', {
    configurable: true,
    enumerable: true,
    get() {
      sink ??= new (require('node:stream') as typeof import('node:stream')).Writable({ write: (_chunk, _encoding, done) => done() }) as NodeJS.WriteStream;
      return sink;
    },
  });
}
