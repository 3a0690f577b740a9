/**
 * A linked program: every modelled function a scenario needs, compiled, plus the scenario's static
 * configuration (VMAs, notifier list, driver objects), the initial shared memory and lock objects,
 * and the threads to run.
 */
import type { Expr, FnDef } from './ir.ts';
import { printExpr, subExprs } from './ir.ts';
import { compileFn, type CompiledFn } from './compile.ts';
import { CORE_PRIMITIVES, type Primitive } from './primitives.ts';
import type { LockState, Value } from './state.ts';
import { internalized } from './intern.ts';
import { heldByTaskIn } from './locks.ts';

/**
 * The notifier ops `mn->ops->X(...)` can name: the `mmu_notifier_ops` callbacks, and (from v5.5,
 * 99cb252f5e68) `invalidate`, the one callback of `struct mmu_interval_notifier_ops`
 * (`mni->ops->invalidate(mni, range, cur_seq)`, returning bool).
 */
export const OP_NAMES = ['invalidate_range_start', 'invalidate_range_end', 'invalidate_range', 'release', 'invalidate'] as const;
export type OpName = (typeof OP_NAMES)[number];

/** One registered mmu notifier, as the core's list holds it. */
export interface NotifierSpec {
  /** Object id, e.g. `amdgpu0`: the `mn` pointer the callbacks receive, and the prefix of the driver's state. */
  readonly id: string;
  readonly driver: string;
  readonly variant: string;
  /** The callbacks its `mmu_notifier_ops` sets, by name of the modelled function. */
  readonly ops: Partial<Record<OpName, string>>;
  /** `mmu_notifier_ops.flags` (MMU_INVALIDATE_DOES_NOT_BLOCK = 1). */
  readonly flags: number;
}

/** What the core version promises about pairing (see src/properties/pairing.ts). */
export interface PairingContract {
  /**
   * True under the MAYFAIL RFC (seed 004): a start called with MMU_NOTIFIER_RANGE_MAYFAIL is owed its
   * `invalidate_range_end` even after it failed. Only such starts: a failed start outside a MAYFAIL
   * range (the reaper's non-blocking start) is owed none, as in v4.19.
   */
  readonly endAfterFailedStart: boolean;
  /**
   * From v5.12 (c2655835fd8c): after a start of the hlist failed, the core itself calls
   * `invalidate_range_end` of every hlist notifier that has one, the one that failed included ("there
   * is no way for a notifier to know if its start method failed"), in a second walk of the list
   * inside `mn_hlist_invalidate_range_start`. So a start of a notifier with an end callback is owed
   * that end whatever it returned; a notifier without one is owed nothing after a failed start. The
   * caller still calls no end after a failed non-blocking start.
   */
  readonly endsAfterFailedHlistStart?: boolean;
  /**
   * The core function whose call ends the invalidation of a range for every notifier
   * (`__mmu_notifier_invalidate_range_end(mm, start, end, ...)`): it closes the open pairs of the
   * notifiers that have no `invalidate_range_end` callback, whose window ends there.
   */
  readonly coreEnd: string;
  /**
   * From v5.5: the core function that ends the invalidation of the interval notifiers
   * (`mn_itree_inv_end(mmn_mm)`). It takes no range: the range is the `range` of the function
   * calling it (`__mmu_notifier_invalidate_range_end`, `mn_itree_invalidate` on its -EAGAIN path,
   * `mn_itree_release`). Its call closes the calling thread's open pairs of interval notifiers for
   * that range.
   */
  readonly itreeEnd?: string;
}

export interface ThreadSpec {
  readonly name: string;
  /** The task the thread runs as: the value of `current` (an object id, e.g. `task0`). */
  readonly task: string;
  /** The modelled function the thread runs. */
  readonly fn: string;
  readonly args: readonly Value[];
  /**
   * A kworker bound to this work item (`amdgpu0.work`; src/model/kernel/core/workqueue.ts): the thread starts
   * idle (no frames) and runs `fn(args)` when `schedule_work()` queues the work.
   */
  readonly kworker?: string;
}

export interface ProgramSpec {
  readonly fns: readonly FnDef[];
  readonly primitives: Readonly<Record<string, Primitive>>;
  /** Named constants (EAGAIN, MAX_OOM_REAP_RETRIES, MMF_OOM_SKIP, ...). */
  readonly constants: Readonly<Record<string, Value>>;
  /** Fixed configuration keyed `object.field`: scalars, or lists of object ids. */
  readonly statics: Readonly<Record<string, Value | readonly Value[]>>;
  /** Initial shared memory keyed `object.field`. */
  readonly mem: Readonly<Record<string, Value>>;
  /** Lock objects and their kind. */
  readonly locks: Readonly<Record<string, LockState['kind']>>;
  /** The notifiers in the order the core's list walk visits them. */
  readonly notifiers: readonly NotifierSpec[];
  readonly threads: readonly ThreadSpec[];
  /** Shared variables that must be back at their initial value once every thread has finished. */
  readonly balanced: readonly string[];
  /** For some of them, a ghost variable whose value is added to the expected value (what a ->release raises for good). */
  readonly balancedOffsets?: Readonly<Record<string, string>>;
  readonly contract: PairingContract;
  /** The core version's name, for reports. */
  readonly core: string;
  /** Global objects the code names that hold no modelled state (`srcu`, `oom_reaper_wait`, ...). */
  readonly globals: readonly string[];
  /** Functions whose calls are counted in the ghost variable `ghost.calls_<name>` (e.g. the reaper's attempts). */
  readonly countCalls: readonly string[];
  /** Struct types the code keeps on its stack and passes by pointer (`mmu_notifier_range`, from v5.0): compile.ts `stackPtrs`. */
  readonly stackTypes?: readonly string[];
}

export class LinkError extends Error {}

/** A value, a string internalized (intern.ts). */
function iv(v: Value): Value {
  return typeof v === 'string' ? internalized(v) : v;
}

/** A record's values, strings internalized. */
function ivRecord<V>(r: Readonly<Record<string, V>>, f: (v: V) => V): Record<string, V> {
  const out: Record<string, V> = {};
  for (const k of Object.keys(r)) out[k] = f(r[k]!);
  return out;
}

/**
 * `spec` with every string a state can come to hold internalized (intern.ts): the initial memory's,
 * the static configuration's and the constants' values, the threads' arguments and tasks, the
 * notifiers' names. A scenario's strings come from `JSON.parse` or are built at run time; the
 * statements' names are internalized by the parser (ir.ts).
 */
function internalizedValues(spec: ProgramSpec): ProgramSpec {
  return {
    ...spec,
    constants: ivRecord(spec.constants, iv),
    statics: ivRecord(spec.statics, (v) => (Array.isArray(v) ? v.map(iv) : iv(v as Value))),
    mem: ivRecord(spec.mem, iv),
    notifiers: spec.notifiers.map((n) => ({ ...n, id: internalized(n.id) })),
    threads: spec.threads.map((t) => ({ ...t, task: internalized(t.task), args: t.args.map(iv) })),
  };
}

/** How a field name is resolved: shared memory, static configuration, or a sub-object reference. */
type FieldKind = 'mem' | 'static' | 'ref';

export class Program {
  readonly fns: readonly CompiledFn[];
  private readonly fnIndex = new Map<string, number>();
  /** Sorted keys, for canonical encoding. */
  readonly memKeys: readonly string[];
  /** The same keys, for membership tests. */
  readonly memKeySet: ReadonlySet<string>;
  /** Each shared variable's index in {@link memKeys}. */
  readonly memIndex: ReadonlyMap<string, number>;
  readonly lockKeys: readonly string[];
  /** Whether task `tid` holds some lock of the table as a task (locks.ts, `heldByTask`). */
  readonly holdsLock: (locks: Readonly<Record<string, LockState>>, tid: number) => boolean;
  /** The spinlocks among them. */
  readonly spinKeys: readonly string[];
  /** Whether task `tid` owns some spinlock of the table. */
  readonly holdsSpin: (locks: Readonly<Record<string, LockState>>, tid: number) => boolean;
  private readonly fieldKinds = new Map<string, FieldKind>();
  /** The core primitives and the drivers' own. */
  readonly primitives: Readonly<Record<string, Primitive>>;
  /** `spec.countCalls`, as a set. */
  readonly countCalls: ReadonlySet<string>;
  /** Objects kfree() can free (a `<object>.kfreed` variable): accessing one of their fields afterwards is an oops. */
  readonly freeable: ReadonlySet<string>;
  /** The field names of freeable objects: a statement accessing such a field may read a `kfreed` mark (the reduction). */
  readonly freeableFields: ReadonlySet<string>;

  /** The program's configuration, its string values internalized ({@link internalizedValues}). */
  readonly spec: ProgramSpec;

  constructor(given: ProgramSpec) {
    const spec = (this.spec = internalizedValues(given));
    this.primitives = { ...CORE_PRIMITIVES, ...spec.primitives };
    this.countCalls = new Set(spec.countCalls);
    const calls = { isPrimitive: (n: string) => n in this.primitives, isGlobal: (n: string) => n in spec.mem, stackTypes: new Set(spec.stackTypes ?? []) };
    const fns: CompiledFn[] = [];
    for (const def of spec.fns) {
      if (this.fnIndex.has(def.name)) throw new LinkError(`function ${def.name} is defined twice`);
      this.fnIndex.set(def.name, fns.length);
      fns.push(compileFn(def, calls));
    }
    this.fns = fns;
    this.memKeys = Object.keys(spec.mem).sort();
    this.memKeySet = new Set(this.memKeys);
    this.memIndex = new Map(this.memKeys.map((k, i) => [k, i]));
    this.lockKeys = Object.keys(spec.locks).sort();
    this.holdsLock = heldByTaskIn(this.lockKeys);
    this.spinKeys = this.lockKeys.filter((k) => spec.locks[k] === 'spin');
    this.holdsSpin = heldByTaskIn(this.spinKeys);
    const freeable = new Set(this.memKeys.filter((k) => k.endsWith('.kfreed')).map((k) => k.slice(0, -'.kfreed'.length)));
    this.freeable = freeable;
    const ff = new Set<string>();
    for (const k of [...this.memKeys, ...this.lockKeys, ...Object.keys(spec.statics)]) {
      for (const o of freeable) if (k.startsWith(`${o}.`)) ff.add(k.slice(o.length + 1).split('.')[0]!);
    }
    this.freeableFields = ff;
    const suffix = (k: string): string => k.slice(k.lastIndexOf('.') + 1);
    for (const k of Object.keys(spec.statics)) this.fieldKinds.set(suffix(k), 'static');
    // A field name used for shared memory anywhere is shared everywhere (conservative).
    for (const k of this.memKeys) this.fieldKinds.set(suffix(k), 'mem');
    this.check();
  }

  fnId(name: string): number {
    const i = this.fnIndex.get(name);
    if (i === undefined) throw new LinkError(`no modelled function named ${name}`);
    return i;
  }

  hasFn(name: string): boolean {
    return this.fnIndex.has(name);
  }

  fn(i: number): CompiledFn {
    return this.fns[i]!;
  }

  notifier(id: string): NotifierSpec | undefined {
    // A loop, not `find` with a closure: properties ask it for every pair of every state.
    const ns = this.spec.notifiers;
    for (let i = 0; i < ns.length; i++) if (ns[i]!.id === id) return ns[i];
    return undefined;
  }

  fieldKind(field: string): FieldKind {
    return this.fieldKinds.get(field) ?? 'ref';
  }

  /** Link-time checks: every identifier means something, every direct callee exists. */
  private check(): void {
    const errors: string[] = [];
    const known = (name: string): boolean =>
      name === 'current' ||
      this.spec.globals.includes(name) ||
      name in this.spec.constants ||
      this.fnIndex.has(name) ||
      name in this.primitives ||
      name.startsWith('struct ') ||
      this.isObject(name);
    for (const f of this.fns) {
      const visit = (e: Expr, where: string): void => {
        switch (e.k) {
          case 'id':
            if (!f.locals.includes(e.name) && !f.stack.has(e.name) && !known(e.name)) errors.push(`${f.def.name}: unknown identifier '${e.name}' in ${where}`);
            return;
          case 'call':
            if (e.callee.k === 'id') {
              const n = e.callee.name;
              if (!f.locals.includes(n) && !(n in this.primitives) && !this.fnIndex.has(n)) {
                errors.push(`${f.def.name}: call of '${n}', which is neither a primitive nor a modelled function, in ${where}`);
              }
            } else visit(e.callee, where);
            {
              const members = e.callee.k === 'id' ? this.primitives[e.callee.name]?.members : undefined;
              e.args.forEach((a, i) => {
                if (!members?.includes(i)) visit(a, where);
              });
            }
            return;
          default:
            for (const x of subExprs(e)) visit(x, where);
            return;
        }
      };
      for (const ins of f.instrs) {
        const where = `'${ins.src.text}'`;
        switch (ins.op) {
          case 'exec':
            ins.exprs.forEach((e) => visit(e, where));
            ins.ghost.forEach((e) => visit(e, where));
            break;
          case 'branch':
            visit(ins.cond, where);
            break;
          case 'call':
            if (ins.callee.k === 'id') {
              const n = ins.callee.name;
              if (!f.locals.includes(n) && !this.fnIndex.has(n)) errors.push(`${f.def.name}: call of unknown function '${n}' in ${where}`);
            } else visit(ins.callee, where);
            ins.args.forEach((e) => visit(e, where));
            break;
          case 'return':
            if (ins.value) visit(ins.value, where);
            ins.ghost.forEach((e) => visit(e, where));
            break;
          case 'iter':
            visit(ins.list, where);
            break;
          case 'jump':
            break;
        }
      }
    }
    for (const t of this.spec.threads) if (!this.fnIndex.has(t.fn)) errors.push(`thread ${t.name}: no modelled function ${t.fn}`);
    if (errors.length) throw new LinkError(`the model does not link:\n  ${errors.join('\n  ')}`);
  }

  /** Is `name` a global object (a prefix of some static, memory or lock key, or a key itself)? */
  private isObject(name: string): boolean {
    const p = `${name}.`;
    const has = (keys: Iterable<string>): boolean => {
      for (const k of keys) if (k === name || k.startsWith(p)) return true;
      return false;
    };
    return has(this.memKeys) || has(this.lockKeys) || has(Object.keys(this.spec.statics));
  }

  /** A printable form of an expression (for traces). */
  static print(e: Expr): string {
    return printExpr(e);
  }
}
