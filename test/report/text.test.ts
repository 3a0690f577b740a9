/**
 * The trace and its views, as a reviewer reads them: the kernel-style text of one finding of each
 * kind (a sleep in a non-blockable start, a deadlock with every thread's wait) and the JSON trace as
 * snapshots; that the text, the JSON and the HTML page are views of one value built in one pass; and
 * that the JSON reader refuses what replay could not trust.
 */
import { describe, expect, test, vi } from 'vitest';
import { runBuiltin } from '../scenarios/helpers.ts';
import { formatCounterexample, formatTrace } from '../../src/report/text.ts';
import { parseTrace, TraceError, traceJson } from '../../src/report/json.ts';
import { renderHtml } from '../../src/report/html.ts';
import { buildTrace, scenarioCommand, shellQuote, type Trace } from '../../src/report/trace.ts';
import type { ScenarioRun } from '../../src/report/run.ts';

function traceOf(name: string, variant: string | undefined, run: ScenarioRun = runBuiltin(name, variant)): Trace {
  return buildTrace(run, scenarioCommand(name, variant === undefined ? {} : { variant }));
}

function cx(name: string, variant: string, property: string) {
  const trace = traceOf(name, variant);
  const c = trace.counterexamples.find((v) => v.property === property);
  if (!c) throw new Error(`expected a violation of ${property}; found ${trace.counterexamples.map((v) => v.property).join(', ')}`);
  return { trace, c };
}

/** The trace with its run's timing, the one thing that differs between two runs, set to 0. */
const untimed = (t: Trace): Trace => ({ ...t, run: { ...t.run, seconds: 0 } });

describe('text report', () => {
  test('a sleep in a non-blockable start', async () => {
    const { trace, c } = cx('amdgpu-read-lock-nonblock', 'clarify', 'no-sleep:might-sleep');
    await expect(formatCounterexample(trace, c)).toMatchFileSnapshot('__snapshots__/might-sleep.txt');
  });
  test('a deadlock, with every thread and what it waits for', async () => {
    const { trace, c } = cx('amdgpu-ioctl-alloc-under-lock', 'alloc-under-lock', 'deadlock');
    await expect(formatCounterexample(trace, c)).toMatchFileSnapshot('__snapshots__/deadlock.txt');
  });
  test('what a thread ran while the initial state was built comes before step 1, and its first step continues it', () => {
    // KVM's vCPU fault loop evaluates its first test up to ept_violation(), a choice, before step 1.
    const trace = traceOf('kvm-pairing-under-reaper', undefined);
    const c = trace.counterexamples.find((v) => v.property === 'pairing:missing-end')!;
    const text = formatCounterexample(trace, c);
    const setup = c.setup ?? [];
    expect(setup.map((r) => r.thread)).toEqual(['oom_reaper', 'tdp_fault']);
    const begun = setup[1]!.statements.at(-1)!;
    expect(begun.text).toBe('while (faults <= retries && ept_violation(vcpu, gpa))');
    const before = text.indexOf('Before step 1, while the initial state is built');
    const steps = text.indexOf('The interleaving that leads there');
    expect(before).toBeGreaterThan(0);
    expect(text.slice(before, steps)).toContain(`0. tdp_fault  kvm_vcpu_tdp_fault()  [arch/x86/kvm/x86.c]`);
    expect(text.slice(before, steps)).toContain(begun.text);
    // The thread's first step goes on with that statement.
    const first = c.steps.find((s) => s.thread === 'tdp_fault')!;
    expect(first.statements[0]).toMatchObject({ text: begun.text, continues: 0 });
    expect(text.slice(steps)).toMatch(new RegExp(`${first.index}\\. tdp_fault  kvm_vcpu_tdp_fault\\(\\)  \\[arch/x86/kvm/x86\\.c\\]\\n +\\(continued from the initial state\\)   => ept_violation\\(vcpu, gpa\\) is (true|false)`));
  });
  test('a lock taken while the initial state is built is in the block, and the held locks of step 1 follow from it', () => {
    // Nothing write-locks mmap_sem here: both madvise threads take it for read and run into i915's
    // callback before step 1.
    const trace = traceOf('i915-overlapping-invalidations', undefined);
    const c = trace.counterexamples[0]!;
    expect((c.setup ?? []).map((r) => [r.thread, r.locks])).toEqual([
      ['madvise', [{ lock: 'mm.mmap_sem', before: 'free', after: 'held for read by madvise' }]],
      ['madvise2', [{ lock: 'mm.mmap_sem', before: 'held for read by madvise', after: 'held for read by madvise, madvise2' }]],
    ]);
    expect(c.setup![0]!.statements.map((st) => st.text)).toEqual(expect.arrayContaining(['down_read(&current->mm->mmap_sem);', 'LIST_HEAD(cancelled);']));
    const text = formatCounterexample(trace, c);
    const block = text.slice(text.indexOf('Before step 1'), text.indexOf('The interleaving that leads there'));
    expect(block).toContain('[mm.mmap_sem: free -> held for read by madvise]');
    expect(block).toContain('[mm.mmap_sem: held for read by madvise -> held for read by madvise, madvise2]');
    // The steps start from the readers the block left: none finds mmap_sem free.
    expect(c.steps.some((s) => s.locks.some((l) => l.lock === 'mm.mmap_sem' && l.before === 'free'))).toBe(false);
  });
  test('a liveness lasso marks where its cycle starts', () => {
    const { trace, c } = cx('amdgpu-ioctl-alloc-under-lock', 'alloc-under-lock', 'reaper-progress:fair');
    const text = formatCounterexample(trace, c);
    expect(c.loopStart).toBeDefined();
    expect(text).toMatch(/a prefix, then a cycle that never reaches the goal/);
    expect(text).toMatch(/---- (the cycle starts here and repeats forever|from here no thread can move: the run ends and stays here) ----/);
  });
  test('the run summary lists every property with its verdict', () => {
    const text = formatTrace(traceOf('amdgpu-read-lock-nonblock', 'tetsuo'));
    expect(text.split('\n')[0]).toMatch(/^amdgpu-read-lock-nonblock \(variant tetsuo\): core v4\.19, amdgpu0 amdgpu@tetsuo; \d+ states, \d+ transitions, [\d.]+ s$/);
    expect(text).toMatch(/^ {2}ok {3}no-sleep:might-sleep$/m);
    expect(text).not.toMatch(/FAIL|\?/);
  });
  test('an incomplete run names its reason, whatever the engine calls it', () => {
    const t = traceOf('amdgpu-read-lock-nonblock', 'tetsuo');
    const text = formatTrace({ ...t, run: { ...t.run, status: 'incomplete', reason: 'a-reason-added-later', verdicts: t.run.verdicts.map((v) => ({ ...v, status: 'unknown' })) } });
    expect(text).toMatch(/^INCOMPLETE: exploration stopped \(a-reason-added-later\); properties marked \? are undecided\.$/m);
    expect(text).not.toMatch(/--all goes on/);
  });
  test('a run ended by a fingerprint collision says so, not that a bound stopped it', () => {
    const t = traceOf('amdgpu-read-lock-nonblock', 'tetsuo');
    const text = formatTrace({ ...t, run: { ...t.run, status: 'incomplete', reason: 'collision', verdicts: t.run.verdicts.map((v) => ({ ...v, status: 'unknown' })) } });
    expect(text).toMatch(/^INCOMPLETE: a counterexample did not hold when re-executed on the real states: two states shared a 64-bit fingerprint/m);
    expect(text).not.toMatch(/exploration stopped/);
  });
  test('every counterexample of the trace in full, each with a replay line that names the scenario as checked', () => {
    const trace = traceOf('amdgpu-ioctl-alloc-under-lock', 'alloc-under-lock');
    const text = formatTrace(trace);
    const fails = text.split('\n').filter((l) => /^ {2}FAIL /.test(l)).length;
    expect(trace.counterexamples.length).toBeGreaterThan(1);
    expect(fails).toBe(trace.counterexamples.length);
    expect(text).toContain(`${trace.counterexamples.length} counterexamples follow, one per violated property:`);
    for (const c of trace.counterexamples) {
      expect(text).toContain(`; property: ${c.property}\n`);
      expect(text).toContain(`(mnc replay --token '${c.token}' amdgpu-ioctl-alloc-under-lock --variant alloc-under-lock)`);
    }
  });
  test('replay lines quote what the shell would split', () => {
    expect(shellQuote('examples/a-b_c.json')).toBe('examples/a-b_c.json');
    expect(shellQuote('my scenarios/x.json')).toBe(`'my scenarios/x.json'`);
    expect(shellQuote(`it's`)).toBe(`'it'\\''s'`);
    expect(shellQuote('0/1#ab')).toBe(`'0/1#ab'`);
  });
});

describe('a trace shows only C the kernel has', () => {
  const traces = (): Trace[] => [traceOf('amdgpu-ioctl-alloc-under-lock', 'alloc-under-lock'), traceOf('i915-overlapping-invalidations', undefined), traceOf('gntdev-reaper', 'v4.19')];
  test('no compiler temporaries, no lone braces, no statement shown twice in a row', () => {
    let rows = 0;
    for (const t of traces()) {
      for (const c of t.counterexamples) {
        for (const s of c.steps) {
          s.statements.forEach((st, i) => {
            rows++;
            expect(st.text.trim(), `${t.scenario.name} step ${s.index}`).not.toBe('}');
            expect(st.detail ?? '', `${t.scenario.name} step ${s.index}: ${st.text}`).not.toMatch(/\$t\d/);
            const prev = s.statements[i - 1];
            if (prev) expect(`${prev.fn}: ${prev.text}`, `${t.scenario.name} step ${s.index}`).not.toBe(`${st.fn}: ${st.text}`);
          });
        }
      }
    }
    expect(rows).toBeGreaterThan(500);
  });
  test('a call in a condition shows as the call; a for loop\'s start and first test are one row', () => {
    const text = traces().map(formatTrace).join('\n');
    expect(text).toMatch(/if \(oom_reserves_allowed\(current\)\) {3}=> oom_reserves_allowed\(current\) is true$/m);
    expect(text).toMatch(/^ +for \(vma = mm->mmap; vma; vma = vma->vm_next\) {3}=> vma is true$/m);
  });
  test('a statement split between two steps of a thread is shown once, then "continued from step N"', () => {
    const t = traceOf('amdgpu-ioctl-alloc-under-lock', 'alloc-under-lock');
    const c = t.counterexamples[0]!;
    const step = c.steps.find((s) => s.statements[0]?.continues !== undefined)!;
    expect(step).toBeDefined();
    const first = step.statements[0]!;
    const earlier = c.steps[first.continues! - 1]!;
    expect(earlier.thread).toBe(step.thread);
    expect(earlier.statements.at(-1)!.text).toBe(first.text);
    const text = formatCounterexample(t, c);
    expect(text).toContain(`(continued from step ${first.continues})   => ${first.detail}`);
    expect(text.split('\n').filter((l) => l.includes(first.text) && !/^\s{2}\S+\(\) \S+: /.test(l))).toHaveLength(c.steps.filter((s) => s.statements.some((x) => x.text === first.text && x.continues === undefined)).length);
  });
});

describe('one trace, three views', () => {
  test('buildTrace runs each step once; the text, the JSON and the HTML page need no model', () => {
    const run = runBuiltin('amdgpu-ioctl-alloc-under-lock', 'alloc-under-lock');
    const steps = run.result.status === 'pass' ? 0 : run.result.violations.reduce((n, c) => n + c.path.steps.length, 0);
    expect(steps).toBeGreaterThan(10);
    const step = vi.spyOn(run.model, 'step');
    const next = vi.spyOn(run.model, 'nextState');
    const trace = buildTrace(run, ['amdgpu-ioctl-alloc-under-lock', '--variant', 'alloc-under-lock']);
    const text = formatTrace(trace);
    const json = traceJson(trace);
    const html = renderHtml(trace);
    expect(step).toHaveBeenCalledTimes(steps);
    expect(next).not.toHaveBeenCalled();
    // Read back from its JSON alone, the trace gives the same text and the same page.
    const parsed = parseTrace(JSON.parse(json), 'trace.json');
    expect(parsed.version).toBe(2);
    expect(formatTrace(parsed as Trace)).toBe(text);
    expect(renderHtml(parsed as Trace)).toBe(html);
    expect(step).toHaveBeenCalledTimes(steps);
  });
});

describe('JSON trace', () => {
  test('its shape: every counterexample, the fingerprints, encodings and tokens as the run gave them', async () => {
    const run = runBuiltin('amdgpu-read-lock-nonblock', 'clarify');
    const t = traceOf('amdgpu-read-lock-nonblock', 'clarify', run);
    const cxs = run.result.status === 'pass' ? [] : run.result.violations;
    expect(t.version).toBe(2);
    expect(t.counterexamples.map((c) => c.property)).toEqual(cxs.map((c) => c.property));
    t.counterexamples.forEach((c, i) => {
      expect(c.steps).toHaveLength(cxs[i]!.path.steps.length);
      expect(c.token).toBe(cxs[i]!.path.token);
      // The token ends in the fingerprint of the last state, which the trace records in full too.
      expect(c.token.endsWith(`#${c.steps.at(-1)?.fingerprint ?? c.initial.fingerprint}`)).toBe(true);
      for (const s of [c.initial, ...c.steps]) expect(s.encoding).toMatch(/^[iTFs]/);
    });
    await expect(traceJson(untimed(t))).toMatchFileSnapshot('__snapshots__/trace.json');
  });

  describe('the reader refuses what it cannot replay: one line naming the field', () => {
    const base = (): Record<string, unknown> => JSON.parse(traceJson(traceOf('amdgpu-read-lock-nonblock', 'clarify'))) as Record<string, unknown>;
    const refuse = (data: unknown, pattern: RegExp): void => {
      expect(() => parseTrace(data, 't.json')).toThrow(TraceError);
      expect(() => parseTrace(data, 't.json')).toThrow(pattern);
    };
    test('a version it does not know', () => {
      refuse({ ...base(), version: 3 }, /^t\.json: is trace format version 3; this mnc reads versions 1 and 2$/);
    });
    test('a version-2 state without its encoding', () => {
      const t = base();
      const cxs = t.counterexamples as Record<string, unknown>[];
      const steps = cxs[0]!.steps as Record<string, unknown>[];
      delete steps[1]!.encoding;
      refuse(t, /counterexamples\[0\]\.steps\[1\] needs .*"encoding"/);
      const u = base();
      ((u.counterexamples as Record<string, unknown>[])[0]!.initial as Record<string, unknown>).encoding = 7;
      refuse(u, /"counterexamples\[0\]\.initial" with "fingerprint" and "encoding"/);
    });
    test('no counterexample, or a loopStart outside the path', () => {
      refuse({ ...base(), counterexamples: [] }, /has no "counterexamples"/);
      const t = base();
      const c = (t.counterexamples as Record<string, unknown>[])[0]!;
      c.loopStart = (c.steps as unknown[]).length + 1;
      refuse(t, /"counterexamples\[0\]\.loopStart" must be an integer from 0 to the number of steps/);
    });
    test('a setup that is not a list of rows numbered 0; a trace without one is read', () => {
      const t = base();
      const c = (t.counterexamples as Record<string, unknown>[])[0]!;
      expect(Array.isArray(c.setup)).toBe(true);
      (c.setup as Record<string, unknown>[])[0]!.index = 1;
      refuse(t, /counterexamples\[0\]\.setup\[0\] needs "index" \(0\), "tid", "thread", "statements" and "locks"/);
      const u = base();
      (u.counterexamples as Record<string, unknown>[])[0]!.setup = {};
      refuse(u, /"counterexamples\[0\]\.setup" must be a list of rows/);
      const v = base();
      delete (v.counterexamples as Record<string, unknown>[])[0]!.setup;
      expect(parseTrace(v, 't.json').version).toBe(2);
    });
  });
});
