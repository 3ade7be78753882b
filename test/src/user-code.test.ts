/**
 * Guarding the checker against the user's code (src/user-code.ts), on
 * hand-made errors and calls: how a fault is classified, located and
 * described, freezing, and the nondeterminism traps. The checker tests run
 * the same paths through whole specs.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  deepFreeze,
  describeFault,
  faultOf,
  inUserCode,
  invalidFault,
  isFinding,
  NO_REDUCER_THROWS,
  trapNondeterminism,
  UserCodeError,
  userCode,
  type UserFault,
} from "../../src/user-code.js";

/** An error whose stack names the given frames (innermost first). */
function errorAt(message: string, ...frames: string[]): Error {
  const error = new Error(message);
  error.stack = [`Error: ${message}`, ...frames.map((f) => `    at ${f}`)].join("\n");
  return error;
}

describe("describeFault", () => {
  const base = { site: "action", where: "Inc(1)", message: "boom" } as const;
  it("names the site once, the kind's sentence and the location", () => {
    expect(describeFault({ ...base, kind: "threw" })).toBe("action Inc(1) threw: boom");
    expect(describeFault({ ...base, kind: "threw", location: "/u/spec.ts:3:5" })).toBe(
      "action Inc(1) threw: boom (/u/spec.ts:3:5)",
    );
    expect(describeFault({ ...base, kind: "threw", site: "init", where: "init" })).toBe("init threw: boom");
    expect(describeFault({ ...base, kind: "threw", site: "init", where: 'init of node "n1"' })).toBe(
      'init of node "n1" threw: boom',
    );
    expect(describeFault({ ...base, kind: "threw", site: "property", where: '"safe"' })).toBe(
      'property "safe" threw: boom',
    );
    expect(describeFault({ ...base, kind: "threw", where: "actionable" })).toBe("action actionable threw: boom");
    expect(describeFault({ ...base, kind: "mutation", path: "state.x[1]" })).toBe(
      "action Inc(1) changed its input in place at state.x[1]: reducers and properties must return new objects (spread, or immer's produce)",
    );
    expect(describeFault({ ...base, kind: "mutation", location: "f.ts:1:2" })).toBe(
      "action Inc(1) changed its input in place at an unknown field (f.ts:1:2): reducers and properties must return new objects (spread, or immer's produce)",
    );
    expect(describeFault({ ...base, kind: "nondeterminism" })).toBe("action Inc(1) is not deterministic: boom");
    expect(describeFault({ ...base, kind: "invalid", message: "returned null" })).toBe("action Inc(1) returned null");
    expect(describeFault({ ...base, kind: "invalid", message: "not a state" })).toBe("action Inc(1): not a state");
    expect(describeFault({ ...base, kind: "invalid", message: "x", location: "l:1:1" })).toBe(
      "action Inc(1): x (l:1:1)",
    );
  });

  it("a finding is a throwing action; anything else is a spec error", () => {
    expect(NO_REDUCER_THROWS).toBe("noReducerThrows");
    const kinds = ["threw", "mutation", "nondeterminism", "invalid"] as const;
    const sites = ["action", "property", "init", "constraint"] as const;
    const findings = kinds.flatMap((kind) =>
      sites.filter((site) => isFinding({ kind, site, where: "w", message: "m" })).map((site) => `${kind} ${site}`),
    );
    expect(findings).toEqual(["threw action"]);
  });

  it("UserCodeError carries the fault, says it, and is recognised by name", () => {
    const fault: UserFault = invalidFault("init", "init", "returned 3");
    expect(fault).toEqual({ kind: "invalid", site: "init", where: "init", message: "returned 3" });
    const error = new UserCodeError(fault);
    expect([error.name, error.message, error.fault]).toEqual(["UserCodeError", "init returned 3", fault]);
    expect(error instanceof UserCodeError).toBe(true);
    const lookalike = Object.assign(new Error("x"), { name: "UserCodeError" });
    expect(lookalike instanceof UserCodeError).toBe(true);
    expect(new Error("x") instanceof UserCodeError).toBe(false);
  });
});

describe("deepFreeze", () => {
  it("freezes every object and array below, and leaves primitives and frozen parts alone", () => {
    const shared = Object.freeze({ inner: { n: 1 } });
    const state = { a: [{ b: 1 }, 2, null], c: { d: { e: [] as number[] } }, s: shared };
    deepFreeze(state);
    expect([state, state.a, state.a[0], state.c, state.c.d, state.c.d.e].every((o) => Object.isFrozen(o))).toBe(true);
    expect(Object.isFrozen(shared.inner)).toBe(false);
    expect(() => deepFreeze(3)).not.toThrow();
    expect(() => deepFreeze(null)).not.toThrow();
    const arr = [[{ x: 1 }]];
    deepFreeze(arr);
    expect(Object.isFrozen(arr[0]![0])).toBe(true);
    const frozenTop = Object.freeze({ child: { y: 1 } });
    deepFreeze(frozenTop);
    expect(Object.isFrozen(frozenTop.child)).toBe(false);
  });
});

describe("faultOf", () => {
  /** Runs `reducer` on a frozen state, as the checker does, and classifies what it throws. */
  function faultOfCall(state: unknown, reducer: (s: never) => unknown, where = "Step"): UserFault {
    deepFreeze(state);
    try {
      reducer(state as never);
    } catch (error) {
      return faultOf("action", where, error, [{ name: "state", value: state }], (s) => reducer(s as never));
    }
    throw new Error("the reducer did not throw");
  }

  it("locates an in-place change at the first changed field", () => {
    const cases: [unknown, (s: never) => unknown, string][] = [
      [{ x: 1 }, (s: { x: number }) => (s.x = 2), "state.x"],
      [{ log: [1, 2] }, (s: { log: number[] }) => s.log.push(3), "state.log.length"],
      [{ log: [1, 2] }, (s: { log: number[] }) => (s.log[1] = 5), "state.log[1]"],
      [{ m: { "a-b": 1 } }, (s: { m: Record<string, number> }) => (s.m["a-b"] = 2), 'state.m["a-b"]'],
      [{ m: {} }, (s: { m: Record<string, number> }) => (s.m["k"] = 1), "state.m.k"],
      [{ m: { k: 1 } }, (s: { m: Record<string, number> }) => delete s.m["k"], "state.m.k"],
      [{ v: [1] }, (s: { v: unknown }) => (s.v = { 0: 1 }), "state.v"],
      [{ v: null }, (s: { v: unknown }) => (s.v = {}), "state.v"],
      [{ n: Number.NaN, v: 1 }, (s: { v: number }) => (s.v = 2), "state.v"],
      [{ n: Number.NaN }, (s: { n: number }) => (s.n = 1), "state.n"],
      [{ v: 1 }, (s: { v: unknown }) => (s.v = {}), "state.v"],
      [{ v: {} }, (s: { v: unknown }) => (s.v = 1), "state.v"],
    ];
    for (const [state, reducer, path] of cases) {
      const fault = faultOfCall(state, reducer);
      expect([fault.kind, fault.site, fault.where, fault.message, fault.path]).toEqual([
        "mutation",
        "action",
        "Step",
        "changed its input in place",
        path,
      ]);
    }
  });

  it("a write of the same value is a write to the input; a throw that is not a write is kept", () => {
    const same = faultOfCall({ x: 1 }, (s: { x: number }) => (s.x = 1));
    expect([same.kind, same.message, same.path]).toEqual(["mutation", "wrote to its input", "state"]);
    const noInputs = faultOf(
      "property",
      '"p"',
      new TypeError("Cannot assign to read only property 'x' of object"),
      [],
      () => 1,
    );
    expect([noInputs.kind, noInputs.path]).toEqual(["mutation", "state"]);
    const threw = faultOf(
      "action",
      "Step",
      new TypeError("Cannot add property y, object is not extensible"),
      [{ name: "state", value: { x: 1 } }],
      () => {
        throw new Error("again");
      },
    );
    expect([threw.kind, threw.message]).toEqual(["threw", "Cannot add property y, object is not extensible"]);
    const other = faultOf(
      "action",
      "Step",
      new TypeError("x is not a function"),
      [{ name: "state", value: {} }],
      () => {
        throw new Error("never called");
      },
    );
    expect([other.kind, other.message]).toEqual(["threw", "x is not a function"]);
  });

  it("reads every frozen-write message V8 gives as a write", () => {
    const messages = [
      "Cannot assign to read only property 'x' of object '#<Object>'",
      "Cannot add property 0, object is not extensible",
      "Cannot delete property 'k' of #<Object>",
      "Cannot define property x, object is not extensible",
      "Cannot redefine property: x",
    ];
    const kinds = messages.map(
      (m) => faultOf("action", "S", new TypeError(m), [{ name: "state", value: {} }], () => 1).kind,
    );
    expect(kinds).toEqual(["mutation", "mutation", "mutation", "mutation", "mutation"]);
    expect(faultOf("action", "S", new Error(messages[0]), [{ name: "state", value: {} }], () => 1).kind).toBe("threw");
  });

  it("names the first input that changed", () => {
    const a = { n: 1 };
    const b = { n: 1 };
    const fault = faultOf(
      "property",
      '"p"',
      new TypeError("Cannot assign to read only property 'n' of object"),
      [
        { name: "state", value: a },
        { name: "next", value: b },
      ],
      (_x, y) => ((y as { n: number }).n = 2),
    );
    expect([fault.kind, fault.site, fault.path]).toEqual(["mutation", "property", "next.n"]);
  });

  it("spec and plain-data errors are invalid results; other throws keep their first line and the user's location", () => {
    const spec = Object.assign(new Error("bad choice"), { name: "SpecRuntimeError" });
    expect(faultOf("init", "init", spec, [], () => 1)).toMatchObject({ kind: "invalid", message: "bad choice" });
    const plain = Object.assign(new Error("not plain"), { name: "NotPlainDataError" });
    expect(faultOf("action", "S", plain, [], () => 1)).toMatchObject({ kind: "invalid", site: "action" });
    const error = errorAt(
      "first line\nsecond line",
      "node:internal/x:1:1",
      "f (/app/node_modules/lib/index.js:2:3)",
      "anonymous",
      "g (file:///home/u/my%20spec.ts:10:7)",
      "h (/home/u/other.ts:1:1)",
    );
    const fault = faultOf("action", "S", error, [], () => 1);
    expect([fault.kind, fault.message, fault.location, fault.stack]).toEqual([
      "threw",
      "first line",
      "/home/u/my spec.ts:10:7",
      error.stack,
    ]);
    expect(faultOf("action", "S", errorAt("m", "f (/home/u/a.ts:4:2)"), [], () => 1).location).toBe("/home/u/a.ts:4:2");
    expect(faultOf("action", "S", errorAt("m", "f (relative.ts:4:2)"), [], () => 1).location).toBeUndefined();
    expect(faultOf("action", "S", errorAt("m", "/home/u/b.ts:12:34"), [], () => 1).location).toBe("/home/u/b.ts:12:34");
    const noStack = new Error("m");
    noStack.stack = "";
    expect(faultOf("action", "S", noStack, [], () => 1)).toEqual({
      kind: "threw",
      site: "action",
      where: "S",
      message: "m",
      stack: "",
    });
  });

  it("a frame in this package is the checker's, not the user's", () => {
    const own = new URL("../../src/spec.ts", import.meta.url).pathname;
    const user = "/home/u/spec.ts";
    const fault = faultOf("action", "S", errorAt("m", `f (${own}:1:1)`, `g (${user}:2:2)`), [], () => 1);
    expect(fault.location).toBe(`${user}:2:2`);
  });

  it("a thrown value that is not an Error is described", () => {
    expect(faultOf("action", "S", { code: 7 }, [], () => 1)).toEqual({
      kind: "threw",
      site: "action",
      where: "S",
      message: 'non-Error value thrown: {"code":7}',
    });
    expect(faultOf("action", "S", 10n, [], () => 1).message).toBe("non-Error value thrown: 10");
    const fault = new UserCodeError(invalidFault("init", "init", "returned 3"));
    expect(faultOf("action", "S", fault, [], () => 1)).toBe(fault.fault);
  });
});

describe("nondeterminism traps", () => {
  let release: (() => void) | undefined;
  afterEach(() => release?.());

  it("throw inside the user's code only, and are gone once released", () => {
    const realRandom = Math.random;
    const realUUID = crypto.randomUUID;
    const realValues = crypto.getRandomValues;
    const RealDate = Date;
    release = trapNondeterminism();
    expect(Math.random).not.toBe(realRandom);
    const calls: [string, () => unknown][] = [
      ["Math.random()", () => Math.random()],
      ["Date.now()", () => Date.now()],
      ["new Date()", () => new Date()],
      ["Date()", () => (Date as unknown as () => string)()],
      ["crypto.randomUUID()", () => crypto.randomUUID()],
      ["crypto.getRandomValues()", () => crypto.getRandomValues(new Uint8Array(1))],
    ];
    for (const [what, call] of calls) {
      expect(call).not.toThrow();
      let caught: unknown;
      inUserCode(() => {
        try {
          call();
        } catch (error) {
          caught = error;
        }
      });
      const fault = faultOf("action", "S", caught, [], () => 1);
      expect([fault.kind, fault.message]).toEqual([
        "nondeterminism",
        `it called ${what}; time and randomness must enter as explicit inputs (an action's chosen value or a state field)`,
      ]);
    }
    expect(inUserCode(() => new Date(0).getTime())).toBe(0);
    expect(userCode.running).toBe(false);
    const inner = trapNondeterminism();
    inner();
    inner();
    expect(Math.random).not.toBe(realRandom);
    release();
    release = undefined;
    expect([Math.random, Date, crypto.randomUUID, crypto.getRandomValues]).toEqual([
      realRandom,
      RealDate,
      realUUID,
      realValues,
    ]);
  });

  it("inUserCode restores the flag after a throw and nests", () => {
    expect(() =>
      inUserCode(() => {
        expect(inUserCode(() => userCode.running)).toBe(true);
        throw new Error("x");
      }),
    ).toThrow("x");
    expect(userCode.running).toBe(false);
  });
});
