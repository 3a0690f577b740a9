/**
 * Declared callees (`--declare FILE.json`): a patch may call a function the model has no semantics
 * for (`foo_wait()`); the reviewer says what it does that matters to the properties, and the model
 * runs it as a primitive built from that declaration.
 *
 * A declaration file is one JSON object, callee name -> declaration:
 *
 *     { "foo_wait": { "mightSleep": true, "locks": ["arg0->lock"], "reads": ["arg0->recursion"] } }
 *
 * - `mightSleep` (required): whether the call may sleep (`might_sleep()` at the call, as a
 *   primitive's `sleeps`): the no-sleep property judges it where it is called.
 * - `locks`: the locks it takes and releases before it returns. `argN` is the call's N-th argument
 *   (from 0) when it points to the lock (`foo(&amn->lock)`), `argN->field` the lock `field` of the
 *   object it points to (`foo(amn)`), a bare name a global lock. `{ "lock": ..., "read": true }` takes
 *   an rw_semaphore for read. The call waits until it could take each (as a trylock would succeed:
 *   sleeping for a mutex or rw_semaphore, spinning for a spinlock); a lock the caller itself holds is
 *   never free, so the call waits forever (a deadlock). It takes and releases them in one step: other
 *   threads never see them held.
 * - `reads`, `writes`: the shared fields it touches, named as locks are. The model does not know
 *   what it would compute: no value changes; the reduction treats the call as touching them (as a
 *   primitive's `access`), so it is ordered with what other threads do to them.
 * - `returns`: the values it may return (default `[0]`); each one is explored.
 */
import type { ErrorObject } from 'ajv';
import { instrCalls } from '../lang/compile.ts';
import { DeclareError } from '../kernel/errors.ts';
import type { Expr } from '../lang/ir.ts';
import { readMustWait, writeMustWait } from '../lang/locks.ts';
import { nameOf, SLEEPS, SPINS, type Access, type Arg, type PrimCtx, type Primitive, type Wait } from '../lang/primitives.ts';
import type { Program } from '../lang/program.ts';
import { SchemaValidator } from '../validator.ts';

export interface LockDecl {
  readonly lock: string;
  readonly read?: boolean;
}

export interface Declaration {
  readonly mightSleep: boolean;
  readonly locks?: readonly (string | LockDecl)[];
  readonly reads?: readonly string[];
  readonly writes?: readonly string[];
  readonly returns?: readonly number[];
  /** What it is, for reports (optional). */
  readonly description?: string;
}

/** Callee name -> declaration. */
export type Declarations = Readonly<Record<string, Declaration>>;

const PLACE = '^(arg[0-9]+(->[A-Za-z_][A-Za-z0-9_]*)?|[A-Za-z_][A-Za-z0-9_]*)$';
const PLACE_HELP = 'argN (the call\'s argument N, from 0, points to it: foo(&amn->lock)), argN->field (a field of the object argument N points to: foo(amn)), or the name of a global';

/** The JSON Schema of a declaration file. */
export function declarationSchema(): Record<string, unknown> {
  const place = { type: 'string', pattern: PLACE, description: PLACE_HELP };
  return {
    $id: 'https://mnc.invalid/declare.schema.json',
    title: 'mnc declared callees',
    type: 'object',
    propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
    additionalProperties: {
      type: 'object',
      additionalProperties: false,
      required: ['mightSleep'],
      properties: {
        mightSleep: { type: 'boolean' },
        locks: {
          type: 'array',
          items: {
            anyOf: [
              place,
              { type: 'object', additionalProperties: false, required: ['lock'], properties: { lock: place, read: { type: 'boolean' } } },
            ],
          },
        },
        reads: { type: 'array', items: place },
        writes: { type: 'array', items: place },
        returns: { type: 'array', minItems: 1, items: { type: 'integer' } },
        description: { type: 'string' },
      },
    },
  };
}

/** The declaration schema's validator (in dist/, the build's precompiled code: src/model/validator.ts). */
export const declarationValidator = new SchemaValidator(new URL('./declaration.validate.cjs', import.meta.url), declarationSchema);

/** One line for the first Ajv error: the field's path and what is allowed there. */
function describe(errors: readonly ErrorObject[]): string {
  // anyOf reports each branch's error, then its own: the one that went deepest says most (a lock
  // object's `read` that is not a boolean, rather than "must be a string").
  // Otherwise the anyOf's own line, which names both forms.
  const depth = (x: ErrorObject): number => x.instancePath.split('/').length;
  const anyOf = errors.find((x) => x.keyword === 'anyOf');
  const deepest = [...errors].sort((a, b) => depth(b) - depth(a))[0]!;
  const branch = anyOf ? (depth(deepest) > depth(anyOf) ? deepest : anyOf) : errors[0]!;
  const e = errors.find((x) => x.keyword === 'propertyNames') ?? errors.find((x) => x.keyword === 'pattern') ?? branch;
  const path = e.instancePath ? e.instancePath.slice(1).replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.') : '';
  const at = (p: string): string => (p ? `${p}: ` : '');
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      return `${path}.${extra}: unknown field; allowed: mightSleep, locks, reads, writes, returns, description`;
    }
    case 'required':
      return `${at(path)}${(e.params as { missingProperty: string }).missingProperty} is required (true if the callee may sleep, false if it never does)`;
    case 'pattern': {
      const d = (e.parentSchema as { description?: string }).description;
      return `${at(path)}${JSON.stringify(e.data)} has an invalid form${d ? `: ${d}` : ''}`;
    }
    case 'propertyNames':
      return `${JSON.stringify((e.params as { propertyName?: string }).propertyName)}: a callee is named by a C identifier`;
    case 'type':
      if (!path) return 'must be an object: callee name -> { "mightSleep": true|false, "locks", "reads", "writes", "returns" }';
    {
      const t = (e.params as { type: string }).type;
      if (t === 'object') return `${path}: must be an object: { "mightSleep": true|false, "locks", "reads", "writes", "returns" }`;
      return `${path}: must be ${/^[aeiou]/.test(t) ? 'an' : 'a'} ${t}${t === 'boolean' ? ' (true or false)' : ''}`;
    }
    case 'anyOf':
      return `${path}: must be a lock (${PLACE_HELP}) or { "lock": ..., "read": true|false }`;
    default:
      return `${at(path)}${e.message ?? 'is invalid'}`;
  }
}

/** Parse and validate a declaration file's text; `source` names it in errors (one line each). */
export function parseDeclarations(text: string, source: string): Declarations {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new DeclareError(`${source}: is not valid JSON (${(e as Error).message})`);
  }
  const errors = declarationValidator.errors(data);
  if (errors.length) throw new DeclareError(`${source}: ${describe(errors)}`);
  const d = data as Record<string, Declaration>;
  // JSON may name a key __proto__ or constructor: no kernel function, and no key of a plain object.
  const odd = Object.keys(d).find((k) => k in Object.prototype);
  if (odd !== undefined) throw new DeclareError(`${source}: ${JSON.stringify(odd)}: not a function the kernel has (a name JavaScript objects reserve)`);
  if (!Object.keys(d).length) throw new DeclareError(`${source}: declares no callee (callee name -> { "mightSleep": true|false, ... })`);
  return d;
}

/**
 * Refuse a declaration of a name the model already gives semantics: a modelled function `fn`, or a
 * primitive (`primitive`). A declaration adds what is missing; it never replaces the model.
 */
export function refuseModelled(file: string, name: string, fn: { readonly file: string; readonly version: string } | undefined, primitive: boolean): void {
  if (fn) throw new DeclareError(`${file}: ${name} is a modelled function (${fn.file}, ${fn.version}): a declaration cannot replace it; leave it out`);
  if (primitive) throw new DeclareError(`${file}: ${name} is modelled (a primitive: mnc's own semantics): a declaration cannot replace it; leave it out`);
}

/** A lock, read or write place of a declaration, at a call: its argument index and field, or a global's name. */
function place(p: string): { arg: number; field?: string } | { global: string } {
  const m = /^arg(\d+)(?:->(\w+))?$/.exec(p);
  if (!m) return { global: p };
  return { arg: Number(m[1]), ...(m[2] ? { field: m[2] } : {}) };
}

const lockOf = (l: string | LockDecl): LockDecl => (typeof l === 'string' ? { lock: l } : l);

/** The field name (as the reduction names accesses) a place names at a call with arguments `args`. */
function accessName(p: string, args: readonly Expr[]): string {
  const x = place(p);
  if ('global' in x) return x.global;
  return x.field ?? nameOf(args[x.arg]);
}

/** The state key a place names, with the call's evaluated arguments. */
function keyAt(p: string, args: readonly Arg[], name: string): string {
  const x = place(p);
  if ('global' in x) return x.global;
  const a = args[x.arg];
  if (typeof a !== 'string') throw new DeclareError(`${name}() is declared to take ${p}, but its argument ${x.arg} is ${a === null ? 'NULL' : JSON.stringify(a)}, not a pointer to an object`);
  return x.field ? `${a}.${x.field}` : a;
}

/** The primitive a declaration gives: see the file's comment. `source` names the file in its doc. */
export function declaredPrimitive(name: string, d: Declaration, source: string): Primitive {
  const locks = (d.locks ?? []).map(lockOf);
  const returns = d.returns?.length ? d.returns : [0];
  const touches = locks.length > 0 || (d.reads ?? []).length > 0 || (d.writes ?? []).length > 0;
  const what = [
    d.mightSleep ? 'may sleep' : 'never sleeps',
    ...(locks.length ? [`takes and releases ${locks.map((l) => `${l.lock}${l.read ? ' (read)' : ''}`).join(', ')}`] : []),
    ...(d.reads?.length ? [`reads ${d.reads.join(', ')}`] : []),
    ...(d.writes?.length ? [`writes ${d.writes.join(', ')}`] : []),
    `returns ${returns.join(' or ')}`,
  ].join('; ');
  const wait = (ctx: PrimCtx, args: readonly Arg[]): Wait | null => {
    for (const l of locks) {
      const key = keyAt(l.lock, args, name);
      let st;
      try {
        st = ctx.lock(key);
      } catch {
        throw new DeclareError(`${name}() is declared to take ${l.lock}, which is ${key} at this call, and the scenario has no lock ${key}`);
      }
      const busy = st.kind === 'rwsem' ? (l.read ? readMustWait(st) : writeMustWait(st)) : st.owner !== -1;
      if (busy) return ctx.explains ? { why: `${name}() takes ${key} (declared in ${source}), which is not free`, sleeping: st.kind !== 'spin' } : st.kind !== 'spin' ? SLEEPS : SPINS;
    }
    return null;
  };
  return {
    shared: touches,
    sleeps: d.mightSleep,
    ...(touches
      ? {
          access: (args: readonly Expr[]): Access[] => [
            ...locks.map((l) => ({ name: accessName(l.lock, args), mode: 'r' as const })),
            ...(d.reads ?? []).map((p) => ({ name: accessName(p, args), mode: 'r' as const })),
            ...(d.writes ?? []).map((p) => ({ name: accessName(p, args), mode: 'w' as const })),
          ],
        }
      : {}),
    ...(locks.length ? { wait } : {}),
    ...(returns.length > 1 ? { choices: () => returns.length } : {}),
    run: (_ctx, _args, choice) => returns[choice] ?? returns[0]!,
    doc: `${name}(): declared in ${source}${d.description ? ` (${d.description})` : ''}: ${what}.`,
  };
}

/**
 * Check every call of a declared callee in a linked program against its declaration, before
 * anything runs: enough arguments for the places it names, and each lock a lock of the scenario
 * (by field name: the argument's value is known only at run time). One line when not.
 */
export function checkDeclaredCalls(p: Program, declared: Declarations, source: string): void {
  const lockFields = new Set(p.lockKeys.map((k) => k.slice(k.lastIndexOf('.') + 1)));
  const fields = new Set([...p.memKeys, ...p.lockKeys, ...Object.keys(p.spec.statics)].map((k) => k.slice(k.lastIndexOf('.') + 1)));
  for (const f of p.fns) {
    for (const ins of f.instrs) {
      for (const call of instrCalls(ins)) {
        const name = (call.callee as { name: string }).name;
        const d = declared[name];
        if (!d || !Object.hasOwn(declared, name)) continue;
        const at = `${source}: ${name}: the call in ${f.def.name}() (${ins.src.text.trim()})`;
        const places = [...(d.locks ?? []).map((l) => ({ p: lockOf(l).lock, lock: true })), ...[...(d.reads ?? []), ...(d.writes ?? [])].map((x) => ({ p: x, lock: false }))];
        for (const { p: pl, lock } of places) {
          const x = place(pl);
          if ('arg' in x && x.arg >= call.args.length) throw new DeclareError(`${at} has ${call.args.length} argument${call.args.length === 1 ? '' : 's'}, but the declaration names ${pl}`);
          const field = 'global' in x ? x.global : (x.field ?? nameOf(call.args[x.arg]));
          // An argument held in a local names no field: checked when the call runs.
          if (field === '?' || ('arg' in x && !x.field && call.args[x.arg]!.k === 'id')) continue;
          if (lock && ('global' in x ? !p.lockKeys.includes(field) : !lockFields.has(field))) {
            throw new DeclareError(`${at}: ${pl} names ${'global' in x ? 'the global' : 'the field'} ${field}, which is no lock of the scenario (its locks: ${[...new Set(p.lockKeys)].join(', ') || 'none'})`);
          }
          if (!lock && !fields.has(field)) throw new DeclareError(`${at}: ${pl} names ${'global' in x ? 'the global' : 'the field'} ${field}, which is no shared field of the scenario`);
        }
      }
    }
  }
}
