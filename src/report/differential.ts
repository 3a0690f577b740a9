/**
 * The differential check of the reduction: every scenario checked twice, with the default reduction
 * (coalescing, src/model/lang/reduction.ts) and without it (one transition per C statement), must give
 * the same set of violated engine properties (every property and sub-property, e.g.
 * `coherency:failed-start`, `deadlock:partial:reclaim`), and both runs must be complete. Both runs
 * check the reduction's premise on every statement they execute (`verifyReduction`).
 *
 * The reduced run is made once more as a check ships (without `verifyReduction`, so with the
 * memoised runs of pure statements, src/model/lang/segment-memo.ts, which checking every statement
 * turns off): it must have the verified run's states, transitions, verdicts and counterexample
 * lengths. The verified run also runs every transition its sleep sets name (`verifySleepSets`,
 * src/checker/explorer.ts) and fails where a named successor is not the one running it gives; and
 * the run as shipped is made a third time with the explorer's sleep sets off, which must give the
 * same states, transitions, verdicts and counterexample lengths again.
 *
 * A scenario with identical threads (a symmetry class, src/model/lang/symmetry.ts) is checked a
 * third time, with coalescing and partial-order reduction but without symmetry reduction, which
 * must give the same violated properties again: so each reduction is compared on its own where the
 * fully unreduced space is too large to be the only reference.
 *
 * `npm run verify:reduction` (scripts/verify-reduction.ts) runs it over every built-in scenario in
 * every variant and every example; the test suite runs the cases whose unreduced space is small
 * (test/report/differential.test.ts).
 *
 * The parallel search is held to one thread the same way ({@link compareParallel}): two worker
 * threads must give one thread's states, transitions, verdicts and counterexample lengths.
 * `npm run verify:parallel` (scripts/verify-parallel.ts) runs every case; the test suite runs a
 * sample that covers every violated property, core and driver, with the cases of identical threads
 * and the largest spaces (test/report/parallel.test.ts), because each parallel run starts two
 * workers.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { builtinNames, loadBuiltin, loadScenarioFile } from '../model/kernel/scenario-file.ts';
import type { Scenario } from '../model/kernel/scenario.ts';
import { check } from '../checker/check.ts';
import { runScenario, runScenarioAsync, variantsOf, type RunOptions, type ScenarioRun } from './run.ts';

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
  /** The reduced run as a check ships it (no premise checks; memoised runs): whether it is the verified one's, and its states. */
  readonly asShipped: { readonly same: boolean; readonly states: number };
  /** The run as shipped without the explorer's sleep sets (the same model): whether it is the shipped run's, and how many transitions the shipped run named. */
  readonly withoutSleepSets: { readonly same: boolean; readonly named: number };
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
  const base: RunOptions = { ...o, findAll: true, verifyReduction: true, verifySleepSets: true };
  const on = runScenario(c.scenario, { ...base, coalesce: true });
  const off = runScenario(c.scenario, { ...base, coalesce: false });
  const nosym = on.model.symmetry === undefined ? undefined : runScenario(c.scenario, { ...base, coalesce: true, symmetry: false });
  const shipped = runScenario(c.scenario, { ...o, findAll: true });
  const asShipped = { same: isDeepStrictEqual(runSummary(shipped), runSummary(on)), states: shipped.result.stats.states };
  // The same model, the explorer's sleep sets off (RunOptions' sleepSets would turn the model's off too).
  const unslept = check(shipped.model, { ...o, findAll: true, sleepSets: false });
  const withoutSleepSets = { same: isDeepStrictEqual(runSummary({ ...shipped, result: unslept }), runSummary(shipped)), named: shipped.result.stats.namedTransitions ?? 0 };
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
    asShipped,
    withoutSleepSets,
    ...(withoutSymmetry ? { withoutSymmetry } : {}),
    same: inc.length === 0 && asShipped.same && withoutSleepSets.same && reduced.join(',') === unreduced.join(',') && (withoutSymmetry === undefined || withoutSymmetry.violated.join(',') === reduced.join(',')),
    ...(inc.length ? { incomplete: inc.join('; ') } : {}),
    seconds: (performance.now() - t0) / 1000,
  };
}

/** One line per outcome, for the script. */
export function formatOutcome(d: DifferentialOutcome): string {
  const sym = d.withoutSymmetry ? `, ${d.withoutSymmetry.states} without symmetry reduction` : '';
  const head = `${d.same ? 'same' : d.incomplete ? 'UNDECIDED' : 'DIFFERENT'}  ${d.label}: ${d.reducedStates} states reduced (${d.withoutSleepSets.named} transitions named by sleep sets), ${d.unreducedStates} unreduced${sym} (${d.seconds.toFixed(1)} s)`;
  if (d.same) return head;
  if (d.incomplete) return `${head}\n    ${d.incomplete}`;
  const only = (a: readonly string[], b: readonly string[]): string => a.filter((x) => !b.includes(x)).join(', ') || '(none)';
  const lines = [head, `    violated only with the reduction: ${only(d.reduced, d.unreduced)}`, `    violated only without it: ${only(d.unreduced, d.reduced)}`];
  if (!d.asShipped.same) lines.push(`    the run as shipped (memoised, no premise checks) differs from the verified reduced run: ${d.asShipped.states} states against ${d.reducedStates}`);
  if (!d.withoutSleepSets.same) lines.push('    the run as shipped differs from the same run without sleep sets');
  if (d.withoutSymmetry) {
    lines.push(`    violated only with symmetry reduction: ${only(d.reduced, d.withoutSymmetry.violated)}`, `    violated only without symmetry reduction: ${only(d.withoutSymmetry.violated, d.reduced)}`);
  }
  return lines.join('\n');
}

/** What a run must share with the same run on worker threads. */
export interface RunSummary {
  readonly status: string;
  readonly states: number;
  readonly transitions: number;
  /** Each property's status. */
  readonly verdicts: Readonly<Record<string, string>>;
  /** Each violated property's counterexample length in steps (breadth-first both ways: a shortest one). */
  readonly lengths: Readonly<Record<string, number>>;
}

export function runSummary(r: ScenarioRun): RunSummary {
  const verdicts: Record<string, string> = {};
  const lengths: Record<string, number> = {};
  for (const v of r.result.verdicts) {
    verdicts[v.property] = v.status;
    if (v.status === 'violated') lengths[v.property] = v.counterexample.path.steps.length;
  }
  const s = r.result.stats;
  return { status: r.result.status, states: s.states, transitions: s.transitions, verdicts, lengths };
}

export interface ParallelOutcome {
  readonly label: string;
  readonly one: RunSummary;
  readonly two: RunSummary;
  /** Same summary, one thread's run complete, no verdict left `unknown` (a counterexample not confirmed). */
  readonly same: boolean;
  readonly seconds: number;
}

/**
 * One case on one thread and on two worker threads (src/checker/parallel.ts). `one` may be given
 * when the caller already has the one-thread summary. The two-thread run also runs every transition
 * its sides' sleep sets name (`verifySleepSets`: an internal error where a named successor is not
 * the one running gives), which changes nothing it reports.
 */
export async function compareParallel(c: DifferentialCase, one: RunSummary = runSummary(runScenario(c.scenario))): Promise<ParallelOutcome> {
  const t0 = performance.now();
  const two = runSummary(await runScenarioAsync(c.scenario, { workers: 2, verifySleepSets: true }));
  const same = one.status !== 'incomplete' && isDeepStrictEqual(two, one) && !Object.values(two.verdicts).includes('unknown');
  return { label: c.label, one, two, same, seconds: (performance.now() - t0) / 1000 };
}

/** One line per outcome (and the two summaries when they differ), for the script. */
export function formatParallelOutcome(d: ParallelOutcome): string {
  const head = `${d.same ? 'same' : 'DIFFERENT'}  ${d.label}: ${d.one.states} states, ${d.one.transitions} transitions (${d.seconds.toFixed(1)} s on two workers)`;
  return d.same ? head : `${head}\n    one thread:  ${JSON.stringify(d.one)}\n    two workers: ${JSON.stringify(d.two)}`;
}
