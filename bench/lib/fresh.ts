/**
 * A check run in a process of its own, as `mnc check` runs one: a bench module started again with
 * `--check ARGS...` runs the check and prints its result as one JSON line ({@link printResult}),
 * which {@link freshCheck} reads. A process that has already explored other configurations (the
 * growth series, the one-thread kernel check) carries their JIT feedback and heap into the next
 * check, faster or slower than a user's `mnc check` would be.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CheckResult } from '../../src/checker/index.ts';
import { exec } from './exec.ts';
import { mainThreadCpuSeconds } from './thread-cpu.ts';

export interface FreshRun {
  readonly complete: boolean;
  readonly reason?: string;
  readonly states: number;
  readonly transitions: number;
  /** The check's own seconds (from the scenario loaded to the result), without the process's start. */
  readonly seconds: number;
  /** The whole process's CPU seconds when the result was printed (start included), and its main thread's (bench/lib/thread-cpu.ts; absent without /proc). */
  readonly cpu: number;
  readonly mainCpu?: number;
}

/** Run the bench module `moduleUrl` (its `import.meta.url`) with `--check ...args` in a new process: the result its child part printed. */
export async function freshCheck(moduleUrl: string, args: readonly string[]): Promise<FreshRun> {
  const r = await exec(process.execPath, [...process.execArgv, fileURLToPath(moduleUrl), '--check', ...args]);
  const line = r.out.split('\n').find((l) => l.startsWith('{'));
  if (line === undefined) throw new Error(`${fileURLToPath(moduleUrl)} --check ${args.join(' ')} printed no result:\n${r.out}`);
  return JSON.parse(line) as FreshRun;
}

/** The arguments after `--check` when the module `moduleUrl` is this process's main module started by {@link freshCheck}; else undefined. */
export function checkArgs(moduleUrl: string): readonly string[] | undefined {
  const main = process.argv[1];
  if (process.argv[2] !== '--check' || main === undefined || pathToFileURL(main).href !== moduleUrl) return undefined;
  return process.argv.slice(3);
}

function cpuNow(): { cpu: number; mainCpu?: number } {
  const u = process.cpuUsage();
  const main = mainThreadCpuSeconds();
  return { cpu: (u.user + u.system) / 1e6, ...(main === undefined ? {} : { mainCpu: main }) };
}

/** The child's part: print a check's result and its seconds for {@link freshCheck}. */
export function printResult(result: CheckResult<unknown, unknown>, seconds: number): void {
  const out: FreshRun = {
    complete: result.status !== 'incomplete',
    ...(result.status === 'incomplete' ? { reason: result.reason } : {}),
    states: result.stats.states,
    transitions: result.stats.transitions,
    seconds,
    ...cpuNow(),
  };
  console.log(JSON.stringify(out));
}
