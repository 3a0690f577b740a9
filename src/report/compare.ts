/**
 * The patch review view: the same scenarios checked on two sides (two core versions, two variants
 * of a driver, or two variants a scenario file names), every property decided on both, and per
 * scenario which findings the change removes and which it introduces; with `all`, each of those
 * counterexamples in full (from the trace of its side: `trace.ts`).
 */
import type { Counterexample } from '../checker/index.ts';
import { CORE_VERSIONS } from '../model/kernel/core/versions.ts';
import { own } from '../model/kernel/own.ts';
import { CompareError } from './errors.ts';
import { DRIVERS } from '../model/kernel/drivers/index.ts';
import type { KAction } from '../model/lang/interp.ts';
import { applyVariant, type ScenarioFile, type VariantOverride } from '../model/kernel/scenario-file.ts';
import type { KState } from '../model/lang/state.ts';
import { runScenarioAsync, type RunOptions, type ScenarioRun } from './run.ts';
import { formatCounterexample } from './text.ts';
import { buildTrace, replayCommand, scenarioCommand, type Trace } from './trace.ts';

export { CompareError };

export interface Change {
  readonly property: string;
  readonly counterexample: Counterexample<KState, KAction>;
  readonly run: ScenarioRun;
  /** The other side does not have this engine property at all. */
  readonly oneSided?: true;
}

export interface ComparedPair {
  readonly scenario: string;
  /** The scenario as the user named it (a built-in name or a file path), for replay lines. */
  readonly arg: string;
  readonly before: ScenarioRun;
  readonly after: ScenarioRun;
  /** Violated before, holds after: with the before side's trace. */
  readonly removed: readonly Change[];
  /** Holds before, violated after: with the after side's trace. */
  readonly introduced: readonly Change[];
  /** Violated on both sides. */
  readonly unchanged: readonly string[];
  readonly incomplete: boolean;
  /** The `mnc check` arguments that name the scenario on each side (for replay lines). */
  readonly beforeCommand: readonly string[];
  readonly afterCommand: readonly string[];
}

export interface Comparison {
  readonly before: string;
  readonly after: string;
  readonly pairs: readonly ComparedPair[];
  /** Scenarios a side does not apply to, with the reason. */
  readonly skipped: readonly { readonly scenario: string; readonly reason: string }[];
  /** Scenarios a signal stopped before they were compared. */
  readonly notRun: readonly string[];
}

/** A side applied to one scenario: the override, and the `mnc check` flags that mean the same. */
interface Side {
  readonly override: VariantOverride;
  readonly flags: { readonly variant?: string; readonly core?: string; readonly drivers?: readonly string[] };
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

/** What a side means for one scenario file, or why it does not apply. */
function sideOverride(sf: ScenarioFile, side: string): Side | string {
  if (own(CORE_VERSIONS, side)) return { override: { core: side }, flags: { core: side } };
  if (side.includes('@')) {
    const [name, variant] = side.split('@');
    const def = DRIVERS[name!]!;
    if (!sf.notifiers.some((n) => n.use.split('@')[0] === name)) return `it has no ${name} notifier`;
    const api = def.variants[variant!]!.api;
    const core = CORE_VERSIONS[sf.core]!.api !== api ? (api === 'v4.18' ? 'v4.18' : 'v4.19') : undefined;
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
  o: RunOptions,
  log: (m: string, done: number, total: number) => void = () => {},
): Promise<Comparison> {
  const pairs: ComparedPair[] = [];
  const skipped: { scenario: string; reason: string }[] = [];
  const files = inputs.map((i) => ('file' in i ? i.file : i));
  checkSide('--before', before, files);
  checkSide('--after', after, files);
  if (before === after) throw new CompareError(`--before and --after are both ${before}: there is nothing to compare`);
  const notRun: string[] = [];
  const sides = inputs.map((input) => {
    const sf = 'file' in input ? input.file : input;
    return { sf, arg: ('file' in input ? input.arg : undefined) ?? sf.name, b: sideOverride(sf, before), a: sideOverride(sf, after) };
  });
  const total = 2 * sides.filter((s) => typeof s.b !== 'string' && typeof s.a !== 'string').length;
  let done = 0;
  for (const { sf, arg, b, a } of sides) {
    if (typeof b === 'string' || typeof a === 'string') {
      skipped.push({ scenario: sf.name, reason: typeof b === 'string' ? b : (a as string) });
      continue;
    }
    if (o.signal?.aborted) {
      notRun.push(sf.name);
      continue;
    }
    const ro: RunOptions = { ...o, findAll: true };
    const status = (r: ScenarioRun): string => (r.result.status === 'incomplete' ? `incomplete (${r.result.reason})` : r.result.status);
    const rb = await runScenarioAsync(applyVariant(sf, b.override, before), ro, before);
    log(`${sf.name} @ ${before}: ${status(rb)}, ${rb.result.stats.states} states`, ++done, total);
    const ra = await runScenarioAsync(applyVariant(sf, a.override, after), ro, after);
    log(`${sf.name} @ ${after}: ${status(ra)}, ${ra.result.stats.states} states`, ++done, total);
    const verdicts = (r: ScenarioRun): Map<string, string> => new Map(r.result.verdicts.map((v) => [v.property, v.status]));
    const cx = (r: ScenarioRun, p: string): Counterexample<KState, KAction> | undefined =>
      r.result.status === 'pass' ? undefined : r.result.violations.find((c) => c.property === p);
    const sb = verdicts(rb);
    const sa = verdicts(ra);
    const removed: Change[] = [];
    const introduced: Change[] = [];
    const unchanged: string[] = [];
    for (const p of new Set([...sb.keys(), ...sa.keys()])) {
      const vb = sb.get(p);
      const va = sa.get(p);
      // A property only one side has (a sub-property of one core's API) counts as holding on the other.
      if (vb === 'violated' && (va === 'holds' || va === undefined)) removed.push({ property: p, counterexample: cx(rb, p)!, run: rb, ...(va === undefined ? { oneSided: true } : {}) });
      else if ((vb === 'holds' || vb === undefined) && va === 'violated') introduced.push({ property: p, counterexample: cx(ra, p)!, run: ra, ...(vb === undefined ? { oneSided: true } : {}) });
      else if (vb === 'violated' && va === 'violated') unchanged.push(p);
    }
    const command = (side: Side): string[] =>
      scenarioCommand(arg, { ...side.flags, ...(o.properties ? { properties: o.properties } : {}), ...(o.coalesce === false ? { coalesce: false } : {}) });
    pairs.push({
      scenario: sf.name,
      arg,
      beforeCommand: command(b),
      afterCommand: command(a),
      before: rb,
      after: ra,
      removed,
      introduced,
      unchanged,
      incomplete: rb.result.status === 'incomplete' || ra.result.status === 'incomplete',
    });
  }
  if (!pairs.length && !notRun.length) {
    throw new CompareError(`no scenario was compared: ${skipped.map((s) => `${s.scenario}: ${s.reason}`).join('; ')}; name scenarios both sides apply to`);
  }
  return { before, after, pairs, skipped, notRun };
}

/** The traces of a pair's removed findings (on the before side) and introduced ones (on the after side). */
export function changeTraces(p: ComparedPair): { readonly removed?: Trace; readonly introduced?: Trace } {
  return {
    ...(p.removed.length ? { removed: buildTrace(p.before, p.beforeCommand, p.removed.map((r) => r.counterexample)) } : {}),
    ...(p.introduced.length ? { introduced: buildTrace(p.after, p.afterCommand, p.introduced.map((r) => r.counterexample)) } : {}),
  };
}

/** One line for the whole comparison: how many scenarios, findings removed, introduced, in both. */
export function summaryLine(c: Comparison): string {
  const sum = (f: (p: ComparedPair) => number): number => c.pairs.reduce((n, p) => n + f(p), 0);
  const incomplete = c.pairs.filter((p) => p.incomplete).length;
  const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
  return [
    `${c.after} against ${c.before}, ${plural(c.pairs.length, 'scenario')} compared${c.skipped.length ? ` (${c.skipped.length} skipped)` : ''}:`,
    `${plural(sum((p) => p.removed.length), 'finding')} removed, ${sum((p) => p.introduced.length)} introduced, ${sum((p) => p.unchanged.length)} in both`,
  ].join(' ') + (incomplete ? `; ${plural(incomplete, 'scenario')} INCOMPLETE (a side hit a bound)` : '') + '.';
}

/** The comparison as JSON (`mnc compare --json`): per scenario each side's run and every finding removed, introduced or in both, with the replay line of its counterexample. */
export function comparisonJson(c: Comparison): string {
  const side = (r: ScenarioRun): Record<string, unknown> => ({
    status: r.result.status,
    ...(r.result.status === 'incomplete' ? { reason: String(r.result.reason) } : {}),
    states: r.result.stats.states,
    seconds: Number((r.result.stats.elapsedMs / 1000).toFixed(3)),
  });
  const change = (ch: Change, command: readonly string[]): Record<string, unknown> => ({
    property: ch.property,
    ...(ch.oneSided ? { oneSided: true } : {}),
    token: ch.counterexample.path.token,
    replay: replayCommand({ command }, ch.counterexample.path.token),
  });
  return `${JSON.stringify(
    {
      format: 'mnc-compare',
      version: 1,
      before: c.before,
      after: c.after,
      pairs: c.pairs.map((p) => ({
        scenario: p.scenario,
        arg: p.arg,
        incomplete: p.incomplete,
        before: side(p.before),
        after: side(p.after),
        removed: p.removed.map((ch) => change(ch, p.beforeCommand)),
        introduced: p.introduced.map((ch) => change(ch, p.afterCommand)),
        unchanged: p.unchanged,
      })),
      skipped: c.skipped,
      ...(c.notRun.length ? { notRun: c.notRun } : {}),
    },
    null,
    2,
  )}\n`;
}

/** The comparison's table; with `all`, then every removed and introduced counterexample in full. */
export function formatComparison(c: Comparison, all = false): string {
  const out: string[] = [`mnc compare: before = ${c.before}, after = ${c.after}`, ''];
  for (const p of c.pairs) {
    out.push(
      `${p.scenario}: ${p.removed.length} removed, ${p.introduced.length} introduced, ${p.unchanged.length} in both${p.incomplete ? ' (INCOMPLETE: a side hit a bound)' : ''}`,
    );
    for (const r of p.removed) out.push(`  - removed:    ${r.property}${r.oneSided ? ` (${c.after} does not have this property)` : ''}`);
    for (const r of p.introduced) out.push(`  + introduced: ${r.property}${r.oneSided ? ` (${c.before} does not have this property)` : ''}`);
    for (const u of p.unchanged) out.push(`  = in both:    ${u}`);
  }
  for (const s of c.skipped) out.push(`${s.scenario}: skipped (${s.reason})`);
  const changes = c.pairs.reduce((n, p) => n + p.removed.length + p.introduced.length, 0);
  out.push('', summaryLine(c));
  if (c.notRun.length) out.push(`INCOMPLETE: interrupted before ${c.notRun.length === 1 ? 'the scenario' : `${c.notRun.length} scenarios`} ${c.notRun.join(', ')}.`);
  if (!all) {
    if (changes) out.push(`--all prints the ${changes === 1 ? 'counterexample' : `${changes} counterexamples`} of the findings removed and introduced in full.`);
    return out.join('\n');
  }
  for (const p of c.pairs) {
    const t = changeTraces(p);
    for (const cx of t.removed?.counterexamples ?? []) out.push('', `REMOVED by ${c.after} (the trace on ${c.before}):`, formatCounterexample(t.removed!, cx));
    for (const cx of t.introduced?.counterexamples ?? []) out.push('', `INTRODUCED by ${c.after}:`, formatCounterexample(t.introduced!, cx));
  }
  return out.join('\n');
}
