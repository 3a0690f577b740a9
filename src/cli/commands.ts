/**
 * The commands of `mnc` (main.ts parses the command line and loads this module only to run one):
 * check, list, matrix, compare, replay.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { checkOutputs, OutputError, writeOutput, type InputFile } from './output.ts';
import { CORE_VERSIONS, type CoreVersion } from '../model/kernel/core/versions.ts';
import { own } from '../model/kernel/own.ts';
import { DRIVERS } from '../model/kernel/drivers/index.ts';
import { applyVariant, BUILTIN_DIR, builtinNames, loadBuiltin, loadScenarioFile, parseScenario, type LoadOptions, type ScenarioFile, type VariantOverride } from '../model/kernel/scenario-file.ts';
import { CORE_THREADS, shippedVariant, type DeclarationRecord, type PatchRecord, type Scenario } from '../model/kernel/scenario.ts';
import { parseDeclarations } from '../model/patch/declare.ts';
import { goldenListing } from '../model/lang/compile.ts';
import { parsePatch, type Patch } from '../model/patch/diff.ts';
import type { PatchResult } from '../model/patch/apply.ts';
import { applyInOrder, configBase, scenarioBase } from '../model/patch/use.ts';
import type { Trace } from '../report/trace.ts';
import { explain, KERNEL_PROPERTIES, scenarioModel, unselected } from '../properties/index.ts';
import { baseName } from '../properties/types.ts';
import type { KernelModel } from '../model/kernel-model.ts';
import type { PreparedWorkers } from '../checker/parallel.ts';
import { formatMatrix, formatMatrixCounterexamples, matrixJobs, type MatrixRunOptions } from '../report/matrix.ts';
import { computeMatrixParallel } from '../report/matrix-pool.ts';
import { availableParallelism } from 'node:os';
import { parseTrace, traceJson } from '../report/json.ts';
import { replayTrace, violatedIn } from '../report/replay.ts';
import { modelOf, runScenarioAsync, variantOf, type RunOptions, type ScenarioRun } from '../report/run.ts';
import { configuration, formatFinalState, formatSetup, formatSteps, formatTrace } from '../report/text.ts';
import { buildTrace, endOf, notifiersOf, scenarioCommand, shellQuote, walkPath } from '../report/trace.ts';
import { comparePatched, compareSides, comparisonJson, formatComparison, type CompareOptions } from '../report/compare.ts';
import { formatHistory, type HistoryColumn } from '../report/history.ts';
import { CORE_VERSION_NAMES } from '../model/kernel/core/version-names.ts';
import { ScenarioError } from '../model/kernel/errors.ts';
import { approx, duration as roughDuration, makeProgress } from './progress.ts';
import { checkAsync, forecast, replay, ReplayError, shorten, type Strategy } from '../checker/index.ts';
import { startForecast, type ForecastTask } from '../report/forecast-job.ts';
import { EXIT, UsageError, type Io } from './errors.ts';
import { mark, paintComparison, paintReport, paintWith, wantColour, type Paint } from './colour.ts';

/** The colours of what goes to standard output (or, `toStderr`, standard error). */
function paintOf(io: Io, toStderr = false): Paint {
  return paintWith(io.colour === 'auto' ? wantColour(toStderr ? process.stderr : process.stdout) : io.colour === true);
}

/**
 * A scenario argument: `-` (the scenario file's text on standard input), a path to a .json file, or
 * the name of a built-in scenario. `path` is the file read, if any (outputs must not overwrite it).
 */
export function loadScenarioInput(arg: string, io: Pick<Io, 'stdin'> = {}, opts: LoadOptions = {}): { file: ScenarioFile; path?: string } {
  if (arg === '-') {
    let text: string;
    try {
      text = (io.stdin ?? (() => readFileSync(0, 'utf8')))();
    } catch (e) {
      throw new UsageError(`cannot read the scenario from standard input: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return { file: parseScenario(text, '<stdin>', opts) };
  }
  if (arg.endsWith('.json') || arg.includes('/') || existsSync(arg)) return { file: loadScenarioFile(arg, opts), path: arg };
  if (!builtinNames().includes(arg)) {
    throw new UsageError(`unknown scenario "${arg}": not a file, and no built-in scenario has that name (built-in: ${builtinNames().join(', ')})`);
  }
  // A built-in's variants are checked when they are used (the tests build every one of them).
  return { file: loadBuiltin(arg, { variants: false, ...opts }), path: join(BUILTIN_DIR, `${arg}.json`) };
}

/** A scenario argument: a path to a .json file, or the name of a built-in scenario. */
export function loadScenarioArg(arg: string): ScenarioFile {
  return loadScenarioInput(arg).file;
}

/** The scenario file with its `--variant` applied (or as written). */
function withVariant(sf: ScenarioFile, variant: string | undefined): Scenario {
  if (variant === undefined) return sf;
  const sc = variantOf(sf, variant);
  if (!sc) throw new UsageError(`--variant ${variant}: scenario ${sf.name} has ${sf.variants ? `the variants ${Object.keys(sf.variants).join(', ')}` : 'no variants'}`);
  return sc;
}

/** The patch and declaration files a command line reads: outputs must not overwrite them either. */
function patchInputs(f: { patch?: string[]; declare?: string }): InputFile[] {
  return [...(f.patch ?? []).map((p) => ({ path: p, what: `the patch --patch ${p}` })), ...(f.declare === undefined ? [] : [{ path: f.declare, what: `the declarations --declare ${f.declare}` }])];
}

/** Check the output files before a run (output.ts): writable, not an input, not each other. */
function checkOutputFiles(outputs: readonly { flag: string; path: string | undefined }[], inputs: readonly (InputFile | undefined)[]): void {
  try {
    checkOutputs(
      outputs.flatMap((o) => (o.path === undefined ? [] : [{ flag: o.flag, path: o.path }])),
      inputs.flatMap((i) => (i === undefined ? [] : [i])),
    );
  } catch (e) {
    if (e instanceof OutputError) throw new UsageError(e.message);
    throw e;
  }
}

/** Write one output: `-` is standard output; a file as output.ts writes it. */
function emit(io: Io, path: string, text: string): void {
  if (path === '-') io.out(text.replace(/\n$/, ''));
  else writeOutput(path, text);
}

/**
 * The `--core` and `--driver` flags as an override. One variant per driver: `--driver X@a --driver
 * X@b` is refused (the run could check only one of them).
 */
function overrides(o: { core?: string; driver?: string[] }): VariantOverride {
  const drivers: Record<string, string> = {};
  for (const d of o.driver ?? []) {
    const [name, variant, extra] = d.split('@');
    if (!name || !variant || extra !== undefined) throw new UsageError(`--driver ${d}: expected name@variant, e.g. amdgpu@clarify`);
    const def = own(DRIVERS, name);
    if (!def) throw new UsageError(`--driver ${d}: unknown driver "${name}" (drivers: ${Object.keys(DRIVERS).join(', ')})`);
    if (!own(def.variants, variant)) throw new UsageError(`--driver ${d}: ${name} has no variant "${variant}" (variants: ${Object.keys(def.variants).join(', ')})`);
    const have = drivers[name];
    if (have !== undefined && have !== variant) throw new UsageError(`--driver ${d} conflicts with --driver ${name}@${have}: every ${name} notifier runs one variant; give one --driver ${name}@VARIANT`);
    drivers[name] = variant;
  }
  if (o.core !== undefined && !own(CORE_VERSIONS, o.core)) throw new UsageError(`--core ${o.core}: unknown core version (known: ${Object.keys(CORE_VERSIONS).join(', ')})`);
  return { ...(o.core === undefined ? {} : { core: o.core }), drivers };
}

/** Each notifier's id (as reports name it) and the `driver@variant` it runs under its scenario's core. */
export function resolvedNotifiers(sc: Scenario): { id: string; use: string; explicit: boolean }[] {
  const core = CORE_VERSIONS[sc.core]!;
  const seen = new Map<string, number>();
  return sc.notifiers.map((n) => {
    const [driver, variant] = n.use.split('@') as [string, string | undefined];
    const k = seen.get(driver) ?? 0;
    seen.set(driver, k + 1);
    return { id: `${driver}${k}`, use: `${driver}@${variant ?? shippedVariant(core, driver)}`, explicit: variant !== undefined };
  });
}

/**
 * The scenario the flags ask for, and a note for every notifier whose variant the command line
 * changed from one the scenario or its variant names: `--driver` over another variant, or `--core`
 * whose callbacks the named variant does not implement (it then runs the driver's variant for that
 * core, as a scenario variant that changes the core does).
 */
function applyFlags(base: Scenario, o: VariantOverride, f: ScenarioFlags): { scenario: Scenario; notes: string[] } {
  const drivers = o.drivers ?? {};
  for (const d of Object.keys(drivers)) {
    if (!base.notifiers.some((n) => n.use.split('@')[0] === d)) {
      throw new UsageError(`--driver ${d}@${drivers[d]}: scenario ${base.name}${f.variant ? ` (variant ${f.variant})` : ''} has no ${d} notifier (its notifiers: ${resolvedNotifiers(base).map((n) => n.use).join(', ') || 'none'})`);
    }
  }
  if (!o.core && !Object.keys(drivers).length) return { scenario: base, notes: [] };
  const from = f.variant ? `variant ${f.variant}` : 'the scenario';
  const notes: string[] = [];
  const asked = Object.keys(drivers).length ? applyVariant(base, { drivers }, 'command line') : base;
  const before = resolvedNotifiers(base);
  resolvedNotifiers(asked).forEach((n, i) => {
    const b = before[i]!;
    if (b.explicit && b.use !== n.use) notes.push(`--driver ${n.use}: ${n.id} runs ${n.use} in place of ${b.use} (${from})`);
  });
  if (!o.core) return { scenario: asked, notes };
  // An explicit --driver keeps its variant: one that does not implement the core's callbacks is refused.
  const sc = applyVariant(asked, { core: o.core, drivers }, 'command line');
  const api = CORE_VERSIONS[o.core]!.api;
  for (const n of resolvedNotifiers(sc)) {
    const [name, variant] = n.use.split('@') as [string, string];
    const have = DRIVERS[name]!.variants[variant]!.api;
    if (drivers[name] && have !== api) {
      const fit = Object.entries(DRIVERS[name]!.variants).filter(([, v]) => v.api === api).map(([k]) => `${name}@${k}`);
      throw new UsageError(`--driver ${n.use} implements the ${have} callbacks, but --core ${o.core} calls the ${api} ones; give a ${api} variant (${fit.join(', ')}) or another --core`);
    }
  }
  const wanted = resolvedNotifiers(asked);
  const core = o.core;
  resolvedNotifiers(sc).forEach((n, i) => {
    const a = wanted[i]!;
    if (!a.explicit || a.use === n.use) return;
    const [name, variant] = n.use.split('@') as [string, string];
    const ships = own(CORE_VERSIONS[core]!.ships ?? {}, name)?.variant === variant ? ` (the ${name} core ${core} ships)` : '';
    notes.push(`--core ${core} calls the ${api} callbacks: ${n.id} runs ${n.use}${ships} in place of ${a.use} (${from}), which implements the other ones`);
  });
  return { scenario: sc, notes };
}

/**
 * `--property` names: a kernel property (`no-sleep`) or one of its checks as reports name them
 * (`no-sleep:might-sleep`, `deadlock:partial:munmap`), each once. Only the kernel property is known
 * before the scenario is built; `refuseUnselected` checks the rest against the model.
 */
function checkProperties(names: string[] | undefined): string[] | undefined {
  for (const p of names ?? []) {
    if (!KERNEL_PROPERTIES.some((k) => k.name === baseName(p))) {
      throw new UsageError(`--property ${p}: unknown property (properties: ${KERNEL_PROPERTIES.map((k) => k.name).join(', ')}; or one of their checks as reports name them, e.g. no-sleep:might-sleep)`);
    }
  }
  return names ? [...new Set(names)] : undefined;
}

/**
 * Refuse a run whose asked-for properties include one with nothing to check in the scenario (a
 * property that does not apply, a sub-property it does not have): it would pass without checking it.
 */
function refuseUnselected(m: KernelModel, sc: Scenario, flags: readonly string[] | undefined, source: string): void {
  const names = flags ?? sc.properties;
  if (!names) return;
  const bad = unselected(m, names);
  if (!bad.length) return;
  const b = bad[0]!;
  const where = flags ? `--property ${b.name}` : `${source}: properties: ${b.name}`;
  if (b.notApplicable) throw new UsageError(`${where} does not apply to scenario ${sc.name}: ${b.notApplicable}, so it would pass without checking anything`);
  throw new UsageError(`${where}: scenario ${sc.name} has no such check; ${baseName(b.name)} there has: ${b.has.join(', ')}`);
}

// ------------------------------------------------------------------------------------ patches

/** A patch file as given: read (one line, exit 2, when it cannot be), parsed, and the sha256 of its bytes. */
function readPatch(file: string): { file: string; patch: Patch; sha256: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read patch ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  // A malformed patch is a PatchError: one line naming the patch's line (main.ts prints it).
  return { file, patch: parsePatch(bytes.toString('utf8'), file), sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** A declaration file as given (`--declare FILE`): read, validated (one line when not), and the sha256 of its bytes. */
function readDeclarations(file: string): DeclarationRecord {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read the declarations ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return { file, sha256: createHash('sha256').update(bytes).digest('hex'), callees: parseDeclarations(bytes.toString('utf8'), file) };
}

/** How reports name a patch: its subject when it is a mail, else its file name. */
function patchName(p: Patch, file: string): string {
  return p.subject ? `"${p.subject}"` : basename(file);
}

/** The one line of a refused patch: its first refused hunk and the numbers of the other refused hunks. */
function refusal(file: string, r: PatchResult): string {
  const refused = r.outcomes.flatMap((o) => (o.kind === 'refused' ? [{ n: o.hunk.index, reason: o.reason }] : []));
  const rest = [...new Set(refused.slice(1).map((x) => x.n))].filter((n) => n !== refused[0]!.n);
  const more = rest.length ? ` (also refused: ${rest.length === 1 ? 'hunk' : 'hunks'} ${rest.join(', ')})` : '';
  return `patch ${file} does not apply, nothing was applied: ${refused[0]!.reason}${more}`;
}

/** The patches of a command line (`--patch FILE...`, `--declare FILE`), read once, and what they do to a scenario. */
interface Patcher {
  /** How reports name them: `the patch "subject"`, `the patches a.patch, "subject"`. */
  readonly label: string;
  /**
   * The scenario with the patches applied in order to its linked functions (`Scenario.replaceFns`,
   * `patches` and `declared` for the trace), a note per patch naming what it changed, and the
   * functions changed; or the one line of the refusal.
   */
  apply(sc: Scenario): { readonly scenario: Scenario; readonly notes: string[]; readonly changed: string[] } | { readonly refused: string };
}

function patcher(files: readonly string[], declare?: string): Patcher {
  if (declare !== undefined && !files.length) throw new UsageError(`--declare ${declare} declares the callees a patch calls: it goes with --patch`);
  const read = files.map(readPatch);
  const declared = declare === undefined ? undefined : readDeclarations(declare);
  return {
    label: `${read.length === 1 ? 'the patch' : 'the patches'} ${read.map((x) => patchName(x.patch, x.file)).join(', ')}`,
    apply(plain) {
      const sc: Scenario = declared ? { ...plain, declared } : plain;
      const r = applyInOrder(
        read.map((x) => x.patch),
        scenarioBase(sc),
      );
      if (r.refused) return { refused: refusal(read[r.results.length - 1]!.file, r.refused) };
      const notes: string[] = [];
      const patches: PatchRecord[] = read.map((x, i) => {
        const res = r.results[i]!;
        const changed = res.changed.map((f) => f.name);
        const outside = res.outcomes.filter((o) => o.kind === 'outside').length;
        notes.push(
          `--patch ${x.file}: ${patchName(x.patch, x.file)} changes ${changed.length ? changed.map((n) => `${n}()`).join(', ') : `no function scenario ${sc.name} runs`}` +
            (outside ? `; ${outside} ${outside === 1 ? 'hunk is' : 'hunks are'} outside the model` : ''),
        );
        return { file: x.file, ...(x.patch.subject ? { subject: x.patch.subject } : {}), sha256: x.sha256, fns: changed };
      });
      if (declared) {
        const names = Object.keys(declared.callees);
        notes.push(`--declare ${declared.file}: ${names.map((n) => `${n}()`).join(', ')} ${names.length === 1 ? 'runs' : 'run'} as declared there`);
      }
      return { scenario: { ...sc, replaceFns: r.fns, patches }, notes, changed: r.fns.map((f) => f.name) };
    },
  };
}

/**
 * `--patch FILE...`: the scenario with the patches applied in order to its linked functions, and a
 * note per patch naming what it changed. A refusal is one line, exit 2.
 */
function withPatches(sc: Scenario, files: readonly string[], declare?: string): { scenario: Scenario; notes: string[] } {
  if (!files.length && declare === undefined) return { scenario: sc, notes: [] };
  const r = patcher(files, declare).apply(sc);
  if ('refused' in r) throw new UsageError(r.refused);
  return r;
}

/**
 * A trace's scenario with its recorded patches re-applied: each read again from its file and
 * checked against its sha256. A patch that cannot be re-applied is one line, exit 2: replaying
 * without it would diverge for a reason the replay could not name.
 */
function repatched(trace: Trace, arg: string): Scenario {
  if (!trace.patches?.length) return trace.scenario;
  const d = trace.declarations;
  let declared: DeclarationRecord | undefined;
  if (d) {
    const why = `${arg} was checked with the declarations ${d.file}, and replay reads them again`;
    try {
      declared = readDeclarations(d.file);
    } catch (e) {
      throw new UsageError(`${why}: ${(e as Error).message}; replay from the directory the check ran in, or with the file at that path`);
    }
    if (declared.sha256 !== d.sha256) throw new UsageError(`${why}: ${d.file} has changed since (its sha256 is ${declared.sha256.slice(0, 16)}..., the trace's ${d.sha256.slice(0, 16)}...)`);
  }
  const base: Scenario = declared ? { ...trace.scenario, declared } : trace.scenario;
  const read = trace.patches.map((p) => {
    const why = `${arg} was checked with the patch ${p.file}${p.subject ? ` ("${p.subject}")` : ''}, and replay re-applies it`;
    let x;
    try {
      x = readPatch(p.file);
    } catch (e) {
      throw new UsageError(`${why}: ${(e as Error).message}; replay from the directory the check ran in, or with the file at that path`);
    }
    if (x.sha256 !== p.sha256) throw new UsageError(`${why}: ${p.file} has changed since (its sha256 is ${x.sha256.slice(0, 16)}..., the trace's ${p.sha256.slice(0, 16)}...)`);
    return x;
  });
  const r = applyInOrder(
    read.map((x) => x.patch),
    scenarioBase(base),
  );
  if (r.refused) throw new UsageError(`${arg}: ${refusal(read[r.results.length - 1]!.file, r.refused)} (the model has changed since the trace was written)`);
  return { ...base, replaceFns: r.fns };
}

/** The flags that say which scenario is checked, and how: shared by `check` and `replay --token`. */
export interface ScenarioFlags {
  variant?: string;
  core?: string;
  driver?: string[];
  patch?: string[];
  declare?: string;
  property?: string[];
  coalesce: boolean;
}

/**
 * The scenario an argument and its flags name: the file or built-in (or `-`, standard input), its
 * `--variant`, then `--core`/`--driver` (validated as a file is); the arguments that name it again,
 * for replay lines; and the file it was read from.
 */
function scenarioOf(io: Io, arg: string, f: ScenarioFlags): { file: ScenarioFile; path?: string; scenario: Scenario; command: string[]; notes: string[]; property?: string[] } {
  const property = checkProperties(f.property);
  const o = overrides(f);
  const { file: sf, path } = loadScenarioInput(arg, io);
  const { scenario: applied, notes } = applyFlags(withVariant(sf, f.variant), o, f);
  let flagged = applied;
  if (applied !== sf) {
    try {
      flagged = loadCheck(applied);
    } catch (e) {
      // What the flags changed is often why the scenario no longer builds (a variant the core ships without the scenario's thread): say it.
      if (!(e instanceof ScenarioError) || !notes.length) throw e;
      throw new ScenarioError(e.path, `${e.message.slice(e.path.length + 2)} [${notes.join('; ')}]`);
    }
  }
  const patched = withPatches(flagged, f.patch ?? [], f.declare);
  const sc = patched.scenario;
  notes.push(...patched.notes);
  const command = scenarioCommand(arg, {
    ...(f.variant === undefined ? {} : { variant: f.variant }),
    ...(f.core === undefined ? {} : { core: f.core }),
    ...(f.driver ? { drivers: f.driver } : {}),
    ...(f.patch ? { patches: f.patch } : {}),
    ...(f.declare === undefined ? {} : { declare: f.declare }),
    ...(property ? { properties: property } : {}),
    coalesce: f.coalesce,
  });
  return { file: sf, ...(path === undefined ? {} : { path }), scenario: sc, command, notes, ...(property ? { property } : {}) };
}

/**
 * Stop a run at SIGINT (Ctrl-C) or SIGTERM: the run ends as incomplete and reports what it explored;
 * a second signal quits at once. Returns the function that removes the handlers.
 */
function stopOnSignals(io: Io, ac: AbortController): () => void {
  let signals = 0;
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((sig) => {
    const h = (): void => {
      signals++;
      if (signals > 1) process.exit(sig === 'SIGINT' ? 130 : 143);
      io.err(`mnc: interrupted (${sig}): stopping and reporting what was explored (${sig === 'SIGINT' ? 'Ctrl-C' : 'a second signal'} again quits at once)`);
      ac.abort();
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
}

// ------------------------------------------------------------------------------------ commands

export interface CheckFlags extends ScenarioFlags {
  all?: boolean;
  first?: boolean;
  strategy?: Strategy;
  seed?: number;
  walks?: number;
  maxStates?: number;
  maxDepth?: number;
  time?: number;
  json?: string;
  html?: string;
  quiet?: boolean;
  forecast?: boolean;
  /** false with --no-symmetry. */
  symmetry?: boolean;
  /** Worker threads of the exploration (--jobs). */
  jobs?: number;
}

/** `prepared`: the workers of a run with `--jobs`, started by the caller (closed by it, once this has returned). */
export async function cmdCheck(io: Io, arg: string, f: CheckFlags, prepared?: PreparedWorkers): Promise<number> {
  if (f.forecast) return cmdForecast(io, arg, f);
  if (f.first && f.all) throw new UsageError('--first stops at the first violation and --all goes on to decide every property: give one of them');
  if (f.first && f.strategy !== undefined && f.strategy !== 'dfs') throw new UsageError(`--first searches depth-first: leave out --strategy ${f.strategy}`);
  const jobs = f.jobs ?? 1;
  if (jobs > 1 && f.first) throw new UsageError('--first searches depth-first on one thread: leave out --jobs');
  if (jobs > 1 && f.strategy !== undefined && f.strategy !== 'bfs') throw new UsageError(`--jobs explores breadth-first on several threads: leave out --strategy ${f.strategy}, or --jobs`);
  const { file: sf, path, scenario: sc, command, notes, property } = scenarioOf(io, arg, f);
  // Before exploring: the outputs can be written, and none is the scenario or the other output.
  checkOutputFiles([{ flag: '--json', path: f.json }, { flag: '--html', path: f.html }], [path, ...patchInputs(f)]);
  const symmetry = f.symmetry === false ? { symmetry: false } : {};
  const model = modelOf(sc, { coalesce: f.coalesce, ...symmetry, ...(property ? { properties: property } : {}) });
  refuseUnselected(model, sc, property, arg);
  const ac = new AbortController();
  const progress = makeProgress(sf.name, process.stderr, { quiet: f.quiet === true });
  // With the progress display, once the run has taken a second (when the display appears), a
  // forecast of its size is sampled on a worker thread (src/report/forecast-job.ts): it never
  // touches this run's model, and is shown when it arrives, unless the run has ended.
  const strategy = f.first ? 'dfs' : (f.strategy ?? 'bfs');
  let task: ForecastTask | undefined;
  let ended = false;
  const onProgress = (p: Parameters<typeof progress.update>[0]): void => {
    progress.update(p);
    if (f.quiet === true || strategy === 'random' || task !== undefined || p.elapsedMs < 1000) return;
    task = startForecast({ scenario: sc, coalesce: f.coalesce, ...symmetry, ...(property ? { properties: property } : {}), seed: f.seed ?? 0, ...(f.maxDepth === undefined ? {} : { maxDepth: f.maxDepth }) });
    void task.result.then((fc) => {
      if (fc !== undefined && !ended) progress.forecast(fc);
    });
  };
  const ro: RunOptions = {
    // Without --all, stop at the first violation (breadth-first: a shortest counterexample).
    findAll: f.all === true,
    coalesce: f.coalesce,
    ...symmetry,
    ...(property ? { properties: property } : {}),
    ...(f.first ? { strategy: 'dfs' as const } : f.strategy ? { strategy: f.strategy } : {}),
    ...(f.seed !== undefined ? { seed: f.seed } : {}),
    ...(f.walks !== undefined ? { walks: f.walks } : {}),
    ...(f.maxStates !== undefined ? { maxStates: f.maxStates } : {}),
    ...(f.maxDepth !== undefined ? { maxDepth: f.maxDepth } : {}),
    ...(f.time !== undefined ? { timeMs: f.time * 1000 } : {}),
    ...(jobs > 1 ? { workers: jobs, ...(prepared === undefined ? {} : { prepared }) } : {}),
    signal: ac.signal,
    onProgress,
    progressIntervalMs: 200,
  };
  const unhook = stopOnSignals(io, ac);
  let run;
  const started = performance.now();
  try {
    run = await runScenarioAsync(sc, ro, f.variant, model);
    if (f.first) run = shortenFirst(run, notes, { maxStates: f.maxStates, timeMs: f.time === undefined ? undefined : f.time * 1000 - (performance.now() - started), signal: ac.signal });
  } finally {
    ended = true;
    task?.stop();
    progress.done();
    unhook();
  }
  // One trace, built once: the text, the JSON file and the HTML page are views of it.
  const trace = buildTrace(run, command, undefined, notes);
  // With an output on standard output, the report goes to standard error.
  const toStdout = f.json === '-' || f.html === '-';
  (toStdout ? io.err : io.out)(paintReport(formatTrace(trace), paintOf(io, toStdout)));
  const n = trace.counterexamples.length;
  const code = n ? EXIT.violation : run.result.status === 'incomplete' ? EXIT.incomplete : EXIT.ok;
  const what = n === 1 ? `the counterexample of ${trace.counterexamples[0]!.property}` : `${n} counterexamples`;
  if (n) {
    try {
      if (f.json !== undefined) {
        emit(io, f.json, traceJson(trace));
        if (f.json !== '-') io.err(`mnc: trace of ${what} written to ${f.json}`);
      }
      if (f.html !== undefined) {
        const { renderHtml } = await import('../report/html.ts');
        emit(io, f.html, renderHtml(trace));
        if (f.html !== '-') io.err(`mnc: trace viewer of ${what} written to ${f.html}`);
      }
    } catch (e) {
      if (!(e instanceof OutputError)) throw e;
      // The verdict stands (it is printed above); the exit code says the output is missing.
      io.err(`mnc: ${e.message}; the run itself found ${what} (exit ${code} without this output)`);
      return EXIT.usage;
    }
  } else if (f.json !== undefined || f.html !== undefined) {
    io.err('mnc: no violation was found, so there is no trace to write');
  }
  return code;
}

/** How long `check --forecast` runs the real exploration to measure its cost per state. */
export const PILOT_MS = 1000;

/**
 * `check --forecast`: the forecast alone (src/checker/forecast.ts), and no verdict. The estimate of
 * the states comes from random walks through the run's model (the same reduction); the cost per
 * state from the run itself, explored for its first second ({@link PILOT_MS}, every property
 * checked as with --all). When that second covers the whole space, or all the run would explore
 * within --max-depth or --max-states, the count is exact and said so. Exit 0, or 3 when a signal
 * stopped it.
 */
async function cmdForecast(io: Io, arg: string, f: CheckFlags): Promise<number> {
  if (f.json !== undefined || f.html !== undefined) throw new UsageError(`--forecast finds no counterexample to write: leave out ${f.json !== undefined ? '--json' : '--html'}`);
  if (f.strategy === 'random') throw new UsageError('--forecast estimates the states of a complete run, which the random strategy does not make: leave out --strategy random');
  if ((f.jobs ?? 1) > 1) throw new UsageError('--forecast times its pilot run on one thread: leave out --jobs');
  const { file: sf, scenario: sc, notes, property } = scenarioOf(io, arg, f);
  const options = { coalesce: f.coalesce, ...(f.symmetry === false ? { symmetry: false } : {}), ...(property ? { properties: property } : {}) };
  const model = modelOf(sc, options);
  refuseUnselected(model, sc, property, arg);
  const name = `${sf.name}${f.variant === undefined ? '' : ` (variant ${f.variant})`}`;
  const ac = new AbortController();
  const unhook = stopOnSignals(io, ac);
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  try {
    // The pilot: the run's first second, on a model of its own.
    const pilot = await checkAsync(modelOf(sc, options), {
      findAll: true,
      timeMs: PILOT_MS,
      signal: ac.signal,
      ...(f.maxDepth === undefined ? {} : { maxDepth: f.maxDepth }),
      ...(f.maxStates === undefined ? {} : { maxStates: f.maxStates }),
    });
    const lines = [...notes.map((x) => `note: ${x}`)];
    const ps = pilot.stats;
    const took = `${(ps.elapsedMs / 1000).toFixed(1)} s`;
    // The first second covered what the run would: no estimate needed.
    if (pilot.status === 'pass' || (pilot.status === 'violation' && pilot.complete)) {
      io.out([`${name}: the whole space explored in ${took}: ${n(ps.states)} states (no estimate needed)`, ...lines].join('\n'));
      return EXIT.ok;
    }
    if (pilot.status === 'incomplete' && pilot.reason === 'max-depth') {
      io.out([`${name}: the space within --max-depth ${f.maxDepth} explored in ${took}: ${n(ps.states)} states (no estimate needed; the run stops at that depth: incomplete)`, ...lines].join('\n'));
      return EXIT.ok;
    }
    if (pilot.status === 'incomplete' && pilot.reason === 'max-states') {
      io.out([`${name}: --max-states ${f.maxStates} reached in ${took} (no estimate needed; the run stops there: incomplete)`, ...lines].join('\n'));
      return EXIT.ok;
    }
    if (pilot.status === 'incomplete' && pilot.reason === 'interrupted') {
      io.out(`${name}: interrupted before the forecast (${n(ps.states)} states explored)`);
      return EXIT.incomplete;
    }
    const fc = forecast(model, { seed: f.seed ?? 0, signal: ac.signal, ...(f.maxDepth === undefined ? {} : { maxDepth: f.maxDepth }) });
    const rate = ps.elapsedMs > 0 ? (ps.states * 1000) / ps.elapsedMs : 0;
    const seconds = rate > 0 ? fc.states / rate : Number.NaN;
    const spread = fc.low === fc.high ? '' : `, ${n(fc.low)}-${n(fc.high)} by their variance`;
    lines.unshift(`${name}: forecast of a complete run`);
    lines.push(
      `  states: at least ~${approx(fc.states)} (Chao's lower estimate from ${n(fc.walks)} random walks${spread}; ${n(fc.seen)} states met; seed ${f.seed ?? 0})`,
      rate > 0 ? `  time:   at least ~${roughDuration(seconds)} at ${n(rate)} states/s (the run's first ${(ps.elapsedMs / 1000).toFixed(1)} s: ${n(ps.states)} states)` : '  time:   unknown (the first second of the run recorded no state)',
      '  The whole space can be many times larger than this estimate (docs/checker.md, "Forecast", compares it with the truth).',
    );
    if (f.maxStates !== undefined && fc.states > f.maxStates) lines.push(`  --max-states ${f.maxStates} stops the run before it covers that: incomplete`);
    if (f.time !== undefined && seconds > f.time) lines.push(`  --time ${f.time} stops the run before it covers that: incomplete`);
    if (fc.interrupted) lines.push('  (the sample was interrupted: the estimate covers what was sampled)');
    io.out(lines.join('\n'));
    return fc.interrupted ? EXIT.incomplete : EXIT.ok;
  } finally {
    unhook();
  }
}

/**
 * `check --first`: the run stopped at the first violation it met depth-first; its counterexample is
 * made shorter by depth-bounded re-runs for the same property (src/checker/shorten.ts), within
 * `--max-states` (default: ten times the states of the run, at least 100,000) and what is left of
 * `--time`. A note in the header says how long it was and what the shortening did.
 */
function shortenFirst(run: ScenarioRun, notes: string[], o: { maxStates?: number; timeMs?: number; signal: AbortSignal }): ScenarioRun {
  const r = run.result;
  if (r.status === 'pass' || r.violation === undefined) return run;
  const s = shorten(run.model, r.violation, {
    maxStates: o.maxStates ?? Math.max(100_000, 10 * r.stats.states),
    ...(o.timeMs === undefined ? {} : { timeMs: Math.max(0, o.timeMs) }),
    signal: o.signal,
  });
  const to = s.counterexample.path.steps.length;
  const how =
    s.stopped === 'not-shortened'
      ? 'a liveness finding, not shortened'
      : to < s.fromSteps
        ? `shortened to ${to} steps by ${s.runs} depth-bounded re-runs (${s.states} states)${s.stopped === 'budget' ? '; the budget ran out, a shorter one may exist' : ''}`
        : `no shorter one within ${s.runs} depth-bounded re-run${s.runs === 1 ? '' : 's'} (${s.states} states)${s.stopped === 'budget' ? '; the budget ran out' : ''}`;
  notes.push(`--first: the first violation found depth-first, of ${r.violation.property}, had ${s.fromSteps} steps; ${how}`);
  const cx = s.counterexample;
  const swap = <T extends { property: string }>(v: T): T => (v.property === cx.property ? { ...v, ...('counterexample' in v ? { counterexample: cx } : {}) } : v);
  return {
    ...run,
    result: {
      ...r,
      violation: cx,
      violations: r.violations.map((v) => (v.property === cx.property ? cx : v)),
      verdicts: r.verdicts.map(swap),
    },
  };
}

/**
 * Validate a scenario changed on the command line exactly as a file is validated. Returns the copy
 * it checked (the same scenario), whose program is then linked already.
 */
function loadCheck(sc: Scenario): Scenario {
  return parseScenario(JSON.stringify(sc), 'command line');
}

/**
 * The built-in scenario files, by name, for `mnc list`: checked against the schema only (what the
 * listing shows is what the files say; building every variant of every file, which `mnc check` and
 * `mnc matrix` do for the one they run, took `mnc list` over two seconds).
 */
function listedBuiltins(): { readonly name: string; readonly sf: ScenarioFile }[] {
  return builtinNames().map((name) => ({ name, sf: loadBuiltin(name, { model: false }) }));
}

/** Everything `mnc list` shows, as data (`mnc list --json` prints it as it is). */
export function listing(): Record<string, unknown> {
  return {
    format: 'mnc-list',
    version: 1,
    scenarios: listedBuiltins().map(({ name, sf }) => ({
      name,
      ...(sf.description ? { description: sf.description } : {}),
      core: sf.core,
      variants: Object.entries(sf.variants ?? {}).map(([variant, v]) => ({ name: variant, ...v })),
    })),
    cores: Object.values(CORE_VERSIONS).map((v) => ({
      name: v.name,
      description: v.description,
      api: v.api,
      shipped: Object.fromEntries(
        Object.keys(DRIVERS)
          .sort()
          .filter((d) => runsOn(v, d))
          .map((d) => [d, shippedVariant(v, d)]),
      ),
      ...(v.ships ? { evidence: Object.fromEntries(Object.entries(v.ships).map(([d, x]) => [d, x.why])) } : {}),
    })),
    drivers: Object.values(DRIVERS).map((d) => ({
      name: d.name,
      description: d.description,
      variants: Object.entries(d.variants).map(([name, v]) => ({
        name,
        description: v.description,
        api: v.api,
        ...(v.params ? { params: { ...v.params } } : {}),
        threads: Object.entries(v.threads ?? {}).map(([kind, t]) => ({ kind: `${d.name}:${kind}`, description: t.description, params: { ...(t.params ?? {}) } })),
      })),
    })),
    threads: Object.entries(CORE_THREADS).map(([kind, t]) => ({ kind, description: t.description, params: { ...t.params } })),
    properties: KERNEL_PROPERTIES.map((p) => ({ name: p.name, summary: p.summary })),
  };
}

export function cmdList(io: Io, f: { json?: boolean } = {}): number {
  if (f.json) {
    io.out(JSON.stringify(listing(), null, 2));
    return EXIT.ok;
  }
  const out: string[] = ['Built-in scenarios (mnc check NAME [--variant V]):'];
  for (const { name: n, sf } of listedBuiltins()) {
    out.push(`  ${n}${sf.variants ? `  [variants: ${Object.keys(sf.variants).join(', ')}]` : ''}`);
    if (sf.description) out.push(`      ${sf.description}`);
  }
  out.push('', 'Core versions (--core):');
  for (const v of Object.values(CORE_VERSIONS)) {
    out.push(`  ${v.name}`, `      ${v.description}`);
    const shipped = Object.keys(DRIVERS)
      .sort()
      .filter((d) => runsOn(v, d))
      .map((d) => `${d}@${shippedVariant(v, d)}`);
    out.push(`      drivers as this kernel shipped them (a notifier named without @variant): ${shipped.join(', ')}`);
    for (const [d, s] of Object.entries(v.ships ?? {})) out.push(`        ${d}@${s.variant}: ${s.why}`);
  }
  out.push('', 'Drivers and their variants (--driver name@variant):');
  for (const d of Object.values(DRIVERS)) {
    out.push(`  ${d.name}: ${d.description}`);
    for (const [vn, v] of Object.entries(d.variants)) out.push(`    @${vn}: ${v.description}`);
    // Threads the driver contributes, once each, with the variants that have them when not all do.
    const kinds = new Map<string, { description: string; params: string[]; variants: string[] }>();
    for (const [vn, v] of Object.entries(d.variants)) {
      for (const [tk, t] of Object.entries(v.threads ?? {})) {
        const k = kinds.get(tk) ?? { description: t.description, params: Object.keys(t.params ?? {}), variants: [] };
        k.variants.push(vn);
        kinds.set(tk, k);
      }
    }
    const all = Object.keys(d.variants).length;
    // Notifier parameters (a scenario's notifiers[i].params), once each, with the variants that take them when not all do.
    const nparams = new Map<string, { description: string; variants: string[] }>();
    for (const [vn, v] of Object.entries(d.variants)) {
      for (const [pn, pd] of Object.entries(v.params ?? {})) {
        const e = nparams.get(pn) ?? { description: pd, variants: [] };
        e.variants.push(vn);
        nparams.set(pn, e);
      }
    }
    for (const [pn, e] of nparams) {
      const only = e.variants.length < all ? ` [variants ${e.variants.join(', ')}]` : '';
      out.push(`    notifier param ${pn}${only}: ${e.description}`);
    }
    for (const [tk, k] of kinds) {
      const only = k.variants.length < all ? ` [variants ${k.variants.join(', ')}]` : '';
      out.push(`    thread ${d.name}:${tk}${k.params.length ? ` (${k.params.join(', ')})` : ''}${only}: ${k.description}`);
    }
  }
  out.push('', 'Core threads (scenario "threads": [{ "kind": ... }]):');
  for (const [k, t] of Object.entries(CORE_THREADS)) out.push(`  ${k}${Object.keys(t.params).length ? ` (${Object.keys(t.params).join(', ')})` : ''}: ${t.description}`);
  out.push('', 'Properties (--property):');
  for (const p of KERNEL_PROPERTIES) out.push(`  ${p.name}: ${p.summary}`);
  io.out(out.join('\n'));
  return EXIT.ok;
}

export interface MatrixFlags {
  json?: string;
  scenario?: string[];
  core?: string;
  coalesce: boolean;
  maxStates?: number;
  time?: number;
  quiet?: boolean;
  all?: boolean;
  jobs?: number;
}

/** `about 1 min 20 s` */
function duration(s: number): string {
  const r = Math.round(s);
  return r < 60 ? `${r} s` : `${Math.floor(r / 60)} min ${r % 60} s`;
}

export async function cmdMatrix(io: Io, f: MatrixFlags): Promise<number> {
  checkOutputFiles([{ flag: '--json', path: f.json }], []);
  for (const s of f.scenario ?? []) if (!builtinNames().includes(s)) throw new UsageError(`--scenario ${s}: no built-in scenario has this name (built-in: ${builtinNames().join(', ')})`);
  const { core } = overrides({ ...(f.core === undefined ? {} : { core: f.core }) });
  const jobs = matrixJobs(f.scenario);
  const ro: MatrixRunOptions = {
    coalesce: f.coalesce,
    ...(core === undefined ? {} : { core }),
    ...(f.maxStates !== undefined ? { maxStates: f.maxStates } : {}),
    ...(f.time !== undefined ? { timeMs: f.time * 1000 } : {}),
  };
  // The runs go to worker threads (--jobs of them, default one per core), so that a signal can stop
  // them and the table of what ran is still printed.
  const n = f.jobs ?? availableParallelism();
  const t0 = performance.now();
  let done = 0;
  const ac = new AbortController();
  const unhook = stopOnSignals(io, ac);
  let result;
  try {
    result = await computeMatrixParallel(jobs, ro, n, f.all === true, (r) => {
      done++;
      if (f.quiet) return;
      const elapsed = (performance.now() - t0) / 1000;
      const left = done < jobs.length ? `; about ${duration((elapsed / done) * (jobs.length - done))} left` : '';
      io.err(`mnc: [${done}/${jobs.length}] ${r.scenario}${r.variant ? ` @ ${r.variant}` : ''}: ${r.status}${r.status === 'cannot run' ? ` on core ${core}` : `, ${r.states} states, ${r.seconds.toFixed(1)} s`}${left}`);
    }, ac.signal);
  } finally {
    unhook();
  }
  const { rows, notRun } = result;
  // With --json -, the table goes to standard error and standard output is the JSON alone.
  const toStderr = f.json === '-';
  const report = toStderr ? io.err : io.out;
  if (core !== undefined) report(`every run on core ${core}`);
  report(formatMatrix(rows, mark(paintOf(io, toStderr)), notRun));
  if (f.all) {
    const all = formatMatrixCounterexamples(rows);
    if (all) report(paintReport(all, paintOf(io, toStderr)));
  }
  const code = notRun.length || rows.some((r) => r.status.startsWith('incomplete')) ? EXIT.incomplete : EXIT.ok;
  if (f.json !== undefined) {
    const data = rows.map((r) => ({ scenario: r.scenario, variant: r.variant ?? null, status: r.status, ...(r.why === undefined ? {} : { why: r.why }), states: r.states, seconds: Number(r.seconds.toFixed(3)), verdicts: r.verdicts }));
    const skipped = notRun.map((j) => ({ scenario: j.scenario, variant: j.variant ?? null }));
    try {
      emit(io, f.json, `${JSON.stringify({ format: 'mnc-matrix', version: 1, ...(core === undefined ? {} : { core }), rows: data, ...(skipped.length ? { notRun: skipped } : {}) }, null, 2)}\n`);
    } catch (e) {
      if (!(e instanceof OutputError)) throw e;
      io.err(`mnc: ${e.message}; the matrix is above (exit ${code} without this output)`);
      return EXIT.usage;
    }
  }
  return code;
}

export interface CompareFlags {
  before?: string;
  after?: string;
  patch?: string[];
  declare?: string;
  coalesce: boolean;
  quiet?: boolean;
  all?: boolean;
  json?: string;
  maxStates?: number;
  time?: number;
  jobs?: number;
}

export async function cmdCompare(io: Io, scenarios: string[], f: CompareFlags): Promise<number> {
  const patching = f.patch !== undefined;
  if (patching && f.after !== undefined) {
    throw new UsageError(`--after ${f.after} with --patch: the after side is each scenario with the patches applied; leave out --after (--before may name the core, driver@variant or variant they apply to)`);
  }
  if (!patching && f.declare !== undefined) throw new UsageError(`--declare ${f.declare} declares the callees a patch calls: it goes with --patch`);
  if (!patching && (f.before === undefined || f.after === undefined)) {
    throw new UsageError(`compare needs two sides, --before SIDE and --after SIDE, or --patch FILE (each scenario against itself patched)`);
  }
  // Read and check the patches and declarations first: a bad one is one line before anything loads.
  const p = patching ? patcher(f.patch!, f.declare) : undefined;
  const names = scenarios.length ? scenarios : builtinNames();
  // A patch comparison runs no variant but the one --before may name, which is checked as a
  // scenario when it is applied (before anything runs). Of the built-ins it compares by default
  // (whose variants the test suite checks), the others are not built; a file named is checked whole.
  const inputs = names.map((arg) => ({ ...loadScenarioInput(arg, io, patching && !scenarios.length ? { variants: false } : {}), arg }));
  checkOutputFiles([{ flag: '--json', path: f.json }], [...inputs.map((i) => i.path), ...patchInputs(f)]);
  const ac = new AbortController();
  const unhook = stopOnSignals(io, ac);
  const t0 = performance.now();
  const ro: CompareOptions = {
    coalesce: f.coalesce,
    ...(f.maxStates !== undefined ? { maxStates: f.maxStates } : {}),
    ...(f.time !== undefined ? { timeMs: f.time * 1000 } : {}),
    // --jobs N: the runs go to N worker threads. Default one after the other, here: a worker
    // compiles and warms up the model on its own, which the short runs of a comparison do not repay
    // on two cores (docs/patches.md has the figures).
    jobs: f.jobs ?? 1,
    signal: ac.signal,
  };
  const log = (msg: string, done: number, total: number): void => {
    if (f.quiet) return;
    const elapsed = (performance.now() - t0) / 1000;
    io.err(`mnc: [${done}/${total}] ${msg}${done < total ? `; about ${duration((elapsed / done) * (total - done))} left` : ''}`);
  };
  let cmp;
  try {
    cmp = p
      ? await comparePatched(
          inputs,
          {
            label: p.label,
            files: f.patch!,
            ...(f.declare === undefined ? {} : { declare: f.declare }),
            apply: (sc) => {
              const r = p.apply(sc);
              return 'refused' in r ? r : { scenario: r.scenario, changed: r.changed };
            },
          },
          ro,
          log,
          f.before,
          scenarios.length > 0,
        )
      : await compareSides(inputs, f.before!, f.after!, ro, log);
  } finally {
    unhook();
  }
  // With --json -, the table goes to standard error and standard output is the JSON alone.
  const toStderr = f.json === '-';
  (toStderr ? io.err : io.out)(paintComparison(paintReport(formatComparison(cmp, f.all === true), paintOf(io, toStderr)), paintOf(io, toStderr)));
  const code = cmp.notRun.length || cmp.pairs.some((p) => p.incomplete) ? EXIT.incomplete : cmp.pairs.some((p) => p.introduced.length) ? EXIT.violation : EXIT.ok;
  if (f.json !== undefined) {
    try {
      emit(io, f.json, comparisonJson(cmp));
    } catch (e) {
      if (!(e instanceof OutputError)) throw e;
      io.err(`mnc: ${e.message}; the comparison is above (exit ${code} without this output)`);
      return EXIT.usage;
    }
  }
  return code;
}

export interface PatchFlags {
  core?: string;
  driver?: string[];
  declare?: string;
}

/** The core `mnc patch` applies to without --core: the kernel as merged. */
export const PATCH_CORE = 'v4.19';

/**
 * `mnc patch FILE`: apply a patch to the model (a core version and every driver's variant, as a
 * scenario with one notifier of each would link them) and print, per hunk, the modelled function it
 * changed with its new golden listing, or why it is outside the model. A refused hunk or a malformed
 * patch: one line, exit 2, nothing applied.
 */
export interface HistoryFlags {
  variant?: string;
  property?: string[];
  coalesce: boolean;
  maxStates?: number;
  time?: number;
  quiet?: boolean;
}

/**
 * `mnc history SCENARIO`: the scenario on every core version, oldest first (each core running the
 * driver variants it calls where the scenario's cannot be called there, as `check --core` does), and
 * the table of which checks each finds violated. Exit 0 when every run completed (the history is
 * information, not a verdict), 3 when a bound or a signal stopped one.
 */
export async function cmdHistory(io: Io, arg: string, f: HistoryFlags): Promise<number> {
  // Standard input is read once, for every core.
  let text: string | undefined;
  const io1: Io = { ...io, stdin: () => (text ??= (io.stdin ?? (() => readFileSync(0, 'utf8')))()) };
  const flags: ScenarioFlags = { ...(f.variant === undefined ? {} : { variant: f.variant }), ...(f.property ? { property: f.property } : {}), coalesce: f.coalesce };
  // The scenario as written, and the flags: what is wrong with them is one line, exit 2.
  const name = scenarioOf(io1, arg, flags).file.name;
  const ac = new AbortController();
  const unhook = stopOnSignals(io, ac);
  const cols: HistoryColumn[] = [];
  try {
    for (const [i, core] of CORE_VERSION_NAMES.entries()) {
      if (ac.signal.aborted) break;
      let sc;
      let notes: string[];
      let property: string[] | undefined;
      try {
        const got = scenarioOf(io1, arg, { ...flags, core });
        sc = got.scenario;
        notes = got.notes;
        property = got.property;
      } catch (e) {
        // A scenario this core cannot run (a thread kind or a driver it lacks): a column that says so.
        if (!(e instanceof UsageError || e instanceof ScenarioError)) throw e;
        cols.push({ core, status: 'cannot run', states: 0, verdicts: {}, notes: [`cannot run it: ${e.message}`] });
        continue;
      }
      const t0 = performance.now();
      const run = await runScenarioAsync(sc, {
        findAll: true,
        coalesce: f.coalesce,
        ...(property ? { properties: property } : {}),
        ...(f.maxStates !== undefined ? { maxStates: f.maxStates } : {}),
        ...(f.time !== undefined ? { timeMs: f.time * 1000 } : {}),
        signal: ac.signal,
      });
      const r = run.result;
      const verdicts: Record<string, 'holds' | 'violated' | 'unknown'> = {};
      for (const v of r.verdicts) verdicts[v.property] = v.status;
      const status = r.status === 'incomplete' ? `incomplete (${r.reason})` : r.status;
      cols.push({ core, status, states: r.stats.states, verdicts, notes, drivers: notifiersOf(run.model).map((n) => n.use) });
      if (!f.quiet) io.err(`mnc: [${i + 1}/${CORE_VERSION_NAMES.length}] ${core}: ${status}, ${r.stats.states} states, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    unhook();
  }
  const title = `history of ${name}${f.variant === undefined ? '' : ` (variant ${f.variant})`} on every core version, oldest first: FAIL a check the exploration found violated, ok one it proved, ? undecided, - does not apply`;
  io.out(formatHistory(title, cols));
  const stopped = cols.length < CORE_VERSION_NAMES.length || cols.some((c) => c.status.startsWith('incomplete'));
  return stopped ? EXIT.incomplete : EXIT.ok;
}

export function cmdPatch(io: Io, file: string, f: PatchFlags): number {
  const o = overrides(f);
  const core = o.core ?? PATCH_CORE;
  const api = CORE_VERSIONS[core]!.api;
  const drivers = o.drivers ?? {};
  for (const [d, v] of Object.entries(drivers)) {
    const have = DRIVERS[d]!.variants[v]!.api;
    if (have !== api) {
      const fit = Object.entries(DRIVERS[d]!.variants).filter(([, x]) => x.api === api).map(([k]) => `${d}@${k}`);
      throw new UsageError(`--driver ${d}@${v} implements the ${have} callbacks, but core ${core} calls the ${api} ones; give a ${api} variant (${fit.join(', ')}) or another --core`);
    }
  }
  const x = readPatch(file);
  const declared = f.declare === undefined ? undefined : readDeclarations(f.declare);
  const base = configBase(core, drivers, declared);
  const r = applyInOrder([x.patch], base);
  if (r.refused) throw new UsageError(`${refusal(file, r.refused)} [applied to core ${core}: --core and --driver choose the functions]`);
  const res = r.results[0]!;
  const named = Object.entries(drivers).map(([d, v]) => `${d}@${v}`);
  const out: string[] = [];
  if (x.patch.subject) out.push(`patch: ${x.patch.subject}`);
  out.push(`applied to core ${core} with ${named.length ? `${named.join(', ')} and every other driver` : 'every driver'} as that kernel shipped it (--core, --driver choose others)`);
  if (declared) out.push(`declared in ${declared.file}: ${Object.keys(declared.callees).map((n) => `${n}()`).join(', ')}`);
  const final = new Map(res.changed.map((fn) => [fn.name, fn]));
  const listedAt = new Map<string, number>();
  for (const oc of res.outcomes) {
    const h = oc.hunk;
    const head = `hunk ${h.index} (${h.file}${h.context ? `, @@ ${h.context}` : ''})`;
    if (oc.kind === 'outside') {
      out.push('', `${head}: outside the model: ${oc.reason}`);
      continue;
    }
    if (oc.kind === 'refused') continue; // not reached: a refused patch stops above
    out.push('', `${head}: changed ${oc.fns.map((n) => `${n}()`).join(', ')}`);
    for (const n of oc.notes) out.push(`  note: ${n}`);
    for (const n of oc.fns) {
      const at = listedAt.get(n);
      if (at !== undefined) {
        out.push(`  ${n}() after every hunk: listed under hunk ${at}`);
        continue;
      }
      listedAt.set(n, h.index);
      const fn = final.get(n)!;
      if (res.outcomes.filter((y) => y.kind === 'applied' && y.fns.includes(n)).length > 1) out.push(`  ${n}() after every hunk of the patch:`);
      out.push(goldenListing([fn], base).replace(/\n$/, ''));
    }
  }
  if (!res.changed.length) out.push('', 'no modelled function changed');
  io.out(out.join('\n'));
  return EXIT.ok;
}

export function cmdReplay(io: Io, arg: string, f: ScenarioFlags & { token?: string }): number {
  if (f.token !== undefined) return replayToken(io, arg, f.token, f);
  let text: string;
  try {
    text = readFileSync(arg, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read trace ${arg}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`trace ${arg} is not valid JSON (${(e as Error).message})`);
  }
  if (f.variant !== undefined || f.core !== undefined || f.driver || f.patch || f.declare !== undefined || f.property || !f.coalesce) {
    throw new UsageError('--variant, --core, --driver, --patch, --declare, --property and --no-coalesce go with --token; a trace file records its scenario, patches, declarations and options');
  }
  const parsed = parseTrace(data, arg);
  const trace = parsed.version === 1 ? parsed : { ...parsed, scenario: repatched(parsed, arg) };
  const r = replayTrace(trace);
  const n = r.outcomes.length;
  const which = (k: number, property: string): string => (n === 1 ? `(${property})` : `(counterexample ${k + 1} of ${n}, ${property})`);
  r.outcomes.forEach((o, k) => {
    if (o.status === 'diverged') throw new UsageError(`replay of ${arg} diverged at step ${o.step} ${which(k, o.property)}: ${o.reason}`);
    if (o.status === 'not-reproduced') throw new UsageError(`replay of ${arg} followed every step but does not reproduce ${o.property} ${which(k, o.property)}: ${o.reason}`);
  });
  const out = [
    `replayed ${n === 1 ? 'the counterexample' : `all ${n} counterexamples`} of ${trace.scenario.name}${trace.variant ? ` (variant ${trace.variant})` : ''} from ${arg}`,
    r.version === 1
      ? 'this is a version-1 trace: its states are checked by fingerprints only (64-bit hashes; a collision would go unnoticed); mnc check --json now writes version 2, which records every state in full'
      : 'every state, initial and after each step, matches its recorded full encoding',
  ];
  for (const o of r.outcomes) {
    if (o.status !== 'confirmed') continue;
    out.push('', `the violation of ${o.property} is confirmed (${o.steps} ${o.steps === 1 ? 'step' : 'steps'}):`, o.finding.header, ...o.finding.details);
  }
  io.out(out.join('\n'));
  return EXIT.violation;
}

/**
 * Why a replay token does not replay, said usefully: a token depends on the configuration it was
 * printed for (the variant, core, drivers, properties and reduction), so one replayed without its
 * `--variant` diverges although the model has not changed. Tries the scenario's other variants (and
 * none) with the other flags as given, and names the one the token replays on with its command.
 */
function divergence(message: string, sf: ScenarioFile, arg: string, token: string, f: ScenarioFlags, property: string[] | undefined): string {
  const fits: (string | undefined)[] = [];
  for (const v of [undefined, ...Object.keys(sf.variants ?? {})]) {
    if (v === f.variant) continue;
    try {
      const { scenario: flagged } = applyFlags(withVariant(sf, v), overrides(f), { ...f, variant: v });
      const { scenario } = withPatches(flagged, f.patch ?? [], f.declare);
      replay(scenarioModel(scenario, { coalesce: f.coalesce, ...(property ? { names: property } : {}) }), token);
      fits.push(v);
    } catch {
      // Not this one.
    }
  }
  const base = message.replace(/ \(the model has changed\)$/, '');
  if (fits.length) {
    const v = fits[0];
    const command = scenarioCommand(arg, {
      ...(v === undefined ? {} : { variant: v }),
      ...(f.core === undefined ? {} : { core: f.core }),
      ...(f.driver ? { drivers: f.driver } : {}),
      ...(f.patch ? { patches: f.patch } : {}),
      ...(f.declare === undefined ? {} : { declare: f.declare }),
      ...(property ? { properties: property } : {}),
      coalesce: f.coalesce,
    });
    const line = ['mnc', 'replay', '--token', shellQuote(token), ...command.map(shellQuote)].join(' ');
    return `${base}; it replays ${v === undefined ? 'without --variant' : `with --variant ${v}`}, the configuration it was printed for: ${line}`;
  }
  return `${base}: the token was printed for another configuration (the report's replay line gives its --variant, --core, --driver, --patch, --property and --no-coalesce) or by another version of the model`;
}

/** `mnc replay --token T SCENARIO [flags]`: re-run the path a report's replay token names and show it. */
function replayToken(io: Io, scenarioArg: string, token: string, f: ScenarioFlags): number {
  const { file: sf, scenario: sc, notes, property } = scenarioOf(io, scenarioArg, f);
  const m = scenarioModel(sc, { coalesce: f.coalesce, ...(property ? { names: property } : {}) });
  refuseUnselected(m, sc, property, scenarioArg);
  let path;
  try {
    path = replay(m, token);
  } catch (e) {
    if (e instanceof ReplayError) throw new UsageError(divergence(e.message, sf, scenarioArg, token, f, property));
    if (/^malformed replay token/.test((e as Error).message)) throw new UsageError((e as Error).message);
    throw e;
  }
  const { setup, steps, last } = walkPath(m, path);
  const violated = violatedIn(m, last);
  const out = [
    `replayed ${path.steps.length} steps of ${sf.name}${f.variant ? ` (variant ${f.variant})` : ''}, ${configuration({ core: sc.core, notifiers: notifiersOf(m) })}:`,
    ...notes.map((n) => `  note: ${n}`),
    ...formatSetup(setup),
    ...formatSteps(steps), '', 'State at the end:', ...formatFinalState(endOf(m, last)).map((l) => `  ${l}`)];
  for (const name of violated) {
    const fd = explain(m, name, last);
    out.push('', `violated in the last state: ${name}`, fd.header, ...fd.details);
  }
  if (!violated.length) {
    out.push('', 'no property is violated in the last state, nor by what can follow it (a liveness cycle is not in a token: replay the --json trace, or run mnc check).');
  }
  io.out(out.join('\n'));
  return violated.length ? EXIT.violation : EXIT.ok;
}

/**
 * Whether the core can run the driver's default variant: an interval notifier user (test_hmm) needs a
 * core with interval notifiers (v5.5 on), and one that inserts and removes them while it runs
 * (nouveau) a core that has those as steps (v6.6).
 */
function runsOn(core: CoreVersion, driver: string): boolean {
  const v = DRIVERS[driver]!.variants[shippedVariant(core, driver)];
  return (core.itree === true || !v?.interval) && (core.dynamicItree === true || !v?.dynamicInterval);
}
