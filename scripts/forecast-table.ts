/**
 * The forecast (src/checker/forecast.ts) against the truth: for every built-in scenario in every
 * variant and every example, the estimate of `mnc check --forecast` (same model, same reduction,
 * seed 0, the default budget) next to the number of states a complete exploration records, and
 * their ratio. The table in docs/checker.md ("Forecast") is this script's `--markdown` output.
 *
 *     npx tsx scripts/forecast-table.ts [--markdown] [--bench] [--budget N] [--seed N] [FILTER...]
 *
 * The column "Knuth" is, for comparison, Knuth's (1975) estimator over the same budget: the mean
 * over random probes from an initial state of the sums of the products of the branching factors
 * (distinct successors not already on the probe's path) along them, which counts paths, not states.
 *
 * `--bench` adds bench/scenarios/reaper-ioctl-two-pairs.json (the kernel bench: its complete
 * exploration takes about two minutes). The complete exploration checks no property, so that no
 * violation ends it early: it records the whole space a run that never stops early explores.
 */
import { join } from 'node:path';
import { check, SplitMix32, type Model } from '../src/checker/index.ts';
import { expandedRange } from '../src/checker/model.ts';
import { FORECAST_BUDGET, forecast } from '../src/checker/forecast.ts';
import { loadScenarioFile } from '../src/model/kernel/scenario-file.ts';
import type { Scenario } from '../src/model/kernel/scenario.ts';
import { differentialCases } from '../src/report/differential.ts';
import { modelOf } from '../src/report/run.ts';

const args = process.argv.slice(2);
let markdown = false;
let bench = false;
let budget = FORECAST_BUDGET;
let seed = 0;
const filters: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === '--markdown') markdown = true;
  else if (a === '--bench') bench = true;
  else if (a === '--budget') budget = Number(args[++i]);
  else if (a === '--seed') seed = Number(args[++i]);
  else filters.push(a);
}
const root = join(import.meta.dirname, '..');
const cases: { label: string; scenario: Scenario }[] = differentialCases(join(root, 'examples')).filter((c) => filters.length === 0 || filters.some((f) => c.label.includes(f)));
if (bench) cases.push({ label: 'bench: reaper-ioctl-two-pairs', scenario: loadScenarioFile(join(root, 'bench', 'scenarios', 'reaper-ioctl-two-pairs.json')) });

/** The model with no property: the explorer never stops before the space is covered. */
function whole<S, A>(m: Model<S, A>): Model<S, A> {
  const bare = Object.create(m) as Model<S, A>;
  (bare as { properties: Model<S, A>['properties'] }).properties = () => [];
  return bare;
}

/** Knuth's estimator: probes until `budget` successor computations, each a walk taking a uniformly chosen successor not on its path. */
function knuth<S, A>(m: Model<S, A>, budget: number, seed: number): number {
  const rng = new SplitMix32(seed);
  const inits = m.initStates();
  const acts: A[] = [];
  let steps = 0;
  let sum = 0;
  let probes = 0;
  const key = (s: S): string => {
    const parts: string[] = [];
    m.encode(s, { int: (v) => parts.push(`i${v | 0}`), str: (v) => parts.push(`s${v.length}:${v}`), bool: (v) => parts.push(v ? 'T' : 'F') });
    return parts.join(',');
  };
  while (steps < budget) {
    probes++;
    let s: S = inits[rng.below(inits.length)]!;
    let w = inits.length;
    let total = w;
    const path = new Set([key(s)]);
    for (;;) {
      if (m.withinBoundary && !m.withinBoundary(s)) break;
      acts.length = 0;
      m.actions(s, acts);
      const { from, to } = expandedRange(m, s, acts);
      const kids = new Map<string, S>();
      for (let i = from; i < to; i++) {
        steps++;
        const t = m.nextState(s, acts[i]!);
        if (t === undefined) continue;
        const k = key(t);
        if (!path.has(k)) kids.set(k, t);
      }
      if (kids.size === 0) break;
      w *= kids.size;
      total += w;
      const pick = [...kids.entries()][rng.below(kids.size)]!;
      path.add(pick[0]);
      s = pick[1];
    }
    sum += total;
  }
  return sum / probes;
}

const n = (x: number): string => x.toLocaleString('en-US');
const sci = (x: number): string => (x < 1e6 ? n(Math.round(x)) : x.toExponential(1).replace('e+', 'e'));
const rows: string[] = [];
const ratios: number[] = [];
const knuths: number[] = [];
let inside = 0;
let below = 0;
if (markdown) rows.push('| scenario | estimate | interval | met | actual | actual / estimate | sample | Knuth / actual |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const c of cases) {
  const f = forecast(modelOf(c.scenario, {}), { seed, budget });
  const r = check(whole(modelOf(c.scenario, {})), {});
  const actual = r.stats.states;
  const k = knuth(modelOf(c.scenario, {}), budget, seed) / actual;
  const ratio = actual / f.states;
  ratios.push(ratio);
  if (f.low <= actual && actual <= f.high) inside++;
  if (f.states <= actual) below++;
  const sample = `${(f.elapsedMs / 1000).toFixed(2)} s, ${f.walks} walks`;
  if (markdown) rows.push(`| ${c.label} | ${n(f.states)} | ${n(f.low)}–${n(f.high)} | ${n(f.seen)} | ${n(actual)} | ${ratio.toFixed(2)} | ${sample} | ${sci(k)} |`);
  else console.log(`${c.label}: estimate ${n(f.states)} (${n(f.low)}-${n(f.high)}), met ${n(f.seen)}; actual ${n(actual)}; actual/estimate ${ratio.toFixed(2)} (${sample}, ${n(f.steps)} steps); Knuth/actual ${sci(k)}`);
  knuths.push(k);
}
if (markdown) console.log(rows.join('\n'));
const sorted = [...ratios].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)] ?? NaN;
console.log(
  `\n${cases.length} cases, budget ${n(budget)} steps, seed ${seed}: actual/estimate from ${sorted[0]?.toFixed(2)} to ${sorted.at(-1)?.toFixed(2)} (median ${median.toFixed(2)}); estimate at most the actual in ${below}; actual inside the interval in ${inside}; Knuth/actual from ${sci(Math.min(...knuths))} to ${sci(Math.max(...knuths))}`,
);
