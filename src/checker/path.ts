/**
 * Paths: reconstruction from the visited set, and replay tokens.
 *
 * The engine keeps no states, only fingerprints and parent links (`fingerprint.ts`). A path to a
 * visited state is rebuilt by following the parent links to the root, then replaying the model
 * from its initial states, choosing at each step the action whose next state has the recorded
 * fingerprint. Every path the engine reports has therefore been re-executed through the model;
 * `confirm.ts` then checks what the path is to show on the real states it passes through (a
 * fingerprint collision can make a rebuilt path end in another state than the one found).
 *
 * ## Replay tokens
 *
 * A token names a path by indices, in the spirit of stateright's `"0/1/3"`:
 *
 *     <init>/<a1>/<a2>/.../<an>#<fingerprint>
 *
 * - `<init>`: index of the initial state in `model.initStates()`;
 * - `<ai>`: index of the i-th action in the list `model.actions(state, out)` pushes for the state
 *   the path is in before step i (every enabled action counts, including ones whose `nextState`
 *   is `undefined`);
 * - `#<fingerprint>` (optional on input): 16 lower-case hex digits, the 64-bit fingerprint of the
 *   path's last state, high word first. It lets {@link replay} tell that a path that still
 *   replays leads somewhere else because the model changed.
 *
 * Indices are decimal, without signs or leading zeros beyond `0` itself. A path with no step is
 * `<init>#<fingerprint>`, e.g. `0#1f0e...`; a three-step path is e.g. `0/2/0/1#9f86d081884c7d65`.
 */
import { expandedRange, type Model, type Symmetry } from './model.ts';
import { compose, correspondingAction, invert, threadCount, type Perm } from './symmetry.ts';
import type { Path, PathStep } from './result.ts';
import { digest, FingerprintEncoder, fingerprint, fingerprintHex, NO_PARENT } from './fingerprint.ts';
import type { ResultStore } from './explorer.ts';

/** A replay that the model does not follow; `step` says where (0: the initial state, i: step i). */
export class ReplayError extends Error {
  readonly token: string;
  readonly step: number;
  constructor(token: string, step: number, message: string) {
    super(`replay of ${JSON.stringify(token)} diverged at ${step === 0 ? 'the initial state' : `step ${step}`}: ${message}`);
    this.name = 'ReplayError';
    this.token = token;
    this.step = step;
  }
}

/** A token taken apart. */
export interface ParsedToken {
  readonly init: number;
  readonly actions: readonly number[];
  /** The 16 hex digits after `#`, when present. */
  readonly fingerprint?: string;
}

const INDEX = /^(0|[1-9][0-9]*)$/;
const HEX16 = /^[0-9a-f]{16}$/;

/** Parse a replay token; throws an Error naming what is malformed. */
export function parseToken(token: string): ParsedToken {
  const hash = token.indexOf('#');
  const body = hash < 0 ? token : token.slice(0, hash);
  const fp = hash < 0 ? undefined : token.slice(hash + 1);
  if (fp !== undefined && !HEX16.test(fp)) {
    throw new Error(`malformed replay token ${JSON.stringify(token)}: after '#' expected 16 lower-case hex digits`);
  }
  const parts = body.split('/');
  const nums: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (!INDEX.test(p) || !Number.isSafeInteger(Number(p))) {
      throw new Error(
        `malformed replay token ${JSON.stringify(token)}: part ${i + 1} (${JSON.stringify(p)}) is not a non-negative decimal index`,
      );
    }
    nums.push(Number(p));
  }
  const [init, ...actions] = nums;
  return fp === undefined ? { init: init!, actions } : { init: init!, actions, fingerprint: fp };
}

/** Build a token from indices and, optionally, the last state's fingerprint in hex. */
export function formatToken(init: number, actions: readonly number[], fingerprint?: string): string {
  const body = actions.length === 0 ? String(init) : `${init}/${actions.join('/')}`;
  return fingerprint === undefined ? body : `${body}#${fingerprint}`;
}

/**
 * Replay `token` through `model`. Returns the path, whose `token` is the canonical form of the
 * input (with the fingerprint). Throws a {@link ReplayError} saying at which step the model does
 * not follow: an initial-state or action index out of range, an action whose next state is
 * `undefined`, or (when the token carries one) a last state with a different fingerprint.
 */
export function replay<S, A>(model: Model<S, A>, token: string): Path<S, A> {
  const parsed = parseToken(token);
  const path = buildPath(model, parsed.init, parsed.actions, token);
  if (parsed.fingerprint !== undefined) {
    const got = path.token.slice(path.token.indexOf('#') + 1);
    if (got !== parsed.fingerprint) {
      throw new ReplayError(
        token,
        parsed.actions.length,
        `the path replays, but its last state has fingerprint ${got} where the token says ${parsed.fingerprint} (the model has changed)`,
      );
    }
  }
  return path;
}

/**
 * The path that starts in initial state `init` and takes, at each step, the action at the given
 * index of the state's action list. Throws a {@link ReplayError} (naming `tokenForErrors`) if the
 * model does not follow.
 */
export function buildPath<S, A>(model: Model<S, A>, init: number, actions: readonly number[], tokenForErrors?: string): Path<S, A> {
  const shown = tokenForErrors ?? formatToken(init, actions);
  const inits = model.initStates();
  if (init >= inits.length) {
    throw new ReplayError(shown, 0, `initial state ${init} requested, but the model has ${inits.length} initial state(s)`);
  }
  const first: S = inits[init]!;
  let state = first;
  const steps: PathStep<S, A>[] = [];
  const acts: A[] = [];
  for (let i = 0; i < actions.length; i++) {
    const k = actions[i]!;
    acts.length = 0;
    model.actions(state, acts);
    if (k >= acts.length) {
      throw new ReplayError(shown, i + 1, `action ${k} requested, but the model enables ${acts.length} action(s) in that state`);
    }
    const action = acts[k]!;
    const next = model.nextState(state, action);
    if (next === undefined) {
      throw new ReplayError(shown, i + 1, `action ${k} (${model.formatAction(action, state)}) leads to no state`);
    }
    steps.push({ action, state: next });
    state = next;
  }
  // The digest of the full encoding, not the visited set's fingerprint: a token outlives changes of how the engine hashes.
  const enc = new FingerprintEncoder();
  digest(model, state, enc);
  return { init: first, steps, token: formatToken(init, actions, fingerprintHex(enc.hi, enc.lo)) };
}

/** The state the explorer records for `s`: `s` itself, or its representative under symmetry. */
function recorded<S>(s: S, sym: Symmetry<S> | null, perm: Uint8Array): S {
  return sym === null ? s : sym.canonical(s, perm);
}

/** Index of the first initial state with fingerprint `(hi, lo)` (of its representative under `sym`), or -1. */
export function initIndexOf<S>(model: Model<S, unknown>, hi: number, lo: number, enc: FingerprintEncoder, sym: Symmetry<S> | null = null): number {
  const inits = model.initStates();
  const perm = new Uint8Array(sym === null ? 0 : threadCount(model, sym));
  for (let i = 0; i < inits.length; i++) {
    fingerprint(model, recorded(inits[i]!, sym, perm), enc);
    if (enc.hi === hi && enc.lo === lo) return i;
  }
  return -1;
}

/**
 * Rebuilding a path from fingerprints failed: two states share a fingerprint (the parent links or
 * the recorded edges then belong to another state than the one the replay reaches), or the model
 * is not deterministic. `check` treats it as a fingerprint collision (the property is `unknown`).
 */
export class PathReconstructionError extends Error {
  constructor(what: string) {
    super(
      `path reconstruction failed: ${what}. The model is not deterministic (initStates, actions or nextState ` +
        `return different results for the same state), or two states share a fingerprint`,
    );
    this.name = 'PathReconstructionError';
  }
}

function reconstructionFailed(what: string): Error {
  return new PathReconstructionError(what);
}

/**
 * The path to the state in `slot`: parent links back to the root, then a replay that picks, at
 * each step, the first action whose next state has the recorded fingerprint. Under symmetry
 * reduction (`sym`) the replay runs on the model's own states and compares the fingerprints of
 * their representatives: the path ends in a state of the recorded state's orbit.
 */
export function pathToSlot<S, A>(model: Model<S, A>, table: Pick<ResultStore, 'count' | 'hiAt' | 'loAt' | 'parentAt'>, slot: number, sym: Symmetry<S> | null = null): Path<S, A> {
  const his: number[] = [];
  const los: number[] = [];
  for (let s = slot; s !== NO_PARENT; s = table.parentAt(s)) {
    his.push(table.hiAt(s));
    los.push(table.loAt(s));
    if (his.length > table.count) throw reconstructionFailed('the parent links form a cycle');
  }
  his.reverse();
  los.reverse();
  const enc = new FingerprintEncoder();
  const init = initIndexOf(model, his[0]!, los[0]!, enc, sym);
  if (init < 0) throw reconstructionFailed('no initial state has the root fingerprint');
  let state: S = model.initStates()[init]!;
  const perm = new Uint8Array(sym === null ? 0 : threadCount(model, sym));
  const indices: number[] = [];
  const acts: A[] = [];
  for (let d = 1; d < his.length; d++) {
    acts.length = 0;
    model.actions(state, acts);
    let chosen = -1;
    let nextState: S | undefined;
    for (let i = 0; i < acts.length; i++) {
      const next = model.nextState(state, acts[i]!);
      if (next === undefined) continue;
      fingerprint(model, recorded(next, sym, perm), enc);
      if (enc.hi === his[d] && enc.lo === los[d]) {
        chosen = i;
        nextState = next;
        break;
      }
    }
    if (chosen < 0) throw reconstructionFailed(`no action leads to the recorded state at step ${d}`);
    indices.push(chosen);
    state = nextState!;
  }
  return buildPath(model, init, indices);
}

/**
 * The path that starts in the initial state with fingerprint `(rootHi, rootLo)` and takes, at each
 * step, the `ordinals[i]`-th transition of the current state, counting only actions whose next
 * state is defined, in action order, among the actions the engine expands ({@link expandedRange}):
 * the order in which it records edges.
 *
 * Under symmetry reduction (`sym`) the ordinals index the transitions of the recorded
 * representatives: they are followed there, and each step is mapped to the model's own state by
 * the permutation accumulated so far (the corresponding action of the corresponding thread), so the
 * path returned is a path of the model whose states are, step by step, in the recorded orbits.
 */
export function pathByOrdinals<S, A>(model: Model<S, A>, rootHi: number, rootLo: number, ordinals: readonly number[], sym: Symmetry<S> | null = null): Path<S, A> {
  const enc = new FingerprintEncoder();
  const init = initIndexOf(model, rootHi, rootLo, enc, sym);
  if (init < 0) throw reconstructionFailed('no initial state has the root fingerprint');
  if (sym !== null) return followRepresentatives(model, init, ordinals, sym);
  let state: S = model.initStates()[init]!;
  const indices: number[] = [];
  const acts: A[] = [];
  for (let d = 0; d < ordinals.length; d++) {
    const t = nthTransition(model, state, acts, ordinals[d]!, d);
    indices.push(t.index);
    state = t.next;
  }
  return buildPath(model, init, indices);
}

/**
 * The `want`-th transition of `state` (counting only actions whose next state is defined, among
 * those the engine expands), as the index of its action in `acts` (filled with every enabled
 * action) and its next state. `step` names the state in the error.
 */
function nthTransition<S, A>(model: Model<S, A>, state: S, acts: A[], want: number, step: number): { index: number; next: S } {
  acts.length = 0;
  model.actions(state, acts);
  let seen = 0;
  const { from, to } = expandedRange(model, state, acts);
  for (let i = from; i < to; i++) {
    const next = model.nextState(state, acts[i]!);
    if (next === undefined) continue;
    if (seen === want) return { index: i, next };
    seen++;
  }
  throw reconstructionFailed(`the state at step ${step} has fewer than ${want + 1} transitions`);
}

/** {@link pathByOrdinals} under symmetry: follow the representatives, map each step back. */
function followRepresentatives<S, A>(model: Model<S, A>, init: number, ordinals: readonly number[], sym: Symmetry<S>): Path<S, A> {
  let real: S = model.initStates()[init]!;
  const n = threadCount(model, sym);
  const buf = new Uint8Array(n);
  let rep = sym.canonical(real, buf);
  /** `rep = p·real`. */
  let p: Perm = Uint8Array.from(buf);
  const indices: number[] = [];
  const actsC: A[] = [];
  const acts: A[] = [];
  for (let d = 0; d < ordinals.length; d++) {
    const { index: chosen, next: stepped } = nthTransition(model, rep, actsC, ordinals[d]!, d);
    acts.length = 0;
    model.actions(real, acts);
    const k = correspondingAction(model, rep, actsC, chosen, real, acts, invert(p));
    const nextReal = k < 0 ? undefined : model.nextState(real, acts[k]!);
    if (nextReal === undefined) throw reconstructionFailed(`step ${d + 1} has no corresponding action in the model's own state (the model is not equivariant)`);
    indices.push(k);
    rep = sym.canonical(stepped, buf);
    // stepped = p·nextReal, rep = buf·stepped: rep = (buf∘p)·nextReal.
    p = compose(buf, p);
    real = nextReal;
  }
  return buildPath(model, init, indices);
}

/**
 * The path `g·path`: from the same initial state (which `g` fixes), at each step the corresponding
 * action of thread `g[t]` where `path` has one of thread `t`. For a permutation within the
 * model's symmetry classes it ends in `g·last`; under symmetry it is how a property about thread
 * `g[t]` gets the counterexample found for thread `t`.
 */
export function permutePath<S, A>(model: Model<S, A>, path: Path<S, A>, g: Perm): Path<S, A> {
  const { init, actions } = parseToken(path.token);
  let orig: S = path.init;
  let state: S = model.initStates()[init]!;
  const indices: number[] = [];
  const actsO: A[] = [];
  const acts: A[] = [];
  for (let d = 0; d < actions.length; d++) {
    actsO.length = 0;
    model.actions(orig, actsO);
    acts.length = 0;
    model.actions(state, acts);
    // state = g·orig: thread t of state is thread g^-1[t] of orig, so orig's thread t is state's g[t].
    const k = correspondingAction(model, orig, actsO, actions[d]!, state, acts, g);
    const next = k < 0 ? undefined : model.nextState(state, acts[k]!);
    if (next === undefined) throw reconstructionFailed(`step ${d + 1} has no corresponding action for the permuted thread (the model is not equivariant)`);
    indices.push(k);
    state = next;
    orig = path.steps[d]!.state;
  }
  return buildPath(model, init, indices);
}

