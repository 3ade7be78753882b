import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import {
  gossipMembership,
  mergeView,
  overrides,
  sameView,
  type MembershipState,
  type Status,
  type View,
  type ViewEntry,
} from "../../specs/gossip-membership.js";

const e = (status: Status, incarnation: number): ViewEntry => ({ status, incarnation });

describe("gossip-membership: views", () => {
  it("a higher incarnation overrides; at the same incarnation the graver status does", () => {
    expect([
      overrides(e("alive", 1), e("dead", 0)),
      overrides(e("suspect", 0), e("alive", 0)),
      overrides(e("dead", 0), e("suspect", 0)),
      overrides(e("alive", 0), e("suspect", 0)),
      overrides(e("dead", 0), e("alive", 1)),
    ]).toEqual([true, true, true, false, false]);
  });

  it("a member that hears it is suspected or dead refutes at the next incarnation; news about others merges by override", () => {
    const mine: View = { m1: e("alive", 0), m2: e("alive", 0), m3: e("alive", 0) };
    const heard: View = { m1: e("alive", 0), m2: e("dead", 0), m3: e("suspect", 0) };
    expect(mergeView("m2", mine, heard)).toEqual({ m1: e("alive", 0), m2: e("alive", 1), m3: e("suspect", 0) });
    expect(mergeView("m2", { ...mine, m2: e("alive", 2) }, heard)).toEqual({
      m1: e("alive", 0),
      m2: e("alive", 2),
      m3: e("suspect", 0),
    });
  });

  it("merging views of other members is idempotent, commutative and associative", () => {
    const entry = fc.record({
      status: fc.constantFrom<Status>("alive", "suspect", "dead"),
      incarnation: fc.integer({ min: 0, max: 2 }),
    });
    const view = fc.record({ m1: entry, m2: entry, m3: entry });
    const merge = (a: View, b: View) => mergeView("m9", a, b);
    fc.assert(
      fc.property(view, view, view, (a, b, c) => {
        expect(sameView(merge(a, a), a)).toBe(true);
        expect(sameView(merge(a, b), merge(b, a))).toBe(true);
        expect(sameView(merge(merge(a, b), c), merge(a, merge(b, c)))).toBe(true);
      }),
      { seed: 1, numRuns: 300 },
    );
  });
});

describe("gossip-membership: the model", () => {
  it("holds at the defaults (3 members, 1 crash, 1 false suspicion): BFS and DFS agree", () => {
    const b = checkSpec(gossipMembership);
    expect([b.result, b.distinctStates, b.generatedStates]).toEqual(["ok", 1468, 4273]);
    const d = checkSpec(gossipMembership, { strategy: "dfs" });
    expect([d.result, d.distinctStates, d.generatedStates]).toEqual(["ok", 1468, 4273]);
  });

  it("no-incarnations: m3, live but declared dead by m2, stays dead in m2's view for good, in 6 steps", () => {
    const r = checkSpec(gossipMembership, { variant: "no-incarnations" });
    expect([r.result, r.property]).toEqual(["violation", "liveMembersAreNeverRemovedForGood"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "Crash(m1)",
      "Suspect(m2, m1)",
      "Suspect(m2, m3)",
      "Confirm(m2, m1)",
      "Confirm(m2, m3)",
      "Gossip(m2, m3)",
    ]);
    const last = r.trace?.at(-1)?.state as MembershipState;
    expect([last.views.m2!.m3, last.views.m3!.m3, last.views.m3!.m1]).toEqual([
      e("dead", 0),
      e("alive", 0),
      e("dead", 0),
    ]);
  });

  it("random search finds no-incarnations breaking liveMembersAreNeverRemovedForGood", () => {
    const r = checkSpec(gossipMembership, {
      variant: "no-incarnations",
      strategy: "random",
      seed: 1,
      properties: ["liveMembersAreNeverRemovedForGood"],
    });
    expect([r.result, r.property]).toEqual(["violation", "liveMembersAreNeverRemovedForGood"]);
  });

  it("the properties fail on states that break them", () => {
    const model = gossipMembership.instantiate();
    const prop = (name: string) => model.properties.find((p) => p.name === name)!;
    const all = (m1: ViewEntry, m2: ViewEntry, m3: ViewEntry): View => ({ m1, m2, m3 });
    const good: MembershipState = {
      views: {
        m1: all(e("alive", 0), e("alive", 1), e("dead", 0)),
        m2: all(e("alive", 0), e("alive", 1), e("dead", 0)),
        m3: all(e("alive", 0), e("alive", 0), e("alive", 0)),
      },
      crashed: ["m3"],
      falseSuspicions: 1,
    };
    const self = prop("membersNeverDeclareThemselvesDown");
    const incarnation = prop("onlyAMemberRaisesItsIncarnation");
    const removed = prop("crashedMembersAreRemovedEverywhere");
    const live = prop("liveMembersAreNeverRemovedForGood");
    if (
      self.kind !== "invariant" ||
      incarnation.kind !== "invariant" ||
      removed.kind !== "final" ||
      live.kind !== "final"
    )
      throw new Error("unexpected kinds");
    expect([self.check(good), incarnation.check(good), removed.check(good), live.check(good)]).toEqual([
      true,
      true,
      true,
      true,
    ]);
    const views = (m1: View): MembershipState => ({ ...good, views: { ...good.views, m1 } });
    expect(self.check(views(all(e("suspect", 0), e("alive", 1), e("dead", 0))))).toBe(false);
    expect(incarnation.check(views(all(e("alive", 0), e("alive", 2), e("dead", 0))))).toBe(false);
    expect(removed.check(views(all(e("alive", 0), e("alive", 1), e("suspect", 0))))).toBe(false);
    expect(live.check(views(all(e("alive", 0), e("dead", 1), e("dead", 0))))).toBe(false);
  });
});
