/**
 * Words a WordRecorder records, replayed into a FingerprintEncoder, give the fingerprint of feeding
 * the values themselves, whatever the values (numbers out of the 32-bit range, fractions, NaN,
 * strings of any length) and however the recording is cut into replayed ranges.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { FingerprintEncoder, WordRecorder } from '../../src/checker/fingerprint.ts';
import type { Encoder } from '../../src/checker/model.ts';

type V = { int: number } | { bool: boolean } | { str: string };
const value: fc.Arbitrary<V> = fc.oneof(
  fc.record({ int: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(2 ** 32 + 5, -(2 ** 40), 0x7fffffff, -1)) }),
  fc.record({ bool: fc.boolean() }),
  fc.record({ str: fc.string({ maxLength: 9 }) }),
);
const feed = (e: Encoder, vs: readonly V[]): void => {
  for (const v of vs) {
    if ('int' in v) e.int(v.int);
    else if ('bool' in v) e.bool(v.bool);
    else e.str(v.str);
  }
};

test('replayed words fingerprint as the values do', () => {
  fc.assert(
    fc.property(fc.array(fc.array(value, { maxLength: 40 }), { maxLength: 6 }), (parts) => {
      const direct = new FingerprintEncoder();
      direct.reset();
      for (const p of parts) feed(direct, p);
      direct.finish();
      const rec = new WordRecorder();
      rec.reset();
      const cuts = [0];
      for (const p of parts) {
        feed(rec, p);
        cuts.push(rec.position);
      }
      const replayed = new FingerprintEncoder();
      replayed.reset();
      for (let i = 0; i + 1 < cuts.length; i++) replayed.replay(rec.words, cuts[i]!, cuts[i + 1]!);
      replayed.finish();
      expect([replayed.hi, replayed.lo]).toEqual([direct.hi, direct.lo]);
    }),
    { numRuns: 500 },
  );
});
