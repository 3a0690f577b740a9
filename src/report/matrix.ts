/**
 * The verdict matrix: every built-in scenario, in each of its variants, by property.
 */
import { builtinNames, loadBuiltin } from '../model/scenario-file.ts';
import { KERNEL_PROPERTIES } from '../properties/index.ts';
import { propertyVerdicts, runScenario, variantsOf, type PropertyVerdict, type RunOptions, type ScenarioRun } from './run.ts';
import { formatCounterexample } from './text.ts';
import { buildTrace, scenarioCommand, type Trace } from './trace.ts';

export interface MatrixRow {
  readonly scenario: string;
  readonly variant?: string;
  readonly verdicts: Record<string, PropertyVerdict>;
  /** The run's status: pass, violation, or incomplete (with its reason). */
  readonly status: string;
  readonly states: number;
  readonly seconds: number;
  readonly run: ScenarioRun;
}

/** Run every (or the named) built-in scenario in every variant. `onRow` reports each row as it is done. */
export function computeMatrix(o: RunOptions & { readonly scenarios?: readonly string[]; readonly onRow?: (r: MatrixRow) => void } = {}): MatrixRow[] {
  const rows: MatrixRow[] = [];
  for (const name of o.scenarios ?? builtinNames()) {
    const sf = loadBuiltin(name);
    for (const { label, scenario } of variantsOf(sf)) {
      const t0 = performance.now();
      // The matrix decides every property: its findings are the table.
      const run = runScenario(scenario, { ...o, findAll: true }, label);
      const r = run.result;
      const row: MatrixRow = {
        scenario: name,
        ...(label === undefined ? {} : { variant: label }),
        verdicts: propertyVerdicts(run),
        status: r.status === 'incomplete' ? `incomplete (${r.reason})` : r.status,
        states: r.stats.states,
        seconds: (performance.now() - t0) / 1000,
        run,
      };
      rows.push(row);
      o.onRow?.(row);
    }
  }
  return rows;
}

const MARK: Record<PropertyVerdict, string> = { holds: 'ok', violated: 'FAIL', unknown: '?', 'n/a': '-' };

/** The matrix as a text table. */
export function formatMatrix(rows: readonly MatrixRow[]): string {
  const props = KERNEL_PROPERTIES.map((p) => p.name);
  const head = ['scenario', 'variant', ...props, 'states'];
  const body = rows.map((r) => [r.scenario, r.variant ?? '', ...props.map((p) => MARK[r.verdicts[p] ?? 'n/a']), String(r.states)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
  const failed = rows.filter((r) => r.status !== 'pass').length;
  out.push('', `${rows.length} runs, ${failed} with a finding or incomplete. ok: holds; FAIL: violated (\`mnc matrix --all\` prints every trace); ?: not decided; -: does not apply.`);
  return out.join('\n');
}

/** A row's trace: every counterexample of its run. */
export function rowTrace(r: MatrixRow): Trace {
  const c = r.run.config;
  return buildTrace(r.run, scenarioCommand(r.scenario, { ...(r.variant === undefined ? {} : { variant: r.variant }), ...(c.properties ? { properties: c.properties } : {}), coalesce: c.coalesce }));
}

/** Every counterexample of every row, in full, each run's under a line that names it. */
export function formatMatrixCounterexamples(rows: readonly MatrixRow[]): string {
  const out: string[] = [];
  for (const r of rows) {
    const t = rowTrace(r);
    if (!t.counterexamples.length) continue;
    const n = t.counterexamples.length;
    out.push('', `#### ${r.scenario}${r.variant === undefined ? '' : ` @ ${r.variant}`}: ${n} ${n === 1 ? 'counterexample' : 'counterexamples'}`);
    for (const cx of t.counterexamples) out.push('', formatCounterexample(t, cx));
  }
  return out.join('\n');
}
