/**
 * A counterexample's steps as reports show them: for each transition, the thread, every C statement
 * it executed (with function, file and line), and the locks it took or released. The trace
 * (`trace.ts`) records these rows once; the text, JSON and HTML reports are views of it.
 */
import type { Counterexample } from '../checker/index.ts';
import type { ExecutedInstr, KAction } from '../model/interp.ts';
import type { KernelModel } from '../model/kernel-model.ts';
import { holders } from '../model/locks.ts';
import type { KState, LockState } from '../model/state.ts';

export interface StmtRow {
  readonly fn: string;
  readonly file: string;
  readonly line?: number;
  readonly text: string;
  /** What the statement evaluated to, where that says something (a condition, a call, a return value). */
  readonly detail?: string;
  /** The statement only queued the thread on a lock (it runs again later). */
  readonly queued: boolean;
}

export interface LockChange {
  readonly lock: string;
  readonly before: string;
  readonly after: string;
}

export interface StepRow {
  /** 1-based transition number. */
  readonly index: number;
  readonly tid: number;
  readonly thread: string;
  readonly statements: readonly StmtRow[];
  readonly locks: readonly LockChange[];
}

function lockText(m: KernelModel, l: LockState): string {
  return holders(l, (t) => m.threadName(t));
}

/**
 * Whether a statement belongs in a trace: `goto`, `break` and `continue` do; the jumps the compiler
 * adds (over an else branch, back to a loop's head) and closing braces are control flow of its own.
 */
function shown(e: ExecutedInstr): boolean {
  if (e.op === 'jump') return /^(goto|break|continue)\b/.test(e.src.text);
  return !(e.op === 'exec' && e.src.text === '}');
}

/**
 * One transition as a report shows it, and the state it leads to: `m.step` runs once. `index` is
 * the 1-based transition number.
 */
export function stepRow(m: KernelModel, s: KState, action: KAction, index: number): { readonly row: StepRow; readonly state: KState } {
  const r = m.step(s, action);
  const locks: LockChange[] = [];
  for (const k of m.program.lockKeys) {
    const before = lockText(m, s.locks[k]!);
    const after = lockText(m, r.state.locks[k]!);
    if (before !== after) locks.push({ lock: k, before, after });
  }
  const row: StepRow = {
    index,
    tid: action.tid,
    thread: m.threadName(action.tid),
    statements: r.executed.filter(shown).map((e) => ({
      fn: e.fn,
      file: e.file,
      ...(e.src.line === undefined ? {} : { line: e.src.line }),
      text: e.src.text,
      ...(e.detail === undefined ? {} : { detail: e.detail }),
      queued: e.queued,
    })),
    locks,
  };
  return { row, state: r.state };
}

/**
 * Re-run a path's transitions to recover what each executed. Reports do not call this: they read
 * the trace (`trace.ts`), which re-runs each path once; tests use it to look at a path's statements.
 */
export function stepRows(m: KernelModel, cx: Pick<Counterexample<KState, KAction>, 'path'>): StepRow[] {
  const rows: StepRow[] = [];
  let s = cx.path.init;
  cx.path.steps.forEach((st, i) => {
    const r = stepRow(m, s, st.action, i + 1);
    rows.push(r.row);
    s = r.state;
  });
  return rows;
}
