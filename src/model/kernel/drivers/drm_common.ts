/**
 * Pieces the DRM notifier users (amdgpu, radeon, i915) share: the TTM / reservation-object
 * primitives their callbacks call, and statement builders for the few kernel lines the C-subset
 * parser cannot read.
 *
 * **Primitives.** A primitive name is global to a scenario (a program merges every driver's
 * primitives into one table), so a kernel function that several drivers call is defined once,
 * here, with one meaning:
 *
 * - `reservation_object_wait_timeout_rcu(resv, true, false, MAX_SCHEDULE_TIMEOUT)` sleeps until every
 *   fence of the BO has signalled. *Abstraction*: fences always signal eventually (the GPU is not
 *   modelled; a hung GPU is out of scope), so it returns 1, and afterwards no GPU job uses the BO's
 *   pages: `bo.mapped = 0`.
 * - `ttm_bo_validate(&bo->tbo, &bo->placement, &ctx)`: the notifiers only ever call it after
 *   `radeon_ttm_placement_from_domain(bo, RADEON_GEM_DOMAIN_CPU)`, to move the BO to the system
 *   domain: it may sleep (it waits for the BO and moves memory), and afterwards the GPU has no
 *   mapping of the pages: `bo.mapped = 0` and `bo->tbo.ttm->state = tt_unbound`. Its failure
 *   (-ENOMEM, -ERESTARTSYS with `interruptible = false` cannot happen) is not modelled.
 * - `DRM_ERROR(...)`: printk.
 *
 * **Statements the parser cannot read** ({@link cAs}, {@link ifAs}, {@link foreachAs}): array
 * subscripts (`p->bo_list->array[i].robj`, `&p->ctx->rings[ring->idx].entity`), brace initialisers
 * (`struct ttm_operation_ctx ctx = { false, false };`) and list macros over on-stack lists
 * (`LIST_HEAD(cancelled)`) keep their exact C text for listings and traces, and run a model
 * expression that stands for them. Each use is listed in the doc comment of the driver file that
 * makes it. The golden listings show the C text; for a branch they also print the model condition.
 */
import type { Stmt } from '../../lang/ir.ts';
import { parseExpr, parseSimple } from '../../lang/ir.ts';
import { ref, type Primitive } from '../../lang/primitives.ts';
import type { Value } from '../../lang/state.ts';
import { COMMON_PRIMITIVES } from './notifier-users-common.ts';

/** The BO behind a `bo->tbo.ttm`, `bo->tbo.resv` or `&bo->tbo` reference. */
export function boOf(r: string): string {
  return r.replace(/\.tbo(\.(ttm|resv))?$/, '');
}

export const DRM_PRIMITIVES: Record<string, Primitive> = {
  reservation_object_wait_timeout_rcu: {
    access: () => [{ name: 'mapped', mode: 'w', zero: true }],
    shared: true,
    sleeps: true,
    doc: 'reservation_object_wait_timeout_rcu(resv, true, false, MAX_SCHEDULE_TIMEOUT): sleeps until every fence of the BO has signalled (the GPU is done with the user pages: `bo.mapped = 0`); fences always signal eventually, so it returns 1.',
    run(ctx, [resv]) {
      ctx.write(`${boOf(ref(resv, 'reservation_object_wait_timeout_rcu'))}.mapped`, 0);
      return 1;
    },
  },
  ttm_bo_validate: {
    access: () => [
      { name: 'mapped', mode: 'w', zero: true },
      { name: 'state', mode: 'w' },
    ],
    shared: true,
    sleeps: true,
    doc: 'ttm_bo_validate(&bo->tbo, &bo->placement, &ctx) with the CPU-domain placement the notifiers set: moves the BO to system memory; may sleep; afterwards the GPU has no mapping of the pages (`bo.mapped = 0`, `bo->tbo.ttm->state = tt_unbound`). Returns 0.',
    run(ctx, [tbo]) {
      const bo = boOf(ref(tbo, 'ttm_bo_validate'));
      ctx.write(`${bo}.mapped`, 0);
      ctx.write(`${bo}.tbo.ttm.state`, 'tt_unbound');
      return 0;
    },
  },
  DRM_ERROR: { shared: false, sleeps: false, doc: 'DRM_ERROR(...): printk.', run: () => 0 },

  // The destroy work of amdgpu and radeon (their ->release queues it).
  interval_tree_remove: {
    shared: false,
    sleeps: false,
    doc: 'interval_tree_remove(node, root): a no-op in the model: the drivers\' interval trees are static configuration (i915 marks a removed object in `attached`, which its tree walk reads; amdgpu and radeon remove their nodes only in the destroy work, after which the notifier is freed).',
    run: () => 0,
  },
  hash_del: { shared: false, sleeps: false, doc: 'hash_del(node): takes the notifier off the device\'s hash of notifiers by mm (not modelled: no modelled thread looks it up).', run: () => 0 },
  rbtree_postorder_for_each_entry_safe: {
    shared: false,
    sleeps: false,
    members: [2],
    doc: 'rbtree_postorder_for_each_entry_safe(pos, n, &root->rb_root, field): walks the nodes of the notifier\'s interval tree (static: the instance\'s objects in address order).',
    run: (ctx, [, root]) => staticNodes(ctx, root),
    iterate(ctx, [, root], pos) {
      const l = staticNodes(ctx, root);
      if (pos === undefined) return l[0] ?? null;
      const i = l.indexOf(pos);
      return i >= 0 ? (l[i + 1] ?? null) : null;
    },
  },
  list_del_init: COMMON_PRIMITIVES.list_del_init!,
};

/** The static node list of an `&amn->objects.rb_root` reference. */
function staticNodes(ctx: Parameters<Primitive['run']>[0], root: unknown): readonly Value[] {
  const l = ctx.stat(ref(root as Value, 'rbtree_postorder_for_each_entry_safe').replace(/\.rb_root$/, ''));
  return Array.isArray(l) ? l : [];
}

// ------------------------------------------------------------------------------------------------
// Statements whose C text the parser cannot read.

/**
 * A simple statement shown as the kernel's C `text` and executed as the C-subset `model` statement
 * (see the file comment). `model` must be a statement the parser reads.
 */
export function cAs(text: string, model: string, line?: number): Stmt {
  const st = parseSimple(model, line);
  const src = line === undefined ? { text } : { text, line };
  switch (st.s) {
    case 'expr':
    case 'return':
    case 'goto':
    case 'break':
    case 'continue':
      return { ...st, src };
    default:
      throw new Error(`cAs: unexpected statement kind for ${model}`);
  }
}

/** `if (text) { then } [else { otherwise }]`, branching on the C-subset condition `model`. */
export function ifAs(text: string, model: string, then: readonly Stmt[], otherwise?: readonly Stmt[]): Stmt {
  const base = { s: 'if' as const, src: { text: `if (${text})` }, cond: parseExpr(model), condText: text, then };
  return otherwise ? { ...base, else: otherwise } : base;
}

/**
 * A list walk shown as the kernel macro `text` (e.g. `list_for_each_entry(mo, &cancelled, link)`)
 * that binds `v` to each element of the list primitive call `model` returns.
 */
export function foreachAs(text: string, v: string, model: string, body: readonly Stmt[]): Stmt {
  const list = parseExpr(model);
  if (list.k !== 'call') throw new Error(`foreachAs: ${model} is not a call of a list primitive`);
  return { s: 'foreach', src: { text }, var: v, list, body };
}
