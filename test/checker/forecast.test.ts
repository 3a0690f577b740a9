/**
 * The forecast (src/checker/forecast.ts) against state counts known by hand (the fixtures' comments
 * derive them) and by exploration: exact when the walks cover the space, a lower estimate within a
 * stated factor when they do not, on graphs where Knuth's estimator would count paths instead of
 * states. It follows the run's reduction and bounds, and is deterministic given its seed.
 */
import { describe, expect, it } from 'vitest';
import { chaoEstimate, check, forecast, type Forecast, type Model } from '../../src/checker/index.ts';
import { loadBuiltin, applyVariant } from '../../src/model/kernel/scenario-file.ts';
import { modelOf } from '../../src/report/run.ts';
import { counterStates, twoCounters } from './fixtures/counters.ts';
import { peterson } from './fixtures/peterson.ts';
import { philosophers } from './fixtures/philosophers.ts';
import { brokenLock } from './fixtures/broken-lock.ts';
import { starvation } from './fixtures/starvation.ts';
import { wrappingCounters } from './fixtures/wrapping-counters.ts';

/** The model without its properties: exploration records the whole space. */
function whole<S, A>(m: Model<S, A>): Model<S, A> {
  const bare = Object.create(m) as Model<S, A>;
  (bare as { properties: Model<S, A>['properties'] }).properties = () => [];
  return bare;
}

const figures = (f: Forecast): Omit<Forecast, 'elapsedMs'> => {
  const { elapsedMs: _, ...rest } = f;
  return rest;
};

describe("Chao's estimator", () => {
  it('S + ((m - 1) / m) f1² / (2 f2), and S when nothing was met once', () => {
    expect(chaoEstimate(10, 4, 2, 5).states).toBe(13); // 10 + 0.8 · 16 / 4 = 13.2
    expect(chaoEstimate(10, 0, 3, 5)).toEqual({ states: 10, low: 10, high: 10 });
    // No state met twice: the bias-corrected form, S + ((m - 1) / m) f1 (f1 - 1) / 2.
    expect(chaoEstimate(10, 4, 0, 2).states).toBe(13);
    const e = chaoEstimate(1000, 300, 100, 50);
    expect(e.low).toBeLessThan(e.states);
    expect(e.high).toBeGreaterThan(e.states);
  });

  it('equal catch probabilities (where its bound is tight): within 10% of the population', () => {
    // 1,000 items, 40 occasions each catching 60 of them at random.
    let x = 12345;
    const rand = (): number => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 4294967296);
    const counts = new Map<number, number>();
    for (let o = 0; o < 40; o++) {
      const caught = new Set<number>();
      while (caught.size < 60) caught.add(Math.floor(rand() * 1000));
      for (const c of caught) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    const f = (k: number): number => [...counts.values()].filter((v) => v === k).length;
    const e = chaoEstimate(counts.size, f(1), f(2), 40);
    expect(e.states).toBeGreaterThan(900);
    expect(e.states).toBeLessThan(1100);
  });
});

describe('forecast: exact when the walks cover the space', () => {
  const cases: [string, Model<unknown, unknown>, number][] = [
    ['two counters (2, 3)', twoCounters(2, 3) as Model<unknown, unknown>, counterStates(2, 3)],
    ['two counters (7, 11)', twoCounters(7, 11) as Model<unknown, unknown>, counterStates(7, 11)],
    ["Peterson's mutual exclusion (cyclic)", peterson() as Model<unknown, unknown>, 20],
    ['three dining philosophers', philosophers(3) as Model<unknown, unknown>, 45],
    ['the broken lock', brokenLock() as Model<unknown, unknown>, 18],
    ['starvation', starvation() as Model<unknown, unknown>, 4],
    ['5 wrapping counters, 4^5', wrappingCounters(5) as Model<unknown, unknown>, 4 ** 5],
  ];
  it.each(cases)('%s: %i states, each met by the walks, estimated exactly', (_name, model, states) => {
    const f = forecast(model);
    expect(f.seen).toBe(states);
    expect(f.once).toBe(0);
    expect([f.states, f.low, f.high]).toEqual([states, states, states]);
    expect(check(whole(model)).stats.states).toBe(states);
  });
});

describe('forecast: a lower estimate within a stated factor on larger spaces', () => {
  it('a 201 × 201 grid of interleavings: 40,401 states, C(400, 200) ≈ 10^119 paths; the estimate is within a factor 2 below', () => {
    const f = forecast(twoCounters(200, 200));
    const truth = counterStates(200, 200);
    expect(f.seen).toBeLessThan(truth / 2);
    expect(f.states).toBeLessThanOrEqual(truth);
    expect(f.states).toBeGreaterThan(truth / 2);
  });

  it('seven dining philosophers: 7,269 states (explored), the estimate within a factor 1.5 below', () => {
    const f = forecast(philosophers(7));
    const truth = check(whole(philosophers(7))).stats.states;
    expect(truth).toBe(7269);
    expect(f.states).toBeLessThanOrEqual(truth);
    expect(f.states).toBeGreaterThan(truth / 1.5);
  });

  it('10 wrapping counters, 4^10 = 1,048,576 states met evenly by the walks: within 5%, and the interval contains the truth', () => {
    const f = forecast(wrappingCounters(10));
    const truth = 4 ** 10;
    expect(f.seen).toBeLessThan(truth / 20);
    expect(Math.abs(f.states - truth) / truth).toBeLessThan(0.05);
    expect(f.low).toBeLessThanOrEqual(truth);
    expect(f.high).toBeGreaterThanOrEqual(truth);
  });

  // Kernel scenarios, the truth explored here with the same model: one the walks cover, one they
  // nearly cover, one where they meet a fifth of it. docs/checker.md ("Forecast") has every
  // scenario, and the kernel bench, where the truth is many times the estimate. Chao's estimate is
  // a lower bound in expectation only: where the walks nearly cover the space its sampling noise
  // can put it a little above the truth (gntdev-reaper @ v4.19: 995 against 965).
  const kernel: [string, string, number, number][] = [
    ['v418-blockable-backoff', 'v4.19', 1, 1],
    ['gntdev-reaper', 'v4.19', 1.05, 1.1],
    ['i915-reaper', '93065ac753e4', 1, 5],
  ];
  it.each(kernel)('%s --variant %s: at most %s times the truth, the truth at most %s times it', (name, variant, over, under) => {
    const sf = loadBuiltin(name);
    const sc = applyVariant(sf, sf.variants![variant]!, variant);
    const f = forecast(modelOf(sc, {}));
    const truth = check(whole(modelOf(sc, {}))).stats.states;
    expect(f.states / truth).toBeLessThanOrEqual(over);
    expect(truth / f.states).toBeLessThanOrEqual(under);
  });
});

describe('forecast: the run it forecasts', () => {
  it("follows the model's partial-order reduction: the reduced space, not the full one", () => {
    // Expanding only counter a while it can move: a to its maximum, then b. 7 + 11 + 1 states.
    const base = twoCounters(7, 11);
    const reduced: typeof base = { ...base, ample: (s) => (s.a < 7 ? 0 : -1) };
    expect(check(whole(reduced)).stats.states).toBe(19);
    const f = forecast(reduced);
    expect([f.states, f.seen]).toEqual([19, 19]);
  });

  it('follows the depth bound and the boundary as the run records them', () => {
    const base = twoCounters(7, 11);
    // a + b ≤ 3: 1 + 2 + 3 + 4 states.
    expect(check(whole(base), { maxDepth: 3 }).stats.states).toBe(10);
    expect(forecast(base, { maxDepth: 3 }).states).toBe(10);
    // States outside the boundary are recorded, not expanded: a + b ≤ 4 recorded.
    const bounded: typeof base = { ...base, withinBoundary: (s) => s.a + s.b < 4 };
    expect(check(whole(bounded)).stats.states).toBe(15);
    expect(forecast(bounded).states).toBe(15);
  });

  it('is deterministic given its seed, and the seed matters', () => {
    const m = twoCounters(200, 200);
    expect(figures(forecast(m, { seed: 7 }))).toEqual(figures(forecast(m, { seed: 7 })));
    expect(forecast(m, { seed: 7 }).states).not.toBe(forecast(m, { seed: 8 }).states);
  });

  it('spends its budget: successor computations, a walk begun being finished', () => {
    const f = forecast(twoCounters(200, 200), { budget: 5000 });
    expect(f.steps).toBeGreaterThanOrEqual(5000);
    expect(f.steps).toBeLessThan(5000 + f.longestWalk + 1);
    expect(forecast(twoCounters(200, 200), { budget: 20_000 }).seen).toBeGreaterThan(f.seen);
  });

  it('an aborted signal stops it, and the forecast says so', () => {
    const ac = new AbortController();
    ac.abort();
    const f = forecast(twoCounters(200, 200), { signal: ac.signal });
    expect(f.interrupted).toBe(true);
    expect(f.walks).toBe(0);
  });

  it("sampling a kernel model first changes nothing the model's run then finds", () => {
    const sf = loadBuiltin('i915-reaper');
    const sc = applyVariant(sf, sf.variants!['93065ac753e4']!, '93065ac753e4');
    const fresh = check(modelOf(sc, {}), { findAll: true });
    const sampled = modelOf(sc, {});
    forecast(sampled, { budget: 5000 });
    const after = check(sampled, { findAll: true });
    expect([after.stats.states, after.stats.transitions]).toEqual([fresh.stats.states, fresh.stats.transitions]);
    expect(after.verdicts.map((v) => `${v.property} ${v.status}`)).toEqual(fresh.verdicts.map((v) => `${v.property} ${v.status}`));
  });
});
