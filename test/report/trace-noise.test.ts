/**
 * A trace shows only C the kernel has: no compiler temporary (`$t0 is true`), no line that is a lone
 * closing brace, and no statement printed twice in a row (a `while (...)` or `for (...)` whose test
 * and call ran in one step, or whose parts were split into two rows). A statement split between two
 * steps of its thread is printed once, then as "(continued from step N)".
 *
 * Checked over every counterexample of built-in scenarios whose traces go through loops, nested
 * calls in conditions and the notifier walk, as text and as the JSON trace's statement rows.
 */
import { describe, expect, test } from 'vitest';
import { formatCounterexample, formatTrace } from '../../src/report/text.ts';
import { buildTrace, scenarioCommand } from '../../src/report/trace.ts';
import { runBuiltin } from '../scenarios/helpers.ts';

const CASES: [string, string][] = [
  ['amdgpu-ioctl-alloc-under-lock', 'alloc-under-lock'],
  ['oom-reap-return-value', 'returns-true'],
  ['gntdev-reaper', 'v4.19'],
  ['end-after-nonblock-start', '93065ac753e4'],
  ['mlx5-implicit-mr', '93065ac753e4'],
];

describe('traces show only the C the kernel has', () => {
  for (const [name, variant] of CASES) {
    test(`${name} @ ${variant}: every counterexample`, () => {
      const trace = buildTrace(runBuiltin(name, variant), scenarioCommand(name, { variant }));
      expect(trace.counterexamples.length).toBeGreaterThan(0);
      const text = formatTrace(trace);
      expect(text.match(/\$t\d+/g) ?? []).toEqual([]);
      expect(text.split('\n').filter((l) => /^\s*\}\s*$/.test(l))).toEqual([]);
      for (const c of trace.counterexamples) {
        for (const s of c.steps) {
          expect(s.statements.map((x) => x.text).filter((t) => /\$t\d|^\s*\}\s*$/.test(t)), `${c.property} step ${s.index}`).toEqual([]);
          // No statement twice in a row within a step (one function's rows).
          s.statements.forEach((x, i) => {
            const prev = s.statements[i - 1];
            if (prev && prev.fn === x.fn && prev.text === x.text && prev.continues === undefined && x.continues === undefined) {
              expect.fail(`${c.property} step ${s.index}: "${x.text}" twice in a row`);
            }
          });
        }
      }
    }, 120_000);
  }
  test('a statement split between two steps is printed once, then "(continued from step N)"', () => {
    const trace = buildTrace(runBuiltin('amdgpu-read-lock-nonblock', 'clarify'), scenarioCommand('amdgpu-read-lock-nonblock', { variant: 'clarify' }));
    const c = trace.counterexamples.find((x) => x.property === 'no-sleep:might-sleep')!;
    const all = formatCounterexample(trace, c);
    // The steps, not the finding's call chain, which names the loop as the frame it is in.
    const text = all.slice(all.indexOf('The interleaving that leads there'), all.indexOf('State at the end:'));
    const loop = 'while (attempts++ < MAX_OOM_REAP_RETRIES && !oom_reap_task_mm(tsk, mm))';
    expect(text.split('\n').filter((l) => l.includes(loop))).toHaveLength(1);
    expect(text).toMatch(/^ +\(continued from step \d+\) {3}=> oom_reap_task_mm$/m);
  });
});
