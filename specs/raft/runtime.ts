/**
 * Raft on a real network (`interleave run raft`, `interleave maelstrom
 * raft`): what the runtime cannot derive from the model, attached to the
 * spec as its `runtime` field. The server reducer runs unchanged, with the
 * timer durations and driver policies the model leaves out because it does
 * not measure time:
 *
 * - ElectionTimeout fires a random `electionMinMs..electionMaxMs` after it was
 *   armed, and is pushed back when an AppendEntries from a current leader
 *   arrives or a vote is granted (the paper's rule);
 * - Heartbeat fires every `heartbeatMs`, and at once when a leader is elected
 *   or has entries for a peer that is not awaiting a response (pipelining:
 *   that has room for one more AppendEntries), or a read waits for a
 *   heartbeat round (so replication and reads run at network speed, not tick
 *   speed);
 * - a peer with AppendEntries outstanding that has not answered one for
 *   `resendTicks` heartbeats is made eligible again, from its match index +
 *   1 (the resend of a lost message; the model covers it with its duplicate
 *   budget). This is a local action, recorded for replay;
 * - a client request reaching a follower that knows its term's leader is
 *   forwarded by the reducer (dissertation 6.2): a ForwardedRequest goes to
 *   the leader over the wire, and the leader's ClientReply goes straight to
 *   the client's endpoint, so a client connected to any follower gets its
 *   answer. Only a server that knows no leader (a pre-candidate, a
 *   candidate, a follower whose election timeout fired), which the reducer
 *   ignores, answers `{type: "NotLeader", seq, code: 11}` (Maelstrom's
 *   "temporarily unavailable") so the client backs off (`backoffMs` times its
 *   attempt) and retries without waiting for its timeout.
 *
 * The workload: reads (50%), writes (30%) and compare-and-sets (20%) of
 * values 0..4 on `keys` registers k0, k1, ..., or writes only with
 * `--param ops=puts` (the row compared with etcd's put benchmark); a final
 * read of each key.
 * Messages are validated field by field (declared, not derived: a log entry's
 * client id must be one the runtime gives clients, see `entryOf`).
 *
 * Pipelining: a real run sets the model's `pipeline` to
 * {@link RUNTIME_PIPELINE} (the model's default, 1, is stop-and-wait), so a
 * leader sends a peer the entries appended since its last AppendEntries at
 * once, up to that many outstanding, instead of a round trip after the last.
 *
 * Log compaction: a real run sets the model's `compactAfter` to
 * {@link RUNTIME_COMPACT_AFTER} (the model's default, 0, never compacts), so a
 * server's log holds at most about that many applied entries and a leader
 * appends in time bounded by it rather than by the run's length; a follower
 * too far behind gets the leader's snapshot (InstallSnapshot).
 */
import {
  int,
  oneOf,
  type LocalAction,
  type ParamValues,
  type RuntimeConfig,
  type RuntimeParamValues,
} from "../../src/index.js";
import type { ClientInput, ClientState } from "./client.js";
import { KvError, type KvMachine, type KvOp, type KvResult, type Session, type Value } from "./kv.js";
import {
  forgetOutstanding,
  lastIndex,
  needsReadRound,
  roundField,
  type ClientRequest,
  type LogEntry,
  type ServerInput,
  type ServerState,
  type ServerTimer,
} from "./server.js";

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
export const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/** Raft's runtime parameters (`--param k=v`). */
export const raftRuntimeParams = {
  attemptMs: int(400, {
    min: 1,
    max: 600_000,
    description: "how long a client's attempt waits for an answer before it tries the next server, ms",
  }),
  backoffMs: int(10, {
    min: 0,
    max: 60_000,
    description: "a client's backoff after a NotLeader answer, times the attempt number, ms",
  }),
  electionMinMs: int(150, { min: 1, max: 600_000, description: "shortest election timeout, ms" }),
  electionMaxMs: int(300, {
    min: 1,
    max: 600_000,
    description: "longest election timeout, ms (a random one in between)",
  }),
  heartbeatMs: int(50, { min: 1, max: 60_000, description: "leader heartbeat interval, ms" }),
  resendTicks: int(10, { min: 1, max: 10_000, description: "heartbeats before an unanswered AppendEntries is resent" }),
  ops: oneOf(["mixed", "puts"], "mixed", {
    description:
      "the workload: mixed (reads 50%, writes 30%, compare-and-sets 20%) or puts (writes only, as etcd's put benchmark)",
  }),
};

type RaftRuntimeParams = ParamValues<typeof raftRuntimeParams>;

/**
 * The model's `compactAfter` in a real run: a server compacts once its log
 * holds this many applied entries (a snapshot is the store and the clients'
 * sessions, rewritten whole in the durable file at each compaction).
 */
export const RUNTIME_COMPACT_AFTER = 1_000;

/**
 * The model's `pipeline` in a real run: AppendEntries a leader keeps
 * outstanding per peer (etcd's default MaxInflightMsgs is 256; group commit
 * already batches the entries of one fsync into one AppendEntries).
 */
export const RUNTIME_PIPELINE = 4;

const ELECTION: ServerTimer = { type: "ElectionTimeout" };
const HEARTBEAT: ServerTimer = { type: "Heartbeat" };

/** The answer to a client request that reached a server that knows no leader to forward it to. */
export interface NotLeader {
  readonly type: "NotLeader";
  readonly seq: number;
  readonly code: typeof KvError.temporarilyUnavailable;
}

/**
 * Whether a server takes a client request itself: a leader appends it, a
 * follower that knows its term's leader forwards it (the spec's
 * `onClientRequest`); any other server drops it.
 */
function servesClients(s: ServerState): boolean {
  return s.role === "leader" || (s.role === "follower" && s.leader !== null);
}

/** The local action that makes peers eligible for a resend. */
interface ForgetAwaiting extends LocalAction {
  readonly type: "forgetAwaiting";
  readonly peers: readonly string[];
}

/**
 * A store value on the wire: any JSON value but null, which stands for an
 * absent key (messages come from JSON.parse). Its numbers must be finite:
 * JSON.parse reads 1e400 as Infinity, which the durable file would write back
 * as null (and a snapshot would carry on).
 */
const isValue = (v: unknown): v is Value => v !== undefined && v !== null && finiteJson(v, 0);

/**
 * How deep a store value may nest. Past it a value is refused rather than
 * walked: a walk 3,000 levels deep ran out of stack in one process and not in
 * another (stack frames differ in size with how far the JIT has compiled),
 * so whether a frame was accepted depended on the process (a fuzzed frame of
 * the host test's seed 928104486 was invalid in-process and delivered over UDP).
 */
const MAX_VALUE_DEPTH = 64;

function finiteJson(v: unknown, depth: number): boolean {
  if (typeof v === "number") return Number.isFinite(v);
  if (typeof v !== "object" || v === null) return true;
  if (depth >= MAX_VALUE_DEPTH) return false;
  return (Array.isArray(v) ? v : Object.values(v)).every((x) => finiteJson(x, depth + 1));
}

/** A validated operation (a fresh object with only the operation's fields), or undefined. */
export function kvOpOf(v: unknown): KvOp | undefined {
  if (!isRecord(v) || typeof v["key"] !== "string") return undefined;
  const key = v["key"];
  switch (v["type"]) {
    case "get":
      return { type: "get", key };
    case "put":
      return isValue(v["value"]) ? { type: "put", key, value: v["value"] } : undefined;
    case "cas": {
      const expected = v["expected"];
      if (!isValue(v["value"]) || !(expected === null || isValue(expected))) return undefined;
      return { type: "cas", key, expected, value: v["value"] };
    }
    default:
      return undefined;
  }
}

/**
 * A validated log entry, or undefined. A command's `client` must be a client
 * id: a leader appends a request under its sender's id, which `isClient`
 * admitted, so any other id is forged, and one such as "__proto__" or
 * "toString" makes the state machine's session lookup throw.
 */
function entryOf(v: unknown): LogEntry | undefined {
  if (!isRecord(v) || !isCount(v["term"]) || !isRecord(v["command"])) return undefined;
  const c = v["command"];
  const op = kvOpOf(c["op"]);
  if (typeof c["client"] !== "string" || !isClientId(c["client"]) || !isCount(c["seq"]) || op === undefined)
    return undefined;
  return { term: v["term"], command: { client: c["client"], seq: c["seq"], op } };
}

/**
 * A validated state machine (a snapshot's), or undefined: data of store
 * values under any keys, and sessions under client ids (see `entryOf`), each
 * a sequence number and a valid answer. Fresh objects with only those fields;
 * `Object.fromEntries` makes a key such as "__proto__" an ordinary own key.
 */
function machineOf(v: unknown): KvMachine | undefined {
  if (!isRecord(v) || !isRecord(v["data"]) || !isRecord(v["sessions"])) return undefined;
  const data: [string, Value][] = [];
  for (const [key, value] of Object.entries(v["data"])) {
    if (!isValue(value)) return undefined;
    data.push([key, value]);
  }
  const sessions: [string, Session][] = [];
  for (const [client, session] of Object.entries(v["sessions"])) {
    if (!isClientId(client) || !isRecord(session) || !isCount(session["seq"]) || session["seq"] < 1) return undefined;
    const result = kvResultOf(session["result"]);
    if (result === undefined) return undefined;
    sessions.push([client, { seq: session["seq"], result }]);
  }
  return { data: Object.fromEntries(data), sessions: Object.fromEntries(sessions) };
}

/** A validated server-to-server message, or undefined. */
export function raftPeerMessage(m: Readonly<Record<string, unknown>>): ServerInput | undefined {
  if (m["type"] === "ForwardedRequest") {
    const op = kvOpOf(m["op"]);
    const client = m["client"];
    return typeof client === "string" && isClientId(client) && isCount(m["seq"]) && m["seq"] >= 1 && op !== undefined
      ? { type: "ForwardedRequest", client, seq: m["seq"], op }
      : undefined;
  }
  const term = m["term"];
  if (!isCount(term)) return undefined;
  switch (m["type"]) {
    case "PreVote":
      return isCount(m["lastLogIndex"]) && isCount(m["lastLogTerm"])
        ? { type: "PreVote", term, lastLogIndex: m["lastLogIndex"], lastLogTerm: m["lastLogTerm"] }
        : undefined;
    case "PreVoteResponse":
      return typeof m["granted"] === "boolean" ? { type: "PreVoteResponse", term, granted: m["granted"] } : undefined;
    case "RequestVote":
      return isCount(m["lastLogIndex"]) && isCount(m["lastLogTerm"])
        ? { type: "RequestVote", term, lastLogIndex: m["lastLogIndex"], lastLogTerm: m["lastLogTerm"] }
        : undefined;
    case "RequestVoteResponse":
      return typeof m["granted"] === "boolean"
        ? { type: "RequestVoteResponse", term, granted: m["granted"] }
        : undefined;
    case "AppendEntries": {
      const raw = m["entries"];
      if (
        !isCount(m["prevLogIndex"]) ||
        !isCount(m["prevLogTerm"]) ||
        !isCount(m["leaderCommit"]) ||
        !(m["round"] === undefined || isCount(m["round"])) ||
        !Array.isArray(raw)
      )
        return undefined;
      const entries: LogEntry[] = [];
      for (const e of raw) {
        const entry = entryOf(e);
        if (entry === undefined) return undefined;
        entries.push(entry);
      }
      return {
        type: "AppendEntries",
        term,
        prevLogIndex: m["prevLogIndex"],
        prevLogTerm: m["prevLogTerm"],
        entries,
        leaderCommit: m["leaderCommit"],
        ...roundField(m["round"]),
      };
    }
    case "InstallSnapshot": {
      const machine = machineOf(m["machine"]);
      // A snapshot holds at least one entry, of a term at least 1 and no later than the leader's.
      const index = m["lastIncludedIndex"];
      const at = m["lastIncludedTerm"];
      if (
        !isCount(index) ||
        index < 1 ||
        !isCount(at) ||
        at < 1 ||
        at > term ||
        !(m["round"] === undefined || isCount(m["round"])) ||
        machine === undefined
      )
        return undefined;
      return {
        type: "InstallSnapshot",
        term,
        lastIncludedIndex: index,
        lastIncludedTerm: at,
        machine,
        ...roundField(m["round"]),
      };
    }
    case "AppendEntriesResponse": {
      // A pipelining follower's rejection names the index rejected and its last index, both or neither.
      const rejected = m["rejected"];
      const hint = m["hint"];
      const plain = rejected === undefined && hint === undefined;
      if (
        typeof m["success"] !== "boolean" ||
        !isCount(m["matchIndex"]) ||
        !(m["round"] === undefined || isCount(m["round"])) ||
        !(plain || (isCount(rejected) && isCount(hint) && !m["success"]))
      )
        return undefined;
      return {
        type: "AppendEntriesResponse",
        term,
        success: m["success"],
        matchIndex: m["matchIndex"],
        ...roundField(m["round"]),
        ...(isCount(rejected) && isCount(hint) ? { rejected, hint } : {}),
      };
    }
    default:
      return undefined;
  }
}

/** A validated client request, or undefined. */
export function raftClientRequest(m: Readonly<Record<string, unknown>>): ClientRequest | undefined {
  const op = kvOpOf(m["op"]);
  return m["type"] === "ClientRequest" && isCount(m["seq"]) && m["seq"] >= 1 && op !== undefined
    ? { type: "ClientRequest", seq: m["seq"], op }
    : undefined;
}

/**
 * Whether a leader has entries for a peer that is not awaiting a response,
 * or that is pipelining (the tick finds out whether it has room: the driver
 * does not know the model's `pipeline`; a tick with none is disabled and
 * fires again later, or on the next answer).
 */
function hasEntriesToSend(s: ServerState, peers: readonly string[]): boolean {
  for (const p of peers)
    if (
      (!s.awaiting.includes(p) || s.inflight[p] !== undefined) &&
      (s.nextIndex[p] ?? lastIndex(s) + 1) <= lastIndex(s)
    )
      return true;
  return false;
}

/**
 * Whether an input pushes a server's election timeout back (the paper's rule):
 * an AppendEntries or InstallSnapshot from a current leader, or a vote granted. Drivers re-arm
 * the timer; the model, which does not measure time, needs no such rule.
 */
export function pushesElectionBack(
  input: ServerInput,
  from: string | undefined,
  before: ServerState,
  after: ServerState,
): boolean {
  if (input.type === "AppendEntries" || input.type === "InstallSnapshot")
    return input.term >= before.currentTerm && after.role === "follower";
  return (
    input.type === "RequestVote" && from !== undefined && after.votedFor === from && input.term === after.currentTerm
  );
}

/**
 * A leader's peers that have had AppendEntries outstanding and answered none
 * for `resendTicks` heartbeat ticks (lost on the network): a driver makes
 * them eligible again (the `forgetAwaiting` local action) so the next tick
 * resends. Call `tick` once per heartbeat and `heard` on each answer (a
 * pipelining peer is awaiting most of the time while it answers); the count
 * restarts with each term and leadership.
 */
export class StuckPeers {
  private readonly since = new Map<string, number>();
  private term = -1;
  private ticks = 0;

  constructor(private readonly resendTicks: number) {}

  /** `peer` answered an AppendEntries: its count starts again. */
  heard(peer: string): void {
    this.since.delete(peer);
  }

  /** Counts one tick and returns the peers stuck as of it (each reported once). */
  tick(s: ServerState): string[] {
    this.ticks++;
    if (s.role !== "leader" || s.currentTerm !== this.term) {
      this.since.clear();
      this.term = s.currentTerm;
      if (s.role !== "leader") return [];
    }
    const stuck: string[] = [];
    for (const peer of s.awaiting) if (!this.since.has(peer)) this.since.set(peer, this.ticks);
    for (const [peer, first] of this.since) {
      if (!s.awaiting.includes(peer)) this.since.delete(peer);
      else if (this.ticks - first >= this.resendTicks) {
        this.since.delete(peer);
        stuck.push(peer);
      }
    }
    return stuck;
  }
}

/** Client ids: `c1`, `c2`, ... (a retired client's successor takes a new number). */
export const isClientId = (id: string): boolean => /^c\d+$/.test(id);

/** The workload's keys: k0, k1, ... */
export function workloadKeys(keys: number): string[] {
  return Array.from({ length: keys }, (_, i) => `k${i}`);
}

/**
 * A random operation of values 0..4: reads 50%, writes 30%, compare-and-sets
 * 20% (`mixed`), or writes only (`puts`).
 */
export function randomOp(random: () => number, keys: readonly string[], ops: "mixed" | "puts" = "mixed"): KvOp {
  const key = keys[Math.floor(random() * keys.length)]!;
  const value = () => Math.floor(random() * 5);
  if (ops === "puts") return { type: "put", key, value: value() };
  const r = random();
  if (r < 0.5) return { type: "get", key };
  if (r < 0.8) return { type: "put", key, value: value() };
  return { type: "cas", key, expected: value(), value: value() };
}

/** A validated answer to a client: a ClientReply (the client reducer's input). */
export function raftClientReply(m: Readonly<Record<string, unknown>>): ClientInput | undefined {
  if (m["type"] !== "ClientReply" || !isCount(m["seq"])) return undefined;
  const result = kvResultOf(m["result"]);
  return result === undefined ? undefined : { type: "ClientReply", seq: m["seq"], result };
}

/** A validated operation's answer (a fresh object with only its fields), or undefined. */
function kvResultOf(r: unknown): KvResult | undefined {
  if (!isRecord(r)) return undefined;
  let result: KvResult | undefined;
  const error = r["error"];
  switch (r["type"]) {
    case "get":
      // A get of an absent key reads null with error 20 (key does not exist); the code travels on.
      if (r["value"] === null)
        result =
          error === undefined
            ? { type: "get", value: null }
            : error === KvError.keyDoesNotExist
              ? { type: "get", value: null, error }
              : undefined;
      else result = isValue(r["value"]) && error === undefined ? { type: "get", value: r["value"] } : undefined;
      break;
    case "put":
      result = error === undefined ? { type: "put" } : undefined;
      break;
    case "cas":
      // A compare-and-set that did not swap says why: 20 (key does not exist) or 22 (precondition failed).
      if (r["swapped"] === true) result = error === undefined ? { type: "cas", swapped: true } : undefined;
      else if (r["swapped"] === false)
        result =
          error === undefined
            ? { type: "cas", swapped: false }
            : error === KvError.keyDoesNotExist || error === KvError.preconditionFailed
              ? { type: "cas", swapped: false, error }
              : undefined;
      break;
  }
  return result;
}

/** The key the isolate-leader scenario writes (not one of the workload's). */
export const SCENARIO_KEY = "iso";

const invoke = (op: KvOp): ClientInput => ({ type: "Invoke", op });
// The keys of the last count asked for: the workload asks once per operation.
let keysCache: { readonly count: number; readonly keys: readonly string[] } | undefined;
const keysOf = (p: RuntimeParamValues): readonly string[] => {
  const count = typeof p["keys"] === "number" ? p["keys"] : 3;
  if (keysCache?.count !== count) keysCache = { count, keys: workloadKeys(count) };
  return keysCache.keys;
};

/** Raft's runtime configuration: see the module comment. */
export const raftRuntime: RuntimeConfig = {
  params: raftRuntimeParams,
  // The dissertation's check-quorum: a leader cut off from the majority steps down within two election timeouts.
  modelParams: { checkQuorum: "period", compactAfter: RUNTIME_COMPACT_AFTER, pipeline: RUNTIME_PIPELINE },
  // A reply reports an applied entry, which a majority fsynced before it committed, or a read at the
  // commit index: none waits for the leader's fsync of newer entries (etcd answers the same way).
  sendBeforeFsync: (msg) => isRecord(msg) && msg["type"] === "ClientReply",
  nodesParam: "servers",
  timerMs(timer, params, random) {
    const p = params as RaftRuntimeParams;
    const t = timer as ServerTimer | { readonly type: "RetryTimeout" };
    if (t.type === "Heartbeat") return p.heartbeatMs;
    if (t.type === "RetryTimeout") return p.attemptMs;
    const spread = Math.max(0, p.electionMaxMs - p.electionMinMs);
    return p.electionMinMs + Math.floor(random() * (spread + 1));
  },
  peerInput: raftPeerMessage,
  clientInput: raftClientRequest,
  answerInput: raftClientReply,
  peerTypes: [
    "PreVote",
    "PreVoteResponse",
    "RequestVote",
    "RequestVoteResponse",
    "AppendEntries",
    "AppendEntriesResponse",
    "InstallSnapshot",
    "ForwardedRequest",
  ],
  clientTypes: ["ClientRequest"],
  isClient: isClientId,
  local(state, action) {
    const s = state as ServerState;
    return action.type === "forgetAwaiting" ? forgetOutstanding(s, (action as ForgetAwaiting).peers) : s;
  },
  status: (state) => {
    const s = state as ServerState;
    return { role: s.role, term: s.currentTerm, commitIndex: s.commitIndex, log: lastIndex(s) };
  },
  driver(params) {
    const p = params as RaftRuntimeParams;
    const stuckPeers = new StuckPeers(p.resendTicks);
    return {
      tickMs: p.heartbeatMs,
      onTick(control, state) {
        const stuck = stuckPeers.tick(state as ServerState);
        if (stuck.length === 0) return;
        control.local({ type: "forgetAwaiting", peers: stuck } satisfies ForgetAwaiting);
        control.fireNow(HEARTBEAT);
      },
      afterInput(control, outcome) {
        const { from, fromClient } = outcome;
        const input = outcome.input as ServerInput;
        const before = outcome.before as ServerState;
        const after = outcome.after as ServerState;
        if (input.type === "AppendEntriesResponse" && from !== undefined) stuckPeers.heard(from);
        if (fromClient && input.type === "ClientRequest" && from !== undefined && !servesClients(after)) {
          control.sendRaw(from, {
            type: "NotLeader",
            seq: input.seq,
            code: KvError.temporarilyUnavailable,
          } satisfies NotLeader);
          return;
        }
        if (pushesElectionBack(input, from, before, after)) control.rearm(ELECTION);
        if (after.role !== "leader") return;
        const peers = Object.keys(after.nextIndex);
        if (before.role !== "leader" || hasEntriesToSend(after, peers) || needsReadRound(after))
          control.fireNow(HEARTBEAT);
      },
    };
  },
  workload: {
    clients: ["client"],
    instances: { client: "option" },
    next: (_role, _state, _setup, random, params) =>
      invoke(randomOp(random, keysOf(params), params["ops"] === "puts" ? "puts" : "mixed")),
    finalReads: (params) => keysOf(params).map((key) => ({ role: "client", key, input: invoke({ type: "get", key }) })),
    answer(msg, { pinned, state, params }) {
      const s = state as ClientState;
      if (msg["type"] !== "NotLeader" || s.pending === null || msg["seq"] !== s.pending.seq) return undefined;
      // A pinned client's server is not the leader: the request was not appended anywhere.
      return pinned
        ? { type: "fail" }
        : { type: "retry", afterMs: (params as RaftRuntimeParams).backoffMs * s.pending.attempt };
    },
    aim: (state, node) => ({ ...(state as ClientState), leader: node }),
    probe: {
      key: SCENARIO_KEY,
      write: (n) => ({ role: "client", input: invoke({ type: "put", key: SCENARIO_KEY, value: n }) }),
      read: () => ({ role: "client", input: invoke({ type: "get", key: SCENARIO_KEY }) }),
    },
    model: "register",
  },
};
