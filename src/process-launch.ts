/** How a found file is started: what both the resolution and the Windows command builder produce. */
export interface ProcessLaunch {
  executable: string;
  args: string[];
  /** Windows only: the args are one pre-quoted command line. */
  windowsVerbatimArguments: boolean;
}
