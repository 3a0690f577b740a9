/**
 * The v6.6 core's interval tree as state: `mmu_interval_notifier_insert()` and
 * `mmu_interval_notifier_remove()` as steps, and the deferred list that `mn_itree_inv_end()` walks.
 * The older interval cores (v5.5, v5.12: mmu_interval.ts, mmu_v512.ts) keep the static tree.
 *
 * Sources. mm/mmu_notifier.c at Laminad/WSL2-Linux-Kernel @ 7ed2a1194df1 (index id 49532400935, the
 * tree the rest of the v6.6 core is read in, 6.6-6.8 by content: mmu_v66.ts says why):
 * `mn_itree_inv_end`, `__mmu_interval_notifier_insert`, `mmu_interval_notifier_insert`,
 * `mmu_interval_seq_released` and `mmu_interval_notifier_remove`, their comments left out. The
 * v5.5 text (index id 866640179, issue14-research.md §1.4) differs in `remove` (its `wait_event()`
 * reads `READ_ONCE(mmn_mm->invalidate_seq) != seq`; 6.6 calls `mmu_interval_seq_released()`, which
 * reads it under the lock) and in `insert`'s `mm_count` WARN_ON: the dynamic tree is modelled on
 * v6.6 only (docs/model.md, "From v5.12 to v6.6").
 *
 * What is abstracted (docs/model.md, "The interval tree as state (v6.6)"):
 * - the tree and the deferred list are the scenario's configured nodes with a membership bit each:
 *   `<mni>.interval_tree.rb` (linked in `subscriptions->itree`; the kernel's `!RB_EMPTY_NODE()`) and
 *   `<mni>.deferred_item.pprev` (on `subscriptions->deferred_list`; the kernel's `!hlist_unhashed()`).
 *   A notifier a thread inserts is configured (`<node>.dynamic`) with its interval when the scenario is
 *   built (the faulting range of the thread that will insert it): `__mmu_interval_notifier_insert()`'s
 *   stores of `mm`, `ops`, `start` and `last` are shown, not run;
 * - `interval_tree_insert()`/`_remove()` of the core's tree run as the stand-ins `mnc_itree_insert`
 *   and `mnc_itree_remove` (the statements show the kernel's text): drivers model their own trees'
 *   `interval_tree_remove()` as a no-op primitive (drm_common.ts), which would otherwise shadow the
 *   core's in a scenario that has both;
 * - `mmu_interval_notifier_insert()`'s first-insert path (`mmu_notifier_register(NULL, mm)`, which
 *   sets `has_itree` under `mmap_write_lock`) is shown, not run: `has_itree` is static, set when the
 *   scenario has an interval notifier, as if one had been inserted on the mm before the scenario (for
 *   nouveau: the GPU had faulted before);
 * - `mmu_interval_seq_released()` takes `subscriptions->lock` around its read; the model evaluates a
 *   `wait_event()` condition in one step, which is what the lock makes of it.
 */
import { c, cAs, else_, fn, foreach, if_, ifAs, shown, type FnDef } from '../../lang/ir.ts';
import { SRC_V66 } from './mmu_v66.ts';

const FILE = 'mm/mmu_notifier.c';
const V = 'v6.6';

/** The v6.6 `mn_itree_inv_end()`, with the deferred list's walk run. */
export const itreeInvEndV66: FnDef = fn({
  name: 'mn_itree_inv_end',
  file: FILE,
  version: V,
  source: `${SRC_V66}; interval_tree_insert()/_remove() of the core's tree run as the stand-ins mnc_itree_insert/_remove (src/model/kernel/core/mmu_itree_v66.ts)`,
  signature: 'static void mn_itree_inv_end(struct mmu_notifier_subscriptions *subscriptions)',
  params: ['subscriptions'],
  body: [
    c('struct mmu_interval_notifier *interval_sub;'),
    c('struct hlist_node *next;'),
    c('spin_lock(&subscriptions->lock);'),
    if_('--subscriptions->active_invalidate_ranges || !mn_itree_is_invalidating(subscriptions)', [c('spin_unlock(&subscriptions->lock);'), c('return;')]),
    c('subscriptions->invalidate_seq++;'),
    foreach('hlist_for_each_entry_safe(interval_sub, next, &subscriptions->deferred_list, deferred_item)', [
      if_(
        'RB_EMPTY_NODE(&interval_sub->interval_tree.rb)',
        [cAs('interval_tree_insert(&interval_sub->interval_tree, &subscriptions->itree);', 'mnc_itree_insert(&interval_sub->interval_tree, &subscriptions->itree);')],
        else_([cAs('interval_tree_remove(&interval_sub->interval_tree, &subscriptions->itree);', 'mnc_itree_remove(&interval_sub->interval_tree, &subscriptions->itree);')]),
      ),
      c('hlist_del(&interval_sub->deferred_item);'),
    ]),
    c('spin_unlock(&subscriptions->lock);'),
    c('wake_up_all(&subscriptions->wq);'),
  ],
});

const CONFIG = "the notifier's mm, ops and interval are the scenario's configuration (the inserting thread's range, fixed when the scenario is built)";

export const itreeInsertLockedV66: FnDef = fn({
  name: '__mmu_interval_notifier_insert',
  file: FILE,
  version: V,
  source: `${SRC_V66}. The stores of mm, ops, start and last are shown, not run (${CONFIG}); the caller holds mm_users (the WARN_ON never fires); interval_tree_insert() runs as mnc_itree_insert`,
  signature:
    'static int __mmu_interval_notifier_insert(struct mmu_interval_notifier *interval_sub, struct mm_struct *mm, struct mmu_notifier_subscriptions *subscriptions, unsigned long start, unsigned long length, const struct mmu_interval_notifier_ops *ops)',
  params: ['interval_sub', 'mm', 'subscriptions', 'start', 'length', 'ops'],
  body: [
    shown('interval_sub->mm = mm;', CONFIG),
    shown('interval_sub->ops = ops;', CONFIG),
    c('RB_CLEAR_NODE(&interval_sub->interval_tree.rb);'),
    shown('interval_sub->interval_tree.start = start;', CONFIG),
    ifAs('length == 0 || check_add_overflow(start, length - 1, &interval_sub->interval_tree.last)', 'length == 0', [c('return -EOVERFLOW;')]),
    ifAs('WARN_ON(atomic_read(&mm->mm_users) <= 0)', '0', [c('return -EINVAL;')]),
    c('mmgrab(mm);'),
    c('spin_lock(&subscriptions->lock);'),
    if_(
      'subscriptions->active_invalidate_ranges',
      [
        if_(
          'mn_itree_is_invalidating(subscriptions)',
          [c('hlist_add_head(&interval_sub->deferred_item, &subscriptions->deferred_list);')],
          else_([
            c('subscriptions->invalidate_seq |= 1;'),
            cAs('interval_tree_insert(&interval_sub->interval_tree, &subscriptions->itree);', 'mnc_itree_insert(&interval_sub->interval_tree, &subscriptions->itree);'),
          ]),
        ),
        c('interval_sub->invalidate_seq = subscriptions->invalidate_seq;'),
      ],
      else_([
        cAs('WARN_ON(mn_itree_is_invalidating(subscriptions));', 'WARN_ON(subscriptions->invalidate_seq & 1);'),
        c('interval_sub->invalidate_seq = subscriptions->invalidate_seq - 1;'),
        cAs('interval_tree_insert(&interval_sub->interval_tree, &subscriptions->itree);', 'mnc_itree_insert(&interval_sub->interval_tree, &subscriptions->itree);'),
      ]),
    ),
    c('spin_unlock(&subscriptions->lock);'),
    c('return 0;'),
  ],
});

export const itreeInsertV66: FnDef = fn({
  name: 'mmu_interval_notifier_insert',
  file: FILE,
  version: V,
  source: `${SRC_V66}. has_itree is static (set for a scenario with an interval notifier, as if one had been inserted before it), so the first-insert registration is shown, not run; smp_load_acquire() of the static pointer is a plain read`,
  signature:
    'int mmu_interval_notifier_insert(struct mmu_interval_notifier *interval_sub, struct mm_struct *mm, unsigned long start, unsigned long length, const struct mmu_interval_notifier_ops *ops)',
  params: ['interval_sub', 'mm', 'start', 'length', 'ops'],
  body: [
    c('struct mmu_notifier_subscriptions *subscriptions;'),
    c('int ret;'),
    c('might_lock(&mm->mmap_lock);'),
    cAs('subscriptions = smp_load_acquire(&mm->notifier_subscriptions);', 'subscriptions = mm->notifier_subscriptions;'),
    if_('!subscriptions || !subscriptions->has_itree', [
      shown('ret = mmu_notifier_register(NULL, mm); if (ret) return ret; subscriptions = mm->notifier_subscriptions;', 'has_itree is set before the scenario starts (docs/model.md, "The interval tree as state (v6.6)")'),
    ]),
    c('return __mmu_interval_notifier_insert(interval_sub, mm, subscriptions, start, length, ops);'),
  ],
});

export const itreeRemoveV66: FnDef = fn({
  name: 'mmu_interval_notifier_remove',
  file: FILE,
  version: V,
  source: `${SRC_V66}. The wait condition mmu_interval_seq_released(subscriptions, seq) (\`spin_lock(&subscriptions->lock); ret = subscriptions->invalidate_seq != seq; spin_unlock(&subscriptions->lock); return ret;\`) is evaluated in one step, which its lock makes it; interval_tree_remove() runs as mnc_itree_remove; the lockdep annotations are not modelled`,
  signature: 'void mmu_interval_notifier_remove(struct mmu_interval_notifier *interval_sub)',
  params: ['interval_sub'],
  body: [
    c('struct mm_struct *mm = interval_sub->mm;'),
    c('struct mmu_notifier_subscriptions *subscriptions = mm->notifier_subscriptions;'),
    c('unsigned long seq = 0;'),
    c('might_sleep();'),
    c('spin_lock(&subscriptions->lock);'),
    if_(
      'mn_itree_is_invalidating(subscriptions)',
      [
        if_(
          'RB_EMPTY_NODE(&interval_sub->interval_tree.rb)',
          [c('hlist_del(&interval_sub->deferred_item);')],
          else_([c('hlist_add_head(&interval_sub->deferred_item, &subscriptions->deferred_list);'), c('seq = subscriptions->invalidate_seq;')]),
        ),
      ],
      else_([
        c('WARN_ON(RB_EMPTY_NODE(&interval_sub->interval_tree.rb));'),
        cAs('interval_tree_remove(&interval_sub->interval_tree, &subscriptions->itree);', 'mnc_itree_remove(&interval_sub->interval_tree, &subscriptions->itree);'),
      ]),
    ),
    c('spin_unlock(&subscriptions->lock);'),
    c('lock_map_acquire(&__mmu_notifier_invalidate_range_start_map);'),
    c('lock_map_release(&__mmu_notifier_invalidate_range_start_map);'),
    if_('seq', [cAs('wait_event(subscriptions->wq, mmu_interval_seq_released(subscriptions, seq));', 'wait_event(subscriptions->wq, subscriptions->invalidate_seq != seq);')]),
    c('mmdrop(mm);'),
  ],
});

/** The functions a driver that inserts and removes interval notifiers calls, on the v6.6 core. */
export const ITREE_DYNAMIC_V66: readonly FnDef[] = [itreeInsertV66, itreeInsertLockedV66, itreeRemoveV66];
