/**
 * src/checker/scavenger.ts: parallel scavenging off while every core runs an exploring isolate (a
 * parallel search, a pool of matrix workers), and back on after. The V8 flag is process-wide and
 * cannot be read back: the tests watch the calls that set it.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

const setFlags = vi.hoisted(() => vi.fn());
vi.mock('node:v8', async (original) => ({ ...(await original<typeof import('node:v8')>()), setFlagsFromString: setFlags }));
const cores = vi.hoisted(() => ({ n: 2 }));
vi.mock('node:os', async (original) => ({ ...(await original<typeof import('node:os')>()), availableParallelism: () => cores.n }));

const { scavengeAlone, scavengeAloneWhen } = await import('../../src/checker/scavenger.ts');
const { checkParallel } = await import('../../src/checker/parallel.ts');
const { philosophers } = await import('./fixtures/parallel-models.ts');
const { computeMatrixParallel } = await import('../../src/report/matrix-pool.ts');
const { matrixJobs } = await import('../../src/report/matrix.ts');

const OFF = ['--no-parallel-scavenge'];
const ON = ['--parallel-scavenge'];
const FIXTURES = new URL('./fixtures/parallel-models.ts', import.meta.url).href;

describe('the scavenger while every core explores', () => {
  beforeEach(() => {
    setFlags.mockClear();
    cores.n = 2;
  });

  it('scavenges alone when as many isolates as cores, or more, explore at once; never for one isolate', () => {
    expect(scavengeAloneWhen(2, 2, [])).toBe(true);
    expect(scavengeAloneWhen(3, 2, [])).toBe(true);
    expect(scavengeAloneWhen(4, 4, [])).toBe(true);
    expect(scavengeAloneWhen(2, 4, [])).toBe(false);
    expect(scavengeAloneWhen(1, 1, [])).toBe(false);
    expect(scavengeAloneWhen(1, 2, [])).toBe(false);
  });

  it("leaves the user's own choice alone, on the command line or in NODE_OPTIONS", () => {
    for (const opt of ['--parallel-scavenge', '--no-parallel-scavenge', '--parallel_scavenge', '--v8-pool-size=1', '--v8-pool-size']) {
      expect(scavengeAloneWhen(2, 2, ['--max-old-space-size=4096', opt]), opt).toBe(false);
    }
    // Options that only look alike are not the user's choice of scavenger.
    for (const opt of ['--parallel-scavenge-x', '--trace-parallel-scavenge', '--v8-pool-sizes=2']) expect(scavengeAloneWhen(2, 2, [opt]), opt).toBe(true);
    const saved = process.env['NODE_OPTIONS'];
    try {
      process.env['NODE_OPTIONS'] = '--max-old-space-size=4096  --v8-pool-size=2';
      scavengeAlone(2)();
      expect(setFlags).not.toHaveBeenCalled();
      process.env['NODE_OPTIONS'] = '--max-old-space-size=4096';
      scavengeAlone(2)();
      expect(setFlags.mock.calls).toEqual([OFF, ON]);
    } finally {
      if (saved === undefined) delete process.env['NODE_OPTIONS'];
      else process.env['NODE_OPTIONS'] = saved;
    }
  });

  it('turns it off at the first hold and back on when the last ends, each end counted once', () => {
    const a = scavengeAlone(2, 2, []);
    const b = scavengeAlone(2, 2, []);
    expect(setFlags.mock.calls).toEqual([OFF]);
    a();
    a();
    expect(setFlags.mock.calls).toEqual([OFF]);
    b();
    expect(setFlags.mock.calls).toEqual([OFF, ON]);
    scavengeAlone(2, 8, [])();
    expect(setFlags.mock.calls).toEqual([OFF, ON]);
  });

  it('a parallel search on as many sides as cores scavenges alone while it runs, and not on more cores', async () => {
    const r = await checkParallel(philosophers(3).model, { module: FIXTURES, name: 'philosophers', arg: 3 }, { workers: 2, findAll: true });
    expect(r.stats.states).toBe(45);
    expect(setFlags.mock.calls).toEqual([OFF, ON]);
    setFlags.mockClear();
    cores.n = 16;
    await checkParallel(philosophers(3).model, { module: FIXTURES, name: 'philosophers', arg: 3 }, { workers: 2, findAll: true });
    expect(setFlags).not.toHaveBeenCalled();
  });

  it('so does a pool of matrix workers, turning it back on when they are done', async () => {
    const jobs = matrixJobs(['gntdev-reaper']).slice(0, 2);
    const { rows } = await computeMatrixParallel(jobs, {}, 2, false);
    expect(rows.length).toBe(2);
    expect(setFlags.mock.calls).toEqual([OFF, ON]);
  });
});
