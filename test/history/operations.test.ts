/**
 * Pairing events into operations (toOperations, operationsOf) and the
 * default one-line description of an operation.
 */
import { describe, expect, it } from "vitest";
import { HistoryParseError } from "../../src/history/errors.js";
import { describeOperationDefault, operationsOf, toOperations, type Operation } from "../../src/history/operations.js";
import type { HistoryEvent } from "../../src/history/types.js";

/** The error `toOperations(events, source)` throws: where and why. */
function refusal(events: HistoryEvent[], source?: { file: string; lines?: number[] }): string {
  try {
    toOperations(events, source);
  } catch (error) {
    expect(error).toBeInstanceOf(HistoryParseError);
    return (error as Error).message;
  }
  throw new Error("paired");
}

describe("toOperations", () => {
  it("pairs each invocation with its process's next completion, in invocation order", () => {
    const ops = toOperations([
      { type: "invoke", process: "a", f: "write", value: 1 },
      { type: "invoke", process: 1, f: "cas", key: "k", value: [1, 2] },
      { type: "invoke", process: 2, f: "read", value: null },
      { type: "fail", process: 1, f: "cas", value: "conflict" },
      { type: "ok", process: "a", f: "write", value: 1 },
      { type: "info", process: 2, f: "read", key: "k", value: 7 },
      { type: "invoke", process: 3, f: "read", value: null },
    ]);
    expect(ops).toEqual([
      { id: 0, process: "a", f: "write", input: 1, output: 1, status: "ok", call: 0, end: 4 },
      { id: 1, process: 1, f: "cas", key: "k", input: [1, 2], output: "conflict", status: "fail", call: 1, end: 3 },
      { id: 2, process: 2, f: "read", key: "k", input: null, output: null, status: "unknown", call: 2, end: 5 },
      { id: 3, process: 3, f: "read", input: null, output: null, status: "unknown", call: 6, end: null },
    ]);
  });

  it("a process may invoke again once its operation completed", () => {
    const ops = toOperations([
      { type: "invoke", process: 0, f: "write", value: 1 },
      { type: "info", process: 0, f: "write", value: null },
      { type: "invoke", process: 0, f: "read", value: null },
      { type: "ok", process: 0, f: "read", value: 1 },
    ]);
    expect(ops.map((o) => `${o.f} ${o.status} ${o.call}-${o.end}`)).toEqual(["write unknown 0-1", "read ok 2-3"]);
  });

  it("names the event by number, or by line when the source has lines", () => {
    const twice: HistoryEvent[] = [
      { type: "invoke", process: 0, f: "read", value: null },
      { type: "invoke", process: 0, f: "write", value: 1 },
    ];
    expect(refusal(twice)).toBe("<history>:2: process 0 invokes :write while its :read from event 1 is still pending");
    expect(refusal(twice, { file: "h.jsonl", lines: [7, 9] })).toBe(
      "h.jsonl:9: process 0 invokes :write while its :read from line 7 is still pending",
    );
    expect(refusal(twice, { file: "h.jsonl", lines: [7] })).toBe(
      "h.jsonl:2: process 0 invokes :write while its :read from line 7 is still pending",
    );
  });

  it("refuses a completion of another key, operation or process", () => {
    const invoke: HistoryEvent = { type: "invoke", process: 0, f: "write", key: "x", value: 1 };
    expect(refusal([invoke, { type: "ok", process: 0, f: "write", key: "y", value: 1 }])).toBe(
      '<history>:2: process 0 completes key "y" but invoked key "x" at event 1',
    );
    expect(refusal([invoke, { type: "fail", process: 0, f: "read", value: 1 }])).toBe(
      "<history>:2: process 0 completes :read but invoked :write at event 1",
    );
    expect(refusal([invoke, { type: "info", process: 1, f: "write", value: 1 }])).toBe(
      "<history>:2: process 1 completes :write (:info) without a pending invocation",
    );
    expect(toOperations([invoke, { type: "ok", process: 0, f: "write", key: "x", value: 1 }])[0]!.key).toBe("x");
  });
});

describe("operationsOf", () => {
  it("pairs a history once, and again when it grew", () => {
    const events: HistoryEvent[] = [{ type: "invoke", process: 0, f: "write", value: 1 }];
    const first = operationsOf(events);
    expect(operationsOf(events)).toBe(first);
    expect(first[0]!.status).toBe("unknown");
    events.push({ type: "ok", process: 0, f: "write", value: 1 });
    const second = operationsOf(events);
    expect(second).not.toBe(first);
    expect(second[0]!.status).toBe("ok");
    expect(operationsOf(events)).toBe(second);
  });

  it("passes the source on to the errors", () => {
    const bad: HistoryEvent[] = [{ type: "ok", process: 0, f: "read", value: 1 }];
    expect(() => operationsOf(bad, { file: "x.edn", lines: [4] })).toThrow(
      "x.edn:4: process 0 completes :read (:ok) without a pending invocation",
    );
  });
});

describe("describeOperationDefault", () => {
  const base: Operation = { id: 0, process: 0, f: "cas", input: [1, 2], output: null, status: "ok", call: 0, end: 1 };
  it("writes name, key, input and outcome", () => {
    expect(describeOperationDefault({ ...base, output: true })).toBe("cas([1,2]) -> true");
    expect(describeOperationDefault({ ...base, key: "k", status: "unknown" })).toBe("cas[k]([1,2]) -> ?");
    expect(describeOperationDefault({ ...base, status: "fail" })).toBe("cas([1,2]) -> fail");
    expect(describeOperationDefault({ ...base, status: "fail", output: "no" })).toBe('cas([1,2]) -> fail "no"');
    expect(describeOperationDefault({ ...base, f: "read", input: null, output: 3 })).toBe("read() -> 3");
    expect(describeOperationDefault({ ...base, f: "read", input: null, output: null })).toBe("read() -> null");
  });
});
