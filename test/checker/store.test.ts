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
