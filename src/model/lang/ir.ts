/**
 * The step IR: kernel code as data.
 *
 * A modelled kernel function is a {@link FnDef}: its name, the file it lives in, the kernel version
 * it mirrors, its parameters and a body of {@link Stmt}s. Every statement carries the C line it
 * stands for, as text (and, where known, the line number in the cited version). Simple statements
 * and conditions are *written as C* and parsed here by a parser for a small C subset, so the model
 * reads like the kernel source and a parser for kernel C could one day produce it wholesale:
 *
 * ```ts
 * if_('!mutex_trylock(&amn->read_lock)', [c('return -EAGAIN;')])
 * ```
 *
 * `compile.ts` lowers the structured body to a flat instruction list (one instruction = one atomic
 * step of a thread), and `interp.ts` executes it.
 */

import { internalized } from './intern.ts';

// ---------------------------------------------------------------------------------------------
// Expressions

export type Expr =
  | { readonly k: 'num'; readonly v: number }
  | { readonly k: 'null' }
  /** A string literal (format strings of pr_info and the like). */
  | { readonly k: 'str'; readonly v: string }
  /** An identifier: a local, a parameter, or a named constant (EAGAIN, MAX_OOM_REAP_RETRIES, ...). */
  | { readonly k: 'id'; readonly name: string }
  /** `obj->field` (also `obj.field`): `obj` evaluates to an object id. */
  | { readonly k: 'field'; readonly obj: Expr; readonly field: string; /** Written `obj.field` in the C (printed so; evaluated as `->`). */ readonly dot?: true }
  /** `&e`: the model names objects, so taking an address is the identity. */
  | { readonly k: 'addr'; readonly e: Expr }
  | { readonly k: 'unary'; readonly op: '!' | '-' | '~'; readonly e: Expr }
  | { readonly k: 'bin'; readonly op: BinOp; readonly a: Expr; readonly b: Expr }
  | { readonly k: 'cond'; readonly c: Expr; readonly a: Expr; readonly b: Expr }
  /** `f(args)`: a primitive (see primitives.ts), a modelled function, or a call through a pointer. */
  | { readonly k: 'call'; readonly callee: Expr; readonly args: readonly Expr[] }
  /** Assignments are expressions in C; statements use them. `op` is '=' or a compound operator. */
  | { readonly k: 'assign'; readonly op: AssignOp; readonly target: Expr; readonly value: Expr }
  /** `x++`, `x--`, `++x`, `--x`. */
  | { readonly k: 'incdec'; readonly op: '++' | '--'; readonly prefix: boolean; readonly target: Expr };

/**
 * The direct subexpressions of `e` other than a call's, in evaluation order (for a call: none; a
 * walker decides itself what of the callee and arguments it visits). Every walk over expressions
 * (the compiler's call lists, the linker's name check, the patch applier) recurses through this.
 */
export function subExprs(e: Expr): readonly Expr[] {
  switch (e.k) {
    case 'field':
      return [e.obj];
    case 'addr':
    case 'unary':
      return [e.e];
    case 'bin':
      return [e.a, e.b];
    case 'cond':
      return [e.c, e.a, e.b];
    case 'assign':
      return [e.target, e.value];
    case 'incdec':
      return [e.target];
    default:
      return [];
  }
}

export type BinOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||' | '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^' | '<<' | '>>';
export type AssignOp = '=' | '+=' | '-=' | '|=' | '&=';

// ---------------------------------------------------------------------------------------------
// Statements

/** Where a statement comes from: the C text it stands for and, if known, its line number. */
export interface Src {
  readonly text: string;
  readonly line?: number;
}

export type Stmt =
  /** An expression statement or a declaration with initialisers (`int ret = 0;`): one step. */
  | { readonly s: 'expr'; readonly src: Src; readonly exprs: readonly Expr[]; readonly ghost?: readonly Expr[] }
  | { readonly s: 'return'; readonly src: Src; readonly value?: Expr; readonly ghost?: readonly Expr[] }
  | {
      readonly s: 'if';
      readonly src: Src;
      readonly cond: Expr;
      /** The kernel's condition as C text, when `cond` is a C-subset stand-in for it ({@link ifAs}): traces show it. */
      readonly condText?: string;
      readonly then: readonly Stmt[];
      readonly else?: readonly Stmt[];
      readonly elseSrc?: Src;
    }
  | { readonly s: 'while'; readonly src: Src; readonly cond: Expr; readonly body: readonly Stmt[] }
  /** `do { body } while (cond);`: the condition may be a comma expression (`pmd++, addr = next, addr != end`). */
  | { readonly s: 'dowhile'; readonly src: Src; readonly body: readonly Stmt[]; readonly steps: readonly Expr[]; readonly cond: Expr }
  /** `for (init; cond; update)`: `init` and `update` are expression lists, either may be empty. */
  | { readonly s: 'for'; readonly src: Src; readonly init: readonly Expr[]; readonly cond?: Expr; readonly update: readonly Expr[]; readonly body: readonly Stmt[] }
  /**
   * A list walk (`list_for_each_entry(pos, head, member)`, `hlist_for_each_entry_rcu(...)`): `iter`
   * is a primitive call that returns the list as an array of object ids; each advance is one step.
   */
  | { readonly s: 'foreach'; readonly src: Src; readonly var: string; readonly list: Expr; readonly body: readonly Stmt[] }
  | { readonly s: 'goto'; readonly src: Src; readonly label: string }
  | { readonly s: 'label'; readonly name: string }
  | { readonly s: 'break'; readonly src: Src }
  | { readonly s: 'continue'; readonly src: Src };

/** A modelled kernel function. */
export interface FnDef {
  readonly name: string;
  /** Source file in the kernel tree, e.g. `mm/oom_kill.c`. */
  readonly file: string;
  /** The kernel version or commit this body mirrors, e.g. `v4.19` or `93065ac753e4`. */
  readonly version: string;
  /** Where the body was read (a seed file, ../shared/kernel/README.md section, an index id). */
  readonly source: string;
  readonly params: readonly string[];
  readonly body: readonly Stmt[];
  /** The C text of the function's first line, e.g. `static bool oom_reap_task_mm(...)`. */
  readonly signature?: string;
  /**
   * Structs the function keeps on its stack and passes by address (`struct mmu_notifier_range
   * range;` ... `mmu_notifier_invalidate_range_start(&range);`), with the fields the model keeps:
   * each field is a local of the function (`range.start`), and `&range` (or `range`) is a reference
   * to this frame's struct that callees dereference (`range->start`), reading and writing the
   * declaring frame's locals. See compile.ts and docs/model.md ("Structs on the stack").
   */
  readonly stack?: Readonly<Record<string, readonly string[]>>;
  /**
   * Parameters the signature declares as pointers to a struct type the code elsewhere keeps on its
   * stack (`struct hmm_range *`), which in this function point to an object in shared memory
   * (amdgpu@v6.6 kzalloc()s its hmm_range): accesses through them are shared, not the thread's own.
   */
  readonly sharedPtrs?: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Tokenizer and parser for the C subset

type Tok = { t: 'id' | 'num' | 'str' | 'op' | 'eof'; v: string };

const OPS = [
  '...', '->', '++', '--', '+=', '-=', '|=', '&=', '<<', '>>', '==', '!=', '<=', '>=', '&&', '||',
  '(', ')', ',', ';', '!', '&', '*', '+', '-', '/', '%', '<', '>', '=', '?', ':', '.', '|', '^', '~', '[', ']', '{', '}',
];

export class ParseError extends Error {
  constructor(message: string, readonly text: string) {
    super(`${message} in C text: ${text}`);
  }
}

function tokenize(text: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new ParseError('unterminated comment', text);
      i = end + 2;
      continue;
    }
    if (text.startsWith('//', i)) break;
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) throw new ParseError('unterminated string', text);
      toks.push({ t: 'str', v: internalized(text.slice(i + 1, j)) });
      i = j + 1;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (id) {
      toks.push({ t: 'id', v: internalized(id[0]) });
      i += id[0].length;
      continue;
    }
    const num = /^(0x[0-9a-fA-F]+|[0-9]+)[uUlL]*/.exec(text.slice(i));
    if (num) {
      toks.push({ t: 'num', v: String(Number(num[1])) });
      i += num[0].length;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (!op) throw new ParseError(`unexpected character '${ch}'`, text);
    toks.push({ t: 'op', v: op });
    i += op.length;
  }
  toks.push({ t: 'eof', v: '' });
  return toks;
}

/** C type words that may start a declaration. `struct X` and `const` are handled too. */
const TYPE_WORDS = new Set([
  'int', 'long', 'unsigned', 'bool', 'u64', 'u32', 'char', 'void', 'short', 'size_t', 'pte_t', 'pmd_t',
  'static', 'const', 'struct', 'enum', 'umem_call_back',
]);

const BIN_PREC: Record<string, number> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6, '<': 7, '<=': 7, '>': 7, '>=': 7, '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
};

class Parser {
  private pos = 0;
  constructor(private readonly toks: Tok[], readonly text: string) {}

  peek(o = 0): Tok {
    return this.toks[Math.min(this.pos + o, this.toks.length - 1)]!;
  }
  next(): Tok {
    return this.toks[this.pos++]!;
  }
  isOp(v: string, o = 0): boolean {
    const t = this.peek(o);
    return t.t === 'op' && t.v === v;
  }
  expectOp(v: string): void {
    const t = this.next();
    if (t.t !== 'op' || t.v !== v) throw new ParseError(`expected '${v}', found '${t.v || 'end'}'`, this.text);
  }
  atEnd(): boolean {
    return this.peek().t === 'eof';
  }

  /** expression := assignment (',' is handled by callers) */
  expr(): Expr {
    return this.assignment();
  }

  private assignment(): Expr {
    const lhs = this.ternary();
    const t = this.peek();
    if (t.t === 'op' && (t.v === '=' || t.v === '+=' || t.v === '-=' || t.v === '|=' || t.v === '&=')) {
      this.next();
      const value = this.assignment();
      return { k: 'assign', op: t.v as AssignOp, target: lhs, value };
    }
    return lhs;
  }

  private ternary(): Expr {
    const c = this.binary(1);
    if (this.isOp('?')) {
      this.next();
      const a = this.assignment();
      this.expectOp(':');
      const b = this.assignment();
      return { k: 'cond', c, a, b };
    }
    return c;
  }

  private binary(minPrec: number): Expr {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      const prec = t.t === 'op' ? BIN_PREC[t.v] : undefined;
      if (prec === undefined || prec < minPrec) return left;
      this.next();
      const right = this.binary(prec + 1);
      left = { k: 'bin', op: t.v as BinOp, a: left, b: right };
    }
  }

  private unary(): Expr {
    const t = this.peek();
    if (t.t === 'op') {
      if (t.v === '!' || t.v === '-' || t.v === '~') {
        this.next();
        return { k: 'unary', op: t.v, e: this.unary() };
      }
      if (t.v === '&') {
        this.next();
        return { k: 'addr', e: this.unary() };
      }
      if (t.v === '*') {
        // Dereferencing a pointer to an object yields the object: the model names objects.
        this.next();
        return this.unary();
      }
      if (t.v === '++' || t.v === '--') {
        this.next();
        return { k: 'incdec', op: t.v, prefix: true, target: this.unary() };
      }
      if (t.v === '(' && this.isCast()) {
        // A cast such as (void) or (struct foo *): the model ignores C types.
        while (!this.isOp(')')) this.next();
        this.next();
        return this.unary();
      }
    }
    return this.postfix();
  }

  /** `(` starts a cast when it is followed by type words and `)` only. */
  private isCast(): boolean {
    let o = 1;
    let sawType = false;
    for (;;) {
      const t = this.peek(o);
      if (t.t === 'id' && (TYPE_WORDS.has(t.v) || sawType)) {
        sawType = true;
        o++;
        continue;
      }
      if (t.t === 'op' && t.v === '*' && sawType) {
        o++;
        continue;
      }
      return sawType && t.t === 'op' && t.v === ')';
    }
  }

  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      if (this.isOp('->') || this.isOp('.')) {
        const dot = this.isOp('.');
        this.next();
        const f = this.next();
        if (f.t !== 'id') throw new ParseError('expected a field name', this.text);
        e = dot ? { k: 'field', obj: e, field: f.v, dot: true } : { k: 'field', obj: e, field: f.v };
      } else if (this.isOp('(')) {
        this.next();
        const args: Expr[] = [];
        if (!this.isOp(')')) {
          for (;;) {
            if (this.isOp('...')) {
              // An elided argument list in the C text (`pr_info("...", ...)`): the model drops it.
              this.next();
              break;
            }
            args.push(this.argument());
            if (this.isOp(',')) {
              this.next();
              continue;
            }
            break;
          }
        }
        this.expectOp(')');
        e = { k: 'call', callee: e, args };
      } else if (this.isOp('++') || this.isOp('--')) {
        const op = this.next().v as '++' | '--';
        e = { k: 'incdec', op, prefix: false, target: e };
      } else {
        return e;
      }
    }
  }

  /** A call argument: an expression, or a bare type such as in `container_of(mn, struct amdgpu_mn, mn)`. */
  private argument(): Expr {
    const t = this.peek();
    if (t.t === 'id' && (t.v === 'struct' || t.v === 'enum')) {
      this.next();
      const name = this.next();
      while (this.isOp('*')) this.next();
      return { k: 'id', name: `struct ${name.v}` };
    }
    return this.expr();
  }

  private primary(): Expr {
    const t = this.next();
    if (t.t === 'num') return { k: 'num', v: Number(t.v) };
    if (t.t === 'str') {
      // Adjacent literals concatenate, as in C.
      let v = t.v;
      while (this.peek().t === 'str') v += this.next().v;
      return { k: 'str', v };
    }
    if (t.t === 'id') {
      if (t.v === 'NULL') return { k: 'null' };
      if (t.v === 'true') return { k: 'num', v: 1 };
      if (t.v === 'false') return { k: 'num', v: 0 };
      return { k: 'id', name: t.v };
    }
    if (t.t === 'op' && t.v === '(') {
      const e = this.expr();
      this.expectOp(')');
      return e;
    }
    throw new ParseError(`unexpected '${t.v || 'end'}'`, this.text);
  }

  /**
   * A declaration `TYPE name [= init] {, name [= init]};` when the tokens start with a type word;
   * returns the initialisers as assignments (declarations without one produce nothing), or
   * undefined when this is not a declaration.
   */
  declaration(): Expr[] | undefined {
    const first = this.peek();
    // A typedef name (`gfn_t`, `kvm_pfn_t`) starts a declaration when another identifier follows it.
    const typedef = (o: number): boolean => this.peek(o).t === 'id' && /_t$/.test(this.peek(o).v) && (this.peek(o + 1).t === 'id' || (this.peek(o + 1).t === 'op' && this.peek(o + 1).v === '*'));
    if (first.t !== 'id' || (!TYPE_WORDS.has(first.v) && !typedef(0))) return undefined;
    // Skip type words, `struct tag`, typedef names and `*`.
    while (this.peek().t === 'id' && (TYPE_WORDS.has(this.peek().v) || typedef(0))) {
      const w = this.next().v;
      if (w === 'struct' || w === 'enum') this.next();
    }
    const out: Expr[] = [];
    for (;;) {
      while (this.isOp('*')) this.next();
      const name = this.next();
      if (name.t !== 'id') throw new ParseError('expected a declared name', this.text);
      if (this.isOp('=')) {
        this.next();
        out.push({ k: 'assign', op: '=', target: { k: 'id', name: name.v }, value: this.expr() });
      } else {
        // An uninitialised local starts as 0 in the model (see docs/model.md).
        out.push({ k: 'assign', op: '=', target: { k: 'id', name: name.v }, value: { k: 'num', v: 0 } });
      }
      if (this.isOp(',')) {
        this.next();
        continue;
      }
      return out;
    }
  }
}

/** Parse one C expression. */
export function parseExpr(text: string): Expr {
  const p = new Parser(tokenize(text), text);
  const e = p.expr();
  if (!p.atEnd()) throw new ParseError(`unexpected '${p.peek().v}' after expression`, text);
  return e;
}

/** Parse a simple C statement (`return`, `goto`, `break`, `continue`, a declaration or an expression statement). */
export function parseSimple(text: string, line?: number): Stmt {
  const src: Src = line === undefined ? { text } : { text, line };
  const p = new Parser(tokenize(text), text);
  const t = p.peek();
  let stmt: Stmt;
  if (t.t === 'id' && t.v === 'return') {
    p.next();
    if (p.isOp(';')) stmt = { s: 'return', src };
    else stmt = { s: 'return', src, value: p.expr() };
  } else if (t.t === 'id' && t.v === 'goto') {
    p.next();
    const l = p.next();
    if (l.t !== 'id') throw new ParseError('expected a label', text);
    stmt = { s: 'goto', src, label: l.v };
  } else if (t.t === 'id' && t.v === 'break') {
    p.next();
    stmt = { s: 'break', src };
  } else if (t.t === 'id' && t.v === 'continue') {
    p.next();
    stmt = { s: 'continue', src };
  } else {
    const decl = p.declaration();
    if (decl) {
      stmt = { s: 'expr', src, exprs: decl };
    } else {
      const exprs: Expr[] = [p.expr()];
      while (p.isOp(',')) {
        p.next();
        exprs.push(p.expr());
      }
      stmt = { s: 'expr', src, exprs };
    }
  }
  if (p.isOp(';')) p.next();
  if (!p.atEnd()) throw new ParseError(`unexpected '${p.peek().v}' after statement`, text);
  return stmt;
}

// ---------------------------------------------------------------------------------------------
// Builders: how model files write kernel functions.

/** Where a builder's optional line number goes. */
type LineArg = number | undefined;

/** A simple statement written as C: `c('mutex_unlock(&amn->read_lock);', 188)`. */
export function c(text: string, line?: LineArg): Stmt {
  return parseSimple(text, line);
}

/**
 * A simple statement with ghost effects: model-only bookkeeping (see docs/model.md, "Ghost
 * state") executed atomically with the statement, written as C assignments to `ghost` fields.
 */
export function cg(text: string, line: LineArg, ...ghost: string[]): Stmt {
  const st = parseSimple(text, line);
  const g = ghost.map(parseExpr);
  if (st.s === 'expr') return { ...st, ghost: g };
  if (st.s === 'return') return { ...st, ghost: g };
  throw new ParseError('ghost effects attach to expression statements and returns only', text);
}

/**
 * A simple statement shown as the kernel's C `text` and executed as the C-subset statement `model`:
 * a stand-in for C the model cannot run as written (a store through a pointer to a pointer, an
 * out-parameter, a call the model collapses). Every use names what it stands for in its function's
 * `source`. (drivers/drm_common.ts has the same helper for the DRM drivers.)
 */
export function cAs(text: string, model: string, line?: LineArg): Stmt {
  const st = parseSimple(model, line);
  const src = line === undefined ? { text } : { text, line };
  if (st.s === 'expr' || st.s === 'return') return { ...st, src };
  throw new ParseError('cAs stands in for an expression statement or a return only', model);
}

/** A statement the model shows, with its C text, but does not run: `why` says why, in a model comment after the text. */
export function shown(text: string, why: string): Stmt {
  return { s: 'expr', src: { text: `${text} /* model: ${why} */` }, exprs: [] };
}

/** {@link cAs} with ghost effects: model-only bookkeeping run atomically with the statement. */
export function cAsG(text: string, model: string, ...ghost: string[]): Stmt {
  const st = cAs(text, model);
  if (st.s !== 'expr') throw new Error(`cAsG: ${text} is not an expression statement`);
  return { ...st, ghost: ghost.map(parseExpr) };
}

/** `if (text) { then } [else { otherwise }]`, branching on the C-subset condition `model` (see {@link cAs}). */
export function ifAs(text: string, model: string, then: readonly Stmt[], otherwise?: Else, line?: LineArg): Stmt {
  const base = { s: 'if' as const, src: condSrc(text, line, 'if'), cond: parseExpr(model), condText: text, then };
  if (!otherwise) return base;
  return { ...base, else: otherwise.body, ...(otherwise.src ? { elseSrc: otherwise.src } : {}) };
}

function condSrc(cond: string, line: LineArg, kw: string): Src {
  const text = `${kw} (${cond})`;
  return line === undefined ? { text } : { text, line };
}

/** `if (cond) { then } else { else }`. Pass `else_(...)` or `elif(...)` results as `otherwise`. */
export function if_(cond: string, then: readonly Stmt[], otherwise?: Else, line?: LineArg): Stmt {
  const base = { s: 'if' as const, src: condSrc(cond, line, 'if'), cond: parseExpr(cond), then };
  if (!otherwise) return base;
  return { ...base, else: otherwise.body, ...(otherwise.src ? { elseSrc: otherwise.src } : {}) };
}

/** Same as {@link if_} with the line number first, for readability in long functions. */
export function ifL(line: number, cond: string, then: readonly Stmt[], otherwise?: Else): Stmt {
  return if_(cond, then, otherwise, line);
}

export interface Else {
  readonly body: readonly Stmt[];
  readonly src?: Src;
}

export function else_(body: readonly Stmt[]): Else {
  return { body };
}

/** `else if (cond) { ... }`: an else whose body is one if statement. */
export function elif(cond: string, then: readonly Stmt[], otherwise?: Else, line?: LineArg): Else {
  const inner = if_(cond, then, otherwise, line) as Stmt & { s: 'if' };
  const text = `else if (${cond})`;
  const st: Stmt = { ...inner, src: line === undefined ? { text } : { text, line } };
  return { body: [st] };
}

export function while_(cond: string, body: readonly Stmt[], line?: LineArg): Stmt {
  return { s: 'while', src: condSrc(cond, line, 'while'), cond: parseExpr(cond), body };
}

/**
 * `do { body } while (cond);`. A comma in the condition (`pmd++, addr = next, addr != end`) is
 * C's comma operator: every part but the last is evaluated for its effect, the last is the test.
 */
export function doWhile_(body: readonly Stmt[], cond: string, line?: LineArg): Stmt {
  const parts = splitTopLevel(cond).map((x) => parseExpr(x));
  const text = `} while (${cond});`;
  return { s: 'dowhile', src: line === undefined ? { text } : { text, line }, body, steps: parts.slice(0, -1), cond: parts[parts.length - 1]! };
}

/** `for (init; cond; update) body`, each part written as C (`''` for an empty part). */
export function for_(init: string, cond: string, update: string, body: readonly Stmt[], line?: LineArg): Stmt {
  const text = `for (${init}; ${cond}; ${update})`;
  const list = (s: string): Expr[] => (s.trim() === '' ? [] : splitTopLevel(s).map((x) => parseExpr(x)));
  const base = { s: 'for' as const, src: line === undefined ? { text } : { text, line }, init: list(init), update: list(update), body };
  return cond.trim() === '' ? base : { ...base, cond: parseExpr(cond) };
}

/**
 * A list walk written as the kernel macro, e.g.
 * `foreach('list_for_each_entry(map, &priv->maps, next)', [...])`: the first macro argument is the
 * loop variable, the macro name and the second argument select the list (see primitives.ts).
 */
export function foreach(macro: string, body: readonly Stmt[], line?: LineArg): Stmt {
  const e = parseExpr(macro);
  if (e.k !== 'call' || e.callee.k !== 'id' || e.args.length < 2 || e.args[0]!.k !== 'id') {
    throw new ParseError('expected a list macro such as list_for_each_entry(pos, head, member)', macro);
  }
  const v = (e.args[0] as { name: string }).name;
  const list: Expr = { k: 'call', callee: e.callee, args: e.args.slice(1) };
  return { s: 'foreach', src: line === undefined ? { text: macro } : { text: macro, line }, var: v, list, body };
}

/** Split a comma-separated list at the commas outside parentheses and brackets. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(' || ch === '[') depth++;
    if (ch === ')' || ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export function label(name: string): Stmt {
  return { s: 'label', name };
}

export function fn(def: {
  name: string;
  file: string;
  version: string;
  source: string;
  params: readonly string[];
  signature?: string;
  body: readonly Stmt[];
  stack?: Readonly<Record<string, readonly string[]>>;
  sharedPtrs?: readonly string[];
}): FnDef {
  return def;
}

// ---------------------------------------------------------------------------------------------
// Printing (for golden tests and traces)

export function printExpr(e: Expr): string {
  switch (e.k) {
    case 'num':
      return String(e.v);
    case 'null':
      return 'NULL';
    case 'str':
      return JSON.stringify(e.v);
    case 'id':
      return e.name;
    case 'field':
      return `${printExpr(e.obj)}${e.dot ? '.' : '->'}${e.field}`;
    case 'addr':
      return `&${printExpr(e.e)}`;
    case 'unary':
      return `${e.op}${printExpr(e.e)}`;
    case 'bin':
      return `(${printExpr(e.a)} ${e.op} ${printExpr(e.b)})`;
    case 'cond':
      return `(${printExpr(e.c)} ? ${printExpr(e.a)} : ${printExpr(e.b)})`;
    case 'call':
      return `${printExpr(e.callee)}(${e.args.map(printExpr).join(', ')})`;
    case 'assign':
      return `${printExpr(e.target)} ${e.op} ${printExpr(e.value)}`;
    case 'incdec':
      return e.prefix ? `${e.op}${printExpr(e.target)}` : `${printExpr(e.target)}${e.op}`;
  }
}
