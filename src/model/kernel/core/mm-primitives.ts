/**
 * Leaf primitives of the mm core (mm/memory.c, mm/mmap.c, mm/oom_kill.c, mm/mmu_notifier.c,
 * mm/page_alloc.c) whose bodies the model does not need: what they read and write is stated here.
 */
import { CORE_PRIMITIVES, KernelOops, nameOf, num, PENDING, ref, SLEEPS, SPINS, type Access, type Arg, type PrimCtx, type Primitive } from '../../lang/primitives.ts';
import { downOutcome, enqueue, holders, markWake, rwsem } from '../../lang/locks.ts';
import { MAX_PAGE, type Value } from '../../lang/state.ts';
import { ALLOC_CONSTANTS, PAGE_ALLOC_PRIMITIVES } from './page_alloc.ts';
import { WORKQUEUE_PRIMITIVES } from './workqueue.ts';

/** Constants the core code names. */
export const KERNEL_CONSTANTS: Record<string, Value> = {
  EAGAIN: 11,
  ENOMEM: 12,
  EFAULT: 14,
  EINVAL: 22,
  ESRCH: 3,
  EINTR: 4,
  EOVERFLOW: 75,
  ERESTARTSYS: 512,
  MAX_OOM_REAP_RETRIES: 10,
  HZ: 100,
  MAX_SCHEDULE_TIMEOUT: 0x7fffffff,
  ULONG_MAX: 0x7fffffff,
  ULLONG_MAX: 0x7fffffff,
  PAGE_SIZE: 1,
  PAGE_SHIFT: 0,
  PAGE_MASK: ~0,
  HPAGE_PMD_SIZE: 2,
  HPAGE_PMD_MASK: ~1,
  MMF_OOM_SKIP: 'MMF_OOM_SKIP',
  MMF_UNSTABLE: 'MMF_UNSTABLE',
  MMF_OOM_VICTIM: 'MMF_OOM_VICTIM',
  VM_SHARED: 0x8,
  VM_GROWSDOWN: 0x100,
  VM_LOCKED: 0x2000,
  VM_HUGETLB: 0x400000,
  VM_PFNMAP: 0x400,
  MMU_INVALIDATE_DOES_NOT_BLOCK: 1,
  MMU_NOTIFIER_RANGE_BLOCKABLE: 1,
  MMU_NOTIFIER_RANGE_MAYFAIL: 2,
  // enum mmu_notifier_event (include/linux/mmu_notifier.h, v5.2: 6f4f13e8d9e2 and its series).
  MMU_NOTIFY_UNMAP: 0,
  MMU_NOTIFY_CLEAR: 1,
  MMU_NOTIFY_PROTECTION_VMA: 2,
  MMU_NOTIFY_PROTECTION_PAGE: 3,
  MMU_NOTIFY_SOFT_DIRTY: 4,
  // v5.5 (99cb252f5e68): exit_mmap's invalidation of the interval notifiers.
  MMU_NOTIFY_RELEASE: 5,
  ...ALLOC_CONSTANTS,
  GFP_KERNEL: 'GFP_KERNEL',
  GFP_HIGHUSER_MOVABLE: 'GFP_HIGHUSER_MOVABLE',
  GFP_NOWAIT: 'GFP_NOWAIT',
  GFP_ATOMIC: 'GFP_ATOMIC',
  VM_FAULT_WRITE: 0x800,
  VM_FAULT_OOM: 0x1,
  FIRST_USER_ADDRESS: 0,
  /** The top of the user address space: every page of the model lies below it. */
  TASK_SIZE: MAX_PAGE,
  MADV_DONTNEED: 4,
  USER_PGTABLES_CEILING: 0,
};

function vmaStat(ctx: PrimCtx, vma: Arg | undefined, field: string): Value {
  const v = ctx.stat(`${ref(vma, field)}.${field}`);
  if (v === undefined || Array.isArray(v)) throw new Error(`VMA ${String(vma)} has no ${field}`);
  return v as Value;
}

/**
 * The VMA list is shared memory when the scenario has a munmap thread (`mm.vmas_dynamic`): then
 * `mm->mmap` and each VMA's `vm_start`, `vm_end`, `vm_next` and `vm_prev` are read from memory,
 * otherwise from the static configuration.
 */
function vmasDynamic(ctx: PrimCtx): boolean {
  return ctx.stat('mm.vmas_dynamic') === 1;
}

/** A field of the VMA list: `mm.mmap` or a VMA's `vm_start`, `vm_end`, `vm_next`, `vm_prev`. */
function listField(ctx: PrimCtx, key: string): Value {
  if (vmasDynamic(ctx)) return ctx.read(key);
  const v = ctx.stat(key);
  if (v === undefined || Array.isArray(v)) throw new Error(`no VMA list field ${key}`);
  return v as Value;
}

/** The VMAs on the mm's list, in address order, from `mm->mmap` along `vm_next`. */
function vmaList(ctx: PrimCtx, mm: string): string[] {
  const out: string[] = [];
  for (let v = listField(ctx, `${mm}.mmap`); typeof v === 'string'; v = listField(ctx, `${v}.vm_next`)) out.push(v);
  return out;
}

/** The configured VMA whose page table a VMA object's pages are in (itself, or the one it was split from). */
function pagesOf(ctx: PrimCtx, vma: string): string {
  const pt = ctx.stat(`${vma}.pages`);
  if (typeof pt !== 'string') throw new Error(`VMA ${vma} has no page table`);
  return pt;
}

/** The VMA list's fields a primitive walking or changing it touches. */
const LIST_READS: Access[] = [
  { name: 'mmap', mode: 'r' },
  { name: 'vm_next', mode: 'r' },
  { name: 'vm_start', mode: 'r' },
  { name: 'vm_end', mode: 'r' },
];

export const MM_PRIMITIVES: Record<string, Primitive> = {
  ...PAGE_ALLOC_PRIMITIVES,
  in_interrupt: { shared: false, sleeps: false, doc: 'in_interrupt(): every modelled thread runs in process context: false.', run: () => 0 },
  warn_alloc: { shared: false, sleeps: false, doc: 'warn_alloc(gfp, nodemask, fmt, ...): prints the allocation failure warning.', run: () => 0 },
  ...WORKQUEUE_PRIMITIVES,
  mm_has_notifiers: {
    shared: false,
    sleeps: false,
    doc: 'mm_has_notifiers(mm): whether mm->mmu_notifier_mm is set (a notifier was ever registered); static per scenario.',
    run: (ctx, [mm]) => (ctx.stat(`${ref(mm, 'mm_has_notifiers')}.mmu_notifier_mm`) ? 1 : 0),
  },
  tsk_is_oom_victim: {
    shared: false,
    sleeps: false,
    doc: 'tsk_is_oom_victim(tsk): tsk->signal->oom_mm is set, i.e. the task belongs to the process the OOM killer chose (include/linux/oom.h); fixed per thread by the scenario (its "victim" flag).',
    run: (ctx, [tsk]) => (ctx.stat(`${ref(tsk, 'tsk_is_oom_victim')}.signal.oom_mm`) ? 1 : 0),
  },
  fatal_signal_pending: {
    shared: false,
    sleeps: false,
    doc: 'fatal_signal_pending(tsk): SIGKILL is pending (include/linux/sched/signal.h). The OOM killer sends it to the whole victim process before the scenario starts, so it holds for every thread of the victim from the first step and for no other thread.',
    run: (ctx, [tsk]) => (ctx.stat(`${ref(tsk, 'fatal_signal_pending')}.fatal_signal`) ? 1 : 0),
  },
  mm_is_oom_victim: {
    shared: true,
    sleeps: false,
    doc: 'mm_is_oom_victim(mm): test_bit(MMF_OOM_VICTIM, &mm->flags).',
    access: () => [{ name: 'MMF_OOM_VICTIM', mode: 'r' }],
    run: (ctx, [mm]) => ctx.read(`${ref(mm, 'mm_is_oom_victim')}.flags.MMF_OOM_VICTIM`),
  },
  rwsem_is_locked: {
    access: (args) => [{ name: nameOf(args[0]), mode: 'r' }],
    shared: true,
    sleeps: false,
    doc: 'rwsem_is_locked(sem): whether anybody holds the semaphore.',
    run(ctx, [s]) {
      const l = ctx.lock(ref(s, 'rwsem_is_locked'));
      return l.kind === 'rwsem' && (l.writer !== -1 || l.readers.length > 0) ? 1 : 0;
    },
  },
  WARN_ON_ONCE: { shared: false, sleeps: false, doc: 'WARN_ON_ONCE(cond): prints a warning once.', run: () => 0 },
  can_madv_lru_vma: {
    shared: false,
    sleeps: false,
    doc: 'can_madv_lru_vma(vma) (mm/internal.h, v5.4: can_madv_dontneed_vma() renamed by MADV_COLD): !(vma->vm_flags & (VM_LOCKED|VM_HUGETLB|VM_PFNMAP)), from the VMA\'s static flags.',
    run: (ctx, [vma]) => (num(vmaStat(ctx, vma, 'vm_flags'), 'vm_flags') & (0x2000 | 0x400000 | 0x400) ? 0 : 1),
  },
  // ----------------------------------------------------------------------------- v5.2 and v5.4 cores
  mmu_notifier_range_blockable: {
    shared: false,
    sleeps: false,
    lazy: [0],
    doc: 'mmu_notifier_range_blockable(range) (include/linux/mmu_notifier.h, static inline, v5.2 and v5.4: `return (range->flags & MMU_NOTIFIER_RANGE_BLOCKABLE);`, 4a83bfe916f3 and the flags conversion 27560ee9): reads the flags of the struct mmu_notifier_range on the caller\'s stack.',
    run: (ctx, [range]) => (num(ctx.evalLazy({ k: 'field', obj: range as never, field: 'flags' }), 'range->flags') & 1 ? 1 : 0),
  },
  non_block_start: {
    shared: false,
    sleeps: false,
    doc: 'non_block_start() (include/linux/kernel.h, v5.4, 312364f3534c, under CONFIG_DEBUG_ATOMIC_SLEEP: `# define non_block_start() (current->non_block_count++)`): opens a section where sleeping is prohibited; ___might_sleep() prints "BUG: sleeping function called from invalid context" inside it, schedule_debug() "BUG: scheduling in a non-blocking section". The count is kept in the running frame\'s context, inherited by the functions it calls (docs/model.md).',
    run: (ctx) => (ctx.nonBlock(1), 0),
  },
  non_block_end: {
    shared: false,
    sleeps: false,
    doc: 'non_block_end() (include/linux/kernel.h, v5.4, 312364f3534c: `# define non_block_end() WARN_ON(current->non_block_count-- == 0)`): closes a section opened by non_block_start().',
    run: (ctx) => (ctx.nonBlock(-1), 0),
  },
  lock_map_acquire: {
    shared: false,
    sleeps: false,
    doc: 'lock_map_acquire(&__mmu_notifier_invalidate_range_start_map) (v5.4, 23b68395c7c7, CONFIG_LOCKDEP): a lockdep annotation, no lock. lockdep is not modelled: its map would report a lock order seen anywhere (a potential deadlock); mnc reports deadlocks of the interleavings it explores only.',
    run: () => 0,
  },
  lock_map_release: {
    shared: false,
    sleeps: false,
    doc: 'lock_map_release(&__mmu_notifier_invalidate_range_start_map) (v5.4, 23b68395c7c7): the end of the lockdep annotation lock_map_acquire opened; not modelled.',
    run: () => 0,
  },
  mnc_warn_on: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'warn', mode: 'w' }],
    doc: 'Stand-in for `WARN_ON(mmu_notifier_range_blockable(range) || _ret != -EAGAIN);` in __mmu_notifier_invalidate_range_start() (v5.4, 8402ce61bec2): mnc_warn_on(cond, mn, _ret) records a true condition as `ghost.warn = "<notifier>:<value returned>"` for the no-bug:warn check (the kernel prints "WARNING: ... at mm/mmu_notifier.c" and goes on; so does the thread).',
    run(ctx, [cond, mn, ret]) {
      if (cond !== 0 && cond !== null && ctx.read('ghost.warn') === 0) ctx.write('ghost.warn', `${String(mn)}:${String(ret)}`);
      return 0;
    },
  },
  mnc_warn_on_end: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'warn_end', mode: 'w' }],
    doc: 'Stand-in for `WARN_ON(ops->invalidate_range_end);` in mn_hlist_invalidate_range_start() (v5.12, c2655835fd8c), run when a start failed: "We call all the notifiers on any EAGAIN, there is no way for a notifier to know if its start method failed, thus a start that does EAGAIN can\'t also do end." mnc_warn_on_end(ops->invalidate_range_end, subscription) records a set callback as `ghost.warn_end = "<notifier>"` (the first that fires) for pairing:failed-start-end; the kernel prints a WARNING and goes on, and so does the thread.',
    run(ctx, [end, mn]) {
      if (end !== 0 && end !== null && ctx.read('ghost.warn_end') === 0) ctx.write('ghost.warn_end', String(mn));
      return 0;
    },
  },
  srcu_read_lock_held: {
    shared: false,
    sleeps: false,
    doc: 'srcu_read_lock_held(&srcu) (include/linux/srcu.h): the lockdep condition v5.7 on passes as the last argument of hlist_for_each_entry_rcu() (CONFIG_PROVE_RCU_LIST); lockdep is not modelled, and the walks that pass it run inside srcu_read_lock(), so it is 1.',
    run: () => 1,
  },
  // ----------------------------------------------------------------------------- v5.5: interval notifiers
  lockdep_assert_held: { shared: false, sleeps: false, doc: 'lockdep_assert_held(&lock): a lockdep assertion (not modelled).', run: () => 0 },
  READ_ONCE: {
    shared: false,
    sleeps: false,
    doc: 'READ_ONCE(x): x, read once (the model is sequentially consistent; the read itself is the argument\'s).',
    run: (_ctx, [x]) => x as Value,
  },
  wake_up_all: {
    shared: false,
    sleeps: false,
    doc: 'wake_up_all(&wq): wakes every task sleeping on wq. A waiter in the model is a thread whose wait_event() condition is false; it can run again once the condition holds, so the wake-up itself changes nothing.',
    run: () => 0,
  },
  // ------------------------------------------------- v6.6: the interval tree's insert, remove and deferred list
  mnc_itree_insert: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'rb', mode: 'w' }],
    doc: 'Stand-in for `interval_tree_insert(&interval_sub->interval_tree, &subscriptions->itree)` (lib/interval_tree.c) in the v6.6 core: links an interval notifier inserted while the scenario runs (`<node>.dynamic`) into the core\'s interval tree, which the model keeps as the configured nodes in address order with `<node>.rb` set for those linked (the kernel\'s `!RB_EMPTY_NODE(&node->rb)`). Its own name because drivers model their own trees\' `interval_tree_remove()` as a no-op (drm_common.ts), which a driver\'s primitive of that name would make the core\'s.',
    run(ctx, [node]) {
      const n = ref(node, 'interval_tree_insert');
      if (!ctx.stat(`${n}.dynamic`)) throw new Error(`interval_tree_insert: ${n} is a node of the static tree (inserted before the scenario)`);
      ctx.write(`${n}.rb`, 1);
      return 0;
    },
  },
  mnc_itree_remove: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'rb', mode: 'w', zero: true }],
    doc: 'Stand-in for `interval_tree_remove(&interval_sub->interval_tree, &subscriptions->itree)` in the v6.6 core: unlinks a dynamic interval notifier (`<node>.rb = 0`, RB_CLEAR_NODE as rb_erase leaves it for the deferred walk\'s next RB_EMPTY_NODE test). See mnc_itree_insert for the name.',
    run(ctx, [node]) {
      const n = ref(node, 'interval_tree_remove');
      if (!ctx.stat(`${n}.dynamic`)) throw new Error(`interval_tree_remove: ${n} is a node of the static tree (never removed in a scenario)`);
      ctx.write(`${n}.rb`, 0);
      return 0;
    },
  },
  RB_EMPTY_NODE: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'rb', mode: 'r' }],
    doc: 'RB_EMPTY_NODE(&node->rb) (include/linux/rbtree.h): the node is linked in no tree. The model keeps a dynamic interval notifier\'s link as `<mni>.interval_tree.rb` (1: linked).',
    run: (ctx, [rb]) => (ctx.read(ref(rb, 'RB_EMPTY_NODE')) ? 0 : 1),
  },
  RB_CLEAR_NODE: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'rb', mode: 'w', zero: true }],
    doc: 'RB_CLEAR_NODE(&node->rb) (include/linux/rbtree.h): marks the node as linked in no tree (`<mni>.interval_tree.rb = 0`).',
    run(ctx, [rb]) {
      ctx.write(ref(rb, 'RB_CLEAR_NODE'), 0);
      return 0;
    },
  },
  hlist_add_head: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'pprev', mode: 'w' }],
    doc: 'hlist_add_head(&interval_sub->deferred_item, &subscriptions->deferred_list) (include/linux/list.h): puts an interval notifier on the core\'s deferred list (v6.6 core). The model keeps the list as the configured dynamic notifiers (`mm.mmu_notifier_mm.deferred_list`) with `<mni>.deferred_item.pprev` set for those on it: the order of the list is not kept (each entry\'s deferred insert or remove is independent of the others\').',
    run(ctx, [n]) {
      ctx.write(`${ref(n, 'hlist_add_head')}.pprev`, 1);
      return 0;
    },
  },
  hlist_del: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'pprev', mode: 'w', zero: true }],
    doc: 'hlist_del(&interval_sub->deferred_item) (include/linux/list.h): takes an interval notifier off the deferred list (`<mni>.deferred_item.pprev = 0`; the kernel poisons the pointers, which nothing reads before the next hlist_add_head).',
    run(ctx, [n]) {
      ctx.write(`${ref(n, 'hlist_del')}.pprev`, 0);
      return 0;
    },
  },
  hlist_for_each_entry_safe: {
    shared: true,
    sleeps: false,
    lazy: [0],
    members: [2],
    access: () => [{ name: 'pprev', mode: 'r' }],
    doc: 'hlist_for_each_entry_safe(pos, n, &subscriptions->deferred_list, deferred_item) (include/linux/list.h): walks the deferred list, the entries whose `deferred_item.pprev` is set, in the configured order; "safe": the body may take the current entry off the list, the walk goes on with the entry after it.',
    run(ctx, [, head, member]) {
      const all = ctx.stat(ref(head, 'hlist_for_each_entry_safe'));
      return (Array.isArray(all) ? all : []).filter((m) => ctx.read(`${String(m)}.${String(member)}.pprev`));
    },
    iterate(ctx, [, head, member], pos) {
      const all = ctx.stat(ref(head, 'hlist_for_each_entry_safe'));
      const l = Array.isArray(all) ? all : [];
      const from = pos === undefined ? 0 : l.indexOf(pos) + 1;
      for (let i = from; i < l.length; i++) if (ctx.read(`${String(l[i])}.${String(member)}.pprev`)) return l[i]!;
      return null;
    },
  },
  might_lock: { shared: false, sleeps: false, doc: 'might_lock(&lock): a lockdep annotation (not modelled).', run: () => 0 },
  mnc_interval_warn_on: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'interval_warn', mode: 'w' }],
    doc: 'Stand-in for `WARN_ON(mmu_notifier_range_blockable(range))` in mn_itree_invalidate() and `WARN_ON(!ret)` in mn_itree_release() (v5.5, 99cb252f5e68): an interval notifier\'s invalidate returned false in a blockable range. mnc_interval_warn_on(cond, mni) returns cond and records the first true one as `ghost.interval_warn = "<notifier>"` for interval-coherency:blockable-false (the kernel prints a WARNING and goes on; so does the thread).',
    run(ctx, [cond, mni]) {
      const on = cond !== 0 && cond !== null;
      if (on && ctx.read('ghost.interval_warn') === 0) ctx.write('ghost.interval_warn', String(mni));
      return on ? 1 : 0;
    },
  },
  mnc_interval_invalidated: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'inv_gen', mode: 'inc' }],
    doc: 'Model-only (a ghost effect of the core\'s call of an interval notifier\'s invalidate, v5.5): mnc_interval_invalidated(mni, start, end, ret) counts, when ret is true, one more invalidation of every object of the notifier that [start, end) overlaps (`<object>.inv_gen`), for interval-coherency:stale-use.',
    run(ctx, [mni, start, end, ret]) {
      if (ret === 0 || ret === null) return 0;
      const s = num(start, 'mnc_interval_invalidated');
      const e = num(end, 'mnc_interval_invalidated');
      for (const o of intervalObjects(ctx, ref(mni, 'mnc_interval_invalidated'))) {
        if (o.start <= e - 1 && s <= o.last) ctx.write(`${o.id}.inv_gen`, num(ctx.read(`${o.id}.inv_gen`), 'inv_gen') + 1);
      }
      return 0;
    },
  },
  mnc_interval_gen: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'inv_gen', mode: 'r' }],
    doc: 'Model-only (a ghost effect of a reader): mnc_interval_gen(mni, address): how many invalidations of the notifier\'s object holding `address` have gone through so far (`<object>.inv_gen`); the reader keeps it to compare at its use.',
    run(ctx, [mni, addr]) {
      const o = objectAt(ctx, ref(mni, 'mnc_interval_gen'), num(addr, 'mnc_interval_gen'));
      return o ? ctx.read(`${o}.inv_gen`) : 0;
    },
  },
  mnc_interval_use: {
    shared: true,
    sleeps: false,
    access: () => [
      { name: 'inv_gen', mode: 'r' },
      { name: 'interval_stale', mode: 'w' },
    ],
    doc: 'Model-only (a ghost effect of the statement where a reader uses the mapping it read, after its mmu_interval_read_retry()): mnc_interval_use(mni, address, gen) records in `ghost.interval_stale` (the object) that an invalidation of the object holding `address` went through since the reader sampled `gen` right after its mmu_interval_read_begin(), for interval-coherency:stale-use.',
    run(ctx, [mni, addr, gen]) {
      const o = objectAt(ctx, ref(mni, 'mnc_interval_use'), num(addr, 'mnc_interval_use'));
      if (o && ctx.read(`${o}.inv_gen`) !== gen && ctx.read('ghost.interval_stale') === 0) ctx.write('ghost.interval_stale', o);
      return 0;
    },
  },
  can_madv_dontneed_vma: {
    shared: false,
    sleeps: false,
    doc: 'can_madv_dontneed_vma(vma): !(vma->vm_flags & (VM_LOCKED|VM_HUGETLB|VM_PFNMAP)), from the VMA\'s static flags.',
    run: (ctx, [vma]) => (num(vmaStat(ctx, vma, 'vm_flags'), 'vm_flags') & (0x2000 | 0x400000 | 0x400) ? 0 : 1),
  },
  vma_is_anonymous: {
    shared: false,
    sleeps: false,
    doc: 'vma_is_anonymous(vma): !vma->vm_ops, from the VMA\'s static configuration.',
    run: (ctx, [vma]) => vmaStat(ctx, vma, 'anon'),
  },
  tlb_gather_mmu: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'tlb_flush_pending', mode: 'inc' }],
    doc: 'tlb_gather_mmu(tlb, mm, start, end): starts an mmu_gather; its effect on shared state is inc_tlb_flush_pending(mm) (mm->tlb_flush_pending++).',
    run(ctx, [, mm]) {
      const k = `${ref(mm, 'tlb_gather_mmu')}.tlb_flush_pending`;
      ctx.write(k, num(ctx.read(k), 'tlb_flush_pending') + 1);
      return 0;
    },
  },
  tlb_finish_mmu: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'tlb_flush_pending', mode: 'inc' }],
    doc: 'tlb_finish_mmu(tlb, start, end): flushes and ends the mmu_gather opened by tlb_gather_mmu; dec_tlb_flush_pending(mm). The mm is the one named at tlb_gather_mmu: the model keeps one victim mm.',
    run(ctx) {
      const mm = ctx.stat('oom.victim_mm');
      const k = `${String(mm)}.tlb_flush_pending`;
      ctx.write(k, num(ctx.read(k), 'tlb_flush_pending') - 1);
      return 0;
    },
  },
  pmd_offset: {
    shared: false,
    sleeps: false,
    doc: 'pmd_offset(pud, addr): the pmd covering addr, numbered addr / HPAGE_PMD_SIZE (one page table per VMA; the pgd/p4d/pud levels are not modelled).',
    run: (_ctx, [, addr]) => Math.floor(num(addr, 'pmd_offset') / HPAGE),
  },
  pmd_addr_end: {
    shared: false,
    sleeps: false,
    doc: 'pmd_addr_end(addr, end): the end of addr\'s pmd, or end if that comes first.',
    run: (_ctx, [addr, end]) => Math.min((Math.floor(num(addr, 'pmd_addr_end') / HPAGE) + 1) * HPAGE, num(end, 'pmd_addr_end')),
  },
  pmd_trans_huge: {
    shared: true,
    // Without a huge page in the scenario the test is false in every call (live.ts prunes on it).
    value: (_args, statics) => (hasThp(statics) ? undefined : 0),
    // thpAt() reads the huge page's `split` and its VMA's `freed` only where a VMA has a huge page:
    // without one the test is false whatever runs, and touches nothing another thread writes.
    access: (_args, statics) =>
      hasThp(statics)
        ? [
            { name: 'freed', mode: 'r' },
            { name: 'split', mode: 'r' },
          ]
        : [],
    sleeps: false,
    doc: 'pmd_trans_huge(*pmd): whether the pmd maps the VMA\'s transparent huge page (the scenario\'s `thp`), still mapped and not split.',
    run(ctx, [pmd]) {
      return thpAt(ctx, num(pmd, 'pmd_trans_huge')) ? 1 : 0;
    },
  },
  is_swap_pmd: { shared: false, sleeps: false, value: () => 0, doc: 'is_swap_pmd(pmd): no swap entries in the model.', run: () => 0 },
  pmd_devmap: { shared: false, sleeps: false, value: () => 0, doc: 'pmd_devmap(pmd): no device-mapped pmds in the model.', run: () => 0 },
  zap_huge_pmd: {
    shared: true,
    access: () => [
      { name: 'freed', mode: 'w' },
      { name: 'unmapped', mode: 'w' },
      { name: 'vm_start', mode: 'r' },
      { name: 'vm_end', mode: 'r' },
    ],
    sleeps: false,
    doc: 'zap_huge_pmd(tlb, vma, pmd, addr): frees the whole huge page (both its pages) and returns 1.',
    run(ctx, [, vma, pmd]) {
      const start = num(pmd, 'zap_huge_pmd') * HPAGE;
      freePages(ctx, ref(vma, 'zap_huge_pmd'), start, start + HPAGE);
      return 1;
    },
  },
  zap_pte_range: {
    shared: true,
    access: () => [
      { name: 'freed', mode: 'w' },
      { name: 'unmapped', mode: 'w' },
      { name: 'vm_start', mode: 'r' },
      { name: 'vm_end', mode: 'r' },
    ],
    sleeps: false,
    doc: 'zap_pte_range(tlb, vma, pmd, addr, end, details): frees the pages of [addr, end) that lie in the VMA (`freed`, a bit per page of the configured VMA whose page table they are in; `unmapped` once every page of it is freed) and returns end. The pte walk, rss accounting and TLB batching are not modelled.',
    run(ctx, [, vma, , addr, end]) {
      freePages(ctx, ref(vma, 'zap_pte_range'), num(addr, 'zap_pte_range'), num(end, 'zap_pte_range'));
      return num(end, 'zap_pte_range');
    },
  },
  tlb_start_vma: { shared: false, sleeps: false, doc: 'tlb_start_vma(): cache flush hook (nothing on x86).', run: () => 0 },
  tlb_end_vma: { shared: false, sleeps: false, doc: 'tlb_end_vma(): TLB flush hook (batched in the mmu_gather; not modelled).', run: () => 0 },
  lru_add_drain: { shared: false, sleeps: false, doc: 'lru_add_drain(): per-cpu pagevec drain (no shared state the model tracks).', run: () => 0 },
  update_hiwater_rss: { shared: false, sleeps: false, doc: 'update_hiwater_rss(mm): statistics.', run: () => 0 },
  free_pgtables: { shared: false, sleeps: false, doc: 'free_pgtables(): frees page tables (not tracked).', run: () => 0 },
  hlist_empty: {
    access: () => [{ name: 'first', mode: 'r' }],
    shared: true,
    sleeps: false,
    doc: 'hlist_empty(&mm->mmu_notifier_mm->list): `!READ_ONCE(h->first)` (include/linux/list.h, v4.19): whether the list head points to no notifier.',
    run: (ctx, [h]) => (ctx.read(`${ref(h, 'hlist_empty')}.first`) === null ? 1 : 0),
  },
  hlist_entry: {
    members: [2],
    shared: false,
    sleeps: false,
    doc: 'hlist_entry(ptr, struct mmu_notifier, hlist): container_of; the model names a notifier and its embedded hlist_node alike, so the entry is `ptr` (the caller read `list.first`).',
    run: (_ctx, [p]) => (p ?? null) as Value,
  },
  hlist_unhashed: {
    access: () => [{ name: 'hashed', mode: 'r' }],
    shared: true,
    sleeps: false,
    doc: 'hlist_unhashed(&mn->hlist): `!h->pprev` (include/linux/list.h, v4.19): the node is on no list. The model keeps `pprev != NULL` as `mn.hashed`.',
    run: (ctx, [node]) => (ctx.read(`${nodeOf(ref(node, 'hlist_unhashed'))}.hashed`) ? 0 : 1),
  },
  hlist_del_init_rcu: {
    access: () => [
      { name: 'hashed', mode: 'w' },
      { name: 'next', mode: 'w' },
      { name: 'first', mode: 'w' },
    ],
    shared: true,
    sleeps: false,
    doc: 'hlist_del_init_rcu(&mn->hlist) (include/linux/rculist.h, v4.19): `if (!hlist_unhashed(n)) { __hlist_del(n); n->pprev = NULL; }`, where __hlist_del (list.h) stores `n->next` in `*pprev` (the predecessor\'s `next`, or the head\'s `first`) and, if there is a next node, sets its `pprev`. The node\'s own `next` is left as it was: an RCU walker standing on the node still follows it. The model keeps `pprev` as `mn.hashed` and finds `*pprev` as the one hashed node (or the head) whose pointer is `n`.',
    run(ctx, [node]) {
      const n = nodeOf(ref(node, 'hlist_del_init_rcu'));
      if (!ctx.read(`${n}.hashed`)) return 0;
      const next = ctx.read(`${n}.hlist.next`);
      ctx.write(predecessorLink(ctx, n), next);
      ctx.write(`${n}.hashed`, 0);
      return 0;
    },
  },
  hlist_for_each_entry_rcu: {
    access: () => [
      { name: 'first', mode: 'r' },
      { name: 'next', mode: 'r' },
      { name: 'kfreed', mode: 'r' },
    ],
    members: [1],
    shared: true,
    sleeps: false,
    doc: 'hlist_for_each_entry_rcu(mn, &mm->mmu_notifier_mm->list, hlist) (include/linux/rculist.h, v4.19): reads `head->first`, then, after each body, the current node\'s `hlist.next` (rcu_dereference_raw). Registration adds at the head, so the walk visits the last registered first. A node unhashed by hlist_del_init_rcu keeps its `next`: a walker standing on it goes on to the node that followed it when it was unhashed, whether that one is still hashed or not; a walk that reads `first` later no longer sees it.',
    run(ctx, [h]) {
      const out: Value[] = [];
      for (let n = ctx.read(`${ref(h, 'hlist_for_each_entry_rcu')}.first`); n !== null; n = ctx.read(`${String(n)}.hlist.next`)) out.push(n);
      return out;
    },
    iterate(ctx, [h], pos) {
      if (pos === undefined) return ctx.read(`${ref(h, 'hlist_for_each_entry_rcu')}.first`);
      if (ctx.stat(`${String(pos)}.freeable`) && ctx.read(`${String(pos)}.kfreed`)) {
        throw new KernelOops(`use after free: hlist_for_each_entry_rcu reads ${String(pos)}->hlist.next, which kfree() freed while the walk stood on it`);
      }
      return ctx.read(`${String(pos)}.hlist.next`);
    },
  },
  pte_offset_map_lock: {
    shared: false,
    sleeps: false,
    doc: 'pte_offset_map_lock(): the page-table lock of one pte (a split ptl nobody else in the model takes).',
    run: () => 'ptl',
  },
  pte_unmap_unlock: { shared: false, sleeps: false, doc: 'pte_unmap_unlock(pte, ptl).', run: () => 0 },
  ptep_clear_flush: { shared: false, sleeps: false, doc: 'ptep_clear_flush() (6.6: ptep_clear_flush_notify() is gone; the TLB flush calls ->arch_invalidate_secondary_tlbs, which no modelled notifier has): clears the pte.', run: () => 0 },
  ptep_clear_flush_notify: { shared: false, sleeps: false, doc: 'ptep_clear_flush_notify(): clears the pte and calls ->invalidate_range (no notifier in the model implements it).', run: () => 0 },
  set_pte_at_notify: { shared: false, sleeps: false, doc: 'set_pte_at_notify(): ->change_pte (not modelled) then set_pte_at.', run: () => 0 },
  __split_huge_pmd_locked: {
    shared: true,
    access: () => [{ name: 'split', mode: 'w' }],
    sleeps: false,
    doc: '__split_huge_pmd_locked(vma, pmd, haddr, freeze): rewrites the huge pmd as a page table of small pages (`thp.split = 1`).',
    run(ctx, [vma]) {
      const thp = ctx.stat(`${ref(vma, '__split_huge_pmd_locked')}.thp`);
      if (typeof thp === 'string') ctx.write(`${thp}.split`, 1);
      return 0;
    },
  },
  pmd_lock: {
    access: () => [{ name: 'page_table_lock', mode: 'w' }],
    locks: true,
    lockKind: 'spin',
    acquires: 'wait',
    shared: true,
    sleeps: false,
    doc: 'pmd_lock(mm, pmd): takes and returns the pmd\'s page-table spinlock (one per mm in the model: mm->page_table_lock).',
    wait(ctx, [mm]) {
      const k = `${ref(mm, 'pmd_lock')}.page_table_lock`;
      const l = ctx.lock(k);
      return l.kind === 'spin' && l.owner !== -1 ? (ctx.explains ? { why: `pmd_lock(): ${k} held by ${ctx.threadName(l.owner)}`, sleeping: false } : SPINS) : null;
    },
    run(ctx, [mm]) {
      const k = `${ref(mm, 'pmd_lock')}.page_table_lock`;
      ctx.setLock(k, { kind: 'spin', owner: ctx.tid });
      return k;
    },
  },
  find_vma: {
    shared: true,
    sleeps: false,
    access: () => LIST_READS,
    doc: 'find_vma(mm, addr) (mm/mmap.c, v4.19): the first VMA with vm_end > addr, or NULL. The rbtree and the vmacache are not modelled: the walk follows the VMA list from mm->mmap along vm_next, which munmap changes (shared memory when the scenario has a munmap thread).',
    run(ctx, [mm, addr]) {
      const a = num(addr, 'find_vma');
      return vmaList(ctx, ref(mm, 'find_vma')).find((v) => num(listField(ctx, `${v}.vm_end`), 'vm_end') > a) ?? null;
    },
  },
  __insert_vm_struct: {
    shared: true,
    sleeps: false,
    access: () => [...LIST_READS, { name: 'mmap', mode: 'w' }, { name: 'vm_next', mode: 'w' }, { name: 'vm_prev', mode: 'w' }],
    doc: '__insert_vm_struct(mm, vma) (mm/mmap.c, v4.19): find_vma_links() finds the VMA before the new one (the last ending at or below its vm_start; an overlap is a BUG()), then __vma_link() -> __vma_link_list() (mm/util.c) links it into the list (vm_prev, vm_next, prev->vm_next or mm->mmap, next->vm_prev) and __vma_link_rb() into the rbtree (not modelled: the list is the model\'s only index); mm->map_count is not modelled.',
    run(ctx, [mm, vma]) {
      const m = ref(mm, '__insert_vm_struct');
      const v = ref(vma, '__insert_vm_struct');
      const vs = num(ctx.read(`${v}.vm_start`), 'vm_start');
      const ve = num(ctx.read(`${v}.vm_end`), 'vm_end');
      let prev: string | null = null;
      for (const x of vmaList(ctx, m)) {
        const xs = num(ctx.read(`${x}.vm_start`), 'vm_start');
        const xe = num(ctx.read(`${x}.vm_end`), 'vm_end');
        if (xe > vs) {
          if (xs < ve) throw new Error(`__insert_vm_struct: ${v} overlaps ${x} (BUG() in the kernel)`);
          break;
        }
        prev = x;
      }
      ctx.write(`${v}.vm_prev`, prev);
      let next: Value;
      if (prev) {
        next = ctx.read(`${prev}.vm_next`);
        ctx.write(`${prev}.vm_next`, v);
      } else {
        next = ctx.read(`${m}.mmap`);
        ctx.write(`${m}.mmap`, v);
      }
      ctx.write(`${v}.vm_next`, next);
      if (typeof next === 'string') ctx.write(`${next}.vm_prev`, v);
      return 0;
    },
  },
  kmem_cache_alloc_vma: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'vm_end', mode: 'r' }],
    doc: "model stand-in for the object kmem_cache_alloc(vm_area_cachep, GFP_KERNEL) returned in vm_area_dup(orig), called as kmem_cache_alloc_vma(current, orig) once the allocation succeeded (src/model/kernel/core/page_alloc.ts decides that): the VMA the scenario pre-allocated for this thread's split of orig's range (an unused one: vm_end 0).",
    run(ctx, [task, orig]) {
      const pt = pagesOf(ctx, ref(orig, 'kmem_cache_alloc_vma'));
      const cache = ctx.stat(`${ref(task, 'kmem_cache_alloc_vma')}.vm_area_cache`);
      const free = (Array.isArray(cache) ? cache : []).find((x) => pagesOf(ctx, String(x)) === pt && ctx.read(`${String(x)}.vm_end`) === 0);
      if (free === undefined) throw new Error(`no pre-allocated VMA left for a split of ${String(orig)} by ${String(task)}`);
      return free;
    },
  },
  vma_copy: {
    shared: true,
    sleeps: false,
    access: () => ['vm_start', 'vm_end', 'vm_next', 'vm_prev'].flatMap((name): Access[] => [
      { name, mode: 'r' },
      { name, mode: 'w' },
    ]),
    doc: 'model stand-in for `*new = *orig;` in vm_area_dup() (kernel/fork.c, v4.19): copies the VMA\'s range and list links; its flags, mm, huge page and page table are the same static configuration for every VMA split from one configured VMA.',
    run(ctx, [dst, src]) {
      for (const f of ['vm_start', 'vm_end', 'vm_next', 'vm_prev']) ctx.write(`${ref(dst, 'vma_copy')}.${f}`, ctx.read(`${ref(src, 'vma_copy')}.${f}`));
      return 0;
    },
  },
  vm_area_free: {
    shared: true,
    sleeps: false,
    access: () => ['vm_start', 'vm_end', 'vm_next', 'vm_prev'].map((name): Access => ({ name, mode: 'w' })),
    doc: 'vm_area_free(vma) (kernel/fork.c, v4.19): kmem_cache_free(vm_area_cachep, vma). The object goes back to the slab: the model clears its range and links (vm_end 0 marks a free object), so a freed VMA leaves nothing behind in the state.',
    run(ctx, [vma]) {
      const v = ref(vma, 'vm_area_free');
      if (!vmasDynamic(ctx)) throw new Error('vm_area_free() of a static VMA');
      ctx.write(`${v}.vm_start`, 0);
      ctx.write(`${v}.vm_end`, 0);
      ctx.write(`${v}.vm_next`, null);
      ctx.write(`${v}.vm_prev`, null);
      return 0;
    },
  },
  mnc_mmput_last: {
    shared: true,
    sleeps: false,
    access: () => [],
    doc: 'model stand-in for atomic_dec_and_test(&mm->mm_users) in the mmput() of the thread that runs exit_mmap(): the last user of the mm. Every other thread of the scenario but the oom_reaper (a kthread holding only mmgrab()) and direct reclaim (which reaches the mm through the rmap) uses the mm as current->mm and holds an mm_users reference until it finishes; so the call waits until each of them has finished, then returns true.',
    wait(ctx) {
      const users = ctx.stat('mm.mm_users_tids');
      for (const t of Array.isArray(users) ? users : []) {
        if (t !== ctx.tid && ctx.thread(num(t, 'mm_users_tids')).frames.length > 0) {
          return ctx.explains ? { why: `mmput(): mm->mm_users is still held by ${ctx.threadName(num(t, 'mm_users_tids'))}`, sleeping: false } : SPINS;
        }
      }
      return null;
    },
    run: () => 1,
  },
  offset_in_page: { shared: false, sleeps: false, doc: 'offset_in_page(p): 0 (pages are the unit: PAGE_SIZE 1).', run: () => 0 },
  PAGE_ALIGN: { shared: false, sleeps: false, doc: 'PAGE_ALIGN(x): x (pages are the unit: PAGE_SIZE 1).', run: (_ctx, [x]) => num(x, 'PAGE_ALIGN') },
  vma_rb_erase: { shared: false, sleeps: false, doc: 'vma_rb_erase(vma, &mm->mm_rb): the rbtree is not modelled (the VMA list is the model\'s only index).', run: () => 0 },
  vma_gap_update: { shared: false, sleeps: false, doc: 'vma_gap_update(vma): rbtree gap bookkeeping (not modelled).', run: () => 0 },
  vmacache_invalidate: { shared: false, sleeps: false, doc: 'vmacache_invalidate(mm): the per-thread VMA cache is not modelled.', run: () => 0 },
  arch_unmap: { shared: false, sleeps: false, doc: 'arch_unmap(mm, vma, start, end): x86 MPX bookkeeping (nothing the model tracks).', run: () => 0 },
  update_hiwater_vm: { shared: false, sleeps: false, doc: 'update_hiwater_vm(mm): statistics.', run: () => 0 },
  vm_unacct_memory: { shared: false, sleeps: false, doc: 'vm_unacct_memory(pages): overcommit accounting (not modelled).', run: () => 0 },
  userfaultfd_unmap_complete: { shared: false, sleeps: false, doc: 'userfaultfd_unmap_complete(mm, uf): no userfaultfd in the model.', run: () => 0 },
  INIT_LIST_HEAD: { shared: false, sleeps: false, doc: 'INIT_LIST_HEAD(list): the anon_vma chain is not modelled.', run: () => 0 },
  pmd_page: { shared: false, sleeps: false, doc: 'pmd_page(pmd): the huge page a pmd maps (its identity is not needed).', run: () => 'page' },
  PageMlocked: { shared: false, sleeps: false, doc: 'PageMlocked(page): mlock of huge pages is not modelled.', run: () => 0 },
  clear_page_mlock: { shared: false, sleeps: false, doc: 'clear_page_mlock(page).', run: () => 0 },
  is_pmd_migration_entry: { shared: false, sleeps: false, doc: 'is_pmd_migration_entry(pmd): no migration in the model.', run: () => 0 },
  madvise_behavior_valid: { shared: false, sleeps: false, doc: 'madvise_behavior_valid(behavior): MADV_DONTNEED is valid.', run: () => 1 },
  madvise_need_mmap_write: { shared: false, sleeps: false, value: () => 0, doc: 'madvise_need_mmap_write(behavior): false for MADV_DONTNEED (mmap_sem for read).', run: () => 0 },
  userfaultfd_remove: { shared: false, sleeps: false, doc: 'userfaultfd_remove(vma, start, end): true (no userfaultfd: mmap_sem is not dropped).', run: () => 1 },
  blk_start_plug: { shared: false, sleeps: false, doc: 'blk_start_plug(plug): block I/O plugging (not modelled).', run: () => 0 },
  blk_finish_plug: { shared: false, sleeps: false, doc: 'blk_finish_plug(plug).', run: () => 0 },
  vma_pkey: { shared: false, sleeps: false, doc: 'vma_pkey(vma): protection keys are not modelled.', run: () => 0 },
  task_pid_nr: { shared: false, sleeps: false, doc: 'task_pid_nr(tsk): the pid (not tracked).', run: () => 0 },
  kfree: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'kfreed', mode: 'w' }],
    doc: 'kfree(p): frees memory; never sleeps. An object a driver declares freeable (`<object>.kfreed`, with the static `<object>.freeable`) is marked freed: any later access to one of its fields is a use after free, a kernel oops (no-bug:oops). Other objects are not tracked.',
    run(ctx, [p]) {
      if (typeof p === 'string' && ctx.stat(`${p}.freeable`)) ctx.write(`${p}.kfreed`, 1);
      return 0;
    },
  },
  vfree: { shared: false, sleeps: true, doc: 'vfree(p): frees vmalloc memory; may sleep when not called from interrupt context (mm/vmalloc.c; a 2018 patch by Andrey Ryabinin adds "May sleep if called *not* from interrupt context" to its comment, index id 28968977507). Freed objects are not tracked.', run: () => 0 },
  kvfree: { shared: false, sleeps: true, doc: 'kvfree(p) (mm/util.c): frees kmalloc or vmalloc memory; the vfree path may sleep. Freed objects are not tracked. One definition for every driver that calls it (amdgpu@v6.6 and i915@v6.6 had one each, which kept them out of one scenario).', run: () => 0 },
  mmdrop: { shared: false, sleeps: false, doc: 'mmdrop(mm): drops an mm_count reference (not tracked: the victim mm outlives every scenario).', run: () => 0 },
  page_vma_mapped_walk: {
    shared: false,
    sleeps: false,
    doc: 'page_vma_mapped_walk(&pvmw): one mapping of the page (the model reclaims one page mapped once).',
    run: () => 0,
  },
  set_tsk_thread_flag: { shared: false, sleeps: false, doc: 'thread flag (not tracked)', run: () => 0 },
  wait_event_freezable: {
    access: () => [],
    shared: true,
    sleeps: true,
    lazy: [1],
    doc: 'wait_event_freezable(wq, cond): sleeps until cond holds.',
    wait(ctx, [wq, c]) {
      return ctx.evalLazy(c as never) ? null : ctx.explains ? { why: `wait_event_freezable(${String(wq)}): condition false`, sleeping: true } : SLEEPS;
    },
    run: () => 0,
  },
  down_read_killable: {
    ...CORE_PRIMITIVES.down_read!,
    doc: 'down_read_killable(sem) (kernel/locking/rwsem.c), which mmap_read_lock_killable() (include/linux/mmap_lock.h, v5.8) wraps: for a task without a fatal signal pending, down_read (it queues and waits; 0 once granted). Its only caller in the model is process_mrelease(2), whose task is not the dying one (scenario.ts refuses a process_mrelease thread of the victim), so the -EINTR path is not modelled.',
    run(ctx, args, choice) {
      if (ctx.stat(`${ctx.task}.fatal_signal`)) throw new Error('down_read_killable by a task with a fatal signal pending is not modelled');
      return CORE_PRIMITIVES.down_read!.run(ctx, args, choice);
    },
  },
  pidfd_get_task: {
    shared: false,
    sleeps: false,
    doc: 'pidfd_get_task(pidfd, &f_flags) (kernel/pid.c): the task the pidfd refers to, with a reference; the scenario\'s process_mrelease thread holds a pidfd of the victim process (the task object `victim`), which is never an error.',
    run: (_ctx, [pidfd]) => pidfd as Value,
  },
  find_lock_task_mm: {
    shared: false,
    sleeps: false,
    doc: 'find_lock_task_mm(task) (mm/oom_kill.c): a thread of the process that still has its mm, with task_lock() held. The model returns the task: a thread of the process keeps the mm until its exit_mmap (the race with the last thread\'s exit, which makes it NULL and process_mrelease return -ESRCH, is not modelled); task_lock (the task\'s alloc_lock spinlock, which no other modelled thread takes) is not modelled.',
    run: (_ctx, [task]) => task as Value,
  },
  task_unlock: { shared: false, sleeps: false, doc: 'task_unlock(p): releases task_lock (not modelled, see find_lock_task_mm).', run: () => 0 },
  mmgrab: { shared: false, sleeps: false, doc: 'mmgrab(mm): takes an mm_count reference (not tracked: the victim mm outlives every scenario).', run: () => 0 },
  __task_will_free_mem: {
    shared: false,
    sleeps: false,
    doc: '__task_will_free_mem(task) (mm/oom_kill.c): the process is exiting and will free its memory: not dumping core, and SIGNAL_GROUP_EXIT set (or a lone exiting thread). In a scenario the victim process was sent SIGKILL (by the OOM killer, "oom": true) and never dumps core, so it is true for it (`victim.killed`) and false for a process that was not killed.',
    run: (ctx, [task]) => (ctx.stat(`${String(task)}.killed`) ? 1 : 0),
  },
  down_write_killable: {
    access: (args) => [{ name: nameOf(args[0]), mode: 'w' }],
    locks: true,
    lockKind: 'rwsem',
    shared: true,
    sleeps: true,
    doc: 'down_write_killable(sem) (kernel/locking/rwsem.c, v4.19): like down_write, it takes the semaphore for write if nobody holds it (x86 ____down_write; rwsem_try_write_lock after queueing). Otherwise a task with a fatal signal pending (fatal_signal_pending(current): a thread of the OOM victim) returns -EINTR: __rwsem_down_write_failed_common(TASK_KILLABLE) tries the lock once after queueing, then signal_pending_state() sends it to out_nolock, which takes it off the wait list and, if tasks are still queued, runs __rwsem_mark_wake(RWSEM_WAKE_ANY) (v4.19 line 563 per ../shared/kernel/README.md §9); it never stays queued. A task without one queues and waits as down_write does.',
    wait(ctx, [s]) {
      const key = ref(s, 'down_write_killable');
      const l = ctx.lock(key);
      if (l.kind !== 'rwsem') throw new Error('down_write_killable on a non-rwsem');
      return downOutcome(l, ctx.tid, true, ctx.pending) === 'wait'
        ? ctx.explains
          ? { why: `down_write_killable(&${key}): ${holders(l, (t) => ctx.threadName(t))}`, sleeping: true }
          : SLEEPS
        : null;
    },
    run(ctx, [s]) {
      const key = ref(s, 'down_write_killable');
      const l = ctx.lock(key);
      if (l.kind !== 'rwsem') throw new Error('down_write_killable on a non-rwsem');
      switch (downOutcome(l, ctx.tid, true, ctx.pending)) {
        case 'acquire':
          ctx.setLock(key, rwsem(ctx.tid, l.readers, l.waiters.filter((w) => w.tid !== ctx.tid)));
          return 0;
        case 'queue': {
          const q = enqueue(l, ctx.tid, true, false);
          if (!ctx.stat(`${ctx.task}.fatal_signal`)) {
            ctx.setLock(key, q);
            return PENDING;
          }
          // out_nolock: list_del(&waiter.list); if the list is not empty, __rwsem_mark_wake(RWSEM_WAKE_ANY).
          const left = rwsem(q.writer, q.readers, q.waiters.filter((w) => w.tid !== ctx.tid));
          ctx.setLock(key, left.waiters.length ? markWake(left, 'any') : left);
          return -KERNEL_CONSTANTS.EINTR!;
        }
        case 'wait':
        case 'granted':
          throw new Error('down_write_killable: ran while it must wait');
      }
    },
  },
};

const HPAGE = 2;

/**
 * Mark the pages [start, end) of a VMA freed. Page state is kept per configured VMA (its page
 * table): `freed` has a bit per page of the configured range, whichever VMA object (the configured
 * one or a part munmap split from it) now covers the page; `unmapped` is set once every page of it
 * is freed.
 */
function freePages(ctx: PrimCtx, vma: string, start: number, end: number): void {
  const pt = pagesOf(ctx, vma);
  const base = num(ctx.stat(`${pt}.pages_start`) as Value, 'pages_start');
  const top = num(ctx.stat(`${pt}.pages_end`) as Value, 'pages_end');
  const vs = num(listField(ctx, `${vma}.vm_start`), 'vm_start');
  const ve = num(listField(ctx, `${vma}.vm_end`), 'vm_end');
  let freed = num(ctx.read(`${pt}.freed`), 'freed');
  for (let p = Math.max(start, vs); p < Math.min(end, ve); p++) freed |= 1 << (p - base);
  ctx.write(`${pt}.freed`, freed);
  if (freed === (1 << (top - base)) - 1) ctx.write(`${pt}.unmapped`, 1);
}

/**
 * Whether some VMA of the scenario has a transparent huge page (its `thp` names the huge pmd;
 * scenario.ts). Any VMA's, not only the victim mm's that thpAt() looks at: a superset, so the
 * declaration it decides is never short of what thpAt() reads.
 */
function hasThp(statics: Readonly<Record<string, Value | readonly Value[]>>): boolean {
  for (const k in statics) if (k.endsWith('.thp') && typeof statics[k] === 'string') return true;
  return false;
}

/** Whether pmd number `pmd` maps a configured VMA's transparent huge page that is still whole and mapped. */
function thpAt(ctx: PrimCtx, pmd: number): boolean {
  const mm = ctx.stat('oom.victim_mm');
  const vmas = ctx.stat(`${String(mm)}.vmas`);
  if (!Array.isArray(vmas)) return false;
  for (const v of vmas) {
    const thp = ctx.stat(`${String(v)}.thp`);
    if (typeof thp !== 'string') continue;
    const at = num(ctx.stat(`${thp}.start`) as Value, 'thp');
    if (Math.floor(at / HPAGE) !== pmd) continue;
    if (ctx.read(`${thp}.split`)) return false;
    const base = num(ctx.stat(`${String(v)}.pages_start`) as Value, 'pages_start');
    const freed = num(ctx.read(`${String(v)}.freed`), 'freed');
    return (freed >> (at - base)) % 4 === 0;
  }
  return false;
}

/** The notifier of an `&mn->hlist` reference (the model names a notifier and its hlist_node alike). */
function nodeOf(r: string): string {
  return r.replace(/\.hlist$/, '');
}

/**
 * `n->pprev` of a hashed notifier: the key of the pointer that points to it, the head's
 * `list.first` or the `hlist.next` of the hashed notifier before it. There is one notifier list per
 * scenario (the victim mm's); unhashed notifiers are skipped, since their stale `next` may still
 * point to `n`.
 */
function predecessorLink(ctx: PrimCtx, n: string): string {
  const head = 'mm.mmu_notifier_mm.list';
  if (ctx.read(`${head}.first`) === n) return `${head}.first`;
  const all = ctx.stat(head);
  for (const m of Array.isArray(all) ? all : []) {
    if (ctx.read(`${String(m)}.hashed`) && ctx.read(`${String(m)}.hlist.next`) === n) return `${String(m)}.hlist.next`;
  }
  throw new Error(`hlist_del_init_rcu: hashed notifier ${n} is on no list (the model's list is inconsistent)`);
}

/** The objects of an interval notifier (`<mni>.obj<i>`, with `start` and `last` in the static configuration). */
function intervalObjects(ctx: PrimCtx, mni: string): { id: string; start: number; last: number }[] {
  const out: { id: string; start: number; last: number }[] = [];
  // The objects of a driver's interval notifier that guards its instance's objects (nouveau's: `objects_of`).
  const owner = ctx.stat(`${mni}.objects_of`);
  const base = typeof owner === 'string' ? owner : mni;
  for (let i = 0; ; i++) {
    const id = `${base}.obj${i}`;
    const start = ctx.stat(`${id}.start`);
    const last = ctx.stat(`${id}.last`);
    if (typeof start !== 'number' || typeof last !== 'number') return out;
    out.push({ id, start, last });
  }
}

/** The object of interval notifier `mni` holding page `addr`, if any. */
function objectAt(ctx: PrimCtx, mni: string, addr: number): string | undefined {
  return intervalObjects(ctx, mni).find((o) => o.start <= addr && addr <= o.last)?.id;
}
