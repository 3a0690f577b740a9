/**
 * Where the kernel bench's time per state goes, component by component (issue 12, item 3: "profile
 * first"). A profile of the whole check is flat (no function above 4% of self time); this bench
 * times each thing the explorer does to a state on its own, over the same sample of states, so that
 * a change can be aimed at a component and its effect read in microseconds.
 *
 * The sample: the first MNC_BENCH_COMPONENTS_STATES (default 40,000) states of
 * bench/scenarios/reaper-ioctl-two-pairs.json in breadth-first order, reached as the explorer
 * reaches them (`expandedRange`: the partial-order reduction's ample set, the model's run-through,
 * fingerprints from the same encoder). Each component then runs over the whole sample, four times,
 * and the fastest round is printed (a round after the first runs optimised code):
 *
 * - at expansion: `actions` (enabledness), `ample` (the partial-order reduction's choice, with the
 *   successors it computes), the interpreter's step (`Interpreter.next`, per enabled action), the
 *   model's successor (`nextState`: the step, the ample set's reuse of its successor, the
 *   run-through), and the successor's fingerprint (`encode` against the state it was stepped from);
 * - at discovery: each property's check (`holds`, or a liveness goal) alone, and all of them in the
 *   order the explorer runs them on a new state (goals, then `always` properties, then whether it is
 *   a deadlock), which shares caches between them (enabledness is computed once a state). These
 *   run over the sample's states as they lie in memory, whose parts the processor's caches have
 *   long lost, where the explorer checks a state it has just built: the last line checks each
 *   successor as it is built, so that it less the line of `ample + nextState` is what the checks
 *   cost the explorer.
 *
 * Per state, a component run per action counts as many times as the sample has actions per state.
 * The rounds run state after state in the order they were reached, as the explorer runs them, but
 * warm: the figures leave out what the explorer pays on top (the visited set, the liveness graph,
 * the frontier's cache misses, collecting the garbage); the last line is the explorer itself,
 * stopped at as many states, and the difference is that. What it takes: about 15 s.
 */
import { join } from 'node:path';
import { FingerprintEncoder } from '../src/checker/fingerprint.ts';
import { expandedRange, type Property } from '../src/checker/model.ts';
import { loadScenarioFile } from '../src/model/kernel/scenario-file.ts';
import type { KernelModel } from '../src/model/kernel-model.ts';
import type { KAction } from '../src/model/lang/interp.ts';
import type { KState } from '../src/model/lang/state.ts';
import { modelOf, runScenario } from '../src/report/run.ts';

const SCENARIO = join(import.meta.dirname, 'scenarios', 'reaper-ioctl-two-pairs.json');

/** A breadth-first sample of a model's states, each with its enabled actions. */
export interface Sample {
  readonly states: readonly KState[];
  readonly actions: readonly (readonly KAction[])[];
  /** Transitions the explorer takes from the sample's states (the ample sets' actions). */
  readonly transitions: number;
}

/**
 * The first `max` states of `model` in breadth-first order, as the explorer reaches them: ample
 * sets (`expandedRange`), the model's successors, fingerprints by the explorer's encoder. Without
 * identical threads (no symmetry) and with `max` above the state count, the states and transitions
 * are the explorer's (test/bench/components.test.ts).
 */
export function sample(model: KernelModel, max: number): Sample {
  const enc = new FingerprintEncoder();
  const key = (s: KState): string => {
    enc.reset();
    model.encode(s, enc);
    enc.finish();
    return `${enc.hi}:${enc.lo}`;
  };
  const seen = new Set<string>();
  const queue: KState[] = [];
  for (const s of model.initStates()) {
    const k = key(s);
    if (!seen.has(k)) {
      seen.add(k);
      queue.push(s);
    }
  }
  const states: KState[] = [];
  const actions: KAction[][] = [];
  let transitions = 0;
  for (let i = 0; i < queue.length && states.length < max; i++) {
    const s = queue[i]!;
    const acts: KAction[] = [];
    model.actions(s, acts);
    states.push(s);
    actions.push(acts);
    const { from, to } = expandedRange(model, s, acts);
    for (let j = from; j < to; j++) {
      transitions++;
      const t = model.nextState(s, acts[j]!);
      const k = key(t);
      if (!seen.has(k)) {
        seen.add(k);
        queue.push(t);
      }
    }
  }
  return { states, actions, transitions };
}

/** One component's figure: microseconds per call and per state of the sample. */
export interface Component {
  readonly name: string;
  /** What one call is of: a state, or an enabled action of one. */
  readonly per: 'state' | 'action';
  readonly usPerCall: number;
  readonly usPerState: number;
}

/** Time each component over `s` ({@link Component}); the fastest of `rounds` rounds. */
export function measure(model: KernelModel, s: Sample, rounds = 4): Component[] {
  const { states, actions } = s;
  const n = states.length;
  let nActions = 0;
  for (const a of actions) nActions += a.length;
  const out: Component[] = [];
  const time = (name: string, per: 'state' | 'action', f: () => void): void => {
    let best = Number.POSITIVE_INFINITY;
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      f();
      best = Math.min(best, performance.now() - t0);
    }
    const calls = per === 'state' ? n : nActions;
    out.push({ name, per, usPerCall: calls ? (best * 1000) / calls : 0, usPerState: n ? (best * 1000) / n : 0 });
  };
  const ip = model.interp;
  const buf: KAction[] = [];
  const enc = new FingerprintEncoder();
  time('actions (enabledness)', 'state', () => {
    for (let i = 0; i < n; i++) {
      buf.length = 0;
      model.actions(states[i]!, buf);
    }
  });
  const ample = model.ample;
  /** The ample set of state `i` chosen (first, as the explorer does: `nextState` reuses the successors it computed). */
  const choose = (i: number): void => {
    if (ample !== undefined && actions[i]!.length > 1) ample(states[i]!, actions[i]!);
  };
  if (ample !== undefined) time('ample (partial order)', 'state', () => {
    for (let i = 0; i < n; i++) choose(i);
  });
  time('Interpreter.next', 'action', () => {
    for (let i = 0; i < n; i++) for (const a of actions[i]!) ip.next(states[i]!, a);
  });
  time('ample + nextState', 'action', () => {
    for (let i = 0; i < n; i++) {
      choose(i);
      for (const a of actions[i]!) model.nextState(states[i]!, a);
    }
  });
  time('ample + nextState + encode', 'action', () => {
    for (let i = 0; i < n; i++) {
      choose(i);
      for (const a of actions[i]!) {
        const t = model.nextState(states[i]!, a);
        enc.reset();
        model.encode(t, enc);
        enc.finish();
      }
    }
  });
  const props: readonly Property<KState>[] = model.properties();
  const goals: ((s: KState) => boolean)[] = [];
  const checks: ((s: KState) => boolean)[] = [];
  for (const p of props) {
    if (p.kind === 'always' || p.kind === 'sometimes') {
      checks.push(p.holds);
      time(`${p.kind} ${p.name}`, 'state', () => {
        for (let i = 0; i < n; i++) p.holds(states[i]!);
      });
    } else if (p.kind === 'reachable' || p.kind === 'eventually') {
      goals.push(p.goal);
      time(`goal ${p.name}`, 'state', () => {
        for (let i = 0; i < n; i++) p.goal(states[i]!);
      });
    }
  }
  const checkAll = (st: KState): void => {
    for (const g of goals) g(st);
    for (const c of checks) c(st);
    buf.length = 0;
    model.actions(st, buf);
  };
  time('all checks, on states from memory', 'state', () => {
    for (let i = 0; i < n; i++) checkAll(states[i]!);
  });
  // As the explorer checks a new state: just built, in the cache.
  time('ample + nextState + all checks on it', 'action', () => {
    for (let i = 0; i < n; i++) {
      choose(i);
      for (const a of actions[i]!) checkAll(model.nextState(states[i]!, a));
    }
  });
  return out;
}

export function run(): boolean {
  const max = Number(process.env.MNC_BENCH_COMPONENTS_STATES ?? 40_000);
  const model = modelOf(loadScenarioFile(SCENARIO), {});
  const s = sample(model, max);
  let nActions = 0;
  for (const a of s.actions) nActions += a.length;
  const n = s.states.length;
  console.log(`components: ${n.toLocaleString('en-US')} states of ${SCENARIO.split('/').slice(-1)[0]} (breadth-first, as explored); per state ${(nActions / n).toFixed(2)} enabled actions, ${(s.transitions / n).toFixed(2)} taken`);
  if (n === 0) {
    console.error('  FAIL: no state sampled');
    return false;
  }
  for (const c of measure(model, s)) {
    console.log(`  ${c.name.padEnd(44)} ${c.usPerCall.toFixed(3).padStart(7)} us per ${c.per.padEnd(6)} ${c.usPerState.toFixed(3).padStart(7)} us per state`);
  }
  const e = explorerUsPerState(n);
  console.log(`  ${'the explorer itself, to as many states'.padEnd(44)} ${e.toFixed(3).padStart(7)} us per state  (the whole check bounded at ${n.toLocaleString('en-US')} states, fastest of four)`);
  return true;
}

/**
 * The explorer's own microseconds per state on the same scenario, stopped at `n` states (the
 * fastest of four runs in this process, warm): what the components leave out (the visited set, the
 * liveness graph, the collector, the frontier's cache misses) is the difference. It records `n`
 * states and expands fewer (the rest are its frontier), so the figure is per state recorded.
 */
export function explorerUsPerState(n: number, rounds = 4): number {
  const sc = loadScenarioFile(SCENARIO);
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const run = runScenario(sc, { maxStates: n });
    best = Math.min(best, (performance.now() - t0) / run.result.stats.states);
  }
  return best * 1000;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(run() ? 0 : 1);
