/**
 * The project's own fuzz test: fast-check mutates the example and built-in scenario files (field
 * deletions, type swaps, boundary and hostile values, values spliced in from other seeds under the
 * same key, small page numbers, duplicated elements and threads, byte-level damage) and runs
 * `mnc check -` on each in-process. Whatever the mutant, the command must answer with one of its
 * documented exit codes (0, 1, 2, 3) and never with an internal error (exit 70, a stack trace).
 *
 * The seed is fixed so that the suite is reproducible; `MNC_FUZZ_SEED=N` (or `random`) and
 * `MNC_FUZZ_RUNS=N` explore further. A failure writes the shrunk mutant to
 * test/cli/__failures__/fuzz.json and prints the `mnc check` line that reproduces it.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { main } from '../../src/cli/main.ts';

const ROOT = join(import.meta.dirname, '../..');
const SEEDS = ['examples', 'scenarios'].flatMap((d) =>
  readdirSync(join(ROOT, d))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: `${d}/${f}`, text: readFileSync(join(ROOT, d, f), 'utf8') })),
);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

/** Every path into a JSON value, the root first. */
function paths(v: Json, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}
const get = (v: Json, p: Path): Json | undefined => p.reduce<Json | undefined>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string | number, Json>)[k] : undefined), v);
function set(root: Json, p: Path, val: Json): Json {
  if (!p.length) return val;
  const parent = get(root, p.slice(0, -1));
  if (parent !== null && typeof parent === 'object') (parent as Record<string | number, Json>)[p[p.length - 1]!] = val;
  return root;
}
function del(root: Json, p: Path): Json {
  if (!p.length) return root;
  const parent = get(root, p.slice(0, -1));
  const k = p[p.length - 1]!;
  if (Array.isArray(parent)) parent.splice(k as number, 1);
  else if (parent !== null && typeof parent === 'object') delete parent[k as string];
  return root;
}
const keyOf = (p: Path): string | undefined => [...p].reverse().find((k): k is string => typeof k === 'string');

/** Every value the seeds hold under each key: spliced in, mutants stay plausible and reach the model. */
const POOL = new Map<string, Json[]>();
function collect(v: Json, key?: string): void {
  if (key !== undefined) POOL.set(key, [...(POOL.get(key) ?? []), structuredClone(v)]);
  if (Array.isArray(v)) v.forEach((x) => collect(x, key));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) collect(x, k);
}
for (const s of SEEDS) collect(JSON.parse(s.text) as Json);

const NASTY: Json[] = [0, -1, 1, 2, 3, 7, 23, 24, 25, 63, 64, 1e9, 2 ** 31, 2 ** 53, -(2 ** 31), 1.5, -0.5, 1e308, '', ' ', '0', '-1', 'a'.repeat(300), '</script>', 'ünïcödé \u202e', '\u0000', '__proto__', 'constructor', null, true, false, [], {}, [[]], ['oom_reaper']];

/** One mutation, as data: applied to a parsed seed, `at` picks a path (modulo their number). */
type Mutation =
  | { readonly m: 'delete'; readonly at: number }
  | { readonly m: 'set'; readonly at: number; readonly value: Json }
  | { readonly m: 'small'; readonly at: number; readonly n: number }
  | { readonly m: 'splice'; readonly at: number; readonly pick: number }
  | { readonly m: 'duplicate'; readonly at: number; readonly times: number }
  | { readonly m: 'rename'; readonly at: number; readonly how: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ m: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ m: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(...NASTY) }) },
  { weight: 5, arbitrary: fc.record({ m: fc.constant('small' as const), at: fc.nat(), n: fc.integer({ min: 0, max: 32 }) }) },
  { weight: 6, arbitrary: fc.record({ m: fc.constant('splice' as const), at: fc.nat(), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ m: fc.constant('duplicate' as const), at: fc.nat(), times: fc.constantFrom(1, 1, 2, 5, 30) }) },
  { weight: 1, arbitrary: fc.record({ m: fc.constant('rename' as const), at: fc.nat(), how: fc.nat(3) }) },
);

function apply(j: Json, x: Mutation): Json {
  const all = paths(j);
  const pick = <T>(list: readonly T[], n: number): T | undefined => (list.length ? list[n % list.length] : undefined);
  switch (x.m) {
    case 'delete': {
      const p = pick(all.filter((q) => q.length), x.at);
      return p ? del(j, p) : j;
    }
    case 'set': {
      const p = pick(all.filter((q) => q.length), x.at);
      return p ? set(j, p, structuredClone(x.value)) : j;
    }
    case 'small': {
      // A number (a page, a bound, a thread parameter) set to a small page number, in or out of the VMAs.
      const p = pick(all.filter((q) => typeof get(j, q) === 'number'), x.at);
      return p ? set(j, p, x.n) : j;
    }
    case 'splice': {
      const p = pick(all.filter((q) => q.length && POOL.has(keyOf(q) ?? '')), x.at);
      if (!p) return j;
      return set(j, p, structuredClone(pick(POOL.get(keyOf(p)!)!, x.pick)!));
    }
    case 'duplicate': {
      const p = pick(all.filter((q) => Array.isArray(get(j, q)) && (get(j, q) as Json[]).length), x.at);
      if (!p) return j;
      const a = get(j, p) as Json[];
      const src = a[x.at % a.length]!;
      for (let i = 0; i < x.times; i++) a.push(structuredClone(src));
      return j;
    }
    case 'rename': {
      const p = pick(all.filter((q) => q.length && typeof q[q.length - 1] === 'string'), x.at);
      if (!p) return j;
      const parent = get(j, p.slice(0, -1)) as Record<string, Json>;
      const k = p[p.length - 1] as string;
      const v = parent[k]!;
      delete parent[k];
      parent[[k.toUpperCase(), `${k}s`, k.slice(1), `${k}\u200b`][x.how % 4]!] = v;
      return j;
    }
  }
}

/** A mutant: a seed, its mutations (or byte damage), and the variant to check, if any. */
const mutant = fc.record({
  seed: fc.nat(SEEDS.length - 1),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
  // Byte-level damage for one mutant in eight: the rest stay JSON, most of them valid enough to reach the model.
  bytes: fc.oneof(
    { weight: 7, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.record({ at: fc.nat(), cut: fc.boolean(), junk: fc.constantFrom('{', '}', ']', ',', '"', '\\', 'null', '\u0000', '1e999') }) },
  ),
  variant: fc.option(fc.nat(), { freq: 3 }),
  all: fc.boolean(),
});

type Mutant = { seed: number; mutations: Mutation[]; bytes: { at: number; cut: boolean; junk: string } | null; variant: number | null; all: boolean };

function textOf(m: Mutant): { text: string; variant?: string } {
  const seed = SEEDS[m.seed]!;
  if (m.bytes) {
    const at = m.bytes.at % (seed.text.length + 1);
    return { text: m.bytes.cut ? seed.text.slice(0, at) : `${seed.text.slice(0, at)}${m.bytes.junk}${seed.text.slice(at)}` };
  }
  let j = JSON.parse(seed.text) as Json;
  for (const x of m.mutations) j = apply(j, x);
  const vs = j !== null && typeof j === 'object' && !Array.isArray(j) && j.variants !== null && typeof j.variants === 'object' && !Array.isArray(j.variants) ? Object.keys(j.variants) : [];
  const variant = m.variant === null || !vs.length ? undefined : vs[m.variant % vs.length];
  return { text: JSON.stringify(j) ?? 'undefined', ...(variant === undefined ? {} : { variant }) };
}

const envSeed = process.env.MNC_FUZZ_SEED;
const SEED = envSeed === 'random' ? Date.now() % 2 ** 31 : envSeed ? Number(envSeed) : 20181011;
const RUNS = Number(process.env.MNC_FUZZ_RUNS ?? 200);

test(`mutated scenario files never give an internal error (seed ${SEED}, ${RUNS} mutants)`, async () => {
  const codes: Record<number, number> = {};
  const details = await fc.check(
    fc.asyncProperty(mutant, async (m) => {
      const { text, variant } = textOf(m);
      const argv = ['check', '-', '--max-states', '4000', '--time', '10', '-q', ...(variant === undefined ? [] : ['--variant', variant]), ...(m.all ? ['--all'] : [])];
      const err: string[] = [];
      const code = await main(argv, { out: () => {}, err: (s) => err.push(s), stdin: () => text });
      codes[code] = (codes[code] ?? 0) + 1;
      const e = err.join('\n');
      if (![0, 1, 2, 3].includes(code) || /internal error/.test(e) || /\n\s+at /.test(e)) {
        throw new Error(`mnc ${argv.join(' ')} exited ${code}:\n${e}`);
      }
    }),
    { numRuns: RUNS, seed: SEED, endOnFailure: false },
  );
  if (details.failed) {
    const cx = details.counterexample![0] as Mutant;
    const { text, variant } = textOf(cx);
    const dir = join(import.meta.dirname, '__failures__');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'fuzz.json');
    writeFileSync(file, text);
    throw new Error(
      `an internal error after ${details.numRuns} mutants (seed ${SEED}, shrunk ${details.numShrinks} times); the mutant is in ${file}: mnc check ${file}${variant === undefined ? '' : ` --variant ${variant}`}${cx.all ? ' --all' : ''}\n${String(details.errorInstance ?? '')}`,
    );
  }
  // Not vacuous: many mutants reach the model and are explored (0, 1 or 3), not only refused (2).
  const explored = (codes[0] ?? 0) + (codes[1] ?? 0) + (codes[3] ?? 0);
  expect(explored, JSON.stringify(codes)).toBeGreaterThanOrEqual(RUNS / 5);
}, 600_000);
