/**
 * One level of a breadth-first search (bfs.ts, and each side of the parallel search:
 * parallel-side.ts): its states in order of discovery, each with its place in the visited set (a
 * slot, or in the shared table an id) and, with sleep sets (Explorer.enableSleepSets), its sleep
 * set. The three are kept side by side, so that a state never goes anywhere without its place and
 * its set.
 */
import type { SleepSet } from './explorer.ts';

/** What an expansion or seed leaves for the next level (an Explorer's children, whatever its visited set). */
export interface Children<S> {
  readonly childCount: number;
  readonly childStates: readonly S[];
  readonly childSlots: readonly number[];
  readonly childSleeps: readonly (SleepSet | null)[];
}

export class Level<S> {
  states: (S | undefined)[] = [];
  /** Each state's slot (or id) in the visited set. */
  slots: number[] = [];
  /** With sleep sets: each state's (null: empty). Null without. */
  sleeps: (SleepSet | null)[] | null;

  constructor(withSleeps: boolean) {
    this.sleeps = withSleeps ? [] : null;
  }

  get length(): number {
    return this.states.length;
  }

  /** Append the children the explorer's last expansion or seed left (Explorer.childStates). */
  addChildren(ex: Children<S>): void {
    const k = ex.childCount;
    const states = this.states;
    const slots = this.slots;
    for (let j = 0; j < k; j++) {
      states.push(ex.childStates[j]!);
      slots.push(ex.childSlots[j]!);
    }
    const sleeps = this.sleeps;
    if (sleeps !== null) for (let j = 0; j < k; j++) sleeps.push(ex.childSleeps[j] ?? null);
  }

  /**
   * The state at `i`, with its sleep set ({@link takenSleep}), dropped from the level: a level is
   * expanded in order, and a state expanded is no longer held here.
   */
  take(i: number): S {
    const s = this.states[i] as S;
    this.states[i] = undefined;
    const sleeps = this.sleeps;
    if (sleeps !== null) {
      this.takenSleep = sleeps[i] ?? null;
      sleeps[i] = null;
    }
    return s;
  }
  /** The sleep set of the state {@link take} last took (null: empty, or no sleep sets). */
  takenSleep: SleepSet | null = null;

  /** Remove the last `n` entries (at most all), and return them. */
  split(n: number): { states: S[]; slots: number[]; sleeps: (SleepSet | null)[] | null } {
    const m = Math.min(n, this.states.length);
    const at = this.states.length - m;
    return {
      states: this.states.splice(at, m) as S[],
      slots: this.slots.splice(at, m),
      sleeps: this.sleeps === null ? null : this.sleeps.splice(at, m),
    };
  }

  /**
   * Append states moved from another level ({@link split}), with their places and their sleep
   * sets: a state moved without its set, where this level keeps sets, is an internal error.
   */
  append(states: readonly S[], slots: readonly number[], sleeps: readonly (SleepSet | null)[] | null): void {
    if (this.sleeps !== null && (sleeps === null || sleeps.length !== states.length)) {
      throw new Error('internal error: states moved between levels (the sides of a parallel search) without their sleep sets');
    }
    for (let j = 0; j < states.length; j++) {
      this.states.push(states[j]!);
      this.slots.push(slots[j]!);
    }
    if (this.sleeps !== null) for (const z of sleeps!) this.sleeps.push(z);
  }

  /** Renumber the slots from `from` on after the visited set was rehashed (`remap[old]` is the new slot). */
  remap(from: number, remap: Int32Array): void {
    const slots = this.slots;
    for (let i = from; i < slots.length; i++) slots[i] = remap[slots[i]!]!;
  }
}
