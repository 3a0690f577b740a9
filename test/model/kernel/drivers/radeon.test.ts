/**
 * radeon callbacks (drivers/gpu/drm/radeon/radeon_mn.c), both variants, through their success and
 * -EAGAIN paths in blockable and non-blockable mode: return value, rmn->lock after, what the BO
 * looks like after, what may sleep.
 */
import { describe, expect, test } from 'vitest';
import { HELD_MUTEX, kworkerTid, runCallback, runRelease, runThread } from '../../harness.ts';
import type { LockState } from '../../../../src/model/lang/state.ts';

const OBJ = [{ start: 8, end: 10 }];
const free: LockState = { kind: 'mutex', owner: -1 };
/** What a blockable start sleeps in when it unbinds one bound BO. */
const UNBIND_SLEEPS = [
  'r = radeon_bo_reserve(bo, true);',
  'r = reservation_object_wait_timeout_rcu(bo->tbo.resv, true, false, MAX_SCHEDULE_TIMEOUT);',
  'r = ttm_bo_validate(&bo->tbo, &bo->placement, &ctx);',
];

describe('radeon@v4.18 (before the patch)', () => {
  const use = 'radeon@v4.18';
  test('start over a bound BO: takes rmn->lock, waits for and unbinds the BO, releases the lock', () => {
    const r = runCallback({ use, core: 'v4.18', objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10 });
    expect(r.ret).toBe(0);
    expect(r.state.locks['radeon0.lock']).toEqual(free);
    expect(r.state.mem['radeon0.obj0.mapped']).toBe(0);
    expect(r.state.mem['radeon0.obj0.tbo.ttm.state']).toBe('tt_unbound');
    expect(r.slept).toEqual(['mutex_lock(&rmn->lock);', ...UNBIND_SLEEPS]);
  });
  test('start away from every object: only the mutex', () => {
    const r = runCallback({ use, core: 'v4.18', objects: OBJ, op: 'invalidate_range_start', start: 0, end: 4 });
    expect(r.ret).toBe(0);
    expect(r.state.mem['radeon0.obj0.mapped']).toBe(1);
    expect(r.slept).toEqual(['mutex_lock(&rmn->lock);']);
  });
  test('a BO already unbound is skipped (continue): nothing but the mutex may sleep', () => {
    const r = runCallback({ use, core: 'v4.18', objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10, mem: { 'radeon0.obj0.tbo.ttm.state': 'tt_unbound', 'radeon0.obj0.mapped': 0 } });
    expect(r.ret).toBe(0);
    expect(r.slept).toEqual(['mutex_lock(&rmn->lock);']);
  });
  test('rmn->lock held by another task: the start waits in mutex_lock whatever the caller', () => {
    const r = runCallback({ use, core: 'v4.18', objects: OBJ, op: 'invalidate_range_start', start: 0, end: 4, locks: { 'radeon0.lock': HELD_MUTEX } });
    expect(r.ret).toBeUndefined();
    expect(r.blocked).toMatch(/^mutex_lock\(&radeon0\.lock\): held by thread99$/);
  });
});

describe('radeon@93065ac753e4 (seed 001, + side)', () => {
  const use = 'radeon@93065ac753e4';
  test('blockable start over a bound BO: waits for it and unbinds it, returns 0 with the lock released', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10 });
    expect(r.ret).toBe(0);
    expect(r.state.locks['radeon0.lock']).toEqual(free);
    expect(r.state.mem['radeon0.obj0.mapped']).toBe(0);
    expect(r.state.mem['radeon0.obj0.tbo.ttm.state']).toBe('tt_unbound');
    expect(r.slept).toEqual(['mutex_lock(&rmn->lock);', ...UNBIND_SLEEPS]);
  });
  test('non-blockable start over an object: -EAGAIN through out_unlock, the lock released, the BO still bound, nothing slept', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10, blockable: false });
    expect(r.ret).toBe(-11);
    expect(r.state.locks['radeon0.lock']).toEqual(free);
    expect(r.state.mem['radeon0.obj0.mapped']).toBe(1);
    expect(r.state.mem['radeon0.obj0.tbo.ttm.state']).toBe('tt_bound');
    expect(r.slept).toEqual([]);
    expect(r.trace.map((e) => e.src.text)).toContain('goto out_unlock;');
  });
  test('non-blockable start away from every object: 0 without sleeping', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 0, end: 4, blockable: false });
    expect(r.ret).toBe(0);
    expect(r.state.locks['radeon0.lock']).toEqual(free);
    expect(r.slept).toEqual([]);
  });
  test('non-blockable start with rmn->lock contended: -EAGAIN from the trylock, nothing taken', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 0, end: 4, blockable: false, locks: { 'radeon0.lock': HELD_MUTEX } });
    expect(r.ret).toBe(-11);
    expect(r.state.locks['radeon0.lock']).toEqual(HELD_MUTEX);
    expect(r.slept).toEqual([]);
  });
  test('blockable start with rmn->lock contended: waits in mutex_lock', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10, locks: { 'radeon0.lock': HELD_MUTEX } });
    expect(r.ret).toBeUndefined();
    expect(r.blocked).toMatch(/^mutex_lock\(&radeon0\.lock\)/);
  });
  test('two objects in the range: the blockable start unbinds both', () => {
    const r = runCallback({ use, objects: [{ start: 8, end: 10 }, { start: 12, end: 14 }], op: 'invalidate_range_start', start: 0, end: 16 });
    expect(r.ret).toBe(0);
    expect(r.state.mem['radeon0.obj0.mapped']).toBe(0);
    expect(r.state.mem['radeon0.obj1.mapped']).toBe(0);
    expect(r.slept).toEqual(['mutex_lock(&rmn->lock);', ...UNBIND_SLEEPS, ...UNBIND_SLEEPS]);
  });
});

describe('->release (radeon_mn_release queues radeon_mn_destroy; the kworker runs it)', () => {
  for (const [use, core] of [
    ['radeon@v4.18', 'v4.18'],
    ['radeon@93065ac753e4', 'v4.19'],
  ] as const) {
    test(`${use}: the release only queues the work; the work finds the notifier still hashed, so mmu_notifier_unregister calls ->release again, queueing itself, and its second run uses the freed notifier`, () => {
      const r = runRelease({ use, core, objects: OBJ });
      expect(r.blocked).toBeUndefined();
      expect(r.slept).toEqual([]);
      expect(r.state.mem['radeon0.work.pending']).toBe(1);
      expect(r.state.mem['radeon0.obj0.mapped']).toBe(1);
      const kw = kworkerTid(r.program, 'radeon0.work');
      const w = runThread(r, kw);
      const ran = w.trace.map((t) => t.src.text);
      expect(ran).toContain('mutex_lock(&rdev->mn_lock);');
      expect(ran).toContain('mutex_lock(&rmn->lock);');
      expect(ran).toContain('mmu_notifier_unregister(&rmn->mn, rmn->mm);');
      // mmu_notifier_unregister: still hashed, so ->release again (the work queued while it runs).
      expect(ran.filter((t) => t === 'schedule_work(&rmn->work);')).toHaveLength(1);
      expect(ran).toContain('kfree(rmn);');
      expect(w.state.mem['radeon0.hashed']).toBe(0);
      expect(w.state.mem['radeon0.kfreed']).toBe(1);
      expect(w.state.mem['radeon0.obj0.mn']).toBe(null);
      expect(w.state.locks['rdev.mn_lock']).toEqual(free);
      expect(w.state.locks['radeon0.lock']).toEqual(free);
      // The second run of the work: process_one_work() on the work_struct of the freed notifier.
      expect(w.blocked).toMatch(/^killed by a kernel oops \(use after free: process_one_work\(\) runs radeon0\.work, embedded in radeon0/);
      expect(ran.filter((t) => t === 'set_work_pool_and_clear_pending(work, pool->id);')).toHaveLength(2);
      expect(ran.at(-1)).toBe('set_work_pool_and_clear_pending(work, pool->id);');
      expect(w.state.mem[`${r.program.spec.threads[kw]!.task}.oops`]).toBeTruthy();
    });
  }

  test('the destroy work waits for rmn->lock while an invalidation holds it', () => {
    const r = runRelease({ use: 'radeon@93065ac753e4', objects: OBJ, locks: { 'radeon0.lock': HELD_MUTEX } });
    const w = runThread(r, kworkerTid(r.program, 'radeon0.work'));
    expect(w.blocked).toMatch(/radeon0\.lock/);
    expect(w.trace.at(-1)?.src.text).toBe('mutex_lock(&rdev->mn_lock);');
    expect(w.state.mem['radeon0.kfreed']).toBe(0);
  });
});
