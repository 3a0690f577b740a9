/**
 * The drivers' variants for the callback API of struct mmu_notifier_range (v5.0 on).
 *
 * - `v5.0`: the variant v4.19 (or the tree the patch was made against) has, with 5d6527a784f7
 *   applied as mailed ("[PATCH v2 1/3] mm/mmu_notifier: use structure for invalidate_range_start/end
 *   callback", <20181205053628.3210-2-jglisse@redhat.com>, examples/patches/5d6527a784f7-range-callbacks.patch):
 *   every start and end callback takes `const struct mmu_notifier_range *range` and reads
 *   `range->start`, `range->end`, `range->mm` and `range->blockable` where it read its arguments.
 * - `v5.2`: the v5.0 variant with the conversion of the drivers to mmu_notifier_range_blockable()
 *   ("[PATCH v5 2/9] mm/mmu_notifier: convert user range->blockable to helper function",
 *   <20190219200430.11130-3-jglisse@redhat.com>, examples/patches/range-blockable-helper-users.patch),
 *   which the flags conversion (27560ee9) needs: the helper reads `range->flags`.
 *
 * Where a patch's hunk was made against a body the model does not have (the kernel changed the
 * driver between v4.19 and the patch), the change is carried onto the model's body by the rule the
 * patch states, and the variant's description says so:
 *
 * - {@link byRangeArguments}: 5d6527a784f7's own rule (its commit message: "use a structure to group
 *   all parameters ... No functional changes"): the callback's parameters `mm`, `start`, `end` and
 *   `blockable` become `range->mm`, `range->start`, `range->end` and `range->blockable`.
 * - {@link byHelperSpatch}: the helper conversion's coccinelle rule, as its mail gives it:
 *   `FN(..., struct mmu_notifier_range *I1, ...) { <... -I1->blockable +mmu_notifier_range_blockable(I1) ...> }`.
 */
import type { Expr, FnDef, Stmt } from '../../lang/ir.ts';
import { parseExpr } from '../../lang/ir.ts';
import { deriveVariant, variantByPatch, type PatchedFields } from '../by-patch.ts';
import type { DriverThreadDef, VariantDef } from '../driver.ts';

/** The patch that gave the callbacks the range (v5.0). */
export const RANGE_PATCH = '5d6527a784f7-range-callbacks.patch';
/** The patch that made the drivers read the mode through mmu_notifier_range_blockable() (v5.2). */
export const HELPER_PATCH = 'range-blockable-helper-users.patch';

const V50_NOTE = '5d6527a784f7 applied as mailed (<20181205053628.3210-2-jglisse@redhat.com>)';
const V52_NOTE = 'the drivers\' conversion to mmu_notifier_range_blockable() applied as mailed (<20190219200430.11130-3-jglisse@redhat.com>), which the flags conversion 27560ee9 relies on';

/** `base` with 5d6527a784f7 applied as mailed: the v5.0 variant. */
export function rangeV50(base: VariantDef, description: string): VariantDef {
  return variantByPatch(base, RANGE_PATCH, { description: `${description} ${V50_NOTE}.`, version: 'v5.0', api: 'v5.0' });
}

/** The v5.0 variant with the helper conversion applied as mailed: the v5.2 variant. */
export function rangeV52(v50: VariantDef, description: string): VariantDef {
  return variantByPatch(v50, HELPER_PATCH, { description: `${description} ${V52_NOTE}.`, version: 'v5.2', api: 'v5.2' });
}

/**
 * The v5.2 variant of a driver whose callbacks never read the mode (hfi1, SCIF, sgi-gru: the helper
 * conversion has no hunk for them): the v5.0 functions, called by the v5.2 core.
 */
export function rangeV52Unchanged(v50: VariantDef, description: string): VariantDef {
  return deriveVariant(v50, { description: `${description} The helper conversion (<20190219200430.11130-3-jglisse@redhat.com>) has no hunk for it: the v5.0 functions.`, version: 'v5.2', api: 'v5.2' });
}

// ------------------------------------------------------------------------------------------------
// Carrying a patch's rule onto a body the patch was not made against.

/** A variant whose functions (and its threads' functions) `change` rewrites where it returns a new one. */
function variantByRewrite(base: VariantDef, fields: PatchedFields, change: (f: FnDef) => FnDef | undefined): VariantDef {
  let made: { fns: readonly FnDef[]; threads?: Record<string, DriverThreadDef> } | undefined;
  const make = (): NonNullable<typeof made> =>
    (made ??= {
      fns: base.fns.map((f) => change(f) ?? f),
      ...(base.threads ? { threads: Object.fromEntries(Object.entries(base.threads).map(([k, t]) => [k, { ...t, fns: t.fns.map((f) => change(f) ?? f) }])) } : {}),
    });
  return deriveVariant(base, fields, make);
}

/** Every statement of `body` with its expressions mapped by `e` and its C text by `t`. */
function mapBody(body: readonly Stmt[], e: (x: Expr) => Expr, t: (s: string) => string): Stmt[] {
  const st = (s: Stmt): Stmt => {
    switch (s.s) {
      case 'expr':
        return { ...s, src: { ...s.src, text: t(s.src.text) }, exprs: s.exprs.map(e), ...(s.ghost ? { ghost: s.ghost.map(e) } : {}) };
      case 'return':
        return { ...s, src: { ...s.src, text: t(s.src.text) }, ...(s.value ? { value: e(s.value) } : {}), ...(s.ghost ? { ghost: s.ghost.map(e) } : {}) };
      case 'if':
        return {
          ...s,
          src: { ...s.src, text: t(s.src.text) },
          cond: e(s.cond),
          ...(s.condText ? { condText: t(s.condText) } : {}),
          then: s.then.map(st),
          ...(s.else ? { else: s.else.map(st) } : {}),
        };
      case 'while':
        return { ...s, src: { ...s.src, text: t(s.src.text) }, cond: e(s.cond), body: s.body.map(st) };
      case 'dowhile':
        return { ...s, src: { ...s.src, text: t(s.src.text) }, steps: s.steps.map(e), cond: e(s.cond), body: s.body.map(st) };
      case 'for':
        return { ...s, src: { ...s.src, text: t(s.src.text) }, init: s.init.map(e), update: s.update.map(e), ...(s.cond ? { cond: e(s.cond) } : {}), body: s.body.map(st) };
      case 'foreach':
        return { ...s, src: { ...s.src, text: t(s.src.text) }, list: e(s.list), body: s.body.map(st) };
      case 'goto':
      case 'break':
      case 'continue':
        return { ...s, src: { ...s.src, text: t(s.src.text) } };
      default:
        return s;
    }
  };
  return body.map(st);
}

/** `e` with every sub-expression replaced by `f` where `f` returns one (outermost first). */
function mapExpr(x: Expr, f: (x: Expr) => Expr | undefined): Expr {
  const r = f(x);
  if (r) return r;
  const m = (y: Expr): Expr => mapExpr(y, f);
  switch (x.k) {
    case 'field':
      return { ...x, obj: m(x.obj) };
    case 'addr':
    case 'unary':
      return { ...x, e: m(x.e) };
    case 'bin':
      return { ...x, a: m(x.a), b: m(x.b) };
    case 'cond':
      return { ...x, c: m(x.c), a: m(x.a), b: m(x.b) };
    case 'assign':
      return { ...x, target: m(x.target), value: m(x.value) };
    case 'incdec':
      return { ...x, target: m(x.target) };
    case 'call':
      return { ...x, callee: m(x.callee), args: x.args.map(m) };
    default:
      return x;
  }
}

const RANGE_PARAMS = ['mm', 'start', 'end', 'blockable'];

/**
 * 5d6527a784f7's rule carried onto a body its hunk does not fit: each named callback's parameters
 * after `mn` (`mm`, `start`, `end`, and `blockable` for a start) become the fields of `range`,
 * wherever the body reads them; its signature takes `const struct mmu_notifier_range *range`.
 */
export function byRangeArguments(base: VariantDef, callbacks: readonly string[], fields: PatchedFields, why: string): VariantDef {
  return variantByRewrite(base, fields, (f) => {
    if (!callbacks.includes(f.name)) return undefined;
    const [mn, ...rest] = f.params;
    if (!mn || rest.some((p) => !RANGE_PARAMS.includes(p))) throw new Error(`internal: ${f.name}(${f.params.join(', ')}) is not a start or end callback`);
    const e = (x: Expr): Expr => mapExpr(x, (y) => (y.k === 'id' && rest.includes(y.name) ? { k: 'field', obj: { k: 'id', name: 'range' }, field: y.name } : undefined));
    const t = (s: string): string => s.replace(new RegExp(`(?<![\\w.>])(${rest.join('|')})\\b(?!\\s*\\()`, 'g'), 'range->$1');
    const ret = f.signature?.match(/^(.*?\b)\w+\(/)?.[1] ?? 'static int ';
    return {
      ...f,
      version: fields.version,
      source: `${f.source}; 5d6527a784f7's change made by its rule (the parameters read through range): ${why}`,
      signature: `${ret}${f.name}(struct mmu_notifier *${mn}, const struct mmu_notifier_range *range)`,
      params: [mn, 'range'],
      body: mapBody(f.body, e, t),
    };
  });
}

/**
 * The helper conversion's coccinelle rule (`-I1->blockable` `+mmu_notifier_range_blockable(I1)` in
 * every function with a `struct mmu_notifier_range *I1` parameter) applied to the variant's
 * functions: for a driver whose body the mailed hunks do not fit.
 */
export function byHelperSpatch(v50: VariantDef, fields: PatchedFields): VariantDef {
  return variantByRewrite(v50, fields, (f) => {
    const i1 = f.signature?.match(/struct mmu_notifier_range \*(\w+)/)?.[1];
    if (!i1) return undefined;
    const call = parseExpr(`mmu_notifier_range_blockable(${i1})`);
    const e = (x: Expr): Expr => mapExpr(x, (y) => (y.k === 'field' && y.field === 'blockable' && y.obj.k === 'id' && y.obj.name === i1 ? call : undefined));
    const t = (s: string): string => s.replace(new RegExp(`\\b${i1}->blockable\\b`, 'g'), `mmu_notifier_range_blockable(${i1})`);
    const body = mapBody(f.body, e, t);
    if (JSON.stringify(body) === JSON.stringify(f.body)) return undefined;
    return { ...f, version: fields.version, source: `${f.source}; the helper conversion's coccinelle rule (<20190219200430.11130-3-jglisse@redhat.com>) applied`, body };
  });
}
