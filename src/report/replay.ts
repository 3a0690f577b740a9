/**
 * Replaying a JSON trace: rebuild the scenario's model, re-execute the recorded steps one by one,
 * compare each state's fingerprint with the recorded one, and confirm the same violation at the end.
 * When the model has changed under the trace, say exactly where the replay diverged.
 */
import { check, Property, type Model } from '../checker/index.ts';
import type { KAction } from '../model/interp.ts';
import type { KernelModel } from '../model/kernel-model.ts';
import type { KState } from '../model/state.ts';
import { explain, scenarioModel, type Finding } from '../properties/index.ts';
import { stateFingerprint, type Trace } from './json.ts';

export type ReplayOutcome =
  | { readonly status: 'confirmed'; readonly finding: Finding; readonly steps: number; readonly model: KernelModel }
  | { readonly status: 'diverged'; readonly step: number; readonly reason: string }
  | { readonly status: 'not-reproduced'; readonly reason: string };

/** The safety and deadlock properties of the model that a single state violates (the end of a replayed path). */
export function violatedIn(m: KernelModel, s: KState): string[] {
  return m
    .properties()
    .filter((p) => (p.kind === 'always' || p.kind === 'deadlock') && violates(m, p.name, [s], [], undefined) === undefined)
    .map((p) => p.name);
}

/** Whether the engine property `name` is violated by the replayed run (`states`: the path's states, initial first). */
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
      if (states.some((s) => prop.goal(s))) return 'a state on the run satisfies the goal';
      if (loopStart === undefined) return 'the trace has no cycle (loopStart)';
      if (loopStart === states.length - 1) {
        const acts: KAction[] = [];
        m.actions(last, acts);
        return acts.length ? 'the run was recorded as ending, but a thread can still move' : undefined;
      }
      if (stateFingerprint(m, states[loopStart]!) !== stateFingerprint(m, last)) return 'the cycle does not return to the state where it began';
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

export function replayTrace(trace: Trace): ReplayOutcome {
  const m = scenarioModel(trace.scenario, { coalesce: trace.options.coalesce });
  let s = m.initStates()[0]!;
  if (stateFingerprint(m, s) !== trace.initial) {
    return { status: 'diverged', step: 0, reason: 'the initial state differs from the recorded one: the scenario or the model changed' };
  }
  const states: KState[] = [s];
  const actions: KAction[] = [];
  for (const [i, st] of trace.steps.entries()) {
    const acts: KAction[] = [];
    m.actions(s, acts);
    const a = acts.find((x) => x.tid === st.tid && x.choice === st.choice);
    if (!a) {
      const who = m.threadName(st.tid);
      const wait = st.tid < s.threads.length ? m.interp.waitOf(s, st.tid) : null;
      return {
        status: 'diverged',
        step: i + 1,
        reason: `${who} cannot take step ${i + 1} (${st.statements[0]?.text ?? '?'})${wait ? `: it waits: ${wait.why}` : s.threads[st.tid]?.frames.length === 0 ? ': it has finished' : ''}`,
      };
    }
    const r = m.step(s, a);
    const fp = stateFingerprint(m, r.state);
    if (fp !== st.fingerprint) {
      const now = r.executed.find((e) => e.op !== 'jump')?.src.text ?? '?';
      return {
        status: 'diverged',
        step: i + 1,
        reason: `the state after step ${i + 1} differs from the recorded one (recorded: ${st.thread} ran "${st.statements[0]?.text ?? '?'}"; now it runs "${now}"): the model changed`,
      };
    }
    s = r.state;
    states.push(s);
    actions.push(a);
  }
  const why = violates(m, trace.property, states, actions, trace.loopStart);
  if (why) return { status: 'not-reproduced', reason: why };
  return { status: 'confirmed', finding: explain(m, trace.property, s), steps: trace.steps.length, model: m };
}
