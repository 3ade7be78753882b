import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import { defineProtocol, invariant, type ProtocolState } from "../../src/index.js";
import {
  forgetOutstanding,
  initialServerState,
  raft,
  reduceServer,
  type AppendEntriesResponse,
  type LogEntry,
  type RaftMessage,
  type ServerState,
} from "../../specs/raft.js";
import { entry, put, sentTo, serverContext } from "../support/raft.js";

const e1 = entry(1, put("c1", 1, 1));
const e2 = entry(1, put("c1", 2, 2));
const e3 = entry(1, put("c1", 3, 3));

/** The context of a server's reducer: `from` sends it a message (undefined: a timer), with `pipeline`. */
const ctx = (self: string, from: string | undefined, pipeline: number) => serverContext(self, from, { pipeline });

/** n1 as the leader of term 1 holding `log`, all of it sent to both peers once and acknowledged by neither. */
function leader(log: readonly LogEntry[], more: Partial<ServerState> = {}): ServerState {
  return {
    ...initialServerState(),
    currentTerm: 1,
    votedFor: "n1",
    role: "leader",
    log,
    nextIndex: { n2: 1, n3: 1 },
    matchIndex: { n2: 0, n3: 0 },
    ...more,
  };
}

const success = (matchIndex: number): AppendEntriesResponse => ({
  type: "AppendEntriesResponse",
  term: 1,
  success: true,
  matchIndex,
});

const tick = (s: ServerState, pipeline: number) =>
  reduceServer(s, { type: "Heartbeat" }, ctx("n1", undefined, pipeline));
const answer = (s: ServerState, from: string, m: AppendEntriesResponse, pipeline = 2) =>
  reduceServer(s, m, ctx("n1", from, pipeline))!.state;

describe("raft pipelining: the leader", () => {
  it("sends a peer with one AppendEntries outstanding the entries after it, with pipeline=2; not a third", () => {
    const first = tick(leader([e1]), 2)!;
    expect(sentTo(first.effects).map(([to, m]) => [to, m.type === "AppendEntries" && m.entries])).toEqual([
      ["n2", [e1]],
      ["n3", [e1]],
    ]);
    expect([first.state.nextIndex, first.state.inflight, first.state.awaiting]).toEqual([
      { n2: 2, n3: 2 },
      { n2: [1], n3: [1] },
      ["n2", "n3"],
    ]);
    // Nothing new: the tick is not enabled (no second heartbeat while one is outstanding).
    expect(tick(first.state, 2)).toBeUndefined();
    const second = tick({ ...first.state, log: [e1, e2] }, 2)!;
    expect(sentTo(second.effects)).toEqual([
      ["n2", { type: "AppendEntries", term: 1, prevLogIndex: 1, prevLogTerm: 1, entries: [e2], leaderCommit: 0 }],
      ["n3", { type: "AppendEntries", term: 1, prevLogIndex: 1, prevLogTerm: 1, entries: [e2], leaderCommit: 0 }],
    ]);
    expect([second.state.nextIndex, second.state.inflight]).toEqual([
      { n2: 3, n3: 3 },
      { n2: [1, 2], n3: [1, 2] },
    ]);
    expect(tick({ ...second.state, log: [e1, e2, e3] }, 2)).toBeUndefined();
  });

  it("with pipeline=1 (the default) waits for the answer, records nothing inflight and keeps nextIndex", () => {
    const first = tick(leader([e1]), 1)!;
    expect([first.state.nextIndex, first.state.inflight, first.state.awaiting]).toEqual([
      { n2: 1, n3: 1 },
      {},
      ["n2", "n3"],
    ]);
    expect(tick({ ...first.state, log: [e1, e2] }, 1)).toBeUndefined();
  });

  it("a success frees what it acknowledges and raises matchIndex to it only; a duplicate or a late one frees nothing more", () => {
    const s = leader([e1, e2, e3], {
      nextIndex: { n2: 4, n3: 1 },
      inflight: { n2: [1, 2, 3] },
      awaiting: ["n2"],
    });
    const two = answer(s, "n2", success(2));
    expect([two.matchIndex["n2"], two.nextIndex["n2"], two.inflight, two.awaiting, two.heardFrom]).toEqual([
      2,
      4,
      { n2: [3] },
      ["n2"],
      ["n2"],
    ]);
    // Entry 2 is on n1 and n2: a majority, committed.
    expect(two.commitIndex).toBe(2);
    // The answer to the first AppendEntries, late or duplicated: matchIndex does not fall, entry 3 stays inflight.
    expect(answer(two, "n2", success(1))).toMatchObject({ matchIndex: { n2: 2 }, inflight: { n2: [3] } });
    const three = answer(two, "n2", success(3));
    expect([three.matchIndex["n2"], three.nextIndex["n2"], three.inflight, three.awaiting]).toEqual([3, 4, {}, []]);
  });

  it("a rejection probes from the follower's last index + 1 and forgets what is inflight; a stale one changes nothing", () => {
    const s = leader([e1, e2, e3], {
      nextIndex: { n2: 4, n3: 1 },
      matchIndex: { n2: 1, n3: 0 },
      inflight: { n2: [2, 3] },
      awaiting: ["n2"],
    });
    const reject = { type: "AppendEntriesResponse", term: 1, success: false, matchIndex: 0 } as const;
    // n2 holds only entry 1: the AppendEntries after entry 2 is rejected.
    const probed = answer(s, "n2", { ...reject, rejected: 2, hint: 1 });
    expect([probed.nextIndex["n2"], probed.matchIndex["n2"], probed.inflight, probed.awaiting]).toEqual([2, 1, {}, []]);
    // The follower's log is longer (a deposed leader's entries): back off to the index rejected.
    expect(answer(s, "n2", { ...reject, rejected: 3, hint: 5 }).nextIndex["n2"]).toBe(3);
    // Rejecting index 1, which n2 is known to hold: overtaken by a later answer.
    expect(answer(s, "n2", { ...reject, rejected: 1, hint: 0 })).toMatchObject({
      nextIndex: s.nextIndex,
      inflight: s.inflight,
      heardFrom: ["n2"],
    });
  });

  it("a resend after a timeout (forgetOutstanding) sends again from matchIndex + 1", () => {
    const s = leader([e1, e2], {
      nextIndex: { n2: 3, n3: 2 },
      matchIndex: { n2: 1, n3: 0 },
      inflight: { n2: [2] },
      awaiting: ["n2", "n3"],
    });
    expect(forgetOutstanding(s, ["n2"])).toMatchObject({ nextIndex: { n2: 2, n3: 2 }, inflight: {}, awaiting: ["n3"] });
    // Stop-and-wait (nothing inflight): only awaiting changes, as before pipelining.
    expect(forgetOutstanding(s, ["n3"])).toMatchObject({
      nextIndex: s.nextIndex,
      inflight: s.inflight,
      awaiting: ["n2"],
    });
  });
});

describe("raft pipelining: the follower", () => {
  const follower: ServerState = { ...initialServerState(), currentTerm: 1, leader: "n1", log: [e1] };
  const append = {
    type: "AppendEntries",
    term: 1,
    prevLogIndex: 2,
    prevLogTerm: 1,
    entries: [e3],
    leaderCommit: 0,
  } as const;

  it("names the index it rejects and its last index when pipelining, as before without", () => {
    const reject = { type: "AppendEntriesResponse", term: 1, success: false, matchIndex: 0 };
    expect(sentTo(reduceServer(follower, append, ctx("n2", "n1", 2))!.effects)).toEqual([
      ["n1", { ...reject, rejected: 2, hint: 1 }],
    ]);
    expect(sentTo(reduceServer(follower, append, ctx("n2", "n1", 1))!.effects)).toEqual([["n1", reject]]);
  });
});

/** The correct model with one more invariant over the state. */
function withInvariant(name: string, holds: (s: ProtocolState) => boolean) {
  const def = raft.definition;
  return defineProtocol({ ...def, variants: {}, properties: { ...def.properties, [name]: invariant(holds, name) } });
}

const servers = (s: ProtocolState) => ["n1", "n2", "n3"].map((id) => s.nodes[id] as ServerState);

describe("raft pipelining: model checking", () => {
  const bounds = { pipeline: 2, requests: 2, candidates: 1 };

  // With compactAfter=1 a peer whose first AppendEntries is answered after the leader compacted gets the snapshot.
  it.each([
    ["", {}, 44_780, 316_881, 0],
    [", compactAfter=1 (InstallSnapshot)", { compactAfter: 1 }, 49_708, 351_989, 2_920],
    [", one duplicated message", { duplicate: 1 }, 181_547, 1_397_844, 0],
  ])(
    "pipeline=2, two requests, n1 the only candidate%s: every property holds",
    (_, more, distinct, generated, installs) => {
      const r = checkSpec(raft, { params: { ...bounds, ...more }, stats: true });
      expect([r.result, r.property, r.distinctStates, r.generatedStates]).toEqual(["ok", null, distinct, generated]);
      const delivered = r.stats!.actions.find((a) => a.action === "server: receive InstallSnapshot");
      expect(delivered?.generated ?? 0).toBe(installs);
    },
  );

  it("a leader does keep two AppendEntries outstanding to a peer at those bounds: in 13 steps", () => {
    const spec = withInvariant("neverTwoInflight", (s) =>
      servers(s).every((x) => Object.values(x.inflight).every((o) => o.length < 2)),
    );
    const r = checkSpec(spec, { params: bounds });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "neverTwoInflight", 13]);
  });

  it("the network reorders them: a follower rejects the second, which arrived first, naming its last index, in 19 steps", () => {
    const spec = withInvariant("noRejectionInFlight", (s) =>
      s.network.every(
        (e) => (e.msg as RaftMessage).type !== "AppendEntriesResponse" || !("rejected" in (e.msg as object)),
      ),
    );
    const r = checkSpec(spec, { params: bounds });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "noRejectionInFlight", 19]);
    expect(r.trace?.at(-1)?.action).toMatch(/^n2: receive AppendEntries\{term:1,prevLogIndex:1,/);
  });

  it("optimistic-match: the leader commits an entry only it holds, and a leader elected without it follows, in 22 steps", () => {
    const r = checkSpec(raft, { variant: "optimistic-match" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1, r.distinctStates]).toEqual([
      "violation",
      "leaderCompleteness",
      22,
      91_551,
    ]);
    // n2's answer to the first AppendEntries (entry 1) counted as matching entry 2, still in flight: n1 committed it.
    const last = r.trace!.at(-1)!.state as ProtocolState;
    const [n1, n2] = [last.nodes["n1"] as ServerState, last.nodes["n2"] as ServerState];
    expect([n1.commitIndex, n1.log.length, n2.role, n2.currentTerm, n2.log.length]).toEqual([2, 2, "leader", 2, 1]);
  });

  it("the correct server at optimistic-match's bounds: no violation within its 22 steps", () => {
    const params = raft.variants.find((v) => v.name === "optimistic-match")!.params!;
    const r = checkSpec(raft, { params, maxDepth: 22 });
    expect([r.result, r.distinctStates]).toEqual(["incomplete", 98_165]);
  });
});
