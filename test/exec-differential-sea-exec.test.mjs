// The executable check against this machine's kernel, in the mode 'sea exec' (see test/exec-differential.mjs).
import { differentialTests } from './exec-differential.mjs';

differentialTests(['sea exec']);
