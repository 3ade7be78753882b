/**
 * The kv model compiled for one key (hash-consed strings) must agree with the
 * kv model's own `step` on every step, and number equal strings equally.
 */
import { describe, expect, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { kvModel, type KvState, type Operation } from "../../../src/history/index.js";
import { compileKv } from "../../../src/history/models/kv-strings.js";

const op = (
  id: number,
  f: string,
  io: { input?: Operation["input"]; output?: Operation["output"]; status?: Operation["status"]; key?: string } = {},
): Operation => ({
  id,
  process: 0,
  f,
  key: io.key ?? "k",
  input: io.input ?? null,
  output: io.output ?? null,
  status: io.status ?? "ok",
  call: 2 * id,
  end: 2 * id + 1,
});

/** Texts whose concatenations collide in many ways ("a" + "bc" = "ab" + "c" = put "abc"), and anagrams. */
const TEXTS = ["", "a", "b", "ab", "ba", "bc", "c", "abc", "ca"];

const arbitraryOps = fc
  .array(
    fc.record({
      f: fc.constantFrom("get", "put", "append", "append"),
      text: fc.constantFrom(...TEXTS),
      status: fc.constantFrom<Operation["status"]>("ok", "ok", "ok", "unknown"),
    }),
    { minLength: 1, maxLength: 8 },
  )
  .map((specs) =>
    specs.map((s, i) =>
      op(
        i,
        s.f,
        s.f === "get"
          ? { output: s.text === "" ? null : s.text, status: s.status }
          : { input: s.text, status: s.status },
      ),
    ),
  );

describe("compileKv", () => {
  test.prop(
    [
      arbitraryOps,
      fc.array(fc.nat(), { maxLength: 40 }),
      fc.constantFrom<KvState>({}, { k: "" }, { k: "ab" }, { k: "b", other: "x" }),
      fc.constantFrom(undefined, 1),
    ],
    { numRuns: 2000, seed: 31 },
  )(
    "agrees with kvModel.step on random walks, and equal strings get equal numbers (also when every anagram's hash collides)",
    (ops, choices, initial, multiplier) => {
      const compiled = compileKv(ops, initial, multiplier === undefined ? {} : { multiplier })!;
      const numberOf = new Map<string, number>();
      const text = (s: KvState): string => s["k"] ?? "";
      let id = compiled.initial;
      let state: KvState = initial;
      numberOf.set(text(state), id);
      expect(compiled.state(id)).toEqual(initial);
      for (const choice of choices) {
        const i = choice % ops.length;
        const expected = kvModel.step(state, ops[i]!);
        const next = compiled.step(id, i);
        if (expected.length === 0) {
          expect(next).toBe(-1);
          continue;
        }
        expect(next).toBeGreaterThanOrEqual(0);
        state = expected[0]!;
        id = next;
        expect(text(compiled.state(id))).toBe(text(state));
        expect(compiled.state(id)["other"]).toBe(initial["other"]);
        const known = numberOf.get(text(state));
        if (known === undefined) {
          expect([...numberOf.values()]).not.toContain(id);
          numberOf.set(text(state), id);
        } else {
          expect(id).toBe(known);
        }
      }
    },
  );

  it("builds the same string from different pieces as one state", () => {
    const ops = [
      op(0, "append", { input: "a" }),
      op(1, "append", { input: "bc" }),
      op(2, "append", { input: "ab" }),
      op(3, "append", { input: "c" }),
      op(4, "put", { input: "abc" }),
      op(5, "get", { output: "abc" }),
    ];
    const m = compileKv(ops, {})!;
    const viaABC = m.step(m.step(m.initial, 0), 1);
    const viaABc = m.step(m.step(m.initial, 2), 3);
    const viaPut = m.step(viaABC, 4);
    expect(viaABc).toBe(viaABC);
    expect(viaPut).toBe(viaABC);
    expect(m.step(viaABC, 5)).toBe(viaABC);
    expect(m.step(m.initial, 5)).toBe(-1);
    expect(m.state(viaABC)).toEqual({ k: "abc" });
  });

  it("tells colliding strings apart by content", () => {
    // With multiplier 1 the hash is the sum of the characters: "ab" and "ba" collide, and so do "xab" and "xba".
    const ops = [
      op(0, "append", { input: "ab" }),
      op(1, "append", { input: "ba" }),
      op(2, "get", { output: "ba" }),
      op(3, "put", { input: "x" }),
      op(4, "put", { input: "xba" }),
    ];
    const m = compileKv(ops, {}, { multiplier: 1 })!;
    const ab = m.step(m.initial, 0);
    const ba = m.step(m.initial, 1);
    expect(ba).not.toBe(ab);
    expect(m.step(ab, 2)).toBe(-1);
    expect(m.step(ba, 2)).toBe(ba);
    const xab = m.step(m.step(m.initial, 3), 0);
    const xba = m.step(m.step(m.initial, 3), 1);
    expect(xba).not.toBe(xab);
    expect(m.step(m.initial, 4)).toBe(xba);
    expect(m.state(xab)).toEqual({ k: "xab" });
  });

  it("never matches a get of a non-string, and lets a get without a result see anything", () => {
    const ops = [op(0, "get", { output: 5 }), op(1, "get", { status: "unknown" }), op(2, "append", { input: "5" })];
    const m = compileKv(ops, {})!;
    const five = m.step(m.initial, 2);
    expect(m.step(five, 0)).toBe(-1);
    expect(m.step(five, 1)).toBe(five);
    expect(m.step(m.initial, 1)).toBe(m.initial);
  });

  it("reads own keys only, as the model's step: a key named like Object.prototype's properties starts empty", () => {
    for (const key of ["constructor", "__proto__", "toString"]) {
      const ops = [op(0, "append", { input: "a", key }), op(1, "get", { output: "a", key }), op(2, "get", { key })];
      const m = compileKv(ops, {})!;
      const a = m.step(m.initial, 0);
      expect(m.step(m.initial, 2)).toBe(m.initial);
      expect(m.step(a, 1)).toBe(a);
      expect(m.state(a)).toEqual(kvModel.step({}, ops[0]!)[0]);
      expect(Object.hasOwn(m.state(a), key)).toBe(true);
    }
  });

  it("leaves to the model's step what it does not handle: several keys, other operations, non-string writes", () => {
    expect(compileKv([op(0, "get"), op(1, "get", { key: "j" })], {})).toBeUndefined();
    expect(compileKv([op(0, "cas", { input: "a" })], {})).toBeUndefined();
    expect(compileKv([op(0, "put", { input: 3 })], {})).toBeUndefined();
    expect(compileKv([op(0, "get")], { k: 3 } as unknown as KvState)).toBeUndefined();
  });
});
