// The executable check against this machine's kernel, in the mode 'sea --no-exec' (see test/exec-differential.mjs).
import { differentialTests } from './exec-differential.mjs';

differentialTests(['sea --no-exec']);
