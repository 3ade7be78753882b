import { describe, expect, it } from "vitest";
import { canonicalJson, jsonEqual, MAX_VALUE_DEPTH, nestedDeeperThan } from "../../src/history/json.js";

/** `depth` arrays nested in one another around 0: `[[0]]` is 2 deep. */
function nested(depth: number): unknown {
  let value: unknown = 0;
  for (let k = 0; k < depth; k++) value = [value];
  return value;
}

describe("canonicalJson", () => {
  it("writes primitives as JSON does, and what JSON cannot write as null", () => {
    expect([1, -0.5, 'a"b', true, false, null].map(canonicalJson)).toEqual([
      "1",
      "-0.5",
      '"a\\"b"',
      "true",
      "false",
      "null",
    ]);
    expect(canonicalJson(undefined)).toBe("null");
  });

  it("sorts object keys at every level and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: [3, { d: null, c: "x" }, []], "": {} })).toBe(
      '{"":{},"a":[3,{"c":"x","d":null},[]],"b":1}',
    );
    expect(canonicalJson([{ y: 2, x: 1 }, 2, [1]])).toBe('[{"x":1,"y":2},2,[1]]');
    expect(canonicalJson({ 'k"': 1 })).toBe('{"k\\"":1}');
  });
});

describe("jsonEqual", () => {
  it("compares values, not key order or identity", () => {
    expect(jsonEqual({ a: 1, b: [2] }, { b: [2], a: 1 })).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: "1" })).toBe(false);
    expect(jsonEqual(3, 3)).toBe(true);
    expect(jsonEqual("3", 3)).toBe(false);
  });

  it("tells null, undefined and objects apart", () => {
    expect(jsonEqual(null, null)).toBe(true);
    expect(jsonEqual(undefined, undefined)).toBe(true);
    expect(jsonEqual(null, {})).toBe(false);
    expect(jsonEqual({}, null)).toBe(false);
    expect(jsonEqual(undefined, null)).toBe(false);
    expect(jsonEqual([], {})).toBe(false);
  });
});

describe("nestedDeeperThan", () => {
  it("counts levels of arrays and objects, primitives not", () => {
    expect(nestedDeeperThan(5, 0)).toBe(false);
    expect(nestedDeeperThan(null, 0)).toBe(false);
    expect(nestedDeeperThan([], 0)).toBe(true);
    expect(nestedDeeperThan([], 1)).toBe(false);
    expect(nestedDeeperThan(nested(3), 3)).toBe(false);
    expect(nestedDeeperThan(nested(3), 2)).toBe(true);
    expect(nestedDeeperThan({ a: 1, b: { c: [1, { d: null }] } }, 4)).toBe(false);
    expect(nestedDeeperThan({ a: 1, b: { c: [1, { d: null }] } }, 3)).toBe(true);
  });

  it("looks at every child, not only the first or last", () => {
    expect(nestedDeeperThan([[[0]], 1, 2], 2)).toBe(true);
    expect(nestedDeeperThan([1, [[0]], 2], 2)).toBe(true);
    expect(nestedDeeperThan({ a: 1, b: [[0]], c: 2 }, 2)).toBe(true);
  });

  it("walks values far deeper than the stack allows for recursion", () => {
    expect(MAX_VALUE_DEPTH).toBe(100);
    expect(nestedDeeperThan(nested(MAX_VALUE_DEPTH), MAX_VALUE_DEPTH)).toBe(false);
    expect(nestedDeeperThan(nested(MAX_VALUE_DEPTH + 1), MAX_VALUE_DEPTH)).toBe(true);
    expect(nestedDeeperThan(nested(200_000), MAX_VALUE_DEPTH)).toBe(true);
  });
});
