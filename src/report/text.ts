/**
 * Counterexamples as text, in the manner of the kernel's own reports: a header that names the
 * finding, the numbered interleaving that led there (thread, function, C statement and file, locks
 * taken and released), the final state (who holds what, who waits for what, the reaper's attempts),
 * and the token that replays the run.
 */
import type { Counterexample } from '../checker/index.ts';
import type { KAction } from '../model/interp.ts';
import type { KernelModel } from '../model/kernel-model.ts';
import type { KState } from '../model/state.ts';
import { explain } from '../properties/index.ts';
import { heldLines } from '../properties/util.ts';
import type { ScenarioRun } from './run.ts';
import { stepRows, type StepRow } from './steps.ts';

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
      out.push(`${pad}    ${st.text}${tail ? `   ${tail}` : ''}`);
    });
    for (const l of r.locks) out.push(`${pad}    [${l.lock}: ${l.before} -> ${l.after}]`);
  }
  if (loopStart !== undefined && loopStart === rows.length) out.push('  ---- from here no thread can move: the run ends and stays here ----');
  return out;
}

/** The final state summary. */
export function formatFinalState(m: KernelModel, s: KState): string[] {
  const out = ['threads:'];
  for (const t of m.threads(s)) {
    out.push(`  ${t.name}: ${t.finished ? 'finished' : (t.location ?? '?')}`);
    if (t.waitingFor) out.push(`      waits: ${t.waitingFor}`);
  }
  out.push('locks held:', ...heldLines(m, s));
  if (m.program.spec.mem['oom.pending']) {
    out.push(
      `oom: reaper attempts ${String(s.mem['ghost.calls_oom_reap_task_mm'])} (obstructed ${String(s.mem['ghost.oom_obstructed_attempts'])}), MMF_OOM_SKIP ${s.mem['mm.flags.MMF_OOM_SKIP'] ? 'set' : 'clear'}`,
    );
  }
  if (s.pairs.length) {
    out.push(
      'invalidations open (start returned, end owed):',
      ...s.pairs.map((p) => `  ${m.threadName(p.tid)}: ${p.nid} [${p.start}, ${p.end}) ${p.blockable ? 'blockable' : 'non-blockable'}, start returned ${p.ret}`),
    );
  }
  return out;
}

export interface Labels {
  readonly scenario: string;
  readonly variant?: string;
}

/** One counterexample, complete. */
export function formatCounterexample(m: KernelModel, cx: Counterexample<KState, KAction>, labels: Labels): string {
  const last = cx.path.steps.length ? cx.path.steps[cx.path.steps.length - 1]!.state : cx.path.init;
  const finding = explain(m, cx.property, last);
  const rows = stepRows(m, cx);
  const variant = labels.variant === undefined ? '' : ` (variant ${labels.variant})`;
  const lines = [
    RULE,
    finding.header,
    RULE,
    `scenario: ${labels.scenario}${variant}, core ${m.program.spec.core}; property: ${cx.property}`,
    '',
    ...finding.details,
    '',
    cx.loopStart !== undefined
      ? `The run (${rows.length} steps; a prefix, then a cycle that never reaches the goal):`
      : `The interleaving that leads there (${rows.length} steps):`,
    ...formatSteps(rows, cx.loopStart),
    '',
    'State at the end:',
    ...formatFinalState(m, last).map((l) => `  ${l}`),
    '',
    `replay token: ${cx.path.token}`,
    `  (mnc replay --token '${cx.path.token}' ${labels.scenario}${labels.variant === undefined ? '' : ` --variant ${labels.variant}`})`,
  ];
  return lines.join('\n');
}

/** A whole run: a summary line per property, then every counterexample. */
export function formatRun(run: ScenarioRun, labels: Labels): string {
  const r = run.result;
  const out: string[] = [];
  const variant = labels.variant === undefined ? '' : ` (variant ${labels.variant})`;
  out.push(`${labels.scenario}${variant}: core ${run.model.program.spec.core}, ${r.stats.states} states, ${r.stats.transitions} transitions, ${(r.stats.elapsedMs / 1000).toFixed(2)} s`);
  for (const v of r.verdicts) out.push(`  ${v.status === 'holds' ? 'ok  ' : v.status === 'violated' ? 'FAIL' : '?   '} ${v.property}`);
  if (r.status === 'incomplete') out.push(`INCOMPLETE: exploration stopped (${r.reason}); properties marked ? are undecided.`);
  const cxs = r.status === 'pass' ? [] : r.violations;
  for (const cx of cxs) out.push('', formatCounterexample(run.model, cx, labels));
  return out.join('\n');
}
