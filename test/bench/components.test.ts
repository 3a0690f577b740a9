/**
 * bench/components.ts times what the explorer does to a state, component by component, over a
 * sample of states. Its figures stand on the sample being the explorer's: the same states in the
 * same breadth-first order, and the same transitions (checked here on small examples, whole), and
 * on every component and property being timed.
 */
import { describe, expect, it } from 'vitest';
import { explorerUsPerState, measure, sample } from '../../bench/components.ts';
import { loadScenarioFile } from '../../src/model/kernel/scenario-file.ts';
import { modelOf, runScenario } from '../../src/report/run.ts';

const EXAMPLES = ['examples/amdgpu-ioctl-vs-reaper.json', 'examples/reaper-retries-mmap-sem.json'];

describe('bench/components.ts', () => {
  for (const file of EXAMPLES) {
    it(`${file}: the sample, unbounded, has the explorer's states and transitions`, () => {
      const sc = loadScenarioFile(file);
      const s = sample(modelOf(sc, { symmetry: false }), Number.POSITIVE_INFINITY);
      const r = runScenario(sc, { symmetry: false });
      expect(r.result.status).not.toBe('incomplete');
      expect({ states: s.states.length, transitions: s.transitions }).toEqual({ states: r.result.stats.states, transitions: r.result.stats.transitions });
      // Each state with its enabled actions, as the model lists them.
      const model = modelOf(sc, { symmetry: false });
      for (let i = 0; i < s.states.length; i += 97) {
        const acts: unknown[] = [];
        model.actions(s.states[i]!, acts as never[]);
        expect(s.actions[i]).toEqual(acts);
      }
    });
  }

  it('a bounded sample is the first states of the unbounded one, in order', () => {
    const model = modelOf(loadScenarioFile(EXAMPLES[0]!), { symmetry: false });
    const all = sample(model, Number.POSITIVE_INFINITY);
    const some = sample(model, 25);
    expect(some.states.length).toBe(25);
    expect(some.states).toEqual(all.states.slice(0, 25));
  });

  it('times every component and every property, per call and per state', () => {
    const model = modelOf(loadScenarioFile(EXAMPLES[0]!), {});
    const s = sample(model, 200);
    const cs = measure(model, s, 1);
    const names = cs.map((c) => c.name);
    for (const n of ['actions (enabledness)', 'ample (partial order)', 'Interpreter.next', 'ample + nextState', 'ample + nextState + encode', 'all checks, on states from memory', 'ample + nextState + all checks on it']) expect(names).toContain(n);
    for (const p of model.properties()) expect(names.some((n) => n.endsWith(` ${p.name}`))).toBe(p.kind !== 'deadlock');
    let actions = 0;
    for (const a of s.actions) actions += a.length;
    for (const c of cs) {
      expect(Number.isFinite(c.usPerCall) && c.usPerCall >= 0).toBe(true);
      const calls = c.per === 'state' ? s.states.length : actions;
      expect(c.usPerState).toBeCloseTo((c.usPerCall * calls) / s.states.length, 9);
    }
  });

  it('times the explorer itself on the kernel bench, stopped at a few states', () => {
    const us = explorerUsPerState(300, 1);
    expect(Number.isFinite(us) && us > 0).toBe(true);
  });
});
