import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareElements, setAdd, setHas, setOf, setRemove, type SetElement } from "../../src/index.js";

const element = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom("a", "b", "rm1", "rm10", "rm2", ""),
  fc.boolean(),
);
const elements = fc.array(element, { maxLength: 8 });

/** The reference: JavaScript's Set, then the documented order. */
function reference(items: readonly SetElement[]): SetElement[] {
  return [...new Set(items)].sort(compareElements);
}

describe("canonical sets", () => {
  it("keep elements sorted and unique without mutating", () => {
    const a: readonly string[] = [];
    const b = setAdd(setAdd(setAdd(a, "rm2"), "rm1"), "rm2");
    expect(b).toEqual(["rm1", "rm2"]);
    expect(a).toEqual([]);
    expect(setHas(b, "rm1")).toBe(true);
    expect(setHas(b, "rm3")).toBe(false);
    expect(setRemove(b, "rm1")).toEqual(["rm2"]);
    expect(setRemove(b, "rm9")).toBe(b);
    expect(setAdd(b, "rm1")).toBe(b);
    expect(setOf([3, 1, 2, 3, 10])).toEqual([1, 2, 3, 10]);
  });

  it("order numbers numerically, strings by code units, and mixed types by type name (boolean < number < string)", () => {
    expect(setOf([10, 9, -1])).toEqual([-1, 9, 10]);
    expect(setOf(["rm10", "rm2", "rm1"])).toEqual(["rm1", "rm10", "rm2"]);
    expect(setOf<SetElement>(["a", 2, true, 1, false, ""])).toEqual([false, true, 1, 2, "", "a"]);
    expect([
      compareElements(1, "1"),
      compareElements("1", 1),
      compareElements(true, 0),
      compareElements(0, true),
    ]).toEqual([-1, 1, -1, 1]);
    expect([
      compareElements(2, 1),
      compareElements(1, 2),
      compareElements(2, 2),
      compareElements("b", "a"),
      compareElements("a", "a"),
    ]).toEqual([1, -1, 0, 1, 0]);
  });

  it("compareElements is a total order: antisymmetric, transitive, zero only for equal elements", () => {
    fc.assert(
      fc.property(element, element, element, (a, b, c) => {
        expect(Math.sign(compareElements(a, b)) + Math.sign(compareElements(b, a))).toBe(0);
        expect(compareElements(a, b) === 0).toBe(a === b);
        if (compareElements(a, b) <= 0 && compareElements(b, c) <= 0)
          expect(compareElements(a, c)).toBeLessThanOrEqual(0);
      }),
      { seed: 1, numRuns: 500 },
    );
  });

  it("agree with a JavaScript Set on any sequence of adds and removes, mixed types included", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), element), { maxLength: 12 }), (ops) => {
        let set: readonly SetElement[] = [];
        const model = new Set<SetElement>();
        for (const [add, x] of ops) {
          const before = set;
          set = add ? setAdd(set, x) : setRemove(set, x);
          // Unchanged membership gives back the same array; a change gives a new one and leaves the old alone.
          const changed = add ? !model.has(x) : model.has(x);
          if (add) model.add(x);
          else model.delete(x);
          expect(set === before).toBe(!changed);
          expect(set).toEqual(reference([...model]));
        }
        for (const x of [-3, -1, 0, 3, "a", "rm2", "", true, false]) expect(setHas(set, x)).toBe(model.has(x));
      }),
      { seed: 1, numRuns: 300 },
    );
  });

  it("setOf of any elements is the Set's elements in order, and setHas finds exactly them", () => {
    fc.assert(
      fc.property(elements, element, (items, probe) => {
        const set: readonly SetElement[] = setOf<SetElement>(items);
        expect(set).toEqual(reference(items));
        expect(setHas(set, probe)).toBe(items.includes(probe));
        // The last element, and a probe past it, exercise the end of the binary search.
        if (set.length > 0) expect(setHas(set, set[set.length - 1]!)).toBe(true);
        expect(setHas(set, "zzz")).toBe((items as SetElement[]).includes("zzz"));
        expect(setRemove(set, "zzz")).toBe(set);
      }),
      { seed: 1, numRuns: 300 },
    );
  });
});
