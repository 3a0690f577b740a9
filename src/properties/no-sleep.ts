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
 * its report says so (`BUG (contract)`). v4.19 checks neither side at run time. From v5.4
 * (ba170f76b69d) the core brackets every start and end callback of a non-blockable range with
 * non_block_start()/non_block_end(), so under CONFIG_DEBUG_ATOMIC_SLEEP a might_sleep() there is the
 * kernel's own "BUG: sleeping function called from invalid context" and a real sleep its "BUG:
 * scheduling in a non-blocking section": the report of a thread whose `current->non_block_count`
 * (the model's frame context, set by the non_block_start() the thread ran) is above zero says so,
 * with the lines the kernel prints.
 *
 * From v5.12 (c2655835fd8c) the core's unwind after a failed start calls the end callbacks of the
 * still non-blockable range outside non_block_start(): a finding there is reported without the
 * kernel's splat, and says why.
 *
 * A thread is *in a non-blockable section* while any frame of its call stack is an
 * `invalidate_range_start` callback called with `blockable == false`, or an `invalidate_range_end`
 * callback whose pairing start (same thread, notifier and range) was called in non-blockable mode
 * and is owed that end: it returned 0, or (v5.12 on) it failed and the core's unwind ends it.
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
import { CTX_NONBLOCK_END, CTX_NONBLOCK_START, nonBlockCount, type KState } from '../model/lang/state.ts';
import type { Finding, KernelProperty } from './types.ts';
import { backtrace, heldLines, opContext, sleepingCall } from './util.ts';

const NONBLOCK = CTX_NONBLOCK_START | CTX_NONBLOCK_END;

function ctxOf(s: KState, tid: number): number {
  const f = s.threads[tid]!.frames;
  return f.length ? f[f.length - 1]!.ctx & NONBLOCK : 0;
}

/** `current->non_block_count` of the thread (its top frame's context; 0 before v5.4). */
function nonBlockOf(s: KState, tid: number): number {
  const f = s.threads[tid]!.frames;
  return f.length ? nonBlockCount(f[f.length - 1]!.ctx) : 0;
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

function where(ctx: number, interval: boolean): string {
  if (interval) return 'non-blockable mmu_interval_notifier invalidate';
  return ctx & CTX_NONBLOCK_START ? 'non-blockable invalidate_range_start' : 'invalidate_range_end after a non-blocking start';
}

/** Whether the innermost notifier callback of thread `tid` is an interval notifier's invalidate (v5.5 on). */
function inInterval(s: KState, tid: number): boolean {
  const frames = s.threads[tid]!.frames;
  for (let i = frames.length - 1; i >= 0; i--) if (frames[i]!.op) return frames[i]!.op!.kind === 'invalidate';
  return false;
}

/**
 * Whether the innermost notifier callback of thread `tid` is an end that v5.12's unwind after a failed
 * start called (c2655835fd8c: the second walk of `mn_hlist_invalidate_range_start`), which the core
 * calls outside non_block_start(), unlike its end walk.
 */
function inUnwind(m: KernelModel, s: KState, tid: number): boolean {
  const frames = s.threads[tid]!.frames;
  for (let i = frames.length - 1; i > 0; i--) {
    const op = frames[i]!.op;
    if (op) return op.kind === 'invalidate_range_end' && m.program.fn(frames[i - 1]!.fn).def.name === UNWIND;
  }
  return false;
}

/** The v5.12 function whose second walk ends every notifier after a failed start. */
const UNWIND = 'mn_hlist_invalidate_range_start';

const UNWIND_SOURCE =
  "v5.12's unwind after a failed start (c2655835fd8c, the second walk of mn_hlist_invalidate_range_start) calls the end callbacks outside non_block_start(), unlike the end walk, so the kernel's debug check (CONFIG_DEBUG_ATOMIC_SLEEP) does not print this; the range is still non-blockable";

/** The rule and the run-time check for a sleep in an interval notifier's invalidate (v5.5). */
const INTERVAL_SOURCE = [
  'the rule: "This function can sleep. Return false only if sleeping was required but mmu_notifier_range_blockable(range) is false" (struct mmu_interval_notifier_ops, 99cb252f5e68, v5.5 include/linux/mmu_notifier.h)',
  "from v5.5 on (v6.6 too) the core calls the interval notifiers' invalidate outside non_block_start() (mn_itree_invalidate), so the kernel's debug check (CONFIG_DEBUG_ATOMIC_SLEEP) does not print this",
];

/**
 * Where the rule broken comes from, and what the kernel itself would print. Before v5.4 mnc's
 * finding is not a splat the kernel prints (../shared/kernel/README.md §9: v4.19 checks neither side
 * at run time); from v5.4 the thread is inside non_block_start() (`nonBlock` > 0) and the kernel's
 * debug check prints it too, under CONFIG_DEBUG_ATOMIC_SLEEP (include/linux/kernel.h: without it
 * non_block_start() is empty).
 */
function source(m: KernelModel, s: KState, ctx: number, nonBlock: number, tid: number, call: string | undefined): string[] {
  const sleeping = call === undefined;
  const rule =
    ctx & CTX_NONBLOCK_START
      ? 'the rule: "If blockable argument is set to false then the callback cannot sleep and has to return with -EAGAIN" (v4.19 include/linux/mmu_notifier.h 154-156)'
      : 'the rule: "The code expects that the invalidate_range_end doesn\'t block if invalidate_range_start hasn\'t blocked" (Michal Hocko, 24 Aug 2018, in the review thread of <20180716115058.5559-1-mhocko@kernel.org>), written into include/linux/mmu_notifier.h after v4.19 by his "mm, mmu_notifier: be explicit about range invalition non-blocking mode"; v4.19\'s header does not say it yet';
  if (nonBlock > 0) {
    const name = m.threadName(tid);
    return [
      rule,
      `the kernel's debug check prints this too: the core called the callback inside non_block_start() (ba170f76b69d, v5.4; current->non_block_count is ${nonBlock}), so with CONFIG_DEBUG_ATOMIC_SLEEP=y ${
        sleeping ? 'schedule_debug() prints, when the task sleeps,' : '___might_sleep() prints'
      }:`,
      ...(sleeping
        ? [`  BUG: scheduling in a non-blocking section: ${name}/NN/${nonBlock}`]
        : [`  BUG: sleeping function called from invalid context at <file:line of the might_sleep() in ${call}()>`, `  in_atomic(): 0, irqs_disabled(): 0, non_block: ${nonBlock}, pid: NN, name: ${name}`]),
      '  (without CONFIG_DEBUG_ATOMIC_SLEEP non_block_start() is empty and nothing is printed)',
    ];
  }
  if (!(ctx & CTX_NONBLOCK_START) && inUnwind(m, s, tid)) return [rule, UNWIND_SOURCE];
  return [
    rule,
    ctx & CTX_NONBLOCK_START
      ? 'this core does not check it at run time (v4.19 does not); from v5.4, non_block_start() (ba170f76b69d) makes a might_sleep() here the kernel\'s own "BUG: sleeping function called from invalid context" under CONFIG_DEBUG_ATOMIC_SLEEP'
      : 'this core does not check it at run time (v4.19 does not); from v5.4, non_block_start() (ba170f76b69d) brackets the end callbacks of a non-blockable range too, and a might_sleep() here is the kernel\'s own "BUG: sleeping function called from invalid context" under CONFIG_DEBUG_ATOMIC_SLEEP',
  ];
}

/** The report's first word: the kernel's own BUG where it checks (the start, or v5.4's non-blocking section), else the contract's. */
function kind(ctx: number, nonBlock: number): string {
  return ctx & CTX_NONBLOCK_START || nonBlock > 0 ? 'BUG' : 'BUG (contract)';
}

export const noSleep: KernelProperty = {
  name: 'no-sleep',
  summary: 'no callback sleeps, or blocks, inside a non-blockable invalidate_range_start or the end that pairs with it',
  build: (m) => [
    Property.always<KState>('no-sleep:might-sleep', (s) => mightSleep(m, s) < 0),
    Property.always<KState>('no-sleep:blocked', (s) => blocked(m, s) < 0),
  ],
  // Not the context (which callback each thread is in): both findings are of one thread, and neither
  // can change in a step the reductions hide. A hidden step of another thread touches nothing this
  // thread can still reach (so not its next call's arguments) and cannot enable or disable it; a
  // hidden step of the thread itself neither starts at nor ends in front of a call that may sleep
  // (`atSleep`: such a call is a step of its own in a non-blockable section, for coalescing, and
  // never the one action of a partial-order reduced state, nor where it leaves the thread), and
  // does not leave the thread waiting (`enabled`). So the thread is not in either finding before such
  // a step or after it, whatever section it enters or leaves (src/model/lang/reduction.ts).
  reads: () => ({ enabled: true, atSleep: ['nonblock'] }),
  explain(m, engineName, s): Finding {
    if (engineName === 'no-sleep:might-sleep') {
      const tid = mightSleep(m, s);
      const call = sleepingCall(m, s, tid)!;
      const ctx = ctxOf(s, tid);
      const nb = nonBlockOf(s, tid);
      const iv = inInterval(s, tid);
      return {
        header: `${kind(ctx, nb)}: sleeping function called from ${where(ctx, iv)}`,
        details: [
          `${m.threadName(tid)} is about to call ${call.name}(), which may sleep, in ${opContext(s, tid) ?? 'a notifier callback'}`,
          ...(iv && nb === 0 ? INTERVAL_SOURCE : source(m, s, ctx, nb, tid, call.name)),
          'call chain (innermost first):',
          ...backtrace(m, s, tid).map((l) => `  ${l}`),
          'locks held:',
          ...heldLines(m, s),
        ],
      };
    }
    const tid = blocked(m, s);
    const ctx = ctxOf(s, tid);
    const nb = nonBlockOf(s, tid);
    const iv = inInterval(s, tid);
    return {
      header: `${kind(ctx, nb)}: ${where(ctx, iv)} blocked`,
      details: [
        `${m.threadName(tid)} sleeps in ${opContext(s, tid) ?? 'a notifier callback'}: ${m.interp.waitOf(s, tid)?.why ?? '?'}`,
        ...(iv && nb === 0 ? INTERVAL_SOURCE : source(m, s, ctx, nb, tid, undefined)),
        'call chain (innermost first):',
        ...backtrace(m, s, tid).map((l) => `  ${l}`),
        'locks held:',
        ...heldLines(m, s),
      ],
    };
  },
};
