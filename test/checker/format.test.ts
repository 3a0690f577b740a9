/**
 * The text of results, pinned by snapshots, and assertModel.
 */
import { describe, expect, it } from 'vitest';
import { assertModel, check, formatResult, ModelCheckError } from '../../src/checker/index.ts';
import { brokenLock } from './fixtures/broken-lock.ts';
import { philosophers } from './fixtures/philosophers.ts';
import { starvation } from './fixtures/starvation.ts';
import { twoCounters } from './fixtures/counters.ts';

describe('formatResult', () => {
  it('an always violation: header, numbered steps, last state, threads, token, stats', () => {
    const model = brokenLock();
    expect(formatResult(model, check(model), { elapsed: false })).toMatchInlineSnapshot(`
      "VIOLATION: 1 property violated (exploration stopped at the first).

      Property "mutual exclusion" (always) is violated.
      The path below reaches a state where the property is false.

      Counterexample (4 steps):
        0. initial state
             pc=[check, check] lock=0
        1. T0 check
        2. T1 check
        3. T0 acquire
        4. T1 acquire
      Last state (after step 4):
        pc=[critical, critical] lock=1
      Threads in the last state:
        #0 T0: running
        #1 T1: running
      Replay token: 0/0/1/0/1#ab26eff6a4dd0c7a

      Properties:
        violated mutual exclusion (always)
        unknown  deadlock-free (deadlock)
      Stats: 12 states, 13 transitions, depth 4, visited set 768 B (64.0 B/state)"
    `);
  });

  it('a deadlock lists every thread with what it waits for', () => {
    const model = philosophers(3);
    expect(formatResult(model, check(model), { elapsed: false })).toMatchInlineSnapshot(`
      "VIOLATION: 1 property violated (exploration stopped at the first).

      Property "deadlock-free" (deadlock) is violated.
      The path below reaches a state where no action is enabled and some thread has not finished.

      Counterexample (3 steps):
        0. initial state
             P0:thinking P1:thinking P2:thinking
        1. philosopher 0 takes fork 0 (left)
        2. philosopher 1 takes fork 1 (left)
        3. philosopher 2 takes fork 2 (left)
      Last state (after step 3):
        P0:has left fork P1:has left fork P2:has left fork
      Threads in the last state:
        #0 philosopher 0: waiting for fork 1, held by philosopher 1, at has left fork
        #1 philosopher 1: waiting for fork 2, held by philosopher 2, at has left fork
        #2 philosopher 2: waiting for fork 0, held by philosopher 0, at has left fork
      Replay token: 0/0/1/1#73e9adbf7adf5414

      Properties:
        unknown  forks held once (always)
        violated deadlock-free (deadlock)
        unknown  all can finish (always reachable)
      Stats: 14 states, 16 transitions, depth 3, visited set 768 B (54.9 B/state), liveness 2,048 B"
    `);
  });

  it('a lasso marks where the cycle starts and where it returns', () => {
    const model = starvation(true);
    expect(formatResult(model, check(model), { elapsed: false })).toMatchInlineSnapshot(`
      "VIOLATION: 2 properties violated (the whole state space was explored).

      Property "worker finishes (weak fairness)" (eventually, weak fairness) is violated.
      The run below never reaches the goal and is weakly fair to every thread: a prefix, then a cycle repeated forever.

      Counterexample (a prefix of 0 steps, then a cycle of 2 steps):
        0. initial state
             x=0 done=false
        ── cycle starts here (the initial state) ──
        1. toggler: x = 1
        2. toggler: x = 0
        ── back to the initial state: the cycle repeats forever ──
      Last state (after step 2):
        x=0 done=false
      Threads in the last state:
        #0 toggler: running
        #1 worker: running
      Replay token: 0/0/0#5c9a6854c937b697

      Property "worker finishes (no fairness)" (eventually, no fairness) is violated.
      The run below never reaches the goal: a prefix, then a cycle repeated forever.

      Counterexample (a prefix of 0 steps, then a cycle of 2 steps):
        0. initial state
             x=0 done=false
        ── cycle starts here (the initial state) ──
        1. toggler: x = 1
        2. toggler: x = 0
        ── back to the initial state: the cycle repeats forever ──
      Last state (after step 2):
        x=0 done=false
      Threads in the last state:
        #0 toggler: running
        #1 worker: running
      Replay token: 0/0/0#5c9a6854c937b697

      Properties:
        violated worker finishes (weak fairness) (eventually, weak fairness)
        violated worker finishes (no fairness) (eventually, no fairness)
      Stats: 4 states, 5 transitions, depth 2, visited set 768 B (192.0 B/state), liveness 2,710 B"
    `);
  });

  it('a pass and an incomplete run', () => {
    const model = twoCounters(2, 3);
    expect(formatResult(model, check(model), { elapsed: false })).toMatchInlineSnapshot(`
      "PASS: all 6 properties hold over the whole state space.

      Properties:
        holds    in range (always)
        holds    both full (sometimes) (example: 5 steps, token 0/0/0/0/0/0#c4fb6f8d1348ba7c)
        holds    deadlock-free (deadlock)
        holds    can fill (always reachable)
        holds    fills (eventually, weak fairness)
        holds    fills, unfair (eventually, no fairness)
      Stats: 12 states, 17 transitions, depth 5, visited set 768 B (64.0 B/state), liveness 2,996 B"
    `);
    expect(formatResult(model, check(model, { maxStates: 5 }), { elapsed: false })).toMatchInlineSnapshot(`
      "INCOMPLETE: the state bound (maxStates) was reached. No violation in the part explored; that is not a proof.

      Properties:
        unknown  in range (always)
        unknown  both full (sometimes)
        unknown  deadlock-free (deadlock)
        unknown  can fill (always reachable)
        unknown  fills (eventually, weak fairness)
        unknown  fills, unfair (eventually, no fairness)
      Stats: 5 states, 5 transitions, depth 2, visited set 768 B (153.6 B/state), liveness 2,560 B"
    `);
  });

  it('shows elapsed time and rate unless told not to', () => {
    const text = formatResult(twoCounters(), check(twoCounters()));
    expect(text).toMatch(/Stats: 12 states, 17 transitions, depth 5, .* \d+\.\d\d s \([\d,]+ states\/s\)$/);
  });
});

describe('assertModel', () => {
  it('returns the result when every property holds', () => {
    expect(assertModel(twoCounters()).stats.states).toBe(12);
  });

  it('throws with the formatted counterexample on a violation', () => {
    const model = brokenLock();
    let caught: unknown;
    try {
      assertModel(model);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ModelCheckError);
    const err = caught as ModelCheckError;
    expect(err.result.status).toBe('violation');
    expect(err.message).toContain('Property "mutual exclusion" (always) is violated.');
    expect(err.message).toContain('  4. T1 acquire');
    expect(err.message).toMatch(/Replay token: 0\/0\/1\/0\/1#[0-9a-f]{16}/);
  });

  it('throws on an incomplete exploration too: a bound is not a pass', () => {
    expect(() => assertModel(twoCounters(), { maxStates: 3 })).toThrow(/INCOMPLETE: the state bound \(maxStates\) was reached/);
    expect(() => assertModel(twoCounters(), { strategy: 'random' })).toThrow(/random walks cover only part/);
  });
});
