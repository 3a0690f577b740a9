/**
 * A scenario as a {@link Model} the engine explores: states are {@link KState} Immer snapshots,
 * actions are thread steps.
 */
import type { Encoder, Model, Property, ThreadInfo } from '../checker/model.ts';
import { holders } from './locks.ts';
import { Interpreter, type ExecutedInstr, type KAction, type StepResult } from './interp.ts';
import type { Program } from './program.ts';
import { NON_OWNER, type KState, type LockState, type Value } from './state.ts';

export interface KernelModelOptions {
  /** Coalesce steps no other thread can observe (default true; see interp.ts). */
  readonly coalesce?: boolean;
  readonly properties?: readonly Property<KState>[];
}

const OP_KIND = { invalidate_range_start: 1, invalidate_range_end: 2, release: 3 } as const;

function encodeValue(e: Encoder, v: Value): void {
  if (v === null) e.int(0);
  else if (typeof v === 'number') {
    e.int(1);
    e.int(v);
  } else {
    e.int(2);
    e.str(v);
  }
}

export class KernelModel implements Model<KState, KAction> {
  readonly interp: Interpreter;
  private props: readonly Property<KState>[];

  constructor(
    readonly program: Program,
    options: KernelModelOptions = {},
  ) {
    this.interp = new Interpreter(program, options.coalesce === undefined ? {} : { coalesce: options.coalesce });
    this.props = options.properties ?? [];
  }

  initStates(): readonly KState[] {
    return [this.interp.initial()];
  }

  actions(state: KState, out: KAction[]): void {
    this.interp.actions(state, out);
  }

  nextState(state: KState, action: KAction): KState {
    return this.interp.next(state, action);
  }

  /** The full step: executed statements and the shared variables read and written. */
  step(state: KState, action: KAction): StepResult {
    return this.interp.step(state, action);
  }

  properties(): readonly Property<KState>[] {
    return this.props;
  }

  /** Set the properties (they usually need the model itself to evaluate: see src/properties). */
  setProperties(props: readonly Property<KState>[]): void {
    this.props = props;
  }

  threadName(tid: number): string {
    return this.interp.threadName(tid);
  }

  /** `[thread] function(): C text` of the statement the action starts with. */
  formatAction(action: KAction, state: KState): string {
    const cur = this.interp.current(state, action.tid);
    const who = this.threadName(action.tid);
    if (!cur) return `[${who}] (finished)`;
    const choice = this.interp.choiceCall(cur.instr) ? ` [outcome ${action.choice}]` : '';
    return `[${who}] ${cur.fn.def.name}(): ${cur.instr.src.text}${choice}`;
  }

  /** Where a thread is: `function() at file: C text`. */
  location(state: KState, tid: number): string | undefined {
    const cur = this.interp.current(state, tid);
    if (!cur) return undefined;
    return `${cur.fn.def.name}() at ${cur.fn.def.file}${cur.instr.src.line ? `:${cur.instr.src.line}` : ''}: ${cur.instr.src.text}`;
  }

  threads(state: KState): readonly ThreadInfo[] {
    return state.threads.map((t, tid) => {
      const finished = t.frames.length === 0;
      const w = finished ? null : this.interp.waitOf(state, tid);
      const loc = this.location(state, tid);
      return {
        name: this.threadName(tid),
        finished,
        ...(w ? { waitingFor: w.why } : {}),
        ...(loc ? { location: loc } : {}),
      };
    });
  }

  actionThread(action: KAction): number {
    return action.tid;
  }

  /** Every lock that is not free, with its holders and waiters. */
  heldLocks(state: KState): { lock: string; state: string }[] {
    const name = (t: number): string => this.threadName(t);
    return this.program.lockKeys
      .map((k) => ({ k, l: state.locks[k]! }))
      .filter(({ l }) => !isFree(l))
      .map(({ k, l }) => ({ lock: k, state: holders(l, name) }));
  }

  formatState(state: KState): string {
    const lines: string[] = [];
    state.threads.forEach((t, tid) => {
      const info = this.threads(state)[tid]!;
      lines.push(`${info.name}: ${info.finished ? 'finished' : info.location}${info.waitingFor ? `  [waits: ${info.waitingFor}]` : ''}`);
      void t;
    });
    for (const h of this.heldLocks(state)) lines.push(`lock ${h.lock}: ${h.state}`);
    const changed = this.program.memKeys.filter((k) => state.mem[k] !== this.program.spec.mem[k]);
    if (changed.length) lines.push(`changed: ${changed.map((k) => `${k}=${String(state.mem[k])}`).join(', ')}`);
    if (state.pairs.length) {
      lines.push(`open pairs: ${state.pairs.map((p) => `${this.threadName(p.tid)}:${p.nid}[${p.start},${p.end})${p.blockable ? '' : ' nonblock'}${p.ret ? ` ret=${p.ret}` : ''}`).join(', ')}`);
    }
    return lines.join('\n');
  }

  encode(state: KState, e: Encoder): void {
    e.int(state.threads.length);
    for (const t of state.threads) {
      e.int(t.frames.length);
      e.int(t.srcu);
      for (const f of t.frames) {
        e.int(f.fn);
        e.int(f.pc);
        e.int(f.dest);
        e.int(f.ctx);
        if (f.op) {
          e.int(OP_KIND[f.op.kind]);
          e.str(f.op.nid);
          e.int(f.op.start);
          e.int(f.op.end);
          e.int(f.op.blockable);
        } else e.int(0);
        e.int(f.locals.length);
        for (const v of f.locals) encodeValue(e, v);
      }
    }
    for (const k of this.program.memKeys) encodeValue(e, state.mem[k]!);
    for (const k of this.program.lockKeys) {
      const l = state.locks[k]!;
      switch (l.kind) {
        case 'mutex':
        case 'spin':
          e.int(l.owner);
          break;
        case 'rwsem':
          e.int(l.writer);
          e.int(l.readers.length);
          for (const r of l.readers) e.int(r);
          e.int(l.waiters.length);
          for (const w of l.waiters) {
            e.int(w.tid);
            e.bool(w.write);
          }
          break;
      }
    }
    e.int(state.pairs.length);
    for (const p of state.pairs) {
      e.int(p.tid);
      e.str(p.nid);
      e.int(p.start);
      e.int(p.end);
      e.int(p.blockable);
      e.int(p.ret);
    }
  }
}

function isFree(l: LockState): boolean {
  return l.kind === 'rwsem' ? l.writer === -1 && l.readers.length === 0 && l.waiters.length === 0 : l.owner === -1;
}

export type { ExecutedInstr, KAction };
export { NON_OWNER };
