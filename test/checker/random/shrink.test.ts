import { describe, expect, it } from "vitest";
import { PathChecker } from "../../../checker/random/path-checker.js";
import { cutCycles, shrinkPath } from "../../../checker/random/shrink.js";
import { defineSpec, invariant } from "../../../src/index.js";
import { counterexample, counterModel, DEC, INC, RESET } from "./counter.js";

describe("cutCycles", () => {
  it("cuts every cycle of an invariant's path: 0 1 2 1 2 1 2 then 3 is Inc Inc Inc", () => {
    const checker = new PathChecker(counterModel("below3"));
    const found = counterexample("below3", [INC, INC, DEC, INC, DEC, INC, INC]);
    expect(checker.walk(0, found.path.steps, { exact: true })).toEqual(found);
    expect(cutCycles(checker, found)).toEqual({ ...found, path: { init: 0, steps: [INC, INC, INC] } });
  });

  it("starts again from the initial state a path comes back to", () => {
    const checker = new PathChecker(counterModel("below3"));
    const found = counterexample("below3", [INC, INC, RESET, INC, INC, INC]);
    expect(cutCycles(checker, found).path).toEqual({ init: 0, steps: [INC, INC, INC] });
  });

  it("starts from the latest initial state on the path, whichever initial state the path began at", () => {
    // Initial states 0 and 1: the walk from 0 passes 1 last at its fourth state, so it starts there.
    const checker = new PathChecker(counterModel("below3", [0, 1]));
    const found = counterexample("below3", [INC, INC, DEC, INC, INC]);
    expect(checker.walk(0, found.path.steps, { exact: true })).toEqual(found);
    expect(cutCycles(checker, found).path).toEqual({ init: 1, steps: [INC, INC] });
  });

  it("keeps the violating step of an action property, even when it returns to a state seen before", () => {
    const checker = new PathChecker(counterModel("noResetFrom2"));
    const found = counterexample("noResetFrom2", [INC, DEC, INC, INC, RESET]);
    expect(checker.walk(0, found.path.steps, { exact: true })).toEqual(found);
    expect(cutCycles(checker, found)).toEqual({ ...found, path: { init: 0, steps: [INC, INC, RESET] } });
  });

  it("returns the path itself when nothing is shorter: the same object", () => {
    const checker = new PathChecker(counterModel("below3"));
    const found = counterexample("below3", [INC, INC, INC]);
    expect(cutCycles(checker, found)).toBe(found);
    const action = counterexample("noResetFrom2", [INC, INC, RESET]);
    expect(cutCycles(new PathChecker(counterModel("noResetFrom2")), action)).toBe(action);
  });
});

/**
 * A counter with two ways up, Inc (to 8) and Double (above 0, to 8), in that
 * order; `not8` fails at 8. The shortest way there is Inc Inc Double Double.
 */
function doubling() {
  return defineSpec({
    name: "doubling",
    description: "a counter that can double",
    init: () => [{ x: 0 }],
    actions: {
      Inc: (s: { x: number }) => (s.x < 8 ? { x: s.x + 1 } : undefined),
      Double: (s: { x: number }) => (s.x > 0 && 2 * s.x <= 8 ? { x: 2 * s.x } : undefined),
    },
    properties: { not8: invariant((s: { x: number }) => s.x !== 8) },
  }).instantiate();
}

describe("cutCycles takes shortcuts", () => {
  it("from each state, the successor furthest along the path, the violating state included", () => {
    const checker = new PathChecker(doubling());
    const found = checker.walk(0, [0, 0, 0, 0, 0, 0, 0, 0], { exact: true })!;
    expect(found).toEqual({ property: "not8", kind: "invariant", path: { init: 0, steps: [0, 0, 0, 0, 0, 0, 0, 0] } });
    // 0 -Inc-> 1 -Inc-> 2 -Double-> 4 -Double-> 8: at 2 and at 4, Double (ordinal 1) lands further than Inc.
    expect(cutCycles(checker, found).path).toEqual({ init: 0, steps: [0, 0, 1, 1] });
  });

  it("starts at an initial state the path passes right after its first", () => {
    const checker = new PathChecker(counterModel("below3", [0, 1]));
    expect(cutCycles(checker, counterexample("below3", [INC, INC, INC])).path).toEqual({ init: 1, steps: [INC, INC] });
  });

  it("starts at the initial state furthest along, whatever the order of the initial states", () => {
    // Initial states 2 and 0; the walk from 0 (ordinal 1) reaches 2 last of all, one step before 3.
    const checker = new PathChecker(counterModel("below3", [2, 0]));
    const found = counterexample("below3", [INC, DEC, INC, INC, INC], 1);
    expect(checker.walk(1, found.path.steps, { exact: true })).toEqual(found);
    expect(cutCycles(checker, found).path).toEqual({ init: 0, steps: [INC] });
  });
});

describe("shrinkPath", () => {
  it("shrinks a long walk to the shortest path, and keeps a shortest one as it is", () => {
    const model = counterModel("below3");
    const long = [INC, DEC, INC, INC, DEC, DEC, INC, INC, DEC, INC, INC];
    const checker = new PathChecker(model);
    const found = checker.walk(0, long, { exact: true })!;
    expect(found.path.steps).toHaveLength(11);
    expect(shrinkPath(model, found, { seed: 1, maxDepth: 20 })).toEqual({ init: 0, steps: [INC, INC, INC] });
    const shortest = counterexample("below3", [INC, INC, INC]);
    expect(shrinkPath(model, shortest, { seed: 1, maxDepth: 20 })).toEqual(shortest.path);
  });

  it("an action property's walk shrinks to its three steps, the last one kept", () => {
    const model = counterModel("noResetFrom2");
    const found = new PathChecker(model).walk(0, [INC, DEC, INC, DEC, INC, INC, DEC, INC, RESET], { exact: true })!;
    expect(found.property).toBe("noResetFrom2");
    expect(shrinkPath(model, found, { seed: 3, maxDepth: 20 })).toEqual({ init: 0, steps: [INC, INC, RESET] });
  });
});
