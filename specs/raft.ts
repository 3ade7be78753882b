/**
 * Raft (Ongaro and Ousterhout; raft.tla from Ongaro's dissertation): leader
 * election, log replication and a linearizable key-value store with client
 * sessions, over an unordered network that may lose and duplicate messages
 * and servers that crash and restart with their durable state.
 *
 * The reducers live in specs/raft/: the server ({@link raftServer}), the
 * client ({@link kvClient}) and the state machine ({@link applyCommand}); they
 * hold no bounds. This module binds them into a model whose constraint bounds
 * terms, log length, messages in flight, client operations and attempts and
 * which servers stand for election, and builds the broken variants by
 * replacing one handler of the server (or, for `snapshot-drops-sessions`, what
 * its log compaction keeps).
 *
 * The default model lets n1 and n2 stand in term 1: with pre-vote, forwarding
 * and check-quorum, all three servers or terms up to 2 each ran past 400,000
 * states. The deep scenarios whose bug has nothing to do with pre-vote
 * (`commit-old-term`, `stale-read`) run classic elections (`preVote=off`).
 */
import {
  become,
  defineProtocol,
  defineRole,
  int,
  invariant,
  nodeOf,
  oneOf,
  onEveryStep,
  reply,
  type NodeContext,
  type NodeId,
} from "../src/index.js";
import { kvClient } from "./raft/client.js";
import type { Command, KvOp } from "./raft/kv.js";
import * as P from "./raft/properties.js";
import { raftRuntime } from "./raft/runtime.js";
import {
  answerReads,
  appendCommand,
  candidateLogUpToDate,
  commitAndApply,
  commitRecorded,
  compactStep,
  handleServerInput,
  lastIndex,
  majority,
  observeTerm,
  peersOf,
  raftServer,
  recordAppendEntriesResponse,
  reduceServer,
  startRead,
  takeSnapshot,
  type ClientRequest,
  type RaftMessage,
  type RequestVote,
  type ServerInput,
  type ServerState,
  type ServerStep,
} from "./raft/server.js";

export * from "./raft/kv.js";
export * from "./raft/server.js";
export * from "./raft/client.js";
export * from "./raft/runtime.js";
export {
  atMostOneLeaderPerTerm,
  leaderCompleteness,
  logMatching,
  sameCommand,
  sameEntry,
  linearizableClientHistory,
  newTermsHaveAPreVoteQuorum,
  stateMachineSafety,
  termsNeverDecrease,
  type RaftState,
} from "./raft/properties.js";

/** Which operations clients choose from. */
export type RaftWorkloadName = "put" | "get-put" | "get-put-cas";

/** The parameters of the Raft model. */
export interface RaftParams {
  readonly servers: number;
  readonly clients: number;
  readonly requests: number;
  readonly attempts: number;
  readonly workload: RaftWorkloadName;
  readonly keys: number;
  readonly values: number;
  readonly candidates: number;
  readonly maxTerm: number;
  readonly maxLog: number;
  readonly maxMessages: number;
  readonly loss: number;
  readonly duplicate: number;
  readonly crash: number;
  readonly preVote: "on" | "off";
  readonly compactAfter: number;
  readonly pipeline: number;
}

const idCache = new Map<string, NodeId[]>();

function ids(prefix: string, n: number): readonly NodeId[] {
  const key = `${prefix}${n}`;
  let list = idCache.get(key);
  if (list === undefined) {
    list = Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
    idCache.set(key, list);
  }
  return list;
}

/** Server ids n1..nN. */
export function raftServerIds(servers: number): readonly NodeId[] {
  return ids("n", servers);
}

/** Client ids c1..cN. */
export function raftClientIds(clients: number): readonly NodeId[] {
  return ids("c", clients);
}

const workloads = new Map<string, readonly KvOp[]>();

/** The name of key `k` (0-based): x, y, z, k3, k4, ... */
function keyName(k: number): string {
  return k < 3 ? "xyz"[k]! : `k${k}`;
}

/**
 * The operations clients choose from: on each of `keys` keys, a put of each
 * value 1..values; with `get-put` also a get; with `get-put-cas` also a
 * compare-and-set from each of null, 1..values to each other value.
 */
export function raftWorkload(workload: RaftWorkloadName, keys: number, values: number): readonly KvOp[] {
  const cacheKey = `${workload}/${keys}/${values}`;
  const known = workloads.get(cacheKey);
  if (known !== undefined) return known;
  const ops: KvOp[] = [];
  const vals = Array.from({ length: values }, (_, i) => i + 1);
  for (let k = 0; k < keys; k++) {
    const key = keyName(k);
    if (workload !== "put") ops.push({ type: "get", key });
    for (const value of vals) ops.push({ type: "put", key, value });
    if (workload !== "get-put-cas") continue;
    for (const expected of [null, ...vals])
      for (const value of vals) if (value !== expected) ops.push({ type: "cas", key, expected, value });
  }
  workloads.set(cacheKey, ops);
  return ops;
}

// ---------------------------------------------------------------------------
// Broken servers: the correct one with one handler (or its snapshot) replaced.
// ---------------------------------------------------------------------------

/** The correct server with the handler of one input type replaced. */
function serverWith<K extends ServerInput["type"]>(
  type: K,
  handler: (
    s: ServerState,
    input: Extract<ServerInput, { type: K }>,
    ctx: NodeContext<unknown>,
  ) => ServerStep | undefined,
): typeof raftServer {
  return defineRole({
    ...raftServer,
    reduce: (s, input, ctx) =>
      input.type === type ? handler(s, input as Extract<ServerInput, { type: K }>, ctx) : reduceServer(s, input, ctx),
  });
}

/** A RequestVote handler like the correct one, granting when `granted` says so. */
function voteWhen(granted: (s: ServerState, m: RequestVote, ctx: NodeContext<unknown>) => boolean) {
  return (s: ServerState, m: RequestVote, ctx: NodeContext<unknown>): ServerStep => {
    const { state, effects } = observeTerm(s, m.term);
    const ok = granted(state, m, ctx);
    const next = ok ? { ...state, votedFor: ctx.from ?? null } : state;
    return become(
      next,
      ...effects,
      reply<RaftMessage>(ctx, { type: "RequestVoteResponse", term: next.currentTerm, granted: ok }),
    );
  };
}

/** Bug: forgets whom it voted for, so it may grant a second vote in the same term. */
const votesTwice = serverWith(
  "RequestVote",
  voteWhen((s, m) => m.term === s.currentTerm && candidateLogUpToDate(m, s)),
);

/** Bug: grants votes without the election restriction (the candidate's log may lack committed entries). */
const votesWithoutLogCheck = serverWith(
  "RequestVote",
  voteWhen((s, m, ctx) => m.term === s.currentTerm && (s.votedFor === null || s.votedFor === ctx.from)),
);

/** Bug (the paper's Figure 8): a leader commits any entry stored on a majority, even one from an earlier term. */
const commitsOldTerms = serverWith("AppendEntriesResponse", (s, m, ctx) => {
  const recorded = recordAppendEntriesResponse(s, m, ctx);
  const leader = recorded.state;
  if (leader.role !== "leader") return become(leader, ...recorded.effects);
  const peers = peersOf(ctx);
  let commitIndex = leader.commitIndex;
  for (let n = lastIndex(leader); n > leader.commitIndex; n--) {
    if (1 + peers.filter((p) => (leader.matchIndex[p] ?? 0) >= n).length >= majority(ctx)) {
      commitIndex = n;
      break;
    }
  }
  const committed = commitAndApply(leader, commitIndex);
  const answered = answerReads(committed.state, ctx);
  return become(answered.state, ...recorded.effects, ...committed.effects, ...answered.effects);
});

/**
 * Bug: a pipelining leader takes a success as acknowledging everything it
 * sent the peer (its optimistic `nextIndex` - 1) instead of the index the
 * response names, so it counts an entry still in flight (or lost) as stored
 * there and commits an entry a majority does not hold.
 */
const matchesOptimistically = serverWith("AppendEntriesResponse", (s, m, ctx) => {
  const recorded = recordAppendEntriesResponse(s, m, ctx);
  const leader = recorded.state;
  const peer = ctx.from;
  if (!m.success || leader.role !== "leader" || m.term !== leader.currentTerm || peer === undefined)
    return commitRecorded(recorded, ctx);
  const optimistic = Math.max(leader.matchIndex[peer] ?? 0, (leader.nextIndex[peer] ?? 1) - 1);
  return commitRecorded(
    { ...recorded, state: { ...leader, matchIndex: { ...leader.matchIndex, [peer]: optimistic } } },
    ctx,
  );
});

/**
 * The correct server with the way a leader serves a command (from a client or
 * forwarded by a follower) replaced.
 */
function serverServing(serve: (s: ServerState, command: Command, ctx: NodeContext<unknown>) => ServerStep) {
  return defineRole({
    ...raftServer,
    reduce: (s, input, ctx): ServerStep | undefined => {
      if (s.role !== "leader") return reduceServer(s, input, ctx);
      if (input.type === "ClientRequest" && ctx.from !== undefined)
        return serve(s, { client: ctx.from, seq: input.seq, op: input.op }, ctx);
      if (input.type === "ForwardedRequest")
        return serve(s, { client: input.client, seq: input.seq, op: input.op }, ctx);
      return reduceServer(s, input, ctx);
    },
  });
}

/**
 * Bug: ReadIndex before the leader committed an entry of its term. Its
 * commit index may still lag behind an entry the previous leader committed
 * and answered, and the heartbeat round confirms a stale read index.
 */
const readsBeforeOwnCommit = serverServing((s, command, ctx) =>
  command.op.type === "get" ? startRead(s, command, command.op.key, ctx) : appendCommand(s, command, ctx),
);

/**
 * Bug: a leader answers reads from its own state machine at once: ReadIndex
 * without the heartbeat round that confirms it is still the leader (and
 * without waiting for an entry of its term, which lets the checker find the
 * deposed leader's stale answer with two operations: with the wait, the
 * shortest counterexample needs a third, and breadth-first search passed
 * 2,000,866 states at depth 29 without reaching it).
 */
const readsLocally = serverWith("ClientRequest", (s, m: ClientRequest, ctx) => {
  if (s.role !== "leader" || m.op.type !== "get") return reduceServer(s, m, ctx);
  const value = s.machine.data[m.op.key] ?? null;
  return become(s, reply<RaftMessage>(ctx, { type: "ClientReply", seq: m.seq, result: { type: "get", value } }));
});

/** Bug: a follower that knows the leader answers reads from its own state machine instead of forwarding them. */
const forwarderAnswers = serverWith("ClientRequest", (s, m: ClientRequest, ctx) => {
  if (s.role !== "follower" || s.leader === null || m.op.type !== "get") return reduceServer(s, m, ctx);
  const value = s.machine.data[m.op.key] ?? null;
  return become(s, reply<RaftMessage>(ctx, { type: "ClientReply", seq: m.seq, result: { type: "get", value } }));
});

/** Bug: the election timeout raises the term before the pre-vote, as an election without pre-vote does. */
const preVoteBumpsTerm = serverWith("ElectionTimeout", (s, input, ctx) =>
  reduceServer(s.role === "leader" ? s : { ...s, currentTerm: s.currentTerm + 1, votedFor: null }, input, ctx),
);

/**
 * Bug: a snapshot holds the store's data but not its client sessions (they
 * look like bookkeeping, not state). A server that restarts from it, or a
 * follower that installs it, has a state machine that differs from its
 * peers' at the same index, and would apply a retried command a second time.
 */
const snapshotDropsSessions = defineRole({
  ...raftServer,
  reduce: (s: ServerState, input: ServerInput, ctx: NodeContext<unknown>): ServerStep | undefined => {
    const step = handleServerInput(s, input, ctx);
    return step === undefined
      ? undefined
      : compactStep(step, ctx, (state) => {
          const snapshot = takeSnapshot(state);
          return { ...snapshot, machine: { data: snapshot.machine.data, sessions: {} } };
        });
  },
});

/** The server role of each broken variant, by variant name (the real-network runtime runs them too). */
export const raftServerVariants: Readonly<Record<string, typeof raftServer>> = {
  "vote-twice": votesTwice,
  "no-log-check": votesWithoutLogCheck,
  "commit-old-term": commitsOldTerms,
  "stale-read": readsLocally,
  "read-before-own-commit": readsBeforeOwnCommit,
  "forwarder-answers": forwarderAnswers,
  "prevote-bumps-term": preVoteBumpsTerm,
  "snapshot-drops-sessions": snapshotDropsSessions,
  "optimistic-match": matchesOptimistically,
};

// ---------------------------------------------------------------------------
// The spec.
// ---------------------------------------------------------------------------

const serverStates = (s: P.RaftState, p: { servers: number }): ServerState[] =>
  P.serversOf(s, raftServerIds(p.servers));

function invocations(s: P.RaftState): number {
  let n = 0;
  for (const e of s.history) if (e.type === "invoke") n++;
  return n;
}

/**
 * The model bounds (TLC's CONSTRAINT): states beyond them are counted but not
 * expanded. Terms, log length, messages in flight, client operations and
 * attempts; servers after the first `candidates` never stand for election.
 */
export function withinRaftBounds(s: P.RaftState, p: RaftParams): boolean {
  if (s.network.length > p.maxMessages) return false;
  const ids = raftServerIds(p.servers);
  for (let i = 0; i < ids.length; i++) {
    const server = nodeOf(s, "server", ids[i]!);
    if (server.currentTerm > p.maxTerm || lastIndex(server) > p.maxLog) return false;
    if (p.candidates > 0 && i >= p.candidates && server.role !== "follower") return false;
  }
  for (const id of raftClientIds(p.clients)) {
    const pending = nodeOf(s, "client", id).pending;
    if (pending !== null && pending.attempt > p.attempts) return false;
  }
  return invocations(s) <= p.requests;
}

/** Raft with a key-value store: see the module comment. */
export const raft = defineProtocol({
  name: "raft",
  description:
    "Raft: leader election, log replication and a linearizable key-value store with client sessions (raft.tla)",
  params: {
    servers: int(3, { min: 1, max: 7, description: "number of servers" }),
    clients: int(1, { min: 1, max: 4, description: "number of clients" }),
    requests: int(1, { min: 0, max: 8, description: "client operations invoked in all (bound)" }),
    attempts: int(2, { min: 1, max: 8, description: "attempts per operation, the first included (bound)" }),
    workload: oneOf(["put", "get-put", "get-put-cas"], "put", { description: "operations clients choose from" }),
    keys: int(1, { min: 1, max: 4, description: "keys of the store" }),
    values: int(1, { min: 1, max: 3, description: "values written: 1..values" }),
    candidates: int(2, { min: 0, max: 7, description: "only servers n1..nK stand for election; 0: all (bound)" }),
    maxTerm: int(1, { min: 1, max: 8, description: "highest term a server may reach (bound)" }),
    maxLog: int(2, { min: 0, max: 8, description: "longest log, compacted entries included (bound)" }),
    maxMessages: int(3, { min: 1, max: 20, description: "messages in flight (bound)" }),
    loss: int(0, { min: 0, max: 3, description: "messages the network may lose" }),
    duplicate: int(0, { min: 0, max: 3, description: "messages the network may duplicate" }),
    crash: int(0, { min: 0, max: 3, description: "server crashes (each followed by a possible restart)" }),
    preVote: oneOf(["on", "off"], "on", {
      description: "elections start with a pre-vote; off: classic Raft elections",
    }),
    checkQuorum: oneOf(["term", "period"], "term", {
      description:
        "a leader's election timeout steps it down unless a majority answered since its election (term) or since the last check (period, the dissertation's rule; real runs use it)",
    }),
    compactAfter: int(0, {
      min: 0,
      max: 1_000_000,
      description: "a server compacts its log into a snapshot once it holds this many applied entries; 0: never",
    }),
    pipeline: int(1, {
      min: 1,
      max: 64,
      description: "AppendEntries a leader keeps outstanding per peer; 1: stop-and-wait",
    }),
  },
  network: "unordered",
  nodes: (p) => ({ server: raftServerIds(p.servers), client: raftClientIds(p.clients) }),
  roles: {
    server: raftServer,
    client: kvClient<RaftParams>((ctx) => raftWorkload(ctx.params.workload, ctx.params.keys, ctx.params.values)),
  },
  // Clients do not crash: a crashed client's pending operation would have to
  // become indeterminate (Jepsen's :info) and its process never invoke again.
  faults: (p) => ({ loss: p.loss, duplicate: p.duplicate, crash: p.crash, crashRoles: ["server"] }),
  constraint: withinRaftBounds,
  runtime: raftRuntime,
  properties: {
    atMostOneLeaderPerTerm: invariant<P.RaftState, RaftParams>(
      (s, p) => P.atMostOneLeaderPerTerm(serverStates(s, p)),
      "election safety: at most one leader in any term",
    ),
    logMatching: invariant<P.RaftState, RaftParams>(
      (s, p) => P.logMatching(serverStates(s, p)),
      "two logs with an entry of the same index and term are identical up to it",
    ),
    leaderCompleteness: invariant<P.RaftState, RaftParams>(
      (s, p) => P.leaderCompleteness(serverStates(s, p)),
      "a leader's log holds every entry committed in earlier terms",
    ),
    stateMachineSafety: invariant<P.RaftState, RaftParams>(
      (s, p) => P.stateMachineSafety(serverStates(s, p)),
      "no two servers apply different commands at the same index (past a snapshot: nor hold different state machines there)",
    ),
    termsNeverDecrease: onEveryStep<P.RaftState, RaftParams>(
      (prev, next, p) => P.termsNeverDecrease(serverStates(prev, p), serverStates(next, p)),
      "no server's currentTerm decreases, across crashes too",
    ),
    newTermsHaveAPreVoteQuorum: onEveryStep<P.RaftState, RaftParams>(
      (prev, next, p) =>
        p.preVote === "off" ||
        P.newTermsHaveAPreVoteQuorum(
          prev,
          next,
          serverStates(prev, p),
          serverStates(next, p),
          Math.floor(p.servers / 2) + 1,
        ),
      "a server raises the cluster's highest term only with pre-votes from a majority, so one cut off cannot (holds trivially with preVote=off)",
    ),
    linearizableClientHistory: invariant<P.RaftState, RaftParams>(
      (s) => P.linearizableClientHistory(s),
      "the clients' history of reads, writes and compare-and-sets is linearizable",
    ),
  },
  variants: {
    "vote-twice": {
      description: "a server may grant a second vote in the same term",
      violates: "atMostOneLeaderPerTerm",
      // Two pre-candidates' PreVotes and answers need a fourth message in flight.
      params: { maxMessages: 4 },
      roles: { server: votesTwice },
    },
    "no-log-check": {
      description: "votes are granted without checking that the candidate's log is up-to-date",
      violates: "leaderCompleteness",
      params: { maxTerm: 2 },
      roles: { server: votesWithoutLogCheck },
    },
    "commit-old-term": {
      description: "a leader commits an entry of an earlier term by counting replicas (the paper's Figure 8)",
      violates: "leaderCompleteness",
      // Two clients (no retries) so the overwritten entry holds another client's command.
      // Classic elections: the bug is the commit rule, and three pre-votes would take the trace past a minute.
      params: { clients: 2, requests: 2, attempts: 1, maxTerm: 4, maxLog: 1, preVote: "off" },
      roles: { server: commitsOldTerms },
    },
    "stale-read": {
      // ReadIndex without its heartbeat round (and without waiting for an entry of its term): see readsLocally.
      description: "a leader answers reads from its local state without confirming it is still the leader",
      violates: "linearizableClientHistory",
      params: { clients: 2, requests: 2, workload: "get-put", maxTerm: 2, maxLog: 1, preVote: "off" },
      roles: { server: readsLocally },
    },
    "read-before-own-commit": {
      description:
        "ReadIndex before the leader committed an entry of its term: its read index may miss a committed write",
      violates: "linearizableClientHistory",
      // One client: it writes through n1, then its read reaches n2, elected with n1's entry but not its commit index.
      params: { requests: 2, workload: "get-put", maxTerm: 2, maxLog: 1, preVote: "off" },
      roles: { server: readsBeforeOwnCommit },
    },
    "forwarder-answers": {
      description: "a follower answers reads from its own state instead of forwarding them to the leader",
      violates: "linearizableClientHistory",
      params: { clients: 2, requests: 2, workload: "get-put", maxLog: 1 },
      roles: { server: forwarderAnswers },
    },
    "prevote-bumps-term": {
      description: "the election timeout raises the term before the pre-vote (a server cut off climbs terms)",
      violates: "newTermsHaveAPreVoteQuorum",
      roles: { server: preVoteBumpsTerm },
    },
    "snapshot-drops-sessions": {
      description:
        "a snapshot keeps the store's data but not the client sessions: a follower that installs it differs from the leader",
      violates: "stateMachineSafety",
      params: { compactAfter: 1 },
      roles: { server: snapshotDropsSessions },
    },
    "optimistic-match": {
      description:
        "a pipelining leader counts a success as matching all it sent the peer, not the index acknowledged: it commits an entry a majority lacks",
      violates: "leaderCompleteness",
      params: { pipeline: 2, requests: 2, maxTerm: 2, preVote: "off" },
      roles: { server: matchesOptimistically },
    },
  },
});
