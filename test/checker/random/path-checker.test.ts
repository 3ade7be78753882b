import { describe, expect, it } from "vitest";
import { PathChecker } from "../../../checker/random/path-checker.js";
import { choose, defineSpec, invariant, type Model } from "../../../src/index.js";
import { counterexample, counterModel, DEC, INC, RESET } from "./counter.js";

/**
 * A counter from 0 to 5 (Inc, then Dec) bounded by `x < bound`: states at
 * the bound are generated and checked but not expanded. `below3` fails at 3.
 */
function bounded(bound: number) {
  return defineSpec({
    name: "bounded",
    description: "a counter with a constraint",
    init: () => [{ x: 0 }],
    actions: {
      Inc: (s: { x: number }) => (s.x < 5 ? { x: s.x + 1 } : undefined),
      Dec: (s: { x: number }) => (s.x > 0 ? { x: s.x - 1 } : undefined),
    },
    properties: { below3: invariant((s: { x: number }) => s.x < 3) },
    constraint: (s) => s.x < bound,
  }).instantiate();
}

/** Counts down from 2 to 0, where no action is enabled; `deadlock` reports that state. */
function countdown(deadlock: boolean) {
  return defineSpec({
    name: "countdown",
    description: "a counter that stops at 0",
    init: () => [{ x: 2 }],
    actions: { Dec: (s: { x: number }) => (s.x > 0 ? { x: s.x - 1 } : undefined) },
    properties: { nonNegative: invariant((s: { x: number }) => s.x >= 0) },
    deadlock,
  }).instantiate();
}

/** `model` with every step a fault (as a protocol's message loss): each state is final, yet has successors. */
function allFaults<S>(model: Model<S>): Model<S> {
  return {
    ...model,
    successors: (state, fp, sink) =>
      model.successors(state, fp, { labels: sink.labels, push: (next, f, label) => sink.push(next, f, label, true) }),
  };
}

/**
 * A grid: Right (x below 3), then Up (y below 3), bounded by `x <= 1`;
 * `below2` fails at y = 2.
 */
function grid() {
  return defineSpec({
    name: "grid",
    description: "two counters, one bounded",
    init: () => [{ x: 0, y: 0 }],
    actions: {
      Right: (s: { x: number; y: number }) => (s.x < 3 ? { ...s, x: s.x + 1 } : undefined),
      Up: (s: { x: number; y: number }) => (s.y < 3 ? { ...s, y: s.y + 1 } : undefined),
    },
    properties: { below2: invariant((s: { x: number; y: number }) => s.y < 2) },
    constraint: (s) => s.x <= 1,
  }).instantiate();
}

/**
 * Messages with contents in their labels: Note (`Note({"w":0})`, a
 * self-loop), then Set to x+1 and x+2 (`Set({"v":1})`...) while x is below
 * 4. `below4` fails at 4.
 */
function messages() {
  return defineSpec({
    name: "messages",
    description: "actions whose labels carry contents",
    init: () => [{ x: 0 }],
    actions: {
      Note: choose(
        () => [{ w: 0 }],
        (s: { x: number }) => s,
      ),
      Set: choose(
        (s: { x: number }) => (s.x < 4 ? [{ v: s.x + 1 }, { v: s.x + 2 }] : []),
        (_s: { x: number }, m: { v: number }) => ({ x: m.v }),
      ),
    },
    properties: { below4: invariant((s: { x: number }) => s.x < 4) },
  }).instantiate();
}

/** Three ways to add 1, 2 or 3 that share one label, `Add(step)`, while x is below 6; `below6` fails at 6. */
function sameLabel() {
  return defineSpec({
    name: "same-label",
    description: "successors with the same label",
    init: () => [{ x: 0 }],
    actions: {
      Add: choose(
        (s: { x: number }) => (s.x < 6 ? [1, 2, 3] : []),
        (s: { x: number }, d: number) => ({ x: s.x + d }),
        () => "step",
      ),
    },
    properties: { below6: invariant((s: { x: number }) => s.x < 6) },
  }).instantiate();
}

describe("PathChecker.walk, exact (a replay of ordinals)", () => {
  it("an initial state that violates an invariant is the violation itself, with no steps", () => {
    const checker = new PathChecker(counterModel("below3", [3]));
    expect(checker.walk(0, [], { exact: true })).toEqual(counterexample("below3", []));
    expect(checker.walk(0, [INC, DEC])).toEqual(counterexample("below3", []));
  });

  it("an initial state beyond the model's is a divergence, not taken modulo their number", () => {
    const checker = new PathChecker(counterModel("below3", [2]));
    expect(checker.walk(0, [INC], { exact: true })).toEqual(counterexample("below3", [INC]));
    expect(checker.walk(1, [INC], { exact: true })).toBeUndefined();
    expect(checker.walk(2, [INC], { exact: true })).toBeUndefined();
  });

  it("a step one beyond the state's successors is a divergence, whatever earlier states left behind", () => {
    const checker = new PathChecker(counterModel("below3"));
    // The walk to 3 last expanded 2, whose successors are 3, 1 and 0; at 0 only Inc (ordinal 0) is enabled.
    expect(checker.walk(0, [INC, INC, INC], { exact: true })).toEqual(counterexample("below3", [INC, INC, INC]));
    expect(checker.walk(0, [DEC, INC, INC, INC], { exact: true })).toBeUndefined();
  });

  it("stops at a state outside the constraint without expanding it: undefined", () => {
    const checker = new PathChecker(bounded(2));
    // 2 is outside: it is checked (and holds), but the step to 3 is never taken.
    expect(checker.walk(0, [INC, INC, INC], { exact: true })).toBeUndefined();
    expect(new PathChecker(bounded(3)).walk(0, [INC, INC, INC], { exact: true })).toEqual(
      counterexample("below3", [INC, INC, INC]),
    );
  });

  it("stops at a state with no successors: undefined, or deadlockFree when deadlocks are checked", () => {
    expect(new PathChecker(countdown(false)).walk(0, [0, 0, 0], { exact: true })).toBeUndefined();
    // By label too: Dec's id is 0, and the third Dec is not enabled at 0.
    const checker = new PathChecker(countdown(false));
    expect(checker.encode({ init: 0, steps: [0, 0] })).toEqual([0, 0]);
    expect(checker.walk(0, [0, 0, 0])).toBeUndefined();
    expect(new PathChecker(countdown(true)).walk(0, [0, 0], { exact: true })).toEqual({
      property: "deadlockFree",
      kind: "final",
      path: { init: 0, steps: [0, 0] },
    });
  });

  it("goes on through a state whose only successors are faults: it is final, but not a dead end", () => {
    const checker = new PathChecker(allFaults(counterModel("below3")));
    expect(checker.walk(0, [INC, INC, INC], { exact: true })).toEqual(counterexample("below3", [INC, INC, INC]));
    // Not exact: the violating fault successor of 2 is seen from 2.
    checker.encode({ init: 0, steps: [INC] });
    expect(checker.walk(0, [0, 0])).toEqual(counterexample("below3", [INC, INC, INC]));
  });
});

describe("PathChecker.encode", () => {
  it("numbers labels in order of first sight, one id per label, across calls", () => {
    const checker = new PathChecker(counterModel("below3"));
    // 0 -Inc-> 1 -Inc-> 2 -Dec-> 1 -Reset-> 0 -Inc-> 1
    expect(checker.encode({ init: 0, steps: [INC, INC, DEC, RESET, INC] })).toEqual([0, 0, 1, 2, 0]);
    expect(checker.encode({ init: 0, steps: [INC, RESET, INC, DEC] })).toEqual([0, 2, 0, 1]);
    expect(checker.encode({ init: 0, steps: [] })).toEqual([]);
  });

  it("a path that leaves the constraint has no encoding", () => {
    const checker = new PathChecker(bounded(2));
    expect(checker.encode({ init: 0, steps: [INC, DEC, INC] })).toEqual([0, 1, 0]);
    expect(checker.encode({ init: 0, steps: [INC, INC] })).toBeUndefined();
  });

  it("tells apart successors that share a label, by their rank among them", () => {
    const checker = new PathChecker(sameLabel());
    // Add 3, then 2, then 1: the third, second and first `Add(step)`.
    const choices = checker.encode({ init: 0, steps: [2, 1, 0] });
    expect(choices).toEqual([0, 1, 2]);
    // The walk takes the third Add to 3, whose third successor is 6.
    expect(checker.walk(0, choices!)).toEqual({
      property: "below6",
      kind: "invariant",
      path: { init: 0, steps: [2, 2] },
    });
  });
});

describe("PathChecker.walk, by label (shrinking)", () => {
  it("skips a choice whose action is not enabled, and one that names no label seen", () => {
    const checker = new PathChecker(counterModel("below3"));
    const [inc, dec] = checker.encode({ init: 0, steps: [INC, DEC] })!;
    expect([inc, dec]).toEqual([0, 1]);
    // At 0 Dec is not enabled and 99 names nothing: then Inc, Inc reaches 2, whose successor 3 fails.
    expect(checker.walk(0, [dec!, 99, inc!, inc!])).toEqual(counterexample("below3", [INC, INC, INC]));
    expect(checker.walk(0, [99, 98])).toBeUndefined();
  });

  it("never steps outside the constraint: a choice of an action that leaves it is skipped", () => {
    const checker = new PathChecker(grid());
    // (0,0) -Right-> (1,0) -Up-> (1,1): Right is ordinal 0 and Up ordinal 1 at (1,0).
    const [right, up] = checker.encode({ init: 0, steps: [0, 1] })!;
    expect([right, up]).toEqual([0, 1]);
    // At (1,0), Right leads to (2,0), outside: skipped. Up reaches (1,1), whose successor (1,2) fails.
    expect(checker.walk(0, [right!, right!, up!])).toEqual({
      property: "below2",
      kind: "invariant",
      path: { init: 0, steps: [0, 1, 1] },
    });
  });

  it("ends where every successor is outside the constraint", () => {
    const checker = new PathChecker(bounded(1));
    // 0's only successor, 1, is outside.
    expect(checker.walk(0, [0, 0])).toBeUndefined();
  });

  it("takes the first successor with the same label but other contents when the one named is not there", () => {
    const checker = new PathChecker(messages());
    // 0's successors: Note({"w":0}) to 0, Set({"v":1}) to 1, Set({"v":2}) to 2.
    const [set1] = checker.encode({ init: 0, steps: [1] })!;
    expect(set1).toBe(0);
    // From 1, Set({"v":1}) is not there: Set({"v":2}) (not Note, not Set({"v":3})) to 2, whose Set({"v":4}) fails.
    expect(checker.walk(0, [set1!, set1!])).toEqual({
      property: "below4",
      kind: "invariant",
      path: { init: 0, steps: [1, 1, 2] },
    });
  });
});
