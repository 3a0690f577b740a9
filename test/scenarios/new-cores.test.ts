/**
 * The cores of issue 14 (v5.0, v5.2, v5.4, v5.5, v5.12, v6.6) on the built-in scenarios: every scenario, in every
 * variant, links and explores on each of them without an internal error (a notifier whose variant
 * the core cannot call runs its driver's variant for that core, as `--core` does), and the verdicts
 * of the default configurations relate as docs/model.md says: v5.2 and v5.4 decide like v5.0 (the
 * v5.4 checks only add the kernel's own splat to the reports and a WARN_ON no built-in trips), and
 * v5.0 differs from v4.19 only where a driver's v5.0 form is another one than v4.19's; v5.12 differs
 * from v5.5 only where a notifier's start fails under the reaper; v6.6 from v5.12 only where its
 * reaper reaches an mlocked VMA.
 */
import { describe, expect, test } from 'vitest';
import { applyVariant, builtinNames, loadBuiltin } from '../../src/model/kernel/scenario-file.ts';
import { propertyVerdicts, runScenario, variantsOf } from '../../src/report/run.ts';
import type { Scenario } from '../../src/model/kernel/scenario.ts';
import { DRIVERS } from '../../src/model/kernel/drivers/index.ts';

const NEW_CORES = ['v5.0', 'v5.2', 'v5.4', 'v5.5', 'v5.12', 'v6.6'];
/** The cores with interval notifiers (v5.5 on). */
const ITREE_CORES = ['v5.5', 'v5.12', 'v6.6'];

/** Whether the scenario has an interval notifier (test_hmm, amdgpu@v6.6, ...), which only v5.5 on can run. */
function hasInterval(sc: Scenario): boolean {
  return sc.notifiers.some((n) => {
    const [d, v] = n.use.split('@');
    const driver = DRIVERS[d!]!;
    return driver.variants[v ?? driver.defaultVariant['v5.2']]?.interval !== undefined;
  });
}

/** Whether the scenario has a driver that inserts and removes an interval notifier while it runs (nouveau), which only v6.6 can run. */
function hasDynamicInterval(sc: Scenario): boolean {
  return sc.notifiers.some((n) => {
    const [d, v] = n.use.split('@');
    const driver = DRIVERS[d!]!;
    return driver.variants[v ?? driver.defaultVariant['v5.2']]?.dynamicInterval !== undefined;
  });
}

/** Whether the scenario has a process_mrelease thread, which only v6.6 can run. */
function hasMrelease(sc: Scenario): boolean {
  return sc.threads.some((t) => t.kind === 'process_mrelease');
}

function onCore(sc: Scenario, core: string): Scenario {
  return applyVariant(sc, { core }, `core ${core}`);
}

describe('every built-in scenario and variant runs on the new cores', () => {
  for (const name of builtinNames()) {
    test(name, () => {
      for (const v of variantsOf(loadBuiltin(name))) {
        for (const core of NEW_CORES) {
          // An interval variant on an older core: the core refuses it, or (a driver that also has
          // hlist variants) runs the core's variant, which may lack the v6.6 reader thread or its
          // parameters (one line naming the field), or may run.
          if (hasInterval(v.scenario) && !ITREE_CORES.includes(core)) {
            try {
              runScenario(onCore(v.scenario, core), { maxStates: 1500 });
            } catch (e) {
              expect((e as Error).message, `${name} on ${core}`).toMatch(
                /@v\d\.\d+ is an mmu_interval_notifier, which core v5\.\d does not have \(v5\.5 added them, 99cb252f5e68\)|^threads\[\d+\]\.(kind|params\.\w+): /,
              );
            }
            continue;
          }
          if (hasDynamicInterval(v.scenario) && core !== 'v6.6') {
            expect(() => runScenario(onCore(v.scenario, core)), `${name} on ${core}`).toThrow(
              /inserts and removes an mmu_interval_notifier while it runs .* the v6\.6 core has them as steps|implements the v5\.2 callbacks but core v5\.\d+ calls the v5\.\d+ ones/,
            );
            continue;
          }
          if (hasMrelease(v.scenario) && core !== 'v6.6') {
            expect(() => runScenario(onCore(v.scenario, core)), `${name} on ${core}`).toThrow(/process_mrelease\(2\) entered in v5\.15 \(884a7e5964e0\): core v5\.\d+ does not have it/);
            continue;
          }
          const sc = onCore(v.scenario, core);
          const run = runScenario(sc, { maxStates: 1500 });
          expect(['pass', 'violation', 'incomplete'], `${name} ${v.label ?? ''} on ${core}`).toContain(run.result.status);
          expect(run.result.verdicts.length).toBeGreaterThan(0);
        }
      }
    }, 120_000);
  }
});

describe('the default configurations across cores', () => {
  const verdicts = (core: string): Map<string, Record<string, string>> =>
    new Map(
      builtinNames()
        .filter((name) => !hasInterval(loadBuiltin(name)) && !hasDynamicInterval(loadBuiltin(name)))
        .map((name) => {
        const sc = onCore(variantsOf(loadBuiltin(name))[0]!.scenario, core);
        const run = runScenario(sc);
        expect(run.result.status, `${name} on ${core}`).not.toBe('incomplete');
        return [name, Object.fromEntries(run.result.verdicts.map((x) => [x.property, x.status]))];
      }),
    );

  test('v5.2 and v5.4 decide every check v5.0 has as v5.0 does, and no built-in trips the v5.4 WARN_ON', () => {
    const v50 = verdicts('v5.0');
    for (const core of ['v5.2', 'v5.4']) {
      const other = verdicts(core);
      for (const [name, vs] of v50) {
        const o = other.get(name)!;
        for (const [p, s] of Object.entries(vs)) expect(o[p], `${name} ${p} on ${core}`).toBe(s);
        if (core === 'v5.4') expect(o['no-bug:warn'], name).toBe('holds');
      }
    }
  }, 300_000);

  test('v5.0 against v4.19: the differences are the drivers whose v5.0 form is another (gntdev\'s fixup, hmm\'s v4.20 form, amdgpu without Tetsuo Handa\'s read lock)', () => {
    const v419 = verdicts('v4.19');
    const v50 = verdicts('v5.0');
    const changed: string[] = [];
    for (const [name, vs] of v419) {
      const o = v50.get(name)!;
      for (const [p, s] of Object.entries(vs)) if (o[p] !== s) changed.push(`${name} ${p}: ${s} -> ${o[p]}`);
    }
    expect(changed.sort()).toEqual(
      [
        'end-after-nonblock-start coherency:mapped: violated -> holds',
        'gntdev-reaper coherency:failed-start: violated -> holds',
        'gntdev-reaper deadlock: violated -> holds',
        'gntdev-reaper deadlock:partial:oom_reaper: violated -> holds',
        'gntdev-reaper no-sleep:blocked: violated -> holds',
        'gntdev-reaper no-sleep:might-sleep: violated -> holds',
        'gntdev-reaper reaper-progress:fair: violated -> holds',
        'gntdev-reaper reaper-progress:reachable: violated -> holds',
        'kvm-pairing-under-reaper no-sleep:might-sleep: holds -> violated',
      ].sort(),
    );
    // The scenario's own question keeps its answer: KVM's count never comes back down.
    expect(propertyVerdicts(runScenario(onCore(variantsOf(loadBuiltin('kvm-pairing-under-reaper'))[0]!.scenario, 'v5.0')))['pairing']).toBe('violated');
  }, 300_000);

  test('v5.5 decides every check of the built-ins without an interval notifier as v5.4 does: its hlist walk is v5.4\'s, and its itree is empty there', () => {
    const v54 = verdicts('v5.4');
    const v55 = verdicts('v5.5');
    let compared = 0;
    for (const [name, vs] of v54) {
      const o = v55.get(name)!;
      expect(Object.keys(o).sort(), name).toEqual(Object.keys(vs).sort());
      for (const [p, s] of Object.entries(vs)) {
        expect(o[p], `${name} ${p} on v5.5`).toBe(s);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(200);
  }, 300_000);

  test("v5.12 against v5.5: the differences are the scenarios where a start fails under the reaper (c2655835fd8c's unwind ends every notifier that has an end)", () => {
    const v55 = verdicts('v5.5');
    const v512 = verdicts('v5.12');
    const changed: string[] = [];
    for (const [name, vs] of v55) {
      const o = v512.get(name)!;
      for (const [p, s] of Object.entries(vs)) if (o[p] !== s) changed.push(`${name} ${p}: ${s} -> ${o[p]}`);
      // The one check v5.12 adds (it does not apply on v5.5).
      expect(vs['pairing:failed-start-end'], name).toBeUndefined();
      if (o['pairing:failed-start-end'] === 'violated') changed.push(`${name} pairing:failed-start-end: violated`);
      else expect(o['pairing:failed-start-end'], name).toBe('holds');
    }
    expect(changed.sort()).toEqual(
      [
        // KVM's count comes back down: the unwind ends its approved start after the other notifier failed.
        'kvm-imbalance-i915 pairing:missing-end: violated -> holds',
        'kvm-imbalance-i915 pairing:unbalanced-state: violated -> holds',
        'kvm-pairing-under-reaper pairing:missing-end: violated -> holds',
        // The v4.19-era forms whose start fails under the reaper and that have an end (amdgpu, amdgpu-hsa,
        // umem_odp, hmm): the WARN_ON fires, and the unwind calls their end for the start they refused.
        'amdgpu-hsa-reaper pairing:failed-start-end: violated',
        'amdgpu-ioctl-alloc-under-lock pairing:failed-start-end: violated',
        'amdgpu-read-lock-nonblock pairing:failed-start-end: violated',
        'end-after-nonblock-start pairing:failed-start-end: violated',
        'kvm-pairing-under-reaper pairing:failed-start-end: violated',
        'oom-reap-return-value pairing:failed-start-end: violated',
        'reaper-mmap-sem-write pairing:failed-start-end: violated',
        'umem-odp-reaper pairing:failed-start-end: violated',
        'umem-odp-register-vs-reaper pairing:failed-start-end: violated',
        'v418-blockable-backoff pairing:failed-start-end: violated',
        // What that end does to them: amdgpu's recursion counter below zero (and, beside the ioctl's
        // write lock, an up_read of a read hold another start took), umem_odp's counters, and
        // umem_odp's end waiting for umem_rwsem in the still non-blockable range.
        'amdgpu-hsa-reaper pairing:unbalanced-state: holds -> violated',
        'amdgpu-ioctl-alloc-under-lock lock-discipline:bad-unlock: holds -> violated',
        'amdgpu-ioctl-alloc-under-lock pairing:unbalanced-state: holds -> violated',
        'amdgpu-read-lock-nonblock pairing:unbalanced-state: holds -> violated',
        'oom-reap-return-value pairing:unbalanced-state: holds -> violated',
        'reaper-mmap-sem-write pairing:unbalanced-state: holds -> violated',
        'umem-odp-reaper no-sleep:blocked: holds -> violated',
        'umem-odp-register-vs-reaper pairing:unbalanced-state: holds -> violated',
        'v418-blockable-backoff pairing:unbalanced-state: holds -> violated',
      ].sort(),
    );
  }, 300_000);

  test("v6.6 against v5.12: the only difference is exit-mmap-vs-reaper, whose BO lies in an mlocked VMA that 6.6's reaper reaps (v5.12's skips it)", () => {
    const v512 = verdicts('v5.12');
    const v66 = verdicts('v6.6');
    const changed: string[] = [];
    for (const [name, vs] of v512) {
      const o = v66.get(name)!;
      expect(Object.keys(o).sort(), name).toEqual(Object.keys(vs).sort());
      for (const [p, s] of Object.entries(vs)) if (o[p] !== s) changed.push(`${name} ${p}: ${s} -> ${o[p]}`);
    }
    expect(changed).toEqual(['exit-mmap-vs-reaper pairing:failed-start-end: holds -> violated']);
  }, 300_000);
});
