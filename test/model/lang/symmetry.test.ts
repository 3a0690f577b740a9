/**
 * Symmetry of identical threads (issue 12, item 2; src/model/lang/symmetry.ts): which threads form
 * classes, and the claims of `Symmetry` (src/checker/model.ts) checked state by state: the initial
 * state is invariant, the transitions, `threads()` and the properties are equivariant, and
 * `canonical` picks one representative per orbit (for states without ties) by a permutation it
 * reports truthfully.
 */
import { describe, expect, test } from 'vitest';
import { FingerprintEncoder } from '../../../src/checker/fingerprint.ts';
import { check } from '../../../src/checker/check.ts';
import { StringEncoder, type Encoder, type Property, type ThreadInfo } from '../../../src/checker/model.ts';
import { c, fn } from '../../../src/model/lang/ir.ts';
import type { KAction } from '../../../src/model/lang/interp.ts';
import { KernelModel } from '../../../src/model/kernel-model.ts';
import { DRIVERS } from '../../../src/model/kernel/drivers/index.ts';
import { buildProgram, type Scenario, type ThreadUse } from '../../../src/model/kernel/scenario.ts';
import { loadBuiltin } from '../../../src/model/kernel/scenario-file.ts';
import { Program } from '../../../src/model/lang/program.ts';
import type { KState } from '../../../src/model/lang/state.ts';
import { permuteState, symmetryExclusions, threadClasses, ThreadSymmetry } from '../../../src/model/lang/symmetry.ts';
import { engineProperties, scenarioModel } from '../../../src/properties/index.ts';
import { tinyProgram } from './program-fixture.ts';

// ------------------------------------------------------------------------------------- scenarios

/** amdgpu's BO over a shared file mapping, as bench/growth.ts has it. */
function amdgpu(name: string, threads: readonly ThreadUse[], core = 'v4.19', use = 'amdgpu@93065ac753e4'): Scenario {
  return {
    name,
    core,
    oom: true,
    vmas: [{ start: 0, end: 4 }, { start: 8, end: 12, file: true, shared: true }],
    notifiers: [{ use, objects: [{ start: 8, end: 10 }] }],
    threads,
  };
}

const madvise = (n: number, start = 8, len = 2): ThreadUse[] => Array.from({ length: n }, (_, i) => ({ kind: 'madvise', name: `madvise${i + 1}`, params: { start, len } }));

const SCENARIOS = {
  /** bench/growth.ts at k = 3: the reaper, the CS ioctl and three identical madvise threads. */
  growth3: amdgpu('growth-3', [{ kind: 'oom_reaper' }, { kind: 'amdgpu:cs_v4_19' }, ...madvise(3)]),
  /** Two munmap threads that split nothing (one class: writers queueing on mmap_sem) and two that split [8, 12) at 10 (each its own pre-allocated VMA: no class). */
  munmaps: amdgpu('munmaps', [
    { kind: 'oom_reaper' },
    { kind: 'munmap', params: { start: 8, len: 4 } },
    { kind: 'munmap', params: { start: 8, len: 4 } },
    { kind: 'munmap', params: { start: 8, len: 2 } },
    { kind: 'munmap', params: { start: 8, len: 2 } },
  ]),
  /** Two writers queueing on mmap_sem behind a reader (none of them an OOM victim: a victim's down_write_killable never queues). */
  writers: amdgpu('writers', [
    { kind: 'oom_reaper' },
    { kind: 'madvise', victim: false, params: { start: 8, len: 2 } },
    { kind: 'munmap', victim: false, params: { start: 8, len: 4 } },
    { kind: 'munmap', victim: false, params: { start: 8, len: 4 } },
  ]),
  /** Two faults at one address (per-task statics `task<i>.vmf.*`, locals naming them) and one elsewhere. */
  faults: amdgpu('faults', [{ kind: 'oom_reaper' }, { kind: 'fault', params: { address: 9 } }, { kind: 'fault', params: { address: 9 } }, { kind: 'fault', params: { address: 8 } }]),
  /** Two classes that take locks (amn->lock for write, adev's mn_lock), two read holders of mmap_sem that cannot be one (up_read_non_owner), exit_mmap waiting for mm_users and its kworker. */
  holders: amdgpu('holders', [
    { kind: 'lock_holder', params: { lock: 'amdgpu0.lock', mode: 'write' } },
    { kind: 'lock_holder', params: { lock: 'amdgpu0.lock', mode: 'write' } },
    { kind: 'lock_holder', params: { lock: 'mm.mmap_sem', mode: 'read' } },
    { kind: 'lock_holder', params: { lock: 'mm.mmap_sem', mode: 'read' } },
    { kind: 'lock_holder', params: { lock: 'adev.mn_lock' } },
    { kind: 'lock_holder', params: { lock: 'adev.mn_lock' } },
    { kind: 'exit_mmap' },
  ]),
  /** Identical callers of the notifier core, each opening pairs (nested ranges), with the reaper. */
  invalidates: amdgpu('invalidates', [
    { kind: 'oom_reaper' },
    { kind: 'invalidate', params: { start: 8, len: 4, innerStart: 8, innerLen: 2 } },
    { kind: 'invalidate', params: { start: 8, len: 4, innerStart: 8, innerLen: 2 } },
    ...madvise(2, 0, 2),
  ]),
  /** Two callers of the notifier core with pairs open at once, and a madvise elsewhere. */
  pairs: amdgpu('pairs', [
    { kind: 'invalidate', params: { start: 8, len: 4, innerStart: 8, innerLen: 2 } },
    { kind: 'invalidate', params: { start: 8, len: 4, innerStart: 8, innerLen: 2 } },
    { kind: 'madvise', params: { start: 0, len: 2 } },
  ]),
} as const;

/**
 * Three threads of one function that name each other's tasks: each keeps who came before it in a
 * local, stores `current` in shared memory, sets a per-task variable, and takes an rw_semaphore for
 * read and a mutex inside it; one more thread of another function takes the rw_semaphore for write
 * and reads who came last.
 */
function tasksProgram(): Program {
  const f = fn({
    name: 'f',
    file: 't.c',
    version: 'test',
    source: 'test',
    params: [],
    body: [
      c('struct task_struct *prev = x->last;'),
      c('x->last = current;'),
      c('current->flag = 1;'),
      c('down_read(&x->s);'),
      c('mutex_lock(&x->m);'),
      c('x->owner = current;'),
      c('mutex_unlock(&x->m);'),
      c('up_read(&x->s);'),
      c('x->seen = prev;'),
    ],
  });
  const g = fn({ name: 'g', file: 't.c', version: 'test', source: 'test', params: [], body: [c('down_write(&x->s);'), c('struct task_struct *who = x->last;'), c('up_write(&x->s);'), c('x->seen = who;')] });
  return tinyProgram({
    fns: [f, g],
    threads: [
      { name: 't0', fn: 'f', args: [] },
      { name: 'w', fn: 'g', args: [] },
      { name: 't1', fn: 'f', args: [] },
      { name: 't2', fn: 'f', args: [] },
    ],
    locks: { 'x.m': 'mutex', 'x.s': 'rwsem' },
    mem: { 'x.last': null, 'x.owner': null, 'x.seen': null, 't0.flag': 0, 't1.flag': 0, 't2.flag': 0 },
  });
}

/** The scenario's model with every property, symmetry on (also without coalescing, where it is off by default). */
function scenarioModelOf(sc: Scenario, o: { coalesce?: boolean } = {}): KernelModel {
  return scenarioModel(sc, { ...o, symmetry: true });
}

function tasksModel(): KernelModel {
  const m = new KernelModel(tasksProgram(), { coalesce: false, symmetry: true });
  m.setProperties(engineProperties(m, ['deadlock', 'lock-discipline', 'pairing']));
  return m;
}

// ------------------------------------------------------------------------------------- helpers

const enc = (m: KernelModel, s: KState): string => StringEncoder.encode(m, s);

/** The first `limit` states of a breadth-first walk (no reduction but the model's own). */
function walk(m: KernelModel, limit: number): KState[] {
  const seen = new Set<string>();
  const out: KState[] = [];
  for (const s of m.initStates()) {
    seen.add(enc(m, s));
    out.push(s);
  }
  const acts: KAction[] = [];
  for (let i = 0; i < out.length && out.length < limit; i++) {
    acts.length = 0;
    m.actions(out[i]!, acts);
    for (const a of acts) {
      const n = m.nextState(out[i]!, a);
      const k = enc(m, n);
      if (!seen.has(k)) {
        seen.add(k);
        out.push(n);
      }
    }
  }
  return out;
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random permutation within the classes, not the identity. */
function randomPerm(n: number, classes: readonly (readonly number[])[], rand: () => number): Uint8Array {
  const g = Uint8Array.from({ length: n }, (_, i) => i);
  for (;;) {
    for (const cl of classes) {
      const images = [...cl];
      for (let i = images.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [images[i], images[j]] = [images[j]!, images[i]!];
      }
      cl.forEach((t, i) => (g[t] = images[i]!));
    }
    if (g.some((x, i) => x !== i)) return g;
  }
}

/** A state's actions, by thread. */
function byThread(m: KernelModel, s: KState): KAction[][] {
  const acts: KAction[] = [];
  m.actions(s, acts);
  const out: KAction[][] = s.threads.map(() => []);
  for (const a of acts) out[m.actionThread(a)]!.push(a);
  return out;
}

/**
 * What the states show of class members, so that a check over them is not vacuous: a member owning
 * a mutex or spinlock, holding an rwsem for write, two members' read holds, two members queued,
 * two members' pairs open, a value naming a member's task in memory or in locals, a pending thread.
 */
function features(m: KernelModel, states: readonly KState[], classes: readonly (readonly number[])[] = m.symmetry!.classes): Set<string> {
  const members = new Set(classes.flat());
  const tasks = [...members].map((t) => m.program.spec.threads[t]!.task);
  const names = (v: unknown): boolean => typeof v === 'string' && tasks.some((t) => v === t || v.startsWith(`${t}.`));
  const out = new Set<string>();
  for (const s of states) {
    for (const l of Object.values(s.locks)) {
      if (l.kind !== 'rwsem') {
        if (members.has(l.owner)) out.add('owner');
        continue;
      }
      if (members.has(l.writer)) out.add('writer');
      if (l.readers.filter((r) => members.has(r)).length > 1) out.add('readers2');
      if (l.waiters.filter((w) => members.has(w.tid)).length > 1) out.add('waiters2');
    }
    if (new Set(s.pairs.filter((p) => members.has(p.tid)).map((p) => p.tid)).size > 1) out.add('pairs2');
    if (Object.values(s.mem).some(names)) out.add('memref');
    if (s.threads.some((t) => t.frames.some((f) => f.locals.some(names)))) out.add('localref');
    if ([...members].some((t) => s.threads[t]!.pending)) out.add('pending');
  }
  return out;
}

/** Whether a member's locals or per-task memory name another member's task. */
function crossRef(m: KernelModel, s: KState, classes: readonly (readonly number[])[]): boolean {
  const members = classes.flat();
  const task = (t: number): string => m.program.spec.threads[t]!.task;
  const names = (v: unknown, t: number): boolean => typeof v === 'string' && members.some((u) => u !== t && (v === task(u) || v.startsWith(`${task(u)}.`)));
  return members.some(
    (t) =>
      s.threads[t]!.frames.some((f) => f.locals.some((v) => names(v, t))) ||
      Object.entries(s.mem).some(([k, v]) => (k === task(t) || k.startsWith(`${task(t)}.`)) && names(v, t)),
  );
}

/** `threads()` of one thread, with the names of class members (which differ, and only name) replaced. */
function info(m: KernelModel, i: ThreadInfo, classes: readonly (readonly number[])[]): string {
  const names = classes.flat().map((t) => m.threadName(t)).sort((a, b) => b.length - a.length);
  const anon = (x: string | undefined): string | undefined => names.reduce((acc, nm) => acc?.split(nm).join('<member>'), x);
  return JSON.stringify({ finished: i.finished, waitingFor: anon(i.waitingFor), location: i.location });
}

/** The verdict of every property in `s` (the per-thread ones listed by the thread they are about). */
function verdicts(props: readonly Property<KState>[], s: KState): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const p of props) {
    switch (p.kind) {
      case 'always':
      case 'sometimes':
        out.set(p.name, p.holds(s));
        break;
      case 'reachable':
        out.set(p.thread === undefined ? p.name : `thread ${p.thread}`, p.goal(s));
        break;
      case 'eventually':
        out.set(p.name, p.goal(s));
        break;
      case 'deadlock':
        break;
    }
  }
  return out;
}

/**
 * For every state, random permutations `g` within the classes: `g·next(s, a)` encodes as
 * `next(g·s, a')` (a' the k-th action of thread g[t] in g·s when a is the k-th of t in s), and
 * `threads()` and the properties agree. Returns how many transitions it compared.
 */
function checkEquivariance(m: KernelModel, states: readonly KState[], seed: number, classes: readonly (readonly number[])[] = m.symmetry!.classes): number {
  const rand = rng(seed);
  const props = m.properties();
  let compared = 0;
  for (const s of states) {
    const g = randomPerm(s.threads.length, classes, rand);
    const gs = permuteState(m.program, s, g);
    const acts = byThread(m, s);
    const gacts = byThread(m, gs);
    const ti = m.threads(s);
    const gti = m.threads(gs);
    const v = verdicts(props, s);
    const gv = verdicts(props, gs);
    for (const [name, holds] of v) {
      const t = /^thread (\d+)$/.exec(name);
      expect(gv.get(t ? `thread ${g[Number(t[1])]}` : name), `${name} in ${m.formatState(s)}`).toBe(holds);
    }
    for (let t = 0; t < s.threads.length; t++) {
      expect(info(m, gti[g[t]!]!, classes), `threads() of ${m.threadName(t)}`).toBe(info(m, ti[t]!, classes));
      const mine = acts[t]!;
      const theirs = gacts[g[t]!]!;
      expect(theirs.length, `actions of ${m.threadName(t)} in\n${m.formatState(s)}`).toBe(mine.length);
      for (let k = 0; k < mine.length; k++) {
        const next = m.nextState(s, mine[k]!);
        const gnext = m.nextState(gs, theirs[k]!);
        const want = enc(m, permuteState(m.program, next, g));
        if (enc(m, gnext) !== want) {
          throw new Error(`not equivariant: ${m.formatAction(mine[k]!, s)} from\n${m.formatState(s)}\nunder [${g.join(',')}]`);
        }
        compared++;
      }
    }
  }
  return compared;
}

// ------------------------------------------------------------------------------------- tests

describe('threadClasses', () => {
  test('identical threads form a class; different parameters, the reaper, exit_mmap and kworkers do not', () => {
    const classes = (sc: Scenario): number[][] => threadClasses(buildProgram(sc));
    // growth-3: oom_reaper, cs_v4_19, madvise x3.
    expect(classes(SCENARIOS.growth3)).toEqual([[2, 3, 4]]);
    // munmap [8, 12) twice (no split), munmap [8, 10) twice: each splits at 10 into a VMA of its own.
    expect(classes(SCENARIOS.munmaps)).toEqual([[1, 2]]);
    expect(buildProgram(SCENARIOS.munmaps).spec.statics['task3.vm_area_cache']).not.toEqual(buildProgram(SCENARIOS.munmaps).spec.statics['task4.vm_area_cache']);
    expect(classes(SCENARIOS.faults)).toEqual([[1, 2]]);
    expect(classes(SCENARIOS.invalidates)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    // Two classes; the read holders of mmap_sem are excluded (amdgpu's up_read_non_owner), as is the kworker; exit_mmap is alone.
    const holders = buildProgram(SCENARIOS.holders);
    expect(threadClasses(holders)).toEqual([
      [0, 1],
      [4, 5],
    ]);
    expect(symmetryExclusions(holders).map((x) => x.tid)).toEqual([2, 3, 7]);
    expect(holders.spec.threads[7]!.kworker).toBeDefined();
    // Different ranges: no class (i915-overlapping-invalidations: madvise [0, 4) and [2, 6)).
    expect(threadClasses(buildProgram(loadBuiltin('i915-overlapping-invalidations')))).toEqual([]);
    // Distinct cs ioctls get objects of their own (amdgpu0.cs, amdgpu0.cs1): no class.
    expect(classes(amdgpu('two-cs', [{ kind: 'amdgpu:cs_v4_19' }, { kind: 'amdgpu:cs_v4_19' }]))).toEqual([]);
    expect(classes(SCENARIOS.writers)).toEqual([[2, 3]]);
    expect(classes(SCENARIOS.pairs)).toEqual([[0, 1]]);
    expect(threadClasses(tasksProgram())).toEqual([[0, 2, 3]]);
  });

  test('an owned read hold that up_read_non_owner() may drop singles out the lowest-numbered reader: forced into a class, the transitions are not equivariant', () => {
    // r0 and r1 take x->s for read and release it; u releases a non-owner hold it never took, which
    // removeReader (locks.ts) takes from the lowest-numbered reader.
    const r = fn({ name: 'r', file: 't.c', version: 'test', source: 'test', params: [], body: [c('down_read(&x->s);'), c('up_read(&x->s);')] });
    const u = fn({ name: 'u', file: 't.c', version: 'test', source: 'test', params: [], body: [c('up_read_non_owner(&x->s);')] });
    const p = tinyProgram({
      fns: [r, u],
      threads: [
        { name: 'r0', fn: 'r', args: [] },
        { name: 'r1', fn: 'r', args: [] },
        { name: 'u', fn: 'u', args: [] },
      ],
      locks: { 'x.s': 'rwsem' },
    });
    expect(threadClasses(p)).toEqual([]);
    expect(symmetryExclusions(p).map((x) => x.tid)).toEqual([0, 1]);
    const m = new KernelModel(p, { coalesce: false });
    expect(() => checkEquivariance(m, walk(m, 100), 1, [[0, 1]])).toThrow(/not equivariant|expected/);
    // The same with the release on another lock: a class.
    const u2 = fn({ name: 'u', file: 't.c', version: 'test', source: 'test', params: [], body: [c('up_read_non_owner(&x->t);')] });
    const p2 = tinyProgram({ fns: [r, u2], threads: p.spec.threads, locks: { 'x.s': 'rwsem', 'x.t': 'rwsem' } });
    expect(threadClasses(p2)).toEqual([[0, 1]]);
    const m2 = new KernelModel(p2, { coalesce: false, symmetry: true });
    expect(checkEquivariance(m2, walk(m2, 100), 1)).toBeGreaterThan(10);
  });

  test('a program that tells two otherwise identical threads apart is not symmetric in them', () => {
    const p = buildProgram(SCENARIOS.growth3);
    const spec = p.spec;
    const remake = (patch: Partial<typeof spec>): number[][] => threadClasses(new Program({ ...spec, ...patch }));
    // mm_users_tids, read by exit_mmap's mmput: without madvise3, it is not madvise1's and madvise2's class mate.
    expect(spec.statics['mm.mm_users_tids']).toEqual([1, 2, 3, 4]);
    expect(remake({ statics: { ...spec.statics, 'mm.mm_users_tids': [1, 2, 3] } })).toEqual([[2, 3]]);
    // A per-task static, a per-task initial value, a string naming a task.
    expect(remake({ statics: { ...spec.statics, 'task3.fatal_signal': 0 } })).toEqual([[2, 4]]);
    expect(remake({ mem: { ...spec.mem, 'task4.flags': 1 } })).toEqual([[2, 3]]);
    expect(remake({ mem: { ...spec.mem, 'ghost.oom_obstructed': 'task2' } })).toEqual([[3, 4]]);
    // An argument.
    expect(remake({ threads: spec.threads.map((t, i) => (i === 3 ? { ...t, args: [8, 3, t.args[2]!] } : t)) })).toEqual([[2, 4]]);
  });
});

describe('the initial state is invariant', () => {
  test.each([...Object.keys(SCENARIOS), 'tasks'])('%s: every transposition within a class gives the same state', (name) => {
    const m = name === 'tasks' ? tasksModel() : scenarioModelOf(SCENARIOS[name as keyof typeof SCENARIOS]);
    const s = m.initStates()[0]!;
    const classes = m.symmetry!.classes;
    expect(classes.length).toBeGreaterThan(0);
    for (const cl of classes) {
      for (let i = 0; i < cl.length; i++) {
        for (let j = i + 1; j < cl.length; j++) {
          const g = Uint8Array.from(s.threads, (_, t) => (t === cl[i] ? cl[j]! : t === cl[j] ? cl[i]! : t));
          expect(enc(m, permuteState(m.program, s, g))).toBe(enc(m, s));
        }
      }
    }
  });
});

/** Models to walk, the states to walk, and what the walk must show of class members (see {@link features}). */
const EQUIVARIANCE: [string, () => KernelModel, number, string[]][] = [
  ['growth3', () => scenarioModelOf(SCENARIOS.growth3), 2500, ['owner', 'readers2']],
  // Without the reaper and the ioctl: uncoalesced, their steps would fill the first thousands of states.
  ['two madvise, one statement per step', () => scenarioModelOf(amdgpu('madvise-2', madvise(2)), { coalesce: false }), 2500, ['owner', 'readers2']],
  ['growth3 over amdgpu@v4.18 (v4.18 core)', () => scenarioModelOf(amdgpu('growth-v418', [{ kind: 'oom_reaper' }, ...madvise(3)], 'v4.18', 'amdgpu@v4.18')), 2000, ['owner', 'readers2']],
  ['writers', () => scenarioModelOf(SCENARIOS.writers), 2500, ['writer', 'waiters2', 'pending']],
  ['faults', () => scenarioModelOf(SCENARIOS.faults), 2500, ['localref', 'readers2']],
  ['holders', () => scenarioModelOf(SCENARIOS.holders), 2500, ['owner', 'writer', 'pending']],
  ['invalidates', () => scenarioModelOf(SCENARIOS.invalidates), 2500, ['owner', 'readers2']],
  ['pairs', () => scenarioModelOf(SCENARIOS.pairs), 2500, ['owner', 'pairs2']],
  ['tasks', tasksModel, 3000, ['owner', 'readers2', 'memref', 'localref']],
];

describe('the transitions are equivariant', () => {
  test.each(EQUIVARIANCE)('%s: g·next(s, a) = next(g·s, g·a), threads() and the properties agree', (_name, make, limit, shows) => {
    const m = make();
    const states = walk(m, limit);
    expect(states.length).toBeGreaterThan(Math.min(limit, 300));
    expect([...features(m, states)]).toEqual(expect.arrayContaining(shows));
    expect(checkEquivariance(m, states, 12)).toBeGreaterThan(states.length);
  }, 60_000);
});

/**
 * Every variant of every driver, with the reaper, exit_mmap (->release, the kworkers), two identical
 * madvise threads over the driver's object and two identical driver threads of each kind that takes
 * no object of its own: the drivers' primitives are code threadClasses cannot read.
 */
const DRIVER_SCENARIOS: [string, Scenario][] = Object.values(DRIVERS).flatMap((d) =>
  Object.entries(d.variants).map(([vn, v]): [string, Scenario] => {
    const core = v.dynamicInterval ? 'v6.6' : v.interval ? 'v5.5' : v.api === 'v4.18' ? 'v4.18' : v.api === 'v5.0' ? 'v5.0' : v.api === 'v5.2' ? 'v5.4' : vn === 'mayfail' ? 'mayfail' : 'v4.19';
    const twins: ThreadUse[] = [];
    for (const [kind, t] of Object.entries(v.threads ?? {})) {
      const params = Object.keys(t.params ?? {});
      if (t.once !== undefined || params.includes('start')) continue;
      const p = params.includes('leaf') ? { leaf: 0, address: 8 } : params.includes('address') ? { address: 8 } : undefined;
      twins.push(...[0, 1].map(() => ({ kind: `${d.name}:${kind}`, ...(p ? { params: p } : {}) })));
      break; // one kind: amdgpu's ioctls are different functions of one name
    }
    return [`${d.name}@${vn}`, { name: `${d.name}-${vn}`, core, oom: true, vmas: [{ start: 0, end: 4 }, { start: 8, end: 12 }], notifiers: [{ use: `${d.name}@${vn}`, objects: [{ start: 8, end: 10 }] }], threads: [{ kind: 'oom_reaper' }, { kind: 'exit_mmap' }, ...madvise(2), ...twins] }];
  }),
);

describe('every driver variant', () => {
  test.each(DRIVER_SCENARIOS)('%s: the twins are classes, and the transitions are equivariant', (name, sc) => {
    const m = scenarioModelOf(sc);
    // The madvise twins; KVM's vCPU faults and mlx5's page faults too; amdgpu's ioctls each get objects of their own (amdgpu0.cs, amdgpu0.cs1).
    const twins = sc.threads.length > 4 && !name.startsWith('amdgpu') ? [[2, 3], [4, 5]] : [[2, 3]];
    expect(m.symmetry?.classes).toEqual(twins);
    const states = walk(m, 400);
    expect(checkEquivariance(m, states, 3)).toBeGreaterThan(states.length);
  }, 60_000);
});

describe('canonical', () => {
  test.each(EQUIVARIANCE)('%s: canonical(s) is perm·s, and canonical(g·s) = canonical(s) unless the sort key ties', (name, make, limit) => {
    const m = make();
    const sym = m.symmetry as ThreadSymmetry;
    const rand = rng(7);
    const states = walk(m, Math.min(limit, 1500));
    const n = states[0]!.threads.length;
    const perm = new Uint8Array(n);
    const perm2 = new Uint8Array(n);
    let exact = 0;
    let movedStates = 0;
    let ties = 0;
    for (const s of states) {
      const c = sym.canonical(s, perm);
      const p = Uint8Array.from(perm);
      expect(enc(m, c)).toBe(enc(m, permuteState(m.program, s, p)));
      if (c !== s) movedStates++;
      // Non-members stay; members stay within their class.
      for (let t = 0; t < n; t++) {
        const cl = sym.classes.find((k) => k.includes(t));
        if (cl) expect(cl).toContain(p[t]);
        else expect(p[t]).toBe(t);
      }
      // A representative is its own.
      expect(sym.canonical(c, perm2)).toBe(c);
      expect([...perm2]).toEqual([...Array(n).keys()]);
      // Members whose keys tie although exchanging them changes the state: one representative per orbit is then not promised.
      const tied = sym.classes.some((cl) =>
        cl.some((a, i) =>
          cl.some((b, j) => {
            if (j <= i || sym.compare(s, a, b) !== 0) return false;
            const swap = Uint8Array.from(s.threads, (_, t) => (t === a ? b : t === b ? a : t));
            return enc(m, permuteState(m.program, s, swap)) !== enc(m, s);
          }),
        ),
      );
      if (tied) {
        // Only where a member's own data names another member's task (both see OTHER).
        expect(crossRef(m, s, sym.classes), `a tie without references between members in\n${m.formatState(s)}`).toBe(true);
        ties++;
        continue;
      }
      exact++;
      for (let r = 0; r < 2; r++) {
        const g = randomPerm(n, sym.classes, rand);
        expect(enc(m, sym.canonical(permuteState(m.program, s, g), perm2))).toBe(enc(m, c));
      }
    }
    expect(movedStates).toBeGreaterThan(0);
    // In the kernel scenarios no member's state names another member's task: the key never ties
    // where it matters. The tasks program stores who came before, so members refer to each other.
    if (name === 'tasks') {
      expect(ties).toBeGreaterThan(0);
      expect(exact).toBeGreaterThan(states.length / 4);
    } else expect(ties).toBe(0);
  }, 60_000);

  test.each(EQUIVARIANCE)('%s: twins fix the state; an orbit-unique representative is every orbit member\'s, by the permutation imagePerm gives', (name, make, limit) => {
    const m = make();
    const sym = m.symmetry as ThreadSymmetry;
    const rand = rng(11);
    const states = walk(m, Math.min(limit, 1500));
    const n = states[0]!.threads.length;
    const perm = new Uint8Array(n);
    const q = new Uint8Array(n);
    const out = new Uint8Array(n);
    const twin = new Int32Array(n);
    let pairs = 0;
    let unique = 0;
    let restabilised = 0;
    for (const s of states) {
      const c = sym.canonical(s, perm);
      const p = Uint8Array.from(perm);
      if (sym.twins(c, twin)) {
        for (let t = 0; t < n; t++) {
          const u = twin[t]!;
          if (u === t) continue;
          pairs++;
          expect(u).toBeLessThan(t);
          expect(sym.classes.find((k) => k.includes(t))).toContain(u);
          const swap = Uint8Array.from(c.threads, (_, i) => (i === u ? t : i === t ? u : i));
          expect(enc(m, permuteState(m.program, c, swap)), `${m.threadName(u)} and ${m.threadName(t)} are not twins in\n${m.formatState(c)}`).toBe(enc(m, c));
        }
      }
      if (!sym.orbitUnique(c)) continue;
      unique++;
      for (let r = 0; r < 3; r++) {
        const g = randomPerm(n, sym.classes, rand);
        expect(enc(m, sym.canonical(permuteState(m.program, s, g), q))).toBe(enc(m, c));
        sym.imagePerm(c, p, g, out);
        expect([...out]).toEqual([...q]);
        // Where c has twins, perm∘g⁻¹ also maps g·s to c; the sort's own choice is another one.
        if ([...q].some((x, t) => p[g.indexOf(t)] !== x)) restabilised++;
      }
    }
    if (name === 'faults') {
      // Each fault's locals name its own task's statics (task<i>.vmf): never orbit-unique, so never a twin.
      expect([unique, pairs]).toEqual([0, 0]);
    } else {
      expect(pairs).toBeGreaterThan(0);
      expect(restabilised).toBeGreaterThan(0);
      // The tasks program's members name one another's tasks in all but a few states.
      if (name === 'tasks') expect(unique).toBeLessThan(states.length / 10);
      else expect(unique).toBe(states.length);
    }
  }, 60_000);

  test('each part of the sort key tells members apart (hand-made states)', () => {
    const m = scenarioModelOf(SCENARIOS.growth3);
    const sym = m.symmetry as ThreadSymmetry;
    const s0 = m.initStates()[0]!;
    const rwsem = (readers: number[], writer = -1, waiters: { tid: number; write: boolean }[] = []) => ({ kind: 'rwsem' as const, writer, readers, waiters });
    const reaperFrame = s0.threads[0]!.frames[0]!;
    const edit = (t: number, f: (fr: KState['threads'][number]['frames'][number]) => object): KState => ({
      ...s0,
      threads: s0.threads.map((th, i) => (i === t ? { ...th, frames: th.frames.map((fr, j) => (j === th.frames.length - 1 ? (f(fr) as typeof fr) : fr)) } : th)),
    });
    const edits: [string, KState][] = [
      ['a local', edit(3, (fr) => ({ ...fr, locals: [fr.locals[0], 3, ...fr.locals.slice(2)] }))],
      ['a frame context', edit(3, (fr) => ({ ...fr, ctx: 1 }))],
      ['per-task memory', { ...s0, mem: { ...s0.mem, 'task3.flags': 1 } }],
      ['an open pair', { ...s0, pairs: [{ tid: 3, nid: 'amdgpu0', start: 8, end: 10, blockable: 1, mayfail: 0, ret: 0 }] }],
      ['read holds', { ...s0, locks: { ...s0.locks, 'mm.mmap_sem': rwsem([3, 3, 4]) } }],
      ['a write hold', { ...s0, locks: { ...s0.locks, 'mm.mmap_sem': rwsem([], 3) } }],
      ['places in the queue', { ...s0, locks: { ...s0.locks, 'mm.mmap_sem': rwsem([], 1, [{ tid: 4, write: false }, { tid: 2, write: true }]) } }],
      ['a mutex', { ...s0, locks: { ...s0.locks, 'amdgpu0.read_lock': { kind: 'mutex', owner: 3 } } }],
      ['memory naming a task', { ...s0, mem: { ...s0.mem, oom_reaper_list: 'task3' } }],
      ['a local of a thread in no class naming a task', { ...s0, threads: s0.threads.map((t, i) => (i === 0 ? { ...t, frames: [{ ...reaperFrame, locals: ['task3', ...reaperFrame.locals.slice(1)] }] } : t)) }],
    ];
    const group = [
      [2, 3, 4],
      [2, 4, 3],
      [3, 2, 4],
      [3, 4, 2],
      [4, 2, 3],
      [4, 3, 2],
    ].map((images) => Uint8Array.from([0, 1, ...images]));
    const perm = new Uint8Array(5);
    for (const [what, s] of edits) {
      const c = enc(m, sym.canonical(s, perm));
      const orbit = new Set(group.map((g) => enc(m, permuteState(m.program, s, g))));
      expect(orbit.size, what).toBeGreaterThan(1);
      for (const g of group) expect(enc(m, sym.canonical(permuteState(m.program, s, g), perm)), `${what} under [${g.join(',')}]`).toBe(c);
    }
  });

  test('nothing moves: the same state and the identity', () => {
    const m = scenarioModelOf(SCENARIOS.growth3);
    const s0 = m.initStates()[0]!;
    const perm = new Uint8Array(s0.threads.length).fill(9);
    // The same state as values (its members' thread states may be replaced by equal ones: next test).
    const s = m.symmetry!.canonical(s0, perm);
    expect(enc(m, s)).toBe(enc(m, s0));
    expect([...perm]).toEqual([0, 1, 2, 3, 4]);
    expect(m.symmetry!.canonical(s, perm)).toBe(s);
    expect([...perm]).toEqual([0, 1, 2, 3, 4]);
    expect(permuteState(m.program, s, [0, 1, 2, 3, 4])).toBe(s);
    // One madvise thread moved, the last or the first of the three: the moved thread sorts either
    // after the two still at the start (then the state where the last moved is in order, and the
    // other is sorted by moving the first to the end) or before them (the other way round).
    const acts = byThread(m, s);
    const last = m.nextState(s, acts[4]![0]!);
    const first = m.nextState(s, acts[2]![0]!);
    const movedSortsLast = (m.symmetry as ThreadSymmetry).compare(last, 3, 4) < 0;
    const [inOrder, other, p] = movedSortsLast ? [last, first, [0, 1, 4, 2, 3]] : [first, last, [0, 1, 3, 4, 2]];
    const rep = m.symmetry!.canonical(inOrder, perm);
    expect(enc(m, rep)).toBe(enc(m, inOrder));
    expect([...perm]).toEqual([0, 1, 2, 3, 4]);
    expect(m.symmetry!.canonical(rep, perm)).toBe(rep);
    const c = m.symmetry!.canonical(other, perm);
    expect(c).not.toBe(other);
    expect([...perm]).toEqual(p);
    expect(enc(m, c)).toBe(enc(m, inOrder));
  });

  test('representatives share one object per thread content among the members', () => {
    // The caches keyed by object (content ids, the encoding's thread hashes, the segment memo's
    // frame comparisons) answer from the object only where equal thread states are one object.
    const m = scenarioModelOf(SCENARIOS.growth3);
    const sym = m.symmetry as ThreadSymmetry;
    const perm = new Uint8Array(5);
    const reps = walk(m, 400).map((s) => sym.canonical(s, perm));
    const byContent = new Map<string, object>();
    let shared = 0;
    for (const r of reps) {
      for (const t of sym.classes.flat()) {
        const th = r.threads[t]!;
        const key = JSON.stringify(th);
        // A thread state whose locals name a task has no content id and is not replaced.
        if (JSON.stringify(th.frames.map((f) => f.locals)).includes('"task')) continue;
        const first = byContent.get(key);
        if (first === undefined) byContent.set(key, th);
        else {
          expect(th).toBe(first);
          shared++;
        }
      }
    }
    expect(shared).toBeGreaterThan(400);
  });

  test('a permutation that is not one, or exchanges threads of different shapes, is refused', () => {
    const m = scenarioModelOf(SCENARIOS.growth3);
    const s = m.initStates()[0]!;
    expect(() => permuteState(m.program, s, [0, 1, 2, 2, 4])).toThrow(/not a permutation/);
    // t0 has a per-task variable (t0.flag), w none.
    const t = tasksModel();
    expect(() => permuteState(t.program, t.initStates()[0]!, [1, 0, 2, 3])).toThrow(/different per-task state/);
  });
});

describe('the model offers its symmetry', () => {
  test('when a class exists and the option is on (default as por, as coalesce)', () => {
    const p = buildProgram(SCENARIOS.growth3);
    expect(new KernelModel(p).symmetry?.classes).toEqual([[2, 3, 4]]);
    expect(new KernelModel(p, { symmetry: false }).symmetry).toBeUndefined();
    expect(new KernelModel(p, { por: false }).symmetry).toBeUndefined();
    expect(new KernelModel(p, { coalesce: false }).symmetry).toBeUndefined();
    expect(new KernelModel(p, { coalesce: false, symmetry: true }).symmetry).toBeDefined();
    expect(new KernelModel(buildProgram(loadBuiltin('several-starts-in-flight'))).symmetry).toBeUndefined();
  });

  test.each([
    ['the reaper and three madvise', amdgpu('madvise-3', [{ kind: 'oom_reaper' }, ...madvise(3)])],
    ['holders', SCENARIOS.holders],
    ['pairs', SCENARIOS.pairs],
  ])('%s: the engine takes twins\' edges uncomputed: the same states, transitions and verdicts, fewer successors computed', (_name, sc) => {
    const run = (twins: boolean): { r: ReturnType<typeof check<KState, KAction>>; computed: number } => {
      const m = scenarioModel(sc, {});
      const sym = m.symmetry!;
      // The same symmetry without its twins (Symmetry.twins is optional).
      if (!twins) Object.defineProperty(m, 'symmetry', { value: { classes: sym.classes, canonical: (x: KState, perm: Uint8Array) => sym.canonical(x, perm) } });
      let computed = 0;
      const next = m.nextState.bind(m);
      m.nextState = (x, a) => {
        computed++;
        return next(x, a);
      };
      const r = check(m, { findAll: true });
      return { r, computed };
    };
    const on = run(true);
    const off = run(false);
    expect(on.r.status).not.toBe('incomplete');
    expect([on.r.stats.states, on.r.stats.transitions]).toEqual([off.r.stats.states, off.r.stats.transitions]);
    expect(on.r.verdicts.map((v) => `${v.property}: ${v.status}`)).toEqual(off.r.verdicts.map((v) => `${v.property}: ${v.status}`));
    expect(on.computed).toBeLessThan(off.computed);
  }, 120_000);

  test('growth without the ioctl, as the engine explores it: every fingerprint is that of its parts hashed from scratch', () => {
    // The engine's own search (partial-order reduction, twins, states expanded in breadth-first
    // order): the recordings it fingerprints against hold threads moved by a permutation, whose
    // frames' lanes are resumed from the moved thread (resumeShared) and whose hashes are reused
    // at another place. A model that never steps hashes every part (KernelModel.encode).
    const sc = amdgpu('growth-3', [{ kind: 'oom_reaper' }, ...madvise(3)]);
    const m = scenarioModel(sc);
    const scratch = scenarioModel(sc);
    const fresh = new FingerprintEncoder();
    const slow = new FingerprintEncoder();
    const encode = m.encode.bind(m);
    let checked = 0;
    let wrong = 0;
    m.encode = (s, e) => {
      if (e instanceof FingerprintEncoder) {
        fresh.reset();
        encode(s, fresh);
        fresh.finish();
        slow.reset();
        scratch.encode(s, slow);
        slow.finish();
        checked++;
        if (fresh.hi !== slow.hi || fresh.lo !== slow.lo) wrong++;
      }
      encode(s, e);
    };
    // Bounded: a wrong fingerprint merges or splits states, and a split space need not end.
    const r = check(m, { findAll: true, maxStates: 100_000 });
    expect(r.status).not.toBe('incomplete');
    expect(checked).toBeGreaterThan(10_000);
    expect(wrong).toBe(0);
  }, 120_000);

  test.each([
    ['growth3', () => new KernelModel(buildProgram(SCENARIOS.growth3))],
    ['holders, one statement per step', () => new KernelModel(buildProgram(SCENARIOS.holders), { coalesce: false, symmetry: true })],
  ])('%s: a canonical successor fingerprints as its parts hashed from scratch (the fingerprint against its parent)', (_name, make) => {
    const m = make();
    // A model that never steps hashes every part (KernelModel.encode).
    const scratch = make();
    const sym = m.symmetry!;
    const fast = new FingerprintEncoder();
    const slow = new FingerprintEncoder();
    const key = (model: KernelModel, s: KState, fp: FingerprintEncoder): string => {
      fp.reset();
      model.encode(s, fp);
      fp.finish();
      return `${fp.hi}:${fp.lo}`;
    };
    // The quotient walk the engine makes: canonical states only, each successor made canonical.
    const queue = [...m.initStates()];
    const seen = new Set(queue.map((s) => key(scratch, s, slow)));
    const perm = new Uint8Array(queue[0]!.threads.length);
    const acts: KAction[] = [];
    let permuted = 0;
    for (let i = 0; i < queue.length && seen.size < 3000; i++) {
      acts.length = 0;
      m.actions(queue[i]!, acts);
      for (const a of acts) {
        const n = m.nextState(queue[i]!, a);
        const cn = sym.canonical(n, perm);
        if (cn !== n) permuted++;
        const k = key(m, cn, fast);
        expect(k).toBe(key(scratch, cn, slow));
        if (!seen.has(k)) {
          seen.add(k);
          queue.push(cn);
        }
      }
    }
    expect(permuted).toBeGreaterThan(100);
  }, 60_000);
});
