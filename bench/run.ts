/**
 * `npm run bench`: run every bench in this directory (each `*.ts` file other than this one that
 * exports `run(): boolean | Promise<boolean>`), in name order, each in a process of its own (so
 * that the peak RSS a bench prints is its own). Exits non-zero if any fails.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

async function runOne(file: string): Promise<boolean> {
  const mod = (await import(pathToFileURL(`${here}/${file}`).href)) as { run?: () => boolean | Promise<boolean> };
  if (typeof mod.run !== 'function') {
    console.error(`bench/${file}: exports no run()`);
    return false;
  }
  return await mod.run();
}

if (process.argv[2] === '--one') {
  process.exit((await runOne(process.argv[3]!)) ? 0 : 1);
}

const files = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .sort();

let failed = 0;
for (const file of files) {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--one', file], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`bench/${file}: FAILED`);
    failed++;
  }
}
if (failed > 0) process.exit(1);
