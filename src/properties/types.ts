/**
 * What a kernel property is: a named check that becomes one or more engine properties for a
 * scenario, and explains a violating state in the manner of the kernel's own reports.
 */
import type { Property } from '../checker/model.ts';
import type { KernelModel } from '../model/kernel-model.ts';
import type { Program } from '../model/lang/program.ts';
import type { StateReads } from '../model/lang/reduction.ts';
import type { KState } from '../model/lang/state.ts';

/** A violation as a report shows it: a header naming the finding, then who/what/where lines. */
export interface Finding {
  /** E.g. `BUG: sleeping function called from non-blockable invalidate_range_start`. */
  readonly header: string;
  readonly details: readonly string[];
}

export interface KernelProperty {
  /** The name scenario files and `--property` use. */
  readonly name: string;
  /** One line: what it checks. */
  readonly summary: string;
  /**
   * The engine properties that check it in this scenario. Their names are `name` or
   * `name:qualifier`. Empty when the property does not apply (e.g. reaper progress without a reaper).
   */
  build(m: KernelModel): Property<KState>[];
  /**
   * Everything its engine properties' predicates read of a state, in this scenario (src/model/lang/reduction.ts,
   * `StateReads`). The reduction keeps every statement that may change any of it, or that it looks at a
   * thread being about to run, a transition of its own: a read left out here makes the reduction able to
   * hide a violation. Empty when the property does not apply. What only its {@link stable} engine
   * properties read may be left out.
   */
  reads(p: Program): StateReads;
  /**
   * Its engine properties (by name) that are *stable*: `always` properties that, once violated in a
   * state, are violated in every state reachable from it. Their reads need not be declared in
   * {@link reads}, because both reductions keep every state's violation of a stable property
   * (src/model/lang/reduction.ts, "Stable properties"). The claim is checked, not trusted: under
   * `verifyReduction` the model checks on every transition it takes that a state violating one of
   * them has a successor violating it too (KernelModel.nextState), and the differential tests run the
   * unreduced model, every statement a transition, that way.
   */
  readonly stable?: readonly string[];
  /**
   * Its engine properties (by name) that read only a thread's own start/end pairs, and only at that
   * thread's own positions (an end call it is about to make, its finishing): `pairing:unbalanced-end`
   * and `pairing:missing-end`. The opening premise of the properties that read pairs under a
   * condition (`StateReads.pairsWhen`: an extra open pair never makes them hold) is not theirs: a
   * pair a step of the thread opens is open in every state of the full model where that thread
   * stands where the step left it, since only the thread opens its pairs, in its own order. So
   * `KernelModel`'s check of that premise under `verifyReduction` leaves them out; a step may well
   * open a pair and stop in front of the end call that consumes it (v5.12's unwind after a failed
   * start ends, in the same walk, the notifiers whose start was just approved).
   */
  readonly ownPairs?: readonly string[];
  /**
   * The checks of this property (itself, or a sub-property) that have nothing to check in this
   * program, each with the reason a report gives ("the scenario has no oom_reaper thread"). Reports
   * show them as "does not apply"; a run asked for only such checks is refused. Absent or empty:
   * everything applies.
   */
  notApplicable?(p: Program): readonly { readonly property: string; readonly reason: string }[];
  /** Explain a state that violates the engine property `engineName` (one of those `build` made). */
  explain(m: KernelModel, engineName: string, s: KState): Finding;
}

/** The kernel property an engine property name belongs to. */
export function baseName(engineName: string): string {
  const i = engineName.indexOf(':');
  return i < 0 ? engineName : engineName.slice(0, i);
}
