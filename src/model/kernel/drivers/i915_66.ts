/**
 * i915's userptr objects as v6.6 has them (drivers/gpu/drm/i915/gem/i915_gem_userptr.c: one
 * `mmu_interval_notifier` per userptr object since the 5.13 rework, "drm/i915: Fix userptr so we do
 * not have to worry about obj->mm.lock") and the execbuffer that reads their pages
 * (i915_gem_execbuffer.c): the variant `i915@v6.6` of src/model/kernel/drivers/i915.ts and its thread
 * `i915:execbuf`.
 *
 * Sources (index ids are the search tool's). i915_gem_userptr.c: the de-duplicated file of index id
 * 47306810416, a merge of "vendor/linux-drm-v6.6.35" into a NetBSD tree whose conflict markers keep
 * the 6.6.35 side whole for `i915_gem_userptr_invalidate()`, `i915_gem_object_userptr_submit_init()`
 * and `i915_gem_object_userptr_submit_done()`: the v6.6 stable text (the invalidate's
 * `write_lock(&i915->mm.notifier_lock)` and `DMA_RESV_USAGE_BOOKKEEP` agree with index ids 11817366
 * and 29093997829). `eb_move_to_gpu()`'s userptr check: the de-duplicated i915_gem_execbuffer.c of
 * index id 2021424 (`read_lock(&eb->i915->mm.notifier_lock)`, the multi-batch `eb->requests[j]`: the
 * v6.x shape); `eb_lookup_vmas()`'s call of submit_init from the review mail of the 5.13 rework
 * (index id 12944778344).
 *
 * Objects: a notifier of `i915@v6.6` is one userptr GEM object with exactly one object, its pages.
 * `obj.mapped`: a submitted request may still use the pages. State per object: `userptr.notifier_seq`
 * (ULONG_MAX until pinned), `userptr.pvec` (the pinned pages, or NULL), `userptr.page_ref`, and the
 * model's `fence_unsubmitted` (a request's fence is on the object's reservation but the request is not
 * yet submitted: `dma_resv_wait_timeout()` waits for it, since the fence cannot signal before); the
 * object's ww-mutex (`obj->base.resv`) as a mutex; `i915->mm.notifier_lock` (an rwlock) as one
 * exclusive spinlock, as for KVM.
 *
 * Abstractions (docs/model.md, "i915 userptr as of v6.6"):
 * - The execbuffer is reduced to one request with one batch whose only object is the userptr object:
 *   `eb_lookup_vmas()` to the submit_init call, `eb_move_to_gpu()` to `_i915_vma_move_to_active()`
 *   (the fence on the object) and the userptr check under `read_lock(notifier_lock)`, then the
 *   request added (`eb_request_add()`: submitted, skipped with its error set if the check failed;
 *   `mapped = 1` only for a request that runs). Reservation, relocation, the ww backoff and the
 *   engine's context are shown, not run.
 * - `pin_user_pages_fast()` pins every page in one call (may sleep; a page munmap removed is still
 *   found, as for the other readers); `i915_gem_object_userptr_unbind()` is one step that may sleep
 *   (it waits for the object's vmas to go idle) and drops the pages; `____i915_gem_object_get_pages()`
 *   one step that takes the pages' reference (`page_ref++`).
 * - `current->flags & PF_EXITING` is never set (the model's exit_mmap task does not mark it: an
 *   invalidation from exit_mmap would skip the fence wait in the kernel).
 */
import type { DriverThreadDef, InstanceState, ObjectRange, VariantDef } from '../driver.ts';
import { mappedMem, objectStatics } from '../driver.ts';
import { c, cAs, fn, cAsG, shown, if_, ifAs, label, parseExpr, while_, type FnDef, type Stmt } from '../../lang/ir.ts';
import { CORE_PRIMITIVES, num, ref, type Primitive } from '../../lang/primitives.ts';
import type { Value } from '../../lang/state.ts';
import { COMMON_PRIMITIVES } from './notifier-users-common.ts';
import { DMA_RESV_WAIT } from './amdgpu_hmm.ts';

const USERPTR = 'drivers/gpu/drm/i915/gem/i915_gem_userptr.c';
const EXECBUF = 'drivers/gpu/drm/i915/gem/i915_gem_execbuffer.c';
const V = 'v6.6';
const SRC_U = 'i915_gem_userptr.c of index id 47306810416 (repository not reported): the "vendor/linux-drm-v6.6.35" side of a merge, i.e. the v6.6.35 text';
const SRC_E = 'i915_gem_execbuffer.c of index id 2021424 (repository not reported; v6.x by content: read_lock of mm.notifier_lock, eb->requests[j])';


const objOf = (r: string): string => r.replace(/\.base\.resv$/, '').replace(/\.userptr\.notifier$/, '');
const lockKey = (o: string): string => `${objOf(o)}.base.resv.lock`;

const mutexLock = CORE_PRIMITIVES['mutex_lock']!;
const mutexUnlock = CORE_PRIMITIVES['mutex_unlock']!;

export const I915_66_PRIMITIVES: Readonly<Record<string, Primitive>> = {
  ...COMMON_PRIMITIVES,
  ...DMA_RESV_WAIT,
  to_i915: { shared: false, sleeps: false, doc: 'to_i915(dev): the drm_i915_private of a device (container_of); the model names it `i915`.', run: () => 'i915' },
  drm_err: { shared: false, sleeps: false, doc: 'drm_err(drm, ...): printk.', run: () => 0 },
  i915_gem_object_lock_interruptible: {
    ...mutexLock,
    doc: 'i915_gem_object_lock_interruptible(obj, NULL): takes the object\'s dma_resv ww-mutex (no acquire context: a plain lock; interruptible, the model\'s task gets no signal); runs as mutex_lock of `<obj>.base.resv.lock`; returns 0.',
    wait: (ctx, [o]) => mutexLock.wait!(ctx, [lockKey(ref(o, 'i915_gem_object_lock_interruptible'))]),
    run(ctx, [o], choice) {
      mutexLock.run(ctx, [lockKey(ref(o, 'i915_gem_object_lock_interruptible'))], choice);
      return 0;
    },
  },
  i915_gem_object_unlock: {
    ...mutexUnlock,
    doc: 'i915_gem_object_unlock(obj): drops the object\'s dma_resv ww-mutex (mutex_unlock of `<obj>.base.resv.lock`).',
    run: (ctx, [o], choice) => mutexUnlock.run(ctx, [lockKey(ref(o, 'i915_gem_object_unlock'))], choice),
  },
  i915_gem_object_userptr_unbind: {
    shared: true,
    sleeps: true,
    access: () => [
      { name: 'mapped', mode: 'w' },
      { name: 'pvec', mode: 'w' },
      { name: 'page_ref', mode: 'w' },
    ],
    doc: 'i915_gem_object_userptr_unbind(obj) (i915_gem_userptr.c): i915_gem_object_unbind(obj, I915_GEM_OBJECT_UNBIND_ACTIVE) waits for the object\'s vmas to go idle (may sleep) and unbinds them (`obj.mapped = 0`); its pages are put (i915_gem_userptr_put_pages -> i915_gem_object_userptr_drop_ref: page_ref--, the pinned pages released at 0: `userptr.pvec = NULL`). One step; returns 0.',
    run(ctx, [o]) {
      const obj = ref(o, 'i915_gem_object_userptr_unbind');
      ctx.write(`${obj}.obj0.mapped`, 0);
      if (ctx.read(`${obj}.userptr.pvec`) !== null) {
        const r = num(ctx.read(`${obj}.userptr.page_ref`), 'page_ref') - 1;
        ctx.write(`${obj}.userptr.page_ref`, r);
        if (r === 0) ctx.write(`${obj}.userptr.pvec`, null);
      }
      return 0;
    },
  },
  i915_gem_object_is_readonly: { shared: false, sleeps: false, doc: 'i915_gem_object_is_readonly(obj): the modelled userptr objects are writable: false.', run: () => 0 },
  pin_user_pages_fast: {
    shared: false,
    sleeps: true,
    doc: 'pin_user_pages_fast(start, nr_pages, gup_flags, pages) (mm/gup.c): pins the pages (faulting them in: may sleep); in the model every requested page at once: returns nr_pages. A page munmap removed is still found (as for the other readers).',
    run: (_ctx, [, n]) => num(n, 'pin_user_pages_fast'),
  },
  unpin_user_pages: { shared: false, sleeps: false, doc: 'unpin_user_pages(pages, npages): drops the pins (not tracked).', run: () => 0 },
  ____i915_gem_object_get_pages: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'page_ref', mode: 'w' }],
    doc: '____i915_gem_object_get_pages(obj) -> i915_gem_userptr_get_pages(): builds the sg table of the pinned pages (its allocation is not modelled) and takes the pages\' reference (`userptr.page_ref++`); returns 0.',
    run(ctx, [o]) {
      const obj = ref(o, '____i915_gem_object_get_pages');
      ctx.write(`${obj}.userptr.page_ref`, num(ctx.read(`${obj}.userptr.page_ref`), 'page_ref') + 1);
      return 0;
    },
  },
  i915_gem_object_is_userptr: { shared: false, sleeps: false, doc: 'i915_gem_object_is_userptr(obj): the execbuffer\'s object is the userptr object: true.', run: () => 1 },
  _i915_vma_move_to_active: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'fence_unsubmitted', mode: 'w' }],
    doc: '_i915_vma_move_to_active(vma, rq, fence, flags) (i915_vma.c): adds the request\'s fence to the object\'s reservation (the ww-mutex is held since the reservation, not modelled): the fence is there before the request is submitted (`fence_unsubmitted = 1`); returns 0. Never sleeps.',
    run(ctx, [o]) {
      ctx.write(`${ref(o, '_i915_vma_move_to_active')}.fence_unsubmitted`, 1);
      return 0;
    },
  },
  i915_request_set_error_once: { shared: false, sleeps: false, doc: 'i915_request_set_error_once(rq, err): marks the request to be skipped (its payload not run); the model passes the error to eb_request_add.', run: () => 0 },
  eb_request_add: {
    shared: true,
    sleeps: false,
    access: () => [
      { name: 'fence_unsubmitted', mode: 'w' },
      { name: 'mapped', mode: 'w' },
    ],
    doc: 'eb_request_add(eb, rq, err, ce) (i915_gem_execbuffer.c): adds the request to its timeline and submits it; a request whose error is set is skipped. Its fence can now signal (`fence_unsubmitted = 0`); a request that runs uses the object\'s pages (`obj.mapped = 1`). Never sleeps.',
    run(ctx, [o, err]) {
      const obj = ref(o, 'eb_request_add');
      ctx.write(`${obj}.fence_unsubmitted`, 0);
      if (err === 0) ctx.write(`${obj}.obj0.mapped`, 1);
      return err as Value;
    },
  },
};

export const invalidate66: FnDef = fn({
  name: 'i915_gem_userptr_invalidate',
  file: USERPTR,
  version: V,
  source: `${SRC_U}; the comment before the PF_EXITING test is left out`,
  signature: 'static bool i915_gem_userptr_invalidate(struct mmu_interval_notifier *mni, const struct mmu_notifier_range *range, unsigned long cur_seq)',
  params: ['mni', 'range', 'cur_seq'],
  body: [
    c('struct drm_i915_gem_object *obj = container_of(mni, struct drm_i915_gem_object, userptr.notifier);'),
    c('struct drm_i915_private *i915 = to_i915(obj->base.dev);'),
    c('long r;'),
    if_('!mmu_notifier_range_blockable(range)', [c('return false;')]),
    c('write_lock(&i915->mm.notifier_lock);'),
    c('mmu_interval_set_seq(mni, cur_seq);'),
    c('write_unlock(&i915->mm.notifier_lock);'),
    if_('current->flags & PF_EXITING', [c('return true;')]),
    c('r = dma_resv_wait_timeout(obj->base.resv, DMA_RESV_USAGE_BOOKKEEP, false, MAX_SCHEDULE_TIMEOUT);'),
    if_('r <= 0', [c('drm_err(&i915->drm, "(%ld) failed to wait for idle\\n", r);')]),
    c('return true;'),
  ],
});

/** The read side; the ghost effect samples the object's invalidations right after read_begin (`current->mnc_gen`). */
export const submitInit: FnDef = fn({
  name: 'i915_gem_object_userptr_submit_init',
  file: USERPTR,
  version: V,
  source: `${SRC_U}. &obj->userptr.notifier is the object (the model names them alike); kvmalloc_array runs as kzalloc (an allocation)`,
  signature: 'int i915_gem_object_userptr_submit_init(struct drm_i915_gem_object *obj)',
  params: ['obj'],
  body: [
    c('const unsigned long num_pages = obj->base.size >> PAGE_SHIFT;'),
    c('struct page **pvec;'),
    c('unsigned int gup_flags = 0;'),
    c('unsigned long notifier_seq;'),
    c('int pinned, ret;'),
    if_('obj->userptr.notifier.mm != current->mm', [c('return -EFAULT;')]),
    cAsG('notifier_seq = mmu_interval_read_begin(&obj->userptr.notifier);', 'notifier_seq = mmu_interval_read_begin(obj)', 'current->mnc_gen = mnc_interval_gen(obj, obj->userptr.ptr)'),
    c('ret = i915_gem_object_lock_interruptible(obj, NULL);'),
    if_('ret', [c('return ret;')]),
    if_('notifier_seq == obj->userptr.notifier_seq && obj->userptr.pvec', [c('i915_gem_object_unlock(obj);'), c('return 0;')]),
    c('ret = i915_gem_object_userptr_unbind(obj);'),
    c('i915_gem_object_unlock(obj);'),
    if_('ret', [c('return ret;')]),
    cAs('pvec = kvmalloc_array(num_pages, sizeof(struct page *), GFP_KERNEL);', 'pvec = kzalloc(0, GFP_KERNEL)'),
    if_('!pvec', [c('return -ENOMEM;')]),
    if_('!i915_gem_object_is_readonly(obj)', [c('gup_flags |= FOLL_WRITE;')]),
    c('pinned = 0;'),
    while_('pinned < num_pages', [
      cAs('ret = pin_user_pages_fast(obj->userptr.ptr + pinned * PAGE_SIZE, num_pages - pinned, gup_flags, &pvec[pinned]);', 'ret = pin_user_pages_fast(obj->userptr.ptr + pinned * PAGE_SIZE, num_pages - pinned, gup_flags, pvec)'),
      if_('ret < 0', [c('goto out;')]),
      c('pinned += ret;'),
    ]),
    c('ret = i915_gem_object_lock_interruptible(obj, NULL);'),
    if_('ret', [c('goto out;')]),
    ifAs(
      'mmu_interval_read_retry(&obj->userptr.notifier, !obj->userptr.page_ref ? notifier_seq : obj->userptr.notifier_seq)',
      'mmu_interval_read_retry(obj, !obj->userptr.page_ref ? notifier_seq : obj->userptr.notifier_seq)',
      [c('ret = -EAGAIN;'), c('goto out_unlock;')],
    ),
    if_('!obj->userptr.page_ref++', [
      c('obj->userptr.pvec = pvec;'),
      c('obj->userptr.notifier_seq = notifier_seq;'),
      c('pvec = NULL;'),
      c('ret = ____i915_gem_object_get_pages(obj);'),
    ]),
    c('obj->userptr.page_ref--;'),
    label('out_unlock'),
    c('i915_gem_object_unlock(obj);'),
    label('out'),
    if_('pvec', [c('unpin_user_pages(pvec, pinned);'), c('kvfree(pvec);')]),
    c('return ret;'),
  ],
});

export const submitDone: FnDef = fn({
  name: 'i915_gem_object_userptr_submit_done',
  file: USERPTR,
  version: V,
  source: `${SRC_U}; the comment in the branch is left out`,
  signature: 'int i915_gem_object_userptr_submit_done(struct drm_i915_gem_object *obj)',
  params: ['obj'],
  body: [ifAs('mmu_interval_read_retry(&obj->userptr.notifier, obj->userptr.notifier_seq)', 'mmu_interval_read_retry(obj, obj->userptr.notifier_seq)', [c('return -EAGAIN;')]), c('return 0;')],
});

const moveToGpu: FnDef = fn({
  name: 'eb_move_to_gpu',
  file: EXECBUF,
  version: V,
  source: `${SRC_E}. Reduced: one batch, one request, one object (the userptr object, __EXEC_USERPTR_USED set); the await of the object's fences and the capture are shown, not run`,
  signature: 'static int eb_move_to_gpu(struct i915_execbuffer *eb)',
  params: ['eb'],
  body: [
    c('int err = 0;'),
    cAs('struct drm_i915_gem_object *obj = ev->vma->obj;', 'obj = eb->vma->obj'),
    shown('for (i = 0; i < count; i++) { ... err = i915_request_await_object(...); ... }', 'the request awaits no other fence in the model'),
    cAs('err = _i915_vma_move_to_active(vma, eb->requests[j], j ? NULL : eb->composite_fence ? eb->composite_fence : &eb->requests[j]->fence, flags | __EXEC_OBJECT_NO_RESERVE);', 'err = _i915_vma_move_to_active(obj, 0, 0, 0)'),
    if_('!err && (eb->args->flags & __EXEC_USERPTR_USED)', [
      c('read_lock(&eb->i915->mm.notifier_lock);'),
      c('err = i915_gem_object_userptr_submit_done(obj);'),
      c('read_unlock(&eb->i915->mm.notifier_lock);'),
    ]),
    if_('unlikely(err)', [c('goto err_skip;')]),
    c('return 0;'),
    label('err_skip'),
    cAs('i915_request_set_error_once(eb->requests[j], err);', 'i915_request_set_error_once(eb, err)'),
    c('return err;'),
  ],
});

const doExecbuffer: FnDef = fn({
  name: 'i915_gem_do_execbuffer',
  file: EXECBUF,
  version: V,
  source: `${SRC_E}; eb_lookup_vmas()'s userptr branch from index id 12944778344. Reduced to the userptr path (the model's eb is the thread's, passed in with its object): the lookup's call of i915_gem_object_userptr_submit_init(), eb_move_to_gpu() and eb_request_add() with its error; the rest is shown, not run. The ghost effect on the request's addition checks the read (interval-coherency:stale-use)`,
  signature: 'static int i915_gem_do_execbuffer(struct drm_device *dev, struct drm_file *file, struct drm_i915_gem_execbuffer2 *args, struct drm_i915_gem_exec_object2 *exec)',
  params: ['eb', 'obj'],
  body: [
    c('int err;'),
    shown('err = eb_create(&eb); ... err = eb_select_context(&eb); ... err = eb_select_engine(&eb); ...', 'the context and engine are not modelled'),
    cAs('err = i915_gem_object_userptr_submit_init(vma->obj);', 'err = i915_gem_object_userptr_submit_init(obj)'),
    if_('err', [c('goto err_vma;')]),
    c('eb->args->flags |= __EXEC_USERPTR_USED;'),
    shown('err = eb_relocate_parse(&eb); ... batch = eb.batches[0]->vma; ... err = eb_requests_create(&eb, in_fence, out_fence_fd); ...', 'reservation, relocation and the request\'s creation are not modelled'),
    cAs('err = eb_submit(&eb);', 'err = eb_move_to_gpu(eb)'),
    label('err_request'),
    { ...cAs('err = eb_request_add(&eb, eb.requests[i], err, eb.context);', 'err = eb_request_add(obj, err)'), ghost: [parseExpr('!err && mnc_interval_use(obj, obj->userptr.ptr, current->mnc_gen)')] } as Stmt,
    label('err_vma'),
    c('return err;'),
  ],
});

const EXECBUF_THREAD: DriverThreadDef = {
  description:
    'The execbuffer ioctl on the userptr object (v6.6): i915_gem_object_userptr_submit_init (mmu_interval_read_begin, unbind, pin_user_pages_fast, the object lock and mmu_interval_read_retry, the pages kept), then eb_move_to_gpu (the request\'s fence on the object, the userptr check i915_gem_object_userptr_submit_done under read_lock(&i915->mm.notifier_lock): -EAGAIN skips the request) and eb_request_add (the request submitted; it uses the pages unless skipped).',
  fns: [doExecbuffer, moveToGpu, submitInit, submitDone],
  entry: 'i915_gem_do_execbuffer',
  params: {},
  args(nid, _p, ctx) {
    // Each execbuffer has its own struct i915_execbuffer (on the ioctl's stack in the kernel).
    const eb = `${ctx.task}.eb`;
    ctx.mem[`${ctx.task}.mnc_gen`] = 0;
    ctx.mem[`${eb}.args.flags`] = 0;
    ctx.statics[`${eb}.i915`] = 'i915';
    ctx.statics[`${eb}.vma.obj`] = nid;
    return [eb, nid];
  },
};

function instance(id: string, objects: readonly ObjectRange[]): InstanceState {
  const o = objects[0]!;
  return {
    mem: {
      ...mappedMem(id, objects),
      [`${id}.obj0.inv_gen`]: 0,
      [`${id}.userptr.notifier_seq`]: 0x7fffffff,
      [`${id}.userptr.pvec`]: null,
      [`${id}.userptr.page_ref`]: 0,
      [`${id}.fence_unsubmitted`]: 0,
    },
    locks: { 'i915.mm.notifier_lock': 'spin', [`${id}.base.resv.lock`]: 'mutex' },
    statics: {
      ...objectStatics(id, objects, 'objects'),
      [`${id}.userptr.notifier`]: id,
      [`${id}.userptr.ptr`]: o.start,
      [`${id}.base.size`]: o.end - o.start,
      [`${id}.base.dev`]: 'i915.drm',
      [`${id}.base.resv`]: `${id}.base.resv`,
      [`${id}.mnc_fence_tracked`]: 1,
    },
    balanced: [],
  };
}

export const i915V66: VariantDef = {
  description:
    'v6.6 (drivers/gpu/drm/i915/gem/i915_gem_userptr.c, 6.6.35): one mmu_interval_notifier per userptr object; i915_gem_userptr_invalidate returns false when !mmu_notifier_range_blockable(range), else mmu_interval_set_seq() under write_lock(&i915->mm.notifier_lock) and a wait for the object\'s fences. Thread execbuf: submit_init (read_begin, pin, read_retry under the object lock) and the userptr check under read_lock(notifier_lock) before the request runs',
  version: V,
  api: 'v5.2',
  fns: [invalidate66],
  ops: { invalidate: 'i915_gem_userptr_invalidate' },
  flags: 0,
  primitives: I915_66_PRIMITIVES,
  instance,
  interval: (objects) => ({ start: objects[0]!.start, last: objects[0]!.end - 1 }),
  oneObject: 'one mmu_interval_notifier per userptr object (i915_gem_userptr_init__mmu_notifier() inserts &obj->userptr.notifier over the object\'s user range): the notifier stands for the object, its one object for its pages',
  constants: { PF_EXITING: 0x4, DMA_RESV_USAGE_BOOKKEEP: 3, FOLL_WRITE: 1, __EXEC_USERPTR_USED: 0x40000000 },
  threads: { execbuf: EXECBUF_THREAD },
};
