/**
 * Where a patch applies: the modelled functions a configuration links, and the callees that have
 * modelled semantics there. Two configurations: a scenario's (its linked program: the core, the
 * drivers its notifiers run, its threads), for `check --patch`; and a core version with a variant of
 * every driver (the one the core's kernel shipped, or one named), for `mnc patch`, which has no
 * scenario. Patches apply in order, each to the functions the previous one left.
 */
import type { CallResolver } from '../lang/compile.ts';
import { MM_PRIMITIVES } from '../kernel/core/mm-primitives.ts';
import { PAGE_ALLOC_GLOBALS } from '../kernel/core/page_alloc.ts';
import { CORE_VERSIONS } from '../kernel/core/versions.ts';
import { DRIVERS } from '../kernel/drivers/index.ts';
import type { FnDef } from '../lang/ir.ts';
import { CORE_PRIMITIVES } from '../lang/primitives.ts';
import { refuseModelled } from './declare.ts';
import { buildProgram, shippedVariant, type DeclarationRecord, type Scenario } from '../kernel/scenario.ts';
import { applyPatch, ghostRules, type PatchResult } from './apply.ts';
import type { Patch } from './diff.ts';

/** The functions a patch applies to and how their callees resolve. */
export interface PatchBase extends CallResolver {
  readonly fns: readonly FnDef[];
}

/** A scenario's linked functions (as it runs them, before any `replaceFns`). */
export function scenarioBase(sc: Scenario): PatchBase {
  // The scenario itself when it has no patched functions: its program may be built already.
  const { replaceFns: _, ...plain } = sc;
  const p = buildProgram(sc.replaceFns ? plain : sc);
  return { fns: p.spec.fns, isPrimitive: (n) => n in p.primitives, isGlobal: (n) => n in p.spec.mem || p.spec.globals.includes(n) };
}

/**
 * A core version's functions with every driver's variant: `drivers[name]` where given, else the one
 * the core's kernel shipped; each variant's threads too. A function two drivers share (amdgpu and
 * amdgpu-hsa) is taken from a named variant first. `declared` callees count as primitives (a
 * declaration of a modelled name is refused, as a scenario refuses it).
 */
export function configBase(core: string, drivers: Readonly<Record<string, string>> = {}, declared?: DeclarationRecord): PatchBase {
  const c = CORE_VERSIONS[core];
  if (!c) throw new Error(`unknown core version ${core}`);
  const fns: FnDef[] = [];
  const seen = new Set<string>();
  const add = (list: readonly FnDef[]): void => {
    for (const f of list) {
      const k = `${f.file}\0${f.name}`;
      if (!seen.has(k)) fns.push(f);
      seen.add(k);
    }
  };
  const prims: Record<string, unknown> = { ...CORE_PRIMITIVES, ...MM_PRIMITIVES };
  const globals = new Set<string>(['oom_reaper_list', 'srcu', 'oom_reaper_wait', ...PAGE_ALLOC_GLOBALS]);
  add(c.fns);
  const names = [...Object.keys(drivers), ...Object.keys(DRIVERS).filter((d) => !(d in drivers))];
  for (const d of names) {
    const v = DRIVERS[d]!.variants[drivers[d] ?? shippedVariant(c, d)];
    if (!v) continue;
    add(v.fns);
    for (const t of Object.values(v.threads ?? {})) add(t.fns);
    Object.assign(prims, v.primitives ?? {});
    for (const g of v.globals ?? []) globals.add(g);
  }
  for (const name of Object.keys(declared?.callees ?? {})) {
    refuseModelled(declared!.file, name, fns.find((f) => f.name === name), Object.hasOwn(prims, name));
    prims[name] = true;
  }
  return { fns, isPrimitive: (n) => n in prims, isGlobal: (n) => globals.has(n) };
}

let ghosts: ReturnType<typeof ghostRules> | undefined;

/**
 * The model's instrumentation, from every modelled function of every core version and driver
 * variant: what a statement records in ghost state, per function (see `ApplyOptions.ghosts`).
 */
export function modelGhosts(): ReturnType<typeof ghostRules> {
  if (!ghosts) {
    const fns: FnDef[] = [];
    for (const c of Object.values(CORE_VERSIONS)) fns.push(...c.fns);
    for (const d of Object.values(DRIVERS)) {
      for (const v of Object.values(d.variants)) {
        fns.push(...v.fns);
        for (const t of Object.values(v.threads ?? {})) fns.push(...t.fns);
      }
    }
    ghosts = ghostRules(fns);
  }
  return ghosts;
}

/** What patches applied in order give: each one's result, and the functions that differ from the base. */
export interface Patched {
  readonly results: readonly PatchResult[];
  /** The changed and added functions (the last version of each), in the order first touched. */
  readonly fns: readonly FnDef[];
  /** The first result that was refused, if any: then nothing applies. */
  readonly refused?: PatchResult;
}

/** Apply `patches` one after the other, each to what the previous left; all or nothing. */
export function applyInOrder(patches: readonly Patch[], base: PatchBase): Patched {
  let fns = base.fns;
  const results: PatchResult[] = [];
  const changed = new Map<string, FnDef>();
  for (const p of patches) {
    const r = applyPatch(p, { fns, isPrimitive: base.isPrimitive, isGlobal: base.isGlobal, ghosts: modelGhosts() });
    results.push(r);
    if (!r.applied) return { results, fns: [], refused: r };
    for (const f of r.changed) changed.set(`${f.file}\0${f.name}`, f);
    fns = r.fns;
  }
  return { results, fns: [...changed.values()] };
}
