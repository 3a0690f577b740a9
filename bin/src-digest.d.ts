/** The digest of the TypeScript sources under `root`/src (bin/src-digest.js). */
export function srcDigest(root: string): string;
