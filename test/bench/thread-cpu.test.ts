import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mainThreadCpuSeconds } from '../../bench/lib/thread-cpu.ts';

describe('mainThreadCpuSeconds (bench/lib/thread-cpu.ts)', () => {
  it('counts the main thread\'s own CPU, within the whole process\'s (undefined without /proc)', () => {
    if (!existsSync(`/proc/self/task/${process.pid}/stat`)) {
      expect(mainThreadCpuSeconds()).toBeUndefined();
      return;
    }
    const before = mainThreadCpuSeconds()!;
    // Half a second of CPU on this thread.
    const t0 = performance.now();
    let x = 0;
    while (performance.now() - t0 < 500) x = (x * 31 + 7) | 0;
    expect(x).not.toBeNaN();
    const after = mainThreadCpuSeconds()!;
    const u = process.cpuUsage();
    // Ticks of 10 ms; a busy host may take a little of the half second from this thread.
    expect(after - before).toBeGreaterThan(0.3);
    expect(after - before).toBeLessThan(0.8);
    expect(after).toBeLessThanOrEqual((u.user + u.system) / 1e6 + 0.02);
  });
});
