/**
 * Seeded random walks (stateright's "simulation"). Each walk starts in an initial state chosen at
 * random and takes, at each step, a transition chosen uniformly among the state's transitions,
 * until it reaches `walkDepth` steps, a state outside the boundary, or a state without
 * transitions. Every state a walk meets is recorded in the visited set and checked once, as in
 * the exhaustive strategies, so counterexamples are rebuilt from parent links: they are valid
 * paths, often shorter than the walk that found them, never longer. (A walk goes on from the
 * state it is in even when that state's fingerprint was recorded for another state; the next new
 * state's parent link then names the recorded one. Under a fingerprint collision the rebuilt path
 * may thus fail to replay, or end in another state: `check` confirms every path on the real
 * states and reports such a property `unknown`, reason `collision`.)
 *
 * The generator is a 32-bit SplitMix seeded with `seed`: the same model, seed and options give
 * the same walks, state counts and counterexamples. Random walks never prove anything: a run that
 * finds no violation ends `incomplete` with reason `random`, and liveness properties stay unknown.
 */
import type { Explorer, Search } from './explorer.ts';
import { NO_PARENT } from './fingerprint.ts';

/** SplitMix32: a small, fast, seedable generator of 32-bit values. */
export class SplitMix32 {
  private s: number;
  constructor(seed: number) {
    this.s = seed | 0;
  }
  /** The next value, uniform in 0 .. 2^32 - 1. */
  next(): number {
    this.s = (this.s + 0x9e3779b9) | 0;
    let z = this.s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }
  /** Uniform in 0 .. n - 1 (n ≥ 1). */
  below(n: number): number {
    return Math.floor((this.next() * n) / 4294967296);
  }
}

export interface RandomOptions {
  readonly seed: number;
  readonly walks: number;
  readonly walkDepth: number;
}

export class RandomWalks<S, A> implements Search {
  readonly exhaustive = false;
  exhausted = false;
  private readonly rng: SplitMix32;
  private readonly inits: readonly S[];
  private readonly acts: A[] = [];
  private walk = 0;
  private state: S | undefined = undefined;
  private slot = NO_PARENT;
  private inside = false;
  private step = 0;

  constructor(
    private readonly ex: Explorer<S, A>,
    private readonly options: RandomOptions,
  ) {
    this.rng = new SplitMix32(options.seed);
    this.inits = ex.model.initStates();
    if (this.inits.length === 0) throw new Error('the model has no initial state');
    ex.table.onRehash((remap) => {
      if (this.state !== undefined) this.slot = remap[this.slot]!;
    });
    ex.checkSignal();
  }

  get frontier(): number {
    return this.state === undefined ? 0 : this.step;
  }

  /**
   * Record `state` as reached by a transition from the state in `parent` (or as a root, with
   * NO_PARENT); returns false when the state bound stopped the search.
   */
  private arrive(state: S, parent: number, depth: number): boolean {
    const ex = this.ex;
    const enc = ex.enc;
    enc.reset();
    ex.model.encode(state, enc);
    enc.finish();
    const hi = enc.hi;
    const lo = enc.lo;
    ex.currentSlot = parent;
    ex.table.reserve(1);
    const p = ex.currentSlot;
    ex.currentSlot = NO_PARENT;
    const s = ex.table.insert(hi, lo, p);
    if (s < 0) {
      ex.stopReason = 'max-states';
      return false;
    }
    if (parent !== NO_PARENT) ex.transitions++;
    this.inside = ex.table.inserted
      ? ex.discovered(state, s, hi, lo, depth)
      : ex.model.withinBoundary
        ? ex.model.withinBoundary(state)
        : true;
    this.state = state;
    this.slot = s;
    this.step = depth;
    return true;
  }

  run(): boolean {
    const ex = this.ex;
    if (ex.stopped) return true;
    const model = ex.model;
    const acts = this.acts;
    const limit = Math.min(this.options.walkDepth, ex.maxDepthBound);
    let tick = 0;
    for (;;) {
      if ((++tick & 31) === 0 && ex.poll(this.frontier, this.step)) return ex.stopReason !== null;
      if (this.state === undefined) {
        if (this.walk >= this.options.walks) {
          this.exhausted = true;
          return true;
        }
        this.walk++;
        const init = this.inits[this.rng.below(this.inits.length)]!;
        if (!this.arrive(init, NO_PARENT, 0) || ex.halted) return true;
        continue;
      }
      const state = this.state;
      if (!this.inside || this.step >= limit) {
        this.state = undefined;
        continue;
      }
      acts.length = 0;
      model.actions(state, acts);
      // Pick uniformly among the actions that lead somewhere: draw, drop the ones that do not.
      let n = acts.length;
      let next: S | undefined;
      while (n > 0) {
        const k = this.rng.below(n);
        next = model.nextState(state, acts[k]!);
        if (next !== undefined) break;
        acts[k] = acts[n - 1]!;
        n--;
      }
      if (next === undefined) {
        this.state = undefined;
        continue;
      }
      if (!this.arrive(next, this.slot, this.step + 1) || ex.halted) return true;
    }
  }
}
