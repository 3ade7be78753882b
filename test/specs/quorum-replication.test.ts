import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import type { HistoryEvent, ProtocolState } from "../../src/index.js";
import { quorumReplication, quorumsOverlap, replica, subsetsOfSize } from "../../specs/quorum-replication.js";

const invoke = (process: string, f: string, value: number | null): HistoryEvent => ({
  type: "invoke",
  process,
  f,
  value,
});
const ok = (process: string, f: string, value: number | null): HistoryEvent => ({ type: "ok", process, f, value });

describe("quorum-replication: quorums and the replica", () => {
  it("read quorums are the R-subsets; R + W > N is the overlap condition", () => {
    expect(subsetsOfSize(["s1", "s2", "s3"], 2)).toEqual([
      ["s1", "s2"],
      ["s1", "s3"],
      ["s2", "s3"],
    ]);
    expect(subsetsOfSize(["s1", "s2", "s3", "s4", "s5"], 3)).toHaveLength(10);
    expect([
      quorumsOverlap(3, { r: 2, w: 2 }),
      quorumsOverlap(3, { r: 1, w: 2 }),
      quorumsOverlap(5, { r: 1, w: 5 }),
    ]).toEqual([true, false, true]);
  });

  it("a replica keeps only a newer value and acknowledges every Put", () => {
    const ctx = {
      self: "s1",
      from: "w",
      kind: "message" as const,
      params: {},
      nodes: ["s1", "w"],
      roles: { replica: ["s1"] },
    };
    expect(replica.reduce({ ts: 1, value: 1 }, { type: "Put", rid: 3, ts: 2, value: 2 }, ctx)).toEqual({
      state: { ts: 2, value: 2 },
      effects: [{ type: "send", to: "w", msg: { type: "PutAck", rid: 3 } }],
    });
    expect(replica.reduce({ ts: 2, value: 2 }, { type: "Put", rid: 1, ts: 0, value: null }, ctx)?.state).toEqual({
      ts: 2,
      value: 2,
    });
  });
});

describe("quorum-replication: the model", () => {
  it("is linearizable at the defaults (N = 3, R = W = 2, 1 write, 2 reads): 44,831 states, BFS and DFS agree", () => {
    const bfs = checkSpec(quorumReplication);
    expect([bfs.result, bfs.distinctStates, bfs.generatedStates]).toEqual(["ok", 44831, 138055]);
    const dfs = checkSpec(quorumReplication, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 44831, 138055]);
  });

  it("hinted handoff makes the replicas converge when the network loses a write: 2,364 states with 1 loss and no reads", () => {
    const r = checkSpec(quorumReplication, { params: { loss: 1, reads: 0 } });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 2364, 9269]);
  });

  it("r-plus-w-not-above-n: the read asks the one replica the acknowledged write missed, in 10 steps", () => {
    const r = checkSpec(quorumReplication, { variant: "r-plus-w-not-above-n" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "historyIsLinearizable", 10]);
    expect((r.trace?.at(-1)?.state as ProtocolState).history).toEqual([
      invoke("w", "write", 1),
      ok("w", "write", 1),
      invoke("r", "read", null),
      ok("r", "read", null),
    ]);
  });

  it("no-read-repair: a read returns the write in progress, the next one the old value, in 12 steps", () => {
    const r = checkSpec(quorumReplication, { variant: "no-read-repair" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "historyIsLinearizable", 12]);
    expect((r.trace?.at(-1)?.state as ProtocolState).history).toEqual([
      invoke("w", "write", 1),
      invoke("r", "read", null),
      ok("r", "read", 1),
      invoke("r", "read", null),
      ok("r", "read", null),
    ]);
  });

  it("no-hinted-handoff: the lost copy is never handed off, in 6 steps", () => {
    const r = checkSpec(quorumReplication, { variant: "no-hinted-handoff" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual([
      "violation",
      "replicasConvergeOnceHintsDelivered",
      6,
    ]);
    expect(r.trace?.at(-1)?.action).toBe("lose Put{rid:1,ts:1,value:1} w→s1");
  });

  it("random search finds every broken variant", () => {
    for (const [variant, property] of [
      ["r-plus-w-not-above-n", "historyIsLinearizable"],
      ["no-read-repair", "historyIsLinearizable"],
      ["no-hinted-handoff", "replicasConvergeOnceHintsDelivered"],
    ] as const) {
      const r = checkSpec(quorumReplication, { variant, strategy: "random", seed: 1 });
      expect([variant, r.result, r.property]).toEqual([variant, "violation", property]);
    }
  });
});
