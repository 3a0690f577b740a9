/**
 * A scenario as a {@link Model} the engine explores: states are {@link KState} Immer snapshots,
 * actions are thread steps.
 */
import { FingerprintEncoder, WordRecorder } from '../checker/fingerprint.ts';
import type { Encoder, Model, Property, ThreadInfo } from '../checker/model.ts';
import { holders } from './lang/locks.ts';
import { Interpreter, type ExecutedInstr, type KAction, type StepResult } from './lang/interp.ts';
import { PartialOrder } from './lang/por.ts';
import type { Program } from './lang/program.ts';
import type { StateReads } from './lang/reduction.ts';
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
  readonly properties?: readonly Property<KState>[];
}

const OP_KIND = { invalidate_range_start: 1, invalidate_range_end: 2, release: 3 } as const;

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
  private readonly ids: ReadonlyMap<string, number>;

  constructor(
    readonly program: Program,
    options: KernelModelOptions = {},
  ) {
    this.interp = new Interpreter(program, {
      ...(options.coalesce === undefined ? {} : { coalesce: options.coalesce }),
      ...(options.reads === undefined ? {} : { reads: options.reads }),
      ...(options.verifyReduction === undefined ? {} : { verifyReduction: options.verifyReduction }),
    });
    this.props = options.properties ?? [];
    this.ids = internTable(program);
    if (options.por ?? options.coalesce ?? true) {
      const po = new PartialOrder(this.interp);
      this.po = po;
      this.ample = (state, acts) => po.ample(state, acts);
    }
  }

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
    return this.po?.successorOf(state, action) ?? this.interp.next(state, action);
  }

  /** The full step: executed statements and the shared variables read and written. */
  step(state: KState, action: KAction): StepResult {
    return this.interp.step(state, action);
  }

  properties(): readonly Property<KState>[] {
    return this.props;
  }

  /** Set the properties (they usually need the model itself to evaluate: see src/properties). */
  setProperties(props: readonly Property<KState>[]): void {
    this.props = props;
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
   * state {@link nextState} last stepped from: the step shares every part it did not change with
   * that state (a thread, memory, the lock table, the pairs: the same frozen object), and the words
   * of a shared part are replayed from that state's recorded encoding instead of walking the part
   * again (issue 12, item 3). The words are the ones the part's own encoding gives, so the
   * fingerprint is the same either way.
   */
  encode(state: KState, e: Encoder): void {
    if (e instanceof FingerprintEncoder) {
      const r = this.scratch;
      r.reset();
      const p = this.lastFrom;
      // A state built by hand (tests) is not frozen: its parts could change between two encodings.
      if (p !== undefined && p.threads.length === state.threads.length && Object.isFrozen(p)) {
        if (this.recorded !== p) this.record(p);
        const w = this.recorder.words;
        const at = this.partAt;
        const n = state.threads.length;
        r.int(n);
        for (let i = 0; i < n; i++) {
          const t = state.threads[i]!;
          if (t === p.threads[i]) r.copy(w, at[i]!, at[i + 1]!);
          else this.encodeThreadAgainst(t, p, i, r);
        }
        if (state.mem === p.mem) r.copy(w, at[n]!, at[n + 1]!);
        else this.encodeMem(state.mem, r);
        if (state.locks === p.locks) r.copy(w, at[n + 1]!, at[n + 2]!);
        else this.encodeLocks(state.locks, r);
        if (state.pairs === p.pairs) r.copy(w, at[n + 2]!, at[n + 3]!);
        else this.encodePairs(state.pairs, r);
      } else this.encodeAll(state, r);
      e.replay(r.words, 0, r.position);
      return;
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
  /** The state whose parts' words {@link recorder} holds, at offsets {@link partAt}. */
  private recorded: KState | undefined;
  private readonly recorder = new WordRecorder();
  /** Where each thread's words start in the recording, then memory's, the locks', the pairs', and the end. */
  private partAt = new Int32Array(8);
  /** Where each frame of the recorded state starts (and, after a thread's last frame, where it ends). */
  private frameAt = new Int32Array(64);
  /** Per thread of the recorded state, the index of its first frame in {@link frameAt}. */
  private firstFrame = new Int32Array(4);
  /** The words of the state being encoded, hashed in one go. */
  private readonly scratch = new WordRecorder();

  /** Record the words of `s` in {@link recorder}: where each part starts in {@link partAt}, each frame in {@link frameAt}. */
  private record(s: KState): void {
    const r = this.recorder;
    const n = s.threads.length;
    if (this.partAt.length < n + 4) this.partAt = new Int32Array(n + 4);
    if (this.firstFrame.length < n) this.firstFrame = new Int32Array(n);
    let frames = 0;
    for (const t of s.threads) frames += t.frames.length + 1;
    if (this.frameAt.length < frames) this.frameAt = new Int32Array(frames * 2);
    const at = this.partAt;
    const fAt = this.frameAt;
    r.reset();
    let k = 0;
    for (let i = 0; i < n; i++) {
      const t = s.threads[i]!;
      at[i] = r.position;
      this.threadHeader(t, r);
      this.firstFrame[i] = k;
      for (const f of t.frames) {
        fAt[k++] = r.position;
        this.encodeFrame(f, r);
      }
      fAt[k++] = r.position;
    }
    at[n] = r.position;
    this.encodeMem(s.mem, r);
    at[n + 1] = r.position;
    this.encodeLocks(s.locks, r);
    at[n + 2] = r.position;
    this.encodePairs(s.pairs, r);
    at[n + 3] = r.position;
    this.recorded = s;
  }

  /** Thread `i` of the state being encoded, which differs from thread `i` of the recorded state `p`: its frames `p`'s thread shares are copied. */
  private encodeThreadAgainst(t: ThreadState, p: KState, i: number, r: WordRecorder): void {
    const pf = p.threads[i]!.frames;
    const w = this.recorder.words;
    const fAt = this.frameAt;
    const first = this.firstFrame[i]!;
    this.threadHeader(t, r);
    const frames = t.frames;
    for (let j = 0; j < frames.length; j++) {
      const f = frames[j]!;
      if (j < pf.length && f === pf[j]) r.copy(w, fAt[first + j]!, fAt[first + j + 1]!);
      else this.encodeFrame(f, r);
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

function isFree(l: LockState): boolean {
  return l.kind === 'rwsem' ? l.writer === -1 && l.readers.length === 0 && l.waiters.length === 0 : l.owner === -1;
}

export type { ExecutedInstr, KAction };
export { NON_OWNER };
