import { readFile } from "node:fs/promises";
import { HistoryInputError, HistoryParseError } from "../errors.js";
import { operationsOf } from "../operations.js";
import { parseEtcdLog } from "./etcd.js";
import { parseJsonLines } from "./jsonl.js";
import { parseKvLines } from "./kv.js";
import type { HistoryFormat, ParsedEvents, ParsedHistory } from "./parsed.js";
import { toLines } from "./text.js";

export type { HistoryFormat, ParsedHistory } from "./parsed.js";
export { toJsonLines } from "./jsonl.js";

/** Every accepted `format` name, with its aliases. */
export const FORMAT_NAMES: Readonly<Record<string, HistoryFormat>> = {
  etcd: "etcd",
  "jepsen-log": "etcd",
  kv: "kv",
  edn: "kv",
  jsonl: "jsonl",
  json: "jsonl",
  ndjson: "jsonl",
};

const PARSERS: Readonly<Record<HistoryFormat, (lines: readonly string[], file: string) => ParsedEvents>> = {
  etcd: parseEtcdLog,
  kv: parseKvLines,
  jsonl: parseJsonLines,
};

/** Options of {@link parseHistory}. */
export interface ParseOptions {
  /** The name used in error messages; default `"<input>"`. */
  readonly file?: string;
  /** A format name from {@link FORMAT_NAMES}; detected from the first event line when absent. */
  readonly format?: string;
}

/**
 * Parses a history in one of the supported formats and checks that it is
 * well-formed (every completion follows an invocation by the same process, no
 * process has two operations pending). Errors are {@link HistoryParseError}s
 * naming the file and line.
 *
 * Formats: `etcd` (Jepsen log lines `INFO jepsen.util - 3 :invoke :write 1`),
 * `kv` (Clojure maps `{:process 3, :type :ok, :f :get, :key "7", :value "x"}`)
 * and `jsonl` (one {@link HistoryEvent} as JSON per line).
 *
 * @example
 * const { events, format } = parseHistory('{"type":"invoke","process":0,"f":"read","value":null}\n');
 */
export function parseHistory(input: string | Uint8Array, options: ParseOptions = {}): ParsedHistory {
  const file = options.file ?? "<input>";
  const lines = toLines(input, file);
  const format = options.format === undefined ? detectFormat(lines, file) : formatByName(options.format);
  if (format === "empty") return { file, format, events: [], lines: [] };
  const { events, lines: lineNumbers } = PARSERS[format](lines, file);
  operationsOf(events, { file, lines: lineNumbers });
  return { file, format: events.length === 0 ? "empty" : format, events, lines: lineNumbers };
}

/** Reads and parses a history file; see {@link parseHistory}. */
export async function readHistoryFile(
  path: string,
  options: { readonly format?: string; readonly file?: string } = {},
): Promise<ParsedHistory> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new HistoryInputError(`${path}: cannot read the file${code === undefined ? "" : ` (${code})`}`);
  }
  return parseHistory(bytes, {
    file: options.file ?? path,
    ...(options.format === undefined ? {} : { format: options.format }),
  });
}

/** Resolves a format name or alias, or throws a {@link HistoryInputError} listing the names. */
export function formatByName(name: string): HistoryFormat {
  const format = FORMAT_NAMES[name];
  if (format === undefined) {
    throw new HistoryInputError(`unknown history format "${name}"; formats: ${Object.keys(FORMAT_NAMES).join(", ")}`);
  }
  return format;
}

/**
 * Tells the format from the first non-blank line: a Jepsen log line, a
 * Clojure map (`{:`) or a JSON object (`{"`).
 */
export function detectFormat(lines: readonly string[], file: string): HistoryFormat | "empty" {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    if (line.startsWith("{:")) return "kv";
    if (line.startsWith("{")) return "jsonl";
    if (/^[A-Z]+\s/.test(line)) return "etcd";
    throw new HistoryParseError(
      { file, line: i + 1 },
      "cannot tell the history format from this line (expected a Jepsen log line, a Clojure map or a JSON object); pass a format: etcd, kv or jsonl",
    );
  }
  return "empty";
}
