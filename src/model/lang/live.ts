/**
 * The statements a scenario can run: every statement of a function reachable from its first one,
 * except behind a branch whose condition has the same value in every execution of the scenario.
 *
 * The model's kernel is the kernel's code, branches included that no scenario of the model takes:
 * `sys_madvise()` takes `mmap_sem` for write where `madvise_need_mmap_write(behavior)` holds, which
 * it never does for the one behaviour the model has (MADV_DONTNEED); `zap_pmd_range()` splits a huge
 * pmd only where `pmd_trans_huge(*pmd)`, false in a scenario without a transparent huge page. The
 * reductions' static analysis (reduction.ts, por.ts) counts what a thread can still access from
 * where it is; counting such dead code makes every semaphore taken for read look write-locked and
 * every page-table lock look like any lock.
 *
 * A condition's value is known when it is made of
 *
 * - number and NULL literals;
 * - calls of primitives that declare the value they return in every call under the scenario's fixed
 *   configuration (`Primitive.value`; `madvise_need_mmap_write()` is 0, `pmd_trans_huge()` is 0
 *   where no VMA has a huge page);
 * - locals whose every store in the function is `=` of a known value equal to their initial value
 *   (locals start at 0: interp.ts `padLocals`), and whose address the function never takes and
 *   that no call's result is stored in;
 * - `!`, `&&` and `||` of those (`a || b` is known true if either side is, known false if both are).
 *
 * Everything here is checked, not trusted, where the interpreter runs with `verifyReduction`: a call
 * of a primitive that returns another value than it declared, and a statement run that this
 * analysis found dead, are reported as broken premises of the reduction (interp.ts `verifyStep`).
 */
import { instrExprs, walkExpr, type CompiledFn, type Instr } from './compile.ts';
import type { Expr } from './ir.ts';
import type { Program } from './program.ts';
import type { Value } from './state.ts';

/** Per pc of function `fi`: 1 when the scenario may run the statement there. */
export function liveStatements(p: Program, fi: number): Uint8Array {
  return analysis(p, fi).live;
}

/** The statements of function `fi` the scenario may run (those {@link liveStatements} marks), in pc order. */
export function liveInstrs(p: Program, fi: number): readonly Instr[] {
  return analysis(p, fi).instrs;
}

/** The statements that may run after the one at `pc` of function `fi` (a branch known one way: only that way). */
export function liveSuccessors(p: Program, fi: number, pc: number): readonly number[] {
  return successors(p.fn(fi).instrs[pc]!, pc, analysis(p, fi).conds);
}

/** The branches of function `fi` whose condition is known, with the way each goes (true: `t`); for the tests. */
export function knownBranches(p: Program, fi: number): ReadonlyMap<number, boolean> {
  return analysis(p, fi).conds;
}

interface Analysis {
  readonly live: Uint8Array;
  readonly instrs: readonly Instr[];
  readonly conds: ReadonlyMap<number, boolean>;
}

const cache = new WeakMap<Program, Map<number, Analysis>>();

function analysis(p: Program, fi: number): Analysis {
  let m = cache.get(p);
  if (!m) cache.set(p, (m = new Map()));
  let a = m.get(fi);
  if (!a) {
    const f = p.fn(fi);
    const r = analyse(p, f);
    m.set(fi, (a = { ...r, instrs: f.instrs.filter((_, pc) => r.live[pc]) }));
  }
  return a;
}

function truthy(v: Value): boolean {
  return v !== 0 && v !== null;
}

function analyse(p: Program, f: CompiledFn): Omit<Analysis, 'instrs'> {
  const consts = constantLocals(p, f);
  const conds = new Map<number, boolean>();
  f.instrs.forEach((ins, pc) => {
    if (ins.op !== 'branch') return;
    const v = valueOf(p, ins.cond, consts);
    if (v !== undefined) conds.set(pc, truthy(v));
  });
  const n = f.instrs.length;
  const live = new Uint8Array(n);
  const todo = n ? [0] : [];
  while (todo.length) {
    const pc = todo.pop()!;
    if (pc < 0 || pc >= n || live[pc]) continue;
    live[pc] = 1;
    todo.push(...successors(f.instrs[pc]!, pc, conds));
  }
  return { live, conds };
}

function successors(ins: Instr, pc: number, conds: ReadonlyMap<number, boolean>): number[] {
  switch (ins.op) {
    case 'branch': {
      const v = conds.get(pc);
      return v === undefined ? [ins.t, ins.f] : [v ? ins.t : ins.f];
    }
    case 'jump':
      return [ins.to];
    case 'return':
      return [];
    case 'iter':
      return [ins.body, ins.exit];
    default:
      return [pc + 1];
  }
}

/** The value `e` has in every execution, or undefined. */
function valueOf(p: Program, e: Expr, consts: ReadonlyMap<string, Value>): Value | undefined {
  switch (e.k) {
    case 'num':
      return e.v;
    case 'null':
      return null;
    case 'id':
      return consts.get(e.name);
    case 'call': {
      if (e.callee.k !== 'id') return undefined;
      const prim = p.primitives[e.callee.name];
      return prim?.value?.(e.args, p.spec.statics);
    }
    case 'unary': {
      if (e.op !== '!') return undefined;
      const v = valueOf(p, e.e, consts);
      return v === undefined ? undefined : truthy(v) ? 0 : 1;
    }
    case 'bin': {
      if (e.op !== '&&' && e.op !== '||') return undefined;
      const a = valueOf(p, e.a, consts);
      const b = valueOf(p, e.b, consts);
      const known = (v: Value | undefined, t: boolean): boolean => v !== undefined && truthy(v) === t;
      if (e.op === '||') return known(a, true) || known(b, true) ? 1 : known(a, false) && known(b, false) ? 0 : undefined;
      return known(a, false) || known(b, false) ? 0 : known(a, true) && known(b, true) ? 1 : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The locals of `f` that hold one value all along: not parameters, address never taken, no call's
 * result stored in them, not an `iter` variable, and every store `=` of a known value equal to the
 * initial 0. (A store of another value, or one whose value is unknown, makes the local unknown.)
 */
function constantLocals(p: Program, f: CompiledFn): ReadonlyMap<string, Value> {
  const params = new Set(f.def.params);
  const out = new Map<string, Value>();
  for (const name of f.locals) if (!params.has(name) && !name.includes('.')) out.set(name, 0);
  const stores: [string, Expr][] = [];
  const note = (e: Expr): void => {
    if (e.k === 'addr' && e.e.k === 'id') out.delete(e.e.name);
    if (e.k === 'incdec' && e.target.k === 'id') out.delete(e.target.name);
    if (e.k === 'assign' && e.target.k === 'id') {
      if (e.op === '=') stores.push([e.target.name, e.value]);
      else out.delete(e.target.name);
    }
  };
  for (const ins of f.instrs) {
    for (const top of instrExprs(ins)) walkExpr(top, note);
    if (ins.op === 'call' && ins.dest >= 0) out.delete(f.locals[ins.dest]!);
    if (ins.op === 'iter') out.delete(f.locals[ins.slot]!);
  }
  // A store's value may name another constant local: judge stores against the locals known so far,
  // until nothing changes (each round only removes).
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, value] of stores) {
      if (!out.has(name)) continue;
      const v = valueOf(p, value, out);
      if (v === undefined || v !== out.get(name)) {
        out.delete(name);
        changed = true;
      }
    }
  }
  return out;
}
