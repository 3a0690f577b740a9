/**
 * **Start/end pairing.**
 *
 * Contract (002_c65620ce05647db1.txt): "invalidate_range_start() and invalidate_range_end() must be
 * paired". Which starts an end is owed to depends on the core version's contract: in v4.18,
 * 93065ac753e4 and v4.19 an end is owed to a notifier for every start of it that returned 0 (a
 * blockable start's end is always owed: its callers ignore the result); under the MAYFAIL RFC
 * (004_e097991187577333.txt), for a start of a range with MMU_NOTIFIER_RANGE_MAYFAIL, "the callback
 * must be prepared to handle the matching invalidate_range_end even after failing the
 * invalidate_range_start", so such a start is owed one whatever it returned; a non-blocking start
 * outside a MAYFAIL range that failed (the reaper's) is owed none, in that core as in v4.19. From
 * v5.12 (c2655835fd8c) a failed start of the hlist makes the core itself call, in a second walk of
 * the list inside `mn_hlist_invalidate_range_start`, the `invalidate_range_end` of every hlist
 * notifier that has one, the one that failed included ("there is no way for a notifier to know if
 * its start method failed"): there every start of a notifier with an end callback is owed its end
 * whatever it returned (`PairingContract.endsAfterFailedHlistStart`), so a driver that counts its
 * starts and ends (KVM's `mmu_notifier_count`) gets them back in balance when another notifier
 * refuses the reaper's non-blocking start, which on the earlier cores leaves the count raised.
 *
 * The interpreter keeps, as ghost state, the starts still owed an end (thread, notifier, range).
 * Violated in a state where (each a sub-property of its own):
 *
 * - `pairing:unbalanced-end`: a thread is about to call a notifier's `invalidate_range_end` for a range for
 *   which that thread has no start owed an end on that notifier;
 * - `pairing:missing-end`: a thread has finished while a start it made on a notifier that has an
 *   `invalidate_range_end` callback is still owed its end;
 * - `pairing:unbalanced-state`: a driver or mm counter the model declares balanced (amdgpu's
 *   `recursion`, KVM's `mmu_notifier_count`, umem_odp's notifier accounting, `mm->tlb_flush_pending`,
 *   ...) is not back at its initial value although it can no longer change: every thread has
 *   finished, or every thread whose program may write it has (a kworker never counts as finished
 *   for this: its work can be queued again). So a leak is reported at the first state where it is
 *   certain, also when another thread then never finishes (KVM's vCPU fault retrying for ever on
 *   an elevated `mmu_notifier_count`). Or every thread has finished and a lock is still held. A counter
 *   a ->release raises for good on purpose (umem_odp's, "to prevent any further fault handling on
 *   this MR") is expected at its initial value plus what the release raised, which the driver
 *   records in a ghost variable (`balancedOffsets`).
 * - `pairing:failed-start-end` (v5.12 on; "does not apply" on a core that does not end the notifiers
 *   after a failed start): an `invalidate_range_start` callback returned an error (in any mode) on a
 *   notifier whose `mmu_notifier_ops` has an `invalidate_range_end`. The core's
 *   `WARN_ON(ops->invalidate_range_end)` fires there ("We call all the notifiers on any EAGAIN, there
 *   is no way for a notifier to know if its start method failed, thus a start that does EAGAIN can't
 *   also do end"), and the second walk then calls that end for the start that failed. The model runs
 *   the WARN_ON as `mnc_warn_on_end` (src/model/kernel/core/mm-primitives.ts), which records the first
 *   notifier it fires for in `ghost.warn_end`; violated in a reachable state where it is set. The end
 *   the core then calls is owed by the contract above, so it is not also an `unbalanced-end`; what it
 *   does to the driver (a lock released that its start did not take, a counter taken below its start)
 *   is reported by the properties that watch those.
 */
import { Property } from '../checker/model.ts';
import type { KernelModel } from '../model/kernel-model.ts';
import type { Interpreter } from '../model/lang/interp.ts';
import type { Instr } from '../model/lang/compile.ts';
import { fieldOf } from '../model/lang/reduction.ts';
import type { KState, Value } from '../model/lang/state.ts';
import type { Finding, KernelProperty } from './types.ts';
import { backtrace, heldLines, show, statementFact } from './util.ts';

interface Problem {
  readonly header: string;
  readonly details: string[];
}

/** The end call thread `tid` is about to make for which it has no start owed an end, if any. */
function endWithoutStart(ip: Interpreter, s: KState, tid: number): { nid: string; fn: string; start: number; end: number } | undefined {
  const instr = ip.instrAt(s, tid);
  if (!instr || !isEndCall(instr)) return undefined;
  const r = ip.resolveCall(s, tid, instr);
  if (!r.nid) return undefined;
  const { start, end } = ip.callRange(s, tid, r.args);
  const pairs = s.pairs;
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i]!;
    if (p.tid === tid && p.nid === r.nid && p.start === start && p.end === end) return undefined;
  }
  return { nid: r.nid, fn: r.fn, start, end };
}

/** Whether a statement calls a notifier's `invalidate_range_end` (through the ops table). */
function isEndCall(instr: Instr): instr is Instr & { op: 'call' } {
  return instr.op === 'call' && instr.callee.k === 'field' && instr.callee.field === 'invalidate_range_end';
}

/** {@link isEndCall} of a thread's next statement, by its position (asked for every thread of every state). */
const callsEnd = statementFact((m, s, tid) => isEndCall(m.interp.instrAt(s, tid)!));

/** The end call a thread is about to make without an owed start, if any. */
function unbalancedEnd(m: KernelModel, s: KState): Problem | undefined {
  for (let tid = 0; tid < s.threads.length; tid++) {
    if (callsEnd(m, s, tid) !== true) continue;
    const e = endWithoutStart(m.interp, s, tid);
    if (!e) continue;
    return {
      header: 'WARNING: unbalanced invalidate_range_end',
      details: [
        `${m.threadName(tid)} calls ${e.nid}'s ${e.fn}() for [${e.start}, ${e.end}) but no invalidate_range_start of ${e.nid} for that range is owed an end`,
        ...backtrace(m, s, tid).map((l) => `  ${l}`),
      ],
    };
  }
  return undefined;
}

function missingEnd(m: KernelModel, s: KState): Problem | undefined {
  for (let i = 0; i < s.pairs.length; i++) {
    const p = s.pairs[i]!;
    if (s.threads[p.tid]!.frames.length) continue;
    if (!m.program.notifier(p.nid)?.ops.invalidate_range_end) continue;
    return {
      header: 'WARNING: invalidate_range_start without its invalidate_range_end',
      details: [
        `${m.threadName(p.tid)} finished, but the ${p.blockable ? 'blockable' : 'non-blockable'} invalidate_range_start of ${p.nid} for [${p.start}, ${p.end}) that returned ${p.ret} never got its invalidate_range_end`,
        ...(s.mem[`${p.nid}.hashed`] === 0
          ? [`${p.nid} was unhashed by mmu_notifier_release() (exit_mmap) between the start and the end walk, which therefore no longer found it`]
          : []),
      ],
    };
  }
  return undefined;
}

/** The value a balanced variable must have once every thread finished: its initial value, plus what a ->release raised for good. */
function expected(m: KernelModel, s: KState, k: string): Value {
  const init = m.program.spec.mem[k]!;
  const off = m.program.spec.balancedOffsets?.[k];
  return off === undefined ? init : Number(init) + Number(s.mem[off]);
}

/** A balanced variable, with what {@link settled} needs of it worked out once per model. */
interface Balanced {
  readonly key: string;
  /** The threads whose program may write the variable or the ghost variable of what a ->release raised it by. */
  readonly writers: readonly number[];
  /** Whether one of them is a kworker (a finished kworker runs again when its work is queued again). */
  readonly kworkerWrites: boolean;
}

const balancedOf = new WeakMap<KernelModel, readonly Balanced[]>();

/** The model's balanced variables ({@link Balanced}), worked out when first asked for. */
function balanced(m: KernelModel): readonly Balanced[] {
  let bs = balancedOf.get(m);
  if (bs === undefined) {
    const red = m.interp.reduction;
    const threads = m.program.spec.threads;
    bs = m.program.spec.balanced.map((key) => {
      const off = m.program.spec.balancedOffsets?.[key];
      const fields = off ? [fieldOf(key), fieldOf(off)] : [fieldOf(key)];
      const writers = threads.flatMap((_, tid) => (fields.some((f) => red.mayWrite(tid, f)) ? [tid] : []));
      return { key, writers, kworkerWrites: writers.some((tid) => threads[tid]!.kworker !== undefined) };
    });
    balancedOf.set(m, bs);
  }
  return bs;
}

/**
 * Whether balanced variable `b` (and the ghost variable of what a ->release raised it by) can no
 * longer change: every thread whose program may write a variable of that field name has finished,
 * and none of them is a kworker (a finished kworker runs again when its work is queued again).
 * Judged from what each thread's whole program may access (Reduction.mayWrite), so it is never
 * true early by mistake; it reads only which threads have finished, which the property declares.
 */
function settled(s: KState, b: Balanced): boolean {
  if (b.kworkerWrites) return false;
  for (let i = 0; i < b.writers.length; i++) if (s.threads[b.writers[i]!]!.frames.length) return false;
  return true;
}

/** Whether every thread has finished. */
function allFinished(s: KState): boolean {
  for (let tid = 0; tid < s.threads.length; tid++) if (s.threads[tid]!.frames.length) return false;
  return true;
}

/** The balanced variables off their expected value that can no longer change (all of them off it, once every thread finished), or undefined. Checked on every state: it allocates only for a finding. */
function unbalancedCounters(m: KernelModel, s: KState, allDone: boolean): string[] | undefined {
  let out: string[] | undefined;
  const bs = balanced(m);
  for (let i = 0; i < bs.length; i++) {
    const b = bs[i]!;
    // Whether it can still change first: that reads a few threads' positions, the value's check the memory by name.
    if ((allDone || settled(s, b)) && s.mem[b.key] !== expected(m, s, b.key)) (out ??= []).push(b.key);
  }
  return out;
}

function unbalancedState(m: KernelModel, s: KState): Problem | undefined {
  const allDone = allFinished(s);
  const counters = unbalancedCounters(m, s, allDone) ?? [];
  const locks = allDone ? m.heldLocks(s) : [];
  if (!counters.length && !locks.length) return undefined;
  return {
    header: allDone ? 'WARNING: state not balanced after every thread finished' : 'WARNING: counter left unbalanced: every thread that can change it has finished',
    details: [
      ...(allDone
        ? []
        : [
            `still running: ${s.threads
              .map((t, tid) => (t.frames.length ? m.threadName(tid) : undefined))
              .filter((x) => x !== undefined)
              .join(', ')} (none of them can write it)`,
          ]),
      ...counters.map((k) => {
        const off = m.program.spec.balancedOffsets?.[k];
        const raised = off ? Number(s.mem[off]) : 0;
        return `${k} = ${show(s.mem[k]!)} (initially ${show(m.program.spec.mem[k]!)}${raised ? `, raised for good by ->release by ${raised}` : ''})`;
      }),
      ...(locks.length ? ['locks still held:', ...heldLines(m, s)] : []),
    ],
  };
}

/** The v5.12 core's `WARN_ON(ops->invalidate_range_end)` records here (mm-primitives.ts `mnc_warn_on_end`). */
const WARN_END = 'ghost.warn_end';

function failedStartEnd(m: KernelModel, s: KState): Problem | undefined {
  const nid = s.mem[WARN_END];
  if (!nid) return undefined;
  const n = m.program.notifier(String(nid));
  return {
    header: 'WARNING: mm/mmu_notifier.c mn_hlist_invalidate_range_start: WARN_ON(ops->invalidate_range_end)',
    details: [
      `${String(nid)}'s invalidate_range_start failed, and ${String(nid)} has an invalidate_range_end (${n?.ops.invalidate_range_end ?? '?'}): the core calls it all the same, for the start that failed`,
      'the rule (c2655835fd8c, "mm/mmu_notifiers: ensure range_end() is paired with range_start()", v5.12): "We call all the notifiers on any EAGAIN, there is no way for a notifier to know if its start method failed, thus a start that does EAGAIN can\'t also do end"; the kernel prints a WARNING and goes on',
    ],
  };
}

const KINDS: readonly (readonly [string, (m: KernelModel, s: KState) => Problem | undefined])[] = [
  ['pairing:unbalanced-end', unbalancedEnd],
  ['pairing:missing-end', missingEnd],
  ['pairing:unbalanced-state', unbalancedState],
  ['pairing:failed-start-end', failedStartEnd],
];

export const pairing: KernelProperty = {
  name: 'pairing',
  summary: 'every invalidate_range_end matches a start the core contract owes it, every owed end comes, counters and locks end balanced; from v5.12, no failing start on a notifier with an end',
  build: (m) =>
    KINDS.filter(([name]) => name !== 'pairing:failed-start-end' || m.program.memKeySet.has(WARN_END)).map(([name, check]) =>
      Property.always<KState>(name, (s) => check(m, s) === undefined),
    ),
  notApplicable: (p) =>
    p.memKeySet.has(WARN_END)
      ? []
      : [{ property: 'pairing:failed-start-end', reason: `core ${p.spec.core} does not end the notifiers after a failed start (v5.12 on, c2655835fd8c)` }],
  // What `unbalanced-end` and `missing-end` read (the latter only the finishing of a thread that has
  // an open pair: `finishedOwing`). `unbalanced-end` is of one thread about to call an end, and
  // only that thread's own running of the call can make it hold again (it reads the thread's own
  // pairs, which no other thread changes, and its position): so arriving at an end call is not
  // read, and running one is, where the thread has no start owed for it (`runs`; docs/model.md,
  // "What the properties need not declare"). `unbalanced-state` also reads the balanced counters,
  // the locks and which threads have finished, but it is stable (below), so those are not
  // declared: a counter's increment in a pair (amdgpu's `recursion`, KVM's `mmu_notifier_count`,
  // `tlb_flush_pending`) no longer has to be a transition of its own.
  // `failed-start-end` reads the ghost variable the core's WARN_ON records (v5.12 on).
  reads: (p) => ({
    finishedOwing: true,
    runs: [{ ops: ['invalidate_range_end'], restores: (ip, s, tid) => endWithoutStart(ip, s, tid) !== undefined }],
    ...(p.memKeySet.has(WARN_END) ? { fields: ['warn_end'] } : {}),
  }),
  // Stable: a counter is judged only once it can no longer change (`settled`: every thread that may
  // write it has finished, and none is a kworker, which could run again), so a state where it is off
  // its expected value has only successors where it still is; a lock is judged only once every thread
  // has finished, where nothing can move. Checked on every transition under verifyReduction.
  stable: ['pairing:unbalanced-state'],
  // A thread's own pairs, read at its own end call or finishing: not subject to the opening premise
  // of pairsWhen (KernelProperty.ownPairs says why).
  ownPairs: ['pairing:unbalanced-end', 'pairing:missing-end'],
  explain(m, engineName, s): Finding {
    // The named sub-property's problem (any kind's, for the property's bare name).
    const named = KINDS.filter(([name]) => name === engineName);
    const p = (named.length ? named : KINDS).map(([, check]) => check(m, s)).find((x) => x !== undefined);
    if (!p) return { header: `${engineName} holds in this state`, details: [] };
    return { header: p.header, details: p.details };
  },
};
