#!/usr/bin/env node
// The `mnc` command. It runs the compiled JavaScript in dist/ (built by `npm ci` through `prepare`,
// or `npm run build`): a start in a fraction of a second. When dist/ is missing, or was built from
// other sources than those in src/ now (a source edited since), it runs src/ through tsx's loader
// instead, which compiles at start-up: slower, never stale.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { srcDigest } from './src-digest.js';

// A reader that stops early (`mnc check ... | head`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let built;
try {
  built = readFileSync(join(root, 'dist', 'BUILD'), 'utf8').trim();
} catch {
  built = undefined;
}
let entry;
// MNC_FROM_SOURCE=1 runs the sources through tsx even when dist/ is current (npm run bench compares the two).
if (process.env.MNC_FROM_SOURCE !== '1' && built !== undefined && built === srcDigest(root)) {
  entry = pathToFileURL(join(root, 'dist', 'cli', 'main.js')).href;
} else {
  const { register } = await import('tsx/esm/api');
  register();
  entry = pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href;
}
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
