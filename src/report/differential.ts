/**
 * The differential check of the reduction: every scenario checked twice, with the default reduction
 * (coalescing, src/model/lang/reduction.ts) and without it (one transition per C statement), must give
 * the same set of violated engine properties (every property and sub-property, e.g.
 * `coherency:failed-start`, `deadlock:partial:reclaim`), and both runs must be complete. Both runs
 * check the reduction's premise on every statement they execute (`verifyReduction`).
 *
 * `npm run verify:reduction` (scripts/verify-reduction.ts) runs it over every built-in scenario in
 * every variant and every example; the test suite runs the cases whose unreduced space is small
 * (test/report/differential.test.ts).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { builtinNames, loadBuiltin, loadScenarioFile } from '../model/kernel/scenario-file.ts';
import type { Scenario } from '../model/kernel/scenario.ts';
import { runScenario, variantsOf, type RunOptions } from './run.ts';

/** One scenario to check both ways: a built-in scenario or an example, in one of its variants. */
export interface DifferentialCase {
  /** `name` or `name @ variant`; examples as `examples/<file> @ variant`. */
  readonly label: string;
  readonly scenario: Scenario;
}

export interface DifferentialOutcome {
  readonly label: string;
  /** Violated engine properties with the reduction, sorted. */
  readonly reduced: readonly string[];
  /** Violated engine properties without it, sorted. */
  readonly unreduced: readonly string[];
  readonly reducedStates: number;
  readonly unreducedStates: number;
  /** Both runs complete and their violated properties equal. */
  readonly same: boolean;
  /** Why the comparison is not decided (a run was incomplete), if so. */
  readonly incomplete?: string;
  readonly seconds: number;
}

/** Every built-in scenario in every variant, then every example in `examplesDir` (if given). */
export function differentialCases(examplesDir?: string): DifferentialCase[] {
  const out: DifferentialCase[] = [];
  const add = (name: string, sf: ReturnType<typeof loadBuiltin>): void => {
    for (const v of variantsOf(sf)) out.push({ label: v.label === undefined ? name : `${name} @ ${v.label}`, scenario: v.scenario });
  };
  for (const n of builtinNames()) add(n, loadBuiltin(n));
  if (examplesDir !== undefined) {
    for (const f of readdirSync(examplesDir).filter((x) => x.endsWith('.json')).sort()) add(`examples/${f}`, loadScenarioFile(join(examplesDir, f)));
  }
  return out;
}

function violated(r: ReturnType<typeof runScenario>): string[] {
  return r.result.verdicts.filter((v) => v.status === 'violated').map((v) => v.property).sort();
}

/** Check one case with and without the reduction (every property decided in both). */
export function compareReduction(c: DifferentialCase, o: Pick<RunOptions, 'maxStates' | 'timeMs' | 'properties'> = {}): DifferentialOutcome {
  const t0 = performance.now();
  const base: RunOptions = { ...o, findAll: true, verifyReduction: true };
  const on = runScenario(c.scenario, { ...base, coalesce: true });
  const off = runScenario(c.scenario, { ...base, coalesce: false });
  const reduced = violated(on);
  const unreduced = violated(off);
  const inc = [on, off].filter((r) => r.result.status === 'incomplete').map((r) => `${r.config.coalesce ? 'reduced' : 'unreduced'} run incomplete (${r.result.status === 'incomplete' ? r.result.reason : ''})`);
  return {
    label: c.label,
    reduced,
    unreduced,
    reducedStates: on.result.stats.states,
    unreducedStates: off.result.stats.states,
    same: inc.length === 0 && reduced.join(',') === unreduced.join(','),
    ...(inc.length ? { incomplete: inc.join('; ') } : {}),
    seconds: (performance.now() - t0) / 1000,
  };
}

/** One line per outcome, for the script. */
export function formatOutcome(d: DifferentialOutcome): string {
  const head = `${d.same ? 'same' : d.incomplete ? 'UNDECIDED' : 'DIFFERENT'}  ${d.label}: ${d.reducedStates} states reduced, ${d.unreducedStates} unreduced (${d.seconds.toFixed(1)} s)`;
  if (d.same) return head;
  if (d.incomplete) return `${head}\n    ${d.incomplete}`;
  const only = (a: readonly string[], b: readonly string[]): string => a.filter((x) => !b.includes(x)).join(', ') || '(none)';
  return `${head}\n    violated only with the reduction: ${only(d.reduced, d.unreduced)}\n    violated only without it: ${only(d.unreduced, d.reduced)}`;
}
