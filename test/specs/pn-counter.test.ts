import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import { become, type ProtocolState } from "../../src/index.js";
import * as gCounterModule from "../../specs/g-counter.js";
import {
  countsEachOperationAtMostOnce,
  emptyPNCounter,
  pnCounter,
  pnCounterDecrement,
  pnCounterEquals,
  pnCounterIncrement,
  pnCounterMerge,
  pnCounterReplica,
  pnCounterValue,
  type ModelPNReplica,
} from "../../specs/pn-counter.js";
import { expectMergeLaws } from "./support/merge-laws.js";

const counters = fc.dictionary(fc.constantFrom("r1", "r2", "r3"), fc.integer({ min: 1, max: 5 }));
const pnCounters = fc.record({ p: counters, n: counters });
const ctx = (self: string, from?: string) =>
  ({
    self,
    from,
    kind: from === undefined ? "choice" : "message",
    params: {},
    nodes: ["r1", "r2", "r3"],
    roles: {},
  }) as const;

describe("pn-counter: the counter", () => {
  it("is the one g-counter.ts exports (both module paths keep working)", () => {
    expect([pnCounterMerge, pnCounterValue, emptyPNCounter]).toEqual([
      gCounterModule.pnCounterMerge,
      gCounterModule.pnCounterValue,
      gCounterModule.emptyPNCounter,
    ]);
  });

  it("counts increments less decrements, each half merged by entry-wise maximum", () => {
    const a = pnCounterDecrement(pnCounterIncrement(pnCounterIncrement(emptyPNCounter, "r1"), "r1"), "r1");
    const b = pnCounterDecrement(pnCounterDecrement(emptyPNCounter, "r2"), "r2");
    expect([a, pnCounterValue(a), pnCounterValue(b)]).toEqual([{ p: { r1: 2 }, n: { r1: 1 } }, 1, -2]);
    expect(pnCounterMerge(a, b)).toEqual({ p: { r1: 2 }, n: { r1: 1, r2: 2 } });
    expect(pnCounterValue(pnCounterMerge(a, b))).toBe(-1);
    expect([pnCounterEquals(a, { n: { r1: 1 }, p: { r1: 2 } }), pnCounterEquals(a, b)]).toEqual([true, false]);
  });

  it("merge is idempotent, commutative and associative; merging an older state changes nothing", () => {
    expectMergeLaws(pnCounters, pnCounterMerge);
    fc.assert(
      fc.property(pnCounters, fc.constantFrom("r1", "r2"), (a, self) => {
        const newer = pnCounterDecrement(pnCounterIncrement(a, self), self);
        expect(pnCounterMerge(newer, a)).toEqual(newer);
        expect(pnCounterValue(newer)).toBe(pnCounterValue(a));
      }),
      { seed: 1 },
    );
  });

  it("an entry above what its replica issued counts an operation twice", () => {
    const issued = { r1: { increments: 2, decrements: 0 }, r2: { increments: 0, decrements: 1 } };
    expect(countsEachOperationAtMostOnce({ p: { r1: 2 }, n: { r2: 1 } }, issued)).toBe(true);
    expect(countsEachOperationAtMostOnce({ p: { r1: 3 }, n: {} }, issued)).toBe(false);
    expect(countsEachOperationAtMostOnce({ p: {}, n: { r1: 1 } }, issued)).toBe(false);
  });
});

describe("pnCounterReplica", () => {
  it("an operation changes its own entry and ships the whole state to every peer", () => {
    expect(pnCounterReplica.reduce({ counter: { p: { r2: 1 }, n: {} } }, { type: "Decrement" }, ctx("r1"))).toEqual(
      become(
        { counter: { p: { r2: 1 }, n: { r1: 1 } } },
        { type: "broadcast", to: ["r2", "r3"], msg: { type: "State", counter: { p: { r2: 1 }, n: { r1: 1 } } } },
      ),
    );
  });

  it("merges a received state without answering", () => {
    const step = pnCounterReplica.reduce(
      { counter: { p: { r1: 2 }, n: {} } },
      { type: "State", counter: { p: { r1: 1 }, n: { r2: 1 } } },
      ctx("r1", "r2"),
    );
    expect(step).toEqual(become({ counter: { p: { r1: 2 }, n: { r2: 1 } } }));
  });
});

type State = ProtocolState<ModelPNReplica>;

describe("pn-counter: the model", () => {
  it("holds at the defaults (2 replicas, 2 operations each, 1 duplication): 6,601 states, BFS and DFS agree", () => {
    const bfs = checkSpec(pnCounter);
    expect([bfs.result, bfs.distinctStates, bfs.generatedStates]).toEqual(["ok", 6601, 19955]);
    const dfs = checkSpec(pnCounter, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 6601, 19955]);
  });

  it("holds without duplication too: 1,092 states", () => {
    const r = checkSpec(pnCounter, { params: { duplicates: 0 } });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 1092, 2733]);
  });

  it("merge-by-sum counts r1's first increment again when an older state arrives after a newer one, in 4 steps", () => {
    const r = checkSpec(pnCounter, { variant: "merge-by-sum" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual([
      "violation",
      "eachOperationCountedAtMostOnce",
      4,
    ]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "r1: Increment",
      "r1: Increment",
      'r2: receive State{counter:{"p":{"r1":2},"n":{}}} from r1',
      'r2: receive State{counter:{"p":{"r1":1},"n":{}}} from r1',
    ]);
    expect((r.trace?.at(-1)?.state as State).nodes["r2"]?.counter).toEqual({ p: { r1: 3 }, n: {} });
  });

  it("random search finds merge-by-sum", () => {
    const r = checkSpec(pnCounter, { variant: "merge-by-sum", strategy: "random", seed: 1 });
    expect([r.result, r.property]).toEqual(["violation", "eachOperationCountedAtMostOnce"]);
  });

  it("valueIsIncrementsMinusDecrementsOnceMerged rejects replicas that agree on the wrong value or disagree", () => {
    const property = pnCounter
      .instantiate()
      .properties.find((p) => p.name === "valueIsIncrementsMinusDecrementsOnceMerged");
    if (property?.kind !== "final") throw new Error("missing property");
    const replica = (
      p: Record<string, number>,
      n: Record<string, number>,
      increments: number,
      decrements: number,
    ): ModelPNReplica => ({
      counter: { p, n },
      increments,
      decrements,
    });
    const state = (r1: ModelPNReplica, r2: ModelPNReplica): State => ({
      nodes: { r1, r2 },
      network: [],
      timers: [],
      down: [],
      faults: { lost: 0, duplicated: 0, crashed: 0 },
      history: [],
    });
    expect(property.check(state(replica({ r1: 1 }, { r2: 1 }, 1, 0), replica({ r1: 1 }, { r2: 1 }, 0, 1)))).toBe(true);
    expect(property.check(state(replica({ r1: 1 }, {}, 1, 0), replica({ r1: 1 }, {}, 0, 1)))).toBe(false);
    expect(property.check(state(replica({ r1: 1 }, { r2: 1 }, 1, 0), replica({ r1: 1 }, {}, 0, 1)))).toBe(false);
  });
});
