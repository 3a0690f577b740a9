/**
 * The kernel model's canonical encoding is exact: on the states the built-in scenarios reach (and on
 * their one-field neighbours), two states encode equally if and only if they are structurally
 * equal, and an independent decoder (./state-decode.ts) reads every encoding back into the state it
 * came from. The second half checks that these checks have teeth: it removes, one at a time, every
 * line of the encoder (`encodeValue` and the KernelModel methods `encode` walks a state with,
 * ENCODER_FNS in ./encoder-mutants.ts) that contributes to the encoding, loads each mutant
 * of src/model/kernel-model.ts and requires the checks to reject it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { FingerprintEncoder, SplitMix32, StringEncoder, type Encoder } from '../../src/checker/index.ts';
import { KernelModel, type KAction } from '../../src/model/kernel-model.ts';
import type { Program } from '../../src/model/lang/program.ts';
import { builtinNames, loadBuiltin } from '../../src/model/kernel/scenario-file.ts';
import type { Frame, KState, LockState, OpFrame, PairRecord, ThreadState, Value } from '../../src/model/lang/state.ts';
import { scenarioModel } from '../../src/properties/index.ts';
import { variantsOf } from '../../src/report/run.ts';
import { ENCODER_FNS, encoderLines, mutantSource, type MutationSite } from './encoder-mutants.ts';
import { canonical, decodeState, decodeTables, IllTypedEncoding, knownStrings, tokenKey, tokensOf, type DecodeTables } from './state-decode.ts';

// ------------------------------------------------------------------------------------ sampling

/** Distinct states a breadth-first search collects per model before it stops. */
const BFS_STATES = 100;
/** Seeded random walks per model, and their maximal length. */
const WALKS = 3;
const WALK_DEPTH = 200;

interface Sample {
  /** `scenario[/variant] coalesce|no-coalesce`. */
  readonly name: string;
  readonly program: Program;
  readonly model: KernelModel;
  readonly tables: DecodeTables;
  /**
   * Reachable states in the order they were generated, equal states included (each one built
   * separately by the interpreter), so that "equal states encode equally" is tested too.
   */
  readonly reached: readonly KState[];
  /** `canonical` of each state of `reached`. */
  readonly canon: readonly string[];
  /** Reachable states chosen as bases for one-field changes (they cover the features of the sample). */
  readonly bases: readonly KState[];
}

function explore(model: KernelModel, seed: number): { reached: KState[]; canon: string[] } {
  const reached: KState[] = [];
  const canon: string[] = [];
  const seen = new Set<string>();
  const queue: KState[] = [];
  const acts: KAction[] = [];
  const visit = (s: KState): boolean => {
    const c = canonical(s);
    reached.push(s);
    canon.push(c);
    if (seen.has(c)) return false;
    seen.add(c);
    return true;
  };
  for (const s of model.initStates()) if (visit(s)) queue.push(s);
  for (let head = 0; head < queue.length && seen.size < BFS_STATES; head++) {
    const s = queue[head]!;
    acts.length = 0;
    model.actions(s, acts);
    for (const a of acts) {
      const n = model.nextState(s, a);
      if (n && visit(n)) queue.push(n);
    }
  }
  const rng = new SplitMix32(seed);
  for (let w = 0; w < WALKS; w++) {
    let s = model.initStates()[0]!;
    for (let d = 0; d < WALK_DEPTH; d++) {
      acts.length = 0;
      model.actions(s, acts);
      if (!acts.length) break;
      const n = model.nextState(s, acts[rng.below(acts.length)]!);
      if (!n) break;
      visit(n);
      s = n;
    }
  }
  return { reached, canon };
}

/** The features of a state that the one-field changes should start from. */
function features(s: KState, strings: ReadonlySet<string>): string[] {
  const f: string[] = [];
  for (const t of s.threads) {
    if (t.srcu) f.push('srcu');
    if (t.frames.length > 1) f.push('nested-frames');
    for (const fr of t.frames) {
      if (fr.op) f.push(`op-${fr.op.kind}`);
      for (const v of fr.locals) if (typeof v === 'string' && !strings.has(v)) f.push('unknown-string-local');
    }
  }
  if (s.threads.some((t) => !t.frames.length)) f.push('finished-thread');
  for (const v of Object.values(s.mem)) if (typeof v === 'string' && !strings.has(v)) f.push('unknown-string-mem');
  for (const l of Object.values(s.locks)) {
    if (l.kind === 'rwsem') {
      if (l.writer !== -1) f.push('rwsem-writer');
      if (l.readers.length) f.push('rwsem-reader');
      if (l.readers.length > 1) f.push('rwsem-readers');
      if (l.waiters.length) f.push('rwsem-waiter');
    } else if (l.owner !== -1) f.push(`${l.kind}-held`);
  }
  if (s.pairs.length) f.push('pair');
  if (s.pairs.length > 1) f.push('pairs');
  return f;
}

/** Bases per model at most. */
const MAX_BASES = 3;

/** A few states that together show the features the states of `states` show (greedy cover, at most {@link MAX_BASES}). */
function coverBases(states: readonly KState[], canon: readonly string[], strings: ReadonlySet<string>): KState[] {
  const distinct = new Map<string, { s: KState; f: Set<string> }>();
  states.forEach((s, i) => {
    if (!distinct.has(canon[i]!)) distinct.set(canon[i]!, { s, f: new Set(features(s, strings)) });
  });
  const todo = new Set([...distinct.values()].flatMap((x) => [...x.f]));
  const bases: KState[] = [states[0]!];
  while (todo.size && bases.length < MAX_BASES) {
    let best: { s: KState; f: Set<string> } | undefined;
    let bestGain = 0;
    for (const x of distinct.values()) {
      let gain = 0;
      for (const k of x.f) if (todo.has(k)) gain++;
      if (gain > bestGain) {
        best = x;
        bestGain = gain;
      }
    }
    if (!best) break;
    bases.push(best.s);
    for (const k of best.f) todo.delete(k);
  }
  return bases;
}

let samplesMemo: Sample[] | undefined;
/** Every built-in scenario and variant, with and without coalescing. */
function samples(): Sample[] {
  if (samplesMemo) return samplesMemo;
  const out: Sample[] = [];
  let seed = 1;
  for (const file of builtinNames()) {
    for (const { label, scenario } of variantsOf(loadBuiltin(file))) {
      for (const coalesce of [true, false]) {
        const model = scenarioModel(scenario, { coalesce });
        const tables = decodeTables(model.program);
        const { reached, canon } = explore(model, seed++);
        out.push({
          name: `${file}${label ? `/${label}` : ''} ${coalesce ? 'coalesce' : 'no-coalesce'}`,
          program: model.program,
          model,
          tables,
          reached,
          canon,
          // One-field changes start from the more varied states of the models without coalescing.
          bases: coalesce ? [] : coverBases(reached, canon, new Set(tables.strings)),
        });
      }
    }
  }
  samplesMemo = out;
  return out;
}

// ----------------------------------------------------------------------------- one-field changes

const UNKNOWN = 'mnc-test: a string no program knows';
const UNKNOWN2 = 'mnc-test: another one';
/** The next 32-bit integer (wrapping): the encoding's ints are 32-bit, and so are the model's numbers. */
const inc = (x: number): number => (x + 1) | 0;
const NUMBERS = [0, 1, -1, 2, 0x7fff_ffff, -0x8000_0000];

/**
 * Two other values for a slot holding `v`, of kinds that vary with `i`: NULL, a number, a string the
 * program knows, strings it does not know.
 */
function otherValues(v: Value, i: number, strings: readonly string[]): Value[] {
  const cands = [
    null,
    typeof v === 'number' ? inc(v) : NUMBERS[i % NUMBERS.length]!,
    strings[(i * 7919) % strings.length] ?? 'x',
    i % 2 ? UNKNOWN : '',
    UNKNOWN2,
  ].filter((x) => x !== v);
  return [cands[i % cands.length]!, cands[(i + 1) % cands.length]!];
}

function replaceAt<T>(xs: readonly T[], i: number, x: T): T[] {
  return xs.map((y, j) => (j === i ? x : y));
}
function removeAt<T>(xs: readonly T[], i: number): T[] {
  return xs.filter((_, j) => j !== i);
}

const OP_KINDS: readonly OpFrame['kind'][] = ['invalidate_range_start', 'invalidate_range_end', 'release'];

/**
 * States that differ from `s` in exactly one field (or one list entry), over every part of the state:
 * threads, frames and their op frames and locals, shared memory, locks, open pairs.
 */
function neighbours(s: KState, p: Program): KState[] {
  const strings = knownStrings(p);
  const nid = p.spec.notifiers[0]?.id ?? 'mn0';
  const out: KState[] = [];
  const withThread = (ti: number, t: ThreadState): void => void out.push({ ...s, threads: replaceAt(s.threads, ti, t) });
  let slot = 0;
  s.threads.forEach((t, ti) => {
    withThread(ti, { ...t, srcu: inc(t.srcu) });
    withThread(ti, { ...t, pending: !t.pending });
    if (t.frames.length) {
      withThread(ti, { ...t, frames: t.frames.slice(0, -1) });
      withThread(ti, { ...t, frames: [...t.frames, t.frames.at(-1)!] });
    }
    const withFrame = (fi: number, f: Frame): void => withThread(ti, { ...t, frames: replaceAt(t.frames, fi, f) });
    t.frames.forEach((f, fi) => {
      withFrame(fi, { ...f, fn: inc(f.fn) });
      withFrame(fi, { ...f, pc: inc(f.pc) });
      withFrame(fi, { ...f, dest: inc(f.dest) });
      withFrame(fi, { ...f, ctx: f.ctx ^ 1 });
      withFrame(fi, { ...f, locals: [...f.locals, null] });
      if (f.locals.length) withFrame(fi, { ...f, locals: f.locals.slice(0, -1) });
      f.locals.forEach((v, li) => {
        for (const w of otherValues(v, slot++, strings)) withFrame(fi, { ...f, locals: replaceAt(f.locals, li, w) });
      });
      if (f.op) {
        const op = f.op;
        const { op: _, ...noOp } = f;
        withFrame(fi, noOp);
        for (const kind of OP_KINDS) if (kind !== op.kind) withFrame(fi, { ...f, op: { ...op, kind } });
        withFrame(fi, { ...f, op: { ...op, nid: op.nid === nid ? UNKNOWN : nid } });
        withFrame(fi, { ...f, op: { ...op, start: inc(op.start) } });
        withFrame(fi, { ...f, op: { ...op, end: inc(op.end) } });
        withFrame(fi, { ...f, op: { ...op, blockable: op.blockable ^ 1 } });
        withFrame(fi, { ...f, op: { ...op, mayfail: op.mayfail ^ 1 } });
      } else {
        withFrame(fi, { ...f, op: { kind: OP_KINDS[fi % 3]!, nid, start: 0, end: 1, blockable: 1, mayfail: 0 } });
      }
    });
  });
  if (s.threads.length) {
    out.push({ ...s, threads: s.threads.slice(0, -1) });
    out.push({ ...s, threads: [...s.threads, s.threads.at(-1)!] });
  }
  p.memKeys.forEach((k, i) => {
    for (const w of otherValues(s.mem[k]!, i, strings)) out.push({ ...s, mem: { ...s.mem, [k]: w } });
  });
  const withLock = (k: string, l: LockState): void => void out.push({ ...s, locks: { ...s.locks, [k]: l } });
  for (const k of p.lockKeys) {
    const l = s.locks[k]!;
    if (l.kind !== 'rwsem') {
      withLock(k, { ...l, owner: l.owner === -1 ? 0 : -1 });
      withLock(k, { ...l, owner: inc(inc(l.owner)) });
      continue;
    }
    withLock(k, { ...l, writer: l.writer === -1 ? 1 : -1 });
    withLock(k, { ...l, readers: [...l.readers, -2] });
    withLock(k, { ...l, readers: [...l.readers, 0] });
    if (l.readers.length) withLock(k, { ...l, readers: l.readers.slice(1) });
    withLock(k, { ...l, waiters: [...l.waiters, { tid: 0, write: true }] });
    withLock(k, { ...l, waiters: [...l.waiters, { tid: 1, write: false }] });
    if (l.waiters.length) {
      const w = l.waiters[0]!;
      withLock(k, { ...l, waiters: replaceAt(l.waiters, 0, { ...w, write: !w.write }) });
      withLock(k, { ...l, waiters: replaceAt(l.waiters, 0, { ...w, tid: inc(w.tid) }) });
      const { nonOwner, ...owned } = w;
      withLock(k, { ...l, waiters: replaceAt(l.waiters, 0, nonOwner ? owned : { ...w, nonOwner: true }) });
      withLock(k, { ...l, waiters: removeAt(l.waiters, 0) });
    }
  }
  const newPair: PairRecord = { tid: 0, nid, start: 0, end: 1, blockable: 1, mayfail: 0, ret: 0 };
  out.push({ ...s, pairs: [...s.pairs, newPair] });
  s.pairs.forEach((q, i) => {
    const withPair = (x: PairRecord): void => void out.push({ ...s, pairs: replaceAt(s.pairs, i, x) });
    out.push({ ...s, pairs: removeAt(s.pairs, i) });
    withPair({ ...q, tid: inc(q.tid) });
    withPair({ ...q, nid: q.nid === nid ? UNKNOWN : nid });
    withPair({ ...q, start: inc(q.start) });
    withPair({ ...q, end: inc(q.end) });
    withPair({ ...q, blockable: q.blockable ^ 1 });
    withPair({ ...q, mayfail: q.mayfail ^ 1 });
    withPair({ ...q, ret: q.ret === 0 ? -11 : 0 });
  });
  return out;
}

/**
 * Pairs of states built so that their encodings would coincide if a count were left out, each pair
 * differing in two places: the count makes the difference. Returned flat, `[x1, y1, x2, y2, ...]`.
 *
 * - Frames: thread 0 with an extra innermost frame of zeros and thread 1 at SRCU depth 0, against
 *   thread 1 with that frame as its outermost; without the frame counts both read `0 × 7`.
 * - Readers: reader 0 appended to an rwsem without waiters, against the value of every lock up to
 *   the next rwsem shifted by one, that rwsem's writer becoming its first reader.
 */
function countShifts(s: KState, p: Program): KState[] {
  const out: KState[] = [];
  const [t0, t1] = s.threads;
  if (t0 && t1) {
    const zero: Frame = { fn: 0, pc: 0, locals: [], dest: 0, ctx: 0 };
    const rest = s.threads.slice(2);
    out.push({ ...s, threads: [{ ...t0, frames: [...t0.frames, zero] }, { ...t1, srcu: 0 }, ...rest] });
    out.push({ ...s, threads: [t0, { ...t1, srcu: 0, frames: [zero, ...t1.frames] }, ...rest] });
  }
  const keys = p.lockKeys;
  const rwsems = keys.flatMap((k, i) => (p.spec.locks[k] === 'rwsem' ? [i] : []));
  for (let j = 0; j + 1 < rwsems.length; j++) {
    const a = s.locks[keys[rwsems[j]!]!]!;
    const b = s.locks[keys[rwsems[j + 1]!]!]!;
    if (a.kind !== 'rwsem' || b.kind !== 'rwsem' || a.waiters.length) continue;
    out.push({ ...s, locks: { ...s.locks, [keys[rwsems[j]!]!]: { ...a, readers: [...a.readers, 0] } } });
    const shifted: Record<string, LockState> = { ...s.locks };
    let carry = 0;
    for (let i = rwsems[j]! + 1; i < rwsems[j + 1]!; i++) {
      const l = s.locks[keys[i]!]!;
      if (l.kind === 'rwsem') throw new Error('unreachable: not the next rwsem');
      shifted[keys[i]!] = { ...l, owner: carry };
      carry = l.owner;
    }
    shifted[keys[rwsems[j + 1]!]!] = { ...b, writer: carry, readers: [b.writer, ...b.readers] };
    out.push({ ...s, locks: shifted });
  }
  return out;
}

// --------------------------------------------------------------------------------------- checks

type EncodeFn = (s: KState) => string;
/**
 * The encoding of a state as text: the items it feeds, typed, ints modulo 2^32 (what the engine
 * hashes; the same text as {@link StringEncoder} for a well-typed encoding).
 */
const textEncoding = (m: { encode(s: KState, e: Encoder): void }): EncodeFn => (s) => tokenKey(tokensOf(m, s));

/**
 * The first violation of "equal states ⇔ equal encodings" among `states`, or undefined. Equality of
 * states is {@link canonical} equality (structural, independent of the encoder).
 */
function iffViolation(states: readonly KState[], canon: readonly string[], enc: EncodeFn): string | undefined {
  const encOf = new Map<string, string>();
  const stateOf = new Map<string, string>();
  for (let i = 0; i < states.length; i++) {
    const c = canon[i]!;
    const k = enc(states[i]!);
    const k0 = encOf.get(c);
    if (k0 === undefined) encOf.set(c, k);
    else if (k0 !== k) return `two equal states encode differently:\n  state ${c}\n  ${k0}\n  ${k}`;
    const c0 = stateOf.get(k);
    if (c0 === undefined) stateOf.set(k, c);
    else if (c0 !== c) return `two different states encode equally:\n  ${c0}\n  ${c}\n  encoding ${k}`;
  }
  return undefined;
}

/** Why `decode(encode(s))` is not `s`, or undefined when it is. */
function roundTripFailure(m: { encode(s: KState, e: Encoder): void }, tables: DecodeTables, s: KState, canon: string): string | undefined {
  const tokens = tokensOf(m, s);
  let back: string;
  try {
    back = canonical(decodeState(tokens, tables), false);
  } catch (err) {
    return `decoding fails: ${(err as Error).message}\n  state ${canon}`;
  }
  return back === canon ? undefined : `decodes to another state:\n  state   ${canon}\n  decoded ${back}`;
}

describe('canonical encoding of reachable states', () => {
  test('the decoder knows the same strings as the encoder (each known string in a shared variable decodes back)', () => {
    let checked = 0;
    for (const smp of samples()) {
      const init = smp.model.initStates()[0]!;
      const k = smp.program.memKeys[0]!;
      for (const str of [...smp.tables.strings, UNKNOWN, '']) {
        const s: KState = { ...init, mem: { ...init.mem, [k]: str } };
        const bad = roundTripFailure(smp.model, smp.tables, s, canonical(s));
        if (bad) expect.fail(`${smp.name}: ${bad}`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  test('every built-in scenario and variant is sampled, with and without coalescing', () => {
    const ss = samples();
    const files = builtinNames();
    expect(files.length).toBeGreaterThanOrEqual(20);
    for (const f of files) {
      const n = variantsOf(loadBuiltin(f)).length * 2;
      expect(ss.filter((x) => x.name.startsWith(`${f} `) || x.name.startsWith(`${f}/`)).length, f).toBe(n);
    }
    let reached = 0;
    let distinct = 0;
    for (const smp of ss) {
      const n = new Set(smp.canon).size;
      // Every sample goes past the initial state and has equal states built separately.
      expect(n, smp.name).toBeGreaterThan(5);
      expect(smp.reached.length, smp.name).toBeGreaterThan(n);
      reached += smp.reached.length;
      distinct += n;
    }
    console.log(`${ss.length} models: ${reached} states reached, ${distinct} distinct, ${ss.reduce((a, x) => a + x.bases.length, 0)} bases for one-field changes`);
  });

  test('two reachable states encode equally if and only if they are equal', () => {
    let states = 0;
    for (const smp of samples()) {
      const bad = iffViolation(smp.reached, smp.canon, textEncoding(smp.model));
      if (bad) expect.fail(`${smp.name}: ${bad}`);
      states += smp.reached.length;
      // The text compared is the encoding as the project's StringEncoder shows it.
      for (let i = 0; i < smp.reached.length; i += 10) expect(textEncoding(smp.model)(smp.reached[i]!)).toBe(StringEncoder.encode(smp.model, smp.reached[i]!));
    }
    expect(states).toBeGreaterThan(10_000);
  });

  test('every reachable state decodes back from its encoding', () => {
    for (const smp of samples()) {
      const done = new Set<string>();
      for (let i = 0; i < smp.reached.length; i++) {
        const c = smp.canon[i]!;
        if (done.has(c)) continue;
        done.add(c);
        const bad = roundTripFailure(smp.model, smp.tables, smp.reached[i]!, c);
        if (bad) expect.fail(`${smp.name}: ${bad}`);
      }
    }
  });

  test('a change to any one field of a reachable state changes its encoding, and the changed state decodes back', () => {
    let changed = 0;
    for (const smp of samples()) {
      for (const base of smp.bases) {
        const cb = canonical(base);
        const ns = neighbours(base, smp.program);
        const cs = ns.map((x) => canonical(x));
        for (let i = 0; i < ns.length; i++) {
          expect(cs[i], `${smp.name}: a one-field change that changes nothing`).not.toBe(cb);
          const bad = roundTripFailure(smp.model, smp.tables, ns[i]!, cs[i]!);
          if (bad) expect.fail(`${smp.name}: ${bad}`);
        }
        const bad = iffViolation([base, ...ns], [cb, ...cs], textEncoding(smp.model));
        if (bad) expect.fail(`${smp.name}: ${bad}`);
        changed += ns.length;
      }
    }
    console.log(`${changed} one-field changes`);
    expect(changed).toBeGreaterThan(10_000);
  });

  test('states built to collide if a frame count or a reader count were left out encode differently, and decode back', () => {
    let pairs = 0;
    for (const smp of samples()) {
      for (const base of [smp.model.initStates()[0]!, ...smp.bases]) {
        const xs = countShifts(base, smp.program);
        const cs = xs.map((x) => canonical(x));
        for (let i = 0; i < xs.length; i += 2) {
          expect(cs[i], smp.name).not.toBe(cs[i + 1]);
          expect(textEncoding(smp.model)(xs[i]!), smp.name).not.toBe(textEncoding(smp.model)(xs[i + 1]!));
          pairs++;
        }
        for (let i = 0; i < xs.length; i++) {
          const bad = roundTripFailure(smp.model, smp.tables, xs[i]!, cs[i]!);
          if (bad) expect.fail(`${smp.name}: ${bad}`);
        }
      }
    }
    expect(pairs).toBeGreaterThan(100);
  });
});

// ------------------------------------------------------------------------------------ mutants

const KERNEL_MODEL = fileURLToPath(new URL('../../src/model/kernel-model.ts', import.meta.url));
/** Emitting lines of the encoder when this test was written: 39 (7 + 32). */
const MIN_EMITTING_LINES = 39;
/** Distinct reachable states per model that each mutant is tried on (plus the bases, their one-field changes and count shifts). */
const MUTANT_STATES = 30;

/**
 * Lines whose removal the equality check cannot see on the sampled states; the round-trip decoder
 * must catch each of them (a reader of the full format gets out of step). Keyed by the trimmed line.
 *
 * - `implied`: genuinely redundant for telling apart states of one program: what the line emits is
 *   fixed by the items around it, so no two such states collide without it. The equality check
 *   must not catch these (if it does, this explanation is wrong).
 * - `delimiter`: not redundant (without it some pairs of states encode equally), but such pairs
 *   differ in several places at once, with values chosen to realign everything that follows; no
 *   reachable state and no one-field change of one is such a pair.
 */
const DECODER_ONLY: Readonly<Record<string, { readonly kind: 'implied' | 'delimiter'; readonly why: string }>> = {
  'e.int(state.threads.length);': { kind: 'implied', why: 'every state of a program has the same threads' },
  'e.int(f.locals.length);': { kind: 'implied', why: "a frame's function fixes its number of locals (padLocals)" },
  'e.int(2);': { kind: 'implied', why: 'the tag of a string encoded in full: the `str` item that follows is typed apart from ints' },
  'e.int(l.waiters.length);': { kind: 'implied', why: 'each waiter ends with the only `bool` items of the encoding, and nothing after a lock begins with an int followed by a bool' },
  'e.int(pairs.length);': { kind: 'implied', why: 'the open pairs come last and take 8 items each (their nid is a string: 2 items), so the length of the encoding gives their number' },
  '} else e.int(0);': {
    kind: 'delimiter',
    why: 'a frame without an op frame whose locals count is an op kind reads like a frame with one only if its locals and everything after them are chosen to realign',
  },
};

interface MutantSample {
  readonly smp: Sample;
  readonly states: readonly KState[];
  readonly canon: readonly string[];
}

let mutantSamplesMemo: MutantSample[] | undefined;
function mutantSamples(): MutantSample[] {
  return (mutantSamplesMemo ??= samples().map((smp) => {
    const firstOf = new Map<string, number>();
    smp.canon.forEach((c, i) => void (firstOf.has(c) || firstOf.set(c, i)));
    const distinct = [...firstOf.values()];
    const step = Math.max(1, Math.floor(distinct.length / MUTANT_STATES));
    const picked = distinct.filter((_, j) => j % step === 0).slice(0, MUTANT_STATES);
    const states = picked.map((i) => smp.reached[i]!);
    const canon = picked.map((i) => smp.canon[i]!);
    for (const base of smp.bases) {
      for (const n of [base, ...neighbours(base, smp.program), ...countShifts(base, smp.program)]) {
        states.push(n);
        canon.push(canonical(n));
      }
    }
    return { smp, states, canon };
  }));
}

interface Verdict {
  /** Two states the mutant's encoding confuses (or two equal states it tells apart). */
  iff?: string;
  /** A state the decoder does not get back from the mutant's encoding. */
  roundTrip?: string;
  /** The mutant fed the encoder a value of the wrong type (the engine would coerce it). */
  illTyped?: string;
  /** The mutant's encode threw. */
  threw?: string;
}

type ModelClass = new (program: Program) => { encode(s: KState, e: Encoder): void };

function judge(Mutant: ModelClass, ms: readonly MutantSample[]): Verdict {
  const v: Verdict = {};
  for (const { smp, states, canon } of ms) {
    const m = new Mutant(smp.program);
    try {
      if (!v.iff) {
        const bad = iffViolation(states, canon, textEncoding(m));
        if (bad) v.iff = `${smp.name}: ${bad}`;
      }
      for (let i = 0; i < states.length && !v.roundTrip; i++) {
        const bad = roundTripFailure(m, smp.tables, states[i]!, canon[i]!);
        if (bad) v.roundTrip = `${smp.name}: ${bad}`;
      }
    } catch (err) {
      if (err instanceof IllTypedEncoding) v.illTyped = `${smp.name}: ${err.message}`;
      else v.threw = `${smp.name}: ${(err as Error).message}`;
      return v;
    }
    if (v.iff && v.roundTrip) return v;
  }
  return v;
}

/**
 * The fingerprint the visited set keeps (KernelModel.encode into a FingerprintEncoder: part hashes
 * summed) is not the encoding's words: it must tell apart exactly the states the encoding does.
 * `model` fingerprints against the state it last stepped from (any state: the parts that differ are
 * hashed), a model that never stepped hashes every part; both must agree.
 */
describe('the fingerprint tells apart the states the encoding does', () => {
  const fingerprints = (m: KernelModel, fresh: KernelModel): EncodeFn => {
    const a = new FingerprintEncoder();
    const b = new FingerprintEncoder();
    return (s) => {
      a.reset();
      m.encode(s, a);
      a.finish();
      b.reset();
      fresh.encode(s, b);
      b.finish();
      expect(`${a.hi}:${a.lo}`).toBe(`${b.hi}:${b.lo}`);
      return `${a.hi}:${a.lo}`;
    };
  };

  test('reachable states, their one-field changes and the states built to collide if a count were left out', () => {
    let states = 0;
    for (const smp of samples()) {
      const fp = fingerprints(smp.model, new KernelModel(smp.program));
      const bad = iffViolation(smp.reached, smp.canon, fp);
      if (bad) expect.fail(`${smp.name}: ${bad}`);
      states += smp.reached.length;
      for (const base of [smp.model.initStates()[0]!, ...smp.bases]) {
        const xs = [base, ...neighbours(base, smp.program), ...countShifts(base, smp.program)];
        const worse = iffViolation(xs, xs.map((x) => canonical(x)), fp);
        if (worse) expect.fail(`${smp.name}: ${worse}`);
        states += xs.length;
      }
    }
    expect(states).toBeGreaterThan(20_000);
  });
});

describe('the encoding checks catch every encoder line left out', () => {
  const source = readFileSync(KERNEL_MODEL, 'utf8');
  const { sites, skipped } = encoderLines(source);
  const dir = mkdtempSync(join(tmpdir(), 'mnc-encoder-mutants-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let loaded = 0;
  const load = async (site: MutationSite | undefined): Promise<ModelClass> => {
    const file = join(dir, `kernel-model.mutant${loaded++}.ts`);
    writeFileSync(file, mutantSource(source, site, KERNEL_MODEL));
    const mod = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as { KernelModel: ModelClass };
    return mod.KernelModel;
  };

  test('the encoder lines are found', () => {
    expect(sites.filter((s) => s.kind === 'emit').length).toBeGreaterThanOrEqual(MIN_EMITTING_LINES);
    expect(new Set(sites.map((s) => s.fn))).toEqual(new Set(ENCODER_FNS));
    for (const kind of ['loop', 'branch', 'switch', 'case', 'break'] as const) expect(sites.some((s) => s.kind === kind), kind).toBe(true);
    console.log(`${sites.length} mutants; not mutated: ${skipped.map((s) => `line ${s.line} \`${s.text}\` (${s.why})`).join('; ')}`);
  });

  let control: Verdict | undefined;
  const judgeControl = async (): Promise<Verdict> => (control ??= judge(await load(undefined), mutantSamples()));

  test('the unmutated module, loaded the same way, passes every check', async () => {
    expect(await judgeControl()).toEqual({});
  });

  test('every mutant is killed', async () => {
    expect(await judgeControl(), 'the unmutated encoder fails the checks, so its mutants prove nothing (see the tests above)').toEqual({});
    const ms = mutantSamples();
    const rows: string[] = [];
    const survivors: string[] = [];
    const decoderOnly: string[] = [];
    const implied = sites.map((x) => x.text).filter((t) => DECODER_ONLY[t]?.kind === 'implied');
    for (const site of sites) {
      const v = judge(await load(site), ms);
      const by = [v.iff ? 'iff' : '', v.roundTrip ? 'round-trip' : '', v.illTyped ? 'ill-typed' : '', v.threw ? 'exception' : ''].filter(Boolean);
      const note = DECODER_ONLY[site.text] ? ` (${DECODER_ONLY[site.text]!.kind})` : '';
      rows.push(`${String(site.line).padStart(4)} ${site.kind.padEnd(6)} ${site.text.padEnd(58)} killed by: ${by.join(', ') || 'NOTHING'}${note}`);
      if (!by.length) survivors.push(`line ${site.line}: ${site.text}`);
      else if (!v.iff && !v.threw && !v.illTyped) decoderOnly.push(site.text);
    }
    console.log(rows.join('\n'));
    expect(survivors, 'mutants no check kills').toEqual([]);
    // A mutant that only the decoder kills must be a line documented above, and a line documented
    // as implied must not be caught by the equality check.
    expect(decoderOnly.filter((t) => !(t in DECODER_ONLY)), 'mutants only the decoder kills, not documented in DECODER_ONLY').toEqual([]);
    expect(implied.filter((t) => !decoderOnly.includes(t)), 'lines documented as implied that something else catches').toEqual([]);
  });
});
