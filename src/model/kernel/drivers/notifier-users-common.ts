/**
 * Helpers shared by the umem_odp, hfi1, scif, sgi-gru and gntdev models (src/model/kernel/drivers/{umem_odp,
 * hfi1,scif,sgi_gru,gntdev}.ts): a `for` builder for loop headers the `for_` builder of ir.ts cannot
 * take, and the generic kernel API those drivers call that the core primitive set lacks.
 *
 * Every primitive here has generic, driver-neutral semantics, so that another driver defining the same
 * name the same way cannot change what these models do (the scenario builder merges every driver's
 * primitives into one table, the last definition of a name winning).
 */
import { parseExpr, type Expr, type Stmt } from '../../lang/ir.ts';
import { nameOf, num, type Arg, type PrimCtx, type Primitive } from '../../lang/primitives.ts';
import type { Value } from '../../lang/state.ts';

/**
 * `for (init; cond; update) body` with parts that contain commas inside calls, such as
 * `for (node = rbt_ib_umem_iter_first(root, start, last - 1); node; node = next)`: the `for_` builder
 * of ir.ts splits the init and update parts at every comma (see the report of this work).
 */
export function forC(init: string, cond: string, update: string, body: readonly Stmt[], line?: number): Stmt {
  const text = `for (${init}; ${cond}; ${update})`;
  return {
    s: 'for',
    src: line === undefined ? { text } : { text, line },
    init: init.trim() ? [parseExpr(init)] : [],
    cond: parseExpr(cond),
    update: update.trim() ? [parseExpr(update)] : [],
    body,
  };
}

/** The shared-memory key an lvalue argument such as `umem->odp_data->dying` names. */
export function lvalueKey(ctx: PrimCtx, e: Expr, what: string): string {
  if (e.k === 'field') {
    const base = ctx.evalLazy(e.obj);
    if (typeof base !== 'string') throw new Error(`${what}: ->${e.field} of a non-object`);
    return `${base}.${e.field}`;
  }
  throw new Error(`${what}: expected a field such as p->x, got ${JSON.stringify(e)}`);
}

function staticList(ctx: PrimCtx, key: string): readonly Value[] {
  const v = ctx.stat(key);
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new Error(`${key} is not a list in the scenario's configuration`);
  return v;
}

const noop = (doc: string): Primitive => ({ shared: false, sleeps: false, doc, run: () => 0 });

export const COMMON_PRIMITIVES: Record<string, Primitive> = {
  list_entry: {
    shared: false,
    sleeps: false,
    members: [2],
    doc: 'list_entry(ptr, type, member): container_of; the model names objects, so the entry is the same id.',
    run: (_ctx, [p]) => p as Value,
  },
  list_for_each_safe: {
    shared: false,
    sleeps: false,
    doc: 'list_for_each_safe(pos, n, head): walks the static list `head` of the scenario configuration (entries are object ids).',
    run: (ctx, args) => staticList(ctx, String(args[1])),
    iterate(ctx, args, pos) {
      const l = staticList(ctx, String(args[1]));
      if (pos === undefined) return l[0] ?? null;
      const i = l.indexOf(pos);
      return i >= 0 ? (l[i + 1] ?? null) : null;
    },
  },
  list_del: noop('list_del(entry): unlinks the entry; list links are not modelled (the lists are static configuration).'),
  list_del_init: noop('list_del_init(entry): unlinks the entry; list links are not modelled.'),
  list_move: noop('list_move(entry, head): moves the entry to another list; list links are not modelled.'),
  WRITE_ONCE: {
    shared: true,
    sleeps: false,
    lazy: [0],
    access: (args) => [{ name: nameOf(args[0]), mode: 'w' }],
    doc: 'WRITE_ONCE(x, v): a plain store of v to the shared variable x (the model is sequentially consistent).',
    run(ctx, [x, v]) {
      ctx.write(lvalueKey(ctx, x as Expr, 'WRITE_ONCE'), v as Value);
      return 0;
    },
  },
  min_t: {
    shared: false,
    sleeps: false,
    members: [0],
    doc: 'min_t(type, a, b): the smaller of a and b (the type is ignored).',
    run: (_ctx, [, a, b]) => Math.min(num(a as Arg, 'min_t'), num(b as Arg, 'min_t')),
  },
  max_t: {
    shared: false,
    sleeps: false,
    members: [0],
    doc: 'max_t(type, a, b): the larger of a and b (the type is ignored).',
    run: (_ctx, [, a, b]) => Math.max(num(a as Arg, 'max_t'), num(b as Arg, 'max_t')),
  },
  ERR_PTR: {
    shared: false,
    sleeps: false,
    doc: 'ERR_PTR(err): the error pointer for a negative errno; the model keeps the errno itself (a negative integer), which no object reference can be.',
    run: (_ctx, [e]) => num(e as Arg, 'ERR_PTR'),
  },
  IS_ERR: {
    shared: false,
    sleeps: false,
    doc: 'IS_ERR(p): whether p is an error pointer (in the model: a negative integer, see ERR_PTR).',
    run: (_ctx, [p]) => (typeof p === 'number' && p < 0 ? 1 : 0),
  },
  PTR_ERR: {
    shared: false,
    sleeps: false,
    doc: 'PTR_ERR(p): the errno of an error pointer (in the model the pointer is the errno).',
    run: (_ctx, [p]) => num(p as Arg, 'PTR_ERR'),
  },
  wake_up: noop('wake_up(wq): wakes waiters; a modelled wait_event re-evaluates its condition at every state, so waking is implicit.'),
  pr_debug: noop('pr_debug(...): dynamic debug printk.'),
  pr_err: noop('pr_err(...): printk.'),
};
