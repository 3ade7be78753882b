import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import { become, setOf, type ProtocolState } from "../../src/index.js";
import {
  emptyOrSet,
  mergeRemovingByValue,
  orSet,
  orSetAdd,
  orSetElements,
  orSetHas,
  orSetLiveTags,
  orSetMerge,
  orSetRemove,
  orSetReplica,
  removeWithoutTombstone,
  tagOf,
  type ModelReplica,
  type OrSet,
} from "../../specs/or-set.js";
import { expectMergeLaws } from "./support/merge-laws.js";

const tags = fc.uniqueArray(fc.constantFrom("r1.1", "r1.2", "r2.1", "r2.2"), { minLength: 1 }).map((t) => setOf(t));
const table = fc.dictionary(fc.constantFrom("x", "y"), tags);
const sets: fc.Arbitrary<OrSet> = fc.record({ adds: table, removes: table });

describe("the set", () => {
  it("an add tags the element; a remove tombstones the tags it observed", () => {
    const one = orSetAdd(emptyOrSet, "x", tagOf("r1", 1));
    expect(one).toEqual({ adds: { x: ["r1.1"] }, removes: {} });
    const removed = orSetRemove(orSetAdd(one, "y", "r1.2"), "x");
    expect(removed).toEqual({ adds: { x: ["r1.1"], y: ["r1.2"] }, removes: { x: ["r1.1"] } });
    expect([orSetElements(removed), orSetHas(removed, "x"), orSetLiveTags(removed, "x")]).toEqual([["y"], false, []]);
    expect(orSetRemove(removed, "z")).toBe(removed);
  });

  it("a re-add after a remove has a new tag, so the element is back", () => {
    const readded = orSetAdd(orSetRemove(orSetAdd(emptyOrSet, "x", "r1.1"), "x"), "x", "r1.2");
    expect([orSetElements(readded), orSetLiveTags(readded, "x")]).toEqual([["x"], ["r1.2"]]);
  });

  it("merge unions adds and tombstones: an add the remove did not observe wins", () => {
    const removedAtR1 = orSetRemove(orSetAdd(emptyOrSet, "x", "r1.1"), "x");
    const addedAtR2 = orSetAdd(emptyOrSet, "x", "r2.1");
    expect(orSetMerge(removedAtR1, addedAtR2)).toEqual({ adds: { x: ["r1.1", "r2.1"] }, removes: { x: ["r1.1"] } });
    expect(orSetElements(orSetMerge(addedAtR2, removedAtR1))).toEqual(["x"]);
    expect(orSetElements(orSetMerge(orSetAdd(emptyOrSet, "x", "r1.1"), removedAtR1))).toEqual([]);
  });

  it("merge is idempotent, commutative and associative", () => {
    expectMergeLaws(sets, orSetMerge);
  });

  it("merge keeps every add and tombstone of both sides, and a removed tag stays removed", () => {
    fc.assert(
      fc.property(sets, sets, (a, b) => {
        const m = orSetMerge(a, b);
        for (const side of [a, b]) {
          for (const [e, t] of Object.entries(side.adds))
            expect(t.every((tag) => (m.adds[e] ?? []).includes(tag))).toBe(true);
          for (const e of Object.keys(side.removes))
            expect(orSetLiveTags(m, e).some((tag) => (side.removes[e] ?? []).includes(tag))).toBe(false);
        }
      }),
      { seed: 1 },
    );
  });

  it("the broken rules: removing by value deletes a concurrent add; a remove without tombstones is undone by a merge", () => {
    const removedAtR1 = orSetRemove(orSetAdd(emptyOrSet, "x", "r1.1"), "x");
    const addedAtR2 = orSetAdd(emptyOrSet, "x", "r2.1");
    expect(mergeRemovingByValue(addedAtR2, removedAtR1)).toEqual({
      adds: { x: ["r1.1", "r2.1"] },
      removes: { x: ["r1.1", "r2.1"] },
    });
    expect(mergeRemovingByValue(orSetMerge(addedAtR2, removedAtR1), removedAtR1)).toEqual(
      orSetMerge(addedAtR2, removedAtR1),
    );
    const added = orSetAdd(emptyOrSet, "x", "r1.1");
    expect(removeWithoutTombstone(added, "x")).toEqual(emptyOrSet);
    expect(orSetElements(orSetMerge(removeWithoutTombstone(added, "x"), added))).toEqual(["x"]);
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

describe("orSetReplica", () => {
  it("an add takes the replica's next tag and ships the state to every peer", () => {
    const s = { set: orSetAdd(emptyOrSet, "x", "r1.1"), added: 1 };
    const next = { set: { adds: { x: ["r1.1", "r1.2"] }, removes: {} }, added: 2 };
    expect(orSetReplica.reduce(s, { type: "Add", element: "x" }, at("r1"))).toEqual(
      become(
        next,
        { type: "send", to: "r2", msg: { type: "State", set: next.set } },
        { type: "send", to: "r3", msg: { type: "State", set: next.set } },
      ),
    );
  });

  it("a remove ships the tombstones; a received state is merged and not answered", () => {
    const s = { set: orSetAdd(emptyOrSet, "x", "r2.1"), added: 0 };
    const removed = orSetReplica.reduce(s, { type: "Remove", element: "x" }, at("r1"));
    expect(removed?.state).toEqual({ set: { adds: { x: ["r2.1"] }, removes: { x: ["r2.1"] } }, added: 0 });
    expect(removed?.effects.map((e) => (e.type === "send" ? e.to : e.type))).toEqual(["r2", "r3"]);
    const merged = orSetReplica.reduce(s, { type: "State", set: orSetAdd(emptyOrSet, "y", "r3.1") }, at("r1", "r3"));
    expect(merged).toEqual(become({ set: { adds: { x: ["r2.1"], y: ["r3.1"] }, removes: {} }, added: 0 }));
  });
});

type State = ProtocolState<ModelReplica>;

describe("or-set: the model", () => {
  it("holds at the defaults (2 replicas, 1 element, 2 operations each, 1 duplication): 2,532 states, BFS and DFS agree", () => {
    const bfs = checkSpec(orSet);
    expect([bfs.result, bfs.distinctStates, bfs.generatedStates, bfs.maxDepth]).toEqual(["ok", 2532, 6869, 10]);
    const dfs = checkSpec(orSet, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 2532, 6869]);
  });

  it("holds with two elements (21,387 states) and on a network that does not duplicate (454)", () => {
    const two = checkSpec(orSet, { params: { elements: 2 } });
    expect([two.result, two.distinctStates, two.generatedStates]).toEqual(["ok", 21387, 61613]);
    const exact = checkSpec(orSet, { params: { duplicates: 0 } });
    expect([exact.result, exact.distinctStates, exact.generatedStates]).toEqual(["ok", 454, 967]);
  });

  it("remove-by-value loses an add concurrent with a remove, in 4 steps", () => {
    const r = checkSpec(orSet, { variant: "remove-by-value" });
    expect([r.result, r.property]).toEqual(["violation", "addWins"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      'r1: Add{element:"x"}',
      'r1: Remove{element:"x"}',
      'r2: Add{element:"x"}',
      'r2: receive State{set:{"adds":{"x":["r1.1"]},"removes":{"x":["r1.1"]}}} from r1',
    ]);
    const r2 = (r.trace?.at(-1)?.state as State).nodes["r2"]!;
    expect([r2.set.adds["x"], orSetElements(r2.set)]).toEqual([["r1.1", "r2.1"], []]);
  });

  it("no-tombstones resurrects a removed add when an older state arrives late, in 5 steps", () => {
    const r = checkSpec(orSet, { variant: "no-tombstones" });
    expect([r.result, r.property]).toEqual(["violation", "removeRemovesObserved"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      'r1: Add{element:"x"}',
      'r1: Add{element:"x"}',
      'r2: receive State{set:{"adds":{"x":["r1.1"]},"removes":{}}} from r1',
      'r2: Remove{element:"x"}',
      'r2: receive State{set:{"adds":{"x":["r1.1","r1.2"]},"removes":{}}} from r1',
    ]);
    const r2 = (r.trace?.at(-1)?.state as State).nodes["r2"]!;
    expect([r2.observed, orSetLiveTags(r2.set, "x")]).toEqual([["r1.1"], ["r1.1", "r1.2"]]);
  });

  it("replicasConverge rejects a final state where the replicas hold different elements", () => {
    const property = orSet.instantiate().properties.find((p) => p.name === "replicasConverge");
    if (property?.kind !== "final") throw new Error("missing property");
    const replica = (set: OrSet): ModelReplica => ({ set, added: 0, issued: 2, observed: [] });
    const state = (r1: ModelReplica, r2: ModelReplica): State => ({
      nodes: { r1, r2 },
      network: [],
      timers: [],
      down: [],
      faults: { lost: 0, duplicated: 0, crashed: 0 },
      history: [],
    });
    const x = orSetAdd(emptyOrSet, "x", "r1.1");
    expect(property.check(state(replica(x), replica(orSetMerge(x, orSetAdd(emptyOrSet, "x", "r2.1")))))).toBe(true);
    expect(property.check(state(replica(x), replica(orSetRemove(x, "x"))))).toBe(false);
  });
});
