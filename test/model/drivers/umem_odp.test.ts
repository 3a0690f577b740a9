/**
 * umem_odp (with mlx5 as the device), both variants: the start and end callbacks through their
 * success and -EAGAIN paths in blockable and non-blockable mode (return value, locks, the context's
 * and the umem's counters, the device mapping, what may sleep), the accounting helpers, and the
 * driver threads (`free_implicit_mr`, `pagefault`) explored with the checker.
 */
import { describe, expect, test } from 'vitest';
import { check, Property } from '../../../src/checker/index.ts';
import { Interpreter, type KAction } from '../../../src/model/interp.ts';
import { KernelModel } from '../../../src/model/kernel-model.ts';
import { Program } from '../../../src/model/program.ts';
import { buildProgram, type Scenario } from '../../../src/model/scenario.ts';
import type { KState, Value } from '../../../src/model/state.ts';
import { callbackProgram, READ_HELD_WRITER_QUEUED, runCallback, runRelease, WRITE_HELD_RWSEM, type CallbackOptions } from '../harness.ts';

const OBJ = [{ start: 8, end: 10 }];
const rwFree = { kind: 'rwsem', writer: -1, readers: [], waiters: [] };
const mutexFree = { kind: 'mutex', owner: -1 };
const EAGAIN = -11;
const NEW = 'umem_odp@93065ac753e4';
const OLD = 'umem_odp@v4.18';

/** runCallback with static configuration changed (the harness builds it from a scenario). */
function runWithStatics(o: CallbackOptions, statics: Record<string, Value | readonly Value[]>): { ret: Value | undefined; state: KState; slept: string[] } {
  const { program: base } = callbackProgram(o);
  const program = new Program({ ...base.spec, statics: { ...base.spec.statics, ...statics } });
  const ip = new Interpreter(program, { coalesce: false });
  let state = ip.initial();
  state = { ...state, mem: { ...state.mem, ...(o.mem ?? {}) }, locks: { ...state.locks, ...(o.locks ?? {}) } };
  const slept: string[] = [];
  for (let n = 0; n < 10_000; n++) {
    if (state.threads[0]!.frames.length === 0) return { ret: state.mem['test.ret'], state, slept };
    const acts: KAction[] = [];
    ip.actions(state, acts);
    if (acts.length === 0) return { ret: undefined, state, slept };
    const cur = ip.current(state, 0)!;
    if (ip.findPrim(cur.instr, (p) => p.sleeps !== false)) slept.push(cur.instr.src.text);
    state = ip.step(state, acts[0]!).state;
  }
  throw new Error('did not finish');
}

describe('umem_odp@93065ac753e4 (seed 001, + side)', () => {
  test('blockable start over a umem: counts the context and the umem up, zaps the MTTs, and sleeps on the way', () => {
    const r = runCallback({ use: NEW, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10 });
    expect(r.ret).toBe(0);
    expect(r.state.mem['umem_odp0.notifier_count']).toBe(1);
    expect(r.state.mem['umem_odp0.obj0.notifiers_count']).toBe(1);
    expect(r.state.mem['umem_odp0.obj0.notifier_completion.done']).toBe(0);
    expect(r.state.mem['umem_odp0.obj0.mapped']).toBe(0);
    expect(r.state.mem['umem_odp0.obj0.npages']).toBe(0);
    expect(r.state.locks['umem_odp0.umem_rwsem']).toEqual(rwFree);
    expect(r.state.locks['umem_odp0.obj0.umem_mutex']).toEqual(mutexFree);
    expect(r.slept).toEqual([
      'down_read(&context->umem_rwsem);',
      'mutex_lock(&item->odp_data->umem_mutex);',
      'mlx5_ib_update_xlt(mr, blk_start_idx, idx - blk_start_idx + 1, 0, MLX5_IB_UPD_XLT_ZAP | MLX5_IB_UPD_XLT_ATOMIC);',
      'ib_umem_odp_unmap_dma_pages(umem, start, end);',
    ]);
  });

  test('a blockable start that unmaps a whole leaf of the implicit MR queues its free work: the kworker bound to it starts', () => {
    const r = runCallback({ use: NEW, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10 });
    expect(r.state.mem['umem_odp0.obj0.dying']).toBe(1);
    expect(r.state.mem['umem_odp0.imr.num_leaf_free']).toBe(1);
    expect(r.state.mem['umem_odp0.obj0.work.pending']).toBe(1);
    const kw = r.program.spec.threads.findIndex((t) => t.kworker === 'umem_odp0.obj0.work');
    expect(r.program.spec.threads[kw]!.name).toBe('kworker/umem_odp0.obj0.work');
    expect(r.state.threads[kw]!.frames.map((f) => r.program.fn(f.fn).def.name)).toEqual(['worker_thread']);
    // A range over part of the umem unmaps the DMA pages of that part only: the leaf is not freed.
    const part = runCallback({ use: NEW, objects: [{ start: 8, end: 12 }], op: 'invalidate_range_start', start: 8, end: 10 });
    expect(part.state.mem['umem_odp0.obj0.dma_list']).toBe(0b1100);
    expect(part.state.mem['umem_odp0.obj0.npages']).toBe(2);
    expect(part.state.mem['umem_odp0.obj0.dying']).toBe(0);
    expect(part.state.mem['umem_odp0.obj0.work.pending']).toBe(0);
  });

  test('mlx5_ib_invalidate_range zaps the MTTs only if a page of the range is DMA-mapped (its in_block condition)', () => {
    // Pages 8 and 9 no longer DMA-mapped (an earlier invalidation): no mlx5_ib_update_xlt.
    const r = runCallback({ use: NEW, objects: [{ start: 8, end: 12 }], op: 'invalidate_range_start', start: 8, end: 10, mem: { 'umem_odp0.obj0.dma_list': 0b1100, 'umem_odp0.obj0.npages': 2 } });
    expect(r.ret).toBe(0);
    expect(r.state.mem['umem_odp0.obj0.mapped']).toBe(1);
    expect(r.trace.map((t) => t.src.text).filter((t) => t.startsWith('mlx5_ib_update_xlt'))).toEqual([]);
    expect(r.slept).not.toContain('mlx5_ib_update_xlt(mr, blk_start_idx, idx - blk_start_idx + 1, 0, MLX5_IB_UPD_XLT_ZAP | MLX5_IB_UPD_XLT_ATOMIC);');
    // Page 9 DMA-mapped: the block starts there and the last update_xlt zaps it.
    const z = runCallback({ use: NEW, objects: [{ start: 8, end: 12 }], op: 'invalidate_range_start', start: 8, end: 10, mem: { 'umem_odp0.obj0.dma_list': 0b0010, 'umem_odp0.obj0.npages': 1 } });
    expect(z.state.mem['umem_odp0.obj0.mapped']).toBe(0);
    expect(z.trace.filter((t) => t.src.text.startsWith('mlx5_ib_update_xlt')).length).toBe(1);
  });

  test('->release (exit_mmap): counts the context and each umem up for good, marks them dying and invalidates them whole', () => {
    const r = runRelease({ use: NEW, objects: [{ start: 8, end: 10 }, { start: 12, end: 14 }] });
    expect(r.state.mem['umem_odp0.notifier_count']).toBe(1);
    expect(r.state.mem['umem_odp0.release_raised']).toBe(1);
    for (const o of ['umem_odp0.obj0', 'umem_odp0.obj1']) {
      expect(r.state.mem[`${o}.notifiers_count`]).toBe(1);
      expect(r.state.mem[`${o}.release_raised`]).toBe(1);
      expect(r.state.mem[`${o}.dying`]).toBe(1);
      expect(r.state.mem[`${o}.notifier_completion.done`]).toBe(1);
      expect(r.state.mem[`${o}.mapped`]).toBe(0);
      expect(r.state.mem[`${o}.npages`]).toBe(0);
      // dying was set first: mlx5_ib_invalidate_range queues no leaf-free work.
      expect(r.state.mem[`${o}.work.pending`]).toBe(0);
    }
    expect(r.state.locks['umem_odp0.umem_rwsem']).toEqual(rwFree);
    expect(r.slept).toContain('down_read(&context->umem_rwsem);');
  });

  test('FINDING: a non-blockable start over a umem returns -EAGAIN after start_account: notifier_count stays 1 and no end will come', () => {
    const r = runCallback({ use: NEW, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10, blockable: false });
    expect(r.ret).toBe(EAGAIN);
    expect(r.state.mem['umem_odp0.notifier_count']).toBe(1);
    expect(r.state.mem['umem_odp0.obj0.notifiers_count']).toBe(0);
    expect(r.state.mem['umem_odp0.obj0.mapped']).toBe(1);
    expect(r.state.locks['umem_odp0.umem_rwsem']).toEqual(rwFree);
    expect(r.slept).toEqual([]);
    // The core owes no end to a failed start: no pair is recorded that could count it down.
    expect(r.state.pairs).toEqual([]);
  });

  test('a non-blockable start away from every umem succeeds without sleeping; its end counts notifier_count down', () => {
    const s = runCallback({ use: NEW, objects: OBJ, op: 'invalidate_range_start', start: 0, end: 4, blockable: false });
    expect(s.ret).toBe(0);
    expect(s.state.mem['umem_odp0.notifier_count']).toBe(1);
    expect(s.slept).toEqual([]);
    const e = runCallback({ use: NEW, objects: OBJ, op: 'invalidate_range_end', start: 0, end: 4, mem: { 'umem_odp0.notifier_count': 1 } });
    expect(e.state.mem['umem_odp0.notifier_count']).toBe(0);
    // The end takes umem_rwsem with down_read whatever the start's mode (the patch's TODO).
    expect(e.slept).toEqual(['down_read(&context->umem_rwsem);']);
  });

  test('a non-blockable start with umem_rwsem write-held, or with a writer queued, fails at the trylock before any accounting', () => {
    for (const held of [WRITE_HELD_RWSEM, READ_HELD_WRITER_QUEUED]) {
      const r = runCallback({ use: NEW, objects: OBJ, op: 'invalidate_range_start', start: 0, end: 4, blockable: false, locks: { 'umem_odp0.umem_rwsem': held } });
      expect(r.ret).toBe(EAGAIN);
      expect(r.state.mem['umem_odp0.notifier_count']).toBe(0);
      expect(r.state.locks['umem_odp0.umem_rwsem']).toEqual(held);
      expect(r.slept).toEqual([]);
    }
  });

  test('a blockable start with umem_rwsem write-held waits in down_read, before the accounting', () => {
    const r = runCallback({ use: NEW, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10, locks: { 'umem_odp0.umem_rwsem': WRITE_HELD_RWSEM } });
    expect(r.ret).toBeUndefined();
    expect(r.blocked).toMatch(/^down_read\(&umem_odp0\.umem_rwsem\): held for write by thread99/);
    expect(r.state.mem['umem_odp0.notifier_count']).toBe(0);
  });

  test('end after a blockable start: counts the umem and the context down, bumps notifiers_seq, completes the completion', () => {
    const r = runCallback({
      use: NEW,
      objects: OBJ,
      op: 'invalidate_range_end',
      start: 8,
      end: 10,
      mem: { 'umem_odp0.notifier_count': 1, 'umem_odp0.obj0.notifiers_count': 1 },
    });
    expect(r.ret).toBe(0);
    expect(r.state.mem['umem_odp0.notifier_count']).toBe(0);
    expect(r.state.mem['umem_odp0.obj0.notifiers_count']).toBe(0);
    expect(r.state.mem['umem_odp0.obj0.notifiers_seq']).toBe(1);
    expect(r.state.mem['umem_odp0.obj0.notifier_completion.done']).toBe(1);
    expect(r.state.locks['umem_odp0.umem_rwsem']).toEqual(rwFree);
    expect(r.slept).toEqual(['down_read(&context->umem_rwsem);', 'mutex_lock(&item->odp_data->umem_mutex);']);
  });

  test('end_account at zero activates the umems on no_private_counters under umem_rwsem for write', () => {
    const o: CallbackOptions = {
      use: NEW,
      objects: OBJ,
      op: 'invalidate_range_end',
      start: 8,
      end: 10,
      mem: { 'umem_odp0.notifier_count': 1, 'umem_odp0.obj0.mn_counters_active': 0 },
    };
    const r = runWithStatics(o, { 'umem_odp0.no_private_counters': ['umem_odp0.obj0'] });
    expect(r.ret).toBe(0);
    expect(r.state.mem['umem_odp0.notifier_count']).toBe(0);
    expect(r.state.mem['umem_odp0.obj0.mn_counters_active']).toBe(1);
    expect(r.state.mem['umem_odp0.obj0.notifier_completion.done']).toBe(1);
    // The trampoline left the inactive umem's private counters alone.
    expect(r.state.mem['umem_odp0.obj0.notifiers_seq']).toBe(0);
    expect(r.state.locks['umem_odp0.umem_rwsem']).toEqual(rwFree);
    expect(r.slept).toEqual([
      'down_read(&context->umem_rwsem);',
      'mutex_lock(&item->odp_data->umem_mutex);',
      'down_write(&context->umem_rwsem);',
      'mutex_lock(&odp_data->umem_mutex);',
    ]);
    // Another notifier still counted: no activation, no write lock.
    const busy = runWithStatics({ ...o, mem: { ...o.mem, 'umem_odp0.notifier_count': 2 } }, { 'umem_odp0.no_private_counters': ['umem_odp0.obj0'] });
    expect(busy.state.mem['umem_odp0.notifier_count']).toBe(1);
    expect(busy.state.mem['umem_odp0.obj0.mn_counters_active']).toBe(0);
    expect(busy.slept).not.toContain('down_write(&context->umem_rwsem);');
  });
});

describe('umem_odp@v4.18 (before the patch)', () => {
  test('start counts notifier_count up before down_read: with umem_rwsem write-held it waits already counted', () => {
    const r = runCallback({ use: OLD, core: 'v4.18', objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10, locks: { 'umem_odp0.umem_rwsem': WRITE_HELD_RWSEM } });
    expect(r.ret).toBeUndefined();
    expect(r.blocked).toMatch(/^down_read\(&umem_odp0\.umem_rwsem\)/);
    expect(r.state.mem['umem_odp0.notifier_count']).toBe(1);
  });

  test('start and end over a umem: invalidate, then everything back to zero', () => {
    const s = runCallback({ use: OLD, core: 'v4.18', objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10 });
    expect(s.ret).toBe(0);
    expect(s.state.mem['umem_odp0.notifier_count']).toBe(1);
    expect(s.state.mem['umem_odp0.obj0.notifiers_count']).toBe(1);
    expect(s.state.mem['umem_odp0.obj0.mapped']).toBe(0);
    expect(s.slept[0]).toBe('down_read(&context->umem_rwsem);');
    const e = runCallback({
      use: OLD,
      core: 'v4.18',
      objects: OBJ,
      op: 'invalidate_range_end',
      start: 8,
      end: 10,
      mem: { 'umem_odp0.notifier_count': 1, 'umem_odp0.obj0.notifiers_count': 1 },
    });
    expect(e.state.mem['umem_odp0.notifier_count']).toBe(0);
    expect(e.state.mem['umem_odp0.obj0.notifiers_count']).toBe(0);
  });
});

// ------------------------------------------------------------------------------------------------
// Scenarios.

function model(sc: Scenario, props: Property<KState>[]): KernelModel {
  const m = new KernelModel(buildProgram(sc));
  m.setProperties(props);
  return m;
}

const finished = (s: KState): boolean => s.threads.every((t) => t.frames.length === 0);

describe('the -EAGAIN after start_account, found by exploration with the OOM reaper', () => {
  const reaper = (core: string, use: string): Scenario => ({
    name: 'reaper vs umem_odp',
    core,
    oom: true,
    vmas: [{ start: 0, end: 16 }],
    notifiers: [{ use, objects: OBJ }],
    threads: [{ kind: 'oom_reaper' }],
  });
  const balanced = Property.always<KState>('notifier_count balanced', (s) => !finished(s) || s.mem['umem_odp0.notifier_count'] === 0);

  test('93065ac753e4: every reap attempt over the umem leaks one count of notifier_count', () => {
    const m = model(reaper('93065ac753e4', NEW), [balanced, Property.sometimes<KState>('leak of 10', (s) => finished(s) && s.mem['umem_odp0.notifier_count'] === 10)]);
    const r = check(m, { findAll: true });
    expect(r.status).toBe('violation');
    if (r.status !== 'violation') return;
    const v = r.verdicts.find((x) => x.property === 'leak of 10');
    // MAX_OOM_REAP_RETRIES attempts, each a failed non-blockable start over the umem.
    expect(v?.status).toBe('holds');
  });

  test('v4.18: the reaper leaves an mm with a blockable notifier alone, so nothing leaks', () => {
    const m = model(reaper('v4.18', OLD), [balanced]);
    expect(check(m, {}).status).toBe('pass');
  });
});

describe('driver thread umem_odp:free_implicit_mr', () => {
  const sc = (extra: Scenario['threads'] = []): Scenario => ({
    name: 'free implicit MR',
    core: 'v4.19',
    vmas: [{ start: 0, end: 16 }],
    notifiers: [{ use: NEW, objects: [{ start: 2, end: 4 }, { start: 8, end: 10 }] }],
    threads: [{ kind: 'umem_odp:free_implicit_mr' }, ...extra],
  });

  test('frees every leaf under umem_rwsem for read; the kworkers run the leaf-free work (umem_rwsem for write, the leaf out of the tree) and the wait ends: run alone', () => {
    const p = buildProgram(sc());
    const ip = new Interpreter(p);
    let s = ip.initial();
    for (let n = 0; n < 1000 && s.threads.some((t) => t.frames.length); n++) {
      const acts: KAction[] = [];
      ip.actions(s, acts);
      expect(acts.length).toBeGreaterThan(0);
      s = ip.next(s, acts[0]!);
    }
    expect(s.threads[0]!.frames).toEqual([]);
    for (const o of ['umem_odp0.obj0', 'umem_odp0.obj1']) {
      expect(s.mem[`${o}.dying`]).toBe(1);
      expect(s.mem[`${o}.npages`]).toBe(0);
      expect(s.mem[`${o}.in_tree`]).toBe(0);
      expect(s.mem[`${o}.mr.parent`]).toBe(null);
    }
    expect(s.mem['umem_odp0.odp_mrs_count']).toBe(1);
    expect(s.mem['umem_odp0.imr.num_leaf_free']).toBe(0);
    expect(s.locks['umem_odp0.umem_rwsem']).toEqual(rwFree);
    expect(s.threads.every((t) => t.frames.length === 0)).toBe(true);
  });

  test('FINDING: against a madvise over the leaf, both sides can see dying == 0 and count the leaf-free work twice: the wait never ends, or the work runs twice', () => {
    const one: Scenario = { ...sc([{ kind: 'madvise', params: { start: 2, len: 2 } }]), notifiers: [{ use: NEW, objects: [{ start: 2, end: 4 }] }] };
    const m = model(one, [
      Property.deadlockFree('deadlock'),
      Property.sometimes<KState>('num_leaf_free counted twice', (s) => s.mem['umem_odp0.imr.num_leaf_free'] === 2),
      Property.sometimes<KState>('the work queued again while it runs', (s) => {
        const kw = s.threads[2]!;
        return kw.frames.length > 0 && s.mem['umem_odp0.obj0.work.pending'] === 1 && s.mem['umem_odp0.obj0.mr.parent'] === null;
      }),
    ]);
    const r = check(m, { findAll: true });
    expect(r.status).toBe('violation');
    expect(r.verdicts.find((v) => v.property === 'deadlock')?.status).toBe('violated');
    expect(r.verdicts.find((v) => v.property === 'num_leaf_free counted twice')?.status).toBe('holds');
    expect(r.verdicts.find((v) => v.property === 'the work queued again while it runs')?.status).toBe('holds');
  });
});

describe('driver thread umem_odp:pagefault', () => {
  const sc = (threads: Scenario['threads']): Scenario => ({
    name: 'ODP fault vs invalidation',
    core: 'v4.19',
    vmas: [{ start: 0, end: 16 }],
    notifiers: [{ use: NEW, objects: [{ start: 8, end: 12 }] }],
    threads,
  });
  const fault = { kind: 'umem_odp:pagefault', params: { leaf: 0, address: 8 } };

  test('its parameters are checked against the leaf', () => {
    expect(() => buildProgram(sc([{ kind: 'umem_odp:pagefault', params: { leaf: 0, address: 3 } }]))).toThrow(/params\.address: expected a page of umem_odp0\.obj0, \[8, 12\)/);
    expect(() => buildProgram(sc([{ kind: 'umem_odp:pagefault', params: { leaf: 5, address: 8 } }]))).toThrow(/params\.leaf/);
  });

  test('alone it maps the page: MTTs written, npages 1', () => {
    const p = buildProgram(sc([fault]));
    const ip = new Interpreter(p);
    let s = { ...ip.initial() };
    s = { ...s, mem: { ...s.mem, 'umem_odp0.obj0.mapped': 0, 'umem_odp0.obj0.npages': 0, 'umem_odp0.obj0.dma_list': 0 } };
    for (let n = 0; n < 1000 && s.threads[0]!.frames.length; n++) {
      const acts: KAction[] = [];
      ip.actions(s, acts);
      s = ip.next(s, acts[0]!);
    }
    expect(s.mem['umem_odp0.obj0.mapped']).toBe(1);
    expect(s.mem['umem_odp0.obj0.npages']).toBe(1);
    expect(s.locks['umem_odp0.obj0.umem_mutex']).toEqual(mutexFree);
  });

  test('against a madvise pair over the page, no interleaving leaves the MTTs mapped between the approved start and its end', () => {
    const m = model(sc([fault, { kind: 'madvise', params: { start: 8, len: 2 } }]), [
      Property.always<KState>('no mapping inside the pair', (s) => !s.pairs.some((p) => p.nid === 'umem_odp0' && p.ret === 0) || s.mem['umem_odp0.obj0.mapped'] === 0),
      Property.sometimes<KState>('the fault maps after the end', (s) => finished(s) && s.mem['umem_odp0.obj0.mapped'] === 1),
      // Page 8 not DMA-mapped (pages 10 and 11, outside the madvise, stay mapped).
      Property.sometimes<KState>('the fault backs off on a running notifier', (s) => finished(s) && s.mem['umem_odp0.obj0.mapped'] === 0 && (Number(s.mem['umem_odp0.obj0.dma_list']) & 1) === 0),
      Property.deadlockFree('deadlock'),
    ]);
    const r = check(m, { findAll: true });
    expect(r.verdicts.filter((v) => v.status !== 'holds').map((v) => v.property)).toEqual([]);
    expect(r.status).toBe('pass');
  });

  test('without the retry check the same exploration finds the MTTs mapped inside the pair (the property can fail)', () => {
    const p = buildProgram(sc([fault, { kind: 'madvise', params: { start: 8, len: 2 } }]));
    // The same program with ib_umem_mmu_notifier_retry() answering "go ahead" always.
    const fns = p.spec.fns.map((f) => (f.name === 'ib_umem_mmu_notifier_retry' ? { ...f, body: f.body.slice(-1) } : f));
    const prims = { ...p.spec.primitives, ib_umem_odp_map_dma_pages: { ...p.spec.primitives['ib_umem_odp_map_dma_pages']!, run: (ctx: Parameters<NonNullable<Program['primitives'][string]>['run']>[0], [u]: readonly unknown[]) => (ctx.write(`${String(u)}.npages`, 1), 1) } };
    const m = new KernelModel(new Program({ ...p.spec, fns, primitives: prims }));
    m.setProperties([Property.always<KState>('no mapping inside the pair', (s) => !s.pairs.some((q) => q.nid === 'umem_odp0' && q.ret === 0) || s.mem['umem_odp0.obj0.mapped'] === 0)]);
    expect(check(m, {}).status).toBe('violation');
  });
});

test('umem_odp, hfi1, scif, sgi-gru and gntdev share their common primitives and coexist in one scenario', () => {
  const objects = [{ start: 8, end: 10 }];
  const m = model(
    {
      name: 'all five',
      core: 'v4.19',
      vmas: [{ start: 0, end: 16 }],
      notifiers: ['umem_odp', 'hfi1', 'scif', 'sgi-gru', 'gntdev@fixup'].map((use) => ({ use, objects })),
      threads: [{ kind: 'madvise', params: { start: 8, len: 2 } }],
    },
    [
      Property.deadlockFree('deadlock'),
      Property.always<KState>('every object unmapped at the end', (s) => !finished(s) || ['umem_odp0', 'hfi10', 'scif0', 'sgi-gru0', 'gntdev0'].every((n) => s.mem[`${n}.obj0.mapped`] === 0)),
    ],
  );
  expect(check(m, {}).status).toBe('pass');
});
