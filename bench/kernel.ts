/**
 * The kernel model at scale: explores bench/scenarios/reaper-ioctl-two-pairs.json (the oom_reaper,
 * an amdgpu ioctl writer and two concurrent blockable pairs over amdgpu and KVM) to completion with
 * every property, and prints distinct states, transitions, seconds, microseconds per explored state
 * (wall clock and CPU) and the process's peak RSS. Set MNC_BENCH_KERNEL=0 to skip it (it takes
 * minutes), or MNC_BENCH_KERNEL_STATES=N to stop after N states (`incomplete`, which then counts as
 * a success: the figures are what the bound is for).
 *
 * Then the same check on 2 threads, the main thread and a worker (src/checker/parallel.ts): its states, transitions and
 * seconds, the speed-up over the one-thread run just made, and whether the verdicts are the same;
 * then both again, each in a process of its own (bench/lib/fresh.ts), as `mnc check` runs one (the
 * in-process run starts with the main thread's code compiled by the one-thread run); then `mnc
 * check --all -q --jobs N` and `--jobs 1` themselves (node bin/mnc.js, from dist/ when it is current),
 * the whole process, which starts its workers before it reads the scenario.
 * Set MNC_BENCH_KERNEL_WORKERS=N for another count (0 skips it). Beside it, what the machine gives
 * two threads at all on this workload: the one-thread check stopped at 300,000 states, alone and then
 * as N copies at once, each on a worker thread of its own, sharing nothing (the ceiling of any
 * parallel search here), and again as each copy's second run in its thread, its code compiled; an
 * integer loop alone and as N at once (what the host gives its cores at that moment, which a
 * neighbour's load lowers); and the one-thread process's CPU on its main thread and on its other
 * threads (V8's compiling, mostly).
 *
 * Then each reduction off in turn (sleep sets, with the run-through judged from where the other
 * threads are as it is without them; partial-order reduction alone; every reduction, i.e.
 * `--no-coalesce`), each run bounded by MNC_BENCH_KERNEL_OFF_SECONDS (default 60): their states
 * and transitions, complete or not. The scenario has no identical threads, so symmetry reduction
 * has nothing to do here (bench/growth.ts measures it).
 */
import { join } from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { loadScenarioFile } from '../src/model/kernel/scenario-file.ts';
import { propertyVerdicts, runScenario, runScenarioAsync } from '../src/report/run.ts';
import { distCurrent } from './lib/dist.ts';
import { exec } from './lib/exec.ts';
import { checkArgs, freshCheck, printResult } from './lib/fresh.ts';
import { splitSpeedupBound } from './lib/thread-cpu.ts';
import { spawnBenchWorker } from './lib/worker.ts';

const SCENARIO = join(import.meta.dirname, 'scenarios', 'reaper-ioctl-two-pairs.json');
const ROOT = join(import.meta.dirname, '..');
const MNC = join(ROOT, 'bin', 'mnc.js');
const COPY_STATES = 300_000;

/** The one-thread check stopped at COPY_STATES: its seconds. */
function copy(): number {
  const t0 = performance.now();
  runScenario(loadScenarioFile(SCENARIO), { maxStates: COPY_STATES });
  return (performance.now() - t0) / 1000;
}

// As a worker thread of the ceiling measurement: the copy run twice in the thread (the second with
// its code compiled by the first), both runs' seconds posted back. The copies' second runs overlap
// as their first runs ended together: within the first runs' spread.
if (!isMainThread && (workerData as { copy?: boolean } | null)?.copy === true) parentPort!.postMessage([copy(), copy()]);

/** Iterations of {@link loop}: about 1.5 s on the 2-core container when it is quiet. */
const LOOP = 300_000_000;

/** An integer loop's seconds: what a core gives work that touches no memory (the host's load shows in it). */
function loop(): number {
  const t0 = performance.now();
  let x = 0;
  for (let i = 0; i < LOOP; i++) x = (x * 31 + i) | 0;
  const s = (performance.now() - t0) / 1000;
  // x is used, so that the loop is not taken out.
  return x === 0.5 ? -1 : s;
}

// As a worker thread of the cores' measurement: the loop's seconds posted back.
if (!isMainThread && (workerData as { loop?: boolean } | null)?.loop === true) parentPort!.postMessage(loop());

// As the child of freshCheck (bench/lib/fresh.ts): the whole check on N threads (`--check N`), its result printed.
const child = isMainThread ? checkArgs(import.meta.url) : undefined;
if (child !== undefined) {
  const n = Number(child[0]);
  const bound = process.env.MNC_BENCH_KERNEL_STATES === undefined ? {} : { maxStates: Number(process.env.MNC_BENCH_KERNEL_STATES) };
  const sc = loadScenarioFile(SCENARIO);
  const t0 = performance.now();
  const r = n > 1 ? await runScenarioAsync(sc, { workers: n, ...bound }) : runScenario(sc, bound);
  printResult(r.result, (performance.now() - t0) / 1000);
}

/** What `n` worker threads running this module with `data` at once post back, one reply each. */
async function atOnce<T>(n: number, data: { readonly copy: true } | { readonly loop: true }): Promise<T[]> {
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<T>((resolve, reject) => {
          const w = spawnBenchWorker(import.meta.url, data);
          w.once('message', (s: T) => void w.terminate().then(() => resolve(s)));
          w.once('error', reject);
        }),
    ),
  );
}

/** Seconds of `n` copies run at once on worker threads (each its own model, nothing shared): per copy, its first run's and its second's. */
function copies(n: number): Promise<(readonly [number, number])[]> {
  return atOnce<readonly [number, number]>(n, { copy: true });
}

export async function run(): Promise<boolean> {
  if (process.env.MNC_BENCH_KERNEL === '0') {
    console.log('kernel: skipped (MNC_BENCH_KERNEL=0)');
    return true;
  }
  const bound = process.env.MNC_BENCH_KERNEL_STATES === undefined ? undefined : Number(process.env.MNC_BENCH_KERNEL_STATES);
  const sc = loadScenarioFile(SCENARIO);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = runScenario(sc, bound === undefined ? {} : { maxStates: bound });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const s = r.result.stats;
  const violated = r.result.verdicts.filter((v) => v.status === 'violated').map((v) => v.property);
  // maxRSS is in KiB.
  const peak = process.resourceUsage().maxRSS / 1024;
  console.log(
    [
      `kernel model: reaper + amdgpu ioctl writer + two blockable pairs over amdgpu and KVM (bench/scenarios/reaper-ioctl-two-pairs.json)${bound === undefined ? '' : `, stopped at ${bound.toLocaleString('en-US')} states`}`,
      `  status:           ${r.result.status}${r.result.status === 'incomplete' ? ` (${r.result.reason})` : ''}`,
      `  distinct states:  ${s.states.toLocaleString('en-US')}`,
      `  transitions:      ${s.transitions.toLocaleString('en-US')}${s.namedTransitions === undefined ? '' : ` (${s.namedTransitions.toLocaleString('en-US')} named by sleep sets, not run)`}`,
      `  max depth:        ${s.maxDepth}`,
      `  seconds:          ${seconds.toFixed(1)} (CPU ${cpuSeconds.toFixed(1)})`,
      `  states/s:         ${Math.round(s.states / seconds).toLocaleString('en-US')}`,
      `  us/state:         ${((seconds * 1e6) / s.states).toFixed(1)} (CPU ${((cpuSeconds * 1e6) / s.states).toFixed(1)})`,
      `  peak RSS:         ${peak.toFixed(0)} MiB (the whole process)`,
      `  visited bytes:    ${(s.visitedBytes / 2 ** 20).toFixed(1)} MiB (${(s.visitedBytes / s.states).toFixed(2)} per state); liveness ${(s.livenessBytes / 2 ** 20).toFixed(1)} MiB`,
      `  violated:         ${violated.join(', ') || 'none'}`,
    ].join('\n'),
  );
  const workers = Number(process.env.MNC_BENCH_KERNEL_WORKERS ?? 2);
  let same = true;
  if (workers > 1) {
    const t1 = performance.now();
    const p = await runScenarioAsync(sc, { workers, ...(bound === undefined ? {} : { maxStates: bound }) });
    const ps = p.result.stats;
    const pSeconds = (performance.now() - t1) / 1000;
    // Only complete runs are comparable (each stops at a bound wherever it has got to).
    const comparable = bound === undefined;
    same = !comparable || (JSON.stringify(propertyVerdicts(p)) === JSON.stringify(propertyVerdicts(r)) && ps.states === s.states && ps.transitions === s.transitions);
    console.log(
      [
        `  on ${workers} threads (the main thread and ${workers - 1} worker${workers > 2 ? 's' : ''}): ${ps.states.toLocaleString('en-US')} states, ${ps.transitions.toLocaleString('en-US')} transitions, ${pSeconds.toFixed(1)} s: ${(seconds / pSeconds).toFixed(2)}x the one-thread run above`,
        `    states, transitions and verdicts the same as one thread's: ${comparable ? (same ? 'yes' : 'NO') : 'not compared (both bounded)'}; peak RSS of the process so far ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
      ].join('\n'),
    );
    // The in-process run above starts with the main thread's code already compiled by the one-thread
    // run; `mnc check --jobs N` starts from nothing. Both again, each in a process of its own.
    const many = await freshCheck(import.meta.url, [String(workers)]);
    const one = await freshCheck(import.meta.url, ['1']);
    const freshSame = many.states === s.states && one.states === s.states && many.transitions === s.transitions && one.transitions === s.transitions;
    if (comparable && !freshSame) same = false;
    console.log(
      `    each in a process of its own, as \`mnc check\` runs one: ${many.seconds.toFixed(1)} s on ${workers} threads, ${one.seconds.toFixed(1)} s on one: ${(one.seconds / many.seconds).toFixed(2)}x${comparable ? `; states and transitions the same: ${freshSame ? 'yes' : 'NO'}` : ''}`,
    );
    // `mnc check` itself, the whole process (it starts its workers before it reads the scenario:
    // src/report/prepare-workers.ts), alternated, twice each.
    const cli: Record<string, number[]> = { many: [], one: [] };
    let cliSame = true;
    for (let i = 0; i < 2; i++) {
      for (const [k, j] of [['many', workers], ['one', 1]] as const) {
        const c = await exec(process.execPath, [MNC, 'check', SCENARIO, '--all', '-q', '--jobs', String(j)], { mayFail: true });
        const states = /; (\d+) states,/.exec(c.out)?.[1];
        if (c.status !== 1 || states === undefined) throw new Error(`mnc check --jobs ${j} exited ${String(c.status)}:\n${c.out}`);
        if (comparable && Number(states) !== s.states) cliSame = false;
        cli[k]!.push(c.seconds);
      }
    }
    if (!cliSame) same = false;
    const secs = (xs: readonly number[]): string => xs.map((x) => x.toFixed(1)).join(' and ');
    console.log(
      `    mnc check --all -q as a user runs it (node bin/mnc.js, ${distCurrent(ROOT) ? 'dist/' : 'through tsx: dist/ is not current'}; the whole process): ${secs(cli.many!)} s with --jobs ${workers}, ${secs(cli.one!)} s with --jobs 1: ${(Math.min(...cli.one!) / Math.min(...cli.many!)).toFixed(2)}x (the faster of each)${comparable ? `; states the same: ${cliSame ? 'yes' : 'NO'}` : ''}`,
    );
    // The cores at this moment: this host shares them, and a neighbour's load takes the 2-thread
    // figures above and the ceiling below down with it (7 December: an integer loop 2.00x on both
    // cores at 06:40, 1.75x at 07:28, and the ceiling 1.57x and 1.06x).
    const [loopAlone] = (await atOnce<number>(1, { loop: true })) as [number];
    const loops = await atOnce<number>(workers, { loop: true });
    console.log(
      `    the cores at this moment: an integer loop takes ${loopAlone.toFixed(1)} s alone, ${loops.map((x) => x.toFixed(1)).join(' and ')} s as ${workers} at once: ${((workers * loopAlone) / Math.max(...loops)).toFixed(2)}x (${workers}.00x where the host gives each core wholly)`,
    );
    const [alone] = (await copies(1)) as [readonly [number, number]];
    const together = await copies(workers);
    const ceiling = (run: 0 | 1): string => {
      const slowest = Math.max(...together.map((c) => c[run]));
      return `${alone[run].toFixed(1)} s alone, ${together.map((c) => c[run].toFixed(1)).join(' and ')} s as ${workers} copies at once: ${((workers * alone[run]) / slowest).toFixed(2)}x the work in the same time`;
    };
    console.log(
      [
        `    the machine's ceiling: the one-thread check stopped at ${COPY_STATES.toLocaleString('en-US')} states takes ${ceiling(0)};`,
        `      run again in the same threads, their code compiled (each copy's second run): ${ceiling(1)}`,
      ].join('\n'),
    );
    // What a thread costs beside its exploring: V8 compiles and marks on threads of its own, which a
    // one-thread check has the idle core for and a check on N threads pays per thread (an isolate's
    // compiled code is its own).
    if (one.mainCpu !== undefined) {
      // About the most the check gains split over the threads (splitSpeedupBound; docs/checker.md,
      // "What the compiler's threads cost"). The in-process run above is not bounded so: its main
      // thread's code was compiled by the one-thread run before it.
      const c = one.cpu - one.mainCpu;
      const bound = splitSpeedupBound(workers, one.mainCpu, c);
      console.log(
        [
          `    the one-thread process's CPU: ${one.cpu.toFixed(1)} s, ${one.mainCpu.toFixed(1)} s of it on the main thread (W), ${c.toFixed(1)} s on its other threads (C: V8's compiling and concurrent marking, mostly): on ${workers} threads each isolate compiles its own code,`,
          `      so one check split over ${workers} threads from nothing (each in a process of its own, above) can gain about ${workers}W/(W + ${workers}C) = ${bound.toFixed(2)}x at most, however its sides share the states (an estimate: W and C as this host gave them in that one run)`,
        ].join('\n'),
      );
    }
  }
  const offSeconds = Number(process.env.MNC_BENCH_KERNEL_OFF_SECONDS ?? 60);
  console.log(`  each reduction off (${offSeconds} s at most each; symmetry: ${r.model.symmetry === undefined ? 'no identical threads here' : 'on'}):`);
  for (const [what, o] of [
    ['without sleep sets', { sleepSets: false }],
    ['without partial-order reduction', { por: false }],
    ['without any reduction (--no-coalesce)', { coalesce: false }],
  ] as const) {
    const t1 = performance.now();
    const off = runScenario(sc, { ...o, timeMs: offSeconds * 1000, ...(bound === undefined ? {} : { maxStates: bound }) });
    const os = off.result.stats;
    const done = off.result.status !== 'incomplete';
    console.log(
      `    ${what.padEnd(40)} ${done ? '' : 'over '}${os.states.toLocaleString('en-US')} states, ${os.transitions.toLocaleString('en-US')} transitions, ${((performance.now() - t1) / 1000).toFixed(1)} s${done ? '' : ` (incomplete: ${off.result.status === 'incomplete' ? off.result.reason : ''})`}`,
    );
  }
  if (!same) return false;
  return bound === undefined ? r.result.status !== 'incomplete' : r.result.status !== 'incomplete' || r.result.reason === 'max-states';
}
