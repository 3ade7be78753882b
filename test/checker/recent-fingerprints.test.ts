import { describe, expect, it } from "vitest";
import { RecentFingerprints } from "../../checker/recent-fingerprints.js";
import { StateStore } from "../../checker/store.js";

describe("RecentFingerprints", () => {
  it("knows no fingerprint before it is added, (0, 0) and its empty slot's neighbours included", () => {
    const recent = new RecentFingerprints();
    for (const [hi, lo] of [
      [0, 0],
      [0xffffffff, 0],
      [0, 0xffffffff],
      [1, 0],
    ])
      expect(recent.has(hi!, lo!)).toBe(false);
    recent.add(0, 0);
    expect([recent.has(0, 0), recent.has(0xffffffff, 0)]).toEqual([true, false]);
  });

  it("keeps the last fingerprint per slot, and a store that forgot it from the cache still has it", () => {
    const recent = new RecentFingerprints();
    // Same cache slot: the slot is the top 16 bits of imul(lo, 0x85ebca6b) ^ hi, so hi differing in the low bits
    // collides.
    recent.add(7, 5);
    recent.add(6, 5);
    expect([recent.has(7, 5), recent.has(6, 5)]).toEqual([false, true]);
    const store = new StateStore(16);
    for (let i = 0; i < 100_000; i++) store.insert(i, i * 31, -1, 0);
    let known = 0;
    for (let i = 0; i < 100_000; i++) if (store.has(i, i * 31)) known++;
    expect([known, store.has(0, 1), store.insert(99_999, 99_999 * 31, 0, 0)]).toEqual([100_000, false, -1]);
  });
});
