/**
 * The exhaustive search's safety nets, driven by readings this file controls: the process's resident set (a spy on
 * `process.memoryUsage.rss`), V8's heap (`node:v8` mocked) and the checker's clock (`realNow` mocked). A real search
 * never comes near these limits in a test, so without the fakes the queue's move to disk under memory pressure, the
 * stop before an out-of-memory crash, and the slices of the asynchronous search would go unchecked.
 */
import { totalmem } from "node:os";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { checkSpec } from "../../checker/check.js";
import type { Progress, SearchOutcome } from "../../checker/strategy.js";
import { twoPhaseCommit } from "../../specs/two-phase-commit.js";
import { lineModel, treeModel } from "./support/line-model.js";

const fake = vi.hoisted(() => ({
  /** V8's heap as `getHeapStatistics` reports it, when set. */
  heap: undefined as { limit: number; available: number } | undefined,
  /** The checker's clock: when set, every read advances it by `step` ms. */
  clock: undefined as { now: number; step: number; reads: number } | undefined,
}));

vi.mock("node:v8", async (importOriginal) => {
  const v8 = await importOriginal<typeof import("node:v8")>();
  const getHeapStatistics = () => {
    const real = v8.getHeapStatistics();
    const heap = fake.heap;
    return heap ? { ...real, heap_size_limit: heap.limit, total_available_size: heap.available } : real;
  };
  return { ...v8, default: { ...v8, getHeapStatistics }, getHeapStatistics };
});

vi.mock("../../src/user-code.js", async (importOriginal) => {
  const userCode = await importOriginal<typeof import("../../src/user-code.js")>();
  const realNow = () => {
    const clock = fake.clock;
    if (!clock) return userCode.realNow();
    clock.reads++;
    return (clock.now += clock.step);
  };
  return { ...userCode, realNow };
});

let explore: typeof import("../../checker/explore.js").explore;
let exploreAsync: typeof import("../../checker/explore.js").exploreAsync;
beforeAll(async () => {
  // Where test files share their modules (the mutation runs' `isolate: false`), explore.ts may have loaded before
  // this file's mocks existed: load it afresh, so that it reads them.
  vi.resetModules();
  ({ explore, exploreAsync } = await import("../../checker/explore.js"));
});

afterEach(() => {
  fake.heap = undefined;
  fake.clock = undefined;
  vi.restoreAllMocks();
});

const MiB = 2 ** 20;

function limitOf(outcome: SearchOutcome<unknown>): string | undefined {
  return outcome.result === "incomplete" ? outcome.limit : undefined;
}

describe("the process's resident set", () => {
  // A data budget four times the machine's memory makes the resident set's limit the start's plus that budget.
  const maxMemoryBytes = 4 * totalmem();
  const start = 200 * MiB;
  const limit = start + maxMemoryBytes;
  /** The resident set reads `start`, then these fractions of its limit one by one, then `start` again. */
  function readRss(fractions: readonly number[]) {
    const readings = [start, ...fractions.map((f) => f * limit)];
    const spy = vi.spyOn(process.memoryUsage, "rss").mockImplementation(() => readings.shift() ?? start);
    return { readings, spy };
  }

  it("past 60% of its limit moves the queue to disk; past 90% stops the search, unless a collection frees it", () => {
    // Read at the start, then every 16,384 expansions (twice when memory is short: again after a collection), and
    // once more for the report.
    const { readings, spy: rss } = readRss([0.7, 0.7, 0.95, 0.5, 0.95, 0.95, 0.8]);
    const outcome = explore(treeModel(200_000), "fifo", { maxMemoryBytes });
    expect(readings).toEqual([]);
    expect(rss).toHaveBeenCalledTimes(8);
    // At 16,384 expansions the queue went to disk (70%); at 32,768 the collection brought 95% down to 50%, so the
    // search went on; at 49,152 it did not.
    expect([outcome.result, limitOf(outcome), outcome.distinctStates, outcome.maxDepth]).toEqual([
      "incomplete",
      "max-memory",
      98_305,
      16,
    ]);
    expect(outcome.warnings).toEqual([
      `the process's resident memory neared ${(limit / MiB).toFixed(2)} MiB`,
      "the spec has no properties (or none selected): the search only counts states",
    ]);
    // The peak is the largest reading, not the last.
    expect(outcome.peakRssBytes).toBe(0.95 * limit);
    // When the queue moved, the one state of its 16,385 past the batch kept in memory (16,384); then the 65,536 queued
    // since, four full batches.
    expect(outcome.queue?.spilledStates).toBe(65_537);
  });

  it("a search the collection let go on and that stops later for another reason gives that reason", () => {
    // At 16,384 expansions 95%, then 50% after the collection; V8's heap runs short at 20,480.
    readRss([0.95, 0.5]);
    fake.heap = { limit: 3_000_000, available: 2_000_000 };
    const model = treeModel(200_000, { 20_000: () => (fake.heap!.available = 980_000) });
    const outcome = explore(model, "fifo", { maxMemoryBytes });
    expect([outcome.result, limitOf(outcome), outcome.distinctStates]).toEqual(["incomplete", "max-memory", 40_961]);
    expect(outcome.warnings).toEqual([
      "V8's JavaScript heap is two-thirds full (the spec's states and caches live there)",
      "the spec has no properties (or none selected): the search only counts states",
    ]);
  });

  it("read under 60% of its limit, the queue stays in memory", () => {
    readRss([]);
    const outcome = explore(treeModel(40_000), "fifo", { maxMemoryBytes });
    expect([outcome.result, outcome.distinctStates, outcome.queue?.spilledStates ?? 0]).toEqual(["ok", 40_001, 0]);
  });
});

describe("V8's heap", () => {
  it("with less than half its size free, the queue moves to disk; with less than a third, the search stops", () => {
    // A third of the heap is kept in reserve: 990,000 of 3,000,000 bytes.
    fake.heap = { limit: 3_000_000, available: 2_000_000 };
    const model = treeModel(200_000, {
      10_000: () => (fake.heap!.available = 1_400_000),
      40_000: () => (fake.heap!.available = 980_000),
    });
    const outcome = explore(model, "fifo");
    // The heap is read every 1,024 expansions, the pressure on it only with the resident set's (every 16,384).
    expect([outcome.result, limitOf(outcome), outcome.distinctStates]).toEqual(["incomplete", "max-memory", 81_921]);
    expect(outcome.warnings).toEqual([
      "V8's JavaScript heap is two-thirds full (the spec's states and caches live there)",
      "the spec has no properties (or none selected): the search only counts states",
    ]);
    // As with the resident set: 1 state when the queue moved (at 16,384 expansions), then the 49,152 queued since.
    expect(outcome.queue?.spilledStates).toBe(49_153);
  });

  it("with more than half of it free, nothing moves to disk", () => {
    fake.heap = { limit: 3_000_000, available: 1_500_000 };
    const outcome = explore(treeModel(40_000), "fifo");
    expect([outcome.result, outcome.distinctStates, outcome.queue?.spilledStates ?? 0]).toEqual(["ok", 40_001, 0]);
  });
});

describe("the checker's clock", () => {
  it("the asynchronous search yields to the event loop once a slice of 100 ms has passed", async () => {
    // 10 ms a read, three reads every 1,024 expansions (the deadline, progress, the slice): a slice is 4,096.
    fake.clock = { now: 0, step: 10, reads: 0 };
    let ticks = 0;
    let done = false;
    const tick = () => {
      ticks++;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    const outcome = await exploreAsync(lineModel(10_000), "fifo");
    done = true;
    expect([outcome.result, outcome.distinctStates]).toEqual(["ok", 10_001]);
    // Two yields (after 4,096 and 8,192 expansions), each letting the ticker run once.
    expect(ticks).toBe(2);
    // The budget's start; each slice's end (3) and three reads a block (4 + 4 + 1 blocks); two for the report.
    expect(fake.clock.reads).toBe(33);
    // From the budget's start (10 ms) to the report's last read (330 ms).
    expect(outcome.durationMs).toBe(320);
  });

  it("the synchronous search runs in one go, reporting progress once the interval has passed since the last", () => {
    fake.clock = { now: 0, step: 10, reads: 0 };
    const seen: Progress[] = [];
    const outcome = explore(lineModel(6_000), "fifo", { progressIntervalMs: 30, onProgress: (p) => seen.push(p) });
    expect([outcome.result, outcome.distinctStates]).toEqual(["ok", 6_001]);
    // The elapsed time is read at 20, 50, 80, 110 and 140 ms (every 1,024 expansions): progress is due at 30 ms,
    // then 30 ms after each report, and a reading that lands on the due time reports.
    expect(seen.map((p) => [p.distinctStates, p.elapsedMs])).toEqual([
      [2_049, 50],
      [3_073, 80],
      [4_097, 110],
      [5_121, 140],
    ]);
    // Every 40 ms: due at 40, then 90 (80 is early), then 150 (140 is early).
    fake.clock = { now: 0, step: 10, reads: 0 };
    const sparse: Progress[] = [];
    explore(lineModel(6_000), "fifo", { progressIntervalMs: 40, onProgress: (p) => sparse.push(p) });
    expect(sparse.map((p) => [p.distinctStates, p.elapsedMs])).toEqual([
      [2_049, 50],
      [4_097, 110],
    ]);
  });
});

describe("--max-memory with a liveness property", () => {
  it("counts the edge log with the fingerprint store, and names both; a safety check names the store alone", () => {
    const liveness = checkSpec(twoPhaseCommit, { params: { rms: 6 }, maxMemoryBytes: MiB });
    expect([liveness.result, liveness.limit, liveness.distinctStates]).toEqual(["incomplete", "max-memory", 6_079]);
    expect(liveness.warnings).toEqual([
      "the fingerprint store with the liveness check's edge log alone needs 1.05 MiB for 6,079 states, more than " +
        "--max-memory (1.00 MiB); the queue spills to disk, the store cannot: raise --max-memory",
    ]);
    const safety = checkSpec(twoPhaseCommit, {
      params: { rms: 6 },
      properties: ["typeOK", "consistent"],
      maxMemoryBytes: MiB / 4,
    });
    expect([safety.result, safety.limit, safety.distinctStates]).toEqual(["incomplete", "max-memory", 2_592]);
    expect(safety.warnings).toEqual([
      "the fingerprint store alone needs 0.47 MiB for 2,592 states, more than --max-memory (0.25 MiB); the queue " +
        "spills to disk, the store cannot: raise --max-memory",
    ]);
  });
});
