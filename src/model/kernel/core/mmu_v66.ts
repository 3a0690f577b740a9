/**
 * The 6.6 notifier core (the current LTS of the 6.x line): v5.12's core after Alistair Popple's series
 * merged for 6.6 (Jul 2023): 6bbd42e2df8f "mmu_notifiers: call invalidate_range() when invalidating
 * TLBs", ec8832d007cb "mmu_notifiers: don't invalidate secondary TLBs as part of
 * mmu_notifier_invalidate_range_end()" (the end walk no longer calls `->invalidate_range`, so
 * `only_end` and `mmu_notifier_invalidate_range_only_end()` are gone) and 1af5a8109904
 * "mmu_notifiers: rename invalidate_range notifier" (`->arch_invalidate_secondary_tlbs`, called by the
 * architectures' TLB flush through `__mmu_notifier_arch_invalidate_secondary_tlbs()`); the commit ids
 * and titles as a shortlog in the index gives them (index id 65766428204). Also
 * `mmu_notifier_range_init()` without the VMA (6.3 by issue14-research.md §5.1).
 *
 * Sources. mm/mmu_notifier.c at Laminad/WSL2-Linux-Kernel @ 7ed2a1194df1 (index id 49532400935),
 * dated by content to 6.6-6.8: it has `arch_invalidate_secondary_tlbs` (1af5a8109904, 6.6) and no
 * `only_end`, still has `__mmu_notifier_change_pte` (removed in 6.9) and walks the list with
 * `hlist_for_each_entry_rcu` (a later mainline, damonitor/linux @ dc29564804a7, issue14-research.md
 * §1.7, has `hlist_for_each_entry_srcu`); WSL2's kernel line is 6.6 LTS. Its
 * `__mmu_notifier_register` carries a merge-conflict marker, in a function the model does not run;
 * the functions below are clean. Every function of v5.12's core (src/model/kernel/core/mmu_v512.ts)
 * but the end walk has the same text there, and the 6.6 core runs those. The header (wrappers,
 * `mmu_notifier_range_init`) is raspberrypi/linux @ 5ecf6178d1a2 include/linux/mmu_notifier.h, an
 * android15-6.6-based header (issue14-research.md §5.1).
 *
 * Not modelled: `__mmu_notifier_arch_invalidate_secondary_tlbs()` (no modelled notifier has the
 * callback: the model's drivers are start/end users, and its callers are the architectures' TLB
 * flushes, which the model does not run), and `__mmu_notifier_register()`'s new `WARN_ON_ONCE` +
 * `-EINVAL` for a notifier with both that callback and start/end (registration is not a step of a
 * scenario).
 */
import { c, fn, foreach, if_, type FnDef } from '../../lang/ir.ts';
import { itreeReleaseOf } from './mmu_v512.ts';

const FILE = 'mm/mmu_notifier.c';
const HDR = 'include/linux/mmu_notifier.h';
const V = 'v6.6';

/** Where the 6.6 functions were read. */
export const SRC_V66 =
  'Laminad/WSL2-Linux-Kernel @ 7ed2a1194df1 mm/mmu_notifier.c (index id 49532400935; 6.6-6.8 by content: arch_invalidate_secondary_tlbs, no only_end, change_pte still there, hlist_for_each_entry_rcu)';
const SRC_HDR =
  'raspberrypi/linux @ 5ecf6178d1a2 include/linux/mmu_notifier.h (android15-6.6-based: change_pte, arch_invalidate_secondary_tlbs, mmu_notifier_range_init without the VMA; issue14-research.md §5.1)';

/** `struct mmu_notifier_range` in 6.6: the fields the model keeps (`owner` is not: no modelled caller sets it). */
export const RANGE_V66: readonly string[] = ['mm', 'start', 'end', 'flags', 'event'];

/** The end walk without `only_end` and without `->invalidate_range`. */
export const hlistInvalidateEndV66: FnDef = fn({
  name: 'mn_hlist_invalidate_end',
  file: FILE,
  version: V,
  source: SRC_V66,
  signature: 'static void mn_hlist_invalidate_end(struct mmu_notifier_subscriptions *subscriptions, struct mmu_notifier_range *range)',
  params: ['subscriptions', 'range'],
  body: [
    c('struct mmu_notifier *subscription;'),
    c('int id;'),
    c('id = srcu_read_lock(&srcu);'),
    foreach('hlist_for_each_entry_rcu(subscription, &subscriptions->list, hlist, srcu_read_lock_held(&srcu))', [
      if_('subscription->ops->invalidate_range_end', [
        if_('!mmu_notifier_range_blockable(range)', [c('non_block_start();')]),
        c('subscription->ops->invalidate_range_end(subscription, range);'),
        if_('!mmu_notifier_range_blockable(range)', [c('non_block_end();')]),
      ]),
    ]),
    c('srcu_read_unlock(&srcu, id);'),
  ],
});

export const endV66: FnDef = fn({
  name: '__mmu_notifier_invalidate_range_end',
  file: FILE,
  version: V,
  source: SRC_V66,
  signature: 'void __mmu_notifier_invalidate_range_end(struct mmu_notifier_range *range)',
  params: ['range'],
  body: [
    c('struct mmu_notifier_subscriptions *subscriptions = range->mm->notifier_subscriptions;'),
    c('lock_map_acquire(&__mmu_notifier_invalidate_range_start_map);'),
    if_('subscriptions->has_itree', [c('mn_itree_inv_end(subscriptions);')]),
    if_('!hlist_empty(&subscriptions->list)', [c('mn_hlist_invalidate_end(subscriptions, range);')]),
    c('lock_map_release(&__mmu_notifier_invalidate_range_start_map);'),
  ],
});

export const wrapperEndV66: FnDef = fn({
  name: 'mmu_notifier_invalidate_range_end',
  file: HDR,
  version: V,
  source: SRC_HDR,
  signature: 'static inline void mmu_notifier_invalidate_range_end(struct mmu_notifier_range *range)',
  params: ['range'],
  body: [if_('mmu_notifier_range_blockable(range)', [c('might_sleep();')]), if_('mm_has_notifiers(range->mm)', [c('__mmu_notifier_invalidate_range_end(range);')])],
});

/** Without the VMA argument, which a 6.x change dropped (6.3 by issue14-research.md §5.1; the 6.6 header has it without). */
export const rangeInitV66: FnDef = fn({
  name: 'mmu_notifier_range_init',
  file: HDR,
  version: V,
  source: `${SRC_HDR} (CONFIG_MMU_NOTIFIER=y)`,
  signature:
    'static inline void mmu_notifier_range_init(struct mmu_notifier_range *range, enum mmu_notifier_event event, unsigned flags, struct mm_struct *mm, unsigned long start, unsigned long end)',
  params: ['range', 'event', 'flags', 'mm', 'start', 'end'],
  body: [c('range->event = event;'), c('range->mm = mm;'), c('range->start = start;'), c('range->end = end;'), c('range->flags = flags;')],
});

/** `mn_itree_release()` with 6.6's mmu_notifier_range_init(), which has no VMA argument (6.3). */
export const itreeReleaseV66: FnDef = itreeReleaseOf(V, SRC_V66, RANGE_V66, 'mmu_notifier_range_init(&range, MMU_NOTIFY_RELEASE, MMU_NOTIFIER_RANGE_BLOCKABLE, mm, 0, ULONG_MAX);');
