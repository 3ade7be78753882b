import { describe, expect, it } from "vitest";
import { checkSpecByName } from "../../checker/cli-index.js";
import { planMoves } from "../../checker/parallel.js";

describe("parallel search (--workers)", () => {
  it.each([
    ["two-phase-commit", { rms: 5 }, false, 8832, 58146],
    ["two-phase-commit", { rms: 5 }, true, 314, 2048],
    ["reliable-delivery", {}, false, 21568, 99720],
  ] as const)(
    "%s %j symmetry=%s: the same counts on 1 and 2 workers",
    async (spec, params, symmetry, distinct, generated) => {
      for (const workers of [1, 2]) {
        const r = await checkSpecByName(spec, { params, symmetry, workers });
        expect([workers, r.result, r.distinctStates, r.generatedStates]).toEqual([workers, "ok", distinct, generated]);
      }
    },
  );

  it("finds violations with the shortest trace length, and stops at limits", async () => {
    for (const [variant, steps] of [
      ["commit-without-all-prepared", 3],
      ["abort-after-commit", 10],
    ] as const) {
      const r = await checkSpecByName("two-phase-commit", { variant, workers: 2 });
      expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "consistent", steps]);
    }
    const limited = await checkSpecByName("two-phase-commit", { params: { rms: 5 }, workers: 2, maxStates: 1000 });
    expect([limited.result, limited.limit, limited.distinctStates]).toEqual(["incomplete", "max-states", 1000]);
    const shallow = await checkSpecByName("two-phase-commit", { workers: 2, maxDepth: 4 });
    expect([shallow.result, shallow.limit]).toEqual(["incomplete", "max-depth"]);
  });
});

describe("planMoves: evening out the next level before it starts", () => {
  it.each([
    // One worker found every state: it gives a third of the gap, which it packs while the taker unpacks.
    [[200, 0], [{ from: 0, to: 1, count: 55 }]],
    [[0, 900], [{ from: 1, to: 0, count: 250 }]],
    // Within 10% of the mean, or too few states to be worth moving: nothing moves.
    [[1000, 1000], []],
    [[1090, 910], []],
    [[120, 0], []],
    [[1200, 800], [{ from: 0, to: 1, count: 111 }]],
    // Three workers: the busiest gives to the idlest until the busiest is within 10% of the mean.
    [[300, 100, 200], [{ from: 0, to: 1, count: 55 }]],
    [
      [600, 0, 0],
      [
        { from: 0, to: 2, count: 111 },
        { from: 0, to: 1, count: 111 },
      ],
    ],
  ])("%j", (waiting, moves) => {
    expect(planMoves(waiting)).toEqual(moves);
  });
});
