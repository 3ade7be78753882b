import { describe, expect, it } from "vitest";
import { checkSpec, randomSearch, violationOf } from "../../checker/index.js";
import { onlyProperty } from "../../src/index.js";
import { childDeadline, deadline, mayStart, type DeadlineState } from "../../specs/deadline.js";

describe("deadline: the service's rules", () => {
  it("passes on the deadline it received, and starts work only up to it", () => {
    expect(childDeadline(5)).toBe(5);
    expect([mayStart(2, 3), mayStart(3, 3), mayStart(4, 3)]).toEqual([true, true, false]);
  });
});

describe("deadline: the model", () => {
  it("holds at the defaults (3 services, client deadline 2, 4 ticks, one client cancel): 170 states, BFS and DFS agree", () => {
    const r = checkSpec(deadline);
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 170, 482]);
    const dfs = checkSpec(deadline, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 170, 482]);
  });

  it("holds with 4 services and a later deadline", () => {
    const r = checkSpec(deadline, { params: { services: 4, deadline: 3, horizon: 5 } });
    expect([r.result, r.distinctStates]).toEqual(["ok", 354]);
  });

  it("fresh-timeouts: s2 starts at tick 3, after s1's deadline 2, in 5 steps", () => {
    const r = checkSpec(deadline, { variant: "fresh-timeouts" });
    expect([r.result, r.property]).toEqual(["violation", "noWorkStartsAfterCallerDeadline"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Tick", "Start(0)", "Tick", "Tick", "Start(1)"]);
    expect((r.trace?.at(-1)?.state as DeadlineState).calls.map((c) => [c.status, c.deadline])).toEqual([
      ["working", 2],
      ["working", 3],
      ["pending", 5],
    ]);
  });

  it("no-cancel-propagation: s1 starts after the client cancelled, in 2 steps", () => {
    const r = checkSpec(deadline, { variant: "no-cancel-propagation" });
    expect([r.result, r.property]).toEqual(["violation", "cancelledCallerCancelsChildren"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "ClientCancels", "Start(0)"]);
  });

  it("random search (seed 1) finds both broken variants", () => {
    for (const v of deadline.variants.filter((x) => x.violates !== undefined)) {
      const r = randomSearch(onlyProperty(deadline.instantiate({ variant: v.name }), v.violates!), {
        seed: 1,
        runs: 2000,
      });
      expect([v.name, r.result, violationOf(r)?.property]).toEqual([v.name, "violation", v.violates]);
    }
  });
});
