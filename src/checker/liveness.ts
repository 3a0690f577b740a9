/**
 * Liveness checking on the explored graph.
 *
 * When a model has `reachable` or `eventually` properties and the strategy is exhaustive, the
 * engine numbers the states in order of discovery (the visited set carries the number, 4 bytes
 * per slot) and records here, per state and per edge:
 *
 * - per state: a label word (4 bytes: one goal bit per liveness property, "within the boundary",
 *   "expanded"), the start and end of its edge list (8 bytes), and, when some `eventually`
 *   property assumes weak fairness, the mask of threads enabled in it (4 bytes);
 * - per edge: its target state (4 bytes) and, under weak fairness, the acting thread (1 byte).
 *
 * Edges of a state are appended when the state is expanded, all at once, so they form a
 * compressed-sparse-row graph indexed by state number without any sorting. Arrays grow by half
 * again when full, so up to a third of their capacity may be unused.
 *
 * After a complete exploration each property is decided on this graph (see {@link analyzeReachable}
 * and {@link analyzeEventually}); the analysis allocates about 7 more 32-bit words per state
 * (Tarjan's arrays, four of which the counterexample search then reuses) and a byte per state,
 * released when it returns.
 */
import type { Fairness } from './model.ts';
import { stronglyConnectedComponents, type CsrGraph } from './scc.ts';
import { OrbitSets, type PermTable } from './symmetry.ts';

/** Label bit: the state lies within the model's boundary. */
export const IN_BOUNDARY = 0x8000_0000;
/** Label bit: the state was expanded (its successors are recorded). */
export const EXPANDED = 0x4000_0000;
/** At most this many liveness properties (one goal bit each). */
export const MAX_LIVENESS_PROPERTIES = 30;
/** Weak fairness supports thread indices 0 .. MAX_THREADS - 1. */
export const MAX_THREADS = 32;

function growU32(a: Uint32Array<ArrayBuffer>, need: number): Uint32Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const b = new Uint32Array(Math.max(need, Math.ceil(a.length * 1.5) + 16));
  b.set(a);
  return b;
}

function growU16(a: Uint16Array<ArrayBuffer>, need: number): Uint16Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const b = new Uint16Array(Math.max(need, Math.ceil(a.length * 1.5) + 16));
  b.set(a);
  return b;
}

function growU8(a: Uint8Array<ArrayBuffer>, need: number): Uint8Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const b = new Uint8Array(Math.max(need, Math.ceil(a.length * 1.5) + 16));
  b.set(a);
  return b;
}

/** Edge arrays: targets, and the acting threads and permutations when they are kept. */
interface Edges {
  edges: number;
  dst: Uint32Array<ArrayBuffer>;
  thread: Uint8Array<ArrayBuffer> | null;
  perm: Uint16Array<ArrayBuffer> | null;
}

/** Append an edge, growing the arrays by half again when full. */
function appendEdge(g: Edges, target: number, thread: number, perm: number): void {
  const e = g.edges;
  if (e >= g.dst.length) {
    g.dst = growU32(g.dst, e + 1);
    if (g.thread) g.thread = growU8(g.thread, g.dst.length);
    if (g.perm) g.perm = growU16(g.perm, g.dst.length);
  }
  g.dst[e] = target;
  if (g.thread) g.thread[e] = thread;
  if (g.perm) g.perm[e] = perm;
  g.edges = e + 1;
}

/** The explored graph, as recorded for liveness checking. */
export class LivenessGraph implements CsrGraph {
  n = 0;
  edges = 0;
  labels = new Uint32Array(64);
  edgeStart = new Uint32Array(64);
  edgeEnd = new Uint32Array(64);
  enabled: Uint32Array<ArrayBuffer> | null;
  dst = new Uint32Array(256);
  thread: Uint8Array<ArrayBuffer> | null;
  /**
   * Under symmetry reduction, per edge: the id (in the explorer's PermTable) of the permutation
   * `π` the target was recorded with: the state stepped to is `t`, the recorded state `π·t`.
   */
  perm: Uint16Array<ArrayBuffer> | null;
  /** State numbers of the initial states, in `initStates()` order (duplicates included). */
  readonly initIds: number[] = [];

  constructor(
    readonly withThreads: boolean,
    withPerms = false,
  ) {
    this.enabled = withThreads ? new Uint32Array(64) : null;
    this.thread = withThreads ? new Uint8Array(256) : null;
    this.perm = withPerms ? new Uint16Array(256) : null;
  }

  /** Record a new state (its number must be `n`). */
  addState(id: number, label: number): void {
    if (id !== this.n) throw new Error(`LivenessGraph.addState: expected state ${this.n}, got ${id}`);
    const need = id + 1;
    if (need > this.labels.length) {
      this.labels = growU32(this.labels, need);
      this.edgeStart = growU32(this.edgeStart, need);
      this.edgeEnd = growU32(this.edgeEnd, need);
      if (this.enabled) this.enabled = growU32(this.enabled, need);
    }
    this.labels[id] = label;
    this.n = need;
  }

  /** Start recording the edges of state `id`. */
  begin(id: number): void {
    this.edgeStart[id] = this.edges;
  }

  /** Record an edge of the state being expanded. */
  edge(target: number, thread: number, perm = 0): void {
    appendEdge(this, target, thread, perm);
  }

  /** Finish state `id`: its edges end here; `enabledMask` has bit t set iff thread t has a transition. */
  end(id: number, enabledMask: number): void {
    this.edgeEnd[id] = this.edges;
    this.labels[id] = (this.labels[id]! | EXPANDED) >>> 0;
    if (this.enabled) this.enabled[id] = enabledMask;
  }

  /** Bytes held by the recorded graph. */
  get bytes(): number {
    return (
      this.labels.byteLength +
      this.edgeStart.byteLength +
      this.edgeEnd.byteLength +
      (this.enabled?.byteLength ?? 0) +
      this.dst.byteLength +
      (this.thread?.byteLength ?? 0) +
      (this.perm?.byteLength ?? 0)
    );
  }
}

/**
 * One worker's share of the graph of a parallel search (parallel.ts): the labels of the states it
 * discovered and the edges of the states it expanded, under the shared state numbers. The main
 * thread joins the parts into one {@link LivenessGraph} ({@link joinGraphParts}).
 */
export class GraphPart {
  /** Labels: state `labelIds[i]` has label `labelVals[i]` (for i < labelCount). */
  labelIds = new Uint32Array(64);
  labelVals = new Uint32Array(64);
  labelCount = 0;
  /** Expanded states: `expandedIds[i]` has edges `starts[i]` .. `ends[i]` of this part, enabled mask `masks[i]`. */
  expandedIds = new Uint32Array(64);
  starts = new Uint32Array(64);
  ends = new Uint32Array(64);
  masks = new Uint32Array(64);
  expandedCount = 0;
  edges = 0;
  dst = new Uint32Array(256);
  thread: Uint8Array<ArrayBuffer> | null;
  perm: Uint16Array<ArrayBuffer> | null;
  readonly initIds: number[] = [];
  private start = 0;

  constructor(withThreads: boolean, withPerms: boolean) {
    this.thread = withThreads ? new Uint8Array(256) : null;
    this.perm = withPerms ? new Uint16Array(256) : null;
  }

  addState(id: number, label: number): void {
    const k = this.labelCount;
    if (k === this.labelIds.length) {
      this.labelIds = growU32(this.labelIds, k + 1);
      this.labelVals = growU32(this.labelVals, k + 1);
    }
    this.labelIds[k] = id;
    this.labelVals[k] = label;
    this.labelCount = k + 1;
  }

  begin(_id: number): void {
    this.start = this.edges;
  }

  edge(target: number, thread: number, perm = 0): void {
    appendEdge(this, target, thread, perm);
  }

  end(id: number, enabledMask: number): void {
    const k = this.expandedCount;
    if (k === this.expandedIds.length) {
      this.expandedIds = growU32(this.expandedIds, k + 1);
      this.starts = growU32(this.starts, k + 1);
      this.ends = growU32(this.ends, k + 1);
      this.masks = growU32(this.masks, k + 1);
    }
    this.expandedIds[k] = id;
    this.starts[k] = this.start;
    this.ends[k] = this.edges;
    this.masks[k] = enabledMask;
    this.expandedCount = k + 1;
  }

  get bytes(): number {
    return (
      this.labelIds.byteLength * 2 +
      this.expandedIds.byteLength * 4 +
      this.dst.byteLength +
      (this.thread?.byteLength ?? 0) +
      (this.perm?.byteLength ?? 0)
    );
  }
}

/** What a {@link GraphPart} posts to the main thread (its arrays cut to length). */
export type GraphPartData = Pick<GraphPart, 'labelIds' | 'labelVals' | 'labelCount' | 'expandedIds' | 'starts' | 'ends' | 'masks' | 'expandedCount' | 'edges' | 'dst' | 'thread' | 'perm' | 'initIds'>;

/**
 * Join the parts of `n` states into `g` (empty): every state labelled by the part that discovered
 * it, its edges copied from the part that expanded it (each part's permutation ids translated by its
 * `permIds`), the initial states' numbers from the part that seeded. Each state's edges end up
 * contiguous, as {@link LivenessGraph.begin}..{@link LivenessGraph.end} records them.
 */
export function joinGraphParts(g: LivenessGraph, n: number, parts: readonly GraphPartData[], permIds: readonly (Uint16Array | null)[]): void {
  if (g.n !== 0) throw new Error('internal error: joinGraphParts needs an empty graph');
  const labels = new Uint32Array(n);
  let seen = 0;
  for (const p of parts) {
    for (let k = 0; k < p.labelCount; k++) labels[p.labelIds[k]!] = p.labelVals[k]!;
    seen += p.labelCount;
  }
  if (seen !== n) throw new Error(`internal error: the workers labelled ${seen} states, not ${n}`);
  for (let id = 0; id < n; id++) g.addState(id, labels[id]!);
  parts.forEach((p, w) => {
    const map = permIds[w] ?? null;
    for (let k = 0; k < p.expandedCount; k++) {
      const id = p.expandedIds[k]!;
      g.begin(id);
      for (let e = p.starts[k]!; e < p.ends[k]!; e++) g.edge(p.dst[e]!, p.thread?.[e] ?? 0, p.perm === null ? 0 : map === null ? p.perm[e]! : map[p.perm[e]!]!);
      g.end(id, p.masks[k]!);
    }
    g.initIds.push(...p.initIds);
  });
}

/** A lasso in the recorded graph: a root (initial) state, then edges; the cycle begins at `loopStart`. */
export interface GraphLasso {
  readonly root: number;
  /** Global edge indices, in order. */
  readonly edges: readonly number[];
  /** Position (0 = root, i = after edge i) where the cycle begins; `edges.length` for a dead end. */
  readonly loopStart: number;
}

/** Outcome of one analysis: a violating state or lasso (or null), and the bytes it allocated. */
export interface Analysis<T> {
  readonly witness: T | null;
  readonly bytes: number;
}

/** {@link analyzeReachable}'s answers, and what its components showed of the whole graph. */
export interface ReachableAnalyses {
  /** Per goal bit, in the order asked. */
  readonly analyses: readonly Analysis<number>[];
  /**
   * The graph, as reachable from its initial states, has no cycle: every component is one state
   * and no state has an edge to itself. Then no subgraph has one either, and
   * {@link analyzeEventually} need not look for the components of its own (`acyclic`).
   */
  readonly acyclic: boolean;
}

/**
 * "From every reachable state a goal state is still reachable" (AG EF goal), for each of
 * `goalBits` (label bits, one per property): per bit, the first state (lowest number, i.e. first
 * discovered) within the boundary from which no state with that bit is reachable, or null. States
 * outside the boundary have no recorded successors; they count as goals if they satisfy the goal,
 * and are not required to reach one themselves.
 *
 * Method: SCCs of the whole graph, once for every bit; in Tarjan's completion order (successors
 * first) a component can reach a goal iff it contains one or has an edge into a component that
 * can: a mask of the bits it can reach per component, built in one pass; then one pass over the
 * states finds each bit's first witness. (One property per thread, as `deadlock` has, once took
 * one SCC computation each.) The bytes are the whole computation's, in each analysis.
 */
export function analyzeReachable(g: LivenessGraph, goalBits: readonly number[]): ReachableAnalyses {
  const sccs = stronglyConnectedComponents(g, null, g.initIds);
  const { comp, order, compStart, count } = sccs;
  let all = 0;
  for (const b of goalBits) all |= b;
  const can = new Int32Array(count);
  const { labels, edgeStart, edgeEnd, dst } = g;
  for (let c = 0; c < count; c++) {
    let m = 0;
    for (let k = compStart[c]!; k < compStart[c + 1]! && m !== all; k++) {
      const v = order[k]!;
      m |= labels[v]! & all;
      for (let e = edgeStart[v]!; e < edgeEnd[v]! && m !== all; e++) {
        const cw = comp[dst[e]!]!;
        if (cw !== c) m |= can[cw]!;
      }
    }
    can[c] = m;
  }
  // A cycle is a component of two states or more, or an edge from a state to itself.
  let acyclic = compStart[count] === count;
  for (let k = 0; k < count && acyclic; k++) {
    const v = order[k]!;
    for (let e = edgeStart[v]!; e < edgeEnd[v]!; e++) {
      if (dst[e] === v) {
        acyclic = false;
        break;
      }
    }
  }
  const bytes = sccs.bytes + can.byteLength;
  const witness = goalBits.map(() => -1);
  let left = goalBits.length;
  for (let v = 0; v < g.n && left > 0; v++) {
    if ((labels[v]! & IN_BOUNDARY) === 0 || comp[v]! < 0) continue;
    const reaches = can[comp[v]!]!;
    for (let k = 0; k < goalBits.length; k++) {
      if (witness[k]! < 0 && (reaches & goalBits[k]!) === 0) {
        witness[k] = v;
        left--;
      }
    }
  }
  return { analyses: witness.map((v) => ({ witness: v < 0 ? null : v, bytes })), acyclic };
}

/**
 * Breadth-first search from the initial states of `g` through the states `member` accepts, to the
 * first of them (in that order) that `stop` accepts: the path to it (the initial state it starts
 * from, and its edges), or null. Works in `predEdge`, `predNode`, `seen` (marked 1 where reached)
 * and `queue`, of `g.n` elements each.
 */
function nearestFromInit(
  g: LivenessGraph,
  member: (v: number) => boolean,
  stop: (v: number) => boolean,
  predEdge: Int32Array,
  predNode: Int32Array,
  seen: Int32Array,
  queue: Int32Array,
): { readonly root: number; readonly edges: number[]; readonly target: number } | null {
  const { edgeStart, edgeEnd, dst } = g;
  predEdge.fill(-1);
  predNode.fill(-1);
  seen.fill(0);
  let head = 0;
  let tail = 0;
  for (const r of g.initIds) {
    if (!member(r) || seen[r] === 1) continue;
    seen[r] = 1;
    queue[tail++] = r;
  }
  while (head < tail) {
    const v = queue[head++]!;
    if (stop(v)) {
      const edges: number[] = [];
      let root = v;
      while (predNode[root]! >= 0) {
        edges.push(predEdge[root]!);
        root = predNode[root]!;
      }
      edges.reverse();
      return { root, edges, target: v };
    }
    for (let e = edgeStart[v]!; e < edgeEnd[v]!; e++) {
      const w = dst[e]!;
      if (!member(w) || seen[w] === 1) continue;
      seen[w] = 1;
      predEdge[w] = e;
      predNode[w] = v;
      queue[tail++] = w;
    }
  }
  return null;
}

/** Whether state `v` of `g` was expanded and has no transition. */
function deadEnd(g: LivenessGraph, v: number): boolean {
  return (g.labels[v]! & EXPANDED) !== 0 && g.edgeStart[v] === g.edgeEnd[v];
}

/**
 * {@link analyzeEventually} on a graph without cycles (ReachableAnalyses.acyclic): G' has none
 * either, so its only violations are dead ends, and the nearest is found by the same
 * breadth-first search from the initial states within G' ({@link nearestFromInit}; a state of G'
 * next to one reached is reached), without G''s components.
 */
function nearestDeadEnd(g: LivenessGraph, include: Uint8Array): Analysis<GraphLasso> {
  const n = g.n;
  const found = nearestFromInit(
    g,
    (v) => include[v] === 1,
    (v) => deadEnd(g, v),
    new Int32Array(n),
    new Int32Array(n),
    new Int32Array(n),
    new Int32Array(n),
  );
  const bytes = 4 * n * 4 + n;
  return { witness: found === null ? null : { root: found.root, edges: found.edges, loopStart: found.edges.length }, bytes };
}

/**
 * "Every maximal run (fair to every thread, with `weak` fairness) reaches the goal", decided
 * exactly as {@link Property.eventually} states, on the subgraph G' of states within the boundary
 * where the goal is false, reached from an initial state through such states only:
 *
 * - a dead end: a state of G' with no transition at all (edges to goal states or to states
 *   outside the boundary are transitions, so such a state is not a dead end);
 * - `none`: an SCC of G' with at least one edge inside it;
 * - `weak`: an SCC C of G' with at least one edge inside it such that every thread enabled in
 *   every state of C acts on some edge inside C.
 *
 * Returns the lasso to the violation nearest to an initial state (breadth-first within G'), or
 * null. The lasso's cycle starts where the prefix enters the component; under weak fairness it
 * passes, for every thread enabled throughout C, through an edge where that thread acts, and for
 * every other thread enabled somewhere in C, through a state where it is disabled, so that the
 * cycle repeated forever is itself a weakly fair run (under `none`: it has at least one edge).
 *
 * `acyclic`: the graph is known to have no cycle ({@link ReachableAnalyses.acyclic}), so only a
 * dead end can violate: found without G''s components ({@link nearestDeadEnd}), the same witness.
 */
export function analyzeEventually(g: LivenessGraph, goalBit: number, fairness: Fairness, perms: PermTable | null = null, acyclic = false): Analysis<GraphLasso> {
  const n = g.n;
  const sym = perms !== null && g.perm !== null ? perms : null;
  const { labels, edgeStart, edgeEnd, dst } = g;
  const weak = fairness === 'weak';
  if (weak && (g.enabled === null || g.thread === null)) throw new Error('analyzeEventually: weak fairness needs recorded threads');
  const include = new Uint8Array(n);
  for (let v = 0; v < n; v++) {
    const l = labels[v]!;
    include[v] = (l & IN_BOUNDARY) !== 0 && (l & goalBit) === 0 ? 1 : 0;
  }
  if (acyclic) return nearestDeadEnd(g, include);
  const sccs = stronglyConnectedComponents(g, include, g.initIds);
  const { comp, count } = sccs;
  const hasEdge = new Uint8Array(count);
  const allEnabled = new Uint32Array(count).fill(0xffff_ffff);
  const acts = new Uint32Array(count);
  const enabled = g.enabled;
  const thread = g.thread;
  for (let v = 0; v < n; v++) {
    const c = comp[v]!;
    if (c < 0) continue;
    if (enabled) allEnabled[c] = (allEnabled[c]! & enabled[v]!) >>> 0;
    for (let e = edgeStart[v]!; e < edgeEnd[v]!; e++) {
      if (comp[dst[e]!] === c) {
        hasEdge[c] = 1;
        if (thread) acts[c] = (acts[c]! | (1 << thread[e]!)) >>> 0;
      }
    }
  }
  const bad = new Uint8Array(count);
  if (sym !== null && weak) {
    liftedFairness(g, sccs, hasEdge, sym, bad);
  } else {
    for (let c = 0; c < count; c++) {
      bad[c] = hasEdge[c] === 1 && (!weak || (allEnabled[c]! & ~acts[c]!) === 0) ? 1 : 0;
    }
  }
  // Breadth-first search within G' from the initial states for the nearest violation.
  // Tarjan's working arrays, free now: no more memory than the components took.
  const [predEdge, predNode, seen, queue] = sccs.scratch;
  const found = nearestFromInit(
    g,
    (v) => comp[v]! >= 0,
    (v) => bad[comp[v]!] === 1 || deadEnd(g, v),
    predEdge,
    predNode,
    seen,
    queue,
  );
  const bytes = sccs.bytes + count * 10 + n;
  if (found === null) return { witness: null, bytes };
  const { root, edges: prefix, target } = found;
  let stamp = 1;
  if (!(bad[comp[target]!] === 1)) {
    return { witness: { root, edges: prefix, loopStart: prefix.length }, bytes };
  }
  if (sym !== null) {
    const cycle = liftedCycle(g, comp, target, weak, sym);
    return { witness: { root, edges: [...prefix, ...cycle], loopStart: prefix.length }, bytes: bytes + n * 4 };
  }

  // Cycle through the component, from `target` back to it. Under weak fairness the cycle must be a
  // fair run by itself: it takes, for every thread enabled in every state of C, an edge where that
  // thread acts, and visits, for every other thread enabled somewhere in C, a state of C where it
  // is disabled (so that it is not enabled all along the cycle). Each waypoint is the nearest one
  // (breadth-first within C) from where the cycle has got to.
  const c = comp[target]!;
  const cycle: number[] = [];
  const NONE = -2;
  /**
   * Breadth-first within C from `from` to the first node v for which `accept(v)` is not NONE;
   * appends the path to `cycle`, then the edge `accept(v)` if it is ≥ 0. Returns where it ends.
   */
  const walkUntil = (from: number, accept: (v: number) => number): number => {
    stamp++;
    let head = 0;
    let tail = 0;
    seen[from] = stamp;
    queue[tail++] = from;
    let reached = -1;
    let take = NONE;
    while (head < tail) {
      const v = queue[head++]!;
      take = accept(v);
      if (take !== NONE) {
        reached = v;
        break;
      }
      for (let e = edgeStart[v]!; e < edgeEnd[v]!; e++) {
        const w = dst[e]!;
        if (comp[w] !== c || seen[w] === stamp) continue;
        seen[w] = stamp;
        predEdge[w] = e;
        predNode[w] = v;
        queue[tail++] = w;
      }
    }
    if (reached < 0) throw new Error('analyzeEventually: internal error: waypoint not found in the component');
    const part: number[] = [];
    for (let v = reached; v !== from; v = predNode[v]!) part.push(predEdge[v]!);
    for (let i = part.length - 1; i >= 0; i--) cycle.push(part[i]!);
    if (take >= 0) {
      cycle.push(take);
      return dst[take]!;
    }
    return reached;
  };
  /** The first edge of v inside C taken by `thread` (any thread when -1), or NONE. */
  const internalEdge = (v: number, t: number): number => {
    for (let e = edgeStart[v]!; e < edgeEnd[v]!; e++) {
      if (comp[dst[e]!] === c && (t < 0 || thread![e] === t)) return e;
    }
    return NONE;
  };
  /** Threads disabled in some state the cycle has passed through so far. */
  const disabledAlong = (): number => {
    let m = ~enabled![target]!;
    for (const e of cycle) m |= ~enabled![dst[e]!]!;
    return m;
  };
  let cur = target;
  if (weak) {
    const required = allEnabled[c]!;
    let someEnabled = 0;
    for (let k = sccs.compStart[c]!; k < sccs.compStart[c + 1]!; k++) someEnabled |= enabled![sccs.order[k]!]!;
    for (let t = 0; t < MAX_THREADS; t++) {
      if ((required & (1 << t)) !== 0) cur = walkUntil(cur, (v) => internalEdge(v, t));
    }
    for (let t = 0; t < MAX_THREADS; t++) {
      const bit = 1 << t;
      if ((required & bit) !== 0 || (someEnabled & bit) === 0 || (disabledAlong() & bit) !== 0) continue;
      cur = walkUntil(cur, (v) => ((enabled![v]! & bit) === 0 ? -1 : NONE));
    }
  }
  if (cycle.length === 0) cur = walkUntil(cur, (v) => internalEdge(v, -1)); // at least one edge
  walkUntil(cur, (v) => (v === target ? -1 : NONE));
  return { witness: { root, edges: [...prefix, ...cycle], loopStart: prefix.length }, bytes };
}

/**
 * Under symmetry reduction with weak fairness: which components of the quotient have a weakly fair
 * cycle in their lift to the model (Emerson and Sistla 1997, see symmetry.ts). Per component C,
 * with at least one edge inside it (`hasEdge`):
 *
 * - each state v of C gets a permutation p(v), from a base state's frame to v's recorded frame,
 *   along a breadth-first tree inside C (p(w) = π_e∘p(v) for the tree edge e: v→w);
 * - every other edge e: v→w inside C closes a loop of the lift that permutes the base frame by
 *   g_e = p(w)⁻¹∘π_e∘p(v); the lift of C from the base state is one strongly connected component
 *   of the model made of the states h·p(v)⁻¹·v for h in the group G the g_e generate;
 * - a thread b (base frame) is disabled somewhere in that lift, or takes a step inside it, iff some
 *   thread of b's orbit under G is disabled in some v (in v's frame, thread p(v)[b']) or acts on
 *   an edge inside C from some v (the actor is thread p(v)⁻¹[a] of the base frame).
 *
 * C is bad (a fair cycle exists in the lift) iff every thread passes that test.
 */
function liftedFairness(
  g: LivenessGraph,
  sccs: ReturnType<typeof stronglyConnectedComponents>,
  hasEdge: Uint8Array,
  perms: PermTable,
  bad: Uint8Array,
): void {
  const { comp, order, compStart, count } = sccs;
  const { edgeStart, edgeEnd, dst } = g;
  const enabled = g.enabled!;
  const thread = g.thread!;
  const perm = g.perm!;
  const nt = perms.n;
  // Tarjan's working arrays are free until the lasso search: the potentials and a queue.
  const [pot, , , queue] = sccs.scratch;
  for (let c = 0; c < count; c++) {
    if (hasEdge[c] !== 1) continue;
    const orbits = new OrbitSets(nt);
    let u = 0;
    for (let k = compStart[c]!; k < compStart[c + 1]!; k++) pot[order[k]!] = -1;
    const base = order[compStart[c]!]!;
    pot[base] = 0;
    let head = 0;
    let tail = 0;
    queue[tail++] = base;
    while (head < tail) {
      const v = queue[head++]!;
      const pv = pot[v]!;
      const p = perms.get(pv);
      const pInv = perms.get(perms.inverse(pv));
      const ev = enabled[v]!;
      for (let b = 0; b < nt; b++) if ((ev & (1 << p[b]!)) === 0) u |= 1 << b;
      for (let e = edgeStart[v]!; e < edgeEnd[v]!; e++) {
        const w = dst[e]!;
        if (comp[w] !== c) continue;
        u |= 1 << pInv[thread[e]!]!;
        const through = perms.compose(perm[e]!, pv);
        if (pot[w] === -1) {
          pot[w] = through;
          queue[tail++] = w;
        } else if (through !== pot[w]) {
          orbits.add(perms.get(perms.compose(perms.inverse(pot[w]!), through)));
        }
      }
    }
    const okRoots = new Set<number>();
    for (let b = 0; b < nt; b++) if ((u & (1 << b)) !== 0) okRoots.add(orbits.find(b));
    let fair = true;
    for (let b = 0; b < nt && fair; b++) if (!okRoots.has(orbits.find(b))) fair = false;
    bad[c] = fair ? 1 : 0;
  }
}

/**
 * Under symmetry reduction: a cycle through `target`'s component that closes in the model itself
 * (its permutations compose to the identity) and, under weak fairness, is weakly fair there: for
 * every thread (in `target`'s frame), an edge where it acts or a state where it is disabled. The
 * search runs on the product of the component with the permutations (pairs (state, permutation
 * from `target`'s frame), stepping by e: (v, P) → (w, π_e∘P)), breadth-first to each waypoint.
 */
function liftedCycle(g: LivenessGraph, comp: Int32Array, target: number, weak: boolean, perms: PermTable): number[] {
  const { edgeStart, edgeEnd, dst } = g;
  const enabled = g.enabled;
  const thread = g.thread;
  const perm = g.perm!;
  const c = comp[target]!;
  const nt = perms.n;
  const NONE = -2;
  const cycle: number[] = [];
  let cur = target;
  let curP = 0;
  let sat = 0;
  const note = (v: number, pid: number): void => {
    if (enabled === null) return;
    const p = perms.get(pid);
    for (let b = 0; b < nt; b++) if ((enabled[v]! & (1 << p[b]!)) === 0) sat |= 1 << b;
  };
  const noteEdge = (e: number, pid: number): void => {
    if (thread === null) return;
    sat |= 1 << perms.get(perms.inverse(pid))[thread[e]!]!;
  };
  note(cur, curP);
  const key = (v: number, pid: number): number => v * 65536 + pid;
  /** Breadth-first over the product to the first (v, P) `accept` takes; appends the path (and the edge accept names). */
  const walk = (accept: (v: number, pid: number) => number): void => {
    const pred = new Map<number, { from: number; edge: number }>();
    const start = key(cur, curP);
    pred.set(start, { from: -1, edge: -1 });
    const queue: number[][] = [[cur, curP]];
    let reached: number[] | null = null;
    let take = NONE;
    for (let h = 0; h < queue.length; h++) {
      const [v, pid] = queue[h]! as [number, number];
      take = accept(v, pid);
      if (take !== NONE) {
        reached = [v, pid];
        break;
      }
      for (let e = edgeStart[v]!; e < edgeEnd[v]!; e++) {
        const w = dst[e]!;
        if (comp[w] !== c) continue;
        const wp = perms.compose(perm[e]!, pid);
        const kw = key(w, wp);
        if (pred.has(kw)) continue;
        pred.set(kw, { from: key(v, pid), edge: e });
        queue.push([w, wp]);
      }
    }
    if (reached === null) throw new Error('analyzeEventually: internal error: waypoint not found in the lift of the component');
    const part: number[] = [];
    for (let k = key(reached[0]!, reached[1]!); k !== start; ) {
      const pr = pred.get(k)!;
      part.push(pr.edge);
      k = pr.from;
    }
    part.reverse();
    let pid = curP;
    for (const e of part) {
      noteEdge(e, pid);
      pid = perms.compose(perm[e]!, pid);
      note(dst[e]!, pid);
      cycle.push(e);
    }
    cur = reached[0]!;
    curP = reached[1]!;
    if (take >= 0) {
      noteEdge(take, curP);
      curP = perms.compose(perm[take]!, curP);
      cur = dst[take]!;
      note(cur, curP);
      cycle.push(take);
    }
  };
  const internal = (v: number, actor: number): number => {
    for (let e = edgeStart[v]!; e < edgeEnd[v]!; e++) if (comp[dst[e]!] === c && (actor < 0 || thread![e] === actor)) return e;
    return NONE;
  };
  if (weak) {
    for (let b = 0; b < nt; b++) {
      if ((sat & (1 << b)) !== 0) continue;
      walk((v, pid) => {
        const t = perms.get(pid)[b]!;
        if ((enabled![v]! & (1 << t)) === 0) return -1;
        return internal(v, t);
      });
    }
  }
  if (cycle.length === 0) walk((v) => internal(v, -1));
  walk((v, pid) => (v === target && pid === 0 ? -1 : NONE));
  return cycle;
}

/**
 * Per-thread "from every reachable state, thread t can still reach its goal" under symmetry
 * reduction, for the threads `cls` (a class of interchangeable threads, or one thread):
 * `goalBitOf[j]` is the goal bit of the property about thread j. Decided on the product of the
 * quotient with the followed thread's index in each recorded frame: (v, j) reaches a goal if
 * v's label has j's goal bit, or an edge e: v→w has (w, π_e[j]) reaching one (a backward
 * search over the reversed edges, to the fixpoint). Returns the first state (in discovery order)
 * within the boundary where some thread of `cls` (in that state's recorded frame) cannot, or null.
 * Which thread it is does not matter for the verdict: the model's symmetry maps a state that
 * leaves thread j stuck to one that leaves any class mate stuck.
 */
export function analyzeReachableByThread(g: LivenessGraph, goalBitOf: Int32Array, cls: readonly number[], perms: PermTable): Analysis<{ state: number; thread: number }> {
  const n = g.n;
  const K = cls.length;
  const { labels, edgeStart, edgeEnd, dst } = g;
  const perm = g.perm!;
  const pos = new Int8Array(perms.n).fill(-1);
  cls.forEach((t, q) => (pos[t] = q));
  // Reversed edges, as CSR: rstart[w] .. rstart[w + 1] index rsrc (edge numbers into w).
  const rstart = new Uint32Array(n + 1);
  for (let v = 0; v < n; v++) for (let e = edgeStart[v]!; e < edgeEnd[v]!; e++) rstart[dst[e]! + 1]!++;
  for (let v = 0; v < n; v++) rstart[v + 1]! += rstart[v]!;
  const fill = rstart.slice(0, n);
  const rsrc = new Uint32Array(g.edges);
  const src = new Uint32Array(g.edges);
  for (let v = 0; v < n; v++) {
    for (let e = edgeStart[v]!; e < edgeEnd[v]!; e++) {
      const at = fill[dst[e]!]!++;
      rsrc[at] = e;
      src[e] = v;
    }
  }
  // Per state, the class positions (bit q: thread cls[q] in that state's recorded frame) known to
  // reach a goal, and those not yet followed back along the state's incoming edges (a state is in
  // the queue, a ring of n, exactly while it has some). One pass over a state's incoming edges
  // carries every position that arrived before it, not one pass per position (K x fewer at growth
  // k = 8, where this analysis took 2 s on the main thread after the search).
  const can = new Int32Array(n);
  const todo = new Int32Array(n);
  const queue = new Int32Array(n);
  let head = 0;
  let count = 0;
  let goals = 0;
  for (let q = 0; q < K; q++) goals |= goalBitOf[cls[q]!]!;
  for (let v = 0; v < n; v++) {
    if ((labels[v]! & goals) === 0) continue;
    let b = 0;
    for (let q = 0; q < K; q++) if ((labels[v]! & goalBitOf[cls[q]!]!) !== 0) b |= 1 << q;
    if (b !== 0) {
      can[v] = b;
      todo[v] = b;
      queue[count++] = v;
    }
  }
  // Per edge permutation id (the ids the edges carry were interned during the search), the class
  // position followed back along the edge: back[pid * K + q] is the position of π⁻¹[cls[q]], made
  // when the id is first met (its row filled: known[pid] = 1).
  const P = perms.perms.length;
  const back = new Int8Array(P * K);
  const known = new Uint8Array(P);
  while (count > 0) {
    const w = queue[head]!;
    head = head + 1 === n ? 0 : head + 1;
    count--;
    const b = todo[w]!;
    todo[w] = 0;
    for (let r = rstart[w]!; r < rstart[w + 1]!; r++) {
      const e = rsrc[r]!;
      const pid = perm[e]!;
      let m = b;
      if (pid !== 0) {
        if (known[pid] !== 1) {
          if (pid >= P) throw new Error('analyzeReachableByThread: internal error: an edge permutation was not interned before the analysis');
          const inv = perms.get(perms.inverse(pid));
          for (let k = 0; k < K; k++) {
            const q = pos[inv[cls[k]!]!]!;
            if (q < 0) throw new Error('analyzeReachableByThread: internal error: an edge permutation leaves the class');
            back[pid * K + k] = q;
          }
          known[pid] = 1;
        }
        m = 0;
        for (let rest = b; rest !== 0; rest &= rest - 1) m |= 1 << back[pid * K + (31 - Math.clz32(rest & -rest))]!;
      }
      const u = src[e]!;
      const fresh = m & ~can[u]!;
      if (fresh === 0) continue;
      can[u] = can[u]! | fresh;
      if (todo[u] === 0) {
        let at = head + count;
        if (at >= n) at -= n;
        queue[at] = u;
        count++;
      }
      todo[u] = todo[u]! | fresh;
    }
  }
  const bytes = rstart.byteLength + fill.byteLength + rsrc.byteLength + src.byteLength + can.byteLength + todo.byteLength + queue.byteLength + back.byteLength + known.byteLength;
  const all = K === 32 ? -1 : (1 << K) - 1;
  for (let v = 0; v < n; v++) {
    if ((labels[v]! & IN_BOUNDARY) === 0) continue;
    const missing = ~can[v]! & all;
    if (missing !== 0) return { witness: { state: v, thread: cls[31 - Math.clz32(missing & -missing)]! }, bytes };
  }
  return { witness: null, bytes };
}
