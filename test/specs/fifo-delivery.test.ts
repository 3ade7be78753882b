import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import { become, type ProtocolState } from "../../src/index.js";
import { fifoDelivery, fifoReceiver, fifoSender, type FifoReceiver, type Packet } from "../../specs/fifo-delivery.js";

const at = (self: string, from?: string) =>
  ({ self, from, kind: from === undefined ? "choice" : "message", params: {}, nodes: ["a", "r"], roles: {} }) as const;

const packet = (seq: number, payload: string): Packet => ({ type: "Packet", seq, payload });

describe("fifoSender and fifoReceiver", () => {
  it("numbers packets per receiver", () => {
    const first = fifoSender.reduce({ sent: {} }, { type: "Send", to: "r", payload: "x" }, at("a"));
    expect(first).toEqual(become({ sent: { r: 1 } }, { type: "send", to: "r", msg: packet(1, "x") }));
    const second = fifoSender.reduce(first!.state, { type: "Send", to: "r", payload: "y" }, at("a"));
    expect(second?.effects).toEqual([{ type: "send", to: "r", msg: packet(2, "y") }]);
  });

  it("holds early packets, drops copies, and delivers in number order", () => {
    const step = (s: FifoReceiver, p: Packet): FifoReceiver => fifoReceiver.reduce(s, p, at("r", "a"))!.state;
    let r = fifoReceiver.init(at("r"));
    r = step(r, packet(3, "z"));
    r = step(r, packet(2, "y"));
    r = step(r, packet(2, "y"));
    expect(r).toEqual({
      deliveredFrom: {},
      buffer: [
        { from: "a", seq: 2, payload: "y" },
        { from: "a", seq: 3, payload: "z" },
      ],
      delivered: [],
    });
    r = step(r, packet(1, "x"));
    r = step(r, packet(1, "x"));
    expect(r).toEqual({
      deliveredFrom: { a: 3 },
      buffer: [],
      delivered: [
        { from: "a", payload: "x" },
        { from: "a", payload: "y" },
        { from: "a", payload: "z" },
      ],
    });
  });
});

describe("fifo-delivery", () => {
  it("holds at the defaults (2 senders, 3 messages each, 1 duplication): 2,510 distinct states, BFS and DFS agree", () => {
    const bfs = checkSpec(fifoDelivery);
    expect([bfs.result, bfs.distinctStates, bfs.generatedStates, bfs.maxDepth]).toEqual(["ok", 2510, 8107, 14]);
    const dfs = checkSpec(fifoDelivery, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 2510, 8107]);
  });

  it("holds with 2 duplications: 10,031 distinct states", () => {
    const r = checkSpec(fifoDelivery, { params: { duplicates: 2 } });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 10031, 38525]);
  });

  it("no-reorder-buffer delivers out of send order in 3 steps", () => {
    const r = checkSpec(fifoDelivery, { variant: "no-reorder-buffer" });
    expect([r.result, r.property]).toEqual(["violation", "deliveredInSendOrder"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      's1: Send{to:"r",payload:{"sender":"s1","n":1}}',
      's1: Send{to:"r",payload:{"sender":"s1","n":2}}',
      'r: receive Packet{seq:2,payload:{"sender":"s1","n":2}} from s1',
    ]);
    const dfs = checkSpec(fifoDelivery, { variant: "no-reorder-buffer", strategy: "dfs" });
    expect([dfs.result, dfs.property]).toEqual(["violation", "deliveredInSendOrder"]);
  });

  it("buffer-duplicates ends with a copy stuck in the reorder buffer, after 14 steps", () => {
    const r = checkSpec(fifoDelivery, { variant: "buffer-duplicates" });
    expect([r.result, r.property, r.propertyKind, (r.trace?.length ?? 0) - 1]).toEqual([
      "violation",
      "everyMessageDelivered",
      "final",
      14,
    ]);
    const last = r.trace?.at(-1)?.state as ProtocolState<FifoReceiver>;
    expect(last.nodes["r"]?.buffer).toHaveLength(1);
    expect(last.nodes["r"]?.delivered).toHaveLength(6);
  });
});
