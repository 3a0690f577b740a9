/**
 * KVM's mmu notifier (virt/kvm/kvm_main.c, arch/x86/kvm/x86.c, include/linux/kvm_host.h) and the
 * x86 two-dimensional-paging fault path of a vCPU (arch/x86/kvm/mmu.c), by variant:
 *
 * - `v4.18`: before 93065ac753e4 (the `-` side of the seed diff): `void` start, and the x86
 *   `kvm_arch_mmu_notifier_invalidate_range(kvm, start, end)` returns nothing.
 * - `93065ac753e4`: the patch (the `+` side of the seed diff), which is v4.19 for these files: start
 *   takes `blockable`, passes it to `kvm_arch_mmu_notifier_invalidate_range`, and returns its result
 *   (always 0 on x86). KVM's start never sleeps in either mode: its only lock is `kvm->mmu_lock`, a
 *   spinlock, and the remote TLB flush and the APIC-access-page request wait for the other CPUs'
 *   IPIs by spinning with preemption disabled (`KVM_REQUEST_WAIT`), not by sleeping.
 *
 * Both variants set `.flags = MMU_INVALIDATE_DOES_NOT_BLOCK` (`kvm_mmu_notifier_ops`).
 *
 * Sources (index ids are the search tool's):
 * - virt/kvm/kvm_main.c of v4.19: `0x88888888/linux-4.19-comments` @ 0c8fdfc73a8e (index id
 *   5281045917), exact v4.19 (a v4.19 tree with comments added, code unmodified; see
 *   ../shared/kernel/README.md §2 for how it is identified). v4.18: the `-` side of the seed diff
 *   (001_a93342ea5087af67.txt, virt/kvm/kvm_main.c); the lines the diff does not show are the same
 *   in v4.19, and the patch does not touch them.
 * - arch/x86/kvm/x86.c of v4.19: the same tree (index id 4562314290). v4.18: the `-` side of the seed
 *   diff, whose hunks show the whole body but the comment.
 * - include/linux/kvm_host.h (`mmu_notifier_retry`): the same tree (index id 5522622136), exact
 *   v4.19; this re-checks the `[memory]` copy of ../shared/kernel/README.md §7, and they agree.
 * - arch/x86/kvm/mmu.c (`tdp_page_fault`): the same tree (index id 4819656167), exact v4.19; the
 *   `[recon]` paging_tmpl.h path of the kernel README §7 is not used. `kvm_unmap_hva_range()` is
 *   `return kvm_handle_hva_range(kvm, start, end, 0, kvm_unmap_rmapp);` in 4.x (index id 7939674 and
 *   the pre-image of index id 48924971357). `KVM_REQ_APIC_PAGE_RELOAD` is
 *   `KVM_ARCH_REQ_FLAGS(17, KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP)` (index id 5097635).
 *
 * Objects. The scenario's objects of a KVM notifier are the guest's memory: each object is a memslot
 * range whose sptes are one unit (`obj.mapped`: the EPT/NPT maps the object's pages). Memslots map
 * guest frame g to host page g (identity), so a fault at guest page `address` installs the spte of
 * the object containing host page `address`. Give objects of one page where the granularity matters.
 *
 * Shared state per instance `id` (`kvm0`): `id.mmu_lock` (spinlock); `id.mmu_notifier_count`
 * (balanced: every start is owed an end); `id.mmu_notifier_seq`; `id.tlbs_dirty` (0: only shadow
 * paging's sync_page raises it, which the model has no thread for); `id.bug` (set by `BUG_ON`, read by
 * the no-bug property, src/properties/bug-on.ts); `id.apic_access_hva`, the host page of the
 * APIC-access page's private memslot (default 0x7fffffff, above every page of a scenario, as if
 * the page's own VMA were untouched; a test may set it); per object `obj.mapped`.
 *
 * Abstractions, each with its reason:
 * - `kvm_unmap_hva_range()` is a primitive: the rmap walk of every memslot overlapping [start, end)
 *   clears the sptes (`obj.mapped = 0`) and returns whether any was present. The remote TLB flush
 *   that follows under the same `mmu_lock` is a primitive that changes nothing but `tlbs_dirty`:
 *   stale guest TLB entries are not modelled, so the secondary mapping ends at the zap. Both happen
 *   before the start returns (and so before the pair the coherency property watches opens).
 * - `BUG_ON(cond)` is a primitive of this file: when `cond` holds it records `<object>.bug = 1`
 *   (`kvm0.bug`: the object whose field the condition reads), and the thread goes on; the oops that
 *   would kill the task is not modelled.
 * - `srcu_read_lock(&kvm->srcu)` is KVM's own SRCU, which only memslot updates synchronize against;
 *   no thread of the model updates memslots, so it tracks nothing (the core primitive tracks only
 *   the notifier core's `srcu`).
 * - The x86 `kvm_arch_mmu_notifier_invalidate_range()` is modelled; the `__weak` generic one of
 *   kvm_main.c (which x86 overrides) is not. `gfn_to_hva(kvm, APIC_DEFAULT_PHYS_BASE >> PAGE_SHIFT)`
 *   reads `id.apic_access_hva`; `kvm_make_all_cpus_request()` changes nothing the model tracks (vCPU
 *   requests are not modelled) and never sleeps.
 * - Thread `tdp_fault` (parameters `address`, `retries` = 1): a vCPU accessing guest page `address`.
 *   While the spte is absent (`ept_violation()`, the hardware's page walk) it takes the EPT violation
 *   into `tdp_page_fault()`; after `RET_PF_RETRY` it re-enters the guest and accesses the page again.
 *   **The re-entries are cut after `retries` of them**: the thread makes at most `1 + retries` faults
 *   and then ends, whatever the spte's state (a real vCPU would go on faulting until it succeeds).
 *   The entry function `kvm_vcpu_tdp_fault` is the model's, not the kernel's (vcpu_enter_guest ->
 *   kvm_x86_ops->handle_exit -> handle_ept_violation -> kvm_mmu_page_fault, which calls
 *   `vcpu->arch.mmu.page_fault` = `tdp_page_fault`, reduced to that loop).
 * - `tdp_page_fault()` keeps every statement that touches shared state, in order: reading
 *   `mmu_notifier_seq` before the pfn lookup, the lookup, `mmu_lock`, `mmu_notifier_retry()`, the
 *   spte install and the unlocks. Left out: `MMU_WARN_ON`, the huge-page level computation
 *   (`force_pt_level`, `mapping_level`, `check_hugepage_cache_consistency`, the gfn alignment and
 *   `transparent_hugepage_adjust`: huge pages are not modelled, `level` stays 0). Kept as primitives
 *   that answer the common case: `page_fault_handle_page_track` (no write tracking: false),
 *   `fast_page_fault` (the modelled fault is on a not-present spte, which the lockless fast path
 *   does not handle: false), `handle_abnormal_pfn` (a normal pfn: false),
 *   `make_mmu_pages_available` (the shadow-page pool is not exhausted: 0), `kvm_release_pfn_clean`.
 * - `mmu_topup_memory_caches()` refills the vCPU's three object caches with `GFP_KERNEL`
 *   allocations; modelled as one `kmem_cache_zalloc(pte_list_desc_cache, GFP_KERNEL)` through the
 *   page allocator (src/model/kernel/core/page_alloc.ts): it may sleep and enter direct reclaim, a vCPU
 *   thread of an OOM victim is served from the reserves or fails, any other waits until the OOM is
 *   resolved; -ENOMEM when the allocation fails.
 * - `try_async_pf()` is the pfn lookup (`__gfn_to_pfn_memslot` -> `hva_to_pfn` -> get_user_pages):
 *   it may sleep, and returns false (synchronous lookup; the async-page-fault path, which ends like
 *   a retry, is not modelled). The `mmap_sem` read hold that get_user_pages takes inside is not
 *   modelled: the lookup may then run while munmap holds `mmap_sem` for write, which admits more
 *   interleavings than the kernel does (conservative for safety properties), and the pfn itself is
 *   not tracked (the spte installed maps "the object", stale or not: that is what the
 *   `mmu_notifier_retry()` check is for).
 * - `__direct_map()` installs the spte: `obj.mapped = 1` for the object containing `gfn`.
 * - Three statements of `tdp_page_fault` are built by hand with the kernel's C text and the model's
 *   expression (shown as a `/* model: ... *\/` comment in the golden listing): `kvm_pfn_t pfn;` (the
 *   parser knows no `kvm_pfn_t`), `gfn_t gfn = gpa >> PAGE_SHIFT;` (no `>>`, no `gfn_t`; the model's
 *   addresses are page numbers, so the shift is the identity) and
 *   `int write = error_code & PFERR_WRITE_MASK;` (a driver cannot add constants; PFERR_WRITE_MASK is
 *   `1U << PFERR_WRITE_BIT`, 2). `RET_PF_RETRY` and `RET_PF_EMULATE` are opaque symbols (`globals`):
 *   the model never compares them.
 *
 * ->release (`kvm_mmu_notifier_release`, kvm_main.c; x86 `kvm_arch_flush_shadow_all` ->
 * `kvm_mmu_invalidate_zap_all_pages`, mmu.c; all exact v4.19 and untouched by the patch): under
 * `kvm->srcu` (tracks nothing) and `kvm->mmu_lock`, bumps `arch.mmu_valid_gen`, asks every vCPU to
 * reload its MMU (`kvm_make_all_cpus_request`, spins) and zaps every shadow page
 * (`kvm_zap_obsolete_pages`, a primitive: every memslot's sptes gone). It never sleeps with the
 * spinlock held: `cond_resched_lock` drops it. The vCPU fault path after a release is not a
 * question here: exit_mmap runs only once no thread of the process is left (mm_users == 0).
 *
 * What the model shows (test/model/kernel/drivers/kvm.test.ts): with the count/seq protocol the vCPU never
 * installs an spte inside an open invalidation, and without the `mmu_notifier_retry()` check it
 * does. Under the v4.19 oom_reaper, a notifier that fails the non-blocking start (amdgpu with an
 * object in the reaped VMA) makes the core skip every end, so KVM's `mmu_notifier_count` stays
 * raised (once per reap attempt) and the vCPU can never map the page again; fixed upstream by
 * c2655835fd8c "mm/mmu_notifiers: ensure range_end() is paired with range_start()" (2021; index ids
 * 66430689567, 42046345705).
 */
import type { DriverDef, DriverThreadDef, InstanceState, ObjectRange, ThreadBuildContext, VariantDef } from '../driver.ts';
import { mappedMem, objectStatics } from '../driver.ts';
import { variantByPatch } from '../by-patch.ts';
import { rangeV50, rangeV52 } from './range-api.ts';
import { KVM66_PRIMITIVES, kvmV66 } from './kvm66.ts';
import { MAX_PAGE } from '../../lang/state.ts';
import { c, fn, if_, label, parseExpr, while_, type Expr, type FnDef, type Stmt } from '../../lang/ir.ts';
import { num, ref, type PrimCtx, type Primitive } from '../../lang/primitives.ts';
import type { Value } from '../../lang/state.ts';

const KVM_MAIN = 'virt/kvm/kvm_main.c';
const X86 = 'arch/x86/kvm/x86.c';
const MMU = 'arch/x86/kvm/mmu.c';
const KVM_HOST = 'include/linux/kvm_host.h';

const SRC_MAIN_419 = '0x88888888/linux-4.19-comments @ 0c8fdfc73a8e virt/kvm/kvm_main.c (index id 5281045917), exact v4.19';
const SRC_MAIN_418 =
  'seed 001 diff, virt/kvm/kvm_main.c (- side); lines the diff does not show from v4.19 kvm_main.c (index id 5281045917), untouched by the patch';
const SRC_X86_419 = '0x88888888/linux-4.19-comments @ 0c8fdfc73a8e arch/x86/kvm/x86.c (index id 4562314290), exact v4.19 = seed 001 diff (+ side)';
const SRC_X86_418 = 'seed 001 diff, arch/x86/kvm/x86.c (- side and context)';
const SRC_HOST_419 = '0x88888888/linux-4.19-comments @ 0c8fdfc73a8e include/linux/kvm_host.h (index id 5522622136), exact v4.19; not touched by the patch';
const SRC_MMU_419 = '0x88888888/linux-4.19-comments @ 0c8fdfc73a8e arch/x86/kvm/mmu.c (index id 4819656167), exact v4.19, reduced (see the file comment); not touched by the patch';

/** KVM_HVA_ERR_BAD stands above every user address; the model's pages stay below this one. */
const APIC_HVA_NONE = 0x7fffffff;

// ------------------------------------------------------------------------------------------------
// Statements the parser cannot take as the kernel writes them.

/** An expression statement with the kernel's C text and the model's expressions for it. */
function lowered(text: string, ...model: string[]): Stmt {
  return { s: 'expr', src: { text: `${text} /* model: ${model.join('; ')} */` }, exprs: model.map((m) => parseExpr(m)) };
}

// ------------------------------------------------------------------------------------------------
// Primitives.

/** The memslot (object) of KVM instance `kvm` containing page `page`, if any. */
function memslotAt(ctx: PrimCtx, kvm: string, page: number): string | undefined {
  const slots = ctx.stat(`${kvm}.memslots`);
  if (!Array.isArray(slots)) return undefined;
  return slots.find((o) => (ctx.stat(`${String(o)}.start`) as number) <= page && page <= (ctx.stat(`${String(o)}.last`) as number)) as string | undefined;
}

/** The KVM instance of a vCPU reference (`kvm0.vcpu`). */
function kvmOf(ctx: PrimCtx, vcpu: unknown, what: string): string {
  const k = ctx.stat(`${ref(vcpu as Value, what)}.kvm`);
  if (typeof k !== 'string') throw new Error(`${what}: ${String(vcpu)} is not a vCPU of a KVM instance`);
  return k;
}

/** The first object whose field an expression reads (`kvm` in `kvm->mmu_notifier_count < 0`). */
function firstFieldBase(e: Expr): Expr | undefined {
  switch (e.k) {
    case 'field':
      return firstFieldBase(e.obj) ?? e.obj;
    case 'addr':
    case 'unary':
      return firstFieldBase(e.e);
    case 'bin':
      return firstFieldBase(e.a) ?? firstFieldBase(e.b);
    case 'cond':
      return firstFieldBase(e.c) ?? firstFieldBase(e.a) ?? firstFieldBase(e.b);
    case 'call':
      for (const a of e.args) {
        const f = firstFieldBase(a);
        if (f) return f;
      }
      return undefined;
    default:
      return undefined;
  }
}

const constant = (doc: string, value: Value, sleeps = false): Primitive => ({ shared: false, sleeps, doc, run: () => value });

export const KVM_PRIMITIVES: Record<string, Primitive> = {
  BUG_ON: {
    shared: true,
    sleeps: false,
    lazy: [0],
    access: () => [{ name: 'bug', mode: 'w' }],
    doc: 'BUG_ON(cond): when cond holds the kernel oopses. The model records it as `<object>.bug = 1`, <object> being the one whose field the condition reads (`kvm->mmu_notifier_count < 0`: `kvm0.bug`), for the no-bug property; the thread then goes on (the oops is not modelled). Never sleeps.',
    run(ctx, [cond]) {
      const e = cond as Expr;
      if (!ctx.evalLazy(e)) return 0;
      const base = firstFieldBase(e);
      if (!base) throw new Error('BUG_ON: the condition reads no field of an object to record the bug on');
      const key = `${String(ctx.evalLazy(base))}.bug`;
      ctx.write(key, 1);
      return 0;
    },
  },
  kvm_unmap_hva_range: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'mapped', mode: 'w', zero: true }],
    doc: 'kvm_unmap_hva_range(kvm, start, end) (arch/x86/kvm/mmu.c: kvm_handle_hva_range(kvm, start, end, 0, kvm_unmap_rmapp)), called under kvm->mmu_lock: zaps the sptes of every memslot overlapping [start, end) (`obj.mapped = 0`) and returns 1 iff one was present (a remote TLB flush is needed). Never sleeps.',
    run(ctx, [kvm, s, e]) {
      const k = ref(kvm, 'kvm_unmap_hva_range');
      const start = num(s, 'kvm_unmap_hva_range');
      const end = num(e, 'kvm_unmap_hva_range');
      const slots = ctx.stat(`${k}.memslots`);
      let flush = 0;
      for (const o of Array.isArray(slots) ? slots : []) {
        const os = ctx.stat(`${String(o)}.start`) as number;
        const ol = ctx.stat(`${String(o)}.last`) as number;
        if (os <= end - 1 && start <= ol && ctx.read(`${String(o)}.mapped`)) {
          ctx.write(`${String(o)}.mapped`, 0);
          flush = 1;
        }
      }
      return flush;
    },
  },
  kvm_flush_remote_tlbs: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'tlbs_dirty', mode: 'w' }],
    doc: 'kvm_flush_remote_tlbs(kvm) (virt/kvm/kvm_main.c, v4.19): kvm_make_all_cpus_request(kvm, KVM_REQ_TLB_FLUSH), which kicks every vCPU and waits for the IPIs with preemption disabled (spins, never sleeps), then cmpxchg(&kvm->tlbs_dirty, dirty_count, 0). Guest TLBs are not modelled: the mapping ended at the zap.',
    run(ctx, [kvm]) {
      ctx.write(`${ref(kvm, 'kvm_flush_remote_tlbs')}.tlbs_dirty`, 0);
      return 0;
    },
  },
  gfn_to_hva: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'apic_access_hva', mode: 'r' }],
    doc: 'gfn_to_hva(kvm, APIC_DEFAULT_PHYS_BASE >> PAGE_SHIFT): the host page of the APIC-access page (its private memslot), `kvm0.apic_access_hva`; by default 0x7fffffff, above every page of a scenario. Never sleeps.',
    run: (ctx, [kvm]) => ctx.read(`${ref(kvm, 'gfn_to_hva')}.apic_access_hva`),
  },
  kvm_make_all_cpus_request: constant(
    'kvm_make_all_cpus_request(kvm, KVM_REQ_APIC_PAGE_RELOAD): sets the request on every vCPU and, KVM_REQUEST_WAIT being set, waits for the IPIs by spinning with preemption disabled; zalloc_cpumask_var(GFP_ATOMIC). Never sleeps; vCPU requests are not modelled.',
    1,
  ),
  page_fault_handle_page_track: constant('page_fault_handle_page_track(vcpu, error_code, gfn): whether the guest writes a write-tracked page; no page is tracked in the model: false.', 0),
  fast_page_fault: constant('fast_page_fault(vcpu, gpa, level, error_code): the lockless fix-up of a present spte; the modelled fault is on a not-present spte: false.', 0),
  try_async_pf: constant(
    'try_async_pf(vcpu, prefault, gfn, gpa, &pfn, write, &map_writable): the pfn lookup (__gfn_to_pfn_memslot -> hva_to_pfn -> get_user_pages, which may fault the page in): may sleep; returns false (synchronous; the async page fault is not modelled). The pfn is not tracked, nor the mmap_sem read hold inside get_user_pages.',
    0,
    true,
  ),
  handle_abnormal_pfn: constant('handle_abnormal_pfn(vcpu, 0, gfn, pfn, ACC_ALL, &r): an error or no-slot pfn; the model\'s pfns are normal: false.', 0),
  make_mmu_pages_available: constant('make_mmu_pages_available(vcpu): reclaims shadow pages when the pool is short, under mmu_lock; the pool is not exhausted in the model: 0. Never sleeps.', 0),
  __direct_map: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'mapped', mode: 'w' }],
    doc: '__direct_map(vcpu, write, map_writable, level, gfn, pfn, prefault), under kvm->mmu_lock: installs the spte of gfn (`obj.mapped = 1` for the memslot containing gfn); returns RET_PF_RETRY (0), as mmu_set_spte() does for a mapped page. Never sleeps.',
    run(ctx, [vcpu, , , , gfn]) {
      const kvm = kvmOf(ctx, vcpu, '__direct_map');
      const g = num(gfn, '__direct_map');
      const o = memslotAt(ctx, kvm, g);
      if (!o) throw new Error(`__direct_map: no memslot (object) of ${kvm} covers guest page ${g}; give the tdp_fault thread an address inside one`);
      ctx.write(`${o}.mapped`, 1);
      return 0;
    },
  },
  kvm_release_pfn_clean: constant('kvm_release_pfn_clean(pfn): drops the page reference the lookup took (pages are not tracked).', 0),
  trace_kvm_mmu_invalidate_zap_all_pages: constant('tracepoint', 0),
  kvm_zap_obsolete_pages: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'mapped', mode: 'w', zero: true }],
    doc: 'kvm_zap_obsolete_pages(kvm) (arch/x86/kvm/mmu.c, v4.19), under kvm->mmu_lock after mmu_valid_gen++: zaps every shadow page of the old generation and commits the zap (kvm_mmu_commit_zap_page flushes the remote TLBs): every spte of every memslot is gone (`obj.mapped = 0`). Its `cond_resched_lock(&kvm->mmu_lock)` drops the spinlock around the reschedule, so it is no sleep under the spinlock; the model runs the zap as one step and does not count it as sleeping.',
    run(ctx, [kvm]) {
      const slots = ctx.stat(`${ref(kvm, 'kvm_zap_obsolete_pages')}.memslots`);
      for (const o of Array.isArray(slots) ? slots : []) ctx.write(`${String(o)}.mapped`, 0);
      return 0;
    },
  },
  ept_violation: {
    shared: true,
    sleeps: false,
    access: () => [{ name: 'mapped', mode: 'r' }],
    doc: 'Model only (the hardware): the guest accesses gpa, and the EPT/NPT walk exits with an EPT violation iff the spte of gpa is absent (`!obj.mapped`).',
    run(ctx, [vcpu, gpa]) {
      const kvm = kvmOf(ctx, vcpu, 'ept_violation');
      const g = num(gpa, 'ept_violation');
      const o = memslotAt(ctx, kvm, g);
      if (!o) throw new Error(`ept_violation: no memslot (object) of ${kvm} covers guest page ${g}; give the tdp_fault thread an address inside one`);
      return ctx.read(`${o}.mapped`) ? 0 : 1;
    },
  },
};

// ------------------------------------------------------------------------------------------------
// virt/kvm/kvm_main.c and include/linux/kvm_host.h.

const mmuNotifierToKvm: FnDef = fn({
  name: 'mmu_notifier_to_kvm',
  file: KVM_MAIN,
  version: 'v4.19',
  source: `${SRC_MAIN_419}; the same in v4.18`,
  signature: 'static inline struct kvm *mmu_notifier_to_kvm(struct mmu_notifier *mn)',
  params: ['mn'],
  body: [c('return container_of(mn, struct kvm, mmu_notifier);')],
});

const startV418: FnDef = fn({
  name: 'kvm_mmu_notifier_invalidate_range_start',
  file: KVM_MAIN,
  version: 'v4.18',
  source: SRC_MAIN_418,
  signature:
    'static void kvm_mmu_notifier_invalidate_range_start(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start, unsigned long end)',
  params: ['mn', 'mm', 'start', 'end'],
  body: [
    c('struct kvm *kvm = mmu_notifier_to_kvm(mn);'),
    c('int need_tlb_flush = 0, idx;'),
    c('idx = srcu_read_lock(&kvm->srcu);'),
    c('spin_lock(&kvm->mmu_lock);'),
    c('kvm->mmu_notifier_count++;'),
    c('need_tlb_flush = kvm_unmap_hva_range(kvm, start, end);'),
    c('need_tlb_flush |= kvm->tlbs_dirty;'),
    if_('need_tlb_flush', [c('kvm_flush_remote_tlbs(kvm);')]),
    c('spin_unlock(&kvm->mmu_lock);'),
    c('kvm_arch_mmu_notifier_invalidate_range(kvm, start, end);'),
    c('srcu_read_unlock(&kvm->srcu, idx);'),
  ],
});

/** Not touched by 93065ac753e4: the same in v4.18 and v4.19. */
const end: FnDef = fn({
  name: 'kvm_mmu_notifier_invalidate_range_end',
  file: KVM_MAIN,
  version: 'v4.19',
  source: `${SRC_MAIN_419}; not touched by 93065ac753e4 (the same in v4.18)`,
  signature: 'static void kvm_mmu_notifier_invalidate_range_end(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start, unsigned long end)',
  params: ['mn', 'mm', 'start', 'end'],
  body: [
    c('struct kvm *kvm = mmu_notifier_to_kvm(mn);'),
    c('spin_lock(&kvm->mmu_lock);'),
    c('kvm->mmu_notifier_seq++;'),
    c('smp_wmb();'),
    c('kvm->mmu_notifier_count--;'),
    c('spin_unlock(&kvm->mmu_lock);'),
    c('BUG_ON(kvm->mmu_notifier_count < 0);'),
  ],
});

const archV418: FnDef = fn({
  name: 'kvm_arch_mmu_notifier_invalidate_range',
  file: X86,
  version: 'v4.18',
  source: SRC_X86_418,
  signature: 'void kvm_arch_mmu_notifier_invalidate_range(struct kvm *kvm, unsigned long start, unsigned long end)',
  params: ['kvm', 'start', 'end'],
  body: [
    c('unsigned long apic_address;'),
    c('apic_address = gfn_to_hva(kvm, ...);'),
    if_('start <= apic_address && apic_address < end', [c('kvm_make_all_cpus_request(kvm, ...);')]),
  ],
});

/**
 * ->release: `kvm_mmu_notifier_release()` (kvm_main.c), not touched by 93065ac753e4, under KVM's own
 * SRCU (tracks nothing here), zaps every shadow page: x86's `kvm_arch_flush_shadow_all()` ->
 * `kvm_mmu_invalidate_zap_all_pages()`.
 */
const release: FnDef = fn({
  name: 'kvm_mmu_notifier_release',
  file: KVM_MAIN,
  version: 'v4.19',
  source: `${SRC_MAIN_419}; not touched by 93065ac753e4 (the same in v4.18)`,
  signature: 'static void kvm_mmu_notifier_release(struct mmu_notifier *mn, struct mm_struct *mm)',
  params: ['mn', 'mm'],
  body: [
    c('struct kvm *kvm = mmu_notifier_to_kvm(mn);'),
    c('int idx;'),
    c('idx = srcu_read_lock(&kvm->srcu);'),
    c('kvm_arch_flush_shadow_all(kvm);'),
    c('srcu_read_unlock(&kvm->srcu, idx);'),
  ],
});

const flushShadowAll: FnDef = fn({
  name: 'kvm_arch_flush_shadow_all',
  file: X86,
  version: 'v4.19',
  source: SRC_X86_419.replace(' = seed 001 diff (+ side)', ''),
  signature: 'void kvm_arch_flush_shadow_all(struct kvm *kvm)',
  params: ['kvm'],
  body: [c('kvm_mmu_invalidate_zap_all_pages(kvm);')],
});

const zapAllPages: FnDef = fn({
  name: 'kvm_mmu_invalidate_zap_all_pages',
  file: MMU,
  version: 'v4.19',
  source: '0x88888888/linux-4.19-comments @ 0c8fdfc73a8e arch/x86/kvm/mmu.c (index id 4819656167), exact v4.19; kvm_zap_obsolete_pages is a primitive (below)',
  signature: 'void kvm_mmu_invalidate_zap_all_pages(struct kvm *kvm)',
  params: ['kvm'],
  body: [
    c('spin_lock(&kvm->mmu_lock);'),
    c('trace_kvm_mmu_invalidate_zap_all_pages(kvm);'),
    c('kvm->arch.mmu_valid_gen++;'),
    c('kvm_reload_remote_mmus(kvm);'),
    c('kvm_zap_obsolete_pages(kvm);'),
    c('spin_unlock(&kvm->mmu_lock);'),
  ],
});

const reloadRemoteMmus: FnDef = fn({
  name: 'kvm_reload_remote_mmus',
  file: KVM_MAIN,
  version: 'v4.19',
  source: SRC_MAIN_419,
  signature: 'void kvm_reload_remote_mmus(struct kvm *kvm)',
  params: ['kvm'],
  body: [c('kvm_make_all_cpus_request(kvm, KVM_REQ_MMU_RELOAD);')],
});

/** include/linux/kvm_host.h; exported for tests. */
export const mmuNotifierRetry: FnDef = fn({
  name: 'mmu_notifier_retry',
  file: KVM_HOST,
  version: 'v4.19',
  source: SRC_HOST_419,
  signature: 'static inline int mmu_notifier_retry(struct kvm *kvm, unsigned long mmu_seq)',
  params: ['kvm', 'mmu_seq'],
  body: [
    if_('unlikely(kvm->mmu_notifier_count)', [c('return 1;')]),
    c('smp_rmb();'),
    if_('kvm->mmu_notifier_seq != mmu_seq', [c('return 1;')]),
    c('return 0;'),
  ],
});

// ------------------------------------------------------------------------------------------------
// The vCPU's fault path (arch/x86/kvm/mmu.c), not touched by the patch.

/** `tdp_page_fault` of v4.19, reduced as the file comment says; exported so that tests can break it. */
export const tdpPageFault: FnDef = fn({
  name: 'tdp_page_fault',
  file: MMU,
  version: 'v4.19',
  source: SRC_MMU_419,
  signature: 'static int tdp_page_fault(struct kvm_vcpu *vcpu, gva_t gpa, u32 error_code, bool prefault)',
  params: ['vcpu', 'gpa', 'error_code', 'prefault'],
  body: [
    lowered('kvm_pfn_t pfn;', 'pfn = 0'),
    c('int r;'),
    c('int level;'),
    lowered('gfn_t gfn = gpa >> PAGE_SHIFT;', 'gfn = gpa'),
    c('unsigned long mmu_seq;'),
    lowered('int write = error_code & PFERR_WRITE_MASK;', 'write = error_code & 2'),
    c('bool map_writable;'),
    if_('page_fault_handle_page_track(vcpu, error_code, gfn)', [c('return RET_PF_EMULATE;')]),
    c('r = mmu_topup_memory_caches(vcpu);'),
    if_('r', [c('return r;')]),
    if_('fast_page_fault(vcpu, gpa, level, error_code)', [c('return RET_PF_RETRY;')]),
    c('mmu_seq = vcpu->kvm->mmu_notifier_seq;'),
    c('smp_rmb();'),
    if_('try_async_pf(vcpu, prefault, gfn, gpa, &pfn, write, &map_writable)', [c('return RET_PF_RETRY;')]),
    if_('handle_abnormal_pfn(vcpu, 0, gfn, pfn, ...)', [c('return r;')]),
    c('spin_lock(&vcpu->kvm->mmu_lock);'),
    if_('mmu_notifier_retry(vcpu->kvm, mmu_seq)', [c('goto out_unlock;')]),
    if_('make_mmu_pages_available(vcpu) < 0', [c('goto out_unlock;')]),
    c('r = __direct_map(vcpu, write, map_writable, level, gfn, pfn, prefault);'),
    c('spin_unlock(&vcpu->kvm->mmu_lock);'),
    c('return r;'),
    label('out_unlock'),
    c('spin_unlock(&vcpu->kvm->mmu_lock);'),
    c('kvm_release_pfn_clean(pfn);'),
    c('return RET_PF_RETRY;'),
  ],
});

const vcpuFault: FnDef = fn({
  name: 'kvm_vcpu_tdp_fault',
  file: X86,
  version: 'model',
  source:
    'model only: the vCPU accessing gpa, exiting on an EPT violation (vcpu_enter_guest -> handle_ept_violation -> kvm_mmu_page_fault -> vcpu->arch.mmu.page_fault = tdp_page_fault) and re-entering the guest after RET_PF_RETRY; the re-entries are cut after `retries`',
  signature: '(model) int kvm_vcpu_tdp_fault(struct kvm_vcpu *vcpu, gpa_t gpa, int retries)',
  params: ['vcpu', 'gpa', 'retries'],
  body: [
    c('int r = 0;'),
    c('int faults = 0;'),
    while_('faults <= retries && ept_violation(vcpu, gpa)', [c('r = tdp_page_fault(vcpu, gpa, 0, false);'), c('faults++;')]),
    c('return r;'),
  ],
});

/** mmu_topup_memory_caches(), reduced to one of its allocations. */
const mmuTopupMemoryCaches: FnDef = fn({
  name: 'mmu_topup_memory_caches',
  file: MMU,
  version: 'v4.19',
  source: `${SRC_MMU_419}; mmu_topup_memory_cache() of the pte_list_desc, page-header and (via __get_free_page) shadow-page caches, each looping "while (cache->nobjs < min)" over GFP_KERNEL allocations, reduced to one allocation that returns -ENOMEM when it fails`,
  signature: 'static int mmu_topup_memory_caches(struct kvm_vcpu *vcpu)',
  params: ['vcpu'],
  body: [
    c('void *obj;'),
    c('obj = kmem_cache_zalloc(pte_list_desc_cache, GFP_KERNEL);'),
    if_('!obj', [c('return -ENOMEM;')]),
    c('return 0;'),
  ],
});

function nonNegativeInt(v: unknown, name: string, ctx: ThreadBuildContext, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= MAX_PAGE) throw ctx.error(name, `expected an integer from 0 to ${MAX_PAGE - 1}, got ${JSON.stringify(v) ?? 'nothing'}`);
  return v;
}

const TDP_FAULT: DriverThreadDef = {
  description:
    'A vCPU accessing guest page `address`: while its spte is absent it takes the EPT violation into tdp_page_fault() (mmu_notifier_seq, pfn lookup, mmu_lock, mmu_notifier_retry(), spte install); it re-enters the guest after RET_PF_RETRY at most `retries` times.',
  fns: [vcpuFault, tdpPageFault, mmuNotifierRetry, mmuTopupMemoryCaches],
  entry: 'kvm_vcpu_tdp_fault',
  params: {
    address: 'guest page the vCPU accesses (memslots map guest page g to host page g); must lie in one of the notifier\'s objects',
    retries: 'how many times the vCPU re-enters the guest and faults again after RET_PF_RETRY (default 1); further re-entries are cut',
  },
  args(nid, p, ctx) {
    const address = nonNegativeInt(p.address, 'address', ctx);
    // A guest access outside every memslot is emulated MMIO: __gfn_to_pfn_memslot() gives
    // KVM_PFN_NOSLOT, and tdp_page_fault() installs an MMIO spte (set_mmio_spte -> mark_mmio_spte,
    // v4.19 arch/x86/kvm/mmu.c) that maps no host memory, so no invalidation concerns it. Not modelled.
    const slots = (ctx.statics[`${nid}.memslots`] ?? []) as readonly Value[];
    const inSlot = slots.some((o) => (ctx.statics[`${String(o)}.start`] as number) <= address && address <= (ctx.statics[`${String(o)}.last`] as number));
    if (!inSlot) {
      const ranges = slots.map((o) => `[${String(ctx.statics[`${String(o)}.start`])}, ${Number(ctx.statics[`${String(o)}.last`]) + 1})`);
      throw ctx.error(
        'address',
        `guest page ${address} lies in no memslot of ${nid} (its objects: ${ranges.join(', ') || 'none'}); an access outside every memslot is emulated MMIO (an MMIO spte that maps no host memory, so no invalidation concerns it; not modelled): give an address inside one`,
      );
    }
    return [`${nid}.vcpu`, address, nonNegativeInt(p.retries, 'retries', ctx, 1)];
  },
};

// ------------------------------------------------------------------------------------------------
// Instance state and variants.

function instance(id: string, objects: readonly ObjectRange[]): InstanceState {
  return {
    mem: {
      [`${id}.mmu_notifier_count`]: 0,
      [`${id}.mmu_notifier_seq`]: 0,
      [`${id}.tlbs_dirty`]: 0,
      [`${id}.bug`]: 0,
      [`${id}.apic_access_hva`]: APIC_HVA_NONE,
      [`${id}.arch.mmu_valid_gen`]: 0,
      ...mappedMem(id, objects),
    },
    locks: { [`${id}.mmu_lock`]: 'spin' },
    statics: { ...objectStatics(id, objects, 'memslots'), [`${id}.vcpu.kvm`]: id },
    balanced: [`${id}.mmu_notifier_count`],
  };
}

const ops = {
  release: 'kvm_mmu_notifier_release',
  invalidate_range_start: 'kvm_mmu_notifier_invalidate_range_start',
  invalidate_range_end: 'kvm_mmu_notifier_invalidate_range_end',
};
const globals = ['RET_PF_RETRY', 'RET_PF_EMULATE', 'KVM_REQ_MMU_RELOAD', 'pte_list_desc_cache'];
const RELEASE_FNS = [release, flushShadowAll, zapAllPages, reloadRemoteMmus];

const v418: VariantDef = {
  description: 'Before 93065ac753e4 (v4.18): void start; x86 kvm_arch_mmu_notifier_invalidate_range returns nothing.',
  version: 'v4.18',
  api: 'v4.18',
  flags: 1,
  ops,
  primitives: KVM_PRIMITIVES,
  instance,
  globals,
  fns: [mmuNotifierToKvm, archV418, startV418, end, ...RELEASE_FNS],
  threads: { tdp_fault: TDP_FAULT },
};

const v93065: VariantDef = variantByPatch(v418, '93065ac753e4-blockable-mode.patch', {
  description: 'The patch (93065ac753e4, as in v4.19): start takes blockable, passes it to the x86 kvm_arch_mmu_notifier_invalidate_range and returns its 0; nothing in it sleeps.',
  version: '93065ac753e4',
  api: 'v4.19',
});

const v50 = rangeV50(v93065, 'v5.0: the 93065ac753e4 (v4.19) functions with');
const v52 = rangeV52(v50, 'v5.2 (and v5.4): the v5.0 variant with');

export const KVM: DriverDef = {
  name: 'kvm',
  description: 'KVM x86 (virt/kvm/kvm_main.c, arch/x86/kvm/x86.c, arch/x86/kvm/mmu.c): mmu_notifier_count/seq protocol with the TDP fault path',
  // v6.6: src/model/kernel/drivers/kvm66.ts (its primitives beside the older variants').
  variants: { 'v4.18': v418, '93065ac753e4': v93065, 'v5.0': v50, 'v5.2': v52, 'v6.6': { ...kvmV66, primitives: { ...KVM_PRIMITIVES, ...KVM66_PRIMITIVES } } },
  defaultVariant: { 'v4.18': 'v4.18', 'v4.19': '93065ac753e4', 'v5.0': 'v5.0', 'v5.2': 'v5.2' },
};
