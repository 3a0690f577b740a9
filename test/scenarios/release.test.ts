/**
 * The ->release callbacks run by exit_mmap's __mmu_notifier_release, explored in the built-in
 * scenarios made for them: the key steps of each finding. The expectations live here, never in src/.
 */
import { describe, expect, test } from 'vitest';
import { finding, runBuiltin, verdicts } from './helpers.ts';

describe('amdgpu: amdgpu_mn_release queues amdgpu_mn_destroy, which frees the notifier without an SRCU grace period', () => {
  test('v4.19: a walker still on the notifier reads it after the destroy work kfree()d it', () => {
    const f = finding(runBuiltin('exit-mmap-vs-reaper', 'v4.19'), 'no-bug:oops');
    expect(f.header).toBe('BUG: KASAN: use-after-free');
    expect(f.details).toMatch(/oopsed \(use after free: .*amdgpu0.*kfree\(\) freed/);
    // The release only queued the work; the kworker unhashed the notifier without waiting and freed it.
    expect(f.statements).toContain('exit_mmap: schedule_work(&rmn->work);');
    expect(f.statements).toContain('kworker/amdgpu0.work: mmu_notifier_unregister_no_release(&rmn->mn, rmn->mm);');
    expect(f.statements).toContain('kworker/amdgpu0.work: hlist_del_init_rcu(&mn->hlist);');
    expect(f.statements).toContain('kworker/amdgpu0.work: kfree(rmn);');
    expect(f.statements).not.toContain('kworker/amdgpu0.work: synchronize_srcu(&srcu);');
  });

  test('v4.18: the reaper\'s mm_has_blockable_invalidate_notifiers() walk can be the one on the freed notifier; exit_mmap then waits for the dead reaper in synchronize_srcu', () => {
    const run = runBuiltin('exit-mmap-vs-reaper', 'v4.18');
    const v = verdicts(run);
    expect(v['no-bug']).toBe('violated');
    expect(v['no-premature-victim']).toBe('violated');
    const dl = finding(run, 'deadlock');
    expect(dl.details).toMatch(/exit_mmap: __mmu_notifier_release\(\)[\s\S]*waits: synchronize_srcu\(&srcu\): oom_reaper is in a read-side section/);
    expect(dl.details).toMatch(/oom_reaper: finished: killed by an oops at mm_has_blockable_invalidate_notifiers\(\)/);
  });

  test('93065ac753e4: the reaper\'s start/end pair straddles the unhashing of the notifier, its end never comes, and the destroy work waits in down_write(&amn->lock) forever', () => {
    const run = runBuiltin('exit-mmap-vs-reaper', '93065ac753e4');
    const p = finding(run, 'pairing:missing-end');
    expect(p.statements).toContain('oom_reaper: down_read_non_owner(&rmn->lock);');
    expect(p.statements).toContain('exit_mmap: hlist_del_init_rcu(&mn->hlist);');
    const k = finding(run, 'deadlock:partial:kworker/amdgpu0.work');
    expect(k.details).toMatch(/kworker\/amdgpu0\.work: amdgpu_mn_destroy\(\)[\s\S]*waits: down_write\(&amdgpu0\.lock\): held for read by a non-owner/);
  });

  test('the reaper\'s non-blocking start can also block behind the destroy work\'s write lock', () => {
    const f = finding(runBuiltin('exit-mmap-vs-reaper', 'v4.19'), 'no-sleep:blocked');
    expect(f.details).toMatch(/down_read_non_owner\(&amdgpu0\.lock\): held for write by kworker\/amdgpu0\.work/);
  });

  test('tetsuo: the reaper finishes holding amn->lock for read (taken as itself) when its end was lost to the unhashing', () => {
    const run = runBuiltin('exit-mmap-vs-reaper', 'tetsuo');
    expect(verdicts(run)['no-sleep']).toBe('holds');
    const f = finding(run, 'lock-discipline:held-at-exit');
    expect(f.details).toMatch(/amdgpu0\.lock/);
  });
});

describe('radeon: radeon_mn_destroy calls mmu_notifier_unregister, which calls ->release again', () => {
  for (const variant of ['v4.18', 'v4.19']) {
    test(`${variant}: the destroy work queues itself again through ->release and its second run is on the freed notifier`, () => {
      const run = runBuiltin('radeon-release-destroy', variant);
      const f = finding(run, 'no-bug:oops');
      expect(f.details).toMatch(/kworker\/radeon0\.work oopsed \(use after free: process_one_work\(\) runs radeon0\.work, embedded in radeon0/);
      expect(f.statements.filter((s) => s === 'kworker/radeon0.work: schedule_work(&rmn->work);')).toHaveLength(1);
      expect(f.statements).toContain('kworker/radeon0.work: mmu_notifier_unregister(&rmn->mn, rmn->mm);');
      expect(f.statements).toContain('kworker/radeon0.work: kfree(rmn);');
      const v = verdicts(run);
      for (const p of ['no-sleep', 'pairing', 'lock-discipline', 'deadlock', 'coherency']) expect(v[p], p).toBe('holds');
    });
  }
});
