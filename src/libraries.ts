/** Access to the libraries of extras.ts, loaded on first use (see there for why they are apart). */
import * as path from 'node:path';
import { EXTRAS_ASSET, isSingleExecutable, runEmbedded } from './embedded';

type Extras = typeof import('./extras');

/** Set by the bundler to the extras bundle's file name; absent when the compiled sources run directly. */
declare const __NDC_SHIM_EXTRAS__: string | undefined;

let extras: Extras | undefined;

export function loadExtras(): Extras {
  if (extras) return extras;
  if (typeof __NDC_SHIM_EXTRAS__ !== 'string') return (extras = require('./extras') as Extras);
  if (!isSingleExecutable()) return (extras = require(path.join(__dirname, __NDC_SHIM_EXTRAS__)) as Extras);
  // Inside a single executable: the bundle is an embedded asset, and it only requires builtins.
  return (extras = runEmbedded(EXTRAS_ASSET, require) as Extras);
}
