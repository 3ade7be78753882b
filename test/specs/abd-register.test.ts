import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import type { HistoryEvent, ProtocolState } from "../../src/index.js";
import { abdRegister, majorities, majority, replica } from "../../specs/abd-register.js";

const invoke = (process: string, f: string, value: number | null): HistoryEvent => ({
  type: "invoke",
  process,
  f,
  value,
});
const ok = (process: string, f: string, value: number | null): HistoryEvent => ({ type: "ok", process, f, value });

/** The spec's linearizability property on a state holding `history`. */
function linearizable(history: HistoryEvent[]): boolean {
  const model = abdRegister.instantiate();
  const p = model.properties.find((x) => x.name === "historyIsLinearizable");
  if (p?.kind !== "invariant") throw new Error("missing invariant");
  return p.check({ ...model.initStates()[0]!, history });
}

describe("abd-register: quorums and the replica", () => {
  it("reads ask one of the majorities", () => {
    expect([1, 2, 3, 4, 5].map(majority)).toEqual([1, 2, 2, 3, 3]);
    expect(majorities(["s1", "s2", "s3"])).toEqual([
      ["s1", "s2"],
      ["s1", "s3"],
      ["s2", "s3"],
    ]);
    expect(majorities(["s1", "s2", "s3", "s4", "s5"])).toHaveLength(10);
  });

  it("a replica keeps only higher-stamped values and acknowledges every store", () => {
    const ctx = {
      self: "s1",
      from: "w",
      kind: "message" as const,
      params: {},
      nodes: ["s1", "w"],
      roles: { replica: ["s1"] },
    };
    const newer = replica.reduce({ ts: 1, value: 1 }, { type: "Store", rid: 4, ts: 2, value: 2 }, ctx);
    expect(newer).toEqual({
      state: { ts: 2, value: 2 },
      effects: [{ type: "send", to: "w", msg: { type: "StoreAck", rid: 4 } }],
    });
    const older = replica.reduce({ ts: 2, value: 2 }, { type: "Store", rid: 5, ts: 1, value: 1 }, ctx);
    expect(older?.state).toEqual({ ts: 2, value: 2 });
  });
});

describe("abd-register: the linearizability property", () => {
  it("accepts a read of a write still in progress, and rejects the new-old inversion and invented values", () => {
    expect(linearizable([invoke("w", "write", 1), invoke("r", "read", null), ok("r", "read", 1)])).toBe(true);
    expect(
      linearizable([invoke("r", "read", null), ok("r", "read", null), invoke("w", "write", 1), ok("w", "write", 1)]),
    ).toBe(true);
    const inversion = [
      invoke("w", "write", 1),
      invoke("r", "read", null),
      ok("r", "read", 1),
      invoke("r", "read", null),
      ok("r", "read", null),
    ];
    expect(linearizable(inversion)).toBe(false);
    expect(linearizable([invoke("r", "read", null), ok("r", "read", 2)])).toBe(false);
    expect(
      linearizable([invoke("w", "write", 1), ok("w", "write", 1), invoke("r", "read", null), ok("r", "read", null)]),
    ).toBe(false);
  });
});

describe("abd-register: the model", () => {
  it("is linearizable at the defaults (3 replicas, 1 write, 2 reads, 1 crash): 169,190 states, BFS and DFS agree", () => {
    const bfs = checkSpec(abdRegister);
    expect([bfs.result, bfs.distinctStates, bfs.generatedStates]).toEqual(["ok", 169190, 693591]);
    const dfs = checkSpec(abdRegister, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 169190, 693591]);
  });

  it("without crashes: 24,170 states; one crash multiplies them by exactly 7 (none, one of 5 nodes down, restarted)", () => {
    const r = checkSpec(abdRegister, { params: { crashes: 0 } });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 24170, 75316]);
  });

  it("read-without-write-back shows the new-old inversion in 12 steps", () => {
    const r = checkSpec(abdRegister, { variant: "read-without-write-back" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "historyIsLinearizable", 12]);
    expect((r.trace?.at(-1)?.state as ProtocolState).history).toEqual([
      invoke("w", "write", 1),
      invoke("r", "read", null),
      ok("r", "read", 1),
      invoke("r", "read", null),
      ok("r", "read", null),
    ]);
  });

  it("volatile-replica loses an acknowledged write to a crash in 16 steps", () => {
    const r = checkSpec(abdRegister, { variant: "volatile-replica" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "historyIsLinearizable", 16]);
    const actions = r.trace?.map((s) => s.action) ?? [];
    expect(actions.indexOf("restart s1")).toBe(actions.indexOf("crash s1") + 1);
    expect((r.trace?.at(-1)?.state as ProtocolState).history).toEqual([
      invoke("w", "write", 1),
      ok("w", "write", 1),
      invoke("r", "read", null),
      ok("r", "read", null),
    ]);
  });
});
