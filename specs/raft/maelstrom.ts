/**
 * Raft serving Maelstrom's lin-kv workload (`interleave maelstrom lin-kv`):
 * the server reducer of server.ts, unchanged, with its runtime configuration
 * (runtime.ts: timer durations, heartbeat and resend policies). This file is
 * only the mapping between Maelstrom's bodies and the reducer's messages:
 *
 * - `read {key}`, `write {key, value}`, `cas {key, from, to}` become a
 *   `ClientRequest` of get, put or cas; keys and values may be any JSON
 *   (a key is stored as its JSON text). The request's `msg_id` + 1 is the
 *   session sequence number (ids may start at 0; sessions count from 1), so
 *   a request the client retries is applied once;
 * - a follower forwards a request to the leader it knows (the reducer does,
 *   dissertation 6.2); the leader's `ClientReply` travels back to the node the
 *   client asked, which replies. A server that knows no leader takes no step,
 *   and the node answers 11 (temporarily unavailable);
 * - servers compact their logs as in `interleave run` (runtime.ts), and a
 *   follower far behind installs the leader's snapshot;
 * - the reply: `read_ok {value}`, `write_ok`, `cas_ok`, or error 20 (key
 *   does not exist: a read, or a cas, of an absent key) or 22 (precondition
 *   failed: a cas whose `from` is not the value).
 */
import type { Json, MaelstromBody, MaelstromErrorBody, MaelstromMapping } from "../../src/index.js";
import { MaelstromError } from "../../src/index.js";
import type { KvOp, KvResult } from "./kv.js";
import { isCount, isRecord, raftPeerMessage, raftRuntime } from "./runtime.js";
import {
  raftServer,
  SERVER_ROLE,
  type RaftMessage,
  type ServerInput,
  type ServerState,
  type ServerTimer,
} from "./server.js";

/** Bodies come from JSON.parse, so any field that is present is a JSON value. */
const has = (v: Record<string, unknown>, field: string): boolean => Object.hasOwn(v, field) && v[field] !== undefined;

/**
 * A message from another server: the runtime's own validation (store values
 * may be any JSON); a client's request reaches a server from the client only.
 */
export function linKvPeerInput(msg: unknown): ServerInput | undefined {
  return isRecord(msg) && msg["type"] !== "ClientRequest" ? raftPeerMessage(msg) : undefined;
}

const malformed = (text: string): MaelstromErrorBody => ({
  type: "error",
  code: MaelstromError.malformedRequest,
  text,
});

/** The store operation of a lin-kv request, an error to answer, or undefined for another type. */
function linKvOp(body: MaelstromBody): KvOp | MaelstromErrorBody | undefined {
  const b = body as Record<string, unknown>;
  const key = JSON.stringify(b["key"]);
  switch (body.type) {
    case "read":
      return has(b, "key") ? { type: "get", key } : malformed("read needs a key");
    case "write":
      return has(b, "key") && has(b, "value")
        ? { type: "put", key, value: b["value"] as Json }
        : malformed("write needs a key and a value");
    case "cas":
      return has(b, "key") && has(b, "from") && has(b, "to")
        ? { type: "cas", key, expected: b["from"] as Json, value: b["to"] as Json }
        : malformed("cas needs a key, from and to");
    default:
      return undefined;
  }
}

/** The reply body of a store result. */
export function linKvReply(result: KvResult, request: MaelstromBody): MaelstromBody {
  switch (result.type) {
    case "get":
      return result.error === undefined && result.value !== null
        ? { type: "read_ok", value: result.value }
        : { type: "error", code: MaelstromError.keyDoesNotExist, text: "key does not exist" };
    case "put":
      return { type: "write_ok" };
    case "cas":
      if (result.swapped) return { type: "cas_ok" };
      return result.error === MaelstromError.keyDoesNotExist
        ? { type: "error", code: MaelstromError.keyDoesNotExist, text: "key does not exist" }
        : {
            type: "error",
            code: MaelstromError.preconditionFailed,
            text: `expected ${JSON.stringify(request["from"])}`,
          };
  }
}

/** Maelstrom's lin-kv served by the Raft server role: see the module comment. */
export const raftMaelstrom: MaelstromMapping<ServerState, ServerInput, RaftMessage, ServerTimer> = {
  workload: "lin-kv",
  role: raftServer,
  roleName: SERVER_ROLE,
  // The model parameters `interleave run` uses: per-period check-quorum, and compaction so a long
  // Maelstrom run keeps its logs short.
  params: raftRuntime.modelParams ?? {},
  runtime: raftRuntime,
  request(body) {
    const op = linKvOp(body);
    if (op === undefined || op.type === "error") return op;
    if (body.msg_id === undefined || !isCount(body.msg_id)) return malformed(`${body.type} needs a msg_id`);
    return { type: "ClientRequest", seq: body.msg_id + 1, op };
  },
  reply: (msg, request) =>
    msg.type === "ClientReply"
      ? linKvReply(msg.result, request)
      : { type: "error", code: MaelstromError.crash, text: `unexpected ${msg.type}` },
  answers: (msg) => (msg.type === "ClientReply" ? msg.seq - 1 : undefined),
  peer: linKvPeerInput,
  carries: (input) => (input.type === "ForwardedRequest" ? { client: input.client, msgId: input.seq - 1 } : undefined),
};
