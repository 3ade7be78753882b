import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import {
  fencedWrite,
  grantLease,
  initialLockService,
  lease,
  leaseStillValid,
  type LeaseState,
} from "../../specs/lease.js";

describe("lease: the service, the holder's check and the storage", () => {
  it("grants one lease at a time, with increasing tokens", () => {
    const first = grantLease(initialLockService, "c1", 0, 3);
    expect(first).toEqual({ type: "granted", service: { token: 1, holder: "c1", expires: 3 }, token: 1 });
    if (first.type !== "granted") throw new Error("unreachable");
    expect(grantLease(first.service, "c2", 2, 3)).toEqual({ type: "busy", until: 3 });
    expect(grantLease(first.service, "c2", 3, 3)).toEqual({
      type: "granted",
      service: { token: 2, holder: "c2", expires: 6 },
      token: 2,
    });
  });

  it("trusts a lease for duration - margin ticks of the holder's clock", () => {
    const held = { token: 1, acquiredAt: 10 };
    expect([11, 12].map((now) => leaseStillValid(held, now, { duration: 3, margin: 1 }))).toEqual([true, false]);
    expect(leaseStillValid(held, 12, { duration: 3, margin: 0 })).toBe(true);
  });

  it("fences: rejects a token below the highest accepted, accepts equal and higher ones", () => {
    const after2 = fencedWrite({ highestToken: 0 }, 2);
    expect(after2).toEqual({ accepted: true, storage: { highestToken: 2 } });
    expect(fencedWrite(after2.storage, 1)).toEqual({ accepted: false, storage: { highestToken: 2 } });
    expect(fencedWrite(after2.storage, 2).accepted).toBe(true);
  });
});

describe("lease: the model", () => {
  it("holds at the defaults (2 clients, 3-tick leases, drift 1, real time 0..5, 3 writes): 6,456 states, BFS and DFS agree", () => {
    const bfs = checkSpec(lease);
    expect([bfs.result, bfs.distinctStates, bfs.generatedStates]).toEqual(["ok", 6456, 19857]);
    const dfs = checkSpec(lease, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 6456, 19857]);
  });

  it("no-fencing-token lets a paused former holder overwrite the new holder in 9 steps", () => {
    const r = checkSpec(lease, { variant: "no-fencing-token" });
    expect([r.result, r.property]).toEqual(["violation", "oneHolderPerPeriod"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "Acquire(c1)",
      "Tick",
      "BeginWrite(c1)",
      "Tick",
      "Tick",
      "Acquire(c2)",
      "BeginWrite(c2)",
      "WriteArrives(c2)",
      "WriteArrives(c1)",
    ]);
    expect((r.trace?.at(-1)?.state as LeaseState).writes).toEqual([
      { client: "c2", token: 2, accepted: true },
      { client: "c1", token: 1, accepted: true },
    ]);
  });

  it("no-drift-margin starts a write after the lease expired in 6 steps, its clock having slipped", () => {
    const r = checkSpec(lease, { variant: "no-drift-margin" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "writesStartWithinLease", 6]);
    expect(r.trace?.map((s) => s.action)).toContain("ClockSlips(c1)");
  });

  it("with the margin but no fencing, the paused writer still gets through: the margin is no substitute for the token", () => {
    const r = checkSpec(lease, { variant: "no-fencing-token", params: { drift: 0 } });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "oneHolderPerPeriod", 9]);
  });

  it("staleTokensRejected also fails when a current write is rejected", () => {
    const model = lease.instantiate();
    const prop = model.properties.find((p) => p.name === "staleTokensRejected");
    if (prop?.kind !== "invariant") throw new Error("missing invariant");
    const [init] = model.initStates();
    const w = (client: string, token: number, accepted: boolean) => ({ client, token, accepted });
    expect(prop.check({ ...init!, writes: [w("c1", 1, true), w("c2", 2, true), w("c1", 1, false)] })).toBe(true);
    expect(prop.check({ ...init!, writes: [w("c1", 1, true), w("c2", 2, false)] })).toBe(false);
  });
});
