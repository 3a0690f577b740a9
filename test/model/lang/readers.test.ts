/**
 * The compiled readers of a state's memory and lock table (src/model/lang/state.ts): `keyReader`,
 * `allClear` and `keysDiffer` build a function whose loads have constant names, for sites whose
 * keys are fixed before any state is seen (issue 12: a load by a key held in a variable is a
 * megamorphic keyed load). Each must answer exactly as the plain expression it replaces, for any
 * key a scenario can name (its memory keys are free strings: dots, quotes, backslashes, digits).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { allClear, keyReader, keysDiffer, type Value } from '../../../src/model/lang/state.ts';

const ODD_KEYS = ['mm.mmap_sem', 'a"b', "a'b", 'a\\b', '0', '1.5', '-1', 'constructor', '__proto__', 'toString', '', 'x\u2028y', '${x}', 'a\nb'];
const key = fc.oneof(fc.constantFrom(...ODD_KEYS), fc.string(), fc.string({ unit: 'grapheme', maxLength: 6 }));
const value: fc.Arbitrary<Value> = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom<Value>(null, '', 'page', 'use after free'));
/** A memory over `keys` (own properties only, as a state's are). */
const memOver = (keys: readonly string[]): fc.Arbitrary<Record<string, Value>> =>
  fc.array(value, { minLength: keys.length, maxLength: keys.length }).map((vs) => {
    const m: Record<string, Value> = {};
    keys.forEach((k, i) => Object.defineProperty(m, k, { value: vs[i], enumerable: true, writable: true, configurable: true }));
    return m;
  });
const memories = fc.uniqueArray(key, { minLength: 0, maxLength: 8 }).chain((keys) => fc.tuple(fc.constant(keys), memOver(keys), memOver(keys)));

describe('compiled readers answer as the plain expressions', () => {
  test('keyReader(k)(o) is o[k], and one function per key', () => {
    fc.assert(
      fc.property(memories, ([keys, a]) => {
        for (const k of keys) expect(keyReader<Value>(k)(a)).toBe(a[k]);
        for (const k of keys) expect(keyReader(k)).toBe(keyReader(k));
      }),
    );
  });

  test('allClear(keys)(o) is keys.every((k) => !o[k])', () => {
    fc.assert(
      fc.property(memories, ([keys, a]) => {
        expect(allClear(keys)(a)).toBe(keys.every((k) => !a[k]));
      }),
    );
    expect(allClear([])({})).toBe(true);
    expect(allClear(['a', 'b'])({ a: 0, b: 'oops' })).toBe(false);
    expect(allClear(['a', 'b'])({ a: 0, b: null })).toBe(true);
  });

  test('keysDiffer(keys)(a, b) is keys.some((k) => a[k] !== b[k])', () => {
    fc.assert(
      fc.property(memories, ([keys, a, b]) => {
        expect(keysDiffer<Value>(keys)(a, b)).toBe(keys.some((k) => a[k] !== b[k]));
        expect(keysDiffer<Value>(keys)(a, a)).toBe(false);
      }),
    );
    expect(keysDiffer<Value>([])({ a: 1 }, { a: 2 })).toBe(false);
    // Only the keys asked about count.
    expect(keysDiffer<Value>(['b'])({ a: 1, b: 0 }, { a: 2, b: 0 })).toBe(false);
    expect(keysDiffer<Value>(['a', 'b'])({ a: 1, b: 0 }, { a: 2, b: 0 })).toBe(true);
  });
});
