/**
 * The differential check of the reduction: every scenario checked twice, with the default reduction
 * (coalescing, src/model/lang/reduction.ts) and without it (one transition per C statement), must give
 * the same set of violated engine properties (every property and sub-property, e.g.
 * `coherency:failed-start`, `deadlock:partial:reclaim`), and both runs must be complete. Both runs
 * check the reduction's premise on every statement they execute (`verifyReduction`).
 *
 * A scenario with identical threads (a symmetry class, src/model/lang/symmetry.ts) is checked a
 * third time, with coalescing and partial-order reduction but without symmetry reduction, which
 * must give the same violated properties again: so each reduction is compared on its own where the
 * fully unreduced space is too large to be the only reference.
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
  /** With identical threads: the run without symmetry reduction (coalescing and partial-order reduction on). */
  readonly withoutSymmetry?: { readonly violated: readonly string[]; readonly states: number };
  /** Both (or all three) runs complete and their violated properties equal. */
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
  const nosym = on.model.symmetry === undefined ? undefined : runScenario(c.scenario, { ...base, coalesce: true, symmetry: false });
  const reduced = violated(on);
  const unreduced = violated(off);
  const runs: [string, typeof on][] = [['reduced', on], ['unreduced', off], ...(nosym ? [['reduced without symmetry', nosym] as [string, typeof on]] : [])];
  const inc = runs.filter(([, r]) => r.result.status === 'incomplete').map(([what, r]) => `${what} run incomplete (${r.result.status === 'incomplete' ? r.result.reason : ''})`);
  const withoutSymmetry = nosym ? { violated: violated(nosym), states: nosym.result.stats.states } : undefined;
  return {
    label: c.label,
    reduced,
    unreduced,
    reducedStates: on.result.stats.states,
    unreducedStates: off.result.stats.states,
    ...(withoutSymmetry ? { withoutSymmetry } : {}),
    same: inc.length === 0 && reduced.join(',') === unreduced.join(',') && (withoutSymmetry === undefined || withoutSymmetry.violated.join(',') === reduced.join(',')),
    ...(inc.length ? { incomplete: inc.join('; ') } : {}),
    seconds: (performance.now() - t0) / 1000,
  };
}

/** One line per outcome, for the script. */
export function formatOutcome(d: DifferentialOutcome): string {
  const sym = d.withoutSymmetry ? `, ${d.withoutSymmetry.states} without symmetry reduction` : '';
  const head = `${d.same ? 'same' : d.incomplete ? 'UNDECIDED' : 'DIFFERENT'}  ${d.label}: ${d.reducedStates} states reduced, ${d.unreducedStates} unreduced${sym} (${d.seconds.toFixed(1)} s)`;
  if (d.same) return head;
  if (d.incomplete) return `${head}\n    ${d.incomplete}`;
  const only = (a: readonly string[], b: readonly string[]): string => a.filter((x) => !b.includes(x)).join(', ') || '(none)';
  const lines = [head, `    violated only with the reduction: ${only(d.reduced, d.unreduced)}`, `    violated only without it: ${only(d.unreduced, d.reduced)}`];
  if (d.withoutSymmetry) {
    lines.push(`    violated only with symmetry reduction: ${only(d.reduced, d.withoutSymmetry.violated)}`, `    violated only without symmetry reduction: ${only(d.withoutSymmetry.violated, d.reduced)}`);
  }
  return lines.join('\n');
}
