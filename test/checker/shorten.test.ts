/**
 * Shortening a depth-first counterexample (src/checker/shorten.ts), on a model whose paths are
 * counted by hand.
 */
import { describe, expect, test } from 'vitest';
import { check, Property, replay, shorten, type Model } from '../../src/checker/index.ts';
import { twoCounters, type CounterAction, type CounterState } from './fixtures/counters.ts';

/** Two counters (a up to 2, b up to 3) where b reaching 3 is a violation, and a state (a=2, b=0) that is a deadlock. */
function counters(): Model<CounterState, CounterAction> {
  const base = twoCounters(2, 3);
  return {
    ...base,
    properties: () => [Property.always<CounterState>('b below 3', (s) => s.b < 3), Property.always<CounterState>('a below 2', (s) => s.a < 2)],
  };
}

describe('shorten', () => {
  // Depth-first search takes a's step first in every state: a=1, a=2 violates 'a below 2' after 2
  // steps. With only 'b below 3' checked, it goes a, a, then b, b, b: 5 steps, where b, b, b (3
  // steps) is the shortest.
  const bOnly = (): Model<CounterState, CounterAction> => {
    const m = counters();
    return { ...m, properties: () => m.properties().filter((p) => p.name === 'b below 3') };
  };

  test('a 5-step depth-first counterexample becomes the 3-step shortest one, which replays', () => {
    const m = bOnly();
    const r = check(m, { strategy: 'dfs' });
    expect(r.status).toBe('violation');
    if (r.status !== 'violation') return;
    expect(r.violation.path.steps.map((s) => s.action)).toEqual(['a', 'a', 'b', 'b', 'b']);
    const s = shorten(m, r.violation, { maxStates: 1000 });
    expect(s.fromSteps).toBe(5);
    expect(s.counterexample.property).toBe('b below 3');
    expect(s.counterexample.path.steps.map((x) => x.action)).toEqual(['b', 'b', 'b']);
    expect(s.stopped).toBe('shortest-found');
    expect(s.runs).toBeGreaterThanOrEqual(2); // one that found a shorter path, one that found none
    const again = replay(m, s.counterexample.path.token);
    expect(again.steps.map((x) => x.state)).toEqual(s.counterexample.path.steps.map((x) => x.state));
  });

  test('a shorter violation of another property is not taken for the one being shortened', () => {
    // The model checks both properties; the depth-bounded re-runs meet 'a below 2' (violated after
    // a, a) before any path of 'b below 3', and must look past it for the property being shortened.
    const m = counters();
    const dfs = check(bOnly(), { strategy: 'dfs' });
    if (dfs.status !== 'violation') throw new Error('expected a violation');
    const s = shorten(m, dfs.violation, { maxStates: 1000 });
    expect(s.counterexample.property).toBe('b below 3');
    expect(s.counterexample.path.steps).toHaveLength(3);
  });

  test('a spent budget says so and keeps the best path found', () => {
    const m = bOnly();
    const r = check(m, { strategy: 'dfs' });
    if (r.status !== 'violation') throw new Error('expected a violation');
    const s = shorten(m, r.violation, { maxStates: 2 });
    expect(s.stopped).toBe('budget');
    expect(s.states).toBeLessThanOrEqual(2);
    expect(s.counterexample.path.steps.length).toBeLessThanOrEqual(5);
  });

  test('liveness findings are left as found', () => {
    const m = twoCounters(2, 3);
    const fake = { property: 'fills', kind: 'eventually' as const, path: { init: { a: 0, b: 0 }, steps: [], token: '0#0' } };
    expect(shorten(m, fake, { maxStates: 100 })).toMatchObject({ stopped: 'not-shortened', runs: 0 });
  });
});
