/**
 * The patch review view: the same scenarios checked on two sides (two core versions, two variants
 * of a driver, or two variants a scenario file names), every property decided on both, and per
 * scenario which findings the change removes and which it introduces; with `all`, each of those
 * counterexamples in full (from the trace of its side: `trace.ts`).
 */
import { CORE_VERSIONS, type CoreVersion } from '../model/kernel/core/versions.ts';
import { own } from '../model/kernel/own.ts';
import { CompareError } from './errors.ts';
import { DRIVERS } from '../model/kernel/drivers/index.ts';
import { applyVariant, type ScenarioFile, type VariantOverride } from '../model/kernel/scenario-file.ts';
import { runScenario, runScenarioAsync, type ScenarioRun } from './run.ts';
import { reach } from '../model/lang/reduction.ts';
import { buildProgram, shippedVariant, type Scenario } from '../model/kernel/scenario.ts';
import { ScenarioError } from '../model/kernel/errors.ts';
import { runInWorkers } from './pool.ts';
import { formatCounterexample } from './text.ts';
import { buildTrace, replayCommand, scenarioCommand, type Trace } from './trace.ts';

export { CompareError };

/** A finding one side has and the other does not. */
export interface Change {
  readonly property: string;
  /** The replay token of its counterexample (on the side that has it). */
  readonly token: string;
  /** The other side does not have this engine property at all. */
  readonly oneSided?: true;
}

/** What a comparison needs of a side's run, as plain data (a worker thread posts it back). */
export interface SideRun {
  readonly status: 'pass' | 'violation' | 'incomplete';
  readonly reason?: string;
  readonly states: number;
  readonly seconds: number;
  /** Every engine property checked, with its verdict. */
  readonly verdicts: readonly { readonly property: string; readonly status: 'holds' | 'violated' | 'unknown' }[];
  /** From a worker thread: every counterexample the run found, as a trace whose replay lines name this side (absent when none). */
  readonly trace?: Trace;
  /** From a run here: the run itself, whose counterexamples are traced only when shown. */
  readonly run?: ScenarioRun;
}

/** The replay token of a side's counterexample of `property`. */
function tokenOf(side: SideRun, property: string): string {
  if (side.trace) return side.trace.counterexamples.find((c) => c.property === property)!.token;
  const r = side.run!.result;
  return (r.status === 'pass' ? [] : r.violations).find((c) => c.property === property)!.path.token;
}

/** A side's counterexamples of `properties`, in that order, as a trace (`command` names the side). */
function traceOf(side: SideRun, command: readonly string[], properties: readonly string[]): Trace {
  if (side.trace) return { ...side.trace, counterexamples: properties.map((p) => side.trace!.counterexamples.find((c) => c.property === p)!) };
  const r = side.run!.result;
  const all = r.status === 'pass' ? [] : r.violations;
  return buildTrace(side.run!, command, properties.map((p) => all.find((c) => c.property === p)!));
}

/** The run options a side job carries to a worker (plain data: no signal, no callbacks). */
export interface SideOptions {
  readonly coalesce?: boolean;
  readonly maxStates?: number;
  readonly timeMs?: number;
  readonly properties?: readonly string[];
}

/** One side of one scenario to run: the scenario, its label in reports, the arguments that name it, the options. */
export interface SideJob {
  readonly scenario: Scenario;
  readonly variant?: string;
  readonly command: readonly string[];
  readonly options: SideOptions;
}

/** What a comparison needs of a run: the plain data, and the trace of its counterexamples (a worker's) or the run (here). */
function sideOf(run: ScenarioRun, command: readonly string[] | undefined): SideRun {
  const r = run.result;
  return {
    status: r.status,
    ...(r.status === 'incomplete' ? { reason: String(r.reason) } : {}),
    states: r.stats.states,
    seconds: r.stats.elapsedMs / 1000,
    verdicts: r.verdicts.map((v) => ({ property: v.property, status: v.status })),
    ...(command === undefined ? { run } : r.status !== 'pass' && r.violations.length ? { trace: buildTrace(run, command) } : {}),
  };
}

/** Run one side in a worker thread (compare-worker.ts), deciding every property (`findAll`): plain data only. */
export function runSide(job: SideJob, signal?: AbortSignal): SideRun {
  return sideOf(runScenario(job.scenario, { ...job.options, findAll: true, ...(signal ? { signal } : {}) }, job.variant), job.command);
}

/** Run one side here: its counterexamples are traced when shown. */
async function runSideAsync(job: SideJob, signal?: AbortSignal): Promise<SideRun> {
  return sideOf(await runScenarioAsync(job.scenario, { ...job.options, findAll: true, ...(signal ? { signal } : {}) }, job.variant), undefined);
}

/** How a comparison runs: the options of every run, how many at a time (worker threads when more than one), and its stop signal. */
export interface CompareOptions extends SideOptions {
  /** Runs at a time: above 1, each on a worker thread (default 1: one after the other, here). */
  readonly jobs?: number;
  readonly signal?: AbortSignal;
}

export interface ComparedPair {
  readonly scenario: string;
  /** The scenario as the user named it (a built-in name or a file path), for replay lines. */
  readonly arg: string;
  readonly before: SideRun;
  readonly after: SideRun;
  /** Violated before, holds after: with the before side's trace. */
  readonly removed: readonly Change[];
  /** Holds before, violated after: with the after side's trace. */
  readonly introduced: readonly Change[];
  /** Violated on both sides. */
  readonly unchanged: readonly string[];
  /** Holds on both sides (or on one, where the other does not have it). */
  readonly holding: readonly string[];
  readonly incomplete: boolean;
  /** The `mnc check` arguments that name the scenario on each side (for replay lines). */
  readonly beforeCommand: readonly string[];
  readonly afterCommand: readonly string[];
}

export interface Comparison {
  readonly before: string;
  readonly after: string;
  /**
   * A patch comparison (`mnc compare --patch`): before is each scenario as configured (or as the
   * side `--before` makes it), after the same with the patches: reports say "fixed" and "unchanged"
   * for removed and in both, and print each introduced counterexample in full.
   */
  readonly patch?: { readonly label: string; readonly files: readonly string[]; readonly declare?: string };
  readonly pairs: readonly ComparedPair[];
  /** Scenarios a side does not apply to, with the reason. */
  readonly skipped: readonly { readonly scenario: string; readonly reason: string }[];
  /** Scenarios a signal stopped before they were compared. */
  readonly notRun: readonly string[];
}

/** A side applied to one scenario: the override, and the `mnc check` flags that mean the same. */
interface Side {
  readonly override: VariantOverride;
  readonly flags: ScenarioFlags;
}

/**
 * Refuse a side that names nothing: not a core version, not a driver@variant that exists, and no
 * variant of any scenario compared (a typo would otherwise skip every scenario and compare nothing).
 */
function checkSide(flag: string, side: string, files: readonly ScenarioFile[]): void {
  if (own(CORE_VERSIONS, side)) return;
  if (side.includes('@')) {
    const [name, variant, extra] = side.split('@');
    const def = own(DRIVERS, name!);
    if (!def || extra !== undefined) throw new CompareError(`${flag} ${side}: unknown driver "${name}" (drivers: ${Object.keys(DRIVERS).join(', ')})`);
    if (!own(def.variants, variant!)) throw new CompareError(`${flag} ${side}: ${name} has no variant "${variant}" (variants: ${Object.keys(def.variants).join(', ')})`);
    return;
  }
  if (files.some((f) => own(f.variants, side))) return;
  throw new CompareError(
    `${flag} ${side}: not a core version (${Object.keys(CORE_VERSIONS).join(', ')}), a driver@variant (\`mnc list\` shows them), or a variant of ${files.length === 1 ? `scenario ${files[0]!.name}` : 'any scenario compared'}`,
  );
}

/**
 * The driver of the scenario's first interval notifier on core `core` (v5.5 on: test_hmm, the @v6.6
 * variants), if it has one: a notifier that names its variant, or, naming none, the variant that core
 * ships (hfi1 has an hlist variant for every older core beside its v6.6 interval one).
 */
function intervalDriver(sf: ScenarioFile, core: CoreVersion): string | undefined {
  for (const n of sf.notifiers) {
    const [name, variant] = n.use.split('@');
    const d = own(DRIVERS, name!);
    if (!d) continue;
    const def = own(d.variants, variant ?? shippedVariant(core, name!));
    if (def?.interval) return name;
  }
  return undefined;
}

/** The driver of the scenario's first notifier that inserts and removes an interval notifier while it runs (nouveau), on core `core`. */
function dynamicIntervalDriver(sf: ScenarioFile, core: CoreVersion): string | undefined {
  for (const n of sf.notifiers) {
    const [name, variant] = n.use.split('@');
    const d = own(DRIVERS, name!);
    if (!d) continue;
    if (own(d.variants, variant ?? shippedVariant(core, name!))?.dynamicInterval) return name;
  }
  return undefined;
}

/** What a side means for one scenario file, or why it does not apply. */
function sideOverride(sf: ScenarioFile, side: string): Side | string {
  const core = own(CORE_VERSIONS, side);
  if (core) {
    const iv = core.itree ? undefined : intervalDriver(sf, core);
    if (iv) return `its ${iv} notifier is an mmu_interval_notifier, which core ${side} does not have (v5.5 on)`;
    const dyn = core.dynamicItree ? undefined : dynamicIntervalDriver(sf, core);
    if (dyn) return `its ${dyn} notifier inserts and removes an mmu_interval_notifier while it runs, which core ${side} ${core.itree ? 'models with a static interval tree' : 'has no interval notifiers for'} (v6.6 has them as steps)`;
    if (!core.processMrelease && sf.threads.some((t) => t.kind === 'process_mrelease')) return `its process_mrelease thread is a system call core ${side} does not have (5.15 on)`;
    return { override: { core: side }, flags: { core: side } };
  }
  if (side.includes('@')) {
    const [name, variant] = side.split('@');
    const def = DRIVERS[name!]!;
    if (!sf.notifiers.some((n) => n.use.split('@')[0] === name)) return `it has no ${name} notifier`;
    const api = def.variants[variant!]!.api;
    // A variant the scenario's core cannot call runs on the core of its API's name (each API is named after the first core that calls it).
    const core = CORE_VERSIONS[sf.core]!.api !== api ? api : undefined;
    return { override: { drivers: { [name!]: variant! }, ...(core ? { core } : {}) }, flags: { ...(core ? { core } : {}), drivers: [side] } };
  }
  const v = own(sf.variants, side);
  return v ? { override: v, flags: { variant: side } } : `it has no variant "${side}"`;
}

/** A scenario to compare: the file, and the argument that named it (default: its name). */
export interface CompareInput {
  readonly file: ScenarioFile;
  readonly arg?: string;
}

/** One side of a pair, planned: the scenario as it runs, its label in reports, and the `mnc check` flags that name it. */
interface PlannedSide {
  readonly scenario: Scenario;
  /** The label runs and traces carry (`(variant X)` in reports), if any. */
  readonly variant?: string;
  readonly flags: ScenarioFlags;
}

/** The `mnc check` flags that name a side of a scenario (see `scenarioCommand`). */
interface ScenarioFlags {
  readonly variant?: string;
  readonly core?: string;
  readonly drivers?: readonly string[];
  readonly patches?: readonly string[];
  readonly declare?: string;
}

/** A pair to run, or a scenario skipped with the reason. */
type Planned = { readonly sf: ScenarioFile; readonly arg: string; readonly b: PlannedSide; readonly a: PlannedSide } | { readonly sf: ScenarioFile; readonly skip: string };

/**
 * Check every scenario on both sides, deciding every property (`findAll`), and compare the verdicts
 * engine property by engine property. `o.signal` stops it: the run under way ends incomplete and
 * the scenarios not yet compared are listed in `notRun`. `log` reports each side's run, with its
 * number among them all.
 */
export async function compareSides(
  inputs: readonly (CompareInput | ScenarioFile)[],
  before: string,
  after: string,
  o: CompareOptions,
  log: (m: string, done: number, total: number) => void = () => {},
): Promise<Comparison> {
  const files = inputs.map((i) => ('file' in i ? i.file : i));
  checkSide('--before', before, files);
  checkSide('--after', after, files);
  if (before === after) throw new CompareError(`--before and --after are both ${before}: there is nothing to compare`);
  const planned = inputs.map((input): Planned => {
    const sf = 'file' in input ? input.file : input;
    const b = sideOverride(sf, before);
    const a = sideOverride(sf, after);
    if (typeof b === 'string' || typeof a === 'string') return { sf, skip: typeof b === 'string' ? b : (a as string) };
    const side = (x: Side, label: string): PlannedSide => ({ scenario: applyVariant(sf, x.override, label), variant: label, flags: x.flags });
    const [pb, pa] = [side(b, before), side(a, after)];
    // A side whose drivers lack the scenario's thread, parameters or objects (a core ships another variant): skipped with the reason.
    for (const [p, label] of [[pb, before], [pa, after]] as const) {
      try {
        buildProgram(p.scenario);
      } catch (e) {
        if (e instanceof ScenarioError) return { sf, skip: `on ${label}: ${e.message}` };
        throw e;
      }
    }
    return { sf, arg: ('file' in input ? input.arg : undefined) ?? sf.name, b: pb, a: pa };
  });
  const c = await runPairs(planned, { before, after }, o, log);
  if (!c.pairs.length && !c.notRun.length) {
    throw new CompareError(`no scenario was compared: ${c.skipped.map((s) => `${s.scenario}: ${s.reason}`).join('; ')}; name scenarios both sides apply to`);
  }
  return c;
}

/** The patches of `mnc compare --patch`: how to apply them to a scenario, and how reports name them. */
export interface PatchSide {
  /** How reports name the patches (each one's subject, or its file name). */
  readonly label: string;
  /** The `--patch FILE` arguments, in order, and `--declare FILE`: for replay lines. */
  readonly files: readonly string[];
  readonly declare?: string;
  /** The scenario with the patches applied in order, and the functions they changed; or the one line of their refusal. */
  apply(sc: Scenario): { readonly scenario: Scenario; readonly changed: readonly string[] } | { readonly refused: string };
}

/** The functions of a scenario that one of its threads (the kworkers included) can reach. */
function reached(sc: Scenario): Set<string> {
  const p = buildProgram(sc);
  const out = new Set<string>();
  for (const t of p.spec.threads) for (const f of reach(p, p.fnId(t.fn))) out.add(p.fn(f).def.name);
  return out;
}

/**
 * `mnc compare --patch`: each scenario as configured (or as the side `base` makes it: a core
 * version, a driver@variant, a scenario variant), against the same with the patches applied. A
 * scenario the patches do not apply to, or none of whose threads runs a function they change (its
 * verdicts cannot change), is skipped with the reason. `named`: the scenarios were named on the
 * command line (else they are every built-in), for the line that says none was compared.
 */
export async function comparePatched(
  inputs: readonly (CompareInput | ScenarioFile)[],
  patch: PatchSide,
  o: CompareOptions,
  log: (m: string, done: number, total: number) => void = () => {},
  base?: string,
  named = true,
): Promise<Comparison> {
  const files = inputs.map((i) => ('file' in i ? i.file : i));
  if (base !== undefined) checkSide('--before', base, files);
  const changedAll = new Set<string>();
  const planned = inputs.map((input): Planned => {
    const sf = 'file' in input ? input.file : input;
    const side = base === undefined ? undefined : sideOverride(sf, base);
    if (typeof side === 'string') return { sf, skip: side };
    const b: PlannedSide = side
      ? { scenario: applyVariant(sf, side.override, base!), variant: base!, flags: side.flags }
      : { scenario: sf, flags: {} };
    const r = patch.apply(b.scenario);
    if ('refused' in r) return { sf, skip: r.refused };
    r.changed.forEach((f) => changedAll.add(f));
    if (!r.changed.length) return { sf, skip: 'the patch changes none of its functions' };
    const runs = reached(r.scenario);
    if (!r.changed.some((f) => runs.has(f))) return { sf, skip: `none of its threads runs a function the patch changes (${r.changed.map((f) => `${f}()`).join(', ')})` };
    const a: PlannedSide = { scenario: r.scenario, ...(b.variant === undefined ? {} : { variant: b.variant }), flags: { ...b.flags, patches: patch.files, ...(patch.declare === undefined ? {} : { declare: patch.declare }) } };
    return { sf, arg: ('file' in input ? input.arg : undefined) ?? sf.name, b, a };
  });
  const before = base ?? 'each scenario as configured';
  const c = await runPairs(planned, { before, after: `${base === undefined ? '' : `${base} `}with ${patch.label}`, patch: { label: patch.label, files: patch.files, ...(patch.declare === undefined ? {} : { declare: patch.declare }) } }, o, log);
  if (!c.pairs.length && !c.notRun.length) {
    const where = named ? (inputs.length === 1 ? 'the scenario named' : 'none of the scenarios named') : 'no built-in scenario';
    const refused = c.skipped.filter((s) => !/^(none of its threads runs|the patch changes none)/.test(s.reason));
    const changes = changedAll.size ? `it changes ${[...changedAll].map((f) => `${f}()`).join(', ')}` : `it changes none of ${inputs.length === 1 ? 'its' : 'their'} functions`;
    const before = base === undefined ? ' (and with --before the core, driver@variant or variant the patch was made against)' : '';
    const hint = `${named ? `name another scenario${before}` : `name a scenario${before}`}, or see what the patch changes with mnc patch ${patch.files[0]}`;
    const runs = named && inputs.length === 1 ? 'runs no' : 'runs a';
    if (!refused.length) throw new CompareError(`compare --patch: ${where} ${runs} function the patch changes (${changes}); ${hint}`);
    const first = refused[0]!;
    const what = refused.length === 1 ? first.scenario : `${refused.length} of them (the first, ${first.scenario})`;
    throw new CompareError(
      `compare --patch: nothing was compared: the patch does not apply to ${what}: ${first.reason}${refused.length < c.skipped.length ? '; the others run no function it changes' : ''}; ${hint}`,
    );
  }
  return c;
}

/**
 * What decides a side's exploration: its scenario but for the name, description and variants (which
 * reports show and no state depends on), and the run options. Keys in a fixed order, so that two
 * files that list fields differently still match.
 */
function modelKey(job: SideJob): string {
  const { name: _n, description: _d, ...rest } = job.scenario as Scenario & { variants?: unknown };
  const { variants: _v, ...model } = rest as typeof rest & { variants?: unknown };
  const sorted = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sorted) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v;
  return JSON.stringify(sorted({ model, options: job.options }));
}

/** A side's result for another side whose model it is (`modelKey`): the reports name that side's scenario and command. */
function rebind(r: SideRun, job: SideJob): SideRun {
  const variant = <T extends { variant?: string }>(x: T): T => {
    const { variant: _, ...rest } = x;
    return (job.variant === undefined ? rest : { ...rest, variant: job.variant }) as T;
  };
  if (r.run) return { ...r, run: variant({ ...r.run, scenario: job.scenario }) };
  if (!r.trace) return r;
  const { replaceFns: _f, patches: _p, declared: _d, ...scenario } = job.scenario;
  return { ...r, trace: variant({ ...r.trace, scenario, command: [...job.command] }) };
}

/** Run the planned pairs (`o.jobs` at a time) and compare them. */
async function runPairs(
  planned: readonly Planned[],
  sides: { readonly before: string; readonly after: string; readonly patch?: Comparison['patch'] },
  o: CompareOptions,
  log: (m: string, done: number, total: number) => void,
): Promise<Comparison> {
  const options: SideOptions = {
    ...(o.coalesce === undefined ? {} : { coalesce: o.coalesce }),
    ...(o.maxStates === undefined ? {} : { maxStates: o.maxStates }),
    ...(o.timeMs === undefined ? {} : { timeMs: o.timeMs }),
    ...(o.properties ? { properties: [...o.properties] } : {}),
  };
  const todo = planned.filter((x): x is Exclude<Planned, { skip: string }> => !('skip' in x));
  const command = (arg: string, side: PlannedSide): string[] =>
    scenarioCommand(arg, { ...side.flags, ...(o.properties ? { properties: o.properties } : {}), ...(o.coalesce === false ? { coalesce: false } : {}) });
  const jobs: SideJob[] = todo.flatMap(({ arg, b, a }) =>
    [b, a].map((side) => ({ scenario: side.scenario, ...(side.variant === undefined ? {} : { variant: side.variant }), command: command(arg, side), options })),
  );
  // Progress names the sides: the side's name, or in a patch comparison "as configured" and "patched".
  const bName = sides.patch ? (sides.before.startsWith('each ') ? 'as configured' : sides.before) : sides.before;
  const aName = sides.patch ? 'patched' : sides.after;
  const results: (SideRun | undefined)[] = new Array(jobs.length).fill(undefined);
  // A model is explored once: a side whose scenario equals an earlier one's but for its name and
  // description (two built-ins may tell two stories of one configuration) takes that run's result.
  const firstOf = new Map<string, number>();
  const same = jobs.map((j, i) => {
    const k = modelKey(j);
    const f = firstOf.get(k);
    if (f === undefined) firstOf.set(k, i);
    return f ?? i;
  });
  const unique = jobs.flatMap((_, i) => (same[i] === i ? [i] : []));
  // Each run is reported in the order of the jobs, whatever order they finish in.
  let logged = 0;
  const arrived = (r: SideRun, u: number): void => {
    const i = unique[u]!;
    results[i] = r;
    jobs.forEach((j, d) => {
      if (d !== i && same[d] === i) results[d] = rebind(r, j);
    });
    for (; logged < jobs.length && results[logged]; logged++) {
      const x = results[logged]!;
      const status = x.status === 'incomplete' ? `incomplete (${x.reason})` : x.status;
      const again = same[logged] !== logged ? ` (the model of ${todo[same[logged]! >> 1]!.sf.name} @ ${same[logged]! % 2 ? aName : bName}: not explored again)` : '';
      log(`${todo[logged >> 1]!.sf.name} @ ${logged % 2 ? aName : bName}: ${status}, ${x.states} states${again}`, logged + 1, jobs.length);
    }
  };
  const n = Math.min(o.jobs ?? 1, unique.length);
  if (n > 1) {
    try {
      await runInWorkers<SideJob, SideRun>('compare-worker', unique.map((i) => jobs[i]!), {}, n, arrived, o.signal);
    } catch (e) {
      // Bad input met only as a run goes (a declared lock that is no lock at that call) is one line, as here.
      const err = e as Error;
      if (err.name === 'DeclareError' || err.name === 'ScenarioError') throw new CompareError(err.message);
      throw e;
    }
  } else {
    for (let u = 0; u < unique.length && !o.signal?.aborted; u++) arrived(await runSideAsync(jobs[unique[u]!]!, o.signal), u);
  }
  const pairs: ComparedPair[] = [];
  const skipped = planned.flatMap((x) => ('skip' in x ? [{ scenario: x.sf.name, reason: x.skip }] : []));
  const notRun: string[] = [];
  todo.forEach(({ sf, arg }, k) => {
    const rb = results[2 * k];
    const ra = results[2 * k + 1];
    if (!rb || !ra) {
      notRun.push(sf.name);
      return;
    }
    const verdicts = (r: SideRun): Map<string, string> => new Map(r.verdicts.map((v) => [v.property, v.status]));
    const sb = verdicts(rb);
    const sa = verdicts(ra);
    const removed: Change[] = [];
    const introduced: Change[] = [];
    const unchanged: string[] = [];
    const holding: string[] = [];
    for (const p of new Set([...sb.keys(), ...sa.keys()])) {
      const vb = sb.get(p);
      const va = sa.get(p);
      // A property only one side has (a sub-property of one core's API) counts as holding on the other.
      if (vb === 'violated' && (va === 'holds' || va === undefined)) removed.push({ property: p, token: tokenOf(rb, p), ...(va === undefined ? { oneSided: true } : {}) });
      else if ((vb === 'holds' || vb === undefined) && va === 'violated') introduced.push({ property: p, token: tokenOf(ra, p), ...(vb === undefined ? { oneSided: true } : {}) });
      else if (vb === 'violated' && va === 'violated') unchanged.push(p);
      else if ((vb === 'holds' || vb === undefined) && (va === 'holds' || va === undefined)) holding.push(p);
    }
    pairs.push({
      scenario: sf.name,
      arg,
      beforeCommand: jobs[2 * k]!.command,
      afterCommand: jobs[2 * k + 1]!.command,
      before: rb,
      after: ra,
      removed,
      introduced,
      unchanged,
      holding,
      incomplete: rb.status === 'incomplete' || ra.status === 'incomplete',
    });
  });
  return { before: sides.before, after: sides.after, ...(sides.patch ? { patch: sides.patch } : {}), pairs, skipped, notRun };
}

/** The traces of a pair's removed findings (on the before side) and introduced ones (on the after side), in the pair's order. */
export function changeTraces(p: ComparedPair): { readonly removed?: Trace; readonly introduced?: Trace } {
  return {
    ...(p.removed.length ? { removed: traceOf(p.before, p.beforeCommand, p.removed.map((c) => c.property)) } : {}),
    ...(p.introduced.length ? { introduced: traceOf(p.after, p.afterCommand, p.introduced.map((c) => c.property)) } : {}),
  };
}

/** The words a comparison uses: a patch's findings are "fixed" and "unchanged", two sides' "removed" and "in both". */
function words(c: Comparison): { removed: string; unchanged: string } {
  return c.patch ? { removed: 'fixed', unchanged: 'unchanged' } : { removed: 'removed', unchanged: 'in both' };
}

/** One line for the whole comparison: how many scenarios, findings removed (fixed), introduced, in both (unchanged). */
export function summaryLine(c: Comparison): string {
  const sum = (f: (p: ComparedPair) => number): number => c.pairs.reduce((n, p) => n + f(p), 0);
  const incomplete = c.pairs.filter((p) => p.incomplete).length;
  const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
  const w = words(c);
  const who = c.patch ? `${c.patch.label} against ${c.before}` : `${c.after} against ${c.before}`;
  return [
    `${who}, ${plural(c.pairs.length, 'scenario')} compared${c.skipped.length ? ` (${c.skipped.length} skipped)` : ''}:`,
    `${plural(sum((p) => p.removed.length), 'finding')} ${w.removed}, ${sum((p) => p.introduced.length)} introduced, ${sum((p) => p.unchanged.length)} ${w.unchanged}`,
  ].join(' ') + (incomplete ? `; ${plural(incomplete, 'scenario')} INCOMPLETE (a side hit a bound)` : '') + '.';
}

/** The comparison as JSON (`mnc compare --json`): per scenario each side's run and every finding removed, introduced or in both, with the replay line of its counterexample. */
export function comparisonJson(c: Comparison): string {
  const side = (r: SideRun): Record<string, unknown> => ({
    status: r.status,
    ...(r.status === 'incomplete' ? { reason: r.reason } : {}),
    states: r.states,
    seconds: Number(r.seconds.toFixed(3)),
  });
  const change = (ch: Change, command: readonly string[]): Record<string, unknown> => ({
    property: ch.property,
    ...(ch.oneSided ? { oneSided: true } : {}),
    token: ch.token,
    replay: replayCommand({ command }, ch.token),
  });
  return `${JSON.stringify(
    {
      format: 'mnc-compare',
      version: 1,
      before: c.before,
      after: c.after,
      // A patch comparison: "removed" are the findings the patch fixes, "unchanged" those it keeps, "holding" the checks that hold on both sides.
      ...(c.patch ? { patch: { label: c.patch.label, files: [...c.patch.files], ...(c.patch.declare === undefined ? {} : { declare: c.patch.declare }) } } : {}),
      pairs: c.pairs.map((p) => ({
        scenario: p.scenario,
        arg: p.arg,
        incomplete: p.incomplete,
        before: side(p.before),
        after: side(p.after),
        removed: p.removed.map((ch) => change(ch, p.beforeCommand)),
        introduced: p.introduced.map((ch) => change(ch, p.afterCommand)),
        unchanged: p.unchanged,
        ...(c.patch ? { holding: p.holding } : {}),
      })),
      skipped: c.skipped,
      ...(c.notRun.length ? { notRun: c.notRun } : {}),
    },
    null,
    2,
  )}\n`;
}

/**
 * The comparison's table; with `all`, then every removed and introduced counterexample in full. A
 * patch comparison says "fixed" and "unchanged", counts the checks that hold on both sides, lists
 * the skipped scenarios by reason, and always prints the counterexample of each finding introduced.
 */
export function formatComparison(c: Comparison, all = false): string {
  const w = words(c);
  const out: string[] = [`mnc compare: before = ${c.before}, after = ${c.after}`, ''];
  const pad = (label: string): string => `${label}:`.padEnd(12);
  for (const p of c.pairs) {
    const holding = c.patch && p.holding.length ? `; the other ${p.holding.length} ${p.holding.length === 1 ? 'check holds' : 'checks hold'} before and after` : '';
    out.push(
      `${p.scenario}: ${p.removed.length} ${w.removed}, ${p.introduced.length} introduced, ${p.unchanged.length} ${w.unchanged}${holding}${p.incomplete ? ' (INCOMPLETE: a side hit a bound)' : ''}`,
    );
    const other = (side: string): string => (c.patch ? (side === c.after ? 'the patched code' : 'the code before the patch') : side);
    for (const r of p.removed) out.push(`  - ${pad(w.removed)}${r.property}${r.oneSided ? ` (${other(c.after)} does not have this property)` : ''}`);
    for (const r of p.introduced) out.push(`  + ${pad('introduced')}${r.property}${r.oneSided ? ` (${other(c.before)} does not have this property)` : ''}`);
    for (const u of p.unchanged) out.push(`  = ${pad(w.unchanged)}${u}${c.patch ? ' (violated before and after)' : ''}`);
  }
  if (c.patch) {
    // Many scenarios are skipped for the same reason (every built-in that does not run the patched code).
    const byReason = new Map<string, string[]>();
    for (const s of c.skipped) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s.scenario]);
    for (const [reason, names] of byReason) out.push(`skipped (${reason}): ${names.join(', ')}`);
  } else for (const s of c.skipped) out.push(`${s.scenario}: skipped (${s.reason})`);
  const removed = c.pairs.reduce((n, p) => n + p.removed.length, 0);
  const changes = removed + c.pairs.reduce((n, p) => n + p.introduced.length, 0);
  out.push('', summaryLine(c));
  if (c.notRun.length) out.push(`INCOMPLETE: interrupted before ${c.notRun.length === 1 ? 'the scenario' : `${c.notRun.length} scenarios`} ${c.notRun.join(', ')}.`);
  // What follows: with --all, the counterexample of every finding removed and introduced; a patch
  // comparison always prints those of the findings it introduces.
  if (!all) {
    if (c.patch && removed) out.push(`--all also prints the ${removed === 1 ? 'counterexample' : `${removed} counterexamples`} of the findings fixed, as found before the patch.`);
    if (!c.patch && changes) out.push(`--all prints the ${changes === 1 ? 'counterexample' : `${changes} counterexamples`} of the findings removed and introduced in full.`);
    if (!c.patch) return out.join('\n');
  }
  for (const p of c.pairs) {
    const t = changeTraces(p);
    if (all) for (const cx of t.removed?.counterexamples ?? []) out.push('', c.patch ? `FIXED by ${c.patch.label} (the trace before it):` : `REMOVED by ${c.after} (the trace on ${c.before}):`, formatCounterexample(t.removed!, cx));
    for (const cx of t.introduced?.counterexamples ?? []) out.push('', c.patch ? `INTRODUCED by ${c.patch.label}:` : `INTRODUCED by ${c.after}:`, formatCounterexample(t.introduced!, cx));
  }
  return out.join('\n');
}
