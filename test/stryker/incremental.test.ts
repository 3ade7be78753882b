import { describe, expect, it } from "vitest";

interface Test {
  readonly id: string;
  readonly name: string;
}
interface Mutant {
  readonly id: string;
  readonly status: string;
  readonly coveredBy?: readonly string[];
  readonly killedBy?: readonly string[];
}
interface Report {
  readonly schemaVersion: string;
  readonly files: Record<string, { readonly source: string; readonly mutants: readonly Mutant[] }>;
  readonly testFiles: Record<string, { readonly source?: string; readonly tests: readonly Test[] }>;
}
type Merge = (reports: readonly Report[], current: (file: string) => string | undefined) => Report;

// A plain script of stryker/ (run by node, not compiled): imported by a path TypeScript does not resolve.
const script = "../../stryker/incremental.mjs";
const { mergeIncremental, withoutUndetected } = (await import(script)) as {
  mergeIncremental: Merge;
  withoutUndetected: (report: Report) => Report;
};

/** One run's incremental report: file `mutated` with one mutant killed by test "1", in test file a.test.ts. */
function run(mutated: string, testSource: string, ids: readonly [string, string]): Report {
  return {
    schemaVersion: "2",
    files: {
      [mutated]: {
        source: `// ${mutated}`,
        mutants: [{ id: "7", status: "Killed", coveredBy: [ids[0], ids[1]], killedBy: [ids[1]] }],
      },
    },
    testFiles: {
      "a.test.ts": {
        source: testSource,
        tests: [
          { id: ids[0], name: "first" },
          { id: ids[1], name: "second" },
        ],
      },
    },
  };
}

describe("mergeIncremental", () => {
  it("keeps each run's mutants, their test ids made unique per run", () => {
    const merged = mergeIncremental([run("x.ts", "same", ["0", "1"]), run("y.ts", "same", ["1", "0"])], () => "same");
    expect(merged.schemaVersion).toBe("2");
    expect(merged.files["x.ts"]!.mutants).toEqual([
      { id: "0-7", status: "Killed", coveredBy: ["0-0", "0-1"], killedBy: ["0-1"] },
    ]);
    expect(merged.files["y.ts"]!.mutants).toEqual([
      { id: "1-7", status: "Killed", coveredBy: ["1-1", "1-0"], killedBy: ["1-0"] },
    ]);
    // Both runs' ids name the same tests (Stryker matches tests by file and name).
    expect(merged.testFiles["a.test.ts"]).toEqual({
      source: "same",
      tests: [
        { id: "0-0", name: "first" },
        { id: "0-1", name: "second" },
        { id: "1-1", name: "first" },
        { id: "1-0", name: "second" },
      ],
    });
  });

  it("gives a test file recorded in two versions a version other than today's, so its tests count as changed", () => {
    const runs = [run("x.ts", "today", ["0", "1"]), run("y.ts", "yesterday", ["0", "1"])];
    expect(mergeIncremental(runs, () => "today").testFiles["a.test.ts"]!.source).toBe("yesterday");
    expect(mergeIncremental([...runs].reverse(), () => "today").testFiles["a.test.ts"]!.source).toBe("yesterday");
    // Neither is today's: either makes the tests changed.
    expect(mergeIncremental(runs, () => "tomorrow").testFiles["a.test.ts"]!.source).toBe("today");
  });

  it("refuses a mutated file two runs recorded, and an empty list", () => {
    expect(() => mergeIncremental([run("x.ts", "s", ["0", "1"]), run("x.ts", "s", ["0", "1"])], () => "s")).toThrow(
      "x.ts is in two of the reports",
    );
    expect(() => mergeIncremental([], () => undefined)).toThrow("no reports to merge");
  });
});

describe("withoutUndetected", () => {
  it("drops the mutants no test detected, keeping those killed or timed out and everything else", () => {
    const statuses = ["Killed", "Survived", "Timeout", "NoCoverage", "Ignored", "RuntimeError", "CompileError"];
    const report: Report = {
      ...run("x.ts", "s", ["0", "1"]),
      files: {
        "x.ts": { source: "// x.ts", mutants: statuses.map((status, k) => ({ id: String(k), status })) },
        "y.ts": { source: "// y.ts", mutants: [{ id: "9", status: "Survived" }] },
      },
    };
    const kept = withoutUndetected(report);
    expect(kept.files["x.ts"]!.mutants.map((m) => m.status)).toEqual([
      "Killed",
      "Timeout",
      "RuntimeError",
      "CompileError",
    ]);
    expect(kept.files["y.ts"]).toEqual({ source: "// y.ts", mutants: [] });
    expect(kept.testFiles).toBe(report.testFiles);
    expect(kept.schemaVersion).toBe("2");
    // The report given is left as it was.
    expect(report.files["x.ts"]!.mutants).toHaveLength(7);
  });
});
