import { test as propTest } from "@fast-check/vitest";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { twoPhaseCommit } from "../../specs/two-phase-commit.js";
import { bool, defineSpec, int, invariant, oneOf, ParamError } from "../../src/index.js";
import { expectSpec, paramsArbitrary } from "../../testing/index.js";

const shapes = defineSpec({
  name: "shapes",
  description: "a spec with one parameter of each type",
  params: { size: int(2, { min: -1 }), fair: bool(false), mode: oneOf(["fast", "slow", "safe"], "safe"), big: int(50) },
  init: () => [0],
  actions: {},
  properties: { ok: invariant(() => true) },
});

function values<T>(arb: fc.Arbitrary<T>): T[] {
  return fc.sample(arb, { seed: 42, numRuns: 200 });
}

describe("paramsArbitrary", () => {
  it("ranges integers from their minimum to their default, and takes every boolean and enum value", () => {
    const drawn = values(paramsArbitrary(shapes));
    expect([...new Set(drawn.map((p) => p["size"]))].sort()).toEqual([-1, 0, 1, 2]);
    expect([...new Set(drawn.map((p) => p["fair"]))].sort()).toEqual([false, true]);
    expect([...new Set(drawn.map((p) => p["mode"]))].sort()).toEqual(["fast", "safe", "slow"]);
    expect(Math.min(...drawn.map((p) => p["big"] as number))).toBe(0);
    expect(Math.max(...drawn.map((p) => p["big"] as number))).toBe(50);
    expect(Object.keys(drawn[0]!).sort()).toEqual(["big", "fair", "mode", "size"]);
  });

  it("takes bounds and arbitraries per parameter, within the schema", () => {
    const rms = values(paramsArbitrary(twoPhaseCommit, { rms: { min: 2, max: 5 } })).map((p) => p["rms"]);
    expect([...new Set(rms)].sort()).toEqual([2, 3, 4, 5]);
    expect(values(paramsArbitrary(twoPhaseCommit, { rms: fc.constant(7) })).every((p) => p["rms"] === 7)).toBe(true);
    expect(() => paramsArbitrary(twoPhaseCommit, { rms: { max: 13 } })).toThrow(
      new ParamError('param "rms" must be at most 12, got a bound of 13'),
    );
    expect(() => paramsArbitrary(twoPhaseCommit, { rms: { min: 0 } })).toThrow(
      new ParamError('param "rms" must be at least 1, got a bound of 0'),
    );
    expect(() => paramsArbitrary(twoPhaseCommit, { rm: { max: 2 } })).toThrow(
      new ParamError('unknown param "rm"; params: rms'),
    );
  });

  it("every drawn record is accepted by the spec", () => {
    for (const params of values(paramsArbitrary(twoPhaseCommit, { rms: { max: 12 } }))) {
      expect(twoPhaseCommit.instantiate({ params }).params).toEqual(params);
    }
  });
});

// Properties over model sizes with @fast-check/vitest: seeds are fixed so the
// runs are the same every time (fast-check prints seed and path on failure).
describe("properties over spec parameters", () => {
  propTest.prop([paramsArbitrary(twoPhaseCommit, { rms: { max: 4 } })], { numRuns: 4, seed: 7 })(
    "two-phase commit is consistent for 1 to 4 resource managers",
    (params) => {
      const r = expectSpec(twoPhaseCommit, { params }).toHoldAll();
      expect(r.result).toBe("ok");
    },
  );

  propTest.prop([paramsArbitrary(twoPhaseCommit, { rms: { min: 2, max: 4 } })], { numRuns: 4, seed: 7 })(
    "committing without every Prepared breaks consistency in 3 steps at every size from 2",
    (params) => {
      expectSpec(twoPhaseCommit, { params }).toViolate("consistent", {
        variant: "commit-without-all-prepared",
        steps: 3,
      });
    },
  );

  it("one resource manager cannot disagree with itself: the broken variant holds at rms=1", () => {
    expectSpec(twoPhaseCommit, { params: { rms: 1 }, variant: "commit-without-all-prepared" }).toHoldAll();
  });
});
