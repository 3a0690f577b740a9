import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mainThreadCpuSeconds, splitSpeedupBound } from '../../bench/lib/thread-cpu.ts';

describe('mainThreadCpuSeconds (bench/lib/thread-cpu.ts)', () => {
  it('counts the main thread\'s own CPU, within the whole process\'s (undefined without /proc)', () => {
    if (!existsSync(`/proc/self/task/${process.pid}/stat`)) {
      expect(mainThreadCpuSeconds()).toBeUndefined();
      return;
    }
    const before = mainThreadCpuSeconds()!;
    // Half a second of CPU on this thread: counted in the process's CPU, not in wall time, which a
    // loaded host shares out (half a second of wall time gave this thread 0.22-0.29 s of CPU beside
    // `npm run verify:reduction`). The other threads are idle meanwhile; 20 s of wall time at most.
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let x = 0;
    for (;;) {
      for (let i = 0; i < 100_000; i++) x = (x * 31 + 7) | 0;
      const d = process.cpuUsage(cpu0);
      if (d.user + d.system >= 500_000 || performance.now() - t0 > 20_000) break;
    }
    expect(x).not.toBeNaN();
    const after = mainThreadCpuSeconds()!;
    const u = process.cpuUsage();
    // Ticks of 10 ms, and what the other threads took of the half second.
    expect(after - before).toBeGreaterThan(0.3);
    expect(after - before).toBeLessThan(0.8);
    expect(after).toBeLessThanOrEqual((u.user + u.system) / 1e6 + 0.02);
  });
});

describe('splitSpeedupBound (bench/lib/thread-cpu.ts)', () => {
  it('is n·W/(W + n·C): hand-derived cases', () => {
    // W = 4, C = 1 on 2 threads: 8 / 6.
    expect(splitSpeedupBound(2, 4, 1)).toBeCloseTo(4 / 3, 12);
    // Nothing on the other threads: the threads' number itself.
    expect(splitSpeedupBound(2, 4, 0)).toBe(2);
    expect(splitSpeedupBound(4, 3, 0)).toBe(4);
    // The last bench's figures, W = 3.9 and C = 1.4: 7.8 / 6.7.
    expect(splitSpeedupBound(2, 3.9, 1.4)).toBeCloseTo(1.164, 3);
    // n threads on n cores: with one core, the compiling takes its time from the main thread's.
    expect(splitSpeedupBound(1, 4, 1)).toBeCloseTo(0.8, 12);
  });
  it('is NaN without main-thread CPU, and takes a negative C (clock ticks) as none', () => {
    expect(splitSpeedupBound(2, 0, 1)).toBeNaN();
    expect(splitSpeedupBound(2, 4, -0.01)).toBe(2);
  });
});
