/**
 * KVM: the start and end callbacks of every variant in blockable and non-blockable mode (return
 * value, locks, counters after, what may sleep), BUG_ON, and the vCPU fault thread against an
 * invalidation, explored exhaustively: with the mmu_notifier_count protocol no spte is installed
 * inside an open invalidation, and the same check finds the bug when the fault path skips the
 * mmu_notifier_retry() check.
 */
import { describe, expect, test } from 'vitest';
import { runCallback, runRelease } from '../../harness.ts';
import { check, Property } from '../../../../src/checker/index.ts';
import { Interpreter } from '../../../../src/model/lang/interp.ts';
import { KernelModel } from '../../../../src/model/kernel-model.ts';
import { Program } from '../../../../src/model/lang/program.ts';
import { buildProgram, type Scenario } from '../../../../src/model/kernel/scenario.ts';
import type { KState, LockState } from '../../../../src/model/lang/state.ts';
import { fn, type FnDef } from '../../../../src/model/lang/ir.ts';
import { tdpPageFault } from '../../../../src/model/kernel/drivers/kvm.ts';
import { engineProperties, explain } from '../../../../src/properties/index.ts';

const OBJ = [{ start: 8, end: 10 }];
const spinFree: LockState = { kind: 'spin', owner: -1 };
const executed = (r: ReturnType<typeof runCallback>): string[] => r.trace.map((t) => t.src.text);

describe('kvm@93065ac753e4 (seed 001, + side; v4.19)', () => {
  const use = 'kvm@93065ac753e4';

  for (const blockable of [true, false]) {
    test(`${blockable ? 'blockable' : 'non-blockable'} start over a memslot: zaps its sptes, flushes, raises mmu_notifier_count, returns 0, never sleeps`, () => {
      const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10, blockable });
      expect(r.ret).toBe(0);
      expect(r.state.mem['kvm0.mmu_notifier_count']).toBe(1);
      expect(r.state.mem['kvm0.mmu_notifier_seq']).toBe(0);
      expect(r.state.mem['kvm0.obj0.mapped']).toBe(0);
      expect(r.state.locks['kvm0.mmu_lock']).toEqual(spinFree);
      expect(r.state.mem['kvm0.bug']).toBe(0);
      expect(executed(r)).toContain('kvm_flush_remote_tlbs(kvm);');
      expect(executed(r)).toContain('ret = kvm_arch_mmu_notifier_invalidate_range(kvm, start, end, blockable);');
      expect(r.slept).toEqual([]);
      // The pair the core owes an end is open, with the mode it was called in.
      expect(r.state.pairs).toEqual([{ tid: 0, nid: 'kvm0', start: 8, end: 10, blockable: blockable ? 1 : 0, mayfail: 0, ret: 0 }]);
    });
  }

  test('start away from every memslot: the count still rises, nothing is zapped, no flush', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 0, end: 4, blockable: false });
    expect(r.ret).toBe(0);
    expect(r.state.mem['kvm0.mmu_notifier_count']).toBe(1);
    expect(r.state.mem['kvm0.obj0.mapped']).toBe(1);
    expect(executed(r)).not.toContain('kvm_flush_remote_tlbs(kvm);');
  });

  test('kvm->tlbs_dirty forces the flush, which clears it', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 0, end: 4, mem: { 'kvm0.tlbs_dirty': 1 } });
    expect(executed(r)).toContain('kvm_flush_remote_tlbs(kvm);');
    expect(r.state.mem['kvm0.tlbs_dirty']).toBe(0);
  });

  test('a range holding the APIC-access page requests its reload from every vCPU, without sleeping', () => {
    const hit = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 0, end: 4, blockable: false, mem: { 'kvm0.apic_access_hva': 2 } });
    expect(hit.ret).toBe(0);
    expect(executed(hit)).toContain('kvm_make_all_cpus_request(kvm, ...);');
    expect(hit.slept).toEqual([]);
    const miss = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 0, end: 4, blockable: false });
    expect(executed(miss)).not.toContain('kvm_make_all_cpus_request(kvm, ...);');
  });

  test('with mmu_lock held by another CPU the start spins: it waits, but not sleeping', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10, blockable: false, locks: { 'kvm0.mmu_lock': { kind: 'spin', owner: 99 } } });
    expect(r.ret).toBeUndefined();
    expect(r.blocked).toMatch(/^spin_lock\(&kvm0\.mmu_lock\)/);
    expect(r.state.mem['kvm0.mmu_notifier_count']).toBe(0);
    expect(new Interpreter(r.program).waitOf(r.state, 0)).toEqual({ why: expect.stringMatching(/held by thread99/), sleeping: false });
  });

  test('end after a start: mmu_notifier_seq++, then mmu_notifier_count-- under mmu_lock; no BUG; never sleeps', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_end', start: 8, end: 10, mem: { 'kvm0.mmu_notifier_count': 1 } });
    expect(r.ret).toBe(0);
    expect(r.state.mem['kvm0.mmu_notifier_count']).toBe(0);
    expect(r.state.mem['kvm0.mmu_notifier_seq']).toBe(1);
    expect(r.state.mem['kvm0.bug']).toBe(0);
    expect(r.state.locks['kvm0.mmu_lock']).toEqual(spinFree);
    expect(r.slept).toEqual([]);
    // The seq increase comes before the count decrease (smp_wmb between them).
    const t = executed(r);
    expect(t.indexOf('kvm->mmu_notifier_seq++;')).toBeLessThan(t.indexOf('kvm->mmu_notifier_count--;'));
  });

  test('end without its start: the count goes negative and BUG_ON records kvm0.bug (the thread goes on)', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_end', start: 8, end: 10 });
    expect(r.state.mem['kvm0.mmu_notifier_count']).toBe(-1);
    expect(r.state.mem['kvm0.bug']).toBe(1);
    expect(r.ret).toBe(0);
  });

  test('the ops set MMU_INVALIDATE_DOES_NOT_BLOCK', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10 });
    expect(r.program.spec.statics['kvm0.ops.flags']).toBe(1);
  });
});

describe('kvm@v4.18 (before the patch)', () => {
  const use = 'kvm@v4.18';
  test('void start: the same zap and count, without blockable', () => {
    const r = runCallback({ use, core: 'v4.18', objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10 });
    expect(r.ret).toBe(0);
    expect(r.state.mem['kvm0.mmu_notifier_count']).toBe(1);
    expect(r.state.mem['kvm0.obj0.mapped']).toBe(0);
    expect(r.state.locks['kvm0.mmu_lock']).toEqual(spinFree);
    expect(executed(r)).toContain('kvm_arch_mmu_notifier_invalidate_range(kvm, start, end);');
    expect(r.slept).toEqual([]);
    expect(r.program.spec.statics['kvm0.ops.flags']).toBe(1);
  });
  test('end', () => {
    const r = runCallback({ use, core: 'v4.18', objects: OBJ, op: 'invalidate_range_end', start: 8, end: 10, mem: { 'kvm0.mmu_notifier_count': 2 } });
    expect(r.state.mem['kvm0.mmu_notifier_count']).toBe(1);
    expect(r.state.mem['kvm0.mmu_notifier_seq']).toBe(1);
    expect(r.state.mem['kvm0.bug']).toBe(0);
    expect(r.slept).toEqual([]);
  });
});

// ------------------------------------------------------------------------------------------------
// The vCPU fault thread against madvise(MADV_DONTNEED) / munmap of the same page.

const PAGE = 4;

/** "No open invalidation (a pair of kvm0 with ret 0 covering the object) while obj.mapped == 1." */
const noSpteInOpenInvalidation = Property.always<KState>('kvm: no spte inside an open invalidation', (s) => {
  if (s.mem['kvm0.obj0.mapped'] !== 1) return true;
  return !s.pairs.some((p) => p.nid === 'kvm0' && p.ret === 0 && p.start <= PAGE && PAGE < p.end);
});

/**
 * Non-vacuity: the vCPU can re-establish the spte after the invalidations zapped it. madvise ends
 * one invalidation of the page (seq 1); v4.19's munmap of [4, 5) inside the VMA splits it at 5 and
 * vma_adjust_trans_huge() runs __split_huge_pmd()'s own start/only_end pair over [4, 6) before
 * unmap_region()'s (seq 2).
 */
const refaulted = Property.sometimes<KState>('kvm: spte installed again after the zap', (s) => {
  const other = s.threads[1]!;
  return other.frames.length === 0 && s.mem['kvm0.obj0.mapped'] === 1 && Number(s.mem['kvm0.mmu_notifier_seq']) >= 1;
});

function faultScenario(core: string, use: string, other: 'madvise' | 'munmap', retries?: number): Scenario {
  return {
    name: `kvm fault vs ${other}`,
    core,
    vmas: [{ start: 0, end: 16 }],
    notifiers: [{ use, objects: [{ start: PAGE, end: PAGE + 1 }] }],
    threads: [
      { kind: 'kvm:tdp_fault', params: retries === undefined ? { address: PAGE } : { address: PAGE, retries } },
      { kind: other, params: { start: PAGE, len: 1 } },
    ],
  };
}

function explore(program: Program, props = [noSpteInOpenInvalidation, refaulted]) {
  const m = new KernelModel(program);
  m.setProperties(props);
  return { m, r: check(m, {}) };
}

/** tdp_page_fault without `if (mmu_notifier_retry(vcpu->kvm, mmu_seq)) goto out_unlock;`. */
const brokenTdp: FnDef = fn({
  ...tdpPageFault,
  version: 'test: no mmu_notifier_retry()',
  body: tdpPageFault.body.filter((s) => !(s.s === 'if' && s.src.text.includes('mmu_notifier_retry'))),
});

describe('kvm:tdp_fault against an invalidation of its page', () => {
  for (const [core, use] of [
    ['v4.19', 'kvm@93065ac753e4'],
    ['v4.18', 'kvm@v4.18'],
  ] as const) {
    for (const other of ['madvise', 'munmap'] as const) {
      test(`${use} (core ${core}) vs ${other}: no spte is installed while the invalidation is open`, () => {
        const { r } = explore(buildProgram(faultScenario(core, use, other)));
        expect(r.status).toBe('pass');
        expect(r.verdicts.map((v) => [v.property, v.status])).toEqual([
          ['kvm: no spte inside an open invalidation', 'holds'],
          ['kvm: spte installed again after the zap', 'holds'],
        ]);
      });
    }
  }

  test('the same check finds the bug in a fault path without the mmu_notifier_retry() check', () => {
    expect(brokenTdp.body.length).toBe(tdpPageFault.body.length - 1);
    const base = buildProgram(faultScenario('v4.19', 'kvm@93065ac753e4', 'madvise'));
    const broken = new Program({ ...base.spec, fns: base.spec.fns.map((f) => (f.name === 'tdp_page_fault' ? brokenTdp : f)) });
    const { m, r } = explore(broken);
    expect(r.status).toBe('violation');
    if (r.status !== 'violation') return;
    expect(r.violation.property).toBe('kvm: no spte inside an open invalidation');
    // The vCPU reinstalls the spte after the zap, while mmu_notifier_count is raised, and the start
    // then returns 0: the pair is open with the page mapped.
    const steps = r.violation.path.steps;
    const actions = steps.map((st, i) => m.formatAction(st.action, i ? steps[i - 1]!.state : r.violation.path.init));
    const zap = actions.indexOf('[madvise] kvm_mmu_notifier_invalidate_range_start(): need_tlb_flush = kvm_unmap_hva_range(kvm, start, end);');
    const map = actions.indexOf('[tdp_fault] tdp_page_fault(): r = __direct_map(vcpu, write, map_writable, level, gfn, pfn, prefault);');
    expect(zap).toBeGreaterThanOrEqual(0);
    expect(map).toBeGreaterThan(zap);
    const last = steps.at(-1)!.state;
    expect(last.mem['kvm0.mmu_notifier_count']).toBe(1);
    expect(last.mem['kvm0.obj0.mapped']).toBe(1);
    expect(last.pairs.map((p) => p.nid)).toEqual(['kvm0']);
  });

  test('with retries: 0 the vCPU gives up after one fault that hit the open invalidation', () => {
    const never = Property.sometimes<KState>('gave up unmapped', (s) => s.threads.every((t) => t.frames.length === 0) && s.mem['kvm0.obj0.mapped'] === 0);
    const { r } = explore(buildProgram(faultScenario('v4.19', 'kvm@93065ac753e4', 'madvise', 0)), [noSpteInOpenInvalidation, never]);
    expect(r.status).toBe('pass');
  });

  test('every kernel property holds on the fault-vs-madvise scenario (coherency, pairing, no-sleep, no-bug, deadlock, lock discipline)', () => {
    const m = new KernelModel(buildProgram(faultScenario('v4.19', 'kvm@93065ac753e4', 'madvise')));
    m.setProperties(engineProperties(m));
    const r = check(m, {});
    expect(r.status).toBe('pass');
    expect(r.verdicts.map((v) => v.property)).toContain('no-bug');
    expect(r.verdicts.map((v) => v.property)).toContain('coherency:mapped');
  });
});

describe('FINDING (v4.19 core): a notifier that fails the non-blocking start leaves KVM\'s start without its end', () => {
  // The oom_reaper's non-blocking start reaches KVM (which raises mmu_notifier_count and returns 0)
  // and amdgpu, whose object lies in the reaped VMA (-EAGAIN). __mmu_notifier_invalidate_range_start
  // returns -EAGAIN, so __oom_reap_task_mm skips the end of every notifier: KVM's count is never
  // lowered, once per attempt. Fixed upstream by c2655835fd8c "mm/mmu_notifiers: ensure range_end()
  // is paired with range_start()" (Sean Christopherson, 2021).
  const sc: Scenario = {
    name: 'kvm and amdgpu under the oom_reaper',
    core: 'v4.19',
    oom: true,
    vmas: [{ start: 0, end: 16 }],
    notifiers: [
      { use: 'kvm@93065ac753e4', objects: [{ start: PAGE, end: PAGE + 1 }] },
      { use: 'amdgpu@93065ac753e4', objects: [{ start: 8, end: 10 }] },
    ],
    threads: [{ kind: 'oom_reaper' }, { kind: 'kvm:tdp_fault', params: { address: PAGE } }],
  };

  test('pairing is violated and mmu_notifier_count is left raised; the vCPU can then never map the page', () => {
    const m = new KernelModel(buildProgram(sc));
    const stuck = Property.sometimes<KState>(
      'vCPU gave up on a page it can never map',
      (s) => s.threads.every((t) => t.frames.length === 0) && Number(s.mem['kvm0.mmu_notifier_count']) > 0 && s.mem['kvm0.obj0.mapped'] === 0,
    );
    m.setProperties([...engineProperties(m, ['pairing']), stuck]);
    const r = check(m, { findAll: true });
    expect(r.status).toBe('violation');
    if (r.status !== 'violation') return;
    const v = r.violations.find((x) => x.property === 'pairing:missing-end')!;
    const last = v.path.steps.at(-1)!.state;
    expect(explain(m, 'pairing:missing-end', last).details[0]).toMatch(/non-blockable invalidate_range_start of kvm0 for \[0, 16\) that returned 0 never got its invalidate_range_end/);
    expect(Number(last.mem['kvm0.mmu_notifier_count'])).toBeGreaterThan(0);
    expect(r.verdicts.find((x) => x.property === 'vCPU gave up on a page it can never map')?.status).toBe('holds');
  });
});

describe('->release (kvm_mmu_notifier_release: kvm_arch_flush_shadow_all -> kvm_mmu_invalidate_zap_all_pages)', () => {
  for (const [use, core] of [['kvm@93065ac753e4', 'v4.19'], ['kvm@v4.18', 'v4.18']] as const) {
    test(`${use}: zaps every memslot's sptes under mmu_lock, bumps mmu_valid_gen, requests an MMU reload; never sleeps`, () => {
      const r = runRelease({ use, core, objects: [{ start: 8, end: 10 }, { start: 12, end: 14 }] });
      expect(r.ret).toBe(0);
      expect(r.state.mem['kvm0.obj0.mapped']).toBe(0);
      expect(r.state.mem['kvm0.obj1.mapped']).toBe(0);
      expect(r.state.mem['kvm0.arch.mmu_valid_gen']).toBe(1);
      expect(r.state.mem['kvm0.mmu_notifier_count']).toBe(0);
      expect(r.state.locks['kvm0.mmu_lock']).toEqual(spinFree);
      expect(r.slept).toEqual([]);
      expect(executed(r)).toContain('kvm_make_all_cpus_request(kvm, KVM_REQ_MMU_RELOAD);');
    });
  }
  test('with mmu_lock held elsewhere the release spins for it (no sleep)', () => {
    const r = runRelease({ use: 'kvm@93065ac753e4', objects: OBJ, locks: { 'kvm0.mmu_lock': { kind: 'spin', owner: 99 } } });
    expect(r.ret).toBeUndefined();
    expect(r.blocked).toMatch(/^spin_lock\(&kvm0\.mmu_lock\)/);
    expect(r.slept).toEqual([]);
  });
});
