/**
 * The interpreter: executes a linked {@link Program}'s instructions on an Immer snapshot.
 *
 * One instruction is one atomic step of its thread. A thread is enabled when its next instruction
 * can run: a contended `mutex_lock`, a `down_read` behind a queued writer, an unmet `wait_event`
 * and so on leave it with no enabled action until another thread changes the state.
 *
 * Coalescing (on by default): after each step the thread runs on, within the same transition,
 * through the statements the reduction finds independent of every other thread and invisible to
 * every property being checked (src/model/lang/reduction.ts, which states the argument and its checks).
 * `coalesce: false` turns it off (one transition per statement). With `verifyReduction`, every
 * statement the interpreter runs is checked against the effects the reduction assumed for it, and
 * every coalesced statement against what the properties read: a broken premise is a ModelError,
 * never a silently wrong verdict.
 *
 * For every step the interpreter records the shared variables and locks it read and wrote.
 */
import type { Draft } from 'immer';
import { internalized } from './intern.ts';
import { printExpr, type Expr, type Src } from './ir.ts';
import { instrCalls, parseStackRef, stackRef, type CompiledFn, type Instr } from './compile.ts';
import { OP_NAMES, type NotifierSpec, type OpName, type Program } from './program.ts';
import { KernelOops, PENDING, type Arg, type PrimCtx, type Primitive, type Wait } from './primitives.ts';
import { initialLock, ownsExclusively } from './locks.ts';
import { liveStatements } from './live.ts';
import { locksets } from './lockset.ts';
import type { Footprint } from './footprint.ts';
import { frozenFrame, SegmentMemo, SegmentRecording } from './segment-memo.ts';
import { COALESCE, COALESCE_UNLESS_RESTORES, COALESCE_UNLESS_SLEEP_WATCHED, COALESCE_UNLESS_SLEEP_WATCHED_OR_RESTORES, fieldOf, KEEP, reach, READS_EVERYTHING, Reduction, type Effects, type RunWatch, type StateReads } from './reduction.ts';
import {
  copyArray,
  CTX_NONBLOCK_END,
  CTX_NONBLOCK_START,
  CTX_NON_BLOCK_UNIT,
  nonBlockCount,
  keyReader,
  emptyObjects,
  objectCopier,
  topOf,
  type Frame,
  type KState,
  type LockState,
  type OpFrame,
  type PairRecord,
  type ThreadState,
  type Value,
} from './state.ts';

/** A transition: thread `tid` runs its next step, taking outcome `choice` of a non-deterministic primitive. */
export interface KAction {
  readonly tid: number;
  readonly choice: number;
}

/** One executed instruction, for traces. */
export interface ExecutedInstr {
  readonly fn: string;
  readonly file: string;
  readonly pc: number;
  readonly src: Src;
  readonly op: Instr['op'];
  /** The statement only queued the thread on a lock; it runs again later. */
  readonly queued: boolean;
  /** For calls: the function entered. For returns: the value returned. */
  readonly detail?: string;
}

export interface StepResult {
  readonly state: KState;
  readonly executed: readonly ExecutedInstr[];
  readonly reads: readonly string[];
  readonly writes: readonly string[];
}

/** An error in the model itself (a modelled function misbehaving, not a kernel finding). */
export class ModelError extends Error {}

class Pending {}
const PENDING_SIGNAL = new Pending();

/** A NULL pointer dereference or a use after free in modelled kernel code: the kernel oopses and kills the task. */
const Oops = KernelOops;
type Oops = KernelOops;

const MAX_COALESCED = 10_000;

export interface InterpreterOptions {
  /** Coalesce statements nothing can observe into the step before them (default true). */
  readonly coalesce?: boolean;
  /**
   * What the properties being checked read (their union): decides what "observe" means for
   * coalescing. Default: everything (only statements no property could ever see are coalesced).
   */
  readonly reads?: StateReads;
  /**
   * Check, for every statement run, that its real effects are within the effects the reduction
   * assumed, and that no coalesced statement changed anything a property reads (default false; the
   * differential tests turn it on). Costs a few set operations per statement.
   */
  readonly verifyReduction?: boolean;
  /**
   * Memoise runs of pure coalesced statements (src/model/lang/segment-memo.ts; default true, and
   * off without coalescing or under `verifyReduction`).
   */
  readonly memo?: boolean;
  /**
   * Freeze every object and array of every state, not only the state object (default: under
   * `verifyReduction`, else off). A step never writes a part of the state it starts from (it copies
   * what it changes: {@link Work}), so the parts need no freezing to stay as they are; frozen, a
   * write into one throws, which the tests and `npm run verify:reduction` check on every built-in
   * scenario. Off, the explorer runs about 1.2x as fast (docs/model.md, "State").
   */
  readonly freezeParts?: boolean;
}

export class Interpreter {
  /**
   * While a transition is run for the explorer's sleep sets: what it reads and writes, key by key
   * (src/model/lang/footprint.ts), recorded by every Exec that runs or judges it; null otherwise.
   */
  footprint: Footprint | null = null;
  readonly coalesce: boolean;
  readonly verify: boolean;
  /** {@link InterpreterOptions.freezeParts}. */
  readonly freezeParts: boolean;
  /** The reduction's analysis (always built: `verifyReduction` uses its effects even without coalescing). */
  readonly reduction: Reduction;
  private readonly prims: Record<string, Primitive>;
  /** Per thread, the functions the reduction's call graph says it can reach. */
  private readonly reachable: ReadonlySet<number>[];

  constructor(
    readonly program: Program,
    options: InterpreterOptions = {},
  ) {
    this.coalesce = options.coalesce ?? true;
    this.verify = options.verifyReduction ?? false;
    this.freezeParts = options.freezeParts ?? this.verify;
    this.prims = program.primitives;
    this.reduction = new Reduction(program, options.reads ?? READS_EVERYTHING);
    this.reachable = program.spec.threads.map((t) => reach(program, program.fnId(t.fn)));
    this.oopsKeys = program.spec.threads.map((t) => (program.memKeySet.has(`${t.task}.oops`) ? internalized(`${t.task}.oops`) : undefined));
    this.oopsIndex = this.oopsKeys.map((k) => (k === undefined ? -1 : program.memIndex.get(k)!));
    this.oopsMarks = this.oopsKeys.map((k) => (k === undefined ? undefined : keyReader<Value>(k)));
    // Memory has the keys of the scenario's memory in its order (`{ ...spec.mem }`, and writes go
    // to known keys only); the lock table has lockKeys in order (initial()).
    this.copy = { mem: objectCopier<Value>(Object.keys(program.spec.mem)), locks: objectCopier<LockState>(program.lockKeys) };
    this.codes = program.fns.map(() => []);
    this.memo = this.coalesce && !this.verify && (options.memo ?? true) ? new SegmentMemo() : null;
    this.pure = program.fns.map(() => undefined);
    this.returns = program.fns.map((f) => Uint8Array.from(f.instrs, (ins) => (ins.op === 'return' ? 1 : 0)));
  }

  /** The recorded runs of pure coalesced statements (null: off). */
  readonly memo: SegmentMemo | null;
  /** Per function, per pc: 1 where the statement may be part of a segment ({@link pureAt}). */
  private readonly pure: (Uint8Array | undefined)[];
  /**
   * Per function, per pc: whether the statement is a `return`. Asked for every statement a step
   * runs on through; an instruction's `op` is read from objects of six shapes (one per op), which
   * V8 answers through its megamorphic path.
   */
  private readonly returns: readonly Uint8Array[];

  /** Whether statement `pc` of function `fn` is a `return` ({@link returns}). */
  returnsAt(fn: number, pc: number): boolean {
    return this.returns[fn]![pc] === 1;
  }

  /**
   * Whether the statement at `pc` of function `fn` may be part of a memoised segment
   * (src/model/lang/segment-memo.ts): coalesced without a condition, and by its effects touching
   * no lock, pair or callback context, waking no thread, making no choice and never waiting.
   * Returns are judged where they run as well (the last frame's, and a callback's, are not).
   */
  pureAt(fn: number, pc: number): boolean {
    let a = this.pure[fn];
    if (a === undefined) {
      const instrs = this.program.fn(fn).instrs;
      a = new Uint8Array(instrs.length);
      for (let i = 0; i < instrs.length; i++) {
        const e = this.reduction.effectsOf(instrs[i]!);
        a[i] = this.reduction.mode(fn, i) === COALESCE && e.accesses !== 'all' && !e.locks && !e.pairs && !e.context && !e.wakes && !e.choice && !e.waits ? 1 : 0;
      }
      this.pure[fn] = a;
    }
    return a[pc] === 1;
  }

  /**
   * Per thread, the shared variable recording that a NULL pointer dereference killed it (`<task>.oops`,
   * read by the no-bug property), when the scenario has one.
   */
  readonly oopsKeys: readonly (string | undefined)[];
  /** Per thread, the {@link keyReader} of its {@link oopsKeys} entry: its oops mark in a state's memory (read through {@link oopsMark}). */
  private readonly oopsMarks: readonly (((mem: KState['mem']) => Value) | undefined)[];
  /** Per thread, its {@link oopsKeys} entry's index in `Program.memKeys` (-1: none), as the footprint records a read. */
  private readonly oopsIndex: readonly number[];

  /** Whether the reduction's call graph has thread `tid` reaching function `fn` (for `verifyReduction`). */
  reaches(tid: number, fn: number): boolean {
    return this.reachable[tid]!.has(fn);
  }

  threadName(tid: number): string {
    return this.program.spec.threads[tid]?.name ?? `thread${tid}`;
  }

  /** The initial state: every thread at the start of its function (local steps already run). */
  initial(): KState {
    return this.initialRun().state;
  }

  /**
   * The initial state, and what building it ran: with coalescing each thread runs on from its entry
   * as far as nothing another thread or a property can see, before any transition; per thread, the
   * instructions it executed and the lock table after it (for traces: src/report/steps.ts).
   */
  initialRun(): { readonly state: KState; readonly executed: readonly (readonly ExecutedInstr[])[]; readonly locksBefore: KState['locks']; readonly locksAfter: readonly KState['locks'][] } {
    const spec = this.program.spec;
    const table: Record<string, LockState> = {};
    for (const k of this.program.lockKeys) table[k] = initialLock(spec.locks[k]!);
    // The memory and lock table as a step copies them (Copiers): objects of one map in every state.
    const locks = this.copy.locks(table);
    const threads: ThreadState[] = spec.threads.map((t) => {
      const fi = this.program.fnId(t.fn);
      const f = this.program.fn(fi);
      if (t.args.length !== f.def.params.length) throw new ModelError(`thread ${t.name}: ${t.fn} takes ${f.def.params.length} arguments, got ${t.args.length}`);
      // A kworker is idle until its work item is queued (wakeKworker).
      if (t.kworker !== undefined) return { frames: emptyObjects<Frame>(), srcu: 0, pending: false };
      return { frames: [{ fn: fi, pc: 0, locals: padLocals(t.args, f), dest: -1, ctx: 0 }], srcu: 0, pending: false };
    });
    let state: KState = { threads, mem: this.copy.mem(spec.mem), locks, pairs: emptyObjects<PairRecord>() };
    // Frozen before any step runs on it (its parts too with freezeParts): a step freezes only what it builds.
    if (this.freezeParts) deepFreeze(state);
    else Object.freeze(state);
    const locksBefore = state.locks;
    const executed: (readonly ExecutedInstr[])[] = threads.map(() => []);
    const locksAfter: KState['locks'][] = threads.map(() => locksBefore);
    if (this.coalesce) {
      const work = new Work(state, this.copy, this.freezeParts);
      for (let tid = 0; tid < threads.length; tid++) {
        const ex = new Exec(this, state, tid, work);
        ex.runLocal();
        executed[tid] = ex.executed;
        // A copy: the next thread's statements may change the table the step is building.
        locksAfter[tid] = this.copy.locks(work.locks ?? locksBefore);
      }
      state = work.finish();
    }
    return { state, executed, locksBefore, locksAfter };
  }

  /** The thread's current frame, function and instruction, or undefined once it has finished. */
  current(state: KState, tid: number): { frame: Frame; fn: CompiledFn; instr: Instr } | undefined {
    const t = state.threads[tid]!;
    const frame = topOf(t.frames);
    if (!frame) return undefined;
    const fn = this.program.fn(frame.fn);
    const instr = fn.instrs[frame.pc];
    if (!instr) throw new ModelError(`${fn.def.name}: pc ${frame.pc} out of range`);
    return { frame, fn, instr };
  }

  /** The statement thread `tid` is at ({@link current}'s `instr`, without building an object: for the checks run on every state), or undefined once it has finished. */
  instrAt(state: KState, tid: number): Instr | undefined {
    const frames = state.threads[tid]!.frames;
    const frame = topOf(frames);
    if (!frame) return undefined;
    const instr = this.program.fn(frame.fn).instrs[frame.pc];
    if (!instr) throw new ModelError(`${this.program.fn(frame.fn).def.name}: pc ${frame.pc} out of range`);
    return instr;
  }

  /** Copies of a state's memory and lock table for a step to write (see {@link Copiers}). */
  readonly copy: Copiers;

  /** Per function, per pc: the instruction's compiled expressions, built when it first runs. */
  private readonly codes: (InstrCode | undefined)[][];

  /** The compiled expressions of instruction `pc` of function `fn` (see {@link Code}). */
  codeAt(fn: number, pc: number): InstrCode {
    const row = this.codes[fn]!;
    let c = row[pc];
    if (c === undefined) {
      const f = this.program.fn(fn);
      const ins = f.instrs[pc];
      if (!ins) throw new ModelError(`${f.def.name}: pc ${pc} out of range`);
      c = new CodeCompiler(this, f).instr(ins);
      row[pc] = c;
    }
    return c;
  }

  private readonly blockingCache = new WeakMap<Instr, { prim: Primitive; call: Expr & { k: 'call' } } | null>();
  private readonly choiceCache = new WeakMap<Instr, { prim: Primitive; call: Expr & { k: 'call' } } | null>();

  /** The blocking primitive call of an instruction, if any (a primitive with a `wait`). */
  blockingCall(instr: Instr): { prim: Primitive; call: Expr & { k: 'call' } } | undefined {
    let r = this.blockingCache.get(instr);
    if (r === undefined) {
      r = this.findPrim(instr, (p) => p.wait !== undefined) ?? null;
      this.blockingCache.set(instr, r);
    }
    return r ?? undefined;
  }

  /**
   * Lock `key` of `state` (undefined: no such lock), recorded in the {@link footprint} being
   * recorded: how a judgement outside any statement (a `restores`, reduction.ts RunWatch) reads a
   * lock, so that the transition it decides the extent of is known to depend on it.
   */
  lockOf(state: KState, key: string): LockState | undefined {
    this.footprint?.readLock(key);
    return state.locks[key];
  }

  /** Whether a kernel oops (NULL pointer dereference, use after free) killed thread `tid`. */
  oopsed(state: KState, tid: number): boolean {
    return !!this.oopsMark(state.mem, tid);
  }

  /**
   * Thread `tid`'s oops mark in memory `mem` (the oops message; falsy: none), read as a step reads
   * it: recorded in the {@link footprint} being recorded.
   */
  oopsMark(mem: KState['mem'], tid: number): Value | undefined {
    const mark = this.oopsMarks[tid];
    if (mark === undefined) return undefined;
    this.footprint?.readMemAt(this.oopsIndex[tid]!);
    return mark(mem);
  }

  /** The read-only Exec {@link probe} lends out, while nobody holds it. */
  private idleProbe: Exec | null = null;

  /**
   * A read-only Exec at thread `tid` of `state`, for one question (enabledness, a property's
   * evaluation); give it back with {@link unprobe}. The same object is lent again and again (the
   * explorer asks such questions several times per state and thread, and each new Exec was garbage
   * at once); a question asked while another holds it gets a new one.
   */
  private probe(state: KState, tid: number): Exec {
    const ex = this.idleProbe;
    if (ex === null) return new Exec(this, state, tid, null);
    this.idleProbe = null;
    return ex.lookAt(state, tid);
  }

  private unprobe(ex: Exec): void {
    this.idleProbe = ex;
  }

  /** Why `tid` cannot run its next step now (null: it can, or it has finished). */
  waitOf(state: KState, tid: number): Wait | null {
    const t = state.threads[tid]!;
    const frame = topOf(t.frames);
    if (!frame) return null;
    const code = this.codeAt(frame.fn, frame.pc);
    const oops = this.oopsMark(state.mem, tid);
    if (oops) return { why: `killed by a kernel oops (${String(oops)}) at this statement`, sleeping: false };
    const b = code.blocking;
    if (!b) return null;
    const ex = this.probe(state, tid);
    // A statement that will oops (NULL or freed pointer) can run: running it kills the thread.
    const w = readOnly(() => b.prim.wait!(ex, b.args(ex)), null);
    this.unprobe(ex);
    if (w && this.verify) this.verifyMayWait(tid, frame.fn, frame.pc, w.why);
    return w;
  }

  /**
   * Under `verifyReduction`, for a thread found waiting: its statement's static effects must say it
   * may wait (the reduction counts a `down_read` on a semaphore nothing write-locks as never waiting).
   */
  private verifyMayWait(tid: number, fn: number, pc: number, why: string): void {
    const ins = this.program.fn(fn).instrs[pc]!;
    if (!this.reduction.effectsOf(ins).waits) throw new ModelError(`reduction premise broken: ${this.threadName(tid)} waits at '${ins.src.text}' (${why}), but its static effects say it cannot wait`);
  }

  /** Push the enabled actions of `state` onto `out`. */
  actions(state: KState, out: KAction[]): void {
    const counts = this.choiceCounts(state);
    for (let tid = 0; tid < state.threads.length; tid++) {
      const n = counts[tid]!;
      for (let c = 0; c < n; c++) out.push(this.action(tid, c));
    }
  }

  /** Per thread, per outcome: its action, made once and frozen (an action is a value; nothing tells two equal ones apart). */
  private readonly actionsOf: KAction[][] = [];

  /** Thread `tid`'s action taking outcome `choice`: the same frozen object every time, so that listing a state's actions allocates nothing. */
  action(tid: number, choice: number): KAction {
    const row = (this.actionsOf[tid] ??= []);
    return (row[choice] ??= Object.freeze({ tid, choice }));
  }

  /** Whether {@link actions} has an action of thread `tid` in `state`. */
  canMove(state: KState, tid: number): boolean {
    return this.choiceCounts(state)[tid]! > 0;
  }

  /** The state {@link counts} are of (frozen, so they cannot change). */
  private countsOf: KState | undefined;
  private counts = new Int32Array(8);

  /**
   * Per thread, its number of enabled actions in `state`. The explorer asks about a new state
   * several times in a row (each thread's partial-deadlock goal, then whether the state is a
   * deadlock): the counts of the last frozen state asked about are kept, so that enabledness is
   * computed once for all of them (issue 12, item 3).
   */
  private choiceCounts(state: KState): Int32Array {
    if (state === this.countsOf) return this.counts;
    const n = state.threads.length;
    if (this.counts.length < n) this.counts = new Int32Array(n);
    const counts = this.counts;
    this.countsOf = undefined;
    for (let tid = 0; tid < n; tid++) counts[tid] = this.enabledChoices(state, tid);
    if (Object.isFrozen(state)) this.countsOf = state;
    return counts;
  }

  /** The number of enabled actions of thread `tid` (its outcomes, when its next step can run): 0 when {@link waitOf} says it waits. */
  private enabledChoices(state: KState, tid: number): number {
    const t = state.threads[tid]!;
    const frame = topOf(t.frames);
    if (!frame) return 0;
    const code = this.codeAt(frame.fn, frame.pc);
    if (this.oopsMark(state.mem, tid)) return 0;
    const b = code.blocking;
    if (b !== undefined) {
      const ex = this.probe(state, tid);
      // Only whether it waits, unless a broken premise must be reported with the reason.
      ex.explains = this.verify;
      try {
        const w = b.prim.wait!(ex, b.args(ex));
        if (w) {
          if (this.verify) this.verifyMayWait(tid, frame.fn, frame.pc, w.why);
          return 0;
        }
      } catch (err) {
        // A statement that will oops can run (readOnly).
        if (!(err instanceof KernelOops)) throw err;
      } finally {
        this.unprobe(ex);
      }
    }
    const c = code.choice;
    if (c === undefined) return 1;
    const ex = this.probe(state, tid);
    try {
      return c.prim.choices!(ex, c.args(ex));
    } catch (err) {
      if (err instanceof KernelOops) return 1;
      throw err;
    } finally {
      this.unprobe(ex);
    }
  }

  /** The non-deterministic primitive call of an instruction, if any. */
  choiceCall(instr: Instr): { prim: Primitive; call: Expr & { k: 'call' } } | undefined {
    let r = this.choiceCache.get(instr);
    if (r === undefined) {
      r = this.findPrim(instr, (p) => p.choices !== undefined) ?? null;
      this.choiceCache.set(instr, r);
    }
    return r ?? undefined;
  }

  /** The primitive call in an instruction's expressions that satisfies `pred` (the first, in evaluation order). */
  findPrim(instr: Instr, pred: (p: Primitive) => boolean): { prim: Primitive; call: Expr & { k: 'call' } } | undefined {
    for (const call of instrCalls(instr)) {
      const p = this.prims[(call.callee as { name: string }).name];
      if (p && pred(p)) return { prim: p, call };
    }
    return undefined;
  }

  /** Run one transition, recording what it executed, read and wrote. */
  step(state: KState, action: KAction): StepResult {
    const reads = new Set<string>();
    const writes = new Set<string>();
    const work = new Work(state, this.copy, this.freezeParts);
    const ex = new Exec(this, state, action.tid, work);
    ex.reads = reads;
    ex.writes = writes;
    ex.runOne(action.choice);
    if (this.coalesce) ex.runLocal();
    return { state: work.finish(), executed: ex.executed, reads: [...reads].sort(), writes: [...writes].sort() };
  }

  /** Run one transition and return only the successor (the explorer's hot path). */
  next(state: KState, action: KAction): KState {
    const work = new Work(state, this.copy, this.freezeParts);
    const ex = new Exec(this, state, action.tid, work);
    ex.record = false;
    ex.runOne(action.choice);
    if (this.coalesce) ex.runLocal();
    return work.finish();
  }

  /**
   * The value an expression of `tid`'s current function has in its current frame (read-only; for
   * properties and reports): null where it would oops. Through the expression's code compiled for
   * that function (see {@link Code}), as a step computes it, compiled when first asked for and kept:
   * properties evaluate the arguments of threads' next calls in state after state, and the
   * expression tree walked by {@link Exec.eval} resolved names by string and built each key anew
   * (issue 12). A finished thread's (no frame to compile for) goes through {@link evaluateByEval}.
   */
  evaluate(state: KState, tid: number, e: Expr): Value {
    const frames = state.threads[tid]!.frames;
    const top = topOf(frames);
    if (top === undefined) return this.evaluateByEval(state, tid, e);
    const codes = (this.evalCodes[top.fn] ??= new WeakMap());
    let code = codes.get(e);
    if (code === undefined) codes.set(e, (code = new CodeCompiler(this, this.program.fn(top.fn)).expr(e)));
    return this.valueBy(state, tid, code);
  }

  /** Per function, the compiled code of the expressions {@link evaluate} was asked for. */
  private readonly evalCodes: WeakMap<Expr, Code>[] = [];

  /**
   * {@link evaluate} by walking the expression ({@link Exec.eval}), as the reports and the tests
   * that compare it with the compiled code do.
   */
  evaluateByEval(state: KState, tid: number, e: Expr): Value {
    return this.valueBy(state, tid, (ex) => ex.eval(e));
  }

  /** `f` on the read-only Exec at `tid` of `state`: a value, null for a statement that will oops. */
  private valueBy(state: KState, tid: number, f: (ex: Exec) => Value | readonly Value[]): Value {
    const ex = this.probe(state, tid);
    let v: Value | readonly Value[];
    try {
      v = f(ex);
    } catch (err) {
      // A statement that will oops gives null, as readOnly has it.
      if (!(err instanceof KernelOops)) throw err;
      v = null;
    } finally {
      this.unprobe(ex);
    }
    if (Array.isArray(v)) throw new ModelError('a list cannot be used as a value');
    return v as Value;
  }

  /** {@link Exec.callRange} in `tid`'s current frame: the range a callback call's arguments name (for properties). */
  callRange(state: KState, tid: number, args: readonly Value[]): { start: number; end: number; blockable: number } {
    const ex = this.probe(state, tid);
    const r = ex.callRange(args);
    this.unprobe(ex);
    return r;
  }

  /** Resolve the target of a call instruction without running it (for properties). */
  resolveCall(state: KState, tid: number, instr: Instr & { op: 'call' }): { fn: string; op?: OpName; nid?: string; args: Value[] } {
    // The thread's current statement (as properties ask) through its compiled code, the code a step
    // runs (issue 12: the walk resolved names by string); any other statement by the walk.
    const frames = state.threads[tid]!.frames;
    const top = topOf(frames);
    const code = top !== undefined && this.program.fn(top.fn).instrs[top.pc] === instr ? this.codeAt(top.fn, top.pc).call : undefined;
    return code !== undefined ? this.callBy(state, tid, code) : this.resolveCallByEval(state, tid, instr);
  }

  /** {@link resolveCall} by walking the statement's expressions ({@link Exec.resolveCall}), for the test that compares the two. */
  resolveCallByEval(state: KState, tid: number, instr: Instr & { op: 'call' }): { fn: string; op?: OpName; nid?: string; args: Value[] } {
    return this.callBy(state, tid, (ex) => ex.resolveCall(instr));
  }

  /**
   * `resolve` on the read-only Exec at `tid` of `state`; no call (an empty name) for a statement
   * that will oops ({@link readOnly}'s rule, written out: properties ask this of a thread at an end
   * call in state after state, and the closure and fallback it took were garbage each time).
   */
  private callBy(state: KState, tid: number, resolve: (ex: Exec) => { fn: string; op?: OpName; nid?: string; args: Value[] }): { fn: string; op?: OpName; nid?: string; args: Value[] } {
    const ex = this.probe(state, tid);
    try {
      return resolve(ex);
    } catch (err) {
      if (err instanceof KernelOops) return { fn: '', args: [] };
      throw err;
    } finally {
      this.unprobe(ex);
    }
  }

  prim(name: string): Primitive | undefined {
    return this.prims[name];
  }
}

/**
 * A read-only evaluation (enabledness, properties, reports) of a statement that will oops when it
 * runs: it gives `fallback` (the thread is enabled; the statement is not a call of anything).
 */
function readOnly<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof KernelOops) return fallback;
    throw err;
  }
}

/**
 * A new frame's locals: the arguments, then 0 for the rest. Built by `push`, never as
 * `new Array(n)`: V8 gives an array the elements kind of where it was made, and a holey one makes
 * every array the copy sites (copyArray) later build holey too, so that the code reading locals,
 * frames and pairs meets two kinds of array (packed and holey) where it could meet one.
 */
function padLocals(args: readonly Value[], f: CompiledFn): Value[] {
  const l: Value[] = [];
  const n = Math.max(f.locals.length, args.length);
  for (let i = 0; i < n; i++) l.push(i < args.length ? args[i]! : 0);
  return l;
}

export function truthy(v: Value | readonly Value[]): boolean {
  return v !== 0 && v !== null;
}

function eq(a: Value, b: Value): boolean {
  return (a ?? 0) === (b ?? 0);
}

/**
 * Executes in one thread's top frame, over either an Immer draft (`mutable`) or a frozen state.
 */
/** A thread's call stack being changed by a step: frames are copied before they are written. */
interface WorkThread {
  readonly frames: Frame[];
  srcu: number;
  pending: boolean;
  /**
   * The frames from this index on are this step's own (copied or pushed, not frozen yet); the ones
   * below are the base state's. A step copies the top frame before writing it, pushes frames and
   * pops them, so the frames it built are always the top ones.
   */
  fresh: number;
  /**
   * The frames from this index on have locals of this step's own (new, or copied when first
   * written: {@link Exec.topLocals}); a frame from `fresh` up to it is this step's copy but shares
   * its locals with the base state's frame (frozen, never written). Never below `fresh`, never
   * above the stack's height (lowered as frames are popped, as `fresh` is). A step
   * moves the top frame's `pc` far more often than it writes a local: of the kernel bench's 674,982
   * frames copied, at most 222,315 had a local written (twenty-second session).
   */
  own: number;
}

/** Push `f`, whose locals are new, on a stack a step changes (WorkThread.own). */
function pushFrame(t: WorkThread, f: Frame): void {
  const k = t.frames.length;
  t.frames.push(f);
  if (t.own > k) t.own = k;
}

/**
 * The parts of a state one transition changes, copied on first write (structural sharing): the
 * successor shares every untouched part with its predecessor and is frozen with Immer's `freeze`,
 * so it is the same immutable snapshot `produce` would give, without routing every read of the
 * step through Immer's proxies (see docs/model.md, "State").
 */
class Work {
  mem: Record<string, Value> | null = null;
  locks: Record<string, LockState> | null = null;
  pairs: PairRecord[] | null = null;
  /** The locks this step set (in {@link locks}), once it sets one. */
  lockKeys: string[] | null = null;
  /**
   * By thread: the stacks this step changes. One slot per thread from the start, as a literal
   * ({@link unsetThreads}): written first at the stepping thread's index, a list begun empty took a
   * backing store of 17 to 22 slots (152 to 192 bytes) per step, with the lock list 6 to 8% of the
   * kernel bench's allocation (issue 12).
   */
  readonly threads: (WorkThread | undefined)[];

  constructor(
    readonly base: KState,
    readonly copy: Copiers,
    /** Freeze the parts this step built, not only the successor's state object ({@link InterpreterOptions.freezeParts}). */
    readonly freezeParts: boolean,
  ) {
    this.threads = unsetThreads(base.threads.length);
  }

  thread(tid: number): WorkThread {
    let t = this.threads[tid];
    if (t === undefined) {
      const b = this.base.threads[tid]!;
      t = { frames: copyArray(b.frames), srcu: b.srcu, pending: b.pending, fresh: b.frames.length, own: b.frames.length };
      this.threads[tid] = t;
    }
    return t;
  }

  /**
   * The successor state, its state object frozen. With {@link freezeParts}, what this step built is
   * frozen too (the base is frozen already, and so is every part the successor shares with it): new
   * frames, their locals and ops, the copied memory, lock table, locks and pairs; the result is then
   * the deep-frozen snapshot Immer's `freeze(next, true)` gives, without walking the whole tree
   * (issue 12, item 3). Without, the parts are left as built, and nothing writes them again: a later
   * step copies what it changes.
   */
  finish(): KState {
    const base = this.base;
    const deep = this.freezeParts;
    // Every array a state keeps has its exact length as capacity (see copyArray): the thread list
    // is copied and then written in place, and a frame list or pair list a push grew is copied.
    const threads = copyArray(base.threads);
    for (let i = 0; i < threads.length; i++) {
      const w = this.threads[i];
      if (w === undefined) continue;
      const frames = w.frames.length > threads[i]!.frames.length ? copyArray(w.frames) : w.frames;
      if (!deep) {
        threads[i] = { frames, srcu: w.srcu, pending: w.pending };
        continue;
      }
      for (let j = w.fresh; j < frames.length; j++) freezeFrame(frames[j]!);
      threads[i] = Object.freeze({ frames: Object.freeze(frames), srcu: w.srcu, pending: w.pending });
    }
    if (this.pairs !== null && this.pairs.length > base.pairs.length) this.pairs = copyArray(this.pairs);
    if (deep) {
      Object.freeze(threads);
      // Memory holds values only (numbers, strings, null).
      if (this.mem !== null) Object.freeze(this.mem);
      if (this.locks !== null) {
        // Only the locks this step set are not frozen yet.
        if (this.lockKeys !== null) for (const k of this.lockKeys) deepFreeze(this.locks[k]);
        Object.freeze(this.locks);
      }
      if (this.pairs !== null) {
        for (const p of this.pairs) Object.freeze(p);
        Object.freeze(this.pairs);
      }
    }
    return Object.freeze({ threads, mem: this.mem ?? base.mem, locks: this.locks ?? base.locks, pairs: this.pairs ?? base.pairs });
  }
}

/**
 * Copying a state's parts for a step to write: the built-ins are slow on frozen objects and arrays
 * (V8 takes its generic path: `{ ...frozen }` of memory's ~50 keys costs ~0.7 us, `frozen.slice()`
 * ~0.3 us), so the interpreter copies them itself (issue 12, item 3).
 */
interface Copiers {
  /** `{ ...mem }`: the same keys in the same order. */
  readonly mem: (m: Readonly<Record<string, Value>>) => Record<string, Value>;
  /** `{ ...locks }`: the same keys in the same order. */
  readonly locks: (l: Readonly<Record<string, LockState>>) => Record<string, LockState>;
}

/**
 * A list of `n` unset slots (`undefined`), its capacity exactly `n` for up to 8: a literal per
 * length, as copyArray makes its copies. Not copyArray of a kept list of unset slots, which would
 * spare this switch: that cost 13.30 G instructions at 100,000 states of the kernel bench against
 * 13.26-13.28 G (twice each), a third of what the exact list saves.
 */
function unsetThreads(n: number): (WorkThread | undefined)[] {
  switch (n) {
    case 1:
      return [undefined];
    case 2:
      return [undefined, undefined];
    case 3:
      return [undefined, undefined, undefined];
    case 4:
      return [undefined, undefined, undefined, undefined];
    case 5:
      return [undefined, undefined, undefined, undefined, undefined];
    case 6:
      return [undefined, undefined, undefined, undefined, undefined, undefined];
    case 7:
      return [undefined, undefined, undefined, undefined, undefined, undefined, undefined];
    case 8:
      return [undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined];
    default: {
      const out: (WorkThread | undefined)[] = [];
      for (let i = 0; i < n; i++) out.push(undefined);
      return out;
    }
  }
}

/** Freeze a frame a step built (its locals and op too). */
function freezeFrame(f: Frame): void {
  Object.freeze(f.locals);
  if (f.op !== undefined) Object.freeze(f.op);
  Object.freeze(f);
}

/** Freeze `v` and everything under it that is not frozen yet (a frozen object's parts are frozen). */
function deepFreeze(v: unknown): void {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return;
  Object.freeze(v);
  if (Array.isArray(v)) for (let i = 0; i < v.length; i++) deepFreeze(v[i]);
  else for (const k in v) deepFreeze((v as Record<string, unknown>)[k]);
}

// ------------------------------------------------------------------------------------ compiled code
/**
 * An expression compiled for one function: a closure that evaluates it in the running thread's top
 * frame (issue 12, item 3). What {@link Exec.eval} resolves by name at every evaluation (a local's
 * slot, a constant, a global variable, the primitive called, whether an argument is lazy, how an
 * `object.field` key is named and what it is) is resolved once, when the closure is built; the
 * closure then does what `eval` does, in the same order, reading and writing through the same
 * {@link Exec} methods (so reads, writes and the reduction's checks are recorded alike) and
 * throwing the same errors. The closures of an instruction are built the first time it runs
 * ({@link Interpreter.codeAt}), always for the function the instruction belongs to: an instruction
 * evaluates its expressions in the frame that runs it.
 */
type Code = (ex: Exec) => Value | readonly Value[];
type ScalarCode = (ex: Exec) => Value;
type StoreCode = (ex: Exec, v: Value) => void;
type ArgsCode = (ex: Exec) => Arg[];

/** A primitive call of an instruction, compiled: the primitive and its arguments (lazy ones as expressions). */
interface PrimCode {
  readonly prim: Primitive;
  readonly args: ArgsCode;
}

/** An instruction's expressions, compiled (see {@link Code}); only the fields its op uses are set. */
interface InstrCode {
  /** exec: its expressions; return: nothing. */
  readonly exprs: readonly Code[];
  /** exec and return: the ghost expressions. */
  readonly ghost: readonly Code[];
  /** branch: the condition; return: the value returned, if any. */
  readonly value: ScalarCode | undefined;
  /** iter: the list primitive, or the error the walk throws. */
  readonly iter: PrimCode | (() => never) | undefined;
  /** call: the callee resolved. */
  readonly call: ((ex: Exec) => ResolvedCall) | undefined;
  /** The primitive call that may make the thread wait ({@link Interpreter.blockingCall}). */
  readonly blocking: PrimCode | undefined;
  /** The primitive call with outcomes ({@link Interpreter.choiceCall}). */
  readonly choice: PrimCode | undefined;
}

interface ResolvedCall {
  fn: string;
  op?: OpName;
  nid?: string;
  args: Value[];
}

/** What an `object.field` names, for one object. */
interface FieldRes {
  readonly key: string;
  /** The object's `kfreed` mark, when the object is freeable and the field one of the fields it keeps. */
  readonly kfreed: string | undefined;
  /**
   * 0: shared memory; 1: a static scalar (`value`); 2: the key itself (a static list, a sub-object);
   * 3: a field of a struct on the thread's stack (`key` is the {@link stackRef}).
   */
  readonly kind: 0 | 1 | 2 | 3;
  readonly value: Value;
  /** Shared memory: the {@link keyReader} of `key`, and the key's index in `Program.memKeys` (-1: not shared memory). */
  readonly read: MemReader | null;
  readonly index: number;
  /** The {@link keyReader} of `kfreed`, and its index. */
  readonly readKfreed: MemReader | null;
  readonly kfreedIndex: number;
}

type MemReader = (mem: KState['mem']) => Value;

const FIELD_MEM = 0;
const FIELD_STATIC = 1;
const FIELD_STACK = 3;

function scalarOf(v: Value | readonly Value[]): Value {
  if (Array.isArray(v)) throw new ModelError('a list used as a value');
  return v as Value;
}

function numberOf(v: Value, e: Expr): number {
  if (typeof v === 'number') return v;
  if (v === null) return 0;
  throw new ModelError(`arithmetic on the object ${v} in ${JSON.stringify(e)}`);
}

class CodeCompiler {
  private readonly program: Program;

  constructor(
    private readonly ip: Interpreter,
    private readonly fn: CompiledFn,
  ) {
    this.program = ip.program;
  }

  instr(ins: Instr): InstrCode {
    let exprs: readonly Code[] = [];
    let ghost: readonly Code[] = [];
    let value: ScalarCode | undefined;
    let iter: InstrCode['iter'];
    let call: InstrCode['call'];
    switch (ins.op) {
      case 'exec':
        exprs = ins.exprs.map((e) => this.expr(e));
        ghost = ins.ghost.map((e) => this.expr(e));
        break;
      case 'branch':
        value = this.scalar(ins.cond);
        break;
      case 'iter': {
        const list = ins.list;
        if (list.k !== 'call' || list.callee.k !== 'id') {
          iter = () => {
            throw new ModelError('a list walk needs a list macro');
          };
          break;
        }
        const name = list.callee.name;
        const p = this.ip.prim(name);
        if (!p?.iterate) {
          iter = () => {
            throw new ModelError(`${name} cannot be walked`);
          };
          break;
        }
        iter = { prim: p, args: this.args(p, list.args) };
        break;
      }
      case 'call':
        call = this.resolveCall(ins);
        break;
      case 'return':
        value = ins.value ? this.scalar(ins.value) : undefined;
        ghost = ins.ghost.map((e) => this.expr(e));
        break;
      case 'jump':
        break;
    }
    const b = this.ip.blockingCall(ins);
    const c = this.ip.choiceCall(ins);
    return {
      exprs,
      ghost,
      value,
      iter,
      call,
      blocking: b ? { prim: b.prim, args: this.args(b.prim, b.call.args) } : undefined,
      choice: c ? { prim: c.prim, args: this.args(c.prim, c.call.args) } : undefined,
    };
  }

  /** `Exec.args`: the lazy arguments as expressions, the others evaluated, left to right. */
  args(p: Primitive, exprs: readonly Expr[]): ArgsCode {
    const codes: Code[] = exprs.map((a, i) => (p.lazy?.includes(i) ? () => a as never : this.expr(a)));
    switch (codes.length) {
      case 0:
        return () => [];
      case 1: {
        const [a] = codes as [Code];
        return (ex) => [a(ex) as Arg];
      }
      case 2: {
        const [a, b] = codes as [Code, Code];
        return (ex) => [a(ex) as Arg, b(ex) as Arg];
      }
      case 3: {
        const [a, b, c] = codes as [Code, Code, Code];
        return (ex) => [a(ex) as Arg, b(ex) as Arg, c(ex) as Arg];
      }
      default:
        return (ex) => {
          const out: Arg[] = [];
          for (let i = 0; i < codes.length; i++) out.push(codes[i]!(ex) as Arg);
          return out;
        };
    }
  }

  scalar(e: Expr): ScalarCode {
    // Literals, locals, constants, globals and names are values (never lists): their code as it is.
    if (e.k === 'num' || e.k === 'str' || e.k === 'null' || e.k === 'id') return this.expr(e) as ScalarCode;
    const c = this.expr(e);
    return (ex) => scalarOf(c(ex));
  }

  expr(e: Expr): Code {
    const program = this.program;
    switch (e.k) {
      case 'num':
      case 'str': {
        const v = e.v;
        return () => v;
      }
      case 'null':
        return () => null;
      case 'id': {
        const name = e.name;
        const s = this.fn.slots.get(name) ?? -1;
        if (s >= 0) return (ex) => ex.top().locals[s]!;
        if (this.fn.stack.has(name)) return (ex) => ex.stackRefOf(name);
        const c = program.spec.constants[name];
        if (c !== undefined) return () => c;
        if (program.memKeySet.has(name)) {
          const read = keyReader<Value>(name);
          const index = program.memIndex.get(name)!;
          return (ex) => ex.readMemBy(name, read, index); // a global variable, e.g. oom_reaper_list
        }
        if (name === 'current') return (ex) => ex.task;
        return () => name; // a function or a global object
      }
      case 'field': {
        const key = this.fieldKey(e);
        const field = e.field;
        return (ex) => {
          const r = key(ex);
          return r.kind === FIELD_MEM ? ex.readMemBy(r.key, r.read!, r.index) : r.kind === FIELD_STATIC ? r.value : r.kind === FIELD_STACK ? ex.stackRead(r.key, field) : r.key;
        };
      }
      case 'addr': {
        if (e.e.k === 'field') {
          const key = this.fieldKey(e.e);
          const field = e.e.field;
          return (ex) => {
            const r = key(ex);
            if (r.kind === FIELD_STACK) throw new ModelError(`the address of ${field} of a struct on the stack (${r.key}) is not modelled`);
            return r.key;
          };
        }
        return this.expr(e.e);
      }
      case 'unary': {
        const a = this.scalar(e.e);
        if (e.op === '!') return (ex) => (truthy(a(ex)) ? 0 : 1);
        if (e.op === '-') return (ex) => -numberOf(a(ex), e);
        return (ex) => ~numberOf(a(ex), e);
      }
      case 'bin': {
        const a = this.scalar(e.a);
        const b = this.scalar(e.b);
        switch (e.op) {
          case '&&':
            return (ex) => (truthy(a(ex)) && truthy(b(ex)) ? 1 : 0);
          case '||':
            return (ex) => (truthy(a(ex)) || truthy(b(ex)) ? 1 : 0);
          case '==':
            return (ex) => {
              const x = a(ex);
              return eq(x, b(ex)) ? 1 : 0;
            };
          case '!=':
            return (ex) => {
              const x = a(ex);
              return eq(x, b(ex)) ? 0 : 1;
            };
        }
        const arith = (f: (x: number, y: number) => number): Code => (ex) => {
          const x = a(ex);
          const y = b(ex);
          return f(numberOf(x, e), numberOf(y, e));
        };
        switch (e.op) {
          case '<':
            return arith((x, y) => (x < y ? 1 : 0));
          case '<=':
            return arith((x, y) => (x <= y ? 1 : 0));
          case '>':
            return arith((x, y) => (x > y ? 1 : 0));
          case '>=':
            return arith((x, y) => (x >= y ? 1 : 0));
          case '+':
            return arith((x, y) => x + y);
          case '-':
            return arith((x, y) => x - y);
          case '*':
            return arith((x, y) => x * y);
          case '/':
            return arith((x, y) => Math.trunc(x / y));
          case '%':
            return arith((x, y) => x % y);
          case '<<':
            return arith((x, y) => x << y);
          case '>>':
            return arith((x, y) => x >> y);
          case '&':
            return arith((x, y) => x & y);
          case '|':
            return arith((x, y) => x | y);
          case '^':
            return arith((x, y) => x ^ y);
        }
        const op = e.op;
        return arith(() => {
          throw new ModelError(`unknown operator ${op}`);
        });
      }
      case 'cond': {
        const c = this.scalar(e.c);
        const a = this.expr(e.a);
        const b = this.expr(e.b);
        return (ex) => (truthy(c(ex)) ? a(ex) : b(ex));
      }
      case 'call': {
        if (e.callee.k !== 'id') {
          return () => {
            throw new ModelError('a call through a pointer must be a statement of its own (compile should have hoisted it)');
          };
        }
        const name = e.callee.name;
        const p = this.ip.prim(name);
        if (!p) {
          return () => {
            throw new ModelError(`${name} is not a primitive (compile should have hoisted it)`);
          };
        }
        const args = this.args(p, e.args);
        // Under verifyReduction: the value the primitive declares for this scenario (live.ts prunes on it).
        const declared = this.ip.verify && p.value ? p.value(e.args, this.ip.program.spec.statics) : undefined;
        if (declared !== undefined) {
          return (ex) => {
            const r = p.run(ex, args(ex), ex.choice);
            if (r === PENDING) throw PENDING_SIGNAL;
            if (r !== declared) throw new ModelError(`reduction premise broken: ${name}() returned ${String(r)}, but declares ${String(declared)} for this scenario (Primitive.value)`);
            return typeof r === 'string' ? internalized(r) : r;
          };
        }
        return (ex) => {
          const r = p.run(ex, args(ex), ex.choice);
          if (r === PENDING) throw PENDING_SIGNAL;
          // A primitive may build the name it returns (intern.ts).
          return typeof r === 'string' ? internalized(r) : r;
        };
      }
      case 'assign': {
        const value = this.scalar(e.value);
        const store = this.store(e.target);
        if (e.op === '=') {
          return (ex) => {
            const v = value(ex);
            store(ex, v);
            return v;
          };
        }
        const target = this.scalar(e.target);
        const op = e.op;
        return (ex) => {
          let v = value(ex);
          const old = numberOf(target(ex), e);
          const y = numberOf(v, e);
          v = op === '+=' ? old + y : op === '-=' ? old - y : op === '|=' ? old | y : old & y;
          store(ex, v);
          return v;
        };
      }
      case 'incdec': {
        const target = this.scalar(e.target);
        const store = this.store(e.target);
        const inc = e.op === '++';
        const prefix = e.prefix;
        return (ex) => {
          const old = numberOf(target(ex), e);
          const nv = inc ? old + 1 : old - 1;
          store(ex, nv);
          return prefix ? nv : old;
        };
      }
    }
  }

  /** `Exec.fieldKey`: what `obj->field` names (NULL and freed objects oops), resolved once per object. */
  private fieldKey(e: Expr & { k: 'field' }): (ex: Exec) => FieldRes {
    const program = this.program;
    const obj = this.scalar(e.obj);
    const field = e.field;
    const keeps = program.freeableFields.has(field);
    const cache = new Map<Value, FieldRes>();
    const resolve = (base: Value): FieldRes => {
      if (parseStackRef(base)) return { key: base as string, kfreed: undefined, kind: FIELD_STACK, value: null, read: null, index: -1, readKfreed: null, kfreedIndex: -1 };
      // Internalized: a sub-object's name is a value a state may hold (intern.ts).
      const key = internalized(`${String(base)}.${field}`);
      const kfreed = keeps && typeof base === 'string' && program.freeable.has(base) ? `${base}.kfreed` : undefined;
      const readKfreed = kfreed === undefined ? null : keyReader<Value>(kfreed);
      const kfreedIndex = kfreed === undefined ? -1 : (program.memIndex.get(kfreed) ?? -1);
      const index = program.memIndex.get(key);
      if (index !== undefined) return { key, kfreed, kind: FIELD_MEM, value: null, read: keyReader<Value>(key), index, readKfreed, kfreedIndex };
      const sv = program.spec.statics[key];
      if (sv !== undefined && !Array.isArray(sv)) return { key, kfreed, kind: FIELD_STATIC, value: sv as Value, read: null, index: -1, readKfreed, kfreedIndex };
      return { key, kfreed, kind: 2, value: null, read: null, index: -1, readKfreed, kfreedIndex };
    };
    return (ex) => {
      const base = obj(ex);
      if (base === null || base === 0) throw new Oops(`NULL pointer dereference reading ->${field}`);
      let r = cache.get(base);
      if (r === undefined) {
        r = resolve(base);
        cache.set(base, r);
      }
      // Fields the model keeps for the object (shared, static or lock keys under it; freeableFields).
      if (r.readKfreed !== null && ex.readMemBy(r.kfreed!, r.readKfreed, r.kfreedIndex)) throw new Oops(`use after free: ->${field} of ${String(base)}, which kfree() freed`);
      return r;
    };
  }

  /** `Exec.store`. */
  private store(target: Expr): StoreCode {
    const program = this.program;
    if (target.k === 'id') {
      const name = target.name;
      const s = this.fn.slots.get(name) ?? -1;
      if (s < 0 && !program.memKeySet.has(name)) {
        return () => {
          throw new ModelError(`assignment to ${name}, which is neither a local nor a global variable`);
        };
      }
      if (s < 0) {
        return (ex, v) => {
          if (!ex.mutable) throw new ModelError('assignment during a read-only evaluation');
          ex.write(name, v);
        };
      }
      return (ex, v) => {
        if (!ex.mutable) throw new ModelError('assignment during a read-only evaluation');
        ex.topLocals()[s] = v;
      };
    }
    if (target.k === 'field') {
      const key = this.fieldKey(target);
      const field = target.field;
      return (ex, v) => {
        const r = key(ex);
        if (r.kind === FIELD_STACK) ex.stackWrite(r.key, field, v);
        else ex.write(r.key, v);
      };
    }
    return () => {
      throw new ModelError('assignment to something that is neither a local nor a field');
    };
  }

  /** `Exec.resolveCall`. */
  private resolveCall(instr: Instr & { op: 'call' }): (ex: Exec) => ResolvedCall {
    const args = instr.args.map((a) => this.scalar(a));
    const evalArgs = (ex: Exec): Value[] => {
      const out: Value[] = [];
      for (let i = 0; i < args.length; i++) out.push(args[i]!(ex));
      return out;
    };
    const callee = instr.callee;
    if (callee.k === 'field' && (OP_NAMES as readonly string[]).includes(callee.field)) {
      const field = callee.field as OpName;
      const obj = this.scalar(callee.obj);
      const target = this.scalar(callee);
      const nids = new Map<string, string | undefined>();
      return (ex) => {
        const a = evalArgs(ex);
        const ops = obj(ex);
        let nid: string | undefined;
        if (typeof ops === 'string') {
          nid = nids.get(ops);
          if (nid === undefined && !nids.has(ops)) {
            nid = ops.endsWith('.ops') ? internalized(ops.slice(0, -4)) : undefined;
            nids.set(ops, nid);
          }
        }
        const t = target(ex);
        if (typeof t !== 'string') throw new ModelError(`call of a NULL ${field} op`);
        // `invalidate` is a notifier op only for an interval notifier (v5.5): hfi1's mmu_rb_ops has a
        // callback of that name too (`handler->ops->invalidate(handler->ops_arg, node)`).
        if (field === 'invalidate' && nid !== undefined && !this.ip.program.notifier(nid)?.ops.invalidate) nid = undefined;
        return nid === undefined ? { fn: t, args: a } : { fn: t, op: field, nid, args: a };
      };
    }
    const target = this.scalar(callee);
    return (ex) => {
      const a = evalArgs(ex);
      const t = target(ex);
      if (typeof t !== 'string') throw new ModelError(`call through a NULL function pointer`);
      return { fn: t, args: a };
    };
  }
}

/**
 * Executes in one thread's top frame, over a {@link Work} (a step) or, read-only, over a frozen
 * state (enabledness, properties, reports).
 */
class Exec implements PrimCtx {
  /** The instructions run, for traces (made at the first one: most Execs run none, or do not record). */
  private ran: ExecutedInstr[] | undefined;
  get executed(): ExecutedInstr[] {
    return (this.ran ??= []);
  }
  /** Record executed instructions (off on the explorer's hot path). */
  record = true;
  reads: Set<string> | undefined;
  writes: Set<string> | undefined;
  /** Under `verifyReduction`: what the statement being run really read, wrote, and whether it changed a lock. */
  private vReads: Set<string> | undefined;
  private vWrites: Set<string> | undefined;
  private vLocks = false;
  /** Under `verifyReduction`: the statement being run started another thread. */
  private vWoke = false;
  /** The outcome the running step takes of a non-deterministic primitive. */
  choice = 0;
  /** PrimCtx.explains: off only while {@link Interpreter.enabledChoices} asks whether a thread waits. */
  explains = true;
  private readonly program: Program;
  readonly mutable: boolean;
  /** The acting thread's stack in `work`, once fetched. */
  private wt: WorkThread | undefined;
  /** The segment being recorded (src/model/lang/segment-memo.ts), while one is. */
  private seg: SegmentRecording | null = null;

  constructor(
    private readonly ip: Interpreter,
    private base: KState,
    public tid: number,
    private readonly work: Work | null,
  ) {
    this.program = ip.program;
    this.mutable = work !== null;
  }

  /**
   * Point this read-only Exec (no {@link work}) at thread `tid` of `base`, for another question
   * (Interpreter `probe`). A read-only evaluation changes nothing else of its Exec (what a step
   * records, its thread's stack, a segment's recording and the reduction's checks are a running
   * step's), so nothing of the last question stays.
   */
  lookAt(base: KState, tid: number): this {
    this.base = base;
    this.tid = tid;
    this.choice = 0;
    this.explains = true;
    return this;
  }

  // ------------------------------------------------------------------------------- PrimCtx
  get threadCount(): number {
    return this.base.threads.length;
  }
  get task(): string {
    return this.program.spec.threads[this.tid]!.task;
  }
  get pending(): boolean {
    const w = this.work?.threads[this.tid];
    return w !== undefined ? w.pending : this.base.threads[this.tid]!.pending;
  }
  thread(tid: number): ThreadState {
    if (this.seg !== null) {
      if (tid !== this.tid) this.seg.impure = true;
      else this.seg.touch(0);
    }
    if (tid !== this.tid) this.ip.footprint?.readThread(tid);
    const w = this.work?.threads[tid];
    return w ? { frames: w.frames, srcu: w.srcu, pending: w.pending } : this.base.threads[tid]!;
  }
  threadName(tid: number): string {
    return this.ip.threadName(tid);
  }
  read(key: string): Value {
    // A shared variable holds a number, a string or null, and nothing Object.prototype has under
    // a name is one: so a value of those kinds is the key's own, and the key need not be looked up
    // in memKeySet first (issue 12: keys are often built at run time, `${base}.field`).
    const v = (this.work?.mem ?? this.base.mem)[key];
    if (typeof v !== 'number' && typeof v !== 'string' && v !== null && !this.program.memKeySet.has(key)) throw new ModelError(`read of unknown shared variable ${key}`);
    // As readMemBy, with the value already loaded.
    this.reads?.add(key);
    this.ip.footprint?.readMem(key);
    this.vReads?.add(key);
    if (this.seg !== null) this.seg.read(key, v as Value);
    return v as Value;
  }
  /** {@link read} of a key known to be shared memory, through its {@link keyReader} `read` (`index`: its index in `Program.memKeys`). */
  readMemBy(key: string, read: MemReader, index: number): Value {
    this.reads?.add(key);
    this.ip.footprint?.readMemAt(index);
    this.vReads?.add(key);
    const v = read(this.work?.mem ?? this.base.mem);
    if (this.seg !== null) this.seg.read(key, v);
    return v;
  }
  write(key: string, given: Value): void {
    // A primitive may build the name it stores (intern.ts).
    const value = typeof given === 'string' ? internalized(given) : given;
    const index = this.program.memIndex.get(key);
    if (index === undefined) throw new ModelError(`write of unknown shared variable ${key}`);
    if (!this.work) throw new ModelError(`write of ${key} during a read-only evaluation`);
    this.writes?.add(key);
    this.vWrites?.add(key);
    this.ip.footprint?.writeMemAt(index);
    if (this.seg !== null) this.seg.write(key, value);
    if (!this.work.mem) this.work.mem = this.work.copy.mem(this.base.mem);
    this.work.mem[key] = value;
  }
  stat(key: string): Value | readonly Value[] | undefined {
    return this.program.spec.statics[key];
  }
  lock(key: string): LockState {
    if (this.seg !== null) this.seg.impure = true;
    const l = (this.work?.locks ?? this.base.locks)[key];
    if (!l) throw new ModelError(`unknown lock ${key}`);
    this.reads?.add(key);
    this.ip.footprint?.readLock(key);
    this.vReads?.add(key);
    return l;
  }
  setLock(key: string, l: LockState): void {
    if (this.seg !== null) this.seg.impure = true;
    if (!this.work) throw new ModelError(`lock ${key} changed during a read-only evaluation`);
    this.writes?.add(key);
    this.vWrites?.add(key);
    this.ip.footprint?.writeLock(key);
    this.vLocks = true;
    if (!this.work.locks) this.work.locks = this.work.copy.locks(this.base.locks);
    this.work.locks[key] = l;
    (this.work.lockKeys ??= []).push(key);
  }
  srcu(delta: number): void {
    if (!this.work) throw new ModelError('srcu change during a read-only evaluation');
    this.work.thread(this.tid).srcu += delta;
  }
  evalLazy(e: Expr): Value {
    const v = this.eval(e);
    return Array.isArray(v) ? null : (v as Value);
  }
  wakeKworker(work: string): void {
    if (this.seg !== null) this.seg.impure = true;
    if (!this.work) throw new ModelError(`kworker of ${work} woken during a read-only evaluation`);
    const threads = this.program.spec.threads;
    const tid = threads.findIndex((t) => t.kworker === work);
    if (tid < 0) throw new ModelError(`work item ${work} was queued, but no kworker of the scenario runs it (a driver's \`works\` must declare it)`);
    if (tid === this.tid) return; // the kworker itself re-queued its work: its worker_thread loops
    this.ip.footprint?.writeThread(tid);
    const t = this.work.thread(tid);
    if (t.frames.length) return; // running: worker_thread() finds the work pending when it loops
    const spec = threads[tid]!;
    const fi = this.program.fnId(spec.fn);
    pushFrame(t, { fn: fi, pc: 0, locals: padLocals(spec.args, this.program.fn(fi)), dest: -1, ctx: 0 });
    this.vWoke = true;
  }

  private pairs(): readonly PairRecord[] {
    if (this.seg !== null) this.seg.impure = true;
    return this.work?.pairs ?? this.base.pairs;
  }
  private ownPairs(): PairRecord[] {
    this.ip.footprint?.writePairs();
    if (this.seg !== null) this.seg.impure = true;
    const w = this.work!;
    if (!w.pairs) w.pairs = copyArray(this.base.pairs);
    return w.pairs;
  }

  // ------------------------------------------------------------------------------- frames
  /** Whether the thread has finished. */
  private finished(): boolean {
    return (this.work ? this.work.thread(this.tid).frames : this.base.threads[this.tid]!.frames).length === 0;
  }
  /** The top frame: this step's own copy when mutable. */
  top(): Draft<Frame> {
    if (!this.work) {
      const f = this.base.threads[this.tid]!.frames;
      const top = topOf(f);
      if (!top) throw new ModelError(`${this.threadName(this.tid)} has finished`);
      return top as Draft<Frame>;
    }
    const t = (this.wt ??= this.work.thread(this.tid));
    const i = t.frames.length - 1;
    if (i < 0) throw new ModelError(`${this.threadName(this.tid)} has finished`);
    if (this.seg !== null) this.seg.touch(i);
    if (t.fresh > i) {
      const f = t.frames[i]!;
      // The same properties, in the same order, as `{ ...f }` (spreading a frozen object is slow);
      // the locals are shared until a local is written (WorkThread.own, topLocals).
      t.frames[i] = f.op === undefined ? { fn: f.fn, pc: f.pc, locals: f.locals, dest: f.dest, ctx: f.ctx } : { fn: f.fn, pc: f.pc, locals: f.locals, dest: f.dest, ctx: f.ctx, op: f.op };
      t.fresh = i;
    }
    return t.frames[i] as Draft<Frame>;
  }

  /** The top frame's locals, for a step to write: this step's own copy ({@link top}, WorkThread.own). */
  topLocals(): Value[] {
    const f = this.top();
    const t = this.wt!;
    const i = t.frames.length - 1;
    if (t.own > i) {
      f.locals = copyArray(f.locals);
      t.own = i;
    }
    return f.locals;
  }
  private fnOf(f: Frame): CompiledFn {
    return this.program.fn(f.fn);
  }
  private slot(name: string): number {
    return this.fnOf(this.top()).slots.get(name) ?? -1;
  }

  // ------------------------------------------------------------------------------- expressions
  args(p: Primitive, exprs: readonly Expr[]): Arg[] {
    return exprs.map((a, i) => (p.lazy?.includes(i) ? a : (this.eval(a) as Arg)));
  }

  eval(e: Expr): Value | readonly Value[] {
    switch (e.k) {
      case 'num':
        return e.v;
      case 'null':
        return null;
      case 'str':
        return e.v;
      case 'id': {
        const s = this.slot(e.name);
        if (s >= 0) return this.top().locals[s]!;
        if (this.fnOf(this.top()).stack.has(e.name)) return this.stackRefOf(e.name);
        const c = this.program.spec.constants[e.name];
        if (c !== undefined) return c;
        if (this.program.memKeySet.has(e.name)) return this.read(e.name); // a global variable, e.g. oom_reaper_list
        if (e.name === 'current') return this.program.spec.threads[this.tid]!.task;
        return e.name; // a function or a global object
      }
      case 'field': {
        const base = this.scalar(e.obj);
        if (parseStackRef(base)) return this.stackRead(base as string, e.field);
        const key = this.fieldKeyOf(base, e.field);
        if (this.program.memKeySet.has(key)) return this.read(key);
        const sv = this.program.spec.statics[key];
        if (sv !== undefined) return Array.isArray(sv) ? internalized(key) : (sv as Value);
        return internalized(key);
      }
      case 'addr':
        if (e.e.k === 'field') {
          const key = this.fieldKey(e.e);
          if (parseStackRef(key.slice(0, key.lastIndexOf('.')))) throw new ModelError(`the address of ${e.e.field} of a struct on the stack (${key}) is not modelled`);
          return internalized(key);
        }
        return this.eval(e.e);
      case 'unary': {
        const v = this.scalar(e.e);
        if (e.op === '!') return truthy(v) ? 0 : 1;
        if (e.op === '-') return -this.number(v, e);
        return ~this.number(v, e);
      }
      case 'bin': {
        if (e.op === '&&') return truthy(this.scalar(e.a)) && truthy(this.scalar(e.b)) ? 1 : 0;
        if (e.op === '||') return truthy(this.scalar(e.a)) || truthy(this.scalar(e.b)) ? 1 : 0;
        const a = this.scalar(e.a);
        const b = this.scalar(e.b);
        switch (e.op) {
          case '==':
            return eq(a, b) ? 1 : 0;
          case '!=':
            return eq(a, b) ? 0 : 1;
          default: {
            const x = this.number(a, e);
            const y = this.number(b, e);
            switch (e.op) {
              case '<':
                return x < y ? 1 : 0;
              case '<=':
                return x <= y ? 1 : 0;
              case '>':
                return x > y ? 1 : 0;
              case '>=':
                return x >= y ? 1 : 0;
              case '+':
                return x + y;
              case '-':
                return x - y;
              case '*':
                return x * y;
              case '/':
                return Math.trunc(x / y);
              case '%':
                return x % y;
              case '<<':
                return x << y;
              case '>>':
                return x >> y;
              case '&':
                return x & y;
              case '|':
                return x | y;
              case '^':
                return x ^ y;
            }
          }
        }
        throw new ModelError(`unknown operator ${e.op}`);
      }
      case 'cond':
        return truthy(this.scalar(e.c)) ? this.eval(e.a) : this.eval(e.b);
      case 'call': {
        if (e.callee.k !== 'id') throw new ModelError('a call through a pointer must be a statement of its own (compile should have hoisted it)');
        const p = this.ip.prim(e.callee.name);
        if (!p) throw new ModelError(`${e.callee.name} is not a primitive (compile should have hoisted it)`);
        const r = p.run(this, this.args(p, e.args), this.choice);
        if (r === PENDING) throw PENDING_SIGNAL;
        if (this.ip.verify && p.value) {
          const declared = p.value(e.args, this.program.spec.statics);
          if (declared !== undefined && r !== declared) throw new ModelError(`reduction premise broken: ${e.callee.name}() returned ${String(r)}, but declares ${String(declared)} for this scenario (Primitive.value)`);
        }
        return typeof r === 'string' ? internalized(r) : r;
      }
      case 'assign': {
        let v = this.scalar(e.value);
        if (e.op !== '=') {
          const old = this.number(this.scalar(e.target), e);
          const y = this.number(v, e);
          v = e.op === '+=' ? old + y : e.op === '-=' ? old - y : e.op === '|=' ? old | y : old & y;
        }
        this.store(e.target, v);
        return v;
      }
      case 'incdec': {
        const old = this.number(this.scalar(e.target), e);
        const nv = e.op === '++' ? old + 1 : old - 1;
        this.store(e.target, nv);
        return e.prefix ? nv : old;
      }
    }
  }

  private scalar(e: Expr): Value {
    return scalarOf(this.eval(e));
  }

  private number(v: Value, e: Expr): number {
    return numberOf(v, e);
  }

  private fieldKey(e: Expr & { k: 'field' }): string {
    return this.fieldKeyOf(this.scalar(e.obj), e.field);
  }

  private fieldKeyOf(base: Value, field: string): string {
    if (base === null || base === 0) throw new Oops(`NULL pointer dereference reading ->${field}`);
    // Fields the model keeps for the object (shared, static or lock keys under it; freeableFields).
    if (typeof base === 'string' && this.program.freeable.has(base) && this.program.freeableFields.has(field) && this.read(`${base}.kfreed`)) {
      throw new Oops(`use after free: ->${field} of ${base}, which kfree() freed`);
    }
    return `${String(base)}.${field}`;
  }

  // ------------------------------------------------------------------------------- structs on the stack
  /** The running thread's frames (this step's copy when mutable). */
  private frames(): readonly Frame[] {
    return this.work ? (this.wt ??= this.work.thread(this.tid)).frames : this.base.threads[this.tid]!.frames;
  }

  /** A reference to struct `name` of the running thread's current frame ({@link stackRef}). */
  stackRefOf(name: string): string {
    return stackRef(this.frames().length - 1, name);
  }

  /** The slot of field `field` of the struct `ref` names in its frame, and the frame's index. */
  private stackSlot(ref: string, field: string): { depth: number; slot: number } {
    const r = parseStackRef(ref)!;
    if (this.seg !== null) this.seg.touch(r.depth);
    const frames = this.frames();
    const f = frames[r.depth];
    if (!f || r.depth >= frames.length) throw new ModelError(`${ref}: no frame ${r.depth} on ${this.threadName(this.tid)}'s stack (a struct used after its function returned)`);
    const fn = this.fnOf(f);
    const slot = fn.slots.get(`${r.name}.${field}`);
    if (slot === undefined || !fn.stack.has(r.name)) throw new ModelError(`${fn.def.name}() keeps no field ${field} of struct ${r.name} on its stack (${ref}->${field})`);
    return { depth: r.depth, slot };
  }

  /** Whether the struct `ref` names keeps field `field`. */
  stackHas(ref: string, field: string): boolean {
    const r = parseStackRef(ref);
    if (r && this.seg !== null) this.seg.touch(r.depth);
    const f = r && this.frames()[r.depth];
    return f !== undefined && this.fnOf(f).slots.has(`${r!.name}.${field}`);
  }

  /** `ref->field` for a struct on the running thread's stack. */
  stackRead(ref: string, field: string): Value {
    const { depth, slot } = this.stackSlot(ref, field);
    return this.frames()[depth]!.locals[slot]!;
  }

  /** `ref->field = v` for a struct on the running thread's stack: the declaring frame is copied first. */
  stackWrite(ref: string, field: string, v: Value): void {
    if (!this.mutable) throw new ModelError('assignment during a read-only evaluation');
    const { depth, slot } = this.stackSlot(ref, field);
    const t = (this.wt ??= this.work!.thread(this.tid));
    // Frames from `fresh` up are this step's own, and their locals from `own` up: the ones from
    // `depth` up are made so. An own frame keeps its object (the running statement holds the top one).
    for (let i = t.own - 1; i >= depth; i--) {
      const f = t.frames[i]!;
      const locals = copyArray(f.locals);
      if (i >= t.fresh) (f as Draft<Frame>).locals = locals;
      else t.frames[i] = f.op === undefined ? { fn: f.fn, pc: f.pc, locals, dest: f.dest, ctx: f.ctx } : { fn: f.fn, pc: f.pc, locals, dest: f.dest, ctx: f.ctx, op: f.op };
    }
    if (t.fresh > depth) t.fresh = depth;
    if (t.own > depth) t.own = depth;
    (t.frames[depth]!.locals as Value[])[slot] = v;
  }

  /**
   * `non_block_start()` (delta 1) and `non_block_end()` (delta -1): `current->non_block_count`, kept
   * in the running frame's context, which the functions it calls inherit (docs/model.md). Returns
   * the count before.
   */
  nonBlock(delta: number): number {
    if (!this.mutable) throw new ModelError('non_block_start/end during a read-only evaluation');
    const f = this.top();
    const before = nonBlockCount(f.ctx);
    if (before + delta < 0) throw new ModelError('non_block_end() without a non_block_start() (the kernel WARNs: current->non_block_count-- == 0)');
    f.ctx += delta * CTX_NON_BLOCK_UNIT;
    return before;
  }

  private store(target: Expr, v: Value): void {
    if (target.k === 'id') {
      const s = this.slot(target.name);
      if (s < 0 && !this.program.memKeySet.has(target.name)) throw new ModelError(`assignment to ${target.name}, which is neither a local nor a global variable`);
      if (!this.mutable) throw new ModelError('assignment during a read-only evaluation');
      if (s < 0) {
        this.write(target.name, v);
        return;
      }
      this.topLocals()[s] = v;
      return;
    }
    if (target.k === 'field') {
      const base = this.scalar(target.obj);
      if (parseStackRef(base)) this.stackWrite(base as string, target.field, v);
      else this.write(this.fieldKeyOf(base, target.field), v);
      return;
    }
    throw new ModelError('assignment to something that is neither a local nor a field');
  }

  // ------------------------------------------------------------------------------- calls
  resolveCall(instr: Instr & { op: 'call' }): { fn: string; op?: OpName; nid?: string; args: Value[] } {
    const args = instr.args.map((a) => this.scalar(a));
    const callee = instr.callee;
    if (callee.k === 'field' && (OP_NAMES as readonly string[]).includes(callee.field)) {
      const ops = this.scalar(callee.obj);
      let nid = typeof ops === 'string' && ops.endsWith('.ops') ? internalized(ops.slice(0, -4)) : undefined;
      // As the compiled form: `invalidate` is an op only for an interval notifier (hfi1's mmu_rb_ops has one too).
      if (callee.field === 'invalidate' && nid !== undefined && !this.program.notifier(nid)?.ops.invalidate) nid = undefined;
      const target = this.scalar(callee);
      if (typeof target !== 'string') throw new ModelError(`call of a NULL ${callee.field} op`);
      return nid === undefined ? { fn: target, args } : { fn: target, op: callee.field as OpName, nid, args };
    }
    const target = this.scalar(callee);
    if (typeof target !== 'string') throw new ModelError(`call through a NULL function pointer`);
    return { fn: target, args };
  }

  // ------------------------------------------------------------------------------- steps
  /** Run the thread's current instruction; `coalesced`: it runs on in the transition of the step before it. */
  runOne(choice: number, coalesced = false): void {
    this.choice = choice;
    const frame = this.top();
    const fn = this.fnOf(frame);
    const pc = frame.pc;
    const ins = fn.instrs[pc]!;
    const code = this.ip.codeAt(frame.fn, pc);
    let queued = false;
    let detail: string | undefined;
    const before = this.ip.verify ? this.snapshot() : undefined;
    const blockedBy = before ? this.verifyLockset(frame.fn, pc, fn, ins) : undefined;
    const wasPending = this.pending;
    let oopsed = false;
    try {
      detail = this.execute(ins, code, frame, fn);
    } catch (err) {
      if (err instanceof Oops) {
        oopsed = true;
        this.oops(err, fn, ins);
        detail = err.message;
        // The statement did not complete: the thread stays at it, never enabled again (waitOf).
        frame.pc = pc;
      } else {
        if (err !== PENDING_SIGNAL) throw err;
        queued = true;
      }
    }
    // The statement put the thread to sleep in a slow path (it runs again), or finished one it had started.
    if (queued !== wasPending) this.work!.thread(this.tid).pending = queued;
    if (blockedBy !== undefined) this.verifyBlockedRun(blockedBy, oopsed, fn, ins);
    if (before) this.verifyStep(before, ins, frame.fn, fn, coalesced);
    if (!this.record) return;
    const rec: ExecutedInstr = { fn: fn.def.name, file: fn.def.file, pc, src: ins.src, op: ins.op, queued };
    this.executed.push(detail === undefined ? rec : { ...rec, detail });
  }

  /**
   * Run on through the statements the reduction coalesces (src/model/lang/reduction.ts). Whether a
   * return is observable depends on the frame it pops, so it is judged here: popping a notifier
   * callback's frame changes the thread's context (and, for `invalidate_range_start`, records the
   * pair the contract owes an end); popping the last frame finishes the thread.
   */
  runLocal(): void {
    const red = this.ip.reduction;
    const reads = red.reads;
    for (let n = 0; n < MAX_COALESCED; n++) {
      if (this.finished()) return;
      if (this.ip.oopsMark(this.work?.mem ?? this.base.mem, this.tid)) return;
      const frames = this.work!.thread(this.tid).frames;
      const frame = frames[frames.length - 1]!;
      const mode = red.mode(frame.fn, frame.pc);
      if (mode === KEEP) return;
      const unlessSleep = mode === COALESCE_UNLESS_SLEEP_WATCHED || mode === COALESCE_UNLESS_SLEEP_WATCHED_OR_RESTORES;
      if (unlessSleep && red.sleepWatched((frame.ctx & (CTX_NONBLOCK_START | CTX_NONBLOCK_END)) !== 0, () => this.holdsSpin())) return;
      const unlessRestores = mode === COALESCE_UNLESS_RESTORES || mode === COALESCE_UNLESS_SLEEP_WATCHED_OR_RESTORES;
      if (unlessRestores && this.restores(red.runWatchesAt(frame.fn, frame.pc) ?? [])) return;
      if (this.ip.returnsAt(frame.fn, frame.pc)) {
        if (frames.length === 1 && this.finishingRead()) return;
        if (frame.op && (reads.context || (reads.pairs && (frame.op.kind === 'invalidate_range_start' || frame.op.kind === 'invalidate')))) return;
      }
      if (mode === COALESCE && !this.record && this.ip.memo !== null && this.segmentAt(frames)) n += this.runSegment(this.ip.memo, MAX_COALESCED - n) - 1;
      else this.runOne(0, true);
    }
    throw new ModelError(`${this.threadName(this.tid)} runs ${MAX_COALESCED} steps without touching shared state (an infinite local loop?)`);
  }

  /**
   * Whether the top statement of `frames` may start or continue a memoised segment
   * (src/model/lang/segment-memo.ts): pure by {@link Interpreter.pureAt}, and not a return that
   * finishes the thread or leaves a notifier callback.
   */
  private segmentAt(frames: readonly Frame[]): boolean {
    const frame = frames[frames.length - 1]!;
    if (!this.ip.pureAt(frame.fn, frame.pc)) return false;
    return !(this.ip.returnsAt(frame.fn, frame.pc) && (frames.length === 1 || frame.op !== undefined));
  }

  /**
   * Run the segment that starts at this thread's statement (at most `max` statements): the
   * recorded outcome where the memo has it for this thread's own state and the memory's values of
   * its inputs, else the statements themselves, recorded. Returns how many statements it ran.
   */
  private runSegment(memo: SegmentMemo, max: number): number {
    const work = this.work!;
    const t = (this.wt ??= work.thread(this.tid));
    const h = memo.hash(this.tid, t);
    const hit = memo.find(h, this.tid, t, work.mem ?? this.base.mem);
    if (hit !== undefined) {
      const frames = t.frames;
      frames.length = hit.low;
      // The step's own frames below `low` are final for the segment: frozen now, as finish() would
      // freeze them, so that every frame is frozen and a later write copies it (top()).
      for (let j = t.fresh; j < hit.low; j++) freezeFrame(frames[j]!);
      for (let j = 0; j < hit.top.length; j++) frames.push(hit.top[j]!);
      t.fresh = t.own = frames.length;
      t.srcu = hit.srcuAfter;
      t.pending = hit.pendingAfter;
      const fp = this.ip.footprint;
      if (fp !== null) for (let k = 0; k < hit.readKeys.length; k++) fp.readMem(hit.readKeys[k]!);
      for (let k = 0; k < hit.writeKeys.length; k++) this.write(hit.writeKeys[k]!, hit.writeValues[k]!);
      return hit.length;
    }
    const fresh = t.fresh;
    // The frames it starts from: the step's own ones (changed in place as it runs) copied.
    const freeze = this.ip.freezeParts;
    const before = t.frames.map((f, j) => (j < fresh ? f : frozenFrame(f, freeze)));
    const srcu = t.srcu;
    const pending = t.pending;
    const rec = new SegmentRecording();
    this.seg = rec;
    let n = 0;
    try {
      do {
        this.runOne(0, true);
        n++;
      } while (n < max && !rec.impure && t.frames.length > 0 && this.segmentAt(t.frames));
    } finally {
      this.seg = null;
    }
    if (rec.impure) {
      memo.impure++;
      return n;
    }
    // The frames it left as they were: frozen when it started (a step's own frames are changed in place) and the very same now.
    let low = 0;
    const frames = t.frames;
    while (low < fresh && low < before.length && low < frames.length && frames[low] === before[low]) low++;
    // The frames below `reach` it neither read nor changed: not part of what it starts from.
    const reach = Math.min(rec.reach, low);
    memo.add(h, {
      tid: this.tid,
      depth: before.length,
      reach,
      from: before.slice(reach).map((f) => frozenFrame(f, freeze)),
      srcu,
      pending,
      readKeys: [...rec.reads.keys()],
      readValues: [...rec.reads.values()],
      writeKeys: [...rec.writes.keys()],
      writeValues: [...rec.writes.values()],
      low,
      top: frames.slice(low).map((f) => frozenFrame(f, freeze)),
      srcuAfter: t.srcu,
      pendingAfter: t.pending,
      length: n,
    });
    return n;
  }

  /**
   * The kernel oopses on a NULL pointer dereference and kills the task: the thread is marked
   * (`<task>.oops`) and never runs again; the no-bug property reports it. The mark is a ghost of the
   * interpreter, outside any statement's declared effects: it ends the thread, and a property that
   * reads it sees it in the transition's last state, since the thread can take no step after it.
   */
  private oops(err: Oops, fn: CompiledFn, ins: Instr): void {
    if (this.seg !== null) this.seg.impure = true;
    const key = this.ip.oopsKeys[this.tid];
    if (key === undefined) throw new ModelError(`${err.message} in ${fn.def.name}(): ${ins.src.text}`);
    if (!this.work) throw new ModelError(`${err.message} during a read-only evaluation`);
    if (!this.work.mem) this.work.mem = this.work.copy.mem(this.base.mem);
    // The mark is the oops message (a NULL pointer dereference, or which freed object was used).
    this.work.mem[key] = internalized(err.message);
    this.writes?.add(key);
    this.ip.footprint?.writeMem(key);
  }

  /** Whether running this thread's next statement may make a violated property hold again (`StateReads.runs`), judged on the state as this step has left it so far. */
  private restores(watches: readonly RunWatch[]): boolean {
    if (this.seg !== null) this.seg.impure = true;
    const w = this.work!;
    const base = this.base;
    const view: KState = {
      threads: base.threads.map((t, i) => {
        const x = w.threads[i];
        return x === undefined ? t : { frames: x.frames, srcu: x.srcu, pending: x.pending };
      }),
      mem: w.mem ?? base.mem,
      locks: w.locks ?? base.locks,
      pairs: w.pairs ?? base.pairs,
    };
    return watches.some((x) => x.restores(this.ip, view, this.tid));
  }

  /** Whether the running thread owns a spinlock. */
  private holdsSpin(): boolean {
    if (this.seg !== null) this.seg.impure = true;
    return this.program.holdsSpin(this.work?.locks ?? this.base.locks, this.tid);
  }

  // ------------------------------------------------------------------------------- verifyReduction
  private snapshot(): Snapshot {
    this.vReads = new Set();
    this.vWrites = new Set();
    this.vLocks = false;
    this.vWoke = false;
    const t = this.thread(this.tid);
    const mem = this.work?.mem ?? this.base.mem;
    return { pairs: this.pairs(), depth: t.frames.length, srcu: t.srcu, mem: { ...mem }, topOp: t.frames[t.frames.length - 1]!.op !== undefined };
  }

  /**
   * The lock sets the partial-order reduction relies on (lockset.ts), checked where a statement is
   * about to run: the thread holds exclusively a lock of every field in the statement's set, and a
   * statement that waits for a lock (`mutex_lock`) runs while another thread holds every lock of
   * that field exclusively only to a kernel oops before the lock is taken (its arguments name a
   * freed object, or dereference NULL): for that case the description of the holder, which
   * {@link verifyBlockedRun} checks once the statement has run; undefined otherwise.
   */
  private verifyLockset(fnId: number, pc: number, fn: CompiledFn, ins: Instr): string | undefined {
    const ls = locksets(this.program);
    const held = ls.held[fnId]![pc]!;
    const waits = ls.waitsFor[fnId]![pc]!;
    if (!held && !waits) return undefined;
    const locks = this.work?.locks ?? this.base.locks;
    const owns = (k: string, tid: number): boolean => ownsExclusively(locks[k]!, tid);
    const where = (): string => `${this.threadName(this.tid)} in ${fn.def.name}(): '${ins.src.text}'`;
    let blocked: string | undefined;
    ls.fields.forEach((field, i) => {
      const b = 1 << i;
      const keys = ls.keys[i]!;
      if (held & b && !keys.some((k) => owns(k, this.tid))) {
        throw new ModelError(`reduction premise broken: ${where()} runs holding no lock of field ${field} exclusively, but its lock set (lockset.ts) has that field`);
      }
      if (waits & b) {
        for (let t = 0; t < this.threadCount; t++) {
          if (t !== this.tid && keys.every((k) => owns(k, t))) blocked ??= `${this.threadName(t)} holds every lock of field ${field}`;
        }
      }
    });
    return blocked;
  }

  /**
   * A statement that waits for a lock, run while another thread held every lock of that field
   * ({@link verifyLockset}'s `holder`): it must have oopsed, having accessed nothing but what its
   * static effects say such a run may (reduction.ts `Effects.oopsAccesses`, what the partial-order
   * reduction counts for it then). Called before {@link verifyStep}, which takes the accesses.
   */
  private verifyBlockedRun(holder: string, oopsed: boolean, fn: CompiledFn, ins: Instr): void {
    const where = `${this.threadName(this.tid)} in ${fn.def.name}(): '${ins.src.text}'`;
    if (!oopsed) throw new ModelError(`reduction premise broken: ${where} runs while ${holder}, but the lock sets (lockset.ts) count it as waiting then`);
    const acc = this.ip.reduction.effectsOf(ins).oopsAccesses;
    if (acc === undefined) throw new ModelError(`reduction premise broken: ${where} oopses while ${holder}, but its static effects do not say it waits`);
    if (acc === 'all') return;
    const declared = (k: string, write: boolean): boolean => acc.some((a) => a.name === fieldOf(k) && (!write || a.mode !== 'r'));
    for (const k of this.vWrites!) if (!declared(k, true)) throw new ModelError(`reduction premise broken: ${where} oopses while ${holder}, writing ${k}, which its static effects for that run (oopsAccesses) do not name as written`);
    for (const k of this.vReads!) if (!this.vWrites!.has(k) && !declared(k, false)) throw new ModelError(`reduction premise broken: ${where} oopses while ${holder}, reading ${k}, which its static effects for that run (oopsAccesses) do not name`);
  }

  /**
   * The premise of the reduction, checked on one executed statement: its real effects lie within its
   * static effects (so the independence analysis, which compares threads' static effects, holds for
   * it), the thread is one the call graph says can reach the function, and, if it was coalesced, it
   * changed nothing a property reads.
   */
  private verifyStep(
    before: Snapshot,
    ins: Instr,
    fnId: number,
    fn: CompiledFn,
    coalesced: boolean,
  ): void {
    const red = this.ip.reduction;
    const e: Effects = red.effectsOf(ins);
    const where = `${this.threadName(this.tid)} in ${fn.def.name}(): '${ins.src.text}'`;
    const fail = (what: string): never => {
      throw new ModelError(`reduction premise broken: ${where} ${what}`);
    };
    if (!this.ip.reaches(this.tid, fnId)) fail(`runs in ${fn.def.name}(), which the reduction's call graph does not have the thread reach`);
    if (!liveStatements(this.program, fnId)[fn.instrs.indexOf(ins)]) fail('runs, but the analysis of what the scenario can run (live.ts) found it dead');
    const reads = this.vReads!;
    const writes = this.vWrites!;
    this.vReads = this.vWrites = undefined;
    const t = this.thread(this.tid);
    const pairsChanged = !samePairs(before.pairs, this.pairs());
    const returned = ins.op === 'return';
    if (e.accesses !== 'all') {
      const declared = (k: string, write: boolean): boolean => {
        const f = fieldOf(k);
        return (e.accesses as readonly { name: string; mode: string }[]).some((a) => a.name === f && (!write || a.mode !== 'r'));
      };
      // A write of the value already there changes nothing; still, its field must be declared written.
      for (const k of writes) if (!declared(k, true)) fail(`writes ${k}, but its static effects do not name ${fieldOf(k)} as written`);
      for (const k of reads) if (!writes.has(k) && !declared(k, false)) fail(`reads ${k}, but its static effects do not name ${fieldOf(k)}`);
      // A field declared written only with 0 (`Access.zero`) holds 0 or NULL after the statement.
      const after = this.work?.mem ?? this.base.mem;
      for (const k of writes) {
        const f = fieldOf(k);
        const ws = e.accesses.filter((a) => a.name === f && a.mode !== 'r');
        if (ws.length && ws.every((a) => a.zero) && after[k] !== 0 && after[k] !== null) fail(`stores ${String(after[k])} in ${k}, but its static effects say it stores only 0 there`);
      }
      if (t.srcu !== before.srcu && !e.accesses.some((a) => a.name === '$srcu' && a.mode !== 'r')) fail('changes its SRCU depth, but its static effects do not say so');
    }
    if (this.vLocks && !e.locks) fail('changes a lock, but its primitives do not declare `locks`');
    // Semaphores only read (reduction.ts readOnlySemaphores): never held for write, nobody queued.
    if (this.vLocks && red.readOnlySemaphores.size) {
      const locks = this.work?.locks ?? this.base.locks;
      for (const k of writes) {
        const l = locks[k];
        if (l?.kind === 'rwsem' && red.readOnlySemaphores.has(fieldOf(k)) && (l.writer !== -1 || l.waiters.length > 0)) fail(`leaves ${k} ${l.writer !== -1 ? 'held for write' : 'with a task queued'}, but the reduction counts its read-side operations as commuting (no statement takes it for write)`);
      }
    }
    if (this.vWoke && !e.wakes) fail('starts another thread, but its primitives do not declare `wakes`');
    if (pairsChanged && !e.pairs && !returned) fail('opens or closes a start/end pair, but its static effects do not say so');
    if (t.frames.length > before.depth && !(ins.op === 'call')) fail('pushes a frame without being a call');
    if (!coalesced) return;
    const r = red.reads;
    const mem = this.work?.mem ?? this.base.mem;
    for (const k of writes) {
      if (this.program.memKeySet.has(k) && red.readsField(fieldOf(k)) && mem[k] !== before.mem[k]) fail(`was coalesced but wrote ${k}, which a property reads`);
    }
    if (r.pairs && pairsChanged) fail('was coalesced but opened or closed a start/end pair');
    if (red.pairsRead(before.pairs, this.pairs(), before.mem, mem)) fail('was coalesced but closed a start/end pair a property reads');
    if (r.locks && this.vLocks) fail('was coalesced but changed a lock');
    if (this.vWoke) fail('was coalesced but started another thread');
    if (t.frames.length === 0 && this.finishingRead()) fail('was coalesced but finished the thread, which a property reads');
    const entered = ins.op === 'call' && t.frames.length > before.depth && t.frames[t.frames.length - 1]!.op !== undefined;
    if (r.context && (entered || (returned && before.topOp))) fail('was coalesced but entered or left a notifier callback');
  }

  /** Run an instruction with its compiled expressions; what it did, for the trace (only when recording). */
  private execute(ins: Instr, code: InstrCode, frame: Draft<Frame>, fn: CompiledFn): string | undefined {
    switch (ins.op) {
      case 'exec': {
        const exprs = code.exprs;
        for (let i = 0; i < exprs.length; i++) exprs[i]!(this);
        const ghost = code.ghost;
        for (let i = 0; i < ghost.length; i++) ghost[i]!(this);
        frame.pc++;
        return undefined;
      }
      case 'branch': {
        const v = truthy(code.value!(this));
        frame.pc = v ? ins.t : ins.f;
        return this.record ? `${ins.shown} is ${v ? 'true' : 'false'}` : undefined;
      }
      case 'jump':
        frame.pc = ins.to;
        return undefined;
      case 'iter': {
        const it = code.iter!;
        if (typeof it === 'function') it();
        const p = it as PrimCode;
        const pos = ins.first ? undefined : frame.locals[ins.slot]!;
        const got = p.prim.iterate!(this, p.args(this), pos);
        // A primitive may build the name it gives (intern.ts).
        const next = typeof got === 'string' ? internalized(got) : got;
        this.topLocals()[ins.slot] = next;
        frame.pc = next === null ? ins.exit : ins.body;
        return this.record ? (next === null ? 'end' : String(next)) : undefined;
      }
      case 'call':
        return this.call(ins, code.call!(this), frame);
      case 'return': {
        const v = code.value ? code.value(this) : 0;
        const ghost = code.ghost;
        for (let i = 0; i < ghost.length; i++) ghost[i]!(this);
        this.ret(v, fn);
        return this.record ? String(v) : undefined;
      }
    }
  }

  private call(ins: Instr & { op: 'call' }, r: ResolvedCall, frame: Draft<Frame>): string {
    const fi = this.program.fnId(r.fn);
    const f = this.program.fn(fi);
    if (r.args.length !== f.def.params.length) throw new ModelError(`${r.fn} takes ${f.def.params.length} arguments, called with ${r.args.length}`);
    let ctx = frame.ctx;
    let op: OpFrame | undefined;
    if (r.op === 'invalidate_range_start' || r.op === 'invalidate_range_end') {
      const { start, end, blockable, flags } = this.callRange(r.args);
      if (r.op === 'invalidate_range_start') {
        // Only the mayfail core passes range flags (bit 1: MMU_NOTIFIER_RANGE_MAYFAIL).
        const mayfail = this.program.spec.contract.endAfterFailedStart && flags & 2 ? 1 : 0;
        if (!blockable) ctx |= CTX_NONBLOCK_START;
        op = { kind: r.op, nid: r.nid!, start, end, blockable, mayfail };
      } else {
        const i = this.findPair(r.nid!, start, end);
        if (i >= 0) {
          const rec = this.pairs()[i]!;
          if (!rec.blockable) ctx |= CTX_NONBLOCK_END;
          this.ownPairs().splice(i, 1);
        }
        op = { kind: r.op, nid: r.nid!, start, end, blockable: 1, mayfail: 0 };
      }
    } else if (r.op === 'invalidate') {
      // An interval notifier (v5.5 on): `mni->ops->invalidate(mni, range, cur_seq)`.
      const { start, end, blockable } = this.callRange(r.args);
      if (!blockable) ctx |= CTX_NONBLOCK_START;
      op = { kind: 'invalidate', nid: r.nid!, start, end, blockable, mayfail: 0 };
    } else if (r.op === 'release') {
      op = { kind: 'release', nid: r.nid!, start: 0, end: 0, blockable: 1, mayfail: 0 };
    } else if (r.fn === this.program.spec.contract.itreeEnd) {
      // mn_itree_inv_end(mmn_mm) ends the invalidation of the caller's `range` for the interval notifiers.
      const f0 = this.fnOf(frame);
      const ref = f0.stack.has('range') ? this.stackRefOf('range') : frame.locals[f0.slots.get('range') ?? -1];
      if (typeof ref === 'string' && parseStackRef(ref)) this.closeInterval(Number(this.stackRead(ref, 'start')), Number(this.stackRead(ref, 'end')));
    } else if (r.fn === this.program.spec.contract.coreEnd) {
      // (mm, start, end, only_end) up to v4.19; (range, only_end) from v5.0.
      const ref = r.args[0];
      if (parseStackRef(ref)) this.closeEndless(Number(this.stackRead(ref as string, 'start')), Number(this.stackRead(ref as string, 'end')));
      else this.closeEndless(Number(r.args[1]), Number(r.args[2]));
    }
    if (this.program.countCalls.has(r.fn)) {
      const k = `ghost.calls_${r.fn}`;
      this.write(k, Number(this.read(k)) + 1);
    }
    frame.pc++;
    // One literal per shape, as `top` copies frames: a spread here gave callee frames a map of their own.
    const locals = padLocals(r.args, f);
    const callee: Frame = op ? { fn: fi, pc: 0, locals, dest: ins.dest, ctx, op } : { fn: fi, pc: 0, locals, dest: ins.dest, ctx };
    pushFrame(this.work!.thread(this.tid), callee);
    return r.fn;
  }

  /**
   * The range and mode of a start/end callback's arguments: `(mn, mm, start, end[, blockable])` up
   * to v4.19 (the mayfail core passes the range flags as the last), `(mn, range)` from v5.0, with
   * `range` a struct on the caller's stack: `range->blockable` (v5.0) or `range->flags`
   * (MMU_NOTIFIER_RANGE_BLOCKABLE is bit 0, from v5.2).
   */
  callRange(args: readonly Value[]): { start: number; end: number; blockable: number; flags: number } {
    const ref = args[1];
    // (mn, range) from v5.0; an interval notifier's (mni, range, cur_seq) from v5.5.
    if ((args.length === 2 || args.length === 3) && parseStackRef(ref)) {
      const r = ref as string;
      const flags = this.stackHas(r, 'flags') ? Number(this.stackRead(r, 'flags')) : truthy(this.stackRead(r, 'blockable')) ? 1 : 0;
      return { start: Number(this.stackRead(r, 'start')), end: Number(this.stackRead(r, 'end')), blockable: flags & 1 ? 1 : 0, flags };
    }
    const last = args[4];
    const blockable = args.length > 4 ? (truthy(last!) ? 1 : 0) : 1;
    return { start: Number(args[2]), end: Number(args[3]), blockable, flags: typeof last === 'number' ? last : blockable };
  }

  /** The core's end walk for [start, end) closes this thread's pairs of notifiers without an end callback. */
  private closeEndless(start: number, end: number): void {
    // Interval notifiers (v5.5) have neither callback: their pairs close at mn_itree_inv_end (closeInterval).
    this.closeOwnPairs(start, end, (ops) => !ops?.invalidate_range_end && !ops?.invalidate);
  }

  /** mn_itree_inv_end() for [start, end) closes this thread's pairs of interval notifiers for that range (v5.5 on). */
  private closeInterval(start: number, end: number): void {
    this.closeOwnPairs(start, end, (ops) => !!ops?.invalidate);
  }

  /** Close this thread's pairs for [start, end) of the notifiers whose ops `which` picks. */
  private closeOwnPairs(start: number, end: number, which: (ops: NotifierSpec['ops'] | undefined) => boolean): void {
    const close = (p: PairRecord): boolean => p.tid === this.tid && p.start === start && p.end === end && which(this.program.notifier(p.nid)?.ops);
    const pairs = this.pairs();
    if (pairs.some(close)) {
      const keep = pairs.filter((p) => !close(p));
      const own = this.ownPairs();
      own.length = 0;
      own.push(...keep);
    }
  }

  /** Whether a property reads that this thread finishes, were it to finish now (Reduction.finishingVisible). */
  private finishingRead(): boolean {
    if (this.seg !== null) this.seg.impure = true;
    return this.ip.reduction.finishingVisible(this.tid, this.pairs(), this.work?.locks ?? this.base.locks);
  }

  /**
   * A kworker whose worker_thread() returns (goes idle) while its work item is pending again (queued
   * after its last keep_working() check) is woken at once, as queue_work() wakes an idle worker
   * (kernel/workqueue.c). Whether the queueing came just before or just after this return, the
   * result is the same state (the kworker at the start of worker_thread(), the work pending), so the
   * return commutes with the queueing and reads `pending` outside the statement's declared effects.
   */
  private restartIfQueued(th: WorkThread): void {
    const spec = this.program.spec.threads[this.tid]!;
    if (spec.kworker === undefined) return;
    if (this.seg !== null) this.seg.impure = true;
    const mem = this.work!.mem ?? this.base.mem;
    this.ip.footprint?.readMem(`${spec.kworker}.pending`);
    if (!mem[`${spec.kworker}.pending`]) return;
    const fi = this.program.fnId(spec.fn);
    pushFrame(th, { fn: fi, pc: 0, locals: padLocals(spec.args, this.program.fn(fi)), dest: -1, ctx: 0 });
  }

  /** The open pair record an end call of this thread on (nid, start, end) consumes: the latest one. */
  findPair(nid: string, start: number, end: number): number {
    const pairs = this.pairs();
    for (let i = pairs.length - 1; i >= 0; i--) {
      const p = pairs[i]!;
      if (p.tid === this.tid && p.nid === nid && p.start === start && p.end === end) return i;
    }
    return -1;
  }

  private ret(v: Value, fn: CompiledFn): void {
    const th = this.work!.thread(this.tid);
    const frames = th.frames;
    const done = frames.pop()!;
    if (th.fresh > frames.length) th.fresh = frames.length;
    if (th.own > frames.length) th.own = frames.length;
    if (done.op?.kind === 'invalidate_range_start') {
      const r = typeof v === 'number' ? v : 0;
      const o = done.op;
      // An end is owed for every approved start, for every blockable start (its callers ignore the
      // result), and for a start of a MAYFAIL range even when it failed (seed 004: "The callback must be
      // prepared to handle the matching invalidate_range_end even after failing the
      // invalidate_range_start"). A non-blocking start that failed outside a MAYFAIL range (the
      // reaper's, whose range flags are 0) is owed none: its caller skips the end.
      // From v5.12 (c2655835fd8c), the core itself ends every notifier that has an end callback after
      // a failed start of its hlist, the failed one included: that start is owed the end too.
      const rolledBack = r !== 0 && this.program.spec.contract.endsAfterFailedHlistStart === true && !!this.program.notifier(o.nid)?.ops.invalidate_range_end;
      if (r === 0 || o.blockable || o.mayfail || rolledBack) {
        insertPair(this.ownPairs(), { tid: this.tid, nid: o.nid, start: o.start, end: o.end, blockable: o.blockable, mayfail: o.mayfail, ret: r });
      }
    }
    if (done.op?.kind === 'invalidate') {
      // An interval notifier's invalidate returns bool (v5.5, 99cb252f5e68). True: the invalidation went
      // through, and the range is invalidated for it until mn_itree_inv_end. False in blockable mode:
      // mn_itree_invalidate WARNs and goes on (`continue`), and the caller's end comes all the same.
      // False in non-blockable mode: the core ends the itree itself and returns -EAGAIN; nothing is owed.
      const o = done.op;
      const ok = v !== 0 && v !== null;
      if (ok || o.blockable) insertPair(this.ownPairs(), { tid: this.tid, nid: o.nid, start: o.start, end: o.end, blockable: o.blockable, mayfail: 0, ret: ok ? 0 : 1 });
    }
    if (frames.length && done.dest >= 0) this.topLocals()[done.dest] = v;
    if (!frames.length) this.restartIfQueued(th);
    void fn;
  }
}

/**
 * The open pairs are kept in a canonical order: by thread, notifier, start and end; records with the
 * same four keys keep the order they were opened in. Nothing in the kernel observes the order of
 * the ghost records, and the model reads it only where those four keys are equal (an end consumes
 * the latest matching start, {@link Exec.findPair}), so two interleavings that open the same
 * records in different orders reach one state (issue 12, item 0).
 */
export function insertPair(pairs: PairRecord[], rec: PairRecord): void {
  let i = pairs.length;
  while (i > 0 && pairKeyCompare(pairs[i - 1]!, rec) > 0) i--;
  pairs.splice(i, 0, rec);
}

function pairKeyCompare(a: PairRecord, b: PairRecord): number {
  return a.tid - b.tid || (a.nid < b.nid ? -1 : a.nid > b.nid ? 1 : 0) || a.start - b.start || a.end - b.end;
}

/** What `verifyReduction` notes before a statement runs. */
interface Snapshot {
  readonly pairs: readonly PairRecord[];
  readonly depth: number;
  readonly srcu: number;
  readonly mem: Readonly<Record<string, Value>>;
  /** The frame the statement runs in is a notifier callback's. */
  readonly topOp: boolean;
}

function samePairs(a: readonly PairRecord[], b: readonly PairRecord[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.tid !== y.tid || x.nid !== y.nid || x.start !== y.start || x.end !== y.end || x.blockable !== y.blockable || x.mayfail !== y.mayfail || x.ret !== y.ret) return false;
  }
  return true;
}

/** The op frames a thread is inside, innermost last. */
export function opFrames(t: ThreadState): OpFrame[] {
  return t.frames.flatMap((f) => (f.op ? [f.op] : []));
}

export { CTX_NONBLOCK_END, CTX_NONBLOCK_START };
