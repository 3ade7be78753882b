import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { assertPlainData, deepEqual, fingerprint, NotPlainDataError } from "../../src/index.js";

describe("fingerprint", () => {
  it("ignores key order at every depth", () => {
    expect(fingerprint({ a: 1, b: { c: [1, 2], d: "x" } })).toEqual(fingerprint({ b: { d: "x", c: [1, 2] }, a: 1 }));
  });

  it("treats an undefined field as absent", () => {
    expect(fingerprint({ a: 1, b: undefined })).toEqual(fingerprint({ a: 1 }));
  });

  it("distinguishes array order, types and nesting", () => {
    const values = [
      [1, 2],
      [2, 1],
      ["1", 2],
      { a: [1, 2] },
      { a: 1, b: 2 },
      { a: 2, b: 1 },
      { ab: 1 },
      null,
      true,
      false,
      0,
      1,
      -1,
      0.5,
      "",
      "a",
      [],
      {},
    ];
    const keys = new Set(values.map((v) => JSON.stringify(fingerprint(v))));
    expect(keys.size).toBe(values.length);
  });

  it("agrees with structural equality on random values", () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(json, json, (a, b) => {
        const same = JSON.stringify(fingerprint(a)) === JSON.stringify(fingerprint(b));
        expect(same).toBe(deepEqual(a, b));
      }),
      { numRuns: 2000 },
    );
  });

  it("names the path of a value that is not plain data", () => {
    expect(() => fingerprint({ nodes: { n1: { log: [1, new Map()] } } })).toThrow(
      new NotPlainDataError("state.nodes.n1.log[1]", "instance of Map"),
    );
    expect(() => assertPlainData({ f: () => 1 })).toThrow(/state\.f: a function/);
    expect(() => assertPlainData({ x: Number.NaN })).toThrow(/state\.x: non-finite number NaN/);
    const cyclic: Record<string, unknown> = {};
    cyclic["self"] = cyclic;
    expect(() => fingerprint(cyclic)).toThrow(/state\.self: a cycle/);
  });
});
