/**
 * amdgpu's userptr notifiers as the current LTS (v6.6) has them: drivers/gpu/drm/amd/amdgpu/amdgpu_hmm.c
 * (one `mmu_interval_notifier` per userptr BO, v5.6 on: Jason Gunthorpe's "drm/amdgpu: Use
 * mmu_interval_insert instead of hmm_mirror"; the file was amdgpu_mn.c until v6.1), the command
 * submission that reads the BO's pages under the sequence-count protocol (amdgpu_cs.c, amdgpu_ttm.c),
 * and the HSA (KFD) flavour's eviction (amdgpu_amdkfd_gpuvm.c). The variants `amdgpu@v6.6` and
 * `amdgpu-hsa@v6.6` of src/model/kernel/drivers/amdgpu.ts.
 *
 * Sources (index ids are the search tool's; no tree could be proved to be a 6.6.y release, so each
 * text is dated by content):
 * - amdgpu_hmm.c: the de-duplicated file of index id 1855331 (repository not reported):
 *   `amdgpu_hmm_invalidate_gfx` waits on `bo->tbo.base.resv` and does not call
 *   `amdgpu_vm_bo_invalidate()`, `amdgpu_hmm_range_get_pages()` takes `struct page **pages` and
 *   `struct hmm_range **phmm_range` and calls `mmu_interval_read_begin()` at its `retry:` label,
 *   `amdgpu_hmm_register()` returns the insert's result directly: the v6.2 rework ("drm/amdgpu: Move
 *   hmm_range out of gtt", whose amdgpu_ttm.c hunks are quoted in index id 14310189399) and before the
 *   2024-2025 changes seen in raspberrypi/linux @ 46d03bd22fb5 (index id 57762037813:
 *   `amdgpu_vm_bo_invalidate(bo, false)`, `bo->parent->tbo.base.resv`, read_begin before the loop) and
 *   gregkh/linux @ 2fd24407457a (index id 54590129005: `struct amdgpu_hmm_range`, `kzalloc_obj`).
 *   The blockable handling of the two invalidate callbacks is the same in all three.
 * - amdgpu_ttm.c `amdgpu_ttm_tt_get_user_pages()` / `amdgpu_ttm_tt_get_user_pages_done()`: no
 *   repository copy of the v6.2-v6.15 text was found; it is read in the patch mails that bracket it:
 *   the v6.2 patch adding `*range = NULL` and `return !amdgpu_hmm_range_get_pages_done(range);`
 *   (index id 14310189399), the argument reorder of `amdgpu_hmm_range_get_pages()` whose context is
 *   the function's `vma_lookup()`/ANONONLY/`mmap_read_unlock` tail (index id 14119299279), and the 2025
 *   patch whose `-` lines show `*range = NULL` still there (index id 29377440589). The lines between
 *   those hunks (`mm = bo->notifier.mm`, `mmget_not_zero`, `mmap_read_lock`, `vma_lookup`) are the
 *   same in the 6.0 text (index id 28785124318) and in a 6.x-derived copy (index id 191693040).
 * - amdgpu_cs.c `amdgpu_cs_parser_bos()`, `amdgpu_cs_submit()`, `amdgpu_cs_ioctl()`: the
 *   de-duplicated file of index id 55190738: the drm_exec conversion (merged for v6.6) with
 *   `amdgpu_ttm_tt_get_user_pages_done(e->bo->tbo.ttm, e->range)` (replaced by
 *   `amdgpu_hmm_range_valid()` in 2025, index id 29304540957): the v6.6 shape.
 * - amdgpu_amdkfd_gpuvm.c `amdgpu_amdkfd_evict_userptr()`: the de-duplicated file of index id
 *   40120699364, with `schedule_delayed_work()` (a later patch, index id 9145098799, turned it into
 *   `queue_delayed_work(system_freezable_wq, ...)`).
 *
 * Objects and names. A notifier of `amdgpu@v6.6` is one userptr BO (`struct amdgpu_bo`, whose
 * `notifier` is the embedded `mmu_interval_notifier` over the BO's user range: the model names the BO
 * and its notifier alike), with exactly one object, its pages. `obj.mapped`: a submitted GPU job may
 * still use the pages (a fence on the BO's reservation object has not signalled); the invalidate's
 * `dma_resv_wait_timeout()` waits for the fences and clears it, the submission's
 * `dma_resv_add_fence()` sets it. `adev->notifier_lock` is one mutex per device (`adev`), shared by
 * every BO of the scenario.
 *
 * Abstractions (docs/model.md, "amdgpu as of v6.6"):
 * - The CS thread (`amdgpu:cs`) is one `amdgpu_cs_ioctl()` whose BO list holds the notifier's BO as
 *   its one userptr entry. `amdgpu_cs_ioctl()`, `amdgpu_cs_parser_bos()` and `amdgpu_cs_submit()`
 *   keep every statement that takes or drops a lock, reads the pages, checks the sequence, fences the
 *   BO or returns; the parser setup (pass1/pass2: chunks, jobs, the context), the drm_exec locking
 *   of the reservation objects (`dma_resv` ww-mutexes, which no invalidation takes: it waits on the
 *   fences without the lock), the VM and ring handling, the gang and the post-dependencies are shown,
 *   not run. Each CS thread has its own parser (`<bo>.cs`, `<bo>.cs1`, ...), BO list and `hmm_range`.
 * - The identity of the pages is not modelled: the loop of `amdgpu_cs_parser_bos()` that compares the
 *   BO's pages with the new ones, and the `ttm_bo_validate()` that rebinds them when they changed, are
 *   shown, not run (no property reads which pages the GPU maps, only whether it may use them).
 * - The hmm_range: `kzalloc()` of it is shown, not run (`e->user_pages`' allocation in
 *   `amdgpu_cs_parser_bos()` is the path's one modelled allocation), and the object it returns is the
 *   thread's own `hmm_range`, pre-allocated as munmap's split VMAs are. `*range = NULL` and
 *   `*phmm_range = hmm_range` store through the caller's `&e->range` with the model's `mnc_store()`.
 *   The pfn array (`kvmalloc_array`, `hmm_pfns`) is shown, not run.
 * - `gtt->userptr` is the BO's user address; the model's page numbers start at 0, where a user
 *   address never does, so `amdgpu_ttm_tt_get_user_pages_done()`'s `!gtt->userptr` test is not run
 *   (a userptr BO always has one).
 * - `amdgpu_hmm_range_get_pages()` walks in one chunk (`MAX_WALK_BYTE`, 2 GiB, is above every model
 *   range); `time_after()` is a choice, as in test_hmm.
 * - HSA: `kgd2kfd_quiesce_mm()` stops the process's user-mode queues (sleeps; every HSA BO of the
 *   process is then unused: `mapped = 0`); the restore worker (`schedule_delayed_work()` of
 *   `restore_userptr_work`), which would read the pages again, is not modelled: amdgpu-hsa@v6.6 has
 *   no reader thread. `process_info->block_mmu_notifications` (CRIU restore) is false.
 */
import type { DriverThreadDef, InstanceState, ObjectRange, ThreadBuildContext, VariantDef } from '../driver.ts';
import { mappedMem, objectStatics } from '../driver.ts';
import { c, cAs, cg, doWhile_, fn, shown, if_, ifAs, label, parseExpr, type FnDef, type Stmt } from '../../lang/ir.ts';
import { ref, SLEEPS, type Primitive } from '../../lang/primitives.ts';
import type { Value } from '../../lang/state.ts';
import { HMM_RANGE_PRIMITIVES } from './test_hmm.ts';
import { COMMON_PRIMITIVES } from './notifier-users-common.ts';

const HMM = 'drivers/gpu/drm/amd/amdgpu/amdgpu_hmm.c';
const TTM = 'drivers/gpu/drm/amd/amdgpu/amdgpu_ttm.c';
const CS = 'drivers/gpu/drm/amd/amdgpu/amdgpu_cs.c';
const KFD = 'drivers/gpu/drm/amd/amdgpu/amdgpu_amdkfd_gpuvm.c';
const V = 'v6.6';

const SRC_HMM =
  'amdgpu_hmm.c of index id 1855331 (repository not reported; v6.2-v6.8 by content: the hmm_range out of gtt, read_begin at retry:, no amdgpu_vm_bo_invalidate in the invalidate); the invalidate callbacks\' blockable handling is the same in raspberrypi/linux @ 46d03bd22fb5 and gregkh/linux @ 2fd24407457a';
const SRC_TTM =
  'no repository copy of the v6.2-v6.15 text: the patch mails that bracket it (index ids 14310189399, the v6.2 "Move hmm_range out of gtt"; 14119299279, its vma_lookup/ANONONLY tail; 29377440589, the 2025 patch whose - lines still have *range = NULL)';
const SRC_CS =
  'amdgpu_cs.c of index id 55190738 (repository not reported; v6.6 by content: the drm_exec conversion merged for v6.6, amdgpu_ttm_tt_get_user_pages_done(e->bo->tbo.ttm, e->range))';
const SRC_KFD = 'amdgpu_amdkfd_gpuvm.c of index id 40120699364 (repository not reported; schedule_delayed_work(), before the queue_delayed_work(system_freezable_wq) patch of index id 9145098799)';


const NOT_RUN_CS = 'the parser setup, drm_exec locking, VM and ring handling are not modelled (amdgpu_hmm.ts)';

/** The buffer object a reservation object belongs to (`amdgpu0.tbo.base.resv`, `amdgpu0.resv`, i915's `i9150.base.resv`: the notifier). */
function boOfResv(r: string): string {
  return r.replace(/\.tbo\.base\.resv$/, '').replace(/\.base\.resv$/, '').replace(/\.resv$/, '');
}

/** The BO's object (one per notifier: `amdgpu0.obj0`). */
const objOf = (bo: string): string => `${bo}.obj0`;

/**
 * `dma_resv_wait_timeout()`, shared by amdgpu@v6.6 and i915@v6.6 (one object, so that both can share
 * a scenario). It waits for the fences of the object's reservation; a fence whose request is not yet
 * submitted cannot signal before it is (i915 adds the request's fence before its userptr check: the
 * object's static `mnc_fence_tracked` and shared `fence_unsubmitted` say so), any other always does.
 */
export const DMA_RESV_WAIT: Readonly<Record<string, Primitive>> = {
  dma_resv_wait_timeout: {
    shared: true,
    sleeps: true,
    access: () => [
      { name: 'mapped', mode: 'w' },
      { name: 'fence_unsubmitted', mode: 'r' },
    ],
    doc: 'dma_resv_wait_timeout(resv, DMA_RESV_USAGE_BOOKKEEP, false, MAX_SCHEDULE_TIMEOUT) (drivers/dma-buf/dma-resv.c): sleeps until every fence of the object\'s reservation has signalled (the submitted jobs have finished; they always do eventually, but a fence whose request is not yet submitted signals only after it is: the wait lasts until then) and returns a positive number; afterwards the GPU no longer uses the object\'s pages (`obj.mapped = 0`).',
    wait(ctx, [resv]) {
      const bo = boOfResv(ref(resv, 'dma_resv_wait_timeout'));
      if (!ctx.stat(`${bo}.mnc_fence_tracked`) || !ctx.read(`${bo}.fence_unsubmitted`)) return null;
      return ctx.explains ? { why: `dma_resv_wait_timeout(${bo}.base.resv): a request's fence not yet submitted`, sleeping: true } : SLEEPS;
    },
    run(ctx, [resv]) {
      ctx.write(`${objOf(boOfResv(ref(resv, 'dma_resv_wait_timeout')))}.mapped`, 0);
      return 1;
    },
  },
};

const identity = (doc: string): Primitive => ({ shared: false, sleeps: false, doc, run: (_ctx, [x]) => (x ?? null) as Value });
const noop = (doc: string, sleeps = false): Primitive => ({ shared: false, sleeps, doc, run: () => 0 });

/**
 * The primitives of the v6.6 variants beyond amdgpu.ts's (which amdgpu.ts adds: the variants run
 * `amdgpu_bo_list_for_each_userptr_entry`, `drm_sched_entity_push_job` and `DRM_ERROR` as the older
 * variants do, one object each, so that old and new amdgpu notifiers can share a scenario).
 */
export const AMDGPU_HMM_PRIMITIVES: Readonly<Record<string, Primitive>> = {
  ...COMMON_PRIMITIVES,
  ...HMM_RANGE_PRIMITIVES,
  amdgpu_ttm_adev: identity('amdgpu_ttm_adev(bdev): the amdgpu_device of a TTM device (container_of); the model names the device `adev`.'),
  ttm_to_amdgpu_ttm_tt: identity('ttm_to_amdgpu_ttm_tt(ttm): container_of(ttm, struct amdgpu_ttm_tt, ttm); the model names them alike.'),
  amdgpu_ttm_tt_is_readonly: noop('amdgpu_ttm_tt_is_readonly(ttm): whether the userptr BO was created read-only; the modelled BOs are writable: false.'),
  ...DMA_RESV_WAIT,
  dma_resv_add_fence: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'mapped', mode: 'w' }],
    doc: 'dma_resv_add_fence(resv, fence, usage) (drivers/dma-buf/dma-resv.c): adds the submission\'s fence to the BO\'s reservation object, under its ww-mutex (held since drm_exec locked it); the job, pushed to the scheduler below under the same notifier_lock, then uses the BO\'s pages until the fence signals (`obj.mapped = 1`). Never sleeps.',
    run(ctx, [resv]) {
      ctx.write(`${objOf(boOfResv(ref(resv, 'dma_resv_add_fence')))}.mapped`, 1);
      return 0;
    },
  },
  drm_exec_for_each_locked_object: {
    shared: false,
    sleeps: false,
    doc: 'drm_exec_for_each_locked_object(exec, index, obj) (include/drm/drm_exec.h): walks the GEM objects drm_exec locked; in the model the submission\'s BO (static; the VM\'s page-directory BO, also locked, is not modelled).',
    run: (ctx, [l]) => (ctx.stat(ref(l, 'drm_exec_for_each_locked_object')) ?? []) as Value,
    iterate(ctx, [l], pos) {
      const es = (ctx.stat(ref(l, 'drm_exec_for_each_locked_object')) ?? []) as readonly Value[];
      if (pos === undefined) return es[0] ?? null;
      const i = es.indexOf(pos);
      return i >= 0 ? (es[i + 1] ?? null) : null;
    },
  },
  mnc_store: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'range', mode: 'w' }],
    doc: 'Model-only: `*p = v` for a pointer p to a shared field (`&e->range` of a CS thread\'s BO list entry); the model\'s C has no store through a pointer.',
    run(ctx, [p, v]) {
      ctx.write(ref(p, 'mnc_store'), (v ?? null) as Value);
      return 0;
    },
  },
  mnc_hmm_range: {
    shared: false,
    sleeps: false,
    doc: 'Model-only: the object kzalloc() returned for the hmm_range whose address amdgpu_hmm_range_get_pages() stores through `phmm_range` (`&e->range`): the CS thread\'s own pre-allocated `hmm_range` (`<entry>.hmm_range`).',
    run: (_ctx, [p]) => `${ref(p, 'mnc_hmm_range').replace(/\.range$/, '')}.hmm_range`,
  },
  schedule: noop('schedule(): yields the CPU between two chunks of the walk; may sleep (never reached in the model: one chunk).', true),
  DRM_DEBUG_DRIVER: noop('DRM_DEBUG_DRIVER(...): debug printk.'),
  kgd2kfd_quiesce_mm: {
    shared: true,
    sleeps: true,
    access: () => [{ name: 'mapped', mode: 'w' }],
    doc: 'kgd2kfd_quiesce_mm(mm, KFD_QUEUE_EVICTION_TRIGGER_USERPTR) (drivers/gpu/drm/amd/amdkfd/kfd_device.c): evicts every user-mode queue of the KFD process (the process lock, the hardware scheduler\'s preemption): sleeps; returns 0. Afterwards no queue of the process uses any of its userptr BOs: `mapped = 0` for the object of every amdgpu-hsa@v6.6 notifier of the scenario (the queues stay stopped until the restore worker, which is not modelled).',
    run(ctx) {
      for (let k = 0; k < 64; k++) {
        const bo = `amdgpu-hsa${k}`;
        if (ctx.stat(`${bo}.kfd_bo.process_info`) === undefined) continue;
        ctx.write(`${objOf(bo)}.mapped`, 0);
      }
      return 0;
    },
  },
  schedule_delayed_work: noop('schedule_delayed_work(&process_info->restore_userptr_work, delay): queues the restore worker, which revalidates the evicted userptr BOs and restarts the queues; not modelled (amdgpu-hsa@v6.6 has no reader).'),
};

// ------------------------------------------------------------------------------------------------
// amdgpu_hmm.c: the interval notifiers' invalidate callbacks.

export const invalidateGfx: FnDef = fn({
  name: 'amdgpu_hmm_invalidate_gfx',
  file: HMM,
  version: V,
  source: SRC_HMM,
  signature: 'static bool amdgpu_hmm_invalidate_gfx(struct mmu_interval_notifier *mni, const struct mmu_notifier_range *range, unsigned long cur_seq)',
  params: ['mni', 'range', 'cur_seq'],
  body: [
    c('struct amdgpu_bo *bo = container_of(mni, struct amdgpu_bo, notifier);'),
    c('struct amdgpu_device *adev = amdgpu_ttm_adev(bo->tbo.bdev);'),
    c('long r;'),
    if_('!mmu_notifier_range_blockable(range)', [c('return false;')]),
    c('mutex_lock(&adev->notifier_lock);'),
    c('mmu_interval_set_seq(mni, cur_seq);'),
    c('r = dma_resv_wait_timeout(bo->tbo.base.resv, DMA_RESV_USAGE_BOOKKEEP, false, MAX_SCHEDULE_TIMEOUT);'),
    c('mutex_unlock(&adev->notifier_lock);'),
    if_('r <= 0', [c('DRM_ERROR("(%ld) failed to wait for user bo\\n", r);')]),
    c('return true;'),
  ],
});

export const invalidateHsa: FnDef = fn({
  name: 'amdgpu_hmm_invalidate_hsa',
  file: HMM,
  version: V,
  source: SRC_HMM,
  signature: 'static bool amdgpu_hmm_invalidate_hsa(struct mmu_interval_notifier *mni, const struct mmu_notifier_range *range, unsigned long cur_seq)',
  params: ['mni', 'range', 'cur_seq'],
  body: [
    c('struct amdgpu_bo *bo = container_of(mni, struct amdgpu_bo, notifier);'),
    if_('!mmu_notifier_range_blockable(range)', [c('return false;')]),
    c('amdgpu_amdkfd_evict_userptr(mni, cur_seq, bo->kfd_bo);'),
    c('return true;'),
  ],
});

export const evictUserptr: FnDef = fn({
  name: 'amdgpu_amdkfd_evict_userptr',
  file: KFD,
  version: V,
  source: `${SRC_KFD}; the comment before the CRIU test is left out`,
  signature: 'int amdgpu_amdkfd_evict_userptr(struct mmu_interval_notifier *mni, unsigned long cur_seq, struct kgd_mem *mem)',
  params: ['mni', 'cur_seq', 'mem'],
  body: [
    c('struct amdkfd_process_info *process_info = mem->process_info;'),
    c('int r = 0;'),
    if_('READ_ONCE(process_info->block_mmu_notifications)', [c('return 0;')]),
    c('mutex_lock(&process_info->notifier_lock);'),
    c('mmu_interval_set_seq(mni, cur_seq);'),
    c('mem->invalid++;'),
    if_('++process_info->evicted_bos == 1', [
      c('r = kgd2kfd_quiesce_mm(mni->mm, KFD_QUEUE_EVICTION_TRIGGER_USERPTR);'),
      if_('r', [c('pr_err("Failed to quiesce KFD\\n");')]),
      cAs('schedule_delayed_work(&process_info->restore_userptr_work, msecs_to_jiffies(AMDGPU_USERPTR_RESTORE_DELAY_MS));', 'schedule_delayed_work(&process_info->restore_userptr_work, 0)'),
    ]),
    c('mutex_unlock(&process_info->notifier_lock);'),
    c('return r;'),
  ],
});

// ------------------------------------------------------------------------------------------------
// The reader: amdgpu_hmm_range_get_pages() under amdgpu_ttm_tt_get_user_pages(), and the check
// under adev->notifier_lock in amdgpu_cs_submit().

/**
 * The page walk. Its ghost effect is the model's: right after `mmu_interval_read_begin()` returned,
 * `hmm_range->mnc_gen` samples how many invalidations of the BO have gone through, which the
 * submission's use of the pages checks (interval-coherency:stale-use).
 */
export const rangeGetPages: FnDef = fn({
  name: 'amdgpu_hmm_range_get_pages',
  file: HMM,
  version: V,
  source: `${SRC_HMM}. The hmm_range is the thread's pre-allocated one (kzalloc() shown); the pfn array and the pr_debug are shown, not run; timeout is a choice (time_after)`,
  signature:
    'int amdgpu_hmm_range_get_pages(struct mmu_interval_notifier *notifier, uint64_t start, uint64_t npages, bool readonly, void *owner, struct page **pages, struct hmm_range **phmm_range)',
  params: ['notifier', 'start', 'npages', 'readonly', 'owner', 'pages', 'phmm_range'],
  body: [
    c('struct hmm_range *hmm_range;'),
    c('unsigned long end;'),
    c('unsigned long timeout;'),
    c('unsigned long i;'),
    c('unsigned long *pfns;'),
    c('int r = 0;'),
    cAs('hmm_range = kzalloc(sizeof(*hmm_range), GFP_KERNEL);', 'hmm_range = mnc_hmm_range(phmm_range)'),
    if_('unlikely(!hmm_range)', [c('return -ENOMEM;')]),
    shown('pfns = kvmalloc_array(npages, sizeof(*pfns), GFP_KERNEL);', 'the pfn array is not modelled'),
    shown('if (unlikely(!pfns)) { r = -ENOMEM; goto out_free_range; }', 'the pfn array is not modelled'),
    c('hmm_range->notifier = notifier;'),
    shown('hmm_range->default_flags = HMM_PFN_REQ_FAULT;', 'the pfn flags are not modelled'),
    shown('if (!readonly) hmm_range->default_flags |= HMM_PFN_REQ_WRITE;', 'the pfn flags are not modelled'),
    shown('hmm_range->hmm_pfns = pfns;', 'the pfn array is not modelled'),
    c('hmm_range->start = start;'),
    c('end = start + npages * PAGE_SIZE;'),
    shown('hmm_range->dev_private_owner = owner;', 'no device-private pages in the model'),
    doWhile_(
      [
        c('hmm_range->end = min(hmm_range->start + MAX_WALK_BYTE, end);'),
        c('pr_debug("hmm range: start = 0x%lx, end = 0x%lx", hmm_range->start, hmm_range->end);'),
        cAs('timeout = max((hmm_range->end - hmm_range->start) >> 27, 1UL);', 'timeout = 1'),
        cAs('timeout *= HMM_RANGE_DEFAULT_TIMEOUT;', 'timeout = HMM_RANGE_DEFAULT_TIMEOUT'),
        cAs('timeout = jiffies + msecs_to_jiffies(timeout);', 'timeout = 0'),
        label('retry'),
        cg('hmm_range->notifier_seq = mmu_interval_read_begin(notifier);', undefined, 'hmm_range->mnc_gen = mnc_interval_gen(notifier, start)'),
        c('r = hmm_range_fault(hmm_range);'),
        if_('unlikely(r)', [if_('r == -EBUSY && !time_after(jiffies, timeout)', [c('goto retry;')]), c('goto out_free_pfns;')]),
        if_('hmm_range->end == end', [c('break;')]),
        shown('hmm_range->hmm_pfns += MAX_WALK_BYTE >> PAGE_SHIFT;', 'the pfn array is not modelled'),
        c('hmm_range->start = hmm_range->end;'),
        c('schedule();'),
      ],
      'hmm_range->end < end',
    ),
    c('hmm_range->start = start;'),
    shown('hmm_range->hmm_pfns = pfns;', 'the pfn array is not modelled'),
    shown('for (i = 0; pages && i < npages; i++) pages[i] = hmm_pfn_to_page(pfns[i]);', 'the identity of the pages is not modelled'),
    cAs('*phmm_range = hmm_range;', 'mnc_store(phmm_range, hmm_range)'),
    c('return 0;'),
    label('out_free_pfns'),
    shown('kvfree(pfns);', 'the pfn array is not modelled'),
    label('out_free_range'),
    c('kfree(hmm_range);'),
    c('return r;'),
  ],
});

export const rangeGetPagesDone: FnDef = fn({
  name: 'amdgpu_hmm_range_get_pages_done',
  file: HMM,
  version: V,
  source: SRC_HMM,
  signature: 'bool amdgpu_hmm_range_get_pages_done(struct hmm_range *hmm_range)',
  params: ['hmm_range'],
  sharedPtrs: ['hmm_range'],
  body: [
    c('bool r;'),
    c('r = mmu_interval_read_retry(hmm_range->notifier, hmm_range->notifier_seq);'),
    c('kvfree(hmm_range->hmm_pfns);'),
    c('kfree(hmm_range);'),
    c('return r;'),
  ],
});

export const ttmGetUserPages: FnDef = fn({
  name: 'amdgpu_ttm_tt_get_user_pages',
  file: TTM,
  version: V,
  source: `${SRC_TTM}. mmap_read_lock(mm) runs as down_read(&mm->mmap_sem) (the model's core names the v5.x rw_semaphore so); vma_lookup() as find_vma() and the start test it adds; &bo->notifier is the BO (the model names them alike); mmput() of the thread's own reference is shown`,
  signature: 'int amdgpu_ttm_tt_get_user_pages(struct amdgpu_bo *bo, struct page **pages, struct hmm_range **range)',
  params: ['bo', 'pages', 'range'],
  body: [
    c('struct ttm_tt *ttm = bo->tbo.ttm;'),
    c('struct amdgpu_ttm_tt *gtt = ttm_to_amdgpu_ttm_tt(ttm);'),
    c('unsigned long start = gtt->userptr;'),
    c('struct vm_area_struct *vma;'),
    c('struct mm_struct *mm;'),
    c('bool readonly;'),
    c('int r = 0;'),
    cAs('*range = NULL;', 'mnc_store(range, NULL)'),
    c('mm = bo->notifier.mm;'),
    if_('unlikely(!mm)', [c('DRM_DEBUG_DRIVER("BO is not registered?\\n");'), c('return -EFAULT;')]),
    ifAs('!mmget_not_zero(mm)', '0', [c('return -ESRCH;')]),
    cAs('mmap_read_lock(mm);', 'down_read(&mm->mmap_sem);'),
    cAs('vma = vma_lookup(mm, start);', 'vma = find_vma(mm, start)'),
    ifAs('unlikely(!vma)', '!vma || start < vma->vm_start', [c('r = -EFAULT;'), c('goto out_unlock;')]),
    if_('unlikely((gtt->userflags & AMDGPU_GEM_USERPTR_ANONONLY) && vma->vm_file)', [c('r = -EPERM;'), c('goto out_unlock;')]),
    c('readonly = amdgpu_ttm_tt_is_readonly(ttm);'),
    cAs(
      'r = amdgpu_hmm_range_get_pages(&bo->notifier, start, ttm->num_pages, readonly, NULL, pages, range);',
      'r = amdgpu_hmm_range_get_pages(bo->notifier, start, ttm->num_pages, readonly, NULL, pages, range)',
    ),
    label('out_unlock'),
    cAs('mmap_read_unlock(mm);', 'up_read(&mm->mmap_sem);'),
    if_('r', [c('pr_debug("failed %d to get user pages 0x%lx\\n", r, start);')]),
    shown('mmput(mm);', "the thread's own mm_users reference, dropped when it finishes"),
    c('return r;'),
  ],
});

export const ttmGetUserPagesDone: FnDef = fn({
  name: 'amdgpu_ttm_tt_get_user_pages_done',
  file: TTM,
  version: V,
  source: `${SRC_TTM}. !gtt->userptr is not tested: a userptr BO's user address is never 0, and the model's page numbers start at 0 (amdgpu_hmm.ts)`,
  signature: 'bool amdgpu_ttm_tt_get_user_pages_done(struct ttm_tt *ttm, struct hmm_range *range)',
  params: ['ttm', 'range'],
  sharedPtrs: ['range'],
  body: [
    c('struct amdgpu_ttm_tt *gtt = ttm_to_amdgpu_ttm_tt(ttm);'),
    ifAs('!gtt || !gtt->userptr || !range', '!gtt || !range', [c('return false;')]),
    c('DRM_DEBUG_DRIVER("user_pages_done 0x%llx pages 0x%x\\n", gtt->userptr, ttm->num_pages);'),
    shown('WARN_ONCE(!range->hmm_pfns, "No user pages to check\\n");', 'the pfn array is not modelled'),
    c('return !amdgpu_hmm_range_get_pages_done(range);'),
  ],
});

/** `drm_exec_for_each_locked_object(&p->exec, index, gobj)`: its loop variable is the third argument. */
function forEachLocked(body: readonly Stmt[]): Stmt {
  return { s: 'foreach', src: { text: 'drm_exec_for_each_locked_object(&p->exec, index, gobj)' }, var: 'gobj', list: parseExpr('drm_exec_for_each_locked_object(&p->exec)'), body };
}

export const csParserBos: FnDef = fn({
  name: 'amdgpu_cs_parser_bos',
  file: CS,
  version: V,
  source: `${SRC_CS}. Reduced (amdgpu_hmm.ts): the BO list handle lookup, the page comparison and ttm_bo_validate(), the drm_exec locking and the validation of the BOs are shown, not run; e->user_pages' kvmalloc_array() runs as kzalloc() (the path's one modelled allocation)`,
  signature: 'static int amdgpu_cs_parser_bos(struct amdgpu_cs_parser *p, union drm_amdgpu_cs *cs)',
  params: ['p', 'cs'],
  body: [
    c('struct amdgpu_bo_list_entry *e;'),
    c('int r;'),
    shown('if (cs->in.bo_list_handle) { ... r = amdgpu_bo_list_get(fpriv, cs->in.bo_list_handle, &p->bo_list); ... }', 'the BO list is the thread\'s own (static)'),
    c('mutex_lock(&p->bo_list->bo_list_mutex);'),
    {
      s: 'foreach',
      src: { text: 'amdgpu_bo_list_for_each_userptr_entry(e, p->bo_list)' },
      var: 'e',
      list: parseExpr('amdgpu_bo_list_for_each_userptr_entry(p->bo_list)'),
      body: [
        c('bool userpage_invalidated = false;'),
        c('struct amdgpu_bo *bo = e->bo;'),
        c('int i;'),
        cAs('e->user_pages = kvmalloc_array(bo->tbo.ttm->num_pages, sizeof(struct page *), GFP_KERNEL | __GFP_ZERO);', 'e->user_pages = kzalloc(0, GFP_KERNEL)'),
        if_('!e->user_pages', [c('DRM_ERROR("kvmalloc_array failure\\n");'), c('r = -ENOMEM;'), c('goto out_free_user_pages;')]),
        c('r = amdgpu_ttm_tt_get_user_pages(bo, e->user_pages, &e->range);'),
        if_('r', [c('kvfree(e->user_pages);'), c('e->user_pages = NULL;'), c('goto out_free_user_pages;')]),
        shown('for (i = 0; i < bo->tbo.ttm->num_pages; i++) { if (bo->tbo.ttm->pages[i] != e->user_pages[i]) { userpage_invalidated = true; break; } }', 'the identity of the pages is not modelled'),
        shown('e->user_invalidated = userpage_invalidated;', 'the identity of the pages is not modelled'),
      ],
    },
    shown('drm_exec_until_all_locked(&p->exec) { ... drm_exec_prepare_obj(&p->exec, &e->bo->tbo.base, 1 + p->gang_size); ... }', 'the reservation ww-mutexes are taken by no invalidation; not modelled'),
    shown(
      'amdgpu_bo_list_for_each_userptr_entry(e, p->bo_list) { ... if (amdgpu_ttm_tt_is_userptr(e->bo->tbo.ttm) && e->user_invalidated && e->user_pages) { ... r = ttm_bo_validate(&e->bo->tbo, &e->bo->placement, &ctx); ... amdgpu_ttm_tt_set_user_pages(e->bo->tbo.ttm, e->user_pages); } kvfree(e->user_pages); e->user_pages = NULL; }',
      'the identity of the pages is not modelled: rebinding them changes nothing a property reads',
    ),
    shown('r = amdgpu_vm_validate_pt_bos(p->adev, &fpriv->vm, amdgpu_cs_bo_validate, p); ...', NOT_RUN_CS),
    c('return 0;'),
    label('out_free_user_pages'),
    {
      s: 'foreach',
      src: { text: 'amdgpu_bo_list_for_each_userptr_entry(e, p->bo_list)' },
      var: 'e',
      list: parseExpr('amdgpu_bo_list_for_each_userptr_entry(p->bo_list)'),
      body: [
        c('struct amdgpu_bo *bo = e->bo;'),
        if_('!e->user_pages', [c('continue;')]),
        c('amdgpu_ttm_tt_get_user_pages_done(bo->tbo.ttm, e->range);'),
        c('kvfree(e->user_pages);'),
        c('e->user_pages = NULL;'),
        c('e->range = NULL;'),
      ],
    },
    c('mutex_unlock(&p->bo_list->bo_list_mutex);'),
    c('return r;'),
  ],
});

/**
 * The submission. Its ghost effect is the model's: where the job's fence goes on the BO (the GPU will
 * use the pages read before), the sample taken after the reader's mmu_interval_read_begin() is
 * compared with the BO's invalidations since (interval-coherency:stale-use).
 */
export const csSubmit: FnDef = fn({
  name: 'amdgpu_cs_submit',
  file: CS,
  version: V,
  source: `${SRC_CS}. Reduced (amdgpu_hmm.ts): the gang's job arming and dependencies, the context fence, the post-dependencies, the preamble flags, the trace and the LRU moves are shown, not run`,
  signature: 'static int amdgpu_cs_submit(struct amdgpu_cs_parser *p, union drm_amdgpu_cs *cs)',
  params: ['p', 'cs'],
  body: [
    c('struct amdgpu_bo_list_entry *e;'),
    c('struct drm_gem_object *gobj;'),
    c('int r;'),
    shown('for (i = 0; i < p->gang_size; ++i) drm_sched_job_arm(&p->jobs[i]->base); ...', NOT_RUN_CS),
    c('mutex_lock(&p->adev->notifier_lock);'),
    c('r = 0;'),
    {
      s: 'foreach',
      src: { text: 'amdgpu_bo_list_for_each_userptr_entry(e, p->bo_list)' },
      var: 'e',
      list: parseExpr('amdgpu_bo_list_for_each_userptr_entry(p->bo_list)'),
      body: [c('r |= !amdgpu_ttm_tt_get_user_pages_done(e->bo->tbo.ttm, e->range);'), c('e->range = NULL;')],
    },
    if_('r', [c('r = -EAGAIN;'), c('mutex_unlock(&p->adev->notifier_lock);'), c('return r;')]),
    shown('p->fence = dma_fence_get(&leader->base.s_fence->finished);', 'fences are not modelled beyond obj.mapped'),
    forEachLocked([
      shown('ttm_bo_move_to_lru_tail_unlocked(&gem_to_amdgpu_bo(gobj)->tbo);', 'the LRU is not modelled'),
      shown('for (i = 0; i < p->gang_size; ++i) { if (p->jobs[i] == leader) continue; dma_resv_add_fence(gobj->resv, &p->jobs[i]->base.s_fence->finished, DMA_RESV_USAGE_READ); }', 'one job: the gang leader'),
      cg('dma_resv_add_fence(gobj->resv, p->fence, DMA_RESV_USAGE_WRITE);', undefined, 'mnc_interval_use(gobj, p->mnc_range->start, p->mnc_range->mnc_gen)'),
    ]),
    shown('seq = amdgpu_ctx_add_fence(p->ctx, p->entities[p->gang_leader_idx], p->fence); amdgpu_cs_post_dependencies(p); ...', NOT_RUN_CS),
    cAs('drm_sched_entity_push_job(&p->jobs[i]->base);', 'drm_sched_entity_push_job(p)'),
    shown('amdgpu_vm_move_to_lru_tail(p->adev, &fpriv->vm);', 'the LRU is not modelled'),
    c('mutex_unlock(&p->adev->notifier_lock);'),
    c('mutex_unlock(&p->bo_list->bo_list_mutex);'),
    c('return 0;'),
  ],
});

export const csIoctl: FnDef = fn({
  name: 'amdgpu_cs_ioctl',
  file: CS,
  version: V,
  source: `${SRC_CS}. The parser (a local of the kernel's function) is the thread's own, passed in with the ioctl's data. Reduced (amdgpu_hmm.ts): the RAS and accel tests, the parser's init, pass1 and pass2, patch_jobs, vm_handling, sync_rings and parser_fini are shown, not run`,
  signature: 'int amdgpu_cs_ioctl(struct drm_device *dev, void *data, struct drm_file *filp)',
  params: ['parser', 'data'],
  body: [
    c('int r;'),
    shown('r = amdgpu_cs_parser_init(&parser, adev, filp, data); ... r = amdgpu_cs_pass1(&parser, data); ... r = amdgpu_cs_pass2(&parser); ...', NOT_RUN_CS),
    c('r = amdgpu_cs_parser_bos(&parser, data);'),
    if_('r', [c('goto error_fini;')]),
    shown('r = amdgpu_cs_patch_jobs(&parser); ... r = amdgpu_cs_vm_handling(&parser); ... r = amdgpu_cs_sync_rings(&parser); ...', NOT_RUN_CS),
    c('r = amdgpu_cs_submit(&parser, data);'),
    if_('r', [c('goto error_backoff;')]),
    shown('amdgpu_cs_parser_fini(&parser);', NOT_RUN_CS),
    c('return 0;'),
    label('error_backoff'),
    c('mutex_unlock(&parser.bo_list->bo_list_mutex);'),
    label('error_fini'),
    shown('amdgpu_cs_parser_fini(&parser);', NOT_RUN_CS),
    c('return r;'),
  ],
});

// ------------------------------------------------------------------------------------------------
// Threads, instances, variants.

const csCount = new WeakMap<object, Map<string, number>>();

/** The parser, BO list, entry and hmm_range of one CS ioctl (each ioctl has its own). */
function csArgs(nid: string, ctx: ThreadBuildContext): Value[] {
  const counts = csCount.get(ctx.statics) ?? new Map<string, number>();
  csCount.set(ctx.statics, counts);
  const k = counts.get(nid) ?? 0;
  counts.set(nid, k + 1);
  const p = k === 0 ? `${nid}.cs` : `${nid}.cs${k}`;
  const bl = `${p}.bo_list`;
  const e = `${p}.e0`;
  const r = `${e}.hmm_range`;
  ctx.statics[`${p}.bo_list`] = bl;
  ctx.statics[bl] = [e];
  ctx.statics[`${p}.exec`] = [nid];
  ctx.statics[`${p}.adev`] = 'adev';
  ctx.statics[`${p}.mnc_range`] = r;
  ctx.statics[`${e}.bo`] = nid;
  ctx.locks[`${bl}.bo_list_mutex`] = 'mutex';
  ctx.mem[`${e}.user_pages`] = null;
  ctx.mem[`${e}.range`] = null;
  ctx.mem[`${r}.notifier`] = null;
  ctx.mem[`${r}.notifier_seq`] = 0;
  ctx.mem[`${r}.start`] = 0;
  ctx.mem[`${r}.end`] = 0;
  ctx.mem[`${r}.mnc_gen`] = 0;
  return [p, `${p}.data`];
}

const CS_THREAD: DriverThreadDef = {
  description:
    'The command-submission ioctl of v6.6 (amdgpu_cs_ioctl -> amdgpu_cs_parser_bos -> amdgpu_ttm_tt_get_user_pages -> amdgpu_hmm_range_get_pages: mmu_interval_read_begin(), hmm_range_fault() under mmap_lock; then amdgpu_cs_submit: adev->notifier_lock, amdgpu_ttm_tt_get_user_pages_done() -> mmu_interval_read_retry() (-EAGAIN when an invalidation collided), the job\'s fence on the BO, the job pushed, the unlock) with the notifier\'s BO as its one userptr entry.',
  fns: [csIoctl, csParserBos, csSubmit, ttmGetUserPages, ttmGetUserPagesDone, rangeGetPages, rangeGetPagesDone],
  entry: 'amdgpu_cs_ioctl',
  params: {},
  args: (nid, _p, ctx) => csArgs(nid, ctx),
};

const ONE_BO =
  'one mmu_interval_notifier per userptr BO (amdgpu_hmm_register() inserts &bo->notifier over the BO\'s user range): the notifier stands for the BO, and its one object for the BO\'s pages';

function instanceOf(hsa: boolean): (id: string, objects: readonly ObjectRange[]) => InstanceState {
  return (id, objects) => {
    const o = objects[0]!;
    const statics: Record<string, Value | readonly Value[]> = {
      ...objectStatics(id, objects, 'objects'),
      [`${id}.notifier`]: id,
      [`${id}.tbo.bdev`]: 'adev',
      [`${id}.tbo.ttm.userptr`]: o.start,
      [`${id}.tbo.ttm.userflags`]: 0,
      [`${id}.tbo.ttm.num_pages`]: o.end - o.start,
    };
    const mem: Record<string, Value> = { ...mappedMem(id, objects), [`${id}.obj0.inv_gen`]: 0 };
    const locks: Record<string, 'mutex' | 'rwsem' | 'spin'> = { 'adev.notifier_lock': 'mutex' };
    if (hsa) {
      statics[`${id}.kfd_bo.process_info`] = 'process_info';
      statics['process_info.block_mmu_notifications'] = 0;
      mem[`${id}.kfd_bo.invalid`] = 0;
      mem['process_info.evicted_bos'] = 0;
      locks['process_info.notifier_lock'] = 'mutex';
    }
    return { mem, locks, statics, balanced: [] };
  };
}

const CONSTANTS = {
  DMA_RESV_USAGE_BOOKKEEP: 3,
  DMA_RESV_USAGE_WRITE: 1,
  AMDGPU_GEM_USERPTR_ANONONLY: 1,
  MAX_WALK_BYTE: 0x40000000,
  HMM_RANGE_DEFAULT_TIMEOUT: 1000,
  EBUSY: 16,
  ESRCH: 3,
  EPERM: 1,
  KFD_QUEUE_EVICTION_TRIGGER_USERPTR: 1,
  AMDGPU_USERPTR_RESTORE_DELAY_MS: 1,
} as const;

export const amdgpuV66: VariantDef = {
  description:
    'v6.6 (drivers/gpu/drm/amd/amdgpu/amdgpu_hmm.c): one mmu_interval_notifier per userptr BO; amdgpu_hmm_invalidate_gfx returns false when !mmu_notifier_range_blockable(range), else takes adev->notifier_lock, mmu_interval_set_seq() and waits for the BO\'s fences (dma_resv_wait_timeout); the CS ioctl reads the pages (mmu_interval_read_begin, hmm_range_fault) and checks mmu_interval_read_retry() under adev->notifier_lock before fencing the BO (thread amdgpu:cs)',
  version: V,
  api: 'v5.2',
  fns: [invalidateGfx],
  ops: { invalidate: 'amdgpu_hmm_invalidate_gfx' },
  flags: 0,
  primitives: AMDGPU_HMM_PRIMITIVES,
  instance: instanceOf(false),
  interval: (objects) => ({ start: objects[0]!.start, last: objects[0]!.end - 1 }),
  oneObject: ONE_BO,
  constants: CONSTANTS,
  globals: ['jiffies'],
  threads: { cs: CS_THREAD },
};

export const amdgpuHsaV66: VariantDef = {
  description:
    'v6.6 (drivers/gpu/drm/amd/amdgpu/amdgpu_hmm.c, amdgpu_amdkfd_gpuvm.c): one mmu_interval_notifier per KFD userptr BO; amdgpu_hmm_invalidate_hsa returns false when !mmu_notifier_range_blockable(range), else amdgpu_amdkfd_evict_userptr() takes process_info->notifier_lock, mmu_interval_set_seq() and on the first eviction quiesces the process\'s queues (kgd2kfd_quiesce_mm); the restore worker (the reader) is not modelled',
  version: V,
  api: 'v5.2',
  fns: [invalidateHsa, evictUserptr],
  ops: { invalidate: 'amdgpu_hmm_invalidate_hsa' },
  flags: 0,
  primitives: AMDGPU_HMM_PRIMITIVES,
  instance: instanceOf(true),
  interval: (objects) => ({ start: objects[0]!.start, last: objects[0]!.end - 1 }),
  oneObject: ONE_BO,
  constants: CONSTANTS,
  globals: ['jiffies'],
};
