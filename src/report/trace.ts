/**
 * The trace: one value that holds a run's counterexamples with everything a reader needs, built
 * from each counterexample's path in one pass (every step re-executed once). The text report
 * (`text.ts`), the JSON file (`json.ts`) and the HTML viewer (`html.ts`) are three views of it and
 * never run the model themselves. Its JSON form is documented in docs/trace-format.md.
 */
import { digest, FingerprintEncoder, fingerprintHex, StringEncoder, type Counterexample, type Path } from '../checker/index.ts';
import type { KAction } from '../model/lang/interp.ts';
import type { KernelModel } from '../model/kernel-model.ts';
import type { DeclarationRecord, PatchRecord, Scenario } from '../model/kernel/scenario.ts';
import type { KState } from '../model/lang/state.ts';
import { explain, notApplicable, type Finding } from '../properties/index.ts';
import type { ScenarioRun } from './run.ts';
import { Continuations, setupRows, type StepRow } from './steps.ts';

export const TRACE_FORMAT = 'mnc-trace';
/** The version `buildTrace` writes. `parseTrace` (json.ts) also reads version 1. */
export const TRACE_VERSION = 2;

/** A state of a path, as recorded. */
export interface StateRecord {
  /** A 64-bit digest of the state's full encoding (checker `digest`: the MurmurHash3 of its words), 16 hex digits (shown; version 1 replay compared it). */
  readonly fingerprint: string;
  /** The state's full canonical encoding (`StringEncoder`): replay compares it with the re-executed state. */
  readonly encoding: string;
}

export interface TraceStep extends StepRow, StateRecord {
  /** The outcome of the thread's non-deterministic choice (0 when it has none): with `tid`, the action. */
  readonly choice: number;
}

export interface TraceThread {
  readonly name: string;
  readonly finished: boolean;
  readonly location?: string;
  readonly waitingFor?: string;
}

/** An invalidation whose start returned and whose end is still owed. */
export interface OpenPair {
  readonly thread: string;
  readonly notifier: string;
  readonly start: number;
  readonly end: number;
  readonly blockable: boolean;
  /** What the start returned. */
  readonly ret: number;
}

/** The OOM state at the end, when the scenario has a victim. */
export interface OomSummary {
  readonly attempts: number;
  readonly obstructed: number;
  readonly mmfOomSkip: boolean;
}

/** One counterexample: the path to one violated engine property, and the state it ends in. */
export interface TraceCounterexample {
  /** The violated engine property, e.g. `no-sleep:might-sleep`. */
  readonly property: string;
  readonly finding: Finding;
  /** The engine's replay token of the path. */
  readonly token: string;
  readonly initial: StateRecord;
  /**
   * What each thread ran while the initial state was built, before step 1 (rows numbered 0): with
   * coalescing a thread runs on from its entry as far as nothing another thread or a property can
   * see. Absent when no thread ran a statement there, and in traces written before mnc recorded it.
   */
  readonly setup?: readonly StepRow[];
  /** For a lasso: the position (0 = initial state) where the cycle starts. */
  readonly loopStart?: number;
  readonly steps: readonly TraceStep[];
  /** Every thread in the last state. */
  readonly final: readonly TraceThread[];
  /** Lock holders in the last state. */
  readonly held: readonly { readonly lock: string; readonly state: string }[];
  readonly oom?: OomSummary;
  readonly open: readonly OpenPair[];
}

export interface TraceVerdict {
  readonly property: string;
  readonly status: 'holds' | 'violated' | 'unknown';
}

/** The run the counterexamples come from. */
export interface TraceRun {
  readonly status: 'pass' | 'violation' | 'incomplete';
  /** Why an incomplete run stopped (`max-states`, `time`, ...; any string the engine gives). */
  readonly reason?: string;
  /** Whether exploration went on after the first violation (`--all`). */
  readonly all: boolean;
  readonly strategy: string;
  readonly states: number;
  readonly transitions: number;
  readonly seconds: number;
  /** Every engine property checked, with its verdict. */
  readonly verdicts: readonly TraceVerdict[];
  /** The properties (or sub-properties) asked for that have nothing to check in the scenario, with the reason. */
  readonly notApplicable?: readonly { readonly property: string; readonly reason: string }[];
}

export interface Trace {
  readonly format: typeof TRACE_FORMAT;
  readonly version: typeof TRACE_VERSION;
  /** The scenario as checked (variants and command-line overrides applied): replay rebuilds the model from it. */
  readonly scenario: Scenario;
  /** The label of the variant or side the scenario was checked in, if any (for reports). */
  readonly variant?: string;
  readonly core: string;
  /**
   * Each notifier as checked, in registration order: its id in reports (`amdgpu0`) and the
   * `driver@variant` it ran (a notifier the scenario names without a variant runs the one its
   * core's kernel shipped). Absent in traces written before mnc recorded it.
   */
  readonly notifiers?: readonly { readonly id: string; readonly use: string }[];
  /** What the command line changed in the scenario it named, one line each (`--core` over a variant's driver, ...). */
  readonly notes?: readonly string[];
  /**
   * The patches the run applied (`--patch`), in order: replay re-applies each from its file, after
   * checking its sha256. Absent when none was.
   */
  readonly patches?: readonly PatchRecord[];
  /**
   * The declarations of the callees the patches call (`--declare`): the file, the sha256 of its
   * bytes and what it declared. Replay reads the file again and checks its sha256. Absent when none.
   */
  readonly declarations?: DeclarationRecord;
  /** Model options replay must use to take the same transitions. */
  readonly options: { readonly coalesce: boolean; readonly properties?: readonly string[] };
  /**
   * The `mnc` arguments that name this scenario as checked (scenario, `--variant`, `--core`,
   * `--driver`, `--property`, `--no-coalesce`): `mnc replay --token TOKEN ARGS...` re-runs a path.
   */
  readonly command: readonly string[];
  readonly run: TraceRun;
  /** Thread names in lane order, and lock keys. */
  readonly threads: readonly string[];
  readonly locks: readonly string[];
  /** One per violated engine property, in the order found (breadth-first: each a shortest one). */
  readonly counterexamples: readonly TraceCounterexample[];
}

/** A state's fingerprint as 16 hex digits: the digest of its full encoding (checker `digest`). */
export function stateFingerprint(m: KernelModel, s: KState): string {
  const e = new FingerprintEncoder();
  digest(m, s, e);
  return fingerprintHex(e.hi, e.lo);
}

export function stateRecord(m: KernelModel, s: KState): StateRecord {
  return { fingerprint: stateFingerprint(m, s), encoding: StringEncoder.encode(m, s) };
}

/** What a report says of a path's last state. */
export function endOf(m: KernelModel, s: KState): Pick<TraceCounterexample, 'final' | 'held' | 'oom' | 'open'> {
  return {
    final: m.threads(s).map((t) => ({
      name: t.name,
      finished: t.finished,
      ...(t.location ? { location: t.location } : {}),
      ...(t.waitingFor ? { waitingFor: t.waitingFor } : {}),
    })),
    held: m.heldLocks(s),
    ...(m.program.spec.mem['oom.pending']
      ? {
          oom: {
            attempts: Number(s.mem['ghost.calls_oom_reap_task_mm']),
            obstructed: Number(s.mem['ghost.oom_obstructed_attempts']),
            mmfOomSkip: Boolean(s.mem['mm.flags.MMF_OOM_SKIP']),
          },
        }
      : {}),
    open: s.pairs.map((p) => ({ thread: m.threadName(p.tid), notifier: String(p.nid), start: p.start, end: p.end, blockable: Boolean(p.blockable), ret: p.ret })),
  };
}

/**
 * Re-execute a path once: each step's row and the record of each state. The re-executed states must
 * be the path's own (the same encoding): anything else is a bug in mnc, never a report.
 */
export function walkPath(m: KernelModel, path: Path<KState, KAction>): { readonly initial: StateRecord; readonly setup: StepRow[]; readonly steps: TraceStep[]; readonly last: KState } {
  let s = path.init;
  const initial = stateRecord(m, s);
  const setup = setupRows(m);
  if (StringEncoder.encode(m, setup.state) !== initial.encoding) throw new Error(`building the initial state again gives another state than path ${path.token} starts in`);
  const cont = new Continuations(setup.after);
  const steps = path.steps.map((st, i): TraceStep => {
    const { row, state } = cont.row(m, s, st.action, i + 1);
    const rec = stateRecord(m, state);
    if (rec.encoding !== StringEncoder.encode(m, st.state)) {
      throw new Error(`re-executing step ${i + 1} of path ${path.token} gives another state than the search recorded for it`);
    }
    s = state;
    return { ...row, choice: st.action.choice, ...rec };
  });
  return { initial, setup: setup.rows, steps, last: s };
}

/** One counterexample of the run's model, built in one pass over its path. */
export function traceCounterexample(m: KernelModel, cx: Counterexample<KState, KAction>): TraceCounterexample {
  const { initial, setup, steps, last } = walkPath(m, cx.path);
  return {
    property: cx.property,
    finding: explain(m, cx.property, last),
    token: cx.path.token,
    initial,
    ...(setup.length ? { setup } : {}),
    ...(cx.loopStart === undefined ? {} : { loopStart: cx.loopStart }),
    steps,
    ...endOf(m, last),
  };
}

/** Shell-quote one argument of a command line a report prints, so that it can be pasted verbatim. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The `mnc replay --token` command line that re-runs a counterexample's path. */
export function replayCommand(trace: Pick<Trace, 'command'>, token: string): string {
  return ['mnc', 'replay', '--token', shellQuote(token), ...trace.command.map(shellQuote)].join(' ');
}

/** The model's notifiers in registration order (the program lists them in the order the core walks them). */
export function notifiersOf(m: KernelModel): { id: string; use: string }[] {
  return [...m.program.spec.notifiers].reverse().map((n) => ({ id: n.id, use: `${n.driver}@${n.variant}` }));
}

/**
 * The trace of a run: its header, and the counterexamples `cxs` (default: every violation the run
 * found). `command` names the scenario as checked, for replay lines (see `Trace.command`).
 */
export function buildTrace(run: ScenarioRun, command: readonly string[], cxs?: readonly Counterexample<KState, KAction>[], notes: readonly string[] = []): Trace {
  const m = run.model;
  const r = run.result;
  const list = cxs ?? (r.status === 'pass' ? [] : r.violations);
  const na = notApplicable(m, run.config.properties ?? run.scenario.properties);
  // The patched functions are not part of the scenario as a file has it: the trace names the patches.
  const { replaceFns: _, patches, declared, ...scenario } = run.scenario;
  return {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    scenario,
    ...(run.variant === undefined ? {} : { variant: run.variant }),
    core: m.program.spec.core,
    notifiers: notifiersOf(m),
    ...(notes.length ? { notes: [...notes] } : {}),
    ...(patches?.length ? { patches: patches.map((p) => ({ ...p, fns: [...p.fns] })) } : {}),
    ...(declared ? { declarations: declared } : {}),
    options: { coalesce: run.config.coalesce, ...(run.config.properties ? { properties: [...run.config.properties] } : {}) },
    command: [...command],
    run: {
      status: r.status,
      ...(r.status === 'incomplete' ? { reason: String(r.reason) } : {}),
      all: run.config.findAll,
      strategy: run.config.strategy,
      states: r.stats.states,
      transitions: r.stats.transitions,
      seconds: Number((r.stats.elapsedMs / 1000).toFixed(3)),
      verdicts: r.verdicts.map((v) => ({ property: v.property, status: v.status })),
      ...(na.length ? { notApplicable: na } : {}),
    },
    threads: m.program.spec.threads.map((t) => t.name),
    locks: [...m.program.lockKeys],
    counterexamples: list.map((cx) => traceCounterexample(m, cx)),
  };
}

/**
 * The arguments that name a scenario as checked: `scenario` as the user gave it (a built-in name or
 * a file path), then the flags that change it or the transitions taken.
 */
export function scenarioCommand(
  scenario: string,
  o: {
    readonly variant?: string;
    readonly core?: string;
    readonly drivers?: readonly string[];
    readonly patches?: readonly string[];
    readonly declare?: string;
    readonly properties?: readonly string[];
    readonly coalesce?: boolean;
  },
): string[] {
  return [
    scenario,
    ...(o.variant === undefined ? [] : ['--variant', o.variant]),
    ...(o.core === undefined ? [] : ['--core', o.core]),
    ...(o.drivers ?? []).flatMap((d) => ['--driver', d]),
    ...(o.patches ?? []).flatMap((p) => ['--patch', p]),
    ...(o.declare === undefined ? [] : ['--declare', o.declare]),
    ...(o.properties ?? []).flatMap((p) => ['--property', p]),
    ...(o.coalesce === false ? ['--no-coalesce'] : []),
  ];
}
