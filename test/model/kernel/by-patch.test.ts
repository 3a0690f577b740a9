/**
 * Variants defined by the patch the kernel had (src/model/kernel/by-patch.ts): the variant is its
 * base with the mailed patch applied, only what the patch changes is replaced, and a patch that no
 * longer applies is an internal error, not a silent hand copy.
 */
import { describe, expect, test } from 'vitest';
import { variantByPatch } from '../../../src/model/kernel/by-patch.ts';
import type { VariantDef } from '../../../src/model/kernel/driver.ts';
import { DRIVERS } from '../../../src/model/kernel/drivers/index.ts';
import { rangeV50, rangeV52, rangeV52Unchanged } from '../../../src/model/kernel/drivers/range-api.ts';

const SEED = '93065ac753e4-blockable-mode.patch';

describe('variantByPatch', () => {
  test("every driver's 93065ac753e4 variant is its v4.18 variant with the patch: the functions the patch changes carry its version, the others are the base's very objects", () => {
    // test_hmm entered in v5.7, and nouveau SVM is modelled as v6.6 has it only: neither has a v4.18 or 93065ac753e4 variant.
    const olds = Object.entries(DRIVERS).filter(([name]) => name !== 'test_hmm' && name !== 'nouveau');
    expect(olds.length).toBe(Object.keys(DRIVERS).length - 2);
    for (const [name, d] of olds) {
      const base = d.variants['v4.18']!;
      const v = d.variants['93065ac753e4']!;
      const changed = v.fns.filter((f) => !base.fns.includes(f));
      expect(changed.length, name).toBeGreaterThan(0);
      for (const f of changed) {
        expect(f.version, `${name}: ${f.name}`).toBe('93065ac753e4');
        expect(f.source, `${name}: ${f.name}`).toMatch(/(patched by|added by the patch) "93065ac753e4-blockable-mode\.patch"$/);
      }
    }
  });
  test("only what the patch changes is replaced: amdgpu's CS threads keep their own amdgpu_cs_submit each", () => {
    const base = DRIVERS['amdgpu']!.variants['v4.18']!;
    const v = DRIVERS['amdgpu']!.variants['93065ac753e4']!;
    for (const [kind, t] of Object.entries(base.threads ?? {})) {
      expect(v.threads?.[kind]?.fns, kind).toEqual(t.fns);
    }
    const versions = Object.values(v.threads ?? {}).flatMap((t) => t.fns.filter((f) => f.name === 'amdgpu_cs_submit').map((f) => f.version));
    expect(new Set(versions).size).toBeGreaterThan(1);
  });
  test('a seed patch that no longer applies to its base is an internal error naming the hunk (at first use: the patch is applied when a run needs the variant)', () => {
    // The 93065ac753e4 variant already has what the patch removes from v4.18.
    const v = DRIVERS['radeon']!.variants['93065ac753e4']!;
    expect(() => variantByPatch(v, SEED, { description: 'x', version: 'x', api: 'v4.19' }).fns).toThrow(/^internal: seed patch 93065ac753e4-blockable-mode\.patch no longer applies to the 93065ac753e4 variant: hunk \d+: radeon_mn_invalidate_range_start\(\)/);
  });
  test('a variant made from a patched variant leaves its base unmade until its own functions are read (a chain of patches is not applied when the driver modules load)', () => {
    // A base whose functions and threads are counted when read, as a patched variant's getters make them.
    const real = DRIVERS['kvm']!.variants['93065ac753e4']!;
    let reads = 0;
    const base = { ...real } as VariantDef;
    Object.defineProperty(base, 'fns', { enumerable: true, configurable: true, get: () => (reads++, real.fns) });
    Object.defineProperty(base, 'threads', { enumerable: true, configurable: true, get: () => (reads++, real.threads) });
    const v50 = rangeV50(base, 'test');
    const v52 = rangeV52(v50, 'test');
    const same = rangeV52Unchanged(v50, 'test');
    expect(reads).toBe(0);
    expect([v50.version, v52.version, same.version, same.api]).toEqual(['v5.0', 'v5.2', 'v5.2', 'v5.2']);
    expect(v52.fns.some((f) => f.version === 'v5.2')).toBe(true);
    expect(reads).toBeGreaterThan(0);
    // The unchanged v5.2 variant is the v5.0 functions themselves, and the threads come along.
    expect(same.fns).toBe(v50.fns);
    expect(Object.keys(same.threads ?? {})).toEqual(Object.keys(real.threads ?? {}));
  });
});
