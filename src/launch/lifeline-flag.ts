/** The hidden argument that runs the shim as a lifeline (see lifeline.ts); apart so main need not load it. */
export const LIFELINE_FLAG = '--internal-lifeline';
