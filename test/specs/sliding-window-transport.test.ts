import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import { become } from "../../src/index.js";
import {
  accept,
  canSend,
  slidingWindowTransport,
  transportReceiver,
  transportSender,
  type TransportReceiver,
} from "../../specs/sliding-window-transport.js";

const at = (self: string, from?: string) =>
  ({
    self,
    from,
    kind: from === undefined ? "choice" : "message",
    params: { bytes: 3, window: 2, retransmits: 1, loss: 1, duplicates: 1 },
    nodes: ["snd", "rcv"],
    roles: {},
  }) as const;
const open: TransportReceiver = { phase: "established", expected: 0, buffer: [], delivered: [] };

describe("sliding-window-transport: sender and receiver steps", () => {
  it("the sender may send only while established and below the window", () => {
    expect(canSend({ phase: "established", window: 2, base: 3, next: 4 })).toBe(true);
    expect(canSend({ phase: "established", window: 2, base: 3, next: 5 })).toBe(false);
    expect(canSend({ phase: "synSent", window: 2, base: 0, next: 0 })).toBe(false);
  });

  it("buffers out-of-order bytes inside the window and drops the rest", () => {
    expect(accept(open, 1, 2)).toEqual({ ...open, buffer: [1] });
    expect(accept(accept(open, 1, 2), 0, 2)).toEqual({ ...open, expected: 2, delivered: [0, 1] });
    expect(accept(open, 2, 2)).toBe(open);
    const past = accept(open, 0, 2);
    expect(accept(past, 0, 2)).toBe(past);
  });

  it("delivers every byte once and in order, whatever the arrival order and duplicates", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 4 }), { maxLength: 30 }), (arrivals) => {
        const r = [...arrivals, 0, 1, 2, 3, 4].reduce((acc, seq) => accept(acc, seq, 5), open);
        return JSON.stringify(r.delivered) === "[0,1,2,3,4]" && r.buffer.length === 0;
      }),
    );
  });

  it("handshake: SYN gets a SYN-ACK with the window; the SYN-ACK establishes the sender, which acknowledges it", () => {
    const syn = transportReceiver.reduce(transportReceiver.init(at("rcv")), { type: "Syn" }, at("rcv", "snd"));
    expect(syn).toEqual(
      become(
        { phase: "synReceived", expected: 0, buffer: [], delivered: [] },
        { type: "send", to: "snd", msg: { type: "SynAck", window: 2 } },
      ),
    );
    const connecting = transportSender.reduce(transportSender.init(at("snd")), { type: "Connect" }, at("snd"))!.state;
    expect(transportSender.reduce(connecting, { type: "SynAck", window: 2 }, at("snd", "rcv"))).toEqual(
      become(
        { phase: "established", window: 2, base: 0, next: 0 },
        { type: "send", to: "rcv", msg: { type: "HandshakeAck" } },
        { type: "cancelTimer", timer: { type: "Rto" } },
      ),
    );
    // Data before any SYN is dropped.
    const listen = transportReceiver.init(at("rcv"));
    expect(transportReceiver.reduce(listen, { type: "Data", seq: 0 }, at("rcv", "snd"))).toEqual(become(listen));
  });
});

describe("sliding-window-transport: the model", () => {
  it("holds at the defaults (3 bytes, W = 2, 1 retransmit each, 1 loss, 1 duplication): 67,130 states, BFS and DFS agree", () => {
    const bfs = checkSpec(slidingWindowTransport);
    expect([bfs.result, bfs.distinctStates, bfs.generatedStates, bfs.maxDepth]).toEqual(["ok", 67130, 377239, 28]);
    const dfs = checkSpec(slidingWindowTransport, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 67130, 377239]);
  });

  it("ignore-window has 3 bytes unacknowledged in a window of 2 after 6 steps", () => {
    const r = checkSpec(slidingWindowTransport, { variant: "ignore-window" });
    expect([r.result, r.property]).toEqual(["violation", "unackedWithinWindow"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "snd: Connect",
      "rcv: receive Syn from snd",
      "snd: receive SynAck{window:2} from rcv",
      "snd: SendByte{bytes:3}",
      "snd: SendByte{bytes:3}",
      "snd: SendByte{bytes:3}",
    ]);
  });

  it("no-reorder-buffer delivers byte 1 before byte 0 after 6 steps", () => {
    const r = checkSpec(slidingWindowTransport, { variant: "no-reorder-buffer" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "deliveredInOrder", 6]);
    expect(r.trace?.at(-1)?.action).toBe("rcv: receive Data{seq:1} from snd");
  });

  it("random search finds both broken variants", () => {
    for (const [variant, property] of [
      ["ignore-window", "unackedWithinWindow"],
      ["no-reorder-buffer", "deliveredInOrder"],
    ] as const) {
      const r = checkSpec(slidingWindowTransport, { variant, strategy: "random", seed: 1 });
      expect([variant, r.result, r.property]).toEqual([variant, "violation", property]);
    }
  });
});
