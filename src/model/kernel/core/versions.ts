/**
 * Kernel core versions a scenario can choose: the notifier core, the OOM reaper and exit_mmap as
 * they stood at each point of the history the seeds tell.
 */
import type { FnDef } from '../../lang/ir.ts';
import type { NotifierApi } from '../driver.ts';
import type { PairingContract } from '../../lang/program.ts';
import * as mn from './mmu_notifier.ts';
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
}

/** Functions every version shares (the callers of start/end that threads run). */
const callers: readonly FnDef[] = [
  mem.unmapPageRange,
  mem.zapPmdRange,
  mem.splitHugePmd,
  mem.splitHugePmdAddress,
  mem.vmaAdjustTransHuge,
  mem.unmapSingleVma,
  mem.unmapVmas,
  mem.zapPageRange,
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
  mem.wpPageCopy,
  mem.badArea,
  mem.doPageFault,
  mem.mmput,
  mem.mmputInner,
  mn.endCore,
  mn.wrapperEnd,
  mn.wrapperOnlyEnd,
  mn.release,
  mn.wrapperRelease,
  mn.unregister,
  mn.unregisterNoRelease,
  oom.reapTask,
  oom.oomReaper,
  ...PAGE_ALLOC_FNS,
  ...WORKQUEUE_FNS,
];

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
};
