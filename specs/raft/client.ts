/**
 * A client of the Raft key-value store. It runs one operation at a time: it
 * records the invocation in the client history, sends the request to the
 * server it believes is the leader, retries on timeout at the next server with
 * the same sequence number (so the store applies it once), and records the
 * answer when a reply arrives. An operation never answered stays pending in
 * the history: its outcome is unknown, which linearizability allows for.
 *
 * The history uses Jepsen's register vocabulary, one register per key: `read`,
 * `write`, `cas` with `[expected, value]` (a compare-and-set that did not swap
 * completes as `fail`), so src/history's register model checks it.
 */
import { match } from "ts-pattern";
import {
  become,
  cancelTimer,
  defineRole,
  record,
  send,
  setTimer,
  type HistoryEvent,
  type NodeContext,
  type NodeId,
  type NodeSetup,
  type RoleDef,
  type Step,
} from "../../src/index.js";
import type { KvOp, KvResult } from "./kv.js";
import { serverIds, type ClientReply, type RaftMessage } from "./server.js";

/** The operation a client is waiting on. */
export interface PendingOperation {
  readonly seq: number;
  readonly op: KvOp;
  /** The server the last attempt went to. */
  readonly server: NodeId;
  /** Attempts so far, the first included (a real client backs off by it; the model bounds it). */
  readonly attempt: number;
}

/** A client's state. */
export interface ClientState {
  /** The sequence number of the last operation invoked (0 before the first). */
  readonly seq: number;
  readonly pending: PendingOperation | null;
  /** The server believed to be the leader: the last one that answered. */
  readonly leader: NodeId;
}

/** The client's retry timer. */
export type ClientTimer = { readonly type: "RetryTimeout" };

/** What a client's reducer takes: its own decision to invoke an operation, a reply, or its timer. */
export type ClientInput = { readonly type: "Invoke"; readonly op: KvOp } | ClientReply | ClientTimer;

/** A client's reducer answer. */
export type ClientStep = Step<ClientState, RaftMessage, ClientTimer>;

const RETRY: ClientTimer = { type: "RetryTimeout" };

/** The history event that invokes `op`. */
export function invocationOf(process: NodeId, op: KvOp): HistoryEvent {
  return match(op)
    .with({ type: "get" }, (o): HistoryEvent => ({ type: "invoke", process, f: "read", key: o.key, value: null }))
    .with({ type: "put" }, (o): HistoryEvent => ({ type: "invoke", process, f: "write", key: o.key, value: o.value }))
    .with({ type: "cas" }, (o): HistoryEvent => ({
      type: "invoke",
      process,
      f: "cas",
      key: o.key,
      value: [o.expected, o.value],
    }))
    .exhaustive();
}

/** The history event that completes `op` with `result`. */
export function completionOf(process: NodeId, op: KvOp, result: KvResult): HistoryEvent {
  const invoked = invocationOf(process, op);
  return match(result)
    .with({ type: "get" }, (r): HistoryEvent => ({ ...invoked, type: "ok", value: r.value }))
    .with({ type: "put" }, (): HistoryEvent => ({ ...invoked, type: "ok" }))
    .with({ type: "cas" }, (r): HistoryEvent => ({ ...invoked, type: r.swapped ? "ok" : "fail" }))
    .exhaustive();
}

/** The server after `server`, round robin. */
function nextServer(ctx: NodeSetup<unknown>, server: NodeId): NodeId {
  const servers = serverIds(ctx);
  return servers[(servers.indexOf(server) + 1) % servers.length] ?? server;
}

/** The first server a client tries: clients start at different servers, round robin by client. */
export function initialLeaderGuess(ctx: NodeSetup<unknown>): NodeId {
  const servers = serverIds(ctx);
  const clients = ctx.roles["client"] ?? [];
  return servers[Math.max(0, clients.indexOf(ctx.self)) % servers.length] ?? ctx.self;
}

/** The client reducer. */
export function reduceClient(s: ClientState, input: ClientInput, ctx: NodeContext<unknown>): ClientStep | undefined {
  return match(input)
    .with({ type: "Invoke" }, ({ op }): ClientStep | undefined => {
      if (s.pending !== null) return undefined;
      const seq = s.seq + 1;
      return become<ClientState, RaftMessage, ClientTimer>(
        { ...s, seq, pending: { seq, op, server: s.leader, attempt: 1 } },
        record(invocationOf(ctx.self, op)),
        send<RaftMessage>(s.leader, { type: "ClientRequest", seq, op }),
        setTimer(RETRY),
      );
    })
    .with({ type: "RetryTimeout" }, (): ClientStep | undefined => {
      if (s.pending === null) return undefined;
      const server = nextServer(ctx, s.pending.server);
      return become<ClientState, RaftMessage, ClientTimer>(
        { ...s, pending: { ...s.pending, server, attempt: s.pending.attempt + 1 } },
        send<RaftMessage>(server, { type: "ClientRequest", seq: s.pending.seq, op: s.pending.op }),
        setTimer(RETRY),
      );
    })
    .with({ type: "ClientReply" }, (m): ClientStep => {
      // A late answer to an earlier attempt or operation: already recorded.
      if (s.pending === null || m.seq !== s.pending.seq) return become(s);
      const leader = ctx.from ?? s.leader;
      return become<ClientState, RaftMessage, ClientTimer>(
        { ...s, pending: null, leader },
        record(completionOf(ctx.self, s.pending.op, m.result)),
        cancelTimer(RETRY),
      );
    })
    .exhaustive();
}

/**
 * A client role whose operations come from `workload` (the model offers each
 * one as a choice whenever the client is idle; an application would call the
 * reducer with `Invoke` instead).
 *
 * @example
 * const client = kvClient(() => [{ type: "put", key: "x", value: 1 }, { type: "get", key: "x" }]);
 */
export function kvClient<P>(
  workload: (ctx: NodeSetup<P>) => readonly KvOp[],
): RoleDef<ClientState, ClientInput, RaftMessage, ClientTimer, P> {
  return defineRole<ClientState, ClientInput, RaftMessage, ClientTimer, P>({
    init: (ctx) => ({ seq: 0, pending: null, leader: initialLeaderGuess(ctx) }),
    choices: (s, ctx) => (s.pending === null ? workload(ctx).map((op) => ({ type: "Invoke", op }) as const) : []),
    reduce: reduceClient,
  });
}
