import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyArray } from '../../../src/model/lang/state.ts';

// copyArray copies by a literal per length (exact capacity, issue 12): each literal must list
// every element once and in order, and the copy must be an array of its own.
describe('copyArray', () => {
  it('copies every length, literal or pushed, element by element', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.object()), { maxLength: 14 }), (a) => {
        const b = copyArray(a);
        expect(b).not.toBe(a);
        expect(b).toHaveLength(a.length);
        for (let i = 0; i < a.length; i++) expect(b[i]).toBe(a[i]);
      }),
      { numRuns: 400 },
    );
  });

  it('copies frozen arrays into writable ones', () => {
    for (let n = 0; n <= 10; n++) {
      const a = Object.freeze(Array.from({ length: n }, (_, i) => i * 7));
      const b = copyArray(a);
      expect(Object.isFrozen(b)).toBe(false);
      b.push(-1);
      expect(b).toEqual([...a, -1]);
    }
  });
});
