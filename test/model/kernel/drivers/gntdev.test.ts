/**
 * Xen gntdev, every variant: the start over a map, away from it, with priv->lock contended, in
 * blockable and non-blockable mode; both lists (`priv->maps`, `priv->freeable_maps`); and, explored,
 * the hang the posted patch introduces for maps outside the range.
 */
import { describe, expect, test } from 'vitest';
import { check, Property } from '../../../../src/checker/index.ts';
import { Interpreter, type KAction } from '../../../../src/model/lang/interp.ts';
import { KernelModel } from '../../../../src/model/kernel-model.ts';
import { Program } from '../../../../src/model/lang/program.ts';
import { buildProgram, type Scenario } from '../../../../src/model/kernel/scenario.ts';
import type { KState, Value } from '../../../../src/model/lang/state.ts';
import { callbackProgram, HELD_MUTEX, runCallback, runRelease, type CallbackOptions } from '../../harness.ts';

const MAP = [{ start: 8, end: 10 }];
const free = { kind: 'mutex', owner: -1 };
const EAGAIN = -11;
const UNMAP = 'err = unmap_grant_pages(map, (mstart - map->vma->vm_start) >> PAGE_SHIFT, (mend - mstart) >> PAGE_SHIFT);';

/** runCallback with the map moved to priv->freeable_maps (the harness builds statics from a scenario). */
function onFreeableMaps(o: CallbackOptions): { ret: Value | undefined; state: KState } {
  const { program: base } = callbackProgram(o);
  const program = new Program({ ...base.spec, statics: { ...base.spec.statics, 'gntdev0.maps': [], 'gntdev0.freeable_maps': ['gntdev0.obj0'] } });
  const ip = new Interpreter(program, { coalesce: false });
  let state = ip.initial();
  state = { ...state, locks: { ...state.locks, ...(o.locks ?? {}) } };
  for (let n = 0; n < 10_000; n++) {
    if (state.threads[0]!.frames.length === 0) return { ret: state.mem['test.ret'], state };
    const acts: KAction[] = [];
    ip.actions(state, acts);
    if (acts.length === 0) return { ret: undefined, state };
    state = ip.step(state, acts[0]!).state;
  }
  throw new Error('did not finish');
}

describe('->release (mn_release: every mmapped map of both lists unmapped whole under priv->lock)', () => {
  const UNMAP_WHOLE = 'err = unmap_grant_pages(map, /* offset */ 0, map->count);';
  for (const [use, core] of [
    ['gntdev@v4.18', 'v4.18'],
    ['gntdev@93065ac753e4', 'v4.19'],
    ['gntdev@fixup', 'v4.19'],
  ] as const) {
    test(`${use}: unmaps both maps, sleeping in the mutex and each unmap`, () => {
      const r = runRelease({ use, core, objects: [{ start: 8, end: 10 }, { start: 12, end: 14 }] });
      expect(r.blocked).toBeUndefined();
      expect(r.state.mem['gntdev0.obj0.mapped']).toBe(0);
      expect(r.state.mem['gntdev0.obj1.mapped']).toBe(0);
      expect(r.state.locks['gntdev0.lock']).toEqual(free);
      expect(r.slept).toEqual(['mutex_lock(&priv->lock);', UNMAP_WHOLE, UNMAP_WHOLE]);
    });
  }
  test('a map on priv->freeable_maps is unmapped too', () => {
    const r = onFreeableMaps({ use: 'gntdev@93065ac753e4', objects: MAP, op: 'release', start: 0, end: 0 });
    expect(r.state.mem['gntdev0.obj0.mapped']).toBe(0);
  });
  test('with priv->lock held elsewhere the release waits in mutex_lock', () => {
    const r = runRelease({ use: 'gntdev@93065ac753e4', objects: MAP, locks: { 'gntdev0.lock': HELD_MUTEX } });
    expect(r.blocked).toMatch(/^mutex_lock\(&gntdev0\.lock\)/);
    expect(r.state.mem['gntdev0.obj0.mapped']).toBe(1);
  });
});

describe('gntdev@v4.18 (before the patch)', () => {
  const use = 'gntdev@v4.18';
  test('start over a map: mutex_lock, unmap (sleeps), unlock', () => {
    const r = runCallback({ use, core: 'v4.18', objects: MAP, op: 'invalidate_range_start', start: 8, end: 10 });
    expect(r.ret).toBe(0);
    expect(r.state.mem['gntdev0.obj0.mapped']).toBe(0);
    expect(r.state.locks['gntdev0.lock']).toEqual(free);
    expect(r.slept).toEqual(['mutex_lock(&priv->lock);', UNMAP]);
  });
  test('start away from the map: only the mutex', () => {
    const r = runCallback({ use, core: 'v4.18', objects: MAP, op: 'invalidate_range_start', start: 0, end: 4 });
    expect(r.state.mem['gntdev0.obj0.mapped']).toBe(1);
    expect(r.slept).toEqual(['mutex_lock(&priv->lock);']);
  });
  test('priv->lock held elsewhere: waits in mutex_lock', () => {
    const r = runCallback({ use, core: 'v4.18', objects: MAP, op: 'invalidate_range_start', start: 8, end: 10, locks: { 'gntdev0.lock': HELD_MUTEX } });
    expect(r.blocked).toMatch(/^mutex_lock\(&gntdev0\.lock\)/);
  });
  test('a map on freeable_maps is unmapped too', () => {
    const r = onFreeableMaps({ use, core: 'v4.18', objects: MAP, op: 'invalidate_range_start', start: 8, end: 10 });
    expect(r.ret).toBe(0);
    expect(r.state.mem['gntdev0.obj0.mapped']).toBe(0);
  });
});

describe('gntdev@93065ac753e4 (seed 001, + side)', () => {
  const use = 'gntdev@93065ac753e4';
  test('non-blockable start over a map: -EAGAIN after the trylock, the map stays, the lock is released, nothing sleeps', () => {
    const r = runCallback({ use, objects: MAP, op: 'invalidate_range_start', start: 8, end: 10, blockable: false });
    expect(r.ret).toBe(EAGAIN);
    expect(r.state.mem['gntdev0.obj0.mapped']).toBe(1);
    expect(r.state.locks['gntdev0.lock']).toEqual(free);
    expect(r.slept).toEqual([]);
  });
  test('non-blockable start with priv->lock held: -EAGAIN from the trylock', () => {
    const r = runCallback({ use, objects: MAP, op: 'invalidate_range_start', start: 8, end: 10, blockable: false, locks: { 'gntdev0.lock': HELD_MUTEX } });
    expect(r.ret).toBe(EAGAIN);
    expect(r.state.locks['gntdev0.lock']).toEqual(HELD_MUTEX);
    expect(r.slept).toEqual([]);
  });
  test('FINDING: a blockable start over a map also returns -EAGAIN and leaves the grants mapped (its caller ignores the error)', () => {
    const r = runCallback({ use, objects: MAP, op: 'invalidate_range_start', start: 8, end: 10 });
    expect(r.ret).toBe(EAGAIN);
    expect(r.state.mem['gntdev0.obj0.mapped']).toBe(1);
    expect(r.state.locks['gntdev0.lock']).toEqual(free);
    expect(r.slept).toEqual(['mutex_lock(&priv->lock);']);
  });
  test('the in_range check covers freeable_maps as well', () => {
    const r = onFreeableMaps({ use, objects: MAP, op: 'invalidate_range_start', start: 8, end: 10, blockable: false });
    expect(r.ret).toBe(EAGAIN);
    expect(r.state.mem['gntdev0.obj0.mapped']).toBe(1);
  });
  for (const blockable of [true, false]) {
    test(`FINDING: a ${blockable ? 'blockable' : 'non-blockable'} start with a map outside the range calls unmap_grant_pages() with a negative count and never returns, holding priv->lock`, () => {
      const r = runCallback({ use, objects: MAP, op: 'invalidate_range_start', start: 0, end: 4, blockable });
      expect(r.ret).toBeUndefined();
      expect(r.blocked).toBe('unmap_grant_pages(gntdev0.obj0, ..., -4): negative page count, the while (pages && !err) loop never ends');
      expect(r.state.locks['gntdev0.lock']).toEqual({ kind: 'mutex', owner: 0 });
      // It sleeps there (gnttab_unmap_refs_sync), in non-blockable mode too.
      const ip = new Interpreter(r.program);
      expect(ip.current(r.state, 0)?.instr.src.text).toBe(UNMAP);
      expect(ip.waitOf(r.state, 0)?.sleeping).toBe(true);
    });
  }
  test('a map adjacent to the range gets a zero count: no unmapping, no sleep, 0 returned', () => {
    const r = runCallback({ use, objects: MAP, op: 'invalidate_range_start', start: 4, end: 8, blockable: false });
    expect(r.ret).toBe(0);
    expect(r.state.mem['gntdev0.obj0.mapped']).toBe(1);
    expect(r.slept).toEqual([]);
  });
});

describe('gntdev@fixup (Michal Hocko, 27 Aug 2018)', () => {
  const use = 'gntdev@fixup';
  test('blockable start over a map unmaps it and returns 0', () => {
    const r = runCallback({ use, objects: MAP, op: 'invalidate_range_start', start: 8, end: 10 });
    expect(r.ret).toBe(0);
    expect(r.state.mem['gntdev0.obj0.mapped']).toBe(0);
    expect(r.slept).toEqual(['mutex_lock(&priv->lock);', UNMAP]);
  });
  test('non-blockable start over a map: -EAGAIN without sleeping, on either list', () => {
    const r = runCallback({ use, objects: MAP, op: 'invalidate_range_start', start: 8, end: 10, blockable: false });
    expect(r.ret).toBe(EAGAIN);
    expect(r.slept).toEqual([]);
    expect(onFreeableMaps({ use, objects: MAP, op: 'invalidate_range_start', start: 8, end: 10, blockable: false }).ret).toBe(EAGAIN);
  });
  test('start away from the map leaves it alone in both modes', () => {
    for (const blockable of [true, false]) {
      const r = runCallback({ use, objects: MAP, op: 'invalidate_range_start', start: 0, end: 4, blockable });
      expect(r.ret).toBe(0);
      expect(r.state.mem['gntdev0.obj0.mapped']).toBe(1);
      expect(r.state.locks['gntdev0.lock']).toEqual(free);
    }
  });
});

describe('explored: madvise away from a grant map', () => {
  const sc = (use: string): Scenario => ({
    name: 'madvise vs gntdev',
    core: 'v4.19',
    vmas: [{ start: 0, end: 16 }],
    notifiers: [{ use, objects: MAP }],
    threads: [{ kind: 'madvise', params: { start: 0, len: 2 } }],
  });
  const explore = (use: string) => {
    const m = new KernelModel(buildProgram(sc(use)));
    m.setProperties([Property.deadlockFree('deadlock')]);
    return check(m, {});
  };
  test('93065ac753e4: the madvise thread hangs in the notifier', () => {
    const r = explore('gntdev@93065ac753e4');
    expect(r.status).toBe('violation');
    if (r.status !== 'violation') return;
    expect(r.violation.threads?.[0]?.waitingFor).toMatch(/negative page count/);
  });
  test('fixup: it completes', () => {
    expect(explore('gntdev@fixup').status).toBe('pass');
  });
});
