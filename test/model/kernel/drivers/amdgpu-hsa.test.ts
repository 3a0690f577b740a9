/**
 * amdgpu HSA callbacks (amdgpu_mn_invalidate_range_start_hsa and the shared end), every variant,
 * through their success and -EAGAIN paths in blockable and non-blockable mode: return value, locks
 * and counters after, the user queues' use of the BO after, what may sleep.
 */
import { describe, expect, test } from 'vitest';
import { HELD_MUTEX, runCallback, WRITE_HELD_RWSEM } from '../../harness.ts';
import { NON_OWNER, type LockState } from '../../../../src/model/lang/state.ts';

const OBJ = [{ start: 8, end: 10 }];
const free: LockState = { kind: 'mutex', owner: -1 };
const rwFree: LockState = { kind: 'rwsem', writer: -1, readers: [], waiters: [] };
const heldByNonOwner: LockState = { kind: 'rwsem', writer: -1, readers: [NON_OWNER], waiters: [] };
const heldByTest: LockState = { kind: 'rwsem', writer: -1, readers: [0], waiters: [] };
const EVICT = 'amdgpu_amdkfd_evict_userptr(mem, mm);';
const ID = 'amdgpu-hsa0';

describe('amdgpu-hsa@v4.18 (before the patch)', () => {
  const use = 'amdgpu-hsa@v4.18';
  test('start over an object: read_lock with mutex_lock, amn->lock read-held (non-owner), the user queues evicted', () => {
    const r = runCallback({ use, core: 'v4.18', objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10 });
    expect(r.ret).toBe(0);
    expect(r.state.mem[`${ID}.recursion`]).toBe(1);
    expect(r.state.locks[`${ID}.lock`]).toEqual(heldByNonOwner);
    expect(r.state.locks[`${ID}.read_lock`]).toEqual(free);
    expect(r.state.mem[`${ID}.obj0.mapped`]).toBe(0);
    expect(r.state.mem[`${ID}.obj0.pages_valid`]).toBe(0);
    expect(r.slept).toEqual(['mutex_lock(&rmn->read_lock);', 'down_read_non_owner(&rmn->lock);', EVICT]);
  });
  test('start away from every object: nothing evicted', () => {
    const r = runCallback({ use, core: 'v4.18', objects: OBJ, op: 'invalidate_range_start', start: 0, end: 4 });
    expect(r.ret).toBe(0);
    expect(r.state.mem[`${ID}.obj0.mapped`]).toBe(1);
    expect(r.slept).toEqual(['mutex_lock(&rmn->read_lock);', 'down_read_non_owner(&rmn->lock);']);
  });
  test('end: the last one out releases amn->lock', () => {
    const r = runCallback({ use, core: 'v4.18', objects: OBJ, op: 'invalidate_range_end', start: 8, end: 10, mem: { [`${ID}.recursion`]: 1 }, locks: { [`${ID}.lock`]: heldByNonOwner } });
    expect(r.state.mem[`${ID}.recursion`]).toBe(0);
    expect(r.state.locks[`${ID}.lock`]).toEqual(rwFree);
    expect(r.slept).toEqual([]);
  });
});

describe('amdgpu-hsa@93065ac753e4 (seed 001, + side)', () => {
  const use = 'amdgpu-hsa@93065ac753e4';
  test('blockable start over an object: evicts the user queues (sleeps) and keeps amn->lock read-held until the end', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10 });
    expect(r.ret).toBe(0);
    expect(r.state.mem[`${ID}.recursion`]).toBe(1);
    expect(r.state.locks[`${ID}.lock`]).toEqual(heldByNonOwner);
    expect(r.state.mem[`${ID}.obj0.mapped`]).toBe(0);
    expect(r.slept).toEqual(['mutex_lock(&rmn->read_lock);', 'down_read_non_owner(&rmn->lock);', EVICT]);
  });
  test('non-blockable start over an object: -EAGAIN before evicting, everything it took released', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10, blockable: false });
    expect(r.ret).toBe(-11);
    expect(r.state.mem[`${ID}.recursion`]).toBe(0);
    expect(r.state.locks[`${ID}.lock`]).toEqual(rwFree);
    expect(r.state.locks[`${ID}.read_lock`]).toEqual(free);
    expect(r.state.mem[`${ID}.obj0.mapped`]).toBe(1);
    expect(r.slept).toEqual(['down_read_non_owner(&rmn->lock);']);
  });
  test('non-blockable start away from every object: 0, amn->lock read-held', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 0, end: 4, blockable: false });
    expect(r.ret).toBe(0);
    expect(r.state.mem[`${ID}.recursion`]).toBe(1);
    expect(r.state.locks[`${ID}.lock`]).toEqual(heldByNonOwner);
  });
  test('non-blockable start with read_lock contended: -EAGAIN from the trylock, nothing taken, nothing slept', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10, blockable: false, locks: { [`${ID}.read_lock`]: HELD_MUTEX } });
    expect(r.ret).toBe(-11);
    expect(r.state.mem[`${ID}.recursion`]).toBe(0);
    expect(r.slept).toEqual([]);
  });
  test('non-blockable start while amn->lock is write-held: waits in down_read_non_owner', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 0, end: 4, blockable: false, locks: { [`${ID}.lock`]: WRITE_HELD_RWSEM } });
    expect(r.ret).toBeUndefined();
    expect(r.blocked).toMatch(/^down_read_non_owner\(&amdgpu-hsa0\.lock\): held for write by thread99/);
  });
  test('end after an approved start releases amn->lock', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_end', start: 8, end: 10, mem: { [`${ID}.recursion`]: 1 }, locks: { [`${ID}.lock`]: heldByNonOwner } });
    expect(r.state.mem[`${ID}.recursion`]).toBe(0);
    expect(r.state.locks[`${ID}.lock`]).toEqual(rwFree);
  });
  test('end of a nested pair: recursion 2 -> 1, amn->lock stays read-held', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_end', start: 8, end: 10, mem: { [`${ID}.recursion`]: 2 }, locks: { [`${ID}.lock`]: heldByNonOwner } });
    expect(r.state.mem[`${ID}.recursion`]).toBe(1);
    expect(r.state.locks[`${ID}.lock`]).toEqual(heldByNonOwner);
  });
});

describe('amdgpu-hsa@clarify (Michal Hocko, 24 Aug 2018)', () => {
  const use = 'amdgpu-hsa@clarify';
  test('non-blockable start over an object: mutex_lock(read_lock) may sleep, then -EAGAIN with everything released', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10, blockable: false });
    expect(r.ret).toBe(-11);
    expect(r.state.mem[`${ID}.recursion`]).toBe(0);
    expect(r.state.locks[`${ID}.lock`]).toEqual(rwFree);
    expect(r.slept).toEqual(['mutex_lock(&amn->read_lock);', 'down_read_non_owner(&amn->lock);']);
  });
  test('non-blockable start with read_lock held: waits in mutex_lock instead of failing', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10, blockable: false, locks: { [`${ID}.read_lock`]: HELD_MUTEX } });
    expect(r.ret).toBeUndefined();
    expect(r.blocked).toMatch(/^mutex_lock\(&amdgpu-hsa0\.read_lock\)/);
  });
  test('blockable start over an object evicts; the end releases', () => {
    const s = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10 });
    expect(s.ret).toBe(0);
    expect(s.state.mem[`${ID}.obj0.mapped`]).toBe(0);
    expect(s.slept).toContain(EVICT);
    const e = runCallback({ use, objects: OBJ, op: 'invalidate_range_end', start: 8, end: 10, mem: { [`${ID}.recursion`]: 1 }, locks: { [`${ID}.lock`]: heldByNonOwner } });
    expect(e.state.locks[`${ID}.lock`]).toEqual(rwFree);
  });
});

describe('amdgpu-hsa@tetsuo (Tetsuo Handa, 26 Aug 2018)', () => {
  const use = 'amdgpu-hsa@tetsuo';
  test('non-blockable start with amn->lock write-held: -EAGAIN from down_read_trylock, nothing slept', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10, blockable: false, locks: { [`${ID}.lock`]: WRITE_HELD_RWSEM } });
    expect(r.ret).toBe(-11);
    expect(r.slept).toEqual([]);
  });
  test('non-blockable start over an object: -EAGAIN, the read hold it took released with up_read', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10, blockable: false });
    expect(r.ret).toBe(-11);
    expect(r.state.locks[`${ID}.lock`]).toEqual(rwFree);
    expect(r.state.mem[`${ID}.obj0.mapped`]).toBe(1);
    expect(r.slept).toEqual([]);
  });
  test('blockable start over an object: down_read as the task itself, evicts; the end releases', () => {
    const s = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10 });
    expect(s.ret).toBe(0);
    expect(s.state.locks[`${ID}.lock`]).toEqual(heldByTest);
    expect(s.state.mem[`${ID}.obj0.mapped`]).toBe(0);
    expect(s.slept).toEqual(['down_read(&amn->lock);', EVICT]);
    const e = runCallback({ use, objects: OBJ, op: 'invalidate_range_end', start: 8, end: 10, locks: { [`${ID}.lock`]: heldByTest } });
    expect(e.state.locks[`${ID}.lock`]).toEqual(rwFree);
  });
});
