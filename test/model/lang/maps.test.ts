/**
 * The hidden classes (V8 maps) of the objects a model's states are made of. Code that meets one
 * kind of object under more than four maps runs V8's megamorphic path on every access (a lookup in
 * a global cache instead of a compare and a load), and a map it has not met yet discards its
 * optimised code: so every kind of object (a frame of a given shape, a semaphore, a pair record,
 * the memory, the lock table, ...) must come from one object literal, however a step builds it
 * (docs/checker.md, "One map per kind of object"). Seen failing before that change: a semaphore
 * copied by spread (`{ ...l, writer }`) took a map of its own at each site and each generation of
 * copies (25 maps in the kernel bench), a callee's frame built with a spread, the segment memo's
 * copy of an op, and the initial state's memory and lock table each had a second map.
 *
 * Lists too: a list's map is its elements kind (V8 decides it where the list was made, and a site
 * that once made a holey list or a list of objects makes its next lists so). Seen failing before
 * the lists were made alike (6 December): a new frame's locals were made as `new Array(n)` (holey),
 * and the copies that the copy sites made of them and of every other list turned holey too, so
 * that locals, frame lists and pair lists each came in two kinds (holey and packed), and an empty
 * pair list or semaphore queue was a list of small integers beside the lists of objects.
 *
 * And strings: a string's map says whether it is internalized (V8's one copy of its contents, which
 * identity compares). Seen failing before (6 December): the names the parser sliced from the C text,
 * a scenario's values, the names steps and primitives build (`&obj->field`, a notifier's name cut
 * from its ops' name, a struct on the stack, an oops message) were not: 1.44 million strings in the
 * states this test explores.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const root = join(import.meta.dirname, '../../..');

/** What fixtures/own-maps.ts prints: per kind and shape of object, the most maps one scenario gave it. */
async function ownMaps(...args: string[]): Promise<{ maps: Record<string, number>; uninternalized: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', 'test/model/lang/fixtures/own-maps.ts', ...args], { cwd: root, maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as { maps: Record<string, number>; uninternalized: number };
}

describe('one map per kind of object (V8 %HaveSameMap, in a child process)', () => {
  test.each([
    ['parts unfrozen (the default)', []],
    ['every part frozen (freezeParts)', ['--freeze-parts']],
  ])('the kernel bench and every built-in scenario and variant, %s', async (_, args) => {
    const { maps, uninternalized } = await ownMaps(...args);
    // Every string in every state internalized (src/model/lang/intern.ts).
    expect(uninternalized).toBe(0);
    // Every kind the states have was seen: both frame shapes, all three locks, waiters, pairs.
    expect(Object.keys(maps).sort()).toEqual(
      [
        'frame {fn, pc, locals, dest, ctx, op}',
        'frame {fn, pc, locals, dest, ctx}',
        'frames []',
        'lock:mutex {kind, owner}',
        'lock:rwsem {kind, writer, readers, waiters}',
        'lock:spin {kind, owner}',
        'locals []',
        'locks',
        'mem',
        'op {kind, nid, start, end, blockable, mayfail}',
        'pair {tid, nid, start, end, blockable, mayfail, ret}',
        'pairs []',
        'readers []',
        'state {threads, mem, locks, pairs}',
        'thread {frames, srcu, pending}',
        'threads []',
        'waiter {tid, write, nonOwner}',
        'waiter {tid, write}',
        'waiters []',
      ].sort(),
    );
    for (const [kind, n] of Object.entries(maps)) expect([kind, n]).toEqual([kind, 1]);
  }, 180_000);
});
