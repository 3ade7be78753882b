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
