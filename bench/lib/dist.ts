/**
 * Whether dist/ is built from the sources in src/ now: then `node bin/mnc.js` runs the compiled
 * JavaScript, as a user's does after `npm ci`; else it runs the sources through tsx's loader.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { srcDigest } from '../../bin/src-digest.js';

export function distCurrent(root: string): boolean {
  try {
    return readFileSync(join(root, 'dist', 'BUILD'), 'utf8').trim() === srcDigest(root);
  } catch {
    return false;
  }
}
