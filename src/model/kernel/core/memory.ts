/**
 * mm/memory.c, mm/huge_memory.c, mm/mmap.c, mm/madvise.c, mm/rmap.c, mm/util.c, kernel/fork.c and
 * arch/x86/mm/fault.c: the callers of invalidate_range_start/end that a scenario's threads run,
 * reduced to the statements that touch locks, notifiers, allocation, the VMA list and the state the
 * model tracks. What is left out is listed per function in its `source` and in docs/model.md.
 * Bodies follow v4.19: mm/mmap.c, mm/memory.c, mm/madvise.c, mm/util.c, kernel/fork.c and
 * arch/x86/mm/fault.c as read in 0x88888888/linux-4.19-comments @ 0c8fdfc73a8e (index ids
 * 8812404622, 5037184751, 5437810460, 4923608849, 5282146863, 4971851039); mm/huge_memory.c from a
 * 4.18/4.19-era file (index id 25591555, recon: that tree has no huge_memory.c).
 *
 * Stand-ins (`cAs` / `ifAs`: the C text is shown, a model statement runs):
 * - `*insertion_point = vma;` (detach_vmas_to_be_unmapped): a store through a pointer to a pointer
 *   runs as `prev ? (prev->vm_next = vma) : (mm->mmap = vma)`, which is where insertion_point points;
 * - `kmem_cache_alloc(vm_area_cachep, GFP_KERNEL)` and `*new = *orig;` (vm_area_dup): the allocation
 *   hands out the VMA object the scenario pre-allocated for that split (mm-primitives.ts
 *   `kmem_cache_alloc_vma`, `vma_copy`);
 * - `vma = find_vma_prev(current->mm, start, &prev);` (madvise): an out-parameter, run as
 *   `vma = find_vma(...), prev = vma ? vma->vm_prev : NULL` (when vma is NULL the kernel's prev is
 *   the last VMA, which the loop never reads: it leaves at once);
 * - `error = madvise_vma(vma, &prev, start, tmp, behavior);`: madvise_dontneed_free() begins with
 *   `*prev = vma;`, an out-parameter, run in the caller as `prev = vma` when the call returns;
 * - `fault = handle_mm_fault(vma, address, flags);` (__do_page_fault): the model enters
 *   wp_page_copy() with the thread's vm_fault (`current->vmf`), whose vma is the configured VMA of
 *   the address: wp_page_copy() reads only its vm_mm;
 * - `if (atomic_dec_and_test(&mm->mm_users))` (mmput): the exiting thread's reference is the last
 *   one (mm-primitives.ts `mnc_mmput_last`).
 */
import { c, cAs, cg, doWhile_, elif, else_, fn, shown, for_, if_, ifAs, label, type FnDef, type Stmt } from '../../lang/ir.ts';
import { RANGE_V50, RANGE_V52 } from './mmu_notifier.ts';
import { RANGE_V66 } from './mmu_v66.ts';

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
  source: 'a 4.18/4.19-era mm/huge_memory.c (index id 25591555, recon; ../shared/kernel/README.md §1 point 8), reduced: VM_BUG_ON(freeze && !page) and `if (page && page != pmd_page(*pmd)) goto out;` are left out (every caller in the model passes page NULL); the pmd is re-checked under the page-table lock, so a huge pmd another thread split or zapped meanwhile is left alone',
  signature: 'void __split_huge_pmd(struct vm_area_struct *vma, pmd_t *pmd, unsigned long address, bool freeze, struct page *page)',
  params: ['vma', 'pmd', 'address', 'freeze', 'page'],
  body: [
    c('spinlock_t *ptl;'),
    c('struct mm_struct *mm = vma->vm_mm;'),
    c('unsigned long haddr = address & HPAGE_PMD_MASK;'),
    c('mmu_notifier_invalidate_range_start(mm, haddr, haddr + HPAGE_PMD_SIZE);'),
    c('ptl = pmd_lock(mm, pmd);'),
    if_('pmd_trans_huge(*pmd)', [c('page = pmd_page(*pmd);'), if_('PageMlocked(page)', [c('clear_page_mlock(page);')])], elif('!(pmd_devmap(*pmd) || is_pmd_migration_entry(*pmd))', [c('goto out;')])),
    c('__split_huge_pmd_locked(vma, pmd, haddr, freeze);'),
    label('out'),
    c('spin_unlock(ptl);'),
    c('mmu_notifier_invalidate_range_only_end(mm, haddr, haddr + HPAGE_PMD_SIZE);'),
  ],
});

export const splitHugePmdAddress: FnDef = fn({
  name: 'split_huge_pmd_address',
  file: 'mm/huge_memory.c',
  version: 'v4.19',
  source: 'a 4.18/4.19-era mm/huge_memory.c (index id 25591555, recon), reduced: the pgd/p4d/pud walk and its presence tests are left out (the model has one page table per VMA, always present), so it goes to pmd_offset() and __split_huge_pmd(), which starts and ends a notifier range whether or not the pmd is huge',
  signature: 'void split_huge_pmd_address(struct vm_area_struct *vma, unsigned long address, bool freeze, struct page *page)',
  params: ['vma', 'address', 'freeze', 'page'],
  body: [c('pud_t *pud;'), c('pmd_t *pmd;'), c('pmd = pmd_offset(pud, address);'), c('__split_huge_pmd(vma, pmd, address, freeze, page);')],
});

export const vmaAdjustTransHuge: FnDef = fn({
  name: 'vma_adjust_trans_huge',
  file: 'mm/huge_memory.c',
  version: 'v4.19',
  source: 'a 4.18/4.19-era mm/huge_memory.c (index id 25591555, recon): a new VMA boundary inside a huge-page-sized block of the VMA splits the pmd there',
  signature: 'void vma_adjust_trans_huge(struct vm_area_struct *vma, unsigned long start, unsigned long end, long adjust_next)',
  params: ['vma', 'start', 'end', 'adjust_next'],
  body: [
    if_('start & ~HPAGE_PMD_MASK && (start & HPAGE_PMD_MASK) >= vma->vm_start && (start & HPAGE_PMD_MASK) + HPAGE_PMD_SIZE <= vma->vm_end', [
      c('split_huge_pmd_address(vma, start, false, NULL);'),
    ]),
    if_('end & ~HPAGE_PMD_MASK && (end & HPAGE_PMD_MASK) >= vma->vm_start && (end & HPAGE_PMD_MASK) + HPAGE_PMD_SIZE <= vma->vm_end', [
      c('split_huge_pmd_address(vma, end, false, NULL);'),
    ]),
    if_('adjust_next > 0', [
      c('struct vm_area_struct *next = vma->vm_next;'),
      c('unsigned long nstart = next->vm_start;'),
      c('nstart += adjust_next << PAGE_SHIFT;'),
      if_('nstart & ~HPAGE_PMD_MASK && (nstart & HPAGE_PMD_MASK) >= next->vm_start && (nstart & HPAGE_PMD_MASK) + HPAGE_PMD_SIZE <= next->vm_end', [
        c('split_huge_pmd_address(next, nstart, false, NULL);'),
      ]),
    ]),
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

const MADVISE_SRC = 'v4.19 mm/madvise.c (0x88888888/linux-4.19-comments, index id 5437810460)';

export const sysMadvise: FnDef = fn({
  name: 'sys_madvise',
  file: 'mm/madvise.c',
  version: 'v4.19',
  source: `${MADVISE_SRC}: SYSCALL_DEFINE3(madvise), for MADV_DONTNEED (madvise_need_mmap_write() is false: mmap_sem for read); CONFIG_MEMORY_FAILURE's injection branch is left out. find_vma_prev() and madvise_vma()'s *prev are stand-ins (see the file comment)`,
  signature: 'SYSCALL_DEFINE3(madvise, unsigned long, start, size_t, len_in, int, behavior)',
  params: ['start', 'len_in', 'behavior'],
  body: [
    c('unsigned long end, tmp;'),
    c('struct vm_area_struct *vma, *prev;'),
    c('int unmapped_error = 0;'),
    c('int error = -EINVAL;'),
    c('int write;'),
    c('size_t len;'),
    c('struct blk_plug plug;'),
    if_('!madvise_behavior_valid(behavior)', [c('return error;')]),
    if_('start & ~PAGE_MASK', [c('return error;')]),
    c('len = (len_in + ~PAGE_MASK) & PAGE_MASK;'),
    if_('len_in && !len', [c('return error;')]),
    c('end = start + len;'),
    if_('end < start', [c('return error;')]),
    c('error = 0;'),
    if_('end == start', [c('return error;')]),
    c('write = madvise_need_mmap_write(behavior);'),
    if_('write', [if_('down_write_killable(&current->mm->mmap_sem)', [c('return -EINTR;')])], else_([c('down_read(&current->mm->mmap_sem);')])),
    cAs('vma = find_vma_prev(current->mm, start, &prev);', 'vma = find_vma(current->mm, start), prev = vma ? vma->vm_prev : NULL'),
    if_('vma && start > vma->vm_start', [c('prev = vma;')]),
    c('blk_start_plug(&plug);'),
    for_('', '', '', [
      c('error = -ENOMEM;'),
      if_('!vma', [c('goto out;')]),
      if_('start < vma->vm_start', [c('unmapped_error = -ENOMEM;'), c('start = vma->vm_start;'), if_('start >= end', [c('goto out;')])]),
      c('tmp = vma->vm_end;'),
      if_('end < tmp', [c('tmp = end;')]),
      cAs('error = madvise_vma(vma, &prev, start, tmp, behavior);', 'prev = vma, error = madvise_vma(vma, &prev, start, tmp, behavior)'),
      if_('error', [c('goto out;')]),
      c('start = tmp;'),
      if_('prev && start < prev->vm_end', [c('start = prev->vm_end;')]),
      c('error = unmapped_error;'),
      if_('start >= end', [c('goto out;')]),
      if_('prev', [c('vma = prev->vm_next;')], else_([c('vma = find_vma(current->mm, start);')])),
    ]),
    label('out'),
    c('blk_finish_plug(&plug);'),
    if_('write', [c('up_write(&current->mm->mmap_sem);')], else_([c('up_read(&current->mm->mmap_sem);')])),
    c('return error;'),
  ],
});

export const madviseVma: FnDef = fn({
  name: 'madvise_vma',
  file: 'mm/madvise.c',
  version: 'v4.19',
  source: `${MADVISE_SRC}: the switch on behavior, reduced to its MADV_DONTNEED case`,
  signature: 'static long madvise_vma(struct vm_area_struct *vma, struct vm_area_struct **prev, unsigned long start, unsigned long end, int behavior)',
  params: ['vma', 'prev', 'start', 'end', 'behavior'],
  body: [c('return madvise_dontneed_free(vma, prev, start, end, behavior);')],
});

export const madviseDontneedFree: FnDef = fn({
  name: 'madvise_dontneed_free',
  file: 'mm/madvise.c',
  version: 'v4.19',
  source: `${MADVISE_SRC}, reduced: userfaultfd_remove() is true (no userfaultfd: mmap_sem is not dropped), so its revalidation branch is left out; MADV_FREE is left out. \`*prev = vma;\` is run by the caller (see the file comment)`,
  signature: 'static long madvise_dontneed_free(struct vm_area_struct *vma, struct vm_area_struct **prev, unsigned long start, unsigned long end, int behavior)',
  params: ['vma', 'prev', 'start', 'end', 'behavior'],
  body: [
    c('*prev = vma;'),
    if_('!can_madv_dontneed_vma(vma)', [c('return -EINVAL;')]),
    if_('behavior == MADV_DONTNEED', [c('return madvise_dontneed_single_vma(vma, start, end);')]),
    c('return -EINVAL;'),
  ],
});

export const madviseDontneedSingleVma: FnDef = fn({
  name: 'madvise_dontneed_single_vma',
  file: 'mm/madvise.c',
  version: 'v4.19',
  source: MADVISE_SRC,
  signature: 'static long madvise_dontneed_single_vma(struct vm_area_struct *vma, unsigned long start, unsigned long end)',
  params: ['vma', 'start', 'end'],
  body: [c('zap_page_range(vma, start, end - start);'), c('return 0;')],
});

const MMAP_SRC = 'v4.19 mm/mmap.c (0x88888888/linux-4.19-comments, index id 8812404622)';

export const vmMunmap: FnDef = fn({
  name: 'vm_munmap',
  file: 'mm/mmap.c',
  version: 'v4.19',
  source: `${MMAP_SRC}; the userfaultfd list uf stays empty (no userfaultfd in the model)`,
  signature: 'int vm_munmap(unsigned long start, size_t len)',
  params: ['start', 'len'],
  body: [
    c('int ret;'),
    c('struct mm_struct *mm = current->mm;'),
    cAs('LIST_HEAD(uf);', 'uf = 0'),
    if_('down_write_killable(&mm->mmap_sem)', [c('return -EINTR;')]),
    c('ret = do_munmap(mm, start, len, &uf);'),
    c('up_write(&mm->mmap_sem);'),
    c('userfaultfd_unmap_complete(mm, &uf);'),
    c('return ret;'),
  ],
});

export const doMunmap: FnDef = fn({
  name: 'do_munmap',
  file: 'mm/mmap.c',
  version: 'v4.19',
  source: `${MMAP_SRC}, reduced: the sysctl_max_map_count test before the first split (map_count is not modelled: a scenario has a few VMAs), userfaultfd_unmap_prep() (no userfaultfd) and the munlock of VM_LOCKED VMAs before the detach (their pages are unmapped right after, and a detached VMA's flags are never read again) are left out`,
  signature: 'int do_munmap(struct mm_struct *mm, unsigned long start, size_t len, struct list_head *uf)',
  params: ['mm', 'start', 'len', 'uf'],
  body: [
    c('unsigned long end;'),
    c('struct vm_area_struct *vma, *prev, *last;'),
    if_('(offset_in_page(start)) || start > TASK_SIZE || len > TASK_SIZE-start', [c('return -EINVAL;')]),
    c('len = PAGE_ALIGN(len);'),
    if_('len == 0', [c('return -EINVAL;')]),
    c('vma = find_vma(mm, start);'),
    if_('!vma', [c('return 0;')]),
    c('prev = vma->vm_prev;'),
    c('end = start + len;'),
    if_('vma->vm_start >= end', [c('return 0;')]),
    if_('start > vma->vm_start', [
      c('int error;'),
      c('error = __split_vma(mm, vma, start, 0);'),
      if_('error', [c('return error;')]),
      c('prev = vma;'),
    ]),
    c('last = find_vma(mm, end);'),
    if_('last && end > last->vm_start', [c('int error = __split_vma(mm, last, end, 1);'), if_('error', [c('return error;')])]),
    c('vma = prev ? prev->vm_next : mm->mmap;'),
    c('detach_vmas_to_be_unmapped(mm, vma, prev, end);'),
    c('unmap_region(mm, vma, prev, start, end);'),
    c('arch_unmap(mm, vma, start, end);'),
    c('remove_vma_list(mm, vma);'),
    c('return 0;'),
  ],
});

export const splitVma: FnDef = fn({
  name: '__split_vma',
  file: 'mm/mmap.c',
  version: 'v4.19',
  source: `${MMAP_SRC}, reduced: vm_ops->split (hugetlbfs and dax only), vm_pgoff, vma_dup_policy(), anon_vma_clone() (the rmap is not modelled), the file reference and vm_ops->open are left out; vma_adjust() cannot fail when it inserts a VMA, so the clean-up path is left out`,
  signature: 'int __split_vma(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr, int new_below)',
  params: ['mm', 'vma', 'addr', 'new_below'],
  body: [
    c('struct vm_area_struct *new;'),
    c('int err;'),
    c('new = vm_area_dup(vma);'),
    if_('!new', [c('return -ENOMEM;')]),
    if_('new_below', [c('new->vm_end = addr;')], else_([c('new->vm_start = addr;')])),
    if_('new_below', [c('err = vma_adjust(vma, addr, vma->vm_end, vma->vm_pgoff + ((addr - new->vm_start) >> PAGE_SHIFT), new);')], else_([c('err = vma_adjust(vma, vma->vm_start, addr, vma->vm_pgoff, new);')])),
    if_('!err', [c('return 0;')]),
    c('return err;'),
  ],
});

export const vmAreaDup: FnDef = fn({
  name: 'vm_area_dup',
  file: 'kernel/fork.c',
  version: 'v4.19',
  source: 'v4.19 kernel/fork.c (0x88888888/linux-4.19-comments, index id 5282146863); the allocation and the struct copy are stand-ins (see the file comment)',
  signature: 'struct vm_area_struct *vm_area_dup(struct vm_area_struct *orig)',
  params: ['orig'],
  body: [
    c('struct vm_area_struct *new = kmem_cache_alloc(vm_area_cachep, GFP_KERNEL);'),
    if_('new', [
      cAs('/* the slab object: the VMA the scenario pre-allocated for this split */', 'new = kmem_cache_alloc_vma(current, orig)'),
      cAs('*new = *orig;', 'vma_copy(new, orig)'),
      c('INIT_LIST_HEAD(&new->anon_vma_chain);'),
    ]),
    c('return new;'),
  ],
});

export const vmaAdjust: FnDef = fn({
  name: 'vma_adjust',
  file: 'include/linux/mm.h',
  version: 'v4.19',
  source: 'v4.19 include/linux/mm.h (static inline)',
  signature: 'static inline int vma_adjust(struct vm_area_struct *vma, unsigned long start, unsigned long end, pgoff_t pgoff, struct vm_area_struct *insert)',
  params: ['vma', 'start', 'end', 'pgoff', 'insert'],
  body: [c('return __vma_adjust(vma, start, end, pgoff, insert, NULL);')],
});

export const vmaAdjustInner: FnDef = fn({
  name: '__vma_adjust',
  file: 'mm/mmap.c',
  version: 'v4.19',
  source: `${MMAP_SRC}, reduced to __split_vma()'s case (insert set, expand NULL): the merge cases (next && !insert, remove_next), the file's i_mmap tree and uprobes, the anon_vma lock and interval tree (the rmap is not modelled), vm_pgoff and the rbtree gaps are left out`,
  signature: 'int __vma_adjust(struct vm_area_struct *vma, unsigned long start, unsigned long end, pgoff_t pgoff, struct vm_area_struct *insert, struct vm_area_struct *expand)',
  params: ['vma', 'start', 'end', 'pgoff', 'insert', 'expand'],
  body: [
    c('struct mm_struct *mm = vma->vm_mm;'),
    c('struct vm_area_struct *orig_vma = vma;'),
    c('bool start_changed = false, end_changed = false;'),
    c('long adjust_next = 0;'),
    c('int remove_next = 0;'),
    c('vma_adjust_trans_huge(orig_vma, start, end, adjust_next);'),
    if_('start != vma->vm_start', [c('vma->vm_start = start;'), c('start_changed = true;')]),
    if_('end != vma->vm_end', [c('vma->vm_end = end;'), c('end_changed = true;')]),
    if_('remove_next', [], elif('insert', [c('__insert_vm_struct(mm, insert);')])),
    c('return 0;'),
  ],
});

export const detachVmasToBeUnmapped: FnDef = fn({
  name: 'detach_vmas_to_be_unmapped',
  file: 'mm/mmap.c',
  version: 'v4.19',
  source: `${MMAP_SRC}, reduced: the rbtree (vma_rb_erase), mm->map_count and mm->highest_vm_end are not modelled; \`*insertion_point = vma;\` is a stand-in (see the file comment)`,
  signature: 'static void detach_vmas_to_be_unmapped(struct mm_struct *mm, struct vm_area_struct *vma, struct vm_area_struct *prev, unsigned long end)',
  params: ['mm', 'vma', 'prev', 'end'],
  body: [
    c('struct vm_area_struct **insertion_point;'),
    c('struct vm_area_struct *tail_vma = NULL;'),
    c('insertion_point = (prev ? &prev->vm_next : &mm->mmap);'),
    c('vma->vm_prev = NULL;'),
    doWhile_([c('vma_rb_erase(vma, &mm->mm_rb);'), c('tail_vma = vma;'), c('vma = vma->vm_next;')], 'vma && vma->vm_start < end'),
    cAs('*insertion_point = vma;', 'prev ? (prev->vm_next = vma) : (mm->mmap = vma)'),
    if_('vma', [c('vma->vm_prev = prev;'), c('vma_gap_update(vma);')]),
    c('tail_vma->vm_next = NULL;'),
    c('vmacache_invalidate(mm);'),
  ],
});

export const unmapRegion: FnDef = fn({
  name: 'unmap_region',
  file: 'mm/mmap.c',
  version: 'v4.19',
  source: MMAP_SRC,
  signature: 'static void unmap_region(struct mm_struct *mm, struct vm_area_struct *vma, struct vm_area_struct *prev, unsigned long start, unsigned long end)',
  params: ['mm', 'vma', 'prev', 'start', 'end'],
  body: [
    c('struct vm_area_struct *next = prev ? prev->vm_next : mm->mmap;'),
    c('struct mmu_gather tlb;'),
    c('lru_add_drain();'),
    c('tlb_gather_mmu(&tlb, mm, start, end);'),
    c('update_hiwater_rss(mm);'),
    c('unmap_vmas(&tlb, vma, start, end);'),
    c('free_pgtables(&tlb, vma, prev ? prev->vm_end : FIRST_USER_ADDRESS, next ? next->vm_start : USER_PGTABLES_CEILING);'),
    c('tlb_finish_mmu(&tlb, start, end);'),
  ],
});

export const removeVmaList: FnDef = fn({
  name: 'remove_vma_list',
  file: 'mm/mmap.c',
  version: 'v4.19',
  source: `${MMAP_SRC}, reduced: the VM accounting (vma_pages, VM_ACCOUNT, vm_stat_account) is not modelled`,
  signature: 'static void remove_vma_list(struct mm_struct *mm, struct vm_area_struct *vma)',
  params: ['mm', 'vma'],
  body: [
    c('unsigned long nr_accounted = 0;'),
    c('update_hiwater_vm(mm);'),
    doWhile_([c('vma = remove_vma(vma);')], 'vma'),
    c('vm_unacct_memory(nr_accounted);'),
  ],
});

export const removeVma: FnDef = fn({
  name: 'remove_vma',
  file: 'mm/mmap.c',
  version: 'v4.19',
  source: `${MMAP_SRC}, reduced: vm_ops->close, the file reference and the mempolicy are left out`,
  signature: 'static struct vm_area_struct *remove_vma(struct vm_area_struct *vma)',
  params: ['vma'],
  body: [c('struct vm_area_struct *next = vma->vm_next;'), c('might_sleep();'), c('vm_area_free(vma);'), c('return next;')],
});

export const wpPageCopy: FnDef = fn({
  name: 'wp_page_copy',
  file: 'mm/memory.c',
  version: 'v4.19',
  source: 'v4.19 mm/memory.c wp_page_copy() (0x88888888/linux-4.19-comments, index id 5037184751; the start at line 2582, the only_end at 2661), reduced to the allocation, the notifier pair and the pte lock: anon_vma_prepare(), the zero-page branch, the memcg charge, the page copy, the pte_same() re-check (always true: no other thread of the model maps this pte) and the rmap and LRU updates are left out; the pte lock is held in the local ptl (vmf->ptl in the kernel)',
  signature: 'static vm_fault_t wp_page_copy(struct vm_fault *vmf)',
  params: ['vmf'],
  body: [
    c('struct vm_area_struct *vma = vmf->vma;'),
    c('struct mm_struct *mm = vma->vm_mm;'),
    c('pte_t entry;'),
    c('int page_copied = 0;'),
    c('const unsigned long mmun_start = vmf->address & PAGE_MASK;'),
    c('const unsigned long mmun_end = mmun_start + PAGE_SIZE;'),
    c('new_page = alloc_page_vma(GFP_HIGHUSER_MOVABLE, vma, vmf->address);'),
    if_('!new_page', [c('goto oom;')]),
    c('mmu_notifier_invalidate_range_start(mm, mmun_start, mmun_end);'),
    c('ptl = pte_offset_map_lock(mm, vmf->pmd, vmf->address, &vmf->ptl);'),
    c('ptep_clear_flush_notify(vma, vmf->address, vmf->pte);'),
    c('set_pte_at_notify(mm, vmf->address, vmf->pte, entry);'),
    c('page_copied = 1;'),
    c('pte_unmap_unlock(vmf->pte, ptl);'),
    c('mmu_notifier_invalidate_range_only_end(mm, mmun_start, mmun_end);'),
    c('return page_copied ? VM_FAULT_WRITE : 0;'),
    label('oom'),
    c('return VM_FAULT_OOM;'),
  ],
});

export const badArea: FnDef = fn({
  name: 'bad_area',
  file: 'arch/x86/mm/fault.c',
  version: 'v4.19',
  source: 'v4.19 arch/x86/mm/fault.c bad_area() -> __bad_area() (0x88888888/linux-4.19-comments, index id 4971851039), reduced to what the model tracks: mmap_sem is released; the SIGSEGV of __bad_area_nosemaphore() is not modelled',
  signature: 'static noinline void bad_area(struct pt_regs *regs, unsigned long error_code, unsigned long address)',
  params: ['regs', 'error_code', 'address'],
  body: [c('struct mm_struct *mm = current->mm;'), c('up_read(&mm->mmap_sem);')],
});

export const doPageFault: FnDef = fn({
  name: '__do_page_fault',
  file: 'arch/x86/mm/fault.c',
  version: 'v4.19',
  source: 'v4.19 arch/x86/mm/fault.c __do_page_fault() (0x88888888/linux-4.19-comments, index id 4971851039), reduced to a user write fault on a copy-on-write page: the kernel-address, kprobes, SMAP and retry paths, the down_read_trylock() fast path, expand_stack() (no VMA of the model grows down) and access_error() are left out; handle_mm_fault() -> __handle_mm_fault() -> handle_pte_fault() -> do_wp_page() -> wp_page_copy() is one stand-in call (see the file comment)',
  signature: 'static noinline void __do_page_fault(struct pt_regs *regs, unsigned long error_code, unsigned long address)',
  params: ['regs', 'error_code', 'address'],
  body: [
    c('struct vm_area_struct *vma;'),
    c('struct mm_struct *mm = current->mm;'),
    c('vm_fault_t fault;'),
    c('down_read(&mm->mmap_sem);'),
    c('vma = find_vma(mm, address);'),
    if_('unlikely(!vma)', [c('bad_area(regs, error_code, address);'), c('return;')]),
    if_('likely(vma->vm_start <= address)', [c('goto good_area;')]),
    if_('unlikely(!(vma->vm_flags & VM_GROWSDOWN))', [c('bad_area(regs, error_code, address);'), c('return;')]),
    label('good_area'),
    cAs('fault = handle_mm_fault(vma, address, flags);', 'fault = wp_page_copy(current->vmf)'),
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

/** `reapCall`: v4.18's `__oom_reap_task_mm()` returns void; 93065ac753e4 casts its new bool away. */
function exitMmapBody(withOomLock: boolean, reapCall = '(void)__oom_reap_task_mm(mm);'): FnDef['body'] {
  const reap = withOomLock ? [c('mutex_lock(&oom_lock);'), c(reapCall), c('mutex_unlock(&oom_lock);')] : [c(reapCall)];
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
    if_('!vma', [c('return;')]),
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
  source: 'seed 001 diff, mm/mmap.c (- side: oom_lock around __oom_reap_task_mm); unmap_vmas(&tlb, vma, 0, -1) is written with ULONG_MAX because the model has no unsigned arithmetic',
  signature: 'void exit_mmap(struct mm_struct *mm)',
  params: ['mm'],
  body: exitMmapBody(true, '__oom_reap_task_mm(mm);'),
});

export const exitMmap93065: FnDef = fn({
  name: 'exit_mmap',
  file: 'mm/mmap.c',
  version: '93065ac753e4',
  source: 'seed 001 diff, mm/mmap.c (+ side: the result of __oom_reap_task_mm cast away); unmap_vmas(&tlb, vma, 0, -1) is written with ULONG_MAX because the model has no unsigned arithmetic',
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

/** A statement the model shows but does not run, with the reason (`/* model: ... *\/`). */

/**
 * exit_mmap() of the 6.x line (the v6.6 core): no `mm_is_oom_victim()` branch any more (Suren
 * Baghdasaryan's "[PATCH 2/3] mm: drop oom code from exit_mmap", May 2022, series
 * <20220510030014.3842475-1-surenb@google.com>; the release that merged it was not checked, the 6.6
 * text has it): the victim unmaps its VMAs under mmap_read_lock, concurrently with the reaper
 * and process_mrelease(), which hold it for read too; it sets MMF_OOM_SKIP after the unmap and then
 * takes mmap_write_lock, which waits for them, before it frees the page tables and the VMAs.
 * The maple tree is the model's VMA list: `vma = mas_find(&mas, ULONG_MAX)` is the first VMA
 * (`mm->mmap`), and the 6.6 `unmap_vmas(&tlb, &mas, vma, 0, ULONG_MAX, ULONG_MAX, false)` runs as the
 * v6.6 core's unmap_vmas() over the list from it. The mmap_lock.h wrappers (v5.8) run as the
 * rw_semaphore operations they wrap, on the lock the model keeps as mm.mmap_sem.
 */
export const exitMmapV66: FnDef = fn({
  name: 'exit_mmap',
  file: 'mm/mmap.c',
  version: 'v6.6',
  source:
    'Laminad/WSL2-Linux-Kernel @ 7ed2a1194df1 mm/mmap.c exit_mmap() (index id 49115000427; a 6.6-6.8 tree by content, the one of the v6.6 core\'s mm/mmu_notifier.c); the freeing of the VMAs and the accounting after the page tables are shown, not run (as in every core)',
  signature: 'void exit_mmap(struct mm_struct *mm)',
  params: ['mm'],
  body: [
    c('struct mmu_gather tlb;'),
    c('struct vm_area_struct *vma;'),
    c('unsigned long nr_accounted = 0;'),
    shown('MA_STATE(mas, &mm->mm_mt, 0, 0);', 'the maple tree is the VMA list (mm->mmap)'),
    c('int count = 0;'),
    c('mmu_notifier_release(mm);'),
    cAs('mmap_read_lock(mm);', 'down_read(&mm->mmap_sem);'),
    shown('arch_exit_mmap(mm);', 'x86: nothing the model tracks'),
    cAs('vma = mas_find(&mas, ULONG_MAX);', 'vma = mm->mmap;'),
    if_('!vma', [cAs('mmap_read_unlock(mm);', 'up_read(&mm->mmap_sem);'), c('return;')]),
    c('lru_add_drain();'),
    shown('flush_cache_mm(mm);', 'x86: empty'),
    cAs('tlb_gather_mmu_fullmm(&tlb, mm);', 'tlb_gather_mmu(&tlb, mm, 0, -1);'),
    cAs('unmap_vmas(&tlb, &mas, vma, 0, ULONG_MAX, ULONG_MAX, false);', 'unmap_vmas(&tlb, vma, 0, ULONG_MAX);'),
    cAs('mmap_read_unlock(mm);', 'up_read(&mm->mmap_sem);'),
    cg('set_bit(MMF_OOM_SKIP, &mm->flags);', undefined, 'ghost->oom_skip_by_exit = 1'),
    cAs('mmap_write_lock(mm);', 'down_write(&mm->mmap_sem);'),
    shown('mt_clear_in_rcu(&mm->mm_mt);', 'the maple tree is not modelled'),
    shown('mas_set(&mas, vma->vm_end);', 'the maple tree is not modelled'),
    cAs('free_pgtables(&tlb, &mas, vma, FIRST_USER_ADDRESS, USER_PGTABLES_CEILING, true);', 'free_pgtables(&tlb, vma, FIRST_USER_ADDRESS, USER_PGTABLES_CEILING);'),
    c('tlb_finish_mmu(&tlb);'),
    shown(
      'mas_set(&mas, vma->vm_end); do { if (vma->vm_flags & VM_ACCOUNT) nr_accounted += vma_pages(vma); remove_vma(vma, true); count++; cond_resched(); } while ((vma = mas_find(&mas, ULONG_MAX)) != NULL);',
      'the VMAs are not freed in the model (as in every core)',
    ),
    shown('BUG_ON(count != mm->map_count);', 'follows from the loop above'),
    shown('trace_exit_mmap(mm);', 'a tracepoint'),
    shown('__mt_destroy(&mm->mm_mt);', 'the maple tree is not modelled'),
    cAs('mmap_write_unlock(mm);', 'up_write(&mm->mmap_sem);'),
    shown('vm_unacct_memory(nr_accounted);', 'accounting is not modelled'),
  ],
});

// ------------------------------------------------------------------------------------------------
// mmput: the last user of the mm runs exit_mmap.

export const mmput: FnDef = fn({
  name: 'mmput',
  file: 'kernel/fork.c',
  version: 'v4.19',
  source: 'v4.19 kernel/fork.c mmput() (0x88888888/linux-4.19-comments, index id 5282146863; the same in v4.18). The thread is the one whose mmput() drops the last mm_users reference: atomic_dec_and_test() is a stand-in that waits until every other thread using the mm has finished (see the file comment and docs/model.md)',
  signature: 'void mmput(struct mm_struct *mm)',
  params: ['mm'],
  body: [c('might_sleep();'), ifAs('atomic_dec_and_test(&mm->mm_users)', 'mnc_mmput_last(mm)', [c('__mmput(mm);')])],
});

export const mmputInner: FnDef = fn({
  name: '__mmput',
  file: 'kernel/fork.c',
  version: 'v4.19',
  source: 'v4.19 kernel/fork.c __mmput() (index id 5282146863), reduced to exit_mmap() and mmdrop(): uprobes, aio, ksm, khugepaged, the huge zero page, the exe file and mmlist are left out',
  signature: 'static inline void __mmput(struct mm_struct *mm)',
  params: ['mm'],
  body: [c('exit_mmap(mm);'), c('mmdrop(mm);')],
});

// ------------------------------------------------------------------------------------------------
// The callers that start and end a range, from v5.0 on: the range is a struct mmu_notifier_range
// on the caller's stack (ac46d4f3c432, v5.0), initialised with an `event`, flags and the VMA from
// v5.2 (6f4f13e8d9e2 and "mm/mmu_notifier: use correct mmu_notifier events for each invalidation").
// Each is the v4.19 function above with the hunks of those patches, read as mailed: ac46d4f3c432
// quoted whole in <20181205164827.GH30615@quack2.suse.cz> (index id 23211984063); 6f4f13e8d9e2 as
// "[PATCH v6 5/8] ... contextual information for event triggering invalidation v2"
// <20190326164747.24405-6-jglisse@redhat.com> (index id 14916788799); the events as "[PATCH v5 6/9]
// mm/mmu_notifier: use correct mmu_notifier events for each invalidation"
// <20190219200430.11130-7-jglisse@redhat.com> (index id 25772497986). No v5.x tree of mm/memory.c,
// mm/huge_memory.c or mm/rmap.c was at hand: what else changed in these functions between v4.19 and
// v5.4 (outside their notifier calls) is not checked. The v5.4 cores run the v5.2 texts.


const AC46 = 'ac46d4f3c432 (v5.0) as mailed: <20181205053628.3210-3-jglisse@redhat.com>, quoted whole in <20181205164827.GH30615@quack2.suse.cz> (index id 23211984063)';
const EV52 =
  'the v5.0 text with 6f4f13e8d9e2\'s seven-argument mmu_notifier_range_init() (<20190326164747.24405-6-jglisse@redhat.com>, index id 14916788799) and the event of "use correct mmu_notifier events for each invalidation" (<20190219200430.11130-7-jglisse@redhat.com>, index id 25772497986), both merged for v5.2';

/**
 * The v6.6 core's callers are these v5.2 texts with the notifier API of 6.6 (the `'v6.6'` form):
 * `mmu_notifier_range_init()` without the VMA (6.3), `mmu_notifier_invalidate_range_end()` where
 * `_only_end()` was (ec8832d007cb removed it), `ptep_clear_flush()` where `ptep_clear_flush_notify()`
 * was (the same series: the secondary TLBs are flushed with the CPU's), and the two-argument
 * `tlb_gather_mmu()` / one-argument `tlb_finish_mmu()` (5.13). What else changed in these functions
 * by 6.6 (the maple tree's VMA walks, folios, zap_page_range() replaced by zap_page_range_single()
 * and zap_vma_pages() in 6.3) is not modelled: the notifier calls, their ranges and the locks around
 * them are what the model runs, and those are 6.6's (wp_page_copy() checked against a 6.6-6.8 tree,
 * Laminad/WSL2-Linux-Kernel @ 7ed2a1194df1 mm/memory.c, index id 49602118103).
 */
const V66_API =
  "the v5.2 text with the 6.6 notifier API (mmu_notifier_range_init() without the VMA, mmu_notifier_invalidate_range_end() for _only_end(), ptep_clear_flush() for ptep_clear_flush_notify(), tlb_gather_mmu(&tlb, mm)); the rest of the function is not 6.6's (docs/model.md, 'From v5.12 to v6.6')";

/** The range's initialisation in each form: v5.0's four arguments, v5.2's seven with `event`, 6.6's six without the VMA. */
type RangeForm = 'v5.0' | 'v5.2' | 'v6.6';
function initRange(form: RangeForm, event: string, vma: string, mm: string, start: string, end: string): string {
  if (form === 'v6.6') return `mmu_notifier_range_init(&range, ${event}, 0, ${mm}, ${start}, ${end});`;
  return form === 'v5.0' ? `mmu_notifier_range_init(&range, ${mm}, ${start}, ${end});` : `mmu_notifier_range_init(&range, ${event}, 0, ${vma}, ${mm}, ${start}, ${end});`;
}
const stackOf = (form: RangeForm): Record<string, readonly string[]> => ({ range: form === 'v5.0' ? RANGE_V50 : form === 'v6.6' ? RANGE_V66 : RANGE_V52 });
/** The end of a range whose secondary TLBs the pte clear flushed already: `_only_end()` until 6.6. */
const onlyEnd = (form: RangeForm): string => (form === 'v6.6' ? 'mmu_notifier_invalidate_range_end(&range);' : 'mmu_notifier_invalidate_range_only_end(&range);');
/** Where each caller was read, by form. */
const sourceOf = (form: RangeForm, event: string, more = ''): string => `${form === 'v5.0' ? AC46 : form === 'v6.6' ? V66_API : `${EV52} (${event})`}${more}`;

function splitHugePmdRange(form: RangeForm): FnDef {
  return fn({
    name: '__split_huge_pmd',
    file: 'mm/huge_memory.c',
    version: form,
    source: sourceOf(form, 'MMU_NOTIFY_CLEAR', ', on the v4.19 function above and with its reductions (mm/huge_memory.c of index id 25591555, recon)'),
    signature: 'void __split_huge_pmd(struct vm_area_struct *vma, pmd_t *pmd, unsigned long address, bool freeze, struct page *page)',
    params: ['vma', 'pmd', 'address', 'freeze', 'page'],
    stack: stackOf(form),
    body: [
      c('spinlock_t *ptl;'),
      c('struct mmu_notifier_range range;'),
      c(initRange(form, 'MMU_NOTIFY_CLEAR', 'vma', 'vma->vm_mm', 'address & HPAGE_PMD_MASK', '(address & HPAGE_PMD_MASK) + HPAGE_PMD_SIZE')),
      c('mmu_notifier_invalidate_range_start(&range);'),
      c('ptl = pmd_lock(vma->vm_mm, pmd);'),
      if_('pmd_trans_huge(*pmd)', [c('page = pmd_page(*pmd);'), if_('PageMlocked(page)', [c('clear_page_mlock(page);')])], elif('!(pmd_devmap(*pmd) || is_pmd_migration_entry(*pmd))', [c('goto out;')])),
      c('__split_huge_pmd_locked(vma, pmd, range.start, freeze);'),
      label('out'),
      c('spin_unlock(ptl);'),
      c(onlyEnd(form)),
    ],
  });
}

function unmapVmasRange(form: RangeForm): FnDef {
  return fn({
    name: 'unmap_vmas',
    file: 'mm/memory.c',
    version: form,
    source: sourceOf(form, 'MMU_NOTIFY_UNMAP', form === 'v6.6' ? "; 6.6's unmap_vmas() also takes the maple-tree state, the tree's end and mm_wr_locked, and walks the VMAs with mas_find()" : ''),
    signature: 'void unmap_vmas(struct mmu_gather *tlb, struct vm_area_struct *vma, unsigned long start_addr, unsigned long end_addr)',
    params: ['tlb', 'vma', 'start_addr', 'end_addr'],
    stack: stackOf(form),
    body: [
      c('struct mmu_notifier_range range;'),
      c(initRange(form, 'MMU_NOTIFY_UNMAP', 'vma', 'vma->vm_mm', 'start_addr', 'end_addr')),
      c('mmu_notifier_invalidate_range_start(&range);'),
      for_('', 'vma && vma->vm_start < end_addr', 'vma = vma->vm_next', [c('unmap_single_vma(tlb, vma, start_addr, end_addr, NULL);')]),
      c('mmu_notifier_invalidate_range_end(&range);'),
    ],
  });
}

function zapPageRangeRange(form: RangeForm): FnDef {
  return fn({
    name: 'zap_page_range',
    file: 'mm/memory.c',
    version: form,
    source: sourceOf(form, 'MMU_NOTIFY_CLEAR', form === 'v6.6' ? '; 6.6 has no zap_page_range(): madvise_dontneed_single_vma() calls zap_page_range_single(), whose notifier pair, gather and unmap are these' : ''),
    signature: 'void zap_page_range(struct vm_area_struct *vma, unsigned long start, unsigned long size)',
    params: ['vma', 'start', 'size'],
    stack: stackOf(form),
    body: [
      c('struct mmu_notifier_range range;'),
      c('struct mmu_gather tlb;'),
      c('lru_add_drain();'),
      c(initRange(form, 'MMU_NOTIFY_CLEAR', 'vma', 'vma->vm_mm', 'start', 'start + size')),
      c(form === 'v6.6' ? 'tlb_gather_mmu(&tlb, vma->vm_mm);' : 'tlb_gather_mmu(&tlb, vma->vm_mm, start, range.end);'),
      c('update_hiwater_rss(vma->vm_mm);'),
      c('mmu_notifier_invalidate_range_start(&range);'),
      for_('', 'vma && vma->vm_start < range.end', 'vma = vma->vm_next', [c('unmap_single_vma(&tlb, vma, start, range.end, NULL);')]),
      c('mmu_notifier_invalidate_range_end(&range);'),
      c(form === 'v6.6' ? 'tlb_finish_mmu(&tlb);' : 'tlb_finish_mmu(&tlb, start, range.end);'),
    ],
  });
}

function wpPageCopyRange(form: RangeForm): FnDef {
  return fn({
    name: 'wp_page_copy',
    file: 'mm/memory.c',
    version: form,
    source: sourceOf(form, 'MMU_NOTIFY_CLEAR', ', on the v4.19 function above and with its reductions (only the allocation, the notifier pair and the pte lock)'),
    signature: 'static vm_fault_t wp_page_copy(struct vm_fault *vmf)',
    params: ['vmf'],
    stack: stackOf(form),
    body: [
      c('struct vm_area_struct *vma = vmf->vma;'),
      c('struct mm_struct *mm = vma->vm_mm;'),
      c('pte_t entry;'),
      c('int page_copied = 0;'),
      c('struct mmu_notifier_range range;'),
      c('new_page = alloc_page_vma(GFP_HIGHUSER_MOVABLE, vma, vmf->address);'),
      if_('!new_page', [c('goto oom;')]),
      c(initRange(form, 'MMU_NOTIFY_CLEAR', 'vma', 'mm', 'vmf->address & PAGE_MASK', '(vmf->address & PAGE_MASK) + PAGE_SIZE')),
      c('mmu_notifier_invalidate_range_start(&range);'),
      c('ptl = pte_offset_map_lock(mm, vmf->pmd, vmf->address, &vmf->ptl);'),
      c(form === 'v6.6' ? 'ptep_clear_flush(vma, vmf->address, vmf->pte);' : 'ptep_clear_flush_notify(vma, vmf->address, vmf->pte);'),
      c('set_pte_at_notify(mm, vmf->address, vmf->pte, entry);'),
      c('page_copied = 1;'),
      c('pte_unmap_unlock(vmf->pte, ptl);'),
      c(onlyEnd(form)),
      c('return page_copied ? VM_FAULT_WRITE : 0;'),
      label('oom'),
      c('return VM_FAULT_OOM;'),
    ],
  });
}

function tryToUnmapOneRange(form: RangeForm): FnDef {
  return fn({
    name: 'try_to_unmap_one',
    file: 'mm/rmap.c',
    version: form,
    source: `${sourceOf(form, 'MMU_NOTIFY_CLEAR')}, reduced as the v4.19 function above (one page mapped once: \`PAGE_SIZE << compound_order(page)\` is written PAGE_SIZE). ac46d4f3c432 as merged started the range at vma->vm_start; Sean Christopherson's "mm/mmu_notifier: mm/rmap.c: Fix a mmu_notifier range bug in try_to_unmap_one" (<20190110005117.18282-1-sean.j.christopherson@intel.com>, 9 Jan 2019, index id 23587762996) restored \`address\`, and the model runs the fixed text. The fix's result (blob 0454ecc29537) is the base of the v5.2 series' mm/rmap.c hunks; whether v5.0.0 itself has it is not settled by the sources at hand`,
    signature: 'static bool try_to_unmap_one(struct page *page, struct vm_area_struct *vma, unsigned long address, void *arg)',
    params: ['page', 'vma', 'address'],
    stack: stackOf(form),
    body: [
      c('struct mm_struct *mm = vma->vm_mm;'),
      c('struct page_vma_mapped_walk pvmw;'),
      c('bool ret = true;'),
      c('struct mmu_notifier_range range;'),
      c(initRange(form, 'MMU_NOTIFY_CLEAR', 'vma', 'vma->vm_mm', 'address', 'min(vma->vm_end, address + PAGE_SIZE)')),
      c('mmu_notifier_invalidate_range_start(&range);'),
      c('page_vma_mapped_walk(&pvmw);'),
      c('mmu_notifier_invalidate_range_end(&range);'),
      c('return ret;'),
    ],
  });
}

export const splitHugePmdV50 = splitHugePmdRange('v5.0');
export const splitHugePmdV52 = splitHugePmdRange('v5.2');
export const unmapVmasV50 = unmapVmasRange('v5.0');
export const unmapVmasV52 = unmapVmasRange('v5.2');
export const zapPageRangeV50 = zapPageRangeRange('v5.0');
export const zapPageRangeV52 = zapPageRangeRange('v5.2');
export const wpPageCopyV50 = wpPageCopyRange('v5.0');
export const wpPageCopyV52 = wpPageCopyRange('v5.2');
export const tryToUnmapOneV50 = tryToUnmapOneRange('v5.0');
export const tryToUnmapOneV52 = tryToUnmapOneRange('v5.2');
export const splitHugePmdV66 = splitHugePmdRange('v6.6');
export const unmapVmasV66 = unmapVmasRange('v6.6');
export const zapPageRangeV66 = zapPageRangeRange('v6.6');
export const wpPageCopyV66 = wpPageCopyRange('v6.6');
export const tryToUnmapOneV66 = tryToUnmapOneRange('v6.6');
