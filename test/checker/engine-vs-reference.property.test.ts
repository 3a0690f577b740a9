/**
 * Property tests: on randomly generated small models, the engine agrees with a naive reference
 * explorer written here, separately (a Map keyed by the text encoding, recursive SCCs, fixpoints),
 * on the reachable-state count, the transition count and every verdict, for each exhaustive
 * strategy; every counterexample replays from its token to a state that violates its property;
 * random walks never claim more than the reference. With random bounds (`maxDepth`, `maxStates`,
 * every strategy): a `holds` or a pass is never contradicted by the unbounded reference, a
 * violation is always real, and a run the engine calls complete agrees with it on everything.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  check,
  Property,
  replay,
  StringEncoder,
  type CheckResult,
  type Counterexample,
  type Model,
  type ThreadInfo,
} from '../../src/checker/index.ts';

// ---------------------------------------------------------------------------------------------
// The reference explorer.

interface Edge {
  readonly to: string;
  readonly thread: number;
}

interface Reference<S> {
  /** Every recorded state by key (within and outside the boundary). */
  readonly states: Map<string, S>;
  readonly inside: Set<string>;
  /** Breadth-first distance from an initial state. */
  readonly dist: Map<string, number>;
  /** Transitions (defined next states) of states within the boundary. */
  readonly succ: Map<string, Edge[]>;
  readonly transitions: number;
  readonly initKeys: string[];
}

function keyOf<S>(model: Model<S, unknown>, s: S): string {
  return StringEncoder.encode(model, s);
}

function explore<S, A>(model: Model<S, A>): Reference<S> {
  const states = new Map<string, S>();
  const inside = new Set<string>();
  const dist = new Map<string, number>();
  const succ = new Map<string, Edge[]>();
  const initKeys: string[] = [];
  let transitions = 0;
  let queue: S[] = [];
  for (const s of model.initStates()) {
    const k = keyOf(model, s);
    initKeys.push(k);
    if (states.has(k)) continue;
    states.set(k, s);
    dist.set(k, 0);
    queue.push(s);
  }
  let d = 0;
  while (queue.length > 0) {
    const next: S[] = [];
    for (const s of queue) {
      const k = keyOf(model, s);
      if (model.withinBoundary && !model.withinBoundary(s)) continue;
      inside.add(k);
      const acts: A[] = [];
      model.actions(s, acts);
      const edges: Edge[] = [];
      for (const a of acts) {
        const t = model.nextState(s, a);
        if (t === undefined) continue;
        transitions++;
        const tk = keyOf(model, t);
        edges.push({ to: tk, thread: model.actionThread ? model.actionThread(a, s) : 0 });
        if (!states.has(tk)) {
          states.set(tk, t);
          dist.set(tk, d + 1);
          next.push(t);
        }
      }
      succ.set(k, edges);
    }
    queue = next;
    d++;
  }
  return { states, inside, dist, succ, transitions, initKeys };
}

/** States (keys) from which some goal state is reachable: a plain fixpoint. */
function canReachGoal<S>(ref: Reference<S>, goal: (s: S) => boolean): Set<string> {
  const can = new Set<string>();
  for (const [k, s] of ref.states) if (goal(s)) can.add(k);
  let changed = true;
  while (changed) {
    changed = false;
    for (const [k, edges] of ref.succ) {
      if (can.has(k)) continue;
      if (edges.some((e) => can.has(e.to))) {
        can.add(k);
        changed = true;
      }
    }
  }
  return can;
}

/** Recursive Tarjan over the keys in `nodes`, edges restricted to `nodes`. */
function sccsOf(nodes: Set<string>, edgesOf: (k: string) => Edge[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let counter = 0;
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const e of edgesOf(v)) {
      if (!nodes.has(e.to)) continue;
      if (!index.has(e.to)) {
        visit(e.to);
        low.set(v, Math.min(low.get(v)!, low.get(e.to)!));
      } else if (onStack.has(e.to)) {
        low.set(v, Math.min(low.get(v)!, index.get(e.to)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      out.push(c);
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return out;
}

function threadsOf(edges: readonly Edge[]): Set<number> {
  return new Set(edges.map((e) => e.thread));
}

/** Threads that have a transition in every one of the given states. */
function enabledThroughout<S>(ref: Reference<S>, keys: readonly string[]): Set<number> {
  let acc: Set<number> | undefined;
  for (const k of keys) {
    const en = threadsOf(ref.succ.get(k)!);
    const prev: Set<number> | undefined = acc;
    acc = prev === undefined ? en : new Set([...prev].filter((t) => en.has(t)));
  }
  return acc ?? new Set();
}

/** Reference decision of `eventually(goal)`: true iff violated. */
function eventuallyViolated<S>(ref: Reference<S>, goal: (s: S) => boolean, fairness: 'none' | 'weak'): boolean {
  // G': states within the boundary where the goal is false, reached through such states only.
  const ok = (k: string): boolean => ref.inside.has(k) && !goal(ref.states.get(k)!);
  const g = new Set<string>();
  const todo = ref.initKeys.filter(ok);
  for (const k of todo) g.add(k);
  while (todo.length > 0) {
    const k = todo.pop()!;
    for (const e of ref.succ.get(k)!) {
      if (ok(e.to) && !g.has(e.to)) {
        g.add(e.to);
        todo.push(e.to);
      }
    }
  }
  for (const k of g) if (ref.succ.get(k)!.length === 0) return true; // dead end
  for (const c of sccsOf(g, (k) => ref.succ.get(k)!)) {
    const members = new Set(c);
    const internal = c.flatMap((k) => ref.succ.get(k)!.filter((e) => members.has(e.to)));
    if (internal.length === 0) continue;
    if (fairness === 'none') return true;
    const acted = threadsOf(internal);
    if ([...enabledThroughout(ref, c)].every((t) => acted.has(t))) return true;
  }
  return false;
}

type Expected = 'holds' | 'violated';

interface RefVerdicts {
  readonly verdicts: Map<string, Expected>;
  /** Shortest distance to a violating state, for always and deadlock properties. */
  readonly shortest: Map<string, number>;
}

function referenceVerdicts<S, A>(model: Model<S, A>, ref: Reference<S>): RefVerdicts {
  const verdicts = new Map<string, Expected>();
  const shortest = new Map<string, number>();
  const insideStates = [...ref.inside].map((k) => [k, ref.states.get(k)!] as const);
  for (const p of model.properties()) {
    switch (p.kind) {
      case 'always': {
        const bad = insideStates.filter(([, s]) => !p.holds(s));
        verdicts.set(p.name, bad.length > 0 ? 'violated' : 'holds');
        if (bad.length > 0) shortest.set(p.name, Math.min(...bad.map(([k]) => ref.dist.get(k)!)));
        break;
      }
      case 'sometimes':
        verdicts.set(p.name, insideStates.some(([, s]) => p.holds(s)) ? 'holds' : 'violated');
        break;
      case 'deadlock': {
        const bad = insideStates.filter(([, s]) => {
          const acts: A[] = [];
          model.actions(s, acts);
          return acts.length === 0 && model.threads!(s).some((t) => !t.finished);
        });
        verdicts.set(p.name, bad.length > 0 ? 'violated' : 'holds');
        if (bad.length > 0) shortest.set(p.name, Math.min(...bad.map(([k]) => ref.dist.get(k)!)));
        break;
      }
      case 'reachable': {
        const can = canReachGoal(ref, p.goal);
        verdicts.set(p.name, [...ref.inside].some((k) => !can.has(k)) ? 'violated' : 'holds');
        break;
      }
      case 'eventually':
        verdicts.set(p.name, eventuallyViolated(ref, p.goal, p.fairness) ? 'violated' : 'holds');
        break;
    }
  }
  return { verdicts, shortest };
}

/** Check a counterexample independently of the engine: replay it, then test its last state / lasso. */
function validateCounterexample<S, A>(model: Model<S, A>, ref: Reference<S>, ce: Counterexample<S, A>): void {
  const path = replay(model, ce.path.token);
  const keys = [path.init, ...path.steps.map((s) => s.state)].map((s) => keyOf(model, s));
  expect(keys).toEqual([ce.path.init, ...ce.path.steps.map((s) => s.state)].map((s) => keyOf(model, s)));
  const last = path.steps.length === 0 ? path.init : path.steps[path.steps.length - 1]!.state;
  const lastKey = keys[keys.length - 1]!;
  const prop = model.properties().find((p) => p.name === ce.property)!;
  expect(prop.kind).toBe(ce.kind);
  switch (prop.kind) {
    case 'always':
      expect(ref.inside.has(lastKey)).toBe(true);
      expect(prop.holds(last)).toBe(false);
      break;
    case 'deadlock': {
      const acts: A[] = [];
      model.actions(last, acts);
      expect(ref.inside.has(lastKey)).toBe(true);
      expect(acts).toHaveLength(0);
      expect(model.threads!(last).some((t) => !t.finished)).toBe(true);
      expect(ce.threads).toEqual(model.threads!(last));
      break;
    }
    case 'sometimes':
      expect(path.steps).toHaveLength(0);
      expect([...ref.inside].some((k) => prop.holds(ref.states.get(k)!))).toBe(false);
      break;
    case 'reachable':
      expect(ref.inside.has(lastKey)).toBe(true);
      expect(canReachGoal(ref, prop.goal).has(lastKey)).toBe(false);
      break;
    case 'eventually': {
      const n = path.steps.length;
      const loop = ce.loopStart;
      if (loop === undefined) throw new Error('an eventually counterexample needs loopStart');
      expect(loop).toBeGreaterThanOrEqual(0);
      expect(loop).toBeLessThanOrEqual(n);
      for (const k of keys) {
        expect(ref.inside.has(k)).toBe(true);
        expect(prop.goal(ref.states.get(k)!)).toBe(false);
      }
      if (loop === n) {
        expect(ref.succ.get(lastKey)).toHaveLength(0); // a dead end: the run stutters there
      } else {
        expect(lastKey).toBe(keys[loop]);
        if (prop.fairness === 'weak') {
          // Every thread enabled in every state of the cycle acts in it.
          const always = enabledThroughout(ref, keys.slice(loop, n));
          const acted = new Set<number>();
          for (let i = loop; i < n; i++) {
            const before = i === 0 ? path.init : path.steps[i - 1]!.state;
            acted.add(model.actionThread!(path.steps[i]!.action, before));
          }
          for (const t of always) expect(acted.has(t), `thread ${t} is enabled all along the cycle but never acts`).toBe(true);
        }
      }
      break;
    }
  }
}

function compareWithReference<S, A>(model: Model<S, A>): void {
  const ref = explore(model);
  const expected = referenceVerdicts(model, ref);
  for (const strategy of ['bfs', 'dfs'] as const) {
    const r = check(model, { strategy, findAll: true });
    expect(r.stats.states, `${strategy} states`).toBe(ref.states.size);
    expect(r.stats.transitions, `${strategy} transitions`).toBe(ref.transitions);
    for (const v of r.verdicts) expect(v.status, `${strategy} ${v.property}`).toBe(expected.verdicts.get(v.property));
    const violated = [...expected.verdicts.values()].includes('violated');
    expect(r.status).toBe(violated ? 'violation' : 'pass');
    if (r.status === 'violation') expect(r.complete).toBe(true);
    for (const ce of r.status === 'pass' ? [] : r.violations) {
      validateCounterexample(model, ref, ce);
      if (strategy === 'bfs' && (ce.kind === 'always' || ce.kind === 'deadlock')) {
        expect(ce.path.steps.length, `bfs ${ce.property} is shortest`).toBe(expected.shortest.get(ce.property));
      }
    }
    for (const v of r.verdicts) {
      if (v.status === 'holds' && v.example !== undefined) {
        const p = model.properties().find((x) => x.name === v.property)!;
        const ex = replay(model, v.example.token);
        const last = ex.steps.length === 0 ? ex.init : ex.steps[ex.steps.length - 1]!.state;
        expect(p.kind === 'sometimes' && p.holds(last)).toBe(true);
      }
    }

    // Stopping at the first violation: one that the reference confirms.
    const first = check(model, { strategy });
    expect(first.status).toBe(violated ? 'violation' : 'pass');
    if (first.status === 'violation') {
      expect(expected.verdicts.get(first.violation.property)).toBe('violated');
      validateCounterexample(model, ref, first.violation);
    }
  }

  // Random walks: never a pass, never a claim the reference contradicts.
  const rnd: CheckResult<S, A> = check(model, { strategy: 'random', seed: 3, walks: 25, walkDepth: 12, findAll: true });
  expect(rnd.status).not.toBe('pass');
  if (rnd.status === 'incomplete') expect(rnd.reason).toBe('random');
  expect(rnd.stats.states).toBeLessThanOrEqual(ref.states.size);
  for (const v of rnd.verdicts) {
    if (v.status === 'unknown') continue;
    expect(v.status, `random ${v.property}`).toBe(expected.verdicts.get(v.property));
    if (v.status === 'violated') validateCounterexample(model, ref, v.counterexample);
  }
}

// ---------------------------------------------------------------------------------------------
// Bounded runs: whatever the bounds, the engine never claims what the unbounded reference denies.

interface Bounds {
  readonly strategy: 'bfs' | 'dfs' | 'random';
  readonly maxDepth: number | null;
  readonly maxStates: number | null;
  readonly findAll: boolean;
  readonly seed: number;
}

const boundsArb: fc.Arbitrary<Bounds> = fc.record({
  strategy: fc.constantFrom('bfs' as const, 'dfs' as const, 'random' as const),
  maxDepth: fc.option(fc.integer({ min: 0, max: 7 }), { freq: 4 }),
  maxStates: fc.option(fc.integer({ min: 1, max: 14 }), { freq: 3 }),
  findAll: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1000 }),
});

/**
 * Run the engine with `b` and hold it to the unbounded reference: a `holds` (and a pass) must be
 * true of the whole space; a violation must be real (the reference agrees, and its counterexample
 * replays and shows it); a run the engine says is complete must give every verdict the reference
 * gives, and the reference's counts. Returns whether the run said it was complete.
 */
function compareBounded<S, A>(model: Model<S, A>, ref: Reference<S>, expected: RefVerdicts, b: Bounds): boolean {
  const r = check(model, {
    strategy: b.strategy,
    findAll: b.findAll,
    seed: b.seed,
    walks: 10,
    walkDepth: 10,
    ...(b.maxDepth === null ? {} : { maxDepth: b.maxDepth }),
    ...(b.maxStates === null ? {} : { maxStates: b.maxStates }),
  });
  const what = `${JSON.stringify(b)}: ${r.status}${r.status === 'incomplete' ? ` (${r.reason})` : ''}`;
  if (b.maxStates !== null) expect(r.stats.states, what).toBeLessThanOrEqual(b.maxStates);
  expect(r.stats.states, what).toBeLessThanOrEqual(ref.states.size);
  if (b.strategy === 'random') expect(r.status, what).not.toBe('pass');
  if (r.status === 'pass') {
    for (const [name, v] of expected.verdicts) expect(v, `${what}: the engine passed, the reference says ${name} is ${v}`).toBe('holds');
  }
  for (const v of r.verdicts) {
    if (v.status === 'unknown') continue;
    expect(v.status, `${what}: ${v.property}`).toBe(expected.verdicts.get(v.property));
    if (v.status === 'violated') validateCounterexample(model, ref, v.counterexample);
    if (v.status === 'holds' && v.example !== undefined) {
      const p = model.properties().find((x) => x.name === v.property)!;
      const ex = replay(model, v.example.token);
      const last = ex.steps.length === 0 ? ex.init : ex.steps[ex.steps.length - 1]!.state;
      expect(p.kind === 'sometimes' && p.holds(last), `${what}: ${v.property}'s example`).toBe(true);
    }
  }
  if (r.status !== 'pass') {
    for (const ce of r.violations) {
      expect(expected.verdicts.get(ce.property), `${what}: ${ce.property}`).toBe('violated');
      validateCounterexample(model, ref, ce);
    }
  }
  const complete = r.status === 'pass' || (r.status === 'violation' && r.complete);
  if (complete) {
    expect(r.stats.states, `${what}: states`).toBe(ref.states.size);
    expect(r.stats.transitions, `${what}: transitions`).toBe(ref.transitions);
    for (const v of r.verdicts) expect(v.status, `${what}: ${v.property}`).toBe(expected.verdicts.get(v.property));
  }
  // Breadth-first with bounds that cut nothing (no state at the depth bound, room for every
  // state) and findAll: the run must say it is complete, not merely be safe.
  const deepest = Math.max(...ref.dist.values());
  if (b.strategy === 'bfs' && b.findAll && (b.maxDepth === null || b.maxDepth > deepest) && (b.maxStates === null || b.maxStates >= ref.states.size)) {
    expect(complete, `${what}: nothing was cut`).toBe(true);
  }
  return complete;
}

// ---------------------------------------------------------------------------------------------
// Random transition systems.

interface SysEdge {
  readonly to: number;
  readonly thread: number;
  /** `nextState` returns undefined: not a transition. */
  readonly noop: boolean;
}

interface SysSpec {
  readonly n: number;
  readonly inits: readonly number[];
  readonly edges: readonly (readonly SysEdge[])[];
  readonly p: readonly boolean[];
  readonly q: readonly boolean[];
  readonly goal: readonly boolean[];
  readonly inside: readonly boolean[] | null;
  readonly finished: readonly (readonly boolean[])[];
}

const THREADS = 3;

const sysSpec = sysSpecOf(1, 8, 0, 3);

/** Systems of `min`..`max` states with `minOut`..`maxOut` edges out of each state. */
function sysSpecOf(min: number, max: number, minOut: number, maxOut: number): fc.Arbitrary<SysSpec> {
  return fc.integer({ min, max }).chain((n) => {
  const node = fc.integer({ min: 0, max: n - 1 });
  const perState = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T[]> => fc.array(arb, { minLength: n, maxLength: n });
  const mostly = (outOf: number): fc.Arbitrary<boolean> => fc.integer({ min: 0, max: outOf - 1 }).map((x) => x !== 0);
  return fc.record({
    n: fc.constant(n),
    inits: fc.array(node, { minLength: 1, maxLength: 3 }),
    edges: perState(
      fc.array(
        fc.record({ to: node, thread: fc.integer({ min: 0, max: THREADS - 1 }), noop: fc.integer({ min: 0, max: 7 }).map((x) => x === 0) }),
        { minLength: minOut, maxLength: maxOut },
      ),
    ),
    p: perState(mostly(6)),
    q: perState(mostly(4).map((b) => !b)),
    goal: perState(fc.boolean()),
    inside: fc.option(perState(mostly(5)), { freq: 2 }),
    finished: perState(fc.array(fc.boolean(), { minLength: THREADS, maxLength: THREADS })),
  });
  });
}

function systemModel(spec: SysSpec): Model<number, number> {
  const model: Model<number, number> = {
    initStates: () => spec.inits,
    actions(s, out) {
      for (let i = 0; i < spec.edges[s]!.length; i++) out.push(i);
    },
    nextState: (s, i) => {
      const e = spec.edges[s]![i]!;
      return e.noop ? undefined : e.to;
    },
    properties: () => [
      Property.always<number>('p', (s) => spec.p[s]!),
      Property.sometimes<number>('q', (s) => spec.q[s]!),
      Property.deadlockFree(),
      Property.alwaysReachable<number>('goal reachable', (s) => spec.goal[s]!),
      Property.eventually<number>('goal, none', (s) => spec.goal[s]!, { fairness: 'none' }),
      Property.eventually<number>('goal, weak', (s) => spec.goal[s]!, { fairness: 'weak' }),
    ],
    formatAction: (i, s) => `edge ${i} of ${s}`,
    formatState: (s) => `s${s}`,
    encode: (s, out) => out.int(s),
    threads: (s): ThreadInfo[] => spec.finished[s]!.map((f, t) => ({ name: `t${t}`, finished: f })),
    actionThread: (i, s) => spec.edges[s]![i]!.thread,
  };
  const inside = spec.inside;
  return inside === null ? model : { ...model, withinBoundary: (s) => inside[s]! };
}

// ---------------------------------------------------------------------------------------------
// Random little thread programs with locks.

type Instr =
  | { readonly op: 'lock'; readonly m: number }
  | { readonly op: 'unlock'; readonly m: number }
  | { readonly op: 'inc' }
  | { readonly op: 'await'; readonly v: number }
  | { readonly op: 'jmp'; readonly to: number };

interface ProgSpec {
  readonly locks: number;
  readonly threads: readonly (readonly Instr[])[];
  readonly boundary: boolean;
}

interface ProgState {
  readonly pc: readonly number[];
  readonly owner: readonly number[];
  readonly x: number;
}

const progSpec: fc.Arbitrary<ProgSpec> = fc.integer({ min: 1, max: 2 }).chain((locks) => {
  const lock = fc.integer({ min: 0, max: locks - 1 });
  const raw = fc.oneof(
    { weight: 3, arbitrary: lock.map((m) => ({ op: 'lock' as const, m })) },
    { weight: 3, arbitrary: lock.map((m) => ({ op: 'unlock' as const, m })) },
    { weight: 2, arbitrary: fc.constant({ op: 'inc' as const }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 }).map((v) => ({ op: 'await' as const, v })) },
    { weight: 1, arbitrary: fc.nat(7).map((to) => ({ op: 'jmp' as const, to })) },
  );
  // A jump goes back (or to itself): loops, never past the end.
  const program = fc
    .array(raw, { minLength: 1, maxLength: 4 })
    .map((instrs) => instrs.map((ins, i): Instr => (ins.op === 'jmp' ? { op: 'jmp', to: ins.to % (i + 1) } : ins)));
  return fc.record({
    locks: fc.constant(locks),
    threads: fc.array(program, { minLength: 2, maxLength: 3 }),
    boundary: fc.boolean(),
  });
});

function programModel(spec: ProgSpec): Model<ProgState, number> {
  const T = spec.threads.length;
  const instrAt = (s: ProgState, t: number): Instr | undefined => spec.threads[t]![s.pc[t]!];
  const enabled = (s: ProgState, t: number): boolean => {
    const ins = instrAt(s, t);
    if (ins === undefined) return false;
    if (ins.op === 'lock') return s.owner[ins.m] === -1;
    if (ins.op === 'await') return s.x === ins.v;
    return true;
  };
  const allDone = (s: ProgState): boolean => s.pc.every((p, t) => p === spec.threads[t]!.length);
  const model: Model<ProgState, number> = {
    initStates: () => [{ pc: new Array<number>(T).fill(0), owner: new Array<number>(spec.locks).fill(-1), x: 0 }],
    actions(s, out) {
      for (let t = 0; t < T; t++) if (enabled(s, t)) out.push(t);
    },
    nextState(s, t) {
      const ins = instrAt(s, t)!;
      const pc = s.pc.slice();
      const owner = s.owner.slice();
      let x = s.x;
      switch (ins.op) {
        case 'lock':
          owner[ins.m] = t;
          pc[t]!++;
          break;
        case 'unlock':
          if (owner[ins.m] !== t) return undefined; // unlocking a lock one does not hold: no step
          owner[ins.m] = -1;
          pc[t]!++;
          break;
        case 'inc':
          x = (x + 1) % 3;
          pc[t]!++;
          break;
        case 'await':
          pc[t]!++;
          break;
        case 'jmp':
          pc[t] = ins.to;
          break;
      }
      return { pc, owner, x };
    },
    properties: () => [
      Property.always<ProgState>('x below 2', (s) => s.x < 2),
      Property.sometimes<ProgState>('x is 2', (s) => s.x === 2),
      Property.deadlockFree(),
      Property.alwaysReachable<ProgState>('can finish', allDone),
      Property.eventually<ProgState>('finishes, weak', allDone, { fairness: 'weak' }),
      Property.eventually<ProgState>('finishes, none', allDone, { fairness: 'none' }),
    ],
    formatAction: (t, s) => `t${t}: ${JSON.stringify(instrAt(s, t))}`,
    formatState: (s) => JSON.stringify(s),
    encode(s, out) {
      for (const p of s.pc) out.int(p);
      for (const o of s.owner) out.int(o);
      out.int(s.x);
    },
    threads: (s): ThreadInfo[] =>
      spec.threads.map((prog, t) => {
        const ins = instrAt(s, t);
        const waiting =
          ins?.op === 'lock' && s.owner[ins.m] !== -1 ? { waitingFor: `lock ${ins.m}` } : ins?.op === 'await' && s.x !== ins.v ? { waitingFor: `x == ${ins.v}` } : {};
        return { name: `t${t}`, finished: s.pc[t] === prog.length, ...waiting };
      }),
    actionThread: (t) => t,
  };
  return spec.boundary ? { ...model, withinBoundary: (s) => s.x < 2 || s.pc[0] !== 0 } : model;
}

// ---------------------------------------------------------------------------------------------

describe('engine vs naive reference explorer', () => {
  it('random transition systems (200 models): counts, verdicts, counterexamples', () => {
    fc.assert(
      fc.property(sysSpec, (spec) => {
        compareWithReference(systemModel(spec));
      }),
      { numRuns: 200, seed: 20240603 },
    );
  });

  it('larger random systems (15 models of 1,000 to 3,000 states): the visited set grows while exploring', () => {
    let largest = 0;
    fc.assert(
      fc.property(sysSpecOf(1000, 3000, 1, 4), (spec) => {
        const model = systemModel(spec);
        compareWithReference(model);
        const r = check(model, { findAll: true });
        largest = Math.max(largest, r.stats.states);
        // The table starts with 64 slots and keeps its load at most 0.9.
        if (r.stats.states > 57) expect(r.stats.visitedBytes).toBeGreaterThan(64 * 12);
      }),
      { numRuns: 15, seed: 77 },
    );
    expect(largest).toBeGreaterThan(1000);
  });

  it('random thread programs with locks (200 models): counts, verdicts, counterexamples', () => {
    fc.assert(
      fc.property(progSpec, (spec) => {
        compareWithReference(programModel(spec));
      }),
      { numRuns: 200, seed: 605 },
    );
  });

  it('bounded runs on random transition systems (300 models × 4 bounds): never a claim the unbounded reference denies', () => {
    let complete = 0;
    let bounded = 0;
    fc.assert(
      fc.property(sysSpec, fc.array(boundsArb, { minLength: 4, maxLength: 4 }), (spec, bounds) => {
        const model = systemModel(spec);
        const ref = explore(model);
        const expected = referenceVerdicts(model, ref);
        for (const b of bounds) {
          if (compareBounded(model, ref, expected, b)) {
            complete++;
            if (b.maxDepth !== null || b.maxStates !== null) bounded++;
          }
        }
      }),
      { numRuns: 300, seed: 9 },
    );
    // Not vacuous: many bounded runs were complete, and their verdicts compared in full.
    expect(bounded).toBeGreaterThan(100);
    expect(complete).toBeGreaterThan(bounded);
  });

  it('bounded runs on random thread programs (150 models × 4 bounds): never a claim the unbounded reference denies', () => {
    fc.assert(
      fc.property(progSpec, fc.array(boundsArb, { minLength: 4, maxLength: 4 }), (spec, bounds) => {
        const model = programModel(spec);
        const ref = explore(model);
        const expected = referenceVerdicts(model, ref);
        for (const b of bounds) compareBounded(model, ref, expected, b);
      }),
      { numRuns: 150, seed: 4242 },
    );
  });

  it('the generators produce every verdict for every property kind (the comparison is not vacuous)', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(fc.oneof(sysSpec.map(systemModel), progSpec.map(programModel)), (model) => {
        const r = check(model as Model<unknown, number>, { findAll: true });
        for (const v of r.verdicts) {
          seen.add(`${v.kind}:${v.status}`);
          if (v.status === 'violated' && v.kind === 'eventually') seen.add(`lasso:${v.counterexample.loopStart === v.counterexample.path.steps.length ? 'dead end' : 'cycle'}`);
        }
      }),
      { numRuns: 300, seed: 11 },
    );
    for (const kind of ['always', 'sometimes', 'deadlock', 'reachable', 'eventually']) {
      expect(seen).toContain(`${kind}:holds`);
      expect(seen).toContain(`${kind}:violated`);
    }
    expect(seen).toContain('lasso:dead end');
    expect(seen).toContain('lasso:cycle');
  });
});
