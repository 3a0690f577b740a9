/**
 * The textbook fixtures: exact state and transition counts (derived by hand in each fixture's
 * comment) for every exhaustive strategy, and the counterexamples each must produce.
 */
import { describe, expect, it } from 'vitest';
import { check, replay, type CheckResult, type Counterexample, type Model, type Strategy } from '../../src/checker/index.ts';
import { counterStates, counterTransitions, twoCounters } from './fixtures/counters.ts';
import { peterson } from './fixtures/peterson.ts';
import { brokenLock } from './fixtures/broken-lock.ts';
import { philosophers } from './fixtures/philosophers.ts';
import { starvation } from './fixtures/starvation.ts';

const EXHAUSTIVE: readonly Strategy[] = ['bfs', 'dfs'];

function verdictOf<S, A>(r: CheckResult<S, A>, name: string): string {
  const v = r.verdicts.find((x) => x.property === name);
  if (v === undefined) throw new Error(`no verdict for ${name}`);
  return v.status;
}

function violationOf<S, A>(r: CheckResult<S, A>, name: string): Counterexample<S, A> {
  if (r.status === 'pass') throw new Error(`expected a violation of ${name}, got a pass`);
  const ce = r.violations.find((c) => c.property === name);
  if (ce === undefined) throw new Error(`expected a violation of ${name}`);
  return ce;
}

function lastState<S, A>(ce: Counterexample<S, A>): S {
  const { steps } = ce.path;
  return steps.length === 0 ? ce.path.init : steps[steps.length - 1]!.state;
}

/** The actions of a path, formatted, in order. */
function actionsOf<S, A>(model: Model<S, A>, ce: Counterexample<S, A>): string[] {
  let prev = ce.path.init;
  return ce.path.steps.map((st) => {
    const text = model.formatAction(st.action, prev);
    prev = st.state;
    return text;
  });
}

describe('two independent counters', () => {
  it.each(EXHAUSTIVE)('%s: (2+1)(3+1) = 12 states, 17 transitions, depth 5, everything holds', (strategy) => {
    const r = check(twoCounters(2, 3), { strategy });
    expect(r.status).toBe('pass');
    expect(r.stats.states).toBe(12);
    expect(r.stats.states).toBe(counterStates(2, 3));
    expect(r.stats.transitions).toBe(17);
    expect(r.stats.transitions).toBe(counterTransitions(2, 3));
    expect(r.stats.maxDepth).toBe(5);
    expect(r.verdicts.map((v) => v.status)).toEqual(['holds', 'holds', 'holds', 'holds', 'holds', 'holds']);
  });

  it.each(EXHAUSTIVE)('%s: a larger instance, (7+1)(11+1) = 96 states, 7·12 + 11·8 = 172 transitions', (strategy) => {
    const r = check(twoCounters(7, 11), { strategy });
    expect(r.status).toBe('pass');
    expect(r.stats.states).toBe(96);
    expect(r.stats.transitions).toBe(172);
  });

  it('bfs: the sometimes example is a shortest path (a + b steps)', () => {
    const r = check(twoCounters(2, 3));
    const v = r.verdicts.find((x) => x.property === 'both full');
    expect(v?.status).toBe('holds');
    if (v?.status !== 'holds' || v.example === undefined) throw new Error('expected an example');
    expect(v.example.steps).toHaveLength(5);
    expect(v.example.steps.at(-1)!.state).toEqual({ a: 2, b: 3 });
  });

  it('random: visits all 12 states but proves nothing', () => {
    const r = check(twoCounters(2, 3), { strategy: 'random', seed: 7, walks: 50 });
    expect(r.status).toBe('incomplete');
    if (r.status !== 'incomplete') return;
    expect(r.reason).toBe('random');
    expect(r.stats.states).toBe(12);
    expect(verdictOf(r, 'in range')).toBe('unknown');
    expect(verdictOf(r, 'both full')).toBe('holds');
    expect(verdictOf(r, 'fills')).toBe('unknown');
  });
});

describe("Peterson's mutual exclusion", () => {
  it.each(EXHAUSTIVE)('%s: 20 states, 34 transitions; safe, deadlock-free, fair progress', (strategy) => {
    const r = check(peterson(), { strategy, findAll: true });
    expect(r.stats.states).toBe(20);
    expect(r.stats.transitions).toBe(34);
    expect(verdictOf(r, 'mutual exclusion')).toBe('holds');
    expect(verdictOf(r, 'deadlock-free')).toBe('holds');
    expect(verdictOf(r, 'process 0 enters')).toBe('holds');
    expect(verdictOf(r, 'process 0 can enter')).toBe('holds');
    // Without fairness, process 1 may go round forever while process 0 idles.
    expect(verdictOf(r, 'process 0 enters, unfair')).toBe('violated');
    expect(r.status).toBe('violation');
  });

  it('bfs: depth 6, and the unfair lasso is process 1 going round from the initial state', () => {
    const model = peterson();
    const r = check(model, { findAll: true });
    expect(r.stats.maxDepth).toBe(6);
    const ce = violationOf(r, 'process 0 enters, unfair');
    expect(ce.loopStart).toBe(0);
    expect(actionsOf(model, ce)).toEqual([
      'P1: flag[i] = true',
      'P1: turn = j',
      'P1: await !flag[j] || turn == i',
      'P1: flag[i] = false (leave critical section)',
    ]);
    expect(lastState(ce)).toEqual(ce.path.init);
  });

  it('the safety properties alone pass', () => {
    const base = peterson();
    const model: Model<ReturnType<typeof base.initStates>[number], 0 | 1> = {
      ...base,
      properties: () => base.properties().filter((p) => p.name !== 'process 0 enters, unfair'),
    };
    for (const strategy of EXHAUSTIVE) expect(check(model, { strategy }).status).toBe('pass');
  });
});

describe('broken lock', () => {
  it.each(EXHAUSTIVE)('%s: 18 states, 24 transitions with findAll; mutual exclusion violated', (strategy) => {
    const r = check(brokenLock(), { strategy, findAll: true });
    expect(r.stats.states).toBe(18);
    expect(r.stats.transitions).toBe(24);
    expect(r.status).toBe('violation');
    expect(verdictOf(r, 'mutual exclusion')).toBe('violated');
    expect(verdictOf(r, 'deadlock-free')).toBe('holds');
    if (r.status === 'violation') expect(r.complete).toBe(true);
  });

  it('bfs: the shortest counterexample, step by step', () => {
    const model = brokenLock();
    const r = check(model);
    expect(r.status).toBe('violation');
    if (r.status !== 'violation') return;
    expect(r.complete).toBe(false);
    const ce = r.violation;
    expect(ce.property).toBe('mutual exclusion');
    expect(ce.kind).toBe('always');
    expect(ce.path.init).toEqual({ pc: [0, 0], lock: 0 });
    expect(actionsOf(model, ce)).toEqual(['T0 check', 'T1 check', 'T0 acquire', 'T1 acquire']);
    expect(ce.path.steps.map((s) => s.action)).toEqual([0, 1, 0, 1]);
    expect(ce.path.steps.map((s) => s.state)).toEqual([
      { pc: [1, 0], lock: 0 },
      { pc: [1, 1], lock: 0 },
      { pc: [2, 1], lock: 1 },
      { pc: [2, 2], lock: 1 },
    ]);
    expect(ce.path.token).toMatch(/^0\/0\/1\/0\/1#[0-9a-f]{16}$/);
    expect(replay(model, ce.path.token)).toEqual(ce.path);
  });

  it('dfs: finds a valid (not necessarily shortest) counterexample', () => {
    const model = brokenLock();
    const r = check(model, { strategy: 'dfs' });
    expect(r.status).toBe('violation');
    if (r.status !== 'violation') return;
    expect(lastState(r.violation).pc).toEqual([2, 2]);
    expect(r.violation.path.steps.length).toBeGreaterThanOrEqual(4);
  });

  it('random: finds the bug from a seed, reproducibly', () => {
    const a = check(brokenLock(), { strategy: 'random', seed: 1, walks: 200 });
    const b = check(brokenLock(), { strategy: 'random', seed: 1, walks: 200 });
    expect(a.status).toBe('violation');
    if (a.status !== 'violation' || b.status !== 'violation') throw new Error('expected violations');
    expect(lastState(a.violation).pc).toEqual([2, 2]);
    expect(a.violation.path.token).toBe(b.violation.path.token);
    expect(a.stats.states).toBe(b.stats.states);
    expect(a.stats.transitions).toBe(b.stats.transitions);
  });
});

describe('dining philosophers', () => {
  it.each(EXHAUSTIVE)('%s: 45 states, 69 transitions; the deadlock is found', (strategy) => {
    const r = check(philosophers(3), { strategy, findAll: true });
    expect(r.stats.states).toBe(45);
    expect(r.stats.transitions).toBe(69);
    expect(r.stats.maxDepth).toBe(9);
    expect(verdictOf(r, 'deadlock-free')).toBe('violated');
    expect(verdictOf(r, 'forks held once')).toBe('holds');
    expect(verdictOf(r, 'all can finish')).toBe('violated');
    const ce = violationOf(r, 'deadlock-free');
    expect(lastState(ce)).toEqual([1, 1, 1]);
  });

  it('bfs: 3 steps, and every thread with what it waits for', () => {
    const model = philosophers(3);
    const r = check(model);
    expect(r.status).toBe('violation');
    if (r.status !== 'violation') return;
    const ce = r.violation;
    expect(ce.kind).toBe('deadlock');
    expect(actionsOf(model, ce)).toEqual([
      'philosopher 0 takes fork 0 (left)',
      'philosopher 1 takes fork 1 (left)',
      'philosopher 2 takes fork 2 (left)',
    ]);
    expect(ce.threads).toEqual([
      { name: 'philosopher 0', finished: false, waitingFor: 'fork 1, held by philosopher 1', location: 'has left fork' },
      { name: 'philosopher 1', finished: false, waitingFor: 'fork 2, held by philosopher 2', location: 'has left fork' },
      { name: 'philosopher 2', finished: false, waitingFor: 'fork 0, held by philosopher 0', location: 'has left fork' },
    ]);
  });

  it('bfs: from the deadlock no run can finish (always-reachable is violated there)', () => {
    const r = check(philosophers(3), { findAll: true });
    expect(lastState(violationOf(r, 'all can finish'))).toEqual([1, 1, 1]);
  });
});

describe('starvation by an unfair schedule', () => {
  it.each(EXHAUSTIVE)('%s: 4 states, 6 transitions; weakly fair progress holds, unfair does not', (strategy) => {
    const model = starvation();
    const r = check(model, { strategy, findAll: true });
    expect(r.stats.states).toBe(4);
    expect(r.stats.transitions).toBe(6);
    expect(verdictOf(r, 'worker finishes (weak fairness)')).toBe('holds');
    const ce = violationOf(r, 'worker finishes (no fairness)');
    expect(ce.kind).toBe('eventually');
    expect(ce.loopStart).toBe(0);
    expect(actionsOf(model, ce)).toEqual(['toggler: x = 1', 'toggler: x = 0']);
    expect(lastState(ce)).toEqual(ce.path.init);
    expect(r.stats.livenessBytes).toBeGreaterThan(0);
    // The visited set's 64 initial slots of 12 bytes: its cache of recent entries, a fixed 128 KiB,
    // is not a cost per state and not counted.
    expect(r.stats.visitedBytes).toBe(64 * 12);
  });

  it.each(EXHAUSTIVE)('%s: a worker enabled only every other state starves even under weak fairness', (strategy) => {
    const model = starvation(true);
    const r = check(model, { strategy, findAll: true });
    expect(r.stats.states).toBe(4);
    expect(r.stats.transitions).toBe(5);
    const ce = violationOf(r, 'worker finishes (weak fairness)');
    expect(ce.loopStart).toBe(0);
    expect(actionsOf(model, ce)).toEqual(['toggler: x = 1', 'toggler: x = 0']);
  });
});
