/**
 * The checker's path type: its text form, and replaying a path into a trace,
 * which reports a model that no longer gives the states the search found as
 * nondeterminism, naming where the replay parted from the search.
 */
import { describe, expect, it } from "vitest";
import { fingerprintWord, parsePath, traceOf } from "../../checker/path.js";
import type { Fingerprint } from "../../src/index.js";
import { UserCodeError, type UserFault } from "../../src/user-code.js";
import { counterModel, DEC, INC } from "./random/counter.js";

/** The fault `run` throws as a UserCodeError. */
function faultOf(run: () => unknown): UserFault {
  try {
    run();
  } catch (error) {
    if (error instanceof UserCodeError) return error.fault;
    throw error;
  }
  throw new Error("no error thrown");
}

describe("parsePath", () => {
  it("takes ordinals of several digits, the initial state's too", () => {
    expect(parsePath("12:0:30")).toEqual({ init: 12, steps: [0, 30] });
  });

  it("throws a ReplayPathError, named as such, for text that is not a path", () => {
    const error = (() => {
      try {
        parsePath("1:");
      } catch (e) {
        return e;
      }
    })();
    expect(String(error)).toBe(
      'ReplayPathError: --replay-path takes ordinals joined by ":" (the initial state\'s, then each step\'s), e.g. "0:3:1"; got "1:"',
    );
  });
});

describe("traceOf", () => {
  it("replays a path with the fingerprints the search stored", () => {
    const model = counterModel("below3");
    const words = (x: number): [number, number] => {
      const fp: Fingerprint = { hi: 0, lo: 0 };
      model.fingerprint({ x }, fp);
      return [fingerprintWord(fp.hi), fingerprintWord(fp.lo)];
    };
    expect(traceOf(model, { init: 0, steps: [INC, DEC] }, [words(0), words(1), words(0)])).toEqual([
      { action: null, state: { x: 0 } },
      { action: "Inc", state: { x: 1 } },
      { action: "Dec", state: { x: 0 } },
    ]);
    // A stored fingerprint the replay does not reach: after the initial state, then after a step.
    expect(faultOf(() => traceOf(model, { init: 0, steps: [] }, [words(1)]))).toEqual({
      kind: "nondeterminism",
      site: "init",
      where: "initial state",
      message:
        "replaying the counterexample reached a different state after initial state than the search did (does a reducer read a variable outside the state?)",
    });
    expect(faultOf(() => traceOf(model, { init: 0, steps: [INC, DEC] }, [words(0), words(1), words(2)]))).toEqual({
      kind: "nondeterminism",
      site: "action",
      where: "Dec",
      message:
        "replaying the counterexample reached a different state after Dec than the search did (does a reducer read a variable outside the state?)",
    });
  });

  it("an initial state or a successor the model no longer gives is nondeterminism, at init or in the replay", () => {
    const model = counterModel("below3");
    expect(faultOf(() => traceOf(model, { init: 1, steps: [] }))).toEqual({
      kind: "nondeterminism",
      site: "init",
      where: "init",
      message: "init gave no initial state #2 on a second call",
    });
    // At 1, the counter has 3 successors (Inc, Dec, Reset): ordinal 3 is a fourth.
    expect(faultOf(() => traceOf(model, { init: 0, steps: [INC, 3] }))).toEqual({
      kind: "nondeterminism",
      site: "action",
      where: "replay",
      message: "replaying the counterexample, step 2 found only 3 successors where the search found at least 4",
    });
  });
});
