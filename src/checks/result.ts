/** One line of what `start` checks and `doctor` reports. */
export interface CheckResult {
  name: string;
  ok: boolean;
  /** ok, but worth a line: `start` logs it as a warning, `doctor` prints it without failing. */
  warning?: boolean;
  detail: string;
  fix?: string;
  exitCode?: number;
}
