/**
 * What every part of the command line shares, without loading the model: the exit codes, the
 * user error, and the input and output a command is given.
 */

/** Exit codes: 0 every property holds (for `matrix`, every run completed); 1 a violation; 2 bad input or usage; 3 incomplete; 70 an internal error (a bug in mnc). */
export const EXIT = { ok: 0, violation: 1, usage: 2, incomplete: 3, internal: 70 } as const;

/** A user error: one line, exit 2. */
export class UsageError extends Error {}

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Standard input, all of it (`mnc check -`); default: file descriptor 0. */
  stdin?(): string;
  /**
   * Colour: `auto` for the process's own streams (colour.ts decides: a terminal, NO_COLOR,
   * FORCE_COLOR); absent or false, none (an Io that captures text); true, always.
   */
  colour?: boolean | 'auto';
}

