import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSpec, randomSearch, violationOf } from "../../checker/index.js";
import { onlyProperty } from "../../src/index.js";
import {
  backendWeights,
  hashOf,
  healthSetChanged,
  ipHashPick,
  leastResponseTimePick,
  randomPick,
  resourceBasedPick,
  responseObserved,
  smoothWeightedPick,
  POLICIES,
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
      fc.property(
        fc.subarray(all, { minLength: 1 }),
        fc.nat({ max: 2 }),
        fc.nat({ max: 12 }),
        (healthy, start, requests) => {
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
        },
      ),
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
    expect(routeRequest(b, all, ["b2", "b3"], "round-robin")).toEqual({
      type: "routed",
      backend: "b2",
      balancer: { cursor: 2, active: { b1: 0, b2: 1, b3: 0 } },
    });
    const busy = { cursor: 1, active: { b1: 0, b2: 3, b3: 1 } };
    expect(routeRequest(busy, all, ["b2", "b3"], "least-connections")).toEqual({
      type: "routed",
      backend: "b3",
      balancer: { cursor: 1, active: { b1: 0, b2: 3, b3: 2 } },
    });
    expect(routeRequest(b, all, [], "least-connections")).toEqual({ type: "rejected" });
    expect(requestFinished(busy, "b2")).toEqual({ cursor: 1, active: { b1: 0, b2: 2, b3: 1 } });
    expect(requestFinished(busy, "b1")).toEqual(busy);
  });

  it("lists the backends marked healthy in configuration order", () => {
    expect(markedHealthy({ b3: initialHealth, b1: initialHealth, b2: { healthy: false, streak: 1 } }, all)).toEqual([
      "b1",
      "b3",
    ]);
  });
});

describe("load-balancer: the model", () => {
  it("holds under round robin at the defaults (3 backends, 4 requests, 4 check rounds, 1 crash, thresholds 2 and 2): 4,274 states, BFS and DFS agree", () => {
    const bfsReport = checkSpec(loadBalancer);
    expect([bfsReport.result, bfsReport.distinctStates, bfsReport.generatedStates, bfsReport.maxDepth]).toEqual([
      "ok",
      4274,
      12440,
      14,
    ]);
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
    expect([
      last.lastArrival,
      last.backends["b1"]?.inFlight,
      last.backends["b2"]?.inFlight,
      last.balancer.active,
    ]).toEqual([{ type: "routed", backend: "b1" }, 2, 0, { b1: 2, b2: 1, b3: 1 }]);
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
    const property = loadBalancer
      .instantiate()
      .properties.find((p) => p.name === "rejectsOnlyWhenNoBackendMarkedHealthy");
    if (property?.kind !== "action") throw new Error("missing property");
    const [init] = loadBalancer.instantiate().initStates() as LoadBalancerState[];
    const down: HealthStatus = { healthy: false, streak: 0 };
    const rejected: LoadBalancerState = { ...init!, issued: 1, lastArrival: { type: "rejected" } };
    expect(property.check(init!, rejected)).toBe(false);
    expect(property.check({ ...init!, health: { b1: down, b2: down, b3: down } }, rejected)).toBe(true);
  });
});

describe("the new policies' picks", () => {
  const all = ["b1", "b2", "b3"];

  it("smooth weighted round robin interleaves 1:2:3 as b3 b2 b1 b3 b2 b3", () => {
    let current: Record<string, number> = { b1: 0, b2: 0, b3: 0 };
    const picks: string[] = [];
    for (let k = 0; k < 6; k++) {
      const pick = smoothWeightedPick(current, backendWeights(all), all)!;
      picks.push(pick.backend);
      current = pick.current;
    }
    expect(picks).toEqual(["b3", "b2", "b1", "b3", "b2", "b3"]);
    expect(current).toEqual({ b1: 0, b2: 0, b3: 0 });
    expect(smoothWeightedPick(current, backendWeights(all), [])).toBeUndefined();
  });

  it("smooth weighted round robin keeps every backend within one request of its share, for any weights 1..6 and healthy set", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 3, maxLength: 3 }),
        fc.subarray(all, { minLength: 1 }),
        fc.nat({ max: 30 }),
        (w, healthy, n) => {
          const weights = { b1: w[0]!, b2: w[1]!, b3: w[2]! };
          const total = healthy.reduce((sum, b) => sum + weights[b as "b1"], 0);
          let current: Record<string, number> = { b1: 0, b2: 0, b3: 0 };
          const counts: Record<string, number> = { b1: 0, b2: 0, b3: 0 };
          for (let k = 1; k <= n; k++) {
            const pick = smoothWeightedPick(current, weights, healthy)!;
            current = pick.current;
            counts[pick.backend]! += 1;
            for (const b of healthy) expect(Math.abs(counts[b]! * total - k * weights[b as "b1"])).toBeLessThan(total);
          }
        },
      ),
      { seed: 1 },
    );
  });

  it("a health-set change restarts the round and keeps the weights", () => {
    const b = { ...initialBalancer(all, "weighted-round-robin"), current: { b1: 1, b2: -3, b3: 2 } };
    expect(healthSetChanged(b)).toEqual({
      cursor: 0,
      active: { b1: 0, b2: 0, b3: 0 },
      weights: { b1: 1, b2: 2, b3: 3 },
      current: { b1: 0, b2: 0, b3: 0 },
    });
    const plain = initialBalancer(all);
    expect(healthSetChanged(plain)).toBe(plain);
  });

  it("ip hash by rendezvous moves only the failed backend's clients; modulo hashing moves others", () => {
    expect(hashOf("c1")).toBe(2284445657);
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 8 }), fc.constantFrom(...all), (client, failed) => {
        const before = ipHashPick(client, all)!;
        const after = ipHashPick(
          client,
          all.filter((b) => b !== failed),
        )!;
        expect(after === before || before === failed).toBe(true);
      }),
      { seed: 1 },
    );
    expect(ipHashPick("c1", [])).toBeUndefined();
    // Modulo hashing: c2's backend b3 stays healthy when b1 fails, yet c2 moves.
    expect([all[hashOf("c2") % 3], ["b2", "b3"][hashOf("c2") % 2]]).toEqual(["b3", "b2"]);
  });

  it("least response time scores the last response time times (open connections + 1); an unmeasured backend scores 0", () => {
    expect(leastResponseTimePick({ b1: 1, b2: 2, b3: 1 }, { b1: 2, b2: 0, b3: 1 }, all, all)).toBe("b2");
    expect(leastResponseTimePick({ b1: 1, b2: 2, b3: 0 }, { b1: 0, b2: 0, b3: 5 }, all, all)).toBe("b3");
    expect(leastResponseTimePick({ b1: 1, b2: 1, b3: 1 }, { b1: 0, b2: 0, b3: 0 }, all, ["b2", "b3"])).toBe("b2");
    const b = initialBalancer(all, "least-response-time");
    expect(responseObserved({ ...b, active: { b1: 1, b2: 0, b3: 0 } }, "b1", 2)).toEqual({
      cursor: 0,
      active: { b1: 0, b2: 0, b3: 0 },
      responseTime: { b1: 2, b2: 0, b3: 0 },
    });
  });

  it("resource based picks the lowest utilization, the first on a tie", () => {
    expect(resourceBasedPick({ b1: 1, b2: 1, b3: 2 }, backendWeights(all), all, all)).toBe("b2");
    expect(resourceBasedPick({ b1: 0, b2: 1, b3: 1 }, backendWeights(all), all, ["b2", "b3"])).toBe("b3");
    expect(resourceBasedPick({ b1: 0, b2: 0, b3: 0 }, backendWeights(all), all, [])).toBeUndefined();
  });

  it("random maps the draws 0..n-1 onto every healthy backend", () => {
    expect([0, 1, 2].map((r) => randomPick(all, r, 3))).toEqual(["b1", "b2", "b3"]);
    expect([0, 1, 2].map((r) => randomPick(["b1", "b3"], r, 3))).toEqual(["b1", "b1", "b3"]);
    expect(randomPick([], 0, 3)).toBeUndefined();
  });

  it("sticky sessions keep a client on its session's backend while it is marked healthy", () => {
    const b = initialBalancer(all, "sticky-sessions");
    const first = routeRequest(b, all, all, "sticky-sessions", { client: "c1" });
    expect(first).toMatchObject({ type: "routed", backend: "b1", balancer: { sessions: { c1: "b1" } } });
    if (first.type !== "routed") throw new Error("unreachable");
    expect(routeRequest(first.balancer, all, all, "sticky-sessions", { client: "c1" })).toMatchObject({
      backend: "b1",
    });
    expect(routeRequest(first.balancer, all, all, "sticky-sessions", { client: "c2" })).toMatchObject({
      backend: "b2",
    });
    expect(routeRequest(first.balancer, all, ["b3"], "sticky-sessions", { client: "c1" })).toMatchObject({
      backend: "b3",
      balancer: { sessions: { c1: "b3" } },
    });
  });
});

describe("load-balancer: the new policies", () => {
  const expected: Record<string, [number, number]> = {
    "round-robin": [4274, 12440],
    "least-connections": [2388, 7790],
    "weighted-round-robin": [4067, 11876],
    "ip-hash": [7454, 24252],
    "least-response-time": [13693, 47907],
    "resource-based": [2380, 7765],
    random: [7937, 35119],
    "sticky-sessions": [16328, 53590],
  };

  it("lists eight policies", () => {
    expect(POLICIES).toEqual(Object.keys(expected));
  });

  it.each(Object.entries(expected))(
    "%s holds at the defaults (2 clients where it routes by client), BFS and DFS agree",
    (policy, [distinct, generated]) => {
      const bfsReport = checkSpec(loadBalancer, { params: { policy } });
      expect([bfsReport.result, bfsReport.distinctStates, bfsReport.generatedStates]).toEqual([
        "ok",
        distinct,
        generated,
      ]);
      const dfs = checkSpec(loadBalancer, { params: { policy }, strategy: "dfs" });
      expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", distinct, generated]);
    },
  );

  it("weights-lost-on-return: b3 (weight 3) comes back with weight 1 and gets none of the first two requests, in 8 steps", () => {
    const r = checkSpec(loadBalancer, { variant: "weights-lost-on-return" });
    expect([r.result, r.property]).toEqual(["violation", "weightedSharesWithinOneRequest"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "Crash(b3)",
      "Tick",
      "Tick",
      "Recover(b3)",
      "Tick",
      "Tick",
      "Arrive",
      "Arrive",
    ]);
    const last = r.trace?.at(-1)?.state as LoadBalancerState;
    expect([last.period, last.balancer.weights]).toEqual([
      { b1: 1, b2: 1, b3: 0 },
      { b1: 1, b2: 2, b3: 1 },
    ]);
  });

  it("modulo-hash moves c2 off b3, which stays healthy, when b1 fails, in 5 steps", () => {
    const r = checkSpec(loadBalancer, { variant: "modulo-hash" });
    expect([r.result, r.property]).toEqual(["violation", "ipHashMovesOnlyFailedBackendsClients"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "ArriveFrom(c2)",
      "Crash(b1)",
      "Tick",
      "Tick",
      "ArriveFrom(c2)",
    ]);
    expect((r.trace?.at(-1)?.state as LoadBalancerState).lastArrival).toEqual({
      type: "routed",
      backend: "b2",
      client: "c2",
    });
  });

  it("ignore-response-time, ignore-capacity and no-session-table break their policies in 3, 4 and 2 steps", () => {
    const steps = ["ignore-response-time", "ignore-capacity", "no-session-table"].map((variant) => {
      const r = checkSpec(loadBalancer, { variant });
      return [r.property, r.trace?.map((s) => s.action).slice(1)];
    });
    expect(steps).toEqual([
      ["leastResponseTimePicksAMinimum", ["Arrive", "Complete(b1)", "Arrive"]],
      ["resourceBasedPicksLowestUtilization", ["Arrive", "Arrive", "Arrive", "Arrive"]],
      ["stickySessionsStayPut", ["ArriveFrom(c1)", "ArriveFrom(c1)"]],
    ]);
  });

  it("every broken variant is found by DFS and by random search (seed 1)", () => {
    const broken = loadBalancer.variants.filter((v) => v.violates !== undefined);
    expect(broken.length).toBe(9);
    for (const v of broken) {
      const dfs = checkSpec(loadBalancer, { variant: v.name, strategy: "dfs" });
      const r = randomSearch(onlyProperty(loadBalancer.instantiate({ variant: v.name }), v.violates!), {
        seed: 1,
        runs: 5000,
      });
      expect([v.name, dfs.property, r.result, violationOf(r)?.property]).toEqual([
        v.name,
        v.violates,
        "violation",
        v.violates,
      ]);
    }
  });
});
