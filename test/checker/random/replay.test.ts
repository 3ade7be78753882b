import { describe, expect, it } from "vitest";
import { ReplayPathError } from "../../../checker/path.js";
import { replayPath } from "../../../checker/random/replay.js";
import { counterModel, DEC, INC, RESET } from "./counter.js";

describe("replayPath", () => {
  it("a path to a violation: its trace, the steps and the path to repeat", () => {
    const before = performance.now();
    const r = replayPath(counterModel("below3"), { init: 0, steps: [INC, INC, DEC, INC, INC] }, 4);
    const elapsed = performance.now() - before;
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
    expect(r.durationMs).toBeLessThanOrEqual(elapsed);
    expect({ ...r, durationMs: 0, peakRssBytes: 0 }).toEqual({
      mode: "replay",
      seed: 4,
      walks: 1,
      runs: 1,
      walkDepth: 5,
      steps: 5,
      distinctStates: 6,
      generatedStates: 6,
      maxDepth: 5,
      bytesPerState: 0,
      collisionProbability: 0,
      peakRssBytes: 0,
      foundSteps: 5,
      result: "violation",
      violation: {
        property: "below3",
        kind: "invariant",
        trace: [
          { action: null, state: { x: 0 } },
          { action: "Inc", state: { x: 1 } },
          { action: "Inc", state: { x: 2 } },
          { action: "Dec", state: { x: 1 } },
          { action: "Inc", state: { x: 2 } },
          { action: "Inc", state: { x: 3 } },
        ],
      },
      replayPath: "0:0:0:1:0:0",
      durationMs: 0,
    });
  });

  it("a path that violates nothing is incomplete at its depth, with no path to repeat", () => {
    const before = performance.now();
    const r = replayPath(counterModel("below3"), { init: 0, steps: [INC, RESET] }, 1);
    expect(r.durationMs).toBeLessThanOrEqual(performance.now() - before);
    expect(r.result).toBe("incomplete");
    if (r.result !== "incomplete") return;
    expect([r.result, r.limit, r.replayPath, r.steps, r.maxDepth, r.foundSteps, r.walkDepth]).toEqual([
      "incomplete",
      "max-depth",
      null,
      2,
      2,
      2,
      2,
    ]);
  });

  it("a path that does not fit the model is a ReplayPathError naming the path", () => {
    expect(() => replayPath(counterModel("below3"), { init: 1, steps: [] }, 1)).toThrow(
      new ReplayPathError("--replay-path starts at initial state #1, but the model has 1 initial state(s)"),
    );
    expect(() => replayPath(counterModel("below3"), { init: 0, steps: [INC, 5] }, 1)).toThrow(
      /^--replay-path 0:0:5 does not fit this model: ./,
    );
  });
});
