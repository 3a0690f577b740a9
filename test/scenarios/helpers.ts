/**
 * Running built-in scenarios in tests and reading their counterexamples.
 */
import { expect } from 'vitest';
import { check, Property } from '../../src/checker/index.ts';
import { KernelModel } from '../../src/model/kernel-model.ts';
import { loadBuiltin } from '../../src/model/kernel/scenario-file.ts';
import { buildProgram, type Scenario } from '../../src/model/kernel/scenario.ts';
import type { KState } from '../../src/model/lang/state.ts';
import { counterexamples, propertyVerdicts, runScenario, variantsOf, type PropertyVerdict, type ScenarioRun } from '../../src/report/run.ts';
import { stepRows } from '../../src/report/steps.ts';
import { explain } from '../../src/properties/index.ts';

export function runBuiltin(name: string, variant?: string): ScenarioRun {
  const sf = loadBuiltin(name);
  const v = variantsOf(sf).find((x) => x.label === variant);
  if (!v) throw new Error(`${name} has no variant ${String(variant)}`);
  return runScenario(v.scenario, {}, variant);
}

export function verdicts(run: ScenarioRun): Record<string, PropertyVerdict> {
  return propertyVerdicts(run);
}

/** The counterexample of an engine property: its finding and every executed statement, as `thread: C text`. */
export function finding(run: ScenarioRun, engineProperty: string): { header: string; details: string; statements: string[]; lastThread: string } {
  const cx = run.result.status === 'pass' ? undefined : run.result.violations.find((c) => c.property === engineProperty);
  if (!cx) throw new Error(`no counterexample for ${engineProperty}; violated: ${[...counterexamples(run).keys()].join(', ')}`);
  const last = cx.path.steps.at(-1)?.state ?? cx.path.init;
  const f = explain(run.model, engineProperty, last);
  const rows = stepRows(run.model, cx);
  return {
    header: f.header,
    details: f.details.join('\n'),
    statements: rows.flatMap((r) => r.statements.map((s) => `${r.thread}: ${s.text}`)),
    lastThread: rows.at(-1)?.thread ?? '',
  };
}

/** Whether a state where `pred` holds is reachable, in the unreduced model (every statement a step). */
export function reachable(sc: Scenario, pred: (s: KState, m: KernelModel) => boolean): boolean {
  const m = new KernelModel(buildProgram(sc), { coalesce: false });
  m.setProperties([Property.always<KState>('never', (s) => !pred(s, m))]);
  const r = check(m, { findAll: true });
  expect(r.status).not.toBe('incomplete');
  return r.status === 'violation';
}
