import { describe, expect, it } from "vitest";
import {
  alwaysEventually,
  asymmetric,
  atTermination,
  choose,
  defineProtocol,
  defineSpec,
  eventually,
  int,
  invariant,
  isLiveness,
  leadsTo,
  onEveryStep,
  onlyProperty,
  sometimes,
  SpecDefinitionError,
  UnknownChoiceError,
  type Model,
} from "../../src/index.js";
import { actionOfLabel, deriveModel, selectProperties } from "../../src/spec.js";
import { checkSpec } from "../../checker/index.js";
import { twoPhaseCommit } from "../../specs/two-phase-commit.js";

interface Counter {
  readonly n: number;
}

const counter = defineSpec({
  name: "counter",
  description: "counts up to a bound, can stay or reset",
  params: { max: int(3) },
  init: () => [{ n: 0 }],
  actions: {
    Inc: (s: Counter) => ({ n: s.n + 1 }),
    Stay: (s: Counter) => s,
    Reset: choose(
      (_s: Counter) => [0, 1],
      (_s, to: number) => ({ n: to }),
    ),
  },
  constraint: (s, p) => s.n <= p.max,
  properties: {
    nonNegative: invariant((s: Counter) => s.n >= 0),
    belowFour: invariant((s: Counter, p: { max: number }) => s.n <= p.max + 1),
    neverDecreases: onEveryStep((a: Counter, b: Counter) => b.n >= a.n),
  },
  variants: {
    "bound-two": {
      description: "a smaller bound",
      violates: "belowFour",
      params: { max: 2 },
      actions: { Inc: (s: Counter) => ({ n: s.n + 2 }) },
    },
  },
});

/** The message of what `run` throws. */
function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("nothing was thrown");
}

function tlcDef() {
  return {
    name: "tlc-constraint",
    description: "",
    init: () => [{ x: 0 }],
    actions: { Next: (s: { x: number }) => ({ x: s.x + 1 }) },
    constraint: (s: { x: number }) => s.x <= 2,
  };
}

describe("defineSpec and the checker", () => {
  it("checks states outside the constraint but neither counts nor expands them (TLC's rule), and counts self-loops as generated", () => {
    const only = defineSpec({
      name: "inc",
      description: "",
      params: { max: int(3) },
      init: () => [{ n: 0 }],
      actions: { Inc: (s: Counter) => ({ n: s.n + 1 }), Stay: (s: Counter) => s },
      constraint: (s, p) => s.n <= p.max,
      properties: {},
    });
    const r = checkSpec(only);
    // n = 0..3 stored and expanded, each with Inc and a Stay self-loop: 1 + 4 * 2 generated; n = 4 is generated only.
    expect([r.result, r.distinctStates, r.generatedStates, r.maxDepth]).toEqual(["ok", 4, 9, 3]);
    expect(checkSpec(only, { params: { max: 10 } }).distinctStates).toBe(11);
  });

  it("matches TLC on Init x=0, Next x'=x+1, CONSTRAINT x<=2: 3 distinct, 4 generated", () => {
    const tlc = defineSpec({
      name: "tlc-constraint",
      description: "",
      init: () => [{ x: 0 }],
      actions: { Next: (s: { x: number }) => ({ x: s.x + 1 }) },
      constraint: (s) => s.x <= 2,
      properties: { belowFour: invariant((s: { x: number }) => s.x < 4) },
    });
    const r = checkSpec(tlc);
    expect([r.result, r.distinctStates, r.generatedStates, r.maxDepth]).toEqual(["ok", 3, 4, 2]);
    // The state outside the constraint is still checked: an invariant it breaks is a violation, with the step to it.
    const strict = checkSpec(tlc, { properties: [] });
    expect(strict.distinctStates).toBe(3);
    const broken = defineSpec({ ...tlcDef(), properties: { belowThree: invariant((s: { x: number }) => s.x < 3) } });
    const v = checkSpec(broken);
    expect([v.result, v.property, v.trace?.length, v.distinctStates, v.generatedStates]).toEqual([
      "violation",
      "belowThree",
      4,
      3,
      4,
    ]);
  });

  it("finds the shortest violation of an action property", () => {
    const r = checkSpec(counter);
    expect(r.result).toBe("violation");
    expect(r.property).toBe("neverDecreases");
    expect(r.propertyKind).toBe("action");
    expect(r.trace?.map((s) => s.action)).toEqual([null, "Inc", "Reset(0)"]);
    expect(r.trace?.map((s) => (s.state as Counter).n)).toEqual([0, 1, 0]);
  });

  it("applies a variant's actions and bounds", () => {
    const r = checkSpec(counter, { variant: "bound-two" });
    expect(r.params).toEqual({ max: 2 });
    expect([r.result, r.property, r.trace?.length]).toEqual(["violation", "belowFour", 3]);
    expect(r.trace?.map((s) => (s.state as Counter).n)).toEqual([0, 2, 4]);
  });

  it("checks final properties and deadlock in states with no enabled action", () => {
    const base = {
      name: "stop",
      description: "",
      init: () => [{ n: 0 }],
      actions: { Inc: (s: Counter) => (s.n < 2 ? { n: s.n + 1 } : undefined) },
    };
    expect(
      checkSpec(defineSpec({ ...base, properties: { endsAtTwo: atTermination((s: Counter) => s.n === 2) } })).result,
    ).toBe("ok");
    const wrong = checkSpec(
      defineSpec({ ...base, properties: { endsAtThree: atTermination((s: Counter) => s.n === 3) } }),
    );
    expect([wrong.result, wrong.property, wrong.propertyKind, wrong.trace?.length]).toEqual([
      "violation",
      "endsAtThree",
      "final",
      3,
    ]);
    const deadlock = checkSpec(defineSpec({ ...base, deadlock: true, properties: {} }));
    expect([deadlock.result, deadlock.property, deadlock.trace?.length]).toEqual(["violation", "deadlockFree", 3]);
  });

  it("ends with incomplete at each limit", () => {
    const unbounded = defineSpec({
      name: "up",
      description: "",
      init: () => [{ n: 0 }],
      actions: { Inc: (s: Counter) => ({ n: s.n + 1 }) },
      properties: {},
    });
    const byStates = checkSpec(unbounded, { maxStates: 50 });
    expect([byStates.result, byStates.limit, byStates.distinctStates]).toEqual(["incomplete", "max-states", 50]);
    const byDepth = checkSpec(unbounded, { maxDepth: 7 });
    expect([byDepth.result, byDepth.limit, byDepth.distinctStates, byDepth.maxDepth]).toEqual([
      "incomplete",
      "max-depth",
      8,
      7,
    ]);
    const byTime = checkSpec(unbounded, { timeoutMs: 50 });
    expect([byTime.result, byTime.limit]).toEqual(["incomplete", "timeout"]);
  });

  it("explains bad definitions and bad choices", () => {
    expect(() =>
      defineSpec({
        name: "x",
        description: "",
        init: () => [{}],
        actions: {},
        properties: {},
        variants: { v: { description: "", violates: "nope" } },
      }),
    ).toThrow(new SpecDefinitionError('spec "x", variant "v": violates "nope", which is not a property; properties: '));
    // An action that is neither a function nor choose(...): a clear definition error, not an internal one.
    const shapeless = defineSpec({
      name: "shapeless",
      description: "",
      init: () => [{ n: 0 }],
      actions: { Inc: { choices: () => [1], apply: (s: { n: number }) => s } as never },
      properties: {},
    });
    expect(() => shapeless.instantiate({})).toThrow(
      new SpecDefinitionError(
        'spec "shapeless", action "Inc": an action is a function (state, params) => next state or undefined, or choose(choices, step); got an object',
      ),
    );
    expect(() => counter.instantiate({ variant: "fast" })).toThrow(
      new UnknownChoiceError('spec "counter" has no variant "fast"; variants: default, bound-two'),
    );
    const bad = defineSpec({
      name: "bad",
      description: "",
      init: () => [{ n: 0 }],
      actions: { Break: () => ({ n: new Date(0) }) as never },
      properties: {},
    });
    const r = checkSpec(bad);
    expect([r.result, r.error?.kind, r.error?.where, r.trace?.length]).toEqual(["error", "invalid", "Break", 1]);
    expect(r.error?.message).toContain("returned a state that is not plain data at state.n: instance of Date");
  });
});

describe("property constructors, labels and property selection", () => {
  const check = () => true;
  const then = () => false;

  it("each constructor makes its kind, with the description only when given", () => {
    expect([
      invariant(check),
      onEveryStep(check),
      atTermination(check),
      sometimes(check),
      eventually(check),
      alwaysEventually(check),
      leadsTo(check, then),
    ]).toStrictEqual([
      { kind: "invariant", check },
      { kind: "action", check },
      { kind: "final", check },
      { kind: "sometimes", check },
      { kind: "eventually", check },
      { kind: "alwaysEventually", check },
      { kind: "leadsTo", check, then },
    ]);
    expect([
      invariant(check, "d"),
      onEveryStep(check, "d"),
      atTermination(check, "d"),
      sometimes(check, "d"),
      eventually(check, "d"),
      alwaysEventually(check, "d"),
      leadsTo(check, then, "d"),
    ]).toStrictEqual([
      { kind: "invariant", check, description: "d" },
      { kind: "action", check, description: "d" },
      { kind: "final", check, description: "d" },
      { kind: "sometimes", check, description: "d" },
      { kind: "eventually", check, description: "d" },
      { kind: "alwaysEventually", check, description: "d" },
      { kind: "leadsTo", check, then, description: "d" },
    ]);
    expect(Object.keys(onEveryStep(check))).toEqual(["kind", "check"]);
  });

  it("actionOfLabel is the label up to its first parenthesis", () => {
    expect(["Inc", "Inc(1)", "Send(a(b))", "(x)", ""].map(actionOfLabel)).toEqual(["Inc", "Inc", "Send", "", ""]);
  });

  it("selectProperties keeps the properties named, deadlock only when named, and names what exists otherwise", () => {
    const model = counter.instantiate();
    expect(selectProperties(model, ["belowFour"]).properties.map((p) => p.name)).toEqual(["belowFour"]);
    expect(onlyProperty(model, "nonNegative").properties.map((p) => p.name)).toEqual(["nonNegative"]);
    expect(selectProperties(model, []).deadlock).toBe(false);
    expect(() => selectProperties(model, ["nope"])).toThrow(
      new UnknownChoiceError(
        'spec "counter" has no property "nope"; properties: nonNegative, belowFour, neverDecreases',
      ),
    );
    const withDeadlock = defineSpec({ ...tlcDef(), deadlock: true, properties: {} }).instantiate();
    expect(selectProperties(withDeadlock, ["deadlockFree"]).deadlock).toBe(true);
    expect(selectProperties(withDeadlock, []).deadlock).toBe(false);
    expect(() => selectProperties(defineSpec({ ...tlcDef(), properties: {} }).instantiate(), ["x"])).toThrow(
      'spec "tlc-constraint" has no property "x"; properties: (none)',
    );
  });

  it("a derived model forwards every member it does not override", () => {
    const model = counter.instantiate();
    const derived = deriveModel(model, { spec: "other" });
    expect([derived.spec, derived.variant, derived.params, derived.deadlock, derived.properties]).toEqual([
      "other",
      model.variant,
      model.params,
      model.deadlock,
      model.properties,
    ]);
    expect(derived.initStates()).toEqual(model.initStates());
    const fp1 = { hi: 0, lo: 0 };
    const fp2 = { hi: 0, lo: 0 };
    derived.fingerprint({ n: 2 }, fp1);
    model.fingerprint({ n: 2 }, fp2);
    expect(fp1).toEqual(fp2);
    expect([derived.withinConstraint({ n: 3 }), derived.withinConstraint({ n: 4 })]).toEqual([true, false]);
    const labels = (m: typeof model) => {
      const out: [unknown, string][] = [];
      m.successors({ n: 1 }, fp2, { labels: true, push: (next, _fp, label) => out.push([next, label]) });
      return out;
    };
    expect(labels(derived)).toEqual(labels(model));
    expect(labels(derived).map(([, label]) => label)).toEqual(["Inc", "Stay", "Reset(0)", "Reset(1)"]);
    expect(derived.actionNames).toEqual(["Inc", "Stay", "Reset"]);
    expect(derived.constrained).toBe(true);
  });

  it("a derived protocol model forwards its optional members too", () => {
    const model = twoPhaseCommit.instantiate({ params: { rms: 2 } });
    const derived = deriveModel(model, { spec: "other" });
    expect(derived.coverageKey!("rm1: receive Commit from tm")).toBe("rm: receive Commit");
    expect(derived.fairness!("tm: DecideCommit")).toBe(1);
    expect(derived.constrained).toBe(false);
    const init = derived.initStates()[0]!;
    expect(derived.adopt!(structuredClone(init))).toEqual(init);
    expect(() => derived.freeze!(init)).not.toThrow();
    derived.successors(init, { hi: 0, lo: 0 }, { labels: false, push: () => {} });
    expect(derived.activity!()).toBe(model.activity!());
    expect(derived.activity!().size).toBeGreaterThan(0);
  });

  it("init that throws or does not return an array is a spec error naming init", () => {
    const bad = (init: () => unknown) => () =>
      defineSpec({ ...tlcDef(), init: init as () => { x: number }[], properties: {} })
        .instantiate()
        .initStates();
    expect(bad(() => ({ x: 0 }))).toThrow(
      "init returned an object; init returns an array of initial states, e.g. () => [{ n: 0 }]",
    );
    expect(
      bad(() => {
        throw new Error("no init");
      }),
    ).toThrow("init threw: no init");
  });

  it("a choice whose values throw is a fault of that action", () => {
    const spec = defineSpec({
      ...tlcDef(),
      actions: {
        Pick: choose(
          (): number[] => {
            throw new Error("no values");
          },
          (s: { x: number }, v: number) => ({ x: s.x + v }),
        ),
      },
      properties: {},
    });
    const model = spec.instantiate();
    expect(() => model.successors({ x: 0 }, { hi: 0, lo: 0 }, { labels: true, push: () => undefined })).toThrow(
      "action Pick threw: no values",
    );
  });
});

describe("spec errors and user-code faults", () => {
  const labels = <S>(model: Model<S>, state: S) => {
    const out: string[] = [];
    model.successors(state, { hi: 0, lo: 0 }, { labels: true, push: (_n, _f, label) => out.push(label) });
    return out;
  };

  it("a choice's step that throws is a fault of the labelled choice; a label that throws falls back to String", () => {
    const spec = (label?: (v: number) => string) =>
      defineSpec({
        ...tlcDef(),
        actions: {
          Pick: choose(
            () => [1, 2],
            (s: { x: number }, v: number) => {
              if (v === 2) throw new Error("two");
              return { x: s.x + v };
            },
            label,
          ),
        },
        properties: {},
      }).instantiate();
    expect(() => labels(spec(), { x: 0 })).toThrow("action Pick(2) threw: two");
    expect(() =>
      labels(
        spec(() => {
          throw new Error("no label");
        }),
        { x: 0 },
      ),
    ).toThrow("action Pick(2) threw: two");
    expect(() =>
      labels(
        spec((v) => `v${v}`),
        { x: 0 },
      ),
    ).toThrow("action Pick(v2) threw: two");
    const objects = defineSpec({
      ...tlcDef(),
      actions: {
        Put: choose(
          () => [{ k: 1 }],
          (s: { x: number }) => s,
        ),
      },
      properties: {},
    }).instantiate();
    expect(labels(objects, { x: 0 })).toEqual(['Put({"k":1})']);
  });

  it("a definition that cannot work says why", () => {
    expect(() => defineSpec({ ...tlcDef(), properties: {}, variants: { default: { description: "" } } })).toThrow(
      new SpecDefinitionError('spec "tlc-constraint": a variant may not be named "default"'),
    );
    expect(() =>
      defineSpec({
        ...tlcDef(),
        properties: { p: invariant(() => true) },
        variants: { v: { description: "", violates: "q" } },
      }),
    ).toThrow(
      new SpecDefinitionError(
        'spec "tlc-constraint", variant "v": violates "q", which is not a property; properties: p',
      ),
    );
    expect(() => defineSpec({ ...tlcDef(), properties: {}, actions: { Bad: 3 as never } }).instantiate()).toThrow(
      'spec "tlc-constraint", action "Bad": an action is a function (state, params) => next state or undefined, or choose(choices, step); got number 3',
    );
    expect(() =>
      defineSpec({ ...tlcDef(), properties: { l: { kind: "leadsTo", check: () => true } as never } }).instantiate(),
    ).toThrow(new SpecDefinitionError('property "l": leadsTo needs two predicates, leadsTo(p, q)'));
  });

  it("a definition missing a required field (JavaScript, or a cast) names the field, not a TypeError", () => {
    const without = (field: string, value?: unknown) => () =>
      defineSpec({ ...tlcDef(), properties: {}, [field]: value } as never);
    expect(without("properties")).toThrow(
      new SpecDefinitionError(
        'spec "tlc-constraint": properties must be an object of properties (properties: {} for none); got undefined',
      ),
    );
    expect(without("actions", [])).toThrow(
      new SpecDefinitionError(
        'spec "tlc-constraint": actions must be an object of actions (actions: {} for none); got an array',
      ),
    );
    expect(without("init", null)).toThrow(
      new SpecDefinitionError('spec "tlc-constraint": init must be a function returning the initial states; got null'),
    );
    for (const name of [undefined, "", 7])
      expect(without("name", name)).toThrow(
        new SpecDefinitionError(
          `a spec needs a name (a non-empty string); got ${name === undefined ? "undefined" : name === "" ? "an empty string" : "number 7"}`,
        ),
      );
    expect(() =>
      defineProtocol({ name: "p", description: "no roles", network: "reliable", properties: {} } as never),
    ).toThrow(
      new SpecDefinitionError('spec "p": roles must be an object of roles, each { init, on... }; got undefined'),
    );
  });

  it("a predicate must return a boolean, and the message describes what it returned", () => {
    const returned: [unknown, string][] = [
      [undefined, "returned undefined, not a boolean (a missing return?)"],
      [null, "returned null, not a boolean"],
      [[], "returned an array, not a boolean"],
      [{}, "returned an object, not a boolean"],
      [() => 1, "returned a function, not a boolean"],
      [1, "returned number 1, not a boolean"],
      ["yes", "returned string yes, not a boolean"],
      ["", "returned an empty string, not a boolean"],
      [2n, "returned bigint 2, not a boolean"],
    ];
    for (const [value, message] of returned) {
      const model = defineSpec({
        ...tlcDef(),
        properties: { p: invariant(() => value as boolean), s: onEveryStep(() => value as boolean) },
      }).instantiate();
      expect(messageOf(() => (model.properties[0]!.check as (s: unknown) => boolean)({ x: 0 }))).toBe(
        `property "p" ${message}`,
      );
      expect(
        messageOf(() => (model.properties[1]!.check as (a: unknown, b: unknown) => boolean)({ x: 0 }, { x: 1 })),
      ).toBe(`property "s" ${message}`);
    }
    const constrained = defineSpec({
      ...tlcDef(),
      constraint: () => 0 as unknown as boolean,
      properties: {},
    }).instantiate();
    expect(() => constrained.withinConstraint({ x: 0 })).toThrow("constraint returned number 0, not a boolean");
  });

  it("an action returning null or what is not plain data is an invalid result", () => {
    const model = defineSpec({ ...tlcDef(), properties: {} }).instantiate();
    expect(() => model.fingerprint(null as never, { hi: 0, lo: 0 })).toThrow(
      "init returned null; return undefined when the action is not enabled",
    );
    expect(() => model.fingerprint({ x: new Map() } as never, { hi: 0, lo: 0 })).toThrow(
      "init returned a state that is not plain data at state.x: instance of Map",
    );
  });
});

describe("defineSpec: what a spec lists and what its model does", () => {
  const step = (n: number) => ({ n });

  it("isLiveness is true for the three liveness kinds only", () => {
    const kinds = ["eventually", "alwaysEventually", "leadsTo", "invariant", "action", "final", "sometimes", "error"];
    expect(kinds.filter((k) => isLiveness(k as never))).toEqual(["eventually", "alwaysEventually", "leadsTo"]);
  });

  it("lists properties with their description and asymmetry, deadlock last, and the variants", () => {
    const spec = defineSpec({
      name: "listed",
      description: "the default",
      init: () => [{ n: 0 }],
      actions: { Inc: (s: Counter) => (s.n < 1 ? step(s.n + 1) : undefined) },
      deadlock: true,
      sets: ["tags"],
      properties: {
        plain: invariant(() => true),
        told: invariant(() => true, "what it says"),
        mine: asymmetric(invariant(() => true)),
      },
      variants: { other: { description: "another", violates: "plain" } },
    });
    expect(spec.properties).toStrictEqual([
      { name: "plain", kind: "invariant" },
      { name: "told", kind: "invariant", description: "what it says" },
      { name: "mine", kind: "invariant", symmetric: false },
      { name: "deadlockFree", kind: "final", description: "some action is enabled in every reachable state" },
    ]);
    expect(spec.variants).toStrictEqual([
      { name: "default", description: "the default" },
      { name: "other", description: "another", violates: "plain" },
    ]);
    expect(spec.sets).toEqual(["tags"]);
    expect("sets" in counter).toBe(false);
    expect(counter.properties.map((p) => p.name)).toEqual(["nonNegative", "belowFour", "neverDecreases"]);
    const model = spec.instantiate();
    expect([model.deadlock, counter.instantiate().deadlock]).toEqual([true, false]);
  });

  it("refuses a variant that violates a property the spec does not have", () => {
    expect(() =>
      defineSpec({
        ...tlcDef(),
        properties: { p: invariant(() => true), q: invariant(() => true) },
        variants: { v: { description: "", violates: "r" } },
      }),
    ).toThrow('spec "tlc-constraint", variant "v": violates "r", which is not a property; properties: p, q');
  });

  it("labels a choice by its value, a string as it is and anything else as JSON", () => {
    const spec = defineSpec({
      name: "labels",
      description: "",
      init: () => [{ n: 0 }],
      actions: {
        Pick: choose(
          (_s: Counter) => ["a", 1, { x: 1 }] as unknown[],
          (_s, v) => ({ n: typeof v === "number" ? v : 0 }),
        ),
        Off: undefined as never,
      },
      properties: {},
    });
    const model = spec.instantiate();
    const labels: string[] = [];
    model.successors({ n: 0 }, { hi: 0, lo: 0 }, { labels: true, push: (_n, _f, l) => labels.push(l) });
    expect(labels).toEqual(["Pick(a)", "Pick(1)", 'Pick({"x":1})']);
    // An action given as undefined is no action (a variant may remove one this way).
    expect(model.actionNames).toEqual(["Pick"]);
    expect(Object.fromEntries(model.activity!())).toEqual({ "action Pick": { tried: 1, enabled: 3 } });
  });

  it("takes fairness from the variant when it declares one, else from the spec, and none without", () => {
    const spec = defineSpec({
      ...tlcDef(),
      fairness: { weak: ["Next"] },
      properties: {},
      variants: { strong: { description: "", fairness: { strong: ["Next"] } }, plain: { description: "" } },
    });
    expect(spec.instantiate().fairness!("Next")).toBe(1);
    expect(spec.instantiate({ variant: "strong" }).fairness!("Next")).toBe(2);
    expect(spec.instantiate({ variant: "plain" }).fairness!("Next")).toBe(1);
    expect(defineSpec({ ...tlcDef(), properties: {} }).instantiate().fairness).toBeUndefined();
  });

  it("without a constraint every state is within it", () => {
    const { constraint: _, ...unconstrained } = tlcDef();
    const model = defineSpec({ ...unconstrained, properties: {} }).instantiate();
    expect(model.constrained).toBe(false);
    expect(model.withinConstraint({ x: 99 })).toBe(true);
    expect(defineSpec({ ...tlcDef(), properties: {} }).instantiate().constrained).toBe(true);
  });

  it("a property that throws is a fault naming it and the state", () => {
    const model = defineSpec({
      ...tlcDef(),
      properties: {
        p: invariant((s: { x: number }) => {
          if (s.x > 0) throw new Error("too far");
          return true;
        }),
      },
    }).instantiate();
    expect((model.properties[0]!.check as (s: unknown) => boolean)({ x: 0 })).toBe(true);
    expect(messageOf(() => (model.properties[0]!.check as (s: unknown) => boolean)({ x: 1 }))).toMatch(
      /^property "p" threw: too far/,
    );
  });

  it("leadsTo without its second predicate is a definition error", () => {
    const broken = { kind: "leadsTo", check: () => true } as never;
    expect(() => defineSpec({ ...tlcDef(), properties: { p: broken } }).instantiate()).toThrow(
      'property "p": leadsTo needs two predicates, leadsTo(p, q)',
    );
  });
});
