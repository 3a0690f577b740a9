/**
 * Declared callees (`--declare`, src/model/patch/declare.ts): a patch that calls a function the
 * model does not have applies once the callee is declared, and the declaration is what the
 * properties see: may it sleep, which lock it takes. Bad declarations are one line each.
 */
import { describe, expect, test } from 'vitest';
import { DeclareError } from '../../../src/model/kernel/errors.ts';
import { parsePatch } from '../../../src/model/patch/diff.ts';
import { parseDeclarations, type Declarations } from '../../../src/model/patch/declare.ts';
import { applyInOrder, configBase, scenarioBase } from '../../../src/model/patch/use.ts';
import { applyVariant, loadBuiltin } from '../../../src/model/kernel/scenario-file.ts';
import { buildProgram, type Scenario } from '../../../src/model/kernel/scenario.ts';
import { runScenario } from '../../../src/report/run.ts';
import { WAIT_PATCH } from './fixtures.ts';

const WAIT = WAIT_PATCH;

/** amdgpu-read-lock-nonblock in its tetsuo variant: every property holds there. */
function tetsuo(): Scenario {
  const sf = loadBuiltin('amdgpu-read-lock-nonblock');
  return applyVariant(sf, sf.variants!['tetsuo']!, 'tetsuo');
}

/** The scenario with WAIT applied and `callees` declared; the patch's refusal if it is refused. */
function patched(callees?: Declarations): Scenario | string {
  const base = tetsuo();
  const sc: Scenario = callees ? { ...base, declared: { file: 'decl.json', sha256: '0'.repeat(64), callees } } : base;
  const r = applyInOrder([parsePatch(WAIT, 'wait.patch')], scenarioBase(sc));
  if (r.refused) return r.refused.outcomes.flatMap((o) => (o.kind === 'refused' ? [o.reason] : [])).join('; ');
  return { ...sc, replaceFns: r.fns };
}

function verdicts(sc: Scenario | string, properties: string[]): Record<string, string> {
  if (typeof sc === 'string') throw new Error(sc);
  const run = runScenario(sc, { properties });
  return Object.fromEntries(run.result.verdicts.map((v) => [v.property, v.status]));
}

describe('a declared callee is what its declaration says', () => {
  test('undeclared: the patch is refused, and the line says how to declare it', () => {
    expect(patched()).toBe(
      'hunk 1: amdgpu_mn_read_lock(), patch line 10: `amdgpu_mn_wait_fences()` is not modelled: declare whether it may sleep and what it touches (--declare FILE.json, docs/patches.md)',
    );
  });
  test('declared sleeping: the non-blockable start may sleep there (no-sleep:might-sleep); declared not sleeping: it holds', () => {
    // The control: the tetsuo variant itself never sleeps in a non-blockable start.
    expect(verdicts(tetsuo(), ['no-sleep'])['no-sleep:might-sleep']).toBe('holds');
    expect(verdicts(patched({ amdgpu_mn_wait_fences: { mightSleep: true } }), ['no-sleep'])['no-sleep:might-sleep']).toBe('violated');
    expect(verdicts(patched({ amdgpu_mn_wait_fences: { mightSleep: false } }), ['no-sleep'])).toEqual({ 'no-sleep:might-sleep': 'holds', 'no-sleep:blocked': 'holds' });
  });
  test('a lock it takes: the caller holds amn->lock for read, so taking it for write never succeeds (blocked, deadlock); for read it does', () => {
    const write = verdicts(patched({ amdgpu_mn_wait_fences: { mightSleep: false, locks: ['arg0->lock'] } }), ['no-sleep', 'deadlock']);
    expect(write['no-sleep:blocked']).toBe('violated');
    expect(write['deadlock']).toBe('violated');
    expect(write['no-sleep:might-sleep']).toBe('holds');
    const read = verdicts(patched({ amdgpu_mn_wait_fences: { mightSleep: false, locks: [{ lock: 'arg0->lock', read: true }] } }), ['no-sleep', 'deadlock']);
    expect(Object.values(read).every((v) => v === 'holds')).toBe(true);
  });
  test('what it touches is what the reduction is told: the interpreter checks it as it runs (verifyReduction), with and without coalescing', () => {
    const sc = patched({ amdgpu_mn_wait_fences: { mightSleep: true, locks: [{ lock: 'arg0->lock', read: true }], reads: ['arg0->recursion'], writes: ['oom_reaper_list'] } }) as Scenario;
    for (const coalesce of [true, false]) {
      const run = runScenario(sc, { verifyReduction: true, coalesce });
      expect(run.result.status).toBe('violation');
    }
  });
  test('returns: every value it may return is explored', () => {
    // The patch ignores the value; the states still count both outcomes (a local holds the result).
    const one = runScenario(patched({ amdgpu_mn_wait_fences: { mightSleep: false } }) as Scenario, { properties: ['no-sleep'] });
    const two = runScenario(patched({ amdgpu_mn_wait_fences: { mightSleep: false, returns: [0, -11] } }) as Scenario, { properties: ['no-sleep'] });
    expect(two.result.stats.states).toBeGreaterThan(one.result.stats.states);
  });
});

describe('bad declarations: one line each', () => {
  const bad = (text: string): string => {
    try {
      parseDeclarations(text, 'd.json');
    } catch (e) {
      expect(e).toBeInstanceOf(DeclareError);
      return (e as Error).message;
    }
    throw new Error('accepted');
  };
  test('the file', () => {
    expect(bad('{')).toMatch(/^d\.json: is not valid JSON \(/);
    expect(bad('[]')).toBe('d.json: must be an object: callee name -> { "mightSleep": true|false, "locks", "reads", "writes", "returns" }');
    expect(bad('{}')).toBe('d.json: declares no callee (callee name -> { "mightSleep": true|false, ... })');
    expect(bad('{"foo bar": {"mightSleep": true}}')).toBe('d.json: "foo bar": a callee is named by a C identifier');
    // Keys a plain JavaScript object reserves would become its prototype or shadow it.
    expect(bad('{"__proto__": {"mightSleep": true}}')).toBe('d.json: "__proto__": not a function the kernel has (a name JavaScript objects reserve)');
    expect(bad('{"constructor": {"mightSleep": true}}')).toBe('d.json: "constructor": not a function the kernel has (a name JavaScript objects reserve)');
  });
  test('a declaration', () => {
    expect(bad('{"foo": {}}')).toBe('d.json: foo: mightSleep is required (true if the callee may sleep, false if it never does)');
    expect(bad('{"foo": {"mightSleep": "yes"}}')).toBe('d.json: foo.mightSleep: must be a boolean (true or false)');
    expect(bad('{"foo": {"mightSleep": true, "locks": "arg0"}}')).toBe('d.json: foo.locks: must be an array');
    // A lock is a string or an object: the deepest error where there is one, else both forms.
    expect(bad('{"foo": {"mightSleep": true, "locks": [{"lock": "arg0", "read": "yes"}]}}')).toBe('d.json: foo.locks[0].read: must be a boolean (true or false)');
    expect(bad('{"foo": {"mightSleep": true, "locks": [{"read": true}]}}')).toMatch(/^d\.json: foo\.locks\[0\]: must be a lock \(argN .*\) or \{ "lock": \.\.\., "read": true\|false \}$/);
    expect(bad('{"foo": {"mightSleep": true, "sleeps": true}}')).toBe('d.json: foo.sleeps: unknown field; allowed: mightSleep, locks, reads, writes, returns, description');
    expect(bad('{"foo": {"mightSleep": true, "locks": ["&amn->lock"]}}')).toMatch(/^d\.json: foo\.locks\[0\]: "&amn->lock" has an invalid form: argN \(the call's argument N/);
    expect(bad('{"foo": {"mightSleep": true, "reads": ["arg0.x"]}}')).toMatch(/^d\.json: foo\.reads\[0\]: "arg0\.x" has an invalid form/);
    expect(bad('{"foo": {"mightSleep": true, "returns": []}}')).toBe('d.json: foo.returns: must NOT have fewer than 1 items');
  });
  test('a declaration of a name the model has: refused, in a scenario and in mnc patch\'s configuration', () => {
    const rec = (callees: Declarations) => ({ file: 'd.json', sha256: '0'.repeat(64), callees });
    expect(() => buildProgram({ ...tetsuo(), declared: rec({ mutex_lock: { mightSleep: false } }) })).toThrow(/^d\.json: mutex_lock is modelled \(a primitive: mnc's own semantics\): a declaration cannot replace it; leave it out$/);
    expect(() => buildProgram({ ...tetsuo(), declared: rec({ amdgpu_mn_read_lock: { mightSleep: false } }) })).toThrow(/^d\.json: amdgpu_mn_read_lock is a modelled function \(drivers\/gpu\/drm\/amd\/amdgpu\/amdgpu_mn\.c, tetsuo\): a declaration cannot replace it/);
    expect(() => configBase('v4.19', {}, rec({ down_read: { mightSleep: true } }))).toThrow(DeclareError);
    expect(configBase('v4.19', {}, rec({ foo: { mightSleep: true } })).isPrimitive('foo')).toBe(true);
  });
  test('a call the declaration does not fit: checked before anything runs', () => {
    const sc = (callees: Declarations): Scenario => patched(callees) as Scenario;
    expect(() => buildProgram(sc({ amdgpu_mn_wait_fences: { mightSleep: false, locks: ['arg1->lock'] } }))).toThrow(
      'decl.json: amdgpu_mn_wait_fences: the call in amdgpu_mn_read_lock() (amdgpu_mn_wait_fences(amn);) has 1 argument, but the declaration names arg1->lock',
    );
    expect(() => buildProgram(sc({ amdgpu_mn_wait_fences: { mightSleep: false, locks: ['arg0->objects'] } }))).toThrow(/^decl\.json: .*arg0->objects names the field objects, which is no lock of the scenario \(its locks: .*amdgpu0\.lock/);
    expect(() => buildProgram(sc({ amdgpu_mn_wait_fences: { mightSleep: false, writes: ['arg0->fences'] } }))).toThrow(/^decl\.json: amdgpu_mn_wait_fences: .*: arg0->fences names the field fences, which is no shared field of the scenario$/);
  });
});
