import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import {
  assignRoundRobin,
  hashPartitioning,
  partitionOf,
  type HashPartition,
  type HashState,
} from "../../specs/hash-partitioning.js";
import { beginMove, commitMove, copyMoving, hotPartitions, lostWrites, put } from "../../specs/partition-moves.js";

const contains3 = (part: HashPartition, key: number) => partitionOf(key, 3) === part.bucket;

function start(): HashState {
  return {
    partitions: assignRoundRobin(3, ["n1", "n2"]),
    stores: { n1: {}, n2: {} },
    acked: {},
    load: {},
    move: null,
    hot: [],
    changes: 0,
  };
}

describe("hash-partitioning: partitions", () => {
  it("hashes k0..k3 with FNV-1a into 3 fixed partitions, which never depends on the number of nodes", () => {
    expect([0, 1, 2, 3].map((k) => partitionOf(k, 3))).toEqual([1, 0, 0, 2]);
    expect([0, 1, 2, 3].map((k) => partitionOf(k, 2))).toEqual([0, 1, 0, 1]);
  });

  it("spreads the partitions round robin at first", () => {
    expect(assignRoundRobin(3, ["n1", "n2"])).toEqual([
      { bucket: 0, owner: "n1" },
      { bucket: 1, owner: "n2" },
      { bucket: 2, owner: "n1" },
    ]);
  });

  it("writes go to the owner of the key's partition; the detector flags a partition whose keys took more writes than the threshold", () => {
    const s = put(put(put(start(), 1, contains3)!, 2, contains3)!, 0, contains3)!;
    expect([s.stores, s.acked]).toEqual([
      { n1: { 1: 1, 2: 1 }, n2: { 0: 1 } },
      { 0: 1, 1: 1, 2: 1 },
    ]);
    expect(hotPartitions(s.partitions, s.load, 1, contains3)).toEqual([0]);
  });

  it("a move commits only after the copy, and the source drops the partition then", () => {
    let s = beginMove(put(start(), 0, contains3)!, { partition: 1, to: "n1" })!;
    expect(commitMove(s, contains3, { waitForCopy: true, dropSource: true })).toBeNull();
    s = commitMove(copyMoving(s, contains3)!, contains3, { waitForCopy: true, dropSource: true })!;
    expect([s.partitions[1], s.stores, lostWrites(s, contains3)]).toEqual([
      { bucket: 1, owner: "n1" },
      { n1: { 0: 1 }, n2: {} },
      [],
    ]);
  });
});

describe("hash-partitioning: the model", () => {
  it("holds at the defaults (2 nodes, 3 partitions, 4 keys, 3 writes, threshold 1, 2 moves): BFS and DFS agree", () => {
    const b = checkSpec(hashPartitioning);
    expect([b.result, b.distinctStates, b.generatedStates]).toEqual(["ok", 924, 2565]);
    const d = checkSpec(hashPartitioning, { strategy: "dfs" });
    expect([d.result, d.distinctStates, d.generatedStates]).toEqual(["ok", 924, 2565]);
  });

  it("drop-before-copy loses k0's write when partition 1 switches to n1 before the copy, in 3 steps", () => {
    const r = checkSpec(hashPartitioning, { variant: "drop-before-copy" });
    expect([r.result, r.property]).toEqual(["violation", "noAcknowledgedWriteIsLost"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Put(k0)", "BeginMove(p1 to n1)", "Commit"]);
    expect((r.trace?.at(-1)?.state as HashState).stores).toEqual({ n1: {}, n2: {} });
  });

  it("hash-mod-nodes writes k0 to n1 (hash mod 2 = 0) while its partition 1 is on n2, in 1 step", () => {
    const r = checkSpec(hashPartitioning, { variant: "hash-mod-nodes" });
    expect([r.result, r.property]).toEqual(["violation", "noAcknowledgedWriteIsLost"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Put(k0)"]);
    expect((r.trace?.at(-1)?.state as HashState).stores).toEqual({ n1: { 0: 1 }, n2: {} });
  });

  it("keep-source-copy leaves k0 on n2 after partition 1 moved to n1, in 4 steps", () => {
    const r = checkSpec(hashPartitioning, { variant: "keep-source-copy" });
    expect([r.result, r.property]).toEqual(["violation", "keysLiveOnlyOnTheirOwnerOrTheMoveTarget"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Put(k0)", "BeginMove(p1 to n1)", "Copy", "Commit"]);
    expect((r.trace?.at(-1)?.state as HashState).stores).toEqual({ n1: { 0: 1 }, n2: { 0: 1 } });
  });

  it.each([
    ["drop-before-copy", "noAcknowledgedWriteIsLost"],
    ["hash-mod-nodes", "noAcknowledgedWriteIsLost"],
    ["keep-source-copy", "keysLiveOnlyOnTheirOwnerOrTheMoveTarget"],
  ])("random search finds %s breaking %s", (variant, property) => {
    const r = checkSpec(hashPartitioning, { variant, strategy: "random", seed: 1, properties: [property] });
    expect([r.result, r.property]).toEqual(["violation", property]);
  });

  it("the properties fail on states that break them", () => {
    const model = hashPartitioning.instantiate();
    const check = (name: string, s: HashState) => {
      const prop = model.properties.find((p) => p.name === name)!;
      if (prop.kind !== "invariant") throw new Error(`${name} is not an invariant`);
      return prop.check(s);
    };
    expect(
      check("everyKeyHasExactlyOneOwner", {
        ...start(),
        partitions: [...start().partitions, { bucket: 1, owner: "n1" }],
      }),
    ).toBe(false);
    expect(check("hotPartitionsAreFlagged", { ...start(), load: { 1: 1, 2: 1 } })).toBe(false);
    expect(check("hotPartitionsAreFlagged", { ...start(), load: { 1: 1, 2: 1 }, hot: [0] })).toBe(true);
    expect(check("keysLiveOnlyOnTheirOwnerOrTheMoveTarget", { ...start(), stores: { n1: { 0: 1 }, n2: {} } })).toBe(
      false,
    );
    expect(
      check("keysLiveOnlyOnTheirOwnerOrTheMoveTarget", {
        ...start(),
        stores: { n1: { 0: 1 }, n2: {} },
        move: { partition: 1, to: "n1" },
      }),
    ).toBe(true);
  });
});
