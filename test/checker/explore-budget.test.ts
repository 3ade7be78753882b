/**
 * The exhaustive search's budget (time, interruption, the data's memory) and
 * the spill policy it gives its queue, on their own: the searches that hit
 * these limits for real (test/checker/spill.test.ts) take seconds and cannot
 * pin every message.
 */
import { totalmem } from "node:os";
import { describe, expect, it } from "vitest";
import {
  Budget,
  defaultMemoryLimit,
  explore,
  exploreAsync,
  guardOptions,
  queueBudget,
  spillPolicy,
} from "../../checker/explore.js";
import type { Progress } from "../../checker/strategy.js";
import { lineModel } from "./support/line-model.js";
import type { Model } from "../../src/index.js";

const MiB = 2 ** 20;
const store = { bytes: 3 * MiB, states: 12_345, what: "the fingerprint store" };

describe("Budget", () => {
  it("reads an abort before a passed deadline, and neither is a limit until it happens", () => {
    expect(new Budget({}).exceeded(false)).toBeUndefined();
    expect(new Budget({ timeoutMs: 60_000 }).exceeded(true)).toBeUndefined();
    // A deadline already past at the first check, whatever the clock's resolution.
    expect(new Budget({ timeoutMs: -1 }).exceeded(false)).toBe("timeout");
    const abort = new AbortController();
    const budget = new Budget({ timeoutMs: -1, signal: abort.signal });
    expect(budget.exceeded(false)).toBe("timeout");
    abort.abort();
    expect(budget.exceeded(false)).toBe("interrupted");
  });

  it("stops for the store only past --max-memory, saying how much it needs, for how many states, and what to do", () => {
    const budget = new Budget({ maxMemoryBytes: 3 * MiB });
    expect(budget.maxMemory).toBe(3 * MiB);
    expect(budget.storeExceeded(store)).toBeUndefined();
    expect(budget.memoryNote).toBeUndefined();
    expect(budget.storeExceeded({ ...store, bytes: 3 * MiB + 1 })).toBe("max-memory");
    expect(budget.memoryNote).toBe(
      "the fingerprint store alone needs 3.00 MiB for 12,345 states, more than --max-memory (3.00 MiB); the queue " +
        "spills to disk, the store cannot: raise --max-memory",
    );
    // The first reason stays: it is the one the report gives.
    expect(budget.outOfMemory("a later reason")).toBe("max-memory");
    expect(budget.memoryNote).toContain("12,345 states");
  });

  it("without --max-memory, the budget is half the machine's memory, and the message says so", () => {
    const half = defaultMemoryLimit();
    // A container's limit counts when it is below the machine's memory (no limit reads as 0 or as 2^64).
    const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.() ?? 0;
    const limit = constrained > 0 && constrained < totalmem() ? constrained : totalmem();
    expect(half).toBe(Math.floor(limit / 2));
    const budget = new Budget({});
    expect(budget.maxMemory).toBe(half);
    expect(budget.storeExceeded({ ...store, bytes: half + 1 })).toBe("max-memory");
    expect(budget.memoryNote).toBe(
      `the fingerprint store alone needs ${((half + 1) / MiB).toFixed(2)} MiB for 12,345 states, more than the ` +
        `default memory budget (${(half / MiB).toFixed(2)} MiB, half the physical memory; --max-memory sets it); ` +
        "the queue spills to disk, the store cannot: raise --max-memory",
    );
  });

  it("keeps the largest resident set read, and a fresh budget is not pressed for memory", () => {
    const budget = new Budget({});
    expect(budget.peakRss).toBeGreaterThan(0);
    // As if the process had been smaller at the start: the next reading of the resident set raises the peak.
    budget.peakRss = 1;
    expect(budget.exceeded(true)).toBeUndefined();
    expect(budget.peakRss).toBeGreaterThan(1);
    expect(budget.pressed).toBe(false);
  });
});

describe("the queue's budget and spill policy", () => {
  it("is --max-queue-bytes when given, else what --max-memory leaves after the store", () => {
    const budget = new Budget({ maxMemoryBytes: 5 * MiB });
    expect(queueBudget({}, budget)).toEqual({ kind: "after-store", memoryBytes: 5 * MiB });
    expect(queueBudget({ maxQueueBytes: 1234 }, budget)).toEqual({ kind: "fixed", bytes: 1234 });
  });

  it("passes on only the guard and coverage options that were given", () => {
    // Strictly: an option given as undefined would override a default where these are spread.
    expect(guardOptions({})).toStrictEqual({});
    expect(guardOptions({ guards: false, coverage: false })).toStrictEqual({ guards: false });
    expect(guardOptions({ guards: true, coverage: true, maxStates: 5 })).toStrictEqual({
      guards: true,
      coverage: true,
    });
  });

  type S = { readonly x: number[] };
  const calls: string[] = [];
  const model = (own: { freeze?: boolean; adopt?: boolean }) =>
    ({
      ...(own.freeze ? { freeze: (s: S) => void calls.push(`freeze ${s.x[0]}`) } : {}),
      ...(own.adopt ? { adopt: (s: S) => (calls.push(`adopt ${s.x[0]}`), { x: [...s.x, 0] }) } : {}),
    }) as unknown as Model<S>;

  it("revives a state read from disk with the model's adopt, then freezes it: the model's freeze, or a deep one", () => {
    calls.length = 0;
    const own = spillPolicy(model({ freeze: true, adopt: true }), { budgetBytes: () => 7 });
    expect(own.revive({ x: [1] })).toEqual({ x: [1, 0] });
    expect(calls).toEqual(["adopt 1", "freeze 1"]);
    expect([own.budgetBytes(), own.prefix, "prefix" in own]).toEqual([7, undefined, false]);
    const deep = spillPolicy(model({}), { budgetBytes: () => 7 }, undefined, "worker3");
    const state = deep.revive({ x: [2] });
    expect([Object.isFrozen(state), Object.isFrozen(state.x), deep.prefix]).toEqual([true, true, "worker3"]);
    own.area.dispose();
    deep.area.dispose();
  });

  it("with the guards off, only adopts (nothing is frozen)", () => {
    calls.length = 0;
    const adopting = spillPolicy(model({ freeze: true, adopt: true }), { guards: false, budgetBytes: () => 1 });
    expect(Object.isFrozen(adopting.revive({ x: [3] }))).toBe(false);
    expect(calls).toEqual(["adopt 3"]);
    const plain = spillPolicy(model({}), { guards: false, budgetBytes: () => 1 });
    const state = { x: [4] };
    expect(plain.revive(state)).toBe(state);
    expect(Object.isFrozen(state)).toBe(false);
    adopting.area.dispose();
    plain.area.dispose();
  });
});

describe("the search loop", () => {
  it("reports progress every 1,024 expansions once the interval has passed, with the counts of that moment", () => {
    const seen: Omit<Progress, "elapsedMs">[] = [];
    const outcome = explore(lineModel(3000), "fifo", {
      progressIntervalMs: 0,
      onProgress: ({ elapsedMs: _, ...p }) => seen.push(p),
    });
    expect([outcome.result, outcome.distinctStates, outcome.generatedStates]).toEqual(["ok", 3001, 3001]);
    // After expanding state k - 1 (the k-th expansion), states 0..k are stored and k waits.
    expect(seen).toEqual([
      { distinctStates: 1025, generatedStates: 1025, queue: 1, depth: 1024 },
      { distinctStates: 2049, generatedStates: 2049, queue: 1, depth: 2048 },
    ]);
  });

  it("the asynchronous search gives the same outcome and stops at --max-depth like the other", async () => {
    const sync = explore(lineModel(50), "fifo", { maxDepth: 20 });
    const outcome = await exploreAsync(lineModel(50), "fifo", { maxDepth: 20 });
    expect([outcome.result, outcome.result === "incomplete" && outcome.limit]).toEqual(["incomplete", "max-depth"]);
    expect([outcome.distinctStates, outcome.generatedStates, outcome.maxDepth]).toEqual([21, 21, 20]);
    expect([sync.distinctStates, sync.generatedStates, sync.maxDepth]).toEqual([21, 21, 20]);
  });

  it("an array the machine cannot grow ends the search incomplete for memory, saying so", () => {
    const refused = new RangeError("Invalid typed array length: 4294967296");
    const outcome = explore(lineModel(10, { at: 5, error: refused }), "fifo");
    expect([outcome.result, outcome.result === "incomplete" && outcome.limit]).toEqual(["incomplete", "max-memory"]);
    expect(outcome.warnings).toEqual([
      "the machine refused more memory (Invalid typed array length: 4294967296)",
      "the spec has no properties (or none selected): the search only counts states",
    ]);
    expect(outcome.distinctStates).toBe(6);
  });

  it("any other error of the checker's is thrown, and the guards are released", () => {
    const other = new RangeError("Maximum call stack size exceeded");
    const random = Math.random;
    expect(() => explore(lineModel(10, { at: 5, error: other }), "fifo")).toThrow(other);
    // The purity guards wrap Math.random while a search runs; released, the original is back.
    expect(Math.random).toBe(random);
    // Only a RangeError speaks for the machine's memory, whatever the message says.
    const notRange = new Error("Array buffer allocation failed");
    expect(() => explore(lineModel(10, { at: 5, error: notRange }), "fifo")).toThrow(notRange);
  });
});
