/**
 * umem_odp (with mlx5 as the device), both variants: the start and end callbacks through their
 * success and -EAGAIN paths in blockable and non-blockable mode (return value, locks, the context's
 * and the umem's counters, the device mapping, what may sleep), the accounting helpers, and the
 * driver threads (`free_implicit_mr`, `pagefault`, `register`: an ODP MR registered while notifiers are
 * counted goes on context->no_private_counters) explored with the checker.
 */
import { describe, expect, test } from 'vitest';
import { check, Property } from '../../../../src/checker/index.ts';
import { Interpreter, type KAction } from '../../../../src/model/lang/interp.ts';
import { KernelModel } from '../../../../src/model/kernel-model.ts';
import { Program } from '../../../../src/model/lang/program.ts';
import { buildProgram, type Scenario } from '../../../../src/model/kernel/scenario.ts';
import { loadBuiltin } from '../../../../src/model/kernel/scenario-file.ts';
import { CTX_NONBLOCK_END, type KState, type LockState } from '../../../../src/model/lang/state.ts';
import type { StateReads } from '../../../../src/model/lang/reduction.ts';
import { READ_HELD_WRITER_QUEUED, runCallback, runRelease, WRITE_HELD_RWSEM, type CallbackOptions } from '../../harness.ts';

const OBJ = [{ start: 8, end: 10 }];
const rwFree = { kind: 'rwsem', writer: -1, readers: [], waiters: [] };
const mutexFree = { kind: 'mutex', owner: -1 };
const EAGAIN = -11;
const NEW = 'umem_odp@93065ac753e4';
const OLD = 'umem_odp@v4.18';

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

  test('end_account at zero activates the umems on no_private_counters under umem_rwsem for write, and takes them off the list', () => {
    const o: CallbackOptions = {
      use: NEW,
      objects: OBJ,
      op: 'invalidate_range_end',
      start: 8,
      end: 10,
      mem: { 'umem_odp0.notifier_count': 1, 'umem_odp0.obj0.mn_counters_active': 0, 'umem_odp0.obj0.on_no_private_counters': 1 },
    };
    const r = runCallback(o);
    expect(r.ret).toBe(0);
    expect(r.state.mem['umem_odp0.notifier_count']).toBe(0);
    expect(r.state.mem['umem_odp0.obj0.mn_counters_active']).toBe(1);
    expect(r.state.mem['umem_odp0.obj0.on_no_private_counters']).toBe(0);
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
    const busy = runCallback({ ...o, mem: { ...o.mem, 'umem_odp0.notifier_count': 2 } });
    expect(busy.state.mem['umem_odp0.notifier_count']).toBe(1);
    expect(busy.state.mem['umem_odp0.obj0.mn_counters_active']).toBe(0);
    expect(busy.state.mem['umem_odp0.obj0.on_no_private_counters']).toBe(1);
    expect(busy.slept).not.toContain('down_write(&context->umem_rwsem);');
    // An empty list: the zero crossing takes no write lock.
    const empty = runCallback({ ...o, mem: { 'umem_odp0.notifier_count': 1 } });
    expect(empty.state.mem['umem_odp0.notifier_count']).toBe(0);
    expect(empty.slept).not.toContain('down_write(&context->umem_rwsem);');
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

describe('driver thread umem_odp:register (an ODP MR registered; context->no_private_counters)', () => {
  /** The registered umem is the notifier's next object: obj1 after the one configured leaf. */
  const X = 'umem_odp0.obj1';
  const base = (threads: Scenario['threads'], extra: Partial<Scenario> = {}): Scenario => ({
    name: 'ODP MR registration',
    core: 'v4.19',
    vmas: [{ start: 0, end: 16 }],
    notifiers: [{ use: NEW, objects: [{ start: 0, end: 2 }] }],
    threads,
    ...extra,
  });
  const register = { kind: 'umem_odp:register', params: { start: 8, len: 2 } };

  /** Run thread 0 alone to its end from the initial state with `mem` set. */
  function alone(sc: Scenario, mem: Record<string, number> = {}): { state: KState; texts: string[] } {
    const ip = new Interpreter(buildProgram(sc), { coalesce: false });
    let s = ip.initial();
    s = { ...s, mem: { ...s.mem, ...mem } };
    const texts: string[] = [];
    for (let n = 0; n < 1000 && s.threads[0]!.frames.length; n++) {
      const acts: KAction[] = [];
      ip.actions(s, acts);
      const r = ip.step(s, acts.find((a) => a.tid === 0)!);
      texts.push(...r.executed.map((e) => e.src.text));
      s = r.state;
    }
    expect(s.threads[0]!.frames).toEqual([]);
    return { state: s, texts };
  }

  test('its parameters are checked, one line each; a pagefault may name the new umem only after the register thread', () => {
    expect(() => buildProgram(base([{ kind: 'umem_odp:register', params: { len: 2 } }]))).toThrow(/^threads\[0\]\.params\.start: expected a page number/);
    expect(() => buildProgram(base([{ kind: 'umem_odp:register', params: { start: 8, len: 0 } }]))).toThrow(/^threads\[0\]\.params\.len: expected a number of pages from 1 to 24/);
    expect(() => buildProgram(base([{ kind: 'umem_odp:register', params: { start: 8, len: 25 } }]))).toThrow(/^threads\[0\]\.params\.len: expected a number of pages from 1 to 24/);
    expect(() => buildProgram(base([{ kind: 'umem_odp:register', params: { start: 2 ** 24 - 1, len: 2 } }]))).toThrow(/^threads\[0\]\.params\.len: the range must end at or below page 16777216/);
    expect(() => buildProgram(base([{ kind: 'umem_odp:register', params: { start: 8, len: 2, hugetlb: true } }]))).toThrow(/^threads\[0\]\.params\.hugetlb: unknown parameter; "umem_odp:register" takes: start, len/);
    const fault = { kind: 'umem_odp:pagefault', params: { leaf: 1, address: 8 } };
    expect(() => buildProgram(base([fault, register]))).toThrow(/^threads\[0\]\.params\.leaf: expected the index of one of umem_odp0's objects \(a umem_odp:register thread's umem counts once that thread is listed before this one\)/);
    const p = buildProgram(base([register, fault]));
    expect(p.spec.statics['umem_odp0.umem_tree']).toEqual(['umem_odp0.obj0', X]);
    expect(p.spec.threads[1]!.args[1]).toBe(`${X}.mr`);
  });

  test('with no notifier counted: ib_umem_odp_get puts the umem in the tree with private counters, then the MR is live', () => {
    const { state, texts } = alone(base([register]));
    expect(state.mem[`${X}.in_tree`]).toBe(1);
    expect(state.mem[`${X}.mn_counters_active`]).toBe(1);
    expect(state.mem[`${X}.on_no_private_counters`]).toBe(0);
    expect(state.mem[`${X}.private`]).toBe(`${X}.mr`);
    expect(state.mem[`${X}.mr.live`]).toBe(1);
    expect(state.mem[`${X}.mapped`]).toBe(0);
    expect(state.mem['umem_odp0.odp_mrs_count']).toBe(3);
    expect(state.locks['umem_odp0.umem_rwsem']).toEqual(rwFree);
    // The registration's umem_rwsem sequence, and the MR set up only after it.
    const i = texts.indexOf('down_write(&context->umem_rwsem);');
    expect(texts.slice(i, i + 2)).toEqual(['down_write(&context->umem_rwsem);', 'context->odp_mrs_count++;']);
    expect(texts.indexOf('downgrade_write(&context->umem_rwsem);')).toBeLessThan(texts.indexOf('up_read(&context->umem_rwsem);'));
    expect(texts.indexOf('up_read(&context->umem_rwsem);')).toBeLessThan(texts.indexOf('mr->umem->odp_data->private = mr;'));
    expect(texts.at(-2)).toBe('mr->live = 1;');
  });

  test('with a notifier counted (notifier_count 1): the umem goes on context->no_private_counters without private counters', () => {
    const { state, texts } = alone(base([register]), { 'umem_odp0.notifier_count': 1 });
    expect(state.mem[`${X}.in_tree`]).toBe(1);
    expect(state.mem[`${X}.mn_counters_active`]).toBe(0);
    expect(state.mem[`${X}.on_no_private_counters`]).toBe(1);
    expect(texts).toContain('list_add(&umem->odp_data->no_private_counters, &context->no_private_counters);');
    // Its end then activates it (the harness end of a start that counted the context).
    const e = runCallback({
      use: NEW,
      objects: [{ start: 0, end: 2 }],
      op: 'invalidate_range_end',
      start: 0,
      end: 2,
      mem: { 'umem_odp0.notifier_count': 1, 'umem_odp0.obj0.mn_counters_active': 0, 'umem_odp0.obj0.on_no_private_counters': 1 },
    });
    expect(e.state.mem['umem_odp0.obj0.mn_counters_active']).toBe(1);
  });

  /** Explore `sc` with test properties whose reads are `reads` (so that the reduction still applies). */
  function explore(sc: Scenario, reads: StateReads, props: Property<KState>[]): Record<string, string> {
    const m = new KernelModel(buildProgram(sc), { reads });
    m.setProperties(props);
    const r = check(m, { findAll: true });
    return Object.fromEntries(r.verdicts.map((v) => [v.property, v.status]));
  }

  test('under OOM with allocations that may fail: a failed allocation returns -ENOMEM and leaves the tree alone', () => {
    const v = explore(base([register], { oom: true, allocation: { mayFail: true } }), { fields: ['in_tree', 'live', 'odp_mrs_count'], finished: true }, [
      Property.sometimes<KState>('registration failed', (s) => finished(s) && s.mem[`${X}.in_tree`] === 0 && s.mem[`${X}.mr.live`] === 0),
      Property.sometimes<KState>('registration done', (s) => finished(s) && s.mem[`${X}.in_tree`] === 1 && s.mem[`${X}.mr.live`] === 1),
      Property.always<KState>('odp_mrs_count counts the umem iff it is in the tree', (s) => !finished(s) || s.mem['umem_odp0.odp_mrs_count'] === 2 + Number(s.mem[`${X}.in_tree`])),
    ]);
    expect(v).toEqual({ 'registration failed': 'holds', 'registration done': 'holds', 'odp_mrs_count counts the umem iff it is in the tree': 'holds' });
  });

  // madvise over the new MR's range, the registration, and an HCA page fault on the new MR (no leaf
  // configured: the new umem is obj0).
  const Y = 'umem_odp0.obj0';
  const raced = (): Scenario => ({
    ...base([register, { kind: 'madvise', params: { start: 8, len: 2 } }, { kind: 'umem_odp:pagefault', params: { leaf: 0, address: 8 } }]),
    notifiers: [{ use: NEW }],
  });
  const noMappingInPair = Property.always<KState>('no mapping inside the pair', (s) => !s.pairs.some((p) => p.nid === 'umem_odp0' && p.ret === 0) || s.mem[`${Y}.mapped`] === 0);
  const RACED_READS: StateReads = {
    fields: ['mapped', 'on_no_private_counters', 'mn_counters_active', 'notifier_count'],
    pairs: true,
    finished: true,
    enabled: true,
    locks: true,
    atPrims: ['wait_for_completion_timeout'],
  };

  test("registered while madvise is counted: on the list, the fault backs off on notifier_completion, madvise's end gives it private counters; never mapped inside the pair", () => {
    const ip = new Interpreter(buildProgram(raced()));
    const FAULT = 2;
    const waitsFor = (s: KState): boolean => s.threads[FAULT]!.frames.length > 0 && ip.current(s, FAULT)?.instr.src.text === 'if (!wait_for_completion_timeout(&odp->notifier_completion, timeout))';
    const v = explore(raced(), RACED_READS, [
      noMappingInPair,
      Property.sometimes<KState>('on no_private_counters', (s) => s.mem[`${Y}.on_no_private_counters`] === 1),
      Property.sometimes<KState>('the fault waits for a umem without private counters', (s) => s.mem[`${Y}.mn_counters_active`] === 0 && waitsFor(s)),
      Property.sometimes<KState>("madvise's end activates it under umem_rwsem for write", (s) => {
        const l = s.locks['umem_odp0.umem_rwsem']!;
        return l.kind === 'rwsem' && l.writer === 1 && s.mem[`${Y}.mn_counters_active`] === 1 && s.mem[`${Y}.on_no_private_counters`] === 0;
      }),
      Property.sometimes<KState>('the fault maps it after the end', (s) => finished(s) && s.mem[`${Y}.mapped`] === 1),
      Property.deadlockFree('deadlock'),
    ]);
    expect(Object.entries(v).filter(([, st]) => st !== 'holds')).toEqual([]);
  });

  test("FINDING: end_account's unlocked list_empty() races with the registration's list_add(): the MR can stay on no_private_counters, without private counters, with notifier_count back at 0", () => {
    // ib_umem_odp_get() reads notifier_count (1) under umem_rwsem for write; the end, having dropped its
    // read hold, counts down to 0 and finds the list still empty; then the registration adds the umem.
    // Its page faults back off (ib_umem_mmu_notifier_retry) until a later end crosses 0 again.
    const v = explore(raced(), RACED_READS, [
      Property.sometimes<KState>('stranded with notifier_count 0', (s) => finished(s) && s.mem['umem_odp0.notifier_count'] === 0 && s.mem[`${Y}.on_no_private_counters`] === 1 && s.mem[`${Y}.mn_counters_active`] === 0),
      Property.sometimes<KState>('activated by the end', (s) => finished(s) && s.mem[`${Y}.mn_counters_active`] === 1),
    ]);
    expect(v).toEqual({ 'stranded with notifier_count 0': 'holds', 'activated by the end': 'holds' });
  });

  test('without the check of mn_counters_active in ib_umem_mmu_notifier_retry() the same exploration maps the new MR inside the pair (what no_private_counters is for)', () => {
    const p = buildProgram(raced());
    const fns = p.spec.fns.map((f) => (f.name === 'ib_umem_mmu_notifier_retry' ? { ...f, body: f.body.slice(1) } : f));
    const orig = p.spec.primitives['ib_umem_odp_map_dma_pages']!;
    const prims = {
      ...p.spec.primitives,
      ib_umem_odp_map_dma_pages: {
        ...orig,
        // The one-step map without the mn_counters_active test (the same ib_umem_mmu_notifier_retry).
        run: (ctx: Parameters<typeof orig.run>[0], args: Parameters<typeof orig.run>[1], choice: number) => {
          const u = String(args[0]);
          if (ctx.read(`${u}.mn_counters_active`)) return orig.run(ctx, args, choice);
          if (ctx.read(`${u}.notifiers_count`) || ctx.read(`${u}.notifiers_seq`) !== args[4]) return -11;
          ctx.write(`${u}.dma_list`, 1);
          ctx.write(`${u}.npages`, 1);
          return 1;
        },
      },
    };
    const m = new KernelModel(new Program({ ...p.spec, fns, primitives: prims }), { reads: { fields: ['mapped'], pairs: true } });
    m.setProperties([noMappingInPair]);
    expect(check(m, {}).status).toBe('violation');
  });

  test("93065ac753e4's leaked notifier_count strands an MR registered after the reaper's failed start on the list for good; v4.18's reaper never counts", () => {
    const sc = (core: string, use: string): Scenario => ({
      name: 'register vs the reaper over a leaf',
      core,
      oom: true,
      vmas: [{ start: 0, end: 4 }, { start: 8, end: 12 }],
      notifiers: [{ use, objects: [{ start: 8, end: 10 }] }],
      threads: [{ kind: 'oom_reaper' }, { kind: 'umem_odp:register', params: { start: 10, len: 2 } }],
    });
    const reads: StateReads = { fields: ['on_no_private_counters', 'mn_counters_active', 'notifier_count'], finished: true };
    const leaked = (s: KState): boolean => finished(s) && Number(s.mem['umem_odp0.notifier_count']) > 0 && s.mem[`${X}.on_no_private_counters`] === 1 && s.mem[`${X}.mn_counters_active`] === 0;
    expect(explore(sc('v4.19', NEW), reads, [Property.sometimes<KState>('stranded behind a leaked count', leaked)])).toEqual({ 'stranded behind a leaked count': 'holds' });
    expect(explore(sc('v4.18', OLD), reads, [Property.always<KState>('never stranded behind a leaked count', (s) => !leaked(s))])).toEqual({ 'never stranded behind a leaked count': 'holds' });
  });

  test("umem-odp-register-vs-reaper: the reaper's end after its non-blocking start gives the MR its private counters under umem_rwsem for write, and can wait there for the registration's read hold", () => {
    const M = 'umem_odp0.obj0';
    const REAPER = 0;
    const inEnd = (s: KState): boolean => ((s.threads[REAPER]!.frames.at(-1)?.ctx ?? 0) & CTX_NONBLOCK_END) !== 0;
    const sem = (s: KState): LockState => s.locks['umem_odp0.umem_rwsem']!;
    const v = explore(loadBuiltin('umem-odp-register-vs-reaper'), { fields: ['mn_counters_active', 'on_no_private_counters'], locks: true, context: true }, [
      Property.sometimes<KState>('the reaper activates the MR in its end', (s) => {
        const l = sem(s);
        return inEnd(s) && l.kind === 'rwsem' && l.writer === REAPER && s.mem[`${M}.mn_counters_active`] === 1;
      }),
      Property.sometimes<KState>("the reaper waits in end_account's down_write for the registration's read hold", (s) => {
        const l = sem(s);
        return inEnd(s) && l.kind === 'rwsem' && l.readers.includes(1) && l.waiters.some((w) => w.tid === REAPER && w.write);
      }),
    ]);
    expect(v).toEqual({ 'the reaper activates the MR in its end': 'holds', "the reaper waits in end_account's down_write for the registration's read hold": 'holds' });
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
