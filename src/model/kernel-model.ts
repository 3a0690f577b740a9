/**
 * A scenario as a {@link Model} the engine explores: states are {@link KState} Immer snapshots,
 * actions are thread steps.
 */
import { FingerprintEncoder } from '../checker/fingerprint.ts';
import type { AlwaysProperty, Carry, Encoder, Model, Property, SleepSets, Symmetry, ThreadInfo, Words } from '../checker/model.ts';
import { holders } from './lang/locks.ts';
import { Interpreter, ModelError, type ExecutedInstr, type KAction, type StepResult } from './lang/interp.ts';
import { PartialOrder } from './lang/por.ts';
import { Footprint, FootprintLayout, footprintsCommute } from './lang/footprint.ts';
import type { Program } from './lang/program.ts';
import type { StateReads } from './lang/reduction.ts';
import { threadClasses, ThreadSymmetry } from './lang/symmetry.ts';
import { keyDiffer, NON_OWNER, type KeyDiffer, type Frame, type KState, type LockState, type ThreadState, type Value } from './lang/state.ts';

export interface KernelModelOptions {
  /** Coalesce steps nothing can observe (default true; see src/model/lang/reduction.ts). */
  readonly coalesce?: boolean;
  /** What the properties being checked read (default: everything); decides what coalescing may hide. */
  readonly reads?: StateReads;
  /** Check the reduction's premise on every statement run (see interp.ts; default false). */
  readonly verifyReduction?: boolean;
  /** Partial-order reduction (src/model/lang/por.ts; default: as `coalesce`). */
  readonly por?: boolean;
  /**
   * Symmetry of identical threads (src/model/lang/symmetry.ts; default: as `por`): the model offers
   * {@link KernelModel.symmetry} when the program has a class of interchangeable threads.
   */
  readonly symmetry?: boolean;
  /** Memoise runs of pure coalesced statements (src/model/lang/segment-memo.ts; default true). */
  readonly memo?: boolean;
  /**
   * Offer sleep sets ({@link KernelModel.sleepSets}; default: as `por`), where the program has no
   * class of interchangeable threads (the explorer uses sleep sets only without symmetry). The
   * partial-order reduction's run-through is then judged against the other threads' whole programs
   * (PartialOrder.staticChain), whichever strategy explores the model, so that every strategy and
   * every number of workers explores the same states and transitions.
   */
  readonly sleepSets?: boolean;
  /** Freeze every part of every state, not only the state object (InterpreterOptions.freezeParts; default: under `verifyReduction`). */
  readonly freezeParts?: boolean;
  /** Frames whose fingerprint parts are kept at most (KernelModel.framePart; default 65,536): a tuning knob, and for tests. */
  readonly framePartSlots?: number;
  readonly properties?: readonly Property<KState>[];
}

const OP_KIND = { invalidate_range_start: 1, invalidate_range_end: 2, release: 3, invalidate: 4 } as const;

/**
 * Strings a state may hold that the program knows in advance (object and lock names, function
 * names, notifier ids, string constants), numbered in sorted order so that the numbering is the same
 * in every run of the same scenario (traces compare fingerprints across runs). Other strings are
 * encoded in full.
 */
function internTable(p: Program): Map<string, number> {
  const names = new Set<string>();
  const addPath = (k: string): void => {
    const parts = k.split('.');
    for (let i = 1; i <= parts.length; i++) names.add(parts.slice(0, i).join('.'));
  };
  for (const k of Object.keys(p.spec.statics)) addPath(k);
  for (const v of Object.values(p.spec.statics)) for (const x of Array.isArray(v) ? v : [v]) if (typeof x === 'string') addPath(x);
  for (const k of p.memKeys) addPath(k);
  for (const v of Object.values(p.spec.mem)) if (typeof v === 'string') addPath(v);
  for (const k of p.lockKeys) addPath(k);
  for (const f of p.fns) names.add(f.def.name);
  for (const n of p.spec.notifiers) names.add(n.id);
  for (const t of p.spec.threads) {
    names.add(t.task);
    for (const a of t.args) if (typeof a === 'string') addPath(a);
  }
  for (const v of Object.values(p.spec.constants)) if (typeof v === 'string') names.add(v);
  const sorted = [...names].sort();
  return new Map(sorted.map((n, i) => [n, i]));
}

/** The sorted union of two lists of names. */
function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

/** Where `threads` has the very thread state `t`, or -1. */
function indexOfThread(threads: readonly ThreadState[], t: ThreadState): number {
  for (let j = 0; j < threads.length; j++) if (threads[j] === t) return j;
  return -1;
}

/**
 * The index of the thread of `threads` likeliest to share frames with `t`, which stands at index
 * `i` of another state: one with the very bottom frame `t` has (the same thread, moved to another
 * index by a permutation: a representative under symmetry), `i` itself first; else `i`.
 */
function sharerOf(threads: readonly ThreadState[], t: ThreadState, i: number): number {
  const f = t.frames[0];
  if (f === undefined || i >= threads.length || threads[i]!.frames[0] === f) return i;
  for (let j = 0; j < threads.length; j++) if (threads[j]!.frames[0] === f) return j;
  return i;
}

/** How many of `t`'s frames, from the outermost, are the very frames of `u` at the same depth. */
function sharedFrames(t: ThreadState, u: ThreadState): number {
  const f = t.frames;
  const g = u.frames;
  let k = 0;
  while (k < f.length && k < g.length && f[k] === g[k]) k++;
  return k;
}

/** One lock's words: its owner, or a semaphore's writer, read holds and queue. */
function encodeLock(l: LockState, e: Encoder): void {
  switch (l.kind) {
    case 'mutex':
    case 'spin':
      e.int(l.owner);
      break;
    case 'rwsem':
      e.int(l.writer);
      e.int(l.readers.length);
      for (let i = 0; i < l.readers.length; i++) e.int(l.readers[i]!);
      e.int(l.waiters.length);
      for (let i = 0; i < l.waiters.length; i++) {
        const w = l.waiters[i]!;
        e.int(w.tid);
        e.bool(w.write);
        e.bool(w.nonOwner === true);
      }
      break;
  }
}

function encodeValue(e: Encoder, v: Value, ids: ReadonlyMap<string, number>): void {
  if (v === null) e.int(0);
  else if (typeof v === 'number') {
    e.int(1);
    e.int(v);
  } else {
    const id = ids.get(v);
    if (id === undefined) {
      e.int(2);
      e.str(v);
    } else {
      e.int(3);
      e.int(id);
    }
  }
}

export class KernelModel implements Model<KState, KAction> {
  readonly interp: Interpreter;
  private props: readonly Property<KState>[];
  private readonly verify: boolean;
  private readonly ids: ReadonlyMap<string, number>;

  constructor(
    readonly program: Program,
    options: KernelModelOptions = {},
  ) {
    this.interp = new Interpreter(program, {
      ...(options.coalesce === undefined ? {} : { coalesce: options.coalesce }),
      ...(options.reads === undefined ? {} : { reads: options.reads }),
      ...(options.verifyReduction === undefined ? {} : { verifyReduction: options.verifyReduction }),
      ...(options.memo === undefined ? {} : { memo: options.memo }),
      ...(options.freezeParts === undefined ? {} : { freezeParts: options.freezeParts }),
    });
    this.props = options.properties ?? [];
    this.verify = options.verifyReduction ?? false;
    this.partSlots = options.framePartSlots ?? PART_SLOTS;
    if (!Number.isInteger(this.partSlots) || this.partSlots < 1) throw new Error(`KernelModel: framePartSlots must be a positive integer, got ${String(options.framePartSlots)}`);
    this.parts = new Int32Array(3 * this.partSlots);
    this.ids = internTable(program);
    this.memDiff = keyDiffer<Value>(program.memKeys);
    this.lockDiff = keyDiffer<LockState>(program.lockKeys);
    const n = program.spec.threads.length;
    this.memPlace = n + 1;
    this.lockPlace = n + 1 + program.memKeys.length;
    this.diffAt = new Int32Array(Math.max(program.memKeys.length, program.lockKeys.length));
    const por = options.por ?? options.coalesce ?? true;
    const classes = threadClasses(program);
    this.offersSleepSets = (options.sleepSets ?? por) && classes.length === 0;
    if (por) {
      const po = new PartialOrder(this.interp, { staticChain: this.offersSleepSets });
      this.po = po;
      this.ample = (state, acts) => po.ample(state, acts);
    }
    if ((options.symmetry ?? por) && classes.length) this.symmetry = this.threadSymmetry = new ThreadSymmetry(program, classes, this.interp.freezeParts);
  }

  /**
   * The classes of interchangeable threads and the canonical representative of a state
   * (src/model/lang/symmetry.ts), when the program has such a class and the option is on. A
   * permuted state fingerprints as any state does: {@link encode} reuses a recorded hash only for
   * the very object it recorded, and a part's hash does not depend on its place (only its value
   * mixed with the place does).
   */
  readonly symmetry?: Symmetry<KState>;
  /** {@link symmetry}, told which state each step starts from (ThreadSymmetry.stepFrom). */
  private readonly threadSymmetry: ThreadSymmetry | undefined;

  readonly ample?: (state: KState, actions: readonly KAction[]) => number;
  private readonly po: PartialOrder | undefined;

  initStates(): readonly KState[] {
    return [this.interp.initial()];
  }

  actions(state: KState, out: KAction[]): void {
    this.interp.actions(state, out);
  }

  nextState(state: KState, action: KAction): KState {
    if (this.lastFrom !== state) {
      this.lastFrom = state;
      this.lastFromFrozen = Object.isFrozen(state);
      this.threadSymmetry?.stepFrom(state);
    }
    const fp = this.footprint;
    if (fp !== null) {
      fp.start(action.tid);
      this.interp.footprint = fp;
    }
    let next = this.po?.successorOf(state, action);
    if (next === undefined) next = this.interp.next(state, action);
    else if (fp !== null) fp.add(this.po!.triedBits, this.po!.triedAt * fp.bits.length);
    // A state the partial-order reduction need not keep is run through (PartialOrder.chain).
    if (this.po) for (let c = this.po.chain(next, action.tid); c !== undefined; c = this.po.chain(next, action.tid)) next = c;
    if (fp !== null) this.interp.footprint = null;
    if (this.stableChecks.length) this.verifyStable(state, action, next);
    if (this.openingChecks.length && next.pairs !== state.pairs) this.verifyOpening(state, action, next);
    return next;
  }

  /**
   * Under `verifyReduction`, when a property reads pairs only under a condition (`pairsWhen`): the
   * `always` properties, none of which an extra open pair may make hold (reduction.ts,
   * PairCondition: the reductions hide the opening of a pair on that premise).
   */
  private openingChecks: readonly AlwaysProperty<KState>[] = [];

  /** The pairs `next` opened must not make a property hold that is violated without them. */
  private verifyOpening(state: KState, action: KAction, next: KState): void {
    const opened = next.pairs.filter((p) => !state.pairs.includes(p));
    if (!opened.length) return;
    const without: KState = { ...next, pairs: next.pairs.filter((p) => !opened.includes(p)) };
    for (const p of this.openingChecks) {
      if (!p.holds(without) && p.holds(next)) {
        throw new ModelError(`reduction premise broken: ${p.name} holds after ${this.formatAction(action, state)} only because of the start/end pair it opened, but the reductions hide openings (pairsWhen)`);
      }
    }
  }

  /**
   * Under `verifyReduction`: the properties declared stable (`KernelProperty.stable`), whose
   * violations both reductions keep without declaring their reads. Checked on every transition taken.
   */
  private stableChecks: readonly AlwaysProperty<KState>[] = [];

  /** A stable property violated in `state` must be violated in its successor: else the declaration is wrong. */
  private verifyStable(state: KState, action: KAction, next: KState): void {
    for (const p of this.stableChecks) {
      if (!p.holds(state) && p.holds(next)) {
        throw new ModelError(`reduction premise broken: ${p.name} is declared stable, but it holds again after ${this.formatAction(action, state)}, in a state where it was violated`);
      }
    }
  }

  /** The full step: executed statements and the shared variables read and written. */
  step(state: KState, action: KAction): StepResult {
    let r = this.interp.step(state, action);
    // The states the partial-order reduction runs through ({@link nextState}), with their statements.
    while (this.po?.chain(r.state, action.tid) !== undefined) {
      const q = this.interp.step(r.state, { tid: action.tid, choice: 0 });
      r = { state: q.state, executed: [...r.executed, ...q.executed], reads: union(r.reads, q.reads), writes: union(r.writes, q.writes) };
    }
    return r;
  }

  /** Whether the model offers sleep sets ({@link KernelModelOptions.sleepSets}). */
  readonly offersSleepSets: boolean;
  /** While an explorer uses sleep sets: the footprint {@link nextState} records (src/model/lang/footprint.ts). */
  private footprint: Footprint | null = null;

  /**
   * Sleep sets (checker `SleepSets`): from now on {@link nextState} records each transition's
   * footprint, and {@link encode} what it added to the fingerprint's lane sums. A record: the
   * footprint's words (reads, then writes), then the two lanes' shift.
   */
  sleepSets(): SleepSets<KState, KAction> | undefined {
    if (!this.offersSleepSets) return undefined;
    const layout = new FootprintLayout(this.program);
    const fp = (this.footprint = new Footprint(layout));
    this.po?.recordFootprints(new Footprint(layout), new Footprint(layout));
    const W = layout.words;
    const n = 2 * W;
    return {
      recordWords: n + 2,
      actionId: (a) => a.tid * 65536 + a.choice,
      lastTransition: (out, at) => {
        if (!this.shiftKnown) return false;
        out.set(fp.bits, at);
        out[at + n] = this.shift1;
        out[at + n + 1] = this.shift2;
        return true;
      },
      commute: (a, ai, b, bi) => footprintsCommute(a, ai, b, bi, W),
      encodeShifted: (state, rec, at, enc) => {
        if (this.rec.state !== state) this.record(state);
        enc.int(state.threads.length);
        enc.int((this.rec.s1 + rec[at + n]!) | 0);
        enc.int((this.rec.s2 + rec[at + n + 1]!) | 0);
      },
    };
  }

  properties(): readonly Property<KState>[] {
    return this.props;
  }

  /**
   * Set the properties (they usually need the model itself to evaluate: see src/properties), and the
   * names of those declared stable, which {@link nextState} checks under `verifyReduction`.
   */
  setProperties(props: readonly Property<KState>[], stable: readonly string[] = [], ownPairs: readonly string[] = []): void {
    this.props = props;
    this.stableChecks = this.verify ? props.filter((p): p is AlwaysProperty<KState> => stable.includes(p.name) && p.kind === 'always') : [];
    // `ownPairs`: properties of a thread's own pairs at its own positions (KernelProperty.ownPairs),
    // which the opening premise does not concern.
    this.openingChecks =
      this.verify && this.interp.reduction.pairsConditional ? props.filter((p): p is AlwaysProperty<KState> => p.kind === 'always' && !ownPairs.includes(p.name)) : [];
  }

  threadName(tid: number): string {
    return this.interp.threadName(tid);
  }

  /** `[thread] function(): C text` of the statement the action starts with. */
  formatAction(action: KAction, state: KState): string {
    const cur = this.interp.current(state, action.tid);
    const who = this.threadName(action.tid);
    if (!cur) return `[${who}] (finished)`;
    const choice = this.interp.choiceCall(cur.instr) ? ` [outcome ${action.choice}]` : '';
    return `[${who}] ${cur.fn.def.name}(): ${cur.instr.src.text}${choice}`;
  }

  /** Where a thread is: `function() at file: C text`. */
  location(state: KState, tid: number): string | undefined {
    const cur = this.interp.current(state, tid);
    if (!cur) return undefined;
    return `${cur.fn.def.name}() at ${cur.fn.def.file}${cur.instr.src.line ? `:${cur.instr.src.line}` : ''}: ${cur.instr.src.text}`;
  }

  threads(state: KState): readonly ThreadInfo[] {
    return state.threads.map((t, tid) => {
      // A task a kernel oops killed is over: it is never part of a deadlock (no-bug:oops reports it).
      const oopsed = this.interp.oopsed(state, tid);
      const finished = t.frames.length === 0 || oopsed;
      const w = finished ? null : this.interp.waitOf(state, tid);
      const where = this.location(state, tid);
      const loc = oopsed ? `killed by an oops at ${where ?? '?'}` : where;
      return {
        name: this.threadName(tid),
        finished,
        ...(w ? { waitingFor: w.why } : {}),
        ...(loc ? { location: loc } : {}),
      };
    });
  }

  actionThread(action: KAction): number {
    return action.tid;
  }

  /** Every lock that is not free, with its holders and waiters. */
  heldLocks(state: KState): { lock: string; state: string }[] {
    const name = (t: number): string => this.threadName(t);
    return this.program.lockKeys
      .map((k) => ({ k, l: state.locks[k]! }))
      .filter(({ l }) => !isFree(l))
      .map(({ k, l }) => ({ lock: k, state: holders(l, name) }));
  }

  formatState(state: KState): string {
    const lines: string[] = [];
    state.threads.forEach((t, tid) => {
      const info = this.threads(state)[tid]!;
      lines.push(`${info.name}: ${info.finished ? 'finished' : info.location}${info.waitingFor ? `  [waits: ${info.waitingFor}]` : ''}`);
      void t;
    });
    for (const h of this.heldLocks(state)) lines.push(`lock ${h.lock}: ${h.state}`);
    const changed = this.program.memKeys.filter((k) => state.mem[k] !== this.program.spec.mem[k]);
    if (changed.length) lines.push(`changed: ${changed.map((k) => `${k}=${String(state.mem[k])}`).join(', ')}`);
    if (state.pairs.length) {
      lines.push(`open pairs: ${state.pairs.map((p) => `${this.threadName(p.tid)}:${p.nid}[${p.start},${p.end})${p.blockable ? '' : ' nonblock'}${p.ret ? ` ret=${p.ret}` : ''}`).join(', ')}`);
    }
    return lines.join('\n');
  }

  /**
   * The canonical encoding: the threads (each with its frames), shared memory in `memKeys` order,
   * the locks in `lockKeys` order, the open pairs.
   *
   * Into a {@link FingerprintEncoder} (the explorer's hot path) a state gives not these words but a
   * combination of its parts' values, Zobrist-style (issue 12, item 3). The parts: each thread, each
   * memory key, each lock, and the pairs. A thread is hashed from the sums of its frames' parts and
   * its header ({@link threadHash}): each frame hashed on its own from the encoder's seed with its
   * depth as the first word ({@link framePart}), the 64-bit hashes summed lane by lane
   * ({@link frameSums}). The pairs are hashed on their own from the seed, with MurmurHash3 as the
   * encoder mixes words. A thread's or the pairs' 64-bit hash is mixed with the part's place (the
   * thread's index; the pairs after the threads) through MurmurHash3 rounds ({@link place}); a memory
   * key or a lock, whose place never changes, is hashed with its place as the first word
   * ({@link memPart}, {@link lockPart}). The 64-bit values are summed, lane by lane modulo 2^32, and
   * the encoder is fed the thread count and the two sums, so the fingerprint is the encoder's
   * finalisation of those. Equal states give equal fingerprints. Unequal ones differ in some part
   * at some place, whose value is that of a 64-bit hash of (place, part), so the sums collide as two
   * random 64-bit values do (fingerprint.ts gives the odds); the place is mixed into the value, not
   * added to it, so exchanging two different threads changes the sum.
   *
   * A successor is fingerprinted against the state {@link nextState} last stepped from, whose
   * threads' and pairs' hashes and values and the sums are recorded ({@link record}), with each
   * thread's frame sums and top frame part: only the parts the successor changed are hashed, a
   * thread from the first frame it does not share with the recorded thread at its place (or the one
   * with its bottom frame: a representative under symmetry moves threads), the recorded thread's
   * frames above the shared ones taken out of its sums (its top frame's part as recorded, a frame
   * below it, as under a return, hashed again), a memory key or a lock where
   * its value is not the recorded state's (`!==`: a lock object a step did not replace is the same
   * object), and their old values (hashed again from the recorded state) are taken out of the sums
   * and the new ones put in. A thread state the recorded state has
   * at another place is not hashed again: a part's hash does not depend on its place.
   *
   * Replay tokens and traces carry the digest of the full words instead (checker `digest`), which
   * any other {@link Encoder} receives.
   */
  encode(state: KState, e: Encoder): void {
    if (e instanceof FingerprintEncoder) {
      const p = this.lastFrom;
      // A state built by hand (tests) is not frozen: its parts could change between two encodings.
      if (p !== undefined && p.threads.length === state.threads.length && this.lastFromFrozen) {
        if (this.rec.state !== p) this.record(p);
        this.combineAgainst(state, this.rec, e);
      } else this.combineAll(state, e);
      return;
    }
    this.encodeAll(state, e);
  }

  private encodeAll(state: KState, e: Encoder): void {
    e.int(state.threads.length);
    for (let i = 0; i < state.threads.length; i++) this.encodeThread(state.threads[i]!, e);
    this.encodeMem(state.mem, e);
    this.encodeLocks(state.locks, e);
    this.encodePairs(state.pairs, e);
  }

  /** {@link encode}'s combination of part values, every part hashed (no recording to start from). */
  private combineAll(state: KState, e: FingerprintEncoder): void {
    this.shiftKnown = false;
    const h = this.hasher;
    const n = state.threads.length;
    let s1 = 0;
    let s2 = 0;
    // A state not known to be frozen (built by hand): its frames are hashed, not looked up.
    this.partsKept = false;
    try {
      for (let i = 0; i < n; i++) {
        const t = state.threads[i]!;
        this.frameSums(t, i, undefined, null, h);
        this.threadHash(t, this.fs1, this.fs2, h);
        this.place(i, h.hi, h.lo);
        s1 = (s1 + this.m1) | 0;
        s2 = (s2 + this.m2) | 0;
      }
    } finally {
      this.partsKept = true;
    }
    this.hashPairs(state.pairs, h);
    this.place(n, h.hi, h.lo);
    s1 = (s1 + this.m1) | 0;
    s2 = (s2 + this.m2) | 0;
    this.keyParts(null, state);
    e.int(n);
    e.int((s1 + this.d1) | 0);
    e.int((s2 + this.d2) | 0);
  }

  /**
   * The memory keys and locks whose values in `s` differ from those in `from` (every one, with
   * `from` null): the change of the sums into {@link d1} and {@link d2}, each new value's part less
   * the old one's ({@link memPart}, {@link lockPart}; the old value is `from`'s, hashed again: a
   * recording keeps the sums, not each key's part, so that it is small enough to be carried).
   */
  private keyParts(from: KState | null, s: KState): void {
    const at = this.diffAt;
    let d1 = 0;
    let d2 = 0;
    // Memory, then the locks: two loops of one shape, each calling its own hash directly (the hot
    // path's calls stay monomorphic).
    if (from === null || s.mem !== from.mem) {
      const vals = this.memVals;
      const olds = this.memOlds;
      const c = this.memDiff(from === null ? null : from.mem, s.mem, at, vals, olds);
      for (let j = 0; j < c; j++) {
        const q = at[j]!;
        this.memPart(q, vals[j]!);
        d1 = (d1 + this.m1) | 0;
        d2 = (d2 + this.m2) | 0;
        if (from === null) continue;
        this.memPart(q, olds[j]!);
        d1 = (d1 - this.m1) | 0;
        d2 = (d2 - this.m2) | 0;
      }
    }
    if (from === null || s.locks !== from.locks) {
      const vals = this.lockVals;
      const olds = this.lockOlds;
      const c = this.lockDiff(from === null ? null : from.locks, s.locks, at, vals, olds);
      for (let j = 0; j < c; j++) {
        const q = at[j]!;
        this.lockPart(q, vals[j]!);
        d1 = (d1 + this.m1) | 0;
        d2 = (d2 + this.m2) | 0;
        if (from === null) continue;
        this.lockPart(q, olds[j]!);
        d1 = (d1 - this.m1) | 0;
        d2 = (d2 - this.m2) | 0;
      }
    }
    this.d1 = d1;
    this.d2 = d2;
  }

  /** {@link keyParts}'s change of the sums. */
  private d1 = 0;
  private d2 = 0;

  /**
   * The sums of thread `t`'s frame parts, into {@link fs1} and {@link fs2}, and its top frame's part
   * ({@link ft1}, {@link ft2}; 0 for a finished thread): each frame hashed on its own with its depth
   * ({@link framePart}), the parts added per lane. With `threads` (the threads of the state `q`
   * recorded), from the sums `q` has for the thread `t` shares most of its first frames with (the
   * one at `i`, or the one with the same bottom frame: a thread a permutation moved): less the parts
   * of that thread's frames above the shared ones (its top frame's as `q` has it, the others hashed
   * again), plus `t`'s own above them; where the frames hashed again are fewer than the shared ones
   * (else every frame of `t` is hashed).
   */
  private frameSums(t: ThreadState, i: number, threads: readonly ThreadState[] | undefined, q: Recording | null, h: FingerprintEncoder): void {
    const frames = t.frames;
    let a = 0;
    let b = 0;
    let from = 0;
    // The thread of q whose sums are resumed (-1: none).
    let who = -1;
    if (threads !== undefined && q !== null && i < threads.length) {
      let best = sharedFrames(t, threads[i]!);
      who = i;
      const o = sharerOf(threads, t, i);
      if (o !== i) {
        const k = sharedFrames(t, threads[o]!);
        if (k > best) {
          best = k;
          who = o;
        }
      }
      const u = threads[who]!.frames;
      if (best > 0 && u.length - 1 - best < best) {
        a = q.f1[who]!;
        b = q.f2[who]!;
        if (u.length > best) {
          a = (a - q.t1[who]!) | 0;
          b = (b - q.t2[who]!) | 0;
        }
        for (let j = best; j < u.length - 1; j++) {
          this.framePart(u[j]!, j, h);
          a = (a - this.p1) | 0;
          b = (b - this.p2) | 0;
        }
        from = best;
      } else who = -1;
    }
    for (let j = from; j < frames.length; j++) {
      this.framePart(frames[j]!, j, h);
      a = (a + this.p1) | 0;
      b = (b + this.p2) | 0;
    }
    this.fs1 = a;
    this.fs2 = b;
    if (frames.length === 0) {
      this.ft1 = 0;
      this.ft2 = 0;
    } else if (from < frames.length) {
      // The last part added.
      this.ft1 = this.p1;
      this.ft2 = this.p2;
    } else if (who >= 0 && threads![who]!.frames.length === frames.length) {
      // Every frame shared, the top one too.
      this.ft1 = q!.t1[who]!;
      this.ft2 = q!.t2[who]!;
    } else {
      this.framePart(frames[frames.length - 1]!, frames.length - 1, h);
      this.ft1 = this.p1;
      this.ft2 = this.p2;
    }
  }

  /** {@link frameSums}'s top frame part. */
  private ft1 = 0;
  private ft2 = 0;
  /** {@link frameSums}'s result. */
  private fs1 = 0;
  private fs2 = 0;

  /**
   * Frame `f` at depth `j` (0: the outermost), hashed on its own with `h`: into {@link p1} and
   * {@link p2}. Kept per frame object ({@link partSlot}): a frame is never changed once a state
   * holds it (a step copies the frames it changes: Exec.top), and most frames hashed are frames
   * hashed before (the kernel bench: 726,092 of 854,036 parts, the same object at the same depth:
   * the segment memo's recorded frames, which every step that replays the segment pushes, and a
   * caller's frame hashed again after a return). Under `verifyReduction` a part found is hashed
   * again and compared.
   */
  private framePart(f: Frame, j: number, h: FingerprintEncoder): void {
    if (!this.partsKept) {
      this.hashPart(f, j, h);
      return;
    }
    const parts = this.parts;
    const k = this.partSlot.get(f);
    if (k !== undefined && parts[3 * k] === j) {
      this.p1 = parts[3 * k + 1]!;
      this.p2 = parts[3 * k + 2]!;
      if (this.verify) this.verifyPart(f, j, h);
      return;
    }
    this.hashPart(f, j, h);
    let slot = k;
    if (slot === undefined) {
      if (this.partSlot.size === this.partSlots) this.partSlot.clear();
      slot = this.partSlot.size;
      this.partSlot.set(f, slot);
    }
    parts[3 * slot] = j;
    parts[3 * slot + 1] = this.p1;
    parts[3 * slot + 2] = this.p2;
  }

  /** Frame `f` at depth `j` hashed: into {@link p1} and {@link p2}. */
  private hashPart(f: Frame, j: number, h: FingerprintEncoder): void {
    h.reset();
    h.int(j);
    this.encodeFrame(f, h);
    h.finish();
    this.p1 = h.hi;
    this.p2 = h.lo;
  }

  /** Whether {@link framePart} keeps and looks up parts (not for a state built by hand: {@link combineAll}). */
  private partsKept = true;

  /** How many frames' parts are kept now (at most `framePartSlots`): for tests and diagnostics. */
  keptFrameParts(): number {
    return this.partSlot.size;
  }

  /** {@link framePart}'s result. */
  private p1 = 0;
  private p2 = 0;
  /**
   * Per frame object hashed, its slot in {@link parts}: depth, then the part's two words. Cleared
   * when full ({@link partSlots} frames): it holds the frames it names, so it is bounded.
   */
  private readonly partSlot = new Map<Frame, number>();
  private readonly partSlots: number;
  private readonly parts: Int32Array;

  /** Under `verifyReduction`: the part {@link framePart} found for `f` at depth `j` is the one hashing it gives. */
  private verifyPart(f: Frame, j: number, h: FingerprintEncoder): void {
    const p1 = this.p1;
    const p2 = this.p2;
    this.hashPart(f, j, h);
    if (p1 !== this.p1 || p2 !== this.p2) throw new Error('internal error: a frame changed after a state held it (KernelModel.framePart)');
  }

  /** Thread `t`'s hash, from the sums of its frame parts and its header: `h.hi/lo`. */
  private threadHash(t: ThreadState, f1: number, f2: number, h: FingerprintEncoder): void {
    h.reset();
    h.int(f1);
    h.int(f2);
    this.threadHeader(t, h);
    h.finish();
  }

  /** Hash the pairs into `h` from its seed, and finish. */
  private hashPairs(pairs: KState['pairs'], h: FingerprintEncoder): void {
    h.reset();
    this.encodePairs(pairs, h);
    h.finish();
  }

  /** A part's hash mixed with its place ({@link encode}), into {@link m1} and {@link m2}. */
  private place(part: number, hi: number, lo: number): void {
    const x = this.partAt(part);
    x.int(hi);
    x.int(lo);
    this.partDone(x);
  }

  /** The value of memory key `q` (`memKeys` order) holding `v`: its place, then the value, hashed; into {@link m1} and {@link m2}. */
  private memPart(q: number, v: Value): void {
    const x = this.partAt(this.memPlace + q);
    encodeValue(x, v, this.ids);
    this.partDone(x);
  }

  /** The value of lock `q` (`lockKeys` order) in state `l`: its place, then the lock's words, hashed; into {@link m1} and {@link m2}. */
  private lockPart(q: number, l: LockState): void {
    const x = this.partAt(this.lockPlace + q);
    encodeLock(l, x);
    this.partDone(x);
  }

  /** The mixer, reset and fed a part's place: the first word of the part's value. */
  private partAt(place: number): FingerprintEncoder {
    const x = this.mixer;
    x.reset();
    x.int(place);
    return x;
  }

  /** Finish the part's value begun with {@link partAt}, into {@link m1} and {@link m2}. */
  private partDone(x: FingerprintEncoder): void {
    x.finish();
    this.m1 = x.hi;
    this.m2 = x.lo;
  }

  private m1 = 0;
  private m2 = 0;

  /** The place of the first memory key and of the first lock (the threads' are 0..n-1, the pairs' n). */
  private readonly memPlace: number;
  private readonly lockPlace: number;
  /** The keys (memory or locks) whose values differ, and those values ({@link memDiff}, {@link lockDiff}). */
  private readonly diffAt: Int32Array;
  private readonly memVals: Value[] = [];
  private readonly lockVals: LockState[] = [];
  /** The old values of the keys that differ ({@link keyParts}). */
  private readonly memOlds: Value[] = [];
  private readonly lockOlds: LockState[] = [];
  /** Which memory keys differ between two memories, with the second's values ({@link keyDiffer}). */
  private readonly memDiff: KeyDiffer<Value>;
  /** Which locks differ between two lock tables (another object: a step replaces the locks it changes). */
  private readonly lockDiff: KeyDiffer<LockState>;

  /** The state {@link nextState} last stepped from. */
  private lastFrom: KState | undefined;
  /** Whether {@link lastFrom} is frozen (asked once per state stepped from, not per successor encoded). */
  private lastFromFrozen = false;
  /** The recording of the state last stepped from. */
  private rec = new Recording();
  /** The one before it: a new recording copies the parts it shares with it. */
  private spare = new Recording();
  /** Hashes parts. */
  private readonly hasher = new FingerprintEncoder();
  /** Mixes a part's hash with its place. */
  private readonly mixer = new FingerprintEncoder();

  /**
   * Record, for `s`, each thread's and the pairs' hash and value, the sums, and each thread's frame
   * sums and top frame part ({@link encode}). A part `s` shares with the previous
   * recording's state (the state expanded before, in breadth-first order often a sibling), at its
   * place or another, is copied from it (the memory keys' and locks' sum: changed by the keys whose
   * values are not that state's); a thread that shares its first frames with one there is hashed
   * from the first frame it does not share; the other parts are hashed. A state whose recording
   * was carried from its encoding ({@link carry}) is not recorded again: only initial states and
   * states moved between the parallel search's sides are, and every state where the strategy is not
   * breadth-first.
   */
  private record(s: KState): void {
    const q = this.rec;
    const r = this.spare;
    this.spare = q;
    this.rec = r;
    this.recordInto(s, q, r);
  }

  /** {@link record}'s work: `s` recorded into `r`, with the parts it shares with `q`'s state copied from `q` (a recording of no state: every part hashed). */
  private recordInto(s: KState, q: Recording, r: Recording): void {
    const qs = q.state;
    const n = s.threads.length;
    // Parts are copied from q only when q is of a frozen state with as many threads.
    const from = qs !== undefined && qs.threads.length === n ? qs : undefined;
    const h = this.hasher;
    r.begin(n);
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const t = s.threads[i]!;
      // The same thread state, at this index or (a permuted representative) at another.
      const qi = from === undefined ? -1 : t === from.threads[i] ? i : indexOfThread(from.threads, t);
      if (qi >= 0) {
        r.c1[i] = q.c1[qi]!;
        r.c2[i] = q.c2[qi]!;
        r.f1[i] = q.f1[qi]!;
        r.f2[i] = q.f2[qi]!;
        r.t1[i] = q.t1[qi]!;
        r.t2[i] = q.t2[qi]!;
      } else {
        this.frameSums(t, i, from?.threads, q, h);
        r.f1[i] = this.fs1;
        r.f2[i] = this.fs2;
        r.t1[i] = this.ft1;
        r.t2[i] = this.ft2;
        this.threadHash(t, this.fs1, this.fs2, h);
        r.c1[i] = h.hi;
        r.c2[i] = h.lo;
      }
      if (qi === i) {
        r.m1[i] = q.m1[i]!;
        r.m2[i] = q.m2[i]!;
      } else {
        this.place(i, r.c1[i]!, r.c2[i]!);
        r.m1[i] = this.m1;
        r.m2[i] = this.m2;
      }
      s1 = (s1 + r.m1[i]!) | 0;
      s2 = (s2 + r.m2[i]!) | 0;
    }
    // The pairs: copied from q when they are q's, else hashed.
    if (from !== undefined && s.pairs === from.pairs) {
      r.m1[n] = q.m1[n]!;
      r.m2[n] = q.m2[n]!;
    } else {
      this.hashPairs(s.pairs, h);
      this.place(n, h.hi, h.lo);
      r.m1[n] = this.m1;
      r.m2[n] = this.m2;
    }
    s1 = (s1 + r.m1[n]!) | 0;
    s2 = (s2 + r.m2[n]!) | 0;
    // Memory keys and locks: q's sums, changed by the keys whose values are not q's.
    this.keyParts(from ?? null, s);
    const ms1 = from === undefined ? this.d1 : (q.ms1 + this.d1) | 0;
    const ms2 = from === undefined ? this.d2 : (q.ms2 + this.d2) | 0;
    r.ms1 = ms1;
    r.ms2 = ms2;
    r.s1 = (s1 + ms1) | 0;
    r.s2 = (s2 + ms2) | 0;
    r.state = s;
  }

  /**
   * Feed `e` {@link encode}'s combination for `s`, against the recording `r` of the state it was
   * stepped from: the recorded sums, with the value of each part `s` changed replaced.
   */
  private combineAgainst(s: KState, r: Recording, e: FingerprintEncoder): void {
    const p = r.state!;
    const n = s.threads.length;
    const h = this.hasher;
    // With carried words on (carry()): the successor's recording, built as its parts are found.
    const w = this.carrying ? this.succ : null;
    if (w !== null) w.begin(n);
    let s1 = r.s1;
    let s2 = r.s2;
    for (let i = 0; i < n; i++) {
      const t = s.threads[i]!;
      if (t === p.threads[i]) {
        if (w !== null) w.keep(r, i);
        continue;
      }
      let c1: number;
      let c2: number;
      let f1: number;
      let f2: number;
      let t1: number;
      let t2: number;
      const j = indexOfThread(p.threads, t);
      if (j >= 0) {
        c1 = r.c1[j]!;
        c2 = r.c2[j]!;
        f1 = r.f1[j]!;
        f2 = r.f2[j]!;
        t1 = r.t1[j]!;
        t2 = r.t2[j]!;
      } else {
        this.frameSums(t, i, p.threads, r, h);
        f1 = this.fs1;
        f2 = this.fs2;
        t1 = this.ft1;
        t2 = this.ft2;
        this.threadHash(t, f1, f2, h);
        c1 = h.hi;
        c2 = h.lo;
        if (c1 === r.c1[i] && c2 === r.c2[i]) {
          if (w !== null) {
            w.keep(r, i);
            w.f1[i] = f1;
            w.f2[i] = f2;
            w.t1[i] = t1;
            w.t2[i] = t2;
          }
          continue;
        }
      }
      this.place(i, c1, c2);
      s1 = (s1 - r.m1[i]! + this.m1) | 0;
      s2 = (s2 - r.m2[i]! + this.m2) | 0;
      if (w !== null) {
        w.c1[i] = c1;
        w.c2[i] = c2;
        w.f1[i] = f1;
        w.f2[i] = f2;
        w.t1[i] = t1;
        w.t2[i] = t2;
        w.m1[i] = this.m1;
        w.m2[i] = this.m2;
      }
    }
    if (s.pairs !== p.pairs) {
      this.hashPairs(s.pairs, h);
      this.place(n, h.hi, h.lo);
      s1 = (s1 - r.m1[n]! + this.m1) | 0;
      s2 = (s2 - r.m2[n]! + this.m2) | 0;
      if (w !== null) {
        w.m1[n] = this.m1;
        w.m2[n] = this.m2;
      }
    } else if (w !== null) {
      w.m1[n] = r.m1[n]!;
      w.m2[n] = r.m2[n]!;
    }
    this.keyParts(p, s);
    s1 = (s1 + this.d1) | 0;
    s2 = (s2 + this.d2) | 0;
    e.int(n);
    e.int(s1);
    e.int(s2);
    this.shift1 = (s1 - r.s1) | 0;
    this.shift2 = (s2 - r.s2) | 0;
    this.shiftKnown = true;
    if (w !== null) {
      w.ms1 = (r.ms1 + this.d1) | 0;
      w.ms2 = (r.ms2 + this.d2) | 0;
      w.s1 = s1;
      w.s2 = s2;
      w.state = s;
      this.succOf = r;
      this.succFrom = p;
    }
  }

  /** Whether {@link combineAgainst} builds the successor's recording ({@link carry}). */
  private carrying = false;
  /** The recording of the successor last encoded, while {@link carrying}: made against {@link succOf} (a recording of {@link succFrom}). */
  private readonly succ = new SuccessorRecording();
  private succOf: Recording | undefined;
  private succFrom: KState | undefined;

  /**
   * Carried words (checker `Carry`): a successor's recording ({@link record}: its threads' and
   * pairs' hashes and values, the sums, each thread's frame sums and top frame part), which
   * {@link combineAgainst} builds as it fingerprints the successor (the parts the successor shares
   * with the state it was stepped from copied from that state's recording, the others as it
   * hashes them), saved beside the successor in its level and made the current recording again
   * before its expansion, so that the expansion does not record the state again (issue 12, item
   * 3: recording each expanded state was 15% of the kernel bench's time, a thread hashed 2.3 times
   * on average, its siblings' recordings being the only ones at hand). The words: the thread
   * count, the sums, the memory keys' and locks' sums, then per thread its hash, frame sums and top
   * frame part, then each part's value (the threads', then the pairs'): 5 + 8n + 2 words for n
   * threads (39 on the kernel bench's four; the lanes before each frame that the recordings kept
   * until the twenty-fifth session made 105 on average). Under `verifyReduction` a resumed
   * recording is compared with one made afresh.
   */
  carry(): Carry<KState> {
    this.carrying = true;
    return {
      save: (state, out) => this.saveCarry(state, out),
      resume: (state, buf, from, to) => this.resumeCarry(state, buf, from, to),
    };
  }

  private saveCarry(state: KState, out: Words): boolean {
    const w = this.succ;
    const r = this.succOf;
    if (w.state !== state || r === undefined || r.state !== this.succFrom) return false;
    const n = state.threads.length;
    out.room(CARRY_HEAD + 8 * n + 2);
    const buf = out.buf;
    let o = out.length;
    buf[o++] = n;
    buf[o++] = w.s1;
    buf[o++] = w.s2;
    buf[o++] = w.ms1;
    buf[o++] = w.ms2;
    for (let i = 0; i < n; i++) {
      buf[o++] = w.c1[i]!;
      buf[o++] = w.c2[i]!;
      buf[o++] = w.f1[i]!;
      buf[o++] = w.f2[i]!;
      buf[o++] = w.t1[i]!;
      buf[o++] = w.t2[i]!;
    }
    for (let i = 0; i <= n; i++) {
      buf[o++] = w.m1[i]!;
      buf[o++] = w.m2[i]!;
    }
    out.length = o;
    return true;
  }

  private resumeCarry(state: KState, buf: Int32Array, from: number, to: number): void {
    const r = this.spare;
    this.spare = this.rec;
    this.rec = r;
    let o = from;
    const n = buf[o++]!;
    if (n !== state.threads.length) throw new Error('internal error: carried words of a state of another thread count');
    if (to - from !== CARRY_HEAD + 8 * n + 2) throw new Error('internal error: carried words that do not fit the state they were kept with');
    r.begin(n);
    r.s1 = buf[o++]!;
    r.s2 = buf[o++]!;
    r.ms1 = buf[o++]!;
    r.ms2 = buf[o++]!;
    for (let i = 0; i < n; i++) {
      r.c1[i] = buf[o++]!;
      r.c2[i] = buf[o++]!;
      r.f1[i] = buf[o++]!;
      r.f2[i] = buf[o++]!;
      r.t1[i] = buf[o++]!;
      r.t2[i] = buf[o++]!;
    }
    for (let i = 0; i <= n; i++) {
      r.m1[i] = buf[o++]!;
      r.m2[i] = buf[o++]!;
    }
    r.state = state;
    if (this.verify) this.verifyResumed(r);
  }

  /** Under `verifyReduction`: the recording resumed from carried words is the one recording its state afresh gives. */
  private verifyResumed(r: Recording): void {
    const fresh = new Recording();
    this.recordInto(r.state!, new Recording(), fresh);
    const n = r.state!.threads.length;
    const same = (a: Int32Array, b: Int32Array, k: number): boolean => {
      for (let i = 0; i < k; i++) if (a[i] !== b[i]) return false;
      return true;
    };
    if (
      fresh.s1 !== r.s1 ||
      fresh.s2 !== r.s2 ||
      fresh.ms1 !== r.ms1 ||
      fresh.ms2 !== r.ms2 ||
      !same(fresh.c1, r.c1, n) ||
      !same(fresh.c2, r.c2, n) ||
      !same(fresh.f1, r.f1, n) ||
      !same(fresh.f2, r.f2, n) ||
      !same(fresh.t1, r.t1, n) ||
      !same(fresh.t2, r.t2, n) ||
      !same(fresh.m1, r.m1, n + 1) ||
      !same(fresh.m2, r.m2, n + 1)
    ) {
      throw new Error('internal error: a recording resumed from carried words differs from the state\'s own (KernelModel.carry)');
    }
  }

  /** What the state last encoded ({@link combineAgainst}) added to the lane sums of the state it was stepped from; known only there. */
  private shift1 = 0;
  private shift2 = 0;
  private shiftKnown = false;

  private encodeThread(t: ThreadState, e: Encoder): void {
    this.threadHeader(t, e);
    for (let i = 0; i < t.frames.length; i++) this.encodeFrame(t.frames[i]!, e);
  }

  private threadHeader(t: ThreadState, e: Encoder): void {
    e.int(t.frames.length);
    e.int(t.srcu);
    e.int(t.pending ? 1 : 0);
  }

  private encodeFrame(f: Frame, e: Encoder): void {
    e.int(f.fn);
    e.int(f.pc);
    e.int(f.dest);
    e.int(f.ctx);
    if (f.op) {
      e.int(OP_KIND[f.op.kind]);
      encodeValue(e, f.op.nid, this.ids);
      e.int(f.op.start);
      e.int(f.op.end);
      e.int(f.op.blockable);
      e.int(f.op.mayfail);
    } else e.int(0);
    e.int(f.locals.length);
    const locals = f.locals;
    for (let i = 0; i < locals.length; i++) encodeValue(e, locals[i]!, this.ids);
  }

  private encodeMem(mem: KState['mem'], e: Encoder): void {
    for (const k of this.program.memKeys) encodeValue(e, mem[k]!, this.ids);
  }

  private encodeLocks(locks: KState['locks'], e: Encoder): void {
    for (const k of this.program.lockKeys) encodeLock(locks[k]!, e);
  }

  private encodePairs(pairs: KState['pairs'], e: Encoder): void {
    e.int(pairs.length);
    for (let i = 0; i < pairs.length; i++) {
      const p = pairs[i]!;
      e.int(p.tid);
      encodeValue(e, p.nid, this.ids);
      e.int(p.start);
      e.int(p.end);
      e.int(p.blockable);
      e.int(p.mayfail);
      e.int(p.ret);
    }
  }
}

/** Frames whose parts {@link KernelModel} keeps at most, by default (2^16: 768 KiB of parts, and the frames). */
const PART_SLOTS = 1 << 16;

/** Carried words before the threads': the thread count, the sums, the memory keys' and locks' sums. */
const CARRY_HEAD = 5;

/**
 * What {@link KernelModel.encode} recorded of one state: per thread the sums of its frame parts
 * and its hash, per thread and for the pairs (after the threads) its value (the hash mixed with
 * its place), and the sums (of every part, and of the memory keys' and locks' alone).
 */
class Recording {
  /** The state recorded (undefined: none yet). */
  state: KState | undefined;
  /** Per thread: its hash (its frame parts' sums and its header, hashed). */
  c1 = new Int32Array(8);
  c2 = new Int32Array(8);
  /** Per thread: the sums of its frame parts, per lane (KernelModel.frameSums). */
  f1 = new Int32Array(8);
  f2 = new Int32Array(8);
  /** Per thread: its top frame's part (0 for a finished thread). */
  t1 = new Int32Array(8);
  t2 = new Int32Array(8);
  /** Per thread, then the pairs: the hash mixed with its place. */
  m1 = new Int32Array(8);
  m2 = new Int32Array(8);
  /** The sums of the memory keys' and the locks' values, per lane. */
  ms1 = 0;
  ms2 = 0;
  /** The sums of every part's value, per lane. */
  s1 = 0;
  s2 = 0;

  /** Start recording a state of `n` threads. */
  begin(n: number): void {
    this.state = undefined;
    if (this.c1.length < n + 1) {
      this.c1 = new Int32Array(2 * (n + 1));
      this.c2 = new Int32Array(2 * (n + 1));
      this.f1 = new Int32Array(2 * (n + 1));
      this.f2 = new Int32Array(2 * (n + 1));
      this.t1 = new Int32Array(2 * (n + 1));
      this.t2 = new Int32Array(2 * (n + 1));
      this.m1 = new Int32Array(2 * (n + 1));
      this.m2 = new Int32Array(2 * (n + 1));
    }
  }
}

/** A successor's recording as {@link KernelModel} builds it while fingerprinting (its `carry`). */
class SuccessorRecording extends Recording {
  /** Thread `i` as recording `r` has it at `i` (its sums, hash and value). */
  keep(r: Recording, i: number): void {
    this.c1[i] = r.c1[i]!;
    this.c2[i] = r.c2[i]!;
    this.f1[i] = r.f1[i]!;
    this.f2[i] = r.f2[i]!;
    this.t1[i] = r.t1[i]!;
    this.t2[i] = r.t2[i]!;
    this.m1[i] = r.m1[i]!;
    this.m2[i] = r.m2[i]!;
  }
}

function isFree(l: LockState): boolean {
  return l.kind === 'rwsem' ? l.writer === -1 && l.readers.length === 0 && l.waiters.length === 0 : l.owner === -1;
}

export type { ExecutedInstr, KAction };
export { NON_OWNER };
