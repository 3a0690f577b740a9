/**
 * The JSON trace file: the trace value (`trace.ts`) as JSON, and the reader that checks a file
 * before replay. Version 2 holds every counterexample of a run with the full encoding of every
 * state; version 1 (one counterexample, fingerprints only) is still read. docs/trace-format.md
 * documents both.
 */
import { parseScenario } from '../model/kernel/scenario-file.ts';
import type { Scenario } from '../model/kernel/scenario.ts';
import type { Finding } from '../properties/index.ts';
import type { StepRow } from './steps.ts';
import { TraceError } from './errors.ts';
import { TRACE_FORMAT, TRACE_VERSION, type Trace, type TraceThread } from './trace.ts';

export { buildTrace, stateFingerprint, TRACE_FORMAT, TRACE_VERSION, type Trace, type TraceCounterexample, type TraceStep } from './trace.ts';

/** The file's text: the trace value, indented, with a final newline. */
export function traceJson(trace: Trace): string {
  return `${JSON.stringify(trace, null, 2)}\n`;
}

/** A version-1 step: the state after it by fingerprint only. */
export interface TraceStepV1 extends StepRow {
  readonly choice: number;
  readonly fingerprint: string;
}

/** A version-1 trace: one counterexample; states by fingerprint only. */
export interface TraceV1 {
  readonly format: typeof TRACE_FORMAT;
  readonly version: 1;
  readonly scenario: Scenario;
  readonly variant?: string;
  readonly options: { readonly coalesce: boolean };
  readonly property: string;
  readonly finding: Finding;
  readonly token: string;
  /** Fingerprint of the initial state. */
  readonly initial: string;
  readonly loopStart?: number;
  readonly threads: readonly string[];
  readonly locks: readonly string[];
  readonly steps: readonly TraceStepV1[];
  readonly final: readonly TraceThread[];
  readonly held: readonly { readonly lock: string; readonly state: string }[];
}

/** A trace file of either version, as read. */
export type TraceFile = Trace | TraceV1;

export { TraceError };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isStrings = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');

/**
 * Check that a parsed JSON value is a trace this version of mnc reads (format version 1 or 2) and
 * has every field replay and the reports use; returns it typed.
 */
export function parseTrace(data: unknown, source: string): TraceFile {
  const fail = (m: string): never => {
    throw new TraceError(`${source}: ${m}`);
  };
  if (!isObj(data)) return fail('is not a JSON object');
  const t = data;
  if (t.format !== TRACE_FORMAT) fail(`is not an mnc trace (its "format" is ${JSON.stringify(t.format)}, expected "${TRACE_FORMAT}")`);
  if (t.version !== 1 && t.version !== TRACE_VERSION) fail(`is trace format version ${JSON.stringify(t.version)}; this mnc reads versions 1 and ${TRACE_VERSION}`);
  if (!isObj(t.scenario)) fail('has no "scenario" object');
  // The scenario is checked as a scenario file is (a bad one is a ScenarioError: one line, exit 2).
  parseScenario(JSON.stringify(t.scenario), `${source}: "scenario"`);
  const opts: Obj = isObj(t.options) ? t.options : {};
  if (typeof opts.coalesce !== 'boolean') fail('has no "options.coalesce"');
  if (!isStrings(t.threads) || !isStrings(t.locks)) fail('needs "threads" and "locks" lists of names');

  /** The fields a counterexample needs; `at` names it in messages ('' for version 1, where it is the file). */
  const checkCx = (c: Obj, at: string, v2: boolean): void => {
    const where = (f: string): string => `${at}${f}`;
    if (typeof c.property !== 'string') fail(`has no "${where('property')}"`);
    if (!isObj(c.finding) || typeof c.finding.header !== 'string' || !isStrings(c.finding.details)) fail(`needs "${where('finding')}" with a header and detail lines`);
    if (typeof c.token !== 'string') fail(`has no "${where('token')}"`);
    if (v2) {
      if (!isObj(c.initial) || typeof c.initial.fingerprint !== 'string' || typeof c.initial.encoding !== 'string') fail(`needs "${where('initial')}" with "fingerprint" and "encoding"`);
    } else if (typeof c.initial !== 'string') fail(`has no "${where('initial')}" fingerprint`);
    if (!Array.isArray(c.steps)) return fail(`has no "${where('steps')}" list`);
    c.steps.forEach((s: unknown, i) => {
      const ok =
        isObj(s) &&
        isInt(s.tid) &&
        isInt(s.choice) &&
        isInt(s.index) &&
        typeof s.thread === 'string' &&
        typeof s.fingerprint === 'string' &&
        (!v2 || typeof s.encoding === 'string') &&
        Array.isArray(s.statements) &&
        Array.isArray(s.locks);
      if (!ok) fail(`${where(`steps[${i}]`)} needs "index", "tid", "thread", "choice", "statements", "locks" and "fingerprint"${v2 ? ' and "encoding"' : ''}`);
    });
    if (c.setup !== undefined) {
      if (!Array.isArray(c.setup)) fail(`"${where('setup')}" must be a list of rows`);
      (c.setup as unknown[]).forEach((r: unknown, i) => {
        const ok = isObj(r) && r.index === 0 && isInt(r.tid) && typeof r.thread === 'string' && Array.isArray(r.statements) && Array.isArray(r.locks);
        if (!ok) fail(`${where(`setup[${i}]`)} needs "index" (0), "tid", "thread", "statements" and "locks"`);
      });
    }
    if (c.loopStart !== undefined && (!isInt(c.loopStart) || c.loopStart < 0 || c.loopStart > c.steps.length)) {
      fail(`"${where('loopStart')}" must be an integer from 0 to the number of steps (${c.steps.length})`);
    }
    if (!Array.isArray(c.final) || !Array.isArray(c.held)) fail(`needs "${where('final')}" and "${where('held')}" lists`);
    if (v2 && !Array.isArray(c.open)) fail(`needs an "${where('open')}" list`);
  };

  if (t.version === 1) {
    checkCx(t, '', false);
    return data as unknown as TraceV1;
  }
  if (opts.properties !== undefined && !isStrings(opts.properties)) fail('"options.properties" must be a list of property names');
  if (typeof t.core !== 'string') fail('has no "core"');
  if (t.notifiers !== undefined && !(Array.isArray(t.notifiers) && t.notifiers.every((n) => isObj(n) && typeof n.id === 'string' && typeof n.use === 'string'))) {
    fail('"notifiers" must be a list of { "id", "use" }');
  }
  if (t.notes !== undefined && !isStrings(t.notes)) fail('"notes" must be a list of lines');
  const patchOk = (p: unknown): boolean =>
    isObj(p) && typeof p.file === 'string' && typeof p.sha256 === 'string' && /^[0-9a-f]{64}$/.test(p.sha256) && isStrings(p.fns) && (p.subject === undefined || typeof p.subject === 'string');
  if (t.patches !== undefined && !(Array.isArray(t.patches) && t.patches.every(patchOk))) fail('"patches" must be a list of { "file", "subject", "sha256" (64 hex digits), "fns" }');
  const d = t.declarations;
  if (d !== undefined && !(isObj(d) && typeof d.file === 'string' && typeof d.sha256 === 'string' && /^[0-9a-f]{64}$/.test(d.sha256) && isObj(d.callees))) {
    fail('"declarations" must be { "file", "sha256" (64 hex digits), "callees" }');
  }
  if (!isStrings(t.command)) fail('needs "command", the list of arguments that name the scenario');
  const run = t.run;
  if (!isObj(run) || typeof run.status !== 'string' || !Array.isArray(run.verdicts)) fail('needs a "run" object with "status" and "verdicts"');
  const na = (run as Obj).notApplicable;
  if (na !== undefined && !(Array.isArray(na) && na.every((n: unknown) => isObj(n) && typeof n.property === 'string' && typeof n.reason === 'string'))) {
    fail('"run.notApplicable" must be a list of { "property", "reason" }');
  }
  if (!Array.isArray(t.counterexamples) || t.counterexamples.length === 0) return fail('has no "counterexamples" (a non-empty list)');
  t.counterexamples.forEach((c: unknown, i) => {
    if (!isObj(c)) fail(`counterexamples[${i}] is not an object`);
    checkCx(c as Obj, `counterexamples[${i}].`, true);
  });
  return data as unknown as Trace;
}
