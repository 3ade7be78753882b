import type { HistoryEvent } from "../types.js";

/** The history formats this package reads. */
export type HistoryFormat = "etcd" | "kv" | "jsonl";

/** The result of parsing one input: the events and where each came from. */
export interface ParsedHistory {
  /** The file name used in error messages. */
  readonly file: string;
  /** The format the text was read as; `"empty"` when it holds no events. */
  readonly format: HistoryFormat | "empty";
  /** The events, in file order. */
  readonly events: HistoryEvent[];
  /** `lines[i]` is the 1-based line of `events[i]`. */
  readonly lines: number[];
}

/** What a single-format parser returns before format detection wraps it. */
export interface ParsedEvents {
  readonly events: HistoryEvent[];
  readonly lines: number[];
}

export const EVENT_TYPES: ReadonlySet<string> = new Set(["invoke", "ok", "fail", "info"]);
