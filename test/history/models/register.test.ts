/**
 * The register model's own answers, operation by operation: each step's
 * successor states, which operations are left out or read-only, the state
 * keys, and the text of descriptions and refusals.
 */
import { describe, expect, it } from "vitest";
import { HistoryInputError, registerModel, type Json } from "../../../src/history/index.js";
import type { Operation } from "../../../src/history/operations.js";
import { operation as op } from "../support/serial.js";
import { KEYED } from "../../../src/history/models/register-state.js";

const step = (state: Json, o: Operation) => registerModel.step(state, o);
const keyed = (values: Record<string, Json>): Json => ({ [KEYED]: values });

describe("registerModel.step", () => {
  it("a read that returned a value needs the register to hold it; one without an outcome constrains nothing", () => {
    expect(step(3, op("read", "ok", null, 3))).toEqual([3]);
    expect(step(3, op("read", "ok", null, 4))).toEqual([]);
    expect(step(null, op("read", "ok", null, null))).toEqual([null]);
    expect(step([1, { a: 2 }], op("read", "ok", null, [1, { a: 2 }]))).toEqual([[1, { a: 2 }]]);
    expect(step(3, op("read", "unknown", null, null))).toEqual([3]);
    expect(step(3, op("read", "fail", null, 9))).toEqual([3]);
  });

  it("a write sets the value whatever its outcome", () => {
    for (const status of ["ok", "unknown", "fail"] as const) expect(step(1, op("write", status, 2))).toEqual([2]);
  });

  it("a compare-and-set: ok swapped, fail did not match, unknown either swapped or did nothing", () => {
    expect(step(1, op("cas", "ok", [1, 2]))).toEqual([2]);
    expect(step(3, op("cas", "ok", [1, 2]))).toEqual([]);
    expect(step(1, op("cas", "fail", [1, 2]))).toEqual([]);
    expect(step(3, op("cas", "fail", [1, 2]))).toEqual([3]);
    expect(step(1, op("cas", "unknown", [1, 2]))).toEqual([2]);
    expect(step(3, op("cas", "unknown", [1, 2]))).toEqual([3]);
    expect(step({ x: [1] }, op("cas", "ok", [{ x: [1] }, null]))).toEqual([null]);
  });

  it("keyed operations read and write their own key of a tagged state", () => {
    expect(step(null, op("write", "ok", 5, null, "a"))).toEqual([keyed({ a: 5 })]);
    expect(step(keyed({ a: 5 }), op("write", "ok", 6, null, "b"))).toEqual([keyed({ a: 5, b: 6 })]);
    expect(step(keyed({ a: 5 }), op("read", "ok", null, 5, "a"))).toEqual([keyed({ a: 5 })]);
    expect(step(keyed({ a: 5 }), op("read", "ok", null, null, "b"))).toEqual([keyed({ a: 5 })]);
    expect(step(keyed({ a: 5 }), op("read", "ok", null, 5, "b"))).toEqual([]);
    // Own keys only: a key named like an Object.prototype member starts empty too.
    expect(step(keyed({}), op("read", "ok", null, null, "toString"))).toEqual([keyed({})]);
    expect(step(keyed({ a: 1 }), op("cas", "ok", [1, 2], null, "a"))).toEqual([keyed({ a: 2 })]);
  });

  it("refuses an operation it has no meaning for, and a cas without [from, to]", () => {
    expect(() => step(null, op("incr", "ok", 1))).toThrow(HistoryInputError);
    expect(() => step(null, op("incr", "ok", 1))).toThrow(
      "the register model has read, write and cas; it cannot check :incr (operation 5)",
    );
    for (const input of [1, [1], [1, 2, 3], null])
      expect(() => step(null, op("cas", "ok", input))).toThrow(
        `cas takes [from, to], got ${JSON.stringify(input)} (operation 5)`,
      );
  });
});

describe("registerModel's other answers", () => {
  it("leaves out reads without a value and failed writes; refuses what it cannot check before the search", () => {
    const ignore = registerModel.ignore!;
    expect(ignore(op("read", "ok", null, 1))).toBe(false);
    expect(ignore(op("read", "unknown", null))).toBe(true);
    expect(ignore(op("read", "fail", null))).toBe(true);
    expect(ignore(op("write", "ok", 1))).toBe(false);
    expect(ignore(op("write", "unknown", 1))).toBe(false);
    expect(ignore(op("write", "fail", 1))).toBe(true);
    expect(ignore(op("cas", "fail", [1, 2]))).toBe(false);
    expect(() => ignore(op("cas", "ok", 7))).toThrow("cas takes [from, to], got 7 (operation 5)");
    expect(() => ignore(op("incr", "ok", 1))).toThrow(
      "the register model has read, write and cas; it cannot check :incr (operation 5)",
    );
  });

  it("reads and failed compare-and-sets change nothing; the rest may", () => {
    const readOnly = registerModel.readOnly!;
    expect(
      [op("read", "ok", null), op("cas", "fail", [1, 2]), op("cas", "ok", [1, 2]), op("write", "ok", 1)].map(readOnly),
    ).toEqual([true, true, false, false]);
  });

  it("keys a state by its value, objects by their canonical JSON", () => {
    const key = registerModel.key!;
    expect([key(null), key(3), key("3"), key(true)]).toEqual([null, 3, "3", true]);
    expect(key({ b: 1, a: [2] })).toBe(key({ a: [2], b: 1 }));
    expect(key({ b: 1, a: [2] })).toBe('{"a":[2],"b":1}');
  });

  it("partitions by key, the keyless all together", () => {
    expect([
      registerModel.partition!(op("read", "ok", null, 1, "k")),
      registerModel.partition!(op("read", "ok", null)),
    ]).toEqual(["k", ""]);
  });

  it("describes operations and states as a trace shows them", () => {
    const d = registerModel.describe!;
    expect(
      [
        op("read", "ok", null, null),
        op("read", "ok", null, 3, "k"),
        op("read", "unknown", null),
        op("write", "ok", "v"),
        op("write", "unknown", null, null, "k"),
        op("cas", "ok", [1, null]),
        op("cas", "fail", [1, 2], null, "k"),
        op("cas", "unknown", [1, 2]),
      ].map(d),
    ).toEqual([
      "read() -> nil",
      "read[k]() -> 3",
      "read() -> ?",
      'write("v")',
      "write[k](nil) -> ?",
      "cas(1, nil) -> ok",
      "cas[k](1, 2) -> fail",
      "cas(1, 2) -> ?",
    ]);
    const s = registerModel.describeState!;
    expect([s(null), s(3), s({ x: 1 }), s(keyed({ a: 1, b: null }))]).toEqual([
      "nil",
      "3",
      '{"x":1}',
      '{"a":1,"b":null}',
    ]);
  });
});
