/**
 * The replicated state machine of the Raft spec: a key-value store with get,
 * put and compare-and-set, and client sessions so that a command retried by a
 * client (same client id, same sequence number) takes effect once (Raft
 * dissertation, section 6.3). Pure functions over plain data: servers apply
 * committed log entries with {@link applyCommand}, in log order.
 */
import { match } from "ts-pattern";
import { MaelstromError, type Json, type NodeId } from "../../src/index.js";

/** A key of the store. */
export type Key = string;

/**
 * A value of the store: any JSON value, as Maelstrom's lin-kv allows (the
 * model's workloads write small integers). Values compare by structure
 * ({@link sameValue}), not by reference.
 */
export type Value = Json;

/** Maelstrom's error codes (the kernel's table), so the model's answers and the runtime's agree. */
export const KvError = MaelstromError;

/** One of Maelstrom's error codes. */
export type KvErrorCode = (typeof KvError)[keyof typeof KvError];

/** Structural equality of two values (JSON: key order in objects does not matter). */
export function sameValue(a: Value | undefined, b: Value | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x: Value, i: number) => sameValue(x, (b as readonly Value[])[i]));
  }
  const x = a as { readonly [key: string]: Value };
  const y = b as { readonly [key: string]: Value };
  const keys = Object.keys(x);
  return keys.length === Object.keys(y).length && keys.every((k) => Object.hasOwn(y, k) && sameValue(x[k], y[k]));
}

/** A client operation on the store. */
export type KvOp =
  | { readonly type: "get"; readonly key: Key }
  | { readonly type: "put"; readonly key: Key; readonly value: Value }
  /** Sets `key` to `value` when it holds `expected` (an absent key holds `null`). */
  | { readonly type: "cas"; readonly key: Key; readonly expected: Value | null; readonly value: Value };

/**
 * The answer to an operation. A get of an absent key reads `null` (Jepsen's
 * register reads nil) and says `error: 20` (key does not exist); a
 * compare-and-set that did not swap says why: 20 when the key is absent
 * (and `expected` was not null), 22 (precondition failed) when it holds
 * another value. Drivers pass `error` through as Maelstrom's code.
 */
export type KvResult =
  | { readonly type: "get"; readonly value: Value | null; readonly error?: typeof KvError.keyDoesNotExist }
  | { readonly type: "put" }
  | {
      readonly type: "cas";
      readonly swapped: boolean;
      readonly error?: typeof KvError.keyDoesNotExist | typeof KvError.preconditionFailed;
    };

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

/**
 * The value of `key`, or undefined when absent; keys named like Object.prototype's properties ("toString", "__proto__")
 * are ordinary keys.
 */
function valueOf(data: KvMachine["data"], key: Key): Value | undefined {
  return Object.hasOwn(data, key) ? data[key] : undefined;
}

type Executed = { readonly data: KvMachine["data"]; readonly result: KvResult };

function get(data: KvMachine["data"], key: Key): Executed {
  const value = valueOf(data, key);
  return {
    data,
    result: value === undefined ? { type: "get", value: null, error: KvError.keyDoesNotExist } : { type: "get", value },
  };
}

/** An absent key holds `null` for a compare-and-set, so `expected: null` creates it. */
function compareAndSet(data: KvMachine["data"], o: Extract<KvOp, { type: "cas" }>): Executed {
  const current = valueOf(data, o.key);
  if (sameValue(current ?? null, o.expected))
    return { data: { ...data, [o.key]: o.value }, result: { type: "cas", swapped: true } };
  const error = current === undefined ? KvError.keyDoesNotExist : KvError.preconditionFailed;
  return { data, result: { type: "cas", swapped: false, error } };
}

/** Executes an operation on the data, ignoring sessions. */
export function execute(data: KvMachine["data"], op: KvOp): Executed {
  return match(op)
    .with({ type: "get" }, (o) => get(data, o.key))
    .with({ type: "put" }, (o): Executed => ({ data: { ...data, [o.key]: o.value }, result: { type: "put" } }))
    .with({ type: "cas" }, (o) => compareAndSet(data, o))
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
  // A computed key defines an own property, so a client named "__proto__" is an ordinary session.
  return {
    machine: { data, sessions: { ...machine.sessions, [command.client]: { seq: command.seq, result } } },
    result,
  };
}

/** Applies commands in order. */
export function applyAll(machine: KvMachine, commands: Iterable<Command>): KvMachine {
  let m = machine;
  for (const c of commands) m = applyCommand(m, c).machine;
  return m;
}
