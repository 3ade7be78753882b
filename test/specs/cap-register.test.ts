import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import type { HistoryEvent } from "../../src/index.js";
import { checkLinearizability, formatViolations, registerModel } from "../../src/history/index.js";
import { capRegister, isMajority, newerThan, newest, reachable, type CapState } from "../../specs/cap-register.js";

const invoke = (process: string, f: string, value: number | null): HistoryEvent => ({
  type: "invoke",
  process,
  f,
  value,
});
const ok = (process: string, f: string, value: number | null): HistoryEvent => ({ type: "ok", process, f, value });

describe("cap-register: stamps and sides", () => {
  it("orders stamps by version, then by origin replica, and picks the newest", () => {
    const a = { value: 1, version: 1, origin: "n1" };
    const b = { value: 2, version: 1, origin: "n3" };
    const c = { value: 3, version: 2, origin: "n1" };
    expect([newerThan(b, a), newerThan(a, b), newerThan(c, b), newerThan(a, a)]).toEqual([true, false, true, false]);
    expect(newest([a, c, b])).toEqual(c);
    expect(newest([])).toEqual({ value: null, version: 0, origin: "" });
  });

  it("a partition isolates n1; only the other side holds a majority", () => {
    expect([reachable("n1", true), reachable("n3", true), reachable("n1", false)]).toEqual([
      ["n1"],
      ["n2", "n3"],
      ["n1", "n2", "n3"],
    ]);
    expect([isMajority(["n1"]), isMajority(["n2", "n3"])]).toEqual([false, true]);
  });
});

describe("cap-register: the model", () => {
  it("cp is linearizable at the defaults (2 operations per client, 1 partition): 1,628 states, BFS and DFS agree", () => {
    const bfs = checkSpec(capRegister);
    expect([bfs.result, bfs.distinctStates, bfs.generatedStates]).toEqual(["ok", 1628, 2590]);
    const dfs = checkSpec(capRegister, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 1628, 2590]);
  });

  it("ap answers every request and converges after healing, but is not linearizable: the witness in 3 steps", () => {
    const available = checkSpec(capRegister, {
      variant: "ap",
      properties: ["apModeAnswersEveryRequest", "replicasConvergeAfterHealing"],
    });
    expect([available.result, available.distinctStates, available.generatedStates]).toEqual(["ok", 1531, 2863]);
    const r = checkSpec(capRegister, { variant: "ap" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "historyIsLinearizable", 3]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Partition", "Write(c1)", "Read(c2)"]);
    const history = (r.trace?.at(-1)?.state as CapState).history;
    expect(history).toEqual([
      invoke("c1", "write", 1),
      ok("c1", "write", 1),
      invoke("c2", "read", null),
      ok("c2", "read", null),
    ]);
    const report = checkLinearizability(history, registerModel);
    expect(report.result).toBe("violation");
    if (report.result === "violation")
      expect(formatViolations(report.violations, registerModel).split("\n")).toEqual([
        "every operation on 1 (write(1) by process c1 (operation 1)) was open from the invocation of write(1) by process c1 (operation 1) to the completion of write(1) by process c1 (operation 1), which lies where the register must hold the initial null from the start until after read -> null by process c2 (operation 2) was invoked; every value is written once. The longest partial linearization found places 1 of 2 completed operations and leaves the state 1; none of these can come next: read() -> nil [process c2]",
        "  longest partial linearization (1 operations):",
        "    write(1)  [process c1]",
        "  then the state is 1, and none of these can be placed:",
        "    read() -> nil  [process c2]",
      ]);
  });

  it("cp-minority-writes lets the isolated replica accept a write the majority then reads past, in 3 steps", () => {
    const r = checkSpec(capRegister, { variant: "cp-minority-writes" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "historyIsLinearizable", 3]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Partition", "Write(c1)", "Read(c2)"]);
  });

  it("random search finds both broken variants", () => {
    for (const variant of ["ap", "cp-minority-writes"]) {
      const r = checkSpec(capRegister, { variant, strategy: "random", seed: 1 });
      expect([variant, r.result, r.property]).toEqual([variant, "violation", "historyIsLinearizable"]);
    }
  });
});
