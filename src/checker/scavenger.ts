/**
 * V8's young-generation collector (the scavenger) while every core runs an exploring isolate.
 *
 * V8 scavenges in parallel with as many tasks as `min(new space in MB + 1, 8, platform worker
 * threads + 1)` (v8/src/heap/scavenger.cc, `ScavengerCollector::NumberOfScavengeTasks`; Node's
 * platform has 4 worker threads whatever the machine, `--v8-pool-size`). An exploration allocates a
 * young generation's worth every few tens of milliseconds (the kernel bench: about 300 scavenges in
 * 9 s). On one thread the helper tasks run on a core nothing else uses, and the main thread gains:
 * there, scavenging on the main thread alone made a one-thread kernel check 3-5% slower on the
 * 2-core container (8.8-9.1 s against 9.2-9.6 s). But when each core already runs an isolate (a
 * parallel search with as many sides as cores, a matrix with as many workers), the helpers take
 * their time from another isolate, and cost more CPU than they save: on 2 threads the kernel
 * check took 7.16-7.29 s with the scavenge on each isolate's own thread against 7.39-7.47 s
 * (docs/checker.md, "Performance").
 *
 * So {@link scavengeAlone} turns parallel scavenging off (`--no-parallel-scavenge`, which V8 reads
 * at each scavenge, so it can be set after start-up; V8's other collectors are left as they are:
 * turning concurrent marking off after start-up crashes V8) while as many isolates as cores, or
 * more, explore at once, and back on when the last of them ends. It changes how fast, never what is
 * explored. A flag the user gave (`--parallel-scavenge`, `--no-parallel-scavenge`,
 * `--v8-pool-size`, on the command line or in NODE_OPTIONS) is left alone.
 */
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';

/** The V8 options of this process's command line and NODE_OPTIONS. */
function nodeOptions(): string[] {
  return [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)].filter((a) => a !== '');
}

/**
 * Whether `isolates` exploring at once on `cores` cores should scavenge each on its own thread:
 * they occupy every core, and no option of the user's decides the scavenger. Exported for the tests.
 */
export function scavengeAloneWhen(isolates: number, cores: number, options: readonly string[]): boolean {
  if (options.some((a) => /^--(no-)?parallel[-_]scavenge(=|$)|^--v8[-_]pool[-_]size(=|$)/.test(a))) return false;
  return isolates > 1 && isolates >= cores;
}

/**
 * What this module asks of Node: the cores, the user's options, and the setting of a V8 flag. The
 * tests replace them (a V8 flag cannot be read back, and the test runner shares modules between
 * test files, so mocking `node:v8` would not reach a copy of this module loaded before).
 */
export const scavengerEnv = {
  cores: (): number => availableParallelism(),
  options: nodeOptions,
  setFlag: (flag: string): void => setFlagsFromString(flag),
};

/** How many {@link scavengeAlone} holds are open. */
let holds = 0;

/**
 * Parallel scavenging off for as long as `isolates` isolates explore at once, where
 * {@link scavengeAloneWhen} says so; the function returned ends the hold (the last hold ended turns
 * it back on). Calling it again does nothing.
 */
export function scavengeAlone(isolates: number): () => void {
  if (!scavengeAloneWhen(isolates, scavengerEnv.cores(), scavengerEnv.options())) return () => {};
  if (holds++ === 0) scavengerEnv.setFlag('--no-parallel-scavenge');
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    if (--holds === 0) scavengerEnv.setFlag('--parallel-scavenge');
  };
}
