/**
 * `mnc history`: one scenario on every core version, oldest first, as a table of which checks each
 * core's exploration finds violated. The runs are made by the command (src/cli/commands.ts); this
 * file only lays out what they found.
 */

/** One core's run of the scenario. */
export interface HistoryColumn {
  readonly core: string;
  /** pass, violation, incomplete (reason), or `cannot run` when the scenario cannot be built on this core. */
  readonly status: string;
  readonly states: number;
  /** Per check (as reports name them): its verdict; a check absent here does not apply on this core. */
  readonly verdicts: Readonly<Record<string, 'holds' | 'violated' | 'unknown'>>;
  /** What the core changed in the scenario (a driver variant it ran in place of the scenario's), or why it cannot run it. */
  readonly notes: readonly string[];
  /** The driver variants the run had, one `driver@variant` per notifier in registration order (none when it cannot run). */
  readonly drivers?: readonly string[];
}

const CELL: Record<string, string> = { holds: 'ok', violated: 'FAIL', unknown: '?' };

/**
 * The table: a row per check that any core decides, a column per core (`ok`, `FAIL`, `?`, `-` for a
 * check that does not apply there), then the states and status of each run, then the driver variants
 * each core ran (where a column's differ from the one before, so that a driver's change across
 * kernels shows where it happened), then the notes.
 */
export function formatHistory(title: string, cols: readonly HistoryColumn[]): string {
  const checks: string[] = [];
  for (const c of cols) for (const k of Object.keys(c.verdicts)) if (!checks.includes(k)) checks.push(k);
  const first = Math.max(6, ...checks.map((k) => k.length)) + 2;
  const widths = cols.map((c) => Math.max(c.core.length, 4, String(c.states).length, c.status.split(' ')[0]!.length) + 2);
  const row = (label: string, cells: readonly string[]): string => `  ${label.padEnd(first)}${cells.map((x, i) => x.padEnd(widths[i]!)).join('')}`.trimEnd();
  const lines = [title, row('', cols.map((c) => c.core))];
  for (const k of checks) lines.push(row(k, cols.map((c) => (c.verdicts[k] === undefined ? '-' : CELL[c.verdicts[k]]!))));
  lines.push(row('states', cols.map((c) => (c.status === 'cannot run' ? '' : String(c.states)))));
  lines.push(row('result', cols.map((c) => c.status.split(' ')[0]!)));
  const uses = (c: HistoryColumn): string => (c.drivers ?? []).join(' ');
  if (cols.some((c) => c.drivers?.length)) {
    lines.push('', 'drivers (where they change):');
    cols.forEach((c, i) => {
      if (c.drivers && (i === 0 || uses(c) !== uses(cols[i - 1]!))) lines.push(`  ${c.core}: ${c.drivers.length ? c.drivers.join(', ') : 'none'}`);
    });
  }
  const notes = cols.flatMap((c) => [...c.notes.map((n) => `  ${c.core}: ${n}`), ...(c.status.startsWith('incomplete') ? [`  ${c.core}: ${c.status}`] : [])]);
  if (notes.length) lines.push('', 'notes:', ...notes);
  return lines.join('\n');
}
