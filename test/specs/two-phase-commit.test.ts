import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import { twoPhaseCommit } from "../../specs/two-phase-commit.js";

describe("two-phase-commit", () => {
  // TLC on TwoPhase.tla (anchors/README.md): distinct states and states generated.
  it.each([
    [3, 288, 1146],
    [5, 8832, 58146],
    [7, 296448, 2744706],
  ])("rms=%i: %i distinct, %i generated, as TLC", (rms, distinct, generated) => {
    const r = checkSpec(twoPhaseCommit, { params: { rms } });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", distinct, generated]);
  });

  it("DFS and the generic fingerprint reach the same counts as BFS", () => {
    const dfs = checkSpec(twoPhaseCommit, { params: { rms: 5 }, strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 8832, 58146]);
    const generic = twoPhaseCommit.instantiate({ params: { rms: 5 }, fingerprint: "generic" } as never);
    const spec = { ...twoPhaseCommit, instantiate: () => generic };
    const r = checkSpec(spec);
    expect([r.distinctStates, r.generatedStates]).toEqual([8832, 58146]);
  });

  it("commit-without-all-prepared breaks consistency in 3 steps", () => {
    const r = checkSpec(twoPhaseCommit, { variant: "commit-without-all-prepared" });
    expect([r.result, r.property]).toEqual(["violation", "consistent"]);
    expect(r.trace?.map((s) => s.action)).toEqual([null, "tm: DecideCommit", "rm1: ChooseToAbort", "rm2: receive Commit from tm"]);
  });

  it("abort-after-commit breaks consistency in 10 steps", () => {
    const r = checkSpec(twoPhaseCommit, { variant: "abort-after-commit" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "consistent", 10]);
    const dfs = checkSpec(twoPhaseCommit, { variant: "abort-after-commit", strategy: "dfs" });
    expect([dfs.result, dfs.property]).toEqual(["violation", "consistent"]);
  });
});
