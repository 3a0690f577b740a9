/**
 * **Coherency**, the reason mmu notifiers exist: "the establishment of sptes is forbidden in the
 * range passed to invalidate_range_begin/end for the whole duration of the
 * invalidate_range_begin/end critical section" (002_c65620ce05647db1.txt, struct mmu_notifier_ops).
 *
 * Violated in a reachable state where either (two sub-properties)
 * - `coherency:mapped`: a notifier's `invalidate_range_start` has returned 0 for [start, end) and the matching end has
 *   not yet been called (for a notifier without an end callback: the core's end walk for that range
 *   has not begun), and one of that driver's objects overlapping [start, end) still has a secondary
 *   mapping (`obj.mapped`: sptes, a GPU job using the pages, a device mapping, ...); or
 * - `coherency:failed-start`: a blockable `invalidate_range_start` has returned an error: its callers ignore the result
 *   ("If blockable argument is set to false then the callback cannot sleep and has to return with
 *   -EAGAIN. 0 should be returned otherwise"), except where the start was called with
 *   MMU_NOTIFIER_RANGE_MAYFAIL (the mayfail core), which allows -EAGAIN.
 *
 * The notifiers are those of the core's hlist: the interval notifiers of v5.5 on have their own
 * contract, checked by `interval-coherency` (src/properties/interval-coherency.ts).
 */
import { Property } from '../checker/model.ts';
import type { KernelModel } from '../model/kernel-model.ts';
import type { Program } from '../model/lang/program.ts';
import type { KState, PairRecord } from '../model/lang/state.ts';
import type { Finding, KernelProperty } from './types.ts';
import { mappedObjectOf } from './util.ts';


type Problem = { kind: 'mapped'; pair: PairRecord; obj: string } | { kind: 'failed'; pair: PairRecord };

function mappedInRange(m: KernelModel, s: KState): Problem | undefined {
  for (let i = 0; i < s.pairs.length; i++) {
    const p = s.pairs[i]!;
    if (!approvedHlist(m.program, p)) continue;
    const obj = mappedObjectOf(m.program, p, s.mem);
    if (obj !== undefined) return { kind: 'mapped', pair: p, obj };
  }
  return undefined;
}

/** A pair `coherency:mapped` looks at: an hlist notifier's start that returned 0. */
function approvedHlist(p: Program, pair: PairRecord): boolean {
  return pair.ret === 0 && !p.notifier(pair.nid)?.ops.invalidate;
}

/** A pair `coherency:failed-start` reports: a blockable hlist start outside a MAYFAIL range that failed. */
function failedBlockable(p: Program, pair: PairRecord): boolean {
  return pair.ret !== 0 && pair.blockable !== 0 && !pair.mayfail && !p.notifier(pair.nid)?.ops.invalidate;
}

function failedStart(m: KernelModel, s: KState): Problem | undefined {
  for (let i = 0; i < s.pairs.length; i++) if (failedBlockable(m.program, s.pairs[i]!)) return { kind: 'failed', pair: s.pairs[i]! };
  return undefined;
}

const KINDS: readonly (readonly [string, (m: KernelModel, s: KState) => Problem | undefined])[] = [
  ['coherency:mapped', mappedInRange],
  ['coherency:failed-start', failedStart],
];

export const coherency: KernelProperty = {
  name: 'coherency',
  summary: 'no secondary mapping inside a range between an approved invalidate_range_start and its end; a blockable start never fails',
  build: (m) => KINDS.map(([name, check]) => Property.always<KState>(name, (s) => check(m, s) === undefined)),
  // The pairs only where they can change a verdict: a pair opened or closed while an object in its
  // range is mapped, or a failed blockable start (docs/model.md, "What the properties need not declare").
  reads: (p) => ({
    fields: ['mapped'],
    pairsWhen: [
      { why: 'an object in its range is mapped', fields: ['mapped'], holds: (pair, mem) => approvedHlist(p, pair) && mappedObjectOf(p, pair, mem) !== undefined },
      { why: 'a blockable start failed', fields: [], holds: (pair) => failedBlockable(p, pair) },
    ],
  }),
  explain(m, engineName, s): Finding {
    // The named sub-property's problem (any kind's, for the property's bare name).
    const named = KINDS.filter(([name]) => name === engineName);
    const p = (named.length ? named : KINDS).map(([, check]) => check(m, s)).find((x) => x !== undefined);
    if (!p) return { header: `${engineName} holds in this state`, details: [] };
    const pr = p.pair;
    if (p.kind === 'failed') {
      return {
        header: 'WARNING: blockable invalidate_range_start failed; its caller ignores the error',
        details: [`${pr.nid}'s start for [${pr.start}, ${pr.end}) called by ${m.threadName(pr.tid)} returned ${pr.ret}`],
      };
    }
    return {
      header: 'BUG: secondary mapping inside an invalidated range',
      details: [
        `${pr.nid} approved invalidate_range_start for [${pr.start}, ${pr.end}) (called by ${m.threadName(pr.tid)}), but ${p.obj} is mapped (still, or again) before the end`,
      ],
    };
  },
};
