/**
 * An independent reader of the kernel model's canonical encoding, for the encoding tests.
 *
 * `decodeState` parses the value sequence that `KernelModel.encode` feeds an {@link Encoder} back
 * into a {@link KState}. It is written from the format, not from the encoder: it shares no code with
 * `encode` or `encodeValue`, and its table of known strings is rebuilt here from the program. If
 * `decodeState(encode(s))` deep-equals `s` for a set of states, the encoding is injective on that
 * set (two different states cannot feed the same sequence, since one sequence decodes to one state).
 *
 * The format, as this reader expects it (every item is an `int` unless marked):
 *
 *   state   = nThreads thread* memValue*(one per program.memKeys, in order) lock*(one per
 *             program.lockKeys, in order) nPairs pair*
 *   thread  = nFrames srcu pending(0|1) frame*
 *   frame   = fn pc dest ctx op nLocals value*
 *   op      = 0 (no op frame) | kind(1 start, 2 end, 3 release, 4 interval invalidate) value(nid) start end blockable mayfail
 *   lock    = owner (mutex, spin) | writer nReaders reader* nWaiters (tid bool(write) bool(nonOwner))* (rwsem)
 *   pair    = tid value(nid) start end blockable mayfail ret
 *   value   = 0 (NULL) | 1 n (a number) | 2 str(s) (a string the program does not know) |
 *             3 id (the string with that index in the program's sorted table of known strings)
 */
import type { Encoder } from '../../src/checker/model.ts';
import type { Program } from '../../src/model/lang/program.ts';
import type { Frame, KState, LockState, OpFrame, PairRecord, RwsemWaiter, ThreadState, Value } from '../../src/model/lang/state.ts';

/** One item of an encoding, as the encoder fed it. */
export type Token = { readonly t: 'int'; readonly v: number } | { readonly t: 'str'; readonly v: string } | { readonly t: 'bool'; readonly v: boolean };

/** An encoder was fed a value of the wrong type (the engine would coerce it silently: `undefined` hashes as 0). */
export class IllTypedEncoding extends Error {}

/**
 * Records the items an encoding feeds, as the engine sees them: an `int` is taken modulo 2^32 (as
 * {@link Encoder} documents and the fingerprint encoder does), so a number outside the 32-bit range
 * is recorded as what the engine hashes, not as what the state holds. A value of the wrong type
 * (`int(undefined)`, `str(5)`) throws {@link IllTypedEncoding}.
 */
export class TokenRecorder implements Encoder {
  readonly tokens: Token[] = [];
  int(value: number): void {
    if (typeof value !== 'number') throw new IllTypedEncoding(`int(${String(value)}) after ${this.tokens.length} items`);
    this.tokens.push({ t: 'int', v: value | 0 });
  }
  str(value: string): void {
    if (typeof value !== 'string') throw new IllTypedEncoding(`str(${String(value)}) after ${this.tokens.length} items`);
    this.tokens.push({ t: 'str', v: value });
  }
  bool(value: boolean): void {
    if (typeof value !== 'boolean') throw new IllTypedEncoding(`bool(${String(value)}) after ${this.tokens.length} items`);
    this.tokens.push({ t: 'bool', v: value });
  }
}

/** The items `encode(state)` feeds. */
export function tokensOf<S>(model: { encode(state: S, e: Encoder): void }, state: S): Token[] {
  const r = new TokenRecorder();
  model.encode(state, r);
  return r.tokens;
}

/** A token list as one string (typed, so `int 1` and `bool true` differ): the encoding, for comparisons. */
export function tokenKey(tokens: readonly Token[]): string {
  return tokens.map((k) => (k.t === 'int' ? `i${k.v}` : k.t === 'bool' ? (k.v ? 'T' : 'F') : `s${k.v.length}:${k.v}`)).join(',');
}

/**
 * The strings the program knows in advance, in the order whose index the encoding uses: every
 * static key and string static value, every shared-variable and lock key, string initial values of
 * shared memory and string thread arguments — each with all of its dotted prefixes (`a.b.c` brings
 * `a` and `a.b`) — plus function names, notifier ids, thread tasks and string constants as they
 * are; sorted by UTF-16 code units.
 */
export function knownStrings(p: Program): string[] {
  const names = new Set<string>();
  const withPrefixes = (s: string): void => {
    for (let i = s.indexOf('.'); i !== -1; i = s.indexOf('.', i + 1)) names.add(s.slice(0, i));
    names.add(s);
  };
  const stringsIn = (v: unknown): string[] => (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
  for (const [k, v] of Object.entries(p.spec.statics)) {
    withPrefixes(k);
    stringsIn(v).forEach(withPrefixes);
  }
  p.memKeys.forEach(withPrefixes);
  Object.values(p.spec.mem).flatMap(stringsIn).forEach(withPrefixes);
  p.lockKeys.forEach(withPrefixes);
  for (const f of p.fns) names.add(f.def.name);
  for (const n of p.spec.notifiers) names.add(n.id);
  for (const t of p.spec.threads) {
    names.add(t.task);
    t.args.flatMap(stringsIn).forEach(withPrefixes);
  }
  Object.values(p.spec.constants).flatMap(stringsIn).forEach((s) => names.add(s));
  return [...names].sort();
}

export class DecodeError extends Error {}

const OP_KINDS: readonly (OpFrame['kind'] | undefined)[] = [undefined, 'invalidate_range_start', 'invalidate_range_end', 'release', 'invalidate'];

/** What the decoder needs of the program: its static tables. */
export interface DecodeTables {
  readonly memKeys: readonly string[];
  readonly lockKeys: readonly string[];
  readonly lockKinds: Readonly<Record<string, LockState['kind']>>;
  readonly strings: readonly string[];
}

export function decodeTables(p: Program): DecodeTables {
  return { memKeys: p.memKeys, lockKeys: p.lockKeys, lockKinds: p.spec.locks, strings: knownStrings(p) };
}

/** Parse an encoding back into a state; throws {@link DecodeError} if the items do not fit the format. */
export function decodeState(tokens: readonly Token[], tables: DecodeTables): KState {
  let pos = 0;
  const fail = (what: string): never => {
    throw new DecodeError(`item ${pos}: ${what} (items: ${tokenKey(tokens.slice(Math.max(0, pos - 4), pos + 4))})`);
  };
  const next = (): Token => (pos < tokens.length ? tokens[pos++]! : fail('the encoding ends too early'));
  const int = (): number => {
    const k = next();
    if (k.t !== 'int') fail(`expected an int, found a ${k.t}`);
    return k.v as number;
  };
  const count = (): number => {
    const n = int();
    if (n < 0 || n > 10_000) fail(`implausible count ${n}`);
    return n;
  };
  const bool = (): boolean => {
    const k = next();
    if (k.t !== 'bool') fail(`expected a bool, found a ${k.t}`);
    return k.v as boolean;
  };
  const value = (): Value => {
    const tag = int();
    switch (tag) {
      case 0:
        return null;
      case 1:
        return int();
      case 2: {
        const k = next();
        if (k.t !== 'str') fail(`expected the string of an unknown-string value, found a ${k.t}`);
        const s = k.v as string;
        if (tables.strings.includes(s)) fail(`the known string ${JSON.stringify(s)} is encoded in full`);
        return s;
      }
      case 3: {
        const id = int();
        const s = tables.strings[id];
        if (s === undefined) fail(`no known string has index ${id}`);
        return s!;
      }
      default:
        return fail(`unknown value tag ${tag}`);
    }
  };
  const str = (): string => {
    const v = value();
    if (typeof v !== 'string') fail(`expected a string value, found ${JSON.stringify(v)}`);
    return v as string;
  };
  const times = <T>(n: number, f: () => T): T[] => Array.from({ length: n }, f);

  const frame = (): Frame => {
    const fn = int();
    const pc = int();
    const dest = int();
    const ctx = int();
    const kindTag = int();
    let op: OpFrame | undefined;
    if (kindTag !== 0) {
      const kind = OP_KINDS[kindTag] ?? fail(`unknown op kind ${kindTag}`);
      const nid = str();
      const start = int();
      const end = int();
      const blockable = int();
      const mayfail = int();
      op = { kind, nid, start, end, blockable, mayfail };
    }
    const locals = times(count(), value);
    return op ? { fn, pc, locals, dest, ctx, op } : { fn, pc, locals, dest, ctx };
  };
  const thread = (): ThreadState => {
    const nFrames = count();
    const srcu = int();
    const pending = int();
    if (pending !== 0 && pending !== 1) fail(`a thread's pending flag is ${pending}`);
    return { frames: times(nFrames, frame), srcu, pending: pending === 1 };
  };
  const lock = (key: string): LockState => {
    const kind = tables.lockKinds[key];
    switch (kind) {
      case 'mutex':
      case 'spin':
        return { kind, owner: int() };
      case 'rwsem': {
        const writer = int();
        const readers = times(count(), int);
        const waiters = times(count(), (): RwsemWaiter => {
          const tid = int();
          const write = bool();
          return bool() ? { tid, write, nonOwner: true } : { tid, write };
        });
        return { kind, writer, readers, waiters };
      }
      default:
        return fail(`lock ${key} has no kind in the program`);
    }
  };
  const pair = (): PairRecord => {
    const tid = int();
    const nid = str();
    const start = int();
    const end = int();
    const blockable = int();
    const mayfail = int();
    const ret = int();
    return { tid, nid, start, end, blockable, mayfail, ret };
  };

  const threads = times(count(), thread);
  const mem: Record<string, Value> = {};
  for (const k of tables.memKeys) mem[k] = value();
  const locks: Record<string, LockState> = {};
  for (const k of tables.lockKeys) locks[k] = lock(k);
  const pairs = times(count(), pair);
  if (pos !== tokens.length) fail(`${tokens.length - pos} items left over after the last open pair`);
  return { threads, mem, locks, pairs };
}

/** Canonical texts of the objects and arrays of states already seen (states are immutable). */
const canonMemo = new WeakMap<object, string>();

/**
 * A canonical text of a value, for structural equality: object keys sorted, properties whose value
 * is `undefined` left out (an absent optional field), numbers written so that NaN, Infinity and
 * non-integers stay distinct from everything else. `-0` is written as `0`: the model's C has one
 * zero, and the interpreter compares values with `===`. States are immutable, so with `memo` the
 * text of each object is remembered (successor states share most of their parts); pass false for a
 * state that is looked at once.
 */
export function canonical(v: unknown, memo = true): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'number':
      return Object.is(v, -0) ? '0' : String(v);
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object': {
      const known = memo ? canonMemo.get(v) : undefined;
      if (known !== undefined) return known;
      let text: string;
      if (Array.isArray(v)) text = `[${v.map((x) => canonical(x, memo)).join(',')}]`;
      else {
        const o = v as Record<string, unknown>;
        const keys = Object.keys(o)
          .filter((k) => o[k] !== undefined)
          .sort();
        text = `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(o[k], memo)}`).join(',')}}`;
      }
      if (memo) canonMemo.set(v, text);
      return text;
    }
    default:
      throw new Error(`canonical: a ${typeof v} in a state`);
  }
}
