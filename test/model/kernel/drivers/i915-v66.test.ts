/**
 * i915's userptr objects as v6.6 has them (i915_gem_userptr.c, 6.6.35) on the v6.6 core (the built-in scenarios; a test that builds its own says its core): the invalidate
 * refuses a non-blockable range and otherwise records the sequence under write_lock(notifier_lock) and
 * waits for the object's fences; the execbuffer reads the pages with read_begin/read_retry and checks
 * them again under read_lock(notifier_lock) after its fence is on the object. Without the check, or
 * without mmu_interval_set_seq(), interval-coherency fails.
 */
import { describe, expect, test } from 'vitest';
import type { Scenario } from '../../../../src/model/kernel/scenario.ts';
import { propertyVerdicts, runScenario, variantsOf } from '../../../../src/report/run.ts';
import { parsePatch } from '../../../../src/model/patch/diff.ts';
import { applyInOrder, scenarioBase } from '../../../../src/model/patch/use.ts';
import { loadBuiltin } from '../../../../src/model/kernel/scenario-file.ts';
import { finding } from '../../../scenarios/helpers.ts';

const reaper = (): Scenario => variantsOf(loadBuiltin('i915-userptr-reaper'))[0]!.scenario;
const vs = (kind: 'madvise' | 'munmap'): Scenario => ({ ...reaper(), oom: false, threads: [{ kind: 'i915:execbuf' }, { kind, params: { start: 1, len: 2 } }] });

function patched(sc: Scenario, lines: string[]): Scenario {
  const r = applyInOrder([parsePatch(lines.join('\n'), 'broken.patch')], scenarioBase(sc));
  expect(r.refused).toBeUndefined();
  return { ...sc, replaceFns: r.fns };
}

const NO_SUBMIT_DONE = [
  '--- a/drivers/gpu/drm/i915/gem/i915_gem_execbuffer.c',
  '+++ b/drivers/gpu/drm/i915/gem/i915_gem_execbuffer.c',
  '@@ -2100,5 +2100,4 @@ static int eb_move_to_gpu(struct i915_execbuffer *eb)',
  '\t\tread_lock(&eb->i915->mm.notifier_lock);',
  ' ',
  '-\t\terr = i915_gem_object_userptr_submit_done(obj);',
  ' ',
  ' \t\tread_unlock(&eb->i915->mm.notifier_lock);',
  '',
].map((l, i) => (i === 3 ? ` ${l}` : l));

const NO_SET_SEQ = [
  '--- a/drivers/gpu/drm/i915/gem/i915_gem_userptr.c',
  '+++ b/drivers/gpu/drm/i915/gem/i915_gem_userptr.c',
  '@@ -67,10 +67,8 @@ static bool i915_gem_userptr_invalidate(struct mmu_interval_notifier *mni,',
  ' \tif (!mmu_notifier_range_blockable(range))',
  ' \t\treturn false;',
  ' ',
  ' \twrite_lock(&i915->mm.notifier_lock);',
  ' ',
  '-\tmmu_interval_set_seq(mni, cur_seq);',
  '-',
  ' \twrite_unlock(&i915->mm.notifier_lock);',
  ' ',
  ' \t/*',
  '',
];

describe('i915@v6.6 on v6.6', () => {
  test('i915-userptr-reaper holds every check; the execbuffer beside madvise or munmap does too', () => {
    for (const sc of [reaper(), vs('madvise'), vs('munmap')]) {
      const v = propertyVerdicts(runScenario(sc));
      for (const [p, x] of Object.entries(v)) expect(x, `${sc.threads[1]?.kind} ${p}`).not.toBe('violated');
      expect(v['interval-coherency']).toBe('holds');
    }
  });

  test('without the userptr check under read_lock(notifier_lock), or without mmu_interval_set_seq(), the request runs on pages an invalidation overtook', () => {
    for (const lines of [NO_SUBMIT_DONE, NO_SET_SEQ]) {
      const run = runScenario(patched(vs('madvise'), lines));
      expect(propertyVerdicts(run)['interval-coherency']).toBe('violated');
      expect(finding(run, 'interval-coherency:stale-use').details).toMatch(/^the device maps i9150\.obj0 from a read that an invalidation of it overtook/);
    }
  });

  test('i915@v6.6 and amdgpu@v6.6 share a scenario: both call kvfree(), one primitive of the core (each defined its own, and the two refused each other)', () => {
    const run = runScenario({ ...reaper(), notifiers: [...reaper().notifiers, { use: 'amdgpu@v6.6', objects: [{ start: 0, end: 1 }] }], threads: [{ kind: 'oom_reaper' }, { kind: 'i915:execbuf' }, { kind: 'amdgpu:cs' }] }, { maxStates: 20_000 });
    expect(run.result.verdicts.length).toBeGreaterThan(0);
    expect(run.model.program.spec.notifiers.map((n) => `${n.driver}@${n.variant}`).sort()).toEqual(['amdgpu@v6.6', 'i915@v6.6']);
  });
});
