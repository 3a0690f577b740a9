/**
 * The HTML trace viewer: one self-contained page for a trace (`Trace`, the same value `--json`
 * writes, with every counterexample of the run). The page embeds the trace as JSON and draws it with
 * a small plain-DOM script: a bar with one tab per counterexample (click, or n/p and 1-9), the
 * current one's finding at the top, one lane per thread with the steps in order as rows, a strip
 * per lock showing who holds it after each step, the violating step (and a lasso's cycle) marked, and
 * a detail pane for the current step that the keyboard moves (ArrowDown/j, ArrowUp/k, Home, End).
 * A counterexample opens at its violating step (unless the fragment names another). The finding is
 * shown whole (the page scrolls when it is long); lane headers wrap rather than clip; below 1100 px
 * the detail pane goes under the steps, so the lanes and lock strips get the page's width and scroll
 * sideways within it when they need more.
 *
 * Nothing is loaded from the network: CSS and JS are inline, there are no fonts or images, and the
 * page's Content-Security-Policy forbids every fetch (`default-src 'none'`).
 */
import type { Trace } from './json.ts';

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON for the inside of a `<script>` element: `<`, `>` and `&` become `\u003c`, `\u003e`,
 * `\u0026` (still valid JSON, parsed back to the same strings), so no string in the value can close
 * the element (`</script>`) or open a comment (`<!--`); U+2028 and U+2029 are escaped as well.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The viewer's style sheet. Colours are CSS variables; a dark variant follows the system setting. */
export const VIEWER_CSS = String.raw`
:root {
  --bg: #ffffff; --fg: #1b1f24; --muted: #5b6470; --faint: #8a929c; --line: #d5d9de; --lane-line: #e6e9ec;
  --head-bg: #f3f4f6; --code: #10151b; --comment: #2f7a3b; --bug: #b3141b; --bug-bg: #fdecec;
  --cur-bg: #fff4c2; --cur-line: #c99a00; --cycle: #7a3fc4; --cycle-bg: #f3ecfc; --lockchg: #8a4b00;
  --t0: #1f5fd1; --t1: #b4430f; --t2: #17803a; --t3: #8a3fc4; --t4: #0f7a86; --t5: #a8236b; --t6: #6b6f00; --t7: #5a5f66;
  --mono: ui-monospace, "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace;
  --fs: 12px;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #15181c; --fg: #dde1e6; --muted: #9aa3ad; --faint: #6f7882; --line: #343a41; --lane-line: #262b31;
    --head-bg: #1d2126; --code: #eef1f4; --comment: #7cc48a; --bug: #ff6b6b; --bug-bg: #3a1d1f;
    --cur-bg: #3a3314; --cur-line: #e0b400; --cycle: #b98cff; --cycle-bg: #2a2138; --lockchg: #f0a34a;
    --t0: #6ea2ff; --t1: #ff9a5c; --t2: #5fcf7f; --t3: #c59bff; --t4: #4fd0dc; --t5: #ff7ab8; --t6: #d0d45a; --t7: #aab0b8;
  }
}
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body {
  display: flex; flex-direction: column; background: var(--bg); color: var(--fg);
  font: var(--fs)/1.35 var(--mono);
}
code, pre { font-family: var(--mono); font-size: var(--fs); }
header#top { flex: none; border-bottom: 1px solid var(--line); padding: 5px 10px; }
#headline { display: flex; flex-wrap: wrap; align-items: baseline; gap: 2px 24px; }
#finding-header { flex: 1 1 auto; color: var(--bug); font-weight: bold; font-size: 13px; margin: 0; }
#meta { display: flex; flex-wrap: wrap; justify-content: flex-end; gap: 0 14px; margin: 0; }
#meta div { white-space: nowrap; }
#meta dt { display: inline; color: var(--muted); }
#meta dd { display: inline; margin: 0 0 0 0.6ch; }
#finding-details { margin: 3px 0 2px; }
#finding-details div { white-space: pre-wrap; overflow-wrap: anywhere; padding-left: 4ch; text-indent: -4ch; }
#desc { color: var(--muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
#cxbar { display: flex; flex-wrap: wrap; gap: 4px; margin: 0 0 4px; padding: 0; list-style: none; }
#cxbar button {
  font: inherit; color: var(--muted); background: var(--head-bg); border: 1px solid var(--line); border-radius: 3px;
  padding: 1px 8px; cursor: pointer;
}
#cxbar button[aria-selected="true"] { color: var(--bug); border-color: var(--bug); background: var(--bug-bg); font-weight: bold; }
#cxbar .n { color: var(--faint); margin-right: 0.6ch; }
/* At least this much for the steps: a long finding makes the page scroll instead of hiding lines. */
main { flex: 1 1 auto; min-height: max(45vh, 280px); display: flex; }
#trace { flex: 1 1 auto; min-width: 0; overflow: auto; position: relative; }
#detail { flex: 0 0 430px; overflow: auto; border-left: 1px solid var(--line); padding: 6px 10px 12px; }
/* Narrow windows: the detail pane under the steps, so that the lanes and lock strips keep the width. */
@media (max-width: 1100px) {
  main { flex-direction: column; }
  #trace { flex: 1 1 62%; min-height: 0; }
  #detail { flex: 0 0 38%; min-height: 0; border-left: none; border-top: 1px solid var(--line); }
}
footer { flex: none; border-top: 1px solid var(--line); padding: 3px 10px; color: var(--muted); display: flex; gap: 18px; }
kbd { border: 1px solid var(--line); border-radius: 3px; padding: 0 3px; background: var(--head-bg); font-family: var(--mono); }

table#steps { border-collapse: separate; border-spacing: 0; width: 100%; table-layout: fixed; }
#steps thead th {
  position: sticky; top: 0; z-index: 2; background: var(--head-bg); border-bottom: 1px solid var(--line);
  text-align: left; font-weight: normal; padding: 3px 6px; vertical-align: bottom;
}
#steps th.idx, #steps td.idx { width: 46px; text-align: right; color: var(--muted); padding-right: 6px; }
#steps th.lane { border-top: 3px solid var(--c); overflow-wrap: anywhere; }
#steps th.lane .name { color: var(--c); font-weight: bold; }
#steps th.lane .tid, #steps th.lane .count { color: var(--faint); }
#steps th.lane .end { display: block; color: var(--muted); font-size: 11px; overflow-wrap: anywhere; }
#steps th.lane .end .w { color: var(--lockchg); }
#steps th.lock { width: 26px; padding: 4px 0; text-align: center; vertical-align: bottom; }
#steps th.lock span { writing-mode: vertical-rl; transform: rotate(180deg); font-size: 10px; color: var(--muted); white-space: nowrap; }
#steps th.lock.first, #steps td.lk.first { border-left: 1px solid var(--line); }
#steps td { vertical-align: top; border-bottom: 1px solid var(--lane-line); padding: 3px 6px; }
#steps td.lane { border-left: 1px solid var(--lane-line); }
#steps td.lane.act { background: color-mix(in srgb, var(--c) 5%, transparent); border-left: 3px solid var(--c); }
#steps tr.step { cursor: pointer; }
#steps tr.step:hover td { background-color: color-mix(in srgb, var(--fg) 3%, transparent); }
#steps tr.step.current td { background: var(--cur-bg); }
#steps tr.step.current td.idx { box-shadow: inset 4px 0 0 var(--cur-line); color: var(--fg); font-weight: bold; }
#steps tr.step.violation td { background: var(--bug-bg); }
#steps tr.step.violation.current td { background: color-mix(in srgb, var(--bug-bg) 50%, var(--cur-bg)); }
#steps tr.step.violation td.idx { color: var(--bug); font-weight: bold; }
#steps tr.step.violation td.lane.act { border-left-color: var(--bug); }
#steps tr.step.cycle td.idx { box-shadow: inset -3px 0 0 var(--cycle); }
#steps tr.step.current.cycle td.idx { box-shadow: inset 4px 0 0 var(--cur-line), inset -3px 0 0 var(--cycle); }
#steps tr.note td { color: var(--cycle); background: var(--cycle-bg); padding: 2px 8px; border-bottom: 1px solid var(--line); }
#steps tr.note.before td { color: var(--muted); background: transparent; }
#steps tr.setup td.idx { color: var(--faint); }
.mark { display: block; font-size: 10px; }
.mark.bug { color: var(--bug); }
.mark.cyc { color: var(--cycle); }

.fn { color: var(--muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.fn b { color: var(--fg); font-weight: bold; }
.fn .file, .loc { color: var(--faint); }
.st { display: flex; gap: 6px; padding-left: 10px; }
.st .ln { flex: none; color: var(--faint); min-width: 3.5ch; text-align: right; }
.st .c, .dst .c { color: var(--code); white-space: pre-wrap; overflow-wrap: anywhere; }
.ev { color: var(--comment); white-space: pre-wrap; overflow-wrap: anywhere; }
.q { color: var(--lockchg); font-style: italic; }
.lc { color: var(--lockchg); overflow-wrap: anywhere; }
.bugline { color: var(--bug); font-weight: bold; margin-top: 2px; overflow-wrap: anywhere; }

td.lk { width: 26px; padding: 3px 0 !important; text-align: center; font-size: 10.5px; font-weight: bold; }
td.lk.held { color: var(--c, var(--fg)); background: color-mix(in srgb, var(--c, var(--fg)) 16%, transparent) !important; }
td.lk.chg { box-shadow: inset 0 2px 0 var(--lockchg); }
td.lk.queued { text-decoration: underline dotted; }
.t0 { --c: var(--t0); } .t1 { --c: var(--t1); } .t2 { --c: var(--t2); } .t3 { --c: var(--t3); }
.t4 { --c: var(--t4); } .t5 { --c: var(--t5); } .t6 { --c: var(--t6); } .t7 { --c: var(--t7); }
#never { color: var(--faint); padding: 4px 8px 10px; }

#detail h2 { font-size: 13px; margin: 2px 0 4px; }
#detail h3 { font-size: var(--fs); color: var(--muted); font-weight: normal; margin: 10px 0 3px; border-bottom: 1px solid var(--line); }
#detail .sub { color: var(--muted); margin-bottom: 4px; overflow-wrap: anywhere; }
#detail .banner { border-left: 3px solid var(--bug); background: var(--bug-bg); color: var(--bug); padding: 3px 6px; margin: 4px 0; font-weight: bold; }
#detail .banner.cyc { border-color: var(--cycle); background: var(--cycle-bg); color: var(--cycle); font-weight: normal; }
.dst { padding: 2px 0 3px; border-bottom: 1px dotted var(--lane-line); }
.dst .loc { display: block; overflow-wrap: anywhere; }
.dst .loc .fname { color: var(--muted); }
.dst .c { display: block; padding-left: 2ch; }
.dst .ev, .dst .q { display: block; padding-left: 2ch; }
table.locks { border-collapse: collapse; width: 100%; }
table.locks td { padding: 1px 4px 1px 0; vertical-align: top; overflow-wrap: anywhere; }
table.locks td.k { white-space: nowrap; color: var(--muted); width: 1%; padding-right: 12px; }
table.locks tr.chg td { color: var(--lockchg); }
`;

/**
 * The viewer's script: plain DOM, no framework. It reads the trace from `script#trace-data`. Written
 * as JavaScript with JSDoc types so that test/report/html.test.ts can type-check it (checkJs, strict,
 * lib.dom). Data from the trace is only ever inserted as text, never as HTML.
 */
export const VIEWER_SCRIPT = String.raw`// @ts-check
'use strict';
(() => {
  /** @typedef {{ fn: string, file: string, line?: number, text: string, detail?: string, queued: boolean, continues?: number }} Stmt */
  /** @typedef {{ lock: string, before: string, after: string }} LockChange */
  /** @typedef {{ index: number, tid: number, thread: string, statements: Stmt[], locks: LockChange[] }} Row */
  /** @typedef {Row & { choice: number, fingerprint: string }} Step */
  /** @typedef {{ name: string, finished: boolean, location?: string, waitingFor?: string }} FinalThread */
  /**
   * @typedef {{
   *   property: string, finding: { header: string, details: string[] }, token: string,
   *   setup?: Row[], loopStart?: number, steps: Step[], final: FinalThread[], held: { lock: string, state: string }[]
   * }} Cx
   */
  /**
   * @typedef {{
   *   scenario: { name: string, description?: string }, variant?: string, core: string,
   *   notifiers?: { id: string, use: string }[], notes?: string[],
   *   threads: string[], locks: string[], counterexamples: Cx[]
   * }} TraceData
   */
  /** @typedef {{ kind: 'free' | 'read' | 'write' | 'owner' | 'other', holders: string[], queued: boolean }} LockHold */

  const dataEl = document.getElementById('trace-data');
  /** @type {TraceData} */
  const trace = JSON.parse((dataEl && dataEl.textContent) || 'null');
  const cxs = trace.counterexamples;
  // The counterexample shown, and what is derived from it: set by load().
  let cxIndex = 0;
  /** @type {Cx} */
  let cx = cxs[0] || { property: '', finding: { header: '(no counterexample)', details: [] }, token: '', steps: [], final: [], held: [] };
  /** @type {Step[]} */
  let steps = [];
  /** What the threads ran while the initial state was built (index 0), shown before step 1. @type {Row[]} */
  let setup = [];
  let last = -1;
  let loopStart = -1;
  /** The lasso's cycle is steps loopStart+1 .. N (1-based); empty when the run just stops. */
  const inCycle = (/** @type {number} */ i) => loopStart >= 0 && i >= loopStart;

  /**
   * Create an element. Strings become text nodes: trace data is never parsed as HTML.
   * @param {string} tag
   * @param {Record<string, string> | null} [attrs]
   * @param {...(Node | string | null | undefined | false)} children
   * @returns {HTMLElement}
   */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    if (attrs) for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
    return el;
  }
  /** @param {string} id @returns {HTMLElement} */
  function byId(id) {
    const el = document.getElementById(id);
    if (!el) throw new Error('trace viewer: no #' + id);
    return el;
  }

  // ---------------------------------------------------------------------------------- lanes

  /** Lanes in the trace's order; a step's thread missing from it (should not happen) gets a lane too. */
  /** @type {string[]} */
  let lanes = [];
  /** @param {Row} s */
  const laneOf = (s) => (lanes[s.tid] === s.thread ? s.tid : lanes.indexOf(s.thread));
  /** @param {string} name */
  const colourOf = (name) => {
    const i = lanes.indexOf(name);
    return i < 0 ? '' : 't' + (i % 8);
  };

  // ---------------------------------------------------------------------------------- locks

  /** @param {string} text  @returns {LockHold} */
  function parseLock(text) {
    /** @type {LockHold} */
    const r = { kind: 'free', holders: [], queued: false };
    if (text === 'free') return r;
    for (const part of text.split('; ')) {
      if (part.startsWith('held for write by ')) {
        r.kind = 'write';
        r.holders = [part.slice('held for write by '.length)];
      } else if (part.startsWith('held for read by ')) {
        const readers = part.slice('held for read by '.length).split(', ');
        if (r.kind === 'write') r.holders.push(...readers);
        else (r.kind = 'read'), (r.holders = readers);
      } else if (part.startsWith('held by ')) {
        r.kind = 'owner';
        r.holders = [part.slice('held by '.length)];
      } else if (part.startsWith('queued: ')) {
        r.queued = true;
      } else {
        r.kind = 'other';
      }
    }
    return r;
  }

  /** @type {string[]} */
  let lockKeys = [];
  /**
   * Each lock's holder text before the first step: the first step's change's "before", else the last
   * change while the initial state was built, else its final state.
   */
  /** @type {Map<string, string>} */
  let initial = new Map();
  /** setupAfter[i]: every lock's holder text after setup row i; the first row starts from setupBefore. */
  /** @type {Map<string, string>[]} */
  let setupAfter = [];
  /** @type {Map<string, string>} */
  let setupBefore = new Map();
  /** after[i]: every lock's holder text after step i+1. */
  /** @type {Map<string, string>[]} */
  let after = [];
  /** Locks held at some point get a strip; the others are only named under the table. */
  /** @type {string[]} */
  let shownLocks = [];
  /** @type {string[]} */
  let neverHeld = [];

  /**
   * Every lock's holder text after each row, from the texts before the first.
   * @param {Map<string, string>} from @param {Row[]} rs @returns {Map<string, string>[]}
   */
  function locksAfter(from, rs) {
    const out = [];
    let cur = from;
    for (const s of rs) {
      cur = new Map(cur);
      for (const c of s.locks) cur.set(c.lock, c.after);
      out.push(cur);
    }
    return out;
  }

  /** Make counterexample k the one shown: its steps, lanes and lock states. @param {number} k */
  function load(k) {
    cxIndex = k;
    cx = cxs[k] || cx;
    steps = cx.steps;
    setup = cx.setup || [];
    last = steps.length - 1;
    loopStart = typeof cx.loopStart === 'number' ? cx.loopStart : -1;
    lanes = trace.threads.slice();
    /** @type {Row[]} */
    const rowsAll = [...setup, ...steps];
    for (const s of rowsAll) if (trace.threads[s.tid] !== s.thread && !lanes.includes(s.thread)) lanes.push(s.thread);
    lockKeys = trace.locks.slice();
    for (const s of rowsAll) for (const c of s.locks) if (!lockKeys.includes(c.lock)) lockKeys.push(c.lock);
    initial = new Map();
    setupBefore = new Map();
    for (const key of lockKeys) {
      const first = steps.flatMap((s) => s.locks).find((c) => c.lock === key);
      const inSetup = setup.flatMap((s) => s.locks).filter((c) => c.lock === key);
      const held = cx.held.find((x) => x.lock === key);
      const set = inSetup[inSetup.length - 1];
      initial.set(key, first ? first.before : set ? set.after : held ? held.state : 'free');
      setupBefore.set(key, inSetup[0] ? inSetup[0].before : initial.get(key) || 'free');
    }
    setupAfter = locksAfter(setupBefore, setup);
    after = locksAfter(initial, steps);
    const everHeld = (/** @type {string} */ key) => [setupBefore, initial, ...setupAfter, ...after].some((m) => (m.get(key) || 'free') !== 'free');
    shownLocks = lockKeys.filter((key) => everHeld(key) || cx.held.some((x) => x.lock === key));
    neverHeld = lockKeys.filter((key) => !shownLocks.includes(key));
  }

  /**
   * One lock's cell in a row: R (read), W (write), H (held: mutex or spinlock), in the holder's colour.
   * @param {string} lock @param {string} text @param {string | undefined} before @param {boolean} first
   */
  function lockCell(lock, text, before, first) {
    const st = parseLock(text);
    const cls = ['lk'];
    if (first) cls.push('first');
    let label = '';
    if (st.kind !== 'free') {
      cls.push('held');
      label = st.kind === 'read' ? 'R' : st.kind === 'write' ? 'W' : st.kind === 'owner' ? 'H' : '?';
      if (st.kind === 'read' && st.holders.length > 1) label += st.holders.length;
      if (st.holders.length === 1 && st.holders[0] !== undefined) cls.push(colourOf(st.holders[0]));
    }
    if (st.queued) cls.push('queued');
    const changed = before !== undefined && before !== text;
    if (changed) cls.push('chg');
    const title = lock + ': ' + (changed ? before + ' \u2192 ' + text : text);
    return h('td', { class: cls.filter(Boolean).join(' '), title }, label);
  }

  // ---------------------------------------------------------------------------------- header

  /** @param {Stmt} s */
  const locOf = (s) => (s.line === undefined ? s.file : s.file + ':' + s.line);
  /** Where a statement that began in an earlier step of its thread began: 0 is the initial state. @param {number} n */
  const continuedFrom = (n) => (n === 0 ? 'continued from the initial state' : 'continued from step ' + n);

  /** One tab per counterexample; the current one is selected. */
  function renderBar() {
    const bar = byId('cxbar');
    bar.replaceChildren();
    cxs.forEach((c, k) => {
      const b = h('button', { type: 'button', role: 'tab', 'aria-selected': String(k === cxIndex), 'data-cx': String(k + 1), title: c.finding.header }, h('span', { class: 'n' }, String(k + 1)), c.property + ' \u00b7 ' + c.steps.length + (c.steps.length === 1 ? ' step' : ' steps'));
      b.addEventListener('click', () => showCx(k));
      bar.append(h('li', { role: 'presentation' }, b));
    });
  }

  function renderHeader() {
    byId('finding-header').textContent = cx.finding.header;
    // One element per line, so that a wrapped line hangs under its own indentation.
    byId('finding-details').replaceChildren(...cx.finding.details.map((l) => h('div', null, l)));
    const meta = byId('meta');
    meta.replaceChildren();
    /** @param {string} k @param {string | undefined} v */
    const row = (k, v) => {
      if (v !== undefined && v !== '') meta.append(h('div', null, h('dt', null, k), h('dd', null, v)));
    };
    row('scenario', trace.scenario.name);
    row('variant', trace.variant);
    row('core', trace.core);
    if (trace.notifiers) row('notifiers', trace.notifiers.length ? trace.notifiers.map((n) => n.id + ' ' + n.use).join(', ') : 'none');
    for (const n of trace.notes || []) row('note', n);
    row('counterexample', cxIndex + 1 + ' of ' + cxs.length);
    row('property', cx.property);
    row('replay token', cx.token);
    row('steps', String(steps.length) + (loopStart >= 0 && loopStart < steps.length ? ' (lasso: cycle from step ' + (loopStart + 1) + ')' : ''));
    const desc = trace.scenario.description || '';
    byId('desc').textContent = desc;
    byId('desc').title = desc;
  }

  // ---------------------------------------------------------------------------------- the table

  /** @type {HTMLElement[]} */
  const rows = [];

  /** @param {Row} s @param {number} i (-1 for a row of the initial state) */
  function stepCell(s, i) {
    const cell = h('td', { class: 'lane act ' + colourOf(s.thread) });
    const anyLine = s.statements.some((x) => x.line !== undefined);
    /** @type {string | null} */
    let group = null;
    for (const st of s.statements) {
      const g = st.fn + '\u0000' + st.file;
      if (g !== group) {
        group = g;
        cell.append(h('div', { class: 'fn', title: st.fn + '() ' + st.file }, h('b', null, st.fn + '()'), ' ', h('span', { class: 'file' }, st.file)));
      }
      const line = h('div', { class: 'st', title: locOf(st) });
      if (anyLine) line.append(h('span', { class: 'ln' }, st.line === undefined ? '' : String(st.line)));
      const code = h('span', { class: 'c' }, st.continues === undefined ? st.text : '(' + continuedFrom(st.continues) + ')');
      if (st.detail !== undefined) code.append(' ', h('span', { class: 'ev' }, '// ' + st.detail));
      if (st.queued) code.append(' ', h('span', { class: 'q' }, '// queued on the lock: runs again later'));
      line.append(code);
      cell.append(line);
    }
    if (!s.statements.length) cell.append(h('div', { class: 'fn' }, '(no C statement shown)'));
    for (const c of s.locks) cell.append(h('div', { class: 'lc' }, c.lock + ': ' + c.before + ' \u2192 ' + c.after));
    if (i === last) cell.append(h('div', { class: 'bugline' }, '\u25b2 ' + cx.finding.header));
    return cell;
  }

  function renderTable() {
    const table = byId('steps');
    table.replaceChildren();
    rows.length = 0;
    byId('never').textContent = '';
    const head = h('tr', null, h('th', { class: 'idx' }, 'step'));
    lanes.forEach((name, i) => {
      const n = steps.filter((s) => laneOf(s) === i).length;
      const th = h('th', { class: 'lane t' + (i % 8), 'data-thread': name }, h('span', { class: 'name' }, name), ' ', h('span', { class: 'tid' }, 'T' + i), ' ', h('span', { class: 'count' }, n + (n === 1 ? ' step' : ' steps')));
      // Where the thread is at the end of the run.
      const t = cx.final.find((x) => x.name === name);
      if (t) {
        const end = h('span', { class: 'end' }, 'end: ');
        if (t.finished) end.append('finished');
        else {
          end.append(t.location ? 'at ' + t.location : 'not finished');
          if (t.waitingFor) end.append(' ', h('span', { class: 'w' }, 'waiting for ' + t.waitingFor));
        }
        end.title = end.textContent || '';
        th.append(end);
      }
      head.append(th);
    });
    shownLocks.forEach((k, j) => head.append(h('th', { class: 'lock' + (j === 0 ? ' first' : ''), title: k }, h('span', null, k))));
    // A lane without steps only needs room for its header: the busy lanes get the width.
    const busy = lanes.map((_, i) => steps.some((s) => laneOf(s) === i) || setup.some((s) => laneOf(s) === i));
    const colgroup = h('colgroup', null, h('col', { style: 'width:46px' }));
    for (const b of busy) colgroup.append(h('col', b ? null : { style: 'width:200px' }));
    for (let j = 0; j < shownLocks.length; j++) colgroup.append(h('col', { style: 'width:26px' }));
    table.append(colgroup, h('thead', null, head));
    table.style.minWidth = 46 + busy.reduce((w, b) => w + (b ? 240 : 200), 0) + 26 * shownLocks.length + 'px';

    const body = h('tbody');
    const width = 1 + lanes.length + shownLocks.length;
    if (setup.length) {
      body.append(h('tr', { class: 'note before' }, h('td', { colspan: String(width) }, 'before step 1, while the initial state is built, each thread runs on as far as nothing another thread or a check can see:')));
      setup.forEach((s, i) => {
        const tr = h('tr', { class: 'setup', 'data-setup': String(s.tid), title: 'run while the initial state is built, before step 1' });
        tr.append(h('td', { class: 'idx' }, '0'));
        const lane = laneOf(s);
        for (let j = 0; j < lanes.length; j++) tr.append(j === lane ? stepCell(s, -1) : h('td', { class: 'lane' }));
        const prev = i === 0 ? setupBefore : setupAfter[i - 1];
        shownLocks.forEach((k, j) => tr.append(lockCell(k, setupAfter[i]?.get(k) ?? 'free', prev?.get(k), j === 0)));
        body.append(tr);
      });
    }
    steps.forEach((s, i) => {
      if (loopStart >= 0 && loopStart < steps.length && i === loopStart) {
        const from = loopStart === 0 ? 'the initial state' : 'the state after step ' + loopStart;
        body.append(h('tr', { class: 'note' }, h('td', { colspan: String(width) }, '\u21bb cycle: steps ' + (loopStart + 1) + '\u2013' + steps.length + ' lead back to ' + from + ' and repeat forever')));
      }
      const cls = ['step'];
      if (i === last) cls.push('violation');
      if (inCycle(i)) cls.push('cycle');
      const tr = h('tr', { class: cls.join(' '), 'data-step': String(s.index) });
      const idx = h('td', { class: 'idx' }, String(s.index));
      if (i === last) idx.append(h('span', { class: 'mark bug', title: cx.finding.header }, 'BUG'));
      if (inCycle(i)) idx.append(h('span', { class: 'mark cyc', title: 'in the cycle' }, '\u21bb'));
      tr.append(idx);
      const lane = laneOf(s);
      for (let j = 0; j < lanes.length; j++) tr.append(j === lane ? stepCell(s, i) : h('td', { class: 'lane' }));
      const prev = i === 0 ? initial : after[i - 1];
      shownLocks.forEach((k, j) => tr.append(lockCell(k, after[i]?.get(k) ?? 'free', prev?.get(k), j === 0)));
      tr.addEventListener('click', () => select(i));
      rows.push(tr);
      body.append(tr);
    });

    if (loopStart >= 0 && loopStart === steps.length && steps.length) {
      body.append(h('tr', { class: 'note' }, h('td', { colspan: String(width) }, 'the run ends here: no thread can take a step')));
    }
    table.append(body);
    if (neverHeld.length) byId('never').textContent = 'never held in this run: ' + neverHeld.join(', ');
  }

  // ---------------------------------------------------------------------------------- detail pane

  /** @param {number} i */
  function renderDetail(i) {
    const s = steps[i];
    const d = byId('detail');
    d.replaceChildren();
    d.removeAttribute('data-step');
    if (!s) {
      d.append(h('h2', null, 'no steps'), h('div', { class: 'sub' }, 'the violation holds in the initial state'));
      return;
    }
    d.setAttribute('data-step', String(s.index));
    d.append(
      h('h2', null, 'step ' + s.index + ' of ' + steps.length + ' \u00b7 ', h('span', { class: colourOf(s.thread), style: 'color:var(--c)' }, s.thread)),
      h('div', { class: 'sub' }, 'thread T' + laneOf(s) + ' \u00b7 choice ' + s.choice + ' \u00b7 state ' + s.fingerprint),
    );
    if (i === last) d.append(h('div', { class: 'banner' }, 'the finding, in the state after this step: ' + cx.finding.header));
    if (inCycle(i)) d.append(h('div', { class: 'banner cyc' }, '\u21bb this step is in the cycle (steps ' + (loopStart + 1) + '\u2013' + steps.length + ')'));

    d.append(h('h3', null, s.statements.length + (s.statements.length === 1 ? ' C statement' : ' C statements')));
    const list = h('div', { class: 'stmts' });
    for (const st of s.statements) {
      list.append(
        h(
          'div',
          { class: 'dst' },
          h('span', { class: 'loc' }, locOf(st), '  ', h('span', { class: 'fname' }, st.fn + '()')),
          h('code', { class: 'c' }, st.text),
          st.continues !== undefined && h('span', { class: 'ev' }, '// ' + continuedFrom(st.continues)),
          st.detail !== undefined && h('span', { class: 'ev' }, '// ' + st.detail),
          st.queued && h('span', { class: 'q' }, '// queued on the lock: runs again later'),
        ),
      );
    }
    d.append(list);

    d.append(h('h3', null, s.locks.length ? 'lock changes' : 'lock changes: none'));
    if (s.locks.length) {
      const t = h('table', { class: 'locks changes' });
      for (const c of s.locks) t.append(h('tr', { class: 'chg' }, h('td', { class: 'k' }, c.lock), h('td', null, c.before + ' \u2192 ' + c.after)));
      d.append(t);
    }
    d.append(h('h3', null, 'locks after this step'));
    const t = h('table', { class: 'locks all' });
    const changed = new Set(s.locks.map((c) => c.lock));
    for (const k of lockKeys) {
      t.append(h('tr', changed.has(k) ? { class: 'chg' } : null, h('td', { class: 'k' }, k), h('td', null, after[i]?.get(k) ?? 'free')));
    }
    d.append(t);
    d.scrollTop = 0;
  }

  // ---------------------------------------------------------------------------------- current step

  let current = -1;
  const box = byId('trace');

  /**
   * Scroll the trace so that row i is visible below the sticky header (its top first if it is tall),
   * within the part of the trace box the window shows (a long finding can push its bottom below it).
   */
  function reveal(/** @type {number} */ i) {
    const row = rows[i];
    const thead = box.querySelector('thead');
    if (!row) return;
    const headH = thead ? thead.getBoundingClientRect().height : 0;
    const r = row.getBoundingClientRect();
    const b = box.getBoundingClientRect();
    const shown = window.innerHeight - b.top;
    const height = shown > headH + 40 ? Math.min(box.clientHeight, shown) : box.clientHeight;
    const top = r.top - b.top + box.scrollTop;
    const bottom = top + r.height;
    const viewTop = box.scrollTop + headH;
    const viewBottom = box.scrollTop + height;
    if (top < viewTop || r.height > height - headH) box.scrollTop = top - headH;
    else if (bottom > viewBottom) box.scrollTop = bottom - height;
  }

  /** The fragment that names the current counterexample and step. */
  function remember() {
    try {
      history.replaceState(null, '', '#cx=' + (cxIndex + 1) + (current >= 0 ? '&step=' + steps[current]?.index : ''));
    } catch (e) {
      // Some browsers refuse history changes on file:// pages; the fragment is a convenience only.
    }
  }

  /** @param {number} i */
  function select(i) {
    if (!steps.length) return;
    i = Math.max(0, Math.min(last, i));
    if (current >= 0) {
      rows[current]?.classList.remove('current');
      rows[current]?.removeAttribute('aria-current');
    }
    current = i;
    rows[i]?.classList.add('current');
    rows[i]?.setAttribute('aria-current', 'step');
    renderDetail(i);
    reveal(i);
    document.body.setAttribute('data-current', String(steps[i]?.index));
    remember();
  }

  /**
   * Show counterexample k (0-based; clamped) at its step i (0-based), by default its violating step.
   * @param {number} k @param {number} [i]
   */
  function showCx(k, i) {
    k = Math.max(0, Math.min(cxs.length - 1, k));
    load(k);
    current = -1;
    document.body.setAttribute('data-cx', String(k + 1));
    document.body.removeAttribute('data-current');
    renderBar();
    renderHeader();
    renderTable();
    box.scrollTop = 0;
    if (steps.length) select(i === undefined ? last : i);
    else {
      renderDetail(0);
      remember();
    }
  }

  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.altKey || e.metaKey) return;
    /** @type {Record<string, number>} */
    const moves = { ArrowDown: current + 1, j: current + 1, ArrowUp: current - 1, k: current - 1, Home: 0, End: last };
    /** @type {Record<string, number>} */
    const switches = { n: cxIndex + 1, p: cxIndex - 1 };
    const to = moves[e.key];
    let other = switches[e.key];
    if (/^[1-9]$/.test(e.key)) other = Number(e.key) - 1;
    if (to !== undefined) {
      e.preventDefault();
      select(to);
    } else if (other !== undefined) {
      e.preventDefault();
      if (other >= 0 && other < cxs.length && other !== cxIndex) showCx(other);
    }
  });

  // #cx=K&step=N (both 1-based; either may be missing), or #step=N as older pages wrote it.
  const frag = /^#(?:cx=(\d+))?&?(?:step=(\d+))?$/.exec(location.hash);
  const k0 = frag && frag[1] ? Number(frag[1]) - 1 : 0;
  load(Math.max(0, Math.min(cxs.length - 1, k0)));
  // Without a step in the fragment (or with one the counterexample does not have): the violating step.
  const i0 = frag && frag[2] ? steps.findIndex((s) => String(s.index) === frag[2]) : -1;
  showCx(k0, i0 >= 0 ? i0 : undefined);
  document.body.setAttribute('data-ready', 'true');
})();
`;

/** Render a trace, every counterexample of it, as one self-contained HTML page (see the module comment). */
export function renderHtml(trace: Trace): string {
  const variant = trace.variant === undefined ? '' : ` (${trace.variant})`;
  const n = trace.counterexamples.length;
  const first = trace.counterexamples[0]?.finding.header ?? 'no counterexample';
  const title = `mnc: ${first}${n > 1 ? ` (and ${n - 1} more)` : ''} \u2014 ${trace.scenario.name}${variant}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="mnc (mmu-notifier-checker) trace viewer">
<title>${escapeHtml(title)}</title>
<style>${VIEWER_CSS}</style>
</head>
<body>
<header id="top">
  <ul id="cxbar" role="tablist" aria-label="counterexamples"></ul>
  <div id="headline"><h1 id="finding-header"></h1><dl id="meta"></dl></div>
  <div id="finding-details"></div>
  <div id="desc"></div>
</header>
<noscript><p>This trace viewer needs JavaScript. The trace itself is the JSON in the script element <code>#trace-data</code> of this file.</p></noscript>
<main>
  <div id="trace"><table id="steps"></table><div id="never"></div></div>
  <aside id="detail" aria-live="polite"></aside>
</main>
<footer><span><kbd>\u2193</kbd>/<kbd>j</kbd> next step</span><span><kbd>\u2191</kbd>/<kbd>k</kbd> previous</span><span><kbd>Home</kbd>/<kbd>End</kbd> first/last</span><span>click a row to select it</span><span><kbd>n</kbd>/<kbd>p</kbd>, <kbd>1</kbd>\u2013<kbd>9</kbd> or a tab: another counterexample</span><span>lock strips: <b>R</b> read, <b>W</b> write, <b>H</b> held (mutex, spinlock), in the holder's colour</span></footer>
<script type="application/json" id="trace-data">${scriptJson(trace)}</script>
<script>${VIEWER_SCRIPT}</script>
</body>
</html>
`;
}
