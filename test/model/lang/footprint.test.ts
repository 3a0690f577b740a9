/**
 * What the interpreter records in a transition's footprint outside any statement
 * (src/model/lang/footprint.ts): a thread's oops mark, read before each of its steps
 * (Interpreter.oopsMark), is a read of that thread's `<task>.oops` key and of nothing else. Sleep
 * sets take two transitions whose footprints do not conflict as commuting: a mark read recorded
 * under another key would let a step that oopses a thread be taken as independent of that
 * thread's next step.
 */
import { describe, expect, test } from 'vitest';
import { KernelModel } from '../../../src/model/kernel-model.ts';
import { Footprint, FootprintLayout } from '../../../src/model/lang/footprint.ts';
import { buildProgram } from '../../../src/model/kernel/scenario.ts';
import { builtinNames, loadBuiltin } from '../../../src/model/kernel/scenario-file.ts';
import { variantsOf } from '../../../src/report/run.ts';

/** The bits set in the footprint's reads and writes halves, as bit numbers. */
function bitsOf(fp: Footprint): { reads: number[]; writes: number[] } {
  const W = fp.bits.length / 2;
  const set = (from: number): number[] => {
    const out: number[] = [];
    for (let w = 0; w < W; w++) for (let b = 0; b < 32; b++) if ((fp.bits[from + w]! >>> b) & 1) out.push(32 * w + b);
    return out;
  };
  return { reads: set(0), writes: set(W) };
}

describe('footprints recorded outside statements', () => {
  test("a thread's oops mark is read at its own key's bit, in every built-in scenario", () => {
    let checked = 0;
    for (const name of builtinNames()) {
      const program = buildProgram(variantsOf(loadBuiltin(name))[0]!.scenario);
      const interp = new KernelModel(program).interp;
      const fp = new Footprint(new FootprintLayout(program));
      const state = interp.initial();
      program.spec.threads.forEach((t, tid) => {
        const index = program.memIndex.get(`${t.task}.oops`);
        if (index === undefined) return;
        fp.clear();
        interp.footprint = fp;
        interp.oopsMark(state.mem, tid);
        interp.footprint = null;
        expect(bitsOf(fp), `${name}: ${t.name}`).toEqual({ reads: [index], writes: [] });
        checked++;
      });
    }
    expect(checked).toBeGreaterThan(50);
  });
});
