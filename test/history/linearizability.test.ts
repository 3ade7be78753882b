/**
 * checkLinearizability's assembly of a report over partitions (keys checked
 * on their own, smallest first; violations in key order; the first only, on
 * request) and its use of a model's exact decision, which it replays before
 * trusting: a user's model may return an order that is not a linearization.
 */
import { describe, expect, it } from "vitest";
import {
  checkLinearizability,
  kvModel,
  registerModel,
  type AnyModel,
  type HistoryEvent,
  type Json,
  type Operation,
} from "../../src/history/index.js";
import { pair } from "./support/serial.js";

/** One operation by `p` (a read's or get's invocation carries no value). */
const op = (p: number, f: string, value: Json, key?: string) => pair(p, f, key, value);

describe("partitions", () => {
  // Key "a" is linearizable, "b" and "c" are not; "c" has one operation, so it is checked first.
  const history = [
    ...op(0, "put", "x", "a"),
    ...op(1, "put", "x", "b"),
    ...op(1, "get", "x", "a"),
    ...op(1, "get", "y", "b"),
    ...op(2, "get", "z", "c"),
  ];

  it("each key is checked on its own; the summaries and violations come in key order", () => {
    const report = checkLinearizability(history, kvModel);
    expect([report.result, report.model, report.operations, report.partitions, report.configurations]).toEqual([
      "violation",
      "kv",
      5,
      3,
      3,
    ]);
    expect(report.partitionSummaries).toEqual([
      { partition: "a", operations: 2, result: "ok", configurations: 2 },
      { partition: "b", operations: 2, result: "violation", configurations: 1 },
      { partition: "c", operations: 1, result: "violation", configurations: 0 },
    ]);
    expect(report.result === "violation" && report.violations.map((v) => v.message)).toEqual([
      'key "b": the longest partial linearization found places 1 of 2 completed operations and leaves the state {"b":"x"}; none of these can come next: get("b") -> "y" [process 1]',
      'key "c": the longest partial linearization found places 0 of 1 completed operations and leaves the state {}; none of these can come next: get("c") -> "z" [process 2]',
    ]);
  });

  it("firstViolationOnly stops at the first violating partition; the others are unknown, unsearched", () => {
    const report = checkLinearizability(history, kvModel, { firstViolationOnly: true });
    expect(report.partitionSummaries).toEqual([
      { partition: "a", operations: 2, result: "unknown", configurations: 0 },
      { partition: "b", operations: 2, result: "unknown", configurations: 0 },
      { partition: "c", operations: 1, result: "violation", configurations: 0 },
    ]);
    expect(report.result === "violation" && report.violations.map((v) => v.partition)).toEqual(["c"]);
  });

  it("a linearizable history's witness has each partition's order", () => {
    const report = checkLinearizability(history.slice(0, 6), kvModel);
    expect(report.result === "linearizable" && report.witness.map((w) => w.map((o) => o.id))).toEqual([[0, 2], [1]]);
  });
});

describe("a model's exact decision", () => {
  // Serial: write 1, read 1, write 2; each operation's id is its place.
  const history = [...op(0, "write", 1), ...op(1, "read", 1), ...op(0, "write", 2)];
  const deciding = (order: (ops: readonly Operation[]) => Operation[]): AnyModel => ({
    ...registerModel,
    name: "deciding",
    decide: (partition) => ({ kind: "linearizable", order: order(partition) }),
  });
  const configurations = (order: (ops: readonly Operation[]) => Operation[], h: HistoryEvent[] = history) => {
    const report = checkLinearizability(h, deciding(order));
    expect(report.result).toBe("linearizable");
    return report.configurations;
  };

  it("an order that replays is the verdict: no search", () => {
    expect(configurations((p) => [...p])).toBe(0);
  });

  it.each([
    ["copies of the operations, not the partition's own", (p: readonly Operation[]) => p.map((o) => ({ ...o }))],
    ["an operation twice, in place of another", (p: readonly Operation[]) => [p[0]!, p[0]!, p[1]!]],
    ["an operation left out", (p: readonly Operation[]) => [p[0]!, p[1]!]],
    ["a step the model does not allow", (p: readonly Operation[]) => [p[1]!, p[0]!, p[2]!]],
    ["real time broken (the second write placed first)", (p: readonly Operation[]) => [p[2]!, p[0]!, p[1]!]],
  ])("an order with %s is not trusted: the search decides", (_what, order) => {
    expect(configurations(order)).toBeGreaterThan(0);
  });

  it("an operation with several next states is replayed through all of them", () => {
    // A coin: a flip leaves 0 or 1, a read returns the side up.
    const coin: AnyModel = {
      name: "coin",
      init: () => 0,
      step: (side: number, o) => (o.f === "flip" ? [0, 1] : o.output === side ? [side] : []),
      decide: (partition) => ({ kind: "linearizable", order: [...partition] }),
    };
    const flipThenRead = (side: number) => [...op(0, "flip", null), ...op(1, "read", side)];
    for (const side of [0, 1]) {
      const report = checkLinearizability(flipThenRead(side), coin);
      expect([report.result, report.configurations]).toEqual(["linearizable", 0]);
    }
    // No side allows a read of 2: the order is not trusted, and the search finds no linearization either.
    expect(checkLinearizability(flipThenRead(2), coin).result).toBe("violation");
  });

  it("a decision of violation is explained by the search's longest partial linearization", () => {
    const bad = [...op(0, "write", 1), ...op(1, "read", 2)];
    const claims: AnyModel = {
      ...registerModel,
      decide: (partition) => ({ kind: "violation", message: "read 2 was never written", operations: [partition[1]!] }),
    };
    const report = checkLinearizability(bad, claims);
    expect(report.result === "violation" && report.violations[0]!.message).toBe(
      "read 2 was never written. The longest partial linearization found places 1 of 2 completed operations and leaves the state 1; none of these can come next: read() -> 2 [process 1]",
    );
    expect(report.configurations).toBe(1);
    // With decide: false the search alone judges, with its own words.
    const searched = checkLinearizability(bad, claims, { decide: false });
    expect(searched.result === "violation" && searched.violations[0]!.message).toBe(
      "the longest partial linearization found places 1 of 2 completed operations and leaves the state 1; none of these can come next: read() -> 2 [process 1]",
    );
  });
});
