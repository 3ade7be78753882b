/**
 * `check --stats`: per-action counts that add up to the search's own counts,
 * states per depth, and the largest states with their largest fields.
 */
import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import { runCli } from "../../checker/cli-index.js";
import { largestFields } from "../../checker/stats.js";
import { twoPhaseCommit } from "../../specs/two-phase-commit.js";

async function cli(...args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    progress: false,
  });
  return { code, stdout, stderr };
}

describe("check --stats", () => {
  it("counts two-phase commit's 288 states by action and depth, as TLC's counts add up", () => {
    const report = checkSpec(twoPhaseCommit, { stats: true });
    const stats = report.stats!;
    expect(report.distinctStates).toBe(288);
    expect(stats.depths).toEqual([1, 7, 21, 38, 50, 54, 49, 36, 21, 9, 2]);
    expect(stats.depths.length - 1).toBe(report.maxDepth);
    expect(stats.actions).toEqual([
      { action: "tm: DecideAbort", generated: 64, newStates: 38 },
      { action: "rm: Prepare", generated: 156, newStates: 26 },
      { action: "rm: ChooseToAbort", generated: 156, newStates: 26 },
      { action: "rm: receive Abort", generated: 648, newStates: 152 },
      { action: "tm: receive Prepared", generated: 96, newStates: 37 },
      { action: "tm: DecideCommit", generated: 1, newStates: 1 },
      { action: "rm: receive Commit", generated: 24, newStates: 7 },
    ]);
    // Every successor but the initial state's own generation, and every state but the initial one, is counted once.
    expect(stats.actions.reduce((n, a) => n + a.generated, 0)).toBe(report.generatedStates - 1);
    expect(stats.actions.reduce((n, a) => n + a.newStates, 0)).toBe(report.distinctStates - 1);
    expect(stats.largestStates.map((s) => [s.bytes, s.depth])).toEqual([
      [506, 10],
      [505, 9],
      [505, 9],
    ]);
    expect(stats.largestStates[0]!.fields.slice(0, 3)).toEqual([
      { path: "network", bytes: 250, items: 4 },
      { path: "nodes", bytes: 153, items: 4 },
      { path: "nodes.tm", bytes: 56, items: 2 },
    ]);
  });

  it("gives the same counts with dfs, and none without --stats", () => {
    const dfs = checkSpec(twoPhaseCommit, { stats: true, strategy: "dfs" }).stats!;
    expect(dfs.depths.reduce((a, b) => a + b, 0)).toBe(288);
    expect(dfs.actions.reduce((n, a) => n + a.newStates, 0)).toBe(287);
    expect(checkSpec(twoPhaseCommit).stats).toBeUndefined();
  });

  it("prints the tables and puts them in the JSON report", async () => {
    const r = await cli("check", "two-phase-commit", "--stats", "--json", "-");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).stats.depths).toEqual([1, 7, 21, 38, 50, 54, 49, 36, 21, 9, 2]);
    const text = await cli("check", "two-phase-commit", "--stats");
    const lines = text.stdout.split("\n");
    expect(lines.slice(2, 5)).toEqual([
      "Stats:",
      "  action                  generated   new states",
      "  tm: DecideAbort                64           38",
    ]);
    expect(lines).toContain("      5           54 ########################################");
    expect(lines).toContain("  largest state 1: 506 bytes of JSON, at depth 10; its largest fields:");
    expect(lines).toContain("    network: 250 bytes, 4 items");
  });

  it("refuses random walks and several workers (exit 2, one line)", async () => {
    expect(await cli("check", "two-phase-commit", "--stats", "--strategy", "random")).toEqual({
      code: 2,
      stdout: "",
      stderr: "interleave: --stats applies to --strategy bfs and dfs, which expand each distinct state once\n",
    });
    const workers = await cli("check", "two-phase-commit", "--stats", "--workers", "2");
    expect(workers.code).toBe(2);
    expect(workers.stderr.split("\n")).toHaveLength(2);
  });

  it("lists fields two levels deep, largest first", () => {
    expect(largestFields({ a: { big: "x".repeat(20), small: 1 }, b: [1, 2, 3] })).toEqual([
      { path: "a", bytes: 40, items: 2 },
      { path: "a.big", bytes: 22 },
      { path: "b", bytes: 7, items: 3 },
      { path: "a.small", bytes: 1 },
    ]);
  });
});
