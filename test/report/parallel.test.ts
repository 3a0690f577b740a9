/**
 * The kernel model on worker threads (runScenarioAsync with `workers`, src/checker/parallel.ts)
 * against one thread: the same states, transitions and verdicts; each violated property's
 * counterexample as short (both are breadth-first); every counterexample confirmed on the real
 * states (the result would say `unknown` otherwise).
 *
 * Every built-in scenario in every variant and every example runs on one thread here, and a sample
 * of them on two workers as well: cases that together violate every property that any case
 * violates and run every core and every driver (a greedy cover, small cases first); every case
 * with identical threads (the workers send back symmetry permutations); and the three largest
 * spaces (the most states moved between workers). Each parallel run starts two workers (about 2 s
 * from the TypeScript sources), so the whole matrix on two workers is left to `npm run
 * verify:parallel` (scripts/verify-parallel.ts), as the large reduction comparisons are to `npm
 * run verify:reduction`.
 */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { compareParallel, differentialCases, formatParallelOutcome, runSummary, type DifferentialCase, type RunSummary } from '../../src/report/differential.ts';
import { modelOf, runScenario, runScenarioAsync } from '../../src/report/run.ts';

const cases = differentialCases(join(import.meta.dirname, '..', '..', 'examples'));

interface Known {
  readonly c: DifferentialCase;
  readonly one: RunSummary;
  /** What the sample must cover: `violated <property>`, `core <version>`, `driver <driver>`. */
  readonly traits: readonly string[];
  readonly symmetric: boolean;
}

const known: Known[] = cases.map((c) => {
  const r = runScenario(c.scenario);
  const one = runSummary(r);
  const traits = [
    ...Object.entries(one.verdicts).filter(([, s]) => s === 'violated').map(([p]) => `violated ${p}`),
    `core ${c.scenario.core}`,
    ...c.scenario.notifiers.map((n) => `driver ${n.use.split('@')[0]}`),
  ];
  return { c, one, traits, symmetric: r.model.symmetry !== undefined };
});

/**
 * A greedy cover of every trait (each time the case with the most traits not yet covered, the
 * smaller of two that tie), every case with identical threads, and the three largest cases.
 */
function sample(all: readonly Known[]): Known[] {
  const bySize = [...all].sort((a, b) => a.one.states - b.one.states);
  const picked = new Set<Known>();
  const covered = new Set<string>();
  const fresh = (k: Known): number => new Set(k.traits.filter((t) => !covered.has(t))).size;
  for (;;) {
    let best: Known | undefined;
    for (const k of bySize) if (fresh(k) > (best === undefined ? 0 : fresh(best))) best = k;
    if (best === undefined) break;
    picked.add(best);
    for (const t of best.traits) covered.add(t);
  }
  for (const k of all) if (k.symmetric) picked.add(k);
  for (const k of bySize.slice(-3)) picked.add(k);
  return all.filter((k) => picked.has(k));
}

const picked = sample(known);

describe('two worker threads give what one thread gives', () => {
  test('the matrix is all here, complete on one thread, and the sample covers it', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    for (const k of known) expect(k.one.status, k.c.label).not.toBe('incomplete');
    const all = new Set(known.flatMap((k) => k.traits));
    expect(new Set(picked.flatMap((k) => k.traits))).toEqual(all);
    // Each kind of trait is there: properties violated, several cores, several drivers.
    for (const what of ['violated', 'core', 'driver']) expect([...all].filter((t) => t.startsWith(`${what} `)).length, what).toBeGreaterThan(1);
    expect(picked.some((k) => k.symmetric)).toBe(true);
    expect(picked.length).toBeLessThan(cases.length / 3);
  });

  test.each(picked.map((k) => [k.c.label, k] as const))('%s', async (_label, k) => {
    const d = await compareParallel(k.c, k.one);
    expect(d.two).toEqual(d.one);
    expect(d.same, formatParallelOutcome(d)).toBe(true);
  });
});

describe("the main thread's side on the caller's model", () => {
  test('runScenarioAsync on two threads explores with the model it is given (no second kernel model in the main isolate)', async () => {
    const k = [...known].filter((x) => !x.symmetric).sort((a, b) => b.one.states - a.one.states)[0]!;
    const model = modelOf(k.c.scenario, {});
    const step = model.nextState.bind(model);
    let calls = 0;
    model.nextState = (s, a) => {
      calls++;
      return step(s, a);
    };
    const r = await runScenarioAsync(k.c.scenario, { workers: 2 }, undefined, model);
    expect(runSummary(r)).toEqual(k.one);
    // Its share of the search (it explores alone until the worker has loaded), not only the replays.
    expect(calls).toBeGreaterThan(k.one.transitions / 10);
  });
});
