/**
 * Replay tokens: format, round trip, and replays that diverge.
 */
import { describe, expect, it } from 'vitest';
import { check, formatToken, parseToken, replay, ReplayError, type Model } from '../../src/checker/index.ts';
import { brokenLock } from './fixtures/broken-lock.ts';
import { peterson } from './fixtures/peterson.ts';
import { philosophers } from './fixtures/philosophers.ts';

function lockToken(): string {
  const r = check(brokenLock());
  if (r.status !== 'violation') throw new Error('the broken lock must fail');
  return r.violation.path.token;
}

describe('replay tokens', () => {
  it('parse and format are inverse', () => {
    expect(parseToken('0/2/0/1#9f86d081884c7d65')).toEqual({ init: 0, actions: [2, 0, 1], fingerprint: '9f86d081884c7d65' });
    expect(parseToken('3')).toEqual({ init: 3, actions: [] });
    expect(formatToken(0, [2, 0, 1], '9f86d081884c7d65')).toBe('0/2/0/1#9f86d081884c7d65');
    expect(formatToken(3, [])).toBe('3');
    const t = lockToken();
    const p = parseToken(t);
    expect(formatToken(p.init, p.actions, p.fingerprint)).toBe(t);
  });

  it.each(['', '/', 'a', '0/', '0//1', '0/-1', '0/01', '0/1.5', '0#', '0#123', '0#9F86D081884C7D65', '0/1#9f86d081884c7d65x'])(
    'rejects the malformed token %j',
    (token) => {
      expect(() => parseToken(token)).toThrow(/malformed replay token/);
    },
  );

  it('a counterexample replays to the identical path, with or without the fingerprint', () => {
    const model = brokenLock();
    const r = check(model);
    if (r.status !== 'violation') throw new Error('expected a violation');
    const { path } = r.violation;
    expect(replay(model, path.token)).toEqual(path);
    const bare = path.token.slice(0, path.token.indexOf('#'));
    expect(bare).toBe('0/0/1/0/1');
    expect(replay(model, bare)).toEqual(path);
  });

  it('a lasso replays to its cycle: the last state is the state where the loop starts', () => {
    const model = peterson();
    const r = check(model, { findAll: true });
    if (r.status !== 'violation') throw new Error('expected a violation');
    const ce = r.violations.find((c) => c.kind === 'eventually')!;
    const path = replay(model, ce.path.token);
    const states = [path.init, ...path.steps.map((s) => s.state)];
    expect(states[states.length - 1]).toEqual(states[ce.loopStart!]);
  });

  it('a deadlock replays to the deadlocked state', () => {
    const model = philosophers(3);
    const r = check(model);
    if (r.status !== 'violation') throw new Error('expected a violation');
    const path = replay(model, r.violation.path.token);
    expect(path.steps.at(-1)!.state).toEqual([1, 1, 1]);
  });

  it('says at which step an action index is out of range', () => {
    const model = brokenLock();
    // After T0 check, T1 check, T0 acquire: T0 (critical) and T1 (acquire) can move: 2 actions.
    const err = catchReplay(model, '0/0/1/0/5');
    expect(err.step).toBe(4);
    expect(err.message).toBe('replay of "0/0/1/0/5" diverged at step 4: action 5 requested, but the model enables 2 action(s) in that state');
  });

  it('says when the initial state index is out of range', () => {
    const err = catchReplay(brokenLock(), '1/0');
    expect(err.step).toBe(0);
    expect(err.message).toMatch(/diverged at the initial state: initial state 1 requested, but the model has 1 initial state/);
  });

  it('says when an action leads to no state', () => {
    const model: Model<number, string> = {
      initStates: () => [0],
      actions: (_s, out) => {
        out.push('step', 'nothing');
      },
      nextState: (s, a) => (a === 'step' ? s + 1 : undefined),
      properties: () => [],
      formatAction: (a) => a,
      formatState: (s) => String(s),
      encode: (s, out) => out.int(s),
    };
    expect(replay(model, '0/0/0').steps.map((s) => s.state)).toEqual([1, 2]);
    const err = catchReplay(model, '0/0/1');
    expect(err.step).toBe(2);
    expect(err.message).toMatch(/step 2: action 1 \(nothing\) leads to no state/);
  });

  it('detects a path that still replays but ends elsewhere: the model changed', () => {
    const token = lockToken();
    // A changed model: acquiring now stores 2. Every index of the path is still in range.
    const base = brokenLock();
    const changed: typeof base = {
      ...base,
      nextState: (st, t) => {
        const n = base.nextState(st, t)!;
        return n.lock === 1 ? { ...n, lock: 2 } : n;
      },
    };
    const err = catchReplay(changed, token);
    expect(err.step).toBe(4);
    expect(err.message).toMatch(/the path replays, but its last state has fingerprint .* \(the model has changed\)/);
    // Another model altogether diverges earlier: in Peterson, process 0 waits after step 3.
    const other = catchReplay(peterson(), token);
    expect(other.step).toBe(4);
    expect(other.message).toMatch(/action 1 requested, but the model enables 1 action\(s\)/);
    const forged = token.replace(/#.*/, '#0123456789abcdef');
    const err2 = catchReplay(brokenLock(), forged);
    expect(err2.step).toBe(4);
    expect(err2.message).toMatch(/its last state has fingerprint [0-9a-f]{16} where the token says 0123456789abcdef \(the model has changed\)/);
  });
});

function catchReplay<S, A>(model: Model<S, A>, token: string): ReplayError {
  try {
    replay(model, token);
  } catch (e) {
    if (e instanceof ReplayError) return e;
    throw e;
  }
  throw new Error(`replay of ${token} did not fail`);
}
