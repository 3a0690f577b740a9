/**
 * The kernel properties, by name. Scenario files and `--property` name them; each is defined
 * exactly in the doc comment of its own file.
 */
import type { Property } from '../checker/model.ts';
import { KernelModel, type KernelModelOptions } from '../model/kernel-model.ts';
import type { Program } from '../model/program.ts';
import { unionReads, type StateReads } from '../model/reduction.ts';
import { buildProgram, type Scenario } from '../model/scenario.ts';
import type { KState } from '../model/state.ts';
import { bugOn } from './bug-on.ts';
import { coherency } from './coherency.ts';
import { deadlock } from './deadlock.ts';
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
  bugOn,
];

export function kernelProperty(name: string): KernelProperty | undefined {
  return KERNEL_PROPERTIES.find((p) => p.name === name);
}

/** The engine properties of the named kernel properties (all when `names` is undefined). */
export function engineProperties(m: KernelModel, names?: readonly string[]): Property<KState>[] {
  return chosen(names).flatMap((p) => p.build(m));
}

/** Explain a violation of an engine property in a state. */
export function explain(m: KernelModel, engineName: string, s: KState): Finding {
  const p = kernelProperty(baseName(engineName));
  if (!p) return { header: `violation of ${engineName}`, details: [] };
  return p.explain(m, engineName, s);
}

export type { Finding, KernelProperty };

/** The named kernel properties (all when `names` is undefined). */
function chosen(names?: readonly string[]): readonly KernelProperty[] {
  return names
    ? names.map((n) => {
        const p = kernelProperty(n);
        if (!p) throw new Error(`unknown property "${n}"; known: ${KERNEL_PROPERTIES.map((k) => k.name).join(', ')}`);
        return p;
      })
    : KERNEL_PROPERTIES;
}

/** What the named kernel properties (all when undefined) read of a state in this program: the union of their declarations. */
export function readsOf(program: Program, names?: readonly string[]): StateReads {
  return unionReads(chosen(names).map((p) => p.reads(program)));
}

/**
 * A scenario as a model with its properties (the scenario's list, or `names`, or all). The reduction
 * hides only what none of the properties checked reads (src/model/reduction.ts).
 */
export function scenarioModel(sc: Scenario, options: Omit<KernelModelOptions, 'reads' | 'properties'> & { readonly names?: readonly string[] } = {}): KernelModel {
  const program = buildProgram(sc);
  const names = options.names ?? sc.properties;
  const m = new KernelModel(program, {
    ...(options.coalesce === undefined ? {} : { coalesce: options.coalesce }),
    ...(options.verifyReduction === undefined ? {} : { verifyReduction: options.verifyReduction }),
    reads: readsOf(program, names),
  });
  m.setProperties(engineProperties(m, names));
  return m;
}
