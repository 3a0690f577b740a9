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
import { CORE_VERSIONS } from '../../src/model/kernel/core/versions.ts';
import { shippedVariant } from '../../src/model/kernel/scenario.ts';

const NEW_CORES = ['v5.0', 'v5.2', 'v5.4', 'v5.5', 'v5.12', 'v6.6'];
/** The cores with interval notifiers (v5.5 on). */
const ITREE_CORES = ['v5.5', 'v5.12', 'v6.6'];

/** Whether the scenario has an interval notifier on its own core (test_hmm, amdgpu@v6.6, ...), which only v5.5 on can run. */
function hasInterval(sc: Scenario): boolean {
  return sc.notifiers.some((n) => {
    const [d, v] = n.use.split('@');
    return DRIVERS[d!]!.variants[v ?? shippedVariant(CORE_VERSIONS[sc.core]!, d!)]?.interval !== undefined;
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

/**
 * The drivers core `from` runs for the scenario's notifiers, as a variant's `drivers` (a notifier that
 * names a variant of the v5.2 callbacks keeps it). With `from` v5.12, on v6.6, which ships its own
 * drivers (the @v6.6 variants), they give the core's own differences without the drivers'; with
 * `from` v6.6, a scenario of v6.6's drivers runs them on the other v5.x cores.
 */
function driversOf(sc: Scenario, from = 'v5.12'): Record<string, string> {
  const pins: Record<string, string> = {};
  for (const n of sc.notifiers) {
    const [d, v] = n.use.split('@') as [string, string | undefined];
    if (v === undefined || DRIVERS[d]!.variants[v]!.api !== CORE_VERSIONS['v6.6']!.api) pins[d] = shippedVariant(CORE_VERSIONS[from]!, d);
  }
  return pins;
}

/** What a core that ships a driver without the scenario's thread, parameter or object count says. */
const SHIPPED_LACKS = /^(command line: )?(threads\[\d+\]\.(kind|params\.\w+)|notifiers\[\d+\]\.objects): /;

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
          let sc = onCore(v.scenario, core);
          try {
            runScenario(sc, { maxStates: 1 });
          } catch (e) {
            // v6.6 ships its own drivers: one without the scenario's thread (amdgpu's v4.19 CS paths,
            // umem_odp's implicit MR) is refused with the field, and so is an older core's driver
            // without the reader thread of a v6.6 scenario; with the drivers of v5.12 (an older
            // scenario) or of v6.6 (a v6.6 one) it runs.
            const from = v.scenario.core === 'v6.6' ? 'v6.6' : 'v5.12';
            expect(core === 'v6.6' || from === 'v6.6', `${name} on ${core}: ${(e as Error).message}`).toBe(true);
            expect((e as Error).message, `${name} on ${core}`).toMatch(SHIPPED_LACKS);
            sc = applyVariant(sc, { core, drivers: driversOf(v.scenario, from) }, `core ${core}, ${from}'s drivers`);
          }
          const run = runScenario(sc, { maxStates: 1500 });
          expect(['pass', 'violation', 'incomplete'], `${name} ${v.label ?? ''} on ${core}`).toContain(run.result.status);
          expect(run.result.verdicts.length).toBeGreaterThan(0);
        }
      }
    }, 120_000);
  }
});

describe('the default configurations across cores', () => {
  /**
   * The verdicts of every built-in without an interval notifier on `core`; `pin`: with the drivers
   * v5.12 runs (v6.6 ships others). Each (core, pin) is explored once for all the tests below.
   */
  const known = new Map<string, Map<string, Record<string, string>>>();
  const verdicts = (core: string, pin = false): Map<string, Record<string, string>> => {
    const key = `${core}${pin ? ' pinned' : ''}`;
    let v = known.get(key);
    if (v === undefined) known.set(key, (v = explore(core, pin)));
    return v;
  };
  const explore = (core: string, pin: boolean): Map<string, Record<string, string>> =>
    new Map(
      builtinNames()
        .filter((name) => !hasInterval(loadBuiltin(name)) && !hasDynamicInterval(loadBuiltin(name)))
        .map((name) => {
        const base = variantsOf(loadBuiltin(name))[0]!.scenario;
        const sc = pin ? applyVariant(base, { core, drivers: driversOf(base) }, `core ${core}, v5.12's drivers`) : onCore(base, core);
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

  test("v6.6 against v5.12, with the drivers v5.12 runs: the only difference is exit-mmap-vs-reaper, whose BO lies in an mlocked VMA that 6.6's reaper reaps (v5.12's skips it)", () => {
    const v512 = verdicts('v5.12');
    const v66 = verdicts('v6.6', true);
    const changed: string[] = [];
    for (const [name, vs] of v512) {
      const o = v66.get(name)!;
      expect(Object.keys(o).sort(), name).toEqual(Object.keys(vs).sort());
      for (const [p, s] of Object.entries(vs)) if (o[p] !== s) changed.push(`${name} ${p}: ${s} -> ${o[p]}`);
    }
    expect(changed).toEqual(['exit-mmap-vs-reaper pairing:failed-start-end: holds -> violated']);
  }, 300_000);

  test("v6.6 with the drivers it ships (the @v6.6 variants) against v6.6 with v5.12's: the 2018 findings of amdgpu's hlist notifier are gone (amdgpu_hmm refuses a non-blockable range before any lock), hfi1's TID cache sleeps in the reaper, i915's interval notifier closes the overlapping-invalidations race; the v4.19-era threads cannot run", () => {
    const pinned = verdicts('v6.6', true);
    const changed: string[] = [];
    const cannot: string[] = [];
    for (const [name, vs] of pinned) {
      const base = variantsOf(loadBuiltin(name))[0]!.scenario;
      let o: Record<string, string>;
      try {
        o = Object.fromEntries(runScenario(onCore(base, 'v6.6')).result.verdicts.map((x) => [x.property, x.status]));
      } catch (e) {
        expect((e as Error).message, name).toMatch(SHIPPED_LACKS);
        cannot.push(name);
        continue;
      }
      // A check on one side only (interval-coherency comes with an interval notifier) is not a change.
      for (const [p, x] of Object.entries(vs)) if (o[p] !== undefined && o[p] !== x) changed.push(`${name} ${p}: ${x} -> ${o[p]}`);
    }
    expect(cannot.sort()).toEqual(['amdgpu-cs-reclaim', 'amdgpu-ioctl-alloc-under-lock', 'mlx5-implicit-mr', 'several-starts-in-flight', 'umem-odp-reaper', 'umem-odp-register-vs-reaper']);
    expect(changed.sort()).toEqual(
      [
        // amdgpu@v6.6 and amdgpu-hsa@v6.6 return false for a non-blockable range before any lock: no
        // sleep, no failed start with an end (the interval core has no end to call for it).
        'amdgpu-hsa-reaper no-sleep:might-sleep: violated -> holds',
        'amdgpu-hsa-reaper pairing:unbalanced-state: violated -> holds',
        'amdgpu-hsa-reaper pairing:failed-start-end: violated -> holds',
        'amdgpu-read-lock-nonblock no-sleep:might-sleep: violated -> holds',
        'amdgpu-read-lock-nonblock pairing:unbalanced-state: violated -> holds',
        'amdgpu-read-lock-nonblock pairing:failed-start-end: violated -> holds',
        'kvm-pairing-under-reaper no-sleep:might-sleep: violated -> holds',
        'kvm-pairing-under-reaper pairing:unbalanced-state: violated -> holds',
        'kvm-pairing-under-reaper pairing:failed-start-end: violated -> holds',
        'oom-reap-return-value no-sleep:might-sleep: violated -> holds',
        'oom-reap-return-value pairing:unbalanced-state: violated -> holds',
        'oom-reap-return-value pairing:failed-start-end: violated -> holds',
        'reaper-mmap-sem-write no-sleep:might-sleep: violated -> holds',
        'reaper-mmap-sem-write pairing:unbalanced-state: violated -> holds',
        'reaper-mmap-sem-write pairing:failed-start-end: violated -> holds',
        'v418-blockable-backoff no-sleep:might-sleep: violated -> holds',
        'v418-blockable-backoff pairing:unbalanced-state: violated -> holds',
        'v418-blockable-backoff pairing:failed-start-end: violated -> holds',
        // and amdgpu@v6.6 has no ->release work that frees the notifier under exit_mmap's walk.
        'exit-mmap-vs-reaper no-sleep:might-sleep: violated -> holds',
        'exit-mmap-vs-reaper no-sleep:blocked: violated -> holds',
        'exit-mmap-vs-reaper pairing:missing-end: violated -> holds',
        'exit-mmap-vs-reaper pairing:unbalanced-state: violated -> holds',
        'exit-mmap-vs-reaper pairing:failed-start-end: violated -> holds',
        'exit-mmap-vs-reaper deadlock: violated -> holds',
        'exit-mmap-vs-reaper deadlock:partial:exit_mmap: violated -> holds',
        'exit-mmap-vs-reaper reaper-progress:reachable: violated -> holds',
        'exit-mmap-vs-reaper reaper-progress:fair: violated -> holds',
        'exit-mmap-vs-reaper no-bug:oops: violated -> holds',
        // hfi1@v6.6's tid_rb_invalidate takes node->invalidate_mutex in the reaper's range (hfi1-tid-reaper).
        'hfi1-reaper no-sleep:might-sleep: holds -> violated',
        // i915@v6.6 records the sequence under the notifier lock and the submission checks it.
        'i915-overlapping-invalidations coherency:mapped: violated -> holds',
        'mayfail-reclaim coherency:mapped: violated -> holds',
      ].sort(),
    );
  }, 300_000);
});
