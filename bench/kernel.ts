/**
 * The kernel model at scale: explores bench/scenarios/reaper-ioctl-two-pairs.json (the oom_reaper,
 * an amdgpu ioctl writer and two concurrent blockable pairs over amdgpu and KVM) to completion with
 * every property, and prints distinct states, transitions, seconds and states/s. Set
 * MNC_BENCH_KERNEL=0 to skip it (it takes minutes).
 */
import { join } from 'node:path';
import { loadScenarioFile } from '../src/model/scenario-file.ts';
import { runScenario } from '../src/report/run.ts';

export function run(): boolean {
  if (process.env.MNC_BENCH_KERNEL === '0') {
    console.log('kernel: skipped (MNC_BENCH_KERNEL=0)');
    return true;
  }
  const sc = loadScenarioFile(join(import.meta.dirname, 'scenarios', 'reaper-ioctl-two-pairs.json'));
  const t0 = performance.now();
  const r = runScenario(sc, {});
  const seconds = (performance.now() - t0) / 1000;
  const s = r.result.stats;
  const violated = r.result.verdicts.filter((v) => v.status === 'violated').map((v) => v.property);
  console.log(
    [
      'kernel model: reaper + amdgpu ioctl writer + two blockable pairs over amdgpu and KVM (bench/scenarios/reaper-ioctl-two-pairs.json)',
      `  status:           ${r.result.status}`,
      `  distinct states:  ${s.states.toLocaleString('en-US')}`,
      `  transitions:      ${s.transitions.toLocaleString('en-US')}`,
      `  max depth:        ${s.maxDepth}`,
      `  seconds:          ${seconds.toFixed(1)}`,
      `  states/s:         ${Math.round(s.states / seconds).toLocaleString('en-US')}`,
      `  visited bytes:    ${(s.visitedBytes / 2 ** 20).toFixed(1)} MiB (${(s.visitedBytes / s.states).toFixed(2)} per state); liveness ${(s.livenessBytes / 2 ** 20).toFixed(1)} MiB`,
      `  violated:         ${violated.join(', ') || 'none'}`,
    ].join('\n'),
  );
  return r.result.status !== 'incomplete';
}
