import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkSpecByName } from "../../checker/cli-index.js";
import { estimateHeapBytes } from "../../checker/disk-queue.js";

// Segments go to os.tmpdir(): point it at a directory of our own, to see that each search leaves it empty.
let scratch = "";
let savedTmp: string | undefined;
beforeEach(() => {
  savedTmp = process.env["TMPDIR"];
  scratch = mkdtempSync(join(tmpdir(), "disk-queue-test-"));
  process.env["TMPDIR"] = scratch;
});
afterEach(() => {
  if (savedTmp === undefined) delete process.env["TMPDIR"];
  else process.env["TMPDIR"] = savedTmp;
  rmSync(scratch, { recursive: true, force: true });
});

// A queue budget of 20 KB holds a few dozen states: two-phase commit with 5 RMs queues up to about 1,500.
const tiny = { maxQueueBytes: 20_000 };

describe("disk queue (BFS past its memory budget)", () => {
  it("two-phase-commit rms=5 spills its queue and gives the exact counts, leaving no file behind", async () => {
    const inMemory = await checkSpecByName("two-phase-commit", { params: { rms: 5 } });
    expect([inMemory.result, inMemory.distinctStates, inMemory.generatedStates, inMemory.spilledStates]).toEqual([
      "ok",
      8832,
      58146,
      0,
    ]);
    const spilled = await checkSpecByName("two-phase-commit", { params: { rms: 5 }, ...tiny });
    expect([spilled.result, spilled.distinctStates, spilled.generatedStates, spilled.maxDepth]).toEqual([
      "ok",
      8832,
      58146,
      inMemory.maxDepth,
    ]);
    // Every state but the first batch went through the disk, each written once.
    expect(spilled.spilledStates).toBeGreaterThan(8000);
    expect(spilled.spilledStates).toBeLessThan(8832);
    expect(spilled.queueBytesPerState!.disk).toBeGreaterThan(50);
    expect(spilled.queueBytesPerState!.disk).toBeLessThan(spilled.queueBytesPerState!.memory);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it("a violation found after spilling has the same shortest trace (raft vote-twice: 12 steps, protocol states adopted back)", async () => {
    const inMemory = await checkSpecByName("raft", { variant: "vote-twice" });
    const spilled = await checkSpecByName("raft", { variant: "vote-twice", maxQueueBytes: 1 });
    expect([
      spilled.result,
      spilled.property,
      (spilled.trace?.length ?? 0) - 1,
      spilled.distinctStates,
      spilled.generatedStates,
    ]).toEqual(["violation", "atMostOneLeaderPerTerm", 12, 12598, 56168]);
    expect(spilled.spilledStates).toBeGreaterThan(10000);
    expect(spilled.trace).toEqual(inMemory.trace);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it("liveness still sees the whole graph: raft-election split-votes gives the same 25-step lasso after spilling", async () => {
    const r = await checkSpecByName("raft-election", { variant: "split-votes", maxQueueBytes: 1 });
    expect([
      r.result,
      r.property,
      r.loopStart,
      (r.trace?.length ?? 0) - 1,
      r.distinctStates,
      r.generatedStates,
    ]).toEqual(["violation", "eventuallyLeader", 3, 25, 15008, 89157]);
    expect(r.spilledStates).toBeGreaterThan(14000);
  });

  it("--workers 2 spills each worker's queue with the same counts and shortest trace", async () => {
    const r = await checkSpecByName("two-phase-commit", { params: { rms: 5 }, workers: 2, ...tiny });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 8832, 58146]);
    expect(r.spilledStates).toBeGreaterThan(4000);
    const broken = await checkSpecByName("two-phase-commit", {
      variant: "abort-after-commit",
      workers: 2,
      maxQueueBytes: 1,
    });
    expect([broken.result, broken.property, (broken.trace?.length ?? 0) - 1]).toEqual(["violation", "consistent", 10]);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it("an interrupted search (Ctrl-C) removes its segments", async () => {
    const controller = new AbortController();
    const r = await checkSpecByName("two-phase-commit", {
      params: { rms: 6 },
      ...tiny,
      signal: controller.signal,
      progressIntervalMs: 1,
      onProgress: (p) => {
        if (p.distinctStates > 4000) controller.abort();
      },
    });
    expect([r.result, r.limit]).toEqual(["incomplete", "interrupted"]);
    expect(r.spilledStates).toBeGreaterThan(0);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it("estimates a state's heap size counting shared parts once", () => {
    const shared = { a: 1, b: [1, 2] };
    // Object: 24 + 8 per field; array: 32 + 8 per element; small integers and strings cost their slot only.
    expect(estimateHeapBytes(shared)).toBe(24 + 16 + 32 + 16);
    const seen = new Set<object>();
    expect(estimateHeapBytes({ x: shared, s: "working" }, seen)).toBe(24 + 16 + 88);
    expect(estimateHeapBytes({ y: shared }, seen)).toBe(24 + 8);
    expect(estimateHeapBytes(0.5)).toBe(16);
  });
});
