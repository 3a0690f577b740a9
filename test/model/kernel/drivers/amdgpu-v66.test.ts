/**
 * amdgpu as v6.6 has it (amdgpu_hmm.c: an mmu_interval_notifier per userptr BO) on the v6.6 core (the built-in scenarios; a test that builds its own says its core): the
 * GFX invalidate refuses a non-blockable range, records cur_seq under adev->notifier_lock and waits
 * for the BO's fences; the CS ioctl's read of the pages is checked with mmu_interval_read_retry()
 * under the same lock before the job's fence goes on the BO. The two broken hunks below (the
 * invalidate without mmu_interval_set_seq(), the submission without the check) make
 * interval-coherency fail where the driver as it is holds; the HSA flavour quiesces the queues.
 */
import { describe, expect, test } from 'vitest';
import { check, Property } from '../../../../src/checker/index.ts';
import { KernelModel } from '../../../../src/model/kernel-model.ts';
import { buildProgram, type Scenario } from '../../../../src/model/kernel/scenario.ts';
import type { KState } from '../../../../src/model/lang/state.ts';
import { engineProperties, readsOf } from '../../../../src/properties/index.ts';
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

/** A model of the scenario with every kernel property and `extra`, unreduced (every statement a step). */
function model(sc: Scenario, extra: Property<KState>[]): KernelModel {
  const program = buildProgram(sc);
  const m = new KernelModel(program, { reads: readsOf(program), coalesce: false });
  m.setProperties([...engineProperties(m), ...extra]);
  return m;
}

function patched(sc: Scenario, text: string): Scenario {
  const r = applyInOrder([parsePatch(text, 'broken.patch')], scenarioBase(sc));
  expect(r.refused).toBeUndefined();
  expect(r.fns.length).toBeGreaterThan(0);
  return { ...sc, replaceFns: r.fns };
}

/** amdgpu_hmm_invalidate_gfx without mmu_interval_set_seq(): the reader's retry check cannot see the invalidation. */
const NO_SET_SEQ = [
  '--- a/drivers/gpu/drm/amd/amdgpu/amdgpu_hmm.c',
  '+++ b/drivers/gpu/drm/amd/amdgpu/amdgpu_hmm.c',
  '@@ -70,8 +70,6 @@ static bool amdgpu_hmm_invalidate_gfx(struct mmu_interval_notifier *mni,',
  ' ',
  ' \tmutex_lock(&adev->notifier_lock);',
  ' ',
  '-\tmmu_interval_set_seq(mni, cur_seq);',
  '-',
  ' \tr = dma_resv_wait_timeout(bo->tbo.base.resv, DMA_RESV_USAGE_BOOKKEEP,',
  ' \t\t\t\t  false, MAX_SCHEDULE_TIMEOUT);',
  ' \tmutex_unlock(&adev->notifier_lock);',
  '',
].join('\n');

/** amdgpu_cs_submit without amdgpu_ttm_tt_get_user_pages_done(): the submission never asks mmu_interval_read_retry(). */
const NO_READ_RETRY = [
  '--- a/drivers/gpu/drm/amd/amdgpu/amdgpu_cs.c',
  '+++ b/drivers/gpu/drm/amd/amdgpu/amdgpu_cs.c',
  '@@ -1306,8 +1306,6 @@ static int amdgpu_cs_submit(struct amdgpu_cs_parser *p,',
  ' \t */',
  ' \tr = 0;',
  ' \tamdgpu_bo_list_for_each_userptr_entry(e, p->bo_list) {',
  '-\t\tr |= !amdgpu_ttm_tt_get_user_pages_done(e->bo->tbo.ttm,',
  '-\t\t\t\t\t\t\te->range);',
  ' \t\te->range = NULL;',
  ' \t}',
  ' \tif (r) {',
  '',
].join('\n');

describe('amdgpu@v6.6 (amdgpu_hmm.c) on v6.6', () => {
  test('the built-in scenarios hold every check (amdgpu as it is)', () => {
    for (const [name, variant] of [
      ['amdgpu-userptr-reaper', undefined],
      ['amdgpu-userptr-cs-vs-munmap', 'munmap'],
      ['amdgpu-userptr-cs-vs-munmap', 'madvise'],
    ] as const) {
      const v = propertyVerdicts(runScenario(builtin(name, variant)));
      for (const [p, x] of Object.entries(v)) expect(x, `${name} ${variant ?? ''} ${p}`).not.toBe('violated');
      expect(v['interval-coherency'], name).toBe('holds');
    }
  });

  test("the reaper's non-blocking start is refused by amdgpu_hmm_invalidate_gfx (false before any lock), so the core returns -EAGAIN; the approved path is munmap's", () => {
    let m!: KernelModel;
    const refused = (s: KState): boolean =>
      s.threads[0]!.frames.some((f) => m.program.fn(f.fn).def.name === 'mn_itree_invalidate' && m.program.fn(f.fn).instrs[f.pc]!.src.text === 'return -EAGAIN;');
    const reaperPair = (s: KState): boolean => s.pairs.some((p) => p.tid === 0 && p.nid === 'amdgpu0');
    m = model(builtin('amdgpu-userptr-reaper'), [
      Property.always<KState>('the reaper is never refused', (s) => !refused(s)),
      Property.always<KState>('the reaper never opens an interval pair', (s) => !reaperPair(s)),
    ]);
    const r = check(m, { findAll: true });
    expect(r.verdicts.find((x) => x.property === 'the reaper is never refused')!.status).toBe('violated');
    expect(r.verdicts.find((x) => x.property === 'the reaper never opens an interval pair')!.status).toBe('holds');
  });

  test("the CS thread can sleep in mmu_interval_read_begin()'s wait_event while madvise's approved invalidation is active, and always wakes", () => {
    const waiting = (m: KernelModel, s: KState): boolean => /^wait_event\(mm\.mmu_notifier_mm\.wq/.test(m.interp.waitOf(s, 0)?.why ?? '');
    let m!: KernelModel;
    m = model(builtin('amdgpu-userptr-cs-vs-munmap', 'madvise'), [Property.always<KState>('cs never waits in read_begin', (s) => !waiting(m, s))]);
    const r = check(m, { findAll: true });
    const v = r.verdicts.find((x) => x.property === 'cs never waits in read_begin')!;
    expect(v.status).toBe('violated');
    for (const x of r.verdicts) if (x.property !== 'cs never waits in read_begin') expect(x.status, x.property).not.toBe('violated');
  });

  test("munmap's invalidate can wait for adev->notifier_lock while the CS thread holds it, and then for the BO's fences", () => {
    let m!: KernelModel;
    const waitsForLock = (s: KState): boolean => /^mutex_lock\(&adev\.notifier_lock\)/.test(m.interp.waitOf(s, 1)?.why ?? '');
    m = model(builtin('amdgpu-userptr-cs-vs-munmap', 'munmap'), [Property.always<KState>('munmap never waits for notifier_lock', (s) => !waitsForLock(s))]);
    const r = check(m, { findAll: true });
    expect(r.verdicts.find((x) => x.property === 'munmap never waits for notifier_lock')!.status).toBe('violated');
  });

  test('without mmu_interval_set_seq() in the invalidate, the submission fences pages an invalidation overtook (stale-use) and maps them inside the approved range (mapped)', () => {
    for (const variant of ['munmap', 'madvise']) {
      const run = runScenario(patched(builtin('amdgpu-userptr-cs-vs-munmap', variant), NO_SET_SEQ));
      const v = propertyVerdicts(run);
      expect(v['interval-coherency'], variant).toBe('violated');
      const f = finding(run, 'interval-coherency:stale-use');
      expect(f.details).toMatch(/^the device maps amdgpu0\.obj0 from a read that an invalidation of it overtook/);
      expect(f.statements.some((s) => s.startsWith('cs: dma_resv_add_fence(gobj->resv, p->fence, DMA_RESV_USAGE_WRITE);'))).toBe(true);
    }
  });

  test('without the mmu_interval_read_retry() check in amdgpu_cs_submit, the submission uses pages an invalidation overtook', () => {
    const run = runScenario(patched(builtin('amdgpu-userptr-cs-vs-munmap', 'madvise'), NO_READ_RETRY));
    expect(propertyVerdicts(run)['interval-coherency']).toBe('violated');
    expect(finding(run, 'interval-coherency:stale-use').statements).not.toContain('cs: r |= !amdgpu_ttm_tt_get_user_pages_done(e->bo->tbo.ttm, e->range);');
  });

  test('the HSA flavour: a blockable invalidation quiesces the queues under process_info->notifier_lock (the BO unused, its sequence recorded); the reaper is refused', () => {
    const sc: Scenario = {
      name: 'amdgpu-hsa-v66',
      core: 'v5.5',
      oom: true,
      vmas: [{ start: 0, end: 4 }],
      notifiers: [{ use: 'amdgpu-hsa@v6.6', objects: [{ start: 1, end: 3 }] }],
      threads: [{ kind: 'madvise', params: { start: 1, len: 2 } }],
    };
    let m!: KernelModel;
    const quiesced = (s: KState): boolean => s.mem['process_info.evicted_bos'] === 1 && s.mem['amdgpu-hsa0.obj0.mapped'] === 0 && s.mem['amdgpu-hsa0.invalidate_seq'] === s.mem['mm.mmu_notifier_mm.invalidate_seq'];
    m = model(sc, [Property.always<KState>('never quiesced', (s) => !quiesced(s))]);
    const r = check(m, { findAll: true });
    expect(r.verdicts.find((x) => x.property === 'never quiesced')!.status).toBe('violated');
    for (const x of r.verdicts) if (x.property !== 'never quiesced') expect(x.status, x.property).not.toBe('violated');
    const reaper = propertyVerdicts(runScenario({ ...sc, oom: true, threads: [{ kind: 'oom_reaper' }] }));
    for (const [p, x] of Object.entries(reaper)) expect(x, p).not.toBe('violated');
    let mr!: KernelModel;
    const refused = (s: KState): boolean => s.threads[0]!.frames.some((f) => mr.program.fn(f.fn).def.name === 'amdgpu_hmm_invalidate_hsa' && mr.program.fn(f.fn).instrs[f.pc]!.src.text === 'return false;');
    mr = model({ ...sc, oom: true, threads: [{ kind: 'oom_reaper' }] }, [Property.always<KState>('never refused', (s) => !refused(s))]);
    expect(check(mr, { findAll: true }).verdicts.find((x) => x.property === 'never refused')!.status).toBe('violated');
  });

  test('a notifier is one BO: other than one object is refused with the field, as is an older amdgpu beside amdgpu-hsa@v6.6 (evict_userptr is a primitive there)', () => {
    const sc = builtin('amdgpu-userptr-reaper');
    expect(() => buildProgram({ ...sc, notifiers: [{ use: 'amdgpu@v6.6', objects: [{ start: 0, end: 1 }, { start: 2, end: 3 }] }] })).toThrow(
      /^notifiers\[0\]\.objects: amdgpu@v6\.6 takes exactly one object \(it has 2\): one mmu_interval_notifier per userptr BO/,
    );
    expect(() =>
      buildProgram({ ...sc, notifiers: [{ use: 'amdgpu@v5.2', objects: [{ start: 1, end: 3 }] }, { use: 'amdgpu-hsa@v6.6', objects: [{ start: 0, end: 1 }] }], threads: [{ kind: 'oom_reaper' }] }),
    ).toThrow(/amdgpu_amdkfd_evict_userptr\(\) is a modelled function of one notifier's variant and a primitive of another's/);
    for (const core of ['v4.19', 'v5.4']) {
      expect(() => buildProgram({ ...sc, core, notifiers: [{ use: 'amdgpu@v6.6', objects: [{ start: 1, end: 3 }] }] })).toThrow(`notifiers[0].use: amdgpu@v6.6 is an mmu_interval_notifier, which core ${core} does not have (v5.5 added them, 99cb252f5e68)`);
    }
  });
});
