import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkSpec } from "../../checker/index.js";
import { runCli } from "../../checker/cli-index.js";
import { toTraceJson, type HistoryEvent, type NodeContext, type ProtocolState } from "../../src/index.js";
import {
  applyCommand,
  candidateLogUpToDate,
  emptyMachine,
  emptySnapshot,
  KvError,
  mergeEntries,
  raft,
  raftServer,
  raftWorkload,
  sameValue,
  type LogEntry,
  type ServerState,
} from "../../specs/raft.js";
import { entry, put } from "../support/raft.js";

/** A log without a snapshot, as the log helpers read it. */
const logOf = (...log: LogEntry[]) => ({ log, snapshot: emptySnapshot });

/** The context a server's reducer sees when `from` sends it a message. */
function serverCtx(self: string, from: string): NodeContext<unknown> {
  return {
    self,
    from,
    kind: "message",
    params: {},
    nodes: ["n1", "n2", "n3", "c1"],
    roles: { server: ["n1", "n2", "n3"], client: ["c1"] },
  };
}

/** n1 as the leader of term 1, with `more` on top. */
function leaderN1(more: Partial<ServerState> = {}): ServerState {
  return {
    ...(initialState().nodes["n1"] as ServerState),
    role: "leader",
    currentTerm: 1,
    votedFor: "n1",
    nextIndex: { n2: 1, n3: 1 },
    matchIndex: { n2: 0, n3: 0 },
    ...more,
  };
}

/** The context of a server's timer. */
function timerCtx(self: string): NodeContext<unknown> {
  return {
    self,
    from: undefined,
    kind: "timer",
    params: {},
    nodes: ["n1", "n2", "n3", "c1"],
    roles: { server: ["n1", "n2", "n3"], client: ["c1"] },
  };
}

/** A property of the default model, bound to its parameters. */
function property(name: string) {
  const p = raft.instantiate().properties.find((x) => x.name === name);
  if (p === undefined) throw new Error(`no property ${name}`);
  return p;
}

function initialState(): ProtocolState {
  return raft.instantiate().initStates()[0]!;
}

function withServer(s: ProtocolState, id: string, change: Partial<ServerState>): ProtocolState {
  return { ...s, nodes: { ...s.nodes, [id]: { ...(s.nodes[id] as ServerState), ...change } } };
}

describe("raft: the key-value state machine", () => {
  it("applies a retried command (same client, same seq) once, answering from the session", () => {
    const first = applyCommand(emptyMachine, put("c1", 1, 1));
    const other = applyCommand(first.machine, put("c2", 1, 2));
    const retry = applyCommand(other.machine, put("c1", 1, 1));
    expect(retry.machine).toBe(other.machine);
    expect(retry.machine.data).toEqual({ x: 2 });
    expect(retry.result).toEqual({ type: "put" });
    // An older command of a client that has moved on is neither executed nor answered.
    const next = applyCommand(retry.machine, put("c1", 2, 3));
    expect(applyCommand(next.machine, put("c1", 1, 1))).toEqual({ machine: next.machine, result: undefined });
  });

  it("executes get, put and compare-and-set on absent and present keys", () => {
    const cas = { client: "c1", seq: 1, op: { type: "cas", key: "x", expected: null, value: 1 } } as const;
    const swapped = applyCommand(emptyMachine, cas);
    expect([swapped.machine.data, swapped.result]).toEqual([{ x: 1 }, { type: "cas", swapped: true }]);
    const again = applyCommand(swapped.machine, { ...cas, seq: 2 });
    expect([again.machine.data, again.result]).toEqual([{ x: 1 }, { type: "cas", swapped: false, error: 22 }]);
    const get = applyCommand(again.machine, { client: "c1", seq: 3, op: { type: "get", key: "x" } });
    expect(get.result).toEqual({ type: "get", value: 1 });
  });

  it("answers with Maelstrom's codes: 20 for an absent key, 22 for another value", () => {
    const get = { client: "c1", seq: 1, op: { type: "get", key: "x" } } as const;
    expect(applyCommand(emptyMachine, get).result).toEqual({
      type: "get",
      value: null,
      error: KvError.keyDoesNotExist,
    });
    const cas = { client: "c1", seq: 2, op: { type: "cas", key: "x", expected: 1, value: 2 } } as const;
    expect(applyCommand(emptyMachine, cas).result).toEqual({ type: "cas", swapped: false, error: 20 });
    const one = applyCommand(emptyMachine, put("c2", 1, 3)).machine;
    expect(applyCommand(one, cas).result).toEqual({ type: "cas", swapped: false, error: 22 });
    expect([KvError.temporarilyUnavailable, KvError.crash, KvError.preconditionFailed]).toEqual([11, 13, 22]);
  });

  it("stores values of any JSON type and compares them by structure", () => {
    const doc = { a: [1, "two", null, true], b: { c: 3 } };
    const written = applyCommand(emptyMachine, {
      client: "c1",
      seq: 1,
      op: { type: "put", key: "x", value: doc },
    }).machine;
    expect(applyCommand(written, { client: "c1", seq: 2, op: { type: "get", key: "x" } }).result).toEqual({
      type: "get",
      value: doc,
    });
    // An equal document with its keys in another order matches; one that differs in a nested element does not.
    const cas = (expected: typeof doc | null, seq: number) =>
      applyCommand(written, { client: "c1", seq, op: { type: "cas", key: "x", expected, value: "s" } });
    expect(cas({ b: { c: 3 }, a: [1, "two", null, true] }, 3).result).toEqual({ type: "cas", swapped: true });
    expect(cas({ a: [1, "two", null, false], b: { c: 3 } }, 4).result).toEqual({
      type: "cas",
      swapped: false,
      error: 22,
    });
    expect([
      sameValue([1, [2]], [1, [2]]),
      sameValue([1], { 0: 1 }),
      sameValue({ a: 1 }, { a: 1, b: 2 }),
      sameValue(null, 0),
    ]).toEqual([true, false, false, false]);
  });

  it("offers workloads of puts, gets and compare-and-sets", () => {
    expect(raftWorkload("put", 1, 1)).toEqual([{ type: "put", key: "x", value: 1 }]);
    expect(raftWorkload("get-put-cas", 1, 2).map((op) => op.type)).toEqual([
      "get",
      "put",
      "put",
      "cas",
      "cas",
      "cas",
      "cas",
    ]);
    expect(raftWorkload("get-put", 2, 1).map((op) => op.key)).toEqual(["x", "x", "y", "y"]);
  });
});

describe("raft: the server reducer", () => {
  it("keeps currentTerm, votedFor, the log and the snapshot across crashes, and nothing else", () => {
    expect(raftServer.durable).toEqual(["currentTerm", "votedFor", "log", "snapshot"]);
  });

  it("grants a vote only to an up-to-date log, once per term", () => {
    expect(
      candidateLogUpToDate(
        { lastLogIndex: 1, lastLogTerm: 2 },
        logOf(entry(1, put("c1", 1, 1)), entry(1, put("c1", 2, 1))),
      ),
    ).toBe(true);
    expect(
      candidateLogUpToDate(
        { lastLogIndex: 1, lastLogTerm: 1 },
        logOf(entry(1, put("c1", 1, 1)), entry(1, put("c1", 2, 1))),
      ),
    ).toBe(false);
    const follower = initialState().nodes["n3"] as ServerState;
    const request = { type: "RequestVote", term: 1, lastLogIndex: 0, lastLogTerm: 0 } as const;
    const first = raftServer.reduce(follower, request, serverCtx("n3", "n1"))!;
    expect([first.state.currentTerm, first.state.votedFor, first.effects]).toEqual([
      1,
      "n1",
      [{ type: "send", to: "n1", msg: { type: "RequestVoteResponse", term: 1, granted: true } }],
    ]);
    const second = raftServer.reduce(first.state, request, serverCtx("n3", "n2"))!;
    expect([second.state.votedFor, second.effects]).toEqual([
      "n1",
      [{ type: "send", to: "n2", msg: { type: "RequestVoteResponse", term: 1, granted: false } }],
    ]);
  });

  it("pre-vote: a timeout asks for pre-votes for the next term without changing its own", () => {
    const n1 = initialState().nodes["n1"] as ServerState;
    const pre = raftServer.reduce(n1, { type: "ElectionTimeout" }, timerCtx("n1"))!;
    const preVote = { type: "PreVote", term: 1, lastLogIndex: 0, lastLogTerm: 0 } as const;
    expect([pre.state.role, pre.state.currentTerm, pre.state.votedFor, pre.state.preVotes, pre.effects]).toEqual([
      "precandidate",
      0,
      null,
      ["n1"],
      [
        { type: "setTimer", timer: { type: "ElectionTimeout" } },
        { type: "send", to: "n2", msg: preVote },
        { type: "send", to: "n3", msg: preVote },
      ],
    ]);
    // A voter that knows no leader grants and changes nothing; one that hears from a leader refuses with its own term.
    const n2 = initialState().nodes["n2"] as ServerState;
    const granted = raftServer.reduce(n2, preVote, serverCtx("n2", "n1"))!;
    expect([granted.state, granted.effects]).toEqual([
      n2,
      [{ type: "send", to: "n1", msg: { type: "PreVoteResponse", term: 1, granted: true } }],
    ]);
    const following = { ...n2, currentTerm: 1, leader: "n3" };
    const refused = raftServer.reduce(following, { ...preVote, term: 2 }, serverCtx("n2", "n1"))!;
    expect(refused.effects).toEqual([
      { type: "send", to: "n1", msg: { type: "PreVoteResponse", term: 1, granted: false } },
    ]);
    // The pre-vote that makes a majority starts the election in the next term.
    const elected = raftServer.reduce(
      pre.state,
      { type: "PreVoteResponse", term: 1, granted: true },
      serverCtx("n1", "n2"),
    )!;
    const request = { type: "RequestVote", term: 1, lastLogIndex: 0, lastLogTerm: 0 };
    expect([elected.state.role, elected.state.currentTerm, elected.state.votedFor, elected.state.preVotes]).toEqual([
      "candidate",
      1,
      "n1",
      ["n1", "n2"],
    ]);
    expect(elected.effects.slice(1)).toEqual([
      { type: "send", to: "n2", msg: request },
      { type: "send", to: "n3", msg: request },
    ]);
  });

  it("check-quorum: a leader that heard from no majority in its term steps down in it", () => {
    const leader = leaderN1();
    const alone = raftServer.reduce(leader, { type: "ElectionTimeout" }, timerCtx("n1"))!;
    expect([alone.state.role, alone.state.currentTerm, alone.effects]).toEqual([
      "follower",
      1,
      [
        { type: "cancelTimer", timer: { type: "Heartbeat" } },
        { type: "setTimer", timer: { type: "ElectionTimeout" } },
      ],
    ]);
    const heard = raftServer.reduce({ ...leader, heardFrom: ["n3"] }, { type: "ElectionTimeout" }, timerCtx("n1"))!;
    expect([heard.state, heard.effects]).toEqual([
      { ...leader, heardFrom: ["n3"] },
      [{ type: "setTimer", timer: { type: "ElectionTimeout" } }],
    ]);
    // An AppendEntries response, success or not, counts as hearing from the peer.
    const answered = raftServer.reduce(
      leader,
      { type: "AppendEntriesResponse", term: 1, success: false, matchIndex: 0 },
      serverCtx("n1", "n2"),
    )!;
    expect(answered.state.heardFrom).toEqual(["n2"]);
  });

  it("check-quorum per period (checkQuorum=period): a passing check clears who answered, so the next needs a new majority", () => {
    const leader = leaderN1({ heardFrom: ["n3"] });
    const ctx = { ...timerCtx("n1"), params: { checkQuorum: "period" } };
    const passed = raftServer.reduce(leader, { type: "ElectionTimeout" }, ctx)!;
    expect([passed.state, passed.effects]).toEqual([
      { ...leader, heardFrom: [] },
      [{ type: "setTimer", timer: { type: "ElectionTimeout" } }],
    ]);
    // Nobody answered during the next period: the leader steps down in its term.
    const cutOff = raftServer.reduce(passed.state, { type: "ElectionTimeout" }, ctx)!;
    expect([cutOff.state.role, cutOff.state.currentTerm]).toEqual(["follower", 1]);
  });

  it("forwarding: a follower passes a client's request to the leader it knows, which answers the client", () => {
    const op = { type: "put", key: "x", value: 1 } as const;
    const n2 = initialState().nodes["n2"] as ServerState;
    expect(raftServer.reduce(n2, { type: "ClientRequest", seq: 1, op }, serverCtx("n2", "c1"))!.effects).toEqual([]);
    const follower = raftServer.reduce(
      n2,
      { type: "AppendEntries", term: 1, prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0 },
      serverCtx("n2", "n1"),
    )!.state;
    expect([follower.currentTerm, follower.leader]).toEqual([1, "n1"]);
    const forwarded = raftServer.reduce(follower, { type: "ClientRequest", seq: 1, op }, serverCtx("n2", "c1"))!;
    expect(forwarded.effects).toEqual([
      { type: "send", to: "n1", msg: { type: "ForwardedRequest", client: "c1", seq: 1, op } },
    ]);
    const leader = leaderN1();
    const appended = raftServer.reduce(
      leader,
      { type: "ForwardedRequest", client: "c1", seq: 1, op },
      serverCtx("n1", "n2"),
    )!;
    expect(appended.state.log).toEqual([{ term: 1, command: { client: "c1", seq: 1, op } }]);
  });

  it("ReadIndex: a read waits for a heartbeat round sent after it arrived, then answers without a log write", () => {
    const get = { type: "get", key: "x" } as const;
    const leader: ServerState = {
      ...(initialState().nodes["n1"] as ServerState),
      role: "leader",
      currentTerm: 1,
      votedFor: "n1",
      log: [entry(1, put("c2", 1, 1))],
      commitIndex: 1,
      lastApplied: 1,
      machine: applyCommand(emptyMachine, put("c2", 1, 1)).machine,
      nextIndex: { n2: 2, n3: 2 },
      matchIndex: { n2: 1, n3: 1 },
      awaiting: ["n3"],
    };
    const read = raftServer.reduce(leader, { type: "ClientRequest", seq: 1, op: get }, serverCtx("n1", "c1"))!;
    expect([read.state.log, read.state.reads, read.effects]).toEqual([
      leader.log,
      [{ client: "c1", seq: 1, key: "x", readIndex: 1, round: 1, acks: [] }],
      [],
    ]);
    // An answer to an AppendEntries sent before the read (round 0: no round field) does not confirm it.
    const old = raftServer.reduce(
      read.state,
      { type: "AppendEntriesResponse", term: 1, success: true, matchIndex: 1 },
      serverCtx("n1", "n3"),
    )!;
    expect([old.state.reads[0]?.acks, old.effects]).toEqual([[], []]);
    // The next tick starts round 1: every AppendEntries from now on carries it.
    const tick = raftServer.reduce(old.state, { type: "Heartbeat" }, timerCtx("n1"))!;
    const heartbeat = { type: "AppendEntries", term: 1, prevLogIndex: 1, prevLogTerm: 1, entries: [], leaderCommit: 1 };
    expect([tick.state.readRound, tick.effects.slice(1)]).toEqual([
      1,
      [
        { type: "send", to: "n2", msg: { ...heartbeat, round: 1 } },
        { type: "send", to: "n3", msg: { ...heartbeat, round: 1 } },
      ],
    ]);
    // A follower echoes the round; its acknowledgement makes a majority with the leader's own.
    const echoed = raftServer.reduce(
      { ...(initialState().nodes["n2"] as ServerState), log: leader.log },
      { ...heartbeat, type: "AppendEntries", round: 1 },
      serverCtx("n2", "n1"),
    )!;
    const ack = { type: "AppendEntriesResponse", term: 1, success: true, matchIndex: 1, round: 1 } as const;
    expect(echoed.effects).toEqual([{ type: "send", to: "n1", msg: ack }]);
    const answered = raftServer.reduce(tick.state, ack, serverCtx("n1", "n2"))!;
    expect([answered.state.reads, answered.state.log, answered.state.machine, answered.effects]).toEqual([
      [],
      leader.log,
      leader.machine,
      [{ type: "send", to: "c1", msg: { type: "ClientReply", seq: 1, result: { type: "get", value: 1 } } }],
    ]);
  });

  it("ReadIndex waits for a committed entry of the leader's term: before it, a read goes through the log", () => {
    const get = { type: "get", key: "x" } as const;
    // Elected in term 2 with a term-1 entry it does not know is committed: its commit index may lag.
    const leader: ServerState = {
      ...(initialState().nodes["n2"] as ServerState),
      role: "leader",
      currentTerm: 2,
      votedFor: "n2",
      log: [entry(1, put("c2", 1, 1))],
      nextIndex: { n1: 2, n3: 2 },
      matchIndex: { n1: 0, n3: 0 },
    };
    const viaLog = raftServer.reduce(leader, { type: "ClientRequest", seq: 1, op: get }, serverCtx("n2", "c1"))!;
    expect([viaLog.state.reads, viaLog.state.log.at(-1), viaLog.effects]).toEqual([
      [],
      { term: 2, command: { client: "c1", seq: 1, op: get } },
      [],
    ]);
    // Once an entry of its term is committed, a read (here forwarded by a follower) is served by ReadIndex.
    const ready: ServerState = {
      ...leader,
      log: [...leader.log, entry(2, put("c2", 2, 1))],
      commitIndex: 2,
      lastApplied: 2,
    };
    const forwarded = { type: "ForwardedRequest", client: "c1", seq: 1, op: get } as const;
    expect(raftServer.reduce(ready, forwarded, serverCtx("n2", "n3"))!.state.reads).toEqual([
      { client: "c1", seq: 1, key: "x", readIndex: 2, round: 1, acks: [] },
    ]);
  });

  it("truncates only on a conflict, so a delayed shorter AppendEntries keeps later entries", () => {
    const log = [entry(1, put("c1", 1, 1)), entry(1, put("c1", 2, 1))];
    const s = { log, snapshot: emptySnapshot };
    expect(mergeEntries(s, 0, [log[0]!])).toBe(log);
    expect(mergeEntries(s, 0, [entry(2, put("c2", 1, 2))])).toEqual([entry(2, put("c2", 1, 2))]);
    expect(mergeEntries(s, 2, [entry(2, put("c2", 1, 2))])).toEqual([...log, entry(2, put("c2", 1, 2))]);
  });
});

describe("raft: the properties", () => {
  const c1 = put("c1", 1, 1);
  const c2 = put("c2", 1, 2);

  it("atMostOneLeaderPerTerm and logMatching", () => {
    const two = withServer(withServer(initialState(), "n1", { role: "leader", currentTerm: 1 }), "n2", {
      role: "leader",
      currentTerm: 1,
    });
    expect(property("atMostOneLeaderPerTerm").check(two as never, undefined as never)).toBe(false);
    const apart = withServer(two, "n2", { currentTerm: 2 });
    expect(property("atMostOneLeaderPerTerm").check(apart as never, undefined as never)).toBe(true);
    const diverged = withServer(withServer(initialState(), "n1", { log: [entry(1, c1), entry(2, c2)] }), "n2", {
      log: [entry(1, c2), entry(2, c2)],
    });
    expect(property("logMatching").check(diverged as never, undefined as never)).toBe(false);
    const matching = withServer(diverged, "n2", { log: [entry(1, c1), entry(3, c2)] });
    expect(property("logMatching").check(matching as never, undefined as never)).toBe(true);
  });

  it("leaderCompleteness and stateMachineSafety", () => {
    const committed = withServer(initialState(), "n2", {
      currentTerm: 1,
      log: [entry(1, c1)],
      commitIndex: 1,
      lastApplied: 1,
    });
    const lacking = withServer(committed, "n1", { role: "leader", currentTerm: 2, log: [entry(2, c2)] });
    expect(property("leaderCompleteness").check(lacking as never, undefined as never)).toBe(false);
    // A stale leader of an earlier term may lack entries committed later.
    const stale = withServer(withServer(committed, "n2", { currentTerm: 2 }), "n1", {
      role: "leader",
      currentTerm: 1,
      log: [],
    });
    expect(property("leaderCompleteness").check(stale as never, undefined as never)).toBe(true);
    const applied = withServer(lacking, "n1", { commitIndex: 1, lastApplied: 1 });
    expect(property("stateMachineSafety").check(applied as never, undefined as never)).toBe(false);
    const sameCommand = withServer(applied, "n1", { log: [entry(2, c1)] });
    expect(property("stateMachineSafety").check(sameCommand as never, undefined as never)).toBe(true);
  });

  it("newTermsHaveAPreVoteQuorum: a new highest term needs a majority of pre-votes; a term already in flight does not", () => {
    const p = property("newTermsHaveAPreVoteQuorum");
    if (p.kind !== "action") throw new Error("newTermsHaveAPreVoteQuorum is an action property");
    const s0 = initialState();
    expect(p.check(s0, withServer(s0, "n1", { currentTerm: 1, role: "candidate", preVotes: ["n1"] }))).toBe(false);
    expect(p.check(s0, withServer(s0, "n1", { currentTerm: 1, role: "candidate", preVotes: ["n1", "n3"] }))).toBe(true);
    // A proposed term in a PreVote is no term: adopting the term of a RequestVote in flight is.
    const preVote = {
      ...s0,
      network: [{ from: "n2", to: "n1", msg: { type: "PreVote", term: 1, lastLogIndex: 0, lastLogTerm: 0 } }],
    };
    expect(p.check(preVote, withServer(preVote, "n1", { currentTerm: 1 }))).toBe(false);
    const vote = {
      ...s0,
      network: [{ from: "n2", to: "n1", msg: { type: "RequestVote", term: 1, lastLogIndex: 0, lastLogTerm: 0 } }],
    };
    expect(p.check(vote, withServer(vote, "n1", { currentTerm: 1 }))).toBe(true);
  });

  it("termsNeverDecrease compares each server's term across a step", () => {
    const p = property("termsNeverDecrease");
    if (p.kind !== "action") throw new Error("termsNeverDecrease is an action property");
    const at2 = withServer(initialState(), "n3", { currentTerm: 2 });
    expect(p.check(at2, withServer(at2, "n3", { currentTerm: 1 }))).toBe(false);
    expect(p.check(at2, withServer(at2, "n3", { currentTerm: 3 }))).toBe(true);
  });

  it("linearizableClientHistory accepts a concurrent read and rejects a stale one", () => {
    const ev = (
      type: HistoryEvent["type"],
      process: string,
      f: string,
      value: HistoryEvent["value"],
    ): HistoryEvent => ({ type, process, f, key: "x", value });
    const check = (history: HistoryEvent[]) =>
      property("linearizableClientHistory").check({ ...initialState(), history }, undefined as never);
    const write = [ev("invoke", "c1", "write", 1), ev("ok", "c1", "write", 1)];
    expect(check([ev("invoke", "c2", "read", null), ...write, ev("ok", "c2", "read", null)])).toBe(true);
    expect(check([...write, ev("invoke", "c2", "read", null), ev("ok", "c2", "read", null)])).toBe(false);
    // A write that never completed may or may not have taken effect.
    expect(check([ev("invoke", "c1", "write", 1), ev("invoke", "c2", "read", null), ev("ok", "c2", "read", 1)])).toBe(
      true,
    );
  });
});

describe("raft: model checking", () => {
  it("the default model (3 servers, n1 and n2 stand for election in term 1, one put with one retry) is safe: 205,877 states", () => {
    const bfs = checkSpec(raft);
    expect([bfs.result, bfs.distinctStates, bfs.generatedStates]).toEqual(["ok", 205_877, 1_441_545]);
    expect(bfs.params).toMatchObject({
      servers: 3,
      clients: 1,
      requests: 1,
      attempts: 2,
      candidates: 2,
      maxTerm: 1,
      maxLog: 2,
      maxMessages: 3,
      preVote: "on",
      checkQuorum: "term",
    });
  });

  it("check-quorum per period (real runs' rule) is safe too: 100,727 states with one candidate, 26,288 per term", () => {
    const period = checkSpec(raft, { params: { checkQuorum: "period", candidates: 1 } });
    expect([period.result, period.distinctStates, period.generatedStates]).toEqual(["ok", 100_727, 661_745]);
    const term = checkSpec(raft, { params: { checkQuorum: "term", candidates: 1 } });
    expect([term.result, term.distinctStates, term.generatedStates]).toEqual(["ok", 26_288, 177_791]);
  });

  it("vote-twice elects two leaders in one term in 12 steps (two pre-votes, then two elections)", () => {
    const r = checkSpec(raft, { variant: "vote-twice" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1, r.distinctStates]).toEqual([
      "violation",
      "atMostOneLeaderPerTerm",
      12,
      12_598,
    ]);
  });

  it("no-log-check elects a leader without a committed entry in 22 steps", () => {
    const r = checkSpec(raft, { variant: "no-log-check" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "leaderCompleteness", 22]);
  });

  it("prevote-bumps-term raises the highest term without a pre-vote in 1 step", () => {
    const r = checkSpec(raft, { variant: "prevote-bumps-term" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "newTermsHaveAPreVoteQuorum", 1]);
    // n3 does not stand for election (candidates=2): the bound stops expanding the state, the step is still checked.
    expect(r.trace?.at(-1)?.action).toBe("n3: timer ElectionTimeout");
    const n3 = (r.trace!.at(-1)!.state as ProtocolState).nodes["n3"] as ServerState;
    expect([n3.role, n3.currentTerm, n3.preVotes]).toEqual(["precandidate", 1, ["n3"]]);
  });

  it("forwarder-answers: a follower's own read of x misses a write the leader committed, in 16 steps", () => {
    const r = checkSpec(raft, { variant: "forwarder-answers" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1, r.distinctStates]).toEqual([
      "violation",
      "linearizableClientHistory",
      16,
      132_293,
    ]);
    const last = r.trace!.at(-1)!.state as ProtocolState;
    expect(last.history).toEqual([
      { type: "invoke", process: "c2", f: "write", key: "x", value: 1 },
      { type: "ok", process: "c2", f: "write", key: "x", value: 1 },
      { type: "invoke", process: "c1", f: "read", key: "x", value: null },
      { type: "ok", process: "c1", f: "read", key: "x", value: null },
    ]);
    // n1 holds the entry but has not learned it is committed: it answers from its empty store.
    expect(r.trace?.at(-2)?.action).toBe(`n1: receive ClientRequest{seq:1,op:{"type":"get","key":"x"}} from c1`);
    expect([(last.nodes["n1"] as ServerState).leader, (last.nodes["n1"] as ServerState).commitIndex]).toEqual([
      "n2",
      0,
    ]);
  });

  it("the correct server forwards: no violation at forwarder-answers' bounds within its 16 steps", () => {
    const params = raft.variants.find((v) => v.name === "forwarder-answers")!.params!;
    const r = checkSpec(raft, { params, maxDepth: 16 });
    expect([r.result, r.property, r.distinctStates]).toEqual(["incomplete", null, 149_675]);
  });

  it("commit-old-term replays Figure 8 on three servers in 28 steps", async () => {
    const r = checkSpec(raft, { variant: "commit-old-term" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "leaderCompleteness", 28]);
    const c2 = `{"client":"c2","seq":1,"op":{"type":"put","key":"x","value":1}}`;
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      `c1: Invoke{op:{"type":"put","key":"x","value":1}}`,
      "n2: timer ElectionTimeout",
      "n3: receive RequestVote{term:1,lastLogIndex:0,lastLogTerm:0} from n2",
      "n2: receive RequestVoteResponse{term:1,granted:true} from n3",
      `c2: Invoke{op:{"type":"put","key":"x","value":1}}`,
      `n2: receive ClientRequest{seq:1,op:{"type":"put","key":"x","value":1}} from c2`,
      "n1: receive RequestVote{term:1,lastLogIndex:0,lastLogTerm:0} from n2",
      "n2: receive RequestVoteResponse{term:1,granted:true} from n1",
      "n1: timer ElectionTimeout",
      "n3: receive RequestVote{term:2,lastLogIndex:0,lastLogTerm:0} from n1",
      "n2: receive RequestVote{term:2,lastLogIndex:0,lastLogTerm:0} from n1",
      "n1: receive RequestVoteResponse{term:2,granted:false} from n2",
      "n1: receive RequestVoteResponse{term:2,granted:true} from n3",
      "n2: timer ElectionTimeout",
      `n1: receive ClientRequest{seq:1,op:{"type":"put","key":"x","value":1}} from c1`,
      "n1: receive RequestVote{term:3,lastLogIndex:1,lastLogTerm:1} from n2",
      "n3: receive RequestVote{term:3,lastLogIndex:1,lastLogTerm:1} from n2",
      "n2: receive RequestVoteResponse{term:3,granted:false} from n1",
      "n2: receive RequestVoteResponse{term:3,granted:true} from n3",
      "n2: timer Heartbeat",
      "n3: receive AppendEntries{term:3,prevLogIndex:1,prevLogTerm:1,entries:[],leaderCommit:0} from n2",
      "n2: receive AppendEntriesResponse{term:3,success:false,matchIndex:0} from n3",
      "n2: timer Heartbeat",
      `n3: receive AppendEntries{term:3,prevLogIndex:0,prevLogTerm:0,entries:[{"term":1,"command":${c2}}],leaderCommit:0} from n2`,
      // n2 now counts n3's copy of its term-1 entry and commits it: the bug.
      "n2: receive AppendEntriesResponse{term:3,success:true,matchIndex:1} from n3",
      "n1: timer ElectionTimeout",
      "n2: receive RequestVote{term:4,lastLogIndex:1,lastLogTerm:2} from n1",
      "n1: receive RequestVoteResponse{term:4,granted:true} from n2",
    ]);
    const last = r.trace!.at(-1)!.state as ProtocolState;
    const n1 = last.nodes["n1"] as ServerState;
    const n2 = last.nodes["n2"] as ServerState;
    expect([n1.role, n1.currentTerm, n1.log.map((e) => [e.term, e.command.client])]).toEqual([
      "leader",
      4,
      [[2, "c1"]],
    ]);
    expect([n2.commitIndex, n2.log.map((e) => [e.term, e.command.client]), n2.machine.data]).toEqual([
      1,
      [[1, "c2"]],
      { x: 1 },
    ]);
    // The one place this 1.2M-state variant is checked: its saved trace also replays through the CLI.
    await expectCliReplay(r, "commit-old-term");
  });

  it("stale-read answers a read from a deposed leader in 17 steps; the trace replays through the CLI", async () => {
    const r = checkSpec(raft, { variant: "stale-read" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1, r.distinctStates]).toEqual([
      "violation",
      "linearizableClientHistory",
      17,
      413_275,
    ]);
    const last = r.trace!.at(-1)!.state as ProtocolState;
    expect(last.history).toEqual([
      { type: "invoke", process: "c1", f: "write", key: "x", value: 1 },
      { type: "ok", process: "c1", f: "write", key: "x", value: 1 },
      { type: "invoke", process: "c2", f: "read", key: "x", value: null },
      { type: "ok", process: "c2", f: "read", key: "x", value: null },
    ]);
    expect(r.trace?.at(-2)?.action).toBe(`n2: receive ClientRequest{seq:1,op:{"type":"get","key":"x"}} from c2`);
    await expectCliReplay(r, "stale-read");
  });

  it("the correct server confirms reads by a heartbeat round: no violation at stale-read's bounds within its 17 steps", () => {
    const params = raft.variants.find((v) => v.name === "stale-read")!.params!;
    const r = checkSpec(raft, { params, maxDepth: 17 });
    expect([r.result, r.property, r.distinctStates]).toEqual(["incomplete", null, 541_509]);
  });

  it("read-before-own-commit: a new leader's read index misses the write its predecessor committed, in 24 steps; the trace replays through the CLI", async () => {
    const r = checkSpec(raft, { variant: "read-before-own-commit" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1, r.distinctStates]).toEqual([
      "violation",
      "linearizableClientHistory",
      24,
      271_330,
    ]);
    const last = r.trace!.at(-1)!.state as ProtocolState;
    expect(last.history).toEqual([
      { type: "invoke", process: "c1", f: "write", key: "x", value: 1 },
      { type: "ok", process: "c1", f: "write", key: "x", value: 1 },
      { type: "invoke", process: "c1", f: "read", key: "x", value: null },
      { type: "ok", process: "c1", f: "read", key: "x", value: null },
    ]);
    // n2 holds the entry n1 committed but not its commit: its read index is 0, and the heartbeat round confirms it.
    expect(r.trace?.slice(-5).map((s) => s.action)).toEqual([
      `n2: receive ClientRequest{seq:2,op:{"type":"get","key":"x"}} from c1`,
      "n2: timer Heartbeat",
      "n1: receive AppendEntries{term:2,prevLogIndex:1,prevLogTerm:1,entries:[],leaderCommit:0,round:1} from n2",
      "n2: receive AppendEntriesResponse{term:2,success:true,matchIndex:1,round:1} from n1",
      `c1: receive ClientReply{seq:2,result:{"type":"get","value":null,"error":20}} from n2`,
    ]);
    const n2 = last.nodes["n2"] as ServerState;
    expect([n2.role, n2.currentTerm, n2.commitIndex, n2.log.length]).toEqual(["leader", 2, 0, 1]);
    await expectCliReplay(r, "read-before-own-commit");
  });

  it("the correct server reads through the log until it commits an entry of its term: no violation at read-before-own-commit's bounds within its 24 steps", () => {
    const params = raft.variants.find((v) => v.name === "read-before-own-commit")!.params!;
    const r = checkSpec(raft, { params, maxDepth: 24 });
    expect([r.result, r.property, r.distinctStates]).toEqual(["incomplete", null, 378_797]);
  });
});

/**
 * Raft's deep variants are searched once, here (the catalogue's replay and
 * CLI loops skip them): the saved JSON trace replays through `interleave
 * replay` to the same property, exit 1.
 */
async function expectCliReplay(r: ReturnType<typeof checkSpec>, variant: string): Promise<void> {
  const file = join(mkdtempSync(join(tmpdir(), "interleave-raft-")), `${variant}.json`);
  writeFileSync(
    file,
    JSON.stringify(toTraceJson(r.trace!, { spec: "raft", variant, property: r.property, params: r.params })),
  );
  let out = "";
  const code = await runCli(["replay", file], { stdout: (t) => void (out += t), stderr: (t) => void (out += t) });
  expect([code, out]).toEqual([1, expect.stringContaining(r.property!)]);
}
