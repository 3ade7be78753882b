import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import { grantsVote, normalize, raftElection, receive, type ElectionState } from "../../specs/raft-election.js";

const follower = { term: 0, role: "follower", votedFor: null, votes: [] } as const;

describe("raft-election: the reducers", () => {
  it("shifts every term by the smallest and drops messages of a term below their receiver's", () => {
    const s: ElectionState = {
      servers: { n1: { ...follower, term: 3 }, n2: { ...follower, term: 4 }, n3: { ...follower, term: 4 } },
      network: [
        { type: "Heartbeat", from: "n2", to: "n3", term: 3 },
        { type: "RequestVote", from: "n2", to: "n1", term: 4 },
      ],
      stable: false,
    };
    expect(normalize(s)).toEqual({
      servers: { n1: { ...follower, term: 0 }, n2: { ...follower, term: 1 }, n3: { ...follower, term: 1 } },
      network: [{ type: "RequestVote", from: "n2", to: "n1", term: 1 }],
      stable: false,
    });
  });

  it("grants one vote per term, and a candidate with a majority becomes leader", () => {
    const p = { servers: 3 };
    const voted = receive(follower, { type: "RequestVote", from: "n1", to: "n2", term: 1 }, p, grantsVote);
    expect(voted).toEqual({
      server: { term: 1, role: "follower", votedFor: "n1", votes: [] },
      send: [{ type: "RequestVoteResponse", from: "n2", to: "n1", term: 1, granted: true }],
    });
    const refused = receive(voted.server, { type: "RequestVote", from: "n3", to: "n2", term: 1 }, p, grantsVote);
    expect(refused.send).toEqual([{ type: "RequestVoteResponse", from: "n2", to: "n3", term: 1, granted: false }]);
    const candidate = { term: 1, role: "candidate", votedFor: "n1", votes: ["n1"] } as const;
    expect(
      receive(candidate, { type: "RequestVoteResponse", from: "n2", to: "n1", term: 1, granted: true }, p, grantsVote)
        .server,
    ).toEqual({
      term: 1,
      role: "leader",
      votedFor: "n1",
      votes: ["n1", "n2"],
    });
  });
});

describe("raft-election: the model", () => {
  it("holds at the defaults (3 servers): 15,008 states, BFS and DFS agree, eventuallyLeader included", () => {
    const r = checkSpec(raftElection);
    expect([r.result, r.property, r.distinctStates, r.generatedStates]).toEqual(["ok", null, 15008, 89157]);
    const dfs = checkSpec(raftElection, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 15008, 89157]);
  });

  it("holds with 2 servers: 56 states", () => {
    const r = checkSpec(raftElection, { params: { servers: 2 } });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 56, 140]);
  });

  it("relative terms keep election safety meaningful: vote-twice elects n1 and n2 in the same term, in 6 steps", () => {
    const r = checkSpec(raftElection, { variant: "vote-twice" });
    expect([r.result, r.property, r.distinctStates]).toEqual(["violation", "atMostOneLeaderPerTerm", 588]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "Timeout(n1)",
      "Timeout(n2)",
      "Deliver(RequestVote n1->n2)",
      "Deliver(RequestVote n2->n1)",
      "Deliver(RequestVoteResponse n1->n2)",
      "Deliver(RequestVoteResponse n2->n1)",
    ]);
    const servers = (r.trace?.at(-1)?.state as ElectionState).servers;
    expect([servers.n1, servers.n2]).toEqual([
      { term: 1, role: "leader", votedFor: "n2", votes: ["n1", "n2"] },
      { term: 1, role: "leader", votedFor: "n1", votes: ["n1", "n2"] },
    ]);
    const dfs = checkSpec(raftElection, { variant: "vote-twice", strategy: "dfs" });
    expect([dfs.result, dfs.property, (dfs.trace?.length ?? 0) - 1]).toEqual([
      "violation",
      "atMostOneLeaderPerTerm",
      11,
    ]);
  });

  describe("liveness: eventuallyLeader", () => {
    it("split-votes (no stable period): all three candidates time out together, then a fair cycle of 22 steps splits the vote forever", () => {
      const r = checkSpec(raftElection, { variant: "split-votes" });
      expect([r.result, r.property, r.propertyKind, r.loopStart, (r.trace?.length ?? 0) - 1]).toEqual([
        "violation",
        "eventuallyLeader",
        "eventually",
        3,
        25,
      ]);
      expect(r.trace?.slice(0, 4).map((s) => s.action)).toEqual([null, "Timeout(n1)", "Timeout(n2)", "Timeout(n3)"]);
      const loop = r.trace?.slice(4).map((s) => s.action) ?? [];
      expect([
        loop.filter((a) => a?.startsWith("Timeout")).length,
        loop.filter((a) => a?.startsWith("Deliver")).length,
      ]).toEqual([6, 16]);
      const entry = r.trace?.[3]?.state as ElectionState;
      expect(r.trace?.at(-1)?.state).toEqual(entry);
      expect(Object.values(entry.servers).map((s) => [s.term, s.role, s.votes])).toEqual([
        [0, "candidate", ["n1"]],
        [0, "candidate", ["n2"]],
        [0, "candidate", ["n3"]],
      ]);
      expect([entry.stable, entry.network.length]).toEqual([false, 6]);
      const dfs = checkSpec(raftElection, { variant: "split-votes", strategy: "dfs" });
      expect([dfs.result, dfs.property, dfs.loopStart, (dfs.trace?.length ?? 0) - 1]).toEqual([
        "violation",
        "eventuallyLeader",
        3,
        25,
      ]);
    });

    it("split-votes with 2 servers: both time out, then a cycle of 10 steps (two answers refused, two new terms) repeats", () => {
      const r = checkSpec(raftElection, { variant: "split-votes", params: { servers: 2 } });
      expect([r.result, r.property, r.loopStart, (r.trace?.length ?? 0) - 1]).toEqual([
        "violation",
        "eventuallyLeader",
        2,
        12,
      ]);
      expect(r.trace?.slice(0, 3).map((s) => s.action)).toEqual([null, "Timeout(n1)", "Timeout(n2)"]);
      expect(r.trace?.at(-1)?.state).toEqual(r.trace?.[2]?.state);
    });
  });
});
