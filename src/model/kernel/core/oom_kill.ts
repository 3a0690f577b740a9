/**
 * mm/oom_kill.c: the OOM reaper, by version.
 *
 * - `v4.18`: before 93065ac753e4: `oom_lock` held across the attempt, the
 *   `mm_has_blockable_invalidate_notifiers()` back-off (sleep `HZ`, return true), a void
 *   `__oom_reap_task_mm()` that calls the blockable start. Rebuilt from the `-` side of the seed diff
 *   and ../shared/kernel/README.md §2 ("v4.18 oom_reap_task_mm()").
 * - `93065ac753e4`: the patch as posted in seed 001 (`+` side): `__oom_reap_task_mm()` returns bool and
 *   skips a VMA whose non-blocking start failed (without `tlb_finish_mmu()`), the caller returns false.
 * - `93065ac753e4-returns-true`: the mmotm state Andrew Morton quotes in the thread after
 *   "mm, oom: remove oom_lock from oom_reaper": `oom_lock` gone, and a failed partial reap returning
 *   **true** (Michal Hocko: "oom_reap_task_mm should return false when __oom_reap_task_mm return false").
 * - `v4.19`: as merged: the return-value fix and Michal's cleanup (`out_finish` / `out_unlock`), and
 *   `tlb_finish_mmu()` on the failure branch. Exact v4.19 (../shared/kernel/README.md §2).
 *
 * Ghost state (model-only bookkeeping, marked `ghost->` and never read by kernel code; see
 * docs/model.md): `ghost->oom_obstructed` is set when an attempt meets a real obstacle (the mmap_sem
 * trylock failed, or a notifier returned an error to the non-blocking start);
 * `ghost->oom_obstructed_attempts` counts the attempts that failed so obstructed; the setter of
 * MMF_OOM_SKIP is recorded in `ghost->oom_skip_by_reaper` / `ghost->oom_skip_by_exit`.
 */
import { c, cAs, cg, else_, fn, shown, for_, if_, ifAs, label, parseExpr, while_, type FnDef, type Stmt } from '../../lang/ir.ts';
import { RANGE_V50, RANGE_V52 } from './mmu_notifier.ts';
import { RANGE_V66 } from './mmu_v66.ts';

const FILE = 'mm/oom_kill.c';

// ------------------------------------------------------------------------------------------------
// __oom_reap_task_mm

/** The body of the VMA loop shared by every version up to the point where the start is called. */
function vmaLoop(inner: readonly Stmt[]): Stmt {
  return for_('vma = mm->mmap', 'vma', 'vma = vma->vm_next', [
    if_('!can_madv_dontneed_vma(vma)', [c('continue;')]),
    if_('vma_is_anonymous(vma) || !(vma->vm_flags & VM_SHARED)', [
      c('const unsigned long start = vma->vm_start;'),
      c('const unsigned long end = vma->vm_end;'),
      c('struct mmu_gather tlb;'),
      c('tlb_gather_mmu(&tlb, mm, start, end);'),
      ...inner,
    ]),
  ]);
}

export const reapMmV418: FnDef = fn({
  name: '__oom_reap_task_mm',
  file: FILE,
  version: 'v4.18',
  source: 'seed 001 diff, mm/oom_kill.c (- side)',
  signature: 'void __oom_reap_task_mm(struct mm_struct *mm)',
  params: ['mm'],
  body: [
    c('set_bit(MMF_UNSTABLE, &mm->flags);'),
    vmaLoop([
      c('mmu_notifier_invalidate_range_start(mm, start, end);'),
      c('unmap_page_range(&tlb, vma, start, end, NULL);'),
      c('mmu_notifier_invalidate_range_end(mm, start, end);'),
      c('tlb_finish_mmu(&tlb, start, end);'),
    ]),
  ],
});

export const reapMm93065: FnDef = fn({
  name: '__oom_reap_task_mm',
  file: FILE,
  version: '93065ac753e4',
  source: 'seed 001 diff, mm/oom_kill.c (+ side)',
  signature: 'bool __oom_reap_task_mm(struct mm_struct *mm)',
  params: ['mm'],
  body: [
    c('bool ret = true;'),
    c('set_bit(MMF_UNSTABLE, &mm->flags);'),
    vmaLoop([
      if_('mmu_notifier_invalidate_range_start_nonblock(mm, start, end)', [
        cg('ret = false;', undefined, 'ghost->oom_obstructed = 1'),
        c('continue;'),
      ]),
      c('unmap_page_range(&tlb, vma, start, end, NULL);'),
      c('mmu_notifier_invalidate_range_end(mm, start, end);'),
      c('tlb_finish_mmu(&tlb, start, end);'),
    ]),
    c('return ret;'),
  ],
});

export const reapMmV419: FnDef = fn({
  name: '__oom_reap_task_mm',
  file: FILE,
  version: 'v4.19',
  source: '../shared/kernel/README.md §2 [exact v4.19]',
  signature: 'bool __oom_reap_task_mm(struct mm_struct *mm)',
  params: ['mm'],
  body: [
    c('bool ret = true;'),
    c('set_bit(MMF_UNSTABLE, &mm->flags);'),
    vmaLoop([
      if_('mmu_notifier_invalidate_range_start_nonblock(mm, start, end)', [
        c('tlb_finish_mmu(&tlb, start, end);'),
        cg('ret = false;', undefined, 'ghost->oom_obstructed = 1'),
        c('continue;'),
      ]),
      c('unmap_page_range(&tlb, vma, start, end, NULL);'),
      c('mmu_notifier_invalidate_range_end(mm, start, end);'),
      c('tlb_finish_mmu(&tlb, start, end);'),
    ]),
    c('return ret;'),
  ],
});

// ------------------------------------------------------------------------------------------------
// oom_reap_task_mm

export const reapTaskMmV418: FnDef = fn({
  name: 'oom_reap_task_mm',
  file: FILE,
  version: 'v4.18',
  source: '../shared/kernel/README.md §2 ("v4.18 oom_reap_task_mm()", recon) and the seed diff\'s - side',
  signature: 'static bool oom_reap_task_mm(struct task_struct *tsk, struct mm_struct *mm)',
  params: ['tsk', 'mm'],
  body: [
    c('bool ret = true;'),
    c('mutex_lock(&oom_lock);'),
    if_('!down_read_trylock(&mm->mmap_sem)', [
      cg('ret = false;', undefined, 'ghost->oom_obstructed = 1'),
      c('trace_skip_task_reaping(tsk->pid);'),
      c('goto unlock_oom;'),
    ]),
    if_('mm_has_blockable_invalidate_notifiers(mm)', [
      c('up_read(&mm->mmap_sem);'),
      c('schedule_timeout_idle(HZ);'),
      c('goto unlock_oom;'),
    ]),
    if_('test_bit(MMF_OOM_SKIP, &mm->flags)', [
      c('up_read(&mm->mmap_sem);'),
      c('trace_skip_task_reaping(tsk->pid);'),
      c('goto unlock_oom;'),
    ]),
    c('trace_start_task_reaping(tsk->pid);'),
    c('__oom_reap_task_mm(mm);'),
    c('pr_info("oom_reaper: reaped process %d (%s), now anon-rss:%lukB, file-rss:%lukB, shmem-rss:%lukB\\n", ...);'),
    c('up_read(&mm->mmap_sem);'),
    c('trace_finish_task_reaping(tsk->pid);'),
    label('unlock_oom'),
    c('mutex_unlock(&oom_lock);'),
    c('return ret;'),
  ],
});

export const reapTaskMm93065: FnDef = fn({
  name: 'oom_reap_task_mm',
  file: FILE,
  version: '93065ac753e4',
  source: 'seed 001 diff, mm/oom_kill.c (+ side, on the v4.18 function with oom_lock)',
  signature: 'static bool oom_reap_task_mm(struct task_struct *tsk, struct mm_struct *mm)',
  params: ['tsk', 'mm'],
  body: [
    c('bool ret = true;'),
    c('mutex_lock(&oom_lock);'),
    if_('!down_read_trylock(&mm->mmap_sem)', [
      cg('ret = false;', undefined, 'ghost->oom_obstructed = 1'),
      c('trace_skip_task_reaping(tsk->pid);'),
      c('goto unlock_oom;'),
    ]),
    if_('test_bit(MMF_OOM_SKIP, &mm->flags)', [
      c('up_read(&mm->mmap_sem);'),
      c('trace_skip_task_reaping(tsk->pid);'),
      c('goto unlock_oom;'),
    ]),
    c('trace_start_task_reaping(tsk->pid);'),
    if_('!__oom_reap_task_mm(mm)', [c('up_read(&mm->mmap_sem);'), c('ret = false;'), c('goto unlock_oom;')]),
    c('pr_info("oom_reaper: reaped process %d (%s), now anon-rss:%lukB, file-rss:%lukB, shmem-rss:%lukB\\n", ...);'),
    c('up_read(&mm->mmap_sem);'),
    c('trace_finish_task_reaping(tsk->pid);'),
    label('unlock_oom'),
    c('mutex_unlock(&oom_lock);'),
    c('return ret;'),
  ],
});

export const reapTaskMmReturnsTrue: FnDef = fn({
  name: 'oom_reap_task_mm',
  file: FILE,
  version: '93065ac753e4-returns-true',
  source: 'seed 001, Andrew Morton, 20 Jul 2018 (#6): the function as it stood in mmotm after "mm, oom: remove oom_lock from oom_reaper"',
  signature: 'static bool oom_reap_task_mm(struct task_struct *tsk, struct mm_struct *mm)',
  params: ['tsk', 'mm'],
  body: [
    if_('!down_read_trylock(&mm->mmap_sem)', [
      cg('trace_skip_task_reaping(tsk->pid);', undefined, 'ghost->oom_obstructed = 1'),
      c('return false;'),
    ]),
    if_('test_bit(MMF_OOM_SKIP, &mm->flags)', [
      c('up_read(&mm->mmap_sem);'),
      c('trace_skip_task_reaping(tsk->pid);'),
      c('return true;'),
    ]),
    c('trace_start_task_reaping(tsk->pid);'),
    if_('!__oom_reap_task_mm(mm)', [c('up_read(&mm->mmap_sem);'), c('return true;')]),
    c('pr_info("oom_reaper: reaped process %d (%s), now anon-rss:%lukB, file-rss:%lukB, shmem-rss:%lukB\\n", ...);'),
    c('up_read(&mm->mmap_sem);'),
    c('trace_finish_task_reaping(tsk->pid);'),
    c('return true;'),
  ],
});

export const reapTaskMmV419: FnDef = fn({
  name: 'oom_reap_task_mm',
  file: FILE,
  version: 'v4.19',
  source: '../shared/kernel/README.md §2 [exact v4.19]: Michal Hocko\'s return-value fix and cleanup from the thread',
  signature: 'static bool oom_reap_task_mm(struct task_struct *tsk, struct mm_struct *mm)',
  params: ['tsk', 'mm'],
  body: [
    c('bool ret = true;'),
    if_('!down_read_trylock(&mm->mmap_sem)', [
      cg('trace_skip_task_reaping(tsk->pid);', undefined, 'ghost->oom_obstructed = 1'),
      c('return false;'),
    ]),
    if_('test_bit(MMF_OOM_SKIP, &mm->flags)', [c('trace_skip_task_reaping(tsk->pid);'), c('goto out_unlock;')]),
    c('trace_start_task_reaping(tsk->pid);'),
    c('ret = __oom_reap_task_mm(mm);'),
    if_('!ret', [c('goto out_finish;')]),
    c('pr_info("oom_reaper: reaped process %d (%s), now anon-rss:%lukB, file-rss:%lukB, shmem-rss:%lukB\\n", ...);'),
    label('out_finish'),
    c('trace_finish_task_reaping(tsk->pid);'),
    label('out_unlock'),
    c('up_read(&mm->mmap_sem);'),
    c('return ret;'),
  ],
});

// ------------------------------------------------------------------------------------------------
// oom_reap_task and the reaper thread (the same in every version).

export const reapTask: FnDef = fn({
  name: 'oom_reap_task',
  file: FILE,
  version: 'v4.19',
  source: '../shared/kernel/README.md §2 [exact v4.19]; the v4.18 loop is the same',
  signature: 'static void oom_reap_task(struct task_struct *tsk)',
  params: ['tsk'],
  body: [
    c('int attempts = 0;'),
    c('struct mm_struct *mm = tsk->signal->oom_mm;'),
    while_('attempts++ < MAX_OOM_REAP_RETRIES && !oom_reap_task_mm(tsk, mm)', [
      cg('schedule_timeout_idle(HZ/10);', undefined, 'ghost->oom_obstructed_attempts += ghost->oom_obstructed', 'ghost->oom_obstructed = 0'),
    ]),
    if_('attempts <= MAX_OOM_REAP_RETRIES || test_bit(MMF_OOM_SKIP, &mm->flags)', [c('goto done;')]),
    c('pr_info("oom_reaper: unable to reap pid:%d (%s)\\n", task_pid_nr(tsk), tsk->comm);'),
    c('debug_show_all_locks();'),
    label('done'),
    c('tsk->oom_reaper_list = NULL;'),
    cg('set_bit(MMF_OOM_SKIP, &mm->flags);', undefined, 'ghost->oom_skip_by_reaper = 1'),
    c('put_task_struct(tsk);'),
  ],
});

export const oomReaper: FnDef = fn({
  name: 'oom_reaper',
  file: FILE,
  version: 'v4.19',
  source: '../shared/kernel/README.md §2 [exact v4.19]; the kthread\'s endless loop is cut to the one victim of a scenario (docs/model.md)',
  signature: 'static int oom_reaper(void *unused)',
  params: [],
  body: [
    c('struct task_struct *tsk = NULL;'),
    c('wait_event_freezable(oom_reaper_wait, oom_reaper_list != NULL);'),
    c('spin_lock(&oom_reaper_lock);'),
    if_('oom_reaper_list != NULL', [c('tsk = oom_reaper_list;'), c('oom_reaper_list = tsk->oom_reaper_list;')]),
    c('spin_unlock(&oom_reaper_lock);'),
    if_('tsk', [c('oom_reap_task(tsk);')]),
    c('return 0;'),
  ],
});

/** The primitive `unmap_page_range` is modelled in memory.ts; `task_pid_nr` is a no-op here. */
export const taskPidNr = 'task_pid_nr';

// ------------------------------------------------------------------------------------------------
// From v5.0: the range is a struct mmu_notifier_range on the reaper's stack.

/**
 * `__oom_reap_task_mm()` from v5.0: v4.19's function with ac46d4f3c432's mm/oom_kill.c hunk (v5.0),
 * 6f4f13e8d9e2's seven-argument initialisation (v5.2, MMU_NOTIFY_UNMAP) and, in v5.4,
 * can_madv_lru_vma() for can_madv_dontneed_vma() (the name MADV_COLD gave it in v5.4). The v5.4
 * text was read in bytedance/kernel @ 086d38c49ac9 mm/oom_kill.c (a 5.4-based tree, dated by
 * content; it has the 5.8 mmap_read_trylock() backported into oom_reap_task_mm(), which this
 * function does not call; issue14-research.md §2.2), the v5.0 and v5.2 hunks as mailed (§2.1).
 */
function reapMmRange(version: 'v5.0' | 'v5.2' | 'v5.4', source: string): FnDef {
  const init =
    version === 'v5.0'
      ? 'mmu_notifier_range_init(&range, mm, vma->vm_start, vma->vm_end);'
      : 'mmu_notifier_range_init(&range, MMU_NOTIFY_UNMAP, 0, vma, mm, vma->vm_start, vma->vm_end);';
  return fn({
    name: '__oom_reap_task_mm',
    file: FILE,
    version,
    source,
    signature: 'bool __oom_reap_task_mm(struct mm_struct *mm)',
    params: ['mm'],
    stack: { range: version === 'v5.0' ? RANGE_V50 : RANGE_V52 },
    body: [
      c('bool ret = true;'),
      c('set_bit(MMF_UNSTABLE, &mm->flags);'),
      for_('vma = mm->mmap', 'vma', 'vma = vma->vm_next', [
        if_(version === 'v5.4' ? '!can_madv_lru_vma(vma)' : '!can_madv_dontneed_vma(vma)', [c('continue;')]),
        if_('vma_is_anonymous(vma) || !(vma->vm_flags & VM_SHARED)', [
          c('struct mmu_notifier_range range;'),
          c('struct mmu_gather tlb;'),
          c(init),
          c('tlb_gather_mmu(&tlb, mm, range.start, range.end);'),
          if_('mmu_notifier_invalidate_range_start_nonblock(&range)', [
            c('tlb_finish_mmu(&tlb, range.start, range.end);'),
            cg('ret = false;', undefined, 'ghost->oom_obstructed = 1'),
            c('continue;'),
          ]),
          c('unmap_page_range(&tlb, vma, range.start, range.end, NULL);'),
          c('mmu_notifier_invalidate_range_end(&range);'),
          c('tlb_finish_mmu(&tlb, range.start, range.end);'),
        ]),
      ]),
      c('return ret;'),
    ],
  });
}

export const reapMmV50 = reapMmRange(
  'v5.0',
  'v4.19 with ac46d4f3c432\'s mm/oom_kill.c hunk as mailed (<20181205053628.3210-3-jglisse@redhat.com>, quoted whole in <20181205164827.GH30615@quack2.suse.cz>, index id 23211984063; issue14-research.md §2.1)',
);
export const reapMmV52 = reapMmRange(
  'v5.2',
  'the v5.0 function with 6f4f13e8d9e2\'s mm/oom_kill.c hunk as mailed (<20190326164747.24405-6-jglisse@redhat.com>, index id 14916788799): MMU_NOTIFY_UNMAP, which "use correct mmu_notifier events" leaves as it is',
);
export const reapMmV54 = reapMmRange(
  'v5.4',
  'bytedance/kernel @ 086d38c49ac9 mm/oom_kill.c (5.4-based, dated by content; index id 11479975894): the v5.2 function with can_madv_lru_vma()',
);

// ------------------------------------------------------------------------------------------------
// 6.6: the reaper on the maple tree and the mmap_lock API, and process_mrelease(2), a second
// non-blocking caller of __oom_reap_task_mm().

/**
 * Where the 6.6 functions were read: mm/oom_kill.c at Laminad/WSL2-Linux-Kernel @ 7ed2a1194df1
 * (index id 49150047361), the 6.6-6.8 tree of the v6.6 core's mm/mmu_notifier.c, dated by content:
 * VMA_ITERATOR/for_each_vma (6.1), mmu_notifier_range_init() without the VMA (6.3), test_bit() on
 * mm->flags (before the 2025 mm_flags_*() helpers), process_mrelease() with pidfd_get_task() and the
 * MMF_OOM_SKIP re-check under mmap_read_lock. The file has merge-conflict markers in
 * wake_oom_reaper(), oom_kill_process() and out_of_memory(), none of which the model runs; the
 * functions below are clean, and the same as sjp38/linux @ 697f1d6517d1 (issue14-research.md §5.9)
 * but for that tree's later reverse walk and mm_flags_*() spelling.
 */
const SRC_V66 =
  'Laminad/WSL2-Linux-Kernel @ 7ed2a1194df1 mm/oom_kill.c (index id 49150047361; 6.6-6.8 by content: for_each_vma, the range without the VMA, test_bit on mm->flags; issue14-research.md §5.9 for a later text)';
const MMAP_LOCK = 'include/linux/mmap_lock.h (v5.8) wraps the rw_semaphore the model keeps as mm.mmap_sem';

/** `for_each_vma(vmi, vma)` (6.1: the maple tree's iterator) over the model's VMA list: `for (vma = mm->mmap; vma; vma = vma->vm_next)`. */
function forEachVma(body: readonly Stmt[]): Stmt {
  return {
    s: 'for',
    src: { text: 'for_each_vma(vmi, vma) /* model: for (vma = mm->mmap; vma; vma = vma->vm_next): the maple tree is the VMA list */' },
    init: [parseExpr('vma = mm->mmap')],
    cond: parseExpr('vma'),
    update: [parseExpr('vma = vma->vm_next')],
    body,
  };
}

/**
 * `__oom_reap_task_mm()` of 6.6: the VMAs by the maple tree's iterator; only VM_HUGETLB and VM_PFNMAP
 * VMAs are skipped (v4.19 to v5.x skipped VM_LOCKED ones too, through can_madv_dontneed_vma() /
 * can_madv_lru_vma(): an mlocked VMA is reaped in 6.6); the range without the VMA;
 * tlb_gather_mmu(&tlb, mm) and tlb_finish_mmu(&tlb) (5.13). Called by the reaper (oom_reap_task_mm)
 * and by process_mrelease(), both under mmap_read_lock.
 */
export const reapMmV66: FnDef = fn({
  name: '__oom_reap_task_mm',
  file: FILE,
  version: 'v6.6',
  source: SRC_V66,
  signature: 'static bool __oom_reap_task_mm(struct mm_struct *mm)',
  params: ['mm'],
  stack: { range: RANGE_V66 },
  body: [
    c('struct vm_area_struct *vma;'),
    c('bool ret = true;'),
    shown('VMA_ITERATOR(vmi, mm, 0);', 'the maple tree is the VMA list'),
    c('set_bit(MMF_UNSTABLE, &mm->flags);'),
    forEachVma([
      if_('vma->vm_flags & (VM_HUGETLB|VM_PFNMAP)', [c('continue;')]),
      if_('vma_is_anonymous(vma) || !(vma->vm_flags & VM_SHARED)', [
        c('struct mmu_notifier_range range;'),
        c('struct mmu_gather tlb;'),
        c('mmu_notifier_range_init(&range, MMU_NOTIFY_UNMAP, 0, mm, vma->vm_start, vma->vm_end);'),
        c('tlb_gather_mmu(&tlb, mm);'),
        if_('mmu_notifier_invalidate_range_start_nonblock(&range)', [
          c('tlb_finish_mmu(&tlb);'),
          cg('ret = false;', undefined, 'ghost->oom_obstructed = 1'),
          c('continue;'),
        ]),
        c('unmap_page_range(&tlb, vma, range.start, range.end, NULL);'),
        c('mmu_notifier_invalidate_range_end(&range);'),
        c('tlb_finish_mmu(&tlb);'),
      ]),
    ]),
    c('return ret;'),
  ],
});

export const reapTaskMmV66: FnDef = fn({
  name: 'oom_reap_task_mm',
  file: FILE,
  version: 'v6.6',
  source: `${SRC_V66}; ${MMAP_LOCK}`,
  signature: 'static bool oom_reap_task_mm(struct task_struct *tsk, struct mm_struct *mm)',
  params: ['tsk', 'mm'],
  body: [
    c('bool ret = true;'),
    ifAs('!mmap_read_trylock(mm)', '!down_read_trylock(&mm->mmap_sem)', [
      cg('trace_skip_task_reaping(tsk->pid);', undefined, 'ghost->oom_obstructed = 1'),
      c('return false;'),
    ]),
    if_('test_bit(MMF_OOM_SKIP, &mm->flags)', [c('trace_skip_task_reaping(tsk->pid);'), c('goto out_unlock;')]),
    c('trace_start_task_reaping(tsk->pid);'),
    c('ret = __oom_reap_task_mm(mm);'),
    if_('!ret', [c('goto out_finish;')]),
    c('pr_info("oom_reaper: reaped process %d (%s), now anon-rss:%lukB, file-rss:%lukB, shmem-rss:%lukB\\n", ...);'),
    label('out_finish'),
    c('trace_finish_task_reaping(tsk->pid);'),
    label('out_unlock'),
    cAs('mmap_read_unlock(mm);', 'up_read(&mm->mmap_sem);'),
    c('return ret;'),
  ],
});

export const reapTaskV66: FnDef = fn({
  name: 'oom_reap_task',
  file: FILE,
  version: 'v6.6',
  source: `${SRC_V66}: v4.19's loop, with sched_show_task()`,
  signature: 'static void oom_reap_task(struct task_struct *tsk)',
  params: ['tsk'],
  body: [
    c('int attempts = 0;'),
    c('struct mm_struct *mm = tsk->signal->oom_mm;'),
    while_('attempts++ < MAX_OOM_REAP_RETRIES && !oom_reap_task_mm(tsk, mm)', [
      cg('schedule_timeout_idle(HZ/10);', undefined, 'ghost->oom_obstructed_attempts += ghost->oom_obstructed', 'ghost->oom_obstructed = 0'),
    ]),
    if_('attempts <= MAX_OOM_REAP_RETRIES || test_bit(MMF_OOM_SKIP, &mm->flags)', [c('goto done;')]),
    c('pr_info("oom_reaper: unable to reap pid:%d (%s)\\n", task_pid_nr(tsk), tsk->comm);'),
    shown('sched_show_task(tsk);', 'a debug print'),
    c('debug_show_all_locks();'),
    label('done'),
    c('tsk->oom_reaper_list = NULL;'),
    cg('set_bit(MMF_OOM_SKIP, &mm->flags);', undefined, 'ghost->oom_skip_by_reaper = 1'),
    c('put_task_struct(tsk);'),
  ],
});

/**
 * The reaper kthread of 6.6 (one victim, as every core's). In 6.x the victim is queued by a timer,
 * OOM_REAPER_DELAY (2*HZ) after the kill (queue_oom_reaper -> wake_oom_reaper, which drops a victim
 * whose mm already has MMF_OOM_SKIP): not modelled; the victim is queued when the scenario starts
 * (time is not modelled, so any later moment is covered by the reaper's first step coming late).
 */
export const oomReaperV66: FnDef = fn({
  name: 'oom_reaper',
  file: FILE,
  version: 'v6.6',
  source: `${SRC_V66}; the kthread's endless loop is cut to the one victim of a scenario (docs/model.md); spin_lock_irq() runs as spin_lock() (interrupts are not modelled)`,
  signature: 'static int oom_reaper(void *unused)',
  params: [],
  body: [
    c('struct task_struct *tsk = NULL;'),
    c('wait_event_freezable(oom_reaper_wait, oom_reaper_list != NULL);'),
    cAs('spin_lock_irq(&oom_reaper_lock);', 'spin_lock(&oom_reaper_lock);'),
    if_('oom_reaper_list != NULL', [c('tsk = oom_reaper_list;'), c('oom_reaper_list = tsk->oom_reaper_list;')]),
    cAs('spin_unlock_irq(&oom_reaper_lock);', 'spin_unlock(&oom_reaper_lock);'),
    if_('tsk', [c('oom_reap_task(tsk);')]),
    c('return 0;'),
  ],
});

/**
 * `task_will_free_mem()`: whether the task is dying and likely to free its address space. The
 * users of the mm other than the task's own threads (`mm_users > 1`, the for_each_process walk):
 * every thread using the scenario's mm is a thread of its one process, so the walk finds no other
 * and `ret` stays true; shown, not run.
 */
export const taskWillFreeMemV66: FnDef = fn({
  name: 'task_will_free_mem',
  file: FILE,
  version: 'v6.6',
  source: SRC_V66,
  signature: 'static bool task_will_free_mem(struct task_struct *task)',
  params: ['task'],
  body: [
    c('struct mm_struct *mm = task->mm;'),
    c('struct task_struct *p;'),
    c('bool ret = true;'),
    if_('!mm', [c('return false;')]),
    if_('!__task_will_free_mem(task)', [c('return false;')]),
    if_('test_bit(MMF_OOM_SKIP, &mm->flags)', [c('return false;')]),
    shown('if (atomic_read(&mm->mm_users) <= 1) return true;', 'every user of the mm is a thread of the one process: true either way'),
    shown(
      'rcu_read_lock(); for_each_process(p) { if (!process_shares_mm(p, mm)) continue; if (same_thread_group(task, p)) continue; ret = __task_will_free_mem(p); if (!ret) break; } rcu_read_unlock();',
      'no other process shares the mm in a scenario',
    ),
    c('return ret;'),
  ],
});

/**
 * process_mrelease(2) (884a7e5964e0, 5.15): a process (a userspace low-memory killer such as lmkd)
 * reaps the address space of a dying process it holds a pidfd of, as the reaper does, without
 * waiting for the reaper's delay: under mmap_read_lock (killable: the caller is not the one dying,
 * so it is down_read), unless MMF_OOM_SKIP is already set, it calls __oom_reap_task_mm(), whose
 * non-blocking starts are the second non-blocking caller of the notifiers; -EAGAIN if a notifier
 * refused. The caller holds mmgrab() only, not mm_users: exit_mmap() does not wait for it.
 */
export const processMreleaseV66: FnDef = fn({
  name: 'sys_process_mrelease',
  file: FILE,
  version: 'v6.6',
  source: `${SRC_V66}; ${MMAP_LOCK}; pidfd_get_task() gives the process the scenario's pidfd names, find_lock_task_mm() one of its threads that still has the mm (task_lock is not modelled)`,
  signature: 'SYSCALL_DEFINE2(process_mrelease, int, pidfd, unsigned int, flags)',
  params: ['pidfd', 'flags'],
  body: [
    c('struct mm_struct *mm = NULL;'),
    c('struct task_struct *task;'),
    c('struct task_struct *p;'),
    c('unsigned int f_flags;'),
    c('bool reap = false;'),
    c('long ret = 0;'),
    if_('flags', [c('return -EINVAL;')]),
    cAs('task = pidfd_get_task(pidfd, &f_flags);', 'task = pidfd_get_task(pidfd, NULL);'),
    shown('if (IS_ERR(task)) return PTR_ERR(task);', "the scenario's pidfd names the victim process, which pidfd_get_task() always finds"),
    c('p = find_lock_task_mm(task);'),
    if_('!p', [c('ret = -ESRCH;'), c('goto put_task;')]),
    c('mm = p->mm;'),
    c('mmgrab(mm);'),
    if_('task_will_free_mem(p)', [c('reap = true;')], else_([if_('!test_bit(MMF_OOM_SKIP, &mm->flags)', [c('ret = -EINVAL;')])])),
    c('task_unlock(p);'),
    if_('!reap', [c('goto drop_mm;')]),
    ifAs('mmap_read_lock_killable(mm)', 'down_read_killable(&mm->mmap_sem)', [c('ret = -EINTR;'), c('goto drop_mm;')]),
    if_('!test_bit(MMF_OOM_SKIP, &mm->flags) && !__oom_reap_task_mm(mm)', [c('ret = -EAGAIN;')]),
    cAs('mmap_read_unlock(mm);', 'up_read(&mm->mmap_sem);'),
    label('drop_mm'),
    c('mmdrop(mm);'),
    label('put_task'),
    c('put_task_struct(task);'),
    c('return ret;'),
  ],
});
