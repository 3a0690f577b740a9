/**
 * Running scenarios: one scenario (or one of its variants) through the engine, and the per-property
 * verdicts a matrix or a comparison shows.
 */
import { check, checkAsync, type CheckOptions, type CheckResult, type Counterexample, type Strategy } from '../checker/index.ts';
import { checkParallel, type ParallelModel, type PreparedWorkers } from '../checker/parallel.ts';
import type { KAction } from '../model/lang/interp.ts';
import type { KernelModel } from '../model/kernel-model.ts';
import { applyVariant, type ScenarioFile } from '../model/kernel/scenario-file.ts';
import { own } from '../model/kernel/own.ts';
import type { Scenario } from '../model/kernel/scenario.ts';
import { reviveState, type KState } from '../model/lang/state.ts';
import { KERNEL_PROPERTIES, scenarioModel } from '../properties/index.ts';
import { baseName } from '../properties/types.ts';

export interface RunOptions extends CheckOptions {
  /** Kernel property names to check (default: the scenario's list, or all). */
  readonly properties?: readonly string[];
  /** Coalesce independent steps (default true). */
  readonly coalesce?: boolean;
  /** Check the reduction's premise on every statement run (src/model/lang/reduction.ts; default false). */
  readonly verifyReduction?: boolean;
  /** Symmetry reduction of identical threads (src/model/lang/symmetry.ts; default: as `coalesce`). */
  readonly symmetry?: boolean;
  /** Partial-order reduction (src/model/lang/por.ts; default: as `coalesce`). For benchmarks. */
  readonly por?: boolean;
  /** Memoised runs of pure coalesced statements (src/model/lang/segment-memo.ts; default true). For tests and benchmarks. */
  readonly memo?: boolean;
  /** Freeze every part of every state, not only the state object (InterpreterOptions.freezeParts; default: under `verifyReduction`). For tests. */
  readonly freezeParts?: boolean;
  /**
   * Worker threads for one breadth-first check (src/checker/parallel.ts; `runScenarioAsync` only).
   * Default 1: the run on this thread. The same states, transitions and verdicts either way.
   */
  readonly workers?: number;
  /** Workers started ahead for it (prepare-workers.ts); the caller closes them once the run has ended. */
  readonly prepared?: PreparedWorkers;
}

export interface ScenarioRun {
  readonly scenario: Scenario;
  /** The variant's label, or undefined for the scenario as written. */
  readonly variant?: string;
  readonly model: KernelModel;
  readonly result: CheckResult<KState, KAction>;
  /** How the run was made: what a trace records so that replay takes the same transitions. */
  readonly config: RunConfig;
}

export interface RunConfig {
  readonly coalesce: boolean;
  /** The kernel properties asked for (`--property`); undefined: the scenario's list, or all. */
  readonly properties?: readonly string[];
  /** Whether exploration went on after the first violation (`findAll`). */
  readonly findAll: boolean;
  readonly strategy: Strategy;
}

function configOf(o: RunOptions, findAll: boolean): RunConfig {
  return { coalesce: o.coalesce ?? true, ...(o.properties ? { properties: [...o.properties] } : {}), findAll, strategy: o.strategy ?? 'bfs' };
}

/** The verdict of one kernel property: from the verdicts of its engine properties. */
export type PropertyVerdict = 'holds' | 'violated' | 'unknown' | 'n/a';

/** The scenario file's variant `label` as a scenario (undefined: it has no such variant; the caller says so its own way). */
export function variantOf(sf: ScenarioFile, label: string): Scenario | undefined {
  const v = own(sf.variants, label);
  return v === undefined ? undefined : applyVariant(sf, v, label);
}

/** A scenario's variants as scenarios: each labelled variant, or the scenario itself. */
export function variantsOf(sf: ScenarioFile): { label?: string; scenario: Scenario }[] {
  const vs = Object.entries(sf.variants ?? {});
  if (!vs.length) return [{ scenario: sf }];
  return vs.map(([label, v]) => ({ label, scenario: applyVariant(sf, v, label) }));
}

/** What decides the model of a run: the options {@link modelOf} reads. */
type ModelOptions = Pick<RunOptions, 'properties' | 'coalesce' | 'verifyReduction' | 'symmetry' | 'por' | 'memo' | 'freezeParts' | 'sleepSets'>;

/** The model of a scenario with the properties a run checks (`o.properties`, else the scenario's list, else all). */
export function modelOf(sc: Scenario, o: ModelOptions): KernelModel {
  const names = o.properties ?? sc.properties;
  return scenarioModel(sc, {
    ...(o.coalesce === undefined ? {} : { coalesce: o.coalesce }),
    ...(o.verifyReduction === undefined ? {} : { verifyReduction: o.verifyReduction }),
    ...(o.symmetry === undefined ? {} : { symmetry: o.symmetry }),
    ...(o.por === undefined ? {} : { por: o.por }),
    ...(o.memo === undefined ? {} : { memo: o.memo }),
    ...(o.freezeParts === undefined ? {} : { freezeParts: o.freezeParts }),
    ...(o.sleepSets === undefined ? {} : { sleepSets: o.sleepSets }),
    ...(names ? { names } : {}),
  });
}

/** Check a scenario. Every property is decided (`findAll`) unless `o.findAll` is false. */
export function runScenario(sc: Scenario, o: RunOptions = {}, variant?: string): ScenarioRun {
  const model = modelOf(sc, o);
  const findAll = o.findAll ?? true;
  const result = check(model, { ...o, findAll });
  return { scenario: sc, ...(variant === undefined ? {} : { variant }), model, result, config: configOf(o, findAll) };
}

/**
 * A parallel search side's copy of a run's model (src/checker/parallel.ts: each worker thread and the
 * main thread's own side build it from this export): the scenario travels as a structured clone, as
 * the states do (`revive` rebuilds a state with the interpreter's object shapes and freezes it as
 * the interpreter freezes its states, the parts too with `freezeParts`: `reviveState`).
 */
export function parallelModel(arg: { readonly scenario: Scenario; readonly options: ModelOptions }): ParallelModel<KState, KAction> {
  const model = modelOf(arg.scenario, arg.options);
  return { model, revive: reviverOf(model) };
}

/** How states are revived for `model` in a parallel search (`reviveState`, with its interpreter's freezing). */
function reviverOf(model: KernelModel): ParallelModel<KState, KAction>['revive'] {
  const freezeParts = model.interp.freezeParts;
  return (clone, shared) => reviveState(clone, freezeParts, shared);
}

/**
 * `runScenario`, yielding to the event loop as it goes (or on `o.workers` threads); `model` is
 * `modelOf(sc, o)` when the caller has built it already.
 */
export async function runScenarioAsync(sc: Scenario, o: RunOptions = {}, variant?: string, model: KernelModel = modelOf(sc, o)): Promise<ScenarioRun> {
  const findAll = o.findAll ?? true;
  const workers = o.workers ?? 1;
  const options: ModelOptions = {
    ...(o.properties === undefined ? {} : { properties: o.properties }),
    ...(o.coalesce === undefined ? {} : { coalesce: o.coalesce }),
    ...(o.verifyReduction === undefined ? {} : { verifyReduction: o.verifyReduction }),
    ...(o.symmetry === undefined ? {} : { symmetry: o.symmetry }),
    ...(o.por === undefined ? {} : { por: o.por }),
    ...(o.memo === undefined ? {} : { memo: o.memo }),
    ...(o.freezeParts === undefined ? {} : { freezeParts: o.freezeParts }),
    ...(o.sleepSets === undefined ? {} : { sleepSets: o.sleepSets }),
  };
  const result =
    workers > 1
      ? await checkParallel(model, { module: import.meta.url, name: 'parallelModel', arg: { scenario: sc, options } }, { ...o, findAll, workers, revive: reviverOf(model) })
      : await checkAsync(model, { ...o, findAll });
  return { scenario: sc, ...(variant === undefined ? {} : { variant }), model, result, config: configOf(o, findAll) };
}

/** Per kernel property, its verdict in a run ('n/a' when it does not apply or was not asked for). */
export function propertyVerdicts(run: ScenarioRun): Record<string, PropertyVerdict> {
  const out: Record<string, PropertyVerdict> = {};
  for (const p of KERNEL_PROPERTIES) out[p.name] = 'n/a';
  for (const v of run.result.verdicts) {
    const b = baseName(v.property);
    const cur = out[b]!;
    const next: PropertyVerdict = v.status;
    out[b] = cur === 'n/a' ? next : cur === 'violated' || next === 'violated' ? 'violated' : cur === 'unknown' || next === 'unknown' ? 'unknown' : 'holds';
  }
  return out;
}

/** The first counterexample of each kernel property found violated. */
export function counterexamples(run: ScenarioRun): Map<string, Counterexample<KState, KAction>> {
  const out = new Map<string, Counterexample<KState, KAction>>();
  const list = run.result.status === 'pass' ? [] : run.result.violations;
  for (const c of list) if (!out.has(baseName(c.property))) out.set(baseName(c.property), c);
  return out;
}
