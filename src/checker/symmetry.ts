/**
 * Symmetry reduction (issue 12, item 2): the engine's side.
 *
 * When a model has a {@link Symmetry}, the explorer replaces every state it reaches by the model's
 * representative of its orbit (`canonical`) before fingerprinting it, so that states that differ
 * only by a permutation of interchangeable threads are one state of the explored graph (the
 * quotient). For every `always`, `sometimes` and deadlock property, and every liveness property
 * that does not single out a thread, the quotient has the same verdict as the model: the model
 * guarantees that the initial states and the properties are invariant under the permutations and
 * that the transitions are equivariant, so a state is reachable iff its representative is, and
 * the representative violates a property iff the state does (Emerson and Sistla, "Symmetry and
 * model checking", Formal Methods in System Design 9, 1996; Ip and Dill, "Better verification
 * through symmetry", ibid.).
 *
 * Two things need more than the quotient, and the engine records for them, per edge of the
 * liveness graph, the permutation `π` the representative of the edge's target was taken with (the
 * target as stepped to is `t`, the recorded state is `π·t`):
 *
 * - **Weak fairness** talks about individual threads, and a cycle of the quotient need not be a
 *   cycle of the model: going round it once permutes the threads. {@link fairComponent} decides a
 *   component on its lift to the model (the annotated quotient of Emerson and Sistla, "Utilizing
 *   symmetry when model checking under fairness assumptions: an automata-theoretic approach", ACM
 *   TOPLAS 19(4), 1997), and the lasso is searched in the product of the component with the
 *   permutations, so that the cycle it reports closes in the model itself.
 * - **Per-thread liveness properties** (`ReachableProperty.thread`): "thread t can always still
 *   reach its goal" is decided on the product of the quotient with the index of the thread being
 *   followed (liveness.ts, {@link analyzeReachableByThread}).
 *
 * Paths are rebuilt through the model itself (path.ts): a path of representatives is mapped back
 * to the model's own states by following the permutations, taking at each step the action of the
 * corresponding thread (the `k`-th action of thread `t` corresponds to the `k`-th of `g[t]`).
 */
import type { Model, Property, Symmetry } from './model.ts';

/** A permutation of thread indices: `p[t]` is where thread `t` goes. */
export type Perm = Uint8Array;

/** Interned permutations of `n` threads; id 0 is the identity. */
export class PermTable {
  private readonly ids = new Map<string | number, number>();
  readonly perms: Perm[] = [];
  /**
   * Bits per thread index in a numeric key (a permutation of n threads as a number: an exact
   * integer while n times this is at most 52), or 0: the key is a string.
   */
  private readonly bits: number;

  constructor(readonly n: number) {
    const b = Math.max(1, Math.ceil(Math.log2(Math.max(n, 2))));
    this.bits = n * b <= 52 ? b : 0;
    const id = new Uint8Array(n);
    for (let i = 0; i < n; i++) id[i] = i;
    this.intern(id);
  }

  /** The id of `p` (copied on first sight). */
  intern(p: Perm): number {
    let identity = true;
    for (let i = 0; i < this.n; i++) {
      if (p[i] !== i) {
        identity = false;
        break;
      }
    }
    if (identity && this.perms.length > 0) return 0;
    const key = this.keyOf(p);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.perms.length;
      if (id > 0xffff) throw new Error('symmetry: more than 65,536 distinct thread permutations');
      this.ids.set(key, id);
      this.perms.push(Uint8Array.from(p.subarray(0, this.n)));
    }
    return id;
  }

  /** `p` as a Map key: a number built from its entries (no allocation) where it fits, else a string. */
  private keyOf(p: Perm): string | number {
    const n = this.n;
    if (this.bits === 0) return String.fromCharCode(...p.subarray(0, n));
    const scale = 2 ** this.bits;
    let k = 0;
    for (let i = 0; i < n; i++) k = k * scale + p[i]!;
    return k;
  }

  get(id: number): Perm {
    return this.perms[id]!;
  }

  /** The id of `a∘b` (first `b`, then `a`). */
  compose(a: number, b: number): number {
    if (a === 0) return b;
    if (b === 0) return a;
    return this.intern(compose(this.get(a), this.get(b)));
  }

  /** The id of the inverse of `a`. */
  inverse(a: number): number {
    return a === 0 ? 0 : this.intern(invert(this.get(a)));
  }
}

/** `a∘b`: `(a∘b)[t] = a[b[t]]`. */
export function compose(a: Perm, b: Perm): Perm {
  const r = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) r[i] = a[b[i]!]!;
  return r;
}

export function invert(a: Perm): Perm {
  const r = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) r[a[i]!] = i;
  return r;
}

export function identityPerm(n: number): Perm {
  const r = new Uint8Array(n);
  for (let i = 0; i < n; i++) r[i] = i;
  return r;
}

/**
 * The symmetry a search uses: the model's, when it has a class of interchangeable threads, unless
 * the properties checked single out a thread without its class mates (a per-thread property is
 * followed through the permutations onto its class mates' properties, which must all be there,
 * one per thread): then none, and the run explores every order of the threads.
 */
export function activeSymmetry<S, A>(model: Model<S, A>, props: readonly Property<S>[] = model.properties()): Symmetry<S> | null {
  const sym = model.symmetry;
  if (sym === undefined || sym.classes.length === 0) return null;
  if (typeof model.actionThread !== 'function') throw new Error('Model.symmetry needs Model.actionThread (paths are mapped back thread by thread)');
  const about: number[] = [];
  for (const p of props) if (p.kind === 'reachable' && p.thread !== undefined) about.push(p.thread);
  if (new Set(about).size !== about.length) return null;
  for (const cls of sym.classes) {
    const n = cls.filter((t) => about.includes(t)).length;
    if (n > 0 && n < cls.length) return null;
  }
  return sym;
}

/** The number of threads a permutation of `model`'s threads covers (from its first initial state). */
export function threadCount<S, A>(model: Model<S, A>, sym: Symmetry<S>): number {
  const fromClasses = 1 + Math.max(...sym.classes.flat());
  const init = model.initStates()[0];
  const fromThreads = typeof model.threads === 'function' && init !== undefined ? model.threads(init).length : 0;
  return Math.max(fromClasses, fromThreads);
}

/**
 * The index, in `acts` (the actions of a state `r`), of the action that corresponds to
 * `actsC[k]` (an action of the state `c`) when thread `t` of `r` is thread `map[t]` of `c`
 * (`mapInv` = the inverse): the same ordinal among the actions of the corresponding thread. -1 if
 * `r` has no such action (the model is not equivariant).
 */
export function correspondingAction<S, A>(model: Model<S, A>, c: S, actsC: readonly A[], k: number, r: S, acts: readonly A[], mapInv: Perm): number {
  const tc = model.actionThread!(actsC[k]!, c);
  let ord = 0;
  for (let i = 0; i < k; i++) if (model.actionThread!(actsC[i]!, c) === tc) ord++;
  const tr = mapInv[tc]!;
  for (let i = 0; i < acts.length; i++) {
    if (model.actionThread!(acts[i]!, r) !== tr) continue;
    if (ord === 0) return i;
    ord--;
  }
  return -1;
}

/**
 * Union-find orbits of thread indices under the group generated by the permutations given to
 * {@link OrbitSets.add}.
 */
export class OrbitSets {
  private readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }
  find(i: number): number {
    let r = i;
    while (this.parent[r] !== r) r = this.parent[r]!;
    while (this.parent[i] !== r) {
      const next = this.parent[i]!;
      this.parent[i] = r;
      i = next;
    }
    return r;
  }
  /** Join every `t` with `p[t]`. */
  add(p: Perm): void {
    for (let t = 0; t < p.length; t++) {
      const a = this.find(t);
      const b = this.find(p[t]!);
      if (a !== b) this.parent[a] = b;
    }
  }
}
