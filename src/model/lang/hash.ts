/**
 * A 32-bit multiplicative hash of a model's values, for in-memory tables whose entries are compared
 * in full on a match (the canonical sort's content ids, src/model/lang/symmetry.ts; the memo of
 * coalesced runs, src/model/lang/segment-memo.ts). Not the state fingerprint (src/checker/fingerprint.ts).
 */

/** One step of the hash. */
export function mix(h: number, x: number): number {
  return Math.imul(h ^ x, 0x9e3779b1) ^ (h >>> 15);
}

export function hashNumber(v: number): number {
  const lo = v | 0;
  return lo === v ? lo : mix(lo, Math.floor(v / 4294967296) | 0);
}

export function hashString(v: string): number {
  let h = v.length;
  for (let i = 0; i < v.length; i++) h = mix(h, v.charCodeAt(i));
  return h;
}
