import { describe, expect, it } from 'vitest';
import { check } from '../../src/checker/index.ts';
import { Level, type Children } from '../../src/checker/level.ts';
import { counterStates, counterTransitions, twoCounters } from './fixtures/counters.ts';

const children = (states: string[], slots: number[], sleeps: (Int32Array | null)[], acts?: string[][]): Children<string, string> => {
  const ends: number[] = [];
  let end = 0;
  for (const a of acts ?? []) ends.push((end += a.length));
  return {
    childCount: states.length,
    childStates: [...states, 'stale'],
    childSlots: [...slots, 99],
    childSleeps: [...sleeps, new Int32Array([7])],
    listsActions: acts !== undefined,
    childActs: [...(acts ?? []).flat(), 'stale'],
    childActEnds: [...ends, end + 1],
  };
};

/** The actions `l` lists for the state it took last, or null where it kept none. */
const listed = (l: Level<string, string>): string[] | null => {
  const out: string[] = [];
  return l.listTaken(out) ? out : null;
};

describe('Level', () => {
  it('keeps each state with its slot and its sleep set, and takes them in order', () => {
    const l = new Level<string>(true);
    const z = new Int32Array([1, 2]);
    l.addChildren(children(['a', 'b'], [5, 6], [z, null]));
    expect(l.length).toBe(2);
    expect(l.take(0)).toBe('a');
    expect(l.takenSleep).toBe(z);
    expect(l.slots[0]).toBe(5);
    expect(l.take(1)).toBe('b');
    expect(l.takenSleep).toBeNull();
    // A state taken is no longer held.
    expect(l.states).toEqual([undefined, undefined]);
  });

  it('moves its last states with their slots and sets, and refuses states without their sets', () => {
    const a = new Level<string>(true);
    const z = new Int32Array([3]);
    a.addChildren(children(['a', 'b', 'c'], [1, 2, 3], [null, z, null]));
    const moved = a.split(2);
    expect(moved).toEqual({ states: ['b', 'c'], slots: [2, 3], sleeps: [z, null] });
    expect(a.length).toBe(1);
    const b = new Level<string>(true);
    b.append(moved.states, moved.slots, moved.sleeps);
    expect(b.take(0)).toBe('b');
    expect(b.takenSleep).toBe(z);
    expect(() => b.append(['d'], [4], null)).toThrow(/without their sleep sets/);
    // Without sleep sets, none are kept or asked for.
    const c = new Level<string>(false);
    c.append(['d'], [4], null);
    expect(c.sleeps).toBeNull();
    expect(c.split(5)).toEqual({ states: ['d'], slots: [4], sleeps: null });
  });

  it('keeps the actions listed at discovery with each state, across additions, and not with states moved to another level', () => {
    const l = new Level<string, string>(false);
    l.addChildren(children(['a', 'b'], [0, 1], [], [['a0', 'a1'], []]));
    l.addChildren(children(['c'], [2], [], [['c0']]));
    // Children left without lists (an explorer that does not list actions).
    l.addChildren(children(['d'], [3], []));
    expect(listed(l)).toBeNull();
    l.take(0);
    expect(listed(l)).toEqual(['a0', 'a1']);
    l.take(1);
    // An empty list is a list: the state has no enabled action.
    expect(listed(l)).toEqual([]);
    l.take(2);
    expect(listed(l)).toEqual(['c0']);
    l.take(3);
    expect(listed(l)).toBeNull();
    // Moved: the states go without their lists, and the level they leave keeps the others'.
    const a = new Level<string, string>(false);
    a.addChildren(children(['x', 'y', 'z'], [0, 1, 2], [], [['x0'], ['y0'], ['z0', 'z1']]));
    const moved = a.split(2);
    const b = new Level<string, string>(false);
    b.append(moved.states, moved.slots, moved.sleeps);
    b.addChildren(children(['w'], [3], [], [['w0']]));
    b.take(0);
    expect(listed(b)).toBeNull();
    b.take(2);
    expect(listed(b)).toEqual(['w0']);
    a.addChildren(children(['v'], [4], [], [['v0']]));
    a.take(0);
    expect(listed(a)).toEqual(['x0']);
    a.take(1);
    expect(listed(a)).toEqual(['v0']);
  });

  it('renumbers the slots from a position on after a rehash', () => {
    const l = new Level<string>(false);
    l.addChildren(children(['a', 'b', 'c'], [0, 1, 2], []));
    l.remap(1, Int32Array.from([10, 11, 12]));
    expect(l.slots).toEqual([0, 11, 12]);
  });
});

describe('a breadth-first search', () => {
  it.each([true, false])('lists each state\'s actions once, at its discovery (deadlock checked: %s)', (deadlock) => {
    const m = twoCounters(2, 3);
    const calls = new Map<string, number>();
    const r = check(
      {
        ...m,
        actions(s, out) {
          const k = `${s.a},${s.b}`;
          calls.set(k, (calls.get(k) ?? 0) + 1);
          m.actions(s, out);
        },
        // No property that holds by a path (a witness is replayed, its states' actions listed again).
        properties: () => m.properties().filter((p) => p.kind === 'always' || (deadlock && p.kind === 'deadlock')),
      },
      { strategy: 'bfs' },
    );
    expect(r.status).toBe('pass');
    expect(r.stats.states).toBe(counterStates(2, 3));
    expect(r.stats.transitions).toBe(counterTransitions(2, 3));
    // Before, the deadlock check listed a new state's actions and its expansion listed them again.
    expect([...calls.values()]).toEqual(new Array(counterStates(2, 3)).fill(1));
  });
});
