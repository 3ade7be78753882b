import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bfs, checkSpec, violationOf } from "../../checker/index.js";
import {
  addNode,
  consistentHashing,
  emptyRing,
  firstNodeClockwise,
  nodesOf,
  ownerOf,
  rebalance,
  removeNode,
  ringPosition,
  type HashingState,
  type Ring,
} from "../../specs/consistent-hashing.js";
import { onlyProperty } from "../../src/index.js";

const ringOf = (size: number, nodes: readonly string[], vnodes = 2): Ring =>
  nodes.reduce((ring, n) => addNode(ring, n, { vnodes }), emptyRing(size));

describe("consistent-hashing: the ring", () => {
  it("hashes with FNV-1a: the published test vectors on a 2^32 ring, then modulo the ring's size", () => {
    expect([ringPosition("", 2 ** 32), ringPosition("a", 2 ** 32), ringPosition("foobar", 2 ** 32)]).toEqual([
      0x811c9dc5, 0xe40c292c, 0xbf9cf968,
    ]);
    expect(["k1", "k2", "k3", "k4", "k5"].map((k) => ringPosition(k, 32))).toEqual([1, 8, 27, 26, 13]);
    expect(["n1#0", "n1#1", "n2#0", "n2#1", "n3#0", "n3#1"].map((k) => ringPosition(k, 32))).toEqual([
      11, 24, 26, 13, 29, 10,
    ]);
  });

  it("places a node at one point per virtual node, sorted; adding it twice or removing it again changes nothing", () => {
    const ring = ringOf(32, ["n1", "n2"]);
    expect(ring).toEqual({
      size: 32,
      points: [
        { position: 11, node: "n1" },
        { position: 13, node: "n2" },
        { position: 24, node: "n1" },
        { position: 26, node: "n2" },
      ],
    });
    expect(addNode(ring, "n1", { vnodes: 3 })).toBe(ring);
    expect(removeNode(ring, "n2")).toEqual(ringOf(32, ["n1"]));
    expect(nodesOf(ring)).toEqual(["n1", "n2"]);
  });

  it("a node's virtual nodes at one position are one point; nodes at one position are ordered by name", () => {
    expect(addNode(emptyRing(1), "n2", { vnodes: 3 }).points).toEqual([{ position: 0, node: "n2" }]);
    const shared = ringOf(1, ["n2", "n1"]);
    expect(shared.points).toEqual([
      { position: 0, node: "n1" },
      { position: 0, node: "n2" },
    ]);
    expect(ownerOf(shared, "k1")).toBe("n1");
  });

  it("owns a key by the first point at or after it, wrapping past the last point", () => {
    const ring = ringOf(32, ["n1", "n2"]);
    expect(["k1", "k2", "k3", "k4", "k5"].map((k) => ownerOf(ring, k))).toEqual([
      "n1", // at 1: the point at 11
      "n1", // at 8: the point at 11
      "n1", // at 27: past the last point (26), wraps to 11
      "n2", // at 26: exactly on n2's point
      "n2", // at 13: exactly on n2's point
    ]);
    expect(ownerOf(emptyRing(32), "k1")).toBeNull();
  });

  it("the binary search agrees with walking the ring, for any ring and key", () => {
    const nodes = fc.uniqueArray(fc.constantFrom("n1", "n2", "n3", "n4", "n5", "a", "b"), {
      minLength: 1,
      maxLength: 5,
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        nodes,
        fc.integer({ min: 1, max: 4 }),
        fc.string(),
        (size, members, vnodes, key) => {
          const ring = ringOf(size, members, vnodes);
          expect(ownerOf(ring, key)).toBe(firstNodeClockwise(ring, key));
        },
      ),
      { seed: 1, numRuns: 500 },
    );
  });

  it("a join takes keys only for the joining node; a leave hands over only the leaving node's keys", () => {
    const one = ringOf(32, ["n1"]);
    const two = addNode(one, "n3", { vnodes: 2 });
    const joined = rebalance({ n1: ["k1", "k2", "k3", "k4", "k5"] }, two);
    expect(joined).toEqual({
      stores: { n1: ["k5"], n3: ["k1", "k2", "k3", "k4"] },
      moves: [
        { key: "k1", from: "n1", to: "n3" },
        { key: "k2", from: "n1", to: "n3" },
        { key: "k3", from: "n1", to: "n3" },
        { key: "k4", from: "n1", to: "n3" },
      ],
    });
    const three = addNode(two, "n2", { vnodes: 2 });
    const withN2 = rebalance(joined.stores, three);
    expect(withN2.moves).toEqual([
      { key: "k5", from: "n1", to: "n2" },
      { key: "k4", from: "n3", to: "n2" },
    ]);
    expect(rebalance(withN2.stores, removeNode(three, "n3"))).toEqual({
      stores: { n1: ["k1", "k2", "k3"], n2: ["k4", "k5"] },
      moves: [
        { key: "k1", from: "n3", to: "n1" },
        { key: "k2", from: "n3", to: "n1" },
        { key: "k3", from: "n3", to: "n1" },
      ],
    });
  });
});

describe("consistent-hashing: the model", () => {
  it("holds at the defaults (4 nodes with 2 points each on a 32-position ring, 5 keys, 4 joins and leaves): 577 states, BFS and DFS agree", () => {
    const bfsReport = checkSpec(consistentHashing);
    expect([bfsReport.result, bfsReport.distinctStates, bfsReport.generatedStates]).toEqual(["ok", 577, 3493]);
    const dfsReport = checkSpec(consistentHashing, { strategy: "dfs" });
    expect([dfsReport.result, dfsReport.distinctStates, dfsReport.generatedStates]).toEqual(["ok", 577, 3493]);
  });

  it("modulo-hashing moves k1 from n2 to n1 when n3 joins, in 4 steps", () => {
    const r = checkSpec(consistentHashing, { variant: "modulo-hashing" });
    expect([r.result, r.property]).toEqual(["violation", "joinMovesKeysOnlyToTheJoiningNode"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Join(n1)", "Join(n2)", "Put(k1)", "Join(n3)"]);
    const [before, after] = r.trace!.slice(-2).map((s) => s.state as HashingState);
    expect([before!.stores, after!.stores]).toEqual([
      { n1: [], n2: ["k1"] },
      { n1: ["k1"], n2: [], n3: [] },
    ]);
  });

  it("modulo-hashing also moves the keys of nodes that stay when one leaves", () => {
    const r = bfs.search(
      onlyProperty(consistentHashing.instantiate({ variant: "modulo-hashing" }), "leaveMovesOnlyTheLeavingNodesKeys"),
    );
    expect([r.result, violationOf(r)?.property]).toEqual(["violation", "leaveMovesOnlyTheLeavingNodesKeys"]);
    expect(violationOf(r)?.trace.map((s) => s.action)).toEqual([
      null,
      "Join(n1)",
      "Join(n2)",
      "Join(n3)",
      "Put(k1)",
      "Leave(n2)",
    ]);
  });

  it("no-wraparound loses k3, which hashes past n1's last point, in 2 steps", () => {
    const r = checkSpec(consistentHashing, { variant: "no-wraparound" });
    expect([r.result, r.property]).toEqual(["violation", "everyKeyHasExactlyOneOwner"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Join(n1)", "Put(k3)"]);
    expect((r.trace?.at(-1)?.state as HashingState).stores).toEqual({ n1: [] });
  });

  it("join-without-handoff leaves k1 on n1 after n3 takes it over, in 3 steps", () => {
    const r = checkSpec(consistentHashing, { variant: "join-without-handoff" });
    expect([r.result, r.property]).toEqual(["violation", "ownerIsFirstNodeClockwise"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Join(n1)", "Put(k1)", "Join(n3)"]);
    const last = r.trace?.at(-1)?.state as HashingState;
    expect([last.stores, firstNodeClockwise(last.ring, "k1")]).toEqual([{ n1: ["k1"], n3: [] }, "n3"]);
  });

  it("the properties fail on states that break them: a second copy, a key on the wrong node, a leave that moves another node's key", () => {
    const model = consistentHashing.instantiate();
    const check = (name: string) => model.properties.find((p) => p.name === name)!;
    const ring = ringOf(32, ["n1", "n2"]);
    const state = (stores: HashingState["stores"], r: Ring = ring): HashingState => ({
      ring: r,
      stores,
      written: ["k1", "k4"],
      changes: 2,
    });
    const good = state({ n1: ["k1"], n2: ["k4"] });
    const exactlyOne = check("everyKeyHasExactlyOneOwner");
    const clockwise = check("ownerIsFirstNodeClockwise");
    if (exactlyOne.kind !== "invariant" || clockwise.kind !== "invariant") throw new Error("expected invariants");
    expect([exactlyOne.check(good), clockwise.check(good)]).toEqual([true, true]);
    expect(exactlyOne.check(state({ n1: ["k1", "k4"], n2: ["k4"] }))).toBe(false);
    expect(clockwise.check(state({ n1: ["k1", "k4"], n2: [] }))).toBe(false);
    const leave = check("leaveMovesOnlyTheLeavingNodesKeys");
    if (leave.kind !== "action") throw new Error("expected an action property");
    const three = ringOf(32, ["n1", "n2", "n3"]);
    const before = state({ n1: ["k1"], n2: ["k4"], n3: [] }, three);
    expect(leave.check(before, state({ n1: ["k1", "k4"], n3: [] }, removeNode(three, "n2")))).toBe(true);
    expect(leave.check(before, state({ n1: ["k4"], n3: ["k1"] }, removeNode(three, "n2")))).toBe(false);
  });
});
