import { HistoryParseError } from "./errors.js";
import type { History, Json } from "./types.js";

/**
 * How an operation ended:
 * - `ok`: it took effect, between its invocation and its completion;
 * - `fail`: it certainly did not take effect;
 * - `unknown`: an `info` completion or none at all; it may take effect at any
 *   time after its invocation, or never.
 */
export type OperationStatus = "ok" | "fail" | "unknown";

/**
 * One operation: an invocation paired with its completion. This is what
 * models and checkers see; histories of events are turned into operations by
 * {@link toOperations}.
 */
export interface Operation {
  /** Position in the list of operations (invocation order), starting at 0. */
  readonly id: number;
  readonly process: number | string;
  /** The operation's name (`read`, `write`, `cas`, `get`, ...). */
  readonly f: string;
  /** The key of keyed operations. */
  readonly key?: string;
  /** The value of the invocation (the argument). */
  readonly input: Json;
  /** The value of the completion (the result); `null` when the outcome is unknown. */
  readonly output: Json;
  readonly status: OperationStatus;
  /** Index in the history of the invocation event. */
  readonly call: number;
  /** Index in the history of the completion event; `null` when there is none. */
  readonly end: number | null;
}

/** Where the events came from, for error messages. */
export interface EventSource {
  readonly file: string;
  /** `lines[i]` is the line of event `i`; without it, errors give the event number (1-based). */
  readonly lines?: readonly number[];
}

/**
 * Pairs each invocation with the next completion by the same process.
 *
 * Throws a {@link HistoryParseError} (file and line of the offending event) for
 * a completion without a pending invocation, an invocation while the same
 * process has one pending, or a completion of a different operation (`f`) or
 * key than the one invoked.
 *
 * @example
 * toOperations([
 *   { type: "invoke", process: 0, f: "write", value: 1 },
 *   { type: "ok", process: 0, f: "write", value: 1 },
 * ]) // [{ id: 0, f: "write", input: 1, output: 1, status: "ok", call: 0, end: 1, ... }]
 */
export function toOperations(events: History, source: EventSource = { file: "<history>" }): Operation[] {
  type Draft = { -readonly [K in keyof Operation]: Operation[K] };
  const ops: Draft[] = [];
  const pending = new Map<number | string, Draft>();
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.type === "invoke") {
      const open = pending.get(e.process);
      if (open !== undefined) {
        fail(
          source,
          i,
          `process ${String(e.process)} invokes :${e.f} while its :${open.f} from ${where(source, open.call)} is still pending`,
        );
      }
      const op: Draft = {
        id: ops.length,
        process: e.process,
        f: e.f,
        input: e.value,
        output: null,
        status: "unknown",
        call: i,
        end: null,
      };
      if (e.key !== undefined) op.key = e.key;
      ops.push(op);
      pending.set(e.process, op);
      continue;
    }
    const op = pending.get(e.process);
    if (op === undefined)
      fail(source, i, `process ${String(e.process)} completes :${e.f} (:${e.type}) without a pending invocation`);
    if (op.f !== e.f)
      fail(
        source,
        i,
        `process ${String(e.process)} completes :${e.f} but invoked :${op.f} at ${where(source, op.call)}`,
      );
    if (e.key !== undefined && op.key !== undefined && e.key !== op.key) {
      fail(
        source,
        i,
        `process ${String(e.process)} completes key "${e.key}" but invoked key "${op.key}" at ${where(source, op.call)}`,
      );
    }
    if (op.key === undefined && e.key !== undefined) op.key = e.key;
    pending.delete(e.process);
    op.end = i;
    if (e.type === "ok") {
      op.status = "ok";
      op.output = e.value;
    } else if (e.type === "fail") {
      op.status = "fail";
      op.output = e.value;
    }
  }
  return ops;
}

const paired = new WeakMap<History, { readonly length: number; readonly ops: Operation[] }>();

/**
 * {@link toOperations}, remembered per history array (histories are
 * immutable), so parsing and then checking a history pairs it once.
 */
export function operationsOf(events: History, source?: EventSource): Operation[] {
  const known = paired.get(events);
  if (known !== undefined && known.length === events.length) return known.ops;
  const ops = toOperations(events, source);
  paired.set(events, { length: events.length, ops });
  return ops;
}

function where(source: EventSource, index: number): string {
  return source.lines === undefined ? `event ${index + 1}` : `line ${source.lines[index] ?? index + 1}`;
}

function fail(source: EventSource, index: number, message: string): never {
  throw new HistoryParseError({ file: source.file, line: source.lines?.[index] ?? index + 1 }, message);
}

/** Describes an operation in one line, as `3: cas(1, 4) -> fail` style text for messages. */
export function describeOperationDefault(op: Operation): string {
  const key = op.key === undefined ? "" : `[${op.key}]`;
  const input = op.input === null ? "" : JSON.stringify(op.input);
  const out =
    op.status === "unknown"
      ? "?"
      : op.status === "fail"
        ? `fail${op.output === null ? "" : " " + JSON.stringify(op.output)}`
        : JSON.stringify(op.output);
  return `${op.f}${key}(${input}) -> ${out}`;
}

/** Re-export for callers that only need the event type. */
