/**
 * Breadth-first search: states are expanded level by level, in order of discovery, so the first
 * violation found is at the least depth (a shortest counterexample) and each state's parent link
 * gives a shortest path to it.
 *
 * Memory: the visited set, plus the states of the current and the next level (full states, as the
 * model returns them; the widest level decides the peak).
 */
import type { Explorer, Search, SleepSet } from './explorer.ts';

export class BreadthFirst<S, A> implements Search {
  readonly exhaustive = true;
  exhausted = false;
  private cur: (S | undefined)[] = [];
  private curSlots: number[] = [];
  private pos = 0;
  private next: S[] = [];
  private nextSlots: number[] = [];
  /** With sleep sets (Explorer.enableSleepSets): each state's sleep set, beside the states. */
  private readonly sleeps: boolean;
  private curSleeps: (SleepSet | null)[] = [];
  private nextSleeps: (SleepSet | null)[] = [];
  private depth = 0;

  constructor(private readonly ex: Explorer<S, A>) {
    ex.table.onRehash((remap) => {
      const cs = this.curSlots;
      for (let i = this.pos; i < cs.length; i++) cs[i] = remap[cs[i]!]!;
      const ns = this.nextSlots;
      for (let i = 0; i < ns.length; i++) ns[i] = remap[ns[i]!]!;
    });
    this.sleeps = ex.enableSleepSets();
    if (ex.checkSignal()) return;
    ex.seed();
    this.cur = ex.childStates.slice(0, ex.childCount);
    this.curSlots = ex.childSlots.slice(0, ex.childCount);
    if (this.sleeps) this.curSleeps = ex.childSleeps.slice(0, ex.childCount);
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
        this.cur = this.next;
        this.curSlots = this.nextSlots;
        this.curSleeps = this.nextSleeps;
        this.next = [];
        this.nextSlots = [];
        this.nextSleeps = [];
        this.pos = 0;
        this.depth++;
      }
      if ((++tick & 31) === 0 && ex.poll(this.frontier, this.depth)) return ex.stopReason !== null;
      const i = this.pos++;
      const state = this.cur[i] as S;
      this.cur[i] = undefined;
      let sleeping: SleepSet | null = null;
      if (this.sleeps) {
        sleeping = this.curSleeps[i] ?? null;
        this.curSleeps[i] = null;
      }
      ex.expand(state, this.curSlots[i]!, this.depth, sleeping);
      if (ex.stopped) return true;
      const k = ex.childCount;
      if (k > 0) {
        const cs = ex.childStates;
        const sl = ex.childSlots;
        const next = this.next;
        const nextSlots = this.nextSlots;
        for (let j = 0; j < k; j++) {
          next.push(cs[j]!);
          nextSlots.push(sl[j]!);
        }
        if (this.sleeps) for (let j = 0; j < k; j++) this.nextSleeps.push(ex.childSleeps[j] ?? null);
      }
    }
  }
}
