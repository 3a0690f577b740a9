/**
 * Liveness on large graphs (no recursion anywhere), memory accounting, and the boundary semantics.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check, Property, type Model, type ThreadInfo } from '../../src/checker/index.ts';
import { analyzeEventually, analyzeReachable, analyzeReachableByThread, IN_BOUNDARY, LivenessGraph } from '../../src/checker/liveness.ts';
import { stronglyConnectedComponents, type CsrGraph } from '../../src/checker/scc.ts';
import { PermTable } from '../../src/checker/symmetry.ts';

function chain(n: number, closed: boolean): CsrGraph {
  const edgeStart = new Uint32Array(n);
  const edgeEnd = new Uint32Array(n);
  const dst = new Uint32Array(n);
  let e = 0;
  for (let v = 0; v < n; v++) {
    edgeStart[v] = e;
    if (v + 1 < n) dst[e++] = v + 1;
    else if (closed) dst[e++] = 0;
    edgeEnd[v] = e;
  }
  return { n, edgeStart, edgeEnd, dst };
}

describe('iterative Tarjan', () => {
  it('handles a path of a million nodes (a recursive version would overflow the stack)', () => {
    const open = stronglyConnectedComponents(chain(1_000_000, false), null, [0]);
    expect(open.count).toBe(1_000_000);
    // Reverse topological order: the sink (last node) completes first.
    expect(open.comp[999_999]).toBe(0);
    expect(open.comp[0]).toBe(999_999);
    const closed = stronglyConnectedComponents(chain(1_000_000, true), null, [0]);
    expect(closed.count).toBe(1);
    expect(closed.compStart[1]).toBe(1_000_000);
  });

  it('respects the node filter and the roots', () => {
    const g = chain(10, true);
    const include = new Uint8Array(10).fill(1);
    include[5] = 0; // cut the ring
    const r = stronglyConnectedComponents(g, include, [0]);
    expect(r.count).toBe(5); // 0..4, each alone
    expect(r.comp[6]).toBe(-1); // not reachable from 0 without 5
    const all = stronglyConnectedComponents(g, include, [0, 6]);
    expect(all.count).toBe(9);
  });
});

/** A ring of n states; thread 0 moves forward. With `exit`, thread 1 can leave state 0 to a goal state n. */
function ring(n: number, exit: boolean): Model<number, number> {
  return {
    initStates: () => [0],
    actions(s, out) {
      if (s < n) out.push(0);
      if (exit && s === 0) out.push(1);
    },
    nextState: (s, t) => (t === 0 ? (s + 1) % n : n),
    properties: () => [
      Property.eventually<number>('reaches n, none', (s) => s === n, { fairness: 'none' }),
      Property.eventually<number>('reaches n, weak', (s) => s === n, { fairness: 'weak' }),
      Property.alwaysReachable<number>('n reachable', (s) => s === n),
      Property.alwaysReachable<number>('0 reachable', (s) => s === 0),
    ],
    formatAction: (t, s) => (t === 0 ? `step ${s}` : 'exit'),
    formatState: (s) => String(s),
    encode: (s, out) => out.int(s),
    threads: (s): ThreadInfo[] => [
      { name: 'stepper', finished: s === n },
      { name: 'exiter', finished: !exit || s === n },
    ],
    actionThread: (_a) => _a,
  };
}

describe('liveness on large graphs', () => {
  it('a ring of 200,000 states: the unfair lasso is the whole ring', () => {
    const n = 200_000;
    const r = check(ring(n, true), { findAll: true });
    expect(r.stats.states).toBe(n + 1);
    expect(r.stats.transitions).toBe(n + 1);
    const v = Object.fromEntries(r.verdicts.map((x) => [x.property, x]));
    expect(v['n reachable']!.status).toBe('holds');
    expect(v['0 reachable']!.status).toBe('violated'); // not from n
    // The exiter is disabled everywhere on the ring but state 0: weak fairness does not force it.
    const weak = v['reaches n, weak']!;
    const none = v['reaches n, none']!;
    if (weak.status !== 'violated' || none.status !== 'violated') throw new Error('expected both violated');
    expect(none.counterexample.loopStart).toBe(0);
    expect(none.counterexample.path.steps).toHaveLength(n);
    expect(weak.counterexample.path.steps).toHaveLength(n);
    // Per state: 4 label + 8 edge range + 4 enabled mask + ~5 table id; per edge 5; then Tarjan's
    // arrays, which the counterexample search reuses (62 bytes per state in all; 78 when it
    // allocated its own four arrays).
    expect(r.stats.livenessBytes).toBeGreaterThan(n * 20);
    expect(r.stats.livenessBytes).toBeLessThan(n * 70);
  });

  it('weak fairness forces a thread enabled all along a cycle', () => {
    // A two-state cycle where the exiter is enabled in both states.
    const model: Model<number, number> = {
      initStates: () => [0],
      actions(s, out) {
        if (s < 2) out.push(0, 1);
      },
      nextState: (s, t) => (t === 0 ? 1 - s : 2),
      properties: () => [
        Property.eventually<number>('exits, weak', (s) => s === 2, { fairness: 'weak' }),
        Property.eventually<number>('exits, none', (s) => s === 2, { fairness: 'none' }),
      ],
      formatAction: (t) => (t === 0 ? 'flip' : 'exit'),
      formatState: String,
      encode: (s, out) => out.int(s),
      threads: () => [
        { name: 'flipper', finished: false },
        { name: 'exiter', finished: false },
      ],
      actionThread: (t) => t,
    };
    const r = check(model, { findAll: true });
    expect(r.verdicts.map((v) => v.status)).toEqual(['holds', 'violated']);
  });

  it('a goal-free dead end is a lasso with an empty cycle', () => {
    const n = 50_000;
    const line: Model<number, number> = {
      initStates: () => [0],
      actions(s, out) {
        if (s < n - 1) out.push(0);
      },
      nextState: (s) => s + 1,
      properties: () => [Property.eventually<number>('never', () => false, { fairness: 'none' })],
      formatAction: (_a, s) => `to ${s + 1}`,
      formatState: String,
      encode: (s, out) => out.int(s),
    };
    for (const strategy of ['bfs', 'dfs'] as const) {
      const r = check(line, { strategy });
      if (r.status !== 'violation') throw new Error('expected a violation');
      expect(r.violation.loopStart).toBe(n - 1);
      expect(r.violation.path.steps).toHaveLength(n - 1);
    }
  });
});

describe('boundary semantics of liveness', () => {
  // 0 -> 1 -> 2 (goal); 1 lies outside the boundary, so it is recorded but not expanded.
  const model: Model<number, number> = {
    initStates: () => [0],
    actions(s, out) {
      if (s < 2) out.push(0);
    },
    nextState: (s) => s + 1,
    properties: () => [
      Property.alwaysReachable<number>('goal reachable', (s) => s === 2),
      Property.eventually<number>('goal eventually', (s) => s === 2, { fairness: 'none' }),
      Property.alwaysReachable<number>('1 reachable', (s) => s === 1),
    ],
    withinBoundary: (s) => s !== 1,
    formatAction: () => 'next',
    formatState: String,
    encode: (s, out) => out.int(s),
  };

  it('a state outside the boundary has no successors; runs that leave the boundary are not judged', () => {
    const r = check(model, { findAll: true });
    expect(r.stats.states).toBe(2); // 0 and 1; 2 is never generated
    const v = Object.fromEntries(r.verdicts.map((x) => [x.property, x.status]));
    expect(v['goal reachable']).toBe('violated'); // from 0 only 1 is reachable, and 1 leads nowhere
    expect(v['goal eventually']).toBe('holds'); // 0 is not a dead end: its run leaves the boundary
    expect(v['1 reachable']).toBe('holds'); // 1 itself counts as a goal although outside
  });
});

describe('per-thread reachability under symmetry (analyzeReachableByThread)', () => {
  /**
   * The product search written plainly: a node per (state, class position), a goal where the
   * state's label has that thread's goal bit, and (u, q) reaching one where an edge u -> w with
   * permutation π has (w, position of π[cls[q]]) reaching one, iterated to the fixpoint. The
   * witness: the first state within the boundary with a position that cannot, and its thread.
   */
  function reference(g: LivenessGraph, goalBitOf: Int32Array, cls: readonly number[], perms: PermTable): { state: number; thread: number } | null {
    const K = cls.length;
    const can = new Uint8Array(g.n * K);
    for (let v = 0; v < g.n; v++) for (let q = 0; q < K; q++) if ((g.labels[v]! & goalBitOf[cls[q]!]!) !== 0) can[v * K + q] = 1;
    for (let changed = true; changed; ) {
      changed = false;
      for (let u = 0; u < g.n; u++) {
        for (let e = g.edgeStart[u]!; e < g.edgeEnd[u]!; e++) {
          const p = perms.get(g.perm![e]!);
          for (let q = 0; q < K; q++) {
            const qw = cls.indexOf(p[cls[q]!]!);
            if (can[u * K + q] === 0 && can[g.dst[e]! * K + qw] === 1) {
              can[u * K + q] = 1;
              changed = true;
            }
          }
        }
      }
    }
    for (let v = 0; v < g.n; v++) {
      if ((g.labels[v]! & IN_BOUNDARY) === 0) continue;
      for (let q = 0; q < K; q++) if (can[v * K + q] === 0) return { state: v, thread: cls[q]! };
    }
    return null;
  }

  // Threads 0 .. T-1; the class is threads 1 .. K (thread 0 stays in place), each with its own goal bit.
  const graphArb = fc
    .record({ K: fc.integer({ min: 1, max: 5 }), n: fc.integer({ min: 1, max: 40 }) })
    .chain(({ K, n }) =>
      fc.record({
        K: fc.constant(K),
        n: fc.constant(n),
        perms: fc.array(fc.shuffledSubarray([...Array(K).keys()], { minLength: K, maxLength: K }), { minLength: 1, maxLength: 6 }),
        goals: fc.array(fc.array(fc.boolean(), { minLength: K, maxLength: K }), { minLength: n, maxLength: n }),
        boundary: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
        edges: fc.array(fc.array(fc.record({ to: fc.nat(n - 1), perm: fc.nat(6) }), { maxLength: 4 }), { minLength: n, maxLength: n }),
      }),
    );

  it('decides as the per-position product search does, witness included (random graphs and permutations)', () => {
    fc.assert(
      fc.property(graphArb, ({ K, n, perms: shuffles, goals, boundary, edges }) => {
        const T = K + 1;
        const cls = Array.from({ length: K }, (_, q) => q + 1);
        const table = new PermTable(T);
        const ids = shuffles.map((sh) => table.intern(Uint8Array.from([0, ...sh.map((q) => q + 1)])));
        const goalBitOf = new Int32Array(T);
        cls.forEach((t, q) => (goalBitOf[t] = 1 << q));
        const g = new LivenessGraph(false, true);
        for (let v = 0; v < n; v++) {
          let label = boundary[v] ? IN_BOUNDARY : 0;
          goals[v]!.forEach((b, q) => b && (label |= 1 << q));
          g.addState(v, label >>> 0);
        }
        for (let v = 0; v < n; v++) {
          g.begin(v);
          for (const ed of edges[v]!) g.edge(ed.to, 0, ids[ed.perm % ids.length]!);
          g.end(v, 0);
        }
        const want = reference(g, goalBitOf, cls, table);
        expect(analyzeReachableByThread(g, goalBitOf, cls, table).witness).toEqual(want);
      }),
      { numRuns: 500 },
    );
  });
});

describe('reachability of several goals at once (analyzeReachable)', () => {
  /** Per goal bit: the first state within the boundary, reached from an initial state, from which no state with the bit is reachable. */
  function reference(g: LivenessGraph, bit: number): number | null {
    const reached = reachedFrom(g, g.initIds);
    for (const v of g.initIds) reached[v] = 1;
    const can = new Uint8Array(g.n);
    for (let v = 0; v < g.n; v++) if ((g.labels[v]! & bit) !== 0) can[v] = 1;
    for (let changed = true; changed; ) {
      changed = false;
      for (let v = 0; v < g.n; v++) {
        for (let e = g.edgeStart[v]!; e < g.edgeEnd[v]! && can[v] === 0; e++) {
          if (can[g.dst[e]!] === 1) {
            can[v] = 1;
            changed = true;
          }
        }
      }
    }
    for (let v = 0; v < g.n; v++) if ((g.labels[v]! & IN_BOUNDARY) !== 0 && reached[v] === 1 && can[v] === 0) return v;
    return null;
  }

  it('gives each goal bit the witness of a search for that bit alone (random graphs, up to 5 goals)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).chain((n) =>
          fc.record({
            n: fc.constant(n),
            bits: fc.integer({ min: 1, max: 5 }),
            labels: fc.array(fc.nat(31), { minLength: n, maxLength: n }),
            boundary: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
            edges: fc.array(fc.array(fc.nat(n - 1), { maxLength: 3 }), { minLength: n, maxLength: n }),
            inits: fc.array(fc.nat(n - 1), { minLength: 1, maxLength: 2 }),
          }),
        ),
        ({ n, bits, labels, boundary, edges, inits }) => {
          const g = new LivenessGraph(false);
          for (let v = 0; v < n; v++) g.addState(v, ((boundary[v] ? IN_BOUNDARY : 0) | labels[v]!) >>> 0);
          for (let v = 0; v < n; v++) {
            g.begin(v);
            for (const w of edges[v]!) g.edge(w, 0);
            g.end(v, 0);
          }
          g.initIds.push(...inits);
          const goalBits = Array.from({ length: bits }, (_, b) => 1 << b);
          const got = analyzeReachable(g, goalBits);
          expect(got.analyses.map((a) => a.witness)).toEqual(goalBits.map((b) => reference(g, b)));
          expect(got.acyclic).toBe(!hasCycle(g));
        },
      ),
      { numRuns: 500 },
    );
  });
});

/** The states reached from `from` by one edge or more (1), depth-first: a reference for the tests. */
function reachedFrom(g: LivenessGraph, from: readonly number[]): Uint8Array {
  const seen = new Uint8Array(g.n);
  const stack = [...from];
  while (stack.length) {
    const v = stack.pop()!;
    for (let e = g.edgeStart[v]!; e < g.edgeEnd[v]!; e++) {
      if (seen[g.dst[e]!] === 0) {
        seen[g.dst[e]!] = 1;
        stack.push(g.dst[e]!);
      }
    }
  }
  return seen;
}

/** Whether some state reached from an initial state reaches itself again (a self-loop included). */
function hasCycle(g: LivenessGraph): boolean {
  const reached = reachedFrom(g, g.initIds);
  for (const r of g.initIds) reached[r] = 1;
  for (let v = 0; v < g.n; v++) if (reached[v] === 1 && reachedFrom(g, [v])[v] === 1) return true;
  return false;
}

describe('eventually on a graph without cycles (analyzeEventually, acyclic)', () => {
  const graphs = (maxN: number, forward: boolean) =>
    fc.integer({ min: 1, max: maxN }).chain((n) =>
      fc.record({
        n: fc.constant(n),
        goal: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
        boundary: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }),
        expanded: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }),
        // Targets as offsets: forward ones (to a higher state number) make the graph acyclic.
        edges: fc.array(fc.array(fc.record({ to: fc.nat(n - 1), thread: fc.nat(2) }), { maxLength: 3 }), { minLength: n, maxLength: n }),
        enabled: fc.array(fc.nat(7), { minLength: n, maxLength: n }),
        inits: fc.array(fc.nat(n - 1), { minLength: 1, maxLength: 2 }),
        weak: fc.boolean(),
        forward: fc.constant(forward),
      }),
    );
  type G = { n: number; goal: boolean[]; boundary: number[]; expanded: number[]; edges: { to: number; thread: number }[][]; enabled: number[]; inits: number[]; forward: boolean };
  function build({ n, goal, boundary, expanded, edges, enabled, inits, forward }: G): LivenessGraph {
    const g = new LivenessGraph(true);
    for (let v = 0; v < n; v++) g.addState(v, ((boundary[v]! > 0 ? IN_BOUNDARY : 0) | (goal[v] ? 1 : 0)) >>> 0);
    for (let v = 0; v < n; v++) {
      // A state not expanded (outside a bound) has no recorded successors.
      if (expanded[v] === 0) continue;
      g.begin(v);
      for (const { to, thread } of edges[v]!) {
        const w = forward ? v + 1 + (to % Math.max(1, n - v - 1)) : to;
        if (w < n) g.edge(w, thread);
      }
      g.end(v, enabled[v]!);
    }
    g.initIds.push(...inits);
    return g;
  }

  it('finds the witness the search through the components finds (random acyclic graphs)', () => {
    fc.assert(
      fc.property(graphs(40, true), (spec) => {
        const g = build(spec);
        expect(hasCycle(g)).toBe(false);
        const fairness = spec.weak ? 'weak' : 'none';
        expect(analyzeEventually(g, 1, fairness, null, true).witness).toEqual(analyzeEventually(g, 1, fairness).witness);
      }),
      { numRuns: 500 },
    );
  });

  it('decides alike with the whole graph\'s own answer passed on (random graphs, cycles or none)', () => {
    fc.assert(
      fc.property(fc.oneof(graphs(30, true), graphs(30, false)), (spec) => {
        const g = build(spec);
        const fairness = spec.weak ? 'weak' : 'none';
        const { acyclic } = analyzeReachable(g, [2]);
        expect(analyzeEventually(g, 1, fairness, null, acyclic).witness).toEqual(analyzeEventually(g, 1, fairness).witness);
      }),
      { numRuns: 500 },
    );
  });
});
