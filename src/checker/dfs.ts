/**
 * Depth-first search with an explicit stack (no recursion). A state popped from the stack is
 * expanded completely: its new successors are recorded and checked at once, then pushed in
 * reverse action order, so that the first action's successor is explored first.
 *
 * Memory: the visited set, plus the stack, which holds the discovered but unexpanded successors
 * of the states along the current path: about depth × branching states, usually far fewer than
 * breadth-first search's widest level. Counterexamples are valid paths but not shortest ones, and
 * with a depth bound a state first reached deep may be cut off although a shorter path to it
 * exists (the result is then `incomplete`, reason `max-depth`, as for any cut).
 */
import type { Explorer, Search } from './explorer.ts';

export class DepthFirst<S, A> implements Search {
  readonly exhaustive = true;
  exhausted = false;
  private readonly states: S[] = [];
  private readonly slots: number[] = [];
  private readonly depths: number[] = [];

  constructor(private readonly ex: Explorer<S, A>) {
    ex.table.onRehash((remap) => {
      const sl = this.slots;
      for (let i = 0; i < sl.length; i++) sl[i] = remap[sl[i]!]!;
    });
    if (ex.checkSignal()) return;
    ex.seed();
    this.pushChildren(0);
  }

  get frontier(): number {
    return this.states.length;
  }

  private pushChildren(depth: number): void {
    const cs = this.ex.childStates;
    const sl = this.ex.childSlots;
    for (let j = this.ex.childCount - 1; j >= 0; j--) {
      this.states.push(cs[j]!);
      this.slots.push(sl[j]!);
      this.depths.push(depth);
    }
  }

  run(): boolean {
    const ex = this.ex;
    if (ex.stopped) return true;
    const states = this.states;
    const slots = this.slots;
    const depths = this.depths;
    let tick = 0;
    for (;;) {
      if (states.length === 0) {
        this.exhausted = true;
        return true;
      }
      if ((++tick & 31) === 0 && ex.poll(states.length, depths[depths.length - 1]!)) return ex.stopReason !== null;
      const state = states.pop()!;
      const slot = slots.pop()!;
      const depth = depths.pop()!;
      ex.expand(state, slot, depth);
      if (ex.stopped) return true;
      this.pushChildren(depth + 1);
    }
  }
}
