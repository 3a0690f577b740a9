/**
 * The amdgpu command-submission ioctl (amdgpu_cs_submit) as a driver thread, against the oom_reaper:
 *
 * - `cs_alloc_under_lock` (before 4a2de54dc1d7): the ioctl allocates in drm_sched_fence_create()
 *   while it holds amn->lock for write (Tetsuo Handa's point). As a thread of the OOM victim it is
 *   served from the reserves or fails, never waiting for the reaper; under memory pressure its
 *   direct reclaim may unmap a page of its own userptr BO and so deadlock on amn->lock.
 * - `cs_fixed` (4a2de54dc1d7): the allocation happens before amdgpu_mn_lock(), never under it; but
 *   when it fails, the error path calls amdgpu_mn_unlock() (up_write) of a lock the thread never took.
 * - `cs_v4_19` (4.19.y): the same order without the bad unlock.
 * - What a submission does to the secondary mapping, and the -ERESTARTSYS path.
 */
import { describe, expect, test } from 'vitest';
import { check, Property } from '../../../../src/checker/index.ts';
import { KernelModel, type KAction } from '../../../../src/model/kernel-model.ts';
import { Interpreter, type ExecutedInstr } from '../../../../src/model/lang/interp.ts';
import { buildProgram, type Scenario } from '../../../../src/model/kernel/scenario.ts';
import { scenarioModel } from '../../../../src/properties/index.ts';
import type { KState } from '../../../../src/model/lang/state.ts';

const OBJ = [{ start: 8, end: 10 }];

/** The reaper and one submission on the first (only) amdgpu notifier, in an OOM scenario. */
function oomScenario(use: string, kind: string, extra: Partial<Scenario> = {}): Scenario {
  const driver = use.split('@')[0]!;
  return {
    name: `cs-${kind}`,
    core: use.endsWith('@v4.18') ? 'v4.18' : 'v4.19',
    vmas: [{ start: 0, end: 16 }],
    notifiers: [{ use, objects: OBJ }],
    threads: [{ kind: 'oom_reaper' }, { kind: `${driver}:${kind}`, name: 'cs' }],
    oom: true,
    ...extra,
  };
}

const nidOf = (m: KernelModel): string => m.program.spec.notifiers[0]!.id;
const csTid = (m: KernelModel): number => m.program.spec.threads.findIndex((t) => t.fn === 'amdgpu_cs_submit');

/** The submission's next statement is the allocation of the scheduler fence. */
function atAlloc(m: KernelModel, s: KState): boolean {
  const cur = m.interp.current(s, csTid(m));
  return cur?.fn.def.name === 'drm_sched_fence_create' && cur.instr.src.text === 'fence = kmem_cache_zalloc(sched_fence_slab, GFP_KERNEL);';
}

function writeHeldByCs(m: KernelModel, s: KState): boolean {
  const l = s.locks[`${nidOf(m)}.lock`]!;
  return l.kind === 'rwsem' && l.writer === csTid(m);
}

/** Whether a thread is inside the page allocator (any of its modelled functions is on the stack). */
function inAllocator(m: KernelModel, s: KState, tid: number): boolean {
  return s.threads[tid]!.frames.some((f) => m.program.fn(f.fn).def.file === 'mm/page_alloc.c');
}

describe('cs_alloc_under_lock (v4.18 amdgpu_cs_submit)', () => {
  for (const use of ['amdgpu@93065ac753e4', 'amdgpu@clarify', 'amdgpu@v4.18', 'amdgpu-hsa@93065ac753e4']) {
    test(`${use}: the ioctl allocates while it holds amn->lock for write, and as an OOM victim it never waits for the reaper there`, () => {
      // v4.19 __alloc_pages_slowpath: the victim gets ALLOC_OOM (the reserves) and, if they fail,
      // "goto nopage": it is served or gets NULL, never sleeps until the OOM is resolved.
      const m = new KernelModel(buildProgram(oomScenario(use, 'cs_alloc_under_lock', { allocCanFail: true })));
      const cs = csTid(m);
      m.setProperties([
        Property.sometimes<KState>('allocates holding amn->lock for write', (s) => atAlloc(m, s) && writeHeldByCs(m, s)),
        Property.always<KState>('never waits in the allocator', (s) => !(inAllocator(m, s, cs) && m.interp.waitOf(s, cs) !== null)),
        Property.sometimes<KState>('the allocation fails (the reserves ran out)', (s) => {
          const cur = m.interp.current(s, cs);
          return cur?.fn.def.name === 'drm_sched_fence_create' && cur.instr.src.text === 'return NULL;';
        }),
      ]);
      const r = check(m);
      expect(r.status).toBe('pass');
      expect(r.verdicts.map((v) => v.status)).toEqual(['holds', 'holds', 'holds']);
    });
  }

  test('amdgpu@93065ac753e4: without an OOM, under memory pressure, the allocation enters direct reclaim of its own BO and deadlocks on amn->lock (4a2de54dc1d7)', () => {
    const sc = { ...oomScenario('amdgpu@93065ac753e4', 'cs_alloc_under_lock'), oom: false, threads: [{ kind: 'amdgpu:cs_alloc_under_lock', name: 'cs' }], allocation: { reclaim: 8 } };
    const m = scenarioModel(sc, { names: ['deadlock'] });
    const r = check(m);
    expect(r.status).toBe('violation');
    if (r.status !== 'violation') return;
    expect(r.violation.property).toBe('deadlock');
    const cs = r.violation.threads!.find((t) => t.name === 'cs')!;
    expect(cs.waitingFor).toMatch(/^down_read_non_owner\(&amdgpu0\.lock\): held for write by cs/);
    const last = r.violation.path.steps.at(-1)!.state;
    const chain = last.threads[0]!.frames.map((f) => m.program.fn(f.fn).def.name);
    expect(chain).toEqual([
      'amdgpu_cs_submit',
      'drm_sched_job_init',
      'drm_sched_fence_create',
      'kmem_cache_zalloc',
      '__alloc_pages_nodemask',
      '__alloc_pages_slowpath',
      '__alloc_pages_direct_reclaim',
      'try_to_free_pages',
      'try_to_unmap_one',
      'mmu_notifier_invalidate_range_start',
      '__mmu_notifier_invalidate_range_start',
      'amdgpu_mn_invalidate_range_start_gfx',
      'amdgpu_mn_read_lock',
    ]);
  });
});

describe('cs_fixed (4a2de54dc1d7) and cs_v4_19 (4.19.y)', () => {
  const noAllocUnderLock = (m: KernelModel) =>
    Property.always<KState>('no allocation under amn->lock', (s) => !(atAlloc(m, s) && writeHeldByCs(m, s)));

  for (const kind of ['cs_fixed', 'cs_v4_19']) {
    test(`${kind}: never allocates while holding amn->lock (whole state space, allocations may fail)`, () => {
      const m = new KernelModel(buildProgram(oomScenario('amdgpu@93065ac753e4', kind, { allocCanFail: true })));
      m.setProperties([noAllocUnderLock(m), Property.sometimes<KState>('reaches the allocation', (s) => atAlloc(m, s))]);
      const r = check(m);
      expect(r.status).toBe('pass');
      expect(r.verdicts.map((v) => v.status)).toEqual(['holds', 'holds']);
    });
  }

  test('the same property fails for cs_alloc_under_lock (the check can fail)', () => {
    const m = new KernelModel(buildProgram(oomScenario('amdgpu@93065ac753e4', 'cs_alloc_under_lock', { allocCanFail: true })));
    m.setProperties([noAllocUnderLock(m)]);
    expect(check(m).status).toBe('violation');
  });

  test('cs_fixed: when drm_sched_job_init() fails, the error path calls amdgpu_mn_unlock() without having taken amn->lock', () => {
    const m = scenarioModel(oomScenario('amdgpu@93065ac753e4', 'cs_fixed', { allocCanFail: true }), { names: ['lock-discipline'] });
    const r = check(m);
    expect(r.status).toBe('violation');
    if (r.status !== 'violation') return;
    const path = r.violation.path;
    const tid = csTid(m);
    const nid = nidOf(m);
    // The state the counterexample ends in: the submission is about to up_write() amn->lock in
    // amdgpu_mn_unlock(), called from amdgpu_cs_submit()'s error_unlock path, and does not hold it.
    const last = path.steps.at(-1)!.state;
    const cur = m.interp.current(last, tid)!;
    expect(cur.fn.def.name).toBe('amdgpu_mn_unlock');
    expect(cur.instr.src.text).toBe('up_write(&mn->lock);');
    expect(last.locks[`${nid}.lock`]).toMatchObject({ kind: 'rwsem', writer: -1 });
    // Everything the submission executed on the way: the allocation returned NULL, drm_sched_job_init
    // returned -ENOMEM, and amn->lock was never taken.
    const executed: ExecutedInstr[] = [];
    let s = path.init;
    for (const st of path.steps) {
      const res = m.step(s, st.action);
      if (st.action.tid === tid) executed.push(...res.executed);
      s = res.state;
    }
    const texts = executed.map((e) => `${e.fn}: ${e.src.text}${e.detail !== undefined ? ` => ${e.detail}` : ''}`);
    expect(texts).toContain('drm_sched_fence_create: return NULL; => null');
    expect(texts).toContain('drm_sched_job_init: return -ENOMEM; => -12');
    expect(texts).toContain('amdgpu_cs_submit: goto error_unlock;');
    expect(executed.some((e) => e.src.text === 'down_write(&mn->lock);')).toBe(false);
    // The step after: up_write() of the lock nobody holds runs and changes nothing; the thread goes on
    // and returns -ENOMEM.
    const acts: KAction[] = [];
    m.actions(last, acts);
    const mine = acts.filter((a) => a.tid === tid);
    expect(mine).toHaveLength(1);
    const after = m.step(last, mine[0]!);
    expect(after.executed.map((e) => `${e.fn}: ${e.src.text}`)).toContain('amdgpu_mn_unlock: up_write(&mn->lock);');
    expect(after.state.locks[`${nid}.lock`]).toEqual(last.locks[`${nid}.lock`]);
    let fin = after.state;
    const rest: ExecutedInstr[] = [...after.executed];
    for (let n = 0; n < 50 && fin.threads[tid]!.frames.length; n++) {
      const a: KAction[] = [];
      m.actions(fin, a);
      const st = m.step(fin, a.find((x) => x.tid === tid)!);
      rest.push(...st.executed);
      fin = st.state;
    }
    expect(rest.filter((e) => e.fn === 'amdgpu_cs_submit' && e.op === 'return').map((e) => e.detail)).toEqual(['-12']);
  });

  test('cs_v4_19: the same scenario keeps lock discipline (the unlock moved under error_abort)', () => {
    const m = scenarioModel(oomScenario('amdgpu@93065ac753e4', 'cs_v4_19', { allocCanFail: true }), { names: ['lock-discipline'] });
    expect(check(m).status).toBe('pass');
  });
});

describe('what a submission does to the BO\'s mapping', () => {
  /** Run the submission alone to its end from a state with `mem` overrides; its trace and final state. */
  function submitAlone(kind: string, mem: Record<string, number>): { state: KState; trace: ExecutedInstr[] } {
    const p = buildProgram({ name: 'cs', core: 'v4.19', vmas: [{ start: 0, end: 16 }], notifiers: [{ use: 'amdgpu@93065ac753e4', objects: OBJ }], threads: [{ kind: `amdgpu:${kind}` }] });
    const ip = new Interpreter(p, { coalesce: false });
    let s = ip.initial();
    s = { ...s, mem: { ...s.mem, ...mem } };
    const trace: ExecutedInstr[] = [];
    for (let n = 0; n < 500 && s.threads[0]!.frames.length; n++) {
      const acts: KAction[] = [];
      ip.actions(s, acts);
      const r = ip.step(s, acts[0]!);
      trace.push(...r.executed);
      s = r.state;
    }
    expect(s.threads[0]!.frames).toHaveLength(0);
    return { state: s, trace };
  }
  const ret = (t: ExecutedInstr[]) => t.filter((e) => e.fn === 'amdgpu_cs_submit' && e.op === 'return').map((e) => e.detail);

  for (const kind of ['cs_alloc_under_lock', 'cs_fixed', 'cs_v4_19']) {
    test(`${kind}: valid user pages: the submitted job uses them (obj.mapped = 1), amn->lock released, 0`, () => {
      const r = submitAlone(kind, { 'amdgpu0.obj0.mapped': 0 });
      expect(ret(r.trace)).toEqual(['0']);
      expect(r.state.mem['amdgpu0.obj0.mapped']).toBe(1);
      expect(r.state.locks['amdgpu0.lock']).toEqual({ kind: 'rwsem', writer: -1, readers: [], waiters: [] });
    });
    test(`${kind}: pages dropped by an invalidation: -ERESTARTSYS, nothing mapped, amn->lock released`, () => {
      const r = submitAlone(kind, { 'amdgpu0.obj0.mapped': 0, 'amdgpu0.obj0.pages_valid': 0 });
      expect(ret(r.trace)).toEqual(['-512']);
      expect(r.state.mem['amdgpu0.obj0.mapped']).toBe(0);
      expect(r.state.locks['amdgpu0.lock']).toEqual({ kind: 'rwsem', writer: -1, readers: [], waiters: [] });
      expect(r.trace.some((e) => e.src.text === 'ttm_eu_fence_buffer_objects(&p->ticket, &p->validated, p->fence);')).toBe(false);
    });
  }
});
