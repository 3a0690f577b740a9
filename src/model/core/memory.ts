/**
 * mm/memory.c, mm/huge_memory.c, mm/mmap.c, mm/madvise.c, mm/rmap.c and arch/x86/mm/fault.c: the
 * callers of invalidate_range_start/end that a scenario's threads run, reduced to the statements
 * that touch locks, notifiers, allocation and the state the model tracks. What is left out is
 * listed per function in docs/model.md. Bodies follow v4.19 (../shared/kernel/README.md §1 point 8
 * for zap_page_range / __split_huge_pmd) unless a function says otherwise.
 */
import { c, cg, doWhile_, elif, fn, for_, if_, label, type FnDef } from '../ir.ts';

// ------------------------------------------------------------------------------------------------
// The page-table walk.

export const unmapPageRange: FnDef = fn({
  name: 'unmap_page_range',
  file: 'mm/memory.c',
  version: 'v4.19',
  source: 'v4.19 mm/memory.c unmap_page_range(), reduced: BUG_ON(addr >= end) and the pgd/p4d/pud levels of the walk are left out (the model has one page table per VMA), so it goes straight to zap_pmd_range()',
  signature: 'void unmap_page_range(struct mmu_gather *tlb, struct vm_area_struct *vma, unsigned long addr, unsigned long end, struct zap_details *details)',
  params: ['tlb', 'vma', 'addr', 'end', 'details'],
  body: [
    c('tlb_start_vma(tlb, vma);'),
    c('next = zap_pmd_range(tlb, vma, NULL, addr, end, details);'),
    c('tlb_end_vma(tlb, vma);'),
  ],
});

export const zapPmdRange: FnDef = fn({
  name: 'zap_pmd_range',
  file: 'mm/memory.c',
  version: 'v4.19',
  source: 'v4.19 mm/memory.c zap_pmd_range(); pmds are numbered by address / HPAGE_PMD_SIZE (pmd_offset), a VMA holds at most the one transparent huge page the scenario gives it (pmd_trans_huge), and zap_pte_range() is one step freeing the pages of [addr, next)',
  signature: 'static inline unsigned long zap_pmd_range(struct mmu_gather *tlb, struct vm_area_struct *vma, pud_t *pud, unsigned long addr, unsigned long end, struct zap_details *details)',
  params: ['tlb', 'vma', 'pud', 'addr', 'end', 'details'],
  body: [
    c('pmd_t *pmd;'),
    c('unsigned long next;'),
    c('pmd = pmd_offset(pud, addr);'),
    doWhile_(
      [
        c('next = pmd_addr_end(addr, end);'),
        if_('is_swap_pmd(*pmd) || pmd_trans_huge(*pmd) || pmd_devmap(*pmd)', [
          if_('next - addr != HPAGE_PMD_SIZE', [c('__split_huge_pmd(vma, pmd, addr, false, NULL);')], elif('zap_huge_pmd(tlb, vma, pmd, addr)', [c('goto next;')])),
        ]),
        c('next = zap_pte_range(tlb, vma, pmd, addr, next, details);'),
        label('next'),
        c('cond_resched();'),
      ],
      'pmd++, addr = next, addr != end',
    ),
    c('return addr;'),
  ],
});

export const splitHugePmd: FnDef = fn({
  name: '__split_huge_pmd',
  file: 'mm/huge_memory.c',
  version: 'v4.19',
  source: '../shared/kernel/README.md §1 point 8 (4.17-4.20 mm/huge_memory.c, recon)',
  signature: 'void __split_huge_pmd(struct vm_area_struct *vma, pmd_t *pmd, unsigned long address, bool freeze, struct page *page)',
  params: ['vma', 'pmd', 'address', 'freeze', 'page'],
  body: [
    c('struct mm_struct *mm = vma->vm_mm;'),
    c('unsigned long haddr = address & HPAGE_PMD_MASK;'),
    c('mmu_notifier_invalidate_range_start(mm, haddr, haddr + HPAGE_PMD_SIZE);'),
    c('ptl = pmd_lock(mm, pmd);'),
    c('__split_huge_pmd_locked(vma, pmd, haddr, freeze);'),
    label('out'),
    c('spin_unlock(ptl);'),
    c('mmu_notifier_invalidate_range_only_end(mm, haddr, haddr + HPAGE_PMD_SIZE);'),
  ],
});

export const unmapSingleVma: FnDef = fn({
  name: 'unmap_single_vma',
  file: 'mm/memory.c',
  version: 'v4.19',
  source: 'v4.19 mm/memory.c, reduced (uprobes, PFNMAP and hugetlb branches left out)',
  signature: 'static void unmap_single_vma(struct mmu_gather *tlb, struct vm_area_struct *vma, unsigned long start_addr, unsigned long end_addr, struct zap_details *details)',
  params: ['tlb', 'vma', 'start_addr', 'end_addr', 'details'],
  body: [
    c('unsigned long start = max(vma->vm_start, start_addr);'),
    if_('start >= vma->vm_end', [c('return;')]),
    c('end = min(vma->vm_end, end_addr);'),
    if_('end <= vma->vm_start', [c('return;')]),
    if_('start != end', [c('unmap_page_range(tlb, vma, start, end, details);')]),
  ],
});

export const unmapVmas: FnDef = fn({
  name: 'unmap_vmas',
  file: 'mm/memory.c',
  version: 'v4.19',
  source: 'v4.19 mm/memory.c',
  signature: 'void unmap_vmas(struct mmu_gather *tlb, struct vm_area_struct *vma, unsigned long start_addr, unsigned long end_addr)',
  params: ['tlb', 'vma', 'start_addr', 'end_addr'],
  body: [
    c('struct mm_struct *mm = vma->vm_mm;'),
    c('mmu_notifier_invalidate_range_start(mm, start_addr, end_addr);'),
    for_('', 'vma && vma->vm_start < end_addr', 'vma = vma->vm_next', [c('unmap_single_vma(tlb, vma, start_addr, end_addr, NULL);')]),
    c('mmu_notifier_invalidate_range_end(mm, start_addr, end_addr);'),
  ],
});

export const zapPageRange: FnDef = fn({
  name: 'zap_page_range',
  file: 'mm/memory.c',
  version: 'v4.19',
  source: '../shared/kernel/README.md §1 point 8 (0x88888888/linux-4.19-comments mm/memory.c, exact v4.19)',
  signature: 'void zap_page_range(struct vm_area_struct *vma, unsigned long start, unsigned long size)',
  params: ['vma', 'start', 'size'],
  body: [
    c('struct mm_struct *mm = vma->vm_mm;'),
    c('struct mmu_gather tlb;'),
    c('unsigned long end = start + size;'),
    c('lru_add_drain();'),
    c('tlb_gather_mmu(&tlb, mm, start, end);'),
    c('update_hiwater_rss(mm);'),
    c('mmu_notifier_invalidate_range_start(mm, start, end);'),
    for_('', 'vma && vma->vm_start < end', 'vma = vma->vm_next', [c('unmap_single_vma(&tlb, vma, start, end, NULL);')]),
    c('mmu_notifier_invalidate_range_end(mm, start, end);'),
    c('tlb_finish_mmu(&tlb, start, end);'),
  ],
});

// ------------------------------------------------------------------------------------------------
// Threads: madvise(MADV_DONTNEED), munmap, a copy-on-write fault, direct reclaim.

export const madviseDontneed: FnDef = fn({
  name: 'madvise_dontneed',
  file: 'mm/madvise.c',
  version: 'v4.19',
  source: 'v4.19 mm/madvise.c: do_madvise() takes mmap_sem for read (madvise_need_mmap_write() is false for MADV_DONTNEED), madvise_dontneed_single_vma() calls zap_page_range(); reduced to one VMA',
  signature: 'SYSCALL_DEFINE3(madvise, unsigned long, start, size_t, len_in, int, behavior)',
  params: ['start', 'len'],
  body: [
    c('struct mm_struct *mm = current->mm;'),
    c('down_read(&mm->mmap_sem);'),
    c('vma = find_vma(mm, start);'),
    c('zap_page_range(vma, start, len);'),
    c('up_read(&mm->mmap_sem);'),
    c('return 0;'),
  ],
});

export const vmMunmap: FnDef = fn({
  name: 'vm_munmap',
  file: 'mm/mmap.c',
  version: 'v4.19',
  source: 'v4.19 mm/mmap.c vm_munmap() -> do_munmap() -> unmap_region(), reduced: do_munmap\'s VMA split and detach are left out; the range is unmapped with mmap_sem held for write',
  signature: 'int vm_munmap(unsigned long start, size_t len)',
  params: ['start', 'len'],
  body: [
    c('struct mm_struct *mm = current->mm;'),
    if_('down_write_killable(&mm->mmap_sem)', [c('return -EINTR;')]),
    c('vma = find_vma(mm, start);'),
    c('unmap_region(mm, vma, NULL, start, start + len);'),
    c('up_write(&mm->mmap_sem);'),
    c('return 0;'),
  ],
});

export const unmapRegion: FnDef = fn({
  name: 'unmap_region',
  file: 'mm/mmap.c',
  version: 'v4.19',
  source: 'v4.19 mm/mmap.c',
  signature: 'static void unmap_region(struct mm_struct *mm, struct vm_area_struct *vma, struct vm_area_struct *prev, unsigned long start, unsigned long end)',
  params: ['mm', 'vma', 'prev', 'start', 'end'],
  body: [
    c('struct mmu_gather tlb;'),
    c('lru_add_drain();'),
    c('tlb_gather_mmu(&tlb, mm, start, end);'),
    c('update_hiwater_rss(mm);'),
    c('unmap_vmas(&tlb, vma, start, end);'),
    c('free_pgtables(&tlb, vma, FIRST_USER_ADDRESS, USER_PGTABLES_CEILING);'),
    c('tlb_finish_mmu(&tlb, start, end);'),
  ],
});

export const wpPageCopy: FnDef = fn({
  name: 'wp_page_copy',
  file: 'mm/memory.c',
  version: 'v4.19',
  source: 'v4.19 mm/memory.c wp_page_copy(), reduced to the allocation, the notifier pair and the pte lock',
  signature: 'static vm_fault_t wp_page_copy(struct vm_fault *vmf)',
  params: ['vmf'],
  body: [
    c('struct vm_area_struct *vma = vmf->vma;'),
    c('struct mm_struct *mm = vma->vm_mm;'),
    c('pte_t entry;'),
    c('new_page = alloc_page_vma(GFP_HIGHUSER_MOVABLE, vma, vmf->address);'),
    if_('!new_page', [c('goto oom;')]),
    c('mmun_start = vmf->address & PAGE_MASK;'),
    c('mmun_end = mmun_start + PAGE_SIZE;'),
    c('mmu_notifier_invalidate_range_start(mm, mmun_start, mmun_end);'),
    c('ptl = pte_offset_map_lock(mm, vmf->pmd, vmf->address, &vmf->ptl);'),
    c('ptep_clear_flush_notify(vma, vmf->address, vmf->pte);'),
    c('set_pte_at_notify(mm, vmf->address, vmf->pte, entry);'),
    c('pte_unmap_unlock(vmf->pte, ptl);'),
    c('mmu_notifier_invalidate_range_end(mm, mmun_start, mmun_end);'),
    c('return VM_FAULT_WRITE;'),
    label('oom'),
    c('return VM_FAULT_OOM;'),
  ],
});

export const doPageFault: FnDef = fn({
  name: '__do_page_fault',
  file: 'arch/x86/mm/fault.c',
  version: 'v4.19',
  source: 'v4.19 arch/x86/mm/fault.c __do_page_fault() -> handle_mm_fault() -> do_wp_page() -> wp_page_copy(), reduced to a write fault on a copy-on-write page',
  signature: 'static noinline void __do_page_fault(struct pt_regs *regs, unsigned long error_code, unsigned long address)',
  params: ['vmf'],
  body: [
    c('struct mm_struct *mm = current->mm;'),
    c('down_read(&mm->mmap_sem);'),
    c('fault = wp_page_copy(vmf);'),
    c('up_read(&mm->mmap_sem);'),
    c('return;'),
  ],
});

export const tryToUnmapOne: FnDef = fn({
  name: 'try_to_unmap_one',
  file: 'mm/rmap.c',
  version: 'v4.19',
  source: 'v4.19 mm/rmap.c try_to_unmap_one(), reduced to the notifier pair around the mapping walk of one page',
  signature: 'static bool try_to_unmap_one(struct page *page, struct vm_area_struct *vma, unsigned long address, void *arg)',
  params: ['page', 'vma', 'address'],
  body: [
    c('struct mm_struct *mm = vma->vm_mm;'),
    c('struct page_vma_mapped_walk pvmw;'),
    c('bool ret = true;'),
    c('start = address;'),
    c('end = min(vma->vm_end, start + PAGE_SIZE);'),
    c('mmu_notifier_invalidate_range_start(vma->vm_mm, start, end);'),
    c('page_vma_mapped_walk(&pvmw);'),
    c('mmu_notifier_invalidate_range_end(vma->vm_mm, start, end);'),
    c('return ret;'),
  ],
});

export const tryToUnmapOneMayfail: FnDef = fn({
  name: 'try_to_unmap_one',
  file: 'mm/rmap.c',
  version: 'mayfail',
  source: '004_e097991187577333.txt (mm/rmap.c hunk): the range is initialised with MMU_NOTIFIER_RANGE_MAYFAIL',
  signature: 'static bool try_to_unmap_one(struct page *page, struct vm_area_struct *vma, unsigned long address, void *arg)',
  params: ['page', 'vma', 'address'],
  body: [
    c('struct mm_struct *mm = vma->vm_mm;'),
    c('struct page_vma_mapped_walk pvmw;'),
    c('bool ret = true;'),
    c('start = address;'),
    c('end = min(vma->vm_end, start + PAGE_SIZE);'),
    c('mmu_notifier_invalidate_range_start_mayfail(vma->vm_mm, start, end);'),
    c('page_vma_mapped_walk(&pvmw);'),
    c('mmu_notifier_invalidate_range_end(vma->vm_mm, start, end);'),
    c('return ret;'),
  ],
});

// ------------------------------------------------------------------------------------------------
// exit_mmap, by version.

function exitMmapBody(withOomLock: boolean): FnDef['body'] {
  const reap = withOomLock
    ? [c('mutex_lock(&oom_lock);'), c('(void)__oom_reap_task_mm(mm);'), c('mutex_unlock(&oom_lock);')]
    : [c('(void)__oom_reap_task_mm(mm);')];
  return [
    c('struct mmu_gather tlb;'),
    c('mmu_notifier_release(mm);'),
    if_('unlikely(mm_is_oom_victim(mm))', [
      ...reap,
      cg('set_bit(MMF_OOM_SKIP, &mm->flags);', undefined, 'ghost->oom_skip_by_exit = 1'),
      c('down_write(&mm->mmap_sem);'),
      c('up_write(&mm->mmap_sem);'),
    ]),
    c('vma = mm->mmap;'),
    c('tlb_gather_mmu(&tlb, mm, 0, -1);'),
    c('unmap_vmas(&tlb, vma, 0, ULONG_MAX);'),
    c('free_pgtables(&tlb, vma, FIRST_USER_ADDRESS, USER_PGTABLES_CEILING);'),
    c('tlb_finish_mmu(&tlb, 0, -1);'),
  ];
}

export const exitMmapV418: FnDef = fn({
  name: 'exit_mmap',
  file: 'mm/mmap.c',
  version: 'v4.18',
  source: 'seed 001 diff, mm/mmap.c (context: oom_lock around __oom_reap_task_mm); unmap_vmas(&tlb, vma, 0, -1) is written with ULONG_MAX because the model has no unsigned arithmetic',
  signature: 'void exit_mmap(struct mm_struct *mm)',
  params: ['mm'],
  body: exitMmapBody(true),
});

export const exitMmapV419: FnDef = fn({
  name: 'exit_mmap',
  file: 'mm/mmap.c',
  version: 'v4.19',
  source: '../shared/kernel/README.md §3 [exact v4.19] (no oom_lock since af5679fbc669); unmap_vmas(&tlb, vma, 0, -1) is written with ULONG_MAX because the model has no unsigned arithmetic',
  signature: 'void exit_mmap(struct mm_struct *mm)',
  params: ['mm'],
  body: exitMmapBody(false),
});
