/**
 * A Raft server as a pure reducer, after Ongaro's raft.tla and Figure 2 of the
 * Raft paper: leader election (RequestVote), log replication (AppendEntries),
 * commitment by majority in the leader's term, and a key-value state machine
 * that applies committed entries and answers clients. From the dissertation:
 * pre-vote and check-quorum (9.6), so a server cut off from the majority
 * cannot raise its term and depose a healthy leader when it returns, and a
 * leader cut off from the majority steps down; followers forward client
 * requests to the leader they know (6.2); and reads do not write the log
 * (ReadIndex, 6.4: see {@link startRead}).
 *
 * Replication runs on the leader's heartbeat tick with one AppendEntries
 * outstanding per peer (stop-and-wait, as etcd's probe state): on each tick
 * the leader sends every peer that is not awaiting a response the entries
 * from its `nextIndex` on, with the commit index; a response (success or
 * not) makes the peer eligible for the next tick. New entries, commit
 * indexes and retries after a rejection all travel on the next tick, and
 * idle ticks are the heartbeats that keep followers from starting elections.
 * A lost AppendEntries or response leaves its peer awaiting until the next
 * election; a production server would also resend after a longer timeout, a
 * resend the model covers as a duplicated message (the `duplicate` budget).
 *
 * Pipelining (the `pipeline` param N, default 1: the stop-and-wait above):
 * with N > 1 a leader keeps up to N AppendEntries outstanding per peer, as
 * etcd's Progress does in StateReplicate. `nextIndex` is then optimistic:
 * sending entries up to index i moves it to i + 1 at once, and `inflight`
 * records i, so the tick may send a peer with fewer than N outstanding a
 * further AppendEntries carrying the entries after those already sent (a
 * peer with nothing outstanding gets one on every tick, as before: new
 * entries, the commit index or a heartbeat; one with some outstanding only
 * when there are new entries, so idle ticks do not multiply heartbeats).
 * A success acknowledges the index it names (`matchIndex`), which frees
 * every inflight AppendEntries up to it, so a lost response is covered by a
 * later one and a duplicated or reordered one frees nothing twice. A
 * rejection names the `prevLogIndex` it rejected and the follower's last
 * index (`rejected`, `hint`): one at or below `matchIndex` is stale and
 * ignored; otherwise the leader forgets what is inflight and probes from
 * `min(rejected, hint + 1)` (never below `matchIndex + 1`). Only
 * acknowledged indexes raise `matchIndex`, so commitment still counts what
 * a majority holds. ReadIndex rounds and check-quorum count every answer
 * as before; an InstallSnapshot is inflight up to the snapshot's index.
 *
 * Other differences from raft.tla, each merging steps without removing an
 * interleaving the safety properties can observe:
 * - a server sends PreVote to every peer in the step its election timeout
 *   fires, and votes for itself and sends RequestVote to every peer in the
 *   step the pre-vote that makes a majority arrives (raft.tla sends each
 *   message as a separate action);
 * - a candidate becomes leader when the vote that gives it a majority arrives;
 * - a message with a newer term updates the receiver's term and is handled in
 *   the same step (raft.tla's UpdateTerm is a separate step);
 * - a leader advances its commit index when it handles a successful
 *   AppendEntries response (raft.tla's AdvanceCommitIndex is a separate step);
 * - AppendEntries carries every entry from `nextIndex` on, up to
 *   {@link MAX_ENTRIES_PER_APPEND} (raft.tla: at most one); with the default
 *   `pipeline` of 1 one is outstanding per peer, and the next carries all
 *   that was appended meanwhile;
 * - committed entries are applied in the step that commits them.
 *
 * Log compaction (paper, section 7; dissertation, chapter 5): with the
 * `compactAfter` param N > 0, a server whose log holds at least N applied
 * entries folds them into its snapshot at the end of the step (only applied,
 * hence committed, entries). A leader whose `nextIndex` for a peer falls
 * inside its snapshot sends InstallSnapshot (Figure 13, the whole snapshot
 * in one message) instead of AppendEntries; the follower answers with an
 * AppendEntriesResponse, so the leader's bookkeeping (matchIndex, awaiting,
 * ReadIndex rounds, check-quorum) treats it as any other answer. With N = 0
 * (the default) no server ever compacts and the snapshot stays empty.
 *
 * Timers: every server always has an election timeout pending (it may fire at
 * any time: the model does not measure time); at a leader it is the quorum
 * check. A leader also has its heartbeat tick pending, enabled while some
 * peer is not awaiting a response (pipelining: while some peer has nothing
 * outstanding, or room for, and entries to, a further AppendEntries).
 *
 * Bounds (terms, log length, messages) are not here: the spec's constraint
 * holds them, so this is the unbounded algorithm.
 */
import { match } from "ts-pattern";
import {
  become,
  cancelTimer,
  defineRole,
  reply,
  send,
  setAdd,
  setHas,
  setOf,
  setRemove,
  setTimer,
  type Effect,
  type NodeContext,
  type NodeId,
  type NodeSetup,
  type Step,
} from "../../src/index.js";
import {
  applyCommand,
  emptyMachine,
  execute,
  type Command,
  type Key,
  type KvMachine,
  type KvOp,
  type KvResult,
} from "./kv.js";

/** One entry of the replicated log: a client command and the term in which a leader received it. */
export interface LogEntry {
  readonly term: number;
  readonly command: Command;
}

/**
 * The compacted prefix of the log: entries 1..index, the last of term
 * `term`, folded into the state machine `machine` (client sessions
 * included, so a retried command stays applied once across a snapshot).
 */
export interface Snapshot {
  readonly index: number;
  readonly term: number;
  readonly machine: KvMachine;
}

/** The snapshot of a server that never compacted: nothing. */
export const emptySnapshot: Snapshot = { index: 0, term: 0, machine: emptyMachine };

/**
 * A read a leader serves without writing the log (ReadIndex, dissertation
 * 6.4): it answers once a majority acknowledged a heartbeat round sent after
 * the read arrived (so it was still the leader when the read arrived) and its
 * state machine has applied `readIndex`.
 */
export interface PendingRead {
  readonly client: NodeId;
  readonly seq: number;
  readonly key: Key;
  /** The leader's commit index when the read arrived: the answer reflects at least entries 1..readIndex. */
  readonly readIndex: number;
  /** The heartbeat round whose acknowledgements confirm the leadership (one after the last round sent). */
  readonly round: number;
  /** The peers that acknowledged round `round` or a later one (sorted set). */
  readonly acks: readonly NodeId[];
}

/**
 * What a server currently is. A pre-candidate asks for pre-votes without
 * changing its term (dissertation, 9.6); it becomes a candidate, in the next
 * term, only when a majority would grant it the vote.
 */
export type ServerRoleName = "follower" | "precandidate" | "candidate" | "leader";

/**
 * A server's state. `currentTerm`, `votedFor`, `log` and `snapshot` are
 * durable (they survive a crash); the rest is volatile and restarts from
 * {@link initialServerState}, the state machine from the snapshot
 * ({@link restoreFromSnapshot}). Log indexes are 1-based and absolute, as in
 * the paper: entry `i` is `log[i - snapshot.index - 1]` (see {@link entryAt}).
 */
export interface ServerState {
  readonly currentTerm: number;
  /** The candidate this server voted for in `currentTerm`, or null. */
  readonly votedFor: NodeId | null;
  /** The entries after the snapshot: indexes `snapshot.index + 1 .. lastIndex`. */
  readonly log: readonly LogEntry[];
  /** The compacted prefix of the log (entries 1..snapshot.index, all applied). */
  readonly snapshot: Snapshot;
  readonly role: ServerRoleName;
  /** Candidates only: who granted a vote in `currentTerm` (sorted set). */
  readonly votesGranted: readonly NodeId[];
  /**
   * Pre-candidates: who granted a pre-vote for `currentTerm + 1` (sorted set);
   * candidates keep the majority that let them start their election.
   */
  readonly preVotes: readonly NodeId[];
  /**
   * Followers: the leader of `currentTerm` whose AppendEntries this server
   * accepted since its election timeout last fired, or null. A follower
   * forwards client requests to it and refuses pre-votes while it has one.
   */
  readonly leader: NodeId | null;
  /** Leaders only: the peers that answered an AppendEntries in this term (sorted set; see {@link checkQuorum}). */
  readonly heardFrom: readonly NodeId[];
  /** Leaders only: for each peer, the index of the next entry to send. */
  readonly nextIndex: Readonly<Record<NodeId, number>>;
  /** Leaders only: for each peer, the highest index known to be replicated there. */
  readonly matchIndex: Readonly<Record<NodeId, number>>;
  /** Leaders only: the peers with an AppendEntries outstanding (sorted set). */
  readonly awaiting: readonly NodeId[];
  /**
   * Leaders with `pipeline` > 1 only: for each peer with AppendEntries
   * outstanding, the last index each of them carried, in sending order
   * (etcd's inflights); empty with `pipeline` 1, where `awaiting` says all.
   */
  readonly inflight: Readonly<Record<NodeId, readonly number[]>>;
  /** Leaders only: the last heartbeat round sent (0: none in this term); AppendEntries carry it. */
  readonly readRound: number;
  /** Leaders only: reads waiting for their heartbeat round, in arrival order. */
  readonly reads: readonly PendingRead[];
  /** The highest index known to be committed. */
  readonly commitIndex: number;
  /** The highest index applied to `machine` (always `commitIndex`: entries are applied as they commit). */
  readonly lastApplied: number;
  /** The key-value state machine after applying entries 1..lastApplied. */
  readonly machine: KvMachine;
}

/** A candidate asks for a vote (the sender is the candidate). */
export interface RequestVote {
  readonly type: "RequestVote";
  readonly term: number;
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
}

/** The answer to {@link RequestVote}. */
export interface RequestVoteResponse {
  readonly type: "RequestVoteResponse";
  readonly term: number;
  readonly granted: boolean;
}

/** A leader replicates entries and announces its commit index (the sender is the leader). */
export interface AppendEntries {
  readonly type: "AppendEntries";
  readonly term: number;
  /** The index of the entry just before `entries` (0: they start the log). */
  readonly prevLogIndex: number;
  readonly prevLogTerm: number;
  readonly entries: readonly LogEntry[];
  readonly leaderCommit: number;
  /**
   * The leader's heartbeat round ({@link ServerState.readRound}), echoed in
   * the response; absent for round 0, so a leader that never served a read by
   * ReadIndex sends what it sent before ReadIndex existed.
   */
  readonly round?: number;
}

/**
 * A leader sends its snapshot to a peer whose next entry it compacted
 * (paper, Figure 13, in one message: no chunks). Answered by an
 * {@link AppendEntriesResponse}.
 */
export interface InstallSnapshot {
  readonly type: "InstallSnapshot";
  readonly term: number;
  readonly lastIncludedIndex: number;
  readonly lastIncludedTerm: number;
  /** The state machine after entries 1..lastIncludedIndex. */
  readonly machine: KvMachine;
  /** The leader's heartbeat round, as in {@link AppendEntries}. */
  readonly round?: number;
}

/** The answer to {@link AppendEntries} and to {@link InstallSnapshot}. */
export interface AppendEntriesResponse {
  readonly type: "AppendEntriesResponse";
  readonly term: number;
  readonly success: boolean;
  /** On success: the index of the last entry the follower now shares with the leader. */
  readonly matchIndex: number;
  /**
   * The `round` of the AppendEntries answered (absent: 0): acknowledges the leader's reads of that round and earlier.
   */
  readonly round?: number;
  /**
   * Pipelining only, on a rejection for a log mismatch: the `prevLogIndex`
   * rejected, so a leader can tell a stale rejection from a current one.
   */
  readonly rejected?: number;
  /** Pipelining only, with `rejected`: the follower's last index, where the leader probes from. */
  readonly hint?: number;
}

/** A client's operation (the sender is the client); retried with the same `seq`. */
export interface ClientRequest {
  readonly type: "ClientRequest";
  readonly seq: number;
  readonly op: KvOp;
}

/** A follower passes a client's request to the leader it knows; the leader answers the client directly. */
export interface ForwardedRequest {
  readonly type: "ForwardedRequest";
  readonly client: NodeId;
  readonly seq: number;
  readonly op: KvOp;
}

/**
 * A pre-candidate asks whether it would win an election in `term` (its
 * current term + 1) without changing any term (dissertation, 9.6).
 */
export interface PreVote {
  readonly type: "PreVote";
  readonly term: number;
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
}

/** The answer to {@link PreVote}: the proposed term when granted, the voter's current term when refused. */
export interface PreVoteResponse {
  readonly type: "PreVoteResponse";
  readonly term: number;
  readonly granted: boolean;
}

/** A leader's answer to a client, once the command is applied. */
export interface ClientReply {
  readonly type: "ClientReply";
  readonly seq: number;
  readonly result: KvResult;
}

/** Every message of the protocol. */
export type RaftMessage =
  | PreVote
  | PreVoteResponse
  | RequestVote
  | RequestVoteResponse
  | AppendEntries
  | AppendEntriesResponse
  | InstallSnapshot
  | ClientRequest
  | ForwardedRequest
  | ClientReply;

/** A server's timers. */
export type ServerTimer = { readonly type: "ElectionTimeout" } | { readonly type: "Heartbeat" };

/** What a server's reducer takes: the messages addressed to servers and its timers. */
export type ServerInput = Exclude<RaftMessage, ClientReply> | ServerTimer;

/** A server's reducer answer. */
export type ServerStep = Step<ServerState, RaftMessage, ServerTimer>;

/** A server's effect. */
export type ServerEffect = Effect<RaftMessage, ServerTimer>;

/** The role name servers run under; clients find the servers by it. */
export const SERVER_ROLE = "server";

const ELECTION_TIMEOUT: ServerTimer = { type: "ElectionTimeout" };
const HEARTBEAT: ServerTimer = { type: "Heartbeat" };

/**
 * The leader-only fields as a server that is not leader holds them: what stepping down clears, at a new term or at a
 * failed quorum check.
 */
const NO_LEADER_FIELDS = {
  heardFrom: [],
  nextIndex: {},
  matchIndex: {},
  awaiting: [],
  inflight: {},
  readRound: 0,
  reads: [],
} as const satisfies Partial<ServerState>;

/** A server at first boot (and the volatile part after a restart). */
export function initialServerState(): ServerState {
  return {
    currentTerm: 0,
    votedFor: null,
    log: [],
    snapshot: emptySnapshot,
    role: "follower",
    votesGranted: [],
    preVotes: [],
    leader: null,
    ...NO_LEADER_FIELDS,
    commitIndex: 0,
    lastApplied: 0,
    machine: emptyMachine,
  };
}

/** All servers of the cluster. */
export function serverIds(ctx: Pick<NodeSetup<unknown>, "roles">): readonly NodeId[] {
  return ctx.roles[SERVER_ROLE] ?? [];
}

/** The other servers. */
export function peersOf(ctx: Pick<NodeSetup<unknown>, "roles" | "self">): NodeId[] {
  return serverIds(ctx).filter((id) => id !== ctx.self);
}

/** How many servers make a majority of the cluster. */
export function majority(ctx: Pick<NodeSetup<unknown>, "roles">): number {
  return Math.floor(serverIds(ctx).length / 2) + 1;
}

/** What the log helpers read: the entries and the snapshot they follow. */
export type LogView = Pick<ServerState, "log" | "snapshot">;

/** The index of the last entry, compacted or not (0: none). */
export function lastIndex(s: LogView): number {
  return s.snapshot.index + s.log.length;
}

/** The term of the last entry, compacted or not (0: none). */
export function lastLogTerm(s: LogView): number {
  return s.log[s.log.length - 1]?.term ?? s.snapshot.term;
}

/** Entry `index` (1-based), or undefined when compacted or beyond the log. */
export function entryAt(s: LogView, index: number): LogEntry | undefined {
  return index > s.snapshot.index ? s.log[index - s.snapshot.index - 1] : undefined;
}

/**
 * The term of entry `index`: the snapshot's term at its last index (0 for
 * index 0), 0 beyond the log. Callers ask for indexes from the snapshot's on.
 */
export function termAt(s: LogView, index: number): number {
  return index === s.snapshot.index ? s.snapshot.term : (entryAt(s, index)?.term ?? 0);
}

/** The entries from `index` on (not compacted: `index > snapshot.index`), at most `max` of them. */
export function entriesFrom(s: LogView, index: number, max = Infinity): readonly LogEntry[] {
  const start = Math.max(0, index - s.snapshot.index - 1);
  return start === 0 && max >= s.log.length ? s.log : s.log.slice(start, start + max);
}

/**
 * The election restriction (paper, 5.4.1): a candidate's log is at least as
 * up-to-date as `log` when its last term is later, or equal with an index at
 * least as long.
 */
export function candidateLogUpToDate(m: Pick<RequestVote, "lastLogIndex" | "lastLogTerm">, s: LogView): boolean {
  const term = lastLogTerm(s);
  return m.lastLogTerm > term || (m.lastLogTerm === term && m.lastLogIndex >= lastIndex(s));
}

/** A state with effects still to emit: handlers compose these before `become`. */
export interface Pending {
  readonly state: ServerState;
  readonly effects: readonly ServerEffect[];
}

/**
 * Any message with a newer term makes the receiver adopt it and become a
 * follower (paper, Figure 2, "Rules for Servers"); a leader that steps down
 * trades its heartbeat timer for an election timeout.
 */
export function observeTerm(s: ServerState, term: number): Pending {
  if (term <= s.currentTerm) return { state: s, effects: [] };
  const state: ServerState = {
    ...s,
    currentTerm: term,
    votedFor: null,
    role: "follower",
    votesGranted: [],
    preVotes: [],
    leader: null,
    ...NO_LEADER_FIELDS,
  };
  return { state, effects: s.role === "leader" ? [cancelTimer(HEARTBEAT), setTimer(ELECTION_TIMEOUT)] : [] };
}

/** The `round` field of an AppendEntries or its response: absent for round 0. */
export function roundField(round: number | undefined): { readonly round?: number } {
  return round === undefined || round === 0 ? {} : { round };
}

/**
 * The most entries one AppendEntries carries: a follower far behind catches
 * up in batches of this many, one round trip each (the model's logs are far
 * shorter, so there every AppendEntries carries all entries from `nextIndex` on).
 */
export const MAX_ENTRIES_PER_APPEND = 256;

/**
 * What a leader sends `peer` on a tick: the entries from `nextIndex[peer]`
 * on, at most {@link MAX_ENTRIES_PER_APPEND}, or its snapshot when it
 * compacted the entry at `nextIndex[peer]`.
 */
export function appendEntriesFor(s: ServerState, peer: NodeId): AppendEntries | InstallSnapshot {
  const nextIndex = s.nextIndex[peer] ?? lastIndex(s) + 1;
  if (nextIndex <= s.snapshot.index) {
    return {
      type: "InstallSnapshot",
      term: s.currentTerm,
      lastIncludedIndex: s.snapshot.index,
      lastIncludedTerm: s.snapshot.term,
      machine: s.snapshot.machine,
      ...roundField(s.readRound),
    };
  }
  const prevLogIndex = nextIndex - 1;
  return {
    type: "AppendEntries",
    term: s.currentTerm,
    prevLogIndex,
    prevLogTerm: termAt(s, prevLogIndex),
    entries: entriesFrom(s, nextIndex, MAX_ENTRIES_PER_APPEND),
    leaderCommit: s.commitIndex,
    ...roundField(s.readRound),
  };
}

/**
 * Applies entries `lastApplied + 1 .. commitIndex` to the state machine. A
 * leader answers the clients of the entries it appended itself (those of its
 * own term); others only apply.
 */
export function applyCommitted(s: ServerState): Pending {
  if (s.lastApplied >= s.commitIndex) return { state: s, effects: [] };
  let machine = s.machine;
  const effects: ServerEffect[] = [];
  for (let index = s.lastApplied + 1; index <= s.commitIndex; index++) {
    const entry = entryAt(s, index)!;
    const applied = applyCommand(machine, entry.command);
    machine = applied.machine;
    if (s.role === "leader" && entry.term === s.currentTerm && applied.result !== undefined) {
      effects.push(
        send<RaftMessage>(entry.command.client, {
          type: "ClientReply",
          seq: entry.command.seq,
          result: applied.result,
        }),
      );
    }
  }
  return { state: { ...s, lastApplied: s.commitIndex, machine }, effects };
}

/**
 * The commit index a leader may adopt: the highest index `N` stored on a
 * majority (itself included) whose entry is from the leader's current term
 * (paper, 5.4.2: entries of earlier terms are only committed indirectly).
 */
export function leaderCommitIndex(s: ServerState, ctx: NodeSetup<unknown>): number {
  const peers = peersOf(ctx);
  const needed = majority(ctx);
  for (let n = lastIndex(s); n > s.commitIndex; n--) {
    if (termAt(s, n) !== s.currentTerm) return s.commitIndex;
    if (1 + peers.filter((p) => (s.matchIndex[p] ?? 0) >= n).length >= needed) return n;
  }
  return s.commitIndex;
}

/** Commits up to `commitIndex` (never backwards) and applies. */
export function commitAndApply(s: ServerState, commitIndex: number): Pending {
  return commitIndex > s.commitIndex ? applyCommitted({ ...s, commitIndex }) : { state: s, effects: [] };
}

function withEffects(p: Pending, ...more: readonly ServerEffect[]): ServerStep {
  return become(p.state, ...p.effects, ...more);
}

/**
 * A leader is elected: its heartbeat tick starts (the first tick asserts its
 * leadership) and its election timeout, re-armed, becomes the quorum check.
 */
export function becomeLeader(s: ServerState, ctx: NodeSetup<unknown>): ServerStep {
  const peers = peersOf(ctx);
  const leader: ServerState = {
    ...s,
    role: "leader",
    votesGranted: [],
    leader: null,
    // Fresh leader fields (the key order stays NO_LEADER_FIELDS'), with every peer's indexes set.
    ...NO_LEADER_FIELDS,
    nextIndex: Object.fromEntries(peers.map((p) => [p, lastIndex(s) + 1])),
    matchIndex: Object.fromEntries(peers.map((p) => [p, 0])),
  };
  return become(leader, setTimer(ELECTION_TIMEOUT), setTimer(HEARTBEAT));
}

/** A pre-candidate with a majority of pre-votes starts the real election: the next term, voting for itself. */
export function startElection(s: ServerState, ctx: NodeSetup<unknown>): ServerStep {
  const candidate: ServerState = {
    ...s,
    currentTerm: s.currentTerm + 1,
    role: "candidate",
    votedFor: ctx.self,
    votesGranted: [ctx.self],
    leader: null,
  };
  if (majority(ctx) === 1) return becomeLeader(candidate, ctx);
  const request: RequestVote = {
    type: "RequestVote",
    term: candidate.currentTerm,
    lastLogIndex: lastIndex(s),
    lastLogTerm: lastLogTerm(s),
  };
  return become(candidate, setTimer(ELECTION_TIMEOUT), ...peersOf(ctx).map((p) => send<RaftMessage>(p, request)));
}

/**
 * Whether elections start with a pre-vote: unless the setup's params say
 * `preVote: "off"` (classic Raft elections, which the spec's deep scenarios
 * use to stay small). Drivers that pass no such param get pre-vote.
 */
export function preVoteOn(ctx: Pick<NodeSetup<unknown>, "params">): boolean {
  const params = ctx.params as { readonly preVote?: unknown } | null | undefined;
  return params?.preVote !== "off";
}

/**
 * Whether check-quorum asks for a majority in every election-timeout period (`checkQuorum=period`; see {@link
 * checkQuorum}).
 */
export function checkQuorumPerPeriod(ctx: Pick<NodeSetup<unknown>, "params">): boolean {
  const params = ctx.params as { readonly checkQuorum?: unknown } | null | undefined;
  return params?.checkQuorum === "period";
}

/**
 * How many AppendEntries a leader keeps outstanding per peer: the
 * `pipeline` param (1 or absent: stop-and-wait, one at a time). Drivers that
 * pass no such param do not pipeline.
 */
export function pipelineDepth(ctx: Pick<NodeSetup<unknown>, "params">): number {
  const params = ctx.params as { readonly pipeline?: unknown } | null | undefined;
  const n = params?.pipeline;
  return typeof n === "number" && Number.isSafeInteger(n) && n > 1 ? n : 1;
}

/** The PreVote a server sends when its election timeout fires: the next term, its log, no term change. */
export function preVoteRequest(s: ServerState): PreVote {
  return { type: "PreVote", term: s.currentTerm + 1, lastLogIndex: lastIndex(s), lastLogTerm: lastLogTerm(s) };
}

/**
 * Check-quorum (dissertation, 6.2 and 9.6): a leader's election timeout
 * checks that a majority (itself included) answered an AppendEntries; if
 * not, it steps down in its term, so a leader cut off from the majority stops
 * serving and its followers' pre-votes become free.
 *
 * With `checkQuorum=period` (the dissertation's rule, and real runs'
 * default) a passing check clears `heardFrom`, so each period needs its own
 * majority: a leader cut off from the majority steps down within two election
 * timeouts and answers its clients NotLeader instead of holding their
 * requests. With `checkQuorum=term` (the model's default) `heardFrom` counts
 * the answers of the whole term: a leader steps down only when no majority
 * answered since its election, and a passing check re-arms the timer without
 * a new state. Clearing it multiplies the model's states by the subsets of
 * peers, so the model checks the per-period rule at its own parameters.
 */
export function checkQuorum(s: ServerState, ctx: NodeSetup<unknown>): ServerStep {
  if (1 + s.heardFrom.length >= majority(ctx))
    return become(checkQuorumPerPeriod(ctx) ? { ...s, heardFrom: [] } : s, setTimer(ELECTION_TIMEOUT));
  const follower: ServerState = { ...s, role: "follower", ...NO_LEADER_FIELDS };
  return become(follower, cancelTimer(HEARTBEAT), setTimer(ELECTION_TIMEOUT));
}

/**
 * The election timeout: a leader checks its quorum; any other server has not
 * heard from a leader for a whole timeout, so it forgets the leader and
 * becomes a pre-candidate, asking for pre-votes for the next term without
 * changing its own (a server cut off from the majority never gets them, so
 * its term stays where the cluster left it).
 */
export function onElectionTimeout(s: ServerState, ctx: NodeSetup<unknown>): ServerStep | undefined {
  if (s.role === "leader") return checkQuorum(s, ctx);
  if (!preVoteOn(ctx)) return startElection({ ...s, preVotes: [] }, ctx);
  const pre: ServerState = { ...s, role: "precandidate", votesGranted: [], preVotes: [ctx.self], leader: null };
  if (majority(ctx) === 1) return startElection(pre, ctx);
  const request = preVoteRequest(s);
  return become(pre, setTimer(ELECTION_TIMEOUT), ...peersOf(ctx).map((p) => send<RaftMessage>(p, request)));
}

/**
 * PreVote: granted when the proposed term is later than the voter's, the
 * pre-candidate's log is up-to-date, and the voter knows no current leader
 * (it is not one, and its own election timeout fired since it last heard
 * from one). Nothing changes at the voter: not its term, not its vote.
 */
export function onPreVote(s: ServerState, m: PreVote, ctx: NodeContext<unknown>): ServerStep {
  const granted = m.term > s.currentTerm && s.role !== "leader" && s.leader === null && candidateLogUpToDate(m, s);
  return become(
    s,
    reply<RaftMessage>(ctx, { type: "PreVoteResponse", term: granted ? m.term : s.currentTerm, granted }),
  );
}

/**
 * PreVoteResponse: a refusal from a later term makes the pre-candidate a
 * follower of it; a pre-vote for the next term counts, and a majority
 * starts the election.
 */
export function onPreVoteResponse(s: ServerState, m: PreVoteResponse, ctx: NodeContext<unknown>): ServerStep {
  if (!m.granted) return withEffects(observeTerm(s, m.term));
  if (s.role !== "precandidate" || m.term !== s.currentTerm + 1 || ctx.from === undefined) return become(s);
  const preVotes = setAdd(s.preVotes, ctx.from);
  const counted: ServerState = { ...s, preVotes };
  return preVotes.length < majority(ctx) ? become(counted) : startElection(counted, ctx);
}

/** Whether a read waits for a heartbeat round not yet sent (a driver may tick at once to start it). */
export function needsReadRound(s: ServerState): boolean {
  return s.reads.some((r) => r.round > s.readRound);
}

/**
 * Whether a leader's next tick sends `peer` an AppendEntries: when nothing
 * is outstanding to it; when pipelining (`depth` > 1), also when fewer than
 * `depth` are and it has entries the peer was not sent yet.
 */
export function mayAppend(s: ServerState, peer: NodeId, depth: number): boolean {
  if (!setHas(s.awaiting, peer)) return true;
  const outstanding = s.inflight[peer]?.length ?? 0;
  return depth > 1 && outstanding < depth && (s.nextIndex[peer] ?? lastIndex(s) + 1) <= lastIndex(s);
}

/** The last index an AppendEntries or InstallSnapshot carries: what a success answering it acknowledges. */
export function lastSent(m: AppendEntries | InstallSnapshot): number {
  return m.type === "AppendEntries" ? m.prevLogIndex + m.entries.length : m.lastIncludedIndex;
}

/**
 * The heartbeat tick: a leader sends AppendEntries to every peer not awaiting
 * a response (new entries, the commit index, or nothing: a heartbeat), and
 * when pipelining to the peers with room for one more and entries to send
 * ({@link mayAppend}): each then counts as inflight, and the peer's
 * `nextIndex` moves past what it carries. When a read waits for a new round,
 * this tick starts it: the round number rises and every AppendEntries from
 * now on carries it. Not enabled while no peer may be sent one.
 */
export function onHeartbeat(s: ServerState, ctx: NodeSetup<unknown>): ServerStep | undefined {
  if (s.role !== "leader") return undefined;
  const depth = pipelineDepth(ctx);
  const targets = peersOf(ctx).filter((p) => mayAppend(s, p, depth));
  if (targets.length === 0) return undefined;
  const awaiting = setOf([...s.awaiting, ...targets]);
  const next: ServerState = { ...s, awaiting, readRound: needsReadRound(s) ? s.readRound + 1 : s.readRound };
  const messages = targets.map((p) => [p, appendEntriesFor(next, p)] as const);
  const sends = messages.map(([p, m]) => send<RaftMessage>(p, m));
  if (depth === 1) return become(next, setTimer(HEARTBEAT), ...sends);
  const nextIndex = { ...next.nextIndex };
  const inflight = { ...next.inflight };
  for (const [p, m] of messages) {
    nextIndex[p] = lastSent(m) + 1;
    inflight[p] = [...(inflight[p] ?? []), lastSent(m)];
  }
  return become({ ...next, nextIndex, inflight }, setTimer(HEARTBEAT), ...sends);
}

/**
 * RequestVote: grant when the term is current, the vote is free (or already this candidate's) and its log is
 * up-to-date.
 */
export function onRequestVote(s: ServerState, m: RequestVote, ctx: NodeContext<unknown>): ServerStep {
  const { state, effects } = observeTerm(s, m.term);
  const granted =
    m.term === state.currentTerm &&
    (state.votedFor === null || state.votedFor === ctx.from) &&
    candidateLogUpToDate(m, state);
  const next = granted ? { ...state, votedFor: ctx.from ?? null } : state;
  return become(
    next,
    ...effects,
    reply<RaftMessage>(ctx, { type: "RequestVoteResponse", term: next.currentTerm, granted }),
  );
}

/** RequestVoteResponse: a candidate counts the vote and becomes leader on a majority. */
export function onRequestVoteResponse(s: ServerState, m: RequestVoteResponse, ctx: NodeContext<unknown>): ServerStep {
  const p = observeTerm(s, m.term);
  const state = p.state;
  if (m.term < state.currentTerm || state.role !== "candidate" || !m.granted || ctx.from === undefined)
    return withEffects(p);
  const votesGranted = setAdd(state.votesGranted, ctx.from);
  const counted = { ...state, votesGranted };
  if (votesGranted.length < majority(ctx)) return become(counted, ...p.effects);
  const elected = becomeLeader(counted, ctx);
  return become(elected.state, ...p.effects, ...elected.effects);
}

/**
 * Merges a leader's entries after `prevLogIndex` (which matched, and is not
 * before the snapshot): an entry that conflicts with an existing one (same
 * index, different term) deletes it and all that follow; entries not yet in
 * the log are appended. Entries already present stay, so a delayed, shorter
 * AppendEntries never truncates. Returns the new `log` (after the snapshot).
 */
export function mergeEntries(s: LogView, prevLogIndex: number, entries: readonly LogEntry[]): readonly LogEntry[] {
  for (let k = 0; k < entries.length; k++) {
    const index = prevLogIndex + 1 + k;
    const existing = entryAt(s, index);
    if (existing === undefined || existing.term !== entries[k]!.term)
      return s.log.slice(0, index - s.snapshot.index - 1).concat(entries.slice(k));
  }
  return s.log;
}

/**
 * A follower takes an AppendEntries or InstallSnapshot of its term's leader:
 * it learns the leader and stops any candidacy.
 */
function followLeader(s: ServerState, ctx: NodeContext<unknown>): ServerState {
  const known: ServerState = s.leader === ctx.from || ctx.from === undefined ? s : { ...s, leader: ctx.from };
  return known.role === "follower" ? known : { ...known, role: "follower", votesGranted: [], preVotes: [] };
}

/**
 * An AppendEntries whose `prevLogIndex` falls inside the receiver's snapshot,
 * cut to start at the snapshot's last index: the entries up to it are
 * committed, so the leader's match the snapshot (log matching and leader
 * completeness), and only those after it need merging.
 */
function afterSnapshot(m: AppendEntries, snapshot: Snapshot): AppendEntries {
  if (m.prevLogIndex >= snapshot.index) return m;
  return {
    ...m,
    prevLogIndex: snapshot.index,
    prevLogTerm: snapshot.term,
    entries: m.entries.slice(snapshot.index - m.prevLogIndex),
  };
}

/**
 * A server's answer to an AppendEntries or an InstallSnapshot (which carry
 * the leader's heartbeat `round`): it becomes `state` after `before`'s
 * effects and answers in its term.
 */
function answerLeader(
  before: Pending,
  state: ServerState,
  ctx: NodeContext<unknown>,
  answer: {
    readonly success: boolean;
    readonly matchIndex: number;
    readonly round: number | undefined;
    readonly rejection?: { readonly rejected: number; readonly hint: number };
  },
  ...more: readonly ServerEffect[]
): ServerStep {
  return become(
    state,
    ...before.effects,
    ...more,
    reply<RaftMessage>(ctx, {
      type: "AppendEntriesResponse",
      term: state.currentTerm,
      success: answer.success,
      matchIndex: answer.matchIndex,
      ...roundField(answer.round),
      ...answer.rejection,
    }),
  );
}

/**
 * AppendEntries: reject a stale leader or a log that does not match at `prevLogIndex`; otherwise merge, commit and
 * apply.
 */
export function onAppendEntries(s: ServerState, m: AppendEntries, ctx: NodeContext<unknown>): ServerStep {
  const p = observeTerm(s, m.term);
  const reject = (state: ServerState): ServerStep =>
    answerLeader(p, state, ctx, { success: false, matchIndex: 0, round: m.round });
  if (m.term < p.state.currentTerm) return reject(p.state);
  // Another leader of this very term: impossible in Raft (election safety); dropped.
  if (p.state.role === "leader") return withEffects(p);
  const follower = followLeader(p.state, ctx);
  const a = afterSnapshot(m, follower.snapshot);
  const logOk =
    a.prevLogIndex === 0 ||
    (a.prevLogIndex <= lastIndex(follower) && termAt(follower, a.prevLogIndex) === a.prevLogTerm);
  if (!logOk) {
    // A pipelining leader needs to know which AppendEntries this rejects, and where to probe from.
    if (pipelineDepth(ctx) === 1) return reject(follower);
    const rejection = { rejected: m.prevLogIndex, hint: lastIndex(follower) };
    return answerLeader(p, follower, ctx, { success: false, matchIndex: 0, round: m.round, rejection });
  }
  const log = mergeEntries(follower, a.prevLogIndex, a.entries);
  const lastNew = a.prevLogIndex + a.entries.length;
  const merged: ServerState = log === follower.log ? follower : { ...follower, log };
  const applied = commitAndApply(merged, Math.min(m.leaderCommit, lastNew));
  return answerLeader(
    p,
    applied.state,
    ctx,
    { success: true, matchIndex: lastNew, round: m.round },
    ...applied.effects,
  );
}

/**
 * InstallSnapshot (paper, Figure 13): a stale leader's is refused as its
 * AppendEntries would be. A snapshot not beyond the follower's commit index
 * changes nothing (it holds those entries applied already). Otherwise the
 * follower keeps the entries after the snapshot if its log holds the
 * snapshot's last entry (same index and term), else discards its log, and
 * takes the state machine: entries 1..lastIncludedIndex are committed and
 * applied. Either way it answers as to an AppendEntries that matched up to
 * lastIncludedIndex.
 */
export function onInstallSnapshot(s: ServerState, m: InstallSnapshot, ctx: NodeContext<unknown>): ServerStep {
  const p = observeTerm(s, m.term);
  const answer = (state: ServerState, success: boolean): ServerStep =>
    answerLeader(p, state, ctx, { success, matchIndex: success ? m.lastIncludedIndex : 0, round: m.round });
  if (m.term < p.state.currentTerm) return answer(p.state, false);
  // Another leader of this very term: impossible in Raft (election safety); dropped.
  if (p.state.role === "leader") return withEffects(p);
  const follower = followLeader(p.state, ctx);
  if (m.lastIncludedIndex <= follower.commitIndex) return answer(follower, true);
  const keeps = entryAt(follower, m.lastIncludedIndex)?.term === m.lastIncludedTerm;
  const snapshot: Snapshot = { index: m.lastIncludedIndex, term: m.lastIncludedTerm, machine: m.machine };
  return answer(
    {
      ...follower,
      log: keeps ? entriesFrom(follower, m.lastIncludedIndex + 1) : [],
      snapshot,
      commitIndex: m.lastIncludedIndex,
      lastApplied: m.lastIncludedIndex,
      machine: m.machine,
    },
    true,
  );
}

/**
 * The bookkeeping of an AppendEntries response at a leader of the same term:
 * the peer is no longer awaiting; on success `matchIndex` rises (never falls:
 * a duplicated response may arrive late); on failure `nextIndex` backs off by
 * one for the next tick; success or not, the peer acknowledges the reads of
 * the response's round and earlier (it still knew this leader's term when it
 * answered a heartbeat sent after they arrived). A pipelining leader keeps
 * its optimistic `nextIndex` and inflight AppendEntries instead, as
 * {@link recordPipelined} says. A response the leader ignores (stale term, no
 * longer leader) changes nothing but the term.
 */
export function recordAppendEntriesResponse(
  s: ServerState,
  m: AppendEntriesResponse,
  ctx: NodeContext<unknown>,
): Pending {
  const p = observeTerm(s, m.term);
  const state = p.state;
  const peer = ctx.from;
  if (m.term < state.currentTerm || state.role !== "leader" || peer === undefined) return p;
  const acked: ServerState = {
    ...state,
    heardFrom: setAdd(state.heardFrom, peer),
    reads: ackReads(state.reads, peer, m.round ?? 0),
  };
  if (pipelineDepth(ctx) > 1) return { state: recordPipelined(acked, peer, m), effects: p.effects };
  const matched = state.matchIndex[peer] ?? 0;
  const matchIndex = m.success ? Math.max(matched, m.matchIndex) : matched;
  const nextIndex = m.success ? matchIndex + 1 : Math.max(matched + 1, (state.nextIndex[peer] ?? 1) - 1);
  const next: ServerState = {
    ...acked,
    awaiting: setRemove(state.awaiting, peer),
    matchIndex: { ...state.matchIndex, [peer]: matchIndex },
    nextIndex: { ...state.nextIndex, [peer]: nextIndex },
  };
  return { state: next, effects: p.effects };
}

/**
 * A pipelining leader's bookkeeping of `peer`'s answer (etcd's Progress in
 * StateReplicate). A success frees the inflight AppendEntries up to the index
 * it acknowledges and raises `matchIndex` to it, keeping the optimistic
 * `nextIndex` when it is further. A rejection of an index at or below
 * `matchIndex` is stale (that entry is known to match: the answer was
 * overtaken) and changes nothing; any other makes the leader forget what is
 * inflight (the AppendEntries sent after the rejected one fail too) and
 * probe from the follower's last index + 1, or the rejected index if lower.
 */
export function recordPipelined(s: ServerState, peer: NodeId, m: AppendEntriesResponse): ServerState {
  const matched = s.matchIndex[peer] ?? 0;
  const next = s.nextIndex[peer] ?? lastIndex(s) + 1;
  const out = s.inflight[peer] ?? [];
  if (m.success) {
    const matchIndex = Math.max(matched, m.matchIndex);
    return withInflight(
      { ...s, matchIndex: { ...s.matchIndex, [peer]: matchIndex } },
      peer,
      out.filter((i) => i > m.matchIndex),
      Math.max(next, matchIndex + 1),
    );
  }
  const rejected = m.rejected ?? next - 1;
  if (rejected <= matched) return s;
  return withInflight(s, peer, [], Math.max(matched + 1, Math.min(rejected, (m.hint ?? rejected) + 1)));
}

/** A pipelining leader's `peer` with `out` inflight and `nextIndex` next (awaiting while any is inflight). */
function withInflight(s: ServerState, peer: NodeId, out: readonly number[], nextIndex: number): ServerState {
  const { [peer]: _, ...others } = s.inflight;
  return {
    ...s,
    awaiting: out.length === 0 ? setRemove(s.awaiting, peer) : setAdd(s.awaiting, peer),
    inflight: out.length === 0 ? others : { ...others, [peer]: out },
    nextIndex: { ...s.nextIndex, [peer]: nextIndex },
  };
}

/**
 * A leader gives up on the AppendEntries outstanding to `peers` (a driver's
 * resend after a timeout: one was lost): they may be sent again on the next
 * tick, a pipelining leader's from `matchIndex + 1`, since what it sent past
 * that may be lost.
 */
export function forgetOutstanding(s: ServerState, peers: readonly NodeId[]): ServerState {
  if (s.role !== "leader") return s;
  let next = s;
  for (const p of peers) {
    if (s.inflight[p] !== undefined) next = withInflight(next, p, [], (s.matchIndex[p] ?? 0) + 1);
    else if (setHas(next.awaiting, p)) next = { ...next, awaiting: setRemove(next.awaiting, p) };
  }
  return next;
}

function ackReads(reads: readonly PendingRead[], peer: NodeId, round: number): readonly PendingRead[] {
  if (!reads.some((r) => r.round <= round && !setHas(r.acks, peer))) return reads;
  return reads.map((r) => (r.round <= round && !setHas(r.acks, peer) ? { ...r, acks: setAdd(r.acks, peer) } : r));
}

/**
 * A leader answers the reads whose round a majority (itself included)
 * acknowledged and whose read index it has applied, from its state machine,
 * without touching the log or the clients' sessions (dissertation, 6.4).
 */
export function answerReads(s: ServerState, ctx: NodeSetup<unknown>): Pending {
  const needed = majority(ctx);
  const ready = (r: PendingRead) => 1 + r.acks.length >= needed && r.readIndex <= s.lastApplied;
  if (!s.reads.some(ready)) return { state: s, effects: [] };
  const effects = s.reads.filter(ready).map((r) =>
    send<RaftMessage>(r.client, {
      type: "ClientReply",
      seq: r.seq,
      result: execute(s.machine.data, { type: "get", key: r.key }).result,
    }),
  );
  return { state: { ...s, reads: s.reads.filter((r) => !ready(r)) }, effects };
}

/** AppendEntriesResponse: record it, then commit what a majority stores from the current term. */
export function onAppendEntriesResponse(
  s: ServerState,
  m: AppendEntriesResponse,
  ctx: NodeContext<unknown>,
): ServerStep {
  return commitRecorded(recordAppendEntriesResponse(s, m, ctx), ctx);
}

/**
 * After a leader recorded an AppendEntriesResponse: it commits what a
 * majority stores from its term, applies it and answers the reads now
 * confirmed (a broken variant records differently, then commits the same).
 */
export function commitRecorded(recorded: Pending, ctx: NodeSetup<unknown>): ServerStep {
  if (recorded.state.role !== "leader") return withEffects(recorded);
  const committed = commitAndApply(recorded.state, leaderCommitIndex(recorded.state, ctx));
  const answered = answerReads(committed.state, ctx);
  return become(answered.state, ...recorded.effects, ...committed.effects, ...answered.effects);
}

/**
 * A leader appends a client's command (the next heartbeat tick replicates
 * it); the reply, to the client, comes once it is applied. Retried commands
 * are appended again and deduplicated by the state machine's sessions when
 * applied (dissertation, 6.3); a duplicate in the current term also lets an
 * earlier-term copy commit.
 */
export function appendCommand(s: ServerState, command: Command, ctx: NodeSetup<unknown>): ServerStep {
  // concat, not a spread: V8 copies an array into concat's result about ten times faster than it
  // iterates one into a literal, and the leader copies its whole log once per command.
  const appended: ServerState = { ...s, log: s.log.concat([{ term: s.currentTerm, command }]) };
  // A cluster of one commits at once.
  const committed = commitAndApply(appended, leaderCommitIndex(appended, ctx));
  return become(committed.state, ...committed.effects);
}

/**
 * Whether a leader has committed an entry of its own term: until it has, its
 * commit index may lag behind entries earlier leaders committed (and
 * answered), so it cannot serve a read from its state machine (dissertation,
 * 6.4, step 1; the dissertation's leader appends a no-op at the start of its
 * term for this, this one waits for its first client command).
 */
export function committedInOwnTerm(s: ServerState): boolean {
  return s.commitIndex > 0 && termAt(s, s.commitIndex) === s.currentTerm;
}

/**
 * ReadIndex (dissertation, 6.4): a leader that committed an entry of its
 * term records its commit index as the read index and waits for a heartbeat
 * round that starts after the read arrived; {@link answerReads} answers it
 * once a majority acknowledged that round. A retried read already waiting is
 * not recorded twice.
 */
export function startRead(s: ServerState, command: Command, key: Key, ctx: NodeSetup<unknown>): ServerStep {
  if (s.reads.some((r) => r.client === command.client && r.seq === command.seq)) return become(s);
  const read: PendingRead = {
    client: command.client,
    seq: command.seq,
    key,
    readIndex: s.commitIndex,
    round: s.readRound + 1,
    acks: [],
  };
  // A cluster of one is its own majority: it answers at once.
  return withEffects(answerReads({ ...s, reads: [...s.reads, read] }, ctx));
}

/**
 * A leader serves a command: a read by ReadIndex once it committed an entry
 * of its term, through the log before that; anything else through the log.
 */
export function serveCommand(s: ServerState, command: Command, ctx: NodeSetup<unknown>): ServerStep {
  if (command.op.type === "get" && committedInOwnTerm(s)) return startRead(s, command, command.op.key, ctx);
  return appendCommand(s, command, ctx);
}

/**
 * ClientRequest: a leader serves the command; a follower that knows the
 * leader of its term forwards the request to it (dissertation, 6.2), so the
 * client need not find the leader itself; a server that knows no leader drops
 * it and the client retries elsewhere on its timeout.
 */
export function onClientRequest(s: ServerState, m: ClientRequest, ctx: NodeContext<unknown>): ServerStep {
  if (ctx.from === undefined) return become(s);
  const command: Command = { client: ctx.from, seq: m.seq, op: m.op };
  if (s.role === "leader") return serveCommand(s, command, ctx);
  if (s.role !== "follower" || s.leader === null) return become(s);
  return become(s, send<RaftMessage>(s.leader, { type: "ForwardedRequest", ...command }));
}

/**
 * ForwardedRequest: a leader serves the command for the client named in it.
 * A server that is no longer the leader drops it (forwarding again could
 * loop): the client retries on its timeout.
 */
export function onForwardedRequest(s: ServerState, m: ForwardedRequest, ctx: NodeContext<unknown>): ServerStep {
  if (s.role !== "leader") return become(s);
  return serveCommand(s, { client: m.client, seq: m.seq, op: m.op }, ctx);
}

/**
 * The log compaction threshold: the `compactAfter` param (0 or absent:
 * never). Drivers that pass no such param never compact.
 */
export function compactAfter(ctx: Pick<NodeSetup<unknown>, "params">): number {
  const params = ctx.params as { readonly compactAfter?: unknown } | null | undefined;
  const n = params?.compactAfter;
  return typeof n === "number" && Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/** The snapshot of a server's applied entries: its state machine as of `lastApplied`. */
export function takeSnapshot(s: ServerState): Snapshot {
  return { index: s.lastApplied, term: termAt(s, s.lastApplied), machine: s.machine };
}

/**
 * Log compaction at the end of a step: when at least `compactAfter` applied
 * entries sit in the log, they are folded into a snapshot (by `snapshotOf`,
 * {@link takeSnapshot} but in a broken variant) and leave the log. Only
 * applied entries, hence committed ones, are ever compacted.
 */
export function compactStep(
  step: ServerStep,
  ctx: Pick<NodeSetup<unknown>, "params">,
  snapshotOf: (s: ServerState) => Snapshot = takeSnapshot,
): ServerStep {
  const n = compactAfter(ctx);
  const s = step.state;
  if (n === 0 || s.lastApplied - s.snapshot.index < n) return step;
  return { ...step, state: { ...s, log: entriesFrom(s, s.lastApplied + 1), snapshot: snapshotOf(s) } };
}

/**
 * A restarted server's volatile state from its durable snapshot: the state
 * machine as of the snapshot, whose entries are committed and applied.
 */
export function restoreFromSnapshot(s: ServerState): ServerState {
  const { index, machine } = s.snapshot;
  return index === 0 ? s : { ...s, commitIndex: index, lastApplied: index, machine };
}

/** The reducer of a Raft server without log compaction, dispatching on the input. */
export function handleServerInput(
  s: ServerState,
  input: ServerInput,
  ctx: NodeContext<unknown>,
): ServerStep | undefined {
  return match(input)
    .with({ type: "ElectionTimeout" }, () => onElectionTimeout(s, ctx))
    .with({ type: "Heartbeat" }, () => onHeartbeat(s, ctx))
    .with({ type: "PreVote" }, (m) => onPreVote(s, m, ctx))
    .with({ type: "PreVoteResponse" }, (m) => onPreVoteResponse(s, m, ctx))
    .with({ type: "RequestVote" }, (m) => onRequestVote(s, m, ctx))
    .with({ type: "RequestVoteResponse" }, (m) => onRequestVoteResponse(s, m, ctx))
    .with({ type: "AppendEntries" }, (m) => onAppendEntries(s, m, ctx))
    .with({ type: "AppendEntriesResponse" }, (m) => onAppendEntriesResponse(s, m, ctx))
    .with({ type: "InstallSnapshot" }, (m) => onInstallSnapshot(s, m, ctx))
    .with({ type: "ClientRequest" }, (m) => onClientRequest(s, m, ctx))
    .with({ type: "ForwardedRequest" }, (m) => onForwardedRequest(s, m, ctx))
    .exhaustive();
}

/** The reducer of a Raft server: the input's handler, then log compaction when due. */
export function reduceServer(s: ServerState, input: ServerInput, ctx: NodeContext<unknown>): ServerStep | undefined {
  const step = handleServerInput(s, input, ctx);
  return step === undefined ? undefined : compactStep(step, ctx);
}

/**
 * The Raft server role: `currentTerm`, `votedFor`, `log` and `snapshot` are
 * durable; every server boots (and restarts) as a follower with an election
 * timeout armed, its state machine restored from its snapshot.
 */
export const raftServer = defineRole<ServerState, ServerInput, RaftMessage, ServerTimer>({
  init: () => initialServerState(),
  initialTimers: () => [ELECTION_TIMEOUT],
  durable: ["currentTerm", "votedFor", "log", "snapshot"],
  restore: restoreFromSnapshot,
  reduce: reduceServer,
});
