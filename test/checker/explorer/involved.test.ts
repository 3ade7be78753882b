import { describe, expect, it } from "vitest";
import { involvedNodes } from "../../../checker/explorer/involved.js";
import type { Model, Trace } from "../../../src/index.js";

type Nodes = Record<string, { readonly leader: boolean }>;
const state = (nodes: Nodes) => ({ nodes, network: [] });
const n = (leader: boolean) => ({ leader });

/** A model with only properties: involvedNodes reads nothing else. */
function model(
  properties: readonly { name: string; kind: string; check: (...s: never[]) => boolean }[],
): Model<unknown> {
  return { properties } as unknown as Model<unknown>;
}

// A rolled-back node the first state lacks is undefined here, and counts as no leader.
const leaders = (s: { nodes: Nodes }) =>
  Object.values(s.nodes).filter((x: { readonly leader: boolean } | undefined) => x?.leader === true).length;
const oneLeader = { name: "oneLeader", kind: "invariant", check: (s: { nodes: Nodes }) => leaders(s) <= 1 };
/** An action property: no step may add two leaders. */
const gradual = {
  name: "gradual",
  kind: "action",
  check: (a: { nodes: Nodes }, b: { nodes: Nodes }) => leaders(b) - leaders(a) < 2,
};

const idle = n(false);
const start = state({ a: idle, b: idle, c: idle, d: idle });
// a and b became leaders; c changed but not in a way that matters; d never changed (the same object).
const end = state({ a: n(true), b: n(true), c: n(false), d: idle });
const trace: Trace = [
  { action: null, state: start },
  { action: "a: elect", state: state({ ...start.nodes, a: n(true) }) },
  { action: "b: elect", state: end },
];

describe("involvedNodes", () => {
  it("names the nodes whose rollback to the first state repairs an invariant, in node order", () => {
    expect(involvedNodes(model([oneLeader]), trace, "oneLeader")).toEqual(["a", "b"]);
    // Three leaders: no single rollback repairs the property.
    const three = state({ ...end.nodes, c: n(true) });
    expect(
      involvedNodes(model([oneLeader]), [...trace.slice(0, 2), { action: "x", state: three }], "oneLeader"),
    ).toEqual([]);
  });

  it("judges an action property on the last step: from the state before it", () => {
    const jump: Trace = [
      { action: null, state: start },
      { action: "both: elect", state: end },
    ];
    expect(involvedNodes(model([gradual]), jump, "gradual")).toEqual(["a", "b"]);
    // A one-state trace has no last step: nothing repairs it.
    expect(involvedNodes(model([gradual]), [{ action: null, state: end }], "gradual")).toEqual([]);
  });

  it("is empty for an unknown property and for states that are not a protocol's; a throwing property is violated", () => {
    expect(involvedNodes(model([oneLeader]), trace, "nope")).toEqual([]);
    // A property that throws counts as violated: only the rollback that keeps it from throwing repairs it.
    const throws = {
      name: "throws",
      kind: "invariant",
      check: (s: { nodes: Nodes }) => {
        if (s.nodes["a"]!.leader) throw new Error("boom");
        return true;
      },
    };
    expect(involvedNodes(model([throws]), trace, "throws")).toEqual(["a"]);
    const plain: Trace = [
      { action: null, state: { x: 0 } },
      { action: "inc", state: { x: 1 } },
    ];
    expect(involvedNodes(model([oneLeader]), plain, "oneLeader")).toEqual([]);
    expect(
      involvedNodes(model([oneLeader]), [{ action: null, state: { x: 0 } }, ...trace.slice(1)], "oneLeader"),
    ).toEqual([]);
    expect(involvedNodes(model([oneLeader]), [...trace, { action: "y", state: { x: 1 } }], "oneLeader")).toEqual([]);
    expect(involvedNodes(model([oneLeader]), [], "oneLeader")).toEqual([]);
  });

  it("skips a node the first state does not have", () => {
    const joined = state({ ...end.nodes, e: n(true) });
    const t: Trace = [
      { action: null, state: start },
      { action: "e: join", state: joined },
    ];
    // Rolling back a or b leaves e and the other: still two leaders; e has no first state to roll back to,
    // so it is never named, though dropping it would leave one leader.
    expect(involvedNodes(model([oneLeader]), t, "oneLeader")).toEqual([]);
    const two = state({ a: n(true), b: idle, c: idle, d: idle, e: n(true) });
    expect(
      involvedNodes(
        model([oneLeader]),
        [
          { action: null, state: start },
          { action: "x", state: two },
        ],
        "oneLeader",
      ),
    ).toEqual(["a"]);
  });
});
