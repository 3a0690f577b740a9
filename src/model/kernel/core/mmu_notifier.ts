/**
 * mm/mmu_notifier.c and include/linux/mmu_notifier.h: the notifier core, by version.
 *
 * Sources: the v4.18 side (`-`) and the 93065ac753e4 side (`+`) of the seed diff
 * (../shared/seeds/001_a93342ea5087af67.txt, mm/mmu_notifier.c and include/linux/mmu_notifier.h hunks),
 * the merged header (002_c65620ce05647db1.txt), ../shared/kernel/README.md §2 and §4 (v4.19
 * `__mmu_notifier_invalidate_range_end`, `mm_has_blockable_invalidate_notifiers`), a 4.19.y tree for
 * `__mmu_notifier_release` and the unregister functions (SRC_RELEASE below),
 * and the MAYFAIL RFC (004_e097991187577333.txt) carried onto the v4.19 core.
 */
import { c, fn, foreach, if_, while_, type FnDef, type Stmt } from '../../lang/ir.ts';

const FILE = 'mm/mmu_notifier.c';
const HDR = 'include/linux/mmu_notifier.h';

// ------------------------------------------------------------------------------------------------
// v4.18: start returns nothing.

export const startV418: FnDef = fn({
  name: '__mmu_notifier_invalidate_range_start',
  file: FILE,
  version: 'v4.18',
  source: 'seed 001 diff, mm/mmu_notifier.c (- side)',
  signature: 'void __mmu_notifier_invalidate_range_start(struct mm_struct *mm, unsigned long start, unsigned long end)',
  params: ['mm', 'start', 'end'],
  body: [
    c('id = srcu_read_lock(&srcu);'),
    foreach('hlist_for_each_entry_rcu(mn, &mm->mmu_notifier_mm->list, hlist)', [
      if_('mn->ops->invalidate_range_start', [c('mn->ops->invalidate_range_start(mn, mm, start, end);')]),
    ]),
    c('srcu_read_unlock(&srcu, id);'),
  ],
});

export const wrapperStartV418: FnDef = fn({
  name: 'mmu_notifier_invalidate_range_start',
  file: HDR,
  version: 'v4.18',
  source: 'seed 001 diff, include/linux/mmu_notifier.h (- side)',
  signature: 'static inline void mmu_notifier_invalidate_range_start(struct mm_struct *mm, unsigned long start, unsigned long end)',
  params: ['mm', 'start', 'end'],
  body: [if_('mm_has_notifiers(mm)', [c('__mmu_notifier_invalidate_range_start(mm, start, end);')])],
});

// ------------------------------------------------------------------------------------------------
// 93065ac753e4 / v4.19: start takes `blockable` and collects every callback's result.

export const startV419: FnDef = fn({
  name: '__mmu_notifier_invalidate_range_start',
  file: FILE,
  version: '93065ac753e4',
  source: 'seed 001 diff, mm/mmu_notifier.c (+ side); ../shared/kernel/README.md §4',
  signature: 'int __mmu_notifier_invalidate_range_start(struct mm_struct *mm, unsigned long start, unsigned long end, bool blockable)',
  params: ['mm', 'start', 'end', 'blockable'],
  body: [
    c('int ret = 0;'),
    c('id = srcu_read_lock(&srcu);'),
    foreach('hlist_for_each_entry_rcu(mn, &mm->mmu_notifier_mm->list, hlist)', [
      if_('mn->ops->invalidate_range_start', [
        c('int _ret = mn->ops->invalidate_range_start(mn, mm, start, end, blockable);'),
        if_('_ret', [
          c('pr_info("%pS callback failed with %d in %sblockable context.\\n", mn->ops->invalidate_range_start, _ret, !blockable ? "non-": "");'),
          c('ret = _ret;'),
        ]),
      ]),
    ]),
    c('srcu_read_unlock(&srcu, id);'),
    c('return ret;'),
  ],
});

export const wrapperStartV419: FnDef = fn({
  name: 'mmu_notifier_invalidate_range_start',
  file: HDR,
  version: '93065ac753e4',
  source: '002_c65620ce05647db1.txt',
  signature: 'static inline void mmu_notifier_invalidate_range_start(struct mm_struct *mm, unsigned long start, unsigned long end)',
  params: ['mm', 'start', 'end'],
  body: [if_('mm_has_notifiers(mm)', [c('__mmu_notifier_invalidate_range_start(mm, start, end, true);')])],
});

export const wrapperStartNonblock: FnDef = fn({
  name: 'mmu_notifier_invalidate_range_start_nonblock',
  file: HDR,
  version: '93065ac753e4',
  source: '002_c65620ce05647db1.txt (with Andrew Morton\'s simplification from the thread)',
  signature: 'static inline int mmu_notifier_invalidate_range_start_nonblock(struct mm_struct *mm, unsigned long start, unsigned long end)',
  params: ['mm', 'start', 'end'],
  body: [
    if_('mm_has_notifiers(mm)', [c('return __mmu_notifier_invalidate_range_start(mm, start, end, false);')]),
    c('return 0;'),
  ],
});

// ------------------------------------------------------------------------------------------------
// MAYFAIL (seed 004) carried onto the v4.19 core: the last argument carries the range flags.

export const startMayfail: FnDef = fn({
  name: '__mmu_notifier_invalidate_range_start',
  file: FILE,
  version: 'mayfail',
  source: '004_e097991187577333.txt (mn_hlist_invalidate_range_start hunk) on the v4.19 body; the v5.8 range->flags become an argument',
  signature: 'int __mmu_notifier_invalidate_range_start(struct mm_struct *mm, unsigned long start, unsigned long end, unsigned int flags)',
  params: ['mm', 'start', 'end', 'flags'],
  body: [
    c('int ret = 0;'),
    c('id = srcu_read_lock(&srcu);'),
    foreach('hlist_for_each_entry_rcu(mn, &mm->mmu_notifier_mm->list, hlist)', [
      if_('mn->ops->invalidate_range_start', [
        c('int _ret = mn->ops->invalidate_range_start(mn, mm, start, end, flags);'),
        if_('_ret == -EAGAIN && (flags & MMU_NOTIFIER_RANGE_MAYFAIL)', [c('_ret = 0;')]),
        if_('_ret', [
          c('pr_info("%pS callback failed with %d in %sblockable context.\\n", mn->ops->invalidate_range_start, _ret, !(flags & MMU_NOTIFIER_RANGE_BLOCKABLE) ? "non-" : "");'),
          c('ret = _ret;'),
        ]),
      ]),
    ]),
    c('srcu_read_unlock(&srcu, id);'),
    c('return ret;'),
  ],
});

export const wrapperStartMayfailBlockable: FnDef = fn({
  name: 'mmu_notifier_invalidate_range_start',
  file: HDR,
  version: 'mayfail',
  source: '004_e097991187577333.txt; v5.8 sets MMU_NOTIFIER_RANGE_BLOCKABLE in this wrapper',
  signature: 'static inline void mmu_notifier_invalidate_range_start(struct mm_struct *mm, unsigned long start, unsigned long end)',
  params: ['mm', 'start', 'end'],
  body: [if_('mm_has_notifiers(mm)', [c('__mmu_notifier_invalidate_range_start(mm, start, end, MMU_NOTIFIER_RANGE_BLOCKABLE);')])],
});

export const wrapperStartMayfailNonblock: FnDef = fn({
  name: 'mmu_notifier_invalidate_range_start_nonblock',
  file: HDR,
  version: 'mayfail',
  source: '004_e097991187577333.txt on 002_c65620ce05647db1.txt',
  signature: 'static inline int mmu_notifier_invalidate_range_start_nonblock(struct mm_struct *mm, unsigned long start, unsigned long end)',
  params: ['mm', 'start', 'end'],
  body: [
    if_('mm_has_notifiers(mm)', [c('return __mmu_notifier_invalidate_range_start(mm, start, end, 0);')]),
    c('return 0;'),
  ],
});

export const wrapperStartMayfail: FnDef = fn({
  name: 'mmu_notifier_invalidate_range_start_mayfail',
  file: HDR,
  version: 'mayfail',
  source: '004_e097991187577333.txt: try_to_unmap_one initialises its range with MMU_NOTIFIER_RANGE_MAYFAIL; v5.8\'s mmu_notifier_invalidate_range_start() adds MMU_NOTIFIER_RANGE_BLOCKABLE',
  signature: 'static inline void mmu_notifier_invalidate_range_start_mayfail(struct mm_struct *mm, unsigned long start, unsigned long end)',
  params: ['mm', 'start', 'end'],
  body: [
    if_('mm_has_notifiers(mm)', [
      c('__mmu_notifier_invalidate_range_start(mm, start, end, MMU_NOTIFIER_RANGE_BLOCKABLE | MMU_NOTIFIER_RANGE_MAYFAIL);'),
    ]),
  ],
});

// ------------------------------------------------------------------------------------------------
// End (unchanged by 93065ac753e4) and its wrappers.

export const endCore: FnDef = fn({
  name: '__mmu_notifier_invalidate_range_end',
  file: FILE,
  version: 'v4.19',
  source: '../shared/kernel/README.md §4 (blob 5119ff846769); not touched by 93065ac753e4',
  signature: 'void __mmu_notifier_invalidate_range_end(struct mm_struct *mm, unsigned long start, unsigned long end, bool only_end)',
  params: ['mm', 'start', 'end', 'only_end'],
  body: [
    c('id = srcu_read_lock(&srcu);'),
    foreach('hlist_for_each_entry_rcu(mn, &mm->mmu_notifier_mm->list, hlist)', [
      if_('!only_end && mn->ops->invalidate_range', [c('mn->ops->invalidate_range(mn, mm, start, end);')]),
      if_('mn->ops->invalidate_range_end', [c('mn->ops->invalidate_range_end(mn, mm, start, end);')]),
    ]),
    c('srcu_read_unlock(&srcu, id);'),
  ],
});

export const wrapperEnd: FnDef = fn({
  name: 'mmu_notifier_invalidate_range_end',
  file: HDR,
  version: 'v4.19',
  source: '002_c65620ce05647db1.txt',
  signature: 'static inline void mmu_notifier_invalidate_range_end(struct mm_struct *mm, unsigned long start, unsigned long end)',
  params: ['mm', 'start', 'end'],
  body: [if_('mm_has_notifiers(mm)', [c('__mmu_notifier_invalidate_range_end(mm, start, end, false);')])],
});

export const wrapperOnlyEnd: FnDef = fn({
  name: 'mmu_notifier_invalidate_range_only_end',
  file: HDR,
  version: 'v4.19',
  source: '002_c65620ce05647db1.txt',
  signature: 'static inline void mmu_notifier_invalidate_range_only_end(struct mm_struct *mm, unsigned long start, unsigned long end)',
  params: ['mm', 'start', 'end'],
  body: [if_('mm_has_notifiers(mm)', [c('__mmu_notifier_invalidate_range_end(mm, start, end, true);')])],
});

// ------------------------------------------------------------------------------------------------
// Release (exit_mmap), unregistration (the drivers' destroy work), and the v4.18 reaper's check.

/**
 * Where the release and unregister bodies were read. v4.19's mm/mmu_notifier.c is not in the
 * search index (the exact v4.19 tree 0x88888888/linux-4.19-comments has no mm/mmu_notifier.c). The
 * bodies are those of a 4.19.y tree, engstk/op8 @ 8f9c3e0b8bd1 mm/mmu_notifier.c (index id
 * 54915314247), whose range callbacks carry a later backport (struct mmu_notifier_range) but whose
 * release and unregister functions are untouched; 93065ac753e4 (seed 001) does not touch them either,
 * and a RHEL 4.18 tree with the 2019 rework (Seneca-CDOT/dynaccel-kernel-4.18.0, index id 6994502887,
 * mn_hlist_release) still has the same statements. No v4.19 line numbers are given for that reason.
 */
const SRC_RELEASE =
  'engstk/op8 @ 8f9c3e0b8bd1 mm/mmu_notifier.c (index id 54915314247), a 4.19.y tree [4.19.y]; not touched by 93065ac753e4 (seed 001); the same statements in mn_hlist_release of index id 6994502887';

/** A statement the model shows but does not run, with the reason (`/* model: ... *\/`). */
function shown(text: string, why: string): Stmt {
  return { s: 'expr', src: { text: `${text} /* model: ${why} */` }, exprs: [] };
}

const MM_COUNT = 'mm_count is not modelled: exit_mmap\'s caller and every registered notifier hold a reference';

/**
 * `__mmu_notifier_release()`: the SRCU read section; the walk calling every notifier's ->release
 * (hlist_for_each_entry_rcu: a notifier unhashed meanwhile, by a driver's destroy work, keeps its
 * `next`, so the walk goes on past it, mm-primitives.ts); then, under mm->mmu_notifier_mm->lock,
 * the loop that unhashes every notifier still on the list with hlist_del_init_rcu (each ->release
 * has returned by then); srcu_read_unlock; and synchronize_srcu, which waits for every other reader,
 * among them a ->release that mmu_notifier_unregister is running.
 */
export const release: FnDef = fn({
  name: '__mmu_notifier_release',
  file: FILE,
  version: 'v4.19',
  source: SRC_RELEASE,
  signature: 'void __mmu_notifier_release(struct mm_struct *mm)',
  params: ['mm'],
  body: [
    c('struct mmu_notifier *mn;'),
    c('int id;'),
    c('id = srcu_read_lock(&srcu);'),
    foreach('hlist_for_each_entry_rcu(mn, &mm->mmu_notifier_mm->list, hlist)', [
      if_('mn->ops->release', [c('mn->ops->release(mn, mm);')]),
    ]),
    c('spin_lock(&mm->mmu_notifier_mm->lock);'),
    while_('unlikely(!hlist_empty(&mm->mmu_notifier_mm->list))', [
      c('mn = hlist_entry(mm->mmu_notifier_mm->list.first, struct mmu_notifier, hlist);'),
      c('hlist_del_init_rcu(&mn->hlist);'),
    ]),
    c('spin_unlock(&mm->mmu_notifier_mm->lock);'),
    c('srcu_read_unlock(&srcu, id);'),
    c('synchronize_srcu(&srcu);'),
  ],
});

/**
 * `mmu_notifier_unregister()`: radeon's destroy work calls it. If the notifier is still hashed
 * (__mmu_notifier_release has not reached its unhash loop yet) it calls ->release itself, under
 * SRCU, and unhashes it; then it waits for every SRCU reader.
 */
export const unregister: FnDef = fn({
  name: 'mmu_notifier_unregister',
  file: FILE,
  version: 'v4.19',
  source: SRC_RELEASE,
  signature: 'void mmu_notifier_unregister(struct mmu_notifier *mn, struct mm_struct *mm)',
  params: ['mn', 'mm'],
  body: [
    shown('BUG_ON(atomic_read(&mm->mm_count) <= 0);', MM_COUNT),
    if_('!hlist_unhashed(&mn->hlist)', [
      c('int id;'),
      c('id = srcu_read_lock(&srcu);'),
      if_('mn->ops->release', [c('mn->ops->release(mn, mm);')]),
      c('srcu_read_unlock(&srcu, id);'),
      c('spin_lock(&mm->mmu_notifier_mm->lock);'),
      c('hlist_del_init_rcu(&mn->hlist);'),
      c('spin_unlock(&mm->mmu_notifier_mm->lock);'),
    ]),
    c('synchronize_srcu(&srcu);'),
    shown('BUG_ON(atomic_read(&mm->mm_count) <= 0);', MM_COUNT),
    c('mmdrop(mm);'),
  ],
});

/** `mmu_notifier_unregister_no_release()`: amdgpu's destroy work calls it; no ->release, no SRCU wait. */
export const unregisterNoRelease: FnDef = fn({
  name: 'mmu_notifier_unregister_no_release',
  file: FILE,
  version: 'v4.19',
  source: SRC_RELEASE,
  signature: 'void mmu_notifier_unregister_no_release(struct mmu_notifier *mn, struct mm_struct *mm)',
  params: ['mn', 'mm'],
  body: [
    c('spin_lock(&mm->mmu_notifier_mm->lock);'),
    c('hlist_del_init_rcu(&mn->hlist);'),
    c('spin_unlock(&mm->mmu_notifier_mm->lock);'),
    shown('BUG_ON(atomic_read(&mm->mm_count) <= 0);', MM_COUNT),
    c('mmdrop(mm);'),
  ],
});

export const wrapperRelease: FnDef = fn({
  name: 'mmu_notifier_release',
  file: HDR,
  version: 'v4.19',
  source: '002_c65620ce05647db1.txt',
  signature: 'static inline void mmu_notifier_release(struct mm_struct *mm)',
  params: ['mm'],
  body: [if_('mm_has_notifiers(mm)', [c('__mmu_notifier_release(mm);')])],
});

export const hasBlockable: FnDef = fn({
  name: 'mm_has_blockable_invalidate_notifiers',
  file: FILE,
  version: 'v4.18',
  source: '../shared/kernel/README.md §2 (patch mail of 2018-08-27 quoting blob 82bb1a939c0e)',
  signature: 'bool mm_has_blockable_invalidate_notifiers(struct mm_struct *mm)',
  params: ['mm'],
  body: [
    c('bool ret = false;'),
    c('WARN_ON_ONCE(!rwsem_is_locked(&mm->mmap_sem));'),
    if_('!mm_has_notifiers(mm)', [c('return ret;')]),
    c('id = srcu_read_lock(&srcu);'),
    foreach('hlist_for_each_entry_rcu(mn, &mm->mmu_notifier_mm->list, hlist)', [
      if_('!mn->ops->invalidate_range && !mn->ops->invalidate_range_start && !mn->ops->invalidate_range_end', [c('continue;')]),
      if_('!(mn->ops->flags & MMU_INVALIDATE_DOES_NOT_BLOCK)', [c('ret = true;'), c('break;')]),
    ]),
    c('srcu_read_unlock(&srcu, id);'),
    c('return ret;'),
  ],
});

