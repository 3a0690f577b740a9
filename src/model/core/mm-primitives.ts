/**
 * Leaf primitives of the mm core (mm/memory.c, mm/mmap.c, mm/oom_kill.c, mm/mmu_notifier.c,
 * mm/page_alloc.c) whose bodies the model does not need: what they read and write is stated here.
 */
import { KernelOops, nameOf, num, PENDING, ref, type Access, type Arg, type PrimCtx, type Primitive } from '../primitives.ts';
import type { Value } from '../state.ts';
import { WORKQUEUE_PRIMITIVES } from './workqueue.ts';

/** Constants the core code names. */
export const KERNEL_CONSTANTS: Record<string, Value> = {
  EAGAIN: 11,
  ENOMEM: 12,
  EFAULT: 14,
  EINVAL: 22,
  EINTR: 4,
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
  VM_LOCKED: 0x2000,
  VM_HUGETLB: 0x400000,
  VM_PFNMAP: 0x400,
  MMU_INVALIDATE_DOES_NOT_BLOCK: 1,
  MMU_NOTIFIER_RANGE_BLOCKABLE: 1,
  MMU_NOTIFIER_RANGE_MAYFAIL: 2,
  GFP_KERNEL: 'GFP_KERNEL',
  GFP_HIGHUSER_MOVABLE: 'GFP_HIGHUSER_MOVABLE',
  GFP_NOWAIT: 'GFP_NOWAIT',
  GFP_ATOMIC: 'GFP_ATOMIC',
  VM_FAULT_WRITE: 0x800,
  VM_FAULT_OOM: 0x1,
  FIRST_USER_ADDRESS: 0,
  USER_PGTABLES_CEILING: 0,
};

/** Allocation flags that allow direct reclaim (and so may sleep). */
const SLEEPING_GFP = new Set(['GFP_KERNEL', 'GFP_HIGHUSER_MOVABLE']);

/**
 * Whether the out-of-memory condition of the scenario still holds: `oom.pending` is set while the
 * system is out of memory, until the victim's memory is freed (every reapable VMA unmapped) or
 * MMF_OOM_SKIP lets the OOM killer pick another victim (see docs/model.md, "Memory").
 */
export function oomUnresolved(ctx: PrimCtx): boolean {
  if (!ctx.read('oom.pending')) return false;
  const mm = ctx.stat('oom.victim_mm');
  if (typeof mm !== 'string') return false;
  if (ctx.read(`${mm}.flags.MMF_OOM_SKIP`)) return false;
  const vmas = ctx.stat(`${mm}.vmas`);
  if (!Array.isArray(vmas)) return false;
  return vmas.some((v) => ctx.stat(`${String(v)}.reapable`) && !ctx.read(`${String(v)}.unmapped`));
}

/** An allocation primitive; `gfpArg` is the index of its gfp flags argument. */
export function allocPrimitive(name: string, gfpArg: number, doc: string): Primitive {
  const sleeping = (args: readonly Arg[]): boolean => SLEEPING_GFP.has(String(args[gfpArg]));
  return {
    shared: true,
    sleeps: sleeping,
    access: (): Access[] => [
      { name: 'pending', mode: 'r' },
      { name: 'MMF_OOM_SKIP', mode: 'r' },
      { name: 'unmapped', mode: 'r' },
      { name: 'alloc_can_fail', mode: 'r' },
    ],
    doc: `${name}: ${doc} With a sleeping gfp mask (GFP_KERNEL) it may sleep, and while the system is out of memory it waits until the victim's memory is freed or MMF_OOM_SKIP is set. It fails (returns NULL) only where the scenario allows allocation failure (\`oom.alloc_can_fail\`), and then only while memory is short.`,
    wait(ctx, args) {
      return sleeping(args) && oomUnresolved(ctx)
        ? { why: `${name}(${String(args[gfpArg])}): out of memory, waiting for the OOM victim's memory to be freed or MMF_OOM_SKIP`, sleeping: true }
        : null;
    },
    choices(ctx, args) {
      if (!ctx.read('oom.alloc_can_fail')) return 1;
      // A non-sleeping allocation can fail while memory is short; a sleeping one once the OOM
      // killer gave up on the victim (it is then served, or fails, like any allocation of a dying task).
      return ctx.read('oom.pending') ? 2 : 1;
    },
    run(_ctx, _args, choice) {
      return choice === 0 ? 'allocation' : null;
    },
  };
}

function vmaStat(ctx: PrimCtx, vma: Arg | undefined, field: string): Value {
  const v = ctx.stat(`${ref(vma, field)}.${field}`);
  if (v === undefined || Array.isArray(v)) throw new Error(`VMA ${String(vma)} has no ${field}`);
  return v as Value;
}

export const MM_PRIMITIVES: Record<string, Primitive> = {
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
    access: () => [
      { name: 'freed', mode: 'r' },
      { name: 'split', mode: 'r' },
    ],
    sleeps: false,
    doc: 'pmd_trans_huge(*pmd): whether the pmd maps the VMA\'s transparent huge page (the scenario\'s `thp`), still mapped and not split.',
    run(ctx, [pmd]) {
      return thpAt(ctx, num(pmd, 'pmd_trans_huge')) ? 1 : 0;
    },
  },
  is_swap_pmd: { shared: false, sleeps: false, doc: 'is_swap_pmd(pmd): no swap entries in the model.', run: () => 0 },
  pmd_devmap: { shared: false, sleeps: false, doc: 'pmd_devmap(pmd): no device-mapped pmds in the model.', run: () => 0 },
  zap_huge_pmd: {
    shared: true,
    access: () => [
      { name: 'freed', mode: 'w' },
      { name: 'unmapped', mode: 'w' },
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
    ],
    sleeps: false,
    doc: 'zap_pte_range(tlb, vma, pmd, addr, end, details): frees the pages of [addr, end) (`vma.freed`, a bit per page; `vma.unmapped` once every page is freed) and returns end. The pte walk, rss accounting and TLB batching are not modelled.',
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
  kmalloc: allocPrimitive('kmalloc', 1, 'kmalloc(size, gfp).'),
  kzalloc: allocPrimitive('kzalloc', 1, 'kzalloc(size, gfp).'),
  kmem_cache_zalloc: allocPrimitive('kmem_cache_zalloc', 1, 'kmem_cache_zalloc(cache, gfp).'),
  alloc_page_vma: allocPrimitive('alloc_page_vma', 0, 'alloc_page_vma(gfp, vma, addr): a user page.'),
  pte_offset_map_lock: {
    shared: false,
    sleeps: false,
    doc: 'pte_offset_map_lock(): the page-table lock of one pte (a split ptl nobody else in the model takes).',
    run: () => 'ptl',
  },
  pte_unmap_unlock: { shared: false, sleeps: false, doc: 'pte_unmap_unlock(pte, ptl).', run: () => 0 },
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
    shared: true,
    sleeps: false,
    doc: 'pmd_lock(mm, pmd): takes and returns the pmd\'s page-table spinlock (one per mm in the model: mm->page_table_lock).',
    wait(ctx, [mm]) {
      const k = `${ref(mm, 'pmd_lock')}.page_table_lock`;
      const l = ctx.lock(k);
      return l.kind === 'spin' && l.owner !== -1 ? { why: `pmd_lock(): ${k} held by ${ctx.threadName(l.owner)}`, sleeping: false } : null;
    },
    run(ctx, [mm]) {
      const k = `${ref(mm, 'pmd_lock')}.page_table_lock`;
      ctx.setLock(k, { kind: 'spin', owner: ctx.tid });
      return k;
    },
  },
  find_vma: {
    shared: false,
    sleeps: false,
    doc: 'find_vma(mm, addr): the first VMA ending above addr, from the static VMA list.',
    run(ctx, [mm, addr]) {
      const vmas = ctx.stat(`${ref(mm, 'find_vma')}.vmas`);
      if (!Array.isArray(vmas)) return null;
      return vmas.find((v) => num(ctx.stat(`${String(v)}.vm_end`) as Value, 'vm_end') > num(addr, 'find_vma')) ?? null;
    },
  },
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
      return ctx.evalLazy(c as never) ? null : { why: `wait_event_freezable(${String(wq)}): condition false`, sleeping: true };
    },
    run: () => 0,
  },
  down_write_killable: {
    access: (args) => [{ name: nameOf(args[0]), mode: 'w' }],
    locks: true,
    shared: true,
    sleeps: true,
    doc: 'down_write_killable(sem): like down_write, but a task with a fatal signal pending (every thread of an OOM victim, once killed) gives up with -EINTR instead of sleeping. The model lets a contended call either give up or queue (the kill may or may not have happened yet); a queued task then takes the lock at its turn.',
    wait(ctx, [s]) {
      const key = ref(s, 'down_write_killable');
      const l = ctx.lock(key);
      if (l.kind !== 'rwsem') throw new Error('down_write_killable on a non-rwsem');
      const qi = l.waiters.findIndex((w) => w.tid === ctx.tid);
      if (qi < 0) return null;
      return qi === 0 && l.writer === -1 && l.readers.length === 0 ? null : { why: `down_write_killable(&${key}): queued`, sleeping: true };
    },
    choices(ctx, [s]) {
      const l = ctx.lock(ref(s, 'down_write_killable'));
      if (l.kind !== 'rwsem') return 1;
      const queued = l.waiters.some((w) => w.tid === ctx.tid);
      const contended = l.writer !== -1 || l.readers.length > 0 || l.waiters.length > 0;
      return !queued && contended ? 2 : 1;
    },
    run(ctx, [s], choice) {
      const key = ref(s, 'down_write_killable');
      const l = ctx.lock(key);
      if (l.kind !== 'rwsem') throw new Error('down_write_killable on a non-rwsem');
      const queued = l.waiters.some((w) => w.tid === ctx.tid);
      const contended = l.writer !== -1 || l.readers.length > 0 || l.waiters.length > 0;
      if (!queued && contended) {
        if (choice === 1) return -4; // -EINTR: the fatal signal is pending
        ctx.setLock(key, { ...l, waiters: [...l.waiters, { tid: ctx.tid, write: true }] });
        return PENDING;
      }
      ctx.setLock(key, { ...l, writer: ctx.tid, waiters: l.waiters.filter((w) => w.tid !== ctx.tid) });
      return 0;
    },
  },
};

const HPAGE = 2;

/** Mark the pages [start, end) of a VMA freed; the VMA is unmapped once all its pages are. */
function freePages(ctx: PrimCtx, vma: string, start: number, end: number): void {
  const vs = num(ctx.stat(`${vma}.vm_start`) as Value, 'vm_start');
  const ve = num(ctx.stat(`${vma}.vm_end`) as Value, 'vm_end');
  let freed = num(ctx.read(`${vma}.freed`), 'freed');
  for (let p = Math.max(start, vs); p < Math.min(end, ve); p++) freed |= 1 << (p - vs);
  ctx.write(`${vma}.freed`, freed);
  if (freed === (1 << (ve - vs)) - 1) ctx.write(`${vma}.unmapped`, 1);
}

/** Whether pmd number `pmd` maps a VMA's transparent huge page that is still whole and mapped. */
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
    const vs = num(ctx.stat(`${String(v)}.vm_start`) as Value, 'vm_start');
    const freed = num(ctx.read(`${String(v)}.freed`), 'freed');
    return (freed >> (at - vs)) % 4 === 0;
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
