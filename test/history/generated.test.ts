/**
 * Long register histories whose verdict is known by construction (a
 * simulated atomic register, with operations of unknown outcome; planted
 * violations use values written once): 3 to 30 processes, up to 5,000
 * operations. The checker must give the right verdict, never `unknown`.
 */
import { describe, expect, it } from "vitest";
import { checkLinearizability, registerModel, toOperations } from "../../src/history/index.js";
import { generateRegisterHistory, type RegisterHistoryParams } from "./support/generate.js";

type Case = Omit<RegisterHistoryParams, "seed"> & { seed: number; expected: "linearizable" | "violation" };

const cases: Case[] = [
  {
    seed: 101,
    processes: 3,
    operations: 5000,
    values: 3,
    unknownRate: 0.05,
    violation: false,
    expected: "linearizable",
  },
  {
    seed: 102,
    processes: 3,
    operations: 5000,
    values: 5,
    unknownRate: 0.02,
    violation: "stale-read",
    expected: "violation",
  },
  {
    seed: 103,
    processes: 3,
    operations: 5000,
    values: 3,
    unknownRate: 0.05,
    violation: "opposite-order",
    expected: "violation",
  },
  {
    seed: 104,
    processes: 10,
    operations: 5000,
    values: 5,
    unknownRate: 0.05,
    violation: false,
    expected: "linearizable",
  },
  {
    seed: 105,
    processes: 10,
    operations: 5000,
    values: 5,
    unknownRate: 0.05,
    violation: "stale-read",
    expected: "violation",
  },
  {
    seed: 106,
    processes: 10,
    operations: 5000,
    values: 5,
    unknownRate: 0.05,
    violation: "opposite-order",
    expected: "violation",
  },
  {
    seed: 107,
    processes: 30,
    operations: 5000,
    values: 5,
    unknownRate: 0.05,
    violation: false,
    expected: "linearizable",
  },
  {
    seed: 108,
    processes: 30,
    operations: 5000,
    values: 5,
    unknownRate: 0.05,
    violation: "stale-read",
    expected: "violation",
  },
  {
    seed: 109,
    processes: 30,
    operations: 5000,
    values: 5,
    unknownRate: 0.05,
    violation: "opposite-order",
    expected: "violation",
  },
  {
    seed: 110,
    processes: 30,
    operations: 2000,
    values: 10,
    unknownRate: 0.02,
    violation: false,
    expected: "linearizable",
  },
  {
    seed: 111,
    processes: 20,
    operations: 3000,
    values: 5,
    unknownRate: 0.05,
    violation: false,
    expected: "linearizable",
  },
  {
    seed: 112,
    processes: 30,
    operations: 5000,
    values: 3,
    unknownRate: 0.05,
    violation: false,
    expected: "linearizable",
  },
];

describe("generated register histories with known verdicts", () => {
  it.each(cases)(
    "$processes processes, $operations operations, $values values, unknown $unknownRate, violation $violation: $expected",
    (c) => {
      const history = generateRegisterHistory(c);
      const ops = toOperations(history);
      // The generator made what it says: unknown outcomes, failed cas, many operations.
      expect(ops.length).toBeGreaterThanOrEqual(c.operations);
      // (about half of the unknown outcomes are writes or cas left `info`; timed-out reads are failed reads)
      expect(ops.filter((op) => op.status === "unknown").length).toBeGreaterThan(c.operations * c.unknownRate * 0.3);
      expect(ops.some((op) => op.f === "cas" && op.status === "fail")).toBe(true);
      const report = checkLinearizability(history, registerModel, { timeoutMs: 60_000 });
      expect(report.result).toBe(c.expected);
      if (report.result === "violation") {
        // The explanation points at the planted values.
        const planted = 1_000_000 + (c.seed % 1000);
        const involved = report.violations.flatMap((v) => [...v.stuck, ...v.prefix]);
        expect(
          involved.some(
            (op) =>
              op.input === planted || op.output === planted || op.input === planted + 1 || op.output === planted + 1,
          ),
        ).toBe(true);
      }
    },
  );

  it("without the quick checks a planted stale read is still found by the search alone (30 processes, 1,000 operations)", () => {
    const history = generateRegisterHistory({
      seed: 7,
      processes: 30,
      operations: 1000,
      values: 5,
      unknownRate: 0.02,
      violation: "stale-read",
    });
    expect(checkLinearizability(history, registerModel, { quickChecks: false, timeoutMs: 60_000 }).result).toBe(
      "violation",
    );
  });
});
