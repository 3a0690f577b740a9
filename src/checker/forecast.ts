/**
 * A forecast of a run's size from a short sample: how many distinct states a complete exploration
 * of the model would record, estimated from random walks, without exploring it.
 *
 * **Why not Knuth's estimator.** Knuth (1975, "Estimating the efficiency of backtrack programs",
 * Math. Comp. 29) follows random paths from the root and averages the products of the branching
 * factors along them; GenMC's "Total executions estimate" is of that kind, over a tree of
 * executions. It is unbiased for the size of a *tree*. A state graph is no tree: the interleavings
 * of threads reach the same state along many paths, so the estimator counts paths, not states.
 * Measured on mnc's scenarios (scripts/forecast-table.ts, the same budget): exact on the 12 whose
 * spaces are trees, 2·10^4 to 10^25 times too large on the other 56, 5·10^47 on the kernel bench.
 * Pruning first the paths that only reorder commuting steps (a sleep-set tree) did not cure it in
 * an experiment during development (docs/checker.md, "Forecast").
 *
 * **What this does instead: capture–recapture.** Each random walk is one sampling occasion: it
 * starts in an initial state and takes one transition after another (the transitions the run
 * itself expands: {@link expandedRange}, so partial-order reduction and the model's coalescing are
 * the run's), until a state without one, a state outside the boundary, a state the walk has
 * already met (a cycle), or the depth bound. Walks are independent and identically distributed: a
 * seeded coin makes each one either uniform (every expanded action alike) or driven by random
 * thread priorities re-drawn at random points, as PCT schedules threads (Burckhardt, Kothari,
 * Musuvathi, Nagarakatte, "A randomized scheduler with probabilistic guarantees of finding bugs",
 * ASPLOS 2010), which reaches the lopsided schedules uniform walks almost never take. States are
 * identified by the run's 64-bit fingerprints. With m walks, S distinct states met, f1 of them by
 * exactly one walk and f2 by exactly two, the estimate is Chao's
 *
 *     N = S + ((m - 1) / m) · f1² / (2 f2)        (S + ((m - 1) / m) · f1 (f1 - 1) / 2 when f2 = 0)
 *
 * (A. Chao, "Nonparametric estimation of the number of classes in a population", Scand. J.
 * Statistics 11, 1984; in this incidence form and with its variance, A. Chao, "Estimating the
 * population size for capture-recapture data with unequal catchability", Biometrics 43, 1987).
 * States are met with very unequal probabilities (a walk passes through the few states near the
 * start every time, and through most deep states almost never); under such heterogeneity this is a
 * **lower** estimate of the number of states (Chao 1984 derives it as a lower bound, by the
 * Cauchy–Schwarz inequality on the moments of the catch probabilities), and nothing in a sample of
 * this kind can say how far below the truth it is: any estimator of the number of distinct values
 * that sees r of n items can be off by a factor √((n - r) / 2r) even for uniform samples (Charikar,
 * Chaudhuri, Motwani, Narasayya, "Towards estimation error guarantees for distinct values", PODS
 * 2000), and walks are far from uniform. Pelánek and Šimeček ("Estimating state space parameters",
 * 2008) compare such estimators on the state spaces of explicit-state model checkers. It is a lower
 * bound in expectation only: where the walks meet nearly every state, the sample's noise can put
 * it a little above the truth. Measured at the default budget: above the truth in 10 of 74 of
 * mnc's cases, by at most 10%; the truth up to 11 times the estimate on the built-in scenarios
 * (median 1.04), 34 times on the kernel bench, whose states lie mostly in schedules where the
 * reaper retries while the others run, which walks seldom take (docs/checker.md, "Forecast", has
 * the table).
 *
 * **The spread** ({@link Forecast.low} to {@link Forecast.high}) is Chao's (1987) log-normal 95%
 * interval from the sample's variance: the noise of the sample, not the bias above. It is reported
 * so that a reader sees both.
 *
 * **Cost and determinism.** The budget counts successor computations (`nextState` calls), not
 * time, so the same model, seed and budget give the same walks and the same figures on any
 * machine; a walk begun is finished (so the sample may pass the budget by one walk). Memory: 16
 * bytes per distinct state met (fingerprint, count, last walk), at most one per step.
 */
import { activeSymmetry, threadCount } from './symmetry.ts';
import { expandedRange, type Model } from './model.ts';
import { FingerprintEncoder } from './fingerprint.ts';
import { SplitMix32 } from './random.ts';

/** The default sample: this many successor computations (a fraction of a second to a few seconds on the kernel model). */
export const FORECAST_BUDGET = 40_000;

/** Longest walk when the run has no depth bound. */
const WALK_DEPTH = 10_000;

export interface ForecastOptions {
  /** Seed of the walks (default 0). */
  readonly seed?: number;
  /** Successor computations to spend (default {@link FORECAST_BUDGET}). */
  readonly budget?: number;
  /** The run's depth bound: a walk stops at this depth, as the run expands no state there. */
  readonly maxDepth?: number;
  /** Stops the sample early (the forecast says so, and covers what was sampled). */
  readonly signal?: AbortSignal;
}

/** What the sample says about the number of states. */
export interface Forecast {
  /** Chao's estimate of the distinct states a complete exploration records: a lower estimate (see the module comment), never below {@link seen}. */
  readonly states: number;
  /** Chao's (1987) log-normal 95% interval from the sample's variance: the sample's noise, not the estimator's bias. */
  readonly low: number;
  readonly high: number;
  /** Distinct states the walks met (each is reachable). */
  readonly seen: number;
  /** States met by exactly one walk. */
  readonly once: number;
  /** States met by exactly two walks. */
  readonly twice: number;
  /** Walks taken (the sampling occasions). */
  readonly walks: number;
  /** Successor computations made. */
  readonly steps: number;
  /** The longest walk, in transitions. */
  readonly longestWalk: number;
  /** Wall-clock time of the sample. */
  readonly elapsedMs: number;
  /** The signal stopped the sample before its budget was spent. */
  readonly interrupted: boolean;
}

/**
 * Fingerprints of the states met, with how many walks met each and the last walk that did: open
 * addressing on the fingerprint's low word (already well mixed), linear probing, kept at most half
 * full.
 */
class Incidence {
  private mask = 1023;
  private hi = new Int32Array(1024);
  private lo = new Int32Array(1024);
  /** Walks that met the state; 0 marks an empty slot. */
  count = new Int32Array(1024);
  private last = new Int32Array(1024);
  size = 0;

  /**
   * Record that walk `walk` (numbered from 1) met the state with this fingerprint. Returns false
   * when the walk had met it already (a cycle).
   */
  meet(hi: number, lo: number, walk: number): boolean {
    let i = lo & this.mask;
    for (;;) {
      const c = this.count[i]!;
      if (c === 0) break;
      if (this.lo[i] === lo && this.hi[i] === hi) {
        if (this.last[i] === walk) return false;
        this.last[i] = walk;
        this.count[i] = c + 1;
        return true;
      }
      i = (i + 1) & this.mask;
    }
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.count[i] = 1;
    this.last[i] = walk;
    if (++this.size * 2 > this.mask + 1) this.grow();
    return true;
  }

  private grow(): void {
    const { hi, lo, count, last } = this;
    const cap = (this.mask + 1) * 2;
    this.mask = cap - 1;
    this.hi = new Int32Array(cap);
    this.lo = new Int32Array(cap);
    this.count = new Int32Array(cap);
    this.last = new Int32Array(cap);
    for (let j = 0; j < count.length; j++) {
      if (count[j] === 0) continue;
      let i = lo[j]! & this.mask;
      while (this.count[i] !== 0) i = (i + 1) & this.mask;
      this.hi[i] = hi[j]!;
      this.lo[i] = lo[j]!;
      this.count[i] = count[j]!;
      this.last[i] = last[j]!;
    }
  }
}

/**
 * Chao's estimator in its incidence form, from `m` occasions: `S` distinct states, `f1` met once,
 * `f2` twice; with its log-normal 95% interval (Chao 1987).
 */
export function chaoEstimate(S: number, f1: number, f2: number, m: number): { states: number; low: number; high: number } {
  const a = m > 0 ? (m - 1) / m : 0;
  if (f1 === 0 || a === 0) return { states: S, low: S, high: S };
  let n: number;
  let v: number;
  if (f2 > 0) {
    const r = f1 / f2;
    n = S + (a * f1 * f1) / (2 * f2);
    v = f2 * ((a * r * r) / 2 + a * a * r ** 3 + (a * a * r ** 4) / 4);
  } else {
    n = S + (a * f1 * (f1 - 1)) / 2;
    v = (a * f1 * (f1 - 1)) / 2 + (a * a * f1 * (2 * f1 - 1) ** 2) / 4 - (a * a * f1 ** 4) / (4 * n);
  }
  const t = n - S;
  if (!(t > 0) || !(v > 0)) return { states: Math.round(n), low: Math.round(n), high: Math.round(n) };
  const c = Math.exp(1.96 * Math.sqrt(Math.log(1 + v / (t * t))));
  return { states: Math.round(n), low: Math.round(S + t / c), high: Math.round(S + t * c) };
}

/**
 * Sample random walks through `model` (see the module comment) and estimate how many distinct
 * states a complete exploration records. Deterministic given the seed and the budget.
 */
export function forecast<S, A>(model: Model<S, A>, options: ForecastOptions = {}): Forecast {
  const started = performance.now();
  const budget = options.budget ?? FORECAST_BUDGET;
  const maxDepth = Math.min(options.maxDepth ?? WALK_DEPTH, WALK_DEPTH);
  const signal = options.signal;
  const rng = new SplitMix32(options.seed ?? 0);
  const inits = model.initStates();
  if (inits.length === 0) throw new Error('the model has no initial state');
  const enc = new FingerprintEncoder();
  const met = new Incidence();
  const acts: A[] = [];
  /** Per thread (or action index), its priority in the current priority walk and the generation it was drawn in. */
  let prio = new Float64Array(32);
  let prioGen = new Int32Array(32);
  let gen = 0;
  const owner = typeof model.actionThread === 'function' ? model.actionThread.bind(model) : null;
  const boundary = typeof model.withinBoundary === 'function' ? model.withinBoundary.bind(model) : null;
  // Under symmetry reduction the run records representatives: so do the walks.
  const sym = activeSymmetry(model);
  const permBuf = new Uint8Array(sym === null ? 0 : threadCount(model, sym));
  const canon = (s: S): S => (sym === null ? s : sym.canonical(s, permBuf));
  let steps = 0;
  let walks = 0;
  let longest = 0;
  let interrupted = false;

  const meet = (s: S, walk: number): boolean => {
    enc.reset();
    model.encode(s, enc);
    enc.finish();
    return met.meet(enc.hi, enc.lo, walk);
  };
  const priority = (t: number): number => {
    if (t >= prio.length) {
      const n = Math.max(t + 1, prio.length * 2);
      const p = new Float64Array(n);
      p.set(prio);
      prio = p;
      const g = new Int32Array(n);
      g.set(prioGen);
      prioGen = g;
    }
    if (prioGen[t] !== gen) {
      prioGen[t] = gen;
      prio[t] = rng.next();
    }
    return prio[t]!;
  };

  while (steps < budget) {
    if (signal?.aborted) {
      interrupted = true;
      break;
    }
    const walk = ++walks;
    // The walk's kind: uniform, or random priorities re-drawn with probability 1/c at each step.
    const byPriority = (rng.next() & 1) === 1;
    const redraw = byPriority ? 1 / (5 + rng.below(60)) : 0;
    gen++;
    let state: S = canon(inits[rng.below(inits.length)]!);
    meet(state, walk);
    let depth = 0;
    for (;;) {
      if (depth >= maxDepth || (boundary !== null && !boundary(state))) break;
      if ((steps & 255) === 255 && signal?.aborted) {
        interrupted = true;
        break;
      }
      acts.length = 0;
      model.actions(state, acts);
      const { from, to } = expandedRange(model, state, acts);
      let n = to - from;
      let next: S | undefined;
      if (byPriority && rng.next() / 4294967296 < redraw) gen++;
      while (n > 0) {
        // The candidates are acts[from .. from + n); a candidate without a successor is dropped.
        let k: number;
        if (byPriority) {
          k = from;
          let best = -1;
          for (let i = from; i < from + n; i++) {
            const p = priority(owner !== null ? owner(acts[i]!, state) : i - from);
            if (p > best) {
              best = p;
              k = i;
            }
          }
        } else k = from + rng.below(n);
        steps++;
        next = model.nextState(state, acts[k]!);
        if (next !== undefined) break;
        acts[k] = acts[from + n - 1]!;
        n--;
      }
      if (next === undefined) break;
      next = canon(next);
      if (!meet(next, walk)) break;
      state = next;
      depth++;
    }
    if (depth > longest) longest = depth;
    if (interrupted) break;
  }

  let f1 = 0;
  let f2 = 0;
  const count = met.count;
  for (let i = 0; i < count.length; i++) {
    const c = count[i]!;
    if (c === 1) f1++;
    else if (c === 2) f2++;
  }
  const e = chaoEstimate(met.size, f1, f2, walks);
  return {
    ...e,
    seen: met.size,
    once: f1,
    twice: f2,
    walks,
    steps,
    longestWalk: longest,
    elapsedMs: performance.now() - started,
    interrupted,
  };
}
