/**
 * The visited set of a parallel search (parallel.ts), shared by its worker threads through
 * SharedArrayBuffers:
 *
 * - `entries`: per state number (0, 1, ... in order of insertion), its fingerprint and its parent's
 *   number: three 32-bit words, in a growable buffer that only ever grows (numbers never move);
 * - `index`: an open-addressing (linear probing) hash table of `number + 1` (0: empty), the home
 *   slot of a fingerprint `floor(hi * capacity / 2^32)` as in {@link VisitedTable};
 * - `ctl`: the count of numbers handed out.
 *
 * Insertion is lock-free: a thread claims an empty slot with a compare-and-exchange (`CLAIMED`),
 * takes the next number with an atomic add, writes the entry with plain stores, then publishes
 * `number + 1` in the slot with an atomic store, which orders the entry's words before it for any
 * thread whose atomic load sees the number. A thread that meets a claimed slot waits (spins) until
 * it is published, then compares. So a fingerprint is inserted exactly once, by one thread, and its
 * number is the same for all.
 *
 * The index does not grow while threads insert: parallel.ts replaces it, between expansions, when
 * {@link full} says the next expansions could fill it ({@link rebuildIndex}); {@link reserve} is
 * therefore a no-op. Slots of this table (what {@link insert} returns) are state numbers.
 */
import type { StateStore } from './explorer.ts';
import type { RehashListener } from './fingerprint.ts';

/** Words per entry: hi, lo, parent number. */
const STRIDE = 3;
const CLAIMED = -1;
const TWO_POW_NEG_32 = 2.3283064365386963e-10;
/** An index is replaced once it holds this share of its capacity (parallel.ts checks between expansions). */
export const INDEX_FULL = 0.7;
/** A new index is made this empty. */
const INDEX_TARGET = 0.35;
/** Room for entries is reserved up to this many states (the buffer grows within it on demand). */
const MAX_ENTRIES = Math.floor((2 ** 31 - 1) / (STRIDE * 4));

/** The buffers of one table, as posted to each worker. */
export interface SharedTableBuffers {
  readonly ctl: SharedArrayBuffer;
  readonly entries: SharedArrayBuffer;
  readonly index: SharedArrayBuffer;
}

/** An index sized for `states` entries. */
export function newIndex(states: number): SharedArrayBuffer {
  const cap = Math.max(1024, Math.ceil(states / INDEX_TARGET));
  return new SharedArrayBuffer(cap * 4);
}

export function newSharedTable(expected = 0): SharedTableBuffers {
  return {
    ctl: new SharedArrayBuffer(4),
    entries: new SharedArrayBuffer(Math.max(1024, expected) * STRIDE * 4, { maxByteLength: MAX_ENTRIES * STRIDE * 4 }),
    index: newIndex(expected),
  };
}

export class SharedStateTable implements StateStore {
  private readonly ctl: Int32Array;
  private readonly entriesBuf: SharedArrayBuffer;
  /** Length-tracking: follows the buffer as any thread grows it. */
  private readonly entries: Int32Array;
  /** State numbers the entries' buffer had room for when last looked at (it only grows). */
  private room0 = 0;
  private index!: Int32Array;
  private cap = 0;
  private scale = 0;
  private fullAt = 0;
  inserted = false;
  /** {@link insert} refuses new entries beyond this many (they return -1). */
  readonly limit: number;

  constructor(buffers: SharedTableBuffers, limit = Number.POSITIVE_INFINITY) {
    this.ctl = new Int32Array(buffers.ctl);
    this.entriesBuf = buffers.entries;
    this.entries = new Int32Array(buffers.entries);
    this.limit = limit;
    this.setIndex(buffers.index);
  }

  /** Use a new index (built by {@link rebuildIndex}); no thread may be inserting. */
  setIndex(index: SharedArrayBuffer): void {
    this.index = new Int32Array(index);
    this.cap = this.index.length;
    this.scale = this.cap * TWO_POW_NEG_32;
    this.fullAt = Math.floor(this.cap * INDEX_FULL);
  }

  /** Entries stored (the numbers handed out, without those refused at the limit). */
  get count(): number {
    return Math.min(Atomics.load(this.ctl, 0), this.limit);
  }

  get capacity(): number {
    return this.cap;
  }

  /** Whether the index must be replaced before more expansions. */
  get full(): boolean {
    return Atomics.load(this.ctl, 0) >= this.fullAt;
  }

  /** No-op: the index is replaced between expansions (see {@link full}). */
  reserve(_extra: number): void {}

  /** Slots (state numbers) never move. */
  onRehash(_listener: RehashListener): void {}

  touch(his: Int32Array, n: number): void {
    const index = this.index;
    const scale = this.scale;
    let x = 0;
    for (let j = 0; j < n; j++) x ^= index[Math.floor((his[j]! >>> 0) * scale)]!;
    this.sink ^= x;
  }

  private sink = 0;

  /**
   * Find the fingerprint `(hi, lo)`, or add it with parent number `parent`. Returns its number and
   * sets {@link inserted}; returns -1, adding nothing, when it is new and the limit is reached.
   */
  insert(hi: number, lo: number, parent: number): number {
    const index = this.index;
    let i = this.home(hi);
    for (;;) {
      const found = this.probe(i, hi, lo);
      if (found >= 0) {
        this.inserted = false;
        return found;
      }
      // Not there: claim the empty slot the probe ended at. Where another thread claimed it first,
      // probe on from it (the probe waits for that thread's number, then compares).
      i = -found - 1;
      if (Atomics.compareExchange(index, i, 0, CLAIMED) !== 0) continue;
      const id = Atomics.add(this.ctl, 0, 1);
      if (id >= this.limit || id >= this.cap - 1) {
        // Give the slot back: a thread waiting on it probes it again.
        Atomics.store(index, i, 0);
        if (id >= this.limit) {
          this.inserted = false;
          return -1;
        }
        throw new Error('internal error: the shared visited set is full (parallel.ts replaces its index before that)');
      }
      if (id >= this.room0) this.room(id);
      const p = id * STRIDE;
      const entries = this.entries;
      entries[p] = hi;
      entries[p + 1] = lo;
      entries[p + 2] = parent;
      Atomics.store(index, i, id + 1);
      this.inserted = true;
      return id;
    }
  }

  /**
   * The number of the fingerprint `(hi, lo)`, or -1 where it is not in the table (sleep sets: a
   * transition is named only where its successor is here).
   */
  find(hi: number, lo: number): number {
    const found = this.probe(this.home(hi), hi, lo);
    return found >= 0 ? found : -1;
  }

  /** The home slot of a fingerprint whose high word is `hi`. */
  private home(hi: number): number {
    return Math.floor((hi >>> 0) * this.scale);
  }

  /**
   * Probe from slot `i` for `(hi, lo)`: its number, or `-(slot + 1)` for the empty slot where it
   * would go. A slot another thread has claimed is waited for until it is published (or given back),
   * then compared.
   */
  private probe(i: number, hi: number, lo: number): number {
    const index = this.index;
    const cap = this.cap;
    const entries = this.entries;
    for (;;) {
      let v = Atomics.load(index, i);
      while (v === CLAIMED) v = Atomics.load(index, i);
      if (v === 0) return -i - 1;
      const p = (v - 1) * STRIDE;
      if (entries[p] === hi && entries[p + 1] === lo) return v - 1;
      if (++i === cap) i = 0;
    }
  }

  /** Grow the entries' buffer to hold number `id` (any thread may grow it; a smaller request than its size fails). */
  private room(id: number): void {
    const need = (id + 1) * STRIDE * 4;
    const buf = this.entriesBuf;
    while (buf.byteLength < need) {
      if (need > buf.maxByteLength) throw new Error(`visited set full: ${id} states (the shared table cannot grow beyond ${MAX_ENTRIES})`);
      try {
        buf.grow(Math.min(buf.maxByteLength, Math.max(need, buf.byteLength * 2)));
      } catch (e) {
        // Another thread grew it meanwhile (to a larger size than asked here): look again.
        if (!(e instanceof RangeError)) throw e;
      }
    }
    this.room0 = Math.floor(buf.byteLength / (STRIDE * 4));
  }

  idAt(slot: number): number {
    return slot;
  }

  /** Per state number, its slot: the number itself (ResultStore). */
  slotsById(): Int32Array {
    const out = new Int32Array(this.count);
    for (let i = 0; i < out.length; i++) out[i] = i;
    return out;
  }

  hiAt(id: number): number {
    return this.entries[id * STRIDE]!;
  }

  loAt(id: number): number {
    return this.entries[id * STRIDE + 1]!;
  }

  parentAt(id: number): number {
    return this.entries[id * STRIDE + 2]!;
  }
}

/** A new index holding every entry of `table` (its first `count` numbers), sized for `expected` states. */
export function rebuildIndex(table: SharedStateTable, count: number, expected: number): SharedArrayBuffer {
  const buf = newIndex(Math.max(count, expected));
  const index = new Int32Array(buf);
  const cap = index.length;
  const scale = cap * TWO_POW_NEG_32;
  for (let id = 0; id < count; id++) {
    let i = Math.floor((table.hiAt(id) >>> 0) * scale);
    while (index[i] !== 0) if (++i === cap) i = 0;
    index[i] = id + 1;
  }
  return buf;
}
