/**
 * One level of a breadth-first search (bfs.ts, and each side of the parallel search:
 * parallel-side.ts): its states in order of discovery, each with its place in the visited set (a
 * slot, or in the shared table an id), with sleep sets (Explorer.enableSleepSets) its sleep set,
 * the enabled actions its discovery listed (Explorer.listsActions), which its expansion takes
 * instead of listing them again, and the model's carried words (Model.carry), which it gives back
 * to the model before the expansion. They are kept side by side, so that a state never goes
 * anywhere without its place and its set; a state moved to another side's level goes without its
 * actions and words (that side lists them again and the model computes again what the words held:
 * actions are the model's objects, and neither is sent).
 */
import type { ListedActions, SleepSet, SleepView } from './explorer.ts';
import type { Carry } from './model.ts';

const NO_WORDS = new Int32Array(0);
const NO_SLEEP = NO_WORDS;

/** What an expansion or seed leaves for the next level (an Explorer's children, whatever its visited set). */
export interface Children<S, A> {
  readonly childCount: number;
  readonly childStates: readonly S[];
  readonly childSlots: readonly number[];
  /** With sleep sets: child `k`'s is `childSleepBuf[k][childSleepFrom[k] .. childSleepTo[k])` (empty: none), never written again. */
  readonly childSleepBuf: readonly Int32Array[];
  readonly childSleepFrom: readonly number[];
  readonly childSleepTo: readonly number[];
  /** Whether each child's actions are listed in {@link childActs} (Explorer.listsActions). */
  readonly listsActions: boolean;
  readonly childActs: readonly A[];
  /** Child `k`'s actions end at `childActEnds[k]` in {@link childActs} (and begin where child `k - 1`'s end). */
  readonly childActEnds: readonly number[];
  /** With the model's carried words on (Explorer.carry non-null): child `k`'s are `childCarryBuf[k][childCarryFrom[k] .. childCarryTo[k])`, never written again. */
  readonly carry: unknown;
  readonly childCarryBuf: readonly Int32Array[];
  readonly childCarryFrom: readonly number[];
  readonly childCarryTo: readonly number[];
}

export class Level<S, A = unknown> implements ListedActions<A>, SleepView {
  /**
   * The arrays below are kept from one level to the next ({@link reset}): each holds the level's
   * entries in its first {@link length} places and whatever an earlier level left after them
   * (written over, never read). A breadth-first search alternates two levels; making each anew
   * grew a dozen arrays push by push every level, about 370 bytes a state on the kernel bench.
   */
  states: (S | undefined)[] = [];
  /** Each state's slot (or id) in the visited set. */
  slots: number[] = [];
  /** Whether the states have sleep sets (Explorer.enableSleepSets). */
  readonly withSleeps: boolean;
  /** With sleep sets: where each state's is, as the explorer wrote it (empty: none). */
  private sleepBufs: Int32Array[] = [];
  private sleepFroms: number[] = [];
  private sleepTos: number[] = [];
  /** The states' listed actions, one state's after another's ({@link actFrom}), the first {@link actCount} of them. */
  private acts: A[] = [];
  private actCount = 0;
  /** Per state, where its actions begin in {@link acts} (-1: none kept), and where they end. */
  private actFrom: number[] = [];
  private actTo: number[] = [];
  /**
   * Where each state's carried words are: the chunk the explorer wrote them into (Words: never
   * written again, so the words are neither copied here nor by the model, which reads them where
   * they are: Carry.resume), and where they begin and end there (equal: none kept).
   */
  private wordBuf: Int32Array[] = [];
  private wordFrom: number[] = [];
  private wordTo: number[] = [];
  /** How many states the level holds. */
  private count = 0;

  constructor(withSleeps: boolean) {
    this.withSleeps = withSleeps;
  }

  get length(): number {
    return this.count;
  }

  /**
   * Empty the level, keeping its arrays' room for the next: what it held is let go (the states
   * expanded were already; the chunks of sleep sets and carried words are dropped here).
   */
  reset(): void {
    const n = this.count;
    this.states.fill(undefined, 0, n);
    this.sleepBufs.fill(NO_SLEEP, 0, n);
    this.wordBuf.fill(NO_WORDS, 0, n);
    this.count = 0;
    this.actCount = 0;
    this.taken = -1;
  }

  /** Append the children the explorer's last expansion or seed left (Explorer.childStates). */
  addChildren(ex: Children<S, A>): void {
    const k = ex.childCount;
    const at = this.count;
    const states = this.states;
    const slots = this.slots;
    for (let j = 0; j < k; j++) {
      states[at + j] = ex.childStates[j]!;
      slots[at + j] = ex.childSlots[j]!;
    }
    if (this.withSleeps) {
      const bufs = this.sleepBufs;
      const froms = this.sleepFroms;
      const tos = this.sleepTos;
      for (let j = 0; j < k; j++) {
        bufs[at + j] = ex.childSleepBuf[j]!;
        froms[at + j] = ex.childSleepFrom[j]!;
        tos[at + j] = ex.childSleepTo[j]!;
      }
    }
    const wordBuf = this.wordBuf;
    const wordFrom = this.wordFrom;
    const wordTo = this.wordTo;
    if (ex.carry !== null) {
      for (let j = 0; j < k; j++) {
        wordBuf[at + j] = ex.childCarryBuf[j]!;
        wordFrom[at + j] = ex.childCarryFrom[j]!;
        wordTo[at + j] = ex.childCarryTo[j]!;
      }
    } else this.noWords(at, k);
    this.count = at + k;
    const actFrom = this.actFrom;
    const actTo = this.actTo;
    if (!ex.listsActions) {
      for (let j = 0; j < k; j++) {
        actFrom[at + j] = -1;
        actTo[at + j] = -1;
      }
      return;
    }
    const acts = this.acts;
    const from = ex.childActs;
    const ends = ex.childActEnds;
    let o = this.actCount;
    let i = 0;
    for (let j = 0; j < k; j++) {
      actFrom[at + j] = o;
      const end = ends[j]!;
      for (; i < end; i++) acts[o++] = from[i]!;
      actTo[at + j] = o;
    }
    this.actCount = o;
  }

  /**
   * The state at `i`, with its sleep set ({@link sleepBuf}), dropped from the level: a level is
   * expanded in order, and a state expanded is no longer held here.
   */
  take(i: number): S {
    const s = this.states[i] as S;
    this.states[i] = undefined;
    if (this.withSleeps) {
      this.sleepBuf = this.sleepBufs[i]!;
      this.sleepFrom = this.sleepFroms[i]!;
      this.sleepTo = this.sleepTos[i]!;
      this.sleepBufs[i] = NO_SLEEP;
    }
    this.taken = i;
    return s;
  }
  /** The sleep set of the state {@link take} last took, `sleepBuf[sleepFrom..sleepTo)` (empty: none, or no sleep sets). */
  sleepBuf: Int32Array = NO_SLEEP;
  sleepFrom = 0;
  sleepTo = 0;
  /** The index of the state {@link take} last took. */
  private taken = -1;

  /** The actions listed for the state {@link take} last took, pushed onto `out`; false where none were kept. */
  listTaken(out: A[]): boolean {
    const i = this.taken;
    const from = i < 0 ? -1 : this.actFrom[i]!;
    if (from < 0) return false;
    const to = this.actTo[i]!;
    const acts = this.acts;
    for (let j = from; j < to; j++) out.push(acts[j]!);
    return true;
  }

  /** Give `carry` the words kept for the state {@link take} last took (Carry.resume); nothing where none were kept. */
  resumeTaken<T>(carry: Carry<T>, state: T): void {
    const i = this.taken;
    if (i < 0) return;
    const from = this.wordFrom[i]!;
    const to = this.wordTo[i]!;
    if (to > from) carry.resume(state, this.wordBuf[i]!, from, to);
  }

  /** Keep no words for the `k` states from `at` on. */
  private noWords(at: number, k: number): void {
    for (let j = at; j < at + k; j++) {
      this.wordBuf[j] = NO_WORDS;
      this.wordFrom[j] = 0;
      this.wordTo[j] = 0;
    }
  }

  /** Remove the last `n` entries (at most all), and return them. */
  split(n: number): { states: S[]; slots: number[]; sleeps: (SleepSet | null)[] | null } {
    const m = Math.min(n, this.count);
    const at = this.count - m;
    // Their actions and words stay behind (the side they go to lists them again, and its model computes again what the words held).
    const out = {
      states: this.states.slice(at, at + m) as S[],
      slots: this.slots.slice(at, at + m),
      sleeps: this.withSleeps ? this.splitSleeps(at, m) : null,
    };
    this.states.fill(undefined, at, at + m);
    this.wordBuf.fill(NO_WORDS, at, at + m);
    this.count = at;
    return out;
  }

  /** The sleep sets of the states from `at` on, `m` of them, removed, each as an array of its own (null: empty). */
  private splitSleeps(at: number, m: number): (SleepSet | null)[] {
    const out: (SleepSet | null)[] = [];
    for (let i = at; i < at + m; i++) {
      const from = this.sleepFroms[i]!;
      const to = this.sleepTos[i]!;
      out.push(to > from ? this.sleepBufs[i]!.slice(from, to) : null);
      this.sleepBufs[i] = NO_SLEEP;
    }
    return out;
  }

  /**
   * Append states moved from another level ({@link split}), with their places and their sleep
   * sets: a state moved without its set, where this level keeps sets, is an internal error.
   */
  append(states: readonly S[], slots: readonly number[], sleeps: readonly (SleepSet | null)[] | null): void {
    if (this.withSleeps && (sleeps === null || sleeps.length !== states.length)) {
      throw new Error('internal error: states moved between levels (the sides of a parallel search) without their sleep sets');
    }
    const at = this.count;
    const k = states.length;
    for (let j = 0; j < k; j++) {
      this.states[at + j] = states[j]!;
      this.slots[at + j] = slots[j]!;
      this.actFrom[at + j] = -1;
      this.actTo[at + j] = -1;
    }
    this.noWords(at, k);
    if (this.withSleeps) {
      for (let j = 0; j < k; j++) {
        const z = sleeps![j]!;
        this.sleepBufs[at + j] = z ?? NO_SLEEP;
        this.sleepFroms[at + j] = 0;
        this.sleepTos[at + j] = z === null ? 0 : z.length;
      }
    }
    this.count = at + k;
  }

  /** Renumber the slots from `from` on after the visited set was rehashed (`remap[old]` is the new slot). */
  remap(from: number, remap: Int32Array): void {
    const slots = this.slots;
    for (let i = from; i < this.count; i++) slots[i] = remap[slots[i]!]!;
  }
}
