/**
 * preparePartitions and prepare: which operations each partition keeps, and
 * the per-operation tables the searches read.
 */
import { describe, expect, it } from "vitest";
import { registerModel, type Json, type Model } from "../../../src/history/index.js";
import { operationsOf, type Operation } from "../../../src/history/operations.js";
import { prepare, preparePartitions, type PreparedPartition } from "../../../src/history/search/partition.js";
import { pair } from "../support/serial.js";

/**
 * The tables of a partition, one string per operation: `id:unknown readOnly:bit:twin` (the twin by its local index).
 */
function tables(p: PreparedPartition): string[] {
  return p.ops.map((o, i) => `${o.id}:${p.unknown[i]}${p.readOnly[i]}:${p.bit[i]}:${p.previousTwin[i]}`);
}

const keyed = (): Operation[] =>
  operationsOf([
    ...pair(0, "write", "x", 1),
    ...pair(1, "write", "y", 2, "info"),
    ...pair(2, "read", "x", 1),
    ...pair(3, "write", "x", 3, "fail"),
    ...pair(4, "write", "y", 2, "info"),
    ...pair(5, "cas", "x", [1, 4], "fail"),
    ...pair(6, "write", "y", 5, "info"),
    ...pair(7, "read", "y", null, "info"),
  ]);

describe("preparePartitions", () => {
  it("splits by key in order of first appearance, leaving out what the model ignores", () => {
    const parts = preparePartitions(keyed(), registerModel);
    expect(parts.map((p) => [p.key, p.ops.map((o) => o.id)])).toEqual([
      ["x", [0, 2, 5]],
      ["y", [1, 4, 6]],
    ]);
    expect(parts.map(tables)).toEqual([
      ["0:00:0:-1", "2:01:1:-1", "5:01:2:-1"],
      ["1:10:0:-1", "4:10:1:0", "6:10:2:-1"],
    ]);
    expect(parts.map((p) => [p.definiteCount, p.unknownCount])).toEqual([
      [3, 0],
      [0, 3],
    ]);
  });

  it("without partitions, or told not to, the whole history is one partition with no key", () => {
    const whole = preparePartitions(keyed(), registerModel, { partition: false });
    expect(whole.map((p) => [p.key, p.ops.map((o) => o.id)])).toEqual([[null, [0, 1, 2, 4, 5, 6]]]);
    expect(tables(whole[0]!)).toEqual(["0:00:0:-1", "1:10:0:-1", "2:01:1:-1", "4:10:1:1", "5:01:2:-1", "6:10:2:-1"]);
    const { partition: _dropped, ...unpartitioned } = registerModel;
    expect(preparePartitions(keyed(), unpartitioned as Model<Json>).map((p) => p.key)).toEqual([null]);
  });

  it("operations without a key form the whole history, not a partition named ''", () => {
    const parts = preparePartitions(
      operationsOf([...pair(0, "write", undefined, 1), ...pair(1, "read", undefined, 1)]),
      registerModel,
    );
    expect(parts.map((p) => [p.key, p.ops.length])).toEqual([[null, 2]]);
    const mixed = preparePartitions(
      operationsOf([...pair(0, "write", undefined, 1), ...pair(1, "read", "k", null)]),
      registerModel,
    );
    expect(mixed.map((p) => p.key)).toEqual(["", "k"]);
    const one = preparePartitions(
      operationsOf([...pair(0, "write", "k", 1), ...pair(1, "read", "k", 1)]),
      registerModel,
    );
    expect(one.map((p) => [p.key, p.ops.length])).toEqual([["k", 2]]);
  });

  it("a model without ignore leaves out failed operations only", () => {
    const { ignore: _dropped, readOnly: _r, ...plain } = registerModel;
    const parts = preparePartitions(keyed(), plain as Model<Json>, { partition: false });
    expect(parts[0]!.ops.map((o) => o.id)).toEqual([0, 1, 2, 4, 6, 7]);
    expect(tables(parts[0]!)).toEqual(["0:00:0:-1", "1:10:0:-1", "2:00:1:-1", "4:10:1:1", "6:10:2:-1", "7:10:3:-1"]);
  });
});

describe("prepare", () => {
  it("twins are unknown operations with the same name, key and input, each pointing at the one before", () => {
    const ops = operationsOf([
      ...pair(0, "write", "k", 1, "info"),
      ...pair(1, "write", "j", 1, "info"),
      ...pair(2, "write", "k", 1, "info"),
      ...pair(3, "write", "k", 1),
      ...pair(4, "cas", "k", [1, 2], "info"),
      ...pair(5, "write", "k", 1, "info"),
      ...pair(6, "cas", "k", [1, 2], "info"),
    ]);
    const p = prepare("k", ops, registerModel);
    expect(p.key).toBe("k");
    expect(Array.from(p.previousTwin)).toEqual([-1, -1, 0, -1, -1, 2, 4]);
    expect(p.deadlines).toBeUndefined();
  });

  it("keeps the model's deadlines when it has them", () => {
    const ops: Operation[] = operationsOf([...pair(0, "write", "k", 1), ...pair(1, "write", "k", 2)]);
    const model: Model<Json> = { ...registerModel, deadlines: (o) => o.map((x) => 10 * x.id + 1) };
    expect(prepare(null, ops, model).deadlines).toEqual([1, 11]);
  });
});
