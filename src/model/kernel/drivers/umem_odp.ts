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
 *   `obj.mn_counters_active`, `obj.notifier_completion.done`, lock `obj.umem_mutex`. Per context:
 *   `id.notifier_count` (atomic_t, balanced), rw_semaphore `id.umem_rwsem`. The configured umems
 *   were registered while no notifier ran (`mn_counters_active` 1). `context->no_private_counters` is
 *   state: a flag per umem, `obj.on_no_private_counters` (its list_head linked on the context's
 *   list); `list_add`, `list_del`, `list_empty` and `list_for_each_entry_safe` on that list keep
 *   their C text and run stand-ins that set, clear and read the flags (the walk goes in address
 *   order; list_add inserts at the head, and each umem's activation is the same whatever the
 *   order). A scenario cannot start with a umem on the list: with no notifier counted at the start,
 *   that state exists only between an end's zero crossing and its activation walk, or after the
 *   race the tests show; the thread `umem_odp:register` puts one there.
 * - **Registration** (thread `register`): ibv_reg_mr(IBV_ACCESS_ON_DEMAND) of an explicit ODP MR:
 *   mlx5's `mlx5_ib_reg_user_mr` (4.18/4.19-era mr.c, index id 44446039129) reduced to the MR-cache
 *   path, `ib_umem_get`'s ODP branch (umem.c), `ib_umem_odp_get` (umem_odp.c, 4.19.y index id
 *   28343273484: `down_write(&context->umem_rwsem)`, `odp_mrs_count++`, `rbt_ib_umem_insert`,
 *   private counters iff `!atomic_read(&context->notifier_count) || odp_mrs_count == 1`, else
 *   `list_add` to `no_private_counters`, `downgrade_write`, `up_read`), then `update_odp_mr`
 *   (`odp_data->private = mr`) and `mr->live = 1`. The umem is pre-allocated (as munmap's VMAs are):
 *   a new object `id.objN` after the existing ones, out of the tree, its MR (`objN.mr`) an explicit
 *   MR without a parent, `private` NULL and not live until the registration sets them. Its three
 *   allocations (odp_data, page_list, dma_list) and ib_umem_get's go through the model's allocator.
 *   The first-MR branch (`odp_mrs_count == 1`: mmu_notifier_register) is never taken: the context's
 *   notifier is in the scenario from the start and the implicit MR's umem is always its first.
 *   The registration of a leaf by mlx5's `implicit_mr_get_data` -> `ib_alloc_odp_umem` (the same
 *   no_private_counters decision, without the first-MR clause) is not modelled.
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
 *   which a kworker of the scenario runs (src/model/kernel/core/workqueue.ts): `mr_leaf_free_action` (mlx5
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
 * - **Page fault** (thread `pagefault`): mlx5's `pagefault_single_data_segment` reduced to one MR key
 *   (a fault on an MR that is not live fails with -EFAULT: a registration not finished yet), then
 *   `pagefault_mr` for one umem (a leaf, or a registered MR) and one page, without the implicit-MR
 *   lookup (`implicit_mr_get_data`), the multi-leaf continuation and `bytes_mapped`.
 *   `ib_umem_odp_map_dma_pages` is one step: it waits while `mm->mmap_sem` is write-held or has a
 *   queued task and while `umem_mutex` is held, then fails with -EFAULT if the page's VMA has been
 *   unmapped, returns -EAGAIN if `ib_umem_mmu_notifier_retry()` says so (the check
 *   `ib_umem_odp_map_dma_single_page` makes), or DMA-maps the page (`npages = 1`) and returns 1.
 *   `wait_for_completion_timeout` never waits forever (its timeout).
 */
import { umemOdpV66 } from './umem_odp66.ts';
import type { DriverDef, DriverThreadDef, InstanceState, ObjectRange, ThreadBuildContext, VariantDef, WorkDef } from '../driver.ts';
import { mappedMem, objectStatics } from '../driver.ts';
import { variantByPatch } from '../by-patch.ts';
import { byHelperSpatch, byRangeArguments } from './range-api.ts';
import { c, cg, else_, fn, if_, label, type FnDef } from '../../lang/ir.ts';
import { readMustWait } from '../../lang/locks.ts';
import { num, ref, SLEEPS, type Primitive } from '../../lang/primitives.ts';
import { MAX_PAGE, type Value } from '../../lang/state.ts';
import { COMMON_PRIMITIVES, forC } from './notifier-users-common.ts';
import { cAs, foreachAs, ifAs } from './drm_common.ts';

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
const IB_ACCESS_LOCAL_WRITE = 1;
const IB_ACCESS_ON_DEMAND = 1 << 6;
const CONSTANTS: Record<string, Value> = {
  MLX5_IB_UPD_XLT_ZAP,
  MLX5_IB_UPD_XLT_ATOMIC: 1 << 2,
  MLX5_IB_UPD_XLT_INDIRECT,
  ODP_READ_ALLOWED_BIT: 1 << 0,
  ODP_WRITE_ALLOWED_BIT: 1 << 1,
  MLX5_IB_UPD_XLT_ENABLE: 1 << 1,
  // include/rdma/ib_verbs.h enum ib_access_flags (4.17-4.19, index id 43426284266).
  IB_ACCESS_LOCAL_WRITE,
  IB_ACCESS_ON_DEMAND,
  IB_ACCESS_HUGETLB: 1 << 7,
  EBUSY: 16,
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

/** The umem of a `&umem->odp_data->no_private_counters` list node. */
function npcUmem(node: string): string {
  if (!node.endsWith('.no_private_counters')) throw new Error(`not a no_private_counters node: ${node}`);
  return node.slice(0, -'.no_private_counters'.length);
}

/** The umems of the context whose `&context->no_private_counters` is `head`, on that list, in address order. */
function npcList(ctx: Parameters<Primitive['run']>[0], head: string): Value[] {
  const tree = `${npcUmem(head)}.umem_tree`;
  return umemsOf(ctx, tree).filter((u) => ctx.read(`${String(u)}.on_no_private_counters`));
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
      return l.kind === 'mutex' && l.owner !== -1 ? (ctx.explains ? { why: `ib_umem_odp_unmap_dma_pages(): mutex_lock(&${k}): held by ${ctx.threadName(l.owner)}`, sleeping: true } : SLEEPS) : null;
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
  rbt_ib_umem_insert: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'in_tree', mode: 'w' }],
    doc: 'rbt_ib_umem_insert(&umem->odp_data->interval_tree, &context->umem_tree): puts the umem into the context\'s interval tree (`obj.in_tree = 1`); later walks visit it (ib_umem_odp_get, under umem_rwsem for write).',
    run(ctx, [node]) {
      ctx.write(`${ref(node, 'rbt_ib_umem_insert').replace(/\.interval_tree$/, '')}.in_tree`, 1);
      return 0;
    },
  },
  no_private_counters_add: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'on_no_private_counters', mode: 'w' }],
    doc: 'Stands for `list_add(&umem->odp_data->no_private_counters, &context->no_private_counters)` (ib_umem_odp_get): the umem joins the context\'s list of umems without private counters (`obj.on_no_private_counters = 1`).',
    run(ctx, [l]) {
      ctx.write(`${npcUmem(ref(l, 'no_private_counters_add'))}.on_no_private_counters`, 1);
      return 0;
    },
  },
  no_private_counters_del: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'on_no_private_counters', mode: 'w' }],
    doc: 'Stands for `list_del(&odp_data->no_private_counters)` (ib_ucontext_notifier_end_account, ib_umem_odp_release): the umem leaves the context\'s list (`obj.on_no_private_counters = 0`).',
    run(ctx, [l]) {
      ctx.write(`${npcUmem(ref(l, 'no_private_counters_del'))}.on_no_private_counters`, 0);
      return 0;
    },
  },
  no_private_counters_empty: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'on_no_private_counters', mode: 'r' }],
    doc: 'Stands for `list_empty(&context->no_private_counters)`: whether no umem of the context is on the list.',
    run: (ctx, [l]) => (npcList(ctx, ref(l, 'no_private_counters_empty')).length === 0 ? 1 : 0),
  },
  no_private_counters_walk: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'on_no_private_counters', mode: 'r' }],
    doc: 'Stands for `list_for_each_entry_safe(odp_data, next, &context->no_private_counters, no_private_counters)`: the umems on the context\'s list, in address order (list_add inserts at the head; the activation of each is the same whatever the order). Safe against the body\'s list_del: the next entry is the next umem after the current one still on the list.',
    run: (ctx, [l]) => npcList(ctx, ref(l, 'no_private_counters_walk')),
    iterate(ctx, [l], pos) {
      const on = npcList(ctx, ref(l, 'no_private_counters_walk'));
      if (pos === undefined) return on[0] ?? null;
      const all = umemsOf(ctx, `${ref(l, 'no_private_counters_walk').replace(/\.no_private_counters$/, '')}.umem_tree`);
      return on.find((u) => all.indexOf(u) > all.indexOf(pos)) ?? null;
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
      return l.kind === 'mutex' && l.owner !== -1 ? (ctx.explains ? { why: `ib_umem_odp_map_dma_pages(): mutex_lock(&${umem}.umem_mutex): held by ${ctx.threadName(l.owner)}`, sleeping: true } : SLEEPS) : null;
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
  ib_umem_num_pages: {
    shared: false,
    sleeps: false,
    doc: 'ib_umem_num_pages(umem): (ib_umem_end(umem) - ib_umem_start(umem)) >> PAGE_SHIFT: the umem\'s number of pages (static).',
    run: (ctx, [u]) => umemEnd(ctx, ref(u, 'ib_umem_num_pages')) - umemStart(ctx, ref(u, 'ib_umem_num_pages')),
  },
  ib_umem_prealloc: {
    shared: false,
    sleeps: false,
    doc: "model stand-in for the object ib_umem_get()'s kzalloc(sizeof *umem, GFP_KERNEL) returned, called as ib_umem_prealloc(current) once the allocation succeeded (src/model/kernel/core/page_alloc.ts decides that): the umem the scenario pre-allocated for this umem_odp:register thread (its `start`/`len`), a new object of the notifier that no walk visits until ib_umem_odp_get() puts it in the tree.",
    run(ctx) {
      const u = ctx.stat(`${ctx.task}.odp_umem`);
      if (typeof u !== 'string') throw new Error(`ib_umem_prealloc: ${ctx.task} is not a umem_odp:register thread`);
      return u;
    },
  },
  get_task_pid: {
    shared: false,
    sleeps: false,
    doc: 'get_task_pid(current->group_leader, PIDTYPE_PID): the pid of the scenario\'s process, whose threads all belong to the one thread group that opened the context (context->tgid, static).',
    run: () => 'victim.pid',
  },
  put_pid: { shared: false, sleeps: false, doc: 'put_pid(pid): drops a pid reference (not modelled).', run: () => 0 },
  rcu_read_lock: { shared: false, sleeps: false, doc: 'rcu_read_lock() around get_task_pid() in ib_umem_odp_get(): nothing the model tracks (the notifier core\'s SRCU is srcu_read_lock).', run: () => 0 },
  rcu_read_unlock: { shared: false, sleeps: false, doc: 'rcu_read_unlock(): see rcu_read_lock.', run: () => 0 },
  lockdep_off: { shared: false, sleeps: false, doc: 'lockdep_off(): lock validation off (not modelled).', run: () => 0 },
  lockdep_on: { shared: false, sleeps: false, doc: 'lockdep_on(): lock validation on (not modelled).', run: () => 0 },
  mmu_notifier_register: {
    shared: false,
    sleeps: true,
    doc: "mmu_notifier_register(&context->mn, mm), as ib_umem_odp_get() calls it for the context's first ODP MR (context->odp_mrs_count == 1). Never reached in a scenario: the context's notifier is registered before the scenario starts (it is in the scenario's notifier list) and the implicit MR's own umem is always its first ODP MR, so odp_mrs_count is at least 2 after a registration's increment. Reaching it is a model error.",
    run() {
      throw new Error('mmu_notifier_register reached from ib_umem_odp_get: the context would be registering its notifier, which a scenario starts with (a model error)');
    },
  },
  alloc_mr_from_cache: {
    shared: false,
    sleeps: true,
    doc: "alloc_mr_from_cache(pd, umem, virt_addr, length, ncont, page_shift, order, access_flags) (mlx5 mr.c): takes a pre-created mkey from mlx5's MR cache (alloc_cached_mr, or add_keys with a GFP_KERNEL allocation when the cache is empty: may sleep) and points it at the umem: the MR the scenario pre-allocated for the registered umem (`obj.mr`). The cache always has one in the model (its -EAGAIN, and reg_create's slow path under slow_path_mutex that follows it, are not modelled).",
    run: (_ctx, [, u]) => `${ref(u, 'alloc_mr_from_cache')}.mr`,
  },
  mlx5_ib_dbg: { shared: false, sleeps: false, doc: 'mlx5_ib_dbg(dev, ...): debug printk.', run: () => 0 },
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
    ifAs('zero_notifiers && !list_empty(&context->no_private_counters)', 'zero_notifiers && !no_private_counters_empty(&context->no_private_counters)', [
      c('struct ib_umem_odp *odp_data, *next;'),
      c('down_write(&context->umem_rwsem);'),
      if_('!atomic_read(&context->notifier_count)', [
        foreachAs('list_for_each_entry_safe(odp_data, next, &context->no_private_counters, no_private_counters)', 'odp_data', 'no_private_counters_walk(&context->no_private_counters)', [
          c('mutex_lock(&odp_data->umem_mutex);'),
          c('odp_data->mn_counters_active = true;'),
          cAs('list_del(&odp_data->no_private_counters);', 'no_private_counters_del(&odp_data->no_private_counters)'),
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

/** rbt_ib_umem_for_each_in_range before the patch (no `blockable`); the patch adds it (by-patch.ts). */
function forEachInRange(version: string): FnDef {
  return fn({
    name: 'rbt_ib_umem_for_each_in_range',
    file: FILE,
    version,
    source: 'seed 001 diff, umem_odp.c (- side and context lines)',
    signature: 'int rbt_ib_umem_for_each_in_range(struct rb_root_cached *root, u64 start, u64 last, umem_call_back cb, void *cookie)',
    params: ['root', 'start', 'last', 'cb', 'cookie'],
    body: [
      c('int ret_val = 0;'),
      c('struct umem_odp_node *node, *next;'),
      c('struct ib_umem_odp *umem;'),
      if_('unlikely(start == last)', [c('return ret_val;')]),
      forC('node = rbt_ib_umem_iter_first(root, start, last - 1)', 'node', 'node = next', [
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
    if_('!umem->odp_data->mn_counters_active', [
      cAs('list_del(&umem->odp_data->no_private_counters);', 'no_private_counters_del(&umem->odp_data->no_private_counters)'),
      c('complete_all(&umem->odp_data->notifier_completion);'),
    ]),
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

function freeImplicitMr(version: string): FnDef {
  return fn({
    name: 'mlx5_ib_free_implicit_mr',
    file: MLX5,
    version,
    source: 'seed 001 diff, mlx5/odp.c (- side and context lines)',
    signature: 'void mlx5_ib_free_implicit_mr(struct mlx5_ib_mr *imr)',
    params: ['imr'],
    body: [
      c('struct ib_ucontext *ctx = imr->ibmr.pd->uobject->context;'),
      c('down_read(&ctx->umem_rwsem);'),
      c('rbt_ib_umem_for_each_in_range(&ctx->umem_tree, 0, ULLONG_MAX, mr_leaf_free, imr);'),
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

/**
 * mlx5's page-fault handler for one data segment (`pagefault_single_data_segment`), reduced to an MR
 * key: the mkey lookup gives the MR the WQE names, a dead MR (`!mr->live`, an MR whose registration has
 * not finished or that is being deregistered) fails the fault with -EFAULT, a live one is handled by
 * pagefault_mr.
 */
const pagefaultSingleDataSegment: FnDef = fn({
  name: 'pagefault_single_data_segment',
  file: MLX5,
  version: 'v4.19',
  source: `${SRC_MLX5}; reduced to one MR key: srcu_read_lock/unlock(&dev->mr_srcu) left out (mlx5's SRCU is not tracked), bytes_committed 0, the memory-window case (MLX5_MKEY_MW and its frames) and the wrong-type default left out; __mlx5_mr_lookup() runs a stand-in (the MR whose key the faulting WQE names)`,
  signature: 'static int pagefault_single_data_segment(struct mlx5_ib_dev *dev, u32 key, u64 io_virt, size_t bcnt, u32 *bytes_committed, u32 *bytes_mapped)',
  params: ['dev', 'key', 'io_virt', 'bcnt', 'bytes_committed', 'bytes_mapped'],
  body: [
    c('int npages = 0, ret;'),
    c('struct mlx5_ib_mr *mr;'),
    cAs('mmkey = __mlx5_mr_lookup(dev->mdev, mlx5_base_mkey(key));', 'mmkey = key'),
    c('mr = container_of(mmkey, struct mlx5_ib_mr, mmkey);'),
    if_('!mr->live || !mr->ibmr.pd', [c('mlx5_ib_dbg(dev, "got dead MR\\n");'), c('ret = -EFAULT;'), c('goto srcu_unlock;')]),
    c('ret = pagefault_mr(dev, mr, io_virt, bcnt, bytes_mapped);'),
    if_('ret < 0', [c('goto srcu_unlock;')]),
    c('npages += ret;'),
    c('ret = 0;'),
    label('srcu_unlock'),
    c('return ret ? ret : npages;'),
  ],
});

// ------------------------------------------------------------------------------------------------
// Registration of an explicit ODP MR: ibv_reg_mr(IBV_ACCESS_ON_DEMAND) -> ib_uverbs_reg_mr ->
// mlx5_ib_reg_user_mr -> mr_umem_get -> ib_umem_get -> ib_umem_odp_get.

const SRC_MR = 'the 4.18/4.19-era drivers/infiniband/hw/mlx5/mr.c mlx5_ib_reg_user_mr() of index id 44446039129 (with populate_mtts and umr_can_modify_entity_size(); the pre-image of the 2019 4.19.y stable backport of index id 36966433951) [recon]';

/** umem_odp.c `ib_umem_odp_get()`: the new umem into the tree, with private counters only if no notifier is counted. */
const ibUmemOdpGet: FnDef = fn({
  name: 'ib_umem_odp_get',
  file: FILE,
  version: 'v4.19',
  source:
    `${SRC_419Y}; not touched by 93065ac753e4 (the seed diff has no hunk in it); the v4.18 variant runs the same body, which is not checked against a v4.18 tree. Reduced: the IB_ACCESS_HUGETLB branch (down_read(&mm->mmap_sem), find_vma, huge_page_shift) is left out (the thread registers without IB_ACCESS_HUGETLB: umem->hugetlb = 0); the stores of the new umem's fields that the model keeps as static configuration (umem->odp_data->umem = umem, umem->hugetlb) and mutex_init/init_completion (the pre-allocated umem's mutex and completion start free and not done) are left out; the three allocations keep their C text and run kzalloc/vzalloc into locals (the odp_data, page_list and dma_list are the pre-allocated umem's own fields); INIT_HLIST_NODE and context->mn.ops = &ib_umem_notifiers in the never-taken first-MR branch are left out (see mmu_notifier_register)`,
  signature: 'int ib_umem_odp_get(struct ib_ucontext *context, struct ib_umem *umem, int access)',
  params: ['context', 'umem', 'access'],
  body: [
    c('int ret_val;'),
    c('struct pid *our_pid;'),
    c('struct mm_struct *mm = get_task_mm(current);'),
    if_('!mm', [c('return -EINVAL;')]),
    c('rcu_read_lock();'),
    c('our_pid = get_task_pid(current->group_leader, PIDTYPE_PID);'),
    c('rcu_read_unlock();'),
    c('put_pid(our_pid);'),
    if_('context->tgid != our_pid', [c('ret_val = -EINVAL;'), c('goto out_mm;')]),
    cAs('umem->odp_data = kzalloc(sizeof(*umem->odp_data), GFP_KERNEL);', 'odp_data = kzalloc(0, GFP_KERNEL);'),
    ifAs('!umem->odp_data', '!odp_data', [c('ret_val = -ENOMEM;'), c('goto out_mm;')]),
    if_('ib_umem_num_pages(umem)', [
      cAs('umem->odp_data->page_list = vzalloc(array_size(sizeof(*umem->odp_data->page_list), ib_umem_num_pages(umem)));', 'page_list = vzalloc(ib_umem_num_pages(umem));'),
      ifAs('!umem->odp_data->page_list', '!page_list', [c('ret_val = -ENOMEM;'), c('goto out_odp_data;')]),
      cAs('umem->odp_data->dma_list = vzalloc(array_size(sizeof(*umem->odp_data->dma_list), ib_umem_num_pages(umem)));', 'dma_list = vzalloc(ib_umem_num_pages(umem));'),
      ifAs('!umem->odp_data->dma_list', '!dma_list', [c('ret_val = -ENOMEM;'), c('goto out_page_list;')]),
    ]),
    c('down_write(&context->umem_rwsem);'),
    c('context->odp_mrs_count++;'),
    if_('likely(ib_umem_start(umem) != ib_umem_end(umem))', [c('rbt_ib_umem_insert(&umem->odp_data->interval_tree, &context->umem_tree);')]),
    if_(
      'likely(!atomic_read(&context->notifier_count)) || context->odp_mrs_count == 1',
      [c('umem->odp_data->mn_counters_active = true;')],
      else_([cAs('list_add(&umem->odp_data->no_private_counters, &context->no_private_counters);', 'no_private_counters_add(&umem->odp_data->no_private_counters);')]),
    ),
    c('downgrade_write(&context->umem_rwsem);'),
    if_('context->odp_mrs_count == 1', [
      c('atomic_set(&context->notifier_count, 0);'),
      c('lockdep_off();'),
      c('ret_val = mmu_notifier_register(&context->mn, mm);'),
      c('lockdep_on();'),
      if_('ret_val', [c('pr_err("Failed to register mmu_notifier %d\\n", ret_val);'), c('ret_val = -EBUSY;'), c('goto out_mutex;')]),
    ]),
    c('up_read(&context->umem_rwsem);'),
    c('mmput(mm);'),
    c('return 0;'),
    label('out_mutex'),
    c('up_read(&context->umem_rwsem);'),
    cAs('vfree(umem->odp_data->dma_list);', 'vfree(dma_list);'),
    label('out_page_list'),
    cAs('vfree(umem->odp_data->page_list);', 'vfree(page_list);'),
    label('out_odp_data'),
    cAs('kfree(umem->odp_data);', 'kfree(odp_data);'),
    label('out_mm'),
    c('mmput(mm);'),
    c('return ret_val;'),
  ],
});

/** umem.c `ib_umem_get()`, its ODP branch: the umem allocated, then ib_umem_odp_get(). */
const ibUmemGet: FnDef = fn({
  name: 'ib_umem_get',
  file: 'drivers/infiniband/core/umem.c',
  version: 'v4.19',
  source:
    'drivers/infiniband/core/umem.c ib_umem_get() of a 4.x tree (index id 35690001, whose ODP branch calls the two-argument ib_umem_odp_get of 4.4-4.11; 4.12 added `access`, as ib_umem_odp_get of index id 28343273484 takes it), reduced to what an ODP registration runs [recon]: the size and overflow checks, can_do_mlock(), the field initialisations (static configuration in the model), the `if (access & IB_ACCESS_ON_DEMAND)` test (the thread always registers with it: its branch is the body) and the pinned-memory path after it are left out; the allocation keeps its C text and is followed by the stand-in for the object it returned',
  signature: 'struct ib_umem *ib_umem_get(struct ib_ucontext *context, unsigned long addr, size_t size, int access, int dmasync)',
  params: ['context', 'addr', 'size', 'access', 'dmasync'],
  body: [
    c('struct ib_umem *umem;'),
    c('int ret;'),
    cAs('umem = kzalloc(sizeof *umem, GFP_KERNEL);', 'umem = kzalloc(0, GFP_KERNEL);'),
    if_('!umem', [c('return ERR_PTR(-ENOMEM);')]),
    cAs('/* the slab object: the umem the scenario pre-allocated for this registration */', 'umem = ib_umem_prealloc(current);'),
    c('ret = ib_umem_odp_get(context, umem, access);'),
    if_('ret', [c('kfree(umem);'), c('return ERR_PTR(ret);')]),
    c('return umem;'),
  ],
});

/** mlx5 mr.c `update_odp_mr()`: invalidations see the MR (`odp_data->private`) once it is set up. */
const updateOdpMr: FnDef = fn({
  name: 'update_odp_mr',
  file: 'drivers/infiniband/hw/mlx5/mr.c',
  version: 'v4.19',
  source: `${SRC_MR.replace(' mlx5_ib_reg_user_mr()', '')}; the body as index id 129567280 has it, which the 2019 removal of index id 8903959514 shows unchanged (to_ib_umem_odp(mr->umem)->private there)`,
  signature: 'static void update_odp_mr(struct mlx5_ib_mr *mr)',
  params: ['mr'],
  body: [if_('mr->umem->odp_data', [c('smp_wmb();'), c('mr->umem->odp_data->private = mr;'), c('smp_wmb();')])],
});

/** mlx5 mr.c `mlx5_ib_reg_user_mr()`, for an explicit ODP MR taken from the MR cache. */
const mlx5IbRegUserMr: FnDef = fn({
  name: 'mlx5_ib_reg_user_mr',
  file: 'drivers/infiniband/hw/mlx5/mr.c',
  version: 'v4.19',
  source: `${SRC_MR}. Reduced: the implicit-MR branch (start 0, length U64_MAX) is not taken; mr_umem_get() keeps its C text and runs its ib_umem_get() call (its page-size computation, mlx5_ib_cont_pages, is left out); use_umr() holds and alloc_mr_from_cache() always finds an mkey (the reg_create() fallback under slow_path_mutex and the Connect-IB -EINVAL are left out); mr->umem = umem and set_mr_fileds() are left out (the MR's umem is static configuration, the page counters are not modelled); mlx5_ib_update_xlt() does not fail in the model, so its dereg_mr() error path is left out`,
  signature: 'struct ib_mr *mlx5_ib_reg_user_mr(struct ib_pd *pd, u64 start, u64 length, u64 virt_addr, int access_flags, struct ib_udata *udata)',
  params: ['pd', 'start', 'length', 'virt_addr', 'access_flags', 'udata'],
  body: [
    c('struct mlx5_ib_mr *mr = NULL;'),
    c('bool populate_mtts = false;'),
    c('struct ib_umem *umem;'),
    c('int page_shift;'),
    c('int npages;'),
    c('int ncont;'),
    c('int order;'),
    c('int err;'),
    cAs('err = mr_umem_get(pd, start, length, access_flags, &umem, &npages, &page_shift, &ncont, &order);', 'umem = ib_umem_get(pd->uobject->context, start, length, access_flags, 0);'),
    ifAs('err < 0', 'IS_ERR(umem)', [cAs('return ERR_PTR(err);', 'return umem;')]),
    cAs('mr = alloc_mr_from_cache(pd, umem, virt_addr, length, ncont, page_shift, order, access_flags);', 'mr = alloc_mr_from_cache(pd, umem, virt_addr, length);'),
    c('update_odp_mr(mr);'),
    if_('!populate_mtts', [
      c('int update_xlt_flags = MLX5_IB_UPD_XLT_ENABLE;'),
      if_('access_flags & IB_ACCESS_ON_DEMAND', [c('update_xlt_flags |= MLX5_IB_UPD_XLT_ZAP;')]),
      c('err = mlx5_ib_update_xlt(mr, 0, ncont, page_shift, update_xlt_flags);'),
    ]),
    c('mr->live = 1;'),
    c('return &mr->ibmr;'),
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
function releaseFn(version: string): FnDef {
  return fn({
    name: 'ib_umem_notifier_release',
    file: FILE,
    version,
    source: 'seed 001 diff, umem_odp.c (- side and context lines)',
    signature: 'static void ib_umem_notifier_release(struct mmu_notifier *mn, struct mm_struct *mm)',
    params: ['mn', 'mm'],
    body: [
      c('struct ib_ucontext *context = container_of(mn, struct ib_ucontext, mn);'),
      if_('!context->invalidate_range', [c('return;')]),
      c('ib_ucontext_notifier_start_account(context);'),
      cg('down_read(&context->umem_rwsem);', undefined, 'context->release_raised = 1'),
      c('rbt_ib_umem_for_each_in_range(&context->umem_tree, 0, ULLONG_MAX, ib_umem_notifier_release_trampoline, NULL);'),
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

function endFn(version: string): FnDef {
  return fn({
    name: 'ib_umem_notifier_invalidate_range_end',
    file: FILE,
    version,
    source: 'seed 001 diff, umem_odp.c (- side and context lines)',
    signature: 'static void ib_umem_notifier_invalidate_range_end(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start, unsigned long end)',
    params: ['mn', 'mm', 'start', 'end'],
    body: [
      c('struct ib_ucontext *context = container_of(mn, struct ib_ucontext, mn);'),
      if_('!context->invalidate_range', [c('return;')]),
      c('down_read(&context->umem_rwsem);'),
      c('rbt_ib_umem_for_each_in_range(&context->umem_tree, start, end, invalidate_range_end_trampoline, NULL);'),
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
    [`${id}.imr.ibmr.pd`]: `${id}.pd`,
    [`${id}.pd.uobject`]: `${id}.uobj`,
    [`${id}.uobj.context`]: id,
    [`${id}.imr.live`]: 1,
    // The thread group that opened the context (ib_uverbs_get_context: get_task_pid(current->group_leader, PIDTYPE_PID)).
    [`${id}.tgid`]: 'victim.pid',
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
      // Registered while no notifier ran: not on context->no_private_counters.
      [`${o}.on_no_private_counters`]: 0,
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
      // A leaf MR is live from implicit_mr_alloc() on.
      [`${o}.mr.live`]: 1,
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
      once:
        'the implicit MR is deregistered once: ibv_dereg_mr destroys its uverbs object, which rdma core locks exclusively (drivers/infiniband/core/rdma_core.c uverbs_try_lock_object: a concurrent destroy of the same handle gets -EBUSY, a later one -ENOENT), so mlx5_ib_dereg_mr runs for it once',
    },
    pagefault: {
      description:
        'An HCA page fault on one page of one umem (mlx5 pagefault_single_data_segment -> pagefault_mr): an MR not (or no longer) live fails it with -EFAULT; otherwise it maps the page, then writes the MTTs under umem_mutex only if ib_umem_mmu_notifier_retry() allows it, else waits (with a timeout) for the notifiers.',
      fns: [notifierRetry, pagefaultMr, pagefaultSingleDataSegment],
      entry: 'pagefault_single_data_segment',
      params: {
        leaf: "index of the object (a leaf umem, or the umem of a umem_odp:register thread listed before this one) that faults",
        address: 'the faulting page (inside that umem)',
      },
      args: (nid, p, ctx) => {
        const leaf = p['leaf'] ?? 0;
        const address = p['address'];
        const o = `${nid}.obj${String(leaf)}`;
        if (typeof leaf !== 'number' || typeof ctx.statics[`${o}.start`] !== 'number') {
          throw ctx.error('leaf', `expected the index of one of ${nid}'s objects (a umem_odp:register thread's umem counts once that thread is listed before this one)`);
        }
        const start = ctx.statics[`${o}.start`] as number;
        const last = ctx.statics[`${o}.last`] as number;
        if (typeof address !== 'number' || !Number.isInteger(address) || address < start || address > last) throw ctx.error('address', `expected a page of ${o}, [${start}, ${last + 1})`);
        return [`${nid}.dev`, `${o}.mr`, address, 1, null, null];
      },
    },
    register: {
      description:
        "ibv_reg_mr(IBV_ACCESS_ON_DEMAND) of [start, start+len), an explicit ODP MR (mlx5_ib_reg_user_mr -> ib_umem_get -> ib_umem_odp_get): the new umem enters the context's interval tree under umem_rwsem for write, with private counters if no notifier is counted (notifier_count 0), otherwise on context->no_private_counters until an invalidate_range_end brings notifier_count back to 0 (or forever, if it never does); then the MR gets its mkey, odp_data->private (update_odp_mr) and goes live. The umem is a new object of the notifier, numbered after the ones before it, which a pagefault thread listed after this one may name.",
      fns: [ibUmemGet, ibUmemOdpGet, updateOdpMr, mlx5IbRegUserMr],
      entry: 'mlx5_ib_reg_user_mr',
      params: { start: 'first page of the registered range', len: `its number of pages, 1 to ${MAX_UMEM_PAGES}` },
      args: (nid, p, ctx) => {
        const start = p['start'];
        const len = p['len'];
        if (typeof start !== 'number' || !Number.isInteger(start) || start < 0 || start >= MAX_PAGE) throw ctx.error('start', `expected a page number, an integer from 0 to ${MAX_PAGE - 1}`);
        if (typeof len !== 'number' || !Number.isInteger(len) || len < 1 || len > MAX_UMEM_PAGES) throw ctx.error('len', `expected a number of pages from 1 to ${MAX_UMEM_PAGES} (a umem's dma_list has a bit per page)`);
        if (start + len > MAX_PAGE) throw ctx.error('len', `the range must end at or below page ${MAX_PAGE}`);
        const tree = ctx.statics[`${nid}.umem_tree`] as readonly Value[];
        const o = `${nid}.obj${tree.length}`;
        registeredUmem(nid, o, start, start + len, ctx);
        // access_flags: IB_ACCESS_ON_DEMAND | IB_ACCESS_LOCAL_WRITE (an ODP MR the HCA may write).
        return [`${nid}.pd`, start, len, start, IB_ACCESS_ON_DEMAND | IB_ACCESS_LOCAL_WRITE, null];
      },
    },
  };
}

/** Pages of a registered umem at most (a bit per page in `dma_list`). */
const MAX_UMEM_PAGES = 24;

/**
 * The state of umem `o` that a umem_odp:register thread registers over [start, end): pre-allocated
 * (as munmap's VMAs are), not in the tree, without private counters, no page DMA-mapped, no MTTs,
 * its MR (`o.mr`, an explicit MR: no parent) not live and not yet `odp_data->private`.
 */
function registeredUmem(nid: string, o: string, start: number, end: number, ctx: ThreadBuildContext): void {
  const tree = ctx.statics[`${nid}.umem_tree`] as readonly Value[];
  const order = [...tree, o].map((u) => String(u));
  const startOf = (u: string): number => (u === o ? start : (ctx.statics[`${u}.start`] as number));
  const endOf = (u: string): number => (u === o ? end - 1 : (ctx.statics[`${u}.last`] as number));
  order.sort((a, b) => startOf(a) - startOf(b) || endOf(a) - endOf(b));
  Object.assign(ctx.statics, {
    [`${nid}.umem_tree`]: order,
    [`${o}.start`]: start,
    [`${o}.last`]: end - 1,
    [`${o}.tree`]: `${nid}.umem_tree`,
    [`${o}.odp_data`]: o,
    [`${o}.umem`]: o,
    [`${o}.context`]: nid,
    [`${o}.page_shift`]: 0,
    [`${o}.mr.ibmr.pd`]: `${nid}.pd`,
    [`${o}.mr.umem`]: o,
    [`${ctx.task}.odp_umem`]: o,
  });
  Object.assign(ctx.mem, {
    [`${o}.mapped`]: 0,
    [`${o}.dma_list`]: 0,
    [`${o}.npages`]: 0,
    [`${o}.in_tree`]: 0,
    [`${o}.dying`]: 0,
    [`${o}.notifiers_count`]: 0,
    [`${o}.notifiers_seq`]: 0,
    [`${o}.mn_counters_active`]: 0,
    [`${o}.on_no_private_counters`]: 0,
    [`${o}.notifier_completion.done`]: 0,
    [`${o}.release_raised`]: 0,
    [`${o}.private`]: null,
    [`${o}.mr.parent`]: null,
    [`${o}.mr.live`]: 0,
  });
  ctx.locks[`${o}.umem_mutex`] = 'mutex';
  ctx.balanced.push(`${o}.notifiers_count`);
  ctx.balancedOffsets[`${o}.notifiers_count`] = `${o}.release_raised`;
}

const COMMON_FNS = [umemStartAccount, umemEndAccount, ctxStartAccount, ctxEndAccount, startTrampoline, endTrampoline, releaseTrampoline];
const OPS = {
  release: 'ib_umem_notifier_release',
  invalidate_range_start: 'ib_umem_notifier_invalidate_range_start',
  invalidate_range_end: 'ib_umem_notifier_invalidate_range_end',
} as const;

const v418: VariantDef = {
  description: 'Before 93065ac753e4 (v4.18 drivers/infiniband/core/umem_odp.c and hw/mlx5/odp.c): void start; notifier_count counted up before down_read(&context->umem_rwsem); the range walk has no blockable argument.',
  version: 'v4.18',
  api: 'v4.18',
  flags: 0,
  ops: OPS,
  primitives: UMEM_ODP_PRIMITIVES,
  instance,
  constants: CONSTANTS,
  fns: [...COMMON_FNS, forEachInRange('v4.18'), releaseFn('v4.18'), startV418, endFn('v4.18'), ...MLX5_FNS],
  threads: threads(freeImplicitMr('v4.18')),
  works,
  globals: ['PIDTYPE_PID'],
};

const v93065: VariantDef = variantByPatch(v418, '93065ac753e4-blockable-mode.patch', {
  description: 'The patch (93065ac753e4; the same in 4.19.y): down_read_trylock when !blockable; start_account after the lock; the range walk returns -EAGAIN at the first umem in range when !blockable, after notifier_count was counted up.',
  version: '93065ac753e4',
  api: 'v4.19',
});

/**
 * v5.0: 5d6527a784f7's umem_odp.c hunks are against 4.20's per_mm restructure of the file
 * (`struct ib_ucontext_per_mm`, c9990ab39b6e and the series with it), which the model does not have:
 * its rule (the callbacks' arguments read through `range`) is carried onto the 4.19.y body, and the
 * restructure itself is not modelled.
 */
const v50: VariantDef = byRangeArguments(v93065, ['ib_umem_notifier_invalidate_range_start', 'ib_umem_notifier_invalidate_range_end'], {
  description:
    'v5.0: the 93065ac753e4 (4.19.y) callbacks with 5d6527a784f7\'s change carried onto them (start, end and blockable read through range). The kernel\'s v5.0 umem_odp.c is 4.20\'s per_mm restructure, against which the mailed hunks were made; it is not modelled.',
  version: 'v5.0',
  api: 'v5.0',
}, "the mailed hunks are against 4.20's per_mm restructure of umem_odp.c");
const v52: VariantDef = byHelperSpatch(v50, {
  description:
    'v5.2 (and v5.4): the v5.0 callbacks with the helper conversion\'s coccinelle rule (range->blockable read through mmu_notifier_range_blockable()); the per_mm body the mailed hunk was made against is not modelled.',
  version: 'v5.2',
  api: 'v5.2',
});

export const UMEM_ODP: DriverDef = {
  name: 'umem_odp',
  description: 'RDMA ODP umem notifier (drivers/infiniband/core/umem_odp.c) with mlx5 as the device (drivers/infiniband/hw/mlx5/odp.c)',
  // v6.6: src/model/kernel/drivers/umem_odp66.ts (umem_odp.c with mlx5's interval ops).
  variants: { 'v4.18': v418, '93065ac753e4': v93065, 'v5.0': v50, 'v5.2': v52, 'v6.6': umemOdpV66 },
  defaultVariant: { 'v4.18': 'v4.18', 'v4.19': '93065ac753e4', 'v5.0': 'v5.0', 'v5.2': 'v5.2' },
};
