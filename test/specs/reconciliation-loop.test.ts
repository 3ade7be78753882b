import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import { edgeTriggeredTarget, reconcile, reconciliationLoop } from "../../specs/reconciliation-loop.js";

describe("reconciliation-loop: reconcile", () => {
  it("takes one step toward the desired count and requeues until it gets there", () => {
    expect(reconcile(3, 1)).toEqual({ actual: 2, requeue: true });
    expect(reconcile(0, 1)).toEqual({ actual: 0, requeue: false });
    expect(reconcile(2, 2)).toEqual({ actual: 2, requeue: false });
  });

  it("converges from any actual count in |desired - actual| reconciles", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }), (desired, start) => {
        let actual = start;
        let steps = 0;
        for (let requeue = actual !== desired; requeue; steps++) ({ actual, requeue } = reconcile(desired, actual));
        return actual === desired && steps === Math.abs(desired - start);
      }),
    );
  });

  it("an edge-triggered target follows edits and ignores syncs", () => {
    expect(edgeTriggeredTarget(0, { type: "Modified", from: 0, to: 2 })).toBe(2);
    expect(edgeTriggeredTarget(1, { type: "Sync", desired: 2 })).toBe(1);
  });
});

describe("reconciliation-loop: the model", () => {
  it("holds at the defaults (0..2 replicas, 2 edits, 1 missed and 1 duplicated event): 375 states, BFS and DFS agree", () => {
    const bfs = checkSpec(reconciliationLoop);
    expect([bfs.result, bfs.distinctStates, bfs.generatedStates, bfs.maxDepth]).toEqual(["ok", 375, 759, 10]);
    const dfs = checkSpec(reconciliationLoop, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 375, 759]);
  });

  it("holds with 3 replicas, 3 edits, 2 missed and 2 duplicated events: 20,599 states", () => {
    const r = checkSpec(reconciliationLoop, { params: { replicas: 3, changes: 3, misses: 2, duplicates: 2 } });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 20599, 62059]);
  });

  it("edge-triggered converges to a stale edit after a missed event, in 7 steps", () => {
    const r = checkSpec(reconciliationLoop, { variant: "edge-triggered" });
    expect([r.result, r.property]).toEqual(["violation", "convergesToDesired"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "Edit(1)",
      "Edit(0)",
      "Deliver",
      "MissEvent",
      "Relist",
      "Deliver",
      "Reconcile",
    ]);
    expect(r.trace?.at(-1)?.state).toMatchObject({ desired: 0, actual: 1, lastSeen: 1 });
  });

  it("no-requeue leaves an edit of two replicas half done, in 5 steps", () => {
    const r = checkSpec(reconciliationLoop, { variant: "no-requeue" });
    expect([r.result, r.property]).toEqual(["violation", "convergesToDesired"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Edit(1)", "Edit(2)", "Deliver", "Deliver", "Reconcile"]);
  });

  it("random search finds both broken variants", () => {
    for (const variant of ["edge-triggered", "no-requeue"]) {
      const r = checkSpec(reconciliationLoop, { variant, strategy: "random", seed: 1 });
      expect([variant, r.result, r.property]).toEqual([variant, "violation", "convergesToDesired"]);
    }
  });
});
