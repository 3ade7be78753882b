import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import { become } from "../../src/index.js";
import {
  ackFrame,
  bitFlips,
  checksum,
  checksummedChannel,
  checksummedReceiver,
  checksummedSender,
  dataFrame,
  intact,
} from "../../specs/checksummed-channel.js";

const at = (self: string, from?: string) =>
  ({ self, from, kind: from === undefined ? "choice" : "message", params: {}, nodes: ["s", "r"], roles: {} }) as const;

describe("checksummed-channel: frames and checksums", () => {
  it("computes Fletcher-16: two sums mod 255 over the bytes", () => {
    expect(checksum([])).toBe(0);
    expect(checksum([0, 10])).toBe((10 << 8) | 10);
    expect(checksum([1, 2])).toBe((4 << 8) | 3);
    expect(checksum([0x101])).toBe(checksum([1]));
  });

  it("detects every single-bit error in two bytes", () => {
    fc.assert(
      fc.property(fc.nat({ max: 255 }), fc.nat({ max: 255 }), fc.nat({ max: 15 }), (a, b, bit) => {
        const words = [a, b];
        const flipped = words.map((w, k) => (k === bit >> 3 ? w ^ (1 << (bit & 7)) : w));
        return checksum(flipped) !== checksum(words);
      }),
    );
  });

  it("every bit flip of a frame breaks its checksum", () => {
    expect(bitFlips(dataFrame(0, 10))).toEqual([
      { type: "Data", seq: 0, value: 11, sum: 2570 },
      { type: "Data", seq: 0, value: 10, sum: 2571 },
    ]);
    fc.assert(
      fc.property(fc.nat({ max: 200 }), fc.nat({ max: 200 }), (seq, value) => {
        const frames = [dataFrame(seq, value), ackFrame(seq)];
        return frames.every((f) => intact(f) && bitFlips(f).every((g) => !intact(g)));
      }),
    );
  });

  it("the receiver drops a corrupted frame unacknowledged and applies an intact one once", () => {
    const init = checksummedReceiver.init(at("r"));
    expect(checksummedReceiver.reduce(init, { ...dataFrame(0, 10), value: 11 }, at("r", "s"))).toEqual(become(init));
    const ack = { type: "send", to: "s", msg: ackFrame(0) } as const;
    const once = checksummedReceiver.reduce(init, dataFrame(0, 10), at("r", "s"));
    expect(once).toEqual(become({ seen: [0], applied: [{ seq: 0, value: 10 }] }, ack));
    expect(checksummedReceiver.reduce(once!.state, dataFrame(0, 10), at("r", "s"))).toEqual(become(once!.state, ack));
  });

  it("the sender ignores a corrupted acknowledgement and keeps retransmitting", () => {
    const sent = checksummedSender.reduce(checksummedSender.init(at("s")), { type: "Send", value: 10 }, at("s"));
    expect(sent!.state).toEqual({ sent: 1, unacked: [{ seq: 0, value: 10 }] });
    expect(checksummedSender.reduce(sent!.state, { ...ackFrame(0), sum: ackFrame(0).sum ^ 1 }, at("s", "r"))).toEqual(
      become(sent!.state),
    );
    expect(checksummedSender.reduce(sent!.state, ackFrame(0), at("s", "r"))).toEqual(
      become({ sent: 1, unacked: [] }, { type: "cancelTimer", timer: { type: "Retransmit", seq: 0 } }),
    );
  });
});

describe("checksummed-channel: the model", () => {
  it("holds at the defaults (2 messages, 1 retransmit each, 1 corruption, 1 duplication): 4,382 states, BFS and DFS agree", () => {
    const bfs = checkSpec(checksummedChannel);
    expect([bfs.result, bfs.distinctStates, bfs.generatedStates, bfs.maxDepth]).toEqual(["ok", 4382, 16328, 14]);
    const dfs = checkSpec(checksummedChannel, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 4382, 16328]);
  });

  it("fails to deliver, but applies nothing corrupted, when corruptions outnumber retransmissions: 6 steps", () => {
    const r = checkSpec(checksummedChannel, { params: { retransmits: 0 } });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "deliveredExactlyOnce", 6]);
    expect(r.trace?.map((s) => s.action)).toContain(
      "corrupt Data{seq:0,value:10,sum:2570} s→r into Data{seq:0,value:11,sum:2570}",
    );
  });

  it("no-checksum applies a flipped value in 3 steps", () => {
    const r = checkSpec(checksummedChannel, { variant: "no-checksum" });
    expect([r.result, r.property]).toEqual(["violation", "corruptedValueNeverApplied"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "s: Send{value:10}",
      "corrupt Data{seq:0,value:10,sum:2570} s→r into Data{seq:0,value:11,sum:2570}",
      "r: receive Data{seq:0,value:11,sum:2570} from s",
    ]);
  });

  it("unchecked-acks loses a frame to a corrupted acknowledgement in 9 steps", () => {
    const r = checkSpec(checksummedChannel, { variant: "unchecked-acks" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "deliveredExactlyOnce", 9]);
    expect(r.trace?.at(-2)?.action).toBe("corrupt Ack{seq:1,sum:23213} r→s into Ack{seq:0,sum:23213}");
    // The correct sender survives the same budgets.
    expect(checkSpec(checksummedChannel, { params: { corrupt: 2, retransmits: 2 } }).result).toBe("ok");
  });

  it("random search finds both broken variants", () => {
    for (const [variant, property] of [
      ["no-checksum", "corruptedValueNeverApplied"],
      ["unchecked-acks", "deliveredExactlyOnce"],
    ] as const) {
      const r = checkSpec(checksummedChannel, { variant, strategy: "random", seed: 1 });
      expect([variant, r.result, r.property]).toEqual([variant, "violation", property]);
    }
  });
});
