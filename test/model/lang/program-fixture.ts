/**
 * Tiny programs for testing primitives and properties without a kernel scenario: a few modelled
 * functions, a handful of locks and shared variables, and the threads that run them.
 */
import type { FnDef } from '../../../src/model/lang/ir.ts';
import { Program, type ThreadSpec } from '../../../src/model/lang/program.ts';
import type { Primitive } from '../../../src/model/lang/primitives.ts';
import type { LockState, Value } from '../../../src/model/lang/state.ts';

export function tinyProgram(o: {
  fns: readonly FnDef[];
  threads: readonly Omit<ThreadSpec, 'task'>[];
  locks?: Record<string, LockState['kind']>;
  mem?: Record<string, Value>;
  balanced?: string[];
  primitives?: Record<string, Primitive>;
  stackTypes?: readonly string[];
}): Program {
  return new Program({
    fns: o.fns,
    primitives: o.primitives ?? {},
    constants: { EAGAIN: 11 },
    statics: {},
    mem: o.mem ?? {},
    locks: o.locks ?? {},
    notifiers: [],
    threads: o.threads.map((t) => ({ ...t, task: t.name })),
    balanced: o.balanced ?? [],
    contract: { endAfterFailedStart: false, coreEnd: '__mmu_notifier_invalidate_range_end' },
    core: 'test',
    globals: ['wq'],
    countCalls: [],
    ...(o.stackTypes ? { stackTypes: o.stackTypes } : {}),
  });
}
