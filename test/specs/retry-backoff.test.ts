import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import {
  acknowledge,
  backoffDelay,
  handleRequest,
  idleOperation,
  jitterChoices,
  nextStep,
  retryBackoff,
  sentAttempt,
  type RetryState,
} from "../../specs/retry-backoff.js";

const config = { base: 1, cap: 2, maxAttempts: 3 };

describe("retry-backoff: the client's and the server's steps", () => {
  it("doubles the backoff from base with every attempt, up to the cap", () => {
    expect([1, 2, 3, 4, 5].map((k) => backoffDelay(k, { base: 1, cap: 4, maxAttempts: 5 }))).toEqual([1, 2, 4, 4, 4]);
    expect([1, 2, 3].map((k) => backoffDelay(k, { base: 3, cap: 10, maxAttempts: 3 }))).toEqual([3, 6, 10]);
    expect(jitterChoices(1, config)).toEqual([0, 1]);
    expect(jitterChoices(3, config)).toEqual([0, 1, 2]);
  });

  it("sends the first attempt, waits out backoff plus jitter, retries, then gives up when the budget is spent", () => {
    expect(nextStep(idleOperation, 7, config)).toEqual({ type: "send", attempt: 1 });
    const first = sentAttempt(1, 0, 1, config);
    expect(first).toEqual({ status: "waiting", attempt: 1, retryAt: 2 });
    expect(nextStep(first, 1, config)).toEqual({ type: "wait", until: 2 });
    expect(nextStep(first, 2, config)).toEqual({ type: "send", attempt: 2 });
    const last = sentAttempt(3, 5, 0, config);
    expect(last).toEqual({ status: "waiting", attempt: 3, retryAt: 7 });
    expect(nextStep(last, 6, config)).toEqual({ type: "wait", until: 7 });
    expect(nextStep(last, 7, config)).toEqual({ type: "give-up" });
  });

  it("an answer resolves a waiting operation; a late answer changes nothing", () => {
    const acked = acknowledge(sentAttempt(2, 3, 0, config));
    expect(acked).toEqual({ status: "acknowledged", attempt: 2 });
    expect(nextStep(acked, 9, config)).toEqual({ type: "resolved" });
    const gaveUp = { status: "gave-up", attempt: 3 } as const;
    expect(acknowledge(gaveUp)).toBe(gaveUp);
    expect(nextStep(gaveUp, 9, config)).toEqual({ type: "resolved" });
  });

  it("the server applies a key once and answers repeats without applying them", () => {
    const first = handleRequest({ applied: [] }, "o2");
    expect(first).toEqual({ applied: true, server: { applied: ["o2"] } });
    expect(handleRequest(first.server, "o2")).toEqual({ applied: false, server: first.server });
    expect(handleRequest(first.server, "o1")).toEqual({ applied: true, server: { applied: ["o1", "o2"] } });
  });
});

describe("retry-backoff: the model", () => {
  it("holds at the defaults (1 operation, 4 attempts, base 1, cap 2, 1 loss): 6,058 states, BFS and DFS agree", () => {
    const bfs = checkSpec(retryBackoff);
    expect([bfs.result, bfs.distinctStates, bfs.generatedStates]).toEqual(["ok", 6058, 15777]);
    const dfs = checkSpec(retryBackoff, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 6058, 15777]);
  });

  it("holds with 3 attempts and 2 losses: 1,726 states", () => {
    const r = checkSpec(retryBackoff, { params: { maxAttempts: 3, loss: 2 } });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 1726, 4533]);
  });

  it("no-idempotency-key applies a retry of a slow request a second time, in 5 steps", () => {
    const r = checkSpec(retryBackoff, { variant: "no-idempotency-key" });
    expect([r.result, r.property]).toEqual(["violation", "appliedAtMostOnce"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "Send(o1, jitter 0)",
      "DeliverRequest(o1)",
      "Tick",
      "Send(o1, jitter 0)",
      "DeliverRequest(o1)",
    ]);
    expect((r.trace?.at(-1)?.state as RetryState).applications).toEqual({ o1: 2 });
  });

  it("no-backoff retries at once, in 2 steps", () => {
    const r = checkSpec(retryBackoff, { variant: "no-backoff" });
    expect([r.result, r.property]).toEqual(["violation", "retriesWaitForBackoff"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Send(o1, jitter 0)", "Send(o1, jitter 0)"]);
  });

  it("fixed-delay sends the third attempt 1 tick after the second instead of 2, in 5 steps", () => {
    const r = checkSpec(retryBackoff, { variant: "fixed-delay" });
    expect([r.result, r.property]).toEqual(["violation", "retriesWaitForBackoff"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "Send(o1, jitter 0)",
      "Tick",
      "Send(o1, jitter 0)",
      "Tick",
      "Send(o1, jitter 0)",
    ]);
    expect((r.trace?.at(-1)?.state as RetryState).sends).toEqual({ o1: [0, 1, 2] });
  });

  it("unbounded-retries sends a fifth time after the capped waits 1, 2, 2, 2, in 12 steps", () => {
    const r = checkSpec(retryBackoff, { variant: "unbounded-retries" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "attemptsWithinBudget", 12]);
    expect((r.trace?.at(-1)?.state as RetryState).sends).toEqual({ o1: [0, 1, 3, 5, 7] });
  });

  const broken = retryBackoff.variants.filter((v) => v.violates !== undefined);

  it("has four broken variants, each caught by DFS too", () => {
    expect(broken.map((v) => v.name)).toEqual(["no-idempotency-key", "no-backoff", "fixed-delay", "unbounded-retries"]);
    for (const v of broken) {
      const r = checkSpec(retryBackoff, { variant: v.name, strategy: "dfs" });
      expect([v.name, r.result, r.property]).toEqual([v.name, "violation", v.violates]);
    }
  });

  it("everyOperationResolved rejects an acknowledged operation applied twice and a give-up before the budget", () => {
    const model = retryBackoff.instantiate({ params: { maxAttempts: 2 } });
    const prop = model.properties.find((p) => p.name === "everyOperationResolved");
    if (prop?.kind !== "final") throw new Error("missing property");
    const [init] = model.initStates();
    const acked = { ...init!, ops: { o1: { status: "acknowledged", attempt: 2 } }, sends: { o1: [0, 1] } } as const;
    expect(prop.check({ ...acked, applications: { o1: 1 } })).toBe(true);
    expect(prop.check({ ...acked, applications: { o1: 2 } })).toBe(false);
    const gaveUp = { ...init!, ops: { o1: { status: "gave-up", attempt: 2 } } } as const;
    expect(prop.check({ ...gaveUp, sends: { o1: [0, 1] } })).toBe(true);
    expect(prop.check({ ...gaveUp, sends: { o1: [0] } })).toBe(false);
  });
});
