/**
 * A scenario as a {@link Model} the engine explores: states are {@link KState} Immer snapshots,
 * actions are thread steps.
 */
import { FingerprintEncoder, WordRecorder } from '../checker/fingerprint.ts';
import type { AlwaysProperty, Encoder, Model, Property, Symmetry, ThreadInfo } from '../checker/model.ts';
import { holders } from './lang/locks.ts';
import { Interpreter, ModelError, type ExecutedInstr, type KAction, type StepResult } from './lang/interp.ts';
import { PartialOrder } from './lang/por.ts';
import type { Program } from './lang/program.ts';
import type { StateReads } from './lang/reduction.ts';
import { threadClasses, ThreadSymmetry } from './lang/symmetry.ts';
import { NON_OWNER, type Frame, type KState, type LockState, type ThreadState, type Value } from './lang/state.ts';

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
    });
    this.props = options.properties ?? [];
    this.verify = options.verifyReduction ?? false;
    this.ids = internTable(program);
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    this.memWalk = new Function('encodeValue', 'ids', `return function memWalk(m, e) {\n${program.memKeys.map((k) => `  encodeValue(e, m[${JSON.stringify(k)}], ids);`).join('\n')}\n};`)(encodeValue, this.ids) as (mem: KState['mem'], e: Encoder) => void;
    if (options.por ?? options.coalesce ?? true) {
      const po = new PartialOrder(this.interp);
      this.po = po;
      this.ample = (state, acts) => po.ample(state, acts);
    }
    if (options.symmetry ?? options.por ?? options.coalesce ?? true) {
      const classes = threadClasses(program);
      if (classes.length) this.symmetry = new ThreadSymmetry(program, classes);
    }
  }

  /**
   * The classes of interchangeable threads and the canonical representative of a state
   * (src/model/lang/symmetry.ts), when the program has such a class and the option is on. A
   * permuted state encodes as any state does: {@link encode} replays a recorded unit only for the
   * very object it recorded at that place, and a thread's words do not depend on its index.
   */
  readonly symmetry?: Symmetry<KState>;

  readonly ample?: (state: KState, actions: readonly KAction[]) => number;
  private readonly po: PartialOrder | undefined;

  initStates(): readonly KState[] {
    return [this.interp.initial()];
  }

  actions(state: KState, out: KAction[]): void {
    this.interp.actions(state, out);
  }

  nextState(state: KState, action: KAction): KState {
    this.lastFrom = state;
    let next = this.po?.successorOf(state, action) ?? this.interp.next(state, action);
    // A state the partial-order reduction need not keep is run through (PartialOrder.chain).
    if (this.po) for (let c = this.po.chain(next, action.tid); c !== undefined; c = this.po.chain(next, action.tid)) next = c;
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
   * Into a {@link FingerprintEncoder} (the explorer's hot path) a successor is encoded against the
   * state {@link nextState} last stepped from, whose words are recorded unit by unit (the thread
   * count; per thread its header, then each frame; memory; the locks; the pairs) with the hash lanes
   * at the start of each unit. A step shares every part it did not change with that state (the same
   * frozen object), so the successor's words agree with the recorded ones up to the first unit it
   * changed: hashing resumes from the lanes recorded there, and after it a unit the successor shares
   * is replayed from the recording instead of walked again (issue 12, item 3), as is a thread state
   * the recorded state has at another place (a representative under symmetry moves threads; a
   * thread's words do not depend on its index). The words are the ones the full walk gives, so the
   * fingerprint is the same either way.
   */
  encode(state: KState, e: Encoder): void {
    if (e instanceof FingerprintEncoder) {
      const p = this.lastFrom;
      // A state built by hand (tests) is not frozen: its parts could change between two encodings.
      if (p !== undefined && p.threads.length === state.threads.length && Object.isFrozen(p)) {
        if (this.rec.state !== p) this.record(p);
        this.encodeAgainst(state, this.rec, e);
        return;
      }
    }
    this.encodeAll(state, e);
  }

  private encodeAll(state: KState, e: Encoder): void {
    e.int(state.threads.length);
    for (const t of state.threads) this.encodeThread(t, e);
    this.encodeMem(state.mem, e);
    this.encodeLocks(state.locks, e);
    this.encodePairs(state.pairs, e);
  }

  /** The state {@link nextState} last stepped from. */
  private lastFrom: KState | undefined;
  /** The recording of the state last stepped from. */
  private rec = new Recording();
  /** The one before it: a new recording copies the units it shares with it. */
  private spare = new Recording();
  /** Computes the lanes of a recording. */
  private readonly hasher = new FingerprintEncoder();

  /**
   * Record the words of `s`, and the lanes at the start of each unit, in a fresh {@link Recording}.
   * The units `s` shares with the previous recording's state (the state expanded before, in
   * breadth-first order often a sibling) are copied from it, and hashing starts at the first unit
   * that is not the same unit of that state.
   */
  private record(s: KState): void {
    const q = this.rec;
    const r = this.spare;
    this.spare = q;
    this.rec = r;
    const qs = q.state;
    const n = s.threads.length;
    // Units are copied from q only when q is of a frozen state with as many threads.
    const from = qs !== undefined && qs.threads.length === n ? qs : undefined;
    const w = r.words;
    r.begin(n);
    // `aligned`: every unit so far is q's unit of the same index (the same words, at the same place).
    let aligned = from !== undefined;
    let d = 0;
    r.open();
    w.int(n);
    for (let i = 0; i < n; i++) {
      const t = s.threads[i]!;
      r.threadUnit[i] = r.units;
      const qt = from?.threads[i];
      // The same thread state, at this index or (a permuted representative) at another.
      const qi = t === qt ? i : from !== undefined ? indexOfThread(from.threads, t) : -1;
      if (qi >= 0) {
        const u0 = q.threadUnit[qi]!;
        if (aligned && u0 !== r.units) {
          aligned = false;
          d = r.units;
        }
        r.copyUnits(q, u0, q.threadUnit[qi + 1]!);
        continue;
      }
      if (aligned) {
        aligned = false;
        d = r.units;
      }
      r.open();
      this.threadHeader(t, w);
      const frames = t.frames;
      const qf = qt?.frames;
      // A thread of q with the same bottom frame (the same thread, moved by a permutation) shares most frames.
      const b = from !== undefined ? sharerOf(from.threads, t, i) : i;
      const bf = b !== i ? from!.threads[b]!.frames : undefined;
      for (let j = 0; j < frames.length; j++) {
        const f = frames[j]!;
        if (bf !== undefined && j < bf.length && f === bf[j]) {
          const u = q.threadUnit[b]! + 1 + j;
          r.copyUnits(q, u, u + 1);
        } else if (qf !== undefined && j < qf.length && f === qf[j]) {
          const u = q.threadUnit[i]! + 1 + j;
          r.copyUnits(q, u, u + 1);
        } else {
          r.open();
          this.encodeFrame(f, w);
        }
      }
    }
    r.threadUnit[n] = r.units;
    // Memory, the locks, the pairs: each copied from q when it is q's, else encoded.
    for (let k = 0; k < 3; k++) {
      if (from !== undefined && (k === 0 ? s.mem === from.mem : k === 1 ? s.locks === from.locks : s.pairs === from.pairs)) {
        const u = q.threadUnit[n]! + k;
        if (aligned && u !== r.units) {
          aligned = false;
          d = r.units;
        }
        r.copyUnits(q, u, u + 1);
        continue;
      }
      if (aligned) {
        aligned = false;
        d = r.units;
      }
      r.open();
      if (k === 0) this.memWalk(s.mem, w);
      else if (k === 1) this.encodeLocks(s.locks, w);
      else this.encodePairs(s.pairs, w);
    }
    r.close();
    if (aligned) d = r.units;
    // The lanes: q's as far as q has them, up to unit d (the words before it are q's); the rest
    // are hashed when a successor needs them (lanesTo).
    const known = Math.min(d, q.lanes);
    if (known === 0) {
      const h = this.hasher;
      h.reset();
      r.h1[0] = h.lane1;
      r.h2[0] = h.lane2;
    } else {
      for (let u = 0; u <= known; u++) {
        r.h1[u] = q.h1[u]!;
        r.h2[u] = q.h2[u]!;
      }
    }
    r.lanes = known;
    r.state = s;
  }

  /**
   * Make sure recording `r` has the lanes at the start of unit `d` (hashing its words from the last
   * unit it has them for). A recording's lanes are computed only as far as a successor resumes
   * from: the units after the last change of any successor are never hashed for the recording.
   */
  private lanesTo(r: Recording, d: number): void {
    const from = r.lanes;
    if (d <= from) return;
    const h = this.hasher;
    h.resume(r.h1[from]!, r.h2[from]!, r.start[from]! >> 1);
    const words = r.words.words;
    for (let u = from; u < d; u++) {
      h.replay(words, r.start[u]!, r.start[u + 1]!);
      r.h1[u + 1] = h.lane1;
      r.h2[u + 1] = h.lane2;
    }
    r.lanes = d;
  }

  /**
   * Feed `e` the encoding of `s` against the recording `r` of the state it was stepped from: from the
   * lanes at the first unit `s` does not share, then each unit replayed when `s` shares it and
   * encoded otherwise.
   */
  private encodeAgainst(s: KState, r: Recording, e: FingerprintEncoder): void {
    const p = r.state!;
    const n = s.threads.length;
    const memUnit = r.threadUnit[n]!;
    // The first unit s changed: thread i's header (first frame -1) or its frame `first`, or a part after the threads.
    let i = 0;
    let first = 0;
    let d = -1;
    for (; i < n; i++) {
      const t = s.threads[i]!;
      const pt = p.threads[i]!;
      if (t === pt) continue;
      if (t.frames.length === pt.frames.length && t.srcu === pt.srcu && t.pending === pt.pending && indexOfThread(p.threads, t) < 0) {
        const f = t.frames;
        const pf = pt.frames;
        let j = 0;
        while (j < f.length && f[j] === pf[j]) j++;
        if (j === f.length) continue;
        first = j;
        d = r.threadUnit[i]! + 1 + j;
      } else {
        first = -1;
        d = r.threadUnit[i]!;
      }
      break;
    }
    if (d < 0) d = s.mem !== p.mem ? memUnit : s.locks !== p.locks ? memUnit + 1 : s.pairs !== p.pairs ? memUnit + 2 : r.units;
    const words = r.words.words;
    if (e.count === 0) {
      this.lanesTo(r, d);
      e.resume(r.h1[d]!, r.h2[d]!, r.start[d]! >> 1);
    } else e.replay(words, 0, r.start[d]!);
    if (i < n) {
      const t = s.threads[i]!;
      // A thread the recorded state has at another place (a permutation moved it) is replayed from
      // there: a thread's words do not depend on its index.
      const j = first < 0 ? indexOfThread(p.threads, t) : -1;
      if (j >= 0) e.replay(words, r.start[r.threadUnit[j]!]!, r.start[r.threadUnit[j + 1]!]!);
      else {
        if (first < 0) {
          this.threadHeader(t, e);
          first = 0;
        }
        this.framesAgainst(t, i, sharerOf(p.threads, t, i), first, r, e);
      }
      for (i++; i < n; i++) {
        const t = s.threads[i]!;
        const pt = p.threads[i]!;
        const u = r.threadUnit[i]!;
        if (t === pt) e.replay(words, r.start[u]!, r.start[r.threadUnit[i + 1]!]!);
        else {
          const j = indexOfThread(p.threads, t);
          if (j >= 0) e.replay(words, r.start[r.threadUnit[j]!]!, r.start[r.threadUnit[j + 1]!]!);
          else {
            this.threadHeader(t, e);
            this.framesAgainst(t, i, sharerOf(p.threads, t, i), 0, r, e);
          }
        }
      }
      d = memUnit;
    }
    if (d <= memUnit) {
      if (s.mem === p.mem) e.replay(words, r.start[memUnit]!, r.start[memUnit + 1]!);
      else this.memWalk(s.mem, e);
    }
    if (d <= memUnit + 1) {
      if (s.locks === p.locks) e.replay(words, r.start[memUnit + 1]!, r.start[memUnit + 2]!);
      else this.encodeLocks(s.locks, e);
    }
    if (d <= memUnit + 2) {
      if (s.pairs === p.pairs) e.replay(words, r.start[memUnit + 2]!, r.start[memUnit + 3]!);
      else this.encodePairs(s.pairs, e);
    }
  }

  /**
   * Frames `from..` of thread `t` (index `i` of the successor), each replayed where the recorded
   * state has the very frame at the same depth in its thread `b` or `i`, else encoded.
   */
  private framesAgainst(t: ThreadState, i: number, b: number, from: number, r: Recording, e: FingerprintEncoder): void {
    const frames = t.frames;
    const p = r.state!;
    const bf = p.threads[b]!.frames;
    const pf = p.threads[i]!.frames;
    const bu = r.threadUnit[b]! + 1;
    const pu = r.threadUnit[i]! + 1;
    const words = r.words.words;
    for (let j = from; j < frames.length; j++) {
      const f = frames[j]!;
      if (j < bf.length && f === bf[j]) e.replay(words, r.start[bu + j]!, r.start[bu + j + 1]!);
      else if (j < pf.length && f === pf[j]) e.replay(words, r.start[pu + j]!, r.start[pu + j + 1]!);
      else this.encodeFrame(f, e);
    }
  }

  private encodeThread(t: ThreadState, e: Encoder): void {
    this.threadHeader(t, e);
    for (const f of t.frames) this.encodeFrame(f, e);
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

  /**
   * {@link encodeMem}, unrolled: a function built once per program whose body reads each key of
   * `memKeys` by name, in order (`encodeValue(e, m["mm.flags"], ids); ...`). Reading a key that
   * varies in a loop goes through V8's megamorphic keyed load; a constant key is a fast load. The
   * fingerprint's hot path uses it (issue 12, item 3); test/model/encode-replay.test.ts checks it
   * gives the words `encodeMem` gives.
   */
  private readonly memWalk: (mem: KState['mem'], e: Encoder) => void;

  private encodeMem(mem: KState['mem'], e: Encoder): void {
    for (const k of this.program.memKeys) encodeValue(e, mem[k]!, this.ids);
  }

  private encodeLocks(locks: KState['locks'], e: Encoder): void {
    for (const k of this.program.lockKeys) {
      const l = locks[k]!;
      switch (l.kind) {
        case 'mutex':
        case 'spin':
          e.int(l.owner);
          break;
        case 'rwsem':
          e.int(l.writer);
          e.int(l.readers.length);
          for (const r of l.readers) e.int(r);
          e.int(l.waiters.length);
          for (const w of l.waiters) {
            e.int(w.tid);
            e.bool(w.write);
            e.bool(w.nonOwner === true);
          }
          break;
      }
    }
  }

  private encodePairs(pairs: KState['pairs'], e: Encoder): void {
    e.int(pairs.length);
    for (const p of pairs) {
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

/**
 * The words of one state's encoding in units (the thread count; per thread its header, then each
 * frame; memory; the locks; the pairs), with the hash lanes at the start of each unit
 * ({@link KernelModel.encode}).
 */
class Recording {
  /** The state recorded (undefined: none yet). */
  state: KState | undefined;
  readonly words = new WordRecorder();
  /** Units recorded. */
  units = 0;
  /** Where each unit's words start; `start[units]` is the end. */
  start = new Int32Array(64);
  /** The lanes before each unit, at units 0 to {@link lanes}; at `units`, after the last. */
  h1 = new Int32Array(64);
  h2 = new Int32Array(64);
  /** The last unit whose lanes are known (the ones before it are too). */
  lanes = 0;
  /** The unit of each thread's header; at the thread count, memory's unit (the locks' and the pairs' follow). */
  threadUnit = new Int32Array(8);

  /** Start recording a state of `n` threads. */
  begin(n: number): void {
    this.state = undefined;
    this.words.reset();
    this.units = 0;
    this.lanes = 0;
    if (this.threadUnit.length < n + 1) this.threadUnit = new Int32Array(2 * (n + 1));
  }

  /** A new unit starts at the current position. */
  open(): void {
    this.room(this.units + 2);
    this.start[this.units++] = this.words.position;
  }

  /** The end of the last unit. */
  close(): void {
    this.start[this.units] = this.words.position;
  }

  /** Append units `from..to` of `q` (their words, as units of their own). */
  copyUnits(q: Recording, from: number, to: number): void {
    const n = to - from;
    this.room(this.units + n + 1);
    const base = this.words.position - q.start[from]!;
    for (let u = from; u < to; u++) this.start[this.units++] = q.start[u]! + base;
    this.words.copy(q.words.words, q.start[from]!, q.start[to]!);
  }

  private room(need: number): void {
    if (need <= this.start.length) return;
    const grow = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(2 * need);
      b.set(a);
      return b;
    };
    this.start = grow(this.start);
    this.h1 = grow(this.h1);
    this.h2 = grow(this.h2);
  }
}

function isFree(l: LockState): boolean {
  return l.kind === 'rwsem' ? l.writer === -1 && l.readers.length === 0 && l.waiters.length === 0 : l.owner === -1;
}

export type { ExecutedInstr, KAction };
export { NON_OWNER };
