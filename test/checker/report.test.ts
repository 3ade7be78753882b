/**
 * The report of each kind of outcome: SearchOutcome is a union on `result`,
 * and buildReport turns each variant into the flat `--json` fields of the CLI
 * contract (property, propertyKind, error, limit, trace, loopStart).
 */
import { describe, expect, it } from "vitest";
import { buildReport, exitCodeOf, violationOf, type SearchOutcome } from "../../checker/index.js";

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
