/**
 * A worker thread of `mnc compare --jobs N` (compare.ts, pool.ts): runs the sides it is sent, one
 * at a time, and posts each back as plain data (verdicts, counts, and the trace of its
 * counterexamples). The pool stops it through a shared flag the engine reads as an aborted signal.
 */
import { runSide, type SideJob, type SideRun } from './compare.ts';
import { serveJobs } from './pool.ts';

serveJobs<SideJob, SideRun, Record<string, never>>((job, _data, signal) => runSide(job, signal));
