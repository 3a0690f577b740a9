// `npm run build` (and `prepare`, so that `npm ci` builds): compile src/ to dist/ with tsc
// (tsconfig.build.json: the same options, .ts imports rewritten to .js), then record the digest of
// the sources it was built from in dist/BUILD. bin/mnc.js runs dist/ only while the sources still
// have that digest; otherwise it runs them through tsx.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { srcDigest } from '../bin/src-digest.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const digest = srcDigest(root);
rmSync(join(root, 'dist'), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.status !== 0) {
  console.error('build: tsc failed; bin/mnc.js will run the TypeScript sources through tsx');
  process.exit(r.status ?? 1);
}
// Each JSON Schema's validator as Ajv's standalone code beside its module (src/model/validator.ts):
// run from dist/, mnc neither loads Ajv nor compiles a schema at start-up.
for (const [module, name] of [
  ['model/kernel/scenario-file.js', 'scenarioValidator'],
  ['model/patch/declare.js', 'declarationValidator'],
]) {
  const v = (await import(pathToFileURL(join(root, 'dist', module)).href))[name];
  writeFileSync(fileURLToPath(v.file), v.standalone());
}
writeFileSync(join(root, 'dist', 'BUILD'), `${digest}\n`);
