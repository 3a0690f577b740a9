/**
 * HMM: the start and end callbacks of every variant in blockable and non-blockable mode (return
 * value, locks, counters and mappings after, what may sleep), the finding that the end of
 * hmm@93065ac753e4 sleeps after a start that approved non-blocking mode, and, explored
 * exhaustively, coherency and no-sleep against madvise and the oom_reaper.
 */
import { describe, expect, test } from 'vitest';
import { runCallback, runRelease, WRITE_HELD_RWSEM } from '../../harness.ts';
import { check, Property } from '../../../../src/checker/index.ts';
import { KernelModel } from '../../../../src/model/kernel-model.ts';
import { buildProgram, ScenarioError, type Scenario } from '../../../../src/model/kernel/scenario.ts';
import { applyVariant, parseScenario } from '../../../../src/model/kernel/scenario-file.ts';
import { CTX_NONBLOCK_END, CTX_NONBLOCK_START, type KState, type LockState, type PairRecord } from '../../../../src/model/lang/state.ts';
import { engineProperties, explain } from '../../../../src/properties/index.ts';
import { sleepingCall } from '../../../../src/properties/util.ts';

/** Two mirrors: obj0 over pages [8, 10), obj1 over [20, 22). */
const OBJ = [
  { start: 8, end: 10 },
  { start: 20, end: 22 },
];
const spinFree: LockState = { kind: 'spin', owner: -1 };
const rwFree: LockState = { kind: 'rwsem', writer: -1, readers: [], waiters: [] };
const SYNC_V419 = 'mirror->ops->sync_cpu_device_pagetables(mirror, action, start, end); /* model: sync_cpu_device_pagetables(mirror, action, start, end, mirror->ops->sync_sleeps) */';
const SYNC_V420 = 'ret = mirror->ops->sync_cpu_device_pagetables(mirror, update); /* model: ret = sync_cpu_device_pagetables(mirror, update_start, update_end, update_event, update_blockable, mirror->ops->sync_sleeps) */';

/** The pair a start approved in non-blocking mode leaves open (the end's pairing start). */
const nonblockPair = (start: number, end: number): PairRecord => ({ tid: 0, nid: 'hmm0', start, end, blockable: 0, mayfail: 0, ret: 0 });

describe('hmm@93065ac753e4 (seed 001, + side; v4.19)', () => {
  const use = 'hmm@93065ac753e4';

  for (const blockable of [true, false]) {
    test(`${blockable ? 'blockable' : 'non-blockable'} start: bumps hmm->sequence and returns 0; the mirrors keep their mappings; never sleeps`, () => {
      const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10, blockable });
      expect(r.ret).toBe(0);
      expect(r.state.mem['hmm0.sequence']).toBe(1);
      expect(r.state.mem['hmm0.obj0.mapped']).toBe(1);
      expect(r.state.mem['hmm0.obj0.valid']).toBe(1);
      expect(r.slept).toEqual([]);
    });
  }

  test('end: invalidates the overlapping range and syncs every mirror under mirrors_sem; the overlapping one drops its mapping; it may sleep', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_end', start: 8, end: 10 });
    expect(r.ret).toBe(0);
    expect(r.state.mem['hmm0.obj0.valid']).toBe(0);
    expect(r.state.mem['hmm0.obj0.mapped']).toBe(0);
    expect(r.state.mem['hmm0.obj1.valid']).toBe(1);
    expect(r.state.mem['hmm0.obj1.mapped']).toBe(1);
    expect(r.state.locks['hmm0.lock']).toEqual(spinFree);
    expect(r.state.locks['hmm0.mirrors_sem']).toEqual(rwFree);
    // Both mirrors are called, the one away from the range too.
    expect(r.slept).toEqual(['down_read(&hmm->mirrors_sem);', SYNC_V419, SYNC_V419]);
  });

  test('FINDING: the end paired with a start that approved non-blocking mode sleeps (down_read(&hmm->mirrors_sem) and the mirrors\' callbacks), which the documentation patch of the thread forbids', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_end', start: 8, end: 10, pairs: [nonblockPair(8, 10)] });
    // The pair the non-blocking start opened is the one this end closes ...
    expect(r.state.pairs).toEqual([]);
    // ... and the end still reaches sleeping calls.
    expect(r.slept[0]).toBe('down_read(&hmm->mirrors_sem);');
    expect(r.slept).toContain(SYNC_V419);
  });

  test('end while a mirror is being registered (mirrors_sem held for write): it sleeps in down_read', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_end', start: 8, end: 10, locks: { 'hmm0.mirrors_sem': WRITE_HELD_RWSEM } });
    expect(r.ret).toBeUndefined();
    expect(r.blocked).toMatch(/^down_read\(&hmm0\.mirrors_sem\): held for write by thread99/);
    // The ranges were already invalidated under hmm->lock, which is released.
    expect(r.state.mem['hmm0.obj0.valid']).toBe(0);
    expect(r.state.locks['hmm0.lock']).toEqual(spinFree);
  });
});

describe('hmm@v4.18 (before the patch)', () => {
  test('void start bumps the sequence; the end syncs the mirrors', () => {
    const s = runCallback({ use: 'hmm@v4.18', core: 'v4.18', objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10 });
    expect(s.ret).toBe(0);
    expect(s.state.mem['hmm0.sequence']).toBe(1);
    expect(s.slept).toEqual([]);
    const e = runCallback({ use: 'hmm@v4.18', core: 'v4.18', objects: OBJ, op: 'invalidate_range_end', start: 8, end: 10 });
    expect(e.state.mem['hmm0.obj0.mapped']).toBe(0);
    expect(e.slept[0]).toBe('down_read(&hmm->mirrors_sem);');
  });
});

describe('hmm@jglisse (v4.20: the mirrors are synced in start, honouring blockable)', () => {
  const use = 'hmm@jglisse';

  test('blockable start: invalidates the range and syncs the mirrors (may sleep), returns 0', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10 });
    expect(r.ret).toBe(0);
    expect(r.state.mem['hmm0.obj0.valid']).toBe(0);
    expect(r.state.mem['hmm0.obj0.mapped']).toBe(0);
    expect(r.state.mem['hmm0.obj1.mapped']).toBe(1);
    expect(r.state.locks['hmm0.mirrors_sem']).toEqual(rwFree);
    expect(r.slept).toEqual(['down_read(&hmm->mirrors_sem);', SYNC_V420, SYNC_V420]);
  });

  test('non-blockable start over a mirror: the mirror refuses, -EAGAIN, mirrors_sem released, mapping kept; down_read(&hmm->mirrors_sem) still may sleep', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10, blockable: false });
    expect(r.ret).toBe(-11);
    expect(r.state.mem['hmm0.obj0.mapped']).toBe(1);
    expect(r.state.mem['hmm0.obj0.valid']).toBe(0);
    expect(r.state.locks['hmm0.mirrors_sem']).toEqual(rwFree);
    expect(r.state.locks['hmm0.lock']).toEqual(spinFree);
    // The callbacks were told not to block and did not; the semaphore is taken with down_read
    // ("It is fine to wait on mirrors_sem here even if update->blockable is false").
    expect(r.slept).toEqual(['down_read(&hmm->mirrors_sem);']);
    expect(r.state.pairs).toEqual([]);
  });

  test('non-blockable start away from every mirror: 0, every mirror asked, nothing dropped', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 0, end: 4, blockable: false });
    expect(r.ret).toBe(0);
    expect(r.state.mem['hmm0.obj0.mapped']).toBe(1);
    expect(r.state.mem['hmm0.obj1.mapped']).toBe(1);
    expect(r.trace.filter((t) => t.src.text === SYNC_V420)).toHaveLength(2);
    expect(r.slept).toEqual(['down_read(&hmm->mirrors_sem);']);
  });

  test('non-blockable start while a mirror is being registered: it sleeps in down_read', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_start', start: 0, end: 4, blockable: false, locks: { 'hmm0.mirrors_sem': WRITE_HELD_RWSEM } });
    expect(r.ret).toBeUndefined();
    expect(r.blocked).toMatch(/^down_read\(&hmm0\.mirrors_sem\)/);
  });

  test('end, after a non-blocking start too: only marks the ranges invalid, never sleeps', () => {
    const r = runCallback({ use, objects: OBJ, op: 'invalidate_range_end', start: 8, end: 10, pairs: [nonblockPair(8, 10)] });
    expect(r.ret).toBe(0);
    expect(r.state.mem['hmm0.obj0.valid']).toBe(0);
    expect(r.state.mem['hmm0.obj0.mapped']).toBe(1);
    expect(r.state.pairs).toEqual([]);
    expect(r.slept).toEqual([]);
    expect(r.trace.map((t) => t.src.text)).not.toContain('down_read(&hmm->mirrors_sem);');
  });
});

// ------------------------------------------------------------------------------------------------
// Exploration.

function model(sc: Scenario, names: string[]): KernelModel {
  const m = new KernelModel(buildProgram(sc));
  m.setProperties(engineProperties(m, names));
  return m;
}

const madviseOverMirror = (use: string): Scenario => ({
  name: `${use} vs madvise`,
  core: 'v4.19',
  vmas: [{ start: 0, end: 16 }],
  notifiers: [{ use, objects: [{ start: 8, end: 10 }] }],
  threads: [{ kind: 'madvise', params: { start: 8, len: 2 } }],
});

const reaperOverMirror = (use: string): Scenario => ({
  name: `${use} vs the oom_reaper`,
  core: 'v4.19',
  oom: true,
  vmas: [{ start: 0, end: 16 }],
  notifiers: [{ use, objects: [{ start: 8, end: 10 }] }],
  threads: [{ kind: 'oom_reaper' }],
});

describe('->release (hmm_release: every mirror off hmm->mirrors, its release callback called with mirrors_sem dropped)', () => {
  const RELEASE = 'mirror->ops->release(mirror); /* model: mirror_release(mirror) */';
  for (const [use, core] of [
    ['hmm@v4.18', 'v4.18'],
    ['hmm@93065ac753e4', 'v4.19'],
    ['hmm@jglisse', 'v4.19'],
  ] as const) {
    test(`${use}: unlinks both mirrors and calls their release, which stops the device mapping; it may sleep`, () => {
      const r = runRelease({ use, core, objects: OBJ });
      expect(r.blocked).toBeUndefined();
      for (const o of ['hmm0.obj0', 'hmm0.obj1']) {
        expect(r.state.mem[`${o}.listed`]).toBe(0);
        expect(r.state.mem[`${o}.mapped`]).toBe(0);
      }
      expect(r.state.locks['hmm0.mirrors_sem']).toEqual(rwFree);
      expect(r.slept).toEqual(['down_write(&hmm->mirrors_sem);', RELEASE, 'down_write(&hmm->mirrors_sem);', RELEASE, 'down_write(&hmm->mirrors_sem);']);
    });
  }

  test('with mirrors_sem write-held (a mirror being registered) the release waits in down_write', () => {
    const r = runRelease({ use: 'hmm@93065ac753e4', objects: OBJ, locks: { 'hmm0.mirrors_sem': WRITE_HELD_RWSEM } });
    expect(r.blocked).toMatch(/^down_write\(&hmm0\.mirrors_sem\)/);
    expect(r.state.mem['hmm0.obj0.listed']).toBe(1);
  });

  test('an end after the release syncs no mirror: they are off the list', () => {
    const e = runCallback({ use: 'hmm@93065ac753e4', objects: OBJ, op: 'invalidate_range_end', start: 8, end: 10, mem: { 'hmm0.obj0.listed': 0, 'hmm0.obj1.listed': 0 } });
    expect(e.slept).toEqual(['down_read(&hmm->mirrors_sem);']);
    expect(e.state.mem['hmm0.obj0.valid']).toBe(0);
  });
});

describe('exploration', () => {
  test('coherency: hmm@93065ac753e4 keeps the device mapping through an approved start until the end (found); hmm@jglisse drops it in start (holds)', () => {
    const old = model(madviseOverMirror('hmm@93065ac753e4'), ['coherency']);
    const r = check(old, {});
    expect(r.status).toBe('violation');
    if (r.status === 'violation') {
      const last = r.violation.path.steps.at(-1)!.state;
      expect(explain(old, r.violation.property, last).header).toBe('BUG: secondary mapping inside an invalidated range');
    }
    expect(check(model(madviseOverMirror('hmm@jglisse'), ['coherency']), {}).status).toBe('pass');
  });

  test('no-sleep under the oom_reaper: hmm@93065ac753e4 sleeps in the end of an approved non-blocking start', () => {
    const m = model(reaperOverMirror('hmm@93065ac753e4'), ['no-sleep']);
    const r = check(m, {});
    expect(r.status).toBe('violation');
    if (r.status !== 'violation') return;
    const last = r.violation.path.steps.at(-1)!.state;
    const f = explain(m, r.violation.property, last);
    expect(f.header).toBe('BUG (contract): sleeping function called from invalidate_range_end after a non-blocking start');
    expect(f.details[0]).toMatch(/down_read\(\)/);
  });

  test('no-sleep under the oom_reaper: hmm@jglisse still reaches down_read(&hmm->mirrors_sem) in the non-blocking start', () => {
    const m = model(reaperOverMirror('hmm@jglisse'), ['no-sleep']);
    const r = check(m, {});
    expect(r.status).toBe('violation');
    if (r.status !== 'violation') return;
    const last = r.violation.path.steps.at(-1)!.state;
    const f = explain(m, r.violation.property, last);
    expect(f.header).toBe('BUG: sleeping function called from non-blockable invalidate_range_start');
    expect(f.details[0]).toMatch(/down_read\(\)/);
  });
});

// ------------------------------------------------------------------------------------------------
// The notifier parameter sync_sleeps: whether the mirrors' sync_cpu_device_pagetables() sleeps.

describe('sync_sleeps: a mirror whose sync_cpu_device_pagetables() does or does not sleep', () => {
  const NOSLEEP = { sync_sleeps: false };

  test('hmm@93065ac753e4, non-sleeping mirrors: the end syncs both (the overlapping one drops its mapping) and the only sleeping call left is down_read(&hmm->mirrors_sem)', () => {
    const r = runCallback({ use: 'hmm@93065ac753e4', objects: OBJ, params: NOSLEEP, op: 'invalidate_range_end', start: 8, end: 10, pairs: [nonblockPair(8, 10)] });
    expect(r.state.mem['hmm0.obj0.mapped']).toBe(0);
    expect(r.state.mem['hmm0.obj1.mapped']).toBe(1);
    expect(r.trace.filter((t) => t.src.text === SYNC_V419)).toHaveLength(2);
    expect(r.slept).toEqual(['down_read(&hmm->mirrors_sem);']);
  });

  test('hmm@jglisse, non-sleeping mirrors: a non-blockable start over a mirror updates it and returns 0 instead of -EAGAIN', () => {
    const r = runCallback({ use: 'hmm@jglisse', objects: OBJ, params: NOSLEEP, op: 'invalidate_range_start', start: 8, end: 10, blockable: false });
    expect(r.ret).toBe(0);
    expect(r.state.mem['hmm0.obj0.mapped']).toBe(0);
    expect(r.state.mem['hmm0.obj1.mapped']).toBe(1);
    expect(r.slept).toEqual(['down_read(&hmm->mirrors_sem);']);
    // The same start with the default (sleeping) mirrors refuses.
    expect(runCallback({ use: 'hmm@jglisse', objects: OBJ, op: 'invalidate_range_start', start: 8, end: 10, blockable: false }).ret).toBe(-11);
    // Explicitly true is the default.
    expect(runCallback({ use: 'hmm@jglisse', objects: OBJ, params: { sync_sleeps: true }, op: 'invalidate_range_start', start: 8, end: 10, blockable: false }).ret).toBe(-11);
  });

  test('a scenario file spells it "params": { "sync_sleeps": false } on the notifier; a bad value or an unknown name is one line naming the field', () => {
    const file = (params: unknown): string =>
      JSON.stringify({ name: 'x', core: 'v4.19', oom: true, vmas: [{ start: 0, end: 4 }], notifiers: [{ use: 'hmm@93065ac753e4', objects: [{ start: 0, end: 2 }], params }], threads: [{ kind: 'oom_reaper' }] });
    const sc = parseScenario(file({ sync_sleeps: false }), 'x.json');
    expect(buildProgram(sc).spec.statics['hmm0.obj0.ops.sync_sleeps']).toBe(0);
    expect(buildProgram(parseScenario(file({}), 'x.json')).spec.statics['hmm0.obj0.ops.sync_sleeps']).toBe(1);
    expect(() => parseScenario(file({ sync_sleeps: 1 }), 'x.json')).toThrow(
      new ScenarioError('x.json: notifiers[0].params.sync_sleeps', "expected true (the mirrors' sync_cpu_device_pagetables() may sleep) or false (it never sleeps)"),
    );
    expect(() => parseScenario(file({ sleeps: false }), 'x.json')).toThrow(new ScenarioError('x.json: notifiers[0].params.sleeps', 'unknown parameter; hmm@93065ac753e4 takes: sync_sleeps'));
    expect(() => parseScenario(file({ sync_sleeps: [false] }), 'x.json')).toThrow(/^x\.json: notifiers\[0\]\.params\.sync_sleeps: /);
    // A scenario variant may set it for every notifier of a driver (end-after-nonblock-start's +nosleep-mirror variants).
    const withVariant = (v: unknown): string => JSON.stringify({ ...JSON.parse(file({})), variants: { v } });
    const applied = applyVariant(parseScenario(withVariant({ params: { hmm: { sync_sleeps: false } } }), 'x.json'), { params: { hmm: { sync_sleeps: false } } }, 'v');
    expect(buildProgram(applied).spec.statics['hmm0.obj0.ops.sync_sleeps']).toBe(0);
    expect(() => parseScenario(withVariant({ params: { kvm: { sync_sleeps: false } } }), 'x.json')).toThrow(new ScenarioError('x.json: variants.v.params.kvm', 'the scenario has no kvm notifier'));
    expect(() => parseScenario(withVariant({ params: { hmm: { sync_sleeps: 'no' } } }), 'x.json')).toThrow(/^x\.json: variants\.v: notifiers\[0\]\.params\.sync_sleeps: expected true/);
    // Another driver takes none.
    expect(() => buildProgram({ ...sc, notifiers: [{ use: 'radeon', objects: [{ start: 0, end: 2 }], params: { sync_sleeps: false } }] })).toThrow(
      new ScenarioError('notifiers[0].params.sync_sleeps', 'unknown parameter; radeon@93065ac753e4 takes: none'),
    );
  });

  /** Whether some thread in a non-blockable section is about to call a mirror's sync_cpu_device_pagetables() that may sleep. */
  const mirrorMaySleep = (m: KernelModel, s: KState): boolean =>
    s.threads.some((t, tid) => {
      const f = t.frames.at(-1);
      return !!f && (f.ctx & (CTX_NONBLOCK_START | CTX_NONBLOCK_END)) !== 0 && sleepingCall(m, s, tid)?.name === 'sync_cpu_device_pagetables';
    });

  const reaper = (use: string, params?: Record<string, unknown>): Scenario => ({
    ...reaperOverMirror(use),
    notifiers: [{ use, objects: [{ start: 8, end: 10 }], ...(params ? { params } : {}) }],
  });

  function explore(sc: Scenario): { mirror: string; noSleep: string; verdicts: ReturnType<typeof check>['verdicts'] } {
    const m = new KernelModel(buildProgram(sc));
    m.setProperties([...engineProperties(m, ['no-sleep']), Property.always<KState>('mirror callback may sleep', (s) => !mirrorMaySleep(m, s))]);
    const r = check(m, { findAll: true });
    const v = (p: string): string => r.verdicts.find((x) => x.property === p)!.status;
    return { mirror: v('mirror callback may sleep'), noSleep: v('no-sleep:might-sleep'), verdicts: r.verdicts };
  }

  test('hmm@93065ac753e4 (v4.19) under the oom_reaper: a sleeping mirror callback runs inside the end of the non-blocking start (a finding); a non-sleeping one does not, and no-sleep still fails, at down_read(&hmm->mirrors_sem)', () => {
    const sleeping = explore(reaper('hmm@93065ac753e4'));
    expect(sleeping.mirror).toBe('violated');
    expect(sleeping.noSleep).toBe('violated');
    const nonSleeping = explore(reaper('hmm@93065ac753e4', NOSLEEP));
    expect(nonSleeping.mirror).toBe('holds');
    expect(nonSleeping.noSleep).toBe('violated');
    const m = new KernelModel(buildProgram(reaper('hmm@93065ac753e4', NOSLEEP)));
    m.setProperties(engineProperties(m, ['no-sleep']));
    const r = check(m, {});
    if (r.status !== 'violation') throw new Error('expected a violation');
    expect(explain(m, r.violation.property, r.violation.path.steps.at(-1)!.state).details[0]).toMatch(/down_read\(\)/);
  });

  test('hmm@jglisse (v4.20) under the oom_reaper: the mirror callback never sleeps in the non-blocking start either way; a sleeping mirror refuses (the reaper is obstructed, the device keeps its mapping), a non-sleeping one is invalidated', () => {
    expect(explore(reaper('hmm@jglisse')).mirror).toBe('holds');
    expect(explore(reaper('hmm@jglisse', NOSLEEP)).mirror).toBe('holds');
    const finished = (s: KState): boolean => s.threads.every((t) => t.frames.length === 0);
    const outcome = (params?: Record<string, unknown>): { kept: string; dropped: string } => {
      const m = new KernelModel(buildProgram(reaper('hmm@jglisse', params)));
      m.setProperties([
        Property.sometimes<KState>('reaper done, device mapping kept', (s) => finished(s) && s.mem['hmm0.obj0.mapped'] === 1 && Number(s.mem['ghost.oom_obstructed_attempts']) > 0),
        Property.sometimes<KState>('reaper done, device mapping dropped', (s) => finished(s) && s.mem['hmm0.obj0.mapped'] === 0),
      ]);
      const r = check(m, { findAll: true });
      const v = (p: string): string => r.verdicts.find((x) => x.property === p)!.status;
      return { kept: v('reaper done, device mapping kept'), dropped: v('reaper done, device mapping dropped') };
    };
    expect(outcome()).toEqual({ kept: 'holds', dropped: 'violated' });
    expect(outcome(NOSLEEP)).toEqual({ kept: 'violated', dropped: 'holds' });
  });
});
