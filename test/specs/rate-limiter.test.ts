import { describe, expect, it } from "vitest";
import { bfs, checkSpec, randomSearch, violationOf } from "../../checker/index.js";
import { onlyProperty } from "../../src/index.js";
import {
  counterAcquire,
  counterAt,
  emptyCounter,
  fullBucket,
  logAcquire,
  rateLimiter,
  refill,
  slidingWindowBudget,
  tryAcquire,
  windowBudget,
  type LimiterState,
} from "../../specs/rate-limiter.js";

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
    expect(tryAcquire(second.bucket, 0, config)).toEqual({
      type: "rejected",
      bucket: { tokens: 0, refilledAt: 0 },
      retryAfter: 1,
    });
    expect(tryAcquire(second.bucket, 1, config)).toEqual({ type: "admitted", bucket: { tokens: 0, refilledAt: 1 } });
    expect(tryAcquire({ tokens: 0, refilledAt: 0 }, 0, { capacity: 2, rate: 2 })).toMatchObject({
      type: "rejected",
      retryAfter: 1,
    });
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
      const r = bfs.search({
        ...model,
        properties: [{ name: "belowBudget", kind: "invariant", check: (s: LimiterState) => !reachesBudget(w)(s) }],
      });
      return r.result === "violation" ? r.violation.trace.length - 1 : null;
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
    const r = bfs.search(
      onlyProperty(rateLimiter.instantiate({ variant: "refill-without-cap" }), "admittedWithinBudget"),
    );
    expect([r.result, violationOf(r)?.property]).toEqual(["violation", "admittedWithinBudget"]);
    expect(violationOf(r)?.trace.map((s) => s.action)).toEqual([null, "Tick", "Request", "Request", "Request"]);
    expect((violationOf(r)?.trace.at(-1)?.state as LimiterState).admitted).toEqual([0, 3]);
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

  it("has four broken variants, each caught by DFS too", () => {
    expect(broken.map((v) => v.name)).toEqual([
      "refill-without-cap",
      "refill-on-every-request",
      "rejected-requests-spend-tokens",
      "fixed-window",
    ]);
    for (const v of broken) {
      const r = checkSpec(rateLimiter, { variant: v.name, strategy: "dfs" });
      expect([v.name, r.result, r.property]).toEqual([v.name, "violation", v.violates]);
    }
  });

  it("random search (seed 1) finds every broken variant's property", () => {
    const found = broken.map((v) => {
      const r = randomSearch(onlyProperty(rateLimiter.instantiate({ variant: v.name }), v.violates!), {
        seed: 1,
        runs: 2000,
      });
      return [v.name, r.result, violationOf(r)?.property];
    });
    expect(found).toEqual(broken.map((v) => [v.name, "violation", v.violates]));
  });
});

const windows = { limit: 2, window: 3 };

describe("rate-limiter: the sliding windows' steps", () => {
  it("the log forgets admissions older than the window and admits while fewer than `limit` remain", () => {
    expect(logAcquire([], 0, windows)).toEqual({ type: "admitted", memory: [0] });
    expect(logAcquire([0, 1], 2, windows)).toEqual({ type: "rejected", memory: [0, 1] });
    expect(logAcquire([0, 1], 3, windows)).toEqual({ type: "admitted", memory: [1, 3] });
    expect(logAcquire([0, 0], 5, windows)).toEqual({ type: "admitted", memory: [5] });
  });

  it("the counter rolls into the next fixed window, and forgets both counts after a whole idle window", () => {
    const c = { start: 0, current: 2, previous: 1 };
    expect(counterAt(c, 2, windows)).toBe(c);
    expect(counterAt(c, 4, windows)).toEqual({ start: 3, current: 0, previous: 2 });
    expect(counterAt(c, 6, windows)).toEqual({ start: 6, current: 0, previous: 0 });
  });

  it("the counter weighs the previous window by the share the sliding window still covers", () => {
    const full = { start: 0, current: 2, previous: 0 };
    // At tick 3 the previous window counts whole: 2 >= 2.
    expect(counterAcquire(full, 3, windows)).toEqual({
      type: "rejected",
      memory: { start: 3, current: 0, previous: 2 },
    });
    // At tick 4, 2 * 2/3 = 1.33 < 2; at tick 5 with one admitted, 2 * 1/3 + 1 = 1.67 < 2, then 2.67 >= 2.
    const first = counterAcquire(full, 4, windows);
    expect(first).toEqual({ type: "admitted", memory: { start: 3, current: 1, previous: 2 } });
    const second = counterAcquire(first.memory, 5, windows);
    expect(second).toEqual({ type: "admitted", memory: { start: 3, current: 2, previous: 2 } });
    expect(counterAcquire(second.memory, 5, windows).type).toBe("rejected");
    expect(counterAcquire(emptyCounter, 0, { limit: 1, window: 1 })).toEqual({
      type: "admitted",
      memory: { start: 0, current: 1, previous: 0 },
    });
  });

  it("budgets `limit` per window for the log, and limit + ceil(limit*(w-2)/window) for the counter", () => {
    expect([1, 2, 3].map((w) => slidingWindowBudget("sliding-window-log", w, windows))).toEqual([2, 2, 2]);
    expect([1, 2, 3].map((w) => slidingWindowBudget("sliding-window-counter", w, windows))).toEqual([2, 2, 3]);
    expect([1, 2, 3, 4].map((w) => slidingWindowBudget("sliding-window-counter", w, { limit: 3, window: 4 }))).toEqual([
      3, 3, 4, 5,
    ]);
  });
});

describe("rate-limiter: the sliding-window models", () => {
  it("the sliding-window log holds at the defaults (limit 2 per 3 ticks, time 0..5, 8 requests): 764 states, BFS and DFS agree", () => {
    const params = { algorithm: "sliding-window-log" };
    const r = checkSpec(rateLimiter, { params });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 764, 1411]);
    const dfs = checkSpec(rateLimiter, { params, strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 764, 1411]);
  });

  it("the sliding-window counter holds: 767 states, BFS and DFS agree", () => {
    const params = { algorithm: "sliding-window-counter" };
    const r = checkSpec(rateLimiter, { params });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 767, 1419]);
    const dfs = checkSpec(rateLimiter, { params, strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 767, 1419]);
  });

  /** Steps to the shortest run that admits exactly the budget in some window of `w` ticks, or null. */
  function stepsToBudget(algorithm: "sliding-window-log" | "sliding-window-counter", w: number): number | null {
    const model = rateLimiter.instantiate({ params: { algorithm } });
    const budget = slidingWindowBudget(algorithm, w, windows);
    const reaches = (s: LimiterState) => {
      for (let from = 0; from + w - 1 <= s.now; from++)
        if (s.admitted.slice(from, from + w).reduce((a, b) => a + b, 0) === budget) return true;
      return false;
    };
    const r = bfs.search({
      ...model,
      properties: [{ name: "belowBudget", kind: "invariant", check: (s: LimiterState) => !reaches(s) }],
    });
    return r.result === "violation" ? r.violation.trace.length - 1 : null;
  }

  it("both bounds are tight: some run admits exactly the budget in a window of each length up to `window`", () => {
    expect([1, 2, 3].map((w) => stepsToBudget("sliding-window-log", w))).toEqual([2, 3, 4]);
    // A window of w ticks needs w - 1 ticks; the counter's 3 in 3 ticks: 2 on the last tick of window 0, one more two
    // ticks later.
    expect([1, 2, 3].map((w) => stepsToBudget("sliding-window-counter", w))).toEqual([2, 3, 7]);
  });

  it("the counter is stricter than the log at times: two admitted at tick 0 block tick 3, which the log admits", () => {
    expect(counterAcquire({ start: 0, current: 2, previous: 0 }, 3, windows).type).toBe("rejected");
    expect(logAcquire([0, 0], 3, windows).type).toBe("admitted");
  });

  it("fixed-window admits 3 requests in 2 ticks across a window boundary, in 6 steps", () => {
    const r = checkSpec(rateLimiter, { variant: "fixed-window" });
    expect([r.result, r.property]).toEqual(["violation", "admittedWithinBudget"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Tick", "Tick", "Request", "Request", "Tick", "Request"]);
    expect((r.trace?.at(-1)?.state as LimiterState).admitted).toEqual([0, 0, 2, 1]);
  });

  it("fixed-window keeps each fixed window within the limit while admitting twice the limit in two ticks", () => {
    const model = rateLimiter.instantiate({ variant: "fixed-window" });
    expect(bfs.search(onlyProperty(model, "fixedWindowsWithinLimit")).result).toBe("ok");
    const twice = bfs.search({
      ...model,
      properties: [
        {
          name: "belowTwiceLimit",
          kind: "invariant",
          check: (s: LimiterState) => !s.admitted.some((n, t) => n + (s.admitted[t + 1] ?? 0) >= 4),
        },
      ],
    });
    expect(violationOf(twice)?.trace.map((s) => s.action)).toEqual([
      null,
      "Tick",
      "Tick",
      "Request",
      "Request",
      "Tick",
      "Request",
      "Request",
    ]);
  });
});
