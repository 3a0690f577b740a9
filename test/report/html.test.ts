/**
 * The HTML trace viewer: the page as a string (escaping, nothing fetched, the embedded script
 * type-checks), then the real page in Debian's Chromium driven by playwright-core: lanes, step rows,
 * the violation's highlight, lock strips, keyboard stepping and the detail pane, switching between
 * the counterexamples of a trace (tabs, n/p, digits, the fragment), opening at the violating step,
 * the finding shown whole, lane headers that do not clip, an 800-pixel window in which every lane and
 * lock strip stays reachable, no network request, and a screenshot in test/report/__screenshots__/
 * (git-ignored).
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBuiltin } from '../../src/model/kernel/scenario-file.ts';
import { renderHtml, VIEWER_SCRIPT } from '../../src/report/html.ts';
import { runScenario, variantsOf } from '../../src/report/run.ts';
import type { StmtRow } from '../../src/report/steps.ts';
import { buildTrace, type Trace, type TraceCounterexample } from '../../src/report/trace.ts';

const SCREENSHOT = join(dirname(fileURLToPath(import.meta.url)), '__screenshots__', 'trace-viewer.png');
/** Generous: the machine may be a loaded 2-core box. */
const SLOW = 180_000;
const WAIT = { timeout: 60_000 };

/** The trace of a built-in scenario's variant, with every counterexample. */
function traceOf(name: string, variant: string): Trace {
  const sf = loadBuiltin(name);
  const v = variantsOf(sf).find((x) => x.label === variant);
  if (!v) throw new Error(`${name} has no variant ${variant}`);
  const run = runScenario(v.scenario, {}, v.label);
  if (run.result.status !== 'violation') throw new Error(`expected a violation, got ${run.result.status}`);
  return buildTrace(run, [name, '--variant', variant]);
}

/** The trace the viewer is mostly tested on: the built-in amdgpu-read-lock-nonblock scenario, variant clarify (one counterexample). */
const sampleTrace = (): Trace => traceOf('amdgpu-read-lock-nonblock', 'clarify');

/** The same trace with its (first) counterexample changed. */
const withCx = (t: Trace, f: (c: TraceCounterexample) => TraceCounterexample): Trace => ({ ...t, counterexamples: t.counterexamples.map((c, i) => (i === 0 ? f(c) : c)) });

/** The JSON text inside the page's data element. */
function embeddedJson(html: string): string {
  const open = '<script type="application/json" id="trace-data">';
  const at = html.indexOf(open);
  expect(at).toBeGreaterThanOrEqual(0);
  const end = html.indexOf('</script>', at + open.length);
  return html.slice(at + open.length, end);
}

const locOf = (s: StmtRow): string => (s.line === undefined ? s.file : `${s.file}:${s.line}`);

/** Independent of the viewer: each lock's holder text after every step, from the trace's changes. */
function lockStates(t: Trace, c: TraceCounterexample): Map<string, string>[] {
  const out: Map<string, string>[] = [];
  let cur = new Map<string, string>();
  for (const k of t.locks) {
    const first = c.steps.flatMap((s) => s.locks).find((x) => x.lock === k);
    cur.set(k, first ? first.before : 'free');
  }
  for (const s of c.steps) {
    cur = new Map(cur);
    for (const c of s.locks) cur.set(c.lock, c.after);
    out.push(cur);
  }
  return out;
}

let trace: Trace;
/** The sample's one counterexample. */
let cx: TraceCounterexample;
/** A trace with several counterexamples (amdgpu-ioctl-alloc-under-lock, alloc-under-lock). */
let many: Trace;
beforeAll(() => {
  trace = sampleTrace();
  expect(trace.counterexamples).toHaveLength(1);
  cx = trace.counterexamples[0]!;
  many = traceOf('amdgpu-ioctl-alloc-under-lock', 'alloc-under-lock');
  expect(many.counterexamples.length).toBeGreaterThan(2);
}, SLOW);

describe('renderHtml as text', () => {
  it('embeds the trace so that </script> or <!-- in any string cannot break out of its element', () => {
    const evil = '</script><script>window.pwned = 1</script><!-- </SCRIPT >';
    const t: Trace = withCx(trace, (c) => ({
      ...c,
      finding: { header: `BUG: ${evil}`, details: [...c.finding.details, evil] },
      steps: c.steps.map((s, i) => (i === 0 ? { ...s, statements: s.statements.map((x) => ({ ...x, text: evil, detail: '\u2028&amp;' })) } : s)),
    }));
    const html = renderHtml(t);
    // Exactly the page's own two script elements close; nothing else opens a comment.
    expect(html.match(/<\/script/gi)).toHaveLength(2);
    expect(html).not.toContain('<!--');
    // The data element holds the whole trace, parsed back unchanged.
    expect(JSON.parse(embeddedJson(html))).toEqual(t);
    // The title is escaped HTML text.
    const title = /<title>(.*)<\/title>/.exec(html)?.[1] ?? '';
    expect(title).not.toContain('<');
    expect(title).toContain('&#60;/script&#62;');
  });

  it('refers to nothing outside the file: no src, href, url() or @import, and a CSP that forbids fetching', () => {
    const html = renderHtml(many);
    expect(html).not.toMatch(/\s(src|href|srcset|action)\s*=/i);
    expect(html).not.toMatch(/url\(|@import/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"`);
  });

  it('has a viewer script that type-checks (checkJs, strict, DOM)', () => {
    const name = '/virtual/trace-viewer.js';
    const options: ts.CompilerOptions = {
      allowJs: true,
      checkJs: true,
      noEmit: true,
      strict: true,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
      types: [],
    };
    const host = ts.createCompilerHost(options);
    const read = host.getSourceFile.bind(host);
    host.getSourceFile = (file, lang, ...rest) => (file === name ? ts.createSourceFile(file, VIEWER_SCRIPT, lang, true) : read(file, lang, ...rest));
    const diagnostics = ts.getPreEmitDiagnostics(ts.createProgram([name], options, host));
    const text = diagnostics.map((d) => {
      const pos = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      return `${pos ? `line ${pos.line + 1}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(text).toEqual([]);
  }, SLOW);
});

describe('the trace viewer in Chromium', () => {
  let dir: string;
  let browser: Browser;
  let page: Page;
  let url: string;
  const requests: string[] = [];

  /** A step's row in the page (1-based step index). */
  const row = (n: number) => page.locator(`#steps tbody tr.step[data-step="${n}"]`);
  /** Wait until the page's current step is n: the row, the detail pane and the body attribute agree. */
  async function currentIs(n: number): Promise<void> {
    await page.waitForSelector(`body[data-current="${n}"]`, WAIT);
    await page.waitForSelector(`#steps tr.step.current[data-step="${n}"]`, WAIT);
    await page.waitForSelector(`#detail[data-step="${n}"]`, WAIT);
    expect(await page.locator('#steps tr.step.current').count()).toBe(1);
  }
  /** The detail pane shows every statement of step n, each with its C text and source location. */
  async function detailShows(n: number): Promise<void> {
    const step = cx.steps[n - 1]!;
    const shown = await page.$$eval('#detail .dst', (els) =>
      els.map((e) => ({ loc: e.querySelector('.loc')?.textContent ?? '', c: e.querySelector('.c')?.textContent ?? '' })),
    );
    expect(shown).toHaveLength(step.statements.length);
    step.statements.forEach((s, i) => {
      expect(shown[i]!.c).toBe(s.text);
      expect(shown[i]!.loc.startsWith(`${locOf(s)} `)).toBe(true);
      expect(shown[i]!.loc).toContain(`${s.fn}()`);
    });
    const lockText = (await page.locator('#detail table.changes').count()) ? await page.locator('#detail table.changes').innerText() : '';
    for (const c of step.locks) expect(lockText).toContain(c.lock);
  }

  async function open(html: string, file: string, hash = '', viewport = { width: 1280, height: 800 }): Promise<Page> {
    const path = join(dir, file);
    writeFileSync(path, html);
    const p = await browser.newPage({ viewport });
    p.on('request', (r) => requests.push(r.url()));
    p.on('pageerror', (e) => requests.push(`pageerror: ${e.message}`));
    const u = pathToFileURL(path).href + hash;
    await p.goto(u, WAIT);
    await p.waitForSelector('body[data-ready="true"]', WAIT);
    return p;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mnc-html-'));
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      timeout: SLOW,
    });
    url = pathToFileURL(join(dir, 'trace.html')).href;
    page = await open(renderHtml(trace), 'trace.html');
  }, SLOW);

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, SLOW);

  it('shows the finding and the run it comes from', async () => {
    expect(await page.locator('#finding-header').innerText()).toBe(cx.finding.header);
    const meta = await page.locator('#meta').innerText();
    for (const s of [trace.scenario.name, 'clarify', trace.core, cx.property, cx.token]) expect(meta).toContain(s);
  });

  it('has one lane per thread, named in lane order', async () => {
    expect(trace.threads).toEqual(['oom_reaper', 'munmap']);
    expect(await page.$$eval('#steps thead th.lane', (ths) => ths.map((th) => th.getAttribute('data-thread')))).toEqual(trace.threads);
    expect(await page.$$eval('#steps thead th.lane .name', (els) => els.map((e) => e.textContent))).toEqual(trace.threads);
  });

  it('has one row per step, its cell in its thread\'s lane and the other lanes empty', async () => {
    expect(cx.steps.length).toBeGreaterThan(1);
    expect(await page.locator('#steps tbody tr.step').count()).toBe(cx.steps.length);
    const cells = await page.$$eval('#steps tbody tr.step', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td.lane')].map((td) => (td.classList.contains('act') ? 'act' : td.textContent === '' ? 'empty' : 'other'))),
    );
    cx.steps.forEach((s, i) => {
      const lane = trace.threads.indexOf(s.thread);
      expect(cells[i]).toEqual(trace.threads.map((_, j) => (j === lane ? 'act' : 'empty')));
    });
    // The cell lists the step's C statements.
    const last = cx.steps[cx.steps.length - 1]!;
    const text = await row(last.index).locator('td.act').innerText();
    for (const s of last.statements) expect(text.replace(/\s+/g, ' ')).toContain(s.text.replace(/\s+/g, ' '));
  });

  it('highlights the violating step, the last one', async () => {
    const n = cx.steps.length;
    expect(await page.$$eval('#steps tr.step.violation', (trs) => trs.map((tr) => tr.getAttribute('data-step')))).toEqual([String(n)]);
    await page.keyboard.press('Home');
    await currentIs(1);
    // Visibly: its background differs from an ordinary row's.
    const bg = (k: number) => row(k).locator('td.idx').evaluate((td) => td.ownerDocument.defaultView?.getComputedStyle(td).backgroundColor);
    expect(await bg(n)).not.toBe(await bg(2));
    expect(await row(n).locator('td.act').innerText()).toContain(cx.finding.header);
    // No lasso in this trace: nothing marked as a cycle.
    expect(await page.locator('#steps tr.cycle').count()).toBe(0);
  });

  it('shows who holds each lock after each step', async () => {
    const states = lockStates(trace, cx);
    const shown = await page.$$eval('#steps thead th.lock', (ths) => ths.map((th) => th.getAttribute('title') ?? ''));
    // A strip for every lock held at some point, and only for those.
    const everHeld = trace.locks.filter((k) => states.some((m) => m.get(k) !== 'free'));
    expect(shown).toEqual(everHeld);
    expect(shown).toContain('mm.mmap_sem');
    const label = (text: string) => (text === 'free' ? '' : text.startsWith('held for read by ') ? 'R' : text.startsWith('held for write by ') ? 'W' : 'H');
    for (const [i, s] of cx.steps.entries()) {
      const cells = await row(s.index).locator('td.lk').evaluateAll((tds) => tds.map((td) => ({ text: td.textContent, title: td.getAttribute('title') ?? '' })));
      shown.forEach((k, j) => {
        const after = states[i]!.get(k)!;
        expect(cells[j]!.text).toBe(label(after));
        expect(cells[j]!.title.endsWith(after)).toBe(true);
      });
    }
    // After the last step the strips agree with the trace's own list of held locks.
    const lastCells = await row(cx.steps.length).locator('td.lk').evaluateAll((tds) => tds.map((td) => td.getAttribute('title') ?? ''));
    expect(cx.held.length).toBeGreaterThan(0);
    for (const h of cx.held) expect(lastCells[shown.indexOf(h.lock)]).toBe(`${h.lock}: ${h.state}`);
  });

  it('steps with the keyboard and shows the current step in the detail pane', async () => {
    const n = cx.steps.length;
    await page.keyboard.press('Home');
    await currentIs(1);
    await detailShows(1);
    await page.keyboard.press('ArrowDown');
    await currentIs(2);
    await detailShows(2);
    await page.keyboard.press('j');
    await currentIs(3);
    await detailShows(3);
    await page.keyboard.press('ArrowUp');
    await currentIs(2);
    await detailShows(2);
    await page.keyboard.press('k');
    await currentIs(1);
    await page.keyboard.press('ArrowUp');
    await currentIs(1);
    await page.keyboard.press('End');
    await currentIs(n);
    await detailShows(n);
    expect(await page.locator('#detail .banner').first().innerText()).toContain(cx.finding.header);
    await page.keyboard.press('ArrowDown');
    await currentIs(n);
    // The current row is scrolled into view: its top lies inside the scroll box, below the sticky header.
    const box = await page.locator('#trace').boundingBox();
    const head = await page.locator('#steps thead th').first().boundingBox();
    const cur = await row(n).boundingBox();
    expect(box && head && cur).toBeTruthy();
    expect(cur!.y).toBeGreaterThanOrEqual(head!.y + head!.height - 1);
    expect(cur!.y).toBeLessThan(box!.y + box!.height);
    // A click selects a row too.
    await row(2).locator('td.idx').click();
    await currentIs(2);
  });

  it('marks a lasso\'s cycle and shows C lines as file:line', async () => {
    // The same trace as a lasso whose cycle starts after step 2, with line numbers on every statement.
    let line = 100;
    const lasso: Trace = withCx(trace, (c) => ({ ...c, loopStart: 2, steps: c.steps.map((s) => ({ ...s, statements: s.statements.map((x) => ({ ...x, line: line++ })) })) }));
    const lc = lasso.counterexamples[0]!;
    const p = await open(renderHtml(lasso), 'lasso.html');
    try {
      const cycle = await p.$$eval('#steps tr.step.cycle', (trs) => trs.map((tr) => tr.getAttribute('data-step')));
      expect(cycle).toEqual(lc.steps.slice(2).map((s) => String(s.index)));
      expect(await p.locator('#steps tr.note:not(.before)').innerText()).toContain('after step 2');
      await p.keyboard.press('End');
      await p.waitForSelector(`#detail[data-step="${lc.steps.length}"]`, WAIT);
      const st = lc.steps[lc.steps.length - 1]!.statements[0]!;
      expect(await p.locator('#detail .dst .loc').first().innerText()).toContain(`${st.file}:${st.line}`);
      expect(await p.locator('#detail .banner.cyc').count()).toBe(1);
    } finally {
      await p.close();
    }
  });

  it('shows what each thread ran while the initial state was built, before step 1, with its lock changes', async () => {
    // The sample's threads run statements before step 1 (the reaper's and munmap's declarations).
    const setup = cx.setup ?? [];
    expect(setup.map((r) => r.thread)).toEqual(['oom_reaper', 'munmap']);
    const rows = await page.$$eval('#steps tbody tr.setup', (trs) =>
      trs.map((tr) => ({ idx: tr.querySelector('td.idx')?.textContent, lanes: [...tr.querySelectorAll('td.lane')].map((td) => (td.classList.contains('act') ? td.textContent ?? '' : '')) })),
    );
    expect(rows).toHaveLength(setup.length);
    setup.forEach((r, i) => {
      expect(rows[i]!.idx).toBe('0');
      const lane = trace.threads.indexOf(r.thread);
      rows[i]!.lanes.forEach((text, j) => (j === lane ? expect(text.length).toBeGreaterThan(0) : expect(text).toBe('')));
      for (const st of r.statements) expect(rows[i]!.lanes[lane]!.replace(/\s+/g, ' ')).toContain(st.text.replace(/\s+/g, ' '));
    });
    // They come before step 1, under a note that says what they are, and are not steps.
    const order = await page.$$eval('#steps tbody tr', (trs) => trs.map((tr) => (tr.classList.contains('setup') ? 'setup' : tr.classList.contains('note') ? 'note' : tr.getAttribute('data-step'))));
    expect(order.slice(0, setup.length + 2)).toEqual(['note', ...setup.map(() => 'setup'), '1']);
    expect(await page.locator('#steps tr.note.before').innerText()).toContain('while the initial state is built');
    expect(await page.locator('#steps tbody tr.step').count()).toBe(cx.steps.length);

    // A lock taken there, and a statement continued from there in step 1: the strips and the text say so.
    // The lock: one no step changes and none holds at the end.
    const quiet = trace.locks.find((k) => !cx.steps.some((s) => s.locks.some((c) => c.lock === k)) && !cx.held.some((x) => x.lock === k))!;
    expect(quiet).toBeDefined();
    const withLock: Trace = withCx(trace, (c) => ({
      ...c,
      setup: c.setup!.map((r, i) => (i === 1 ? { ...r, locks: [{ lock: quiet, before: 'free', after: 'held for read by munmap' }] } : r)),
      steps: c.steps.map((s, i) => (i === 0 ? { ...s, statements: [{ ...s.statements[0]!, continues: 0 }, ...s.statements.slice(1)] } : s)),
    }));
    const p = await open(renderHtml(withLock), 'setup.html');
    try {
      const strip = await p.$$eval('#steps thead th.lock', (ths) => ths.map((th) => th.getAttribute('title') ?? ''));
      const k = strip.indexOf(quiet);
      expect(k).toBeGreaterThanOrEqual(0);
      const lk = (sel: string) => p.locator(sel).locator('td.lk').nth(k);
      expect(await lk('#steps tbody tr.setup >> nth=0').getAttribute('title')).toBe(`${quiet}: free`);
      expect(await lk('#steps tbody tr.setup >> nth=1').getAttribute('title')).toBe(`${quiet}: free \u2192 held for read by munmap`);
      expect(await lk('#steps tbody tr.setup >> nth=1').innerText()).toBe('R');
      // Step 1 starts from the state the setup left.
      expect(await lk('#steps tbody tr.step[data-step="1"]').getAttribute('title')).toBe(`${quiet}: held for read by munmap`);
      expect(await p.locator('#steps tbody tr.step[data-step="1"] td.act').innerText()).toContain('(continued from the initial state)');
    } finally {
      await p.close();
    }
  });

  it('shows every counterexample of a trace: a tab each, switched by click, n/p and digits, and named in the fragment', async () => {
    const cxs = many.counterexamples;
    const p = await open(renderHtml(many), 'many.html');
    /** The page shows counterexample k (0-based): its tab, header, token, rows, violating step, and step i (1-based; by default the violating one). */
    const shows = async (k: number, i = cxs[k]!.steps.length): Promise<void> => {
      const c = cxs[k]!;
      await p.waitForSelector(`body[data-cx="${k + 1}"][data-current="${c.steps[i - 1]!.index}"]`, WAIT);
      expect(await p.locator('#cxbar button[aria-selected="true"]').getAttribute('data-cx')).toBe(String(k + 1));
      expect(await p.locator('#finding-header').innerText()).toBe(c.finding.header);
      const meta = await p.locator('#meta').innerText();
      expect(meta).toContain(c.token);
      expect(meta).toContain(`${k + 1} of ${cxs.length}`);
      expect(await p.locator('#steps tbody tr.step').count()).toBe(c.steps.length);
      expect(await p.$$eval('#steps tr.step.violation', (trs) => trs.map((tr) => tr.getAttribute('data-step')))).toEqual([String(c.steps.length)]);
      const shown = await p.$$eval('#detail .dst .c', (els) => els.map((e) => e.textContent));
      expect(shown).toEqual(c.steps[i - 1]!.statements.map((st) => st.text));
      expect(new URL(p.url()).hash).toBe(`#cx=${k + 1}&step=${c.steps[i - 1]!.index}`);
    };
    try {
      const tabs = await p.$$eval('#cxbar button', (bs) => bs.map((b) => b.textContent ?? ''));
      expect(tabs).toHaveLength(cxs.length);
      cxs.forEach((c, k) => expect(tabs[k]).toBe(`${k + 1}${c.property} \u00b7 ${c.steps.length} ${c.steps.length === 1 ? 'step' : 'steps'}`));
      await shows(0);
      await p.keyboard.press('n');
      await shows(1);
      await p.keyboard.press('n');
      await shows(2);
      // The step keys move within the counterexample shown.
      await p.keyboard.press('Home');
      await shows(2, 1);
      await p.keyboard.press('j');
      await shows(2, 2);
      await p.keyboard.press('End');
      await shows(2, cxs[2]!.steps.length);
      await p.keyboard.press('p');
      await shows(1);
      await p.keyboard.press('p');
      await shows(0);
      await p.keyboard.press('p');
      await shows(0);
      await p.keyboard.press(String(Math.min(9, cxs.length)));
      await shows(Math.min(9, cxs.length) - 1);
      await p.locator(`#cxbar button[data-cx="2"]`).click();
      await shows(1);
    } finally {
      await p.close();
    }
    // Opened at a fragment, the page shows that counterexample at that step.
    const q = await open(renderHtml(many), 'many.html', '#cx=3&step=2');
    try {
      await q.waitForSelector('body[data-cx="3"][data-current="2"]', WAIT);
      expect(await q.locator('#finding-header').innerText()).toBe(cxs[2]!.finding.header);
      expect(await q.locator('#steps tr.step.current').getAttribute('data-step')).toBe('2');
    } finally {
      await q.close();
    }
  });

  /** Elements matching `sel` that an ancestor which clips its overflow (hidden, auto, scroll) cuts, with the ancestor (up to `stop`, the page when absent). */
  const clippedIn = (p: Page, sel: string, stop?: string): Promise<string[]> =>
    p.$$eval(
      sel,
      (els, stopSel) => {
        const out: string[] = [];
        const doc = els[0]?.ownerDocument;
        const stopEl = stopSel && doc ? doc.querySelector(stopSel) : null;
        for (const el of els) {
          const r = el.getBoundingClientRect();
          if (!r.width && !r.height) continue;
          for (let a = el.parentElement; a && a !== doc?.body && a !== stopEl; a = a.parentElement) {
            const cs = doc!.defaultView!.getComputedStyle(a);
            if (cs.overflowX === 'visible' && cs.overflowY === 'visible') continue;
            const b = a.getBoundingClientRect();
            const inside = r.left >= b.left + a.clientLeft - 1 && r.top >= b.top + a.clientTop - 1 && r.right <= b.left + a.clientLeft + a.clientWidth + 1 && r.bottom <= b.top + a.clientTop + a.clientHeight + 1;
            if (!inside) out.push(`${el.className || el.tagName} "${(el.textContent ?? '').slice(0, 40)}" cut by ${a.id || a.className || a.tagName}`);
          }
        }
        return out;
      },
      stop,
    );

  it('opens at the violating step, its row in view, and so does each counterexample it switches to', async () => {
    for (const viewport of [{ width: 1280, height: 800 }, { width: 800, height: 700 }]) {
      const p = await open(renderHtml(many), `open-${viewport.width}.html`, '', viewport);
      try {
        for (const [k, c] of many.counterexamples.entries()) {
          if (k) await p.keyboard.press('n');
          const n = c.steps.length;
          await p.waitForSelector(`body[data-cx="${k + 1}"][data-current="${n}"]`, WAIT);
          expect(await p.locator('#steps tr.step.current').getAttribute('data-step')).toBe(String(n));
          expect(await p.locator('#detail').getAttribute('data-step')).toBe(String(n));
          // The violating row's top is on screen, inside the trace box and below its sticky header.
          const box = (await p.locator('#trace').boundingBox())!;
          const head = (await p.locator('#steps thead').boundingBox())!;
          const cur = (await p.locator(`#steps tr.step[data-step="${n}"]`).boundingBox())!;
          expect(cur.y, `${viewport.width}px, counterexample ${k + 1}`).toBeGreaterThanOrEqual(head.y + head.height - 1);
          expect(cur.y).toBeLessThan(Math.min(box.y + box.height, viewport.height) - 10);
        }
      } finally {
        await p.close();
      }
    }
  });

  it('shows every line of the finding, at 1280 and at 800 pixels: none is cut off or left to an inner scroll', async () => {
    // A finding longer than any the model writes, as well as the real ones.
    const long = withCx(many, (c) => ({ ...c, finding: { ...c.finding, details: [...c.finding.details, ...Array.from({ length: 30 }, (_, i) => `  extra line ${i + 1} of the finding, long enough to wrap at eight hundred pixels: ${'x'.repeat(60)}`)] } }));
    for (const viewport of [{ width: 1280, height: 800 }, { width: 800, height: 700 }]) {
      for (const [name, t] of [['many', many], ['long', long]] as const) {
        const p = await open(renderHtml(t), `finding-${name}-${viewport.width}.html`, '', viewport);
        try {
          const details = t.counterexamples[0]!.finding.details;
          expect(await p.$$eval('#finding-details div', (ds) => ds.map((d) => d.textContent))).toEqual(details);
          expect(await clippedIn(p, '#finding-details div, #finding-header')).toEqual([]);
          const fd = await p.locator('#finding-details').evaluate((e) => ({ client: e.clientHeight, scroll: e.scrollHeight }));
          expect(fd.scroll, `${name} at ${viewport.width}px`).toBeLessThanOrEqual(fd.client + 1);
          // The steps keep room below it (at least 45% of the window or 280 pixels): the page scrolls instead.
          expect((await p.locator('main').boundingBox())!.height).toBeGreaterThanOrEqual(Math.max(280, viewport.height * 0.45) - 1);
        } finally {
          await p.close();
        }
      }
    }
  });

  it('lane headers do not clip: a long thread name and where each thread ended wrap inside their column', async () => {
    const LONG = 'cs_alloc_under_lock_of_a_second_process_with_a_rather_long_name';
    const renamed = JSON.parse(JSON.stringify(many).replaceAll('cs_alloc_under_lock', LONG)) as Trace;
    for (const viewport of [{ width: 1280, height: 800 }, { width: 800, height: 700 }]) {
      const p = await open(renderHtml(renamed), `lanes-${viewport.width}.html`, '', viewport);
      try {
        for (const k of renamed.counterexamples.keys()) {
          if (k) await p.keyboard.press('n');
          await p.waitForSelector(`body[data-cx="${k + 1}"]`, WAIT);
          expect(await p.$$eval('#steps thead th.lane .name', (els) => els.map((e) => e.textContent))).toContain(LONG);
          // Every part of a lane header lies inside its header cell, and nothing in it is cut.
          const out = await p.$$eval('#steps thead th.lane', (ths) =>
            ths.flatMap((th) => {
              const b = th.getBoundingClientRect();
              return [...th.querySelectorAll('*')].flatMap((el) => {
                const r = el.getBoundingClientRect();
                const inside = r.left >= b.left - 1 && r.right <= b.right + 1 && r.top >= b.top - 1 && r.bottom <= b.bottom + 1;
                const cut = el.scrollHeight > el.clientHeight + 1 && el.ownerDocument.defaultView!.getComputedStyle(el).overflowY !== 'visible';
                return inside && !cut ? [] : [`${th.getAttribute('data-thread')}: ${el.className} "${(el.textContent ?? '').slice(0, 50)}"${inside ? '' : ' outside its header'}${cut ? ' cut' : ''}`];
              });
            }),
          );
          expect(out, `${viewport.width}px, counterexample ${k + 1}`).toEqual([]);
        }
      } finally {
        await p.close();
      }
    }
  });

  it('at 800 pixels the lanes and lock strips get the width, and every one of them can be scrolled into view', async () => {
    const viewport = { width: 800, height: 700 };
    // The sample trace (two lanes, five lock strips) fits the window without sideways scrolling.
    const p = await open(renderHtml(trace), 'narrow.html', '', viewport);
    try {
      const t = await p.locator('#trace').evaluate((e) => ({ client: e.clientWidth, scroll: e.scrollWidth }));
      expect(t.scroll).toBeLessThanOrEqual(t.client);
      expect(t.client).toBeGreaterThanOrEqual(viewport.width - 20);
      // The detail pane is still on screen, under the steps.
      const d = (await p.locator('#detail').boundingBox())!;
      expect(d.y).toBeLessThan(viewport.height);
      expect(d.width).toBeGreaterThanOrEqual(viewport.width - 20);
    } finally {
      await p.close();
    }
    // A trace wider than the window: three more lanes. Each lane and lock strip can be scrolled to
    // inside the trace box, and is then wholly on screen.
    const wide: Trace = { ...trace, threads: [...trace.threads, 'reclaim', 'fault', 'lock_holder'] };
    const q = await open(renderHtml(wide), 'narrow-wide.html', '', viewport);
    try {
      expect(await q.locator('#steps thead th.lane').count()).toBe(wide.threads.length);
      const t = await q.locator('#trace').evaluate((e) => ({ client: e.clientWidth, scroll: e.scrollWidth, overflowX: e.ownerDocument.defaultView!.getComputedStyle(e).overflowX }));
      expect(t.scroll).toBeGreaterThan(t.client);
      expect(['auto', 'scroll']).toContain(t.overflowX);
      const heads = q.locator('#steps thead th.lane, #steps thead th.lock');
      const n = await heads.count();
      expect(n).toBe(wide.threads.length + (await q.locator('#steps thead th.lock').count()));
      for (let i = 0; i < n; i++) {
        const h = heads.nth(i);
        await h.evaluate((e) => e.scrollIntoView({ block: 'nearest', inline: 'nearest' }));
        const r = (await h.boundingBox())!;
        const box = (await q.locator('#trace').boundingBox())!;
        const what = (await h.getAttribute('data-thread')) ?? (await h.getAttribute('title'));
        expect(r.x, String(what)).toBeGreaterThanOrEqual(Math.max(0, box.x) - 1);
        expect(r.x + r.width, String(what)).toBeLessThanOrEqual(Math.min(viewport.width, box.x + box.width) + 1);
        expect(r.y + r.height, String(what)).toBeLessThanOrEqual(viewport.height);
      }
    } finally {
      await q.close();
    }
  });

  it('saves a screenshot at 1280x800', async () => {
    await page.keyboard.press('End');
    await currentIs(cx.steps.length);
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    rmSync(SCREENSHOT, { force: true });
    await page.screenshot({ path: SCREENSHOT });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
  });

  it('made no network request: only its own file:// URLs, and no script error', () => {
    expect(requests.length).toBeGreaterThan(0);
    const own = new Set(
      ['trace.html', 'lasso.html', 'setup.html', 'many.html', 'open-1280.html', 'open-800.html', 'narrow.html', 'narrow-wide.html', 'lanes-1280.html', 'lanes-800.html', ...['many', 'long'].flatMap((n) => [`finding-${n}-1280.html`, `finding-${n}-800.html`])].map((f) => url.replace(/trace\.html$/, f)),
    );
    expect(requests.filter((r) => !own.has(r.replace(/#.*$/, '')))).toEqual([]);
  });
});
