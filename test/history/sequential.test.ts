/**
 * Sequential consistency's phases: the linearizability shortcut, the
 * per-partition shortcut, and the whole-history search, told apart by what
 * each report says (partitions, configurations, per-partition summaries).
 */
import { describe, expect, it } from "vitest";
import {
  checkSequentialConsistency,
  registerModel,
  type CheckReport,
  type HistoryEvent,
  type Json,
  type Model,
} from "../../src/history/index.js";
import { serial } from "./support/serial.js";

/** The fields that tell the phases apart. */
function shape(report: CheckReport) {
  return {
    result: report.result,
    consistency: report.consistency,
    partitions: report.partitions,
    configurations: report.configurations,
    summaries: report.partitionSummaries.map((s) => `${s.partition}:${s.result}:${s.operations}`),
  };
}

/** Checks `h`, and that the reported duration is the call's own (not negative, not past the time the call took). */
function check(h: readonly HistoryEvent[], options: Parameters<typeof checkSequentialConsistency>[2] = {}) {
  const before = performance.now();
  const report = checkSequentialConsistency(h, registerModel, options);
  const took = performance.now() - before;
  expect(report.durationMs).toBeGreaterThanOrEqual(0);
  expect(report.durationMs).toBeLessThanOrEqual(took + 1);
  return report;
}

/** Each process writes its register, then reads the other's as initial: every key is fine alone, the whole is not. */
const storeBuffering: HistoryEvent[] = [
  { type: "invoke", process: 0, f: "write", key: "x", value: 1 },
  { type: "invoke", process: 1, f: "write", key: "y", value: 1 },
  { type: "ok", process: 0, f: "write", key: "x", value: 1 },
  { type: "ok", process: 1, f: "write", key: "y", value: 1 },
  { type: "invoke", process: 0, f: "read", key: "y", value: null },
  { type: "invoke", process: 1, f: "read", key: "x", value: null },
  { type: "ok", process: 0, f: "read", key: "y", value: null },
  { type: "ok", process: 1, f: "read", key: "x", value: null },
];

/** A stale read of x and a fresh one of y: sequential, not linearizable, on two keys. */
const staleOnTwoKeys = serial([0, "write", "x", 1], [1, "read", "x", null], [0, "write", "y", 2], [0, "read", "y", 2]);

describe("checkSequentialConsistency", () => {
  it("a linearizable history is sequential from the linearizability check alone", () => {
    const h = serial([0, "write", "x", 1], [1, "read", "x", 1], [1, "write", "y", 2], [0, "read", "y", 2]);
    const report = check(h);
    expect(shape(report)).toMatchInlineSnapshot(`
      {
        "configurations": 0,
        "consistency": "sequential",
        "partitions": 2,
        "result": "sequential",
        "summaries": [
          "x:ok:2",
          "y:ok:2",
        ],
      }
    `);
    expect(report.result === "sequential" && report.witness.map((w) => w.length)).toEqual([2, 2]);
  });

  it("the linearizability check honours the options: told not to partition, it checks the history whole", () => {
    const h = serial([0, "write", "x", 1], [1, "read", "x", 1], [1, "write", "y", 2], [0, "read", "y", 2]);
    expect(shape(check(h, { partition: false }))).toEqual({
      result: "sequential",
      consistency: "sequential",
      partitions: 1,
      configurations: 4,
      summaries: ["null:ok:4"],
    });
  });

  it("without the quick checks, the same history is searched per key and then whole (keys alone prove nothing)", () => {
    const h = serial([0, "write", "x", 1], [1, "read", "x", 1], [1, "write", "y", 2], [0, "read", "y", 2]);
    expect(shape(check(h, { quickChecks: false }))).toMatchInlineSnapshot(`
      {
        "configurations": 4,
        "consistency": "sequential",
        "partitions": 1,
        "result": "sequential",
        "summaries": [
          "null:ok:4",
        ],
      }
    `);
  });

  it("a history sequential per key but not linearizable is searched whole", () => {
    expect(shape(check(staleOnTwoKeys))).toMatchInlineSnapshot(`
      {
        "configurations": 4,
        "consistency": "sequential",
        "partitions": 1,
        "result": "sequential",
        "summaries": [
          "null:ok:4",
        ],
      }
    `);
    expect(shape(check(staleOnTwoKeys, { partition: false }))).toMatchInlineSnapshot(`
      {
        "configurations": 4,
        "consistency": "sequential",
        "partitions": 1,
        "result": "sequential",
        "summaries": [
          "null:ok:4",
        ],
      }
    `);
  });

  it("a key that is not sequential decides at once, the whole history not searched", () => {
    const h = [
      ...serial([0, "write", "z", 5]),
      ...storeBuffering.map((e) => ({ ...e, key: "k" })),
      ...serial([1, "read", "z", 5]),
    ];
    expect(shape(check(h))).toMatchInlineSnapshot(`
      {
        "configurations": 5,
        "consistency": "sequential",
        "partitions": 2,
        "result": "violation",
        "summaries": [
          "z:ok:2",
          "k:violation:4",
        ],
      }
    `);
  });

  it("store buffering: sequential per key, not as a whole", () => {
    expect(shape(check(storeBuffering))).toMatchInlineSnapshot(`
      {
        "configurations": 6,
        "consistency": "sequential",
        "partitions": 1,
        "result": "violation",
        "summaries": [
          "null:violation:4",
        ],
      }
    `);
    expect(shape(check(storeBuffering, { partition: false }))).toMatchInlineSnapshot(`
      {
        "configurations": 6,
        "consistency": "sequential",
        "partitions": 1,
        "result": "violation",
        "summaries": [
          "null:violation:4",
        ],
      }
    `);
  });

  it("one key: the per-partition answer is the whole answer", () => {
    const h = serial([0, "write", "x", 1], [1, "read", "x", null], [1, "read", "x", 1]);
    expect(shape(check(h))).toMatchInlineSnapshot(`
      {
        "configurations": 3,
        "consistency": "sequential",
        "partitions": 1,
        "result": "sequential",
        "summaries": [
          "x:ok:3",
        ],
      }
    `);
  });

  it("a model without partitions is searched whole", () => {
    const whole: Model<Json> = { ...registerModel };
    delete whole.partition;
    const report = checkSequentialConsistency(storeBuffering, whole);
    expect(shape(report)).toMatchInlineSnapshot(`
      {
        "configurations": 6,
        "consistency": "sequential",
        "partitions": 1,
        "result": "violation",
        "summaries": [
          "null:violation:4",
        ],
      }
    `);
  });

  it("a time limit reaches every phase: a generous one changes nothing", () => {
    expect(shape(check(storeBuffering, { timeoutMs: 600_000 }))).toEqual(shape(check(storeBuffering)));
    expect(shape(check(staleOnTwoKeys, { timeoutMs: 600_000 }))).toEqual(shape(check(staleOnTwoKeys)));
  });

  it("a time limit is shared by the phases: a generous one lets the whole search finish, a short one stops it", () => {
    // The whole search of a 9-process ring takes 11,265 configurations (tens of ms); one of 11 processes, 85,601.
    expect(shape(check(ring(9), { timeoutMs: 600_000 }))).toEqual({
      result: "violation",
      consistency: "sequential",
      partitions: 1,
      configurations: 11_265,
      summaries: ["null:violation:18"],
    });
    const stopped = check(ring(11), { timeoutMs: 5 });
    expect([stopped.result, stopped.result === "unknown" && stopped.reason]).toEqual(["unknown", "timeout"]);
  });
});

/**
 * Store buffering on a ring of `n` processes: each writes its own register,
 * then reads its neighbour's as initial. Every register alone is fine; no
 * order of the whole is, and the search must try many to tell.
 */
function ring(n: number): HistoryEvent[] {
  const all = Array.from({ length: n }, (_, p) => p);
  const step = (type: "invoke" | "ok", f: "write" | "read") =>
    all.map((p): HistoryEvent => {
      const key = f === "write" ? `k${p}` : `k${(p + 1) % n}`;
      return { type, process: p, f, key, value: f === "write" ? 1 : null };
    });
  return [...step("invoke", "write"), ...step("ok", "write"), ...step("invoke", "read"), ...step("ok", "read")];
}
