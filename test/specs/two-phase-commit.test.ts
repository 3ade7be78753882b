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
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "tm: DecideCommit",
      "rm1: ChooseToAbort",
      "rm2: receive Commit from tm",
    ]);
  });

  it("abort-after-commit breaks consistency in 10 steps", () => {
    const r = checkSpec(twoPhaseCommit, { variant: "abort-after-commit" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "consistent", 10]);
    const dfs = checkSpec(twoPhaseCommit, { variant: "abort-after-commit", strategy: "dfs" });
    expect([dfs.result, dfs.property]).toEqual(["violation", "consistent"]);
  });

  describe("liveness: eventuallyAllDecided", () => {
    it("holds under weak fairness of every step, with the same counts as the safety check", () => {
      const r = checkSpec(twoPhaseCommit, { params: { rms: 5 } });
      expect([r.result, r.property, r.distinctStates, r.generatedStates, r.loopStart]).toEqual([
        "ok",
        null,
        8832,
        58146,
        undefined,
      ]);
    });

    it("without fairness the system may stop at once: a lasso that stutters in the initial state", () => {
      const r = checkSpec(twoPhaseCommit, { variant: "no-fairness" });
      expect([r.result, r.property, r.propertyKind, r.trace?.length, r.loopStart]).toEqual([
        "violation",
        "eventuallyAllDecided",
        "eventually",
        1,
        0,
      ]);
    });

    it("with an unfair network an RM waits forever for the decision: 4 steps, then it stutters", () => {
      const r = checkSpec(twoPhaseCommit, { variant: "unfair-network" });
      expect([r.result, r.property, r.loopStart]).toEqual(["violation", "eventuallyAllDecided", 4]);
      expect(r.trace?.map((s) => s.action)).toEqual([
        null,
        "tm: DecideAbort",
        "rm1: Prepare",
        "rm2: Prepare",
        "rm3: Prepare",
      ]);
    });

    it("DFS proves and refutes it too (a lasso, not necessarily the shortest)", () => {
      const ok = checkSpec(twoPhaseCommit, { strategy: "dfs" });
      const bad = checkSpec(twoPhaseCommit, { variant: "unfair-network", strategy: "dfs" });
      expect([ok.result, bad.result, bad.property, bad.loopStart]).toEqual([
        "ok",
        "violation",
        "eventuallyAllDecided",
        4,
      ]);
    });

    it("symmetry reduction and random walks leave it out with a warning, and refuse it when it is selected", () => {
      const reduced = checkSpec(twoPhaseCommit, { variant: "no-fairness", symmetry: true });
      expect([reduced.result, reduced.warnings]).toEqual([
        "ok",
        [
          'liveness properties "eventuallyAllDecided" were not checked with --symmetry (a cycle of orbits need not be a cycle of states, so lassos could be spurious)',
        ],
      ]);
      expect(() => checkSpec(twoPhaseCommit, { symmetry: true, properties: ["eventuallyAllDecided"] })).toThrow(
        'liveness properties ("eventuallyAllDecided") are not checked with --symmetry (a cycle of orbits need not be a cycle of states, so lassos could be spurious)',
      );
      expect(() => checkSpec(twoPhaseCommit, { strategy: "random", properties: ["eventuallyAllDecided"] })).toThrow(
        'liveness properties ("eventuallyAllDecided") are not checked by random walks (liveness needs the complete graph; use --strategy bfs)',
      );
    });
  });
});
