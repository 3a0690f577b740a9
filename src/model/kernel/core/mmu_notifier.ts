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
import { c, cAs, fn, shown, foreach, if_, while_, type FnDef, type Stmt } from '../../lang/ir.ts';

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


// ------------------------------------------------------------------------------------------------
// v5.0: the arguments become a struct mmu_notifier_range on the caller's stack (5d6527a784f7 for
// the callbacks, ac46d4f3c432 for the core and its callers), `range->blockable` set by the wrappers.

/**
 * Where the v5.0 core was read. No v5.0 tree of mm/mmu_notifier.c or include/linux/mmu_notifier.h
 * is in the search index (../../../../issue14-research.md §0); the bodies are the v4.19 ones with
 * the two patches of Jérôme Glisse's "mmu notifier contextual informations" series that v5.0 merged
 * (5d6527a784f7 and ac46d4f3c432, both dated 28 Dec 2018 in the merged tree), read as mailed:
 * 5d6527a784f7 as "[PATCH v2 1/3] mm/mmu_notifier: use structure for invalidate_range_start/end
 * callback" <20181205053628.3210-2-jglisse@redhat.com> (linux-mm archive, index id 23128457195;
 * examples/patches/5d6527a784f7-range-callbacks.patch; its v3 changed only a comment of amdgpu_mn.c),
 * ac46d4f3c432 as "[PATCH v2 2/3] mm/mmu_notifier: use structure for invalidate_range_start/end
 * calls v2" <20181205053628.3210-3-jglisse@redhat.com>, quoted whole in Jan Kara's ack
 * <20181205164827.GH30615@quack2.suse.cz> (index id 23211984063). The merged commit carries the
 * v2 title. The third patch of the series (the `event` field) did not go into v5.0: the v5.2 series
 * (6f4f13e8d9e2) adds it to the four-argument mmu_notifier_range_init() of ac46d4f3c432.
 */
const SRC_V50 =
  'v4.19 with 5d6527a784f7 (mailed as <20181205053628.3210-2-jglisse@redhat.com>, index id 23128457195) and ac46d4f3c432 (mailed as <20181205053628.3210-3-jglisse@redhat.com>, quoted whole in <20181205164827.GH30615@quack2.suse.cz>, index id 23211984063); no v5.0 tree at hand';

/** `struct mmu_notifier_range` as 5d6527a784f7 defines it (v5.0): the fields the model keeps. */
export const RANGE_V50: readonly string[] = ['mm', 'start', 'end', 'blockable'];

export const startV50: FnDef = fn({
  name: '__mmu_notifier_invalidate_range_start',
  file: FILE,
  version: 'v5.0',
  source: `${SRC_V50}: ac46d4f3c432's mm/mmu_notifier.c hunk`,
  signature: 'int __mmu_notifier_invalidate_range_start(struct mmu_notifier_range *range)',
  params: ['range'],
  body: [
    c('int ret = 0;'),
    c('id = srcu_read_lock(&srcu);'),
    foreach('hlist_for_each_entry_rcu(mn, &range->mm->mmu_notifier_mm->list, hlist)', [
      if_('mn->ops->invalidate_range_start', [
        c('int _ret = mn->ops->invalidate_range_start(mn, range);'),
        if_('_ret', [
          c('pr_info("%pS callback failed with %d in %sblockable context.\\n", mn->ops->invalidate_range_start, _ret, !range->blockable ? "non-" : "");'),
          c('ret = _ret;'),
        ]),
      ]),
    ]),
    c('srcu_read_unlock(&srcu, id);'),
    c('return ret;'),
  ],
});

/** The end walk of v5.0 to v5.2: the caller's range, `invalidate_range` still called unless only_end. */
function endWalkRange(version: string, source: string, nonBlock: boolean): FnDef {
  const endCall = nonBlock
    ? [
        if_('mn->ops->invalidate_range_end', [
          if_('!mmu_notifier_range_blockable(range)', [c('non_block_start();')]),
          c('mn->ops->invalidate_range_end(mn, range);'),
          if_('!mmu_notifier_range_blockable(range)', [c('non_block_end();')]),
        ]),
      ]
    : [if_('mn->ops->invalidate_range_end', [c('mn->ops->invalidate_range_end(mn, range);')])];
  return fn({
    name: '__mmu_notifier_invalidate_range_end',
    file: FILE,
    version,
    source,
    signature: 'void __mmu_notifier_invalidate_range_end(struct mmu_notifier_range *range, bool only_end)',
    params: ['range', 'only_end'],
    body: [
      ...(nonBlock ? [c('lock_map_acquire(&__mmu_notifier_invalidate_range_start_map);')] : []),
      c('id = srcu_read_lock(&srcu);'),
      foreach('hlist_for_each_entry_rcu(mn, &range->mm->mmu_notifier_mm->list, hlist)', [
        if_('!only_end && mn->ops->invalidate_range', [c('mn->ops->invalidate_range(mn, range->mm, range->start, range->end);')]),
        ...endCall,
      ]),
      c('srcu_read_unlock(&srcu, id);'),
      ...(nonBlock ? [c('lock_map_release(&__mmu_notifier_invalidate_range_start_map);')] : []),
    ],
  });
}

export const endV50: FnDef = endWalkRange(
  'v5.0',
  `${SRC_V50}: ac46d4f3c432's mm/mmu_notifier.c hunk (v4.19's forced \`range->blockable = true\` is gone: the end callbacks get the caller's range, non-blockable after the reaper's start)`,
  false,
);

export const wrapperStartV50: FnDef = fn({
  name: 'mmu_notifier_invalidate_range_start',
  file: HDR,
  version: 'v5.0',
  source: `${SRC_V50}: ac46d4f3c432's include/linux/mmu_notifier.h hunk`,
  signature: 'static inline void mmu_notifier_invalidate_range_start(struct mmu_notifier_range *range)',
  params: ['range'],
  body: [if_('mm_has_notifiers(range->mm)', [c('range->blockable = true;'), c('__mmu_notifier_invalidate_range_start(range);')])],
});

export const wrapperStartNonblockV50: FnDef = fn({
  name: 'mmu_notifier_invalidate_range_start_nonblock',
  file: HDR,
  version: 'v5.0',
  source: `${SRC_V50}: ac46d4f3c432's include/linux/mmu_notifier.h hunk`,
  signature: 'static inline int mmu_notifier_invalidate_range_start_nonblock(struct mmu_notifier_range *range)',
  params: ['range'],
  body: [if_('mm_has_notifiers(range->mm)', [c('range->blockable = false;'), c('return __mmu_notifier_invalidate_range_start(range);')]), c('return 0;')],
});

/** `mmu_notifier_invalidate_range_end()` and `_only_end()` from v5.0 (v5.4 adds might_sleep() to the first). */
function wrapperEndRange(name: string, onlyEnd: boolean, version: string, source: string, mightSleep = false): FnDef {
  return fn({
    name,
    file: HDR,
    version,
    source,
    signature: `static inline void ${name}(struct mmu_notifier_range *range)`,
    params: ['range'],
    body: [
      ...(mightSleep ? [if_('mmu_notifier_range_blockable(range)', [c('might_sleep();')])] : []),
      if_('mm_has_notifiers(range->mm)', [c(`__mmu_notifier_invalidate_range_end(range, ${onlyEnd ? 'true' : 'false'});`)]),
    ],
  });
}

export const wrapperEndV50 = wrapperEndRange('mmu_notifier_invalidate_range_end', false, 'v5.0', `${SRC_V50}: ac46d4f3c432's include/linux/mmu_notifier.h hunk`);
export const wrapperOnlyEndV50 = wrapperEndRange('mmu_notifier_invalidate_range_only_end', true, 'v5.0', `${SRC_V50}: ac46d4f3c432's include/linux/mmu_notifier.h hunk`);

export const rangeInitV50: FnDef = fn({
  name: 'mmu_notifier_range_init',
  file: HDR,
  version: 'v5.0',
  source: `${SRC_V50}: ac46d4f3c432's include/linux/mmu_notifier.h hunk (CONFIG_MMU_NOTIFIER=y)`,
  signature: 'static inline void mmu_notifier_range_init(struct mmu_notifier_range *range, struct mm_struct *mm, unsigned long start, unsigned long end)',
  params: ['range', 'mm', 'start', 'end'],
  body: [c('range->mm = mm;'), c('range->start = start;'), c('range->end = end;')],
});

// ------------------------------------------------------------------------------------------------
// v5.2: `range->flags` with MMU_NOTIFIER_RANGE_BLOCKABLE (27560ee9), read through
// mmu_notifier_range_blockable() (4a83bfe916f3; a primitive of mm-primitives.ts), and the `event`
// and `vma` of mmu_notifier_range_init() (6f4f13e8d9e2).

/**
 * Where the v5.2 core was read: ROCm/ROCK-Kernel-Driver @ 12e5fbdad837ebc3c53769a9c2d76a388f3254ff
 * (mm/mmu_notifier.c and include/linux/mmu_notifier.h), a 5.3-based tree of the hmm.git queue
 * dated by content (flags and mmu_notifier_range_blockable(), the seven-argument
 * mmu_notifier_range_init(), no non_block_start(), no WARN_ON, no lockdep map; it already has the
 * 5.4 mmu_notifier_get/put, which touches none of these functions). The same start, wrappers and
 * helper are the `+` side of "[PATCH v5 3/9] mm/mmu_notifier: convert mmu_notifier_range->blockable
 * to a flags" <20190219200430.11130-4-jglisse@redhat.com> (index id 25309996919) and of
 * "[PATCH v6 5/8] mm/mmu_notifier: contextual information for event triggering invalidation v2"
 * <20190326164747.24405-6-jglisse@redhat.com> (index id 14916788799). Not a v5.2 release tree.
 */
const SRC_V52 =
  'ROCm/ROCK-Kernel-Driver @ 12e5fbdad837 (a 5.3-based hmm.git tree, dated by content; issue14-research.md §1.2), the same text as the + side of <20190219200430.11130-4-jglisse@redhat.com> (index id 25309996919) and <20190326164747.24405-6-jglisse@redhat.com> (index id 14916788799)';

/** `struct mmu_notifier_range` from v5.2 (27560ee9 flags, 6f4f13e8d9e2 vma and event). */
export const RANGE_V52: readonly string[] = ['vma', 'mm', 'start', 'end', 'flags', 'event'];

export const startV52: FnDef = fn({
  name: '__mmu_notifier_invalidate_range_start',
  file: FILE,
  version: 'v5.2',
  source: SRC_V52,
  signature: 'int __mmu_notifier_invalidate_range_start(struct mmu_notifier_range *range)',
  params: ['range'],
  body: [
    c('int ret = 0;'),
    c('id = srcu_read_lock(&srcu);'),
    foreach('hlist_for_each_entry_rcu(mn, &range->mm->mmu_notifier_mm->list, hlist)', [
      if_('mn->ops->invalidate_range_start', [
        c('int _ret = mn->ops->invalidate_range_start(mn, range);'),
        if_('_ret', [
          c('pr_info("%pS callback failed with %d in %sblockable context.\\n", mn->ops->invalidate_range_start, _ret, !mmu_notifier_range_blockable(range) ? "non-" : "");'),
          c('ret = _ret;'),
        ]),
      ]),
    ]),
    c('srcu_read_unlock(&srcu, id);'),
    c('return ret;'),
  ],
});

export const endV52: FnDef = endWalkRange('v5.2', `${SRC_V52}; unchanged since v5.0 (ac46d4f3c432)`, false);

export const wrapperStartV52: FnDef = fn({
  name: 'mmu_notifier_invalidate_range_start',
  file: HDR,
  version: 'v5.2',
  source: SRC_V52,
  signature: 'static inline void mmu_notifier_invalidate_range_start(struct mmu_notifier_range *range)',
  params: ['range'],
  body: [if_('mm_has_notifiers(range->mm)', [c('range->flags |= MMU_NOTIFIER_RANGE_BLOCKABLE;'), c('__mmu_notifier_invalidate_range_start(range);')])],
});

export const wrapperStartNonblockV52: FnDef = fn({
  name: 'mmu_notifier_invalidate_range_start_nonblock',
  file: HDR,
  version: 'v5.2',
  source: SRC_V52,
  signature: 'static inline int mmu_notifier_invalidate_range_start_nonblock(struct mmu_notifier_range *range)',
  params: ['range'],
  body: [if_('mm_has_notifiers(range->mm)', [c('range->flags &= ~MMU_NOTIFIER_RANGE_BLOCKABLE;'), c('return __mmu_notifier_invalidate_range_start(range);')]), c('return 0;')],
});

export const wrapperEndV52 = wrapperEndRange('mmu_notifier_invalidate_range_end', false, 'v5.2', SRC_V52);
export const wrapperOnlyEndV52 = wrapperEndRange('mmu_notifier_invalidate_range_only_end', true, 'v5.2', SRC_V52);

export const rangeInitV52: FnDef = fn({
  name: 'mmu_notifier_range_init',
  file: HDR,
  version: 'v5.2',
  source: `${SRC_V52} (CONFIG_MMU_NOTIFIER=y)`,
  signature:
    'static inline void mmu_notifier_range_init(struct mmu_notifier_range *range, enum mmu_notifier_event event, unsigned flags, struct vm_area_struct *vma, struct mm_struct *mm, unsigned long start, unsigned long end)',
  params: ['range', 'event', 'flags', 'vma', 'mm', 'start', 'end'],
  body: [c('range->vma = vma;'), c('range->event = event;'), c('range->mm = mm;'), c('range->start = start;'), c('range->end = end;'), c('range->flags = flags;')],
});

// ------------------------------------------------------------------------------------------------
// v5.4: non_block_start()/non_block_end() around the callbacks of a non-blockable range (ba170f76b69d),
// WARN_ON for a failure that is not -EAGAIN in non-blockable mode (8402ce61bec2), the lockdep map
// (23b68395c7c7) and might_sleep() in the wrappers (Daniel Vetter's "mm/mmu_notifiers: annotate with
// might_sleep()"), all merged for v5.4 through hmm.git (Jason Gunthorpe's "[GIT PULL] Please pull hmm
// related changes" for 5.4, <20190916162350.GA19191@ziepe.ca>, index id 9082121448, lists the six).

/**
 * Where the v5.4 core was read: intel/linux-intel-lts @ 8f4f2638b8c5c2a19207be3bc8124922511c81d4
 * mm/mmu_notifier.c, 5.4-based (dated by content: non_block_*, the -EAGAIN WARN_ON, the lockdep map,
 * `mmu_notifier_mm`, no interval tree), with the same start and end bodies in bytedance/kernel @
 * 0bdacdbdffe4439ecce5c3b1645ad245eabc326f; no Makefile at either commit (issue14-research.md §1.3).
 */
const SRC_V54 =
  'intel/linux-intel-lts @ 8f4f2638b8c5 mm/mmu_notifier.c (5.4-based, dated by content), the same body in bytedance/kernel @ 0bdacdbdffe4 (issue14-research.md §1.3)';

/**
 * The v5.4 wrappers: no 5.4 include/linux/mmu_notifier.h was at hand. They are the v5.2 ones with
 * 23b68395c7c7's lock_map_acquire/release and "annotate with might_sleep()", as the context and `+`
 * lines of Daniel Vetter's "[PATCH] mm, notifier: annotate with might_sleep()" show them (index id
 * 22342694767), and the nonblock wrapper as his "[PATCH] mm, notifier: Fix early return case for new
 * lockdep annotations" <20190906174730.22462-1-daniel.vetter@ffwll.ch> (index id 11654219785) leaves
 * it. Whether v5.4.0 has that fix (posted 6 Sep 2019, not in the 5.4 hmm.git pull) is not settled by
 * the sources; before it, the nonblock wrapper returned without lock_map_release(), which only
 * lockdep's bookkeeping sees (not modelled): no verdict depends on it.
 */
const SRC_V54_HDR =
  'v5.2 wrappers with 23b68395c7c7 and "annotate with might_sleep()" as Daniel Vetter\'s patch mail shows them (index id 22342694767), the nonblock one after his "Fix early return case for new lockdep annotations" (<20190906174730.22462-1-daniel.vetter@ffwll.ch>, index id 11654219785; whether v5.4.0 has that fix is not settled, and it changes only lockdep\'s bookkeeping)';

export const startV54: FnDef = fn({
  name: '__mmu_notifier_invalidate_range_start',
  file: FILE,
  version: 'v5.4',
  source: `${SRC_V54}. The WARN_ON runs as the stand-in mnc_warn_on(cond, mn, _ret), which records a true condition for no-bug:warn`,
  signature: 'int __mmu_notifier_invalidate_range_start(struct mmu_notifier_range *range)',
  params: ['range'],
  body: [
    c('int ret = 0;'),
    c('id = srcu_read_lock(&srcu);'),
    foreach('hlist_for_each_entry_rcu(mn, &range->mm->mmu_notifier_mm->list, hlist)', [
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

export const endV54: FnDef = endWalkRange('v5.4', SRC_V54, true);

export const wrapperStartV54: FnDef = fn({
  name: 'mmu_notifier_invalidate_range_start',
  file: HDR,
  version: 'v5.4',
  source: SRC_V54_HDR,
  signature: 'static inline void mmu_notifier_invalidate_range_start(struct mmu_notifier_range *range)',
  params: ['range'],
  body: [
    c('might_sleep();'),
    c('lock_map_acquire(&__mmu_notifier_invalidate_range_start_map);'),
    if_('mm_has_notifiers(range->mm)', [c('range->flags |= MMU_NOTIFIER_RANGE_BLOCKABLE;'), c('__mmu_notifier_invalidate_range_start(range);')]),
    c('lock_map_release(&__mmu_notifier_invalidate_range_start_map);'),
  ],
});

export const wrapperStartNonblockV54: FnDef = fn({
  name: 'mmu_notifier_invalidate_range_start_nonblock',
  file: HDR,
  version: 'v5.4',
  source: SRC_V54_HDR,
  signature: 'static inline int mmu_notifier_invalidate_range_start_nonblock(struct mmu_notifier_range *range)',
  params: ['range'],
  body: [
    c('int ret = 0;'),
    c('lock_map_acquire(&__mmu_notifier_invalidate_range_start_map);'),
    if_('mm_has_notifiers(range->mm)', [c('range->flags &= ~MMU_NOTIFIER_RANGE_BLOCKABLE;'), c('ret = __mmu_notifier_invalidate_range_start(range);')]),
    c('lock_map_release(&__mmu_notifier_invalidate_range_start_map);'),
    c('return ret;'),
  ],
});

export const wrapperEndV54 = wrapperEndRange('mmu_notifier_invalidate_range_end', false, 'v5.4', SRC_V54_HDR, true);
export const wrapperOnlyEndV54 = wrapperEndRange('mmu_notifier_invalidate_range_only_end', true, 'v5.4', `${SRC_V54_HDR}; only_end gets no might_sleep()`);
