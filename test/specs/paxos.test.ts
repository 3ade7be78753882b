import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import type { ProtocolState } from "../../src/index.js";
import { chosenValues, nextBallot, paxos, quorumSize } from "../../specs/paxos.js";

describe("paxos: ballots and quorums", () => {
  it("gives proposers disjoint ballots and majorities as quorums", () => {
    expect([1, 2, 3].map((k) => nextBallot(0, k - 1, 3))).toEqual([1, 2, 3]);
    expect(nextBallot(2, 1, 3)).toBe(5);
    expect([1, 2, 3, 4, 5].map(quorumSize)).toEqual([1, 2, 2, 3, 3]);
  });
});

describe("paxos: the model", () => {
  it("holds at the defaults (3 acceptors, 2 proposers, one ballot each): 31,329 states, BFS and DFS agree", () => {
    const bfs = checkSpec(paxos);
    expect([bfs.result, bfs.distinctStates, bfs.generatedStates]).toEqual(["ok", 31329, 240328]);
    const dfs = checkSpec(paxos, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 31329, 240328]);
  });

  it("holds for one proposer retrying at a higher ballot: 8,817 states", () => {
    const r = checkSpec(paxos, { params: { proposers: 1 } });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 7217, 39393]);
  });

  it("accept-lower-ballot chooses two values in 14 steps", () => {
    const r = checkSpec(paxos, { variant: "accept-lower-ballot" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "atMostOneValueChosen", 14]);
    // The bug is on the trace: a2 promised ballot 2, then accepted ballot 1.
    const actions = r.trace?.map((s) => s.action) ?? [];
    expect(actions.indexOf('a2: receive Accept{ballot:1,value:"v1"} from p1')).toBeGreaterThan(
      actions.indexOf("a2: receive Prepare{ballot:2} from p2"),
    );
    expect(chosenValues(r.trace?.at(-1)?.state as ProtocolState<never, never>, 3)).toEqual(["v1", "v2"]);
    const dfs = checkSpec(paxos, { variant: "accept-lower-ballot", strategy: "dfs" });
    expect([dfs.result, dfs.property]).toEqual(["violation", "atMostOneValueChosen"]);
  });

  it("validity fails on a state where a majority voted for a value nobody proposed", () => {
    const model = paxos.instantiate();
    const validity = model.properties.find((p) => p.name === "onlyProposedValuesChosen");
    if (validity?.kind !== "invariant") throw new Error("missing invariant");
    const [init] = model.initStates();
    const vote = (from: string) => ({ from, to: "p1", msg: { type: "Accepted", ballot: 1, value: "zz" } });
    expect(validity.check(init!)).toBe(true);
    expect(validity.check({ ...init!, network: [vote("a1"), vote("a3")] })).toBe(false);
  });
});
