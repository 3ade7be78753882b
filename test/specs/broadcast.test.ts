import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import { become, type NodeContext } from "../../src/index.js";
import { broadcast, broadcastNode, type BroadcastNode } from "../../specs/broadcast.js";

const nodes = ["n1", "n2", "n3"];
const at = (self: string, from?: string): NodeContext<unknown> => ({
  self,
  from,
  kind: from === undefined ? "timer" : "message",
  params: {},
  nodes,
  roles: { node: nodes },
});

describe("broadcastNode", () => {
  const fresh = broadcastNode.init(at("n1"));

  it("takes a client's message, answers, gossips it to every neighbour and keeps it until acknowledged", () => {
    expect(fresh).toEqual({ known: [], neighbours: ["n2", "n3"], unacked: {} });
    const took = broadcastNode.reduce(fresh, { type: "Broadcast", message: { any: ["json"] } }, at("n1", "c1"));
    const text = '{"any":["json"]}';
    expect(took).toEqual(
      become<BroadcastNode, unknown, unknown>(
        { known: [text], neighbours: ["n2", "n3"], unacked: { n2: [text], n3: [text] } },
        { type: "send", to: "c1", msg: { type: "BroadcastOk" } },
        { type: "send", to: "n2", msg: { type: "Gossip", messages: [{ any: ["json"] }] } },
        { type: "send", to: "n3", msg: { type: "Gossip", messages: [{ any: ["json"] }] } },
        { type: "setTimer", timer: { type: "Resend" } },
      ),
    );
    const acked = broadcastNode.reduce(
      took!.state,
      { type: "GossipOk", messages: [{ any: ["json"] }] },
      at("n1", "n2"),
    );
    expect(acked?.state.unacked).toEqual({ n2: [], n3: [text] });
    expect(acked?.effects).toEqual([]);
    const resend = broadcastNode.reduce(acked!.state, { type: "Resend" }, at("n1"));
    expect(resend?.effects).toEqual([
      { type: "send", to: "n3", msg: { type: "Gossip", messages: [{ any: ["json"] }] } },
      { type: "setTimer", timer: { type: "Resend" } },
    ]);
    const done = broadcastNode.reduce(
      acked!.state,
      { type: "GossipOk", messages: [{ any: ["json"] }] },
      at("n1", "n3"),
    );
    expect(done?.effects).toEqual([{ type: "cancelTimer", timer: { type: "Resend" } }]);
    expect(broadcastNode.reduce(done!.state, { type: "Resend" }, at("n1"))).toBeUndefined();
  });

  it("acknowledges every gossip, relays only what is new, and not back to its sender", () => {
    const first = broadcastNode.reduce(fresh, { type: "Gossip", messages: [1, 2] }, at("n1", "n2"));
    expect(first?.effects).toEqual([
      { type: "send", to: "n2", msg: { type: "GossipOk", messages: [1, 2] } },
      { type: "send", to: "n3", msg: { type: "Gossip", messages: [1, 2] } },
      { type: "setTimer", timer: { type: "Resend" } },
    ]);
    const again = broadcastNode.reduce(first!.state, { type: "Gossip", messages: [2] }, at("n1", "n3"));
    expect(again).toEqual(become(first!.state, { type: "send", to: "n3", msg: { type: "GossipOk", messages: [2] } }));
  });

  it("reads what it knows; a new neighbour from a topology is owed everything known", () => {
    const known = broadcastNode.reduce(
      { known: ['"x"', "1"], neighbours: ["n2"], unacked: {} },
      { type: "Topology", neighbours: ["n1", "n3"] },
      at("n1", "c0"),
    );
    expect(known?.state).toEqual({ known: ['"x"', "1"], neighbours: ["n3"], unacked: { n3: ['"x"', "1"] } });
    expect(broadcastNode.reduce(known!.state, { type: "Read" }, at("n1", "c1"))?.effects).toEqual([
      { type: "send", to: "c1", msg: { type: "ReadOk", messages: ["x", 1] } },
    ]);
  });
});

describe("broadcast", () => {
  it("holds at the defaults (3 nodes in a line, 1 message, 1 loss, 1 resend): 923 distinct states, BFS and DFS agree", () => {
    const bfs = checkSpec(broadcast);
    expect([bfs.result, bfs.distinctStates, bfs.generatedStates, bfs.maxDepth]).toEqual(["ok", 923, 3031, 13]);
    const dfs = checkSpec(broadcast, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 923, 3031]);
  });

  it("holds with 2 nodes and 2 messages: 4,059 distinct states", () => {
    const r = checkSpec(broadcast, { params: { nodes: 2, messages: 2 } });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 4059, 15355]);
  });

  it("leaves a node without the message when the losses outnumber the resends, after 4 steps", () => {
    const r = checkSpec(broadcast, { params: { resends: 0 } });
    expect([r.result, r.property, r.propertyKind, (r.trace?.length ?? 0) - 1]).toEqual([
      "violation",
      "everyNodeKnowsEveryMessage",
      "final",
      4,
    ]);
    expect(r.trace?.some((s) => /^lose Gossip\{messages:\[1\]\} n\d→n\d$/.test(s.action ?? ""))).toBe(true);
  });

  it("fire-and-forget stops resending before the neighbour has the message, in 2 steps", () => {
    const r = checkSpec(broadcast, { variant: "fire-and-forget" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "resentUntilNeighbourKnows", 2]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      'c1: Hand{to:"n1",message:1}',
      "n1: receive Broadcast{message:1} from c1",
    ]);
  });
});
