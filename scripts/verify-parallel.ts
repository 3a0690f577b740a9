/**
 * `npm run verify:parallel`: the whole matrix (every built-in scenario in every variant, and every
 * example) on one thread and on two worker threads; prints one line per case and exits 1 on any
 * difference in states, transitions, verdicts or counterexample lengths, or on a case one thread
 * leaves incomplete (src/report/differential.ts, compareParallel). The test suite runs a sample
 * (test/report/parallel.test.ts). Arguments filter the cases by label.
 */
import { compareParallel, formatParallelOutcome } from '../src/report/differential.ts';
import { casesFromArgs } from './cases.ts';

const cases = casesFromArgs('verify:parallel');
let bad = 0;
let states = 0;
const t0 = performance.now();
for (const c of cases) {
  const d = await compareParallel(c);
  states += d.one.states;
  if (!d.same) bad++;
  process.stdout.write(`${formatParallelOutcome(d)}\n`);
}
process.stdout.write(`\n${cases.length} cases, ${bad} differences or undecided; ${states} states (${((performance.now() - t0) / 1000).toFixed(0)} s).\n`);
process.exit(bad ? 1 : 0);
