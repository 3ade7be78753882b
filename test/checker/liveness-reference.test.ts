/**
 * `findLasso` against a brute-force reference on small random graphs.
 *
 * The reference reads the definitions directly: a behaviour that stays
 * forever in a set S of states visits them all infinitely often and may take
 * every edge inside S, so a fair violation exists exactly when some S is
 * strongly connected (or one state, which may stutter), lies where the
 * property keeps failing, is reachable the way the property's kind requires,
 * and is fair with all of S's inner edges taken: each weakly fair key taken
 * inside S or disabled in one of its states, each strongly fair key taken
 * inside S or disabled in all of them. It tries every S (at most 63).
 *
 * Each lasso found is then checked as a behaviour: a real path from an
 * initial state, its loop closed and fair, failing the property the way its
 * kind says, and its stem as short as any stem to a fair S.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EdgeLog, type LivenessProperty } from "../../checker/edge-log.js";
import { findLasso, type Lasso } from "../../checker/liveness.js";
import type { FairnessLevel } from "../../src/index.js";

type Kind = LivenessProperty<number>["kind"];

interface Edge {
  readonly from: number;
  /** -1: a step out of the state constraint (enabled, never followed). */
  readonly to: number;
  /** Index into `levels`, or -1 for a step no fairness covers. */
  readonly key: number;
}

interface Graph {
  readonly n: number;
  readonly initial: readonly number[];
  readonly edges: readonly Edge[];
  /** Fairness level of each key: 1 weak, 2 strong. */
  readonly levels: readonly FairnessLevel[];
  /** Per property, per state: p and q. */
  readonly properties: readonly { readonly kind: Kind; readonly p: boolean[]; readonly q: boolean[] }[];
}

const KEYS = 3;

const graphs: fc.Arbitrary<Graph> = fc.integer({ min: 1, max: 6 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    initial: fc.uniqueArray(fc.nat(n - 1), { minLength: 1, maxLength: 2 }),
    edges: fc.array(
      fc.record({
        from: fc.nat(n - 1),
        to: fc.oneof({ weight: 9, arbitrary: fc.nat(n - 1) }, { weight: 1, arbitrary: fc.constant(-1) }),
        key: fc.integer({ min: -1, max: KEYS - 1 }),
      }),
      { maxLength: 12 },
    ),
    levels: fc.array(fc.constantFrom<FairnessLevel>(1, 2), { minLength: KEYS, maxLength: KEYS }),
    properties: fc.array(
      fc.record({
        kind: fc.constantFrom<Kind>("eventually", "alwaysEventually", "leadsTo"),
        p: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
        q: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
      }),
      { minLength: 1, maxLength: 2 },
    ),
  }),
);

/** The graph as the checker logs it: state i is the number i, key k's label is `k<k>`, an unfair step `u`. */
function toLog(g: Graph): EdgeLog<unknown> {
  const properties = g.properties.map((p, j) => ({
    name: `p${j}`,
    kind: p.kind,
    check: (s: number) => p.p[s]!,
    then: (s: number) => p.q[s]!,
  }));
  const log = new EdgeLog<number>(properties, (label) => (label === "u" ? 0 : g.levels[Number(label.slice(1))]!));
  log.initial.push(...g.initial);
  for (let s = 0; s < g.n; s++) log.mark(s, s);
  // The ordinal is the edge's own index, so a lasso's steps name the edges taken.
  g.edges.forEach((e, i) => log.push(e.from, e.to, e.key < 0 ? "u" : `k${e.key}`, false, i));
  // The checker hands its log over the same way: findLasso reads only the marks, never a state.
  return log as EdgeLog<unknown>;
}

/** Whether a behaviour may stay forever in `states` taking exactly `inner` edges (all of them inside). */
function fair(g: Graph, states: ReadonlySet<number>, inner: readonly Edge[]): boolean {
  for (let key = 0; key < KEYS; key++) {
    if (inner.some((e) => e.key === key)) continue;
    const enabled = [...states].filter((s) => g.edges.some((e) => e.from === s && e.key === key));
    const neglected = g.levels[key] === 2 ? enabled.length > 0 : enabled.length === states.size;
    if (neglected) return false;
  }
  return true;
}

/** The states every state of `sources` reaches through edges whose target satisfies `inside`, sources included. */
function closure(g: Graph, sources: readonly number[], inside: (s: number) => boolean): Set<number> {
  const out = new Set(sources);
  let grew = true;
  while (grew) {
    grew = false;
    for (const e of g.edges) {
      if (out.has(e.from) && e.to >= 0 && !out.has(e.to) && inside(e.to)) {
        out.add(e.to);
        grew = true;
      }
    }
  }
  return out;
}

function stronglyConnected(g: Graph, states: ReadonlySet<number>): boolean {
  const inside = (s: number) => states.has(s);
  return [...states].every((s) => closure(g, [s], inside).size === states.size);
}

/** Per property, how a behaviour starts: which states fail it for good and which trigger that. */
function shape(g: Graph, j: number) {
  const { kind, p, q } = g.properties[j]!;
  const stays = (s: number) => (kind === "leadsTo" ? !q[s]! : !p[s]!);
  const enters = (s: number) => (kind === "leadsTo" ? p[s]! && !q[s]! : stays(s));
  return { kind, stays, enters };
}

/**
 * The length of the shortest stem to a state of `targets`, counted by exact length: at each length, the states a
 * path can be in, untriggered or triggered (past the point from which it keeps failing).
 */
function shortestStem(g: Graph, j: number, targets: ReadonlySet<number>): number | undefined {
  const { kind, stays, enters } = shape(g, j);
  let free = new Set(kind === "eventually" ? [] : g.initial);
  let failing = new Set(g.initial.filter(enters));
  const seen = new Set<string>();
  for (let length = 0; length <= 2 * g.n; length++) {
    for (const s of free) if (enters(s)) failing.add(s);
    if ([...failing].some((s) => targets.has(s))) return length;
    const next = { free: new Set<number>(), failing: new Set<number>() };
    for (const e of g.edges) {
      if (e.to < 0) continue;
      if (free.has(e.from) && !seen.has(`f${e.to}`)) next.free.add(e.to);
      if (failing.has(e.from) && stays(e.to) && !seen.has(`t${e.to}`)) next.failing.add(e.to);
    }
    for (const s of free) seen.add(`f${s}`);
    for (const s of failing) seen.add(`t${s}`);
    free = next.free;
    failing = next.failing;
  }
  return undefined;
}

/** Every state of some fair set S a violating behaviour of property `j` can stay in forever. */
function fairStates(g: Graph, j: number): Set<number> {
  const { stays } = shape(g, j);
  const out = new Set<number>();
  for (let mask = 1; mask < 1 << g.n; mask++) {
    const states = new Set([...Array(g.n).keys()].filter((s) => (mask >> s) & 1));
    if (![...states].every(stays) || !stronglyConnected(g, states)) continue;
    const inner = g.edges.filter((e) => states.has(e.from) && states.has(e.to));
    if (fair(g, states, inner)) for (const s of states) out.add(s);
  }
  return out;
}

/**
 * Checks a lasso as a behaviour of the graph, `shortest` the reference's shortest stem for its property; returns what
 * is wrong with it, or undefined.
 */
function flaw(g: Graph, j: number, lasso: Lasso, shortest: number): string | undefined {
  const { kind, stays, enters } = shape(g, j);
  const { states, ordinals, loopStart } = lasso;
  if (!g.initial.includes(states[0]!)) return "does not start in an initial state";
  if (ordinals.length !== states.length - 1) return "has a step count unlike its state count";
  const steps = ordinals.map((o) => g.edges[o]!);
  if (steps.some((e, i) => e.from !== states[i] || e.to !== states[i + 1])) return "takes a step the graph lacks";
  if (loopStart < ordinals.length && states.at(-1) !== states[loopStart]) return "has a loop that does not close";
  if (loopStart > ordinals.length) return "has its loop past its end";
  const loop = new Set(states.slice(loopStart));
  if (!fair(g, loop, steps.slice(loopStart))) return "has an unfair loop";
  const trigger = kind === "eventually" ? 0 : states.findIndex((s, i) => enters(s) && states.slice(i).every(stays));
  if (trigger < 0 || trigger > loopStart || !states.slice(trigger).every(stays)) return "does not fail its property";
  if (loopStart !== shortest) return `has a stem of ${loopStart} steps where ${shortest} would do`;
  return undefined;
}

describe("findLasso agrees with a brute-force reference", () => {
  it("on random graphs of up to 6 states: the first property violated, and a fair lasso with the shortest stem", () => {
    fc.assert(
      fc.property(graphs, (g) => {
        const stems = g.properties.map((_, j) => shortestStem(g, j, fairStates(g, j)));
        const violated = stems.findIndex((stem) => stem !== undefined);
        const lasso = findLasso(toLog(g), g.n);
        expect(lasso?.property).toBe(violated < 0 ? undefined : `p${violated}`);
        if (!lasso) return;
        expect(lasso.kind).toBe(g.properties[violated]!.kind);
        expect(flaw(g, violated, lasso, stems[violated]!)).toBeUndefined();
      }),
      // A fixed seed: the same graphs every run, so a mutant is caught or not the same way each time.
      { numRuns: 2000, seed: 1 },
    );
  });

  it("on the graph where weak and strong fairness part: flipping forever between two states", () => {
    // 0 -k0-> 1 -k0-> 0, and k1 from 1 leaves to 2, where p holds.
    const graph = (level: FairnessLevel): Graph => ({
      n: 3,
      initial: [0],
      edges: [
        { from: 0, to: 1, key: 0 },
        { from: 1, to: 0, key: 0 },
        { from: 1, to: 2, key: 1 },
      ],
      levels: [1, level, 1],
      properties: [{ kind: "eventually", p: [false, false, true], q: [false, false, false] }],
    });
    const weak = findLasso(toLog(graph(1)), 3);
    expect(weak && [weak.states, weak.ordinals, weak.loopStart]).toEqual([[0, 1, 0], [0, 1], 0]);
    expect(findLasso(toLog(graph(2)), 3)).toBeUndefined();
  });
});
