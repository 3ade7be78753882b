import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkSpecByName } from "../../checker/cli-index.js";
import {
  collectGarbage,
  DiskSegments,
  estimateHeapBytes,
  queueBytes,
  SpillArea,
  SpillTally,
} from "../../checker/disk-queue.js";

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

describe("disk queue parts", () => {
  it("queueBytes: a fixed budget, or what the memory limit leaves after the store, shared out", () => {
    let store = 1_000;
    expect(queueBytes({ kind: "fixed", bytes: 900 }, () => store)()).toBe(900);
    expect(queueBytes({ kind: "fixed", bytes: 900 }, () => store, 3)()).toBe(300);
    const left = queueBytes({ kind: "after-store", memoryBytes: 5_000 }, () => store, 2);
    expect(left()).toBe(2_000);
    // Read each time: the store grows during the search.
    store = 3_000;
    expect(left()).toBe(1_000);
    expect(queueBytes({ kind: "after-store", memoryBytes: 5_000 }, () => store)()).toBe(2_000);
  });

  it("SpillTally: sampled size plus a 24-byte entry, disk bytes per state, and another tally added", () => {
    const tally = new SpillTally();
    expect(tally.stats()).toEqual({ spilledStates: 0, diskBytesPerState: 0, memoryBytesPerState: 24 });
    tally.sample(100);
    tally.sample(200);
    tally.spilledStates = 4;
    tally.bytesWritten = 1_000;
    expect(tally.stats()).toEqual({ spilledStates: 4, diskBytesPerState: 250, memoryBytesPerState: 174 });
    // A worker's tally with a smaller estimate: its counts add, the larger estimate stays.
    tally.add({ spilledStates: 6, diskBytesPerState: 100, memoryBytesPerState: 100 });
    expect(tally.stats()).toEqual({ spilledStates: 10, diskBytesPerState: 160, memoryBytesPerState: 174 });
    // A larger one replaces it.
    tally.add({ spilledStates: 0, diskBytesPerState: 0, memoryBytesPerState: 524 });
    expect([tally.stats().memoryBytesPerState, tally.samples]).toEqual([524, 1]);
  });

  it("SpillArea: the directory made on first use, numbered segment names, removed once", () => {
    const area = new SpillArea();
    expect(readdirSync(scratch)).toEqual([]);
    const first = area.nextFile();
    const dir = area.directory;
    expect(readdirSync(scratch)).toEqual([dir.slice(scratch.length + 1)]);
    expect(dir.startsWith(join(scratch, "interleave-queue-"))).toBe(true);
    expect([first, area.nextFile("w1"), area.nextFile()]).toEqual([
      join(dir, "segment-0.bin"),
      join(dir, "w1-1.bin"),
      join(dir, "segment-2.bin"),
    ]);
    expect(process.listenerCount("exit")).toBeGreaterThan(0);
    const listeners = process.listenerCount("exit");
    area.dispose();
    expect([existsSync(dir), process.listenerCount("exit")]).toEqual([false, listeners - 1]);
    area.dispose();
    // A directory given (a parallel worker's) is used as it is.
    const given = mkdtempSync(join(scratch, "given-"));
    const worker = new SpillArea(given);
    expect(worker.nextFile("p")).toBe(join(given, "p-0.bin"));
    worker.dispose();
    expect(existsSync(given)).toBe(false);
  });

  it("DiskSegments: oldest first, or the newest; empty batches not written; counts and bytes tallied", () => {
    const area = new SpillArea();
    const tally = new SpillTally();
    const segments = new DiskSegments<{ states: number[]; tag: string }>(area, "q", tally);
    expect([segments.read({ newest: false }), segments.segments, segments.length]).toEqual([undefined, 0, 0]);
    segments.write({ states: [], tag: "empty" });
    expect([segments.segments, tally.spilledStates, tally.bytesWritten]).toEqual([0, 0, 0]);
    segments.write({ states: [1, 2], tag: "a" });
    segments.write({ states: [3], tag: "b" });
    segments.write({ states: [4, 5, 6], tag: "c" });
    expect([segments.segments, segments.length, tally.spilledStates]).toEqual([3, 6, 6]);
    expect(tally.bytesWritten).toBeGreaterThan(0);
    expect(readdirSync(area.directory).sort()).toEqual(["q-0.bin", "q-1.bin", "q-2.bin"]);
    expect(segments.read({ newest: true })).toEqual({ states: [4, 5, 6], tag: "c" });
    expect(segments.read({ newest: false })).toEqual({ states: [1, 2], tag: "a" });
    expect([segments.segments, segments.length, readdirSync(area.directory)]).toEqual([1, 1, ["q-1.bin"]]);
    expect(segments.read({ newest: false })).toEqual({ states: [3], tag: "b" });
    expect([segments.read({ newest: true }), segments.segments, segments.length]).toEqual([undefined, 0, 0]);
    area.dispose();
  });

  it("DiskSegments: a long FIFO run keeps its order when the read entries are dropped", () => {
    const area = new SpillArea();
    const segments = new DiskSegments<{ states: number[] }>(area, "s", new SpillTally());
    const read: number[] = [];
    for (let k = 0; k < 1_500; k++) {
      segments.write({ states: [k] });
      if (k % 3 === 2) read.push(segments.read({ newest: false })!.states[0]!);
    }
    while (segments.segments > 0) read.push(segments.read({ newest: false })!.states[0]!);
    expect(read).toEqual(Array.from({ length: 1_500 }, (_, k) => k));
    expect(readdirSync(area.directory)).toEqual([]);
    area.dispose();
  });

  it("estimateHeapBytes: integers beyond 2^30 and fractions are heap numbers; null, strings and deep nesting cost nothing", () => {
    expect([2 ** 30 - 1, -(2 ** 30) + 1, 2 ** 30, -(2 ** 30), 1.5].map((n) => estimateHeapBytes(n))).toEqual([
      0, 0, 16, 16, 16,
    ]);
    expect([null, undefined, "text", true].map((v) => estimateHeapBytes(v))).toEqual([0, 0, 0, 0]);
    expect(estimateHeapBytes([])).toBe(32);
    expect(estimateHeapBytes({})).toBe(24);
    // 66 nested arrays: the 65 outer ones counted (depths 0 to 64), the innermost not.
    let nested: unknown[] = [];
    for (let k = 0; k < 65; k++) nested = [nested];
    expect(estimateHeapBytes(nested)).toBe(65 * 40);
  });

  it("collectGarbage runs a full collection, and again", () => {
    expect(() => {
      collectGarbage();
      collectGarbage();
    }).not.toThrow();
  });
});
