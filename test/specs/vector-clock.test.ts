import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import type { ProtocolState } from "../../src/index.js";
import { compareVectors, mergeVectors, vectorClock, vectorTick, type VectorProcess } from "../../specs/vector-clock.js";

describe("vectorTick and compareVectors", () => {
  it("increments its own entry, merging a received stamp first", () => {
    expect(vectorTick({}, "a", { type: "Local" })).toEqual({ a: 1 });
    expect(vectorTick({ a: 1 }, "a", { type: "Send" })).toEqual({ a: 2 });
    expect(vectorTick({ b: 2, c: 1 }, "b", { type: "Receive", stamp: { a: 1, c: 3 } })).toEqual({ a: 1, b: 3, c: 3 });
    expect(mergeVectors({ a: 2 }, { a: 1, b: 1 })).toEqual({ a: 2, b: 1 });
  });

  it("tells before, after, equal and concurrent apart", () => {
    expect(compareVectors({ a: 1 }, { a: 1, b: 1 })).toBe("before");
    expect(compareVectors({ a: 2, b: 1 }, { a: 1 })).toBe("after");
    expect(compareVectors({}, {})).toBe("equal");
    expect(compareVectors({ a: 1 }, { b: 1 })).toBe("concurrent");
  });
});

describe("vector-clock", () => {
  it("holds at the defaults (3 processes, 1 event each): 480 distinct states, BFS and DFS agree", () => {
    const bfs = checkSpec(vectorClock);
    expect([bfs.result, bfs.distinctStates, bfs.generatedStates, bfs.maxDepth]).toEqual(["ok", 480, 802, 6]);
    const dfs = checkSpec(vectorClock, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 480, 802]);
  });

  it("holds with 2 processes and 2 events each: 749 distinct states", () => {
    const r = checkSpec(vectorClock, { params: { processes: 2, events: 2 } });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 749, 1037]);
  });

  it("merge-without-increment breaks happened-before iff V(a) < V(b) in 2 steps: the receive carries its send's vector", () => {
    const r = checkSpec(vectorClock, { variant: "merge-without-increment" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "happenedBeforeIffVectorLess", 2]);
    const last = r.trace?.at(-1)?.state as ProtocolState<VectorProcess>;
    expect(last.nodes["n2"]?.clock).toEqual({ n1: 1 });
    const dfs = checkSpec(vectorClock, { variant: "merge-without-increment", strategy: "dfs" });
    expect([dfs.result, dfs.property]).toEqual(["violation", "happenedBeforeIffVectorLess"]);
  });

  it("concurrentEventsAreIncomparable rejects concurrent events with comparable vectors", () => {
    const property = vectorClock.instantiate().properties.find((p) => p.name === "concurrentEventsAreIncomparable");
    if (property?.kind !== "invariant") throw new Error("missing invariant");
    const state = (n1: VectorProcess, n2: VectorProcess): ProtocolState<VectorProcess> => ({
      nodes: { n1, n2, n3: { clock: {}, events: [] } },
      network: [],
      timers: [],
      down: [],
      faults: { lost: 0, duplicated: 0, crashed: 0 },
      history: [],
    });
    const local = (clock: Record<string, number>): VectorProcess => ({ clock, events: [{ kind: "local", clock }] });
    expect(property.check(state(local({ n1: 1 }), local({ n2: 1 })))).toBe(true);
    expect(property.check(state(local({ n1: 1 }), local({ n1: 1, n2: 1 })))).toBe(false);
  });
});
