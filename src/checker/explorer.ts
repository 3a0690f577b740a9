/**
 * What every strategy shares: the visited set, the on-the-fly property checks, the expansion of a
 * state, the bounds, progress and the liveness recording. A strategy (`bfs.ts`, `dfs.ts`,
 * `random.ts`) only decides the order in which states are expanded.
 */
import { clearArray } from './arrays.ts';
import type { Carry, DeadlockProperty, AlwaysProperty, Model, Property, SleepSets, SometimesProperty, ThreadInfo } from './model.ts';
import { expandedRange, Words } from './model.ts';
import type { CheckOptions, IncompleteReason, Progress } from './result.ts';
import { FingerprintEncoder, NO_PARENT, VisitedTable, type RehashListener } from './fingerprint.ts';
import { IN_BOUNDARY, LivenessGraph, MAX_LIVENESS_PROPERTIES, MAX_THREADS } from './liveness.ts';
import type { Symmetry } from './model.ts';
import { activeSymmetry, PermTable, threadCount } from './symmetry.ts';

/** An empty sleep set's buffer. */
const NO_SLEEP = new Int32Array(0);

/** Property status while exploring. */
export const UNDECIDED = 0;
export const HOLDS = 1;
export const VIOLATED = 2;

/** A state that decided a property: a violation (always, deadlock) or an example (sometimes). */
export interface Finding {
  readonly property: number;
  readonly hi: number;
  readonly lo: number;
}

/** A strategy: it owns the frontier; the explorer does the rest. */
export interface Search {
  /**
   * Explore until the frontier is exhausted, the explorer stops (a bound, an interrupt, a
   * violation), or the current time slice ends. Returns true when finished, false when paused.
   */
  run(): boolean;
  /** True once the strategy has expanded everything it would ever expand. */
  readonly exhausted: boolean;
  /** Whether the strategy covers the whole space when nothing stops it (bfs, dfs: yes; random: no). */
  readonly exhaustive: boolean;
}

/** Validate a model's properties against what the engine needs; throws with a clear message. */
export function validateProperties<S, A>(model: Model<S, A>, props: readonly Property<S>[]): void {
  const names = new Set<string>();
  let liveness = 0;
  for (const p of props) {
    if (names.has(p.name)) throw new Error(`property names must be unique: ${JSON.stringify(p.name)} appears twice`);
    names.add(p.name);
    if (p.kind === 'deadlock' && typeof model.threads !== 'function') {
      throw new Error(`property ${JSON.stringify(p.name)} (deadlock) needs Model.threads`);
    }
    if (p.kind === 'eventually' && p.fairness === 'weak' && typeof model.actionThread !== 'function') {
      throw new Error(`property ${JSON.stringify(p.name)} (eventually, weak fairness) needs Model.actionThread`);
    }
    if (p.kind === 'reachable' || p.kind === 'eventually') liveness++;
  }
  if (liveness > MAX_LIVENESS_PROPERTIES) {
    throw new Error(`at most ${MAX_LIVENESS_PROPERTIES} liveness properties per check (the model has ${liveness})`);
  }
}

/**
 * What exploring needs of the visited set: {@link VisitedTable} (one thread), or parallel.ts's
 * table shared by worker threads (slots are state numbers there, and never move).
 */
export interface StateStore {
  readonly count: number;
  readonly inserted: boolean;
  readonly capacity: number;
  reserve(extra: number): void;
  touch(his: Int32Array, n: number): void;
  insert(hi: number, lo: number, parent: number): number;
  /** The slot holding `(hi, lo)`, or -1 (sleep sets need it: a store without it runs every transition). */
  find?(hi: number, lo: number): number;
  idAt(slot: number): number;
  onRehash(listener: RehashListener): void;
}

/**
 * What a result (check.ts explorationResult) reads of the visited set once exploring is over: a
 * state by its fingerprint, the path to it by its parents, and where each state number is.
 * VisitedTable; and the parallel search's shared table (shared-table.ts), whose state numbers are
 * its slots, so that its result is made from the table the sides filled, not a copy.
 */
export interface ResultStore extends StateStore {
  find(hi: number, lo: number): number;
  hiAt(slot: number): number;
  loAt(slot: number): number;
  /** The parent's slot, or NO_PARENT for an initial state. */
  parentAt(slot: number): number;
  /** Per state number, its slot. */
  slotsById(): Int32Array;
}

/** What exploring records for liveness: {@link LivenessGraph}, or a worker's part of it (parallel.ts). */
export interface LivenessRecorder {
  readonly initIds: number[];
  readonly bytes: number;
  addState(id: number, label: number): void;
  begin(id: number): void;
  edge(target: number, thread: number, perm?: number): void;
  end(id: number, enabledMask: number): void;
}

/**
 * A sleep set ({@link Explorer.enableSleepSets}): the transitions taken in states before a state that
 * it carries to it, packed one after another, each as its action's number (SleepSets.actionId), its
 * thread, then its record (footprint and fingerprint shift): `2 + recordWords` words each. One
 * array per state (null: empty), so that the frontier holds one small object per sleep set.
 */
export type SleepSet = Int32Array;

/**
 * Where the sleep set of the state being expanded is: `sleepBuf[sleepFrom .. sleepTo)` (empty:
 * none). The explorer writes sleep sets into chunks only ever appended to (Words), and the level
 * keeps where each state's is (level.ts), so that a set is written once and never allocated.
 */
export interface SleepView {
  readonly sleepBuf: Int32Array;
  readonly sleepFrom: number;
  readonly sleepTo: number;
}

/**
 * Where {@link Explorer.expand} may find what the discovery of the state it expands kept for it
 * (level.ts): its enabled actions, and the model's carried words (Model.carry).
 */
export interface ListedActions<A> {
  /** Push the actions of the state last taken for expansion onto `out`; false (nothing pushed) where none were kept. */
  listTaken(out: A[]): boolean;
  /** Give `carry` back the words kept for the state last taken (Carry.resume); nothing where none were kept. */
  resumeTaken<S>(carry: Carry<S>, state: S): void;
}

/** Where an explorer keeps what it records (the defaults: a {@link VisitedTable}, a {@link LivenessGraph}). */
export interface ExplorerParts<T extends StateStore, L extends LivenessRecorder> {
  table(options: { withIds: boolean; limit: number }): T;
  live(weak: boolean, withPerms: boolean): L;
}

/** An ordinary explorer's parts: its own visited table and liveness graph. */
export const DEFAULT_PARTS: ExplorerParts<VisitedTable, LivenessGraph> = {
  table: (o) => new VisitedTable(o),
  live: (weak, withPerms) => new LivenessGraph(weak, withPerms),
};

export class Explorer<S, A, T extends StateStore = VisitedTable, L extends LivenessRecorder = LivenessGraph> {
  readonly model: Model<S, A>;
  readonly props: readonly Property<S>[];
  readonly table: T;
  readonly enc = new FingerprintEncoder();
  /** The recorded graph, when liveness properties are to be checked. */
  readonly live: L | null;
  /** Goal bit of each liveness property, by property index (0 for others). */
  readonly goalBits: Int32Array;
  readonly status: Int8Array;
  readonly findings: Finding[] = [];
  readonly findAll: boolean;
  readonly maxDepthBound: number;

  /** Transitions taken. */
  transitions = 0;
  /** Deepest depth of a recorded state. */
  maxDepth = 0;
  /** A state at the depth bound had a transition that was not taken. */
  cutoff = false;
  /** A bound or an interrupt stopped the exploration. */
  stopReason: IncompleteReason | null = null;
  /** Exploration halted because of violations (first violation, or every property decided). */
  halted = false;
  /** The slot of the state being expanded (kept valid across rehashes). */
  currentSlot = NO_PARENT;
  /**
   * Children discovered by the last {@link expand} or {@link seed} that are to be expanded: the
   * first {@link childCount} entries (the arrays are reused; entries beyond the count are stale).
   */
  readonly childStates: S[] = [];
  readonly childSlots: number[] = [];
  /** With sleep sets: where each child's sleep set is, `childSleepBuf[k][childSleepFrom[k] .. childSleepTo[k])` (empty: none; SleepView). */
  readonly childSleepBuf: Int32Array[] = [];
  readonly childSleepFrom: number[] = [];
  readonly childSleepTo: number[] = [];
  /** Where {@link sleepAfter} writes the sleep sets. */
  private readonly sleepWords = new Words();
  childCount = 0;
  /**
   * With {@link listsActions}: each child's enabled actions, as {@link discovered} listed them:
   * child `k`'s are `childActs[childActEnds[k - 1] .. childActEnds[k])` (from 0 for the first).
   */
  readonly childActs: A[] = [];
  readonly childActEnds: number[] = [];
  /**
   * Whether {@link discovered} lists a new state's enabled actions, to be kept beside it until it
   * is expanded ({@link childActs}; level.ts) rather than listed again then: a breadth-first search
   * turns it on. `Model.actions` is a function of the state, so the list is the one the expansion
   * would make (issue 12, item 3).
   */
  listsActions = false;
  /**
   * The model's carried words (Model.carry), once {@link enableCarry} has turned them on: each
   * successor's are saved as a segment of {@link childCarry} as it is encoded (successor `m`'s in
   * `nextCarryBuf[m]` from `nextCarryFrom[m]` to `nextCarryTo[m]`, for this expansion), and child
   * `k`'s are `childCarryBuf[k][childCarryFrom[k] .. childCarryTo[k])` (empty for an initial
   * state), where the level reads them (the chunks are only ever appended to: Words).
   */
  carry: Carry<S> | null = null;
  readonly childCarry = new Words();
  readonly childCarryBuf: Int32Array[] = [];
  readonly childCarryFrom: number[] = [];
  readonly childCarryTo: number[] = [];
  private readonly nextCarryBuf: Int32Array[] = [];
  private nextCarryFrom = new Int32Array(16);
  private nextCarryTo = new Int32Array(16);

  /** The model's sleep sets, once {@link enableSleepSets} has turned them on; else null. */
  sleep: SleepSets<S, A> | null = null;
  /** Transitions a sleep set named without running them (counted in {@link transitions} too). */
  named = 0;
  /** Whether sleep sets were on (this explorer's, or the sides' of a parallel search: {@link sleepsUsed}). */
  sleepsOn = false;
  private readonly sleepWanted: boolean;
  private readonly verifySleep: boolean;

  readonly startMs: number;
  /** End of the current time slice (`check` runs one slice without end). */
  sliceEnd = Number.POSITIVE_INFINITY;
  private readonly deadline: number;
  private readonly signal: AbortSignal | undefined;
  private readonly onProgress: ((p: Progress) => void) | undefined;
  private readonly progressInterval: number;
  private nextProgress: number;

  private readonly acts: A[] = [];
  private readonly probe: A[] = [];
  /** The state whose actions {@link probe} lists ({@link discovered}), or undefined. */
  private probed: S | undefined = undefined;
  /** The successors of the state being expanded, their fingerprints and action indices (reused). */
  private readonly nextStates: (S | undefined)[] = [];
  private nextHi = new Int32Array(16);
  private nextLo = new Int32Array(16);
  private nextAct = new Int32Array(16);
  /**
   * With sleep sets, per successor of the state being expanded: whether it was run and its record
   * is in {@link nextRecs} (1; 0: named, or the model could not name it).
   */
  private nextRun = new Uint8Array(16);
  /** Per successor run: its action's number and thread. */
  private nextId = new Int32Array(16);
  private nextTid = new Int32Array(16);
  private nextRecs = new Int32Array(0);
  /** Which entries of the sleep set of the state being expanded, and which successors run, go into the successor's being built ({@link sleepAfter}). */
  private keepEntry = new Uint8Array(16);
  private keepRun = new Uint8Array(16);
  private readonly alwaysActive: { index: number; prop: AlwaysProperty<S> }[] = [];
  private readonly sometimesActive: { index: number; prop: SometimesProperty<S> }[] = [];
  private deadlockActive: { index: number; prop: DeadlockProperty }[] = [];
  private readonly livenessGoals: { bit: number; goal: (s: S) => boolean }[] = [];
  private readonly weak: boolean;
  private readonly hasBoundary: boolean;
  private readonly hasLiveness: boolean;
  private undecidedSafety: number;
  /** Symmetry reduction (symmetry.ts): the model's, in an exhaustive search; else null. */
  readonly sym: Symmetry<S> | null;
  /** The permutations edges were recorded with (when the liveness graph needs them). */
  readonly perms: PermTable | null;
  /** Where `canonical` writes its permutation. */
  private readonly permBuf: Uint8Array;
  private nextPerm = new Uint16Array(16);

  constructor(model: Model<S, A>, options: CheckOptions, exhaustive: boolean, parts: ExplorerParts<T, L> = DEFAULT_PARTS as unknown as ExplorerParts<T, L>) {
    this.model = model;
    this.props = model.properties();
    validateProperties(model, this.props);
    this.findAll = options.findAll ?? false;
    this.maxDepthBound = options.maxDepth ?? Number.POSITIVE_INFINITY;
    this.status = new Int8Array(this.props.length);
    this.goalBits = new Int32Array(this.props.length);
    let bit = 0;
    let weak = false;
    this.props.forEach((p, index) => {
      switch (p.kind) {
        case 'always':
          this.alwaysActive.push({ index, prop: p });
          break;
        case 'sometimes':
          this.sometimesActive.push({ index, prop: p });
          break;
        case 'deadlock':
          this.deadlockActive.push({ index, prop: p });
          break;
        case 'reachable':
        case 'eventually':
          this.goalBits[index] = 1 << bit;
          this.livenessGoals.push({ bit: 1 << bit, goal: p.goal });
          bit++;
          if (p.kind === 'eventually' && p.fairness === 'weak') weak = true;
          break;
      }
    });
    this.undecidedSafety = this.alwaysActive.length + this.sometimesActive.length + this.deadlockActive.length;
    this.hasLiveness = bit > 0;
    this.weak = weak;
    this.hasBoundary = typeof model.withinBoundary === 'function';
    const record = this.hasLiveness && exhaustive;
    this.sym = exhaustive ? activeSymmetry(model, this.props) : null;
    // Under symmetry, `eventually` (its cycles must close in the model) and per-thread liveness
    // properties need each edge's permutation.
    const needPerms = record && this.sym !== null && this.props.some((p) => p.kind === 'eventually' || (p.kind === 'reachable' && p.thread !== undefined));
    this.perms = needPerms ? new PermTable(threadCount(model, this.sym!)) : null;
    this.permBuf = new Uint8Array(this.sym === null ? 0 : threadCount(model, this.sym));
    this.live = record ? parts.live(weak, needPerms) : null;
    this.table = parts.table({ withIds: record, limit: options.maxStates ?? Number.POSITIVE_INFINITY });
    this.table.onRehash((remap) => {
      if (this.currentSlot >= 0) this.currentSlot = remap[this.currentSlot]!;
    });
    this.sleepWanted = options.sleepSets ?? true;
    this.verifySleep = options.verifySleepSets ?? false;
    this.signal = options.signal;
    this.onProgress = options.onProgress;
    this.progressInterval = options.progressIntervalMs ?? 250;
    this.startMs = performance.now();
    this.deadline = options.timeMs === undefined ? Number.POSITIVE_INFINITY : this.startMs + options.timeMs;
    this.nextProgress = this.startMs + this.progressInterval;
  }

  /** Whether the strategy must stop (a bound, an interrupt, or halted on violations). */
  get stopped(): boolean {
    return this.halted || this.stopReason !== null;
  }

  /** Whether the recorded liveness graph is needed. */
  get recordsLiveness(): boolean {
    return this.live !== null;
  }

  /**
   * Check the clock, the abort signal and the progress timer. Returns true when the strategy must
   * return now: a stop (then {@link stopReason} is set) or the end of the time slice.
   */
  poll(frontier: number, depth: number): boolean {
    const now = performance.now();
    if (this.signal?.aborted) {
      this.stopReason = 'interrupted';
      return true;
    }
    if (now >= this.deadline) {
      this.stopReason = 'time';
      return true;
    }
    if (this.onProgress !== undefined && now >= this.nextProgress) {
      this.nextProgress = now + this.progressInterval;
      this.emitProgress(now, frontier, depth);
    }
    return now >= this.sliceEnd;
  }

  emitProgress(now: number, frontier: number, depth: number): void {
    if (this.onProgress === undefined) return;
    const elapsedMs = now - this.startMs;
    this.onProgress({
      states: this.table.count,
      transitions: this.transitions,
      statesPerSecond: elapsedMs > 0 ? Math.round((this.table.count * 1000) / elapsedMs) : 0,
      depth,
      frontier,
      elapsedMs,
    });
  }

  /**
   * Whether the abort signal or the time budget now forbids more work (the reason), or null. For
   * work after exploration (confirming counterexamples); it sets nothing.
   */
  expired(): IncompleteReason | null {
    if (this.signal?.aborted) return 'interrupted';
    if (performance.now() >= this.deadline) return 'time';
    return null;
  }

  /** Check the signal once before exploring (an already aborted signal yields `interrupted`). */
  checkSignal(): boolean {
    if (this.signal?.aborted) this.stopReason = 'interrupted';
    return this.stopReason !== null;
  }

  /**
   * Turn on the model's sleep sets, where it offers them and nothing rules them out (the option, a
   * symmetry reduction, a visited set that cannot look a fingerprint up): the breadth-first strategy
   * asks, before {@link seed}. Returns whether they are on.
   *
   * How they are used: a state's sleep set holds transitions taken in states before it whose
   * footprints commute with every transition taken since (SleepSets). Such a transition, enabled
   * here, leads to the state whose fingerprint is this one's shifted by the transition's shift, and
   * {@link expand} does not run it where that fingerprint is in the visited set already: it records
   * the edge to that state, as running the transition would have. Where the fingerprint is not
   * there, it runs the transition. So every state the search without them reaches is reached, every
   * edge recorded, every property checked on the same states: sleep sets change what is run, not
   * what is found. A state keeps the sleep set it was first reached with (a later path's would do as
   * well: that a transition commutes with the steps since it was taken is a fact about the
   * transitions, not the path). The set of a successor: the sleepers of the state, and the other
   * transitions run from it, that commute with the transition that led there (Godefroid's rule,
   * without its order: the visited set, not the order, keeps states from being lost).
   */
  enableSleepSets(): boolean {
    if (!this.sleepWanted || this.sym !== null || this.table.find === undefined || this.model.sleepSets === undefined || typeof this.model.actionThread !== 'function') return false;
    this.sleep = this.model.sleepSets() ?? null;
    this.sleepsOn = this.sleep !== null;
    return this.sleepsOn;
  }

  /**
   * Turn on the model's carried words (Model.carry), where it offers them and sleep sets are on
   * ({@link enableSleepSets}, asked first): a strategy that keeps each state in a level until it
   * expands it (and tells {@link expand} so) asks, before {@link seed}. Words are saved for every
   * successor run, and only a new one's are read: with sleep sets about 1.2 successors are run for
   * each new state on the kernel bench, without them every transition is (4.9 a new state on the
   * growth series, where saving them cost more than it spared: docs/checker.md, "A state's
   * recording carried").
   */
  enableCarry(): void {
    this.carry = this.sleepsOn ? (this.model.carry?.() ?? null) : null;
  }

  /**
   * A breadth-first strategy begins to expand another level, every state of the one before expanded:
   * the chunks of sleep sets and carried words written two levels before the one begun, or
   * earlier, are written again (Words.advance: a state's are read only when it is expanded, in the
   * level after the one that wrote them). Only a strategy that keeps states level by level calls it.
   */
  nextLevel(): void {
    this.sleepWords.advance();
    this.childCarry.advance();
  }

  /** A parallel search's result explorer: the sides' sleep sets were on and named `named` transitions. */
  sleepsUsed(named: number): void {
    this.sleepsOn = true;
    this.named = named;
  }

  /**
   * Record the initial states (depth 0). The ones to expand are left in {@link childStates} /
   * {@link childSlots}, in `initStates()` order.
   */
  seed(): void {
    const inits = this.model.initStates();
    if (inits.length === 0) throw new Error('the model has no initial state');
    this.childCount = 0;
    this.clearChildActs();
    this.table.reserve(inits.length);
    const enc = this.enc;
    for (const init of inits) {
      const s = this.sym === null ? init : this.sym.canonical(init, this.permBuf);
      enc.reset();
      this.model.encode(s, enc);
      enc.finish();
      const hi = enc.hi;
      const lo = enc.lo;
      const slot = this.table.insert(hi, lo, NO_PARENT);
      if (slot < 0) {
        this.stopReason = 'max-states';
        return;
      }
      if (this.table.inserted && this.discovered(s, slot, hi, lo, 0)) {
        this.childStates[this.childCount] = s;
        this.childSlots[this.childCount] = slot;
        this.noChildSleep(this.childCount);
        this.keepChildActs(s, -1);
        this.childCount++;
      }
      if (this.live !== null) this.live.initIds.push(this.table.idAt(slot));
      if (this.halted) return;
    }
  }

  /**
   * A new state was recorded at `slot`: label it for liveness, check the properties on it.
   * Returns whether it is to be expanded (it lies within the boundary).
   */
  discovered(state: S, slot: number, hi: number, lo: number, depth: number): boolean {
    if (depth > this.maxDepth) this.maxDepth = depth;
    const inside = this.hasBoundary ? this.model.withinBoundary!(state) : true;
    if (this.live !== null) {
      let label = inside ? IN_BOUNDARY : 0;
      const goals = this.livenessGoals;
      for (let i = 0; i < goals.length; i++) if (goals[i]!.goal(state)) label |= goals[i]!.bit;
      this.live.addState(this.table.idAt(slot), label >>> 0);
    }
    this.probed = undefined;
    if (inside && this.listsActions) {
      const probe = this.probe;
      clearArray(probe);
      this.model.actions(state, probe);
      this.probed = state;
    }
    if (!inside || this.undecidedSafety === 0) return inside;
    const always = this.alwaysActive;
    for (let i = 0; i < always.length; i++) {
      const a = always[i]!;
      if (!a.prop.holds(state)) {
        always.splice(i--, 1);
        this.decide(a.index, VIOLATED, hi, lo);
      }
    }
    const sometimes = this.sometimesActive;
    for (let i = 0; i < sometimes.length; i++) {
      const a = sometimes[i]!;
      if (a.prop.holds(state)) {
        sometimes.splice(i--, 1);
        this.decide(a.index, HOLDS, hi, lo);
      }
    }
    if (this.deadlockActive.length > 0 && this.isDeadlock(state)) {
      for (const d of this.deadlockActive) this.decide(d.index, VIOLATED, hi, lo);
      this.deadlockActive = [];
    }
    return inside;
  }

  /** Start the children's action lists ({@link childActs}) afresh. */
  private clearChildActs(): void {
    if (this.listsActions) clearArray(this.childActs);
  }

  /**
   * Keep the actions {@link discovered} listed for `child` as the next child's ({@link childActs}),
   * and where its carried words are, successor `m`'s of the expansion ({@link childCarry}; -1:
   * none, as for an initial state). Only a successor that was run is ever new, and only a run
   * successor's place in the chunks is set: a twin's edge leads to the state of a successor run
   * and inserted before it, and a named successor is in the visited set (found new, it is an
   * internal error in {@link expand}).
   */
  private keepChildActs(child: S, m: number): void {
    if (this.carry !== null) {
      const k = this.childCount;
      this.childCarryBuf[k] = m < 0 ? this.childCarry.buf : this.nextCarryBuf[m]!;
      this.childCarryFrom[k] = m < 0 ? 0 : this.nextCarryFrom[m]!;
      this.childCarryTo[k] = m < 0 ? 0 : this.nextCarryTo[m]!;
    }
    if (!this.listsActions) return;
    if (this.probed !== child) throw new Error('internal error: a child kept without the actions its discovery listed');
    const probe = this.probe;
    const out = this.childActs;
    for (let i = 0; i < probe.length; i++) out.push(probe[i]!);
    this.childActEnds[this.childCount] = out.length;
  }

  /** No enabled action while some thread has not finished. */
  isDeadlock(state: S): boolean {
    const probe = this.probe;
    if (this.probed !== state) {
      clearArray(probe);
      this.model.actions(state, probe);
      this.probed = state;
    }
    if (probe.length > 0) return false;
    const threads: readonly ThreadInfo[] = this.model.threads!(state);
    for (const t of threads) if (!t.finished) return true;
    return false;
  }

  private decide(index: number, status: number, hi: number, lo: number): void {
    this.status[index] = status;
    this.findings.push({ property: index, hi, lo });
    this.undecidedSafety--;
    if (status === VIOLATED && !this.findAll) this.halted = true;
    if (this.findAll && this.undecidedSafety === 0 && !this.hasLiveness && this.findings.some((f) => this.status[f.property] === VIOLATED)) {
      this.halted = true;
    }
  }

  /**
   * Expand `state` (recorded at `slot`, at `depth`): take every enabled action, record the next
   * states, check new ones. The new states to expand are left in {@link childStates} /
   * {@link childSlots} in action order. A state at the depth bound is not expanded: if it has a
   * transition, {@link cutoff} is set (the run cannot be complete); if it has none, it is recorded
   * for liveness exactly as an expanded dead end (nothing was cut).
   *
   * Three passes over the successors: compute and fingerprint them all, touch each one's home slot
   * in the visited set (independent loads, so the processor overlaps their cache misses), then
   * insert and check them in action order.
   */
  expand(state: S, slot: number, depth: number, sleeping: SleepView | null = null, listed: ListedActions<A> | null = null): void {
    const model = this.model;
    const acts = this.acts;
    let k = 0;
    this.childCount = 0;
    this.clearChildActs();
    clearArray(acts);
    if (listed === null || !listed.listTaken(acts)) model.actions(state, acts);
    const carry = this.carry;
    if (carry !== null && listed !== null) listed.resumeTaken(carry, state);
    const n = acts.length;
    if (depth >= this.maxDepthBound) {
      for (let i = 0; i < n; i++) {
        if (model.nextState(state, acts[i]!) !== undefined) {
          this.cutoff = true;
          return;
        }
      }
      // No transition: the bound cuts nothing here. Record the state exactly as an expanded dead
      // end, so that liveness sees it as one (a goal-free dead end violates `eventually`).
      if (this.live !== null) {
        const id = this.table.idAt(slot);
        this.live.begin(id);
        this.live.end(id, 0);
      }
      return;
    }
    if (n > this.nextHi.length) {
      this.nextHi = new Int32Array(Math.max(n, 2 * this.nextHi.length));
      this.nextLo = new Int32Array(this.nextHi.length);
      this.nextAct = new Int32Array(this.nextHi.length);
      this.nextCarryFrom = new Int32Array(this.nextHi.length);
      this.nextCarryTo = new Int32Array(this.nextHi.length);
    }
    const carried = this.childCarry;
    const nextStates = this.nextStates;
    const nextHi = this.nextHi;
    const nextLo = this.nextLo;
    const nextAct = this.nextAct;
    const enc = this.enc;
    const sym = this.sym;
    const perms = this.perms;
    if (perms !== null && n > this.nextPerm.length) this.nextPerm = new Uint16Array(this.nextHi.length);
    const nextPerm = this.nextPerm;
    let m = 0;
    // Partial-order reduction: one action expanded alone, the others' threads still enabled here.
    const { from, to } = expandedRange(model, state, acts);
    let enabledAll = 0;
    if (to - from < n && this.live !== null && this.weak) for (let i = 0; i < n; i++) enabledAll |= 1 << model.actionThread!(acts[i]!, state);
    // Symmetry: a thread with a twin here (Symmetry.twins: a class mate u with (u t)·state = state)
    // has, as its k-th transition, the image under (u t) of u's k-th, whose representative is u's
    // successor's when that representative is its orbit's only one (Symmetry.orbitUnique). The edge
    // is recorded, to the same state, with the permutation canonical() gives for that image
    // (Symmetry.imagePerm), and not computed.
    const twins = sym !== null && sym.twins !== undefined && from === 0 && to === n && n > 1 && this.findTwins(state, acts, n);
    const mOf = this.mOf;
    const sleep = this.sleep;
    if (sleep !== null) this.roomForRecords(sleep, n);
    // The state's sleep set, where it has one.
    const sBuf = sleeping === null ? NO_SLEEP : sleeping.sleepBuf;
    const sFrom = sleeping === null ? 0 : sleeping.sleepFrom;
    const sTo = sleeping === null ? 0 : sleeping.sleepTo;
    const asleep = sTo === sFrom ? 0 : this.nameAsleep(state, acts, from, to, sBuf, sFrom, sTo);
    for (let i = from; i < to; i++) {
      if (twins) {
        const j = this.twinAction(i);
        if (j >= 0 && mOf[j]! >= 0 && sym.orbitUnique!(nextStates[mOf[j]!] as S)) {
          const mj = mOf[j]!;
          nextStates[m] = nextStates[mj];
          nextHi[m] = nextHi[mj]!;
          nextLo[m] = nextLo[mj]!;
          if (perms !== null) nextPerm[m] = this.imagePerm(perms, nextStates[mj] as S, nextPerm[mj]!, this.actThread[j]!, this.actThread[i]!);
          nextAct[m] = i;
          mOf[i] = m++;
          this.twinEdges++;
          continue;
        }
        mOf[i] = -1;
      }
      if (asleep > 0 && this.asleepAt[i - from] === 1 && this.table.find!(this.asleepHi[i - from]!, this.asleepLo[i - from]!) >= 0) {
        // Named, not run: its successor is in the visited set (enableSleepSets).
        const hi = this.asleepHi[i - from]!;
        const lo = this.asleepLo[i - from]!;
        if (this.verifySleep) this.verifyNamed(state, acts[i]!, hi, lo);
        nextStates[m] = undefined;
        nextHi[m] = hi;
        nextLo[m] = lo;
        nextAct[m] = i;
        this.nextRun[m] = 0;
        m++;
        continue;
      }
      let next = model.nextState(state, acts[i]!);
      if (next === undefined) continue;
      if (twins) mOf[i] = m;
      if (sym !== null) {
        next = sym.canonical(next, this.permBuf);
        if (perms !== null) nextPerm[m] = perms.intern(this.permBuf);
      }
      enc.reset();
      model.encode(next, enc);
      enc.finish();
      nextStates[m] = next;
      nextHi[m] = enc.hi;
      nextLo[m] = enc.lo;
      nextAct[m] = i;
      if (sleep !== null) {
        const a = acts[i]!;
        this.nextRun[m] = sleep.lastTransition(this.nextRecs, m * sleep.recordWords) ? 1 : 0;
        this.nextId[m] = sleep.actionId(a);
        this.nextTid[m] = model.actionThread!(a, state);
      }
      if (carry !== null) {
        carried.begin();
        carry.save(next, carried);
        this.nextCarryBuf[m] = carried.buf;
        this.nextCarryFrom[m] = carried.start;
        this.nextCarryTo[m] = carried.length;
      }
      m++;
    }
    const table = this.table;
    this.currentSlot = slot;
    table.reserve(m);
    const parent = this.currentSlot;
    this.currentSlot = NO_PARENT;
    table.touch(nextHi, m);
    const childStates = this.childStates;
    const childSlots = this.childSlots;
    const live = this.live;
    const childDepth = depth + 1;
    let enabled = 0;
    if (live !== null) live.begin(table.idAt(parent));
    for (let j = 0; j < m; j++) {
      const hi = nextHi[j]!;
      const lo = nextLo[j]!;
      const s = table.insert(hi, lo, parent);
      if (s < 0) {
        this.stopReason = 'max-states';
        return;
      }
      this.transitions++;
      const next = nextStates[j] as S;
      if (next === undefined) {
        this.named++;
        if (table.inserted) throw new Error('internal error: a sleep set named a successor the visited set did not hold');
      }
      if (live !== null) {
        let t = 0;
        if (this.weak) {
          t = model.actionThread!(acts[nextAct[j]!]!, state);
          if (!Number.isInteger(t) || t < 0 || t >= MAX_THREADS) {
            throw new Error(`Model.actionThread returned ${t}: weak fairness supports thread indices 0 .. ${MAX_THREADS - 1}`);
          }
          enabled |= 1 << t;
        }
        live.edge(table.idAt(s), t, perms === null ? 0 : nextPerm[j]!);
      }
      if (table.inserted) {
        if (this.discovered(next, s, hi, lo, childDepth)) {
          childStates[k] = next;
          childSlots[k] = s;
          if (sleep !== null) this.sleepAfter(j, m, sBuf, sFrom, sTo, k);
          this.keepChildActs(next!, j);
          this.childCount = ++k;
        }
        if (this.halted) return;
      }
    }
    if (live !== null) live.end(table.idAt(parent), (enabled | enabledAll) >>> 0);
  }

  /**
   * Name the successors of the actions `acts[from..to)` of `state` that are asleep in its sleep set
   * `sleeping[sFrom..sTo)`:
   * {@link asleepAt} marks them (by index from `from`), {@link asleepHi}/{@link asleepLo} hold the
   * fingerprints their sleepers' shifts give. Their slots in the visited set are touched, so that
   * looking them up, one by one as {@link expand} goes, finds them in cache. Returns how many.
   */
  private nameAsleep(state: S, acts: readonly A[], from: number, to: number, sleeping: Int32Array, sFrom: number, sTo: number): number {
    const sleep = this.sleep!;
    const n = to - from;
    if (this.asleepAt.length < n) {
      this.asleepAt = new Uint8Array(2 * n);
      this.asleepHi = new Int32Array(2 * n);
      this.asleepLo = new Int32Array(2 * n);
      this.touchHi = new Int32Array(2 * n);
    }
    const enc = this.enc;
    const e = 2 + sleep.recordWords;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const id = sleep.actionId(acts[from + i]!);
      let z = -1;
      for (let k = sFrom; k < sTo; k += e) {
        if (sleeping[k] === id) {
          z = k;
          break;
        }
      }
      if (z < 0) {
        this.asleepAt[i] = 0;
        continue;
      }
      enc.reset();
      sleep.encodeShifted(state, sleeping, z + 2, enc);
      enc.finish();
      this.asleepAt[i] = 1;
      this.asleepHi[i] = enc.hi;
      this.asleepLo[i] = enc.lo;
      this.touchHi[count++] = enc.hi;
    }
    if (count > 0) this.table.touch(this.touchHi, count);
    return count;
  }
  private asleepAt = new Uint8Array(16);
  private asleepHi = new Int32Array(16);
  private asleepLo = new Int32Array(16);
  private touchHi = new Int32Array(16);

  /** Under `verifySleepSets`: run the named transition, and fail where its successor's fingerprint is not `(hi, lo)` (the model's SleepSets claim broken). */
  private verifyNamed(state: S, action: A, hi: number, lo: number): void {
    const enc = this.enc;
    const next = this.model.nextState(state, action);
    if (next !== undefined) {
      enc.reset();
      this.model.encode(next, enc);
      enc.finish();
    }
    if (next === undefined || enc.hi !== hi || enc.lo !== lo) {
      throw new Error(`internal error: a sleep set named the successor of ${this.model.formatAction(action, state)} wrongly (the model's SleepSets claim is broken)`);
    }
  }

  /** Room in {@link nextRecs} and {@link nextRun} for `n` successors' records. */
  private roomForRecords(sleep: SleepSets<S, A>, n: number): void {
    if (this.nextRun.length < n) {
      this.nextRun = new Uint8Array(2 * n);
      this.nextId = new Int32Array(2 * n);
      this.nextTid = new Int32Array(2 * n);
    }
    if (this.nextRecs.length < n * sleep.recordWords) this.nextRecs = new Int32Array(2 * n * sleep.recordWords);
  }

  /**
   * The sleep set of the successor at `j` of the state being expanded (its first arrival), child
   * `child`'s ({@link childSleepBuf}): the entries of the state's (`sleeping[sFrom..sTo)`), and its
   * other successors run, that commute with the transition to it. An action asleep in the state but
   * run there (its successor was new) is carried by its new record only.
   */
  private sleepAfter(j: number, m: number, sleeping: Int32Array, sFrom: number, sTo: number, child: number): void {
    const run = this.nextRun;
    if (run[j] === 0) {
      this.noChildSleep(child);
      return;
    }
    const sleep = this.sleep!;
    const recs = this.nextRecs;
    const w = sleep.recordWords;
    const e = 2 + w;
    const at = j * w;
    const tid = this.nextTid[j]!;
    const nIn = (sTo - sFrom) / e;
    if (this.keepEntry.length < nIn) this.keepEntry = new Uint8Array(2 * nIn);
    if (this.keepRun.length < m) this.keepRun = new Uint8Array(2 * m);
    let count = 0;
    outer: for (let i = 0; i < nIn; i++) {
      this.keepEntry[i] = 0;
      const z = sFrom + i * e;
      if (sleeping[z + 1] === tid) continue;
      for (let k = 0; k < m; k++) if (run[k] === 1 && this.nextId[k] === sleeping[z]) continue outer;
      if (sleep.commute(sleeping, z + 2, recs, at)) {
        this.keepEntry[i] = 1;
        count++;
      }
    }
    for (let i = 0; i < m; i++) {
      this.keepRun[i] = 0;
      if (i === j || run[i] === 0 || this.nextTid[i] === tid) continue;
      if (sleep.commute(recs, i * w, recs, at)) {
        this.keepRun[i] = 1;
        count++;
      }
    }
    if (count === 0) {
      this.noChildSleep(child);
      return;
    }
    // Written once, where the level will read it (the state's own set, read here, stays where it is).
    const words = this.sleepWords;
    words.begin();
    words.room(count * e);
    const out = words.buf;
    let o = words.length;
    for (let i = 0; i < nIn; i++) {
      if (this.keepEntry[i] === 0) continue;
      const z = sFrom + i * e;
      for (let k = 0; k < e; k++) out[o + k] = sleeping[z + k]!;
      o += e;
    }
    for (let i = 0; i < m; i++) {
      if (this.keepRun[i] === 0) continue;
      out[o] = this.nextId[i]!;
      out[o + 1] = this.nextTid[i]!;
      for (let k = 0; k < w; k++) out[o + 2 + k] = recs[i * w + k]!;
      o += e;
    }
    words.length = o;
    this.childSleepBuf[child] = out;
    this.childSleepFrom[child] = words.start;
    this.childSleepTo[child] = o;
  }

  /** Child `child` has an empty sleep set. */
  private noChildSleep(child: number): void {
    this.childSleepBuf[child] = NO_SLEEP;
    this.childSleepFrom[child] = 0;
    this.childSleepTo[child] = 0;
  }

  /** Edges recorded from a twin's (Symmetry.twins) without computing the successor. */
  twinEdges = 0;
  /** Per thread, its twin in the state being expanded (Symmetry.twins). */
  private twinBuf = new Int32Array(0);
  /** Per action of the state being expanded: its thread, its ordinal among that thread's actions, its successor's index (-1: none). */
  private actThread = new Int32Array(16);
  private actOrd = new Int32Array(16);
  private mOf = new Int32Array(16);

  /** Ask the symmetry for `state`'s twins; when there are some, number each action by thread and ordinal. */
  private findTwins(state: S, acts: readonly A[], n: number): boolean {
    const sym = this.sym!;
    if (this.twinBuf.length < this.permBuf.length) {
      this.twinBuf = new Int32Array(this.permBuf.length);
      this.gBuf = new Uint8Array(this.permBuf.length);
    }
    if (!sym.twins!(state, this.twinBuf)) return false;
    if (this.actThread.length < n) {
      this.actThread = new Int32Array(2 * n);
      this.actOrd = new Int32Array(2 * n);
      this.mOf = new Int32Array(2 * n);
    }
    for (let i = 0; i < n; i++) {
      const t = this.model.actionThread!(acts[i]!, state);
      let ord = 0;
      for (let j = 0; j < i; j++) if (this.actThread[j] === t) ord++;
      this.actThread[i] = t;
      this.actOrd[i] = ord;
    }
    return true;
  }

  /** The earlier action of action `i`'s thread's twin with the same ordinal, or -1. */
  private twinAction(i: number): number {
    const t = this.actThread[i]!;
    const u = this.twinBuf[t]!;
    if (u === t) return -1;
    const ord = this.actOrd[i]!;
    for (let j = 0; j < i; j++) if (this.actThread[j] === u && this.actOrd[j] === ord) return j;
    return -1;
  }

  /**
   * The id of the permutation {@link Symmetry.canonical} gives for `(u t)·x`, where it gave `rep`
   * with permutation `pid` for `x` (Symmetry.imagePerm): the one path reconstruction follows.
   */
  private imagePerm(perms: PermTable, rep: S, pid: number, u: number, t: number): number {
    const g = this.gBuf;
    for (let i = 0; i < g.length; i++) g[i] = i;
    g[u] = t;
    g[t] = u;
    this.sym!.imagePerm!(rep, perms.get(pid), g, this.permBuf);
    return perms.intern(this.permBuf);
  }
  private gBuf = new Uint8Array(0);

  /** Bytes held for liveness: the recorded graph and the visited set's state numbers. */
  livenessRecordBytes(): number {
    if (this.live === null) return 0;
    return this.live.bytes + this.table.capacity * 4;
  }

  /**
   * Bytes of the visited set proper (fingerprints and parent links: 12 per slot; the state numbers'
   * 4 are counted with liveness, {@link livenessRecordBytes}; VisitedTable's cache of recent
   * entries, a fixed 128 KiB, is not a cost per state and not counted). A parallel search's result counts
   * the shared table's index slots the same way, as an ordinary table of as many slots would hold.
   */
  visitedBytes(): number {
    return this.table.capacity * 12;
  }
}

