/**
 * lib/test_hmm.c on the v5.5 core (interval notifiers): the reader's wait in mmu_interval_read_begin()
 * is a real blocking wait, the itree is walked before the hlist and a refusal there runs no hlist
 * notifier, and an interval notifier needs a v5.5 core.
 */
import { describe, expect, test } from 'vitest';
import { check, Property } from '../../../../src/checker/index.ts';
import { KernelModel } from '../../../../src/model/kernel-model.ts';
import { buildProgram, type Scenario } from '../../../../src/model/kernel/scenario.ts';
import type { KState } from '../../../../src/model/lang/state.ts';
import { engineProperties, readsOf } from '../../../../src/properties/index.ts';
import { propertyVerdicts, runScenario } from '../../../../src/report/run.ts';
import { parsePatch } from '../../../../src/model/patch/diff.ts';
import { applyInOrder, scenarioBase } from '../../../../src/model/patch/use.ts';
import { loadBuiltin } from '../../../../src/model/kernel/scenario-file.ts';
import { finding } from '../../../scenarios/helpers.ts';

const FAULT_VS_MADVISE: Scenario = {
  name: 'test-hmm-fault-vs-madvise',
  core: 'v5.5',
  vmas: [{ start: 0, end: 4 }],
  notifiers: [{ use: 'test_hmm', objects: [{ start: 0, end: 2 }] }],
  threads: [
    { kind: 'test_hmm:fault', params: { address: 0 } },
    { kind: 'madvise', params: { start: 0, len: 2 } },
  ],
};

/** A model of the scenario with every kernel property and `extra`, unreduced (every statement a step). */
function model(sc: Scenario, extra: Property<KState>[]): KernelModel {
  const program = buildProgram(sc);
  const m = new KernelModel(program, { reads: readsOf(program), coalesce: false });
  m.setProperties([...engineProperties(m), ...extra]);
  return m;
}

describe('test_hmm on v5.5', () => {
  test("the fault can sleep in mmu_interval_read_begin()'s wait_event while madvise's invalidation is active, and every such wait ends", () => {
    const waiting = (m: KernelModel, s: KState): boolean => /^wait_event\(mm\.mmu_notifier_mm\.wq/.test(m.interp.waitOf(s, 0)?.why ?? '');
    let m!: KernelModel;
    m = model(FAULT_VS_MADVISE, [Property.always<KState>('fault never waits in read_begin', (s) => !waiting(m, s))]);
    const r = check(m, { findAll: true });
    expect(r.status).toBe('violation');
    const v = r.verdicts.find((x) => x.property === 'fault never waits in read_begin')!;
    expect(v.status).toBe('violated');
    if (v.status !== 'violated') return;
    const last = v.counterexample.path.steps.at(-1)!.state;
    // It waits because its notifier's sequence is the active (odd) one: the invalidate already ran.
    expect(Number(last.mem['mm.mmu_notifier_mm.invalidate_seq']) % 2).toBe(1);
    expect(last.mem['test_hmm0.invalidate_seq']).toBe(last.mem['mm.mmu_notifier_mm.invalidate_seq']);
    expect(m.interp.waitOf(last, 0)?.sleeping).toBe(true);
    // The wait always ends: no deadlock, no thread stuck for good, every other check holds.
    for (const x of r.verdicts) if (x.property !== 'fault never waits in read_begin') expect(x.status, x.property).toBe('holds');
  });

  test('the itree is walked before the hlist: when test_hmm refuses the reaper, KVM is not called, so its count never leaks (on v5.4 an hlist notifier refusing after KVM leaks it)', () => {
    const sc: Scenario = {
      name: 'kvm-and-test-hmm-under-reaper',
      core: 'v5.5',
      oom: true,
      vmas: [{ start: 0, end: 4 }],
      notifiers: [
        { use: 'kvm', objects: [{ start: 0, end: 2 }] },
        { use: 'test_hmm', objects: [{ start: 0, end: 2 }] },
      ],
      threads: [{ kind: 'oom_reaper' }, { kind: 'test_hmm:fault', params: { address: 0 } }],
    };
    // The reaper is refused by test_hmm in some runs (the fault holds the mirror's mutex).
    let m!: KernelModel;
    const refused = (s: KState): boolean => s.threads[0]!.frames.some((f) => m.program.fn(f.fn).def.name === 'mn_itree_invalidate' && m.program.fn(f.fn).instrs[f.pc]!.src.text === 'return -EAGAIN;');
    m = model(sc, [Property.always<KState>('the reaper is never refused by the itree', (s) => !refused(s))]);
    const r = check(m, { findAll: true });
    expect(r.verdicts.find((x) => x.property === 'the reaper is never refused by the itree')!.status).toBe('violated');
    expect(r.verdicts.find((x) => x.property === 'pairing:unbalanced-state')!.status).toBe('holds');
    expect(r.verdicts.find((x) => x.property === 'pairing:missing-end')!.status).toBe('holds');
    const v = propertyVerdicts(runScenario(sc));
    for (const [p, x] of Object.entries(v)) expect(x, p).not.toBe('violated');
  });

  test("an invalidate that mutex_locks in every mode sleeps in the reaper's non-blocking start: no-sleep finds it and says v5.5 does not bracket it with non_block_start()", () => {
    const patch = [
      '--- a/lib/test_hmm.c',
      '+++ b/lib/test_hmm.c',
      '@@ -257,8 +257,5 @@ static bool dmirror_interval_invalidate(struct mmu_interval_notifier *mni,',
      ' \t\treturn true;',
      ' ',
      '-\tif (mmu_notifier_range_blockable(range))',
      '-\t\tmutex_lock(&dmirror->mutex);',
      '-\telse if (!mutex_trylock(&dmirror->mutex))',
      '-\t\treturn false;',
      '+\tmutex_lock(&dmirror->mutex);',
      ' ',
      ' \tmmu_interval_set_seq(mni, cur_seq);',
      '',
    ].join('\n');
    const sc = loadBuiltin('test-hmm-reaper');
    const r = applyInOrder([parsePatch(patch, 'always-lock.patch')], scenarioBase(sc));
    expect(r.refused).toBeUndefined();
    const run = runScenario({ ...sc, replaceFns: r.fns });
    const f = finding(run, 'no-sleep:might-sleep');
    expect(f.header).toBe('BUG: sleeping function called from non-blockable mmu_interval_notifier invalidate');
    expect(f.details).toMatch(/^oom_reaper is about to call mutex_lock\(\), which may sleep, in test_hmm0 invalidate \[0, 4\) non-blockable/);
    expect(f.details).toContain("from v5.5 on (v6.6 too) the core calls the interval notifiers' invalidate outside non_block_start() (mn_itree_invalidate)");
    expect(finding(run, 'no-sleep:blocked').details).toMatch(/^oom_reaper sleeps in test_hmm0 invalidate \[0, 4\) non-blockable: mutex_lock\(&test_hmm0\.mutex\): held by fault/);
    expect(propertyVerdicts(runScenario(sc))['no-sleep']).toBe('holds');
  });

  test("hfi1's handler->ops->invalidate (its mmu_rb_ops callback of the same name) stays a plain call, beside an interval notifier or not", () => {
    for (const sc of [
      { name: 'hfi1-madvise', core: 'v4.19', vmas: [{ start: 0, end: 4 }], notifiers: [{ use: 'hfi1', objects: [{ start: 0, end: 2 }] }], threads: [{ kind: 'madvise', params: { start: 0, len: 2 } }] },
      { ...FAULT_VS_MADVISE, notifiers: [{ use: 'hfi1', objects: [{ start: 0, end: 2 }] }, ...FAULT_VS_MADVISE.notifiers] },
    ] as Scenario[]) {
      let m!: KernelModel;
      const interval = (s: KState): boolean => s.threads.some((t) => t.frames.some((f) => f.op?.kind === 'invalidate' && f.op.nid.startsWith('hfi1')));
      const hfi1Called = (s: KState): boolean => s.threads.some((t) => t.frames.some((f) => m.program.fn(f.fn).def.name === 'sdma_rb_invalidate'));
      m = model(sc, [Property.always<KState>('no hfi1 frame is an interval invalidate', (x) => !interval(x)), Property.always<KState>('sdma_rb_invalidate never runs', (x) => !hfi1Called(x))]);
      const r = check(m, { findAll: true });
      expect(r.verdicts.find((x) => x.property === 'no hfi1 frame is an interval invalidate')!.status, sc.name).toBe('holds');
      // It is called (through the pointer) all the same.
      expect(r.verdicts.find((x) => x.property === 'sdma_rb_invalidate never runs')!.status, sc.name).toBe('violated');
    }
  });

  test('an interval notifier on a core without them is one line naming the notifier, before anything runs', () => {
    for (const core of ['v4.19', 'v5.4']) {
      expect(() => buildProgram({ ...FAULT_VS_MADVISE, core })).toThrow(`notifiers[0].use: test_hmm@v5.7 is an mmu_interval_notifier, which core ${core} does not have (v5.5 added them, 99cb252f5e68)`);
    }
  });

  test('a fault at a page outside the mirror is refused with the field', () => {
    expect(() => buildProgram({ ...FAULT_VS_MADVISE, threads: [{ kind: 'test_hmm:fault', params: { address: 3 } }] })).toThrow(/threads\[0\]\.params\.address: page 3 lies in no object of test_hmm0/);
    expect(() => buildProgram({ ...FAULT_VS_MADVISE, threads: [{ kind: 'test_hmm:fault', params: { address: 0, len: 0 } }] })).toThrow(/threads\[0\]\.params\.len: expected at least one page/);
  });
});
