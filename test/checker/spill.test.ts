import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// `--max-memory` through the CLI, with no internal knob: the budget is the search's data (the fingerprint store,
// a liveness check's edge log and the queue in memory), so a budget below the queue's peak spills it and finishes.
// Two-phase commit with 6 RMs keeps about 8 MiB that cannot go to disk (store and edge log) and queues about
// 2 MiB more at its widest level: 9 MiB spills, 1 MiB cannot hold the store.

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "bin/interleave.js");

function check(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, "check", "two-phase-commit", "--param", "rms=6", ...args], {
    encoding: "utf8",
    cwd: root,
  });
  return { code: r.status, report: JSON.parse(r.stdout) as Record<string, unknown>, stderr: r.stderr };
}

describe("--max-memory bounds the search's data, and the queue spills to stay within it", () => {
  it("rms=6 under 9 MiB: the queue spills and the check finishes with the in-memory counts (exit 0)", () => {
    const r = check("--max-memory", "9", "--json", "-");
    expect(r.code).toBe(0);
    expect(r.report).toMatchObject({
      result: "ok",
      limit: null,
      distinctStates: 50_816,
      generatedStates: 402_306,
      maxDepth: 19,
      // One thread: where the queue crosses the budget, and so what goes to disk, is the same every run.
      spilledStates: 14_451,
      warnings: [],
    });
    const bytes = r.report["queueBytesPerState"] as { memory: number; disk: number };
    expect(bytes.disk).toBeGreaterThan(100);
    expect(bytes.disk).toBeLessThan(bytes.memory);
    expect(r.stderr).toContain("OK: two-phase-commit (rms=6): every property holds; 50,816 distinct states");
  });

  it("--workers 2 under 3 MiB spills each worker's queue with the same counts (exit 0)", () => {
    const r = check("--workers", "2", "--max-memory", "3", "--json", "-");
    expect(r.code).toBe(0);
    expect(r.report).toMatchObject({
      result: "ok",
      limit: null,
      distinctStates: 50_816,
      generatedStates: 402_306,
      maxDepth: 19,
    });
    // Workers share levels out as they finish, so how many states go to disk varies a little (about 39,000).
    expect(r.report["spilledStates"]).toBeGreaterThan(20_000);
  });

  it("a budget the fingerprint store cannot fit in ends incomplete (exit 3), saying the store is why", () => {
    const r = check("--max-memory", "1", "--json", "-");
    expect(r.code).toBe(3);
    const message =
      "the fingerprint store with the liveness check's edge log alone needs 1.05 MiB for 6,079 states, more than --max-memory (1.00 MiB); the queue spills to disk, the store cannot: raise --max-memory";
    expect(r.report).toMatchObject({
      result: "incomplete",
      limit: "max-memory",
      distinctStates: 6_079,
      generatedStates: 30_057,
    });
    // Only the store's note: an action not yet enabled when a limit stops the search may be enabled beyond it.
    expect(r.report["warnings"]).toEqual([message]);
    expect(r.stderr).toContain(`interleave: warning: ${message}\n`);
  });
});
