import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { assertPlainData, deepEqual, fingerprint, NotPlainDataError } from "../../src/index.js";
import { fingerprintInto, fmix32 } from "../../src/fingerprint.js";

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

/** Hex of a fingerprint's two lanes. */
const hex = (v: unknown): [string, string] => {
  const f = fingerprint(v);
  return [f.hi.toString(16).padStart(8, "0"), f.lo.toString(16).padStart(8, "0")];
};

describe("fingerprint values", () => {
  it("fmix32 is murmur3's finalizer (its published value for 1)", () => {
    expect([0, 1, 0xffffffff, 0x80000000].map((n) => fmix32(n).toString(16))).toEqual([
      "0",
      "514e28b7",
      "81f16f39",
      "6d3c65a0",
    ]);
  });

  it("are stable: each kind of value keeps its two lanes (spilled stores and seeds depend on them)", () => {
    const values: [unknown, [string, string]][] = [
      [0, ["67a2a8ee", "5e64ed7f"]],
      [1, ["9a24e9c9", "b899c278"]],
      [-1, ["14d8754c", "48e3c4b4"]],
      [0.5, ["e05ba445", "e7c78ea7"]],
      [-0.5, ["450d321f", "46ef5193"]],
      [2 ** 40, ["0f5bf245", "5f8407f8"]],
      ["", ["ab3e7c0b", "d1d54ed9"]],
      ["a", ["e6db3b26", "a114c2bd"]],
      ["ab", ["d79bd013", "e2ed95be"]],
      [true, ["bb67ae85", "6a09e667"]],
      [false, ["a54ff53a", "3c6ef372"]],
      [null, ["9b05688c", "510e527f"]],
      [[], ["607e9c54", "196bec53"]],
      [[1], ["d73346c2", "3b2a8367"]],
      [
        [1, 2],
        ["938b2573", "78c830a4"],
      ],
      [{}, ["1388a0fb", "ede1521e"]],
      [{ a: 1 }, ["7f6e0668", "78e31d67"]],
      [{ a: 1, b: "x" }, ["3d75a184", "2094153b"]],
      [{ a: [true, null] }, ["f7e82c45", "7b167a8e"]],
      [[[]], ["1c7e1cf7", "d03d7937"]],
      [[{}], ["0efc5554", "f4841435"]],
    ];
    for (const [v, lanes] of values) expect([JSON.stringify(v), hex(v)]).toEqual([JSON.stringify(v), lanes]);
  });

  it("-0 is 0, and an object without a prototype is plain", () => {
    expect(hex(-0)).toEqual(hex(0));
    expect(hex({ x: [-0] })).toEqual(hex({ x: [0] }));
    const bare = Object.create(null) as Record<string, unknown>;
    bare["a"] = 1;
    expect(hex(bare)).toEqual(hex({ a: 1 }));
    expect(() => assertPlainData(bare)).not.toThrow();
  });

  it("fingerprintInto fills the given object", () => {
    const out = { hi: 0, lo: 0 };
    fingerprintInto({ a: 1 }, out);
    expect(out).toEqual(fingerprint({ a: 1 }));
  });
});

describe("what is not plain data", () => {
  it("names each kind and the path, quoting keys that are not identifiers", () => {
    const cases: [unknown, string, string][] = [
      [{ "a-b": [1, 2n] }, 'state["a-b"][1]', "a bigint (use a number or a string)"],
      [{ s: Symbol("x") }, "state.s", "a symbol"],
      [[undefined], "state[0]", "undefined (omit the field or use null)"],
      [{ x: Number.POSITIVE_INFINITY }, "state.x", "non-finite number Infinity"],
      [{ d: new Date(0) }, "state.d", "instance of Date"],
      [{ $_a1: { "0x": () => 1 } }, 'state.$_a1["0x"]', "a function"],
    ];
    for (const [value, path, what] of cases)
      expect(() => fingerprint(value)).toThrow(new NotPlainDataError(path, what));
    class Point {
      x = 1;
    }
    expect(() => fingerprint([new Point()])).toThrow(new NotPlainDataError("state[0]", "instance of Point"));
    expect(new NotPlainDataError("state.x", "a symbol").message).toBe(
      "state is not plain data at state.x: a symbol (use objects, arrays, numbers, strings, booleans, null)",
    );
    expect(new NotPlainDataError("p", "w").name).toBe("NotPlainDataError");
  });

  it("skips undefined fields and lets a value repeat where it is not a cycle", () => {
    const shared = { n: 1 };
    expect(() => assertPlainData({ a: shared, b: shared, c: undefined, d: [shared, shared] })).not.toThrow();
    expect(() => assertPlainData({ a: { b: undefined } }, "root")).not.toThrow();
    expect(() => assertPlainData({ s: "x", b: false, n: null, f: 0.5, a: ["y", true, null] })).not.toThrow();
    expect(() => assertPlainData("x")).not.toThrow();
    const orphan = Object.create(Object.create(null) as object) as object;
    expect(() => fingerprint({ o: orphan })).toThrow(new NotPlainDataError("state.o", "instance of a class"));
    expect(() => assertPlainData({ a: [new Map()] }, "root")).toThrow(/^state is not plain data at root\.a\[0\]/);
  });

  it("stops at nesting 201 deep, which only a cycle or a runaway state reaches", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200; i++) deep = [deep];
    expect(() => fingerprint(deep)).not.toThrow();
    expect(() => fingerprint([deep])).not.toThrow();
    // assertPlainData has no depth limit, so this error is the walker's own, with no path.
    expect(() => fingerprint([[deep]])).toThrow(new NotPlainDataError("", "nesting too deep (a cycle?)"));
  });
});

describe("deepEqual", () => {
  it("compares by structure: key order and undefined fields ignored, array length and order kept", () => {
    const cases: [unknown, unknown, boolean][] = [
      [1, 1, true],
      [1, "1", false],
      [null, null, true],
      [null, {}, false],
      [{}, null, false],
      [[], {}, false],
      [{}, [], false],
      [[1, 2], [1, 2], true],
      [[1, 2], [2, 1], false],
      [[1], [1, 1], false],
      [[1, 1], [1], false],
      [{ a: 1, b: 2 }, { b: 2, a: 1 }, true],
      [{ a: 1, b: undefined }, { a: 1 }, true],
      [{ a: 1 }, { a: 1, b: undefined }, true],
      [{ a: 1 }, { a: 1, b: 2 }, false],
      [{ a: 1, b: 2 }, { a: 1 }, false],
      [{ a: undefined }, { b: undefined }, true],
      [{ a: { b: [1] } }, { a: { b: [1] } }, true],
      [{ a: { b: [1] } }, { a: { b: [2] } }, false],
      ["x", { x: 1 }, false],
    ];
    for (const [a, b, same] of cases) expect([a, b, deepEqual(a, b)]).toEqual([a, b, same]);
  });
});
