/**
 * **No sleep when !blockable.**
 *
 * Contract (002_c65620ce05647db1.txt, `struct mmu_notifier_ops`): "If blockable argument is set to
 * false then the callback cannot sleep and has to return with -EAGAIN." And the documentation
 * patch of the thread (001_a93342ea5087af67.txt, Michal Hocko, 24 Aug 2018): "Please note that if
 * invalidate_range_start approves a non-blocking behavior then the same applies to
 * invalidate_range_end."
 *
 * A thread is *in a non-blockable section* while any frame of its call stack is an
 * `invalidate_range_start` callback called with `blockable == false`, or an `invalidate_range_end`
 * callback whose pairing start (same thread, notifier and range) returned 0 in non-blockable mode.
 * Two findings, checked in every reachable state:
 *
 * - `no-sleep:might-sleep`: a thread in a non-blockable section is about to execute a call of a
 *   primitive that may sleep (mutex_lock, down_read/down_write and their non-owner forms, a
 *   GFP_KERNEL allocation, waiting for fences, hardware or a completion, flush_workqueue,
 *   schedule_timeout, might_sleep, ...), whether or not it would have to wait: the `might_sleep()`
 *   semantics of the kernel's "BUG: sleeping function called from invalid context".
 * - `no-sleep:blocked`: a thread in a non-blockable section cannot run its next step because it
 *   sleeps waiting for another thread (a contended sleeping lock, an unmet wait condition). Spinning
 *   on a spinlock is not counted: its holder cannot sleep.
 */
import { Property } from '../checker/model.ts';
import type { KernelModel } from '../model/kernel-model.ts';
import { CTX_NONBLOCK_END, CTX_NONBLOCK_START, type KState } from '../model/state.ts';
import type { Finding, KernelProperty } from './types.ts';
import { backtrace, heldLines, opContext, sleepingCall } from './util.ts';

const NONBLOCK = CTX_NONBLOCK_START | CTX_NONBLOCK_END;

function ctxOf(s: KState, tid: number): number {
  const f = s.threads[tid]!.frames;
  return f.length ? f[f.length - 1]!.ctx & NONBLOCK : 0;
}

function mightSleep(m: KernelModel, s: KState): number {
  for (let tid = 0; tid < s.threads.length; tid++) if (ctxOf(s, tid) && sleepingCall(m, s, tid)) return tid;
  return -1;
}

function blocked(m: KernelModel, s: KState): number {
  for (let tid = 0; tid < s.threads.length; tid++) {
    if (!ctxOf(s, tid)) continue;
    const w = m.interp.waitOf(s, tid);
    if (w?.sleeping) return tid;
  }
  return -1;
}

function where(ctx: number): string {
  return ctx & CTX_NONBLOCK_START ? 'non-blockable invalidate_range_start' : 'invalidate_range_end after a non-blocking start';
}

export const noSleep: KernelProperty = {
  name: 'no-sleep',
  summary: 'no callback sleeps, or blocks, inside a non-blockable invalidate_range_start or the end that pairs with it',
  build: (m) => [
    Property.always<KState>('no-sleep:might-sleep', (s) => mightSleep(m, s) < 0),
    Property.always<KState>('no-sleep:blocked', (s) => blocked(m, s) < 0),
  ],
  reads: () => ({ context: true, enabled: true, atSleep: ['nonblock'] }),
  explain(m, engineName, s): Finding {
    if (engineName === 'no-sleep:might-sleep') {
      const tid = mightSleep(m, s);
      const call = sleepingCall(m, s, tid)!;
      return {
        header: `BUG: sleeping function called from ${where(ctxOf(s, tid))}`,
        details: [
          `${m.threadName(tid)} is about to call ${call.name}(), which may sleep, in ${opContext(s, tid) ?? 'a notifier callback'}`,
          'call chain (innermost first):',
          ...backtrace(m, s, tid).map((l) => `  ${l}`),
          'locks held:',
          ...heldLines(m, s),
        ],
      };
    }
    const tid = blocked(m, s);
    return {
      header: `BUG: ${where(ctxOf(s, tid))} blocked`,
      details: [
        `${m.threadName(tid)} sleeps in ${opContext(s, tid) ?? 'a notifier callback'}: ${m.interp.waitOf(s, tid)?.why ?? '?'}`,
        'call chain (innermost first):',
        ...backtrace(m, s, tid).map((l) => `  ${l}`),
        'locks held:',
        ...heldLines(m, s),
      ],
    };
  },
};
