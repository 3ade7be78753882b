/**
 * The replicated state machine of the Raft spec: a key-value store with get,
 * put and compare-and-set, and client sessions so that a command retried by a
 * client (same client id, same sequence number) takes effect once (Raft
 * dissertation, section 6.3). Pure functions over plain data: servers apply
 * committed log entries with {@link applyCommand}, in log order.
 */
import { produce } from "immer";
import { match } from "ts-pattern";
import type { NodeId } from "../../src/index.js";

/** A key of the store. */
export type Key = string;

/** A value of the store (small integers in the model). */
export type Value = number;

/** A client operation on the store. */
export type KvOp =
  | { readonly type: "get"; readonly key: Key }
  | { readonly type: "put"; readonly key: Key; readonly value: Value }
  /** Sets `key` to `value` when it holds `expected` (an absent key holds `null`). */
  | { readonly type: "cas"; readonly key: Key; readonly expected: Value | null; readonly value: Value };

/** The answer to an operation. */
export type KvResult =
  | { readonly type: "get"; readonly value: Value | null }
  | { readonly type: "put" }
  | { readonly type: "cas"; readonly swapped: boolean };

/** A command in the replicated log: an operation tagged with its client session. */
export interface Command {
  readonly client: NodeId;
  /** The client's sequence number: 1, 2, ... one per operation, kept across retries. */
  readonly seq: number;
  readonly op: KvOp;
}

/** What the store remembers of a client: its last executed command and the answer. */
export interface Session {
  readonly seq: number;
  readonly result: KvResult;
}

/** The state machine: the data and one session per client. */
export interface KvMachine {
  readonly data: Readonly<Record<Key, Value>>;
  readonly sessions: Readonly<Record<NodeId, Session>>;
}

/** The state machine before any command. */
export const emptyMachine: KvMachine = { data: {}, sessions: {} };

/** The outcome of applying one command. */
export interface Applied {
  readonly machine: KvMachine;
  /**
   * The answer for the client; `undefined` for a command older than the
   * client's session (the client has moved on and will not read the answer).
   */
  readonly result: KvResult | undefined;
}

/** The value of `key`, or null; keys named like Object.prototype's properties ("toString", "__proto__") are ordinary keys. */
function valueOf(data: KvMachine["data"], key: Key): Value | null {
  return Object.hasOwn(data, key) ? (data[key] ?? null) : null;
}

/** Executes an operation on the data, ignoring sessions. */
export function execute(data: KvMachine["data"], op: KvOp): { readonly data: KvMachine["data"]; readonly result: KvResult } {
  return match<KvOp, { readonly data: KvMachine["data"]; readonly result: KvResult }>(op)
    .with({ type: "get" }, (o) => ({ data, result: { type: "get", value: valueOf(data, o.key) } }))
    .with({ type: "put" }, (o) => ({ data: { ...data, [o.key]: o.value }, result: { type: "put" } }))
    .with({ type: "cas" }, (o) =>
      valueOf(data, o.key) === o.expected ? { data: { ...data, [o.key]: o.value }, result: { type: "cas", swapped: true } } : { data, result: { type: "cas", swapped: false } },
    )
    .exhaustive();
}

/**
 * Applies a committed command. A command whose (client, seq) was already
 * executed is not executed again: it answers with the result cached in the
 * client's session, so a retried request is applied once.
 *
 * @example
 * const put = { client: "c1", seq: 1, op: { type: "put", key: "x", value: 1 } } as const;
 * const once = applyCommand(emptyMachine, put).machine;
 * applyCommand(once, put).machine === once // true: the retry is not executed again
 */
export function applyCommand(machine: KvMachine, command: Command): Applied {
  const session = Object.hasOwn(machine.sessions, command.client) ? machine.sessions[command.client] : undefined;
  if (session !== undefined && command.seq <= session.seq) {
    return { machine, result: command.seq === session.seq ? session.result : undefined };
  }
  const { data, result } = execute(machine.data, command.op);
  const next = produce(machine, (d) => {
    d.data = data;
    d.sessions[command.client] = { seq: command.seq, result };
  });
  return { machine: next, result };
}

/** Applies commands in order. */
export function applyAll(machine: KvMachine, commands: Iterable<Command>): KvMachine {
  let m = machine;
  for (const c of commands) m = applyCommand(m, c).machine;
  return m;
}
