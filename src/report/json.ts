/**
 * The JSON trace: one counterexample with everything needed to read it and to replay it. The
 * format is versioned and documented in docs/trace-format.md; `parseTrace` validates it.
 */
import { fingerprint, FingerprintEncoder, fingerprintHex, type Counterexample } from '../checker/index.ts';
import type { KAction } from '../model/interp.ts';
import type { KernelModel } from '../model/kernel-model.ts';
import type { Scenario } from '../model/scenario.ts';
import type { KState } from '../model/state.ts';
import { explain, type Finding } from '../properties/index.ts';
import { stepRows, type StepRow } from './steps.ts';

export const TRACE_FORMAT = 'mnc-trace';
export const TRACE_VERSION = 1;

export interface TraceStep extends StepRow {
  /** The action: the thread and the outcome of its non-deterministic choice, if any. */
  readonly choice: number;
  /** Fingerprint (16 hex digits) of the state after the step: replay compares it. */
  readonly fingerprint: string;
}

export interface TraceThread {
  readonly name: string;
  readonly finished: boolean;
  readonly location?: string;
  readonly waitingFor?: string;
}

export interface Trace {
  readonly format: typeof TRACE_FORMAT;
  readonly version: typeof TRACE_VERSION;
  /** The scenario as checked (variants already applied). */
  readonly scenario: Scenario;
  /** The variant label the scenario was checked in, if any. */
  readonly variant?: string;
  /** Model options the replay must use to take the same transitions. */
  readonly options: { readonly coalesce: boolean };
  /** The violated engine property, e.g. `no-sleep:might-sleep`. */
  readonly property: string;
  readonly finding: Finding;
  /** The engine's replay token of the path. */
  readonly token: string;
  /** Fingerprint of the initial state. */
  readonly initial: string;
  /** For a lasso: the position (0 = initial state) where the cycle starts. */
  readonly loopStart?: number;
  readonly threads: readonly string[];
  readonly locks: readonly string[];
  readonly steps: readonly TraceStep[];
  /** Every thread in the last state. */
  readonly final: readonly TraceThread[];
  /** Lock holders in the last state. */
  readonly held: readonly { readonly lock: string; readonly state: string }[];
}

/** A state's fingerprint as 16 hex digits. */
export function stateFingerprint(m: KernelModel, s: KState): string {
  const e = new FingerprintEncoder();
  fingerprint(m, s, e);
  return fingerprintHex(e.hi, e.lo);
}

export function buildTrace(m: KernelModel, cx: Counterexample<KState, KAction>, scenario: Scenario, variant: string | undefined, coalesce: boolean): Trace {
  const last = cx.path.steps.length ? cx.path.steps[cx.path.steps.length - 1]!.state : cx.path.init;
  const rows = stepRows(m, cx);
  return {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    scenario,
    ...(variant === undefined ? {} : { variant }),
    options: { coalesce },
    property: cx.property,
    finding: explain(m, cx.property, last),
    token: cx.path.token,
    initial: stateFingerprint(m, cx.path.init),
    ...(cx.loopStart === undefined ? {} : { loopStart: cx.loopStart }),
    threads: m.program.spec.threads.map((t) => t.name),
    locks: [...m.program.lockKeys],
    steps: rows.map((r, i) => ({ ...r, choice: cx.path.steps[i]!.action.choice, fingerprint: stateFingerprint(m, cx.path.steps[i]!.state) })),
    final: m.threads(last).map((t) => ({
      name: t.name,
      finished: t.finished,
      ...(t.location ? { location: t.location } : {}),
      ...(t.waitingFor ? { waitingFor: t.waitingFor } : {}),
    })),
    held: m.heldLocks(last),
  };
}

export class TraceError extends Error {}

/** Check that a parsed JSON value is a trace this version understands; returns it typed. */
export function parseTrace(data: unknown, source: string): Trace {
  const fail = (m: string): never => {
    throw new TraceError(`${source}: ${m}`);
  };
  if (typeof data !== 'object' || data === null || Array.isArray(data)) fail('is not a JSON object');
  const t = data as Record<string, unknown>;
  if (t.format !== TRACE_FORMAT) fail(`is not an mnc trace (its "format" is ${JSON.stringify(t.format)}, expected "${TRACE_FORMAT}")`);
  if (t.version !== TRACE_VERSION) fail(`is trace format version ${JSON.stringify(t.version)}; this mnc reads version ${TRACE_VERSION}`);
  if (typeof t.scenario !== 'object' || t.scenario === null) fail('has no "scenario" object');
  if (typeof t.property !== 'string') fail('has no "property"');
  if (typeof t.initial !== 'string') fail('has no "initial" fingerprint');
  if (!Array.isArray(t.steps)) fail('has no "steps" list');
  (t.steps as unknown[]).forEach((s, i) => {
    const st = s as Record<string, unknown>;
    if (typeof st !== 'object' || st === null || typeof st.tid !== 'number' || typeof st.choice !== 'number' || typeof st.fingerprint !== 'string') {
      fail(`steps[${i}] needs "tid", "choice" and "fingerprint"`);
    }
  });
  const opts = t.options as Record<string, unknown> | undefined;
  if (!opts || typeof opts.coalesce !== 'boolean') fail('has no "options.coalesce"');
  return data as Trace;
}
