import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import { become, type ProtocolState } from "../../src/index.js";
import {
  reliableDelivery,
  reliableReceiver,
  reliableSender,
  type ModelSender,
  type ReliableReceiver,
} from "../../specs/reliable-delivery.js";

const at = (self: string, from?: string) =>
  ({ self, from, kind: from === undefined ? "choice" : "message", params: {}, nodes: ["s", "r"], roles: {} }) as const;

describe("reliableSender and reliableReceiver", () => {
  it("the sender keeps a message and its timer until the message is acknowledged", () => {
    const sent = reliableSender.reduce(reliableSender.init(at("s")), { type: "Send", to: "r", payload: "x" }, at("s"));
    expect(sent).toEqual(
      become(
        { sent: 1, unacked: [{ seq: 1, to: "r", payload: "x" }] },
        { type: "send", to: "r", msg: { type: "Data", seq: 1, payload: "x" } },
        { type: "setTimer", timer: { type: "Retransmit", seq: 1 } },
      ),
    );
    const again = reliableSender.reduce(sent!.state, { type: "Retransmit", seq: 1 }, at("s"));
    expect(again?.effects.map((e) => e.type)).toEqual(["send", "setTimer"]);
    const acked = reliableSender.reduce(sent!.state, { type: "Ack", seq: 1 }, at("s", "r"));
    expect(acked).toEqual(
      become({ sent: 1, unacked: [] }, { type: "cancelTimer", timer: { type: "Retransmit", seq: 1 } }),
    );
    expect(reliableSender.reduce(acked!.state, { type: "Ack", seq: 1 }, at("s", "r"))).toEqual(
      become({ sent: 1, unacked: [] }),
    );
    expect(reliableSender.initialTimers?.(sent!.state, at("s"))).toEqual([{ type: "Retransmit", seq: 1 }]);
  });

  it("the receiver acknowledges every copy and processes the first", () => {
    const data = { type: "Data", seq: 1, payload: "x" } as const;
    const once = reliableReceiver.reduce(reliableReceiver.init(at("r")), data, at("r", "s"));
    const ack = { type: "send", to: "s", msg: { type: "Ack", seq: 1 } } as const;
    expect(once).toEqual(become({ seen: { s: [1] }, processed: [{ from: "s", payload: "x" }] }, ack));
    expect(reliableReceiver.reduce(once!.state, data, at("r", "s"))).toEqual(become(once!.state, ack));
  });
});

describe("reliable-delivery", () => {
  it("holds at the defaults (2 messages, 2 retransmissions each; 1 loss, 1 duplication, 1 crash): 21,568 distinct states, BFS and DFS agree", () => {
    const bfs = checkSpec(reliableDelivery);
    expect([bfs.result, bfs.distinctStates, bfs.generatedStates, bfs.maxDepth]).toEqual(["ok", 21568, 99720, 22]);
    const dfs = checkSpec(reliableDelivery, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 21568, 99720]);
  });

  it("holds with as many retransmissions as losses: 5,076 distinct states", () => {
    const r = checkSpec(reliableDelivery, { params: { retransmits: 1 } });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 5076, 20311]);
  });

  it("fails to process a lost message when the loss budget exceeds the retransmissions, after 5 steps", () => {
    const r = checkSpec(reliableDelivery, { params: { retransmits: 0 } });
    expect([r.result, r.property, r.propertyKind, (r.trace?.length ?? 0) - 1]).toEqual([
      "violation",
      "processedExactlyOnce",
      "final",
      5,
    ]);
    expect(r.trace?.map((s) => s.action)).toContain('lose Data{seq:1,payload:{"n":1}} s→r');
  });

  it("no-deduplication processes a retransmitted copy again in 4 steps", () => {
    const r = checkSpec(reliableDelivery, { variant: "no-deduplication" });
    expect([r.result, r.property]).toEqual(["violation", "processedAtMostOnce"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      's: Send{to:"r",payload:{"n":1}}',
      "s: timer Retransmit{seq:1}",
      'r: receive Data{seq:1,payload:{"n":1}} from s',
      'r: receive Data{seq:1,payload:{"n":1}} from s',
    ]);
    const dfs = checkSpec(reliableDelivery, { variant: "no-deduplication", strategy: "dfs" });
    expect([dfs.result, dfs.property]).toEqual(["violation", "processedAtMostOnce"]);
  });

  it("volatile-dedup-record processes a message again after the receiver crashes, in 6 steps", () => {
    const r = checkSpec(reliableDelivery, { variant: "volatile-dedup-record" });
    expect([r.result, r.property]).toEqual(["violation", "processedAtMostOnce"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      's: Send{to:"r",payload:{"n":1}}',
      "s: timer Retransmit{seq:1}",
      'r: receive Data{seq:1,payload:{"n":1}} from s',
      "crash r",
      "restart r",
      'r: receive Data{seq:1,payload:{"n":1}} from s',
    ]);
    const restarted = r.trace?.[5]?.state as ProtocolState<ReliableReceiver>;
    expect(restarted.nodes["r"]).toEqual({ seen: {}, processed: [{ from: "s", payload: { n: 1 } }] });
  });

  it("ackedMessagesWereProcessed rejects a sender that forgot a message the receiver never processed", () => {
    const property = reliableDelivery.instantiate().properties.find((p) => p.name === "ackedMessagesWereProcessed");
    if (property?.kind !== "invariant") throw new Error("missing invariant");
    const state = (unacked: ModelSender["unacked"]): ProtocolState => ({
      nodes: { s: { sent: 1, unacked, sends: 1, retransmitted: {} }, r: { seen: {}, processed: [] } },
      network: [],
      timers: [],
      down: [],
      faults: { lost: 0, duplicated: 0, crashed: 0 },
      history: [],
    });
    expect(property.check(state([{ seq: 1, to: "r", payload: { n: 1 } }]))).toBe(true);
    expect(property.check(state([]))).toBe(false);
  });

  describe("liveness: everyMessageDelivered on a fair lossy network", () => {
    it("holds: every message is retransmitted until a copy gets through (21,568 states, as the safety check)", () => {
      const r = checkSpec(reliableDelivery);
      expect([r.result, r.property, r.distinctStates, r.generatedStates]).toEqual(["ok", null, 21568, 99720]);
    });

    it("retransmit-budget: once the only copy is lost, the timer fires forever and sends nothing: 5 steps, then a cycle of 1", () => {
      const r = checkSpec(reliableDelivery, { variant: "retransmit-budget" });
      expect([r.result, r.property, r.propertyKind, r.loopStart, r.trace?.length]).toEqual([
        "violation",
        "everyMessageDelivered",
        "eventually",
        5,
        7,
      ]);
      expect(r.trace?.slice(5).map((s) => s.action)).toEqual([
        'lose Data{seq:1,payload:{"n":1}} s→r',
        "s: timer Retransmit{seq:1}",
      ]);
    });
  });
});
