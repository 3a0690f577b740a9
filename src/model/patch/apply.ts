/**
 * Applying a patch to the model: to the C of the modelled functions, not to a tree.
 *
 * For each hunk, the lines are cut into sections by kernel layout (a function starts with a header
 * at column 0 and ends with a `}` at column 0; the lines before the first header belong to the
 * function git names after `@@`). A section in a function the model has (same file, same name) is
 * matched against the function's statements: the hunk's context and `-` lines, cut into statements
 * and heads ({@link units}) and given their braces ({@link canonical}), are aligned with the
 * model's statements (whitespace- and comment-insensitive; a context line the model leaves out is
 * passed over; a `-` line the model does not have is refused). The `-` statements are dropped, the
 * `+` statements parsed by the model's C-subset parser and put in their place, the unchanged
 * statements kept as the model wrote them (ghost effects and stand-ins included), and the result
 * compiled. A patch applies whole or not at all: one refused hunk and no function changes.
 *
 * Sections in files or functions the model does not contain are "outside the model" and do not
 * stop the rest. A new `static` function in a modelled file is added. A call of a function that is
 * neither a primitive nor a modelled function is refused: its semantics (may it sleep, what does it
 * touch) is not known until it is declared (`--declare`, declare.ts: then it is a primitive).
 */
import { compileFn, CompileError } from '../lang/compile.ts';
import type { Expr, FnDef, Stmt } from '../lang/ir.ts';
import { doWhile_, for_, foreach, if_, parseSimple, ParseError, printExpr, subExprs, while_ } from '../lang/ir.ts';
import { canonical, keyOf, keysMatch, tokenizeLines, tokens, units, type Unit, type UnitKind } from './ctext.ts';
import type { Hunk, Patch, PatchLine } from './diff.ts';

export interface ApplyOptions {
  /** The modelled functions the patch applies to (a core version's and its drivers' variants). */
  readonly fns: readonly FnDef[];
  /** Whether a callee is a primitive (has modelled semantics without a body). */
  readonly isPrimitive: (name: string) => boolean;
  /** Global variables (shared memory named by a bare identifier). */
  readonly isGlobal?: (name: string) => boolean;
  /** The `version` of the functions the patch changes or adds; default: `<version>+<patch title>`. */
  readonly version?: string;
  /**
   * The model's instrumentation (docs/model.md, "Ghost state"): per function, the ghost effects the
   * model attaches to a statement (by its normalised text). A statement a patch adds to that
   * function with that text gets the same effects: `ret = false;` added to `__oom_reap_task_mm()`
   * records an obstructed reap as every modelled version of it does. See {@link ghostRules}.
   */
  readonly ghosts?: ReadonlyMap<string, ReadonlyMap<string, GhostRule>>;
}

/** A statement's ghost effects, or `ambiguous` when the model writes it with and without them. */
export type GhostRule = readonly Expr[] | 'ambiguous';

/**
 * The ghost effects of `fns`, per function name and statement key: those a statement with that text
 * has wherever the model writes it in a function of that name. A statement written with different
 * effects (or with and without) in functions of one name is `ambiguous`: `ret = false;` in
 * `oom_reap_task_mm()` records an obstacle after the failed trylock, not after a failed
 * `__oom_reap_task_mm()`, which recorded it itself.
 */
export function ghostRules(fns: readonly FnDef[]): Map<string, Map<string, GhostRule>> {
  const out = new Map<string, Map<string, GhostRule>>();
  const walk = (fn: string, body: readonly Stmt[]): void => {
    for (const st of body) {
      if (st.s === 'expr' || st.s === 'return') {
        const key = keyOf(st.src.text);
        const per = out.get(fn) ?? new Map<string, GhostRule>();
        out.set(fn, per);
        const g = st.ghost ?? [];
        const had = per.get(key);
        if (had === undefined) per.set(key, g);
        else if (had !== 'ambiguous' && JSON.stringify(had) !== JSON.stringify(g)) per.set(key, 'ambiguous');
      }
      if (st.s === 'if') {
        walk(fn, st.then);
        if (st.else) walk(fn, st.else);
      }
      if (st.s === 'while' || st.s === 'for' || st.s === 'foreach' || st.s === 'dowhile') walk(fn, st.body);
    }
  };
  for (const f of fns) walk(f.name, f.body);
  for (const per of out.values()) for (const [k, g] of per) if (g !== 'ambiguous' && !g.length) per.delete(k);
  return out;
}

export type HunkOutcome =
  | { readonly kind: 'applied'; readonly hunk: Hunk; readonly fns: readonly string[]; readonly notes: readonly string[] }
  | { readonly kind: 'outside'; readonly hunk: Hunk; readonly reason: string }
  | { readonly kind: 'refused'; readonly hunk: Hunk; readonly reason: string };

export interface PatchResult {
  readonly patch: Patch;
  readonly outcomes: readonly HunkOutcome[];
  /** True when no hunk was refused (hunks outside the model do not count). */
  readonly applied: boolean;
  /** The functions changed or added, in the order the patch first touches them (empty when refused). */
  readonly changed: readonly FnDef[];
  /** `fns` with the changed functions replaced and the new ones added (the input when refused). */
  readonly fns: readonly FnDef[];
}

/** A hunk's refusal, with its one line. */
class Refusal extends Error {}

// ------------------------------------------------------------------------------------------------
// Renaming (the tree the patch was made against may name a parameter differently)

function renameExpr(e: Expr, map: ReadonlyMap<string, string>): Expr {
  const r = (x: Expr): Expr => renameExpr(x, map);
  switch (e.k) {
    case 'id':
      return map.has(e.name) ? { k: 'id', name: map.get(e.name)! } : e;
    case 'field':
      return { ...e, obj: r(e.obj) };
    case 'addr':
    case 'unary':
      return { ...e, e: r(e.e) };
    case 'bin':
      return { ...e, a: r(e.a), b: r(e.b) };
    case 'cond':
      return { ...e, c: r(e.c), a: r(e.a), b: r(e.b) };
    case 'call':
      return { ...e, callee: r(e.callee), args: e.args.map(r) };
    case 'assign':
      return { ...e, target: r(e.target), value: r(e.value) };
    case 'incdec':
      return { ...e, target: r(e.target) };
    default:
      return e;
  }
}

function renameText(t: string, map: ReadonlyMap<string, string>): string {
  let s = t;
  for (const [a, b] of map) s = s.replace(new RegExp(`(?<!->|\\.)\\b${a}\\b`, 'g'), b);
  return s;
}

function renameStmts(body: readonly Stmt[], map: ReadonlyMap<string, string>): Stmt[] {
  const src = <T extends { text: string }>(x: T): T => ({ ...x, text: renameText(x.text, map) });
  const ex = (e: Expr): Expr => renameExpr(e, map);
  return body.map((st): Stmt => {
    switch (st.s) {
      case 'expr':
        return { ...st, src: src(st.src), exprs: st.exprs.map(ex), ...(st.ghost ? { ghost: st.ghost.map(ex) } : {}) };
      case 'return':
        return { ...st, src: src(st.src), ...(st.value ? { value: ex(st.value) } : {}), ...(st.ghost ? { ghost: st.ghost.map(ex) } : {}) };
      case 'if':
        return {
          ...st,
          src: src(st.src),
          cond: ex(st.cond),
          ...(st.condText !== undefined ? { condText: renameText(st.condText, map) } : {}),
          then: renameStmts(st.then, map),
          ...(st.else ? { else: renameStmts(st.else, map) } : {}),
        };
      case 'while':
        return { ...st, src: src(st.src), cond: ex(st.cond), body: renameStmts(st.body, map) };
      case 'dowhile':
        return { ...st, src: src(st.src), steps: st.steps.map(ex), cond: ex(st.cond), body: renameStmts(st.body, map) };
      case 'for':
        return { ...st, src: src(st.src), init: st.init.map(ex), update: st.update.map(ex), ...(st.cond ? { cond: ex(st.cond) } : {}), body: renameStmts(st.body, map) };
      case 'foreach':
        return { ...st, src: src(st.src), var: map.get(st.var) ?? st.var, list: ex(st.list), body: renameStmts(st.body, map) };
      case 'goto':
      case 'break':
      case 'continue':
      case 'label':
        return st;
    }
  });
}

/** `def` with its parameters renamed (`rmn` -> `amn`): the same function, as another tree names them. */
export function renameParams(def: FnDef, map: ReadonlyMap<string, string>): FnDef {
  if (!map.size) return def;
  return {
    ...def,
    params: def.params.map((p) => map.get(p) ?? p),
    body: renameStmts(def.body, map),
    ...(def.signature ? { signature: renameText(def.signature, map) } : {}),
  };
}

// ------------------------------------------------------------------------------------------------
// The model's statements as items

interface Item {
  readonly kind: UnitKind;
  readonly key: string;
  /** A model statement (for heads, the whole statement; its body is rebuilt). */
  readonly orig?: Stmt;
  /** Kernel text (an added item). */
  readonly unit?: Unit;
  /** For an added item: its line in the new file and in the patch file. */
  readonly newLine?: number;
  readonly at?: number;
  readonly implicit?: boolean;
  readonly elif?: boolean;
  /**
   * For a model item: the indentation the kernel gives it, in tabs (a statement of the function's
   * body has 1; a brace has its statement's). Absent for the braces the model adds to an `else if`.
   */
  readonly depth?: number;
}

function render(body: readonly Stmt[], out: Item[] = [], depth = 1): Item[] {
  const open = (elif = false): Item => ({ kind: '{', key: '{', ...(elif ? { elif: true } : { depth }) });
  const close = (elif = false): Item => ({ kind: '}', key: '}', ...(elif ? {} : { depth }) });
  for (const st of body) {
    switch (st.s) {
      case 'expr':
      case 'return':
      case 'goto':
      case 'break':
      case 'continue':
        out.push({ kind: 'stmt', key: keyOf(st.src.text), orig: st, depth });
        break;
      case 'label':
        out.push({ kind: 'label', key: `${st.name} :`, orig: st });
        break;
      case 'if': {
        out.push({ kind: 'if', key: keyOf(st.src.text.replace(/^\s*else\s+/, '')), orig: st, depth });
        out.push(open());
        render(st.then, out, depth + 1);
        out.push(close());
        if (st.else) {
          // `else if`: the kernel indents the inner if as the outer one.
          const elif = st.else.length === 1 && st.else[0]!.s === 'if' && /^\s*else\s+if\b/.test(st.else[0]!.src.text);
          out.push({ kind: 'else', key: 'else', depth });
          out.push(open(elif));
          render(st.else, out, elif ? depth : depth + 1);
          out.push(close(elif));
        }
        break;
      }
      case 'while':
      case 'for':
      case 'foreach':
        out.push({ kind: st.s, key: keyOf(st.src.text), orig: st, depth });
        out.push(open());
        render(st.body, out, depth + 1);
        out.push(close());
        break;
      case 'dowhile':
        out.push({ kind: 'do', key: 'do', orig: st, depth });
        out.push(open());
        render(st.body, out, depth + 1);
        out.push(close());
        out.push({ kind: 'dotail', key: keyOf(st.src.text.replace(/^\s*\}\s*/, '')), orig: st, depth });
        break;
    }
  }
  return out;
}

const UNIT_KINDS = new Set<UnitKind>(['stmt', 'label', 'if', 'while', 'for', 'foreach', 'dotail']);

/**
 * How well kernel unit `o` (indented `depth` tabs, when its line shows it) stands for model item `m`.
 * A brace pairs only with a brace of the same depth when both are known (a hunk's `}` closes the
 * block its indentation says, not the first one open); a statement at its own depth is preferred.
 */
function score(m: Item, o: Unit, depth: number | undefined): number {
  if (m.kind !== o.kind) return 0;
  const same = depth !== undefined && m.depth !== undefined ? depth === m.depth : undefined;
  if (UNIT_KINDS.has(m.kind)) return keysMatch(m.key, o.key) ? (same === true ? 11 : 10) : 0;
  if (same === false) return 0;
  if (m.kind === 'else' || m.kind === 'do') return 3;
  return 1;
}

/**
 * Best alignment of kernel units `o` with model items `m` (weighted LCS): o index -> m index.
 * `depths[i]`: the indentation of unit i's line, in tabs (undefined for a brace {@link canonical}
 * added, or a label).
 */
function align(o: readonly Unit[], m: readonly Item[], depths: readonly (number | undefined)[]): Map<number, number> {
  const a = o.length;
  const b = m.length;
  const dp: number[][] = Array.from({ length: a + 1 }, () => new Array<number>(b + 1).fill(0));
  for (let i = a - 1; i >= 0; i--) {
    for (let j = b - 1; j >= 0; j--) {
      const s = score(m[j]!, o[i]!, depths[i]);
      dp[i]![j] = Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!, s ? s + dp[i + 1]![j + 1]! : 0);
    }
  }
  const out = new Map<number, number>();
  let i = 0;
  let j = 0;
  while (i < a && j < b) {
    const s = score(m[j]!, o[i]!, depths[i]);
    if (s && dp[i]![j] === s + dp[i + 1]![j + 1]!) {
      out.set(i, j);
      i++;
      j++;
    } else if (dp[i]![j] === dp[i + 1]![j]) i++;
    else j++;
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Items back to statements

interface BuildCtx {
  readonly fn: string;
  readonly hunk: number;
  /** Calls of names in added statements, with their patch line. */
  readonly calls: { name: string; at: number | undefined; text: string }[];
  /** The model's ghost effects for statements of this function (by key), and notes of their use. */
  readonly ghosts?: ReadonlyMap<string, GhostRule> | undefined;
  readonly notes?: string[];
}

function callsOf(e: Expr, acc: string[]): void {
  if (e.k !== 'call') return subExprs(e).forEach((x) => callsOf(x, acc));
  if (e.callee.k === 'id') acc.push(e.callee.name);
  else callsOf(e.callee, acc);
  e.args.forEach((x) => callsOf(x, acc));
}

function build(items: readonly Item[], ctx: BuildCtx): Stmt[] {
  let pos = 0;
  const where = (it: Item | undefined): string => (it?.at ? `patch line ${it.at}` : 'the model');
  const fail = (it: Item | undefined, m: string): never => {
    throw new Refusal(`hunk ${ctx.hunk}: ${ctx.fn}(), ${where(it)}: ${m}`);
  };
  const parsed = <T>(it: Item, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof ParseError) return fail(it, `the model's C parser cannot read \`${it.unit?.text}\` (${e.message.replace(/ in C text: .*$/, '')})`);
      throw e;
    }
  };
  const note = (it: Item, exprs: readonly Expr[]): void => {
    const names: string[] = [];
    exprs.forEach((e) => callsOf(e, names));
    for (const n of names) ctx.calls.push({ name: n, at: it.at, text: it.unit?.text ?? '' });
  };
  const block = (): Stmt[] => {
    const out: Stmt[] = [];
    while (pos < items.length && items[pos]!.kind !== '}') out.push(...stmt());
    return out;
  };
  const bodyOf = (): { body: Stmt[]; open: Item | undefined } => {
    const it = items[pos];
    if (it?.kind === '{') {
      pos++;
      const body = block();
      if (items[pos]?.kind !== '}') fail(it, 'the patched function does not nest: a "{" is not closed');
      pos++;
      return { body, open: it };
    }
    return { body: stmt(), open: undefined };
  };
  const stmt = (): Stmt[] => {
    const it = items[pos];
    if (!it) return fail(items[pos - 1], 'the patched function ends inside a statement');
    pos++;
    const line = it.newLine;
    switch (it.kind) {
      case '{': {
        const body = block();
        if (items[pos]?.kind !== '}') fail(it, 'the patched function does not nest: a "{" is not closed');
        pos++;
        return body;
      }
      case 'stmt':
      case 'label': {
        if (it.orig) return [it.orig];
        const u = it.unit!;
        if (it.kind === 'label') return [{ s: 'label', name: u.key.split(' ')[0]! }];
        const st = parsed(it, () => parseSimple(u.text, line));
        if (st.s === 'expr') note(it, st.exprs);
        if (st.s === 'return' && st.value) note(it, [st.value]);
        const ghost = ctx.ghosts?.get(u.key);
        if (ghost === 'ambiguous') ctx.notes?.push(`${ctx.fn}(): \`${u.text}\` (patch line ${it.at}) records no ghost state: the model's ${ctx.fn}() writes it with different ghost effects in different places (docs/model.md, "Ghost state")`);
        else if (ghost && (st.s === 'expr' || st.s === 'return')) {
          ctx.notes?.push(`${ctx.fn}(): \`${u.text}\` (patch line ${it.at}) records ${ghost.map(printExpr).join(', ')} as the model's ${ctx.fn}() does (ghost state)`);
          return [{ ...st, ghost }];
        }
        return [st];
      }
      case 'if': {
        const then = bodyOf().body;
        let els: Stmt[] | undefined;
        let elif = false;
        if (items[pos]?.kind === 'else') {
          pos++;
          const b = bodyOf();
          els = b.body;
          elif = !!b.open?.elif;
        }
        if (els && elif && els.length === 1 && els[0]!.s === 'if' && !/^\s*else\b/.test(els[0]!.src.text)) {
          const inner = els[0]!;
          els = [{ ...inner, src: { ...inner.src, text: `else ${inner.src.text}` } }];
        }
        if (it.orig && it.orig.s === 'if') {
          const o = it.orig;
          const base = { s: 'if' as const, src: o.src, cond: o.cond, ...(o.condText !== undefined ? { condText: o.condText } : {}), then };
          if (!els) return [base];
          return [{ ...base, else: els, ...(o.else && o.elseSrc ? { elseSrc: o.elseSrc } : {}) }];
        }
        const st = parsed(it, () => if_(it.unit!.inner ?? '', then, els ? { body: els } : undefined, line));
        if (st.s === 'if') note(it, [st.cond]);
        return [st];
      }
      case 'while':
      case 'for':
      case 'foreach': {
        const body = bodyOf().body;
        if (it.orig && (it.orig.s === 'while' || it.orig.s === 'for' || it.orig.s === 'foreach')) return [{ ...it.orig, body }];
        const u = it.unit!;
        if (it.kind === 'while') {
          const st = parsed(it, () => while_(u.inner ?? '', body, line));
          if (st.s === 'while') note(it, [st.cond]);
          return [st];
        }
        if (it.kind === 'foreach') return [parsed(it, () => foreach(u.inner ?? u.text, body, line))];
        const parts = splitFor(u.inner ?? '');
        if (!parts) return fail(it, `\`${u.text}\`: expected for (init; cond; update)`);
        const st = parsed(it, () => for_(parts[0], parts[1], parts[2], body, line));
        if (st.s === 'for') note(it, [...st.init, ...st.update, ...(st.cond ? [st.cond] : [])]);
        return [st];
      }
      case 'do': {
        const body = bodyOf().body;
        const tail = items[pos];
        if (tail?.kind !== 'dotail') return fail(it, '`do` without its `while (...);`');
        pos++;
        if (tail.orig && tail.orig.s === 'dowhile') return [{ ...tail.orig, body }];
        const st = parsed(tail, () => doWhile_(body, tail.unit!.inner ?? '', tail.newLine));
        return [st];
      }
      case 'unsupported':
        return fail(it, `\`${it.unit?.text}\`: switch/case is not in the model's C subset`);
      case 'partial':
        return fail(it, `\`${it.unit?.text}\` is cut off by the hunk's edge or does not end with ";"`);
      default:
        return fail(it, `the patched function does not nest: unexpected "${it.kind}"`);
    }
  };
  const out = block();
  if (pos < items.length) fail(items[pos], 'the patched function does not nest: a "}" closes nothing');
  return out;
}

function splitFor(inner: string): [string, string, string] | undefined {
  const parts: string[] = [];
  let d = 0;
  let cur = '';
  for (const ch of inner) {
    if (ch === '(') d++;
    if (ch === ')') d--;
    if (ch === ';' && d === 0) {
      parts.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  parts.push(cur.trim());
  return parts.length === 3 ? [parts[0]!, parts[1]!, parts[2]!] : undefined;
}

// ------------------------------------------------------------------------------------------------
// Sections of a hunk

interface Section {
  /** The function (null: lines outside any function). */
  readonly name: string | null;
  /** Signature lines (header and continuation) and body lines, with their tags. */
  readonly sig: PatchLine[];
  readonly body: PatchLine[];
  /** Other lines (between functions). */
  readonly top: PatchLine[];
  /** Whether the hunk shows the function's opening `{` and its closing `}` (column 0). */
  opens?: boolean;
  closes?: boolean;
}

/**
 * Whether any of the changed lines of `subset` carries code, comments read in the context of the
 * whole hunk (a hunk may start inside a block comment).
 */
function codeChanged(h: Hunk, subset: readonly PatchLine[]): boolean {
  const want = new Set(subset.filter((l) => l.tag !== ' '));
  for (const tag of ['-', '+'] as const) {
    const view = h.lines.filter((l) => l.tag === ' ' || l.tag === tag);
    const { toks } = tokenizeLines(view.map((l) => l.text));
    if (toks.some((t) => want.has(view[t.line]!) && view[t.line]!.tag === tag)) return true;
  }
  return false;
}

function headerName(text: string): string | null {
  if (!/^[A-Za-z_]/.test(text) || /^\w+:\s*$/.test(text)) return null;
  const m = /([A-Za-z_]\w*)\s*\(/.exec(text);
  if (!m) return null;
  if (/;\s*$/.test(text.trim())) return null;
  if (/^(struct|union|enum)\s+\w+\s*\{?\s*$/.test(text)) return null;
  return m[1]!;
}

function parenDelta(text: string): number {
  let d = 0;
  for (const t of tokens(text)) {
    if (t === '(') d++;
    else if (t === ')') d--;
  }
  return d;
}

function sections(h: Hunk): Section[] {
  const out: Section[] = [];
  let cur: Section;
  let state: 'pre' | 'sig' | 'body' | 'top' = 'pre';
  const ctxName = headerName(h.context);
  // Lines before the first header: the body (or the signature's rest) of the function git names.
  if (ctxName) {
    cur = { name: ctxName, sig: [], body: [], top: [] };
    out.push(cur);
    state = 'body';
    // Inside a multi-line signature when the parentheses close before any ';' or '{'.
    if (parenDelta(h.context) > 0) {
      let d = 0;
      for (const l of h.lines) {
        if (l.tag === '+') continue;
        const ts = tokens(l.text);
        if (ts.includes(';') || ts.includes('{')) break;
        d += parenDelta(l.text);
        if (d < 0) {
          state = 'sig';
          break;
        }
      }
    }
  } else {
    cur = { name: null, sig: [], body: [], top: [] };
    out.push(cur);
    state = 'top';
  }
  let depthO = 0;
  let depthN = 0;
  for (const l of h.lines) {
    const t = l.text;
    const col0 = /^\S/.test(t) && tokens(t).length > 0;
    if (state !== 'sig' && col0 && headerName(t) && !(state === 'body' && !/^(static|void|int|bool|long|unsigned|struct|const|inline|extern|[A-Za-z_]\w*\s)/.test(t))) {
      cur = { name: headerName(t), sig: [l], body: [], top: [] };
      out.push(cur);
      depthO = l.tag === '+' ? 0 : parenDelta(t);
      depthN = l.tag === '-' ? 0 : parenDelta(t);
      state = depthO > 0 || depthN > 0 ? 'sig' : 'body';
      if (state === 'body' && !/\{\s*$/.test(t)) state = 'sig';
      continue;
    }
    if (state === 'sig') {
      if (/^\{\s*$/.test(t)) {
        state = 'body';
        cur.opens = true;
        continue;
      }
      if (l.tag !== '+') depthO += parenDelta(t);
      if (l.tag !== '-') depthN += parenDelta(t);
      cur.sig.push(l);
      if (depthO <= 0 && depthN <= 0 && /;\s*$/.test(t)) {
        // A prototype (a declaration ending with ';'), not a definition: top-level text.
        const top: Section = { name: null, sig: [], body: [], top: [...cur!.sig] };
        out[out.length - 1] = top;
        cur = top;
        state = 'top';
      }
      continue;
    }
    if (state === 'body') {
      if (/^\{\s*$/.test(t) && !cur.body.length && !cur.opens) {
        // The function's own `{` (column 0) after a signature the hunk starts in.
        cur.opens = true;
        continue;
      }
      if (/^\}/.test(t)) {
        cur.closes = true;
        cur = { name: null, sig: [], body: [], top: [] };
        out.push(cur);
        state = 'top';
        continue;
      }
      cur.body.push(l);
      continue;
    }
    cur.top.push(l);
  }
  return out;
}

function paramsOf(sig: string): string[] | undefined {
  const open = sig.indexOf('(');
  const close = sig.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const inner = sig.slice(open + 1, close).trim();
  if (inner === '' || inner === 'void') return [];
  return inner.split(',').map((p) => {
    const ids = p.match(/[A-Za-z_]\w*/g) ?? [];
    return ids[ids.length - 1] ?? '';
  });
}

const joinSig = (ls: readonly PatchLine[]): string =>
  ls
    .map((l) => l.text.trim())
    .join(' ')
    .replace(/\s*\{\s*$/, '')
    .replace(/\(\s+/g, '(')
    .replace(/\s+/g, ' ')
    .trim();

// ------------------------------------------------------------------------------------------------
// Applying

interface Ev {
  readonly view: 'O' | 'N';
  readonly u: Unit;
  readonly idx: number;
  readonly tag: ' ' | '-' | '+';
  readonly pos: number;
  readonly seq: number;
}

/** The indentation of a line in tabs (8 columns each), or undefined for a blank line. */
function indentOf(text: string): number | undefined {
  const ws = /^[\t ]*/.exec(text)![0];
  if (ws.length === text.length) return undefined;
  let cols = 0;
  for (const ch of ws) cols = ch === '\t' ? (Math.floor(cols / 8) + 1) * 8 : cols + 1;
  return Math.floor(cols / 8);
}

/**
 * One side of a section: its units, their lines, whether each is changed, and each unit's
 * indentation. A unit is changed when a line of it is `-` (`+` for the new side), or when a line of
 * the other side lies inside it: `+\t\t\t\ttrue,` added among the arguments of a call that spans
 * several lines changes that call on both sides.
 */
function viewUnits(body: readonly PatchLine[], view: 'O' | 'N'): { us: Unit[]; lines: PatchLine[]; tags: (' ' | '-' | '+')[]; depths: (number | undefined)[] } {
  const mine = view === 'O' ? '-' : '+';
  const lines = body.filter((l) => l.tag === ' ' || l.tag === mine);
  const us = canonical(units(lines.map((l) => l.text)));
  const tags = us.map((u) => {
    let t: ' ' | '-' | '+' = ' ';
    for (let k = u.first; k <= u.last; k++) if (lines[k]!.tag !== ' ') t = lines[k]!.tag;
    if (t === ' ' && u.last > u.first) {
      const a = lines[u.first]!.at;
      const b = lines[u.last]!.at;
      if (body.some((l) => l.tag !== ' ' && l.tag !== mine && l.at > a && l.at < b && tokens(l.text).length > 0)) t = mine;
    }
    return t;
  });
  // A brace on the line where the unit before it ends (`node; node = next) {`, the continuation
  // line of a for head) has that unit's depth, not its line's indentation.
  const depths: (number | undefined)[] = [];
  us.forEach((u, i) => {
    const prev = us[i - 1];
    if (u.implicit || u.kind === 'label') depths.push(undefined);
    else if (u.kind === '{' && prev && !prev.implicit && prev.last === u.first) depths.push(depths[i - 1]);
    else depths.push(indentOf(lines[u.first]!.text));
  });
  return { us, lines, tags, depths };
}

/** Apply one section of a hunk to `def`: the new body. */
function applySection(def: FnDef, s: Section, h: Hunk, useLines: boolean, ctx: BuildCtx): Stmt[] {
  const m = render(def.body);
  const O = viewUnits(s.body, 'O');
  const N = viewUnits(s.body, 'N');
  const match = align(O.us, m, O.depths);
  const fail = (m2: string): never => {
    throw new Refusal(`hunk ${h.index}: ${def.name}(), ${m2}`);
  };
  O.us.forEach((u, i) => {
    if (O.tags[i] === '-' && u.kind !== '{' && u.kind !== '}' && !match.has(i)) {
      fail(`patch line ${O.lines[u.first]!.at}: \`${u.text}\` is not in the model's function (it leaves it out as an abstraction, or the patch was made against another version of it)`);
    }
  });
  const changed = s.body.some((l) => l.tag !== ' ' && tokens(l.text).length > 0);
  if (!changed) return def.body as Stmt[];
  // No statement of the model's to place the change by: the function's own `{` or `}`, when the
  // hunk shows it, places it at the start or the end of the body.
  const anchored = [...match.keys()].some((i) => UNIT_KINDS.has(O.us[i]!.kind));
  if (!anchored && !s.opens && !s.closes) {
    fail(`patch line ${s.body[0]?.at ?? h.at}: none of the hunk's lines is a statement of the model's function: cannot place it`);
  }
  if (!anchored) match.clear();
  // Pair the context statements of both views.
  const ctxO = O.us.map((u, i) => ({ u, i })).filter(({ u, i }) => O.tags[i] === ' ' && u.kind !== '{' && u.kind !== '}');
  const ctxN = N.us.map((u, i) => ({ u, i })).filter(({ u, i }) => N.tags[i] === ' ' && u.kind !== '{' && u.kind !== '}');
  if (ctxO.length !== ctxN.length || ctxO.some((x, k) => x.u.key !== ctxN[k]!.u.key)) fail('its context reads differently before and after the change: cannot pair it');
  const pairN = new Map<number, number>(ctxN.map((x, k) => [x.i, ctxO[k]!.i]));

  const evs: Ev[] = [];
  let seq = 0;
  const posOf = (lines: PatchLine[], k: number): number => lines[k]!.at;
  O.us.forEach((u, i) => evs.push({ view: 'O', u, idx: i, tag: O.tags[i]!, pos: posOf(O.lines, u.implicit && u.kind === '}' ? u.last : u.first), seq: seq++ }));
  N.us.forEach((u, i) => evs.push({ view: 'N', u, idx: i, tag: N.tags[i]!, pos: posOf(N.lines, u.implicit && u.kind === '}' ? u.last : u.first), seq: seq++ }));
  evs.sort((a, b) => a.pos - b.pos || (a.view === b.view ? a.seq - b.seq : a.view === 'O' ? -1 : 1));

  const out: Item[] = [];
  let mPos = 0;
  const flush = (to: number): void => {
    for (; mPos < to; mPos++) out.push(m[mPos]!);
  };
  const first = anchored ? Math.min(...[...match.values()]) : s.opens ? 0 : m.length;
  flush(first);
  for (const e of evs) {
    if (e.view === 'O') {
      const j = match.get(e.idx);
      if (j !== undefined) {
        flush(j);
        mPos = j + 1;
      }
      continue;
    }
    if (e.tag === '+') {
      const line = N.lines[e.u.first]!;
      out.push({
        kind: e.u.kind,
        key: e.u.key,
        unit: e.u,
        at: line.at,
        ...(useLines && line.newLine !== undefined ? { newLine: line.newLine } : {}),
        ...(e.u.implicit ? { implicit: true } : {}),
        ...(e.u.elif ? { elif: true } : {}),
      });
      continue;
    }
    if (e.u.kind === '{' || e.u.kind === '}') {
      out.push({ kind: e.u.kind, key: e.u.key, ...(e.u.elif ? { elif: true } : {}) });
      continue;
    }
    const j = match.get(pairN.get(e.idx)!);
    if (j !== undefined) out.push(m[j]!);
  }
  flush(m.length);
  return build(out, ctx);
}

/** Apply a patch to modelled functions. Never throws for a patch the model cannot take: see the outcomes. */
export function applyPatch(patch: Patch, o: ApplyOptions): PatchResult {
  const byKey = new Map<string, FnDef>(o.fns.map((f) => [`${f.file}\0${f.name}`, f]));
  const files = new Set(o.fns.map((f) => f.file));
  const current = new Map<string, FnDef>();
  const order: string[] = [];
  const outcomes: HunkOutcome[] = [];
  const calls: { name: string; at: number | undefined; text: string; hunk: Hunk; fn: string }[] = [];
  const lastHunk = new Map<string, Hunk>();
  const label = patch.title ?? patch.name.replace(/^.*\//, '');
  for (const h of patch.hunks) {
    const notes: string[] = [];
    const touched: string[] = [];
    const staged = new Map<string, FnDef>();
    try {
      if (!files.has(h.file)) {
        outcomes.push({ kind: 'outside', hunk: h, reason: `${h.file} has no modelled function` });
        continue;
      }
      const secs = sections(h);
      const stub = otherConfiguration(secs, (n) => staged.get(`${h.file}\0${n}`) ?? current.get(`${h.file}\0${n}`) ?? byKey.get(`${h.file}\0${n}`));
      if (stub) {
        outcomes.push({ kind: 'outside', hunk: h, reason: stub });
        continue;
      }
      for (const s of secs) {
        const changedTop = s.top.filter((l) => l.tag !== ' ');
        if (changedTop.length && codeChanged(h, changedTop)) notes.push(`outside any modelled function: patch line ${changedTop[0]!.at} (\`${changedTop[0]!.text.trim()}\`)`);
        if (!s.name) continue;
        const changedLines = [...s.sig, ...s.body].filter((l) => l.tag !== ' ');
        if (!changedLines.length || !codeChanged(h, changedLines)) continue;
        const key = `${h.file}\0${s.name}`;
        const have = staged.get(key) ?? current.get(key) ?? byKey.get(key);
        const isNew = s.sig.length > 0 && s.sig.every((l) => l.tag === '+') && s.body.every((l) => l.tag === '+');
        if (!have && !isNew) {
          notes.push(`${s.name}() is not modelled (outside the model)`);
          continue;
        }
        const pending: BuildCtx['calls'] = [];
        let def: FnDef;
        if (!have) {
          const sig = joinSig(s.sig);
          if (!/^static\b/.test(sig)) notes.push(`${s.name}() is new and not static`);
          const params = paramsOf(sig);
          if (!params) throw new Refusal(`hunk ${h.index}: new function ${s.name}(): cannot read its parameters from \`${sig}\``);
          def = { name: s.name, file: h.file, version: o.version ?? label, source: `added by the patch "${label}"`, params, signature: sig, body: [] };
        } else def = have;
        // The tree the patch was made against may name the parameters differently.
        const oldSig = s.sig.filter((l) => l.tag !== '+');
        const oldParams = oldSig.length ? paramsOf(joinSig(oldSig)) : headerName(h.context) === s.name && parenDelta(h.context) === 0 ? paramsOf(h.context) : undefined;
        if (have && oldParams && oldParams.length === def.params.length) {
          const map = new Map<string, string>();
          def.params.forEach((p, i) => {
            if (oldParams[i] && oldParams[i] !== p) map.set(p, oldParams[i]!);
          });
          if (map.size) {
            notes.push(`${s.name}(): parameter${map.size > 1 ? 's' : ''} ${[...map].map(([a, b]) => `${a} renamed ${b}`).join(', ')} as the patch's tree names ${map.size > 1 ? 'them' : 'it'}`);
            def = renameParams(def, map);
          }
        } else if (have && oldParams && oldParams.length !== def.params.length) {
          throw new Refusal(`hunk ${h.index}: ${s.name}() has parameters (${oldParams.join(', ')}) in the patch and (${def.params.join(', ')}) in the model`);
        }
        const useLines = JSON.stringify(def.body).includes('"line":');
        const ctx: BuildCtx = { fn: s.name, hunk: h.index, calls: pending, ghosts: o.ghosts?.get(s.name), notes };
        const body = isNew ? build(newItems(s.body, useLines), ctx) : applySection(def, s, h, useLines, ctx);
        const sigChanged = s.sig.some((l) => l.tag !== ' ');
        const orig = byKey.get(key);
        const again = staged.has(key) || current.has(key);
        let next: FnDef = {
          ...def,
          body,
          version: o.version ?? (orig && !again ? `${orig.version}+${label}` : def.version),
          ...(isNew || again ? {} : { source: `${def.source}; patched by "${label}"` }),
        };
        if (sigChanged && !isNew) {
          const sig = joinSig(s.sig.filter((l) => l.tag !== '-'));
          const params = paramsOf(sig);
          if (!params) throw new Refusal(`hunk ${h.index}: ${s.name}(): cannot read the new signature \`${sig}\``);
          next = { ...next, signature: sig, params };
        }
        lastHunk.set(key, h);
        for (const c of pending) calls.push({ ...c, hunk: h, fn: s.name });
        staged.set(key, next);
        touched.push(s.name);
      }
      for (const [k, f] of staged) {
        if (!current.has(k) && !order.includes(k)) order.push(k);
        current.set(k, f);
      }
      if (touched.length) outcomes.push({ kind: 'applied', hunk: h, fns: touched, notes });
      else outcomes.push({ kind: 'outside', hunk: h, reason: notes.join('; ') || 'changes only comments or blank lines' });
    } catch (e) {
      if (e instanceof Refusal) outcomes.push({ kind: 'refused', hunk: h, reason: e.message });
      else throw e;
    }
  }
  // Each changed function compiles once every hunk is in (a goto may come a hunk before its label).
  for (const [k, f] of current) {
    const h = lastHunk.get(k)!;
    try {
      compileFn(f, { isPrimitive: o.isPrimitive, isGlobal: o.isGlobal ?? (() => false) });
    } catch (e) {
      if (!(e instanceof CompileError)) throw e;
      const i = outcomes.findIndex((x) => x.hunk === h);
      outcomes[i] = { kind: 'refused', hunk: h, reason: `hunk ${h.index}: the patched ${f.name}() does not compile: ${e.message}` };
    }
  }
  // Calls in added statements: a primitive, a modelled function, or one the patch adds.
  const known = new Set<string>([...o.fns.map((f) => f.name), ...[...current.values()].map((f) => f.name), 'likely', 'unlikely']);
  for (const c of calls) {
    const f = [...current.values()].find((x) => x.name === c.fn);
    const local = f?.params.includes(c.name);
    if (known.has(c.name) || o.isPrimitive(c.name) || local) continue;
    const i = outcomes.findIndex((x) => x.hunk === c.hunk);
    const reason = `hunk ${c.hunk.index}: ${c.fn}(), patch line ${c.at ?? c.hunk.at}: \`${c.name}()\` is not modelled: declare whether it may sleep and what it touches (--declare FILE.json, docs/patches.md)`;
    if (i >= 0 && outcomes[i]!.kind !== 'refused') outcomes[i] = { kind: 'refused', hunk: c.hunk, reason };
  }
  const applied = !outcomes.some((x) => x.kind === 'refused');
  const changed = applied ? order.map((k) => current.get(k)!) : [];
  const fns = applied ? [...o.fns.map((f) => current.get(`${f.file}\0${f.name}`) ?? f), ...changed.filter((f) => !byKey.has(`${f.file}\0${f.name}`))] : o.fns;
  return { patch, outcomes, applied, changed, fns };
}

/**
 * Whether a hunk is in code of another configuration than the model's: its context shows a
 * modelled function whole (from its `{` to its `}`) with no statement where the model's has some,
 * as the `#else` stubs of a header (`static inline void f(...) { }` for CONFIG_MMU_NOTIFIER=n) do.
 * Returns the reason, for the hunk's "outside the model" line.
 */
function otherConfiguration(secs: readonly Section[], modelled: (name: string) => FnDef | undefined): string | undefined {
  for (const s of secs) {
    if (!s.name || !s.opens || !s.closes || s.body.some((l) => l.tag !== ' ')) continue;
    const def = modelled(s.name);
    if (!def || !def.body.length) continue;
    if (units(s.body.map((l) => l.text)).length) continue;
    return `its context shows ${s.name}() with an empty body where the model's has statements: the code of another configuration (an #else stub), not the model's`;
  }
  return undefined;
}

/** The items of a function the patch adds whole. */
function newItems(body: readonly PatchLine[], useLines: boolean): Item[] {
  const N = viewUnits(body, 'N');
  return N.us.map((u) => {
    const line = N.lines[u.first]!;
    return {
      kind: u.kind,
      key: u.key,
      unit: u,
      at: line.at,
      ...(useLines && line.newLine !== undefined ? { newLine: line.newLine } : {}),
      ...(u.elif ? { elif: true } : {}),
    };
  });
}
