/**
 * What `check` returns: data, never text. `format.ts` turns it into text; `assert.ts` throws with it.
 */
import type { PropertyKind, ThreadInfo } from './model.ts';

/** One step of a path: the action taken and the state it led to. */
export interface PathStep<S, A> {
  readonly action: A;
  readonly state: S;
}

/**
 * A path through the model: an initial state, then each action with the state it leads to.
 * `token` replays it exactly (see `path.ts`): the same model gives the same path again.
 */
export interface Path<S, A> {
  readonly init: S;
  readonly steps: readonly PathStep<S, A>[];
  readonly token: string;
}

/** A property's violation, with the path that shows it. */
export interface Counterexample<S, A> {
  readonly property: string;
  readonly kind: PropertyKind;
  /**
   * For `always`: ends in a state where the predicate is false. For `deadlock`: ends in the
   * deadlocked state. For `reachable`: ends in a state from which no goal state is reachable.
   * For `eventually`: a lasso (see `loopStart`). For `sometimes`: empty steps from the first
   * initial state (nothing satisfies the predicate).
   */
  readonly path: Path<S, A>;
  /**
   * Only for `eventually`: the index into the path's positions (0 = the initial state, i = the
   * state after step i) at which the cycle begins. The last state of the path is that same state
   * again. When it equals `steps.length`, the run ends in a dead end and stutters there forever.
   */
  readonly loopStart?: number;
  /** For `deadlock` (and any counterexample when the model has threads): every thread in the last state. */
  readonly threads?: readonly ThreadInfo[];
}

/** The verdict on one property. */
export type Verdict<S, A> =
  | { readonly property: string; readonly kind: PropertyKind; readonly status: 'holds'; readonly example?: Path<S, A> }
  | { readonly property: string; readonly kind: PropertyKind; readonly status: 'violated'; readonly counterexample: Counterexample<S, A> }
  | { readonly property: string; readonly kind: PropertyKind; readonly status: 'unknown' };

/** Figures of one exploration. */
export interface Stats {
  /** Distinct states recorded (within and outside the boundary). */
  readonly states: number;
  /** Transitions taken (edges explored, including those to states already seen). */
  readonly transitions: number;
  /**
   * Of {@link transitions}, those a sleep set named without running them (src/checker/explorer.ts:
   * their successors were in the visited set already); absent where sleep sets were not used.
   */
  readonly namedTransitions?: number;
  /** The deepest level reached (an initial state has depth 0). */
  readonly maxDepth: number;
  readonly elapsedMs: number;
  /** Bytes held by the visited set's slots at the end (fingerprints and parent links; not its cache of recent entries, a fixed 128 KiB). */
  readonly visitedBytes: number;
  /**
   * Extra bytes held for liveness checking: the recorded graph (edges, per-state labels), the
   * visited set's state numbers, and the largest working set of the analysis after exploration.
   * 0 when the model has no liveness property (or the strategy is `random`).
   */
  readonly livenessBytes: number;
}

/**
 * Why a run decided less than a complete exploration would:
 *
 * - `max-states`, `max-depth`, `time`, `interrupted`: a bound or an interrupt cut the exploration
 *   (or, for `time` and `interrupted`, the confirmation of a counterexample after it);
 * - `random`: random walks never cover the space;
 * - `collision`: a counterexample (or a `sometimes` example) found on fingerprints did not hold
 *   when re-executed on the real states: two distinct states share a 64-bit fingerprint (or the
 *   model is not deterministic, or its encoding merges states that behave differently). That
 *   property is `unknown`, and nothing is reported for it. Takes precedence over the others.
 */
export type IncompleteReason = 'max-states' | 'max-depth' | 'time' | 'interrupted' | 'random' | 'collision';

export type CheckResult<S, A> =
  /** Every property was decided and holds over the whole space. */
  | { readonly status: 'pass'; readonly stats: Stats; readonly verdicts: readonly Verdict<S, A>[] }
  /**
   * A property is violated. `violation` is the first found (breadth-first: a shortest one);
   * `violations` lists every property found violated (one counterexample each).
   */
  | {
      readonly status: 'violation';
      readonly violation: Counterexample<S, A>;
      readonly violations: readonly Counterexample<S, A>[];
      readonly stats: Stats;
      readonly verdicts: readonly Verdict<S, A>[];
      /** True when exploration went on after the first violation to the end of the space. */
      readonly complete: boolean;
    }
  /**
   * A bound stopped exploration before the space was covered, or a counterexample did not hold on
   * the real states (`collision`): `reason` names it, `stats` says what was covered, and
   * `violation` is set if a confirmed one was found. Never a silent pass.
   */
  | {
      readonly status: 'incomplete';
      readonly reason: IncompleteReason;
      readonly stats: Stats;
      readonly violation?: Counterexample<S, A>;
      readonly violations: readonly Counterexample<S, A>[];
      readonly verdicts: readonly Verdict<S, A>[];
    };

/** A progress event, emitted while exploring (at most every `progressIntervalMs`). */
export interface Progress {
  readonly states: number;
  readonly transitions: number;
  readonly statesPerSecond: number;
  readonly depth: number;
  /** States discovered but not yet expanded (for random walks: the current walk's length). */
  readonly frontier: number;
  readonly elapsedMs: number;
}

export type Strategy = 'bfs' | 'dfs' | 'random';

export interface CheckOptions {
  /** Search strategy; default `bfs`. */
  readonly strategy?: Strategy;
  /** Stop after this many distinct states (result: incomplete, `max-states`). */
  readonly maxStates?: number;
  /**
   * Explore paths of at most this many steps: states at this depth are recorded and checked but
   * not expanded (result: incomplete, `max-depth`, if one of them had a transition; one without a
   * transition is a dead end, judged exactly as without the bound). With `random`, it caps the
   * length of a walk like `walkDepth`.
   */
  readonly maxDepth?: number;
  /** Wall-clock budget in milliseconds (result: incomplete, `time`). */
  readonly timeMs?: number;
  /** Seed of the random strategy. Default 0. */
  readonly seed?: number;
  /** Random strategy: number of walks. Default 1000. */
  readonly walks?: number;
  /** Random strategy: maximum length of a walk. Default 1000. */
  readonly walkDepth?: number;
  /**
   * Go on after the first violation until every property is decided or the space is covered.
   * Default false: stop exploring at the first violation found on the fly (`always`, `deadlock`);
   * an exploration that completes still decides every property (`sometimes`, `reachable`,
   * `eventually` are decided on the whole space at the end, which costs no more exploring).
   */
  readonly findAll?: boolean;
  /** Aborting it stops exploration at the next check (result: incomplete, `interrupted`). */
  readonly signal?: AbortSignal;
  /** Called with progress figures at most every `progressIntervalMs` (default 250). */
  readonly onProgress?: (progress: Progress) => void;
  readonly progressIntervalMs?: number;
  /**
   * Use the model's sleep sets (Model.sleepSets) where the strategy can: breadth-first on one
   * thread, without symmetry. Default true. They change no state, transition or verdict: they only
   * spare running transitions whose successors are known.
   */
  readonly sleepSets?: boolean;
  /** Run every transition a sleep set names too, and fail (an internal error) where the model's claim does not hold. Default false. */
  readonly verifySleepSets?: boolean;
}
