/**
 * The patch review view: the same scenarios checked on two sides (two core versions, two variants
 * of a driver, or two variants a scenario file names), and per scenario which counterexamples the
 * change removes and which it introduces, each with its trace.
 */
import type { Counterexample } from '../checker/index.ts';
import { CORE_VERSIONS } from '../model/core/versions.ts';
import { DRIVERS } from '../model/drivers/index.ts';
import type { KAction } from '../model/interp.ts';
import { applyVariant, type ScenarioFile, type VariantOverride } from '../model/scenario-file.ts';
import type { KState } from '../model/state.ts';
import { runScenario, type RunOptions, type ScenarioRun } from './run.ts';
import { formatCounterexample } from './text.ts';

export class CompareError extends Error {}

export interface Change {
  readonly property: string;
  readonly counterexample: Counterexample<KState, KAction>;
  readonly run: ScenarioRun;
}

export interface ComparedPair {
  readonly scenario: string;
  readonly before: ScenarioRun;
  readonly after: ScenarioRun;
  /** Violated before, holds after: with the before side's trace. */
  readonly removed: readonly Change[];
  /** Holds before, violated after: with the after side's trace. */
  readonly introduced: readonly Change[];
  /** Violated on both sides. */
  readonly unchanged: readonly string[];
  readonly incomplete: boolean;
}

export interface Comparison {
  readonly before: string;
  readonly after: string;
  readonly pairs: readonly ComparedPair[];
  /** Scenarios a side does not apply to, with the reason. */
  readonly skipped: readonly { readonly scenario: string; readonly reason: string }[];
}

/** What a side means for one scenario file, or why it does not apply. */
function sideOverride(sf: ScenarioFile, side: string): VariantOverride | string {
  if (CORE_VERSIONS[side]) return { core: side };
  if (side.includes('@')) {
    const [name, variant] = side.split('@');
    const def = DRIVERS[name!];
    if (!def) throw new CompareError(`${side}: unknown driver "${name}" (drivers: ${Object.keys(DRIVERS).join(', ')})`);
    if (!def.variants[variant!]) throw new CompareError(`${side}: ${name} has no variant "${variant}" (variants: ${Object.keys(def.variants).join(', ')})`);
    if (!sf.notifiers.some((n) => n.use.split('@')[0] === name)) return `it has no ${name} notifier`;
    const api = def.variants[variant!]!.api;
    return { drivers: { [name!]: variant! }, ...(CORE_VERSIONS[sf.core]!.api !== api ? { core: api === 'v4.18' ? 'v4.18' : 'v4.19' } : {}) };
  }
  const v = sf.variants?.[side];
  return v ?? `it has no variant "${side}"`;
}

export function compareSides(files: readonly ScenarioFile[], before: string, after: string, o: RunOptions, log: (m: string) => void = () => {}): Comparison {
  const pairs: ComparedPair[] = [];
  const skipped: { scenario: string; reason: string }[] = [];
  for (const sf of files) {
    const b = sideOverride(sf, before);
    const a = sideOverride(sf, after);
    if (typeof b === 'string' || typeof a === 'string') {
      skipped.push({ scenario: sf.name, reason: typeof b === 'string' ? b : (a as string) });
      continue;
    }
    const rb = runScenario(applyVariant(sf, b, before), o, before);
    log(`${sf.name} @ ${before}: ${rb.result.status}, ${rb.result.stats.states} states`);
    const ra = runScenario(applyVariant(sf, a, after), o, after);
    log(`${sf.name} @ ${after}: ${ra.result.status}, ${ra.result.stats.states} states`);
    const status = (r: ScenarioRun): Map<string, string> => new Map(r.result.verdicts.map((v) => [v.property, v.status]));
    const cx = (r: ScenarioRun, p: string): Counterexample<KState, KAction> | undefined =>
      r.result.status === 'pass' ? undefined : r.result.violations.find((c) => c.property === p);
    const sb = status(rb);
    const sa = status(ra);
    const removed: Change[] = [];
    const introduced: Change[] = [];
    const unchanged: string[] = [];
    for (const p of new Set([...sb.keys(), ...sa.keys()])) {
      const vb = sb.get(p);
      const va = sa.get(p);
      if (vb === 'violated' && va === 'holds') removed.push({ property: p, counterexample: cx(rb, p)!, run: rb });
      else if (vb === 'holds' && va === 'violated') introduced.push({ property: p, counterexample: cx(ra, p)!, run: ra });
      else if (vb === 'violated' && va === 'violated') unchanged.push(p);
    }
    pairs.push({
      scenario: sf.name,
      before: rb,
      after: ra,
      removed,
      introduced,
      unchanged,
      incomplete: rb.result.status === 'incomplete' || ra.result.status === 'incomplete',
    });
  }
  return { before, after, pairs, skipped };
}

export function formatComparison(c: Comparison): string {
  const out: string[] = [`mnc compare: before = ${c.before}, after = ${c.after}`, ''];
  for (const p of c.pairs) {
    out.push(
      `${p.scenario}: ${p.removed.length} removed, ${p.introduced.length} introduced, ${p.unchanged.length} in both${p.incomplete ? ' (INCOMPLETE: a side hit a bound)' : ''}`,
    );
    for (const r of p.removed) out.push(`  - removed:    ${r.property}`);
    for (const r of p.introduced) out.push(`  + introduced: ${r.property}`);
    for (const u of p.unchanged) out.push(`  = in both:    ${u}`);
  }
  for (const s of c.skipped) out.push(`${s.scenario}: skipped (${s.reason})`);
  for (const p of c.pairs) {
    for (const r of p.removed) out.push('', `REMOVED by ${c.after} (the trace on ${c.before}):`, formatCounterexample(r.run.model, r.counterexample, { scenario: p.scenario, variant: c.before }));
    for (const r of p.introduced) out.push('', `INTRODUCED by ${c.after}:`, formatCounterexample(r.run.model, r.counterexample, { scenario: p.scenario, variant: c.after }));
  }
  return out.join('\n');
}
