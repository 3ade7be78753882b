/**
 * The expander's guards and bookkeeping that whole searches show only at
 * their edges: which states are expanded twice, what a nondeterministic
 * step is reported as, faults in properties, per-value coverage, and errors
 * that are the checker's rather than the user's.
 */
import { describe, expect, it } from "vitest";
import { Properties, Successors } from "../../checker/expander.js";
import { explore } from "../../checker/explore.js";
import { checkSpec } from "../../checker/index.js";
import { atTermination, choose, defineSpec, invariant } from "../../src/index.js";
import { lineModel } from "./support/line-model.js";

type N = { readonly n: number };

/**
 * A chain 0 -> 1 -> ... -> 700 whose step at `shaky` reads a counter outside the state: the successor differs
 * between two calls. BFS expands state k as the k-th, so `shaky` says which expansion is nondeterministic.
 */
function chain(shaky: number) {
  let calls = 0;
  return defineSpec({
    name: "chain",
    description: "a line of states, one of them nondeterministic",
    init: (): N[] => [{ n: 0 }],
    actions: {
      Step: (s) => {
        if (s.n >= 700) return undefined;
        if (s.n !== shaky) return { n: s.n + 1 };
        calls++;
        return { n: calls % 2 === 1 ? s.n + 1 : s.n + 2 };
      },
    },
    properties: { bounded: invariant((s) => s.n <= 701) },
  });
}

describe("sampled states are expanded twice: the first 256, then one in 256", () => {
  it.each([
    [255, "error"],
    [256, "error"],
    [257, "ok"],
    [512, "error"],
    [600, "ok"],
  ])("a step that differs between calls at state %i: %s", (shaky, result) => {
    const r = checkSpec(chain(shaky));
    expect(r.result).toBe(result);
    if (result === "error") {
      expect([r.error?.kind, r.error?.where, r.trace?.length]).toEqual(["nondeterminism", "Step", shaky + 1]);
      expect(r.error?.message).toBe(
        "expanding the same state twice gave a different successor #1 (does it read a variable outside the " +
          "state, or a clock or random source?)",
      );
    } else expect(r.distinctStates).toBe(701);
  });

  it("with the guards off nothing is expanded twice", () => {
    const r = checkSpec(chain(512), { guards: false });
    expect([r.result, r.distinctStates]).toEqual(["ok", 701]);
  });
});

describe("a nondeterministic step is named by the successor that differs", () => {
  /**
   * State 0 has the successors of A, B and C (each when enabled); `flaky` is the one whose successor depends on a
   * counter.
   */
  function fan(flaky: "B" | "C", step: (calls: number) => N | undefined) {
    let calls = 0;
    const steady = (n: number) => (s: N) => (s.n === 0 ? { n } : undefined);
    const shaky = (s: N) => (s.n === 0 ? step(++calls) : undefined);
    return defineSpec({
      name: "fan",
      description: "three actions from the initial state",
      init: (): N[] => [{ n: 0 }],
      actions: { A: steady(1), B: flaky === "B" ? shaky : steady(2), C: flaky === "C" ? shaky : steady(3) },
      properties: { small: invariant((s) => s.n < 10) },
    });
  }

  it("a different second successor: #2, at B", () => {
    const r = checkSpec(fan("B", (calls) => ({ n: calls % 2 === 1 ? 2 : 4 })));
    expect([r.result, r.error?.where]).toEqual(["error", "B"]);
    expect(r.error?.message).toContain("gave a different successor #2 (");
  });

  it.each(["B", "C"] as const)("a successor more the second time (from %s): the counts of both runs", (flaky) => {
    // From C, the first run's successors are a prefix of the second's.
    const r = checkSpec(fan(flaky, (calls) => (calls % 2 === 0 ? { n: 4 } : undefined)));
    expect(r.result).toBe("error");
    expect(r.error?.message).toContain("expanding the same state twice gave 2 and then 3 successors (");
  });
});

describe("faults and properties", () => {
  it("a terminal state's property that throws is a finding with the trace to that state", () => {
    const spec = defineSpec({
      name: "ends",
      description: "counts to 2",
      init: (): N[] => [{ n: 0 }],
      actions: { Inc: (s) => (s.n < 2 ? { n: s.n + 1 } : undefined) },
      properties: {
        endsWell: atTermination((s: N) => {
          if (s.n === 2) throw new Error("no end in sight");
          return true;
        }),
      },
    });
    const r = checkSpec(spec);
    expect([r.result, r.error?.kind, r.trace?.map((s) => (s.state as N).n)]).toEqual(["error", "threw", [0, 1, 2]]);
  });

  it("a throwing reducer is the invariant noReducerThrows", () => {
    const spec = defineSpec({
      name: "throws",
      description: "throws at 1",
      init: (): N[] => [{ n: 0 }],
      actions: {
        Inc: (s) => {
          if (s.n === 1) throw new Error("boom");
          return s.n < 3 ? { n: s.n + 1 } : undefined;
        },
      },
      properties: { small: invariant((s) => s.n < 10) },
    });
    const r = checkSpec(spec);
    expect([r.result, r.property, r.propertyKind, r.trace?.length]).toEqual([
      "violation",
      "noReducerThrows",
      "invariant",
      2,
    ]);
  });

  it("a reducer that changes its state in place is caught in a constrained spec too", () => {
    const spec = defineSpec({
      name: "in-place",
      description: "increments in place",
      init: () => [{ n: 0 }],
      actions: {
        Inc: (s: { n: number }) => {
          s.n++;
          return { n: s.n };
        },
      },
      constraint: (s) => s.n < 5,
      properties: { small: invariant((s) => s.n < 10) },
    });
    const r = checkSpec(spec);
    expect([r.result, r.error?.kind, r.error?.where, r.error?.path, r.trace?.length]).toEqual([
      "error",
      "mutation",
      "Inc",
      "state.n",
      1,
    ]);
  });

  it("an init that reads a random source is caught: the guards are on while it runs", () => {
    const spec = defineSpec({
      name: "random-init",
      description: "a random first state",
      init: (): N[] => [{ n: Math.floor(Math.random() * 3) }],
      actions: {},
      properties: { small: invariant((s) => s.n < 10) },
    });
    const r = checkSpec(spec);
    expect([r.result, r.error?.kind]).toEqual(["error", "nondeterminism"]);
    expect(r.error?.message).toContain("it called Math.random()");
  });

  it("an error outside the user's code is the checker's: it is thrown, not reported", () => {
    const model = lineModel(10, { at: 0, error: new Error("a bug in a model") });
    expect(() => explore(model, "fifo")).toThrow("a bug in a model");
  });
});

describe("coverage per chosen value", () => {
  /** `Pick` has `values` instances from the initial state (each to its own state); `Reset` goes back from 0 and 1. */
  function picks(values: number) {
    return defineSpec({
      name: "picks",
      description: "choose a value once",
      init: (): N[] => [{ n: -1 }],
      actions: {
        Pick: choose(
          () => Array.from({ length: values }, (_, k) => k),
          (s: N, k: number) => (s.n < 0 ? { n: k } : undefined),
        ),
        Reset: (s: N) => (s.n === 0 || s.n === 1 ? { n: -1 } : undefined),
      },
      properties: { small: invariant((s: N) => s.n < 100) },
    });
  }

  it("keeps a row per value for up to 16 values, and drops them past that", () => {
    const sixteen = checkSpec(picks(16), { coverage: true }).coverage!;
    expect(sixteen).toHaveLength(2);
    // An action without values has no per-value rows.
    expect(sixteen[1]).toStrictEqual({ action: "Reset", enabled: 2, distinct: 0 });
    expect([sixteen[0]!.action, sixteen[0]!.enabled, sixteen[0]!.distinct, sixteen[0]!.values?.length]).toEqual([
      "Pick",
      16,
      16,
      16,
    ]);
    expect(sixteen[0]!.values![15]).toEqual({ action: "Pick(15)", enabled: 1, distinct: 1 });
    const seventeen = checkSpec(picks(17), { coverage: true }).coverage!;
    expect(seventeen).toStrictEqual([
      { action: "Pick", enabled: 17, distinct: 17 },
      { action: "Reset", enabled: 2, distinct: 0 },
    ]);
  });
});

describe("Properties and Successors (the walks' helpers)", () => {
  const spec = defineSpec({
    name: "finals",
    description: "two final properties",
    init: (): N[] => [{ n: 0 }],
    actions: { Inc: (s) => (s.n < 2 ? { n: s.n + 1 } : undefined) },
    properties: {
      positive: atTermination((s: N) => s.n > 0),
      even: atTermination((s: N) => s.n % 2 === 0),
    },
  });
  const model = spec.instantiate();

  it("violatedFinal names the first final property that fails, none when all hold", () => {
    const properties = new Properties(model);
    expect(properties.violatedFinal({ n: 2 })).toBeUndefined();
    expect(properties.violatedFinal({ n: 1 })?.name).toBe("even");
    expect(properties.violatedFinal({ n: 0 })?.name).toBe("positive");
  });

  it("Successors lists a state's successors and forgets them on clear", () => {
    const successors = new Successors(model, { labels: true });
    const fp = { hi: 0, lo: 0 };
    model.fingerprint({ n: 0 }, fp);
    expect(successors.expand({ n: 0 }, fp.hi, fp.lo)).toBe(1);
    expect([successors.states, successors.labels, successors.generated]).toEqual([[{ n: 1 }], ["Inc"], 1]);
    successors.clear();
    expect(successors.states).toEqual([]);
  });
});
