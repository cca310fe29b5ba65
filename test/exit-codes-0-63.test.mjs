// Exit codes 0..63 pass through the shim in every mode (see test/exit-code-range.mjs).
import { exitCodesPassThrough } from './exit-code-range.mjs';

exitCodesPassThrough(0, 63);
