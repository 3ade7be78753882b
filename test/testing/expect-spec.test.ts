import { describe, expect, it } from "vitest";
import { twoPhaseCommit } from "../../specs/two-phase-commit.js";
import { choose, defineSpec, invariant, setAdd } from "../../src/index.js";
import { expectSpec, SpecExpectationError } from "../../testing/index.js";

/** Captures what a failing expectation throws. */
function failure(run: () => unknown): SpecExpectationError {
  try {
    run();
  } catch (error) {
    if (error instanceof SpecExpectationError) return error;
    throw error;
  }
  throw new Error("expected the expectation to fail");
}

describe("expectSpec", () => {
  it("toHoldAll returns the report of a complete check", () => {
    const r = expectSpec(twoPhaseCommit, { params: { rms: 3 } }).toHoldAll();
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 288, 1146]);
  });

  it("toHoldAll fails on a violation with the summary and the trace", () => {
    const e = failure(() => expectSpec(twoPhaseCommit, { variant: "commit-without-all-prepared" }).toHoldAll());
    expect(e.message.split("\n").slice(0, 2)).toEqual([
      "expected every property of two-phase-commit --variant commit-without-all-prepared (bfs) to hold; got:",
      expect.stringMatching(
        /^VIOLATION: two-phase-commit --variant commit-without-all-prepared \(rms=3\): invariant "consistent" is violated after 3 steps;/,
      ),
    ]);
    expect(e.message).toContain("Step 3: rm2: receive Commit from tm");
    expect(e.report.property).toBe("consistent");
  });

  it("toHoldAll fails when an exhaustive search is cut short", () => {
    const e = failure(() => expectSpec(twoPhaseCommit, { maxStates: 10 }).toHoldAll());
    expect(e.message).toContain("INCOMPLETE: two-phase-commit (rms=3): --max-states reached with no violation found");
  });

  it("with the random strategy, toHoldAll means no walk found a violation", () => {
    const r = expectSpec(twoPhaseCommit, { strategy: "random", seed: 1, runs: 100, maxDepth: 20 }).toHoldAll();
    expect([r.result, r.strategy]).toEqual(["incomplete", "random"]);
  });

  it("toViolate checks the property and the trace length", () => {
    const r = expectSpec(twoPhaseCommit).toViolate("consistent", { variant: "commit-without-all-prepared", steps: 3 });
    expect(r.trace).toHaveLength(4);
    expect(
      failure(() =>
        expectSpec(twoPhaseCommit).toViolate("consistent", { variant: "commit-without-all-prepared", steps: 4 }),
      ).message,
    ).toMatch(
      /^expected two-phase-commit --variant commit-without-all-prepared \(bfs\) to violate "consistent" in exactly 4 steps; got:\nVIOLATION/,
    );
    expect(
      failure(() => expectSpec(twoPhaseCommit).toViolate("typeOK", { variant: "commit-without-all-prepared" })).message,
    ).toMatch(/^expected two-phase-commit --variant commit-without-all-prepared \(bfs\) to violate "typeOK"; got:/);
    expect(failure(() => expectSpec(twoPhaseCommit).toViolate("consistent")).message).toContain(
      "OK: two-phase-commit (rms=3): every property holds",
    );
  });

  it("a random run's failure prints the seed and path that replay it", () => {
    const options = { strategy: "random", seed: 1 } as const;
    const r = expectSpec(twoPhaseCommit, options).toViolate("consistent", {
      variant: "abort-after-commit",
      atMostSteps: 12,
    });
    expect(r.trace!.length - 1).toBe(10);
    const e = failure(() =>
      expectSpec(twoPhaseCommit, options).toViolate("consistent", { variant: "abort-after-commit", atMostSteps: 9 }),
    );
    expect(e.message).toContain('to violate "consistent" in at most 9 steps');
    expect(e.message).toContain(
      "replay: interleave check two-phase-commit --variant abort-after-commit --param rms=3 --strategy random --seed 1 --replay-path ",
    );
  });

  it("toViolate merges params over expectSpec's", () => {
    const r = expectSpec(twoPhaseCommit, { params: { rms: 2 } }).toViolate("consistent", {
      variant: "abort-after-commit",
      params: { rms: 4 },
    });
    expect(r.params).toEqual({ rms: 4 });
  });

  it("toCatchEveryBrokenVariant checks each variant's declared property", () => {
    const reports = expectSpec(twoPhaseCommit).toCatchEveryBrokenVariant();
    expect(reports.map((r) => [r.variant, r.property, r.trace!.length - 1, r.loopStart])).toEqual([
      ["commit-without-all-prepared", "consistent", 3, undefined],
      ["abort-after-commit", "consistent", 10, undefined],
      // Liveness variants end in a lasso: it stops at once, or after 4 steps, and stays there forever.
      ["no-fairness", "eventuallyAllDecided", 0, 0],
      ["unfair-network", "eventuallyAllDecided", 4, 4],
    ]);
    const plain = defineSpec({
      name: "plain",
      description: "",
      init: () => [0],
      actions: {},
      properties: { ok: invariant(() => true) },
    });
    expect(() => expectSpec(plain).toCatchEveryBrokenVariant()).toThrow('spec "plain" declares no broken variant');
  });

  it("a failure's trace shows declared sets by membership, sequences by index", () => {
    type S = { readonly holders: readonly number[]; readonly order: readonly number[] };
    const lock = defineSpec({
      name: "lock",
      description: "two processes take a lock that checks nothing",
      sets: ["holders"],
      init: () => [{ holders: [], order: [] }],
      actions: {
        Take: choose(
          () => [1, 0],
          (s: S, i: number) =>
            s.holders.includes(i) ? undefined : { holders: setAdd(s.holders, i), order: [...s.order, i] },
        ),
      },
      properties: { oneHolder: invariant((s: S) => s.holders.length <= 1) },
    });
    const e = failure(() => expectSpec(lock).toHoldAll());
    expect(e.message.split("\n").slice(3)).toEqual([
      "Counterexample (2 steps):",
      "State 0 (initial):",
      "    holders = []",
      "    order = []",
      "Step 1: Take(1)",
      "    holders: + 1",
      "    order[0]: (absent) → 1",
      "Step 2: Take(0)",
      "    holders: + 0",
      "    order[1]: (absent) → 0",
    ]);
  });
});
