/**
 * The v5.5 notifier core (99cb252f5e68, "mm/mmu_notifier: add an interval tree notifier"): the
 * interval notifiers (`struct mmu_interval_notifier`) beside the hlist of v5.4.
 *
 * Sources. mm/mmu_notifier.c as index id 866640179 holds it (issue14-research.md §1.4; the
 * repository was not reported, and no other tree holding this exact file was found). It is dated
 * to v5.5 by content: `struct mmu_notifier_mm *mmn_mm` and `struct mmu_interval_notifier *mni`
 * (renamed `subscriptions` / `interval_sub` in v5.7), `mmap_sem`, and the
 * `WARN_ON(atomic_read(&mm->mm_count) <= 0)` of `__mmu_interval_notifier_insert` that a later
 * patch with `Fixes: 99cb252f5e68` changed to `mm_users`. Every function below is that file's text
 * (its comments left out). The header's inlines `mmu_interval_set_seq()`, `mmu_interval_read_retry()`
 * and `mmu_interval_check_retry()` were not found in a v5.5 tree: they are read in
 * raspberrypi/linux @ 5ecf6178d1a2 include/linux/mmu_notifier.h (an android15-6.6-based header,
 * issue14-research.md §5.1) with `interval_sub` written `mni` as v5.5 names it; the v5.7 rename
 * ("mm/mmu_notifier: ... subscriptions") changed names only, and a 5.x i915 backport header (index id
 * 4170349428) has the same three bodies. The wrappers of include/linux/mmu_notifier.h are v5.4's
 * (99cb252f5e68 adds the interval API to the header and leaves them as they were).
 *
 * What is abstracted (docs/model.md, "From v5.4 to v5.5"):
 * - the interval tree `mmn_mm->itree` is static: the scenario's interval notifiers are inserted
 *   before it starts (`mmu_interval_notifier_insert()` is not a step) and never removed, so the
 *   deferred list of `mn_itree_inv_end()` is always empty and its walk is shown, not run (the v6.6
 *   core runs insert, remove and the walk: mmu_itree_v66.ts);
 * - `*seq = mmn_mm->invalidate_seq` of `mn_itree_inv_start_range()` writes through a pointer to the
 *   caller's local `cur_seq`, which the model's C has no form for: the callers pass
 *   `mmn_mm->invalidate_seq` where the kernel passes `cur_seq`. The value is the same: while the
 *   caller's range is counted in `active_invalidate_ranges`, `invalidate_seq` changes only by
 *   `|= 1` (a no-op, as it is odd once a notifier was found) and by the `++` of the
 *   `mn_itree_inv_end()` that brings the count to 0, which cannot be another thread's. Re-checked
 *   once insertions are steps (v6.6): an insert while the count is nonzero defers the notifier when
 *   `invalidate_seq` is odd (no change) and makes it odd only when it is even, which it is then only
 *   if no counted range found a notifier; a caller that calls `invalidate` found one. It holds.
 */
import { c, cAs, fn, cAsG, shown, foreach, if_, ifAs, label, parseExpr, while_, type FnDef, type Stmt } from '../../lang/ir.ts';
import { RANGE_V52 } from './mmu_notifier.ts';
import { forC } from '../drivers/notifier-users-common.ts';

const FILE = 'mm/mmu_notifier.c';
const HDR = 'include/linux/mmu_notifier.h';
const SRC =
  'mm/mmu_notifier.c of index id 866640179 (repository not reported; v5.5 by content: mmn_mm/mni names, mmap_sem, the mm_count WARN_ON a later Fixes: 99cb252f5e68 patch changed; issue14-research.md §1.4)';
const SRC_HDR =
  'raspberrypi/linux @ 5ecf6178d1a2 include/linux/mmu_notifier.h (android15-6.6-based, issue14-research.md §5.1), `interval_sub` written `mni` as v5.5 names it (the v5.7 rename changed names only); no v5.5 header was at hand';



const DEFERRED = 'the interval tree is static (no insert or remove runs in a scenario), so the deferred list is empty';
const CUR_SEQ =
  "the kernel passes the caller's cur_seq, which mn_itree_inv_start_range() set to mmn_mm->invalidate_seq; the model reads that field instead, which holds the same value while the caller's range is active (src/model/kernel/core/mmu_interval.ts)";

export const itreeIsInvalidating: FnDef = fn({
  name: 'mn_itree_is_invalidating',
  file: FILE,
  version: 'v5.5',
  source: SRC,
  signature: 'static bool mn_itree_is_invalidating(struct mmu_notifier_mm *mmn_mm)',
  params: ['mmn_mm'],
  body: [c('lockdep_assert_held(&mmn_mm->lock);'), c('return mmn_mm->invalidate_seq & 1;')],
});

export const itreeInvStartRange: FnDef = fn({
  name: 'mn_itree_inv_start_range',
  file: FILE,
  version: 'v5.5',
  source: `${SRC}. \`*seq = ...\` runs as an assignment to the parameter (the model's C has no pointer to a caller's scalar); the callers read mmn_mm->invalidate_seq for it`,
  signature:
    'static struct mmu_interval_notifier *mn_itree_inv_start_range(struct mmu_notifier_mm *mmn_mm, const struct mmu_notifier_range *range, unsigned long *seq)',
  params: ['mmn_mm', 'range', 'seq'],
  body: [
    c('struct interval_tree_node *node;'),
    c('struct mmu_interval_notifier *res = NULL;'),
    c('spin_lock(&mmn_mm->lock);'),
    c('mmn_mm->active_invalidate_ranges++;'),
    c('node = interval_tree_iter_first(&mmn_mm->itree, range->start, range->end - 1);'),
    if_('node', [c('mmn_mm->invalidate_seq |= 1;'), c('res = container_of(node, struct mmu_interval_notifier, interval_tree);')]),
    c('*seq = mmn_mm->invalidate_seq;'),
    c('spin_unlock(&mmn_mm->lock);'),
    c('return res;'),
  ],
});

export const itreeInvNext: FnDef = fn({
  name: 'mn_itree_inv_next',
  file: FILE,
  version: 'v5.5',
  source: SRC,
  signature: 'static struct mmu_interval_notifier *mn_itree_inv_next(struct mmu_interval_notifier *mni, const struct mmu_notifier_range *range)',
  params: ['mni', 'range'],
  body: [
    c('struct interval_tree_node *node;'),
    c('node = interval_tree_iter_next(&mni->interval_tree, range->start, range->end - 1);'),
    if_('!node', [c('return NULL;')]),
    c('return container_of(node, struct mmu_interval_notifier, interval_tree);'),
  ],
});

export const itreeInvEnd: FnDef = fn({
  name: 'mn_itree_inv_end',
  file: FILE,
  version: 'v5.5',
  source: SRC,
  signature: 'static void mn_itree_inv_end(struct mmu_notifier_mm *mmn_mm)',
  params: ['mmn_mm'],
  body: [
    c('struct mmu_interval_notifier *mni;'),
    c('struct hlist_node *next;'),
    c('spin_lock(&mmn_mm->lock);'),
    if_('--mmn_mm->active_invalidate_ranges || !mn_itree_is_invalidating(mmn_mm)', [c('spin_unlock(&mmn_mm->lock);'), c('return;')]),
    c('mmn_mm->invalidate_seq++;'),
    shown(
      'hlist_for_each_entry_safe(mni, next, &mmn_mm->deferred_list, deferred_item) { if (RB_EMPTY_NODE(&mni->interval_tree.rb)) interval_tree_insert(&mni->interval_tree, &mmn_mm->itree); else interval_tree_remove(&mni->interval_tree, &mmn_mm->itree); hlist_del(&mni->deferred_item); }',
      DEFERRED,
    ),
    c('spin_unlock(&mmn_mm->lock);'),
    c('wake_up_all(&mmn_mm->wq);'),
  ],
});

/**
 * `mmu_interval_read_begin()`: the reader's side. It samples `mni->invalidate_seq` under the lock
 * and, if that is the active invalidation's sequence (the notifier's invalidate already ran for
 * it), sleeps in `wait_event()` until `mn_itree_inv_end()` moves `invalidate_seq` on: a real
 * blocking wait, so a reader stuck behind an invalidation that cannot end is a deadlock, and a
 * reader called where sleeping is forbidden is a no-sleep finding.
 */
export const intervalReadBegin: FnDef = fn({
  name: 'mmu_interval_read_begin',
  file: FILE,
  version: 'v5.5',
  source: `${SRC}; the lockdep annotations are not modelled`,
  signature: 'unsigned long mmu_interval_read_begin(struct mmu_interval_notifier *mni)',
  params: ['mni'],
  body: [
    c('struct mmu_notifier_mm *mmn_mm = mni->mm->mmu_notifier_mm;'),
    c('unsigned long seq;'),
    c('bool is_invalidating;'),
    c('spin_lock(&mmn_mm->lock);'),
    c('seq = READ_ONCE(mni->invalidate_seq);'),
    c('is_invalidating = seq == mmn_mm->invalidate_seq;'),
    c('spin_unlock(&mmn_mm->lock);'),
    c('lock_map_acquire(&__mmu_notifier_invalidate_range_start_map);'),
    c('lock_map_release(&__mmu_notifier_invalidate_range_start_map);'),
    if_('is_invalidating', [c('wait_event(mmn_mm->wq, READ_ONCE(mmn_mm->invalidate_seq) != seq);')]),
    c('return seq;'),
  ],
});

export const intervalSetSeq: FnDef = fn({
  name: 'mmu_interval_set_seq',
  file: HDR,
  version: 'v5.5',
  source: SRC_HDR,
  signature: 'static inline void mmu_interval_set_seq(struct mmu_interval_notifier *mni, unsigned long cur_seq)',
  params: ['mni', 'cur_seq'],
  body: [cAs('WRITE_ONCE(mni->invalidate_seq, cur_seq);', 'mni->invalidate_seq = cur_seq;')],
});

export const intervalReadRetry: FnDef = fn({
  name: 'mmu_interval_read_retry',
  file: HDR,
  version: 'v5.5',
  source: SRC_HDR,
  signature: 'static inline bool mmu_interval_read_retry(struct mmu_interval_notifier *mni, unsigned long seq)',
  params: ['mni', 'seq'],
  body: [c('return mni->invalidate_seq != seq;')],
});

export const intervalCheckRetry: FnDef = fn({
  name: 'mmu_interval_check_retry',
  file: HDR,
  version: 'v5.5',
  source: SRC_HDR,
  signature: 'static inline bool mmu_interval_check_retry(struct mmu_interval_notifier *mni, unsigned long seq)',
  params: ['mni', 'seq'],
  body: [c('return READ_ONCE(mni->invalidate_seq) != seq;')],
});

/**
 * The call of an interval notifier's `invalidate`, with the ghost effect the interval-coherency
 * property reads: when it returned true, every object of the notifier the range overlaps counts one
 * more invalidation (`<object>.inv_gen`), recorded with the assignment of the result (the step after
 * the callback's return).
 */
function invalidateCall(): Stmt {
  return cAsG(
    'ret = mni->ops->invalidate(mni, range, cur_seq);',
    'ret = mni->ops->invalidate(mni, range, mmn_mm->invalidate_seq);',
    'mnc_interval_invalidated(mni, range->start, range->end, ret)',
  );
}

export const itreeInvalidate: FnDef = fn({
  name: 'mn_itree_invalidate',
  file: FILE,
  version: 'v5.5',
  source: `${SRC}. cur_seq: ${CUR_SEQ}. The WARN_ON runs as the stand-in mnc_interval_warn_on(cond, mni), which records a true condition for interval-coherency:blockable-false`,
  signature: 'static int mn_itree_invalidate(struct mmu_notifier_mm *mmn_mm, const struct mmu_notifier_range *range)',
  params: ['mmn_mm', 'range'],
  body: [
    c('struct mmu_interval_notifier *mni;'),
    c('unsigned long cur_seq;'),
    forC('mni = mn_itree_inv_start_range(mmn_mm, range, &cur_seq)', 'mni', 'mni = mn_itree_inv_next(mni, range)', [
      c('bool ret;'),
      invalidateCall(),
      if_('!ret', [
        ifAs('WARN_ON(mmu_notifier_range_blockable(range))', 'mnc_interval_warn_on(mmu_notifier_range_blockable(range), mni)', [c('continue;')]),
        c('goto out_would_block;'),
      ]),
    ]),
    c('return 0;'),
    label('out_would_block'),
    c('mn_itree_inv_end(mmn_mm);'),
    c('return -EAGAIN;'),
  ],
});

/** v5.4's start walk, as v5.5 moved it into a function of its own. */
export const hlistInvalidateRangeStart: FnDef = fn({
  name: 'mn_hlist_invalidate_range_start',
  file: FILE,
  version: 'v5.5',
  source: `${SRC}; v5.4's __mmu_notifier_invalidate_range_start body. The WARN_ON runs as mnc_warn_on(cond, mn, _ret), as on the v5.4 core`,
  signature: 'static int mn_hlist_invalidate_range_start(struct mmu_notifier_mm *mmn_mm, struct mmu_notifier_range *range)',
  params: ['mmn_mm', 'range'],
  body: [
    c('struct mmu_notifier *mn;'),
    c('int ret = 0;'),
    c('int id;'),
    c('id = srcu_read_lock(&srcu);'),
    foreach('hlist_for_each_entry_rcu(mn, &mmn_mm->list, hlist)', [
      if_('mn->ops->invalidate_range_start', [
        c('int _ret;'),
        if_('!mmu_notifier_range_blockable(range)', [c('non_block_start();')]),
        c('_ret = mn->ops->invalidate_range_start(mn, range);'),
        if_('!mmu_notifier_range_blockable(range)', [c('non_block_end();')]),
        if_('_ret', [
          c('pr_info("%pS callback failed with %d in %sblockable context.\\n", mn->ops->invalidate_range_start, _ret, !mmu_notifier_range_blockable(range) ? "non-" : "");'),
          cAs('WARN_ON(mmu_notifier_range_blockable(range) || _ret != -EAGAIN);', 'mnc_warn_on(mmu_notifier_range_blockable(range) || _ret != -EAGAIN, mn, _ret);'),
          c('ret = _ret;'),
        ]),
      ]),
    ]),
    c('srcu_read_unlock(&srcu, id);'),
    c('return ret;'),
  ],
});

/** The itree first; a failure there returns at once, before any hlist notifier runs. */
export const startV55: FnDef = fn({
  name: '__mmu_notifier_invalidate_range_start',
  file: FILE,
  version: 'v5.5',
  source: SRC,
  signature: 'int __mmu_notifier_invalidate_range_start(struct mmu_notifier_range *range)',
  params: ['range'],
  body: [
    c('struct mmu_notifier_mm *mmn_mm = range->mm->mmu_notifier_mm;'),
    c('int ret;'),
    if_('mmn_mm->has_itree', [c('ret = mn_itree_invalidate(mmn_mm, range);'), if_('ret', [c('return ret;')])]),
    if_('!hlist_empty(&mmn_mm->list)', [c('return mn_hlist_invalidate_range_start(mmn_mm, range);')]),
    c('return 0;'),
  ],
});

export const hlistInvalidateEnd: FnDef = fn({
  name: 'mn_hlist_invalidate_end',
  file: FILE,
  version: 'v5.5',
  source: `${SRC}; v5.4's end walk`,
  signature: 'static void mn_hlist_invalidate_end(struct mmu_notifier_mm *mmn_mm, struct mmu_notifier_range *range, bool only_end)',
  params: ['mmn_mm', 'range', 'only_end'],
  body: [
    c('struct mmu_notifier *mn;'),
    c('int id;'),
    c('id = srcu_read_lock(&srcu);'),
    foreach('hlist_for_each_entry_rcu(mn, &mmn_mm->list, hlist)', [
      if_('!only_end && mn->ops->invalidate_range', [c('mn->ops->invalidate_range(mn, range->mm, range->start, range->end);')]),
      if_('mn->ops->invalidate_range_end', [
        if_('!mmu_notifier_range_blockable(range)', [c('non_block_start();')]),
        c('mn->ops->invalidate_range_end(mn, range);'),
        if_('!mmu_notifier_range_blockable(range)', [c('non_block_end();')]),
      ]),
    ]),
    c('srcu_read_unlock(&srcu, id);'),
  ],
});

export const endV55: FnDef = fn({
  name: '__mmu_notifier_invalidate_range_end',
  file: FILE,
  version: 'v5.5',
  source: SRC,
  signature: 'void __mmu_notifier_invalidate_range_end(struct mmu_notifier_range *range, bool only_end)',
  params: ['range', 'only_end'],
  body: [
    c('struct mmu_notifier_mm *mmn_mm = range->mm->mmu_notifier_mm;'),
    c('lock_map_acquire(&__mmu_notifier_invalidate_range_start_map);'),
    if_('mmn_mm->has_itree', [c('mn_itree_inv_end(mmn_mm);')]),
    if_('!hlist_empty(&mmn_mm->list)', [c('mn_hlist_invalidate_end(mmn_mm, range, only_end);')]),
    c('lock_map_release(&__mmu_notifier_invalidate_range_start_map);'),
  ],
});

/**
 * `mn_itree_release()`: exit_mmap's invalidation of the whole address space for the interval
 * notifiers (a blockable range with MMU_NOTIFY_RELEASE), each `invalidate` WARNed if it returns
 * false. The designated initialiser of the range runs as v5.2's mmu_notifier_range_init() with the
 * same fields.
 */
export const itreeRelease: FnDef = fn({
  name: 'mn_itree_release',
  file: FILE,
  version: 'v5.5',
  source: `${SRC}. cur_seq: ${CUR_SEQ}. WARN_ON(!ret) runs as mnc_interval_warn_on(!ret, mni)`,
  signature: 'static void mn_itree_release(struct mmu_notifier_mm *mmn_mm, struct mm_struct *mm)',
  params: ['mmn_mm', 'mm'],
  stack: { range: RANGE_V52 },
  body: [
    cAs(
      'struct mmu_notifier_range range = { .flags = MMU_NOTIFIER_RANGE_BLOCKABLE, .event = MMU_NOTIFY_RELEASE, .mm = mm, .start = 0, .end = ULONG_MAX, };',
      'mmu_notifier_range_init(&range, MMU_NOTIFY_RELEASE, MMU_NOTIFIER_RANGE_BLOCKABLE, NULL, mm, 0, ULONG_MAX);',
    ),
    c('struct mmu_interval_notifier *mni;'),
    c('unsigned long cur_seq;'),
    c('bool ret;'),
    forC('mni = mn_itree_inv_start_range(mmn_mm, &range, &cur_seq)', 'mni', 'mni = mn_itree_inv_next(mni, &range)', [
      cAsG(
        'ret = mni->ops->invalidate(mni, &range, cur_seq);',
        'ret = mni->ops->invalidate(mni, &range, mmn_mm->invalidate_seq);',
        'mnc_interval_invalidated(mni, range.start, range.end, ret)',
      ),
      cAs('WARN_ON(!ret);', 'mnc_interval_warn_on(!ret, mni);'),
    ]),
    c('mn_itree_inv_end(mmn_mm);'),
  ],
});

/** The older cores' __mmu_notifier_release walk (the 4.19.y text), which v5.5 moved into a function of its own. */
export const hlistRelease: FnDef = fn({
  name: 'mn_hlist_release',
  file: FILE,
  version: 'v5.5',
  source: SRC,
  signature: 'static void mn_hlist_release(struct mmu_notifier_mm *mmn_mm, struct mm_struct *mm)',
  params: ['mmn_mm', 'mm'],
  body: [
    c('struct mmu_notifier *mn;'),
    c('int id;'),
    c('id = srcu_read_lock(&srcu);'),
    foreach('hlist_for_each_entry_rcu(mn, &mmn_mm->list, hlist)', [if_('mn->ops->release', [c('mn->ops->release(mn, mm);')])]),
    c('spin_lock(&mmn_mm->lock);'),
    while_('unlikely(!hlist_empty(&mmn_mm->list))', [
      c('mn = hlist_entry(mmn_mm->list.first, struct mmu_notifier, hlist);'),
      c('hlist_del_init_rcu(&mn->hlist);'),
    ]),
    c('spin_unlock(&mmn_mm->lock);'),
    c('srcu_read_unlock(&srcu, id);'),
    c('synchronize_srcu(&srcu);'),
  ],
});

export const releaseV55: FnDef = fn({
  name: '__mmu_notifier_release',
  file: FILE,
  version: 'v5.5',
  source: SRC,
  signature: 'void __mmu_notifier_release(struct mm_struct *mm)',
  params: ['mm'],
  body: [
    c('struct mmu_notifier_mm *mmn_mm = mm->mmu_notifier_mm;'),
    if_('mmn_mm->has_itree', [c('mn_itree_release(mmn_mm, mm);')]),
    if_('!hlist_empty(&mmn_mm->list)', [c('mn_hlist_release(mmn_mm, mm);')]),
  ],
});

/** Every function of the v5.5 core beyond the v5.4 wrappers and callers. */
export const ITREE_FNS: readonly FnDef[] = [
  itreeIsInvalidating,
  itreeInvStartRange,
  itreeInvNext,
  itreeInvEnd,
  intervalReadBegin,
  intervalSetSeq,
  intervalReadRetry,
  intervalCheckRetry,
  itreeInvalidate,
  hlistInvalidateRangeStart,
  startV55,
  hlistInvalidateEnd,
  endV55,
  itreeRelease,
  hlistRelease,
  releaseV55,
];
