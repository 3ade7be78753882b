/**
 * The register's polynomial decision for histories whose written values are
 * all distinct (Gibbons-Korach zones, `registerModel.decide`) against the
 * general search and against trying every order, on small random histories
 * (seeded: fast-check prints seed and path on failure), and on long generated
 * histories with 50 processes that the search alone cannot finish.
 */
import { describe, expect, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import {
  checkLinearizability,
  registerModel,
  toOperations,
  type HistoryEvent,
  type Json,
} from "../../src/history/index.js";
import { interleave, type Ending, type ScriptedOp } from "./support/arbitrary.js";
import { bruteLinearizable } from "./support/brute.js";
import { generateRegisterHistory } from "./support/generate.js";

/**
 * Reads and writes where write number i writes i (so values are distinct);
 * reads return null, a value some write writes, or one nobody writes.
 */
function uniqueRegisterHistory(
  options: { keys?: readonly string[]; maxOps?: number } = {},
): fc.Arbitrary<HistoryEvent[]> {
  const op = fc.record({
    process: fc.nat(3),
    write: fc.boolean(),
    key: options.keys === undefined ? fc.constant(undefined) : fc.constantFrom(...options.keys),
    out: fc.constantFrom<Json>(null, 0, 1, 2, 3, 9),
    ending: fc.constantFrom<Ending>("ok", "ok", "ok", "ok", "info", "none", "fail"),
  });
  return fc
    .tuple(fc.array(op, { maxLength: options.maxOps ?? 7 }), fc.array(fc.nat(7), { maxLength: 28 }))
    .map(([ops, schedule]) => {
      let next = 0;
      const scripted: ScriptedOp[] = ops.map((o) => {
        const keyed = o.key === undefined ? {} : { key: o.key };
        // A timed-out read is an :info or a missing completion, never a :fail.
        if (!o.write)
          return {
            process: o.process,
            f: "read",
            input: null,
            output: o.out,
            ending: o.ending === "fail" ? "info" : o.ending,
            ...keyed,
          };
        const value = next++;
        return { process: o.process, f: "write", input: value, output: value, ending: o.ending, ...keyed };
      });
      return interleave(scripted, schedule);
    });
}

const verdict = (ok: boolean): string => (ok ? "linearizable" : "violation");

/** The decision of `registerModel.decide` on a history's kept operations of one key. */
function decision(h: HistoryEvent[]): string | undefined {
  const ops = toOperations(h).filter((op) => registerModel.ignore?.(op) !== true);
  return registerModel.decide?.(ops)?.kind;
}

describe("the polynomial check of registers with distinct written values", () => {
  test.prop([uniqueRegisterHistory()], { numRuns: 3000, seed: 51 })(
    "decides every such history as the search and trying every order do",
    (h) => {
      const expected = verdict(bruteLinearizable(h, registerModel));
      expect(decision(h)).toBe(expected);
      expect(checkLinearizability(h, registerModel).result).toBe(expected);
      expect(checkLinearizability(h, registerModel, { decide: false, quickChecks: false }).result).toBe(expected);
    },
  );

  test.prop([uniqueRegisterHistory({ keys: ["a", "b"], maxOps: 8 })], { numRuns: 1000, seed: 52 })(
    "keyed registers: per key, and not partitioned (then the search decides)",
    (h) => {
      const expected = verdict(bruteLinearizable(h, registerModel));
      expect(checkLinearizability(h, registerModel).result).toBe(expected);
      expect(checkLinearizability(h, registerModel, { partition: false }).result).toBe(expected);
    },
  );

  it("sees both verdicts (else the properties above could not fail): 1,000 sampled histories", () => {
    const sample = fc.sample(uniqueRegisterHistory(), { seed: 51, numRuns: 1000 });
    const yes = sample.filter((h) => decision(h) === "linearizable").length;
    expect([yes, sample.length - yes]).toEqual([LINEARIZABLE, 1000 - LINEARIZABLE]);
  });

  it("leaves cas, a write of null and a value written twice to the search", () => {
    const w = (process: number, value: Json): HistoryEvent[] => [
      { type: "invoke", process, f: "write", value },
      { type: "ok", process, f: "write", value },
    ];
    expect(decision([...w(0, 1), ...w(1, 1)])).toBeUndefined();
    expect(decision([...w(0, null)])).toBeUndefined();
    expect(
      decision([
        { type: "invoke", process: 0, f: "cas", value: [null, 1] },
        { type: "ok", process: 0, f: "cas", value: [null, 1] },
      ]),
    ).toBeUndefined();
    expect(decision([...w(0, 1), ...w(1, 2)])).toBe("linearizable");
  });

  it("explains a violation: two values each held over a stretch the other needs", () => {
    // write(1) and write(2) overlap; process 2 reads 1 then 2, process 3 reads 2 then 1.
    const h: HistoryEvent[] = [
      { type: "invoke", process: 0, f: "write", value: 1 },
      { type: "invoke", process: 1, f: "write", value: 2 },
      { type: "invoke", process: 2, f: "read", value: null },
      { type: "ok", process: 2, f: "read", value: 1 },
      { type: "invoke", process: 3, f: "read", value: null },
      { type: "ok", process: 3, f: "read", value: 2 },
      { type: "invoke", process: 2, f: "read", value: null },
      { type: "ok", process: 2, f: "read", value: 2 },
      { type: "invoke", process: 3, f: "read", value: null },
      { type: "ok", process: 3, f: "read", value: 1 },
      { type: "ok", process: 0, f: "write", value: 1 },
      { type: "ok", process: 1, f: "write", value: 2 },
    ];
    const report = checkLinearizability(h, registerModel);
    expect(report.result).toBe("violation");
    if (report.result !== "violation") return;
    expect(report.violations[0]!.message.split(". ")[0]).toBe(
      "the register held 1 (write(1) by process 0 (operation 1)) from before read -> 1 by process 2 (operation 3) completed " +
        "until after read -> 1 by process 3 (operation 6) was invoked, and 2 (write(2) by process 1 (operation 2)) from before " +
        "read -> 2 by process 3 (operation 4) completed until after read -> 2 by process 2 (operation 5) was invoked; " +
        "these stretches overlap, and every value is written once",
    );
    expect(report.violations[0]!.stuck.map((op) => op.id + 1)).toEqual(STUCK);
  });
});

/** Linearizable histories among the 1,000 sampled with seed 51. */
const LINEARIZABLE = 558;
/** The operations the explanation of the crossed reads names. */
const STUCK = [6];

describe("50 processes, every written value distinct (the search alone gives up on these)", () => {
  it.each([
    { seed: 201, operations: 2000, violation: false, expected: "linearizable" },
    { seed: 202, operations: 2000, violation: "stale-read", expected: "violation" },
    { seed: 203, operations: 2000, violation: "opposite-order", expected: "violation" },
    { seed: 204, operations: 20000, violation: false, expected: "linearizable" },
  ] as const)("seed $seed, $operations operations, violation $violation: $expected without the search", (c) => {
    const history = generateRegisterHistory({ ...c, processes: 50, values: 0, unknownRate: 0.02, unique: true });
    const ops = toOperations(history);
    expect(ops.filter((op) => op.f === "write" && op.status === "unknown").length).toBeGreaterThan(0);
    const report = checkLinearizability(history, registerModel, { timeoutMs: 60_000 });
    expect(report.result).toBe(c.expected);
    // No configuration of the search: the polynomial check decided (a violation on a short history is explained by a
    // bounded search).
    if (report.result === "linearizable") {
      expect(report.configurations).toBe(0);
      // Every definite operation, and the unknown-outcome writes some read observed.
      const placed = new Set(report.witness[0]!.map((op) => op.id));
      expect(ops.filter((op) => op.status === "ok" && !placed.has(op.id))).toEqual([]);
      expect(report.witness[0]!.length).toBe(WITNESS_LENGTH[c.seed]);
    }
    if (report.result === "violation") {
      const planted = 1_000_000 + (c.seed % 1000);
      expect(report.violations[0]!.message).toContain(String(planted));
    }
  });
});

/** Operations in the witness of each linearizable generated history. */
const WITNESS_LENGTH: Record<number, number> = { 201: 1967, 204: 19685 };
