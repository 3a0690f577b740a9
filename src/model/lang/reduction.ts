/**
 * The reduction: which statements run in the same transition as the statement before them.
 *
 * A transition of the model is one statement of one thread that another thread or a property can
 * observe, followed by the statements after it in the same thread that nothing can observe
 * ("coalescing"; SPIN's `d_step` over statements it can prove invisible and independent). A
 * statement is coalesced into the transition before it only when it is
 *
 * 1. **independent** of every other thread: it cannot wait, makes no non-deterministic choice, and
 *    every shared variable or lock it touches is touched by no other thread of the scenario, or only
 *    read by all of them, or only incremented by all of them (increments whose result is unread
 *    commute). Accesses are taken from every statement the other threads can reach (the call graph
 *    of their entry functions, through function pointers conservatively);
 * 2. **invisible** to every property being checked: it changes nothing any of them declares it reads
 *    ({@link StateReads}: shared variables by field, the open start/end pairs, lock states, the
 *    notifier context, whether a thread has finished), and it is not a statement a property looks at
 *    a thread being about to run (an `invalidate_range_end` call, a call that may sleep in a
 *    non-blockable section, ...; a lock release only where running it may make a violated property
 *    hold again: {@link RunWatch}, judged where the thread gets to it).
 *
 * Why that preserves every verdict: a coalesced statement commutes with every step of every other
 * thread, is always enabled, and leaves the part of the state properties read unchanged, so a
 * property evaluates the same on the state before it and after it; the thread never rests in front
 * of it in a reduced state, and no property looks at a thread resting there. Every state of the full
 * model is then stuttering-equivalent (for what properties read) to a state of the reduced one, and
 * every run of the full model to a run of the reduced one with the same observations; a thread
 * enabled at a coalesced statement is enabled all along, so weak fairness is kept. The argument is
 * only as good as the declarations it rests on, so they are checked rather than trusted:
 *
 * - each property declares its reads next to its definition (src/properties); the reduction takes
 *   the union of the reads of the properties being checked, never a hand-kept list;
 * - the static effects below are checked against the effects each statement really has while the
 *   model runs, when the interpreter runs with `verifyReduction` (the differential tests do);
 * - `npm run verify:reduction` and the differential tests compare every verdict of the reduced model
 *   with the unreduced one (`coalesce: false`) over every built-in scenario and variant.
 *
 * **Stable properties** need no declared reads (`KernelProperty.stable`): an `always` property
 * that, once violated, stays violated in every state reachable from there (pairing's
 * `unbalanced-state`: a counter judged only once nothing can change it). Both reductions keep
 * every state's violation of such a property, whatever it reads: a state `s` of the full model is
 * reached by a run `w`, and the reduced model has a run that executes `w` followed by some further
 * steps `v`, up to the order of independent steps (coalescing runs a thread on through steps
 * independent of everything; for partial-order reduction this is the trace lemma of C0, C1 and the
 * cycle proviso C3: Clarke, Grumberg and Peled, *Model Checking*, 1999, section 10.5). That run ends
 * in the state `s` reaches by `v`, where a stable property violated in `s` is still violated. Each
 * declaration is checked on every transition under `verifyReduction` (KernelModel.nextState).
 */
import type { Expr } from './ir.ts';
import type { CompiledFn, Instr } from './compile.ts';
import type { Access } from './primitives.ts';
import { OP_NAMES, type OpName, type Program } from './program.ts';
import { liveInstrs } from './live.ts';
import type { Interpreter } from './interp.ts';
import type { KState, LockState, PairRecord } from './state.ts';

/** A condition under which a property looks at a thread about to call a primitive that may sleep. */
export type SleepWatch = 'nonblock' | 'spinlock';

/**
 * What a property reads of a kernel state, declared next to its definition. Everything a property's
 * predicate looks at must be here: the reduction keeps every statement that may change any of it,
 * or that the property looks at a thread being about to run, a transition of its own.
 */
export interface StateReads {
  /**
   * Shared variables, by field name: the last component of an `object.field` key (`mapped` covers
   * every `obj.mapped`), or the name of a global variable. `'all'`: every shared variable.
   */
  readonly fields?: readonly string[] | 'all';
  /** The open start/end pairs (ghost state): who opened which, blockable or not, what the start returned. */
  readonly pairs?: boolean;
  /**
   * The open pairs, as an `always` property reads them that looks in them only for a pair meeting
   * one of these conditions (some pair does: violated). Opening a pair can then violate such a
   * property but never make it hold, so only the closing of a pair that meets a condition, in the
   * state before the step or after it, is read ({@link PairCondition}). Weaker than `pairs`, which
   * reads every change.
   */
  readonly pairsWhen?: readonly PairCondition[];
  /** Every lock's holders and waiters. */
  readonly locks?: boolean;
  /** Which notifier callbacks each thread is inside (the frames' op and non-blockable context). */
  readonly context?: boolean;
  /** Whether each thread has finished. */
  readonly finished?: boolean;
  /** Whether these threads (by index) have finished: a property that reads only some threads' finishing. */
  readonly finishedThreads?: readonly number[];
  /**
   * Whether a thread that holds a lock as a task (`heldByTask`) has finished: the finishing of a
   * thread that holds none is not read. Only the thread itself can make it hold one.
   */
  readonly finishedHolding?: boolean;
  /**
   * Whether a thread that has an open start/end pair has finished: the finishing of a thread with
   * none is not read. Only the thread itself opens or closes its pairs: the interpreter changes
   * them in four places (the record a start or an interval `invalidate` leaves at its return,
   * `findPair` for an end, `closeEndless`, `closeInterval`), each for `p.tid === this.tid`.
   */
  readonly finishedOwing?: boolean;
  /**
   * Whether each unfinished thread can take a step (what its blocking call waits for). A thread
   * that finishes cannot take a step either, but that is read only through `finished` and the
   * declarations after it: a property that needs it must declare them.
   */
  readonly enabled?: boolean;
  /** A thread about to run a statement that calls one of these primitives. */
  readonly atPrims?: readonly string[];
  /**
   * The running of statements that call these primitives or notifier ops, by `always` properties
   * that look at a thread about to run one but that only the thread's own running of it can make
   * hold again ({@link RunWatch}; lock-discipline's releases, pairing's end calls). Arriving at such
   * a statement is not read.
   */
  readonly runs?: readonly RunWatch[];
  /** A thread about to call one of these notifier ops through `mn->ops->`. */
  readonly atOps?: readonly OpName[];
  /**
   * A thread about to call a primitive that may sleep, while it is in a non-blockable notifier
   * section (`nonblock`) or holds a spinlock (`spinlock`).
   */
  readonly atSleep?: readonly SleepWatch[];
  /** Every thread position: a property that may look at any statement a thread is about to run. */
  readonly atAll?: boolean;
}

/**
 * A condition on an open pair that violates a property ({@link StateReads.pairsWhen}). What the
 * reductions may then hide:
 *
 * - *Opening a pair*, always. A reduction that hides a step takes it earlier than the full model
 *   does, in front of steps of other threads independent of it, or in a run where the full model
 *   never takes it. In the states it passes the new pair is open where the full model's are without
 *   it, and an extra open pair can violate such a property, never satisfy it: every violation the
 *   full model reaches is still reached, at the latest where the full run ends (the induction is in
 *   docs/model.md, "What the properties need not declare"; it needs C0, C1 and the cycle proviso
 *   C3, not C2). Checked on every transition under `verifyReduction` (KernelModel.nextState).
 * - *Closing a pair* only where no condition holds of it, in the state and in the successor.
 *   The partial-order reduction judges that on the step (por.ts, C2) and also asks that no other
 *   thread can still store a nonzero value in a field in `fields` (C1): the conditions need a
 *   nonzero value there, so they are then false in every state the other threads' independent
 *   steps lead to, which is what a judgement in one state needs (the textbook C2 asks for an action
 *   invisible in every state: Clarke, Grumberg and Peled, *Model Checking*, 1999, section 10.5).
 *   Coalescing, which judges a statement once for the whole program, keeps every step that may
 *   close a pair a transition of its own.
 */
export interface PairCondition {
  /** What the property looks for, for `whyKept` and the docs. */
  readonly why: string;
  /**
   * Every shared variable `holds` may read, by field name (none: it reads the record only); storing
   * 0 in one never makes `holds` true (`Access.zero` writes are what cannot raise them).
   */
  readonly fields: readonly string[];
  readonly holds: (pair: PairRecord, mem: KState['mem']) => boolean;
}

/**
 * Statements an `always` property looks at a thread being about to run, where arriving at one can
 * only make the property violated and only the thread's running of it (as `restores` judges it) can
 * make it hold again ({@link StateReads.runs}). What the reductions may then hide:
 *
 * - *Arriving at such a statement*, always: a step that can only make an `always` property
 *   violated, never make it hold, may be taken early or hidden (the induction in docs/model.md,
 *   "What the properties need not declare": C0, C1 and the cycle proviso C3, not C2).
 * - *Running it* only where `restores(ip, s, tid)` is false: the partial-order reduction judges it
 *   in the state `s` it runs from, which holds in every state the other threads' independent steps
 *   lead to as long as `restores` reads only the thread's position and what the statement itself
 *   touches (C1: no other thread can still touch that). Coalescing runs on through such a
 *   statement only where `restores` is false in the state as the step has left it, and stops in
 *   front of it otherwise ({@link COALESCE_UNLESS_RESTORES}): a coalesced statement is independent
 *   of every other thread, so that state's judgement is every interleaving's.
 */
export interface RunWatch {
  /** Statements that call one of these primitives. */
  readonly prims?: readonly string[];
  /** Statements that call one of these notifier ops through `mn->ops->` (pairing's `invalidate_range_end`). */
  readonly ops?: readonly OpName[];
  /**
   * Whether `tid`, about to run a statement the watch names (by `prims` or `ops`) in `s`, may make a
   * violated property hold by running it. It decides how far a transition runs, so it reads the
   * state only as a step does: a lock through `ip.lockOf`, memory through `ip.evaluate`, `tid`'s own
   * thread and pairs (a transition's footprint, footprint.ts, records what those read; a read past
   * them would let a sleep set name a wrong successor, which `verifySleepSets` catches).
   */
  readonly restores: (ip: Interpreter, s: KState, tid: number) => boolean;
}

/** What of a statement with effects `e` the watch `w` names: the primitives it calls (`down_read`), the notifier op it calls (`->invalidate_range_end`). */
function watchedCalls(w: RunWatch, e: Effects): string[] {
  return [...e.prims.filter((name) => w.prims?.includes(name)), ...(e.op !== undefined && w.ops?.includes(e.op) ? [`->${e.op}`] : [])];
}

/** Whether `w` names a statement with effects `e`. */
function watches(w: RunWatch, e: Effects): boolean {
  return watchedCalls(w, e).length > 0;
}

/**
 * The reads of a model whose properties are unknown: everything, every position included, so
 * nothing is coalesced (a property written for a test may look at any statement).
 */
export const READS_EVERYTHING: StateReads = {
  atAll: true,
  fields: 'all',
  pairs: true,
  locks: true,
  context: true,
  finished: true,
  enabled: true,
  atPrims: [],
  atOps: [...OP_NAMES],
  atSleep: ['nonblock', 'spinlock'],
};

/** The union of several declarations: what any of them reads. */
export function unionReads(list: readonly StateReads[]): StateReads {
  let fields: Set<string> | 'all' = new Set();
  const atPrims = new Set<string>();
  const atOps = new Set<OpName>();
  const atSleep = new Set<SleepWatch>();
  const flags = { pairs: false, locks: false, context: false, finished: false, finishedHolding: false, finishedOwing: false, enabled: false, atAll: false };
  const finishedThreads = new Set<number>();
  const pairsWhen: PairCondition[] = [];
  const runs: RunWatch[] = [];
  for (const r of list) {
    runs.push(...(r.runs ?? []));
    if (r.fields === 'all') fields = 'all';
    else if (fields !== 'all') for (const f of r.fields ?? []) fields.add(f);
    for (const k of Object.keys(flags) as (keyof typeof flags)[]) if (r[k]) flags[k] = true;
    for (const p of r.atPrims ?? []) atPrims.add(p);
    for (const o of r.atOps ?? []) atOps.add(o);
    for (const s of r.atSleep ?? []) atSleep.add(s);
    for (const t of r.finishedThreads ?? []) finishedThreads.add(t);
    pairsWhen.push(...(r.pairsWhen ?? []));
  }
  return {
    fields: fields === 'all' ? 'all' : [...fields].sort(),
    ...flags,
    finishedThreads: [...finishedThreads].sort((a, b) => a - b),
    // Every change of a pair is read already when `pairs` is.
    pairsWhen: flags.pairs ? [] : pairsWhen,
    atPrims: [...atPrims].sort(),
    runs,
    atOps: [...atOps].sort(),
    atSleep: [...atSleep].sort(),
  };
}

/** What one statement may do, found from its text: an over-approximation of every execution of it. */
export interface Effects {
  /** Shared variables and locks it may touch, by field name (`all` when unknown). */
  readonly accesses: readonly Access[] | 'all';
  /** It calls a primitive that can block (a contended lock, an unmet wait). */
  readonly waits: boolean;
  /**
   * Where every primitive it calls that can block is a read-side operation of a task on a named
   * rw_semaphore (`down_read`): those semaphores' field names. On a semaphore nothing write-locks
   * such a call never blocks ({@link readOnlySemaphores}), so the statement does not wait.
   */
  readonly waitsOnlyOn?: readonly string[];
  /** It makes a non-deterministic choice (every outcome is a transition of its own). */
  readonly choice: boolean;
  /** It calls a primitive that may sleep. */
  readonly sleeps: boolean;
  /** It acquires or releases a lock. */
  readonly locks: boolean;
  /** It may open or close a start/end pair (an op call of start or end, the core's end walk). */
  readonly pairs: boolean;
  /** It enters a notifier callback (a call through `mn->ops->`); returns are judged when they run. */
  readonly context: boolean;
  /** It may start another thread (a primitive that `wakes` a kworker). */
  readonly wakes: boolean;
  /** The primitives it calls. */
  readonly prims: readonly string[];
  /** The notifier op it calls through `mn->ops->`, if any. */
  readonly op?: OpName;
  /**
   * For a statement that {@link waits}: what it may access when it runs without its blocking
   * primitive taking effect, i.e. when evaluating the statement oopses first (`mutex_lock(&amn->read_lock)`
   * with `amn` freed or NULL: the interpreter evaluates a call's arguments, and a thread whose
   * arguments oops is enabled and runs to the oops, lock or no lock). Every access of the statement
   * but the blocking primitives' own (the lock they take): the partial-order reduction counts these
   * for a statement that waits for a lock another thread holds (por.ts, `futuresUnder`), which
   * cannot otherwise run then.
   */
  readonly oopsAccesses?: readonly Access[] | 'all';
}

/** How a statement is treated: a transition of its own, or run on with the statement before it. */
export const KEEP = 0;
export const COALESCE = 1;
/** Coalesced unless the thread is, when it gets there, where a property watches sleeping calls. */
export const COALESCE_UNLESS_SLEEP_WATCHED = 2;
/**
 * Coalesced unless, when the thread gets there, running it may make a violated property hold again
 * (a statement whose running a property watches, `StateReads.runs`, and nothing else keeps): judged
 * where the thread gets to it, which is right in every interleaving since a coalesced statement is
 * independent of every other thread.
 */
export const COALESCE_UNLESS_RESTORES = 3;
/**
 * Both conditions: a statement that may sleep whose running a property also watches (`down_read`,
 * lock discipline's recursive read): coalesced unless, when the thread gets there, sleeping calls
 * are watched where it is or running it may make a violated property hold again.
 */
export const COALESCE_UNLESS_SLEEP_WATCHED_OR_RESTORES = 4;

export class Reduction {
  /** Per function, per pc: KEEP, COALESCE, COALESCE_UNLESS_SLEEP_WATCHED, COALESCE_UNLESS_RESTORES or COALESCE_UNLESS_SLEEP_WATCHED_OR_RESTORES. */
  private readonly modes: Uint8Array[];
  /** Per function, per pc: why the statement is kept (for tests and docs). */
  private readonly reasons: (readonly string[])[][];
  private readonly effects = new Map<Instr, Effects>();
  readonly reads: StateReads;
  private readonly fieldRead: (name: string) => boolean;
  /** Per thread of the scenario: what its whole program may access, by field name. */
  private readonly perThread: (Map<string, { r: boolean; w: boolean; inc: boolean }> | 'all')[];

  constructor(
    readonly program: Program,
    reads: StateReads,
  ) {
    this.reads = reads;
    const fields = reads.fields === 'all' ? 'all' : new Set(reads.fields ?? []);
    this.fieldRead = fields === 'all' ? () => true : (n) => fields.has(n);
    this.pairReads = [...new Set((reads.pairs ? [] : reads.pairsWhen ?? []).flatMap((c) => c.fields))].map((name) => ({ name, mode: 'r' as const }));
    for (const f of program.fns) for (const ins of f.instrs) this.effects.set(ins, summarize(program, f, ins));
    this.readOnlySemaphores = readOnlySemaphores(program, this.effects);
    // Read-side operations on a semaphore no thread can take for write commute: increments.
    if (this.readOnlySemaphores.size) {
      for (const [ins, e] of this.effects) {
        if (e.accesses === 'all' || !e.accesses.some((a) => a.readSide && this.readOnlySemaphores.has(a.name))) continue;
        // A down_read there never queues, so never waits (checked under verifyReduction: interp.ts waitOf).
        const waits = e.waits && !(e.waitsOnlyOn?.every((name) => this.readOnlySemaphores.has(name)) ?? false);
        this.effects.set(ins, { ...e, waits, accesses: e.accesses.map((a) => (a.readSide && this.readOnlySemaphores.has(a.name) ? { name: a.name, mode: 'inc' as const, readSide: true as const } : a)) });
      }
    }
    this.perThread = program.spec.threads.map((t) => this.threadAccesses(reach(program, program.fnId(t.fn))));
    this.runWatches = program.fns.map((f) =>
      f.instrs.map((ins) => {
        const e = this.effects.get(ins)!;
        const w = (reads.runs ?? []).filter((x) => watches(x, e));
        return w.length ? w : undefined;
      }),
    );
    const { modes, reasons } = this.analyse();
    this.modes = modes;
    this.reasons = reasons;
  }

  /** How the statement at `pc` of function `fn` is treated. */
  mode(fn: number, pc: number): number {
    return this.modes[fn]![pc]!;
  }

  /** The static effects of a statement. */
  effectsOf(ins: Instr): Effects {
    const e = this.effects.get(ins);
    if (!e) throw new Error(`reduction: no effects recorded for ${ins.src.text}`);
    return e;
  }

  /** Why the statement at `pc` of `fn` is a transition of its own (empty when it is coalesced). */
  whyKept(fn: number, pc: number): readonly string[] {
    return this.reasons[fn]![pc]!;
  }

  /** Whether a property reads the shared variable with this field name. */
  readsField(name: string): boolean {
    return this.fieldRead(name);
  }

  /**
   * Whether thread `tid` may write (or increment) a shared variable with field name `field`
   * anywhere in its program: an over-approximation (every object with that field; `true` when its
   * accesses are unknown).
   */
  mayWrite(tid: number, field: string): boolean {
    const a = this.perThread[tid]!;
    if (a === 'all') return true;
    const m = a.get(field);
    return m !== undefined && (m.w || m.inc);
  }

  /**
   * Whether a property reads that thread `tid` finishes, judged in a state where it is about to: its
   * open pairs (`pairs`) and the locks (`locks`) as they are there. The same in every state another
   * thread's independent steps lead to, since only the thread itself changes either answer.
   */
  finishingVisible(tid: number, pairs: readonly PairRecord[], locks: KState['locks']): boolean {
    const r = this.reads;
    if (r.finished || r.finishedThreads?.includes(tid)) return true;
    if (r.finishedOwing && pairs.some((p) => p.tid === tid)) return true;
    if (r.finishedHolding && this.program.holdsLock(locks, tid)) return true;
    return false;
  }

  /**
   * Whether a property reads a change of the open pairs from `before` to `after`, the memory being
   * `memBefore` and `memAfter` on either side: any change under `pairs`; under `pairsWhen`, the
   * closing of a record for which a condition holds on either side (an opening is never read:
   * {@link PairCondition}).
   */
  pairsRead(before: readonly PairRecord[], after: readonly PairRecord[], memBefore: KState['mem'], memAfter: KState['mem']): boolean {
    if (before === after) return false;
    if (this.reads.pairs) return true;
    const when = this.reads.pairsWhen ?? [];
    for (const p of before) {
      if (after.includes(p)) continue;
      for (const c of when) if (c.holds(p, memBefore) || c.holds(p, memAfter)) return true;
    }
    return false;
  }

  /** Whether some property reads pairs under a condition only (`pairsWhen` without `pairs`). */
  get pairsConditional(): boolean {
    return !this.reads.pairs && (this.reads.pairsWhen ?? []).length > 0;
  }

  /** What the `pairsWhen` conditions read, as accesses (por.ts, C1 for a step that may close a pair). */
  readonly pairReads: readonly Access[];

  /**
   * The field names of the rw_semaphores that nothing the scenario can run takes for write
   * ({@link readOnlySemaphores}); read-side operations on them count as increments.
   */
  readonly readOnlySemaphores: ReadonlySet<string>;

  /** Per function, per pc: the `runs` watches naming the statement, by a primitive or notifier op it calls (undefined: none). */
  private readonly runWatches: (readonly RunWatch[] | undefined)[][];

  /** The `runs` watches of the statement at `pc` of function `fn` (undefined: none), judged where a thread is about to run it. */
  runWatchesAt(fn: number, pc: number): readonly RunWatch[] | undefined {
    return this.runWatches[fn]![pc];
  }

  /** Whether a sleeping call is watched in a thread with these context bits and spinlock holding. */
  sleepWatched(nonblock: boolean, holdsSpin: () => boolean): boolean {
    const w = this.reads.atSleep ?? [];
    return (nonblock && w.includes('nonblock')) || (w.includes('spinlock') && holdsSpin());
  }

  /**
   * What a property can see of a statement's effects, as reasons (empty: invisible). With
   * `judged`, a change of the pairs read only under `pairsWhen` and the running of a statement
   * watched by `runs` are left to the caller, which judges them where the step runs (por.ts);
   * coalescing judges statically and keeps such a step.
   */
  visibility(e: Effects, judged = false): string[] {
    const r = this.reads;
    const out: string[] = [];
    if (e.accesses === 'all') out.push('its shared accesses are unknown');
    else {
      const w = e.accesses.filter((a) => a.mode !== 'r' && this.fieldRead(a.name)).map((a) => a.name);
      if (w.length) out.push(`it writes ${[...new Set(w)].join(', ')}, which a property reads`);
    }
    if (r.pairs && e.pairs) out.push('it may open or close a start/end pair');
    else if (mayClosePairs(e) && !judged && (r.pairsWhen ?? []).length) out.push(`it may close a start/end pair, which a property reads where ${r.pairsWhen!.map((c) => c.why).join(' or ')}`);
    if (r.locks && e.locks) out.push('it takes or releases a lock');
    if (r.context && e.context) out.push('it enters a notifier callback');
    if (r.atAll) out.push('a property may look at any statement');
    const at = e.prims.filter((p) => r.atPrims?.includes(p));
    if (at.length) out.push(`a property looks at calls of ${at.join(', ')}`);
    const run = judged ? [] : [...new Set((r.runs ?? []).flatMap((w) => watchedCalls(w, e)))];
    if (run.length) out.push(`a property looks at the running of calls of ${run.join(', ')}`);
    if (e.op && r.atOps?.includes(e.op)) out.push(`a property looks at calls of ->${e.op}`);
    return out;
  }

  private analyse(): { modes: Uint8Array[]; reasons: string[][][] } {
    const p = this.program;
    const perThread = this.perThread;
    const reachers = new Map<number, number[]>();
    p.spec.threads.forEach((t, i) => {
      for (const fi of reach(p, p.fnId(t.fn))) reachers.set(fi, [...(reachers.get(fi) ?? []), i]);
    });
    /** Why an access by thread `self` conflicts with another thread's, or undefined. */
    const conflict = (a: Access, self: number): string | undefined => {
      for (let j = 0; j < perThread.length; j++) {
        if (j === self) continue;
        const other = perThread[j]!;
        if (other === 'all') return `${p.spec.threads[j]!.name} may touch anything`;
        const o = other.get(a.name);
        if (!o) continue;
        const mine = { r: a.mode === 'r', w: a.mode === 'w', inc: a.mode === 'inc' };
        if (mine.w || o.w || (mine.inc && o.r) || (mine.r && o.inc)) return `${p.spec.threads[j]!.name} also accesses ${a.name}`;
      }
      return undefined;
    };
    const modes: Uint8Array[] = [];
    const reasons: string[][][] = [];
    // Without a kworker in the scenario, queueing a work item starts no thread.
    const hasKworkers = p.spec.threads.some((t) => t.kworker !== undefined);
    p.fns.forEach((f, fi) => {
      const threads = reachers.get(fi) ?? [];
      const m = new Uint8Array(f.instrs.length);
      const why: string[][] = [];
      f.instrs.forEach((ins, pc) => {
        const e = this.effects.get(ins)!;
        const r: string[] = [];
        // A function the analysis found no thread to reach is never coalesced: if the call graph
        // missed a way to reach it, that stays safe.
        if (threads.length === 0) r.push('no thread is known to reach it');
        if (e.waits) r.push('it may wait for another thread');
        if (e.choice) r.push('it makes a non-deterministic choice');
        // Starting a thread enables that thread's steps: never coalesced (a thread's first step
        // depends on the statement that starts it).
        if (e.wakes && hasKworkers) r.push('it may start another thread (it queues a work item)');
        if (e.accesses !== 'all') {
          for (const a of e.accesses) {
            for (const t of threads) {
              const c = conflict(a, t);
              if (c) r.push(`it depends on another thread: ${c}`);
            }
          }
        }
        r.push(...this.visibility(e, true));
        const judged = this.visibility(e).filter((x) => !r.includes(x));
        const uniq = [...new Set(r)];
        const sleepWatched = e.sleeps && (this.reads.atSleep ?? []).length > 0;
        // A statement only a `runs` watch keeps is judged where the thread gets to it (as a pair's
        // closing, judged on the step by por.ts, is not here: coalescing keeps such a statement).
        const runsOnly = !uniq.length && judged.length > 0 && !mayClosePairs(e);
        why.push(runsOnly ? judged.map((x) => `${x} (where running it may make a violated property hold again)`) : [...uniq, ...judged]);
        m[pc] =
          uniq.length || (judged.length && !runsOnly)
            ? KEEP
            : runsOnly
              ? sleepWatched
                ? COALESCE_UNLESS_SLEEP_WATCHED_OR_RESTORES
                : COALESCE_UNLESS_RESTORES
              : sleepWatched
                ? COALESCE_UNLESS_SLEEP_WATCHED
                : COALESCE;
      });
      modes.push(m);
      reasons.push(why);
    });
    return { modes, reasons };
  }

  /** The accesses, by field name, of every statement of the given functions ('all' if one is unknown). */
  private threadAccesses(fns: ReadonlySet<number>): Map<string, { r: boolean; w: boolean; inc: boolean }> | 'all' {
    const m = new Map<string, { r: boolean; w: boolean; inc: boolean }>();
    for (const fi of fns) {
      for (const ins of liveInstrs(this.program, fi)) {
        const e = this.effects.get(ins)!;
        if (e.accesses === 'all') return 'all';
        for (const a of e.accesses) {
          const cur = m.get(a.name) ?? { r: false, w: false, inc: false };
          cur[a.mode] = true;
          m.set(a.name, cur);
        }
      }
    }
    return m;
  }
}

/** The field name of a shared-memory or lock key: its last component (`vma0.unmapped` -> `unmapped`). */
export function fieldOf(key: string): string {
  return key.slice(key.lastIndexOf('.') + 1);
}

/** The field names of every lock of the program (`mm.mmap_sem` -> `mmap_sem`), or of every lock of one kind. */
function lockFields(p: Program, kind?: LockState['kind']): string[] {
  let m = lockFieldCache.get(p);
  if (!m) lockFieldCache.set(p, (m = new Map()));
  let l = m.get(kind ?? 'any');
  if (!l) m.set(kind ?? 'any', (l = [...new Set(p.lockKeys.filter((k) => kind === undefined || p.spec.locks[k] === kind).map(fieldOf))]));
  return l;
}
const lockFieldCache = new WeakMap<Program, Map<string, string[]>>();

/** The effects of one statement, read from its text. */
function summarize(p: Program, f: CompiledFn, ins: Instr): Effects {
  const out: Access[] = [];
  const prims: string[] = [];
  let all = false;
  let waits = false;
  /** The semaphores of the blocking calls, while each is a task's read-side operation on a named one (undefined once one is not). */
  let waitsOnlyOn: string[] | undefined = [];
  /** The accesses a blocking primitive names as its own (its lock): left out of {@link Effects.oopsAccesses}. */
  const blocking = new Set<Access>();
  let choice = false;
  let sleeps = false;
  let locks = false;
  let pairs = false;
  let context = false;
  let wakes = false;
  let op: OpName | undefined;
  const isLocal = (name: string): boolean => f.locals.includes(name);
  /** A pointer to a struct on the thread's stack: a parameter declared so (compile.ts `stackPtrs`). */
  const onStack = (e: Expr): boolean => e.k === 'id' && f.stackPtrs.has(e.name);
  /** An access to field `name` of an object kfree() may have freed reads its `kfreed` mark (interp.ts). */
  const freedCheck = (name: string): void => {
    if (p.freeableFields.has(name)) out.push({ name: 'kfreed', mode: 'r' });
  };
  const expr = (e: Expr): void => {
    switch (e.k) {
      case 'num':
      case 'null':
      case 'str':
        return;
      case 'id':
        if (!isLocal(e.name) && p.memKeySet.has(e.name)) out.push({ name: e.name, mode: 'r' });
        return;
      case 'field':
        // A field of a struct on the thread's own stack (`range->flags`): a local of a caller.
        if (onStack(e.obj)) return;
        if (p.fieldKind(e.field) === 'mem') out.push({ name: e.field, mode: 'r' });
        freedCheck(e.field);
        return expr(e.obj);
      case 'addr':
        // An address is a reference, not a read; the object expression may still read, and taking
        // the address of a freed object's field is a use after free (the interpreter's check).
        if (e.e.k === 'field') freedCheck(e.e.field);
        return e.e.k === 'field' ? expr(e.e.obj) : undefined;
      case 'unary':
        return expr(e.e);
      case 'bin':
        expr(e.a);
        return expr(e.b);
      case 'cond':
        expr(e.c);
        expr(e.a);
        return expr(e.b);
      case 'assign':
      case 'incdec': {
        const t = e.target;
        if (t.k === 'field' && onStack(t.obj)) {
          // a field of a struct on the thread's own stack: nothing shared
        } else if (t.k === 'field') {
          if (p.fieldKind(t.field) === 'mem') out.push(storesZero(e) ? { name: t.field, mode: 'w', zero: true } : { name: t.field, mode: 'w' });
          freedCheck(t.field);
          expr(t.obj);
        } else if (t.k === 'id' && !isLocal(t.name) && p.memKeySet.has(t.name)) out.push(storesZero(e) ? { name: t.name, mode: 'w', zero: true } : { name: t.name, mode: 'w' });
        if (e.k === 'assign') expr(e.value);
        return;
      }
      case 'call': {
        if (e.callee.k !== 'id') {
          all = true;
          return;
        }
        const prim = p.primitives[e.callee.name];
        if (!prim) {
          all = true;
          return;
        }
        prims.push(e.callee.name);
        if (prim.wait) {
          waits = true;
          if (!prim.readSide || !prim.shared || !prim.access) waitsOnlyOn = undefined;
        }
        if (prim.choices) choice = true;
        if (prim.locks) locks = true;
        if (prim.wakes) wakes = true;
        if (prim.sleeps !== false) sleeps = true;
        if (prim.shared) {
          if (!prim.access) all = true;
          else {
            for (const a of prim.access(e.args, p.spec.statics)) {
              // `kfreed` marks exist only for objects a driver declares freeable (kfree, interp.ts).
              if (a.name === 'kfreed' && p.freeable.size === 0) continue;
              // A pointer held in a local (`spin_unlock(ptl)` after `ptl = pmd_lock(...)`) names no
              // field: it may be any lock (for a lock primitive) or anything at all.
              if (isLocal(a.name) || a.name === '?') {
                if (prim.wait) waitsOnlyOn = undefined;
                if (prim.locks) {
                  for (const l of lockFields(p, prim.lockKind)) {
                    const x: Access = { name: l, mode: a.mode };
                    out.push(x);
                    if (prim.wait) blocking.add(x);
                  }
                } else all = true;
              } else {
                const x: Access = prim.readSide ? { ...a, readSide: true } : a;
                out.push(x);
                if (prim.wait) blocking.add(x);
                if (prim.wait && a.mode !== 'r') waitsOnlyOn?.push(a.name);
              }
            }
          }
        }
        e.args.forEach((a, i) => {
          if (!prim.members?.includes(i)) expr(a);
        });
        return;
      }
    }
  };
  switch (ins.op) {
    case 'exec':
      ins.exprs.forEach(expr);
      ins.ghost.forEach(expr);
      break;
    case 'branch':
      expr(ins.cond);
      break;
    case 'jump':
      break;
    case 'call': {
      ins.args.forEach(expr);
      const c = ins.callee;
      if (c.k === 'field') {
        expr(c.obj);
        // `invalidate` is a notifier op only where the scenario has an interval notifier (v5.5 on): hfi1's
        // mmu_rb_ops callback of that name is a plain call through a function pointer.
        if ((OP_NAMES as readonly string[]).includes(c.field) && (c.field !== 'invalidate' || p.spec.notifiers.some((n) => n.ops.invalidate))) {
          op = c.field as OpName;
          context = true;
          // The end op consumes the pair its start opened; the start's frame records one on return.
          if (op === 'invalidate_range_end' || op === 'invalidate_range_start' || op === 'invalidate') pairs = true;
        }
      } else if (c.k === 'id' && !isLocal(c.name)) {
        // The core's end walk closes the pairs of notifiers without an end callback.
        if (c.name === p.spec.contract.coreEnd) pairs = true;
        // So does mn_itree_inv_end for the interval notifiers' pairs of the caller's range (v5.5 on).
        if (c.name === p.spec.contract.itreeEnd) pairs = true;
        // Calls of some functions are counted in a ghost variable (`ghost.calls_<name>`).
        if (p.countCalls.has(c.name)) out.push({ name: `calls_${c.name}`, mode: 'w' });
      }
      break;
    }
    case 'return':
      if (ins.value) expr(ins.value);
      ins.ghost.forEach(expr);
      break;
    case 'iter':
      expr(ins.list);
      break;
  }
  const oopsAccesses = waits ? { oopsAccesses: all ? ('all' as const) : out.filter((a) => !blocking.has(a)) } : {};
  return { accesses: all ? 'all' : out, waits, ...(waits && waitsOnlyOn?.length ? { waitsOnlyOn } : {}), choice, sleeps, locks, pairs, context, wakes, prims, ...(op ? { op } : {}), ...oopsAccesses };
}

/**
 * Semaphores only read: the field names of the rw_semaphores on which every write or lock operation
 * that a statement of the scenario's threads can run (live.ts, through the call graph of every
 * thread) is a read-side operation of a task (`Primitive.readSide`: `down_read`,
 * `down_read_trylock`, `up_read`). A field some other kind of lock also has is left out, and so is
 * every semaphore where some statement's accesses are unknown, or where a lock operation goes
 * through a pointer held in a local (it counts as a write of every semaphore).
 *
 * On such a semaphore no task ever holds it for write or waits in its queue (a reader queues only
 * behind a writer or a queued task: locks.ts), so `down_read` and `down_read_trylock` add the task
 * to the sorted list of readers at once, and `up_read` removes it (or does nothing), waking nobody.
 * Two such operations by different tasks commute and neither enables or disables the other, as two
 * increments do: the reductions count them as increments (`inc`), which commute with each other
 * and conflict with every read or write of the field. `verifyReduction` checks the premise on every
 * step: such a semaphore is never held for write and never has a waiter (interp.ts `verifyStep`).
 * (Treating two `down_read`s as commuting where a writer exists would not be sound: a reader that
 * arrives after a writer queued waits behind it.)
 */
export function readOnlySemaphores(p: Program, effects: ReadonlyMap<Instr, Effects>): Set<string> {
  const out = new Set(p.lockKeys.filter((k) => p.spec.locks[k] === 'rwsem').map(fieldOf));
  for (const k of p.lockKeys) if (p.spec.locks[k] !== 'rwsem') out.delete(fieldOf(k));
  const fns = new Set<number>();
  for (const t of p.spec.threads) for (const fi of reach(p, p.fnId(t.fn))) fns.add(fi);
  for (const fi of fns) {
    for (const ins of liveInstrs(p, fi)) {
      const e = effects.get(ins)!;
      if (e.accesses === 'all') out.clear();
      else for (const a of e.accesses) if (a.mode !== 'r' && !a.readSide) out.delete(a.name);
    }
  }
  return out;
}

/** Whether a statement may close a start/end pair: an end op call, the core's end walk, mn_itree_inv_end (a start's call only opens one, at its return). */
export function mayClosePairs(e: Effects): boolean {
  return e.pairs && e.op !== 'invalidate_range_start' && e.op !== 'invalidate';
}

/** Whether an assignment stores only 0: `x = 0` or `x = NULL` (not `x += 0`, not an increment). */
function storesZero(e: Expr & { k: 'assign' | 'incdec' }): boolean {
  return e.k === 'assign' && e.op === '=' && (e.value.k === 'null' || (e.value.k === 'num' && e.value.v === 0));
}

/**
 * The functions a thread entering at `entry` can reach: through the calls of statements the scenario
 * can run (live.ts), to named functions, op callbacks and function pointers.
 */
export function reach(p: Program, entry: number): Set<number> {
  const cache = reachCache.get(p) ?? new Map<number, Set<number>>();
  reachCache.set(p, cache);
  const hit = cache.get(entry);
  if (hit) return hit;
  const seen = new Set<number>([entry]);
  const todo = [entry];
  while (todo.length) {
    const fi = todo.pop()!;
    const f = p.fn(fi);
    for (const ins of liveInstrs(p, fi)) {
      if (ins.op !== 'call') continue;
      for (const t of callTargets(p, f, ins)) if (!seen.has(t)) (seen.add(t), todo.push(t));
    }
  }
  cache.set(entry, seen);
  return seen;
}

/** The functions a call statement of `f` may call: the named function, an op's callbacks, or any function a pointer may hold. */
export function callTargets(p: Program, f: CompiledFn, ins: Instr & { op: 'call' }): number[] {
  const { pointed, byField } = pointerTargets(p);
  const c = ins.callee;
  if (c.k === 'id' && p.hasFn(c.name) && !f.locals.includes(c.name)) return [p.fnId(c.name)];
  if (c.k === 'field') {
    const ops = p.spec.notifiers.flatMap((n) => {
      const name = n.ops[c.field as OpName];
      return name && p.hasFn(name) ? [p.fnId(name)] : [];
    });
    return [...ops, ...(byField.get(c.field) ?? []), ...pointed];
  }
  return [...pointed];
}

const reachCache = new WeakMap<Program, Map<number, Set<number>>>();

/**
 * Functions whose address is taken (passed as an argument): targets of calls through pointers; and
 * functions a static field names (a function pointer in the configuration, such as
 * `mirror->ops->sync_cpu_device_pagetables`): targets of calls through that field.
 */
function pointerTargets(p: Program): { pointed: Set<number>; byField: Map<string, number[]> } {
  const hit = pointerCache.get(p);
  if (hit) return hit;
  const r = computePointerTargets(p);
  pointerCache.set(p, r);
  return r;
}
const pointerCache = new WeakMap<Program, { pointed: Set<number>; byField: Map<string, number[]> }>();

function computePointerTargets(p: Program): { pointed: Set<number>; byField: Map<string, number[]> } {
  const pointed = new Set<number>();
  for (const f of p.fns)
    for (const ins of f.instrs) {
      // A function named as a value: an argument (`INIT_WORK(&w, fn)`), or the right side of an
      // assignment (`hva_range.on_lock = kvm_mmu_invalidate_begin`, kvm@v6.6's designated initialiser).
      const visit = (e: Expr): void => {
        if (e.k === 'id' && p.hasFn(e.name)) pointed.add(p.fnId(e.name));
        if (e.k === 'call') {
          const binds = e.callee.k === 'id' ? p.primitives[e.callee.name]?.binds : undefined;
          e.args.forEach((a, i) => {
            if (!binds?.includes(i)) visit(a);
          });
        }
        if (e.k === 'assign') visit(e.value);
        if (e.k === 'cond') {
          visit(e.a);
          visit(e.b);
        }
      };
      if (ins.op === 'call') ins.args.forEach(visit);
      if (ins.op === 'exec') ins.exprs.forEach(visit);
    }
  const byField = new Map<string, number[]>();
  for (const [k, v] of Object.entries(p.spec.statics)) {
    if (typeof v !== 'string' || !p.hasFn(v)) continue;
    const f = k.slice(k.lastIndexOf('.') + 1);
    byField.set(f, [...(byField.get(f) ?? []), p.fnId(v)]);
  }
  return { pointed, byField };
}
