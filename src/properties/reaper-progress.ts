/**
 * **Reaper progress.** The oom_reaper "needs to guarantee a forward progress so it cannot depend on
 * any sleepable locks" (000_f4ebff145df8c0ac.txt), and gives up on a victim after a bounded number of
 * attempts. Applies to scenarios with a thread running `oom_reaper()` (the first such thread is "the
 * reaper"); three checks:
 *
 * - `reaper-progress:attempts`: in every reachable state, `oom_reap_task_mm()` has been called at
 *   most 10 times so far (counted over every thread: the function is static in mm/oom_kill.c and
 *   `oom_reap_task()` is its only caller; the interpreter counts the calls in the ghost variable
 *   `ghost.calls_oom_reap_task_mm`, src/model/kernel/scenario.ts `countCalls`). 10 is the bound the C
 *   states, not the model's: v4.19 mm/oom_kill.c has `#define MAX_OOM_REAP_RETRIES 10` and
 *   `while (attempts++ < MAX_OOM_REAP_RETRIES && !oom_reap_task_mm(tsk, mm))`
 *   (../shared/kernel/README.md §2, exact v4.19; the `#define` is also a context line of the
 *   mm/oom_kill.c hunk in 001_a93342ea5087af67.txt), so "oom_reap_task() calls oom_reap_task_mm()
 *   at most MAX_OOM_REAP_RETRIES = 10 times" (../shared/kernel/README.md §1, point 4), about one
 *   second of retries before MMF_OOM_SKIP is set. The bound is written here and never read from the
 *   model's constant table, so a model whose retry loop, or whose MAX_OOM_REAP_RETRIES, differs
 *   from v4.19's fails it (test/properties/can-fail.test.ts).
 * - `reaper-progress:reachable`: from every reachable state, a state where the reaper thread has
 *   finished (returned from `oom_reaper()`, which the model cuts to its one victim: it returns after
 *   `oom_reap_task()`) is still reachable: it never waits forever.
 * - `reaper-progress:fair`: every run that is weakly fair to every thread reaches a state where the
 *   reaper thread has finished (no fair cycle or dead end avoids it), with a lasso counterexample.
 */
import { Property } from '../checker/model.ts';
import type { KernelModel } from '../model/kernel-model.ts';
import type { Program } from '../model/lang/program.ts';
import type { KState } from '../model/lang/state.ts';
import type { Finding, KernelProperty } from './types.ts';
import { heldLines } from './util.ts';

/**
 * MAX_OOM_REAP_RETRIES of v4.19 mm/oom_kill.c (`#define MAX_OOM_REAP_RETRIES 10`; see the doc
 * comment for the sources). The contract's number, deliberately not the model's constant.
 */
export const V419_MAX_OOM_REAP_RETRIES = 10;

/** The function whose calls `reaper-progress:attempts` bounds, and the ghost variable counting them. */
const ATTEMPT_FN = 'oom_reap_task_mm';
const CALLS = `ghost.calls_${ATTEMPT_FN}`;

function reaperTid(p: Program): number {
  return p.spec.threads.findIndex((t) => t.fn === 'oom_reaper');
}

export const reaperProgress: KernelProperty = {
  name: 'reaper-progress',
  summary: 'oom_reap_task_mm() is called at most MAX_OOM_REAP_RETRIES (10, v4.19) times, the reaper can always still finish, and finishes under weak fairness',
  build(m) {
    const tid = reaperTid(m.program);
    if (tid < 0) return [];
    if (!m.program.countCalls.has(ATTEMPT_FN) || !(CALLS in m.program.spec.mem)) {
      throw new Error(`reaper-progress: the program does not count the calls of ${ATTEMPT_FN}() (countCalls and ${CALLS}), so its attempts cannot be checked`);
    }
    const done = (s: KState): boolean => s.threads[tid]!.frames.length === 0;
    return [
      Property.always<KState>('reaper-progress:attempts', (s) => Number(s.mem[CALLS]) <= V419_MAX_OOM_REAP_RETRIES),
      Property.alwaysReachable<KState>('reaper-progress:reachable', done),
      Property.eventually<KState>('reaper-progress:fair', done, { fairness: 'weak' }),
    ];
  },
  notApplicable: (p) => (reaperTid(p) < 0 ? [{ property: 'reaper-progress', reason: 'the scenario has no oom_reaper thread' }] : []),
  // Of the threads' finishing, only the reaper's (its goal).
  reads: (p) => (reaperTid(p) < 0 ? {} : { fields: [CALLS.slice('ghost.'.length)], finishedThreads: [reaperTid(p)], enabled: true }),
  explain(m, engineName, s): Finding {
    const threads = m.threads(s).map((t) => `  ${t.name}: ${t.finished ? 'finished' : `${t.location ?? '?'}${t.waitingFor ? `\n      waits: ${t.waitingFor}` : ''}`}`);
    const attempts = `${ATTEMPT_FN}() calls so far: ${String(s.mem[CALLS])}`;
    if (engineName === 'reaper-progress:attempts') {
      return {
        header: `WARNING: oom_reaper made more than MAX_OOM_REAP_RETRIES (${V419_MAX_OOM_REAP_RETRIES}, v4.19 mm/oom_kill.c) attempts`,
        details: [attempts],
      };
    }
    const header =
      engineName === 'reaper-progress:reachable'
        ? 'WARNING: oom_reaper can no longer finish: it waits forever'
        : 'WARNING: oom_reaper does not finish on a fair schedule';
    return { header, details: [attempts, 'threads:', ...threads, 'locks held:', ...heldLines(m, s)] };
  },
};
