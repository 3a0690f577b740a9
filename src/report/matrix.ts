/**
 * The verdict matrix: every built-in scenario, in each of its variants, by property. Each
 * (scenario, variant) is a job whose row is plain data (with, when asked, the trace of its
 * counterexamples), so that rows can be computed here one after the other or by worker threads
 * (matrix-pool.ts) and formatted the same way.
 */
import { applyVariant, builtinNames, loadBuiltin, type ScenarioFile } from '../model/kernel/scenario-file.ts';
import { ScenarioError } from '../model/kernel/errors.ts';
import type { Scenario } from '../model/kernel/scenario.ts';
import { KERNEL_PROPERTIES } from '../properties/index.ts';
import { propertyVerdicts, runScenario, variantOf, type PropertyVerdict, type RunOptions } from './run.ts';
import { formatCounterexample } from './text.ts';
import { buildTrace, scenarioCommand, type Trace } from './trace.ts';

/** One run of the matrix: a built-in scenario, in one of its variants (none: it has no variants). */
export interface MatrixJob {
  readonly scenario: string;
  readonly variant?: string;
}

export interface MatrixRow extends MatrixJob {
  readonly verdicts: Record<string, PropertyVerdict>;
  /**
   * The run's status: pass, violation, incomplete (with its reason), or `cannot run` when the
   * scenario cannot be built on the matrix's `--core` (then `why` says what it lacks).
   */
  readonly status: string;
  readonly why?: string;
  readonly states: number;
  readonly seconds: number;
  /** Every counterexample of the run, when the row was computed with traces and the run found some. */
  readonly trace?: Trace;
}

/** The options of the matrix's runs that can cross to a worker thread (no signal, no callbacks). */
export interface MatrixRunOptions {
  readonly coalesce?: boolean;
  readonly maxStates?: number;
  readonly timeMs?: number;
  /**
   * Run every scenario on this core version (`mnc matrix --core`), each notifier on the driver
   * variant the core ships where the scenario's does not implement the core's callbacks, as `mnc
   * check --core` does.
   */
  readonly core?: string;
}

/**
 * The jobs of the matrix: every (or each named) built-in scenario in every variant, in name order.
 * Only the names of the variants are needed here (the files are checked against the schema): each
 * variant is built, and so checked against the model, where its job runs ({@link matrixRow}), not
 * here first on the main thread, where building every variant of every file took about two seconds
 * before the first job could start.
 */
export function matrixJobs(scenarios?: readonly string[]): MatrixJob[] {
  return (scenarios ?? builtinNames()).flatMap((name) => {
    const labels = Object.keys(loadBuiltin(name, { model: false }).variants ?? {});
    return labels.length ? labels.map((variant) => ({ scenario: name, variant })) : [{ scenario: name }];
  });
}

/**
 * The built-in scenario file of a job, its variants checked only against the schema: the job's own
 * variant is built (checked) when it runs. The file last loaded on this thread is kept, since the
 * jobs of one file come one after the other: a file with v variants is read and its base built once
 * for its v jobs, not v times with every variant built each time (v + 2 programs a job).
 */
function builtinOfJob(name: string): ScenarioFile {
  if (lastBuiltin?.name !== name) lastBuiltin = { name, file: loadBuiltin(name, { variants: false }) };
  return lastBuiltin.file;
}
let lastBuiltin: { readonly name: string; readonly file: ScenarioFile } | undefined;

/** The scenario of a job: its file with its variant applied (the file as it is when it has none). */
function jobScenario(job: MatrixJob): Scenario {
  const sf = builtinOfJob(job.scenario);
  if (job.variant === undefined) return sf;
  const sc = variantOf(sf, job.variant);
  if (sc === undefined) throw new ScenarioError(`${job.scenario}: variants`, `no variant named ${job.variant}`);
  return sc;
}

/**
 * Run one job, deciding every property (the matrix's findings are the table). `traces`: also build
 * the trace of its counterexamples, with the command that names the run for replay lines.
 */
export function matrixRow(job: MatrixJob, o: MatrixRunOptions & { readonly signal?: AbortSignal } = {}, traces = false): MatrixRow {
  const base = jobScenario(job);
  const t0 = performance.now();
  const { core, ...rest } = o;
  const ro: RunOptions = { ...rest, findAll: true };
  let run: ReturnType<typeof runScenario>;
  try {
    const scenario = core === undefined ? base : applyVariant(base, { core }, `--core ${core}`);
    run = runScenario(scenario, ro, job.variant);
  } catch (e) {
    // A scenario the core cannot have (a thread kind, a driver or an API it lacks): a row that says so.
    if (core === undefined || !(e instanceof ScenarioError)) throw e;
    return { ...job, verdicts: {}, status: 'cannot run', why: e.message, states: 0, seconds: (performance.now() - t0) / 1000 };
  }
  const r = run.result;
  const found = r.status !== 'pass' && r.violations.length > 0;
  return {
    ...job,
    verdicts: propertyVerdicts(run),
    status: r.status === 'incomplete' ? `incomplete (${r.reason})` : r.status,
    states: r.stats.states,
    seconds: (performance.now() - t0) / 1000,
    ...(traces && found
      ? { trace: buildTrace(run, scenarioCommand(job.scenario, { ...(job.variant === undefined ? {} : { variant: job.variant }), ...(core === undefined ? {} : { core }), ...(o.coalesce === false ? { coalesce: false } : {}) })) }
      : {}),
  };
}

/** Run every (or the named) built-in scenario in every variant, one after the other. `onRow` reports each row as it is done. */
export function computeMatrix(
  o: MatrixRunOptions & { readonly scenarios?: readonly string[]; readonly onRow?: (r: MatrixRow) => void; readonly traces?: boolean; readonly signal?: AbortSignal } = {},
): MatrixRow[] {
  const rows: MatrixRow[] = [];
  const ro = {
    ...(o.coalesce === undefined ? {} : { coalesce: o.coalesce }),
    ...(o.maxStates === undefined ? {} : { maxStates: o.maxStates }),
    ...(o.timeMs === undefined ? {} : { timeMs: o.timeMs }),
    ...(o.core === undefined ? {} : { core: o.core }),
    ...(o.signal ? { signal: o.signal } : {}),
  };
  for (const job of matrixJobs(o.scenarios)) {
    const row = matrixRow(job, ro, o.traces === true);
    rows.push(row);
    o.onRow?.(row);
  }
  return rows;
}

const MARK: Record<PropertyVerdict, string> = { holds: 'ok', violated: 'FAIL', unknown: '?', 'n/a': '-' };

/**
 * The matrix as a text table. `paint` colours a cell's mark (the terminal's colours, or none);
 * `notRun`: jobs a signal stopped before they ran, listed after the table.
 */
export function formatMatrix(rows: readonly MatrixRow[], paint: (mark: string) => string = (m) => m, notRun: readonly MatrixJob[] = []): string {
  const props = KERNEL_PROPERTIES.map((p) => p.name);
  const head = ['scenario', 'variant', ...props, 'states'];
  const body = rows.map((r) => [r.scenario, r.variant ?? '', ...props.map((p) => (r.status === 'cannot run' ? '' : MARK[r.verdicts[p] ?? 'n/a'])), r.status === 'cannot run' ? 'cannot run' : String(r.states)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const cell = (c: string, i: number, isHead: boolean): string => {
    if (i < 2) return c.padEnd(widths[i]!);
    const padded = c.padStart(widths[i]!);
    return isHead || i === head.length - 1 ? padded : padded.replace(c, paint(c));
  };
  const line = (cells: string[], isHead = false): string => cells.map((c, i) => cell(c, i, isHead)).join('  ').trimEnd();
  const out = [line(head, true), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map((b) => line(b))];
  const cannot = rows.filter((r) => r.status === 'cannot run');
  const failed = rows.filter((r) => r.status !== 'pass' && r.status !== 'cannot run').length;
  out.push('', `${rows.length - cannot.length} runs, ${failed} with a finding or incomplete. ok: holds; FAIL: violated (\`mnc matrix --all\` prints every trace); ?: not decided; -: does not apply.`);
  if (cannot.length) {
    out.push(`${cannot.length} not run: the core cannot have ${cannot.length === 1 ? 'this scenario' : 'these scenarios'}:`);
    for (const r of cannot) out.push(`  ${r.scenario}${r.variant === undefined ? '' : ` @ ${r.variant}`}: ${r.why ?? ''}`);
  }
  if (notRun.length) out.push(`INCOMPLETE: interrupted before ${notRun.length} more ${notRun.length === 1 ? 'run' : 'runs'}: ${notRun.map((j) => `${j.scenario}${j.variant === undefined ? '' : ` @ ${j.variant}`}`).join(', ')}.`);
  return out.join('\n');
}

/** Every counterexample of every row (computed with traces), in full, each run's under a line that names it. */
export function formatMatrixCounterexamples(rows: readonly MatrixRow[]): string {
  const out: string[] = [];
  for (const r of rows) {
    const t = r.trace;
    if (!t?.counterexamples.length) continue;
    const n = t.counterexamples.length;
    out.push('', `#### ${r.scenario}${r.variant === undefined ? '' : ` @ ${r.variant}`}: ${n} ${n === 1 ? 'counterexample' : 'counterexamples'}`);
    for (const cx of t.counterexamples) out.push('', formatCounterexample(t, cx));
  }
  return out.join('\n');
}
