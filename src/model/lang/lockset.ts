/**
 * Lock sets: which locks a thread is sure to hold, exclusively, when it is about to run a statement.
 * What the partial-order reduction needs to know that a statement of another thread cannot run while
 * one thread holds a lock (src/model/lang/por.ts, C1).
 *
 * Locks are named by field (`mmu_lock`, `read_lock`), as the reductions name every shared access
 * (primitives.ts `Access`); a lock set is a bit mask over the program's lock fields ({@link
 * Locksets.fields}). Field `g` is in the set of statement `pc` of function `fi` when, on every path
 * of the function that reaches `pc` (the statements the scenario can run, live.ts), the thread took
 * a lock of field `g` exclusively and has not since run anything that may release a lock of that
 * field; or the function was entered holding one, from every call site that can reach it:
 *
 * - a blocking acquisition (`Primitive.acquires`: `wait` or `queue`) naming its lock's field
 *   (`spin_lock(&kvm->mmu_lock)`) adds `g` after the statement; a trylock (`try`) adds it on the
 *   branch its success takes (`if (!mutex_trylock(&amn->read_lock)) return -EAGAIN;`: the false
 *   way of the negated test);
 * - every other lock primitive (a release, a trylock outside a branch's condition, a read-side
 *   operation, `down_write_killable`) removes its field, and one applied to a pointer held in a
 *   local (`spin_unlock(ptl)`) removes every field of its kind: it may be any of them;
 * - a call removes every field that a lock primitive in any function the call may reach (reduction.ts
 *   `reach`) may release;
 * - a function's entry set is the intersection of the sets at its call sites (of functions some
 *   thread can reach), and empty for a thread's first function (a kworker starts it afresh).
 *
 * The sets under-approximate what a thread holds: two locks of the same field, a lock taken in a
 * callee, a lock through a pointer all leave the field out. What makes them sound is that an
 * exclusive hold (a mutex's or spinlock's owner, a semaphore's writer) belongs to its task: no
 * primitive lets another task release it (locks.ts, primitives.ts). `verifyReduction` checks every
 * executed statement against them (interp.ts): the thread holds a lock of every field in its set.
 */
import { instrExprs, walkExpr, type CompiledFn, type Instr } from './compile.ts';
import type { Expr } from './ir.ts';
import { liveInstrs, liveStatements, liveSuccessors } from './live.ts';
import type { Program } from './program.ts';
import { callTargets, fieldOf, reach } from './reduction.ts';

export interface Locksets {
  /** The lock fields the masks' bits stand for (bit i: fields[i]); at most 31. */
  readonly fields: readonly string[];
  /** Per function, per pc: the fields of the locks the thread holds exclusively when it is about to run the statement. */
  readonly held: readonly Int32Array[];
  /**
   * Per function, per pc: the field of the lock a `wait` acquisition in the statement waits for
   * while any task holds it, as a one-bit mask (0 when the statement has none): a thread there
   * cannot take that lock while another holds every lock of that field, and runs the statement
   * then only to a kernel oops before the lock is taken (its arguments name a freed object or
   * dereference NULL: reduction.ts `Effects.oopsAccesses`).
   */
  readonly waitsFor: readonly Int32Array[];
  /** Per field bit: the keys of the program's locks of that field (`kvm0.mmu_lock`). */
  readonly keys: readonly (readonly string[])[];
}

const cache = new WeakMap<Program, Locksets>();

/** The lock sets of a program's functions (computed once per program). */
export function locksets(p: Program): Locksets {
  let l = cache.get(p);
  if (!l) cache.set(p, (l = compute(p)));
  return l;
}

/** What one statement does to the lock set: removes `kill`, then adds `gen` (on the way to `genTo` only, when it is a trylock's branch). */
interface Transfer {
  readonly kill: number;
  readonly gen: number;
  /** The successor pc `gen` holds on (a trylock tested by a branch), or -1 for every successor. */
  readonly genTo: number;
  readonly waitsFor: number;
  /** Functions a `call` statement may enter. */
  readonly callees: readonly number[];
}

function compute(p: Program): Locksets {
  const fields = [...new Set(p.lockKeys.map(fieldOf))].slice(0, 31);
  const bit = new Map(fields.map((f, i) => [f, 1 << i]));
  const ALL = fields.length === 31 ? -1 : (1 << fields.length) - 1;
  const kindMask = (kind: string | undefined): number => {
    let m = 0;
    for (const k of p.lockKeys) if (kind === undefined || p.spec.locks[k] === kind) m |= bit.get(fieldOf(k)) ?? 0;
    return m;
  };
  const keys = fields.map((f) => p.lockKeys.filter((k) => fieldOf(k) === f));

  const fns = new Set<number>();
  for (const t of p.spec.threads) for (const fi of reach(p, p.fnId(t.fn))) fns.add(fi);

  // Each live statement's transfer.
  const transfers = new Map<Instr, Transfer>();
  const transferOf = (f: CompiledFn, ins: Instr): Transfer => {
    let t = transfers.get(ins);
    if (t) return t;
    let kill = 0;
    let gen = 0;
    let genTo = -1;
    let waitsFor = 0;
    const isLocal = (name: string): boolean => f.locals.includes(name) || name === '?';
    /** The field bits a lock primitive's call names (every field of its kind through a local pointer). */
    const named = (e: Expr & { k: 'call' }): { mask: number; exact: boolean } => {
      const prim = p.primitives[(e.callee as Expr & { k: 'id' }).name]!;
      let mask = 0;
      let exact = true;
      for (const a of prim.access?.(e.args, p.spec.statics) ?? []) {
        if (isLocal(a.name)) {
          mask |= kindMask(prim.lockKind);
          exact = false;
        } else mask |= bit.get(a.name) ?? 0;
      }
      if (!prim.access) {
        mask = ALL;
        exact = false;
      }
      return { mask, exact };
    };
    for (const top of instrExprs(ins)) {
      walkExpr(top, (e) => {
        if (e.k !== 'call' || e.callee.k !== 'id') return;
        const prim = p.primitives[e.callee.name];
        if (!prim?.locks) return;
        const { mask, exact } = named(e);
        if (exact && (prim.acquires === 'wait' || prim.acquires === 'queue')) {
          gen |= mask;
          if (prim.acquires === 'wait' && prim.wait) waitsFor |= mask;
        } else kill |= mask;
      });
    }
    // A statement that takes and releases the same field keeps it out.
    gen &= ~kill;
    // A trylock tested by a branch: held on the way its success takes (the set there is what the
    // statement left, the trylock's own removal included, plus its field).
    if (ins.op === 'branch' && ins.cond.k === 'call' && ins.cond.callee.k === 'id') {
      const prim = p.primitives[ins.cond.callee.name];
      if (prim?.locks && prim.acquires === 'try') {
        const { mask, exact } = named(ins.cond);
        if (exact) {
          gen |= mask;
          genTo = ins.t;
        }
      }
    }
    const callees = ins.op === 'call' ? callTargets(p, f, ins) : [];
    t = { kill, gen, genTo, waitsFor, callees };
    transfers.set(ins, t);
    return t;
  };

  // What a call may release: every lock primitive's kill in every function it may reach.
  const releases = new Map<number, number>();
  const releasesOf = (fi: number): number => {
    let m = releases.get(fi);
    if (m !== undefined) return m;
    m = 0;
    for (const g of reach(p, fi)) {
      const f = p.fn(g);
      for (const ins of liveInstrs(p, g)) m |= transferOf(f, ins).kill;
    }
    releases.set(fi, m);
    return m;
  };

  // Entry sets start full for the functions some live call can enter, empty for the others (a
  // thread's first function, or one entered any other way).
  const called = new Set<number>();
  for (const fi of fns) {
    const f = p.fn(fi);
    const live = liveStatements(p, fi);
    f.instrs.forEach((ins, pc) => {
      if (live[pc]) for (const c of transferOf(f, ins).callees) called.add(c);
    });
  }
  const entries = new Map<number, number>();
  for (const fi of fns) entries.set(fi, called.has(fi) ? ALL : 0);
  for (const t of p.spec.threads) entries.set(p.fnId(t.fn), 0);

  const held = new Map<number, Int32Array>();
  /** The sets of function `fi`'s statements, given its entry set. */
  const solve = (fi: number): Int32Array => {
    const f = p.fn(fi);
    const n = f.instrs.length;
    const inn = new Int32Array(n).fill(ALL);
    if (n === 0) return inn;
    const visited = new Uint8Array(n);
    inn[0] = entries.get(fi)!;
    visited[0] = 1;
    const todo = [0];
    while (todo.length) {
      const pc = todo.pop()!;
      const tr = transferOf(f, f.instrs[pc]!);
      let out = inn[pc]! & ~tr.kill;
      for (const c of tr.callees) out &= ~releasesOf(c);
      for (const s of liveSuccessors(p, fi, pc)) {
        if (s < 0 || s >= n) continue;
        const next = inn[s]! & (out | (tr.genTo === -1 || tr.genTo === s ? tr.gen : 0));
        if (visited[s] && next === inn[s]) continue;
        visited[s] = 1;
        inn[s] = next;
        todo.push(s);
      }
    }
    // A statement no path reaches (dead: live.ts) holds nothing the reduction may rely on.
    for (let pc = 0; pc < n; pc++) if (!visited[pc]) inn[pc] = 0;
    return inn;
  };

  // Entry sets: from every call site, until nothing changes (each round only shrinks them).
  for (let changed = true; changed; ) {
    changed = false;
    for (const fi of fns) held.set(fi, solve(fi));
    for (const fi of fns) {
      const f = p.fn(fi);
      const inn = held.get(fi)!;
      f.instrs.forEach((ins, pc) => {
        if (ins.op !== 'call' || !liveStatements(p, fi)[pc]) return;
        for (const c of transferOf(f, ins).callees) {
          const cur = entries.get(c);
          if (cur === undefined) continue;
          const next = cur & inn[pc]!;
          if (next !== cur) {
            entries.set(c, next);
            changed = true;
          }
        }
      });
    }
  }

  const heldArr = p.fns.map((f, fi) => held.get(fi) ?? new Int32Array(f.instrs.length));
  const waitsArr = p.fns.map((f, fi) =>
    Int32Array.from(f.instrs, (ins, pc) => (fns.has(fi) && liveStatements(p, fi)[pc] ? transferOf(f, ins).waitsFor : 0)),
  );
  return { fields, held: heldArr, waitsFor: waitsArr, keys };
}
