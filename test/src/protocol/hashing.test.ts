/**
 * The protocol model's hashing helpers (src/protocol/hashing.ts) on
 * hand-made values: the component hashes the model sums into a state's
 * fingerprint, the interner, and the sorted lists a state's network and
 * timers are kept in. Values are pinned: a state's fingerprint is built from
 * them, so a change would silently change every protocol's state order.
 */
import { describe, expect, it } from "vitest";
import { fingerprint } from "../../../src/fingerprint.js";
import type { HistoryEvent } from "../../../src/history/types.js";
import type { Envelope } from "../../../src/protocol/api.js";
import {
  C_NETWORK,
  C_TIMER,
  channelHash,
  downHash,
  faultHash,
  historyHash,
  insertAt,
  insertSorted,
  insertUnique,
  Interner,
  mix,
  removeAt,
  type ItemInfo,
} from "../../../src/protocol/hashing.js";

const hex = (n: number): string => (n >>> 0).toString(16).padStart(8, "0");

describe("component hashes", () => {
  it("mix, downHash and the salts keep their values", () => {
    expect([hex(mix(1, 2)), hex(mix(0, 0))]).toEqual(["7e32275d", "00000000"]);
    expect([hex(downHash(0, 1)), hex(downHash(2, 7))]).toEqual(["656d3b78", "cf7fc539"]);
    expect([hex(C_NETWORK), hex(C_TIMER)]).toEqual(["2545f491", "7f4a7c15"]);
  });

  it("faultHash is 0 until a fault happens, then depends on each counter", () => {
    const none = { lost: 0, duplicated: 0, crashed: 0 };
    expect(faultHash(none, 1)).toBe(0);
    expect(faultHash({ ...none, corrupted: 0 }, 1)).toBe(0);
    expect(
      [
        { ...none, lost: 1 },
        { ...none, duplicated: 1 },
        { ...none, crashed: 1 },
        { ...none, corrupted: 1 },
      ].map((f) => hex(faultHash(f, 1))),
    ).toEqual(["b59c66d8", "37d27ed3", "2b32f324", "f777279f"]);
    expect(hex(faultHash({ lost: 1, duplicated: 2, crashed: 3, corrupted: 4 }, 2))).toBe("3ceebf86");
    expect(hex(faultHash({ lost: 1, duplicated: 2, crashed: 3, corrupted: 0 }, 2))).toBe("10565846");
    expect(hex(faultHash({ lost: 1, duplicated: 2, crashed: 3 }, 2))).toBe("10565846");
  });

  it("historyHash is 0 for an empty history, else the history's fingerprint salted per lane", () => {
    const out = { hi: 9, lo: 9 };
    expect(historyHash([], out)).toBe(0);
    expect(out).toEqual({ hi: 0, lo: 0 });
    const history: HistoryEvent[] = [{ type: "invoke", process: "c1", f: "read", value: null }];
    const fp = fingerprint(history);
    const h = historyHash(history, out);
    expect(out).toEqual({ hi: mix(fp.hi, 0x1d8e4e27), lo: mix(fp.lo, 0x1d8e4e27 ^ 1) });
    expect(h).toBe(out.hi);
  });

  it("channelHash depends on the direction of the channel", () => {
    const env = (from: string, to: string): Envelope => ({ from, to, msg: 1 });
    expect([channelHash(env("n1", "n2")), channelHash(env("n2", "n1")), channelHash(env("", ""))].map(hex)).toEqual([
      "577713e6",
      "900c1d2a",
      "67e85fef",
    ]);
    expect(channelHash({ from: "n1", to: ["n2"], msg: 2 })).toBe(channelHash(env("n1", "n2")));
  });
});

describe("Interner", () => {
  it("returns the first object of each value, with its fingerprint in last", () => {
    const interner = new Interner();
    const a = { x: [1, 2], y: "s" };
    expect(interner.intern(a)).toBe(a);
    expect(interner.last).toEqual(fingerprint(a));
    expect(interner.intern({ y: "s", x: [1, 2] })).toBe(a);
    const b = { x: [2, 1], y: "s" };
    expect(interner.intern(b)).toBe(b);
    expect(interner.last).toEqual(fingerprint(b));
    expect(interner.intern({ x: [2, 1], y: "s" })).toBe(b);
    expect(interner.intern(a)).toBe(a);
  });
});

describe("sorted lists", () => {
  // Items registered with the hashes that order them (c1, then c2).
  const items = new Map<object, ItemInfo>();
  const item = (name: string, c1: number, c2: number): { name: string } => {
    const it = { name };
    items.set(it, { item: it, c1, c2, channel: 0 });
    return it;
  };
  const a = item("a", 1, 5);
  const b = item("b", 2, 1);
  const b2 = item("b2", 2, 3);
  const b3 = item("b3", 2, 3);
  const c = item("c", 3, 0);
  const names = (list: readonly { name: string }[]): string[] => list.map((x) => x.name);

  it("insertUnique keeps hash order and one copy of each item", () => {
    let list: readonly { name: string }[] = [];
    for (const x of [c, b2, a, b, b2, c, b3, a]) list = insertUnique(list, x, items);
    expect(names(list)).toEqual(["a", "b", "b2", "b3", "c"]);
    const same = insertUnique(list, b3, items);
    expect(same).toBe(list);
  });

  it("insertSorted keeps hash order and every copy, a new copy after its equals", () => {
    let list: readonly { name: string }[] = [];
    for (const x of [c, b2, a, b, b3, c, b2]) list = insertSorted(list, x, items);
    expect(names(list)).toEqual(["a", "b", "b2", "b3", "b2", "c", "c"]);
    expect(names(insertSorted([b2], b3, items))).toEqual(["b2", "b3"]);
    expect(names(insertSorted([b3], b2, items))).toEqual(["b3", "b2"]);
  });

  it("insertAt and removeAt copy the list around one position", () => {
    const list = [1, 2, 3];
    expect([0, 1, 3].map((k) => insertAt(list, k, 9))).toEqual([
      [9, 1, 2, 3],
      [1, 9, 2, 3],
      [1, 2, 3, 9],
    ]);
    expect([0, 1, 2].map((k) => removeAt(list, k))).toEqual([
      [2, 3],
      [1, 3],
      [1, 2],
    ]);
    expect(list).toEqual([1, 2, 3]);
    expect(removeAt([7], 0)).toEqual([]);
  });
});
