/**
 * The kv model's own answers, operation by operation: each step's
 * successors, which operations are left out or read-only, the state keys,
 * and the text of descriptions and refusals.
 */
import { describe, expect, it } from "vitest";
import { HistoryInputError, kvModel } from "../../../src/history/index.js";
import type { KvState } from "../../../src/history/models/kv.js";
import type { Operation } from "../../../src/history/operations.js";
import { operation as op } from "../support/serial.js";

const step = (state: KvState, o: Operation) => kvModel.step(state, o);

describe("kvModel.step", () => {
  it("a get that returned a value needs the key to hold it (null and the empty string both mean empty)", () => {
    expect(step({ a: "x" }, op("get", "ok", null, "x", "a"))).toEqual([{ a: "x" }]);
    expect(step({ a: "x" }, op("get", "ok", null, "y", "a"))).toEqual([]);
    expect(step({ a: "x" }, op("get", "ok", null, "", "b"))).toEqual([{ a: "x" }]);
    expect(step({ a: "x" }, op("get", "ok", null, null, "b"))).toEqual([{ a: "x" }]);
    expect(step({ a: "" }, op("get", "ok", null, null, "a"))).toEqual([{ a: "" }]);
    expect(step({ a: "x" }, op("get", "ok", null, null, "a"))).toEqual([]);
    // A get without a value constrains nothing.
    expect(step({ a: "x" }, op("get", "unknown", null, null, "a"))).toEqual([{ a: "x" }]);
    expect(step({ a: "x" }, op("get", "fail", null, "y", "a"))).toEqual([{ a: "x" }]);
  });

  it("put replaces a key's string, append extends it; other keys stay", () => {
    expect(step({ a: "x", b: "y" }, op("put", "ok", "z", null, "a"))).toEqual([{ a: "z", b: "y" }]);
    expect(step({ a: "x", b: "y" }, op("append", "ok", "z", null, "a"))).toEqual([{ a: "xz", b: "y" }]);
    expect(step({}, op("append", "unknown", "z", null, "c"))).toEqual([{ c: "z" }]);
  });

  it("a missing key is the empty key, and keys named like Object.prototype members are keys like any other", () => {
    expect(step({}, op("put", "ok", "v", null))).toEqual([{ "": "v" }]);
    expect(step({ "": "v" }, op("get", "ok", null, "v"))).toEqual([{ "": "v" }]);
    expect(step({}, op("get", "ok", null, "", "toString"))).toEqual([{}]);
    expect(step({}, op("append", "ok", "v", null, "constructor"))).toEqual([{ constructor: "v" }]);
  });

  it("refuses an operation it has no meaning for, and a value that is not a string", () => {
    expect(() => step({}, op("cas", "ok", ["a", "b"], null, "k"))).toThrow(HistoryInputError);
    expect(() => step({}, op("cas", "ok", ["a", "b"], null, "k"))).toThrow(
      "the kv model has get, put and append; it cannot check :cas (operation 5)",
    );
    expect(() => step({}, op("put", "ok", 3, null, "k"))).toThrow(":put takes a string, got 3 (operation 5)");
    expect(() => step({}, op("append", "ok", null, null, "k"))).toThrow(
      ":append takes a string, got null (operation 5)",
    );
  });
});

describe("kvModel's other answers", () => {
  it("leaves out failed operations and gets without a value; refuses what it cannot check before the search", () => {
    const ignore = kvModel.ignore!;
    expect(
      [
        op("get", "ok", null, "x"),
        op("get", "unknown", null),
        op("get", "fail", null),
        op("put", "ok", "v"),
        op("put", "unknown", "v"),
        op("put", "fail", "v"),
        op("append", "fail", "v"),
      ].map(ignore),
    ).toEqual([false, true, true, false, false, true, true]);
    expect(() => ignore(op("put", "ok", 1))).toThrow(":put takes a string, got 1 (operation 5)");
    expect(() => ignore(op("append", "fail", [1]))).toThrow(":append takes a string, got [1] (operation 5)");
    expect(() => ignore(op("delete", "ok", null))).toThrow(
      "the kv model has get, put and append; it cannot check :delete (operation 5)",
    );
  });

  it("gets change nothing; puts and appends may", () => {
    expect([op("get", "ok", null), op("put", "ok", "v"), op("append", "ok", "v")].map(kvModel.readOnly!)).toEqual([
      true,
      false,
      false,
    ]);
  });

  it("partitions by key, the keyless under the empty key", () => {
    expect([kvModel.partition!(op("get", "ok", null, null, "k")), kvModel.partition!(op("get", "ok", null))]).toEqual([
      "k",
      "",
    ]);
  });

  it("keys a state by its keys and strings in key order, so equal states key alike", () => {
    const key = kvModel.key!;
    expect(key({})).toBe("");
    expect(key({ a: "x" })).toBe("a\u0000x");
    expect(key({ b: "y", a: "x" })).toBe("a\u0000x\u0001b\u0000y\u0001");
    expect(key({ a: "x", b: "y" })).toBe(key({ b: "y", a: "x" }));
    // Separators keep apart states that concatenate alike.
    expect(key({ a: "bc" })).not.toBe(key({ ab: "c" }));
  });

  it("describes operations and states as a trace shows them", () => {
    expect(
      [
        op("get", "ok", null, "x", "k"),
        op("get", "ok", null, null, "k"),
        op("get", "unknown", null, null),
        op("put", "ok", "v", null, "k"),
        op("append", "unknown", "w", null, "k"),
      ].map(kvModel.describe!),
    ).toEqual(['get("k") -> "x"', 'get("k") -> ""', 'get("") -> ?', 'put("k", "v")', 'append("k", "w") -> ?']);
    expect(kvModel.describeState!({ a: "x", "": "y" })).toBe('{"a":"x","":"y"}');
    expect(kvModel.init()).toEqual({});
    expect(kvModel.name).toBe("kv");
  });
});
