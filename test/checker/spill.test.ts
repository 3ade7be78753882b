import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// `--max-memory` through the CLI, with no internal knob: the budget is the search's data (the fingerprint store,
// a liveness check's edge log and the queue in memory), so a budget below the queue's peak spills it and finishes.
// Two-phase commit with 7 RMs, its safety properties only, keeps about 8.5 MiB that cannot go to disk (the store)
// and queues more than the rest of 9 MiB at its widest level (76 bytes a state, held as the model's words).
// With 6 RMs, 1 MiB cannot hold the store and its liveness check's edge log.

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "bin/interleave.js");

function check(rms: number, ...args: string[]) {
  const r = spawnSync(process.execPath, [bin, "check", "two-phase-commit", "--param", `rms=${rms}`, ...args], {
    encoding: "utf8",
    cwd: root,
  });
  return { code: r.status, report: JSON.parse(r.stdout) as Record<string, unknown>, stderr: r.stderr };
}

describe("--max-memory bounds the search's data, and the queue spills to stay within it", () => {
  const safety = ["--property", "typeOK", "--property", "consistent"];

  it("rms=7 under 9 MiB: the queue spills and the check finishes with the in-memory counts (exit 0)", () => {
    const r = check(7, ...safety, "--max-memory", "9", "--json", "-");
    expect(r.code).toBe(0);
    expect(r.report).toMatchObject({
      result: "ok",
      limit: null,
      distinctStates: 296_448,
      generatedStates: 2_744_706,
      maxDepth: 22,
      // One thread: where the queue crosses the budget, and so what goes to disk, is the same every run.
      spilledStates: 145_760,
      // A state is 12 words (8 node states, network, timers, crashed nodes, fault counters) and a start in memory,
      // and its entry (index, fingerprint and depth) on top; the same on disk, less the pointer.
      queueBytesPerState: { memory: 76, disk: 69 },
      warnings: [],
    });
    expect(r.stderr).toContain("OK: two-phase-commit (rms=7): every property holds; 296,448 distinct states");
  });

  it("--workers 2 under 10 MiB spills each worker's queue with the same counts (exit 0)", () => {
    const r = check(7, ...safety, "--workers", "2", "--max-memory", "10", "--json", "-");
    expect(r.code).toBe(0);
    expect(r.report).toMatchObject({
      result: "ok",
      limit: null,
      distinctStates: 296_448,
      generatedStates: 2_744_706,
      maxDepth: 22,
    });
    // Workers share levels out as they finish, so how many states go to disk varies a little (about 199,000).
    expect(r.report["spilledStates"]).toBeGreaterThan(150_000);
  });

  it("a budget the fingerprint store cannot fit in ends incomplete (exit 3), saying the store is why", () => {
    const r = check(6, "--max-memory", "1", "--json", "-");
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
