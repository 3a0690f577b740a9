/**
 * `npm run bench`: run every bench in this directory (each `*.ts` file other than this one that
 * exports `run(): boolean | Promise<boolean>`), in name order. Exits non-zero if any fails.
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .sort();

let failed = 0;
for (const file of files) {
  const mod = (await import(pathToFileURL(`${here}/${file}`).href)) as { run?: () => boolean | Promise<boolean> };
  if (typeof mod.run !== 'function') {
    console.error(`bench/${file}: exports no run()`);
    failed++;
    continue;
  }
  const ok = await mod.run();
  if (!ok) {
    console.error(`bench/${file}: FAILED`);
    failed++;
  }
}
if (failed > 0) process.exit(1);
