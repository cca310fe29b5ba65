// The executable check against this machine's kernel, in the mode 'bundle supervise' (see test/exec-differential.mjs).
import { differentialTests } from './exec-differential.mjs';

differentialTests(['bundle supervise']);
