/**
 * The VMA list and the users of the mm (issue 10, items 2 and 3, and part of 9): exit_mmap runs at
 * the last mmput(), after every other thread using the mm; munmap splits and detaches VMAs, so the
 * reaper, exit_mmap, find_vma and unmap_vmas no longer see what it unmapped; what the kernel cannot
 * have is refused, what it answers with an error is modelled. Each test explores the scenario
 * without coalescing (one state per C statement), so a property can look at any local or frame.
 */
import { describe, expect, test } from 'vitest';
import { check, Property } from '../../../src/checker/index.ts';
import { KernelModel } from '../../../src/model/kernel-model.ts';
import { buildProgram, ScenarioError, type Scenario } from '../../../src/model/kernel/scenario.ts';
import type { KState, Value } from '../../../src/model/lang/state.ts';
import type { KAction } from '../../../src/model/lang/interp.ts';
import { propertyVerdicts, runScenario } from '../../../src/report/run.ts';

function explore(sc: Scenario, props: (m: KernelModel) => Property<KState>[]) {
  const m = new KernelModel(buildProgram(sc), { coalesce: false });
  m.setProperties(props(m));
  const r = check(m, { findAll: true });
  expect(r.status).not.toBe('incomplete');
  if (process.env['VMA_DEBUG'] && r.status === 'violation') {
    for (const v of r.violations) {
      const steps = v.path.steps;
      console.log(`--- ${v.property}`);
      steps.forEach((st, i) => console.log(m.formatAction(st.action, i ? steps[i - 1]!.state : v.path.init)));
      const last = steps.at(-1)?.state ?? v.path.init;
      console.log(JSON.stringify(vmaList(last)), JSON.stringify(last.mem));
    }
  }
  const verdict = (name: string): string | undefined => r.verdicts.find((v) => v.property === name)?.status;
  return { m, r, verdict };
}

const finished = (s: KState, tid: number): boolean => s.threads[tid]!.frames.length === 0;
/** The names of the functions on a thread's stack, innermost last. */
const stack = (m: KernelModel, s: KState, tid: number): string[] => s.threads[tid]!.frames.map((f) => m.program.fn(f.fn).def.name);
/** The C text of the statement a thread is about to run. */
const next = (m: KernelModel, s: KState, tid: number): string | undefined => {
  const f = s.threads[tid]!.frames.at(-1);
  return f ? m.program.fn(f.fn).instrs[f.pc]!.src.text : undefined;
};
/** A local of the thread's innermost frame of function `fn`. */
const local = (m: KernelModel, s: KState, tid: number, fn: string, name: string): Value | undefined => {
  const f = [...s.threads[tid]!.frames].reverse().find((x) => m.program.fn(x.fn).def.name === fn);
  if (!f) return undefined;
  return f.locals[m.program.fn(f.fn).slots.get(name)!];
};
/** The mm's VMA list as [object, start, end], from mm->mmap along vm_next. */
const vmaList = (s: KState): [string, Value, Value][] => {
  const out: [string, Value, Value][] = [];
  for (let v = s.mem['mm.mmap']; typeof v === 'string'; v = s.mem[`${v}.vm_next`]) out.push([v, s.mem[`${v}.vm_start`]!, s.mem[`${v}.vm_end`]!]);
  return out;
};
/** Thread `tid` finished and vma1 is no longer on the list: its munmap of vma1's whole range succeeded (a killed munmap may also give up with -EINTR). */
const vma1Gone = (s: KState, tid: number): boolean => finished(s, tid) && !vmaList(s).some(([v]) => v === 'vma1');
/** Whether thread `tid` has an approved start over [start, end) still owed its end. */
const openPair = (s: KState, tid: number, start: number, end: number): boolean => s.pairs.some((p) => p.tid === tid && p.start === start && p.end === end);

const TWO_VMAS = [
  { start: 0, end: 4 },
  { start: 8, end: 12 },
];

describe('exit_mmap runs at the last mmput(): no other thread of the process runs beside it (kernel/fork.c mmput)', () => {
  const sc: Scenario = {
    name: 'munmap-and-exit',
    core: 'v4.19',
    vmas: TWO_VMAS,
    notifiers: [{ use: 'amdgpu@93065ac753e4', objects: [{ start: 8, end: 10 }] }],
    threads: [{ kind: 'munmap', params: { start: 8, len: 4 } }, { kind: 'exit_mmap' }],
  };

  test('exit_mmap() is entered only once munmap has finished, and it is entered', () => {
    const { verdict } = explore(sc, (m) => [
      Property.always('exit_mmap only after munmap', (s) => !stack(m, s, 1).includes('exit_mmap') || finished(s, 0)),
      Property.sometimes('exit_mmap runs', (s) => stack(m, s, 1).includes('exit_mmap')),
    ]);
    expect(verdict('exit_mmap only after munmap')).toBe('holds');
    expect(verdict('exit_mmap runs')).toBe('holds');
  });

  test('so mmu_notifier_release() can no longer unhash a notifier between munmap\'s start and its end: pairing holds', () => {
    // Before, exit_mmap ran beside munmap and the end walk missed amdgpu0: pairing:missing-end.
    const run = runScenario(sc, {});
    expect(run.result.status).not.toBe('incomplete');
    expect(propertyVerdicts(run).pairing).toBe('holds');
  });

  test('the oom_reaper (mmgrab only) and direct reclaim (through the rmap) still run beside exit_mmap', () => {
    const besides = (other: Scenario['threads'][number], fn: string): string | undefined =>
      explore(
        {
          name: 'beside-exit',
          core: 'v4.19',
          oom: true,
          vmas: [{ start: 0, end: 2 }],
          notifiers: [],
          threads: [other, { kind: 'exit_mmap' }],
        },
        (m) => [Property.sometimes('exit_mmap beside it', (s) => stack(m, s, 1).includes('exit_mmap') && stack(m, s, 0).includes(fn))],
      ).verdict('exit_mmap beside it');
    expect(besides({ kind: 'oom_reaper' }, '__oom_reap_task_mm')).toBe('holds');
    expect(besides({ kind: 'reclaim', params: { address: 1 } }, 'try_to_unmap_one')).toBe('holds');
  });

  test('the exiting thread waits for every thread using the mm, a vCPU or an ioctl too; the wait is named', () => {
    const p = buildProgram({
      name: 'users',
      core: 'v4.19',
      vmas: TWO_VMAS,
      notifiers: [{ use: 'kvm@93065ac753e4', objects: [{ start: 0, end: 2 }] }],
      threads: [{ kind: 'oom_reaper' }, { kind: 'kvm:tdp_fault', params: { address: 1 } }, { kind: 'reclaim', params: { address: 1 } }, { kind: 'exit_mmap' }],
      oom: true,
    });
    expect(p.spec.statics['mm.mm_users_tids']).toEqual([1, 3]);
    const m = new KernelModel(p, { coalesce: false });
    const s0 = m.initStates()[0]!;
    // Run the exit thread up to mmput()'s test: it may not pass it while the vCPU has not finished.
    const s1 = m.nextState(s0, { tid: 3, choice: 0 });
    expect(next(m, s1, 3)).toBe('if (atomic_dec_and_test(&mm->mm_users))');
    const after: KAction[] = [];
    m.actions(s1, after);
    expect(after.some((a) => a.tid === 3)).toBe(false);
    expect(m.interp.waitOf(s1, 3)?.why).toMatch(/mmput\(\): mm->mm_users is still held by tdp_fault/);
  });

  test('a second exit_mmap thread is refused: exit_mmap runs once, at the last mmput()', () => {
    expect(() => buildProgram({ ...sc, threads: [{ kind: 'exit_mmap' }, { kind: 'exit_mmap' }] })).toThrow(ScenarioError);
    expect(() => buildProgram({ ...sc, threads: [{ kind: 'exit_mmap' }, { kind: 'exit_mmap' }] })).toThrow(/^threads\[1\]\.kind: a second exit_mmap thread/);
  });
});

describe('munmap splits and detaches VMAs (v4.19 do_munmap, __split_vma, detach_vmas_to_be_unmapped)', () => {
  const reaperAndMunmap = (start: number, len: number): Scenario => ({
    name: 'reaper-munmap',
    core: 'v4.19',
    oom: true,
    vmas: TWO_VMAS,
    notifiers: [{ use: 'sgi-gru@93065ac753e4', objects: [{ start: 8, end: 12 }] }],
    threads: [{ kind: 'oom_reaper' }, { kind: 'munmap', params: { start, len } }],
  });

  test('after munmap of a whole VMA, later reaper attempts no longer walk it nor start over its range', () => {
    const { verdict } = explore(reaperAndMunmap(8, 4), (m) => [
      Property.always('the reaper never reaches vma1 after munmap', (s) => !vma1Gone(s, 1) || local(m, s, 0, '__oom_reap_task_mm', 'vma') !== 'vma1'),
      Property.always('no reaper start over [8, 12) after munmap', (s) => !vma1Gone(s, 1) || !(stack(m, s, 0).includes('__mmu_notifier_invalidate_range_start') && local(m, s, 0, '__oom_reap_task_mm', 'start') === 8)),
      Property.sometimes('the reaper walks the list after munmap', (s) => vma1Gone(s, 1) && local(m, s, 0, '__oom_reap_task_mm', 'vma') === 'vma0'),
      Property.always('once munmap has finished the list is as before (-EINTR) or vma0 alone', (s) => {
        if (!finished(s, 1)) return true;
        const l = JSON.stringify(vmaList(s));
        return l === JSON.stringify([['vma0', 0, 4], ['vma1', 8, 12]]) || l === JSON.stringify([['vma0', 0, 4]]);
      }),
    ]);
    expect(verdict('the reaper never reaches vma1 after munmap')).toBe('holds');
    expect(verdict('no reaper start over [8, 12) after munmap')).toBe('holds');
    expect(verdict('the reaper walks the list after munmap')).toBe('holds');
    expect(verdict('once munmap has finished the list is as before (-EINTR) or vma0 alone')).toBe('holds');
  });

  test('exit_mmap\'s unmap_vmas walks only what munmap left', () => {
    const { verdict } = explore(
      { name: 'munmap-exit', core: 'v4.19', vmas: TWO_VMAS, notifiers: [{ use: 'sgi-gru@93065ac753e4', objects: [{ start: 8, end: 12 }] }], threads: [{ kind: 'munmap', params: { start: 8, len: 4 } }, { kind: 'exit_mmap' }] },
      (m) => [
        Property.always('exit_mmap never unmaps vma1', (s) => local(m, s, 1, 'unmap_single_vma', 'vma') !== 'vma1'),
        Property.sometimes('exit_mmap unmaps vma0', (s) => local(m, s, 1, 'unmap_single_vma', 'vma') === 'vma0'),
      ],
    );
    expect(verdict('exit_mmap never unmaps vma1')).toBe('holds');
    expect(verdict('exit_mmap unmaps vma0')).toBe('holds');
  });

  test('a range that cuts a VMA splits it: the part below stays, the part above stays, the middle is detached', () => {
    const p = buildProgram(reaperAndMunmap(9, 2));
    // One pre-allocated VMA per possible split, with the configuration of the VMA it splits.
    expect(p.spec.statics['task1.vm_area_cache']).toEqual(['vma2', 'vma3']);
    expect(p.spec.statics['vma2.pages']).toBe('vma1');
    const before = JSON.stringify([['vma0', 0, 4], ['vma1', 8, 12]]);
    const after = JSON.stringify([['vma0', 0, 4], ['vma1', 8, 9], ['vma2', 11, 12]]);
    const { verdict } = explore(reaperAndMunmap(9, 2), () => [
      Property.always('once munmap has finished: as before (-EINTR) or [0, 4), [8, 9), [11, 12)', (s) => !finished(s, 1) || [before, after].includes(JSON.stringify(vmaList(s)))),
      Property.sometimes('munmap leaves [0, 4), [8, 9), [11, 12)', (s) => finished(s, 1) && JSON.stringify(vmaList(s)) === after),
      // vma3, the middle part, went back to the slab (vm_area_free): nothing of it is left in the state.
      Property.always('the freed part leaves nothing behind', (s) => !finished(s, 1) || (s.mem['vma3.vm_end'] === 0 && s.mem['vma3.vm_next'] === null && s.mem['vma3.vm_prev'] === null)),
    ]);
    expect(verdict('once munmap has finished: as before (-EINTR) or [0, 4), [8, 9), [11, 12)')).toBe('holds');
    expect(verdict('munmap leaves [0, 4), [8, 9), [11, 12)')).toBe('holds');
    expect(verdict('the freed part leaves nothing behind')).toBe('holds');
  });

  test('later walkers reap the part that is left, with a start over its own range, never over the old one', () => {
    // munmap of [8, 10) splits vma1 [8, 12) at 10: vma1 becomes [10, 12), vma2 [8, 10) is detached.
    // The split allocates a VMA (vm_area_dup, GFP_KERNEL), which under the model's "Memory"
    // abstraction waits while the victim holds its memory, so the reaper only gets mmap_sem again
    // once it has given up; exit_mmap's own __oom_reap_task_mm then reaps what is left.
    const sc: Scenario = { ...reaperAndMunmap(8, 2), threads: [...reaperAndMunmap(8, 2).threads, { kind: 'exit_mmap' }] };
    const reaping = (m: KernelModel, s: KState, tid: number, start: number, end: number): boolean =>
      stack(m, s, tid).includes('mmu_notifier_invalidate_range_start_nonblock') && local(m, s, tid, '__oom_reap_task_mm', 'start') === start && local(m, s, tid, '__oom_reap_task_mm', 'end') === end;
    const { verdict } = explore(sc, (m) => [
      Property.sometimes('exit_mmap reaps [10, 12)', (s) => reaping(m, s, 2, 10, 12)),
      Property.always('nobody reaps [8, 12) after the split', (s) => s.mem['vma1.vm_start'] !== 10 || ![0, 2].some((t) => reaping(m, s, t, 8, 12))),
    ]);
    expect(verdict('exit_mmap reaps [10, 12)')).toBe('holds');
    expect(verdict('nobody reaps [8, 12) after the split')).toBe('holds');
  });

  test('a split at a page inside a huge-page-sized block runs __split_huge_pmd()\'s own notifier pair (vma_adjust_trans_huge)', () => {
    const { verdict } = explore(
      { name: 'odd-split', core: 'v4.19', vmas: TWO_VMAS, notifiers: [{ use: 'sgi-gru@93065ac753e4', objects: [{ start: 8, end: 12 }] }], threads: [{ kind: 'munmap', params: { start: 9, len: 2 } }] },
      () => [
        Property.sometimes('munmap opens [8, 10)', (s) => openPair(s, 0, 8, 10)),
        Property.sometimes('munmap opens [10, 12)', (s) => openPair(s, 0, 10, 12)),
        Property.sometimes('munmap opens [9, 11)', (s) => openPair(s, 0, 9, 11)),
      ],
    );
    expect(verdict('munmap opens [8, 10)')).toBe('holds');
    expect(verdict('munmap opens [10, 12)')).toBe('holds');
    expect(verdict('munmap opens [9, 11)')).toBe('holds');
  });

  test('a fault at a page munmap removed finds no VMA: bad_area(), no notifier pair', () => {
    const { verdict } = explore(
      { name: 'fault-after-munmap', core: 'v4.19', vmas: TWO_VMAS, notifiers: [{ use: 'sgi-gru@93065ac753e4', objects: [{ start: 8, end: 12 }] }], threads: [{ kind: 'munmap', params: { start: 8, len: 4 } }, { kind: 'fault', params: { address: 9 } }] },
      (m) => [
        Property.always('no copy-on-write after munmap', (s) => !(vma1Gone(s, 0) && stack(m, s, 1).includes('wp_page_copy'))),
        Property.sometimes('bad_area after munmap', (s) => vma1Gone(s, 0) && stack(m, s, 1).includes('bad_area')),
        Property.sometimes('copy-on-write before munmap', (s) => stack(m, s, 1).includes('wp_page_copy')),
      ],
    );
    expect(verdict('no copy-on-write after munmap')).toBe('holds');
    expect(verdict('bad_area after munmap')).toBe('holds');
    expect(verdict('copy-on-write before munmap')).toBe('holds');
  });

  test('reclaim of a page in a VMA munmap changes is refused: the rmap walk that finds the VMA now mapping it is not modelled', () => {
    expect(() =>
      buildProgram({ name: 'r', core: 'v4.19', vmas: TWO_VMAS, notifiers: [], threads: [{ kind: 'munmap', params: { start: 9, len: 1 } }, { kind: 'reclaim', params: { address: 11 } }] }),
    ).toThrow(/^threads\[1\]\.params\.address: reclaim of page 11 in the VMA \[8, 12\) that munmap \(threads\[0\]\) splits or removes/);
    expect(() => buildProgram({ name: 'r', core: 'v4.19', vmas: TWO_VMAS, notifiers: [], threads: [{ kind: 'munmap', params: { start: 9, len: 1 } }, { kind: 'reclaim', params: { address: 1 } }] })).not.toThrow();
  });
});

describe('what v4.19 answers with an error is modelled, what it cannot have is refused', () => {
  const single = (kind: 'munmap' | 'madvise', start: number, len: number): Scenario => ({
    name: `${kind}-${start}-${len}`,
    core: 'v4.19',
    vmas: TWO_VMAS,
    notifiers: [{ use: 'sgi-gru@93065ac753e4', objects: [{ start: 0, end: 4 }] }],
    threads: [{ kind, params: { start, len } }],
  });
  /** Run a lone thread to its end; the statements it ran and the value its entry function returned. */
  const runAlone = (sc: Scenario): { texts: string[]; ret: Value } => {
    const m = new KernelModel(buildProgram(sc), { coalesce: false });
    let s = m.initStates()[0]!;
    const texts: string[] = [];
    let ret: Value = null;
    for (let n = 0; n < 1000 && !finished(s, 0); n++) {
      const acts: never[] = [];
      m.actions(s, acts);
      expect(acts.length).toBe(1);
      const r = m.step(s, acts[0]!);
      for (const e of r.executed) {
        texts.push(e.src.text);
        if (e.op === 'return' && e.fn === m.program.spec.fns.find((f) => f.name === m.program.spec.threads[0]!.fn)!.name) ret = Number(e.detail);
      }
      s = r.state;
    }
    expect(finished(s, 0)).toBe(true);
    return { texts, ret };
  };

  test('munmap of length 0, which the kernel rejects (do_munmap() returns -EINVAL), is refused with one line', () => {
    expect(() => buildProgram(single('munmap', 8, 0))).toThrow(/^threads\[0\]\.params\.len: munmap of length 0: the kernel rejects it with -EINVAL \(v4\.19 mm\/mmap\.c do_munmap\(\)/);
  });

  test('munmap entirely above the last VMA: find_vma() finds nothing, do_munmap() returns 0', () => {
    const { texts, ret } = runAlone(single('munmap', 20, 2));
    expect(ret).toBe(0);
    expect(texts).toContain('if (!vma)');
    expect(texts.some((t) => t.startsWith('mmu_notifier_invalidate_range_start'))).toBe(false);
  });

  test('munmap of a hole between VMAs: the first VMA above starts after the range, do_munmap() returns 0', () => {
    const { texts, ret } = runAlone(single('munmap', 4, 2));
    expect(ret).toBe(0);
    expect(texts).toContain('if (vma->vm_start >= end)');
    expect(texts.some((t) => t.startsWith('mmu_notifier_invalidate_range_start'))).toBe(false);
  });

  test('madvise entirely above the last VMA: -ENOMEM, nothing zapped', () => {
    const { texts, ret } = runAlone(single('madvise', 20, 2));
    expect(ret).toBe(-12);
    expect(texts.some((t) => t.startsWith('zap_page_range'))).toBe(false);
  });

  test('madvise of length 0 returns 0 before taking mmap_sem', () => {
    const { texts, ret } = runAlone(single('madvise', 0, 0));
    expect(ret).toBe(0);
    expect(texts.some((t) => t.startsWith('down_read'))).toBe(false);
  });

  test('madvise over a hole zaps each VMA of the range in its own start/end pair and returns -ENOMEM', () => {
    const { texts, ret } = runAlone(single('madvise', 2, 8));
    expect(ret).toBe(-12);
    expect(texts.filter((t) => t === 'zap_page_range(vma, start, end - start);')).toHaveLength(2);
  });

  test('a notifier object outside every VMA is refused', () => {
    expect(() => buildProgram({ ...single('munmap', 0, 1), notifiers: [{ use: 'sgi-gru@93065ac753e4', objects: [{ start: 4, end: 8 }] }] })).toThrow(
      /^notifiers\[0\]\.objects\[0\]: \[4, 8\) lies outside every VMA/,
    );
  });

  test('wp_page_copy() ends its range with mmu_notifier_invalidate_range_only_end() (v4.19 mm/memory.c 2661)', () => {
    const { texts } = runAlone({ name: 'fault', core: 'v4.19', vmas: TWO_VMAS, notifiers: [], threads: [{ kind: 'fault', params: { address: 1 } }] });
    expect(texts).toContain('mmu_notifier_invalidate_range_only_end(mm, mmun_start, mmun_end);');
    expect(texts).not.toContain('mmu_notifier_invalidate_range_end(mm, mmun_start, mmun_end);');
  });
});

describe('__split_huge_pmd() re-checks the pmd under the page-table lock', () => {
  test('two threads that both found the huge pmd: the second leaves the split one alone', () => {
    const { verdict } = explore(
      {
        name: 'two-splits',
        core: 'v4.19',
        vmas: [{ start: 0, end: 8, thp: 2 }],
        notifiers: [],
        threads: [
          { kind: 'madvise', params: { start: 3, len: 2 } },
          { kind: 'madvise', params: { start: 2, len: 1 } },
        ],
      },
      (m) => [
        Property.always('never a split of a split pmd', (s) => ![0, 1].some((t) => next(m, s, t) === '__split_huge_pmd_locked(vma, pmd, haddr, freeze);' && s.mem['vma0.pmd.split'] === 1)),
        Property.sometimes('the re-check sends one thread to out', (s) => [0, 1].some((t) => next(m, s, t) === 'goto out;' && stack(m, s, t).at(-1) === '__split_huge_pmd')),
      ],
    );
    expect(verdict('never a split of a split pmd')).toBe('holds');
    expect(verdict('the re-check sends one thread to out')).toBe('holds');
  });
});

describe('a shared anonymous VMA is not reaped (v4.19 __oom_reap_task_mm: vma_is_anonymous(vma) || !(vm_flags & VM_SHARED))', () => {
  const reaper = (vma: Scenario['vmas'][number]): Scenario => ({
    name: 'shared',
    core: 'v4.19',
    oom: true,
    vmas: [vma],
    notifiers: [{ use: 'sgi-gru@93065ac753e4', objects: [{ start: 0, end: 4 }] }],
    threads: [{ kind: 'oom_reaper' }],
  });
  test('MAP_SHARED|MAP_ANONYMOUS is shmem: vm_ops set, not anonymous, shared: skipped', () => {
    const p = buildProgram(reaper({ start: 0, end: 4, shared: true }));
    expect([p.spec.statics['vma0.anon'], p.spec.statics['vma0.reapable']]).toEqual([0, 0]);
    const { verdict } = explore(reaper({ start: 0, end: 4, shared: true }), (m) => [
      Property.always('no reaper start', (s) => !stack(m, s, 0).includes('__mmu_notifier_invalidate_range_start')),
    ]);
    expect(verdict('no reaper start')).toBe('holds');
  });
  test('private mappings are reaped, file-backed or not; a shared file mapping is not', () => {
    const flags = (v: Scenario['vmas'][number]): unknown[] => {
      const p = buildProgram(reaper(v));
      return [p.spec.statics['vma0.anon'], p.spec.statics['vma0.reapable']];
    };
    expect(flags({ start: 0, end: 4 })).toEqual([1, 1]);
    expect(flags({ start: 0, end: 4, file: true })).toEqual([0, 1]);
    expect(flags({ start: 0, end: 4, file: true, shared: true })).toEqual([0, 0]);
    expect(flags({ start: 0, end: 4, locked: true })).toEqual([1, 0]);
  });
});
