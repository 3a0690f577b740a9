/**
 * amdgpu's mmu notifier (drivers/gpu/drm/amd/amdgpu/amdgpu_mn.c), GFX and HSA flavours, and the
 * command-submission ioctl that takes the notifier lock for write (drivers/gpu/drm/amd/amdgpu/amdgpu_cs.c).
 *
 * Two drivers: `amdgpu` (`amdgpu_mn_ops[AMDGPU_MN_TYPE_GFX]`, start
 * `amdgpu_mn_invalidate_range_start_gfx`) and `amdgpu-hsa` (`amdgpu_mn_ops[AMDGPU_MN_TYPE_HSA]`, start
 * `amdgpu_mn_invalidate_range_start_hsa`, which evicts the process's user-mode queues through
 * `amdgpu_amdkfd_evict_userptr`). Both share `amdgpu_mn_read_lock`, `amdgpu_mn_read_unlock` and
 * `amdgpu_mn_invalidate_range_end`. Each has four variants:
 *
 * - `v4.18`: before 93065ac753e4 (the `-` side of the seed diff): void start, `amdgpu_mn_read_lock(rmn)`.
 * - `93065ac753e4`: the patch as posted (`+` side of the seed diff, `rmn` naming): trylock of
 *   `read_lock` in non-blockable mode, `-EAGAIN` when the range has an object.
 * - `clarify`: Michal Hocko's "drm/amd: clarify amdgpu_mn_read_lock !blocking mode" from the thread
 *   (24 Aug 2018, #34): `mutex_lock(&amn->read_lock)` whatever `blockable` says.
 * - `tetsuo`: Tetsuo Handa's alternative from the thread (26 Aug 2018, #42): no recursion counter,
 *   `down_read`/`down_read_trylock` of `amn->lock` in start and `up_read` in end.
 *
 * Sources: the seed diff (001_a93342ea5087af67.txt, amdgpu_mn.c hunks, both sides; the HSA start's
 * `list_for_each_entry(bo, &node->bos, mn_list)` loop lies between two hunks and is read from the
 * 4.19.y file, index id 10443446050, whose HSA start is the `+` side of the diff with `amn` naming);
 * `amdgpu_mn_lock`/`amdgpu_mn_unlock` and `amdgpu_mn_invalidate_node` from index id 10443446050
 * `[4.19.y]` (the seed diff's hunk header shows `void amdgpu_mn_unlock(struct amdgpu_mn *mn)` in the
 * v4.18 file too); the thread messages named above.
 *
 * ## The command-submission ioctl (driver threads)
 *
 * Thread kinds of every variant of both drivers (no parameters): the submission `amdgpu_cs_submit(p, cs)`
 * of one command stream whose BO list holds every object of the notifier instance as a userptr BO.
 *
 * - `cs_alloc_under_lock`: the v4.18 order, before 4a2de54dc1d7 ("drm/amdgpu: fix holding mn_lock
 *   while allocating memory"): `amdgpu_mn_lock(p->mn)` (down_write of `amn->lock`), the userptr check,
 *   then `drm_sched_job_init()`, whose `drm_sched_fence_create()` allocates with GFP_KERNEL while the
 *   write lock is held: Tetsuo Handa's point in the thread (26 Aug 2018). Body `[recon]`: the lock and
 *   the check loop are Christian König's own quote of the function (22 Mar 2018, "Re:
 *   [Linaro-mm-sig] [PATCH 1/5] dma-buf: add optional invalidate_mappings callback v2", index id
 *   25245280327: `amdgpu_mn_lock(p->mn); if (p->bo_list) { for (i = p->bo_list->first_userptr; ...`
 *   with `amdgpu_mn_unlock(p->mn); return -ERESTARTSYS;`, and in prose: "5. Take the write side of
 *   our recursive lock. 6. Check if all pages are still valid, if not restart the whole IOCTL.
 *   7. Submit the job to the hardware. 8. Drop the write side"); the rest follows ../shared/kernel/README.md
 *   §5 (`[memory]`: `drm_sched_job_init()` with the write lock held, on failure
 *   `amdgpu_job_free(); amdgpu_mn_unlock(); return r;`) and the 4-argument `drm_sched_job_init()` of
 *   that time (drm_sched.ts).
 * - `cs_fixed`: 4a2de54dc1d7 as committed: `drm_sched_job_init()` first, then the lock, with the
 *   commit's error path. *Reconstruction*: the original commit's text was not found in the search
 *   index (neither the commit, nor its patch mail, nor a tree between it and its follow-up fix). The
 *   4.19.y body (index id 10047518367) has the labels `error_abort:` (`dma_fence_put()`,
 *   `job->base.s_fence = NULL;`, `amdgpu_mn_unlock(p->mn);`) and `error_unlock:`
 *   (`amdgpu_job_free(job); return r;`), the failure of `drm_sched_job_init()` jumping to
 *   `error_unlock`, where nothing unlocks. Tetsuo Handa wrote on 6 Sep 2018 (seed 001) that
 *   4a2de54dc1d7 "seems to be calling amdgpu_mn_unlock() without amdgpu_mn_lock() when
 *   drm_sched_job_init() failed": so the original differs from 4.19.y, and the label that still
 *   bears the name `error_unlock` is where the unlock was. The model's `cs_fixed` has
 *   `amdgpu_mn_unlock(p->mn);` under `error_unlock:` after `amdgpu_job_free(job);` and not under
 *   `error_abort:` (which falls through to it): the failed `drm_sched_job_init()` path then calls
 *   `up_write()` of a semaphore the task never took. Which of the two lines came first under
 *   `error_unlock:` is not known; no modelled state depends on it.
 * - `cs_v4_19`: the 4.19.y body (index id 10047518367), with the unlock under `error_abort:`.
 *
 * What the submission does to the secondary mapping: `ttm_eu_fence_buffer_objects()` adds the job's
 * fence to every BO of the list, after which the submitted job uses the BOs' pages: `obj.mapped = 1`
 * for every userptr BO whose pages are valid (`obj.pages_valid`). The userptr check
 * `amdgpu_ttm_tt_userptr_needs_pages()` returns true once an invalidation dropped the BO's pages
 * (`obj.pages_valid = 0`), and the submission then ends with -ERESTARTSYS (libdrm restarts the ioctl;
 * the model's thread ends there).
 *
 * *Abstractions* of the ioctl:
 * - The thread starts in `amdgpu_cs_submit()`, after `amdgpu_cs_parser_bos()` got the user pages
 *   (every object starts with `pages_valid = 1`) and reserved the BOs. Each CS thread has its own
 *   parser and job: the first of a notifier `id.cs` and `id.job`, the next `id.cs1` and `id.job1`,
 *   and so on, all over the notifier's BO list.
 * - `amdgpu_cs_submit()` is shown with the statements that lock, check, allocate, fence or return.
 *   Left out: `job->owner = p->filp;`, `amdgpu_cs_post_dependencies(p);` (syncobj fence replacement
 *   under a spinlock), the preamble flags, `cs->out.handle = seq;`, `job->uf_sequence = seq;`,
 *   `amdgpu_job_free_resources(job);`, the tracepoints, `priority = job->base.s_priority;`,
 *   `ring = to_amdgpu_ring(entity->rq->sched);` and `amdgpu_ring_priority_get(ring, priority)` (which
 *   takes `ring->priority_mutex` only for a raised priority; the model submits at normal priority).
 *   The v4.18 body keeps only the statements the sources above show.
 * - `amdgpu_ctx_add_fence()` returns 0 without sleeping: in 4.19 the wait for the fence that
 *   previously occupied the slot is done before, by `amdgpu_ctx_wait_prev_fence()` from
 *   `amdgpu_cs_ib_fill()` (index id 10047518367); its error branch is modelled and never taken.
 * - `dma_fence_get/put`, `amdgpu_job_free`, `drm_sched_entity_push_job` touch no modelled state and
 *   never sleep (`amdgpu_job_free` frees the job; the scheduler's run of the job is not modelled
 *   beyond `obj.mapped`).
 * - Parser limits, written with drm_common.ts's `cAs` (C text shown, model statement run): the v4.18
 *   loop's `struct amdgpu_bo *bo = p->bo_list->array[i].robj;` runs
 *   `bo = amdgpu_bo_list_array_robj(p->bo_list, i)` (no array subscripts);
 *   `struct drm_sched_entity *entity = &p->ctx->rings[ring->idx].entity;` runs `entity = &p->entity`
 *   (no array subscripts; the entity is an opaque reference to the model).
 * - The two CS kinds carry different `amdgpu_cs_submit` bodies, so one scenario can use only one of
 *   them (the scenario builder refuses two definitions of one function).
 * - In the kernel the CS ioctl locks only the GFX notifier (`amdgpu_mn_get(p->adev,
 *   AMDGPU_MN_TYPE_GFX)` in `amdgpu_cs_parser_bos()`); KFD userptr BOs are validated by the KFD
 *   restore worker instead. The `amdgpu-hsa` variants offer the same threads so that the HSA start's
 *   locking can be explored against a writer of `amn->lock`; such a scenario asks what would happen
 *   if something held an HSA notifier's lock for write, which v4.19 code does not do.
 *
 * ## The notifier
 *
 * *Abstractions*: the interval tree of `amdgpu_mn_node`s is the scenario's objects in address order,
 * each one node holding one userptr BO covering the object's range.
 * `reservation_object_wait_timeout_rcu` sleeps until the BO's fences signal (they always do
 * eventually) and leaves the GPU no longer using the pages (`obj.mapped = 0`).
 * `amdgpu_ttm_tt_affect_userptr` is the range test only: the kernel's also increments
 * `gtt->mmu_invalidations`, which `amdgpu_ttm_tt_userptr_needs_pages` compares; the model clears
 * `obj.pages_valid` instead, in `amdgpu_ttm_tt_mark_user_pages` (GFX) and
 * `amdgpu_amdkfd_evict_userptr` (HSA). Both happen under `amn->lock` held for read, which the CS
 * ioctl's write lock excludes, so the ioctl cannot tell the difference. `amdgpu_amdkfd_evict_userptr`
 * always sleeps (the kernel quiesces the queues, `kgd2kfd->quiesce_mm()`, only on the process's first
 * eviction, `evicted_bos == 1`; the restore worker is not modelled), and afterwards the queues no
 * longer use the BO (`obj.mapped = 0`).
 *
 * ## ->release
 *
 * `amdgpu_mn_release()` (every variant; 93065ac753e4 does not touch it) only queues the destroy work,
 * `INIT_WORK(&amn->work, amdgpu_mn_destroy); schedule_work(&amn->work);`, and returns: nothing is torn
 * down and nothing waits for the BOs' fences before exit_mmap goes on to unmap. The work item
 * `id.work` runs on a kworker (src/model/kernel/core/workqueue.ts): `amdgpu_mn_destroy()` takes
 * `adev->mn_lock` (one mutex for every notifier of the device: `adev.mn_lock`) and `amn->lock` for
 * write (a mutex `rmn->lock` in trees before the rw_semaphore; every modelled variant has the
 * semaphore), unlinks every BO (`bo->mn = NULL`: `obj.mn`), frees the interval tree's nodes (static
 * here), drops both locks, `mmu_notifier_unregister_no_release()` (no SRCU grace period) and
 * `kfree(amn)`: the notifier is a freeable object (`id.kfreed`), and a later access to it (an SRCU
 * walker still standing on it: `__mmu_notifier_release`'s own walk going on to `->hlist.next`, or the
 * reaper's) is a use after free (no-bug:oops). Sources: v4.18/93065ac753e4 with the `rmn` naming from index id 502473070 (a 4.17/
 * 4.18 amdgpu_mn.c, `[recon]` for the exact tree), `clarify`/`tetsuo` with `amn` from index id
 * 10443446050 `[4.19.y]`.
 *
 * Shared state per instance `id`: `id.lock` (rw_semaphore), `id.read_lock` (mutex), `id.recursion`
 * (atomic_t, balanced), per object `obj.mapped` (a GPU job or user queue still uses the BO's user
 * pages: the secondary mapping), `obj.pages_valid` (the BO's user pages are current) and `obj.mn`
 * (the BO's notifier, NULL after destroy), `id.kfreed`, and the CS parser's `id.cs.job`,
 * `id.cs.fence` and the job's `id.job.base.s_fence`.
 */
import type { DriverDef, DriverThreadDef, InstanceState, ObjectRange, ThreadBuildContext, VariantDef, WorkDef } from '../driver.ts';
import { mappedMem, objectStatics } from '../driver.ts';
import { variantByPatch } from '../by-patch.ts';
import { rangeV50, rangeV52 } from './range-api.ts';
import { c, elif, fn, for_, foreach, if_, label, while_, type FnDef } from '../../lang/ir.ts';
import { num, ref, type Primitive } from '../../lang/primitives.ts';
import type { Value } from '../../lang/state.ts';
import { boOf, cAs, DRM_PRIMITIVES } from './drm_common.ts';
import { AMDGPU_HMM_PRIMITIVES, amdgpuHsaV66, amdgpuV66 } from './amdgpu_hmm.ts';
import { DRM_SCHED_GLOBALS, DRM_SCHED_PRIMITIVES, drmSchedFenceCreate, drmSchedJobInitV418, drmSchedJobInitV419 } from './drm_sched.ts';

const FILE = 'drivers/gpu/drm/amd/amdgpu/amdgpu_mn.c';
const CS_FILE = 'drivers/gpu/drm/amd/amdgpu/amdgpu_cs.c';

/** The CS parser `p` of instance `id` (`id.cs`) from a `&p->validated` or `p->bo_list` reference. */
function parserOf(r: string): string {
  return r.replace(/\.(validated|bo_list)$/, '');
}

function list(ctx: { stat(key: string): Value | readonly Value[] | undefined }, key: string): readonly Value[] {
  const v = ctx.stat(key);
  return Array.isArray(v) ? v : [];
}

export const AMDGPU_PRIMITIVES: Record<string, Primitive> = {
  ...DRM_PRIMITIVES,
  ...DRM_SCHED_PRIMITIVES,
  amdgpu_ttm_tt_affect_userptr: {
    shared: false,
    sleeps: false,
    doc: 'amdgpu_ttm_tt_affect_userptr(ttm, start, end): whether the BO\'s userptr range overlaps [start, end] (static).',
    run(ctx, [ttm, s, e]) {
      const bo = boOf(ref(ttm, 'amdgpu_ttm_tt_affect_userptr'));
      const bs = num(ctx.stat(`${bo}.start`) as Value, 'start');
      const bl = num(ctx.stat(`${bo}.last`) as Value, 'last');
      return bs <= num(e, 'end') && num(s, 'start') <= bl ? 1 : 0;
    },
  },
  amdgpu_ttm_tt_mark_user_pages: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'pages_valid', mode: 'w' }],
    doc: 'amdgpu_ttm_tt_mark_user_pages(ttm): marks the user pages accessed/dirty and drops them; the BO needs new pages before its next use (`bo.pages_valid = 0`).',
    run(ctx, [ttm]) {
      ctx.write(`${boOf(ref(ttm, 'amdgpu_ttm_tt_mark_user_pages'))}.pages_valid`, 0);
      return 0;
    },
  },
  amdgpu_amdkfd_evict_userptr: {
    access: () => [
      { name: 'mapped', mode: 'w', zero: true },
      { name: 'pages_valid', mode: 'w' },
    ],
    shared: true,
    sleeps: true,
    doc: 'amdgpu_amdkfd_evict_userptr(mem, mm): evicts the process\'s user-mode queues (takes the KFD process lock and waits for the hardware): sleeps; afterwards the BO is no longer used (`bo.mapped = 0`, `bo.pages_valid = 0`).',
    run(ctx, [mem]) {
      const bo = ref(mem, 'amdgpu_amdkfd_evict_userptr').replace(/\.kfd_bo$/, '');
      ctx.write(`${bo}.mapped`, 0);
      ctx.write(`${bo}.pages_valid`, 0);
      return 0;
    },
  },

  // -------------------------------------------------------------------------------- CS ioctl
  amdgpu_ttm_tt_userptr_needs_pages: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'pages_valid', mode: 'r' }],
    doc: 'amdgpu_ttm_tt_userptr_needs_pages(ttm): true once an invalidation dropped the BO\'s user pages since the submission got them (`!bo.pages_valid`; the kernel compares gtt->mmu_invalidations with gtt->last_set_pages).',
    run: (ctx, [ttm]) => (ctx.read(`${boOf(ref(ttm, 'amdgpu_ttm_tt_userptr_needs_pages'))}.pages_valid`) ? 0 : 1),
  },
  amdgpu_bo_list_for_each_userptr_entry: {
    shared: false,
    sleeps: false,
    doc: 'amdgpu_bo_list_for_each_userptr_entry(e, list): walks the userptr entries of the submission\'s BO list (every object of the notifier instance; static).',
    run: (ctx, [l]) => list(ctx, ref(l, 'amdgpu_bo_list_for_each_userptr_entry')),
    iterate(ctx, [l], pos) {
      const es = list(ctx, ref(l, 'amdgpu_bo_list_for_each_userptr_entry'));
      if (pos === undefined) return es[0] ?? null;
      const i = es.indexOf(pos);
      return i >= 0 ? (es[i + 1] ?? null) : null;
    },
  },
  amdgpu_bo_list_array_robj: {
    shared: false,
    sleeps: false,
    doc: 'Stands for `p->bo_list->array[i].robj` (v4.18; the parser has no array subscripts): the i-th BO of the submission\'s BO list (static).',
    run: (ctx, [l, i]) => list(ctx, ref(l, 'amdgpu_bo_list_array_robj'))[num(i, 'amdgpu_bo_list_array_robj')] ?? null,
  },
  dma_fence_get: { shared: false, sleeps: false, doc: 'dma_fence_get(f): takes a reference; returns f.', run: (_ctx, [f]) => (f ?? null) as Value },
  dma_fence_put: { shared: false, sleeps: false, doc: 'dma_fence_put(f): drops a reference (a release frees the fence after an RCU grace period); never sleeps.', run: () => 0 },
  amdgpu_job_free: { shared: false, sleeps: false, doc: 'amdgpu_job_free(job): frees the job and its sync objects (kfree); never sleeps.', run: () => 0 },
  amdgpu_ctx_add_fence: {
    shared: false,
    sleeps: false,
    doc: 'amdgpu_ctx_add_fence(ctx, ring, fence, &seq): stores the fence in the context\'s ring slot; returns 0 (4.19: the wait for the slot\'s previous fence was done before, in amdgpu_ctx_wait_prev_fence()).',
    run: () => 0,
  },
  drm_sched_entity_push_job: {
    shared: false,
    sleeps: false,
    doc: 'drm_sched_entity_push_job(job, entity): queues the job on the entity and wakes the scheduler thread; never sleeps (the job\'s execution is not modelled beyond `obj.mapped`).',
    run: () => 0,
  },
  ttm_eu_fence_buffer_objects: {
    shared: true,
    sleeps: false,
    access: () => [
      { name: 'pages_valid', mode: 'r' },
      { name: 'mapped', mode: 'w' },
    ],
    doc: 'ttm_eu_fence_buffer_objects(ticket, list, fence): adds the job\'s fence to every BO of the submission and unreserves them; the submitted job now uses the pages of every userptr BO whose pages are valid (`bo.mapped = 1` if `bo.pages_valid`). Never sleeps.',
    run(ctx, [, l]) {
      const p = parserOf(ref(l, 'ttm_eu_fence_buffer_objects'));
      for (const bo of list(ctx, `${p}.bo_list`)) if (ctx.read(`${String(bo)}.pages_valid`)) ctx.write(`${String(bo)}.mapped`, 1);
      return 0;
    },
  },
};

// ------------------------------------------------------------------------------------------------
// Shared pieces of the notifier.

const invalidateNode: FnDef = fn({
  name: 'amdgpu_mn_invalidate_node',
  file: FILE,
  version: 'v4.19',
  source: '../shared/kernel/README.md §5 [4.19.y], index id 10443446050; unchanged by 93065ac753e4',
  signature: 'static void amdgpu_mn_invalidate_node(struct amdgpu_mn_node *node, unsigned long start, unsigned long end)',
  params: ['node', 'start', 'end'],
  body: [
    foreach('list_for_each_entry(bo, &node->bos, mn_list)', [
      if_('!amdgpu_ttm_tt_affect_userptr(bo->tbo.ttm, start, end)', [c('continue;')]),
      c('r = reservation_object_wait_timeout_rcu(bo->tbo.resv, true, false, MAX_SCHEDULE_TIMEOUT);'),
      if_('r <= 0', [c('DRM_ERROR("(%ld) failed to wait for user bo\\n", r);')]),
      c('amdgpu_ttm_tt_mark_user_pages(bo->tbo.ttm);'),
    ]),
  ],
});

const readUnlockRecursion = (v: string, name: string): FnDef =>
  fn({
    name: 'amdgpu_mn_read_unlock',
    file: FILE,
    version: v,
    source: 'seed 001 diff context; ../shared/kernel/README.md §5',
    signature: `static void amdgpu_mn_read_unlock(struct amdgpu_mn *${name})`,
    params: [name],
    body: [if_(`atomic_dec_return(&${name}->recursion) == 0`, [c(`up_read_non_owner(&${name}->lock);`)])],
  });

const invalidateRangeEnd = (v: string, name: string): FnDef =>
  fn({
    name: 'amdgpu_mn_invalidate_range_end',
    file: FILE,
    version: v,
    source: '../shared/kernel/README.md §5; not changed by 93065ac753e4',
    signature: 'static void amdgpu_mn_invalidate_range_end(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start, unsigned long end)',
    params: ['mn', 'mm', 'start', 'end'],
    body: [c(`struct amdgpu_mn *${name} = container_of(mn, struct amdgpu_mn, mn);`), c(`amdgpu_mn_read_unlock(${name});`)],
  });

type Flavour = 'gfx' | 'hsa';

/** What the walk does with one node: GFX waits for the BOs, HSA evicts the user queues. */
function nodeWork(fl: Flavour): FnDef['body'] {
  if (fl === 'gfx') return [c('amdgpu_mn_invalidate_node(node, start, end);')];
  return [
    foreach('list_for_each_entry(bo, &node->bos, mn_list)', [
      c('struct kgd_mem *mem = bo->kfd_bo;'),
      if_('amdgpu_ttm_tt_affect_userptr(bo->tbo.ttm, start, end)', [c('amdgpu_amdkfd_evict_userptr(mem, mm);')]),
    ]),
  ];
}

const startName = (fl: Flavour): string => `amdgpu_mn_invalidate_range_start_${fl}`;

/** The v4.18 start (the `-` side of the seed diff). */
const startV418 = (fl: Flavour): FnDef =>
  fn({
    name: startName(fl),
    file: FILE,
    version: 'v4.18',
    source: fl === 'gfx' ? 'seed 001 diff, amdgpu_mn.c (- side)' : 'seed 001 diff, amdgpu_mn.c (- side); the list_for_each_entry loop between the hunks from index id 10443446050',
    signature: `static void ${startName(fl)}(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start, unsigned long end)`,
    params: ['mn', 'mm', 'start', 'end'],
    body: [
      c('struct amdgpu_mn *rmn = container_of(mn, struct amdgpu_mn, mn);'),
      c('end -= 1;'),
      c('amdgpu_mn_read_lock(rmn);'),
      c('it = interval_tree_iter_first(&rmn->objects, start, end);'),
      while_('it', [
        c('node = container_of(it, struct amdgpu_mn_node, it);'),
        c('it = interval_tree_iter_next(it, start, end);'),
        ...nodeWork(fl),
      ]),
    ],
  });

/** The start of 93065ac753e4 and later, parameterised by the `amdgpu_mn` variable's name. */
const startV419 = (fl: Flavour, v: string, name: string, source: string): FnDef =>
  fn({
    name: startName(fl),
    file: FILE,
    version: v,
    source,
    signature: `static int ${startName(fl)}(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start, unsigned long end, bool blockable)`,
    params: ['mn', 'mm', 'start', 'end', 'blockable'],
    body: [
      c(`struct amdgpu_mn *${name} = container_of(mn, struct amdgpu_mn, mn);`),
      c('end -= 1;'),
      if_(`amdgpu_mn_read_lock(${name}, blockable)`, [c('return -EAGAIN;')]),
      c(`it = interval_tree_iter_first(&${name}->objects, start, end);`),
      while_('it', [
        if_('!blockable', [c(`amdgpu_mn_read_unlock(${name});`), c('return -EAGAIN;')]),
        c('node = container_of(it, struct amdgpu_mn_node, it);'),
        c('it = interval_tree_iter_next(it, start, end);'),
        ...nodeWork(fl),
      ]),
      c('return 0;'),
    ],
  });

// ------------------------------------------------------------------------------------------------
// amdgpu_mn_read_lock by variant.

const readLockV418: FnDef = fn({
  name: 'amdgpu_mn_read_lock',
  file: FILE,
  version: 'v4.18',
  source: 'seed 001 diff, amdgpu_mn.c (- side)',
  signature: 'static void amdgpu_mn_read_lock(struct amdgpu_mn *rmn)',
  params: ['rmn'],
  body: [
    c('mutex_lock(&rmn->read_lock);'),
    if_('atomic_inc_return(&rmn->recursion) == 1', [c('down_read_non_owner(&rmn->lock);')]),
    c('mutex_unlock(&rmn->read_lock);'),
  ],
});

const readLockClarify: FnDef = fn({
  name: 'amdgpu_mn_read_lock',
  file: FILE,
  version: 'clarify',
  source: 'seed 001, Michal Hocko 24 Aug 2018 (#34), "drm/amd: clarify amdgpu_mn_read_lock !blocking mode"',
  signature: 'static int amdgpu_mn_read_lock(struct amdgpu_mn *amn, bool blockable)',
  params: ['amn', 'blockable'],
  body: [
    c('mutex_lock(&amn->read_lock);'),
    if_('atomic_inc_return(&amn->recursion) == 1', [c('down_read_non_owner(&amn->lock);')]),
    c('mutex_unlock(&amn->read_lock);'),
    c('return 0;'),
  ],
});

/** The posted read_lock in the `amn` naming: the `-` side of the clarify patch (blob e55508b39496). */
const readLockPostedAmn: FnDef = fn({
  name: 'amdgpu_mn_read_lock',
  file: FILE,
  version: '4.19.y',
  source: 'the - side and context of examples/patches/amdgpu-clarify-read-lock.patch (blob e55508b39496); the 4.19.y tree (index id 10443446050) has the same function',
  signature: 'static int amdgpu_mn_read_lock(struct amdgpu_mn *amn, bool blockable)',
  params: ['amn', 'blockable'],
  body: [
    if_('blockable', [c('mutex_lock(&amn->read_lock);')], elif('!mutex_trylock(&amn->read_lock)', [c('return -EAGAIN;')])),
    if_('atomic_inc_return(&amn->recursion) == 1', [c('down_read_non_owner(&amn->lock);')]),
    c('mutex_unlock(&amn->read_lock);'),
    c('return 0;'),
  ],
});

const readLockTetsuo: FnDef = fn({
  name: 'amdgpu_mn_read_lock',
  file: FILE,
  version: 'tetsuo',
  source: 'seed 001, Tetsuo Handa 26 Aug 2018 (#42)',
  signature: 'static int amdgpu_mn_read_lock(struct amdgpu_mn *amn, bool blockable)',
  params: ['amn', 'blockable'],
  body: [
    if_('blockable', [c('down_read(&amn->lock);')], elif('!down_read_trylock(&amn->lock)', [c('return -EAGAIN;')])),
    c('return 0;'),
  ],
});

const readUnlockTetsuo: FnDef = fn({
  name: 'amdgpu_mn_read_unlock',
  file: FILE,
  version: 'tetsuo',
  source: 'seed 001, Tetsuo Handa 26 Aug 2018 (#42)',
  signature: 'static void amdgpu_mn_read_unlock(struct amdgpu_mn *amn)',
  params: ['amn'],
  body: [c('up_read(&amn->lock);')],
});

const readUnlockV418 = readUnlockRecursion('v4.18', 'rmn');
const readUnlockClarify = readUnlockRecursion('clarify', 'amn');
const endV418 = invalidateRangeEnd('v4.18', 'rmn');
const endClarify = invalidateRangeEnd('clarify', 'amn');
const endTetsuo = invalidateRangeEnd('tetsuo', 'amn');

// ------------------------------------------------------------------------------------------------
// ->release and the destroy work it queues.

const SRC_RELEASE_418 =
  'amdgpu_mn.c of a 4.17/4.18 tree with the rw_semaphore, read_lock and recursion and the `rmn` naming (index id 502473070) [recon]; not touched by 93065ac753e4';
const SRC_RELEASE_419 = 'index id 10443446050 (4.19.y amdgpu_mn.c, HEAD side) [4.19.y]';

/** `amdgpu_mn_release()`: queues the destroy work and returns; nothing is torn down before it returns. */
const release = (v: string, name: string, source: string): FnDef =>
  fn({
    name: 'amdgpu_mn_release',
    file: FILE,
    version: v,
    source,
    signature: 'static void amdgpu_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)',
    params: ['mn', 'mm'],
    body: [
      c(`struct amdgpu_mn *${name} = container_of(mn, struct amdgpu_mn, mn);`),
      c(`INIT_WORK(&${name}->work, amdgpu_mn_destroy);`),
      c(`schedule_work(&${name}->work);`),
    ],
  });

/**
 * `amdgpu_mn_destroy()`, the work item: under `adev->mn_lock` and `amn->lock` for write it unlinks
 * every BO from the notifier and frees the interval tree's nodes, then unregisters the notifier
 * without ->release and without waiting for SRCU readers (`mmu_notifier_unregister_no_release`),
 * and frees it.
 */
const destroy = (v: string, name: string, source: string): FnDef =>
  fn({
    name: 'amdgpu_mn_destroy',
    file: FILE,
    version: v,
    source: `${source}; \`&${name}->mn\` is passed as ${name} (the model names a notifier and its embedded struct mmu_notifier alike)`,
    signature: 'static void amdgpu_mn_destroy(struct work_struct *work)',
    params: ['work'],
    body: [
      c(`struct amdgpu_mn *${name} = container_of(work, struct amdgpu_mn, work);`),
      c(`struct amdgpu_device *adev = ${name}->adev;`),
      c('struct amdgpu_mn_node *node, *next_node;'),
      c('struct amdgpu_bo *bo, *next_bo;'),
      c('mutex_lock(&adev->mn_lock);'),
      c(`down_write(&${name}->lock);`),
      c(`hash_del(&${name}->node);`),
      foreach(`rbtree_postorder_for_each_entry_safe(node, next_node, &${name}->objects.rb_root, it.rb)`, [
        foreach('list_for_each_entry_safe(bo, next_bo, &node->bos, mn_list)', [c('bo->mn = NULL;'), c('list_del_init(&bo->mn_list);')]),
        c('kfree(node);'),
      ]),
      c(`up_write(&${name}->lock);`),
      c('mutex_unlock(&adev->mn_lock);'),
      cAs(`mmu_notifier_unregister_no_release(&${name}->mn, ${name}->mm);`, `mmu_notifier_unregister_no_release(${name}, ${name}->mm);`),
      c(`kfree(${name});`),
    ],
  });

const releaseRmn = release('v4.18', 'rmn', SRC_RELEASE_418);
const destroyRmn = destroy('v4.18', 'rmn', SRC_RELEASE_418);
const releaseAmn = release('v4.19', 'amn', SRC_RELEASE_419);
const destroyAmn = destroy('v4.19', 'amn', SRC_RELEASE_419);

/** The destroy work of instance `id`, queued by amdgpu_mn_release. */
const works = (id: string): WorkDef[] => [{ work: `${id}.work`, func: 'amdgpu_mn_destroy', queuedBy: ['amdgpu_mn_release'] }];

// ------------------------------------------------------------------------------------------------
// The command-submission ioctl.

const mnLock: FnDef = fn({
  name: 'amdgpu_mn_lock',
  file: FILE,
  version: 'v4.19',
  source: 'index id 10443446050 [4.19.y]; the same in v4.18 (seed 001 diff, hunk header at amdgpu_mn_unlock)',
  signature: 'void amdgpu_mn_lock(struct amdgpu_mn *mn)',
  params: ['mn'],
  body: [if_('mn', [c('down_write(&mn->lock);')])],
});

const mnUnlock: FnDef = fn({
  name: 'amdgpu_mn_unlock',
  file: FILE,
  version: 'v4.19',
  source: 'index id 10443446050 [4.19.y]; the same in v4.18 (seed 001 diff, hunk header at amdgpu_mn_unlock)',
  signature: 'void amdgpu_mn_unlock(struct amdgpu_mn *mn)',
  params: ['mn'],
  body: [if_('mn', [c('up_write(&mn->lock);')])],
});

const CS_SIGNATURE = 'static int amdgpu_cs_submit(struct amdgpu_cs_parser *p, union drm_amdgpu_cs *cs)';

/** v4.18: the write lock first, then drm_sched_job_init() allocating under it. */
const csSubmitV418: FnDef = fn({
  name: 'amdgpu_cs_submit',
  file: CS_FILE,
  version: 'v4.18',
  source:
    '[recon] lock and userptr check: Christian König\'s quote, 22 Mar 2018, linaro-mm-sig (index id 25245280327); drm_sched_job_init under the lock and its error path: ../shared/kernel/README.md §5 [memory], consistent with Tetsuo Handa (seed 001, 26 Aug 2018); bookkeeping statements left out (amdgpu.ts doc comment)',
  signature: CS_SIGNATURE,
  params: ['p', 'cs'],
  body: [
    c('struct amdgpu_ring *ring = p->job->ring;'),
    cAs('struct drm_sched_entity *entity = &p->ctx->rings[ring->idx].entity;', 'entity = &p->entity;'),
    c('int r;'),
    c('amdgpu_mn_lock(p->mn);'),
    if_('p->bo_list', [
      for_('i = p->bo_list->first_userptr', 'i < p->bo_list->num_entries', '++i', [
        cAs('struct amdgpu_bo *bo = p->bo_list->array[i].robj;', 'bo = amdgpu_bo_list_array_robj(p->bo_list, i);'),
        if_('amdgpu_ttm_tt_userptr_needs_pages(bo->tbo.ttm)', [c('amdgpu_mn_unlock(p->mn);'), c('return -ERESTARTSYS;')]),
      ]),
    ]),
    c('job = p->job;'),
    c('p->job = NULL;'),
    c('r = drm_sched_job_init(&job->base, &ring->sched, entity, p->filp);'),
    if_('r', [c('amdgpu_job_free(job);'), c('amdgpu_mn_unlock(p->mn);'), c('return r;')]),
    c('p->fence = dma_fence_get(&job->base.s_fence->finished);'),
    c('drm_sched_entity_push_job(&job->base, entity);'),
    c('ttm_eu_fence_buffer_objects(&p->ticket, &p->validated, p->fence);'),
    c('amdgpu_mn_unlock(p->mn);'),
    c('return 0;'),
  ],
});

/** The part of the 4a2de54dc1d7 / 4.19.y body before the error labels. */
function csSubmitV419Head(): FnDef['body'] {
  return [
    c('struct amdgpu_ring *ring = p->ring;'),
    cAs('struct drm_sched_entity *entity = &p->ctx->rings[ring->idx].entity;', 'entity = &p->entity;'),
    c('uint64_t seq;'),
    c('int r;'),
    c('job = p->job;'),
    c('p->job = NULL;'),
    c('r = drm_sched_job_init(&job->base, entity, p->filp);'),
    if_('r', [c('goto error_unlock;')]),
    c('amdgpu_mn_lock(p->mn);'),
    foreach('amdgpu_bo_list_for_each_userptr_entry(e, p->bo_list)', [
      c('struct amdgpu_bo *bo = e->robj;'),
      if_('amdgpu_ttm_tt_userptr_needs_pages(bo->tbo.ttm)', [c('r = -ERESTARTSYS;'), c('goto error_abort;')]),
    ]),
    c('p->fence = dma_fence_get(&job->base.s_fence->finished);'),
    c('r = amdgpu_ctx_add_fence(p->ctx, ring, p->fence, &seq);'),
    if_('r', [
      c('dma_fence_put(p->fence);'),
      c('dma_fence_put(&job->base.s_fence->finished);'),
      c('amdgpu_job_free(job);'),
      c('amdgpu_mn_unlock(p->mn);'),
      c('return r;'),
    ]),
    c('drm_sched_entity_push_job(&job->base, entity);'),
    c('ttm_eu_fence_buffer_objects(&p->ticket, &p->validated, p->fence);'),
    c('amdgpu_mn_unlock(p->mn);'),
    c('return 0;'),
  ];
}

/** 4a2de54dc1d7 as committed (reconstructed: see the doc comment): the unlock under `error_unlock:`. */
const csSubmit4a2de54: FnDef = fn({
  name: 'amdgpu_cs_submit',
  file: CS_FILE,
  version: '4a2de54dc1d7',
  source:
    '[recon] 4.19.y body (index id 10047518367) with the original error path: amdgpu_mn_unlock() under error_unlock, as Tetsuo Handa reports (seed 001, 6 Sep 2018); the commit itself was not found in the index',
  signature: CS_SIGNATURE,
  params: ['p', 'cs'],
  body: [
    ...csSubmitV419Head(),
    label('error_abort'),
    c('dma_fence_put(&job->base.s_fence->finished);'),
    c('job->base.s_fence = NULL;'),
    label('error_unlock'),
    c('amdgpu_job_free(job);'),
    c('amdgpu_mn_unlock(p->mn);'),
    c('return r;'),
  ],
});

/** 4.19.y: the unlock moved under `error_abort:`. */
const csSubmitV419y: FnDef = fn({
  name: 'amdgpu_cs_submit',
  file: CS_FILE,
  version: '4.19.y',
  source: 'index id 10047518367 (dreAd1811/kernel_moba, HEAD side, a 4.19.y tree) [4.19.y]; bookkeeping statements left out (amdgpu.ts doc comment)',
  signature: CS_SIGNATURE,
  params: ['p', 'cs'],
  body: [
    ...csSubmitV419Head(),
    label('error_abort'),
    c('dma_fence_put(&job->base.s_fence->finished);'),
    c('job->base.s_fence = NULL;'),
    c('amdgpu_mn_unlock(p->mn);'),
    label('error_unlock'),
    c('amdgpu_job_free(job);'),
    c('return r;'),
  ],
});

/** The CS threads of each notifier so far, per scenario being built (keyed by its statics). */
const ioctlsOf = new WeakMap<object, Map<string, number>>();

/**
 * The parser and job of one CS ioctl. Each amdgpu_cs_ioctl() has its own: the parser on its stack,
 * the job from amdgpu_job_alloc(). The first CS thread of a notifier uses `id.cs` and `id.job`
 * (made by instance()); each further one gets `id.cs<k>` and `id.job<k>` (k = 1, 2, ...) over the
 * same BO list. Before, two CS threads shared one parser, and the second found `p->job` NULL: a
 * kernel oops the kernel cannot have.
 */
function csArgs(nid: string, ctx: ThreadBuildContext): Value[] {
  // Counted per scenario build (its statics object), outside the model's state and configuration.
  const counts = ioctlsOf.get(ctx.statics) ?? new Map<string, number>();
  ioctlsOf.set(ctx.statics, counts);
  const k = counts.get(nid) ?? 0;
  counts.set(nid, k + 1);
  if (k === 0) return [`${nid}.cs`, `${nid}.cs.args`];
  const p = `${nid}.cs${k}`;
  const job = `${nid}.job${k}`;
  ctx.mem[`${p}.job`] = job;
  ctx.mem[`${p}.fence`] = null;
  ctx.mem[`${job}.base.s_fence`] = null;
  for (const f of ['mn', 'bo_list', 'bo_list.first_userptr', 'bo_list.num_entries']) ctx.statics[`${p}.${f}`] = ctx.statics[`${nid}.cs.${f}`]!;
  return [p, `${p}.args`];
}

const CS_THREADS: Readonly<Record<string, DriverThreadDef>> = {
  cs_alloc_under_lock: {
    description:
      'amdgpu_cs_submit() before 4a2de54dc1d7 (v4.18): amdgpu_mn_lock() (down_write of amn->lock), the userptr check, then drm_sched_job_init() allocating the scheduler fence with GFP_KERNEL under the write lock.',
    fns: [csSubmitV418, mnLock, mnUnlock, drmSchedJobInitV418, drmSchedFenceCreate],
    entry: 'amdgpu_cs_submit',
    args: (nid, _p, ctx) => csArgs(nid, ctx),
    params: {},
  },
  cs_fixed: {
    description:
      'amdgpu_cs_submit() as 4a2de54dc1d7 ("drm/amdgpu: fix holding mn_lock while allocating memory") committed it: drm_sched_job_init() before amdgpu_mn_lock(); its error path unlocks amn->lock also when drm_sched_job_init() failed before the lock was taken.',
    fns: [csSubmit4a2de54, mnLock, mnUnlock, drmSchedJobInitV419, drmSchedFenceCreate],
    entry: 'amdgpu_cs_submit',
    args: (nid, _p, ctx) => csArgs(nid, ctx),
    params: {},
  },
  cs_v4_19: {
    description: 'amdgpu_cs_submit() as 4.19.y has it: drm_sched_job_init() before amdgpu_mn_lock(), the unlock only on the paths that took the lock.',
    fns: [csSubmitV419y, mnLock, mnUnlock, drmSchedJobInitV419, drmSchedFenceCreate],
    entry: 'amdgpu_cs_submit',
    args: (nid, _p, ctx) => csArgs(nid, ctx),
    params: {},
  },
};

// ------------------------------------------------------------------------------------------------
// Instances and variants.

function instance(id: string, objects: readonly ObjectRange[]): InstanceState {
  const mem: Record<string, Value> = { [`${id}.recursion`]: 0, ...mappedMem(id, objects) };
  const statics = objectStatics(id, objects, 'objects');
  const bos: string[] = [];
  // The destroy work: the device's mn_lock, the notifier's mm, and the notifier, which it frees.
  statics[`${id}.adev`] = 'adev';
  statics[`${id}.mm`] = 'mm';
  statics[`${id}.freeable`] = 1;
  mem[`${id}.kfreed`] = 0;
  objects.forEach((_, i) => {
    const o = `${id}.obj${i}`;
    bos.push(o);
    mem[`${o}.pages_valid`] = 1;
    mem[`${o}.mn`] = id;
    statics[`${o}.bos`] = [o];
    statics[`${o}.robj`] = o;
  });
  // The command submission's parser `id.cs` and job `id.job` (used by the CS threads only).
  mem[`${id}.cs.job`] = `${id}.job`;
  mem[`${id}.cs.fence`] = null;
  mem[`${id}.job.base.s_fence`] = null;
  statics[`${id}.cs.mn`] = id;
  statics[`${id}.cs.bo_list`] = bos;
  statics[`${id}.cs.bo_list.first_userptr`] = 0;
  statics[`${id}.cs.bo_list.num_entries`] = bos.length;
  return {
    mem,
    locks: { [`${id}.lock`]: 'rwsem', [`${id}.read_lock`]: 'mutex', 'adev.mn_lock': 'mutex' },
    statics,
    balanced: [`${id}.recursion`],
  };
}

const GLOBALS = [...DRM_SCHED_GLOBALS];

function variants(fl: Flavour): Record<string, VariantDef> {
  const ops419 = { release: 'amdgpu_mn_release', invalidate_range_start: startName(fl), invalidate_range_end: 'amdgpu_mn_invalidate_range_end' };
  const common = { flags: 0, primitives: AMDGPU_PRIMITIVES, instance, globals: GLOBALS, threads: CS_THREADS, works } as const;
  const v418: VariantDef = {
    ...common,
    description: `Before 93065ac753e4 (v4.18): void ${startName(fl)}; read_lock taken with mutex_lock.`,
    version: 'v4.18',
    api: 'v4.18',
    ops: ops419,
    fns: [readLockV418, readUnlockV418, ...(fl === 'gfx' ? [invalidateNode] : []), startV418(fl), endV418, releaseRmn, destroyRmn],
  };
  const v93065 = variantByPatch(v418, '93065ac753e4-blockable-mode.patch', {
    description: 'The patch as posted (93065ac753e4): mutex_trylock(read_lock) when !blockable, -EAGAIN if the range has an object.',
    version: '93065ac753e4',
    api: 'v4.19',
  });
  const clarify: VariantDef = {
    ...common,
    description: 'Michal Hocko\'s "drm/amd: clarify amdgpu_mn_read_lock !blocking mode" (24 Aug 2018, in the review thread of <20180716115058.5559-1-mhocko@kernel.org>): mutex_lock(read_lock) in both modes.',
    version: 'clarify',
    api: 'v4.19',
    ops: ops419,
    fns: [
      readLockClarify,
      readUnlockClarify,
      ...(fl === 'gfx' ? [invalidateNode] : []),
      startV419(fl, 'clarify', 'amn', '../shared/kernel/README.md §5 [4.19.y], index id 10443446050'),
      endClarify,
      releaseAmn,
      destroyAmn,
    ],
  };
  const tetsuo: VariantDef = {
    ...common,
    description: 'Tetsuo Handa\'s alternative (26 Aug 2018, in the review thread of <20180716115058.5559-1-mhocko@kernel.org>): no read_lock mutex and no recursion counter; down_read(_trylock) of amn->lock in start, up_read in end.',
    version: 'tetsuo',
    api: 'v4.19',
    ops: ops419,
    fns: [
      readLockTetsuo,
      readUnlockTetsuo,
      ...(fl === 'gfx' ? [invalidateNode] : []),
      startV419(fl, 'tetsuo', 'amn', '../shared/kernel/README.md §5 [4.19.y] (index id 10443446050) with Tetsuo Handa\'s read_lock'),
      endTetsuo,
      releaseAmn,
      destroyAmn,
    ],
  };
  /**
   * The text 5d6527a784f7's amdgpu_mn.c hunk was made against (blob e55508b39496): the 4.19.y `amn`
   * naming with the posted amdgpu_mn_read_lock, which the clarify patch's `-` side shows whole (the
   * clarify patch was made against the same blob: it was not in that tree). Not a variant of its own
   * (v4.19 runs the 93065ac753e4 functions, which differ only in naming): the base of v5.0.
   */
  const base419y: VariantDef = {
    ...common,
    description: '4.19.y: the posted amdgpu_mn_read_lock with the amn naming.',
    version: '4.19.y',
    api: 'v4.19',
    ops: ops419,
    fns: [
      readLockPostedAmn,
      readUnlockRecursion('4.19.y', 'amn'),
      ...(fl === 'gfx' ? [invalidateNode] : []),
      startV419(fl, '4.19.y', 'amn', '../shared/kernel/README.md §5 [4.19.y], index id 10443446050'),
      invalidateRangeEnd('4.19.y', 'amn'),
      releaseAmn,
      destroyAmn,
    ],
  };
  const v50 = rangeV50(base419y, 'v5.0: the 4.19.y text (amn naming, the posted amdgpu_mn_read_lock: blob e55508b39496, the one 5d6527a784f7\'s hunk was made against) with');
  const v52 = rangeV52(v50, 'v5.2 (and v5.4): the v5.0 variant with');
  // v6.6: amdgpu_hmm.c's interval notifiers (src/model/kernel/drivers/amdgpu_hmm.ts).
  // amdgpu_amdkfd_evict_userptr is a modelled function of v6.6's (it was a primitive of the older flavours).
  const { amdgpu_amdkfd_evict_userptr: _evict, ...older } = AMDGPU_PRIMITIVES;
  void _evict;
  const v66: VariantDef = { ...(fl === 'gfx' ? amdgpuV66 : amdgpuHsaV66), primitives: { ...older, ...AMDGPU_HMM_PRIMITIVES } };
  return { 'v4.18': v418, '93065ac753e4': v93065, clarify, tetsuo, 'v5.0': v50, 'v5.2': v52, 'v6.6': v66 };
}

export const AMDGPU: DriverDef = {
  name: 'amdgpu',
  description: 'amdgpu userptr notifier, GFX flavour (drivers/gpu/drm/amd/amdgpu/amdgpu_mn.c), and the CS ioctl that write-locks it (amdgpu_cs.c)',
  variants: variants('gfx'),
  defaultVariant: { 'v4.18': 'v4.18', 'v4.19': '93065ac753e4', 'v5.0': 'v5.0', 'v5.2': 'v5.2' },
};

export const AMDGPU_HSA: DriverDef = {
  name: 'amdgpu-hsa',
  description: 'amdgpu userptr notifier, HSA (KFD) flavour (drivers/gpu/drm/amd/amdgpu/amdgpu_mn.c): the start evicts the user-mode queues',
  variants: variants('hsa'),
  defaultVariant: { 'v4.18': 'v4.18', 'v4.19': '93065ac753e4', 'v5.0': 'v5.0', 'v5.2': 'v5.2' },
};
