/**
 * The build's precompiled validators (Ajv's standalone code, src/model/validator.ts) against the
 * schema compiled in the process, on every built-in scenario, every example, declarations and
 * documents made invalid at every place: the same verdict and the same errors, so that a user's
 * file gets the same answer from dist/ (the `mnc` command) as from src/ (the tests).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { BUILTIN_DIR, scenarioValidator } from '../../src/model/kernel/scenario-file.ts';
import { declarationValidator } from '../../src/model/patch/declare.ts';
import { SchemaValidator } from '../../src/model/validator.ts';

const ROOT = join(import.meta.dirname, '..', '..');
// The standalone code needs Ajv's runtime helpers: it is written where `node_modules` resolves.
const dir = mkdtempSync(join(tmpdir(), 'mnc-validator-'));
symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The validator loaded from `v`'s standalone code, written to the temporary directory; its schema is never compiled here. */
function precompiled(v: SchemaValidator, name: string): SchemaValidator {
  const file = join(dir, name);
  writeFileSync(file, v.standalone());
  return new SchemaValidator(pathToFileURL(file), () => {
    throw new Error('the precompiled validator compiled its schema');
  });
}

const scenarioPre = precompiled(scenarioValidator, 'scenario.validate.cjs');
const declarationPre = precompiled(declarationValidator, 'declaration.validate.cjs');

/** Errors as JSON (the schema and data objects a verbose error carries included). */
const errs = (v: SchemaValidator, doc: unknown): string => JSON.stringify(v.errors(doc));

function same(a: SchemaValidator, b: SchemaValidator, doc: unknown): void {
  expect(errs(b, doc), JSON.stringify(doc).slice(0, 200)).toBe(errs(a, doc));
}

/** `a` and `b` agree on every {@link mutants} of `doc`: how many of those are invalid. */
function sameOnMutants(a: SchemaValidator, b: SchemaValidator, doc: unknown): number {
  let invalid = 0;
  for (const m of mutants(doc)) {
    same(a, b, m);
    if (a.errors(m).length) invalid++;
  }
  return invalid;
}

/** `a` and `b` agree on random JSON documents. */
function sameOnRandom(a: SchemaValidator, b: SchemaValidator): void {
  fc.assert(
    fc.property(fc.jsonValue(), (doc) => {
      same(a, b, doc);
    }),
    { numRuns: 300 },
  );
}

/** Every document `doc` gives with one change at one place: a field removed, a value of another type, an unknown field, an odd string. */
function mutants(doc: unknown): unknown[] {
  const out: unknown[] = [];
  const replacements: unknown[] = [null, 7, -1, 1.5, 'x', '', true, [], {}, ['x'], { bogus: 1 }];
  const walk = (node: unknown, rebuild: (v: unknown) => unknown): void => {
    for (const r of replacements) out.push(rebuild(r));
    if (Array.isArray(node)) {
      node.forEach((x, i) => walk(x, (v) => rebuild(node.map((y, j) => (j === i ? v : y)))));
      if (node.length) out.push(rebuild(node.slice(1)));
    } else if (node !== null && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      out.push(rebuild({ ...o, bogus: 1 }));
      for (const k of Object.keys(o)) {
        const { [k]: _, ...rest } = o;
        out.push(rebuild(rest));
        out.push(rebuild({ ...rest, [`${k} `]: o[k] }));
        walk(o[k], (v) => rebuild({ ...o, [k]: v }));
      }
    }
  };
  walk(doc, (v) => v);
  return out;
}

const scenarioFiles = [
  ...readdirSync(BUILTIN_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => join(BUILTIN_DIR, f)),
  ...readdirSync(join(ROOT, 'examples'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => join(ROOT, 'examples', f)),
];

describe('the precompiled scenario validator answers as the compiled schema', () => {
  test('it is loaded from its file, without compiling the schema', () => {
    expect(scenarioPre.precompiled).toBe(true);
    // Run from src/, the build's file is absent: the schema is compiled.
    expect(scenarioValidator.precompiled).toBe(false);
    expect(scenarioPre.errors(JSON.parse(readFileSync(scenarioFiles[0]!, 'utf8')))).toEqual([]);
  });

  test.each(scenarioFiles.map((f) => [f.slice(ROOT.length + 1), f]))('%s and every one-change mutant of it', (_, file) => {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    expect(scenarioPre.errors(doc)).toEqual([]);
    // The mutants reach the schema's errors, not only valid documents.
    expect(sameOnMutants(scenarioValidator, scenarioPre, doc)).toBeGreaterThan(50);
  });

  test('random JSON documents', () => {
    sameOnRandom(scenarioValidator, scenarioPre);
  });
});

describe('the precompiled declaration validator answers as the compiled schema', () => {
  const valid = [
    { foo_wait: { mightSleep: true, locks: ['arg0->lock', { lock: 'arg1', read: true }], reads: ['arg0->recursion'], writes: ['oom_reaper_list'], returns: [0, -11], description: 'd' } },
    { amdgpu_mn_wait_fences: { mightSleep: false } },
  ];
  test('valid declarations and every one-change mutant of them', () => {
    expect(declarationPre.precompiled).toBe(true);
    for (const doc of valid) {
      expect(declarationPre.errors(doc)).toEqual([]);
      expect(sameOnMutants(declarationValidator, declarationPre, doc)).toBeGreaterThan(10);
    }
  });
  test('random JSON documents', () => {
    sameOnRandom(declarationValidator, declarationPre);
  });
});
