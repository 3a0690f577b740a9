/**
 * bench/spin.ts without spin: its parser of pan's output on stored outputs of SPIN 6.5.2 (on the
 * first version of the hand models of bench/spin/*.pml, whose counts have changed since: a safety
 * run with one error, one with several, a liveness run with counts in e-notation), the mapping of pan's error messages to mnc's properties, and that
 * every configuration's .pml runs the threads and notifiers of the mnc scenario it is compared with.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CONFIGS, PML_DIR, parsePan, pmlShape, propertyOfPanError, run, scenarioShape, spinVerdicts } from '../../bench/spin.ts';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

describe("pan's output", () => {
  it('a safety run: states, transitions, depth, errors, seconds and the distinct messages', () => {
    const r = parsePan(fixture('pan-safety-growth-k1.txt'));
    expect(r).toMatchObject({ states: 3880, transitions: 5516, depth: 155, errors: 42, panSeconds: 0, incomplete: false, firstErrorDepth: 34 });
    expect(r.messages).toEqual(['assertion violated blockable']);
  });

  it('several errors: each message once, in the order pan printed them', () => {
    const r = parsePan(fixture('pan-safety-kvm-pairing.txt'));
    expect(r).toMatchObject({ states: 2661, transitions: 3930, errors: 15, firstErrorDepth: 221 });
    expect(r.messages).toEqual(['assertion violated (pairs[_pid]==0)', 'assertion violated  !(unbalanced)']);
  });

  it('a liveness run: "states, stored (N visited)", "transitions (= visited+matched)", e-notation', () => {
    const r = parsePan(fixture('pan-liveness-kernel-bench.txt'));
    expect(r).toMatchObject({ states: 1179476, transitions: 16102530, errors: 0, panSeconds: 6.43, incomplete: false });
    expect(r.messages).toEqual([]);
    expect(parsePan('1.5e+07 states, stored\n2e+07 transitions (= stored+matched)\ndepth reached 9, errors: 0\npan: elapsed time 1e+01 seconds\n')).toMatchObject({
      states: 15_000_000,
      transitions: 20_000_000,
      panSeconds: 10,
    });
  });

  it('a search pan did not complete is marked incomplete, and a missing figure is an error', () => {
    const out = fixture('pan-safety-growth-k1.txt');
    expect(parsePan(`error: max search depth too small\n${out}`).incomplete).toBe(true);
    expect(() => parsePan(out.replace(/states, stored/, 'states'))).toThrow(/states stored/);
  });

  it("maps pan's messages to mnc's properties, and the verdicts follow", () => {
    expect(propertyOfPanError('assertion violated blockable')).toBe('no-sleep');
    expect(propertyOfPanError('assertion violated (pairs[_pid]==0)')).toBe('pairing');
    expect(propertyOfPanError('assertion violated  !(unbalanced)')).toBe('pairing');
    expect(propertyOfPanError('invalid end state')).toBe('deadlock');
    expect(propertyOfPanError('acceptance cycle')).toBe('reaper-progress');
    expect(propertyOfPanError('assertion violated (x==5)')).toBeUndefined();
    const safety = parsePan(fixture('pan-safety-kvm-pairing.txt'));
    const live = parsePan(fixture('pan-liveness-kernel-bench.txt'));
    expect(spinVerdicts(safety, live)).toEqual({ 'no-sleep': 'holds', pairing: 'violated', deadlock: 'holds', 'reaper-progress': 'holds' });
  });
});

describe('the configurations', () => {
  it.each(CONFIGS.map((c) => [c.name, c] as const))('%s: the .pml runs the threads and notifiers of its mnc scenario', (_name, c) => {
    expect(existsSync(join(PML_DIR, c.pml))).toBe(true);
    const sc = c.scenario();
    expect(pmlShape(c)).toEqual(scenarioShape(sc));
    expect(sc.core).toBe('v4.19');
  });
});

describe('run() without spin', () => {
  const saved = { PATH: process.env.PATH, MNC_BENCH_SPIN: process.env.MNC_BENCH_SPIN };
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
    vi.restoreAllMocks();
  });

  it('says it skipped when spin is not on PATH, and succeeds', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    delete process.env.MNC_BENCH_SPIN;
    process.env.PATH = join(import.meta.dirname, 'no-such-directory');
    expect(await run()).toBe(true);
    expect(log.mock.calls).toEqual([['spin: skipped (not installed; apt-get install spin)']]);
  });

  it('MNC_BENCH_SPIN=0 skips it', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    process.env.MNC_BENCH_SPIN = '0';
    expect(await run()).toBe(true);
    expect(log.mock.calls).toEqual([['spin: skipped (MNC_BENCH_SPIN=0)']]);
  });
});
