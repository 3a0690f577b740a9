/**
 * The kernel model on worker threads (runScenarioAsync with `workers`, src/checker/parallel.ts)
 * against one thread, over every built-in scenario and variant and every example: the same states,
 * transitions and verdicts; each violated property's counterexample as short (both are
 * breadth-first); every counterexample confirmed on the real states (the result would say
 * `unknown` otherwise).
 */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { differentialCases } from '../../src/report/differential.ts';
import { runScenario, runScenarioAsync, type ScenarioRun } from '../../src/report/run.ts';

const cases = differentialCases(join(import.meta.dirname, '..', '..', 'examples'));

function summary(r: ScenarioRun): { status: string; states: number; transitions: number; verdicts: Record<string, string>; lengths: Record<string, number> } {
  const verdicts: Record<string, string> = {};
  const lengths: Record<string, number> = {};
  for (const v of r.result.verdicts) {
    verdicts[v.property] = v.status;
    if (v.status === 'violated') lengths[v.property] = v.counterexample.path.steps.length;
  }
  const s = r.result.stats;
  return { status: r.result.status, states: s.states, transitions: s.transitions, verdicts, lengths };
}

describe('two worker threads give what one thread gives', () => {
  test('the matrix is all here', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });
  test.each(cases.map((c) => [c.label, c] as const))('%s', async (_label, c) => {
    const one = summary(runScenario(c.scenario));
    const two = summary(await runScenarioAsync(c.scenario, { workers: 2 }));
    expect(one.status).not.toBe('incomplete');
    expect(two).toEqual(one);
    expect(Object.values(two.verdicts)).not.toContain('unknown');
  });
});
