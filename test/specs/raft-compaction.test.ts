import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import { defineProtocol, invariant, type ProtocolState } from "../../src/index.js";
import { restartedState } from "../../src/protocol.js";
import {
  appendEntriesFor,
  applyAll,
  candidateLogUpToDate,
  emptyMachine,
  entriesFrom,
  entryAt,
  initialServerState,
  lastIndex,
  lastLogTerm,
  leaderCompleteness,
  logMatching,
  raft,
  raftServer,
  reduceServer,
  stateMachineSafety,
  termAt,
  type LogEntry,
  type RaftMessage,
  type ServerState,
  type Snapshot,
} from "../../specs/raft.js";
import { entry, put, sentTo, serverContext } from "../support/raft.js";

const e1 = entry(1, put("c1", 1, 1));
const e2 = entry(1, put("c1", 2, 2));
const e3 = entry(2, put("c1", 3, 3));
const e4 = entry(2, put("c2", 1, 4));

/** The snapshot of entries 1..index of `entries` (the first `index`), whose last has term `term`. */
function snapshotOf(entries: readonly LogEntry[], index: number): Snapshot {
  return {
    index,
    term: entries[index - 1]?.term ?? 0,
    machine: applyAll(
      emptyMachine,
      entries.slice(0, index).map((e) => e.command),
    ),
  };
}

/** A server that compacted entries 1..index of `entries` and holds the rest, all of them committed up to `commit`. */
function compacted(entries: readonly LogEntry[], index: number, commit = index, change: Partial<ServerState> = {}) {
  const snapshot = snapshotOf(entries, index);
  const machine = applyAll(
    snapshot.machine,
    entries.slice(index, commit).map((e) => e.command),
  );
  return {
    ...initialServerState(),
    currentTerm: 2,
    log: entries.slice(index),
    snapshot,
    commitIndex: commit,
    lastApplied: commit,
    machine,
    ...change,
  } satisfies ServerState;
}

/** The context of a server's reducer: `from` sends it a message (undefined: a timer), with `compactAfter`. */
const ctx = (self: string, from: string | undefined, compactAfter = 0) =>
  serverContext(self, from, { compactAfter }, ["c1", "c2"]);

/** The messages a step sends, without their destination. */
const sent = (effects: readonly unknown[]): RaftMessage[] => sentTo(effects).map(([, m]) => m);

describe("raft compaction: the log helpers read absolute indexes past the snapshot", () => {
  const s = compacted([e1, e2, e3, e4], 2);

  it("lastIndex, lastLogTerm, termAt, entryAt, entriesFrom", () => {
    expect([lastIndex(s), lastLogTerm(s), termAt(s, 2), termAt(s, 3), termAt(s, 5)]).toEqual([4, 2, 1, 2, 0]);
    expect([entryAt(s, 2), entryAt(s, 3), entryAt(s, 4), entryAt(s, 5)]).toEqual([undefined, e3, e4, undefined]);
    expect(entriesFrom(s, 3)).toBe(s.log);
    expect([entriesFrom(s, 4), entriesFrom(s, 3, 1), entriesFrom(s, 5)]).toEqual([[e4], [e3], []]);
    // An empty log after a snapshot: its last entry is the snapshot's.
    const only = compacted([e1, e2], 2);
    expect([lastIndex(only), lastLogTerm(only)]).toEqual([2, 1]);
    expect(candidateLogUpToDate({ lastLogIndex: 2, lastLogTerm: 1 }, only)).toBe(true);
    expect(candidateLogUpToDate({ lastLogIndex: 1, lastLogTerm: 1 }, only)).toBe(false);
  });
});

describe("raft compaction: the server reducer", () => {
  const leaderOf = (s: ServerState, nextIndex: Record<string, number>): ServerState => ({
    ...s,
    role: "leader",
    nextIndex,
    matchIndex: { n2: 0, n3: 0 },
    readRound: 3,
  });

  it("compacts the applied entries once compactAfter of them sit in the log; never with compactAfter=0", () => {
    const follower: ServerState = { ...initialServerState(), currentTerm: 1, leader: "n1" };
    const append = {
      type: "AppendEntries",
      term: 1,
      prevLogIndex: 0,
      prevLogTerm: 0,
      entries: [e1, e2],
      leaderCommit: 1,
    } as const;
    const step = (n: number) => reduceServer(follower, append, ctx("n2", "n1", n))!.state;
    expect([step(0).snapshot.index, step(0).log.length, step(0).commitIndex]).toEqual([0, 2, 1]);
    expect([step(2).snapshot.index, step(2).log.length]).toEqual([0, 2]);
    // Only applied entries: entry 2 is not committed, so it stays.
    expect(step(1).snapshot).toEqual(snapshotOf([e1], 1));
    expect([step(1).log, step(1).commitIndex, step(1).lastApplied, step(1).machine]).toEqual([
      [e2],
      1,
      1,
      step(0).machine,
    ]);
  });

  it("a leader sends its snapshot to a peer whose next entry it compacted, AppendEntries from the snapshot's index on", () => {
    const leader = leaderOf(compacted([e1, e2, e3], 2), { n2: 2, n3: 3 });
    expect(appendEntriesFor(leader, "n2")).toEqual({
      type: "InstallSnapshot",
      term: 2,
      lastIncludedIndex: 2,
      lastIncludedTerm: 1,
      machine: leader.snapshot.machine,
      round: 3,
    });
    expect(appendEntriesFor(leader, "n3")).toEqual({
      type: "AppendEntries",
      term: 2,
      prevLogIndex: 2,
      prevLogTerm: 1,
      entries: [e3],
      leaderCommit: 2,
      round: 3,
    });
    // The heartbeat tick sends each what it needs.
    const tick = reduceServer(leader, { type: "Heartbeat" }, ctx("n1", undefined))!;
    expect(sent(tick.effects).map((m) => m.type)).toEqual(["InstallSnapshot", "AppendEntries"]);
  });

  it("the answer to a snapshot counts as an AppendEntries answer: matchIndex, nextIndex, awaiting, heardFrom, reads", () => {
    const leader: ServerState = {
      ...leaderOf(compacted([e1, e2, e3], 2), { n2: 2, n3: 4 }),
      awaiting: ["n2"],
      reads: [{ client: "c2", seq: 1, key: "x", readIndex: 2, round: 3, acks: [] }],
    };
    const answer = { type: "AppendEntriesResponse", term: 2, success: true, matchIndex: 2, round: 3 } as const;
    const step = reduceServer(leader, answer, ctx("n1", "n2"))!;
    expect([
      step.state.matchIndex["n2"],
      step.state.nextIndex["n2"],
      step.state.awaiting,
      step.state.heardFrom,
    ]).toEqual([2, 3, [], ["n2"]]);
    // n2's acknowledgement makes the read's majority: it is answered from the state machine.
    expect(step.state.reads).toEqual([]);
    expect(sent(step.effects)).toEqual([{ type: "ClientReply", seq: 1, result: { type: "get", value: 2 } }]);
  });

  it("InstallSnapshot: a stale leader's is refused, one not beyond the commit index changes nothing", () => {
    const snapshot = { type: "InstallSnapshot", term: 2, lastIncludedIndex: 2, lastIncludedTerm: 1 } as const;
    const follower = compacted([e1, e2, e3], 2, 3, { currentTerm: 3 });
    const stale = reduceServer(follower, { ...snapshot, machine: emptyMachine }, ctx("n2", "n1"))!;
    expect(stale.state).toBe(follower);
    expect(sent(stale.effects)).toEqual([{ type: "AppendEntriesResponse", term: 3, success: false, matchIndex: 0 }]);
    const behind = compacted([e1, e2, e3], 1, 3, { currentTerm: 2, leader: "n1" });
    const old = reduceServer(behind, { ...snapshot, machine: emptyMachine }, ctx("n2", "n1"))!;
    expect(old.state).toBe(behind);
    expect(sent(old.effects)).toEqual([{ type: "AppendEntriesResponse", term: 2, success: true, matchIndex: 2 }]);
  });

  it("InstallSnapshot: keeps the entries after a matching last entry, else discards the log; takes the machine", () => {
    const leader = compacted([e1, e2, e3], 2);
    const install = {
      type: "InstallSnapshot",
      term: 2,
      lastIncludedIndex: 2,
      lastIncludedTerm: 1,
      machine: leader.snapshot.machine,
    } as const;
    // n2 holds entries 1..3 (the same as the leader's), knows entry 1 committed.
    const matching = compacted([e1, e2, e3], 0, 1, { currentTerm: 2, leader: "n1" });
    const kept = reduceServer(matching, install, ctx("n2", "n1"))!;
    expect(kept.state).toMatchObject({ log: [e3], snapshot: leader.snapshot, commitIndex: 2, lastApplied: 2 });
    expect(kept.state.machine).toBe(leader.snapshot.machine);
    expect(sent(kept.effects)).toEqual([{ type: "AppendEntriesResponse", term: 2, success: true, matchIndex: 2 }]);
    // n3's entry 2 is of another term: its log goes; a candidate of the term becomes a follower of the sender.
    const conflicting = compacted([e1, entry(2, put("c2", 1, 9)), e4], 0, 1, { currentTerm: 2, role: "candidate" });
    const discarded = reduceServer(conflicting, install, ctx("n3", "n1"))!.state;
    expect(discarded).toMatchObject({
      log: [],
      snapshot: leader.snapshot,
      commitIndex: 2,
      role: "follower",
      leader: "n1",
    });
  });

  it("an AppendEntries from before the snapshot is cut to the snapshot's index: committed entries match", () => {
    const follower = compacted([e1, e2], 2, 2, { leader: "n1" });
    const append = { type: "AppendEntries", term: 2, prevLogIndex: 0, prevLogTerm: 0, leaderCommit: 3 } as const;
    const longer = reduceServer(follower, { ...append, entries: [e1, e2, e3] }, ctx("n2", "n1"))!;
    expect([longer.state.log, longer.state.commitIndex, longer.state.snapshot.index]).toEqual([[e3], 3, 2]);
    expect(sent(longer.effects)).toEqual([{ type: "AppendEntriesResponse", term: 2, success: true, matchIndex: 3 }]);
    const shorter = reduceServer(follower, { ...append, entries: [e1] }, ctx("n2", "n1"))!;
    expect(shorter.state).toBe(follower);
    expect(sent(shorter.effects)).toEqual([{ type: "AppendEntriesResponse", term: 2, success: true, matchIndex: 2 }]);
  });

  it("a restarted server takes its state machine from its durable snapshot: its entries are committed and applied", () => {
    const before = compacted([e1, e2, e3], 2, 3, { role: "leader" });
    const setup = ctx("n1", undefined);
    const after = restartedState(raftServer, setup, before);
    expect(after).toMatchObject({ role: "follower", log: [e3], commitIndex: 2, lastApplied: 2 });
    expect([after.snapshot, after.machine]).toEqual([before.snapshot, before.snapshot.machine]);
    // Without a snapshot a restart is as before: nothing applied.
    const fresh = restartedState(raftServer, setup, compacted([e1], 0, 1));
    expect([fresh.commitIndex, fresh.lastApplied, fresh.machine]).toEqual([0, 0, emptyMachine]);
  });
});

describe("raft compaction: the properties compare what both servers still hold", () => {
  it("logMatching and leaderCompleteness across a snapshot", () => {
    const a = compacted([e1, e2, e3], 2);
    const b = compacted([e1, e2, e3], 0, 1);
    expect([logMatching([a, b]), leaderCompleteness([{ ...a, role: "leader" }, b])]).toEqual([true, true]);
    // b's entry 3 differs from a's: same term, another command.
    const other = compacted([e1, e2, entry(2, put("c2", 1, 7))], 0, 3);
    expect(logMatching([a, other])).toBe(false);
    expect(leaderCompleteness([{ ...a, role: "leader" }, other])).toBe(false);
    // Where a's snapshot ends, b holds an entry of another term.
    const diverged = compacted([e1, entry(2, put("c2", 1, 7)), e3], 0, 1);
    expect(logMatching([a, diverged])).toBe(false);
    // A leader lacking a committed entry that another server compacted.
    const short = { ...compacted([e1], 1), currentTerm: 2, role: "leader" as const };
    expect(leaderCompleteness([short, a])).toBe(false);
  });

  it("stateMachineSafety compares state machines where a snapshot sits", () => {
    const a = compacted([e1, e2, e3], 2, 3);
    const b = compacted([e1, e2, e3], 1, 3);
    expect(stateMachineSafety([a, b])).toBe(true);
    // The same data without the client sessions is another state of the machine.
    const bare = { ...a.snapshot, machine: { data: a.snapshot.machine.data, sessions: {} } };
    expect(
      stateMachineSafety([
        { ...a, snapshot: bare },
        { ...b, lastApplied: 2, commitIndex: 2 },
      ]),
    ).toBe(false);
    expect(stateMachineSafety([{ ...a, machine: b.snapshot.machine }, b])).toBe(false);
    // Two snapshots at the same index, one without the sessions.
    expect(stateMachineSafety([{ ...a, snapshot: bare, lastApplied: 2, commitIndex: 2 }, a])).toBe(false);
    // Another command applied at index 2.
    const other = compacted([e1, entry(1, put("c2", 1, 5)), e3], 1, 3);
    expect(stateMachineSafety([a, other])).toBe(false);
  });
});

/** The correct model with one more invariant. */
function withInvariant(name: string, holds: (servers: readonly ServerState[]) => boolean, server = raftServer) {
  const def = raft.definition;
  return defineProtocol({
    ...def,
    roles: { ...def.roles, server },
    variants: {},
    properties: {
      ...def.properties,
      [name]: invariant((s: ProtocolState) => holds(["n1", "n2", "n3"].map((id) => s.nodes[id] as ServerState)), name),
    },
  });
}

/** Every server's snapshot is applied: its commit index and state machine are at or past it. */
const snapshotApplied = (servers: readonly ServerState[]) =>
  servers.every(
    (s) =>
      s.commitIndex >= s.snapshot.index &&
      s.lastApplied === s.commitIndex &&
      (s.lastApplied > s.snapshot.index || s.machine === s.snapshot.machine),
  );

describe("raft compaction: model checking", () => {
  it("compactAfter=1 at the default bounds is safe: 207,301 states (205,877 without compaction)", () => {
    const r = checkSpec(raft, { params: { compactAfter: 1 } });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 207_301, 1_451_983]);
  });

  // A peer whose empty first AppendEntries is answered after the leader committed (with the other peer) and compacted
  // entry 1 gets nextIndex 1: the leader's next tick sends it the snapshot.
  it.each([
    [1, 74_378, 524_899, 5_068],
    [2, 75_710, 533_893, 2_376],
  ])(
    "two requests, n1 the only candidate, compactAfter=%i: leaders send InstallSnapshot and every property holds (%i states)",
    (compactAfter, distinct, generated, installs) => {
      const r = checkSpec(raft, { params: { compactAfter, requests: 2, candidates: 1 }, stats: true });
      expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", distinct, generated]);
      const delivered = r.stats!.actions.find((a) => a.action === "server: receive InstallSnapshot");
      expect(delivered?.generated).toBe(installs);
    },
  );

  it("servers crash and restart from their snapshots: every property holds (217,251 states)", () => {
    const spec = withInvariant("snapshotApplied", snapshotApplied);
    const r = checkSpec(spec, { params: { compactAfter: 1, crash: 1, candidates: 1 } });
    expect([r.result, r.property, r.distinctStates, r.generatedStates]).toEqual(["ok", null, 217_251, 1_465_861]);
  });

  it("a restart that ignored the snapshot would leave its entries unapplied: found in 14 steps", () => {
    const { restore: _, ...withoutRestore } = raftServer;
    const spec = withInvariant("snapshotApplied", snapshotApplied, withoutRestore);
    const r = checkSpec(spec, { params: { compactAfter: 1, crash: 1, candidates: 1 } });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "snapshotApplied", 14]);
    expect(r.trace?.at(-1)?.action).toMatch(/restart/);
  });

  it("snapshot-drops-sessions: a follower installs a snapshot without sessions, in 20 steps", () => {
    const r = checkSpec(raft, { variant: "snapshot-drops-sessions" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1, r.distinctStates]).toEqual([
      "violation",
      "stateMachineSafety",
      20,
      33_961,
    ]);
    expect(r.trace?.at(-1)?.action).toBe(
      `n3: receive InstallSnapshot{term:1,lastIncludedIndex:1,lastIncludedTerm:1,machine:{"data":{"x":1},"sessions":{}}} from n1`,
    );
    const last = r.trace!.at(-1)!.state as ProtocolState;
    const [n1, n3] = [last.nodes["n1"] as ServerState, last.nodes["n3"] as ServerState];
    expect([n1.lastApplied, n3.lastApplied, n1.machine.sessions, n3.machine.sessions]).toEqual([
      1,
      1,
      { c1: { seq: 1, result: { type: "put" } } },
      {},
    ]);
  });
});
