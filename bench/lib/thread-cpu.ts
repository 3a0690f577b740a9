/**
 * The CPU seconds of this process's main thread, apart from its other threads (V8's background
 * threads: TurboFan compiling, concurrent marking and sweeping; libuv's pool): read from Linux's
 * /proc/self/task/<pid>/stat (utime + stime, in USER_HZ ticks, 100 a second on every Linux
 * architecture node runs on). Undefined where there is no /proc.
 */
import { readFileSync } from 'node:fs';

export function mainThreadCpuSeconds(): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The fields after the command name, which is in parentheses and may hold spaces.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]);
  return Number.isFinite(ticks) ? ticks / 100 : undefined;
}

/**
 * About the most a check can gain split over `n` threads on `n` cores, started from nothing, from
 * one thread's check whose main thread spent `mainCpu` CPU-seconds (W) and whose other threads
 * `otherCpu` (C: V8's compiling and concurrent marking). One thread takes about W, its other
 * threads running on an idle core; `n` threads share W but each isolate compiles and marks for
 * itself, so `n` cores run at least W + n·C and the time is at least (W + n·C)/n: the speed-up is
 * at most n·W/(W + n·C).
 * An estimate, not a guarantee: a second isolate that compiles less than the first (it starts
 * later) or a one-thread run slowed by a neighbour can put a measured speed-up a little above it.
 * NaN where W is not positive.
 */
export function splitSpeedupBound(n: number, mainCpu: number, otherCpu: number): number {
  return mainCpu > 0 ? (n * mainCpu) / (mainCpu + n * Math.max(0, otherCpu)) : Number.NaN;
}
