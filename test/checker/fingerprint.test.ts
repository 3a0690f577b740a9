/**
 * The fingerprint encoder and the visited set.
 */
import { describe, expect, it } from 'vitest';
import { FingerprintEncoder, NO_PARENT, RECENT_BYTES, VisitedTable, fingerprintHex } from '../../src/checker/fingerprint.ts';

function fp(feed: (e: FingerprintEncoder) => void): string {
  const e = new FingerprintEncoder();
  e.reset();
  feed(e);
  e.finish();
  return fingerprintHex(e.hi, e.lo);
}

/** A cheap deterministic source of distinct fingerprints for table tests. */
function fingerprints(n: number): { hi: Int32Array; lo: Int32Array } {
  const hi = new Int32Array(n);
  const lo = new Int32Array(n);
  const e = new FingerprintEncoder();
  for (let i = 0; i < n; i++) {
    e.reset();
    e.int(i);
    e.finish();
    hi[i] = e.hi;
    lo[i] = e.lo;
  }
  return { hi, lo };
}

describe('FingerprintEncoder', () => {
  it('is deterministic and resets', () => {
    const e = new FingerprintEncoder();
    e.reset();
    e.int(1);
    e.str('x');
    e.finish();
    const first = fingerprintHex(e.hi, e.lo);
    e.reset();
    e.int(1);
    e.str('x');
    e.finish();
    expect(fingerprintHex(e.hi, e.lo)).toBe(first);
    expect(first).toMatch(/^[0-9a-f]{16}$/);
  });

  it('separates values of different kinds, string boundaries, order and length', () => {
    const all = [
      fp((e) => e.int(1)),
      fp((e) => e.bool(true)),
      fp((e) => e.int(0)),
      fp((e) => e.bool(false)),
      fp((e) => e.str('')),
      fp((e) => e.str('1')),
      fp((e) => {
        e.str('ab');
        e.str('c');
      }),
      fp((e) => {
        e.str('a');
        e.str('bc');
      }),
      fp((e) => e.str('abc')),
      fp((e) => {
        e.int(1);
        e.int(2);
      }),
      fp((e) => {
        e.int(2);
        e.int(1);
      }),
      fp((e) => {
        e.int(1);
        e.int(2);
        e.int(0);
      }),
      fp(() => {}),
      fp((e) => e.int(-1)),
      fp((e) => e.int(0xffffffff + 1)), // taken modulo 2^32: the same as int(0)
    ];
    expect(all[all.length - 1]).toBe(all[2]);
    expect(fp((e) => e.int(0xffffffff))).toBe(all[13]);
    expect(new Set(all.slice(0, -1)).size).toBe(all.length - 1);
  });

  it('has no collision among 200,000 encodings of small tuples, and spreads the high word evenly', () => {
    const seen = new Set<string>();
    const buckets = new Array<number>(16).fill(0);
    const e = new FingerprintEncoder();
    for (let a = 0; a < 200; a++) {
      for (let b = 0; b < 1000; b++) {
        e.reset();
        e.int(a);
        e.int(b);
        e.finish();
        seen.add(fingerprintHex(e.hi, e.lo));
        buckets[e.hi >>> 28]!++;
      }
    }
    expect(seen.size).toBe(200_000);
    for (const b of buckets) expect(Math.abs(b - 200_000 / 16)).toBeLessThan(600); // ~5 standard deviations
  });

  it('never yields the reserved empty fingerprint (0, 0)', () => {
    const { hi, lo } = fingerprints(50_000);
    let empty = 0;
    for (let i = 0; i < hi.length; i++) if (hi[i] === 0 && lo[i] === 0) empty++;
    expect(empty).toBe(0);
  });
});

describe('VisitedTable', () => {
  it('finds what it inserted, keeps parent links, reports duplicates', () => {
    const t = new VisitedTable();
    const { hi, lo } = fingerprints(3);
    t.reserve(3);
    const a = t.insert(hi[0]!, lo[0]!, NO_PARENT);
    expect(t.inserted).toBe(true);
    const b = t.insert(hi[1]!, lo[1]!, a);
    expect(t.inserted).toBe(true);
    expect(t.insert(hi[0]!, lo[0]!, b)).toBe(a);
    expect(t.inserted).toBe(false);
    expect(t.parentAt(a)).toBe(NO_PARENT); // a duplicate does not overwrite the link
    expect(t.parentAt(b)).toBe(a);
    expect(t.find(hi[1]!, lo[1]!)).toBe(b);
    expect(t.find(hi[2]!, lo[2]!)).toBe(-1);
    expect(t.count).toBe(2);
  });

  it('grows keeping the load between 0.75 and 0.9 and the parent links right, remapping listeners', () => {
    const n = 200_000;
    const { hi, lo } = fingerprints(n);
    const t = new VisitedTable();
    // A chain: state i's parent is state i - 1. Track every slot outside the table too.
    const slots = new Int32Array(n);
    t.onRehash((remap) => {
      for (let i = 0; i < t.count; i++) slots[i] = remap[slots[i]!]!;
    });
    let minLoad = 1;
    let maxLoad = 0;
    for (let i = 0; i < n; i++) {
      t.reserve(1);
      slots[i] = t.insert(hi[i]!, lo[i]!, i === 0 ? NO_PARENT : slots[i - 1]!);
      if (t.count > 1000) {
        const load = t.count / t.capacity;
        minLoad = Math.min(minLoad, load);
        maxLoad = Math.max(maxLoad, load);
      }
    }
    expect(t.count).toBe(n);
    expect(t.rehashes).toBeGreaterThan(20);
    expect(minLoad).toBeGreaterThanOrEqual(0.75 - 1e-3);
    expect(maxLoad).toBeLessThanOrEqual(0.9);
    // 12 bytes a slot, and the cache of recent entries (a fixed 128 KiB).
    expect(t.bytes).toBe(t.capacity * 12 + RECENT_BYTES);
    expect((t.bytes - RECENT_BYTES) / t.count).toBeLessThanOrEqual(16);
    for (let i = 0; i < n; i += 997) {
      expect(t.find(hi[i]!, lo[i]!)).toBe(slots[i]);
      expect(t.hiAt(slots[i]!)).toBe(hi[i]);
      expect(t.loAt(slots[i]!)).toBe(lo[i]);
      expect(t.parentAt(slots[i]!)).toBe(i === 0 ? NO_PARENT : slots[i - 1]);
    }
    // Follow the whole chain back from the last state.
    let steps = 0;
    for (let s = slots[n - 1]!; s !== NO_PARENT; s = t.parentAt(s)) steps++;
    expect(steps).toBe(n);
  });

  it('numbers states in insertion order when asked to (liveness), across growth', () => {
    const n = 5000;
    const { hi, lo } = fingerprints(n);
    const t = new VisitedTable({ withIds: true });
    for (let i = 0; i < n; i++) {
      t.reserve(1);
      t.insert(hi[i]!, lo[i]!, NO_PARENT);
    }
    expect(t.withIds).toBe(true);
    expect(t.bytes).toBe(t.capacity * 16 + RECENT_BYTES);
    const byId = t.slotsById();
    for (let i = 0; i < n; i++) {
      expect(t.idAt(byId[i]!)).toBe(i);
      expect(t.hiAt(byId[i]!)).toBe(hi[i]);
    }
  });

  it('answers from its cache of recent entries only with their slots of the moment: growth empties it', () => {
    // Entry `a`, and others none of which shares a's place in the cache (the low word's low bits,
    // 16 bytes an entry), so that nothing but growth can take a out of it.
    const { hi, lo } = fingerprints(20_000);
    const mask = RECENT_BYTES / 16 - 1;
    const others: number[] = [];
    for (let i = 1; i < hi.length; i++) if ((lo[i]! & mask) !== (lo[0]! & mask)) others.push(i);
    const t = new VisitedTable();
    t.reserve(1);
    const a = t.insert(hi[0]!, lo[0]!, NO_PARENT);
    expect(t.find(hi[0]!, lo[0]!)).toBe(a);
    const before = t.rehashes;
    for (const i of others) {
      t.reserve(1);
      t.insert(hi[i]!, lo[i]!, NO_PARENT);
    }
    expect(t.rehashes).toBeGreaterThan(before);
    // The slot of a now, found by the table's own probe after the cache was emptied.
    const now = t.find(hi[0]!, lo[0]!);
    expect(t.hiAt(now)).toBe(hi[0]);
    expect(t.loAt(now)).toBe(lo[0]);
    expect(t.insert(hi[0]!, lo[0]!, NO_PARENT)).toBe(now);
    expect(t.inserted).toBe(false);
    // Entries sharing a place in the cache displace each other, and each is still found at its slot.
    const same = [0, ...Array.from(hi.keys()).filter((i) => i > 0 && (lo[i]! & mask) === (lo[0]! & mask))];
    expect(same.length).toBeGreaterThan(1);
    for (const i of same.slice(1)) {
      t.reserve(1);
      t.insert(hi[i]!, lo[i]!, NO_PARENT);
    }
    for (const i of [...same, ...[...same].reverse()]) {
      const s = t.find(hi[i]!, lo[i]!);
      expect(t.hiAt(s)).toBe(hi[i]);
      expect(t.loAt(s)).toBe(lo[i]);
    }
  });

  it('refuses new entries beyond its limit but still finds old ones', () => {
    const { hi, lo } = fingerprints(4);
    const t = new VisitedTable({ limit: 3 });
    t.reserve(4);
    for (let i = 0; i < 3; i++) expect(t.insert(hi[i]!, lo[i]!, NO_PARENT)).toBeGreaterThanOrEqual(0);
    expect(t.insert(hi[3]!, lo[3]!, NO_PARENT)).toBe(-1);
    expect(t.inserted).toBe(false);
    expect(t.insert(hi[1]!, lo[1]!, NO_PARENT)).toBeGreaterThanOrEqual(0);
    expect(t.count).toBe(3);
  });

  it('throws rather than loop when an insertion was not reserved', () => {
    const { hi, lo } = fingerprints(70);
    const t = new VisitedTable();
    expect(() => {
      for (let i = 0; i < 70; i++) t.insert(hi[i]!, lo[i]!, NO_PARENT);
    }).toThrow(/no room reserved/);
  });
});
