/**
 * The DRM GPU scheduler functions the amdgpu command submission calls (drivers/gpu/drm/scheduler/):
 * `drm_sched_job_init()` and the allocation inside it, `drm_sched_fence_create()`. They are modelled
 * functions, not primitives, so that the GFP_KERNEL allocation Tetsuo Handa points at in the review
 * thread ("drm_sched_fence_create() from drm_sched_job_init() from amdgpu_cs_submit() is doing
 * GFP_KERNEL memory allocation with ->lock held for write?", 001_a93342ea5087af67.txt) is a step
 * of its own in traces, with its call chain.
 *
 * Sources:
 * - `drm_sched_job_init`, 4-argument form `(job, sched, entity, owner)` of the pre-4.19
 *   drivers/gpu/drm/scheduler/gpu_scheduler.c: index id 459991195 (a mid-2018 drm-next tree of that
 *   file; v4.18 calls it the same way, `drm_sched_job_init(&job->base, &ring->sched, entity,
 *   p->filp)`) `[recon]`.
 * - `drm_sched_job_init`, 3-argument form `(job, entity, owner)` of v4.19
 *   drivers/gpu/drm/scheduler/sched_main.c, with `drm_sched_entity_select_rq()`: index id 74183028
 *   (the 4.19 body: `INIT_WORK(&job->finish_work, ...)`, no `-ENOENT` check yet; index id 63592527
 *   is the next version, which adds `if (!entity->rq) return -ENOENT;`) `[recon]`. The 4.19.y
 *   amdgpu_cs.c (index id 10047518367) calls it as `drm_sched_job_init(&job->base, entity, p->filp)`.
 * - `drm_sched_fence_create`, drivers/gpu/drm/scheduler/sched_fence.c: index id 18203884682 (the
 *   4.19 body, `fence->sched = entity->rq->sched`; v4.18 reads `entity->sched` there, a line the
 *   model leaves out) `[recon]`.
 *
 * *Abstractions*:
 * - Left out, because they only fill fields of the new job and fence that no modelled code reads:
 *   in `drm_sched_job_init`, `sched = entity->rq->sched;`, `job->sched = sched;`,
 *   `job->entity = entity;`, `job->s_priority = ...;`, `job->id = atomic64_inc_return(...);`,
 *   `INIT_WORK(...)`, `INIT_LIST_HEAD(...)`, `INIT_DELAYED_WORK(...)`; in `drm_sched_fence_create`,
 *   `fence->owner = owner;`, `fence->sched = ...;`, `spin_lock_init(&fence->lock);`,
 *   `seq = atomic_inc_return(&entity->fence_seq);` and the two `dma_fence_init(...)` calls. None of
 *   them sleeps, allocates or takes a lock that another modelled thread takes.
 * - `drm_sched_entity_select_rq(entity)` (v4.19) picks the entity's run queue under
 *   `entity->rq_lock`, a spinlock no other modelled thread takes: a non-sleeping no-op.
 * - The allocation `kmem_cache_zalloc(sched_fence_slab, GFP_KERNEL)` goes through the model's page
 *   allocator (src/model/kernel/core/page_alloc.ts; docs/model.md, "Memory"): it may sleep and enter direct
 *   reclaim; a thread of the OOM victim is served from the reserves or fails, any other waits until
 *   the OOM is resolved.
 */
import { c, fn, if_, type FnDef } from '../../lang/ir.ts';
import type { Primitive } from '../../lang/primitives.ts';

const MAIN_V418 = 'drivers/gpu/drm/scheduler/gpu_scheduler.c';
const MAIN_V419 = 'drivers/gpu/drm/scheduler/sched_main.c';
const FENCE = 'drivers/gpu/drm/scheduler/sched_fence.c';

/** Global objects the scheduler code names (for the link check). */
export const DRM_SCHED_GLOBALS: readonly string[] = ['sched_fence_slab'];

export const DRM_SCHED_PRIMITIVES: Record<string, Primitive> = {
  drm_sched_entity_select_rq: {
    shared: false,
    sleeps: false,
    doc: 'drm_sched_entity_select_rq(entity) (v4.19): picks the least loaded run queue for the entity under entity->rq_lock (a spinlock no other modelled thread takes); never sleeps; no modelled state.',
    run: () => 0,
  },
};

export const drmSchedFenceCreate: FnDef = fn({
  name: 'drm_sched_fence_create',
  file: FENCE,
  version: 'v4.19',
  source: 'index id 18203884682 (4.19 sched_fence.c body) [recon]; fence field initialisation left out (drm_sched.ts doc comment)',
  signature: 'struct drm_sched_fence *drm_sched_fence_create(struct drm_sched_entity *entity, void *owner)',
  params: ['entity', 'owner'],
  body: [
    c('struct drm_sched_fence *fence = NULL;'),
    c('unsigned seq;'),
    c('fence = kmem_cache_zalloc(sched_fence_slab, GFP_KERNEL);'),
    if_('fence == NULL', [c('return NULL;')]),
    c('return fence;'),
  ],
});

/** v4.18: `drm_sched_job_init(job, sched, entity, owner)`. */
export const drmSchedJobInitV418: FnDef = fn({
  name: 'drm_sched_job_init',
  file: MAIN_V418,
  version: 'v4.18',
  source: 'index id 459991195 (pre-4.19 gpu_scheduler.c, 4-argument form) [recon]; job field initialisation left out (drm_sched.ts doc comment)',
  signature: 'int drm_sched_job_init(struct drm_sched_job *job, struct drm_gpu_scheduler *sched, struct drm_sched_entity *entity, void *owner)',
  params: ['job', 'sched', 'entity', 'owner'],
  body: [
    c('job->s_fence = drm_sched_fence_create(entity, owner);'),
    if_('!job->s_fence', [c('return -ENOMEM;')]),
    c('return 0;'),
  ],
});

/** v4.19: `drm_sched_job_init(job, entity, owner)`. */
export const drmSchedJobInitV419: FnDef = fn({
  name: 'drm_sched_job_init',
  file: MAIN_V419,
  version: 'v4.19',
  source: 'index id 74183028 (4.19 sched_main.c) [recon]; job field initialisation left out (drm_sched.ts doc comment)',
  signature: 'int drm_sched_job_init(struct drm_sched_job *job, struct drm_sched_entity *entity, void *owner)',
  params: ['job', 'entity', 'owner'],
  body: [
    c('struct drm_gpu_scheduler *sched;'),
    c('drm_sched_entity_select_rq(entity);'),
    c('job->s_fence = drm_sched_fence_create(entity, owner);'),
    if_('!job->s_fence', [c('return -ENOMEM;')]),
    c('return 0;'),
  ],
});
