/**
 * Confirmation of counterexamples on real states.
 *
 * The engine finds violations on fingerprints: the visited set and the liveness graph know a state
 * only by its 64-bit fingerprint, so two distinct states with the same fingerprint are one node
 * there. Such a collision could make the graph show a cycle, a dead end or a goal-free region that
 * the model does not have. So before a violation is reported, its path (already re-executed
 * through the model by `path.ts`) is checked here on the real states it passes through, comparing
 * states by their full canonical encoding, never by fingerprint:
 *
 * - `always`: the last state lies within the boundary and violates the predicate;
 * - `deadlock`: the last state lies within the boundary, enables no action, and has a thread that
 *   has not finished;
 * - `reachable`: the last state lies within the boundary, and an exact exploration from it (a set
 *   of full encodings, see {@link ExactKeyEncoder}) meets no goal state;
 * - `eventually`: every state of the lasso lies within the boundary and misses the goal; a dead
 *   end really has no transition; a cycle really closes (the state at `loopStart` and the last
 *   state have the same encoding) and, under weak fairness, every thread that has a transition in
 *   every state of the cycle takes a step on it;
 * - `sometimes` (an example): the last state lies within the boundary and satisfies the predicate.
 *
 * A `sometimes` violation (no example in the whole space) has no path to check: it is a claim
 * about every state, like a `holds`, and is not confirmed here.
 *
 * None of this runs on the hot path: only on the counterexamples a result reports.
 */
import type { Encoder, Model, Property } from './model.ts';
import type { Path } from './result.ts';

/** `confirmed`: it holds on the real states. `refuted`: it does not. `stopped`: the check ran out of time. */
export type Confirmation = 'confirmed' | 'refuted' | 'stopped';

/**
 * An {@link Encoder} that writes the canonical encoding as a compact string, injectively: an
 * `int` is a tag and its two 16-bit halves, a `bool` one tag, a string a tag, its length in two
 * halves and its characters. Two states get the same key exactly when they feed the same values
 * (the equality {@link StringEncoder} shows as text), at 3 characters per `int`.
 */
export class ExactKeyEncoder implements Encoder {
  private parts: string[] = [];
  int(value: number): void {
    const v = value | 0;
    this.parts.push('i', String.fromCharCode(v & 0xffff, (v >>> 16) & 0xffff));
  }
  str(value: string): void {
    const n = value.length;
    this.parts.push('s', String.fromCharCode(n & 0xffff, (n >>> 16) & 0xffff), value);
  }
  bool(value: boolean): void {
    this.parts.push(value ? 'T' : 'F');
  }
  /** The key of `state`. */
  static key<S>(model: Pick<Model<S, unknown>, 'encode'>, state: S): string {
    const e = new ExactKeyEncoder();
    model.encode(state, e);
    return e.parts.join('');
  }
}

function inside<S>(model: Model<S, unknown>, s: S): boolean {
  return typeof model.withinBoundary === 'function' ? model.withinBoundary(s) : true;
}

/** The states of a path: position 0 is the initial state, position i the state after step i. */
function statesOf<S, A>(path: Path<S, A>): S[] {
  return [path.init, ...path.steps.map((st) => st.state)];
}

/** The transitions of `s`: its enabled actions with a defined next state, in action order. */
function transitionsOf<S, A>(model: Model<S, A>, s: S): { action: A; next: S }[] {
  const acts: A[] = [];
  model.actions(s, acts);
  const out: { action: A; next: S }[] = [];
  for (const action of acts) {
    const next = model.nextState(s, action);
    if (next !== undefined) out.push({ action, next });
  }
  return out;
}

/**
 * Check a counterexample of `prop` on the real states of `path` (see the module comment).
 * `loopStart` is the lasso's for `eventually`. `stop` is polled during the exact exploration of
 * `reachable`; when it returns true the check gives up with `stopped`.
 */
export function confirmViolation<S, A>(
  model: Model<S, A>,
  prop: Property<S>,
  path: Path<S, A>,
  loopStart: number | undefined,
  stop: () => boolean,
): Confirmation {
  const states = statesOf(path);
  const last = states[states.length - 1]!;
  const verdict = (ok: boolean): Confirmation => (ok ? 'confirmed' : 'refuted');
  switch (prop.kind) {
    case 'always':
      return verdict(inside(model, last) && !prop.holds(last));
    case 'deadlock': {
      const acts: A[] = [];
      model.actions(last, acts);
      return verdict(inside(model, last) && acts.length === 0 && model.threads!(last).some((t) => !t.finished));
    }
    case 'sometimes':
      return 'confirmed'; // a claim about every state: nothing to replay (see the module comment)
    case 'reachable':
      if (!inside(model, last)) return 'refuted';
      return noGoalReachable(model, prop.goal, last, stop);
    case 'eventually': {
      const n = path.steps.length;
      if (loopStart === undefined || !Number.isInteger(loopStart) || loopStart < 0 || loopStart > n) return 'refuted';
      for (const s of states) if (!inside(model, s) || prop.goal(s)) return 'refuted';
      if (loopStart === n) return verdict(transitionsOf(model, last).length === 0);
      if (ExactKeyEncoder.key(model, states[loopStart]!) !== ExactKeyEncoder.key(model, last)) return 'refuted';
      if (prop.fairness === 'weak') {
        // Threads with a transition in every state of the cycle must each act on it.
        let always: number[] | null = null;
        for (let i = loopStart; i < n; i++) {
          const s = states[i]!;
          const here: number[] = transitionsOf(model, s).map((t) => model.actionThread!(t.action, s));
          always = always === null ? here : always.filter((t) => here.includes(t));
        }
        const acted = new Set<number>();
        for (let i = loopStart; i < n; i++) acted.add(model.actionThread!(path.steps[i]!.action, states[i]!));
        for (const t of always ?? []) if (!acted.has(t)) return 'refuted';
      }
      return 'confirmed';
    }
  }
}

/** Check a `sometimes` example on its real last state. */
export function confirmExample<S, A>(model: Model<S, A>, prop: Property<S>, path: Path<S, A>): Confirmation {
  const states = statesOf(path);
  const last = states[states.length - 1]!;
  return prop.kind === 'sometimes' && inside(model, last) && prop.holds(last) ? 'confirmed' : 'refuted';
}

/**
 * Exact exploration from `from`, keyed by full encodings: `confirmed` when no state reachable from
 * it satisfies `goal` (states outside the boundary are not expanded, and count when they satisfy
 * the goal, as in the engine's analysis), `refuted` when one does. Costs, for the states reachable
 * from `from`, one key string each (3 characters per `int` of the encoding, plus the Set's
 * overhead) and the states waiting in the queue, and the time to explore them again.
 */
function noGoalReachable<S, A>(model: Model<S, A>, goal: (s: S) => boolean, from: S, stop: () => boolean): Confirmation {
  const seen = new Set<string>([ExactKeyEncoder.key(model, from)]);
  let queue: S[] = [from];
  let polled = 0;
  while (queue.length > 0) {
    const next: S[] = [];
    for (const s of queue) {
      if (goal(s)) return 'refuted';
      if ((++polled & 255) === 0 && stop()) return 'stopped';
      if (!inside(model, s)) continue;
      for (const t of transitionsOf(model, s)) {
        const k = ExactKeyEncoder.key(model, t.next);
        if (seen.has(k)) continue;
        seen.add(k);
        next.push(t.next);
      }
    }
    queue = next;
  }
  return 'confirmed';
}
