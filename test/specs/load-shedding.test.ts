import { describe, expect, it } from "vitest";
import { checkSpec, randomSearch, violationOf } from "../../checker/index.js";
import { onlyProperty } from "../../src/index.js";
import { admit, completesAt, loadShedding, type Job, type SheddingState } from "../../specs/load-shedding.js";

const high = (deadline: number): Job => ({ priority: "high", deadline });
const low = (deadline: number): Job => ({ priority: "low", deadline });

describe("load-shedding: admit", () => {
  it("inserts after its own priority and sheds the lowest, newest request over the bound", () => {
    expect(admit([high(3), low(3)], high(3), 1, { capacity: 2 })).toEqual({
      queue: [high(3), high(3)],
      shed: [low(3)],
    });
    expect(admit([high(3), high(3)], low(3), 1, { capacity: 2 })).toEqual({
      queue: [high(3), high(3)],
      shed: [low(3)],
    });
    expect(admit([high(3), high(3)], high(4), 1, { capacity: 2 })).toEqual({
      queue: [high(3), high(3)],
      shed: [high(4)],
    });
    expect(admit([low(5)], high(5), 0, { capacity: 3 })).toEqual({ queue: [high(5), low(5)], shed: [] });
  });

  it("sheds requests its place in the queue would make finish after their deadline", () => {
    expect(completesAt(1, 1)).toBe(3);
    expect(admit([high(2), low(2)], high(3), 1, { capacity: 3 })).toEqual({
      queue: [high(2), high(3)],
      shed: [low(2)],
    });
    expect(admit([high(2)], low(2), 1, { capacity: 3 })).toEqual({ queue: [high(2)], shed: [low(2)] });
  });
});

describe("load-shedding: the model", () => {
  it("holds at the defaults (queue 2, deadline 2 ticks, 5 requests, 4 ticks): 441 states, BFS and DFS agree", () => {
    const r = checkSpec(loadShedding);
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 441, 835]);
    const dfs = checkSpec(loadShedding, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 441, 835]);
  });

  it("fifo-drop turns a high-priority request away while a low one is queued, in 3 steps", () => {
    const r = checkSpec(loadShedding, { variant: "fifo-drop" });
    expect([r.result, r.property]).toEqual(["violation", "lowestPriorityShedFirst"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Arrive(high)", "Arrive(low)", "Arrive(high)"]);
    const last = r.trace?.at(-1)?.state as SheddingState;
    expect([last.queue, last.lastShed]).toEqual([[high(2), low(2)], [high(2)]]);
  });

  it("no-deadline-shedding keeps a low request that a high one pushed past its deadline, in 4 steps", () => {
    const r = checkSpec(loadShedding, { variant: "no-deadline-shedding" });
    expect([r.result, r.property]).toEqual(["violation", "admittedWorkMeetsDeadline"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Arrive(high)", "Arrive(low)", "Tick", "Arrive(high)"]);
    expect((r.trace?.at(-1)?.state as SheddingState).queue).toEqual([high(3), low(2)]);
  });

  it("random search (seed 1) finds both broken variants", () => {
    for (const v of loadShedding.variants.filter((x) => x.violates !== undefined)) {
      const r = randomSearch(onlyProperty(loadShedding.instantiate({ variant: v.name }), v.violates!), {
        seed: 1,
        runs: 2000,
      });
      expect([v.name, r.result, violationOf(r)?.property]).toEqual([v.name, "violation", v.violates]);
    }
  });
});
