/**
 * RDMA ODP as v6.6 has it (umem_odp.c with mlx5's mlx5_ib_invalidate_range and page fault) on the v6.6
 * core (the built-ins): the reaper is refused before any lock; a blockable invalidation takes umem_mutex, records the
 * sequence and zaps the MTTs; the page fault's read_retry under umem_mutex, held until the MTTs are
 * written, keeps it coherent. Without the retry, or without mmu_interval_set_seq(), interval-coherency
 * fails.
 */
import { describe, expect, test } from 'vitest';
import type { Scenario } from '../../../../src/model/kernel/scenario.ts';
import { propertyVerdicts, runScenario, variantsOf } from '../../../../src/report/run.ts';
import { parsePatch } from '../../../../src/model/patch/diff.ts';
import { applyInOrder, scenarioBase } from '../../../../src/model/patch/use.ts';
import { loadBuiltin } from '../../../../src/model/kernel/scenario-file.ts';
import { finding } from '../../../scenarios/helpers.ts';

const reaper = (): Scenario => variantsOf(loadBuiltin('umem-odp-pagefault-reaper'))[0]!.scenario;
const vsMadvise = (): Scenario => ({ ...reaper(), oom: false, threads: [{ kind: 'umem_odp:pagefault', params: { address: 1 } }, { kind: 'madvise', params: { start: 0, len: 2 } }] });

function patched(sc: Scenario, lines: string[]): Scenario {
  const r = applyInOrder([parsePatch(lines.join('\n'), 'broken.patch')], scenarioBase(sc));
  expect(r.refused).toBeUndefined();
  return { ...sc, replaceFns: r.fns };
}

const NO_RETRY = [
  '--- a/drivers/infiniband/core/umem_odp.c',
  '+++ b/drivers/infiniband/core/umem_odp.c',
  '@@ -400,10 +400,6 @@ int ib_umem_odp_map_dma_and_lock(struct ib_umem_odp *umem_odp, u64 user_virt,',
  ' \tdma_index = start_idx;',
  ' ',
  ' \tmutex_lock(&umem_odp->umem_mutex);',
  '-\tif (mmu_interval_read_retry(&umem_odp->notifier, current_seq)) {',
  '-\t\tmutex_unlock(&umem_odp->umem_mutex);',
  '-\t\tgoto retry;',
  '-\t}',
  ' ',
  ' \tfor (pfn_index = 0; pfn_index < num_pfns;',
  ' \t\tpfn_index += 1 << (page_shift - PAGE_SHIFT), dma_index++) {',
  '',
];

const NO_SET_SEQ = [
  '--- a/drivers/infiniband/hw/mlx5/odp.c',
  '+++ b/drivers/infiniband/hw/mlx5/odp.c',
  '@@ -283,7 +283,6 @@ static bool mlx5_ib_invalidate_range(struct mmu_interval_notifier *mni,',
  ' \t\treturn false;',
  ' ',
  ' \tmutex_lock(&umem_odp->umem_mutex);',
  '-\tmmu_interval_set_seq(mni, cur_seq);',
  ' \t/*',
  ' \t * If npages is zero then umem_odp->private may not be setup yet. This',
  ' \t * does not complete until after the first page is mapped for DMA.',
  '',
];

describe('umem_odp@v6.6 with mlx5 on v6.6', () => {
  test('the reaper scenario and the page fault beside madvise hold every check', () => {
    for (const sc of [reaper(), vsMadvise()]) {
      const v = propertyVerdicts(runScenario(sc));
      for (const [p, x] of Object.entries(v)) expect(x, `${sc.name} ${p}`).not.toBe('violated');
      expect(v['interval-coherency']).toBe('holds');
    }
  });

  test('without the read_retry under umem_mutex, or without mmu_interval_set_seq() in the invalidate, the MTTs are written from a read madvise overtook', () => {
    for (const lines of [NO_RETRY, NO_SET_SEQ]) {
      const run = runScenario(patched(vsMadvise(), lines));
      expect(propertyVerdicts(run)['interval-coherency']).toBe('violated');
      const f = finding(run, 'interval-coherency:stale-use');
      expect(f.details).toMatch(/^the device maps umem_odp0\.obj0 from a read that an invalidation of it overtook/);
      expect(f.statements).toContain('pagefault: ret = mlx5r_umr_update_xlt(mr, start_idx, np, page_shift, xlt_flags);');
    }
  });

  test('the page fault\'s address must lie in the umem (one line naming the field)', () => {
    expect(() => runScenario({ ...reaper(), threads: [{ kind: 'umem_odp:pagefault', params: { address: 3 } }] })).toThrow(/threads\[0\]\.params\.address: expected a page of umem_odp0's umem \[0, 2\)/);
  });
});
