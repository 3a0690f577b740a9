/**
 * no-sleep's reports against the core that runs (src/properties/no-sleep.ts): from v5.4 the core
 * calls a non-blockable range's callbacks inside non_block_start() (ba170f76b69d), so a sleep there
 * is also the kernel's own "BUG: sleeping function called from invalid context" (a might_sleep())
 * or "BUG: scheduling in a non-blocking section" (a real sleep) under CONFIG_DEBUG_ATOMIC_SLEEP,
 * and the report says so, with the lines the kernel prints; before v5.4 the report says that the
 * core does not check it. Which one the report says comes from the state the exploration reached
 * (the thread's `current->non_block_count`), not from the core's name.
 */
import { describe, expect, test } from 'vitest';
import { applyVariant, loadBuiltin } from '../../src/model/kernel/scenario-file.ts';
import { runScenario, variantsOf } from '../../src/report/run.ts';
import { check } from '../../src/checker/index.ts';
import { buildProgram } from '../../src/model/kernel/scenario.ts';
import { KernelModel } from '../../src/model/kernel-model.ts';
import { engineProperties } from '../../src/properties/index.ts';
import { noSleep } from '../../src/properties/no-sleep.ts';
import { finding } from '../scenarios/helpers.ts';

function onCore(name: string, core: string, variant?: string) {
  const v = variantsOf(loadBuiltin(name)).find((x) => x.label === variant) ?? variantsOf(loadBuiltin(name))[0]!;
  return runScenario(applyVariant(v.scenario, { core }, core));
}

describe('a sleep in a non-blocking start', () => {
  test('v5.4: the oom_reaper\'s start callback sleeping is the kernel\'s own splat under CONFIG_DEBUG_ATOMIC_SLEEP', () => {
    // amdgpu's posted read lock: mutex_trylock(read_lock), then down_read_non_owner(), which may sleep.
    const f = finding(onCore('amdgpu-read-lock-nonblock', 'v5.4'), 'no-sleep:might-sleep');
    expect(f.header).toBe('BUG: sleeping function called from non-blockable invalidate_range_start');
    expect(f.details).toContain('oom_reaper is about to call down_read_non_owner(), which may sleep, in amdgpu0 invalidate_range_start [0, 4) non-blockable');
    expect(f.details).toContain('the kernel\'s debug check prints this too: the core called the callback inside non_block_start() (ba170f76b69d, v5.4; current->non_block_count is 1), so with CONFIG_DEBUG_ATOMIC_SLEEP=y ___might_sleep() prints:');
    expect(f.details).toContain('  BUG: sleeping function called from invalid context at <file:line of the might_sleep() in down_read_non_owner()>');
    expect(f.details).toContain('  in_atomic(): 0, irqs_disabled(): 0, non_block: 1, pid: NN, name: oom_reaper');
    expect(f.details).toContain('(without CONFIG_DEBUG_ATOMIC_SLEEP non_block_start() is empty and nothing is printed)');
    expect(f.statements).toContain('oom_reaper: non_block_start();');
  });

  for (const core of ['v4.19', 'v5.0', 'v5.2']) {
    test(`${core}: the same finding, and the report says the core does not check it`, () => {
      const f = finding(onCore('amdgpu-read-lock-nonblock', core), 'no-sleep:might-sleep');
      expect(f.header).toBe('BUG: sleeping function called from non-blockable invalidate_range_start');
      expect(f.details).toContain('this core does not check it at run time (v4.19 does not); from v5.4, non_block_start() (ba170f76b69d) makes a might_sleep() here');
      expect(f.details).not.toContain('invalid context at');
      expect(f.statements).not.toContain('oom_reaper: non_block_start();');
    });
  }

  test('v5.4: a callback that really sleeps there is "BUG: scheduling in a non-blocking section"', () => {
    // v5.0's gntdev is the fixup form; Tetsuo Handa's question in amdgpu-ioctl-alloc-under-lock: the
    // reaper's read lock meets the ioctl's write lock and sleeps.
    const f = finding(onCore('amdgpu-ioctl-alloc-under-lock', 'v5.4', 'alloc-under-lock'), 'no-sleep:blocked');
    expect(f.header).toBe('BUG: non-blockable invalidate_range_start blocked');
    expect(f.details).toContain('schedule_debug() prints, when the task sleeps,');
    expect(f.details).toContain('  BUG: scheduling in a non-blocking section: oom_reaper/NN/1');
  });
});

describe('a sleep in the end after a non-blocking start', () => {
  test('v5.4 brackets the end callbacks of a non-blockable range too: the contract\'s finding is the kernel\'s BUG', () => {
    // umem_odp's end after the reaper's approved start takes umem_rwsem with down_read().
    const f = finding(onCore('umem-odp-reaper', 'v5.4'), 'no-sleep:might-sleep');
    expect(f.header).toBe('BUG: sleeping function called from invalidate_range_end after a non-blocking start');
    expect(f.details).toContain('current->non_block_count is 1');
    expect(f.statements).toContain('oom_reaper: non_block_start();');
  });

  test('v4.19: the same end is a finding of the contract only, which no kernel of that time checks', () => {
    const f = finding(onCore('umem-odp-reaper', 'v4.19'), 'no-sleep:might-sleep');
    expect(f.header).toBe('BUG (contract): sleeping function called from invalidate_range_end after a non-blocking start');
    expect(f.details).toContain('this core does not check it at run time (v4.19 does not); from v5.4, non_block_start() (ba170f76b69d) brackets the end callbacks of a non-blockable range too');
  });
});

describe('what no-sleep reads: not which callback each thread is in', () => {
  // Its findings are of one thread, and no step the reductions hide can change them (no-sleep.ts,
  // `reads`): entering or leaving a callback need not be a transition of its own. Against the
  // declaration before (with `context`), on the built-ins with a no-sleep finding and one without:
  // the same verdicts and fewer states (measured: 1,497 -> 1,216, 53 -> 33, 1,727 -> 1,405, 86 -> 73).
  const cases: [string, string | undefined][] = [
    ['amdgpu-read-lock-nonblock', '93065ac753e4'],
    ['end-after-nonblock-start', 'jglisse'],
    ['amdgpu-hsa-reaper', '93065ac753e4'],
    ['gntdev-reaper', 'v4.19'],
  ];
  const run = (name: string, variant: string | undefined, context: boolean) => {
    const sc = variantsOf(loadBuiltin(name)).find((x) => x.label === variant)!.scenario;
    const program = buildProgram(sc);
    const m = new KernelModel(program, { reads: { ...noSleep.reads(program), ...(context ? { context: true } : {}) }, verifyReduction: true });
    m.setProperties(engineProperties(m, ['no-sleep']));
    const r = check(m, { findAll: true });
    expect(r.status).not.toBe('incomplete');
    return { states: r.stats.states, violated: r.verdicts.filter((v) => v.status === 'violated').map((v) => v.property).sort() };
  };
  test('the same verdicts, and fewer states in each', () => {
    const fewer: string[] = [];
    for (const [name, variant] of cases) {
      const now = run(name, variant, false);
      const before = run(name, variant, true);
      expect(now.violated, `${name} @ ${variant}`).toEqual(before.violated);
      expect(now.states, `${name} @ ${variant}`).toBeLessThanOrEqual(before.states);
      if (now.states < before.states) fewer.push(`${name} @ ${variant}: ${before.states} -> ${now.states}`);
    }
    expect(fewer.length, fewer.join('; ')).toBe(cases.length);
  });
});
