/**
 * Replaying a JSON trace: rebuild the scenario's model, re-execute each counterexample's recorded
 * steps one by one, compare every re-executed state with the recorded one, and confirm the same
 * violation on the re-executed states. Version 2 traces record each state's full canonical
 * encoding, so the comparison is exact; version 1 traces recorded only 64-bit fingerprints, so a
 * fingerprint collision could go unnoticed there. When the model has changed under the trace, say
 * exactly where the replay diverged.
 */
import { check, Property, StringEncoder, type Model } from '../checker/index.ts';
import type { KAction } from '../model/lang/interp.ts';
import type { KernelModel } from '../model/kernel-model.ts';
import type { KState } from '../model/lang/state.ts';
import { explain, scenarioModel, type Finding } from '../properties/index.ts';
import type { TraceFile } from './json.ts';
import { stateFingerprint } from './trace.ts';

export type ReplayOutcome =
  | { readonly status: 'confirmed'; readonly property: string; readonly finding: Finding; readonly steps: number }
  | { readonly status: 'diverged'; readonly property: string; readonly step: number; readonly reason: string }
  | { readonly status: 'not-reproduced'; readonly property: string; readonly reason: string };

export interface TraceReplay {
  /** The trace's format version: 1 compares fingerprints only, 2 full encodings. */
  readonly version: 1 | 2;
  /** One outcome per counterexample of the trace, in its order. */
  readonly outcomes: readonly ReplayOutcome[];
  readonly model: KernelModel;
}

/**
 * The properties of the model that the end of a replayed path violates on its own: safety and
 * deadlock in that state, and "a goal stays reachable" (`reachable`) by exploring from it. A lasso
 * (`eventually`) needs its cycle, which a token does not carry.
 */
export function violatedIn(m: KernelModel, s: KState): string[] {
  return m
    .properties()
    .filter((p) => (p.kind === 'always' || p.kind === 'deadlock' || p.kind === 'reachable') && violates(m, p.name, [s], [], undefined) === undefined)
    .map((p) => p.name);
}

const encode = (m: KernelModel, s: KState): string => StringEncoder.encode(m, s);

/**
 * Whether the engine property `name` is violated by the replayed run (`states`: the re-executed
 * states of the path, initial first; `actions`: the actions between them). Returns why not, or
 * undefined when it is. Everything is judged on the real states, never on recorded data.
 */
function violates(m: KernelModel, name: string, states: readonly KState[], actions: readonly KAction[], loopStart: number | undefined): string | undefined {
  const prop = m.properties().find((p) => p.name === name);
  if (!prop) return `the scenario no longer has a property named ${name}`;
  const last = states[states.length - 1]!;
  switch (prop.kind) {
    case 'always':
      return prop.holds(last) ? 'the property holds in the last state' : undefined;
    case 'deadlock': {
      const acts: KAction[] = [];
      m.actions(last, acts);
      if (acts.length) return 'a thread can still move in the last state';
      return last.threads.every((t) => t.frames.length === 0) ? 'every thread has finished in the last state' : undefined;
    }
    case 'sometimes':
      return 'a "sometimes" property has no counterexample path to replay';
    case 'reachable': {
      // From the last state, no goal state may be reachable: explore from there.
      const from: Model<KState, KAction> = { ...bindModel(m), initStates: () => [last], properties: () => [Property.always('goal-unreachable', (s: KState) => !prop.goal(s))] };
      const r = check(from, {});
      return r.status === 'pass' ? undefined : r.status === 'violation' ? 'a goal state is reachable from the last state' : 'the reachability check from the last state did not complete';
    }
    case 'eventually': {
      const at = states.findIndex((s) => prop.goal(s));
      if (at >= 0) return `the state ${at === 0 ? 'at the start' : `after step ${at}`} satisfies the goal`;
      if (loopStart === undefined) return 'the trace has no cycle (loopStart)';
      if (loopStart === states.length - 1) {
        const acts: KAction[] = [];
        m.actions(last, acts);
        return acts.length ? 'the run was recorded as ending, but a thread can still move' : undefined;
      }
      // The cycle closes: the real state at loopStart is the last state, value for value.
      if (encode(m, states[loopStart]!) !== encode(m, last)) {
        return `the cycle does not return to the state where it began (the state ${loopStart === 0 ? 'at the start' : `after step ${loopStart}`} differs from the last)`;
      }
      if (prop.fairness === 'weak') {
        const cycle = states.slice(loopStart, states.length - 1);
        const acting = new Set(actions.slice(loopStart).map((a) => a.tid));
        for (let tid = 0; tid < last.threads.length; tid++) {
          if (acting.has(tid)) continue;
          const alwaysEnabled = cycle.every((s) => {
            const acts: KAction[] = [];
            m.actions(s, acts);
            return acts.some((a) => a.tid === tid);
          });
          if (alwaysEnabled) return `${m.threadName(tid)} is enabled all along the cycle but never moves: the cycle is not weakly fair`;
        }
      }
      return undefined;
    }
  }
}

function bindModel(m: KernelModel): Model<KState, KAction> {
  return {
    initStates: () => m.initStates(),
    actions: (s, out) => m.actions(s, out),
    nextState: (s, a) => m.nextState(s, a),
    properties: () => m.properties(),
    formatAction: (a, s) => m.formatAction(a, s),
    formatState: (s) => m.formatState(s),
    encode: (s, e) => m.encode(s, e),
    threads: (s) => m.threads(s),
    actionThread: (a) => m.actionThread(a),
  };
}

/** What replay needs of one recorded counterexample, from either version. */
interface Recorded {
  readonly property: string;
  readonly loopStart?: number;
  readonly initial: { readonly fingerprint: string; readonly encoding?: string };
  readonly steps: readonly {
    readonly tid: number;
    readonly choice: number;
    readonly thread: string;
    readonly statements: readonly { readonly text: string }[];
    readonly fingerprint: string;
    readonly encoding?: string;
  }[];
}

/** Where two encodings first differ: `value 17 (recorded i1, now i0)`. */
function firstDifference(recorded: string, now: string): string {
  const a = recorded.split(',');
  const b = now.split(',');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `value ${i + 1} of its encoding: recorded ${a[i] ?? '(nothing)'}, now ${b[i] ?? '(nothing)'}`;
  }
  return 'its encoding';
}

/** Compare a re-executed state with its record: the full encoding when recorded, and the fingerprint. */
function differs(m: KernelModel, s: KState, rec: Recorded['initial']): string | undefined {
  if (rec.encoding !== undefined) {
    const now = encode(m, s);
    if (now !== rec.encoding) {
      const fp = stateFingerprint(m, s) === rec.fingerprint ? ', although the fingerprints agree' : '';
      return `${firstDifference(rec.encoding, now)}${fp}`;
    }
  }
  if (stateFingerprint(m, s) !== rec.fingerprint) return 'its fingerprint';
  return undefined;
}

function replayOne(m: KernelModel, cx: Recorded): ReplayOutcome {
  const property = cx.property;
  let s = m.initStates()[0]!;
  const d0 = differs(m, s, cx.initial);
  if (d0) return { status: 'diverged', property, step: 0, reason: `the initial state differs from the recorded one (${d0}): the scenario or the model changed` };
  const states: KState[] = [s];
  const actions: KAction[] = [];
  for (const [i, st] of cx.steps.entries()) {
    const acts: KAction[] = [];
    m.actions(s, acts);
    const a = acts.find((x) => x.tid === st.tid && x.choice === st.choice);
    if (!a) {
      const who = st.tid >= 0 && st.tid < s.threads.length ? m.threadName(st.tid) : `thread ${st.tid}`;
      const wait = st.tid >= 0 && st.tid < s.threads.length ? m.interp.waitOf(s, st.tid) : null;
      return {
        status: 'diverged',
        property,
        step: i + 1,
        reason: `${who} cannot take step ${i + 1} (${st.statements[0]?.text ?? '?'})${wait ? `: it waits: ${wait.why}` : s.threads[st.tid]?.frames.length === 0 ? ': it has finished' : ''}`,
      };
    }
    const r = m.step(s, a);
    const d = differs(m, r.state, st);
    if (d) {
      const now = r.executed.find((e) => e.op !== 'jump')?.src.text ?? '?';
      const then = st.statements[0]?.text ?? '?';
      return {
        status: 'diverged',
        property,
        step: i + 1,
        reason: `the state after step ${i + 1} differs from the recorded one (${d}; recorded: ${st.thread} ran "${then}"${now === then ? ', and it still does' : `; now it runs "${now}"`}): the model changed or the trace was edited`,
      };
    }
    s = r.state;
    states.push(s);
    actions.push(a);
  }
  const why = violates(m, property, states, actions, cx.loopStart);
  if (why) return { status: 'not-reproduced', property, reason: why };
  return { status: 'confirmed', property, finding: explain(m, property, s), steps: cx.steps.length };
}

/** Replay every counterexample of a trace file on a model rebuilt from its scenario and options. */
export function replayTrace(trace: TraceFile): TraceReplay {
  if (trace.version === 1) {
    const m = scenarioModel(trace.scenario, { coalesce: trace.options.coalesce });
    const cx: Recorded = { property: trace.property, ...(trace.loopStart === undefined ? {} : { loopStart: trace.loopStart }), initial: { fingerprint: trace.initial }, steps: trace.steps };
    return { version: 1, outcomes: [replayOne(m, cx)], model: m };
  }
  const m = scenarioModel(trace.scenario, { coalesce: trace.options.coalesce, ...(trace.options.properties ? { names: trace.options.properties } : {}) });
  return { version: 2, outcomes: trace.counterexamples.map((cx) => replayOne(m, cx)), model: m };
}
