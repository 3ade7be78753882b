import { describe, expect, it } from "vitest";
import { PathChecker } from "../../../checker/random/path-checker.js";
import { cutCycles, shrinkPath } from "../../../checker/random/shrink.js";
import { autoscaler } from "../../../specs/autoscaler.js";
import { defineSpec, invariant, onEveryStep, onlyProperty, selectProperties } from "../../../src/index.js";
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

  it("takes no step to a successor off the path", () => {
    // From 1, Dec and Reset lead to 0, which this walk from 1 never visits: 1 2 1 2 3 is cut to 1 2 3.
    const checker = new PathChecker(counterModel("below3", [1]));
    const found = counterexample("below3", [INC, DEC, INC, INC]);
    expect(checker.walk(0, found.path.steps, { exact: true })).toEqual(found);
    expect(cutCycles(checker, found)).toEqual({ ...found, path: { init: 0, steps: [INC, INC] } });
  });

  it("moves a path from a repeated initial state to its first copy, the steps the same", () => {
    const checker = new PathChecker(counterModel("below3", [0, 0]));
    const found = counterexample("below3", [INC, INC, INC], 1);
    expect(checker.walk(1, found.path.steps, { exact: true })).toEqual(found);
    expect(cutCycles(checker, found)).toEqual({ ...found, path: { init: 0, steps: [INC, INC, INC] } });
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
 * A counter with two ways up, Inc (to 8) and Double (above 0, to 8), in the
 * order `first` says (Inc first by default); `not8` fails at 8 and
 * `stepsByOne` on a step of more than one. The shortest way to 8 is Inc Inc
 * Double Double.
 */
function doubling(options: { first?: "Inc" | "Double"; properties?: ("not8" | "stepsByOne")[] } = {}) {
  const inc = (s: { x: number }) => (s.x < 8 ? { x: s.x + 1 } : undefined);
  const double = (s: { x: number }) => (s.x > 0 && 2 * s.x <= 8 ? { x: 2 * s.x } : undefined);
  const spec = defineSpec({
    name: "doubling",
    description: "a counter that can double",
    init: () => [{ x: 0 }],
    actions: options.first === "Double" ? { Double: double, Inc: inc } : { Inc: inc, Double: double },
    properties: {
      not8: invariant((s: { x: number }) => s.x !== 8),
      stepsByOne: onEveryStep((a: { x: number }, b: { x: number }) => b.x <= a.x + 1),
    },
  });
  return selectProperties(spec.instantiate(), options.properties ?? ["not8"]);
}

/**
 * Two counters a and b up to 3, raised by IncA and IncB (in that order), from
 * `starts` ((0, 0) by default). `aBelow2` fails at a = 2, `notA1B0` at (1, 0);
 * with `aAtMost1`, the states with a above 1 are outside the constraint.
 */
function twoCounters(options: {
  starts?: { a: number; b: number }[];
  properties: ("aBelow2" | "notA1B0")[];
  aAtMost1?: true;
}) {
  type AB = { a: number; b: number };
  const spec = defineSpec({
    name: "two-counters",
    description: "two counters",
    init: () => options.starts ?? [{ a: 0, b: 0 }],
    actions: {
      IncA: (s: AB) => (s.a < 3 ? { ...s, a: s.a + 1 } : undefined),
      IncB: (s: AB) => (s.b < 3 ? { ...s, b: s.b + 1 } : undefined),
    },
    properties: {
      aBelow2: invariant((s: AB) => s.a < 2),
      notA1B0: invariant((s: AB) => !(s.a === 1 && s.b === 0)),
    },
    ...(options.aAtMost1 ? { constraint: (s: AB) => s.a <= 1 } : {}),
  });
  return selectProperties(spec.instantiate(), options.properties);
}

/** Initial states 0 to 11 and no action; `oddOrZero` fails at every even state from 2. */
function evens() {
  return defineSpec({
    name: "evens",
    description: "twelve initial states",
    init: () => Array.from({ length: 12 }, (_, x) => ({ x })),
    actions: { Stay: () => undefined },
    properties: { oddOrZero: invariant((s: { x: number }) => s.x % 2 === 1 || s.x === 0) },
  }).instantiate();
}

const INC_A = 0;
const INC_B = 1;

describe("cutCycles takes shortcuts", () => {
  it("from each state, the successor furthest along the path, the violating state included", () => {
    const checker = new PathChecker(doubling());
    const found = checker.walk(0, [0, 0, 0, 0, 0, 0, 0, 0], { exact: true })!;
    expect(found).toEqual({ property: "not8", kind: "invariant", path: { init: 0, steps: [0, 0, 0, 0, 0, 0, 0, 0] } });
    // 0 -Inc-> 1 -Inc-> 2 -Double-> 4 -Double-> 8: at 2 and at 4, Double (ordinal 1) lands further than Inc.
    expect(cutCycles(checker, found).path).toEqual({ init: 0, steps: [0, 0, 1, 1] });
  });

  it("the furthest successor, whichever order the successors come in", () => {
    // Double is ordinal 0 wherever it is enabled: 0 -Inc-> 1 -Double-> 2 -Double-> 4 -Double-> 8.
    const checker = new PathChecker(doubling({ first: "Double" }));
    const found = checker.walk(0, [0, 1, 1, 1, 1, 0, 0, 0], { exact: true })!;
    expect(found).toEqual({ property: "not8", kind: "invariant", path: { init: 0, steps: [0, 1, 1, 1, 1, 0, 0, 0] } });
    expect(cutCycles(checker, found).path).toEqual({ init: 0, steps: [0, 0, 0, 0] });
  });

  it("a shortcut that saves a single step", () => {
    // 0 1 2 3 4 8 (Inc Inc Inc Inc Double): at 2, Double to 4 saves the step through 3.
    const checker = new PathChecker(doubling());
    const found = checker.walk(0, [0, 0, 0, 0, 1], { exact: true })!;
    expect(found).toEqual({ property: "not8", kind: "invariant", path: { init: 0, steps: [0, 0, 0, 0, 1] } });
    expect(cutCycles(checker, found)).toEqual({ ...found, path: { init: 0, steps: [0, 0, 1, 1] } });
  });

  it("not one that violates another property: the path is kept, the same object", () => {
    // The shortcut from 2 to 4 violates stepsByOne, which no step of the walk 0 1 ... 8 does.
    const checker = new PathChecker(doubling({ properties: ["not8", "stepsByOne"] }));
    const found = checker.walk(0, [0, 0, 0, 0, 0, 0, 0, 0], { exact: true })!;
    expect(found).toEqual({ property: "not8", kind: "invariant", path: { init: 0, steps: [0, 0, 0, 0, 0, 0, 0, 0] } });
    expect(checker.walk(0, [0, 0, 1], { exact: true })).toEqual({
      property: "stepsByOne",
      kind: "action",
      path: { init: 0, steps: [0, 0, 1] },
    });
    expect(cutCycles(checker, found)).toBe(found);
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

  it("finds a shorter path through states the walk never visited, whatever the walks' depth", () => {
    // (0,0) IncB IncB IncB IncA IncA: cutting leaves it as it is; IncA IncA is the shortest.
    const model = twoCounters({ properties: ["aBelow2"] });
    const steps = [INC_B, INC_B, INC_B, INC_A, INC_A];
    const found = new PathChecker(model).walk(0, steps, { exact: true })!;
    expect(found).toEqual({ property: "aBelow2", kind: "invariant", path: { init: 0, steps } });
    expect(cutCycles(new PathChecker(model), found)).toBe(found);
    expect(shrinkPath(model, found, { seed: 1, maxDepth: 1 })).toEqual({ init: 0, steps: [INC_A, INC_A] });
  });

  it("shrinks the initial state as well: another one may be closer", () => {
    // From (1,1), the first initial state, IncA is a violation; the walk from (0,0) takes four steps.
    const model = twoCounters({
      starts: [
        { a: 1, b: 1 },
        { a: 0, b: 0 },
      ],
      properties: ["aBelow2"],
    });
    const steps = [INC_B, INC_B, INC_A, INC_A];
    const found = new PathChecker(model).walk(1, steps, { exact: true })!;
    expect(found).toEqual({ property: "aBelow2", kind: "invariant", path: { init: 1, steps } });
    expect(shrinkPath(model, found, { seed: 1, maxDepth: 20 })).toEqual({ init: 0, steps: [INC_A] });
  });

  it("keeps a path no walk repeats, its last step outside the constraint: walks meet another property first", () => {
    // Every walk expands (0,0), whose successor (1,0) violates notA1B0; the path's last state (2,2) is outside a <= 1.
    const model = twoCounters({ properties: ["aBelow2", "notA1B0"], aAtMost1: true });
    const checker = new PathChecker(model);
    const found = checker.walk(0, [INC_B, INC_B, INC_A, INC_A], { exact: true })!;
    expect(found).toEqual({
      property: "aBelow2",
      kind: "invariant",
      path: { init: 0, steps: [INC_B, INC_B, INC_A, INC_A] },
    });
    expect(checker.encode(found.path)).toBeUndefined();
    expect(checker.walk(0, checker.encode({ init: 0, steps: [INC_B, INC_B, INC_A] })!)?.property).toBe("notA1B0");
    expect(shrinkPath(model, found, { seed: 1, maxDepth: 20 })).toEqual(found.path);
  });

  it("of paths as short, keeps the one fast-check meets last: Inc, not Double, from 1 to 2", () => {
    // Both lead from 1 to 2; fast-check shrinks the choice of Double there (label 1) to Inc (label 0).
    const model = doubling();
    const found = new PathChecker(model).walk(0, [0, 1, 1, 1], { exact: true })!;
    expect(found).toEqual({ property: "not8", kind: "invariant", path: { init: 0, steps: [0, 1, 1, 1] } });
    expect(shrinkPath(model, found, { seed: 1, maxDepth: 20 })).toEqual({ init: 0, steps: [0, 0, 1, 1] });
  });

  it("shrinks again after a round that shortens the path", () => {
    // 0 1 2 4 5 6 7 8 (Inc Double Double Inc...): the first round ends at Inc Double Double Double,
    // the second, no shorter, at Inc Inc Double Double.
    const model = doubling();
    const found = new PathChecker(model).walk(0, [0, 1, 1, 0, 0, 0, 0], { exact: true })!;
    expect(found.path.steps).toHaveLength(7);
    expect(shrinkPath(model, found, { seed: 1, maxDepth: 20 })).toEqual({ init: 0, steps: [0, 0, 1, 1] });
  });

  it("stops after a round that shortens nothing, even where another would move the initial state", () => {
    // From 10, fast-check's first round stops at 8, which no shorter: more rounds would go on to 2.
    const model = evens();
    const found = new PathChecker(model).walk(10, [], { exact: true })!;
    expect(found).toEqual({ property: "oddOrZero", kind: "invariant", path: { init: 10, steps: [] } });
    expect(shrinkPath(model, found, { seed: 1, maxDepth: 5 })).toEqual({ init: 8, steps: [] });
  });

  it("keeps the shortest path fast-check meets, not the last one (autoscaler, count-pending-as-zero)", () => {
    // fast-check's last failing walk is not the shortest it met: keeping the last would end at 6 6 3.
    const model = onlyProperty(autoscaler.instantiate({ variant: "count-pending-as-zero" }), "capacityWithinMinMax");
    const found = new PathChecker(model).walk(0, [6, 7, 3, 0], { exact: true })!;
    expect(found).toEqual({
      property: "capacityWithinMinMax",
      kind: "invariant",
      path: { init: 0, steps: [6, 7, 3, 0] },
    });
    expect(shrinkPath(model, found, { seed: 1, maxDepth: 100 })).toEqual({ init: 0, steps: [7, 5] });
  });
});
