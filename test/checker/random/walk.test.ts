import { describe, expect, it } from "vitest";
import { simulate } from "../../../checker/random/walk.js";
import { violationOf, type Progress } from "../../../checker/strategy.js";
import { defineSpec } from "../../../src/index.js";
import { withVirtualClock } from "../../support/virtual-clock.js";
import { counterModel } from "./counter.js";

/** x goes round 0..5 both ways (Next, then Back): every state has two successors, and no property. */
function ring() {
  return defineSpec({
    name: "ring",
    description: "a counter modulo 6",
    init: () => [{ x: 0 }],
    actions: {
      Next: (s: { x: number }) => ({ x: (s.x + 1) % 6 }),
      Back: (s: { x: number }) => ({ x: (s.x + 5) % 6 }),
    },
    properties: {},
  }).instantiate();
}

/** The counts of a search, without the fields that vary from one machine to another. */
function counts(r: ReturnType<typeof simulate>) {
  return {
    result: r.result,
    walks: r.walks,
    steps: r.steps,
    maxDepth: r.maxDepth,
    distinctStates: r.distinctStates,
    generatedStates: r.generatedStates,
    bytesPerState: r.bytesPerState,
    ...("limit" in r ? { limit: r.limit } : {}),
  };
}

// The fingerprint table starts with 4,096 slots of 9 bytes (two 32-bit words and a flag byte): 36,864 bytes.
describe("simulate: what a search counts", () => {
  it("an invariant broken in an initial state is found before any walk: a path of no steps", () => {
    // Initial states 1 and 4: 4 breaks below3. A virtual clock (1 ms per read): the start, the search's end, the
    // trace's.
    const { result: r } = withVirtualClock(() => simulate(counterModel("below3", [1, 4]), { seed: 1, shrink: "none" }));
    expect(counts(r)).toEqual({
      result: "violation",
      walks: 0,
      steps: 0,
      maxDepth: 0,
      distinctStates: 2,
      generatedStates: 2,
      bytesPerState: 36864 / 2,
    });
    expect([r.replayPath, r.foundSteps, violationOf(r)?.property, violationOf(r)?.trace.length, r.durationMs]).toEqual([
      "1",
      0,
      "below3",
      1,
      2,
    ]);
  });

  it("a model with no initial states takes no walk and counts nothing", () => {
    const empty = defineSpec({
      name: "empty",
      description: "no initial state",
      init: () => [],
      actions: {},
      properties: {},
    });
    expect(counts(simulate(empty.instantiate(), { seed: 1 }))).toEqual({
      result: "incomplete",
      walks: 0,
      steps: 0,
      maxDepth: 0,
      distinctStates: 0,
      generatedStates: 0,
      bytesPerState: 0,
    });
  });

  it("one walk of one step counts the initial state and both its successors, the one not taken too", () => {
    expect(counts(simulate(ring(), { seed: 1, runs: 1, maxDepth: 1 }))).toEqual({
      result: "incomplete",
      walks: 1,
      steps: 1,
      maxDepth: 1,
      distinctStates: 3,
      generatedStates: 3,
      bytesPerState: 36864 / 3,
    });
  });

  it("the walk that finds a violation stops at the violating step's source", () => {
    // Walk 1 takes its 13 steps (an eighth of 100); walk 2 reaches 2 after 18 steps, and its step Inc breaks below3.
    const r = simulate(counterModel("below3"), { seed: 1, shrink: "none" });
    expect(counts(r)).toEqual({
      result: "violation",
      walks: 2,
      steps: 13 + 18,
      maxDepth: 18,
      distinctStates: 4,
      generatedStates: 65,
      bytesPerState: 36864 / 4,
    });
    expect([r.foundSteps, r.replayPath]).toEqual([19, "0:0:2:0:2:0:1:0:2:0:1:0:2:0:1:0:1:0:0:0"]);
  });

  it("a walk ends at a state with no successors", () => {
    // 0 to 3 and no further: walks of 1 to 8 steps (eighths of 8) take 1, 2, then 3 steps each.
    const stuck = defineSpec({
      name: "stuck",
      description: "counts to 3 and stops",
      init: () => [{ n: 0 }],
      actions: { Inc: (s: { n: number }) => (s.n < 3 ? { n: s.n + 1 } : undefined) },
      properties: {},
    });
    expect(counts(simulate(stuck.instantiate(), { seed: 1, runs: 8, maxDepth: 8 }))).toEqual({
      result: "incomplete",
      walks: 8,
      steps: 1 + 2 + 6 * 3,
      maxDepth: 3,
      distinctStates: 4,
      generatedStates: 22,
      bytesPerState: 36864 / 4,
    });
  });

  it("a walk steps only inside the constraint: a pick outside it is drawn again among the successors inside", () => {
    // 0 to 9, constrained to x <= 2: from 2, Inc leads outside, Dec inside, so every walk takes its whole length.
    const fenced = defineSpec({
      name: "fenced",
      description: "a counter constrained to 0..2",
      init: () => [{ x: 0 }],
      actions: {
        Inc: (s: { x: number }) => (s.x < 9 ? { x: s.x + 1 } : undefined),
        Dec: (s: { x: number }) => (s.x > 0 ? { x: s.x - 1 } : undefined),
      },
      properties: {},
      constraint: (s) => s.x <= 2,
    });
    expect(counts(simulate(fenced.instantiate(), { seed: 1, runs: 8, maxDepth: 8 }))).toEqual({
      result: "incomplete",
      walks: 8,
      steps: 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8,
      maxDepth: 8,
      distinctStates: 4,
      generatedStates: 56,
      bytesPerState: 36864 / 4,
    });
  });

  it("--max-states stops a search only past the limit, and a check of the limits ends no walk", () => {
    // The walk checks its limits every 1,024 steps. Walks of 13, 25, 38, 50, 63, 75, 88 and 100 steps (eighths of
    // 100), twice, then 13, 25, 38 and 50: the 20th walk passes step 1,024 with all 6 states seen, and walks on.
    expect(counts(simulate(ring(), { seed: 1, runs: 20, maxDepth: 100, maxStates: 6 }))).toEqual({
      result: "incomplete",
      walks: 20,
      steps: 2 * 452 + 13 + 25 + 38 + 50,
      maxDepth: 100,
      distinctStates: 6,
      generatedStates: 1 + 2 * 1030,
      bytesPerState: 36864 / 6,
    });
  });

  it("reports progress at the limit checks once the interval has passed since the last report", () => {
    // A virtual clock (1 ms per read): the start reads 1; the checks at steps 1,024, 2,048, 3,072 and 4,096 read 2 to
    // 5;
    // with a report due every 2 ms, the checks at 3 and 5 report. The end reads 6.
    const seen: Progress[] = [];
    const { result: r, reads } = withVirtualClock(() =>
      simulate(ring(), {
        seed: 1,
        runs: 80,
        maxDepth: 100,
        progressIntervalMs: 2,
        onProgress: (p) => seen.push(p),
      }),
    );
    expect([r.steps, reads, r.durationMs]).toEqual([4520, 6, 5]);
    expect(seen).toEqual([
      { distinctStates: 6, generatedStates: 1 + 2 * 2048, queue: 0, depth: 100, elapsedMs: 2 },
      { distinctStates: 6, generatedStates: 1 + 2 * 4096, queue: 0, depth: 100, elapsedMs: 4 },
    ]);
  });
});
