/**
 * **Interval-notifier coherency** (v5.5 on, 99cb252f5e68): the collision-retry contract of
 * `struct mmu_interval_notifier`. include/linux/mmu_notifier.h: `invalidate` — "Upon return the
 * caller must stop using any SPTEs within this range. This function can sleep. Return false only if
 * sleeping was required but mmu_notifier_range_blockable(range) is false"; `mmu_interval_read_begin()`
 * / `mmu_interval_read_retry()` — "If the mm invokes invalidation during the critical section then
 * mmu_interval_read_retry() will return true", which the reader must test under the lock its
 * `invalidate` holds around `mmu_interval_set_seq()`.
 *
 * Terms. An *invalidation of object O* of an interval notifier N is a call of N's `invalidate` by
 * the core (`mn_itree_invalidate`, `mn_itree_release`) for a range overlapping O that returned
 * true. A *reader* is a driver thread that samples, right after its `mmu_interval_read_begin(N)`
 * returned, how many invalidations of the object O holding its page have happened, and *uses the
 * mapping* at the statement where, after its `mmu_interval_read_retry()` returned false, it installs
 * what it read into the device (test_hmm's `dmirror_do_fault()`). The driver marks both places with
 * the model's ghost effects (`mnc_interval_gen`, `mnc_interval_use`, src/model/kernel/core/mm-primitives.ts);
 * the core counts the invalidations (`mnc_interval_invalidated`, in the statement that takes
 * `invalidate`'s result).
 *
 * Violated in a reachable state where (each a sub-property of its own):
 * - `interval-coherency:stale-use`: a reader used the mapping of object O although an invalidation
 *   of O happened after its `mmu_interval_read_begin()` returned (`ghost.interval_stale` names O);
 * - `interval-coherency:mapped`: an interval notifier's `invalidate` returned true for [start, end)
 *   in a thread whose invalidation of that range has not yet ended (`mn_itree_inv_end()` not yet
 *   called for it: by `__mmu_notifier_invalidate_range_end`, or by `mn_itree_invalidate` itself on its
 *   -EAGAIN path, or by `mn_itree_release`) and that is no longer inside the core's
 *   `__mmu_notifier_invalidate_range_start()`, and one of that notifier's objects overlapping
 *   [start, end) is mapped (`obj.mapped`): the device uses pages the CPU side is tearing down. While
 *   the core's start still runs (the hlist notifiers after the interval tree), the CPU has changed
 *   no page of the range: "invalidate_range_start() is called when all pages in the range are still
 *   mapped and have at least a refcount of one", and "The VM will remove the page table entries and
 *   potentially the page between invalidate_range_start() and invalidate_range_end()" (struct
 *   mmu_notifier_ops, include/linux/mmu_notifier.h). A driver may therefore finish its device's
 *   invalidation in a later notifier of the same start, as nouveau's hlist notifier does for its
 *   interval notifier ("This is very hacky and only works because the normal notifier that does
 *   invalidation is always called after the range notifier", nouveau_svm.c); docs/model.md, "nouveau
 *   SVM as of v6.6". `mn_itree_release`'s pairs (exit_mmap) are judged from the callback's return;
 * - `interval-coherency:blockable-false`: an interval notifier's `invalidate` returned false in a
 *   blockable range: `mn_itree_invalidate`'s `WARN_ON(mmu_notifier_range_blockable(range))` (the
 *   core goes on as if it had returned true, and the caller zaps the pages the device still maps) or
 *   `mn_itree_release`'s `WARN_ON(!ret)` (`ghost.interval_warn` names the notifier).
 *
 * Interval notifiers are judged here only: `coherency` looks at the hlist notifiers.
 */
import { Property } from '../checker/model.ts';
import type { KernelModel } from '../model/kernel-model.ts';
import type { Program } from '../model/lang/program.ts';
import type { KState, PairRecord } from '../model/lang/state.ts';
import type { Finding, KernelProperty } from './types.ts';
import { mappedObjectOf } from './util.ts';

const STALE = 'ghost.interval_stale';
const WARN = 'ghost.interval_warn';

function intervalNids(p: Program): string[] {
  return p.spec.notifiers.filter((n) => n.ops.invalidate).map((n) => n.id);
}


/** A pair `interval-coherency:mapped` looks at: an interval notifier's `invalidate` that returned true. */
function approvedInterval(p: Program, pair: PairRecord): boolean {
  return pair.ret === 0 && !!p.notifier(pair.nid)?.ops.invalidate;
}

/** The core's start, inside which the CPU has changed no page of the range yet. */
const CORE_START = '__mmu_notifier_invalidate_range_start';
const startIds = new WeakMap<Program, number>();

/**
 * Whether thread `tid` is inside the core's `__mmu_notifier_invalidate_range_start()`. A read of the
 * thread's frames that `reads` does not declare: docs/model.md ("What the properties need not
 * declare", a thread's return from the core's start) gives the argument that no reduction loses a
 * violation through it.
 */
function inCoreStart(p: Program, s: KState, tid: number): boolean {
  let id = startIds.get(p);
  if (id === undefined) startIds.set(p, (id = p.hasFn(CORE_START) ? p.fnId(CORE_START) : -1));
  return id >= 0 && s.threads[tid]!.frames.some((f) => f.fn === id);
}

function mappedInRange(m: KernelModel, s: KState): { pair: PairRecord; obj: string } | undefined {
  for (let i = 0; i < s.pairs.length; i++) {
    const p = s.pairs[i]!;
    if (!approvedInterval(m.program, p)) continue;
    if (inCoreStart(m.program, s, p.tid)) continue;
    const obj = mappedObjectOf(m.program, p, s.mem);
    if (obj !== undefined) return { pair: p, obj };
  }
  return undefined;
}

export const intervalCoherency: KernelProperty = {
  name: 'interval-coherency',
  summary: 'a reader that passes mmu_interval_read_retry() never uses a mapping invalidated after its read_begin; no mapping inside a range an interval notifier invalidated until its end; invalidate never returns false when blockable',
  build(m) {
    if (!intervalNids(m.program).length) return [];
    return [
      ...(m.program.memKeySet.has(STALE) ? [Property.always<KState>('interval-coherency:stale-use', (s) => !s.mem[STALE])] : []),
      Property.always<KState>('interval-coherency:mapped', (s) => mappedInRange(m, s) === undefined),
      ...(m.program.memKeySet.has(WARN) ? [Property.always<KState>('interval-coherency:blockable-false', (s) => !s.mem[WARN])] : []),
    ];
  },
  notApplicable: (p) =>
    intervalNids(p).length ? [] : [{ property: 'interval-coherency', reason: 'the scenario has no interval notifier (mmu_interval_notifier, v5.5 on)' }],
  // The pairs only where `mapped` can see them: opened or closed while an object in the range is mapped.
  reads: (p) =>
    intervalNids(p).length
      ? {
          fields: ['mapped', 'interval_stale', 'interval_warn'],
          pairsWhen: [{ why: 'an object in its range is mapped', fields: ['mapped'], holds: (pair, mem) => approvedInterval(p, pair) && mappedObjectOf(p, pair, mem) !== undefined }],
        }
      : {},
  explain(m, engineName, s): Finding {
    if (engineName === 'interval-coherency:blockable-false' || (engineName === 'interval-coherency' && s.mem[WARN])) {
      return {
        header: 'WARNING: mm/mmu_notifier.c mn_itree_invalidate: WARN_ON(mmu_notifier_range_blockable(range))',
        details: [
          `${String(s.mem[WARN])}'s invalidate returned false in a blockable range`,
          'the rule (struct mmu_interval_notifier_ops, 99cb252f5e68): "Return false only if sleeping was required but mmu_notifier_range_blockable(range) is false"; the core WARNs and goes on, and the caller zaps pages the device may still map',
        ],
      };
    }
    if (engineName === 'interval-coherency:stale-use' || (engineName === 'interval-coherency' && s.mem[STALE])) {
      return {
        header: 'BUG: interval notifier reader used a mapping invalidated after its mmu_interval_read_begin()',
        details: [
          `the device maps ${String(s.mem[STALE])} from a read that an invalidation of it overtook: mmu_interval_read_retry() did not make the reader retry`,
          'the rule (mmu_interval_read_begin, 99cb252f5e68): "If the mm invokes invalidation during the critical section then mmu_interval_read_retry() will return true"; the invalidate callback must call mmu_interval_set_seq() under the lock the reader holds around mmu_interval_read_retry() and the use',
        ],
      };
    }
    const p = mappedInRange(m, s);
    if (!p) return { header: `${engineName} holds in this state`, details: [] };
    return {
      header: 'BUG: secondary mapping inside a range an interval notifier invalidated',
      details: [
        `${p.pair.nid}'s invalidate returned true for [${p.pair.start}, ${p.pair.end}) (called by ${m.threadName(p.pair.tid)}), but ${p.obj} is mapped (still, or again) before mn_itree_inv_end()`,
      ],
    };
  },
};
