/**
 * **Reaper progress.** The oom_reaper "needs to guarantee a forward progress so it cannot depend on
 * any sleepable locks" (000_f4ebff145df8c0ac.txt), and retries at most `MAX_OOM_REAP_RETRIES`
 * times (mm/oom_kill.c). Applies to scenarios with an `oom_reaper` thread; three checks:
 *
 * - `reaper-progress:attempts`: in every reachable state the reaper has called `oom_reap_task_mm`
 *   at most MAX_OOM_REAP_RETRIES (10) times.
 * - `reaper-progress:reachable`: from every reachable state a state where the reaper has finished
 *   (returned from `oom_reap_task`) is still reachable: it never waits forever.
 * - `reaper-progress:fair`: every run that is weakly fair to every thread reaches a state where the
 *   reaper has finished (no fair cycle or dead end avoids it), with a lasso counterexample.
 */
import { Property } from '../checker/model.ts';
import type { KernelModel } from '../model/kernel-model.ts';
import type { Program } from '../model/program.ts';
import type { KState } from '../model/state.ts';
import type { Finding, KernelProperty } from './types.ts';
import { heldLines } from './util.ts';

const MAX = 10;

function reaperTid(p: Program): number {
  return p.spec.threads.findIndex((t) => t.fn === 'oom_reaper');
}

export const reaperProgress: KernelProperty = {
  name: 'reaper-progress',
  summary: 'the oom_reaper makes at most MAX_OOM_REAP_RETRIES attempts, can always still finish, and finishes under weak fairness',
  build(m) {
    const tid = reaperTid(m.program);
    if (tid < 0) return [];
    const done = (s: KState): boolean => s.threads[tid]!.frames.length === 0;
    return [
      Property.always<KState>('reaper-progress:attempts', (s) => Number(s.mem['ghost.calls_oom_reap_task_mm']) <= MAX),
      Property.alwaysReachable<KState>('reaper-progress:reachable', done),
      Property.eventually<KState>('reaper-progress:fair', done, { fairness: 'weak' }),
    ];
  },
  reads: (p) => (reaperTid(p) < 0 ? {} : { fields: ['calls_oom_reap_task_mm'], finished: true, enabled: true }),
  explain(m, engineName, s): Finding {
    const threads = m.threads(s).map((t) => `  ${t.name}: ${t.finished ? 'finished' : `${t.location ?? '?'}${t.waitingFor ? `\n      waits: ${t.waitingFor}` : ''}`}`);
    const attempts = `oom_reap_task_mm() calls so far: ${String(s.mem['ghost.calls_oom_reap_task_mm'])}`;
    if (engineName === 'reaper-progress:attempts') {
      return { header: `WARNING: oom_reaper made more than MAX_OOM_REAP_RETRIES (${MAX}) attempts`, details: [attempts] };
    }
    const header =
      engineName === 'reaper-progress:reachable'
        ? 'WARNING: oom_reaper can no longer finish: it waits forever'
        : 'WARNING: oom_reaper does not finish on a fair schedule';
    return { header, details: [attempts, 'threads:', ...threads, 'locks held:', ...heldLines(m, s)] };
  },
};
