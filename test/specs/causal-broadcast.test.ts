import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import { become, type ProtocolState } from "../../src/index.js";
import {
  causalBroadcast,
  causalBroadcastNode,
  deliverable,
  type CausalMessage,
  type ModelNode,
} from "../../specs/causal-broadcast.js";

const ctx = {
  self: "n3",
  from: "n1",
  kind: "message",
  params: {},
  nodes: ["n1", "n2", "n3"],
  roles: { node: ["n1", "n2", "n3"] },
} as const;

function message(sender: string, clock: Record<string, number>, payload: string): CausalMessage {
  return { type: "Causal", sender, clock, payload };
}

describe("causalBroadcastNode", () => {
  it("holds a message back until what it depends on is delivered, then delivers both", () => {
    const first = message("n1", { n1: 1 }, "a");
    const second = message("n2", { n1: 1, n2: 1 }, "b");
    expect(deliverable(second, {})).toBe(false);
    const held = causalBroadcastNode.reduce(causalBroadcastNode.init(ctx), second, ctx);
    expect(held).toEqual(become({ clock: {}, pending: [second], delivered: [] }));
    const both = causalBroadcastNode.reduce(held!.state, first, ctx);
    expect(both?.state).toEqual({
      clock: { n1: 1, n2: 1 },
      pending: [],
      delivered: [
        { sender: "n1", payload: "a" },
        { sender: "n2", payload: "b" },
      ],
    });
  });

  it("delivers its own broadcast at once and sends it to every other node", () => {
    const step = causalBroadcastNode.reduce(causalBroadcastNode.init(ctx), { type: "Broadcast", payload: "x" }, ctx);
    expect(step).toEqual(
      become(
        { clock: { n3: 1 }, pending: [], delivered: [{ sender: "n3", payload: "x" }] },
        {
          type: "broadcast",
          to: ["n1", "n2"],
          msg: message("n3", { n3: 1 }, "x"),
        },
      ),
    );
  });
});

describe("causal-broadcast", () => {
  it("holds at the defaults (3 nodes, 1 broadcast each): 690 distinct states, BFS and DFS agree", () => {
    const bfs = checkSpec(causalBroadcast);
    expect([bfs.result, bfs.distinctStates, bfs.generatedStates, bfs.maxDepth]).toEqual(["ok", 690, 1552, 9]);
    const dfs = checkSpec(causalBroadcast, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 690, 1552]);
  });

  it("holds with 2 nodes and 2 broadcasts each: 165 distinct states", () => {
    const r = checkSpec(causalBroadcast, { params: { nodes: 2, messages: 2 } });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 165, 273]);
  });

  it("deliver-on-arrival delivers out of causal order in 4 steps", () => {
    const r = checkSpec(causalBroadcast, { variant: "deliver-on-arrival" });
    expect([r.result, r.property]).toEqual(["violation", "deliveredInCausalOrder"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      'n1: Broadcast{payload:{"id":"n1.1","after":[]}}',
      'n2: receive Causal{sender:"n1",clock:{"n1":1},payload:{"id":"n1.1","after":[]}} from n1',
      'n2: Broadcast{payload:{"id":"n2.1","after":["n1.1"]}}',
      'n3: receive Causal{sender:"n2",clock:{"n1":1,"n2":1},payload:{"id":"n2.1","after":["n1.1"]}} from n2',
    ]);
    const dfs = checkSpec(causalBroadcast, { variant: "deliver-on-arrival", strategy: "dfs" });
    expect([dfs.result, dfs.property]).toEqual(["violation", "deliveredInCausalOrder"]);
  });

  it("wait-for-exact-vector ends with messages held back forever, after 9 steps", () => {
    const r = checkSpec(causalBroadcast, { variant: "wait-for-exact-vector" });
    expect([r.result, r.property, r.propertyKind, (r.trace?.length ?? 0) - 1]).toEqual([
      "violation",
      "everyNodeDeliveredEveryMessage",
      "final",
      9,
    ]);
    const last = r.trace?.at(-1)?.state as ProtocolState<ModelNode>;
    expect(Object.values(last.nodes).map((n) => n.pending.length)).toEqual([2, 2, 2]);
  });
});
