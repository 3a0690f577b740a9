/**
 * The command line, run in-process through `main` (and once as a real process): exit codes, output,
 * and every kind of bad input, which must give one clear line on stderr, exit 2, no stack trace and
 * no file written.
 */
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, createReadStream, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { programsLinked } from '../../src/model/kernel/scenario.ts';
import { WAIT_PATCH } from '../model/patch/fixtures.ts';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const dir = mkdtempSync(join(tmpdir(), 'mnc-cli-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

/** The words of a command line as sh splits them (spaces, single quotes, backslashes). */
function words(cmd: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < cmd.length; i++) {
    const ch = cmd[i]!;
    if (ch === "'") {
      const j = cmd.indexOf("'", i + 1);
      cur += cmd.slice(i + 1, j);
      i = j;
      inWord = true;
    } else if (ch === '\\') {
      cur += cmd[++i] ?? '';
      inWord = true;
    } else if (ch === ' ') {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/** The replay command lines a report prints, in order. */
function replayLines(out: string): string[] {
  return [...out.matchAll(/^ {2}\((mnc replay --token .*)\)$/gm)].map((m) => m[1]!);
}

const readJson = (p: string): Record<string, unknown> => JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;

/** One line on stderr, starting with "mnc:", no stack trace. */
function expectOneLine(err: string, pattern: RegExp): void {
  const lines = err.split('\n').filter((l) => l.trim());
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^mnc: /);
  expect(lines[0]).toMatch(pattern);
  expect(err).not.toMatch(/\n\s+at /);
}

describe('exit codes', () => {
  test('0 when every property holds', async () => {
    const r = await run('check', 'amdgpu-read-lock-nonblock', '--variant', 'tetsuo', '-q');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ok {3}no-sleep:might-sleep/);
  });
  test('1 for a violation, with the kernel-style report', async () => {
    const r = await run('check', 'amdgpu-read-lock-nonblock', '--variant', 'clarify', '-q');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/BUG: sleeping function called from non-blockable invalidate_range_start/);
    expect(r.out).toMatch(/replay token: \d+(\/\d+)*#[0-9a-f]{16}/);
  });
  test('3 when a bound stops exploration before anything is found', async () => {
    const r = await run('check', 'amdgpu-read-lock-nonblock', '--variant', 'tetsuo', '--max-states', '5', '-q');
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/INCOMPLETE: exploration stopped \(max-states\)/);
  });
  test('--help of every subcommand exits 0 and lists its exit codes', async () => {
    const codes: Record<string, string[]> = { list: ['0', '70'], check: ['0', '1', '2', '3', '70'], matrix: ['0', '2', '3', '70'], compare: ['0', '1', '2', '3', '70'], replay: ['0', '1', '2', '70'], history: ['0', '2', '3', '70'] };
    for (const [c, want] of Object.entries(codes)) {
      const r = await run(c, '--help');
      expect(r.code, c).toBe(0);
      expect(r.out, c).toMatch(new RegExp(`Usage: mnc ${c}`));
      const listed = [...r.out.slice(r.out.indexOf('\nExit codes:\n')).matchAll(/^ {2}(\d+) {2}/gm)].map((m) => m[1]);
      expect(listed, c).toEqual(want);
    }
    const top = await run('--help');
    expect([...top.out.slice(top.out.indexOf('\nExit codes:\n')).matchAll(/^ {2}(\d+) {2}/gm)].map((m) => m[1])).toEqual(['0', '1', '2', '3', '70']);
  });
});

describe('bad input: one line, exit 2, nothing written', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown scenario', ['check', 'no-such-scenario'], /unknown scenario "no-such-scenario"/],
    ['unknown driver', ['check', 'amdgpu-read-lock-nonblock', '--driver', 'nvidia@1'], /unknown driver "nvidia"/],
    ['unknown variant of a driver', ['check', 'amdgpu-read-lock-nonblock', '--driver', 'amdgpu@nope'], /amdgpu has no variant "nope"/],
    ['unknown scenario variant', ['check', 'amdgpu-read-lock-nonblock', '--variant', 'nope'], /--variant nope: scenario amdgpu-read-lock-nonblock has the variants/],
    ['unknown property', ['check', 'amdgpu-read-lock-nonblock', '--property', 'liveness'], /unknown property/],
    ['unknown core', ['check', 'amdgpu-read-lock-nonblock', '--core', 'v9.9'], /unknown core version/],
    ['a variant the core cannot call', ['check', 'amdgpu-read-lock-nonblock', '--core', 'v5.0', '--driver', 'amdgpu@clarify'], /--driver amdgpu@clarify implements the v4.19 callbacks, but --core v5.0 calls the v5.0 ones; give a v5.0 variant \(amdgpu@v5.0\) or another --core/],
    ['bad integer', ['check', 'amdgpu-read-lock-nonblock', '--max-states', 'many'], /--max-states must be an integer >= 1/],
    ['bad strategy', ['check', 'amdgpu-read-lock-nonblock', '--strategy', 'astar'], /argument 'astar' is invalid/],
    ['bad time', ['check', 'amdgpu-read-lock-nonblock', '--time', '-3'], /must be a number of seconds > 0/],
    ['unknown flag', ['check', 'amdgpu-read-lock-nonblock', '--frobnicate'], /unknown option '--frobnicate'/],
    ['missing trace', ['replay', join(dir, 'absent.json')], /cannot read trace .*ENOENT/],
  ];
  for (const [name, argv, pattern] of cases) {
    test(name, async () => {
      const r = await run(...argv);
      expect(r.code).toBe(2);
      expectOneLine(r.err, pattern);
    });
  }

  test('pages beyond 2^24: a VMA, an object or a thread parameter (the encoding hashes numbers modulo 2^32)', async () => {
    const base = { name: 'big', core: 'v4.19', vmas: [{ start: 0, end: 4 }], notifiers: [{ use: 'kvm', objects: [{ start: 0, end: 4 }] }], threads: [{ kind: 'madvise', params: { start: 0, len: 1 } }] };
    const vma = await run('check', file('big-vma.json', JSON.stringify({ ...base, vmas: [{ start: 2 ** 32, end: 2 ** 32 + 4 }] })));
    expect(vma.code).toBe(2);
    expectOneLine(vma.err, /big-vma\.json: vmas\[0\]\.start: must be <= 16777215/);
    const obj = await run('check', file('big-obj.json', JSON.stringify({ ...base, notifiers: [{ use: 'kvm', objects: [{ start: 0, end: 2 ** 31 }] }] })));
    expect(obj.code).toBe(2);
    expectOneLine(obj.err, /big-obj\.json: notifiers\[0\]\.objects\[0\]\.end: must be <= 16777216/);
    const param = await run('check', file('big-param.json', JSON.stringify({ ...base, threads: [{ kind: 'madvise', params: { start: 2 ** 32, len: 1 } }] })));
    expect(param.code).toBe(2);
    expectOneLine(param.err, /big-param\.json: threads\[0\]\.params\.start: expected a page number, an integer from 0 to 16777215/);
  });

  test('names every JavaScript object has (constructor, toString, __proto__) are not drivers, kinds, variants or locks (found by the fuzz test: an internal error before)', async () => {
    const base = { name: 'h', core: 'v4.19', oom: true, vmas: [{ start: 0, end: 4 }], notifiers: [{ use: 'kvm', objects: [{ start: 0, end: 4 }] }], threads: [{ kind: 'oom_reaper' }] };
    const cases: [string, unknown, string[], RegExp][] = [
      ['kind __proto__', { ...base, threads: [{ kind: '__proto__' }] }, [], /threads\[0\]\.kind: unknown thread kind "__proto__"/],
      ['kind constructor', { ...base, threads: [{ kind: 'constructor' }] }, [], /threads\[0\]\.kind: unknown thread kind "constructor"/],
      ['driver thread constructor', { ...base, threads: [{ kind: 'kvm:constructor' }] }, [], /kvm@93065ac753e4 \(the kvm core v4\.19 runs where a scenario names no other\) has no thread "constructor"; it has: tdp_fault; no kvm variant core v4\.19 can call has it/],
      ['lock toString', { ...base, threads: [{ kind: 'lock_holder', params: { lock: 'toString' } }] }, [], /threads\[0\]\.params\.lock: expected the name of a lock of the scenario/],
      ['parameter constructor', { ...base, threads: [{ kind: 'oom_reaper', params: { constructor: 1 } }] }, [], /threads\[0\]\.params\.constructor: unknown parameter/],
      ['variant thread map', { ...base, variants: { a: { threads: { constructor: 'x' } } } }, [], /variants\.a\.threads\.constructor: the scenario has no thread of this kind/],
      ['driver constructor', { ...base, notifiers: [{ use: 'constructor' }] }, [], /notifiers\[0\]\.use: unknown driver "constructor"/],
      ['--variant constructor', base, ['--variant', 'constructor'], /--variant constructor: scenario h has no variants/],
      ['--driver kvm@constructor', base, ['--driver', 'kvm@constructor'], /kvm has no variant "constructor"/],
      ['--core toString', base, ['--core', 'toString'], /--core toString: unknown core version/],
    ];
    for (const [name, sc, flags, pattern] of cases) {
      const r = await run('check', file(`inherited-${name.replace(/\W+/g, '_')}.json`, JSON.stringify(sc)), ...flags, '-q');
      expect(r.code, name).toBe(2);
      expectOneLine(r.err, pattern);
    }
  });

  test('a kvm vCPU fault outside every memslot, or without an address: one line naming the field (an internal error before)', async () => {
    const base = { name: 'k', core: 'v4.19', oom: true, vmas: [{ start: 0, end: 4 }], notifiers: [{ use: 'kvm', objects: [{ start: 0, end: 4 }] }] };
    const out = await run('check', file('kvm-mmio.json', JSON.stringify({ ...base, threads: [{ kind: 'oom_reaper' }, { kind: 'kvm:tdp_fault', params: { address: 9 } }] })), '-q');
    expect(out.code).toBe(2);
    expectOneLine(out.err, /kvm-mmio\.json: threads\[1\]\.params\.address: guest page 9 lies in no memslot of kvm0 \(its objects: \[0, 4\)\); an access outside every memslot is emulated MMIO/);
    const none = await run('check', file('kvm-noaddr.json', JSON.stringify({ ...base, threads: [{ kind: 'oom_reaper' }, { kind: 'kvm:tdp_fault' }] })), '-q');
    expect(none.code).toBe(2);
    expectOneLine(none.err, /kvm-noaddr\.json: threads\[1\]\.params\.address: expected an integer from 0 to 16777215, got nothing/);
  });

  test('two concurrent amdgpu CS ioctls on one notifier: each has its own parser and job, nothing oopses (before: the second found the shared p->job NULL)', async () => {
    const sc = {
      name: 'two-cs',
      core: 'v4.19',
      vmas: [{ start: 0, end: 4 }],
      notifiers: [{ use: 'amdgpu@93065ac753e4', objects: [{ start: 0, end: 2 }] }],
      threads: [{ kind: 'amdgpu:cs_v4_19' }, { kind: 'amdgpu:cs_v4_19' }, { kind: 'madvise', params: { start: 0, len: 1 } }],
    };
    const r = await run('check', file('two-cs.json', JSON.stringify(sc)), '--all', '-q');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ {2}ok {3}no-bug:oops$/m);
    // The second thread of a kind whose name ends in a digit is cs_v4_19_2, not cs_v4_192.
    expect(r.out).toMatch(/^ {2}ok {3}deadlock:partial:cs_v4_19_2$/m);
    for (const kind of ['amdgpu:cs_alloc_under_lock', 'amdgpu:cs_fixed']) {
      const other = await run('check', file(`two-${kind.slice(7)}.json`, JSON.stringify({ ...sc, threads: [{ kind }, { kind }] })), '--property', 'no-bug', '-q');
      expect(other.code, kind).toBe(0);
    }
  });
  test('what the kernel cannot have or rejects: an object outside every VMA, two exit_mmap threads, two oom_reapers, munmap of length 0, two deregistrations of one implicit MR (exit 2, one line naming the field)', async () => {
    const base = { name: 'k', core: 'v4.19', vmas: [{ start: 0, end: 4 }], notifiers: [{ use: 'kvm', objects: [{ start: 0, end: 4 }] }], threads: [{ kind: 'exit_mmap' }] };
    const obj = await run('check', file('outside.json', JSON.stringify({ ...base, notifiers: [{ use: 'kvm', objects: [{ start: 8, end: 12 }] }] })));
    expect(obj.code).toBe(2);
    expectOneLine(obj.err, /outside\.json: notifiers\[0\]\.objects\[0\]: \[8, 12\) lies outside every VMA/);
    const exits = await run('check', file('two-exits.json', JSON.stringify({ ...base, threads: [{ kind: 'exit_mmap' }, { kind: 'exit_mmap' }] })));
    expect(exits.code).toBe(2);
    expectOneLine(exits.err, /two-exits\.json: threads\[1\]\.kind: a second exit_mmap thread: exit_mmap\(\) runs once/);
    const reapers = await run('check', file('two-reapers.json', JSON.stringify({ ...base, oom: true, threads: [{ kind: 'oom_reaper' }, { kind: 'oom_reaper' }] })));
    expect(reapers.code).toBe(2);
    expectOneLine(reapers.err, /two-reapers\.json: threads\[1\]\.kind: a second oom_reaper: the kernel has one oom_reaper kthread/);
    const empty = await run('check', file('munmap-0.json', JSON.stringify({ ...base, threads: [{ kind: 'munmap', params: { start: 0, len: 0 } }] })));
    expect(empty.code).toBe(2);
    expectOneLine(empty.err, /munmap-0\.json: threads\[0\]\.params\.len: munmap of length 0: the kernel rejects it with -EINVAL .*lock_holder of "mm\.mmap_sem"/);
    // Two deregistrations of one implicit MR (before: a use after free the kernel cannot have, reported as no-bug:oops).
    const odp = { ...base, notifiers: [{ use: 'umem_odp', objects: [{ start: 0, end: 4 }] }] };
    const dereg = await run('check', file('two-deregs.json', JSON.stringify({ ...odp, threads: [{ kind: 'umem_odp:free_implicit_mr' }, { kind: 'umem_odp:free_implicit_mr' }] })));
    expect(dereg.code).toBe(2);
    expectOneLine(dereg.err, /two-deregs\.json: threads\[1\]\.kind: a second free_implicit_mr thread of umem_odp0 \(the first is threads\[0\]\): the implicit MR is deregistered once/);
  });
  test('madvise over a gap is run as the kernel runs it, not refused: each VMA of the range advised, -ENOMEM for the hole (v4.19 mm/madvise.c)', async () => {
    const sc = { name: 'gap', core: 'v4.19', vmas: [{ start: 0, end: 4 }, { start: 8, end: 12 }], notifiers: [{ use: 'kvm', objects: [{ start: 2, end: 10 }] }], threads: [{ kind: 'madvise', params: { start: 2, len: 8 } }] };
    const r = await run('check', file('madvise-gap.json', JSON.stringify(sc)));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^gap: core v4\.19, kvm0 kvm@93065ac753e4; \d+ states/);
    // The model's side (both VMAs zapped, each in its own start/end pair, -ENOMEM): test/model/kernel/vma-list.test.ts.
  });
  test('malformed JSON scenario file', async () => {
    const r = await run('check', file('broken.json', '{ "name": "x", '));
    expect(r.code).toBe(2);
    expectOneLine(r.err, /broken\.json: is not valid JSON/);
  });
  test('schema-invalid scenario: the bad field\'s path and what is allowed', async () => {
    const sc = { name: 'x', core: 'v4.19', vmas: [{ start: 0, end: 4, colour: 'red' }], notifiers: [], threads: [{ kind: 'madvise', params: { start: 0, len: 1 } }] };
    const r = await run('check', file('extra-field.json', JSON.stringify(sc)));
    expect(r.code).toBe(2);
    expectOneLine(r.err, /extra-field\.json: vmas\[0\]\.colour: unknown field; allowed here: start, end, file, shared, locked, thp/);
    const bad = { ...sc, vmas: [{ start: 0, end: 4 }], core: 'v9' };
    const r2 = await run('check', file('bad-core.json', JSON.stringify(bad)));
    expectOneLine(r2.err, /bad-core\.json: core: must be one of: v4\.18, 93065ac753e4/);
  });
  test('scenario naming an unknown driver, thread kind or parameter', async () => {
    const base = { name: 'x', core: 'v4.19', vmas: [{ start: 0, end: 4 }], notifiers: [{ use: 'amdgpu' }], threads: [{ kind: 'madvise', params: { start: 0, len: 1 } }] };
    const r1 = await run('check', file('d.json', JSON.stringify({ ...base, notifiers: [{ use: 'radeonx@v4.19' }] })));
    expectOneLine(r1.err, /d\.json: notifiers\[0\]\.use: unknown driver "radeonx"/);
    const r2 = await run('check', file('t.json', JSON.stringify({ ...base, threads: [{ kind: 'syscall' }] })));
    expectOneLine(r2.err, /t\.json: threads\[0\]\.kind: unknown thread kind "syscall"/);
    const r3 = await run('check', file('p.json', JSON.stringify({ ...base, threads: [{ kind: 'madvise', params: { start: 0, len: 1, speed: 3 } }] })));
    expectOneLine(r3.err, /p\.json: threads\[0\]\.params\.speed: unknown parameter; "madvise" takes: start, len/);
  });
  test('corrupt trace: not JSON, not a trace, another version', async () => {
    const a = await run('replay', file('garbage.json', 'not json'));
    expectOneLine(a.err, /garbage\.json is not valid JSON/);
    const b = await run('replay', file('other.json', JSON.stringify({ format: 'something-else' })));
    expectOneLine(b.err, /other\.json: is not an mnc trace/);
    const c = await run('replay', file('v9.json', JSON.stringify({ format: 'mnc-trace', version: 9 })));
    expectOneLine(c.err, /v9\.json: is trace format version 9; this mnc reads versions 1 and 2/);
    for (const x of [a, b, c]) expect(x.code).toBe(2);
  });
  test('an output file in a directory that does not exist: refused before the run, nothing written', async () => {
    const target = join(dir, 'no-such-dir', 'trace.json');
    const r = await run('check', 'amdgpu-read-lock-nonblock', '--variant', 'clarify', '--json', target, '-q');
    expect(r.code).toBe(2);
    expectOneLine(r.err, /--json .*: directory .* does not exist/);
    expect(r.out).toBe('');
    expect(existsSync(target)).toBe(false);
  });
});

describe('traces', () => {
  test('check --json writes a trace that replay confirms; a trace the model no longer matches names the step', async () => {
    const p = join(dir, 'clarify.json');
    const r = await run('check', 'amdgpu-read-lock-nonblock', '--variant', 'clarify', '--json', p, '-q');
    expect(r.code).toBe(1);
    const ok = await run('replay', p);
    expect(ok.code).toBe(1);
    expect(ok.out).toMatch(/the violation of no-sleep:might-sleep is confirmed/);
    // Change the model under the trace: the same steps on the tetsuo variant diverge.
    const trace = JSON.parse(readFileSync(p, 'utf8'));
    trace.scenario.notifiers[0].use = 'amdgpu@tetsuo';
    const changed = file('changed.json', JSON.stringify(trace));
    const bad = await run('replay', changed);
    expect(bad.code).toBe(2);
    expectOneLine(bad.err, /replay of .*changed\.json diverged at step \d+ \(no-sleep:might-sleep\): /);
  });
});

describe('every counterexample: check stops at the first, --all goes on', () => {
  const SC = ['amdgpu-ioctl-alloc-under-lock', '--variant', 'alloc-under-lock'];
  test('without --all: the first violation (a shortest one), the rest undecided and marked ?, and one line saying what --all does', async () => {
    const p = join(dir, 'first.json');
    const r = await run('check', ...SC, '--json', p, '-q');
    expect(r.code).toBe(1);
    expect(r.out.match(/^ {2}FAIL /gm)).toHaveLength(1);
    expect(r.out.match(/^ {2}\? {4}\S/gm)?.length).toBeGreaterThan(1);
    expect(r.out).toMatch(/^Stopped at the first violation: the \d+ properties marked \? are undecided; --all goes on and shows a shortest counterexample of every violated property\.$/m);
    expect(replayLines(r.out)).toHaveLength(1);
    const t = readJson(p);
    expect(t.version).toBe(2);
    expect(t.counterexamples).toHaveLength(1);
    expect(r.err).toMatch(/^mnc: trace of the counterexample of \S+ written to /m);
  });
  test('--all: every property decided, one counterexample per violated engine property, all in the text, the JSON and the page', async () => {
    const p = join(dir, 'all.json');
    const h = join(dir, 'all.html');
    const r = await run('check', ...SC, '--all', '--json', p, '--html', h, '-q');
    expect(r.code).toBe(1);
    const failed = [...r.out.matchAll(/^ {2}FAIL (\S+)$/gm)].map((m) => m[1]!);
    expect(failed.length).toBeGreaterThan(2);
    expect(r.out).not.toMatch(/^ {2}\? /m);
    expect(r.out).not.toMatch(/Stopped at the first violation/);
    // In the text: each in full, in the order of the JSON file.
    const t = readJson(p);
    const cxs = t.counterexamples as { property: string; token: string }[];
    expect(cxs.map((c) => c.property).sort()).toEqual([...failed].sort());
    expect(replayLines(r.out)).toEqual(cxs.map((c) => `mnc replay --token '${c.token}' amdgpu-ioctl-alloc-under-lock --variant alloc-under-lock`));
    expect([...r.out.matchAll(/; property: (\S+)$/gm)].map((m) => m[1])).toEqual(cxs.map((c) => c.property));
    // The page embeds the same trace.
    const html = readFileSync(h, 'utf8');
    for (const c of cxs) expect(html).toContain(c.token);
    expect(r.err).toMatch(new RegExp(`^mnc: trace of ${cxs.length} counterexamples written to `, 'm'));
    // Replay confirms every one.
    const ok = await run('replay', p);
    expect(ok.code).toBe(1);
    expect(ok.out).toMatch(new RegExp(`^replayed all ${cxs.length} counterexamples of amdgpu-ioctl-alloc-under-lock \\(variant alloc-under-lock\\)`));
    for (const c of cxs) expect(ok.out).toContain(`the violation of ${c.property} is confirmed (`);
  });
  test('matrix decides every property; --all prints every counterexample after the table', async () => {
    const r = await run('matrix', '--scenario', 'amdgpu-read-lock-nonblock', '-q');
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/replay token/);
    const all = await run('matrix', '--scenario', 'amdgpu-read-lock-nonblock', '--all', '-q');
    expect(all.code).toBe(0);
    expect(all.out.startsWith(r.out)).toBe(true);
    expect(all.out).toMatch(/^#### amdgpu-read-lock-nonblock @ clarify: \d+ counterexamples?$/m);
    expect(all.out).not.toMatch(/^#### amdgpu-read-lock-nonblock @ tetsuo/m);
    const lines = replayLines(all.out);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const rr = await run(...words(lines.at(-1)!).slice(1));
    expect(rr.code).toBe(1);
  });
});

describe('what was checked is shown, and a conflicting request refused', () => {
  test('the run header names the core and each notifier\'s driver@variant', async () => {
    const r = await run('check', 'amdgpu-read-lock-nonblock', '--variant', 'tetsuo', '-q');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^amdgpu-read-lock-nonblock \(variant tetsuo\): core v4\.19, amdgpu0 amdgpu@tetsuo; \d+ states/);
    // A notifier named without a variant runs the one its core's kernel shipped, and the header says which.
    const g = await run('check', 'gntdev-reaper', '--core', 'v4.18', '--max-states', '10', '-q');
    expect(g.out.split('\n')[0]).toMatch(/^gntdev-reaper: core v4\.18, gntdev0 gntdev@v4\.18; /);
  });
  test('--core whose callbacks the variant\'s driver does not implement: the substitution is printed and recorded', async () => {
    const p = join(dir, 'swap.json');
    const r = await run('check', 'amdgpu-read-lock-nonblock', '--variant', 'clarify', '--core', 'v4.18', '--json', p, '-q');
    expect(r.code).toBe(1);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^amdgpu-read-lock-nonblock \(variant clarify\): core v4\.18, amdgpu0 amdgpu@v4\.18; /);
    expect(lines[1]).toBe('  note: --core v4.18 calls the v4.18 callbacks: amdgpu0 runs amdgpu@v4.18 in place of amdgpu@clarify (variant clarify), which implements the other ones');
    expect(r.out).toMatch(/^scenario: amdgpu-read-lock-nonblock \(variant clarify\), core v4\.18, amdgpu0 amdgpu@v4\.18; property: /m);
    const t = readJson(p);
    expect(t.notifiers).toEqual([{ id: 'amdgpu0', use: 'amdgpu@v4.18' }]);
    expect(t.notes).toEqual([lines[1]!.replace(/^ {2}note: /, '')]);
  });
  test('--driver over the variant\'s driver: printed', async () => {
    const r = await run('check', 'amdgpu-read-lock-nonblock', '--variant', 'clarify', '--driver', 'amdgpu@tetsuo', '-q');
    expect(r.code).toBe(0);
    expect(r.out.split('\n').slice(0, 2)).toEqual([
      expect.stringMatching(/^amdgpu-read-lock-nonblock \(variant clarify\): core v4\.19, amdgpu0 amdgpu@tetsuo; /),
      '  note: --driver amdgpu@tetsuo: amdgpu0 runs amdgpu@tetsuo in place of amdgpu@clarify (variant clarify)',
    ]);
  });
  const refused: [string, string[], RegExp][] = [
    ['two variants of one driver', ['--driver', 'amdgpu@clarify', '--driver', 'amdgpu@tetsuo'], /^mnc: --driver amdgpu@tetsuo conflicts with --driver amdgpu@clarify: every amdgpu notifier runs one variant/],
    ['a driver variant the core cannot call', ['--driver', 'amdgpu@clarify', '--core', 'v4.18'], /^mnc: --driver amdgpu@clarify implements the v4\.19 callbacks, but --core v4\.18 calls the v4\.18 ones; give a v4\.18 variant \(amdgpu@v4\.18\) or another --core$/],
    ['a driver the scenario does not have', ['--driver', 'gntdev@fixup'], /^mnc: --driver gntdev@fixup: scenario amdgpu-read-lock-nonblock has no gntdev notifier \(its notifiers: amdgpu@93065ac753e4\)$/],
  ];
  for (const [name, flags, pattern] of refused) {
    test(`refused: ${name} (exit 2, one line, nothing run)`, async () => {
      const r = await run('check', 'amdgpu-read-lock-nonblock', ...flags, '-q');
      expect(r.code).toBe(2);
      expectOneLine(r.err, pattern);
      expect(r.out).toBe('');
    });
  }
  test('replay --token says what it replays', async () => {
    const r = await run('check', 'amdgpu-read-lock-nonblock', '--variant', 'clarify', '-q');
    const rr = await run(...words(replayLines(r.out)[0]!).slice(1));
    expect(rr.out.split('\n')[0]).toMatch(/^replayed \d+ steps of amdgpu-read-lock-nonblock \(variant clarify\), core v4\.19, amdgpu0 amdgpu@clarify:$/);
    // Then what the threads ran while the initial state was built, then step 1.
    const lines = rr.out.split('\n');
    expect(lines[1]).toMatch(/^Before step 1, while the initial state is built, /);
    expect(lines.slice(2, lines.findIndex((l) => /^ +1\. /.test(l)))).toEqual(expect.arrayContaining([expect.stringMatching(/^ +0\. munmap +vm_munmap\(\)/), expect.stringMatching(/LIST_HEAD\(uf\);$/)]));
  });
});

describe('no vacuous pass: what does not apply says so', () => {
  test('--property of a check the scenario does not have: exit 2, one line that says why', async () => {
    const reaper = await run('check', 'i915-overlapping-invalidations', '--property', 'reaper-progress', '-q');
    expect(reaper.code).toBe(2);
    expectOneLine(reaper.err, /^mnc: --property reaper-progress does not apply to scenario i915-overlapping-invalidations: the scenario has no oom_reaper thread, so it would pass without checking anything$/);
    const victim = await run('check', 'i915-overlapping-invalidations', '--property', 'no-sleep', '--property', 'no-premature-victim', '-q');
    expect(victim.code).toBe(2);
    expectOneLine(victim.err, /^mnc: --property no-premature-victim does not apply to scenario i915-overlapping-invalidations: the scenario has no OOM victim \("oom": true\)/);
    expect(victim.out).toBe('');
  });
  test('a scenario file that asks for such a property: the same, naming the field', async () => {
    const p = file('props.json', JSON.stringify({ name: 'props', core: 'v4.19', vmas: [{ start: 0, end: 4 }], notifiers: [{ use: 'kvm', objects: [{ start: 0, end: 4 }] }], threads: [{ kind: 'madvise', params: { start: 0, len: 1 } }], properties: ['reaper-progress'] }));
    const r = await run('check', p, '-q');
    expect(r.code).toBe(2);
    expectOneLine(r.err, /props\.json: properties: reaper-progress does not apply to scenario props: the scenario has no oom_reaper thread/);
  });
  test('without --property, the summary lists what does not apply and why, and the rest decides the exit code', async () => {
    const r = await run('check', 'i915-overlapping-invalidations', '--property', 'no-sleep', '--property', 'no-bug', '-q');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ {2}ok {3}no-bug:oops$/m);
    expect(r.out).toMatch(/^ {2}- {4}no-bug \(does not apply: no modelled function of the scenario has a BUG_ON\(\)\)$/m);
    const all = await run('check', 'i915-overlapping-invalidations', '-q');
    expect(all.out).toMatch(/^ {2}- {4}reaper-progress \(does not apply: the scenario has no oom_reaper thread\)$/m);
    expect(all.out).toMatch(/^ {2}- {4}no-premature-victim \(does not apply: the scenario has no OOM victim \("oom": true\)\)$/m);
  });
  test('compare: a side that names nothing, or sides that leave nothing to compare, are exit 2 with why', async () => {
    const typo = await run('compare', '--before', 'v9', '--after', 'v4.19', 'radeon-reaper', '-q');
    expect(typo.code).toBe(2);
    expectOneLine(typo.err, /^mnc: --before v9: not a core version \(v4\.18, .*\), a driver@variant \(`mnc list` shows them\), or a variant of scenario radeon-reaper$/);
    const none = await run('compare', '--before', 'gntdev@93065ac753e4', '--after', 'gntdev@fixup', 'radeon-reaper', '-q');
    expect(none.code).toBe(2);
    expectOneLine(none.err, /^mnc: no scenario was compared: radeon-reaper: it has no gntdev notifier; name scenarios both sides apply to$/);
    const same = await run('compare', '--before', 'v4.19', '--after', 'v4.19', 'radeon-reaper', '-q');
    expect(same.code).toBe(2);
    expectOneLine(same.err, /--before and --after are both v4\.19/);
  });
});

describe('--property takes the names the reports print', () => {
  test('a sub-property: only that check runs, and its replay line works verbatim', async () => {
    const r = await run('check', 'amdgpu-read-lock-nonblock', '--variant', 'clarify', '--property', 'no-sleep:might-sleep', '-q');
    expect(r.code).toBe(1);
    expect(r.out.split('\n').filter((l) => /^ {2}(ok|FAIL|\?) /.test(l))).toEqual(['  FAIL no-sleep:might-sleep']);
    const line = replayLines(r.out)[0]!;
    expect(line).toMatch(/ amdgpu-read-lock-nonblock --variant clarify --property no-sleep:might-sleep$/);
    const rr = await run(...words(line).slice(1));
    expect(rr.code).toBe(1);
    expect(rr.out).toMatch(/^violated in the last state: no-sleep:might-sleep$/m);
  });
  test('a thread\'s partial-deadlock check, and a prefix that takes every one', async () => {
    const one = await run('check', 'amdgpu-read-lock-nonblock', '--variant', 'tetsuo', '--property', 'deadlock:partial:munmap', '-q');
    expect(one.code).toBe(0);
    expect(one.out.split('\n').filter((l) => /^ {2}(ok|FAIL|\?) /.test(l))).toEqual(['  ok   deadlock:partial:munmap']);
    const partial = await run('check', 'amdgpu-read-lock-nonblock', '--variant', 'tetsuo', '--property', 'deadlock:partial', '-q');
    expect(partial.out.split('\n').filter((l) => /^ {2}(ok|FAIL|\?) /.test(l))).toEqual(['  ok   deadlock:partial:oom_reaper', '  ok   deadlock:partial:munmap']);
  });
  test('the same property twice, or a property and one of its checks: each check once', async () => {
    const r = await run('check', 'amdgpu-read-lock-nonblock', '--variant', 'tetsuo', '--property', 'no-sleep', '--property', 'no-sleep', '--property', 'no-sleep:blocked', '-q');
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter((l) => /^ {2}(ok|FAIL|\?) /.test(l))).toEqual(['  ok   no-sleep:might-sleep', '  ok   no-sleep:blocked']);
  });
  test('a check the scenario does not have: exit 2, naming those it has', async () => {
    const r = await run('check', 'amdgpu-read-lock-nonblock', '--property', 'deadlock:partial:kvm', '-q');
    expect(r.code).toBe(2);
    expectOneLine(r.err, /^mnc: --property deadlock:partial:kvm: scenario amdgpu-read-lock-nonblock has no such check; deadlock there has: deadlock, deadlock:partial:oom_reaper, deadlock:partial:munmap$/);
  });
  test('a JSON trace of a run limited to a sub-property replays', async () => {
    const p = join(dir, 'sub.json');
    const r = await run('check', 'amdgpu-read-lock-nonblock', '--variant', 'clarify', '--property', 'no-sleep:might-sleep', '--json', p, '-q');
    expect(r.code).toBe(1);
    expect(readJson(p).options).toEqual({ coalesce: true, properties: ['no-sleep:might-sleep'] });
    const rr = await run('replay', p);
    expect(rr.code).toBe(1);
    expect(rr.out).toMatch(/the violation of no-sleep:might-sleep is confirmed/);
  });
});

describe('output files: nothing destroyed, nothing clobbered, checked before the run', () => {
  const sc = 'amdgpu-read-lock-nonblock';
  const isTrace = (text: string): boolean => (JSON.parse(text) as { format?: string }).format === 'mnc-trace';
  test('--json onto a symbolic link writes the file it points to; the link stays a link', async () => {
    const target = file('link-target.json', 'old');
    const link = join(dir, 'link.json');
    symlinkSync(target, link);
    const r = await run('check', sc, '--variant', 'clarify', '--json', link, '-q');
    expect(r.code).toBe(1);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(target);
    expect(isTrace(readFileSync(target, 'utf8'))).toBe(true);
    // A dangling link: the file it names is created.
    const dangling = join(dir, 'dangling.json');
    symlinkSync(join(dir, 'made-by-mnc.json'), dangling);
    expect((await run('check', sc, '--variant', 'clarify', '--json', dangling, '-q')).code).toBe(1);
    expect(lstatSync(dangling).isSymbolicLink()).toBe(true);
    expect(isTrace(readFileSync(join(dir, 'made-by-mnc.json'), 'utf8'))).toBe(true);
  });
  test('a regular file is replaced whole, keeping its permissions, and no temporary file is left', async () => {
    const p = file('mode.json', 'old');
    chmodSync(p, 0o640);
    expect((await run('check', sc, '--variant', 'clarify', '--json', p, '-q')).code).toBe(1);
    expect(statSync(p).mode & 0o777).toBe(0o640);
    expect(isTrace(readFileSync(p, 'utf8'))).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
  test('--json into a FIFO writes into it: the FIFO stays a FIFO', async () => {
    const fifo = join(dir, 'trace.fifo');
    await promisify(execFile)('mkfifo', [fifo]);
    const root = join(import.meta.dirname, '../..');
    const child = promisify(execFile)(process.execPath, ['bin/mnc.js', 'check', sc, '--variant', 'clarify', '--json', fifo, '-q'], { cwd: root }).catch((e: { code: number }) => e);
    const chunks: Buffer[] = [];
    await new Promise<void>((res, rej) => createReadStream(fifo).on('data', (d) => chunks.push(d as Buffer)).on('end', res).on('error', rej));
    expect(((await child) as { code?: number }).code).toBe(1);
    expect(isTrace(Buffer.concat(chunks).toString('utf8'))).toBe(true);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });
  test('an output that is the scenario file being checked is refused before the run, and the file is kept', async () => {
    const p = join(dir, 'input.json');
    copyFileSync(join(import.meta.dirname, '../../examples/amdgpu-ioctl-vs-reaper.json'), p);
    const before = readFileSync(p, 'utf8');
    for (const flag of ['--json', '--html']) {
      const r = await run('check', p, '--variant', 'before-fix', flag, p, '-q');
      expect(r.code, flag).toBe(2);
      expectOneLine(r.err, new RegExp(`^mnc: ${flag} .*input\\.json is the scenario file being checked; writing it would destroy the scenario`));
      expect(r.out).toBe('');
    }
    // Also when the output names it through a link, or the input is a built-in's file.
    const alias = join(dir, 'alias.json');
    symlinkSync(p, alias);
    expect((await run('check', p, '--variant', 'before-fix', '--json', alias, '-q')).code).toBe(2);
    expect(readFileSync(p, 'utf8')).toBe(before);
    const builtin = join(import.meta.dirname, '../../scenarios/radeon-reaper.json');
    const r = await run('check', 'radeon-reaper', '--json', builtin, '-q');
    expect(r.code).toBe(2);
    expectOneLine(r.err, /is the scenario file being checked/);
  });
  test('--json and --html naming one file are refused before the run', async () => {
    const p = join(dir, 'both.out');
    const r = await run('check', sc, '--variant', 'clarify', '--json', p, '--html', p, '-q');
    expect(r.code).toBe(2);
    expectOneLine(r.err, /^mnc: --json .*both\.out and --html .*both\.out are the same file: each would overwrite the other; name two files$/);
    expect(r.out).toBe('');
    expect(existsSync(p)).toBe(false);
  });
  test('an output that cannot be written is refused before exploring', async () => {
    const notDir = file('plain-file', 'x');
    const r = await run('check', sc, '--variant', 'clarify', '--json', join(notDir, 'x.json'), '-q');
    expect(r.code).toBe(2);
    expectOneLine(r.err, /^mnc: --json .*plain-file\/x\.json: .*plain-file is not a directory$/);
    expect(r.out).toBe('');
    const d = await run('check', sc, '--variant', 'clarify', '--html', dir, '-q');
    expect(d.code).toBe(2);
    expectOneLine(d.err, /^mnc: --html .*: is a directory; name a file in it$/);
  });
});

describe('matrix on several cores, with progress, and stopped by a signal', () => {
  test('--jobs 2 gives the table --jobs 1 gives, rows in scenario order; progress says run N of M with an estimate', async () => {
    const one = await run('matrix', '--scenario', 'gntdev-reaper', '--scenario', 'amdgpu-read-lock-nonblock', '--jobs', '1', '-q');
    const two = await run('matrix', '--scenario', 'gntdev-reaper', '--scenario', 'amdgpu-read-lock-nonblock', '--jobs', '2');
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    expect(two.out).toBe(one.out);
    expect(one.out.split('\n')[2]).toMatch(/^gntdev-reaper +v4\.18 /);
    const progress = two.err.split('\n');
    expect(progress).toHaveLength(7);
    progress.forEach((l, i) => expect(l).toMatch(new RegExp(`^mnc: \\[${i + 1}/7\\] (gntdev-reaper|amdgpu-read-lock-nonblock) @ \\S+: (pass|violation), \\d+ states, [\\d.]+ s${i < 6 ? '; about \\d+ s left' : ''}$`)));
  });
  test('--core runs every scenario on that core, as check --core does; one the core cannot have is listed as not run', async () => {
    const r = await run('matrix', '--core', 'v5.4', '--scenario', 'test-hmm-reaper', '--scenario', 'amdgpu-read-lock-nonblock', '--json', '-', '-q');
    expect(r.code).toBe(0);
    const m = JSON.parse(r.out) as { core: string; rows: { scenario: string; variant: string | null; status: string; why?: string; verdicts: Record<string, string> }[] };
    expect(m.core).toBe('v5.4');
    const hmm = m.rows.find((x) => x.scenario === 'test-hmm-reaper')!;
    expect(hmm.status).toBe('cannot run');
    expect(hmm.why).toMatch(/test_hmm@v5\.7 is an mmu_interval_notifier, which core v5\.4 does not have/);
    expect(r.err).toMatch(/^every run on core v5\.4$/m);
    expect(r.err).toMatch(/^1 not run: the core cannot have this scenario:$/m);
    expect(r.err).toMatch(/^ {2}test-hmm-reaper: notifiers\[0\]\.use: test_hmm@v5\.7 is an mmu_interval_notifier/m);
    // Each run is the one check --core gives: the same verdict per property.
    const clarify = m.rows.find((x) => x.scenario === 'amdgpu-read-lock-nonblock' && x.variant === 'clarify')!;
    const c = await run('check', 'amdgpu-read-lock-nonblock', '--variant', 'clarify', '--core', 'v5.4', '--all', '--json', '-', '-q');
    expect(c.code).toBe(1);
    const verdicts = (JSON.parse(c.out) as { run: { verdicts: { property: string; status: string }[] } }).run.verdicts;
    const failedByCheck = [...new Set(verdicts.filter((v) => v.status === 'violated').map((v) => v.property.split(':')[0]!))].sort();
    expect(Object.entries(clarify.verdicts).filter(([, v]) => v === 'violated').map(([k]) => k).sort()).toEqual(failedByCheck);
    expect(failedByCheck).toContain('no-sleep');
    // Without --core the scenario runs on its own core.
    const plain = await run('matrix', '--scenario', 'test-hmm-reaper', '--json', '-', '-q');
    expect((JSON.parse(plain.out) as { rows: { status: string }[] }).rows[0]!.status).toBe('pass');
  });
  test('an unknown --core is bad input', async () => {
    const r = await run('matrix', '--core', 'v9.9', '-q');
    expect(r.code).toBe(2);
    expectOneLine(r.err, /^mnc: --core v9\.9: unknown core version \(known: v4\.18, /);
  });
  test('a bad --jobs is bad input', async () => {
    const r = await run('matrix', '--jobs', '0');
    expect(r.code).toBe(2);
    expectOneLine(r.err, /--jobs must be an integer >= 1/);
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    test(`${sig} stops the matrix: the table of the runs made, the rest named, exit 3`, async () => {
      const { spawn } = await import('node:child_process');
      const child = spawn(process.execPath, ['bin/mnc.js', 'matrix', '--jobs', '1'], { cwd: join(import.meta.dirname, '../..') });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        // After the second run, stop it.
        if (/\[2\/\d+\]/.test(err) && !child.killed) child.kill(sig);
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(err).toMatch(new RegExp(`mnc: interrupted \\(${sig}\\): stopping and reporting what was explored`));
      expect(code).toBe(3);
      expect(out).toMatch(/^scenario +variant +no-sleep/);
      expect(out).toMatch(/^amdgpu-cs-reclaim +alloc-under-lock /m);
      expect(out).toMatch(/^INCOMPLETE: interrupted before \d+ more runs: .*v418-blockable-backoff @ v4\.19\.$/m);
    }, 120_000);
  }
});

describe('replay lines work verbatim', () => {
  test('for a scenario file, through a real shell, with a space in its path', async () => {
    mkdirSync(join(dir, 'my scenarios'), { recursive: true });
    const sc = join(dir, 'my scenarios', 'ioctl.json');
    copyFileSync(join(import.meta.dirname, '../../examples/amdgpu-ioctl-vs-reaper.json'), sc);
    const r = await run('check', sc, '--variant', 'before-fix', '-q');
    expect(r.code).toBe(1);
    const [line] = replayLines(r.out);
    expect(line).toContain(`'${sc}' --variant before-fix`);
    const root = join(import.meta.dirname, '../..');
    const { stdout } = await promisify(execFile)('sh', ['-c', line!.replace(/^mnc /, `'${process.execPath}' bin/mnc.js `)], { cwd: root }).catch((e: { stdout: string; stderr: string; code: number }) => {
      expect(e.code, e.stderr).toBe(1);
      return e;
    });
    expect(stdout).toMatch(/^violated in the last state: no-sleep:might-sleep$/m);
  });
  test('with --core, --driver, --property and --no-coalesce as the run had them', async () => {
    const r = await run('check', 'amdgpu-read-lock-nonblock', '--driver', 'amdgpu@clarify', '--property', 'no-sleep', '--no-coalesce', '-q');
    expect(r.code).toBe(1);
    const [line] = replayLines(r.out);
    expect(line).toMatch(/ amdgpu-read-lock-nonblock --driver amdgpu@clarify --property no-sleep --no-coalesce$/);
    const rr = await run(...words(line!).slice(1));
    expect(rr.code).toBe(1);
    expect(rr.out).toMatch(/^violated in the last state: no-sleep:might-sleep$/m);
  });
  test('check --first: depth-first, its counterexample shortened, and the replay line works verbatim', async () => {
    // Depth-first meets i915's leaked counter after 245 steps; the depth-bounded re-runs bring it
    // down to 64, the length breadth-first search gives (before --first there was no such option;
    // 287 and 76 before the pmd test ran on in the step before it where no VMA has a huge page, 266
    // and 70 before a release of a lock its thread holds ran on in the step before it, 256 and 68
    // before a step the thread that just moved can take alone ran on in its transition, 232 and 56
    // before that run-through was judged against the other threads' whole programs).
    const r = await run('check', 'i915-reaper', '--variant', '93065ac753e4', '--first', '-q');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^ {2}note: --first: the first violation found depth-first, of pairing:unbalanced-state, had 245 steps; shortened to 64 steps by \d+ depth-bounded re-runs \(\d+ states\)$/m);
    expect(r.out).toMatch(/The interleaving that leads there \(64 steps\)/);
    const [line] = replayLines(r.out);
    const rr = await run(...words(line!).slice(1));
    expect(rr.code).toBe(1);
    expect(rr.out).toMatch(/^violated in the last state: pairing:unbalanced-state$/m);
    for (const bad of [['--all'], ['--strategy', 'bfs']]) {
      const x = await run('check', 'i915-reaper', '--first', ...bad, '-q');
      expect(x.code).toBe(2);
      expectOneLine(x.err, /^mnc: --first /);
    }
  });
  test('the flags that name a scenario go with --token only: a trace file records them', async () => {
    const p = join(dir, 'flags.json');
    await run('check', 'amdgpu-read-lock-nonblock', '--variant', 'clarify', '--json', p, '-q');
    const r = await run('replay', p, '--variant', 'clarify');
    expect(r.code).toBe(2);
    expectOneLine(r.err, /go with --token/);
  });
});

describe('identical threads: symmetry reduction', () => {
  // The reaper and two identical madvise threads over one BO (amdgpu before the fix: the reaper's
  // start sleeps): the madvise threads are one class.
  const sc = JSON.stringify({
    name: 'two-madvise',
    description: 'the oom_reaper and two identical madvise threads over one amdgpu BO',
    core: 'v4.19',
    oom: true,
    vmas: [{ start: 8, end: 10 }],
    notifiers: [{ use: 'amdgpu@93065ac753e4', objects: [{ start: 8, end: 10 }] }],
    threads: [{ kind: 'oom_reaper' }, { kind: 'madvise', params: { start: 8, len: 2 } }, { kind: 'madvise', params: { start: 8, len: 2 } }],
  });
  const verdictLines = (out: string): string[] => out.split('\n').filter((l) => /^ {2}(ok|FAIL|\?|-) /.test(l));
  const statesOf = (out: string): number => Number(/; (\d+) states,/.exec(out)![1]);
  test('the same verdicts as --no-symmetry in fewer states, and its counterexamples replay verbatim', async () => {
    const f = file('two-madvise.json', sc);
    const on = await run('check', f, '--all', '-q');
    const off = await run('check', f, '--all', '-q', '--no-symmetry');
    expect(on.code).toBe(1);
    expect(off.code).toBe(1);
    expect(verdictLines(on.out)).toEqual(verdictLines(off.out));
    expect(verdictLines(on.out).some((l) => l.includes('FAIL'))).toBe(true);
    expect(statesOf(on.out)).toBeLessThan(statesOf(off.out));
    const lines = replayLines(on.out);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const rr = await run(...words(line).slice(1));
      expect(rr.code, rr.err).toBe(1);
      expect(rr.out).toMatch(/^violated in the last state: /m);
    }
  });
  test('a property about one of the identical threads alone: checked without the reduction, no internal error', async () => {
    const f = file('two-madvise-partial.json', sc);
    const r = await run('check', f, '--property', 'deadlock:partial:madvise2', '-q');
    expect(r.err).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    expect(verdictLines(r.out)).toEqual(['  ok   deadlock:partial:madvise2']);
  });
});

describe('check --jobs: one check on worker threads', () => {
  const verdictLines = (out: string): string[] => out.split('\n').filter((l) => /^ {2}(ok|FAIL|\?|-) /.test(l));
  const statesOf = (out: string): string => /; (\d+) states,/.exec(out)![1]!;
  test('the same verdicts and states as one thread, and its counterexamples replay verbatim', async () => {
    const args = ['check', 'amdgpu-ioctl-alloc-under-lock', '--variant', 'v4.19.y', '--all', '-q'];
    const one = await run(...args);
    const two = await run(...args, '--jobs', '2');
    expect(one.code).toBe(1);
    expect(two.code, two.err).toBe(1);
    expect(verdictLines(two.out)).toEqual(verdictLines(one.out));
    expect(statesOf(two.out)).toBe(statesOf(one.out));
    const lines = replayLines(two.out);
    expect(lines.length).toBe(replayLines(one.out).length);
    for (const line of lines) {
      const rr = await run(...words(line).slice(1));
      expect(rr.code, rr.err).toBe(1);
      expect(rr.out).toMatch(/^violated in the last state: /m);
    }
  });
  test('what it cannot do is refused in one line, exit 2', async () => {
    for (const [args, pattern] of [
      [['--first'], /^mnc: --first searches depth-first on one thread: leave out --jobs$/],
      [['--strategy', 'dfs'], /^mnc: --jobs explores breadth-first on several threads: leave out --strategy dfs, or --jobs$/],
      [['--forecast'], /^mnc: --forecast times its pilot run on one thread: leave out --jobs$/],
    ] as const) {
      const r = await run('check', 'kvm-pairing-under-reaper', '--jobs', '2', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.out).toBe('');
      expectOneLine(r.err, pattern);
    }
    const zero = await run('check', 'kvm-pairing-under-reaper', '--jobs', '0');
    expect(zero.code).toBe(2);
    expectOneLine(zero.err, /--jobs/);
    // The workers start before the scenario is read (src/report/prepare-workers.ts): a scenario
    // that cannot be read is still one line, and they are stopped.
    const missing = await run('check', 'no-such-scenario', '--jobs', '2');
    expect(missing.code).toBe(2);
    expectOneLine(missing.err, /no-such-scenario/);
  });
});

describe('history: one scenario on every core version', () => {
  /** The cells of a row of the table, by core. */
  const rowOf = (out: string, label: string): Record<string, string> => {
    const lines = out.split('\n');
    const cores = lines[1]!.trim().split(/\s+/);
    const row = lines.find((l) => l.trim().split(/\s+/)[0] === label)!;
    const cells = row.trim().split(/\s+/).slice(1);
    return Object.fromEntries(cores.map((c, i) => [c, cells[i]!]));
  };
  test('a column per core, oldest first; each cell what check --core finds; the substitutions in the notes', async () => {
    const r = await run('history', 'kvm-pairing-under-reaper', '-q');
    expect(r.code, r.err).toBe(0);
    expect(r.out.split('\n')[1]!.trim().split(/\s+/)).toEqual(['v4.18', '93065ac753e4', '93065ac753e4-returns-true', 'v4.19', 'mayfail', 'v5.0', 'v5.2', 'v5.4', 'v5.5', 'v5.12', 'v6.6']);
    const pairing = rowOf(r.out, 'pairing:missing-end');
    for (const core of ['v4.19', 'v5.0', 'v5.4']) {
      const c = await run('check', 'kvm-pairing-under-reaper', '--core', core, '--all', '-q');
      expect(pairing[core], core).toBe(/^ {2}FAIL pairing:missing-end$/m.test(c.out) ? 'FAIL' : 'ok');
    }
    expect(pairing['v4.19']).toBe('FAIL');
    // no-bug:warn exists on v5.4 only.
    expect(rowOf(r.out, 'no-bug:warn')['v4.19']).toBe('-');
    expect(rowOf(r.out, 'no-bug:warn')['v5.4']).toBe('ok');
    expect(r.out).toMatch(/^ {2}v5\.0: --core v5\.0 calls the v5\.0 callbacks: amdgpu0 runs amdgpu@v5\.0 in place of amdgpu@tetsuo/m);
  });
  test("the KVM-imbalance scenario: KVM's end missing from 93065ac753e4 to v5.5, fixed on v5.12, whose WARN_ON check exists there only", async () => {
    const r = await run('history', 'kvm-imbalance-i915', '-q');
    expect(r.code, r.err).toBe(0);
    const missing = rowOf(r.out, 'pairing:missing-end');
    expect(missing).toEqual({
      'v4.18': 'ok',
      '93065ac753e4': 'FAIL',
      '93065ac753e4-returns-true': 'FAIL',
      'v4.19': 'FAIL',
      mayfail: 'FAIL',
      'v5.0': 'FAIL',
      'v5.2': 'FAIL',
      'v5.4': 'FAIL',
      'v5.5': 'FAIL',
      'v5.12': 'ok',
      'v6.6': 'ok',
    });
    expect(rowOf(r.out, 'pairing:unbalanced-state')['v5.12']).toBe('ok');
    expect(rowOf(r.out, 'pairing:failed-start-end')['v5.5']).toBe('-');
    expect(rowOf(r.out, 'pairing:failed-start-end')['v5.12']).toBe('ok');
    // compare between the last core before the fix and v5.12: the two findings removed, none introduced.
    const c = await run('compare', '--before', 'v5.5', '--after', 'v5.12', 'kvm-imbalance-i915', '-q');
    expect(c.code, c.err).toBe(0);
    expect(c.out).toMatch(/^kvm-imbalance-i915: 2 removed, 0 introduced, 0 in both$/m);
    expect(c.out).toMatch(/^ {2}- removed: +pairing:missing-end$/m);
    expect(c.out).toMatch(/^ {2}- removed: +pairing:unbalanced-state$/m);
  });
  test('a process_mrelease scenario: only v6.6 runs it; history says why the others cannot, compare refuses a side without the system call', async () => {
    const r = await run('history', 'process-mrelease-reaper', '-q');
    expect(r.code, r.err).toBe(0);
    expect(rowOf(r.out, 'result')['v6.6']).toBe('pass');
    expect(rowOf(r.out, 'result')['v5.12']).toBe('cannot');
    expect(r.out).toMatch(/^ {2}v5\.12: cannot run it: command line: threads\[1\]\.kind: process_mrelease\(2\) entered in v5\.15 \(884a7e5964e0\): core v5\.12 does not have it \(the v6\.6 core does\)$/m);
    const c = await run('compare', '--before', 'v5.12', '--after', 'v6.6', 'process-mrelease-reaper', '-q');
    expect(c.code).toBe(2);
    expectOneLine(c.err, /^mnc: no scenario was compared: process-mrelease-reaper: its process_mrelease thread is a system call core v5\.12 does not have \(5\.15 on\)/);
  });
  test("a driver across kernels (hfi1-tid-reaper names hfi1 without a variant): each core runs the hfi1 it ships, listed under the table where it changes; the no-sleep finding comes with v6.6's hfi1", async () => {
    const r = await run('history', 'hfi1-tid-reaper', '-q');
    expect(r.code, r.err).toBe(0);
    const row = rowOf(r.out, 'no-sleep:might-sleep');
    expect(row['v6.6']).toBe('FAIL');
    for (const core of ['v4.18', 'v4.19', 'v5.4', 'v5.5', 'v5.12']) expect(row[core], core).toBe('ok');
    const drivers = r.out.slice(r.out.indexOf('drivers (where they change):'));
    expect(drivers.split('\n').slice(1, 6)).toEqual(['  v4.18: hfi1@v4.18', '  93065ac753e4: hfi1@93065ac753e4', '  v5.0: hfi1@v5.0', '  v5.2: hfi1@v5.2', '  v6.6: hfi1@v6.6']);
    // A reader thread of the v6.6 variant only: the older cores cannot run the scenario, and say which thread they lack.
    const cs = await run('history', 'amdgpu-userptr-reaper', '-q');
    expect(cs.code, cs.err).toBe(0);
    expect(rowOf(cs.out, 'result')['v6.6']).toBe('pass');
    expect(cs.out).toMatch(/^ {2}v5\.12: cannot run it: .*amdgpu@v5\.2 \(the amdgpu core v5\.12 runs where a scenario names no other\) has no thread "cs"; .*; amdgpu@v6\.6 has it and core v5\.12 can call it: name it in the scenario, or pass --driver amdgpu@v6\.6$/m);
  });
  test('an interval notifier\'s scenario (test_hmm): the cores before v5.5 cannot run it, and say why; v5.5 decides it', async () => {
    const r = await run('history', 'test-hmm-fault-vs-munmap', '-q');
    expect(r.code, r.err).toBe(0);
    const row = rowOf(r.out, 'interval-coherency:stale-use');
    expect(row['v5.5']).toBe('ok');
    expect(row['v5.4']).toBe('-');
    expect(rowOf(r.out, 'result')['v5.4']).toBe('cannot');
    expect(r.out).toMatch(/^ {2}v5\.4: cannot run it: .*test_hmm@v5\.7 is an mmu_interval_notifier, which core v5\.4 does not have \(v5\.5 added them, 99cb252f5e68\)$/m);
    // compare between two cores before v5.5 skips it with the reason.
    const c = await run('compare', '--before', 'v5.2', '--after', 'v5.4', 'test-hmm-reaper', 'hfi1-reaper', '-q');
    expect(c.code, c.err).toBe(0);
    expect(c.out).toMatch(/test-hmm-reaper: skipped \(its test_hmm notifier is an mmu_interval_notifier, which core v5\.2 does not have \(v5\.5 on\)/);
  });
  test('bad input is one line, exit 2; a bound makes it incomplete, exit 3', async () => {
    const bad = await run('history', 'no-such-scenario');
    expect(bad.code).toBe(2);
    expect(bad.out).toBe('');
    expectOneLine(bad.err, /^mnc: unknown scenario "no-such-scenario"/);
    const prop = await run('history', 'kvm-pairing-under-reaper', '--property', 'no-such-property');
    expect(prop.code).toBe(2);
    expect(prop.out).toBe('');
    const bounded = await run('history', 'kvm-pairing-under-reaper', '--max-states', '10', '-q');
    expect(bounded.code).toBe(3);
    expect(bounded.out).toMatch(/^ {2}v4\.19: incomplete \(max-states\)$/m);
  });
});

describe('replay compares the real states', () => {
  /** A trace of several counterexamples, written once. */
  let base: Record<string, unknown>;
  const cxsOf = (t: Record<string, unknown>) => t.counterexamples as { property: string; loopStart?: number; initial: { fingerprint: string; encoding: string }; steps: { fingerprint: string; encoding: string; statements: unknown[] }[] }[];
  const write = (name: string, t: unknown): string => file(name, JSON.stringify(t));
  /** The encoding with one value changed: value j (0-based) replaced by one it never takes. */
  const changed = (enc: string, j: number): string => enc.split(',').map((v, i) => (i === j ? 'i424242' : v)).join(',');

  test('set up: a trace of every counterexample', async () => {
    const p = join(dir, 'states.json');
    const r = await run('check', 'amdgpu-ioctl-alloc-under-lock', '--variant', 'alloc-under-lock', '--all', '--json', p, '-q');
    expect(r.code).toBe(1);
    base = readJson(p);
    expect(cxsOf(base).length).toBeGreaterThan(1);
  });
  test('a recorded encoding edited at one step, its fingerprint kept: the divergence at that step', async () => {
    const t = structuredClone(base);
    const c = cxsOf(t)[1]!;
    const step = c.steps[2]!;
    step.encoding = changed(step.encoding, 5);
    const r = await run('replay', write('edited-encoding.json', t));
    expect(r.code).toBe(2);
    expectOneLine(r.err, new RegExp(`diverged at step 3 \\(counterexample 2 of \\d+, ${c.property}\\): the state after step 3 differs from the recorded one \\(value 6 of its encoding: recorded i424242, now i-?\\d+, although the fingerprints agree;`));
  });
  test('the initial state\'s encoding edited: the divergence at step 0', async () => {
    const t = structuredClone(base);
    const c = cxsOf(t)[0]!;
    c.initial.encoding = changed(c.initial.encoding, 0);
    const r = await run('replay', write('edited-initial.json', t));
    expectOneLine(r.err, /diverged at step 0 \(counterexample 1 of \d+, \S+\): the initial state differs from the recorded one \(value 1 of its encoding: recorded i424242, now i\d+, although the fingerprints agree\)/);
  });
  test('a lasso whose cycle does not close on the real states is not reproduced', async () => {
    const t = structuredClone(base);
    const c = cxsOf(t).find((x) => x.loopStart !== undefined)!;
    expect(c).toBeDefined();
    expect(c.loopStart).toBeGreaterThan(0);
    c.loopStart = c.loopStart! - 1;
    const r = await run('replay', write('open-cycle.json', t));
    expect(r.code).toBe(2);
    expectOneLine(r.err, new RegExp(`followed every step but does not reproduce ${c.property} .*: the cycle does not return to the state where it began \\(the state after step ${c.loopStart} differs from the last\\)`));
  });
  test('a version-1 trace is still read, checked by fingerprints only, and says so', async () => {
    const c = cxsOf(base)[0]!;
    const v1 = {
      format: 'mnc-trace',
      version: 1,
      scenario: base.scenario,
      variant: base.variant,
      options: { coalesce: true },
      property: c.property,
      finding: (c as unknown as { finding: unknown }).finding,
      token: (c as unknown as { token: string }).token,
      initial: c.initial.fingerprint,
      threads: base.threads,
      locks: base.locks,
      steps: c.steps.map(({ encoding: _e, ...s }) => s),
      final: (c as unknown as { final: unknown }).final,
      held: (c as unknown as { held: unknown }).held,
    };
    const ok = await run('replay', write('v1.json', v1));
    expect(ok.code).toBe(1);
    expect(ok.out).toMatch(/^this is a version-1 trace: its states are checked by fingerprints only/m);
    expect(ok.out).toContain(`the violation of ${c.property} is confirmed (`);
    // Its fingerprints are compared: one edited is a divergence at that step.
    const bad = structuredClone(v1);
    bad.steps[1]!.fingerprint = '0123456789abcdef';
    const r = await run('replay', write('v1-bad.json', bad));
    expect(r.code).toBe(2);
    expectOneLine(r.err, /diverged at step 2 \(\S+\): the state after step 2 differs from the recorded one \(its fingerprint;/);
  });
});

describe('the real command', () => {
  test('bin/mnc.js runs, prints the list and exits 0', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/mnc.js', 'list'], { cwd: join(import.meta.dirname, '../..') });
    expect(stdout).toMatch(/Built-in scenarios/);
    expect(stdout).toMatch(/Properties \(--property\):/);
    // Each core says which driver variants its kernel shipped, with the evidence where it matters.
    const v419 = stdout.slice(stdout.indexOf('\n  v4.19\n'), stdout.indexOf('\n  mayfail\n'));
    expect(v419).toMatch(/drivers as this kernel shipped them \(a notifier named without @variant\): .*gntdev@93065ac753e4/);
    expect(v419).toMatch(/gntdev@93065ac753e4: the hunk as posted[\s\S]*fix up blockable calls to mn_invl_range_start/);
  });
  test('mnc list cites what a kernel developer can follow (commits, message ids, files and versions), not the project\'s own files', async () => {
    const r = await run('list');
    expect(r.code).toBe(0);
    const internal = /seed 0\d\d|\.\.\/shared|\b\d{3}_[0-9a-f]{16}\.txt|README\.md|index id|search index/;
    expect(r.out.split('\n').filter((l) => internal.test(l))).toEqual([]);
    const j = await run('list', '--json');
    expect(j.out.split('\n').filter((l) => internal.test(l))).toEqual([]);
    expect(r.out).toContain('<20180716115058.5559-1-mhocko@kernel.org>');
  });
  test('mnc list reads the scenario files and links no program (it built every variant of every file, over two seconds)', async () => {
    const before = programsLinked();
    expect((await run('list')).code).toBe(0);
    expect((await run('list', '--json')).code).toBe(0);
    expect(programsLinked()).toBe(before);
  });
  test("mnc check of a built-in's variant links the file's program and the variant's once (seven for a file of four variants before: each variant, then the one run twice)", async () => {
    const before = programsLinked();
    const r = await run('check', 'gntdev-reaper', '--variant', 'v4.19', '-q');
    expect(r.err).toBe('');
    expect(programsLinked() - before).toBe(2);
  });
  test('bin/mnc.js runs the compiled dist/ only while it was built from the sources in src/, else src/ through tsx', async () => {
    const root = join(import.meta.dirname, '../..');
    const t = mkdtempSync(join(tmpdir(), 'mnc-bin-'));
    mkdirSync(join(t, 'bin'));
    for (const f of ['mnc.js', 'src-digest.js']) copyFileSync(join(root, 'bin', f), join(t, 'bin', f));
    writeFileSync(join(t, 'package.json'), '{ "type": "module" }');
    symlinkSync(join(root, 'node_modules'), join(t, 'node_modules'));
    mkdirSync(join(t, 'src', 'cli'), { recursive: true });
    mkdirSync(join(t, 'dist', 'cli'), { recursive: true });
    const say = (who: string, ts = true): string => `export async function main(argv${ts ? ': string[]' : ''}) { console.log('${who}', argv.join(' ')); return 0; }\n`;
    writeFileSync(join(t, 'src', 'cli', 'main.ts'), say('src'));
    writeFileSync(join(t, 'dist', 'cli', 'main.js'), say('dist', false));
    const { srcDigest } = (await import(pathToFileURL(join(t, 'bin', 'src-digest.js')).href)) as { srcDigest: (r: string) => string };
    const mnc = async (): Promise<string> => (await promisify(execFile)(process.execPath, [join(t, 'bin', 'mnc.js'), 'x', 'y'])).stdout.trim();
    // No build: the sources.
    expect(await mnc()).toBe('src x y');
    writeFileSync(join(t, 'dist', 'BUILD'), `${srcDigest(t)}\n`);
    expect(await mnc()).toBe('dist x y');
    // A source edited after the build: the sources again, never the stale build.
    writeFileSync(join(t, 'src', 'cli', 'main.ts'), say('edited'));
    expect(await mnc()).toBe('edited x y');
  });
  test("the build writes each schema's validator beside its module, and dist/ checks a file without loading Ajv, with the same one-line error as src/", async () => {
    const root = join(import.meta.dirname, '../..');
    const t = mkdtempSync(join(tmpdir(), 'mnc-build-'));
    for (const d of ['src', 'scripts', 'bin', 'scenarios', 'examples']) cpSync(join(root, d), join(t, d), { recursive: true });
    for (const f of ['package.json', 'tsconfig.json', 'tsconfig.build.json']) copyFileSync(join(root, f), join(t, f));
    symlinkSync(join(root, 'node_modules'), join(t, 'node_modules'));
    await promisify(execFile)(process.execPath, [join(t, 'scripts', 'build.mjs')], { cwd: t });
    expect(existsSync(join(t, 'dist', 'model', 'kernel', 'scenario.validate.cjs'))).toBe(true);
    expect(existsSync(join(t, 'dist', 'model', 'patch', 'declaration.validate.cjs'))).toBe(true);
    // Who asks for Ajv itself (the fallback compiles the schema with it; the built code needs only its runtime helpers).
    const hook = join(t, 'ajv-hook.cjs');
    writeFileSync(hook, "const M = require('module'); const load = M._load; M._load = function (r, ...a) { if (r === 'ajv') process.stderr.write('Ajv loaded\\n'); return load.call(this, r, ...a); };\n");
    const bad = join(t, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...(JSON.parse(readFileSync(join(root, 'scenarios', 'gntdev-reaper.json'), 'utf8')) as object), bogus: 1 }));
    const r = (await promisify(execFile)(process.execPath, ['--require', hook, join(t, 'bin', 'mnc.js'), 'check', bad], { cwd: t }).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(r.code).toBe(2);
    const src = await run('check', bad);
    expect(src.err).toMatch(/bogus: unknown field/);
    expect(r.stderr).toBe(`${src.err}\n`);
    // And a valid file checked from dist/: no Ajv either.
    const ok = await promisify(execFile)(process.execPath, ['--require', hook, join(t, 'bin', 'mnc.js'), 'check', 'end-after-nonblock-start', '-q'], { cwd: t }).catch((e: { stderr: string; code: number }) => e);
    expect(ok.stderr).toBe('');
  }, 120_000);
  test('mnc list --json: the same listing as data', async () => {
    const r = await run('list', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      format: string;
      scenarios: { name: string; variants: { name: string }[] }[];
      cores: { name: string; shipped: Record<string, string> }[];
      drivers: { name: string; variants: { name: string; api: string; threads: { kind: string }[] }[] }[];
      threads: { kind: string }[];
      properties: { name: string }[];
    };
    expect(j.format).toBe('mnc-list');
    expect(j.scenarios.find((s) => s.name === 'amdgpu-read-lock-nonblock')!.variants.map((v) => v.name)).toEqual(['93065ac753e4', 'clarify', 'tetsuo']);
    expect(j.cores.map((c) => c.name)).toEqual(['v4.18', '93065ac753e4', '93065ac753e4-returns-true', 'v4.19', 'mayfail', 'v5.0', 'v5.2', 'v5.4', 'v5.5', 'v5.12', 'v6.6']);
    expect(j.cores.find((c) => c.name === 'v5.4')!.shipped.gntdev).toBe('v5.2');
    expect(j.cores.find((c) => c.name === 'v4.19')!.shipped.gntdev).toBe('93065ac753e4');
    expect(j.drivers.find((d) => d.name === 'kvm')!.variants.map((v) => [v.name, v.api, v.threads.map((t) => t.kind)])).toEqual([
      ['v4.18', 'v4.18', ['kvm:tdp_fault']],
      ['93065ac753e4', 'v4.19', ['kvm:tdp_fault']],
      ['v5.0', 'v5.0', ['kvm:tdp_fault']],
      ['v5.2', 'v5.2', ['kvm:tdp_fault']],
      ['v6.6', 'v5.2', ['kvm:tdp_fault']],
    ]);
    expect(j.threads.map((t) => t.kind)).toContain('lock_holder');
    expect(j.properties.map((p) => p.name)).toEqual(['no-sleep', 'pairing', 'lock-discipline', 'deadlock', 'reaper-progress', 'no-premature-victim', 'coherency', 'interval-coherency', 'no-bug']);
  });
  test('a bad flag gives exit code 2 from the real process', async () => {
    const r = await promisify(execFile)(process.execPath, ['bin/mnc.js', 'check', 'x', '--max-depth', 'deep'], { cwd: join(import.meta.dirname, '../..') }).catch((e: { code: number; stderr: string }) => e);
    expect((r as { code: number }).code).toBe(2);
    expect((r as { stderr: string }).stderr.trim()).toMatch(/^mnc: .*--max-depth must be an integer >= 0/);
  });
});

describe('compare: the patch review view', () => {
  test('v4.18 against v4.19 on the back-off scenario: the premature victim is removed, the might-sleep introduced', async () => {
    const r = await run('compare', '--before', 'v4.18', '--after', 'v4.19', 'v418-blockable-backoff', '-q');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^v418-blockable-backoff: 1 removed, 1 introduced, 0 in both$/m);
    expect(r.out).toMatch(/^ {2}- removed: {4}no-premature-victim$/m);
    expect(r.out).toMatch(/^ {2}\+ introduced: no-sleep:might-sleep$/m);
    // The table only; --all adds the traces.
    expect(r.out).not.toMatch(/REMOVED by|INTRODUCED by|replay token/);
    expect(r.out).toMatch(/^--all prints the 2 counterexamples of the findings removed and introduced in full\.$/m);
    const all = await run('compare', '--before', 'v4.18', '--after', 'v4.19', 'v418-blockable-backoff', '--all', '-q');
    expect(all.code).toBe(1);
    expect(all.out.startsWith(r.out.split('\n--all prints')[0]!)).toBe(true);
    expect(all.out).toMatch(/REMOVED by v4\.19 \(the trace on v4\.18\):\n=+\nWARNING: MMF_OOM_SKIP set while the victim still holds its memory/);
    expect(all.out).toMatch(/INTRODUCED by v4\.19:\n=+\nBUG: sleeping function called from non-blockable invalidate_range_start/);
    // Each trace's replay line names its side as mnc check would (--core here), and works verbatim.
    const lines = replayLines(all.out);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/ v418-blockable-backoff --core v4\.18$/);
    expect(lines[1]).toMatch(/ v418-blockable-backoff --core v4\.19$/);
    for (const [l, p] of [[lines[0]!, 'no-premature-victim'], [lines[1]!, 'no-sleep:might-sleep']] as const) {
      const rr = await run(...words(l).slice(1));
      expect(rr.code, l).toBe(1);
      expect(rr.out).toContain(`violated in the last state: ${p}\n`);
    }
  });
  test('two driver variants; a scenario the sides do not apply to is skipped, not failed', async () => {
    const r = await run('compare', '--before', 'gntdev@93065ac753e4', '--after', 'gntdev@fixup', 'gntdev-reaper', 'radeon-reaper', '-q');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^gntdev-reaper: \d+ removed, 0 introduced, 0 in both$/m);
    expect(r.out).toMatch(/^radeon-reaper: skipped \(it has no gntdev notifier\)$/m);
  });
  test('a finding of a property only one side has is not lost: it is removed or introduced, and says so', async () => {
    // The fix's variant renames the ioctl thread, so the partial deadlock of the old one has no counterpart after.
    const r = await run('compare', '--before', 'alloc-under-lock', '--after', '4a2de54dc1d7', 'amdgpu-ioctl-alloc-under-lock', '--all', '-q');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^ {2}- removed: {4}deadlock:partial:cs_alloc_under_lock \(4a2de54dc1d7 does not have this property\)$/m);
    // Its trace is printed with the others, and its replay line (a scenario variant here) works verbatim.
    const i = r.out.indexOf('; property: deadlock:partial:cs_alloc_under_lock\n');
    expect(i).toBeGreaterThan(0);
    const line = replayLines(r.out.slice(i))[0]!;
    expect(line).toMatch(/ amdgpu-ioctl-alloc-under-lock --variant alloc-under-lock$/);
    // A partial deadlock is a "reachable" property: replay --token confirms it by exploring from the last state.
    const rr = await run(...words(line).slice(1));
    expect(rr.code).toBe(1);
    expect(rr.out).toMatch(/^violated in the last state: deadlock:partial:cs_alloc_under_lock\nWARNING: cs_alloc_under_lock can never run again/m);
  });
  test('a summary line; --json with each finding\'s replay line; progress says run N of M', async () => {
    const p = join(dir, 'cmp.json');
    const r = await run('compare', '--before', 'v4.18', '--after', 'v4.19', 'v418-blockable-backoff', 'radeon-reaper', '--json', p);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^v4\.19 against v4\.18, 2 scenarios compared: 2 findings removed, 1 introduced, 0 in both\.$/m);
    expect(r.err.split('\n')).toEqual([
      expect.stringMatching(/^mnc: \[1\/4\] v418-blockable-backoff @ v4\.18: violation, \d+ states; about \d+ s left$/),
      expect.stringMatching(/^mnc: \[2\/4\] v418-blockable-backoff @ v4\.19: /),
      expect.stringMatching(/^mnc: \[3\/4\] radeon-reaper @ v4\.18: /),
      expect.stringMatching(/^mnc: \[4\/4\] radeon-reaper @ v4\.19: pass, \d+ states$/),
    ]);
    const j = readJson(p) as { format: string; pairs: { scenario: string; introduced: { property: string; replay: string }[]; removed: { property: string }[] }[] };
    expect(j.format).toBe('mnc-compare');
    expect(j.pairs.map((x) => x.scenario)).toEqual(['v418-blockable-backoff', 'radeon-reaper']);
    const intro = j.pairs[0]!.introduced[0]!;
    expect(intro.property).toBe('no-sleep:might-sleep');
    // The replay line in the JSON works verbatim, as the text's does.
    const rr = await run(...words(intro.replay).slice(1));
    expect(rr.code).toBe(1);
    expect(rr.out).toContain('violated in the last state: no-sleep:might-sleep\n');
    // --json - : standard output is the JSON alone.
    const s = await run('compare', '--before', 'v4.18', '--after', 'v4.19', 'radeon-reaper', '--json', '-', '-q');
    expect((JSON.parse(s.out) as { format: string }).format).toBe('mnc-compare');
  });
  test('--max-states and --time bound each run: incomplete, exit 3', async () => {
    const r = await run('compare', '--before', 'v4.18', '--after', 'v4.19', 'radeon-reaper', '--max-states', '20', '-q');
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/^radeon-reaper: .*\(INCOMPLETE: a side hit a bound\)$/m);
    expect(r.out).toMatch(/1 scenario INCOMPLETE \(a side hit a bound\)\.$/m);
    const t = await run('compare', '--before', 'v4.18', '--after', 'v4.19', 'radeon-reaper', '--time', 'x');
    expect(t.code).toBe(2);
  });
  test('SIGTERM stops the comparison: the table of what was compared, the rest named, exit 3', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['bin/mnc.js', 'compare', '--before', 'v4.18', '--after', 'v4.19'], { cwd: join(import.meta.dirname, '../..') });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (/\[4\/\d+\]/.test(err) && !child.killed) child.kill('SIGTERM');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(3);
    expect(out).toMatch(/^amdgpu-cs-reclaim: /m);
    expect(out).toMatch(/^INCOMPLETE: interrupted before \d+ scenarios .*v418-blockable-backoff\.$/m);
  }, 120_000);
  test('an unknown side is bad input', async () => {
    const r = await run('compare', '--before', 'nvidia@1', '--after', 'v4.19', 'radeon-reaper');
    expect(r.code).toBe(2);
    expectOneLine(r.err, /nvidia@1: unknown driver "nvidia"/);
  });
});

describe('Ctrl-C and SIGTERM', () => {
  for (const [sig, jobs] of [['SIGINT', []], ['SIGTERM', []], ['SIGINT', ['--jobs', '2']]] as const) {
    test(`${sig} returns the partial result: exit 3, the run so far on stdout${jobs.length ? ' (on 2 worker threads)' : ''}`, async () => {
      const { spawn } = await import('node:child_process');
      // A scenario large enough to be running when the signal comes (well past the first progress
      // line, printed after a few seconds: the four-thread one below finished in 5.1 s once steps
      // stopped freezing their parts, and the signal came after it).
      const big = file(
        'big.json',
        JSON.stringify({
          name: 'big',
          core: 'v4.19',
          oom: true,
          vmas: [{ start: 0, end: 4 }, { start: 8, end: 12, file: true, shared: true }],
          notifiers: [{ use: 'amdgpu@93065ac753e4', objects: [{ start: 8, end: 10 }] }, { use: 'kvm', objects: [{ start: 0, end: 4 }] }],
          threads: [
            { kind: 'oom_reaper' },
            { kind: 'amdgpu:cs_v4_19' },
            { kind: 'madvise', params: { start: 8, len: 2 } },
            { kind: 'madvise', name: 'madvise_kvm', params: { start: 0, len: 2 } },
            { kind: 'madvise', name: 'madvise_all', params: { start: 0, len: 4 } },
          ],
          properties: ['deadlock'],
        }),
      );
      const child = spawn(process.execPath, ['bin/mnc.js', 'check', big, '--time', '120', ...jobs], { cwd: join(import.meta.dirname, '../..') });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        // The first progress line says exploration is under way: interrupt it.
        if (/states\/s/.test(err) && !child.killed) child.kill(sig);
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(err).toMatch(new RegExp(`mnc: interrupted \\(${sig}\\): stopping and reporting what was explored`));
      expect(code).toBe(3);
      expect(out).toMatch(/INCOMPLETE: exploration stopped \(interrupted\)/);
    }, 120_000);
  }
});

describe('standard input and output', () => {
  test('--json - writes the trace to standard output, alone; the report goes to standard error', async () => {
    const r = await run('check', 'amdgpu-read-lock-nonblock', '--variant', 'clarify', '--json', '-', '-q');
    expect(r.code).toBe(1);
    expect((JSON.parse(r.out) as { format: string }).format).toBe('mnc-trace');
    expect(r.err).toMatch(/BUG: sleeping function called from non-blockable invalidate_range_start/);
    const both = await run('check', 'amdgpu-read-lock-nonblock', '--json', '-', '--html', '-', '-q');
    expect(both.code).toBe(2);
    expectOneLine(both.err, /^mnc: --json - and --html -: only one output can go to standard output$/);
  });
  test('matrix --json - as well', async () => {
    const r = await run('matrix', '--scenario', 'amdgpu-read-lock-nonblock', '--json', '-', '-q');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { format: string }).format).toBe('mnc-matrix');
    expect(r.err).toMatch(/^scenario +variant/m);
  });
  test('check - reads the scenario from standard input', async () => {
    const text = readFileSync(join(import.meta.dirname, '../../examples/amdgpu-ioctl-vs-reaper.json'), 'utf8');
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['check', '-', '--variant', 'before-fix', '-q'], { out: (x) => out.push(x), err: (x) => err.push(x), stdin: () => text });
    expect(code, err.join('\n')).toBe(1);
    expect(out.join('\n')).toMatch(/BUG: sleeping function called/);
    // Its replay line names "-": the same scenario on standard input replays it.
    const line = replayLines(out.join('\n'))[0]!;
    expect(line).toMatch(/ - --variant before-fix$/);
    const rr = await main(words(line).slice(1), { out: (x) => out.push(x), err: (x) => err.push(x), stdin: () => text });
    expect(rr).toBe(1);
    const bad: string[] = [];
    expect(await main(['check', '-', '-q'], { out: () => {}, err: (x) => bad.push(x), stdin: () => '{ "name": ' })).toBe(2);
    expectOneLine(bad.join('\n'), /^mnc: <stdin>: is not valid JSON/);
  });
  test('check - through a real pipe', async () => {
    const root = join(import.meta.dirname, '../..');
    const { stdout } = await promisify(execFile)('sh', ['-c', `'${process.execPath}' bin/mnc.js check - --variant before-fix -q < examples/amdgpu-ioctl-vs-reaper.json`], { cwd: root }).catch((e: { stdout: string; code: number }) => {
      expect(e.code).toBe(1);
      return e;
    });
    expect(stdout).toMatch(/^amdgpu-ioctl-vs-reaper \(variant before-fix\): core /);
  });
});

describe('internal errors and the random strategy', () => {
  test('an internal error says it is a bug in mnc, how to report it, and exits 70', async () => {
    const err: string[] = [];
    const code = await main(['list'], {
      out: () => {
        throw new TypeError('simulated failure inside mnc');
      },
      err: (s) => err.push(s),
    });
    expect(code).toBe(70);
    expect(err.join('\n')).toMatch(/^mnc: internal error: simulated failure inside mnc\nThis is a bug in mnc, not in your scenario\. Please report it with the command line you ran and this text:/);
  });
  test('random walks never claim a pass: exit 3 when they find nothing, 1 when they find a violation', async () => {
    const none = await run('check', 'amdgpu-read-lock-nonblock', '--variant', 'tetsuo', '--strategy', 'random', '--seed', '7', '--walks', '20', '-q');
    expect(none.code).toBe(3);
    expect(none.out).toMatch(/INCOMPLETE: exploration stopped \(random\)/);
    const found = await run('check', 'amdgpu-read-lock-nonblock', '--variant', 'clarify', '--strategy', 'random', '--seed', '7', '--walks', '200', '-q');
    expect(found.code).toBe(1);
    const again = await run('check', 'amdgpu-read-lock-nonblock', '--variant', 'clarify', '--strategy', 'random', '--seed', '7', '--walks', '200', '-q');
    expect(again.out.replace(/[\d.]+ s/g, 'T')).toBe(found.out.replace(/[\d.]+ s/g, 'T'));
  });
});

describe('replay --token', () => {
  test('the token a report prints re-runs that path and confirms the finding; a wrong token is bad input', async () => {
    const r = await run('check', 'oom-reap-return-value', '--variant', 'returns-true', '--property', 'no-premature-victim', '-q');
    const token = /^replay token: (\S+)$/m.exec(r.out)![1]!;
    // The line names the property the run was limited to: the reduction, so the path, depends on it.
    expect(r.out).toContain(`(mnc replay --token '${token}' oom-reap-return-value --variant returns-true --property no-premature-victim)`);
    const ok = await run(...words(replayLines(r.out)[0]!).slice(1));
    expect(ok.code).toBe(1);
    expect(ok.out).toMatch(/violated in the last state: no-premature-victim\nWARNING: MMF_OOM_SKIP set while the victim still holds its memory/);
    const other = await run('replay', '--token', token, 'oom-reap-return-value', '--variant', 'v4.19', '--property', 'no-premature-victim');
    expect(other.code).toBe(2);
    expectOneLine(other.err, /diverged at/);
    const bad = await run('replay', '--token', 'zero/one', 'oom-reap-return-value');
    expect(bad.code).toBe(2);
    expectOneLine(bad.err, /token/);
  });
  test('a token replayed without its --variant names the variant it was printed for and the command that replays it (before: "the model has changed")', async () => {
    const r = await run('check', 'amdgpu-read-lock-nonblock', '--variant', 'clarify', '-q');
    const token = /^replay token: (\S+)$/m.exec(r.out)![1]!;
    const bare = await run('replay', '--token', token, 'amdgpu-read-lock-nonblock');
    expect(bare.code).toBe(2);
    expectOneLine(bare.err, /diverged at step \d+: .*; it replays with --variant clarify, the configuration it was printed for: mnc replay --token '.*' amdgpu-read-lock-nonblock --variant clarify$/);
    expect(bare.err).not.toMatch(/the model has changed/);
    const suggested = /: (mnc replay .*)$/.exec(bare.err)![1]!;
    const again = await run(...words(suggested).slice(1));
    expect(again.code).toBe(1);
    // A token no configuration of the scenario replays: what it depends on.
    const forged = await run('replay', '--token', token.replace(/#.*/, '#0000000000000000'), 'amdgpu-read-lock-nonblock', '--variant', 'clarify');
    expect(forged.code).toBe(2);
    expectOneLine(forged.err, /the token was printed for another configuration \(the report's replay line gives its --variant, --core, --driver, --patch, --property and --no-coalesce\) or by another version of the model$/);
  });
});

describe('patches as mailed (issue 13)', () => {
  const seed = (name: string): string => join(import.meta.dirname, '../../examples/patches', name);
  const CLARIFY = seed('amdgpu-clarify-read-lock.patch');
  const TETSUO = seed('amdgpu-tetsuo-no-recursion.patch');
  const OOM = seed('oom-reap-task-mm-return-value-and-cleanup.patch');

  test('mnc patch: the subject, then per hunk the function changed with its new golden listing', async () => {
    const r = await run('patch', CLARIFY);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('patch: [PATCH] drm/amd: clarify amdgpu_mn_read_lock !blocking mode');
    expect(lines[1]).toBe('applied to core v4.19 with every driver as that kernel shipped it (--core, --driver choose others)');
    expect(r.out).toMatch(/^hunk 1 \(drivers\/gpu\/drm\/amd\/amdgpu\/amdgpu_mn\.c, @@ void amdgpu_mn_unlock\(struct amdgpu_mn \*mn\)\): changed amdgpu_mn_read_lock\(\)$/m);
    expect(r.out).toMatch(/^ {2}note: amdgpu_mn_read_lock\(\): parameter rmn renamed amn as the patch's tree names it$/m);
    // The golden listing of the patched function: the clarify variant's statements (its golden file).
    const golden = readFileSync(join(import.meta.dirname, '../model/kernel/__golden__/amdgpu@clarify.txt'), 'utf8');
    const statements = (text: string): string[] => {
      const i = text.indexOf('static int amdgpu_mn_read_lock(');
      return text.slice(i).split('\n').slice(1).filter((l, k, a) => /^ +\d+ /.test(l) && a.slice(0, k).every((x) => /^ +\d+ /.test(x)));
    };
    expect(statements(r.out)).toEqual(statements(golden));
    expect(statements(r.out)[0]).toMatch(/^ {2}0 +mutex_lock\(&amn->read_lock\);/);
  });
  test('mnc patch: hunks outside the model are listed and do not stop the rest', async () => {
    const r = await run('patch', TETSUO);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^hunk 2 \(drivers\/gpu\/drm\/amd\/amdgpu\/amdgpu_mn\.c, @@ struct amdgpu_mn \{\): outside the model: outside any modelled function: patch line 47/m);
    expect(r.out).toMatch(/^hunk 5 .*: outside the model: amdgpu_mn_get\(\) is not modelled \(outside the model\)$/m);
    expect(r.out).toMatch(/^hunk 4 .*: changed amdgpu_mn_read_unlock\(\)$/m);
  });
  test('mnc patch: --core chooses the functions; a refused hunk is one line, exit 2, nothing printed', async () => {
    const bad = await run('patch', OOM);
    expect(bad.code).toBe(2);
    expect(bad.out).toBe('');
    expectOneLine(bad.err, /^mnc: patch .*oom-reap-task-mm-return-value-and-cleanup\.patch does not apply, nothing was applied: hunk 1: oom_reap_task_mm\(\), patch line 34: `return true;` is not in the model's function .* \[applied to core v4\.19: --core and --driver choose the functions\]$/);
    const ok = await run('patch', OOM, '--core', '93065ac753e4-returns-true');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^ {2}oom_reap_task_mm\(\) after every hunk of the patch:$/m);
    expect(ok.out).toMatch(/^ {2}oom_reap_task_mm\(\) after every hunk: listed under hunk 1$/m);
  });
  test('mnc patch: several refused hunks: the first in full, the others by number (before, the line sent the reader to the very command that printed it)', async () => {
    // 93065ac753e4 applies to the v4.18 functions it was written against; on v4.19's, which it
    // already changed, most hunks are refused.
    const r = await run('patch', join(import.meta.dirname, '../../examples/patches/93065ac753e4-blockable-mode.patch'), '--core', 'v4.19');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expectOneLine(r.err, /^mnc: patch .*93065ac753e4-blockable-mode\.patch does not apply, nothing was applied: hunk (\d+): .* \(also refused: hunks \d+(, \d+)+\) \[applied to core v4\.19: --core and --driver choose the functions\]$/);
    const ok = await run('patch', join(import.meta.dirname, '../../examples/patches/93065ac753e4-blockable-mode.patch'), '--core', 'v4.18');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^hunk 34 \(include\/linux\/mmu_notifier\.h, .*\): outside the model: its context shows mmu_notifier_invalidate_range_start\(\) with an empty body/m);
    expect(r.err).not.toMatch(/lists them/);
  });
  test('mnc patch: --driver names the variant the patch applies to', async () => {
    // The clarify patch removes the trylock the clarify variant no longer has.
    const r = await run('patch', CLARIFY, '--driver', 'amdgpu@clarify', '--driver', 'amdgpu-hsa@clarify');
    expect(r.code).toBe(2);
    expectOneLine(r.err, /^mnc: patch .* does not apply, nothing was applied: hunk 1: amdgpu_mn_read_lock\(\), patch line \d+: .* is not in the model's function/);
    const api = await run('patch', CLARIFY, '--driver', 'amdgpu@v4.18');
    expect(api.code).toBe(2);
    expectOneLine(api.err, /^mnc: --driver amdgpu@v4\.18 implements the v4\.18 callbacks, but core v4\.19 calls the v4\.19 ones/);
  });
  test('a malformed, missing or unreadable patch: one line, exit 2', async () => {
    const prose = file('prose.patch', 'Subject: nothing\n\njust words\n');
    const cut = file('cut.patch', '--- a/mm/oom_kill.c\n+++ b/mm/oom_kill.c\n@@ -1,3 +1,3 @@ f\n a();\n');
    for (const args of [['patch', prose], ['patch', cut], ['patch', join(dir, 'nope.patch')], ['patch', dir], ['check', 'amdgpu-read-lock-nonblock', '--patch', prose], ['check', 'amdgpu-read-lock-nonblock', '--patch', join(dir, 'nope.patch')]]) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expectOneLine(r.err, /^mnc: (.*prose\.patch:\d*:? ?no diff|.*cut\.patch:\d+: |cannot read patch .*(ENOENT|EISDIR))/);
      expect(r.out).toBe('');
    }
  });
  test('check --patch runs the patched code: Tetsuo\'s patch on 93065ac753e4 gives the tetsuo variant\'s pass, and the header notes it', async () => {
    const without = await run('check', 'amdgpu-read-lock-nonblock', '--variant', '93065ac753e4', '-q');
    expect(without.code).toBe(1);
    const r = await run('check', 'amdgpu-read-lock-nonblock', '--variant', '93065ac753e4', '--patch', TETSUO, '-q');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ {2}note: --patch .*amdgpu-tetsuo-no-recursion\.patch: amdgpu-tetsuo-no-recursion\.patch changes amdgpu_mn_read_lock\(\), amdgpu_mn_read_unlock\(\); 3 hunks are outside the model$/m);
  });
  test('check --patch: a patch the scenario\'s functions refuse is one line, exit 2, nothing run', async () => {
    const r = await run('check', 'amdgpu-read-lock-nonblock', '--patch', OOM, '-q');
    expect(r.code).toBe(2);
    expectOneLine(r.err, /^mnc: patch .* does not apply, nothing was applied: hunk 1: oom_reap_task_mm\(\)/);
    expect(r.out).toBe('');
  });
  test('check --patch: the replay line carries --patch and works verbatim; the trace records the patch and replay re-applies it, or refuses with one line', async () => {
    const local = join(dir, 'clarify.patch');
    copyFileSync(CLARIFY, local);
    const p = join(dir, 'patched.json');
    const r = await run('check', 'amdgpu-read-lock-nonblock', '--variant', '93065ac753e4', '--patch', local, '--json', p, '-q');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^ {2}note: --patch .*clarify\.patch: "\[PATCH\] drm\/amd: clarify amdgpu_mn_read_lock !blocking mode" changes amdgpu_mn_read_lock\(\)$/m);
    const [line] = replayLines(r.out);
    expect(line).toMatch(/ amdgpu-read-lock-nonblock --variant 93065ac753e4 --patch \S*clarify\.patch$/);
    const rr = await run(...words(line!).slice(1));
    expect(rr.code).toBe(1);
    expect(rr.out).toMatch(/^violated in the last state: no-sleep:might-sleep$/m);
    const t = readJson(p) as { patches: unknown; scenario: Record<string, unknown> };
    const { createHash } = await import('node:crypto');
    expect(t.patches).toEqual([{ file: local, subject: '[PATCH] drm/amd: clarify amdgpu_mn_read_lock !blocking mode', sha256: createHash('sha256').update(readFileSync(local)).digest('hex'), fns: ['amdgpu_mn_read_lock'] }]);
    expect(Object.keys(t.scenario)).not.toContain('replaceFns');
    const ok = await run('replay', p);
    expect(ok.code).toBe(1);
    expect(ok.out).toMatch(/the violation of no-sleep:might-sleep is confirmed/);
    // Without the patch, the same steps diverge: the replay above did re-apply it.
    const unpatched = file('unpatched.json', JSON.stringify({ ...t, patches: undefined }));
    expect((await run('replay', unpatched)).code).toBe(2);
    writeFileSync(local, `${readFileSync(CLARIFY, 'utf8')}\n`);
    const edited = await run('replay', p);
    expect(edited.code).toBe(2);
    expectOneLine(edited.err, /was checked with the patch .*clarify\.patch .* and replay re-applies it: .*clarify\.patch has changed since \(its sha256 is/);
    const gone = await run('replay', p, '--patch', local);
    expect(gone.code).toBe(2);
    expectOneLine(gone.err, /--patch, --declare, --property and --no-coalesce go with --token/);
  });

  const WAIT = WAIT_PATCH;
  const TETSUO_ARGS = ['amdgpu-read-lock-nonblock', '--variant', 'tetsuo'];

  test('--declare: a call of an undeclared function is refused (one line naming --declare); declared, the patch applies and no-sleep sees what was declared', async () => {
    const patch = file('wait.patch', WAIT);
    const refused = await run('check', ...TETSUO_ARGS, '--patch', patch, '-q');
    expect(refused.code).toBe(2);
    expect(refused.out).toBe('');
    expectOneLine(refused.err, /^mnc: patch .*wait\.patch does not apply, nothing was applied: hunk 1: amdgpu_mn_read_lock\(\), patch line 10: `amdgpu_mn_wait_fences\(\)` is not modelled: declare whether it may sleep and what it touches \(--declare FILE\.json, docs\/patches\.md\)$/);
    const sleeps = file('sleeps.json', JSON.stringify({ amdgpu_mn_wait_fences: { mightSleep: true } }));
    const bad = await run('check', ...TETSUO_ARGS, '--patch', patch, '--declare', sleeps, '-q');
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/^ {2}note: --declare .*sleeps\.json: amdgpu_mn_wait_fences\(\) runs as declared there$/m);
    expect(bad.out).toMatch(/^ {2}FAIL no-sleep:might-sleep$/m);
    expect(bad.out).toMatch(/^oom_reaper is about to call amdgpu_mn_wait_fences\(\), which may sleep, in amdgpu0 invalidate_range_start \[0, 4\) non-blockable$/m);
    // The patched, declared scenario travels to worker threads as it is: the same finding there.
    const two = await run('check', ...TETSUO_ARGS, '--patch', patch, '--declare', sleeps, '-q', '--jobs', '2');
    expect(two.code, two.err).toBe(1);
    expect(two.out).toMatch(/^ {2}FAIL no-sleep:might-sleep$/m);
    const quiet = file('quiet.json', JSON.stringify({ amdgpu_mn_wait_fences: { mightSleep: false } }));
    const ok = await run('check', ...TETSUO_ARGS, '--patch', patch, '--declare', quiet, '--all', '-q');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^ {2}ok {3}no-sleep:might-sleep$/m);
    // mnc patch takes the declarations too.
    const listed = await run('patch', patch, '--driver', 'amdgpu@tetsuo', '--declare', quiet);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/^declared in .*quiet\.json: amdgpu_mn_wait_fences\(\)$/m);
    expect((await run('patch', patch, '--driver', 'amdgpu@tetsuo')).code).toBe(2);
  });

  test('--declare: the replay line carries it and works verbatim; the trace records the declarations and replay reads them again, or refuses with one line', async () => {
    const patch = file('wait2.patch', WAIT);
    const decl = file('decl2.json', JSON.stringify({ amdgpu_mn_wait_fences: { mightSleep: true } }));
    const p = join(dir, 'declared.json');
    const r = await run('check', ...TETSUO_ARGS, '--patch', patch, '--declare', decl, '--json', p, '-q');
    expect(r.code).toBe(1);
    const [line] = replayLines(r.out);
    expect(line).toMatch(/ amdgpu-read-lock-nonblock --variant tetsuo --patch \S*wait2\.patch --declare \S*decl2\.json$/);
    const rr = await run(...words(line!).slice(1));
    expect(rr.code).toBe(1);
    expect(rr.out).toMatch(/^violated in the last state: no-sleep:might-sleep$/m);
    const t = readJson(p) as { declarations: unknown; scenario: Record<string, unknown> };
    const { createHash } = await import('node:crypto');
    expect(t.declarations).toEqual({ file: decl, sha256: createHash('sha256').update(readFileSync(decl)).digest('hex'), callees: { amdgpu_mn_wait_fences: { mightSleep: true } } });
    expect(Object.keys(t.scenario)).not.toContain('declared');
    expect((await run('replay', p)).code).toBe(1);
    writeFileSync(decl, JSON.stringify({ amdgpu_mn_wait_fences: { mightSleep: false } }));
    const changed = await run('replay', p);
    expect(changed.code).toBe(2);
    expectOneLine(changed.err, /was checked with the declarations .*decl2\.json, and replay reads them again: .*decl2\.json has changed since \(its sha256 is/);
  });

  test('compare --patch: before = the scenario as configured, after = patched; per check fixed, introduced or unchanged (the clarify patch keeps the sleep: no-sleep unchanged)', async () => {
    const r = await run('compare', '--patch', CLARIFY, 'amdgpu-read-lock-nonblock', '-q');
    expect(r.code).toBe(0);
    expect(r.out.split('\n').slice(0, 4)).toEqual([
      'mnc compare: before = each scenario as configured, after = with the patch "[PATCH] drm/amd: clarify amdgpu_mn_read_lock !blocking mode"',
      '',
      'amdgpu-read-lock-nonblock: 0 fixed, 0 introduced, 1 unchanged; the other 18 checks hold before and after',
      '  = unchanged:  no-sleep:might-sleep (violated before and after)',
    ]);
    expect(r.out).toMatch(/^the patch "\[PATCH\] drm\/amd: clarify amdgpu_mn_read_lock !blocking mode" against each scenario as configured, 1 scenario compared: 0 findings fixed, 0 introduced, 1 unchanged\.$/m);
    // Tetsuo's patch fixes it: "fixed", and --all prints the trace before the patch, whose replay line has no --patch.
    const fixed = await run('compare', '--patch', TETSUO, 'amdgpu-read-lock-nonblock', '--all', '-q');
    expect(fixed.code).toBe(0);
    expect(fixed.out).toMatch(/^ {2}- fixed: {6}no-sleep:might-sleep$/m);
    expect(fixed.out).toMatch(/^FIXED by the patch amdgpu-tetsuo-no-recursion\.patch \(the trace before it\):$/m);
    const [line] = replayLines(fixed.out);
    expect(line).toMatch(/ amdgpu-read-lock-nonblock$/);
    expect((await run(...words(line!).slice(1))).code).toBe(1);
  });

  test('compare --patch: an introduced finding prints its counterexample, whose replay line re-applies the patch (and the declarations) and works verbatim; exit 1', async () => {
    const patch = file('wait-cmp.patch', WAIT);
    const decl = file('wait-cmp.json', JSON.stringify({ amdgpu_mn_wait_fences: { mightSleep: true } }));
    const json = join(dir, 'cmp-patch.json');
    // --before names the configuration the patch was made against: the tetsuo variant.
    const r = await run('compare', '--patch', patch, '--declare', decl, '--before', 'tetsuo', 'amdgpu-read-lock-nonblock', '--json', json, '-q');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^mnc compare: before = tetsuo, after = tetsuo with the patch wait-cmp\.patch$/m);
    expect(r.out).toMatch(/^amdgpu-read-lock-nonblock: 0 fixed, 1 introduced, 0 unchanged; the other 18 checks hold before and after\n {2}\+ introduced: no-sleep:might-sleep$/m);
    // Without --all: the introduced counterexample in full.
    expect(r.out).toMatch(/^INTRODUCED by the patch wait-cmp\.patch:\n=+\nBUG: sleeping function called from non-blockable invalidate_range_start$/m);
    const lines = replayLines(r.out);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ amdgpu-read-lock-nonblock --variant tetsuo --patch \S*wait-cmp\.patch --declare \S*wait-cmp\.json$/);
    const rr = await run(...words(lines[0]!).slice(1));
    expect(rr.code).toBe(1);
    expect(rr.out).toMatch(/^violated in the last state: no-sleep:might-sleep$/m);
    const j = readJson(json) as { patch: unknown; pairs: { introduced: { replay: string }[]; holding: string[] }[] };
    expect(j.patch).toEqual({ label: 'the patch wait-cmp.patch', files: [patch], declare: decl });
    expect(j.pairs[0]!.holding).toHaveLength(18);
    expect(j.pairs[0]!.introduced[0]!.replay).toBe(lines[0]);
  });

  test('compare --patch without scenarios: every built-in that runs a function the patch changes; the others skipped by reason, in one line each', async () => {
    const r = await run('compare', '--patch', CLARIFY, '-q');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^amdgpu-read-lock-nonblock: 0 fixed, 0 introduced, 1 unchanged; .*\n {2}= unchanged: {2}no-sleep:might-sleep \(violated before and after\)$/m);
    expect(r.out).toMatch(/^skipped \(the patch changes none of its functions\): (.*, )?end-after-nonblock-start, (.*, )?gntdev-reaper, .*umem-odp-register-vs-reaper(, .*)?$/m);
    // A scenario whose amdgpu variant is another one: the patch does not apply there, and the line says why.
    expect(r.out).toMatch(/^skipped \(patch .*amdgpu-clarify-read-lock\.patch does not apply, nothing was applied: hunk 1: amdgpu_mn_read_lock\(\), patch line \d+: .*\): kvm-pairing-under-reaper$/m);
    expect(r.out).toMatch(/, \d+ scenarios compared \(\d+ skipped\): 0 findings fixed, 0 introduced, \d+ unchanged\.$/m);
    expect(r.out).not.toMatch(/^(gntdev|i915|radeon)-/m);
  }, 120_000);

  test('compare --patch: a patch that applies to nothing compared, or changes nothing a scenario runs, is one line, exit 2', async () => {
    const header = file('oom-h.patch', ['--- a/include/linux/oom.h', '+++ b/include/linux/oom.h', '@@ -1,3 +1,3 @@', ' #ifndef __INCLUDE_LINUX_OOM_H', '-#define __INCLUDE_LINUX_OOM_H', '+#define __INCLUDE_LINUX_OOM_H 1', ' ', ''].join('\n'));
    const cases: [string[], RegExp][] = [
      [['compare', '--patch', header], /^mnc: compare --patch: no built-in scenario runs a function the patch changes \(it changes none of their functions\); name a scenario .*, or see what the patch changes with mnc patch .*oom-h\.patch$/],
      [['compare', '--patch', header, 'radeon-reaper'], /^mnc: compare --patch: the scenario named runs no function the patch changes/],
      // The fix of oom_reap_task_mm() does not apply to v4.19's, which has it.
      [['compare', '--patch', OOM, 'amdgpu-read-lock-nonblock'], /^mnc: compare --patch: nothing was compared: the patch does not apply to amdgpu-read-lock-nonblock: patch .* does not apply, nothing was applied: hunk 1: oom_reap_task_mm\(\), patch line 34: /],
      [['compare', '--patch', OOM], /^mnc: compare --patch: nothing was compared: the patch does not apply to \d+ of them \(the first, amdgpu-cs-reclaim\): .*; name a scenario \(and with --before the core, driver@variant or variant the patch was made against\)/],
      [['compare', '--patch', CLARIFY, '--after', 'v4.19'], /^mnc: --after v4\.19 with --patch: the after side is each scenario with the patches applied; leave out --after/],
      [['compare', '--before', 'v4.18'], /^mnc: compare needs two sides, --before SIDE and --after SIDE, or --patch FILE/],
      [['compare', '--before', 'v4.18', '--after', 'v4.19', '--declare', 'x.json'], /^mnc: --declare x\.json declares the callees a patch calls: it goes with --patch$/],
      [['compare', '--patch', join(dir, 'missing.patch')], /^mnc: cannot read patch .*missing\.patch: ENOENT$/],
    ];
    for (const [args, pattern] of cases) {
      const r = await run(...args, '-q');
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.out).toBe('');
      expectOneLine(r.err, pattern);
    }
    // With --before the configuration it was made against, it compares: the premature victim is fixed.
    const ok = await run('compare', '--patch', OOM, '--before', 'returns-true', 'oom-reap-return-value', '-q');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^ {2}- fixed: {6}no-premature-victim$/m);
  });

  test('compare --jobs 2 runs the sides on worker threads: the same report, progress in the same order; bad input met in a worker is still one line', async () => {
    const args = ['compare', '--before', 'v4.18', '--after', 'v4.19', 'v418-blockable-backoff', 'radeon-reaper', '--all'];
    const one = await run(...args, '--jobs', '1');
    const two = await run(...args, '--jobs', '2');
    expect(two.code).toBe(one.code);
    expect(two.out).toBe(one.out);
    const progress = (err: string): string[] => err.split('\n').map((l) => l.replace(/, \d+ states.*$/, ''));
    expect(progress(two.err)).toEqual(progress(one.err));
    // A patched scenario with declarations travels to the worker whole: the same introduced finding.
    const patch = file('wait-jobs.patch', WAIT);
    const decl = file('wait-jobs.json', JSON.stringify({ amdgpu_mn_wait_fences: { mightSleep: true } }));
    const p1 = await run('compare', '--patch', patch, '--declare', decl, '--before', 'tetsuo', 'amdgpu-read-lock-nonblock', '-q', '--jobs', '1');
    const p2 = await run('compare', '--patch', patch, '--declare', decl, '--before', 'tetsuo', 'amdgpu-read-lock-nonblock', '-q', '--jobs', '2');
    expect(p2.code).toBe(1);
    expect(p2.out).toBe(p1.out);
    // A declared lock that names no lock at the call (the argument is the amdgpu_mn itself) is found as the call runs.
    const notLock = file('wait-jobs-lock.json', JSON.stringify({ amdgpu_mn_wait_fences: { mightSleep: false, locks: ['arg0'] } }));
    const bad = await run('compare', '--patch', patch, '--declare', notLock, '--before', 'tetsuo', 'amdgpu-read-lock-nonblock', '-q', '--jobs', '2');
    expect(bad.code).toBe(2);
    expectOneLine(bad.err, /^mnc: amdgpu_mn_wait_fences\(\) is declared to take arg0, which is amdgpu0 at this call, and the scenario has no lock amdgpu0$/);
  }, 120_000);

  test('an output that is a --patch or --declare file is refused before the run, and the file is kept (check wrote its trace over the patch)', async () => {
    const patch = file('keep.patch', WAIT);
    const decl = file('keep.json', JSON.stringify({ amdgpu_mn_wait_fences: { mightSleep: true } }));
    const cases: [string[], RegExp][] = [
      [['check', ...TETSUO_ARGS, '--patch', patch, '--declare', decl, '--json', patch], /^mnc: --json .*keep\.patch is the patch --patch .*keep\.patch; writing it would destroy it: name another file$/],
      [['check', ...TETSUO_ARGS, '--patch', patch, '--declare', decl, '--html', decl], /^mnc: --html .*keep\.json is the declarations --declare .*keep\.json; writing it would destroy it/],
      [['compare', '--patch', patch, '--declare', decl, '--before', 'tetsuo', 'amdgpu-read-lock-nonblock', '--json', decl], /^mnc: --json .*keep\.json is the declarations --declare/],
    ];
    for (const [args, pattern] of cases) {
      const r = await run(...args, '-q');
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.out).toBe('');
      expectOneLine(r.err, pattern);
    }
    expect(readFileSync(patch, 'utf8')).toBe(WAIT);
    expect(readJson(decl)).toEqual({ amdgpu_mn_wait_fences: { mightSleep: true } });
  });

  test('compare explores a model once: reaper-mmap-sem-write is amdgpu-read-lock-nonblock under another name; its rows, traces and replay lines still name it (--jobs 1 and 2)', async () => {
    const args = ['compare', '--patch', TETSUO, 'amdgpu-read-lock-nonblock', 'reaper-mmap-sem-write', '--all'];
    const one = await run(...args, '--jobs', '1');
    expect(one.code).toBe(0);
    expect(one.err).toMatch(/^mnc: \[3\/4\] reaper-mmap-sem-write @ as configured: violation, \d+ states \(the model of amdgpu-read-lock-nonblock @ as configured: not explored again\)/m);
    expect(one.err).toMatch(/^mnc: \[4\/4\] reaper-mmap-sem-write @ patched: pass, \d+ states \(the model of amdgpu-read-lock-nonblock @ patched: not explored again\)$/m);
    expect(one.out).toMatch(/^reaper-mmap-sem-write: 1 fixed, 0 introduced, 0 unchanged; .*\n {2}- fixed: {6}no-sleep:might-sleep$/m);
    expect(one.out).toMatch(/^scenario: reaper-mmap-sem-write, core v4\.19, /m);
    const lines = replayLines(one.out);
    expect(lines.map((l) => l.split(' ').pop())).toEqual(['amdgpu-read-lock-nonblock', 'reaper-mmap-sem-write']);
    const rr = await run(...words(lines[1]!).slice(1));
    expect(rr.code).toBe(1);
    expect(rr.out).toMatch(/^replayed \d+ steps of reaper-mmap-sem-write, /);
    const two = await run(...args, '--jobs', '2');
    expect(two.out).toBe(one.out);
  }, 120_000);

  test('--declare: bad input is one line, exit 2, nothing run', async () => {
    const patch = file('wait3.patch', WAIT);
    const cases: [string[], RegExp][] = [
      [['check', ...TETSUO_ARGS, '--declare', file('d0.json', '{"x": {"mightSleep": true}}')], /--declare .*d0\.json declares the callees a patch calls: it goes with --patch$/],
      [['check', ...TETSUO_ARGS, '--patch', patch, '--declare', join(dir, 'none.json')], /^mnc: cannot read the declarations .*none\.json: ENOENT$/],
      [['check', ...TETSUO_ARGS, '--patch', patch, '--declare', file('d1.json', '{"amdgpu_mn_wait_fences": {"mightsleep": true}}')], /d1\.json: amdgpu_mn_wait_fences: mightSleep is required/],
      [['check', ...TETSUO_ARGS, '--patch', patch, '--declare', file('d2.json', '{"amdgpu_mn_wait_fences": {"mightSleep": true, "locks": ["arg0->fences"]}}')], /d2\.json: amdgpu_mn_wait_fences: the call in amdgpu_mn_read_lock\(\) .*arg0->fences names the field fences, which is no lock of the scenario/],
      [['check', ...TETSUO_ARGS, '--patch', patch, '--declare', file('d3.json', '{"mutex_lock": {"mightSleep": false}, "amdgpu_mn_wait_fences": {"mightSleep": false}}')], /d3\.json: mutex_lock is modelled \(a primitive/],
      [['check', ...TETSUO_ARGS, '--patch', patch, '--declare', 'a.json', '--declare', 'b.json'], /give one declaration file \(a\.json, then b\.json\)/],
      [['patch', patch, '--driver', 'amdgpu@tetsuo', '--declare', file('d4.json', '[1]')], /d4\.json: must be an object/],
    ];
    for (const [args, pattern] of cases) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.out).toBe('');
      expectOneLine(r.err, pattern);
    }
  });
});

describe('check --forecast', () => {
  test('prints a lower estimate of the states and of the time, and no verdict: exit 0', async () => {
    // The kernel bench's scenario: 309,027 states, about 15 s, so that the first second (the pilot)
    // cannot cover it on any machine. (exit-mmap-vs-reaper's tetsuo variant served until the lock
    // sets brought it to 36,354 states, which an idle machine explores within the second.)
    const bench = join(import.meta.dirname, '../../bench/scenarios/reaper-ioctl-two-pairs.json');
    const r = await run('check', bench, '--forecast');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^reaper-ioctl-two-pairs: forecast of a complete run$/m);
    // Deterministic: the default seed and budget (test/checker/forecast.test.ts checks the estimator).
    const m = /^ {2}states: at least ~([\d,]+) \(Chao's lower estimate from (\d+) random walks, [\d,]+-[\d,]+ by their variance; ([\d,]+) states met; seed 0\)$/m.exec(r.out);
    expect(m, r.out).not.toBeNull();
    // The whole space is 309,027 states (npm run bench): the estimate is below it.
    expect(Number(m![1]!.replace(/,/g, ''))).toBeLessThan(309_027);
    expect(r.out).toMatch(/^ {2}time: {3}at least ~[\d.]+ (s|min|h|days) at [\d,]+ states\/s \(the run's first [\d.]+ s: [\d,]+ states\)$/m);
    expect(r.out).toMatch(/many times larger than this estimate/);
    expect(r.out).not.toMatch(/^\s*(ok|FAIL)\s/m);
    const seeded = await run('check', bench, '--forecast', '--seed', '3', '--time', '0.01');
    expect(seeded.code).toBe(0);
    expect(seeded.out).toMatch(/random walks, .*; seed 3\)$/m);
    expect(seeded.out).toMatch(/^ {2}--time 0\.01 stops the run before it covers that: incomplete$/m);
  }, 60_000);
  test('a space its first second covers is counted, not estimated: the whole space, or all the run explores within its bounds', async () => {
    const r = await run('check', 'v418-blockable-backoff', '--variant', 'v4.18', '--forecast');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^v418-blockable-backoff \(variant v4\.18\): the whole space explored in [\d.]+ s: 7 states \(no estimate needed\)$/);
    const d = await run('check', 'v418-blockable-backoff', '--variant', 'v4.18', '--forecast', '--max-depth', '3');
    expect(d.out).toMatch(/: the space within --max-depth 3 explored in [\d.]+ s: 4 states \(no estimate needed; the run stops at that depth: incomplete\)$/);
    const m = await run('check', 'exit-mmap-vs-reaper', '--forecast', '--max-states', '5');
    expect(m.out).toMatch(/^exit-mmap-vs-reaper: --max-states 5 reached in [\d.]+ s \(no estimate needed; the run stops there: incomplete\)$/);
  });
  test('not with --json, --html or --strategy random', async () => {
    const j = await run('check', 'radeon-reaper', '--forecast', '--json', join(dir, 'f.json'));
    expect(j.code).toBe(2);
    expectOneLine(j.err, /^mnc: --forecast finds no counterexample to write: leave out --json$/);
    expect(existsSync(join(dir, 'f.json'))).toBe(false);
    const h = await run('check', 'radeon-reaper', '--forecast', '--html', '-');
    expect(h.code).toBe(2);
    expectOneLine(h.err, /leave out --html$/);
    const s = await run('check', 'radeon-reaper', '--forecast', '--strategy', 'random');
    expect(s.code).toBe(2);
    expectOneLine(s.err, /^mnc: --forecast estimates the states of a complete run, which the random strategy does not make/);
  });
});
