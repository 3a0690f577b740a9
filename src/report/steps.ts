/**
 * A counterexample's steps as reports show them: for each transition, the thread, every C statement
 * it executed (with function, file and line), and the locks it took or released. The trace
 * (`trace.ts`) records these rows once; the text, JSON and HTML reports are views of it.
 */
import type { Counterexample } from '../checker/index.ts';
import type { ExecutedInstr, KAction } from '../model/lang/interp.ts';
import type { KernelModel } from '../model/kernel-model.ts';
import { holders } from '../model/lang/locks.ts';
import type { KState, LockState } from '../model/lang/state.ts';

export interface StmtRow {
  readonly fn: string;
  readonly file: string;
  readonly line?: number;
  readonly text: string;
  /** What the statement evaluated to, where that says something (a condition, a call, a return value). */
  readonly detail?: string;
  /** The statement only queued the thread on a lock (it runs again later). */
  readonly queued: boolean;
  /**
   * The statement began in an earlier transition of the same thread (this step number) and this
   * transition runs the rest of it: `while (a && !f(x))` tests `a` in one step and calls `f` in the
   * next. Reports show it once, then "continued from step N".
   */
  readonly continues?: number;
}

export interface LockChange {
  readonly lock: string;
  readonly before: string;
  readonly after: string;
}

export interface StepRow {
  /** 1-based transition number; 0 for what a thread ran while the initial state was built ({@link setupRows}). */
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
 * adds (over an else branch, back to a loop's head) and closing braces (the end of a block, the
 * return at the end of a void function) are control flow of its own, not C statements.
 */
function shown(e: ExecutedInstr): boolean {
  if (e.op === 'jump') return /^(goto|break|continue)\b/.test(e.src.text);
  return e.src.text.trim() !== '}';
}

/**
 * The executed instructions as statement rows: one C statement that the compiler split into several
 * instructions run one after the other (a `for`'s initialisation and its first test; each operand
 * of `a && f(b)` and the call in it) is one row, with what each part evaluated to.
 */
function statementRows(executed: readonly ExecutedInstr[], before?: Continuation): StmtRow[] {
  const rows: StmtRow[] = [];
  let prev: ExecutedInstr | undefined;
  for (const e of executed) {
    if (!rows.length && before && shown(e) && before.last.src === e.src && before.last.fn === e.fn && e.pc > before.last.pc) {
      // The rest of the statement the thread's previous transition stopped in.
      rows.push({ fn: e.fn, file: e.file, ...(e.src.line === undefined ? {} : { line: e.src.line }), text: e.src.text, ...(e.detail === undefined ? {} : { detail: e.detail }), queued: e.queued, continues: before.step });
      prev = e;
      continue;
    }
    // A hidden instruction (the jump back to a loop's head) does not separate the parts of a statement.
    if (!shown(e)) continue;
    const last = rows[rows.length - 1];
    if (last && prev && prev.src === e.src && prev.fn === e.fn && !last.queued) {
      const details = [last.detail, e.detail].filter((d): d is string => d !== undefined && d !== '');
      rows[rows.length - 1] = { ...last, ...(details.length ? { detail: details.join('; ') } : {}), queued: e.queued };
    } else {
      rows.push({
        fn: e.fn,
        file: e.file,
        ...(e.src.line === undefined ? {} : { line: e.src.line }),
        text: e.src.text,
        ...(e.detail === undefined ? {} : { detail: e.detail }),
        queued: e.queued,
      });
    }
    prev = e;
  }
  return rows;
}

/** Where a thread's previous transition stopped: its last statement shown, and that step's number. */
export interface Continuation {
  readonly last: ExecutedInstr;
  readonly step: number;
}

/**
 * One transition as a report shows it, and the state it leads to: `m.step` runs once. `index` is
 * the 1-based transition number; `before`, where the thread's previous transition stopped (so that a
 * statement split between the two is shown once). `after` is where this one stops.
 */
export function stepRow(m: KernelModel, s: KState, action: KAction, index: number, before?: Continuation): { readonly row: StepRow; readonly state: KState; readonly after?: Continuation } {
  const r = m.step(s, action);
  const locks = lockChanges(m, s.locks, r.state.locks);
  const row: StepRow = {
    index,
    tid: action.tid,
    thread: m.threadName(action.tid),
    statements: statementRows(r.executed, before),
    locks,
  };
  const last = [...r.executed].reverse().find(shown);
  return { row, state: r.state, ...(last ? { after: { last, step: index } } : {}) };
}

/** The lock changes between two lock tables, as rows show them. */
function lockChanges(m: KernelModel, before: KState['locks'], after: KState['locks']): LockChange[] {
  const out: LockChange[] = [];
  if (before === after) return out;
  for (const k of m.program.lockKeys) {
    const b = lockText(m, before[k]!);
    const a = lockText(m, after[k]!);
    if (b !== a) out.push({ lock: k, before: b, after: a });
  }
  return out;
}

/**
 * What building the initial state ran (coalescing: each thread runs on from its entry as far as
 * nothing another thread or a property can see), as rows numbered 0, one per thread that ran a
 * statement a trace shows; each such thread's continuation into its first transition; and the
 * initial state itself.
 */
export function setupRows(m: KernelModel): { readonly rows: StepRow[]; readonly after: ReadonlyMap<number, Continuation>; readonly state: KState } {
  const r = m.interp.initialRun();
  const rows: StepRow[] = [];
  const after = new Map<number, Continuation>();
  let locks = r.locksBefore;
  r.executed.forEach((executed, tid) => {
    const statements = statementRows(executed);
    const changes = lockChanges(m, locks, r.locksAfter[tid]!);
    locks = r.locksAfter[tid]!;
    if (!statements.length && !changes.length) return;
    rows.push({ index: 0, tid, thread: m.threadName(tid), statements, locks: changes });
    const last = [...executed].reverse().find(shown);
    if (last) after.set(tid, { last, step: 0 });
  });
  return { rows, after, state: r.state };
}

/** Re-running a path step by step: each thread's continuation carried from one of its transitions to its next. */
export class Continuations {
  private readonly byThread: Map<number, Continuation>;

  /** `initial`: where each thread stopped while the initial state was built ({@link setupRows}). */
  constructor(initial: ReadonlyMap<number, Continuation> = new Map()) {
    this.byThread = new Map(initial);
  }
  /** The row of a transition, given the thread's continuation, which it then updates. */
  row(m: KernelModel, s: KState, action: KAction, index: number): { readonly row: StepRow; readonly state: KState } {
    const r = stepRow(m, s, action, index, this.byThread.get(action.tid));
    if (r.after) this.byThread.set(action.tid, r.after);
    else this.byThread.delete(action.tid);
    return r;
  }
}

/**
 * Re-run a path's transitions to recover what each executed. Reports do not call this: they read
 * the trace (`trace.ts`), which re-runs each path once; tests use it to look at a path's statements.
 */
export function stepRows(m: KernelModel, cx: Pick<Counterexample<KState, KAction>, 'path'>): StepRow[] {
  const setup = setupRows(m);
  const rows: StepRow[] = [...setup.rows];
  const cont = new Continuations(setup.after);
  let s = cx.path.init;
  cx.path.steps.forEach((st, i) => {
    const r = cont.row(m, s, st.action, i + 1);
    rows.push(r.row);
    s = r.state;
  });
  return rows;
}
