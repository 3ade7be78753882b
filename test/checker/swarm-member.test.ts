/**
 * One swarm member's search, in process (`runMember`): the swarm runs it on a
 * worker thread from dist/, where no mutant is active, so swarm.test.ts
 * judges the member only end to end. Exact counts for fixed seeds, the
 * limits each plan stops at, and paths that replay on the plain model.
 */
import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import {
  roundSeed,
  runMember,
  type SwarmMessage,
  type SwarmPlan,
  type SwarmSetup,
} from "../../checker/swarm-member.js";
import { defineSpec, invariant, sometimes } from "../../src/index.js";
import { twoPhaseCommit } from "../../specs/two-phase-commit.js";

const source = { module: "interleave-check/specs/two-phase-commit", exportName: "twoPhaseCommit" };

/** A member's setup on two-phase-commit (rms=3 unless `params` says otherwise). */
function setup(
  plan: Partial<SwarmPlan> & Pick<SwarmPlan, "kind">,
  extra: Partial<Omit<SwarmSetup, "plan">> = {},
): SwarmSetup {
  return {
    spec: source,
    instantiate: { params: { rms: 3 } },
    properties: ["typeOK", "consistent"],
    guards: true,
    ...extra,
    plan: { member: 2, seed: 11, depth: 40, runs: 1000, ...plan },
  };
}

/** Counts to 3 and stops: its sometimes property is never reached. */
const counter = defineSpec({
  name: "counter",
  description: "counts to 3 and stops",
  init: () => [{ n: 0 }],
  actions: { Inc: (s: { n: number }) => (s.n < 3 ? { n: s.n + 1 } : undefined) },
  properties: {
    small: invariant((s: { n: number }) => s.n <= 3),
    never: sometimes((s: { n: number }) => s.n > 3),
  },
});

/** The counts a message carries. */
const counts = (m: SwarmMessage) => [m.distinctStates, m.generatedStates, m.maxDepth];

/** Whether `path` replays to a violation of `property` on the unshuffled model (`--replay-path`). */
function replays(path: string, property: string, variant = "abort-after-commit"): void {
  const again = checkSpec(twoPhaseCommit, {
    variant,
    params: { rms: 3 },
    properties: ["typeOK", "consistent"],
    strategy: "random",
    seed: 1,
    replayPath: path,
  });
  expect([again.result, again.property]).toEqual(["violation", property]);
  expect(again.trace!.length).toBe(path.split(":").length);
}

describe("a DFS member", () => {
  it("covers the whole space of a correct spec: done, no limit, a complete report that proves it", () => {
    const m = runMember(twoPhaseCommit, setup({ kind: "dfs" }));
    expect(m.type).toBe("done");
    if (m.type !== "done") return;
    expect([m.member, m.limit, ...counts(m)]).toEqual([2, null, 288, 1_146, 10]);
    expect([m.complete?.result, m.complete?.distinctStates, m.complete?.strategy]).toEqual(["ok", 288, "dfs"]);
    // Liveness is left out (it needs the whole graph on one thread): with every property the result is the same.
    const all = runMember(twoPhaseCommit, setup({ kind: "dfs" }, { properties: [] }));
    expect(all.type === "done" && all.complete?.result).toBe("ok");
  });

  it("stops at its limits: depth bound, max-states, deadline", () => {
    const shallow = runMember(twoPhaseCommit, setup({ kind: "dfs", depth: 4 }));
    expect(shallow.type === "done" && [shallow.limit, shallow.complete, ...counts(shallow)]).toEqual([
      "max-depth",
      undefined,
      23,
      26,
      4,
    ]);
    const capped = runMember(twoPhaseCommit, setup({ kind: "dfs", maxStates: 20 }));
    expect(capped.type === "done" && [capped.limit, ...counts(capped)]).toEqual(["max-states", 20, 26, 4]);
    const late = runMember(
      twoPhaseCommit,
      setup({ kind: "dfs", deadline: Date.now() - 1_000 }, { instantiate: { params: { rms: 6 } } }),
    );
    expect(late.type === "done" && late.limit).toBe("timeout");
  });

  it("finds a broken variant's violation and returns it shrunk, as a path that replays on the plain model", () => {
    const m = runMember(
      twoPhaseCommit,
      setup({ kind: "dfs" }, { instantiate: { variant: "abort-after-commit", params: { rms: 3 } } }),
    );
    expect(m.type).toBe("found");
    if (m.type !== "found") return;
    // Found at depth 10 in the member's shuffled order, the path given in the plain model's ordinals.
    expect([m.member, m.property, m.seed, m.path, m.foundSteps, ...counts(m)]).toEqual([
      2,
      "consistent",
      11,
      "0:1:3:3:1:3:2:0:0:0:4",
      10,
      128,
      391,
      10,
    ]);
    replays(m.path, "consistent");
  });

  it("checks only the chosen properties, within a deadline still ahead", () => {
    // abort-after-commit breaks `consistent`; with typeOK alone the member covers its 315 states.
    const m = runMember(
      twoPhaseCommit,
      setup(
        { kind: "dfs", deadline: Date.now() + 600_000 },
        { instantiate: { variant: "abort-after-commit", params: { rms: 3 } }, properties: ["typeOK"] },
      ),
    );
    expect(m.type === "done" && [m.limit, m.complete?.result, ...counts(m)]).toEqual([null, "ok", 315, 1_316, 15]);
  });

  it("a sometimes property never reached: the complete report names it", () => {
    const m = runMember(counter, setup({ kind: "dfs" }, { instantiate: {}, properties: [] }));
    expect(m.type === "done" && [m.limit, m.complete?.result, m.complete?.property, ...counts(m)]).toEqual([
      null,
      "violation",
      "never",
      4,
      4,
      3,
    ]);
  });
});

describe("a walks member", () => {
  it("walks a correct spec in rounds of 1,000, each seeded from the member's seed", () => {
    const m = runMember(twoPhaseCommit, setup({ kind: "walks", runs: 1_500, depth: 100 }));
    expect([m.type, m.member]).toEqual(["done", 2]);
    if (m.type !== "done") return;
    expect(m.limit).toBeNull();
    // The two rounds are the random strategy's searches with the round seeds, their counts summed.
    const round = (seed: number, runs: number) =>
      checkSpec(twoPhaseCommit, {
        params: { rms: 3 },
        properties: ["typeOK", "consistent"],
        strategy: "random",
        seed,
        runs,
        maxDepth: 100,
      });
    const [a, b] = [round(11, 1_000), round(roundSeed(11, 1), 500)];
    // 1,000 walks are one round, not a second of none.
    const one = runMember(twoPhaseCommit, setup({ kind: "walks", runs: 1_000, depth: 100 }));
    expect(counts(one)).toEqual([a.distinctStates, a.generatedStates, a.maxDepth]);
    expect(counts(m)).toEqual([
      a.distinctStates + b.distinctStates,
      a.generatedStates + b.generatedStates,
      Math.max(a.maxDepth, b.maxDepth),
    ]);
  });

  it("finds a broken variant's violation: the round's seed and a shrunk path that replays", () => {
    const m = runMember(
      twoPhaseCommit,
      setup({ kind: "walks", depth: 100 }, { instantiate: { variant: "abort-after-commit", params: { rms: 3 } } }),
    );
    expect(m.type).toBe("found");
    if (m.type !== "found") return;
    // Found after 17 steps by the first round's walks, shrunk to 10.
    expect([m.property, m.seed, m.path, m.foundSteps, ...counts(m)]).toEqual([
      "consistent",
      11,
      "0:3:1:3:4:1:1:0:1:0:4",
      17,
      225,
      24_909,
      100,
    ]);
    replays(m.path, "consistent");
  });

  it("stops at its limits: a deadline already past, max-states within a round and across rounds", () => {
    const late = runMember(twoPhaseCommit, setup({ kind: "walks", deadline: Date.now() - 1_000 }));
    expect(late.type === "done" && [late.limit, ...counts(late)]).toEqual(["timeout", 0, 0, 0]);
    const capped = runMember(twoPhaseCommit, setup({ kind: "walks", maxStates: 30 }));
    expect(capped.type === "done" && [capped.limit, ...counts(capped)]).toEqual(["max-states", 30, 3_608, 40]);
    // A budget the first round uses up exactly: the next round is not started.
    const first = checkSpec(twoPhaseCommit, {
      params: { rms: 3 },
      properties: ["typeOK", "consistent"],
      strategy: "random",
      seed: 11,
      runs: 1_000,
      maxDepth: 40,
    });
    const exact = runMember(twoPhaseCommit, setup({ kind: "walks", runs: 2_000, maxStates: first.distinctStates }));
    expect(exact.type === "done" && [exact.limit, exact.distinctStates]).toEqual(["max-states", first.distinctStates]);
  });

  it("walks on within a deadline still ahead, and only the chosen properties", () => {
    const ahead = runMember(twoPhaseCommit, setup({ kind: "walks", runs: 200, deadline: Date.now() + 600_000 }));
    expect(ahead.type === "done" && [ahead.limit, ...counts(ahead)]).toEqual([null, 249, 15_630, 40]);
    const typeOk = runMember(
      twoPhaseCommit,
      setup(
        { kind: "walks", runs: 200, deadline: Date.now() + 600_000 },
        { instantiate: { variant: "abort-after-commit", params: { rms: 3 } }, properties: ["typeOK"] },
      ),
    );
    expect(typeOk.type === "done" && [typeOk.limit, ...counts(typeOk)]).toEqual([null, 270, 15_756, 40]);
  });

  it("a sometimes property never reached is no finding: the walks go on to their end", () => {
    // Two rounds (1,000 and 500 walks), each counting the 4 states anew: a finding would have ended the first.
    const m = runMember(counter, setup({ kind: "walks", runs: 1_500, depth: 10 }, { instantiate: {}, properties: [] }));
    expect([m.type, m.type === "done" && m.limit, ...counts(m)]).toEqual(["done", null, 8, 4_126, 3]);
  });

  it("without guards: the same walk", () => {
    const guarded = runMember(twoPhaseCommit, setup({ kind: "walks", runs: 200 }));
    const unguarded = runMember(twoPhaseCommit, setup({ kind: "walks", runs: 200 }, { guards: false }));
    expect(counts(guarded)).toEqual([249, 15_630, 40]);
    expect(counts(unguarded)).toEqual(counts(guarded));
  });
});
