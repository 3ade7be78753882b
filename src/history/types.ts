/**
 * The history of client operations, as recorded from a real system (Jepsen,
 * the real-network adapter, a user's own tests) or inside a model's state.
 *
 * A history is a sequence of events. Every operation starts with an `invoke`
 * event and ends with at most one completion by the same process:
 * - `ok`: the operation took effect and returned `value`;
 * - `fail`: the operation certainly did not take effect;
 * - `info`: the outcome is unknown (it may take effect at any time after its
 *   invocation, or never). An operation with no completion at the end of the
 *   history is treated the same way.
 *
 * A process has at most one operation pending at a time (Jepsen's rule).
 *
 * JSON Lines (format `jsonl`): one event per line as a JSON object with the
 * fields below; blank lines are ignored, unknown fields (e.g. Jepsen's
 * `index`) are ignored, a missing `value` means `null`, a numeric `key` is read
 * as a string. `toJsonLines` writes this format and `parseHistory` reads it.
 *
 *     {"type":"invoke","process":0,"f":"write","value":3}
 *     {"type":"invoke","process":"c1","f":"cas","key":"k","value":[3,4],"time":1700}
 *     {"type":"ok","process":0,"f":"write","value":3}
 *     {"type":"fail","process":"c1","f":"cas","key":"k","value":[3,4]}
 */

/** A JSON value: what operation arguments and results may hold. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** The kind of a history event. */
export type EventType = "invoke" | "ok" | "fail" | "info";

/**
 * One event of a history.
 *
 * @example
 * { type: "invoke", process: 0, f: "write", value: 3 }
 * { type: "ok", process: 0, f: "write", value: 3 }
 * { type: "invoke", process: 1, f: "cas", value: [3, 4] }
 * { type: "invoke", process: 2, f: "append", key: "7", value: "x 2 0 y" }
 */
export interface HistoryEvent {
  readonly type: EventType;
  /** Who performed the operation: a Jepsen process number or a client id. */
  readonly process: number | string;
  /** The operation's name: `read`, `write`, `cas`, `get`, `put`, `append`, ... */
  readonly f: string;
  /** The argument (on invoke) or the result (on ok); `null` when there is none. */
  readonly value: Json;
  /** For keyed models (`kv`): the key, which partitions the history. */
  readonly key?: string;
  /** Optional time stamp (any monotonic unit, e.g. nanoseconds). */
  readonly time?: number;
}

/** A recorded history: events in the order they were observed. */
export type History = readonly HistoryEvent[];
