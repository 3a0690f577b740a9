/**
 * Both cores (issue 12, item 4): the main job (`mnc matrix`, every built-in scenario in every
 * variant, every property decided) on worker threads, with one worker and then with two, back to
 * back in one process, and the speed-up. The rows must be the same (states and verdicts): the bench
 * fails otherwise. MNC_BENCH_MATRIX=0 skips it.
 *
 * Beside it, what the machine gives two of these runs at once at all (as bench/kernel.ts does for
 * one long check): the built-in scenarios split in two halves (every other file), each half as a
 * process of its own (`mnc matrix --jobs 1 --scenario ...`), alone and then both at once; the
 * ceiling is the two times alone over the longer of the two together. The matrix's runs are short
 * and much of each is V8 compiling the model's code, which two threads (or two processes) share two
 * cores for. The parallel exploration of one check is bench/kernel.ts's.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { builtinNames } from '../src/model/kernel/scenario-file.ts';
import { computeMatrixParallel } from '../src/report/matrix-pool.ts';
import { matrixJobs } from '../src/report/matrix.ts';
import { exec } from './lib/exec.ts';

const MNC = join(import.meta.dirname, '..', 'bin', 'mnc.js');

/** Wall-clock seconds of `mnc matrix --jobs 1` over the built-in scenarios `names`, in a process of its own. */
async function matrixProcess(names: readonly string[]): Promise<number> {
  return (await exec(process.execPath, [MNC, 'matrix', '--jobs', '1', '--quiet', ...names.flatMap((n) => ['--scenario', n])])).seconds;
}

/** The ceiling: the halves alone, one after the other, then at once. */
async function ceiling(): Promise<string> {
  const names = builtinNames();
  const halves = [names.filter((_, i) => i % 2 === 0), names.filter((_, i) => i % 2 === 1)] as const;
  const alone = [await matrixProcess(halves[0]), await matrixProcess(halves[1])];
  const together = await Promise.all(halves.map((h) => matrixProcess(h)));
  const x = (alone[0]! + alone[1]!) / Math.max(...together);
  const s = (a: readonly number[]): string => a.map((t) => t.toFixed(1)).join(' and ');
  return `the scenarios in two halves, each a process of its own (mnc matrix --jobs 1): ${s(alone)} s alone, ${s(together)} s at once: ${x.toFixed(2)}x the work in the same time`;
}

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
  console.log(`  the machine's ceiling for these runs: ${await ceiling()}`);
  return same;
}
