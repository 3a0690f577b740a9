/**
 * RDMA on-demand paging as v6.6 has it: drivers/infiniband/core/umem_odp.c (one
 * `mmu_interval_notifier` per ODP umem since v5.5/5.6, Jason Gunthorpe's conversion; the interval ops
 * are the driver's) with mlx5's `mlx5_ib_invalidate_range()` (drivers/infiniband/hw/mlx5/odp.c) and
 * mlx5's page fault (`pagefault_real_mr()` -> `ib_umem_odp_map_dma_and_lock()`): the variant
 * `umem_odp@v6.6` of src/model/kernel/drivers/umem_odp.ts and its thread `umem_odp:pagefault`.
 *
 * Sources (index ids are the search tool's; dated by content, no 6.6.y tree):
 * - `mlx5_ib_invalidate_range()`: the de-duplicated odp.c of index id 9731549 (`mlx5r_umr_update_xlt`
 *   of v6.0 on, `mlx5_update_odp_stats`, `destroy_unused_implicit_child_mr`, and not yet the 2025
 *   `if (!mr) goto out;` of gregkh/linux @ 81bd6aab35ad, index id 460111184: issue14-research.md §5.4.2);
 *   the pre-v6.15 `dma_list & (ODP_READ_ALLOWED_BIT | ODP_WRITE_ALLOWED_BIT)` test.
 * - `ib_umem_odp_map_dma_and_lock()` and `ib_umem_odp_unmap_dma_pages()`: ammarfaizi2/linux-block @
 *   01127dbe8365 drivers/infiniband/core/umem_odp.c (index id 13906246702; 5.13-6.14 by content:
 *   `hmm_pfn_to_map_order()`, the dma_list scheme the 2025 hmm_dma_map conversion removed), as quoted
 *   in issue14-research.md §5.4.1 with its elisions: the elided argument checks, the
 *   `get_pid_task`/`mmget_not_zero` and the range setup are shown, not run, here too.
 * - `pagefault_real_mr()`: gregkh/linux @ 81bd6aab35ad odp.c (index id 460111184) for its tail (the
 *   call of `ib_umem_odp_map_dma_and_lock()`, `mlx5r_umr_update_xlt()`, the unlock), its head from the
 *   context of the v6.15 conversion patch (index id 33530342220).
 *
 * Objects: a notifier of `umem_odp@v6.6` is one ODP umem (`struct ib_umem_odp`, its embedded
 * `notifier` named alike) of an explicit ODP MR (`umem_odp->private`, `<id>.mr`, no parent), with
 * exactly one object, its pages. `obj.mapped`: the MR's MTTs map the pages (the device may access
 * them); `<id>.dma_list` a bit per page DMA-mapped, `<id>.npages` their number (every page mapped at
 * the start); `<id>.umem_mutex`.
 *
 * Abstractions (docs/model.md, "umem_odp and mlx5 as of v6.6"):
 * - `mlx5r_umr_update_xlt()` is one step that sleeps (a UMR work request posted and waited for): with
 *   MLX5_IB_UPD_XLT_ZAP it zaps the MR's MTTs (`mapped = 0`), else it writes them (`mapped = 1`),
 *   at object granularity.
 * - The page fault is one page (`bcnt` 1) of the umem: `hmm_range_fault()` is test_hmm's one step, the
 *   DMA mapping loop of `ib_umem_odp_map_dma_and_lock()` one step that maps the faulted page
 *   (`dma_list`, `npages`). The thread's entry is the model's (the page-fault work's
 *   `mlx5_ib_eqe_pf_action` -> `mlx5_ib_mr_page_fault_handler` -> `pagefault_single_data_segment`
 *   -> `pagefault_mr` -> `pagefault_real_mr`, reduced to the last call); it holds an mm_users
 *   reference while it runs, as `mmget_not_zero(owning_mm)` does.
 * - No implicit MR in this variant (`mr->parent` is NULL: `destroy_unused_implicit_child_mr()` is not
 *   reached), no registration or deregistration of the MR during a scenario (the interval tree is
 *   static), `time_after()` a choice as in test_hmm.
 */
import type { DriverThreadDef, InstanceState, ObjectRange, VariantDef } from '../driver.ts';
import { mappedMem, objectStatics } from '../driver.ts';
import { c, cAs, else_, fn, cAsG, shown, if_, ifAs, label, parseExpr, type FnDef, type Stmt } from '../../lang/ir.ts';
import { num, ref, type PrimCtx, type Primitive } from '../../lang/primitives.ts';
import type { Value } from '../../lang/state.ts';
import { COMMON_PRIMITIVES, forC } from './notifier-users-common.ts';
import { HMM_RANGE_PRIMITIVES } from './test_hmm.ts';

const ODP = 'drivers/infiniband/hw/mlx5/odp.c';
const UMEM = 'drivers/infiniband/core/umem_odp.c';
const V = 'v6.6';
const SRC_INV =
  'odp.c of index id 9731549 (repository not reported; v6.0-v6.14 by content: mlx5r_umr_update_xlt, mlx5_update_odp_stats, destroy_unused_implicit_child_mr, before the 2025 !mr check and the v6.15 pfn_list test)';
const SRC_MAP =
  'ammarfaizi2/linux-block @ 01127dbe8365 drivers/infiniband/core/umem_odp.c (index id 13906246702; v5.13-v6.14 by content), as quoted in issue14-research.md §5.4.1';
const SRC_PF = 'gregkh/linux @ 81bd6aab35ad drivers/infiniband/hw/mlx5/odp.c (index id 460111184) for the tail, the v6.15 conversion patch\'s context (index id 33530342220) for the head';

const MLX5_IB_UPD_XLT_ZAP = 1 << 0;

function umemStart(ctx: PrimCtx, u: string): number {
  return num(ctx.stat(`${u}.obj0.start`) as Value, 'ib_umem_start');
}
function umemEnd(ctx: PrimCtx, u: string): number {
  return num(ctx.stat(`${u}.obj0.last`) as Value, 'ib_umem_end') + 1;
}
const popcount = (x: number): number => {
  let n = 0;
  for (let v = x; v; v &= v - 1) n++;
  return n;
};

export const UMEM_ODP66_PRIMITIVES: Readonly<Record<string, Primitive>> = {
  ...COMMON_PRIMITIVES,
  ...HMM_RANGE_PRIMITIVES,
  ib_umem_start: { shared: false, sleeps: false, doc: 'ib_umem_start(umem_odp): the umem\'s first page (static).', run: (ctx, [u]) => umemStart(ctx, ref(u, 'ib_umem_start')) },
  ib_umem_end: { shared: false, sleeps: false, doc: 'ib_umem_end(umem_odp): one past the umem\'s last page (static).', run: (ctx, [u]) => umemEnd(ctx, ref(u, 'ib_umem_end')) },
  BIT: { shared: false, sleeps: false, doc: 'BIT(n): 1 << n.', run: (_ctx, [n]) => 1 << num(n, 'BIT') },
  ib_umem_odp_dma_mapped: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'dma_list', mode: 'r' }],
    doc: 'Stands for `umem_odp->dma_list[idx] & (ODP_READ_ALLOWED_BIT | ODP_WRITE_ALLOWED_BIT)` (the parser has no subscripts): whether page idx of the umem is DMA-mapped (`<umem>.dma_list` bit idx); read under umem_mutex.',
    run: (ctx, [u, i]) => (num(ctx.read(`${ref(u, 'ib_umem_odp_dma_mapped')}.dma_list`), 'dma_list') >> num(i, 'idx')) & 1,
  },
  mlx5r_umr_update_xlt: {
    shared: true,
    sleeps: true,
    access: () => [{ name: 'mapped', mode: 'w' }],
    doc: 'mlx5r_umr_update_xlt(mr, idx, npages, page_shift, flags) (drivers/infiniband/hw/mlx5/umr.c, v6.0 on): posts a UMR work request that rewrites the MR\'s translation entries and waits for its completion: sleeps. With MLX5_IB_UPD_XLT_ZAP the MTTs are zapped (`obj.mapped = 0`), else they map the umem\'s pages (`obj.mapped = 1`). Returns 0.',
    run(ctx, [mr, , , , flags]) {
      const umem = ref(mr, 'mlx5r_umr_update_xlt').replace(/\.mr$/, '');
      ctx.write(`${umem}.obj0.mapped`, num(flags, 'flags') & MLX5_IB_UPD_XLT_ZAP ? 0 : 1);
      return 0;
    },
  },
  mlx5_update_odp_stats: { shared: false, sleeps: false, doc: 'mlx5_update_odp_stats(mr, invalidations, value): statistics.', run: () => 0 },
  ib_umem_odp_unmap_dma_pages: {
    shared: true,
    sleeps: false,
    access: () => [
      { name: 'dma_list', mode: 'w' },
      { name: 'npages', mode: 'w' },
    ],
    doc: 'ib_umem_odp_unmap_dma_pages(umem_odp, virt, bound) (umem_odp.c, v5.x-v6.14): with umem_mutex held (lockdep_assert_held), DMA-unmaps and dirties every page of [virt, bound) whose dma_list entry is set, clears the entry and counts npages down. One step; never sleeps.',
    run(ctx, [u, v, b]) {
      const umem = ref(u, 'ib_umem_odp_unmap_dma_pages');
      const s = umemStart(ctx, umem);
      let mask = 0;
      for (let p = Math.max(num(v, 'virt'), s); p < Math.min(num(b, 'bound'), umemEnd(ctx, umem)); p++) mask |= 1 << (p - s);
      const dma = num(ctx.read(`${umem}.dma_list`), 'dma_list') & ~mask;
      ctx.write(`${umem}.dma_list`, dma);
      ctx.write(`${umem}.npages`, popcount(dma));
      return 0;
    },
  },
  ib_umem_odp_map_dma_pages_of_range: {
    shared: true,
    sleeps: false,
    lazy: [1],
    access: () => [
      { name: 'dma_list', mode: 'w' },
      { name: 'npages', mode: 'w' },
    ],
    doc: 'Stands for the loop of ib_umem_odp_map_dma_and_lock() over the pfns hmm_range_fault() returned (per page: the WARN_ONs, the hmm_order test, ib_umem_odp_map_dma_single_page(): dma_map_page, dma_list set, npages counted up), under umem_mutex: the range\'s pages enter `<umem>.dma_list`. Returns the number of pages mapped. Never sleeps.',
    run(ctx, [u, range]) {
      const umem = ref(u, 'ib_umem_odp_map_dma_pages_of_range');
      const s = umemStart(ctx, umem);
      const rs = num(ctx.evalLazy({ k: 'field', obj: range as never, field: 'start' }), 'start');
      const re = num(ctx.evalLazy({ k: 'field', obj: range as never, field: 'end' }), 'end');
      let dma = num(ctx.read(`${umem}.dma_list`), 'dma_list');
      for (let p = rs; p < re; p++) dma |= 1 << (p - s);
      ctx.write(`${umem}.dma_list`, dma);
      ctx.write(`${umem}.npages`, popcount(dma));
      return re - rs;
    },
  },
  mlx5_ib_err: { shared: false, sleeps: false, doc: 'mlx5_ib_err(dev, ...): printk.', run: () => 0 },
  mr_to_mdev: { shared: false, sleeps: false, doc: 'mr_to_mdev(mr): the MR\'s mlx5 device (its identity is not modelled).', run: () => 'mdev' },
  destroy_unused_implicit_child_mr: { shared: false, sleeps: false, doc: 'destroy_unused_implicit_child_mr(mr): queues the destruction of an implicit MR\'s empty child; never reached (no implicit MR in umem_odp@v6.6).', run: () => 0 },
  ALIGN: { shared: false, sleeps: false, doc: 'ALIGN(x, a): x rounded up to a multiple of a (a power of two).', run: (_ctx, [x, a]) => Math.ceil(num(x, 'ALIGN') / num(a, 'ALIGN')) * num(a, 'ALIGN') },
  ALIGN_DOWN: { shared: false, sleeps: false, doc: 'ALIGN_DOWN(x, a): x rounded down to a multiple of a (a power of two).', run: (_ctx, [x, a]) => Math.floor(num(x, 'ALIGN_DOWN') / num(a, 'ALIGN_DOWN')) * num(a, 'ALIGN_DOWN') },
};

export const invalidateRange66: FnDef = fn({
  name: 'mlx5_ib_invalidate_range',
  file: ODP,
  version: V,
  source: `${SRC_INV}; the comments are left out; the dma_list test runs the stand-in ib_umem_odp_dma_mapped()`,
  signature: 'static bool mlx5_ib_invalidate_range(struct mmu_interval_notifier *mni, const struct mmu_notifier_range *range, unsigned long cur_seq)',
  params: ['mni', 'range', 'cur_seq'],
  body: [
    c('struct ib_umem_odp *umem_odp = container_of(mni, struct ib_umem_odp, notifier);'),
    c('struct mlx5_ib_mr *mr;'),
    cAs('const u64 umr_block_mask = MLX5_UMR_MTT_NUM_ENTRIES_ALIGNMENT - 1;', 'umr_block_mask = 7'),
    c('u64 idx = 0, blk_start_idx = 0;'),
    c('u64 invalidations = 0;'),
    c('unsigned long start;'),
    c('unsigned long end;'),
    c('int in_block = 0;'),
    c('u64 addr;'),
    if_('!mmu_notifier_range_blockable(range)', [c('return false;')]),
    c('mutex_lock(&umem_odp->umem_mutex);'),
    c('mmu_interval_set_seq(mni, cur_seq);'),
    if_('!umem_odp->npages', [c('goto out;')]),
    c('mr = umem_odp->private;'),
    c('start = max_t(u64, ib_umem_start(umem_odp), range->start);'),
    c('end = min_t(u64, ib_umem_end(umem_odp), range->end);'),
    forC('addr = start', 'addr < end', 'addr += BIT(umem_odp->page_shift)', [
      c('idx = (addr - ib_umem_start(umem_odp)) >> umem_odp->page_shift;'),
      ifAs(
        'umem_odp->dma_list[idx] & (ODP_READ_ALLOWED_BIT | ODP_WRITE_ALLOWED_BIT)',
        'ib_umem_odp_dma_mapped(umem_odp, idx)',
        [if_('!in_block', [c('blk_start_idx = idx;'), c('in_block = 1;')]), c('invalidations += idx - blk_start_idx + 1;')],
        else_([
          c('u64 umr_offset = idx & umr_block_mask;'),
          if_('in_block && umr_offset == 0', [c('mlx5r_umr_update_xlt(mr, blk_start_idx, idx - blk_start_idx, 0, MLX5_IB_UPD_XLT_ZAP | MLX5_IB_UPD_XLT_ATOMIC);'), c('in_block = 0;')]),
        ]),
      ),
    ]),
    if_('in_block', [c('mlx5r_umr_update_xlt(mr, blk_start_idx, idx - blk_start_idx + 1, 0, MLX5_IB_UPD_XLT_ZAP | MLX5_IB_UPD_XLT_ATOMIC);')]),
    c('mlx5_update_odp_stats(mr, invalidations, invalidations);'),
    c('ib_umem_odp_unmap_dma_pages(umem_odp, start, end);'),
    if_('unlikely(!umem_odp->npages && mr->parent)', [c('destroy_unused_implicit_child_mr(mr);')]),
    label('out'),
    c('mutex_unlock(&umem_odp->umem_mutex);'),
    c('return true;'),
  ],
});

/**
 * The read side. Its ghost effect is the model's: right after `mmu_interval_read_begin()` returned,
 * the faulting task keeps how many invalidations of the umem have gone through (`current->mnc_gen`),
 * which `pagefault_real_mr()` checks where the MTTs are written (interval-coherency:stale-use).
 */
export const mapDmaAndLock: FnDef = fn({
  name: 'ib_umem_odp_map_dma_and_lock',
  file: UMEM,
  version: V,
  source: `${SRC_MAP}. The elided argument checks, get_pid_task()/mmget_not_zero() (the thread holds mm_users while it runs) and the range setup are shown, not run (the range is the faulted page); mmap_read_lock runs as down_read(&mm->mmap_sem); the DMA-mapping loop is one stand-in step; timeout is a choice (time_after)`,
  signature: 'int ib_umem_odp_map_dma_and_lock(struct ib_umem_odp *umem_odp, u64 user_virt, u64 bcnt, u64 access_mask, bool fault)',
  params: ['umem_odp', 'user_virt', 'bcnt', 'access_mask', 'fault'],
  stack: { range: ['notifier', 'notifier_seq', 'start', 'end'] },
  body: [
    c('struct mm_struct *owning_mm = umem_odp->umem.owning_mm;'),
    c('int pfn_index, dma_index, ret = 0, start_idx;'),
    c('unsigned long num_pfns, current_seq;'),
    cAs('struct hmm_range range = {};', 'range.notifier_seq = 0'),
    c('unsigned long timeout;'),
    shown('if (access_mask == 0) return -EINVAL; ... owning_process = get_pid_task(umem_odp->tgid, PIDTYPE_PID); ... if (!mmget_not_zero(owning_mm)) { ret = -EINVAL; goto out_put_task; }', 'argument checks and the owner\'s references: the thread holds mm_users while it runs'),
    c('page_shift = umem_odp->page_shift;'),
    cAs('range.notifier = &umem_odp->notifier;', 'range.notifier = umem_odp'),
    c('range.start = ALIGN_DOWN(user_virt, 1UL << page_shift);'),
    c('range.end = ALIGN(user_virt + bcnt, 1UL << page_shift);'),
    shown('range.default_flags = HMM_PFN_REQ_FAULT; ... range.hmm_pfns = &(umem_odp->pfn_list[pfn_start_idx]);', 'the pfn array is not modelled'),
    cAs('timeout = jiffies + msecs_to_jiffies(HMM_RANGE_DEFAULT_TIMEOUT);', 'timeout = 0'),
    label('retry'),
    cAsG('current_seq = range.notifier_seq = mmu_interval_read_begin(&umem_odp->notifier);', 'current_seq = range.notifier_seq = mmu_interval_read_begin(umem_odp)', 'current->mnc_gen = mnc_interval_gen(umem_odp, user_virt)'),
    cAs('mmap_read_lock(owning_mm);', 'down_read(&owning_mm->mmap_sem)'),
    c('ret = hmm_range_fault(&range);'),
    cAs('mmap_read_unlock(owning_mm);', 'up_read(&owning_mm->mmap_sem)'),
    if_('unlikely(ret)', [if_('ret == -EBUSY && !time_after(jiffies, timeout)', [c('goto retry;')]), c('goto out_put_mm;')]),
    c('start_idx = (range.start - ib_umem_start(umem_odp)) >> page_shift;'),
    c('dma_index = start_idx;'),
    c('mutex_lock(&umem_odp->umem_mutex);'),
    ifAs('mmu_interval_read_retry(&umem_odp->notifier, current_seq)', 'mmu_interval_read_retry(umem_odp, current_seq)', [c('mutex_unlock(&umem_odp->umem_mutex);'), c('goto retry;')]),
    cAs(
      'for (pfn_index = 0; pfn_index < num_pfns; pfn_index += 1 << (page_shift - PAGE_SHIFT), dma_index++) { ... ret = ib_umem_odp_map_dma_single_page(umem_odp, dma_index, hmm_pfn_to_page(range.hmm_pfns[pfn_index]), access_mask); ... }',
      'dma_index += ib_umem_odp_map_dma_pages_of_range(umem_odp, &range)',
    ),
    if_('!ret', [c('ret = dma_index - start_idx;')], else_([c('mutex_unlock(&umem_odp->umem_mutex);')])),
    label('out_put_mm'),
    shown('mmput(owning_mm);', "the thread's own mm_users reference, dropped when it finishes"),
    c('return ret;'),
  ],
});

export const pagefaultRealMr: FnDef = fn({
  name: 'pagefault_real_mr',
  file: ODP,
  version: V,
  source: `${SRC_PF}. The ghost effect on the MTT write checks the read (interval-coherency:stale-use); *bytes_mapped is left out`,
  signature: 'static int pagefault_real_mr(struct mlx5_ib_mr *mr, struct ib_umem_odp *odp, u64 user_va, size_t bcnt, u32 *bytes_mapped, u32 flags)',
  params: ['mr', 'odp', 'user_va', 'bcnt', 'bytes_mapped', 'flags'],
  body: [
    c('int page_shift, ret, np;'),
    c('bool downgrade = flags & MLX5_PF_FLAGS_DOWNGRADE;'),
    c('u64 access_mask;'),
    c('u64 start_idx;'),
    c('bool fault = !(flags & MLX5_PF_FLAGS_SNAPSHOT);'),
    c('u32 xlt_flags = MLX5_IB_UPD_XLT_ATOMIC;'),
    if_('flags & MLX5_PF_FLAGS_ENABLE', [c('xlt_flags |= MLX5_IB_UPD_XLT_ENABLE;')]),
    c('page_shift = odp->page_shift;'),
    c('start_idx = (user_va - ib_umem_start(odp)) >> page_shift;'),
    c('access_mask = ODP_READ_ALLOWED_BIT;'),
    if_('odp->umem.writable && !downgrade', [c('access_mask |= ODP_WRITE_ALLOWED_BIT;')]),
    c('np = ib_umem_odp_map_dma_and_lock(odp, user_va, bcnt, access_mask, fault);'),
    if_('np < 0', [c('return np;')]),
    { ...c('ret = mlx5r_umr_update_xlt(mr, start_idx, np, page_shift, xlt_flags);'), ghost: [parseExpr('mnc_interval_use(odp, user_va, current->mnc_gen)')] } as Stmt,
    c('mutex_unlock(&odp->umem_mutex);'),
    if_('ret < 0', [if_('ret != -EAGAIN', [c('mlx5_ib_err(mr_to_mdev(mr), "Failed to update mkey page tables\\n");')]), c('goto out;')]),
    shown('if (bytes_mapped) { ... *bytes_mapped += min_t(u32, new_mappings, bcnt); }', 'the byte count is not modelled'),
    c('return np << (page_shift - PAGE_SHIFT);'),
    label('out'),
    c('return ret;'),
  ],
});

const pagefaultEntry: FnDef = fn({
  name: 'mlx5_ib_page_fault',
  file: ODP,
  version: 'model',
  source:
    'model only: the page-fault work of an ODP MR (mlx5_ib_eqe_pf_action -> mlx5_ib_mr_page_fault_handler -> pagefault_single_data_segment -> pagefault_mr, on an explicit ODP MR, -> pagefault_real_mr), reduced to the last call for one page; flags 0',
  signature: '(model) int mlx5_ib_page_fault(struct mlx5_ib_mr *mr, struct ib_umem_odp *odp, u64 user_va)',
  params: ['mr', 'odp', 'user_va'],
  body: [c('return pagefault_real_mr(mr, odp, user_va, 1, NULL, 0);')],
});

const PAGEFAULT: DriverThreadDef = {
  description:
    'mlx5\'s page fault on one page of the ODP MR (v6.6: pagefault_real_mr -> ib_umem_odp_map_dma_and_lock: mmu_interval_read_begin, hmm_range_fault under mmap_lock, umem_mutex, mmu_interval_read_retry (a collision: unlock and retry), the page DMA-mapped; then, still under umem_mutex, mlx5r_umr_update_xlt writes the MTTs, and the unlock). A kernel work item: give it "victim": false in an OOM scenario.',
  fns: [pagefaultEntry, pagefaultRealMr, mapDmaAndLock],
  entry: 'mlx5_ib_page_fault',
  params: { address: 'the faulting page; must lie in the umem (the notifier\'s object)' },
  args(nid, p, ctx) {
    const a = p.address;
    const s = ctx.statics[`${nid}.obj0.start`] as number;
    const l = ctx.statics[`${nid}.obj0.last`] as number;
    if (typeof a !== 'number' || !Number.isInteger(a) || a < s || a > l) throw ctx.error('address', `expected a page of ${nid}'s umem [${s}, ${l + 1})`);
    ctx.mem[`${ctx.task}.mnc_gen`] = 0;
    return [`${nid}.mr`, nid, a];
  },
};

function instance(id: string, objects: readonly ObjectRange[]): InstanceState {
  const o = objects[0]!;
  const n = o.end - o.start;
  return {
    mem: { ...mappedMem(id, objects), [`${id}.obj0.inv_gen`]: 0, [`${id}.dma_list`]: n >= 31 ? 0x7fffffff : (1 << n) - 1, [`${id}.npages`]: n },
    locks: { [`${id}.umem_mutex`]: 'mutex' },
    statics: {
      ...objectStatics(id, objects, 'objects'),
      [`${id}.notifier`]: id,
      [`${id}.private`]: `${id}.mr`,
      [`${id}.mr.parent`]: null,
      [`${id}.page_shift`]: 0,
      [`${id}.umem.owning_mm`]: 'mm',
      [`${id}.umem.writable`]: 1,
    },
    balanced: [],
  };
}

export const umemOdpV66: VariantDef = {
  description:
    'v6.6 (drivers/infiniband/core/umem_odp.c, drivers/infiniband/hw/mlx5/odp.c): one mmu_interval_notifier per ODP umem; mlx5_ib_invalidate_range returns false when !mmu_notifier_range_blockable(range), before any lock, else under umem_mutex mmu_interval_set_seq(), zaps the MTTs (mlx5r_umr_update_xlt, sleeps) and DMA-unmaps the pages. Thread pagefault: ib_umem_odp_map_dma_and_lock (read_begin, hmm_range_fault, umem_mutex, read_retry) and the MTT write under umem_mutex',
  version: V,
  api: 'v5.2',
  fns: [invalidateRange66],
  ops: { invalidate: 'mlx5_ib_invalidate_range' },
  flags: 0,
  primitives: UMEM_ODP66_PRIMITIVES,
  instance,
  interval: (objects) => ({ start: objects[0]!.start, last: objects[0]!.end - 1 }),
  oneObject: 'one mmu_interval_notifier per ODP umem (ib_init_umem_odp() inserts &umem_odp->notifier over the umem): the notifier stands for the umem, its one object for the umem\'s pages',
  constants: {
    MLX5_IB_UPD_XLT_ZAP,
    MLX5_IB_UPD_XLT_ATOMIC: 1 << 1,
    MLX5_IB_UPD_XLT_ENABLE: 1 << 3,
    MLX5_PF_FLAGS_DOWNGRADE: 1 << 1,
    MLX5_PF_FLAGS_SNAPSHOT: 1 << 2,
    MLX5_PF_FLAGS_ENABLE: 1 << 3,
    ODP_READ_ALLOWED_BIT: 1,
    ODP_WRITE_ALLOWED_BIT: 2,
    HMM_RANGE_DEFAULT_TIMEOUT: 1000,
    EBUSY: 16,
  },
  globals: ['jiffies'],
  threads: { pagefault: PAGEFAULT },
};
