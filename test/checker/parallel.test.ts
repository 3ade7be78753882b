import { describe, expect, it } from "vitest";
import { checkSpecByName } from "../../checker/cli-index.js";
import { LostWorkerError } from "../../checker/index.js";
import { planMoves } from "../../checker/parallel.js";
import { WorkerThreadError } from "../../checker/worker-thread.js";
import { cli } from "../support/cli.js";
import { rejection } from "../support/rejection.js";
import { tempFolder } from "../support/temp-folder.js";
import { threadFailingSpecs } from "../support/thread-failing-specs.js";

const folder = tempFolder("interleave-parallel-");

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

describe("parallel search: what a worker thread reports, merged", () => {
  it("two-phase-commit rms=6 on 2 workers: the shared table grows mid-search; one progress report per level", async () => {
    const levels: number[][] = [];
    const r = await checkSpecByName("two-phase-commit", {
      params: { rms: 6 },
      workers: 2,
      onProgress: (p) => void levels.push([p.depth, p.distinctStates, p.generatedStates, p.queue]),
    });
    // 50,816 states overflow the 65,536-slot table the search starts with: the workers pause and rehash.
    expect([r.result, r.distinctStates, r.generatedStates, r.maxDepth]).toEqual(["ok", 50_816, 402_306, 19]);
    expect(levels.map(([depth]) => depth)).toEqual(Array.from({ length: 20 }, (_, k) => k + 1));
    expect(levels.slice(0, 4)).toEqual([
      [1, 14, 14, 13],
      [2, 92, 170, 78],
      [3, 384, 1_034, 292],
      [4, 1_165, 4_056, 781],
    ]);
    expect(levels.at(-1)).toEqual([20, 50_816, 402_306, 0]);
  });

  it("--coverage: the rows of 2 workers add up to one worker's", async () => {
    const one = await checkSpecByName("two-phase-commit", { params: { rms: 3 }, coverage: true });
    const two = await checkSpecByName("two-phase-commit", { params: { rms: 3 }, coverage: true, workers: 2 });
    expect(two.coverage).toEqual(one.coverage);
    expect(two.coverage!.find((row) => row.action === "rm: Prepare")).toEqual({
      action: "rm: Prepare",
      enabled: 156,
      distinct: 26,
      values: [
        { action: "rm1: Prepare", enabled: 52, distinct: 2 },
        { action: "rm2: Prepare", enabled: 52, distinct: 6 },
        { action: "rm3: Prepare", enabled: 52, distinct: 18 },
      ],
    });
  });

  it("properties chosen, depth reached, sometimes never reached, an action never enabled: as on one worker", async () => {
    const chosen = await checkSpecByName("two-phase-commit", {
      variant: "abort-after-commit",
      properties: ["typeOK"],
      workers: 2,
    });
    // The variant violates "consistent", which is not checked: all of its 315 states are.
    expect([chosen.result, chosen.distinctStates, chosen.maxDepth]).toEqual(["ok", 315, 11]);
    const spec = folder.file(
      "idle.ts",
      `import { defineSpec, sometimes } from "interleave-check";
export default defineSpec({
  name: "idle",
  description: "counts to 5; Never is never enabled; n < 0 is never reached",
  init: () => [{ n: 0 }],
  actions: {
    Inc: (s: { n: number }) => (s.n < 5 ? { n: s.n + 1 } : undefined),
    Never: (s: { n: number }) => (s.n < 0 ? { n: 0 } : undefined),
  },
  properties: { five: sometimes((s: { n: number }) => s.n === 5), negative: sometimes((s: { n: number }) => s.n < 0) },
});
`,
    );
    const one = await checkSpecByName(spec, {});
    const two = await checkSpecByName(spec, { workers: 2 });
    expect([two.result, two.property, two.maxDepth, two.warnings]).toEqual([
      "violation",
      "negative",
      5,
      ["action Never was never enabled: is its guard always false?"],
    ]);
    expect([two.result, two.property, two.maxDepth, two.warnings]).toEqual([
      one.result,
      one.property,
      one.maxDepth,
      one.warnings,
    ]);
  });

  it("--timeout and an aborted signal end the search incomplete", async () => {
    const late = await checkSpecByName("two-phase-commit", { params: { rms: 7 }, workers: 2, timeoutMs: 1 });
    expect([late.result, late.limit]).toEqual(["incomplete", "timeout"]);
    expect(late.distinctStates).toBeLessThan(296_448);
    const abort = new AbortController();
    abort.abort();
    const stopped = await checkSpecByName("two-phase-commit", { params: { rms: 5 }, workers: 2, signal: abort.signal });
    expect([stopped.result, stopped.limit]).toEqual(["incomplete", "interrupted"]);
  });

  it("a spec that does not load in a worker thread is bad input; one that exits a worker ends the search, never hangs it", async () => {
    const { noLoad, exits } = threadFailingSpecs(folder);
    expect(await rejection(checkSpecByName(noLoad, { workers: 2 }))).toEqual(
      expect.objectContaining({
        name: "UsageError",
        message: expect.stringMatching(/^cannot load the spec in worker thread [01]: not in a worker thread$/),
      }),
    );
    const exited = await rejection(checkSpecByName(exits, { workers: 2 }));
    expect(exited).toBeInstanceOf(WorkerThreadError);
    expect(exited).toBeInstanceOf(LostWorkerError); // what the CLI and a library user catch as "incomplete"
    expect((exited as Error).message).toMatch(
      /^the parallel search is incomplete: worker thread [01] exited with code 3 before the search ended \(does the spec's code call process\.exit\?\)$/,
    );
    // The CLI: exit 2 and exit 3, one line each.
    const [bad, cut] = [await cli("check", noLoad, "--workers", "2"), await cli("check", exits, "--workers", "2")];
    expect([bad.code, bad.stdout, bad.stderr]).toEqual([
      2,
      "",
      expect.stringMatching(/^interleave: cannot load the spec in worker thread [01]: not in a worker thread\n$/),
    ]);
    expect([cut.code, cut.stdout, cut.stderr]).toEqual([
      3,
      "",
      expect.stringMatching(
        /^interleave: the parallel search is incomplete: worker thread [01] exited with code 3 [^\n]*\n$/,
      ),
    ]);
  });
});
