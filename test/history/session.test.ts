/**
 * The session guarantees' explanations and counts, exactly: which edge or
 * which read a violation names, and how many reads-from choices it took.
 * (Verdicts alone are in consistency.test.ts.)
 */
import { describe, expect, it } from "vitest";
import {
  checkSessionGuarantees,
  SESSION_GUARANTEES,
  type CheckReport,
  type HistoryEvent,
  type SessionGuarantee,
} from "../../src/history/index.js";
import { HistoryInputError } from "../../src/history/errors.js";
import { ownWriteUnseen, readsGoBack, serial, writeBeforeItsCause, writesOutOfOrder } from "./support/serial.js";

/** The result, configurations, and for a violation its message and the ids of its operations. */
function outline(report: CheckReport) {
  return {
    result: report.result,
    configurations: report.configurations,
    ...(report.result === "violation"
      ? {
          message: report.violations[0]!.message,
          stuck: report.violations[0]!.stuck.map((o) => o.id),
        }
      : {}),
  };
}

const check = (h: readonly HistoryEvent[], guarantees?: SessionGuarantee[]) =>
  outline(checkSessionGuarantees(h, guarantees === undefined ? {} : { guarantees }));

describe("checkSessionGuarantees", () => {
  it("read-your-writes: the read of the initial value names the own write it should see", () => {
    expect(check(ownWriteUnseen, ["read-your-writes"])).toMatchInlineSnapshot(`
      {
        "configurations": 1,
        "message": "read[x] -> null by process 0 (operation 2) returns the initial value but sees write[x](1) by process 0 (operation 1) (read-your-writes)",
        "result": "violation",
        "stuck": [
          1,
          0,
        ],
      }
    `);
  });

  it("monotonic reads: 1, 2, 1 from two writers", () => {
    const h = readsGoBack;
    expect(check(h, ["monotonic-reads"])).toMatchInlineSnapshot(`
      {
        "configurations": 1,
        "message": "the writes cannot be ordered: write[x](1) by process 0 (operation 1) before write[x](2) by process 1 (operation 2) (read[x] -> 2 by process 2 (operation 4) sees it (reads from) but returns the value of the other); write[x](2) by process 1 (operation 2) before write[x](1) by process 0 (operation 1) (read[x] -> 1 by process 2 (operation 5) sees it (reads from) but returns the value of the other)",
        "result": "violation",
        "stuck": [
          0,
          1,
        ],
      }
    `);
    expect(check(h, ["read-your-writes", "monotonic-writes", "writes-follow-reads"])).toMatchInlineSnapshot(`
      {
        "configurations": 1,
        "result": "session",
      }
    `);
  });

  it("monotonic writes with monotonic reads: a process's writes seen out of order", () => {
    const h = writesOutOfOrder;
    expect(check(h)).toMatchInlineSnapshot(`
      {
        "configurations": 1,
        "message": "the writes cannot be ordered: write[x](1) by process 0 (operation 1) before write[x](2) by process 0 (operation 2) (monotonic-writes); write[x](2) by process 0 (operation 2) before write[x](1) by process 0 (operation 1) (read[x] -> 1 by process 1 (operation 4) sees it (reads from) but returns the value of the other)",
        "result": "violation",
        "stuck": [
          0,
          1,
        ],
      }
    `);
    expect(check(h, ["monotonic-writes"])).toMatchInlineSnapshot(`
      {
        "configurations": 1,
        "result": "session",
      }
    `);
  });

  it("writes follow reads with monotonic reads: a write seen before the write it followed", () => {
    const h = writeBeforeItsCause;
    expect(check(h, ["writes-follow-reads", "monotonic-reads"])).toMatchInlineSnapshot(`
      {
        "configurations": 1,
        "message": "the writes cannot be ordered: write[x](1) by process 0 (operation 1) before write[x](2) by process 1 (operation 3) (writes-follow-reads); write[x](2) by process 1 (operation 3) before write[x](1) by process 0 (operation 1) (read[x] -> 1 by process 2 (operation 5) sees it (reads from) but returns the value of the other)",
        "result": "violation",
        "stuck": [
          0,
          2,
        ],
      }
    `);
  });

  it("keys are separate registers: seeing a write of another key constrains nothing", () => {
    const h = serial([0, "write", "x", 1], [0, "write", "y", 2], [0, "read", "y", 2], [0, "read", "x", 1]);
    expect(check(h)).toMatchInlineSnapshot(`
      {
        "configurations": 1,
        "result": "session",
      }
    `);
  });

  it("an unknown-outcome write nobody read is left out; one that was read counts", () => {
    const lost: HistoryEvent[] = [
      { type: "invoke", process: 0, f: "write", key: "x", value: 1 },
      { type: "info", process: 0, f: "write", key: "x", value: 1 },
      { type: "invoke", process: 0, f: "read", key: "x", value: null },
      { type: "ok", process: 0, f: "read", key: "x", value: null },
    ];
    expect(check(lost)).toMatchInlineSnapshot(`
      {
        "configurations": 1,
        "result": "session",
      }
    `);
    const seen: HistoryEvent[] = [
      ...lost.slice(0, 2),
      ...serial([1, "read", "x", 1], [1, "write", "x", 2], [2, "read", "x", 2], [2, "read", "x", 1]),
    ];
    expect(check(seen)).toMatchInlineSnapshot(`
      {
        "configurations": 1,
        "message": "the writes cannot be ordered: write[x](1) by process 0 (operation 1) before write[x](2) by process 1 (operation 3) (writes-follow-reads); write[x](2) by process 1 (operation 3) before write[x](1) by process 0 (operation 1) (read[x] -> 1 by process 2 (operation 5) sees it (reads from) but returns the value of the other)",
        "result": "violation",
        "stuck": [
          0,
          2,
        ],
      }
    `);
  });

  it("with repeated values it searches the reads-from choices: the first choice has a cycle, the second not", () => {
    const h = serial(
      [1, "write", "x", 1],
      [1, "write", "x", 2],
      [0, "write", "x", 1],
      [2, "read", "x", 2],
      [2, "read", "x", 1],
    );
    expect(check(h)).toMatchInlineSnapshot(`
      {
        "configurations": 2,
        "result": "session",
      }
    `);
  });

  it("names the guarantees it knows when given another", () => {
    expect(SESSION_GUARANTEES).toEqual([
      "read-your-writes",
      "monotonic-reads",
      "monotonic-writes",
      "writes-follow-reads",
    ]);
    expect(() => checkSessionGuarantees([], { guarantees: ["causal" as SessionGuarantee] })).toThrow(
      new HistoryInputError(
        'unknown session guarantee "causal"; guarantees: read-your-writes, monotonic-reads, monotonic-writes, writes-follow-reads',
      ),
    );
  });

  it("reports as a session check over read-write operations", () => {
    const report = checkSessionGuarantees(serial([0, "write", "x", 1], [1, "read", "x", 1]));
    expect({ ...report, durationMs: 0 }).toMatchInlineSnapshot(`
      {
        "configurations": 1,
        "consistency": "session",
        "durationMs": 0,
        "model": "read-write",
        "operations": 2,
        "partitionSummaries": [
          {
            "configurations": 1,
            "operations": 2,
            "partition": null,
            "result": "ok",
          },
        ],
        "partitions": 1,
        "result": "session",
        "witness": [],
      }
    `);
  });
});
