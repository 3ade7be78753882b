/**
 * Liveness on the reachable graph, as TLC does it: strongly connected
 * components of the subgraph where the property keeps failing, kept only
 * when some behaviour can stay in them forever under the declared fairness.
 *
 * Semantics (TLA+'s): every state may stutter (stay unchanged), so a
 * behaviour may stop anywhere unless fairness forbids it; a state where no
 * fair step is enabled (a deadlock, say) can be stayed in forever.
 *
 * - `eventually(p)` fails when, from an initial state, a fair behaviour
 *   stays in ¬p states forever: a fair component among the ¬p states
 *   reachable from an initial state through ¬p states only.
 * - `alwaysEventually(p)`: a fair component among the ¬p states.
 * - `leadsTo(p, q)`: a fair component among the ¬q states reachable from a
 *   p∧¬q state through ¬q states.
 *
 * A component is fair (Emerson and Lei) when each weakly fair key is taken
 * on an edge inside it or disabled in one of its states, and each strongly
 * fair key enabled in it is taken inside it. When a strongly fair key is
 * enabled but never taken, the states where it is enabled are dropped and
 * the rest split into components again.
 *
 * States outside the state constraint are not in the graph: a step to one
 * still counts as enabled (for fairness), but no behaviour is judged past
 * it. The counterexample is a lasso: the shortest stem from an initial state
 * to a fair component, then a cycle from that entry through the component
 * (taking each fair key the component takes and passing a state where each
 * other weakly fair key is disabled) back to the entry; an empty cycle
 * means the behaviour stutters at the entry forever.
 */
import { P_HOLDS, Q_HOLDS, type EdgeLog, type LivenessProperty } from "./edge-log.js";

/** A liveness violation: a path from an initial state whose tail from `loopStart` repeats forever. */
export interface Lasso {
  readonly property: string;
  readonly kind: LivenessProperty<unknown>["kind"];
  /**
   * Store indices of the path's states, the initial state first; the last is the entry again (or the entry itself,
   * stuttering).
   */
  readonly states: readonly number[];
  /** Per step, the successor ordinal (to replay it). */
  readonly ordinals: readonly number[];
  /** The step where the loop begins: the entry's position in `states`. */
  readonly loopStart: number;
}

/** The first liveness property (in declaration order) some fair behaviour violates, with its lasso. */
export function findLasso(log: EdgeLog<unknown>, states: number): Lasso | undefined {
  const graph = new Graph(log, states);
  for (const [j, p] of log.properties.entries()) {
    const lasso = graph.check(j, p);
    if (lasso) return lasso;
  }
  return undefined;
}

/** A fair component: its states carry `member[s] === tag`. */
interface Component {
  readonly tag: number;
  readonly states: readonly number[];
}

/** The log as adjacency lists (CSR) with scratch arrays for the searches. */
class Graph {
  private readonly start: Int32Array;
  /** Edge ids sorted by source. */
  private readonly edges: Int32Array;
  private readonly member: Int32Array;
  private tag = 0;
  // Tarjan's scratch.
  private readonly index: Int32Array;
  private readonly low: Int32Array;
  private readonly onStack: Uint8Array;
  private readonly cursor: Int32Array;
  // Per fairness key, per component.
  private readonly enabledIn: Int32Array;
  private readonly lastState: Int32Array;
  private readonly taken: Uint8Array;
  // BFS scratch (two layers for leadsTo).
  private readonly seen: Int32Array;
  private readonly parentEdge: Int32Array;
  private readonly parentNode: Int32Array;
  private stamp = 0;

  constructor(
    private readonly log: EdgeLog<unknown>,
    private readonly n: number,
  ) {
    const start = new Int32Array(n + 1);
    for (let e = 0; e < log.count; e++) start[log.from[e]! + 1]!++;
    for (let s = 0; s < n; s++) start[s + 1]! += start[s]!;
    const fill = start.slice(0, n);
    const edges = new Int32Array(log.count);
    for (let e = 0; e < log.count; e++) edges[fill[log.from[e]!]!++] = e;
    this.start = start;
    this.edges = edges;
    this.member = new Int32Array(n);
    this.index = new Int32Array(n).fill(-1);
    this.low = new Int32Array(n);
    this.onStack = new Uint8Array(n);
    this.cursor = new Int32Array(n);
    const keys = log.levels.length;
    this.enabledIn = new Int32Array(keys);
    this.lastState = new Int32Array(keys).fill(-1);
    this.taken = new Uint8Array(keys);
    this.seen = new Int32Array(2 * n);
    this.parentEdge = new Int32Array(2 * n);
    this.parentNode = new Int32Array(2 * n);
  }

  check(j: number, p: LivenessProperty<unknown>): Lasso | undefined {
    const k = this.log.properties.length;
    const marks = this.log.marks;
    const holdsP = (s: number) => (marks[s * k + j]! & P_HOLDS) !== 0;
    const holdsQ = (s: number) => (marks[s * k + j]! & Q_HOLDS) !== 0;
    // The subgraph where the property keeps failing, and where a failing behaviour may enter it.
    const stays = p.kind === "leadsTo" ? (s: number) => !holdsQ(s) : (s: number) => !holdsP(s);
    const enters = p.kind === "leadsTo" ? (s: number) => holdsP(s) && !holdsQ(s) : stays;
    const roots =
      p.kind === "eventually"
        ? this.log.initial.filter(stays)
        : p.kind === "alwaysEventually"
          ? range(this.n).filter(stays)
          : range(this.n).filter(enters);
    const region = this.reach(roots, stays);
    const fair = this.fairComponents(region);
    if (fair.length === 0) return undefined;
    const good = new Uint8Array(this.n);
    const componentOf = new Map<number, Component>();
    for (const c of fair) {
      for (const s of c.states) {
        good[s] = 1;
        componentOf.set(s, c);
      }
    }
    const stem = this.stem({ layer0: p.kind !== "eventually", enters, stays, good });
    if (!stem) return undefined;
    const component = componentOf.get(stem.entry)!;
    const edges = [...stem.edges, ...this.cycle(component, stem.entry)];
    return {
      property: p.name,
      kind: p.kind,
      states: [stem.start, ...edges.map((e) => this.log.to[e]!)],
      ordinals: edges.map((e) => this.log.ordinal[e]!),
      loopStart: stem.edges.length,
    };
  }

  /** The states reachable from `roots` through states satisfying `inside` (the roots satisfy it). */
  private reach(roots: readonly number[], inside: (s: number) => boolean): number[] {
    const tag = ++this.tag;
    const out: number[] = [];
    for (const r of roots) {
      if (this.member[r] === tag) continue;
      this.member[r] = tag;
      out.push(r);
    }
    for (let h = 0; h < out.length; h++) {
      const s = out[h]!;
      for (let i = this.start[s]!; i < this.start[s + 1]!; i++) {
        const t = this.log.to[this.edges[i]!]!;
        if (t < 0 || this.member[t] === tag || !inside(t)) continue;
        this.member[t] = tag;
        out.push(t);
      }
    }
    return out;
  }

  /** The fair components (after splitting on strong fairness) of the subgraph `region`. */
  private fairComponents(region: readonly number[]): Component[] {
    const fair: Component[] = [];
    const pending: (readonly number[])[] = [region];
    while (pending.length > 0) {
      const states = pending.pop()!;
      const tag = ++this.tag;
      for (const s of states) this.member[s] = tag;
      for (const scc of this.components(states, tag)) {
        const sccTag = ++this.tag;
        for (const s of scc) this.member[s] = sccTag;
        const verdict = this.judge(scc, sccTag);
        if (verdict === "fair") fair.push({ tag: sccTag, states: scc });
        else if (verdict !== "unfair") pending.push(verdict);
      }
    }
    return fair;
  }

  /**
   * Whether a component (states tagged `tag`) holds a fair behaviour: "fair",
   * "unfair", or the states left once those enabling a neglected strongly
   * fair key are dropped (to split again).
   */
  private judge(scc: readonly number[], tag: number): "fair" | "unfair" | number[] {
    const touched = this.tally(scc, tag);
    const neglected: number[] = [];
    let unfair = false;
    for (const key of touched) {
      if (this.taken[key]) continue;
      if (this.log.levels[key] === 2) neglected.push(key);
      else if (this.enabledIn[key] === scc.length) unfair = true;
    }
    if (unfair) return "unfair";
    if (neglected.length === 0) return "fair";
    const drop = new Set(neglected);
    const rest = scc.filter((s) => !this.enabledKeys(s).some((key) => drop.has(key)));
    return rest.length === 0 ? "unfair" : rest;
  }

  /**
   * Counts per fair key the component's states enabling it and whether an inner edge takes it; returns the keys seen.
   */
  private tally(scc: readonly number[], tag: number): number[] {
    const touched: number[] = [];
    const { key: keys, to } = this.log;
    for (const s of scc) {
      for (let i = this.start[s]!; i < this.start[s + 1]!; i++) {
        const e = this.edges[i]!;
        const key = keys[e]!;
        if (key < 0) continue;
        if (this.lastState[key] === -1) {
          touched.push(key);
          this.enabledIn[key] = 0;
          this.taken[key] = 0;
        }
        if (this.lastState[key] !== s) {
          this.lastState[key] = s;
          this.enabledIn[key]!++;
        }
        const t = to[e]!;
        if (t >= 0 && this.member[t] === tag) this.taken[key] = 1;
      }
    }
    // Leave lastState clean for the next tally; enabledIn and taken stay readable until then.
    for (const key of touched) this.lastState[key] = -1;
    return touched;
  }

  private enabledKeys(s: number): number[] {
    const out: number[] = [];
    for (let i = this.start[s]!; i < this.start[s + 1]!; i++) {
      const key = this.log.key[this.edges[i]!]!;
      if (key >= 0) out.push(key);
    }
    return out;
  }

  /** Tarjan's strongly connected components of the states tagged `tag` (iterative). */
  private components(states: readonly number[], tag: number): number[][] {
    const { index, low, onStack, cursor, start, edges } = this;
    const to = this.log.to;
    const out: number[][] = [];
    const stack: number[] = [];
    const calls: number[] = [];
    let counter = 0;
    for (const root of states) {
      if (index[root] !== -1) continue;
      calls.push(root);
      while (calls.length > 0) {
        const v = calls[calls.length - 1]!;
        if (index[v] === -1) {
          index[v] = low[v] = counter++;
          stack.push(v);
          onStack[v] = 1;
          cursor[v] = start[v]!;
        }
        let descended = false;
        while (cursor[v]! < start[v + 1]!) {
          const w = to[edges[cursor[v]!]!]!;
          cursor[v]!++;
          if (w < 0 || this.member[w] !== tag) continue;
          if (index[w] === -1) {
            calls.push(w);
            descended = true;
            break;
          }
          if (onStack[w] && index[w]! < low[v]!) low[v] = index[w]!;
        }
        if (descended) continue;
        calls.pop();
        const parent = calls[calls.length - 1];
        if (parent !== undefined && low[v]! < low[parent]!) low[parent] = low[v]!;
        if (low[v] !== index[v]) continue;
        const scc: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          scc.push(w);
        } while (w !== v);
        out.push(scc);
      }
    }
    for (const s of states) index[s] = -1;
    return out;
  }

  /**
   * The shortest stem from an initial state to a state of a fair component,
   * breadth-first over two layers: layer 0 goes anywhere (before the
   * property's trigger), layer 1 only through failing states. `eventually`
   * starts in layer 1.
   */
  private stem(o: {
    layer0: boolean;
    enters: (s: number) => boolean;
    stays: (s: number) => boolean;
    good: Uint8Array;
  }): { start: number; entry: number; edges: number[] } | undefined {
    const n = this.n;
    const stamp = ++this.stamp;
    const queue: number[] = [];
    const visit = (node: number, parentNode: number, parentEdge: number) => {
      if (this.seen[node] === stamp) return;
      this.seen[node] = stamp;
      this.parentNode[node] = parentNode;
      this.parentEdge[node] = parentEdge;
      queue.push(node);
      // Switching layer costs no step: the same state, now failing the property.
      if (node < n && o.enters(node)) visit(node + n, node, -1);
    };
    for (const s of this.log.initial) {
      if (o.layer0) visit(s, -1, -1);
      else if (o.enters(s)) visit(s + n, -1, -1);
    }
    for (let h = 0; h < queue.length; h++) {
      const node = queue[h]!;
      const layer1 = node >= n;
      const s = layer1 ? node - n : node;
      if (layer1 && o.good[s]) return { ...this.pathTo(node, n), entry: s };
      for (let i = this.start[s]!; i < this.start[s + 1]!; i++) {
        const e = this.edges[i]!;
        const t = this.log.to[e]!;
        if (t < 0) continue;
        if (!layer1) visit(t, node, e);
        else if (o.stays(t)) visit(t + n, node, e);
      }
    }
    return undefined;
  }

  private pathTo(node: number, n: number): { start: number; edges: number[] } {
    const edges: number[] = [];
    let at = node;
    for (;;) {
      const e = this.parentEdge[at]!;
      const parent = this.parentNode[at]!;
      if (e >= 0) edges.push(e);
      if (parent < 0) break;
      at = parent;
    }
    return { start: at % n, edges: edges.reverse() };
  }

  /**
   * A cycle from `entry` through the component meeting every fairness key, or none (stutter) when nothing fair is
   * enabled at the entry.
   */
  private cycle(c: Component, entry: number): number[] {
    if (this.enabledKeys(entry).length === 0) return [];
    const touched = this.tally(c.states, c.tag);
    const path: number[] = [];
    let at = entry;
    // A requirement the path already meets (an edge with the key, a state where it is disabled) is skipped: shorter
    // loops.
    const met = (key: number, taken: boolean) =>
      taken
        ? path.some((e) => this.log.key[e] === key)
        : [entry, ...path.map((e) => this.log.to[e]!)].some((s) => !this.enabledKeys(s).includes(key));
    for (const key of touched) {
      const taken = this.taken[key] === 1;
      if (met(key, taken)) continue;
      if (taken) {
        const e = this.innerEdge(c, key, at);
        path.push(...this.walk(c, at, (s) => s === this.log.from[e]));
        path.push(e);
        at = this.log.to[e]!;
      } else {
        // A weakly fair key the component never takes: pass a state where it is disabled.
        const steps = this.walk(c, at, (s) => !this.enabledKeys(s).includes(key));
        path.push(...steps);
        if (steps.length > 0) at = this.log.to[steps[steps.length - 1]!]!;
      }
    }
    path.push(...this.walk(c, at, (s) => s === entry));
    return path;
  }

  /** An edge inside the component with this key, from `near` when it has one. */
  private innerEdge(c: Component, key: number, near: number): number {
    for (const s of [near, ...c.states]) {
      for (let i = this.start[s]!; i < this.start[s + 1]!; i++) {
        const e = this.edges[i]!;
        const t = this.log.to[e]!;
        if (this.log.key[e] === key && t >= 0 && this.member[t] === c.tag) return e;
      }
    }
    throw new Error(`liveness: key ${key} is taken in the component but no edge has it`);
  }

  /** Shortest path inside the component from `from` to a state satisfying `target` (none if `from` does). */
  private walk(c: Component, from: number, target: (s: number) => boolean): number[] {
    if (target(from)) return [];
    const stamp = ++this.stamp;
    this.seen[from] = stamp;
    this.parentNode[from] = -1;
    this.parentEdge[from] = -1;
    const queue = [from];
    for (let h = 0; h < queue.length; h++) {
      const s = queue[h]!;
      for (let i = this.start[s]!; i < this.start[s + 1]!; i++) {
        const e = this.edges[i]!;
        const t = this.log.to[e]!;
        if (t < 0 || this.member[t] !== c.tag || this.seen[t] === stamp) continue;
        this.seen[t] = stamp;
        this.parentNode[t] = s;
        this.parentEdge[t] = e;
        if (target(t)) return this.pathTo(t, this.n * 2).edges;
        queue.push(t);
      }
    }
    throw new Error("liveness: a component's state is unreachable inside it");
  }
}

function range(n: number): number[] {
  const out: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}
