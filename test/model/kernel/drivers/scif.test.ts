/**
 * scif (temporary cached windows), both variants: the start in blockable and non-blockable mode (no
 * -EAGAIN path: two spinlocks, nothing sleeps), the early break of the sorted window walk, the
 * contended tc_lock, and the empty end.
 */
import { describe, expect, test } from 'vitest';
import { check, Property } from '../../../../src/checker/index.ts';
import { KernelModel } from '../../../../src/model/kernel-model.ts';
import { buildProgram } from '../../../../src/model/kernel/scenario.ts';
import type { KState } from '../../../../src/model/lang/state.ts';
import { runCallback, runRelease } from '../../harness.ts';

const OBJS = [{ start: 8, end: 10 }, { start: 12, end: 14 }];
const spinFree = { kind: 'spin', owner: -1 };

for (const [use, core] of [['scif@93065ac753e4', 'v4.19'], ['scif@v4.18', 'v4.18']] as const) {
  describe(use, () => {
    for (const blockable of core === 'v4.18' ? [true] : [true, false]) {
      test(`${blockable ? 'blockable' : 'non-blockable'} start over a window: unlinks and queues it for cleanup, returns 0, never sleeps`, () => {
        const r = runCallback({ use, core, objects: OBJS, op: 'invalidate_range_start', start: 9, end: 10, blockable });
        expect(r.ret).toBe(0);
        expect(r.state.mem['scif0.obj0.mapped']).toBe(0);
        expect(r.state.mem['scif0.obj1.mapped']).toBe(1);
        expect(r.state.locks['scif0.ep.rma_info.tc_lock']).toEqual(spinFree);
        expect(r.state.locks['scif_info.rmalock']).toEqual(spinFree);
        expect(r.slept).toEqual([]);
        expect(r.trace.map((t) => t.src.text)).toContain('schedule_work(&scif_info.misc_work);');
      });
    }
    test('->release destroys every cached window (the whole address space) under the two spinlocks and queues the cleanup work; never sleeps', () => {
      const r = runRelease({ use, core, objects: OBJS });
      expect(r.blocked).toBeUndefined();
      expect(r.state.mem['scif0.obj0.mapped']).toBe(0);
      expect(r.state.mem['scif0.obj1.mapped']).toBe(0);
      expect(r.state.locks['scif0.ep.rma_info.tc_lock']).toEqual(spinFree);
      expect(r.state.locks['scif_info.rmalock']).toEqual(spinFree);
      expect(r.slept).toEqual([]);
      expect(r.trace.map((t) => t.src.text)).toContain('scif_rma_destroy_tcw(mmn, 0, ULONG_MAX);');
    });
    test('a range before the first window stops the walk at once (the list is sorted)', () => {
      const r = runCallback({ use, core, objects: OBJS, op: 'invalidate_range_start', start: 0, end: 4 });
      expect(r.ret).toBe(0);
      expect(r.state.mem['scif0.obj0.mapped']).toBe(1);
      expect(r.state.mem['scif0.obj1.mapped']).toBe(1);
      expect(r.trace.filter((t) => t.src.text === 'break;')).toHaveLength(1);
    });
    test('a range over both windows destroys both', () => {
      const r = runCallback({ use, core, objects: OBJS, op: 'invalidate_range_start', start: 0, end: 16 });
      expect(r.state.mem['scif0.obj0.mapped']).toBe(0);
      expect(r.state.mem['scif0.obj1.mapped']).toBe(0);
    });
    test('tc_lock held elsewhere: the start spins (not a sleep)', () => {
      const r = runCallback({ use, core, objects: OBJS, op: 'invalidate_range_start', start: 8, end: 10, locks: { 'scif0.ep.rma_info.tc_lock': { kind: 'spin', owner: 99 } } });
      expect(r.ret).toBeUndefined();
      expect(r.blocked).toMatch(/^spin_lock\(&scif0\.ep\.rma_info\.tc_lock\)/);
    });
    test('the end does nothing', () => {
      const r = runCallback({ use, core, objects: OBJS, op: 'invalidate_range_end', start: 8, end: 10, mem: { 'scif0.obj0.mapped': 0 } });
      expect(r.ret).toBe(0);
      expect(r.state.mem['scif0.obj0.mapped']).toBe(0);
      expect(r.state.mem['scif0.obj1.mapped']).toBe(1);
      expect(r.trace.filter((t) => t.fn === 'scif_mmu_notifier_invalidate_range_end').map((t) => t.src.text)).toEqual(['}']);
    });
  });
}

test('scif does not set MMU_INVALIDATE_DOES_NOT_BLOCK: the v4.18 oom_reaper backs off and never reaps', () => {
  const m = new KernelModel(
    buildProgram({ name: 'reaper', core: 'v4.18', oom: true, vmas: [{ start: 0, end: 16 }], notifiers: [{ use: 'scif@v4.18', objects: OBJS }], threads: [{ kind: 'oom_reaper' }] }),
  );
  m.setProperties([Property.always<KState>('never reaped', (s) => s.mem['vma0.unmapped'] === 0 && s.mem['scif0.obj0.mapped'] === 1)]);
  expect(check(m, {}).status).toBe('pass');
});
