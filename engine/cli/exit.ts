// Exit codes of `atm` (SPEC.md).
export const EXIT = {
  /** Every test passed / the files are clean. */
  OK: 0,
  /** A threshold or expectation failed. */
  THRESHOLD_FAILED: 1,
  /** Invalid spec or usage. */
  USAGE: 2,
  /** The run failed or was cancelled. */
  RUN_FAILED: 3,
} as const;
