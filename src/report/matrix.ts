/**
 * The verdict matrix: every built-in scenario, in each of its variants, by property.
 */
import { builtinNames, loadBuiltin } from '../model/scenario-file.ts';
import { KERNEL_PROPERTIES } from '../properties/index.ts';
import { propertyVerdicts, runScenario, variantsOf, type PropertyVerdict, type RunOptions, type ScenarioRun } from './run.ts';

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
      const run = runScenario(scenario, o, label);
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
  out.push('', `${rows.length} runs, ${failed} with a finding or incomplete. ok: holds; FAIL: violated (run \`mnc check <scenario>\` for the trace); ?: not decided; -: does not apply.`);
  return out.join('\n');
}
