/**
 * radeon's userptr mmu notifier (drivers/gpu/drm/radeon/radeon_mn.c), by variant:
 *
 * - `v4.18`: before 93065ac753e4: void `radeon_mn_invalidate_range_start`; `mutex_lock(&rmn->lock)`,
 *   then for every BO in the range that is bound to the GPU: reserve it, wait for its fences, move it
 *   to the CPU domain (`ttm_bo_validate`), unreserve it.
 * - `93065ac753e4`: `v4.18` with the patch as posted applied (examples/patches/
 *   93065ac753e4-blockable-mode.patch, src/model/kernel/by-patch.ts): `mutex_trylock(&rmn->lock)` in
 *   non-blockable mode (-EAGAIN if contended), and -EAGAIN with `goto out_unlock` as soon as the range
 *   has an object in non-blockable mode.
 *
 * radeon has a start callback only (`radeon_mn_ops = { .release, .invalidate_range_start }`), and
 * releases `rmn->lock` before returning.
 *
 * Sources: the seed diff (001_a93342ea5087af67.txt, radeon_mn.c hunks, both sides, which show the
 * function's head and tail and `struct ttm_operation_ctx ctx = { false, false };`). The loop body
 * between the hunks: index id 397943015 (a 4.14/4.15 radeon_mn.c with `rb_root_cached`), with the
 * `ttm_bo_validate(&bo->tbo, &bo->placement, &ctx)` call of the ttm_operation_ctx API (4.16 on; the
 * seed diff's context declares `ctx`, and the `-` side of a later radeon_mn.c rewrite, index id
 * 9222313734, shows the same loop body with `&ctx`) `[recon, high confidence]`.
 *
 * *Abstractions*:
 * - The interval tree of `radeon_mn_node`s is the scenario's objects in address order, each one node
 *   holding one userptr BO covering the object's range.
 * - A BO is bound to the GPU while `bo->tbo.ttm->state == tt_bound` (shared variable
 *   `obj.tbo.ttm.state`, `tt_bound` at the start); `bo->tbo.ttm` is never NULL (every object is a
 *   populated userptr BO). The secondary mapping `obj.mapped` is the GPU's access to the pages.
 * - `radeon_bo_reserve(bo, true)` takes the BO's reservation (a ww_mutex): it may sleep; no other
 *   modelled thread reserves radeon BOs, so it always succeeds at once and its failure branch is
 *   never taken. `radeon_bo_unreserve` releases it.
 * - `reservation_object_wait_timeout_rcu` and `ttm_bo_validate` as in drm_common.ts: the first sleeps
 *   until the fences signal (`obj.mapped = 0`), the second moves the BO to system memory, unbinding
 *   it (`obj.mapped = 0`, state `tt_unbound`). Neither fails.
 * - `struct ttm_operation_ctx ctx = { false, false };` has a brace initialiser the parser does not
 *   read: it is shown as is and runs `ctx = 0` (drm_common.ts `cAs`); `&ctx` is only passed on.
 *
 * ->release (`radeon_mn_release`) queues the destroy work (`radeon_mn_destroy`), which a kworker runs
 * (src/model/kernel/core/workqueue.ts): `rdev->mn_lock` (shared by every radeon notifier: `rdev.mn_lock`) and
 * `rmn->lock`, the nodes out of the tree (static: not modelled) and the BOs unlinked (`obj.mn`), then
 * `mmu_notifier_unregister()`, which, while the notifier is still hashed (exit_mmap's
 * `__mmu_notifier_release` still walking), calls ->release again, queueing the destroy work again
 * while it runs; then `kfree(rmn)`: the notifier is a freeable object (`id.kfreed`), and an access to
 * it afterwards is a use after free (no-bug:oops). Nothing is torn down before ->release returns:
 * the GPU keeps using the BOs' pages (`obj.mapped`). Jason Gunthorpe's 2019 rewrite names both
 * problems: "radeon has a bug where it was not blocking notifier release() until all the BO's had
 * been invalidated. This could result in a use after free of pages the BOs" (index id 8395912566).
 *
 * Shared state per instance `id`: `id.lock` (mutex), per object `obj.mapped`, `obj.tbo.ttm.state`
 * and `obj.mn`; `id.kfreed`.
 */
import type { DriverDef, InstanceState, ObjectRange, VariantDef, WorkDef } from '../driver.ts';
import { mappedMem, objectStatics } from '../driver.ts';
import { variantByPatch } from '../by-patch.ts';
import { rangeV50, rangeV52 } from './range-api.ts';
import { c, fn, foreach, if_, while_, type FnDef, type Stmt } from '../../lang/ir.ts';
import type { Primitive } from '../../lang/primitives.ts';
import type { Value } from '../../lang/state.ts';
import { cAs, DRM_PRIMITIVES } from './drm_common.ts';

const FILE = 'drivers/gpu/drm/radeon/radeon_mn.c';

export const RADEON_PRIMITIVES: Record<string, Primitive> = {
  ...DRM_PRIMITIVES,
  radeon_bo_reserve: {
    shared: false,
    sleeps: true,
    doc: 'radeon_bo_reserve(bo, true): takes the BO\'s reservation ww_mutex, uninterruptibly: may sleep. No other modelled thread reserves a radeon BO, so it returns 0 at once.',
    run: () => 0,
  },
  radeon_bo_unreserve: { shared: false, sleeps: false, doc: 'radeon_bo_unreserve(bo): releases the BO\'s reservation.', run: () => 0 },
  radeon_ttm_placement_from_domain: {
    shared: false,
    sleeps: false,
    doc: 'radeon_ttm_placement_from_domain(bo, domain): sets the BO\'s placement (the notifier always asks for RADEON_GEM_DOMAIN_CPU); no modelled state.',
    run: () => 0,
  },
};

/** The loop body over one node's BOs: the same in both variants. */
function bosLoop(): Stmt {
  return foreach('list_for_each_entry(bo, &node->bos, mn_list)', [
    if_('!bo->tbo.ttm || bo->tbo.ttm->state != tt_bound', [c('continue;')]),
    c('r = radeon_bo_reserve(bo, true);'),
    if_('r', [c('DRM_ERROR("(%ld) failed to reserve user bo\\n", r);'), c('continue;')]),
    c('r = reservation_object_wait_timeout_rcu(bo->tbo.resv, true, false, MAX_SCHEDULE_TIMEOUT);'),
    if_('r <= 0', [c('DRM_ERROR("(%ld) failed to wait for user bo\\n", r);')]),
    c('radeon_ttm_placement_from_domain(bo, RADEON_GEM_DOMAIN_CPU);'),
    c('r = ttm_bo_validate(&bo->tbo, &bo->placement, &ctx);'),
    if_('r', [c('DRM_ERROR("(%ld) failed to validate user bo\\n", r);')]),
    c('radeon_bo_unreserve(bo);'),
  ]);
}

const startV418: FnDef = fn({
  name: 'radeon_mn_invalidate_range_start',
  file: FILE,
  version: 'v4.18',
  source: 'seed 001 diff, radeon_mn.c (- side); loop body from index id 397943015 with the ttm_operation_ctx call (doc comment) [recon]',
  signature: 'static void radeon_mn_invalidate_range_start(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start, unsigned long end)',
  params: ['mn', 'mm', 'start', 'end'],
  body: [
    c('struct radeon_mn *rmn = container_of(mn, struct radeon_mn, mn);'),
    cAs('struct ttm_operation_ctx ctx = { false, false };', 'ctx = 0;'),
    c('end -= 1;'),
    c('mutex_lock(&rmn->lock);'),
    c('it = interval_tree_iter_first(&rmn->objects, start, end);'),
    while_('it', [
      c('node = container_of(it, struct radeon_mn_node, it);'),
      c('it = interval_tree_iter_next(it, start, end);'),
      bosLoop(),
    ]),
    c('mutex_unlock(&rmn->lock);'),
  ],
});

// ------------------------------------------------------------------------------------------------
// ->release and the destroy work it queues.

const SRC_RELEASE =
  'index id 397943015 (a 4.14/4.15 radeon_mn.c) [recon]; the same radeon_mn_destroy and radeon_mn_release are the pre-image of Jason Gunthorpe\'s "drm/radeon: use mmu_notifier_get/put for struct radeon_mn" (2019, index id 8395912566), so unchanged through v4.19; not touched by 93065ac753e4';

/** `radeon_mn_release()`: queues the destroy work and returns. */
const release: FnDef = fn({
  name: 'radeon_mn_release',
  file: FILE,
  version: 'v4.19',
  source: SRC_RELEASE,
  signature: 'static void radeon_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)',
  params: ['mn', 'mm'],
  body: [
    c('struct radeon_mn *rmn = container_of(mn, struct radeon_mn, mn);'),
    c('INIT_WORK(&rmn->work, radeon_mn_destroy);'),
    c('schedule_work(&rmn->work);'),
  ],
});

/**
 * `radeon_mn_destroy()`, the work item: under `rdev->mn_lock` and `rmn->lock` it takes every node out
 * of the tree and unlinks its BOs, then `mmu_notifier_unregister()` (which calls ->release again if
 * the notifier is still hashed, and waits for SRCU readers), and frees the notifier.
 */
const destroy: FnDef = fn({
  name: 'radeon_mn_destroy',
  file: FILE,
  version: 'v4.19',
  source: `${SRC_RELEASE}; \`&rmn->mn\` is passed as rmn (the model names a notifier and its embedded struct mmu_notifier alike)`,
  signature: 'static void radeon_mn_destroy(struct work_struct *work)',
  params: ['work'],
  body: [
    c('struct radeon_mn *rmn = container_of(work, struct radeon_mn, work);'),
    c('struct radeon_device *rdev = rmn->rdev;'),
    c('struct radeon_mn_node *node, *next_node;'),
    c('struct radeon_bo *bo, *next_bo;'),
    c('mutex_lock(&rdev->mn_lock);'),
    c('mutex_lock(&rmn->lock);'),
    c('hash_del(&rmn->node);'),
    foreach('rbtree_postorder_for_each_entry_safe(node, next_node, &rmn->objects.rb_root, it.rb)', [
      c('interval_tree_remove(&node->it, &rmn->objects);'),
      foreach('list_for_each_entry_safe(bo, next_bo, &node->bos, mn_list)', [c('bo->mn = NULL;'), c('list_del_init(&bo->mn_list);')]),
      c('kfree(node);'),
    ]),
    c('mutex_unlock(&rmn->lock);'),
    c('mutex_unlock(&rdev->mn_lock);'),
    cAs('mmu_notifier_unregister(&rmn->mn, rmn->mm);', 'mmu_notifier_unregister(rmn, rmn->mm);'),
    c('kfree(rmn);'),
  ],
});

const works = (id: string): WorkDef[] => [{ work: `${id}.work`, func: 'radeon_mn_destroy', queuedBy: ['radeon_mn_release'] }];

function instance(id: string, objects: readonly ObjectRange[]): InstanceState {
  const mem: Record<string, Value> = { ...mappedMem(id, objects), [`${id}.kfreed`]: 0 };
  const statics = objectStatics(id, objects, 'objects');
  // The destroy work: the device's mn_lock, the notifier's mm, and the notifier, which it frees.
  statics[`${id}.rdev`] = 'rdev';
  statics[`${id}.mm`] = 'mm';
  statics[`${id}.freeable`] = 1;
  objects.forEach((_, i) => {
    const o = `${id}.obj${i}`;
    mem[`${o}.tbo.ttm.state`] = 'tt_bound';
    mem[`${o}.mn`] = id;
    statics[`${o}.bos`] = [o];
  });
  return { mem, locks: { [`${id}.lock`]: 'mutex', 'rdev.mn_lock': 'mutex' }, statics, balanced: [] };
}

/** `tt_bound`, a value of `struct ttm_tt`'s `state` enum (symbolic in the model), and include/uapi/drm/radeon_drm.h's `#define RADEON_GEM_DOMAIN_CPU 0x1`. */
const CONSTANTS: Record<string, Value> = { tt_bound: 'tt_bound', RADEON_GEM_DOMAIN_CPU: 0x1 };

const v418: VariantDef = {
  description: 'Before 93065ac753e4 (v4.18): void start; mutex_lock(&rmn->lock); waits for and unbinds every bound BO in the range.',
  version: 'v4.18',
  api: 'v4.18',
  flags: 0,
  ops: { release: 'radeon_mn_release', invalidate_range_start: 'radeon_mn_invalidate_range_start' },
  primitives: RADEON_PRIMITIVES,
  instance,
  works,
  constants: CONSTANTS,
  fns: [startV418, release, destroy],
};

const v93065: VariantDef = variantByPatch(v418, '93065ac753e4-blockable-mode.patch', {
  description: 'The patch as posted (93065ac753e4): mutex_trylock(&rmn->lock) when !blockable; -EAGAIN (goto out_unlock) if the range has an object.',
  version: '93065ac753e4',
  api: 'v4.19',
});

const v50 = rangeV50(v93065, 'v5.0: the 93065ac753e4 (v4.19) functions with');
const v52 = rangeV52(v50, 'v5.2 (and v5.4): the v5.0 variant with');

export const RADEON: DriverDef = {
  name: 'radeon',
  description: 'radeon userptr notifier (drivers/gpu/drm/radeon/radeon_mn.c): start only, under rmn->lock (a mutex)',
  variants: { 'v4.18': v418, '93065ac753e4': v93065, 'v5.0': v50, 'v5.2': v52 },
  defaultVariant: { 'v4.18': 'v4.18', 'v4.19': '93065ac753e4', 'v5.0': 'v5.0', 'v5.2': 'v5.2' },
};
