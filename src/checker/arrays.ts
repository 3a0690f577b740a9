/**
 * Emptying an array that is filled again at once, on the hot path (once or twice a state).
 *
 * `a.length = 0` gives the array a new, empty backing store (V8, src/objects/elements.cc
 * `SetLengthImpl`: `if (length == 0) array->initialize_elements()`), so the next push allocates
 * one of 16 slots again: about 150 bytes of garbage a state for each such array. Popping keeps the
 * store (a pop trims it only while more than half of it, and 16 slots more, would be unused), so an
 * array emptied this way settles at a capacity and allocates nothing from then on.
 */
export function clearArray(a: unknown[]): void {
  while (a.length > 0) a.pop();
}
