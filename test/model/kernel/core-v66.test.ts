/**
 * Core v6.6 (the current LTS of the 6.x line): the 6.6 notifier core (no only_end, the range
 * without the VMA), the reaper on the maple tree (which reaps mlocked VMAs too), exit_mmap() without
 * its OOM-victim branch, and process_mrelease(2), a second non-blocking caller of
 * __oom_reap_task_mm() (thread kind process_mrelease).
 */
import { describe, expect, test } from 'vitest';
import { KernelModel } from '../../../src/model/kernel-model.ts';
import { parseScenario } from '../../../src/model/kernel/scenario-file.ts';
import { buildProgram, type Scenario } from '../../../src/model/kernel/scenario.ts';
import { ScenarioError } from '../../../src/model/kernel/errors.ts';
import { CORE_VERSIONS } from '../../../src/model/kernel/core/versions.ts';
import type { KState } from '../../../src/model/lang/state.ts';
import { runScenario } from '../../../src/report/run.ts';
import { finding, reachable } from '../../scenarios/helpers.ts';

function scenario(o: { core: string; oom?: boolean; locked?: boolean; notifiers: [string, number, number][]; threads: string[] }): Scenario {
  return parseScenario(
    JSON.stringify({
      name: 'v66',
      core: o.core,
      oom: o.oom ?? true,
      vmas: [{ start: 0, end: 4, ...(o.locked ? { locked: true } : {}) }],
      notifiers: o.notifiers.map(([use, start, end]) => ({ use, objects: [{ start, end }] })),
      threads: o.threads.map((kind) => ({ kind })),
    }),
    'test',
  );
}

/** Per engine property, its status. */
function statuses(sc: Scenario): Record<string, string> {
  const run = runScenario(sc);
  expect(run.result.status).not.toBe('incomplete');
  return Object.fromEntries(run.result.verdicts.map((v) => [v.property, v.status]));
}


describe('process_mrelease(2): a second non-blocking caller of __oom_reap_task_mm()', () => {
  test("its non-blocking start is a no-sleep context: v5.x-era amdgpu's read lock there is the kernel's own splat, reported in process_mrelease", () => {
    const run = runScenario(scenario({ core: 'v6.6', notifiers: [['amdgpu@v5.2', 1, 2]], threads: ['process_mrelease'] }), { properties: ['no-sleep'] });
    const f = finding(run, 'no-sleep:might-sleep');
    expect(f.header).toBe('BUG: sleeping function called from non-blockable invalidate_range_start');
    expect(f.details).toMatch(/^process_mrelease is about to call down_read_non_owner\(\), which may sleep, in amdgpu0 invalidate_range_start \[0, 4\) non-blockable/);
    expect(f.details).toContain("the kernel's debug check prints this too");
    expect(f.details).toContain('sys_process_mrelease() mm/oom_kill.c: if (!test_bit(MMF_OOM_SKIP, &mm->flags) && !__oom_reap_task_mm(mm))');
    expect(f.statements).toContain('process_mrelease: if (mmap_read_lock_killable(mm))');
  });

  test('it reaps only a dying process: without the OOM kill (no SIGKILL) task_will_free_mem() is false and no start is called', () => {
    const v = statuses(scenario({ core: 'v6.6', oom: false, notifiers: [['amdgpu@v5.2', 1, 2]], threads: ['process_mrelease'] }));
    expect(v['no-sleep:might-sleep']).toBe('holds');
    expect(v['pairing:failed-start-end']).toBe('holds');
  });

  test('with the reaper: the two invalidate concurrently (KVM counts two starts), test_hmm may refuse one while the other holds its mutex, and every check holds', () => {
    // kvm is the kvm@v6.6 the core ships: its count is mmu_invalidate_in_progress.
    const sc = scenario({ core: 'v6.6', notifiers: [['kvm', 0, 4], ['test_hmm', 0, 2]], threads: ['oom_reaper', 'process_mrelease'] });
    expect(Object.entries(statuses(sc)).filter(([, s]) => s !== 'holds')).toEqual([]);
    expect(reachable(sc, (s) => s.mem['kvm0.mmu_invalidate_in_progress'] === 2)).toBe(true);
    // process_mrelease in test_hmm's non-blocking invalidate while the reaper holds dmirror->mutex:
    // its mutex_trylock fails, the interval notifier refuses, and process_mrelease returns -EAGAIN.
    expect(
      reachable(sc, (s) => {
        const l = s.locks['test_hmm0.mutex'];
        return s.threads[1]!.frames.some((f) => f.op?.kind === 'invalidate' && !f.op.blockable) && l?.kind === 'mutex' && l.owner === 0;
      }),
    ).toBe(true);
  });

  test('a core without it refuses the thread in one line; so does a process_mrelease thread of the victim', () => {
    for (const core of ['v4.19', 'v5.5', 'v5.12']) {
      let err: unknown;
      try {
        scenario({ core, notifiers: [['kvm', 0, 4]], threads: ['process_mrelease'] });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ScenarioError);
      expect(String((err as Error).message)).toBe(`test: threads[0].kind: process_mrelease(2) entered in v5.15 (884a7e5964e0): core ${core} does not have it (the v6.6 core does)`);
    }
    const sc = scenario({ core: 'v6.6', notifiers: [['kvm', 0, 4]], threads: ['process_mrelease'] });
    expect(() => buildProgram({ ...sc, threads: [{ kind: 'process_mrelease', victim: true }] })).toThrow(/process_mrelease\(2\) is called by another process on the dying one/);
  });
});

describe('the 6.6 reaper and exit_mmap()', () => {
  test("6.6 reaps an mlocked VMA, which v4.19 to v5.12 skip (can_madv_dontneed_vma/can_madv_lru_vma): amdgpu's v5.2 form (named: v6.6 ships amdgpu@v6.6, which refuses before any lock) is reached on v6.6 only", () => {
    const on = (core: string): Record<string, string> => statuses(scenario({ core, locked: true, notifiers: [['amdgpu@v5.2', 1, 2]], threads: ['oom_reaper'] }));
    expect(on('v5.12')['no-sleep:might-sleep']).toBe('holds');
    expect(on('v5.12')['pairing:failed-start-end']).toBe('holds');
    expect(on('v6.6')['no-sleep:might-sleep']).toBe('violated');
    expect(on('v6.6')['pairing:failed-start-end']).toBe('violated');
    expect(CORE_VERSIONS['v6.6']!.reapsLocked).toBe(true);
  });

  test("6.6's exit_mmap() unmaps under mmap_read_lock beside the reaper, so both can be unmapping at once; v5.12's waits for the reaper (MMF_OOM_SKIP, mmap_sem for write) before its unmap_vmas()", () => {
    const on = (core: string): Scenario => scenario({ core, notifiers: [['kvm', 0, 4]], threads: ['oom_reaper', 'exit_mmap'] });
    const inFn = (m: KernelModel, s: KState, tid: number, name: string): boolean => s.threads[tid]!.frames.some((f) => m.program.fn(f.fn).def.name === name);
    const both = (s: KState, m: KernelModel): boolean => inFn(m, s, 0, '__oom_reap_task_mm') && inFn(m, s, 1, 'unmap_vmas');
    expect(reachable(on('v6.6'), both)).toBe(true);
    expect(reachable(on('v5.12'), both)).toBe(false);
    // exit_mmap sets MMF_OOM_SKIP itself after its unmap, so the reaper never sets it prematurely.
    expect(statuses(on('v6.6'))['no-premature-victim']).toBe('holds');
  });
});

describe('the 6.6 notifier API', () => {
  test('the invalidate thread and the callers run without only_end: a non-blocking range, madvise and a copy-on-write fault on KVM and test_hmm', () => {
    const sc = parseScenario(
      JSON.stringify({
        name: 'inv66',
        core: 'v6.6',
        vmas: [{ start: 0, end: 4 }],
        notifiers: [
          { use: 'kvm', objects: [{ start: 0, end: 4 }] },
          { use: 'test_hmm', objects: [{ start: 0, end: 2 }] },
        ],
        threads: [
          { kind: 'invalidate', params: { start: 0, len: 4, blockable: false } },
          { kind: 'madvise', params: { start: 0, len: 2 } },
          { kind: 'fault', params: { address: 3 } },
        ],
      }),
      'test',
    );
    const v = statuses(sc);
    expect(Object.entries(v).filter(([, s]) => s === 'violated').map(([p]) => p)).toEqual([]);
    const names = new Set(buildProgram(sc).spec.fns.map((f) => f.name));
    expect(names.has('mmu_notifier_invalidate_range_only_end')).toBe(false);
    expect(names.has('mmu_notifier_invalidate_range_end')).toBe(true);
  });
});

describe("exit_mmap's release of the interval notifiers on v6.6", () => {
  // v6.6 took v5.12's mn_itree_release, whose range initialiser passed the VMA (seven arguments) to
  // 6.6's mmu_notifier_range_init(), which has none: every exit_mmap over an interval notifier was an
  // internal error ("mmu_notifier_range_init takes 6 arguments, called with 7"), found by the
  // reductions' property test on a random scenario.
  for (const use of ['test_hmm@v5.7', 'i915@v6.6']) {
    test(`exit_mmap over ${use} runs v6.6's mn_itree_release`, () => {
      const sc: Scenario = { name: 'exit-itree', core: 'v6.6', vmas: [{ start: 0, end: 4 }], notifiers: [{ use, objects: [{ start: 0, end: 3 }] }], threads: [{ kind: 'exit_mmap' }] };
      const r = runScenario(sc, { findAll: true });
      expect(r.result.status).toBe('pass');
      const p = buildProgram(sc);
      expect(p.fn(p.fnId('mn_itree_release')).def.version).toBe('v6.6');
    });
  }
});
