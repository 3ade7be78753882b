/**
 * The explorer's session on small models written for it: every property kind
 * in and out of final states, fault successors, paths the model does not have,
 * labels given with message fields in another order, and saved traces that
 * take the second of two actions to the same state.
 */
import { describe, expect, it } from "vitest";
import { ExplorerSession, PathError } from "../../../checker/explorer/session.js";
import { defineSpec, invariant, type Fingerprint, type Model, type ModelProperty } from "../../../src/index.js";

interface Box {
  readonly n: number;
}

/**
 * 0 -A-> 1, 0 -B-> 1, 0 -lose (fault)-> 2; 1 -reset (fault)-> 0; 1 -Send{...}-> 3; 2 and 3 have no successor.
 * State 1's only non-fault step is Send, so it is not final; state 2 is.
 */
function boxModel(options: { readonly properties?: readonly ModelProperty<Box>[]; readonly deadlock?: boolean } = {}) {
  const model: Model<Box> = {
    spec: "box",
    variant: "default",
    params: {},
    properties: options.properties ?? [],
    deadlock: options.deadlock ?? false,
    initStates: () => [{ n: 0 }],
    fingerprint: (s: Box, out: Fingerprint) => {
      out.hi = 0;
      out.lo = s.n;
    },
    successors: (s, fp, sink) => {
      if (s.n === 0) {
        sink.push({ n: 1 }, fp, "A");
        sink.push({ n: 1 }, fp, "B");
        sink.push({ n: 2 }, fp, "lose", true);
      } else if (s.n === 1) {
        sink.push({ n: 0 }, fp, "reset", true);
        sink.push({ n: 3 }, fp, 'Send{"a":1,"b":2}');
      }
    },
    withinConstraint: () => true,
  };
  return model;
}

/** One property of each kind on the box: which states it holds, is violated, reached or does not apply in. */
const kinds = (): ModelProperty<Box>[] => [
  { name: "grows", kind: "action", check: (prev, next) => next.n >= prev.n },
  { name: "endsAtTwo", kind: "final", check: (s) => s.n === 2 },
  { name: "reachesThree", kind: "alwaysEventually", check: (s) => s.n === 3 },
  { name: "zeroLeadsToOne", kind: "leadsTo", check: (s) => s.n === 0, then: (s) => s.n === 1 },
];

const statuses = (session: ExplorerSession<Box>, path: (number | string)[]) =>
  session.view(path).properties.map((p) => `${p.name}: ${p.status}`);

describe("ExplorerSession on a hand-written model", () => {
  it("evaluates action, final, alwaysEventually and leadsTo properties where each applies", () => {
    const session = new ExplorerSession(boxModel({ properties: kinds(), deadlock: true }));
    expect(statuses(session, [0])).toEqual([
      "grows: n/a",
      "endsAtTwo: n/a",
      "reachesThree: not-here",
      "zeroLeadsToOne: not-here",
      "deadlockFree: holds",
    ]);
    expect(statuses(session, [0, 1])).toEqual([
      "grows: holds",
      "endsAtTwo: n/a",
      "reachesThree: not-here",
      "zeroLeadsToOne: reached",
      "deadlockFree: holds",
    ]);
    expect(statuses(session, [0, 0, 0])).toEqual([
      "grows: violated",
      "endsAtTwo: n/a",
      "reachesThree: not-here",
      "zeroLeadsToOne: not-here",
      "deadlockFree: holds",
    ]);
    expect(statuses(session, [0, 2])).toEqual([
      "grows: holds",
      "endsAtTwo: holds",
      "reachesThree: not-here",
      "zeroLeadsToOne: n/a",
      "deadlockFree: violated",
    ]);
    expect(statuses(session, [0, 0, 1])).toEqual([
      "grows: holds",
      "endsAtTwo: violated",
      "reachesThree: reached",
      "zeroLeadsToOne: n/a",
      "deadlockFree: violated",
    ]);
    expect(session.view([0, 0, 1]).properties[0]).toEqual({ name: "grows", kind: "action", status: "holds" });
  });

  it("marks fault successors, and calls a state final whose only successors are faults", () => {
    const session = new ExplorerSession(boxModel());
    const start = session.view([0]);
    expect(start.enabled).toEqual([
      { ordinal: 0, label: "A", fault: false },
      { ordinal: 1, label: "B", fault: false },
      { ordinal: 2, label: "lose", fault: true },
    ]);
    expect(start.final).toBe(false);
    expect(session.view([0, 2]).final).toBe(true);
    const faultsOnly = new ExplorerSession({
      ...boxModel(),
      successors: (s, fp, sink) => {
        if (s.n === 0) sink.push({ n: 1 }, fp, "lose", true);
      },
    });
    expect(faultsOnly.view([0]).final).toBe(true);
    expect(faultsOnly.view([0]).enabled).toEqual([{ ordinal: 0, label: "lose", fault: true }]);
  });

  it("records each step's action, none for the initial state", () => {
    const view = new ExplorerSession(boxModel()).view([0, "B", 0]);
    expect(view.path).toEqual([0, 1, 0]);
    expect(view.steps).toEqual([
      { action: null, state: { n: 0 } },
      { action: "B", state: { n: 1 } },
      { action: "reset", state: { n: 0 } },
    ]);
    expect(view.changes).toEqual(["n: 1 → 0"]);
  });

  it("finds a label given with its message fields in another order", () => {
    const session = new ExplorerSession(boxModel());
    expect(session.view([0, "A", 'Send{"b":2,"a":1}']).path).toEqual([0, 0, 1]);
    expect(session.view([0, "A", 'Send{"a":1,"b":2}']).path).toEqual([0, 0, 1]);
  });

  it("refuses an initial state that is not a whole number in range", () => {
    const session = new ExplorerSession(boxModel());
    expect(() => session.view(["x"])).toThrow(new PathError('there is no initial state "x"; the spec has 1 (0..0)'));
    expect(() => session.view([-1])).toThrow(new PathError("there is no initial state -1; the spec has 1 (0..0)"));
    expect(() => session.view([0.5])).toThrow(new PathError("there is no initial state 0.5; the spec has 1 (0..0)"));
  });

  it("says one action is enabled where one is", () => {
    const session = new ExplorerSession({
      ...boxModel(),
      successors: (s, fp, sink) => {
        if (s.n === 0) sink.push({ n: 1 }, fp, "A");
      },
    });
    expect(() => session.view([0, 3])).toThrow(
      new PathError("step 1: action #3 is not enabled; 1 action is enabled there"),
    );
  });

  it("lets an error that is not the spec's fault through as it is", () => {
    const session = new ExplorerSession({
      ...boxModel(),
      successors: () => {
        throw new RangeError("the model itself is broken");
      },
    });
    expect(() => session.view([0])).toThrow(new RangeError("the model itself is broken"));
    expect(() => session.view([0])).not.toThrow(PathError);
  });

  it("names its errors PathError", () => {
    expect(new PathError("x").name).toBe("PathError");
  });
});

describe("ExplorerSession with a spec whose code throws", () => {
  it("turns the spec's fault into a PathError", () => {
    const spec = defineSpec({
      name: "thrower",
      description: "an action that throws from 1",
      init: () => [{ n: 0 }],
      actions: {
        Inc: (s: { n: number }) => {
          if (s.n === 1) throw new Error("no more");
          return { n: s.n + 1 };
        },
      },
      properties: { small: invariant((s: { n: number }) => s.n < 5) },
    });
    const session = new ExplorerSession(spec.instantiate());
    expect(session.view([0]).enabled).toEqual([{ ordinal: 0, label: "Inc", fault: false }]);
    expect(() => session.view([0, 0])).toThrow(new PathError("the spec's code failed: action Inc threw: no more"));
  });
});

describe("ExplorerSession.pathOfTrace", () => {
  it("takes the step whose label matches, not the first to the same state", () => {
    const session = new ExplorerSession(boxModel());
    const trace = [
      { action: null, state: { n: 0 } },
      { action: "B", state: { n: 1 } },
      { action: 'Send{"b":2,"a":1}', state: { n: 3 } },
    ];
    expect(session.pathOfTrace({ trace })).toEqual([0, 1, 1]);
  });

  it("refuses a trace whose replay fails in the spec's code", () => {
    const spec = defineSpec({
      name: "picky",
      description: "an invariant that throws at 1",
      init: () => [{ n: 0 }],
      actions: { Inc: (s: { n: number }) => (s.n < 3 ? { n: s.n + 1 } : undefined) },
      properties: {
        picky: invariant((s: { n: number }) => {
          if (s.n === 1) throw new Error("cannot look at 1");
          return true;
        }),
      },
    });
    const trace = [
      { action: null, state: { n: 0 } },
      { action: "Inc", state: { n: 1 } },
    ];
    expect(() => new ExplorerSession(spec.instantiate()).pathOfTrace({ trace })).toThrow(
      new PathError('ERROR: picky: at step 1: property "picky" threw: cannot look at 1'),
    );
  });

  it("diffs a diverging trace by the session's sets when the trace names none", () => {
    const spec = defineSpec({
      name: "bag",
      description: "adds a, then b",
      init: () => [{ items: [] as string[] }],
      actions: {
        AddA: (s: { items: string[] }) => (s.items.includes("a") ? undefined : { items: [...s.items, "a"] }),
        AddB: (s: { items: string[] }) => (s.items.includes("b") ? undefined : { items: [...s.items, "b"] }),
      },
      properties: { small: invariant((s: { items: string[] }) => s.items.length <= 2) },
      sets: ["items"],
    });
    const trace = [
      { action: null, state: { items: [] } },
      { action: "AddA", state: { items: ["a"] } },
      { action: "AddB", state: { items: ["c", "a"] } },
    ];
    const session = new ExplorerSession(spec.instantiate(), { sets: ["items"] });
    expect(() => session.pathOfTrace({ trace })).toThrow(
      new PathError(
        "DIVERGED: bag: step 2 (AddB) of the trace is not a step of the spec: the saved state is not the one the action leads to (spec → saved)\n" +
          '    items: - "b"\n' +
          '    items: + "c"',
      ),
    );
    // Without sets the same step diffs by array position.
    expect(() => new ExplorerSession(spec.instantiate()).pathOfTrace({ trace })).toThrow(
      /\n {4}items\[0\]: "a" → "c"\n {4}items\[1\]: "b" → "a"$/,
    );
  });
});
