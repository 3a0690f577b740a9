/**
 * KVM as v6.6 has it (kvm_main.c's __kvm_handle_hva_range, mmu_invalidate_begin/end, the x86 TDP MMU
 * fault's is_page_fault_stale -> mmu_invalidate_retry_hva) on the v6.6 core (the built-in scenarios; a test that builds its own says its core): the vCPU never installs
 * an spte inside an open invalidation, and without the range test of mmu_invalidate_retry_hva it
 * does; the handlers called through the struct kvm_hva_range's function pointers are seen by the
 * reduction; beside a notifier that refuses the reaper, the v5.5 core's skipped end still leaks
 * KVM's count (the core's doing, not KVM's).
 */
import { describe, expect, test } from 'vitest';
import { buildProgram, type Scenario } from '../../../../src/model/kernel/scenario.ts';
import { propertyVerdicts, runScenario, variantsOf } from '../../../../src/report/run.ts';
import { parsePatch } from '../../../../src/model/patch/diff.ts';
import { applyInOrder, scenarioBase } from '../../../../src/model/patch/use.ts';
import { loadBuiltin } from '../../../../src/model/kernel/scenario-file.ts';
import { finding } from '../../../scenarios/helpers.ts';

function builtin(name: string, variant?: string): Scenario {
  const v = variantsOf(loadBuiltin(name)).find((x) => x.label === variant);
  if (!v) throw new Error(`${name} has no variant ${String(variant)}`);
  return v.scenario;
}

const FAULT_VS_MUNMAP: Scenario = {
  name: 'kvm66-fault-vs-munmap',
  core: 'v5.5',
  vmas: [{ start: 0, end: 4 }],
  notifiers: [{ use: 'kvm@v6.6', objects: [{ start: 0, end: 2 }, { start: 2, end: 4 }] }],
  threads: [
    { kind: 'kvm:tdp_fault', params: { address: 1 } },
    { kind: 'munmap', params: { start: 0, len: 2 } },
  ],
};

/** mmu_invalidate_retry_hva without its test of the hva against the range being invalidated. */
const NO_RANGE_TEST = [
  '--- a/include/linux/kvm_host.h',
  '+++ b/include/linux/kvm_host.h',
  '@@ -1960,10 +1960,6 @@ static inline int mmu_invalidate_retry_hva(struct kvm *kvm,',
  ' \t * that might be being invalidated. Note that it may include some false',
  ' \t * positives, due to shortcuts when handing concurrent invalidations.',
  ' \t */',
  '-\tif (unlikely(kvm->mmu_invalidate_in_progress) &&',
  '-\t    hva >= kvm->mmu_invalidate_range_start &&',
  '-\t    hva < kvm->mmu_invalidate_range_end)',
  '-\t\treturn 1;',
  ' \tif (kvm->mmu_invalidate_seq != mmu_seq)',
  ' \t\treturn 1;',
  ' \treturn 0;',
  '',
].join('\n');

describe('kvm@v6.6 on v6.6', () => {
  test('kvm-tdp-fault-reaper holds every check in both variants, and the vCPU beside munmap never maps inside the open invalidation', () => {
    for (const v of ['kvm@v6.6', 'kvm@v5.2']) {
      const r = propertyVerdicts(runScenario(builtin('kvm-tdp-fault-reaper', v)));
      for (const [p, x] of Object.entries(r)) expect(x, `${v} ${p}`).not.toBe('violated');
    }
    const r = propertyVerdicts(runScenario(FAULT_VS_MUNMAP));
    expect(r['coherency']).toBe('holds');
    expect(r['pairing']).toBe('holds');
  });

  test("without mmu_invalidate_retry_hva()'s range test, the vCPU installs an spte between munmap's approved start and its end (v6.6 bumps the sequence only at the end)", () => {
    const r = applyInOrder([parsePatch(NO_RANGE_TEST, 'no-range-test.patch')], scenarioBase(FAULT_VS_MUNMAP));
    expect(r.refused).toBeUndefined();
    const run = runScenario({ ...FAULT_VS_MUNMAP, replaceFns: r.fns });
    expect(propertyVerdicts(run)['coherency']).toBe('violated');
    expect(finding(run, 'coherency:mapped').statements).toContain('tdp_fault: r = kvm_tdp_mmu_map(vcpu, fault);');
  });

  test("the handlers called through hva_range's function pointers are reduction-visible: the reduced run decides as the unreduced one (before the fix, the reduced run reported KVM's count unbalanced)", () => {
    const sc = builtin('kvm-tdp-fault-reaper', 'kvm@v6.6');
    const reduced = propertyVerdicts(runScenario(sc));
    const full = propertyVerdicts(runScenario(sc, { coalesce: false }));
    expect(reduced).toEqual(full);
    expect(reduced['pairing']).toBe('holds');
  });

  test("beside an hlist notifier that refuses the reaper's start, the v5.5 core skips every end: kvm@v6.6's mmu_invalidate_in_progress stays raised (the core's doing)", () => {
    const sc: Scenario = {
      name: 'kvm66-beside-a-refusing-notifier',
      core: 'v5.5',
      oom: true,
      vmas: [{ start: 0, end: 4 }],
      notifiers: [{ use: 'amdgpu', objects: [{ start: 1, end: 2 }] }, { use: 'kvm@v6.6', objects: [{ start: 0, end: 4 }] }],
      threads: [{ kind: 'oom_reaper' }, { kind: 'kvm:tdp_fault', params: { address: 3 } }],
    };
    const run = runScenario(sc);
    expect(propertyVerdicts(run)['pairing']).toBe('violated');
    expect(finding(run, 'pairing:unbalanced-state').details).toMatch(/kvm0\.mmu_invalidate_in_progress = [1-9]\d* \(initially 0\)/);
  });

  test('kvm@v6.6 needs the range API: a core of the v4.19 API refuses it with the variants to pick', () => {
    expect(() => buildProgram({ ...FAULT_VS_MUNMAP, core: 'v4.19' })).toThrow(/notifiers\[0\]\.use: kvm@v6\.6 implements the v5\.2 callbacks but core v4\.19 calls the v4\.19 ones/);
  });
});
