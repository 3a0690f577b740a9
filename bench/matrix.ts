/**
 * Both cores (issue 12, item 4): the main job (`mnc matrix`, every built-in scenario in every
 * variant, every property decided) on worker threads, with one worker and then with two, back to
 * back in one process, and the speed-up. The rows must be the same (states and verdicts): the bench
 * fails otherwise. MNC_BENCH_MATRIX=0 skips it.
 *
 * What it does not measure: the parallel exploration of one check (one scenario on both cores),
 * which mnc does not have (docs/checker.md, Limitations).
 */
import { availableParallelism } from 'node:os';
import { computeMatrixParallel } from '../src/report/matrix-pool.ts';
import { matrixJobs } from '../src/report/matrix.ts';

export async function run(): Promise<boolean> {
  if (process.env.MNC_BENCH_MATRIX === '0') {
    console.log('matrix: skipped (MNC_BENCH_MATRIX=0)');
    return true;
  }
  const jobs = matrixJobs();
  const cores = availableParallelism();
  console.log(`matrix: the main job (${jobs.length} runs: every built-in scenario in every variant) on worker threads; ${cores} cores`);
  const timed: { n: number; seconds: number; rows: string[] }[] = [];
  for (const n of [1, 2]) {
    const t0 = performance.now();
    const r = await computeMatrixParallel(jobs, {}, n, false);
    const seconds = (performance.now() - t0) / 1000;
    const rows = r.rows.map((x) => `${x.scenario}@${x.variant ?? ''}: ${x.states} ${JSON.stringify(x.verdicts)}`).sort();
    console.log(`  --jobs ${n}: ${seconds.toFixed(1)} s, ${r.rows.length} rows${r.notRun.length ? `, ${r.notRun.length} not run` : ''}`);
    timed.push({ n, seconds, rows });
  }
  const [one, two] = timed as [(typeof timed)[0], (typeof timed)[0]];
  const same = one.rows.join('\n') === two.rows.join('\n');
  console.log(`  speed-up with 2 workers: ${(one.seconds / two.seconds).toFixed(2)}x (target >= 1.6x on 2 cores)${same ? '' : '; FAIL: the rows differ'}`);
  return same;
}
