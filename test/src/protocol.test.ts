import { describe, expect, it } from "vitest";
import {
  atTermination,
  become,
  cancelTimer,
  defineProtocol,
  defineRole,
  int,
  invariant,
  nodeOf,
  record,
  send,
  setTimer,
  type FaultBudget,
  type Model,
  type NetworkKind,
  type ProtocolState,
} from "../../src/index.js";
import { checkSpec } from "../../checker/index.js";

type Hello = { readonly type: "Hello"; readonly n: number };

const sender = defineRole<
  { readonly step: number },
  { readonly type: "Send" },
  Hello,
  never,
  { readonly messages: number }
>({
  init: () => ({ step: 0 }),
  choices: () => [{ type: "Send" }],
  reduce: (s, _input, ctx) =>
    s.step < ctx.params.messages
      ? become({ step: s.step + 1 }, send("b", { type: "Hello", n: s.step + 1 }))
      : undefined,
});

const receiver = defineRole<{ readonly log: readonly number[] }, Hello>({
  init: () => ({ log: [] }),
  reduce: (s, m) => become({ log: [...s.log, m.n] }),
});

function explore(network: NetworkKind, messages: number, faults: FaultBudget = {}) {
  const spec = defineProtocol({
    name: `pair-${network}`,
    description: "a sends numbered messages to b, which logs them",
    params: { messages: int(1) },
    network,
    nodes: () => ({ a: ["a"], b: ["b"] }),
    roles: { a: sender, b: receiver },
    faults: () => faults,
    constraint: (s) => nodeOf(s, "b", "b").log.length <= 2,
    properties: {
      inSendOrder: invariant((s) => nodeOf(s, "b", "b").log.every((n, i) => n === i + 1)),
    },
  });
  const generic: typeof spec = { ...spec, instantiate: (o = {}) => spec.instantiate({ ...o, fingerprint: "generic" }) };
  return { bfs: checkSpec(spec, { params: { messages } }), generic: checkSpec(generic, { params: { messages } }) };
}

describe("network semantics", () => {
  it("set: a message stays and may be received again", () => {
    const { bfs, generic } = explore("set", 1);
    // a: 0 or 1 sent; b: 0..3 receipts of the same message (3 is outside the constraint).
    expect([bfs.result, bfs.distinctStates]).toEqual(["violation", 4]);
    expect(bfs.property).toBe("inSendOrder");
    expect(generic.distinctStates).toBe(bfs.distinctStates);
  });

  it("unordered: each message at most once, in any order", () => {
    const one = explore("unordered", 1).bfs;
    expect([one.result, one.distinctStates, one.generatedStates]).toEqual(["ok", 3, 3]);
    const two = explore("unordered", 2).bfs;
    expect([two.result, two.property, two.trace?.length]).toEqual(["violation", "inSendOrder", 4]);
  });

  it("fifo: in send order per channel", () => {
    const { bfs, generic } = explore("fifo", 2);
    expect([bfs.result, bfs.distinctStates]).toEqual(["ok", 6]);
    expect(generic.distinctStates).toBe(6);
  });

  it("loss and duplication stay within their budgets", () => {
    const lossy = explore("unordered", 1, { loss: 1 });
    expect([lossy.bfs.result, lossy.bfs.distinctStates]).toEqual(["ok", 4]);
    expect(lossy.generic.distinctStates).toBe(4);
    const dup = explore("unordered", 1, { duplicate: 1 });
    // (0,[]) (1,[m]) (1,[m,m]) (1,[],log 1) (1,[m],log 1) (1,[],log 1 1)
    expect([dup.bfs.result, dup.bfs.property, dup.bfs.distinctStates]).toEqual(["violation", "inSendOrder", 6]);
    expect(dup.bfs.trace?.map((s) => s.action)).toEqual([
      null,
      "a: Send",
      "duplicate Hello{n:1} a→b",
      "b: receive Hello{n:1} from a",
      "b: receive Hello{n:1} from a",
    ]);
  });

  const garble = (m: Hello): Hello[] => [{ type: "Hello", n: m.n + 10 }];

  it("corruption replaces a message in flight by one of its corrupted forms, within the budget", () => {
    const one = explore("unordered", 1, { corrupt: 1, corruptions: garble });
    // (0,[]) (1,[m]) (1,[m']) (1,[],log 1) (1,[],log 11)
    expect([one.bfs.result, one.bfs.property, one.bfs.distinctStates]).toEqual(["violation", "inSendOrder", 5]);
    expect(one.generic.distinctStates).toBe(5);
    expect(one.bfs.trace?.map((s) => s.action)).toEqual([
      null,
      "a: Send",
      "corrupt Hello{n:1} a→b into Hello{n:11}",
      "b: receive Hello{n:11} from a",
    ]);
    expect(one.bfs.trace?.[2]?.state).toMatchObject({ faults: { lost: 0, duplicated: 0, crashed: 0, corrupted: 1 } });
    // A message with no corrupted form (or only itself) cannot be corrupted; the budget is not spent.
    const none = explore("unordered", 1, { corrupt: 1, corruptions: (m: Hello) => [m] });
    expect([none.bfs.result, none.bfs.distinctStates]).toEqual(["ok", 3]);
  });

  it("a corrupted message keeps its place in its fifo channel, and a state never corrupted has no corrupted count", () => {
    const two = explore("fifo", 2, { corrupt: 1, corruptions: garble });
    expect([two.bfs.result, two.bfs.property, two.bfs.trace?.length]).toEqual(["violation", "inSendOrder", 4]);
    const second = explore("fifo", 2, { corrupt: 1, corruptions: (m: Hello) => (m.n === 2 ? garble(m) : []) });
    // Only the second message corrupts: b logs 1 then 12, never 12 first.
    expect([second.bfs.result, second.bfs.property]).toEqual(["violation", "inSendOrder"]);
    expect(second.bfs.trace?.at(-1)?.action).toBe("b: receive Hello{n:12} from a");
    expect((second.bfs.trace?.at(-1)?.state as ProtocolState<{ log: number[] }>).nodes["b"]?.log).toEqual([1, 12]);
    expect((second.bfs.trace?.[0]?.state as ProtocolState).faults).toStrictEqual({
      lost: 0,
      duplicated: 0,
      crashed: 0,
    });
  });

  it("a corrupt budget without corruptions is a definition error", () => {
    expect(() => explore("unordered", 1, { corrupt: 1 })).toThrow(
      /a corrupt budget needs `corruptions: \(msg\) => \[\.\.\.\]`/,
    );
  });
});

describe("crashes, timers and history", () => {
  const durable = defineProtocol({
    name: "durable",
    description: "",
    network: "unordered",
    nodes: () => ({ n: ["n"] }),
    roles: {
      n: defineRole<{ saved: number; cache: number }, { type: "Inc" }>({
        init: () => ({ saved: 0, cache: 0 }),
        durable: ["saved"],
        choices: () => [{ type: "Inc" }],
        reduce: (s) => (s.saved < 2 ? become({ saved: s.saved + 1, cache: s.cache + 1 }) : undefined),
      }),
    },
    faults: () => ({ crash: 1 }),
    properties: {
      cacheBehindSaved: invariant(
        (s: ProtocolState<{ saved: number; cache: number }>) => s.nodes["n"]!.cache <= s.nodes["n"]!.saved,
      ),
    },
  });

  it("restarts a crashed node with its durable fields only", () => {
    const r = checkSpec(durable);
    // before the crash: 3; down: 3; after restart: (0,0) (1,0) (2,0) (1,1) (2,2) (2,1).
    expect([r.result, r.distinctStates]).toEqual(["ok", 12]);
  });

  it("treats a state whose only successors are faults as final", () => {
    const counting = (endsAt: number) =>
      defineProtocol({
        name: "counting",
        description: "",
        network: "unordered",
        nodes: () => ({ n: ["n"] }),
        roles: durable.roles,
        faults: () => ({ crash: 1 }),
        properties: { endsAt: atTermination((s: ProtocolState<{ saved: number }>) => s.nodes["n"]!.saved === endsAt) },
      });
    // (2,2) with the crash budget unused is final; a crashed node waiting for its restart is not.
    expect(checkSpec(counting(2)).result).toBe("ok");
    const r = checkSpec(counting(1));
    expect([r.result, r.property, r.trace?.length]).toEqual(["violation", "endsAt", 3]);
  });

  type Tick = { readonly type: "Tick" } | { readonly type: "Stop" };
  const ticker = defineProtocol({
    name: "ticker",
    description: "",
    network: "unordered",
    nodes: () => ({ t: ["t"] }),
    roles: {
      t: defineRole<{ count: number }, Tick, never, { type: "Tick" }>({
        init: () => ({ count: 0 }),
        initialTimers: () => [{ type: "Tick" }],
        choices: () => [{ type: "Stop" }],
        reduce: (s, input) => {
          if (input.type === "Stop") return become(s, cancelTimer({ type: "Tick" }));
          const count = s.count + 1;
          return count < 2 ? become({ count }, setTimer({ type: "Tick" })) : become({ count });
        },
      }),
    },
    properties: {},
  });

  it("fires, re-arms and cancels timers", () => {
    const r = checkSpec(ticker);
    // (0,armed) (1,armed) (2,-) (0,-) (1,-)
    expect([r.result, r.distinctStates]).toEqual(["ok", 5]);
  });

  it("records client history events in the state", () => {
    const client = defineProtocol({
      name: "client",
      description: "",
      network: "unordered",
      nodes: () => ({ c: ["c"] }),
      roles: {
        c: defineRole<{ done: boolean }, { type: "Go" }>({
          init: () => ({ done: false }),
          choices: () => [{ type: "Go" }],
          reduce: (s) =>
            s.done
              ? undefined
              : become(
                  { done: true },
                  record({ type: "invoke", process: 0, f: "write", value: 1 }),
                  record({ type: "ok", process: 0, f: "write", value: 1 }),
                ),
        }),
      },
      properties: { atMostOneWrite: invariant((s: ProtocolState) => s.history.length < 2) },
    });
    const r = checkSpec(client);
    expect(r.result).toBe("violation");
    expect((r.trace?.[1]?.state as ProtocolState).history).toEqual([
      { type: "invoke", process: 0, f: "write", value: 1 },
      { type: "ok", process: 0, f: "write", value: 1 },
    ]);
  });
});

describe("protocol definition errors", () => {
  const base = {
    name: "pair",
    description: "",
    params: { messages: int(1) },
    network: "fifo" as const,
    roles: { a: sender, b: receiver },
    properties: {},
  };
  /** The successors' labels of the initial state, or the error that stops them. */
  function firstLabels(spec: { instantiate: () => Model<ProtocolState> }): string[] {
    const model = spec.instantiate();
    const out: string[] = [];
    const fp = { hi: 0, lo: 0 };
    for (const s of model.initStates()) {
      model.fingerprint(s, fp);
      model.successors(s, fp, { labels: true, push: (_n, _f, label) => out.push(label) });
    }
    return out;
  }

  it("nodes() must name known roles and distinct ids", () => {
    expect(() => defineProtocol({ ...base, nodes: () => ({ a: ["a"], c: ["c"] }) }).instantiate()).toThrow(
      'spec "pair": nodes() names unknown role "c"',
    );
    expect(() => defineProtocol({ ...base, nodes: () => ({ a: ["x"], b: ["x"] }) }).instantiate()).toThrow(
      'spec "pair": node id "x" is used twice',
    );
    expect(() =>
      firstLabels(defineProtocol({ ...base, nodes: () => ({ a: ["a"], b: undefined }) as unknown as { a: string[] } })),
    ).toThrow('action node "a" on Send: spec "pair": node "a" sends to unknown node "b"; nodes: a');
  });

  it("a send to an unknown node names it and the nodes there are", () => {
    const spec = defineProtocol({ ...base, nodes: () => ({ a: ["a"], b: ["c"] }) });
    expect(() => firstLabels(spec)).toThrow('node "a" sends to unknown node "b"; nodes: a, c');
  });

  it("a reducer must return become(...) or undefined", () => {
    const bad = defineRole<{ readonly n: number }, { readonly type: "Go" }>({
      init: () => ({ n: 0 }),
      choices: () => [{ type: "Go" }],
      reduce: () => ({ n: 1 }) as never,
    });
    const spec = defineProtocol({ ...base, roles: { a: bad }, nodes: () => ({ a: ["a"] }) });
    expect(() => firstLabels(spec)).toThrow("the reducer must return become(state, ...effects) or undefined");
  });
});
