// The digest of the TypeScript sources (every file under src/, its path and its bytes): the build
// (scripts/build.mjs) records it in dist/BUILD, and bin/mnc.js runs dist/ only when the sources still
// have that digest, so an edited source is never shadowed by a stale build.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every file under `dir`, sorted, as absolute paths. */
function filesUnder(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** The sources' digest: sha256 over each file's path (relative to `root`) and contents. */
export function srcDigest(root) {
  const h = createHash('sha256');
  for (const f of filesUnder(join(root, 'src'))) {
    h.update(relative(root, f));
    h.update('\0');
    h.update(readFileSync(f));
    h.update('\0');
  }
  return h.digest('hex');
}
