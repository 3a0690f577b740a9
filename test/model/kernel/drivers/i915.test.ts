/**
 * i915 userptr callbacks (drivers/gpu/drm/i915/i915_gem_userptr.c), every variant, through their
 * success and -EAGAIN paths in blockable and non-blockable mode: return value, mn->lock after, the
 * objects' tree membership, cancel work and mapping after, what may sleep. The `mayfail` variant is
 * also driven end to end by direct reclaim (`try_to_unmap_one`) on the `mayfail` core.
 */
import { describe, expect, test } from 'vitest';
import { runCallback } from '../../harness.ts';
import { buildProgram } from '../../../../src/model/kernel/scenario.ts';
import { Interpreter, type ExecutedInstr, type KAction } from '../../../../src/model/lang/interp.ts';
import type { KState, LockState } from '../../../../src/model/lang/state.ts';

const OBJ = [{ start: 8, end: 10 }];
const spinFree: LockState = { kind: 'spin', owner: -1 };
const FLUSH = 'flush_workqueue(mn->wq);';

describe('i915@v4.18 (before the patch)', () => {
  const use = 'i915@v4.18';
  test('start over an object: queues its cancel work, takes it out of the tree, flushes: the GPU mapping is gone', () => {
    const r = runCallback({ use, core: 'v4.18', objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10 });
    expect(r.ret).toBe(0);
    expect(r.state.locks['i9150.lock']).toEqual(spinFree);
    expect(r.state.mem['i9150.obj0.attached']).toBe(0);
    expect(r.state.mem['i9150.obj0.work_pending']).toBe(0);
    expect(r.state.mem['i9150.obj0.mapped']).toBe(0);
    expect(r.slept).toEqual([FLUSH]);
    const texts = r.trace.map((e) => e.src.text);
    expect(texts.indexOf('spin_unlock(&mn->lock);')).toBeLessThan(texts.indexOf(FLUSH));
    expect(texts).toContain('queue_work(mn->wq, &mo->work);');
  });
  test('start away from every object: nothing cancelled, no flush', () => {
    const r = runCallback({ use, core: 'v4.18', objects: OBJ, op: 'invalidate_range_start', start: 0, end: 4 });
    expect(r.ret).toBe(0);
    expect(r.state.mem['i9150.obj0.attached']).toBe(1);
    expect(r.state.mem['i9150.obj0.mapped']).toBe(1);
    expect(r.slept).toEqual([]);
  });
  test('empty tree (RB_EMPTY_ROOT): returns before taking the spinlock', () => {
    const r = runCallback({ use, core: 'v4.18', objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10, mem: { 'i9150.obj0.attached': 0 } });
    expect(r.ret).toBe(0);
    expect(r.trace.map((e) => e.src.text)).not.toContain('spin_lock(&mn->lock);');
    expect(r.slept).toEqual([]);
  });
  test('two objects in the range: both cancelled and flushed by one flush', () => {
    const r = runCallback({ use, core: 'v4.18', objects: [{ start: 8, end: 10 }, { start: 12, end: 14 }], op: 'invalidate_range_start', start: 0, end: 16 });
    expect(r.state.mem['i9150.obj0.mapped']).toBe(0);
    expect(r.state.mem['i9150.obj1.mapped']).toBe(0);
    expect(r.state.mem['i9150.obj0.attached']).toBe(0);
    expect(r.state.mem['i9150.obj1.attached']).toBe(0);
    expect(r.slept).toEqual([FLUSH]);
    expect(r.trace.filter((e) => e.fn === 'del_object' && e.src.text === 'mo->attached = false;')).toHaveLength(2);
  });
});

describe('i915@93065ac753e4 (seed 001, + side)', () => {
  const use = 'i915@93065ac753e4';
  test('blockable start over an object: 0 after the flush, the object out of the tree and unmapped', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10 });
    expect(r.ret).toBe(0);
    expect(r.state.locks['i9150.lock']).toEqual(spinFree);
    expect(r.state.mem['i9150.obj0.attached']).toBe(0);
    expect(r.state.mem['i9150.obj0.mapped']).toBe(0);
    expect(r.slept).toEqual([FLUSH]);
  });
  test('non-blockable start over an object: spin_unlock and -EAGAIN before anything is queued', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10, blockable: false });
    expect(r.ret).toBe(-11);
    expect(r.state.locks['i9150.lock']).toEqual(spinFree);
    expect(r.state.mem['i9150.obj0.attached']).toBe(1);
    expect(r.state.mem['i9150.obj0.work_pending']).toBe(0);
    expect(r.state.mem['i9150.obj0.mapped']).toBe(1);
    expect(r.slept).toEqual([]);
  });
  test('non-blockable start away from every object: 0, no flush', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 0, end: 4, blockable: false });
    expect(r.ret).toBe(0);
    expect(r.state.locks['i9150.lock']).toEqual(spinFree);
    expect(r.slept).toEqual([]);
  });
  test('non-blockable start with mn->lock held: spins (waits without sleeping)', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10, blockable: false, locks: { 'i9150.lock': { kind: 'spin', owner: 99 } } });
    expect(r.ret).toBeUndefined();
    expect(r.blocked).toMatch(/^spin_lock\(&i9150\.lock\): held by thread99$/);
    expect(r.slept).toEqual([]);
  });
  test('an object another invalidation already took out of the tree, its cancel work still pending: a non-blockable start returns 0 while the GPU still maps the pages', () => {
    const r = runCallback({
      use,
      objects: OBJ,
      op: 'invalidate_range_start',
      start: 8,
      end: 10,
      blockable: false,
      mem: { 'i9150.obj0.attached': 0, 'i9150.obj0.work_pending': 1 },
    });
    expect(r.ret).toBe(0);
    expect(r.state.mem['i9150.obj0.mapped']).toBe(1);
    expect(r.state.mem['i9150.obj0.work_pending']).toBe(1);
  });
  test('a blockable start that cancels nothing does not flush the work another thread queued', () => {
    const r = runCallback({
      use,
      objects: [{ start: 8, end: 10 }, { start: 12, end: 14 }],
      op: 'invalidate_range_start',
      start: 8,
      end: 10,
      mem: { 'i9150.obj0.attached': 0, 'i9150.obj0.work_pending': 1 },
    });
    expect(r.ret).toBe(0);
    expect(r.slept).toEqual([]);
    expect(r.state.mem['i9150.obj0.mapped']).toBe(1);
  });
  test('a blockable start that cancels an object flushes every pending cancel work of the workqueue', () => {
    const r = runCallback({
      use,
      objects: [{ start: 8, end: 10 }, { start: 12, end: 14 }],
      op: 'invalidate_range_start',
      start: 12,
      end: 14,
      mem: { 'i9150.obj0.attached': 0, 'i9150.obj0.work_pending': 1 },
    });
    expect(r.ret).toBe(0);
    expect(r.state.mem['i9150.obj0.mapped']).toBe(0);
    expect(r.state.mem['i9150.obj1.mapped']).toBe(0);
  });
});

describe('i915@mayfail (RFC 2/2 on the v4.19 body)', () => {
  const use = 'i915@mayfail';
  test('flags = MMU_NOTIFIER_RANGE_BLOCKABLE: as 93065ac753e4, cancels and flushes', () => {
    const r = runCallback({ use, core: 'mayfail', objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10 });
    expect(r.ret).toBe(0);
    expect(r.state.mem['i9150.obj0.mapped']).toBe(0);
    expect(r.slept).toEqual([FLUSH]);
  });
  test('flags = 0 (the reaper): -EAGAIN at the first object, nothing slept', () => {
    const r = runCallback({ use, core: 'mayfail', objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10, blockable: false });
    expect(r.ret).toBe(-11);
    expect(r.state.locks['i9150.lock']).toEqual(spinFree);
    expect(r.state.mem['i9150.obj0.mapped']).toBe(1);
    expect(r.slept).toEqual([]);
  });
  test('flags = 0 away from every object: 0', () => {
    const r = runCallback({ use, core: 'mayfail', objects: OBJ, op: 'invalidate_range_start', start: 0, end: 4, blockable: false });
    expect(r.ret).toBe(0);
  });

  /** Run direct reclaim of the page at `address` alone, to the end; the executed statements. */
  function reclaim(variant: string, address: number): { state: KState; trace: ExecutedInstr[]; slept: string[] } {
    const p = buildProgram({
      name: 'reclaim',
      core: 'mayfail',
      vmas: [{ start: 0, end: 16 }],
      notifiers: [{ use: `i915@${variant}`, objects: OBJ }],
      threads: [{ kind: 'reclaim', params: { address } }],
    });
    const ip = new Interpreter(p, { coalesce: false });
    let s = ip.initial();
    const trace: ExecutedInstr[] = [];
    const slept: string[] = [];
    for (let n = 0; n < 1000 && s.threads[0]!.frames.length; n++) {
      const acts: KAction[] = [];
      ip.actions(s, acts);
      expect(acts.length).toBeGreaterThan(0);
      const cur = ip.current(s, 0)!;
      if (ip.findPrim(cur.instr, (q) => q.sleeps === true)) slept.push(cur.instr.src.text);
      const r = ip.step(s, acts[0]!);
      trace.push(...r.executed);
      s = r.state;
    }
    expect(s.threads[0]!.frames).toHaveLength(0);
    return { state: s, trace, slept };
  }

  test('direct reclaim (BLOCKABLE|MAYFAIL) over the object: the callback returns -EAGAIN without waiting, the core turns it into success, the object stays mapped', () => {
    const r = reclaim('mayfail', 8);
    const ret = r.trace.find((e) => e.fn === 'i915_gem_userptr_mn_invalidate_range_start' && e.op === 'return');
    expect(ret?.src.text).toBe('return -EAGAIN;');
    expect(ret?.detail).toBe('-11');
    expect(r.trace.map((e) => e.src.text)).toContain('_ret = 0;');
    expect(r.slept).not.toContain(FLUSH);
    expect(r.state.mem['i9150.obj0.mapped']).toBe(1);
    expect(r.state.mem['i9150.obj0.attached']).toBe(1);
  });
  test('the same reclaim with the 93065ac753e4 callback waits in the flush and unmaps', () => {
    const r = reclaim('93065ac753e4', 8);
    expect(r.slept).toContain(FLUSH);
    expect(r.state.mem['i9150.obj0.mapped']).toBe(0);
  });
});
