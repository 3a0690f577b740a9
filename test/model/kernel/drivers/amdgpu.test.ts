/**
 * amdgpu (GFX) callbacks, every variant, through their success and -EAGAIN paths in blockable and
 * non-blockable mode: return value, locks and counters after, what may sleep.
 */
import { describe, expect, test } from 'vitest';
import { HELD_MUTEX, kworkerTid, runCallback, runRelease, runThread, WRITE_HELD_RWSEM } from '../../harness.ts';
import { NON_OWNER, type LockState } from '../../../../src/model/lang/state.ts';

const OBJ = [{ start: 8, end: 10 }];
const free: LockState = { kind: 'mutex', owner: -1 };
const rwFree: LockState = { kind: 'rwsem', writer: -1, readers: [], waiters: [] };
const heldByNonOwner: LockState = { kind: 'rwsem', writer: -1, readers: [NON_OWNER], waiters: [] };
const heldByTest: LockState = { kind: 'rwsem', writer: -1, readers: [0], waiters: [] };

describe('amdgpu@93065ac753e4 (seed 001, + side)', () => {
  const use = 'amdgpu@93065ac753e4';
  test('blockable start over an object: invalidates it and keeps amn->lock read-held until the end', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10 });
    expect(r.ret).toBe(0);
    expect(r.state.mem['amdgpu0.recursion']).toBe(1);
    expect(r.state.locks['amdgpu0.lock']).toEqual(heldByNonOwner);
    expect(r.state.locks['amdgpu0.read_lock']).toEqual(free);
    expect(r.state.mem['amdgpu0.obj0.mapped']).toBe(0);
    expect(r.state.mem['amdgpu0.obj0.pages_valid']).toBe(0);
    expect(r.slept).toEqual([
      'mutex_lock(&rmn->read_lock);',
      'down_read_non_owner(&rmn->lock);',
      'r = reservation_object_wait_timeout_rcu(bo->tbo.resv, true, false, MAX_SCHEDULE_TIMEOUT);',
    ]);
  });
  test('non-blockable start over an object: -EAGAIN, and everything it took is released', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10, blockable: false });
    expect(r.ret).toBe(-11);
    expect(r.state.mem['amdgpu0.recursion']).toBe(0);
    expect(r.state.locks['amdgpu0.lock']).toEqual(rwFree);
    expect(r.state.mem['amdgpu0.obj0.mapped']).toBe(1);
  });
  test('non-blockable start away from every object: succeeds, but down_read_non_owner may sleep (Tetsuo Handa\'s question)', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 0, end: 4, blockable: false });
    expect(r.ret).toBe(0);
    expect(r.state.mem['amdgpu0.recursion']).toBe(1);
    expect(r.slept).toEqual(['down_read_non_owner(&rmn->lock);']);
  });
  test('non-blockable start with read_lock contended: -EAGAIN from the trylock, nothing taken', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 0, end: 4, blockable: false, locks: { 'amdgpu0.read_lock': HELD_MUTEX } });
    expect(r.ret).toBe(-11);
    expect(r.state.mem['amdgpu0.recursion']).toBe(0);
    expect(r.slept).toEqual([]);
  });
  test('non-blockable start while the CS ioctl holds amn->lock for write: really waits in down_read_non_owner', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 0, end: 4, blockable: false, locks: { 'amdgpu0.lock': WRITE_HELD_RWSEM } });
    expect(r.ret).toBeUndefined();
    expect(r.blocked).toMatch(/^down_read_non_owner\(&amdgpu0\.lock\): held for write by thread99; queued: test \(read\)$/);
  });
  test('end after an approved start: the last one out releases amn->lock', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_end', start: 8, end: 10, mem: { 'amdgpu0.recursion': 1 }, locks: { 'amdgpu0.lock': heldByNonOwner } });
    expect(r.ret).toBe(0);
    expect(r.state.mem['amdgpu0.recursion']).toBe(0);
    expect(r.state.locks['amdgpu0.lock']).toEqual(rwFree);
    expect(r.slept).toEqual([]);
  });
});

describe('amdgpu@clarify (Michal Hocko, 24 Aug 2018)', () => {
  test('non-blockable start takes read_lock with mutex_lock: it may sleep, and waits when the mutex is held', () => {
    const ok = runCallback({ use: 'amdgpu@clarify', objects: OBJ, op: 'invalidate_range_start', start: 0, end: 4, blockable: false });
    expect(ok.ret).toBe(0);
    expect(ok.slept).toEqual(['mutex_lock(&amn->read_lock);', 'down_read_non_owner(&amn->lock);']);
    const held = runCallback({ use: 'amdgpu@clarify', objects: OBJ, op: 'invalidate_range_start', start: 0, end: 4, blockable: false, locks: { 'amdgpu0.read_lock': HELD_MUTEX } });
    expect(held.blocked).toMatch(/^mutex_lock\(&amdgpu0\.read_lock\)/);
  });
  test('non-blockable start over an object: -EAGAIN from the walk, the recursion count and amn->lock back where they were', () => {
    const r = runCallback({ use: 'amdgpu@clarify', objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10, blockable: false });
    expect(r.ret).toBe(-11);
    expect(r.state.mem['amdgpu0.recursion']).toBe(0);
    expect(r.state.locks['amdgpu0.lock']).toEqual(rwFree);
    expect(r.state.mem['amdgpu0.obj0.mapped']).toBe(1);
  });
  test('blockable start over an object waits for the BO; the end releases amn->lock', () => {
    const s = runCallback({ use: 'amdgpu@clarify', objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10 });
    expect(s.ret).toBe(0);
    expect(s.state.mem['amdgpu0.obj0.mapped']).toBe(0);
    expect(s.state.locks['amdgpu0.lock']).toEqual(heldByNonOwner);
    const e = runCallback({ use: 'amdgpu@clarify', objects: OBJ, op: 'invalidate_range_end', start: 8, end: 10, mem: { 'amdgpu0.recursion': 1 }, locks: { 'amdgpu0.lock': heldByNonOwner } });
    expect(e.state.mem['amdgpu0.recursion']).toBe(0);
    expect(e.state.locks['amdgpu0.lock']).toEqual(rwFree);
  });
});

describe('amdgpu@tetsuo (Tetsuo Handa, 26 Aug 2018)', () => {
  test('non-blockable start with amn->lock write-held: -EAGAIN without sleeping', () => {
    const r = runCallback({ use: 'amdgpu@tetsuo', objects: OBJ, op: 'invalidate_range_start', start: 0, end: 4, blockable: false, locks: { 'amdgpu0.lock': WRITE_HELD_RWSEM } });
    expect(r.ret).toBe(-11);
    expect(r.slept).toEqual([]);
  });
  test('non-blockable start over an object: -EAGAIN from the walk, the read hold released with up_read', () => {
    const r = runCallback({ use: 'amdgpu@tetsuo', objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10, blockable: false });
    expect(r.ret).toBe(-11);
    expect(r.state.locks['amdgpu0.lock']).toEqual(rwFree);
    expect(r.state.mem['amdgpu0.obj0.mapped']).toBe(1);
    expect(r.slept).toEqual([]);
  });
  test('blockable start holds amn->lock for read as the task itself, and the end releases it', () => {
    const s = runCallback({ use: 'amdgpu@tetsuo', objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10 });
    expect(s.ret).toBe(0);
    expect(s.state.locks['amdgpu0.lock']).toEqual(heldByTest);
    const e = runCallback({ use: 'amdgpu@tetsuo', objects: OBJ, op: 'invalidate_range_end', start: 8, end: 10, locks: { 'amdgpu0.lock': heldByTest } });
    expect(e.state.locks['amdgpu0.lock']).toEqual(rwFree);
  });
});

describe('amdgpu@v4.18 (before the patch)', () => {
  test('the start has no non-blocking mode: it takes read_lock with mutex_lock and invalidates', () => {
    const r = runCallback({ use: 'amdgpu@v4.18', core: 'v4.18', objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10 });
    expect(r.ret).toBe(0);
    expect(r.state.mem['amdgpu0.recursion']).toBe(1);
    expect(r.state.mem['amdgpu0.obj0.pages_valid']).toBe(0);
    expect(r.slept[0]).toBe('mutex_lock(&rmn->read_lock);');
  });
  test('the end releases amn->lock when the last invalidation ends', () => {
    const r = runCallback({ use: 'amdgpu@v4.18', core: 'v4.18', objects: OBJ, op: 'invalidate_range_end', start: 8, end: 10, mem: { 'amdgpu0.recursion': 1 }, locks: { 'amdgpu0.lock': heldByNonOwner } });
    expect(r.state.mem['amdgpu0.recursion']).toBe(0);
    expect(r.state.locks['amdgpu0.lock']).toEqual(rwFree);
    expect(r.slept).toEqual([]);
  });
});

describe('->release (amdgpu_mn_release queues amdgpu_mn_destroy; the kworker runs it)', () => {
  for (const [use, core, name] of [
    ['amdgpu@v4.18', 'v4.18', 'rmn'],
    ['amdgpu@93065ac753e4', 'v4.19', 'rmn'],
    ['amdgpu@clarify', 'v4.19', 'amn'],
    ['amdgpu@tetsuo', 'v4.19', 'amn'],
    ['amdgpu-hsa@93065ac753e4', 'v4.19', 'rmn'],
  ] as const) {
    test(`${use}: the release only queues the work, which unlinks the BOs under both locks, unregisters without ->release and frees the notifier`, () => {
      const r = runRelease({ use, core, objects: OBJ });
      const id = r.nid;
      expect(r.blocked).toBeUndefined();
      expect(r.slept).toEqual([]);
      expect(r.state.mem[`${id}.work.pending`]).toBe(1);
      // Nothing is torn down when ->release returns.
      expect(r.state.mem[`${id}.obj0.mapped`]).toBe(1);
      expect(r.state.mem[`${id}.obj0.mn`]).toBe(id);
      expect(r.state.mem[`${id}.kfreed`]).toBe(0);
      const kw = kworkerTid(r.program, `${id}.work`);
      expect(r.state.threads[kw]!.frames.length).toBeGreaterThan(0);
      const w = runThread(r, kw);
      expect(w.blocked).toBeUndefined();
      const ran = w.trace.map((t) => t.src.text);
      expect(ran).toContain('mutex_lock(&adev->mn_lock);');
      expect(ran).toContain(`down_write(&${name}->lock);`);
      expect(ran).toContain(`kfree(${name});`);
      expect(w.state.mem[`${id}.work.pending`]).toBe(0);
      expect(w.state.mem[`${id}.obj0.mn`]).toBe(null);
      expect(w.state.mem[`${id}.hashed`]).toBe(0);
      expect(w.state.mem[`${id}.kfreed`]).toBe(1);
      expect(w.state.locks[`${id}.lock`]).toEqual(rwFree);
      expect(w.state.locks['adev.mn_lock']).toEqual(free);
      // The GPU may still use the pages: nothing waited for the BOs' fences.
      expect(w.state.mem[`${id}.obj0.mapped`]).toBe(1);
    });
  }

  test('the destroy work waits in down_write(&amn->lock) while an invalidation holds it for read (the reaper\'s start)', () => {
    const r = runRelease({ use: 'amdgpu@clarify', objects: OBJ, mem: { 'amdgpu0.recursion': 1 }, locks: { 'amdgpu0.lock': heldByNonOwner } });
    const w = runThread(r, kworkerTid(r.program, 'amdgpu0.work'));
    expect(w.blocked).toBeDefined();
    expect(w.trace.at(-1)?.src.text).toBe('down_write(&amn->lock);');
    expect(w.state.locks['adev.mn_lock']).toEqual({ kind: 'mutex', owner: kworkerTid(r.program, 'amdgpu0.work') });
    expect(w.state.mem['amdgpu0.kfreed']).toBe(0);
  });
});
