/**
 * Strongly connected components by Tarjan's algorithm, iterative (an explicit call stack: graphs
 * have millions of states, far beyond JavaScript's recursion limit).
 */

/** A graph in compressed-sparse-row form: node v's edges are `dst[edgeStart[v] .. edgeEnd[v])`. */
export interface CsrGraph {
  /** Number of nodes (0 .. n-1). */
  readonly n: number;
  readonly edgeStart: Uint32Array;
  readonly edgeEnd: Uint32Array;
  readonly dst: Uint32Array;
}

export interface Components {
  /** Component number of each node, or -1 for nodes not visited (excluded or unreachable). */
  readonly comp: Int32Array;
  /** Number of components. */
  readonly count: number;
  /**
   * Visited nodes grouped by component: component c's nodes are
   * `order[compStart[c] .. compStart[c + 1])`.
   */
  readonly order: Int32Array;
  readonly compStart: Int32Array;
  /** Bytes of the arrays this call allocated (working arrays included), for memory accounting. */
  readonly bytes: number;
  /**
   * Four working arrays of `n` elements the algorithm no longer needs, for the caller to use
   * (their contents are arbitrary): an analysis that needs per-node arrays after the components
   * takes these instead of allocating more (counted in {@link bytes} already).
   */
  readonly scratch: readonly [Int32Array, Int32Array, Int32Array, Int32Array];
}

/**
 * Tarjan's SCC algorithm over the part of `g` reachable from `roots` through included nodes
 * (`include[v] !== 0`; `null` includes all). Edges to excluded nodes are ignored.
 *
 * Components are numbered in the order Tarjan completes them, which is a reverse topological
 * order: every edge leaving component c goes to a component numbered below c.
 */
export function stronglyConnectedComponents(g: CsrGraph, include: Uint8Array | null, roots: ArrayLike<number>): Components {
  const { n, edgeStart, edgeEnd, dst } = g;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const comp = new Int32Array(n).fill(-1);
  const stack = new Int32Array(n);
  const callNode = new Int32Array(n);
  const callEdge = new Uint32Array(n);
  const order = new Int32Array(n);
  const starts: number[] = [0];
  let sp = 0;
  let csp = 0;
  let counter = 0;
  let written = 0;
  let ncomp = 0;

  for (let r = 0; r < roots.length; r++) {
    const root = roots[r]!;
    if (index[root]! >= 0 || (include !== null && include[root] === 0)) continue;
    index[root] = low[root] = counter++;
    stack[sp++] = root;
    callNode[csp] = root;
    callEdge[csp] = edgeStart[root]!;
    csp++;
    while (csp > 0) {
      const v = callNode[csp - 1]!;
      const e = callEdge[csp - 1]!;
      if (e < edgeEnd[v]!) {
        callEdge[csp - 1] = e + 1;
        const w = dst[e]!;
        if (include !== null && include[w] === 0) continue;
        if (index[w]! < 0) {
          index[w] = low[w] = counter++;
          stack[sp++] = w;
          callNode[csp] = w;
          callEdge[csp] = edgeStart[w]!;
          csp++;
        } else if (comp[w]! < 0 && index[w]! < low[v]!) {
          // w is on the stack (visited, not yet in a component)
          low[v] = index[w]!;
        }
        continue;
      }
      csp--;
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack[--sp]!;
          comp[w] = ncomp;
          order[written++] = w;
        } while (w !== v);
        ncomp++;
        starts.push(written);
      }
      if (csp > 0) {
        const u = callNode[csp - 1]!;
        if (low[v]! < low[u]!) low[u] = low[v]!;
      }
    }
  }
  const compStart = Int32Array.from(starts);
  const bytes = 4 * n * 7 + compStart.byteLength;
  return { comp, count: ncomp, order, compStart, bytes, scratch: [index, low, stack, callNode] };
}
