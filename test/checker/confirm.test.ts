/**
 * Confirmation of counterexamples on real states (src/checker/confirm.ts): the exact keys, each
 * check on hand-made paths, and the time/interrupt stop of the exact exploration behind an
 * `alwaysReachable` witness.
 */
import { describe, expect, it } from 'vitest';
import { check, Property, buildPath, type Encoder, type Model } from '../../src/checker/index.ts';
import { confirmExample, confirmViolation, ExactKeyEncoder } from '../../src/checker/confirm.ts';

describe('ExactKeyEncoder', () => {
  const key = (feed: (e: Encoder) => void): string => ExactKeyEncoder.key({ encode: (_s: null, e: Encoder) => feed(e) }, null);

  it('gives different keys to different value sequences, and the same key to the same one', () => {
    const keys = [
      key((e) => e.int(1)),
      key((e) => e.int(0x10000)),
      key((e) => e.int(-1)),
      key((e) => e.int(0xffff)),
      key((e) => e.bool(true)),
      key((e) => e.bool(false)),
      key((e) => e.str('')),
      key((e) => e.str('i')),
      key((e) => {
        e.str('ab');
        e.str('c');
      }),
      key((e) => {
        e.str('a');
        e.str('bc');
      }),
      key((e) => {
        e.int(1);
        e.int(2);
      }),
      key((e) => {
        e.int(2);
        e.int(1);
      }),
      key((e) => e.str('\u0001\u0000')),
      key(() => undefined),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(key((e) => e.int(2 ** 32 + 5))).toBe(key((e) => e.int(5))); // modulo 2^32, as the encoder says
    expect(key((e) => e.str('xy'))).toBe(key((e) => e.str('xy')));
  });
});

/** States 0..n-1; from s: `+1` (thread 0, while s < n - 1) and `reset` to 0 (thread 1, from s ≥ 2). */
function line(n: number, props: Property<number>[] = [], inside?: (s: number) => boolean): Model<number, 'inc' | 'reset'> {
  const model: Model<number, 'inc' | 'reset'> = {
    initStates: () => [0],
    actions(s, out) {
      if (s < n - 1) out.push('inc');
      if (s >= 2) out.push('reset');
    },
    nextState: (s, a) => (a === 'inc' ? s + 1 : 0),
    properties: () => props,
    formatAction: (a) => a,
    formatState: (s) => `s${s}`,
    encode: (s, out) => out.int(s),
    threads: (s) => [{ name: 't', finished: s === n - 1 }],
    actionThread: (a) => (a === 'inc' ? 0 : 1),
  };
  return inside === undefined ? model : { ...model, withinBoundary: inside };
}

const never = (): boolean => false;
const no = (): boolean => false;

describe('confirmViolation on hand-made paths', () => {
  const m = line(4);
  // 0 -inc-> 1 -inc-> 2 -reset-> 0 : action indices per state: in 0, 1: [inc]; in 2: [inc, reset].
  const cycle = buildPath(m, 0, [0, 0, 1]);
  const toThree = buildPath(m, 0, [0, 0, 0]);

  it('eventually: a real cycle is confirmed; a wrong loopStart, a goal on the lasso or a state outside the boundary is not', () => {
    const none = Property.eventually<number>('e', never, { fairness: 'none' });
    expect(confirmViolation(m, none, cycle, 0, no)).toBe('confirmed');
    expect(confirmViolation(m, none, cycle, 1, no)).toBe('refuted'); // s1 is not the last state
    expect(confirmViolation(m, none, cycle, undefined, no)).toBe('refuted');
    expect(confirmViolation(m, none, cycle, 4, no)).toBe('refuted');
    expect(confirmViolation(m, Property.eventually<number>('e', (s) => s === 2, { fairness: 'none' }), cycle, 0, no)).toBe('refuted');
    expect(confirmViolation(line(4, [], (s) => s !== 1), none, cycle, 0, no)).toBe('refuted');
  });

  it('eventually: a dead end must have no transition', () => {
    const none = Property.eventually<number>('e', never, { fairness: 'none' });
    expect(confirmViolation(m, none, toThree, 3, no)).toBe('refuted'); // s3 can reset
    const m3 = line(3); // in s2 of line(3): only reset; a path ending in s1 is no dead end either
    expect(confirmViolation(m3, none, buildPath(m3, 0, [0]), 1, no)).toBe('refuted');
    const chain: Model<number, 'inc'> = { ...line(3), actions: (s, out) => void (s < 2 && out.push('inc')), nextState: (s) => s + 1 };
    expect(confirmViolation(chain, none, buildPath(chain, 0, [0, 0]), 2, no)).toBe('confirmed');
  });

  it('eventually, weak fairness: a thread enabled all along the cycle must act on it', () => {
    // 0 -> 1 -> 2; 2 -t0-> 3, 3 -t0-> 2, 3 -t0-> 4, 4 -t0-> 2; from 2 and 3 thread 1 can step to 9.
    const adj: Record<number, [number, number][]> = {
      0: [[1, 0]],
      1: [[2, 0]],
      2: [[3, 0], [9, 1]],
      3: [[2, 0], [4, 0], [9, 1]],
      4: [[2, 0]],
      9: [],
    };
    const g: Model<number, number> = {
      initStates: () => [0],
      actions: (st, out) => adj[st]!.forEach((_e, i) => out.push(i)),
      nextState: (st, i) => adj[st]![i]![0],
      properties: () => [],
      formatAction: (i) => `${i}`,
      formatState: (st) => `s${st}`,
      encode: (st, out) => out.int(st),
      actionThread: (i, st) => adj[st]![i]![1],
    };
    const weak = Property.eventually<number>('e', never, { fairness: 'weak' });
    const none = Property.eventually<number>('e', never, { fairness: 'none' });
    // 0 1 2 3 2: thread 1 is enabled in 2 and in 3 and never acts: not weakly fair.
    const unfair = buildPath(g, 0, [0, 0, 0, 0]);
    expect(unfair.steps.map((st) => st.state)).toEqual([1, 2, 3, 2]);
    expect(confirmViolation(g, weak, unfair, 2, no)).toBe('refuted');
    expect(confirmViolation(g, none, unfair, 2, no)).toBe('confirmed');
    // 0 1 2 3 4 2: thread 1 is disabled in 4: weakly fair.
    const fair = buildPath(g, 0, [0, 0, 0, 1, 0]);
    expect(fair.steps.map((st) => st.state)).toEqual([1, 2, 3, 4, 2]);
    expect(confirmViolation(g, weak, fair, 2, no)).toBe('confirmed');
  });

  it('always, deadlock, sometimes example: on the real last state', () => {
    expect(confirmViolation(m, Property.always<number>('a', (s) => s < 3), toThree, undefined, no)).toBe('confirmed');
    expect(confirmViolation(m, Property.always<number>('a', (s) => s < 4), toThree, undefined, no)).toBe('refuted');
    expect(confirmViolation(line(4, [], (s) => s < 3), Property.always<number>('a', (s) => s < 3), toThree, undefined, no)).toBe('refuted');
    const stuck: Model<number, 'inc'> = { ...line(3), actions: (s, out) => void (s < 2 && out.push('inc')), nextState: (s) => s + 1, threads: () => [{ name: 't', finished: false }] };
    expect(confirmViolation(stuck, Property.deadlockFree(), buildPath(stuck, 0, [0, 0]), undefined, no)).toBe('confirmed');
    expect(confirmViolation(stuck, Property.deadlockFree(), buildPath(stuck, 0, [0]), undefined, no)).toBe('refuted');
    expect(confirmViolation({ ...stuck, threads: () => [{ name: 't', finished: true }] }, Property.deadlockFree(), buildPath(stuck, 0, [0, 0]), undefined, no)).toBe('refuted');
    expect(confirmExample(m, Property.sometimes<number>('s', (s) => s === 3), toThree)).toBe('confirmed');
    expect(confirmExample(m, Property.sometimes<number>('s', (s) => s === 2), toThree)).toBe('refuted');
  });

  it('alwaysReachable: an exact exploration from the real witness', () => {
    const atThree = Property.alwaysReachable<number>('r', (s) => s === 3);
    const m4 = line(4);
    expect(confirmViolation(m4, atThree, buildPath(m4, 0, []), undefined, no)).toBe('refuted'); // 0 -> 1 -> 2 -> 3
    const chain: Model<number, 'inc'> = { ...line(5), actions: (s, out) => void (s < 4 && out.push('inc')), nextState: (s) => s + 1 };
    expect(confirmViolation(chain, Property.alwaysReachable<number>('r', (s) => s === 1), buildPath(chain, 0, [0, 0]), undefined, no)).toBe('confirmed');
    // A state outside the boundary is not expanded, but counts when it is a goal.
    const walled = { ...chain, withinBoundary: (s: number) => s !== 3 };
    expect(confirmViolation(walled, Property.alwaysReachable<number>('r', (s) => s === 4), buildPath(walled, 0, []), undefined, no)).toBe('confirmed');
    expect(confirmViolation(walled, Property.alwaysReachable<number>('r', (s) => s === 3), buildPath(walled, 0, []), undefined, no)).toBe('refuted');
  });
});

describe('the exact exploration behind an alwaysReachable witness', () => {
  /** A chain of n states, no goal; an `alwaysReachable` witness is s0, with n states behind it. */
  function noGoalChain(n: number, goal: (s: number) => boolean): Model<number, 'inc'> {
    return {
      initStates: () => [0],
      actions: (s, out) => void (s < n - 1 && out.push('inc')),
      nextState: (s) => s + 1,
      properties: () => [Property.alwaysReachable<number>('goal reachable', goal)],
      formatAction: () => 'inc',
      formatState: (s) => `s${s}`,
      encode: (s, out) => out.int(s),
    };
  }

  it('confirms the witness of a complete run', () => {
    const r = check(noGoalChain(2000, () => false));
    expect(r.status).toBe('violation');
    if (r.status === 'violation') expect(r.violation.path.steps).toHaveLength(0);
  });

  it('stops when the signal is aborted during it: the property is unknown, the run incomplete (interrupted)', () => {
    const n = 2000;
    const controller = new AbortController();
    let calls = 0;
    // The engine asks the goal once per state while exploring; the next calls are the confirmation's.
    const r = check(
      noGoalChain(n, () => {
        if (++calls > n) controller.abort();
        return false;
      }),
      { signal: controller.signal },
    );
    expect(calls).toBeGreaterThan(n);
    expect(calls).toBeLessThan(2 * n);
    expect(r.status).toBe('incomplete');
    if (r.status !== 'incomplete') return;
    expect(r.reason).toBe('interrupted');
    expect(r.violations).toEqual([]);
    expect(r.verdicts[0]!.status).toBe('unknown');
  });

  it('stops when the time budget runs out during it: the property is unknown, the run incomplete (time)', () => {
    const n = 2000;
    let calls = 0;
    const start = performance.now();
    const r = check(
      noGoalChain(n, () => {
        // Once the confirmation has begun, spend the rest of the budget (once).
        if (++calls === n + 1) while (performance.now() < start + 400);
        return false;
      }),
      { timeMs: 300 },
    );
    expect(calls).toBeGreaterThan(n);
    expect(calls).toBeLessThan(2 * n);
    expect(r.status).toBe('incomplete');
    if (r.status !== 'incomplete') return;
    expect(r.reason).toBe('time');
    expect(r.verdicts[0]!.status).toBe('unknown');
  });
});
