/**
 * State fingerprints and the visited set.
 *
 * The engine never keeps the states it has visited. It keeps, per visited state, a 64-bit
 * fingerprint of what the model's {@link Model.encode} feeds a {@link FingerprintEncoder}: the
 * state's canonical encoding, or a digest of it a model computes faster (the kernel model feeds
 * the sums of its parts' hashes: src/model/kernel-model.ts), and a link to the slot of
 * the state it was first reached from, in one open-addressing hash table held in a typed array, as
 * TLC does. A counterexample path is rebuilt from the parent links by replaying the model
 * (`path.ts`).
 *
 * **Collisions.** Two distinct states with the same fingerprint are taken for one state, and the
 * second is silently never expanded. With a uniformly distributed 64-bit fingerprint the
 * probability that any two of n visited states collide is about n^2 / 2^65: about 2.7e-10 at 10^5
 * states, 2.7e-8 at 10^6, 2.7e-6 at 10^7 and 2.7e-4 at 10^8 states. A collision can hide
 * behaviour (a state, and what lies behind it): a property may then wrongly hold, or a `sometimes`
 * property be wrongly violated. Merged states can also make the explored graph show a cycle, a
 * dead end or a goal-free region the model does not have; such a counterexample is never
 * reported: every one is replayed through the model and checked on the real states by full
 * encodings (`confirm.ts`), and one that fails leaves its property unknown (reason `collision`).
 * The MurmurHash3 rounds are invertible, so collisions can be constructed on purpose
 * (test/checker/fixtures/collision.ts does, for the tests).
 *
 * **Memory.** A slot is 12 bytes (fingerprint high word, low word, parent slot), 16 bytes when the
 * table also numbers the states for liveness checking. The load factor is kept between 0.75 and
 * 0.9 once the table has grown past its initial 64 slots: when inserting would push it over 0.9 the
 * table grows to `ceil(count / 0.75)` slots. So the visited set costs 13.3 to 16 bytes per state
 * (17.8 to 21.3 with state numbers), and 128 KiB for a cache of the entries inserted or found last
 * (`VisitedTable.recent`). Growth is a copy: while it runs, the old table, the new one and a remap
 * array (4 bytes per old slot) coexist, about 34 bytes per state for that moment.
 */
import type { Encoder } from './model.ts';

const SEED1 = 0x2f1b7c3d;
const SEED2 = 0x6a09e667;
// Per-value-kind tags, mixed into the second lane only: two values of different kinds at the same
// position never collide (the first lane requires equal words, the second unequal ones).
const TAG_BOOL = 0x51ed270b;
const TAG_STR = 0x2545f491;
const TAG_CHARS = 0x6c8e9cf5;

/**
 * An {@link Encoder} that folds the values it receives into a 64-bit fingerprint, held as two
 * 32-bit lanes. Each value is one or more 32-bit words; each word goes through a MurmurHash3
 * round in each lane (different constants per lane, the second lane also absorbing the first),
 * and {@link finish} applies MurmurHash3's avalanche finaliser to both lanes with cross-addition.
 * Nothing is allocated per value.
 *
 * Use: `reset()`, feed the state with `model.encode(state, encoder)`, `finish()`, then read
 * {@link hi} and {@link lo}. The fingerprint (0, 0) is reserved for empty table slots, so
 * `finish` maps it to (0, 1).
 */
export class FingerprintEncoder implements Encoder {
  private h1 = SEED1;
  private h2 = SEED2;
  private words = 0;
  /** High 32 bits of the last finished fingerprint (as a signed 32-bit integer). */
  hi = 0;
  /** Low 32 bits of the last finished fingerprint (as a signed 32-bit integer). */
  lo = 0;

  reset(): void {
    this.h1 = SEED1;
    this.h2 = SEED2;
    this.words = 0;
  }

  /** Mix one word: `w1` into the first lane, `w2` into the second. */
  private word(w1: number, w2: number): void {
    let k = Math.imul(w1, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    let h = this.h1 ^ k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    this.h1 = h;

    let j = Math.imul(w2, 0x85ebca6b);
    j = (j << 16) | (j >>> 16);
    j = Math.imul(j, 0xc2b2ae35);
    let g = this.h2 ^ j;
    g = (g << 17) | (g >>> 15);
    g = (g + h) | 0;
    g = (Math.imul(g, 5) + 0x38495ab5) | 0;
    this.h2 = g;
    this.words++;
  }

  int(value: number): void {
    // `word(value, value)`, written out: the model's encoders call this at many sites, too many for
    // V8 to inline it everywhere, and a call to `int` that called `word` was two calls a word
    // (test/checker/word-recorder.test.ts replays recorded words against it).
    let k = Math.imul(value, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    let h = this.h1 ^ k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    this.h1 = h;

    let j = Math.imul(value, 0x85ebca6b);
    j = (j << 16) | (j >>> 16);
    j = Math.imul(j, 0xc2b2ae35);
    let g = this.h2 ^ j;
    g = (g << 17) | (g >>> 15);
    g = (g + h) | 0;
    g = (Math.imul(g, 5) + 0x38495ab5) | 0;
    this.h2 = g;
    this.words++;
  }

  /**
   * Mix words a {@link WordRecorder} recorded: the same fingerprint as feeding the values it was
   * given again (a model caches the words of the parts of its states that successors share).
   */
  replay(words: Int32Array, from = 0, to = words.length): void {
    // `word`, in one loop over locals.
    let h = this.h1;
    let g = this.h2;
    for (let i = from; i < to; i += 2) {
      let k = Math.imul(words[i]!, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, 0x1b873593);
      h ^= k;
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;

      let j = Math.imul(words[i + 1]!, 0x85ebca6b);
      j = (j << 16) | (j >>> 16);
      j = Math.imul(j, 0xc2b2ae35);
      g ^= j;
      g = (g << 17) | (g >>> 15);
      g = (g + h) | 0;
      g = (Math.imul(g, 5) + 0x38495ab5) | 0;
    }
    this.h1 = h;
    this.h2 = g;
    this.words += (to - from) >> 1;
  }

  bool(value: boolean): void {
    const v = value ? 1 : 0;
    this.word(v, v ^ TAG_BOOL);
  }

  str(value: string): void {
    const n = value.length;
    this.word(n, n ^ TAG_STR);
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const w = value.charCodeAt(i) | (value.charCodeAt(i + 1) << 16);
      this.word(w, w ^ TAG_CHARS);
    }
    if (i < n) {
      const w = value.charCodeAt(i);
      this.word(w, w ^ TAG_CHARS);
    }
  }

  /** Finalise: sets {@link hi} and {@link lo}. */
  finish(): void {
    let h1 = this.h1 ^ this.words;
    let h2 = this.h2 ^ Math.imul(this.words, 0x9e3779b9);
    h1 = (h1 + h2) | 0;
    h2 = (h2 + h1) | 0;
    h1 = fmix32(h1);
    h2 = fmix32(h2);
    h1 = (h1 + h2) | 0;
    h2 = (h2 + h1) | 0;
    if (h1 === 0 && h2 === 0) h2 = 1;
    this.hi = h1;
    this.lo = h2;
  }
}

/**
 * An {@link Encoder} that records the words a {@link FingerprintEncoder} would mix for the values it
 * receives (each word as its two lanes' inputs), for {@link FingerprintEncoder.replay}. Reuse it:
 * `reset()`, encode, then replay ranges of {@link words} below {@link position}.
 */
export class WordRecorder implements Encoder {
  private buf = new Int32Array(256);
  private n = 0;

  reset(): void {
    this.n = 0;
  }

  private word(w1: number, w2: number): void {
    const n = this.n;
    if (n + 2 > this.buf.length) this.grow(n + 2);
    // Int32Array stores ToInt32 of each value, which is what Math.imul takes of it in `word`.
    this.buf[n] = w1;
    this.buf[n + 1] = w2;
    this.n = n + 2;
  }

  private grow(need: number): void {
    const b = new Int32Array(Math.max(need, this.buf.length * 2));
    b.set(this.buf);
    this.buf = b;
  }

  /** Append the words `words[from .. to)` another recorder recorded. */
  copy(words: Int32Array, from: number, to: number): void {
    const n = this.n;
    const m = n + to - from;
    if (m > this.buf.length) this.grow(m);
    const buf = this.buf;
    // A unit is a few words: a loop costs less than the view `set` needs (an object per copy).
    if (to - from <= 64) for (let i = from, j = n; i < to; i++, j++) buf[j] = words[i]!;
    else buf.set(words.subarray(from, to), n);
    this.n = m;
  }

  int(value: number): void {
    this.word(value, value);
  }

  bool(value: boolean): void {
    const v = value ? 1 : 0;
    this.word(v, v ^ TAG_BOOL);
  }

  str(value: string): void {
    const n = value.length;
    this.word(n, n ^ TAG_STR);
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const w = value.charCodeAt(i) | (value.charCodeAt(i + 1) << 16);
      this.word(w, w ^ TAG_CHARS);
    }
    if (i < n) {
      const w = value.charCodeAt(i);
      this.word(w, w ^ TAG_CHARS);
    }
  }

  /** Where the next word goes in {@link words}: record, note the position, replay ranges of it. */
  get position(): number {
    return this.n;
  }

  /** The words recorded since the last reset: `words[0 .. position)` (valid until the next word). */
  get words(): Int32Array {
    return this.buf;
  }
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** The fingerprint of a state as 16 hex digits (high word first), as replay tokens carry it. */
export function fingerprintHex(hi: number, lo: number): string {
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

/** Compute a state's fingerprint with `encoder` (reset, encode, finish); read it from `encoder.hi/lo`. */
export function fingerprint<S>(model: { encode(state: S, out: Encoder): void }, state: S, encoder: FingerprintEncoder): void {
  encoder.reset();
  model.encode(state, encoder);
  encoder.finish();
}

/**
 * A state's digest: MurmurHash3 (as {@link FingerprintEncoder} mixes it) of every word of its
 * encoding, in order, read from `encoder.hi/lo`. The fingerprint a replay token and a trace carry:
 * for a model that feeds a {@link FingerprintEncoder} only its words it is the state's fingerprint;
 * a model whose fingerprint combines per-part hashes (the kernel model: src/model/kernel-model.ts)
 * still gives the digest of its full encoding here, so tokens and traces do not depend on how the
 * visited set hashes.
 */
export function digest<S>(model: { encode(state: S, out: Encoder): void }, state: S, encoder: FingerprintEncoder, words: WordRecorder = new WordRecorder()): void {
  words.reset();
  model.encode(state, words);
  encoder.reset();
  encoder.replay(words.words, 0, words.position);
  encoder.finish();
}

/** Parent link of a root (initial) state. */
export const NO_PARENT = -1;

/**
 * Called after the table has moved its entries: `remap[oldSlot]` is the new slot of the entry that
 * was at `oldSlot` (entries for empty old slots are meaningless). Anything that holds slot numbers
 * must translate them here; the array is valid only during the call.
 */
export type RehashListener = (remap: Int32Array) => void;

const MIN_CAPACITY = 64;
/** Grow when inserting would exceed this load. */
const MAX_LOAD = 0.9;
/** Grow to this load. */
const TARGET_LOAD = 0.75;
/**
 * Entries of {@link VisitedTable}'s cache of recent entries (a power of two): 16 bytes each, 128 KiB.
 * On the kernel bench 95% of the lookups that find a fingerprint find one inserted within the
 * last 4,096 insertions.
 */
const RECENT = 8192;
const RECENT_MASK = RECENT - 1;
/** Bytes of {@link VisitedTable}'s cache of recent entries, in its {@link VisitedTable.bytes}. */
export const RECENT_BYTES = RECENT * 16;
/** Largest typed array we allocate, in 32-bit elements (V8's limit is near 2^32 bytes on Node 20). */
const MAX_ELEMENTS = 0x3fff_ffff;
const TWO_POW_NEG_32 = 2.3283064365386963e-10;

/**
 * The visited set: an open-addressing (linear probing) hash table of fingerprints with a parent
 * link per entry, in one `Int32Array` of `capacity * stride` words. The home slot of a fingerprint
 * is `floor(hi * capacity / 2^32)` (Lemire's fastrange on the high word), so the capacity need not
 * be a power of two. Slots move when the table grows: register a {@link RehashListener} to keep
 * slot numbers held elsewhere valid.
 *
 * Insertion never grows the table: call {@link reserve} with the number of insertions about to be
 * made first (the engine reserves once per expansion, for the number of enabled actions), so that
 * slot numbers stay put while an expansion runs.
 *
 * With `withIds`, each entry also carries the state's number in order of insertion (0, 1, ...),
 * which liveness checking uses to index its per-state arrays.
 */
export class VisitedTable {
  private data: Int32Array;
  private cap: number;
  private capScale: number;
  private growAt: number;
  private readonly stride: number;
  private readonly listeners: RehashListener[] = [];
  /** Entries stored. */
  count = 0;
  /** Set by {@link insert}: true when the last call added a new entry. */
  inserted = false;
  /** {@link insert} refuses new entries beyond this many (they return -1). */
  limit: number;
  /** Number of times the table has grown. */
  rehashes = 0;
  /**
   * The entries inserted or found last, by the low word's low bits (direct-mapped): high word, low
   * word, slot, unused. A lookup looks here first. Linear probing leaves an entry inserted at a
   * high load far from its home slot (about 20 slots on average between loads 0.75 and 0.9), and
   * breadth-first search looks up mostly what it inserted just before: the states of the level it is
   * making. Emptied when slots move (growth); empty entries are (0, 0), never a fingerprint.
   */
  private readonly recent = new Int32Array(RECENT * 4);

  constructor(options: { withIds?: boolean; limit?: number; initialCapacity?: number } = {}) {
    this.stride = options.withIds ? 4 : 3;
    this.limit = options.limit ?? Number.POSITIVE_INFINITY;
    this.cap = Math.max(MIN_CAPACITY, Math.ceil((options.initialCapacity ?? 0) / TARGET_LOAD));
    this.data = new Int32Array(this.cap * this.stride);
    this.capScale = this.cap * TWO_POW_NEG_32;
    this.growAt = Math.floor(this.cap * MAX_LOAD);
  }

  get capacity(): number {
    return this.cap;
  }

  /** Whether entries carry state numbers. */
  get withIds(): boolean {
    return this.stride === 4;
  }

  /** Bytes held by the table's array and its cache of recent entries. */
  get bytes(): number {
    return this.data.byteLength + this.recent.byteLength;
  }

  onRehash(listener: RehashListener): void {
    this.listeners.push(listener);
  }

  /** Make room for `extra` more entries without exceeding the maximum load (may grow, moving slots). */
  reserve(extra: number): void {
    if (this.count + extra > this.growAt) this.grow(Math.ceil((this.count + extra) / TARGET_LOAD));
  }

  /**
   * Find the fingerprint `(hi, lo)`, or add it with the given parent slot. Returns its slot, and
   * sets {@link inserted} to whether it was added. Returns -1, adding nothing, when the fingerprint
   * is new but the table already holds {@link limit} entries. The caller must have reserved room.
   */
  insert(hi: number, lo: number, parent: number): number {
    const recent = this.recent;
    const r = (lo & RECENT_MASK) << 2;
    if (recent[r] === hi && recent[r + 1] === lo) {
      this.inserted = false;
      return recent[r + 2]!;
    }
    const data = this.data;
    const stride = this.stride;
    const cap = this.cap;
    let i = Math.floor((hi >>> 0) * this.capScale);
    let p = i * stride;
    for (;;) {
      const h = data[p]!;
      const l = data[p + 1]!;
      if (h === hi && l === lo) {
        recent[r] = hi;
        recent[r + 1] = lo;
        recent[r + 2] = i;
        this.inserted = false;
        return i;
      }
      if (h === 0 && l === 0) break;
      i++;
      p += stride;
      if (i === cap) {
        i = 0;
        p = 0;
      }
    }
    if (this.count >= this.limit) {
      this.inserted = false;
      return -1;
    }
    if (this.count >= cap - 1) throw new Error('VisitedTable.insert: no room reserved');
    data[p] = hi;
    data[p + 1] = lo;
    data[p + 2] = parent;
    if (stride === 4) data[p + 3] = this.count;
    recent[r] = hi;
    recent[r + 1] = lo;
    recent[r + 2] = i;
    this.count++;
    this.inserted = true;
    return i;
  }

  /**
   * Read the home slot of each of the first `n` high words, without using what is read: the loads
   * are independent, so the processor overlaps their cache misses, and the inserts that follow find
   * the slots in cache.
   */
  touch(his: Int32Array, n: number): void {
    const data = this.data;
    const stride = this.stride;
    const scale = this.capScale;
    let x = 0;
    for (let j = 0; j < n; j++) x ^= data[Math.floor((his[j]! >>> 0) * scale) * stride]!;
    this.sink ^= x;
  }

  /** Keeps {@link touch}'s loads from being optimised away. */
  private sink = 0;

  /** The slot holding `(hi, lo)`, or -1. */
  find(hi: number, lo: number): number {
    const recent = this.recent;
    const r = (lo & RECENT_MASK) << 2;
    if (recent[r] === hi && recent[r + 1] === lo) return recent[r + 2]!;
    const data = this.data;
    const stride = this.stride;
    const cap = this.cap;
    let i = Math.floor((hi >>> 0) * this.capScale);
    let p = i * stride;
    for (;;) {
      const h = data[p]!;
      const l = data[p + 1]!;
      if (h === hi && l === lo) {
        recent[r] = hi;
        recent[r + 1] = lo;
        recent[r + 2] = i;
        return i;
      }
      if (h === 0 && l === 0) return -1;
      i++;
      p += stride;
      if (i === cap) {
        i = 0;
        p = 0;
      }
    }
  }

  hiAt(slot: number): number {
    return this.data[slot * this.stride]!;
  }

  loAt(slot: number): number {
    return this.data[slot * this.stride + 1]!;
  }

  /** The parent slot, or {@link NO_PARENT} for an initial state. */
  parentAt(slot: number): number {
    return this.data[slot * this.stride + 2]!;
  }

  /** The state number (only with `withIds`). */
  idAt(slot: number): number {
    if (this.stride !== 4) throw new Error('VisitedTable.idAt: the table was created without ids');
    return this.data[slot * this.stride + 3]!;
  }

  /** `slotOfId[id]` for every state number (only with `withIds`); scans the table. */
  slotsById(): Int32Array {
    if (this.stride !== 4) throw new Error('VisitedTable.slotsById: the table was created without ids');
    const out = new Int32Array(this.count).fill(-1);
    const data = this.data;
    for (let i = 0, p = 0; i < this.cap; i++, p += 4) {
      if (data[p] !== 0 || data[p + 1] !== 0) out[data[p + 3]!] = i;
    }
    return out;
  }

  private grow(newCap: number): void {
    const stride = this.stride;
    if (newCap * stride > MAX_ELEMENTS) {
      throw new Error(`visited set full: ${this.count} states (the table cannot grow beyond ${Math.floor(MAX_ELEMENTS / stride)} slots)`);
    }
    const old = this.data;
    const oldCap = this.cap;
    const data = new Int32Array(newCap * stride);
    const scale = newCap * TWO_POW_NEG_32;
    const remap = new Int32Array(oldCap);
    // Old slots are (nearly) sorted by high word, and so are their new homes: this pass writes
    // the new array almost sequentially.
    for (let s = 0, q = 0; s < oldCap; s++, q += stride) {
      const hi = old[q]!;
      const lo = old[q + 1]!;
      if (hi === 0 && lo === 0) continue;
      let i = Math.floor((hi >>> 0) * scale);
      let p = i * stride;
      while (data[p] !== 0 || data[p + 1] !== 0) {
        i++;
        p += stride;
        if (i === newCap) {
          i = 0;
          p = 0;
        }
      }
      data[p] = hi;
      data[p + 1] = lo;
      data[p + 2] = old[q + 2]!;
      if (stride === 4) data[p + 3] = old[q + 3]!;
      remap[s] = i;
    }
    for (let p = 0; p < data.length; p += stride) {
      const parent = data[p + 2]!;
      if (parent >= 0 && (data[p] !== 0 || data[p + 1] !== 0)) data[p + 2] = remap[parent]!;
    }
    this.data = data;
    this.cap = newCap;
    this.capScale = scale;
    this.growAt = Math.floor(newCap * MAX_LOAD);
    this.recent.fill(0);
    this.rehashes++;
    for (const l of this.listeners) l(remap);
  }
}
