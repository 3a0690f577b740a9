/**
 * hfi1's expected-receive TID cache as v6.6 has it (drivers/infiniband/hw/hfi1/user_exp_rcv.c): one
 * `mmu_interval_notifier` per programmed TID node, whose `tid_rb_invalidate()` clears the node's
 * RcvArray entry and unpins its pages when the range is unmapped: the variant `hfi1@v6.6` of
 * src/model/kernel/drivers/hfi1.ts. (hfi1's other notifier, mmu_rb.c's hlist notifier of the SDMA
 * cache, takes only a spinlock and never fails in every version seen, v6.6's kref rework included;
 * the older variants model it.)
 *
 * Sources (issue14-research.md §5.5.2). The pre-6.2 `tid_rb_invalidate()`: ammarfaizi2/linux-block @
 * 2d3a3779520e user_exp_rcv.c (index id 13899806311); the two v6.2 fixes by Dean Luick, both in v6.6:
 * "IB/hfi1: Immediately remove invalid memory from hardware" (mainline 1c7edde1b572; the stable
 * backport mail, index id 13875841215: `__clear_tid_node()` with `node->invalidate_mutex`, the
 * `MMU_NOTIFY_UNMAP` filter, the call of `__clear_tid_node()` from `tid_rb_invalidate()`) and "IB/hfi1:
 * Remove user expected buffer invalidate race" (b3deec25847b; index id 13506228007: the node's
 * `mmu_interval_read_begin()` removed). The function is assembled from the pre-6.2 text and the
 * verbatim hunks, not read as one file. `hfi1_release_user_pages()` (user_pages.c):
 * `unpin_user_pages_dirty_lock(p, npages, dirty)` (index ids 335805133, 202343513).
 *
 * Objects: a notifier of `hfi1@v6.6` is one TID node (`struct tid_rb_node`, its embedded `notifier`
 * named alike) with exactly one object, the node's pages; `obj.mapped`: the node's RcvArray entry is
 * programmed (the device may DMA into the pages); `<id>.freed`; the mutex `<id>.invalidate_mutex`.
 * The file's `hfi1_filedata` is `hfi1fd` (one per scenario): `invalid_lock` (a spinlock) and
 * `invalid_tid_idx`.
 *
 * Abstractions (docs/model.md, "hfi1 as of v6.6"):
 * - `hfi1_put_tid(dd, rcventry, PT_INVALID_FLUSH, 0, 0)` is one step that clears the RcvArray entry
 *   (`mapped = 0`; a CSR write and its flush: never sleeps).
 * - `unpin_rcv_pages(fd, NULL, node, 0, node->npages, true)` is one step that may sleep: it
 *   DMA-unmaps the node and calls `hfi1_release_user_pages(mm, pages, npages, true)` ->
 *   `unpin_user_pages_dirty_lock()`, which dirties each page with `set_page_dirty_lock()`, taking the
 *   page lock (lock_page: sleeps while another task holds it). The page lock itself is not modelled
 *   (no other modelled thread takes one): the step may sleep, it never waits.
 * - The queueing of the invalid TID for user space (the `invalid_tids[]` entry and the event bit) is
 *   one stand-in step under `invalid_lock`.
 * - No reader: since v6.2 the TID node has no `mmu_interval_read_begin()`/`_retry()` (the setup's
 *   check moved to the cover notifier, `tid_cover_invalidate()`, inserted and removed around each
 *   `hfi1_user_exp_rcv_setup()`, which the static interval tree cannot express: not modelled), and the
 *   TID_FREE path removes the notifier (`mmu_interval_notifier_remove()`, which waits for an active
 *   invalidation) before it clears the node, which the static tree cannot express either.
 */
import type { InstanceState, ObjectRange, VariantDef } from '../driver.ts';
import { mappedMem, objectStatics } from '../driver.ts';
import { c, cAs, fn, if_, label, type FnDef } from '../../lang/ir.ts';
import { ref, type Primitive } from '../../lang/primitives.ts';
import type { Value } from '../../lang/state.ts';
import { COMMON_PRIMITIVES } from './notifier-users-common.ts';

const FILE = 'drivers/infiniband/hw/hfi1/user_exp_rcv.c';
const V = 'v6.6';
const SRC =
  'ammarfaizi2/linux-block @ 2d3a3779520e user_exp_rcv.c (index id 13899806311, before v6.2) with the hunks of the v6.2 fixes 1c7edde1b572 and b3deec25847b as their stable backport mails quote them (index ids 13875841215, 13506228007), both in v6.6: issue14-research.md §5.5.2';

export const HFI1_66_PRIMITIVES: Readonly<Record<string, Primitive>> = {
  ...COMMON_PRIMITIVES,
  trace_hfi1_exp_tid_inval: { shared: false, sleeps: false, doc: 'tracepoint', run: () => 0 },
  trace_hfi1_exp_tid_unreg: { shared: false, sleeps: false, doc: 'tracepoint', run: () => 0 },
  hfi1_put_tid: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'mapped', mode: 'w' }],
    doc: 'hfi1_put_tid(dd, index, PT_INVALID_FLUSH, 0, 0) (drivers/infiniband/hw/hfi1/chip.c): writes the RcvArray entry invalid and flushes the write; the device no longer DMAs into the node\'s pages (`obj.mapped = 0`). Never sleeps.',
    run(ctx, [, node]) {
      ctx.write(`${ref(node, 'hfi1_put_tid')}.obj0.mapped`, 0);
      return 0;
    },
  },
  unpin_rcv_pages: {
    shared: false,
    sleeps: true,
    doc: 'unpin_rcv_pages(fd, NULL, node, 0, node->npages, true) (user_exp_rcv.c): dma_unmap_single of the node, then hfi1_release_user_pages(mm, pages, npages, true) -> unpin_user_pages_dirty_lock(p, npages, dirty), which dirties each page with set_page_dirty_lock(): lock_page, which sleeps while another task holds the page lock. One step that may sleep (the page lock is not modelled: it never waits).',
    run: () => 0,
  },
  mnc_hfi1_queue_invalid_tid: {
    shared: false,
    sleeps: false,
    doc: 'Stands for the statements that queue the invalid TID for user space under invalid_lock: `fdata->invalid_tids[fdata->invalid_tid_idx] = rcventry2tidinfo(node->rcventry - uctxt->expected_base); fdata->invalid_tids[fdata->invalid_tid_idx] |= EXP_TID_SET(LEN, node->npages); if (!fdata->invalid_tid_idx) { ... set_bit(_HFI1_EVENT_TID_MMU_NOTIFY_BIT, ev); }` (the parser has no subscripts; user space\'s view is not modelled).',
    run: () => 0,
  },
};

export const clearTidNode: FnDef = fn({
  name: '__clear_tid_node',
  file: FILE,
  version: V,
  source: `${SRC}; the trace's arguments are elided`,
  signature: 'static void __clear_tid_node(struct hfi1_filedata *fd, struct tid_rb_node *node)',
  params: ['fd', 'node'],
  body: [
    c('struct hfi1_ctxtdata *uctxt = fd->uctxt;'),
    c('struct hfi1_devdata *dd = uctxt->dd;'),
    c('mutex_lock(&node->invalidate_mutex);'),
    if_('node->freed', [c('goto done;')]),
    c('node->freed = true;'),
    c('trace_hfi1_exp_tid_unreg(uctxt->ctxt, fd->subctxt, node->rcventry, ...);'),
    cAs('hfi1_put_tid(dd, node->rcventry, PT_INVALID_FLUSH, 0, 0);', 'hfi1_put_tid(dd, node)'),
    c('unpin_rcv_pages(fd, NULL, node, 0, node->npages, true);'),
    label('done'),
    c('mutex_unlock(&node->invalidate_mutex);'),
  ],
});

export const tidRbInvalidate: FnDef = fn({
  name: 'tid_rb_invalidate',
  file: FILE,
  version: V,
  source: `${SRC}; the trace's arguments are elided; the queueing of the invalid TID runs a stand-in (no subscripts in the model's C)`,
  signature: 'static bool tid_rb_invalidate(struct mmu_interval_notifier *mni, const struct mmu_notifier_range *range, unsigned long cur_seq)',
  params: ['mni', 'range', 'cur_seq'],
  body: [
    c('struct tid_rb_node *node = container_of(mni, struct tid_rb_node, notifier);'),
    c('struct hfi1_filedata *fdata = node->fdata;'),
    c('struct hfi1_ctxtdata *uctxt = fdata->uctxt;'),
    if_('node->freed', [c('return true;')]),
    if_('range->event != MMU_NOTIFY_UNMAP', [c('return true;')]),
    c('trace_hfi1_exp_tid_inval(uctxt->ctxt, fdata->subctxt, ...);'),
    c('__clear_tid_node(fdata, node);'),
    c('spin_lock(&fdata->invalid_lock);'),
    if_('fdata->invalid_tid_idx < uctxt->expected_count', [
      cAs(
        'fdata->invalid_tids[fdata->invalid_tid_idx] = rcventry2tidinfo(node->rcventry - uctxt->expected_base); fdata->invalid_tids[fdata->invalid_tid_idx] |= EXP_TID_SET(LEN, node->npages); if (!fdata->invalid_tid_idx) { ... set_bit(_HFI1_EVENT_TID_MMU_NOTIFY_BIT, ev); }',
        'mnc_hfi1_queue_invalid_tid(fdata, node)',
      ),
      c('fdata->invalid_tid_idx++;'),
    ]),
    c('spin_unlock(&fdata->invalid_lock);'),
    c('return true;'),
  ],
});

function instance(id: string, objects: readonly ObjectRange[]): InstanceState {
  const o = objects[0]!;
  return {
    mem: { ...mappedMem(id, objects), [`${id}.obj0.inv_gen`]: 0, [`${id}.freed`]: 0, 'hfi1fd.invalid_tid_idx': 0 },
    locks: { [`${id}.invalidate_mutex`]: 'mutex', 'hfi1fd.invalid_lock': 'spin' },
    statics: {
      ...objectStatics(id, objects, 'objects'),
      [`${id}.notifier`]: id,
      [`${id}.fdata`]: 'hfi1fd',
      [`${id}.npages`]: o.end - o.start,
      [`${id}.rcventry`]: 0,
      'hfi1fd.uctxt': 'hfi1fd.uctxt',
      'hfi1fd.uctxt.expected_count': 8,
      'hfi1fd.uctxt.dd': 'hfi1dd',
    } as Record<string, Value>,
    balanced: [],
  };
}

export const hfi1V66: VariantDef = {
  description:
    'v6.6 (drivers/infiniband/hw/hfi1/user_exp_rcv.c, with the v6.2 fixes): one mmu_interval_notifier per TID node; tid_rb_invalidate ignores mmu_notifier_range_blockable(range) and never returns false; for MMU_NOTIFY_UNMAP (the event of the oom_reaper\'s range) it clears the node under mutex_lock(&node->invalidate_mutex) and unpins its pages (set_page_dirty_lock), then queues the TID under the invalid_lock spinlock. No reader thread (the node has none since v6.2)',
  version: V,
  api: 'v5.2',
  fns: [tidRbInvalidate, clearTidNode],
  ops: { invalidate: 'tid_rb_invalidate' },
  flags: 0,
  primitives: HFI1_66_PRIMITIVES,
  instance,
  interval: (objects) => ({ start: objects[0]!.start, last: objects[0]!.end - 1 }),
  oneObject: 'one mmu_interval_notifier per programmed TID node (set_rcvarray_entry inserts &node->notifier over the node\'s pages): the notifier stands for the node, its one object for its pages',
  constants: { PT_INVALID_FLUSH: 3 },
};
