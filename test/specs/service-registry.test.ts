import { describe, expect, it } from "vitest";
import { checkSpec, randomSearch, violationOf } from "../../checker/index.js";
import { onlyProperty } from "../../src/index.js";
import {
  heartbeat,
  isExpired,
  lookup,
  serviceRegistry,
  usableInstances,
  type RegistryState,
} from "../../specs/service-registry.js";

describe("service-registry: the registry and the cache", () => {
  it("renews on heartbeat and expires after more than the TTL without one", () => {
    const r = heartbeat(heartbeat({}, "i2", 0), "i1", 1);
    expect(r).toEqual({ i1: { lastHeartbeat: 1 }, i2: { lastHeartbeat: 0 } });
    expect([isExpired({ lastHeartbeat: 1 }, 3, 2), isExpired({ lastHeartbeat: 1 }, 4, 2)]).toEqual([false, true]);
    expect(lookup(r, 2)).toEqual({ instances: ["i1", "i2"], fetchedAt: 2 });
  });

  it("uses a cached lookup for at most the cache TTL", () => {
    const cache = { instances: ["i1"], fetchedAt: 2 };
    expect([usableInstances(cache, 3, 1), usableInstances(cache, 4, 1), usableInstances(null, 0, 1)]).toEqual([
      ["i1"],
      null,
      null,
    ]);
  });
});

describe("service-registry: the model", () => {
  it("holds at the defaults (2 instances, heartbeat every tick, registry TTL 2, cache TTL 1, 1 crash, 2 requests, 6 ticks): 4,386 states, BFS and DFS agree", () => {
    const r = checkSpec(serviceRegistry);
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 4386, 11801]);
    const dfs = checkSpec(serviceRegistry, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 4386, 11801]);
  });

  it("cache-without-ttl sends to i1 two ticks after the registry dropped it, in 13 steps", () => {
    const r = checkSpec(serviceRegistry, { variant: "cache-without-ttl" });
    expect([r.result, r.property, r.trace!.length - 1]).toEqual([
      "violation",
      "noRequestToInstanceDroppedLongerThanCacheTtl",
      13,
    ]);
    const last = r.trace?.at(-1)?.state as RegistryState;
    expect([last.now, last.instances["i1"]?.droppedAt, last.cache?.fetchedAt, last.lastRequest]).toEqual([
      5,
      3,
      0,
      "i1",
    ]);
  });

  it("ttl-below-heartbeat-interval drops a live instance between heartbeats, in 3 steps", () => {
    const r = checkSpec(serviceRegistry, { variant: "ttl-below-heartbeat-interval" });
    expect([r.result, r.property]).toEqual(["violation", "liveInstanceNeverExpired"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Tick", "Tick", "Expire(i1)"]);
  });

  it("random search (seed 1) finds both broken variants", () => {
    for (const v of serviceRegistry.variants.filter((x) => x.violates !== undefined)) {
      const r = randomSearch(onlyProperty(serviceRegistry.instantiate({ variant: v.name }), v.violates!), {
        seed: 1,
        runs: 5000,
      });
      expect([v.name, r.result, violationOf(r)?.property]).toEqual([v.name, "violation", v.violates]);
    }
  });
});
