/**
 * The v6.6 core's interval tree as state (src/model/kernel/core/mmu_itree_v66.ts):
 * mmu_interval_notifier_insert() during an active invalidation goes on the deferred list, which the
 * last mn_itree_inv_end() walks; mmu_interval_notifier_remove() during one waits in wait_event()
 * until invalidate_seq moves; a reader of a notifier inserted mid-invalidation waits in
 * mmu_interval_read_begin(). Driven by nouveau's fault path (the one modelled driver that inserts
 * and removes an interval notifier while it runs) beside the model's `invalidate` thread.
 */
import { describe, expect, test } from 'vitest';
import { reachable } from '../../scenarios/helpers.ts';
import { KernelModel } from '../../../src/model/kernel-model.ts';
import { buildProgram, type Scenario } from '../../../src/model/kernel/scenario.ts';
import { ScenarioError } from '../../../src/model/kernel/errors.ts';
import type { KState } from '../../../src/model/lang/state.ts';
import { runScenario } from '../../../src/report/run.ts';

const SN = 'nouveau0.sn.notifier';
const SEQ = 'mm.mmu_notifier_mm.invalidate_seq';

/** The GPU faults page `address` while the model's invalidate thread invalidates [0, 2), blockable or not. */
function faultVsInvalidate(o: { address?: number; blockable?: boolean } = {}): Scenario {
  return {
    name: 'itree-dynamic',
    core: 'v6.6',
    vmas: [{ start: 0, end: 4 }],
    notifiers: [{ use: 'nouveau', objects: [{ start: 0, end: 2 }] }],
    threads: [
      { kind: 'nouveau:fault', params: { address: o.address ?? 0 } },
      { kind: 'invalidate', params: { start: 0, len: 2, blockable: o.blockable ?? true } },
    ],
  };
}

/** The same with test_hmm's notifier, over the whole address space, inserted before the scenario: the invalidation finds it. */
function withStatic(): Scenario {
  const sc = faultVsInvalidate();
  return { ...sc, notifiers: [...sc.notifiers, { use: 'test_hmm', objects: [{ start: 2, end: 4 }] }] };
}


/** The innermost function thread `tid` is in. */
function inFn(m: KernelModel, s: KState, tid: number): string | undefined {
  const f = s.threads[tid]!.frames.at(-1);
  return f === undefined ? undefined : m.program.fn(f.fn).def.name;
}

/**
 * The invalidate thread (1) has not called the fault's notifier's invalidate for its range: no
 * interval pair of it is open (the pair opens at the callback's return and closes when
 * mn_itree_inv_end() is called), and thread 1 is inside neither the callback nor mn_itree_inv_end().
 */
function notInvalidated(m: KernelModel, s: KState): boolean {
  const inside = (name: string): boolean => s.threads[1]!.frames.some((f) => m.program.fn(f.fn).def.name === name);
  return !s.pairs.some((p) => p.nid === SN) && !inside('nouveau_svm_range_invalidate') && !inside('mn_itree_inv_end');
}

/** Thread `tid` sleeps in a wait_event() of `fn` on the core's wait queue. */
function waitsIn(m: KernelModel, s: KState, tid: number, fn: string): boolean {
  return inFn(m, s, tid) === fn && /^wait_event\(mm\.mmu_notifier_mm\.wq/.test(m.interp.waitOf(s, tid)?.why ?? '');
}

describe('mmu_interval_notifier_insert() and _remove() as steps (v6.6)', () => {
  test('an insert while an invalidation that found a notifier is active (invalidate_seq odd) goes on the deferred list, not in the tree', () => {
    // test_hmm's notifier, over the whole address space, is what the invalidation finds.
    expect(reachable(withStatic(), (s) => s.mem[`${SN}.deferred_item.pprev`] === 1 && s.mem[`${SN}.interval_tree.rb`] === 0 && Number(s.mem[SEQ]) % 2 === 1)).toBe(true);
  });

  test('an insert while an invalidation that found no notifier is active makes invalidate_seq odd and links the notifier at once', () => {
    expect(
      reachable(faultVsInvalidate(), (s, m) => inFn(m, s, 0) !== '__mmu_interval_notifier_insert' && notInvalidated(m, s) && s.mem[`${SN}.interval_tree.rb`] === 1 && s.mem['mm.mmu_notifier_mm.active_invalidate_ranges'] === 1 && Number(s.mem[SEQ]) % 2 === 1 && s.mem[`${SN}.invalidate_seq`] === s.mem[SEQ]),
    ).toBe(true);
  });

  test('a reader of a notifier inserted mid-invalidation waits in mmu_interval_read_begin() until the invalidation ends', () => {
    // Its notifier's invalidate never ran for this invalidation: the sequence it waits on is the one the insert gave it.
    expect(reachable(faultVsInvalidate(), (s, m) => waitsIn(m, s, 0, 'mmu_interval_read_begin') && notInvalidated(m, s))).toBe(true);
  });

  test('a remove while its notifier is in the tree during an invalidation waits in wait_event() until invalidate_seq moves', () => {
    expect(reachable(faultVsInvalidate(), (s, m) => waitsIn(m, s, 0, 'mmu_interval_notifier_remove') && Number(s.mem[SEQ]) % 2 === 1)).toBe(true);
  });

  test('every wait ends: the deferred list is walked by the last mn_itree_inv_end(), and once every thread has finished the notifier is in no tree and on no list', () => {
    const done = (s: KState): boolean => s.threads.every((t) => t.frames.length === 0);
    for (const sc of [faultVsInvalidate(), withStatic()]) {
      expect(reachable(sc, (s) => done(s) && (s.mem[`${SN}.deferred_item.pprev`] !== 0 || s.mem[`${SN}.interval_tree.rb`] !== 0))).toBe(false);
      expect(reachable(sc, (s) => done(s) && Number(s.mem[SEQ]) % 2 === 1)).toBe(false);
      const run = runScenario(sc, { properties: ['deadlock'] });
      expect(run.result.verdicts.filter((v) => v.status !== 'holds').map((v) => v.property)).toEqual([]);
    }
    // The deferred insert is linked by the walk: a state where it is linked after having been deferred
    // (the reader then runs on a linked notifier, which a later invalidation of the scenario would find).
    expect(reachable(withStatic(), (s, m) => s.mem[`${SN}.interval_tree.rb`] === 1 && inFn(m, s, 1) === 'mn_itree_inv_end' && s.mem['mm.mmu_notifier_mm.active_invalidate_ranges'] === 0)).toBe(true);
  });

  test('the older interval cores keep the static tree: a driver that inserts and removes is refused there in one line', () => {
    for (const core of ['v5.5', 'v5.12']) {
      expect(() => buildProgram({ ...faultVsInvalidate(), core })).toThrow(ScenarioError);
      expect(() => buildProgram({ ...faultVsInvalidate(), core })).toThrow(/inserts and removes an mmu_interval_notifier while it runs .* the v6\.6 core has them as steps/);
    }
  });
});
