import { describe, expect, it } from "vitest";
import { SharedStateStore } from "../../checker/shared-store.js";

/** A spread of fingerprints: distinct pairs, some sharing a low word. */
function fingerprint(i: number): [number, number] {
  return [Math.imul(i, 0x9e3779b1) >>> 0, i % 3 === 0 ? 7 : (i * 7919) >>> 0];
}

describe("SharedStateStore", () => {
  it("keeps every fingerprint, index and link when the workers rehash their shares into a larger table", () => {
    const store = SharedStateStore.create(1000);
    let n = 0;
    // Insert until it asks for room, grow in three shares (as three workers would), several times over.
    for (let round = 0; round < 4; round++) {
      while (!store.needsRoom) {
        const [hi, lo] = fingerprint(n);
        expect(store.insert(hi, lo, n - 1, n % 5)).toBe(n);
        n++;
      }
      const next = store.larger();
      for (let part = 0; part < 3; part++) store.rehash(next, part, 3);
      store.attach(next);
    }
    // 2,048 slots, then four times as many at each growth: 70% of the third growth's 131,072 filled, then one more.
    expect([n, store.size, store.buffers.slots.byteLength / 12]).toEqual([91750, 91750, 524288]);
    // A new view has an empty cache of recent fingerprints: it asks the table.
    const table = SharedStateStore.open(store.buffers);
    for (let i = 0; i < n; i++) {
      const [hi, lo] = fingerprint(i);
      if (!table.has(hi, lo)) throw new Error(`fingerprint ${i} lost in the rehash`);
      if (store.ordinal(i) !== i % 5) throw new Error(`ordinal of ${i} lost in the rehash`);
    }
    // Every state's parent is the one before it: one walk back from the last reads every link.
    expect(store.pathTo(n - 1)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(store.has(1, 2)).toBe(false);
    const [hi, lo] = fingerprint(500);
    expect(store.insert(hi, lo, 0, 0)).toBe(-1);
    expect(store.pathTo(3)).toEqual([0, 1, 2, 3]);
    expect([store.ordinal(4), store.ordinal(n - 1)]).toEqual([4, (n - 1) % 5]);
    expect(store.fingerprints([9, 10]).get(10)).toEqual(fingerprint(10).map((w) => w | 0));
  });

  it("words of 0 are stored as 1: such a fingerprint and its twin with a 1 are one state", () => {
    const store = SharedStateStore.create(16);
    expect([store.has(0, 0), store.has(1, 1)]).toEqual([false, false]);
    expect(store.insert(0, 5, -1, 0)).toBe(0);
    expect(store.insert(7, 0, 0, 1)).toBe(1);
    // A fresh view (no cache of recent fingerprints) reads the table.
    const view = SharedStateStore.open(store.buffers);
    expect([view.has(0, 5), view.has(1, 5), view.has(7, 0), view.has(7, 1), view.has(7, 2)]).toEqual([
      true,
      true,
      true,
      true,
      false,
    ]);
    expect([view.insert(1, 5, 0, 0), view.insert(0, 0, 1, 0), view.insert(1, 1, 2, 0)]).toEqual([-1, 2, -1]);
    expect(store.fingerprints([0, 1, 2])).toEqual(
      new Map([
        [0, [1, 5]],
        [1, [7, 1]],
        [2, [1, 1]],
      ]),
    );
    expect([store.size, view.size, view.pathTo(2), view.ordinal(1)]).toEqual([3, 3, [0, 1, 2], 1]);
  });

  it("asks for room at 70% of its slots, holds links for 90%, and refuses a state past them", () => {
    // Room for 1,000 states: 2,048 slots (12 bytes each), links for 1,844 (8 bytes each).
    const store = SharedStateStore.create(1000);
    expect([store.buffers.slots.byteLength, store.buffers.parents.byteLength, store.bytesPerState]).toEqual([
      2_048 * 12,
      1_844 * 4,
      0,
    ]);
    for (let i = 0; i < 1_432; i++) store.insert(i + 1, i + 1, i - 1, 0);
    expect([store.size, store.needsRoom]).toEqual([1_432, false]);
    store.insert(5_000, 5_000, 0, 0);
    expect([store.size, store.needsRoom, store.bytesPerState]).toEqual([1_433, true, (2_048 * 12 + 1_844 * 8) / 1_433]);
    // Workers that did not pause: the links run out before the table does.
    for (let i = 1_433; i < 1_844; i++) store.insert(i + 10_000, i, 0, 0);
    expect(() => store.insert(99_999, 99_999, 0, 0)).toThrow(
      new Error("shared store overflow: workers did not pause to let it grow"),
    );
  });

  it("grows fourfold up to 2^24 slots, then twofold", () => {
    const slots = (b: { slots: SharedArrayBuffer }) => b.slots.byteLength / 12;
    // Tables are allocated, never touched: their pages stay unmapped.
    const small = SharedStateStore.create(2_936_012);
    expect(slots(small.buffers)).toBe(1 << 22);
    expect(slots(small.larger())).toBe(1 << 24);
    const large = SharedStateStore.create(11_744_051);
    expect(slots(large.buffers)).toBe(1 << 24);
    expect(slots(large.larger())).toBe(1 << 25);
  });
});
