import { describe, expect, it } from 'vitest';
import { check } from '../../src/checker/index.ts';
import { Level, type Children } from '../../src/checker/level.ts';
import { Words, type Carry, type Model, type SleepSets } from '../../src/checker/model.ts';
import { counterStates, counterTransitions, twoCounters, type CounterAction, type CounterState } from './fixtures/counters.ts';

const children = (states: string[], slots: number[], sleeps: (Int32Array | null)[], acts?: string[][], words?: number[][]): Children<string, string> => {
  const ends: number[] = [];
  let end = 0;
  for (const a of acts ?? []) ends.push((end += a.length));
  // The words as an expansion leaves them: segments of chunks, a stale word before each (small
  // first chunks, so that segments go to new chunks).
  const carried = new Words(8);
  const childCarryBuf: Int32Array[] = [];
  const childCarryFrom: number[] = [];
  const childCarryTo: number[] = [];
  for (const w of words ?? []) {
    carried.begin();
    carried.room(1);
    carried.buf[carried.length++] = -7;
    carried.begin();
    carried.room(w.length);
    for (const x of w) carried.buf[carried.length++] = x;
    childCarryBuf.push(carried.buf);
    childCarryFrom.push(carried.start);
    childCarryTo.push(carried.length);
  }
  return {
    carry: words === undefined ? null : {},
    childCarryBuf,
    childCarryFrom,
    childCarryTo,
    childCount: states.length,
    childStates: [...states, 'stale'],
    childSlots: [...slots, 99],
    ...segments(sleeps),
    listsActions: acts !== undefined,
    childActs: [...(acts ?? []).flat(), 'stale'],
    childActEnds: [...ends, end + 1],
  };
};

/** Sleep sets as an expansion leaves them: segments of chunks (Words), a stale word before each. */
function segments(sleeps: readonly (Int32Array | null)[]): { childSleepBuf: Int32Array[]; childSleepFrom: number[]; childSleepTo: number[] } {
  const w = new Words(8);
  const out = { childSleepBuf: [] as Int32Array[], childSleepFrom: [] as number[], childSleepTo: [] as number[] };
  for (const z of sleeps) {
    w.begin();
    w.room(1);
    w.buf[w.length++] = 7;
    w.begin();
    w.room(z?.length ?? 0);
    for (const x of z ?? []) w.buf[w.length++] = x;
    out.childSleepBuf.push(w.buf);
    out.childSleepFrom.push(w.start);
    out.childSleepTo.push(w.length);
  }
  return out;
}

/** The sleep set of the state `l` took last (null: empty). */
const taken = (l: Level<string>): number[] | null => (l.sleepTo > l.sleepFrom ? [...l.sleepBuf.subarray(l.sleepFrom, l.sleepTo)] : null);

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
    expect(taken(l)).toEqual([1, 2]);
    expect(l.slots[0]).toBe(5);
    expect(l.take(1)).toBe('b');
    expect(taken(l)).toBeNull();
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
    expect(taken(b)).toEqual([3]);
    expect(() => b.append(['d'], [4], null)).toThrow(/without their sleep sets/);
    // Without sleep sets, none are kept or asked for.
    const c = new Level<string>(false);
    c.append(['d'], [4], null);
    expect(c.withSleeps).toBe(false);
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

  it('keeps the carried words of each state where they were put, across additions and chunks, and not with states moved to another level', () => {
    const seen: [string, number[]][] = [];
    const carry: Carry<string> = {
      save: () => false,
      resume: (s, buf, from, to) => void seen.push([s, [...buf.subarray(from, to)]]),
    };
    const l = new Level<string, string>(false);
    l.addChildren(children(['a', 'b'], [0, 1], [], undefined, [[1, 2, 3], []]));
    // A state with more words than a chunk starts with (4,096), and many after it: new chunks.
    const big = Array.from({ length: 5000 }, (_, i) => i);
    const many = Array.from({ length: 3000 }, (_, i) => `m${i}`);
    l.addChildren(children(['c', ...many], [2, ...many.map((_, i) => 3 + i)], [], undefined, [big, ...many.map((_, i) => [i, 1000 + i])]));
    // Children left without words (an explorer without carried words).
    l.addChildren(children(['d'], [9999], []));
    const all = ['a', 'b', 'c', ...many, 'd'];
    all.forEach((name, i) => {
      l.take(i);
      l.resumeTaken(carry, name);
    });
    // An empty list of words is none: the model is not asked to resume.
    expect(seen.map(([s]) => s)).toEqual(['a', 'c', ...many]);
    expect(seen[0]![1]).toEqual([1, 2, 3]);
    expect(seen[1]![1]).toEqual(big);
    expect(seen.slice(2).map(([, w]) => w)).toEqual(many.map((_, i) => [i, 1000 + i]));
    // Moved: the states go without their words.
    seen.length = 0;
    const a = new Level<string, string>(false);
    a.addChildren(children(['x', 'y', 'z'], [0, 1, 2], [], undefined, [[7], [8], [9]]));
    const moved = a.split(2);
    const b = new Level<string, string>(false);
    b.append(moved.states, moved.slots, moved.sleeps);
    b.addChildren(children(['w'], [3], [], undefined, [[6]]));
    for (let i = 0; i < 3; i++) {
      b.take(i);
      b.resumeTaken(carry, `b${i}`);
    }
    a.addChildren(children(['v'], [4], [], undefined, [[5]]));
    for (let i = 0; i < 2; i++) {
      a.take(i);
      a.resumeTaken(carry, `a${i}`);
    }
    expect(seen).toEqual([
      ['b2', [6]],
      ['a0', [7]],
      ['a1', [5]],
    ]);
  });

  it('emptied for reuse (reset), it holds nothing of what it held: each new state comes with its own slot, set, actions and words, and a split or a rehash reaches only them', () => {
    const seen: [string, number[]][] = [];
    const carry: Carry<string> = { save: () => false, resume: (s, buf, from, to) => void seen.push([s, [...buf.subarray(from, to)]]) };
    const l = new Level<string, string>(true);
    const old = ['a', 'b', 'c', 'd'];
    l.addChildren(children(old, [0, 1, 2, 3], old.map((_, i) => Int32Array.of(i + 1)), old.map((x) => [`${x}0`, `${x}1`]), old.map((_, i) => [10 + i])));
    l.take(0);
    l.take(1);
    l.reset();
    expect(l.length).toBe(0);
    // Nothing it held is kept: not the two states it never gave out.
    expect(l.states.filter((x) => x !== undefined)).toEqual([]);
    // Fewer states than before, the first without a set, actions or words.
    l.addChildren(children(['x'], [7], [null], [[]], [[]]));
    l.addChildren(children(['y'], [8], [Int32Array.of(9)], [['y0']], [[20, 21]]));
    expect(l.length).toBe(2);
    expect(l.take(0)).toBe('x');
    expect(taken(l)).toBeNull();
    expect(listed(l)).toEqual([]);
    l.resumeTaken(carry, 'x');
    expect(l.take(1)).toBe('y');
    expect(taken(l)).toEqual([9]);
    expect(listed(l)).toEqual(['y0']);
    l.resumeTaken(carry, 'y');
    expect(seen).toEqual([['y', [20, 21]]]);
    expect(l.slots.slice(0, l.length)).toEqual([7, 8]);
    // Again, with states to move: a split gives only this level's, and a rehash renumbers only them.
    l.reset();
    l.addChildren(children(['p', 'q'], [0, 1], [Int32Array.of(5), null]));
    l.remap(0, Int32Array.from([30, 31, 32, 33]));
    expect(l.slots.slice(0, l.length)).toEqual([30, 31]);
    expect(l.split(5)).toEqual({ states: ['p', 'q'], slots: [30, 31], sleeps: [Int32Array.of(5), null] });
    expect(l.length).toBe(0);
    l.append(['r'], [4], [null]);
    expect(l.take(0)).toBe('r');
    expect(taken(l)).toBeNull();
    expect(listed(l)).toBeNull();
  });

  it('renumbers the slots from a position on after a rehash', () => {
    const l = new Level<string>(false);
    l.addChildren(children(['a', 'b', 'c'], [0, 1, 2], []));
    l.remap(1, Int32Array.from([10, 11, 12]));
    expect(l.slots).toEqual([0, 11, 12]);
  });
});

describe('Words', () => {
  it('writes segments one after another, moves a segment begun to a new chunk when the chunk is full, and never writes a segment written', () => {
    const w = new Words(4);
    const seg = (xs: number[]): [Int32Array, number, number] => {
      w.begin();
      for (const x of xs) {
        w.room(1);
        w.buf[w.length++] = x;
      }
      return [w.buf, w.start, w.length];
    };
    const a = seg([1, 2, 3]);
    const b = seg([4, 5, 6]); // begun in a's chunk, moved to a new one at its second word
    const c = seg([7, 8, 9, 10, 11, 12, 13, 14, 15]); // larger than the next chunk would be
    const d = seg([16]);
    const read = ([buf, from, to]: [Int32Array, number, number]): number[] => [...buf.subarray(from, to)];
    expect([a, b, c, d].map(read)).toEqual([[1, 2, 3], [4, 5, 6], [7, 8, 9, 10, 11, 12, 13, 14, 15], [16]]);
    expect(b[0]).not.toBe(a[0]);
    // The chunk a was written into holds a and the start of b, as written.
    expect([...a[0]]).toEqual([1, 2, 3, 4]);
  });

  /** A segment of one word `x` begun in a chunk of its own (the chunk before left full): that chunk. */
  const alone = (w: Words, x: number): Int32Array => {
    w.begin();
    w.room(w.buf.length - w.length + 1);
    w.buf[w.length++] = x;
    return w.buf;
  };

  it('writes a full chunk again only from the third epoch after the one it was last written in (advance)', () => {
    const w = new Words(4, 4);
    w.advance(); // epoch 0
    const c0 = w.buf;
    w.begin();
    w.room(1);
    w.buf[w.length++] = 1;
    const c1 = alone(w, 2); // c0 left full in epoch 0
    w.advance(); // epoch 1: the words written in epoch 0 are read now
    const c2 = alone(w, 3); // c1 left full in epoch 1
    w.advance(); // epoch 2: whatever read epoch 0's words in place lets go of them now at the latest
    const c3 = alone(w, 4); // c2 left full in epoch 2
    expect(new Set([c0, c1, c2, c3]).size).toBe(4);
    expect([c0[0], c1[0], c2[0]]).toEqual([1, 2, 3]);
    w.advance(); // epoch 3: c0 can be written again, not c1
    expect(alone(w, 5)).toBe(c0);
    expect([c0[0], c1[0]]).toEqual([5, 2]);
    w.advance(); // epoch 4: c1 can
    expect(alone(w, 6)).toBe(c1);
    expect(alone(w, 7)).not.toBe(c2); // c2 was left full in epoch 2
  });

  it('writes no chunk again where no epoch was begun (a search that does not go level by level)', () => {
    const w = new Words(4, 4);
    const seen = new Set<Int32Array>();
    for (let i = 0; i < 20; i++) seen.add(alone(w, i));
    expect(seen.size).toBe(20);
  });

  it('writes again only a spare chunk large enough for the chunk it would make', () => {
    const w = new Words(4, 64);
    w.advance();
    const small = w.buf; // 4 words
    alone(w, 1); // small left full in epoch 0; the chunk now is 8 words
    for (let k = 0; k < 3; k++) w.advance();
    // The next chunk is to be 16 words: the spare 4-word chunk is dropped, not written again.
    const next = alone(w, 2);
    expect(next).not.toBe(small);
    expect(next.length).toBe(16);
  });
});

/** Sleep sets that name nothing: on, so that a breadth-first search keeps carried words (Explorer.enableCarry asks for them). */
const namingNothing = (): SleepSets<CounterState, CounterAction> => ({
  recordWords: 1,
  actionId: (a) => (a === 'a' ? 0 : 1),
  lastTransition: () => false,
  commute: () => false,
  encodeShifted: () => {
    throw new Error('nothing is named');
  },
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

  it('gives each state back, before its expansion, the words saved when it was encoded, where sleep sets are on, and no strategy without levels asks for them', () => {
    const m = twoCounters(3, 4);
    const log: string[] = [];
    let encoded: CounterState | undefined;
    const withCarry: Model<CounterState, CounterAction> = {
      ...m,
      encode(s, out) {
        encoded = s;
        m.encode(s, out);
      },
      // Sleep sets on, naming nothing (Explorer.enableCarry asks for them).
      sleepSets: namingNothing,
      carry: () => ({
        save(s, out) {
          // Only the state last encoded can be saved (Carry's contract).
          expect(s).toBe(encoded);
          out.room(2);
          out.buf[out.length++] = s.a;
          out.buf[out.length++] = s.b;
          return true;
        },
        resume(s, buf, from, to) {
          log.push(`${s.a},${s.b}`);
          expect([...buf.subarray(from, to)]).toEqual([s.a, s.b]);
        },
      }),
    };
    const r = check(withCarry, { strategy: 'bfs' });
    expect(r.stats.states).toBe(counterStates(3, 4));
    // Every state but the initial one (it was not a successor) resumed once, before it was expanded.
    expect(log.length).toBe(counterStates(3, 4) - 1);
    expect(new Set(log).size).toBe(log.length);
    expect(log).not.toContain('0,0');
    log.length = 0;
    expect(check(withCarry, { strategy: 'dfs' }).stats.states).toBe(counterStates(3, 4));
    expect(log).toEqual([]);
    // Without sleep sets every transition is run, and words saved for each would mostly go unread.
    expect(check(withCarry, { strategy: 'bfs', sleepSets: false }).stats.states).toBe(counterStates(3, 4));
    expect(log).toEqual([]);
  });

  it('gives each state back its words unchanged where chunks are written again (Words.advance)', () => {
    // 400,000 words a state: chunks reach their largest size (1,048,576 words) at once and hold
    // two states' words each, so a level's words fill several chunks, written again a few levels later.
    const WORDS = 400_000;
    const word = (s: CounterState, i: number): number => (s.a * 7919 + s.b * 104729 + i) | 0;
    const m = twoCounters(5, 5);
    let resumed = 0;
    const withCarry: Model<CounterState, CounterAction> = {
      ...m,
      sleepSets: namingNothing,
      carry: () => ({
        save(s, out) {
          out.room(WORDS);
          for (let i = 0; i < WORDS; i++) out.buf[out.length++] = word(s, i);
          return true;
        },
        resume(s, buf, from, to) {
          resumed++;
          expect(to - from).toBe(WORDS);
          for (let i = 0; i < WORDS; i += 997) if (buf[from + i] !== word(s, i)) throw new Error(`words of (${s.a},${s.b}) changed at ${i}`);
          expect(buf[to - 1]).toBe(word(s, WORDS - 1));
        },
      }),
    };
    const r = check(withCarry, { strategy: 'bfs' });
    expect(r.stats.states).toBe(counterStates(5, 5));
    expect(resumed).toBe(counterStates(5, 5) - 1);
  });
});
