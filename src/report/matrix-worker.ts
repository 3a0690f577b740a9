/**
 * A worker thread of the parallel matrix (matrix-pool.ts, pool.ts): runs the jobs it is sent, one
 * at a time, and posts each row back. The pool stops it through a shared flag the engine reads as
 * an aborted signal (the run then ends `interrupted`, as `mnc check` does at Ctrl-C).
 */
import { matrixRow, type MatrixJob, type MatrixRow, type MatrixRunOptions } from './matrix.ts';
import { serveJobs } from './pool.ts';

serveJobs<MatrixJob, MatrixRow, { readonly options: MatrixRunOptions; readonly traces: boolean }>((job, data, signal) => matrixRow(job, { ...data.options, signal }, data.traces));
