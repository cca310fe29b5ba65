// Exit codes 64..127 pass through the shim in every mode (see test/exit-code-range.mjs).
import { exitCodesPassThrough } from './exit-code-range.mjs';

exitCodesPassThrough(64, 127);
