/**
 * Partial-order reduction: in a state where one thread's next transition is independent of
 * everything every other thread can still do, invisible to the properties being checked, and
 * cannot close a cycle, the explorer takes that transition alone (an ample set of one action).
 *
 * Coalescing (src/model/lang/reduction.ts) runs on through statements that are independent of every
 * other thread's *whole* program. This goes further in two ways: independence is judged against
 * what the other threads can still do *from where they are* (the statements reachable from each
 * frame of their stacks), not from their entry functions, so an access that conflicts only with
 * statements another thread has already passed no longer interleaves with it; and the decision is
 * taken per state, for any thread, not only for the thread that just moved.
 *
 * ## The conditions (Clarke, Grumberg and Peled, *Model Checking*, MIT Press 1999, section 10.5;
 * Gerth, Kuiper, Peled and Penczek, "A partial order approach to branching time logic model
 * checking", ISTCS 1995, for C4)
 *
 * In a state `s`, the one enabled action `a` of thread `t` is expanded alone when:
 *
 * - **C0** `a` is enabled (it is one of `actions(s)`), so `s` keeps a successor iff it had one.
 * - **C1** (persistence) `a`'s statement cannot wait, makes no choice and starts no thread, and each
 *   shared variable or lock it may access ({@link Effects}, checked against the real accesses when
 *   the interpreter runs with `verifyReduction`) is accessed by no statement any other thread can
 *   still reach (or only read by both, or only incremented by both: those commute). A finished
 *   kworker can be started again, so its whole program counts. Left out are the statements that
 *   cannot run while `t` keeps the locks it holds: where `t` holds exclusively every lock of a field
 *   (`kvm->mmu_lock`), a statement another thread runs only holding a lock of that field (its lock
 *   set, src/model/lang/lockset.ts); no task releases another's exclusive hold, so none of them
 *   runs on a path where `t` does not move. A statement that waits for such a lock
 *   (`spin_lock(&kvm->mmu_lock)`) cannot take it there either, but it can still run to a kernel
 *   oops when its arguments name a freed object or dereference NULL (the interpreter evaluates them
 *   first, and a thread whose arguments oops is enabled): for it, what that run may access counts
 *   ({@link Effects.oopsAccesses}: its accesses but the lock's). So no sequence of other threads'
 *   actions can enable, disable or fail to commute with `a`: every path from `s` that does not take
 *   `a` is made of actions independent of it.
 * - **C2** (visibility) `a` changes nothing a property reads: the statement's static effects are
 *   invisible ({@link Reduction.visibility}), no shared variable whose field a property reads
 *   changes (compared on the successor, which also covers a kernel oops), it does not return from
 *   a notifier callback while properties read the context or the pairs, it closes no pair a
 *   property reads under a condition (`pairsWhen`: judged on the state and the successor, and C1
 *   then also asks that no other thread can still store a nonzero value in a field the condition
 *   reads; an opening is never read there, see reduction.ts `PairCondition`), it does not finish `t` where
 *   a property reads that thread's finishing (`Reduction.finishingVisible`: judged in the state, and
 *   the same in every state the other threads' independent steps lead to, since only `t` can make
 *   it hold a lock or open a pair), it does not leave `t` unable to move where properties read
 *   that, nor, releasing a lock another thread waits for (a release C1 lets through), make that
 *   thread able to move, and the statement `t` rests at after it is not one a property looks at a
 *   thread being about to run.
 * - **C3** (cycle proviso) `a` cannot close a cycle: every other thread's stack is untouched and
 *   `t`'s position strictly advances in the order of {@link advances}. That order is well founded
 *   on a thread's positions and only a backward jump (a loop), the restart of a kworker or a
 *   recursive call can go down in it, so every cycle of the reduced graph contains a transition
 *   that was not taken this way, from a state that was fully expanded. This is the static form of
 *   the proviso ("every cycle contains a fully expanded state"), which holds whatever the search
 *   order (breadth-first included: the dynamic "not on the stack" proviso of depth-first SPIN does
 *   not, see Bošnački and Holzmann, "Improving Spin's partial-order reduction for breadth-first
 *   search", SPIN 2005).
 * - **C4** the ample set is a single action.
 *
 * ## States not kept
 *
 * Where the thread that just moved can take its next step alone (C0-C4) and that step takes or
 * releases no lock, the state is not kept: the transition into it runs on through the step
 * ({@link PartialOrder.chain}, src/model/kernel-model.ts), as coalescing does for statements
 * independent of every other thread's whole program. The state has one successor in the reduced
 * graph, and properties cannot tell the two apart (C2). The step enables and disables no other
 * thread's step: by C1 it conflicts with nothing they can run before it, and a thread that waits
 * for a lock `t` holds still waits after it, since it changes no lock. So the enabled threads of the
 * state are those of its successor plus `t`, which the transition takes: a weakly fair cycle stays
 * one. A transition's statements are shown together in a trace, as coalesced ones are.
 *
 * With C0-C4 the reduced graph is stuttering bisimilar to the full one for what the properties read
 * (Gerth et al.), so every `always` property, deadlock freedom and every "from every state a goal
 * is reachable" (`alwaysReachable`) has the same verdict on both. For `eventually` under weak
 * fairness: the explorer takes the enabled-thread mask of a reduced state from all its enabled
 * actions, not only the expanded one, so a fair cycle of the reduced graph is a fair cycle of the
 * full one (no false alarm); conversely, `a` stays enabled and independent until `t` takes it, so
 * every weakly fair path of the full model takes `a`, which can be moved to the front (C1) without
 * changing what properties see (C2), and C3 bounds how long the reduced graph can postpone the
 * other threads' actions. The argument is checked, not trusted: `npm run verify:reduction`, the
 * differential test and the property-based tests compare every verdict with the unreduced model.
 */
import { clearArray } from '../../checker/arrays.ts';
import type { CompiledFn } from './compile.ts';
import type { Interpreter, KAction } from './interp.ts';
import { callTargets, fieldOf, mayClosePairs, reach, type Effects, type Reduction } from './reduction.ts';
import { keyReader, keysDiffer, topOf, type KState, type LockState, type ThreadState, type Value } from './state.ts';
import type { Program } from './program.ts';
import type { Access } from './primitives.ts';
import type { Footprint } from './footprint.ts';
import { liveStatements, liveSuccessors } from './live.ts';
import { locksets, type Locksets } from './lockset.ts';
import { exclusiveOwner } from './locks.ts';

/** How a field is accessed: read, written, incremented, and whether a write may store a nonzero value (`nz`). */
type Modes = { r: boolean; w: boolean; inc: boolean; nz: boolean };
/** Shared accesses by field name, or everything. */
type AccessSet = ReadonlyMap<string, Modes> | 'all';
/** What threads can still access: per function, per pc, from there within the function and its callees; per kworker thread that has finished, its whole program (it can be started again; nothing for other threads). */
interface Futures {
  readonly at: (fi: number) => readonly Bits[];
  readonly kworker: (tid: number) => Bits;
}

const EMPTY: AccessSet = new Map();

/**
 * How a statement of another thread can run while a thread holds every lock of some fields
 * exclusively ({@link PartialOrder.futuresUnder}): as it is, not at all (it runs only holding such
 * a lock), or only to a kernel oops before the lock it waits for is taken.
 */
type Runs = 0 | 1 | 2;
const RUNS = 0;
const NEVER = 1;
const TO_OOPS = 2;

/** What a statement may access when it runs as `runs` says. */
function accessesWhen(e: Effects, runs: Runs): readonly Access[] | 'all' {
  if (runs === NEVER) return [];
  if (runs === TO_OOPS) return e.oopsAccesses ?? e.accesses;
  return e.accesses;
}

/**
 * Accesses as bit sets over the program's fields ({@link PartialOrder}'s field numbers), one bit
 * per field in each mode, in 32-bit words: what C1's checks test, word by word, instead of looking
 * each access up by name. `all`: any field in any mode (an {@link AccessSet} of `'all'`); `some`:
 * at least one access.
 */
interface Bits {
  readonly all: boolean;
  readonly some: boolean;
  /** Fields accessed in any mode. */
  readonly any: Int32Array;
  readonly r: Int32Array;
  readonly w: Int32Array;
  readonly inc: Int32Array;
  /** Fields that may be given a nonzero value (a write not only of 0, or an increment). */
  readonly nz: Int32Array;
  /** This set's number among its {@link PartialOrder}'s (the index of its answers in another's {@link memo}). */
  readonly id: number;
  /** As `mine` in {@link conflicts}: by the other set's id, 0 not asked yet, 1 no conflict, 2 a conflict. */
  memo: Uint8Array;
  /** {@link raises} against the pair conditions' reads: 0 not asked yet, 1 no, 2 yes. */
  raisesPairs: number;
}

export class PartialOrder {
  private readonly program: Program;
  private readonly red: Reduction;
  /**
   * What threads can still access ({@link Futures}), with every statement counted, and by mask of
   * lock fields (src/model/lang/lockset.ts) a thread holds exclusively: without the statements that
   * cannot run while it does (built when a state first needs them).
   */
  private readonly futures: Futures;
  private readonly byHeld = new Map<number, Futures>();
  private readonly locksets: Locksets;
  /** Whether two memories differ in a key whose field a property reads (Reduction.readsField). */
  private readonly visibleMemDiffers: (a: KState['mem'], b: KState['mem']) => boolean;
  /** Per lockset field bit, the {@link keyReader}s of {@link Locksets.keys}: the locks of that field in a lock table. */
  private readonly locksOfField: readonly (readonly ((locks: KState['locks']) => LockState)[])[];
  /** Per function, per pc: whether the statement is a candidate at all (static part of C1 and C2). */
  private readonly candidate: Uint8Array[];
  /** Per function, per pc: whether a property looks at a thread about to run this statement. */
  private readonly watched: Uint8Array[];
  /** Per function, per pc: whether the statement may take or release a lock. */
  private readonly changesLocks: Uint8Array[];

  /** Each field any statement accesses (or a pair condition reads), numbered: its bit in {@link Bits}. */
  private readonly fieldBit = new Map<string, number>();
  /** 32-bit words per bit set. */
  private readonly words: number;
  /** Per function, per pc: a {@link candidate}'s own accesses as bits (undefined for the others). */
  private readonly mineBits: (Bits | undefined)[][];
  /**
   * Per function, per pc: whether a {@link candidate} may close a pair a property reads under a
   * condition (`pairsWhen`), so that C1 also asks that no other thread can raise the condition.
   */
  private readonly judgedAt: Uint8Array[];
  /** The fields `pairsWhen` conditions read (Reduction.pairReads), as bits. */
  private readonly pairReadBits: Int32Array;

  /**
   * Judge the run-through ({@link chain}) against what every other thread's whole program can
   * access, not against what it can still access from where it is: how far a transition runs on
   * then depends on nothing but its own thread and what it reads, so that a sleep set can name
   * its successor in a state another thread's independent step led to (src/model/lang/footprint.ts;
   * docs/checker.md, "Sleep sets"). {@link ample} is judged from where the threads are either way.
   */
  readonly staticChain: boolean;
  /** Per thread: the function it starts in, or -1 for a kworker (its whole program: {@link Futures.kworker}). */
  private readonly entry: readonly number[];

  constructor(
    private readonly ip: Interpreter,
    options: { readonly staticChain?: boolean } = {},
  ) {
    this.staticChain = options.staticChain ?? false;
    this.program = ip.program;
    this.entry = ip.program.spec.threads.map((t) => (t.kworker === undefined ? ip.program.fnId(t.fn) : -1));
    this.red = ip.reduction;
    const p = this.program;
    const number = (name: string): void => {
      if (!this.fieldBit.has(name)) this.fieldBit.set(name, this.fieldBit.size);
    };
    for (const f of p.fns) {
      for (const ins of f.instrs) {
        const acc = this.red.effectsOf(ins).accesses;
        if (acc !== 'all') for (const a of acc) number(a.name);
      }
    }
    for (const a of this.red.pairReads) number(a.name);
    this.words = Math.max(1, Math.ceil(this.fieldBit.size / 32));
    this.pairReadBits = this.bitsOf(this.red.pairReads).r;
    this.locksets = locksets(p);
    this.locksOfField = this.locksets.keys.map((keys) => keys.map((k) => keyReader<LockState>(k)));
    this.visibleMemDiffers = keysDiffer<Value>(p.memKeys.filter((k) => this.red.readsField(fieldOf(k))));
    this.futures = this.futuresUnder(0);
    const reads = this.red.reads;
    this.candidate = p.fns.map((f) =>
      Uint8Array.from(f.instrs, (ins) => {
        const e = this.red.effectsOf(ins);
        if (e.waits || e.choice || e.wakes || e.accesses === 'all') return 0;
        if (e.sleeps && (reads.atSleep ?? []).length) return 0;
        // A change of the pairs read only under a condition is judged where the step runs (C2).
        if (this.red.visibility(e, true).length) return 0;
        // Entering a callback is judged by visibility (context); its return by advance().
        return 1;
      }),
    );
    // What alone() asks of a candidate statement, found once: its accesses as bits, and whether
    // closing a pair makes C1 judge the pair conditions too (per step, a Map lookup by statement).
    this.mineBits = p.fns.map((f, fi) => f.instrs.map((ins, pc) => (this.candidate[fi]![pc] ? this.bitsOf(this.red.effectsOf(ins).accesses as readonly Access[]) : undefined)));
    const conditional = this.red.pairsConditional;
    this.judgedAt = p.fns.map((f, fi) => Uint8Array.from(f.instrs, (ins, pc) => (this.candidate[fi]![pc] && conditional && mayClosePairs(this.red.effectsOf(ins)) ? 1 : 0)));
    this.changesLocks = p.fns.map((f) => Uint8Array.from(f.instrs, (ins) => (this.red.effectsOf(ins).locks ? 1 : 0)));
    this.watched = p.fns.map((f) =>
      Uint8Array.from(f.instrs, (ins) => {
        const e = this.red.effectsOf(ins);
        if (reads.atAll) return 1;
        if (e.prims.some((x) => reads.atPrims?.includes(x))) return 1;
        if (e.op && reads.atOps?.includes(e.op)) return 1;
        if (e.sleeps && (reads.atSleep ?? []).length) return 1;
        return 0;
      }),
    );
  }

  /**
   * The index in `acts` (the enabled actions of `state`, as `Interpreter.actions` orders them) of an
   * action to expand alone, or -1 to expand them all.
   */
  ample(state: KState, acts: readonly KAction[]): number {
    this.triedState = undefined;
    clearArray(this.tried);
    if (acts.length < 2) return -1;
    // Threads with exactly one enabled action.
    for (let i = 0; i < acts.length; i++) {
      const a = acts[i]!;
      if ((i > 0 && acts[i - 1]!.tid === a.tid) || (i + 1 < acts.length && acts[i + 1]!.tid === a.tid)) continue;
      // The footprint of the successor computed here, which the transition starts with (successorOf).
      const fp = this.trialFootprint;
      const outer = this.ip.footprint;
      if (fp !== null) {
        fp.start(a.tid);
        this.ip.footprint = fp;
      }
      const next = this.alone(state, a, false);
      this.ip.footprint = outer;
      if (next === undefined) continue;
      if (fp !== null) this.keepTried(this.tried.length, fp.bits);
      this.triedState = state;
      this.tried.push({ tid: a.tid, choice: a.choice, next });
      if (this.invisibleAndAdvancing(state, a, next)) return i;
    }
    return -1;
  }

  /**
   * The successor of `state` by thread `tid`'s next step when that step may be the state's ample set
   * and changes no lock, so that `state` itself need not be kept: the explorer's transition into it
   * runs on through the step (src/model/kernel-model.ts). Undefined otherwise.
   *
   * Such a state has one successor in the reduced graph, which properties cannot tell from it (C2);
   * the step enables and disables no other thread's step (C1: it conflicts with nothing they can
   * run before `tid` moves again, and it takes or releases no lock, so a thread waiting for a lock
   * `tid` holds still waits), so the enabled threads there are those of the successor and `tid`,
   * which takes the step: weak fairness sees the same cycles. C3 bounds how long a thread runs on.
   */
  chain(state: KState, tid: number): KState | undefined {
    const t = state.threads[tid]!;
    const top = topOf(t.frames);
    // A candidate statement cannot wait and makes no choice: the thread has one enabled action unless an oops killed it.
    if (!top || t.pending || !this.candidate[top.fn]![top.pc] || this.changesLocks[top.fn]![top.pc]) return undefined;
    if (this.ip.oopsed(state, tid)) return undefined;
    const a = this.ip.action(tid, 0);
    // Recording a transition's footprint: the step tried here joins it if taken; if not, what it
    // read and wrote joins as reads (the decision read them).
    const outer = this.ip.footprint;
    const trial = this.chainFootprint;
    if (outer !== null && trial !== null) {
      trial.clear();
      this.ip.footprint = trial;
    }
    const next = this.alone(state, a, this.staticChain);
    const taken = next !== undefined && this.invisibleAndAdvancing(state, a, next);
    if (outer !== null && trial !== null) {
      this.ip.footprint = outer;
      if (taken) outer.add(trial.bits);
      else outer.addAsReads(trial.bits);
    }
    return taken ? next : undefined;
  }

  /**
   * C1 and the static part of C2 for thread `a.tid`'s one enabled action `a`: its successor when
   * they hold (computed for the dynamic part of C2, and C3), else undefined. With `whole`, C1 is
   * judged against every other thread's whole program ({@link staticChain}).
   */
  private alone(state: KState, a: KAction, whole: boolean): KState | undefined {
    const n = state.threads.length;
    const t = state.threads[a.tid]!;
    const top = t.frames[t.frames.length - 1]!;
    // A candidate's accesses are never 'all' (its static effects are known).
    if (t.pending || !this.candidate[top.fn]![top.pc]) return undefined;
    // A step that may close a pair read under a condition is judged on its state and successor
    // (C2): no other thread may make a field the condition reads nonzero before it (PairCondition:
    // its conditions need a nonzero value, so a write of 0 cannot make them hold). Opening a pair
    // (a start's call and return) is never read under a condition.
    const judged = this.judgedAt[top.fn]![top.pc] === 1;
    const fut = this.futuresFor(state, a.tid);
    const mine = this.mineBits[top.fn]![top.pc]!;
    if (whole) {
      for (let j = 0; j < n; j++) {
        if (j === a.tid) continue;
        const w = this.wholeOf(fut, j);
        if (conflicts(mine, w) || (judged && raises(this.pairReadBits, w))) return undefined;
      }
    } else {
      for (let j = 0; j < n; j++) if (j !== a.tid && (this.conflictsWith(fut, mine, state, j) || (judged && this.raisesUnder(fut, state, j)))) return undefined;
    }
    // A statement whose running a property watches (`runs`) is taken alone only where running it
    // cannot make a violated property hold (RunWatch: judged here, it holds in every state the
    // other threads' independent steps lead to, by C1 just checked).
    // A loop, not `some` with a closure: the closure's variables would be allocated on every call
    // of this function (over a million on the kernel bench), watched statement or not.
    const watches = this.red.runWatchesAt(top.fn, top.pc);
    if (watches) for (let i = 0; i < watches.length; i++) if (watches[i]!.restores(this.ip, state, a.tid)) return undefined;
    return this.ip.next(state, a);
  }

  /**
   * What the other threads can still do while thread `tid` holds the locks it holds in `state`: a
   * statement another thread could run only holding a lock of a field every lock of which `tid`
   * holds exclusively cannot run before `tid` moves again (no task releases another's exclusive
   * hold: lockset.ts), so it is left out; one that waits for such a lock (`mutex_lock`) counts only
   * with what it may access running to an oops before the lock is taken ({@link futuresUnder}).
   */
  private futuresFor(state: KState, tid: number): Futures {
    // A function of the lock table and the thread. Which thread holds every lock of each field
    // exclusively is found once for the lock table last asked about, for every thread at once
    // (siblings, and successors that take or release no lock, share the table; the ample set asks
    // for several threads of one state), and each thread's answer for its last mask is kept.
    const table = state.locks;
    if (this.maskTable !== table) this.ownerMasks(table, state.threads.length);
    const mask = this.masks[tid]!;
    if (mask === 0) return this.futures;
    if (this.heldMask[tid] === mask) return this.heldFutures[tid]!;
    let f = this.byHeld.get(mask);
    if (!f) this.byHeld.set(mask, (f = this.futuresUnder(mask)));
    this.heldMask[tid] = mask;
    this.heldFutures[tid] = f;
    return f;
  }

  /**
   * For the lock table `table` of a state of `n` threads, per thread: the mask of lock fields
   * (lockset.ts) every lock of which that thread holds exclusively (locks.ts, `ownsExclusively`).
   */
  private ownerMasks(table: KState['locks'], n: number): void {
    this.maskTable = table;
    if (this.masks.length < n) this.masks = new Int32Array(n);
    const masks = this.masks;
    masks.fill(0, 0, n);
    const fields = this.locksOfField;
    for (let i = 0; i < fields.length; i++) {
      const locks = fields[i]!;
      // The thread holding the field's first lock exclusively, if it holds all of them so.
      let owner = exclusiveOwner(locks[0]!(table));
      for (let k = 1; k < locks.length && owner >= 0; k++) if (exclusiveOwner(locks[k]!(table)) !== owner) owner = -1;
      if (owner >= 0 && owner < n) masks[owner] = masks[owner]! | (1 << i);
    }
  }
  /** The lock table {@link ownerMasks} last looked at, and its masks by thread. */
  private maskTable: KState['locks'] | undefined;
  private masks = new Int32Array(0);
  /** Per thread, the nonzero mask {@link futuresFor} last answered for it, and its answer. */
  private readonly heldMask: number[] = [];
  private readonly heldFutures: Futures[] = [];

  /**
   * Whether thread `tid` can still store a nonzero value in a field a `pairsWhen` condition reads,
   * before thread `holder` moves again (with the locks it holds in `state`).
   */
  mayRaise(state: KState, tid: number, holder: number): boolean {
    return this.raisesUnder(this.futuresFor(state, holder), state, tid);
  }

  private raisesUnder(fut: Futures, state: KState, tid: number): boolean {
    const frames = state.threads[tid]!.frames;
    const reads = this.pairReadBits;
    if (frames.length === 0) return raises(reads, fut.kworker(tid));
    for (let i = 0; i < frames.length; i++) {
      const fr = frames[i]!;
      if (raises(reads, fut.at(fr.fn)[fr.pc]!)) return true;
    }
    return false;
  }

  /** What thread `j`'s whole program can access (from its start; a kworker's, from any start), under `fut`'s locks. */
  private wholeOf(fut: Futures, j: number): Bits {
    const fi = this.entry[j]!;
    return fi < 0 ? fut.kworker(j) : fut.at(fi)[0]!;
  }

  /**
   * Whether accesses `mine` fail to commute with something thread `tid` can still access from where
   * it is: with what some frame of its stack can still reach (a conflict with the union of the
   * frames' futures is a conflict with one of them, so the union is never built).
   */
  private conflictsWith(fut: Futures, mine: Bits, state: KState, tid: number): boolean {
    const frames = state.threads[tid]!.frames;
    if (frames.length === 0) return conflicts(mine, fut.kworker(tid));
    for (let i = 0; i < frames.length; i++) {
      const fr = frames[i]!;
      if (conflicts(mine, fut.at(fr.fn)[fr.pc]!)) return true;
    }
    return false;
  }

  /**
   * A successor {@link ample} computed, for C2 and C3, in the state it was last asked about: the one
   * of the action it chose, which the explorer takes next, or one of an action it tried and
   * rejected, which the explorer takes when it expands every action. None is computed twice.
   */
  successorOf(state: KState, a: KAction): KState | undefined {
    if (state !== this.triedState) return undefined;
    const tried = this.tried;
    for (let i = 0; i < tried.length; i++) {
      const t = tried[i]!;
      if (t.tid === a.tid && t.choice === a.choice) {
        this.triedAt = i;
        return t.next;
      }
    }
    return undefined;
  }

  /**
   * Record the footprint (src/model/lang/footprint.ts) of each successor {@link ample} computes, for
   * {@link triedBits}: the model records the rest of a transition's.
   */
  recordFootprints(fp: Footprint, chain: Footprint): void {
    this.trialFootprint = fp;
    this.chainFootprint = chain;
  }
  private trialFootprint: Footprint | null = null;

  /** Keep the footprint `bits` of the `i`-th successor tried, in {@link triedBits}. */
  private keepTried(i: number, bits: Int32Array): void {
    const w = bits.length;
    if (this.triedBits.length < (i + 1) * w) {
      const grown = new Int32Array(2 * (i + 1) * w);
      grown.set(this.triedBits);
      this.triedBits = grown;
    }
    for (let k = 0; k < w; k++) this.triedBits[i * w + k] = bits[k]!;
  }
  /** Where {@link chain} records the step it tries, while a transition's footprint is recorded. */
  private chainFootprint: Footprint | null = null;
  /**
   * With {@link recordFootprints}: the footprints of the successors tried, one after another (as
   * `Footprint.bits`); the one {@link successorOf} last returned is at {@link triedAt}.
   */
  triedBits = new Int32Array(0);
  triedAt = 0;

  /** The state {@link ample} was last asked about, when it computed successors in it ({@link tried}). */
  private triedState: KState | undefined;
  private readonly tried: { readonly tid: number; readonly choice: number; readonly next: KState }[] = [];

  /** C2 on the successor, and C3. */
  private invisibleAndAdvancing(state: KState, a: KAction, next: KState): boolean {
    const reads = this.red.reads;
    const t = state.threads[a.tid]!;
    const top = t.frames[t.frames.length - 1]!;
    const ins = this.program.fn(top.fn).instrs[top.pc]!;
    if (ins.op === 'return') {
      if (t.frames.length === 1 && this.red.finishingVisible(a.tid, next.pairs, next.locks)) return false;
      if (top.op && (reads.context || (reads.pairs && (top.op.kind === 'invalidate_range_start' || top.op.kind === 'invalidate')))) return false;
    }
    for (let j = 0; j < state.threads.length; j++) if (j !== a.tid && next.threads[j] !== state.threads[j]) return false;
    const u = next.threads[a.tid]!;
    if (!advances(t, u)) return false;
    if (u.frames.length === 0) {
      if (this.red.finishingVisible(a.tid, next.pairs, next.locks)) return false;
    } else {
      const nt = u.frames[u.frames.length - 1]!;
      if (this.watched[nt.fn]![nt.pc]) return false;
      if (reads.enabled && this.ip.waitOf(next, a.tid)) return false;
    }
    if (next.mem !== state.mem && this.visibleMemDiffers(state.mem, next.mem)) return false;
    // A `pairsWhen` condition reads memory the step need not name (footprint.ts).
    if (next.pairs !== state.pairs && this.red.pairsConditional) this.ip.footprint?.readAllMem();
    if (this.red.pairsRead(state.pairs, next.pairs, state.mem, next.mem)) return false;
    if (reads.locks && next.locks !== state.locks) return false;
    // A release C1 let through (another thread waits for the lock: lockset.ts) enables that thread,
    // which a property that reads who can move sees.
    if (reads.enabled && next.locks !== state.locks) {
      for (let j = 0; j < state.threads.length; j++) if (j !== a.tid && (this.ip.waitOf(state, j) === null) !== (this.ip.waitOf(next, j) === null)) return false;
    }
    return true;
  }

  /**
   * What every thread can still access from each position while another thread holds every lock of
   * the fields in `held` (a mask over the lock sets' fields): a statement whose lock set has such a
   * field cannot run then, and one that waits for such a lock can run only to a kernel oops before
   * its lock is taken (its arguments name a freed object, or dereference NULL), with that run's
   * accesses ({@link Effects.oopsAccesses}).
   */
  private futuresUnder(held: number): Futures {
    const p = this.program;
    const ls = this.locksets;
    const runs = (fi: number, pc: number): Runs => {
      if (held === 0) return RUNS;
      if ((ls.held[fi]![pc]! & held) !== 0) return NEVER;
      return (ls.waitsFor[fi]![pc]! & held) !== 0 ? TO_OOPS : RUNS;
    };
    // Built per function when first asked for: a state needs the functions its threads are in.
    const fnAccesses: (AccessSet | undefined)[] = [];
    const fnAccessesOf = (fi: number): AccessSet => {
      let a = fnAccesses[fi];
      if (a) return a;
      const f = p.fn(fi);
      const out = new Map<string, Modes>();
      const live = liveStatements(p, fi);
      a = out;
      for (let pc = 0; pc < f.instrs.length; pc++) {
        if (!live[pc]) continue;
        const acc = accessesWhen(this.red.effectsOf(f.instrs[pc]!), runs(fi, pc));
        if (acc === 'all') {
          a = 'all';
          break;
        }
        add(out, acc);
      }
      return (fnAccesses[fi] = a);
    };
    const whole: (AccessSet | undefined)[] = [];
    const wholeOf = (fi: number): AccessSet => (whole[fi] ??= this.union([...reach(p, fi)].map(fnAccessesOf)));
    const at: (readonly Bits[] | undefined)[] = [];
    const kworker = p.spec.threads.map((t) => (t.kworker === undefined ? undefined : p.fnId(t.fn)));
    const kworkerBits: (Bits | undefined)[] = [];
    return {
      at: (fi) => (at[fi] ??= this.futuresOf(p.fn(fi), fi, wholeOf, runs).map((x) => this.bitsOf(x))),
      kworker: (tid) => {
        const fi = kworker[tid];
        return (kworkerBits[tid] ??= this.bitsOf(fi === undefined ? EMPTY : wholeOf(fi)));
      },
    };
  }

  /**
   * Per pc of `f` (function `fi`): the accesses of the statements reachable from it in `f` (past
   * branches the scenario takes one way only, live.ts), and of every function those may call; a
   * statement `runs` says cannot run counts for nothing (what follows it still counts), and one it
   * says runs only to an oops for that run's accesses (it calls nothing then).
   */
  private futuresOf(f: CompiledFn, fi: number, whole: (fi: number) => AccessSet, runs: (fi: number, pc: number) => Runs): AccessSet[] {
    const n = f.instrs.length;
    const succ = (pc: number): readonly number[] => liveSuccessors(this.program, fi, pc);
    const own: AccessSet[] = f.instrs.map((ins, pc) => {
      const r = runs(fi, pc);
      const acc = accessesWhen(this.red.effectsOf(ins), r);
      if (acc === 'all') return 'all';
      const m = new Map<string, Modes>();
      add(m, acc);
      if (ins.op !== 'call' || r !== RUNS) return m;
      // The callees' statements: every function this call may reach.
      return this.union([m, ...callTargets(this.program, f, ins).map(whole)]);
    });
    return Array.from({ length: n }, (_, pc) => {
      const seen = new Set<number>();
      const todo = [pc];
      const parts: AccessSet[] = [];
      while (todo.length) {
        const q = todo.pop()!;
        if (q < 0 || q >= n || seen.has(q)) continue;
        seen.add(q);
        parts.push(own[q]!);
        todo.push(...succ(q));
      }
      return this.union(parts);
    });
  }

  /** {@link Bits} made so far (the next one's id). */
  private bitsCount = 0;

  /** Accesses (a statement's, or an {@link AccessSet}) as {@link Bits}. */
  private bitsOf(acc: readonly Access[] | AccessSet): Bits {
    const W = this.words;
    const b = { all: acc === 'all', some: acc === 'all', any: new Int32Array(W), r: new Int32Array(W), w: new Int32Array(W), inc: new Int32Array(W), nz: new Int32Array(W), id: this.bitsCount++, memo: NO_ANSWERS, raisesPairs: 0 };
    if (acc === 'all') return b;
    const set = (name: string, m: Modes): void => {
      const i = this.fieldBit.get(name);
      if (i === undefined) throw new Error(`internal error: partial-order reduction met field ${name}, which no statement accesses`);
      const k = i >> 5;
      const bit = 1 << (i & 31);
      b.some = true;
      b.any[k]! |= bit;
      if (m.r) b.r[k]! |= bit;
      if (m.w) b.w[k]! |= bit;
      if (m.inc) b.inc[k]! |= bit;
      if (m.nz) b.nz[k]! |= bit;
    };
    if (Array.isArray(acc)) {
      const m = new Map<string, Modes>();
      add(m, acc as readonly Access[]);
      for (const [name, modes] of m) set(name, modes);
    } else for (const [name, modes] of acc as ReadonlyMap<string, Modes>) set(name, modes);
    return b;
  }

  private union(parts: readonly AccessSet[]): AccessSet {
    const out = new Map<string, Modes>();
    for (const p of parts) {
      if (p === 'all') return 'all';
      for (const [k, v] of p) {
        const cur = out.get(k);
        if (!cur) out.set(k, { ...v });
        else {
          cur.r ||= v.r;
          cur.w ||= v.w;
          cur.inc ||= v.inc;
          cur.nz ||= v.nz;
        }
      }
    }
    return out;
  }
}

function add(m: Map<string, Modes>, accesses: readonly Access[]): void {
  for (const a of accesses) {
    const cur = m.get(a.name) ?? { r: false, w: false, inc: false, nz: false };
    cur[a.mode] = true;
    if (a.mode === 'inc' || (a.mode === 'w' && !a.zero)) cur.nz = true;
    m.set(a.name, cur);
  }
}

const NO_ANSWERS = new Uint8Array(0);

/**
 * Whether some access in `other` may store a nonzero value in one of the fields `reads` (bits)
 * holds. `reads` is always the pair conditions' ({@link PartialOrder}'s `pairReadBits`), so the
 * answer is kept in `other`.
 */
function raises(reads: Int32Array, other: Bits): boolean {
  if (other.raisesPairs === 0) other.raisesPairs = raisesOf(reads, other) ? 2 : 1;
  return other.raisesPairs === 2;
}

function raisesOf(reads: Int32Array, other: Bits): boolean {
  if (other.all) return true;
  const nz = other.nz;
  for (let k = 0; k < reads.length; k++) if ((reads[k]! & nz[k]!) !== 0) return true;
  return false;
}

/**
 * Whether accesses `mine` fail to commute with some access in `other` ({@link conflictsOf}), the
 * answer kept in `mine` by `other`'s id: the same statement meets the same futures again and
 * again, and a lookup costs less than the words compared (issue 12, item 3).
 */
function conflicts(mine: Bits, other: Bits): boolean {
  const id = other.id;
  let memo = mine.memo;
  if (id < memo.length) {
    const v = memo[id]!;
    if (v !== 0) return v === 2;
  } else {
    const grown = new Uint8Array(Math.max(64, 2 * (id + 1)));
    grown.set(memo);
    mine.memo = memo = grown;
  }
  const r = conflictsOf(mine, other);
  memo[id] = r ? 2 : 1;
  return r;
}

/**
 * Whether accesses `mine` fail to commute with some access in `other`: a field both access where
 * either writes, or one increments and the other reads (reads commute, increments commute).
 */
function conflictsOf(mine: Bits, other: Bits): boolean {
  if (other.all) return mine.some;
  const { any: ma, r: mr, w: mw, inc: mi } = mine;
  const { any: oa, r: or, w: ow, inc: oi } = other;
  for (let k = 0; k < ma.length; k++) {
    if (((mw[k]! & oa[k]!) | (ma[k]! & ow[k]!) | (mi[k]! & or[k]!) | (mr[k]! & oi[k]!)) !== 0) return true;
  }
  return false;
}

/**
 * Whether a thread's position strictly advances from `a` to `b`: its stacks compared frame by frame
 * from the outermost, a missing frame counting as past every instruction (a call moves the caller
 * past the call and adds a frame: up; a return removes the frame: up; a finished thread is past
 * everything). Going down, or sideways into another function at the same depth, is not advancing.
 */
export function advances(a: ThreadState, b: ThreadState): boolean {
  const n = Math.max(a.frames.length, b.frames.length);
  for (let i = 0; i < n; i++) {
    const x = a.frames[i];
    const y = b.frames[i];
    if (!x) return false; // b has a frame where a has none: b went down from "past everything"
    if (!y) return true;
    if (x.fn !== y.fn) return false;
    if (y.pc > x.pc) return true;
    if (y.pc < x.pc) return false;
  }
  return !a.pending && !!b.pending;
}
