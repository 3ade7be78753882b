/**
 * BudgetClock alone: which limit wins, how often the resident memory is read,
 * and what progress reports carry. Limits in the past or of one byte make
 * every answer independent of the machine's speed.
 */
import { getHeapStatistics } from "node:v8";
import { describe, expect, it } from "vitest";
import type { CheckProgress } from "../../../src/history/index.js";
import { BudgetClock } from "../../../src/history/search/budget.js";

describe("BudgetClock", () => {
  it("stops on table bytes above the limit, not at it", () => {
    const clock = new BudgetClock({ maxMemoryBytes: 100 });
    expect(clock.maxBytes).toBe(100);
    expect(clock.exceeded(100)).toBeNull();
    expect(clock.exceeded(101)).toBe("memory");
  });

  it("a memory limit is answered before a time limit", () => {
    const clock = new BudgetClock({ maxMemoryBytes: 10, timeoutMs: -1 });
    expect(clock.exceeded(11)).toBe("memory");
    expect(clock.exceeded(10)).toBe("timeout");
  });

  it("without a time limit it never times out", () => {
    const clock = new BudgetClock({ maxMemoryBytes: 10 });
    for (let k = 0; k < 15; k++) expect(clock.exceeded(0)).toBeNull();
  });

  it("the default table limit is a quarter of the heap limit, at most 1 GiB", () => {
    expect(new BudgetClock().maxBytes).toBe(Math.min(2 ** 30, Math.floor(getHeapStatistics().heap_size_limit / 4)));
  });

  it("reads the resident memory every 16th call", () => {
    const clock = new BudgetClock({ maxResidentBytes: 1 });
    const answers = Array.from({ length: 33 }, () => clock.exceeded(0));
    expect(answers.flatMap((a, k) => (a === null ? [] : [`${k + 1}: ${a}`]))).toEqual(["16: memory", "32: memory"]);
    const roomy = new BudgetClock({ maxResidentBytes: Number.MAX_SAFE_INTEGER });
    expect(Array.from({ length: 32 }, () => roomy.exceeded(0)).every((a) => a === null)).toBe(true);
  });

  it("reports progress at its interval, with the configurations summed and the last bytes", () => {
    const seen: CheckProgress[] = [];
    const clock = new BudgetClock({ onProgress: (p) => seen.push(p), progressIntervalMs: -1 });
    clock.exceeded(10, 3);
    clock.exceeded(20, 4);
    expect(seen.map((p) => [p.configurations, p.tableBytes])).toEqual([
      [3, 10],
      [7, 20],
    ]);
    expect(seen.every((p) => p.elapsedMs >= 0 && p.elapsedMs <= clock.elapsedMs())).toBe(true);
    expect(clock.elapsedMs()).toBeLessThanOrEqual(performance.now() - clock.start);
    const quiet: CheckProgress[] = [];
    const later = new BudgetClock({ onProgress: (p) => quiet.push(p), progressIntervalMs: 3_600_000 });
    later.exceeded(10, 3);
    expect(quiet).toEqual([]);
  });
});
