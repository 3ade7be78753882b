import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import {
  beginMove,
  commitMove,
  copyInto,
  copyMoving,
  hotPartitions,
  lostWrites,
  partitionsHolding,
  put,
  type PartitionedState,
} from "../../specs/partition-moves.js";
import {
  inRange,
  mergeRanges,
  rangePartitioning,
  splitRange,
  type RangePartition,
  type RangeState,
} from "../../specs/range-partitioning.js";

const commit = { waitForCopy: true, dropSource: true } as const;

function start(partitions: readonly RangePartition[]): RangeState {
  return { partitions, stores: { n1: {}, n2: {} }, acked: {}, load: {}, move: null, hot: [], changes: 0 };
}

describe("range-partitioning: ranges", () => {
  it("splits [lo, hi) at mid into two halves on the same owner, and merges adjacent ranges of one owner back", () => {
    const whole: RangePartition = { lo: 0, hi: 4, owner: "n1" };
    const [left, right] = splitRange(whole, 2);
    expect([left, right]).toEqual([
      { lo: 0, hi: 2, owner: "n1" },
      { lo: 2, hi: 4, owner: "n1" },
    ]);
    expect(mergeRanges(left, right)).toEqual(whole);
    expect(mergeRanges(right, left)).toBeNull();
    expect(mergeRanges(left, { ...right, owner: "n2" })).toBeNull();
  });

  it("any sequence of splits keeps every key in exactly one range", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(fc.nat(), { maxLength: 8 }), (keys, cuts) => {
        let parts: readonly RangePartition[] = [{ lo: 0, hi: keys, owner: "n1" }];
        for (const cut of cuts) {
          const i = cut % parts.length;
          const part = parts[i]!;
          if (part.hi - part.lo < 2) continue;
          const mid = part.lo + 1 + (cut % (part.hi - part.lo - 1));
          parts = [...parts.slice(0, i), ...splitRange(part, mid), ...parts.slice(i + 1)];
        }
        for (let k = 0; k < keys; k++) expect(partitionsHolding(parts, k, inRange)).toHaveLength(1);
      }),
      { seed: 1, numRuns: 300 },
    );
  });

  it("the hot-spot detector flags the ranges with more writes than the threshold", () => {
    const parts = [
      { lo: 0, hi: 2, owner: "n1" },
      { lo: 2, hi: 4, owner: "n1" },
    ];
    expect(hotPartitions(parts, { 0: 1, 1: 1, 3: 1 }, 1, inRange)).toEqual([0]);
    expect(hotPartitions(parts, { 0: 1, 1: 1, 3: 2 }, 1, inRange)).toEqual([0, 1]);
    expect(hotPartitions(parts, { 0: 1, 1: 1, 3: 2 }, 2, inRange)).toEqual([]);
  });

  it("a move copies, catches up on a write taken meanwhile, and only then commits", () => {
    let s: PartitionedState<RangePartition> = put(start([{ lo: 0, hi: 4, owner: "n1" }]), 1, inRange)!;
    s = beginMove(s, { partition: 0, to: "n2" })!;
    expect(commitMove(s, inRange, commit)).toBeNull();
    s = copyMoving(s, inRange)!;
    expect(copyMoving(s, inRange)).toBeNull();
    s = put(s, 3, inRange)!;
    expect(s.stores).toEqual({ n1: { 1: 1, 3: 1 }, n2: { 1: 1 } });
    expect(commitMove(s, inRange, commit)).toBeNull();
    s = commitMove(copyMoving(s, inRange)!, inRange, commit)!;
    expect([s.partitions, s.stores, s.move, lostWrites(s, inRange)]).toEqual([
      [{ lo: 0, hi: 4, owner: "n2" }],
      { n1: {}, n2: { 1: 1, 3: 1 } },
      null,
      [],
    ]);
    const early = commitMove(
      beginMove(put(start([{ lo: 0, hi: 4, owner: "n1" }]), 1, inRange)!, { partition: 0, to: "n2" })!,
      inRange,
      { waitForCopy: false, dropSource: true },
    )!;
    expect(lostWrites(early, inRange)).toEqual(["1@1"]);
  });

  it("a copy never lowers a version", () => {
    expect(copyInto({ 1: 3, 2: 1 }, { 1: 2, 2: 2, 3: 1 })).toEqual({ 1: 3, 2: 2, 3: 1 });
  });
});

describe("range-partitioning: the model", () => {
  it("holds at the defaults (2 nodes, 4 keys, 3 writes, threshold 1, 3 changes): BFS and DFS agree", () => {
    const b = checkSpec(rangePartitioning);
    expect([b.result, b.distinctStates, b.generatedStates]).toEqual(["ok", 1416, 3347]);
    const d = checkSpec(rangePartitioning, { strategy: "dfs" });
    expect([d.result, d.distinctStates, d.generatedStates]).toEqual(["ok", 1416, 3347]);
  });

  it("drop-before-copy loses k0's write when the table switches owner before the copy, in 3 steps", () => {
    const r = checkSpec(rangePartitioning, { variant: "drop-before-copy" });
    expect([r.result, r.property]).toEqual(["violation", "noAcknowledgedWriteIsLost"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Put(k0)", "BeginMove(r0 to n2)", "Commit"]);
    expect((r.trace?.at(-1)?.state as RangeState).stores).toEqual({ n1: {}, n2: {} });
  });

  it("split-skips-the-middle-key leaves key 2 in no range after the first split of a hot range, in 3 steps", () => {
    const r = checkSpec(rangePartitioning, { variant: "split-skips-the-middle-key" });
    expect([r.result, r.property]).toEqual(["violation", "everyKeyHasExactlyOneOwner"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Put(k0)", "Put(k0)", "Split(r0)"]);
    expect((r.trace?.at(-1)?.state as RangeState).partitions).toEqual([
      { lo: 0, hi: 2, owner: "n1" },
      { lo: 3, hi: 4, owner: "n1" },
    ]);
  });

  it.each([
    ["drop-before-copy", "noAcknowledgedWriteIsLost"],
    ["split-skips-the-middle-key", "everyKeyHasExactlyOneOwner"],
  ])("random search finds %s breaking %s", (variant, property) => {
    const r = checkSpec(rangePartitioning, { variant, strategy: "random", seed: 1, properties: [property] });
    expect([r.result, r.property]).toEqual(["violation", property]);
  });

  it("the properties fail on states that break them", () => {
    const model = rangePartitioning.instantiate();
    const check = (name: string, s: RangeState) => {
      const prop = model.properties.find((p) => p.name === name)!;
      if (prop.kind !== "invariant") throw new Error(`${name} is not an invariant`);
      return prop.check(s);
    };
    const overlap = start([
      { lo: 0, hi: 3, owner: "n1" },
      { lo: 2, hi: 4, owner: "n2" },
    ]);
    expect(check("everyKeyHasExactlyOneOwner", overlap)).toBe(false);
    const lost: RangeState = {
      ...start([{ lo: 0, hi: 4, owner: "n1" }]),
      acked: { 1: 2 },
      stores: { n1: { 1: 1 }, n2: { 1: 2 } },
    };
    expect(check("noAcknowledgedWriteIsLost", lost)).toBe(false);
    expect(check("hotRangesAreFlagged", { ...start([{ lo: 0, hi: 4, owner: "n1" }]), load: { 0: 1, 3: 1 } })).toBe(
      false,
    );
    expect(
      check("hotRangesAreFlagged", { ...start([{ lo: 0, hi: 4, owner: "n1" }]), load: { 0: 1, 3: 1 }, hot: [0] }),
    ).toBe(true);
  });
});
