/**
 * The restart schedule of `withRestarts`, driven by a stand-in search that
 * records each round and gives up at its limit a set number of times.
 */
import { describe, expect, it } from "vitest";
import { BudgetClock } from "../../../src/history/search/budget.js";
import type { SearchOptions, SearchOutcome } from "../../../src/history/search/engine.js";
import { ConfigMemo } from "../../../src/history/search/memo.js";
import type { PreparedPartition } from "../../../src/history/search/partition.js";
import { withRestarts } from "../../../src/history/search/restarts.js";
import type { StateSpace } from "../../../src/history/search/state-space.js";

/** A partition of `length` operations, `unknown` of them with an unknown outcome (only the sizes are read). */
function partition(length: number, unknown = 0): PreparedPartition {
  return { ops: { length }, unknownCount: unknown } as unknown as PreparedPartition;
}

const space = {} as StateSpace;

/** A search that gives up at its limit `limits` times (using 7 configurations each), then answers `last`. */
function standIn(limits: number, last: SearchOutcome) {
  const rounds: SearchOptions[] = [];
  const search = (_p: PreparedPartition, _s: StateSpace, _c: BudgetClock, options: SearchOptions): SearchOutcome => {
    rounds.push(options);
    if (rounds.length <= limits) return { kind: "unknown", reason: "limit", prefix: [], state: 0, configurations: 7 };
    return last;
  };
  return { rounds, search };
}

const ok: SearchOutcome = { kind: "ok", order: [0], configurations: 5 };

describe("withRestarts", () => {
  it("alternates completion and invocation order, doubling the budget after each pair, with one shared memo", () => {
    const { rounds, search } = standIn(5, ok);
    const outcome = withRestarts(search)(partition(10, 40), space, new BudgetClock({}));
    expect(outcome).toEqual({ kind: "ok", order: [0], configurations: 5 * 7 + 5 });
    expect(rounds.map((r) => `${r.order} ${r.maxConfigurations}`)).toEqual([
      "return 50000",
      "call 50000",
      "return 100000",
      "call 100000",
      "return 200000",
      "call 200000",
    ]);
    const memo = rounds[0]!.memo;
    expect(memo).toBeInstanceOf(ConfigMemo);
    expect(rounds.every((r) => r.memo === memo)).toBe(true);
  });

  it("gives a long partition at least 4 configurations per operation in the first round", () => {
    const { rounds, search } = standIn(2, ok);
    withRestarts(search)(partition(20_000), space, new BudgetClock({}));
    expect(rounds.map((r) => r.maxConfigurations)).toEqual([80_000, 80_000, 160_000]);
  });

  it("stops at the caller's limit once both orders had it", () => {
    const { rounds, search } = standIn(100, ok);
    const outcome = withRestarts(search)(partition(3), space, new BudgetClock({}), { maxConfigurations: 120_000 });
    expect(rounds.map((r) => `${r.order} ${r.maxConfigurations}`)).toEqual([
      "return 50000",
      "call 50000",
      "return 100000",
      "call 100000",
      "return 120000",
      "call 120000",
    ]);
    expect(outcome).toEqual({ kind: "unknown", reason: "limit", prefix: [], state: 0, configurations: 6 * 7 });
  });

  it("a limit below the first round's is the only round's, in both orders", () => {
    const { rounds, search } = standIn(100, ok);
    withRestarts(search)(partition(3), space, new BudgetClock({}), { maxConfigurations: 10 });
    expect(rounds.map((r) => `${r.order} ${r.maxConfigurations}`)).toEqual(["return 10", "call 10"]);
  });

  it("returns a violation, or running out of time, at once", () => {
    const violation: SearchOutcome = { kind: "violation", prefix: [1], state: 2, configurations: 3 };
    const v = standIn(1, violation);
    expect(withRestarts(v.search)(partition(3), space, new BudgetClock({}))).toEqual({
      ...violation,
      configurations: 10,
    });
    expect(v.rounds).toHaveLength(2);
    const timeout: SearchOutcome = { kind: "unknown", reason: "timeout", prefix: [], state: 0, configurations: 1 };
    const t = standIn(0, timeout);
    expect(withRestarts(t.search)(partition(3), space, new BudgetClock({}))).toEqual(timeout);
    expect(t.rounds).toHaveLength(1);
  });

  it("a search given an order runs once, as asked, without restarts", () => {
    const { rounds, search } = standIn(100, ok);
    const options: SearchOptions = { order: "call", maxConfigurations: 9 };
    const outcome = withRestarts(search)(partition(3), space, new BudgetClock({}), options);
    expect(rounds).toEqual([options]);
    expect(outcome).toEqual({ kind: "unknown", reason: "limit", prefix: [], state: 0, configurations: 7 });
  });
});
