/**
 * The kernel state: an immutable Immer snapshot.
 *
 * Everything that can change while threads run is here; everything fixed by the scenario (the
 * VMAs' address ranges, the notifiers' registration order, the ranges a driver's objects cover)
 * lives in the program's static configuration (`program.ts`) and is not part of the state.
 */

/**
 * Pages are numbers below 2^24. The canonical encoding hashes numbers modulo 2^32, and the model's
 * ULONG_MAX is 0x7fffffff: a page near either would make two different states look alike, or an
 * "end of address space" look like a page. 2^24 pages (64 GiB of 4 KiB pages) is far beyond what a
 * scenario of a few VMAs needs; scenarios are validated against it (src/model/kernel/scenario.ts).
 */
import { internalized } from './intern.ts';

export const MAX_PAGE = 2 ** 24;

/** A value of the model's C: integers (and booleans as 0/1), object ids and function names (strings), NULL. */
export type Value = number | string | null;

/** Frame context bits: why sleeping is forbidden in this frame (inherited by callees). */
export const CTX_NONBLOCK_START = 1;
/** Inside an `invalidate_range_end` paired with a start this notifier approved in non-blockable mode. */
export const CTX_NONBLOCK_END = 2;
/**
 * The bits above these two count `current->non_block_count` (`non_block_start()` adds one,
 * `non_block_end()` takes one away, from v5.4): a sleep with a count above zero is the kernel's own
 * "BUG: sleeping function called from invalid context" under CONFIG_DEBUG_ATOMIC_SLEEP.
 */
export const CTX_NON_BLOCK_UNIT = 4;

/** `current->non_block_count` in a frame's context bits. */
export function nonBlockCount(ctx: number): number {
  return ctx >> 2;
}

/** What a frame called through `mn->ops->...` is doing, for pairing and context. */
export interface OpFrame {
  /** `invalidate`: an interval notifier's `mni->ops->invalidate(mni, range, cur_seq)` (v5.5 on). */
  readonly kind: 'invalidate_range_start' | 'invalidate_range_end' | 'release' | 'invalidate';
  /** The notifier instance id. */
  readonly nid: string;
  readonly start: number;
  readonly end: number;
  /** 1 for a blockable start or interval invalidate (and for every end), 0 for a non-blockable one. */
  readonly blockable: number;
  /** 1 for a start called with MMU_NOTIFIER_RANGE_MAYFAIL. */
  readonly mayfail: number;
}

export interface Frame {
  /** Index of the function in the program's function table. */
  readonly fn: number;
  /** Index of the next instruction to run. */
  readonly pc: number;
  /** Local variable slots (parameters first), see the compiled function's `locals`. */
  readonly locals: readonly Value[];
  /** Slot of the caller's local that receives the return value, or -1. */
  readonly dest: number;
  /** CTX_* bits. */
  readonly ctx: number;
  readonly op?: OpFrame;
}

export interface ThreadState {
  /** The call stack, innermost last; empty once the thread has finished. */
  readonly frames: readonly Frame[];
  /** SRCU read-side nesting depth (srcu_read_lock / srcu_read_unlock). */
  readonly srcu: number;
  /**
   * The thread's current statement has started and put it to sleep in a lock's slow path
   * (its primitive returned PENDING): it runs again to finish. In the kernel the task is inside
   * `rwsem_down_read_failed()` / `__rwsem_down_write_failed_common()`, not before the call: a
   * reader granted the lock while it slept (kernel/locking/rwsem-xadd.c `__rwsem_mark_wake`) then
   * returns holding it instead of trying again.
   */
  readonly pending: boolean;
}

/** Thread id used in `readers` for a read hold taken with `down_read_non_owner`: it belongs to no task. */
export const NON_OWNER = -2;

export interface MutexState {
  readonly kind: 'mutex';
  /** Owning thread, or -1. */
  readonly owner: number;
}

export interface RwsemWaiter {
  readonly tid: number;
  readonly write: boolean;
  /** A `down_read_non_owner` waiter: the read hold it is granted belongs to no task. */
  readonly nonOwner?: true;
}

export interface RwsemState {
  readonly kind: 'rwsem';
  /** Thread holding it for write, or -1. */
  readonly writer: number;
  /** One entry per read hold: the holding thread, or NON_OWNER. Kept sorted. */
  readonly readers: readonly number[];
  /** Tasks sleeping in down_read/down_write, in FIFO order. */
  readonly waiters: readonly RwsemWaiter[];
}

export interface SpinState {
  readonly kind: 'spin';
  readonly owner: number;
}

export type LockState = MutexState | RwsemState | SpinState;

/**
 * An `invalidate_range_start` that the core version's contract owes an `invalidate_range_end`
 * (ghost state; see docs/model.md and src/properties/pairing.ts).
 */
export interface PairRecord {
  readonly tid: number;
  readonly nid: string;
  readonly start: number;
  readonly end: number;
  /** 1 if the start was called in blockable mode. */
  readonly blockable: number;
  /** 1 if the start was called with MMU_NOTIFIER_RANGE_MAYFAIL (the mayfail core only). */
  readonly mayfail: number;
  /**
   * What the start callback returned. For an interval notifier's `invalidate` (v5.5 on), which
   * returns bool, 0 stands for true (the invalidation went through) and 1 for false.
   */
  readonly ret: number;
}

export interface KState {
  readonly threads: readonly ThreadState[];
  /** Shared memory: every modelled shared variable, keyed `object.field` (fixed key set per scenario). */
  readonly mem: Readonly<Record<string, Value>>;
  /** Every lock object, keyed like mem (`amdgpu0.lock`, `mm.mmap_sem`, `oom_lock`). */
  readonly locks: Readonly<Record<string, LockState>>;
  /** Open start/end pairs (ghost). */
  readonly pairs: readonly PairRecord[];
}

/**
 * A new empty list of objects (frames, pair records, waiters), of V8's elements kind for objects.
 * An empty literal `[]` is of the kind for small integers, which becomes the kind for objects at
 * its first object; a list of objects that starts empty as the other kind gives the code reading
 * such lists two maps of array where it could meet one (test/model/lang/maps.test.ts).
 */
export function emptyObjects<T extends object>(): T[] {
  const a: (T | null)[] = [null];
  a.length = 0;
  return a as T[];
}

export function isFinished(t: ThreadState): boolean {
  return t.frames.length === 0;
}

/**
 * A state from its structured clone (how a parallel search moves states between worker threads:
 * src/checker/parallel.ts), rebuilt with the hidden classes of the interpreter's own states and
 * frozen as the interpreter freezes them: the state object, and with `freezeParts` every part
 * (frozen and unfrozen objects have maps of their own). The interpreter makes every object of a
 * state with an object literal (`finish`, `top`, its memory and lock-table copiers, the
 * primitives' locks, pair records: interp.ts) and every array by pushes; V8 gives object literals with the same properties in the same order one
 * map whichever literal made them, so each object here is made by a literal of its properties in
 * the clone's order (a structured clone keeps the order), by a function built once per property
 * list. A clone as the deserializer gives it has the same contents under maps of its own, which
 * make the property accesses of every state descended from it polymorphic: a one-thread check that
 * expanded its states from such clones every tenth level spent 1.2-1.3x as long expanding them as
 * with the originals, and 1.02x with the clones rebuilt here (docs/checker.md, "Why two workers
 * gain so little").
 *
 * With `shared`, an object met again (in this clone or another of the same message: a structured
 * clone keeps the sharing of the objects sent together) is rebuilt once, so the revived states
 * share their parts as the states sent did (siblings share every thread but the one that moved):
 * ~9 distinct objects a state against ~27 in a batch of 2,000 kernel-bench states, rebuilt 5-8x
 * faster, and the caches keyed by object answer for the shared parts after the move too.
 */
export function reviveState(clone: unknown, freezeParts: boolean, shared?: Map<object, unknown>): KState {
  const r = (x: unknown, key?: string): unknown => rebuild(x, shared, r, freezeParts, key);
  // The state object is frozen either way; its parts as the interpreter's are (`freezeParts`).
  return Object.freeze(r(clone) as KState);
}

type Literal = (o: Readonly<Record<string, unknown>>, r: (v: unknown, key: string) => unknown) => object;

/** Per property list (joined by NUL), the function returning `{ "k1": r(o["k1"]), ... }`. */
const literals = new Map<string, Literal>();

/** `v` (the value of property `key` of its parent, if any) rebuilt, its parts by `r` (which rebuilds with the same `shared`). */
function rebuild(v: unknown, shared: Map<object, unknown> | undefined, r: (x: unknown, key?: string) => unknown, freeze: boolean, key: string | undefined): unknown {
  // A clone's strings are fresh copies: as the interpreter's, internalized.
  if (typeof v === 'string') return internalized(v);
  if (v === null || typeof v !== 'object') return v;
  if (shared !== undefined) {
    const done = shared.get(v);
    if (done !== undefined) return done;
  }
  let out: unknown;
  if (Array.isArray(v)) {
    // Unfrozen, an array's map is its elements kind's, which V8 decides per allocation site (an
    // array literal that once held objects makes its next arrays for objects): arrays of small
    // integers (read holds) come from a site of their own, and an empty list of objects is made as
    // the interpreter makes them (emptyObjects; the only list of numbers, `readers`, as `[]`), so
    // that they get the kinds the interpreter's have (test/model/lang/revive.test.ts).
    let a: unknown[];
    if (v.length === 0) a = key === 'readers' ? [] : emptyObjects();
    else if (v.every((x) => typeof x === 'number' && (x | 0) === x)) {
      const ints: number[] = [];
      for (let i = 0; i < v.length; i++) ints.push(v[i] as number);
      a = ints;
    } else {
      a = [];
      for (let i = 0; i < v.length; i++) a.push(r(v[i]));
    }
    out = freeze ? Object.freeze(a) : a;
  } else {
    const o = v as Readonly<Record<string, unknown>>;
    const keys = Object.keys(o);
    const id = keys.join('\0');
    let make = literals.get(id);
    if (make === undefined) {
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      make = new Function('o', 'r', `return { ${keys.map((k) => `${JSON.stringify(k)}: r(o[${JSON.stringify(k)}], ${JSON.stringify(k)})`).join(', ')} };`) as Literal;
      literals.set(id, make);
    }
    out = freeze ? Object.freeze(make(o, r)) : make(o, r);
  }
  shared?.set(v, out);
  return out;
}

// Code compiled from a scenario's keys (issue 12): each function reads or builds the keys by
// name, constant-name loads V8 keeps monomorphic, where a key held in a variable is a
// megamorphic keyed load.

/**
 * `{ ...o }` for objects with exactly the properties `keys`, in that order: a function built once
 * whose body is the object literal `{ "k1": o["k1"], ... }` (constant keys: a fast literal and
 * monomorphic loads).
 */
export function objectCopier<V>(keys: readonly string[]): (o: Readonly<Record<string, V>>) => Record<string, V> {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('o', `return { ${keys.map((k) => `${JSON.stringify(k)}: o[${JSON.stringify(k)}]`).join(', ')} };`) as (o: Readonly<Record<string, V>>) => Record<string, V>;
}

/**
 * `(a, b, at, vals, olds) => count` ({@link KeyDiffer}): the indices (in `keys` order) of the keys
 * whose values differ between objects `a` and `b` (by `!==`), into `at`, and `b`'s values there into
 * `vals`, `a`'s into `olds`; with `a` null, every key. A function built once per program whose body reads each key by name (constant keys are fast
 * loads; a key varying in a loop is V8's megamorphic keyed load).
 */
export function keyDiffer<V>(keys: readonly string[]): KeyDiffer<V> {
  const body = keys
    .map((k, q) => {
      const key = JSON.stringify(k);
      return `  v = b[${key}]; if (a === null) { at[n] = ${q}; vals[n++] = v; } else if (v !== (w = a[${key}])) { at[n] = ${q}; olds[n] = w; vals[n++] = v; }`;
    })
    .join('\n');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('a', 'b', 'at', 'vals', 'olds', `let n = 0, v, w;\n${body}\n  return n;`) as KeyDiffer<V>;
}

/**
 * {@link keyDiffer}'s function: the keys (by index) whose values differ between `a` and `b` (every
 * key where `a` is null) into `at`, with `b`'s values into `vals` and `a`'s into `olds` (not
 * written where `a` is null); returns how many.
 */
export type KeyDiffer<V> = (a: Readonly<Record<string, V>> | null, b: Readonly<Record<string, V>>, at: Int32Array, vals: V[], olds: V[]) => number;

const readers = new Map<string, (o: Readonly<Record<string, unknown>>) => unknown>();

/**
 * `o => o["key"]`, compiled once per key (and shared): for a site whose key is fixed before any
 * state is seen (a thread's oops mark, a lockset's locks, a property's flag). Its load has a
 * constant name, so the JIT keeps it monomorphic (a state's memory and lock table each have one
 * map, {@link objectCopier}), where `o[key]` with the key in a variable is a megamorphic keyed
 * load, a search of the object's 40-odd property names each time (issue 12: about 15 ns against
 * 4-5 ns for the call and the load, measured on a 46-key object).
 */
export function keyReader<V>(key: string): (o: Readonly<Record<string, V>>) => V {
  let r = readers.get(key);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  if (r === undefined) readers.set(key, (r = new Function('o', `return o[${JSON.stringify(key)}];`) as (o: Readonly<Record<string, unknown>>) => unknown));
  return r as (o: Readonly<Record<string, V>>) => V;
}

/**
 * `o => keys.every((k) => !o[k])`, compiled into one function of constant-name loads (as
 * {@link keyReader}, for the same reason): whether no key of `keys` holds a set flag.
 */
export function allClear(keys: readonly string[]): (o: Readonly<Record<string, Value>>) => boolean {
  if (keys.length === 0) return () => true;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('o', `return !(${keys.map((k) => `o[${JSON.stringify(k)}]`).join(' || ')});`) as (o: Readonly<Record<string, Value>>) => boolean;
}

/**
 * `(a, b) => keys.some((k) => a[k] !== b[k])`, compiled into one function of constant-name loads
 * (as {@link keyReader}): whether two memories (or lock tables) differ in one of `keys` (the
 * yes-or-no form of {@link keyDiffer}, for a subset of the keys).
 */
export function keysDiffer<V>(keys: readonly string[]): (a: Readonly<Record<string, V>>, b: Readonly<Record<string, V>>) => boolean {
  if (keys.length === 0) return () => false;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('a', 'b', `return ${keys.map((k) => `a[${JSON.stringify(k)}] !== b[${JSON.stringify(k)}]`).join(' || ')};`) as (a: Readonly<Record<string, V>>, b: Readonly<Record<string, V>>) => boolean;
}

/**
 * The top frame of a stack, undefined for an empty one (a finished thread). Not
 * `frames[frames.length - 1]`: on an empty list that loads the property "-1", which V8 looks up
 * by name up the prototype chain (its megamorphic keyed load), in every state with a finished
 * thread that asks.
 */
export function topOf(frames: readonly Frame[]): Frame | undefined {
  const n = frames.length;
  return n === 0 ? undefined : frames[n - 1];
}

/**
 * `a.slice()` (which is slow on a frozen array), with the exact length as capacity. Pushing onto
 * `[]` gives a backing store of 17 elements, and a state keeps the copies it holds (its thread
 * list, frame lists, locals, pairs): a 3-element copy kept cost 194 bytes against 82 by a literal
 * (measured), and the kernel bench promoted 23% fewer bytes out of V8's young generation with
 * exact copies (issue 12). A literal per length up to 8; longer arrays (rare: locals of the
 * largest functions) are pushed, as before.
 */
export function copyArray<T>(a: readonly T[]): T[] {
  switch (a.length) {
    case 0:
      return [];
    case 1:
      return [a[0]!];
    case 2:
      return [a[0]!, a[1]!];
    case 3:
      return [a[0]!, a[1]!, a[2]!];
    case 4:
      return [a[0]!, a[1]!, a[2]!, a[3]!];
    case 5:
      return [a[0]!, a[1]!, a[2]!, a[3]!, a[4]!];
    case 6:
      return [a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!];
    case 7:
      return [a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!];
    case 8:
      return [a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!];
  }
  const b: T[] = [];
  for (let i = 0; i < a.length; i++) b.push(a[i]!);
  return b;
}
