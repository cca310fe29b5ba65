// Exit codes 192..255 pass through the shim in every mode (see test/exit-code-range.mjs).
import { exitCodesPassThrough } from './exit-code-range.mjs';

exitCodesPassThrough(192, 255);
