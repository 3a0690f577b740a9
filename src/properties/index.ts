/**
 * The kernel properties, by name. Scenario files and `--property` name them; each is defined
 * exactly in the doc comment of its own file.
 */
import type { Property } from '../checker/model.ts';
import { KernelModel, type KernelModelOptions } from '../model/kernel-model.ts';
import type { Program } from '../model/lang/program.ts';
import { unionReads, type StateReads } from '../model/lang/reduction.ts';
import { buildProgram, type Scenario } from '../model/kernel/scenario.ts';
import type { KState } from '../model/lang/state.ts';
import { bugOn } from './bug-on.ts';
import { coherency } from './coherency.ts';
import { deadlock } from './deadlock.ts';
import { intervalCoherency } from './interval-coherency.ts';
import { lockDiscipline } from './lock-discipline.ts';
import { noSleep } from './no-sleep.ts';
import { pairing } from './pairing.ts';
import { prematureVictim } from './premature-victim.ts';
import { reaperProgress } from './reaper-progress.ts';
import { baseName, type Finding, type KernelProperty } from './types.ts';

export const KERNEL_PROPERTIES: readonly KernelProperty[] = [
  noSleep,
  pairing,
  lockDiscipline,
  deadlock,
  reaperProgress,
  prematureVictim,
  coherency,
  intervalCoherency,
  bugOn,
];

export function kernelProperty(name: string): KernelProperty | undefined {
  return KERNEL_PROPERTIES.find((p) => p.name === name);
}

/**
 * The engine properties `names` select (all when undefined). A name is a kernel property
 * (`no-sleep`: every engine property it builds) or an engine property as reports print it
 * (`no-sleep:might-sleep`), or a prefix of one at a `:` (`deadlock:partial`: every partial-deadlock
 * check). Each engine property is taken once, however many names select it.
 */
export function engineProperties(m: KernelModel, names?: readonly string[]): Property<KState>[] {
  if (!names) return KERNEL_PROPERTIES.flatMap((p) => p.build(m));
  const out: Property<KState>[] = [];
  const seen = new Set<string>();
  for (const p of chosen(names)) {
    const mine = names.filter((n) => baseName(n) === p.name);
    for (const e of p.build(m)) {
      if (!seen.has(e.name) && mine.some((n) => selects(n, e.name))) {
        seen.add(e.name);
        out.push(e);
      }
    }
  }
  return out;
}

/** Whether the name `n` (a kernel property, an engine property, or a prefix of one at a `:`) selects engine property `e`. */
export function selects(n: string, e: string): boolean {
  return e === n || e.startsWith(`${n}:`);
}

/** A check that does not apply to a scenario, and why. */
export interface NotApplicable {
  readonly property: string;
  readonly reason: string;
}

/** The kernel properties and sub-properties among `names` (all when undefined) that have nothing to check in this model, with the reason. */
export function notApplicable(m: KernelModel, names?: readonly string[]): NotApplicable[] {
  const out: NotApplicable[] = [];
  for (const p of chosen(names)) {
    for (const na of p.notApplicable?.(m.program) ?? []) {
      if (!names || names.some((n) => selects(n, na.property) || selects(na.property, n))) out.push(na);
    }
  }
  return out;
}

/**
 * The names among `names` that select no engine property of the model, each with why: the check
 * does not apply (`notApplicable`, the reason), or the scenario has no check of that name (`has`:
 * the checks its kernel property has here). Empty: every name selects something.
 */
export function unselected(m: KernelModel, names: readonly string[]): { readonly name: string; readonly notApplicable?: string; readonly has: readonly string[] }[] {
  const out: { name: string; notApplicable?: string; has: string[] }[] = [];
  for (const n of new Set(names)) {
    const p = kernelProperty(baseName(n));
    const built = p ? p.build(m).map((e) => e.name) : [];
    if (built.some((e) => selects(n, e))) continue;
    const na = (p?.notApplicable?.(m.program) ?? []).find((x) => selects(x.property, n) || selects(n, x.property));
    out.push({ name: n, ...(na ? { notApplicable: na.reason } : {}), has: built });
  }
  return out;
}

/** Explain a violation of an engine property in a state. */
export function explain(m: KernelModel, engineName: string, s: KState): Finding {
  const p = kernelProperty(baseName(engineName));
  if (!p) return { header: `violation of ${engineName}`, details: [] };
  return p.explain(m, engineName, s);
}

export type { Finding, KernelProperty };

/** The kernel properties the names belong to, once each, in the order of KERNEL_PROPERTIES (all when `names` is undefined). */
function chosen(names?: readonly string[]): readonly KernelProperty[] {
  if (!names) return KERNEL_PROPERTIES;
  for (const n of names) {
    if (!kernelProperty(baseName(n))) throw new Error(`unknown property "${n}"; known: ${KERNEL_PROPERTIES.map((k) => k.name).join(', ')}`);
  }
  const bases = new Set(names.map(baseName));
  return KERNEL_PROPERTIES.filter((p) => bases.has(p.name));
}

/** What the named kernel properties (all when undefined) read of a state in this program: the union of their declarations. */
export function readsOf(program: Program, names?: readonly string[]): StateReads {
  return unionReads(chosen(names).map((p) => p.reads(program)));
}

/**
 * A scenario as a model with its properties (the scenario's list, or `names`, or all). The reduction
 * hides only what none of the properties checked reads (src/model/lang/reduction.ts).
 */
export function scenarioModel(sc: Scenario, options: Omit<KernelModelOptions, 'reads' | 'properties'> & { readonly names?: readonly string[] } = {}): KernelModel {
  const program = buildProgram(sc);
  const names = options.names ?? sc.properties;
  const m = new KernelModel(program, {
    ...(options.coalesce === undefined ? {} : { coalesce: options.coalesce }),
    ...(options.verifyReduction === undefined ? {} : { verifyReduction: options.verifyReduction }),
    ...(options.por === undefined ? {} : { por: options.por }),
    ...(options.symmetry === undefined ? {} : { symmetry: options.symmetry }),
    ...(options.memo === undefined ? {} : { memo: options.memo }),
    ...(options.freezeParts === undefined ? {} : { freezeParts: options.freezeParts }),
    ...(options.sleepSets === undefined ? {} : { sleepSets: options.sleepSets }),
    reads: readsOf(program, names),
  });
  m.setProperties(engineProperties(m, names), stableOf(names), ownPairsOf(names));
  return m;
}

/** The engine properties the named kernel properties (all when undefined) declare to read only a thread's own pairs at its own positions. */
export function ownPairsOf(names?: readonly string[]): string[] {
  return chosen(names).flatMap((p) => p.ownPairs ?? []);
}

/** The engine properties the named kernel properties (all when undefined) declare stable. */
export function stableOf(names?: readonly string[]): string[] {
  return chosen(names).flatMap((p) => p.stable ?? []);
}
