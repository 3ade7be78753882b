import { deserialize, serialize } from "node:v8";
import { describe, expect, it } from "vitest";
import {
  become,
  defineProtocol,
  defineRole,
  record,
  send,
  setTimer,
  type Fingerprint,
  type Model,
  type ProtocolState,
} from "../../../src/index.js";
import type { AnyRole } from "../../../src/protocol/api.js";
import { inUserCode } from "../../../src/user-code.js";

type Go = { readonly type: "Go" };
type Ping = { readonly type: "Ping"; readonly n: number };

/** Node a sends one Ping to b on a choice and arms a timer; b counts what it receives. */
const a = defineRole<{ sent: boolean }, Go | { readonly type: "Tick" }, Ping, { readonly type: "Tick" }>({
  init: () => ({ sent: false }),
  choices: () => [{ type: "Go" }],
  reduce: (s, input) =>
    input.type === "Go" && !s.sent
      ? become({ sent: true }, send("b", { type: "Ping", n: 1 }), setTimer({ type: "Tick" as const }))
      : input.type === "Tick"
        ? become(s)
        : undefined,
});
const b = defineRole<{ got: number }, Ping>({
  init: () => ({ got: 0 }),
  reduce: (s, m) => become({ got: s.got + m.n }, record({ process: 0, type: "ok", f: "ping", value: m.n } as never)),
});

function model(roles: Record<string, AnyRole> = { a, b }, extra: object = {}) {
  return defineProtocol({
    name: "pair",
    description: "a pings b",
    network: "unordered",
    nodes: () => ({ a: ["a"], b: ["b"] }),
    roles: roles as { a: typeof a; b: typeof b },
    properties: {},
    ...extra,
  }).instantiate({});
}

interface Step {
  readonly label: string;
  readonly next: ProtocolState;
  readonly fp: string;
}

function steps(m: Model<ProtocolState>, state: ProtocolState, labels = true): Step[] {
  const fp: Fingerprint = { hi: 0, lo: 0 };
  m.fingerprint(state, fp);
  const out: Step[] = [];
  m.successors(state, fp, { labels, push: (next, f, label) => out.push({ label, next, fp: `${f.hi}:${f.lo}` }) });
  return out;
}

/** The states along the labels given, from the initial state. */
function walk(m: Model<ProtocolState>, ...labels: string[]): ProtocolState {
  let s = m.initStates()[0]!;
  for (const l of labels) s = steps(m, s).find((x) => x.label === l)!.next;
  return s;
}

describe("protocol model: coverage keys and activity", () => {
  it("groups labels by role and input type, and faults by their kind", () => {
    const m = model();
    expect(m.coverageKey!("a: Go")).toBe("a: Go");
    expect(m.coverageKey!("b: receive Ping{n:1} from a")).toBe("b: receive Ping");
    expect(m.coverageKey!("a: timer Tick")).toBe("a: timer Tick");
    expect(m.coverageKey!("a: timer Tick{x:1}")).toBe("a: timer Tick");
    expect(m.coverageKey!("lose Ping{n:1} a→b")).toBe("lose");
    expect(m.coverageKey!("crash a")).toBe("crash");
    expect(m.coverageKey!("zz: receive Ping from a")).toBe("zz:");
    expect(m.coverageKey!("")).toBe("");
  });

  it("counts how often each role's input was tried and enabled", () => {
    const m = model();
    const s1 = walk(m, "a: Go");
    walk(m, "a: Go", "b: receive Ping{n:1} from a");
    steps(m, s1);
    expect(Object.fromEntries(m.activity!())).toEqual({
      "a: Go": { tried: 2, enabled: 1 },
      "b: receive Ping": { tried: 1, enabled: 1 },
      "a: timer Tick": { tried: 1, enabled: 1 },
    });
  });

  it("names an input without a type by its description", () => {
    const odd = defineRole<{ n: number }, number | null | { type: number }>({
      init: () => ({ n: 0 }),
      choices: (s) => (s.n === 0 ? [7, null, { type: 3 }] : []),
      reduce: (s, x) => become({ n: s.n + (typeof x === "number" ? x : 1) }),
    });
    const m = model({ a: odd, b });
    expect(steps(m, m.initStates()[0]!).map((s) => s.label)).toEqual(["a: 7", "a: null", 'a: {"type":3}']);
    expect(Object.fromEntries(m.activity!())).toEqual({
      "a: 7": { tried: 1, enabled: 1 },
      "a: null": { tried: 1, enabled: 1 },
      'a: {"type":3}': { tried: 1, enabled: 1 },
    });
  });
});

describe("protocol model: a step's successor", () => {
  it("delivers, fires timers and records history, each label written out only when asked", () => {
    const m = model();
    const s1 = walk(m, "a: Go");
    expect(s1.nodes).toEqual({ a: { sent: true }, b: { got: 0 } });
    expect(s1.network).toEqual([{ from: "a", to: "b", msg: { type: "Ping", n: 1 } }]);
    expect(s1.timers).toEqual([{ node: "a", timer: { type: "Tick" } }]);
    expect(steps(m, s1).map((s) => s.label)).toEqual(["a: timer Tick", "b: receive Ping{n:1} from a"]);
    expect(steps(m, s1, false).map((s) => s.label)).toEqual(["", ""]);
    const [tick, ping] = steps(m, s1);
    // The timer fired and was not re-armed; nothing else changed.
    expect(tick!.next).toEqual({ ...s1, timers: [] });
    expect(ping!.next.network).toEqual([]);
    expect(ping!.next.nodes).toEqual({ a: { sent: true }, b: { got: 1 } });
    expect(ping!.next.history).toEqual([{ process: 0, type: "ok", f: "ping", value: 1 }]);
    // Each successor's fingerprint is the one computed for it afresh.
    for (const s of [tick!, ping!]) {
      const fresh: Fingerprint = { hi: 0, lo: 0 };
      m.fingerprint(s.next, fresh);
      expect(s.fp).toBe(`${fresh.hi}:${fresh.lo}`);
    }
    expect(new Set([tick!.fp, ping!.fp]).size).toBe(2);
  });

  it("a copied state (another thread's, a file's) is adopted and expands as the original", () => {
    const m = model();
    const s1 = walk(m, "a: Go");
    const copy = m.adopt!(deserialize(serialize(s1)) as ProtocolState);
    expect(copy).toEqual(s1);
    expect(m.adopt!(copy)).toEqual(s1);
    expect(steps(m, copy).map((s) => [s.label, s.fp])).toEqual(steps(m, s1).map((s) => [s.label, s.fp]));
  });

  it("a message in flight to a node the protocol does not have is an error naming it", () => {
    const m = model();
    const s = { ...m.initStates()[0]!, network: [{ from: "a", to: "zz", msg: { type: "Ping", n: 1 } }] };
    expect(() => steps(m, m.adopt!(s))).toThrow('spec "pair": message to unknown node "zz" (Ping{n:1} from a)');
  });
});

describe("protocol model: what the spec declares", () => {
  it("deadlock checking is off unless asked for, and a constraint is reported", () => {
    expect(model().deadlock).toBe(false);
    expect(model(undefined, { deadlock: true }).deadlock).toBe(true);
    expect(model().constrained).toBe(false);
    const bounded = model(undefined, { constraint: (s: ProtocolState) => s.network.length === 0 });
    expect(bounded.constrained).toBe(true);
    expect(bounded.withinConstraint(walk(bounded, "a: Go"))).toBe(false);
    expect(bounded.withinConstraint(bounded.initStates()[0]!)).toBe(true);
    expect(model().withinConstraint(walk(model(), "a: Go"))).toBe(true);
  });

  it("fairness comes from the variant when it declares one, else from the spec", () => {
    const spec = defineProtocol({
      name: "pair",
      description: "a pings b",
      network: "unordered",
      nodes: () => ({ a: ["a"], b: ["b"] }),
      roles: { a, b },
      properties: {},
      fairness: { weak: ["a: *"] },
      variants: {
        strong: { description: "strong", fairness: { strong: ["b: receive *"] } },
        same: { description: "x" },
      },
    });
    expect(model().fairness).toBeUndefined();
    const main = spec.instantiate({});
    expect([main.fairness!("a: Go"), main.fairness!("b: receive Ping{n:1} from a")]).toEqual([1, 0]);
    const strong = spec.instantiate({ variant: "strong" });
    expect([strong.fairness!("a: Go"), strong.fairness!("b: receive Ping{n:1} from a")]).toEqual([0, 2]);
    expect(spec.instantiate({ variant: "same" }).fairness!("a: Go")).toBe(1);
  });
});

describe("protocol model: a reducer's mistakes are findings with their place", () => {
  const role = (reduce: (s: unknown) => unknown, extra: object = {}) =>
    defineRole<unknown, Go>({
      init: () => ({ n: 0 }),
      choices: () => [{ type: "Go" }],
      reduce: reduce as never,
      ...extra,
    });
  const firstSteps = (r: AnyRole) => {
    const m = model({ a: r, b });
    return steps(m, m.initStates()[0]!).map((s) => s.label);
  };

  it.each([
    ["null", null],
    ["a number", 5],
    ["a state without effects", { state: 1 }],
    ["effects that are not an array", { state: 1, effects: "x" }],
  ])("returning %s", (_, value) => {
    expect(() => firstSteps(role(() => value))).toThrow(
      'action node "a" on Go: the reducer must return become(state, ...effects) or undefined',
    );
  });

  it("an effect of an unknown kind", () => {
    expect(() => firstSteps(role(() => ({ state: 1, effects: [{ type: "shout" }] })))).toThrow(
      'action node "a" on Go: spec "pair": unknown effect {"type":"shout"}',
    );
  });

  it("choices that are not an array", () => {
    expect(() => firstSteps(role(() => undefined, { choices: () => "Go" }))).toThrow(
      'action choices of node "a": must return an array of inputs',
    );
  });

  it("a node state that is not plain data, at init and after a step", () => {
    expect(() => model({ a: role(() => undefined, { init: () => new Map() }), b }).initStates()).toThrow(
      'init of node "a": node state is not plain data at state: instance of Map (use objects, arrays, numbers, strings, booleans, null)',
    );
    expect(() => firstSteps(role(() => become(new Map())))).toThrow(
      'action node "a" after Go: node state is not plain data at state: instance of Map',
    );
  });

  it("a reducer that answers the same call differently, caught while the spec's code runs guarded", () => {
    let calls = 0;
    const fickle = role(() => become({ n: calls++ }));
    expect(firstSteps(fickle)).toEqual(["a: Go"]);
    expect(() => inUserCode(() => firstSteps(fickle))).toThrow(
      "the reducer gave a different answer to the same state and input on a second call",
    );
  });
});
