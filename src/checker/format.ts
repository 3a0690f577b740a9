/**
 * Turning results into text, for terminals, test failures and mails. Results stay data
 * (`result.ts`); everything here is presentation.
 */
import type { Model, Property, PropertyKind, ThreadInfo } from './model.ts';
import type { CheckResult, Counterexample, IncompleteReason, Path, Stats, Verdict } from './result.ts';

export interface FormatOptions {
  /** Include elapsed time and states/s in the stats (default true; off for stable snapshots). */
  readonly elapsed?: boolean;
  /** Show the state after every step, not only the first and the last (default false). */
  readonly allStates?: boolean;
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => (line.length > 0 ? prefix + line : line))
    .join('\n');
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

function kindLabel<S>(kind: PropertyKind, prop: Property<S> | undefined): string {
  if (kind === 'eventually' && prop?.kind === 'eventually') return `eventually, ${prop.fairness === 'weak' ? 'weak fairness' : 'no fairness'}`;
  if (kind === 'reachable') return 'always reachable';
  return kind;
}

function findProperty<S>(model: Model<S, unknown>, name: string): Property<S> | undefined {
  return model.properties().find((p) => p.name === name);
}

const REASONS: Record<IncompleteReason, string> = {
  'max-states': 'the state bound (maxStates) was reached',
  'max-depth': 'the depth bound (maxDepth) cut off transitions',
  time: 'the time budget (timeMs) ran out',
  interrupted: 'interrupted',
  random: 'random walks cover only part of the state space, so nothing is proved',
  collision:
    'a counterexample found on 64-bit fingerprints did not hold when re-executed on the real states (two states share a fingerprint, ' +
    'or the model is not deterministic); that property is left undecided',
};

/** What a violation of each kind means, as the line under the header. */
function meaning<S>(ce: Counterexample<S, unknown>, prop: Property<S> | undefined): string {
  switch (ce.kind) {
    case 'always':
      return 'The path below reaches a state where the property is false.';
    case 'deadlock':
      return 'The path below reaches a state where no action is enabled and some thread has not finished.';
    case 'sometimes':
      return 'No reachable state satisfies the property (the whole state space was explored).';
    case 'reachable':
      return 'From the last state of the path below, no state satisfying the goal is reachable.';
    case 'eventually': {
      const fair = prop?.kind === 'eventually' && prop.fairness === 'weak' ? ' and is weakly fair to every thread' : '';
      return `The run below never reaches the goal${fair}: a prefix, then a cycle repeated forever.`;
    }
  }
}

function formatThreads(threads: readonly ThreadInfo[]): string {
  const lines = threads.map((t, i) => {
    const status = t.finished ? 'finished' : t.waitingFor !== undefined ? `waiting for ${t.waitingFor}` : 'running';
    const at = t.location !== undefined ? `, at ${t.location}` : '';
    return `  #${i} ${t.name}: ${status}${at}`;
  });
  return lines.join('\n');
}

/** Render a path: the initial state, numbered steps, the last state; marks a lasso's cycle. */
export function formatPath<S, A>(model: Model<S, A>, path: Path<S, A>, loopStart?: number, options: FormatOptions = {}): string {
  const out: string[] = [];
  const n = path.steps.length;
  out.push('  0. initial state');
  out.push(indent(model.formatState(path.init), '       '));
  if (loopStart === 0 && n > 0) out.push('  ── cycle starts here (the initial state) ──');
  let prev = path.init;
  for (let i = 0; i < n; i++) {
    const step = path.steps[i]!;
    out.push(`  ${i + 1}. ${model.formatAction(step.action, prev)}`);
    if (options.allStates && i + 1 < n) out.push(indent(model.formatState(step.state), '       '));
    if (loopStart !== undefined && loopStart === i + 1 && i + 1 < n) out.push(`  ── cycle starts here (the state after step ${i + 1}) ──`);
    prev = step.state;
  }
  if (loopStart !== undefined) {
    if (loopStart === n) {
      out.push(`  ── the run ends here: no transition is possible after ${n === 0 ? 'the initial state' : `step ${n}`}; it stays there forever ──`);
    } else {
      out.push(`  ── back to ${loopStart === 0 ? 'the initial state' : `the state after step ${loopStart}`}: the cycle repeats forever ──`);
    }
  }
  if (n > 0) {
    out.push(`Last state (after step ${n}):`);
    out.push(indent(model.formatState(prev), '  '));
  }
  return out.join('\n');
}

/** Render one counterexample: header, meaning, the path, threads, the replay token. */
export function formatCounterexample<S, A>(model: Model<S, A>, ce: Counterexample<S, A>, options: FormatOptions = {}): string {
  const prop = findProperty(model, ce.property);
  const out: string[] = [];
  out.push(`Property "${ce.property}" (${kindLabel(ce.kind, prop)}) is violated.`);
  out.push(meaning(ce, prop));
  if (ce.kind !== 'sometimes') {
    const n = ce.path.steps.length;
    let shape = plural(n, 'step');
    if (ce.loopStart !== undefined) {
      shape =
        ce.loopStart === n
          ? `${plural(n, 'step')} to a state with no transition`
          : `a prefix of ${plural(ce.loopStart, 'step')}, then a cycle of ${plural(n - ce.loopStart, 'step')}`;
    }
    out.push('');
    out.push(`Counterexample (${shape}):`);
    out.push(formatPath(model, ce.path, ce.loopStart, options));
    if (ce.threads !== undefined && ce.threads.length > 0) {
      out.push(`Threads in the last state:`);
      out.push(formatThreads(ce.threads));
    }
  }
  out.push(`Replay token: ${ce.path.token}`);
  return out.join('\n');
}

function formatVerdicts<S, A>(model: Model<S, A>, verdicts: readonly Verdict<S, A>[]): string {
  const lines = verdicts.map((v) => {
    const prop = findProperty(model, v.property);
    let extra = '';
    if (v.status === 'holds' && v.example !== undefined) extra = ` (example: ${plural(v.example.steps.length, 'step')}, token ${v.example.token})`;
    return `  ${v.status.padEnd(8)} ${v.property} (${kindLabel(v.kind, prop)})${extra}`;
  });
  return ['Properties:', ...lines].join('\n');
}

/** The figures of an exploration, one line. */
export function formatStats(stats: Stats, options: FormatOptions = {}): string {
  const parts = [
    `${plural(stats.states, 'state')}`,
    `${plural(stats.transitions, 'transition')}`,
    `depth ${stats.maxDepth}`,
    `visited set ${stats.visitedBytes.toLocaleString('en-US')} B` +
      (stats.states > 0 ? ` (${(stats.visitedBytes / stats.states).toFixed(1)} B/state)` : ''),
  ];
  if (stats.livenessBytes > 0) parts.push(`liveness ${stats.livenessBytes.toLocaleString('en-US')} B`);
  if (options.elapsed !== false) {
    const s = stats.elapsedMs / 1000;
    const rate = s > 0 ? Math.round(stats.states / s) : 0;
    parts.push(`${s.toFixed(2)} s (${rate.toLocaleString('en-US')} states/s)`);
  }
  return `Stats: ${parts.join(', ')}`;
}

/** The whole result as text: summary, every counterexample, the verdicts, the stats. */
export function formatResult<S, A>(model: Model<S, A>, result: CheckResult<S, A>, options: FormatOptions = {}): string {
  const out: string[] = [];
  switch (result.status) {
    case 'pass':
      out.push(`PASS: all ${plural(result.verdicts.length, 'property', 'properties')} hold over the whole state space.`);
      break;
    case 'violation': {
      const n = result.violations.length;
      out.push(
        `VIOLATION: ${plural(n, 'property', 'properties')} violated` +
          (result.complete ? ' (the whole state space was explored).' : ' (exploration stopped at the first).'),
      );
      break;
    }
    case 'incomplete':
      out.push(
        `INCOMPLETE: ${REASONS[result.reason]}. ` +
          (result.violations.length > 0
            ? `${plural(result.violations.length, 'violation')} found in the part explored.`
            : 'No violation in the part explored; that is not a proof.'),
      );
      break;
  }
  const violations = result.status === 'pass' ? [] : result.violations;
  for (const ce of violations) {
    out.push('');
    out.push(formatCounterexample(model, ce, options));
  }
  out.push('');
  out.push(formatVerdicts(model, result.verdicts));
  out.push(formatStats(result.stats, options));
  return out.join('\n');
}
