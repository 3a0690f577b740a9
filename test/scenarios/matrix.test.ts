/**
 * The verdicts of every built-in scenario in every variant, as exploration finds them. Each row was
 * read against the kernel history it stands for (see each scenario's description and
 * test/scenarios/thread-points.test.ts for the findings' key steps); a change to the model that
 * changes a verdict must change this table knowingly.
 *
 * amdgpu-ioctl-alloc-under-lock @ alloc-under-lock keeps its deadlock and reaper-progress findings,
 * but their mechanism changed with issue 10: the ioctl, a thread of the OOM victim, no longer waits in
 * its allocation for the reaper (v4.19 gives a victim the reserves or NULL); the deadlock is its direct
 * reclaim reaching amdgpu's start under its own write lock (amdgpu-cs-reclaim shows it without an OOM).
 *
 * mayfail-reclaim @ i915@mayfail was pinned `ok` for coherency until the reduction stopped hiding the
 * open pairs (issue 9): with reclaim and madvise both in i915's start, the second finds the interval
 * tree already emptied by the first and approves its start while the first's cancel work has not yet
 * unmapped the object: the race of i915-overlapping-invalidations, which the unreduced model always found.
 *
 * Issue 10 (->release callbacks, work items on kworkers, the RCU notifier walk, kernel oopses):
 *
 * - no-bug, `-` -> `ok` in every row that had `-`: the property now also covers kernel oopses
 *   (no-bug:oops: a NULL pointer dereference, or a use of a kfree()d notifier), which applies to
 *   every scenario; none of those rows can oops.
 * - mlx5-implicit-mr (one leaf, no page fault now): pairing, deadlock, coherency and no-bug `ok` ->
 *   FAIL. The leaf-free work (mr_leaf_free_action -> ib_umem_odp_release, down_write(umem_rwsem))
 *   runs on a kworker; mlx5_ib_free_implicit_mr and mlx5_ib_invalidate_range both test the leaf's
 *   `dying` and queue the work without a common lock, so it can be counted twice (the waiter in
 *   wait_event(imr->q_leaf_free, !num_leaf_free) never wakes: deadlock), run twice (NULL
 *   mr->parent: no-bug), and odp_mrs_count reaching 0 unregisters the notifier between a start and
 *   its end (pairing); mr_leaf_free DMA-unmaps the leaf without zapping its MTTs, so a later
 *   invalidation finds no DMA-mapped page to zap and approves with the MTTs still set (coherency).
 * - exit-mmap-vs-reaper: the BO [8, 10) in a VM_LOCKED VMA, which the reaper skips, so only
 *   exit_mmap's unmap_vmas covers it (the scenario's former unlocked VMA over the BO gave every
 *   sub-property the same verdict with ten times the states: 12 million unreduced in v4.19); variant tetsuo added (clarify, which differs from
 *   v4.19 only in the reaper's mutex_lock, already shown by amdgpu-read-lock-nonblock, gave the
 *   v4.19 row and is left out for time). amdgpu's ->release now runs: it queues amdgpu_mn_destroy,
 *   which a kworker runs, and which frees the notifier after mmu_notifier_unregister_no_release(),
 *   without an SRCU grace period. no-bug FAIL
 *   in every variant: a walker standing on the notifier reads freed memory (exit_mmap's own
 *   __mmu_notifier_release walk going on to ->hlist.next, or the reaper's start walk, or in v4.18
 *   mm_has_blockable_invalidate_notifiers()). deadlock and reaper-progress `ok` -> FAIL in every
 *   variant: the reaper killed by that oops inside its SRCU read section never finishes, and
 *   exit_mmap waits for it in synchronize_srcu() forever; from 93065ac753e4 on also, without any
 *   oops, the destroy work waits forever in down_write(&amn->lock) behind the read lock of the
 *   reaper's start whose end never came (the notifier was unhashed between them: the pairing
 *   finding, unchanged). tetsuo: no-sleep ok (the trylock never sleeps), lock-discipline FAIL (the
 *   reaper finishes holding amn->lock for read, taken as itself, whose end never came).
 * - radeon-release-destroy (new): no-bug FAIL in both variants: radeon_mn_destroy, run by the
 *   kworker while exit_mmap has not unhashed the notifier yet, calls mmu_notifier_unregister(),
 *   which calls ->release again and so queues the running work again; the work frees the notifier
 *   and its second run is on freed memory. Everything else holds.
 * - umem-odp-reaper and scif-reaper keep their verdicts (their state counts changed).
 *
 * Issue 10, item "hmm mirror whose sync_cpu_device_pagetables does or does not sleep" (the notifier
 * parameter `sync_sleeps`, set by a scenario variant's `params`):
 *
 * - end-after-nonblock-start @ 93065ac753e4+nosleep-mirror and @ jglisse+nosleep-mirror (new rows):
 *   the same verdicts as their sleeping-mirror rows. A mirror whose callback never sleeps removes the
 *   callback from the sleeping calls of the non-blocking path (test/model/kernel/drivers/hmm.test.ts shows
 *   the difference), but the end (v4.19) or the start (v4.20) still takes
 *   down_read(&hmm->mirrors_sem) there, which may sleep: no-sleep FAIL either way. In jglisse the
 *   non-sleeping mirror is invalidated by the non-blocking start instead of refusing with -EAGAIN;
 *   coherency stays ok; v4.19's coherency finding (the start does nothing, the end syncs) stays.
 *
 * Issue 10, item "umem_odp with a registered MR" (thread umem_odp:register: mlx5_ib_reg_user_mr ->
 * ib_umem_odp_get; context->no_private_counters is now state):
 *
 * - umem-odp-register-vs-reaper (new): v4.18 no-premature-victim FAIL (the reaper leaves an mm with a
 *   blockable notifier alone and sets MMF_OOM_SKIP, as in umem-odp-reaper); 93065ac753e4 no-sleep
 *   FAIL: the reaper's end after its approved non-blocking start takes umem_rwsem with down_read
 *   (might-sleep, as in umem-odp-reaper) and really waits there while the registration holds it for
 *   write (blocked), or, when the MR was registered while the reaper's start was counted, waits in
 *   ib_ucontext_notifier_end_account()'s down_write for the registration's read hold before it gives
 *   the MR its private counters (test/model/kernel/drivers/umem_odp.test.ts). pairing holds: the MR lies in a
 *   VM_LOCKED VMA the reaper skips, so no start fails and no count leaks.
 * - umem-odp-reaper keeps its verdicts; its page fault now enters through
 *   pagefault_single_data_segment()'s live-MR check (4710 -> 4720 states). mlx5-implicit-mr keeps
 *   its verdicts.
 *
 * Issue 14, core v5.5 (interval notifiers): the column interval-coherency, `-` in every row without an
 * interval notifier; test-hmm-reaper and test-hmm-fault-vs-munmap (new, lib/test_hmm.c on v5.5):
 * every check holds (the broken hunks of examples/patches/test_hmm-*.patch fail it:
 * test/properties/can-fail.test.ts).
 *
 * Issue 14, the drivers as v6.6 has them (interval notifiers, on the v5.5 core):
 * amdgpu-userptr-reaper and amdgpu-userptr-cs-vs-munmap (new, amdgpu@v6.6: amdgpu_hmm.c and the CS
 * ioctl's read of the pages): every check holds (the broken hunks of
 * test/model/kernel/drivers/amdgpu-v66.test.ts make interval-coherency fail). kvm-tdp-fault-reaper
 * (new; variants kvm@v6.6 and kvm@v5.2, the v5.5 core's default): every check holds in both.
 * gntdev-mmap-reaper (new, gntdev@v6.6 and its mmap): every check holds. umem-odp-pagefault-reaper
 * (new, umem_odp@v6.6 with mlx5's invalidate and page fault): every check holds. i915-userptr-reaper
 * (new, i915@v6.6 and its execbuffer): every check holds. hfi1-tid-reaper (new, hfi1@v6.6's TID
 * cache): no-sleep FAIL, a finding (examples/README.md): tid_rb_invalidate takes
 * mutex_lock(&node->invalidate_mutex) and unpins in the reaper's non-blockable MMU_NOTIFY_UNMAP range.
 *
 * Issue 14, core v5.12 (c2655835fd8c): kvm-imbalance-i915 (new): KVM and i915 on one mm, i915 refusing
 * the reaper's non-blocking start; pairing FAIL on v4.19 and v5.5 (KVM's approved start never gets its
 * end, its mmu_notifier_count stays raised), ok on v5.12 (the core's unwind ends KVM; i915 has no end).
 * No other row changed.
 *
 * Issue 14, core v6.6: kvm-imbalance-i915 @ v6.6 (new): every check holds, as on v5.12.
 * process-mrelease-reaper (new): the oom_reaper and process_mrelease(2) reaping at once on v6.6, KVM
 * and test_hmm on the mm: every check holds. No other row changed.
 *
 * Issue 14, the v6.6 core ships the @v6.6 drivers: amdgpu-userptr-reaper, amdgpu-userptr-cs-vs-munmap,
 * kvm-tdp-fault-reaper, gntdev-mmap-reaper, umem-odp-pagefault-reaper, i915-userptr-reaper and
 * hfi1-tid-reaper moved from the v5.5 core to v6.6 (their drivers named without a variant): no row
 * changed. kvm-imbalance-i915 @ v6.6 names i915's v5.2 hlist form (i915@v6.6 would refuse in the
 * interval tree, before the hlist start the scenario is about) and runs the kvm@v6.6 the core ships:
 * no change. hfi1-tid-mrelease (new): hfi1@v6.6 under the oom_reaper and process_mrelease(2) at once:
 * no-sleep FAIL, now also no-sleep:blocked (one caller waits for node->invalidate_mutex, which the
 * other holds across the unpin), and interval-coherency FAIL read literally (the second caller finds
 * node->freed set and returns true while the first has not yet cleared the RcvArray entry; the pages
 * stay pinned: docs/model.md, "hfi1 as of v6.6").
 *
 * Issue 14, nouveau SVM on the v6.6 core (the interval tree as state): nouveau-svm-fault-vs-munmap
 * (new): every check holds (interval-coherency:mapped judges from the return of the core's start,
 * where nouveau's hlist notifier has cleared the GPU's entries its interval notifier only sequenced).
 * nouveau-svm-reaper (new): deadlock FAIL, a finding (examples/README.md): the hlist notifier's
 * -EAGAIN makes __mmu_notifier_invalidate_range_start return without ending the interval tree it
 * started, so invalidate_seq stays odd and the fault waits in read_begin or remove for good;
 * interval-coherency FAIL, the same leak (the approved interval invalidation is never ended).
 * No other row changed.
 *
 * Columns: no-sleep, pairing, lock-discipline, deadlock, reaper-progress, no-premature-victim,
 * coherency, interval-coherency, no-bug. ok = holds, FAIL = violated, - = does not apply.
 */
import { expect, test } from 'vitest';
import { computeMatrix } from '../../src/report/matrix.ts';
import { KERNEL_PROPERTIES } from '../../src/properties/index.ts';

const EXPECTED = `
amdgpu-cs-reclaim             alloc-under-lock   ok   ok   ok   FAIL -    -    ok   -   ok
amdgpu-cs-reclaim             4a2de54dc1d7       ok   ok   ok   ok   -    -    ok   -   ok
amdgpu-cs-reclaim             v4.19.y            ok   ok   ok   ok   -    -    ok   -   ok
amdgpu-hsa-reaper             v4.18              ok   ok   ok   ok   ok   FAIL ok   -   ok
amdgpu-hsa-reaper             93065ac753e4       FAIL ok   ok   ok   ok   ok   ok   -   ok
amdgpu-hsa-reaper             clarify            FAIL ok   ok   ok   ok   ok   ok   -   ok
amdgpu-hsa-reaper             tetsuo             ok   ok   ok   ok   ok   ok   ok   -   ok
amdgpu-ioctl-alloc-under-lock alloc-under-lock   FAIL ok   ok   FAIL FAIL ok   ok   -   ok
amdgpu-ioctl-alloc-under-lock 4a2de54dc1d7       FAIL ok   FAIL ok   ok   ok   ok   -   ok
amdgpu-ioctl-alloc-under-lock v4.19.y            FAIL ok   ok   ok   ok   ok   ok   -   ok
amdgpu-ioctl-alloc-under-lock tetsuo+fix         ok   ok   ok   ok   ok   ok   ok   -   ok
amdgpu-read-lock-nonblock     93065ac753e4       FAIL ok   ok   ok   ok   ok   ok   -   ok
amdgpu-read-lock-nonblock     clarify            FAIL ok   ok   ok   ok   ok   ok   -   ok
amdgpu-read-lock-nonblock     tetsuo             ok   ok   ok   ok   ok   ok   ok   -   ok
amdgpu-userptr-cs-vs-munmap   munmap             ok   ok   ok   ok   -    -    ok   ok  ok
amdgpu-userptr-cs-vs-munmap   madvise            ok   ok   ok   ok   -    -    ok   ok  ok
amdgpu-userptr-reaper         -                  ok   ok   ok   ok   ok   ok   ok   ok  ok
end-after-nonblock-start      93065ac753e4       FAIL ok   ok   ok   ok   ok   FAIL - ok
end-after-nonblock-start      jglisse            FAIL ok   ok   ok   ok   ok   ok   -   ok
end-after-nonblock-start      93065ac753e4+nosleep-mirror FAIL ok ok ok ok ok FAIL - ok
end-after-nonblock-start      jglisse+nosleep-mirror FAIL ok ok ok   ok   ok   ok   -   ok
exit-mmap-vs-reaper           v4.18              ok   ok   ok   FAIL FAIL FAIL ok   -   FAIL
exit-mmap-vs-reaper           93065ac753e4       FAIL FAIL ok   FAIL FAIL ok   ok   -   FAIL
exit-mmap-vs-reaper           v4.19              FAIL FAIL ok   FAIL FAIL ok   ok   -   FAIL
exit-mmap-vs-reaper           tetsuo             ok   FAIL FAIL FAIL FAIL ok   ok   -   FAIL
gntdev-mmap-reaper            -                  ok   ok   ok   ok   ok   ok   ok   ok  ok
gntdev-reaper                 v4.18              ok   ok   ok   ok   ok   FAIL ok   -   ok
gntdev-reaper                 93065ac753e4       FAIL ok   ok   FAIL FAIL ok   FAIL - ok
gntdev-reaper                 v4.19              FAIL ok   ok   FAIL FAIL ok   FAIL - ok
gntdev-reaper                 fixup              ok   ok   ok   ok   ok   ok   ok   -   ok
hfi1-reaper                   v4.18              ok   ok   ok   ok   ok   ok   ok   -   ok
hfi1-reaper                   93065ac753e4       ok   ok   ok   ok   ok   ok   ok   -   ok
hfi1-reaper                   v4.19              ok   ok   ok   ok   ok   ok   ok   -   ok
hfi1-tid-mrelease             -                  FAIL ok   ok   ok   ok   ok   ok   FAIL ok
hfi1-tid-reaper               -                  FAIL ok   ok   ok   ok   ok   ok   ok  ok
i915-overlapping-invalidations -                  ok   ok   ok   ok   -    -    FAIL - ok
i915-reaper                   v4.18              ok   ok   ok   ok   ok   FAIL ok   -   ok
i915-reaper                   93065ac753e4       ok   FAIL ok   ok   ok   ok   ok   -   ok
i915-reaper                   v4.19              ok   ok   ok   ok   ok   ok   ok   -   ok
i915-userptr-reaper           -                  ok   ok   ok   ok   ok   ok   ok   ok  ok
kvm-imbalance-i915            v4.19              ok   FAIL ok   ok   ok   ok   ok   -   ok
kvm-imbalance-i915            v5.5               ok   FAIL ok   ok   ok   ok   ok   -   ok
kvm-imbalance-i915            v5.12              ok   ok   ok   ok   ok   ok   ok   -   ok
kvm-imbalance-i915            v6.6               ok   ok   ok   ok   ok   ok   ok   -   ok
kvm-pairing-under-reaper      -                  ok   FAIL ok   ok   ok   ok   ok   -   ok
kvm-tdp-fault-reaper          kvm@v6.6           ok   ok   ok   ok   ok   ok   ok   -   ok
kvm-tdp-fault-reaper          kvm@v5.2           ok   ok   ok   ok   ok   ok   ok   -   ok
mayfail-reclaim               i915@mayfail       ok   ok   ok   ok   -    -    FAIL - ok
mayfail-reclaim               i915@93065ac753e4  ok   ok   ok   ok   -    -    FAIL - ok
mlx5-implicit-mr              v4.18              ok   FAIL ok   FAIL -    -    FAIL - FAIL
mlx5-implicit-mr              93065ac753e4       ok   FAIL ok   FAIL -    -    FAIL - FAIL
nouveau-svm-fault-vs-munmap   munmap             ok   ok   ok   ok   -    -    ok   ok  ok
nouveau-svm-fault-vs-munmap   madvise            ok   ok   ok   ok   -    -    ok   ok  ok
nouveau-svm-reaper            -                  ok   ok   ok   FAIL ok   ok   ok   FAIL ok
oom-reap-return-value         93065ac753e4       FAIL FAIL ok   ok   ok   ok   ok   -   ok
oom-reap-return-value         returns-true       FAIL FAIL ok   ok   ok   FAIL ok   -   ok
oom-reap-return-value         v4.19              FAIL ok   ok   ok   ok   ok   ok   -   ok
process-mrelease-reaper       -                  ok   ok   ok   ok   ok   ok   ok   ok  ok
radeon-reaper                 v4.18              ok   ok   ok   ok   ok   FAIL ok   -   ok
radeon-reaper                 93065ac753e4       ok   FAIL ok   ok   ok   ok   ok   -   ok
radeon-reaper                 v4.19              ok   ok   ok   ok   ok   ok   ok   -   ok
radeon-release-destroy        v4.18              ok   ok   ok   ok   -    -    ok   -   FAIL
radeon-release-destroy        v4.19              ok   ok   ok   ok   -    -    ok   -   FAIL
reaper-mmap-sem-write         -                  FAIL ok   ok   ok   ok   ok   ok   -   ok
scif-reaper                   v4.18              ok   ok   ok   ok   ok   FAIL ok   -   ok
scif-reaper                   93065ac753e4       ok   ok   ok   ok   ok   ok   ok   -   ok
scif-reaper                   v4.19              ok   ok   ok   ok   ok   ok   ok   -   ok
several-starts-in-flight      recursion          ok   ok   ok   ok   -    -    ok   -   ok
several-starts-in-flight      tetsuo             ok   ok   FAIL FAIL -    -    ok   -   ok
sgi-gru-reaper                v4.18              ok   ok   ok   ok   ok   ok   ok   -   ok
sgi-gru-reaper                93065ac753e4       ok   ok   ok   ok   ok   ok   ok   -   ok
sgi-gru-reaper                v4.19              ok   ok   ok   ok   ok   ok   ok   -   ok
test-hmm-fault-vs-munmap      munmap             ok   ok   ok   ok   -    -    ok   ok  ok
test-hmm-fault-vs-munmap      madvise            ok   ok   ok   ok   -    -    ok   ok  ok
test-hmm-reaper               -                  ok   ok   ok   ok   ok   ok   ok   ok  ok
umem-odp-pagefault-reaper     -                  ok   ok   ok   ok   ok   ok   ok   ok  ok
umem-odp-reaper               v4.18              ok   ok   ok   ok   ok   FAIL ok   -   ok
umem-odp-reaper               93065ac753e4       FAIL FAIL ok   ok   ok   ok   ok   -   ok
umem-odp-register-vs-reaper   v4.18              ok   ok   ok   ok   ok   FAIL ok   -   ok
umem-odp-register-vs-reaper   93065ac753e4       FAIL ok   ok   ok   ok   ok   ok   -   ok
v418-blockable-backoff        v4.18              ok   ok   ok   ok   ok   FAIL ok   -   ok
v418-blockable-backoff        v4.19              FAIL ok   ok   ok   ok   ok   ok   -   ok
`;

const MARK = { holds: 'ok', violated: 'FAIL', unknown: '?', 'n/a': '-' } as const;

test('every built-in scenario, in every variant, gives the verdicts its history says', () => {
  const rows = computeMatrix({});
  for (const r of rows) expect(r.status, `${r.scenario} ${r.variant ?? ''}`).not.toMatch(/incomplete/);
  const got = rows.map((r) => [r.scenario, r.variant ?? '-', ...KERNEL_PROPERTIES.map((p) => MARK[r.verdicts[p.name]!])].join(' '));
  const want = EXPECTED.trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).join(' '));
  expect(got).toEqual(want);
});
