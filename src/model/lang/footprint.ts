/**
 * What one transition read and wrote, key by key: its *footprint*, as bits (issue 12, item 1:
 * sleep sets, src/checker/explorer.ts). Two transitions of different threads whose footprints do
 * not conflict commute, and each leaves the other's outcome as it was, so that a transition taken
 * in one state can be named in the state another led to without being run again.
 *
 * The keys: each memory key (`Program.memKeys` order), each lock (`Program.lockKeys` order), the
 * list of open start/end pairs, and each thread's own state (its stack, SRCU depth and pending
 * flag). A transition writes its own thread; it reads or writes another's only where a primitive
 * looks at it (`mm_users`: which threads still run; `synchronize_srcu`: who is in a read-side
 * section) or wakes it (a kworker). The pair list is written by a step that opens or closes a pair;
 * a step reads only its own thread's records (an end finds its own start: `Exec.findPair`), which
 * no other thread's step changes, so reads of the list are not recorded.
 *
 * Recorded where the interpreter touches the state (`Exec.read`, `write`, `lock`, `setLock`,
 * `thread`, `wakeKworker`, an oops mark, a memoised segment's inputs and outputs) and where a
 * decision about how far a transition runs reads it outside a statement (the oops mark, a kworker's
 * `pending` flag, the locks a `restores` judgement looks at through `Interpreter.lockOf` and the
 * memory through `Interpreter.evaluate`, the memory a `pairsWhen` condition reads, the step the
 * run-through tries and does not take): docs/model.md, "The run-through judged against whole
 * programs; sleep sets". Over-approximation is sound (more transitions count as dependent); what
 * the explorer names without running is checked against the run successor under `verifySleepSets`.
 */
import type { Program } from './program.ts';

/** Where each key's bit is, for one program. */
export class FootprintLayout {
  /** A memory key's bit: its index in `Program.memKeys`. */
  readonly memIndex: ReadonlyMap<string, number>;
  readonly lockIndex = new Map<string, number>();
  /** The bit of the pair list. */
  readonly pairsBit: number;
  /** The bit of thread 0's own state (thread t's is `threadBase + t`). */
  readonly threadBase: number;
  /** Bits in all. */
  readonly bits: number;
  /** 32-bit words per half (reads, then writes). */
  readonly words: number;

  constructor(program: Program) {
    this.memIndex = program.memIndex;
    const M = program.memKeys.length;
    for (const k of program.lockKeys) this.lockIndex.set(k, M + this.lockIndex.size);
    this.pairsBit = M + program.lockKeys.length;
    this.threadBase = this.pairsBit + 1;
    this.bits = this.threadBase + program.spec.threads.length;
    this.words = Math.max(1, Math.ceil(this.bits / 32));
    this.allMem = new Int32Array(2 * this.words);
    for (const i of this.memIndex.values()) this.allMem[i >> 5]! |= 1 << (i & 31);
  }

  /** A footprint (as {@link Footprint.bits}) reading every memory key. */
  readonly allMem: Int32Array;
}

/** A footprint being recorded: reads in words `[0, W)`, writes in `[W, 2W)` of {@link bits}. */
export class Footprint {
  readonly bits: Int32Array;
  private readonly W: number;

  constructor(readonly layout: FootprintLayout) {
    this.W = layout.words;
    this.bits = new Int32Array(2 * layout.words);
  }

  clear(): void {
    const b = this.bits;
    for (let k = 0; k < b.length; k++) b[k] = 0;
  }

  /** Start the footprint of a step of thread `tid`: empty, but for the thread's own state, which the step writes. */
  start(tid: number): void {
    this.clear();
    this.writeThread(tid);
  }

  private set(i: number, write: boolean): void {
    this.bits[(write ? this.W : 0) + (i >> 5)]! |= 1 << (i & 31);
  }

  readMem(key: string): void {
    const i = this.layout.memIndex.get(key);
    if (i !== undefined) this.set(i, false);
  }

  /** {@link readMem} of the key at `index` in `Program.memKeys`. */
  readMemAt(index: number): void {
    this.set(index, false);
  }

  /** {@link writeMem} of the key at `index` in `Program.memKeys`. */
  writeMemAt(index: number): void {
    this.set(index, true);
  }

  writeMem(key: string): void {
    const i = this.layout.memIndex.get(key);
    if (i !== undefined) this.set(i, true);
  }

  readLock(key: string): void {
    const i = this.layout.lockIndex.get(key);
    if (i !== undefined) this.set(i, false);
  }

  writeLock(key: string): void {
    const i = this.layout.lockIndex.get(key);
    if (i !== undefined) this.set(i, true);
  }

  /** Every memory key read (a judgement that looks at memory the step does not name). */
  readAllMem(): void {
    this.add(this.layout.allMem);
  }

  writePairs(): void {
    this.set(this.layout.pairsBit, true);
  }

  readThread(tid: number): void {
    this.set(this.layout.threadBase + tid, false);
  }

  writeThread(tid: number): void {
    this.set(this.layout.threadBase + tid, true);
  }

  /**
   * Add what a step that did not happen read: the keys `other` (as {@link bits}) read or wrote, as
   * reads (a decision not to take it depended on them, and on the values its writes would have
   * replaced).
   */
  addAsReads(other: Int32Array): void {
    const b = this.bits;
    const W = this.W;
    for (let k = 0; k < W; k++) b[k]! |= other[k]! | other[W + k]!;
  }

  /** Add the bits of `other` (reads, then writes, as {@link bits}), from `at`. */
  add(other: Int32Array, at = 0): void {
    const b = this.bits;
    for (let k = 0; k < b.length; k++) b[k]! |= other[at + k]!;
  }
}

/**
 * Whether the footprints at `a[ai]` and `b[bi]`, each `2 * W` words (reads, then writes), let their
 * transitions commute: neither writes a key the other reads or writes.
 */
export function footprintsCommute(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number, W: number): boolean {
  for (let k = 0; k < W; k++) {
    const ar = a[ai + k]!;
    const aw = a[ai + W + k]!;
    const br = b[bi + k]!;
    const bw = b[bi + W + k]!;
    if (((aw & (br | bw)) | (bw & ar)) !== 0) return false;
  }
  return true;
}
