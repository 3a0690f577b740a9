/**
 * KVM's mmu notifier as v6.6 has it (virt/kvm/kvm_main.c, include/linux/kvm_host.h, x86
 * arch/x86/kvm/mmu/mmu.c) and the x86 TDP MMU fault path of a vCPU: the variant `kvm@v6.6` of
 * src/model/kernel/drivers/kvm.ts. A classic hlist notifier with a start and an end: the start never
 * fails and in a non-blockable range only passes `may_block = false` down to the arch zap; the
 * count/sequence protocol is v4.19's under new names (`mmu_invalidate_in_progress`,
 * `mmu_invalidate_seq`, the invalidated range `mmu_invalidate_range_start/_end`), and the fault's
 * check (`is_page_fault_stale` -> `mmu_invalidate_retry_hva`) now also tests whether the faulting hva
 * lies in the range being invalidated.
 *
 * Sources (index ids are the search tool's). No repository copy of a 6.6 kvm_main.c mmu-notifier
 * section was found (issue14-research.md §5.7); the 6.6 text is read in the patch mails that bracket
 * it: the `-` lines of Chao Peng's "[PATCH v10 5/9] KVM: Use gfn instead of hva for
 * mmu_notifier_retry" (2 Dec 2022, index id 31395498938: the v6.1 text of
 * `kvm_mmu_invalidate_begin/end(kvm, start, end)`, `mmu_invalidate_retry_hva()` and
 * `is_page_fault_stale()`'s call of it) and of the guest_memfd series' later rounds
 * (index ids 38670898028 and 6159558395, 2023, against a tree with v6.6's
 * `range->on_lock(kvm, range->start, range->end)` in `__kvm_handle_hva_range()` and the hva-based
 * begin/end, which the series replaced in v6.8); `__kvm_handle_hva_range()`'s lock elision from
 * Sean Christopherson's 2021 patch (index id 2020071704) and its memslot walk from the copy of index
 * id 28436955765; the invalidate start/end bodies from the 5.17-6.0 copy
 * (kernelorg-mirror/linux_kernel_git_sashal_linux-stable @ 46c9c78bf8e1, index id 11411381303, with
 * v6.1's `kvm_mmu_invalidate_begin` naming) and the newest text (index id 203102885), which agree on
 * every statement the model runs but the names; x86 `kvm_unmap_gfn_range()` from the patch of index id
 * 39707742747 (June 2023, merged for v6.6: `kvm_x86_ops.set_apic_access_page_addr &&`);
 * `kvm_tdp_mmu_page_fault()` from the context of index id 12240424675 (a 2023 patch against the
 * v6.3-v6.7 text) and `kvm_faultin_pfn()` from index ids 37667089802 and 42206460208. Where these
 * differ from each other only in lines the model does not run (tracepoints, the `pte`/`arg` field
 * change_pte uses), the statement is left out and said so.
 *
 * Objects, as for the older variants: each object is a memslot whose sptes count as one unit
 * (`obj.mapped`), mapping guest page g to host page g. Shared state per instance `id`:
 * `id.mmu_invalidate_in_progress` (balanced), `id.mmu_invalidate_seq`, `id.mmu_invalidate_range_start`
 * and `_end`, `id.mn_active_invalidate_count` (balanced), locks `id.mmu_lock` and
 * `id.mn_invalidate_lock`.
 *
 * Abstractions (docs/model.md, "KVM as of v6.6"):
 * - `kvm->mmu_lock` is an rwlock on x86 (`KVM_HAVE_MMU_RWLOCK`: the invalidation takes it for write
 *   through `KVM_MMU_LOCK`, the TDP MMU fault for read); the model runs `write_lock`/`read_lock` as
 *   an exclusive spinlock, so two TDP faults do not hold it at once (no property depends on two faults
 *   interleaving inside it; each still excludes every invalidation, as in the kernel).
 * - `__kvm_handle_hva_range()` is `__always_inline`; the model runs it once, with its handlers
 *   called through the `struct kvm_hva_range` on the caller's stack, as the C reads. Its memslot walk
 *   (`kvm_for_each_memslot_in_hva_range` over the interval tree of address space 0) visits the
 *   scenario's memslots overlapping the range in address order; `KVM_ADDRESS_SPACE_NUM` is 1 (no
 *   SMM address space).
 * - The arch zap `kvm_tdp_mmu_unmap_gfn_range()` is one step that clears the sptes of the range in the
 *   memslot and returns whether one was present. With `range->may_block` it may yield
 *   `mmu_lock` (`tdp_mmu_iter_cond_resched()`), a reschedule the model leaves out: a yield drops the
 *   lock and cannot make a non-blockable caller sleep (may_block is false exactly there). The
 *   shadow-MMU rmaps (`kvm_memslots_have_rmaps()`) are not in use (a TDP guest without nested
 *   shadow paging), and no memslot is the APIC-access page's.
 * - `gfn_to_pfn_cache_invalidate_start()` finds no pfn cache (none in scenarios);
 *   `kvm_arch_guest_memory_reclaimed()` (SEV's cache flush) changes nothing modelled;
 *   `rcuwait_wake_up()` wakes no memslot update (none in scenarios).
 * - Thread `tdp_fault` (parameters `address`, `retries` = 1): as for the older variants, the model's
 *   entry re-enters the guest after RET_PF_RETRY at most `retries` times; each fault runs
 *   `kvm_tdp_mmu_page_fault()` with its `struct kvm_page_fault` on the entry's stack (the fields
 *   the path reads). The pfn lookup `__kvm_faultin_pfn()` may sleep and gives `fault->hva` = the
 *   gfn's host page (identity memslots); async page faults are not modelled; `kvm_tdp_mmu_map()`
 *   installs the spte (`obj.mapped = 1`). The roots are never obsolete.
 * - No `->release`: kvm@v6.6 is not given `kvm_mmu_notifier_release` (no 6.6 text of
 *   `kvm_mmu_zap_all()` was checked); a scenario with exit_mmap calls no release for it.
 */
import type { DriverThreadDef, InstanceState, ObjectRange, ThreadBuildContext, VariantDef } from '../driver.ts';
import { mappedMem, objectStatics } from '../driver.ts';
import { c, cAs, else_, fn, shown, for_, if_, ifAs, label, parseExpr, while_, type FnDef, type Stmt } from '../../lang/ir.ts';
import { num, ref, type PrimCtx, type Primitive } from '../../lang/primitives.ts';
import { MAX_PAGE, type Value } from '../../lang/state.ts';

const KVM_MAIN = 'virt/kvm/kvm_main.c';
const KVM_HOST = 'include/linux/kvm_host.h';
const MMU = 'arch/x86/kvm/mmu/mmu.c';
const V = 'v6.6';

const SRC_MAIN =
  'no 6.6 repository copy: the - lines of the patch mails that bracket it (index ids 31395498938, v6.1; 38670898028 and 6159558395, the 2023 guest_memfd rounds against the v6.6 text), the 5.17-6.0 copy kernelorg-mirror/linux_kernel_git_sashal_linux-stable @ 46c9c78bf8e1 (index id 11411381303) and the newest text (index id 203102885), which agree on every statement run here but for the names';
const SRC_HOST = 'the - lines of "[PATCH v10 5/9] KVM: Use gfn instead of hva for mmu_notifier_retry" (index id 31395498938): the v6.1-v6.7 text';
const SRC_MMU = 'arch/x86/kvm/mmu/mmu.c of v6.6, read in the 2023 patch mails whose context it is (index ids 39707742747, 12240424675, 37667089802)';

/** An expression statement with the kernel's C text and the model's expressions for it. */
function lowered(text: string, ...model: string[]): Stmt {
  return { s: 'expr', src: { text: `${text} /* model: ${model.join('; ')} */` }, exprs: model.map((m) => parseExpr(m)) };
}

const noop = (doc: string, value: Value = 0, sleeps = false): Primitive => ({ shared: false, sleeps, doc, run: () => value });

/** The memslots (objects) of KVM instance `kvm` overlapping [start, last], in address order. */
function slotsIn(ctx: PrimCtx, kvm: string, start: number, last: number): string[] {
  const slots = ctx.stat(`${kvm}.memslots`);
  return (Array.isArray(slots) ? slots : []).filter((o) => (ctx.stat(`${String(o)}.start`) as number) <= last && start <= (ctx.stat(`${String(o)}.last`) as number)) as string[];
}

/** The KVM instance whose memslots list is `slots` (`kvm0.memslots`: `kvm0`). */
const kvmOfSlots = (slots: string): string => slots.replace(/\.memslots$/, '');

/**
 * The primitives of kvm@v6.6 beyond the older variants' (kvm.ts adds those: BUG_ON,
 * kvm_flush_remote_tlbs, ept_violation, page_fault_handle_page_track, kvm_release_pfn_clean,
 * kvm_make_all_cpus_request; `fast_page_fault` is overridden: v6.6 returns RET_PF_INVALID).
 */
export const KVM66_PRIMITIVES: Readonly<Record<string, Primitive>> = {
  trace_kvm_unmap_hva_range: noop('tracepoint'),
  gfn_to_pfn_cache_invalidate_start: noop('gfn_to_pfn_cache_invalidate_start(kvm, start, end, may_block) (virt/kvm/pfncache.c): invalidates the gfn_to_pfn caches whose hva lies in the range; no scenario has one: nothing to do. Never sleeps (spin and write locks of each cache).'),
  IS_KVM_NULL_FN: { shared: false, sleeps: false, doc: 'IS_KVM_NULL_FN(fn): ((fn) == (void *)kvm_null_fn).', run: (_ctx, [f]) => (f === 'kvm_null_fn' ? 1 : 0) },
  __kvm_memslots: { shared: false, sleeps: false, doc: '__kvm_memslots(kvm, as_id): the memslots of address space as_id (the model has one: `<kvm>.memslots`, static).', run: (_ctx, [k]) => `${ref(k, '__kvm_memslots')}.memslots` },
  kvm_for_each_memslot_in_hva_range: {
    shared: false,
    sleeps: false,
    doc: 'kvm_for_each_memslot_in_hva_range(node, slots, start, last) (include/linux/kvm_host.h): walks the memslots whose hva range overlaps [start, last], in address order (static: the scenario\'s objects).',
    run: (ctx, [s, a, b]) => slotsIn(ctx, kvmOfSlots(ref(s, 'kvm_for_each_memslot_in_hva_range')), num(a, 'start'), num(b, 'last')),
    iterate(ctx, [s, a, b], pos) {
      const es = slotsIn(ctx, kvmOfSlots(ref(s, 'kvm_for_each_memslot_in_hva_range')), num(a, 'start'), num(b, 'last'));
      if (pos === undefined) return es[0] ?? null;
      const i = es.indexOf(pos as string);
      return i >= 0 ? (es[i + 1] ?? null) : null;
    },
  },
  hva_to_gfn_memslot: { shared: false, sleeps: false, doc: 'hva_to_gfn_memslot(hva, slot): slot->base_gfn + ((hva - slot->userspace_addr) >> PAGE_SHIFT); the model\'s memslots map host page g to guest page g: hva.', run: (_ctx, [h]) => num(h, 'hva_to_gfn_memslot') },
  kvm_memslots_have_rmaps: noop('kvm_memslots_have_rmaps(kvm): whether the shadow MMU\'s rmaps are allocated; a TDP guest without nested shadow paging has none: false.'),
  kvm_tdp_mmu_unmap_gfn_range: {
    shared: true,
    sleeps: false,
    lazy: [1],
    access: () => [{ name: 'mapped', mode: 'w' }],
    doc: 'kvm_tdp_mmu_unmap_gfn_range(kvm, range, flush) (arch/x86/kvm/mmu/tdp_mmu.c), under mmu_lock held for write: zaps the TDP sptes of [range->start, range->end) in range->slot (`obj.mapped = 0`) and returns flush, or true when one was present. With range->may_block it may yield mmu_lock between sptes (tdp_mmu_iter_cond_resched), not modelled; it never yields without it.',
    run(ctx, [, range, flush]) {
      const slot = String(ctx.evalLazy({ k: 'field', obj: range as never, field: 'slot' }));
      let f = flush !== 0 && flush !== null ? 1 : 0;
      if (ctx.read(`${slot}.mapped`)) {
        ctx.write(`${slot}.mapped`, 0);
        f = 1;
      }
      return f;
    },
  },
  kvm_x86_guest_memory_reclaimed: noop('static_call_cond(kvm_x86_guest_memory_reclaimed)(kvm) (x86): SEV\'s WBINVD of the reclaimed memory, none without SEV; nothing modelled. Never sleeps.'),
  kvm_handle_error_pfn: noop('kvm_handle_error_pfn(vcpu, fault): never reached (the model\'s pfns are good).'),
  kvm_handle_noslot_fault: noop('kvm_handle_noslot_fault(vcpu, fault, access): never reached (the thread\'s address lies in a memslot).'),
  kvm_flush_remote_tlbs: noop('kvm_flush_remote_tlbs(kvm) (virt/kvm/kvm_main.c, v6.6): the arch flush hook or kvm_make_all_cpus_request(kvm, KVM_REQ_TLB_FLUSH), which waits for the IPIs with preemption disabled (spins, never sleeps). Guest TLBs are not modelled: the mapping ended at the zap (v6.6 has no tlbs_dirty).'),
  rcuwait_wake_up: noop('rcuwait_wake_up(&kvm->mn_memslots_update_rcuwait): wakes a memslot update waiting for the invalidations to end; none in scenarios.'),
  root_to_sp: noop('root_to_sp(vcpu->arch.mmu->root.hpa): the shadow page of the vCPU\'s root (its identity is not modelled).', 'root'),
  is_obsolete_sp: noop('is_obsolete_sp(kvm, sp): whether a memslot update made the root obsolete; no scenario updates memslots: false.'),
  kvm_test_request: noop('kvm_test_request(req, vcpu): no request is pending: false.'),
  fast_page_fault: noop('fast_page_fault(vcpu, fault): the lockless fix-up of a present spte; the modelled fault is on a not-present spte: RET_PF_INVALID.', 3),
  is_error_pfn: noop('is_error_pfn(pfn): the model\'s pfns are good: false.'),
  __kvm_faultin_pfn: noop(
    '__kvm_faultin_pfn(vcpu, fault) (arch/x86/kvm/mmu/mmu.c): the pfn lookup (__gfn_to_pfn_memslot -> hva_to_pfn -> get_user_pages, which may fault the page in and sleep); RET_PF_CONTINUE (synchronous; async page faults are not modelled). The pfn is not tracked; fault->hva is the gfn\'s host page (set by the statement).',
    0,
    true,
  ),
  kvm_tdp_mmu_map: {
    shared: true,
    sleeps: false,
    lazy: [1],
    access: () => [{ name: 'mapped', mode: 'w' }],
    doc: 'kvm_tdp_mmu_map(vcpu, fault) (arch/x86/kvm/mmu/tdp_mmu.c), under mmu_lock held for read: installs the spte of fault->gfn (`obj.mapped = 1` for the memslot containing it); returns RET_PF_FIXED. Never sleeps.',
    run(ctx, [, fault]) {
      const slot = String(ctx.evalLazy({ k: 'field', obj: fault as never, field: 'slot' }));
      ctx.write(`${slot}.mapped`, 1);
      return 4;
    },
  },
  mnc_kvm_memslot: {
    shared: false,
    sleeps: false,
    doc: 'Model-only: kvm_vcpu_gfn_to_memslot(vcpu, gfn): the memslot (object) of the vCPU\'s KVM holding gfn.',
    run(ctx, [vcpu, gfn]) {
      const kvm = ctx.stat(`${ref(vcpu, 'mnc_kvm_memslot')}.kvm`) as string;
      const g = num(gfn, 'mnc_kvm_memslot');
      return slotsIn(ctx, kvm, g, g)[0] ?? null;
    },
  },
};

// ------------------------------------------------------------------------------------------------
// virt/kvm/kvm_main.c.

const mmuNotifierToKvm: FnDef = fn({
  name: 'mmu_notifier_to_kvm',
  file: KVM_MAIN,
  version: V,
  source: `${SRC_MAIN}; unchanged since v4.19`,
  signature: 'static inline struct kvm *mmu_notifier_to_kvm(struct mmu_notifier *mn)',
  params: ['mn'],
  body: [c('return container_of(mn, struct kvm, mmu_notifier);')],
});

const nullFn: FnDef = fn({
  name: 'kvm_null_fn',
  file: KVM_MAIN,
  version: V,
  source: SRC_MAIN,
  signature: 'static void kvm_null_fn(void)',
  params: [],
  body: [],
});

/** The fields of `struct kvm_hva_range` the model keeps (the `pte`/`arg` of change_pte left out). */
export const HVA_RANGE = ['start', 'end', 'handler', 'on_lock', 'on_unlock', 'flush_on_ret', 'may_block'];
/** The fields of `struct kvm_gfn_range` the model keeps. */
export const GFN_RANGE = ['slot', 'start', 'end', 'may_block'];
/** The fields of `struct kvm_page_fault` the fault path reads. */
export const PAGE_FAULT = ['addr', 'gfn', 'slot', 'hva', 'pfn', 'mmu_seq'];

export const handleHvaRange: FnDef = fn({
  name: '__kvm_handle_hva_range',
  file: KVM_MAIN,
  version: V,
  source: `${SRC_MAIN}; the lock elision of index id 2020071704, the memslot walk of index id 28436955765. The memslot's container_of through hva_node[slots->node_idx] runs as slot = node; gfn_range.pte is left out (change_pte only); KVM_MMU_LOCK is write_lock(&kvm->mmu_lock) on x86`,
  signature: 'static __always_inline int __kvm_handle_hva_range(struct kvm *kvm, const struct kvm_hva_range *range)',
  params: ['kvm', 'range'],
  stack: { gfn_range: GFN_RANGE },
  body: [
    c('bool ret = false, locked = false;'),
    c('struct kvm_gfn_range gfn_range;'),
    c('struct kvm_memory_slot *slot;'),
    c('struct kvm_memslots *slots;'),
    c('int i, idx;'),
    if_('WARN_ON_ONCE(range->end <= range->start)', [c('return 0;')]),
    if_('WARN_ON_ONCE(IS_KVM_NULL_FN(range->on_lock) && IS_KVM_NULL_FN(range->handler))', [c('return 0;')]),
    c('idx = srcu_read_lock(&kvm->srcu);'),
    for_('i = 0', 'i < KVM_ADDRESS_SPACE_NUM', 'i++', [
        c('slots = __kvm_memslots(kvm, i);'),
        {
          s: 'foreach',
          src: { text: 'kvm_for_each_memslot_in_hva_range(node, slots, range->start, range->end - 1)' },
          var: 'node',
          list: parseExpr('kvm_for_each_memslot_in_hva_range(slots, range->start, range->end - 1)'),
          body: [
            c('unsigned long hva_start, hva_end;'),
            cAs('slot = container_of(node, struct kvm_memory_slot, hva_node[slots->node_idx]);', 'slot = node'),
            c('hva_start = max(range->start, slot->userspace_addr);'),
            c('hva_end = min(range->end, slot->userspace_addr + (slot->npages << PAGE_SHIFT));'),
            c('gfn_range.may_block = range->may_block;'),
            c('gfn_range.start = hva_to_gfn_memslot(hva_start, slot);'),
            c('gfn_range.end = hva_to_gfn_memslot(hva_end + PAGE_SIZE - 1, slot);'),
            c('gfn_range.slot = slot;'),
            if_('!locked', [
              c('locked = true;'),
              cAs('KVM_MMU_LOCK(kvm);', 'write_lock(&kvm->mmu_lock)'),
              if_('!IS_KVM_NULL_FN(range->on_lock)', [c('range->on_lock(kvm, range->start, range->end);')]),
              if_('IS_KVM_NULL_FN(range->handler)', [c('break;')]),
            ]),
            c('ret |= range->handler(kvm, &gfn_range);'),
          ],
        },
    ]),
    if_('range->flush_on_ret && ret', [c('kvm_flush_remote_tlbs(kvm);')]),
    if_('locked', [
      cAs('KVM_MMU_UNLOCK(kvm);', 'write_unlock(&kvm->mmu_lock)'),
      if_('!IS_KVM_NULL_FN(range->on_unlock)', [c('range->on_unlock(kvm);')]),
    ]),
    c('srcu_read_unlock(&kvm->srcu, idx);'),
    c('return (int)ret;'),
  ],
});

/** on_unlock of the start: the arch hook, through a pointer as the C calls it. */
const guestMemoryReclaimed: FnDef = fn({
  name: 'kvm_arch_guest_memory_reclaimed',
  file: 'arch/x86/kvm/x86.c',
  version: V,
  source: `${SRC_MAIN}; x86's body: static_call_cond(kvm_x86_guest_memory_reclaimed)(kvm), a primitive (SEV's cache flush, nothing modelled)`,
  signature: 'void kvm_arch_guest_memory_reclaimed(struct kvm *kvm)',
  params: ['kvm'],
  body: [cAs('static_call_cond(kvm_x86_guest_memory_reclaimed)(kvm);', 'kvm_x86_guest_memory_reclaimed(kvm)')],
});

export const invalidateBegin: FnDef = fn({
  name: 'kvm_mmu_invalidate_begin',
  file: KVM_MAIN,
  version: V,
  source: `${SRC_MAIN}; the comments are left out`,
  signature: 'void kvm_mmu_invalidate_begin(struct kvm *kvm, unsigned long start, unsigned long end)',
  params: ['kvm', 'start', 'end'],
  body: [
    c('kvm->mmu_invalidate_in_progress++;'),
    if_(
      'likely(kvm->mmu_invalidate_in_progress == 1)',
      [c('kvm->mmu_invalidate_range_start = start;'), c('kvm->mmu_invalidate_range_end = end;')],
      else_([c('kvm->mmu_invalidate_range_start = min(kvm->mmu_invalidate_range_start, start);'), c('kvm->mmu_invalidate_range_end = max(kvm->mmu_invalidate_range_end, end);')]),
    ),
  ],
});

export const invalidateEnd: FnDef = fn({
  name: 'kvm_mmu_invalidate_end',
  file: KVM_MAIN,
  version: V,
  source: `${SRC_MAIN}; the comments are left out`,
  signature: 'void kvm_mmu_invalidate_end(struct kvm *kvm, unsigned long start, unsigned long end)',
  params: ['kvm', 'start', 'end'],
  body: [c('kvm->mmu_invalidate_seq++;'), c('smp_wmb();'), c('kvm->mmu_invalidate_in_progress--;')],
});

export const start66: FnDef = fn({
  name: 'kvm_mmu_notifier_invalidate_range_start',
  file: KVM_MAIN,
  version: V,
  source: `${SRC_MAIN}. The designated initialiser of the struct kvm_hva_range on the stack runs as one assignment per field the model keeps (.pte = __pte(0), for change_pte, is left out); the comments are left out`,
  signature: 'static int kvm_mmu_notifier_invalidate_range_start(struct mmu_notifier *mn, const struct mmu_notifier_range *range)',
  params: ['mn', 'range'],
  stack: { hva_range: HVA_RANGE },
  body: [
    c('struct kvm *kvm = mmu_notifier_to_kvm(mn);'),
    lowered(
      'const struct kvm_hva_range hva_range = { .start = range->start, .end = range->end, .pte = __pte(0), .handler = kvm_unmap_gfn_range, .on_lock = kvm_mmu_invalidate_begin, .on_unlock = kvm_arch_guest_memory_reclaimed, .flush_on_ret = true, .may_block = mmu_notifier_range_blockable(range), };',
      'hva_range.start = range->start',
      'hva_range.end = range->end',
      'hva_range.handler = kvm_unmap_gfn_range',
      'hva_range.on_lock = kvm_mmu_invalidate_begin',
      'hva_range.on_unlock = kvm_arch_guest_memory_reclaimed',
      'hva_range.flush_on_ret = true',
      'hva_range.may_block = mmu_notifier_range_blockable(range)',
    ),
    c('trace_kvm_unmap_hva_range(range->start, range->end);'),
    c('spin_lock(&kvm->mn_invalidate_lock);'),
    c('kvm->mn_active_invalidate_count++;'),
    c('spin_unlock(&kvm->mn_invalidate_lock);'),
    c('gfn_to_pfn_cache_invalidate_start(kvm, range->start, range->end, hva_range.may_block);'),
    c('__kvm_handle_hva_range(kvm, &hva_range);'),
    c('return 0;'),
  ],
});

export const end66: FnDef = fn({
  name: 'kvm_mmu_notifier_invalidate_range_end',
  file: KVM_MAIN,
  version: V,
  source: `${SRC_MAIN}. The designated initialiser runs as one assignment per field the model keeps; the comments are left out. BUG_ON(cond) records kvm->bug as in the older variants`,
  signature: 'static void kvm_mmu_notifier_invalidate_range_end(struct mmu_notifier *mn, const struct mmu_notifier_range *range)',
  params: ['mn', 'range'],
  stack: { hva_range: HVA_RANGE },
  body: [
    c('struct kvm *kvm = mmu_notifier_to_kvm(mn);'),
    lowered(
      'const struct kvm_hva_range hva_range = { .start = range->start, .end = range->end, .pte = __pte(0), .handler = (void *)kvm_null_fn, .on_lock = kvm_mmu_invalidate_end, .on_unlock = (void *)kvm_null_fn, .flush_on_ret = false, .may_block = mmu_notifier_range_blockable(range), };',
      'hva_range.start = range->start',
      'hva_range.end = range->end',
      'hva_range.handler = kvm_null_fn',
      'hva_range.on_lock = kvm_mmu_invalidate_end',
      'hva_range.on_unlock = kvm_null_fn',
      'hva_range.flush_on_ret = false',
      'hva_range.may_block = mmu_notifier_range_blockable(range)',
    ),
    c('bool wake;'),
    c('__kvm_handle_hva_range(kvm, &hva_range);'),
    c('spin_lock(&kvm->mn_invalidate_lock);'),
    c('wake = (--kvm->mn_active_invalidate_count == 0);'),
    c('spin_unlock(&kvm->mn_invalidate_lock);'),
    if_('wake', [c('rcuwait_wake_up(&kvm->mn_memslots_update_rcuwait);')]),
    c('BUG_ON(kvm->mmu_invalidate_in_progress < 0);'),
  ],
});

// ------------------------------------------------------------------------------------------------
// arch/x86/kvm/mmu/mmu.c and include/linux/kvm_host.h.

export const unmapGfnRange: FnDef = fn({
  name: 'kvm_unmap_gfn_range',
  file: MMU,
  version: V,
  source: `${SRC_MMU}. tdp_mmu_enabled is true (x86-64 with TDP); no memslot of a scenario is APIC_ACCESS_PAGE_PRIVATE_MEMSLOT`,
  signature: 'bool kvm_unmap_gfn_range(struct kvm *kvm, struct kvm_gfn_range *range)',
  params: ['kvm', 'range'],
  body: [
    c('bool flush = false;'),
    if_('kvm_memslots_have_rmaps(kvm)', [cAs('flush = kvm_handle_gfn_range(kvm, range, kvm_zap_rmap);', 'flush = false')]),
    ifAs('tdp_mmu_enabled', '1', [c('flush = kvm_tdp_mmu_unmap_gfn_range(kvm, range, flush);')]),
    ifAs('kvm_x86_ops.set_apic_access_page_addr && range->slot->id == APIC_ACCESS_PAGE_PRIVATE_MEMSLOT', '0', [c('kvm_make_all_cpus_request(kvm, KVM_REQ_APIC_PAGE_RELOAD);')]),
    c('return flush;'),
  ],
});

export const invalidateRetryHva: FnDef = fn({
  name: 'mmu_invalidate_retry_hva',
  file: KVM_HOST,
  version: V,
  source: `${SRC_HOST}; the comment is left out`,
  signature: 'static inline int mmu_invalidate_retry_hva(struct kvm *kvm, unsigned long mmu_seq, unsigned long hva)',
  params: ['kvm', 'mmu_seq', 'hva'],
  body: [
    c('lockdep_assert_held(&kvm->mmu_lock);'),
    if_('unlikely(kvm->mmu_invalidate_in_progress) && hva >= kvm->mmu_invalidate_range_start && hva < kvm->mmu_invalidate_range_end', [c('return 1;')]),
    if_('kvm->mmu_invalidate_seq != mmu_seq', [c('return 1;')]),
    c('return 0;'),
  ],
});

const isPageFaultStale: FnDef = fn({
  name: 'is_page_fault_stale',
  file: MMU,
  version: V,
  source: `${SRC_MMU}; the comments are left out`,
  signature: 'static bool is_page_fault_stale(struct kvm_vcpu *vcpu, struct kvm_page_fault *fault)',
  params: ['vcpu', 'fault'],
  body: [
    c('struct kvm_mmu_page *sp = root_to_sp(vcpu->arch.mmu->root.hpa);'),
    if_('sp && is_obsolete_sp(vcpu->kvm, sp)', [c('return true;')]),
    if_('!sp && kvm_test_request(KVM_REQ_MMU_FREE_OBSOLETE_ROOTS, vcpu)', [c('return true;')]),
    // `return a && f();` with a call of a modelled function under the &&: a branch on it (the model
    // compiles such a call only in a condition), whose arms return its value.
    {
      s: 'if',
      src: { text: 'return fault->slot && mmu_invalidate_retry_hva(vcpu->kvm, fault->mmu_seq, fault->hva);' },
      cond: parseExpr('fault->slot && mmu_invalidate_retry_hva(vcpu->kvm, fault->mmu_seq, fault->hva)'),
      condText: 'fault->slot && mmu_invalidate_retry_hva(vcpu->kvm, fault->mmu_seq, fault->hva)',
      then: [cAs('/* the && is true */', 'return true')],
      else: [cAs('/* the && is false */', 'return false')],
    } as Stmt,
  ],
});

const faultinPfn: FnDef = fn({
  name: 'kvm_faultin_pfn',
  file: MMU,
  version: V,
  source: `${SRC_MMU}; __kvm_faultin_pfn() is a primitive that may sleep and leaves fault->hva the gfn's host page (identity memslots)`,
  signature: 'static int kvm_faultin_pfn(struct kvm_vcpu *vcpu, struct kvm_page_fault *fault, unsigned int access)',
  params: ['vcpu', 'fault', 'access'],
  body: [
    c('int ret;'),
    c('fault->mmu_seq = vcpu->kvm->mmu_invalidate_seq;'),
    c('smp_rmb();'),
    lowered('ret = __kvm_faultin_pfn(vcpu, fault);', 'fault->hva = fault->gfn', 'ret = __kvm_faultin_pfn(vcpu, fault)'),
    if_('ret != RET_PF_CONTINUE', [c('return ret;')]),
    if_('unlikely(is_error_pfn(fault->pfn))', [c('return kvm_handle_error_pfn(vcpu, fault);')]),
    if_('unlikely(!fault->slot)', [c('return kvm_handle_noslot_fault(vcpu, fault, access);')]),
    c('return RET_PF_CONTINUE;'),
  ],
});

const topup: FnDef = fn({
  name: 'mmu_topup_memory_caches',
  file: MMU,
  version: V,
  source: `${SRC_MMU}; kvm_mmu_topup_memory_cache() of the pte_list_desc, shadow-page and page-header caches, each a GFP_KERNEL_ACCOUNT allocation loop, reduced to one allocation that returns -ENOMEM when it fails (as for the older variants)`,
  signature: 'static int mmu_topup_memory_caches(struct kvm_vcpu *vcpu, bool maybe_indirect)',
  params: ['vcpu', 'maybe_indirect'],
  body: [
    c('void *obj;'),
    cAs('r = kvm_mmu_topup_memory_cache(&vcpu->arch.mmu_pte_list_desc_cache, 1 + PT64_ROOT_MAX_LEVEL + PTE_PREFETCH_NUM);', 'obj = kmem_cache_zalloc(pte_list_desc_cache, GFP_KERNEL)'),
    if_('!obj', [c('return -ENOMEM;')]),
    c('return 0;'),
  ],
});

export const tdpMmuPageFault: FnDef = fn({
  name: 'kvm_tdp_mmu_page_fault',
  file: MMU,
  version: V,
  source: `${SRC_MMU} (v6.3-v6.7 text: mmu_topup_memory_caches(vcpu, false), kvm_faultin_pfn(vcpu, fault, ACC_ALL), is_page_fault_stale(vcpu, fault))`,
  signature: 'static int kvm_tdp_mmu_page_fault(struct kvm_vcpu *vcpu, struct kvm_page_fault *fault)',
  params: ['vcpu', 'fault'],
  body: [
    c('int r;'),
    if_('page_fault_handle_page_track(vcpu, fault)', [c('return RET_PF_EMULATE;')]),
    c('r = fast_page_fault(vcpu, fault);'),
    if_('r != RET_PF_INVALID', [c('return r;')]),
    c('r = mmu_topup_memory_caches(vcpu, false);'),
    if_('r', [c('return r;')]),
    c('r = kvm_faultin_pfn(vcpu, fault, ACC_ALL);'),
    if_('r != RET_PF_CONTINUE', [c('return r;')]),
    c('r = RET_PF_RETRY;'),
    c('read_lock(&vcpu->kvm->mmu_lock);'),
    if_('is_page_fault_stale(vcpu, fault)', [c('goto out_unlock;')]),
    c('r = kvm_tdp_mmu_map(vcpu, fault);'),
    label('out_unlock'),
    c('read_unlock(&vcpu->kvm->mmu_lock);'),
    c('kvm_release_pfn_clean(fault->pfn);'),
    c('return r;'),
  ],
});

const vcpuFault66: FnDef = fn({
  name: 'kvm_vcpu_tdp_fault',
  file: 'arch/x86/kvm/x86.c',
  version: 'model',
  source:
    'model only: the vCPU accessing gpa, exiting on an EPT violation (vcpu_enter_guest -> handle_ept_violation -> kvm_mmu_page_fault -> kvm_mmu_do_page_fault, which fills the struct kvm_page_fault on its stack, -> kvm_tdp_page_fault -> kvm_tdp_mmu_page_fault on x86-64 with the TDP MMU) and re-entering the guest after RET_PF_RETRY; the re-entries are cut after `retries`',
  signature: '(model) int kvm_vcpu_tdp_fault(struct kvm_vcpu *vcpu, gpa_t gpa, int retries)',
  params: ['vcpu', 'gpa', 'retries'],
  stack: { fault: PAGE_FAULT },
  body: [
    c('int r = 0;'),
    c('int faults = 0;'),
    while_('faults <= retries && ept_violation(vcpu, gpa)', [
      lowered(
        'struct kvm_page_fault fault = { .addr = cr2_or_gpa, .error_code = err, ... }; fault.gfn = fault.addr >> PAGE_SHIFT; fault.slot = kvm_vcpu_gfn_to_memslot(vcpu, fault.gfn);',
        'fault.addr = gpa',
        'fault.gfn = gpa',
        'fault.slot = mnc_kvm_memslot(vcpu, gpa)',
        'fault.hva = 0',
        'fault.pfn = 0',
        'fault.mmu_seq = 0',
      ),
      c('r = kvm_tdp_mmu_page_fault(vcpu, &fault);'),
      c('faults++;'),
    ]),
    c('return r;'),
  ],
});

// ------------------------------------------------------------------------------------------------
// The thread, the instance, the variant.

function nonNegativeInt(v: unknown, name: string, ctx: ThreadBuildContext, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= MAX_PAGE) throw ctx.error(name, `expected an integer from 0 to ${MAX_PAGE - 1}, got ${JSON.stringify(v) ?? 'nothing'}`);
  return v;
}

const TDP_FAULT66: DriverThreadDef = {
  description:
    'A vCPU accessing guest page `address` (v6.6, x86-64 TDP MMU): while its spte is absent it takes the EPT violation into kvm_tdp_mmu_page_fault() (mmu_invalidate_seq sampled in kvm_faultin_pfn, the pfn lookup, mmu_lock for read, is_page_fault_stale -> mmu_invalidate_retry_hva, the spte installed by kvm_tdp_mmu_map); it re-enters the guest after RET_PF_RETRY at most `retries` times.',
  fns: [vcpuFault66, tdpMmuPageFault, topup, faultinPfn, isPageFaultStale, invalidateRetryHva],
  entry: 'kvm_vcpu_tdp_fault',
  params: {
    address: 'guest page the vCPU accesses (memslots map guest page g to host page g); must lie in one of the notifier\'s objects',
    retries: 'how many times the vCPU re-enters the guest and faults again after RET_PF_RETRY (default 1); further re-entries are cut',
  },
  args(nid, p, ctx) {
    const address = nonNegativeInt(p.address, 'address', ctx);
    const slots = (ctx.statics[`${nid}.memslots`] ?? []) as readonly Value[];
    const inSlot = slots.some((o) => (ctx.statics[`${String(o)}.start`] as number) <= address && address <= (ctx.statics[`${String(o)}.last`] as number));
    if (!inSlot) {
      const ranges = slots.map((o) => `[${String(ctx.statics[`${String(o)}.start`])}, ${Number(ctx.statics[`${String(o)}.last`]) + 1})`);
      throw ctx.error('address', `guest page ${address} lies in no memslot of ${nid} (its objects: ${ranges.join(', ') || 'none'}); an access outside every memslot is emulated MMIO, not modelled: give an address inside one`);
    }
    return [`${nid}.vcpu`, address, nonNegativeInt(p.retries, 'retries', ctx, 1)];
  },
};

function instance(id: string, objects: readonly ObjectRange[]): InstanceState {
  const statics: Record<string, Value | readonly Value[]> = { ...objectStatics(id, objects, 'memslots'), [`${id}.vcpu.kvm`]: id };
  objects.forEach((o, i) => {
    statics[`${id}.obj${i}.userspace_addr`] = o.start;
    statics[`${id}.obj${i}.npages`] = o.end - o.start;
  });
  return {
    mem: {
      [`${id}.mmu_invalidate_in_progress`]: 0,
      [`${id}.mmu_invalidate_seq`]: 0,
      [`${id}.mmu_invalidate_range_start`]: 0,
      [`${id}.mmu_invalidate_range_end`]: 0,
      [`${id}.mn_active_invalidate_count`]: 0,
      [`${id}.bug`]: 0,
      ...mappedMem(id, objects),
    },
    locks: { [`${id}.mmu_lock`]: 'spin', [`${id}.mn_invalidate_lock`]: 'spin' },
    statics,
    balanced: [`${id}.mmu_invalidate_in_progress`, `${id}.mn_active_invalidate_count`],
  };
}

export const kvmV66: VariantDef = {
  description:
    'v6.6 (virt/kvm/kvm_main.c, arch/x86/kvm/mmu/mmu.c): start and end through __kvm_handle_hva_range with may_block = mmu_notifier_range_blockable(range); mmu_invalidate_begin/_end under mmu_lock (write) only when a memslot overlaps; mn_active_invalidate_count under mn_invalidate_lock; the start never fails. Thread tdp_fault: kvm_tdp_mmu_page_fault with is_page_fault_stale -> mmu_invalidate_retry_hva under mmu_lock (read)',
  version: V,
  api: 'v5.2',
  flags: 0,
  ops: { invalidate_range_start: 'kvm_mmu_notifier_invalidate_range_start', invalidate_range_end: 'kvm_mmu_notifier_invalidate_range_end' },
  primitives: KVM66_PRIMITIVES,
  instance,
  constants: {
    KVM_ADDRESS_SPACE_NUM: 1,
    RET_PF_CONTINUE: 0,
    RET_PF_RETRY: 1,
    RET_PF_EMULATE: 2,
    RET_PF_INVALID: 3,
    RET_PF_FIXED: 4,
    ACC_ALL: 7,
    KVM_REQ_MMU_FREE_OBSOLETE_ROOTS: 'KVM_REQ_MMU_FREE_OBSOLETE_ROOTS',
  },
  globals: ['pte_list_desc_cache', 'KVM_REQ_APIC_PAGE_RELOAD'],
  fns: [mmuNotifierToKvm, nullFn, handleHvaRange, guestMemoryReclaimed, invalidateBegin, invalidateEnd, start66, end66, unmapGfnRange],
  threads: { tdp_fault: TDP_FAULT66 },
};
