/**
 * V8's internalized strings: one copy of each string's contents, which a string literal in code
 * is, and a property key. Two internalized strings are equal exactly when they are the same
 * string, so V8 compares them by identity; a string made at run time (a slice of the source text
 * the parser reads, a value `JSON.parse` gives, a structured clone's copy) is a string of another
 * hidden class, compared character by character, and code optimised for the one kind that meets
 * the other discards its optimised code ("wrong instance type"). The model's states hold strings
 * (pointers to objects, a notifier's name, an op's kind): they are all internalized, wherever they
 * come from (test/model/lang/maps.test.ts).
 */

/** Every string {@link internalized} has given, held for the process's life: the names of the scenarios it checks, a few thousand. */
const table = new Map<string, string>();

/** `s` as an internalized string: the key `Object.keys` gives back for a property named `s`. */
export function internalized(s: string): string {
  let t = table.get(s);
  if (t === undefined) {
    t = Object.keys({ [s]: 0 })[0]!;
    table.set(t, t);
  }
  return t;
}
