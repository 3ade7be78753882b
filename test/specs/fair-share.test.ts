import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSpec, randomSearch, violationOf } from "../../checker/index.js";
import { onlyProperty } from "../../src/index.js";
import {
  allocations,
  fairShare,
  nashProduct,
  nashShare,
  proportionalShare,
  utility,
  type Client,
  type FairShareState,
} from "../../specs/fair-share.js";

const c = (value: number, demand: number, disagreement = 0): Client => ({ value, demand, disagreement });

describe("fair-share: the allocator", () => {
  it("values units up to the demand, and multiplies the gains over the disagreement point", () => {
    expect([0, 1, 2, 3].map((x) => utility(c(2, 2), x))).toEqual([0, 2, 4, 4]);
    expect(nashProduct([c(1, 3), c(2, 1, 1)], [2, 1])).toBe(2);
    expect(nashProduct([c(1, 3), c(2, 1, 1)], [2, 0])).toBe(0);
  });

  it("gives the minimum for a gain first, then each unit where it multiplies the product most", () => {
    expect(nashShare(4, [c(1, 3), c(2, 1)])).toEqual([3, 1]);
    expect(nashShare(4, [c(1, 3), c(1, 3)])).toEqual([2, 2]);
    expect(nashShare(3, [c(1, 3), c(1, 3)])).toEqual([2, 1]);
    // Disagreement 1 at value 1 needs 2 units before any gain.
    expect(nashShare(3, [c(1, 3, 1), c(1, 3)])).toEqual([2, 1]);
    // Units nobody values stay unallocated.
    expect(nashShare(6, [c(1, 1), c(2, 2)])).toEqual([1, 2]);
    expect(nashShare(1, [c(1, 1), c(1, 1)])).toBeNull();
    expect(nashShare(5, [c(1, 1, 1)])).toBeNull();
  });

  it("matches brute force on random inputs", () => {
    const client = fc.record({
      value: fc.integer({ min: 1, max: 3 }),
      demand: fc.integer({ min: 1, max: 4 }),
      disagreement: fc.integer({ min: 0, max: 2 }),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 7 }),
        fc.array(client, { minLength: 1, maxLength: 3 }),
        (capacity, clients) => {
          const best = Math.max(...allocations(clients.length, capacity).map((x) => nashProduct(clients, x)));
          const share = nashShare(capacity, clients);
          expect(share === null ? 0 : nashProduct(clients, share)).toBe(best);
        },
      ),
      { seed: 1 },
    );
  });

  it("enumerates every allocation of at most the capacity", () => {
    expect(allocations(2, 2)).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
      [2, 0],
    ]);
    expect(allocations(3, 4).length).toBe(35);
  });

  it("the proportional split ignores values and disagreement points", () => {
    expect(proportionalShare(4, [c(1, 3), c(2, 1)])).toEqual([3, 1]);
    expect(proportionalShare(3, [c(1, 1), c(1, 1), c(1, 2)])).toBeNull();
    expect(nashShare(3, [c(1, 1), c(1, 1), c(1, 2)])).toEqual([1, 1, 1]);
  });
});

describe("fair-share: the model", () => {
  it("holds on every input at the defaults (3 clients, capacity 0..4, values 1..2, demands 1..3, disagreement 0..1): 17,280 states, BFS and DFS agree", () => {
    const r = checkSpec(fairShare);
    expect([r.result, r.distinctStates, r.generatedStates, r.maxDepth]).toEqual(["ok", 17280, 17280, 1]);
    const dfs = checkSpec(fairShare, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 17280, 17280]);
  });

  it("proportional-split finds no agreement for capacity 3 and demands 1, 1, 2 where Nash gives one unit each, in 1 step", () => {
    const r = checkSpec(fairShare, { variant: "proportional-split" });
    expect([r.result, r.property, r.trace?.length]).toEqual(["violation", "maximizesNashProduct", 2]);
    const last = r.trace?.at(-1)?.state as FairShareState;
    expect([last.capacity, last.clients.map((x) => x.demand), last.allocation]).toEqual([3, [1, 1, 2], null]);
  });

  it("random search (seed 1) finds proportional-split", () => {
    const r = randomSearch(
      onlyProperty(fairShare.instantiate({ variant: "proportional-split" }), "maximizesNashProduct"),
      { seed: 1, runs: 2000 },
    );
    expect([r.result, violationOf(r)?.property, violationOf(r)?.trace.length]).toEqual([
      "violation",
      "maximizesNashProduct",
      2,
    ]);
  });
});
