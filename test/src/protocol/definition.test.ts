import { describe, expect, it } from "vitest";
import {
  become,
  defineProtocol,
  defineRole,
  describeInput,
  nodeOf,
  nodesOf,
  send,
  SpecDefinitionError,
  SpecRuntimeError,
  type Fingerprint,
} from "../../../src/index.js";
import { fingerprintInto } from "../../../src/fingerprint.js";
import { restartedState } from "../../../src/protocol/api.js";
import { twoPhaseCommit } from "../../../specs/two-phase-commit.js";

const setup = { self: "a", nodes: ["a"], roles: {}, params: {} };

describe("restartedState", () => {
  const role = defineRole<{ term: number; log: string[]; votes: number }, { type: "X" }>({
    init: () => ({ term: 0, log: [], votes: 0 }),
    durable: ["term", "log"],
    reduce: () => undefined,
  });

  it("keeps the durable fields the record has, and init's value for the others", () => {
    expect(restartedState(role, setup, { term: 4, votes: 9 })).toEqual({ term: 4, log: [], votes: 0 });
    expect(restartedState(role, setup, { term: 4, log: ["x"] })).toEqual({ term: 4, log: ["x"], votes: 0 });
  });

  it("a role without durable fields restarts from init; restore rebuilds from what was kept", () => {
    const amnesiac = defineRole<{ n: number }, { type: "X" }>({ init: () => ({ n: 1 }), reduce: () => undefined });
    expect(restartedState(amnesiac, setup, { n: 5 })).toEqual({ n: 1 });
    const restoring = defineRole<{ log: string[]; size: number }, { type: "X" }>({
      init: () => ({ log: [], size: 0 }),
      durable: ["log"],
      restore: (s, ctx) => ({ ...s, size: s.log.length + ctx.nodes.length }),
      reduce: () => undefined,
    });
    expect(restartedState(restoring, setup, { log: ["a", "b"], size: 0 })).toEqual({ log: ["a", "b"], size: 3 });
  });
});

describe("nodeOf", () => {
  it("reads a node's state, undefined included, and throws for an id that names no node", () => {
    const state = { nodes: { a: { n: 1 }, b: undefined } } as never;
    expect(nodeOf<{ r: unknown }, "r">(state, "r", "a")).toEqual({ n: 1 });
    expect(nodeOf<{ r: unknown }, "r">(state, "r", "b")).toBeUndefined();
    expect(() => nodeOf<{ r: unknown }, "r">(state, "r", "c")).toThrow(SpecRuntimeError);
    expect(() => nodeOf<{ r: unknown }, "r">(state, "r", "c")).toThrow(
      'nodeOf(state, "r", "c"): there is no node "c"; nodes: a, b',
    );
  });
});

describe("nodesOf", () => {
  const state = { nodes: { a: { n: 1 }, 'b "q"': { n: 2 }, u: undefined } } as never;
  const read = (ids: readonly string[]) => nodesOf<{ r: unknown }, "r">(state, "r", ids);

  it("reads the same list alike the first time, the second (compiled) and after, frozen or not", () => {
    const frozen = Object.freeze(['b "q"', "a", "u"]);
    const open = ['b "q"', "a", "u"];
    const expected = [{ n: 2 }, { n: 1 }, undefined];
    for (let k = 0; k < 3; k++) {
      expect(read(frozen)).toEqual(expected);
      expect(read(open)).toEqual(expected);
    }
    // A list that changes is read as it is now (only frozen lists are compiled).
    open.reverse();
    expect(read(open)).toEqual([undefined, { n: 1 }, { n: 2 }]);
    expect(read(Object.freeze([]))).toEqual([]);
  });

  it("throws as nodeOf for an id that names no node, on every read of a list", () => {
    const missing = Object.freeze(["a", "c"]);
    for (let k = 0; k < 3; k++)
      expect(() => read(missing)).toThrow('nodeOf(state, "r", "c"): there is no node "c"; nodes: a, b "q", u');
  });
});

describe("describeInput", () => {
  it("writes a typed input as its type and fields, anything else as JSON", () => {
    expect(describeInput({ type: "Tick" })).toBe("Tick");
    expect(describeInput({ type: "RequestVote", term: 2, from: "n1" })).toBe('RequestVote{term:2,from:"n1"}');
    expect(describeInput({ kind: "x", n: 1 })).toBe('{"kind":"x","n":1}');
    expect(describeInput({ type: 3, n: 1 })).toBe('{"type":3,"n":1}');
    expect(describeInput(7)).toBe("7");
    expect(describeInput("go")).toBe('"go"');
    expect(describeInput(null)).toBe("null");
  });
});

/** A two-node ping protocol, with a variant that swaps one role. */
const pinger = defineRole<{ sent: number }, { type: "Go" }, { type: "Ping" }>({
  init: () => ({ sent: 0 }),
  reduce: (s, _, ctx) => (s.sent < 1 ? become({ sent: s.sent + 1 }, send(ctx.nodes[1]!, { type: "Ping" })) : undefined),
});
const ponger = defineRole<{ got: number }, { type: "Ping" }>({
  init: () => ({ got: 0 }),
  reduce: (s) => become({ got: s.got + 1 }),
});

/** The ping protocol's definition, with `extra` fields over it. */
const ping = (extra: object = {}) =>
  defineProtocol({
    name: "ping",
    description: "a ping",
    roles: { pinger, ponger },
    nodes: () => ({ pinger: ["a"], ponger: ["b"] }),
    network: "unordered",
    properties: {},
    ...extra,
  });

describe("defineProtocol", () => {
  it("refuses a variant that replaces a role the protocol does not have, naming the roles", () => {
    const define = () =>
      ping({ variants: { odd: { description: "a role that is not there", roles: { pongr: ponger } } } });
    expect(define).toThrow(SpecDefinitionError);
    expect(define).toThrow('spec "ping", variant "odd": unknown role "pongr"; roles: pinger, ponger');
  });

  it("refuses a network that is not a network kind (a JavaScript spec may name any)", () => {
    const define = () => ping({ network: "bag" });
    expect(define).toThrow(SpecDefinitionError);
    expect(define).toThrow('spec "ping": network "bag" is not a network kind; kinds: set, unordered, fifo');
  });

  it("keeps the declared symmetric roles on the spec, and none when none are declared", () => {
    expect(twoPhaseCommit.symmetry).toEqual(["rm"]);
    expect("symmetry" in ping()).toBe(false);
  });

  it("fingerprints every state from scratch when asked for the generic fingerprint", () => {
    const generic = twoPhaseCommit.instantiate({ params: { rms: 2 }, fingerprint: "generic" });
    const tuned = twoPhaseCommit.instantiate({ params: { rms: 2 } });
    const init = generic.initStates()[0]!;
    const of = (fp: (s: never, out: Fingerprint) => void, s: unknown) => {
      const out = { hi: 0, lo: 0 };
      fp(s as never, out);
      return [out.hi, out.lo];
    };
    const scratch = of(fingerprintInto, init);
    expect(of(generic.fingerprint.bind(generic), init)).toEqual(scratch);
    expect(of(tuned.fingerprint.bind(tuned), tuned.initStates()[0])).not.toEqual(scratch);
    // Successors too: each is pushed with its from-scratch fingerprint.
    const pushed: [unknown, number[]][] = [];
    generic.successors(
      init,
      { hi: scratch[0]!, lo: scratch[1]! },
      {
        labels: true,
        push: (next: unknown, fp: Fingerprint) => pushed.push([next, [fp.hi, fp.lo]]),
      },
    );
    expect(pushed.length).toBe(5);
    for (const [next, fp] of pushed) expect(fp).toEqual(of(fingerprintInto, next));
  });

  it("refuses symmetry reduction on a spec without symmetric roles", () => {
    expect(() => ping().instantiate({ symmetry: true })).toThrow(
      'spec "ping" declares no symmetric roles; symmetry reduction needs `symmetry: [roles]`',
    );
  });
});
