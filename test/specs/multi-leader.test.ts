import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import {
  acceptWrite,
  concurrentWrites,
  correctMerge,
  emptyLeader,
  multiLeader,
  receiveValue,
  relate,
  stampAbove,
  vvLeq,
  vvMerge,
  type MultiLeaderState,
} from "../../specs/multi-leader.js";

describe("multi-leader: vectors, stamps and the merge", () => {
  it("orders version vectors entry-wise and stamps by timestamp then node", () => {
    expect([vvLeq({ L1: 1 }, { L1: 1, L2: 2 }), vvLeq({ L1: 2 }, { L1: 1, L2: 2 }), vvLeq({}, { L1: 1 })]).toEqual([
      true,
      false,
      true,
    ]);
    expect(vvMerge({ L1: 2 }, { L1: 1, L2: 1 })).toEqual({ L1: 2, L2: 1 });
    expect([
      stampAbove({ ts: 1, node: "L2" }, { ts: 1, node: "L1" }),
      stampAbove({ ts: 1, node: "L2" }, { ts: 2, node: "L1" }),
    ]).toEqual([true, false]);
  });

  it("a write is stamped above the clock and counted in the leader's own entry", () => {
    const l1 = acceptWrite(acceptWrite(emptyLeader, "L1", "L1.1"), "L1", "L1.2");
    expect(l1).toEqual({
      value: "L1.2",
      stamp: { ts: 2, node: "L1" },
      vv: { L1: 2 },
      known: { L1: 2 },
      clock: 2,
      conflicts: [],
    });
  });

  it("tells old news, a causal successor and a concurrent write apart; reports only the concurrent one", () => {
    const l1 = acceptWrite(emptyLeader, "L1", "L1.1");
    const l2 = acceptWrite(emptyLeader, "L2", "L2.1");
    expect(relate(l1, l2, "version-vectors")).toBe("concurrent");
    expect(relate(l1, l2, "timestamps-only")).toBe("successor");
    const merged = receiveValue(l1, l2, correctMerge);
    expect(merged).toEqual({
      value: "L2.1",
      stamp: { ts: 1, node: "L2" },
      vv: { L2: 1 },
      known: { L1: 1, L2: 1 },
      clock: 1,
      conflicts: [["L1.1", "L2.1"]],
    });
    expect(relate(merged, l1, "version-vectors")).toBe("seen");
    const successor = acceptWrite(merged, "L1", "L1.2");
    expect(relate(receiveValue(l2, l1, correctMerge), successor, "version-vectors")).toBe("successor");
  });

  it("two writes are concurrent when neither had seen the other", () => {
    const past = { "L1.1": [], "L2.1": [], "L1.2": ["L1.1", "L2.1"] };
    expect([
      concurrentWrites(past, "L1.1", "L2.1"),
      concurrentWrites(past, "L1.2", "L2.1"),
      concurrentWrites(past, "L1.1", "L1.2"),
    ]).toEqual([true, false, false]);
  });
});

describe("multi-leader: the model", () => {
  it("holds at the defaults (2 leaders, 3 writes each): 6,381 states, BFS and DFS agree", () => {
    const bfs = checkSpec(multiLeader);
    expect([bfs.result, bfs.distinctStates, bfs.generatedStates]).toEqual(["ok", 6381, 12155]);
    const dfs = checkSpec(multiLeader, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 6381, 12155]);
  });

  it("arrival-order: each leader keeps the other's last write, in 12 steps", () => {
    const r = checkSpec(multiLeader, { variant: "arrival-order" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual([
      "violation",
      "replicasEqualOnceExchangesDrain",
      12,
    ]);
    const last = r.trace?.at(-1)?.state as MultiLeaderState;
    expect([last.leaders["L1"]?.value, last.leaders["L2"]?.value]).toEqual(["L2.3", "L1.3"]);
  });

  it("timestamps-only: concurrent writes are overwritten without a conflict report, in 12 steps", () => {
    const r = checkSpec(multiLeader, { variant: "timestamps-only" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "noWriteLostSilently", 12]);
    const last = r.trace?.at(-1)?.state as MultiLeaderState;
    expect([last.leaders["L1"]?.conflicts, last.leaders["L2"]?.conflicts]).toEqual([[], []]);
  });

  it("random search finds both broken variants", () => {
    for (const [variant, property] of [
      ["arrival-order", "replicasEqualOnceExchangesDrain"],
      ["timestamps-only", "noWriteLostSilently"],
    ] as const) {
      const r = checkSpec(multiLeader, { variant, strategy: "random", seed: 1 });
      expect([variant, r.result, r.property]).toEqual([variant, "violation", property]);
    }
  });
});
