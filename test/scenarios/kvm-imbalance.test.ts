/**
 * The KVM-imbalance scenario of issue 14 (scenarios/kvm-imbalance-i915.json) on every core: KVM's
 * mmu_notifier_count stays raised from 93065ac753e4 to v5.5 (the model's last core before the fix:
 * v5.5 to v5.11 have the same hlist start walk) and comes back down on v5.12 (c2655835fd8c) and 6.6.
 */
import { describe, expect, test } from 'vitest';
import { applyVariant, loadBuiltin } from '../../src/model/kernel/scenario-file.ts';
import { propertyVerdicts, runScenario, variantsOf } from '../../src/report/run.ts';
import type { Scenario } from '../../src/model/kernel/scenario.ts';
import { finding } from './helpers.ts';

function scenario(core: string, reversed = false): Scenario {
  const sc = variantsOf(loadBuiltin('kvm-imbalance-i915')).find((v) => v.label === 'v4.19')!.scenario;
  const on = applyVariant(sc, { core }, core);
  return reversed ? { ...on, notifiers: [...on.notifiers].reverse() } : on;
}

/** Per engine property, its status. */
function statuses(sc: Scenario): Record<string, string> {
  const run = runScenario(sc);
  expect(run.result.status, `${sc.core}`).not.toBe('incomplete');
  return Object.fromEntries(run.result.verdicts.map((v) => [v.property, v.status]));
}

describe('kvm-imbalance-i915: KVM and i915 on one mm, i915 refusing the reaper\'s non-blocking start', () => {
  const BEFORE_FIX = ['93065ac753e4', '93065ac753e4-returns-true', 'v4.19', 'mayfail', 'v5.0', 'v5.2', 'v5.4', 'v5.5'];

  test('every core from 93065ac753e4 to v5.5 leaves KVM\'s count raised (missing-end and unbalanced-state), and nothing else', () => {
    for (const core of BEFORE_FIX) {
      const v = statuses(scenario(core));
      const violated = Object.entries(v).filter(([, s]) => s === 'violated').map(([p]) => p);
      // 93065ac753e4-returns-true gives up after one failed attempt and sets MMF_OOM_SKIP with the
      // memory still held: the thread's premature-victim finding (oom-reap-return-value), not this one's.
      const expected = ['pairing:missing-end', 'pairing:unbalanced-state', ...(core === '93065ac753e4-returns-true' ? ['no-premature-victim'] : [])];
      expect(violated.sort(), core).toEqual(expected.sort());
    }
  }, 120_000);

  test("the finding is KVM's: its approved start's end never comes, and kvm0.mmu_notifier_count stays raised", () => {
    for (const core of ['v4.19', 'v5.5']) {
      const run = runScenario(scenario(core));
      const missing = finding(run, 'pairing:missing-end');
      expect(missing.details).toMatch(/^oom_reaper finished, but the non-blockable invalidate_range_start of kvm0 for \[0, 4\) that returned 0 never got its invalidate_range_end/);
      const state = finding(run, 'pairing:unbalanced-state');
      expect(state.details).toMatch(/kvm0\.mmu_notifier_count = [1-9]\d* \(initially 0\)/);
    }
  }, 60_000);

  test('v5.12 and v6.6 hold every check: the core ends KVM after i915 failed, and i915, which has no end, trips no WARN_ON', () => {
    for (const core of ['v5.12', 'v6.6']) {
      const v = statuses(scenario(core));
      expect(Object.entries(v).filter(([, s]) => s !== 'holds'), core).toEqual([]);
      expect(v['pairing:failed-start-end'], core).toBe('holds');
      expect(v['pairing:unbalanced-state'], core).toBe('holds');
      expect(v['pairing:missing-end'], core).toBe('holds');
    }
  }, 60_000);

  test('the order of registration does not matter: every start runs past a failure, and v5.12 ends every notifier', () => {
    for (const core of ['v4.19', 'v5.5', 'v5.12']) {
      const a = propertyVerdicts(runScenario(scenario(core)));
      const b = propertyVerdicts(runScenario(scenario(core, true)));
      expect(b, core).toEqual(a);
    }
  }, 60_000);

});

