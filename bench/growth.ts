/**
 * Growth in identical threads (issue 12's growth series): the oom_reaper, the amdgpu CS ioctl and k
 * identical madvise threads (the same range of amdgpu's BO, so every pair meets the others and the
 * ioctl on amn->lock), for k = 1, 2, ...; then the same without the ioctl. Prints distinct states, transitions and seconds per k, the
 * ratio to k - 1, and which growth the series fits: a polynomial k^d (d from consecutive log-log
 * slopes), an exponential b^k, or neither yet (the ratios falling while the slopes rise). Each series runs with symmetry reduction (the default: the k
 * madvise threads are one class, src/model/lang/symmetry.ts) and then without it (`--no-symmetry`),
 * so the two are side by side in one run.
 *
 * Each k runs with every property, to completion or MNC_BENCH_GROWTH_SECONDS (default 60) of
 * exploration, whichever comes first; the series stops at the first k that does not complete (its
 * row is marked incomplete and is not fitted) or at MNC_BENCH_GROWTH_K (default 8).
 * MNC_BENCH_GROWTH=0 skips it.
 */
import { parseScenario } from '../src/model/kernel/scenario-file.ts';
import { runScenario } from '../src/report/run.ts';

/** The growth series' scenario for k madvise threads, with or without the CS ioctl (JSON text; bench/spin.ts runs it too). */
export function scenario(k: number, ioctl: boolean): string {
  return JSON.stringify({
    name: `growth-${k}`,
    description: `the oom_reaper${ioctl ? ', the amdgpu CS ioctl' : ''} and ${k} identical madvise threads over amdgpu's BO`,
    core: 'v4.19',
    oom: true,
    vmas: [{ start: 0, end: 4 }, { start: 8, end: 12, file: true, shared: true }],
    notifiers: [{ use: 'amdgpu@93065ac753e4', objects: [{ start: 8, end: 10 }] }],
    threads: [
      { kind: 'oom_reaper' },
      ...(ioctl ? [{ kind: 'amdgpu:cs_v4_19' }] : []),
      ...Array.from({ length: k }, (_, i) => ({ kind: 'madvise', name: `madvise${i + 1}`, params: { start: 8, len: 2 } })),
    ],
  });
}

export function run(): boolean {
  if (process.env.MNC_BENCH_GROWTH === '0') {
    console.log('growth: skipped (MNC_BENCH_GROWTH=0)');
    return true;
  }
  for (const ioctl of [true, false]) for (const symmetry of [true, false]) series(ioctl, symmetry);
  return true;
}

function series(ioctl: boolean, symmetry: boolean): void {
  const maxK = Number(process.env.MNC_BENCH_GROWTH_K ?? 8);
  const seconds = Number(process.env.MNC_BENCH_GROWTH_SECONDS ?? 60);
  console.log(`growth in identical threads: oom_reaper${ioctl ? ' + amdgpu CS ioctl' : ''} + k madvise threads over one BO, ${symmetry ? 'with' : 'WITHOUT'} symmetry reduction (every property; ${seconds} s per k at most)`);
  console.log('  k  status      distinct states   transitions   seconds   x previous   log-log slope');
  const done: { k: number; states: number }[] = [];
  for (let k = 1; k <= maxK; k++) {
    const sc = parseScenario(scenario(k, ioctl), `growth-${k}`);
    const t0 = performance.now();
    const r = runScenario(sc, { timeMs: seconds * 1000, symmetry });
    const s = (performance.now() - t0) / 1000;
    const st = r.result.stats;
    const prev = done[done.length - 1];
    const complete = r.result.status !== 'incomplete';
    const ratio = prev && complete ? (st.states / prev.states).toFixed(2) : '';
    const slope = prev && complete ? (Math.log(st.states / prev.states) / Math.log(k / prev.k)).toFixed(2) : '';
    console.log(
      `  ${String(k).padStart(1)}  ${(complete ? 'complete' : 'incomplete').padEnd(10)}  ${st.states.toLocaleString('en-US').padStart(15)}   ${st.transitions.toLocaleString('en-US').padStart(11)}   ${s.toFixed(1).padStart(7)}   ${ratio.padStart(10)}   ${slope.padStart(13)}`,
    );
    if (!complete) break;
    done.push({ k, states: st.states });
  }
  if (done.length >= 3) {
    // Exponential: a constant ratio; polynomial: a constant log-log slope. Say which is steadier.
    const ratios = done.slice(1).map((d, i) => d.states / done[i]!.states);
    const slopes = done.slice(1).map((d, i) => Math.log(d.states / done[i]!.states) / Math.log(d.k / done[i]!.k));
    const spread = (xs: number[]): number => (Math.max(...xs) - Math.min(...xs)) / (xs.reduce((a, b) => a + b, 0) / xs.length);
    const last = done.slice(-3);
    const b = Math.pow(last[2]!.states / last[0]!.states, 1 / (last[2]!.k - last[0]!.k));
    const d = Math.log(last[2]!.states / last[0]!.states) / Math.log(last[2]!.k / last[0]!.k);
    const [r1, r2] = ratios.slice(-2) as [number, number];
    const [s1, s2] = slopes.slice(-2) as [number, number];
    // Falling ratios and rising slopes: slower than an exponential so far, faster than any fixed degree so far; say so rather than pick one.
    const fit =
      r2 < r1 && s2 > s1
        ? `neither yet: the ratios fall (slower than b^k so far) and the log-log slopes rise (faster than any fixed k^d so far); over the last three rows about ${b.toFixed(2)}^k or k^${d.toFixed(1)}`
        : spread(ratios.slice(-2)) <= spread(slopes.slice(-2))
          ? `exponential, about ${b.toFixed(2)}^k`
          : `polynomial, about k^${d.toFixed(1)}`;
    console.log(`  fit over k = ${last[0]!.k}..${last[2]!.k}: ${fit} (ratios ${ratios.map((x) => x.toFixed(2)).join(', ')}; slopes ${slopes.map((x) => x.toFixed(2)).join(', ')})`);
  } else console.log('  fit: fewer than three complete rows');
}
