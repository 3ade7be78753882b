import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import { lamportClock, lamportOrder, lamportTick } from "../../specs/lamport-clock.js";

describe("lamportTick and lamportOrder", () => {
  it("ticks on local events and sends, and jumps past a received stamp", () => {
    expect(lamportTick(0, { type: "Local" })).toBe(1);
    expect(lamportTick(3, { type: "Send" })).toBe(4);
    expect(lamportTick(2, { type: "Receive", stamp: 7 })).toBe(8);
    expect(lamportTick(9, { type: "Receive", stamp: 7 })).toBe(10);
  });

  it("orders by clock, then by process id", () => {
    const sorted = [
      { clock: 2, node: "n1" },
      { clock: 1, node: "n2" },
      { clock: 1, node: "n1" },
    ].sort(lamportOrder);
    expect(sorted).toEqual([
      { clock: 1, node: "n1" },
      { clock: 1, node: "n2" },
      { clock: 2, node: "n1" },
    ]);
  });
});

describe("lamport-clock", () => {
  it("holds at the defaults (3 processes, 1 event each): 480 distinct states, BFS and DFS agree", () => {
    const bfs = checkSpec(lamportClock);
    expect([bfs.result, bfs.distinctStates, bfs.generatedStates, bfs.maxDepth]).toEqual(["ok", 480, 802, 6]);
    const dfs = checkSpec(lamportClock, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 480, 802]);
  });

  it("holds with 2 processes and 2 events each: 749 distinct states", () => {
    const r = checkSpec(lamportClock, { params: { processes: 2, events: 2 } });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 749, 1037]);
  });

  it("receive-without-max breaks the clock condition in 2 steps: a receive stamped no later than its send", () => {
    const r = checkSpec(lamportClock, { variant: "receive-without-max" });
    expect([r.result, r.property]).toEqual(["violation", "clockCondition"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      'n1: Send{to:"n2"}',
      'n2: receive Stamped{stamp:1,sentAt:{"node":"n1","index":0}} from n1',
    ]);
    const dfs = checkSpec(lamportClock, { variant: "receive-without-max", strategy: "dfs" });
    expect([dfs.result, dfs.property]).toEqual(["violation", "clockCondition"]);
  });
});
