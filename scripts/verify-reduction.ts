/**
 * `npm run verify:reduction`: the whole matrix (every built-in scenario in every variant, and every
 * example) checked with and without the reduction; prints one line per case and exits 1 on any
 * difference or undecided case (src/report/differential.ts). Arguments filter the cases by label.
 */
import { compareReduction, formatOutcome } from '../src/report/differential.ts';
import { casesFromArgs } from './cases.ts';

const cases = casesFromArgs('verify:reduction');
let bad = 0;
let reduced = 0;
let unreduced = 0;
const t0 = performance.now();
for (const c of cases) {
  const d = compareReduction(c);
  reduced += d.reducedStates;
  unreduced += d.unreducedStates;
  if (!d.same) bad++;
  process.stdout.write(`${formatOutcome(d)}\n`);
}
process.stdout.write(
  `\n${cases.length} cases, ${bad} differences or undecided; ${reduced} states with the reduction, ${unreduced} without (${((performance.now() - t0) / 1000).toFixed(0)} s). ` +
    'Every statement run was checked against the effects the reduction assumed for it.\n',
);
process.exit(bad ? 1 : 0);
