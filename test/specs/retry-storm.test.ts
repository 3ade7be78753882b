import { describe, expect, it } from "vitest";
import { bfs, checkSpec } from "../../checker/index.js";
import { loadBound, onFailure, refillBudget, retryStorm, type StormState } from "../../specs/retry-storm.js";

const policy = { attempts: 3, backoff: 1, budgeted: true };

describe("retry-storm: a layer's decisions", () => {
  it("retries after an exponential backoff while attempts and tokens last", () => {
    expect(onFailure(1, 0, { tokens: 1 }, policy)).toEqual({ type: "retry", at: 1, budget: { tokens: 0 } });
    expect(onFailure(2, 5, { tokens: 2 }, policy)).toEqual({ type: "retry", at: 7, budget: { tokens: 1 } });
    expect(onFailure(1, 0, { tokens: 0 }, policy)).toEqual({ type: "giveUp", budget: { tokens: 0 } });
    expect(onFailure(3, 0, { tokens: 5 }, policy)).toEqual({ type: "giveUp", budget: { tokens: 5 } });
    expect(onFailure(1, 4, { tokens: 0 }, { attempts: 3, backoff: 0, budgeted: false })).toEqual({
      type: "retry",
      at: 4,
      budget: { tokens: 0 },
    });
  });

  it("refills one token every refillTicks ticks, up to capacity", () => {
    const config = { capacity: 2, refillTicks: 2 };
    expect([1, 2, 3, 4].map((now) => refillBudget({ tokens: 0 }, now, config).tokens)).toEqual([0, 1, 0, 1]);
    expect(refillBudget({ tokens: 2 }, 2, config)).toEqual({ tokens: 2 });
  });

  it("bounds the deepest load by requests plus each layer's budget over the run", () => {
    const p = { layers: 2, requests: 2, attempts: 3, backoff: 1, capacity: 1, refillTicks: 2, horizon: 4 };
    expect(loadBound(p)).toBe(8);
    expect(loadBound({ ...p, layers: 3, horizon: 5 })).toBe(11);
  });
});

describe("retry-storm: the model", () => {
  it("holds at the defaults (2 layers, 2 requests, 3 attempts, budget 1 + 1 per 2 ticks, time 0..4): 2,553 states, BFS and DFS agree", () => {
    const r = checkSpec(retryStorm);
    expect([r.result, r.distinctStates, r.generatedStates, r.maxDepth]).toEqual(["ok", 2553, 4590, 16]);
    const dfs = checkSpec(retryStorm, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 2553, 4590]);
  });

  it("with budgets the deepest service sees at most 6 calls (reached in 15 steps), within the bound of 8: tokens refilled late cannot all be spent before the horizon", () => {
    const model = retryStorm.instantiate();
    const reached = (n: number) => {
      const r = bfs.search({
        ...model,
        properties: [{ name: "below", kind: "invariant", check: (s: StormState) => s.deepestLoad < n }],
      });
      return r.result === "violation" ? r.violation.trace.length - 1 : null;
    };
    expect([6, 7, 8, 9].map(reached)).toEqual([15, null, null, null]);
  });

  it("unbounded-retries turns one request into 3^2 = 9 calls on the deepest service, in 13 steps", () => {
    const r = checkSpec(retryStorm, { variant: "unbounded-retries" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "deepestLoadWithinBound", 13]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Request", ...Array.from({ length: 12 }, () => "Attempt(0)")]);
    expect((r.trace?.at(-1)?.state as StormState).deepestLoad).toBe(9);
  });

  it("random search finds unbounded-retries", () => {
    const r = checkSpec(retryStorm, { variant: "unbounded-retries", strategy: "random", seed: 1 });
    expect([r.result, r.property]).toEqual(["violation", "deepestLoadWithinBound"]);
  });
});
