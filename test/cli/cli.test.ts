/**
 * The command line, run in-process through `main` (and once as a real process): exit codes, output,
 * and every kind of bad input, which must give one clear line on stderr, exit 2, no stack trace and
 * no file written.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { main } from '../../src/cli/main.ts';

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
  test('--help of every subcommand exits 0', async () => {
    for (const c of ['list', 'check', 'matrix', 'compare', 'replay']) {
      const r = await run(c, '--help');
      expect(r.code, c).toBe(0);
      expect(r.out, c).toMatch(new RegExp(`Usage: mnc ${c}`));
    }
  });
});

describe('bad input: one line, exit 2, nothing written', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown scenario', ['check', 'no-such-scenario'], /unknown scenario "no-such-scenario"/],
    ['unknown driver', ['check', 'amdgpu-read-lock-nonblock', '--driver', 'nvidia@1'], /unknown driver "nvidia"/],
    ['unknown variant of a driver', ['check', 'amdgpu-read-lock-nonblock', '--driver', 'amdgpu@nope'], /amdgpu has no variant "nope"/],
    ['unknown scenario variant', ['check', 'amdgpu-read-lock-nonblock', '--variant', 'nope'], /--variant nope: scenario amdgpu-read-lock-nonblock has the variants/],
    ['unknown property', ['check', 'amdgpu-read-lock-nonblock', '--property', 'liveness'], /unknown property/],
    ['unknown core', ['check', 'amdgpu-read-lock-nonblock', '--core', 'v5.0'], /unknown core version/],
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
    expectOneLine(c.err, /v9\.json: is trace format version 9; this mnc reads version 1/);
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
    expectOneLine(bad.err, /replay of .*changed\.json diverged at step \d+: /);
  });
});

describe('the real command', () => {
  test('bin/mnc.js runs, prints the list and exits 0', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/mnc.js', 'list'], { cwd: join(import.meta.dirname, '../..') });
    expect(stdout).toMatch(/Built-in scenarios/);
    expect(stdout).toMatch(/Properties \(--property\):/);
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
    expect(r.out).toMatch(/REMOVED by v4\.19 \(the trace on v4\.18\):\n=+\nWARNING: MMF_OOM_SKIP set while the victim still holds its memory/);
  });
  test('two driver variants; a scenario the sides do not apply to is skipped, not failed', async () => {
    const r = await run('compare', '--before', 'gntdev@93065ac753e4', '--after', 'gntdev@fixup', 'gntdev-reaper', 'radeon-reaper', '-q');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^gntdev-reaper: \d+ removed, 0 introduced, 0 in both$/m);
    expect(r.out).toMatch(/^radeon-reaper: skipped \(it has no gntdev notifier\)$/m);
  });
  test('an unknown side is bad input', async () => {
    const r = await run('compare', '--before', 'nvidia@1', '--after', 'v4.19', 'radeon-reaper');
    expect(r.code).toBe(2);
    expectOneLine(r.err, /nvidia@1: unknown driver "nvidia"/);
  });
});

describe('Ctrl-C', () => {
  test('returns the partial result: exit 3, the run so far on stdout', async () => {
    const { spawn } = await import('node:child_process');
    // A scenario large enough to be running when the signal comes.
    const big = file(
      'big.json',
      JSON.stringify({
        name: 'big',
        core: 'v4.19',
        oom: true,
        vmas: [{ start: 0, end: 4 }, { start: 8, end: 12, file: true, shared: true }],
        notifiers: [{ use: 'amdgpu@93065ac753e4', objects: [{ start: 8, end: 10 }] }, { use: 'kvm', objects: [{ start: 0, end: 4 }] }],
        threads: [{ kind: 'oom_reaper' }, { kind: 'amdgpu:cs_v4_19' }, { kind: 'madvise', params: { start: 8, len: 2 } }, { kind: 'madvise', name: 'madvise_kvm', params: { start: 0, len: 2 } }],
        properties: ['deadlock'],
      }),
    );
    const child = spawn(process.execPath, ['bin/mnc.js', 'check', big, '--time', '120'], { cwd: join(import.meta.dirname, '../..') });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      // The first progress line says exploration is under way: interrupt it.
      if (/states\/s/.test(err) && !child.killed) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(err).toMatch(/mnc: interrupted: stopping and reporting what was explored/);
    expect(code).toBe(3);
    expect(out).toMatch(/INCOMPLETE: exploration stopped \(interrupted\)/);
  }, 120_000);
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
    expect(r.out).toContain(`(mnc replay --token '${token}' oom-reap-return-value --variant returns-true)`);
    const ok = await run('replay', '--token', token, 'oom-reap-return-value', '--variant', 'returns-true');
    expect(ok.code).toBe(1);
    expect(ok.out).toMatch(/violated in the last state: no-premature-victim\nWARNING: MMF_OOM_SKIP set while the victim still holds its memory/);
    const other = await run('replay', '--token', token, 'oom-reap-return-value', '--variant', 'v4.19');
    expect(other.code).toBe(2);
    expectOneLine(other.err, /diverged at/);
    const bad = await run('replay', '--token', 'zero/one', 'oom-reap-return-value');
    expect(bad.code).toBe(2);
    expectOneLine(bad.err, /token/);
  });
});
