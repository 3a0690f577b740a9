/**
 * bench/sleep-sets.ts measures what sleep sets would save (docs/checker.md, "Sleep sets,
 * measured"). Its figures stand on two things checked here on small examples: its plain search is
 * the explorer's (the same states and transitions), and its sleep sets alone reach every state
 * the plain search reaches (the independence it uses is sound there), with fewer transitions, and
 * each transition they leave out leads where the other order led, to a state whose fingerprint the
 * part-hash sums name without running it; beside the ample sets (without
 * their run-through) the states they miss are the left-out transitions' successors and what those
 * lead to, so that exploring them after the search (`closure`) completes the ample sets' graph.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exploreWithSleepSets } from '../../bench/sleep-sets.ts';
import { loadScenarioFile } from '../../src/model/kernel/scenario-file.ts';
import { runScenario } from '../../src/report/run.ts';

const EXAMPLES = ['examples/amdgpu-ioctl-vs-reaper.json', 'examples/reaper-retries-mmap-sem.json'];

describe('bench/sleep-sets.ts', () => {
  it('the run-through judged statically runs through fewer states than the shipped one, and some', () => {
    const file = 'examples/reaper-retries-mmap-sem.json';
    const text = readFileSync(file, 'utf8');
    const count = (chain: boolean | 'static'): number => exploreWithSleepSets(text, file, { por: true, chain, sleep: false }).states;
    const shipped = count(true);
    const judged = count('static');
    expect(judged).toBeGreaterThan(shipped);
    expect(judged).toBeLessThan(count(false));
  });

  for (const file of EXAMPLES) {
    it(`${file}: the plain search counts as the explorer does`, () => {
      const text = readFileSync(file, 'utf8');
      const plain = exploreWithSleepSets(text, file, { por: true, sleep: false });
      const r = runScenario(loadScenarioFile(file), { symmetry: false, sleepSets: false });
      expect(r.result.status).not.toBe('incomplete');
      expect(plain).toEqual({ states: r.result.stats.states, transitions: r.result.stats.transitions, reexpansions: 0 });
    });

    it(`${file}: sleep sets alone reach every state, by fewer transitions`, () => {
      const text = readFileSync(file, 'utf8');
      const plain = exploreWithSleepSets(text, file, { por: false, sleep: false });
      const sleep = exploreWithSleepSets(text, file, { por: false, sleep: true });
      expect(sleep.states).toBe(plain.states);
      expect(sleep.transitions).toBeLessThan(plain.transitions);
    });

    it(`${file}: without partial-order reduction, without its run-through, or with the run-through judged statically (effects recorded or as declared), every transition sleep sets leave out closes its diamond`, () => {
      for (const options of [{ por: false }, { por: true, chain: false }, { por: true, chain: 'static' as const }, { por: true, chain: 'static' as const, effects: 'static' as const }]) {
        const c = exploreWithSleepSets(readFileSync(file, 'utf8'), file, { ...options, sleep: true, diamonds: true });
        expect(c.diamondsChecked).toBeGreaterThan(0);
        expect(c.diamondsBroken).toBe(0);
        // Each left-out transition's successor is named by the part-hash sums: a liveness edge without running it.
        expect(c.namesWrong).toBe(0);
        // Alone, sleep sets reach every state, so every left-out transition's successor too.
        if (!options.por) expect(c.targetsUnvisited).toBe(0);
      }
    });

    it(`${file}: beside the ample sets without their run-through, or with it judged statically, exploring the left-out transitions' unreached successors reaches every state of the ample sets' graph`, () => {
      const text = readFileSync(file, 'utf8');
      for (const chain of [false, 'static' as const]) {
        const plain = exploreWithSleepSets(text, file, { por: true, chain, sleep: false });
        const c = exploreWithSleepSets(text, file, { por: true, chain, sleep: true, closure: true });
        expect(c.targetsUnvisited).toBeGreaterThan(0);
        expect(c.closure!.rounds).toBeGreaterThan(0);
        expect(c.states + c.closure!.states).toBe(plain.states);
        expect(c.transitions + c.closure!.transitions).toBeLessThan(plain.transitions);
      }
    });
  }
});
