import { describe, expect, it } from "vitest";
import { setAdd, setHas, setOf, setRemove } from "../../src/index.js";

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
});
