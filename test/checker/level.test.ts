import { describe, expect, it } from 'vitest';
import { Level, type Children } from '../../src/checker/level.ts';

const children = (states: string[], slots: number[], sleeps: (Int32Array | null)[]): Children<string> => ({
  childCount: states.length,
  childStates: [...states, 'stale'],
  childSlots: [...slots, 99],
  childSleeps: [...sleeps, new Int32Array([7])],
});

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

  it('renumbers the slots from a position on after a rehash', () => {
    const l = new Level<string>(false);
    l.addChildren(children(['a', 'b', 'c'], [0, 1, 2], []));
    l.remap(1, Int32Array.from([10, 11, 12]));
    expect(l.slots).toEqual([0, 11, 12]);
  });
});
