import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import {
  initialBalancer,
  initialHealth,
  leastConnectionsPick,
  loadBalancer,
  markedHealthy,
  recordHealthCheck,
  requestFinished,
  roundRobinPick,
  routeRequest,
  type HealthStatus,
  type LoadBalancerState,
} from "../../specs/load-balancer.js";

const thresholds = { unhealthyAfter: 2, healthyAfter: 3 };

function afterChecks(results: readonly boolean[], from: HealthStatus = initialHealth): HealthStatus {
  return results.reduce((status, passed) => recordHealthCheck(status, passed, thresholds), from);
}

describe("the health checker", () => {
  it("marks a backend unhealthy after unhealthyAfter consecutive failures, not after one", () => {
    expect(afterChecks([false])).toEqual({ healthy: true, streak: 1 });
    expect(afterChecks([false, true, false])).toEqual({ healthy: true, streak: 1 });
    expect(afterChecks([false, false])).toEqual({ healthy: false, streak: 0 });
  });

  it("marks it healthy again after healthyAfter consecutive passes", () => {
    const down = afterChecks([false, false]);
    expect(afterChecks([true, true], down)).toEqual({ healthy: false, streak: 2 });
    expect(afterChecks([true, true, false, true], down)).toEqual({ healthy: false, streak: 1 });
    expect(afterChecks([true, true, true], down)).toEqual({ healthy: true, streak: 0 });
  });

  it("a result that agrees with the mark leaves a clean status as it is", () => {
    expect(recordHealthCheck(initialHealth, true, thresholds)).toBe(initialHealth);
  });
});

describe("the balancer", () => {
  const all = ["b1", "b2", "b3"];

  it("round robin takes the first healthy backend from the cursor, wrapping, and moves the cursor past it", () => {
    expect(roundRobinPick(0, all, all)).toEqual({ backend: "b1", cursor: 1 });
    expect(roundRobinPick(1, all, ["b1", "b3"])).toEqual({ backend: "b3", cursor: 0 });
    expect(roundRobinPick(2, all, ["b1"])).toEqual({ backend: "b1", cursor: 1 });
    expect(roundRobinPick(0, all, [])).toBeUndefined();
  });

  it("round robin gives every backend of a stable healthy set its turn: counts differ by at most one", () => {
    fc.assert(
      fc.property(fc.subarray(all, { minLength: 1 }), fc.nat({ max: 2 }), fc.nat({ max: 12 }), (healthy, start, requests) => {
        const counts: Record<string, number> = {};
        let cursor = start;
        for (let k = 0; k < requests; k++) {
          const pick = roundRobinPick(cursor, all, healthy)!;
          counts[pick.backend] = (counts[pick.backend] ?? 0) + 1;
          cursor = pick.cursor;
        }
        const n = healthy.map((b) => counts[b] ?? 0);
        expect(Object.keys(counts).every((b) => healthy.includes(b))).toBe(true);
        expect(Math.max(...n) - Math.min(...n)).toBeLessThanOrEqual(1);
      }),
      { seed: 1 },
    );
  });

  it("least connections takes the healthy backend with the fewest open connections, the first on a tie", () => {
    expect(leastConnectionsPick({ b1: 2, b2: 1, b3: 1 }, all, all)).toBe("b2");
    expect(leastConnectionsPick({ b1: 2, b2: 1, b3: 1 }, all, ["b1", "b3"])).toBe("b3");
    expect(leastConnectionsPick({ b1: 0, b2: 0, b3: 0 }, all, ["b1"])).toBe("b1");
    expect(leastConnectionsPick({ b1: 0 }, all, [])).toBeUndefined();
  });

  it("routes and counts the connection, rejects when no backend is marked healthy, and closes connections", () => {
    const b = initialBalancer(all);
    expect(routeRequest(b, all, ["b2", "b3"], "round-robin")).toEqual({ type: "routed", backend: "b2", balancer: { cursor: 2, active: { b1: 0, b2: 1, b3: 0 } } });
    const busy = { cursor: 1, active: { b1: 0, b2: 3, b3: 1 } };
    expect(routeRequest(busy, all, ["b2", "b3"], "least-connections")).toEqual({ type: "routed", backend: "b3", balancer: { cursor: 1, active: { b1: 0, b2: 3, b3: 2 } } });
    expect(routeRequest(b, all, [], "least-connections")).toEqual({ type: "rejected" });
    expect(requestFinished(busy, "b2")).toEqual({ cursor: 1, active: { b1: 0, b2: 2, b3: 1 } });
    expect(requestFinished(busy, "b1")).toEqual(busy);
  });

  it("lists the backends marked healthy in configuration order", () => {
    expect(markedHealthy({ b3: initialHealth, b1: initialHealth, b2: { healthy: false, streak: 1 } }, all)).toEqual(["b1", "b3"]);
  });
});

describe("load-balancer: the model", () => {
  it("holds under round robin at the defaults (3 backends, 4 requests, 4 check rounds, 1 crash, thresholds 2 and 2): 4,274 states, BFS and DFS agree", () => {
    const bfsReport = checkSpec(loadBalancer);
    expect([bfsReport.result, bfsReport.distinctStates, bfsReport.generatedStates, bfsReport.maxDepth]).toEqual(["ok", 4274, 12440, 14]);
    const dfs = checkSpec(loadBalancer, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 4274, 12440]);
  });

  it("holds under least connections: 2,388 states, BFS and DFS agree", () => {
    const params = { policy: "least-connections" };
    const bfsReport = checkSpec(loadBalancer, { params });
    expect([bfsReport.result, bfsReport.distinctStates, bfsReport.generatedStates]).toEqual(["ok", 2388, 7790]);
    const dfs = checkSpec(loadBalancer, { params, strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 2388, 7790]);
  });

  it("ignore-health routes to a crashed backend the checker has marked unhealthy, in 4 steps", () => {
    const r = checkSpec(loadBalancer, { variant: "ignore-health" });
    expect([r.result, r.property]).toEqual(["violation", "neverRoutesToBackendMarkedUnhealthy"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Crash(b1)", "Tick", "Tick", "Arrive"]);
    const last = r.trace?.at(-1)?.state as LoadBalancerState;
    expect([last.health["b1"]?.healthy, last.lastArrival]).toEqual([false, { type: "routed", backend: "b1" }]);
  });

  it("stale-least-connections sends a request to a busy backend while another is idle, in 5 steps", () => {
    const r = checkSpec(loadBalancer, { variant: "stale-least-connections" });
    expect([r.result, r.property]).toEqual(["violation", "leastConnectionsPicksAMinimum"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Arrive", "Arrive", "Arrive", "Complete(b2)", "Arrive"]);
    const last = r.trace?.at(-1)?.state as LoadBalancerState;
    expect([last.lastArrival, last.backends["b1"]?.inFlight, last.backends["b2"]?.inFlight, last.balancer.active]).toEqual([
      { type: "routed", backend: "b1" },
      2,
      0,
      { b1: 2, b2: 1, b3: 1 },
    ]);
  });

  it("unchecked-cursor routes to undefined once the healthy list shrinks under the cursor, in 6 steps", () => {
    const r = checkSpec(loadBalancer, { variant: "unchecked-cursor" });
    expect([r.result, r.property]).toEqual(["violation", "routesOnlyToBackendsThatExist"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Arrive", "Arrive", "Crash(b1)", "Tick", "Tick", "Arrive"]);
    expect((r.trace?.at(-1)?.state as LoadBalancerState).lastArrival).toEqual({ type: "routed", backend: "undefined" });
  });

  it("cursor-plus-one sends the unhealthy backend's turn to the next one, which gets two requests to none for the last, in 5 steps", () => {
    const r = checkSpec(loadBalancer, { variant: "cursor-plus-one" });
    expect([r.result, r.property]).toEqual(["violation", "roundRobinIsFair"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Crash(b1)", "Tick", "Tick", "Arrive", "Arrive"]);
    expect((r.trace?.at(-1)?.state as LoadBalancerState).period).toEqual({ b1: 0, b2: 2, b3: 0 });
  });

  it("rejectsOnlyWhenNoBackendMarkedHealthy fails a rejection while a backend is marked healthy", () => {
    const property = loadBalancer.instantiate().properties.find((p) => p.name === "rejectsOnlyWhenNoBackendMarkedHealthy");
    if (property?.kind !== "action") throw new Error("missing property");
    const [init] = loadBalancer.instantiate().initStates() as LoadBalancerState[];
    const down: HealthStatus = { healthy: false, streak: 0 };
    const rejected: LoadBalancerState = { ...init!, issued: 1, lastArrival: { type: "rejected" } };
    expect(property.check(init!, rejected)).toBe(false);
    expect(property.check({ ...init!, health: { b1: down, b2: down, b3: down } }, rejected)).toBe(true);
  });
});
