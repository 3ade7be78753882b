import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import {
  hasNumbered,
  highestSeq,
  initialNode,
  prefixRelated,
  receiveOrdered,
  sequencer,
  type SequencerNode,
  type SequencerState,
} from "../../specs/sequencer.js";

describe("sequencer: delivery in sequence order", () => {
  it("holds back a message that arrives early and delivers it right after the gap fills", () => {
    let n = receiveOrdered(initialNode, 2, "m3");
    expect([n.delivered, highestSeq(n), hasNumbered(n, "m3")]).toEqual([[], 2, true]);
    n = receiveOrdered(n, 1, "m2");
    expect(n.delivered).toEqual(["m2", "m3"]);
  });

  it("keeps the first message it got under a number", () => {
    const n = receiveOrdered(receiveOrdered(initialNode, 1, "m1"), 1, "m2");
    expect([n.received, n.delivered]).toEqual([{ 1: "m1" }, ["m1"]]);
  });

  it("delivers the same sequence whatever order the numbered messages arrive in, and each once even when duplicated", () => {
    const numbered = ["m1", "m2", "m3", "m4"].map((msg, i) => ({ seq: i + 1, msg }));
    fc.assert(
      fc.property(fc.shuffledSubarray([...numbered, ...numbered], { minLength: 8, maxLength: 8 }), (arrivals) => {
        const node = arrivals.reduce<SequencerNode>((n, m) => receiveOrdered(n, m.seq, m.msg), initialNode);
        expect(node.delivered).toEqual(["m1", "m2", "m3", "m4"]);
      }),
      { seed: 1, numRuns: 200 },
    );
  });

  it("relates sequences by prefix", () => {
    expect([
      prefixRelated(["m1"], ["m1", "m2"]),
      prefixRelated(["m1", "m2"], []),
      prefixRelated(["m1"], ["m2"]),
    ]).toEqual([true, true, false]);
  });
});

describe("sequencer: the model", () => {
  it("holds at the defaults (3 nodes, 1 failover): BFS and DFS agree", () => {
    const b = checkSpec(sequencer);
    expect([b.result, b.distinctStates, b.generatedStates]).toEqual(["ok", 1812, 5288]);
    const d = checkSpec(sequencer, { strategy: "dfs" });
    expect([d.result, d.distinctStates, d.generatedStates]).toEqual(["ok", 1812, 5288]);
  });

  it("restart-numbering gives number 1 to m2 while n2 holds m1 under it, in 7 steps", () => {
    const r = checkSpec(sequencer, { variant: "restart-numbering" });
    expect([r.result, r.property]).toEqual(["violation", "everyNumberNamesOneMessage"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "Broadcast(n1)",
      "Order(m1 at n1)",
      "Receive(#1=m1 at n2)",
      "Crash",
      "Takeover",
      "Broadcast(n2)",
      "Order(m2 at n2)",
    ]);
    const last = r.trace?.at(-1)?.state as SequencerState;
    expect([last.nodes.n2!.received, last.network]).toEqual([
      { 1: "m1" },
      [
        { type: "Ordered", to: "n3", seq: 1, msg: "m1" },
        { type: "Ordered", to: "n3", seq: 1, msg: "m2" },
      ],
    ]);
  });

  it("restart-numbering: one step later n3 delivers m2 first while the others delivered m1", () => {
    const r = checkSpec(sequencer, { variant: "restart-numbering", properties: ["everyNodeDeliversTheSameSequence"] });
    expect([r.result, r.property, r.trace!.length - 1, r.trace?.at(-1)?.action]).toEqual([
      "violation",
      "everyNodeDeliversTheSameSequence",
      8,
      "Receive(#1=m2 at n3)",
    ]);
    const last = r.trace?.at(-1)?.state as SequencerState;
    expect(Object.values(last.nodes).map((n) => n.delivered)).toEqual([["m1"], ["m1"], ["m2"]]);
  });

  it("no-dedup numbers n3's resent m3 again: n2 delivers it twice, in 7 steps", () => {
    const r = checkSpec(sequencer, { variant: "no-dedup" });
    expect([r.result, r.property]).toEqual(["violation", "noMessageIsDeliveredTwice"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "Broadcast(n3)",
      "Order(m3 at n1)",
      "Receive(#1=m3 at n2)",
      "Crash",
      "Takeover",
      "Resend(n3)",
      "Order(m3 at n2)",
    ]);
    expect((r.trace?.at(-1)?.state as SequencerState).nodes.n2!.delivered).toEqual(["m3", "m3"]);
  });

  it.each([
    ["restart-numbering", "everyNumberNamesOneMessage"],
    ["no-dedup", "noMessageIsDeliveredTwice"],
  ])("random search finds %s breaking %s", (variant, property) => {
    const r = checkSpec(sequencer, { variant, strategy: "random", seed: 1, properties: [property] });
    expect([r.result, r.property]).toEqual(["violation", property]);
  });

  it("at termination every live node has delivered every live node's message; the property fails on a node that misses one", () => {
    const model = sequencer.instantiate();
    const prop = model.properties.find((p) => p.name === "liveNodesDeliverEveryLiveNodesMessage")!;
    if (prop.kind !== "final") throw new Error("expected a final-state property");
    const done = (n3: SequencerNode): SequencerState => ({
      nodes: { n1: initialNode, n2: receiveOrdered(initialNode, 1, "m2"), n3 },
      sequencer: "n2",
      crashed: ["n1"],
      network: [],
      broadcast: ["m2"],
    });
    expect(prop.check(done(receiveOrdered(initialNode, 1, "m2")))).toBe(true);
    expect(prop.check(done(initialNode))).toBe(false);
    expect(prop.check(done(receiveOrdered(receiveOrdered(initialNode, 1, "m2"), 3, "m9")))).toBe(false);
  });
});
