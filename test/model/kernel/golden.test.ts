/**
 * Golden listings: every modelled function of every core version, driver variant and driver thread,
 * as the statement sequence the interpreter runs, each with its C text, compared to a file in
 * test/model/kernel/__golden__/ that a reviewer can read beside the kernel source.
 */
import { describe, expect, test } from 'vitest';
import { goldenListing } from '../../../src/model/lang/compile.ts';
import { CORE_VERSIONS } from '../../../src/model/kernel/core/versions.ts';
import { MM_PRIMITIVES } from '../../../src/model/kernel/core/mm-primitives.ts';
import { CORE_PRIMITIVES } from '../../../src/model/lang/primitives.ts';
import { DRIVERS } from '../../../src/model/kernel/drivers/index.ts';
import type { FnDef } from '../../../src/model/lang/ir.ts';

/** Global variables of shared memory that code assigns by bare name. */
const GLOBALS = new Set(['oom_reaper_list']);

function render(fns: readonly FnDef[], prims: Record<string, unknown>): string {
  return goldenListing(fns, { isPrimitive: (n: string) => n in prims, isGlobal: (n: string) => GLOBALS.has(n) });
}

describe('core versions', () => {
  for (const [name, v] of Object.entries(CORE_VERSIONS)) {
    test(name, async () => {
      const text = render(v.fns, { ...CORE_PRIMITIVES, ...MM_PRIMITIVES });
      await expect(text).toMatchFileSnapshot(`__golden__/core-${name}.txt`);
    });
  }
});

describe('core threads a core has of its own', () => {
  for (const [name, v] of Object.entries(CORE_VERSIONS)) {
    if (!v.processMrelease) continue;
    test(`${name} process_mrelease`, async () => {
      const text = render(v.processMrelease!.fns, { ...CORE_PRIMITIVES, ...MM_PRIMITIVES });
      await expect(text).toMatchFileSnapshot(`__golden__/core-${name}-process_mrelease.txt`);
    });
  }
});

describe('drivers', () => {
  for (const [dname, d] of Object.entries(DRIVERS)) {
    for (const [vname, v] of Object.entries(d.variants)) {
      test(`${dname}@${vname}`, async () => {
        const prims = { ...CORE_PRIMITIVES, ...MM_PRIMITIVES, ...(v.primitives ?? {}) };
        const threadFns = Object.values(v.threads ?? {}).flatMap((t) => t.fns);
        const text = render([...v.fns, ...threadFns], prims);
        await expect(text).toMatchFileSnapshot(`__golden__/${dname}@${vname}.txt`);
      });
    }
  }
});
