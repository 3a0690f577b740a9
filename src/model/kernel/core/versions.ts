/**
 * Kernel core versions a scenario can choose: the notifier core, the OOM reaper and exit_mmap as
 * they stood at each point of the history the seeds tell.
 */
import type { FnDef } from '../../lang/ir.ts';
import type { NotifierApi } from '../driver.ts';
import type { PairingContract } from '../../lang/program.ts';
import * as mn from './mmu_notifier.ts';
import * as itree from './mmu_interval.ts';
import * as itree66 from './mmu_itree_v66.ts';
import * as v512 from './mmu_v512.ts';
import * as v66 from './mmu_v66.ts';
import { invalidateV66 } from './scenario_threads.ts';
import * as oom from './oom_kill.ts';
import * as mem from './memory.ts';
import { PAGE_ALLOC_FNS } from './page_alloc.ts';
import { WORKQUEUE_FNS } from './workqueue.ts';

export interface CoreVersion {
  readonly name: string;
  /** One paragraph: what this version is and where it comes from. */
  readonly description: string;
  /** The callback signatures this core calls. */
  readonly api: NotifierApi;
  /** Every core function (notifier core, reaper, exit, and the callers threads run). */
  readonly fns: readonly FnDef[];
  readonly contract: PairingContract;
  /** Whether the reaper and exit_mmap take `oom_lock` (it was removed by af5679fbc669 in v4.19). */
  readonly oomLock: boolean;
  /**
   * Driver variants this kernel shipped where a scenario names a driver without a variant, with the
   * evidence; a driver not listed ships its variant for the core's callback API (`defaultVariant`).
   */
  readonly ships?: Readonly<Record<string, { readonly variant: string; readonly why: string }>>;
  /** Whether the core has interval notifiers (v5.5 on, 99cb252f5e68): a driver variant with `interval` needs it. */
  readonly itree?: boolean;
  /**
   * Ghost variables (`ghost.<name>`, docs/model.md "Ghost state") this core's functions record beyond
   * those of every core: `warn` for the core's own WARN_ON (v5.4, no-bug:warn).
   */
  readonly ghosts?: readonly string[];
  /**
   * The function of the model-only `invalidate` thread, where the core's callers do not call it as
   * the other cores of its callback API do (6.6: no `only_end` argument, the range without the VMA);
   * default the one of its API.
   */
  readonly invalidate?: FnDef;
  /**
   * Whether the reaper reaps mlocked VMAs (6.6: `__oom_reap_task_mm()` skips only VM_HUGETLB and
   * VM_PFNMAP ones; up to v5.x can_madv_dontneed_vma()/can_madv_lru_vma() skipped VM_LOCKED too).
   */
  readonly reapsLocked?: boolean;
  /**
   * Whether `mmu_interval_notifier_insert()`/`_remove()` are steps a thread can take, with the
   * deferred list of `mn_itree_inv_end()` run (v6.6: src/model/kernel/core/mmu_itree_v66.ts); the other
   * interval cores have a static tree. A driver variant with a `dynamicInterval` needs it.
   */
  readonly dynamicItree?: boolean;
  /** Whether the core's texts spell v5.7's `mm->notifier_subscriptions` (v5.12 on). */
  readonly subscriptions?: boolean;
  /** process_mrelease(2) (5.15 on): the functions of the `process_mrelease` thread, which only such a core can run. */
  readonly processMrelease?: { readonly fn: string; readonly fns: readonly FnDef[] };
}

/** The callers of start/end that threads run, in each form of the range (the other functions every version shares). */
interface RangeCallers {
  readonly splitHugePmd: FnDef;
  readonly unmapVmas: FnDef;
  readonly zapPageRange: FnDef;
  readonly wpPageCopy: FnDef;
  /** The core's end walk and its wrappers. */
  readonly end: readonly FnDef[];
  /** exit_mmap's __mmu_notifier_release and what it calls (v5.5 splits it); default the 4.19.y one. */
  readonly release?: readonly FnDef[];
  /** oom_reap_task() and the reaper kthread; default v4.19's. */
  readonly reaper?: readonly FnDef[];
}

function callersOf(v: RangeCallers): readonly FnDef[] {
  return [
    mem.unmapPageRange,
    mem.zapPmdRange,
    v.splitHugePmd,
    mem.splitHugePmdAddress,
    mem.vmaAdjustTransHuge,
    mem.unmapSingleVma,
    v.unmapVmas,
    v.zapPageRange,
    mem.sysMadvise,
    mem.madviseVma,
    mem.madviseDontneedFree,
    mem.madviseDontneedSingleVma,
    mem.vmMunmap,
    mem.doMunmap,
    mem.splitVma,
    mem.vmAreaDup,
    mem.vmaAdjust,
    mem.vmaAdjustInner,
    mem.detachVmasToBeUnmapped,
    mem.unmapRegion,
    mem.removeVmaList,
    mem.removeVma,
    v.wpPageCopy,
    mem.badArea,
    mem.doPageFault,
    mem.mmput,
    mem.mmputInner,
    ...v.end,
    ...(v.release ?? [mn.release]),
    mn.wrapperRelease,
    mn.unregister,
    mn.unregisterNoRelease,
    ...(v.reaper ?? [oom.reapTask, oom.oomReaper]),
    ...PAGE_ALLOC_FNS,
    ...WORKQUEUE_FNS,
  ];
}

/** Up to v4.19 (and the mayfail core): the callers pass (mm, start, end). */
const callers = callersOf({
  splitHugePmd: mem.splitHugePmd,
  unmapVmas: mem.unmapVmas,
  zapPageRange: mem.zapPageRange,
  wpPageCopy: mem.wpPageCopy,
  end: [mn.endCore, mn.wrapperEnd, mn.wrapperOnlyEnd],
});

/** v5.0: the callers put a struct mmu_notifier_range on their stack (ac46d4f3c432); the end walk takes it. */
const callersV50 = (end: readonly FnDef[]): readonly FnDef[] => [
  ...callersOf({ splitHugePmd: mem.splitHugePmdV50, unmapVmas: mem.unmapVmasV50, zapPageRange: mem.zapPageRangeV50, wpPageCopy: mem.wpPageCopyV50, end }),
  mem.tryToUnmapOneV50,
  mn.rangeInitV50,
];

/** v5.2 and v5.4: the seven-argument mmu_notifier_range_init() with the event (6f4f13e8d9e2). */
const callersV52 = (end: readonly FnDef[], release?: readonly FnDef[]): readonly FnDef[] => [
  ...callersOf({ splitHugePmd: mem.splitHugePmdV52, unmapVmas: mem.unmapVmasV52, zapPageRange: mem.zapPageRangeV52, wpPageCopy: mem.wpPageCopyV52, end, ...(release ? { release } : {}) }),
  mem.tryToUnmapOneV52,
  mn.rangeInitV52,
];

/**
 * exit_mmap() and oom_reap_task_mm() of the v5.x cores are v4.19's: neither conversion patch
 * (ac46d4f3c432, 6f4f13e8d9e2) touches mm/mmap.c or oom_reap_task_mm(), and the 5.4-based
 * bytedance/kernel tree has oom_reap_task_mm() with the same statements but for the 5.8
 * mmap_read_trylock() API backported into it (issue14-research.md §2.2). Other changes to
 * exit_mmap() between v4.19 and v5.4 were not checked.
 */
const reaperV5: readonly FnDef[] = [oom.reapTaskMmV419, mem.exitMmapV419];

/** What the v5.x cores promise about pairing: v4.19's (an end after every approved start and every blockable one). */
const V50_CONTRACT = { endAfterFailedStart: false, coreEnd: '__mmu_notifier_invalidate_range_end' } as const;

const v419Notifier: readonly FnDef[] = [mn.startV419, mn.wrapperStartV419, mn.wrapperStartNonblock];

export const CORE_VERSIONS: Readonly<Record<string, CoreVersion>> = {
  'v4.18': {
    name: 'v4.18',
    description:
      'Before 93065ac753e4: invalidate_range_start returns nothing; the reaper holds oom_lock, and when mm_has_blockable_invalidate_notifiers() is true it sleeps HZ and returns true, so MMF_OOM_SKIP is set without reaping.',
    api: 'v4.18',
    fns: [...callers, mn.startV418, mn.wrapperStartV418, mn.hasBlockable, oom.reapMmV418, oom.reapTaskMmV418, mem.exitMmapV418, mem.tryToUnmapOne],
    contract: { endAfterFailedStart: false, coreEnd: '__mmu_notifier_invalidate_range_end' },
    oomLock: true,
  },
  '93065ac753e4': {
    name: '93065ac753e4',
    description:
      'The patch as posted (Michal Hocko, "mm, oom: distinguish blockable mode for mmu notifiers", 16 Jul 2018, <20180716115058.5559-1-mhocko@kernel.org>): the blockable argument, __mmu_notifier_invalidate_range_start collecting every callback\'s result, mmu_notifier_invalidate_range_start_nonblock, __oom_reap_task_mm returning bool and skipping a VMA whose start failed (without tlb_finish_mmu), oom_reap_task_mm returning false; oom_lock still taken.',
    api: 'v4.19',
    fns: [...callers, ...v419Notifier, oom.reapMm93065, oom.reapTaskMm93065, mem.exitMmap93065, mem.tryToUnmapOne],
    contract: { endAfterFailedStart: false, coreEnd: '__mmu_notifier_invalidate_range_end' },
    oomLock: true,
  },
  '93065ac753e4-returns-true': {
    name: '93065ac753e4-returns-true',
    description:
      'The patch after "mm, oom: remove oom_lock from oom_reaper" in mmotm, as Andrew Morton quotes it in the review thread (21 Jul 2018, in reply to <20180716115058.5559-1-mhocko@kernel.org>): a failed partial reap makes oom_reap_task_mm return true, so the reaper gives up after one attempt.',
    api: 'v4.19',
    fns: [...callers, ...v419Notifier, oom.reapMm93065, oom.reapTaskMmReturnsTrue, mem.exitMmapV419, mem.tryToUnmapOne],
    contract: { endAfterFailedStart: false, coreEnd: '__mmu_notifier_invalidate_range_end' },
    oomLock: false,
  },
  'v4.19': {
    name: 'v4.19',
    description:
      'As merged in v4.19: Michal Hocko\'s return-value fix and cleanup of oom_reap_task_mm from the thread, tlb_finish_mmu on the failure branch, no oom_lock (af5679fbc669).',
    api: 'v4.19',
    fns: [...callers, ...v419Notifier, oom.reapMmV419, oom.reapTaskMmV419, mem.exitMmapV419, mem.tryToUnmapOne],
    contract: { endAfterFailedStart: false, coreEnd: '__mmu_notifier_invalidate_range_end' },
    oomLock: false,
    ships: {
      gntdev: {
        variant: '93065ac753e4',
        why:
          'the hunk as posted, which returns -EAGAIN on any overlap even when blockable. Michal Hocko\'s "xen/gntdev: fix up blockable calls to mn_invl_range_start" (the fixup variant) is in 4.19.y; it was patch 1/3 of his "mmu_notifiers follow ups" series of 27 Aug 2018 to Andrew Morton, whose patches 2/3 (the end-side sentence of mmu_notifier.h) and 3/3 (dropping MMU_INVALIDATE_DOES_NOT_BLOCK) are not in v4.19 (checked against v4.19\'s include/linux/mmu_notifier.h and mm/), so the series landed after v4.19.0. v4.19.0\'s drivers/xen/gntdev.c itself was not at hand to settle it directly',
      },
      amdgpu: {
        variant: '93065ac753e4',
        why: "the posted amdgpu_mn_read_lock (mutex_trylock of read_lock, then down_read_non_owner): a 4.19.y drivers/gpu/drm/amd/amdgpu/amdgpu_mn.c has it; Michal Hocko's \"drm/amd: clarify amdgpu_mn_read_lock !blocking mode\" (the clarify variant) is not in it",
      },
    },
  },
  mayfail: {
    name: 'mayfail',
    description:
      'v4.19 with the 2020 MAYFAIL RFC carried over (Chris Wilson, "[PATCH 1/2] mm/mmu_notifier: Mark up direct reclaim paths with MAYFAIL", 24 Jun 2020): try_to_unmap_one starts its range with MMU_NOTIFIER_RANGE_MAYFAIL, the core turns a callback\'s -EAGAIN into success there, and invalidate_range_end is still called after a failed MAYFAIL start. Callbacks receive the range flags where v4.19 passes `blockable` (MMU_NOTIFIER_RANGE_BLOCKABLE is bit 0, so `if (blockable)` reads them unchanged).',
    api: 'v4.19',
    fns: [
      ...callers,
      mn.startMayfail,
      mn.wrapperStartMayfailBlockable,
      mn.wrapperStartMayfailNonblock,
      mn.wrapperStartMayfail,
      oom.reapMmV419,
      oom.reapTaskMmV419,
      mem.exitMmapV419,
      mem.tryToUnmapOneMayfail,
    ],
    contract: { endAfterFailedStart: true, coreEnd: '__mmu_notifier_invalidate_range_end' },
    oomLock: false,
  },
  'v5.0': {
    name: 'v5.0',
    description:
      'v5.0 (5d6527a784f7, ac46d4f3c432): the callbacks take `const struct mmu_notifier_range *range` (mm, start, end, blockable) on the caller\'s stack; mmu_notifier_invalidate_range_start() sets range->blockable = true, _nonblock() false; the end callbacks get the caller\'s range (non-blockable after the reaper\'s start, where v4.19 forced blockable); the reaper and the callers initialise the range with mmu_notifier_range_init(). Read from the patches as mailed (no v5.0 tree in the index; docs/model.md).',
    api: 'v5.0',
    fns: [
      ...callersV50([mn.endV50, mn.wrapperEndV50, mn.wrapperOnlyEndV50]),
      mn.startV50,
      mn.wrapperStartV50,
      mn.wrapperStartNonblockV50,
      oom.reapMmV50,
      ...reaperV5,
    ],
    contract: V50_CONTRACT,
    oomLock: false,
  },
  'v5.2': {
    name: 'v5.2',
    description:
      'v5.2 (4a83bfe916f3, 27560ee9, 6f4f13e8d9e2): range->flags with MMU_NOTIFIER_RANGE_BLOCKABLE, read through mmu_notifier_range_blockable(); mmu_notifier_range_init() takes the event, flags and VMA. The contract is v5.0\'s.',
    api: 'v5.2',
    fns: [
      ...callersV52([mn.endV52, mn.wrapperEndV52, mn.wrapperOnlyEndV52]),
      mn.startV52,
      mn.wrapperStartV52,
      mn.wrapperStartNonblockV52,
      oom.reapMmV52,
      ...reaperV5,
    ],
    contract: V50_CONTRACT,
    oomLock: false,
  },
  'v5.4': {
    name: 'v5.4',
    description:
      'v5.4 (ba170f76b69d, 8402ce61bec2, 23b68395c7c7): non_block_start()/non_block_end() around every start and end callback of a non-blockable range, so a sleep there is the kernel\'s own "BUG: sleeping function called from invalid context" under CONFIG_DEBUG_ATOMIC_SLEEP; WARN_ON(mmu_notifier_range_blockable(range) || _ret != -EAGAIN) for a failed start; the lockdep map __mmu_notifier_invalidate_range_start_map (not modelled) and might_sleep() in the wrappers.',
    api: 'v5.2',
    fns: [
      ...callersV52([mn.endV54, mn.wrapperEndV54, mn.wrapperOnlyEndV54]),
      mn.startV54,
      mn.wrapperStartV54,
      mn.wrapperStartNonblockV54,
      oom.reapMmV54,
      ...reaperV5,
    ],
    contract: V50_CONTRACT,
    oomLock: false,
    ghosts: ['warn'],
  },
  'v5.5': {
    name: 'v5.5',
    description:
      'v5.5 (99cb252f5e68): the v5.4 core plus interval notifiers (struct mmu_interval_notifier): __mmu_notifier_invalidate_range_start walks the interval tree first (mn_itree_invalidate: mmn_mm->invalidate_seq made odd, ops->invalidate(mni, range, cur_seq) returning bool; false in non-blockable mode ends the itree at once and returns -EAGAIN before any hlist notifier runs, false in blockable mode is WARN_ON and ignored), then the v5.4 hlist walk; the end calls mn_itree_inv_end() (the last active range makes invalidate_seq even and wakes the readers) before the hlist ends; exit_mmap\'s release invalidates the whole itree; readers use mmu_interval_read_begin() (sleeps while their notifier\'s invalidation is active) and mmu_interval_read_retry(). The interval tree is static in a scenario (no insert or remove).',
    api: 'v5.2',
    fns: [
      ...callersV52([itree.endV55, mn.wrapperEndV54, mn.wrapperOnlyEndV54], [itree.releaseV55, itree.hlistRelease, itree.itreeRelease]),
      ...itree.ITREE_FNS.filter((f) => f !== itree.endV55 && f !== itree.releaseV55 && f !== itree.hlistRelease && f !== itree.itreeRelease),
      mn.wrapperStartV54,
      mn.wrapperStartNonblockV54,
      oom.reapMmV54,
      ...reaperV5,
    ],
    contract: { ...V50_CONTRACT, itreeEnd: 'mn_itree_inv_end' },
    oomLock: false,
    itree: true,
    ghosts: ['warn', 'interval_warn', 'interval_stale'],
  },
  'v5.12': {
    name: 'v5.12',
    description:
      'v5.12 (c2655835fd8c, "mm/mmu_notifiers: ensure range_end() is paired with range_start()"): the v5.5 core, spelled as v5.7 renamed it (struct mmu_notifier_subscriptions, interval_sub), plus: when a start of the hlist fails (the reaper\'s non-blocking start), mn_hlist_invalidate_range_start calls ->invalidate_range_end of every hlist notifier that has one, the one that failed included, in a second walk of the list (without non_block_start() around it), and WARN_ON(ops->invalidate_range_end) for the failing notifier: a notifier that can fail its start must not have an end. The caller still calls no end after the failure. The reaper and the other callers are v5.5\'s. Read in a >= 5.12, < 6.6 tree (ammarfaizi2/linux-block @ 0cbf1bdfa4f5).',
    api: 'v5.2',
    fns: [
      ...callersV52([v512.endV512, mn.wrapperEndV54, mn.wrapperOnlyEndV54], v512.V512_RELEASE),
      ...v512.V512_FNS,
      mn.wrapperStartV54,
      mn.wrapperStartNonblockV54,
      oom.reapMmV54,
      ...reaperV5,
    ],
    contract: { ...V50_CONTRACT, itreeEnd: 'mn_itree_inv_end', endsAfterFailedHlistStart: true },
    oomLock: false,
    itree: true,
    subscriptions: true,
    ghosts: ['warn', 'warn_end', 'interval_warn', 'interval_stale'],
  },
  'v6.6': {
    name: 'v6.6',
    description:
      'v6.6, the current LTS of the 6.x line (1af5a8109904 and its series): the v5.12 core (the unwind after a failed start, its WARN_ON) with ->invalidate_range renamed ->arch_invalidate_secondary_tlbs and no longer called by the end walk, so only_end and mmu_notifier_invalidate_range_only_end() are gone; mmu_notifier_range_init() without the VMA; the OOM reaper on the maple tree and the mmap_lock API, which reaps mlocked VMAs too; exit_mmap() without its OOM-victim branch (it unmaps under mmap_read_lock beside the reaper, then sets MMF_OOM_SKIP and takes mmap_write_lock); and process_mrelease(2), a second non-blocking caller of __oom_reap_task_mm() (thread kind process_mrelease). The other callers are v5.2\'s texts with the 6.6 notifier API. Read in a 6.6-6.8 tree (Laminad/WSL2-Linux-Kernel @ 7ed2a1194df1).',
    api: 'v5.2',
    fns: [
      ...callersOf({
        splitHugePmd: mem.splitHugePmdV66,
        unmapVmas: mem.unmapVmasV66,
        zapPageRange: mem.zapPageRangeV66,
        wpPageCopy: mem.wpPageCopyV66,
        end: [v66.endV66, v66.wrapperEndV66],
        release: [...v512.V512_RELEASE.filter((f) => f !== v512.itreeReleaseV512), v66.itreeReleaseV66],
        reaper: [oom.reapTaskV66, oom.oomReaperV66],
      }),
      mem.tryToUnmapOneV66,
      v66.rangeInitV66,
      ...v512.V512_FNS.filter((f) => f !== v512.hlistInvalidateEndV512 && f !== v512.itreeInvEndV512),
      v66.hlistInvalidateEndV66,
      itree66.itreeInvEndV66,
      ...itree66.ITREE_DYNAMIC_V66,
      mn.wrapperStartV54,
      mn.wrapperStartNonblockV54,
      oom.reapMmV66,
      oom.reapTaskMmV66,
      mem.exitMmapV66,
    ],
    contract: { ...V50_CONTRACT, itreeEnd: 'mn_itree_inv_end', endsAfterFailedHlistStart: true },
    oomLock: false,
    itree: true,
    dynamicItree: true,
    subscriptions: true,
    ghosts: ['warn', 'warn_end', 'interval_warn', 'interval_stale'],
    invalidate: invalidateV66,
    reapsLocked: true,
    processMrelease: { fn: oom.processMreleaseV66.name, fns: [oom.processMreleaseV66, oom.taskWillFreeMemV66] },
    ships: {
      amdgpu: {
        variant: 'v6.6',
        why: 'drivers/gpu/drm/amd/amdgpu/amdgpu_hmm.c (amdgpu_mn.c until v5.19): one mmu_interval_notifier per userptr BO since v5.6; amdgpu_hmm_invalidate_gfx as v6.2-v6.8 have it, and the CS ioctl of v6.6 (drm_exec)',
      },
      'amdgpu-hsa': {
        variant: 'v6.6',
        why: 'amdgpu_hmm_invalidate_hsa() in amdgpu_hmm.c as v6.2-v6.8 have it, with amdgpu_amdkfd_gpuvm.c\'s userptr eviction',
      },
      kvm: {
        variant: 'v6.6',
        why: 'virt/kvm/kvm_main.c as v6.1-v6.7 have it (mmu_invalidate_begin/end, __kvm_handle_hva_range with may_block), read in the patch mails against v6.1 and v6.6 ("KVM: Use gfn instead of hva for mmu_notifier_retry", the guest_memfd series)',
      },
      gntdev: {
        variant: 'v6.6',
        why: 'drivers/xen/gntdev.c with one mmu_interval_notifier per grant map (gregkh/linux @ 52dc40ef0cfe, a v6.1/v6.2 text; no later change to these lines was found)',
      },
      umem_odp: {
        variant: 'v6.6',
        why: 'drivers/infiniband/core/umem_odp.c as v5.13-v6.14 have it (ammarfaizi2/linux-block @ 01127dbe8365), with mlx5\'s mlx5_ib_invalidate_range and page fault (drivers/infiniband/hw/mlx5/odp.c, v6.0-v6.14)',
      },
      i915: {
        variant: 'v6.6',
        why: 'drivers/gpu/drm/i915/gem/i915_gem_userptr.c of v6.6.35 (an interval notifier since ed29c2691188, v5.13), with the execbuffer\'s check under read_lock(&i915->mm.notifier_lock)',
      },
      hfi1: {
        variant: 'v6.6',
        why: 'drivers/infiniband/hw/hfi1/user_exp_rcv.c: the TID nodes\' mmu_interval_notifiers with the v6.2 fixes 1c7edde1b572 and b3deec25847b, both in v6.6',
      },
    },
  },
};
