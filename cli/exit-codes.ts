/** Exit codes, as Spectral and most linters use them. */
export const EXIT_CLEAN = 0;
/** Findings at or above `--fail-severity`. */
export const EXIT_FINDINGS = 1;
/** The tool itself failed: bad usage, an I/O fault, a bug. */
export const EXIT_TOOL_FAILURE = 2;

/** A mistake in how the command was called; printed without a stack trace, exit 2. */
export class UsageError extends Error {}
