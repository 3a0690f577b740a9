/**
 * Shortening a counterexample found depth-first, as SPIN's `pan -i` does: explore again,
 * depth-first, with the depth bound one less than the counterexample's length, looking only for
 * a violation of the same property, and repeat with each shorter one found until none is (or the
 * budget is spent). Every path reported is a real counterexample of the same property (each run
 * confirms its finding on the real states); it is the shortest only when the last run was not cut
 * by the budget and, as with any depth-bounded depth-first search, a state first reached along a
 * longer path may hide a shorter continuation (see dfs.ts): a shortest one is what breadth-first
 * search gives.
 *
 * Only safety findings (`always`, `deadlock`) are shortened: the liveness kinds are decided on a
 * complete graph, which a depth-bounded run is not.
 */
import { check } from './check.ts';
import type { Model } from './model.ts';
import type { CheckOptions, Counterexample } from './result.ts';

export interface ShortenOptions {
  /** Distinct states the re-runs may explore in all. */
  readonly maxStates: number;
  /** Wall-clock budget of the re-runs, in milliseconds. */
  readonly timeMs?: number;
  readonly signal?: AbortSignal;
}

export interface Shortened<S, A> {
  readonly counterexample: Counterexample<S, A>;
  /** The length of the counterexample given. */
  readonly fromSteps: number;
  /** Re-runs made, the states they explored in all, and why they stopped. */
  readonly runs: number;
  readonly states: number;
  /** `shortest-found`: the last run, within its budget, found nothing shorter; `budget`: a bound cut it. */
  readonly stopped: 'shortest-found' | 'budget' | 'not-shortened';
}

/** The model with only property `name` (its other members as they are: same actions, same tokens). */
function only<S, A>(model: Model<S, A>, name: string): Model<S, A> {
  const p = model.properties().filter((x) => x.name === name);
  const m = Object.create(model) as Model<S, A> & { properties: () => typeof p };
  m.properties = () => p;
  return m;
}

export function shorten<S, A>(model: Model<S, A>, found: Counterexample<S, A>, o: ShortenOptions): Shortened<S, A> {
  const fromSteps = found.path.steps.length;
  if (found.kind !== 'always' && found.kind !== 'deadlock') return { counterexample: found, fromSteps, runs: 0, states: 0, stopped: 'not-shortened' };
  const one = only(model, found.property);
  const started = performance.now();
  let best = found;
  let runs = 0;
  let states = 0;
  for (;;) {
    const len = best.path.steps.length;
    const left = o.maxStates - states;
    const timeLeft = o.timeMs === undefined ? undefined : o.timeMs - (performance.now() - started);
    if (len === 0) return { counterexample: best, fromSteps, runs, states, stopped: 'shortest-found' };
    if (left < 1 || (timeLeft !== undefined && timeLeft <= 0) || o.signal?.aborted) return { counterexample: best, fromSteps, runs, states, stopped: 'budget' };
    const opts: CheckOptions = {
      strategy: 'dfs',
      maxDepth: len - 1,
      maxStates: left,
      ...(timeLeft === undefined ? {} : { timeMs: timeLeft }),
      ...(o.signal ? { signal: o.signal } : {}),
    };
    const r = check(one, opts);
    runs++;
    states += r.stats.states;
    const v = r.status === 'pass' ? undefined : r.violation;
    if (v !== undefined && v.property === found.property && v.path.steps.length < len) {
      best = v;
      continue;
    }
    // Nothing shorter within the depth bound; a cut other than the depth bound itself leaves it open.
    const cut = r.status === 'incomplete' && r.reason !== 'max-depth';
    return { counterexample: best, fromSteps, runs, states, stopped: cut ? 'budget' : 'shortest-found' };
  }
}
