/**
 * `reviveState` (src/model/lang/state.ts): a state a parallel search moved between worker threads
 * as a structured clone comes back as the same state (equal contents, the same fingerprint, deeply
 * frozen) and with the interpreter's own object shapes, so that states descended from it do not make
 * the explorer's property accesses polymorphic. Before, a moved state was Immer's deep freeze of
 * the clone: the same contents under the deserializer's maps (the second check below shows that
 * such a state fails the shape check).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { FingerprintEncoder, fingerprint } from '../../../src/checker/fingerprint.ts';
import { reviveState } from '../../../src/model/lang/state.ts';
import { loadScenarioFile } from '../../../src/model/kernel/scenario-file.ts';
import { modelOf } from '../../../src/report/run.ts';
import { sampleStates } from './fixtures/sample-states.ts';
import { unfrozen } from './fixtures/frozen.ts';

const root = join(import.meta.dirname, '../../..');

describe('reviveState', () => {
  test.each([false, true])('a revived clone is the same state: equal, with the same fingerprint, frozen as the original (freezeParts %s; up to 150 states a level over 40 levels of the kernel bench)', (freezeParts) => {
    const model = modelOf(loadScenarioFile(join(root, 'bench/scenarios/reaper-ioctl-two-pairs.json')), { freezeParts });
    const enc = new FingerprintEncoder();
    let checked = 0;
    let withPairs = 0;
    let withWaiters = 0;
    for (const s of sampleStates(model, 40, 150)) {
      const r = reviveState(structuredClone(s), freezeParts);
      expect(r).toEqual(s);
      expect(Object.isFrozen(r)).toBe(true);
      // Every part frozen with freezeParts; without, none (the originals' new parts are not).
      if (freezeParts) expect(unfrozen(r, 'state')).toBeUndefined();
      else expect([r.threads, r.mem, r.locks, r.pairs, ...r.threads].some((x) => Object.isFrozen(x))).toBe(false);
      fingerprint(model, s, enc);
      const want = [enc.hi, enc.lo];
      fingerprint(model, r, enc);
      expect([enc.hi, enc.lo]).toEqual(want);
      checked++;
      if (s.pairs.length > 0) withPairs++;
      if (Object.values(s.locks).some((l) => l.kind === 'rwsem' && l.waiters.length > 0)) withWaiters++;
    }
    // The states cover what a state can hold: open pairs and queued rw_semaphore waiters.
    expect(checked).toBeGreaterThan(1000);
    expect(withPairs).toBeGreaterThan(0);
    expect(withWaiters).toBeGreaterThan(0);
  });

  test('states sent in one message and revived with one map share their parts as the originals did (and are the same states)', () => {
    const model = modelOf(loadScenarioFile(join(root, 'bench/scenarios/reaper-ioctl-two-pairs.json')), {});
    const enc = new FingerprintEncoder();
    const batch = sampleStates(model, 30, 150).slice(-600);
    const distinct = (states: readonly unknown[]): number => {
      const seen = new Set<object>();
      const walk = (v: unknown): void => {
        if (v === null || typeof v !== 'object' || seen.has(v)) return;
        seen.add(v);
        for (const x of Object.values(v)) walk(x);
      };
      states.forEach(walk);
      return seen.size;
    };
    const shared = new Map<object, unknown>();
    const revived = (structuredClone(batch) as unknown[]).map((c) => reviveState(c, true, shared));
    for (let i = 0; i < batch.length; i++) {
      expect(revived[i]).toEqual(batch[i]);
      expect(unfrozen(revived[i], 'state')).toBeUndefined();
      fingerprint(model, batch[i]!, enc);
      const want = [enc.hi, enc.lo];
      fingerprint(model, revived[i]!, enc);
      expect([enc.hi, enc.lo]).toEqual(want);
    }
    // As many objects as the originals: each shared part rebuilt once (revived one by one, every
    // state would have parts of its own).
    const objects = distinct(batch);
    expect(distinct(revived)).toBe(objects);
    expect(distinct(batch.map((s) => reviveState(structuredClone(s), true)))).toBeGreaterThan(2 * objects);
  });

  type Maps = Record<string, { objects: number; foreign: number; foreignObjects: number; kinds: string[]; strings: number; foreignStrings: number }>;
  const maps = async (...args: string[]): Promise<Maps> => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', 'test/model/lang/fixtures/revive-maps.ts', ...args], { cwd: root, maxBuffer: 1 << 20 });
    return JSON.parse(stdout) as Maps;
  };

  test("revived clones of deep-frozen states have the interpreter's maps; Immer's freeze of a clone does not (V8's %HaveSameMap, in a child process)", async () => {
    const r = await maps('--freeze-parts', 'reviveState', 'immer');
    expect(r.reviveState!.objects).toBeGreaterThan(100_000);
    expect(r.reviveState).toEqual({ objects: r.reviveState!.objects, foreign: 0, foreignObjects: 0, kinds: [], strings: r.reviveState!.strings, foreignStrings: 0 });
    // What a parallel search revived before: the same objects, many under maps of the deserializer's.
    expect(r.immer!.objects).toBe(r.reviveState!.objects);
    expect(r.immer!.foreign).toBeGreaterThan(r.immer!.objects / 10);
    expect(r.immer!.kinds).toEqual(expect.arrayContaining(['frame', 'thread', 'mem', 'locks']));
  }, 120_000);

  test("revived clones of the default states (parts unfrozen) have the interpreter's maps, lists included", async () => {
    const r = await maps('reviveState');
    expect(r.reviveState!.objects).toBeGreaterThan(100_000);
    // Every object and list under a map the interpreter gives its kind. An unfrozen list's map is
    // its elements kind: the interpreter makes every list packed, and an empty list of objects
    // (a finished thread's frames, no pairs, no waiters) of the kind for objects (emptyObjects).
    expect(r.reviveState).toEqual({ objects: r.reviveState!.objects, foreign: 0, foreignObjects: 0, kinds: [], strings: r.reviveState!.strings, foreignStrings: 0 });
    // And every string as the interpreter's: internalized (a clone's are fresh copies).
    expect(r.reviveState!.strings).toBeGreaterThan(100_000);
  }, 120_000);
});
