/**
 * What a scenario can run (src/model/lang/live.ts), and the semaphores only read
 * (reduction.ts `readOnlySemaphores`): which branches are known one way, which statements are dead,
 * what the reductions make of it, and that `verifyReduction` reports a wrong premise.
 *
 * Before these, `sys_madvise()`'s `down_write_killable(&mm->mmap_sem)` (taken only where
 * `madvise_need_mmap_write()`, never for MADV_DONTNEED) and `__split_huge_pmd()`'s
 * `spin_unlock(ptl)` (counted as any lock) made `mmap_sem` look write-locked in every scenario, and
 * every read-side operation on it conflicted with every other: the tests below on the kernel fail on
 * that code (no dead statement, `mmap_sem` written, more states).
 */
import { describe, expect, test } from 'vitest';
import { check } from '../../../src/checker/index.ts';
import { c, else_, fn, if_ } from '../../../src/model/lang/ir.ts';
import { Interpreter, ModelError, type KAction } from '../../../src/model/lang/interp.ts';
import { knownBranches, liveStatements } from '../../../src/model/lang/live.ts';
import type { Primitive } from '../../../src/model/lang/primitives.ts';
import type { Scenario } from '../../../src/model/kernel/scenario.ts';
import { scenarioModel } from '../../../src/properties/index.ts';
import { KernelModel } from '../../../src/model/kernel-model.ts';
import { COALESCE_UNLESS_SLEEP_WATCHED_OR_RESTORES } from '../../../src/model/lang/reduction.ts';
import { lockDiscipline } from '../../../src/properties/lock-discipline.ts';
import { tinyProgram } from './program-fixture.ts';

const f = (name: string, body: Parameters<typeof fn>[0]['body'], params: string[] = []) => fn({ name, file: 't.c', version: 'test', source: 'test', params, body });

/** `never()`: returns 0 in every call, and says so; `sometimes()`: may return either. */
const zero = (returns = 0): Primitive => ({ shared: false, sleeps: false, value: () => 0, doc: 'returns 0, declared', run: () => returns });
const sometimes: Primitive = { shared: false, sleeps: false, doc: 'returns 0 or 1', choices: () => 2, run: (_ctx, _a, choice) => choice };

const deadPcs = (p: ReturnType<typeof tinyProgram>, name: string): string[] => {
  const fi = p.fnId(name);
  const live = liveStatements(p, fi);
  return p.fn(fi).instrs.flatMap((ins, pc) => (live[pc] ? [] : [ins.src.text]));
};

describe('branches known one way', () => {
  const program = (body: Parameters<typeof fn>[0]['body'], params: string[] = []) =>
    tinyProgram({
      fns: [f('a', body, params)],
      threads: [{ name: 'a', fn: 'a', args: params.map(() => 0) }],
      locks: { m: 'mutex' },
      primitives: { never: zero(), sometimes },
    });

  test('a primitive that declares its value, a local stored only with it, and `!`, `||`, `&&` of them', () => {
    const p = program([
      c('int w = 0;'),
      c('w = never();'),
      if_('w', [c('mutex_lock(&m);')], else_([c('mutex_unlock(&m);')])),
      if_('!never() && sometimes()', [c('int x1 = 1;')]),
      if_('never() || 1', [c('int x2 = 1;')], else_([c('int x3 = 1;')])),
      if_('never() && sometimes()', [c('int x4 = 1;')]),
    ]);
    // The `}` is the jump past the else of the dead `then`; `&&` is a branch per operand.
    expect(deadPcs(p, 'a')).toEqual(['mutex_lock(&m);', '}', 'int x3 = 1;', 'if (never() && sometimes())', 'int x4 = 1;']);
  });

  test('a local stored with an unknown or another value, whose address is taken, or a parameter, is unknown', () => {
    for (const [body, params] of [
      [[c('int w = 0;'), c('w = sometimes();'), if_('w', [c('mutex_lock(&m);')])], []],
      [[c('int w = 0;'), c('w = 1;'), if_('w', [c('mutex_lock(&m);')])], []],
      [[c('int w = 0;'), c('w++;'), if_('w', [c('mutex_lock(&m);')])], []],
      [[c('int w = 0;'), c('get(&w);'), if_('w', [c('mutex_lock(&m);')])], []],
      [[if_('w', [c('mutex_lock(&m);')])], ['w']],
    ] as const) {
      const p = tinyProgram({
        fns: [f('a', [...body], [...params])],
        threads: [{ name: 'a', fn: 'a', args: params.map(() => 1) }],
        locks: { m: 'mutex' },
        primitives: { sometimes, get: { shared: false, sleeps: false, doc: 'takes a pointer', run: () => 0 } },
      });
      expect(deadPcs(p, 'a')).toEqual([]);
      expect(knownBranches(p, p.fnId('a')).size).toBe(0);
    }
  });

  test('a primitive that returns another value than it declares is a broken premise under verifyReduction', () => {
    const p = tinyProgram({
      fns: [f('a', [c('int w = 0;'), c('w = liar();'), if_('w', [c('mutex_lock(&m);')])])],
      threads: [{ name: 'a', fn: 'a', args: [] }],
      locks: { m: 'mutex' },
      primitives: { liar: zero(1) },
    });
    expect(deadPcs(p, 'a')).toEqual(['mutex_lock(&m);']);
    expect(() => new Interpreter(p, { coalesce: false }).initial()).not.toThrow();
    const ip = new Interpreter(p, { coalesce: false, verifyReduction: true });
    const run = () => {
      let s = ip.initial();
      for (let i = 0; i < 4; i++) s = ip.step(s, { tid: 0, choice: 0 }).state;
    };
    expect(run).toThrow(ModelError);
    expect(run).toThrow(/reduction premise broken: liar\(\) returned 1, but declares 0 for this scenario/);
  });
});

describe('semaphores only read', () => {
  /** down_read and up_read of `s` by two threads, and a third that may write-lock it. */
  const program = (writer: boolean, sneaky = false) =>
    tinyProgram({
      fns: [
        f('r', [c('down_read(&s);'), c('up_read(&s);')]),
        f('w', [c(sneaky ? 'grab(&s);' : 'down_write(&s);'), c(sneaky ? 'x = 1;' : 'up_write(&s);')]),
      ],
      threads: [
        { name: 'r1', fn: 'r', args: [] },
        { name: 'r2', fn: 'r', args: [] },
        ...(writer ? [{ name: 'w', fn: 'w', args: [] }] : []),
      ],
      locks: { s: 'rwsem' },
      primitives: {
        // Takes s for write but says it is a read-side operation: a wrong declaration.
        grab: {
          shared: true,
          sleeps: false,
          locks: true,
          lockKind: 'rwsem',
          readSide: true,
          access: () => [{ name: 's', mode: 'w' }],
          doc: 'takes s for write, declared as a read-side operation',
          run(ctx) {
            const l = ctx.lock('s');
            if (l.kind === 'rwsem') ctx.setLock('s', { ...l, writer: ctx.tid });
            return 0;
          },
        },
      },
    });
  const modes = (ip: Interpreter, name: string) => {
    const p = ip.program;
    return p.fn(p.fnId(name)).instrs.flatMap((ins) => {
      const e = ip.reduction.effectsOf(ins);
      return e.accesses === 'all' ? ['all'] : e.accesses.filter((a) => a.name === 's').map((a) => a.mode);
    });
  };

  test('without a writer, down_read and up_read are increments of s; with one, writes', () => {
    const alone = new Interpreter(program(false));
    expect([...alone.reduction.readOnlySemaphores]).toEqual(['s']);
    expect(modes(alone, 'r')).toEqual(['inc', 'inc']);
    const written = new Interpreter(program(true));
    expect(written.reduction.readOnlySemaphores.size).toBe(0);
    expect(modes(written, 'r')).toEqual(['w', 'w']);
  });

  test('a write-lock the declarations hide is a broken premise under verifyReduction', () => {
    const ip = new Interpreter(program(true, true), { coalesce: false, verifyReduction: true });
    expect([...ip.reduction.readOnlySemaphores]).toEqual(['s']);
    expect(() => ip.step(ip.initial(), { tid: 2, choice: 0 })).toThrow(/leaves s held for write, but the reduction counts its read-side operations as commuting/);
  });
});

describe('a down_read on a semaphore only read cannot wait', () => {
  const g = (name: string, ...lines: string[]) => f(name, lines.map((l) => c(l)));
  /** Thread a stores, reads `s` around a second store; b stores and reads `s`; nothing write-locks it. */
  const program = () =>
    tinyProgram({
      fns: [g('a', 'x->v = 1;', 'down_read(&s);', 'x->v = 2;', 'up_read(&s);'), g('b', 'y->w = 1;', 'down_read(&s);', 'up_read(&s);')],
      threads: [
        { name: 'a', fn: 'a', args: [] },
        { name: 'b', fn: 'b', args: [] },
      ],
      locks: { s: 'rwsem' },
      mem: { 'x.v': 0, 'y.w': 0 },
    });

  test('it is coalesced unless sleeping calls are watched there or running it may undo a violation; counted by hand', () => {
    const p = program();
    const explore = (o: { coalesce?: boolean }) => {
      const m = new KernelModel(p, { reads: lockDiscipline.reads(p), ...o });
      m.setProperties(lockDiscipline.build(m));
      return { m, states: check(m, { findAll: true }).stats.states };
    };
    const { m, states } = explore({});
    const red = m.interp.reduction;
    const a = p.fnId('a');
    expect(red.effectsOf(p.fn(a).instrs[1]!).waits).toBe(false);
    expect(red.mode(a, 1)).toBe(COALESCE_UNLESS_SLEEP_WATCHED_OR_RESTORES);
    // Every statement of both threads is independent of the other thread and unseen: each runs to
    // its end in the initial state, 1 state. Before, each stopped in front of its down_read (it
    // "may wait"): both there, either finished, both finished, 4 states. Every statement a
    // transition: a's six positions (four statements, the return, finished) by b's five, 30.
    expect(states).toBe(1);
    expect(explore({ coalesce: false }).states).toBe(30);
  });

  test('a read-side primitive that waits on such a semaphore is a broken premise under verifyReduction', () => {
    const p = tinyProgram({
      fns: [g('a', 'stall(&s);', 'up_read(&s);')],
      threads: [{ name: 'a', fn: 'a', args: [] }],
      locks: { s: 'rwsem' },
      primitives: {
        // A read-side operation that always blocks: the reduction takes it for one that never does.
        stall: {
          shared: true,
          sleeps: true,
          locks: true,
          lockKind: 'rwsem',
          readSide: true,
          access: () => [{ name: 's', mode: 'w' }],
          doc: 'a read-side operation that always waits',
          wait: () => ({ why: 'stalls', sleeping: true }),
          run: () => 0,
        },
      },
    });
    const ip = new Interpreter(p, { verifyReduction: true });
    expect(ip.reduction.effectsOf(p.fn(p.fnId('a')).instrs[0]!).waits).toBe(false);
    expect(() => ip.actions(ip.initial(), [])).toThrow(/reduction premise broken: a waits at 'stall\(&s\);' \(stalls\), but its static effects say it cannot wait/);
    // Without verifyReduction the thread simply waits: no action.
    const acts: KAction[] = [];
    new Interpreter(p).actions(ip.initial(), acts);
    expect(acts).toEqual([]);
  });
});

describe('in the kernel: madvise and the reaper only read mmap_sem', () => {
  const sc = (extra: Scenario['threads'], notifiers: Scenario['notifiers'] = [{ use: 'kvm', objects: [{ start: 0, end: 4 }] }], end = 4): Scenario => ({
    name: 'readers',
    core: 'v4.19',
    oom: true,
    vmas: [{ start: 0, end }],
    notifiers,
    threads: [{ kind: 'oom_reaper' }, { kind: 'madvise', params: { start: 0, len: end === 4 ? 2 : 1 } }, ...extra],
  });

  /** How the live statements of `name` access mmap_sem. */
  const mmapSem = (m: ReturnType<typeof scenarioModel>, name: string, liveOnly = false): string[] => {
    const fi = m.program.fnId(name);
    const live = liveStatements(m.program, fi);
    return m.program.fn(fi).instrs.flatMap((ins, pc) => {
      if (liveOnly && !live[pc]) return [];
      const e = m.interp.reduction.effectsOf(ins);
      return e.accesses === 'all' ? ['all'] : e.accesses.filter((a) => a.name === 'mmap_sem').map((a) => a.mode);
    });
  };

  test("sys_madvise's write-lock is dead (madvise_need_mmap_write() is 0), and so is the huge-pmd split without a huge page", () => {
    const m = scenarioModel(sc([]));
    const p = m.program;
    expect(deadPcs(p, 'sys_madvise')).toEqual(expect.arrayContaining(['if (down_write_killable(&current->mm->mmap_sem))', 'up_write(&current->mm->mmap_sem);']));
    expect(deadPcs(p, 'zap_pmd_range').join('\n')).toMatch(/__split_huge_pmd/);
    expect([...m.interp.reduction.readOnlySemaphores]).toContain('mmap_sem');
    expect(mmapSem(m, 'oom_reap_task_mm')).toEqual(['inc', 'inc']);
    expect(mmapSem(m, 'sys_madvise', true)).toEqual(['inc', 'inc']);
  });

  test('a munmap thread takes mmap_sem for write: then it is not read-only', () => {
    const m = scenarioModel(sc([{ kind: 'munmap', params: { start: 0, len: 2 } }]));
    expect([...m.interp.reduction.readOnlySemaphores]).not.toContain('mmap_sem');
    expect(mmapSem(m, 'oom_reap_task_mm')).toEqual(['w', 'w']);
  });

  // Over KVM; the other two without a notifier and over one page, to keep them short (npm run verify:reduction runs the
  // built-in scenarios with munmap, exit_mmap and faults).
  test.each([
    ['reaper and madvise over KVM', [], undefined],
    ['reaper, madvise and munmap', [{ kind: 'munmap', params: { start: 0, len: 1 } }], []],
    ['reaper, madvise and a fault', [{ kind: 'fault', params: { address: 0 } }], []],
  ] as const)('%s: the same violated properties with and without the reductions (verifyReduction on)', (_what, extra, notifiers) => {
    const s = notifiers === undefined ? sc([...extra] as Scenario['threads']) : sc([...extra] as Scenario['threads'], [...notifiers], 1);
    const run = (coalesce: boolean) => {
      const r = check(scenarioModel(s, { coalesce, verifyReduction: true }), { findAll: true });
      expect(r.status).not.toBe('incomplete');
      return { states: r.stats.states, violated: r.verdicts.filter((v) => v.status === 'violated').map((v) => v.property).sort() };
    };
    const reduced = run(true);
    const full = run(false);
    expect(reduced.violated).toEqual(full.violated);
    expect(reduced.states).toBeLessThan(full.states);
  }, 180_000);
});
