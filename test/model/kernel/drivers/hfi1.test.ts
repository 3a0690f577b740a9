/**
 * hfi1 (mmu_rb.c with the user SDMA ops), both variants: the start in blockable and non-blockable
 * mode (it has no -EAGAIN path: it only takes a spinlock), over a node not in use, a node in use,
 * and away from every node; the handler's spinlock contended.
 */
import { describe, expect, test } from 'vitest';
import { runCallback } from '../../harness.ts';

const OBJS = [{ start: 8, end: 10 }, { start: 12, end: 14 }];
const spinFree = { kind: 'spin', owner: -1 };

for (const [use, core] of [['hfi1@93065ac753e4', 'v4.19'], ['hfi1@v4.18', 'v4.18']] as const) {
  describe(use, () => {
    const modes = core === 'v4.18' ? [true] : [true, false];
    for (const blockable of modes) {
      test(`${blockable ? 'blockable' : 'non-blockable'} start over a node not in use: removes it from the tree, returns 0, never sleeps`, () => {
        const r = runCallback({ use, core, objects: OBJS, op: 'invalidate_range_start', start: 8, end: 10, blockable });
        expect(r.ret).toBe(0);
        expect(r.state.mem['hfi10.obj0.mapped']).toBe(0);
        expect(r.state.mem['hfi10.obj1.mapped']).toBe(1);
        expect(r.state.locks['hfi10.lock']).toEqual(spinFree);
        expect(r.slept).toEqual([]);
        expect(r.trace.map((t) => t.src.text)).toContain('queue_work(handler->wq, &handler->del_work);');
      });
      test(`${blockable ? 'blockable' : 'non-blockable'} start over a node an SDMA request still uses: the node stays in the tree (stale cache entry), 0 returned`, () => {
        const r = runCallback({ use, core, objects: OBJS, op: 'invalidate_range_start', start: 8, end: 14, blockable, mem: { 'hfi10.obj0.refcount': 1 } });
        expect(r.ret).toBe(0);
        expect(r.state.mem['hfi10.obj0.mapped']).toBe(1);
        expect(r.state.mem['hfi10.obj1.mapped']).toBe(0);
        expect(r.slept).toEqual([]);
      });
    }
    test('start away from every node: nothing removed, no work queued', () => {
      const r = runCallback({ use, core, objects: OBJS, op: 'invalidate_range_start', start: 0, end: 4 });
      expect(r.ret).toBe(0);
      expect(r.state.mem['hfi10.obj0.mapped']).toBe(1);
      expect(r.trace.map((t) => t.src.text)).not.toContain('queue_work(handler->wq, &handler->del_work);');
    });
    test('handler->lock held elsewhere: the start spins (not a sleep)', () => {
      const r = runCallback({ use, core, objects: OBJS, op: 'invalidate_range_start', start: 8, end: 10, locks: { 'hfi10.lock': { kind: 'spin', owner: 99 } } });
      expect(r.ret).toBeUndefined();
      expect(r.blocked).toMatch(/^spin_lock_irqsave\(&hfi10\.lock\)/);
      expect(r.slept).toEqual([]);
    });
  });
}

test('a start called a second time does not revisit a node it removed', () => {
  const r = runCallback({ use: 'hfi1@93065ac753e4', objects: OBJS, op: 'invalidate_range_start', start: 8, end: 10, mem: { 'hfi10.obj0.mapped': 0 } });
  expect(r.trace.map((t) => t.fn)).not.toContain('sdma_rb_invalidate');
});
