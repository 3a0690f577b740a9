/**
 * What properties ask of a state: each thread's next instruction, the primitive calls in it, the
 * locks a thread holds. Per-instruction facts are cached: properties run on every state.
 */
import type { Expr } from '../model/lang/ir.ts';
import { instrCalls, type Instr } from '../model/lang/compile.ts';
import type { KernelModel } from '../model/kernel-model.ts';
import type { Primitive } from '../model/lang/primitives.ts';
import type { Program } from '../model/lang/program.ts';
import { keyReader, NON_OWNER, topOf, type KState, type LockState, type PairRecord, type Value } from '../model/lang/state.ts';

/** What the per-thread checks below need of a model: a `KernelModel`, or the reduction's view of one (its program and interpreter). */
export type ModelView = Pick<KernelModel, 'program' | 'interp'>;

export interface PrimCall {
  readonly name: string;
  readonly prim: Primitive;
  readonly call: Expr & { k: 'call' };
}

const primCache = new WeakMap<Instr, PrimCall[]>();

/** Every primitive call in an instruction, in evaluation order. */
export function primCalls(m: ModelView, instr: Instr): PrimCall[] {
  let out = primCache.get(instr);
  if (!out) {
    out = instrCalls(instr).flatMap((call) => {
      const name = (call.callee as { name: string }).name;
      const prim = m.program.primitives[name];
      return prim ? [{ name, prim, call }] : [];
    });
    primCache.set(instr, out);
  }
  return out;
}

const NO_CALLS: readonly PrimCall[] = [];

/**
 * A fact about a thread's next statement that depends on the statement alone: `fact(m, s, tid)`
 * computes it with `compute` the first time a thread of the program stands at that function and pc,
 * and looks it up after that, by position (properties ask per thread in every state). Undefined
 * for a finished thread.
 */
export function statementFact<T>(compute: (m: ModelView, s: KState, tid: number) => T): (m: ModelView, s: KState, tid: number) => T | undefined {
  const byProgram = new WeakMap<Program, (T | undefined)[][]>();
  // The last program asked about, and its table.
  let lastProgram: Program | undefined;
  let lastTable: (T | undefined)[][] = [];
  return (m, s, tid) => {
    const frames = s.threads[tid]!.frames;
    const top = topOf(frames);
    if (top === undefined) return undefined;
    let table = lastTable;
    if (m.program !== lastProgram) {
      let t = byProgram.get(m.program);
      // Every function's row made at once, filled with undefined: one kind of list (V8's elements
      // kind) for every row of every fact. Rows made as first asked for were holey lists of the kind
      // of their first value (small integers for one fact, objects for another), and the closures
      // this function makes share one load site (and its feedback): several kinds met there.
      if (t === undefined) byProgram.set(m.program, (t = m.program.fns.map((f) => Array.from({ length: f.instrs.length }, () => undefined))));
      lastProgram = m.program;
      lastTable = table = t;
    }
    const perFn = table[top.fn]!;
    let out = perFn[top.pc];
    if (out === undefined) perFn[top.pc] = out = compute(m, s, tid);
    return out;
  };
}

const primCallsAt = statementFact((m, s, tid) => primCalls(m, nextInstr(m, s, tid)!));

/** The primitive calls of `tid`'s next instruction ({@link primCalls}; none for a finished thread), by its position. */
export function nextPrimCalls(m: ModelView, s: KState, tid: number): readonly PrimCall[] {
  return primCallsAt(m, s, tid) ?? NO_CALLS;
}

/** `tid`'s next instruction (`m.interp.current(s, tid)?.instr`, without building the rest). */
export function nextInstr(m: ModelView, s: KState, tid: number): Instr | undefined {
  return m.interp.instrAt(s, tid);
}

/** The primitive call of `tid`'s next instruction that may sleep, if any (judged with the actual arguments). */
export function sleepingCall(m: KernelModel, s: KState, tid: number): PrimCall | undefined {
  for (const pc of nextPrimCalls(m, s, tid)) {
    const sl = pc.prim.sleeps;
    if (sl === true) return pc;
    if (typeof sl === 'function') {
      const args = pc.call.args.map((a, i) => (pc.prim.lazy?.includes(i) || pc.prim.members?.includes(i) ? null : m.interp.evaluate(s, tid, a)));
      if (sl(args)) return pc;
    }
  }
  return undefined;
}

/** Lock keys a thread holds: as owner of a mutex or spinlock, as writer, or as an owned reader. */
export function heldBy(m: KernelModel, s: KState, tid: number): { key: string; how: string; lock: LockState }[] {
  const out: { key: string; how: string; lock: LockState }[] = [];
  for (const key of m.program.lockKeys) {
    const l = s.locks[key]!;
    if ((l.kind === 'mutex' || l.kind === 'spin') && l.owner === tid) out.push({ key, how: l.kind, lock: l });
    else if (l.kind === 'rwsem') {
      if (l.writer === tid) out.push({ key, how: 'write', lock: l });
      if (l.readers.includes(tid)) out.push({ key, how: 'read', lock: l });
    }
  }
  return out;
}

/** A printable value. */
export function show(v: Value): string {
  return v === null ? 'NULL' : String(v);
}

export { NON_OWNER };

/** A thread's call chain, innermost first, as `function+pc (file): C text` lines. */
export function backtrace(m: KernelModel, s: KState, tid: number): string[] {
  const t = s.threads[tid]!;
  const out: string[] = [];
  for (let i = t.frames.length - 1; i >= 0; i--) {
    const f = t.frames[i]!;
    const fn = m.program.fn(f.fn);
    // A caller's pc already points past the call; show the call itself.
    const pc = i === t.frames.length - 1 ? f.pc : Math.max(0, f.pc - 1);
    const ins = fn.instrs[pc]!;
    out.push(`${fn.def.name}() ${fn.def.file}${ins.src.line ? `:${ins.src.line}` : ''}: ${ins.src.text}`);
  }
  return out;
}

/** The innermost notifier callback a thread is in: `kvm0 invalidate_range_start [8, 10) non-blockable`. */
export function opContext(s: KState, tid: number): string | undefined {
  const frames = s.threads[tid]!.frames;
  for (let i = frames.length - 1; i >= 0; i--) {
    const op = frames[i]!.op;
    if (op) return `${op.nid} ${op.kind} [${op.start}, ${op.end})${op.kind === 'invalidate_range_start' || op.kind === 'invalidate' ? (op.blockable ? ' blockable' : ' non-blockable') : ''}`;
  }
  return undefined;
}

/** `held locks: ...` lines for every thread, lockdep-style. */
export function heldLines(m: KernelModel, s: KState): string[] {
  const locks = m.heldLocks(s);
  return locks.length ? locks.map((h) => `  ${h.lock}: ${h.state}`) : ['  (no lock is held)'];
}

/** A notifier's object: its id, its static range, and the key of its `mapped` field. */
interface NotifierObject {
  readonly id: string;
  readonly start: number;
  readonly last: number;
  /**
   * The {@link keyReader} of `<id>.mapped` (built once: a key built per lookup costs a string
   * concatenation and its hashing, and a load by a key in a variable a search of the memory's keys).
   */
  readonly mapped: (mem: KState['mem']) => Value;
}

const objectsCache = new WeakMap<Program, ObjectsByNid>();

/**
 * A program's notifiers' objects, as scanned so far: notifier ids and their lists side by side. A
 * scenario has a handful of notifiers, and a pair's `nid` is one of the interned ids, so a scan
 * comparing ids costs less than a `Map` lookup, asked for every pair of every state (issue 12).
 */
interface ObjectsByNid {
  readonly nids: string[];
  readonly lists: NotifierObject[][];
}

/** The last program asked about, and its objects by notifier (asked in every state). */
let lastProgram: Program | undefined;
let lastByNid: ObjectsByNid | undefined;

/** A notifier's objects (`<nid>.obj<i>` with static `start` and `last`), in index order; scanned once per program. */
export function objectsOf(p: Program, nid: string): readonly NotifierObject[] {
  let byNid = p === lastProgram ? lastByNid : objectsCache.get(p);
  if (!byNid) objectsCache.set(p, (byNid = { nids: [], lists: [] }));
  lastProgram = p;
  lastByNid = byNid;
  const nids = byNid.nids;
  for (let i = 0; i < nids.length; i++) if (nids[i] === nid) return byNid.lists[i]!;
  const list = scanObjects(p, nid);
  nids.push(nid);
  byNid.lists.push(list);
  return list;
}

function scanObjects(p: Program, nid: string): NotifierObject[] {
  const out: NotifierObject[] = [];
  // A driver's second notifier (nouveau's interval notifier) guards the instance's objects (`objects_of`).
  const owner = p.spec.statics[`${nid}.objects_of`];
  const base = typeof owner === 'string' ? owner : nid;
  for (let i = 0; ; i++) {
    const id = `${base}.obj${i}`;
    const start = p.spec.statics[`${id}.start`];
    const last = p.spec.statics[`${id}.last`];
    if (typeof start !== 'number' || typeof last !== 'number') return out;
    out.push({ id, start, last, mapped: keyReader<Value>(`${id}.mapped`) });
  }
}

/**
 * The object of the pair's notifier that overlaps the pair's range and is mapped (`obj.mapped`) in
 * this memory, if any: what `coherency:mapped` and `interval-coherency:mapped` look for.
 */
export function mappedObjectOf(p: Program, pair: PairRecord, mem: KState['mem']): string | undefined {
  const objs = objectsOf(p, pair.nid);
  for (let i = 0; i < objs.length; i++) {
    const o = objs[i]!;
    if (o.start <= pair.end - 1 && pair.start <= o.last && o.mapped(mem)) return o.id;
  }
  return undefined;
}
