/**
 * The report of each kind of outcome: SearchOutcome is a union on `result`,
 * and buildReport turns each variant into the flat `--json` fields of the CLI
 * contract (property, propertyKind, error, limit, trace, loopStart).
 */
import { describe, expect, it } from "vitest";
import {
  buildReport,
  exitCodeOf,
  formatReportText,
  summaryLine,
  violationOf,
  type SearchOutcome,
} from "../../checker/index.js";

/** What the spec's code did wrong, as an `error` outcome carries it. */
type UserFault = Extract<SearchOutcome<unknown>, { result: "error" }>["fault"];

const counters = {
  distinctStates: 7,
  generatedStates: 12,
  maxDepth: 3,
  durationMs: 2000,
  bytesPerState: 16.04,
  collisionProbability: 1.23456e-12,
  peakRssBytes: 50 * 2 ** 20,
};
const run = { spec: "counter", variant: "default", params: { n: 2 }, strategy: "bfs" };
const trace = [
  { action: null, state: { n: 0 } },
  { action: "Inc", state: { n: 1 } },
];
const threw: UserFault = {
  kind: "threw",
  site: "action",
  where: "Inc",
  message: "boom",
  stack: "Error: boom\n    at x",
};

/** The verdict fields of a report, in the order the JSON prints them. */
function verdict(outcome: SearchOutcome<unknown>) {
  const r = buildReport(run, outcome);
  return [r.result, r.property, r.propertyKind, r.error, r.limit, r.trace, r.loopStart, r.errorStack, exitCodeOf(r)];
}

describe("buildReport", () => {
  it("reports ok with no property, limit, error or trace, and the counters rounded", () => {
    const r = buildReport(run, { ...counters, result: "ok" });
    expect(verdict({ ...counters, result: "ok" })).toEqual([
      "ok",
      null,
      null,
      null,
      null,
      null,
      undefined,
      undefined,
      0,
    ]);
    expect([r.statesPerSecond, r.bytesPerState, r.collisionProbability, r.peakRssMB, r.warnings]).toEqual([
      4,
      16,
      1.23e-12,
      50,
      [],
    ]);
  });

  it("reports a violation's property, kind and trace; a lasso's loopStart; a throwing reducer's fault", () => {
    const violation = { property: "small", kind: "invariant", trace } as const;
    expect(verdict({ ...counters, result: "violation", violation })).toEqual([
      "violation",
      "small",
      "invariant",
      null,
      null,
      trace,
      undefined,
      undefined,
      1,
    ]);
    const lasso = { property: "eventuallyDone", kind: "eventually", trace, loopStart: 1 } as const;
    expect(verdict({ ...counters, result: "violation", violation: lasso })[6]).toBe(1);
    expect(verdict({ ...counters, result: "violation", violation, fault: threw })).toEqual([
      "violation",
      "small",
      "invariant",
      { kind: "threw", site: "action", where: "Inc", message: "boom" },
      null,
      trace,
      undefined,
      "Error: boom\n    at x",
      1,
    ]);
  });

  it("reports a sometimes property never reached without a trace", () => {
    const violation = { property: "reachesTwo", kind: "sometimes", trace: [] } as const;
    expect(verdict({ ...counters, result: "violation", violation })).toEqual([
      "violation",
      "reachesTwo",
      "sometimes",
      null,
      null,
      null,
      undefined,
      undefined,
      1,
    ]);
  });

  it("reports the limit of an incomplete search, and null when random walks ran out", () => {
    expect(verdict({ ...counters, result: "incomplete", limit: "max-states" })).toEqual([
      "incomplete",
      null,
      null,
      null,
      "max-states",
      null,
      undefined,
      undefined,
      3,
    ]);
    expect(verdict({ ...counters, result: "incomplete" })[4]).toBe(null);
  });

  it("reports an error's fault and the trace to the state it failed on, when there is one", () => {
    const mutation: UserFault = { kind: "mutation", site: "action", where: "Inc", message: "changed", path: "state.n" };
    expect(verdict({ ...counters, result: "error", fault: mutation, trace })).toEqual([
      "error",
      null,
      null,
      mutation,
      null,
      trace,
      undefined,
      undefined,
      2,
    ]);
    expect(verdict({ ...counters, result: "error", fault: mutation })[5]).toBe(null);
  });
});

describe("SearchOutcome", () => {
  it("hides the violation until result is checked (a compile error otherwise)", () => {
    // Through a function, as a search returns it: a declaration would narrow it by assignment.
    const found = (o: SearchOutcome<{ n: number }>): SearchOutcome<{ n: number }> => o;
    const outcome = found({
      ...counters,
      result: "violation",
      violation: { property: "small", kind: "invariant", trace },
    });
    // @ts-expect-error -- `violation` exists only on the "violation" variant
    expect(outcome.violation.property).toBe("small");
    if (outcome.result === "violation") expect(outcome.violation.trace.length).toBe(2);
    expect(violationOf(outcome)?.property).toBe("small");
    expect(violationOf({ ...counters, result: "incomplete", limit: "timeout" })).toBe(undefined);
  });
});

describe("the text report", () => {
  const counts = "7 distinct states, 12 generated, depth 3, 2.00 s (4 states/s)";
  const text = (outcome: SearchOutcome<unknown>, who: Parameters<typeof buildReport>[0] = run) =>
    formatReportText(buildReport(who, outcome));
  const line = (outcome: SearchOutcome<unknown>) => summaryLine(buildReport(run, outcome));

  it("names the variant only when it is not the default, the parameters only when there are some, and counts in the singular", () => {
    expect(text({ ...counters, result: "ok" })).toBe(`OK: counter (n=2): every property holds; ${counts}`);
    expect(
      text(
        { ...counters, result: "ok", distinctStates: 1, generatedStates: 1_234_567, durationMs: 0 },
        { ...run, variant: "broken", params: {} },
      ),
    ).toBe(
      "OK: counter --variant broken: every property holds; 1 distinct state, 1,234,567 generated, depth 3, 0.00 s (0 states/s)",
    );
  });

  it("words each kind of violation: a sometimes never reached, a lasso, no trace, a safety trace with the fault", () => {
    expect(
      line({ ...counters, result: "violation", violation: { property: "reached", kind: "sometimes", trace: [] } }),
    ).toBe(`VIOLATION: counter (n=2): sometimes "reached" was never reached; ${counts}`);
    expect(
      line({ ...counters, result: "violation", violation: { property: "safe", kind: "invariant", trace: [] } }),
    ).toBe(
      `VIOLATION: counter (n=2): invariant "safe" is violated (no trace: --strategy bfs finds the shortest); ${counts}`,
    );
    const stays = { property: "progress", kind: "eventually", trace, loopStart: 1 } as const;
    expect(text({ ...counters, result: "violation", violation: stays }).split("\n")).toEqual([
      `VIOLATION: counter (n=2): eventually "progress" is violated by a fair behaviour: after 1 step it stays in the same state forever; ${counts}`,
      "",
      "Lasso counterexample (1 step):",
      "State 0 (initial):",
      "    n = 0",
      "Step 1: Inc",
      "    n: 0 → 1",
      "-- The system stays in state 1 forever (nothing fair is enabled there) --",
    ]);
    expect(line({ ...counters, result: "violation", violation: { ...stays, loopStart: 0 } })).toBe(
      `VIOLATION: counter (n=2): eventually "progress" is violated by a fair behaviour: after 0 steps it repeats a cycle of 1 step forever; ${counts}`,
    );
    const thrown = { property: "noReducerThrows", kind: "invariant", trace } as const;
    expect(text({ ...counters, result: "violation", violation: thrown, fault: threw }).split("\n")).toEqual([
      `VIOLATION: counter (n=2): invariant "noReducerThrows" is violated after 1 step; ${counts}`,
      "  action Inc threw: boom",
      "",
      "Counterexample (1 step):",
      "State 0 (initial):",
      "    n = 0",
      "Step 1: Inc",
      "    n: 0 → 1",
    ]);
  });

  it("shows the spec's declared sets as sets in the trace", () => {
    const grows = [
      { action: null, state: { s: [1, 2] } },
      { action: "Add", state: { s: [1, 2, 3] } },
    ];
    const outcome: SearchOutcome<unknown> = {
      ...counters,
      result: "violation",
      violation: { property: "safe", kind: "invariant", trace: grows },
    };
    expect(
      text(outcome, { ...run, sets: ["s"] })
        .split("\n")
        .at(-1),
    ).toBe("    s: + 3");
    expect(
      text(outcome, { ...run, sets: [] })
        .split("\n")
        .at(-1),
    ).toBe("    s[2]: (absent) → 3");
    expect(buildReport({ ...run, sets: [] }, outcome).sets).toBe(undefined);
    expect(buildReport({ ...run, sets: ["s"] }, outcome).sets).toEqual(["s"]);
  });

  it("words an error with and without the trace to the state it failed on", () => {
    expect(
      text({ ...counters, result: "error", fault: threw, trace })
        .split("\n")
        .slice(0, 3),
    ).toEqual([
      `ERROR: counter (n=2): action Inc threw: boom; ${counts}`,
      "",
      "Trace to the state it failed on (1 step):",
    ]);
    expect(text({ ...counters, result: "error", fault: threw })).toBe(
      `ERROR: counter (n=2): action Inc threw: boom; ${counts}`,
    );
  });

  it("names the limit that ended an incomplete search, and the states the queue spilled to disk", () => {
    const limits = ["max-states", "max-depth", "timeout", "max-memory", "interrupted", undefined] as const;
    expect(
      limits.map(
        (limit) => line({ ...counters, result: "incomplete", ...(limit === undefined ? {} : { limit }) }).split(":")[2],
      ),
    ).toEqual([
      " --max-states reached with no violation found; 7 distinct states, 12 generated, depth 3, 2.00 s (4 states/s)",
      " --max-depth reached with no violation found; 7 distinct states, 12 generated, depth 3, 2.00 s (4 states/s)",
      " --timeout reached with no violation found; 7 distinct states, 12 generated, depth 3, 2.00 s (4 states/s)",
      " memory nearly exhausted (--max-memory, by default half the physical memory, or the JavaScript heap) with no violation found; 7 distinct states, 12 generated, depth 3, 2.00 s (4 states/s)",
      " interrupted with no violation found; 7 distinct states, 12 generated, depth 3, 2.00 s (4 states/s)",
      " stopped with no violation found; 7 distinct states, 12 generated, depth 3, 2.00 s (4 states/s)",
    ]);
    const queue = { spilledStates: 1500, memoryBytesPerState: 310.4, diskBytesPerState: 120.6 };
    const spilled = buildReport(run, { ...counters, result: "incomplete", limit: "max-states", queue });
    expect([spilled.spilledStates, spilled.queueBytesPerState]).toEqual([1500, { memory: 310, disk: 121 }]);
    expect(formatReportText(spilled).split("\n")[1]).toBe(
      "  queue: 1,500 states spilled to disk (121 bytes per state on disk, about 310 in memory)",
    );
    const fit = buildReport(run, { ...counters, result: "ok", queue: { ...queue, spilledStates: 0 } });
    expect([fit.spilledStates, formatReportText(fit).split("\n").length]).toEqual([0, 1]);
  });

  it("tables the coverage per action and per value, as wide as the longest name", () => {
    const coverage = [
      { action: "Inc", enabled: 1200, distinct: 7 },
      { action: "Send", enabled: 3, distinct: 2, values: [{ action: "Send(a)", enabled: 2, distinct: 1 }] },
    ];
    expect(
      text({ ...counters, result: "ok", coverage })
        .split("\n")
        .slice(1),
    ).toEqual([
      "",
      "Coverage:",
      "  action         enabled   new states",
      "  Inc              1,200            7",
      "  Send                 3            2",
      "    Send(a)            2            1",
    ]);
    const long = [{ action: "AVeryLongActionName", enabled: 1, distinct: 1 }];
    expect(
      text({ ...counters, result: "ok", coverage: long })
        .split("\n")
        .slice(3),
    ).toEqual(["  action                   enabled   new states", "  AVeryLongActionName            1            1"]);
  });
});
