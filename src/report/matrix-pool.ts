/**
 * The matrix on several cores (`mnc matrix --jobs N`): worker threads each run one job at a time
 * (matrix-worker.ts, through pool.ts); rows come back as plain data, in the order of the jobs
 * whatever order they finish in. A signal stops every running job (it ends `interrupted`) and
 * leaves the rest not run.
 */
import type { MatrixJob, MatrixRow, MatrixRunOptions } from './matrix.ts';
import { runInWorkers } from './pool.ts';

export interface PoolResult {
  /** The rows of the jobs that ran, in job order. */
  readonly rows: readonly MatrixRow[];
  /** The jobs a signal stopped before they started. */
  readonly notRun: readonly MatrixJob[];
}

/** Run `jobs` on `n` worker threads. `onRow` reports each row as it arrives. */
export async function computeMatrixParallel(
  jobs: readonly MatrixJob[],
  o: MatrixRunOptions,
  n: number,
  traces: boolean,
  onRow: (r: MatrixRow) => void = () => {},
  signal?: AbortSignal,
): Promise<PoolResult> {
  const rows = await runInWorkers<MatrixJob, MatrixRow>('matrix-worker', jobs, { options: o, traces }, n, (r) => onRow(r), signal);
  return { rows: rows.filter((r): r is MatrixRow => r !== undefined), notRun: jobs.filter((_, i) => rows[i] === undefined) };
}
