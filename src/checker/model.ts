/**
 * The model interface every `mnc` exploration runs on, in the shape of stateright's `Model` trait.
 *
 * Nothing here knows about the kernel: `src/model` implements this interface for kernel scenarios,
 * and the fixtures in `test/checker` implement it for textbook models.
 *
 * States are immutable values. The engine never mutates a state it receives; a model must not
 * mutate a state either once it has returned it (Immer snapshots satisfy this by construction).
 */

/**
 * Receives the canonical encoding of a state, value by value. Two states are the same state for the
 * checker exactly when they feed the same sequence of values. The engine's implementation streams
 * the values into a 64-bit fingerprint without allocating; a test may use {@link StringEncoder} to
 * see the encoding as text.
 */
export interface Encoder {
  /** A 32-bit integer (signed or unsigned; it is taken modulo 2^32). */
  int(value: number): void;
  /** A string; its length is part of the encoding, so `str("ab"); str("c")` differs from `str("a"); str("bc")`. */
  str(value: string): void;
  /** A boolean. */
  bool(value: boolean): void;
}

/** What the engine knows of one thread of a state: used by deadlock reports and weak fairness. */
export interface ThreadInfo {
  /** The thread's name as a report shows it, e.g. `oom_reaper`. */
  readonly name: string;
  /** True once the thread has run to completion. A finished thread is never part of a deadlock. */
  readonly finished: boolean;
  /** What the thread waits for, when it cannot move: e.g. `down_write(&amn->lock), held for read by munmap`. */
  readonly waitingFor?: string;
  /** Where the thread is, e.g. `amdgpu_mn_read_lock() at drivers/gpu/drm/amd/amdgpu/amdgpu_mn.c:184`. */
  readonly location?: string;
}

/** The kinds of property the engine checks. Their exact semantics are on the constructors in {@link Property}. */
export type PropertyKind = 'always' | 'sometimes' | 'deadlock' | 'reachable' | 'eventually';

/** Fairness assumed by an `eventually` property. */
export type Fairness = 'none' | 'weak';

interface PropertyBase {
  /** Unique among a model's properties; reports and replay tokens name properties by it. */
  readonly name: string;
}

export interface AlwaysProperty<S> extends PropertyBase {
  readonly kind: 'always';
  readonly holds: (state: S) => boolean;
}

export interface SometimesProperty<S> extends PropertyBase {
  readonly kind: 'sometimes';
  readonly holds: (state: S) => boolean;
}

export interface DeadlockProperty extends PropertyBase {
  readonly kind: 'deadlock';
}

export interface ReachableProperty<S> extends PropertyBase {
  readonly kind: 'reachable';
  readonly goal: (state: S) => boolean;
  /**
   * The property is about one thread (e.g. "this thread can always still move"): its index. Under
   * {@link Model.symmetry} the engine decides the properties about the threads of one class
   * together (the property about thread `t` is violated iff some state reachable in the model
   * leaves `t` unable to reach its goal, and symmetric states do so for `t`'s class mates).
   */
  readonly thread?: number;
}

export interface EventuallyProperty<S> extends PropertyBase {
  readonly kind: 'eventually';
  readonly goal: (state: S) => boolean;
  readonly fairness: Fairness;
}

export type Property<S> =
  | AlwaysProperty<S>
  | SometimesProperty<S>
  | DeadlockProperty
  | ReachableProperty<S>
  | EventuallyProperty<S>;

/** Constructors for the property kinds, named as in stateright. */
export const Property = {
  /**
   * Safety. Holds iff `holds(s)` is true in every reachable state `s` that lies within the boundary.
   * A violation's counterexample is a path from an initial state to a state where `holds` is false;
   * breadth-first search gives a shortest one.
   */
  always<S>(name: string, holds: (state: S) => boolean): AlwaysProperty<S> {
    return { kind: 'always', name, holds };
  },

  /**
   * Reachability. Holds iff some reachable state within the boundary satisfies `holds`. When it
   * holds, the result carries the path to the first such state found as an example. It is
   * violated only by a complete exploration that found no example (the violation has no path).
   */
  sometimes<S>(name: string, holds: (state: S) => boolean): SometimesProperty<S> {
    return { kind: 'sometimes', name, holds };
  },

  /**
   * Deadlock freedom. Violated by a reachable state, within the boundary, in which the model
   * enables no action while at least one thread of {@link Model.threads} has not finished. The
   * counterexample ends in that state and lists every thread with what it waits for.
   * Requires {@link Model.threads}. A state with no enabled action in which every thread has
   * finished is a normal end, not a deadlock.
   */
  deadlockFree(name = 'deadlock-free'): DeadlockProperty {
    return { kind: 'deadlock', name };
  },

  /**
   * Liveness, first form ("AG EF goal"). Holds iff from every reachable state within the boundary a
   * state satisfying `goal` is still reachable. Checked on the explored graph after exploration:
   * the engine marks every state that can still reach a goal (by strongly connected components in
   * reverse topological order, which is the same as a backward search from the goal states); any
   * reachable state within the boundary left unmarked is a violation, reported as a path to it (no
   * cycle is needed: from that state no continuation reaches the goal). Needs the whole graph, so it
   * is decided only by a complete exploration. States outside the boundary have no successors; they
   * count as goals when they satisfy `goal`, and are not themselves required to reach one.
   */
  alwaysReachable<S>(name: string, goal: (state: S) => boolean, options: { thread?: number } = {}): ReachableProperty<S> {
    return options.thread === undefined ? { kind: 'reachable', name, goal } : { kind: 'reachable', name, goal, thread: options.thread };
  },

  /**
   * Liveness, second form ("every run reaches the goal"). Holds iff every maximal run from an
   * initial state that satisfies the fairness assumption passes through a state satisfying `goal`.
   *
   * - A transition is an enabled action whose `nextState` is defined. A maximal run is infinite, or
   *   ends in a state without transitions (a dead end); a run that ends is taken to stutter there
   *   forever, so a reachable goal-free dead end is a violation whose lasso has an empty cycle.
   * - `fairness: 'none'`: every run counts. Violated iff, in the graph of reachable states restricted
   *   to states within the boundary where `goal` is false and reached from an initial state through
   *   such states only, there is a cycle or a dead end.
   * - `fairness: 'weak'`: only runs that are weakly fair to every thread count: a thread that is
   *   enabled (has a transition, by {@link Model.actionThread}) in every state from some point on
   *   must take a step infinitely often. Violated iff the goal-free subgraph above has a dead end, or
   *   a strongly connected component C with at least one edge such that every thread is either
   *   disabled in some state of C or takes a step along some edge inside C. Requires
   *   {@link Model.actionThread} (thread indices 0 to 31).
   *
   * The counterexample is a lasso: a prefix from an initial state, then a cycle that returns to the
   * state where it began ({@link Counterexample.loopStart}); under weak fairness the cycle, repeated
   * forever, is itself a weakly fair run. Checked on the explored graph after a complete
   * exploration. A run that leaves the boundary is not judged: a state whose transitions all lead
   * outside the boundary (or to goal states) is not a dead end.
   */
  eventually<S>(name: string, goal: (state: S) => boolean, options: { fairness: Fairness } = { fairness: 'weak' }): EventuallyProperty<S> {
    return { kind: 'eventually', name, goal, fairness: options.fairness };
  },
} as const;

/**
 * A transition system to explore, in the shape of stateright's `Model`.
 */
export interface Model<S, A> {
  /** The initial states, in a fixed order (replay tokens index into it). */
  initStates(): readonly S[];
  /**
   * Push the actions enabled in `state` onto `out`, in a deterministic order (replay tokens index
   * into it). `out` arrives empty.
   */
  actions(state: S, out: A[]): void;
  /**
   * The state an action leads to, or `undefined` when the action turns out to change nothing that
   * the model wants to explore (it is then not a transition).
   */
  nextState(state: S, action: A): S | undefined;
  /** The properties to check. */
  properties(): readonly Property<S>[];
  /** States for which this returns false are recorded but not expanded. Defaults to true. */
  withinBoundary?(state: S): boolean;
  /** One line naming an action, for counterexamples. `state` is the state the action is taken in. */
  formatAction(action: A, state: S): string;
  /** A human-readable rendering of a state (may span lines). */
  formatState(state: S): string;
  /** Feed the canonical encoding of `state` to `out` (see {@link Encoder}). */
  encode(state: S, out: Encoder): void;
  /** The threads of a state, in a fixed order. Needed by deadlock checking and weak fairness. */
  threads?(state: S): readonly ThreadInfo[];
  /** The index, in {@link threads}, of the thread that takes `action`. Needed by weak fairness. */
  actionThread?(action: A, state: S): number;
  /**
   * Partial-order reduction: the index in `actions` (every action enabled in `state`, as
   * {@link actions} pushed them) of one action whose expansion alone preserves every property's
   * verdict, or -1 to expand them all. The model answers for the soundness (the kernel model's
   * conditions are in src/model/lang/por.ts); the explorer still takes weak fairness's enabled threads
   * from every action.
   */
  ample?(state: S, actions: readonly A[]): number;
  /**
   * Symmetry reduction: when present, the explorer keeps one state per orbit of the thread
   * permutations within {@link Symmetry.classes} (see {@link Symmetry} for what the model
   * guarantees). Paths and counterexamples stay paths of the model itself: the engine maps them
   * back through the permutations (src/checker/symmetry.ts).
   */
  readonly symmetry?: Symmetry<S>;
  /**
   * Sleep sets (issue 12, item 1): what the breadth-first explorer needs to name a transition's
   * successor without running it ({@link SleepSets}). Called once, by an explorer that will use
   * them, before its first step; undefined where the model cannot (the explorer then runs every
   * transition).
   */
  sleepSets?(): SleepSets<S, A> | undefined;
  /**
   * Carried fingerprinting (issue 12, item 3): what encoding a successor learned, kept beside it
   * until it is expanded ({@link Carry}). Called once, by an explorer that keeps states in levels
   * (breadth-first), before its first step; undefined where the model has nothing to carry.
   */
  carry?(): Carry<S> | undefined;
}

/**
 * What a model learns by fingerprinting a state and would otherwise learn again when the state is
 * expanded: the kernel model fingerprints a successor against the state it was stepped from, part
 * by part (src/model/kernel-model.ts `encode`), and its successors in turn against it, which needs
 * each of its parts' hashes. A breadth-first explorer expands a state a level after it encoded it;
 * it keeps these words beside the state in its level (src/checker/level.ts), and gives them back
 * before the expansion. The words are the model's own; the explorer only stores them.
 *
 * The model guarantees: after {@link Model.encode} of `state` into the explorer's fingerprint
 * encoder, {@link save} of the same `state` appends words (or nothing, returning false) that
 * {@link resume} of `state` accepts; resuming changes no fingerprint, only the work of computing
 * the fingerprints of `state`'s successors.
 */
export interface Carry<S> {
  /**
   * Append to `out` (a segment begun: {@link Words.begin}) what the last {@link Model.encode} (of
   * `state`, into the explorer's fingerprint encoder) learned; false (nothing appended) where it
   * has nothing.
   */
  save(state: S, out: Words): boolean;
  /**
   * Before `state` is expanded: take back the words {@link save} appended for it, `buf[from..to)`,
   * which nothing writes again (the model may read them where they are, after it returns).
   */
  resume(state: S, buf: Int32Array, from: number, to: number): void;
}

/**
 * Words written one segment after another into chunks that are only ever appended to: a segment,
 * once written, stays where it is ({@link buf} from {@link start} to {@link length} when it was
 * written), so that it can be read there later without a copy. {@link begin} starts a segment;
 * {@link room} makes room for more of it, moving the segment begun so far to a new chunk where the
 * current one is full (the old chunk is not written again until it is reused: {@link advance}).
 */
export class Words {
  buf: Int32Array;
  /** Where the segment being written begins in {@link buf}. */
  start = 0;
  length = 0;

  /** The first chunk's size, and the largest a chunk grows to. */
  private readonly first: number;
  private readonly most: number;
  /** The epoch being written ({@link advance}); -1 until the first advance (no chunk is reused). */
  private epoch = -1;
  /** Full chunks, oldest first, each with the epoch it was last written in (while {@link epoch} >= 0). */
  private readonly full: Int32Array[] = [];
  private readonly fullLast: number[] = [];
  /** Chunks no segment of which can be read again, to be written again. */
  private readonly spare: Int32Array[] = [];

  constructor(first = 4096, most = 1 << 20) {
    this.first = first;
    this.most = most;
    this.buf = new Int32Array(first);
  }

  /** Start a segment at {@link length}. */
  begin(): void {
    this.start = this.length;
  }

  /**
   * A new epoch begins: a breadth-first level's expansion (Explorer.nextLevel). The caller
   * promises that a segment written in epoch `e` is read only in epochs `e` and `e + 1` (the words
   * kept for a state of the next level, read when that level is expanded), and that whatever read
   * it in place lets go of it in epoch `e + 2` at the latest (a model's recording resumed from
   * carried words is replaced by the next expansion's). A chunk last written in epoch `e` is then
   * written again from epoch `e + 3` on, instead of a new one: a new chunk's memory is first
   * touched as its words are written, page by page, and the kernel bench wrote about 170 MB of
   * carried words into new chunks, each dropped a level later (twenty-second session).
   */
  advance(): void {
    this.epoch++;
    const full = this.full;
    const last = this.fullLast;
    let k = 0;
    while (k < full.length && last[k]! <= this.epoch - 3) this.spare.push(full[k++]!);
    if (k > 0) {
      full.splice(0, k);
      last.splice(0, k);
    }
  }

  /** Make room for `n` more words of the segment being written (after {@link length}). */
  room(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    // A new chunk, twice the last one's size up to `most` (1,048,576 words), the segment so far
    // moved there: a spare one of that size at least where there is one (smaller spares are dropped).
    const seg = this.length - this.start;
    const size = Math.max(seg + n, Math.min(this.most, Math.max(this.first, 2 * this.buf.length)));
    let b: Int32Array | undefined;
    while (b === undefined && this.spare.length > 0) {
      const c = this.spare.pop()!;
      if (c.length >= size) b = c;
    }
    b ??= new Int32Array(size);
    b.set(this.buf.subarray(this.start, this.length));
    if (this.epoch >= 0) {
      this.full.push(this.buf);
      this.fullLast.push(this.epoch);
    }
    this.buf = b;
    this.start = 0;
    this.length = seg;
  }
}

/**
 * Sleep sets (P. Godefroid, *Partial-Order Methods for the Verification of Concurrent Systems*,
 * LNCS 1032, 1996, ch. 5), used to *name* successors, not to leave states out: a transition `z`
 * taken in state `p` whose footprint commutes with that of a transition `b` taken in `p` too is
 * enabled in `b`'s successor `s` and leads there to the state `z` then `b` leads to, which differs
 * from `s` as `z`'s successor differs from `p`. The model's fingerprint being a sum of its parts'
 * hashes, that difference is two 32-bit lane sums, and the successor's fingerprint is `s`'s
 * shifted by them. The explorer skips running `z` in `s` only where that fingerprint is already in
 * the visited set, so every state is still reached and every edge recorded (src/checker/explorer.ts).
 *
 * The model guarantees: after {@link Model.nextState} from `p` by `a` and {@link Model.encode} of
 * its successor into the explorer's fingerprint encoder, {@link lastTransition} writes a footprint such
 * that, for two transitions of different threads from the same state whose footprints
 * {@link commute}: each stays enabled after the other (the same action: {@link actionId}), the two
 * orders lead to the same state, and each changes the fingerprint's sums by the same amount in
 * either order; and {@link encodeShifted} of a state and a transition's shift gives the
 * fingerprint of the successor. A claim: the explorer checks it under `verifySleepSets`.
 */
export interface SleepSets<S, A> {
  /** 32-bit words of a transition's record: its footprint, then its shift. */
  readonly recordWords: number;
  /** A number naming `action` among the actions of every state (the same action in two states: the same number). */
  actionId(action: A): number;
  /**
   * The record of the transition {@link Model.nextState} last ran, whose successor
   * {@link Model.encode} last encoded, into `out` from `at`. False when the model cannot name it
   * (it then takes no part in sleep sets).
   */
  lastTransition(out: Int32Array, at: number): boolean;
  /** Whether the transitions of two records (of different threads), at `a[ai]` and `b[bi]`, commute. */
  commute(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number): boolean;
  /** Feed `enc` (reset, to be finished by the caller) the fingerprint of `state` shifted by the shift of the record at `rec[at]`. */
  encodeShifted(state: S, rec: ArrayLike<number>, at: number, enc: Encoder): void;
}

/**
 * Interchangeable threads (issue 12, item 2). The model guarantees, for every permutation `g` of
 * thread indices that maps each class onto itself and fixes every other thread:
 *
 * - every initial state `s` satisfies `g·s = s`;
 * - the transitions are equivariant: if the `k`-th action of thread `t` in `s` (counting only
 *   `t`'s actions, in `actions()` order) leads to `s'`, then the `k`-th action of thread `g[t]` in
 *   `g·s` leads to `g·s'`, and `threads()` / `actionThread` / `withinBoundary` agree with `g`;
 * - every property is invariant under `g`, except the per-thread liveness properties marked
 *   {@link ReachableProperty.thread}, of which `g` maps the one about thread `t` to the one about
 *   `g[t]`.
 *
 * `npm run verify:reduction` and the differential tests check these claims on every built-in
 * scenario; test/model/lang/symmetry.test.ts checks them state by state.
 */
export interface Symmetry<S> {
  /** Classes of interchangeable threads: disjoint, each of at least two thread indices, sorted. */
  readonly classes: readonly (readonly number[])[];
  /**
   * A representative of `state`'s orbit, `g·state` for some permutation `g` as above, and `g`
   * written to `perm` (`perm[t]` = the index thread `t` has in the result; `perm.length` = the
   * number of threads). Deterministic. The closer to one representative per orbit, the more the
   * reduction saves; any `g` is sound. May return `state` itself, or an equal state made of other
   * objects (then `perm` is the identity).
   */
  canonical(state: S, perm: Uint8Array): S;
  /**
   * Optional, with {@link orbitUnique} and {@link imagePerm} (the three come together): threads
   * interchangeable in `state` itself. Writes to `twin[t]`, for each thread `t`,
   * a thread `u <= t` of `t`'s class such that the transposition `(u t)` maps `state` to itself
   * (`t` itself when there is none) and returns true, or returns false when it finds no such pair
   * (`twin` is then not to be read). A claim: a `u` that does not fix the state is a bug. Where
   * `(u t)·state = state`, the `k`-th action of `t` leads to `(u t)·s'` when the `k`-th action of
   * `u` leads to `s'` (equivariance), so the explorer records that edge without computing it when
   * {@link orbitUnique} holds for the representative of `s'` (see Explorer.expand).
   */
  twins?(state: S, twin: Int32Array): boolean;
  /**
   * Optional, with {@link twins}: whether {@link canonical} gives every state of the orbit of
   * `rep` (a state it returned) the representative `rep` itself. A claim, like {@link twins}.
   */
  orbitUnique?(rep: S): boolean;
  /**
   * With {@link twins}: where {@link canonical} gave `rep` and `perm` for some state `x` and
   * {@link orbitUnique} holds for `rep`, write to `out` the permutation it gives for `g·x` (whose
   * representative is `rep` too). Several permutations map `g·x` to `rep` where `rep` has twins;
   * the liveness graph records, and path reconstruction follows, the one `canonical` gives.
   */
  imagePerm?(rep: S, perm: Uint8Array, g: Uint8Array, out: Uint8Array): void;
}

/**
 * The actions of `state` the explorer expands, as a range of indices into `acts` (every enabled
 * action): all of them, or the one {@link Model.ample} picks. The explorer records edges, and
 * counterexample paths are rebuilt from them, through this one function.
 */
export function expandedRange<S, A>(model: Model<S, A>, state: S, acts: readonly A[]): { readonly from: number; readonly to: number } {
  const only = acts.length > 1 && model.ample !== undefined ? model.ample(state, acts) : -1;
  return only >= 0 ? { from: only, to: only + 1 } : { from: 0, to: acts.length };
}

/** An encoder that writes the canonical encoding as text; for tests and debugging, never on a hot path. */
export class StringEncoder implements Encoder {
  private parts: string[] = [];
  int(value: number): void {
    this.parts.push(`i${value | 0}`);
  }
  str(value: string): void {
    this.parts.push(`s${value.length}:${value}`);
  }
  bool(value: boolean): void {
    this.parts.push(value ? 'T' : 'F');
  }
  toString(): string {
    return this.parts.join(',');
  }
  /** The canonical encoding of one state as a string. */
  static encode<S>(model: Pick<Model<S, unknown>, 'encode'>, state: S): string {
    const e = new StringEncoder();
    model.encode(state, e);
    return e.toString();
  }
}
