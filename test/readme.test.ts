/**
 * README.md says what the command does: every command of "Using it" runs as written, the sample
 * report under "Reading a trace" is what `mnc check` prints today (its replay token included), and
 * every option and exit code of every subcommand's `--help` is in the subcommand's section.
 *
 * (The README's two fresh-clone commands are `npm ci && npx mnc matrix`, whose rows
 * test/scenarios/matrix.test.ts pins, and `npm ci && npm test`, which .ci/run runs.)
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildCli, main } from '../src/cli/main.ts';
import { MAX_THREADS } from '../src/model/kernel/scenario.ts';
import { MAX_PAGE } from '../src/model/lang/state.ts';

const ROOT = join(import.meta.dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The text of a section: from its heading (the first line starting with `heading`) to the next heading of that level or above. */
function section(heading: string): string {
  const at = README.indexOf(`\n${heading}`);
  expect(at, heading).toBeGreaterThanOrEqual(0);
  const level = /^#+/.exec(heading)![0].length;
  const rest = README.slice(at + 1);
  const next = rest.slice(1).search(new RegExp(`\\n#{1,${level}} `));
  return next < 0 ? rest : rest.slice(0, next + 1);
}

/** The words of a command line as sh splits them (spaces and single quotes). */
function words(cmd: string): string[] {
  return [...cmd.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('the commands of "Using it" run as written', () => {
  const lines = [...section('## Using it').matchAll(/^ {4}npx mnc (.+?)(?:\s+#.*)?$/gm)].map((m) => m[1]!.trim());
  /** Each command's exit code: 1 where it reports (or confirms) a finding. */
  const CODES: [RegExp, number][] = [
    [/^list$/, 0],
    [/^check .* --forecast$/, 0],
    [/^check /, 1],
    [/^replay /, 1],
    [/^compare --before v4\.18 --after v4\.19$/, 1],
    [/^compare --before amdgpu@93065ac753e4 --after amdgpu@clarify /, 0],
    // The clarification keeps the sleep (no-sleep unchanged) and introduces nothing.
    [/^compare --patch examples\/patches\/amdgpu-clarify-read-lock\.patch$/, 0],
  ];
  test('there are the commands this test knows', () => {
    expect(lines.length).toBeGreaterThanOrEqual(8);
    for (const l of lines) expect(CODES.some(([re]) => re.test(l)), l).toBe(true);
    // No placeholder: every line is a command to paste.
    for (const l of lines) expect(l, l).not.toMatch(/\.\.\.|SCENARIO|FILE/);
  });
  // In order (replay reads the trace check wrote), in a directory of their own: examples/ is the clone's.
  const dir = mkdtempSync(join(tmpdir(), 'mnc-readme-'));
  test.each(lines)('mnc %s', async (line) => {
    const argv = words(line).map((w) => (w.startsWith('examples/') ? join(ROOT, w) : /^trace\.(json|html)$/.test(w) ? join(dir, w) : w));
    const quiet = ['check', 'matrix', 'compare'].includes(argv[0]!) ? ['-q'] : [];
    const r = await run([...argv, ...quiet]);
    expect(r.err, line).not.toMatch(/^mnc: (?!trace|JSON trace)/m);
    expect(r.code, `${line}\n${r.err}`).toBe(CODES.find(([re]) => re.test(line))![1]);
  }, 120_000);
});

describe('the sample report of "Reading a trace" is what mnc prints today', () => {
  const text = section('## Reading a trace');
  const block = /\n((?: {4}.*\n|\n)+)/.exec(text.slice(text.indexOf('    ====') - 1))![1]!;
  const sample = block
    .split('\n')
    .map((l) => l.replace(/^ {4}/, ''))
    .filter((l) => l.trim() && !l.includes('...'));
  test('every line of the sample without "..." is a line of the report, in the same order, replay token and command included', async () => {
    const r = await run(['check', 'amdgpu-read-lock-nonblock', '--variant', 'clarify', '-q']);
    expect(r.code).toBe(1);
    const out = r.out.split('\n');
    expect(sample.some((l) => l.startsWith('replay token: '))).toBe(true);
    expect(sample.some((l) => l.trim().startsWith('(mnc replay --token '))).toBe(true);
    let at = 0;
    for (const l of sample) {
      const i = out.indexOf(l, at);
      expect(i, `README line not printed (in this order): ${l}`).toBeGreaterThanOrEqual(0);
      at = i + 1;
    }
    // The run header the prose quotes.
    const header = /\(`(amdgpu-read-lock-nonblock \(variant clarify\):[^`]*?), \.\.\.`\)/.exec(text.replace(/\s+/g, ' '))![1]!;
    expect(out[0]!.startsWith(`${header},`), `${out[0]} does not start with ${header}`).toBe(true);
  });
});

describe('every option and exit code of every subcommand is in its README section', () => {
  const program = buildCli({ out: () => {}, err: () => {} }, () => {});
  for (const cmd of program.commands) {
    test(`mnc ${cmd.name()}`, async () => {
      const text = section(`### \`mnc ${cmd.name()}`);
      for (const o of cmd.options) expect(text, `${cmd.name()} ${o.long}`).toMatch(new RegExp(`(?<![\\w-])${o.long}(?![\\w-])`));
      const help = await run([cmd.name(), '--help']);
      const codes = [...help.out.slice(help.out.indexOf('Exit codes:')).matchAll(/^ {2}(\d+) /gm)].map((m) => m[1]!);
      expect(codes.length).toBeGreaterThanOrEqual(2);
      const said = text.slice(text.indexOf('Exit codes:'));
      for (const c of codes) expect(said, `${cmd.name()} exit code ${c}`).toMatch(new RegExp(`\\b${c}\\b`));
    });
  }
  test('the limits: pages, VMA size, threads', () => {
    const text = section('### Limits');
    expect(text).toContain((MAX_PAGE - 1).toLocaleString('en-US'));
    expect(text).toContain('at most 24 pages');
    expect(text).toContain(`at most ${MAX_THREADS} threads`);
  });
});
