/**
 * src/checker/scavenger.ts: parallel scavenging off while every core runs an exploring isolate (a
 * parallel search, a pool of matrix workers), and back on after. The V8 flag is process-wide and
 * cannot be read back: the tests watch the calls that set it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkParallel } from '../../src/checker/parallel.ts';
import { scavengeAlone, scavengeAloneWhen, scavengerEnv } from '../../src/checker/scavenger.ts';
import { computeMatrixParallel } from '../../src/report/matrix-pool.ts';
import { matrixJobs } from '../../src/report/matrix.ts';
import { philosophers } from './fixtures/parallel-models.ts';

const OFF = ['--no-parallel-scavenge'];
const ON = ['--parallel-scavenge'];
const FIXTURES = new URL('./fixtures/parallel-models.ts', import.meta.url).href;
const real = { ...scavengerEnv };
/** The flags set, in order (each call's arguments). */
let calls: string[][] = [];
let cores = 2;
let options: string[] = [];

describe('the scavenger while every core explores', () => {
  beforeEach(() => {
    calls = [];
    cores = 2;
    options = [];
    scavengerEnv.cores = () => cores;
    scavengerEnv.options = () => options;
    scavengerEnv.setFlag = (flag) => void calls.push([flag]);
  });
  afterEach(() => Object.assign(scavengerEnv, real));

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
    options = ['--v8-pool-size=2'];
    scavengeAlone(2)();
    expect(calls).toEqual([]);
    options = ['--max-old-space-size=4096'];
    scavengeAlone(2)();
    expect(calls).toEqual([OFF, ON]);
  });

  it("reads the user's options from node's command line and NODE_OPTIONS", () => {
    const saved = process.env['NODE_OPTIONS'];
    try {
      process.env['NODE_OPTIONS'] = '--max-old-space-size=4096  --v8-pool-size=2';
      expect(real.options()).toEqual([...process.execArgv, '--max-old-space-size=4096', '--v8-pool-size=2']);
      delete process.env['NODE_OPTIONS'];
      expect(real.options()).toEqual(process.execArgv);
    } finally {
      if (saved === undefined) delete process.env['NODE_OPTIONS'];
      else process.env['NODE_OPTIONS'] = saved;
    }
  });

  it('turns it off at the first hold and back on when the last ends, each end counted once', () => {
    const a = scavengeAlone(2);
    const b = scavengeAlone(3);
    expect(calls).toEqual([OFF]);
    a();
    a();
    expect(calls).toEqual([OFF]);
    b();
    expect(calls).toEqual([OFF, ON]);
    cores = 8;
    scavengeAlone(2)();
    expect(calls).toEqual([OFF, ON]);
  });

  it('a parallel search on as many sides as cores scavenges alone while it runs, and not on more cores', async () => {
    const r = await checkParallel(philosophers(3).model, { module: FIXTURES, name: 'philosophers', arg: 3 }, { workers: 2, findAll: true });
    expect(r.stats.states).toBe(45);
    expect(calls).toEqual([OFF, ON]);
    calls = [];
    cores = 16;
    await checkParallel(philosophers(3).model, { module: FIXTURES, name: 'philosophers', arg: 3 }, { workers: 2, findAll: true });
    expect(calls).toEqual([]);
  });

  it('so does a pool of matrix workers, turning it back on when they are done', async () => {
    const jobs = matrixJobs(['gntdev-reaper']).slice(0, 2);
    const { rows } = await computeMatrixParallel(jobs, {}, 2, false);
    expect(rows.length).toBe(2);
    expect(calls).toEqual([OFF, ON]);
  });
});
