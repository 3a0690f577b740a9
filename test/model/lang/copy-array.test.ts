import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyArray, topOf, type Frame } from '../../../src/model/lang/state.ts';

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

// topOf reads a stack's top frame without ever loading index -1 (a property lookup by name, up the
// prototype chain, in V8's slow path): what an empty list has there is not its top.
describe('topOf', () => {
  it('is the last frame of a stack, and undefined for an empty one, whatever Array.prototype holds at "-1"', () => {
    const f = (pc: number): Frame => ({ fn: 0, pc, locals: [], dest: -1, ctx: 0 });
    const stack = [f(1), f(2), f(3)];
    expect(topOf(stack)).toBe(stack[2]);
    expect(topOf([stack[0]!])).toBe(stack[0]);
    Object.defineProperty(Array.prototype, '-1', { value: f(9), configurable: true });
    try {
      const empty: Frame[] = [];
      // What indexing an empty stack by its length less one gives.
      expect(empty[empty.length - 1]).toEqual(f(9));
      expect(topOf(empty)).toBeUndefined();
    } finally {
      delete (Array.prototype as unknown as Record<string, unknown>)['-1'];
    }
  });
});
