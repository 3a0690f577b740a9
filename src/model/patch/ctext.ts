/**
 * Kernel C text as a patch shows it, cut into the units the model's statements are: simple
 * statements (up to their `;`), control heads (`if (...)`, `while (...)`, `for (...)`, a
 * `list_for_each_entry(...)` walk), `else`, `do`, the `while (...);` that ends a do loop, labels,
 * and braces. Comments are dropped (a hunk may start or end inside one); whitespace does not count.
 *
 * {@link canonical} then gives every body its braces (`if (x)\n\tfoo();` becomes `if (x) { foo(); }`,
 * `else if` becomes `else { if ... }`), so that kernel text and the model's statements, which always
 * nest, can be compared item by item.
 */

const OPS = [
  '...', '<<=', '>>=', '->', '++', '--', '+=', '-=', '*=', '/=', '|=', '&=', '^=', '<<', '>>', '==', '!=', '<=', '>=', '&&', '||',
  '(', ')', ',', ';', '!', '&', '*', '+', '-', '/', '%', '<', '>', '=', '?', ':', '.', '|', '^', '~', '[', ']', '{', '}', '#',
];

export interface Tok {
  readonly v: string;
  /** Index of the line (in the list given to {@link tokenizeLines}) and columns in its raw text. */
  readonly line: number;
  readonly col: number;
  readonly end: number;
}

/** The tokens of a C text, comments and whitespace dropped (string literals are one token). */
export function tokens(text: string): string[] {
  return tokenizeLines([text]).toks.map((t) => t.v);
}

/** A normalised key: the tokens joined by one space. */
export function keyOf(text: string): string {
  return tokens(text).join(' ');
}

/**
 * Tokenize lines of C, dropping comments. `startsInComment`: the first line may be inside a block
 * comment; it is taken to be when a `*\/` comes before any `/*` (a hunk that starts in a comment).
 * Preprocessor lines (`#define ...`) are reported in `pp` and give no tokens.
 */
export function tokenizeLines(lines: readonly string[]): { toks: Tok[]; pp: number[] } {
  const toks: Tok[] = [];
  const pp: number[] = [];
  const all = lines.join('\n');
  const close = all.indexOf('*/');
  const open = all.indexOf('/*');
  let inComment = close >= 0 && (open < 0 || close < open);
  lines.forEach((raw, li) => {
    let i = 0;
    if (!inComment && /^\s*#/.test(raw)) {
      pp.push(li);
      return;
    }
    while (i < raw.length) {
      if (inComment) {
        const e = raw.indexOf('*/', i);
        if (e < 0) return;
        inComment = false;
        i = e + 2;
        continue;
      }
      const ch = raw[i]!;
      if (/\s/.test(ch)) {
        i++;
        continue;
      }
      if (raw.startsWith('/*', i)) {
        inComment = true;
        i += 2;
        continue;
      }
      if (raw.startsWith('//', i)) return;
      if (ch === '"' || ch === "'") {
        let j = i + 1;
        while (j < raw.length && raw[j] !== ch) j += raw[j] === '\\' ? 2 : 1;
        toks.push({ v: raw.slice(i, j + 1), line: li, col: i, end: Math.min(j + 1, raw.length) });
        i = j + 1;
        continue;
      }
      const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(raw.slice(i));
      if (id) {
        toks.push({ v: id[0], line: li, col: i, end: i + id[0].length });
        i += id[0].length;
        continue;
      }
      const num = /^(0x[0-9a-fA-F]+|[0-9]+)[uUlL]*/.exec(raw.slice(i));
      if (num) {
        toks.push({ v: String(Number(num[1])), line: li, col: i, end: i + num[0].length });
        i += num[0].length;
        continue;
      }
      const op = OPS.find((o) => raw.startsWith(o, i)) ?? ch;
      toks.push({ v: op, line: li, col: i, end: i + op.length });
      i += op.length;
    }
  });
  return { toks, pp };
}

export type UnitKind = 'stmt' | 'label' | 'if' | 'while' | 'for' | 'foreach' | 'else' | 'do' | 'dotail' | '{' | '}' | 'partial' | 'unsupported';

/** One unit of kernel text. */
export interface Unit {
  readonly kind: UnitKind;
  /** Normalised tokens (see {@link keyOf}); braces and `else`/`do` have their own. */
  readonly key: string;
  /** The C text as written (lines joined by one space); for heads, the whole head. */
  readonly text: string;
  /** For `if`/`while`/`dotail`: the condition's text; for `for`: the text inside the parentheses; for `foreach`: the macro. */
  readonly inner?: string;
  /** Line indices it spans. */
  readonly first: number;
  readonly last: number;
  /** A brace the text does not write ({@link canonical}); `elif`: the brace of an `else if`. */
  readonly implicit?: boolean;
  readonly elif?: boolean;
}

/** The raw text of tokens `a..b` (inclusive), lines joined by one space. */
function textOf(lines: readonly string[], toks: readonly Tok[], a: number, b: number): string {
  const s = toks[a]!;
  const e = toks[b]!;
  if (s.line === e.line) return lines[s.line]!.slice(s.col, e.end);
  const parts = [lines[s.line]!.slice(s.col).trimEnd()];
  for (let l = s.line + 1; l < e.line; l++) parts.push(lines[l]!.trim());
  parts.push(lines[e.line]!.slice(0, e.end).trim());
  return parts
    .map((p) => p.replace(/\/\/.*$/, '').trim())
    .filter((p) => p !== '')
    .join(' ');
}

/** Cut lines of C (a function body, or part of one) into units. */
export function units(lines: readonly string[]): Unit[] {
  const { toks } = tokenizeLines(lines);
  const out: Unit[] = [];
  let i = 0;
  const matchParen = (open: number): number => {
    let d = 0;
    for (let k = open; k < toks.length; k++) {
      if (toks[k]!.v === '(') d++;
      else if (toks[k]!.v === ')' && --d === 0) return k;
    }
    return -1;
  };
  const unit = (kind: UnitKind, a: number, b: number, inner?: string): void => {
    const key = toks
      .slice(a, b + 1)
      .map((t) => t.v)
      .join(' ');
    const u: Unit = { kind, key, text: textOf(lines, toks, a, b), first: toks[a]!.line, last: toks[b]!.line, ...(inner === undefined ? {} : { inner }) };
    out.push(u);
  };
  while (i < toks.length) {
    const t = toks[i]!;
    const next = toks[i + 1];
    if (t.v === '{' || t.v === '}') {
      unit(t.v, i, i);
      i++;
      continue;
    }
    if (t.v === 'else' || t.v === 'do') {
      unit(t.v, i, i);
      i++;
      continue;
    }
    if ((t.v === 'if' || t.v === 'while' || t.v === 'for' || t.v === 'switch') && next?.v === '(') {
      const e = matchParen(i + 1);
      if (e < 0) {
        unit('partial', i, toks.length - 1);
        break;
      }
      const inner = textOf(lines, toks, i + 2, e - 1 >= i + 2 ? e - 1 : i + 2);
      if (t.v === 'switch') unit('unsupported', i, e, inner);
      else if (t.v === 'while' && toks[e + 1]?.v === ';') {
        unit('dotail', i, e + 1, e - 1 >= i + 2 ? inner : '');
        i = e + 2;
        continue;
      } else unit(t.v as 'if' | 'while' | 'for', i, e, e - 1 >= i + 2 ? inner : '');
      i = e + 1;
      continue;
    }
    if ((t.v === 'case' || t.v === 'default') && out.length >= 0) {
      let e = i;
      while (e < toks.length && toks[e]!.v !== ':') e++;
      unit('unsupported', i, Math.min(e, toks.length - 1));
      i = e + 1;
      continue;
    }
    if (/^[A-Za-z_]/.test(t.v) && next?.v === ':' && toks[i + 2]?.v !== ':') {
      unit('label', i, i + 1);
      i += 2;
      continue;
    }
    if (/^[A-Za-z_]\w*$/.test(t.v) && next?.v === '(' && /for_each/.test(t.v)) {
      const e = matchParen(i + 1);
      if (e < 0) {
        unit('partial', i, toks.length - 1);
        break;
      }
      if (toks[e + 1]?.v !== ';') {
        unit('foreach', i, e, textOf(lines, toks, i, e));
        i = e + 1;
        continue;
      }
    }
    // A simple statement: up to the `;` outside parentheses. Braces after `=` (an initializer,
    // `struct ttm_operation_ctx ctx = { false, false };`) belong to the statement.
    let d = 0;
    let init = 0;
    let e = i;
    for (; e < toks.length; e++) {
      const v = toks[e]!.v;
      if (v === '(' || v === '[') d++;
      else if (v === ')' || v === ']') d--;
      else if (v === '{' && (init > 0 || (e > i && toks[e - 1]!.v === '='))) init++;
      else if (v === '}' && init > 0) init--;
      else if (v === ';' && d <= 0) break;
      else if ((v === '{' || v === '}') && d <= 0) {
        e--;
        break;
      }
    }
    if (e >= toks.length || toks[e]?.v !== ';') {
      unit('partial', i, Math.min(Math.max(e, i), toks.length - 1));
      i = Math.max(e, i) + 1;
      continue;
    }
    unit('stmt', i, e);
    i = e + 1;
  }
  return out;
}

const HEADS = new Set<UnitKind>(['if', 'while', 'for', 'foreach']);

/**
 * Give every body of a control statement its braces: an implicit `{` after a head not followed by
 * one, and the implicit `}` after the statement that is its body. A body that the text cuts off (the
 * unit list ends first) gets no implicit braces: what is not there is not guessed.
 */
export function canonical(list: readonly Unit[]): Unit[] {
  const out: Unit[] = [];
  let i = 0;
  const brace = (kind: '{' | '}', at: number, elif = false): Unit => ({ kind, key: kind, text: kind, first: at, last: at, implicit: true, ...(elif ? { elif: true } : {}) });
  /** Copy one statement; returns false when the list ended inside it. */
  const stmt = (): boolean => {
    const u = list[i];
    if (!u) return false;
    if (u.kind === '{') {
      out.push(u);
      i++;
      while (i < list.length && list[i]!.kind !== '}') if (!stmt()) return false;
      if (i >= list.length) return false;
      out.push(list[i++]!);
      return true;
    }
    if (HEADS.has(u.kind)) {
      out.push(u);
      i++;
      if (!body(u.last)) return false;
      if (u.kind === 'if' && list[i]?.kind === 'else') {
        const e = list[i++]!;
        out.push(e);
        return body(e.last, list[i]?.kind === 'if');
      }
      return true;
    }
    if (u.kind === 'do') {
      out.push(u);
      i++;
      if (!body(u.last)) return false;
      if (list[i]?.kind === 'dotail') out.push(list[i++]!);
      return true;
    }
    out.push(u);
    i++;
    return u.kind !== 'partial';
  };
  const body = (at: number, elif = false): boolean => {
    const u = list[i];
    if (!u) return false;
    if (u.kind === '{') return stmt();
    const mark = out.length;
    out.push(brace('{', at, elif));
    if (!stmt()) {
      out.splice(mark, 1);
      return false;
    }
    out.push(brace('}', out[out.length - 1]!.last));
    return true;
  };
  while (i < list.length) {
    const before = i;
    stmt();
    if (i === before) out.push(list[i++]!);
  }
  return out;
}

/**
 * Whether a model statement's key matches a kernel text's key. A `...` in the model's text (an
 * argument list it elides, `pr_info("...", ...)`) stands for the rest of that argument list.
 */
export function keysMatch(model: string, kernel: string): boolean {
  if (model === kernel) return true;
  const m = model.split(' ');
  const k = kernel.split(' ');
  let a = 0;
  let b = 0;
  while (a < m.length && b < k.length) {
    if (m[a] === '...') {
      let d = 0;
      while (b < k.length) {
        const v = k[b]!;
        if (v === '(' || v === '[') d++;
        else if (v === ')' || v === ']') {
          if (d === 0) break;
          d--;
        }
        b++;
      }
      a++;
      continue;
    }
    if (m[a] !== k[b]) return false;
    a++;
    b++;
  }
  return a === m.length && b === k.length;
}
