/**
 * **Deadlock freedom**, of two kinds:
 *
 * - `deadlock` (*whole*): a reachable state in which no thread can take a step while some thread
 *   has not finished. The report lists every thread with what it waits for.
 * - `deadlock:partial:<thread>` (*partial*): a reachable state from which that thread, unfinished,
 *   can never take a step again, whatever the others do (no reachable state enables it), although
 *   others may still run. It names the point of no return: the first state on the path from which
 *   the thread is stuck for good. A thread a kernel oops killed (no-bug:oops) counts as finished. Checked on the explored graph ("from every reachable state, a
 *   state where the thread is enabled or finished is reachable").
 */
import { Property } from '../checker/model.ts';
import type { KernelModel } from '../model/kernel-model.ts';
import type { KState } from '../model/lang/state.ts';
import type { Finding, KernelProperty } from './types.ts';
import { heldLines } from './util.ts';

function threadLines(m: KernelModel, s: KState): string[] {
  // A thread a kernel oops killed counts as finished; the report says where it died.
  const done = (loc: string | undefined): string => (loc?.startsWith('killed by an oops') ? `finished: ${loc}` : 'finished');
  return m.threads(s).map((t) => `  ${t.name}: ${t.finished ? done(t.location) : `${t.location ?? '?'}${t.waitingFor ? `\n      waits: ${t.waitingFor}` : ' (runnable)'}`}`);
}

export const deadlock: KernelProperty = {
  name: 'deadlock',
  summary: 'no state where no thread can move while some have not finished, and no thread stuck for good',
  build(m) {
    // Whether the thread has an action in the state (as m.actions has it), asked per thread.
    const canMove = (s: KState, tid: number): boolean => m.interp.canMove(s, tid);
    const partial = m.program.spec.threads.map((t, tid) =>
      Property.alwaysReachable<KState>(`deadlock:partial:${t.name}`, (s) => s.threads[tid]!.frames.length === 0 || m.interp.oopsed(s, tid) || canMove(s, tid), { thread: tid }),
    );
    return [Property.deadlockFree('deadlock'), ...partial];
  },
  // Not whether a thread has finished: no reduction hides a state without successors (C0, and a
  // coalesced step is always enabled), and a partial goal, "finished or can move", is the same just
  // before a thread's last return as just after it.
  reads: () => ({ enabled: true, fields: ['oops'] }),
  explain(m, engineName, s): Finding {
    if (engineName === 'deadlock') {
      return { header: 'WARNING: possible deadlock: no thread can make progress', details: ['threads:', ...threadLines(m, s), 'locks held:', ...heldLines(m, s)] };
    }
    const who = engineName.slice('deadlock:partial:'.length);
    return {
      header: `WARNING: ${who} can never run again (partial deadlock)`,
      details: [`from this state on, no continuation lets ${who} take a step`, 'threads:', ...threadLines(m, s), 'locks held:', ...heldLines(m, s)],
    };
  },
};
