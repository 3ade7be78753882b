import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bfs, checkSpec, violationOf } from "../../checker/index.js";
import type { Model } from "../../src/index.js";
import {
  admitCall,
  breakerAt,
  circuitBreaker,
  closedBreaker,
  recordResult,
  type Breaker,
  type CircuitState,
} from "../../specs/circuit-breaker.js";
import { cli } from "../support/cli.js";

const config = { threshold: 2, cooldown: 2, probes: 1 };
const failure = { trial: false, outcome: "failure" } as const;
const success = { trial: false, outcome: "success" } as const;

describe("circuit-breaker: the breaker's steps", () => {
  it("counts consecutive failures while closed, resets on a success and trips on the threshold-th", () => {
    const once = recordResult(closedBreaker, failure, 3, config);
    expect(once).toEqual({ mode: "closed", failures: 1 });
    expect(recordResult(once, success, 3, config)).toEqual(closedBreaker);
    expect(recordResult(once, failure, 4, config)).toEqual({ mode: "open", openedAt: 4 });
  });

  it("admits every call while closed, none while open, and turns half-open when the cooldown is over", () => {
    const open: Breaker = { mode: "open", openedAt: 4 };
    expect(admitCall(closedBreaker, 0, config)).toEqual({ type: "admitted", breaker: closedBreaker, trial: false });
    expect(admitCall(open, 5, config)).toEqual({ type: "rejected", breaker: open });
    expect(breakerAt(open, 5, config)).toBe(open);
    expect(breakerAt(open, 6, config)).toEqual({ mode: "half-open", openedAt: 4, trials: 0 });
    expect(admitCall(open, 6, config)).toEqual({
      type: "admitted",
      breaker: { mode: "half-open", openedAt: 4, trials: 1 },
      trial: true,
    });
  });

  it("half-open admits `probes` trials and rejects the rest", () => {
    const halfOpen: Breaker = { mode: "half-open", openedAt: 0, trials: 0 };
    const first = admitCall(halfOpen, 2, { ...config, probes: 2 });
    expect(first).toEqual({ type: "admitted", breaker: { mode: "half-open", openedAt: 0, trials: 1 }, trial: true });
    const second = admitCall(first.breaker, 2, { ...config, probes: 2 });
    expect(second).toEqual({ type: "admitted", breaker: { mode: "half-open", openedAt: 0, trials: 2 }, trial: true });
    expect(admitCall(second.breaker, 9, { ...config, probes: 2 })).toEqual({
      type: "rejected",
      breaker: second.breaker,
    });
  });

  it("a trial's success closes the breaker, a trial's failure re-opens it from now; other answers are ignored unless closed", () => {
    const probing: Breaker = { mode: "half-open", openedAt: 0, trials: 1 };
    expect(recordResult(probing, { trial: true, outcome: "success" }, 3, config)).toEqual(closedBreaker);
    expect(recordResult(probing, { trial: true, outcome: "failure" }, 3, config)).toEqual({
      mode: "open",
      openedAt: 3,
    });
    expect(recordResult(probing, success, 3, config)).toBe(probing);
    expect(recordResult(probing, failure, 3, config)).toBe(probing);
    const open: Breaker = { mode: "open", openedAt: 1 };
    expect(recordResult(open, failure, 2, config)).toBe(open);
    expect(recordResult(open, success, 2, config)).toBe(open);
  });
});

/**
 * The shortest number of steps to a step `prev -> next` where `happens` holds (BFS, as a violation of its negation), or
 * null.
 */
function stepsTo(
  model: Model<CircuitState>,
  happens: (prev: CircuitState, next: CircuitState) => boolean,
): number | null {
  const r = bfs.search({
    ...model,
    properties: [
      { name: "neverHappens", kind: "action", check: (prev: CircuitState, next: CircuitState) => !happens(prev, next) },
    ],
  });
  return r.result === "violation" ? r.violation.trace.length - 1 : null;
}

describe("circuit-breaker: the model", () => {
  it("holds at the defaults (2 callers, threshold 2, cooldown 2, 1 probe, time 0..6, 6 calls): 1,182 states, BFS and DFS agree", () => {
    const r = checkSpec(circuitBreaker);
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 1182, 4001]);
    // The safety model has no recovery: the liveness property holds vacuously there, and the check says so.
    expect(r.warnings).toEqual(["action Recover was never enabled: is its guard always false?"]);
    const dfs = checkSpec(circuitBreaker, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 1182, 4001]);
  });

  it("holds with 3 callers and 2 probes", () => {
    const r = checkSpec(circuitBreaker, { params: { callers: 3, probes: 2 } });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 4039, 19010]);
  });

  it("the bounds reach every transition: trip, cooldown over, a failed trial re-opens, a successful trial closes", () => {
    const model = circuitBreaker.instantiate();
    const transition = (from: Breaker["mode"], to: Breaker["mode"]) => (prev: CircuitState, next: CircuitState) =>
      prev.breaker.mode === from && next.breaker.mode === to;
    expect(stepsTo(model, transition("closed", "open"))).toBe(4);
    expect(stepsTo(model, transition("open", "half-open"))).toBe(6);
    expect(stepsTo(model, transition("half-open", "open"))).toBe(8);
    expect(stepsTo(model, transition("half-open", "closed"))).toBe(8);
    expect(stepsTo(model, transition("open", "closed"))).toBe(null);
  });

  it("unlimited-half-open lets both callers through as trials after the cooldown, in 8 steps", () => {
    const r = checkSpec(circuitBreaker, { variant: "unlimited-half-open" });
    expect([r.result, r.property]).toEqual(["violation", "halfOpenAdmitsAtMostProbes"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "Call(c1)",
      "Call(c2)",
      "Fail(c1)",
      "Fail(c2)",
      "Tick",
      "Tick",
      "Call(c1)",
      "Call(c2)",
    ]);
    expect((r.trace?.at(-1)?.state as CircuitState).breaker).toEqual({ mode: "half-open", openedAt: 0, trials: 2 });
  });

  it("trip-above-threshold stays closed after 2 consecutive failures, in 4 steps", () => {
    const r = checkSpec(circuitBreaker, { variant: "trip-above-threshold" });
    expect([r.result, r.property]).toEqual(["violation", "opensAfterThresholdFailures"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Call(c1)", "Call(c2)", "Fail(c1)", "Fail(c2)"]);
    expect((r.trace?.at(-1)?.state as CircuitState).breaker).toEqual({ mode: "closed", failures: 2 });
  });

  it("no-failure-reset trips on failure, success, failure, in 6 steps", () => {
    const r = checkSpec(circuitBreaker, { variant: "no-failure-reset" });
    expect([r.result, r.property]).toEqual(["violation", "tripsOnlyOnConsecutiveFailures"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "Call(c1)",
      "Call(c2)",
      "Fail(c1)",
      "Call(c1)",
      "Succeed(c1)",
      "Fail(c2)",
    ]);
  });

  it("reopen-keeps-old-timer probes again at once after a failed trial, in 9 steps", () => {
    const r = checkSpec(circuitBreaker, { variant: "reopen-keeps-old-timer" });
    expect([r.result, r.property]).toEqual(["violation", "staysOpenForCooldown"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "Call(c1)",
      "Call(c2)",
      "Fail(c1)",
      "Fail(c2)",
      "Tick",
      "Tick",
      "Call(c1)",
      "Fail(c1)",
      "Call(c1)",
    ]);
    const reopened = r.trace?.at(-2)?.state as CircuitState;
    expect([reopened.now, reopened.breaker, reopened.trippedAt]).toEqual([2, { mode: "open", openedAt: 0 }, 2]);
  });

  it("check-then-call sends a call permitted while closed after the breaker tripped, in 8 steps", () => {
    const r = checkSpec(circuitBreaker, { variant: "check-then-call" });
    expect([r.result, r.property]).toEqual(["violation", "noCallReachesDownstreamWhileOpen"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "Call(c1)",
      "Call(c2)",
      "Send(c1)",
      "Fail(c1)",
      "Call(c1)",
      "Send(c1)",
      "Fail(c1)",
      "Send(c2)",
    ]);
  });

  const broken = circuitBreaker.variants.filter((v) => v.violates !== undefined);

  it("has six broken variants, each caught by DFS too", () => {
    expect(broken.map((v) => v.name)).toEqual([
      "unlimited-half-open",
      "trip-above-threshold",
      "no-failure-reset",
      "reopen-keeps-old-timer",
      "check-then-call",
      "reopen-on-success",
    ]);
    for (const v of broken) {
      const r = checkSpec(circuitBreaker, { variant: v.name, strategy: "dfs" });
      expect([v.name, r.result, r.property]).toEqual([v.name, "violation", v.violates]);
    }
  });
});

describe("circuit-breaker: liveness (eventuallyClosesAfterRecovery, --param liveness=true)", () => {
  const liveness = { liveness: true };

  it("holds under weak fairness of calls, answers and ticks: 116 states, BFS and DFS agree, no warning", () => {
    const r = checkSpec(circuitBreaker, { params: liveness });
    expect([r.result, r.property, r.distinctStates, r.generatedStates, r.warnings]).toEqual(["ok", null, 116, 423, []]);
    const dfs = checkSpec(circuitBreaker, { params: liveness, strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 116, 423]);
  });

  it("holds with 3 callers, threshold 3, cooldown 3 and 2 probes", () => {
    const r = checkSpec(circuitBreaker, { params: { ...liveness, callers: 3, threshold: 3, cooldown: 3, probes: 2 } });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 1272, 6577]);
  });

  it("is not vacuous: the service recovers while the breaker is open, and a trial then closes it: trip (4), Recover, 2 ticks, the trial and its success (9)", () => {
    const model = circuitBreaker.instantiate({ params: liveness });
    expect(stepsTo(model, (prev) => prev.recovered && prev.breaker.mode === "open")).toBe(6);
    expect(
      stepsTo(
        model,
        (prev, next) => prev.recovered && prev.breaker.mode === "half-open" && next.breaker.mode === "closed",
      ),
    ).toBe(9);
  });

  it("time is relative: a closed breaker has no clock, an open one counts ticks since it opened up to cooldown", () => {
    const model = circuitBreaker.instantiate({ params: liveness });
    const seen = { closed: new Set<number>(), open: new Set<number>(), "half-open": new Set<number>() };
    const r = bfs.search({
      ...model,
      properties: [
        {
          name: "record",
          kind: "invariant",
          check: (s: CircuitState) => (
            seen[s.breaker.mode].add(s.now),
            s.breaker.mode === "closed" || s.breaker.openedAt === 0
          ),
        },
      ],
    });
    expect(violationOf(r)).toBe(undefined);
    expect([[...seen.closed].sort(), [...seen.open].sort(), [...seen["half-open"]].sort()]).toEqual([[0], [0, 1], [2]]);
  });

  it("without a fair clock the breaker may stay open forever after recovery: a lasso that stays in its last state", () => {
    const model = circuitBreaker.instantiate({ params: liveness });
    const r = bfs.search({
      ...model,
      properties: model.properties.filter((p) => p.name === "eventuallyClosesAfterRecovery"),
      fairness: (label) => (label === "Tick" ? 0 : 1),
    });
    expect([violationOf(r)?.property, violationOf(r)?.loopStart]).toEqual(["eventuallyClosesAfterRecovery", 5]);
    expect(violationOf(r)?.trace.map((s) => s.action)).toEqual([
      null,
      "Call(c1)",
      "Call(c2)",
      "Fail(c1)",
      "Fail(c2)",
      "Recover",
    ]);
    expect((violationOf(r)?.trace.at(-1)?.state as CircuitState).breaker).toEqual({ mode: "open", openedAt: 0 });
  });

  it("the abstraction keeps the safety properties: every safety variant is still caught with liveness=true", () => {
    for (const v of circuitBreaker.variants.filter((x) => x.violates !== undefined && x.name !== "reopen-on-success")) {
      const r = checkSpec(circuitBreaker, { variant: v.name, params: liveness });
      expect([v.name, r.result, r.property]).toEqual([v.name, "violation", v.violates]);
    }
  });

  // The cycle lets each caller probe once: weak fairness is per caller, and a loop where c1 could call but never does
  // is not fair.
  it("reopen-on-success probes the recovered service every cooldown and never closes: 5 steps, then a fair cycle of 8", () => {
    const r = checkSpec(circuitBreaker, { variant: "reopen-on-success" });
    expect([r.result, r.property, r.propertyKind, r.loopStart, r.distinctStates, r.generatedStates]).toEqual([
      "violation",
      "eventuallyClosesAfterRecovery",
      "leadsTo",
      5,
      84,
      295,
    ]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "Call(c1)",
      "Call(c2)",
      "Fail(c1)",
      "Fail(c2)",
      "Recover",
      "Tick",
      "Tick",
      "Call(c2)",
      "Succeed(c2)",
      "Tick",
      "Tick",
      "Call(c1)",
      "Succeed(c1)",
    ]);
    expect(r.trace?.at(-1)?.state).toEqual(r.trace?.[5]?.state);
    expect(
      r.trace
        ?.slice(5)
        .every((s) => (s.state as CircuitState).recovered && (s.state as CircuitState).breaker.mode !== "closed"),
    ).toBe(true);
  });

  it("the CLI prints the lasso, and replay accepts its saved JSON trace (and rejects it against the correct breaker)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "interleave-circuit-breaker-"));
    const file = join(dir, "lasso.json");
    const check = await cli(
      "check",
      "circuit-breaker",
      "--variant",
      "reopen-on-success",
      "--trace-format",
      "json",
      "--out",
      file,
    );
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(
      'leadsTo "eventuallyClosesAfterRecovery" is violated by a fair behaviour: after 5 steps it repeats a cycle of 8 steps forever; 84 distinct states, 295 generated',
    );
    const replay = await cli("replay", file);
    expect([replay.code, replay.stdout]).toEqual([
      1,
      'VIOLATION: circuit-breaker --variant reopen-on-success (callers=2, threshold=2, cooldown=2, probes=1, horizon=6, calls=6, liveness=true): replaying the lasso (13 steps; it loops back from step 13 to step 5, fairly) reproduces leadsTo "eventuallyClosesAfterRecovery"\n',
    ]);
    const correct = await cli("replay", file, "--variant", "default");
    expect([correct.code, correct.stdout.split("\n")[0]]).toEqual([
      2,
      "DIVERGED: circuit-breaker (callers=2, threshold=2, cooldown=2, probes=1, horizon=6, calls=6, liveness=true): step 9 (Succeed(c2)) of the trace is not a step of the spec: the saved state is not the one the action leads to (spec → saved)",
    ]);
  });
});
