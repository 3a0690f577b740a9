/**
 * The examples in examples/ find what examples/README.md says they find: by their verdicts, and by
 * running every command the README shows, as it shows it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { main } from '../src/cli/main.ts';
import { loadScenarioFile } from '../src/model/kernel/scenario-file.ts';
import { propertyVerdicts, runScenario, variantsOf } from '../src/report/run.ts';

const dir = join(import.meta.dirname, '..', 'examples');

function verdicts(file: string, variant: string): Record<string, string> {
  const sf = loadScenarioFile(join(dir, file));
  const v = variantsOf(sf).find((x) => x.label === variant)!;
  const run = runScenario(v.scenario, {}, variant);
  expect(run.result.status).not.toBe('incomplete');
  return propertyVerdicts(run);
}

describe('examples', () => {
  test('amdgpu-ioctl-vs-reaper: the deadlock before the fix; after it, the error path\'s bad unlock', () => {
    const before = verdicts('amdgpu-ioctl-vs-reaper.json', 'before-fix');
    expect(before).toMatchObject({ deadlock: 'violated', 'reaper-progress': 'violated', 'no-sleep': 'violated' });
    const fix = verdicts('amdgpu-ioctl-vs-reaper.json', '4a2de54dc1d7');
    expect(fix).toMatchObject({ deadlock: 'holds', 'lock-discipline': 'violated', 'no-sleep': 'violated' });
    expect(verdicts('amdgpu-ioctl-vs-reaper.json', 'v4.19.y')['lock-discipline']).toBe('holds');
  });
  test('starts-in-flight: the recursion counter holds, a plain down_read per start deadlocks', () => {
    const rec = verdicts('starts-in-flight.json', 'recursion-counter');
    for (const [p, v] of Object.entries(rec)) expect(v, p).not.toBe('violated');
    expect(verdicts('starts-in-flight.json', 'plain-down-read')).toMatchObject({ deadlock: 'violated', 'lock-discipline': 'violated' });
  });
  test('reaper-retries-mmap-sem: every property holds with munmap and with madvise', () => {
    for (const variant of ['munmap', 'madvise']) {
      const v = verdicts('reaper-retries-mmap-sem.json', variant);
      expect(v['reaper-progress'], variant).toBe('holds');
      expect(v['no-premature-victim'], variant).toBe('holds');
      for (const [p, x] of Object.entries(v)) expect(x, `${variant} ${p}`).not.toBe('violated');
    }
  });
});

/** What each command of examples/README.md must do: its exit code, the properties it reports violated, and lines it prints. */
const COMMANDS: Record<string, { code: number; fail: string[]; shows: RegExp[] }> = {
  'check examples/amdgpu-ioctl-vs-reaper.json --variant before-fix --all': {
    code: 1,
    fail: ['deadlock', 'no-sleep:blocked', 'no-sleep:might-sleep', 'reaper-progress'],
    shows: [/^WARNING: possible deadlock/m, /^BUG: non-blockable invalidate_range_start blocked$/m, /down_read_non_owner\(&rmn->lock\)/],
  },
  'check examples/amdgpu-ioctl-vs-reaper.json --variant 4a2de54dc1d7 --all': {
    code: 1,
    fail: ['lock-discipline', 'no-sleep:blocked', 'no-sleep:might-sleep'],
    shows: [/^WARNING: bad unlock balance detected!/m, /^BUG: sleeping function called from non-blockable invalidate_range_start$/m, /^BUG: non-blockable invalidate_range_start blocked$/m],
  },
  'check examples/starts-in-flight.json --variant recursion-counter': { code: 0, fail: [], shows: [] },
  'check examples/starts-in-flight.json --variant plain-down-read --all': {
    code: 1,
    fail: ['deadlock', 'lock-discipline'],
    shows: [/^WARNING: possible recursive locking detected \(down_read with a writer queued\)$/m, /^WARNING: possible deadlock/m],
  },
  'check examples/reaper-retries-mmap-sem.json --variant munmap': { code: 0, fail: [], shows: [] },
  'check examples/identical-threads.json --variant recursion-counter': { code: 0, fail: [], shows: [] },
  'check examples/identical-threads.json --variant plain-down-read --all': {
    code: 1,
    fail: ['deadlock', 'lock-discipline'],
    shows: [/^WARNING: madvise can never run again \(partial deadlock\)$/m, /^WARNING: madvise2 can never run again \(partial deadlock\)$/m],
  },
  'check examples/range-cores.json --variant v5.0 --all': {
    code: 1,
    fail: ['no-sleep:might-sleep', 'pairing'],
    shows: [/^BUG: sleeping function called from non-blockable invalidate_range_start$/m, /this core does not check it at run time/, /^WARNING: invalidate_range_start without its invalidate_range_end$/m],
  },
  'check examples/range-cores.json --variant v5.4 --all': {
    code: 1,
    fail: ['no-sleep:might-sleep', 'pairing'],
    shows: [/^BUG: sleeping function called from non-blockable invalidate_range_start$/m, /^ {2}in_atomic\(\): 0, irqs_disabled\(\): 0, non_block: 1, pid: NN, name: oom_reaper$/m],
  },
  'check test-hmm-fault-vs-munmap --variant madvise --patch examples/patches/test_hmm-fault-no-read-retry.patch --all': {
    code: 1,
    fail: ['interval-coherency:stale-use', 'interval-coherency:mapped'],
    shows: [/^BUG: interval notifier reader used a mapping invalidated after its mmu_interval_read_begin\(\)$/m, /^BUG: secondary mapping inside a range an interval notifier invalidated$/m],
  },
  'check test-hmm-fault-vs-munmap --variant munmap --patch examples/patches/test_hmm-invalidate-no-set-seq.patch --all': {
    code: 1,
    fail: ['interval-coherency:stale-use', 'interval-coherency:mapped'],
    shows: [/changes dmirror_interval_invalidate\(\)/],
  },
  'check test-hmm-fault-vs-munmap --variant munmap --patch examples/patches/test_hmm-invalidate-always-trylock.patch --all': {
    code: 1,
    fail: ['interval-coherency:blockable-false'],
    shows: [/^WARNING: mm\/mmu_notifier\.c mn_itree_invalidate: WARN_ON\(mmu_notifier_range_blockable\(range\)\)$/m],
  },
  'check hfi1-tid-reaper --all': {
    code: 1,
    fail: ['no-sleep:might-sleep'],
    shows: [/^BUG: sleeping function called from non-blockable mmu_interval_notifier invalidate$/m, /^ {2}__clear_tid_node\(\) drivers\/infiniband\/hw\/hfi1\/user_exp_rcv\.c: mutex_lock\(&node->invalidate_mutex\);$/m],
  },
  'check hfi1-tid-mrelease --all': {
    code: 1,
    fail: ['no-sleep:might-sleep', 'no-sleep:blocked', 'interval-coherency:mapped'],
    shows: [/^BUG: non-blockable mmu_interval_notifier invalidate blocked$/m, /^(oom_reaper|process_mrelease) sleeps in hfi10 invalidate \[0, 4\) non-blockable: mutex_lock\(&hfi10\.invalidate_mutex\): held by (oom_reaper|process_mrelease)$/m],
  },
  'check nouveau-svm-reaper --all': {
    code: 1,
    fail: ['deadlock', 'interval-coherency:mapped'],
    shows: [/^WARNING: fault can never run again \(partial deadlock\)$/m, /^BUG: secondary mapping inside a range an interval notifier invalidated$/m, /return -EAGAIN;/],
  },
};

describe('the commands of examples/README.md', () => {
  const readme = readFileSync(join(dir, 'README.md'), 'utf8');
  const commands = [...readme.matchAll(/^ {4}npx mnc (.+?)(?:\s+#.*)?$/gm)].map((m) => m[1]!.trim());
  test('are the commands this test knows', () => {
    expect(commands).toEqual(Object.keys(COMMANDS));
  });
  for (const [cmd, want] of Object.entries(COMMANDS)) {
    test(cmd, async () => {
      const out: string[] = [];
      const code = await main([...cmd.split(' '), '-q'], { out: (t) => out.push(t), err: () => {} });
      const text = out.join('\n');
      expect(code).toBe(want.code);
      const failed = [...text.matchAll(/^ {2}FAIL (\S+)$/gm)].map((m) => m[1]!);
      // Every property named is reported violated (a kernel property by any of its sub-properties), and no other.
      for (const f of want.fail) expect(failed.some((x) => x === f || x.startsWith(`${f}:`)), `${f} in ${failed.join(', ')}`).toBe(true);
      for (const x of failed) expect(want.fail.some((f) => x === f || x.startsWith(`${f}:`)), `${x} not expected`).toBe(true);
      for (const re of want.shows) expect(text).toMatch(re);
      // None of them leaves a property undecided.
      expect(text).not.toMatch(/^ {2}\? /m);
    });
  }
});
