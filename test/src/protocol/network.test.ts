/**
 * The network kinds (src/protocol/network.ts): what each one does with a
 * send, a delivery and a corruption, on hand-made envelopes. The protocol
 * spec tests check the same behaviour through whole state spaces.
 */
import { describe, expect, it } from "vitest";
import type { Envelope } from "../../../src/protocol/api.js";
import type { ItemInfo } from "../../../src/protocol/hashing.js";
import { networkSemantics, type ItemTable } from "../../../src/protocol/network.js";

/** Envelopes with given hashes (c1 orders sorted networks), registered in a table as the model interns them. */
function table(specs: readonly (readonly [Envelope, number])[]): ItemTable {
  const items: ItemTable = new Map<object, ItemInfo>();
  for (const [env, c] of specs)
    items.set(env, { item: env, c1: c, c2: c * 10, channel: networkSemantics("fifo").channel(env) });
  return items;
}

const a: Envelope = { from: "n1", to: "n2", msg: "a" };
const b: Envelope = { from: "n1", to: "n2", msg: "b" };
const c: Envelope = { from: "n2", to: "n1", msg: "c" };

describe("network kinds", () => {
  it("set: a broadcast is one envelope, a message already in flight is not sent twice, delivery keeps it", () => {
    const set = networkSemantics("set");
    const items = table([
      [a, 1],
      [b, 2],
      [c, 3],
    ]);
    expect(set.envelopes("n1", ["n2", "n3"], "m")).toEqual([{ from: "n1", to: ["n2", "n3"], msg: "m" }]);
    expect(set.consumes).toBe(false);
    expect(set.insert([a, c], b, items)).toEqual([a, b, c]);
    expect(set.insert([a, b], a, items)).toEqual([a, b]);
    const out = { hi: 100, lo: 1000 };
    // a is in flight already and b is sent twice: only one b counts.
    expect(set.hashDelta([a], -1, [a, b, b], items, [], out)).toBe(true);
    expect(out).toEqual({ hi: 102, lo: 1020 });
    expect(set.refusal({ loss: 1, duplicate: 0, crash: 0, corrupt: 0 })).toBe(
      'a "set" network already allows loss and duplication; use "unordered" or "fifo" for fault budgets',
    );
    expect(set.refusal({ loss: 0, duplicate: 0, crash: 2, corrupt: 0 })).toBeUndefined();
  });

  it("unordered: one envelope per receiver, sorted by hash with duplicates kept; a copy right after an equal one is not delivered again", () => {
    const unordered = networkSemantics("unordered");
    const items = table([
      [a, 1],
      [b, 2],
      [c, 3],
    ]);
    expect(unordered.envelopes("n1", ["n2", "n3"], "m")).toEqual([
      { from: "n1", to: "n2", msg: "m" },
      { from: "n1", to: "n3", msg: "m" },
    ]);
    expect(unordered.consumes).toBe(true);
    expect(unordered.insert([a, c], a, items)).toEqual([a, a, c]);
    expect([0, 1, 2].map((k) => unordered.shadowed([a, a, c], k))).toEqual([false, true, false]);
    const out = { hi: 100, lo: 1000 };
    // Message 2 (c, 3) is consumed, b (2) is sent.
    expect(unordered.hashDelta([a, a, c], 2, [b], items, [], out)).toBe(true);
    expect(out).toEqual({ hi: 99, lo: 990 });
    expect(unordered.replace([a, b, c], 0, c, items)).toEqual([b, c, c]);
    expect(unordered.refusal({ loss: 1, duplicate: 1, crash: 0, corrupt: 0 })).toBeUndefined();
  });

  it("fifo: a send goes to the end of its channel, only a channel's head is delivered, a corruption stays in place, and positions count in the hash", () => {
    const fifo = networkSemantics("fifo");
    const items = table([
      [a, 1],
      [b, 2],
      [c, 3],
    ]);
    const sent = fifo.insert(fifo.insert(fifo.insert([], b, items), c, items), a, items);
    expect(sent.filter((e) => e.from === "n1")).toEqual([b, a]);
    expect(sent.map((_, k) => fifo.shadowed(sent, k)).filter((s) => s).length).toBe(1);
    expect(fifo.replace([b, a], 1, c, items)).toEqual([b, c]);
    expect(fifo.hashDelta([a], -1, [b], items, [], { hi: 0, lo: 0 })).toBe(false);
    const ab = { hi: 0, lo: 0 };
    const ba = { hi: 0, lo: 0 };
    fifo.hash([a, b], items, ab);
    fifo.hash([b, a], items, ba);
    expect(ab).not.toEqual(ba);
  });
});
