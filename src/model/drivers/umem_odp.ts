/**
 * RDMA on-demand paging (drivers/infiniband/core/umem_odp.c, include/rdma/ib_umem_odp.h) with mlx5 as
 * the device behind `context->invalidate_range` (drivers/infiniband/hw/mlx5/odp.c), by variant:
 *
 * - `v4.18`: before 93065ac753e4 (the `-` side of the seed diff): void start that counts the context's
 *   `notifier_count` up *before* `down_read(&context->umem_rwsem)`; `rbt_ib_umem_for_each_in_range`
 *   without `blockable`.
 * - `93065ac753e4`: the patch (`+` side of the seed diff, the same in the 4.19.y tree of index id
 *   28343273484): `down_read_trylock` when !blockable, `ib_ucontext_notifier_start_account` *after*
 *   the lock, and the range walk returning -EAGAIN at the first umem in range when !blockable. That
 *   -EAGAIN comes after `notifier_count` was incremented and the core owes no end to a failed start,
 *   so nothing decrements it again: modelled exactly, not fixed (see the tests).
 *
 * Sources. Start, end and the range walk: seed 001 diff (both sides); the accounting helpers and the
 * trampolines: the 4.19.y tree of index id 28343273484 (HEAD side), identical to the ~4.12 snapshot of
 * index id 46326762 and to ../shared/kernel/README.md §6 [recon]; `ib_umem_mmu_notifier_retry`:
 * include/rdma/ib_umem_odp.h of the 4.19.y tree, index id 28183315650 (README §6); mlx5's
 * `mlx5_ib_invalidate_range`, `mr_leaf_free`, `mlx5_ib_free_implicit_mr` and `pagefault_mr`: the
 * 4.17–4.19-era drivers/infiniband/hw/mlx5/odp.c of index id 197234735 (it has the patch's `true`
 * argument; v4.18 is the same without it, seed 001 diff); `mlx5_ib_update_xlt` ends in
 * `mlx5_ib_post_send_wait()`, which does `down(&umrc->sem)` and `wait_for_completion()` (mr.c, index
 * ids 18799269 and 1088748643); `ib_umem_odp_unmap_dma_pages` and `ib_umem_odp_map_dma_pages`:
 * umem_odp.c of index id 28343273484.
 *
 * Abstractions (docs/model.md):
 *
 * - **Objects.** Instance `id` is one `ib_ucontext` (the mmu_notifier's container). Each scenario
 *   object is one ODP umem in `context->umem_tree` (the interval tree abstracted to the objects in
 *   address order), and, on the mlx5 side, one leaf MR of the context's single implicit MR `id.imr`
 *   (mlx5's implicit ODP: `mr->parent == imr`), so that `mlx5_ib_free_implicit_mr` has leaves to free.
 *   `umem`, `umem->odp_data` and `container_of(..., struct ib_umem_odp, ...)` are one object id.
 * - **Per-umem accounting.** `obj.notifiers_count` (balanced), `obj.notifiers_seq`,
 *   `obj.mn_counters_active` (1: every umem was registered while no notifier ran, so
 *   `context->no_private_counters` is empty), `obj.notifier_completion.done`, lock `obj.umem_mutex`.
 *   Per context: `id.notifier_count` (atomic_t, balanced), rw_semaphore `id.umem_rwsem`.
 *   `no_private_counters` is static configuration (empty in scenarios; tests fill it): `list_del` does
 *   not shrink it, so once a non-empty list has been activated, later zero crossings of
 *   `notifier_count` would take `umem_rwsem` for write again and redo the (idempotent) activation.
 * - **Device mapping.** `obj.mapped` is mlx5's MTT entries for the umem: the HCA can reach its pages.
 *   `obj.dma_list` has a bit per page of the umem (`dma_list[idx]` DMA-mapped; all set at the start)
 *   and `obj.npages` counts them. `mlx5_ib_invalidate_range` keeps its first loop over the pages of
 *   the range and its condition (v4.19 odp.c): a block of DMA-mapped pages is zapped with
 *   `mlx5_ib_update_xlt(..., MLX5_IB_UPD_XLT_ZAP | MLX5_IB_UPD_XLT_ATOMIC)`, which sleeps (UMR post and
 *   `wait_for_completion`) and zaps the umem's MTTs (`obj.mapped = 0`: the MTTs are one unit);
 *   a range with no DMA-mapped page zaps nothing. `umem->odp_data->dma_list[idx] & (ODP_READ_ALLOWED_BIT
 *   | ODP_WRITE_ALLOWED_BIT)` runs the stand-in `ib_umem_odp_dma_mapped(umem, idx)` and `const u64
 *   umr_block_mask = (MLX5_UMR_MTT_ALIGNMENT / sizeof(struct mlx5_mtt)) - 1;` runs `umr_block_mask = 7`
 *   (0x40 / 8; the parser has no subscripts or sizeof). `ib_umem_odp_unmap_dma_pages` is one step that
 *   waits for and releases `umem_mutex` inside and clears the range's bits.
 * - **Leaf-free work.** `mr_leaf_free` and `mlx5_ib_invalidate_range` queue `umem->odp_data->work`,
 *   which a kworker of the scenario runs (src/model/core/workqueue.ts): `mr_leaf_free_action` (mlx5
 *   odp.c) clears `mr->parent` (shared `obj.mr.parent`), `synchronize_srcu(&mr->dev->mr_srcu)` (mlx5's
 *   SRCU: sleeps, waits for nothing the model tracks), `ib_umem_release` (umem.c, its ODP branch) ->
 *   `ib_umem_odp_release` (umem_odp.c 4.19.y: DMA unmap, `down_write(&context->umem_rwsem)`, the leaf
 *   out of the interval tree (`obj.in_tree = 0`; the tree walks skip it), `odp_mrs_count--`,
 *   `downgrade_write`, `up_read`, frees), `mlx5_ib_update_xlt(imr, ..., INDIRECT | ATOMIC)` (no modelled
 *   effect), then `atomic_dec_and_test(&imr->num_leaf_free)`. `odp_mrs_count` is the leaves plus the
 *   implicit MR's own umem, so it reaches 0 only if a leaf is released twice; that branch of
 *   `ib_umem_odp_release` then unregisters the notifier (`get_pid_task` and `get_task_mm` give the
 *   scenario's process and mm). Freed leaves are not tracked as freed objects (the page fault's
 *   `mr_srcu` protection is not modelled). Both queueing paths test `dying` and set it without a
 *   common lock: both may queue one leaf (see the tests).
 * - **->release** (`ib_umem_notifier_release` and its trampoline, 4.19.y index id 28343273484; v4.18
 *   without the walk's `true`): counts the context up and, per umem, its notifiers up for good ("to
 *   prevent any further fault handling on this MR"), marks it dying, completes its completion and
 *   invalidates it whole. The ghost `release_raised` records what it raised (`notifier_count` by 1,
 *   `notifiers_count` by 1 where private counters are active); pairing's balance check adds it
 *   (`balancedOffsets`).
 * - **Function pointers.** `context->invalidate_range` is `mlx5_ib_invalidate_range` (set by
 *   `mlx5_ib_alloc_ucontext`), a static of the instance; `cb` is the trampoline passed to the walk.
 * - **Units.** Addresses are pages: PAGE_SHIFT is 0 and a umem's `page_shift` is 0.
 * - **Page fault** (thread `pagefault`): mlx5's `pagefault_mr` for one leaf and one page, without the
 *   implicit-MR lookup (`implicit_mr_get_data`), the multi-leaf continuation and `bytes_mapped`.
 *   `ib_umem_odp_map_dma_pages` is one step: it waits while `mm->mmap_sem` is write-held or has a
 *   queued task and while `umem_mutex` is held, then fails with -EFAULT if the page's VMA has been
 *   unmapped, returns -EAGAIN if `ib_umem_mmu_notifier_retry()` says so (the check
 *   `ib_umem_odp_map_dma_single_page` makes), or DMA-maps the page (`npages = 1`) and returns 1.
 *   `wait_for_completion_timeout` never waits forever (its timeout).
 */
import type { DriverDef, DriverThreadDef, InstanceState, ObjectRange, VariantDef, WorkDef } from '../driver.ts';
import { mappedMem, objectStatics } from '../driver.ts';
import { c, cg, elif, else_, fn, foreach, if_, label, type FnDef } from '../ir.ts';
import { readMustWait } from '../locks.ts';
import { num, ref, type Primitive } from '../primitives.ts';
import type { Value } from '../state.ts';
import { COMMON_PRIMITIVES, forC } from './notifier-users-common.ts';
import { cAs, ifAs } from './drm_common.ts';

const FILE = 'drivers/infiniband/core/umem_odp.c';
const HDR = 'include/rdma/ib_umem_odp.h';
const MLX5 = 'drivers/infiniband/hw/mlx5/odp.c';
const SRC_419Y = 'index id 28343273484 (4.19.y umem_odp.c, HEAD side) [recon]; same in ../shared/kernel/README.md §6';
const SRC_MLX5 = 'index id 197234735 (4.17–4.19-era mlx5 odp.c) [recon]';

const EAGAIN = -11;
const EFAULT = -14;

/** The umem of a leaf MR reference `id.objN.mr`. */
function umemOfMr(mr: string): string {
  if (!mr.endsWith('.mr')) throw new Error(`not a leaf MR: ${mr}`);
  return mr.slice(0, -3);
}

/** drivers/infiniband/hw/mlx5/mlx5_ib.h, include/rdma/ib_umem_odp.h, mlx5 odp.c; PAGE_SHIFT: addresses are pages. */
const MLX5_IB_UPD_XLT_ZAP = 1 << 0;
const MLX5_IB_UPD_XLT_INDIRECT = 1 << 6;
const CONSTANTS: Record<string, Value> = {
  MLX5_IB_UPD_XLT_ZAP,
  MLX5_IB_UPD_XLT_ATOMIC: 1 << 2,
  MLX5_IB_UPD_XLT_INDIRECT,
  ODP_READ_ALLOWED_BIT: 1 << 0,
  ODP_WRITE_ALLOWED_BIT: 1 << 1,
  MMU_NOTIFIER_TIMEOUT: 1000,
  // 1 GiB leaves (MLX5_IMR_MTT_BITS + PAGE_SHIFT = 30 bits of bytes), in the model's page units.
  MLX5_IMR_MTT_SHIFT: 18,
  PAGE_SHIFT: 0,
};

/** The DMA-mapped pages of a umem (`dma_list` bits) in [from, to), as a mask relative to the umem's start. */
function pageMask(ctx: Parameters<Primitive['run']>[0], umem: string, from: number, to: number): number {
  const s = umemStart(ctx, umem);
  let m = 0;
  for (let p = Math.max(from, s); p < Math.min(to, umemEnd(ctx, umem)); p++) m |= 1 << (p - s);
  return m;
}

function popcount(x: number): number {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}

function umemStart(ctx: Parameters<Primitive['run']>[0], umem: string): number {
  return num(ctx.stat(`${umem}.start`) as Value, 'ib_umem_start');
}
function umemEnd(ctx: Parameters<Primitive['run']>[0], umem: string): number {
  return num(ctx.stat(`${umem}.last`) as Value, 'ib_umem_end') + 1;
}

/** ib_umem_mmu_notifier_retry() on the current state (for the one-step ib_umem_odp_map_dma_pages). */
function mustRetry(ctx: Parameters<Primitive['run']>[0], umem: string, seq: Value): boolean {
  if (!ctx.read(`${umem}.mn_counters_active`)) return true;
  if (ctx.read(`${umem}.notifiers_count`)) return true;
  return ctx.read(`${umem}.notifiers_seq`) !== seq;
}

function umemsOf(ctx: Parameters<Primitive['run']>[0], root: string): readonly Value[] {
  const l = ctx.stat(root);
  if (!Array.isArray(l)) throw new Error(`${root} is not a umem tree of the scenario`);
  return l;
}

function inTreeOverlapping(ctx: Parameters<Primitive['run']>[0], o: Value, start: number, last: number): boolean {
  const u = String(o);
  return !!ctx.read(`${u}.in_tree`) && umemStart(ctx, u) <= last && start <= umemEnd(ctx, u) - 1;
}

export const UMEM_ODP_PRIMITIVES: Record<string, Primitive> = {
  ...COMMON_PRIMITIVES,
  ib_umem_start: {
    shared: false,
    sleeps: false,
    doc: 'ib_umem_start(umem): the umem\'s first page (static).',
    run: (ctx, [u]) => umemStart(ctx, ref(u, 'ib_umem_start')),
  },
  ib_umem_end: {
    shared: false,
    sleeps: false,
    doc: 'ib_umem_end(umem): one past the umem\'s last page (static).',
    run: (ctx, [u]) => umemEnd(ctx, ref(u, 'ib_umem_end')),
  },
  mlx5_ib_update_xlt: {
    shared: true,
    sleeps: true,
    access: () => [{ name: 'mapped', mode: 'w' }],
    doc: 'mlx5_ib_update_xlt(mr, idx, npages, page_shift, flags) (mlx5 mr.c): posts a UMR work request that rewrites the MR\'s translation entries and waits for it (mlx5_ib_post_send_wait: down(&umrc->sem), wait_for_completion): sleeps. On a leaf MR, with MLX5_IB_UPD_XLT_ZAP the umem\'s MTTs are zapped (`obj.mapped = 0`), else they map its pages (`obj.mapped = 1`). With MLX5_IB_UPD_XLT_INDIRECT on the implicit MR it rewrites the KSM entry of a leaf (the leaf-free work points it at the null mkey); no modelled state changes. Returns 0.',
    run(ctx, [mr, , , , flags]) {
      const f = num(flags, 'flags');
      if (f & MLX5_IB_UPD_XLT_INDIRECT) return 0;
      const zap = (f & MLX5_IB_UPD_XLT_ZAP) !== 0;
      ctx.write(`${umemOfMr(ref(mr, 'mlx5_ib_update_xlt'))}.mapped`, zap ? 0 : 1);
      return 0;
    },
  },
  ib_umem_odp_unmap_dma_pages: {
    shared: true,
    sleeps: true,
    access: () => [
      { name: 'dma_list', mode: 'w' },
      { name: 'npages', mode: 'w' },
      { name: 'umem_mutex', mode: 'w' },
    ],
    doc: 'ib_umem_odp_unmap_dma_pages(umem, virt, bound) (umem_odp.c, v4.18/v4.19): clips [virt, bound) to the umem, then under mutex_lock(&umem->odp_data->umem_mutex) DMA-unmaps and dirties every page of it whose page_list entry is set, clears its dma_list entry and counts umem->npages down. One step: it waits while another task owns umem_mutex (sleeping); the pages of the range leave `obj.dma_list` and `obj.npages` is the number of pages still mapped.',
    wait(ctx, [u]) {
      const k = `${ref(u, 'ib_umem_odp_unmap_dma_pages')}.umem_mutex`;
      const l = ctx.lock(k);
      return l.kind === 'mutex' && l.owner !== -1 ? { why: `ib_umem_odp_unmap_dma_pages(): mutex_lock(&${k}): held by ${ctx.threadName(l.owner)}`, sleeping: true } : null;
    },
    run(ctx, [u, v, b]) {
      const umem = ref(u, 'ib_umem_odp_unmap_dma_pages');
      const dma = num(ctx.read(`${umem}.dma_list`), 'dma_list') & ~pageMask(ctx, umem, num(v, 'virt'), num(b, 'bound'));
      ctx.write(`${umem}.dma_list`, dma);
      ctx.write(`${umem}.npages`, popcount(dma));
      return 0;
    },
  },
  ib_umem_odp_dma_mapped: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'dma_list', mode: 'r' }],
    doc: 'Stands for `umem->odp_data->dma_list[idx] & (ODP_READ_ALLOWED_BIT | ODP_WRITE_ALLOWED_BIT)` (mlx5_ib_invalidate_range; the parser has no subscripts): whether page idx of the umem is DMA-mapped (`obj.dma_list` bit idx). Read without umem_mutex, as the kernel does.',
    run: (ctx, [u, i]) => (num(ctx.read(`${ref(u, 'ib_umem_odp_dma_mapped')}.dma_list`), 'dma_list') >> num(i, 'idx')) & 1,
  },
  BIT: { shared: false, sleeps: false, doc: 'BIT(n): 1 << n.', run: (_ctx, [n]) => 1 << num(n, 'BIT') },
  rbt_ib_umem_iter_first: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'in_tree', mode: 'r' }],
    doc: 'rbt_ib_umem_iter_first(root, start, last): the first umem still in the context\'s interval tree (`obj.in_tree`: ib_umem_odp_release removes a freed leaf) overlapping [start, last], in address order, or NULL.',
    run(ctx, [root, s, l]) {
      return umemsOf(ctx, ref(root, 'rbt_ib_umem_iter_first')).find((o) => inTreeOverlapping(ctx, o, num(s, 'start'), num(l, 'last'))) ?? null;
    },
  },
  rbt_ib_umem_iter_next: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'in_tree', mode: 'r' }],
    doc: 'rbt_ib_umem_iter_next(node, start, last): the next umem after node still in the tree and overlapping [start, last], or NULL.',
    run(ctx, [node, s, l]) {
      const n = ref(node, 'rbt_ib_umem_iter_next');
      const all = umemsOf(ctx, String(ctx.stat(`${n}.tree`)));
      return all.slice(all.indexOf(n) + 1).find((o) => inTreeOverlapping(ctx, o, num(s, 'start'), num(l, 'last'))) ?? null;
    },
  },
  rbt_ib_umem_remove: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'in_tree', mode: 'w' }],
    doc: 'rbt_ib_umem_remove(&umem->odp_data->interval_tree, &context->umem_tree): takes the umem out of the context\'s interval tree (`obj.in_tree = 0`); later walks no longer visit it.',
    run(ctx, [node]) {
      ctx.write(`${ref(node, 'rbt_ib_umem_remove').replace(/\.interval_tree$/, '')}.in_tree`, 0);
      return 0;
    },
  },
  get_pid_task: {
    shared: false,
    sleeps: false,
    doc: 'get_pid_task(context->tgid, PIDTYPE_PID): the process that owns the context (the scenario\'s process, `victim`). Reached in ib_umem_odp_release only when `odp_mrs_count` drops to 0, which the implicit MR\'s own umem prevents unless one leaf was released twice (its free work ran twice).',
    run: () => 'victim',
  },
  get_task_mm: {
    shared: false,
    sleeps: false,
    doc: 'get_task_mm(task): the task\'s mm with a reference taken: the scenario\'s one mm.',
    run: () => 'mm',
  },
  mmput: { shared: false, sleeps: false, doc: 'mmput(mm): drops the reference get_task_mm took (never the last one in a scenario).', run: () => 0 },
  mlx5_mr_cache_free: { shared: false, sleeps: false, doc: 'mlx5_mr_cache_free(dev, mr): returns the leaf MR to mlx5\'s MR cache (not modelled).', run: () => 0 },
  ib_umem_odp_map_dma_pages: {
    shared: true,
    sleeps: true,
    access: () => [
      { name: 'npages', mode: 'w' },
      { name: 'dma_list', mode: 'w' },
      { name: 'mn_counters_active', mode: 'r' },
      { name: 'notifiers_count', mode: 'r' },
      { name: 'notifiers_seq', mode: 'r' },
      { name: 'unmapped', mode: 'r' },
      { name: 'umem_mutex', mode: 'w' },
      { name: 'mmap_sem', mode: 'w' },
    ],
    doc: 'ib_umem_odp_map_dma_pages(umem, user_virt, bcnt, access_mask, current_seq) (umem_odp.c, v4.18/v4.19), one step: get_user_pages_remote() under down_read(&mm->mmap_sem), then, under umem_mutex, ib_umem_odp_map_dma_single_page(). It waits while mmap_sem is held for write or has a queued task and while another task owns umem_mutex (sleeping). Returns -EFAULT if the page\'s VMA has been unmapped, -EAGAIN if ib_umem_mmu_notifier_retry(umem, current_seq) holds, else maps the page (`npages = 1`) and returns 1.',
    wait(ctx, [u]) {
      const umem = ref(u, 'ib_umem_odp_map_dma_pages');
      const sem = ctx.lock('mm.mmap_sem');
      if (sem.kind === 'rwsem' && readMustWait(sem)) return { why: 'ib_umem_odp_map_dma_pages(): down_read(&mm.mmap_sem) must wait', sleeping: true };
      const l = ctx.lock(`${umem}.umem_mutex`);
      return l.kind === 'mutex' && l.owner !== -1 ? { why: `ib_umem_odp_map_dma_pages(): mutex_lock(&${umem}.umem_mutex): held by ${ctx.threadName(l.owner)}`, sleeping: true } : null;
    },
    run(ctx, [u, va, , , seq]) {
      const umem = ref(u, 'ib_umem_odp_map_dma_pages');
      const addr = num(va, 'user_virt');
      const vmas = ctx.stat('mm.vmas');
      const vma = (Array.isArray(vmas) ? vmas : []).find(
        (v) => num(ctx.stat(`${String(v)}.vm_start`) as Value, 'vm_start') <= addr && addr < num(ctx.stat(`${String(v)}.vm_end`) as Value, 'vm_end'),
      );
      if (vma === undefined || ctx.read(`${String(vma)}.unmapped`)) return EFAULT;
      if (mustRetry(ctx, umem, seq as Value)) return EAGAIN;
      const dma = num(ctx.read(`${umem}.dma_list`), 'dma_list') | pageMask(ctx, umem, addr, addr + 1);
      ctx.write(`${umem}.dma_list`, dma);
      ctx.write(`${umem}.npages`, popcount(dma));
      return 1;
    },
  },
  msecs_to_jiffies: {
    shared: false,
    sleeps: false,
    doc: 'msecs_to_jiffies(ms): a timeout (time is not modelled).',
    run: () => 1,
  },
  mlx5_ib_warn: { shared: false, sleeps: false, doc: 'mlx5_ib_warn(dev, ...): printk.', run: () => 0 },
  mlx5_ib_err: { shared: false, sleeps: false, doc: 'mlx5_ib_err(dev, ...): printk.', run: () => 0 },
};

// ------------------------------------------------------------------------------------------------
// umem_odp.c: accounting helpers and trampolines (unchanged by 93065ac753e4).

const umemStartAccount: FnDef = fn({
  name: 'ib_umem_notifier_start_account',
  file: FILE,
  version: 'v4.19',
  source: `${SRC_419Y}; unchanged by 93065ac753e4`,
  signature: 'static void ib_umem_notifier_start_account(struct ib_umem *item)',
  params: ['item'],
  body: [
    c('mutex_lock(&item->odp_data->umem_mutex);'),
    if_('item->odp_data->mn_counters_active', [
      c('int notifiers_count = item->odp_data->notifiers_count++;'),
      if_('notifiers_count == 0', [c('reinit_completion(&item->odp_data->notifier_completion);')]),
    ]),
    c('mutex_unlock(&item->odp_data->umem_mutex);'),
  ],
});

const umemEndAccount: FnDef = fn({
  name: 'ib_umem_notifier_end_account',
  file: FILE,
  version: 'v4.19',
  source: `${SRC_419Y}; unchanged by 93065ac753e4`,
  signature: 'static void ib_umem_notifier_end_account(struct ib_umem *item)',
  params: ['item'],
  body: [
    c('mutex_lock(&item->odp_data->umem_mutex);'),
    if_('item->odp_data->mn_counters_active', [
      c('++item->odp_data->notifiers_seq;'),
      if_('--item->odp_data->notifiers_count == 0', [c('complete_all(&item->odp_data->notifier_completion);')]),
    ]),
    c('mutex_unlock(&item->odp_data->umem_mutex);'),
  ],
});

const ctxStartAccount: FnDef = fn({
  name: 'ib_ucontext_notifier_start_account',
  file: FILE,
  version: 'v4.19',
  source: `${SRC_419Y}; unchanged by 93065ac753e4`,
  signature: 'static void ib_ucontext_notifier_start_account(struct ib_ucontext *context)',
  params: ['context'],
  body: [c('atomic_inc(&context->notifier_count);')],
});

const ctxEndAccount: FnDef = fn({
  name: 'ib_ucontext_notifier_end_account',
  file: FILE,
  version: 'v4.19',
  source: `${SRC_419Y}; unchanged by 93065ac753e4`,
  signature: 'static void ib_ucontext_notifier_end_account(struct ib_ucontext *context)',
  params: ['context'],
  body: [
    c('int zero_notifiers = atomic_dec_and_test(&context->notifier_count);'),
    if_('zero_notifiers && !list_empty(&context->no_private_counters)', [
      c('struct ib_umem_odp *odp_data, *next;'),
      c('down_write(&context->umem_rwsem);'),
      if_('!atomic_read(&context->notifier_count)', [
        foreach('list_for_each_entry_safe(odp_data, next, &context->no_private_counters, no_private_counters)', [
          c('mutex_lock(&odp_data->umem_mutex);'),
          c('odp_data->mn_counters_active = true;'),
          c('list_del(&odp_data->no_private_counters);'),
          c('complete_all(&odp_data->notifier_completion);'),
          c('mutex_unlock(&odp_data->umem_mutex);'),
        ]),
      ]),
      c('up_write(&context->umem_rwsem);'),
    ]),
  ],
});

const startTrampoline: FnDef = fn({
  name: 'invalidate_range_start_trampoline',
  file: FILE,
  version: 'v4.19',
  source: `${SRC_419Y}; unchanged by 93065ac753e4`,
  signature: 'static int invalidate_range_start_trampoline(struct ib_umem *item, u64 start, u64 end, void *cookie)',
  params: ['item', 'start', 'end', 'cookie'],
  body: [c('ib_umem_notifier_start_account(item);'), c('item->context->invalidate_range(item, start, end);'), c('return 0;')],
});

const endTrampoline: FnDef = fn({
  name: 'invalidate_range_end_trampoline',
  file: FILE,
  version: 'v4.19',
  source: `${SRC_419Y}; unchanged by 93065ac753e4`,
  signature: 'static int invalidate_range_end_trampoline(struct ib_umem *item, u64 start, u64 end, void *cookie)',
  params: ['item', 'start', 'end', 'cookie'],
  body: [c('ib_umem_notifier_end_account(item);'), c('return 0;')],
});

/** rbt_ib_umem_for_each_in_range, before (no `blockable`) and after the patch. */
function forEachInRange(version: string, withBlockable: boolean): FnDef {
  return fn({
    name: 'rbt_ib_umem_for_each_in_range',
    file: FILE,
    version,
    source: withBlockable ? 'seed 001 diff, umem_odp.c (+ side); the same in index id 28343273484' : 'seed 001 diff, umem_odp.c (- side and context lines)',
    signature: withBlockable
      ? 'int rbt_ib_umem_for_each_in_range(struct rb_root_cached *root, u64 start, u64 last, umem_call_back cb, bool blockable, void *cookie)'
      : 'int rbt_ib_umem_for_each_in_range(struct rb_root_cached *root, u64 start, u64 last, umem_call_back cb, void *cookie)',
    params: withBlockable ? ['root', 'start', 'last', 'cb', 'blockable', 'cookie'] : ['root', 'start', 'last', 'cb', 'cookie'],
    body: [
      c('int ret_val = 0;'),
      c('struct umem_odp_node *node, *next;'),
      c('struct ib_umem_odp *umem;'),
      if_('unlikely(start == last)', [c('return ret_val;')]),
      forC('node = rbt_ib_umem_iter_first(root, start, last - 1)', 'node', 'node = next', [
        ...(withBlockable ? [if_('!blockable', [c('return -EAGAIN;')])] : []),
        c('next = rbt_ib_umem_iter_next(node, start, last - 1);'),
        c('umem = container_of(node, struct ib_umem_odp, interval_tree);'),
        c('ret_val = cb(umem->umem, start, last, cookie) || ret_val;'),
      ]),
      c('return ret_val;'),
    ],
  });
}

// ------------------------------------------------------------------------------------------------
// mlx5 (odp.c): the device side, unchanged by 93065ac753e4 but for mlx5_ib_free_implicit_mr's `true`.

const mlx5InvalidateRange: FnDef = fn({
  name: 'mlx5_ib_invalidate_range',
  file: MLX5,
  version: 'v4.19',
  source: `${SRC_MLX5}; two statements the parser cannot read run a stand-in (see the doc comment)`,
  signature: 'void mlx5_ib_invalidate_range(struct ib_umem *umem, unsigned long start, unsigned long end)',
  params: ['umem', 'start', 'end'],
  body: [
    c('struct mlx5_ib_mr *mr;'),
    cAs('const u64 umr_block_mask = (MLX5_UMR_MTT_ALIGNMENT / sizeof(struct mlx5_mtt)) - 1;', 'umr_block_mask = 7;'),
    c('u64 idx = 0, blk_start_idx = 0;'),
    c('int in_block = 0;'),
    c('u64 addr;'),
    if_('!umem || !umem->odp_data', [c('pr_err("invalidation called on NULL umem or non-ODP umem\\n");'), c('return;')]),
    c('mr = umem->odp_data->private;'),
    if_('!mr || !mr->ibmr.pd', [c('return;')]),
    c('start = max_t(u64, ib_umem_start(umem), start);'),
    c('end = min_t(u64, ib_umem_end(umem), end);'),
    forC('addr = start', 'addr < end', 'addr += BIT(umem->page_shift)', [
      c('idx = (addr - ib_umem_start(umem)) >> umem->page_shift;'),
      ifAs(
        'umem->odp_data->dma_list[idx] & (ODP_READ_ALLOWED_BIT | ODP_WRITE_ALLOWED_BIT)',
        'ib_umem_odp_dma_mapped(umem, idx)',
        [if_('!in_block', [c('blk_start_idx = idx;'), c('in_block = 1;')])],
        [
          c('u64 umr_offset = idx & umr_block_mask;'),
          if_('in_block && umr_offset == 0', [
            c('mlx5_ib_update_xlt(mr, blk_start_idx, idx - blk_start_idx, 0, MLX5_IB_UPD_XLT_ZAP | MLX5_IB_UPD_XLT_ATOMIC);'),
            c('in_block = 0;'),
          ]),
        ],
      ),
    ]),
    if_('in_block', [c('mlx5_ib_update_xlt(mr, blk_start_idx, idx - blk_start_idx + 1, 0, MLX5_IB_UPD_XLT_ZAP | MLX5_IB_UPD_XLT_ATOMIC);')]),
    c('ib_umem_odp_unmap_dma_pages(umem, start, end);'),
    if_('unlikely(!umem->npages && mr->parent && !umem->odp_data->dying)', [
      c('WRITE_ONCE(umem->odp_data->dying, 1);'),
      c('atomic_inc(&mr->parent->num_leaf_free);'),
      c('schedule_work(&umem->odp_data->work);'),
    ]),
  ],
});

const mrLeafFree: FnDef = fn({
  name: 'mr_leaf_free',
  file: MLX5,
  version: 'v4.19',
  source: `${SRC_MLX5}; unchanged by 93065ac753e4`,
  signature: 'static int mr_leaf_free(struct ib_umem *umem, u64 start, u64 end, void *cookie)',
  params: ['umem', 'start', 'end', 'cookie'],
  body: [
    c('struct mlx5_ib_mr *mr = umem->odp_data->private, *imr = cookie;'),
    if_('mr->parent != imr', [c('return 0;')]),
    c('ib_umem_odp_unmap_dma_pages(umem, ib_umem_start(umem), ib_umem_end(umem));'),
    if_('umem->odp_data->dying', [c('return 0;')]),
    c('WRITE_ONCE(umem->odp_data->dying, 1);'),
    c('atomic_inc(&imr->num_leaf_free);'),
    c('schedule_work(&umem->odp_data->work);'),
    c('return 0;'),
  ],
});

/** The leaf-free work (`INIT_WORK(&odp->work, mr_leaf_free_action)` in implicit_mr_get_data): a kworker runs it. */
const mrLeafFreeAction: FnDef = fn({
  name: 'mr_leaf_free_action',
  file: MLX5,
  version: 'v4.19',
  source: `${SRC_MLX5}; unchanged by 93065ac753e4`,
  signature: 'static void mr_leaf_free_action(struct work_struct *work)',
  params: ['work'],
  body: [
    c('struct ib_umem_odp *odp = container_of(work, struct ib_umem_odp, work);'),
    c('int idx = ib_umem_start(odp->umem) >> MLX5_IMR_MTT_SHIFT;'),
    c('struct mlx5_ib_mr *mr = odp->private, *imr = mr->parent;'),
    c('mr->parent = NULL;'),
    c('synchronize_srcu(&mr->dev->mr_srcu);'),
    c('ib_umem_release(odp->umem);'),
    if_('imr->live', [c('mlx5_ib_update_xlt(imr, idx, 1, 0, MLX5_IB_UPD_XLT_INDIRECT | MLX5_IB_UPD_XLT_ATOMIC);')]),
    c('mlx5_mr_cache_free(mr->dev, mr);'),
    if_('atomic_dec_and_test(&imr->num_leaf_free)', [c('wake_up(&imr->q_leaf_free);')]),
  ],
});

/** drivers/infiniband/core/umem.c: every umem of the model is an ODP umem, so only its first branch runs. */
const ibUmemRelease: FnDef = fn({
  name: 'ib_umem_release',
  file: 'drivers/infiniband/core/umem.c',
  version: 'v4.19',
  source:
    'drivers/infiniband/core/umem.c of a 4.x tree (index id 35690001; the same in index ids 9457604354, 18883327685), reduced to the ODP branch: every umem of the model is an ODP umem, and the branch returns; the pinned-memory path after it is left out',
  signature: 'void ib_umem_release(struct ib_umem *umem)',
  params: ['umem'],
  body: [if_('umem->odp_data', [c('ib_umem_odp_release(umem);'), c('return;')])],
});

/** umem_odp.c `ib_umem_odp_release()`, as the leaf-free work calls it: `umem_rwsem` for write, the leaf out of the tree. */
const ibUmemOdpRelease: FnDef = fn({
  name: 'ib_umem_odp_release',
  file: FILE,
  version: 'v4.19',
  source: `${SRC_419Y}; unchanged by 93065ac753e4; \`mmu_notifier_unregister(&context->mn, ...)\` runs with the context itself (the model names a notifier and its embedded struct mmu_notifier alike)`,
  signature: 'void ib_umem_odp_release(struct ib_umem *umem)',
  params: ['umem'],
  body: [
    c('struct ib_ucontext *context = umem->context;'),
    c('ib_umem_odp_unmap_dma_pages(umem, ib_umem_start(umem), ib_umem_end(umem));'),
    c('down_write(&context->umem_rwsem);'),
    if_('likely(ib_umem_start(umem) != ib_umem_end(umem))', [c('rbt_ib_umem_remove(&umem->odp_data->interval_tree, &context->umem_tree);')]),
    c('context->odp_mrs_count--;'),
    if_('!umem->odp_data->mn_counters_active', [c('list_del(&umem->odp_data->no_private_counters);'), c('complete_all(&umem->odp_data->notifier_completion);')]),
    c('downgrade_write(&context->umem_rwsem);'),
    if_('!context->odp_mrs_count', [
      c('struct task_struct *owning_process = NULL;'),
      c('struct mm_struct *owning_mm = NULL;'),
      c('owning_process = get_pid_task(context->tgid, PIDTYPE_PID);'),
      if_('owning_process == NULL', [c('goto out;')]),
      c('owning_mm = get_task_mm(owning_process);'),
      if_('owning_mm == NULL', [c('goto out_put_task;')]),
      cAs('mmu_notifier_unregister(&context->mn, owning_mm);', 'mmu_notifier_unregister(context, owning_mm);'),
      c('mmput(owning_mm);'),
      label('out_put_task'),
      c('put_task_struct(owning_process);'),
    ]),
    label('out'),
    c('up_read(&context->umem_rwsem);'),
    c('vfree(umem->odp_data->dma_list);'),
    c('vfree(umem->odp_data->page_list);'),
    c('kfree(umem->odp_data);'),
    c('kfree(umem);'),
  ],
});

function freeImplicitMr(version: string, withBlockable: boolean): FnDef {
  return fn({
    name: 'mlx5_ib_free_implicit_mr',
    file: MLX5,
    version,
    source: withBlockable ? `seed 001 diff, mlx5/odp.c (+ side); ${SRC_MLX5}` : 'seed 001 diff, mlx5/odp.c (- side and context lines)',
    signature: 'void mlx5_ib_free_implicit_mr(struct mlx5_ib_mr *imr)',
    params: ['imr'],
    body: [
      c('struct ib_ucontext *ctx = imr->ibmr.pd->uobject->context;'),
      c('down_read(&ctx->umem_rwsem);'),
      withBlockable
        ? c('rbt_ib_umem_for_each_in_range(&ctx->umem_tree, 0, ULLONG_MAX, mr_leaf_free, true, imr);')
        : c('rbt_ib_umem_for_each_in_range(&ctx->umem_tree, 0, ULLONG_MAX, mr_leaf_free, imr);'),
      c('up_read(&ctx->umem_rwsem);'),
      c('wait_event(imr->q_leaf_free, !atomic_read(&imr->num_leaf_free));'),
    ],
  });
}

const notifierRetry: FnDef = fn({
  name: 'ib_umem_mmu_notifier_retry',
  file: HDR,
  version: 'v4.19',
  source: 'index id 28183315650 (4.19.y include/rdma/ib_umem_odp.h, HEAD side) [4.19.y]; ../shared/kernel/README.md §6',
  signature: 'static inline int ib_umem_mmu_notifier_retry(struct ib_umem *item, unsigned long mmu_seq)',
  params: ['item', 'mmu_seq'],
  body: [
    if_('!item->odp_data->mn_counters_active', [c('return 1;')]),
    if_('unlikely(item->odp_data->notifiers_count)', [c('return 1;')]),
    if_('item->odp_data->notifiers_seq != mmu_seq', [c('return 1;')]),
    c('return 0;'),
  ],
});

const pagefaultMr: FnDef = fn({
  name: 'pagefault_mr',
  file: MLX5,
  version: 'v4.19',
  source: `${SRC_MLX5}; one leaf, one page: the implicit-MR lookup, the next-leaf continuation and bytes_mapped left out`,
  signature: 'static int pagefault_mr(struct mlx5_ib_dev *dev, struct mlx5_ib_mr *mr, u64 io_virt, size_t bcnt, u32 *bytes_mapped)',
  params: ['dev', 'mr', 'io_virt', 'bcnt', 'bytes_mapped'],
  body: [
    c('u64 access_mask = ODP_READ_ALLOWED_BIT;'),
    c('int npages = 0, page_shift, np;'),
    c('u64 start_idx, page_mask;'),
    c('int current_seq;'),
    c('odp = mr->umem->odp_data;'),
    c('size = min_t(size_t, bcnt, ib_umem_end(odp->umem) - io_virt);'),
    c('page_shift = mr->umem->page_shift;'),
    c('current_seq = READ_ONCE(odp->notifiers_seq);'),
    c('smp_rmb();'),
    c('ret = ib_umem_odp_map_dma_pages(mr->umem, io_virt, size, access_mask, current_seq);'),
    if_('ret < 0', [c('goto out;')]),
    c('np = ret;'),
    c('mutex_lock(&odp->umem_mutex);'),
    if_(
      '!ib_umem_mmu_notifier_retry(mr->umem, current_seq)',
      [c('ret = mlx5_ib_update_xlt(mr, start_idx, np, page_shift, MLX5_IB_UPD_XLT_ATOMIC);')],
      else_([c('ret = -EAGAIN;')]),
    ),
    c('mutex_unlock(&odp->umem_mutex);'),
    if_('ret < 0', [if_('ret != -EAGAIN', [c('mlx5_ib_err(dev, "Failed to update mkey page tables\\n");')]), c('goto out;')]),
    c('npages += np << (page_shift - PAGE_SHIFT);'),
    c('bcnt -= size;'),
    c('return npages;'),
    label('out'),
    if_('ret == -EAGAIN', [
      if_(
        'mr->parent || !odp->dying',
        [
          c('unsigned long timeout = msecs_to_jiffies(MMU_NOTIFIER_TIMEOUT);'),
          if_('!wait_for_completion_timeout(&odp->notifier_completion, timeout)', [
            c('mlx5_ib_warn(dev, "timeout waiting for mmu notifier. seq %d against %d\\n", current_seq, odp->notifiers_seq);'),
          ]),
        ],
        else_([c('ret = -EFAULT;')]),
      ),
    ]),
    c('return ret;'),
  ],
});

// ------------------------------------------------------------------------------------------------
// The callbacks.

/**
 * The release walk's callback: counts the umem's notifiers up for good ("to prevent any further fault
 * handling on this MR"), marks it dying and invalidates it whole. The ghost `release_raised` records
 * whether the count went up (only with private counters), for pairing's balance check.
 */
const releaseTrampoline: FnDef = fn({
  name: 'ib_umem_notifier_release_trampoline',
  file: FILE,
  version: 'v4.19',
  source: `${SRC_419Y}; unchanged by 93065ac753e4`,
  signature: 'static int ib_umem_notifier_release_trampoline(struct ib_umem *item, u64 start, u64 end, void *cookie)',
  params: ['item', 'start', 'end', 'cookie'],
  body: [
    c('ib_umem_notifier_start_account(item);'),
    cg('item->odp_data->dying = 1;', undefined, 'item->odp_data->release_raised = item->odp_data->mn_counters_active'),
    c('smp_wmb();'),
    c('complete_all(&item->odp_data->notifier_completion);'),
    c('item->context->invalidate_range(item, ib_umem_start(item), ib_umem_end(item));'),
    c('return 0;'),
  ],
});

/** `ib_umem_notifier_release()`: the patch only adds the walk's `true` argument. */
function releaseFn(version: string, withBlockable: boolean): FnDef {
  return fn({
    name: 'ib_umem_notifier_release',
    file: FILE,
    version,
    source: withBlockable ? `seed 001 diff, umem_odp.c (+ side); ${SRC_419Y}` : 'seed 001 diff, umem_odp.c (- side and context lines)',
    signature: 'static void ib_umem_notifier_release(struct mmu_notifier *mn, struct mm_struct *mm)',
    params: ['mn', 'mm'],
    body: [
      c('struct ib_ucontext *context = container_of(mn, struct ib_ucontext, mn);'),
      if_('!context->invalidate_range', [c('return;')]),
      c('ib_ucontext_notifier_start_account(context);'),
      cg('down_read(&context->umem_rwsem);', undefined, 'context->release_raised = 1'),
      withBlockable
        ? c('rbt_ib_umem_for_each_in_range(&context->umem_tree, 0, ULLONG_MAX, ib_umem_notifier_release_trampoline, true, NULL);')
        : c('rbt_ib_umem_for_each_in_range(&context->umem_tree, 0, ULLONG_MAX, ib_umem_notifier_release_trampoline, NULL);'),
      c('up_read(&context->umem_rwsem);'),
    ],
  });
}

const startV418: FnDef = fn({
  name: 'ib_umem_notifier_invalidate_range_start',
  file: FILE,
  version: 'v4.18',
  source: 'seed 001 diff, umem_odp.c (- side)',
  signature: 'static void ib_umem_notifier_invalidate_range_start(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start, unsigned long end)',
  params: ['mn', 'mm', 'start', 'end'],
  body: [
    c('struct ib_ucontext *context = container_of(mn, struct ib_ucontext, mn);'),
    if_('!context->invalidate_range', [c('return;')]),
    c('ib_ucontext_notifier_start_account(context);'),
    c('down_read(&context->umem_rwsem);'),
    c('rbt_ib_umem_for_each_in_range(&context->umem_tree, start, end, invalidate_range_start_trampoline, NULL);'),
    c('up_read(&context->umem_rwsem);'),
  ],
});

const startV419: FnDef = fn({
  name: 'ib_umem_notifier_invalidate_range_start',
  file: FILE,
  version: '93065ac753e4',
  source: 'seed 001 diff, umem_odp.c (+ side); the same in index id 28343273484',
  signature: 'static int ib_umem_notifier_invalidate_range_start(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start, unsigned long end, bool blockable)',
  params: ['mn', 'mm', 'start', 'end', 'blockable'],
  body: [
    c('struct ib_ucontext *context = container_of(mn, struct ib_ucontext, mn);'),
    c('int ret;'),
    if_('!context->invalidate_range', [c('return 0;')]),
    if_('blockable', [c('down_read(&context->umem_rwsem);')], elif('!down_read_trylock(&context->umem_rwsem)', [c('return -EAGAIN;')])),
    c('ib_ucontext_notifier_start_account(context);'),
    c('ret = rbt_ib_umem_for_each_in_range(&context->umem_tree, start, end, invalidate_range_start_trampoline, blockable, NULL);'),
    c('up_read(&context->umem_rwsem);'),
    c('return ret;'),
  ],
});

function endFn(version: string, withBlockable: boolean): FnDef {
  return fn({
    name: 'ib_umem_notifier_invalidate_range_end',
    file: FILE,
    version,
    source: withBlockable ? 'seed 001 diff, umem_odp.c (+ side; its TODO comment left out)' : 'seed 001 diff, umem_odp.c (- side and context lines)',
    signature: 'static void ib_umem_notifier_invalidate_range_end(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start, unsigned long end)',
    params: ['mn', 'mm', 'start', 'end'],
    body: [
      c('struct ib_ucontext *context = container_of(mn, struct ib_ucontext, mn);'),
      if_('!context->invalidate_range', [c('return;')]),
      c('down_read(&context->umem_rwsem);'),
      withBlockable
        ? c('rbt_ib_umem_for_each_in_range(&context->umem_tree, start, end, invalidate_range_end_trampoline, true, NULL);')
        : c('rbt_ib_umem_for_each_in_range(&context->umem_tree, start, end, invalidate_range_end_trampoline, NULL);'),
      c('up_read(&context->umem_rwsem);'),
      c('ib_ucontext_notifier_end_account(context);'),
    ],
  });
}

// ------------------------------------------------------------------------------------------------
// State, threads, variants.

function instance(id: string, objects: readonly ObjectRange[]): InstanceState {
  // odp_mrs_count: every leaf umem and the implicit MR's own umem (ib_umem_get(ctx, 0, 0, ...), not in the tree).
  const mem: Record<string, Value> = {
    [`${id}.notifier_count`]: 0,
    [`${id}.imr.num_leaf_free`]: 0,
    [`${id}.odp_mrs_count`]: objects.length + 1,
    [`${id}.release_raised`]: 0,
    ...mappedMem(id, objects),
  };
  const statics: Record<string, Value | readonly Value[]> = {
    ...objectStatics(id, objects, 'umem_tree'),
    [`${id}.invalidate_range`]: 'mlx5_ib_invalidate_range',
    [`${id}.no_private_counters`]: [],
    [`${id}.imr.ibmr.pd`]: `${id}.pd`,
    [`${id}.pd.uobject`]: `${id}.uobj`,
    [`${id}.uobj.context`]: id,
    [`${id}.imr.live`]: 1,
  };
  const locks: Record<string, 'mutex' | 'rwsem' | 'spin'> = { [`${id}.umem_rwsem`]: 'rwsem' };
  const balanced = [`${id}.notifier_count`, `${id}.imr.num_leaf_free`];
  const balancedOffsets: Record<string, string> = { [`${id}.notifier_count`]: `${id}.release_raised` };
  objects.forEach((ob, i) => {
    const o = `${id}.obj${i}`;
    const pages = ob.end - ob.start;
    Object.assign(mem, {
      // Every page of the umem is DMA-mapped at the start (its MTTs map it: `mapped`).
      [`${o}.dma_list`]: 2 ** pages - 1,
      [`${o}.npages`]: pages,
      [`${o}.in_tree`]: 1,
      [`${o}.dying`]: 0,
      [`${o}.notifiers_count`]: 0,
      [`${o}.notifiers_seq`]: 0,
      [`${o}.mn_counters_active`]: 1,
      [`${o}.notifier_completion.done`]: 0,
      [`${o}.release_raised`]: 0,
      [`${o}.mr.parent`]: `${id}.imr`,
    });
    Object.assign(statics, {
      [`${o}.odp_data`]: o,
      [`${o}.umem`]: o,
      [`${o}.context`]: id,
      [`${o}.page_shift`]: 0,
      [`${o}.private`]: `${o}.mr`,
      [`${o}.mr.ibmr.pd`]: `${id}.pd`,
      [`${o}.mr.umem`]: o,
    });
    locks[`${o}.umem_mutex`] = 'mutex';
    balanced.push(`${o}.notifiers_count`);
    balancedOffsets[`${o}.notifiers_count`] = `${o}.release_raised`;
  });
  return { mem, locks, statics, balanced, balancedOffsets };
}

const MLX5_FNS = [mlx5InvalidateRange, mrLeafFree, mrLeafFreeAction, ibUmemRelease, ibUmemOdpRelease];

/** Each leaf's free work (`odp->work`, bound to mr_leaf_free_action by implicit_mr_get_data). */
function works(id: string, objects: readonly ObjectRange[]): WorkDef[] {
  return objects.map((_, i) => ({ work: `${id}.obj${i}.work`, func: 'mr_leaf_free_action', queuedBy: ['mr_leaf_free', 'mlx5_ib_invalidate_range'] }));
}

function threads(freeImplicit: FnDef): Record<string, DriverThreadDef> {
  return {
    free_implicit_mr: {
      description: 'mlx5_ib_dereg_mr of the implicit MR: mlx5_ib_free_implicit_mr(imr) frees every leaf (mr_leaf_free) under umem_rwsem for read, then waits until the leaf-free work has run.',
      fns: [freeImplicit],
      entry: 'mlx5_ib_free_implicit_mr',
      args: (nid) => [`${nid}.imr`],
      params: {},
    },
    pagefault: {
      description: 'An HCA page fault on one page of one leaf (mlx5 pagefault_mr): maps the page, then writes the MTTs under umem_mutex only if ib_umem_mmu_notifier_retry() allows it, else waits (with a timeout) for the notifiers.',
      fns: [notifierRetry, pagefaultMr],
      entry: 'pagefault_mr',
      params: { leaf: 'index of the object (leaf umem) that faults', address: 'the faulting page (inside the leaf)' },
      args: (nid, p, ctx) => {
        const leaf = p['leaf'] ?? 0;
        const address = p['address'];
        const o = `${nid}.obj${String(leaf)}`;
        if (typeof leaf !== 'number' || typeof ctx.statics[`${o}.start`] !== 'number') throw ctx.error('leaf', `expected the index of one of ${nid}'s objects`);
        const start = ctx.statics[`${o}.start`] as number;
        const last = ctx.statics[`${o}.last`] as number;
        if (typeof address !== 'number' || !Number.isInteger(address) || address < start || address > last) throw ctx.error('address', `expected a page of ${o}, [${start}, ${last + 1})`);
        return [`${nid}.dev`, `${o}.mr`, address, 1, null];
      },
    },
  };
}

const COMMON_FNS = [umemStartAccount, umemEndAccount, ctxStartAccount, ctxEndAccount, startTrampoline, endTrampoline, releaseTrampoline];
const OPS = {
  release: 'ib_umem_notifier_release',
  invalidate_range_start: 'ib_umem_notifier_invalidate_range_start',
  invalidate_range_end: 'ib_umem_notifier_invalidate_range_end',
} as const;

const v418: VariantDef = {
  description: 'Before 93065ac753e4 (seed 001 diff, - side): void start; notifier_count counted up before down_read(&context->umem_rwsem); the range walk has no blockable argument.',
  version: 'v4.18',
  api: 'v4.18',
  flags: 0,
  ops: OPS,
  primitives: UMEM_ODP_PRIMITIVES,
  instance,
  constants: CONSTANTS,
  fns: [...COMMON_FNS, forEachInRange('v4.18', false), releaseFn('v4.18', false), startV418, endFn('v4.18', false), ...MLX5_FNS],
  threads: threads(freeImplicitMr('v4.18', false)),
  works,
  globals: ['PIDTYPE_PID'],
};

const v93065: VariantDef = {
  description: 'The patch (seed 001 diff, + side): down_read_trylock when !blockable; start_account after the lock; the range walk returns -EAGAIN at the first umem in range when !blockable, after notifier_count was counted up.',
  version: '93065ac753e4',
  api: 'v4.19',
  flags: 0,
  ops: OPS,
  primitives: UMEM_ODP_PRIMITIVES,
  instance,
  constants: CONSTANTS,
  fns: [...COMMON_FNS, forEachInRange('93065ac753e4', true), releaseFn('93065ac753e4', true), startV419, endFn('93065ac753e4', true), ...MLX5_FNS],
  threads: threads(freeImplicitMr('93065ac753e4', true)),
  works,
  globals: ['PIDTYPE_PID'],
};

export const UMEM_ODP: DriverDef = {
  name: 'umem_odp',
  description: 'RDMA ODP umem notifier (drivers/infiniband/core/umem_odp.c) with mlx5 as the device (drivers/infiniband/hw/mlx5/odp.c)',
  variants: { 'v4.18': v418, '93065ac753e4': v93065 },
  defaultVariant: { 'v4.18': 'v4.18', 'v4.19': '93065ac753e4' },
};
