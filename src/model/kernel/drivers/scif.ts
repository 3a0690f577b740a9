/**
 * Intel MIC SCIF's registration cache notifier (drivers/misc/mic/scif/scif_dma.c, scif_rma.h), by
 * variant:
 *
 * - `v4.18`: before 93065ac753e4 (`-` side of the seed diff): void start.
 * - `93065ac753e4`: the patch (`+` side): the same body with an ignored `blockable`, `return 0`.
 *
 * The start destroys the endpoint's temporary cached windows (`tcw`) that overlap the range:
 * `scif_rma_destroy_tcw()` takes `ep->rma_info.tc_lock` (a spinlock), walks `mmn->tc_reg_list`
 * and, per window in range, `__scif_rma_destroy_tcw_helper()` unlinks it and
 * `scif_queue_for_cleanup()` queues it on `scif_info.rma_tc` under `scif_info.rmalock` (a spinlock)
 * and `schedule_work(&scif_info.misc_work)`. Nothing sleeps, nothing can fail. The end callback is
 * empty ("Nothing to do here, everything needed was done in invalidate_range_start").
 *
 * Sources. Start: seed 001 diff; its `-` side is also in the ~4.12 scif_dma.c of index id 401192128,
 * which gives `scif_rma_destroy_tcw`, `__scif_rma_destroy_tcw` and the empty end (with the v4.13
 * removal of `invalidate_page` the only change up to v4.19; the `-` side of index id 23128457195
 * shows v4.19's start and end) [recon]. `__scif_rma_destroy_tcw_helper` and
 * `scif_queue_for_cleanup`: scif_rma.h, index id 274603460 [recon].
 *
 * Abstractions (docs/model.md):
 *
 * - **Objects.** Instance `id` is one `scif_mmu_notif` (`scif0`); each scenario object is one
 *   temporary cached window in `mmn->tc_reg_list` (kept sorted by address, as `scif_insert_tcw`
 *   does), covering the object's pages (`va_for_temp`, `nr_pages`). `obj.mapped` is "the window is on
 *   tc_reg_list": an RMA can reuse its pinned, device-mapped pages. Unlinking it
 *   (`list_del_init(&window->list)`) clears it, as a `ghost:` effect of that statement (list links
 *   are not modelled). The list is static configuration, so a later start still visits an unlinked
 *   window and unlinks and queues it again, which changes nothing the model tracks. The cleanup work
 *   (`scif_info.misc_work`, which unmaps and unpins the window) is not modelled: the pages stay
 *   pinned until then, so the card reaching them after the start is no use-after-free.
 * - Addresses are pages: PAGE_SHIFT is 0, so `window->nr_pages << PAGE_SHIFT` is the window's end
 *   in pages.
 * - `tc_lock` and `rmalock` are spinlocks no other modelled thread takes (SCIF's RMA paths are not
 *   modelled).
 * - **->release** (`scif_mmu_notifier_release`, index id 401192128): destroys every cached window of
 *   the endpoint (`scif_rma_destroy_tcw(mmn, 0, ULONG_MAX)`) and queues the cleanup work. It takes
 *   the two spinlocks and never sleeps. `scif_info.misc_work` is declared a work item that is not
 *   modelled (`schedule_work` returns true and nothing runs), as above.
 */
import type { DriverDef, InstanceState, ObjectRange, VariantDef, WorkDef } from '../driver.ts';
import { mappedMem, objectStatics } from '../driver.ts';
import { variantByPatch } from '../by-patch.ts';
import { rangeV50, rangeV52Unchanged } from './range-api.ts';
import { c, cg, fn, foreach, if_, type FnDef } from '../../lang/ir.ts';
import type { Primitive } from '../../lang/primitives.ts';
import type { Value } from '../../lang/state.ts';
import { COMMON_PRIMITIVES } from './notifier-users-common.ts';

const FILE = 'drivers/misc/mic/scif/scif_dma.c';
const RMA_H = 'drivers/misc/mic/scif/scif_rma.h';
const SRC_DMA = 'index id 401192128 (~4.12 scif_dma.c; unchanged up to v4.19 but for invalidate_page) [recon]';

export const SCIF_PRIMITIVES: Record<string, Primitive> = {
  ...COMMON_PRIMITIVES,
  list_add_tail: { shared: false, sleeps: false, doc: 'list_add_tail(entry, head): links the entry; list links are not modelled.', run: () => 0 },
};

const destroyTcwLocked: FnDef = fn({
  name: '__scif_rma_destroy_tcw',
  file: FILE,
  version: 'v4.19',
  source: `${SRC_DMA}; unchanged by 93065ac753e4`,
  signature: 'static void __scif_rma_destroy_tcw(struct scif_mmu_notif *mmn, struct scif_endpt *ep, u64 start, u64 len)',
  params: ['mmn', 'ep', 'start', 'len'],
  body: [
    c('struct list_head *item, *tmp;'),
    c('struct scif_window *window;'),
    c('u64 start_va, end_va;'),
    c('u64 end = start + len;'),
    if_('end <= start', [c('return;')]),
    foreach('list_for_each_safe(item, tmp, &mmn->tc_reg_list)', [
      c('window = list_entry(item, struct scif_window, list);'),
      c('ep = (struct scif_endpt *)window->ep;'),
      if_('!len', [c('break;')]),
      c('start_va = window->va_for_temp;'),
      c('end_va = start_va + (window->nr_pages << PAGE_SHIFT);'),
      if_('start < start_va && end <= start_va', [c('break;')]),
      if_('start >= end_va', [c('continue;')]),
      c('__scif_rma_destroy_tcw_helper(window);'),
    ]),
  ],
});

const destroyTcw: FnDef = fn({
  name: 'scif_rma_destroy_tcw',
  file: FILE,
  version: 'v4.19',
  source: `${SRC_DMA}; unchanged by 93065ac753e4`,
  signature: 'static void scif_rma_destroy_tcw(struct scif_mmu_notif *mmn, u64 start, u64 len)',
  params: ['mmn', 'start', 'len'],
  body: [
    c('struct scif_endpt *ep = mmn->ep;'),
    c('spin_lock(&ep->rma_info.tc_lock);'),
    c('__scif_rma_destroy_tcw(mmn, ep, start, len);'),
    c('spin_unlock(&ep->rma_info.tc_lock);'),
  ],
});

const destroyTcwHelper: FnDef = fn({
  name: '__scif_rma_destroy_tcw_helper',
  file: RMA_H,
  version: 'v4.19',
  source: 'index id 274603460 (scif_rma.h) [recon]; unchanged by 93065ac753e4',
  signature: 'static inline void __scif_rma_destroy_tcw_helper(struct scif_window *window)',
  params: ['window'],
  body: [cg('list_del_init(&window->list);', undefined, 'window->mapped = 0'), c('scif_queue_for_cleanup(window, &scif_info.rma_tc);')],
});

const queueForCleanup: FnDef = fn({
  name: 'scif_queue_for_cleanup',
  file: RMA_H,
  version: 'v4.19',
  source: 'index id 274603460 (scif_rma.h) [recon]; unchanged by 93065ac753e4',
  signature: 'static inline void scif_queue_for_cleanup(struct scif_window *window, struct list_head *list)',
  params: ['window', 'list'],
  body: [
    c('spin_lock(&scif_info.rmalock);'),
    c('list_add_tail(&window->list, list);'),
    c('spin_unlock(&scif_info.rmalock);'),
    c('schedule_work(&scif_info.misc_work);'),
  ],
});

function endFn(version: string): FnDef {
  return fn({
    name: 'scif_mmu_notifier_invalidate_range_end',
    file: FILE,
    version,
    source: `seed 001 diff context (scif hunk); body from ${SRC_DMA}`,
    signature: 'static void scif_mmu_notifier_invalidate_range_end(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start, unsigned long end)',
    params: ['mn', 'mm', 'start', 'end'],
    body: [],
  });
}

/** ->release: every cached window of the endpoint destroyed (the whole address space), then the cleanup work queued. */
const releaseFn: FnDef = fn({
  name: 'scif_mmu_notifier_release',
  file: FILE,
  version: 'v4.19',
  source: `${SRC_DMA}; unchanged by 93065ac753e4 (the seed diff's hunk header shows its last line, \`schedule_work(&scif_info.misc_work);\`)`,
  signature: 'static void scif_mmu_notifier_release(struct mmu_notifier *mn, struct mm_struct *mm)',
  params: ['mn', 'mm'],
  body: [
    c('struct scif_mmu_notif *mmn;'),
    c('mmn = container_of(mn, struct scif_mmu_notif, ep_mmu_notifier);'),
    c('scif_rma_destroy_tcw(mmn, 0, ULONG_MAX);'),
    c('schedule_work(&scif_info.misc_work);'),
  ],
});

const SHARED_FNS = [destroyTcwLocked, destroyTcw, destroyTcwHelper, queueForCleanup, releaseFn];

/** `scif_info.misc_work` (scif_misc_handler: frees the queued windows, unpinning their pages) is not modelled. */
const works = (): WorkDef[] => [
  {
    work: 'scif_info.misc_work',
    func: 'scif_misc_handler',
    queuedBy: ['scif_queue_for_cleanup', 'scif_mmu_notifier_release'],
    notModelled: 'scif_misc_handler unmaps and unpins the windows queued on scif_info.rma_tc; the model keeps their pages pinned',
  },
];

function instance(id: string, objects: readonly ObjectRange[]): InstanceState {
  const statics: Record<string, Value | readonly Value[]> = { ...objectStatics(id, objects, 'tc_reg_list'), [`${id}.ep`]: `${id}.ep` };
  objects.forEach((o, i) => {
    const w = `${id}.obj${i}`;
    statics[`${w}.ep`] = `${id}.ep`;
    statics[`${w}.va_for_temp`] = o.start;
    statics[`${w}.nr_pages`] = o.end - o.start;
  });
  return {
    mem: mappedMem(id, objects),
    locks: { [`${id}.ep.rma_info.tc_lock`]: 'spin', 'scif_info.rmalock': 'spin' },
    statics,
    balanced: [],
  };
}

const OPS = {
  release: 'scif_mmu_notifier_release',
  invalidate_range_start: 'scif_mmu_notifier_invalidate_range_start',
  invalidate_range_end: 'scif_mmu_notifier_invalidate_range_end',
} as const;

const v418: VariantDef = {
  description: 'Before 93065ac753e4 (v4.18): void start destroying the cached windows in range under two spinlocks; empty end.',
  version: 'v4.18',
  api: 'v4.18',
  flags: 0,
  ops: OPS,
  primitives: SCIF_PRIMITIVES,
  instance,
  works,
  constants: { PAGE_SHIFT: 0 },
  fns: [
    ...SHARED_FNS,
    fn({
      name: 'scif_mmu_notifier_invalidate_range_start',
      file: FILE,
      version: 'v4.18',
      source: 'seed 001 diff, scif_dma.c (- side)',
      signature: 'static void scif_mmu_notifier_invalidate_range_start(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start, unsigned long end)',
      params: ['mn', 'mm', 'start', 'end'],
      body: [c('struct scif_mmu_notif *mmn;'), c('mmn = container_of(mn, struct scif_mmu_notif, ep_mmu_notifier);'), c('scif_rma_destroy_tcw(mmn, start, end - start);')],
    }),
    endFn('v4.18'),
  ],
};

const v93065: VariantDef = variantByPatch(v418, '93065ac753e4-blockable-mode.patch', {
  description: 'The patch (93065ac753e4): the same start with blockable ignored and return 0 (it never sleeps, never fails); empty end.',
  version: '93065ac753e4',
  api: 'v4.19',
});

const v50 = rangeV50(v93065, 'v5.0: the 93065ac753e4 (v4.19) functions with');
const v52 = rangeV52Unchanged(v50, 'v5.2 (and v5.4): the callbacks never read the mode.');

export const SCIF: DriverDef = {
  name: 'scif',
  description: 'Intel MIC SCIF temporary cached window notifier (drivers/misc/mic/scif/scif_dma.c)',
  variants: { 'v4.18': v418, '93065ac753e4': v93065, 'v5.0': v50, 'v5.2': v52 },
  defaultVariant: { 'v4.18': 'v4.18', 'v4.19': '93065ac753e4', 'v5.0': 'v5.0', 'v5.2': 'v5.2' },
};
