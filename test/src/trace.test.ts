import { describe, expect, it } from "vitest";
import { diffStates, formatTraceText } from "../../src/trace.js";

/** Arrays by index, the declared set `held` by membership, the map `nodes` by key. */
const trace = [
  {
    action: null,
    state: { pc: ["idle", "idle"], lock: null, held: [] as string[], nodes: { n1: { term: 1, log: ["a"] } } },
  },
  {
    action: "Enter(1)",
    state: { pc: ["idle", "checked"], lock: 1, held: ["b"], nodes: { n1: { term: 2, log: ["a"] } } },
  },
  {
    action: "Swap",
    state: {
      pc: ["idle", "idle"],
      lock: 1,
      held: ["a"],
      nodes: { n1: { term: 2, log: ["a", "c"] }, "n-2": { term: 1, log: [] } },
    },
  },
  {
    action: "Noop",
    state: {
      pc: ["idle", "idle"],
      lock: 1,
      held: ["a"],
      nodes: { n1: { term: 2, log: ["a", "c"] }, "n-2": { term: 1, log: [] } },
    },
  },
];

describe("trace diffs", () => {
  it("show arrays by index, declared sets by membership, maps by key", () => {
    expect(formatTraceText(trace, { sets: ["held"] })).toBe(
      [
        "State 0 (initial):",
        '    pc = ["idle","idle"]',
        "    lock = null",
        "    held = []",
        '    nodes = {"n1":{"term":1,"log":["a"]}}',
        "Step 1: Enter(1)",
        '    pc[1]: "idle" → "checked"',
        "    lock: null → 1",
        '    held: + "b"',
        "    nodes.n1.term: 1 → 2",
        "Step 2: Swap",
        '    pc[1]: "checked" → "idle"',
        '    held: - "b"',
        '    held: + "a"',
        '    nodes.n1.log[1]: (absent) → "c"',
        '    nodes["n-2"]: (absent) → {"term":1,"log":[]}',
        "Step 3: Noop",
        "    (no change)",
      ].join("\n"),
    );
  });

  it("show no change to a declared set whose members are the same in another order", () => {
    expect(diffStates({ held: ["a", "b"], n: 0 }, { held: ["b", "a"], n: 1 }, { sets: ["held"] })).toEqual([
      { kind: "value", path: "n", before: 0, after: 1 },
    ]);
    expect(
      formatTraceText(
        [
          { action: null, state: { held: ["a", "b"] } },
          { action: "Shuffle", state: { held: ["b", "a"] } },
        ],
        { sets: ["held"] },
      )
        .split("\n")
        .at(-1),
    ).toBe("    (no change)");
  });

  it("show an undeclared array by index, even when it only grows", () => {
    expect(diffStates(trace[1]!.state, trace[2]!.state).filter((c) => c.path.startsWith("held"))).toEqual([
      { kind: "value", path: "held[0]", before: "b", after: "a" },
    ]);
  });

  it("match `*` in a set path against any key, and diff a protocol's network by membership", () => {
    const before = {
      nodes: { n1: { votes: ["n1"] }, n2: { votes: [] } },
      network: [{ to: "n2" }],
      timers: [],
      down: [],
    };
    const after = {
      nodes: { n1: { votes: ["n1", "n2"] }, n2: { votes: [] } },
      network: [{ to: "n1" }],
      timers: [],
      down: [],
    };
    expect(
      formatTraceText(
        [
          { action: null, state: before },
          { action: "n1: receive Vote from n2", state: after },
        ],
        { sets: ["nodes.*.votes"] },
      )
        .split("\n")
        .slice(-4),
    ).toEqual([
      "Step 1: n1: receive Vote from n2",
      '    nodes.n1.votes: + "n2"',
      '    network: - {"to":"n2"}',
      '    network: + {"to":"n1"}',
    ]);
  });

  it("name a whole state that is not an object `state`", () => {
    expect(diffStates(1, 2)).toEqual([{ kind: "value", path: "state", before: 1, after: 2 }]);
  });
});

describe("formatTraceText of a lasso", () => {
  const lasso = [
    { action: null, state: { x: 0 } },
    { action: "A", state: { x: 1 } },
    { action: "B", state: { x: 2 } },
    { action: "C", state: { x: 1 } },
  ];

  it("marks where the loop starts and says it repeats", () => {
    expect(formatTraceText(lasso, { loopStart: 1 }).split("\n")).toEqual([
      "State 0 (initial):",
      "    x = 0",
      "Step 1: A",
      "    x: 0 → 1",
      "-- Loop starts here (state 1) --",
      "Step 2: B",
      "    x: 1 → 2",
      "Step 3: C",
      "    x: 2 → 1",
      "-- Back to state 1: the loop repeats forever --",
    ]);
    expect(formatTraceText(lasso, { loopStart: 0 }).split("\n").slice(2, 3)).toEqual([
      "-- Loop starts here (state 0) --",
    ]);
    expect(formatTraceText(lasso, { loopStart: 0 }).split("\n").at(-1)).toBe(
      "-- Back to state 0: the loop repeats forever --",
    );
  });

  it("a lasso ending in a state it stays in says so, once", () => {
    expect(formatTraceText(lasso, { loopStart: 3 }).split("\n").slice(-3)).toEqual([
      "Step 3: C",
      "    x: 2 → 1",
      "-- The system stays in state 3 forever (nothing fair is enabled there) --",
    ]);
    expect(formatTraceText(lasso.slice(0, 1), { loopStart: 0 }).split("\n")).toEqual([
      "State 0 (initial):",
      "    x = 0",
      "-- The system stays in state 0 forever (nothing fair is enabled there) --",
    ]);
  });

  it("a state that is not an object is shown whole, a step without change or action says so", () => {
    expect(
      formatTraceText([
        { action: null, state: 3 },
        { action: null, state: 3 },
      ]).split("\n"),
    ).toEqual(["State 0 (initial):", "    3", "Step 1: ?", "    (no change)"]);
  });
});

describe("diffStates paths and set patterns", () => {
  it("quotes keys that are not identifiers, and reports a change of kind as one value", () => {
    expect(diffStates({ "1a": 1 }, { "1a": 2 })).toEqual([{ kind: "value", path: '["1a"]', before: 1, after: 2 }]);
    expect(diffStates({ a: [1] }, { a: "x" })).toEqual([{ kind: "value", path: "a", before: [1], after: "x" }]);
    expect(diffStates({ a: null }, { a: { b: 1 } })).toEqual([
      { kind: "value", path: "a", before: null, after: { b: 1 } },
    ]);
    expect(diffStates([1], [2])).toEqual([{ kind: "value", path: "[0]", before: 1, after: 2 }]);
    expect(diffStates(1, 2)).toEqual([{ kind: "value", path: "state", before: 1, after: 2 }]);
  });

  it("a set pattern matches paths of its own length only, every segment or *", () => {
    const before = { n: { y: [1] } };
    const after = { n: { y: [2] } };
    const values = [{ kind: "value", path: "n.y[0]", before: 1, after: 2 }];
    expect(diffStates(before, after, { sets: ["n"] })).toEqual(values);
    expect(diffStates(before, after, { sets: ["n.x"] })).toEqual(values);
    expect(diffStates(before, after, { sets: ["x.y"] })).toEqual(values);
    const membership = [{ kind: "membership", path: "n.y", added: [2], removed: [1] }];
    expect(diffStates(before, after, { sets: ["n.y"] })).toEqual(membership);
    expect(diffStates(before, after, { sets: ["n.*"] })).toEqual(membership);
    expect(diffStates(before, after, { sets: ["*.y"] })).toEqual(membership);
  });
});
