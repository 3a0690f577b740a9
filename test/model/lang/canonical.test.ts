/**
 * Canonical state (issue 12, item 0): collections whose order the kernel cannot observe are kept
 * in one order, so that interleavings that differ only in that order reach one state.
 */
import { describe, expect, test } from 'vitest';
import { check, Property } from '../../../src/checker/index.ts';
import { insertPair } from '../../../src/model/lang/interp.ts';
import { loadBuiltin } from '../../../src/model/kernel/scenario-file.ts';
import type { KState, PairRecord } from '../../../src/model/lang/state.ts';
import { scenarioModel } from '../../../src/properties/index.ts';
import { variantsOf } from '../../../src/report/run.ts';

const rec = (tid: number, nid: string, start: number, ret = 0): PairRecord => ({ tid, nid, start, end: start + 1, blockable: 1, mayfail: 0, ret });

function sorted(pairs: readonly PairRecord[]): boolean {
  for (let i = 1; i < pairs.length; i++) {
    const a = pairs[i - 1]!;
    const b = pairs[i]!;
    const c = a.tid - b.tid || (a.nid < b.nid ? -1 : a.nid > b.nid ? 1 : 0) || a.start - b.start || a.end - b.end;
    if (c > 0) return false;
  }
  return true;
}

describe('open start/end pairs are kept in canonical order', () => {
  test('insertPair sorts by thread, notifier, start, end and keeps records with equal keys in opening order', () => {
    const pairs: PairRecord[] = [];
    insertPair(pairs, rec(1, 'kvm0', 4));
    insertPair(pairs, rec(0, 'kvm0', 4));
    insertPair(pairs, rec(1, 'amdgpu0', 4));
    insertPair(pairs, rec(1, 'kvm0', 2));
    insertPair(pairs, rec(1, 'kvm0', 4, -11));
    expect(pairs.map((p) => `${p.tid}:${p.nid}:${p.start}:${p.ret}`)).toEqual(['0:kvm0:4:0', '1:amdgpu0:4:0', '1:kvm0:2:0', '1:kvm0:4:0', '1:kvm0:4:-11']);
  });

  // Scenarios where several threads hold open pairs at once, in either order of opening.
  test.each([
    ['several-starts-in-flight', 'tetsuo'],
    ['i915-overlapping-invalidations', undefined],
    ['mayfail-reclaim', 'i915@mayfail'],
  ])('%s @ %s: every reachable state has its pairs in canonical order', (name, variant) => {
    const v = variantsOf(loadBuiltin(name)).find((x) => x.label === variant)!;
    const m = scenarioModel(v.scenario);
    let twoThreads = false;
    m.setProperties([
      Property.always<KState>('pairs in canonical order', (s) => {
        if (new Set(s.pairs.map((p) => p.tid)).size > 1) twoThreads = true;
        return sorted(s.pairs);
      }),
    ]);
    const r = check(m, {});
    expect(r.status).toBe('pass');
    // The check would be vacuous without states where two threads' pairs are open together.
    expect(twoThreads).toBe(true);
  });
});
