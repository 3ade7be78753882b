/**
 * The causal checker's explanations and effort, exactly. Its verdicts are
 * checked against the definition in differential.test.ts; mutation testing
 * found that nothing checked what a violation says (the message, the longest
 * serialization, the stuck operations, the state), the search's effort, or a
 * history longer than one 32-operation bitset word: 132 of causal.ts's 376
 * mutants survived.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkCausalConsistency, type CheckReport, type HistoryEvent } from "../../src/history/index.js";
import { registerHistory } from "./support/arbitrary.js";
import { causalityViolation, serial } from "./support/serial.js";

/** The violation's message, its longest serialization and stuck operations (by id), its state and the effort. */
function explained(report: CheckReport): [string, number[], number[], string, number] {
  if (report.result !== "violation") throw new Error(`expected a violation, got ${report.result}`);
  const v = report.violations[0]!;
  return [
    v.message,
    v.prefix.map((op) => op.id),
    (v.stuck ?? []).map((op) => op.id),
    v.state ?? "",
    report.configurations,
  ];
}

describe("causal consistency: what a violation says", () => {
  it("a process that sees an effect without its cause: the serialization it got furthest, and the read that cannot follow", () => {
    expect(explained(checkCausalConsistency(causalityViolation))).toEqual([
      "process 2 cannot explain its reads: the longest serialization of its operations and their causal past places 3 of 4 " +
        "and leaves x=1, y=1; none of these can come next: read[x] -> null by process 2 (operation 5)",
      [0, 2, 3],
      [4],
      "x=1, y=1",
      8,
    ]);
  });

  it("an operation whose own causal past is left unplaced is not among those that cannot come next", () => {
    // Process 2 writes z after its stuck read: the write is left unplaced too, but it waits for the read.
    const h = [...causalityViolation.map((e) => ({ ...e })), ...serial([2, "write", "z", 5])];
    const [message, prefix, stuck] = explained(checkCausalConsistency(h));
    expect(message).toMatch(
      /places 3 of 5 .*; none of these can come next: read\[x\] -> null by process 2 \(operation 5\)$/,
    );
    expect([prefix, stuck]).toEqual([[0, 2, 3], [4]]);
  });

  it("reads that could only read from writes causally after them: named before any serialization is tried", () => {
    const h = serial([0, "read", "x", 1], [0, "write", "y", 1], [1, "read", "y", 1], [1, "write", "x", 1]);
    expect(explained(checkCausalConsistency(h))).toEqual([
      "read[y] -> 1 by process 1 (operation 3) would read from write[y](1) by process 0 (operation 2), which causally follows it",
      [],
      [2, 1],
      "",
      0,
    ]);
  });

  it("a register without keys: the state is the bare value", () => {
    const h: HistoryEvent[] = serial(
      [0, "write", "", 1],
      [1, "read", "", 1],
      [1, "write", "", 2],
      [2, "read", "", 2],
      [2, "read", "", 1],
    ).map(({ key: _key, ...event }) => event as HistoryEvent);
    expect(explained(checkCausalConsistency(h))).toEqual([
      "process 2 cannot explain its reads: the longest serialization of its operations and their causal past places 3 of 4 " +
        "and leaves 2; none of these can come next: read -> 1 by process 2 (operation 5)",
      [0, 2, 3],
      [4],
      "2",
      8,
    ]);
  });

  it("past the first 32 operations (causal pasts are bitsets of 32-bit words)", () => {
    const writes = Array.from(
      { length: 20 },
      (_, i) => [i % 4, "write", `k${i}`, i] as [number, string, string, number],
    );
    const h = [...serial(...writes), ...causalityViolation.map((e) => ({ ...e }))];
    const [message, prefix, stuck, state, configurations] = explained(checkCausalConsistency(h));
    // Process 2's own writes (k2, k6, ...) and everything in their causal past: 19 nodes, all but its read of x placed.
    expect(message).toMatch(
      /^process 2 cannot explain its reads: the longest serialization .* places 18 of 19 and leaves k0=0, /,
    );
    expect(message).toMatch(/; none of these can come next: read\[x\] -> null by process 2 \(operation 25\)$/);
    expect(prefix).toEqual([0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 16, 17, 18, 20, 22, 23]);
    expect(stuck).toEqual([24]);
    expect(state).toBe(
      "k0=0, k1=1, k2=2, k4=4, k5=5, k6=6, k8=8, k9=9, k10=10, k12=12, k13=13, k14=14, k16=16, k17=17, k18=18, x=1, y=1",
    );
    expect(configurations).toBe(668);
  });

  it("a spent time budget: unknown, with the configurations so far", () => {
    const report = checkCausalConsistency(causalityViolation, { timeoutMs: 0 });
    expect(report.result === "unknown" && [report.reason, report.message]).toEqual([
      "timeout",
      "stopped at the time limit after 0 configurations",
    ]);
  });
});

describe("causal consistency: the search's effort on the differential tests' histories", () => {
  const effort = (keys: readonly string[] | undefined, seed: number): [number, number, number] => {
    const arb = registerHistory({ cas: false, maxOps: 6, ...(keys === undefined ? {} : { keys }) });
    const reports = fc.sample(arb, { seed, numRuns: 1500 }).map((h) => checkCausalConsistency(h));
    const violations = reports.filter((r) => r.result === "violation").length;
    return [reports.reduce((sum, r) => sum + r.configurations, 0), violations, reports.length - violations];
  };

  it("one register: 1,343 configurations over 1,500 histories (494 violations)", () => {
    expect(effort(undefined, 31)).toEqual([1343, 494, 1006]);
  });

  it("two registers: 1,079 configurations over 1,500 histories (558 violations)", () => {
    expect(effort(["x", "y"], 32)).toEqual([1079, 558, 942]);
  });
});
