/**
 * The kernel model's carried words (KernelModel.carry): a successor's recording, built as it is
 * fingerprinted, kept beside it in its level and resumed before its expansion, gives the same
 * fingerprints as recording the state again; the check under `verifyReduction` compares every
 * resumed recording with one made afresh, and catches a word changed on the way.
 */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { check, type CheckOptions } from '../../src/checker/index.ts';
import type { Carry } from '../../src/checker/model.ts';
import type { KernelModel } from '../../src/model/kernel-model.ts';
import type { KState } from '../../src/model/lang/state.ts';
import { differentialCases, runSummary } from '../../src/report/differential.ts';
import { modelOf, type RunOptions } from '../../src/report/run.ts';

const cases = differentialCases(join(import.meta.dirname, '..', '..', 'examples'));
const byLabel = (label: string) => {
  const c = cases.find((x) => x.label === label);
  if (c === undefined) throw new Error(`no case ${label}`);
  return c;
};

/** `model` with its carry() wrapped: the words of each resume pass through `tamper` (a copy), and resumes are counted. */
function counted(model: KernelModel, tamper?: (words: Int32Array) => void): { resumes: number; saves: number } {
  const n = { resumes: 0, saves: 0 };
  const own = model.carry.bind(model);
  model.carry = (): Carry<KState> => {
    const c = own();
    return {
      save: (s, out) => {
        const saved = c.save(s, out);
        if (saved) n.saves++;
        return saved;
      },
      resume: (s, buf, from, to) => {
        n.resumes++;
        if (tamper === undefined) return c.resume(s, buf, from, to);
        const copy = buf.slice(from, to);
        tamper(copy);
        c.resume(s, copy, 0, copy.length);
      },
    };
  };
  return n;
}

/** Run `label` breadth-first, the model's carry hidden or not. */
function run(label: string, o: RunOptions & CheckOptions, carried: boolean, tamper?: (w: Int32Array) => void) {
  const c = byLabel(label);
  const model = modelOf(c.scenario, o);
  const n = carried ? counted(model, tamper) : null;
  if (!carried) (model as { carry?: unknown }).carry = undefined;
  const result = check(model, { findAll: true, strategy: 'bfs', ...o });
  return { summary: runSummary({ scenario: c.scenario, model, result, config: {} as never }), states: result.stats.states, n };
}

describe('carried words', () => {
  // Cases with sleep sets (carried words are used only with them: Explorer.enableCarry), pairs and
  // several drivers.
  const labels = ['kvm-pairing-under-reaper', 'amdgpu-userptr-cs-vs-munmap', 'i915-overlapping-invalidations', 'examples/amdgpu-ioctl-vs-reaper.json'].map(
    (l) => cases.find((c) => c.label === l || c.label.startsWith(`${l} @`))!.label,
  );

  test.each(labels)('%s: the same states, transitions and verdicts as recording each state again, every resumed recording checked', (label) => {
    const on = run(label, { verifyReduction: true }, true);
    const off = run(label, { verifyReduction: true }, false);
    expect(on.summary).toEqual(off.summary);
    // Every state expanded but the initial ones resumed its words (one initial state here).
    expect(on.n!.resumes).toBeGreaterThan(0);
    expect(on.n!.resumes).toBeLessThanOrEqual(on.states - 1);
    expect(on.n!.saves).toBeGreaterThanOrEqual(on.n!.resumes);
  });

  test('without sleep sets (identical threads, or turned off) no words are saved or resumed', () => {
    const sym = run(cases.find((c) => c.label.startsWith('examples/identical-threads.json'))!.label, {}, true);
    expect(sym.n).toEqual({ resumes: 0, saves: 0 });
    const off = run(labels[0]!, { sleepSets: false }, true);
    expect(off.n).toEqual({ resumes: 0, saves: 0 });
  });

  test('a word changed on its way from the discovery to the expansion is caught under verifyReduction', () => {
    const label = labels[0]!;
    // The last word: the pairs' value (hash mixed with its place).
    expect(() => run(label, { verifyReduction: true }, true, (w) => (w[w.length - 1]! += 1))).toThrow(/differs from the state's own/);
    // The thread count: the words do not fit the state.
    expect(() => run(label, { verifyReduction: true }, true, (w) => (w[0]! += 1))).toThrow(/another thread count/);
  });
});
