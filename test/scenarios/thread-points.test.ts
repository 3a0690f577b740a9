/**
 * Each point raised in the review thread (../shared/seeds/001_a93342ea5087af67.txt), answered by
 * exploring the built-in scenario made for it. The expectations live here, never in src/.
 */
import { describe, expect, test } from 'vitest';
import { finding, runBuiltin, verdicts } from './helpers.ts';

describe('Tetsuo Handa: can amdgpu_mn_read_lock() still sleep when blockable == false?', () => {
  test('yes with the patch as posted: the reaper reaches down_read_non_owner() after its mutex_trylock()', () => {
    const run = runBuiltin('amdgpu-read-lock-nonblock', '93065ac753e4');
    const f = finding(run, 'no-sleep:might-sleep');
    expect(f.header).toBe('BUG: sleeping function called from non-blockable invalidate_range_start');
    expect(f.details).toMatch(/^oom_reaper is about to call down_read_non_owner\(\), which may sleep, in amdgpu0 invalidate_range_start \[0, 4\) non-blockable/);
    expect(f.statements).toContain('oom_reaper: else if (!mutex_trylock(&rmn->read_lock))');
    expect(f.statements).toContain('oom_reaper: if (atomic_inc_return(&rmn->recursion) == 1)');
  });
  test("Michal Hocko's clarification sleeps earlier, in mutex_lock(&amn->read_lock)", () => {
    const f = finding(runBuiltin('amdgpu-read-lock-nonblock', 'clarify'), 'no-sleep:might-sleep');
    expect(f.details).toMatch(/oom_reaper is about to call mutex_lock\(\)/);
  });
  test("Tetsuo Handa's down_read_trylock variant never sleeps there", () => {
    expect(verdicts(runBuiltin('amdgpu-read-lock-nonblock', 'tetsuo'))['no-sleep']).toBe('holds');
  });
  test('and it really waits when the CS ioctl holds amn->lock for write: blocked, and a deadlock through the ioctl\'s direct reclaim', () => {
    const run = runBuiltin('amdgpu-ioctl-alloc-under-lock', 'alloc-under-lock');
    const blocked = finding(run, 'no-sleep:blocked');
    expect(blocked.header).toBe('BUG: non-blockable invalidate_range_start blocked');
    expect(blocked.details).toMatch(/oom_reaper sleeps in amdgpu0 invalidate_range_start \[0, 4\) non-blockable: down_read_non_owner\(&amdgpu0\.lock\): held for write by cs_alloc_under_lock/);
    // The ioctl, an OOM victim, is served from the reserves or fails: it never waits for the reaper.
    // When the reserves run out it enters direct reclaim, which reaches amdgpu's blockable start.
    const dl = finding(run, 'deadlock');
    expect(dl.header).toBe('WARNING: possible deadlock: no thread can make progress');
    expect(dl.statements).toContain('cs_alloc_under_lock: try_to_unmap_one(alloc->reclaim_page, alloc->reclaim_vma, alloc->reclaim_address);');
    expect(dl.details).toMatch(/cs_alloc_under_lock: amdgpu_mn_read_lock\(\)[\s\S]*waits: mutex_lock\(&amdgpu0\.read_lock\): held by oom_reaper/);
    expect(dl.details).toMatch(/oom_reaper: amdgpu_mn_read_lock\(\)[\s\S]*waits: down_read_non_owner\(&amdgpu0\.lock\): held for write by cs_alloc_under_lock/);
    expect(dl.details).not.toMatch(/out of memory/);
  });
  test('Christian König\'s 4a2de54dc1d7: without any OOM, the allocation under the write lock reclaims the ioctl\'s own BO and waits for itself', () => {
    const dl = finding(runBuiltin('amdgpu-cs-reclaim', 'alloc-under-lock'), 'deadlock');
    expect(dl.details).toMatch(/cs_alloc_under_lock: amdgpu_mn_read_lock\(\)[\s\S]*waits: down_read_non_owner\(&amdgpu0\.lock\): held for write by cs_alloc_under_lock/);
    expect(dl.statements).toContain('cs_alloc_under_lock: if (mnc_reclaim_reaches_page())');
    expect(verdicts(runBuiltin('amdgpu-cs-reclaim', '4a2de54dc1d7')).deadlock).toBe('holds');
  });
});

describe('Andrew Morton / Michal Hocko: the oom_reap_task_mm() return value', () => {
  test('when a failed partial reap returns true, the reaper gives up after one attempt and a second victim can be chosen', () => {
    const run = runBuiltin('oom-reap-return-value', 'returns-true');
    const f = finding(run, 'no-premature-victim');
    expect(f.header).toBe('WARNING: MMF_OOM_SKIP set while the victim still holds its memory (premature new OOM victim)');
    expect(f.details).toMatch(/reaper attempts: 1, of which obstructed .*: 0/);
    expect(f.statements).toContain('oom_reaper: if (!__oom_reap_task_mm(mm))');
    expect(f.statements).toContain('oom_reaper: return true;');
    expect(f.statements).toContain('oom_reaper: set_bit(MMF_OOM_SKIP, &mm->flags);');
  });
  test('with the fix the reaper retries MAX_OOM_REAP_RETRIES times, each attempt obstructed, before giving up', () => {
    const run = runBuiltin('oom-reap-return-value', 'v4.19');
    expect(verdicts(run)['no-premature-victim']).toBe('holds');
    expect(verdicts(run)['reaper-progress']).toBe('holds');
  });
  test('the patch as posted also leaves the mmu_gather of a failed VMA open: mm->tlb_flush_pending never returns to 0', () => {
    const f = finding(runBuiltin('oom-reap-return-value', '93065ac753e4'), 'pairing:unbalanced-state');
    expect(f.header).toBe('WARNING: state not balanced after every thread finished');
    expect(f.details).toMatch(/mm\.tlb_flush_pending = 10 \(initially 0\)/);
  });
  test('before the patch, a blockable notifier made the reaper back off after one sleep without reaping', () => {
    const f = finding(runBuiltin('v418-blockable-backoff', 'v4.18'), 'no-premature-victim');
    expect(f.statements).toContain('oom_reaper: if (mm_has_blockable_invalidate_notifiers(mm))');
    expect(f.statements).toContain('oom_reaper: schedule_timeout_idle(HZ);');
    expect(verdicts(runBuiltin('v418-blockable-backoff', 'v4.19'))['no-premature-victim']).toBe('holds');
  });
});

describe('Christian König: several starts in flight, and the read lock taken twice', () => {
  test('with the recursion counter, nested and concurrent starts with a writer waiting are fine', () => {
    const v = verdicts(runBuiltin('several-starts-in-flight', 'recursion'));
    expect(v.deadlock).toBe('holds');
    expect(v['lock-discipline']).toBe('holds');
    expect(v.pairing).toBe('holds');
  });
  test('without it (Tetsuo Handa\'s variant) the nested start reads amn->lock again behind the queued writer: deadlock', () => {
    const run = runBuiltin('several-starts-in-flight', 'tetsuo');
    const rec = finding(run, 'lock-discipline:recursive-read');
    expect(rec.header).toBe('WARNING: possible recursive locking detected (down_read with a writer queued)');
    expect(rec.details).toMatch(/madvise2? already holds amdgpu0\.lock for read and is about to down_read it again while cs_v4_19 waits to write/);
    expect(rec.statements).toContain('cs_v4_19: down_write(&mn->lock);');
    const dl = finding(run, 'deadlock');
    expect(dl.details).toMatch(/waits: down_read\(&amdgpu0\.lock\): held for read by madvise2?; queued: cs_v4_19 \(write\)/);
  });
});

describe('Tetsuo Handa / Michal Hocko: may invalidate_range_end block after a non-blocking start?', () => {
  test('hmm as in v4.19 sleeps in the end paired with the reaper\'s approved non-blocking start', () => {
    const f = finding(runBuiltin('end-after-nonblock-start', '93065ac753e4'), 'no-sleep:might-sleep');
    expect(f.header).toBe('BUG (contract): sleeping function called from invalidate_range_end after a non-blocking start');
    expect(f.details).toMatch(/oom_reaper is about to call down_read\(\), which may sleep, in hmm0 invalidate_range_end \[0, 4\)/);
    // The end-side rule is the thread's, not v4.19's header's; v4.19 does not check it at run time
    // (v5.4's non_block_start() brackets the end callbacks of a non-blockable range too).
    expect(f.details).toMatch(/Michal Hocko, 24 Aug 2018, in the review thread[\s\S]*v4\.19's header does not say it yet/);
    expect(f.details).toMatch(/this core does not check it at run time \(v4\.19 does not\); from v5\.4, non_block_start\(\) \(ba170f76b69d\) brackets the end callbacks of a non-blockable range too/);
  });
  test('umem_odp too (the patch\'s own "ugly and fragile" TODO), and its failed start leaks notifier_count', () => {
    const run = runBuiltin('umem-odp-reaper', '93065ac753e4');
    const f = finding(run, 'no-sleep:might-sleep');
    expect(f.header).toBe('BUG (contract): sleeping function called from invalidate_range_end after a non-blocking start');
    expect(f.details).toMatch(/down_read\(\), which may sleep, in umem_odp0 invalidate_range_end/);
    expect(finding(run, 'pairing:unbalanced-state').details).toMatch(/umem_odp0\.notifier_count = \d+ \(initially 0\)/);
  });
  test('and it really blocks there while the process registers an ODP MR: ib_umem_odp_get() holds umem_rwsem for write', () => {
    const run = runBuiltin('umem-odp-register-vs-reaper', '93065ac753e4');
    const f = finding(run, 'no-sleep:blocked');
    expect(f.header).toBe('BUG (contract): invalidate_range_end after a non-blocking start blocked');
    expect(f.details).toMatch(/^oom_reaper sleeps in umem_odp0 invalidate_range_end \[0, 4\): down_read\(&umem_odp0\.umem_rwsem\): held for write by register/);
    expect(f.statements).toContain('register: down_write(&context->umem_rwsem);');
    expect(verdicts(run).pairing).toBe('holds');
    // Before the patch the reaper leaves the mm alone (a blockable notifier): nothing blocks.
    expect(verdicts(runBuiltin('umem-odp-register-vs-reaper', 'v4.18'))['no-sleep']).toBe('holds');
  });
});

describe('Christian König: the CS ioctl allocating under amn->lock, and the fix', () => {
  test('4a2de54dc1d7 removes the deadlock, but its error path unlocks amn->lock without having taken it', () => {
    const run = runBuiltin('amdgpu-ioctl-alloc-under-lock', '4a2de54dc1d7');
    expect(verdicts(run).deadlock).toBe('holds');
    const f = finding(run, 'lock-discipline:bad-unlock');
    expect(f.header).toBe('WARNING: bad unlock balance detected! up_write() of a lock not held');
    expect(f.statements).toContain('cs_fixed: goto error_unlock;');
  });
  test('the 4.19.y ioctl keeps lock discipline; with Tetsuo Handa\'s read lock nothing is left', () => {
    expect(verdicts(runBuiltin('amdgpu-ioctl-alloc-under-lock', 'v4.19.y'))['lock-discipline']).toBe('holds');
    expect(runBuiltin('amdgpu-ioctl-alloc-under-lock', 'tetsuo+fix').result.status).toBe('pass');
  });
});

describe('Two notifiers on one mm: a start approved by one, refused by another', () => {
  test('the reaper skips every end, so KVM\'s mmu_notifier_count stays raised (fixed upstream in 2021)', () => {
    const f = finding(runBuiltin('kvm-pairing-under-reaper'), 'pairing:missing-end');
    expect(f.header).toBe('WARNING: invalidate_range_start without its invalidate_range_end');
    expect(f.details).toMatch(/non-blockable invalidate_range_start of kvm0 for \[0, 4\) that returned 0 never got its invalidate_range_end/);
  });
});
