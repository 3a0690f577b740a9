/**
 * Every state the interpreter hands the engine is an immutable snapshot. With `freezeParts` (under
 * `verifyReduction`, and in these tests) every object and array in it is frozen, so an attempt to
 * change a successor throws (ESM code is strict) and can never corrupt a state the explorer has
 * visited or will expand (issue 12, item 3: the step freezes only what it built, not the whole
 * tree). Without (the default), only the state object is frozen: no step writes a part of the state
 * it starts from, which the frozen runs show (a write would throw in them), and the two explore the
 * same states. The parts a step copies to write keep the properties, and their order, of the parts
 * they replace.
 */
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, test } from 'vitest';
import { FingerprintEncoder, fingerprint } from '../../../src/checker/fingerprint.ts';
import type { KAction } from '../../../src/model/lang/interp.ts';
import { KernelModel } from '../../../src/model/kernel-model.ts';
import { loadBuiltin } from '../../../src/model/kernel/scenario-file.ts';
import { buildProgram } from '../../../src/model/kernel/scenario.ts';
import type { KState } from '../../../src/model/lang/state.ts';
import { modelOf, variantsOf } from '../../../src/report/run.ts';
import { builtinNames } from '../../../src/model/kernel/scenario-file.ts';
import { unfrozen } from './fixtures/frozen.ts';

/** Every way of changing a part of `s` in place that the state's shape offers. */
function mutations(s: KState): [string, () => void][] {
  const out: [string, () => void][] = [
    ['the state', () => ((s as { pairs: unknown }).pairs = [])],
    ['the thread list', () => (s.threads as KState['threads'][number][]).push(s.threads[0]!)],
    ['shared memory', () => ((s.mem as Record<string, unknown>)[Object.keys(s.mem)[0]!] = 12345)],
    ['the lock table', () => ((s.locks as Record<string, unknown>)[Object.keys(s.locks)[0]!] = { kind: 'mutex', owner: 7 })],
    ['the open pairs', () => (s.pairs as unknown[]).push({})],
  ];
  s.threads.forEach((t, i) => {
    out.push([`thread ${i}`, () => ((t as { srcu: number }).srcu = 99)]);
    out.push([`thread ${i}'s frames`, () => (t.frames as unknown[]).push({})]);
    t.frames.forEach((f, j) => {
      out.push([`frame ${i}.${j}`, () => ((f as { pc: number }).pc = 999)]);
      if (f.locals.length) out.push([`frame ${i}.${j}'s locals`, () => ((f.locals as unknown[])[0] = 'x')]);
      if (f.op) out.push([`frame ${i}.${j}'s op`, () => ((f.op as { start: number }).start = -1)]);
    });
  });
  for (const [k, l] of Object.entries(s.locks)) {
    if (l.kind === 'rwsem') {
      out.push([`lock ${k}`, () => ((l as { writer: number }).writer = 5)]);
      out.push([`lock ${k}'s readers`, () => (l.readers as number[]).push(5)]);
      out.push([`lock ${k}'s waiters`, () => (l.waiters as unknown[]).push({ tid: 5, write: true })]);
      l.waiters.forEach((w, j) => out.push([`lock ${k}'s waiter ${j}`, () => ((w as { tid: number }).tid = 5)]));
    } else out.push([`lock ${k}`, () => ((l as { owner: number }).owner = 5)]);
  }
  s.pairs.forEach((p, j) => out.push([`pair ${j}`, () => ((p as { ret: number }).ret = 5)]));
  return out;
}

/** Breadth-first over the first `limit` states of `m`: the visited states and every successor computed. */
function explore(m: KernelModel, limit: number, visit: (s: KState, parent: KState | undefined) => void): number {
  const enc = new FingerprintEncoder();
  const seen = new Set<string>();
  const key = (s: KState): string => {
    fingerprint(m, s, enc);
    return `${enc.hi}:${enc.lo}`;
  };
  const queue: KState[] = [];
  for (const s of m.initStates()) {
    visit(s, undefined);
    if (!seen.has(key(s))) {
      seen.add(key(s));
      queue.push(s);
    }
  }
  const acts: KAction[] = [];
  for (let i = 0; i < queue.length && seen.size < limit; i++) {
    const s = queue[i]!;
    acts.length = 0;
    m.actions(s, acts);
    for (const a of acts) {
      const n = m.nextState(s, a);
      visit(n, s);
      const k = key(n);
      if (!seen.has(k)) {
        seen.add(k);
        queue.push(n);
      }
    }
  }
  return seen.size;
}

const frozen = { freezeParts: true };

const cases: [string, KernelModel][] = [
  [
    'amdgpu under the reaper (mayfail core)',
    new KernelModel(
      buildProgram({
        name: 'immutable',
        core: 'mayfail',
        oom: true,
        vmas: [{ start: 0, end: 4 }],
        notifiers: [{ use: 'amdgpu@93065ac753e4', objects: [{ start: 0, end: 2 }] }],
        threads: [{ kind: 'oom_reaper' }, { kind: 'madvise', params: { start: 0, len: 2 } }],
      }),
      frozen,
    ),
  ],
  ...(['several-starts-in-flight', 'exit-mmap-vs-reaper', 'kvm-pairing-under-reaper'] as const).map((n): [string, KernelModel] => [
    n,
    new KernelModel(buildProgram(variantsOf(loadBuiltin(n))[0]!.scenario), frozen),
  ]),
  ['several-starts-in-flight, one statement per step', new KernelModel(buildProgram(variantsOf(loadBuiltin('several-starts-in-flight'))[0]!.scenario), { coalesce: false, ...frozen })],
];

describe('states are immutable snapshots', () => {
  test.each(cases)('%s: every object of every state reached is frozen', (_name, m) => {
    let checked = 0;
    const n = explore(m, 3000, (s) => {
      // The initial state of a run without coalescing is built, not stepped: it is checked too.
      const bad = unfrozen(s, 'state', new Set());
      if (bad !== undefined) throw new Error(`${bad} is not frozen in ${m.formatState(s)}`);
      checked++;
    });
    expect(n).toBeGreaterThan(100);
    expect(checked).toBeGreaterThan(n);
  });

  test.each(cases)('%s: a step copies what it changes with the same properties in the same order', (_name, m) => {
    const init = m.initStates()[0]!;
    const memKeys = JSON.stringify(Object.keys(init.mem));
    const lockKeys = JSON.stringify(Object.keys(init.locks));
    explore(m, 1000, (s) => {
      expect(JSON.stringify(Object.keys(s.mem))).toBe(memKeys);
      expect(JSON.stringify(Object.keys(s.locks))).toBe(lockKeys);
      expect(Object.keys(s)).toEqual(['threads', 'mem', 'locks', 'pairs']);
      for (const t of s.threads) {
        expect(Object.keys(t)).toEqual(['frames', 'srcu', 'pending']);
        for (const f of t.frames) expect(Object.keys(f)).toEqual(['fn', 'pc', 'locals', 'dest', 'ctx', ...(f.op ? ['op'] : [])]);
      }
    });
  });

  test.each(cases)('%s: changing a successor in place throws and leaves the state and its predecessor as they were', (_name, m) => {
    const enc = new FingerprintEncoder();
    const fp = (s: KState): string => {
      fingerprint(m, s, enc);
      return `${enc.hi}:${enc.lo}`;
    };
    let tried = 0;
    let i = 0;
    explore(m, 400, (s, parent) => {
      if (i++ % 7 !== 0) return;
      const before = fp(s);
      const parentBefore = parent && fp(parent);
      const text = JSON.stringify(s);
      for (const [what, change] of mutations(s)) {
        expect(change, what).toThrow(TypeError);
        tried++;
      }
      expect(fp(s)).toBe(before);
      expect(JSON.stringify(s)).toBe(text);
      if (parent) expect(fp(parent)).toBe(parentBefore);
    });
    expect(tried).toBeGreaterThan(100);
  });
});

describe('a frame a step changes keeps its locals until it writes one', () => {
  // A step moves its top frame's pc far more often than it writes a local: the frame is copied,
  // its locals shared with the frame it replaces (interp.ts WorkThread.own; locals-shared.test.ts
  // step by step). Here over the kernel's code, with the tests above showing that no step changes
  // a state it stepped from.
  test.each(cases)('%s: successors share locals with their predecessors', (_name, m) => {
    let shared = 0;
    explore(m, 1500, (s, parent) => {
      if (parent === undefined) return;
      s.threads.forEach((t, i) => {
        const p = parent.threads[i]!;
        for (let j = 0; j < Math.min(t.frames.length, p.frames.length); j++) {
          const f = t.frames[j]!;
          const g = p.frames[j]!;
          if (f !== g && f.fn === g.fn && f.locals === g.locals) shared++;
        }
      });
    });
    // Seen failing before: every frame copied had its locals copied (0).
    expect(shared).toBeGreaterThan(100);
  });
});

describe('actions are shared frozen values', () => {
  // Listing a state's actions allocates nothing (issue 12, item 3): each thread's action per
  // outcome is made once and handed out again, so nothing may change it in place.
  test.each(cases)('%s: the same frozen object for a thread and an outcome in every state', (_name, m) => {
    const byKey = new Map<string, KAction>();
    let listed = 0;
    explore(m, 1000, (s) => {
      const acts: KAction[] = [];
      m.actions(s, acts);
      for (const a of acts) {
        expect(Object.isFrozen(a)).toBe(true);
        expect(() => ((a as { choice: number }).choice = 99)).toThrow(TypeError);
        const key = `${a.tid}:${a.choice}`;
        const seen = byKey.get(key);
        if (seen === undefined) byKey.set(key, a);
        else expect(a).toBe(seen);
        listed++;
      }
    });
    expect(listed).toBeGreaterThan(byKey.size * 10);
  });
});

describe('without freezeParts (the default): the state object frozen, its parts as built', () => {
  test('the default freezes parts only under verifyReduction', () => {
    const sc = variantsOf(loadBuiltin('several-starts-in-flight'))[0]!.scenario;
    expect(new KernelModel(buildProgram(sc)).interp.freezeParts).toBe(false);
    expect(new KernelModel(buildProgram(sc), { verifyReduction: true }).interp.freezeParts).toBe(true);
    expect(modelOf(sc, {}).interp.freezeParts).toBe(false);
  });

  test('a successor is a frozen state object whose new parts are not frozen', () => {
    const m = new KernelModel(buildProgram(variantsOf(loadBuiltin('several-starts-in-flight'))[0]!.scenario));
    let states = 0;
    let fresh = 0;
    explore(m, 500, (s, parent) => {
      expect(Object.isFrozen(s)).toBe(true);
      states++;
      if (parent === undefined) return;
      // A thread the step changed is a new object, built unfrozen.
      s.threads.forEach((t, i) => {
        if (t === parent.threads[i]) return;
        expect(Object.isFrozen(t)).toBe(false);
        fresh++;
      });
    });
    expect(states).toBeGreaterThan(500);
    expect(fresh).toBeGreaterThan(500);
  });

  // Every built-in scenario and variant: the same successors, state by state, with every part frozen
  // and without. Frozen, a step that wrote a part of the state it started from (shared with states
  // visited or still to expand) would throw; so neither run does, and not freezing changes nothing.
  test.each(builtinNames())('%s: the same states, successor by successor, with freezeParts and without', (name) => {
    for (const v of variantsOf(loadBuiltin(name))) {
      const deep = modelOf(v.scenario, frozen);
      const shallow = modelOf(v.scenario, {});
      const queue = deep.initStates().map((s, i) => [s, shallow.initStates()[i]!] as const);
      expect(queue.length).toBe(shallow.initStates().length);
      const enc = new FingerprintEncoder();
      const key = (m: KernelModel, s: KState): string => {
        fingerprint(m, s, enc);
        return `${enc.hi}:${enc.lo}`;
      };
      const seen = new Set(queue.map(([d]) => key(deep, d)));
      const da: KAction[] = [];
      const sa: KAction[] = [];
      for (let i = 0; i < queue.length && seen.size < 400; i++) {
        const [d, s] = queue[i]!;
        da.length = 0;
        sa.length = 0;
        deep.actions(d, da);
        shallow.actions(s, sa);
        expect(sa).toEqual(da);
        for (let j = 0; j < da.length; j++) {
          const dn = deep.nextState(d, da[j]!)!;
          const sn = shallow.nextState(s, sa[j]!)!;
          if (!isDeepStrictEqual(dn, sn)) expect(sn).toEqual(dn);
          expect(unfrozen(dn, 'state')).toBeUndefined();
          const k = key(deep, dn);
          expect(key(shallow, sn)).toBe(k);
          if (!seen.has(k)) {
            seen.add(k);
            queue.push([dn, sn]);
          }
        }
      }
      expect(seen.size).toBeGreaterThan(1);
    }
  });
});
