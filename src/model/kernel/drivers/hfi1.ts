/**
 * hfi1's mmu_rb cache (drivers/infiniband/hw/hfi1/mmu_rb.c), as the user SDMA engine uses it
 * (drivers/infiniband/hw/hfi1/user_sdma.c, `sdma_rb_ops`), by variant:
 *
 * - `v4.18`: before 93065ac753e4 (`-` side of the seed diff): void `mmu_notifier_range_start`.
 * - `93065ac753e4`: the patch (`+` side): the same body with a `blockable` argument it ignores, and
 *   `return 0`. hfi1 never fails a start: it only takes a spinlock.
 *
 * Both set `.flags = MMU_INVALIDATE_DOES_NOT_BLOCK` (index id 34609763287: Michal Hocko's revert of the
 * flag, Aug 2018, shows it in the post-93065ac753e4 mmu_rb.c), so the v4.18 reaper does not back off
 * because of hfi1.
 *
 * Sources. The start body: seed 001 diff (the hunk's context lines and `+`/`-` lines) together with
 * the `-` side of the v4.20 conversion to `struct mmu_notifier_range` (index id 23128457195), which
 * shows v4.19's loop (`__mmu_int_rb_iter_first(root, start, end - 1)`, `trace_hfi1_mmu_mem_invalidate
 * (node->addr, node->len)`, `handler->ops->invalidate(...)`, `__mmu_int_rb_remove`), and the v5.0 file
 * of index id 55247817 for the declarations and the `list_move`/`added` lines it keeps unchanged
 * [recon]. ../shared/kernel/README.md §8 gives this body as [memory]; it is confirmed here.
 * `sdma_rb_invalidate`: user_sdma.c, index ids 60130718 and 24438274811 (unchanged 4.x–5.x) [recon].
 *
 * Abstractions (docs/model.md):
 *
 * - **Objects.** Instance `id` is one `mmu_rb_handler` (the notifier's container, `hfi10`); each
 *   scenario object is one `sdma_mmu_node` in the handler's interval tree `id.root` (address order).
 *   `obj.mapped` is "the node is in the tree": the cache can hand the node's pinned pages to a new
 *   SDMA request. `__mmu_int_rb_remove` clears it, and the tree walk skips removed nodes.
 * - **In-flight SDMA.** `obj.refcount` (atomic_t) counts SDMA requests using the node; 0 in scenarios
 *   (no request in flight). A node in use stays in the tree (`sdma_rb_invalidate` returns 0): its
 *   pages are pinned, so the device reading them after the invalidation is no use-after-free, but a
 *   later request can still find the stale node; the coherency property reports that state.
 * - **Deferred removal.** The nodes moved to `handler->del_list` are unpinned by `handle_remove`, the
 *   work item `queue_work` queues; the work is not modelled (nor are the LRU/delete list links).
 * - `handler->lock` is a spinlock no other modelled thread takes (hfi1's insert/evict/remove paths
 *   are not modelled); `spin_lock_irqsave`'s IRQ state is not modelled.
 * - **Function pointers.** `handler->ops->invalidate` is `sdma_rb_invalidate` (a static of the
 *   instance: `id.ops.invalidate`).
 */
import { hfi1V66 } from './hfi1_66.ts';
import type { DriverDef, InstanceState, ObjectRange, VariantDef } from '../driver.ts';
import { mappedMem, objectStatics } from '../driver.ts';
import { variantByPatch } from '../by-patch.ts';
import { rangeV50, rangeV52Unchanged } from './range-api.ts';
import { c, fn, if_, type FnDef, type Stmt } from '../../lang/ir.ts';
import { num, ref, type PrimCtx, type Primitive } from '../../lang/primitives.ts';
import type { Value } from '../../lang/state.ts';
import { COMMON_PRIMITIVES, forC } from './notifier-users-common.ts';

const FILE = 'drivers/infiniband/hw/hfi1/mmu_rb.c';

/** Nodes of tree `root` still in the tree and overlapping [start, last], in address order. */
function inTree(ctx: PrimCtx, root: string, start: number, last: number): string[] {
  const objs = ctx.stat(root);
  if (!Array.isArray(objs)) throw new Error(`${root} is not a tree in the configuration`);
  return objs
    .map(String)
    .filter((o) => num(ctx.stat(`${o}.start`) as Value, 'start') <= last && start <= num(ctx.stat(`${o}.last`) as Value, 'last'))
    .filter((o) => ctx.read(`${o}.mapped`));
}

export const HFI1_PRIMITIVES: Record<string, Primitive> = {
  ...COMMON_PRIMITIVES,
  __mmu_int_rb_iter_first: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'mapped', mode: 'r' }],
    doc: '__mmu_int_rb_iter_first(root, start, last) (INTERVAL_TREE_DEFINE in mmu_rb.c): the first node still in the handler\'s tree overlapping [start, last], or NULL.',
    run: (ctx, [root, s, l]) => inTree(ctx, ref(root, '__mmu_int_rb_iter_first'), num(s, 'start'), num(l, 'last'))[0] ?? null,
  },
  __mmu_int_rb_iter_next: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'mapped', mode: 'r' }],
    doc: '__mmu_int_rb_iter_next(node, start, last): the next node still in the tree after `node` overlapping [start, last], or NULL.',
    run(ctx, [node, s, l]) {
      const n = ref(node, '__mmu_int_rb_iter_next');
      const root = String(ctx.stat(`${n}.tree`));
      const all = (ctx.stat(root) as readonly Value[]).map(String);
      const after = new Set(all.slice(all.indexOf(n) + 1));
      return inTree(ctx, root, num(s, 'start'), num(l, 'last')).find((o) => after.has(o)) ?? null;
    },
  },
  __mmu_int_rb_remove: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'mapped', mode: 'w', zero: true }],
    doc: '__mmu_int_rb_remove(node, root): takes the node out of the handler\'s interval tree; the cache no longer hands out its pinned pages (`obj.mapped = 0`).',
    run(ctx, [node]) {
      ctx.write(`${ref(node, '__mmu_int_rb_remove')}.mapped`, 0);
      return 0;
    },
  },
  trace_hfi1_mmu_mem_invalidate: { shared: false, sleeps: false, doc: 'tracepoint', run: () => 0 },
};

const sdmaRbInvalidate: FnDef = fn({
  name: 'sdma_rb_invalidate',
  file: 'drivers/infiniband/hw/hfi1/user_sdma.c',
  version: 'v4.19',
  source: 'index ids 60130718, 24438274811 (user_sdma.c, the same from 4.x to 5.x) [recon]; unchanged by 93065ac753e4',
  signature: 'static int sdma_rb_invalidate(void *arg, struct mmu_rb_node *mnode)',
  params: ['arg', 'mnode'],
  body: [
    c('struct sdma_mmu_node *node = container_of(mnode, struct sdma_mmu_node, rb);'),
    if_('!atomic_read(&node->refcount)', [c('return 1;')]),
    c('return 0;'),
  ],
});

/** The body both variants share (the patch only adds the parameter and `return 0`). */
function body(ret: boolean): Stmt[] {
  return [
    c('struct mmu_rb_handler *handler = container_of(mn, struct mmu_rb_handler, mn);'),
    c('struct rb_root_cached *root = &handler->root;'),
    c('struct mmu_rb_node *node, *ptr = NULL;'),
    c('unsigned long flags;'),
    c('bool added = false;'),
    c('spin_lock_irqsave(&handler->lock, flags);'),
    forC('node = __mmu_int_rb_iter_first(root, start, end - 1)', 'node', 'node = ptr', [
      c('ptr = __mmu_int_rb_iter_next(node, start, end - 1);'),
      c('trace_hfi1_mmu_mem_invalidate(node->addr, node->len);'),
      if_('handler->ops->invalidate(handler->ops_arg, node)', [
        c('__mmu_int_rb_remove(node, root);'),
        c('list_move(&node->list, &handler->del_list);'),
        c('added = true;'),
      ]),
    ]),
    c('spin_unlock_irqrestore(&handler->lock, flags);'),
    if_('added', [c('queue_work(handler->wq, &handler->del_work);')]),
    ...(ret ? [c('return 0;')] : []),
  ];
}

function instance(id: string, objects: readonly ObjectRange[]): InstanceState {
  const mem: Record<string, Value> = { ...mappedMem(id, objects) };
  objects.forEach((_, i) => (mem[`${id}.obj${i}.refcount`] = 0));
  return {
    mem,
    locks: { [`${id}.lock`]: 'spin' },
    statics: { ...objectStatics(id, objects, 'root'), [`${id}.ops.invalidate`]: 'sdma_rb_invalidate' },
    balanced: [],
  };
}

const v418: VariantDef = {
  description: 'Before 93065ac753e4 (v4.18): void mmu_notifier_range_start under handler->lock (a spinlock); MMU_INVALIDATE_DOES_NOT_BLOCK.',
  version: 'v4.18',
  api: 'v4.18',
  flags: 1,
  ops: { invalidate_range_start: 'mmu_notifier_range_start' },
  primitives: HFI1_PRIMITIVES,
  instance,
  fns: [
    fn({
      name: 'mmu_notifier_range_start',
      file: FILE,
      version: 'v4.18',
      source: 'seed 001 diff, mmu_rb.c (- side and context lines); loop from index id 23128457195 (- side), declarations from index id 55247817 [recon]',
      signature: 'static void mmu_notifier_range_start(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start, unsigned long end)',
      params: ['mn', 'mm', 'start', 'end'],
      body: body(false),
    }),
    sdmaRbInvalidate,
  ],
};

const v93065: VariantDef = variantByPatch(v418, '93065ac753e4-blockable-mode.patch', {
  description: 'The patch (93065ac753e4): the same body, blockable ignored, return 0; never fails, never sleeps.',
  version: '93065ac753e4',
  api: 'v4.19',
});

const v50 = rangeV50(v93065, 'v5.0: the 93065ac753e4 (v4.19) functions with');
const v52 = rangeV52Unchanged(v50, 'v5.2 (and v5.4): the callbacks never read the mode.');

export const HFI1: DriverDef = {
  name: 'hfi1',
  description: 'hfi1 SDMA pinned-page cache notifier (drivers/infiniband/hw/hfi1/mmu_rb.c, user_sdma.c)',
  // v6.6: src/model/kernel/drivers/hfi1_66.ts (the TID cache's interval notifiers).
  variants: { 'v4.18': v418, '93065ac753e4': v93065, 'v5.0': v50, 'v5.2': v52, 'v6.6': hfi1V66 },
  defaultVariant: { 'v4.18': 'v4.18', 'v4.19': '93065ac753e4', 'v5.0': 'v5.0', 'v5.2': 'v5.2' },
};
