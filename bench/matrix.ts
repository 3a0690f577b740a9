/**
 * Both cores (issue 12, item 4): the main job (`mnc matrix`, every built-in scenario in every
 * variant, every property decided) as a user runs it, `node bin/mnc.js matrix --jobs N` in a
 * process of its own (from the compiled dist/ when it is built from these sources, else through
 * tsx's loader: the line says which), with one worker and with two, alternating twice, and the
 * speed-up of the summed times. Every run's rows must be the same (states and verdicts, from
 * `--json`): the bench fails otherwise. MNC_BENCH_MATRIX=0 skips it. (Until 6 December it timed
 * `computeMatrixParallel` inside the bench's own process, whose workers load the sources through
 * tsx: 26.9 s against about 10 s for `mnc matrix` from dist/, not what a user waits for.)
 *
 * Beside it, what the machine gives two of these runs at once at all (as bench/kernel.ts does for
 * one long check): the built-in scenarios split in two halves (every other file), each half as a
 * process of its own (`mnc matrix --jobs 1 --scenario ...`), alone and then both at once; the
 * ceiling is the two times alone over the longer of the two together. The matrix's runs are short
 * and much of each is V8 compiling the model's code, which with one worker runs on the other core
 * (docs/checker.md, "Sleep sets in each side"). The parallel exploration of one check is
 * bench/kernel.ts's.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinNames } from '../src/model/kernel/scenario-file.ts';
import { matrixJobs } from '../src/report/matrix.ts';
import { distCurrent } from './lib/dist.ts';
import { exec } from './lib/exec.ts';

const ROOT = join(import.meta.dirname, '..');
const MNC = join(ROOT, 'bin', 'mnc.js');

interface MatrixJsonRow {
  readonly scenario: string;
  readonly variant: string | null;
  readonly states: number;
  readonly verdicts: Record<string, string>;
}

/** `mnc matrix --jobs n` in a process of its own: its wall-clock seconds and its rows (scenario, variant, states, verdicts), sorted. */
async function matrixRun(n: number, dir: string): Promise<{ seconds: number; rows: string[] }> {
  const file = join(dir, `matrix-${n}.json`);
  const r = await exec(process.execPath, [MNC, 'matrix', '--jobs', String(n), '--quiet', '--json', file]);
  const json = JSON.parse(readFileSync(file, 'utf8')) as { rows: MatrixJsonRow[] };
  const rows = json.rows.map((x) => `${x.scenario}@${x.variant ?? ''}: ${x.states} ${JSON.stringify(x.verdicts)}`).sort();
  return { seconds: r.seconds, rows };
}

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
  const how = distCurrent(ROOT) ? 'from dist/' : 'through tsx: dist/ is not built from these sources (npm run build)';
  console.log(`matrix: the main job (${jobs.length} runs: every built-in scenario in every variant), node bin/mnc.js matrix --jobs N, each a process of its own, ${how}; ${cores} cores`);
  const dir = mkdtempSync(join(tmpdir(), 'mnc-bench-matrix-'));
  try {
    const times: Record<1 | 2, number[]> = { 1: [], 2: [] };
    let rows: string[] | null = null;
    let same = true;
    for (let round = 0; round < 2; round++) {
      for (const n of [1, 2] as const) {
        const r = await matrixRun(n, dir);
        times[n].push(r.seconds);
        if (r.rows.length !== jobs.length) same = false;
        if (rows === null) rows = r.rows;
        else if (r.rows.join('\n') !== rows.join('\n')) same = false;
      }
    }
    const sum = (a: readonly number[]): number => a.reduce((x, y) => x + y, 0);
    const list = (a: readonly number[]): string => a.map((t) => t.toFixed(1)).join(', ');
    console.log(`  --jobs 1: ${list(times[1])} s; --jobs 2: ${list(times[2])} s (alternating)`);
    console.log(
      `  speed-up with 2 workers: ${(sum(times[1]) / sum(times[2])).toFixed(2)}x (the summed times; target >= 1.6x on 2 cores)${same ? '; every run gave the same rows' : '; FAIL: the rows differ between runs'}`,
    );
    console.log(`  the machine's ceiling for these runs: ${await ceiling()}`);
    return same;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
