/**
 * mm/page_alloc.c, mm/vmscan.c, mm/oom_kill.c and the slab entry points: memory allocation as
 * v4.19 has it, reduced to what decides who waits for whom.
 *
 * Every allocation of the model (kmalloc, kzalloc, kmem_cache_zalloc, vzalloc, alloc_page_vma) reaches the
 * page allocator: the slab caches' own free lists are not modelled (a slab allocation that needs a
 * page takes this path; one served from a cached object would be the fast path's success). Read
 * against the exact v4.19 tree (../shared/kernel/README.md §9: `repository 0x88888888/linux-4.19-comments`,
 * mm/page_alloc.c `__alloc_pages_nodemask`, `__alloc_pages_slowpath`, `__gfp_pfmemalloc_flags`,
 * `oom_reserves_allowed`):
 *
 * - the fast path (`get_page_from_freelist` at the low watermark) succeeds unless memory is short;
 * - the slow path retries with the task's reserves: an OOM victim (`tsk_is_oom_victim(current)`)
 *   gets `ALLOC_OOM`, a task in reclaim (`PF_MEMALLOC`) `ALLOC_NO_WATERMARKS`;
 * - a sleeping allocation (`__GFP_DIRECT_RECLAIM`) not already in reclaim runs direct reclaim
 *   (`__alloc_pages_direct_reclaim` -> `try_to_free_pages` -> ... -> `try_to_unmap_one`), which calls
 *   the blockable notifiers of the mm owning the page it unmaps;
 * - then `__alloc_pages_may_oom`: the OOM killer already has a victim, so a task that is not the
 *   victim retries until the victim's memory is freed or MMF_OOM_SKIP is set, while the victim itself
 *   ("Avoid allocations with no watermarks from looping endlessly") gives up: `goto nopage`, NULL.
 *   An OOM victim's allocation never waits for the reaper.
 *
 * The memory the scenario's allocations see (docs/model.md, "Memory"): plenty, unless the scenario
 * says `"oom": true` (short until the victim's memory is freed or MMF_OOM_SKIP is set) or gives
 * `"allocation": { "reclaim": page }` (below the min watermark until a direct reclaim has run, which
 * may unmap that page of the mm). Reserves and non-sleeping allocations fail only where the scenario
 * says `"allocation": { "mayFail": true }` (`allocCanFail`).
 */
import { c, fn, if_, label, type FnDef } from '../../lang/ir.ts';
import { num, type Access, type Arg, type PrimCtx, type Primitive } from '../../lang/primitives.ts';

const PAGE_ALLOC = 'mm/page_alloc.c';
const SOURCE = 'v4.19 mm/page_alloc.c (repository 0x88888888/linux-4.19-comments, ../shared/kernel/README.md §9)';

/** Allocation flags that allow direct reclaim (`__GFP_DIRECT_RECLAIM`), and so may sleep. */
const SLEEPING_GFP = new Set(['GFP_KERNEL', 'GFP_HIGHUSER_MOVABLE']);

/** `alloc_flags` values the reduced C passes (mm/internal.h v4.19). */
export const ALLOC_CONSTANTS = {
  ALLOC_WMARK_MIN: 0,
  ALLOC_WMARK_LOW: 1,
  ALLOC_NO_WATERMARKS: 4,
  ALLOC_OOM: 8,
  PF_MEMALLOC: 0x800,
} as const;

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

/** What deciding "is memory short" reads. */
const OOM_READS: Access[] = [
  { name: 'pending', mode: 'r' },
  { name: 'MMF_OOM_SKIP', mode: 'r' },
  { name: 'unmapped', mode: 'r' },
];

function sleeping(gfp: Arg | undefined): boolean {
  return SLEEPING_GFP.has(String(gfp));
}

export const PAGE_ALLOC_PRIMITIVES: Record<string, Primitive> = {
  gfpflags_allow_blocking: {
    shared: false,
    sleeps: false,
    doc: 'gfpflags_allow_blocking(gfp) (include/linux/gfp.h): !!(gfp & __GFP_DIRECT_RECLAIM); GFP_KERNEL and GFP_HIGHUSER_MOVABLE allow it, GFP_NOWAIT and GFP_ATOMIC do not.',
    run: (_ctx, [gfp]) => (sleeping(gfp) ? 1 : 0),
  },
  might_sleep_if: {
    shared: false,
    sleeps: (args) => Boolean(args[0]),
    doc: 'might_sleep_if(cond) (prepare_alloc_pages: might_sleep_if(gfp_mask & __GFP_DIRECT_RECLAIM)): a might_sleep() site when cond holds.',
    run: () => 0,
  },
  get_page_from_freelist: {
    shared: true,
    sleeps: false,
    access: () => [...OOM_READS, { name: 'below_min', mode: 'r' }, { name: 'may_fail', mode: 'r' }],
    doc:
      'get_page_from_freelist(gfp, order, alloc_flags, ac): a page, or NULL. From the reserves (ALLOC_OOM, ALLOC_NO_WATERMARKS): a page, or NULL where the scenario lets allocations fail (the reserves ran out). At a watermark: NULL while memory is short (the OOM unresolved, or below the min watermark until a direct reclaim has run); otherwise a page. A non-sleeping allocation (GFP_NOWAIT, GFP_ATOMIC) while memory is short gets the reserves atomic allocations may use (ALLOC_HARDER), and so fails only where the scenario lets allocations fail.',
    choices(ctx, [gfp, , flags]) {
      if (!ctx.read('alloc.may_fail')) return 1;
      const f = num(flags as Arg, 'get_page_from_freelist');
      if (f & (ALLOC_CONSTANTS.ALLOC_OOM | ALLOC_CONSTANTS.ALLOC_NO_WATERMARKS)) return 2;
      return !sleeping(gfp) && memoryShort(ctx) ? 2 : 1;
    },
    run(ctx, [gfp, , flags], choice) {
      const f = num(flags as Arg, 'get_page_from_freelist');
      if (f & (ALLOC_CONSTANTS.ALLOC_OOM | ALLOC_CONSTANTS.ALLOC_NO_WATERMARKS)) return choice === 0 ? 'page' : null;
      if (!memoryShort(ctx)) return 'page';
      if (!sleeping(gfp)) return choice === 0 ? 'page' : null;
      return null;
    },
  },
  out_of_memory: {
    shared: true,
    sleeps: true,
    access: () => OOM_READS,
    doc:
      'out_of_memory(&oc), from __alloc_pages_may_oom (v4.19 mm/oom_kill.c): the OOM killer already has a victim. For the victim itself, task_will_free_mem(current) holds: it returns true at once. Any other task finds the victim in oom_evaluate_task() (abort) and, back in __alloc_pages_slowpath, retries (should_reclaim_retry, schedule_timeout_uninterruptible) until the victim\'s memory is freed or MMF_OOM_SKIP lets a new victim be chosen: the model folds that loop into one sleep until the OOM is resolved. Returns true.',
    wait(ctx) {
      if (ctx.stat(`${ctx.task}.signal.oom_mm`)) return null;
      return oomUnresolved(ctx)
        ? { why: "out_of_memory(): the OOM killer waits for its victim's memory to be freed or MMF_OOM_SKIP (the allocation retries until then)", sleeping: true }
        : null;
    },
    run: () => 1,
  },
  mnc_reclaim_reaches_page: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'freed', mode: 'r' }],
    doc:
      'mnc_reclaim_reaches_page(): model-only. Whether this reclaim pass (shrink_page_list on the LRU lists) picks the scenario\'s reclaimable page (allocation.reclaim) and unmaps it through try_to_unmap(): a choice while that page is still mapped (not zapped), else false. Other pages reclaim frees touch no notifier the model has.',
    choices(ctx) {
      return reclaimPageMapped(ctx) ? 2 : 1;
    },
    run: (ctx, _args, choice) => (reclaimPageMapped(ctx) && choice === 1 ? 1 : 0),
  },
  mnc_reclaimed: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'below_min', mode: 'w' }],
    doc: 'mnc_reclaimed(): model-only. Direct reclaim made progress (did_some_progress): the zone is above its min watermark again, so watermark attempts succeed unless the system is out of memory.',
    run(ctx) {
      if (ctx.read('alloc.below_min')) ctx.write('alloc.below_min', 0);
      return 1;
    },
  },
};

function memoryShort(ctx: PrimCtx): boolean {
  return oomUnresolved(ctx) || Boolean(ctx.read('alloc.below_min'));
}

/** Whether the scenario names a reclaimable page and it is still mapped (its page not freed by a zap). */
function reclaimPageMapped(ctx: PrimCtx): boolean {
  const vma = ctx.stat('alloc.reclaim_vma');
  const address = ctx.stat('alloc.reclaim_address');
  if (typeof vma !== 'string' || typeof address !== 'number') return false;
  const start = ctx.stat(`${vma}.vm_start`);
  if (typeof start !== 'number') return false;
  const freed = num(ctx.read(`${vma}.freed`), 'freed');
  return ((freed >> (address - start)) & 1) === 0;
}

// ------------------------------------------------------------------------------------------------
// The entry points: every allocation reaches __alloc_pages_nodemask.

function entry(name: string, file: string, signature: string, params: readonly string[], gfp: string, note: string): FnDef {
  return fn({
    name,
    file,
    version: 'v4.19',
    source: `${note}; the model sends every allocation to the page allocator (the slab caches' free lists are not modelled: docs/model.md, "Memory")`,
    signature,
    params: [...params],
    body: [c(`return __alloc_pages_nodemask(${gfp}, 0, 0, NULL);`)],
  });
}

export const kmalloc = entry('kmalloc', 'include/linux/slab.h', 'static __always_inline void *kmalloc(size_t size, gfp_t flags)', ['size', 'flags'], 'flags', 'kmalloc -> __kmalloc -> slab_alloc -> ... -> __alloc_pages_nodemask when a new slab is needed');
export const kzalloc = entry('kzalloc', 'include/linux/slab.h', 'static inline void *kzalloc(size_t size, gfp_t flags)', ['size', 'flags'], 'flags', 'kzalloc -> kmalloc(size, flags | __GFP_ZERO)');
export const kmemCacheZalloc = entry('kmem_cache_zalloc', 'include/linux/slab.h', 'static inline void *kmem_cache_zalloc(struct kmem_cache *k, gfp_t flags)', ['k', 'flags'], 'flags', 'kmem_cache_zalloc -> kmem_cache_alloc(k, flags | __GFP_ZERO) -> slab_alloc -> ... -> __alloc_pages_nodemask when a new slab is needed');
export const kmemCacheAlloc = entry('kmem_cache_alloc', 'mm/slab.c', 'void *kmem_cache_alloc(struct kmem_cache *cachep, gfp_t flags)', ['cachep', 'flags'], 'flags', 'kmem_cache_alloc -> slab_alloc -> ... -> __alloc_pages_nodemask when a new slab is needed');
export const vzalloc = entry(
  'vzalloc',
  'mm/vmalloc.c',
  'void *vzalloc(unsigned long size)',
  ['size'],
  'GFP_KERNEL',
  'vzalloc -> __vmalloc_node_flags(size, NUMA_NO_NODE, GFP_KERNEL | __GFP_ZERO) -> __vmalloc_node -> __vmalloc_area_node, which allocates the area with kmalloc and each page with alloc_page (GFP_KERNEL): one page allocation stands for them all',
);
export const allocPageVma = entry('alloc_page_vma', 'include/linux/gfp.h', 'struct page *alloc_page_vma(gfp_t gfp_mask, struct vm_area_struct *vma, unsigned long addr)', ['gfp_mask', 'vma', 'addr'], 'gfp_mask', 'alloc_page_vma -> alloc_pages_vma -> __alloc_pages_nodemask');

export const allocPagesNodemask: FnDef = fn({
  name: '__alloc_pages_nodemask',
  file: PAGE_ALLOC,
  version: 'v4.19',
  source: `${SOURCE} __alloc_pages_nodemask(), reduced: the alloc_context (zonelist, nodemask, migratetype), cpusets and the memcg charge are left out; prepare_alloc_pages() keeps its might_sleep_if()`,
  signature: 'struct page *__alloc_pages_nodemask(gfp_t gfp_mask, unsigned int order, int preferred_nid, nodemask_t *nodemask)',
  params: ['gfp_mask', 'order', 'preferred_nid', 'nodemask'],
  body: [
    c('struct page *page;'),
    c('unsigned int alloc_flags = ALLOC_WMARK_LOW;'),
    c('might_sleep_if(gfpflags_allow_blocking(gfp_mask));'),
    c('page = get_page_from_freelist(gfp_mask, order, alloc_flags, &ac);'),
    if_('likely(page)', [c('goto out;')]),
    c('page = __alloc_pages_slowpath(gfp_mask, order, &ac);'),
    label('out'),
    c('return page;'),
  ],
});

export const allocPagesSlowpath: FnDef = fn({
  name: '__alloc_pages_slowpath',
  file: PAGE_ALLOC,
  version: 'v4.19',
  source:
    `${SOURCE} __alloc_pages_slowpath() 4650-4800, reduced: kswapd, compaction, cpusets, costly orders, __GFP_NORETRY/__GFP_RETRY_MAYFAIL and __GFP_NOFAIL are left out; should_reclaim_retry() and __alloc_pages_may_oom() are folded into out_of_memory(), which returns at once for the OOM victim and sleeps for any other task until the OOM is resolved (then the retry succeeds)`,
  signature: 'static inline struct page *__alloc_pages_slowpath(gfp_t gfp_mask, unsigned int order, struct alloc_context *ac)',
  params: ['gfp_mask', 'order', 'ac'],
  body: [
    c('bool can_direct_reclaim = gfpflags_allow_blocking(gfp_mask);'),
    c('struct page *page = NULL;'),
    c('unsigned int alloc_flags;'),
    c('int reserve_flags;'),
    c('alloc_flags = ALLOC_WMARK_MIN;'),
    label('retry'),
    c('reserve_flags = __gfp_pfmemalloc_flags(gfp_mask);'),
    if_('reserve_flags', [c('alloc_flags = reserve_flags;')]),
    c('page = get_page_from_freelist(gfp_mask, order, alloc_flags, ac);'),
    if_('page', [c('goto got_pg;')]),
    if_('!can_direct_reclaim', [c('goto nopage;')]),
    if_('current->flags & PF_MEMALLOC', [c('goto nopage;')]),
    c('page = __alloc_pages_direct_reclaim(gfp_mask, order, alloc_flags, ac);'),
    if_('page', [c('goto got_pg;')]),
    c('out_of_memory(&oc);'),
    if_('tsk_is_oom_victim(current) && (alloc_flags == ALLOC_OOM)', [c('goto nopage;')]),
    c('goto retry;'),
    label('nopage'),
    c('warn_alloc(gfp_mask, ac->nodemask, "page allocation failure: order:%u", order);'),
    c('return NULL;'),
    label('got_pg'),
    c('return page;'),
  ],
});

export const gfpPfmemallocFlags: FnDef = fn({
  name: '__gfp_pfmemalloc_flags',
  file: PAGE_ALLOC,
  version: 'v4.19',
  source: `${SOURCE} __gfp_pfmemalloc_flags() 4354-4385, reduced: __GFP_NOMEMALLOC, __GFP_MEMALLOC and the softirq case are left out (no modelled allocation uses them)`,
  signature: 'static inline int __gfp_pfmemalloc_flags(gfp_t gfp_mask)',
  params: ['gfp_mask'],
  body: [
    if_('!in_interrupt()', [
      if_('current->flags & PF_MEMALLOC', [c('return ALLOC_NO_WATERMARKS;')]),
      if_('oom_reserves_allowed(current)', [c('return ALLOC_OOM;')]),
    ]),
    c('return 0;'),
  ],
});

export const oomReservesAllowed: FnDef = fn({
  name: 'oom_reserves_allowed',
  file: PAGE_ALLOC,
  version: 'v4.19',
  source: `${SOURCE} oom_reserves_allowed() (CONFIG_MMU)`,
  signature: 'static bool oom_reserves_allowed(struct task_struct *tsk)',
  params: ['tsk'],
  body: [if_('!tsk_is_oom_victim(tsk)', [c('return false;')]), c('return true;')],
});

export const allocPagesDirectReclaim: FnDef = fn({
  name: '__alloc_pages_direct_reclaim',
  file: PAGE_ALLOC,
  version: 'v4.19',
  source: `${SOURCE} __alloc_pages_direct_reclaim() and __perform_reclaim(), reduced: the drain_all_pages() retry and the psi/cpuset bookkeeping are left out; memalloc_noreclaim_save()/restore() written out as their bodies (include/linux/sched/mm.h)`,
  signature: 'static inline struct page *__alloc_pages_direct_reclaim(gfp_t gfp_mask, unsigned int order, unsigned int alloc_flags, const struct alloc_context *ac, unsigned long *did_some_progress)',
  params: ['gfp_mask', 'order', 'alloc_flags', 'ac'],
  body: [
    c('struct page *page = NULL;'),
    c('unsigned int noreclaim_flag;'),
    c('cond_resched();'),
    c('noreclaim_flag = current->flags & PF_MEMALLOC;'),
    c('current->flags |= PF_MEMALLOC;'),
    c('progress = try_to_free_pages(ac->zonelist, order, gfp_mask, ac->nodemask);'),
    c('current->flags = (current->flags & ~PF_MEMALLOC) | noreclaim_flag;'),
    c('cond_resched();'),
    if_('unlikely(!progress)', [c('return NULL;')]),
    c('page = get_page_from_freelist(gfp_mask, order, alloc_flags, ac);'),
    c('return page;'),
  ],
});

export const tryToFreePages: FnDef = fn({
  name: 'try_to_free_pages',
  file: 'mm/vmscan.c',
  version: 'v4.19',
  source:
    'v4.19 mm/vmscan.c try_to_free_pages() -> do_try_to_free_pages() -> shrink_zones() -> shrink_node() -> shrink_page_list() -> try_to_unmap() -> rmap_walk() -> try_to_unmap_one(), reduced to the one page of the mm the scenario lets reclaim take (allocation.reclaim); every other page reclaim frees is outside the model',
  signature: 'unsigned long try_to_free_pages(struct zonelist *zonelist, int order, gfp_t gfp_mask, nodemask_t *nodemask)',
  params: ['zonelist', 'order', 'gfp_mask', 'nodemask'],
  body: [
    if_('mnc_reclaim_reaches_page()', [c('try_to_unmap_one(alloc->reclaim_page, alloc->reclaim_vma, alloc->reclaim_address);')]),
    c('return mnc_reclaimed();'),
  ],
});

/** Every function of the allocator, linked into every core version. */
export const PAGE_ALLOC_FNS: readonly FnDef[] = [
  kmalloc,
  kzalloc,
  kmemCacheZalloc,
  kmemCacheAlloc,
  vzalloc,
  allocPageVma,
  allocPagesNodemask,
  allocPagesSlowpath,
  gfpPfmemallocFlags,
  oomReservesAllowed,
  allocPagesDirectReclaim,
  tryToFreePages,
];

/** Global objects the allocator names that hold no modelled state. */
export const PAGE_ALLOC_GLOBALS: readonly string[] = ['ac', 'oc', 'vm_area_cachep'];
