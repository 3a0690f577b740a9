/**
 * Variants defined by the patch the kernel had: the base variant's functions with a seed patch
 * applied by src/model/patch (docs/patches.md), instead of a hand-written copy of every function
 * the patch changed. The patch is read as mailed from `examples/patches/`, the same file
 * `mnc patch` and the tests apply, so the variant is exactly what the patch makes of its base.
 *
 * Each function the patch changes gets the variant's version and a source that names its base and
 * the patch; the functions it does not touch stay as the base has them (version and all: they are
 * the base's text, unchanged). A seed patch that no longer applies to its base is a bug of the model
 * (an internal error), never a user's.
 */
import { readFileSync } from 'node:fs';
import type { FnDef } from '../lang/ir.ts';
import { CORE_PRIMITIVES } from '../lang/primitives.ts';
import { applyPatch } from '../patch/apply.ts';
import { parsePatch, type Patch } from '../patch/diff.ts';
import { MM_PRIMITIVES } from './core/mm-primitives.ts';
import type { DriverThreadDef, VariantDef } from './driver.ts';

/** The folder of the seed patches, as mailed (examples/patches/ of the repository). */
export const SEED_PATCH_DIR = new URL('../../../examples/patches/', import.meta.url);

const parsed = new Map<string, Patch>();

/** A seed patch by file name, parsed once. */
export function seedPatch(file: string): Patch {
  let p = parsed.get(file);
  if (!p) {
    p = parsePatch(readFileSync(new URL(file, SEED_PATCH_DIR), 'utf8'), file);
    parsed.set(file, p);
  }
  return p;
}

/** The fields of the new variant other than its functions and its threads' functions. */
export type PatchedFields = Pick<VariantDef, 'description' | 'version' | 'api'> & Partial<Omit<VariantDef, 'fns' | 'threads' | 'description' | 'version' | 'api'>>;

/**
 * `base` with seed patch `file` applied to its functions and its threads' functions; `fields`
 * override the base's other fields (description, version, api at least).
 */
export function variantByPatch(base: VariantDef, file: string, fields: PatchedFields): VariantDef {
  // Applied on first use, not when the driver module loads: most runs use one or two variants.
  let made: { fns: readonly FnDef[]; threads?: Record<string, DriverThreadDef> } | undefined;
  const make = (): NonNullable<typeof made> => (made ??= applyTo(base, file, fields));
  return deriveVariant(base, fields, make);
}

/**
 * `base` with `fields` over it and, given `make`, its functions and its threads' functions made by
 * `make` when first read. The base's fields are copied as they are defined, not read: a base whose
 * functions are themselves made on first use (v5.2 from v5.0 from 93065ac753e4) keeps them unmade
 * (a spread would read its getters, applying every patch of the chain when the module loads).
 */
export function deriveVariant(base: VariantDef, fields: Partial<VariantDef>, make?: () => { fns: readonly FnDef[]; threads?: Record<string, DriverThreadDef> }): VariantDef {
  const v = Object.defineProperties({}, { ...Object.getOwnPropertyDescriptors(base), ...Object.getOwnPropertyDescriptors(fields) }) as VariantDef;
  if (make) {
    Object.defineProperty(v, 'fns', { enumerable: true, configurable: true, get: () => make().fns });
    if ('threads' in base) Object.defineProperty(v, 'threads', { enumerable: true, configurable: true, get: () => make().threads });
  }
  return v;
}

function applyTo(base: VariantDef, file: string, fields: PatchedFields): { fns: readonly FnDef[]; threads?: Record<string, DriverThreadDef> } {
  const threads = Object.entries(base.threads ?? {});
  const all = [...base.fns, ...threads.flatMap(([, t]) => t.fns)];
  const prims = { ...CORE_PRIMITIVES, ...MM_PRIMITIVES, ...(base.primitives ?? {}), ...(fields.primitives ?? {}) };
  const globals = new Set([...(base.globals ?? []), ...(fields.globals ?? [])]);
  const r = applyPatch(seedPatch(file), { fns: all, isPrimitive: (n) => n in prims, isGlobal: (n) => globals.has(n), version: fields.version });
  if (!r.applied) {
    const why = r.outcomes.find((o) => o.kind === 'refused');
    throw new Error(`internal: seed patch ${file} no longer applies to the ${base.version} variant: ${why && 'reason' in why ? why.reason : '?'}`);
  }
  // Only what the patch changed is replaced: threads may run functions of one name in versions of
  // their own (amdgpu's CS threads each have their amdgpu_cs_submit), which the patch must not touch.
  const key = (f: FnDef): string => `${f.file}\0${f.name}`;
  const changed = new Map(r.changed.map((f) => [key(f), f]));
  for (const k of changed.keys()) {
    if (new Set(all.filter((f) => key(f) === k)).size > 1) throw new Error(`internal: seed patch ${file} changes ${k.replace('\0', ': ')}, which the ${base.version} variant has in several versions`);
  }
  const take = (f: FnDef): FnDef => changed.get(key(f)) ?? f;
  const added = r.changed.filter((f) => !all.some((g) => key(g) === key(f)));
  return {
    fns: [...base.fns.map(take), ...added],
    ...(base.threads ? { threads: Object.fromEntries(threads.map(([k, t]): [string, DriverThreadDef] => [k, { ...t, fns: t.fns.map(take) }])) } : {}),
  };
}
