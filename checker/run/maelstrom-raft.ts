/**
 * Maelstrom's lin-kv workload served by the Raft server reducer of
 * specs/raft/server.ts, unchanged. This file is only the driver: it turns
 * Maelstrom messages into reducer inputs, performs the reducer's effects, and
 * gives its timers real durations (the model leaves time out):
 *
 * - ElectionTimeout: fires a random 150..300 ms after it was armed or after
 *   the last AppendEntries from a current leader or vote granted;
 * - Heartbeat: fires every 50 ms while armed (the leader's replication tick);
 * - a peer that has had an AppendEntries outstanding for 10 heartbeats is made
 *   eligible again (the resend a production server adds, see server.ts).
 *
 * The durations and both policies are the real-network runtime's (raft-binding.ts).
 *
 * Clients: read/write/cas become get/put/cas commands tagged with the client id
 * and the request's msg_id as sequence number (the state machine's sessions
 * apply a retried request once). Servers that are not leader answer error 11
 * (temporarily unavailable), a definite failure: the client may retry elsewhere.
 */
import {
  raftServer,
  type RaftMessage,
  type ServerInput,
  type ServerState,
  type ServerStep,
  type ServerTimer,
} from "../../specs/raft/server.js";
import type { KvOp, KvResult } from "../../specs/raft/kv.js";
import type { NodeContext } from "../../src/index.js";
import type { Body, Message } from "./maelstrom.js";
import {
  pushesElectionBack,
  raftRuntime as raftBinding,
  raftRuntimeParams,
  StuckPeers,
} from "../../specs/raft/runtime.js";

// The real-network runtime's defaults (raft-binding.ts), so both drivers time Raft alike.
const defaults = raftRuntimeParams;
const ELECTION_MIN_MS = defaults.electionMinMs.default;
const ELECTION_SPREAD_MS = defaults.electionMaxMs.default - defaults.electionMinMs.default;
const HEARTBEAT_MS = defaults.heartbeatMs.default;

type Reply = (to: Message, body: { type: string; [field: string]: unknown }) => void;

export interface RaftKvEnv {
  readonly self: string;
  readonly nodeIds: readonly string[];
  now(): number;
  random(): number;
  /** Sends a body to another server (raft messages travel as `{type: "raft", msg}`). */
  sendPeer(dest: string, body: { type: string; [field: string]: unknown }): void;
  /** Replies to a client request. */
  reply: Reply;
  log(line: string): void;
}

const RAFT_TYPES = new Set([
  "PreVote",
  "PreVoteResponse",
  "RequestVote",
  "RequestVoteResponse",
  "AppendEntries",
  "AppendEntriesResponse",
  "ForwardedRequest",
]);

/** One Raft server speaking Maelstrom. */
export class RaftKv {
  private state: ServerState;
  private electionAt: number | undefined;
  private heartbeatAt: number | undefined;
  private readonly stuckPeers = new StuckPeers(defaults.resendTicks.default);
  /** Client requests awaiting their ClientReply, by client and seq. */
  private readonly waiting = new Map<string, Message>();

  constructor(private readonly env: RaftKvEnv) {
    this.state = raftServer.init(this.setup());
    for (const t of raftServer.initialTimers?.(this.state, this.setup()) ?? []) this.arm(t);
  }

  private setup() {
    return { self: this.env.self, params: {}, nodes: this.env.nodeIds, roles: { server: this.env.nodeIds } };
  }

  private ctx(from: string | undefined, kind: "message" | "timer"): NodeContext<unknown> {
    return { ...this.setup(), from, kind };
  }

  /** The server's role, for tests and logs. */
  get role(): ServerState["role"] {
    return this.state.role;
  }

  get term(): number {
    return this.state.currentTerm;
  }

  private arm(t: ServerTimer): void {
    if (t.type === "ElectionTimeout")
      this.electionAt = this.env.now() + ELECTION_MIN_MS + Math.floor(this.env.random() * ELECTION_SPREAD_MS);
    else this.heartbeatAt = this.env.now() + HEARTBEAT_MS;
  }

  private disarm(t: ServerTimer): void {
    if (t.type === "ElectionTimeout") this.electionAt = undefined;
    else this.heartbeatAt = undefined;
  }

  private step(input: ServerInput, from: string | undefined): void {
    const kind = from === undefined ? "timer" : "message";
    const result: ServerStep | undefined = raftServer.reduce(this.state, input, this.ctx(from, kind));
    if (result === undefined) return;
    const before = this.state;
    this.state = result.state;
    if (before.role !== this.state.role || before.currentTerm !== this.state.currentTerm) {
      this.env.log(`raft: ${this.state.role} in term ${this.state.currentTerm}`);
    }
    for (const e of result.effects) {
      switch (e.type) {
        case "send":
          this.deliver(e.to, e.msg);
          break;
        case "broadcast":
          for (const to of e.to) this.deliver(to, e.msg);
          break;
        case "setTimer":
          this.arm(e.timer);
          break;
        case "cancelTimer":
          this.disarm(e.timer);
          break;
        case "record":
          break;
      }
    }
  }

  private deliver(to: string, msg: RaftMessage): void {
    if (msg.type === "ClientReply") {
      const key = `${to}/${msg.seq}`;
      const request = this.waiting.get(key);
      if (request === undefined) return;
      this.waiting.delete(key);
      this.env.reply(request, resultBody(request.body, msg.result));
      return;
    }
    this.env.sendPeer(to, { type: "raft", msg });
  }

  /** Fires the timers that are due; call it often (every few ms). */
  tick(): void {
    const now = this.env.now();
    if (this.electionAt !== undefined && now >= this.electionAt) {
      this.electionAt = undefined;
      this.step({ type: "ElectionTimeout" }, undefined);
    }
    if (this.heartbeatAt !== undefined && now >= this.heartbeatAt) {
      this.heartbeatAt = undefined;
      this.unstick();
      this.step({ type: "Heartbeat" }, undefined);
      // The reducer is not enabled while every peer is awaiting: keep ticking.
      if (this.state.role === "leader" && this.heartbeatAt === undefined) this.arm({ type: "Heartbeat" });
    }
  }

  /** A leader forgets AppendEntries outstanding for too long (lost on the network), so the next tick resends. */
  private unstick(): void {
    const peers = this.stuckPeers.tick(this.state);
    if (peers.length > 0) this.state = raftBinding.local!(this.state, { type: "forgetAwaiting", peers }) as ServerState;
  }

  /** Handles a message; false when it is not a lin-kv or raft message. */
  handle(message: Message): boolean {
    const { body } = message;
    if (body.type === "raft") {
      const msg = body["msg"] as { type?: unknown } | undefined;
      if (typeof msg !== "object" || msg === null || typeof msg.type !== "string" || !RAFT_TYPES.has(msg.type)) {
        this.env.log(`malformed raft message ignored: ${JSON.stringify(message)}`);
        return true;
      }
      const input = msg as ServerInput;
      const before = this.state;
      this.step(input, message.src);
      if (pushesElectionBack(input, message.src, before, this.state) && this.electionAt !== undefined)
        this.arm({ type: "ElectionTimeout" });
      return true;
    }
    const op = opOf(body);
    if (op === undefined) return false;
    if (typeof op === "string") {
      this.env.reply(message, { type: "error", code: 12, text: op });
      return true;
    }
    if (this.state.role !== "leader" || body.msg_id === undefined) {
      this.env.reply(message, {
        type: "error",
        code: 11,
        text: `not the leader (${this.state.role} in term ${this.state.currentTerm})`,
      });
      return true;
    }
    this.waiting.set(`${message.src}/${body.msg_id}`, message);
    this.step({ type: "ClientRequest", seq: body.msg_id, op }, message.src);
    return true;
  }
}

/** The Raft operation of a lin-kv request, an error text, or undefined for other types. */
function opOf(body: Body): KvOp | string | undefined {
  const key = body["key"];
  const isValue = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
  switch (body.type) {
    case "read":
      return key === undefined ? "read needs a key" : { type: "get", key: JSON.stringify(key) };
    case "write":
      if (key === undefined || !isValue(body["value"])) return "write needs a key and a numeric value";
      return { type: "put", key: JSON.stringify(key), value: body["value"] };
    case "cas":
      if (key === undefined || !isValue(body["from"]) || !isValue(body["to"]))
        return "cas needs a key and numeric from and to";
      return { type: "cas", key: JSON.stringify(key), expected: body["from"], value: body["to"] };
    default:
      return undefined;
  }
}

function resultBody(request: Body, result: KvResult): { type: string; [field: string]: unknown } {
  switch (result.type) {
    case "get":
      return result.value === null
        ? { type: "error", code: 20, text: "key does not exist" }
        : { type: "read_ok", value: result.value };
    case "put":
      return { type: "write_ok" };
    case "cas":
      // The machine does not say why a cas failed; a missing key holds null, never a request's `from`.
      return result.swapped
        ? { type: "cas_ok" }
        : { type: "error", code: 22, text: `expected ${String(request["from"])}` };
  }
}
