/**
 * Lowers a structured {@link FnDef} to a flat list of instructions, one instruction per atomic step.
 *
 * - `if`/`while`/`for` conditions become `branch` instructions; `&&`, `||` and `!` in a condition
 *   become jumps, so C's short-circuit order is kept.
 * - A call of a *modelled* function inside an expression (`if (amdgpu_mn_read_lock(amn, blockable))`,
 *   `ret = __oom_reap_task_mm(mm);`) is hoisted into its own `call` instruction whose result lands in
 *   a temporary (`$t0`, ...) or directly in the assigned local; the rest of the expression then reads
 *   the temporary. Primitive calls (locks, atomics, ...) stay inside their expression: evaluating a
 *   condition such as `!mutex_trylock(&amn->read_lock)` is one step.
 * - Every instruction keeps the C text and line of the statement it came from.
 */
import type { Expr, FnDef, Src, Stmt } from './ir.ts';
import { printExpr, subExprs } from './ir.ts';
import { internalized } from './intern.ts';

export interface InstrBase {
  readonly src: Src;
}

export type Instr =
  | (InstrBase & { readonly op: 'exec'; readonly exprs: readonly Expr[]; readonly ghost: readonly Expr[] })
  | (InstrBase & { readonly op: 'branch'; readonly cond: Expr; /** The condition as the C has it (a hoisted call shown as the call, not its temporary), for traces. */ readonly shown: string; t: number; f: number })
  | (InstrBase & { readonly op: 'jump'; to: number })
  | (InstrBase & { readonly op: 'call'; readonly callee: Expr; readonly args: readonly Expr[]; readonly dest: number })
  | (InstrBase & { readonly op: 'return'; readonly value?: Expr; readonly ghost: readonly Expr[] })
  | (InstrBase & { readonly op: 'iter'; readonly first: boolean; readonly slot: number; readonly list: Expr; body: number; exit: number });

export interface CompiledFn {
  readonly def: FnDef;
  /** Local slot names: the parameters first, then declared locals and temporaries. */
  readonly locals: readonly string[];
  /** Slot of each local by name. */
  readonly slots: ReadonlyMap<string, number>;
  readonly instrs: readonly Instr[];
  /**
   * The structs this function keeps on its stack (`FnDef.stack`): their fields are locals
   * (`range.start`), and the struct's name evaluates to a reference to this frame's struct
   * ({@link stackRef}).
   */
  readonly stack: ReadonlySet<string>;
  /**
   * Parameters that point to a struct some caller keeps on its stack: those the signature declares
   * as `struct T *` for a type T of {@link CallResolver.stackTypes}. Their fields are the caller's
   * locals, which no other thread can reach: the reduction counts `range->flags` as a thread-local
   * access, and `verifyReduction` checks that every access through them is one.
   */
  readonly stackPtrs: ReadonlySet<string>;
}

/**
 * A reference to a struct on a thread's stack: `@<frame index>.<name>`, the struct `name` of the
 * frame at that depth of the thread's call stack (0 is the thread's first frame). A callee that
 * receives it (`const struct mmu_notifier_range *range`) reads and writes the declaring frame's
 * locals `<name>.<field>` through it. A frame's index does not change while it is on the stack.
 */
export function stackRef(depth: number, name: string): string {
  const byName = (stackRefs[depth] ??= new Map());
  let r = byName.get(name);
  if (r === undefined) byName.set(name, (r = internalized(`@${depth}.${name}`)));
  return r;
}

/** Per frame depth, per struct name: its {@link stackRef}, made once (and internalized: intern.ts). */
const stackRefs: Map<string, string>[] = [];

/** The frame index and struct name of a {@link stackRef}, or undefined for any other value. */
export function parseStackRef(v: unknown): { readonly depth: number; readonly name: string } | undefined {
  if (typeof v !== 'string' || v.charCodeAt(0) !== 64) return undefined;
  const dot = v.indexOf('.');
  return { depth: Number(v.slice(1, dot)), name: v.slice(dot + 1) };
}

export class CompileError extends Error {
  constructor(fn: string, message: string) {
    super(`${fn}: ${message}`);
  }
}

/** Decides whether a callee name is a primitive (stays in its expression) or a modelled function. */
export interface CallResolver {
  isPrimitive(name: string): boolean;
  /** A global variable (shared memory named by a bare identifier, e.g. `oom_reaper_list`): never a local. */
  isGlobal(name: string): boolean;
  /** Struct types functions keep on their stack and pass by pointer (`mmu_notifier_range`): see {@link CompiledFn.stackPtrs}. */
  readonly stackTypes?: ReadonlySet<string>;
}

type Label = { pc: number };

interface Pending {
  instr: Instr;
  /** Labels to resolve into the instruction's targets once every label has a pc. */
  fix: (resolve: (l: Label) => number) => void;
}

export function compileFn(original: FnDef, calls: CallResolver): CompiledFn {
  const def = original.stack ? withStackFields(original) : original;
  const locals: string[] = [...def.params];
  // The fields of the structs on the stack are locals from the start (a callee may read one the
  // function itself never assigns).
  for (const [name, fields] of Object.entries(def.stack ?? {})) for (const f of fields) locals.push(`${name}.${f}`);
  const declare = (name: string): void => {
    if (!calls.isGlobal(name)) slotOf(name);
  };
  const slotOf = (name: string): number => {
    let i = locals.indexOf(name);
    if (i < 0) {
      locals.push(name);
      i = locals.length - 1;
    }
    return i;
  };
  // Pre-declare every assigned identifier (but global variables) so that reads of it resolve to the slot.
  collectAssigned(def.body, declare);

  const out: Pending[] = [];
  const labels = new Map<string, Label>();
  const named = (n: string): Label => {
    let l = labels.get(n);
    if (!l) {
      l = { pc: -1 };
      labels.set(n, l);
    }
    return l;
  };
  const here = (): Label => ({ pc: out.length });
  const place = (l: Label): void => {
    l.pc = out.length;
  };
  let temps = 0;
  const temp = (): string => `$t${temps++}`;
  /** The call each temporary holds the result of, to show a condition as the C has it. */
  const origin = new Map<string, Expr>();
  /** `e` with each temporary replaced by the call it holds (recursively: a call's arguments may be temporaries). */
  const unhoist = (e: Expr): Expr => {
    switch (e.k) {
      case 'id': {
        const o = origin.get(e.name);
        return o ? unhoist(o) : e;
      }
      case 'field':
        return { ...e, obj: unhoist(e.obj) };
      case 'addr':
      case 'unary':
        return { ...e, e: unhoist(e.e) };
      case 'bin':
        return { ...e, a: unhoist(e.a), b: unhoist(e.b) };
      case 'cond':
        return { ...e, c: unhoist(e.c), a: unhoist(e.a), b: unhoist(e.b) };
      case 'assign':
        return { ...e, target: unhoist(e.target), value: unhoist(e.value) };
      case 'incdec':
        return { ...e, target: unhoist(e.target) };
      case 'call':
        return { ...e, callee: unhoist(e.callee), args: e.args.map(unhoist) };
      default:
        return e;
    }
  };
  const fail = (m: string): never => {
    throw new CompileError(def.name, m);
  };

  const isLocalName = (name: string): boolean => locals.includes(name);

  /** Is this call expression a call of a modelled function (hoisted) rather than a primitive? */
  const isModelCall = (e: Expr): boolean => {
    if (e.k !== 'call') return false;
    const callee = e.callee;
    if (callee.k === 'id') return isLocalName(callee.name) || !calls.isPrimitive(callee.name);
    // mn->ops->invalidate_range_start(...), a function pointer read from a field.
    return true;
  };

  const emit = (instr: Instr, fix: Pending['fix'] = () => {}): void => {
    out.push({ instr, fix });
  };

  /**
   * Hoist modelled calls out of `e`: emits their `call` instructions and returns `e` with each
   * replaced by the temporary holding its result. Calls under `&&`, `||` or `?:` right operands
   * cannot be hoisted without changing C's evaluation order, so they are rejected here (conditions
   * go through {@link cond}, which handles them).
   */
  const hoist = (e: Expr, src: Src, guarded = false): Expr => {
    switch (e.k) {
      case 'num':
      case 'null':
      case 'str':
      case 'id':
        return e;
      case 'field':
        return { ...e, obj: hoist(e.obj, src, guarded) };
      case 'addr':
        return { ...e, e: hoist(e.e, src, guarded) };
      case 'unary':
        return { ...e, e: hoist(e.e, src, guarded) };
      case 'bin': {
        const a = hoist(e.a, src, guarded);
        const b = hoist(e.b, src, guarded || e.op === '&&' || e.op === '||');
        return { ...e, a, b };
      }
      case 'cond':
        return { ...e, c: hoist(e.c, src, guarded), a: hoist(e.a, src, true), b: hoist(e.b, src, true) };
      case 'assign':
        return { ...e, target: hoist(e.target, src, guarded), value: hoist(e.value, src, guarded) };
      case 'incdec':
        return { ...e, target: hoist(e.target, src, guarded) };
      case 'call': {
        const args = e.args.map((a) => hoist(a, src, guarded));
        const callee = e.callee.k === 'id' ? e.callee : hoist(e.callee, src, guarded);
        if (!isModelCall(e)) return { ...e, callee, args };
        if (guarded) fail(`a call of ${printExpr(e.callee)} under a short-circuit operator must be in a condition: ${src.text}`);
        const t = temp();
        emit({ op: 'call', callee, args, dest: slotOf(t), src });
        origin.set(t, { ...e, callee, args });
        return { k: 'id', name: t };
      }
    }
  };

  /**
   * Emit jumping code for a condition. `text`: the kernel's C for the whole condition when `e` is a
   * stand-in for it (ifAs); shown for its branch when the condition is one test.
   */
  const cond = (e: Expr, src: Src, t: Label, f: Label, text?: string): void => {
    if (e.k === 'unary' && e.op === '!') return cond(e.e, src, f, t);
    // likely()/unlikely() are branch hints: each operand of the condition inside stays a step of its own.
    if (e.k === 'call' && e.callee.k === 'id' && (e.callee.name === 'likely' || e.callee.name === 'unlikely') && e.args.length === 1) {
      return cond(e.args[0]!, src, t, f);
    }
    if (e.k === 'bin' && e.op === '&&') {
      const mid: Label = { pc: -1 };
      cond(e.a, src, mid, f);
      place(mid);
      return cond(e.b, src, t, f);
    }
    if (e.k === 'bin' && e.op === '||') {
      const mid: Label = { pc: -1 };
      cond(e.a, src, t, mid);
      place(mid);
      return cond(e.b, src, t, f);
    }
    const atom = hoist(e, src);
    const instr = { op: 'branch' as const, cond: atom, shown: text ?? printExpr(unhoist(atom)), t: -1, f: -1, src };
    emit(instr, (r) => {
      instr.t = r(t);
      instr.f = r(f);
    });
  };

  /** Lower an expression statement: `x = f(...)` becomes a single call with dest x. */
  const exprStmt = (exprs: readonly Expr[], ghost: readonly Expr[], src: Src): void => {
    const rest: Expr[] = [];
    exprs.forEach((e, i) => {
      const last = i === exprs.length - 1;
      if (e.k === 'assign' && e.op === '=' && e.target.k === 'id' && isModelCall(e.value) && e.value.k === 'call') {
        const args = e.value.args.map((a) => hoist(a, src));
        const callee = e.value.callee.k === 'id' ? e.value.callee : hoist(e.value.callee, src);
        emit({ op: 'call', callee, args, dest: slotOf(e.target.name), src });
        return;
      }
      if (e.k === 'call' && isModelCall(e) && !(last && ghost.length)) {
        const args = e.args.map((a) => hoist(a, src));
        const callee = e.callee.k === 'id' ? e.callee : hoist(e.callee, src);
        emit({ op: 'call', callee, args, dest: -1, src });
        return;
      }
      rest.push(hoist(e, src));
    });
    if (rest.length || ghost.length) emit({ op: 'exec', exprs: rest, ghost, src });
  };

  type Loop = { brk: Label; cont: Label };
  const block = (stmts: readonly Stmt[], loop: Loop | undefined): void => {
    for (const st of stmts) stmt(st, loop);
  };

  const stmt = (st: Stmt, loop: Loop | undefined): void => {
    switch (st.s) {
      case 'expr':
        return exprStmt(st.exprs, st.ghost ?? [], st.src);
      case 'return': {
        let value = st.value;
        if (value && value.k === 'call' && isModelCall(value)) {
          // `return f(x);`: call into a temporary, then return it (two steps, as the C does both).
          value = hoist(value, st.src);
        } else if (value) {
          value = hoist(value, st.src);
        }
        const r = { op: 'return' as const, ghost: st.ghost ?? [], src: st.src };
        emit(value ? { ...r, value } : r);
        return;
      }
      case 'goto': {
        const l = named(st.label);
        const instr = { op: 'jump' as const, to: -1, src: st.src };
        emit(instr, (r) => {
          instr.to = r(l);
        });
        return;
      }
      case 'label':
        place(named(st.name));
        return;
      case 'break':
      case 'continue': {
        if (!loop) fail(`${st.s} outside a loop`);
        const l = st.s === 'break' ? loop!.brk : loop!.cont;
        const instr = { op: 'jump' as const, to: -1, src: st.src };
        emit(instr, (r) => {
          instr.to = r(l);
        });
        return;
      }
      case 'if': {
        const t: Label = { pc: -1 };
        const f: Label = { pc: -1 };
        const end: Label = { pc: -1 };
        cond(st.cond, st.src, t, f, st.condText);
        place(t);
        block(st.then, loop);
        if (st.else) {
          const instr = { op: 'jump' as const, to: -1, src: { text: '}' } };
          // The jump over the else branch is not a C statement of its own: it is marked so that
          // printing and traces can leave it out (it is always local and coalesced).
          emit(instr, (r) => {
            instr.to = r(end);
          });
          place(f);
          block(st.else, loop);
        } else {
          place(f);
        }
        place(end);
        return;
      }
      case 'while': {
        const top = here();
        const body: Label = { pc: -1 };
        const exit: Label = { pc: -1 };
        cond(st.cond, st.src, body, exit);
        place(body);
        block(st.body, { brk: exit, cont: top });
        const back = { op: 'jump' as const, to: -1, src: st.src };
        emit(back, (r) => {
          back.to = r(top);
        });
        place(exit);
        return;
      }
      case 'dowhile': {
        const top = here();
        const exit: Label = { pc: -1 };
        const cont: Label = { pc: -1 };
        block(st.body, { brk: exit, cont });
        place(cont);
        if (st.steps.length) exprStmt(st.steps, [], st.src);
        cond(st.cond, st.src, top, exit);
        place(exit);
        return;
      }
      case 'for': {
        if (st.init.length) exprStmt(st.init, [], st.src);
        const top = here();
        const body: Label = { pc: -1 };
        const exit: Label = { pc: -1 };
        const cont: Label = { pc: -1 };
        if (st.cond) cond(st.cond, st.src, body, exit);
        place(body);
        block(st.body, { brk: exit, cont });
        place(cont);
        if (st.update.length) exprStmt(st.update, [], st.src);
        const back = { op: 'jump' as const, to: -1, src: st.src };
        emit(back, (r) => {
          back.to = r(top);
        });
        place(exit);
        return;
      }
      case 'foreach': {
        const slot = slotOf(st.var);
        const list = hoist(st.list, st.src);
        const body: Label = { pc: -1 };
        const exit: Label = { pc: -1 };
        const cont: Label = { pc: -1 };
        const first = { op: 'iter' as const, first: true, slot, list, body: -1, exit: -1, src: st.src };
        emit(first, (r) => {
          first.body = r(body);
          first.exit = r(exit);
        });
        place(body);
        block(st.body, { brk: exit, cont });
        place(cont);
        const next = { op: 'iter' as const, first: false, slot, list, body: -1, exit: -1, src: st.src };
        emit(next, (r) => {
          next.body = r(body);
          next.exit = r(exit);
        });
        place(exit);
        return;
      }
    }
  };

  block(def.body, undefined);
  // Falling off the end of the function returns (the closing brace).
  emit({ op: 'return', ghost: [], src: { text: '}' } });

  for (const [n, l] of labels) if (l.pc < 0) fail(`label ${n} is used but never placed`);
  const resolve = (l: Label): number => {
    if (l.pc < 0) fail('internal: unresolved label');
    return l.pc;
  };
  for (const p of out) p.fix(resolve);
  return {
    def: original,
    locals,
    slots: new Map(locals.map((n, i) => [n, i])),
    instrs: out.map((p) => p.instr),
    stack: new Set(Object.keys(def.stack ?? {})),
    stackPtrs: stackPointers(def, calls.stackTypes),
  };
}

/** The parameters the signature declares as pointers to a struct of `types` ({@link CompiledFn.stackPtrs}). */
function stackPointers(def: FnDef, types: ReadonlySet<string> | undefined): Set<string> {
  const out = new Set<string>();
  if (!types?.size || !def.signature) return out;
  for (const m of def.signature.matchAll(/\bstruct\s+(\w+)\s*\*\s*(\w+)/g)) if (types.has(m[1]!) && def.params.includes(m[2]!) && !def.sharedPtrs?.includes(m[2]!)) out.add(m[2]!);
  return out;
}

/**
 * The body of a function with structs on its stack, rewritten for the compiler: `range.start` (or
 * `range->start`) of the function's own struct becomes the local `range.start`, and the declaration
 * `struct mmu_notifier_range range;` (which the parser reads as `range = 0`) sets every field the
 * model keeps to 0 (the kernel leaves them uninitialised; every caller initialises the fields it
 * uses before passing the struct on). `&range` and `range` stay as they are: the interpreter
 * evaluates them to a reference to this frame's struct.
 */
function withStackFields(def: FnDef): FnDef {
  const stack = def.stack!;
  const fail = (m: string): never => {
    throw new CompileError(def.name, m);
  };
  const e = (x: Expr): Expr => {
    switch (x.k) {
      case 'field':
        if (x.obj.k === 'id' && own(stack, x.obj.name)) {
          if (!stack[x.obj.name]!.includes(x.field)) fail(`struct ${x.obj.name} on the stack has no field ${x.field} in the model (it keeps ${stack[x.obj.name]!.join(', ')})`);
          return { k: 'id', name: `${x.obj.name}.${x.field}` };
        }
        return { ...x, obj: e(x.obj) };
      case 'addr':
      case 'unary':
        return { ...x, e: e(x.e) };
      case 'bin':
        return { ...x, a: e(x.a), b: e(x.b) };
      case 'cond':
        return { ...x, c: e(x.c), a: e(x.a), b: e(x.b) };
      case 'assign':
        if (x.target.k === 'id' && own(stack, x.target.name)) fail(`assignment to the struct ${x.target.name} on the stack (assign its fields)`);
        return { ...x, target: e(x.target), value: e(x.value) };
      case 'incdec':
        return { ...x, target: e(x.target) };
      case 'call':
        return { ...x, callee: e(x.callee), args: x.args.map(e) };
      default:
        return x;
    }
  };
  const isDecl = (x: Expr): x is Expr & { k: 'assign' } =>
    x.k === 'assign' && x.op === '=' && x.target.k === 'id' && own(stack, x.target.name) && x.value.k === 'num' && x.value.v === 0;
  const resets = (name: string): Expr[] => stack[name]!.map((f) => ({ k: 'assign', op: '=', target: { k: 'id', name: `${name}.${f}` }, value: { k: 'num', v: 0 } }));
  const st = (s: Stmt): Stmt => {
    switch (s.s) {
      case 'expr':
        return { ...s, exprs: s.exprs.flatMap((x) => (isDecl(x) ? resets((x.target as { name: string }).name) : [e(x)])), ...(s.ghost ? { ghost: s.ghost.map(e) } : {}) };
      case 'return':
        return { ...s, ...(s.value ? { value: e(s.value) } : {}), ...(s.ghost ? { ghost: s.ghost.map(e) } : {}) };
      case 'if':
        return { ...s, cond: e(s.cond), then: s.then.map(st), ...(s.else ? { else: s.else.map(st) } : {}) };
      case 'while':
        return { ...s, cond: e(s.cond), body: s.body.map(st) };
      case 'dowhile':
        return { ...s, steps: s.steps.map(e), cond: e(s.cond), body: s.body.map(st) };
      case 'for':
        return { ...s, init: s.init.map(e), update: s.update.map(e), ...(s.cond ? { cond: e(s.cond) } : {}), body: s.body.map(st) };
      case 'foreach':
        return { ...s, list: e(s.list), body: s.body.map(st) };
      default:
        return s;
    }
  };
  return { ...def, body: def.body.map(st) };
}

function own(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

function collectAssigned(stmts: readonly Stmt[], slotOf: (n: string) => void): void {
  const expr = (e: Expr): void => {
    switch (e.k) {
      case 'assign':
        if (e.target.k === 'id') slotOf(e.target.name);
        expr(e.value);
        return;
      case 'incdec':
        if (e.target.k === 'id') slotOf(e.target.name);
        return;
      case 'bin':
        expr(e.a);
        expr(e.b);
        return;
      case 'unary':
      case 'addr':
        expr(e.e);
        return;
      case 'cond':
        expr(e.c);
        expr(e.a);
        expr(e.b);
        return;
      case 'call':
        e.args.forEach(expr);
        return;
      default:
        return;
    }
  };
  for (const st of stmts) {
    switch (st.s) {
      case 'expr':
        st.exprs.forEach(expr);
        // A ghost effect may keep a model-only value in a local of the frame (a reader's sample).
        st.ghost?.forEach(expr);
        break;
      case 'return':
        if (st.value) expr(st.value);
        st.ghost?.forEach(expr);
        break;
      case 'if':
        expr(st.cond);
        collectAssigned(st.then, slotOf);
        if (st.else) collectAssigned(st.else, slotOf);
        break;
      case 'while':
        expr(st.cond);
        collectAssigned(st.body, slotOf);
        break;
      case 'dowhile':
        st.steps.forEach(expr);
        expr(st.cond);
        collectAssigned(st.body, slotOf);
        break;
      case 'for':
        st.init.forEach(expr);
        st.update.forEach(expr);
        if (st.cond) expr(st.cond);
        collectAssigned(st.body, slotOf);
        break;
      case 'foreach':
        slotOf(st.var);
        collectAssigned(st.body, slotOf);
        break;
      default:
        break;
    }
  }
}

/** The expressions an instruction evaluates, at the top level: its statement's, its ghost updates, a call's callee and arguments. */
export function instrExprs(ins: Instr): readonly Expr[] {
  switch (ins.op) {
    case 'exec':
      return [...ins.exprs, ...ins.ghost];
    case 'branch':
      return [ins.cond];
    case 'call':
      return [ins.callee, ...ins.args];
    case 'return':
      return ins.value ? [ins.value, ...ins.ghost] : ins.ghost;
    case 'iter':
      return [ins.list];
    case 'jump':
      return [];
  }
}

/** Visit `e` and every expression in it, a call's callee and arguments included. */
export function walkExpr(e: Expr, visit: (e: Expr) => void): void {
  visit(e);
  if (e.k === 'call') {
    walkExpr(e.callee, visit);
    for (const a of e.args) walkExpr(a, visit);
  } else for (const x of subExprs(e)) walkExpr(x, visit);
}

const callsCache = new WeakMap<Instr, (Expr & { k: 'call' })[]>();

/**
 * The calls of named functions an instruction's expressions make, in evaluation order (arguments
 * before the call), cached: the interpreter and the properties ask for them on every state.
 */
export function instrCalls(instr: Instr): readonly (Expr & { k: 'call' })[] {
  let out = callsCache.get(instr);
  if (out) return out;
  const acc: (Expr & { k: 'call' })[] = [];
  const visit = (e: Expr): void => {
    if (e.k !== 'call') return subExprs(e).forEach(visit);
    e.args.forEach(visit);
    if (e.callee.k === 'id') acc.push(e);
  };
  if (instr.op === 'exec') instr.exprs.forEach(visit);
  else if (instr.op === 'branch') visit(instr.cond);
  else if (instr.op === 'return' && instr.value) visit(instr.value);
  else if (instr.op === 'call') instr.args.forEach(visit);
  out = acc;
  callsCache.set(instr, out);
  return out;
}

/**
 * The golden listing of functions (test/model/kernel/__golden__/, `mnc patch`): each function's source
 * line, then its {@link listing}, compiled with `resolver`.
 */
export function goldenListing(fns: readonly FnDef[], resolver: CallResolver): string {
  return fns
    .map((f) => `// source: ${f.source}\n${listing(compileFn(f, resolver))}`)
    .join('\n\n')
    .concat('\n');
}

/** The statement listing of a compiled function, for golden tests: `pc  line  C text  [op]`. */
export function listing(fn: CompiledFn): string {
  const lines = [`${fn.def.signature ?? fn.def.name + '()'}  /* ${fn.def.file}, ${fn.def.version} */`];
  fn.instrs.forEach((ins, pc) => {
    const line = ins.src.line === undefined ? '    ' : String(ins.src.line).padStart(4);
    let tail = '';
    switch (ins.op) {
      case 'branch':
        tail = `[${printExpr(ins.cond)}] -> ${ins.t} : ${ins.f}`;
        break;
      case 'jump':
        tail = `-> ${ins.to}`;
        break;
      case 'call':
        tail = `${printExpr(ins.callee)}${ins.dest >= 0 ? ` => ${fn.locals[ins.dest]}` : ''}`;
        break;
      case 'iter':
        tail = `${ins.first ? 'first' : 'next'} ${fn.locals[ins.slot]} -> ${ins.body} : ${ins.exit}`;
        break;
      case 'exec':
        tail = ins.ghost.length ? `ghost: ${ins.ghost.map(printExpr).join('; ')}` : '';
        break;
      case 'return':
        tail = ins.ghost.length ? `ghost: ${ins.ghost.map(printExpr).join('; ')}` : '';
        break;
    }
    lines.push(`${String(pc).padStart(3)} ${line}  ${ins.src.text.padEnd(64)} ${ins.op}${tail ? ' ' + tail : ''}`.trimEnd());
  });
  return lines.join('\n');
}
