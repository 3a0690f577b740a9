/**
 * `check` and `checkAsync`: run a strategy over a model and turn what it found into a
 * {@link CheckResult}.
 */
import type { Model, Property } from './model.ts';
import type { CheckOptions, CheckResult, Counterexample, IncompleteReason, Path, Stats, Verdict } from './result.ts';
import { Explorer, HOLDS, UNDECIDED, VIOLATED, type ResultStore, type Search } from './explorer.ts';
import { BreadthFirst } from './bfs.ts';
import { DepthFirst } from './dfs.ts';
import { RandomWalks } from './random.ts';
import { analyzeEventually, analyzeReachable, analyzeReachableByThread } from './liveness.ts';
import { buildPath, pathByOrdinals, pathToSlot, PathReconstructionError, permutePath } from './path.ts';
import { identityPerm, invert } from './symmetry.ts';
import { confirmExample, confirmViolation } from './confirm.ts';

/** How long `checkAsync` explores before yielding to the event loop. */
export const SLICE_MS = 50;

/** Throws with a clear message when an option is out of its range. */
export function validateOptions(options: CheckOptions): void {
  const positiveInt = (name: keyof CheckOptions, min: number): void => {
    const v = options[name];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new Error(`CheckOptions.${name} must be an integer ≥ ${min}, got ${String(v)}`);
    }
  };
  positiveInt('maxStates', 1);
  positiveInt('maxDepth', 0);
  positiveInt('walks', 1);
  positiveInt('walkDepth', 0);
  positiveInt('seed', -0x8000_0000);
  if (options.timeMs !== undefined && !(typeof options.timeMs === 'number' && options.timeMs >= 0)) {
    throw new Error(`CheckOptions.timeMs must be a number ≥ 0, got ${String(options.timeMs)}`);
  }
  if (options.progressIntervalMs !== undefined && !(options.progressIntervalMs >= 0)) {
    throw new Error(`CheckOptions.progressIntervalMs must be a number ≥ 0, got ${String(options.progressIntervalMs)}`);
  }
  const s = options.strategy;
  if (s !== undefined && s !== 'bfs' && s !== 'dfs' && s !== 'random') {
    throw new Error(`CheckOptions.strategy must be 'bfs', 'dfs' or 'random', got ${JSON.stringify(s)}`);
  }
}

/** One exploration in progress: `step()` until it returns true, then `result()`. */
class Run<S, A> {
  readonly explorer: Explorer<S, A>;
  readonly search: Search & { readonly frontier: number };

  constructor(
    readonly model: Model<S, A>,
    readonly options: CheckOptions,
  ) {
    validateOptions(options);
    const strategy = options.strategy ?? 'bfs';
    this.explorer = new Explorer(model, options, strategy !== 'random');
    switch (strategy) {
      case 'bfs':
        this.search = new BreadthFirst(this.explorer);
        break;
      case 'dfs':
        this.search = new DepthFirst(this.explorer);
        break;
      case 'random':
        this.search = new RandomWalks(this.explorer, {
          seed: options.seed ?? 0,
          walks: options.walks ?? 1000,
          walkDepth: options.walkDepth ?? 1000,
        });
        break;
    }
  }

  /** Explore until the current slice ends; true when exploration is over. */
  step(sliceEnd: number): boolean {
    this.explorer.sliceEnd = sliceEnd;
    return this.search.run();
  }

  result(): CheckResult<S, A> {
    return explorationResult(this.model, this.explorer, this.search);
  }
}

/** Where a search stands when its result is made. */
export interface SearchEnd {
  /** Every state it would ever expand has been expanded. */
  readonly exhausted: boolean;
  /** It covers the whole space when nothing stops it. */
  readonly exhaustive: boolean;
  /** States discovered and not expanded. */
  readonly frontier: number;
}

/**
 * The result of an exploration: counterexamples rebuilt and confirmed, liveness analysed on the
 * recorded graph (after a complete exploration), verdicts and stats. For `check`'s strategies and
 * for parallel.ts, which fills one explorer with what its workers recorded.
 */
export function explorationResult<S, A>(model: Model<S, A>, ex: Explorer<S, A, ResultStore>, search: SearchEnd): CheckResult<S, A> {
  const props = ex.props;
  const complete = search.exhausted && search.exhaustive && ex.stopReason === null && !ex.cutoff && !ex.halted;

  const counterexamples: (Counterexample<S, A> | undefined)[] = new Array(props.length).fill(undefined);
  const examples: (Path<S, A> | undefined)[] = new Array(props.length).fill(undefined);
  const order: number[] = [];
  const withThreads = (path: Path<S, A>): Pick<Counterexample<S, A>, 'threads'> => {
    if (typeof model.threads !== 'function') return {};
    const last = path.steps.length === 0 ? path.init : path.steps[path.steps.length - 1]!.state;
    return { threads: model.threads(last) };
  };

  // Every path is rebuilt by replaying the model, and what it is to show is checked on the real
  // states (confirm.ts). A path that cannot be rebuilt, or does not show it, means two states
  // share a fingerprint: that property is unknown and the run is incomplete ('collision').
  const collided: boolean[] = new Array(props.length).fill(false);
  /** Why a confirmation had to stop (the time budget or the signal), if one did. */
  let confirmStopped: IncompleteReason | null = null;
  const stop = (): boolean => ex.expired() !== null;
  const rebuild = (i: number, build: () => Path<S, A>): Path<S, A> | undefined => {
    try {
      return build();
    } catch (e) {
      if (!(e instanceof PathReconstructionError)) throw e;
      collided[i] = true;
      return undefined;
    }
  };
  const report = (i: number, path: Path<S, A>, loopStart?: number): void => {
    const p = props[i]!;
    const c = confirmViolation(model, p, path, loopStart, stop);
    if (c === 'refuted') collided[i] = true;
    if (c === 'stopped') confirmStopped ??= ex.expired() ?? 'time';
    if (c !== 'confirmed') return;
    counterexamples[i] = { property: p.name, kind: p.kind, path, ...(loopStart === undefined ? {} : { loopStart }), ...withThreads(path) };
    order.push(i);
  };

  for (const f of ex.findings) {
    const i = f.property;
    const slot = ex.table.find(f.hi, f.lo);
    const path = rebuild(i, () => pathToSlot(model, ex.table, slot, ex.sym));
    if (path === undefined) continue;
    if (ex.status[i] === HOLDS) {
      if (confirmExample(model, props[i]!, path) === 'confirmed') examples[i] = path;
      else collided[i] = true;
    } else {
      report(i, path);
    }
  }

  const decided = new Int8Array(ex.status);
  if (complete) {
    // After a complete exploration every remaining property is decided, with or without findAll:
    // the graph is all there, nothing more is explored. `sometimes` with no example is violated.
    props.forEach((p, i) => {
      if (p.kind !== 'sometimes' || decided[i] !== UNDECIDED) return;
      decided[i] = VIOLATED;
      report(i, buildPath(model, 0, []));
    });
  }
  let analysisBytes = 0;
  if (complete && ex.live !== null) {
    const live = ex.live;
    let slots: Int32Array | null = null;
    const slotOf = (id: number): number => {
      slots ??= ex.table.slotsById();
      return slots[id]!;
    };
    // Under symmetry, the per-thread properties of a class of interchangeable threads are decided together.
    const perms = ex.perms;
    const sym = ex.sym;
    const goalBitOf = new Int32Array(perms?.n ?? 0);
    if (perms !== null) props.forEach((p, i) => p.kind === 'reachable' && p.thread !== undefined && (goalBitOf[p.thread] = ex.goalBits[i]!));
    const byClass = new Map<readonly number[], ReturnType<typeof analyzeReachableByThread>>();
    // A per-thread `reachable` property under symmetry is decided with its class (below: analyzeReachableByThread).
    const byThread = (p: Property<S>): boolean => p.kind === 'reachable' && p.thread !== undefined && perms !== null && sym !== null;
    // Every such property at once (one SCC computation of the whole graph), before the `eventually`
    // properties: where the graph has no cycle, they look for dead ends only (ReachableAnalyses.acyclic).
    const reachableAt = props.flatMap((q, j) => (q.kind === 'reachable' && !byThread(q) ? [j] : []));
    const whole = reachableAt.length > 0 ? analyzeReachable(live, reachableAt.map((j) => ex.goalBits[j]!)) : null;
    const reachable = new Map(reachableAt.map((j, k) => [j, whole!.analyses[k]!]));
    for (let i = 0; i < props.length; i++) {
      const p: Property<S> = props[i]!;
      if (p.kind !== 'reachable' && p.kind !== 'eventually') continue;
      const bit = ex.goalBits[i]!;
      if (p.kind === 'reachable' && p.thread !== undefined && perms !== null && sym !== null) {
        const t = p.thread;
        const cls = sym.classes.find((k) => k.includes(t)) ?? [t];
        for (const j of cls) {
          // activeSymmetry() leaves symmetry off when a class mate's property is missing.
          if (goalBitOf[j] === 0) throw new Error(`internal error: symmetry: property ${JSON.stringify(p.name)} is about thread ${t}, but its class mate ${j} has no such property`);
        }
        let a = byClass.get(cls);
        if (a === undefined) {
          a = analyzeReachableByThread(live, goalBitOf, cls, perms);
          byClass.set(cls, a);
        }
        analysisBytes = Math.max(analysisBytes, a.bytes);
        if (a.witness === null) {
          decided[i] = HOLDS;
          continue;
        }
        decided[i] = VIOLATED;
        const w = a.witness;
        const path = rebuild(i, () => {
          const found = pathToSlot(model, ex.table, slotOf(w.state), sym);
          // The path ends in a state r whose representative is the recorded one: rep = q·r, so the
          // stuck thread is q⁻¹[w.thread] in r; move it to t by the transposition of the two.
          const last = found.steps.length === 0 ? found.init : found.steps[found.steps.length - 1]!.state;
          const q = new Uint8Array(perms.n);
          sym.canonical(last, q);
          const x = invert(q)[w.thread]!;
          if (x === t) return found;
          const tau = identityPerm(perms.n);
          tau[x] = t;
          tau[t] = x;
          return permutePath(model, found, tau);
        });
        if (path !== undefined) report(i, path);
        continue;
      }
      if (p.kind === 'reachable') {
        const a = reachable.get(i)!;
        analysisBytes = Math.max(analysisBytes, a.bytes);
        if (a.witness === null) {
          decided[i] = HOLDS;
        } else {
          decided[i] = VIOLATED;
          const slot = slotOf(a.witness);
          const path = rebuild(i, () => pathToSlot(model, ex.table, slot, ex.sym));
          if (path !== undefined) report(i, path);
        }
      } else {
        const a = analyzeEventually(live, bit, p.fairness, ex.perms, whole?.acyclic ?? false);
        analysisBytes = Math.max(analysisBytes, a.bytes);
        if (a.witness === null) {
          decided[i] = HOLDS;
        } else {
          decided[i] = VIOLATED;
          const lasso = a.witness;
          const rootSlot = slotOf(lasso.root);
          const ordinals: number[] = [];
          let cur = lasso.root;
          for (const e of lasso.edges) {
            ordinals.push(e - live.edgeStart[cur]!);
            cur = live.dst[e]!;
          }
          const path = rebuild(i, () => pathByOrdinals(model, ex.table.hiAt(rootSlot), ex.table.loAt(rootSlot), ordinals, ex.sym));
          if (path !== undefined) report(i, path, lasso.loopStart);
        }
      }
    }
    if (slots !== null) analysisBytes += (slots as Int32Array).byteLength;
  }

  const verdicts: Verdict<S, A>[] = props.map((p, i) => {
    if (collided[i]) return { property: p.name, kind: p.kind, status: 'unknown' };
    const ce = counterexamples[i];
    if (ce !== undefined) return { property: p.name, kind: p.kind, status: 'violated', counterexample: ce };
    const example = examples[i];
    if (example !== undefined) return { property: p.name, kind: p.kind, status: 'holds', example };
    if (decided[i] === HOLDS) return { property: p.name, kind: p.kind, status: 'holds' };
    if (complete && (p.kind === 'always' || p.kind === 'deadlock')) return { property: p.name, kind: p.kind, status: 'holds' };
    return { property: p.name, kind: p.kind, status: 'unknown' };
  });
  const violations = order.map((i) => counterexamples[i]!);

  const now = performance.now();
  const stats: Stats = {
    states: ex.table.count,
    transitions: ex.transitions,
    ...(ex.sleepsOn ? { namedTransitions: ex.named } : {}),
    maxDepth: ex.maxDepth,
    elapsedMs: now - ex.startMs,
    visitedBytes: ex.visitedBytes(),
    livenessBytes: ex.livenessRecordBytes() + analysisBytes,
  };
  ex.emitProgress(now, search.frontier, ex.maxDepth);

  let reason: IncompleteReason | null = null;
  if (collided.includes(true)) reason = 'collision';
  else if (confirmStopped !== null) reason = confirmStopped;
  else if (ex.halted) reason = null;
  else if (ex.stopReason !== null) reason = ex.stopReason;
  else if (!search.exhaustive) reason = 'random';
  else if (ex.cutoff) reason = 'max-depth';

  if (reason !== null) {
    const first = violations[0];
    return first === undefined
      ? { status: 'incomplete', reason, stats, violations, verdicts }
      : { status: 'incomplete', reason, stats, violation: first, violations, verdicts };
  }
  const first = violations[0];
  if (first !== undefined) return { status: 'violation', violation: first, violations, stats, verdicts, complete };
  return { status: 'pass', stats, verdicts };
}

/**
 * Explore `model` and decide its properties, synchronously. Bounds (`maxStates`, `maxDepth`,
 * `timeMs`) and an aborted `signal` end it early with an `incomplete` result (the signal is
 * polled, but a synchronous run gives the event loop no chance to abort it: use
 * {@link checkAsync} for Ctrl-C). Deterministic: the same model and options give the same
 * states, transitions and counterexamples.
 */
export function check<S, A>(model: Model<S, A>, options: CheckOptions = {}): CheckResult<S, A> {
  const run = new Run(model, options);
  while (!run.step(Number.POSITIVE_INFINITY)) {
    // a slice without end only returns when finished
  }
  return run.result();
}

/**
 * The same exploration as {@link check}, in slices of about {@link SLICE_MS} ms with a yield to
 * the event loop after each, so that an `AbortSignal` (Ctrl-C in the CLI) or a timer can stop it;
 * an abort ends it with `incomplete`, reason `interrupted`, and the partial stats. The liveness
 * analysis after a complete exploration runs in one piece.
 */
export async function checkAsync<S, A>(model: Model<S, A>, options: CheckOptions = {}): Promise<CheckResult<S, A>> {
  const run = new Run(model, options);
  while (!run.step(performance.now() + SLICE_MS)) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return run.result();
}
