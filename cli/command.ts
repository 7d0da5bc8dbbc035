/** What a command may touch besides its arguments; tests pass their own. */
export interface CommandContext {
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stdout is a colour terminal. */
  color: boolean;
  version: string;
}
