/**
 * Liveness on large graphs (no recursion anywhere), memory accounting, and the boundary semantics.
 */
import { describe, expect, it } from 'vitest';
import { check, Property, type Model, type ThreadInfo } from '../../src/checker/index.ts';
import { stronglyConnectedComponents, type CsrGraph } from '../../src/checker/scc.ts';

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
