/**
 * toReadWrite and readCandidates: what the causal and session checks see of
 * a history.
 */
import { describe, expect, it } from "vitest";
import { HistoryInputError } from "../../src/history/errors.js";
import { operationsOf } from "../../src/history/operations.js";
import { INITIAL_VALUE, readCandidates, toReadWrite, type RwOp } from "../../src/history/readwrite.js";
import { pair } from "./support/serial.js";

/** One line per kept operation: `index op-id kind key=value [optional] session.position`. */
function rows(ops: readonly RwOp[]): string[] {
  return ops.map(
    (r) =>
      `${r.index} #${r.op.id} ${r.kind} ${r.key}=${r.value}${r.optional ? " optional" : ""} s${r.session}.${r.position}`,
  );
}

describe("toReadWrite", () => {
  it("keeps reads with a result and writes that may have happened, per process in program order", () => {
    const h = toReadWrite(
      operationsOf([
        ...pair("a", "write", "x", { b: 1, a: [2] }),
        ...pair("b", "read", "x", { a: [2], b: 1 }),
        ...pair("a", "write", "x", 3, "fail"),
        ...pair("b", "read", "y", null, "info"),
        ...pair("c", "write", "y", 4, "info"),
        ...pair("a", "read", "y", 4),
        ...pair("c", "read", undefined, null),
      ]),
      "causal",
    );
    expect(rows(h.ops)).toEqual([
      '0 #0 write x={"a":[2],"b":1} s0.0',
      '1 #1 read x={"a":[2],"b":1} s1.0',
      "2 #4 write y=4 optional s2.0",
      "3 #5 read y=4 s0.1",
      "4 #6 read =null s2.1",
    ]);
    expect(h.sessions).toEqual([[0, 3], [1], [2, 4]]);
    expect([...h.writersOf]).toEqual([
      ['x\u0000{"a":[2],"b":1}', [0]],
      ["y\u00004", [2]],
    ]);
  });

  it("reads the kv model's get and put, whose empty string is the initial value", () => {
    const h = toReadWrite(
      operationsOf([
        ...pair(0, "put", "k", ""),
        ...pair(1, "get", "k", ""),
        ...pair(1, "get", "k", "v"),
        ...pair(0, "put", "k", "v"),
      ]),
      "session",
    );
    expect(rows(h.ops)).toEqual([
      "0 #0 write k=null s0.0",
      "1 #1 read k=null s1.0",
      '2 #2 read k="v" s1.1',
      '3 #3 write k="v" s0.1',
    ]);
    expect(rows(toReadWrite(operationsOf([...pair(0, "write", "k", "")]), "causal").ops)).toEqual([
      '0 #0 write k="" s0.0',
    ]);
  });

  it("refuses any other operation, naming it and the check", () => {
    const ops = operationsOf([...pair(0, "write", "x", 1), ...pair(1, "cas", "x", [1, 2])]);
    expect(() => toReadWrite(ops, "causal")).toThrow(
      new HistoryInputError(
        "causal consistency is checked for read/write histories (read/get, write/put); operation 2 is :cas",
        ops[1],
      ),
    );
    try {
      toReadWrite(ops, "session");
    } catch (error) {
      expect(error).toBeInstanceOf(HistoryInputError);
      expect((error as HistoryInputError).message).toMatch(/^session consistency is checked/);
    }
    expect.assertions(3);
  });
});

describe("readCandidates", () => {
  it("lists the writes of the same key and value, and -1 for a read of the initial value", () => {
    const h = toReadWrite(
      operationsOf([
        ...pair(0, "write", "x", 1),
        ...pair(1, "write", "x", 1),
        ...pair(2, "write", "y", 1),
        ...pair(3, "read", "x", 1),
        ...pair(3, "read", "x", null),
        ...pair(4, "read", "y", 2),
        ...pair(1, "write", "x", null),
        ...pair(4, "read", "x", null),
      ]),
      "causal",
    );
    expect(INITIAL_VALUE).toBe("null");
    expect([...readCandidates(h)]).toEqual([
      [3, [0, 1]],
      [4, [6, -1]],
      [5, []],
      [7, [6, -1]],
    ]);
  });
});
