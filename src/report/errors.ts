/**
 * The errors of the reports that are the user's to fix, in a module of their own (no model) so
 * that the command line can tell them from a bug without loading the model.
 */

/** A trace file that cannot be replayed: one line naming the field (json.ts). */
export class TraceError extends Error {}

/** A comparison that cannot be made: a side that names nothing, sides that leave nothing to compare (compare.ts). */
export class CompareError extends Error {}
