/**
 * The budget clock bounds every phase of a check: the windowed pre-pass of a
 * long partition stops at the memory limit like the full search, and progress
 * is reported from all of them.
 */
import { describe, expect, it } from "vitest";
import {
  checkHistory,
  checkLinearizability,
  registerModel,
  toOperations,
  type CheckProgress,
} from "../../src/history/index.js";
import { BudgetClock, defaultMaxResidentBytes } from "../../src/history/search/budget.js";
import { preparePartitions } from "../../src/history/search/partition.js";
import { findViolatingWindow } from "../../src/history/search/window.js";
import type { HistoryEvent } from "../../src/history/index.js";
import { generateRegisterHistory, prng } from "./support/generate.js";
import { withVirtualClock } from "../support/virtual-clock.js";

/**
 * Writes of ten values, each overlapped by a read on another process, and single reads: many candidate writes per read.
 */
function readsAndWrites(operations: number): HistoryEvent[] {
  const random = prng(1);
  const events: HistoryEvent[] = [];
  let value = 0;
  for (let i = 0; events.length < operations * 2; i++) {
    const p = i % 3;
    if (random() < 0.5) {
      const v = Math.floor(random() * 10);
      const q = (p + 1) % 3;
      events.push(
        { type: "invoke", process: p, f: "write", value: v },
        { type: "invoke", process: q, f: "read", value: null },
      );
      events.push({ type: "ok", process: p, f: "write", value: v }, { type: "ok", process: q, f: "read", value: v });
      value = v;
    } else {
      events.push({ type: "invoke", process: p, f: "read", value: null }, { type: "ok", process: p, f: "read", value });
    }
  }
  return events;
}

const long = generateRegisterHistory({
  seed: 7,
  processes: 4,
  operations: 1200,
  values: 5,
  unknownRate: 0,
  violation: false,
});

describe("the budget clock", () => {
  it("the generated history is long enough for the windowed pre-pass, and linearizable", () => {
    expect(toOperations(long).length).toBe(1200);
    const report = checkLinearizability(long, registerModel);
    expect(report.result).toBe("linearizable");
    // One bounded search round linearizes it before the windows; with the windows first, they cost most of the check.
    expect(report.configurations).toBe(1285);
    expect(checkLinearizability(long, registerModel, { windows: { searchFirstPerOperation: 0 } }).configurations).toBe(
      6249,
    );
  });

  it("the windowed pre-pass stops at the resident-memory limit instead of going through every window", () => {
    const [partition] = preparePartitions(toOperations(long), registerModel, {});
    const outcome = findViolatingWindow(partition!, registerModel, new BudgetClock({ maxResidentBytes: 1 }));
    expect(outcome.stopped).toBe("memory");
    expect(outcome.violation).toBeUndefined();
    // The resident memory is read every 16th call of the clock: the 16th window stops it.
    expect(outcome.configurations).toBe(235);
    const free = findViolatingWindow(partition!, registerModel, new BudgetClock());
    expect(free.stopped).toBeUndefined();
    expect(free.configurations).toBe(4964);
  });

  it("a check whose limit is reached in the pre-pass ends unknown, reason memory, before the full search", () => {
    // The windows first (by default a bounded search round comes first, and linearizes this history at once).
    const report = checkLinearizability(long, registerModel, {
      maxResidentBytes: 1,
      windows: { searchFirstPerOperation: 0 },
    });
    expect(report.result).toBe("unknown");
    if (report.result !== "unknown") return;
    expect(report.reason).toBe("memory");
    expect(report.message).toBe("stopped at the memory limit after 235 configurations; no violation found so far");
    expect(report.partitionSummaries).toEqual([
      { partition: null, operations: 1200, result: "unknown", configurations: 235 },
    ]);
  });

  it("reports progress from every phase, with configurations that only grow", () => {
    const seen: CheckProgress[] = [];
    const report = checkLinearizability(long, registerModel, {
      onProgress: (p) => seen.push(p),
      progressIntervalMs: 0,
      windows: { searchFirstPerOperation: 0 },
    });
    expect(report.result).toBe("linearizable");
    expect(seen.length).toBeGreaterThan(0);
    for (let i = 1; i < seen.length; i++)
      expect(seen[i]!.configurations).toBeGreaterThanOrEqual(seen[i - 1]!.configurations);
    expect(seen.at(-1)!.configurations).toBeLessThanOrEqual(report.configurations);
  });

  it("the session search looks at the clock after every complete choice, so a time limit holds however costly each choice is", () => {
    // Each complete reads-from choice costs a consistency judgement of the whole history; the clock used to be read
    // every 256 of them.
    // A virtual clock (1 ms per read): the check stops within a few reads of its 300-read deadline. 100 operations are
    // enough to outlast it (800 took 47 s under mutation testing's instrumentation, past the test timeout).
    const { result: report, reads } = withVirtualClock(() =>
      checkHistory(readsAndWrites(100), { consistency: "session", timeoutMs: 300 }),
    );
    expect(report.result).toBe("unknown");
    if (report.result !== "unknown") return;
    expect(report.reason).toBe("timeout");
    expect(reads).toBe(303);
    // One clock read per complete choice: read every 256th, the same 300 reads would have let through 256 times as
    // many.
    expect(report.message).toBe("stopped at the time limit after 299 reads-from choices");
  });

  it("the default resident-memory limit is half the physical memory at most", async () => {
    const { totalmem } = await import("node:os");
    expect(defaultMaxResidentBytes()).toBeGreaterThan(0);
    expect(defaultMaxResidentBytes()).toBeLessThanOrEqual(Math.floor(totalmem() / 2));
  });
});
