import { describe, expect, it } from "vitest";
import { bfs, checkSpec, violationOf } from "../../checker/index.js";
import { admit, bulkhead, emptyPool, release, type BulkheadState } from "../../specs/bulkhead.js";

const config = { limit: 2, queue: 1 };

describe("bulkhead: the pool's steps", () => {
  it("admits up to the limit, then queues up to the queue bound, then rejects", () => {
    const one = admit(emptyPool, "c1", config);
    expect(one).toEqual({ type: "admitted", pool: { active: 1, waiting: [] } });
    const two = admit(one.pool, "c2", config);
    expect(two).toEqual({ type: "admitted", pool: { active: 2, waiting: [] } });
    const three = admit(two.pool, "c3", config);
    expect(three).toEqual({ type: "queued", pool: { active: 2, waiting: ["c3"] } });
    expect(admit(three.pool, "c4", config)).toEqual({ type: "rejected", pool: three.pool });
    expect(admit(emptyPool, "c1", { limit: 0, queue: 0 })).toEqual({ type: "rejected", pool: emptyPool });
  });

  it("a freed slot goes to the first waiting caller; with nobody waiting it is returned", () => {
    expect(release({ active: 2, waiting: ["c3", "c4"] })).toEqual({
      pool: { active: 2, waiting: ["c4"] },
      promoted: "c3",
    });
    expect(release({ active: 2, waiting: [] })).toEqual({ pool: { active: 1, waiting: [] }, promoted: null });
  });
});

describe("bulkhead: the model", () => {
  it("holds at the defaults (4 callers, 2 slots and 1 queue place per pool, 6 calls, b hangs once): 3,063 states, BFS and DFS agree", () => {
    const r = checkSpec(bulkhead);
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 3063, 13779]);
    const dfs = checkSpec(bulkhead, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 3063, 13779]);
  });

  it("holds with one slot per pool and b hanging twice", () => {
    const r = checkSpec(bulkhead, { params: { limit: 1, hangs: 2 } });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 8860, 36449]);
  });

  it("with b hung, its slots and queue full, a call to a still runs, in 5 steps", () => {
    const isolated = (s: BulkheadState) =>
      s.hung &&
      s.pools.b!.active === 2 &&
      s.pools.b!.waiting.length === 1 &&
      Object.values(s.callers).some((c) => c.status === "running" && c.dep === "a");
    const r = bfs.search({
      ...bulkhead.instantiate(),
      properties: [{ name: "neverIsolated", kind: "invariant", check: (s: BulkheadState) => !isolated(s) }],
    });
    expect(violationOf(r)?.trace.map((s) => s.action)).toEqual([
      null,
      "Call(c1, a)",
      "Call(c2, b)",
      "Call(c3, b)",
      "Call(c4, b)",
      "Hang",
    ]);
  });

  it("shared-pool makes a call to b wait while a's calls hold every slot, in 3 steps", () => {
    const r = checkSpec(bulkhead, { variant: "shared-pool" });
    expect([r.result, r.property]).toEqual(["violation", "healthyDependencyNeverStarved"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Call(c1, a)", "Call(c2, a)", "Call(c3, b)"]);
    expect((r.trace?.at(-1)?.state as BulkheadState).callers.c3).toEqual({ status: "waiting", dep: "b" });
  });

  it("release-twice frees a timed-out call's slot twice and runs 3 calls to b, in 6 steps", () => {
    const r = checkSpec(bulkhead, { variant: "release-twice" });
    expect([r.result, r.property]).toEqual(["violation", "concurrencyWithinPoolLimit"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "Call(c1, b)",
      "Call(c2, b)",
      "Call(c3, b)",
      "Hang",
      "Timeout(c1)",
      "Call(c1, b)",
    ]);
    const afterTimeout = r.trace?.at(-2)?.state as BulkheadState;
    expect([afterTimeout.pools.b, afterTimeout.callers.c2, afterTimeout.callers.c3]).toEqual([
      { active: 1, waiting: [] },
      { status: "running", dep: "b" },
      { status: "running", dep: "b" },
    ]);
  });

  it("reject-when-slots-full rejects the third call to a with the queue empty, in 3 steps", () => {
    const r = checkSpec(bulkhead, { variant: "reject-when-slots-full" });
    expect([r.result, r.property]).toEqual(["violation", "rejectsOnlyWhenFull"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Call(c1, a)", "Call(c2, a)", "Call(c3, a)"]);
    expect((r.trace?.at(-1)?.state as BulkheadState).rejected).toEqual({ a: 1, b: 0 });
  });

  it("unbounded-queue lets a second call wait behind a full pool, in 4 steps", () => {
    const r = checkSpec(bulkhead, { variant: "unbounded-queue" });
    expect([r.result, r.property]).toEqual(["violation", "queueWithinLimit"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Call(c1, a)", "Call(c2, a)", "Call(c3, a)", "Call(c4, a)"]);
  });

  const broken = bulkhead.variants.filter((v) => v.violates !== undefined);

  it("has four broken variants, each caught by DFS too", () => {
    expect(broken.map((v) => v.name)).toEqual([
      "shared-pool",
      "release-twice",
      "reject-when-slots-full",
      "unbounded-queue",
    ]);
    for (const v of broken) {
      const r = checkSpec(bulkhead, { variant: v.name, strategy: "dfs" });
      expect([v.name, r.result, r.property]).toEqual([v.name, "violation", v.violates]);
    }
  });
});
