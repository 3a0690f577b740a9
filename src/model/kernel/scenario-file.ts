/**
 * Scenario files: JSON, validated against a JSON Schema (with Ajv) and then against the model (an
 * unknown driver, variant, thread kind or parameter). Every error names the bad field's path and
 * what is allowed.
 *
 * A file may list `variants`: named versions of the same scenario (another core version, other
 * driver variants, other driver threads), the columns of the verdict matrix and the sides of a
 * comparison.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject } from 'ajv';
import { CORE_VERSIONS } from './core/versions.ts';
import { DRIVERS } from './drivers/index.ts';
import { buildProgram, CORE_THREADS, MAX_PAGE, ScenarioError, shippedVariant, type Scenario } from './scenario.ts';
import { KERNEL_PROPERTIES } from '../../properties/index.ts';
import { own } from './own.ts';
import { SchemaValidator } from '../validator.ts';

/** How a variant changes its scenario. */
export interface VariantOverride {
  readonly description?: string;
  /** Another core version. */
  readonly core?: string;
  /** Driver name → variant: every notifier of that driver uses this variant. */
  readonly drivers?: Readonly<Record<string, string>>;
  /** Thread kind → thread kind: every thread of the first kind runs the second instead. */
  readonly threads?: Readonly<Record<string, string>>;
  /** Driver name → notifier parameters: every notifier of that driver gets them (over its own `params`). */
  readonly params?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export interface ScenarioFile extends Scenario {
  readonly variants?: Readonly<Record<string, VariantOverride>>;
}


const range = {
  type: 'object',
  additionalProperties: false,
  required: ['start', 'end'],
  properties: {
    start: { type: 'integer', minimum: 0, maximum: MAX_PAGE - 1, description: 'first page' },
    end: { type: 'integer', minimum: 1, maximum: MAX_PAGE, description: 'one past the last page' },
  },
};

/** The JSON Schema of a scenario file. */
export function scenarioSchema(): Record<string, unknown> {
  const variantNames = Object.values(DRIVERS).flatMap((d) => Object.keys(d.variants).map((v) => `${d.name}@${v}`));
  return {
    $id: 'https://mnc.invalid/scenario.schema.json',
    title: 'mnc scenario',
    type: 'object',
    additionalProperties: false,
    required: ['name', 'core', 'vmas', 'notifiers', 'threads'],
    properties: {
      $schema: { type: 'string' },
      name: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]*$', description: 'lower-case letters, digits, ".", "_" and "-"' },
      description: { type: 'string' },
      core: { enum: Object.keys(CORE_VERSIONS) },
      oom: { type: 'boolean' },
      allocCanFail: { type: 'boolean', description: 'the older spelling of allocation.mayFail' },
      allocation: {
        type: 'object',
        additionalProperties: false,
        properties: {
          mayFail: { type: 'boolean', description: "allocations may fail where v4.19 lets them: an OOM victim's reserves ran out, a non-sleeping allocation while memory is short" },
          reclaim: { type: 'integer', minimum: 0, maximum: MAX_PAGE - 1, description: 'memory is below the min watermark until a direct reclaim has run, which may unmap this page of the mm' },
        },
      },
      vmas: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['start', 'end'],
          properties: {
            ...range.properties,
            file: { type: 'boolean' },
            shared: { type: 'boolean' },
            locked: { type: 'boolean' },
            thp: { type: 'integer', minimum: 0, maximum: MAX_PAGE - 2 },
          },
        },
      },
      notifiers: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['use'],
          properties: {
            use: { type: 'string', pattern: '^[a-z0-9_-]+(@[A-Za-z0-9._-]+)?$', description: `driver or driver@variant, e.g. ${variantNames.slice(0, 3).join(', ')}` },
            objects: { type: 'array', items: range },
            params: {
              type: 'object',
              description: "the driver variant's notifier parameters (mnc list shows them), e.g. hmm's sync_sleeps",
              additionalProperties: { type: ['integer', 'boolean', 'string'] },
            },
          },
        },
      },
      threads: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['kind'],
          properties: {
            kind: { type: 'string', description: `a core thread (${Object.keys(CORE_THREADS).join(', ')}) or driver:kind` },
            name: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' },
            victim: { type: 'boolean', description: 'the thread belongs to the OOM-killed process (default with "oom": every thread but oom_reaper and reclaim)' },
            params: { type: 'object', additionalProperties: { type: ['integer', 'boolean', 'string'] } },
          },
        },
      },
      properties: { type: 'array', items: { enum: KERNEL_PROPERTIES.map((p) => p.name) }, uniqueItems: true },
      variants: {
        type: 'object',
        propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9._@+-]*$', description: 'a variant name: letters, digits and . _ @ + -' },
        additionalProperties: {
          type: 'object',
          additionalProperties: false,
          properties: {
            description: { type: 'string' },
            core: { enum: Object.keys(CORE_VERSIONS) },
            drivers: { type: 'object', additionalProperties: { type: 'string' } },
            threads: { type: 'object', additionalProperties: { type: 'string' } },
            params: {
              type: 'object',
              description: 'driver name -> notifier parameters every notifier of that driver gets',
              additionalProperties: { type: 'object', additionalProperties: { type: ['integer', 'boolean', 'string'] } },
            },
          },
        },
      },
    },
  };
}

/** The scenario schema's validator (in dist/, the build's precompiled code: src/model/validator.ts). */
export const scenarioValidator = new SchemaValidator(new URL('./scenario.validate.cjs', import.meta.url), scenarioSchema);

/** One line for an Ajv error: the field's path and what is allowed there. */
function describe(e: ErrorObject): ScenarioError {
  const path = e.instancePath ? e.instancePath.slice(1).replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.') : '(top level)';
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys(((e.parentSchema as { properties?: object }).properties ?? {})).filter((k) => k !== '$schema');
      return new ScenarioError(path === '(top level)' ? extra : `${path}.${extra}`, `unknown field; allowed here: ${allowed.join(', ')}`);
    }
    case 'enum':
      return new ScenarioError(path, `must be one of: ${(e.params as { allowedValues: unknown[] }).allowedValues.map(String).join(', ')}`);
    case 'required':
      return new ScenarioError(path === '(top level)' ? (e.params as { missingProperty: string }).missingProperty : `${path}.${(e.params as { missingProperty: string }).missingProperty}`, 'is required');
    case 'pattern': {
      const d = (e.parentSchema as { description?: string }).description;
      return new ScenarioError(path, `has an invalid form${d ? `: ${d}` : ''}`);
    }
    case 'propertyNames': {
      const name = (e.params as { propertyName?: string }).propertyName;
      return new ScenarioError(path, `the name ${JSON.stringify(name)} is not allowed here: letters, digits and . _ @ + -, starting with a letter or digit`);
    }
    default:
      return new ScenarioError(path, e.message ?? 'is invalid');
  }
}

/**
 * Apply a variant to a scenario. When the variant changes the core version to one that calls other
 * callback signatures (v4.18 against 93065ac753e4 and later), every notifier whose variant does not
 * fit and that the variant does not name follows the core: it gets its driver's default variant for
 * that API.
 */
export function applyVariant(sc: Scenario, v: VariantOverride, label: string): Scenario {
  const core = v.core ? own(CORE_VERSIONS, v.core) : undefined;
  if (v.core && !core) throw new ScenarioError(`variants.${label}.core`, `unknown core version; known: ${Object.keys(CORE_VERSIONS).join(', ')}`);
  const notifiers = sc.notifiers.map((n) => {
    const [driver, current] = n.use.split('@');
    const def = own(DRIVERS, driver!);
    const want = own(v.drivers, driver!);
    const p = own(v.params, driver!);
    const withParams = p ? { ...n, params: { ...(n.params ?? {}), ...p } } : n;
    if (want) {
      if (!def) throw new ScenarioError(`variants.${label}.drivers.${driver}`, `unknown driver; known: ${Object.keys(DRIVERS).join(', ')}`);
      return { ...withParams, use: `${driver}@${want}` };
    }
    if (core && def) {
      const variant = own(def.variants, current ?? shippedVariant(core, driver!));
      if (variant && variant.api !== core.api) return { ...withParams, use: `${driver}@${shippedVariant(core, driver!)}` };
    }
    return withParams;
  });
  for (const d of Object.keys(v.drivers ?? {})) {
    if (!sc.notifiers.some((n) => n.use.split('@')[0] === d)) {
      throw new ScenarioError(`variants.${label}.drivers.${d}`, `the scenario has no ${d} notifier`);
    }
  }
  for (const d of Object.keys(v.params ?? {})) {
    if (!sc.notifiers.some((n) => n.use.split('@')[0] === d)) {
      throw new ScenarioError(`variants.${label}.params.${d}`, `the scenario has no ${d} notifier`);
    }
  }
  for (const k of Object.keys(v.threads ?? {})) {
    if (!sc.threads.some((t) => t.kind === k)) throw new ScenarioError(`variants.${label}.threads.${k}`, 'the scenario has no thread of this kind');
  }
  const threads = sc.threads.map((t) => {
    const k = own(v.threads, t.kind);
    return k ? { ...t, kind: k } : t;
  });
  // A variant is a scenario of its own: it has no variants.
  const { variants: _variants, ...rest } = sc as ScenarioFile;
  void _variants;
  return { ...rest, core: v.core ?? sc.core, notifiers, threads };
}

/**
 * How much of a scenario file to check against the model: with `variants: false`, its variants only
 * against the schema (a variant is checked as a scenario when it is used); with `model: false`,
 * nothing but the schema (for what needs only the file's names, such as its variants': the
 * scenario is checked as it is built, when it runs).
 */
export interface LoadOptions {
  readonly variants?: boolean;
  readonly model?: boolean;
}

/** Parse, validate and check a scenario file's text. `source` names it in errors. */
export function parseScenario(text: string, source: string, opts: LoadOptions = {}): ScenarioFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError(source, `is not valid JSON (${(e as Error).message})`);
  }
  const errors = scenarioValidator.errors(data);
  if (errors.length) {
    const e = describe(errors[0]!);
    throw new ScenarioError(`${source}: ${e.path}`, e.message.slice(e.path.length + 2));
  }
  const sc = data as ScenarioFile;
  const check = (s: Scenario, where: string): void => {
    try {
      buildProgram(s);
    } catch (e) {
      if (e instanceof ScenarioError) throw new ScenarioError(`${source}: ${where}${e.path}`, e.message.slice(e.path.length + 2));
      throw e;
    }
  };
  if (opts.model === false) return sc;
  check(sc, '');
  if (opts.variants === false) return sc;
  for (const [label, v] of Object.entries(sc.variants ?? {})) {
    let applied: Scenario;
    try {
      applied = applyVariant(sc, v, label);
    } catch (e) {
      if (e instanceof ScenarioError) throw new ScenarioError(`${source}: ${e.path}`, e.message.slice(e.path.length + 2));
      throw e;
    }
    check(applied, `variants.${label}: `);
  }
  return sc;
}

export function loadScenarioFile(path: string, opts: LoadOptions = {}): ScenarioFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ScenarioError(path, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseScenario(text, path, opts);
}

/** The directory of built-in scenarios. */
export const BUILTIN_DIR = fileURLToPath(new URL('../../../scenarios/', import.meta.url));

/** Names of the built-in scenarios, sorted. */
export function builtinNames(): string[] {
  return readdirSync(BUILTIN_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => basename(f, '.json'))
    .sort();
}

export function loadBuiltin(name: string, opts: LoadOptions = {}): ScenarioFile {
  if (!builtinNames().includes(name)) {
    throw new ScenarioError(name, `no built-in scenario has this name; \`mnc list\` shows them (${builtinNames().join(', ')})`);
  }
  return loadScenarioFile(join(BUILTIN_DIR, `${name}.json`), opts);
}
