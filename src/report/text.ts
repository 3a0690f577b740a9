/**
 * The trace as text, in the manner of the kernel's own reports: per counterexample a header that
 * names the finding, the numbered interleaving that led there (thread, function, C statement and
 * file, locks taken and released), the final state (who holds what, who waits for what, the
 * reaper's attempts), and the command that replays the path. Everything comes from the trace value
 * (`trace.ts`): nothing here runs the model.
 */
import type { StepRow } from './steps.ts';
import { replayCommand, type Trace, type TraceCounterexample } from './trace.ts';

const RULE = '='.repeat(78);

function where(file: string, line: number | undefined): string {
  return line === undefined ? file : `${file}:${line}`;
}

/**
 * The numbered interleaving: one block per transition, its statements grouped by the function they
 * are in, each with what it evaluated to, and the locks the transition changed.
 */
export function formatSteps(rows: readonly StepRow[], loopStart?: number): string[] {
  const out: string[] = [];
  const tw = Math.max(6, ...rows.map((r) => r.thread.length));
  const pad = ' '.repeat(tw + 7);
  for (const r of rows) {
    if (loopStart !== undefined && r.index === loopStart + 1) out.push('  ---- the cycle starts here and repeats forever ----');
    let fn = '';
    r.statements.forEach((st, i) => {
      const lead = i === 0 ? `  ${String(r.index).padStart(3)}. ${r.thread.padEnd(tw)} ` : pad;
      if (st.fn !== fn) {
        out.push(`${lead}${st.fn}()  [${where(st.file, st.line)}]`);
        fn = st.fn;
      } else if (i === 0) out.push(lead.trimEnd());
      const tail = [st.detail && st.detail !== '0' ? `=> ${st.detail}` : '', st.queued ? '(sleeps: queued on the lock)' : ''].filter(Boolean).join(' ');
      const cont = st.continues === 0 ? '(continued from the initial state)' : `(continued from step ${st.continues})`;
      out.push(`${pad}    ${st.continues === undefined ? st.text : cont}${tail ? `   ${tail}` : ''}`);
    });
    for (const l of r.locks) out.push(`${pad}    [${l.lock}: ${l.before} -> ${l.after}]`);
  }
  if (loopStart !== undefined && loopStart === rows.length) out.push('  ---- from here no thread can move: the run ends and stays here ----');
  return out;
}

/**
 * What the threads ran while the initial state was built (`TraceCounterexample.setup`), as a block
 * that precedes the interleaving; nothing when they ran nothing shown.
 */
export function formatSetup(rows: readonly StepRow[] | undefined): string[] {
  if (!rows?.length) return [];
  return ['Before step 1, while the initial state is built, each thread runs on as far as nothing another thread or a check can see:', ...formatSteps(rows), ''];
}

/** The final state summary. */
export function formatFinalState(end: Pick<TraceCounterexample, 'final' | 'held' | 'oom' | 'open'>): string[] {
  const out = ['threads:'];
  for (const t of end.final) {
    out.push(`  ${t.name}: ${t.finished ? (t.location ?? 'finished') : (t.location ?? '?')}`);
    if (t.waitingFor) out.push(`      waits: ${t.waitingFor}`);
  }
  out.push('locks held:', ...(end.held.length ? end.held.map((h) => `  ${h.lock}: ${h.state}`) : ['  (no lock is held)']));
  if (end.oom) {
    out.push(`oom: reaper attempts ${end.oom.attempts} (obstructed ${end.oom.obstructed}), MMF_OOM_SKIP ${end.oom.mmfOomSkip ? 'set' : 'clear'}`);
  }
  if (end.open.length) {
    out.push(
      'invalidations open (start returned, end owed):',
      ...end.open.map((p) => `  ${p.thread}: ${p.notifier} [${p.start}, ${p.end}) ${p.blockable ? 'blockable' : 'non-blockable'}, start returned ${p.ret}`),
    );
  }
  return out;
}

/** `name (variant v)` */
function label(trace: Pick<Trace, 'scenario' | 'variant'>): string {
  return `${trace.scenario.name}${trace.variant === undefined ? '' : ` (variant ${trace.variant})`}`;
}

/** What was checked: `core v4.19, amdgpu0 amdgpu@clarify, kvm0 kvm@v4.19` (the notifiers when the trace records them). */
export function configuration(trace: Pick<Trace, 'core' | 'notifiers'>): string {
  const ns = trace.notifiers;
  if (ns === undefined) return `core ${trace.core}`;
  return `core ${trace.core}, ${ns.length ? ns.map((n) => `${n.id} ${n.use}`).join(', ') : 'no notifier'}`;
}

/** One counterexample of the trace, complete. */
export function formatCounterexample(trace: Trace, cx: TraceCounterexample): string {
  const lines = [
    RULE,
    cx.finding.header,
    RULE,
    `scenario: ${label(trace)}, ${configuration(trace)}; property: ${cx.property}`,
    '',
    ...cx.finding.details,
    '',
    ...formatSetup(cx.setup),
    cx.loopStart !== undefined
      ? `The run (${cx.steps.length} steps; a prefix, then a cycle that never reaches the goal):`
      : `The interleaving that leads there (${cx.steps.length} steps):`,
    ...formatSteps(cx.steps, cx.loopStart),
    '',
    'State at the end:',
    ...formatFinalState(cx).map((l) => `  ${l}`),
    '',
    `replay token: ${cx.token}`,
    `  (${replayCommand(trace, cx.token)})`,
  ];
  return lines.join('\n');
}

const MARK = { holds: 'ok  ', violated: 'FAIL', unknown: '?   ' } as const;

/**
 * The run's summary: one line for the run, one per engine property with its verdict, and what a
 * run that stopped early did not decide.
 */
export function formatSummary(trace: Trace): string[] {
  const r = trace.run;
  const out = [`${label(trace)}: ${configuration(trace)}; ${r.states} states, ${r.transitions} transitions, ${r.seconds.toFixed(2)} s`];
  for (const n of trace.notes ?? []) out.push(`  note: ${n}`);
  for (const v of r.verdicts) out.push(`  ${MARK[v.status] ?? '?   '} ${v.property}`);
  for (const n of r.notApplicable ?? []) out.push(`  -    ${n.property} (does not apply: ${n.reason})`);
  const undecided = r.verdicts.filter((v) => v.status === 'unknown').length;
  if (r.status === 'incomplete' && r.reason === 'collision') {
    out.push(
      'INCOMPLETE: a counterexample did not hold when re-executed on the real states: two states shared a 64-bit fingerprint (docs/checker.md, "Fingerprints and collisions"); properties marked ? are undecided.',
    );
  } else if (r.status === 'incomplete') out.push(`INCOMPLETE: exploration stopped (${r.reason ?? 'unknown reason'}); properties marked ? are undecided.`);
  else if (!r.all && undecided) {
    out.push(`Stopped at the first violation: the ${undecided} ${undecided === 1 ? 'property' : 'properties'} marked ? ${undecided === 1 ? 'is' : 'are'} undecided; --all goes on and shows a ${r.strategy === 'bfs' ? 'shortest ' : ''}counterexample of every violated property.`);
  }
  return out;
}

/** A whole trace: the run's summary, then every counterexample in full. */
export function formatTrace(trace: Trace): string {
  const out = formatSummary(trace);
  const n = trace.counterexamples.length;
  if (n > 1) out.push('', `${n} counterexamples follow, one per violated property:`);
  trace.counterexamples.forEach((cx) => out.push('', formatCounterexample(trace, cx)));
  return out.join('\n');
}
