// Module resolution hooks (node:module register) for the bench's processes, registered by
// bench/lib/use-dist.mjs: an import of the checker's sources (src/**/*.ts) resolves to the module
// compiled from it in dist/ (`npm run build`, tsc), so that the bench times the code `mnc` runs
// for a user (bin/mnc.js runs dist/), not the sources as tsx transforms them (bench/run.ts says why).
// Everything else (the bench's own .ts files, through tsx) resolves as it would without them.
const root = new URL('../../', import.meta.url).href;
const src = `${root}src/`;
const dist = `${root}dist/`;

export async function resolve(specifier, context, nextResolve) {
  const r = await nextResolve(specifier, context);
  if (r.url.startsWith(src) && r.url.endsWith('.ts')) return { ...r, url: `${dist}${r.url.slice(src.length, -'.ts'.length)}.js`, format: 'module' };
  return r;
}
