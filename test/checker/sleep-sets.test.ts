/**
 * Sleep sets in the breadth-first explorer (Explorer.enableSleepSets): a transition asleep in a
 * state is named, not run, where its successor is in the visited set already; states,
 * transitions and verdicts are those of the search without them. Hand counts in
 * fixtures/sleepy-counters.ts.
 */
import { describe, expect, test } from 'vitest';
import { check } from '../../src/checker/index.ts';
import type { CheckResult } from '../../src/checker/result.ts';
import { sleepyCounters } from './fixtures/sleepy-counters.ts';

const verdicts = (r: CheckResult<unknown, unknown>): Record<string, string> => Object.fromEntries(r.verdicts.map((v) => [v.property, v.status]));

describe('sleep sets name successors they know', () => {
  test('two independent counters to 2: 9 states, 12 transitions, 4 named (8 run)', () => {
    const m = sleepyCounters(2, 2);
    const r = check(m, { findAll: true });
    expect(r.status).toBe('pass');
    expect(r.stats.states).toBe(9);
    expect(r.stats.transitions).toBe(12);
    expect(r.stats.namedTransitions).toBe(4);
    expect(m.runs).toBe(8);
  });

  test('without them every transition runs; the same states, transitions and verdicts', () => {
    for (const [a, b] of [
      [1, 1],
      [2, 2],
      [3, 2],
      [4, 5],
    ] as const) {
      const on = sleepyCounters(a, b);
      const off = sleepyCounters(a, b);
      const r = check(on, { findAll: true, verifySleepSets: true });
      const q = check(off, { findAll: true, sleepSets: false });
      expect(q.stats.namedTransitions).toBeUndefined();
      expect(off.runs).toBe(q.stats.transitions);
      expect([r.stats.states, r.stats.transitions]).toEqual([q.stats.states, q.stats.transitions]);
      expect(r.stats.states).toBe((a + 1) * (b + 1));
      expect(verdicts(r)).toEqual(verdicts(q));
      expect(r.stats.namedTransitions).toBeGreaterThan(0);
    }
  });

  test('steps that share a variable are never named', () => {
    const m = sleepyCounters(2, 2, { shared: true });
    const r = check(m, { findAll: true, verifySleepSets: true });
    expect(r.stats.namedTransitions).toBe(0);
    expect(m.runs).toBe(r.stats.transitions);
  });

  test('a step that reads what another writes is not named: 5 states with copy', () => {
    const r = check(sleepyCounters(1, 1, { copy: true }), { findAll: true, verifySleepSets: true });
    expect(r.stats.states).toBe(5);
  });

  test('a model that claims steps commute where they do not loses a state, and verifySleepSets says so', () => {
    const lying = (): ReturnType<typeof sleepyCounters> => sleepyCounters(1, 1, { copy: true, lie: true });
    expect(check(lying(), { findAll: true }).stats.states).toBe(4);
    expect(() => check(lying(), { findAll: true, verifySleepSets: true })).toThrow(/internal error: a sleep set named the successor of a: 0 -> 1 wrongly/);
  });

  test('only breadth-first: depth-first search runs every transition', () => {
    const m = sleepyCounters(2, 2);
    const r = check(m, { findAll: true, strategy: 'dfs' });
    expect(r.stats.namedTransitions).toBeUndefined();
    expect(m.runs).toBe(r.stats.transitions);
  });

  test('not under symmetry reduction', () => {
    const base = sleepyCounters(2, 2);
    // Swapping the two counters maps the model onto itself.
    const m = {
      ...base,
      symmetry: {
        classes: [[0, 1]],
        canonical: (s: { a: number; b: number; n: number }, perm: Uint8Array) => {
          const swap = s.a > s.b;
          perm[0] = swap ? 1 : 0;
          perm[1] = swap ? 0 : 1;
          return swap ? { a: s.b, b: s.a, n: s.n } : s;
        },
      },
    };
    const r = check(m, { findAll: true });
    expect(r.stats.namedTransitions).toBeUndefined();
    expect(r.stats.states).toBe(6);
  });
});
