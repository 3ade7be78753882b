import { HistoryInputError } from "./errors.js";
import { canonicalJson } from "./json.js";
import type { Operation } from "./operations.js";

/**
 * A read/write history prepared for the causal and session checks: reads
 * with a known result and writes that may have taken effect, per process in
 * program order, values as canonical JSON text.
 */
export interface ReadWriteHistory {
  /** Kept operations; `index` in the other arrays refers to this list. */
  readonly ops: readonly RwOp[];
  /** Indices of each process's operations, in program order. */
  readonly sessions: readonly (readonly number[])[];
  /** For each key and value: indices of the writes of that value. */
  readonly writersOf: ReadonlyMap<string, readonly number[]>;
}

/** One kept read or write. */
export interface RwOp {
  readonly index: number;
  readonly op: Operation;
  readonly kind: "read" | "write";
  readonly key: string;
  /** The value written or read, as canonical JSON; `null` is the initial value. */
  readonly value: string;
  /** Unknown-outcome write: it counts only if some read observed it. */
  readonly optional: boolean;
  readonly session: number;
  /** Position in its session. */
  readonly position: number;
}

const READS = new Set(["read", "get"]);
const WRITES = new Set(["write", "put"]);

/** The key under which the writers of a value are listed. */
function valueKey(key: string, value: string): string {
  return `${key}\u0000${value}`;
}

/**
 * Extracts the read/write operations (`read`/`get`, `write`/`put`; keyed by
 * `key`, or one register without keys). Failed operations and reads with an
 * unknown result are left out. Any other operation is a
 * {@link HistoryInputError}: causal and session guarantees are defined here for
 * registers only.
 */
export function toReadWrite(ops: readonly Operation[], consistency: string): ReadWriteHistory {
  const kept: RwOp[] = [];
  const sessions: number[][] = [];
  const sessionOf = new Map<number | string, number>();
  const writersOf = new Map<string, number[]>();
  for (const op of ops) {
    const isRead = READS.has(op.f);
    if (!isRead && !WRITES.has(op.f)) {
      throw new HistoryInputError(
        `${consistency} consistency is checked for read/write histories (read/get, write/put); operation ${op.id + 1} is :${op.f}`,
        op,
      );
    }
    if (op.status === "fail" || (isRead && op.status !== "ok")) continue;
    let session = sessionOf.get(op.process);
    if (session === undefined) {
      session = sessions.length;
      sessionOf.set(op.process, session);
      sessions.push([]);
    }
    const raw = isRead ? op.output : op.input;
    const value = raw === "" && (op.f === "get" || op.f === "put") ? "null" : canonicalJson(raw);
    const rw: RwOp = {
      index: kept.length,
      op,
      kind: isRead ? "read" : "write",
      key: op.key ?? "",
      value,
      optional: !isRead && op.status === "unknown",
      session,
      position: sessions[session]!.length,
    };
    kept.push(rw);
    sessions[session]!.push(rw.index);
    if (!isRead) {
      const k = valueKey(rw.key, value);
      let list = writersOf.get(k);
      if (list === undefined) writersOf.set(k, (list = []));
      list.push(rw.index);
    }
  }
  return { ops: kept, sessions, writersOf };
}

/** The value every register starts with (Jepsen's nil). */
export const INITIAL_VALUE = "null";

/**
 * For each read, the writes it may read from: writes of the same key and
 * value by any process, and -1 for the initial value when it read null.
 */
export function readCandidates(h: ReadWriteHistory): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const rw of h.ops) {
    if (rw.kind !== "read") continue;
    const list = [...(h.writersOf.get(valueKey(rw.key, rw.value)) ?? [])];
    if (rw.value === INITIAL_VALUE) list.push(-1);
    out.set(rw.index, list);
  }
  return out;
}
