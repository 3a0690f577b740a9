#!/usr/bin/env node
// The `mnc` command: runs the TypeScript sources through tsx's loader (installed by `npm ci`).
import { register } from 'tsx/esm/api';

// A reader that stops early (`mnc check ... | head`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
