/**
 * The v5.12 notifier core (c2655835fd8c, "mm/mmu_notifiers: ensure range_end() is paired with
 * range_start()"): v5.5's core with the v5.7 renames, and one change to the contract. After a start
 * of the hlist failed (the reaper's non-blocking start), `mn_hlist_invalidate_range_start` itself
 * calls `->invalidate_range_end` of every hlist notifier that has one, in a second walk of the list:
 * the notifiers whose start succeeded, and also the one that failed, since "there is no way for a
 * notifier to know if its start method failed". So a notifier that can fail its start must not have
 * an end, and the first walk says so with `WARN_ON(ops->invalidate_range_end)` on a failure. The
 * caller, told the start failed, still calls no end (the reaper skips the VMA as before).
 *
 * Sources. Every function below is the text of mm/mmu_notifier.c at ammarfaizi2/linux-block @
 * 0cbf1bdfa4f59566f4c86fe3e76ff309e379eca5 (index id 13773188034; issue14-research.md §1.6), its
 * comments left out: a tree of >= 5.12 (it has c2655835fd8c, whose full id a stable backport mail
 * gives: "[ Upstream commit c2655835fd8cabdfe7dab737253de3ffb88da126 ]", index id 10280037472) and
 * < 6.6 (it still has `only_end` and `__mmu_notifier_invalidate_range`); its exact release is not
 * known. It spells the v5.7 renames ("mm/mmu_notifier: ... subscriptions": `struct
 * mmu_notifier_subscriptions *subscriptions`, `mm->notifier_subscriptions`, `subscription`,
 * `interval_sub`) and the `hlist_for_each_entry_rcu(..., srcu_read_lock_held(&srcu))` of the RCU
 * list lockdep checking. Besides the renames, the interval functions are v5.5's statement for
 * statement. The header inlines (`mmu_interval_set_seq`, `_read_retry`, `_check_retry`) are read in
 * raspberrypi/linux @ 5ecf6178d1a2 include/linux/mmu_notifier.h (android15-6.6-based,
 * issue14-research.md §5.1), which spells them as v5.7 on does; the start and end wrappers are
 * v5.4's (the same statements in that header, `only_end` aside).
 *
 * What is abstracted is v5.5's (src/model/kernel/core/mmu_interval.ts; docs/model.md, "From v5.4
 * to v5.5"): the interval tree is static (the v6.6 core, which runs these functions too, replaces
 * `mn_itree_inv_end` with the one that walks the deferred list and adds insert and remove:
 * mmu_itree_v66.ts), and the callers read `subscriptions->invalidate_seq` where the kernel passes
 * `cur_seq` (an argument re-checked with v6.6's insertions: mmu_interval.ts). The scenario's `struct mmu_notifier_subscriptions` is the
 * object the older cores call `mm->mmu_notifier_mm` (`mm.mmu_notifier_mm` in traces and state):
 * `mm->notifier_subscriptions` names the same object.
 */
import { c, cAs, fn, cAsG, shown, foreach, if_, ifAs, label, parseExpr, while_, type FnDef, type Stmt } from '../../lang/ir.ts';
import { RANGE_V52 } from './mmu_notifier.ts';
import { forC } from '../drivers/notifier-users-common.ts';

const FILE = 'mm/mmu_notifier.c';
const HDR = 'include/linux/mmu_notifier.h';
const V = 'v5.12';
/** Where the v5.12 functions were read. */
export const SRC_V512 =
  'ammarfaizi2/linux-block @ 0cbf1bdfa4f5 mm/mmu_notifier.c (index id 13773188034; >= 5.12 by c2655835fd8c, < 6.6 by only_end; issue14-research.md §1.6)';
const SRC_HDR =
  'raspberrypi/linux @ 5ecf6178d1a2 include/linux/mmu_notifier.h (android15-6.6-based, issue14-research.md §5.1), spelled as v5.7 on spells it';



const DEFERRED = 'the interval tree is static (no insert or remove runs in a scenario), so the deferred list is empty';
const CUR_SEQ =
  "the kernel passes the caller's cur_seq, which mn_itree_inv_start_range() set to subscriptions->invalidate_seq; the model reads that field instead, which holds the same value while the caller's range is active (src/model/kernel/core/mmu_interval.ts)";

/** The hlist walk of v5.7 on: `hlist_for_each_entry_rcu` with the lockdep condition as its fourth argument. */
const HLIST_WALK = 'hlist_for_each_entry_rcu(subscription, &subscriptions->list, hlist, srcu_read_lock_held(&srcu))';

export const itreeIsInvalidatingV512: FnDef = fn({
  name: 'mn_itree_is_invalidating',
  file: FILE,
  version: V,
  source: SRC_V512,
  signature: 'static bool mn_itree_is_invalidating(struct mmu_notifier_subscriptions *subscriptions)',
  params: ['subscriptions'],
  body: [c('lockdep_assert_held(&subscriptions->lock);'), c('return subscriptions->invalidate_seq & 1;')],
});

export const itreeInvStartRangeV512: FnDef = fn({
  name: 'mn_itree_inv_start_range',
  file: FILE,
  version: V,
  source: `${SRC_V512}. \`*seq = ...\` runs as an assignment to the parameter (the model's C has no pointer to a caller's scalar); the callers read subscriptions->invalidate_seq for it`,
  signature:
    'static struct mmu_interval_notifier *mn_itree_inv_start_range(struct mmu_notifier_subscriptions *subscriptions, const struct mmu_notifier_range *range, unsigned long *seq)',
  params: ['subscriptions', 'range', 'seq'],
  body: [
    c('struct interval_tree_node *node;'),
    c('struct mmu_interval_notifier *res = NULL;'),
    c('spin_lock(&subscriptions->lock);'),
    c('subscriptions->active_invalidate_ranges++;'),
    c('node = interval_tree_iter_first(&subscriptions->itree, range->start, range->end - 1);'),
    if_('node', [c('subscriptions->invalidate_seq |= 1;'), c('res = container_of(node, struct mmu_interval_notifier, interval_tree);')]),
    c('*seq = subscriptions->invalidate_seq;'),
    c('spin_unlock(&subscriptions->lock);'),
    c('return res;'),
  ],
});

export const itreeInvNextV512: FnDef = fn({
  name: 'mn_itree_inv_next',
  file: FILE,
  version: V,
  source: SRC_V512,
  signature: 'static struct mmu_interval_notifier *mn_itree_inv_next(struct mmu_interval_notifier *interval_sub, const struct mmu_notifier_range *range)',
  params: ['interval_sub', 'range'],
  body: [
    c('struct interval_tree_node *node;'),
    c('node = interval_tree_iter_next(&interval_sub->interval_tree, range->start, range->end - 1);'),
    if_('!node', [c('return NULL;')]),
    c('return container_of(node, struct mmu_interval_notifier, interval_tree);'),
  ],
});

export const itreeInvEndV512: FnDef = fn({
  name: 'mn_itree_inv_end',
  file: FILE,
  version: V,
  source: SRC_V512,
  signature: 'static void mn_itree_inv_end(struct mmu_notifier_subscriptions *subscriptions)',
  params: ['subscriptions'],
  body: [
    c('struct mmu_interval_notifier *interval_sub;'),
    c('struct hlist_node *next;'),
    c('spin_lock(&subscriptions->lock);'),
    if_('--subscriptions->active_invalidate_ranges || !mn_itree_is_invalidating(subscriptions)', [c('spin_unlock(&subscriptions->lock);'), c('return;')]),
    c('subscriptions->invalidate_seq++;'),
    shown(
      'hlist_for_each_entry_safe(interval_sub, next, &subscriptions->deferred_list, deferred_item) { if (RB_EMPTY_NODE(&interval_sub->interval_tree.rb)) interval_tree_insert(&interval_sub->interval_tree, &subscriptions->itree); else interval_tree_remove(&interval_sub->interval_tree, &subscriptions->itree); hlist_del(&interval_sub->deferred_item); }',
      DEFERRED,
    ),
    c('spin_unlock(&subscriptions->lock);'),
    c('wake_up_all(&subscriptions->wq);'),
  ],
});

/** `mmu_interval_read_begin()`, as v5.5's (mmu_interval.ts says what its wait is). */
export const intervalReadBeginV512: FnDef = fn({
  name: 'mmu_interval_read_begin',
  file: FILE,
  version: V,
  source: `${SRC_V512}; the lockdep annotations are not modelled`,
  signature: 'unsigned long mmu_interval_read_begin(struct mmu_interval_notifier *interval_sub)',
  params: ['interval_sub'],
  body: [
    c('struct mmu_notifier_subscriptions *subscriptions = interval_sub->mm->notifier_subscriptions;'),
    c('unsigned long seq;'),
    c('bool is_invalidating;'),
    c('spin_lock(&subscriptions->lock);'),
    c('seq = READ_ONCE(interval_sub->invalidate_seq);'),
    c('is_invalidating = seq == subscriptions->invalidate_seq;'),
    c('spin_unlock(&subscriptions->lock);'),
    c('lock_map_acquire(&__mmu_notifier_invalidate_range_start_map);'),
    c('lock_map_release(&__mmu_notifier_invalidate_range_start_map);'),
    if_('is_invalidating', [c('wait_event(subscriptions->wq, READ_ONCE(subscriptions->invalidate_seq) != seq);')]),
    c('return seq;'),
  ],
});

export const intervalSetSeqV512: FnDef = fn({
  name: 'mmu_interval_set_seq',
  file: HDR,
  version: V,
  source: SRC_HDR,
  signature: 'static inline void mmu_interval_set_seq(struct mmu_interval_notifier *interval_sub, unsigned long cur_seq)',
  params: ['interval_sub', 'cur_seq'],
  body: [cAs('WRITE_ONCE(interval_sub->invalidate_seq, cur_seq);', 'interval_sub->invalidate_seq = cur_seq;')],
});

export const intervalReadRetryV512: FnDef = fn({
  name: 'mmu_interval_read_retry',
  file: HDR,
  version: V,
  source: SRC_HDR,
  signature: 'static inline bool mmu_interval_read_retry(struct mmu_interval_notifier *interval_sub, unsigned long seq)',
  params: ['interval_sub', 'seq'],
  body: [c('return interval_sub->invalidate_seq != seq;')],
});

export const intervalCheckRetryV512: FnDef = fn({
  name: 'mmu_interval_check_retry',
  file: HDR,
  version: V,
  source: SRC_HDR,
  signature: 'static inline bool mmu_interval_check_retry(struct mmu_interval_notifier *interval_sub, unsigned long seq)',
  params: ['interval_sub', 'seq'],
  body: [c('return READ_ONCE(interval_sub->invalidate_seq) != seq;')],
});

export const itreeInvalidateV512: FnDef = fn({
  name: 'mn_itree_invalidate',
  file: FILE,
  version: V,
  source: `${SRC_V512}. cur_seq: ${CUR_SEQ}. The WARN_ON runs as the stand-in mnc_interval_warn_on(cond, interval_sub), which records a true condition for interval-coherency:blockable-false`,
  signature: 'static int mn_itree_invalidate(struct mmu_notifier_subscriptions *subscriptions, const struct mmu_notifier_range *range)',
  params: ['subscriptions', 'range'],
  body: [
    c('struct mmu_interval_notifier *interval_sub;'),
    c('unsigned long cur_seq;'),
    forC('interval_sub = mn_itree_inv_start_range(subscriptions, range, &cur_seq)', 'interval_sub', 'interval_sub = mn_itree_inv_next(interval_sub, range)', [
      c('bool ret;'),
      cAsG(
        'ret = interval_sub->ops->invalidate(interval_sub, range, cur_seq);',
        'ret = interval_sub->ops->invalidate(interval_sub, range, subscriptions->invalidate_seq);',
        'mnc_interval_invalidated(interval_sub, range->start, range->end, ret)',
      ),
      if_('!ret', [
        ifAs('WARN_ON(mmu_notifier_range_blockable(range))', 'mnc_interval_warn_on(mmu_notifier_range_blockable(range), interval_sub)', [c('continue;')]),
        c('goto out_would_block;'),
      ]),
    ]),
    c('return 0;'),
    label('out_would_block'),
    c('mn_itree_inv_end(subscriptions);'),
    c('return -EAGAIN;'),
  ],
});

/**
 * c2655835fd8c's `mn_hlist_invalidate_range_start`: the first walk calls every start (a failure is
 * recorded and the walk goes on, as before) and, on a failure, `WARN_ON(ops->invalidate_range_end)`;
 * if any start failed, a second walk calls the end of every notifier that has one, without
 * `non_block_start()` around it (the normal end walk brackets it). The two WARN_ONs run as stand-ins
 * that record a true condition: `mnc_warn_on` (v5.4's, no-bug:warn) and `mnc_warn_on_end`
 * (pairing:failed-start-end).
 */
export const hlistInvalidateRangeStartV512: FnDef = fn({
  name: 'mn_hlist_invalidate_range_start',
  file: FILE,
  version: V,
  source: `${SRC_V512}; c2655835fd8c. The WARN_ONs run as the stand-ins mnc_warn_on(cond, subscription, _ret) (no-bug:warn) and mnc_warn_on_end(ops->invalidate_range_end, subscription) (pairing:failed-start-end)`,
  signature: 'static int mn_hlist_invalidate_range_start(struct mmu_notifier_subscriptions *subscriptions, struct mmu_notifier_range *range)',
  params: ['subscriptions', 'range'],
  body: [
    c('struct mmu_notifier *subscription;'),
    c('int ret = 0;'),
    c('int id;'),
    c('id = srcu_read_lock(&srcu);'),
    foreach(HLIST_WALK, [
      c('const struct mmu_notifier_ops *ops = subscription->ops;'),
      if_('ops->invalidate_range_start', [
        c('int _ret;'),
        if_('!mmu_notifier_range_blockable(range)', [c('non_block_start();')]),
        c('_ret = ops->invalidate_range_start(subscription, range);'),
        if_('!mmu_notifier_range_blockable(range)', [c('non_block_end();')]),
        if_('_ret', [
          c('pr_info("%pS callback failed with %d in %sblockable context.\\n", ops->invalidate_range_start, _ret, !mmu_notifier_range_blockable(range) ? "non-" : "");'),
          cAs('WARN_ON(mmu_notifier_range_blockable(range) || _ret != -EAGAIN);', 'mnc_warn_on(mmu_notifier_range_blockable(range) || _ret != -EAGAIN, subscription, _ret);'),
          cAs('WARN_ON(ops->invalidate_range_end);', 'mnc_warn_on_end(ops->invalidate_range_end, subscription);'),
          c('ret = _ret;'),
        ]),
      ]),
    ]),
    if_('ret', [
      foreach(HLIST_WALK, [
        if_('!subscription->ops->invalidate_range_end', [c('continue;')]),
        c('subscription->ops->invalidate_range_end(subscription, range);'),
      ]),
    ]),
    c('srcu_read_unlock(&srcu, id);'),
    c('return ret;'),
  ],
});

export const startV512: FnDef = fn({
  name: '__mmu_notifier_invalidate_range_start',
  file: FILE,
  version: V,
  source: SRC_V512,
  signature: 'int __mmu_notifier_invalidate_range_start(struct mmu_notifier_range *range)',
  params: ['range'],
  body: [
    c('struct mmu_notifier_subscriptions *subscriptions = range->mm->notifier_subscriptions;'),
    c('int ret;'),
    if_('subscriptions->has_itree', [c('ret = mn_itree_invalidate(subscriptions, range);'), if_('ret', [c('return ret;')])]),
    if_('!hlist_empty(&subscriptions->list)', [c('return mn_hlist_invalidate_range_start(subscriptions, range);')]),
    c('return 0;'),
  ],
});

export const hlistInvalidateEndV512: FnDef = fn({
  name: 'mn_hlist_invalidate_end',
  file: FILE,
  version: V,
  source: SRC_V512,
  signature: 'static void mn_hlist_invalidate_end(struct mmu_notifier_subscriptions *subscriptions, struct mmu_notifier_range *range, bool only_end)',
  params: ['subscriptions', 'range', 'only_end'],
  body: [
    c('struct mmu_notifier *subscription;'),
    c('int id;'),
    c('id = srcu_read_lock(&srcu);'),
    foreach(HLIST_WALK, [
      if_('!only_end && subscription->ops->invalidate_range', [c('subscription->ops->invalidate_range(subscription, range->mm, range->start, range->end);')]),
      if_('subscription->ops->invalidate_range_end', [
        if_('!mmu_notifier_range_blockable(range)', [c('non_block_start();')]),
        c('subscription->ops->invalidate_range_end(subscription, range);'),
        if_('!mmu_notifier_range_blockable(range)', [c('non_block_end();')]),
      ]),
    ]),
    c('srcu_read_unlock(&srcu, id);'),
  ],
});

export const endV512: FnDef = fn({
  name: '__mmu_notifier_invalidate_range_end',
  file: FILE,
  version: V,
  source: SRC_V512,
  signature: 'void __mmu_notifier_invalidate_range_end(struct mmu_notifier_range *range, bool only_end)',
  params: ['range', 'only_end'],
  body: [
    c('struct mmu_notifier_subscriptions *subscriptions = range->mm->notifier_subscriptions;'),
    c('lock_map_acquire(&__mmu_notifier_invalidate_range_start_map);'),
    if_('subscriptions->has_itree', [c('mn_itree_inv_end(subscriptions);')]),
    if_('!hlist_empty(&subscriptions->list)', [c('mn_hlist_invalidate_end(subscriptions, range, only_end);')]),
    c('lock_map_release(&__mmu_notifier_invalidate_range_start_map);'),
  ],
});

/**
 * `mn_itree_release()`, as v5.5's (mmu_interval.ts): the designated initialiser runs as
 * mmu_notifier_range_init() with the same fields; `rangeInit` is that call in the core's API (with
 * the VMA, NULL here, through 6.2; without it from 6.3), `range` the fields the core's struct keeps.
 */
export function itreeReleaseOf(version: string, source: string, range: readonly string[], rangeInit: string): FnDef {
  return fn({
    name: 'mn_itree_release',
    file: FILE,
    version,
    source: `${source}. cur_seq: ${CUR_SEQ}. WARN_ON(!ret) runs as mnc_interval_warn_on(!ret, interval_sub)`,
    signature: 'static void mn_itree_release(struct mmu_notifier_subscriptions *subscriptions, struct mm_struct *mm)',
    params: ['subscriptions', 'mm'],
    stack: { range },
    body: [
      cAs('struct mmu_notifier_range range = { .flags = MMU_NOTIFIER_RANGE_BLOCKABLE, .event = MMU_NOTIFY_RELEASE, .mm = mm, .start = 0, .end = ULONG_MAX, };', rangeInit),
      c('struct mmu_interval_notifier *interval_sub;'),
      c('unsigned long cur_seq;'),
      c('bool ret;'),
      forC('interval_sub = mn_itree_inv_start_range(subscriptions, &range, &cur_seq)', 'interval_sub', 'interval_sub = mn_itree_inv_next(interval_sub, &range)', [
        cAsG(
          'ret = interval_sub->ops->invalidate(interval_sub, &range, cur_seq);',
          'ret = interval_sub->ops->invalidate(interval_sub, &range, subscriptions->invalidate_seq);',
          'mnc_interval_invalidated(interval_sub, range.start, range.end, ret)',
        ),
        cAs('WARN_ON(!ret);', 'mnc_interval_warn_on(!ret, interval_sub);'),
      ]),
      c('mn_itree_inv_end(subscriptions);'),
    ],
  });
}

export const itreeReleaseV512: FnDef = itreeReleaseOf(V, SRC_V512, RANGE_V52, 'mmu_notifier_range_init(&range, MMU_NOTIFY_RELEASE, MMU_NOTIFIER_RANGE_BLOCKABLE, NULL, mm, 0, ULONG_MAX);');

export const hlistReleaseV512: FnDef = fn({
  name: 'mn_hlist_release',
  file: FILE,
  version: V,
  source: SRC_V512,
  signature: 'static void mn_hlist_release(struct mmu_notifier_subscriptions *subscriptions, struct mm_struct *mm)',
  params: ['subscriptions', 'mm'],
  body: [
    c('struct mmu_notifier *subscription;'),
    c('int id;'),
    c('id = srcu_read_lock(&srcu);'),
    foreach(HLIST_WALK, [if_('subscription->ops->release', [c('subscription->ops->release(subscription, mm);')])]),
    c('spin_lock(&subscriptions->lock);'),
    while_('unlikely(!hlist_empty(&subscriptions->list))', [
      c('subscription = hlist_entry(subscriptions->list.first, struct mmu_notifier, hlist);'),
      c('hlist_del_init_rcu(&subscription->hlist);'),
    ]),
    c('spin_unlock(&subscriptions->lock);'),
    c('srcu_read_unlock(&srcu, id);'),
    c('synchronize_srcu(&srcu);'),
  ],
});

export const releaseV512: FnDef = fn({
  name: '__mmu_notifier_release',
  file: FILE,
  version: V,
  source: SRC_V512,
  signature: 'void __mmu_notifier_release(struct mm_struct *mm)',
  params: ['mm'],
  body: [
    c('struct mmu_notifier_subscriptions *subscriptions = mm->notifier_subscriptions;'),
    if_('subscriptions->has_itree', [c('mn_itree_release(subscriptions, mm);')]),
    if_('!hlist_empty(&subscriptions->list)', [c('mn_hlist_release(subscriptions, mm);')]),
  ],
});

/** The functions of the v5.12 core's mm/mmu_notifier.c and header inlines, but the end walk and release (versions.ts places them). */
export const V512_FNS: readonly FnDef[] = [
  itreeIsInvalidatingV512,
  itreeInvStartRangeV512,
  itreeInvNextV512,
  itreeInvEndV512,
  intervalReadBeginV512,
  intervalSetSeqV512,
  intervalReadRetryV512,
  intervalCheckRetryV512,
  itreeInvalidateV512,
  hlistInvalidateRangeStartV512,
  startV512,
  hlistInvalidateEndV512,
];

/** exit_mmap's release and what it calls. */
export const V512_RELEASE: readonly FnDef[] = [releaseV512, hlistReleaseV512, itreeReleaseV512];
