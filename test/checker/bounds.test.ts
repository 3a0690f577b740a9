/**
 * Bounds (each reason), interruption, progress events, findAll, determinism.
 */
import { describe, expect, it } from 'vitest';
import { check, checkAsync, Property, type CheckResult, type Model, type Progress, type Strategy } from '../../src/checker/index.ts';
import { twoCounters } from './fixtures/counters.ts';
import { brokenLock } from './fixtures/broken-lock.ts';
import { philosophers } from './fixtures/philosophers.ts';
import { peterson } from './fixtures/peterson.ts';
import { wrappingCounters } from './fixtures/wrapping-counters.ts';

/** A result without its timing, for comparing runs. */
function untimed<S, A>(r: CheckResult<S, A>): unknown {
  return JSON.parse(JSON.stringify(r, (k, v: unknown) => (k === 'elapsedMs' ? undefined : v)));
}

describe('bounds', () => {
  it.each(['bfs', 'dfs'] as const)('%s: maxStates stops at exactly that many states, never a pass', (strategy) => {
    const r = check(twoCounters(2, 3), { strategy, maxStates: 5 });
    expect(r.status).toBe('incomplete');
    if (r.status !== 'incomplete') return;
    expect(r.reason).toBe('max-states');
    expect(r.stats.states).toBe(5);
    expect(r.violation).toBeUndefined();
    expect(r.verdicts.find((v) => v.property === 'in range')?.status).toBe('unknown');
    expect(r.verdicts.find((v) => v.property === 'fills')?.status).toBe('unknown'); // liveness needs the whole graph
  });

  it('maxStates equal to the size of the space is not a bound that was hit', () => {
    expect(check(twoCounters(2, 3), { maxStates: 12 }).status).toBe('pass');
    expect(check(twoCounters(2, 3), { maxStates: 11 }).status).toBe('incomplete');
  });

  it.each(['bfs', 'dfs'] as const)('%s: maxDepth 3 records the 9 states with a + b ≤ 3 and says it cut', (strategy) => {
    const r = check(twoCounters(2, 3), { strategy, maxDepth: 3 });
    expect(r.status).toBe('incomplete');
    if (r.status !== 'incomplete') return;
    expect(r.reason).toBe('max-depth');
    expect(r.stats.states).toBe(9);
    expect(r.stats.maxDepth).toBe(3);
  });

  it('a depth bound that cuts nothing (the deepest state has no transition) gives a pass', () => {
    expect(check(twoCounters(2, 3), { maxDepth: 5 }).status).toBe('pass');
    expect(check(twoCounters(2, 3), { maxDepth: 4 }).status).toBe('incomplete');
  });

  it('a time budget that runs out only after the space is covered cut nothing: the unbounded result', () => {
    // 12 states: exploration ends before the clock is first looked at (every 32 expansions).
    const r = check(twoCounters(2, 3), { timeMs: 0 });
    expect(r.status).toBe('pass');
    expect(r.verdicts.every((v) => v.status === 'holds')).toBe(true);
  });

  it('timeMs stops a long exploration with reason time', () => {
    const r = check(wrappingCounters(10), { timeMs: 30 });
    expect(r.status).toBe('incomplete');
    if (r.status !== 'incomplete') return;
    expect(r.reason).toBe('time');
    expect(r.stats.states).toBeGreaterThan(0);
    expect(r.stats.states).toBeLessThan(4 ** 10);
    expect(r.stats.elapsedMs).toBeLessThan(1000);
  });

  it('a violation found before a bound is reported with the incomplete result (findAll)', () => {
    const r = check(brokenLock(), { findAll: true, maxStates: 15 });
    expect(r.status).toBe('incomplete');
    if (r.status !== 'incomplete') return;
    expect(r.reason).toBe('max-states');
    expect(r.violation?.property).toBe('mutual exclusion');
    expect(r.violations).toHaveLength(1);
    expect(r.verdicts.map((v) => v.status)).toEqual(['violated', 'unknown']);
  });

  it('without findAll the first violation ends the search before the bound', () => {
    const r = check(brokenLock(), { maxStates: 15 });
    expect(r.status).toBe('violation');
    if (r.status === 'violation') expect(r.complete).toBe(false);
  });

  it('random walks with a state bound stop with reason max-states', () => {
    const r = check(wrappingCounters(6), { strategy: 'random', maxStates: 100, walks: 100, walkDepth: 100 });
    expect(r.status).toBe('incomplete');
    if (r.status === 'incomplete') expect(r.reason).toBe('max-states');
    expect(r.stats.states).toBe(100);
  });

  it('rejects nonsensical options', () => {
    expect(() => check(twoCounters(), { maxStates: 0 })).toThrow(/maxStates/);
    expect(() => check(twoCounters(), { maxDepth: -1 })).toThrow(/maxDepth/);
    expect(() => check(twoCounters(), { strategy: 'astar' as 'bfs' })).toThrow(/strategy/);
    expect(() => check(twoCounters(), { timeMs: Number.NaN })).toThrow(/timeMs/);
  });
});

/**
 * A chain s0 -> s1 -> ... -> s(n-1); the last state has no transition. One thread, which has
 * finished only in `finishedAt` (none by default: the last state is then a deadlock).
 */
function chain(n: number, props: readonly Property<number>[], finishedAt = -1): Model<number, 'step'> {
  return {
    initStates: () => [0],
    actions(s, out) {
      if (s < n - 1) out.push('step');
    },
    nextState: (s) => s + 1,
    properties: () => props,
    formatAction: (_a, s) => `s${s} -> s${s + 1}`,
    formatState: (s) => `s${s}`,
    encode: (s, out) => out.int(s),
    threads: (s) => [{ name: 't', finished: s === finishedAt }],
    actionThread: () => 0,
  };
}

const never = (): boolean => false;

describe('the depth bound', () => {
  // s0 -> s1 -> s2: with maxDepth 2 the last state lies exactly at the bound. It has no
  // transition, so nothing is cut: the run is complete and must give the unbounded verdicts.
  it.each([
    ['bfs', 'weak'],
    ['dfs', 'weak'],
    ['bfs', 'none'],
    ['dfs', 'none'],
  ] as const)('%s: a goal-free dead end at the bound violates eventually (%s fairness), as without the bound', (strategy, fairness) => {
    const model = chain(3, [Property.eventually<number>('reaches goal', never, { fairness })], 2);
    for (const maxDepth of [undefined, 2, 3]) {
      const r = check(model, { strategy, ...(maxDepth === undefined ? {} : { maxDepth }) });
      expect(r.status, `maxDepth ${maxDepth}`).toBe('violation');
      if (r.status !== 'violation') continue;
      expect(r.complete).toBe(true);
      expect(r.violation.path.steps.map((s) => s.state)).toEqual([1, 2]);
      expect(r.violation.loopStart).toBe(2); // a dead end: the run stutters in s2
    }
  });

  it.each(['bfs', 'dfs'] as const)('%s: a dead end at the bound violates alwaysReachable, as without the bound', (strategy) => {
    const model = chain(3, [Property.alwaysReachable<number>('goal reachable', never)], 2);
    for (const maxDepth of [undefined, 2]) {
      const r = check(model, { strategy, ...(maxDepth === undefined ? {} : { maxDepth }) });
      expect(r.status, `maxDepth ${maxDepth}`).toBe('violation');
      if (r.status === 'violation') expect(r.violation.kind).toBe('reachable');
    }
    // Only the dead end at the bound fails to reach the goal s2... when the goal is s2 itself, it holds.
    expect(check(chain(3, [Property.alwaysReachable<number>('reaches s2', (s) => s === 2)], 2), { strategy, maxDepth: 2 }).status).toBe('pass');
  });

  it.each(['bfs', 'dfs'] as const)('%s: a deadlock at the bound is reported, as without the bound', (strategy) => {
    const model = chain(3, [Property.deadlockFree()]); // the thread never finishes
    for (const maxDepth of [undefined, 2]) {
      const r = check(model, { strategy, ...(maxDepth === undefined ? {} : { maxDepth }) });
      expect(r.status, `maxDepth ${maxDepth}`).toBe('violation');
      if (r.status !== 'violation') continue;
      expect(r.violation.kind).toBe('deadlock');
      expect(r.violation.path.steps).toHaveLength(2);
    }
  });

  it.each(['bfs', 'dfs'] as const)('%s: a goal at the bound makes eventually hold, and the run passes', (strategy) => {
    const model = chain(3, [Property.eventually<number>('reaches s2', (s) => s === 2), Property.deadlockFree()], 2);
    const r = check(model, { strategy, maxDepth: 2 });
    expect(r.status).toBe('pass');
    expect(r.verdicts.map((v) => v.status)).toEqual(['holds', 'holds']);
  });

  it.each(['bfs', 'dfs'] as const)('%s: one step short of the dead end, the bound cuts a transition: every verdict it could change is unknown', (strategy) => {
    const props = [
      Property.always<number>('small', (s) => s < 5),
      Property.sometimes<number>('s1', (s) => s === 1),
      Property.sometimes<number>('s2', (s) => s === 2),
      Property.deadlockFree(),
      Property.alwaysReachable<number>('goal reachable', never),
      Property.eventually<number>('reaches goal', never),
    ];
    const r = check(chain(3, props), { strategy, maxDepth: 1, findAll: true });
    expect(r.status).toBe('incomplete');
    if (r.status !== 'incomplete') return;
    expect(r.reason).toBe('max-depth');
    expect(r.violations).toEqual([]);
    // s1 was seen, so `sometimes s1` holds; nothing else can be decided.
    expect(r.verdicts.map((v) => v.status)).toEqual(['unknown', 'holds', 'unknown', 'unknown', 'unknown', 'unknown']);
  });

  it('random walks at the bound: violations found are reported, nothing else is decided, never a pass', () => {
    const props = [Property.always<number>('small', (s) => s < 5), Property.deadlockFree(), Property.alwaysReachable<number>('goal reachable', never), Property.eventually<number>('reaches goal', never)];
    const bounded = check(chain(3, props), { strategy: 'random', maxDepth: 2, walks: 5, findAll: true });
    expect(bounded.status).toBe('incomplete');
    if (bounded.status === 'incomplete') expect(bounded.reason).toBe('random');
    expect(bounded.verdicts.map((v) => v.status)).toEqual(['unknown', 'violated', 'unknown', 'unknown']);
    const cut = check(chain(3, props), { strategy: 'random', maxDepth: 1, walks: 5, findAll: true });
    expect(cut.status).toBe('incomplete');
    expect(cut.verdicts.map((v) => v.status)).toEqual(['unknown', 'unknown', 'unknown', 'unknown']);
  });
});

describe('no bound passes', () => {
  // twoCounters(40, 40): every property holds over the whole space (1,681 states, more than the 32
  // expansions between two looks at the clock). Any cut must leave every property that the cut
  // part could change unknown; only `sometimes` with an example found may hold.
  const cases: [string, Strategy, Parameters<typeof check>[1]][] = [];
  for (const strategy of ['bfs', 'dfs', 'random'] as const) {
    cases.push([`${strategy} maxStates 5`, strategy, { maxStates: 5 }]);
    cases.push([`${strategy} maxDepth 3`, strategy, { maxDepth: 3 }]);
    cases.push([`${strategy} maxDepth 4`, strategy, { maxDepth: 4 }]);
    cases.push([`${strategy} timeMs 0`, strategy, { timeMs: 0 }]);
    cases.push([`${strategy} interrupted`, strategy, { signal: AbortSignal.abort() }]);
  }
  it.each(cases)('%s: incomplete, and only a sometimes with its example holds', (_name, strategy, options) => {
    for (const findAll of [false, true]) {
      const r = check(twoCounters(40, 40), { ...options, strategy, findAll, walks: 3 });
      expect(r.status).toBe('incomplete');
      for (const v of r.verdicts) {
        if (v.status === 'holds') {
          expect(v.kind).toBe('sometimes');
          expect(v.example).toBeDefined();
        } else {
          expect(v.status).toBe('unknown');
        }
      }
    }
  });
});

describe('interruption', () => {
  it('an AbortSignal stops checkAsync with reason interrupted and the partial stats', async () => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const r = await checkAsync(wrappingCounters(10), { signal: controller.signal });
    clearTimeout(timer);
    expect(r.status).toBe('incomplete');
    if (r.status !== 'incomplete') return;
    expect(r.reason).toBe('interrupted');
    expect(r.stats.states).toBeGreaterThan(1000);
    expect(r.stats.states).toBeLessThan(4 ** 10);
    expect(r.stats.transitions).toBeGreaterThan(r.stats.states - 2);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('checkAsync yields to the event loop while exploring', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const r = await checkAsync(wrappingCounters(8));
    clearInterval(timer);
    expect(r.status).toBe('pass');
    expect(r.stats.states).toBe(4 ** 8);
    expect(ticks).toBeGreaterThan(0);
  });

  it('an already aborted signal stops check and checkAsync before any state', async () => {
    const signal = AbortSignal.abort();
    for (const r of [check(twoCounters(), { signal }), await checkAsync(twoCounters(), { signal })]) {
      expect(r.status).toBe('incomplete');
      if (r.status === 'incomplete') expect(r.reason).toBe('interrupted');
      expect(r.stats.states).toBe(0);
    }
  });

  it('checkAsync gives the same result as check', async () => {
    for (const model of [philosophers(3), peterson()] as unknown as Model<unknown, unknown>[]) {
      expect(untimed(await checkAsync(model, { findAll: true }))).toEqual(untimed(check(model, { findAll: true })));
    }
  });
});

describe('progress', () => {
  it('reports distinct states, transitions, rate, depth and frontier as exploration goes', () => {
    const events: Progress[] = [];
    const r = check(wrappingCounters(8), { onProgress: (p) => events.push(p), progressIntervalMs: 0 });
    expect(events.length).toBeGreaterThan(10);
    for (let i = 1; i < events.length; i++) {
      expect(events[i]!.states).toBeGreaterThanOrEqual(events[i - 1]!.states);
      expect(events[i]!.transitions).toBeGreaterThanOrEqual(events[i - 1]!.transitions);
    }
    const mid = events[Math.floor(events.length / 2)]!;
    expect(mid.frontier).toBeGreaterThan(0);
    expect(mid.depth).toBeGreaterThan(0);
    expect(mid.statesPerSecond).toBeGreaterThan(0);
    const last = events[events.length - 1]!;
    expect(last.states).toBe(r.stats.states);
    expect(last.transitions).toBe(r.stats.transitions);
    expect(last.frontier).toBe(0);
  });
});

describe('findAll', () => {
  it('stops at the first violation by default, goes on to decide every property with findAll', () => {
    const first = check(philosophers(3));
    expect(first.status).toBe('violation');
    if (first.status !== 'violation') return;
    expect(first.violations).toHaveLength(1);
    expect(first.complete).toBe(false);
    expect(first.verdicts.map((v) => v.status)).toEqual(['unknown', 'violated', 'unknown']);
    const all = check(philosophers(3), { findAll: true });
    expect(all.status).toBe('violation');
    if (all.status !== 'violation') return;
    expect(all.violations.map((v) => v.property)).toEqual(['deadlock-free', 'all can finish']);
    expect(all.complete).toBe(true);
    expect(all.verdicts.map((v) => v.status)).toEqual(['holds', 'violated', 'violated']);
  });

  it('a sometimes property with no example is violated only by a complete exploration', () => {
    const never = Property.sometimes<readonly number[]>('never', (s) => s[0] === 9);
    const r = check(wrappingCounters(3, [never]));
    expect(r.status).toBe('violation');
    if (r.status === 'violation') {
      expect(r.violation.kind).toBe('sometimes');
      expect(r.violation.path.steps).toHaveLength(0);
    }
    const bounded = check(wrappingCounters(3, [never]), { maxStates: 10 });
    expect(bounded.status).toBe('incomplete');
    expect(bounded.verdicts[0]!.status).toBe('unknown');
  });
});

describe('determinism', () => {
  it.each(['bfs', 'dfs', 'random'] as const)('%s: two runs give identical counts, verdicts and counterexamples', (strategy) => {
    for (const model of [philosophers(4), peterson(), brokenLock(), twoCounters(5, 6)] as unknown as Model<unknown, unknown>[]) {
      const a = check(model, { strategy, findAll: true, seed: 42, walks: 50 });
      const b = check(model, { strategy, findAll: true, seed: 42, walks: 50 });
      expect(untimed(a)).toEqual(untimed(b));
    }
  });

  it('random: another seed walks elsewhere', () => {
    const model = wrappingCounters(6);
    const a = check(model, { strategy: 'random', seed: 1, walks: 20, walkDepth: 30 });
    const b = check(model, { strategy: 'random', seed: 2, walks: 20, walkDepth: 30 });
    expect(a.stats.states).not.toBe(b.stats.states);
  });
});

describe('model errors', () => {
  it('rejects duplicate property names and properties the model cannot support', () => {
    const base = twoCounters();
    expect(() => check({ ...base, properties: () => [Property.deadlockFree('x'), Property.deadlockFree('x')] })).toThrow(/unique/);
    const { threads: _t, ...noThreads } = base;
    expect(() => check({ ...noThreads, properties: () => [Property.deadlockFree()] })).toThrow(/needs Model.threads/);
    const { actionThread: _a, ...noActionThread } = base;
    expect(() => check({ ...noActionThread, properties: () => [Property.eventually('e', () => true)] })).toThrow(/needs Model.actionThread/);
    expect(() => check({ ...base, initStates: () => [] })).toThrow(/no initial state/);
  });
});
