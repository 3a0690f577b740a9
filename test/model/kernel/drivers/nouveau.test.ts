/**
 * nouveau@v6.6 (drivers/gpu/drm/nouveau/nouveau_svm.c) on the v6.6 core: the fault path inserts and
 * removes its interval notifier, the interval notifier only records the sequence under svmm->mutex,
 * and the hlist notifier, which the core calls after the interval tree, clears the GPU's entries.
 */
import { describe, expect, test } from 'vitest';
import { KernelModel } from '../../../../src/model/kernel-model.ts';
import { buildProgram, type Scenario } from '../../../../src/model/kernel/scenario.ts';
import { loadBuiltin } from '../../../../src/model/kernel/scenario-file.ts';
import type { KState } from '../../../../src/model/lang/state.ts';
import { runScenario } from '../../../../src/report/run.ts';
import { finding, reachable } from '../../../scenarios/helpers.ts';
import { parsePatch } from '../../../../src/model/patch/diff.ts';
import { applyInOrder, scenarioBase } from '../../../../src/model/patch/use.ts';
import { variantsOf } from '../../../../src/report/run.ts';


function statuses(sc: Scenario, properties?: string[]): Record<string, string> {
  const run = runScenario(sc, { findAll: true, ...(properties ? { properties } : {}) });
  expect(run.result.status).not.toBe('incomplete');
  return Object.fromEntries(run.result.verdicts.map((v) => [v.property, v.status]));
}

const names = (m: KernelModel, s: KState, tid: number): string[] => s.threads[tid]!.frames.map((f) => m.program.fn(f.fn).def.name);

describe('nouveau@v6.6', () => {
  test('the program: both notifiers, the fault path, and the 6.6 core functions it calls', () => {
    const p = buildProgram(loadBuiltin('nouveau-svm-fault-vs-munmap'));
    for (const f of ['nouveau_svmm_invalidate_range_start', 'nouveau_svm_range_invalidate', 'nouveau_range_fault', 'mmu_interval_notifier_insert', 'mmu_interval_notifier_remove']) {
      expect(p.hasFn(f), f).toBe(true);
    }
    expect(p.fn(p.fnId('mn_itree_inv_end')).def.version).toBe('v6.6');
    expect(p.notifier('nouveau0.sn.notifier')?.ops.invalidate).toBe('nouveau_svm_range_invalidate');
    expect(p.notifier('nouveau0')?.ops.invalidate_range_start).toBe('nouveau_svmm_invalidate_range_start');
  });

  test("the interval notifier's true comes before the GPU's entries are cleared (the hlist notifier, later in the same start): reachable, and interval-coherency does not judge it while the core's start runs", () => {
    const sc = variantsOf(loadBuiltin('nouveau-svm-fault-vs-munmap'))[0]!.scenario;
    // munmap's start: nouveau0.sn.notifier's invalidate returned true, page 0 still mapped on the GPU, the hlist not yet run.
    expect(
      reachable(sc, (s, m) => s.pairs.some((p) => p.nid === 'nouveau0.sn.notifier' && p.ret === 0) && s.mem['nouveau0.obj0.mapped'] === 1 && names(m, s, 1).includes('__mmu_notifier_invalidate_range_start')),
    ).toBe(true);
    const v = statuses(sc);
    expect(v['interval-coherency:mapped']).toBe('holds');
    expect(v['coherency:mapped']).toBe('holds');
  });

  test('without the GPU invalidation of the hlist notifier (a patch), the window stays open after the core\'s start returns: interval-coherency:mapped and coherency:mapped fail', () => {
    const patch = [
      '--- a/drivers/gpu/drm/nouveau/nouveau_svm.c',
      '+++ b/drivers/gpu/drm/nouveau/nouveau_svm.c',
      '@@ -1,7 +1,6 @@ static int nouveau_svmm_invalidate_range_start(struct mmu_notifier *mn,',
      ' 		start = svmm->unmanaged.limit;',
      ' 	}',
      ' ',
      '-	nouveau_svmm_invalidate(svmm, start, limit);',
      ' ',
      ' out:',
      ' 	mutex_unlock(&svmm->mutex);',
      '',
    ].join('\n');
    const sc = variantsOf(loadBuiltin('nouveau-svm-fault-vs-munmap'))[0]!.scenario;
    const r = applyInOrder([parsePatch(patch, 'no-pfnclr.patch')], scenarioBase(sc));
    expect(r.refused).toBeUndefined();
    const run = runScenario({ ...sc, replaceFns: r.fns }, { findAll: true });
    const f = finding(run, 'interval-coherency:mapped');
    expect(f.header).toBe('BUG: secondary mapping inside a range an interval notifier invalidated');
    expect(f.details).toMatch(/^nouveau0\.sn\.notifier's invalidate returned true for \[0, 2\)/);
    expect(run.result.verdicts.find((x) => x.property === 'coherency:mapped')?.status).toBe('violated');
  });

  test("under the reaper: the hlist notifier's -EAGAIN returns from __mmu_notifier_invalidate_range_start without ending the interval tree it started, so invalidate_seq stays odd and the fault waits for good", () => {
    const sc = loadBuiltin('nouveau-svm-reaper');
    // The reaper has finished (its ten attempts, MMF_OOM_SKIP), and the itree invalidations it began are still counted.
    expect(reachable(sc, (s) => s.threads[0]!.frames.length === 0 && Number(s.mem['mm.mmu_notifier_mm.active_invalidate_ranges']) > 0)).toBe(true);
    const run = runScenario(sc, { findAll: true });
    const v = Object.fromEntries(run.result.verdicts.map((x) => [x.property, x.status]));
    expect(Object.entries(v).filter(([, x]) => x === 'violated').map(([p]) => p).sort()).toEqual(['deadlock', 'deadlock:partial:fault', 'interval-coherency:mapped']);
    // The interval finding is the same leak: the reaper's approved interval invalidation, after its start failed, is never ended.
    const f = finding(run, 'interval-coherency:mapped');
    expect(f.details).toMatch(/^nouveau0\.sn\.notifier's invalidate returned true for \[0, 4\) \(called by oom_reaper\)/);
    expect(f.statements.some((x) => x.startsWith('oom_reaper: return -EAGAIN;'))).toBe(true);
  });
});
