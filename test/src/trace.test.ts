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
