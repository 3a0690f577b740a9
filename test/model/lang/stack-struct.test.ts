/**
 * Structs on the stack (FnDef.stack, docs/model.md "Structs on the stack"): a function keeps
 * `struct mmu_notifier_range range;` as locals, passes `&range` down, and its callees read and
 * write the caller's fields through the reference; the reduction counts those accesses as the
 * thread's own; `non_block_start()` counts in the frame's context, which callees inherit.
 */
import { describe, expect, test } from 'vitest';
import { c, fn, if_ } from '../../../src/model/lang/ir.ts';
import { compileFn, parseStackRef } from '../../../src/model/lang/compile.ts';
import { Interpreter } from '../../../src/model/lang/interp.ts';
import { nonBlockCount } from '../../../src/model/lang/state.ts';
import type { Primitive } from '../../../src/model/lang/primitives.ts';
import { tinyProgram } from './program-fixture.ts';

const FIELDS = ['start', 'end', 'flags'];

/** caller: range on its stack, initialised by init(), its flags set by set_flags(), read back by read_end(). */
const caller = fn({
  name: 'caller',
  file: 't.c',
  version: 'test',
  source: 'test',
  params: [],
  stack: { range: FIELDS },
  body: [
    c('struct mmu_notifier_range range;'),
    c('init(&range, 3, 5);'),
    c('set_flags(&range);'),
    c('x->seen_end = read_end(&range);'),
    c('x->seen_flags = range.flags;'),
    c('x->seen_start = range.start;'),
  ],
});
const init = fn({
  name: 'init',
  file: 't.c',
  version: 'test',
  source: 'test',
  signature: 'void init(struct mmu_notifier_range *range, unsigned long start, unsigned long end)',
  params: ['range', 'start', 'end'],
  body: [c('range->start = start;'), c('range->end = end;'), c('range->flags = 0;')],
});
const setFlags = fn({
  name: 'set_flags',
  file: 't.c',
  version: 'test',
  source: 'test',
  signature: 'void set_flags(struct mmu_notifier_range *range)',
  params: ['range'],
  body: [c('range->flags |= 1;')],
});
const readEnd = fn({
  name: 'read_end',
  file: 't.c',
  version: 'test',
  source: 'test',
  signature: 'int read_end(const struct mmu_notifier_range *range)',
  params: ['range'],
  body: [c('return range->end;')],
});

/** `x.flags` makes `flags` a field of shared memory: `range->flags` looks shared unless the reduction knows better. */
function program(stackTypes?: readonly string[]) {
  return tinyProgram({
    fns: [caller, init, setFlags, readEnd],
    threads: [{ name: 't', fn: 'caller', args: [] }],
    mem: { 'x.seen_end': 0, 'x.seen_flags': 0, 'x.seen_start': 0, 'x.flags': 0 },
    ...(stackTypes ? { stackTypes } : {}),
  });
}

function run(ip: Interpreter) {
  let s = ip.initial();
  for (let i = 0; i < 100 && s.threads[0]!.frames.length; i++) s = ip.next(s, { tid: 0, choice: 0 });
  return s;
}

describe('structs on the stack', () => {
  test('the fields are locals of the declaring function; the name is not', () => {
    const f = compileFn(caller, { isPrimitive: () => false, isGlobal: () => false });
    expect(f.locals).toEqual(expect.arrayContaining(['range.start', 'range.end', 'range.flags']));
    expect(f.locals).not.toContain('range');
    expect(f.stack.has('range')).toBe(true);
  });

  test('callees write and read the caller\'s struct through &range', () => {
    for (const coalesce of [false, true]) {
      const s = run(new Interpreter(program(['mmu_notifier_range']), { coalesce, verifyReduction: true }));
      expect(s.mem['x.seen_end']).toBe(5);
      expect(s.mem['x.seen_flags']).toBe(1);
      expect(s.mem['x.seen_start']).toBe(3);
    }
  });

  test('&range is a reference to the declaring frame', () => {
    const ip = new Interpreter(program(), { coalesce: false });
    let s = ip.initial();
    s = ip.next(s, { tid: 0, choice: 0 }); // the declaration
    s = ip.next(s, { tid: 0, choice: 0 }); // the call of init(): its first argument
    const frames = s.threads[0]!.frames;
    expect(frames.length).toBe(2);
    expect(parseStackRef(frames[1]!.locals[0])).toEqual({ depth: 0, name: 'range' });
  });

  test('a pointer parameter to a stack struct is thread-local for the reduction', () => {
    const p = program(['mmu_notifier_range']);
    const set = p.fn(p.fnId('set_flags'));
    expect(set.stackPtrs.has('range')).toBe(true);
    expect(new Interpreter(p, {}).reduction.effectsOf(set.instrs[0]!).accesses).toEqual([]);
    // Without the type, `range->flags |= 1` is a write of every `flags` the scenario shares.
    const q = program();
    expect(new Interpreter(q, {}).reduction.effectsOf(q.fn(q.fnId('set_flags')).instrs[0]!).accesses).toEqual([{ name: 'flags', mode: 'w' }]);
    // With it, every run checks (verifyReduction) that the accesses through the pointer are the thread's own.
    expect(run(new Interpreter(p, { verifyReduction: true })).mem['x.seen_flags']).toBe(1);
  });

  test('a field the struct does not keep is a compile error', () => {
    const bad = fn({ name: 'bad', file: 't.c', version: 'test', source: 'test', params: [], stack: { range: FIELDS }, body: [c('struct mmu_notifier_range range;'), c('range.event = 1;')] });
    expect(() => compileFn(bad, { isPrimitive: () => false, isGlobal: () => false })).toThrow(/no field event/);
  });

  test('non_block_start() counts in the frame\'s context, and callees inherit it', () => {
    const prims: Record<string, Primitive> = {
      non_block_start: { shared: false, sleeps: false, doc: 'test', run: (ctx) => (ctx.nonBlock(1), 0) },
      non_block_end: { shared: false, sleeps: false, doc: 'test', run: (ctx) => (ctx.nonBlock(-1), 0) },
    };
    const cb = fn({ name: 'cb', file: 't.c', version: 'test', source: 'test', params: [], body: [c('x->seen_flags = 1;')] });
    const core = fn({
      name: 'caller',
      file: 't.c',
      version: 'test',
      source: 'test',
      params: [],
      body: [if_('1', [c('non_block_start();')]), c('cb();'), c('non_block_end();')],
    });
    const p = tinyProgram({ fns: [core, cb], threads: [{ name: 't', fn: 'caller', args: [] }], mem: { 'x.seen_flags': 0 }, primitives: prims });
    const ip = new Interpreter(p, { coalesce: false });
    let s = ip.initial();
    const counts: number[][] = [];
    for (let i = 0; i < 20 && s.threads[0]!.frames.length; i++) {
      counts.push(s.threads[0]!.frames.map((f) => nonBlockCount(f.ctx)));
      s = ip.next(s, { tid: 0, choice: 0 });
    }
    // In cb() (two frames) the count is 1 in both; after non_block_end() it is back to 0.
    expect(counts.some((c) => c.length === 2 && c[1] === 1 && c[0] === 1)).toBe(true);
    expect(counts[counts.length - 1]).toEqual([0]);
  });
});
