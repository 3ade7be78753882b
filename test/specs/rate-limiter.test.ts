import { describe, expect, it } from "vitest";
import { bfs, checkSpec } from "../../checker/index.js";
import { onlyProperty } from "../../src/index.js";
import { fullBucket, rateLimiter, refill, tryAcquire, windowBudget, type LimiterState } from "../../specs/rate-limiter.js";

const config = { capacity: 2, rate: 1 };

describe("rate-limiter: the bucket's steps", () => {
  it("refills `rate` tokens per elapsed tick, never beyond capacity, and not for past times", () => {
    expect(refill({ tokens: 0, refilledAt: 3 }, 4, config)).toEqual({ tokens: 1, refilledAt: 4 });
    expect(refill({ tokens: 0, refilledAt: 3 }, 9, config)).toEqual({ tokens: 2, refilledAt: 9 });
    expect(refill({ tokens: 1, refilledAt: 3 }, 5, { capacity: 5, rate: 2 })).toEqual({ tokens: 5, refilledAt: 5 });
    const bucket = { tokens: 0, refilledAt: 3 };
    expect(refill(bucket, 3, config)).toBe(bucket);
    expect(refill(bucket, 2, config)).toBe(bucket);
  });

  it("admits a burst of `capacity`, then rejects with the wait for the next token, then admits `rate` per tick", () => {
    const first = tryAcquire(fullBucket(config, 0), 0, config);
    expect(first).toEqual({ type: "admitted", bucket: { tokens: 1, refilledAt: 0 } });
    const second = tryAcquire(first.bucket, 0, config);
    expect(second).toEqual({ type: "admitted", bucket: { tokens: 0, refilledAt: 0 } });
    expect(tryAcquire(second.bucket, 0, config)).toEqual({ type: "rejected", bucket: { tokens: 0, refilledAt: 0 }, retryAfter: 1 });
    expect(tryAcquire(second.bucket, 1, config)).toEqual({ type: "admitted", bucket: { tokens: 0, refilledAt: 1 } });
    expect(tryAcquire({ tokens: 0, refilledAt: 0 }, 0, { capacity: 2, rate: 2 })).toMatchObject({ type: "rejected", retryAfter: 1 });
  });

  it("budgets capacity + rate*(w-1) per window of w ticks", () => {
    expect([1, 2, 3, 6].map((w) => windowBudget(w, config))).toEqual([2, 3, 4, 7]);
    expect(windowBudget(3, { capacity: 3, rate: 2 })).toBe(7);
  });
});

describe("rate-limiter: the model", () => {
  it("holds at the defaults (capacity 2, rate 1, time 0..5, 8 requests): 2,223 states, BFS and DFS agree", () => {
    const r = checkSpec(rateLimiter);
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 2223, 3965]);
    const dfs = checkSpec(rateLimiter, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 2223, 3965]);
  });

  it("holds with capacity 3 and rate 2", () => {
    const r = checkSpec(rateLimiter, { params: { capacity: 3, rate: 2 } });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 4574, 7472]);
  });

  it("the budget is tight: for every window length up to the whole run, some run admits exactly the budget", () => {
    const model = rateLimiter.instantiate();
    const reachesBudget = (w: number) => (s: LimiterState) => {
      for (let from = 0; from + w - 1 <= s.now; from++) {
        if (s.admitted.slice(from, from + w).reduce((a, b) => a + b, 0) === windowBudget(w, config)) return true;
      }
      return false;
    };
    const steps = [1, 2, 3, 4, 5, 6].map((w) => {
      const r = bfs.search({ ...model, properties: [{ name: "belowBudget", kind: "invariant", check: (s: LimiterState) => !reachesBudget(w)(s) }] });
      return r.violation === undefined ? null : r.violation.trace.length - 1;
    });
    // w - 1 ticks, 2 requests for the burst and one per tick after it.
    expect(steps).toEqual([2, 4, 6, 8, 10, 12]);
  });

  it("refill-without-cap holds 3 tokens after 2 idle ticks, in 3 steps", () => {
    const r = checkSpec(rateLimiter, { variant: "refill-without-cap" });
    expect([r.result, r.property]).toEqual(["violation", "tokensNeverExceedCapacity"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Tick", "Tick", "Request"]);
    expect((r.trace?.at(-1)?.state as LimiterState).bucket).toEqual({ tokens: 3, refilledAt: 2 });
  });

  it("refill-without-cap then admits a burst over the budget: 3 requests in one tick, in 4 steps", () => {
    const r = bfs.search(onlyProperty(rateLimiter.instantiate({ variant: "refill-without-cap" }), "admittedWithinBudget"));
    expect([r.result, r.violation?.property]).toEqual(["violation", "admittedWithinBudget"]);
    expect(r.violation?.trace.map((s) => s.action)).toEqual([null, "Tick", "Request", "Request", "Request"]);
    expect((r.violation?.trace.at(-1)?.state as LimiterState).admitted).toEqual([0, 3]);
  });

  it("refill-on-every-request admits 3 requests in one tick, in 4 steps", () => {
    const r = checkSpec(rateLimiter, { variant: "refill-on-every-request" });
    expect([r.result, r.property]).toEqual(["violation", "admittedWithinBudget"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Tick", "Request", "Request", "Request"]);
    expect((r.trace?.at(-1)?.state as LimiterState).bucket).toEqual({ tokens: 1, refilledAt: 0 });
  });

  it("rejected-requests-spend-tokens rejects a request the budget allows after a throttled retry, in 5 steps", () => {
    const r = checkSpec(rateLimiter, { variant: "rejected-requests-spend-tokens" });
    expect([r.result, r.property]).toEqual(["violation", "rejectsOnlyOverBudget"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Request", "Request", "Request", "Tick", "Request"]);
    expect((r.trace?.at(-1)?.state as LimiterState).bucket).toEqual({ tokens: -1, refilledAt: 1 });
  });

  const broken = rateLimiter.variants.filter((v) => v.violates !== undefined);

  it("has three broken variants, each caught by DFS too", () => {
    expect(broken.map((v) => v.name)).toEqual(["refill-without-cap", "refill-on-every-request", "rejected-requests-spend-tokens"]);
    for (const v of broken) {
      const r = checkSpec(rateLimiter, { variant: v.name, strategy: "dfs" });
      expect([v.name, r.result, r.property]).toEqual([v.name, "violation", v.violates]);
    }
  });

});
