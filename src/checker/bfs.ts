/**
 * Breadth-first search: states are expanded level by level, in order of discovery, so the first
 * violation found is at the least depth (a shortest counterexample) and each state's parent link
 * gives a shortest path to it.
 *
 * Memory: the visited set, plus the states of the current and the next level (full states, as the
 * model returns them, each with the actions its discovery listed; the widest level decides the
 * peak).
 */
import type { Explorer, Search } from './explorer.ts';
import { Level } from './level.ts';

export class BreadthFirst<S, A> implements Search {
  readonly exhaustive = true;
  exhausted = false;
  private cur: Level<S, A>;
  private pos = 0;
  private next: Level<S, A>;
  /** Whether sleep sets are on (Explorer.enableSleepSets): each level then keeps each state's beside it. */
  private readonly sleeps: boolean;
  private depth = 0;

  constructor(private readonly ex: Explorer<S, A>) {
    ex.table.onRehash((remap) => {
      this.cur.remap(this.pos, remap);
      this.next.remap(0, remap);
    });
    this.sleeps = ex.enableSleepSets();
    ex.listsActions = true;
    ex.enableCarry();
    this.cur = new Level<S, A>(this.sleeps);
    this.next = new Level<S, A>(this.sleeps);
    if (ex.checkSignal()) return;
    ex.seed();
    this.cur.addChildren(ex);
  }

  /** States discovered and not yet expanded. */
  get frontier(): number {
    return this.cur.length - this.pos + this.next.length;
  }

  run(): boolean {
    const ex = this.ex;
    if (ex.stopped) return true;
    let tick = 0;
    for (;;) {
      if (this.pos === this.cur.length) {
        if (this.next.length === 0) {
          this.exhausted = true;
          return true;
        }
        // The level done becomes the next one, its arrays' room kept (Level.reset).
        const done = this.cur;
        this.cur = this.next;
        this.next = done;
        done.reset();
        ex.nextLevel();
        this.pos = 0;
        this.depth++;
      }
      if ((++tick & 31) === 0 && ex.poll(this.frontier, this.depth)) return ex.stopReason !== null;
      const i = this.pos++;
      const cur = this.cur;
      const state = cur.take(i);
      ex.expand(state, cur.slots[i]!, this.depth, this.sleeps ? cur : null, cur);
      if (ex.stopped) return true;
      if (ex.childCount > 0) this.next.addChildren(ex);
    }
  }
}
