import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import { become, type ProtocolState } from "../../src/index.js";
import {
  emptyGCounter,
  emptyPNCounter,
  gCounter,
  gCounterEquals,
  gCounterIncrement,
  gCounterLeq,
  gCounterMerge,
  gCounterReplica,
  gCounterValue,
  pnCounterDecrement,
  pnCounterIncrement,
  pnCounterMerge,
  pnCounterValue,
  type GCounter,
  type ModelReplica,
} from "../../specs/g-counter.js";
import { expectMergeLaws } from "./support/merge-laws.js";

const counters = fc.dictionary(fc.constantFrom("r1", "r2", "r3"), fc.integer({ min: 1, max: 5 }));
const pnCounters = fc.record({ p: counters, n: counters });

describe("the counters", () => {
  it("increments the replica's own entry and sums the entries", () => {
    expect(gCounterIncrement(emptyGCounter, "r1")).toEqual({ r1: 1 });
    expect(gCounterIncrement({ r1: 1, r2: 4 }, "r2")).toEqual({ r1: 1, r2: 5 });
    expect(gCounterValue({ r1: 2, r2: 3 })).toBe(5);
    expect(gCounterValue(emptyGCounter)).toBe(0);
  });

  it("merges by entry-wise maximum and orders entry-wise", () => {
    expect(gCounterMerge({ r1: 2, r3: 1 }, { r1: 1, r2: 1 })).toEqual({ r1: 2, r2: 1, r3: 1 });
    expect([
      gCounterLeq({ r1: 1 }, { r1: 1, r2: 3 }),
      gCounterLeq({ r1: 2 }, { r1: 1, r2: 3 }),
      gCounterLeq({ r1: 1 }, { r2: 1 }),
    ]).toEqual([true, false, false]);
    expect([gCounterEquals({ r1: 1, r2: 2 }, { r2: 2, r1: 1 }), gCounterEquals({ r1: 1 }, { r1: 1, r2: 1 })]).toEqual([
      true,
      false,
    ]);
  });

  it("the PN-counter subtracts decrements, each half merged on its own", () => {
    const a = pnCounterIncrement(pnCounterIncrement(emptyPNCounter, "r1"), "r1");
    const b = pnCounterDecrement(emptyPNCounter, "r2");
    expect(a).toEqual({ p: { r1: 2 }, n: {} });
    expect(pnCounterMerge(a, b)).toEqual({ p: { r1: 2 }, n: { r2: 1 } });
    expect([pnCounterValue(a), pnCounterValue(b), pnCounterValue(pnCounterMerge(a, b))]).toEqual([2, -1, 1]);
  });

  it("merge is idempotent, commutative and associative, and an upper bound of both sides", () => {
    expectMergeLaws(counters, gCounterMerge);
    fc.assert(
      fc.property(counters, counters, (a, b) => {
        expect(gCounterLeq(a, gCounterMerge(a, b)) && gCounterLeq(b, gCounterMerge(a, b))).toBe(true);
      }),
      { seed: 1 },
    );
  });

  it("merge is the least upper bound, so merging a state already seen changes nothing", () => {
    fc.assert(
      fc.property(counters, counters, counters, (a, b, upper) => {
        if (gCounterLeq(a, upper) && gCounterLeq(b, upper)) expect(gCounterLeq(gCounterMerge(a, b), upper)).toBe(true);
        expect(gCounterMerge(gCounterMerge(a, b), b)).toEqual(gCounterMerge(a, b));
      }),
      { seed: 1 },
    );
  });

  it("an increment inflates the state and adds one to the value; merge never lowers a value", () => {
    fc.assert(
      fc.property(counters, counters, fc.constantFrom("r1", "r2", "r3"), (a, b, self) => {
        const up = gCounterIncrement(a, self);
        expect([gCounterLeq(a, up), gCounterLeq(up, a), gCounterValue(up)]).toEqual([
          true,
          false,
          gCounterValue(a) + 1,
        ]);
        expect(gCounterValue(gCounterMerge(a, b))).toBeGreaterThanOrEqual(Math.max(gCounterValue(a), gCounterValue(b)));
      }),
      { seed: 1 },
    );
  });

  it("the PN-counter's merge has the same laws", () => {
    expectMergeLaws(pnCounters, pnCounterMerge);
  });
});

const at = (self: string, from?: string) =>
  ({
    self,
    from,
    kind: from === undefined ? "choice" : "message",
    params: {},
    nodes: ["r1", "r2", "r3"],
    roles: {},
  }) as const;

describe("gCounterReplica", () => {
  it("an increment gossips the new state to every peer not known to hold it, with a retransmission timer each", () => {
    const s = { counter: { r2: 1 }, confirmed: { r2: { r2: 1 } } };
    expect(gCounterReplica.reduce(s, { type: "Increment" }, at("r1"))).toEqual(
      become(
        { counter: { r2: 1, r1: 1 }, confirmed: { r2: { r2: 1 } } },
        { type: "send", to: "r2", msg: { type: "Gossip", counter: { r2: 1, r1: 1 } } },
        { type: "setTimer", timer: { type: "AntiEntropy", to: "r2" } },
        { type: "send", to: "r3", msg: { type: "Gossip", counter: { r2: 1, r1: 1 } } },
        { type: "setTimer", timer: { type: "AntiEntropy", to: "r3" } },
      ),
    );
  });

  it("answers a Gossip with an Ack when the sender holds everything, and passes news on to the other peers", () => {
    const step = gCounterReplica.reduce(
      { counter: {}, confirmed: {} },
      { type: "Gossip", counter: { r1: 1 } },
      at("r2", "r1"),
    );
    expect(step).toEqual(
      become(
        { counter: { r1: 1 }, confirmed: { r1: { r1: 1 } } },
        { type: "send", to: "r1", msg: { type: "Ack", counter: { r1: 1 } } },
        { type: "cancelTimer", timer: { type: "AntiEntropy", to: "r1" } },
        { type: "send", to: "r3", msg: { type: "Gossip", counter: { r1: 1 } } },
        { type: "setTimer", timer: { type: "AntiEntropy", to: "r3" } },
      ),
    );
  });

  it("answers a Gossip with a Gossip of the merged state when it knows more than the sender", () => {
    const s = { counter: { r2: 1 }, confirmed: { r3: { r2: 1 } } };
    const step = gCounterReplica.reduce(s, { type: "Gossip", counter: { r1: 1 } }, at("r2", "r1"));
    expect(step).toEqual(
      become(
        { counter: { r2: 1, r1: 1 }, confirmed: { r3: { r2: 1 }, r1: { r1: 1 } } },
        { type: "send", to: "r1", msg: { type: "Gossip", counter: { r2: 1, r1: 1 } } },
        { type: "setTimer", timer: { type: "AntiEntropy", to: "r1" } },
        { type: "send", to: "r3", msg: { type: "Gossip", counter: { r2: 1, r1: 1 } } },
        { type: "setTimer", timer: { type: "AntiEntropy", to: "r3" } },
      ),
    );
  });

  it("an Ack confirms the peer and disarms its timer; the timer retransmits only to a peer not known to hold the state", () => {
    const s = { counter: { r1: 1 }, confirmed: {} };
    const acked = gCounterReplica.reduce(s, { type: "Ack", counter: { r1: 1 } }, at("r1", "r2"));
    expect(acked).toEqual(
      become(
        { counter: { r1: 1 }, confirmed: { r2: { r1: 1 } } },
        { type: "cancelTimer", timer: { type: "AntiEntropy", to: "r2" } },
      ),
    );
    expect(gCounterReplica.reduce(acked!.state, { type: "AntiEntropy", to: "r2" }, at("r1"))).toBeUndefined();
    expect(gCounterReplica.reduce(acked!.state, { type: "AntiEntropy", to: "r3" }, at("r1"))).toEqual(
      become(
        acked!.state,
        { type: "send", to: "r3", msg: { type: "Gossip", counter: { r1: 1 } } },
        { type: "setTimer", timer: { type: "AntiEntropy", to: "r3" } },
      ),
    );
  });
});

type State = ProtocolState<ModelReplica>;

describe("g-counter: the model", () => {
  it("holds at the defaults (2 replicas, 1 increment each; 1 loss, 1 duplication, 1 retransmission per peer and state): 16,231 states, BFS and DFS agree", () => {
    const bfs = checkSpec(gCounter);
    expect([bfs.result, bfs.distinctStates, bfs.generatedStates, bfs.maxDepth]).toEqual(["ok", 16231, 81945, 21]);
    const dfs = checkSpec(gCounter, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 16231, 81945]);
  });

  it("needs no retransmission on a network that does not lose: 41 states on a reliable one, 216 with a duplicate", () => {
    const reliable = checkSpec(gCounter, { params: { loss: 0, duplicates: 0, resends: 0 } });
    expect([reliable.result, reliable.distinctStates, reliable.generatedStates]).toEqual(["ok", 41, 63]);
    const dup = checkSpec(gCounter, { params: { loss: 0, resends: 0 } });
    expect([dup.result, dup.distinctStates, dup.generatedStates]).toEqual(["ok", 216, 473]);
  });

  it("symmetry reduction stores one state per renaming of the replicas: 216 states become 113", () => {
    const r = checkSpec(gCounter, { symmetry: true, params: { loss: 0, resends: 0 } });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 113, 248]);
  });

  it("does not converge when losses outnumber retransmissions: 5 steps with none", () => {
    const r = checkSpec(gCounter, { params: { resends: 0 } });
    expect([r.result, r.property, r.propertyKind, (r.trace?.length ?? 0) - 1]).toEqual([
      "violation",
      "replicasConverge",
      "final",
      5,
    ]);
    expect(r.trace?.some((s) => s.action?.startsWith("lose "))).toBe(true);
  });

  it("merge-by-sum counts the increment twice when the Ack echoes it back, in 3 steps", () => {
    const r = checkSpec(gCounter, { variant: "merge-by-sum" });
    expect([r.result, r.property]).toEqual(["violation", "valueNeverExceedsIncrements"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "r1: Increment",
      'r2: receive Gossip{counter:{"r1":1}} from r1',
      'r1: receive Ack{counter:{"r1":1}} from r2',
    ]);
    expect((r.trace?.at(-1)?.state as State).nodes["r1"]?.counter).toEqual({ r1: 2 });
  });

  it("last-writer-wins lets a retransmitted old state overwrite an increment, in 5 steps", () => {
    const r = checkSpec(gCounter, { variant: "last-writer-wins" });
    expect([r.result, r.property]).toEqual(["violation", "valueNeverDecreasesAtAReplica"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "r1: Increment",
      'r1: timer AntiEntropy{to:"r2"}',
      'r2: receive Gossip{counter:{"r1":1}} from r1',
      "r2: Increment",
      'r2: receive Gossip{counter:{"r1":1}} from r1',
    ]);
    const [before, after] = (r.trace?.slice(-2) ?? []).map((s) => (s.state as State).nodes["r2"]?.counter);
    expect([before, after]).toEqual([{ r1: 1, r2: 1 }, { r1: 1 }]);
  });

  it("no-anti-entropy leaves the replicas apart after one lost Gossip, in 5 steps", () => {
    const r = checkSpec(gCounter, { variant: "no-anti-entropy" });
    expect([r.result, r.property]).toEqual(["violation", "replicasConverge"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "r1: Increment",
      'r2: receive Gossip{counter:{"r1":1}} from r1',
      "r2: Increment",
      'r1: receive Ack{counter:{"r1":1}} from r2',
      'lose Gossip{counter:{"r2":1,"r1":1}} r2→r1',
    ]);
    const last = r.trace?.at(-1)?.state as State;
    expect([last.nodes["r1"]?.counter, last.nodes["r2"]?.counter]).toEqual([{ r1: 1 }, { r1: 1, r2: 1 }]);
  });

  it("replicasConverge rejects a final state where the replicas agree on too small a value", () => {
    const property = gCounter.instantiate().properties.find((p) => p.name === "replicasConverge");
    if (property?.kind !== "final") throw new Error("missing property");
    const replica = (counter: GCounter, issued: number): ModelReplica => ({
      counter,
      confirmed: {},
      issued,
      resent: {},
    });
    const state = (r1: ModelReplica, r2: ModelReplica): State => ({
      nodes: { r1, r2 },
      network: [],
      timers: [],
      down: [],
      faults: { lost: 0, duplicated: 0, crashed: 0 },
      history: [],
    });
    expect(property.check(state(replica({ r1: 1, r2: 1 }, 1), replica({ r1: 1, r2: 1 }, 1)))).toBe(true);
    expect(property.check(state(replica({ r2: 1 }, 1), replica({ r2: 1 }, 1)))).toBe(false);
    expect(property.check(state(replica({ r1: 1 }, 1), replica({ r2: 1 }, 1)))).toBe(false);
  });

  describe("liveness: replicasEventuallyConverge under fair gossip", () => {
    it("holds at the defaults, with the safety check's counts", () => {
      const r = checkSpec(gCounter);
      expect([r.result, r.property, r.distinctStates, r.generatedStates]).toEqual(["ok", null, 16231, 81945]);
    });

    it("gossip-gives-up: one lost gossip and a timer that fires forever without resending: 5 steps, then a cycle of 1", () => {
      const r = checkSpec(gCounter, { variant: "gossip-gives-up" });
      expect([r.result, r.property, r.propertyKind, r.loopStart, r.trace?.length]).toEqual([
        "violation",
        "replicasEventuallyConverge",
        "eventually",
        5,
        7,
      ]);
      expect(r.trace?.at(-1)?.action).toBe('r2: timer AntiEntropy{to:"r1"}');
    });
  });
});
