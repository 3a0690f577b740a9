/**
 * Building a scenario's program: who is a thread of the OOM victim, and what is refused.
 */
import { describe, expect, test } from 'vitest';
import { parseScenario } from '../../../src/model/kernel/scenario-file.ts';
import { buildProgram, programsLinked, ScenarioError, type Scenario } from '../../../src/model/kernel/scenario.ts';

const base: Scenario = {
  name: 's',
  core: 'v4.19',
  vmas: [{ start: 0, end: 4 }],
  notifiers: [],
  oom: true,
  threads: [{ kind: 'oom_reaper' }, { kind: 'madvise', params: { start: 0, len: 2 } }, { kind: 'reclaim', params: { address: 1 } }],
};

describe('threads of the OOM victim', () => {
  test('with "oom", every thread but the oom_reaper and reclaim belongs to the killed process, SIGKILL pending', () => {
    const p = buildProgram(base);
    const of = (tid: number, f: string): unknown => p.spec.statics[`${p.spec.threads[tid]!.task}.${f}`];
    expect([0, 1, 2].map((t) => of(t, 'signal.oom_mm'))).toEqual([null, 'mm', null]);
    expect([0, 1, 2].map((t) => of(t, 'fatal_signal'))).toEqual([0, 1, 0]);
  });
  test('without "oom" nobody is; a thread can be named a victim or not', () => {
    const p = buildProgram({ ...base, oom: false, threads: base.threads.slice(1) });
    expect(p.spec.threads.map((t) => p.spec.statics[`${t.task}.fatal_signal`])).toEqual([0, 0]);
    const q = buildProgram({ ...base, threads: [{ kind: 'oom_reaper' }, { kind: 'madvise', params: { start: 0, len: 2 }, victim: false }, { kind: 'reclaim', params: { address: 1 }, victim: true }] });
    expect(q.spec.threads.map((t) => q.spec.statics[`${t.task}.signal.oom_mm`])).toEqual([null, null, 'mm']);
  });
  test('a victim without an OOM, or an oom_reaper victim, is refused', () => {
    expect(() => buildProgram({ ...base, oom: false, threads: [{ kind: 'madvise', params: { start: 0, len: 2 }, victim: true }] })).toThrow(ScenarioError);
    expect(() => buildProgram({ ...base, threads: [{ kind: 'oom_reaper', victim: true }] })).toThrow(/the oom_reaper is a kernel thread, never an OOM victim/);
  });
});

describe('what the kernel cannot have is refused', () => {
  test('more threads than the liveness checks can take: one line, not an internal error', () => {
    const many = Array.from({ length: 29 }, () => ({ kind: 'madvise', params: { start: 0, len: 1 } }));
    expect(() => buildProgram({ ...base, oom: false, threads: many })).toThrow(/threads: a scenario has at most 28 threads \(this one has 29\)/);
    expect(() => buildProgram({ ...base, oom: false, threads: many.slice(0, 28) })).not.toThrow();
  });
  test('kworkers count as threads: notifiers whose work items make more than 28 threads are refused with one line (found by the fuzzer: an internal error of the engine before)', () => {
    const umem = { use: 'umem_odp@93065ac753e4', objects: [{ start: 8, end: 10 }] };
    const sc = { name: 'umem', core: 'v4.19', oom: true, vmas: [{ start: 0, end: 4 }, { start: 8, end: 12 }], threads: [{ kind: 'oom_reaper' }, { kind: 'umem_odp:pagefault', params: { leaf: 0, address: 8 } }] };
    const ok = buildProgram({ ...sc, notifiers: Array.from({ length: 26 }, () => umem) });
    expect(ok.spec.threads.length).toBe(28);
    expect(() => buildProgram({ ...sc, notifiers: Array.from({ length: 27 }, () => umem) })).toThrow(
      /^notifiers: with the 27 kworker threads that run the work items its threads can queue \(one per item\), the scenario has 29 threads; at most 28 can be checked/,
    );
  });
  test('two oom_reapers', () => {
    expect(() => buildProgram({ ...base, threads: [{ kind: 'oom_reaper' }, { kind: 'oom_reaper' }] })).toThrow(/threads\[1\]\.kind: a second oom_reaper/);
  });
});

describe('the core version names the command line shows without loading the model', () => {
  test('are the core versions, in order', async () => {
    const { CORE_VERSION_NAMES } = await import('../../../src/model/kernel/core/version-names.ts');
    const { CORE_VERSIONS } = await import('../../../src/model/kernel/core/versions.ts');
    expect(CORE_VERSION_NAMES).toEqual(Object.keys(CORE_VERSIONS));
  });
});

describe('a scenario object is linked once', () => {
  test('the same object gives the same program; a copy or a bad scenario is built again (a refusal is never remembered)', () => {
    const p = buildProgram(base);
    expect(buildProgram(base)).toBe(p);
    expect(buildProgram({ ...base })).not.toBe(p);
    const bad: Scenario = { ...base, oom: false, threads: [{ kind: 'madvise', params: { start: 0, len: 2 }, victim: true }] };
    expect(() => buildProgram(bad)).toThrow(ScenarioError);
    expect(() => buildProgram(bad)).toThrow(ScenarioError);
  });

  test('programsLinked counts each link, a refused one too, and no cache hit', () => {
    const sc: Scenario = { ...base };
    const before = programsLinked();
    buildProgram(sc);
    buildProgram(sc);
    expect(programsLinked() - before).toBe(1);
    expect(() => buildProgram({ ...base, core: 'v0.0' })).toThrow(ScenarioError);
    expect(programsLinked() - before).toBe(2);
  });

  test('a file loaded with `model: false` is checked against the schema only: nothing is linked, and what the model refuses is refused when it is built', () => {
    const text = JSON.stringify({ ...base, oom: false, threads: [{ kind: 'madvise', params: { start: 0, len: 2 }, victim: true }] });
    const before = programsLinked();
    const sf = parseScenario(text, 'x.json', { model: false });
    expect(programsLinked()).toBe(before);
    expect(() => buildProgram(sf)).toThrow(ScenarioError);
    expect(() => parseScenario(text, 'x.json')).toThrow(ScenarioError);
    expect(() => parseScenario(JSON.stringify({ ...base, threads: 'none' }), 'x.json', { model: false })).toThrow('x.json: threads: must be array');
  });
});
