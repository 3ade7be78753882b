/**
 * The exhaustive search against a naive reference on small random specs.
 *
 * Each spec is a graph: states are node numbers, each of one to three actions maps
 * a node to another or is disabled there, and its properties are sets of
 * nodes (invariants, a `sometimes`, an `atTermination`), a set of forbidden
 * steps (`onEveryStep`), an optional constraint and deadlock check. The
 * reference reads TLC's rules directly, with a Map and an array for a queue:
 * every initial state and computed successor is generated; a state outside
 * the constraint is checked against the invariants but neither stored nor
 * expanded; the search stops at the first violation in breadth-first order
 * (the successors of the state being expanded are still computed), at
 * `--max-states` or at `--max-depth`. Counts, verdict, limit and the trace
 * must be the same, exactly.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import { twoPhaseCommit } from "../../specs/two-phase-commit.js";
import { atTermination, defineSpec, invariant, onEveryStep, sometimes } from "../../src/index.js";

interface Graph {
  readonly n: number;
  readonly init: readonly number[];
  /** Per action, per node: the next node, or -1 (disabled). */
  readonly actions: readonly (readonly number[])[];
  /** Per invariant, the nodes violating it. */
  readonly invariants: readonly (readonly number[])[];
  readonly sometimes: readonly number[] | undefined;
  /** Nodes where the final property fails (checked at nodes with no successor). */
  readonly finalFails: readonly number[] | undefined;
  /** Steps `from * n + to` the action property forbids. */
  readonly badSteps: readonly number[] | undefined;
  /** Nodes outside the constraint. */
  readonly outside: readonly number[] | undefined;
  readonly deadlock: boolean;
  readonly maxStates: number | undefined;
  readonly maxDepth: number | undefined;
}

const graphs: fc.Arbitrary<Graph> = fc.integer({ min: 1, max: 9 }).chain((n) => {
  const nodes = fc.uniqueArray(fc.nat(n - 1), { maxLength: 3 });
  return fc.record({
    n: fc.constant(n),
    init: fc.array(fc.nat(n - 1), { minLength: 1, maxLength: 3 }),
    actions: fc.array(fc.array(fc.integer({ min: -1, max: n - 1 }), { minLength: n, maxLength: n }), {
      minLength: 1,
      maxLength: 3,
    }),
    invariants: fc.array(fc.uniqueArray(fc.nat(n - 1), { maxLength: 2 }), { maxLength: 2 }),
    sometimes: fc.option(nodes, { nil: undefined }),
    finalFails: fc.option(nodes, { nil: undefined }),
    badSteps: fc.option(fc.uniqueArray(fc.nat(n * n - 1), { maxLength: 3 }), { nil: undefined }),
    outside: fc.option(nodes, { nil: undefined }),
    deadlock: fc.boolean(),
    maxStates: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined, freq: 3 }),
    maxDepth: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined, freq: 3 }),
  });
});

type Node = { readonly n: number };

function specOf(g: Graph) {
  const properties: Record<string, ReturnType<typeof invariant<Node, unknown>>> = {};
  g.invariants.forEach((bad, k) => (properties[`inv${k}`] = invariant((s: Node) => !bad.includes(s.n))));
  if (g.sometimes) properties["reaches"] = sometimes((s: Node) => g.sometimes!.includes(s.n)) as never;
  if (g.finalFails) properties["endsWell"] = atTermination((s: Node) => !g.finalFails!.includes(s.n)) as never;
  if (g.badSteps)
    properties["stepsWell"] = onEveryStep((a: Node, b: Node) => !g.badSteps!.includes(a.n * g.n + b.n)) as never;
  return defineSpec({
    name: "graph",
    description: "a random graph",
    init: () => g.init.map((n) => ({ n })),
    actions: Object.fromEntries(
      g.actions.map((table, k) => [`A${k}`, (s: Node) => (table[s.n]! < 0 ? undefined : { n: table[s.n]! })]),
    ),
    ...(g.outside ? { constraint: (s: Node) => !g.outside!.includes(s.n) } : {}),
    deadlock: g.deadlock,
    properties,
  });
}

interface Expected {
  readonly result: "ok" | "violation" | "incomplete";
  readonly property: string | null;
  readonly limit: string | null;
  readonly distinctStates: number;
  readonly generatedStates: number;
  readonly maxDepth: number;
  readonly trace: readonly number[] | null;
}

/** Breadth-first search by the rules above, states as plain numbers. */
function reference(g: Graph): Expected {
  const stored = new Map<number, { parent: number; depth: number }>();
  const queue: number[] = [];
  const reached = new Set<number>();
  let generated = 0;
  let deepest = 0;
  let found: { property: string; path: number[] } | undefined;
  let limit: string | null = null;
  const pathTo = (node: number): number[] => {
    const path: number[] = [];
    for (let at = node; at >= 0; at = stored.get(at)!.parent) path.unshift(at);
    return path;
  };
  const violated = (node: number) => g.invariants.findIndex((bad) => bad.includes(node));
  /** Stores or rejects a state reached from `parent` (-1: initial); false once the search must stop. */
  const add = (node: number, parent: number, depth: number): boolean => {
    if (stored.has(node)) return true;
    const via = parent < 0 ? [] : pathTo(parent);
    if (g.outside?.includes(node)) {
      // Checked like any new state (a `sometimes` counts it as reached), then dropped.
      const k = violated(node);
      if (k >= 0) found = { property: `inv${k}`, path: [...via, node] };
      else if (g.sometimes?.includes(node)) reached.add(node);
      return found === undefined;
    }
    stored.set(node, { parent, depth });
    if (stored.size > (g.maxStates ?? Infinity)) {
      limit = "max-states";
      return false;
    }
    deepest = Math.max(deepest, depth);
    const k = violated(node);
    if (k >= 0) {
      found = { property: `inv${k}`, path: [...via, node] };
      return false;
    }
    if (g.sometimes?.includes(node)) reached.add(node);
    queue.push(node);
    return true;
  };
  const stopped = () => found !== undefined || limit !== null;
  for (const node of g.init) {
    generated++;
    if (!add(node, -1, 0)) break;
  }
  while (!stopped() && queue.length > 0) {
    const node = queue.shift()!;
    const depth = stored.get(node)!.depth;
    if (depth >= (g.maxDepth ?? Infinity)) {
      limit = "max-depth";
      break;
    }
    const next = g.actions.map((table) => table[node]!).filter((t) => t >= 0);
    for (const t of next) {
      generated++;
      if (stopped()) continue;
      if (g.badSteps?.includes(node * g.n + t)) found = { property: "stepsWell", path: [...pathTo(node), t] };
      else add(t, node, depth + 1);
    }
    if (next.length === 0 && !stopped()) {
      if (g.finalFails?.includes(node)) found = { property: "endsWell", path: pathTo(node) };
      else if (g.deadlock) found = { property: "deadlockFree", path: pathTo(node) };
    }
  }
  const counts = {
    distinctStates: Math.min(stored.size, g.maxStates ?? Infinity),
    generatedStates: generated,
    maxDepth: deepest,
  };
  if (found) return { result: "violation", property: found.property, limit: null, ...counts, trace: found.path };
  if (limit) return { result: "incomplete", property: null, limit, ...counts, trace: null };
  if (g.sometimes && reached.size === 0)
    // No state to show: the report has no trace.
    return { result: "violation", property: "reaches", limit: null, ...counts, trace: null };
  return { result: "ok", property: null, limit: null, ...counts, trace: null };
}

describe("the exhaustive search agrees with a naive breadth-first reference", () => {
  it("on 1,500 random specs of up to 9 states: verdict, property, limit, counts, depth and trace", () => {
    fc.assert(
      fc.property(graphs, (g) => {
        const r = checkSpec(specOf(g), {
          ...(g.maxStates === undefined ? {} : { maxStates: g.maxStates }),
          ...(g.maxDepth === undefined ? {} : { maxDepth: g.maxDepth }),
        });
        expect({
          result: r.result,
          property: r.property,
          limit: r.limit,
          distinctStates: r.distinctStates,
          generatedStates: r.generatedStates,
          maxDepth: r.maxDepth,
          trace: r.trace?.map((step) => (step.state as Node).n) ?? null,
        }).toEqual(reference(g));
      }),
      // A fixed seed: the same specs every run, so a mutant is caught or not the same way each time.
      { numRuns: 1500, seed: 1 },
    );
  });

  it("depth-first search finds the same states, successors and verdict when nothing stops it early", () => {
    const unlimited = graphs.map((g) => ({ ...g, maxStates: undefined, maxDepth: undefined }));
    fc.assert(
      fc.property(unlimited, (g) => {
        const want = reference(g);
        const r = checkSpec(specOf(g), { strategy: "dfs" });
        expect(r.result).toBe(want.result);
        if (want.result === "ok")
          expect([r.distinctStates, r.generatedStates]).toEqual([want.distinctStates, want.generatedStates]);
      }),
      { numRuns: 500, seed: 2 },
    );
  });
});

describe("a protocol's successors known by fingerprint alone (the probe) count as if built", () => {
  // With no action property, coverage or liveness to feed, the search lets the protocol model offer a successor's
  // fingerprint before building it; with coverage on, every successor is built. The counts must not tell them apart.
  const counts = (r: ReturnType<typeof checkSpec>) => [
    r.result,
    r.property,
    r.distinctStates,
    r.generatedStates,
    r.maxDepth,
    r.trace?.length ?? 0,
  ];

  it("two-phase commit, safety only: 288 states, 1,146 generated, depth 10, probed or built", () => {
    const probed = checkSpec(twoPhaseCommit, { properties: ["typeOK", "consistent"] });
    expect(counts(probed)).toEqual(["ok", null, 288, 1146, 10, 0]);
    expect(counts(checkSpec(twoPhaseCommit, { properties: ["typeOK", "consistent"], coverage: true }))).toEqual(
      counts(probed),
    );
  });

  it("and the same violation, counts and trace when a variant breaks consistency", () => {
    const options = { variant: "commit-without-all-prepared", properties: ["consistent"] };
    const probed = checkSpec(twoPhaseCommit, options);
    expect(counts(probed)).toEqual(["violation", "consistent", 51, 80, 3, 4]);
    expect(counts(checkSpec(twoPhaseCommit, { ...options, coverage: true }))).toEqual(counts(probed));
  });
});
