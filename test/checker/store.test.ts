import { describe, expect, it } from "vitest";
import { collisionProbability, StateStore } from "../../checker/store.js";

describe("StateStore", () => {
  it("stores each fingerprint once, through many resizes, with trace links", () => {
    const store = new StateStore(16);
    const n = 200_000;
    for (let i = 0; i < n; i++) expect(store.insert(i * 7919, i, i - 1, i % 70_000)).toBe(i);
    for (let i = 0; i < n; i += 997) expect(store.insert(i * 7919, i, 0, 0)).toBe(-1);
    // Same low word, different high word: a different state.
    expect(store.insert(1, 0, 0, 0)).toBe(n);
    expect(store.size).toBe(n + 1);
    expect(store.pathTo(3)).toEqual([0, 1, 2, 3]);
    expect(store.ordinal(69_999)).toBe(69_999);
    expect(store.ordinal(70_000)).toBe(0);
    expect(store.bytesPerState).toBeLessThanOrEqual(40);
  });

  it("estimates the fingerprint collision probability as TLC does", () => {
    expect(collisionProbability(0)).toBe(0);
    expect(collisionProbability(296_448)).toBeCloseTo(2.38e-9, 10);
    expect(collisionProbability(10_340_352)).toBeCloseTo(2.9e-6, 7);
  });
});

describe("StateStore: lookups, links and layout", () => {
  it("has and indexOf find every stored fingerprint, across table growth, and nothing else", () => {
    const store = new StateStore(16);
    // 2,000 states: the table grows from 1,024 slots (716 states) to 2,048 (1,433) to 4,096.
    for (let i = 0; i < 2_000; i++) store.insert(i * 104_729, i + 1, i - 1, 0);
    for (let i = 0; i < 2_000; i += 7) {
      expect(store.has(i * 104_729, i + 1)).toBe(true);
      expect(store.indexOf(i * 104_729, i + 1)).toBe(i);
    }
    // Never stored: the same low word with another high word, and the other way round.
    for (const [hi, lo] of [
      [1, 1],
      [0, 2],
      [104_729, 1],
      [-1, 2_001],
      [2_000 * 104_729, 2_001],
    ] as const) {
      expect([hi, lo, store.has(hi, lo), store.indexOf(hi, lo)]).toEqual([hi, lo, false, -1]);
    }
    // A fresh store: nothing, not even the zero fingerprint (the recent cache's empty slots match none).
    const empty = new StateStore(16);
    expect([empty.has(0, 0), empty.indexOf(0, 0), empty.has(-1, 0), empty.size, empty.bytesPerState]).toEqual([
      false,
      -1,
      false,
      0,
      0,
    ]);
    expect(empty.insert(0, 0, -1, 0)).toBe(0);
    expect([empty.has(0, 0), empty.indexOf(0, 0), empty.insert(0, 0, -1, 0)]).toEqual([true, 0, -1]);
  });

  it("has answers from the table for fingerprints the recent cache has forgotten", () => {
    const store = new StateStore(16);
    // 70,000 states: more than the cache's 65,536 slots, so early fingerprints were evicted by later ones.
    for (let i = 0; i < 70_000; i++) store.insert(i, i * 31, i - 1, 0);
    let found = 0;
    for (let i = 0; i < 70_000; i++) if (store.has(i, i * 31)) found++;
    expect(found).toBe(70_000);
    expect(store.has(70_000, 70_000 * 31)).toBe(false);
  });

  it("paths and ordinals: 16 bits inline, 0xffff and above kept aside", () => {
    const store = new StateStore(16);
    expect(store.insert(1, 1, -1, 2)).toBe(0);
    expect(store.insert(2, 2, 0, 0xfffe)).toBe(1);
    expect(store.insert(3, 3, 1, 0xffff)).toBe(2);
    expect(store.insert(4, 4, 2, 70_000)).toBe(3);
    expect(store.insert(5, 5, 0, 0)).toBe(4);
    expect([0, 1, 2, 3, 4].map((i) => store.ordinal(i))).toEqual([2, 0xfffe, 0xffff, 70_000, 0]);
    expect([store.pathTo(0), store.pathTo(3), store.pathTo(4)]).toEqual([[0], [0, 1, 2, 3], [0, 4]]);
  });

  it("fingerprints of chosen states, words of 0 read as 1", () => {
    const store = new StateStore(16);
    store.insert(7, 0, -1, 0);
    store.insert(0, 9, 0, 0);
    store.insert(-5, 11, 1, 0);
    store.insert(12, 13, 2, 0);
    expect(store.fingerprints([0, 1, 2])).toEqual(
      new Map([
        [0, [7, 1]],
        [1, [1, 9]],
        [2, [-5, 11]],
      ]),
    );
    expect(store.fingerprints([3, 9])).toEqual(new Map([[3, [12, 13]]]));
    expect(store.fingerprints([])).toEqual(new Map());
  });

  it("bytes: a table of 12 bytes a slot, at most 70% full, and links grown by half plus 16", () => {
    // The default: room for 16,384 states, in 32,768 slots.
    expect(new StateStore().bytes).toBe(32_768 * 12 + 16_384 * 6);
    expect(new StateStore(716).bytes).toBe(1_024 * 12 + 716 * 6);
    expect(new StateStore(717).bytes).toBe(2_048 * 12 + 717 * 6);
    const store = new StateStore(16);
    expect(store.bytes).toBe(1_024 * 12 + 16 * 6);
    const sizes: number[] = [];
    for (let i = 0; i < 717; i++) {
      store.insert(i, i, i - 1, 0);
      if ([1, 16, 17, 41, 716, 717].includes(i + 1)) sizes.push(store.bytes);
    }
    // Links: 16, then 40, 76, 130, 211, 333, 516, 790; the table doubles at the 717th state.
    expect(sizes).toEqual([
      1_024 * 12 + 16 * 6,
      1_024 * 12 + 16 * 6,
      1_024 * 12 + 40 * 6,
      1_024 * 12 + 76 * 6,
      1_024 * 12 + 790 * 6,
      2_048 * 12 + 790 * 6,
    ]);
    expect(store.bytesPerState).toBe((2_048 * 12 + 790 * 6) / 717);
  });

  it("the collision estimate is 0 below two states, n(n-1)/2 / 2^64 for small n", () => {
    expect(collisionProbability(1)).toBe(0);
    expect(collisionProbability(2)).toBe(2 ** -64);
    expect(collisionProbability(3)).toBe(3 * 2 ** -64);
  });
});
