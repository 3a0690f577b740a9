/**
 * **No sleep when !blockable.**
 *
 * Contract (002_c65620ce05647db1.txt, `struct mmu_notifier_ops`): "If blockable argument is set to
 * false then the callback cannot sleep and has to return with -EAGAIN." And the documentation
 * patch of the thread (001_a93342ea5087af67.txt, Michal Hocko, 24 Aug 2018): "Please note that if
 * invalidate_range_start approves a non-blocking behavior then the same applies to
 * invalidate_range_end." That sentence is not in v4.19's include/linux/mmu_notifier.h (it came with
 * Michal Hocko's "mm, mmu_notifier: be explicit about range invalition non-blocking mode" after
 * v4.19; ../shared/kernel/README.md §9): the end side is the contract as the thread states it, and
 * its report says so (`BUG (contract)`). v4.19 checks neither side at run time; from v5.4
 * non_block_start() turns a sleep in a non-blocking start into the kernel's own "BUG: sleeping
 * function called from invalid context", and nothing checks the end.
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
import { CTX_NONBLOCK_END, CTX_NONBLOCK_START, type KState } from '../model/lang/state.ts';
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

/**
 * Where the rule broken comes from, and what the kernel itself would print: mnc's finding is not a
 * splat v4.19 prints (../shared/kernel/README.md §9: v4.19 checks neither side at run time).
 */
function source(ctx: number): string[] {
  if (ctx & CTX_NONBLOCK_START) {
    return [
      'the rule: "If blockable argument is set to false then the callback cannot sleep and has to return with -EAGAIN" (v4.19 include/linux/mmu_notifier.h 154-156)',
      'v4.19 does not check it at run time; from v5.4, non_block_start() (ba170f76b69d) makes a might_sleep() here the kernel\'s "BUG: sleeping function called from invalid context"',
    ];
  }
  return [
    'the rule: "The code expects that the invalidate_range_end doesn\'t block if invalidate_range_start hasn\'t blocked" (Michal Hocko, 24 Aug 2018, in the review thread of <20180716115058.5559-1-mhocko@kernel.org>), written into include/linux/mmu_notifier.h after v4.19 by his "mm, mmu_notifier: be explicit about range invalition non-blocking mode"; v4.19\'s header does not say it yet',
    'no kernel checks it at run time: non_block_start() (v5.4) brackets the start callback only',
  ];
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
      const ctx = ctxOf(s, tid);
      return {
        header: `${ctx & CTX_NONBLOCK_START ? 'BUG' : 'BUG (contract)'}: sleeping function called from ${where(ctx)}`,
        details: [
          `${m.threadName(tid)} is about to call ${call.name}(), which may sleep, in ${opContext(s, tid) ?? 'a notifier callback'}`,
          ...source(ctx),
          'call chain (innermost first):',
          ...backtrace(m, s, tid).map((l) => `  ${l}`),
          'locks held:',
          ...heldLines(m, s),
        ],
      };
    }
    const tid = blocked(m, s);
    const ctx = ctxOf(s, tid);
    return {
      header: `${ctx & CTX_NONBLOCK_START ? 'BUG' : 'BUG (contract)'}: ${where(ctx)} blocked`,
      details: [
        `${m.threadName(tid)} sleeps in ${opContext(s, tid) ?? 'a notifier callback'}: ${m.interp.waitOf(s, tid)?.why ?? '?'}`,
        ...source(ctx),
        'call chain (innermost first):',
        ...backtrace(m, s, tid).map((l) => `  ${l}`),
        'locks held:',
        ...heldLines(m, s),
      ],
    };
  },
};
