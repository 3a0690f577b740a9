/*
 * bench/spin/mnc.pml: the shared part of the hand-written Promela models that bench/spin.ts runs
 * through SPIN beside mnc (issue 12, "SPIN side by side"). Each configuration file
 * (growth.pml, reaper-ioctl-two-pairs.pml, kvm-pairing-under-reaper.pml,
 * amdgpu-ioctl-alloc-under-lock.pml) defines which notifiers it has (HAVE_AMDGPU, HAVE_KVM,
 * AMDGPU_TETSUO), what else differs (HAVE_RECLAIM: allocation.reclaim and mayFail; REAP_VMA1: the
 * VMA [8, 12) is anonymous, so the reaper reaps it too) and how many of each thread it runs
 * (N_REAPER, N_IOCTL, ...), and includes this file, whose threads are `active [N]` proctypes.
 *
 * What it stands for: the v4.19 core (mm/oom_kill.c, mm/madvise.c, mm/memory.c, mm/mmu_notifier.c
 * as 93065ac753e4 and the thread's follow-ups left them), amdgpu's GFX notifier as 93065ac753e4
 * posted it (or Tetsuo Handa's variant), KVM's notifier (v4.19), the amdgpu CS ioctl as 4.19.y
 * has it, and KVM's tdp_page_fault: the same C that src/model/kernel models, read from the golden
 * listings test/model/kernel/__golden__/{core-v4.19,amdgpu@93065ac753e4,kvm@93065ac753e4}.txt.
 *
 * Granularity. mnc makes one transition of a statement that touches what another thread touches
 * or what a property reads (a lock operation, a shared field, a callback's entry and return, which
 * change the non-blockable context and the open pairs), and coalesces the statements after it that
 * touch nothing of the kind (docs/model.md, "Reduction: coalescing"). Here each such mnc step is
 * one `atomic { }` whose first statement is the step's guard (a lock that may be taken, a wait);
 * the local statements mnc coalesces are folded into the atomic before them, and their C text is
 * in the comments. Where a step is conditional (taken on one branch only), a `goto` out of the
 * atomic before it skips it, so no extra state is stored for the branch (a `goto` out of an atomic
 * ends it: the atomic it lands on is a step of its own; a `break` out of an atomic to the end of the
 * process stores nothing more). Where the match is not exact, a comment says "NOT AS MNC". The
 * steps are mnc's as of 2 December 2026 (main at 162e910), read off its step graph of each
 * configuration: every thread's distinct transitions between the statements it stops at, over the
 * reachable states (they were first matched to e6d1f30's, which were finer).
 *
 * What it leaves out (docs/checker.md, "Performance", lists it for the reader of the figures):
 * the VMA list (static: no munmap in these configurations), the page tables and huge pages (a
 * zap is one step freeing its range), the page allocator (every allocation here is an OOM
 * victim's: "is memory short", then v4.19's reserves, which give a page or, where the scenario says
 * allocation.mayFail, NULL; direct reclaim's one page as a choice), the notifier
 * core's SRCU (tracked by mnc, changes no verdict here), the lock-discipline, coherency,
 * no-premature-victim and no-bug properties (not encoded; their reads are still in the state where
 * another thread reads them), and mnc's symmetry reduction (SPIN has none: k identical madvise
 * threads are k processes).
 *
 * Properties encoded (their assertion texts are what bench/spin.ts maps back to mnc's names):
 *   no-sleep:  assert(blockable) where a callback is about to call down_read_non_owner() (which
 *              may sleep) in a non-blockable start: mnc's no-sleep:might-sleep ("about to
 *              execute a call that may sleep, whether or not it would have to wait"). no-sleep:blocked
 *              (it then really waits there) is not encoded: here it can only follow a
 *              might-sleep finding at the same call, so the property's verdict is the same.
 *   pairing:   assert(pairs[_pid]==0) when a thread finishes (pairing:missing-end: an approved
 *              start whose end never came); init's assert(unbalanced==0) once every thread has
 *              finished (pairing:unbalanced-state: the counters and locks back to their initial
 *              values).
 *   deadlock:  SPIN's invalid end states (a state where no process can move and one has not
 *              finished). mnc's deadlock:partial (one thread can never move again while others
 *              can) has no counterpart.
 *   reaper-progress: with -DLIVENESS, ltl { <> reaper_done } checked with pan -a -f (weak
 *              fairness): mnc's reaper-progress:fair. reaper-progress:attempts holds by
 *              construction (the loop is bounded by MAX_OOM_REAP_RETRIES, as in the C).
 */

#define MAX_OOM_REAP_RETRIES 10
#define EAGAIN 11

/* mm_struct */
byte mmap_sem_r;                /* read holds of mm->mmap_sem (no thread here takes it for write) */
bool MMF_UNSTABLE;
bool MMF_OOM_SKIP;
bool freed_0_2, freed_2_4;      /* VMA [0, 4), anonymous: pages [0, 2) and [2, 4) freed by a zap */
bool freed_8_10, freed_10_12;   /* VMA [8, 12) (a shared file mapping, or with REAP_VMA1 anonymous): pages [8, 10), [10, 12) freed */
#ifdef HAVE_RECLAIM
bool below_min = 1;             /* allocation.reclaim: below the min watermark until a direct reclaim has run */
#define BELOW_MIN below_min
#else
#define BELOW_MIN 0
#endif
/* page_alloc.ts: memory is short while the OOM is unresolved (a VMA the reaper can reap still holds
 * pages, and MMF_OOM_SKIP is clear) or below the min watermark. */
#ifdef REAP_VMA1
#define OOM_RESOLVED ((freed_0_2 && freed_2_4 && freed_8_10 && freed_10_12) || MMF_OOM_SKIP)
#else
#define OOM_RESOLVED ((freed_0_2 && freed_2_4) || MMF_OOM_SKIP)
#endif
#define MEMORY_SHORT (!OOM_RESOLVED || BELOW_MIN)
bool reaper_done;               /* ghost: oom_reap_task() returned (for the liveness property) */
/* How many of each thread a configuration runs (its file defines them before including this one). */
#ifndef N_REAPER
#define N_REAPER 1
#endif
#ifndef N_IOCTL
#define N_IOCTL 0
#endif
#ifndef N_IOCTL_AUL
#define N_IOCTL_AUL 0
#endif
#ifndef N_MADVISE_BO
#define N_MADVISE_BO 0
#endif
#ifndef N_MADVISE_KVM
#define N_MADVISE_KVM 0
#endif
#ifndef N_FAULT
#define N_FAULT 0
#endif
#define NPROC (1 + N_REAPER + N_IOCTL + N_IOCTL_AUL + N_MADVISE_BO + N_MADVISE_KVM + N_FAULT)
byte pairs[NPROC];              /* ghost: per process (_pid), approved starts that are owed an end */

#ifdef HAVE_AMDGPU
/* struct amdgpu_mn amdgpu0 */
byte amn_read_lock;             /* mutex rmn->read_lock: its owner's _pid, 0 when free */
byte amn_recursion;             /* atomic_t rmn->recursion */
bool amn_w;                     /* rw_semaphore rmn->lock: held for write */
bool amn_wq;                    /*   a writer sleeps in its queue */
byte amn_r;                     /*   read holds */
/* the userptr BO of amdgpu0.obj0 over [8, 10) */
bool bo_pages_valid = 1;        /* amdgpu_ttm_tt_userptr_needs_pages() is false */
bool bo_mapped = 1;             /* the GPU uses the pages */
#endif

#ifdef HAVE_KVM
/* struct kvm kvm0, one memslot over [0, 4) */
byte kvm_mmu_lock;              /* spinlock kvm->mmu_lock: its owner's _pid, 0 when free */
byte kvm_count;                 /* kvm->mmu_notifier_count */
byte kvm_seq;                   /* kvm->mmu_notifier_seq */
bool kvm_mapped = 1;            /* the memslot's sptes are present */
bool kvm_tlbs_dirty;            /* kvm->tlbs_dirty */
#endif


/* ---------------------------------------------------------------------------------------------
 * Locks
 */

/* rw_semaphore amn->lock. down_read: sleeps while a writer holds it or sleeps in its queue (the
 * queue is FIFO: a reader arriving behind a queued writer waits). NOT AS MNC: mnc keeps the queue
 * and each read hold's owner; here a reader count and one queued-writer flag (every configuration
 * has at most one writer), and a reader that slept is not granted the lock ahead of later readers
 * when the writer leaves (mnc's handoff): no verdict here depends on the order. down_write: takes it when free,
 * else queues (amn_wq) and sleeps until it is free; atomicity is lost at the wait, as mnc's thread
 * is "pending" in the lock's slow path and is granted the lock when it runs again. */
#define DOWN_WRITE_AMN \
	atomic { if :: !amn_w && amn_r == 0 -> amn_w = 1 :: else -> amn_wq = 1; (!amn_w && amn_r == 0) -> amn_wq = 0; amn_w = 1 fi }

/* The last step of a thread ("return ..."): pairing:missing-end. */
#define THREAD_END assert(pairs[_pid] == 0)

/* The return from a start callback: the pair it approved is owed an end; a failure is the core's
 * return value. mnc runs it on in the callback's last step (the return and what follows it up to the
 * next statement another thread can see), so the callback macros take what their caller does there
 * as RET and run it inside their last atomic on every path. */
#define START_RETURNED if :: cret == 0 -> pairs[_pid]++ :: else -> ret_core = cret fi; cret = 0

/* ---------------------------------------------------------------------------------------------
 * KVM (virt/kvm/kvm_main.c, v4.19 and 93065ac753e4; test/model/kernel/__golden__/kvm@93065ac753e4.txt).
 * T: a label prefix unique in the proctype; INRANGE: the range covers the memslot [0, 4).
 * Leaves cret = 0 (kvm_arch_mmu_notifier_invalidate_range: the APIC-access page is elsewhere).
 */
#define KVM_START(T, INRANGE, RET) \
	atomic { kvm_mmu_lock == 0 -> kvm_mmu_lock = _pid };   /* (the caller's step ran on: ->invalidate_range_start(): kvm = mmu_notifier_to_kvm(mn); idx = srcu_read_lock(&kvm->srcu)) spin_lock(&kvm->mmu_lock) */ \
	atomic { kvm_count++ };                                /* kvm->mmu_notifier_count++ */ \
	atomic { need = (INRANGE) && kvm_mapped; if :: (INRANGE) -> kvm_mapped = 0 :: else fi };   /* need_tlb_flush = kvm_unmap_hva_range(kvm, start, end) */ \
	atomic { need = need || kvm_tlbs_dirty; if :: !need -> goto T##_unlock :: else fi };      /* need_tlb_flush |= kvm->tlbs_dirty; if (need_tlb_flush) */ \
	atomic { kvm_tlbs_dirty = 0 };                         /* kvm_flush_remote_tlbs(kvm) */ \
T##_unlock: \
	atomic { kvm_mmu_lock = 0; need = 0; RET }             /* spin_unlock(); ret = kvm_arch_mmu_notifier_invalidate_range(): 0; srcu_read_unlock(); return; the caller's RET */

#define KVM_END(T) \
	atomic { pairs[_pid]-- };                              /* ->invalidate_range_end(): kvm = mmu_notifier_to_kvm(mn) */ \
	atomic { kvm_mmu_lock == 0 -> kvm_mmu_lock = _pid };   /* spin_lock(&kvm->mmu_lock) */ \
	atomic { kvm_seq++ };                                  /* kvm->mmu_notifier_seq++; smp_wmb() */ \
	atomic { kvm_count-- };                                /* kvm->mmu_notifier_count-- */ \
	atomic { kvm_mmu_lock = 0 };                           /* spin_unlock(&kvm->mmu_lock) */ \
	atomic { skip }                                        /* BUG_ON(kvm->mmu_notifier_count < 0): never (the count is unsigned here, and never below 0) */

/* ---------------------------------------------------------------------------------------------
 * amdgpu GFX as 93065ac753e4 posted it (test/model/kernel/__golden__/amdgpu@93065ac753e4.txt).
 * INRANGE: the range covers the BO [8, 10). Leaves cret = 0 or EAGAIN. The no-sleep assertion is
 * where the thread is about to call down_read_non_owner() (which may sleep) with blockable false.
 */
#define AMDGPU_START(T, INRANGE, RET) \
	atomic { if                                            /* (the caller's step ran on: ->invalidate_range_start(): rmn = container_of(); end -= 1; amdgpu_mn_read_lock(rmn, blockable): if (blockable)) */ \
	         :: blockable && amn_read_lock == 0 -> amn_read_lock = _pid               /* mutex_lock(&rmn->read_lock) */ \
	         :: !blockable && amn_read_lock == 0 -> amn_read_lock = _pid              /* else if (!mutex_trylock(&rmn->read_lock)): taken */ \
	         :: !blockable && amn_read_lock != 0 -> cret = EAGAIN; RET; goto T##_out  /* not taken: return -EAGAIN */ \
	         fi }; \
	atomic { amn_recursion++; if :: amn_recursion == 1 -> assert(blockable) :: else -> goto T##_unl fi };   /* if (atomic_inc_return(&rmn->recursion) == 1) */ \
	atomic { if :: !amn_w && !amn_wq -> amn_r++ :: else -> (!amn_w && !amn_wq) -> amn_r++ fi };   /* down_read_non_owner(&rmn->lock): taken, or asleep in its slow path (a state of its own, as mnc's "pending") until it is */ \
T##_unl: \
	atomic { amn_read_lock = 0; if :: !(INRANGE) -> RET; goto T##_out :: (INRANGE) && blockable -> goto T##_inv :: else fi };  /* mutex_unlock(); return 0; it = interval_tree_iter_first(); while (it) { if (!blockable) { amdgpu_mn_read_unlock(rmn) */ \
	atomic { amn_recursion--; cret = EAGAIN; if :: amn_recursion != 0 -> RET; goto T##_out :: else fi };  /* if (atomic_dec_return(&rmn->recursion) == 0) */ \
	atomic { amn_r--; RET; goto T##_out };                 /* up_read_non_owner(&rmn->lock); return -EAGAIN */ \
T##_inv: \
	atomic { bo_mapped = 0 };                              /* amdgpu_mn_invalidate_node(): reservation_object_wait_timeout_rcu(): sleeps until the BO's fences signal */ \
	atomic { bo_pages_valid = 0; RET };                    /* amdgpu_ttm_tt_mark_user_pages(bo->tbo.ttm); return 0 */ \
T##_out:

#define AMDGPU_END(T) \
	atomic { pairs[_pid]-- };                              /* ->invalidate_range_end(): rmn = container_of(); amdgpu_mn_read_unlock(rmn) */ \
	atomic { amn_recursion--; if :: amn_recursion != 0 -> goto T##_ret :: else fi };   /* if (atomic_dec_return(&rmn->recursion) == 0) */ \
	atomic { amn_r-- };                                    /* up_read_non_owner(&rmn->lock) */ \
T##_ret:

/* amdgpu GFX, Tetsuo Handa's variant (amdgpu@tetsuo): no read_lock mutex, no recursion counter;
 * down_read_trylock(&amn->lock) when !blockable. Only the reaper's non-blockable path over a range
 * holding the BO (kvm-pairing-under-reaper) is written. */
#define AMDGPU_TETSUO_START_NONBLOCK_INRANGE(T, RET) \
	atomic { if :: !amn_w && !amn_wq -> amn_r++ :: else -> cret = EAGAIN; RET; goto T##_out fi };   /* (the caller's step ran on: ->invalidate_range_start(): amn = container_of(); end -= 1; amdgpu_mn_read_lock(amn, blockable): if (blockable)) else if (!down_read_trylock(&amn->lock)) return -EAGAIN; return 0; it = interval_tree_iter_first(): obj0; while (it) if (!blockable) amdgpu_mn_read_unlock(amn) */ \
	atomic { amn_r--; cret = EAGAIN; RET };                /* up_read(&amn->lock); return -EAGAIN */ \
T##_out:

/* pairing:unbalanced-state: once every other process has finished, the counters and locks are back
 * to their initial values. Declared first, so it is _pid 0 (SPIN removes processes last-in first-out). */
#ifdef HAVE_KVM
#define KVM_BALANCED (kvm_count == 0 && kvm_mmu_lock == 0)
#else
#define KVM_BALANCED 1
#endif
#ifdef HAVE_AMDGPU
#define AMDGPU_BALANCED (amn_recursion == 0 && amn_r == 0 && !amn_w && amn_read_lock == 0)
#else
#define AMDGPU_BALANCED 1
#endif
/* NOT AS MNC: a process of its own (mnc checks the state directly), with one state more per
 * run; and SPIN keeps a finished process until the later ones have finished. */
active proctype checker() {
	bool unbalanced;
	atomic { _nr_pr == 1 -> unbalanced = !(KVM_BALANCED && AMDGPU_BALANCED && mmap_sem_r == 0); assert(!unbalanced) }
}

/* ---------------------------------------------------------------------------------------------
 * Threads
 */

/* oom_reaper (mm/oom_kill.c v4.19): one victim, whose VMAs are [0, 4) anonymous (reaped) and
 * [8, 12) a shared file mapping (skipped: !vma_is_anonymous && VM_SHARED). */
/* NOT AS MNC: mnc's coalescing depends on what the scenario's other threads touch; the steps here
 * are those of its traces of the growth series, the kernel bench and kvm-pairing-under-reaper. In
 * amdgpu-ioctl-alloc-under-lock mnc runs everything from the spin_lock(&oom_reaper_lock) to the
 * first callback's `if (blockable)` as one step (no other thread there touches mmap_sem or the
 * mmu_gather), where this model has five. */
active [N_REAPER] proctype oom_reaper() {
	bool blockable = 0; byte attempts; byte cret; byte ret_core; bool need;
#ifdef REAP_VMA1
	bool failed;                      /* __oom_reap_task_mm()'s ret = false: a VMA's start failed */
#endif
	atomic { skip };                  /* wait_event_freezable(oom_reaper_wait, oom_reaper_list != NULL) */
	atomic { skip };                  /* spin_lock(&oom_reaper_lock); tsk = oom_reaper_list; oom_reaper_list = tsk->oom_reaper_list */
	atomic { attempts = 1 };          /* spin_unlock(&oom_reaper_lock); oom_reap_task(tsk): attempts = 0; while (attempts++ < MAX_OOM_REAP_RETRIES && */
r_again:
	atomic { skip };                  /* !oom_reap_task_mm(tsk, mm)): bool ret = true */
	atomic { mmap_sem_r++; MMF_UNSTABLE = 1 };   /* down_read_trylock(&mm->mmap_sem): taken (no writer here); test_bit(MMF_OOM_SKIP): false; __oom_reap_task_mm(): set_bit(MMF_UNSTABLE); vma [0, 4): anonymous; tlb_gather_mmu(&tlb, mm, 0, 4); mmu_notifier_invalidate_range_start_nonblock(): srcu_read_lock(&srcu); the first notifier; if (mn->ops->invalidate_range_start) */
#ifdef HAVE_KVM
	KVM_START(rks, 1, START_RETURNED);   /* RET: return ret; the core: if (_ret); the next notifier, amdgpu0 */
#endif
/* RET of the reaper's first amdgpu start: return; the core: srcu_read_unlock(&srcu); return ret;
 * __oom_reap_task_mm(): if (...) { tlb_finish_mmu(); ret = false; continue; } ... return ret; if
 * (!ret) goto out_finish; trace_finish_task_reaping(); or: unmap_page_range(): zap_pmd_range():
 * is_swap_pmd(*pmd), pmd_trans_huge(*pmd), pmd_devmap(*pmd): false (no huge page in these
 * configurations: mnc runs the pmd test on in the step before it, and so does every zap here). With REAP_VMA1, after a failure: the next vma [8, 12): anonymous;
 * tlb_gather_mmu(); ...; the first notifier. */
#ifndef REAP_VMA1
#define REAPER_RET_A START_RETURNED; if :: ret_core != 0 -> ret_core = 0; goto r_obstructed :: else fi
#else
#define REAPER_RET_A START_RETURNED; if :: ret_core != 0 -> ret_core = 0; failed = 1; goto r_vma1 :: else fi
#endif
#ifdef AMDGPU_TETSUO
	AMDGPU_TETSUO_START_NONBLOCK_INRANGE(ras, REAPER_RET_A)
#else
	AMDGPU_START(ras, 0, REAPER_RET_A)
#endif
	atomic { freed_0_2 = 1 };         /* zap_pte_range() over [0, 2); the next pmd: is_swap_pmd(*pmd); pmd_trans_huge(*pmd), pmd_devmap(*pmd): false */
	atomic { freed_2_4 = 1 };         /* zap_pte_range() over [2, 4); mmu_notifier_invalidate_range_end(): if (mm_has_notifiers(mm)) */
	atomic { skip };                  /* __mmu_notifier_invalidate_range_end(): srcu_read_lock(&srcu); the first notifier; if (mn->ops->invalidate_range_end) */
#ifdef HAVE_KVM
	KVM_END(rke);
#endif
	AMDGPU_END(rae)
#ifndef REAP_VMA1
	atomic { mmap_sem_r--; goto r_done };   /* (the end's last step ran on: return; the end of the list; srcu_read_unlock(&srcu); tlb_finish_mmu(); vma [8, 12): skipped; return ret (true); pr_info(); trace_finish_task_reaping()) up_read(&mm->mmap_sem); return ret; goto done; tsk->oom_reaper_list = NULL */
#else
	/* The second VMA, [8, 12), is anonymous too: reaped, with amdgpu's BO in it. (The end's last
	 * step ran on through tlb_finish_mmu(), the next VMA, tlb_gather_mmu() and the start's walk.) */
r_vma1:
	/* RET: return; srcu_read_unlock(&srcu); return ret; if (...) { tlb_finish_mmu(); ret = false;
	 * continue; } return ret; goto out_finish; or: unmap_page_range(): zap_pmd_range(): is_swap_pmd(*pmd), pmd_trans_huge(*pmd), pmd_devmap(*pmd): false */
#define REAPER_RET_B START_RETURNED; if :: ret_core != 0 -> ret_core = 0; failed = 0; goto r_obstructed :: else fi
	AMDGPU_START(rbs, 1, REAPER_RET_B)
	atomic { freed_8_10 = 1 };        /* zap_pte_range() over [8, 10); the next pmd: is_swap_pmd(*pmd); pmd_trans_huge(*pmd), pmd_devmap(*pmd): false */
	atomic { freed_10_12 = 1 };       /* zap_pte_range() over [10, 12); mmu_notifier_invalidate_range_end(): if (mm_has_notifiers(mm)) */
	atomic { skip };                  /* __mmu_notifier_invalidate_range_end(): srcu_read_lock(&srcu); the first notifier */
	AMDGPU_END(rbe)
	atomic { mmap_sem_r--; if :: failed -> failed = 0; goto r_retry :: else -> goto r_done fi };   /* up_read(&mm->mmap_sem); return ret */
#endif
r_obstructed:
	atomic { mmap_sem_r-- };          /* up_read(&mm->mmap_sem); return ret (false) */
r_retry:
	atomic { if :: attempts < MAX_OOM_REAP_RETRIES -> attempts++; goto r_again :: else -> attempts++ fi };   /* schedule_timeout_idle(HZ/10); while (attempts++ < MAX_OOM_REAP_RETRIES ...); else pr_info("unable to reap"); tsk->oom_reaper_list = NULL */
r_done:
	atomic { MMF_OOM_SKIP = 1 };      /* set_bit(MMF_OOM_SKIP, &mm->flags); put_task_struct(tsk) */
	atomic { reaper_done = 1; THREAD_END }   /* return 0 */
}

/* madvise(8, 2, MADV_DONTNEED) (mm/madvise.c v4.19) over amdgpu's BO -> zap_page_range(): the
 * blockable pair over [8, 10), one pmd. */
active [N_MADVISE_BO] proctype madvise_bo() {
	bool blockable = 1; byte cret; byte ret_core; bool need;
	atomic { mmap_sem_r++ };          /* down_read(&current->mm->mmap_sem); find_vma_prev(); ...; madvise_dontneed_single_vma(): zap_page_range(vma, 8, 2): lru_add_drain(); tlb_gather_mmu(); update_hiwater_rss(); mmu_notifier_invalidate_range_start(mm, 8, 10): srcu_read_lock(&srcu); the first notifier */
#ifdef HAVE_KVM
	KVM_START(mks, 0, START_RETURNED);   /* RET: return ret; the next notifier, amdgpu0 */
#endif
	AMDGPU_START(mas, 1, START_RETURNED)   /* RET: return 0; srcu_read_unlock(&srcu); unmap_single_vma(): ...; zap_pmd_range(): is_swap_pmd(*pmd), pmd_trans_huge(*pmd), pmd_devmap(*pmd): false */
	atomic { freed_8_10 = 1 };        /* zap_pte_range() over [8, 10); mmu_notifier_invalidate_range_end(): if (mm_has_notifiers(mm)) */
	atomic { skip };                  /* __mmu_notifier_invalidate_range_end(): srcu_read_lock(&srcu); the first notifier */
#ifdef HAVE_KVM
	KVM_END(mke);
#endif
	AMDGPU_END(mae)
	atomic { mmap_sem_r--; THREAD_END }   /* (the end's last step ran on: return; srcu_read_unlock(); tlb_finish_mmu(); return 0; ...; if (write)) up_read(&current->mm->mmap_sem); return error (mnc ends the thread in this step: no property reads its finishing) */
}

#ifdef HAVE_KVM
/* madvise(0, 2, MADV_DONTNEED) over KVM's memslot (the anonymous VMA [0, 4)), one pmd. */
active [N_MADVISE_KVM] proctype madvise_kvm() {
	bool blockable = 1; byte cret; byte ret_core; bool need;
	atomic { mmap_sem_r++ };          /* down_read(&current->mm->mmap_sem); ...; zap_page_range(vma, 0, 2): lru_add_drain(); tlb_gather_mmu(); update_hiwater_rss(); mmu_notifier_invalidate_range_start(mm, 0, 2): srcu_read_lock(&srcu); the first notifier */
	KVM_START(kks, 1, START_RETURNED);   /* RET: return ret; the next notifier, amdgpu0 */
	AMDGPU_START(kas, 0, START_RETURNED)   /* RET: return 0; srcu_read_unlock(&srcu); unmap_single_vma(): ...; zap_pmd_range(): is_swap_pmd(*pmd), pmd_trans_huge(*pmd), pmd_devmap(*pmd): false */
	atomic { freed_0_2 = 1 };         /* zap_pte_range() over [0, 2); mmu_notifier_invalidate_range_end(): if (mm_has_notifiers(mm)) */
	atomic { skip };                  /* __mmu_notifier_invalidate_range_end(): srcu_read_lock(&srcu); the first notifier */
	KVM_END(kke);
	AMDGPU_END(kae)
	atomic { mmap_sem_r--; THREAD_END }   /* (the end's last step ran on: return; srcu_read_unlock(); tlb_finish_mmu(); return 0; ...; if (write)) up_read(&current->mm->mmap_sem); return error (mnc ends the thread in this step: no property reads its finishing) */
}
#endif

#ifdef HAVE_AMDGPU
/* amdgpu_cs_submit() as 4.19.y has it (amdgpu:cs_v4_19), after amdgpu_cs_parser_bos() got the
 * pages of the one userptr BO. The allocation is an OOM victim's: served from the reserves. */
active [N_IOCTL] proctype cs_ioctl() {
	atomic { if :: !MEMORY_SHORT -> goto c_lock :: else fi };   /* drm_sched_job_init(): drm_sched_fence_create(): kmem_cache_zalloc(GFP_KERNEL): get_page_from_freelist(): memory is short until the OOM is resolved; __alloc_pages_slowpath(): ALLOC_OOM */
	atomic { skip };                  /* get_page_from_freelist(..., ALLOC_OOM): a page; return 0; amdgpu_mn_lock(p->mn): if (mn) */
c_lock:
	DOWN_WRITE_AMN;                   /* down_write(&mn->lock); the userptr BOs: obj0 */
	atomic { if :: !bo_pages_valid -> goto c_unlock :: else fi };   /* if (amdgpu_ttm_tt_userptr_needs_pages()) { r = -ERESTARTSYS; goto error_abort; } ...; drm_sched_entity_push_job() */
	atomic { bo_mapped = 1 };         /* ttm_eu_fence_buffer_objects(): the GPU uses the BO's pages; amdgpu_mn_unlock(p->mn): if (mn) */
c_unlock:
	atomic { amn_w = 0 }              /* up_write(&mn->lock); return r (one step, as in mnc) */
}
#endif

#if defined(HAVE_AMDGPU) && defined(HAVE_RECLAIM)
/* amdgpu_cs_submit() before 4a2de54dc1d7 (amdgpu:cs_alloc_under_lock): amdgpu_mn_lock() first, then
 * drm_sched_job_init() allocating the fence with GFP_KERNEL under the write lock. An OOM victim:
 * ALLOC_OOM from the reserves, which (allocation.mayFail) may run out; then direct reclaim, which
 * may unmap the BO's page 8 (allocation.reclaim: a choice while it is mapped) through
 * try_to_unmap_one(): amdgpu's blockable start under the thread's own write lock. */
active [N_IOCTL_AUL] proctype cs_alloc_under_lock() {
	bool blockable = 1; byte cret; byte ret_core;
	DOWN_WRITE_AMN;                   /* amdgpu_mn_lock(p->mn): down_write(&mn->lock); if (p->bo_list); for (...): bo = p->bo_list->array[i].robj */
	atomic { if :: !bo_pages_valid -> goto u_unlock :: else fi };   /* if (amdgpu_ttm_tt_userptr_needs_pages()) { amdgpu_mn_unlock(); return -ERESTARTSYS; } job = p->job; drm_sched_job_init(): drm_sched_fence_create(): kmem_cache_zalloc(GFP_KERNEL): __alloc_pages_nodemask(): might_sleep_if() */
	atomic { if :: !MEMORY_SHORT -> goto u_got :: else fi };         /* get_page_from_freelist(ALLOC_WMARK_LOW): NULL while memory is short; __alloc_pages_slowpath(): __gfp_pfmemalloc_flags(): ALLOC_OOM */
	atomic { if :: true -> goto u_got :: true -> skip fi };         /* get_page_from_freelist(ALLOC_OOM): a page from the reserves, or NULL (they ran out); can_direct_reclaim; __alloc_pages_direct_reclaim(): cond_resched(); current->flags |= PF_MEMALLOC; try_to_free_pages() */
	atomic { if :: !freed_8_10 -> if :: true -> goto u_reach :: true -> skip fi :: else fi; below_min = 0 };   /* if (mnc_reclaim_reaches_page()) (a choice while page 8 is mapped); return mnc_reclaimed(); current->flags restored; cond_resched(); if (!progress) */
u_after_reclaim:
	atomic { if :: true -> goto u_got :: true -> skip fi };         /* get_page_from_freelist(ALLOC_OOM): a page, or NULL; if (page) */
	atomic { skip; goto u_unlock };   /* out_of_memory(): the victim's returns at once; goto nopage; warn_alloc(); return NULL; drm_sched_job_init(): -ENOMEM; amdgpu_job_free(job); amdgpu_mn_unlock(p->mn): if (mn) */
u_reach:
	/* (the reclaim step ran on: try_to_unmap_one(page 8): start = 8; end = 9;
	 * mmu_notifier_invalidate_range_start(): srcu_read_lock(&srcu); the first notifier) */
	AMDGPU_START(uas, 1, START_RETURNED)   /* RET: return 0; srcu_read_unlock(&srcu); page_vma_mapped_walk(&pvmw); mmu_notifier_invalidate_range_end(): if (mm_has_notifiers(mm)) */
	atomic { skip };                  /* __mmu_notifier_invalidate_range_end(): srcu_read_lock(&srcu); the first notifier */
	AMDGPU_END(uae)
	atomic { below_min = 0; goto u_after_reclaim };   /* return; srcu_read_unlock(&srcu); return mnc_reclaimed(); current->flags restored; cond_resched(); if (!progress) */
u_got:
	atomic { bo_mapped = 1 };         /* return page; drm_sched_job_init(): 0; p->fence = dma_fence_get(); drm_sched_entity_push_job(); ttm_eu_fence_buffer_objects(): the GPU uses the BO's pages; amdgpu_mn_unlock(p->mn): if (mn) */
u_unlock:
	atomic { amn_w = 0; THREAD_END }  /* up_write(&mn->lock); return r (one step, as in mnc) */
}
#endif

#ifdef HAVE_KVM
/* kvm:tdp_fault(address 3, retries 1): a vCPU touching guest page 3 while its spte is absent,
 * at most 1 + retries faults (src/model/kernel/drivers/kvm.ts). */
active [N_FAULT] proctype tdp_fault() {
	byte faults; byte mmu_seq;
	/* The loop ends inside the step that decides it (`break` out of an atomic stores no state of its
	 * own): the EPT-violation test that fails, or the unlock after the last fault, whose `faults <=
	 * retries` is false before ept_violation() is read; mnc ends the thread in that step too. NOT AS
	 * MNC: the boundaries of the fault's first steps (the EPT-violation test, the allocation) are read
	 * from mnc's traces of kvm-pairing-under-reaper, the only configuration with this thread; there
	 * mnc runs mmu_notifier_retry() and __direct_map() in the step that follows spin_lock(), as here. */
f_loop:
	do
	:: atomic { if :: faults <= 1 && !kvm_mapped -> skip :: else -> faults = 0; break fi };   /* while (faults <= retries && ept_violation(vcpu, gpa)): tdp_page_fault(): ...; mmu_topup_memory_caches(): kmem_cache_zalloc(GFP_KERNEL); or: return r */
	   atomic { if :: !MEMORY_SHORT -> goto f_got :: else fi };   /* get_page_from_freelist(): short until the OOM is resolved; __alloc_pages_slowpath(): ALLOC_OOM */
	   atomic { skip };                  /* get_page_from_freelist(..., ALLOC_OOM): a page; fast_page_fault(): false */
f_got:
	   atomic { mmu_seq = kvm_seq };     /* mmu_seq = vcpu->kvm->mmu_notifier_seq; smp_rmb(); try_async_pf(): false; handle_abnormal_pfn(): false */
	   atomic { kvm_mmu_lock == 0 -> kvm_mmu_lock = _pid };   /* spin_lock(&vcpu->kvm->mmu_lock) */
	   atomic { if :: kvm_count == 0 && kvm_seq == mmu_seq -> kvm_mapped = 1 :: else fi };   /* mmu_notifier_retry(): if (unlikely(kvm->mmu_notifier_count)) return 1; smp_rmb(); if (kvm->mmu_notifier_seq != mmu_seq) return 1; return 0; or: make_mmu_pages_available(); r = __direct_map(): the spte is installed */
	   atomic { kvm_mmu_lock = 0; mmu_seq = 0; faults++; if :: faults > 1 -> faults = 0; break :: else -> goto f_loop fi }   /* spin_unlock(&vcpu->kvm->mmu_lock) (out_unlock: kvm_release_pfn_clean(pfn) on a retry); return r or RET_PF_RETRY; faults++; while (faults <= retries: false, or the next test); return r */
	od
}
#endif

#ifdef LIVENESS
ltl reaper_progress { <> reaper_done }
#endif
