import { describe, expect, it } from "vitest";
import { DEFAULT_RUNS, DEFAULT_WALK_DEPTH, type RandomOutcome } from "../../../checker/random/options.js";
import { isRandomOutcome, randomReport, replayHint, type RandomReport } from "../../../checker/random/report.js";
import type { Report } from "../../../checker/report.js";

const report = (over: Partial<RandomReport>): RandomReport =>
  ({
    spec: "counter",
    variant: "default",
    params: {},
    mode: "search",
    seed: 7,
    replayPath: null,
    runs: DEFAULT_RUNS,
    walkDepth: DEFAULT_WALK_DEPTH,
    ...over,
  }) as RandomReport;

describe("replayHint", () => {
  it("a search without a violation: the seed alone, no default variant or budget", () => {
    expect(replayHint(report({}))).toBe("search: interleave check counter --strategy random --seed 7");
  });

  it("names the variant, each parameter and a budget other than the default, then the replay path", () => {
    const r = report({ variant: "broken", params: { n: 3, fast: true }, runs: 50, walkDepth: 9, replayPath: "0:1:2" });
    const base = "interleave check ./my.ts --variant broken --param n=3 --param fast=true --strategy random --seed 7";
    expect(replayHint(r, "./my.ts")).toBe(
      `search: ${base} --runs 50 --max-depth 9\nreplay: ${base} --replay-path 0:1:2`,
    );
  });

  it("a replay gives its one line, or says its path ends with no violation", () => {
    expect(replayHint(report({ mode: "replay", replayPath: "0:2" }))).toBe(
      "replay: interleave check counter --strategy random --seed 7 --replay-path 0:2",
    );
    expect(replayHint(report({ mode: "replay" }))).toBe("replay: the path ends with no violation");
  });
});

describe("randomReport", () => {
  const outcome = (durationMs: number) =>
    ({
      mode: "search",
      seed: 5,
      replayPath: "0:1",
      walks: 3,
      runs: 4,
      walkDepth: 6,
      steps: 500,
      durationMs,
      foundSteps: 9,
    }) as RandomOutcome<unknown>;

  it("adds the walk counts and steps per second to the common report", () => {
    const common = { spec: "counter", result: "violation" } as unknown as Report;
    // Every field of the outcome but its duration is copied; the duration becomes steps per second.
    const { durationMs: _, ...copied } = outcome(2000);
    expect(randomReport(common, outcome(2000))).toEqual({ ...common, ...copied, stepsPerSecond: 250 });
    expect(Object.keys(randomReport(common, outcome(2000)))).toHaveLength(11);
    expect(randomReport(common, outcome(0)).stepsPerSecond).toBe(0);
  });

  it("tells a random outcome by its seed", () => {
    expect(isRandomOutcome(outcome(1) as never)).toBe(true);
    expect(isRandomOutcome({ result: "ok" } as never)).toBe(false);
  });
});
