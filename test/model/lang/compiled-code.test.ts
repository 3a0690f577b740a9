/**
 * The interpreter runs each instruction through closures compiled for its function, names resolved
 * once (issue 12, item 3). Every expression of every instruction of the function a thread is in,
 * and every subexpression of it, must evaluate in the compiled code exactly as `Exec.eval`
 * evaluates it in that thread's frame: the same value, or the same error, on reachable states of
 * built-in scenarios (read-only, as properties and enabledness evaluate; a store or a lock change
 * then fails alike in both). `Interpreter.evaluate`, which properties use, runs each expression's
 * code compiled once and kept; `evaluateByEval` walks the expression with `Exec.eval`. So with the
 * call a thread is about to make: `Interpreter.resolveCall` (the pairing property's) runs the
 * statement's compiled call code, `resolveCallByEval` the walk.
 */
import { describe, expect, test } from 'vitest';
import { fingerprint, FingerprintEncoder } from '../../../src/checker/fingerprint.ts';
import type { Expr } from '../../../src/model/lang/ir.ts';
import type { Instr } from '../../../src/model/lang/compile.ts';
import type { KAction } from '../../../src/model/lang/interp.ts';
import { KernelModel } from '../../../src/model/kernel-model.ts';
import { loadBuiltin } from '../../../src/model/kernel/scenario-file.ts';
import { buildProgram } from '../../../src/model/kernel/scenario.ts';
import type { KState, Value } from '../../../src/model/lang/state.ts';
import { variantsOf } from '../../../src/report/run.ts';

/** An expression and everything under it, calls' callees and arguments included. */
function all(e: Expr, out: Expr[] = []): Expr[] {
  out.push(e);
  switch (e.k) {
    case 'field':
      all(e.obj, out);
      break;
    case 'addr':
    case 'unary':
      all(e.e, out);
      break;
    case 'bin':
      all(e.a, out);
      all(e.b, out);
      break;
    case 'cond':
      all(e.c, out);
      all(e.a, out);
      all(e.b, out);
      break;
    case 'assign':
      all(e.target, out);
      all(e.value, out);
      break;
    case 'incdec':
      all(e.target, out);
      break;
    case 'call':
      all(e.callee, out);
      for (const a of e.args) all(a, out);
      break;
    default:
      break;
  }
  return out;
}

function exprsOf(ins: Instr): Expr[] {
  switch (ins.op) {
    case 'exec':
      return [...ins.exprs, ...ins.ghost].flatMap((e) => all(e));
    case 'branch':
      return all(ins.cond);
    case 'iter':
      return all(ins.list);
    case 'call':
      return [ins.callee, ...ins.args].flatMap((e) => all(e));
    case 'return':
      return [...(ins.value ? [ins.value] : []), ...ins.ghost].flatMap((e) => all(e));
    case 'jump':
      return [];
  }
}

/** The value, or what was thrown (its class and message). */
function outcome(f: () => Value): string {
  try {
    return `value ${JSON.stringify(f())}`;
  } catch (err) {
    return err instanceof Error ? `${err.constructor.name}: ${err.message}` : `thrown ${String(err)}`;
  }
}

const cases = (['radeon-release-destroy', 'several-starts-in-flight', 'exit-mmap-vs-reaper', 'kvm-pairing-under-reaper', 'amdgpu-ioctl-alloc-under-lock', 'mlx5-implicit-mr', 'i915-reaper'] as const).flatMap((n) =>
  variantsOf(loadBuiltin(n))
    .slice(0, 2)
    .map((v) => [`${n}${v.label ? ` @ ${v.label}` : ''}`, v.scenario] as const),
);

/** Calls of notifier ops (an op and its nid resolved) compared, over all the cases. */
let opCallsAll = 0;

describe('compiled expressions', () => {
  test.each(cases)('%s: every expression of the running functions evaluates as Exec.eval does', (_name, sc) => {
    const m = new KernelModel(buildProgram(sc), { coalesce: false });
    const ip = m.interp;
    const fp = new FingerprintEncoder();
    const key = (s: KState): string => {
      fingerprint(m, s, fp);
      return `${fp.hi}:${fp.lo}`;
    };
    const seen = new Set<string>();
    const queue: KState[] = [...m.initStates()];
    let compared = 0;
    let threw = 0;
    let calls = 0;
    let opCalls = 0;
    const acts: KAction[] = [];
    const exprs = new Map<number, Expr[]>();
    // Every 29th state of the first 10,000 explored (deep ones included).
    for (let i = 0; i < queue.length && i < 10_000; i++) {
      const s = queue[i]!;
      for (let tid = 0; tid < s.threads.length && i % 29 === 0; tid++) {
        const cur = ip.current(s, tid);
        if (!cur) continue;
        let es = exprs.get(cur.frame.fn);
        if (!es) {
          es = cur.fn.instrs.flatMap(exprsOf);
          exprs.set(cur.frame.fn, es);
        }
        for (const e of es) {
          const a = outcome(() => ip.evaluateByEval(s, tid, e));
          const b = outcome(() => ip.evaluate(s, tid, e));
          if (b !== a) expect(b, `${cur.fn.def.name}(): ${JSON.stringify(e)}`).toBe(a);
          compared++;
          if (!a.startsWith('value')) threw++;
        }
        // The call the thread is about to make, resolved by its compiled code and by the walk.
        const ins = cur.fn.instrs[cur.frame.pc]!;
        if (ins.op === 'call') {
          const a = outcome(() => JSON.stringify(ip.resolveCallByEval(s, tid, ins)));
          expect(outcome(() => JSON.stringify(ip.resolveCall(s, tid, ins))), `${cur.fn.def.name}(): ${ins.src.text}`).toBe(a);
          calls++;
          if (a.includes('\\"op\\"')) opCalls++;
        }
      }
      acts.length = 0;
      m.actions(s, acts);
      for (const act of acts) {
        const n = m.nextState(s, act);
        const k = key(n);
        if (!seen.has(k)) {
          seen.add(k);
          queue.push(n);
        }
      }
    }
    expect(compared).toBeGreaterThan(10_000);
    expect(threw).toBeGreaterThan(0);
    expect(calls).toBeGreaterThan(0);
    opCallsAll += opCalls;
  });

  test('notifier op calls were among the calls compared', () => {
    expect(opCallsAll).toBeGreaterThan(0);
  });
});
