/**
 * `check --stats`: per-action counts that add up to the search's own counts,
 * states per depth, and the largest states with their largest fields.
 */
import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import { formatStats, largestFields } from "../../checker/stats.js";
import { choose, defineSpec } from "../../src/index.js";
import { twoPhaseCommit } from "../../specs/two-phase-commit.js";
import { cli } from "../support/cli.js";

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
  it("groups a chosen action's labels under its name, and a step back to the initial state finds no new state", () => {
    // Two flags: Set(0) and Set(1) raise one each, Clear lowers both (back to the initial state).
    const flags = defineSpec({
      name: "flags",
      description: "two flags, set one at a time, cleared together",
      init: () => [[0, 0]],
      actions: {
        Set: choose(
          () => [0, 1],
          (s: number[], i: number) => (s[i] === 0 ? s.map((x, j) => (j === i ? 1 : x)) : undefined),
        ),
        Clear: (s: number[]) => (s.includes(1) ? [0, 0] : undefined),
      },
      properties: {},
    });
    const report = checkSpec(flags, { stats: true });
    expect([report.distinctStates, report.generatedStates]).toEqual([4, 8]);
    expect(report.stats!.actions).toEqual([
      { action: "Set", generated: 4, newStates: 3 },
      { action: "Clear", generated: 3, newStates: 0 },
    ]);
    expect(report.stats!.depths).toEqual([1, 2, 1]);
  });

  it("keeps the three largest states when the first states are the largest", () => {
    const shrinking = defineSpec({
      name: "shrinking",
      description: "a word that loses a letter each step",
      init: () => [{ left: "xxxx" }],
      actions: { Eat: (s: { left: string }) => (s.left === "" ? undefined : { left: s.left.slice(1) }) },
      properties: {},
    });
    const report = checkSpec(shrinking, { stats: true });
    expect([report.result, report.distinctStates]).toEqual(["ok", 5]);
    const stats = report.stats!;
    expect(stats.depths).toEqual([1, 1, 1, 1, 1]);
    expect(stats.largestStates).toEqual([
      { bytes: 15, depth: 0, fields: [{ path: "left", bytes: 6 }] },
      { bytes: 14, depth: 1, fields: [{ path: "left", bytes: 5 }] },
      { bytes: 13, depth: 2, fields: [{ path: "left", bytes: 4 }] },
    ]);
  });

  it("lists no fields for a state that is not an object or array", () => {
    expect([largestFields(5), largestFields("ab"), largestFields(null)]).toEqual([[], [], []]);
  });

  it("names an array state's fields by index, sizes null and undefined as JSON prints them, and keeps eight", () => {
    expect(largestFields([{ k: "v" }, 7])).toEqual([
      { path: "[0]", bytes: 9, items: 1 },
      { path: "[0].k", bytes: 3 },
      { path: "[1]", bytes: 1 },
    ]);
    expect(largestFields({ gone: undefined, none: null })).toEqual([
      { path: "gone", bytes: 9 },
      { path: "none", bytes: 4 },
    ]);
    const ten = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}`, i]));
    expect(largestFields(ten).map((f) => f.path)).toEqual(["f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7"]);
  });

  it("formats the tables: thousands separators, bars scaled to the busiest depth, one item or several", () => {
    const text = formatStats({
      actions: [
        { action: "Set", generated: 1234, newStates: 5 },
        { action: "Clear", generated: 3, newStates: 0 },
      ],
      depths: [1, 2, 1],
      largestStates: [
        {
          bytes: 2048,
          depth: 2,
          fields: [
            { path: "nodes", bytes: 1500, items: 3 },
            { path: "nodes.a", bytes: 40, items: 1 },
            { path: "term", bytes: 1 },
          ],
        },
        { bytes: 10, depth: 0, fields: [] },
      ],
    });
    expect(text.split("\n")).toEqual([
      "Stats:",
      "  action    generated   new states",
      "  Set           1,234            5",
      "  Clear             3            0",
      "",
      "  depth       states",
      "      0            1 ####################",
      "      1            2 ########################################",
      "      2            1 ####################",
      "",
      "  largest state 1: 2,048 bytes of JSON, at depth 2; its largest fields:",
      "    nodes: 1,500 bytes, 3 items",
      "    nodes.a: 40 bytes, 1 item",
      "    term: 1 bytes",
      "",
      "  largest state 2: 10 bytes of JSON, at depth 0; its largest fields:",
    ]);
  });
});
