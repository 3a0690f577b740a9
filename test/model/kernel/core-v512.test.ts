/**
 * Core v5.12 (c2655835fd8c, "mm/mmu_notifiers: ensure range_end() is paired with range_start()"):
 * after a failed start of the hlist the core itself ends every notifier that has an end (its unwind),
 * and WARNs for a failing notifier that has one (pairing:failed-start-end). The KVM-imbalance
 * scenario across every core is test/scenarios/kvm-imbalance.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { applyVariant, loadBuiltin, parseScenario } from '../../../src/model/kernel/scenario-file.ts';
import { runScenario, variantsOf } from '../../../src/report/run.ts';
import type { Scenario } from '../../../src/model/kernel/scenario.ts';
import { c, fn } from '../../../src/model/lang/ir.ts';
import { CORE_VERSIONS } from '../../../src/model/kernel/core/versions.ts';
import { finding } from '../../scenarios/helpers.ts';

/** KVM and i915 on one mm: i915 refuses the reaper's non-blocking start (a userptr object in the VMA), KVM approves it. */
function kvmI915(core: string): Scenario {
  return parseScenario(
    JSON.stringify({
      name: 'kvm-i915',
      core,
      oom: true,
      vmas: [{ start: 0, end: 4 }],
      notifiers: [
        { use: 'kvm', objects: [{ start: 0, end: 4 }] },
        { use: 'i915', objects: [{ start: 1, end: 2 }] },
      ],
      threads: [{ kind: 'oom_reaper' }, { kind: 'kvm:tdp_fault', params: { address: 3 } }],
    }),
    'test',
  );
}

describe("v5.12's unwind ends every notifier that has an end after a failed start", () => {
  test("KVM's approved start gets its end from the unwind after i915 refused, so its count comes back down; v5.5 leaves it raised", () => {
    const v = (core: string): Record<string, string> => Object.fromEntries(runScenario(kvmI915(core), { properties: ['pairing'] }).result.verdicts.map((x) => [x.property, x.status]));
    expect(v('v5.12')).toEqual({
      'pairing:unbalanced-end': 'holds',
      'pairing:missing-end': 'holds',
      'pairing:unbalanced-state': 'holds',
      'pairing:failed-start-end': 'holds',
    });
    expect(v('v5.5')).toEqual({ 'pairing:unbalanced-end': 'holds', 'pairing:missing-end': 'violated', 'pairing:unbalanced-state': 'violated' });
  });
});

describe('v5.12 reports a notifier whose start can fail and that has an end: pairing:failed-start-end', () => {
  const kvmAmdgpu = (core: string): Scenario => applyVariant(variantsOf(loadBuiltin('kvm-pairing-under-reaper'))[0]!.scenario, { core }, core);

  test("amdgpu (start may fail, has an end) on v5.12: the core's WARN_ON(ops->invalidate_range_end) fires, and the end it then calls is owed, not unbalanced", () => {
    const run = runScenario(kvmAmdgpu('v5.12'), { properties: ['pairing'] });
    const v = Object.fromEntries(run.result.verdicts.map((x) => [x.property, x.status]));
    expect(v['pairing:failed-start-end']).toBe('violated');
    expect(v['pairing:unbalanced-end']).toBe('holds');
    expect(v['pairing:missing-end']).toBe('holds');
    const f = finding(run, 'pairing:failed-start-end');
    expect(f.header).toBe('WARNING: mm/mmu_notifier.c mn_hlist_invalidate_range_start: WARN_ON(ops->invalidate_range_end)');
    expect(f.details).toMatch(/^amdgpu0's invalidate_range_start failed, and amdgpu0 has an invalidate_range_end \(amdgpu_mn_invalidate_range_end\)/);
    expect(f.statements).toContain('oom_reaper: WARN_ON(ops->invalidate_range_end);');
    // What amdgpu's end does to it after a start it refused: its recursion counter goes below zero.
    const state = finding(run, 'pairing:unbalanced-state').details;
    expect(state).toMatch(/amdgpu0\.recursion = -\d+ \(initially 0\)/);
    // KVM's count, which v5.5 leaves raised in this scenario, is back in balance.
    expect(state).not.toContain('kvm0.mmu_notifier_count');
  }, 60_000);

  test('the check does not apply before v5.12, where the core never ends a notifier after a failed start', () => {
    for (const core of ['v4.19', 'v5.4', 'v5.5']) {
      const run = runScenario(kvmAmdgpu(core), { properties: ['pairing'] });
      expect(run.result.verdicts.map((x) => x.property), core).not.toContain('pairing:failed-start-end');
    }
    expect(CORE_VERSIONS['v5.12']!.contract.endsAfterFailedHlistStart).toBe(true);
    expect(CORE_VERSIONS['v5.5']!.contract.endsAfterFailedHlistStart).toBeUndefined();
  }, 60_000);
});

/**
 * KVM's end with a `might_sleep()` at its top (not any kernel's: a driver change a reviewer might
 * receive): on v5.12 the reaper reaches it only through the unwind, which runs the end callbacks of the
 * non-blockable range outside non_block_start(). The report says so instead of quoting the splat.
 */
const kvmEndMightSleep = fn({
  name: 'kvm_mmu_notifier_invalidate_range_end',
  file: 'virt/kvm/kvm_main.c',
  version: 'test: might_sleep() in the end',
  source: 'kvm@v5.2 (src/model/kernel/drivers/kvm.ts) with might_sleep() first',
  signature: 'static void kvm_mmu_notifier_invalidate_range_end(struct mmu_notifier *mn, const struct mmu_notifier_range *range)',
  params: ['mn', 'range'],
  body: [
    c('struct kvm *kvm = mmu_notifier_to_kvm(mn);'),
    c('might_sleep();'),
    c('spin_lock(&kvm->mmu_lock);'),
    c('kvm->mmu_notifier_seq++;'),
    c('smp_wmb();'),
    c('kvm->mmu_notifier_count--;'),
    c('spin_unlock(&kvm->mmu_lock);'),
    c('BUG_ON(kvm->mmu_notifier_count < 0);'),
  ],
});

describe("no-sleep in an end of v5.12's unwind", () => {
  test('is a finding without the kernel\'s splat: the unwind calls the ends outside non_block_start()', () => {
    const sc = kvmI915('v5.12');
    const run = runScenario({ ...sc, replaceFns: [kvmEndMightSleep], properties: ['no-sleep'] });
    const f = finding(run, 'no-sleep:might-sleep');
    expect(f.header).toBe('BUG (contract): sleeping function called from invalidate_range_end after a non-blocking start');
    expect(f.details).toContain("v5.12's unwind after a failed start (c2655835fd8c, the second walk of mn_hlist_invalidate_range_start) calls the end callbacks outside non_block_start()");
    expect(f.details).not.toContain("the kernel's debug check prints this too");
    expect(f.details).toContain('mn_hlist_invalidate_range_start() mm/mmu_notifier.c: subscription->ops->invalidate_range_end(subscription, range);');
  });
});

describe("the reductions and v5.12's unwind", () => {
  /**
   * Found by the property test of test/properties/kernel-model.property.test.ts (its minimal scenario,
   * on v6.6, which has the same unwind): radeon refuses the reaper's start, hmm approves it, and the
   * unwind ends hmm in the same walk. One coalesced step of the reaper opens hmm's pair and stops in
   * front of that end call; pairing:unbalanced-end holds there because of the pair the step opened,
   * which the check of the pairsWhen opening premise took for a broken premise. The pair is the
   * thread's own and open in every state of the full model where the thread stands there.
   */
  const sc = parseScenario(
    JSON.stringify({
      name: 'random',
      core: 'v6.6',
      vmas: [
        { start: 0, end: 4 },
        { start: 8, end: 12 },
      ],
      oom: true,
      allocation: { mayFail: true, reclaim: 1 },
      notifiers: [
        { use: 'hmm@v5.2', objects: [{ start: 9, end: 12 }] },
        { use: 'radeon@v5.2', objects: [{ start: 1, end: 4 }] },
      ],
      threads: [{ kind: 'oom_reaper' }],
    }),
    'test',
  );

  test('a step that opens a pair and stops at the end call that consumes it: the reduction agrees with the full model, its premises checked on every step', () => {
    const violated = (coalesce: boolean): string[] =>
      runScenario(sc, { verifyReduction: true, coalesce })
        .result.verdicts.filter((v) => v.status === 'violated')
        .map((v) => v.property)
        .sort();
    const on = violated(true);
    expect(on).toEqual(violated(false));
    // hmm's start can fail (a sleeping mirror over the range) and it has an end: the WARN_ON.
    expect(on).toContain('pairing:failed-start-end');
  });
});

